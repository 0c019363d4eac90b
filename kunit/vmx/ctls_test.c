// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: duet_vmx_adjust_ctls() (module/vmx/vmx.c), the VMX controls duet
 * asks for fitted to a capability MSR.  The MSR values were read from
 * Bochs 2.7 (corei7_haswell_4770) by a throwaway module under
 * selftests/vm-run --backend vmx.
 */
#include <kunit/test.h>

#include "duet.h"
#include "vmx/vmx_vcpu.h"

/* Bochs 2.7 corei7_haswell_4770: low half must-be-1, high half may-be-1. */
#define BOCHS_PINBASED		0x0000007f00000016ULL	/* 0x481 */
#define BOCHS_PROCBASED		0xf7f9fffe0401e172ULL	/* 0x482 */
#define BOCHS_EXIT		0x007fffff00036dffULL	/* 0x483 */
#define BOCHS_ENTRY		0x0000ffff000011ffULL	/* 0x484 */
#define BOCHS_PROCBASED2	0x00047fff00000000ULL	/* 0x48b */
#define BOCHS_TRUE_PINBASED	0x0000007f00000016ULL	/* 0x48d */
#define BOCHS_TRUE_PROCBASED	0xf7f9fffe04006172ULL	/* 0x48e */
#define BOCHS_TRUE_EXIT		0x007fffff00036dfbULL	/* 0x48f */
#define BOCHS_TRUE_ENTRY	0x0000ffff000011fbULL	/* 0x490 */

/* What vmx_setup_config() asks for, as it asks for it. */
#define PIN_WANT	(PIN_EXT_INTR_EXITING | PIN_NMI_EXITING | \
			 PIN_VIRTUAL_NMIS)
#define PROC_NEED	(PROC_HLT_EXITING | PROC_USE_TSC_OFFSETTING | \
			 PROC_MWAIT_EXITING | PROC_MONITOR_EXITING | \
			 PROC_RDPMC_EXITING | PROC_MOV_DR_EXITING | \
			 PROC_UNCOND_IO_EXITING | PROC_USE_MSR_BITMAPS | \
			 PROC_CR8_LOAD_EXITING | PROC_CR8_STORE_EXITING | \
			 PROC_ACTIVATE_SECONDARY)
#define PROC2_NEED	(PROC2_ENABLE_EPT | PROC2_UNRESTRICTED_GUEST)
#define PROC2_WANT	(PROC2_NEED | PROC2_ENABLE_RDTSCP | \
			 PROC2_ENABLE_INVPCID | PROC2_ENABLE_VPID)
#define EXIT_NEED	(EXIT_HOST_ADDR_SPACE_SIZE | EXIT_SAVE_PAT | \
			 EXIT_LOAD_PAT | EXIT_SAVE_EFER | EXIT_LOAD_EFER)
#define EXIT_WANT	(EXIT_NEED | EXIT_SAVE_DEBUG_CONTROLS)
#define ENTRY_NEED	(ENTRY_LOAD_PAT | ENTRY_LOAD_EFER)
#define ENTRY_WANT	(ENTRY_NEED | ENTRY_LOAD_DEBUG_CONTROLS)

/* Left in *out by a failing call: it must not be touched. */
#define UNTOUCHED	0xdeadbeefU

/* Pin-based: bits 1, 2 and 4 are reserved as 1 and come in unasked. */
static void ctls_bochs_pin(struct kunit *test)
{
	u32 out = UNTOUCHED;

	KUNIT_ASSERT_EQ(test, duet_vmx_adjust_ctls(BOCHS_TRUE_PINBASED,
						   PIN_WANT, PIN_WANT, &out), 0);
	KUNIT_EXPECT_EQ(test, out, 0x3fU);
	KUNIT_EXPECT_EQ(test, out & 0x16U, 0x16U);
	KUNIT_EXPECT_FALSE(test, out & PIN_PREEMPTION_TIMER);
	/* Allowed but not asked for: it stays off until asked. */
	KUNIT_ASSERT_EQ(test, duet_vmx_adjust_ctls(BOCHS_TRUE_PINBASED,
						   PIN_WANT | PIN_PREEMPTION_TIMER,
						   PIN_WANT, &out), 0);
	KUNIT_EXPECT_EQ(test, out, 0x7fU);
}

/*
 * Primary processor-based: the TRUE MSR frees CR3-load/store exiting
 * (bits 15, 16), the plain MSR forces them to 1 (SDM "VMX Capability
 * Reporting Facility": the TRUE MSRs report which default-1 bits may be 0).
 */
static void ctls_bochs_proc(struct kunit *test)
{
	u32 out = UNTOUCHED;

	KUNIT_ASSERT_EQ(test, duet_vmx_adjust_ctls(BOCHS_TRUE_PROCBASED,
						   PROC_NEED, PROC_NEED, &out), 0);
	/* Duet's bits, plus the reserved default-1 bits 1, 4-6, 8, 13, 14, 26. */
	KUNIT_EXPECT_EQ(test, out, 0xb5986dfaU);
	KUNIT_EXPECT_EQ(test, out & PROC_NEED, (u32)PROC_NEED);
	KUNIT_EXPECT_FALSE(test, out & (PROC_CR3_LOAD_EXITING |
					PROC_CR3_STORE_EXITING));

	KUNIT_ASSERT_EQ(test, duet_vmx_adjust_ctls(BOCHS_PROCBASED, PROC_NEED,
						   PROC_NEED, &out), 0);
	KUNIT_EXPECT_EQ(test, out, 0xb599edfaU);
	KUNIT_EXPECT_TRUE(test, out & PROC_CR3_LOAD_EXITING);
	KUNIT_EXPECT_TRUE(test, out & PROC_CR3_STORE_EXITING);
}

/* Secondary: Bochs has EPT, VPID, unrestricted guest; no XSAVES or PML. */
static void ctls_bochs_proc2(struct kunit *test)
{
	u32 out = UNTOUCHED;

	KUNIT_ASSERT_EQ(test, duet_vmx_adjust_ctls(BOCHS_PROCBASED2, PROC2_WANT,
						   PROC2_NEED, &out), 0);
	KUNIT_EXPECT_EQ(test, out, 0x10aaU);
	/* A wanted bit the CPU lacks is dropped, not an error. */
	KUNIT_ASSERT_EQ(test, duet_vmx_adjust_ctls(BOCHS_PROCBASED2,
						   PROC2_WANT | PROC2_ENABLE_XSAVES,
						   PROC2_NEED, &out), 0);
	KUNIT_EXPECT_EQ(test, out, 0x10aaU);
	KUNIT_EXPECT_FALSE(test, out & PROC2_ENABLE_XSAVES);
}

/* Exit: the plain MSR forces "save debug controls" (bit 2), TRUE frees it. */
static void ctls_bochs_exit(struct kunit *test)
{
	u32 out = UNTOUCHED;

	KUNIT_ASSERT_EQ(test, duet_vmx_adjust_ctls(BOCHS_TRUE_EXIT, EXIT_WANT,
						   EXIT_NEED, &out), 0);
	KUNIT_EXPECT_EQ(test, out, 0x3f6fffU);
	KUNIT_EXPECT_FALSE(test, out & EXIT_ACK_INTR_ON_EXIT);
	KUNIT_EXPECT_FALSE(test, out & EXIT_LOAD_PERF_GLOBAL_CTRL);

	KUNIT_ASSERT_EQ(test, duet_vmx_adjust_ctls(BOCHS_TRUE_EXIT, EXIT_NEED,
						   EXIT_NEED, &out), 0);
	KUNIT_EXPECT_FALSE(test, out & EXIT_SAVE_DEBUG_CONTROLS);
	KUNIT_ASSERT_EQ(test, duet_vmx_adjust_ctls(BOCHS_EXIT, EXIT_NEED,
						   EXIT_NEED, &out), 0);
	KUNIT_EXPECT_TRUE(test, out & EXIT_SAVE_DEBUG_CONTROLS);
}

static void ctls_bochs_entry(struct kunit *test)
{
	u32 out = UNTOUCHED;

	KUNIT_ASSERT_EQ(test, duet_vmx_adjust_ctls(BOCHS_TRUE_ENTRY, ENTRY_WANT,
						   ENTRY_NEED, &out), 0);
	KUNIT_EXPECT_EQ(test, out, 0xd1ffU);
	KUNIT_EXPECT_FALSE(test, out & ENTRY_IA32E_MODE);

	KUNIT_ASSERT_EQ(test, duet_vmx_adjust_ctls(BOCHS_TRUE_ENTRY, ENTRY_NEED,
						   ENTRY_NEED, &out), 0);
	KUNIT_EXPECT_FALSE(test, out & ENTRY_LOAD_DEBUG_CONTROLS);
	KUNIT_ASSERT_EQ(test, duet_vmx_adjust_ctls(BOCHS_ENTRY, ENTRY_NEED,
						   ENTRY_NEED, &out), 0);
	KUNIT_EXPECT_TRUE(test, out & ENTRY_LOAD_DEBUG_CONTROLS);
}

/* Nothing asked: exactly the bits the CPU forces. */
static void ctls_nothing_wanted(struct kunit *test)
{
	u32 out = UNTOUCHED;

	KUNIT_ASSERT_EQ(test, duet_vmx_adjust_ctls(BOCHS_TRUE_PINBASED, 0, 0,
						   &out), 0);
	KUNIT_EXPECT_EQ(test, out, 0x16U);
	KUNIT_ASSERT_EQ(test, duet_vmx_adjust_ctls(BOCHS_PROCBASED2, 0, 0,
						   &out), 0);
	KUNIT_EXPECT_EQ(test, out, 0U);
}

/* A required control the CPU does not have: -EOPNOTSUPP, *out kept. */
static void ctls_required_missing(struct kunit *test)
{
	u32 out = UNTOUCHED;

	/* Bochs has no monitor trap flag (allowed-1 bit 27 clear). */
	KUNIT_EXPECT_EQ(test, duet_vmx_adjust_ctls(BOCHS_TRUE_PROCBASED,
						   PROC_NEED | PROC_MONITOR_TRAP_FLAG,
						   PROC_NEED | PROC_MONITOR_TRAP_FLAG,
						   &out), -EOPNOTSUPP);
	KUNIT_EXPECT_EQ(test, out, UNTOUCHED);
	/* ... and no XSAVES. */
	KUNIT_EXPECT_EQ(test, duet_vmx_adjust_ctls(BOCHS_PROCBASED2,
						   PROC2_WANT | PROC2_ENABLE_XSAVES,
						   PROC2_NEED | PROC2_ENABLE_XSAVES,
						   &out), -EOPNOTSUPP);
	KUNIT_EXPECT_EQ(test, out, UNTOUCHED);
	/* A CPU without unrestricted guest (bit 7 of the high half). */
	KUNIT_EXPECT_EQ(test, duet_vmx_adjust_ctls(BOCHS_PROCBASED2 &
						   ~((u64)PROC2_UNRESTRICTED_GUEST << 32),
						   PROC2_WANT, PROC2_NEED, &out),
			-EOPNOTSUPP);
	KUNIT_EXPECT_EQ(test, out, UNTOUCHED);
	/* A CPU without virtual NMIs. */
	KUNIT_EXPECT_EQ(test, duet_vmx_adjust_ctls(BOCHS_TRUE_PINBASED &
						   ~((u64)PIN_VIRTUAL_NMIS << 32),
						   PIN_WANT, PIN_WANT, &out),
			-EOPNOTSUPP);
	KUNIT_EXPECT_EQ(test, out, UNTOUCHED);
}

/* A required bit counts even when @want leaves it out. */
static void ctls_need_outside_want(struct kunit *test)
{
	u32 out = UNTOUCHED;

	KUNIT_ASSERT_EQ(test, duet_vmx_adjust_ctls(BOCHS_PROCBASED2, 0,
						   PROC2_NEED, &out), 0);
	KUNIT_EXPECT_EQ(test, out, (u32)PROC2_NEED);
	KUNIT_EXPECT_EQ(test, duet_vmx_adjust_ctls(BOCHS_PROCBASED2, 0,
						   PROC2_ENABLE_XSAVES, &out),
			-EOPNOTSUPP);
}

/*
 * Allowed-1 decides: a bit only in the allowed-0 half (which a real CPU
 * never reports without the allowed-1 bit) is not granted.
 */
static void ctls_allowed1_decides(struct kunit *test)
{
	u32 out = UNTOUCHED;

	KUNIT_EXPECT_EQ(test, duet_vmx_adjust_ctls((u64)PROC2_ENABLE_EPT,
						   PROC2_ENABLE_EPT,
						   PROC2_ENABLE_EPT, &out),
			-EOPNOTSUPP);
	KUNIT_EXPECT_EQ(test, out, UNTOUCHED);
	KUNIT_ASSERT_EQ(test, duet_vmx_adjust_ctls((u64)PROC2_ENABLE_EPT, 0, 0,
						   &out), 0);
	KUNIT_EXPECT_EQ(test, out, 0U);
}

static struct kunit_case duet_vmx_ctls_cases[] = {
	KUNIT_CASE(ctls_bochs_pin),
	KUNIT_CASE(ctls_bochs_proc),
	KUNIT_CASE(ctls_bochs_proc2),
	KUNIT_CASE(ctls_bochs_exit),
	KUNIT_CASE(ctls_bochs_entry),
	KUNIT_CASE(ctls_nothing_wanted),
	KUNIT_CASE(ctls_required_missing),
	KUNIT_CASE(ctls_need_outside_want),
	KUNIT_CASE(ctls_allowed1_decides),
	{}
};

static struct kunit_suite duet_vmx_ctls_suite = {
	.name = "duet_vmx_ctls",
	.test_cases = duet_vmx_ctls_cases,
};

kunit_test_suite(duet_vmx_ctls_suite);
