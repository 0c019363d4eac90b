// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: module/svm/rip.c, where RIP goes after an intercepted instruction.
 */
#include <kunit/test.h>

#include "duet.h"
#include "svm/svm_vcpu.h"

#define RIP		0x1000ULL

struct insn_len {
	u64 exit_code;
	unsigned int len;
};

/* Each fixed-form instruction with the length of its encoding. */
static const struct insn_len fixed[] = {
	{ SVM_EXIT_HLT, 1 },		/* F4 */
	{ SVM_EXIT_ICEBP, 1 },		/* F1 */
	{ SVM_EXIT_CPUID, 2 },		/* 0F A2 */
	{ SVM_EXIT_MSR, 2 },		/* 0F 32, 0F 30 */
	{ SVM_EXIT_RDTSC, 2 },		/* 0F 31 */
	{ SVM_EXIT_RDPMC, 2 },		/* 0F 33 */
	{ SVM_EXIT_INVD, 2 },		/* 0F 08 */
	{ SVM_EXIT_WBINVD, 2 },		/* 0F 09 */
	{ SVM_EXIT_PAUSE, 2 },		/* F3 90 */
	{ SVM_EXIT_VMMCALL, 3 },	/* 0F 01 D9 */
	{ SVM_EXIT_VMRUN, 3 },		/* 0F 01 D8 */
	{ SVM_EXIT_VMLOAD, 3 },		/* 0F 01 DA */
	{ SVM_EXIT_VMSAVE, 3 },		/* 0F 01 DB */
	{ SVM_EXIT_STGI, 3 },		/* 0F 01 DC */
	{ SVM_EXIT_CLGI, 3 },		/* 0F 01 DD */
	{ SVM_EXIT_SKINIT, 3 },		/* 0F 01 DE */
	{ SVM_EXIT_INVLPGA, 3 },	/* 0F 01 DF */
	{ SVM_EXIT_RDTSCP, 3 },		/* 0F 01 F9 */
	{ SVM_EXIT_MONITOR, 3 },	/* 0F 01 C8 */
	{ SVM_EXIT_MWAIT, 3 },		/* 0F 01 C9 */
	{ SVM_EXIT_MWAIT_COND, 3 },	/* 0F 01 C9 */
	{ SVM_EXIT_XSETBV, 3 },		/* 0F 01 D1 */
	{ SVM_EXIT_RDPRU, 3 },		/* 0F 01 FD */
};

/* Exits that are no fixed-form instruction, or no instruction at all. */
static const u64 not_fixed[] = {
	SVM_EXIT_INTR, SVM_EXIT_NMI, SVM_EXIT_VINTR, SVM_EXIT_NPF,
	SVM_EXIT_SHUTDOWN, SVM_EXIT_EXCP_BASE + 1, SVM_EXIT_EXCP_BASE + 14,
	SVM_EXIT_IRET,		/* not completed by duet: it runs */
	0x079,			/* INVLPG: a ModRM operand, any length */
	0x070,			/* PUSHF: may carry an operand-size prefix */
	SVM_EXIT_INVALID, 0x3ff, 0x401, 0xdeadbeef,
};

static void rip_fixed_lengths(struct kunit *test)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(fixed); i++) {
		KUNIT_EXPECT_EQ_MSG(test, duet_svm_insn_len(fixed[i].exit_code),
				    fixed[i].len, "exit %#llx",
				    fixed[i].exit_code);
	}
}

/* Without NRIP_SAVE: RIP plus the instruction's length. */
static void rip_without_nrip_save(struct kunit *test)
{
	unsigned int i;
	u64 rip;

	for (i = 0; i < ARRAY_SIZE(fixed); i++) {
		rip = 0;
		/* next_rip is ignored without the feature, even if set. */
		KUNIT_EXPECT_EQ(test, duet_svm_next_rip(fixed[i].exit_code, RIP,
							RIP + 9, 0, false, &rip),
				0);
		KUNIT_EXPECT_EQ_MSG(test, rip, RIP + fixed[i].len,
				    "exit %#llx", fixed[i].exit_code);
	}
}

/* With NRIP_SAVE: next_rip, for fixed and variable-length instructions. */
static void rip_with_nrip_save(struct kunit *test)
{
	u64 rip = 0;

	/* A prefixed CPUID: 66 0F A2. */
	KUNIT_EXPECT_EQ(test, duet_svm_next_rip(SVM_EXIT_CPUID, RIP, RIP + 3,
						0, true, &rip), 0);
	KUNIT_EXPECT_EQ(test, rip, RIP + 3);
	/* INVLPG has no fixed length; next_rip says where it ends. */
	KUNIT_EXPECT_EQ(test, duet_svm_next_rip(0x079, RIP, RIP + 7, 0, true,
						&rip), 0);
	KUNIT_EXPECT_EQ(test, rip, RIP + 7);
	/* A next_rip of 0 is no answer: fall back to the fixed length. */
	KUNIT_EXPECT_EQ(test, duet_svm_next_rip(SVM_EXIT_VMMCALL, RIP, 0, 0,
						true, &rip), 0);
	KUNIT_EXPECT_EQ(test, rip, RIP + 3);
}

/* IOIO: EXITINFO2, with or without NRIP_SAVE. */
static void rip_ioio(struct kunit *test)
{
	u64 rip = 0;

	KUNIT_EXPECT_EQ(test, duet_svm_insn_len(SVM_EXIT_IOIO), 0U);
	KUNIT_EXPECT_EQ(test, duet_svm_next_rip(SVM_EXIT_IOIO, RIP, 0, RIP + 2,
						false, &rip), 0);
	KUNIT_EXPECT_EQ(test, rip, RIP + 2);
	/* "rep outsb" with a segment prefix: 3 bytes, still EXITINFO2. */
	KUNIT_EXPECT_EQ(test, duet_svm_next_rip(SVM_EXIT_IOIO, RIP, RIP + 3,
						RIP + 3, true, &rip), 0);
	KUNIT_EXPECT_EQ(test, rip, RIP + 3);
}

/* Unknown length: an error and RIP left alone, never a guess. */
static void rip_unknown_is_error(struct kunit *test)
{
	unsigned int i;
	u64 rip;

	for (i = 0; i < ARRAY_SIZE(not_fixed); i++) {
		rip = 0x5a5a;
		KUNIT_EXPECT_EQ_MSG(test, duet_svm_insn_len(not_fixed[i]), 0U,
				    "exit %#llx", not_fixed[i]);
		KUNIT_EXPECT_EQ_MSG(test, duet_svm_next_rip(not_fixed[i], RIP,
							    0, RIP + 2, false,
							    &rip),
				    -EINVAL, "exit %#llx", not_fixed[i]);
		KUNIT_EXPECT_EQ(test, rip, 0x5a5aULL);
		/* NRIP_SAVE but no next_rip stored: still unknown. */
		KUNIT_EXPECT_EQ(test, duet_svm_next_rip(not_fixed[i], RIP, 0,
							RIP + 2, true, &rip),
				-EINVAL);
	}
}

/*
 * An instruction whose length duet decoded: the CPU's next_rip wins when
 * stored, else RIP + length, wrapping at 32 bits outside 64-bit mode.
 */
static void rip_decoded(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, duet_svm_next_rip_decoded(RIP, 0, false, 3, true),
			RIP + 3);
	KUNIT_EXPECT_EQ(test, duet_svm_next_rip_decoded(RIP, RIP + 4, true, 3,
							true), RIP + 4);
	/* NRIP_SAVE without a stored next_rip: the decoded length. */
	KUNIT_EXPECT_EQ(test, duet_svm_next_rip_decoded(RIP, 0, true, 4, false),
			RIP + 4);
	/* A next_rip without NRIP_SAVE is garbage: ignored. */
	KUNIT_EXPECT_EQ(test, duet_svm_next_rip_decoded(RIP, 0x9999, false, 3,
							true), RIP + 3);
	KUNIT_EXPECT_EQ(test, duet_svm_next_rip_decoded(0xfffffffeULL, 0, false,
							3, false), 1ULL);
	KUNIT_EXPECT_EQ(test, duet_svm_next_rip_decoded(0xfffffffeULL, 0, false,
							3, true),
			0x100000001ULL);
}

static struct kunit_case duet_svm_rip_cases[] = {
	KUNIT_CASE(rip_fixed_lengths),
	KUNIT_CASE(rip_without_nrip_save),
	KUNIT_CASE(rip_with_nrip_save),
	KUNIT_CASE(rip_ioio),
	KUNIT_CASE(rip_unknown_is_error),
	KUNIT_CASE(rip_decoded),
	{}
};

static struct kunit_suite duet_svm_rip_suite = {
	.name = "duet_svm_rip",
	.test_cases = duet_svm_rip_cases,
};

kunit_test_suite(duet_svm_rip_suite);
