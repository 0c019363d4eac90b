// SPDX-License-Identifier: GPL-2.0
/*
 * The MMIO instruction emulator: fetch, operands, execution and register
 * commit of the instructions compilers emit against device registers.
 * See emulate.h for the model and its limits.
 */
#include <linux/kernel.h>
#include <linux/mm.h>
#include <asm/processor-flags.h>
#include <asm/trapnr.h>

#include "../duet.h"
#include "emulate.h"

#define EMU_ARITH_FLAGS	(X86_EFLAGS_CF | X86_EFLAGS_PF | X86_EFLAGS_AF | \
			 X86_EFLAGS_ZF | X86_EFLAGS_SF | X86_EFLAGS_OF)

static u64 emu_mask(unsigned int size)
{
	return size >= 8 ? ~0ULL : (1ULL << (8 * size)) - 1;
}

static u64 emu_sext(u64 v, unsigned int size)
{
	unsigned int shift = 64 - 8 * size;

	return size >= 8 ? v : (u64)((s64)(v << shift) >> shift);
}

/*
 * Host execution of the ALU operations, the way the CPU would run them
 * for the guest: the flags are the host's RFLAGS right after the
 * instruction (PUSHF).  CF goes in with BT $0 (ADC/SBB read it; the
 * others overwrite or, INC/DEC, ignore it), so no POPF touches the
 * host's IF, DF or AC.  The kernel is built without a red zone: the
 * PUSHF/POP pair cannot clobber live stack data.
 */
/* Over the locals d, s, cin and f of the functions below. */
#define EMU_BIN(op)							\
	asm("bt $0, %[c]\n\t" op " %[src], %[dst]\n\tpushf\n\tpop %[fl]"	\
	    : [dst] "+r"(d), [fl] "=r"(f) : [src] "r"(s), [c] "r"(cin) : "cc")
#define EMU_UN(op)							\
	asm(op " %[dst]\n\tpushf\n\tpop %[fl]"				\
	    : [dst] "+r"(d), [fl] "=r"(f) : : "cc")

/* The ALU operations on d (and s) of whatever type they have. */
#define EMU_ALU_BODY							\
do {									\
	switch (kind) {							\
	case DUET_X86_ADD:						\
		EMU_BIN("add");						\
		break;							\
	case DUET_X86_OR:						\
		EMU_BIN("or");						\
		break;							\
	case DUET_X86_ADC:						\
		EMU_BIN("adc");						\
		break;							\
	case DUET_X86_SBB:						\
		EMU_BIN("sbb");						\
		break;							\
	case DUET_X86_AND:						\
		EMU_BIN("and");						\
		break;							\
	case DUET_X86_SUB:						\
		EMU_BIN("sub");						\
		break;							\
	case DUET_X86_XOR:						\
		EMU_BIN("xor");						\
		break;							\
	case DUET_X86_CMP:						\
		EMU_BIN("cmp");						\
		break;							\
	case DUET_X86_TEST:						\
		EMU_BIN("test");					\
		break;							\
	case DUET_X86_INC:						\
		EMU_UN("inc");						\
		break;							\
	case DUET_X86_DEC:						\
		EMU_UN("dec");						\
		break;							\
	case DUET_X86_NEG:						\
		EMU_UN("neg");						\
		break;							\
	case DUET_X86_NOT:						\
		EMU_UN("not");						\
		break;							\
	}								\
} while (0)

/* The bit tests (no byte form): the offset is the source register. */
#define EMU_BT_BODY							\
do {									\
	switch (kind) {							\
	case DUET_X86_BT:						\
		EMU_BIN("bt");						\
		break;							\
	case DUET_X86_BTS:						\
		EMU_BIN("bts");						\
		break;							\
	case DUET_X86_BTR:						\
		EMU_BIN("btr");						\
		break;							\
	case DUET_X86_BTC:						\
		EMU_BIN("btc");						\
		break;							\
	}								\
} while (0)

static u8 emu_alu_u8(unsigned int kind, u8 d, u8 s, unsigned long cin,
		     unsigned long *fp)
{
	unsigned long f = 0;

	EMU_ALU_BODY;
	*fp = f;
	return d;
}

static u16 emu_alu_u16(unsigned int kind, u16 d, u16 s, unsigned long cin,
		       unsigned long *fp)
{
	unsigned long f = 0;

	EMU_ALU_BODY;
	*fp = f;
	return d;
}

static u32 emu_alu_u32(unsigned int kind, u32 d, u32 s, unsigned long cin,
		       unsigned long *fp)
{
	unsigned long f = 0;

	EMU_ALU_BODY;
	*fp = f;
	return d;
}

static u64 emu_alu_u64(unsigned int kind, u64 d, u64 s, unsigned long cin,
		       unsigned long *fp)
{
	unsigned long f = 0;

	EMU_ALU_BODY;
	*fp = f;
	return d;
}

static u16 emu_bt_u16(unsigned int kind, u16 d, u16 s, unsigned long *fp)
{
	unsigned long f = 0, cin = 0;

	EMU_BT_BODY;
	*fp = f;
	return d;
}

static u32 emu_bt_u32(unsigned int kind, u32 d, u32 s, unsigned long *fp)
{
	unsigned long f = 0, cin = 0;

	EMU_BT_BODY;
	*fp = f;
	return d;
}

static u64 emu_bt_u64(unsigned int kind, u64 d, u64 s, unsigned long *fp)
{
	unsigned long f = 0, cin = 0;

	EMU_BT_BODY;
	*fp = f;
	return d;
}

static bool emu_is_bt(unsigned int kind)
{
	return kind == DUET_X86_BT || kind == DUET_X86_BTS ||
	       kind == DUET_X86_BTR || kind == DUET_X86_BTC;
}

u64 duet_emu_alu(unsigned int kind, unsigned int size, u64 dst, u64 src,
		 u64 *rflags)
{
	unsigned long cin = *rflags & X86_EFLAGS_CF, f = 0;
	u64 res = dst, defined;

	if (emu_is_bt(kind)) {
		switch (size) {
		case 2:
			res = emu_bt_u16(kind, dst, src, &f);
			break;
		case 4:
			res = emu_bt_u32(kind, dst, src, &f);
			break;
		case 8:
			res = emu_bt_u64(kind, dst, src, &f);
			break;
		}
		/* SDM: CF is the bit; OF, SF, AF, PF undefined, ZF unchanged. */
		defined = X86_EFLAGS_CF;
	} else {
		switch (size) {
		case 1:
			res = emu_alu_u8(kind, dst, src, cin, &f);
			break;
		case 2:
			res = emu_alu_u16(kind, dst, src, cin, &f);
			break;
		case 4:
			res = emu_alu_u32(kind, dst, src, cin, &f);
			break;
		case 8:
			res = emu_alu_u64(kind, dst, src, cin, &f);
			break;
		}
		if (kind == DUET_X86_NOT)
			defined = 0;
		else if (kind == DUET_X86_INC || kind == DUET_X86_DEC)
			defined = EMU_ARITH_FLAGS & ~X86_EFLAGS_CF;
		else
			defined = EMU_ARITH_FLAGS;
	}
	*rflags = (*rflags & ~defined) | (f & defined);
	return res & emu_mask(size);
}
EXPORT_SYMBOL_IF_DUET_KUNIT(duet_emu_alu);

static int emu_fail(struct duet_emu_ctxt *ctxt, enum duet_emu_failure why)
{
	ctxt->failed = why;
	return DUET_EMU_FAILED;
}

static int emu_fault(struct duet_emu_ctxt *ctxt, u8 vector, u32 error_code)
{
	ctxt->fault = (struct duet_emu_fault){
		.vector = vector,
		.has_error_code = true,
		.error_code = error_code,
	};
	return DUET_EMU_FAULT;
}

static u64 emu_read_gpr(void *opaque, unsigned int reg)
{
	struct duet_emu_ctxt *ctxt = opaque;

	return ctxt->regs.gpr[reg & 15];
}

static u64 emu_get_reg(struct duet_emu_ctxt *ctxt,
		       const struct duet_x86_operand *op)
{
	if (op->high8)
		return (ctxt->regs.gpr[op->reg - 4] >> 8) & 0xff;
	return ctxt->regs.gpr[op->reg & 15] & emu_mask(op->size);
}

/*
 * Write a GPR operand: byte and word writes keep the other bits (AH..BH
 * are bits 15:8 of rAX..rBX), a doubleword write zero-extends to 64 bits
 * (SDM "General-Purpose Registers in 64-Bit Mode").
 */
static void emu_set_reg(struct duet_emu_ctxt *ctxt,
			const struct duet_x86_operand *op, u64 val)
{
	u64 *r;

	if (op->high8) {
		r = &ctxt->regs.gpr[op->reg - 4];
		*r = (*r & ~0xff00ULL) | ((val & 0xff) << 8);
		return;
	}
	r = &ctxt->regs.gpr[op->reg & 15];
	switch (op->size) {
	case 1:
	case 2:
		*r = (*r & ~emu_mask(op->size)) | (val & emu_mask(op->size));
		break;
	case 4:
		*r = (u32)val;
		break;
	default:
		*r = val;
	}
}

/* rSI, rDI, rCX as the address size uses them (as pio_set_reg() in pio.c). */
static void emu_set_areg(struct duet_emu_ctxt *ctxt, unsigned int reg, u64 val)
{
	u64 *r = &ctxt->regs.gpr[reg];

	if (ctxt->insn.addrsize == 2)
		*r = (*r & ~0xffffULL) | (val & 0xffff);
	else
		*r = val & emu_mask(ctxt->insn.addrsize);
}

static bool emu_canonical(const struct duet_emu_ctxt *ctxt, u64 la)
{
	unsigned int bits = ctxt->regs.va_bits == 57 ? 57 : 48;

	return (u64)((s64)(la << (64 - bits)) >> (64 - bits)) == la;
}

/*
 * Effective address -> linear address through segment @seg.  64-bit mode
 * adds only the FS and GS bases and checks the canonical form: #GP(0),
 * or #SS(0) through SS (SDM "Canonical Addressing").
 */
static int emu_linear(struct duet_emu_ctxt *ctxt, unsigned int seg, u64 ea,
		      unsigned int size, u64 *la)
{
	if (ctxt->regs.mode == DUET_X86_MODE_64) {
		*la = ea;
		if (seg == DUET_X86_SEG_FS || seg == DUET_X86_SEG_GS)
			*la += ctxt->regs.seg_base[seg];
		if (!emu_canonical(ctxt, *la) ||
		    !emu_canonical(ctxt, *la + size - 1))
			return emu_fault(ctxt, seg == DUET_X86_SEG_SS ?
					 X86_TRAP_SS : X86_TRAP_GP, 0);
		return 0;
	}
	*la = (ctxt->regs.seg_base[seg] + ea) & 0xffffffffULL;
	return 0;
}

static u64 emu_lin_mask(const struct duet_emu_ctxt *ctxt)
{
	return ctxt->regs.mode == DUET_X86_MODE_64 ? ~0ULL : 0xffffffffULL;
}

/*
 * Translate and classify a memory operand of @size bytes at @seg:@ea for
 * a read, or a write (@write; read-modify-write included).
 */
static int emu_resolve(struct duet_emu_ctxt *ctxt, struct duet_emu_mem *m,
		       unsigned int seg, u64 ea, unsigned int size, bool write)
{
	const struct duet_emu_ops *ops = ctxt->ops;
	u32 access = write ? DUET_EMU_WRITE : 0;
	int r, r2;

	ea &= emu_mask(ctxt->insn.addrsize);
	r = emu_linear(ctxt, seg, ea, size, &m->la);
	if (r)
		return r;
	m->size = size;
	m->split = min_t(u64, size, PAGE_SIZE - offset_in_page(m->la));
	r = ops->translate(ctxt, m->la, access, &m->gpa[0], &ctxt->fault);
	if (r)
		return r < 0 ? r : DUET_EMU_FAULT;
	m->gpa[1] = 0;
	if (m->split < size) {
		r = ops->translate(ctxt, (m->la + m->split) & emu_lin_mask(ctxt),
				   access, &m->gpa[1], &ctxt->fault);
		if (r)
			return r < 0 ? r : DUET_EMU_FAULT;
	}
	r = ops->probe(ctxt, m->gpa[0], m->split, write);
	if (r < 0)
		return r;
	if (m->split < size) {
		r2 = ops->probe(ctxt, m->gpa[1], size - m->split, write);
		if (r2 < 0)
			return r2;
		/* One exit names one address: an MMIO access may not split. */
		if (r || r2)
			return emu_fail(ctxt, DUET_EMU_FAIL_SPLIT);
	}
	m->ram = !r;
	return 0;
}

/* The default segment of a ModRM operand: SS through rBP/rSP, else DS. */
static unsigned int emu_modrm_seg(const struct duet_x86_insn *insn)
{
	if (insn->seg != DUET_X86_SEG_NONE)
		return insn->seg;
	return insn->base == 4 || insn->base == 5 ? DUET_X86_SEG_SS :
						    DUET_X86_SEG_DS;
}

/* Resolve the ModRM (or moffs) memory operand. */
static int emu_resolve_modrm(struct duet_emu_ctxt *ctxt,
			     struct duet_emu_mem *m, s64 adjust,
			     unsigned int size, bool write)
{
	u64 ea;

	if (duet_x86_insn_ea(&ctxt->insn, emu_read_gpr, ctxt, &ea))
		return emu_fail(ctxt, DUET_EMU_FAIL_UNSUPPORTED);
	return emu_resolve(ctxt, m, emu_modrm_seg(&ctxt->insn), ea + adjust,
			   size, write);
}

static int emu_mem_read(struct duet_emu_ctxt *ctxt,
			const struct duet_emu_mem *m, u64 *val)
{
	const struct duet_emu_ops *ops = ctxt->ops;
	u8 *buf = (u8 *)val;
	int r;

	*val = 0;
	if (m->ram) {
		r = ops->read(ctxt, m->gpa[0], buf, m->split);
		if (!r && m->split < m->size)
			r = ops->read(ctxt, m->gpa[1], buf + m->split,
				      m->size - m->split);
		return r;
	}
	ctxt->saw_mmio = true;
	if (!ctxt->read_done) {
		ctxt->mmio.gpa = m->gpa[0];
		ctxt->mmio.len = m->size;
		ctxt->mmio.data = 0;
		ctxt->mmio.is_write = false;
		return DUET_EMU_MMIO;
	}
	*val = ctxt->read_data & emu_mask(m->size);
	return 0;
}

/* The last memory access of an instruction: outside RAM it is the exit. */
static int emu_mem_write(struct duet_emu_ctxt *ctxt,
			 const struct duet_emu_mem *m, u64 val)
{
	const struct duet_emu_ops *ops = ctxt->ops;
	const u8 *buf = (const u8 *)&val;
	int r;

	if (m->ram) {
		r = ops->write(ctxt, m->gpa[0], buf, m->split);
		if (!r && m->split < m->size)
			r = ops->write(ctxt, m->gpa[1], buf + m->split,
				       m->size - m->split);
		return r;
	}
	ctxt->saw_mmio = true;
	ctxt->mmio_write = true;
	ctxt->mmio.gpa = m->gpa[0];
	ctxt->mmio.len = m->size;
	ctxt->mmio.data = val & emu_mask(m->size);
	ctxt->mmio.is_write = true;
	return 0;
}

/* Index of the ModRM memory operand, or -1. */
static int emu_mem_index(const struct duet_x86_insn *insn)
{
	int i;

	for (i = 0; i < insn->nr_ops; i++)
		if (insn->ops[i].type == DUET_X86_OP_MEM)
			return i;
	return -1;
}

/* A register or immediate operand, or the memory one through @m. */
static int emu_operand(struct duet_emu_ctxt *ctxt,
		       const struct duet_x86_operand *op,
		       const struct duet_emu_mem *m, u64 *val)
{
	switch (op->type) {
	case DUET_X86_OP_REG:
		if (op->reg_class != DUET_X86_REG_GPR)
			break;
		*val = emu_get_reg(ctxt, op);
		return 0;
	case DUET_X86_OP_IMM:
		*val = op->imm & emu_mask(op->size);
		return 0;
	case DUET_X86_OP_MEM:
		return emu_mem_read(ctxt, m, val);
	}
	return emu_fail(ctxt, DUET_EMU_FAIL_UNSUPPORTED);
}

/* MOV, MOVZX, MOVSX, MOVSXD with a memory operand. */
static int emu_mov(struct duet_emu_ctxt *ctxt)
{
	const struct duet_x86_insn *insn = &ctxt->insn;
	const struct duet_x86_operand *dst = &insn->ops[0], *src = &insn->ops[1];
	struct duet_emu_mem m;
	unsigned int size;
	u64 val;
	int r;

	if (insn->nr_ops != 2)
		return emu_fail(ctxt, DUET_EMU_FAIL_UNSUPPORTED);
	if (dst->type == DUET_X86_OP_MEM) {
		if (src->type == DUET_X86_OP_MEM)
			return emu_fail(ctxt, DUET_EMU_FAIL_UNSUPPORTED);
		r = emu_resolve_modrm(ctxt, &m, 0, dst->size, true);
		if (r)
			return r;
		r = emu_operand(ctxt, src, NULL, &val);
		if (r)
			return r;
		return emu_mem_write(ctxt, &m, val);
	}
	if (src->type != DUET_X86_OP_MEM || dst->type != DUET_X86_OP_REG ||
	    dst->reg_class != DUET_X86_REG_GPR)
		return emu_fail(ctxt, DUET_EMU_FAIL_UNSUPPORTED);
	size = src->size;
	/* MOVSXD r16, r/m16 reads a word (SDM). */
	if (insn->kind == DUET_X86_MOVSXD && dst->size < size)
		size = dst->size;
	r = emu_resolve_modrm(ctxt, &m, 0, size, false);
	if (r)
		return r;
	r = emu_mem_read(ctxt, &m, &val);
	if (r)
		return r;
	if (insn->kind == DUET_X86_MOVSX || insn->kind == DUET_X86_MOVSXD)
		val = emu_sext(val, size);
	emu_set_reg(ctxt, dst, val);
	return 0;
}

/* Write the result of an ALU operation back to operand 0. */
static int emu_store(struct duet_emu_ctxt *ctxt,
		     const struct duet_x86_operand *op,
		     const struct duet_emu_mem *m, u64 val)
{
	if (op->type == DUET_X86_OP_MEM)
		return emu_mem_write(ctxt, m, val);
	emu_set_reg(ctxt, op, val);
	return 0;
}

/* ADD ... CMP, TEST, INC, DEC, NOT, NEG. */
static int emu_alu(struct duet_emu_ctxt *ctxt)
{
	const struct duet_x86_insn *insn = &ctxt->insn;
	const struct duet_x86_operand *dst = &insn->ops[0];
	unsigned int kind = insn->kind;
	bool store = kind != DUET_X86_CMP && kind != DUET_X86_TEST;
	int mi = emu_mem_index(insn);
	struct duet_emu_mem m;
	u64 a, b = 0;
	int r;

	if (mi < 0)
		return emu_fail(ctxt, DUET_EMU_FAIL_UNSUPPORTED);
	r = emu_resolve_modrm(ctxt, &m, 0, insn->ops[mi].size,
			      store && mi == 0);
	if (r)
		return r;
	r = emu_operand(ctxt, dst, &m, &a);
	if (r)
		return r;
	if (insn->nr_ops > 1) {
		r = emu_operand(ctxt, &insn->ops[1], &m, &b);
		if (r)
			return r;
	}
	a = duet_emu_alu(kind, dst->size, a, b, &ctxt->regs.rflags);
	return store ? emu_store(ctxt, dst, &m, a) : 0;
}

/* XCHG r/m, reg: locked on the CPU, a read and a write here. */
static int emu_xchg(struct duet_emu_ctxt *ctxt)
{
	const struct duet_x86_insn *insn = &ctxt->insn;
	const struct duet_x86_operand *reg = &insn->ops[1];
	struct duet_emu_mem m;
	u64 old;
	int r;

	if (emu_mem_index(insn) != 0 || reg->type != DUET_X86_OP_REG)
		return emu_fail(ctxt, DUET_EMU_FAIL_UNSUPPORTED);
	r = emu_resolve_modrm(ctxt, &m, 0, insn->ops[0].size, true);
	if (r)
		return r;
	r = emu_mem_read(ctxt, &m, &old);
	if (r)
		return r;
	r = emu_mem_write(ctxt, &m, emu_get_reg(ctxt, reg));
	if (r)
		return r;
	emu_set_reg(ctxt, reg, old);
	return 0;
}

/*
 * BT/BTS/BTR/BTC m, reg/imm8.  A register offset is signed and may reach
 * beyond the operand: the SDM's bit base addressing selects the
 * operand-sized word at EA + (offset SAR log2(width)) * size; an imm8
 * offset is taken modulo the width.
 */
static int emu_bt(struct duet_emu_ctxt *ctxt)
{
	const struct duet_x86_insn *insn = &ctxt->insn;
	const struct duet_x86_operand *off = &insn->ops[1];
	unsigned int size = insn->ops[0].size, bits = 8 * size;
	bool store = insn->kind != DUET_X86_BT;
	struct duet_emu_mem m;
	s64 adjust = 0;
	u64 bit, val;
	int r;

	if (emu_mem_index(insn) != 0 || size < 2)
		return emu_fail(ctxt, DUET_EMU_FAIL_UNSUPPORTED);
	if (off->type == DUET_X86_OP_REG) {
		s64 sbit = (s64)emu_sext(emu_get_reg(ctxt, off), size);

		adjust = (sbit >> ilog2(bits)) * (s64)size;
		bit = sbit & (bits - 1);
	} else if (off->type == DUET_X86_OP_IMM) {
		bit = off->imm & (bits - 1);
	} else {
		return emu_fail(ctxt, DUET_EMU_FAIL_UNSUPPORTED);
	}
	r = emu_resolve_modrm(ctxt, &m, adjust, size, store);
	if (r)
		return r;
	r = emu_mem_read(ctxt, &m, &val);
	if (r)
		return r;
	val = duet_emu_alu(insn->kind, size, val, bit, &ctxt->regs.rflags);
	return store ? emu_mem_write(ctxt, &m, val) : 0;
}

/*
 * One element of STOS or MOVS.  *@keep_rip: REP has elements left, so RIP
 * stays on the instruction.
 */
static int emu_string(struct duet_emu_ctxt *ctxt, bool *keep_rip)
{
	const struct duet_x86_insn *insn = &ctxt->insn;
	unsigned int size = insn->ops[0].size;
	u64 amask = emu_mask(insn->addrsize), *gpr = ctxt->regs.gpr;
	bool movs = insn->kind == DUET_X86_MOVS;
	s64 step = ctxt->regs.rflags & X86_EFLAGS_DF ? -(s64)size : size;
	struct duet_emu_mem src, dst;
	u64 count = 0, val;
	unsigned int seg;
	int r;

	if (insn->rep) {
		count = gpr[1] & amask;
		/* REP with rCX = 0: no element, no fault. */
		if (!count)
			return 0;
	}
	r = emu_resolve(ctxt, &dst, DUET_X86_SEG_ES, gpr[7], size, true);
	if (r)
		return r;
	if (movs) {
		seg = insn->seg != DUET_X86_SEG_NONE ? insn->seg : DUET_X86_SEG_DS;
		r = emu_resolve(ctxt, &src, seg, gpr[6], size, false);
		if (r)
			return r;
		r = emu_mem_read(ctxt, &src, &val);
		if (r)
			return r;
	} else {
		val = gpr[0] & emu_mask(size);
	}
	r = emu_mem_write(ctxt, &dst, val);
	if (r)
		return r;

	emu_set_areg(ctxt, 7, (gpr[7] & amask) + step);
	if (movs)
		emu_set_areg(ctxt, 6, (gpr[6] & amask) + step);
	if (insn->rep) {
		emu_set_areg(ctxt, 1, count - 1);
		*keep_rip = count > 1;
	}
	return 0;
}

int duet_emu_fetch(struct duet_emu_ctxt *ctxt)
{
	const struct duet_emu_ops *ops = ctxt->ops;
	u64 la0, la, gpa, rip = ctxt->regs.rip;
	unsigned int n = 0, chunk;
	int r;

	if (ctxt->regs.mode == DUET_X86_MODE_64)
		la0 = rip;
	else
		la0 = ctxt->regs.seg_base[DUET_X86_SEG_CS] + rip;
	/* Page by page, as the CPU fetches: no byte beyond the instruction's. */
	for (;;) {
		la = (la0 + n) & emu_lin_mask(ctxt);
		chunk = min_t(u64, DUET_X86_MAX_INSN_LEN - n,
			      PAGE_SIZE - offset_in_page(la));
		r = ops->translate(ctxt, la, DUET_EMU_FETCH, &gpa, &ctxt->fault);
		if (r)
			return r < 0 ? r : DUET_EMU_FAULT;
		r = ops->probe(ctxt, gpa, chunk, false);
		if (r < 0)
			return r;
		if (r)
			return emu_fail(ctxt, DUET_EMU_FAIL_FETCH);
		r = ops->read(ctxt, gpa, ctxt->bytes + n, chunk);
		if (r)
			return r;
		n += chunk;
		ctxt->nr_bytes = n;
		r = duet_x86_decode(&ctxt->insn, ctxt->bytes, n,
				    ctxt->regs.mode, rip);
		if (!r)
			break;
		if (r != -ENODATA || n >= DUET_X86_MAX_INSN_LEN)
			return emu_fail(ctxt, DUET_EMU_FAIL_DECODE);
	}
	return 0;
}
EXPORT_SYMBOL_IF_DUET_KUNIT(duet_emu_fetch);

static u64 emu_rip_mask(const struct duet_emu_ctxt *ctxt)
{
	switch (ctxt->regs.mode) {
	case DUET_X86_MODE_64:
		return ~0ULL;
	case DUET_X86_MODE_32:
		return 0xffffffffULL;
	default:
		return 0xffff;
	}
}

int duet_emu_step(struct duet_emu_ctxt *ctxt)
{
	const struct duet_x86_insn *insn = &ctxt->insn;
	bool keep_rip = false;
	int r;

	ctxt->mmio_write = false;
	ctxt->saw_mmio = false;
	ctxt->failed = DUET_EMU_FAIL_NONE;
	if (insn->ud || !insn->len)
		return emu_fail(ctxt, DUET_EMU_FAIL_DECODE);

	switch (insn->kind) {
	case DUET_X86_MOV:
	case DUET_X86_MOVZX:
	case DUET_X86_MOVSX:
	case DUET_X86_MOVSXD:
		r = emu_mov(ctxt);
		break;
	case DUET_X86_ADD ... DUET_X86_NEG:
		r = emu_alu(ctxt);
		break;
	case DUET_X86_XCHG:
		r = emu_xchg(ctxt);
		break;
	case DUET_X86_BT ... DUET_X86_BTC:
		r = emu_bt(ctxt);
		break;
	case DUET_X86_STOS:
	case DUET_X86_MOVS:
		r = emu_string(ctxt, &keep_rip);
		break;
	default:
		r = emu_fail(ctxt, DUET_EMU_FAIL_UNSUPPORTED);
	}
	/* A read exit: nothing committed, the answer re-runs the step. */
	if (r == DUET_EMU_MMIO)
		return r;
	ctxt->read_done = false;
	if (r)
		return r;

	if (!keep_rip)
		ctxt->regs.rip = (ctxt->regs.rip + insn->len) & emu_rip_mask(ctxt);
	/* The instruction completed: RF clears (SDM "Resume Flag"). */
	ctxt->regs.rflags &= ~X86_EFLAGS_RF;
	return ctxt->mmio_write ? DUET_EMU_MMIO : DUET_EMU_DONE;
}
EXPORT_SYMBOL_IF_DUET_KUNIT(duet_emu_step);
