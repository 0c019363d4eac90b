// SPDX-License-Identifier: GPL-2.0
/*
 * The binary translator against the hardware: random x86-64 instruction
 * sequences, each run once with the vCPU in hardware and once in BT from
 * the same state, must end in the same state.
 *
 * A sequence is random instructions (ALU reg/reg, reg/imm, reg/mem and
 * mem/reg forms of ADD OR ADC SBB AND SUB XOR CMP TEST, INC DEC NOT NEG,
 * shifts and rotates by 1, imm8 and CL, MUL and IMUL of 1, 2 and 3
 * operands, guarded DIV/IDIV, MOV MOVZX MOVSX MOVSXD LEA, PUSH POP,
 * SETcc CMOVcc, XCHG XADD CMPXCHG with and without LOCK, BT BTS BTR BTC,
 * CBW/CWD and kin, short and near forward Jcc and JMP over a few
 * instructions), then "out %al, $FUZZ_PORT", which ends the run.  Memory
 * operands are [r15 + disp] with r15 in the middle of a one-page sandbox
 * that no instruction writes r15 or rsp outside PUSH/POP; the stack is
 * the top of the same page.  Nothing faults: DIV and IDIV come after
 * instructions that make the divisor positive and the quotient fit, a
 * BT* bit offset in a register is masked before it addresses memory.
 *
 * Flags the SDM leaves undefined (AF after logic ops and shifts, OF after
 * multi-bit shifts and rotates, CF after shifts by the operand size or
 * more, SF ZF AF PF after multiplies, all after DIV, all but CF after
 * BT*; ZF too there since the APM calls it undefined) are tracked while
 * generating: no later instruction reads such a flag (ADC/SBB/RCL/RCR
 * need CF, SETcc/CMOVcc/Jcc the flags of their condition) and the final
 * RFLAGS are compared under a mask of the flags still undefined.  BT
 * computes flags on the host's ALU, so they usually agree anyway.
 *
 * Each run ends at the OUT: GPRs, RIP, RFLAGS and the sandbox page are
 * compared.  The BT pass must have run the instructions in the
 * translator: the vCPU's bt-insns counter grows by at least the
 * instructions that were certain to run, and only the OUTs step in
 * hardware.
 *
 * DUET_FUZZ_SEQUENCES (default 10000; 0: until a mismatch or SIGINT) and
 * DUET_FUZZ_SEED (default fixed) in the environment; DUET_FUZZ_CODE="hex
 * bytes" runs those bytes instead of random code (from random states, all
 * flags compared), DUET_FUZZ_SPLIT_LOCK=1 lets locked operands cross a
 * qword (see lock_align()).  A mismatch prints
 * the seed, the sequence's bytes (objdump -D -b binary -mi386:x86-64
 * decodes them), its initial state and the differences.
 */
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "bt.h"
#include "guest.h"
#include "vm.h"

#define FUZZ_PORT		0xe0
#define FUZZ_DEFAULT_SEQS	10000
#define FUZZ_DEFAULT_SEED	0x6475657466757a7aull	/* "duetfuzz" */
#define FUZZ_CHUNK		1024	/* sequences per VM */
#define FUZZ_CODE_MAX		1024	/* bytes of code per sequence */
#define FUZZ_CODE_FILL		880	/* no new unit beyond this */
#define FUZZ_MIN_UNITS		8
#define FUZZ_MAX_UNITS		40
/* The sandbox page: r15 in its middle, the stack at its top. */
#define FUZZ_R15_OFF		2048
#define FUZZ_RSP_OFF		(4096 - 64)
#define FUZZ_STACK_MAX		256

#define F_CF	0x001u
#define F_PF	0x004u
#define F_AF	0x010u
#define F_ZF	0x040u
#define F_SF	0x080u
#define F_OF	0x800u
#define F_ARITH	(F_CF | F_PF | F_AF | F_ZF | F_SF | F_OF)

#define R_RAX	0
#define R_RCX	1
#define R_RDX	2
#define R_RSP	4
#define R_R15	15
#define R_NONE	-1
#define R_RIP	16

/* Emission flags. */
#define E_LOCK	0x01
#define E_66	0x02
#define E_W	0x04
#define E_REX	0x08	/* a REX even if empty: SPL..DIL for byte regs */
#define E_67	0x10
#define E_B	0x20	/* REX.B for an opcode's register (B8+r, 50+r) */

struct fuzz_seq {
	__u8 code[FUZZ_CODE_MAX];
	unsigned int len;
	unsigned int insns;	/* instructions before the OUT */
	unsigned int maybe;	/* of which in the bodies of forward jumps */
	__u32 undef;		/* flags undefined at the end */
	struct duet_regs init;
	__u64 mem_seed;
};

struct fuzz_gen {
	struct fuzz_seq *s;
	__u64 *rng;
	__u32 undef;
	unsigned int depth;	/* bytes pushed */
	bool in_body;
	bool wrote_flags;	/* since the caller cleared it */
};

struct fuzz_result {
	struct duet_regs regs;
	__u8 page[DUET_TEST_PAGE_SIZE];
};

static sig_atomic_t fuzz_stop;
/* DUET_FUZZ_CODE: hex bytes to run instead of random code. */
static const char *fuzz_code_env;

static __u64 fuzz_rand(__u64 *s)
{
	__u64 z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static unsigned int rnd(struct fuzz_gen *g, unsigned int n)
{
	return fuzz_rand(g->rng) % n;
}

static void put8(struct fuzz_gen *g, __u8 b)
{
	TEST_ASSERT(g->s->len < FUZZ_CODE_MAX, "sequence too long");
	g->s->code[g->s->len++] = b;
}

static void putn(struct fuzz_gen *g, __u64 v, unsigned int n)
{
	while (n--) {
		put8(g, v & 0xff);
		v >>= 8;
	}
}

/* A ModRM r/m operand: a register, or memory base + index*scale + disp. */
struct fuzz_rm {
	bool mem;
	int reg;		/* !mem */
	int base, index;	/* R_NONE, 0..15, R_RIP (base) */
	unsigned int scale;	/* 0..3 */
	__s32 disp;
	unsigned int dispsz;	/* 0, 1 or 4: the encoding wanted */
	bool sib;		/* a SIB byte even without an index */
};

/*
 * Emit one instruction: prefixes, REX, @nop opcode bytes, ModRM with
 * @regf and @rm (when @rm), then @immlen bytes of @imm.
 */
static void emit(struct fuzz_gen *g, unsigned int flags, const __u8 *op,
		 unsigned int nop, int regf, const struct fuzz_rm *rm,
		 __u64 imm, unsigned int immlen)
{
	__u8 rex = 0x40, mod = 0, rmf = 0, sib = 0;
	bool has_sib = false;
	unsigned int dispsz = 0, i;

	if (flags & E_W)
		rex |= 8;
	if (flags & E_B)
		rex |= 1;
	if (regf >= 8)
		rex |= 4;
	if (rm && !rm->mem) {
		mod = 3;
		rmf = rm->reg & 7;
		if (rm->reg >= 8)
			rex |= 1;
	} else if (rm) {
		dispsz = rm->dispsz;
		if (rm->base == R_RIP) {
			mod = 0;
			rmf = 5;
			dispsz = 4;
		} else if (rm->index == R_NONE && rm->base != R_NONE &&
			   (rm->base & 7) != 4 && !rm->sib) {
			rmf = rm->base & 7;
		} else {
			has_sib = true;
			rmf = 4;
			sib = (rm->scale << 6) |
			      ((rm->index == R_NONE ? 4 : rm->index & 7) << 3);
			if (rm->index >= 8)
				rex |= 2;
			if (rm->base == R_NONE) {
				sib |= 5;
				dispsz = 4;
			} else {
				sib |= rm->base & 7;
			}
		}
		if (rm->base != R_NONE && rm->base != R_RIP) {
			if (rm->base >= 8)
				rex |= 1;
			/* rbp/r13 as a base need a displacement. */
			if (!dispsz && (rm->base & 7) == 5)
				dispsz = 1;
			mod = dispsz == 1 ? 1 : dispsz == 4 ? 2 : 0;
		}
	}
	if (flags & E_LOCK)
		put8(g, 0xf0);
	if (flags & E_66)
		put8(g, 0x66);
	if (flags & E_67)
		put8(g, 0x67);
	if (rex != 0x40 || (flags & E_REX))
		put8(g, rex);
	for (i = 0; i < nop; i++)
		put8(g, op[i]);
	if (rm) {
		put8(g, (mod << 6) | ((regf & 7) << 3) | rmf);
		if (has_sib)
			put8(g, sib);
		putn(g, (__u32)rm->disp, dispsz);
	}
	putn(g, imm, immlen);
	g->s->insns++;
	if (g->in_body)
		g->s->maybe++;
}

static void emit1(struct fuzz_gen *g, unsigned int flags, __u8 op, int regf,
		  const struct fuzz_rm *rm, __u64 imm, unsigned int immlen)
{
	emit(g, flags, &op, 1, regf, rm, imm, immlen);
}

static void emit2(struct fuzz_gen *g, unsigned int flags, __u8 op, int regf,
		  const struct fuzz_rm *rm, __u64 imm, unsigned int immlen)
{
	__u8 ops[2] = { 0x0f, op };

	emit(g, flags, ops, 2, regf, rm, imm, immlen);
}

/* Flags @written now hold defined values, @undef undefined ones. */
static void flags_set(struct fuzz_gen *g, __u32 written, __u32 undef)
{
	g->undef = (g->undef & ~written) | undef;
	g->wrote_flags = true;
}

static unsigned int rnd_size(struct fuzz_gen *g, bool byte)
{
	static const unsigned int sizes[] = { 1, 2, 4, 8 };

	return byte ? sizes[rnd(g, 4)] : sizes[1 + rnd(g, 3)];
}

/* Operand-size prefixes of @size (the opcode picks byte or not). */
static unsigned int size_flags(struct fuzz_gen *g, unsigned int size)
{
	unsigned int f = size == 2 ? E_66 : size == 8 ? E_W : 0;

	/* An empty REX makes byte registers 4-7 SPL..DIL instead of AH..BH. */
	if (size == 1 && !rnd(g, 3))
		f |= E_REX;
	return f;
}

/* Any register as a source. */
static int rnd_src(struct fuzz_gen *g)
{
	return rnd(g, 16);
}

/* A register the sequence may write: never rsp (or spl) or r15. */
static int rnd_dst(struct fuzz_gen *g)
{
	int r;

	do {
		r = rnd(g, 16);
	} while (r == R_RSP || r == R_R15);
	return r;
}

static struct fuzz_rm rm_reg(int reg)
{
	return (struct fuzz_rm){ .reg = reg };
}

/*
 * A sandbox operand of @size bytes, @room more bytes after it in the
 * page: [r15 + disp8/disp32], with or without a SIB byte.
 */
static struct fuzz_rm rm_sandbox(struct fuzz_gen *g, unsigned int size,
				 unsigned int room)
{
	struct fuzz_rm m = { .mem = true, .base = R_R15, .index = R_NONE };
	int lo = -FUZZ_R15_OFF, hi = FUZZ_R15_OFF - (int)(size + room);

	switch (rnd(g, 4)) {
	case 0:
		m.dispsz = 1;
		lo = -128;
		hi = 127;
		break;
	case 1:
		m.dispsz = 1;
		m.sib = true;
		lo = -128;
		hi = 127;
		break;
	default:
		m.dispsz = 4;
		break;
	}
	if (hi > FUZZ_R15_OFF - (int)(size + room))
		hi = FUZZ_R15_OFF - (int)(size + room);
	m.disp = lo + (int)rnd(g, hi - lo + 1);
	if (!m.disp && !rnd(g, 2))
		m.dispsz = 0;
	return m;
}

/*
 * A locked operand that crosses a qword (a split lock) runs in hardware
 * even in BT mode, and under QEMU TCG such a step comes back with RFLAGS
 * 0x2 (see the report of issue 6): aligned, unless DUET_FUZZ_SPLIT_LOCK
 * asks for them.
 */
static bool fuzz_split_lock;

static void lock_align(struct fuzz_rm *rm, unsigned int size)
{
	if (rm->mem && !fuzz_split_lock)
		rm->disp &= ~(__s32)(size - 1);
}

/* r/m: a register to write (@dst), or one to read, or sandbox memory. */
static struct fuzz_rm rnd_rm(struct fuzz_gen *g, unsigned int size, bool dst,
			     bool mem)
{
	if (mem)
		return rm_sandbox(g, size, 0);
	return rm_reg(dst ? rnd_dst(g) : rnd_src(g));
}

static __u64 imm_for(struct fuzz_gen *g, unsigned int size, unsigned int *len)
{
	__u64 v = fuzz_rand(g->rng);

	*len = size == 8 ? 4 : size;
	/* Small values and edges are where carries and overflows happen. */
	switch (rnd(g, 4)) {
	case 0:
		v &= 0xf;
		break;
	case 1:
		v = rnd(g, 2) ? 0x7fffffff : 0x80000000;
		break;
	}
	return v;
}

/* Whether condition @cc reads only defined flags. */
static bool cc_ok(struct fuzz_gen *g, unsigned int cc)
{
	static const __u32 need[8] = {
		F_OF, F_CF, F_ZF, F_CF | F_ZF, F_SF, F_PF, F_SF | F_OF,
		F_ZF | F_SF | F_OF,
	};

	return !(need[cc >> 1] & g->undef);
}

/* A condition on defined flags, or -1. */
static int rnd_cc(struct fuzz_gen *g)
{
	unsigned int i, cc = rnd(g, 16);

	for (i = 0; i < 16; i++, cc = (cc + 1) & 15)
		if (cc_ok(g, cc))
			return cc;
	return -1;
}

/* ADD OR ADC SBB AND SUB XOR CMP in every form. */
static void gen_alu(struct fuzz_gen *g)
{
	unsigned int op = rnd(g, 8), size = rnd_size(g, true), f, il;
	bool byte = size == 1, mem;
	struct fuzz_rm rm;
	__u64 imm;

	if ((op == 2 || op == 3) && (g->undef & F_CF))
		op = op == 2 ? 0 : 5;
	f = size_flags(g, size);
	mem = rnd(g, 2);
	switch (rnd(g, 4)) {
	case 0:		/* r/m, reg */
		rm = rnd_rm(g, size, op != 7, mem);
		if (mem && op != 7 && !rnd(g, 3)) {
			f |= E_LOCK;
			lock_align(&rm, size);
		}
		emit1(g, f, op * 8 + !byte, rnd_src(g), &rm, 0, 0);
		break;
	case 1:		/* reg, r/m */
		rm = rnd_rm(g, size, false, mem);
		emit1(g, f, op * 8 + 2 + !byte, op == 7 ? rnd_src(g) : rnd_dst(g),
		      &rm, 0, 0);
		break;
	case 2:		/* AL/AX/EAX/RAX, imm */
		imm = imm_for(g, size, &il);
		emit1(g, f, op * 8 + 4 + !byte, 0, NULL, imm, il);
		break;
	default:	/* 80/81/83 /op r/m, imm */
		rm = rnd_rm(g, size, op != 7, mem);
		if (mem && op != 7 && !rnd(g, 3)) {
			f |= E_LOCK;
			lock_align(&rm, size);
		}
		if (!byte && rnd(g, 2)) {
			emit1(g, f, 0x83, op, &rm, fuzz_rand(g->rng), 1);
		} else {
			imm = imm_for(g, size, &il);
			emit1(g, f, byte ? 0x80 : 0x81, op, &rm, imm, il);
		}
		break;
	}
	if (op == 1 || op == 4 || op == 6)
		flags_set(g, F_ARITH, F_AF);
	else
		flags_set(g, F_ARITH, 0);
}

static void gen_test(struct fuzz_gen *g)
{
	unsigned int size = rnd_size(g, true), f = size_flags(g, size), il;
	bool byte = size == 1;
	struct fuzz_rm rm = rnd_rm(g, size, false, rnd(g, 2));
	__u64 imm;

	switch (rnd(g, 3)) {
	case 0:
		emit1(g, f, 0x84 + !byte, rnd_src(g), &rm, 0, 0);
		break;
	case 1:
		imm = imm_for(g, size, &il);
		emit1(g, f, 0xa8 + !byte, 0, NULL, imm, il);
		break;
	default:
		imm = imm_for(g, size, &il);
		emit1(g, f, 0xf6 + !byte, 0, &rm, imm, il);
		break;
	}
	flags_set(g, F_ARITH, F_AF);
}

/* INC DEC (FE/FF /0 /1), NOT NEG (F6/F7 /2 /3). */
static void gen_unary(struct fuzz_gen *g)
{
	unsigned int size = rnd_size(g, true), f = size_flags(g, size);
	unsigned int which = rnd(g, 4);
	bool byte = size == 1, mem = rnd(g, 2);
	struct fuzz_rm rm = rnd_rm(g, size, true, mem);

	if (mem && !rnd(g, 3)) {
		f |= E_LOCK;
		lock_align(&rm, size);
	}
	if (which < 2)
		emit1(g, f, 0xfe + !byte, which, &rm, 0, 0);
	else
		emit1(g, f, 0xf6 + !byte, which, &rm, 0, 0);
	if (which < 2)
		flags_set(g, F_ARITH & ~F_CF, 0);
	else if (which == 3)
		flags_set(g, F_ARITH, 0);
}

/* ROL ROR RCL RCR SHL SHR SAR by 1, imm8 or CL (set just before). */
static void gen_shift(struct fuzz_gen *g)
{
	static const unsigned int subs[] = { 0, 1, 2, 3, 4, 5, 7 };
	unsigned int sub = subs[rnd(g, 7)], size = rnd_size(g, true);
	unsigned int f = size_flags(g, size), n, c, bits = size * 8;
	bool byte = size == 1;
	struct fuzz_rm rm;

	if ((sub == 2 || sub == 3) && (g->undef & F_CF))
		sub = 4 + rnd(g, 2);
	n = rnd(g, 4) ? rnd(g, bits + 2) : fuzz_rand(g->rng) & 0xff;
	switch (rnd(g, 3)) {
	case 0:
		n = 1;
		rm = rnd_rm(g, size, true, rnd(g, 2));
		emit1(g, f, 0xd0 + !byte, sub, &rm, 0, 0);
		break;
	case 1:
		rm = rnd_rm(g, size, true, rnd(g, 2));
		emit1(g, f, 0xc0 + !byte, sub, &rm, n, 1);
		break;
	default:
		emit1(g, 0, 0xb1, 0, NULL, n, 1);	/* mov $n, %cl */
		do {
			rm = rnd_rm(g, size, true, rnd(g, 2));
		} while (!rm.mem && rm.reg == R_RCX);
		emit1(g, f, 0xd2 + !byte, sub, &rm, 0, 0);
		break;
	}
	c = n & (size == 8 ? 63 : 31);
	if (!c)
		return;		/* flags unaffected */
	if (sub < 4) {
		flags_set(g, F_CF | F_OF, c == 1 ? 0 : F_OF);
		return;
	}
	flags_set(g, F_ARITH,
		  F_AF | (c == 1 ? 0 : F_OF) | (c >= bits ? F_CF : 0));
}

/* IMUL r, r/m; IMUL r, r/m, imm; MUL/IMUL r/m. */
static void gen_mul(struct fuzz_gen *g)
{
	unsigned int size = rnd_size(g, false), f = size_flags(g, size), il;
	struct fuzz_rm rm = rnd_rm(g, size, false, rnd(g, 2));
	__u64 imm;

	switch (rnd(g, 4)) {
	case 0:
		emit2(g, f, 0xaf, rnd_dst(g), &rm, 0, 0);
		break;
	case 1:
		emit1(g, f, 0x6b, rnd_dst(g), &rm, fuzz_rand(g->rng), 1);
		break;
	case 2:
		imm = imm_for(g, size, &il);
		emit1(g, f, 0x69, rnd_dst(g), &rm, imm, il);
		break;
	default:
		size = rnd_size(g, true);
		f = size_flags(g, size);
		rm = rnd_rm(g, size, false, rnd(g, 2));
		emit1(g, f, 0xf6 + (size != 1), 4 + rnd(g, 2), &rm, 0, 0);
		break;
	}
	flags_set(g, F_ARITH, F_SF | F_ZF | F_AF | F_PF);
}

/*
 * DIV/IDIV r16/32/64 that cannot fault: the divisor made 2..0x7fff, the
 * dividend's high half zero (DIV) or rAX's sign (IDIV).
 */
static void gen_div(struct fuzz_gen *g)
{
	unsigned int size = rnd_size(g, false), f = size_flags(g, size);
	struct fuzz_rm rm;
	int d;

	do {
		d = rnd_dst(g);
	} while (d == R_RAX || d == R_RDX);
	rm = rm_reg(d);
	emit1(g, 0, 0x81, 4, &rm, 0x7fff, 4);	/* and $0x7fff, %e(d) */
	emit1(g, 0, 0x83, 1, &rm, 2, 1);	/* or $2, %e(d) */
	if (rnd(g, 2)) {
		rm = rm_reg(R_RDX);
		emit1(g, 0, 0x31, R_RDX, &rm, 0, 0);	/* xor %edx, %edx */
		rm = rm_reg(d);
		emit1(g, f, 0xf7, 6, &rm, 0, 0);
	} else {
		emit1(g, f, 0x99, 0, NULL, 0, 0);	/* cwd/cdq/cqo */
		rm = rm_reg(d);
		emit1(g, f, 0xf7, 7, &rm, 0, 0);
	}
	flags_set(g, F_ARITH, F_ARITH);
}

/* MOV in every form, MOVZX MOVSX MOVSXD. */
static void gen_mov(struct fuzz_gen *g)
{
	unsigned int size = rnd_size(g, true), f = size_flags(g, size), il;
	bool byte = size == 1, mem = rnd(g, 2);
	struct fuzz_rm rm;
	__u64 imm;
	__u8 op;
	int r;

	switch (rnd(g, 6)) {
	case 0:		/* r/m, reg */
		rm = rnd_rm(g, size, true, mem);
		emit1(g, f, 0x88 + !byte, rnd_src(g), &rm, 0, 0);
		break;
	case 1:		/* reg, r/m */
		rm = rnd_rm(g, size, false, mem);
		emit1(g, f, 0x8a + !byte, rnd_dst(g), &rm, 0, 0);
		break;
	case 2:		/* B0+r / B8+r, imm (imm64 with REX.W) */
		r = rnd_dst(g);
		op = (byte ? 0xb0 : 0xb8) + (r & 7);
		emit(g, f | (r >= 8 ? E_B : 0), &op, 1, 0, NULL,
		     fuzz_rand(g->rng), size);
		break;
	case 3:		/* C6/C7 /0 r/m, imm */
		rm = rnd_rm(g, size, true, mem);
		imm = imm_for(g, size, &il);
		emit1(g, f, 0xc6 + !byte, 0, &rm, imm, il);
		break;
	case 4:		/* MOVZX/MOVSX r, r/m8 or r/m16 */
		size = rnd_size(g, false);
		f = size_flags(g, size);
		il = rnd(g, 2);		/* source word? */
		rm = rnd_rm(g, il ? 2 : 1, false, mem);
		if (!il && !rnd(g, 3))
			f |= E_REX;
		emit2(g, f, (rnd(g, 2) ? 0xb6 : 0xbe) + il, rnd_dst(g), &rm, 0,
		      0);
		break;
	default:	/* MOVSXD r64, r/m32 */
		rm = rnd_rm(g, 4, false, mem);
		emit1(g, E_W, 0x63, rnd_dst(g), &rm, 0, 0);
		break;
	}
}

/* LEA of any address form (no access): any base, index, scale, 67h. */
static void gen_lea(struct fuzz_gen *g)
{
	unsigned int size = rnd_size(g, false), f = size_flags(g, size);
	struct fuzz_rm m = { .mem = true };
	static const unsigned int dsz[] = { 0, 1, 4 };

	m.base = rnd(g, 8) ? (int)rnd(g, 16) : rnd(g, 2) ? R_RIP : R_NONE;
	do {
		m.index = rnd(g, 3) ? (int)rnd(g, 16) : R_NONE;
	} while (m.index == R_RSP);
	m.scale = rnd(g, 4);
	m.dispsz = dsz[rnd(g, 3)];
	m.disp = m.dispsz == 1 ? (__s8)fuzz_rand(g->rng) :
		 (__s32)fuzz_rand(g->rng);
	if (m.base != R_RIP && rnd(g, 4) == 0)
		f |= E_67;
	emit1(g, f, 0x8d, rnd_dst(g), &m, 0, 0);
}

/* PUSH reg/imm/mem, POP reg/mem; 64- or 16-bit; the stack stays small. */
static void gen_stack(struct fuzz_gen *g)
{
	unsigned int sz = rnd(g, 5) ? 8 : 2, f = sz == 2 ? E_66 : 0;
	struct fuzz_rm rm;
	__u8 op;
	int r;

	if (g->depth >= sz && (g->depth + sz > FUZZ_STACK_MAX || rnd(g, 2))) {
		if (rnd(g, 3)) {
			r = rnd_dst(g);
			op = 0x58 + (r & 7);
			emit(g, f | (r >= 8 ? E_B : 0), &op, 1, 0, NULL, 0, 0);
		} else {
			rm = rm_sandbox(g, sz, 0);
			emit1(g, f, 0x8f, 0, &rm, 0, 0);
		}
		g->depth -= sz;
		return;
	}
	if (g->depth + sz > FUZZ_STACK_MAX)
		return;
	switch (rnd(g, 3)) {
	case 0:
		r = rnd_src(g);
		op = 0x50 + (r & 7);
		emit(g, f | (r >= 8 ? E_B : 0), &op, 1, 0, NULL, 0, 0);
		break;
	case 1:
		if (rnd(g, 2))
			emit1(g, f, 0x6a, 0, NULL, fuzz_rand(g->rng), 1);
		else
			emit1(g, f, 0x68, 0, NULL, fuzz_rand(g->rng),
			      sz == 2 ? 2 : 4);
		break;
	default:
		rm = rm_sandbox(g, sz, 0);
		emit1(g, f, 0xff, 6, &rm, 0, 0);
		break;
	}
	g->depth += sz;
}

static void gen_setcc_cmovcc(struct fuzz_gen *g)
{
	int cc = rnd_cc(g);
	unsigned int size, f;
	struct fuzz_rm rm;

	if (cc < 0)
		return;
	if (rnd(g, 2)) {
		f = size_flags(g, 1);
		rm = rnd_rm(g, 1, true, rnd(g, 2));
		emit2(g, f, 0x90 + cc, 0, &rm, 0, 0);
	} else {
		size = rnd_size(g, false);
		f = size_flags(g, size);
		rm = rnd_rm(g, size, false, rnd(g, 2));
		emit2(g, f, 0x40 + cc, rnd_dst(g), &rm, 0, 0);
	}
}

/* XCHG, XADD, CMPXCHG (LOCK on memory sometimes; XCHG locks anyway). */
static void gen_xchg(struct fuzz_gen *g)
{
	unsigned int size = rnd_size(g, true), f = size_flags(g, size);
	bool byte = size == 1, mem = rnd(g, 2);
	struct fuzz_rm rm = rnd_rm(g, size, true, mem);
	unsigned int which = rnd(g, 4);
	__u8 op;
	int r;

	if (mem && (!rnd(g, 3) || which == 0)) {
		if (which)
			f |= E_LOCK;
		lock_align(&rm, size);
	}
	switch (which) {
	case 0:
		emit1(g, f, 0x86 + !byte, rnd_dst(g), &rm, 0, 0);
		break;
	case 1:		/* 90+r: XCHG rAX, r (90 alone: NOP) */
		size = rnd_size(g, false);
		r = rnd_dst(g);
		op = 0x90 + (r & 7);
		emit(g, size_flags(g, size) | (r >= 8 ? E_B : 0), &op, 1, 0,
		     NULL, 0, 0);
		break;
	case 2:
		emit2(g, f, 0xc0 + !byte, rnd_dst(g), &rm, 0, 0);
		flags_set(g, F_ARITH, 0);
		break;
	default:
		emit2(g, f, 0xb0 + !byte, rnd_src(g), &rm, 0, 0);
		flags_set(g, F_ARITH, 0);
		break;
	}
}

/* BT BTS BTR BTC with a register or imm8 bit offset. */
static void gen_bt(struct fuzz_gen *g)
{
	unsigned int sub = 4 + rnd(g, 4), size = rnd_size(g, false);
	unsigned int f = size_flags(g, size);
	bool mem = rnd(g, 2);
	struct fuzz_rm rm, off;
	int r;

	if (rnd(g, 2)) {
		r = rnd_dst(g);
		if (mem) {
			/* The offset reaches 1023 bits (128 bytes) past it. */
			off = rm_reg(r);
			emit1(g, 0, 0x81, 4, &off, 0x3ff, 4);
			flags_set(g, F_ARITH, F_AF);
			rm = rm_sandbox(g, size, 128);
		} else {
			rm = rnd_rm(g, size, sub != 4, false);
		}
		if (mem && sub != 4 && !rnd(g, 3)) {
			f |= E_LOCK;
			lock_align(&rm, size);
		}
		emit2(g, f, 0xa3 + (sub - 4) * 8, r, &rm, 0, 0);
	} else {
		rm = rnd_rm(g, size, sub != 4, mem);
		if (mem && sub != 4 && !rnd(g, 3)) {
			f |= E_LOCK;
			lock_align(&rm, size);
		}
		emit2(g, f, 0xba, sub, &rm, fuzz_rand(g->rng), 1);
	}
	flags_set(g, F_ARITH, F_ARITH & ~F_CF);
}

/* CBW/CWDE/CDQE, CWD/CDQ/CQO. */
static void gen_cvt(struct fuzz_gen *g)
{
	unsigned int size = rnd_size(g, false);

	emit1(g, size_flags(g, size), 0x98 + rnd(g, 2), 0, NULL, 0, 0);
}

static void gen_unit(struct fuzz_gen *g, bool flags_user);

/*
 * A forward Jcc (rel8 or rel32) or JMP rel8 over 1-3 units that neither
 * push nor pop; afterwards a flag is undefined if either path left it so.
 */
static void gen_jump(struct fuzz_gen *g)
{
	unsigned int n = 1 + rnd(g, 3), at, start, i;
	bool near = !rnd(g, 4), jmp = !rnd(g, 8);
	__u32 undef_in;
	__s32 rel;
	int cc = rnd_cc(g);

	if (g->in_body)
		return;
	if (cc < 0)
		jmp = true;
	if (jmp) {
		put8(g, 0xeb);
		near = false;
	} else if (near) {
		put8(g, 0x0f);
		put8(g, 0x80 + cc);
	} else {
		put8(g, 0x70 + cc);
	}
	at = g->s->len;
	putn(g, 0, near ? 4 : 1);
	start = g->s->len;
	g->s->insns++;
	undef_in = g->undef;
	g->in_body = true;
	for (i = 0; i < n; i++)
		gen_unit(g, false);
	g->in_body = false;
	rel = g->s->len - start;
	TEST_ASSERT(near || rel < 128, "jump body of %d bytes", rel);
	for (i = 0; i < (near ? 4u : 1u); i++)
		g->s->code[at + i] = (__u32)rel >> (8 * i);
	g->undef |= jmp ? 0 : undef_in;
	if (jmp)
		g->undef = undef_in;
}

/*
 * One unit: an instruction, or a few that belong together (a guarded
 * DIV, a shift by CL after its MOV to CL, a jump and its body).  With
 * @flags_user, one that reads flags (right after one that set them).
 */
static void gen_unit(struct fuzz_gen *g, bool flags_user)
{
	unsigned int k = flags_user ? rnd(g, 4) : rnd(g, 22);
	unsigned int size;
	struct fuzz_rm rm;

	if (flags_user) {
		switch (k) {
		case 0:
			gen_setcc_cmovcc(g);
			return;
		case 1:
			if (!(g->undef & F_CF)) {
				/* ADC or SBB, reg or memory */
				size = rnd_size(g, true);
				rm = rnd_rm(g, size, true, rnd(g, 2));
				emit1(g, size_flags(g, size),
				      (2 + rnd(g, 2)) * 8 + (size != 1),
				      rnd_src(g), &rm, 0, 0);
				flags_set(g, F_ARITH, 0);
				return;
			}
			break;
		case 2:
			gen_jump(g);
			return;
		}
		gen_setcc_cmovcc(g);
		return;
	}
	switch (k) {
	case 0 ... 3:
		gen_alu(g);
		break;
	case 4:
		gen_test(g);
		break;
	case 5:
	case 6:
		gen_unary(g);
		break;
	case 7:
	case 8:
		gen_shift(g);
		break;
	case 9:
		gen_mul(g);
		break;
	case 10:
		gen_div(g);
		break;
	case 11:
	case 12:
		gen_mov(g);
		break;
	case 13:
		gen_lea(g);
		break;
	case 14:
		if (!g->in_body)
			gen_stack(g);
		else
			gen_mov(g);
		break;
	case 15:
	case 16:
		gen_setcc_cmovcc(g);
		break;
	case 17:
		gen_xchg(g);
		break;
	case 18:
		gen_bt(g);
		break;
	case 19:
		gen_cvt(g);
		break;
	default:
		gen_jump(g);
		break;
	}
}

static void fuzz_regs_random(__u64 *rng, struct duet_regs *r)
{
	__u64 *gpr = &r->rax;
	unsigned int i;

	for (i = 0; i < 16; i++) {
		gpr[i] = fuzz_rand(rng);
		/* Small and edge values make carries, zeros and overflows. */
		switch (fuzz_rand(rng) % 6) {
		case 0:
			gpr[i] &= 0xff;
			break;
		case 1:
			gpr[i] = (__s64)(__s32)gpr[i] >> (fuzz_rand(rng) % 32);
			break;
		case 2:
			gpr[i] = 1ULL << (fuzz_rand(rng) % 64);
			break;
		}
	}
}

/* Make sequence @s for sandbox @page and code at @rip. */
static void fuzz_generate(__u64 *rng, struct fuzz_seq *s, __u64 rip,
			  __u64 page, __u64 rflags_other)
{
	struct fuzz_gen g = { .s = s, .rng = rng };
	unsigned int units = FUZZ_MIN_UNITS +
			     rnd(&g, FUZZ_MAX_UNITS - FUZZ_MIN_UNITS + 1);
	unsigned int i;

	s->len = 0;
	s->insns = 0;
	s->maybe = 0;
	for (i = 0; i < units && s->len < FUZZ_CODE_FILL; i++) {
		g.wrote_flags = false;
		gen_unit(&g, false);
		/* Right after a flag-setting unit, often one that reads them. */
		if (g.wrote_flags ? rnd(&g, 2) : !rnd(&g, 6))
			gen_unit(&g, true);
	}
	if (fuzz_code_env) {
		/* Replay: the given bytes instead, every flag compared. */
		const char *p = fuzz_code_env;
		unsigned int b;
		int n;

		s->len = 0;
		s->insns = 0;
		s->maybe = 0;
		g.undef = 0;
		while (sscanf(p, " %2x%n", &b, &n) == 1 && s->len < FUZZ_CODE_FILL) {
			put8(&g, b);
			p += n;
		}
	}
	put8(&g, 0xe6);			/* out %al, $FUZZ_PORT */
	put8(&g, FUZZ_PORT);
	s->undef = g.undef;
	fuzz_regs_random(rng, &s->init);
	s->init.rsp = page + FUZZ_RSP_OFF;
	s->init.r15 = page + FUZZ_R15_OFF;
	s->init.rip = rip;
	s->init.rflags = (rflags_other & ~(__u64)F_ARITH) |
			 (fuzz_rand(rng) & F_ARITH);
	s->mem_seed = fuzz_rand(rng);
}

/* The run environment: one VM, its vCPU, code slots and the sandbox. */
struct fuzz_vm {
	struct duet_test_vm *vm;
	struct duet_test_vcpu *vcpu;
	__u64 code_gpa;		/* FUZZ_CHUNK slots of FUZZ_CODE_MAX bytes */
	__u64 page_gpa;
	__u8 *page;
	__u64 rflags_other;	/* the vCPU's RFLAGS bits besides F_ARITH */
};

static __u64 fuzz_seed;

static void guest_unused(void)
{
	GUEST_DONE();
}

static void fuzz_vm_create(struct fuzz_vm *f)
{
	struct duet_regs regs;

	f->vm = vm_create_with_one_vcpu(&f->vcpu, guest_unused);
	f->code_gpa = vm_alloc_pages(f->vm, FUZZ_CHUNK * FUZZ_CODE_MAX /
					   DUET_TEST_PAGE_SIZE);
	f->page_gpa = vm_alloc_pages(f->vm, 1);
	f->page = vm_gpa2hva(f->vm, f->page_gpa, DUET_TEST_PAGE_SIZE);
	vcpu_regs_get(f->vcpu, &regs);
	f->rflags_other = regs.rflags & ~(__u64)F_ARITH;
}

/* Put sequence @s's code at its RIP. */
static void fuzz_place(struct fuzz_vm *f, const struct fuzz_seq *s)
{
	memcpy(vm_gpa2hva(f->vm, s->init.rip, s->len), s->code, s->len);
}

static void fuzz_dump(const struct fuzz_seq *s, unsigned int nr)
{
	const __u64 *gpr = &s->init.rax;
	char line[3 * 32 + 1];
	unsigned int i, n = 0;

	test_print("seed %#llx, sequence %u: %u bytes, %u instructions",
		   (unsigned long long)fuzz_seed, nr, s->len, s->insns);
	for (i = 0; i < s->len; i++) {
		n += snprintf(line + n, sizeof(line) - n, "%02x ", s->code[i]);
		if (n >= 3 * 32 || i + 1 == s->len) {
			test_print("  %s", line);
			n = 0;
		}
	}
	for (i = 0; i < 16; i += 4)
		test_print("  in: r%-2u %016llx %016llx %016llx %016llx", i,
			   (unsigned long long)gpr[i],
			   (unsigned long long)gpr[i + 1],
			   (unsigned long long)gpr[i + 2],
			   (unsigned long long)gpr[i + 3]);
	test_print("  in: rip %#llx rflags %#llx, sandbox %#llx seeded %#llx",
		   (unsigned long long)s->init.rip,
		   (unsigned long long)s->init.rflags,
		   (unsigned long long)(s->init.r15 - FUZZ_R15_OFF),
		   (unsigned long long)s->mem_seed);
}

/* Run @s from its initial state; its end state into @res. */
static void fuzz_run(struct fuzz_vm *f, const struct fuzz_seq *s,
		     unsigned int nr, struct fuzz_result *res)
{
	struct duet_run *run = f->vcpu->run;
	__u64 rng = s->mem_seed, v;
	unsigned int i;
	int r;

	for (i = 0; i < DUET_TEST_PAGE_SIZE; i += 8) {
		v = fuzz_rand(&rng);
		memcpy(f->page + i, &v, 8);
	}
	vcpu_regs_set(f->vcpu, &s->init);
	r = _vcpu_run(f->vcpu);
	if (r || run->exit_reason != DUET_EXIT_IO ||
	    run->io.port != FUZZ_PORT ||
	    run->io.direction != DUET_EXIT_IO_OUT) {
		fuzz_dump(s, nr);
		TEST_FAIL("sequence %u did not end at its OUT: %s; %s", nr,
			  r ? strerror(-r) : "ran", vcpu_exit_str(f->vcpu));
	}
	vcpu_regs_get(f->vcpu, &res->regs);
	memcpy(res->page, f->page, DUET_TEST_PAGE_SIZE);
}

static const char * const reg_names[18] = {
	"rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rsp", "rbp",
	"r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15",
	"rip", "rflags",
};

/*
 * Differences between two end states of @s (RFLAGS under the mask of
 * what is still undefined); printed when @print.  Their number.
 */
static unsigned int fuzz_compare(const struct fuzz_seq *s,
				 const struct fuzz_result *a,
				 const struct fuzz_result *b, bool print)
{
	const __u64 *ra = &a->regs.rax, *rb = &b->regs.rax;
	unsigned int i, n = 0, shown = 0;
	__u64 mask;

	for (i = 0; i < 18; i++) {
		mask = i == 17 ? ~(__u64)s->undef : ~0ULL;
		if ((ra[i] & mask) == (rb[i] & mask))
			continue;
		n++;
		if (print)
			test_print("  %-6s hw %016llx bt %016llx", reg_names[i],
				   (unsigned long long)ra[i],
				   (unsigned long long)rb[i]);
	}
	if (print && (a->regs.rflags ^ b->regs.rflags) & s->undef & F_ARITH)
		test_print("  (undefined flags %#x, not compared)", s->undef);
	for (i = 0; i < DUET_TEST_PAGE_SIZE; i++) {
		if (a->page[i] == b->page[i])
			continue;
		n++;
		if (print && shown++ < 16)
			test_print("  sandbox +%#06x hw %02x bt %02x", i,
				   a->page[i], b->page[i]);
	}
	return n;
}

static unsigned long long env_ull(const char *name, unsigned long long def)
{
	const char *v = getenv(name);

	return v && *v ? strtoull(v, NULL, 0) : def;
}

static void fuzz_sigint(int sig)
{
	(void)sig;
	__atomic_store_n(&fuzz_stop, 1, __ATOMIC_RELAXED);
}

/*
 * Run @n sequences from @rng in one VM: all in hardware, then all in BT,
 * comparing each.  Instructions run by BT, and stepped in hardware, add
 * to *@bt_insns, *@hw_steps.
 */
static void fuzz_chunk(__u64 *rng, unsigned int n, unsigned long long first,
		       __u64 *bt_insns, __u64 *hw_steps)
{
	static struct fuzz_seq *seqs;
	static struct fuzz_result *hw, *bt;
	__u64 sure = 0, most = 0, insns0, steps0, insns, steps;
	struct fuzz_vm f;
	unsigned int i;

	/* On the heap: the test's image is loaded into each VM. */
	if (!seqs) {
		seqs = calloc(FUZZ_CHUNK, sizeof(*seqs));
		hw = calloc(FUZZ_CHUNK, sizeof(*hw));
		bt = calloc(1, sizeof(*bt));
		TEST_ASSERT(seqs && hw && bt, "calloc");
	}
	fuzz_vm_create(&f);
	for (i = 0; i < n; i++) {
		fuzz_generate(rng, &seqs[i], f.code_gpa + i * FUZZ_CODE_MAX,
			      f.page_gpa, f.rflags_other);
		fuzz_place(&f, &seqs[i]);
		sure += seqs[i].insns - seqs[i].maybe;
		most += seqs[i].insns;
	}
	vcpu_set_exec_mode(f.vcpu, DUET_EXEC_MODE_HW);
	for (i = 0; i < n; i++)
		fuzz_run(&f, &seqs[i], first + i, &hw[i]);
	vcpu_set_exec_mode(f.vcpu, DUET_EXEC_MODE_BT);
	insns0 = vcpu_nl_stat(f.vcpu, DUET_A_VCPU_STATS_BT_INSNS);
	steps0 = vcpu_nl_stat(f.vcpu, DUET_A_VCPU_STATS_BT_HW_STEPS);
	for (i = 0; i < n; i++) {
		fuzz_run(&f, &seqs[i], first + i, bt);
		if (fuzz_compare(&seqs[i], &hw[i], bt, false)) {
			fuzz_dump(&seqs[i], first + i);
			fuzz_compare(&seqs[i], &hw[i], bt, true);
			TEST_FAIL("sequence %llu: BT and hardware differ",
				  first + i);
		}
	}
	insns = vcpu_nl_stat(f.vcpu, DUET_A_VCPU_STATS_BT_INSNS) - insns0;
	steps = vcpu_nl_stat(f.vcpu, DUET_A_VCPU_STATS_BT_HW_STEPS) - steps0;
	/*
	 * Every instruction sure to run, ran in BT or (a split lock)
	 * stepped in hardware besides the OUT; BT never ran more than all.
	 */
	TEST_ASSERT(fuzz_code_env || (insns + steps - n >= sure && insns <= most),
		    "BT ran %llu instructions, hardware stepped %llu, for %llu to %llu in %u sequences",
		    (unsigned long long)insns, (unsigned long long)steps,
		    (unsigned long long)sure, (unsigned long long)most, n);
	TEST_ASSERT(fuzz_code_env || steps - n <= n / 2 + sure / 50,
		    "hardware stepped %llu instructions besides %u OUTs, of %llu",
		    (unsigned long long)(steps - n), n,
		    (unsigned long long)sure);
	*bt_insns += insns;
	*hw_steps += steps;
	vm_free(f.vm);
}

static void fuzz_random_sequences(void)
{
	unsigned long long count, done = 0;
	__u64 rng, bt_insns = 0, hw_steps = 0;
	struct timespec t0, t1;
	unsigned int n;

	count = env_ull("DUET_FUZZ_SEQUENCES", FUZZ_DEFAULT_SEQS);
	fuzz_seed = env_ull("DUET_FUZZ_SEED", FUZZ_DEFAULT_SEED);
	fuzz_code_env = getenv("DUET_FUZZ_CODE");
	fuzz_split_lock = env_ull("DUET_FUZZ_SPLIT_LOCK", 0);
	rng = fuzz_seed;
	test_print("seed %#llx (DUET_FUZZ_SEED), %llu sequences (DUET_FUZZ_SEQUENCES%s)",
		   (unsigned long long)fuzz_seed, count,
		   count ? "" : ": until a mismatch or SIGINT");
	/* 10000 take about 55 s under QEMU TCG: more than the default 60 s. */
	test_set_timeout(count ? 180 : 0);
	signal(SIGINT, fuzz_sigint);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while ((!count || done < count) &&
	       !__atomic_load_n(&fuzz_stop, __ATOMIC_RELAXED)) {
		n = FUZZ_CHUNK;
		if (count && count - done < n)
			n = count - done;
		fuzz_chunk(&rng, n, done, &bt_insns, &hw_steps);
		done += n;
		if (!count)
			test_print("%llu sequences", done);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	test_print("%llu sequences agree; BT ran %llu instructions, hardware stepped %llu; %lld ms",
		   done, (unsigned long long)bt_insns,
		   (unsigned long long)hw_steps,
		   (long long)((t1.tv_sec - t0.tv_sec) * 1000 +
			       (t1.tv_nsec - t0.tv_nsec) / 1000000));
}

/*
 * add %rbx, %rax; adc $0, %rcx; mov %rax, 8(%r15); out %al, $FUZZ_PORT
 * from rax = ~0, rbx = 1, rcx = 5, CF clear.
 */
static const __u8 known_code[] = {
	0x48, 0x01, 0xd8, 0x48, 0x83, 0xd1, 0x00, 0x49, 0x89, 0x47, 0x08,
	0xe6, FUZZ_PORT,
};

static void known_seq(struct fuzz_vm *f, struct fuzz_seq *s)
{
	memset(s, 0, sizeof(*s));
	memcpy(s->code, known_code, sizeof(known_code));
	s->len = sizeof(known_code);
	s->insns = 3;
	s->init.rax = ~0ULL;
	s->init.rbx = 1;
	s->init.rcx = 5;
	s->init.rsp = f->page_gpa + FUZZ_RSP_OFF;
	s->init.r15 = f->page_gpa + FUZZ_R15_OFF;
	s->init.rip = f->code_gpa;
	s->init.rflags = f->rflags_other;
	s->mem_seed = 1;
	fuzz_place(f, s);
}

/* A fixed sequence ends with the right values in both modes, BT in BT. */
static void fuzz_known_answer(void)
{
	static struct fuzz_result res;
	static const __u32 modes[] = { DUET_EXEC_MODE_HW, DUET_EXEC_MODE_BT };
	__u64 insns, steps, stored;
	struct fuzz_seq s;
	struct fuzz_vm f;
	unsigned int m;

	fuzz_vm_create(&f);
	known_seq(&f, &s);
	for (m = 0; m < 2; m++) {
		vcpu_set_exec_mode(f.vcpu, modes[m]);
		insns = vcpu_nl_stat(f.vcpu, DUET_A_VCPU_STATS_BT_INSNS);
		steps = vcpu_nl_stat(f.vcpu, DUET_A_VCPU_STATS_BT_HW_STEPS);
		fuzz_run(&f, &s, 0, &res);
		insns = vcpu_nl_stat(f.vcpu, DUET_A_VCPU_STATS_BT_INSNS) - insns;
		steps = vcpu_nl_stat(f.vcpu, DUET_A_VCPU_STATS_BT_HW_STEPS) -
			steps;
		test_print("%s: BT ran %llu, hardware stepped %llu", m ? "BT" : "hardware",
			   (unsigned long long)insns, (unsigned long long)steps);
		TEST_ASSERT_EQ(res.regs.rax, 0);
		TEST_ASSERT_EQ(res.regs.rbx, 1);
		TEST_ASSERT_EQ(res.regs.rcx, 6);
		TEST_ASSERT_EQ(res.regs.rip, s.init.rip + s.len);
		TEST_ASSERT_EQ(res.regs.rflags & F_ARITH, F_PF);
		memcpy(&stored, res.page + FUZZ_R15_OFF + 8, 8);
		TEST_ASSERT_EQ(stored, 0);
		/* The page was seeded: the store really happened. */
		memcpy(&stored, res.page + FUZZ_R15_OFF + 16, 8);
		TEST_ASSERT(stored, "the sandbox was not seeded");
		TEST_ASSERT_EQ(insns, m ? 3 : 0);
		/* The OUT, and perhaps a step that exited before it ran. */
		TEST_ASSERT(m ? steps >= 1 && steps <= 2 : !steps,
			    "%llu hardware steps", (unsigned long long)steps);
	}
	vm_free(f.vm);
}

/* The comparison sees a register, a flag and a sandbox byte that differ. */
static void fuzz_compare_detects(void)
{
	static struct fuzz_result a, b;
	struct fuzz_seq s, t;
	struct fuzz_vm f;

	fuzz_vm_create(&f);
	known_seq(&f, &s);
	fuzz_run(&f, &s, 0, &a);
	fuzz_run(&f, &s, 0, &b);
	TEST_ASSERT_EQ(fuzz_compare(&s, &a, &b, true), 0);
	/* rbx = 2: rbx, rax and the qword stored from it differ. */
	t = s;
	t.init.rbx = 2;
	fuzz_run(&f, &t, 0, &b);
	TEST_ASSERT_EQ(fuzz_compare(&s, &a, &b, true), 3);
	/* Only the sandbox's other bytes. */
	t = s;
	t.mem_seed = 2;
	fuzz_run(&f, &t, 0, &b);
	TEST_ASSERT(fuzz_compare(&s, &a, &b, false) > 4000,
		    "sandbox differences missed");
	/* A flag left undefined is not compared; a defined one is. */
	b = a;
	b.regs.rflags ^= F_AF;
	TEST_ASSERT_EQ(fuzz_compare(&s, &a, &b, true), 1);
	s.undef = F_AF;
	TEST_ASSERT_EQ(fuzz_compare(&s, &a, &b, true), 0);
	vm_free(f.vm);
}

static const struct test_case cases[] = {
	TEST_CASE(fuzz_known_answer),
	TEST_CASE(fuzz_compare_detects),
	TEST_CASE(fuzz_random_sequences),
};

int main(void)
{
	TEST_REQUIRE_VM();
	return test_run(cases, ARRAY_SIZE(cases));
}
