// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: module/cpuid.c.
 */
#include <kunit/test.h>

#include "duet.h"

static void cpuid_filter_leaf1(struct kunit *test)
{
	struct duet_cpuid_entry e = {
		.function = 1, .ecx = BIT(5) | BIT(3) | BIT(21) | BIT(0),
		.edx = 0x178bfbff,
	};

	duet_cpuid_filter(&e);
	KUNIT_EXPECT_EQ(test, e.ecx & BIT(5), 0U);	/* VMX hidden */
	KUNIT_EXPECT_EQ(test, e.ecx & BIT(3), 0U);	/* MONITOR hidden */
	KUNIT_EXPECT_EQ(test, e.ecx & BIT(21), 0U);	/* x2APIC hidden */
	KUNIT_EXPECT_NE(test, e.ecx & BIT(31), 0U);	/* hypervisor */
	KUNIT_EXPECT_NE(test, e.ecx & BIT(0), 0U);	/* SSE3 kept */
	KUNIT_EXPECT_EQ(test, e.edx, 0x178bfbffU);
}

static void cpuid_filter_svm_leaves(struct kunit *test)
{
	struct duet_cpuid_entry ext = { .function = 0x80000001, .ecx = 0x75c237ff };
	struct duet_cpuid_entry svm = {
		.function = 0x8000000a, .eax = 1, .ebx = 0x8000, .edx = 0x1bcff,
	};

	duet_cpuid_filter(&ext);
	KUNIT_EXPECT_EQ(test, ext.ecx, 0x75c237ffU & ~BIT(2));
	duet_cpuid_filter(&svm);
	KUNIT_EXPECT_EQ(test, svm.eax | svm.ebx | svm.ecx | svm.edx, 0U);
}

static void cpuid_filter_other_leaf_untouched(struct kunit *test)
{
	struct duet_cpuid_entry e = {
		.function = 0, .eax = 0x10, .ebx = 0x68747541,
		.ecx = 0x444d4163, .edx = 0x69746e65,
	};
	struct duet_cpuid_entry copy = e;

	duet_cpuid_filter(&e);
	KUNIT_EXPECT_MEMEQ(test, &e, &copy, sizeof(e));
}

static void cpuid_find(struct kunit *test)
{
	static struct duet_cpuid_table t = {
		.nent = 3,
		.entries = {
			{ .function = 0, .eax = 7 },
			{ .function = 7, .index = 0, .ebx = 0x100,
			  .flags = DUET_CPUID_FLAG_SIGNIFICANT_INDEX },
			{ .function = 7, .index = 1, .eax = 0x200,
			  .flags = DUET_CPUID_FLAG_SIGNIFICANT_INDEX },
		},
	};
	const struct duet_cpuid_entry *e;

	/* Without a significant index, any ECX finds the leaf. */
	e = duet_cpuid_find(&t, 0, 1234);
	KUNIT_ASSERT_NOT_NULL(test, e);
	KUNIT_EXPECT_EQ(test, e->eax, 7U);

	e = duet_cpuid_find(&t, 7, 1);
	KUNIT_ASSERT_NOT_NULL(test, e);
	KUNIT_EXPECT_EQ(test, e->eax, 0x200U);
	e = duet_cpuid_find(&t, 7, 0);
	KUNIT_ASSERT_NOT_NULL(test, e);
	KUNIT_EXPECT_EQ(test, e->ebx, 0x100U);

	/* Missing leaf and missing subleaf. */
	KUNIT_EXPECT_NULL(test, duet_cpuid_find(&t, 7, 2));
	KUNIT_EXPECT_NULL(test, duet_cpuid_find(&t, 0x40000000, 0));
}

/* The live table says "hypervisor" and hides nested virtualization. */
static void cpuid_supported_table(struct kunit *test)
{
	const struct duet_cpuid_table *t = duet_cpuid_supported();
	const struct duet_cpuid_entry *e;

	KUNIT_ASSERT_GT(test, t->nent, 1U);
	KUNIT_ASSERT_LE(test, t->nent, (u32)DUET_MAX_CPUID_ENTRIES);
	e = duet_cpuid_find(t, 1, 0);
	KUNIT_ASSERT_NOT_NULL(test, e);
	KUNIT_EXPECT_NE(test, e->ecx & BIT(31), 0U);
	KUNIT_EXPECT_EQ(test, e->ecx & BIT(5), 0U);
	e = duet_cpuid_find(t, 0x80000001, 0);
	KUNIT_ASSERT_NOT_NULL(test, e);
	KUNIT_EXPECT_EQ(test, e->ecx & BIT(2), 0U);
}

static struct kunit_case duet_cpuid_cases[] = {
	KUNIT_CASE(cpuid_filter_leaf1),
	KUNIT_CASE(cpuid_filter_svm_leaves),
	KUNIT_CASE(cpuid_filter_other_leaf_untouched),
	KUNIT_CASE(cpuid_find),
	KUNIT_CASE(cpuid_supported_table),
	{}
};

static struct kunit_suite duet_cpuid_suite = {
	.name = "duet_cpuid",
	.test_cases = duet_cpuid_cases,
};

kunit_test_suite(duet_cpuid_suite);
