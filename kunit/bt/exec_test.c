// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: module/bt/exec.c, the instruction handlers and duet_bt_run(), on
 * the fake guest of fake.h.  Results and RFLAGS are checked against the
 * same operation run on the host.
 */
#include "fake.h"

/* The host's result of ALU row @row (0 ADD ... 7 CMP, 8 TEST). */
#define H2(op)								\
	asm("bt $0, %[c]\n\t" op " %[s], %[d]\n\tpushf\n\tpop %[f]"	\
	    : [d] "+r"(d), [f] "=r"(f) : [s] "r"(s), [c] "r"(cin) : "cc")

#define HALU_BODY							\
do {									\
	switch (row) {							\
	case 0:								\
		H2("add");						\
		break;							\
	case 1:								\
		H2("or");						\
		break;							\
	case 2:								\
		H2("adc");						\
		break;							\
	case 3:								\
		H2("sbb");						\
		break;							\
	case 4:								\
		H2("and");						\
		break;							\
	case 5:								\
		H2("sub");						\
		break;							\
	case 6:								\
		H2("xor");						\
		break;							\
	case 7:								\
		H2("cmp");						\
		break;							\
	default:							\
		H2("test");						\
		break;							\
	}								\
} while (0)

static u8 host_alu8(unsigned int row, u8 d, u8 s, unsigned long cin,
		    unsigned long *fp)
{
	unsigned long f = 0;

	HALU_BODY;
	*fp = f;
	return d;
}

static u16 host_alu16(unsigned int row, u16 d, u16 s, unsigned long cin,
		      unsigned long *fp)
{
	unsigned long f = 0;

	HALU_BODY;
	*fp = f;
	return d;
}

static u32 host_alu32(unsigned int row, u32 d, u32 s, unsigned long cin,
		      unsigned long *fp)
{
	unsigned long f = 0;

	HALU_BODY;
	*fp = f;
	return d;
}

static u64 host_alu64(unsigned int row, u64 d, u64 s, unsigned long cin,
		      unsigned long *fp)
{
	unsigned long f = 0;

	HALU_BODY;
	*fp = f;
	return d;
}

static u64 host_alu(unsigned int row, unsigned int size, u64 a, u64 b,
		    unsigned long cin, unsigned long *fl)
{
	switch (size) {
	case 1:
		return host_alu8(row, a, b, cin, fl);
	case 2:
		return host_alu16(row, a, b, cin, fl);
	case 4:
		return host_alu32(row, a, b, cin, fl);
	default:
		return host_alu64(row, a, b, cin, fl);
	}
}

static u64 merge(u64 old, u64 v, unsigned int size)
{
	if (size == 4)
		return (u32)v;
	if (size == 8)
		return v;
	return (old & ~((1ULL << (8 * size)) - 1)) |
	       (v & ((1ULL << (8 * size)) - 1));
}

/* OP rAX, rBX (00+8*row /r, TEST 84/85) in BT and on the host. */
static void check_alu(struct kunit *test, struct bt_fake *f, unsigned int row,
		      unsigned int size, u64 a, u64 b, unsigned long cin)
{
	unsigned int n = 0;
	unsigned long fl;
	u8 code[4];
	u64 res;

	if (size == 2)
		code[n++] = 0x66;
	if (size == 8)
		code[n++] = 0x48;
	code[n++] = (row == 8 ? 0x84 : row * 8) + (size > 1);
	code[n++] = 0xd8;
	f->st.gpr[0] = a;
	f->st.gpr[3] = b;
	f->st.rflags = X86_EFLAGS_FIXED | (cin ? CF : 0);
	KUNIT_ASSERT_EQ(test, fake_run_at(f, CODE, code, n, 100),
			DUET_BT_EXIT_HW_STEP);
	res = host_alu(row, size, a, b, cin, &fl);
	KUNIT_EXPECT_EQ_MSG(test, f->st.rflags & ARITH, fl & ARITH,
			    "row %u size %u %llx %llx cin %lu", row, size, a, b, cin);
	KUNIT_EXPECT_EQ_MSG(test, f->st.gpr[0], row >= 7 ? a : merge(a, res, size),
			    "row %u size %u %llx %llx", row, size, a, b);
}

/* ADD ... CMP and TEST, reg/reg in every size, flags from the host. */
static void bt_exec_alu_flags(struct kunit *test)
{
	static const u64 vals[][2] = {
		{ 0, 0 }, { 1, 2 }, { 0x7f, 1 }, { 0xff, 1 }, { 0x7fffffff, 1 },
		{ 0x80000000, 0x80000000 }, { ~0ULL, 1 },
		{ 0x8000000000000000ULL, ~0ULL },
		{ 0x123456789abcdef0ULL, 0x0fedcba987654321ULL },
	};
	static const unsigned int sizes[] = { 1, 2, 4, 8 };
	struct bt_fake *f = fake_new(test);
	unsigned int row, si, v;

	for (row = 0; row < 9; row++)
		for (si = 0; si < ARRAY_SIZE(sizes); si++)
			for (v = 0; v < ARRAY_SIZE(vals); v++) {
				check_alu(test, f, row, sizes[si], vals[v][0],
					  vals[v][1], 0);
				check_alu(test, f, row, sizes[si], vals[v][0],
					  vals[v][1], 1);
			}
}

/* INC, DEC, NOT, NEG keep CF (INC, DEC) or all flags (NOT). */
static void bt_exec_unary(struct kunit *test)
{
	struct bt_fake *f = fake_new(test);

	f->st.gpr[0] = 0x7fffffffffffffffULL;
	f->st.rflags = X86_EFLAGS_FIXED | CF;
	RUN_ALL(test, f, 0x48, 0xff, 0xc0);		/* inc rax */
	KUNIT_EXPECT_EQ(test, f->st.gpr[0], 0x8000000000000000ULL);
	KUNIT_EXPECT_EQ(test, f->st.rflags & (CF | OF | SF | ZF), CF | OF | SF);
	RUN_ALL(test, f, 0x48, 0xff, 0xc8);		/* dec rax */
	KUNIT_EXPECT_EQ(test, f->st.gpr[0], 0x7fffffffffffffffULL);
	KUNIT_EXPECT_EQ(test, f->st.rflags & (CF | OF | SF), CF | OF);
	f->st.rflags = X86_EFLAGS_FIXED | ZF;
	RUN_ALL(test, f, 0x48, 0xf7, 0xd0);		/* not rax */
	KUNIT_EXPECT_EQ(test, f->st.gpr[0], 0x8000000000000000ULL);
	KUNIT_EXPECT_EQ(test, f->st.rflags & ARITH, ZF);
	f->st.gpr[0] = 5;
	RUN_ALL(test, f, 0xf7, 0xd8);			/* neg eax */
	KUNIT_EXPECT_EQ(test, f->st.gpr[0], 0xfffffffbULL);
	KUNIT_EXPECT_EQ(test, f->st.rflags & (CF | SF | ZF), CF | SF);
	/* Byte form on memory: inc byte [rcx]. */
	f->mem[DATA] = 0xff;
	f->st.gpr[1] = DATA;
	RUN_ALL(test, f, 0xfe, 0x01);
	KUNIT_EXPECT_EQ(test, f->mem[DATA], 0);
	KUNIT_EXPECT_TRUE(test, f->st.rflags & ZF);
}

#define HSH(op)								\
	asm(op " %%cl, %[d]\n\tpushf\n\tpop %[f]"			\
	    : [d] "+r"(d), [f] "=r"(f) : "c"(cnt) : "cc")

#define HSH_BODY							\
do {									\
	switch (reg) {							\
	case 0:								\
		HSH("rol");						\
		break;							\
	case 1:								\
		HSH("ror");						\
		break;							\
	case 4:								\
		HSH("shl");						\
		break;							\
	case 5:								\
		HSH("shr");						\
		break;							\
	default:							\
		HSH("sar");						\
		break;							\
	}								\
} while (0)

static u8 host_sh8(unsigned int reg, u8 d, u8 cnt, unsigned long *fp)
{
	unsigned long f = 0;

	HSH_BODY;
	*fp = f;
	return d;
}

static u32 host_sh32(unsigned int reg, u32 d, u8 cnt, unsigned long *fp)
{
	unsigned long f = 0;

	HSH_BODY;
	*fp = f;
	return d;
}

static u64 host_sh64(unsigned int reg, u64 d, u8 cnt, unsigned long *fp)
{
	unsigned long f = 0;

	HSH_BODY;
	*fp = f;
	return d;
}

/* Shift /@reg of rAX by @cnt (@form: 0 by CL, 1 imm8, 2 by 1), BT vs host. */
static void check_shift(struct kunit *test, struct bt_fake *f, unsigned int reg,
			unsigned int size, u8 cnt, u64 a, unsigned int form)
{
	unsigned int n = 0, mask = size == 8 ? 63 : 31;
	u64 res, old = X86_EFLAGS_FIXED | CF | ZF;
	unsigned long fl;
	u8 code[5];

	if (size == 8)
		code[n++] = 0x48;
	code[n++] = (form == 0 ? 0xd2 : form == 1 ? 0xc0 : 0xd0) + (size > 1);
	code[n++] = 0xc0 | reg << 3;
	if (form == 1)
		code[n++] = cnt;
	f->st.gpr[0] = a;
	f->st.gpr[1] = cnt;
	f->st.rflags = old;
	KUNIT_ASSERT_EQ(test, fake_run_at(f, CODE, code, n, 100),
			DUET_BT_EXIT_HW_STEP);
	if (size == 1)
		res = host_sh8(reg, a, cnt, &fl);
	else if (size == 4)
		res = host_sh32(reg, a, cnt, &fl);
	else
		res = host_sh64(reg, a, cnt, &fl);
	KUNIT_EXPECT_EQ_MSG(test, f->st.gpr[0], merge(a, res, size),
			    "/%u size %u cnt %u %llx", reg, size, cnt, a);
	/* Count 0 changes no flag; rotates write only CF and OF. */
	if (!(cnt & mask))
		fl = old;
	else if (reg < 4)
		fl = (old & ~(CF | OF)) | (fl & (CF | OF));
	KUNIT_EXPECT_EQ_MSG(test, f->st.rflags & ARITH, fl & ARITH,
			    "/%u size %u cnt %u %llx", reg, size, cnt, a);
}

/* SHL, SHR, SAR, ROL, ROR by 1, CL and imm8, against the host. */
static void bt_exec_shift(struct kunit *test)
{
	static const unsigned int regs[] = { 0, 1, 4, 5, 7 };
	static const unsigned int sizes[] = { 1, 4, 8 };
	static const u8 counts[] = { 0, 1, 3, 8, 31, 33, 63, 64 + 5 };
	static const u64 vals[] = { 1, 0x80, 0x80000001ULL, 0x8000000000000001ULL,
				    0xdeadbeefcafef00dULL };
	struct bt_fake *f = fake_new(test);
	unsigned int r, si, c, v;

	for (r = 0; r < ARRAY_SIZE(regs); r++)
		for (si = 0; si < ARRAY_SIZE(sizes); si++)
			for (c = 0; c < ARRAY_SIZE(counts); c++)
				for (v = 0; v < ARRAY_SIZE(vals); v++) {
					check_shift(test, f, regs[r], sizes[si],
						    counts[c], vals[v], 0);
					check_shift(test, f, regs[r], sizes[si],
						    counts[c], vals[v], 1);
					if (counts[c] == 1)
						check_shift(test, f, regs[r], sizes[si],
							    1, vals[v], 2);
				}
}

/* MUL/IMUL/DIV/IDIV and IMUL 2/3-operand against the host. */
static void bt_exec_muldiv(struct kunit *test)
{
	struct bt_fake *f = fake_new(test);
	u64 a, d, s = 0x123456789ULL;
	unsigned long fl;

	/* mul rbx */
	f->st.gpr[0] = 0xfedcba9876543210ULL;
	f->st.gpr[3] = s;
	RUN_ALL(test, f, 0x48, 0xf7, 0xe3);
	a = 0xfedcba9876543210ULL;
	asm("mulq %[s]\n\tpushf\n\tpop %[f]" : "+a"(a), "=d"(d), [f] "=r"(fl)
	    : [s] "r"(s) : "cc");
	KUNIT_EXPECT_EQ(test, f->st.gpr[0], a);
	KUNIT_EXPECT_EQ(test, f->st.gpr[2], d);
	KUNIT_EXPECT_EQ(test, f->st.rflags & (CF | OF), fl & (CF | OF));
	/* imul rbx (one operand, signed) */
	f->st.gpr[0] = -5LL;
	RUN_ALL(test, f, 0x48, 0xf7, 0xeb);
	KUNIT_EXPECT_EQ(test, f->st.gpr[0], (u64)(-5LL * (s64)s));
	KUNIT_EXPECT_EQ(test, f->st.gpr[2], ~0ULL);
	/* div rbx: rdx:rax / rbx */
	f->st.gpr[2] = 0x12;
	f->st.gpr[0] = 0x3456789abcdef012ULL;
	RUN_ALL(test, f, 0x48, 0xf7, 0xf3);
	a = 0x3456789abcdef012ULL;
	d = 0x12;
	asm("divq %[s]" : "+a"(a), "+d"(d) : [s] "r"(s) : "cc");
	KUNIT_EXPECT_EQ(test, f->st.gpr[0], a);
	KUNIT_EXPECT_EQ(test, f->st.gpr[2], d);
	/* idiv ebx: -100 / 7 = -14 rem -2 (EDX:EAX sign-extended) */
	f->st.gpr[0] = (u32)-100;
	f->st.gpr[2] = 0xffffffff;
	f->st.gpr[3] = 7;
	RUN_ALL(test, f, 0xf7, 0xfb);
	KUNIT_EXPECT_EQ(test, f->st.gpr[0], (u64)(u32)-14);
	KUNIT_EXPECT_EQ(test, f->st.gpr[2], (u64)(u32)-2);
	/* div bl: AX / BL -> AL, AH */
	f->st.gpr[0] = 0x1234ffff0203ULL;
	f->st.gpr[3] = 0x10;
	RUN_ALL(test, f, 0xf6, 0xf3);
	KUNIT_EXPECT_EQ(test, f->st.gpr[0], 0x1234ffff0320ULL);
	/* imul rax, rbx: overflows, CF and OF as on the host. */
	f->st.gpr[0] = 3;
	f->st.gpr[3] = 0x4000000000000000ULL;
	RUN_ALL(test, f, 0x48, 0x0f, 0xaf, 0xc3);
	a = 3;
	asm("imul %[s], %[d]\n\tpushf\n\tpop %[f]" : [d] "+r"(a), [f] "=r"(fl)
	    : [s] "r"(0x4000000000000000ULL) : "cc");
	KUNIT_EXPECT_EQ(test, f->st.gpr[0], a);
	KUNIT_EXPECT_EQ(test, f->st.rflags & (CF | OF), fl & (CF | OF));
	/* imul rcx, rbx, 7; imul edx, ebx, -2 (no overflow: CF = OF = 0) */
	RUN_ALL(test, f, 0x48, 0x6b, 0xcb, 0x07, 0x69, 0xd3, 0xfe, 0xff, 0xff, 0xff);
	KUNIT_EXPECT_EQ(test, f->st.gpr[1], 0xc000000000000000ULL);
	KUNIT_EXPECT_EQ(test, f->st.gpr[2], 0ULL);
	KUNIT_EXPECT_EQ(test, f->st.rflags & (CF | OF), 0ULL);
}

/* #DE is precise: divide by zero and quotient overflow change nothing. */
static void bt_exec_divide_error(struct kunit *test)
{
	struct bt_fake *f = fake_new(test);

	f->st.gpr[0] = 10;
	f->st.gpr[2] = 0;
	f->st.gpr[3] = 0;
	/* mov rcx, rax; div rbx */
	KUNIT_EXPECT_EQ(test, RUN(f, 0x48, 0x89, 0xc1, 0x48, 0xf7, 0xf3),
			DUET_BT_EXIT_FAULT);
	KUNIT_EXPECT_EQ(test, f->ctx.fault.vector, X86_TRAP_DE);
	KUNIT_EXPECT_FALSE(test, f->ctx.fault.has_error_code);
	KUNIT_EXPECT_EQ(test, f->st.rip, CODE + 3);
	KUNIT_EXPECT_EQ(test, f->st.gpr[1], 10ULL);
	KUNIT_EXPECT_EQ(test, f->st.gpr[0], 10ULL);
	/* idiv rbx with RDX:RAX = -2^63, RBX = -1: the quotient overflows. */
	f->st.gpr[0] = 0x8000000000000000ULL;
	f->st.gpr[2] = ~0ULL;
	f->st.gpr[3] = ~0ULL;
	KUNIT_EXPECT_EQ(test, RUN(f, 0x48, 0xf7, 0xfb), DUET_BT_EXIT_FAULT);
	KUNIT_EXPECT_EQ(test, f->ctx.fault.vector, X86_TRAP_DE);
	KUNIT_EXPECT_EQ(test, f->st.rip, CODE);
	KUNIT_EXPECT_EQ(test, f->st.gpr[0], 0x8000000000000000ULL);
	/* div ebx with EDX >= EBX overflows; EDX < EBX does not. */
	f->st.gpr[0] = 0;
	f->st.gpr[2] = 5;
	f->st.gpr[3] = 5;
	KUNIT_EXPECT_EQ(test, RUN(f, 0xf7, 0xf3), DUET_BT_EXIT_FAULT);
	f->st.gpr[3] = 6;
	RUN_ALL(test, f, 0xf7, 0xf3);
	KUNIT_EXPECT_EQ(test, f->st.gpr[0], (u64)((5ULL << 32) / 6));
}

/* MOV forms, MOVZX/MOVSX/MOVSXD, LEA, CDQE/CQO. */
static void bt_exec_mov(struct kunit *test)
{
	struct bt_fake *f = fake_new(test);
	u64 v;

	/* mov rax, imm64; mov [rcx], rax; mov edx, [rcx]; mov rbx, -1 */
	f->st.gpr[1] = DATA;
	f->st.gpr[2] = ~0ULL;
	RUN_ALL(test, f, 0x48, 0xb8, 0xf0, 0xde, 0xbc, 0x9a, 0x78, 0x56, 0x34, 0x12,
		0x48, 0x89, 0x01, 0x8b, 0x11,
		0x48, 0xc7, 0xc3, 0xff, 0xff, 0xff, 0xff);
	memcpy(&v, f->mem + DATA, 8);
	KUNIT_EXPECT_EQ(test, v, 0x123456789abcdef0ULL);
	KUNIT_EXPECT_EQ(test, f->st.gpr[2], 0x9abcdef0ULL);
	KUNIT_EXPECT_EQ(test, f->st.gpr[3], ~0ULL);
	/* mov al, ah; mov word [rcx+8], 0x1234; mov byte [rcx+10], 0x56 */
	f->st.gpr[0] = 0x1122334455667788ULL;
	RUN_ALL(test, f, 0x88, 0xe0, 0x66, 0xc7, 0x41, 0x08, 0x34, 0x12,
		0xc6, 0x41, 0x0a, 0x56);
	KUNIT_EXPECT_EQ(test, f->st.gpr[0], 0x1122334455667777ULL);
	KUNIT_EXPECT_EQ(test, f->mem[DATA + 8], 0x34);
	KUNIT_EXPECT_EQ(test, f->mem[DATA + 9], 0x12);
	KUNIT_EXPECT_EQ(test, f->mem[DATA + 10], 0x56);
	/* moffs: mov rax, [DATA]; mov [DATA + 16], rax */
	f->st.gpr[0] = 0;
	RUN_ALL(test, f, 0x48, 0xa1, 0x00, 0x60, 0, 0, 0, 0, 0, 0,
		0x48, 0xa3, 0x10, 0x60, 0, 0, 0, 0, 0, 0);
	KUNIT_EXPECT_EQ(test, f->st.gpr[0], 0x123456789abcdef0ULL);
	memcpy(&v, f->mem + DATA + 16, 8);
	KUNIT_EXPECT_EQ(test, v, 0x123456789abcdef0ULL);
	/* movzx rax, bl; movsx rcx, bx; movsxd rdx, ebx; movzx esi, byte [rdi] */
	f->st.gpr[3] = 0x80008081ULL;
	f->st.gpr[7] = DATA;
	RUN_ALL(test, f, 0x48, 0x0f, 0xb6, 0xc3, 0x48, 0x0f, 0xbf, 0xcb,
		0x48, 0x63, 0xd3, 0x0f, 0xb6, 0x37);
	KUNIT_EXPECT_EQ(test, f->st.gpr[0], 0x81ULL);
	KUNIT_EXPECT_EQ(test, f->st.gpr[1], 0xffffffffffff8081ULL);
	KUNIT_EXPECT_EQ(test, f->st.gpr[2], 0xffffffff80008081ULL);
	KUNIT_EXPECT_EQ(test, f->st.gpr[6], 0xf0ULL);
	/* lea rax, [rax + rbx*4 + 0x10]; lea rcx, [rip + 0x100]; lea edx, [rbx - 1] */
	f->st.gpr[0] = 0x1000;
	f->st.gpr[3] = 0x100000000ULL;
	RUN_ALL(test, f, 0x48, 0x8d, 0x44, 0x98, 0x10,
		0x48, 0x8d, 0x0d, 0x00, 0x01, 0x00, 0x00, 0x8d, 0x53, 0xff);
	KUNIT_EXPECT_EQ(test, f->st.gpr[0], 0x400001010ULL);
	KUNIT_EXPECT_EQ(test, f->st.gpr[1], CODE + 12 + 0x100);
	KUNIT_EXPECT_EQ(test, f->st.gpr[2], 0xffffffffULL);
	/* RIP-relative load and FS-based load: mov rax, [rip+X]; mov rcx, fs:[rbx] */
	memcpy(f->mem + DATA + 0x20, "\x11\x22\x33\x44\x55\x66\x77\x88", 8);
	f->st.seg_base[DUET_X86_SEG_FS] = DATA;
	f->st.gpr[3] = 0x20;
	RUN_ALL(test, f, 0x48, 0x8b, 0x05, 0x19, 0x50, 0x00, 0x00,	/* DATA+0x20 */
		0x64, 0x48, 0x8b, 0x0b);
	KUNIT_EXPECT_EQ(test, f->st.gpr[0], 0x8877665544332211ULL);
	KUNIT_EXPECT_EQ(test, f->st.gpr[1], 0x8877665544332211ULL);
	/* cdqe; cqo; cdq */
	f->st.gpr[0] = 0x80000000ULL;
	RUN_ALL(test, f, 0x48, 0x98, 0x48, 0x99);
	KUNIT_EXPECT_EQ(test, f->st.gpr[0], 0xffffffff80000000ULL);
	KUNIT_EXPECT_EQ(test, f->st.gpr[2], ~0ULL);
	f->st.gpr[0] = 0x7fffffffULL;
	RUN_ALL(test, f, 0x99);
	KUNIT_EXPECT_EQ(test, f->st.gpr[2], 0ULL);
}

/* XCHG, LOCK'd RMW, XADD, CMPXCHG: results, and locked ones atomic. */
static void bt_exec_atomic(struct kunit *test)
{
	struct bt_fake *f = fake_new(test);
	unsigned long fl;
	u64 v, a, d;

	v = 40;
	memcpy(f->mem + DATA, &v, 8);
	f->st.gpr[1] = DATA;
	f->st.gpr[3] = 2;
	/* lock add [rcx], rbx; xchg [rcx], rbx */
	RUN_ALL(test, f, 0xf0, 0x48, 0x01, 0x19, 0x48, 0x87, 0x19);
	memcpy(&v, f->mem + DATA, 8);
	KUNIT_EXPECT_EQ(test, v, 2ULL);
	KUNIT_EXPECT_EQ(test, f->st.gpr[3], 42ULL);
	KUNIT_EXPECT_EQ(test, f->cmpxchgs, 2U);
	/* lock xadd [rcx], rbx */
	RUN_ALL(test, f, 0xf0, 0x48, 0x0f, 0xc1, 0x19);
	memcpy(&v, f->mem + DATA, 8);
	KUNIT_EXPECT_EQ(test, v, 44ULL);
	KUNIT_EXPECT_EQ(test, f->st.gpr[3], 2ULL);
	/* lock cmpxchg [rcx], rdx: success (rax == 44), then failure. */
	f->st.gpr[0] = 44;
	f->st.gpr[2] = 7;
	RUN_ALL(test, f, 0xf0, 0x48, 0x0f, 0xb1, 0x11);
	memcpy(&v, f->mem + DATA, 8);
	KUNIT_EXPECT_EQ(test, v, 7ULL);
	KUNIT_EXPECT_TRUE(test, f->st.rflags & ZF);
	KUNIT_EXPECT_EQ(test, f->st.gpr[0], 44ULL);
	RUN_ALL(test, f, 0xf0, 0x48, 0x0f, 0xb1, 0x11);
	KUNIT_EXPECT_FALSE(test, f->st.rflags & ZF);
	KUNIT_EXPECT_EQ(test, f->st.gpr[0], 7ULL);
	/* lock add byte [rcx+5], bl: widened to the dword, neighbours kept. */
	memset(f->mem + DATA, 0xaa, 8);
	f->st.gpr[3] = 1;
	RUN_ALL(test, f, 0xf0, 0x00, 0x59, 0x05);
	KUNIT_EXPECT_EQ(test, f->mem[DATA + 5], 0xab);
	KUNIT_EXPECT_EQ(test, f->mem[DATA + 4], 0xaa);
	KUNIT_EXPECT_EQ(test, f->mem[DATA + 6], 0xaa);
	/* lock bts [rcx], rbx with bit 70: bit 6 of the qword at +8. */
	memset(f->mem + DATA, 0, 16);
	f->st.gpr[3] = 70;
	RUN_ALL(test, f, 0xf0, 0x48, 0x0f, 0xab, 0x19);
	KUNIT_EXPECT_EQ(test, f->mem[DATA + 8], 0x40);
	KUNIT_EXPECT_FALSE(test, f->st.rflags & CF);
	/* A split lock runs in hardware, with nothing done. */
	f->st.gpr[1] = DATA + 6;
	KUNIT_EXPECT_EQ(test, RUN(f, 0xf0, 0x48, 0x01, 0x19), DUET_BT_EXIT_HW_STEP);
	KUNIT_EXPECT_EQ(test, f->st.rip, CODE);
	/* Register CMPXCHG (failure, 32-bit) against the host. */
	f->st.gpr[0] = 0xffffffff00000001ULL;
	f->st.gpr[3] = 0xffffffff00000002ULL;
	f->st.gpr[2] = 9;
	RUN_ALL(test, f, 0x0f, 0xb1, 0xd3);	/* cmpxchg ebx, edx */
	a = 0xffffffff00000001ULL;
	d = 0xffffffff00000002ULL;
	asm("cmpxchg %k[s], %k[d]\n\tpushf\n\tpop %[f]"
	    : "+a"(a), [d] "+r"(d), [f] "=r"(fl) : [s] "r"(9UL) : "cc");
	KUNIT_EXPECT_EQ(test, f->st.gpr[0], a);
	KUNIT_EXPECT_EQ(test, f->st.gpr[3], d);
	KUNIT_EXPECT_EQ(test, f->st.rflags & ARITH, fl & ARITH);
	/* xadd ecx, ecx: the destination is written last. */
	f->st.gpr[1] = 0x100000003ULL;
	RUN_ALL(test, f, 0x0f, 0xc1, 0xc9);
	KUNIT_EXPECT_EQ(test, f->st.gpr[1], 6ULL);
}

/* SETcc, CMOVcc (source read, dword destination zero-extended). */
static void bt_exec_setcc_cmov(struct kunit *test)
{
	struct bt_fake *f = fake_new(test);

	f->st.gpr[0] = 5;
	f->st.gpr[3] = 5;
	f->st.gpr[1] = 0xff00;
	f->st.gpr[2] = 0xffffffff00000001ULL;
	/* cmp rax, rbx; sete cl; setl ch; cmove rsi, rbx; cmovne edx, ebx */
	f->st.gpr[6] = 0;
	RUN_ALL(test, f, 0x48, 0x39, 0xd8, 0x0f, 0x94, 0xc1, 0x0f, 0x9c, 0xc5,
		0x48, 0x0f, 0x44, 0xf3, 0x0f, 0x45, 0xd3);
	KUNIT_EXPECT_EQ(test, f->st.gpr[1], 0x0001ULL);
	KUNIT_EXPECT_EQ(test, f->st.gpr[6], 5ULL);
	KUNIT_EXPECT_EQ(test, f->st.gpr[2], 1ULL);
	/* cmovne rax, [rcx] reads its source: a fault even when not moving. */
	f->st.gpr[1] = DATA;
	f->fault_page = DATA;
	KUNIT_EXPECT_EQ(test, RUN(f, 0x48, 0x0f, 0x45, 0x01), DUET_BT_EXIT_FAULT);
	KUNIT_EXPECT_EQ(test, f->ctx.fault.vector, X86_TRAP_PF);
}

/*
 * PUSHF pushes the guest's flags with RF cleared (SDM "PUSHF"), and never
 * a TF of its own: stepped in hardware, it pushed duet's step TF.
 */
static void bt_exec_pushf(struct kunit *test)
{
	struct bt_fake *f = fake_new(test);
	u64 v;
	u16 w;

	f->st.rflags = X86_EFLAGS_FIXED | CF | ZF | X86_EFLAGS_RF;
	KUNIT_EXPECT_EQ(test, RUN(f, 0x9c), DUET_BT_EXIT_HW_STEP);
	KUNIT_EXPECT_EQ(test, f->st.rip, CODE + 1);
	KUNIT_EXPECT_EQ(test, f->st.gpr[4], STK_TOP - 8);
	memcpy(&v, f->mem + STK_TOP - 8, 8);
	KUNIT_EXPECT_EQ(test, v, X86_EFLAGS_FIXED | CF | ZF);
	/* 66 9c: 16 bits. */
	f->st.gpr[4] = STK_TOP;
	f->st.rflags = X86_EFLAGS_FIXED | SF | X86_EFLAGS_DF;
	memset(f->mem + STK_TOP - 8, 0xee, 8);
	RUN_ALL(test, f, 0x66, 0x9c);
	KUNIT_EXPECT_EQ(test, f->st.gpr[4], STK_TOP - 2);
	memcpy(&w, f->mem + STK_TOP - 2, 2);
	KUNIT_EXPECT_EQ(test, w, (u16)(X86_EFLAGS_FIXED | SF | X86_EFLAGS_DF));
	KUNIT_EXPECT_EQ(test, f->mem[STK_TOP - 3], 0xee);
	/* The stack page faulting: #PF, RSP and the flags unchanged. */
	f->st.gpr[4] = STK_TOP;
	f->fault_page = (STK_TOP - 8) & PAGE_MASK;
	KUNIT_EXPECT_EQ(test, RUN(f, 0x9c), DUET_BT_EXIT_FAULT);
	KUNIT_EXPECT_EQ(test, f->ctx.fault.vector, X86_TRAP_PF);
	KUNIT_EXPECT_EQ(test, f->st.gpr[4], STK_TOP);
	KUNIT_EXPECT_EQ(test, f->st.rip, CODE);
}

/* PUSH/POP (reg, imm, mem), CALL/RET (rel, indirect), LEAVE, JMP. */
static void bt_exec_stack(struct kunit *test)
{
	struct bt_fake *f = fake_new(test);
	u64 v;

	/* push rbx; push -2; push qword [rcx]; pop rdx; pop qword [rcx+8]; pop rsi */
	f->st.gpr[3] = 0x1234;
	f->st.gpr[1] = DATA;
	v = 0xabcdef;
	memcpy(f->mem + DATA, &v, 8);
	RUN_ALL(test, f, 0x53, 0x6a, 0xfe, 0xff, 0x31, 0x5a, 0x8f, 0x41, 0x08, 0x5e);
	KUNIT_EXPECT_EQ(test, f->st.gpr[2], 0xabcdefULL);
	memcpy(&v, f->mem + DATA + 8, 8);
	KUNIT_EXPECT_EQ(test, v, (u64)-2LL);
	KUNIT_EXPECT_EQ(test, f->st.gpr[6], 0x1234ULL);
	KUNIT_EXPECT_EQ(test, f->st.gpr[4], STK_TOP);
	/*
	 * call +2; jmp +9 (to the HLT); push rbp; mov rbp, rsp; push rax;
	 * leave; ret
	 */
	f->st.gpr[5] = 0x5555;
	RUN_ALL(test, f, 0xe8, 0x02, 0x00, 0x00, 0x00, 0xeb, 0x09,
		0x55, 0x48, 0x89, 0xe5, 0x50, 0xc9, 0x90, 0x90, 0xc3);
	KUNIT_EXPECT_EQ(test, f->st.gpr[4], STK_TOP);
	KUNIT_EXPECT_EQ(test, f->st.gpr[5], 0x5555ULL);
	memcpy(&v, f->mem + STK_TOP - 8, 8);
	KUNIT_EXPECT_EQ(test, v, CODE + 5);
	/* Indirect: call rax; (target) jmp qword [rcx] to the HLT. */
	f->st.gpr[0] = CODE + 3;
	v = CODE + 9;
	memcpy(f->mem + DATA, &v, 8);
	RUN_ALL(test, f, 0xff, 0xd0, 0x90, 0xff, 0x21, 0x90, 0x90, 0x90, 0x90);
	KUNIT_EXPECT_EQ(test, f->st.gpr[4], STK_TOP - 8);
	memcpy(&v, f->mem + STK_TOP - 8, 8);
	KUNIT_EXPECT_EQ(test, v, CODE + 2);
	/* ret to a non-canonical address: #GP(0) on the RET, RSP kept. */
	f->st.gpr[4] = STK_TOP - 8;
	v = 0x0000800000000000ULL;
	memcpy(f->mem + STK_TOP - 8, &v, 8);
	KUNIT_EXPECT_EQ(test, RUN(f, 0xc3), DUET_BT_EXIT_FAULT);
	KUNIT_EXPECT_EQ(test, f->ctx.fault.vector, X86_TRAP_GP);
	KUNIT_EXPECT_EQ(test, f->st.gpr[4], STK_TOP - 8);
	KUNIT_EXPECT_EQ(test, f->st.rip, CODE);
}

/* Jcc, LOOP, JRCXZ: sum 1..10 two ways. */
static void bt_exec_branches(struct kunit *test)
{
	struct bt_fake *f = fake_new(test);

	/* xor eax, eax; mov ecx, 10; l: add eax, ecx; loop l */
	RUN_ALL(test, f, 0x31, 0xc0, 0xb9, 0x0a, 0, 0, 0, 0x01, 0xc8, 0xe2, 0xfc);
	KUNIT_EXPECT_EQ(test, f->st.gpr[0], 55ULL);
	KUNIT_EXPECT_EQ(test, f->st.gpr[1], 0ULL);
	KUNIT_EXPECT_EQ(test, f->stats.insns, 22ULL);
	/* xor eax, eax; mov ecx, 10; l: add eax, ecx; dec ecx; jnz l; jrcxz +1; nop */
	RUN_ALL(test, f, 0x31, 0xc0, 0xb9, 0x0a, 0, 0, 0, 0x01, 0xc8, 0xff, 0xc9,
		0x75, 0xfa, 0xe3, 0x01, 0x90);
	KUNIT_EXPECT_EQ(test, f->st.gpr[0], 55ULL);
	KUNIT_EXPECT_EQ(test, f->stats.insns, 22ULL + 2 + 30 + 1);
}

/* #PF and #GP/#SS: the state is at the faulting instruction's boundary. */
static void bt_exec_faults(struct kunit *test)
{
	struct bt_fake *f = fake_new(test);
	u64 v;

	f->st.gpr[3] = 0x77;
	f->st.gpr[1] = DATA + 0x10;
	f->fault_page = DATA;
	/* mov rax, rbx; mov [rcx], rbx (faults); xor rax, rax */
	KUNIT_EXPECT_EQ(test, RUN(f, 0x48, 0x89, 0xd8, 0x48, 0x89, 0x19,
				  0x48, 0x31, 0xc0), DUET_BT_EXIT_FAULT);
	KUNIT_EXPECT_EQ(test, f->st.rip, CODE + 3);
	KUNIT_EXPECT_EQ(test, f->st.gpr[0], 0x77ULL);
	KUNIT_EXPECT_EQ(test, f->ctx.fault.vector, X86_TRAP_PF);
	KUNIT_EXPECT_EQ(test, f->ctx.fault.cr2, DATA + 0x10);
	KUNIT_EXPECT_EQ(test, f->ctx.fault.error_code, (u32)DUET_PFERR_WRITE);
	/* A read at CPL 3: no W, U set; add [rcx], rbx: W; flags kept. */
	f->st.cpl = 3;
	KUNIT_EXPECT_EQ(test, RUN(f, 0x48, 0x8b, 0x01), DUET_BT_EXIT_FAULT);
	KUNIT_EXPECT_EQ(test, f->ctx.fault.error_code, (u32)DUET_PFERR_USER);
	f->st.cpl = 0;
	f->st.rflags = X86_EFLAGS_FIXED | CF;
	KUNIT_EXPECT_EQ(test, RUN(f, 0x48, 0x01, 0x19), DUET_BT_EXIT_FAULT);
	KUNIT_EXPECT_EQ(test, f->ctx.fault.error_code, (u32)DUET_PFERR_WRITE);
	KUNIT_EXPECT_EQ(test, f->st.rflags, (u64)(X86_EFLAGS_FIXED | CF));
	/* push with the stack page faulting: RSP unchanged. */
	f->st.gpr[4] = DATA + 0x100;
	KUNIT_EXPECT_EQ(test, RUN(f, 0x53), DUET_BT_EXIT_FAULT);
	KUNIT_EXPECT_EQ(test, f->st.gpr[4], DATA + 0x100);
	f->st.gpr[4] = STK_TOP;
	f->fault_page = ~0ULL;
	/* Non-canonical: #GP(0) through rCX, #SS(0) through rSP or rBP. */
	f->st.gpr[1] = 0x0000800000000000ULL;
	KUNIT_EXPECT_EQ(test, RUN(f, 0x48, 0x8b, 0x01), DUET_BT_EXIT_FAULT);
	KUNIT_EXPECT_EQ(test, f->ctx.fault.vector, X86_TRAP_GP);
	KUNIT_EXPECT_EQ(test, f->ctx.fault.error_code, 0U);
	f->st.gpr[5] = 0xffff000000000000ULL;
	KUNIT_EXPECT_EQ(test, RUN(f, 0x48, 0x8b, 0x45, 0x00), DUET_BT_EXIT_FAULT);
	KUNIT_EXPECT_EQ(test, f->ctx.fault.vector, X86_TRAP_SS);
	/* Across pages: both halves written; with the second page faulting, none. */
	f->st.gpr[1] = DATA + PAGE_SIZE - 3;
	f->st.gpr[3] = 0x1122334455667788ULL;
	RUN_ALL(test, f, 0x48, 0x89, 0x19);
	memcpy(&v, f->mem + DATA + PAGE_SIZE - 3, 8);
	KUNIT_EXPECT_EQ(test, v, 0x1122334455667788ULL);
	memset(f->mem + DATA + PAGE_SIZE - 3, 0, 8);
	f->fault_page = DATA + PAGE_SIZE;
	KUNIT_EXPECT_EQ(test, RUN(f, 0x48, 0x89, 0x19), DUET_BT_EXIT_FAULT);
	KUNIT_EXPECT_EQ(test, f->ctx.fault.cr2, DATA + PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, f->mem[DATA + PAGE_SIZE - 3], 0);
	/* An instruction fetch from a faulting page. */
	f->fault_page = CODE;
	KUNIT_EXPECT_EQ(test, duet_bt_run(&f->ctx, &f->st, 10), DUET_BT_EXIT_FAULT);
	KUNIT_EXPECT_EQ(test, f->ctx.fault.error_code, (u32)DUET_PFERR_FETCH);
	KUNIT_EXPECT_EQ(test, f->ctx.fault.cr2, CODE);
}

/* Exits: HW_STEP mid-block and under TF, budget, leave(). */
static void bt_exec_exits(struct kunit *test)
{
	struct bt_fake *f = fake_new(test);

	f->st.gpr[3] = 9;
	/* mov rax, rbx; cpuid; mov rcx, rax */
	KUNIT_EXPECT_EQ(test, RUN(f, 0x48, 0x89, 0xd8, 0x0f, 0xa2, 0x48, 0x89, 0xc1),
			DUET_BT_EXIT_HW_STEP);
	KUNIT_EXPECT_EQ(test, f->st.rip, CODE + 3);
	KUNIT_EXPECT_EQ(test, f->st.gpr[0], 9ULL);
	KUNIT_EXPECT_EQ(test, f->st.gpr[1], 0ULL);
	KUNIT_EXPECT_EQ(test, f->stats.insns, 1ULL);
	/* TF: every instruction runs in hardware. */
	f->st.rflags |= X86_EFLAGS_TF;
	KUNIT_EXPECT_EQ(test, RUN(f, 0x48, 0x89, 0xd8), DUET_BT_EXIT_HW_STEP);
	KUNIT_EXPECT_EQ(test, f->st.rip, CODE);
	KUNIT_EXPECT_EQ(test, f->stats.insns, 1ULL);
	f->st.rflags &= ~X86_EFLAGS_TF;
	/* Budget: 5 instructions of the loop, then the rest. */
	f->stats.insns = 0;
	{
		static const u8 loop[] = { 0x31, 0xc0, 0xb9, 0x0a, 0, 0, 0,
					   0x01, 0xc8, 0xe2, 0xfc };

		KUNIT_EXPECT_EQ(test, fake_run_at(f, CODE, loop, sizeof(loop), 5),
				DUET_BT_EXIT_BUDGET);
		KUNIT_EXPECT_EQ(test, f->stats.insns, 5ULL);
		KUNIT_EXPECT_EQ(test, f->st.rip, CODE + 9);
		KUNIT_EXPECT_EQ(test, duet_bt_run(&f->ctx, &f->st, 0),
				DUET_BT_EXIT_BUDGET);
		KUNIT_EXPECT_EQ(test, duet_bt_run(&f->ctx, &f->st, 100),
				DUET_BT_EXIT_HW_STEP);
		KUNIT_EXPECT_EQ(test, f->st.gpr[0], 55ULL);
		KUNIT_EXPECT_EQ(test, f->stats.insns, 22ULL);
		/* leave(): stops after the first block. */
		f->leave = true;
		f->st.rip = CODE;
		KUNIT_EXPECT_EQ(test, duet_bt_run(&f->ctx, &f->st, 100),
				DUET_BT_EXIT_LEAVE);
		KUNIT_EXPECT_EQ(test, f->st.rip, CODE + 7);
	}
}

/* segment_enter/exit around the instructions of a registered segment. */
static void bt_exec_segments(struct kunit *test)
{
	struct bt_fake *f = fake_new(test);

	f->seg_start = CODE + 3;
	f->seg_end = CODE + 9;
	f->seg_id = 7;
	/* Four 3-byte instructions; the middle two are in the segment. */
	RUN_ALL(test, f, 0x48, 0x89, 0xd8, 0x48, 0xff, 0xc0, 0x48, 0xff, 0xc0,
		0x48, 0x89, 0xc1);
	KUNIT_EXPECT_EQ(test, f->enters, 1U);
	KUNIT_EXPECT_EQ(test, f->enter_rip, CODE + 3);
	KUNIT_EXPECT_EQ(test, f->enter_id, 7U);
	KUNIT_EXPECT_EQ(test, f->exits, 1U);
	KUNIT_EXPECT_EQ(test, f->exit_rip, CODE + 9);
	KUNIT_EXPECT_FALSE(test, f->ctx.in_segment);
	KUNIT_EXPECT_EQ(test, f->stats.segments_entered, 1ULL);
	/* A segment still open at the exit stays open for the caller. */
	f->seg_end = CODE + 13;
	RUN_ALL(test, f, 0x48, 0x89, 0xd8, 0x48, 0xff, 0xc0, 0x48, 0xff, 0xc0,
		0x48, 0x89, 0xc2);
	KUNIT_EXPECT_EQ(test, f->enters, 2U);
	KUNIT_EXPECT_EQ(test, f->exits, 1U);
	KUNIT_EXPECT_TRUE(test, f->ctx.in_segment);
}

static struct kunit_case duet_bt_exec_cases[] = {
	KUNIT_CASE(bt_exec_alu_flags),
	KUNIT_CASE(bt_exec_unary),
	KUNIT_CASE(bt_exec_shift),
	KUNIT_CASE(bt_exec_muldiv),
	KUNIT_CASE(bt_exec_divide_error),
	KUNIT_CASE(bt_exec_mov),
	KUNIT_CASE(bt_exec_atomic),
	KUNIT_CASE(bt_exec_setcc_cmov),
	KUNIT_CASE(bt_exec_stack),
	KUNIT_CASE(bt_exec_pushf),
	KUNIT_CASE(bt_exec_branches),
	KUNIT_CASE(bt_exec_faults),
	KUNIT_CASE(bt_exec_exits),
	KUNIT_CASE(bt_exec_segments),
	{}
};

static struct kunit_suite duet_bt_exec_suite = {
	.name = "duet_bt_exec",
	.test_cases = duet_bt_exec_cases,
};

kunit_test_suite(duet_bt_exec_suite);
