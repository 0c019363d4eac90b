// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: module/msr.c, the checks WRMSR makes on PAT, addresses and EFER.
 */
#include <kunit/test.h>
#include <asm/msr-index.h>

#include "duet.h"

/* The EFER bits the SVM backend lets a guest set. */
#define GUEST_EFER	(EFER_SCE | EFER_LME | EFER_LMA | EFER_NX)

static void msr_pat_valid(struct kunit *test)
{
	/* The reset value (SDM "IA32_PAT"): WB WT UC- UC, twice. */
	KUNIT_EXPECT_TRUE(test, duet_msr_pat_valid(0x0007040600070406ULL));
	KUNIT_EXPECT_TRUE(test, duet_msr_pat_valid(0));
	/* Every valid type in every entry. */
	KUNIT_EXPECT_TRUE(test, duet_msr_pat_valid(0x0706050401000706ULL));
	KUNIT_EXPECT_TRUE(test, duet_msr_pat_valid(0x0707070707070707ULL));
}

static void msr_pat_invalid(struct kunit *test)
{
	int i;

	/* Types 2 and 3 are reserved, in any entry. */
	for (i = 0; i < 8; i++) {
		KUNIT_EXPECT_FALSE_MSG(test, duet_msr_pat_valid(2ULL << (8 * i)),
				       "entry %d", i);
		KUNIT_EXPECT_FALSE_MSG(test, duet_msr_pat_valid(3ULL << (8 * i)),
				       "entry %d", i);
		/* Bits 7:3 of an entry are reserved. */
		KUNIT_EXPECT_FALSE_MSG(test, duet_msr_pat_valid(8ULL << (8 * i)),
				       "entry %d", i);
		KUNIT_EXPECT_FALSE_MSG(test,
				       duet_msr_pat_valid(0x80ULL << (8 * i)),
				       "entry %d", i);
	}
	KUNIT_EXPECT_FALSE(test, duet_msr_pat_valid(~0ULL));
}

static void msr_canonical_48(struct kunit *test)
{
	KUNIT_EXPECT_TRUE(test, duet_msr_canonical(0, 48));
	KUNIT_EXPECT_TRUE(test, duet_msr_canonical(0x00007fffffffffffULL, 48));
	KUNIT_EXPECT_TRUE(test, duet_msr_canonical(0xffff800000000000ULL, 48));
	KUNIT_EXPECT_TRUE(test, duet_msr_canonical(~0ULL, 48));
	KUNIT_EXPECT_FALSE(test, duet_msr_canonical(0x0000800000000000ULL, 48));
	KUNIT_EXPECT_FALSE(test, duet_msr_canonical(0xffff7fffffffffffULL, 48));
	KUNIT_EXPECT_FALSE(test, duet_msr_canonical(0x8000000000000000ULL, 48));
	KUNIT_EXPECT_FALSE(test, duet_msr_canonical(0x0001000000000000ULL, 48));
}

static void msr_canonical_57(struct kunit *test)
{
	/* Canonical with 5-level paging only. */
	KUNIT_EXPECT_TRUE(test, duet_msr_canonical(0x0000800000000000ULL, 57));
	KUNIT_EXPECT_TRUE(test, duet_msr_canonical(0x00ffffffffffffffULL, 57));
	KUNIT_EXPECT_TRUE(test, duet_msr_canonical(0xff00000000000000ULL, 57));
	KUNIT_EXPECT_FALSE(test, duet_msr_canonical(0x0100000000000000ULL, 57));
	KUNIT_EXPECT_FALSE(test, duet_msr_canonical(0xfeffffffffffffffULL, 57));
}

static void msr_canonical_bad_width(struct kunit *test)
{
	/* A width no CPU has is never canonical, not a shift overflow. */
	KUNIT_EXPECT_FALSE(test, duet_msr_canonical(0, 0));
	KUNIT_EXPECT_FALSE(test, duet_msr_canonical(0, 64));
	KUNIT_EXPECT_FALSE(test, duet_msr_canonical(0, 200));
}

static void msr_va_bits_host(struct kunit *test)
{
	unsigned int bits = duet_msr_va_bits();

	KUNIT_EXPECT_TRUE_MSG(test, bits == 48 || bits == 57, "%u bits", bits);
}

static void msr_efer_reserved_bits(struct kunit *test)
{
	u64 lm = EFER_SCE | EFER_LME | EFER_LMA | EFER_NX;

	KUNIT_EXPECT_TRUE(test, duet_msr_efer_valid(lm, lm, GUEST_EFER, true,
						    false));
	KUNIT_EXPECT_TRUE(test, duet_msr_efer_valid(0, 0, GUEST_EFER, false,
						    true));
	/* SVME is duet's, not the guest's; bit 1 and bits 63:16 reserved. */
	KUNIT_EXPECT_FALSE(test, duet_msr_efer_valid(lm, lm | EFER_SVME,
						     GUEST_EFER, true, false));
	KUNIT_EXPECT_FALSE(test, duet_msr_efer_valid(lm, lm | BIT_ULL(1),
						     GUEST_EFER, true, true));
	KUNIT_EXPECT_FALSE(test, duet_msr_efer_valid(0, BIT_ULL(63),
						     GUEST_EFER, false, true));
}

static void msr_efer_lme_with_paging(struct kunit *test)
{
	/* The guest may not toggle LME while CR0.PG is set... */
	KUNIT_EXPECT_FALSE(test, duet_msr_efer_valid(EFER_LME | EFER_LMA, 0,
						     GUEST_EFER, true, false));
	KUNIT_EXPECT_FALSE(test, duet_msr_efer_valid(0, EFER_LME, GUEST_EFER,
						     true, false));
	/* ... may without paging, and the host restores whole states. */
	KUNIT_EXPECT_TRUE(test, duet_msr_efer_valid(0, EFER_LME, GUEST_EFER,
						    false, false));
	KUNIT_EXPECT_TRUE(test, duet_msr_efer_valid(EFER_LME | EFER_LMA, 0,
						    GUEST_EFER, true, true));
	/* NXE and SCE may change with paging on. */
	KUNIT_EXPECT_TRUE(test, duet_msr_efer_valid(EFER_LME | EFER_LMA,
						    EFER_LME | EFER_NX,
						    GUEST_EFER, true, false));
}

static void msr_efer_value_lma(struct kunit *test)
{
	u64 lma = EFER_LME | EFER_LMA;

	/* A guest's write of LMA is ignored, the host's taken. */
	KUNIT_EXPECT_EQ(test, duet_msr_efer_value(lma, EFER_LME, false), lma);
	KUNIT_EXPECT_EQ(test, duet_msr_efer_value(0, EFER_LMA, false), 0ULL);
	KUNIT_EXPECT_EQ(test, duet_msr_efer_value(lma, EFER_LME, true),
			(u64)EFER_LME);
	KUNIT_EXPECT_EQ(test, duet_msr_efer_value(0, lma | EFER_NX, true),
			lma | EFER_NX);
}

static struct kunit_case duet_msr_cases[] = {
	KUNIT_CASE(msr_pat_valid),
	KUNIT_CASE(msr_pat_invalid),
	KUNIT_CASE(msr_canonical_48),
	KUNIT_CASE(msr_canonical_57),
	KUNIT_CASE(msr_canonical_bad_width),
	KUNIT_CASE(msr_va_bits_host),
	KUNIT_CASE(msr_efer_reserved_bits),
	KUNIT_CASE(msr_efer_lme_with_paging),
	KUNIT_CASE(msr_efer_value_lma),
	{}
};

static struct kunit_suite duet_msr_suite = {
	.name = "duet_msr",
	.test_cases = duet_msr_cases,
};

kunit_test_suite(duet_msr_suite);
