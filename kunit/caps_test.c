// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: module/caps.c and the refusal strings of module/main.c.
 */
#include <kunit/test.h>

#include "duet.h"

static const struct duet_caps filled = {
	.backend		= DUET_BACKEND_VMX,
	.nested_paging		= true,
	.paging_levels		= 4,
	.nr_asids		= 65535,
	.nrip_save		= false,
	.decode_assists		= false,
	.flush_by_asid		= false,
	.vmcb_clean		= false,
	.vgif			= false,
	.unrestricted_guest	= true,
	.vpid			= true,
	.large_pages_2m		= true,
	.large_pages_1g		= false,
	.accessed_dirty		= true,
};

static u64 cap(struct kunit *test, const struct duet_caps *caps, u32 nr)
{
	u64 value = 0xdeadbeef;

	KUNIT_ASSERT_EQ(test, duet_cap_value(caps, nr, &value), 0);
	return value;
}

static void caps_value_each_field(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, cap(test, &filled, DUET_CAP_API_VERSION),
			(u64)DUET_API_VERSION);
	KUNIT_EXPECT_EQ(test, cap(test, &filled, DUET_CAP_BACKEND),
			(u64)DUET_BACKEND_VMX);
	KUNIT_EXPECT_EQ(test, cap(test, &filled, DUET_CAP_NESTED_PAGING), 1ULL);
	KUNIT_EXPECT_EQ(test, cap(test, &filled, DUET_CAP_PAGING_LEVELS), 4ULL);
	KUNIT_EXPECT_EQ(test, cap(test, &filled, DUET_CAP_NR_ASIDS), 65535ULL);
	KUNIT_EXPECT_EQ(test, cap(test, &filled, DUET_CAP_NRIP_SAVE), 0ULL);
	KUNIT_EXPECT_EQ(test, cap(test, &filled, DUET_CAP_DECODE_ASSISTS), 0ULL);
	KUNIT_EXPECT_EQ(test, cap(test, &filled, DUET_CAP_FLUSH_BY_ASID), 0ULL);
	KUNIT_EXPECT_EQ(test, cap(test, &filled, DUET_CAP_VMCB_CLEAN), 0ULL);
	KUNIT_EXPECT_EQ(test, cap(test, &filled, DUET_CAP_VGIF), 0ULL);
	KUNIT_EXPECT_EQ(test, cap(test, &filled, DUET_CAP_UNRESTRICTED_GUEST), 1ULL);
	KUNIT_EXPECT_EQ(test, cap(test, &filled, DUET_CAP_VPID), 1ULL);
	KUNIT_EXPECT_EQ(test, cap(test, &filled, DUET_CAP_LARGE_PAGES_2M), 1ULL);
	KUNIT_EXPECT_EQ(test, cap(test, &filled, DUET_CAP_LARGE_PAGES_1G), 0ULL);
	KUNIT_EXPECT_EQ(test, cap(test, &filled, DUET_CAP_ACCESSED_DIRTY), 1ULL);
}

/* Every number of the uapi enum has a value; none is silently skipped. */
static void caps_value_all_known(struct kunit *test)
{
	u64 value;
	u32 nr;

	for (nr = 1; nr <= DUET_CAP_MAX; nr++)
		KUNIT_EXPECT_EQ_MSG(test, duet_cap_value(&filled, nr, &value),
				    0, "cap %u", nr);
}

static void caps_value_unknown(struct kunit *test)
{
	u64 value = 42;

	KUNIT_EXPECT_EQ(test, duet_cap_value(&filled, 0, &value), -EINVAL);
	KUNIT_EXPECT_EQ(test, duet_cap_value(&filled, DUET_CAP_MAX + 1, &value),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, duet_cap_value(&filled, U32_MAX, &value), -EINVAL);
	/* A failed lookup leaves the output alone. */
	KUNIT_EXPECT_EQ(test, value, 42ULL);
}

/* duet_kunit.ko runs with duet.ko loaded: every online CPU is enabled. */
static void caps_value_nr_cpus(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, cap(test, &filled, DUET_CAP_NR_CPUS),
			(u64)num_online_cpus());
}

static void caps_backend_names(struct kunit *test)
{
	KUNIT_EXPECT_STREQ(test, duet_backend_name(DUET_BACKEND_SVM), "svm");
	KUNIT_EXPECT_STREQ(test, duet_backend_name(DUET_BACKEND_VMX), "vmx");
	KUNIT_EXPECT_STREQ(test, duet_backend_name(0), "none");
	KUNIT_EXPECT_STREQ(test, duet_backend_name(77), "none");
}

static void caps_refusal_strings(struct kunit *test)
{
	enum duet_refusal why;

	for (why = DUET_OK; why <= DUET_IN_USE; why++) {
		const char *s = duet_refusal_str(why);

		KUNIT_EXPECT_NOT_NULL(test, s);
		KUNIT_EXPECT_STRNEQ_MSG(test, s, "unknown reason", "reason %d", why);
	}
	KUNIT_EXPECT_STREQ(test, duet_refusal_str(DUET_IN_USE + 1),
			   "unknown reason");
	KUNIT_EXPECT_STREQ(test, duet_refusal_str(-1), "unknown reason");
}

static struct kunit_case duet_caps_cases[] = {
	KUNIT_CASE(caps_value_each_field),
	KUNIT_CASE(caps_value_all_known),
	KUNIT_CASE(caps_value_unknown),
	KUNIT_CASE(caps_value_nr_cpus),
	KUNIT_CASE(caps_backend_names),
	KUNIT_CASE(caps_refusal_strings),
	{}
};

static struct kunit_suite duet_caps_suite = {
	.name = "duet_caps",
	.test_cases = duet_caps_cases,
};

kunit_test_suite(duet_caps_suite);
