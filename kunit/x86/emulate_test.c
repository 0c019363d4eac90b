// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: module/x86/emulate.c, the MMIO instruction emulator, on a fake
 * register file and fake guest memory: RAM at [0, FAKE_RAM), MMIO from
 * FAKE_MMIO on, linear = physical except for one page that faults.
 */
#include <kunit/test.h>
#include <asm/processor-flags.h>
#include <asm/trapnr.h>

#include "x86/emulate.h"

#define FAKE_RAM	0x4000ULL
#define FAKE_MMIO	0x100000ULL
#define CODE		0x1000ULL	/* the instruction's address */
#define DATA		0x2000ULL	/* RAM for data */

#define CF	X86_EFLAGS_CF
#define PF	X86_EFLAGS_PF
#define AF	X86_EFLAGS_AF
#define ZF	X86_EFLAGS_ZF
#define SF	X86_EFLAGS_SF
#define OF	X86_EFLAGS_OF
#define ARITH	(CF | PF | AF | ZF | SF | OF)

struct fake {
	struct duet_emu_ctxt ctxt;
	u8 ram[FAKE_RAM];
	u64 fault_page;			/* linear page that faults, or ~0 */
	unsigned int translations;
};

static struct fake *to_fake(struct duet_emu_ctxt *ctxt)
{
	return container_of(ctxt, struct fake, ctxt);
}

static int fake_translate(struct duet_emu_ctxt *ctxt, u64 la, u32 access,
			  u64 *gpa, struct duet_emu_fault *fault)
{
	struct fake *f = to_fake(ctxt);

	f->translations++;
	if ((la & PAGE_MASK) == f->fault_page) {
		*fault = (struct duet_emu_fault){
			.vector = X86_TRAP_PF, .has_error_code = true,
			.error_code = access & DUET_EMU_FETCH ? 0x10 : 0,
			.has_cr2 = true, .cr2 = la,
		};
		return 1;
	}
	*gpa = la;
	return 0;
}

static int fake_probe(struct duet_emu_ctxt *ctxt, u64 gpa, unsigned int len,
		      bool write)
{
	return gpa + len <= FAKE_RAM ? 0 : 1;
}

static int fake_read(struct duet_emu_ctxt *ctxt, u64 gpa, void *buf,
		     unsigned int len)
{
	if (gpa + len > FAKE_RAM)
		return -EFAULT;
	memcpy(buf, to_fake(ctxt)->ram + gpa, len);
	return 0;
}

static int fake_write(struct duet_emu_ctxt *ctxt, u64 gpa, const void *buf,
		      unsigned int len)
{
	if (gpa + len > FAKE_RAM)
		return -EFAULT;
	memcpy(to_fake(ctxt)->ram + gpa, buf, len);
	return 0;
}

static const struct duet_emu_ops fake_ops = {
	.translate = fake_translate,
	.probe = fake_probe,
	.read = fake_read,
	.write = fake_write,
};

static struct fake *fake_new(struct kunit *test)
{
	struct fake *f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, f);
	f->ctxt.ops = &fake_ops;
	f->ctxt.regs.rip = CODE;
	f->ctxt.regs.rflags = X86_EFLAGS_FIXED;
	f->ctxt.regs.mode = DUET_X86_MODE_64;
	f->ctxt.regs.va_bits = 48;
	f->fault_page = ~0ULL;
	return f;
}

/* Place @n bytes at @rip and run fetch + step. */
static int fake_start_at(struct fake *f, u64 rip, const u8 *bytes,
			 unsigned int n)
{
	int r;

	f->ctxt.regs.rip = rip;
	memcpy(f->ram + rip, bytes, n);
	r = duet_emu_fetch(&f->ctxt);
	return r ? r : duet_emu_step(&f->ctxt);
}

#define START(f, ...) ({						\
	static const u8 __b[] = { __VA_ARGS__ };			\
	fake_start_at(f, CODE, __b, sizeof(__b));			\
})

static int fake_answer(struct fake *f, u64 data)
{
	duet_emu_complete_read(&f->ctxt, data);
	return duet_emu_step(&f->ctxt);
}

static void expect_exit(struct kunit *test, struct fake *f, int r, u64 gpa,
			u32 len, bool write, u64 data)
{
	KUNIT_ASSERT_EQ(test, r, DUET_EMU_MMIO);
	KUNIT_EXPECT_EQ(test, f->ctxt.mmio.gpa, gpa);
	KUNIT_EXPECT_EQ(test, f->ctxt.mmio.len, len);
	KUNIT_EXPECT_EQ(test, f->ctxt.mmio.is_write, write);
	if (write)
		KUNIT_EXPECT_EQ(test, f->ctxt.mmio.data, data);
}

/* ---- RFLAGS of every ALU operation over edge values ---- */

struct alu_case {
	u16 kind;
	u8 size;
	u64 dst, src;
	u64 flags_in;			/* arithmetic flags going in */
	u64 result;
	u64 flags;			/* expected, within @mask */
	u64 mask;
};

/* AND/OR/XOR/TEST leave AF undefined; BT* define only CF. */
#define LOGIC	(ARITH & ~AF)

static const struct alu_case alu_cases[] = {
	{ DUET_X86_ADD, 1, 0xff, 0x01, 0, 0x00, CF | PF | AF | ZF, ARITH },
	{ DUET_X86_ADD, 1, 0x7f, 0x01, 0, 0x80, AF | SF | OF, ARITH },
	{ DUET_X86_ADD, 2, 0x8000, 0x8000, 0, 0, CF | PF | ZF | OF, ARITH },
	{ DUET_X86_ADD, 4, 0xffffffff, 1, 0, 0, CF | PF | AF | ZF, ARITH },
	{ DUET_X86_ADD, 8, 0x7fffffffffffffffULL, 1, 0,
	  0x8000000000000000ULL, PF | AF | SF | OF, ARITH },
	{ DUET_X86_ADD, 8, 1, 2, CF, 3, PF, ARITH },	/* CF in ignored */
	{ DUET_X86_ADC, 1, 0xff, 0x00, CF, 0x00, CF | PF | AF | ZF, ARITH },
	{ DUET_X86_ADC, 4, 0x7ffffffe, 1, CF, 0x80000000,
	  PF | AF | SF | OF, ARITH },
	{ DUET_X86_ADC, 8, 1, 1, 0, 2, 0, ARITH },
	{ DUET_X86_SBB, 1, 0x00, 0x00, CF, 0xff, CF | PF | AF | SF, ARITH },
	{ DUET_X86_SBB, 2, 5, 3, 0, 2, 0, ARITH },
	{ DUET_X86_SUB, 2, 0x8000, 1, 0, 0x7fff, PF | AF | OF, ARITH },
	{ DUET_X86_SUB, 4, 0, 1, 0, 0xffffffff, CF | PF | AF | SF, ARITH },
	{ DUET_X86_SUB, 8, 0x8000000000000000ULL, 1, 0,
	  0x7fffffffffffffffULL, PF | AF | OF, ARITH },
	{ DUET_X86_CMP, 1, 5, 5, CF, 5, PF | ZF, ARITH },
	{ DUET_X86_CMP, 4, 1, 2, 0, 1, CF | PF | AF | SF, ARITH },
	{ DUET_X86_AND, 4, 0xf0f0f0f0, 0x0f0f0f0f, CF | OF, 0, PF | ZF, LOGIC },
	{ DUET_X86_AND, 1, 0xff, 0x81, 0, 0x81, PF | SF, LOGIC },
	{ DUET_X86_OR, 1, 0x80, 0x01, CF, 0x81, PF | SF, LOGIC },
	{ DUET_X86_OR, 8, 0, 0, 0, 0, PF | ZF, LOGIC },
	{ DUET_X86_XOR, 8, 0x1234, 0x1234, OF, 0, PF | ZF, LOGIC },
	{ DUET_X86_XOR, 2, 0x0001, 0x8000, 0, 0x8001, SF, LOGIC },
	{ DUET_X86_TEST, 2, 0x8000, 0x8000, CF, 0x8000, PF | SF, LOGIC },
	{ DUET_X86_TEST, 4, 0xff, 0x100, 0, 0xff, PF | ZF, LOGIC },
	{ DUET_X86_INC, 1, 0xff, 0, CF, 0x00, CF | PF | AF | ZF, ARITH },
	{ DUET_X86_INC, 4, 0x7fffffff, 0, 0, 0x80000000,
	  PF | AF | SF | OF, ARITH },
	{ DUET_X86_DEC, 1, 0x80, 0, 0, 0x7f, AF | OF, ARITH },
	{ DUET_X86_DEC, 2, 0, 0, 0, 0xffff, PF | AF | SF, ARITH },
	{ DUET_X86_DEC, 8, 1, 0, CF, 0, CF | PF | ZF, ARITH },
	{ DUET_X86_NEG, 4, 0, 0, CF, 0, PF | ZF, ARITH },
	{ DUET_X86_NEG, 1, 0x80, 0, 0, 0x80, CF | SF | OF, ARITH },
	{ DUET_X86_NEG, 8, 1, 0, 0, ~0ULL, CF | PF | AF | SF, ARITH },
	{ DUET_X86_NOT, 1, 0x0f, 0, ARITH, 0xf0, ARITH, ARITH },
	{ DUET_X86_NOT, 8, 0, 0, 0, ~0ULL, 0, ARITH },
	{ DUET_X86_BT, 4, 0x8, 3, ZF, 0x8, CF | ZF, CF | ZF },
	{ DUET_X86_BT, 2, 0x8, 19, CF, 0x8, CF, CF },	/* offset mod 16 */
	{ DUET_X86_BTS, 8, 0, 63, CF, 0x8000000000000000ULL, 0, CF },
	{ DUET_X86_BTR, 2, 0xffff, 15, 0, 0x7fff, CF, CF },
	{ DUET_X86_BTC, 4, 0, 31, 0, 0x80000000, 0, CF },
	{ DUET_X86_BTC, 4, 0x80000000, 31, 0, 0, CF, CF },
};

static void emulate_alu_flags(struct kunit *test)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(alu_cases); i++) {
		const struct alu_case *c = &alu_cases[i];
		/* Non-arithmetic bits go through untouched. */
		u64 other = X86_EFLAGS_FIXED | X86_EFLAGS_DF | X86_EFLAGS_IF;
		u64 fl = other | c->flags_in, res;

		res = duet_emu_alu(c->kind, c->size, c->dst, c->src, &fl);
		KUNIT_EXPECT_EQ_MSG(test, res, c->result, "row %u (%s)", i,
				    duet_x86_kind_name(c->kind));
		KUNIT_EXPECT_EQ_MSG(test, fl & c->mask, c->flags, "row %u (%s)",
				    i, duet_x86_kind_name(c->kind));
		KUNIT_EXPECT_EQ_MSG(test, fl & ~ARITH, other, "row %u", i);
	}
}

/* ---- MOV ---- */

static void emulate_mov_load(struct kunit *test)
{
	struct fake *f = fake_new(test);
	u64 *gpr = f->ctxt.regs.gpr;
	int r;

	/* mov eax, [rdi]: a 32-bit write zero-extends. */
	gpr[0] = ~0ULL;
	gpr[7] = FAKE_MMIO + 0x10;
	r = START(f, 0x8b, 0x07);
	expect_exit(test, f, r, FAKE_MMIO + 0x10, 4, false, 0);
	KUNIT_EXPECT_EQ(test, f->ctxt.regs.rip, CODE);	/* not yet */
	KUNIT_EXPECT_EQ(test, fake_answer(f, 0xaaaaaaaa80000000ULL), DUET_EMU_DONE);
	KUNIT_EXPECT_EQ(test, gpr[0], 0x80000000ULL);
	KUNIT_EXPECT_EQ(test, f->ctxt.regs.rip, CODE + 2);

	/* mov ax, [rdi]: the rest of RAX stays. */
	gpr[0] = 0x1111111111111111ULL;
	r = START(f, 0x66, 0x8b, 0x07);
	expect_exit(test, f, r, FAKE_MMIO + 0x10, 2, false, 0);
	KUNIT_EXPECT_EQ(test, fake_answer(f, 0xbeef), DUET_EMU_DONE);
	KUNIT_EXPECT_EQ(test, gpr[0], 0x111111111111beefULL);
	KUNIT_EXPECT_EQ(test, f->ctxt.regs.rip, CODE + 3);

	/* mov ah, [rdi] (no REX: AH) and mov sil, [rdi] (REX: SIL). */
	gpr[0] = 0x1111;
	START(f, 0x8a, 0x27);
	KUNIT_EXPECT_EQ(test, fake_answer(f, 0x5a), DUET_EMU_DONE);
	KUNIT_EXPECT_EQ(test, gpr[0], 0x5a11ULL);
	gpr[6] = 0x2222;
	START(f, 0x40, 0x8a, 0x37);
	KUNIT_EXPECT_EQ(test, fake_answer(f, 0x5a), DUET_EMU_DONE);
	KUNIT_EXPECT_EQ(test, gpr[6], 0x225aULL);

	/* mov r9, [rdi + 8] */
	r = START(f, 0x4c, 0x8b, 0x4f, 0x08);
	expect_exit(test, f, r, FAKE_MMIO + 0x18, 8, false, 0);
	KUNIT_EXPECT_EQ(test, fake_answer(f, 0x0123456789abcdefULL), DUET_EMU_DONE);
	KUNIT_EXPECT_EQ(test, gpr[9], 0x0123456789abcdefULL);

	/* movabs rax, [moffs64] (48 A1) */
	r = START(f, 0x48, 0xa1, 0x00, 0x01, 0x10, 0x00, 0, 0, 0, 0);
	expect_exit(test, f, r, FAKE_MMIO + 0x100, 8, false, 0);
	KUNIT_EXPECT_EQ(test, fake_answer(f, 42), DUET_EMU_DONE);
	KUNIT_EXPECT_EQ(test, gpr[0], 42ULL);
	KUNIT_EXPECT_EQ(test, f->ctxt.regs.rip, CODE + 10);
}

static void emulate_mov_store(struct kunit *test)
{
	struct fake *f = fake_new(test);
	u64 *gpr = f->ctxt.regs.gpr;
	int r;

	gpr[7] = FAKE_MMIO;
	gpr[3] = 0xa1b2;
	/* mov [rdi], bh: a write completes the instruction at the exit. */
	r = START(f, 0x88, 0x3f);
	expect_exit(test, f, r, FAKE_MMIO, 1, true, 0xa1);
	KUNIT_EXPECT_EQ(test, f->ctxt.regs.rip, CODE + 2);
	/* mov qword [rdi], -1 (imm32 sign-extended) */
	r = START(f, 0x48, 0xc7, 0x07, 0xff, 0xff, 0xff, 0xff);
	expect_exit(test, f, r, FAKE_MMIO, 8, true, ~0ULL);
	/* mov word [rdi + 2], 0x1234 */
	r = START(f, 0x66, 0xc7, 0x47, 0x02, 0x34, 0x12);
	expect_exit(test, f, r, FAKE_MMIO + 2, 2, true, 0x1234);
	/* mov [moffs64], al (A2) */
	gpr[0] = 0x77;
	r = START(f, 0xa2, 0x08, 0x00, 0x10, 0x00, 0, 0, 0, 0);
	expect_exit(test, f, r, FAKE_MMIO + 8, 1, true, 0x77);
	KUNIT_EXPECT_EQ(test, f->ctxt.regs.rip, CODE + 9);
	/* mov [rdi], r12 */
	gpr[12] = 0xfeedfacecafef00dULL;
	r = START(f, 0x4c, 0x89, 0x27);
	expect_exit(test, f, r, FAKE_MMIO, 8, true, 0xfeedfacecafef00dULL);
}

static void emulate_movzx_movsx(struct kunit *test)
{
	struct fake *f = fake_new(test);
	u64 *gpr = f->ctxt.regs.gpr;
	int r;

	gpr[7] = FAKE_MMIO;
	gpr[0] = ~0ULL;
	r = START(f, 0x0f, 0xb6, 0x07);			/* movzx eax, byte */
	expect_exit(test, f, r, FAKE_MMIO, 1, false, 0);
	fake_answer(f, 0x80);
	KUNIT_EXPECT_EQ(test, gpr[0], 0x80ULL);
	r = START(f, 0x0f, 0xb7, 0x07);			/* movzx eax, word */
	expect_exit(test, f, r, FAKE_MMIO, 2, false, 0);
	fake_answer(f, 0x8000);
	KUNIT_EXPECT_EQ(test, gpr[0], 0x8000ULL);
	START(f, 0x0f, 0xbe, 0x07);			/* movsx eax, byte */
	fake_answer(f, 0x80);
	KUNIT_EXPECT_EQ(test, gpr[0], 0xffffff80ULL);
	START(f, 0x48, 0x0f, 0xbf, 0x07);		/* movsx rax, word */
	fake_answer(f, 0x8000);
	KUNIT_EXPECT_EQ(test, gpr[0], 0xffffffffffff8000ULL);
	r = START(f, 0x48, 0x63, 0x07);			/* movsxd rax, dword */
	expect_exit(test, f, r, FAKE_MMIO, 4, false, 0);
	fake_answer(f, 0x80000000);
	KUNIT_EXPECT_EQ(test, gpr[0], 0xffffffff80000000ULL);
	gpr[0] = ~0ULL;
	START(f, 0x66, 0x0f, 0xbe, 0x07);		/* movsx ax, byte */
	fake_answer(f, 0xfe);
	KUNIT_EXPECT_EQ(test, gpr[0], 0xfffffffffffffffeULL);
}

/* ---- read-modify-write ---- */

static void emulate_rmw(struct kunit *test)
{
	struct fake *f = fake_new(test);
	u64 *gpr = f->ctxt.regs.gpr;
	u64 *fl = &f->ctxt.regs.rflags;
	int r;

	gpr[7] = FAKE_MMIO + 0x40;
	/* add [rdi], eax: a read exit, then a write exit with the sum. */
	gpr[0] = 1;
	r = START(f, 0x01, 0x07);
	expect_exit(test, f, r, FAKE_MMIO + 0x40, 4, false, 0);
	r = fake_answer(f, 0xffffffff);
	expect_exit(test, f, r, FAKE_MMIO + 0x40, 4, true, 0);
	KUNIT_EXPECT_EQ(test, *fl & ARITH, (u64)(CF | PF | AF | ZF));
	KUNIT_EXPECT_EQ(test, f->ctxt.regs.rip, CODE + 2);

	/* sub dword [rdi], 1 (83 /5) */
	r = START(f, 0x83, 0x2f, 0x01);
	r = fake_answer(f, 0);
	expect_exit(test, f, r, FAKE_MMIO + 0x40, 4, true, 0xffffffff);
	KUNIT_EXPECT_EQ(test, *fl & ARITH, (u64)(CF | PF | AF | SF));

	/* or byte [rdi], 0x80 (80 /1) */
	START(f, 0x80, 0x0f, 0x80);
	r = fake_answer(f, 0x01);
	expect_exit(test, f, r, FAKE_MMIO + 0x40, 1, true, 0x81);

	/* and qword [rdi], 0x0f (48 81 /4 imm32) */
	START(f, 0x48, 0x81, 0x27, 0x0f, 0, 0, 0);
	r = fake_answer(f, 0xff);
	expect_exit(test, f, r, FAKE_MMIO + 0x40, 8, true, 0x0f);

	/* xor [rdi], ebx; adc/sbb with CF in */
	gpr[3] = 0xffff;
	START(f, 0x31, 0x1f);
	r = fake_answer(f, 0xff00);
	expect_exit(test, f, r, FAKE_MMIO + 0x40, 4, true, 0x00ff);
	*fl |= CF;
	START(f, 0x11, 0x1f);				/* adc [rdi], ebx */
	r = fake_answer(f, 1);
	expect_exit(test, f, r, FAKE_MMIO + 0x40, 4, true, 0x10001);
	*fl |= CF;
	START(f, 0x19, 0x1f);				/* sbb [rdi], ebx */
	r = fake_answer(f, 0x10001);
	expect_exit(test, f, r, FAKE_MMIO + 0x40, 4, true, 1);

	/* add ebx, [rdi]: the memory operand is a source: no write. */
	gpr[3] = 0xffffffff00000001ULL;
	START(f, 0x03, 0x1f);
	KUNIT_EXPECT_EQ(test, fake_answer(f, 2), DUET_EMU_DONE);
	KUNIT_EXPECT_EQ(test, gpr[3], 3ULL);

	/* cmp eax, [rdi], test byte [rdi], 0x80: read only. */
	gpr[0] = 5;
	START(f, 0x3b, 0x07);
	KUNIT_EXPECT_EQ(test, fake_answer(f, 5), DUET_EMU_DONE);
	KUNIT_EXPECT_EQ(test, *fl & (ZF | CF), (u64)ZF);
	KUNIT_EXPECT_EQ(test, gpr[0], 5ULL);
	START(f, 0xf6, 0x07, 0x80);
	KUNIT_EXPECT_EQ(test, fake_answer(f, 0x80), DUET_EMU_DONE);
	KUNIT_EXPECT_EQ(test, *fl & (ZF | SF), (u64)SF);
	KUNIT_EXPECT_EQ(test, f->ctxt.regs.rip, CODE + 3);
	START(f, 0x85, 0x07);				/* test [rdi], eax */
	KUNIT_EXPECT_EQ(test, fake_answer(f, 2), DUET_EMU_DONE);
	KUNIT_EXPECT_EQ(test, *fl & ZF, (u64)ZF);

	/* inc dword [rdi] keeps CF; dec, not, neg */
	*fl |= CF;
	START(f, 0xff, 0x07);
	r = fake_answer(f, 0x7fffffff);
	expect_exit(test, f, r, FAKE_MMIO + 0x40, 4, true, 0x80000000);
	KUNIT_EXPECT_EQ(test, *fl & (CF | OF | SF), (u64)(CF | OF | SF));
	START(f, 0xfe, 0x0f);				/* dec byte [rdi] */
	r = fake_answer(f, 0);
	expect_exit(test, f, r, FAKE_MMIO + 0x40, 1, true, 0xff);
	START(f, 0xf7, 0x17);				/* not dword [rdi] */
	r = fake_answer(f, 0x0f0f0f0f);
	expect_exit(test, f, r, FAKE_MMIO + 0x40, 4, true, 0xf0f0f0f0);
	START(f, 0x48, 0xf7, 0x1f);			/* neg qword [rdi] */
	r = fake_answer(f, 1);
	expect_exit(test, f, r, FAKE_MMIO + 0x40, 8, true, ~0ULL);
	KUNIT_EXPECT_EQ(test, *fl & CF, (u64)CF);

	/* lock add [rdi], eax: emulated, without atomicity. */
	gpr[0] = 2;
	START(f, 0xf0, 0x01, 0x07);
	r = fake_answer(f, 40);
	expect_exit(test, f, r, FAKE_MMIO + 0x40, 4, true, 42);
}

static void emulate_xchg_bt(struct kunit *test)
{
	struct fake *f = fake_new(test);
	u64 *gpr = f->ctxt.regs.gpr;
	u64 *fl = &f->ctxt.regs.rflags;
	int r;

	gpr[7] = FAKE_MMIO + 0x80;
	/* xchg [rdi], ecx: read, write the register, register gets the old. */
	gpr[1] = 0xffffffff00001111ULL;
	r = START(f, 0x87, 0x0f);
	expect_exit(test, f, r, FAKE_MMIO + 0x80, 4, false, 0);
	r = fake_answer(f, 0x2222);
	expect_exit(test, f, r, FAKE_MMIO + 0x80, 4, true, 0x1111);
	KUNIT_EXPECT_EQ(test, gpr[1], 0x2222ULL);
	/* xchg [rdi], dl */
	gpr[2] = 0x33;
	START(f, 0x86, 0x17);
	r = fake_answer(f, 0x44);
	expect_exit(test, f, r, FAKE_MMIO + 0x80, 1, true, 0x33);
	KUNIT_EXPECT_EQ(test, gpr[2], 0x44ULL);

	/* bt [rdi], eax with eax = 35: the dword at +4, bit 3; no write. */
	gpr[0] = 35;
	r = START(f, 0x0f, 0xa3, 0x07);
	expect_exit(test, f, r, FAKE_MMIO + 0x84, 4, false, 0);
	KUNIT_EXPECT_EQ(test, fake_answer(f, 0x8), DUET_EMU_DONE);
	KUNIT_EXPECT_EQ(test, *fl & CF, (u64)CF);
	/* A negative offset: bt [rdi], eax with eax = -1: dword at -4, bit 31. */
	gpr[0] = 0xffffffff;
	r = START(f, 0x0f, 0xa3, 0x07);
	expect_exit(test, f, r, FAKE_MMIO + 0x7c, 4, false, 0);
	KUNIT_EXPECT_EQ(test, fake_answer(f, 0), DUET_EMU_DONE);
	KUNIT_EXPECT_EQ(test, *fl & CF, 0ULL);
	/* bts dword [rdi], 5 (0F BA /5 ib) */
	r = START(f, 0x0f, 0xba, 0x2f, 0x05);
	r = fake_answer(f, 0);
	expect_exit(test, f, r, FAKE_MMIO + 0x80, 4, true, 0x20);
	KUNIT_EXPECT_EQ(test, f->ctxt.regs.rip, CODE + 4);
	/* btr qword [rdi], rax with rax = 64: the next qword, bit 0. */
	gpr[0] = 64;
	r = START(f, 0x48, 0x0f, 0xb3, 0x07);
	expect_exit(test, f, r, FAKE_MMIO + 0x88, 8, false, 0);
	r = fake_answer(f, 3);
	expect_exit(test, f, r, FAKE_MMIO + 0x88, 8, true, 2);
	KUNIT_EXPECT_EQ(test, *fl & CF, (u64)CF);
}

/* ---- strings ---- */

static void emulate_stos(struct kunit *test)
{
	struct fake *f = fake_new(test);
	u64 *gpr = f->ctxt.regs.gpr;
	int r;

	/* rep stosq, RCX = 3: one element per step, RIP kept until the last. */
	gpr[0] = 0x1122334455667788ULL;
	gpr[1] = 3;
	gpr[7] = FAKE_MMIO;
	r = START(f, 0xf3, 0x48, 0xab);
	expect_exit(test, f, r, FAKE_MMIO, 8, true, 0x1122334455667788ULL);
	KUNIT_EXPECT_EQ(test, gpr[1], 2ULL);
	KUNIT_EXPECT_EQ(test, gpr[7], FAKE_MMIO + 8);
	KUNIT_EXPECT_EQ(test, f->ctxt.regs.rip, CODE);
	r = duet_emu_step(&f->ctxt);
	expect_exit(test, f, r, FAKE_MMIO + 8, 8, true, 0x1122334455667788ULL);
	r = duet_emu_step(&f->ctxt);
	expect_exit(test, f, r, FAKE_MMIO + 16, 8, true, 0x1122334455667788ULL);
	KUNIT_EXPECT_EQ(test, gpr[1], 0ULL);
	KUNIT_EXPECT_EQ(test, gpr[7], FAKE_MMIO + 24);
	KUNIT_EXPECT_EQ(test, f->ctxt.regs.rip, CODE + 3);

	/* REP with RCX = 0: no access, RIP moves. */
	r = START(f, 0xf3, 0xaa);
	KUNIT_EXPECT_EQ(test, r, DUET_EMU_DONE);
	KUNIT_EXPECT_EQ(test, f->ctxt.regs.rip, CODE + 2);
	KUNIT_EXPECT_EQ(test, gpr[7], FAKE_MMIO + 24);

	/* stosb downwards (DF), no REP; 32-bit address size (67). */
	f->ctxt.regs.rflags |= X86_EFLAGS_DF;
	gpr[7] = 0xffffffff00000000ULL | (FAKE_MMIO + 5);
	r = START(f, 0x67, 0xaa);
	expect_exit(test, f, r, FAKE_MMIO + 5, 1, true, 0x88);
	KUNIT_EXPECT_EQ(test, gpr[7], FAKE_MMIO + 4);	/* zero-extended */
	KUNIT_EXPECT_EQ(test, f->ctxt.regs.rip, CODE + 2);
}

static void emulate_movs(struct kunit *test)
{
	struct fake *f = fake_new(test);
	u64 *gpr = f->ctxt.regs.gpr;
	u32 v;
	int r;

	/* movsd RAM -> MMIO: the RAM value in the write exit. */
	v = 0xcafebabe;
	memcpy(f->ram + DATA, &v, 4);
	gpr[6] = DATA;
	gpr[7] = FAKE_MMIO + 0x20;
	r = START(f, 0xa5);
	expect_exit(test, f, r, FAKE_MMIO + 0x20, 4, true, 0xcafebabe);
	KUNIT_EXPECT_EQ(test, gpr[6], DATA + 4);
	KUNIT_EXPECT_EQ(test, gpr[7], FAKE_MMIO + 0x24);

	/* movsw MMIO -> RAM: a read exit, the value lands in RAM. */
	gpr[6] = FAKE_MMIO + 0x30;
	gpr[7] = DATA + 0x10;
	r = START(f, 0x66, 0xa5);
	expect_exit(test, f, r, FAKE_MMIO + 0x30, 2, false, 0);
	KUNIT_EXPECT_EQ(test, fake_answer(f, 0xabcd), DUET_EMU_DONE);
	KUNIT_EXPECT_EQ(test, f->ram[DATA + 0x10], 0xcd);
	KUNIT_EXPECT_EQ(test, f->ram[DATA + 0x11], 0xab);
	KUNIT_EXPECT_EQ(test, gpr[7], DATA + 0x12);

	/* rep movsb MMIO -> MMIO, RCX = 2: read exit, write exit, twice. */
	gpr[1] = 2;
	gpr[6] = FAKE_MMIO + 0x100;
	gpr[7] = FAKE_MMIO + 0x200;
	r = START(f, 0xf3, 0xa4);
	expect_exit(test, f, r, FAKE_MMIO + 0x100, 1, false, 0);
	r = fake_answer(f, 0x11);
	expect_exit(test, f, r, FAKE_MMIO + 0x200, 1, true, 0x11);
	KUNIT_EXPECT_EQ(test, gpr[1], 1ULL);
	KUNIT_EXPECT_EQ(test, f->ctxt.regs.rip, CODE);
	r = duet_emu_step(&f->ctxt);
	expect_exit(test, f, r, FAKE_MMIO + 0x101, 1, false, 0);
	r = fake_answer(f, 0x22);
	expect_exit(test, f, r, FAKE_MMIO + 0x201, 1, true, 0x22);
	KUNIT_EXPECT_EQ(test, gpr[1], 0ULL);
	KUNIT_EXPECT_EQ(test, gpr[6], FAKE_MMIO + 0x102);
	KUNIT_EXPECT_EQ(test, f->ctxt.regs.rip, CODE + 2);
}

/* ---- fetch, faults and failures ---- */

static void emulate_fetch(struct kunit *test)
{
	static const u8 mov[] = { 0x48, 0x8b, 0x07 };	/* mov rax, [rdi] */
	struct fake *f = fake_new(test);
	int r;

	f->ctxt.regs.gpr[7] = FAKE_MMIO;
	/* Straddling a page boundary: two bytes, then one. */
	r = fake_start_at(f, 0x1ffe, mov, sizeof(mov));
	expect_exit(test, f, r, FAKE_MMIO, 8, false, 0);
	KUNIT_EXPECT_EQ(test, f->ctxt.insn.len, 3);
	KUNIT_EXPECT_EQ(test, fake_answer(f, 7), DUET_EMU_DONE);
	KUNIT_EXPECT_EQ(test, f->ctxt.regs.rip, 0x2001ULL);

	/* The second page faults: #PF with CR2 at it, nothing done. */
	f->fault_page = 0x2000;
	r = fake_start_at(f, 0x1ffe, mov, sizeof(mov));
	KUNIT_ASSERT_EQ(test, r, DUET_EMU_FAULT);
	KUNIT_EXPECT_EQ(test, f->ctxt.fault.vector, X86_TRAP_PF);
	KUNIT_EXPECT_EQ(test, f->ctxt.fault.cr2, 0x2000ULL);
	KUNIT_EXPECT_EQ(test, f->ctxt.fault.error_code, 0x10U);
	KUNIT_EXPECT_EQ(test, f->ctxt.regs.rip, 0x1ffeULL);

	/* An instruction that ends at the page's end never touches the next. */
	r = fake_start_at(f, 0x1ffd, mov, sizeof(mov));
	expect_exit(test, f, r, FAKE_MMIO, 8, false, 0);

	/* Code outside RAM is not fetched. */
	f->ctxt.regs.rip = FAKE_MMIO;
	KUNIT_EXPECT_EQ(test, duet_emu_fetch(&f->ctxt), DUET_EMU_FAILED);
	KUNIT_EXPECT_EQ(test, f->ctxt.failed, DUET_EMU_FAIL_FETCH);

	/* 32-bit mode: CS base added, mov eax, [edi]. */
	f->fault_page = ~0ULL;
	f->ctxt.regs.mode = DUET_X86_MODE_32;
	f->ctxt.regs.seg_base[DUET_X86_SEG_CS] = 0x1000;
	f->ctxt.regs.gpr[7] = 0xffffffff00000000ULL | FAKE_MMIO;
	memcpy(f->ram + 0x2000, "\x8b\x07", 2);
	f->ctxt.regs.rip = 0x1000;
	KUNIT_ASSERT_EQ(test, duet_emu_fetch(&f->ctxt), 0);
	r = duet_emu_step(&f->ctxt);
	expect_exit(test, f, r, FAKE_MMIO, 4, false, 0);
}

static void emulate_operand_faults(struct kunit *test)
{
	struct fake *f = fake_new(test);
	u64 *gpr = f->ctxt.regs.gpr;
	int r;

	/* movsb with a source page that faults: #PF first, no exit. */
	f->fault_page = DATA;
	gpr[6] = DATA + 3;
	gpr[7] = FAKE_MMIO;
	r = START(f, 0xa4);
	KUNIT_ASSERT_EQ(test, r, DUET_EMU_FAULT);
	KUNIT_EXPECT_EQ(test, f->ctxt.fault.cr2, DATA + 3);
	KUNIT_EXPECT_EQ(test, gpr[6], DATA + 3);
	KUNIT_EXPECT_EQ(test, f->ctxt.regs.rip, CODE);

	/* A non-canonical address: #GP(0); through RSP: #SS(0). */
	gpr[7] = 0x0000800000000000ULL;
	r = START(f, 0x8b, 0x07);
	KUNIT_ASSERT_EQ(test, r, DUET_EMU_FAULT);
	KUNIT_EXPECT_EQ(test, f->ctxt.fault.vector, X86_TRAP_GP);
	gpr[4] = 0x0000800000000000ULL;
	r = START(f, 0x8b, 0x04, 0x24);			/* mov eax, [rsp] */
	KUNIT_ASSERT_EQ(test, r, DUET_EMU_FAULT);
	KUNIT_EXPECT_EQ(test, f->ctxt.fault.vector, X86_TRAP_SS);
}

static void emulate_unsupported(struct kunit *test)
{
	struct fake *f = fake_new(test);
	int r;

	f->ctxt.regs.gpr[7] = FAKE_MMIO;
	/* movdqu xmm0, [rdi] */
	r = START(f, 0xf3, 0x0f, 0x6f, 0x07);
	KUNIT_EXPECT_EQ(test, r, DUET_EMU_FAILED);
	KUNIT_EXPECT_EQ(test, f->ctxt.failed, DUET_EMU_FAIL_UNSUPPORTED);
	KUNIT_EXPECT_EQ(test, f->ctxt.regs.rip, CODE);
	/* jmp [rdi], cmpxchg [rdi], ecx, lods */
	KUNIT_EXPECT_EQ(test, START(f, 0xff, 0x27), DUET_EMU_FAILED);
	KUNIT_EXPECT_EQ(test, START(f, 0x0f, 0xb1, 0x0f), DUET_EMU_FAILED);
	KUNIT_EXPECT_EQ(test, START(f, 0xac), DUET_EMU_FAILED);
	/* Bytes that do not decode (0F 0B is UD2: decodes, not emulated). */
	KUNIT_EXPECT_EQ(test, START(f, 0x0f, 0x0b), DUET_EMU_FAILED);
	KUNIT_EXPECT_EQ(test, START(f, 0x06), DUET_EMU_FAILED);	/* #UD in 64-bit */
	KUNIT_EXPECT_EQ(test, f->ctxt.failed, DUET_EMU_FAIL_DECODE);
	/* An MMIO dword across a page boundary. */
	f->ctxt.regs.gpr[7] = FAKE_MMIO + 0xffe;
	KUNIT_EXPECT_EQ(test, START(f, 0x8b, 0x07), DUET_EMU_FAILED);
	KUNIT_EXPECT_EQ(test, f->ctxt.failed, DUET_EMU_FAIL_SPLIT);
	/* The same in RAM is fine. */
	f->ctxt.regs.gpr[7] = DATA + 0xffe;
	KUNIT_EXPECT_EQ(test, START(f, 0x8b, 0x07), DUET_EMU_DONE);
}

static struct kunit_case duet_x86_emulate_cases[] = {
	KUNIT_CASE(emulate_alu_flags),
	KUNIT_CASE(emulate_mov_load),
	KUNIT_CASE(emulate_mov_store),
	KUNIT_CASE(emulate_movzx_movsx),
	KUNIT_CASE(emulate_rmw),
	KUNIT_CASE(emulate_xchg_bt),
	KUNIT_CASE(emulate_stos),
	KUNIT_CASE(emulate_movs),
	KUNIT_CASE(emulate_fetch),
	KUNIT_CASE(emulate_operand_faults),
	KUNIT_CASE(emulate_unsupported),
	{}
};

static struct kunit_suite duet_x86_emulate_suite = {
	.name = "duet_x86_emulate",
	.test_cases = duet_x86_emulate_cases,
};

kunit_test_suite(duet_x86_emulate_suite);
