// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: module/svm/dr.c, MOV to and from DRn: the GPR operand from the
 * instruction's bytes, and the exception (or aliased register) an access
 * gets.
 */
#include <kunit/test.h>
#include <asm/processor-flags.h>

#include "duet.h"
#include "svm/svm_vcpu.h"

#define DR7_GD		BIT_ULL(13)

struct dr_parse_case {
	const char *name;
	u8 bytes[6];
	unsigned int len;
	bool mode64;
	unsigned int dr;
	bool write;
	int ret;
	unsigned int gpr;
	unsigned int insn_len;
};

static const struct dr_parse_case parse_cases[] = {
	{ "mov %rax,%db0", { 0x0f, 0x23, 0xc0 }, 3, true, 0, true, 0, 0, 3 },
	{ "mov %db7,%r9 (REX.B)", { 0x41, 0x0f, 0x21, 0xf9 }, 4, true, 7,
	  false, 0, 9, 4 },
	{ "mov %r15,%db3", { 0x41, 0x0f, 0x23, 0xdf }, 4, true, 3, true, 0,
	  15, 4 },
	{ "mov %db2,%ebx (32-bit)", { 0x0f, 0x21, 0xd3 }, 3, false, 2, false,
	  0, 3, 3 },
	{ "mov %esp,%db6 (32-bit)", { 0x0f, 0x23, 0xf4 }, 3, false, 6, true,
	  0, 4, 3 },
	/* MOV DR takes ModRM.rm as a register whatever ModRM.mod says. */
	{ "mod 0 is still a register", { 0x0f, 0x23, 0x00 }, 3, true, 0, true,
	  0, 0, 3 },
	{ "a redundant 66h prefix", { 0x66, 0x0f, 0x21, 0xc8 }, 4, true, 1,
	  false, 0, 0, 4 },
	{ "truncated", { 0x0f, 0x23 }, 2, true, 0, true, -ENODATA },
	{ "REX.R: DR8 is not DR0", { 0x44, 0x0f, 0x23, 0xc0 }, 4, true, 0, true,
	  -EILSEQ },
	{ "a read where the exit says write", { 0x0f, 0x21, 0xc0 }, 3, true, 0,
	  true, -EILSEQ },
	{ "a write where the exit says read", { 0x0f, 0x23, 0xc0 }, 3, true, 0,
	  false, -EILSEQ },
	{ "DR1 where the exit says DR0", { 0x0f, 0x23, 0xc8 }, 3, true, 0, true,
	  -EILSEQ },
	{ "MOV CR, not DR", { 0x0f, 0x22, 0xc0 }, 3, true, 0, true, -EILSEQ },
	{ "CPUID", { 0x0f, 0xa2 }, 2, true, 0, false, -EILSEQ },
	{ "32-bit: 41h is INC, not REX", { 0x41, 0x0f, 0x21, 0xf9 }, 4, false,
	  7, false, -EILSEQ },
	{ "LOCK is #UD", { 0xf0, 0x0f, 0x23, 0xc0 }, 4, true, 0, true,
	  -EILSEQ },
};

static void dr_parse(struct kunit *test)
{
	unsigned int i, gpr, len;

	for (i = 0; i < ARRAY_SIZE(parse_cases); i++) {
		const struct dr_parse_case *c = &parse_cases[i];

		gpr = 0xff;
		len = 0xff;
		KUNIT_EXPECT_EQ_MSG(test, duet_svm_dr_parse(c->bytes, c->len,
							    c->mode64, c->dr,
							    c->write, &gpr,
							    &len),
				    c->ret, "%s", c->name);
		if (c->ret)
			continue;
		KUNIT_EXPECT_EQ_MSG(test, gpr, c->gpr, "%s", c->name);
		KUNIT_EXPECT_EQ_MSG(test, len, c->insn_len, "%s", c->name);
	}
}

/* DR0-DR3, DR6 and DR7 are themselves; any value of DR0-DR3 goes. */
static void dr_check_plain(struct kunit *test)
{
	static const unsigned int regs[] = { 0, 1, 2, 3, 6, 7 };
	unsigned int i, eff;

	for (i = 0; i < ARRAY_SIZE(regs); i++) {
		eff = 0xff;
		KUNIT_EXPECT_EQ(test, duet_svm_dr_check(regs[i], false,
							X86_CR4_DE, 0, 0x400,
							0, &eff), SVM_DR_OK);
		KUNIT_EXPECT_EQ(test, eff, regs[i]);
		KUNIT_EXPECT_EQ(test, duet_svm_dr_check(regs[i], true, 0, 0,
							0x400, 0xffffffff,
							&eff), SVM_DR_OK);
	}
	KUNIT_EXPECT_EQ(test, duet_svm_dr_check(0, true, 0, 0, 0x400,
						~0ULL, &eff), SVM_DR_OK);
	KUNIT_EXPECT_EQ(test, duet_svm_dr_check(3, true, 0, 0, 0x400,
						0xffff800000001000ULL, &eff),
			SVM_DR_OK);
}

/* DR4/DR5 alias DR6/DR7 with CR4.DE clear, #UD with it set. */
static void dr_check_alias(struct kunit *test)
{
	unsigned int eff = 0xff;

	KUNIT_EXPECT_EQ(test, duet_svm_dr_check(4, false, 0, 0, 0x400, 0,
						&eff), SVM_DR_OK);
	KUNIT_EXPECT_EQ(test, eff, 6U);
	KUNIT_EXPECT_EQ(test, duet_svm_dr_check(5, true, 0, 0, 0x400, 0x401,
						&eff), SVM_DR_OK);
	KUNIT_EXPECT_EQ(test, eff, 7U);
	KUNIT_EXPECT_EQ(test, duet_svm_dr_check(4, false, X86_CR4_DE, 0, 0x400,
						0, &eff), SVM_DR_UD);
	KUNIT_EXPECT_EQ(test, duet_svm_dr_check(5, true, X86_CR4_DE, 0, 0x400,
						0x400, &eff), SVM_DR_UD);
	/* The alias takes DR7's value check. */
	KUNIT_EXPECT_EQ(test, duet_svm_dr_check(5, true, 0, 0, 0x400,
						1ULL << 32, &eff), SVM_DR_GP);
}

/* Bits 63:32 of DR6 and DR7 must be written as zero. */
static void dr_check_high_bits(struct kunit *test)
{
	unsigned int eff;

	KUNIT_EXPECT_EQ(test, duet_svm_dr_check(7, true, 0, 0, 0x400,
						1ULL << 32, &eff), SVM_DR_GP);
	KUNIT_EXPECT_EQ(test, duet_svm_dr_check(6, true, 0, 0, 0x400,
						1ULL << 63, &eff), SVM_DR_GP);
	KUNIT_EXPECT_EQ(test, duet_svm_dr_check(7, true, 0, 0, 0x400,
						0xffffffffULL, &eff),
			SVM_DR_OK);
	/* Reads pass no value: whatever the caller had is ignored. */
	KUNIT_EXPECT_EQ(test, duet_svm_dr_check(7, false, 0, 0, 0x400,
						~0ULL, &eff), SVM_DR_OK);
}

/* Privilege first, then #UD, then general detect, then the value. */
static void dr_check_order(struct kunit *test)
{
	unsigned int eff, cpl;

	for (cpl = 1; cpl <= 3; cpl++)
		KUNIT_EXPECT_EQ(test, duet_svm_dr_check(4, true, X86_CR4_DE,
							cpl, DR7_GD, 0, &eff),
				SVM_DR_GP);
	KUNIT_EXPECT_EQ(test, duet_svm_dr_check(0, false, 0, 3, 0x400, 0,
						&eff), SVM_DR_GP);
	KUNIT_EXPECT_EQ(test, duet_svm_dr_check(4, false, X86_CR4_DE, 0,
						DR7_GD, 0, &eff), SVM_DR_UD);
	KUNIT_EXPECT_EQ(test, duet_svm_dr_check(7, true, 0, 0, DR7_GD,
						1ULL << 32, &eff), SVM_DR_DB);
	KUNIT_EXPECT_EQ(test, duet_svm_dr_check(0, false, 0, 0, DR7_GD, 0,
						&eff), SVM_DR_DB);
	KUNIT_EXPECT_EQ(test, duet_svm_dr_check(6, true, 0, 0, DR7_GD, 0,
						&eff), SVM_DR_DB);
}

static struct kunit_case duet_svm_dr_cases[] = {
	KUNIT_CASE(dr_parse),
	KUNIT_CASE(dr_check_plain),
	KUNIT_CASE(dr_check_alias),
	KUNIT_CASE(dr_check_high_bits),
	KUNIT_CASE(dr_check_order),
	{}
};

static struct kunit_suite duet_svm_dr_suite = {
	.name = "duet_svm_dr",
	.test_cases = duet_svm_dr_cases,
};

kunit_test_suite(duet_svm_dr_suite);
