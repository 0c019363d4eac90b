// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: module/vmx/cr.c, the CR0/CR4 guest/host masks and the values the
 * CPU runs the guest with, from the FIXED MSRs.  Bochs 2.7
 * (corei7_haswell_4770) values, read by a throwaway module under
 * selftests/vm-run --backend vmx, and one plausible other CPU.
 */
#include <kunit/test.h>

#include "duet.h"
#include "vmx/vmx_vcpu.h"

#define BOCHS_CR0_FIXED0	0x80000021ULL	/* PG, NE, PE */
#define BOCHS_CR0_FIXED1	0xffffffffULL
#define BOCHS_CR4_FIXED0	0x00002000ULL	/* VMXE */
#define BOCHS_CR4_FIXED1	0x001727ffULL	/* no UMIP, LA57, SMXE, SMAP, PKE */

/* CR0 bits that are the guest's alone: they never exit. */
#define CR0_GUEST_OWNED	(X86_CR0_MP | X86_CR0_EM | X86_CR0_TS | \
			 X86_CR0_ET | X86_CR0_WP | X86_CR0_AM | \
			 X86_CR0_NW | X86_CR0_CD)

static void cr0_mask_bochs(struct kunit *test)
{
	u64 mask = duet_vmx_cr0_mask(BOCHS_CR0_FIXED0, BOCHS_CR0_FIXED1);

	/* NE is forced: the guest's own value lives in the read shadow. */
	KUNIT_EXPECT_TRUE(test, mask & X86_CR0_NE);
	/* PE and PG changes exit: PG switches IA-32e mode with it. */
	KUNIT_EXPECT_TRUE(test, mask & X86_CR0_PE);
	KUNIT_EXPECT_TRUE(test, mask & X86_CR0_PG);
	/* Bits 63:32 may not be 1: writing them exits (and #GPs). */
	KUNIT_EXPECT_EQ(test, mask >> 32, 0xffffffffULL);
	KUNIT_EXPECT_EQ(test, mask & CR0_GUEST_OWNED, 0ULL);
	KUNIT_EXPECT_EQ(test, mask, 0xffffffff80000021ULL);
}

/* PE and PG are free with unrestricted guest; NE is forced. */
static void cr0_hw_bochs(struct kunit *test)
{
	u64 cr0;

	KUNIT_EXPECT_EQ(test, duet_vmx_cr0_hw(0, BOCHS_CR0_FIXED0),
			(u64)X86_CR0_NE);
	/* The reset value: real mode, caches off. */
	cr0 = X86_CR0_NW | X86_CR0_CD | X86_CR0_ET;
	KUNIT_EXPECT_EQ(test, duet_vmx_cr0_hw(cr0, BOCHS_CR0_FIXED0),
			cr0 | X86_CR0_NE);
	KUNIT_EXPECT_FALSE(test, duet_vmx_cr0_hw(cr0, BOCHS_CR0_FIXED0) &
			   (X86_CR0_PE | X86_CR0_PG));
	/* Protected mode without paging stays so. */
	KUNIT_EXPECT_EQ(test, duet_vmx_cr0_hw(X86_CR0_PE, BOCHS_CR0_FIXED0),
			(u64)(X86_CR0_PE | X86_CR0_NE));
	/* The guest's own bits pass through. */
	cr0 = X86_CR0_PG | X86_CR0_PE | X86_CR0_WP | X86_CR0_NE | X86_CR0_TS;
	KUNIT_EXPECT_EQ(test, duet_vmx_cr0_hw(cr0, BOCHS_CR0_FIXED0), cr0);
}

/* A CPU that forced CD as well (FIXED0 bit 30): the guest runs with it. */
static void cr0_hw_other_forced_bit(struct kunit *test)
{
	u64 fixed0 = BOCHS_CR0_FIXED0 | X86_CR0_CD;

	KUNIT_EXPECT_EQ(test, duet_vmx_cr0_hw(0, fixed0),
			(u64)(X86_CR0_NE | X86_CR0_CD));
	KUNIT_EXPECT_TRUE(test, duet_vmx_cr0_mask(fixed0, BOCHS_CR0_FIXED1) &
			  X86_CR0_CD);
	/* And one that may not set AM (FIXED1 bit 18 clear): owned. */
	KUNIT_EXPECT_TRUE(test, duet_vmx_cr0_mask(BOCHS_CR0_FIXED0,
						  BOCHS_CR0_FIXED1 &
						  ~(u64)X86_CR0_AM) &
			  X86_CR0_AM);
}

/* VMXE is forced and owned; bits outside FIXED1 are owned too. */
static void cr4_mask_bochs(struct kunit *test)
{
	u64 mask = duet_vmx_cr4_mask(BOCHS_CR4_FIXED0, BOCHS_CR4_FIXED1);

	KUNIT_EXPECT_TRUE(test, mask & X86_CR4_VMXE);
	KUNIT_EXPECT_TRUE(test, mask & X86_CR4_LA57);
	KUNIT_EXPECT_TRUE(test, mask & X86_CR4_PKE);
	KUNIT_EXPECT_TRUE(test, mask & X86_CR4_SMAP);
	KUNIT_EXPECT_TRUE(test, mask & X86_CR4_UMIP);
	KUNIT_EXPECT_EQ(test, mask & (X86_CR4_PAE | X86_CR4_PGE |
				      X86_CR4_OSFXSR | X86_CR4_OSXSAVE |
				      X86_CR4_PCIDE | X86_CR4_FSGSBASE |
				      X86_CR4_SMEP | X86_CR4_PSE), 0ULL);
	KUNIT_EXPECT_EQ(test, mask, ~0x001707ffULL);
}

static void cr4_hw_bochs(struct kunit *test)
{
	u64 cr4 = X86_CR4_PAE | X86_CR4_PGE | X86_CR4_OSFXSR;

	KUNIT_EXPECT_EQ(test, duet_vmx_cr4_hw(0, BOCHS_CR4_FIXED0),
			(u64)X86_CR4_VMXE);
	KUNIT_EXPECT_EQ(test, duet_vmx_cr4_hw(cr4, BOCHS_CR4_FIXED0),
			cr4 | X86_CR4_VMXE);
}

/*
 * What a guest reads back (vmx_get_sregs()): the hardware value outside
 * the mask, the shadow inside it.  Forced bits never show.
 */
static void cr_guest_view(struct kunit *test)
{
	u64 mask0 = duet_vmx_cr0_mask(BOCHS_CR0_FIXED0, BOCHS_CR0_FIXED1);
	u64 mask4 = duet_vmx_cr4_mask(BOCHS_CR4_FIXED0, BOCHS_CR4_FIXED1);
	u64 cr0 = X86_CR0_ET | X86_CR0_CD | X86_CR0_NW;
	u64 cr4 = X86_CR4_PAE;

	KUNIT_EXPECT_EQ(test, (duet_vmx_cr0_hw(cr0, BOCHS_CR0_FIXED0) & ~mask0) |
			(cr0 & mask0), cr0);
	KUNIT_EXPECT_EQ(test, (duet_vmx_cr4_hw(cr4, BOCHS_CR4_FIXED0) & ~mask4) |
			(cr4 & mask4), cr4);
}

static struct kunit_case duet_vmx_cr_cases[] = {
	KUNIT_CASE(cr0_mask_bochs),
	KUNIT_CASE(cr0_hw_bochs),
	KUNIT_CASE(cr0_hw_other_forced_bit),
	KUNIT_CASE(cr4_mask_bochs),
	KUNIT_CASE(cr4_hw_bochs),
	KUNIT_CASE(cr_guest_view),
	{}
};

static struct kunit_suite duet_vmx_cr_suite = {
	.name = "duet_vmx_cr",
	.test_cases = duet_vmx_cr_cases,
};

kunit_test_suite(duet_vmx_cr_suite);
