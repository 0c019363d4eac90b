// SPDX-License-Identifier: GPL-2.0
/*
 * vuln_test: module/x86/vuln.c, the vulnerable-segment patterns, on
 * hand-assembled 64-bit code.  Each case is a byte string decoded at
 * 0x1000 and the marks expected per instruction: '-' none, 'R' RMW,
 * 'S' load/store, 'L' lock; then the segment count.
 */
#include <stdio.h>
#include <string.h>

#include "x86/vuln.h"
#include "check.h"

#define RIP	0x1000ULL
#define MAX	32
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

struct vuln_case {
	const char *name;
	unsigned char bytes[64];
	unsigned int nbytes;
	const char *want;
	unsigned int segments;
};

#define B(...)	.bytes = { __VA_ARGS__ }, \
		.nbytes = sizeof((const unsigned char[]){ __VA_ARGS__ })

static const struct vuln_case cases[] = {
	/* DUET_VULN_RMW */
	{ "add [rdi],1", B(0x83, 0x07, 0x01), "R", 1 },
	{ "lock add [rdi],1", B(0xf0, 0x83, 0x07, 0x01), "-", 0 },
	{ "add [rsp+8],1", B(0x83, 0x44, 0x24, 0x08, 0x01), "-", 0 },
	{ "add [rbp-8],1", B(0x83, 0x45, 0xf8, 0x01), "-", 0 },
	{ "add [r13-8],1 (not rbp)", B(0x41, 0x83, 0x45, 0xf8, 0x01), "R", 1 },
	{ "inc qword [rip+0x100]", B(0x48, 0xff, 0x05, 0x00, 0x01, 0x00, 0x00),
	  "R", 1 },
	{ "add [rdi],eax", B(0x01, 0x07), "R", 1 },
	{ "add eax,[rdi] (a load)", B(0x03, 0x07), "-", 0 },
	{ "xadd [rdi],eax", B(0x0f, 0xc1, 0x07), "R", 1 },
	{ "lock xadd [rdi],eax", B(0xf0, 0x0f, 0xc1, 0x07), "-", 0 },
	{ "bts [rdi],eax", B(0x0f, 0xab, 0x07), "R", 1 },
	{ "not [rdi]; neg [rdi]", B(0xf7, 0x17, 0xf7, 0x1f), "RR", 1 },
	{ "dec byte [rdi]; nop; sub [rsi],al",
	  B(0xfe, 0x0f, 0x90, 0x28, 0x06), "R-R", 2 },
	{ "cmp [rdi],1; bt [rdi],eax", B(0x83, 0x3f, 0x01, 0x0f, 0xa3, 0x07),
	  "--", 0 },
	{ "mov [rdi],eax", B(0x89, 0x07), "-", 0 },
	{ "cmpxchg [rdi],ecx (no lock)", B(0x0f, 0xb1, 0x0f), "R", 1 },

	/* DUET_VULN_LOAD_STORE */
	{ "load add store", B(0x8b, 0x07, 0x83, 0xc0, 0x01, 0x89, 0x07, 0x90),
	  "SSS-", 1 },
	{ "load lea store (copy)", B(0x8b, 0x07, 0x8d, 0x48, 0x01, 0x89, 0x0f),
	  "SSS", 1 },
	{ "mov ecx,1; add ecx,[rdi]; store",
	  B(0xb9, 0x01, 0x00, 0x00, 0x00, 0x03, 0x0f, 0x89, 0x0f), "-SS", 1 },
	{ "rip-relative load add store",
	  B(0x8b, 0x05, 0x00, 0x01, 0x00, 0x00, 0x83, 0xc0, 0x01,
	    0x89, 0x05, 0xf7, 0x00, 0x00, 0x00), "SSS", 1 },
	{ "load, jcc, add, store (fall-through path)",
	  B(0x8b, 0x07, 0x74, 0x10, 0x83, 0xc0, 0x01, 0x89, 0x07), "SSSS", 1 },
	{ "negative: store is lock xadd",
	  B(0x8b, 0x07, 0x83, 0xc0, 0x01, 0xf0, 0x0f, 0xc1, 0x07), "---", 0 },
	{ "negative: stack operand",
	  B(0x8b, 0x44, 0x24, 0x08, 0x83, 0xc0, 0x01, 0x89, 0x44, 0x24, 0x08),
	  "---", 0 },
	{ "negative: different address",
	  B(0x8b, 0x07, 0x83, 0xc0, 0x01, 0x89, 0x47, 0x04), "---", 0 },
	{ "negative: different rip-relative address",
	  B(0x8b, 0x05, 0x00, 0x01, 0x00, 0x00, 0x83, 0xc0, 0x01,
	    0x89, 0x05, 0xf3, 0x00, 0x00, 0x00), "---", 0 },
	{ "negative: register clobbered",
	  B(0x8b, 0x07, 0x83, 0xc0, 0x01, 0xb8, 0x05, 0x00, 0x00, 0x00,
	    0x89, 0x07), "----", 0 },
	{ "negative: base register written",
	  B(0x8b, 0x07, 0x83, 0xc0, 0x01, 0x48, 0x83, 0xc7, 0x08, 0x89, 0x07),
	  "----", 0 },
	{ "negative: value not modified", B(0x8b, 0x07, 0x89, 0x07), "--", 0 },
	{ "negative: jmp between",
	  B(0x8b, 0x07, 0x83, 0xc0, 0x01, 0xeb, 0x00, 0x89, 0x07), "----", 0 },

	/* DUET_VULN_LOCK */
	{ "xchg spin loop, inc, release",
	  B(0xb8, 0x01, 0x00, 0x00, 0x00,	/* 1: mov eax,1 */
	    0x87, 0x07,				/* xchg [rdi],eax */
	    0x85, 0xc0,				/* test eax,eax */
	    0x75, 0xf5,				/* jnz 1b */
	    0xff, 0x06,				/* inc dword [rsi] */
	    0xc7, 0x07, 0x00, 0x00, 0x00, 0x00,	/* mov dword [rdi],0 */
	    0x90), "LLLLLL-", 1 },
	{ "lock cmpxchg spin loop, release",
	  B(0x31, 0xc0,				/* 1: xor eax,eax */
	    0xb9, 0x01, 0x00, 0x00, 0x00,	/* mov ecx,1 */
	    0xf0, 0x0f, 0xb1, 0x0f,		/* lock cmpxchg [rdi],ecx */
	    0x75, 0xf3,				/* jnz 1b */
	    0x90,
	    0x89, 0x07),			/* mov [rdi],eax */
	  "LLLLLL", 1 },
	{ "nop; lock bts; jc; release",
	  B(0x90,
	    0xf0, 0x0f, 0xba, 0x2f, 0x00,	/* 1: lock bts dword [rdi],0 */
	    0x72, 0xf9,				/* jc 1b */
	    0xc7, 0x07, 0x00, 0x00, 0x00, 0x00), "-LLL", 1 },
	{ "xchg, load/store inside, release",
	  B(0x87, 0x07, 0x8b, 0x06, 0xff, 0xc0, 0x89, 0x06,
	    0xc7, 0x07, 0x00, 0x00, 0x00, 0x00), "LLLLL", 1 },
	{ "negative: release to another address",
	  B(0x87, 0x07, 0x90, 0xc7, 0x47, 0x04, 0x00, 0x00, 0x00, 0x00),
	  "L--", 1 },
	{ "negative: plain load and store",
	  B(0x8b, 0x07, 0xc7, 0x07, 0x00, 0x00, 0x00, 0x00), "--", 0 },
	{ "negative: xchg with the stack", B(0x87, 0x04, 0x24), "-", 0 },
	{ "negative: xchg reg,reg", B(0x87, 0xc8, 0x90), "--", 0 },
	{ "negative: forward jcc is no spin loop",
	  B(0x87, 0x07, 0x75, 0x00, 0x90), "L--", 1 },
};

static void run_case(const struct vuln_case *c)
{
	struct duet_x86_insn insns[MAX] = { 0 };
	char got[MAX + 1];
	unsigned int n = 0, off = 0, segs, i;
	u8 why[MAX];

	while (off < c->nbytes && n < MAX) {
		if (duet_x86_decode(&insns[n], c->bytes + off, c->nbytes - off,
				    DUET_X86_MODE_64, RIP + off)) {
			CHECK(0, c->name);
			fprintf(stderr, "  does not decode at %u\n", off);
			return;
		}
		off += insns[n++].len;
	}
	memset(why, 0xff, sizeof(why));
	segs = duet_vuln_scan(insns, n, why);
	for (i = 0; i < n; i++)
		got[i] = why[i] == DUET_VULN_NONE ? '-' :
			 why[i] == DUET_VULN_RMW ? 'R' :
			 why[i] == DUET_VULN_LOAD_STORE ? 'S' :
			 why[i] == DUET_VULN_LOCK ? 'L' : '?';
	got[n] = 0;
	CHECK_STR(got, c->want, c->name);
	CHECK(segs == c->segments, c->name);
	if (segs != c->segments)
		fprintf(stderr, "  %u segments, want %u\n", segs, c->segments);
}

int main(void)
{
	unsigned int i;
	u8 why[1] = { 0xff };

	for (i = 0; i < ARRAY_SIZE(cases); i++)
		run_case(&cases[i]);
	CHECK(duet_vuln_scan(NULL, 0, why) == 0 && why[0] == 0xff, "empty run");
	return check_done("vuln_test");
}
