// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: module/x86/vuln.c, the vulnerable-segment patterns, on a few
 * hand-assembled 64-bit runs (userspace/tests/vuln_test.c has the rest).
 */
#include <kunit/test.h>

#include "x86/vuln.h"

#define RIP	0x1000ULL
#define RUN_MAX	16

/* Decode @bytes at RIP, scan, and check the marks against @want. */
static void check_run(struct kunit *test, const u8 *bytes, unsigned int len,
		      const u8 *want, unsigned int n, unsigned int segments)
{
	struct duet_x86_insn *insns;
	unsigned int off = 0, i = 0;
	u8 why[RUN_MAX];

	insns = kunit_kcalloc(test, RUN_MAX, sizeof(*insns), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, insns);
	while (off < len) {
		KUNIT_ASSERT_LT(test, i, RUN_MAX);
		KUNIT_ASSERT_EQ(test, duet_x86_decode(&insns[i], bytes + off,
						      len - off, DUET_X86_MODE_64,
						      RIP + off), 0);
		off += insns[i++].len;
	}
	KUNIT_ASSERT_EQ(test, i, n);
	KUNIT_EXPECT_EQ(test, duet_vuln_scan(insns, n, why), segments);
	for (i = 0; i < n; i++)
		KUNIT_EXPECT_EQ_MSG(test, why[i], want[i], "instruction %u", i);
}

#define R	DUET_VULN_RMW
#define S	DUET_VULN_LOAD_STORE
#define L	DUET_VULN_LOCK

static void vuln_rmw(struct kunit *test)
{
	/* add [rdi],1; lock add [rdi],1; add [rsp+8],1 */
	static const u8 b[] = { 0x83, 0x07, 0x01, 0xf0, 0x83, 0x07, 0x01,
				0x83, 0x44, 0x24, 0x08, 0x01 };
	static const u8 want[] = { R, 0, 0 };

	check_run(test, b, sizeof(b), want, 3, 1);
}

static void vuln_load_store(struct kunit *test)
{
	/* mov eax,[rdi]; add eax,1; mov [rdi],eax */
	static const u8 b[] = { 0x8b, 0x07, 0x83, 0xc0, 0x01, 0x89, 0x07 };
	static const u8 want[] = { S, S, S };
	/* the same, eax overwritten before the store */
	static const u8 c[] = { 0x8b, 0x07, 0x83, 0xc0, 0x01,
				0xb8, 0x05, 0x00, 0x00, 0x00, 0x89, 0x07 };
	static const u8 none[] = { 0, 0, 0, 0 };

	check_run(test, b, sizeof(b), want, 3, 1);
	check_run(test, c, sizeof(c), none, 4, 0);
}

static void vuln_lock(struct kunit *test)
{
	/* 1: mov eax,1; xchg [rdi],eax; test eax,eax; jnz 1b; mov dword [rdi],0 */
	static const u8 b[] = { 0xb8, 0x01, 0x00, 0x00, 0x00, 0x87, 0x07,
				0x85, 0xc0, 0x75, 0xf5,
				0xc7, 0x07, 0x00, 0x00, 0x00, 0x00 };
	static const u8 want[] = { L, L, L, L, L };

	check_run(test, b, sizeof(b), want, 5, 1);
}

static struct kunit_case duet_vuln_cases[] = {
	KUNIT_CASE(vuln_rmw),
	KUNIT_CASE(vuln_load_store),
	KUNIT_CASE(vuln_lock),
	{}
};

static struct kunit_suite duet_vuln_suite = {
	.name = "duet_vuln",
	.test_cases = duet_vuln_cases,
};

kunit_test_suite(duet_vuln_suite);
