// SPDX-License-Identifier: GPL-2.0
/*
 * Execution: the handlers of the pre-decoded instructions and the loop
 * that runs blocks (translate.c explains the representation).
 *
 * Every handler follows one order, which is what makes exceptions
 * precise: compute the effective addresses, check them (canonical form)
 * and translate them (with the access the instruction makes: a store or
 * read-modify-write translates for write), read the sources, compute,
 * and only then write memory and registers.  A fault or a host error
 * before the writes leaves the state at the instruction's boundary.
 *
 * Locked read-modify-writes (LOCK prefix, XCHG with memory) are a loop
 * of read, compute, ops->cmpxchg() on the naturally aligned dword or
 * qword holding the operand; an operand across a qword boundary (a split
 * lock) runs in hardware.
 *
 * RFLAGS: the arithmetic runs on the host (duet_emu_alu() and the
 * helpers below), so the flags, undefined ones included, are those the
 * host CPU produces for the guest's operation; flags an instruction
 * leaves alone keep the guest's values.
 */
#include <linux/mm.h>
#include <asm/processor-flags.h>
#include <asm/trapnr.h>

#include "../duet.h"
#include "../x86/emulate.h"
#include "translate.h"
#include "../trace.h"

#define BT_ARITH	(X86_EFLAGS_CF | X86_EFLAGS_PF | X86_EFLAGS_AF | \
			 X86_EFLAGS_ZF | X86_EFLAGS_SF | X86_EFLAGS_OF)

#define RSP	4
#define RBP	5

static __always_inline u64 bt_mask(unsigned int size)
{
	return size >= 8 ? ~0ULL : (1ULL << (8 * size)) - 1;
}

static __always_inline u64 bt_sext(u64 v, unsigned int size)
{
	unsigned int shift = 64 - 8 * size;

	return size >= 8 ? v : (u64)((s64)(v << shift) >> shift);
}

static __always_inline u64 bt_reg_get(const struct duet_bt_state *st,
				      const struct duet_x86_operand *op)
{
	if (op->high8)
		return (st->gpr[op->reg - 4] >> 8) & 0xff;
	return st->gpr[op->reg & 15] & bt_mask(op->size);
}

/*
 * Write a GPR of @size bytes: byte and word writes keep the other bits, a
 * dword write zero-extends (SDM "General-Purpose Registers in 64-Bit
 * Mode").
 */
static __always_inline void bt_gpr_set(struct duet_bt_state *st,
				       unsigned int reg, unsigned int size,
				       u64 val)
{
	u64 *r = &st->gpr[reg & 15];

	if (size < 4)
		*r = (*r & ~bt_mask(size)) | (val & bt_mask(size));
	else if (size == 4)
		*r = (u32)val;
	else
		*r = val;
}

static __always_inline void bt_reg_set(struct duet_bt_state *st,
				       const struct duet_x86_operand *op,
				       u64 val)
{
	u64 *r;

	if (op->high8) {
		r = &st->gpr[op->reg - 4];
		*r = (*r & ~0xff00ULL) | ((val & 0xff) << 8);
		return;
	}
	bt_gpr_set(st, op->reg, op->size, val);
}

static int bt_fault(struct duet_bt_exec *x, u8 vector, bool has_ec, u32 ec)
{
	x->ctx->fault = (struct duet_bt_fault){
		.vector = vector,
		.has_error_code = has_ec,
		.error_code = ec,
	};
	return DUET_BT_FAULT;
}

/*
 * A guest-memory access failed.  Memory that is not RAM (no slot: MMIO)
 * or a read-only slot written: hardware runs the instruction, whose
 * nested fault goes to duet's MMIO emulation as in hardware mode.  BT
 * checks every operand before it writes anything (and reads nothing
 * outside RAM), so the instruction has had no effect yet.
 */
static int bt_error(struct duet_bt_exec *x, int err)
{
	if (err == -ENOENT || err == -EPERM)
		return DUET_BT_HW;
	x->ctx->error = err;
	return DUET_BT_ERR;
}

static __always_inline bool bt_canonical(const struct duet_bt_state *st,
					 u64 la)
{
	unsigned int bits = st->va_bits == 57 ? 57 : 48;

	return (u64)((s64)(la << (64 - bits)) >> (64 - bits)) == la;
}

/* Condition @cc (the low nibble of Jcc/SETcc/CMOVcc) on @fl. */
static bool bt_cond(unsigned int cc, u64 fl)
{
	bool cf = fl & X86_EFLAGS_CF, zf = fl & X86_EFLAGS_ZF;
	bool sf = fl & X86_EFLAGS_SF, of = fl & X86_EFLAGS_OF;
	bool pf = fl & X86_EFLAGS_PF, r;

	switch (cc >> 1) {
	case 0:
		r = of;
		break;
	case 1:
		r = cf;
		break;
	case 2:
		r = zf;
		break;
	case 3:
		r = cf || zf;
		break;
	case 4:
		r = sf;
		break;
	case 5:
		r = pf;
		break;
	case 6:
		r = sf != of;
		break;
	default:
		r = zf || sf != of;
		break;
	}
	return cc & 1 ? !r : r;
}

/* A resolved memory operand. */
struct bt_mem {
	u64 la;
	u64 gpa[2];		/* first byte; first byte of the second page */
	unsigned int size;
	unsigned int split;	/* bytes in the first page */
};

/* Effective address, with @rsp standing for RSP as a base (POP m). */
static __always_inline u64 bt_ea_rsp(const struct duet_bt_state *st,
				     const struct duet_x86_insn *in, u64 rsp)
{
	u64 ea = in->disp;

	if (in->rip_rel)
		ea += in->rip + in->len;
	if (in->base >= 0)
		ea += in->base == RSP ? rsp : st->gpr[in->base];
	if (in->index >= 0)
		ea += st->gpr[in->index] * in->scale;
	return ea & bt_mask(in->addrsize);
}

static __always_inline u64 bt_ea(const struct duet_bt_state *st,
				 const struct duet_x86_insn *in)
{
	return bt_ea_rsp(st, in, st->gpr[RSP]);
}

/* The segment of a ModRM/moffs operand: the override, else DS or SS. */
static __always_inline unsigned int bt_seg(const struct duet_x86_insn *in)
{
	if (in->seg != DUET_X86_SEG_NONE)
		return in->seg;
	if (in->base == RSP || in->base == RBP)
		return DUET_X86_SEG_SS;
	return DUET_X86_SEG_DS;
}

/*
 * Linear address @la (@size bytes) to guest-physical for @write, page by
 * page.  64-bit mode: a non-canonical address is #GP(0), or #SS(0)
 * through SS (SDM "Canonical Addressing"), before any walk.
 */
static int bt_resolve_la(struct duet_bt_exec *x, u64 la, unsigned int size,
			 bool write, bool ss, struct bt_mem *m)
{
	struct duet_bt_ctx *ctx = x->ctx;
	u32 access = (write ? DUET_PFERR_WRITE : 0) |
		     (x->st->cpl == 3 ? DUET_PFERR_USER : 0);
	unsigned int room = PAGE_SIZE - (la & ~PAGE_MASK);
	int r;

	if (!bt_canonical(x->st, la) || !bt_canonical(x->st, la + size - 1))
		return bt_fault(x, ss ? X86_TRAP_SS : X86_TRAP_GP, true, 0);
	m->la = la;
	m->size = size;
	m->split = min(size, room);
	r = ctx->ops->translate(ctx, la, access, &m->gpa[0], &ctx->fault);
	if (!r && m->split < size)
		r = ctx->ops->translate(ctx, la + m->split, access, &m->gpa[1],
					&ctx->fault);
	if (r > 0)
		return DUET_BT_FAULT;
	if (r < 0)
		return bt_error(x, r);
	return 0;
}

static __always_inline int bt_resolve_ea(struct duet_bt_exec *x,
					 const struct duet_x86_insn *in, u64 ea,
					 unsigned int size, bool write,
					 struct bt_mem *m)
{
	unsigned int seg = bt_seg(in);
	u64 la = ea;

	if (seg == DUET_X86_SEG_FS || seg == DUET_X86_SEG_GS)
		la += x->st->seg_base[seg];
	return bt_resolve_la(x, la, size, write, seg == DUET_X86_SEG_SS, m);
}

/* The stack slot of @size bytes at @rsp. */
static __always_inline int bt_resolve_stack(struct duet_bt_exec *x, u64 rsp,
					    unsigned int size, bool write,
					    struct bt_mem *m)
{
	return bt_resolve_la(x, rsp, size, write, true, m);
}

static int bt_mem_read(struct duet_bt_exec *x, const struct bt_mem *m, u64 *val)
{
	struct duet_bt_ctx *ctx = x->ctx;
	u64 v = 0;
	int r;

	r = ctx->ops->read(ctx, m->gpa[0], &v, m->split);
	if (!r && m->split < m->size)
		r = ctx->ops->read(ctx, m->gpa[1], (u8 *)&v + m->split,
				   m->size - m->split);
	if (r)
		return bt_error(x, r);
	*val = v;
	return 0;
}

static int bt_mem_write(struct duet_bt_exec *x, const struct bt_mem *m, u64 val)
{
	struct duet_bt_ctx *ctx = x->ctx;
	int r;

	r = ctx->ops->write(ctx, m->gpa[0], &val, m->split);
	if (!r && m->split < m->size)
		r = ctx->ops->write(ctx, m->gpa[1], (u8 *)&val + m->split,
				    m->size - m->split);
	return r ? bt_error(x, r) : 0;
}

/*
 * Replace @old by @new at @m as one locked access: 0, -EAGAIN (it was not
 * @old), DUET_BT_HW (a split lock), DUET_BT_ERR.  ops->cmpxchg() takes
 * naturally aligned dwords and qwords: a smaller operand is swapped
 * inside the one that holds it.
 */
static int bt_mem_cmpxchg(struct duet_bt_exec *x, const struct bt_mem *m,
			  u64 old, u64 new)
{
	struct duet_bt_ctx *ctx = x->ctx;
	typeof(ctx->ops->cmpxchg) cas = ctx->ops->cmpxchg;
	unsigned int csize, shift;
	u64 base, cur, mask;
	int r;

	if (m->split < m->size)
		return DUET_BT_HW;
	if ((m->gpa[0] & 3) + m->size <= 4)
		csize = 4;
	else if ((m->gpa[0] & 7) + m->size <= 8)
		csize = 8;
	else
		return DUET_BT_HW;
	base = m->gpa[0] & ~(u64)(csize - 1);
	if (csize == m->size) {
		r = cas(ctx, base, old, new, csize);
	} else {
		shift = 8 * (m->gpa[0] - base);
		mask = bt_mask(m->size) << shift;
		cur = 0;
		r = ctx->ops->read(ctx, base, &cur, csize);
		if (r)
			return bt_error(x, r);
		if (((cur & mask) >> shift) != (old & bt_mask(m->size)))
			return -EAGAIN;
		r = cas(ctx, base, cur, (cur & ~mask) | ((new << shift) & mask),
			csize);
	}
	if (r == -EAGAIN)
		return r;
	return r ? bt_error(x, r) : 0;
}

/* The index of the instruction's memory operand, or -1. */
static __always_inline int bt_mem_index(const struct duet_x86_insn *in)
{
	unsigned int i;

	for (i = 0; i < in->nr_ops; i++)
		if (in->ops[i].type == DUET_X86_OP_MEM)
			return i;
	return -1;
}

/* Resolve the ModRM operand, if the instruction has one in memory. */
static __always_inline int bt_prepare_mem(struct duet_bt_exec *x,
					  const struct duet_x86_insn *in,
					  bool write, struct bt_mem *m)
{
	int i = bt_mem_index(in);

	if (i < 0)
		return 0;
	return bt_resolve_ea(x, in, bt_ea(x->st, in), in->ops[i].size, write, m);
}

static __always_inline int bt_load(struct duet_bt_exec *x,
				   const struct duet_x86_operand *op,
				   const struct bt_mem *m, u64 *val)
{
	switch (op->type) {
	case DUET_X86_OP_REG:
		*val = bt_reg_get(x->st, op);
		return 0;
	case DUET_X86_OP_IMM:
		*val = op->imm;
		return 0;
	default:
		return bt_mem_read(x, m, val);
	}
}

static __always_inline int bt_store(struct duet_bt_exec *x,
				    const struct duet_x86_operand *op,
				    const struct bt_mem *m, u64 val)
{
	if (op->type == DUET_X86_OP_REG) {
		bt_reg_set(x->st, op, val);
		return 0;
	}
	return bt_mem_write(x, m, val & bt_mask(op->size));
}

/* Data movement ---------------------------------------------------------- */

static int bt_h_mov(struct duet_bt_exec *x, const struct duet_bt_insn *bi)
{
	const struct duet_x86_insn *in = &bi->insn;
	struct bt_mem m;
	u64 v;
	int r;

	r = bt_prepare_mem(x, in, in->ops[0].type == DUET_X86_OP_MEM, &m);
	if (!r)
		r = bt_load(x, &in->ops[1], &m, &v);
	return r ? r : bt_store(x, &in->ops[0], &m, v);
}

/* MOVZX, MOVSX, MOVSXD: bi->sub is true for the sign-extending ones. */
static int bt_h_movx(struct duet_bt_exec *x, const struct duet_bt_insn *bi)
{
	const struct duet_x86_insn *in = &bi->insn;
	struct bt_mem m;
	u64 v;
	int r;

	r = bt_prepare_mem(x, in, false, &m);
	if (!r)
		r = bt_load(x, &in->ops[1], &m, &v);
	if (r)
		return r;
	if (bi->sub)
		v = bt_sext(v, in->ops[1].size);
	bt_reg_set(x->st, &in->ops[0], v);
	return 0;
}

static int bt_h_lea(struct duet_bt_exec *x, const struct duet_bt_insn *bi)
{
	bt_reg_set(x->st, &bi->insn.ops[0], bt_ea(x->st, &bi->insn));
	return 0;
}

/* CBW/CWDE/CDQE (98) and CWD/CDQ/CQO (99). */
static int bt_h_cdq(struct duet_bt_exec *x, const struct duet_bt_insn *bi)
{
	struct duet_bt_state *st = x->st;
	unsigned int size = bi->insn.opsize;

	if (bi->insn.opcode == 0x98) {
		bt_gpr_set(st, 0, size, bt_sext(st->gpr[0], size / 2));
		return 0;
	}
	bt_gpr_set(st, 2, size,
		   bt_sext(st->gpr[0], size) >> 63 ? ~0ULL : 0);
	return 0;
}

static int bt_h_nop(struct duet_bt_exec *x, const struct duet_bt_insn *bi)
{
	return 0;
}

/* ALU ---------------------------------------------------------------------- */

/*
 * ADD ... CMP, TEST, INC, DEC, NOT, NEG and BT* with a register operand
 * or without LOCK: read, compute, store (not for CMP, TEST, BT).
 */
static int bt_alu(struct duet_bt_exec *x, const struct duet_x86_insn *in,
		  const struct duet_x86_operand *dst, u64 src, bool store,
		  struct bt_mem *m)
{
	u64 d, fl = x->st->rflags;
	int r;

	r = bt_load(x, dst, m, &d);
	if (r)
		return r;
	d = duet_emu_alu(in->kind, dst->size, d, src, &fl);
	if (store) {
		r = bt_store(x, dst, m, d);
		if (r)
			return r;
	}
	x->st->rflags = fl;
	return 0;
}

/* The same, locked: memory destination, read-compute-cmpxchg loop. */
static int bt_alu_locked(struct duet_bt_exec *x, const struct duet_x86_insn *in,
			 const struct duet_x86_operand *dst, u64 src,
			 struct bt_mem *m)
{
	u64 old, new, fl;
	int r;

	do {
		r = bt_mem_read(x, m, &old);
		if (r)
			return r;
		fl = x->st->rflags;
		new = duet_emu_alu(in->kind, dst->size, old, src, &fl);
		r = bt_mem_cmpxchg(x, m, old, new);
	} while (r == -EAGAIN);
	if (r)
		return r;
	x->st->rflags = fl;
	return 0;
}

static __always_inline bool bt_alu_stores(unsigned int kind)
{
	return kind != DUET_X86_CMP && kind != DUET_X86_TEST &&
	       kind != DUET_X86_BT;
}

/* Two-operand ALU and TEST; unary INC/DEC/NOT/NEG (one operand). */
static int bt_h_alu(struct duet_bt_exec *x, const struct duet_bt_insn *bi)
{
	const struct duet_x86_insn *in = &bi->insn;
	const struct duet_x86_operand *dst = &in->ops[0];
	bool store = bt_alu_stores(in->kind);
	struct bt_mem m;
	u64 src = 0;
	int r;

	r = bt_prepare_mem(x, in, store && dst->type == DUET_X86_OP_MEM, &m);
	if (!r && in->nr_ops > 1)
		r = bt_load(x, &in->ops[1], &m, &src);
	if (r)
		return r;
	if (in->lock)
		return bt_alu_locked(x, in, dst, src, &m);
	return bt_alu(x, in, dst, src, store, &m);
}

/*
 * BT/BTS/BTR/BTC.  A register bit offset into memory is signed and
 * selects the operand-sized word at EA + (offset SAR log2(width)) * size
 * (SDM "Bit(BitBase, BitOffset)"); an imm8 offset, and any offset into a
 * register, is taken modulo the width.
 */
static int bt_h_bt(struct duet_bt_exec *x, const struct duet_bt_insn *bi)
{
	const struct duet_x86_insn *in = &bi->insn;
	const struct duet_x86_operand *dst = &in->ops[0];
	unsigned int size = dst->size, width = 8 * size;
	bool store = bt_alu_stores(in->kind);
	struct bt_mem m;
	u64 off, ea;
	s64 soff;
	int r;

	r = bt_load(x, &in->ops[1], NULL, &off);
	if (r)
		return r;
	if (dst->type != DUET_X86_OP_MEM)
		return bt_alu(x, in, dst, off, store, NULL);
	ea = bt_ea(x->st, in);
	if (in->ops[1].type == DUET_X86_OP_REG) {
		soff = (s64)bt_sext(off, in->ops[1].size);
		ea = (ea + (u64)((soff >> ilog2(width)) * (s64)size)) &
		     bt_mask(in->addrsize);
	}
	off &= width - 1;
	r = bt_resolve_ea(x, in, ea, size, store, &m);
	if (r)
		return r;
	if (in->lock)
		return bt_alu_locked(x, in, dst, off, &m);
	return bt_alu(x, in, dst, off, store, &m);
}

/* Exchanges ---------------------------------------------------------------- */

/* XCHG: with memory always locked (SDM). */
static int bt_h_xchg(struct duet_bt_exec *x, const struct duet_bt_insn *bi)
{
	const struct duet_x86_insn *in = &bi->insn;
	const struct duet_x86_operand *a = &in->ops[0], *b = &in->ops[1];
	struct bt_mem m;
	u64 old, v;
	int r;

	if (a->type == DUET_X86_OP_REG) {
		old = bt_reg_get(x->st, a);
		bt_reg_set(x->st, a, bt_reg_get(x->st, b));
		bt_reg_set(x->st, b, old);
		return 0;
	}
	r = bt_prepare_mem(x, in, true, &m);
	if (r)
		return r;
	v = bt_reg_get(x->st, b);
	do {
		r = bt_mem_read(x, &m, &old);
		if (r)
			return r;
		r = bt_mem_cmpxchg(x, &m, old, v);
	} while (r == -EAGAIN);
	if (r)
		return r;
	bt_reg_set(x->st, b, old);
	return 0;
}

/* XADD: TEMP = SRC + DEST; SRC = DEST; DEST = TEMP (SDM). */
static int bt_h_xadd(struct duet_bt_exec *x, const struct duet_bt_insn *bi)
{
	const struct duet_x86_insn *in = &bi->insn;
	const struct duet_x86_operand *dst = &in->ops[0], *src = &in->ops[1];
	unsigned int size = dst->size;
	u64 d, s, sum, fl;
	struct bt_mem m;
	int r;

	r = bt_prepare_mem(x, in, true, &m);
	if (r)
		return r;
	s = bt_reg_get(x->st, src);
	do {
		r = bt_load(x, dst, &m, &d);
		if (r)
			return r;
		fl = x->st->rflags;
		sum = duet_emu_alu(DUET_X86_ADD, size, d, s, &fl);
		if (dst->type != DUET_X86_OP_MEM)
			break;
		if (in->lock)
			r = bt_mem_cmpxchg(x, &m, d, sum);
		else
			r = bt_mem_write(x, &m, sum);
	} while (r == -EAGAIN);
	if (r)
		return r;
	bt_reg_set(x->st, src, d);
	if (dst->type != DUET_X86_OP_MEM)
		bt_reg_set(x->st, dst, sum);
	x->st->rflags = fl;
	return 0;
}

/*
 * CMPXCHG: compare rAX with DEST (flags of CMP rAX, DEST); equal: DEST =
 * SRC, else rAX = DEST.  A register DEST is left alone on failure, not
 * even zero-extended, and rAX on success (as 64-bit CPUs do; the SDM's
 * pseudocode writes both).  With memory, the compare and store are one
 * ops->cmpxchg() whether or not LOCK is given (the CPU writes DEST back
 * in both cases; doing it atomically is never wrong).
 */
static int bt_h_cmpxchg(struct duet_bt_exec *x, const struct duet_bt_insn *bi)
{
	const struct duet_x86_insn *in = &bi->insn;
	const struct duet_x86_operand *dst = &in->ops[0];
	unsigned int size = dst->size;
	struct duet_bt_state *st = x->st;
	u64 acc = st->gpr[0] & bt_mask(size), d, s, fl;
	struct bt_mem m;
	int r;

	r = bt_prepare_mem(x, in, true, &m);
	if (r)
		return r;
	s = bt_reg_get(st, &in->ops[1]);
	for (;;) {
		r = bt_load(x, dst, &m, &d);
		if (r)
			return r;
		if (d != acc || dst->type != DUET_X86_OP_MEM)
			break;
		r = bt_mem_cmpxchg(x, &m, acc, s);
		if (r != -EAGAIN)
			break;
	}
	if (r)
		return r;
	fl = st->rflags;
	duet_emu_alu(DUET_X86_CMP, size, acc, d, &fl);
	st->rflags = fl;
	if (d == acc) {
		if (dst->type != DUET_X86_OP_MEM)
			bt_reg_set(st, dst, s);
		return 0;
	}
	bt_gpr_set(st, 0, size, d);
	return 0;
}

static int bt_h_setcc(struct duet_bt_exec *x, const struct duet_bt_insn *bi)
{
	const struct duet_x86_insn *in = &bi->insn;
	struct bt_mem m;
	int r;

	r = bt_prepare_mem(x, in, true, &m);
	if (r)
		return r;
	return bt_store(x, &in->ops[0], &m, bt_cond(in->cc, x->st->rflags));
}

/* CMOVcc reads its source in any case, and a dword DEST is zero-extended. */
static int bt_h_cmovcc(struct duet_bt_exec *x, const struct duet_bt_insn *bi)
{
	const struct duet_x86_insn *in = &bi->insn;
	const struct duet_x86_operand *dst = &in->ops[0];
	struct bt_mem m;
	u64 v;
	int r;

	r = bt_prepare_mem(x, in, false, &m);
	if (!r)
		r = bt_load(x, &in->ops[1], &m, &v);
	if (r)
		return r;
	if (!bt_cond(in->cc, x->st->rflags))
		v = bt_reg_get(x->st, dst);
	bt_reg_set(x->st, dst, v);
	return 0;
}

/* Shifts and rotates (C0 C1 D0-D3), bi->sub = ModRM.reg --------------------- */

#define BT_SH(op)							\
	asm("bt $0, %[c]\n\t" op " %%cl, %[d]\n\tpushf\n\tpop %[f]"	\
	    : [d] "+r"(d), [f] "=r"(f) : "c"(cnt), [c] "r"(cin) : "cc")

#define BT_SHIFT_BODY							\
do {									\
	switch (op) {							\
	case 0:								\
		BT_SH("rol");						\
		break;							\
	case 1:								\
		BT_SH("ror");						\
		break;							\
	case 2:								\
		BT_SH("rcl");						\
		break;							\
	case 3:								\
		BT_SH("rcr");						\
		break;							\
	case 4:								\
	case 6:								\
		BT_SH("shl");						\
		break;							\
	case 5:								\
		BT_SH("shr");						\
		break;							\
	default:							\
		BT_SH("sar");						\
		break;							\
	}								\
} while (0)

static u8 bt_shift_u8(unsigned int op, u8 d, u8 cnt, unsigned long cin,
		      unsigned long *fp)
{
	unsigned long f;

	BT_SHIFT_BODY;
	*fp = f;
	return d;
}

static u16 bt_shift_u16(unsigned int op, u16 d, u8 cnt, unsigned long cin,
			unsigned long *fp)
{
	unsigned long f;

	BT_SHIFT_BODY;
	*fp = f;
	return d;
}

static u32 bt_shift_u32(unsigned int op, u32 d, u8 cnt, unsigned long cin,
			unsigned long *fp)
{
	unsigned long f;

	BT_SHIFT_BODY;
	*fp = f;
	return d;
}

static u64 bt_shift_u64(unsigned int op, u64 d, u8 cnt, unsigned long cin,
			unsigned long *fp)
{
	unsigned long f;

	BT_SHIFT_BODY;
	*fp = f;
	return d;
}

static int bt_h_shift(struct duet_bt_exec *x, const struct duet_bt_insn *bi)
{
	const struct duet_x86_insn *in = &bi->insn;
	const struct duet_x86_operand *dst = &in->ops[0];
	unsigned int size = dst->size;
	u64 d, fl = x->st->rflags, defined;
	unsigned long f = 0, cin = fl & X86_EFLAGS_CF;
	struct bt_mem m;
	u8 cnt;
	int r;

	if (in->opcode == 0xc0 || in->opcode == 0xc1)
		cnt = in->imm;
	else if (in->opcode == 0xd0 || in->opcode == 0xd1)
		cnt = 1;
	else
		cnt = x->st->gpr[1];
	cnt &= size == 8 ? 0x3f : 0x1f;
	r = bt_prepare_mem(x, in, true, &m);
	if (!r)
		r = bt_load(x, dst, &m, &d);
	if (r)
		return r;
	/* A masked count of 0 changes no flag; the write still happens. */
	if (cnt) {
		switch (size) {
		case 1:
			d = bt_shift_u8(bi->sub, d, cnt, cin, &f);
			break;
		case 2:
			d = bt_shift_u16(bi->sub, d, cnt, cin, &f);
			break;
		case 4:
			d = bt_shift_u32(bi->sub, d, cnt, cin, &f);
			break;
		default:
			d = bt_shift_u64(bi->sub, d, cnt, cin, &f);
			break;
		}
		/* Rotates write only CF and OF (SDM). */
		defined = bi->sub < 4 ? X86_EFLAGS_CF | X86_EFLAGS_OF : BT_ARITH;
		fl = (fl & ~defined) | (f & defined);
	}
	r = bt_store(x, dst, &m, d);
	if (r)
		return r;
	x->st->rflags = fl;
	return 0;
}

/* Multiply and divide ----------------------------------------------------- */

/* IMUL r, r/m (0F AF) and IMUL r, r/m, imm (69, 6B). */
static int bt_h_imul2(struct duet_bt_exec *x, const struct duet_bt_insn *bi)
{
	const struct duet_x86_insn *in = &bi->insn;
	unsigned int size = in->ops[0].size;
	unsigned long f;
	struct bt_mem m;
	u64 a, b, fl;
	int r;

	r = bt_prepare_mem(x, in, false, &m);
	if (!r)
		r = bt_load(x, &in->ops[1], &m, &a);
	if (r)
		return r;
	b = in->nr_ops > 2 ? in->ops[2].imm : bt_reg_get(x->st, &in->ops[0]);
	if (size == 2) {
		u16 d = a, s = b;

		asm("imul %[s], %[d]\n\tpushf\n\tpop %[f]"
		    : [d] "+r"(d), [f] "=r"(f) : [s] "r"(s) : "cc");
		a = d;
	} else if (size == 4) {
		u32 d = a, s = b;

		asm("imul %[s], %[d]\n\tpushf\n\tpop %[f]"
		    : [d] "+r"(d), [f] "=r"(f) : [s] "r"(s) : "cc");
		a = d;
	} else {
		asm("imul %[s], %[d]\n\tpushf\n\tpop %[f]"
		    : [d] "+r"(a), [f] "=r"(f) : [s] "r"(b) : "cc");
	}
	fl = x->st->rflags;
	x->st->rflags = (fl & ~BT_ARITH) | (f & BT_ARITH);
	bt_reg_set(x->st, &in->ops[0], a);
	return 0;
}

/* The operand size comes from the registers' types. */
#define BT_MD(op)							\
	asm(op " %[s]\n\tpushf\n\tpop %[f]"				\
	    : "+a"(a), "+d"(d), [f] "=r"(f) : [s] "r"(s) : "cc")

#define BT_MD_BODY							\
do {									\
	switch (op) {							\
	case 4:								\
		BT_MD("mul");						\
		break;							\
	case 5:								\
		BT_MD("imul");					\
		break;							\
	case 6:								\
		BT_MD("div");					\
		break;							\
	default:							\
		BT_MD("idiv");					\
		break;							\
	}								\
} while (0)

/*
 * Would DIV/IDIV of @hi:@lo by @s (@size-byte operands) raise #DE?  The
 * quotient must fit the operand (SDM "DIV", "IDIV").  Checked here, in
 * C, so the host never divides what would fault.
 */
static bool bt_div_faults(bool sign, unsigned int size, u64 hi, u64 lo, u64 s)
{
	unsigned int bits = 8 * size;
	u64 ahi = hi, alo = lo, as = s, q, rem, lim;
	bool neg = false;

	if (!s)
		return true;
	if (!sign)
		return hi >= s;
	/* Magnitudes of the 2n-bit dividend and the n-bit divisor. */
	if (bt_sext(hi, size) >> 63) {
		neg = true;
		alo = (~lo + 1) & bt_mask(size);
		ahi = (~hi + (alo == 0)) & bt_mask(size);
	}
	if (bt_sext(s, size) >> 63) {
		neg = !neg;
		as = (~s + 1) & bt_mask(size);
	}
	if (ahi >= as)
		return true;
	if (size == 8) {
		q = alo;
		rem = ahi;
		asm("divq %[s]" : "+a"(q), "+d"(rem) : [s] "r"(as));
	} else {
		q = ((ahi << bits) | alo) / as;
	}
	lim = 1ULL << (bits - 1);
	return neg ? q > lim : q >= lim;
}

/* MUL, IMUL, DIV, IDIV with one operand (F6/F7 /4-/7), bi->sub = /r. */
static int bt_h_muldiv(struct duet_bt_exec *x, const struct duet_bt_insn *bi)
{
	const struct duet_x86_insn *in = &bi->insn;
	struct duet_bt_state *st = x->st;
	unsigned int size = in->ops[0].size, op = bi->sub;
	u64 src, hi, lo, fl;
	unsigned long f;
	struct bt_mem m;
	int r;

	r = bt_prepare_mem(x, in, false, &m);
	if (!r)
		r = bt_load(x, &in->ops[0], &m, &src);
	if (r)
		return r;
	if (size == 1) {
		hi = (st->gpr[0] >> 8) & 0xff;
		lo = st->gpr[0] & 0xff;
	} else {
		hi = st->gpr[2] & bt_mask(size);
		lo = st->gpr[0] & bt_mask(size);
	}
	if (op >= 6 && bt_div_faults(op == 7, size, hi, lo, src))
		return bt_fault(x, X86_TRAP_DE, false, 0);

	switch (size) {
	case 1: {
		/* AX = AL * src; AL, AH = AX / src: no rDX involved. */
		u16 a = st->gpr[0];
		u8 s = src;

		switch (op) {
		case 4:
			asm("mulb %[s]\n\tpushf\n\tpop %[f]"
			    : "+a"(a), [f] "=r"(f) : [s] "q"(s) : "cc");
			break;
		case 5:
			asm("imulb %[s]\n\tpushf\n\tpop %[f]"
			    : "+a"(a), [f] "=r"(f) : [s] "q"(s) : "cc");
			break;
		case 6:
			asm("divb %[s]\n\tpushf\n\tpop %[f]"
			    : "+a"(a), [f] "=r"(f) : [s] "q"(s) : "cc");
			break;
		default:
			asm("idivb %[s]\n\tpushf\n\tpop %[f]"
			    : "+a"(a), [f] "=r"(f) : [s] "q"(s) : "cc");
			break;
		}
		bt_gpr_set(st, 0, 2, a);
		break;
	}
	case 2: {
		u16 a = lo, d = hi, s = src;

		BT_MD_BODY;
		bt_gpr_set(st, 0, 2, a);
		bt_gpr_set(st, 2, 2, d);
		break;
	}
	case 4: {
		u32 a = lo, d = hi, s = src;

		BT_MD_BODY;
		bt_gpr_set(st, 0, 4, a);
		bt_gpr_set(st, 2, 4, d);
		break;
	}
	default: {
		u64 a = lo, d = hi, s = src;

		BT_MD_BODY;
		st->gpr[0] = a;
		st->gpr[2] = d;
		break;
	}
	}
	fl = st->rflags;
	st->rflags = (fl & ~BT_ARITH) | (f & BT_ARITH);
	return 0;
}

/* Stack -------------------------------------------------------------------- */

/* Push @v (@size bytes): the slot is translated before anything changes. */
static int bt_push(struct duet_bt_exec *x, u64 v, unsigned int size)
{
	u64 rsp = x->st->gpr[RSP] - size;
	struct bt_mem m;
	int r;

	r = bt_resolve_stack(x, rsp, size, true, &m);
	if (!r)
		r = bt_mem_write(x, &m, v);
	if (r)
		return r;
	x->st->gpr[RSP] = rsp;
	return 0;
}

static int bt_h_push(struct duet_bt_exec *x, const struct duet_bt_insn *bi)
{
	const struct duet_x86_insn *in = &bi->insn;
	struct bt_mem m;
	u64 v;
	int r;

	r = bt_prepare_mem(x, in, false, &m);
	if (!r)
		r = bt_load(x, &in->ops[0], &m, &v);
	return r ? r : bt_push(x, v, in->opsize);
}

/*
 * PUSHF: the flags image with VM and RF cleared (SDM "PUSHF"); 64-bit
 * mode has no virtual-8086 IOPL check.  Run here rather than stepped in
 * hardware, where the image would carry the TF of duet's own step.
 */
static int bt_h_pushf(struct duet_bt_exec *x, const struct duet_bt_insn *bi)
{
	u64 v = x->st->rflags & ~(u64)(X86_EFLAGS_VM | X86_EFLAGS_RF);

	return bt_push(x, v, bi->insn.opsize);
}

/*
 * POP: the value is read and a memory destination translated before
 * RSP moves; a destination addressed through RSP uses the incremented
 * RSP, and POP RSP leaves the popped value in RSP (SDM "POP").
 */
static int bt_h_pop(struct duet_bt_exec *x, const struct duet_bt_insn *bi)
{
	const struct duet_x86_insn *in = &bi->insn;
	const struct duet_x86_operand *dst = &in->ops[0];
	unsigned int size = in->opsize;
	u64 rsp = x->st->gpr[RSP], v;
	struct bt_mem s, m;
	int r;

	r = bt_resolve_stack(x, rsp, size, false, &s);
	if (!r)
		r = bt_mem_read(x, &s, &v);
	if (!r && dst->type == DUET_X86_OP_MEM)
		r = bt_resolve_ea(x, in, bt_ea_rsp(x->st, in, rsp + size),
				  size, true, &m);
	if (!r && dst->type == DUET_X86_OP_MEM)
		r = bt_mem_write(x, &m, v);
	if (r)
		return r;
	x->st->gpr[RSP] = rsp + size;
	if (dst->type == DUET_X86_OP_REG)
		bt_reg_set(x->st, dst, v);
	return 0;
}

/* LEAVE: RSP = RBP, then POP RBP. */
static int bt_h_leave(struct duet_bt_exec *x, const struct duet_bt_insn *bi)
{
	struct duet_bt_state *st = x->st;
	u64 rbp = st->gpr[RBP], v;
	struct bt_mem s;
	int r;

	r = bt_resolve_stack(x, rbp, 8, false, &s);
	if (!r)
		r = bt_mem_read(x, &s, &v);
	if (r)
		return r;
	st->gpr[RSP] = rbp + 8;
	st->gpr[RBP] = v;
	return 0;
}

/* Control transfers -------------------------------------------------------- */

/* A near branch to a non-canonical target is #GP(0) at the branch. */
static int bt_jump(struct duet_bt_exec *x, u64 target)
{
	if (!bt_canonical(x->st, target))
		return bt_fault(x, X86_TRAP_GP, true, 0);
	x->st->rip = target;
	return DUET_BT_JUMP;
}

/* The target of a near JMP/CALL: rel32 or r/m64. */
static int bt_target(struct duet_bt_exec *x, const struct duet_x86_insn *in,
		     u64 *target)
{
	const struct duet_x86_operand *op = &in->ops[0];
	struct bt_mem m;
	int r;

	if (op->type == DUET_X86_OP_REL) {
		*target = op->imm;
		return 0;
	}
	r = bt_prepare_mem(x, in, false, &m);
	return r ? r : bt_load(x, op, &m, target);
}

static int bt_h_jmp(struct duet_bt_exec *x, const struct duet_bt_insn *bi)
{
	u64 target;
	int r;

	r = bt_target(x, &bi->insn, &target);
	return r ? r : bt_jump(x, target);
}

static int bt_h_call(struct duet_bt_exec *x, const struct duet_bt_insn *bi)
{
	const struct duet_x86_insn *in = &bi->insn;
	u64 rsp = x->st->gpr[RSP] - 8, target;
	struct bt_mem s;
	int r;

	r = bt_target(x, in, &target);
	if (r)
		return r;
	if (!bt_canonical(x->st, target))
		return bt_fault(x, X86_TRAP_GP, true, 0);
	r = bt_resolve_stack(x, rsp, 8, true, &s);
	if (!r)
		r = bt_mem_write(x, &s, in->rip + in->len);
	if (r)
		return r;
	x->st->gpr[RSP] = rsp;
	x->st->rip = target;
	return DUET_BT_JUMP;
}

static int bt_h_ret(struct duet_bt_exec *x, const struct duet_bt_insn *bi)
{
	const struct duet_x86_insn *in = &bi->insn;
	u64 rsp = x->st->gpr[RSP], target;
	struct bt_mem s;
	int r;

	r = bt_resolve_stack(x, rsp, 8, false, &s);
	if (!r)
		r = bt_mem_read(x, &s, &target);
	if (r)
		return r;
	if (!bt_canonical(x->st, target))
		return bt_fault(x, X86_TRAP_GP, true, 0);
	x->st->gpr[RSP] = rsp + 8 + (in->nr_ops ? in->ops[0].imm : 0);
	x->st->rip = target;
	return DUET_BT_JUMP;
}

static int bt_h_jcc(struct duet_bt_exec *x, const struct duet_bt_insn *bi)
{
	if (!bt_cond(bi->insn.cc, x->st->rflags))
		return DUET_BT_NEXT;
	return bt_jump(x, bi->insn.ops[0].imm);
}

/* LOOP, LOOPE, LOOPNE, JRCXZ: rCX of the address size, no flags. */
static int bt_h_loop(struct duet_bt_exec *x, const struct duet_bt_insn *bi)
{
	const struct duet_x86_insn *in = &bi->insn;
	struct duet_bt_state *st = x->st;
	unsigned int asz = in->addrsize;
	u64 cx = st->gpr[1] & bt_mask(asz);
	bool zf = st->rflags & X86_EFLAGS_ZF, taken;

	if (in->kind == DUET_X86_JRCXZ) {
		taken = !cx;
	} else {
		cx = (cx - 1) & bt_mask(asz);
		taken = cx != 0;
		if (in->kind == DUET_X86_LOOPE)
			taken = taken && zf;
		else if (in->kind == DUET_X86_LOOPNE)
			taken = taken && !zf;
	}
	if (taken && !bt_canonical(st, in->ops[0].imm))
		return bt_fault(x, X86_TRAP_GP, true, 0);
	if (in->kind != DUET_X86_JRCXZ)
		bt_gpr_set(st, 1, asz, cx);
	if (!taken)
		return DUET_BT_NEXT;
	st->rip = in->ops[0].imm;
	return DUET_BT_JUMP;
}

/* Handler selection -------------------------------------------------------- */

/* Describe the ModRM r/m operand of an instruction the decoder left OTHER. */
static void bt_set_rm(struct duet_x86_insn *in, unsigned int i,
		      unsigned int size)
{
	struct duet_x86_operand *op = &in->ops[i];

	*op = (struct duet_x86_operand){ .size = size };
	if (in->mem) {
		op->type = DUET_X86_OP_MEM;
		return;
	}
	op->type = DUET_X86_OP_REG;
	op->reg = in->rm;
	op->high8 = size == 1 && !in->rex && in->rm >= 4 && in->rm < 8;
}

static void bt_set_reg(struct duet_x86_insn *in, unsigned int i,
		       unsigned int size)
{
	in->ops[i] = (struct duet_x86_operand){
		.type = DUET_X86_OP_REG, .size = size, .reg = in->reg,
	};
}

/* The decoder's OTHER instructions BT runs: by opcode. */
static duet_bt_handler_t bt_prepare_other(struct duet_bt_insn *bi)
{
	struct duet_x86_insn *in = &bi->insn;
	unsigned int reg = (in->modrm >> 3) & 7;
	unsigned int bsize = in->opcode & 1 ? in->opsize : 1;

	if (in->map == DUET_X86_MAP_0F) {
		if (in->opcode != 0xaf)
			return NULL;
		bt_set_reg(in, 0, in->opsize);
		bt_set_rm(in, 1, in->opsize);
		in->nr_ops = 2;
		return bt_h_imul2;
	}
	if (in->map != DUET_X86_MAP_ONE)
		return NULL;
	switch (in->opcode) {
	case 0x69:
	case 0x6b:
		bt_set_reg(in, 0, in->opsize);
		bt_set_rm(in, 1, in->opsize);
		in->ops[2] = (struct duet_x86_operand){
			.type = DUET_X86_OP_IMM, .size = in->opsize,
			.imm = in->imm & bt_mask(in->opsize),
		};
		in->nr_ops = 3;
		return bt_h_imul2;
	case 0x98:
	case 0x99:
		return bt_h_cdq;
	case 0xc9:
		return in->opsize == 8 ? bt_h_leave : NULL;
	case 0xc0:
	case 0xc1:
	case 0xd0 ... 0xd3:
		bt_set_rm(in, 0, bsize);
		in->nr_ops = 1;
		bi->sub = reg;
		return bt_h_shift;
	case 0xf6:
	case 0xf7:
		if (reg < 4)
			return NULL;
		bt_set_rm(in, 0, bsize);
		in->nr_ops = 1;
		bi->sub = reg;
		return bt_h_muldiv;
	}
	return NULL;
}

static bool bt_ops_plain(const struct duet_x86_insn *in)
{
	unsigned int i;

	for (i = 0; i < in->nr_ops; i++) {
		const struct duet_x86_operand *op = &in->ops[i];

		if (op->type == DUET_X86_OP_STR_SRC ||
		    op->type == DUET_X86_OP_STR_DST)
			return false;
		if (op->type == DUET_X86_OP_REG &&
		    op->reg_class != DUET_X86_REG_GPR)
			return false;
	}
	return true;
}

static duet_bt_handler_t bt_prepare_kind(struct duet_bt_insn *bi)
{
	struct duet_x86_insn *in = &bi->insn;
	unsigned int reg = (in->modrm >> 3) & 7;

	switch (in->kind) {
	case DUET_X86_MOV:
		return bt_h_mov;
	case DUET_X86_MOVZX:
		return bt_h_movx;
	case DUET_X86_MOVSX:
	case DUET_X86_MOVSXD:
		bi->sub = 1;
		return bt_h_movx;
	case DUET_X86_LEA:
		return in->mem ? bt_h_lea : NULL;
	case DUET_X86_ADD ... DUET_X86_NEG:
		/* FE /2-/7 are invalid; F6/F7 /1 is an alias of TEST. */
		if (in->opcode == 0xfe && reg >= 2)
			return NULL;
		return bt_h_alu;
	case DUET_X86_BT ... DUET_X86_BTC:
		if (in->map == DUET_X86_MAP_0F && in->opcode == 0xba && reg < 4)
			return NULL;
		return bt_h_bt;
	case DUET_X86_XCHG:
		return bt_h_xchg;
	case DUET_X86_XADD:
		return bt_h_xadd;
	case DUET_X86_CMPXCHG:
		return bt_h_cmpxchg;
	case DUET_X86_SETCC:
		return bt_h_setcc;
	case DUET_X86_CMOVCC:
		return bt_h_cmovcc;
	case DUET_X86_PUSH:
		return in->opsize == 8 || in->opsize == 2 ? bt_h_push : NULL;
	case DUET_X86_POP:
		if (in->opcode == 0x8f && reg)
			return NULL;
		return in->opsize == 8 || in->opsize == 2 ? bt_h_pop : NULL;
	case DUET_X86_PUSHF:
		return in->opsize == 8 || in->opsize == 2 ? bt_h_pushf : NULL;
	case DUET_X86_NOP:
	case DUET_X86_PAUSE:
		return bt_h_nop;
	}
	bi->ends = true;
	/* Near branches with a 66 prefix (rel16, 16-bit RIP) run in hardware. */
	if (in->opsize != 8)
		return NULL;
	switch (in->kind) {
	case DUET_X86_JMP:
		return bt_h_jmp;
	case DUET_X86_CALL:
		return bt_h_call;
	case DUET_X86_RET:
		return bt_h_ret;
	case DUET_X86_JCC:
		return bt_h_jcc;
	case DUET_X86_LOOP:
	case DUET_X86_LOOPE:
	case DUET_X86_LOOPNE:
	case DUET_X86_JRCXZ:
		return bt_h_loop;
	}
	return NULL;
}

/*
 * Choose the handler of @bi->insn (completing its operand descriptors
 * where the decoder has none); false when the instruction must run in
 * hardware: privileged and sensitive kinds, everything the decoder calls
 * OTHER and is not handled above, and encodings that raise #UD (so the
 * CPU raises it).
 */
bool duet_bt_prepare(struct duet_bt_insn *bi)
{
	struct duet_x86_insn *in = &bi->insn;
	duet_bt_handler_t fn;

	if (in->mode != DUET_X86_MODE_64 || in->ud || in->vex.kind)
		return false;
	/* F2/F3 pick other instructions in the 0F map (POPCNT, TZCNT...). */
	if (in->rep && in->map != DUET_X86_MAP_ONE)
		return false;
	if (in->kind == DUET_X86_OTHER)
		fn = bt_prepare_other(bi);
	else if (!bt_ops_plain(in))
		fn = NULL;
	else
		fn = bt_prepare_kind(bi);
	bi->fn = fn;
	return fn;
}
EXPORT_SYMBOL_IF_DUET_KUNIT(duet_bt_prepare);

/* The run loop ------------------------------------------------------------- */

enum { BT_CONTINUE = -1 };

/*
 * Open or close a vulnerable segment before the instruction @bi; non-zero
 * when the caller could not open it (the run stops before @bi).
 */
static __always_inline int bt_segment(struct duet_bt_exec *x,
				      const struct duet_bt_insn *bi)
{
	struct duet_bt_ctx *ctx = x->ctx;

	if (bi->vuln == ctx->in_segment)
		return 0;
	if (bi->vuln) {
		if (ctx->ops->segment_enter &&
		    ctx->ops->segment_enter(ctx, bi->insn.rip, bi->seg_id))
			return 1;
		ctx->stats->segments_entered++;
	} else if (ctx->ops->segment_exit) {
		ctx->ops->segment_exit(ctx, bi->insn.rip);
	}
	ctx->in_segment = bi->vuln;
	return 0;
}

/*
 * Run @blk from its first instruction; *@done counts instructions against
 * @budget, *@slot says how the block ended (0 branch taken, 1 not taken).
 */
static int bt_run_block(struct duet_bt_exec *x, struct duet_bt_block *blk,
			u64 *done, u64 budget, unsigned int *slot)
{
	struct duet_bt_state *st = x->st;
	unsigned int i;
	int r;

	*slot = 1;
	for (i = 0; i < blk->nr; i++) {
		const struct duet_bt_insn *bi = &blk->insns[i];

		if (*done >= budget)
			return DUET_BT_EXIT_BUDGET;
		if (bt_segment(x, bi))
			return DUET_BT_EXIT_LEAVE;
		r = bi->fn(x, bi);
		switch (r) {
		case DUET_BT_NEXT:
			st->rip = bi->insn.rip + bi->insn.len;
			break;
		case DUET_BT_JUMP:
			*slot = 0;
			break;
		case DUET_BT_FAULT:
			return DUET_BT_EXIT_FAULT;
		case DUET_BT_HW:
			return DUET_BT_EXIT_HW_STEP;
		default:
			return DUET_BT_EXIT_ERROR;
		}
		/* The CPU clears RF once an instruction completes (SDM). */
		st->rflags &= ~(u64)X86_EFLAGS_RF;
		(*done)++;
		/* A store into the block's own code: refetch from here. */
		if (READ_ONCE(blk->dead))
			break;
	}
	/* A block cut short of its end runs on by lookup, not by link. */
	if (i < blk->nr)
		*slot = 2;
	return BT_CONTINUE;
}

/* The block at st->rip, from the cache or translated: 0 or an exit. */
static int bt_get_block(struct duet_bt_exec *x, struct duet_bt_block **out,
			u64 *gen)
{
	struct duet_bt_ctx *ctx = x->ctx;
	struct duet_bt_state *st = x->st;
	struct duet_bt_block *blk;
	u64 gpa, since;
	int r;

	r = ctx->ops->translate(ctx, st->rip,
				DUET_PFERR_FETCH |
				(st->cpl == 3 ? DUET_PFERR_USER : 0),
				&gpa, &ctx->fault);
	if (r > 0)
		return DUET_BT_EXIT_FAULT;
	/* Page tables outside RAM: hardware decides (an MMIO exit). */
	if (r == -ENOENT || r == -EPERM)
		return DUET_BT_EXIT_HW_STEP;
	if (r < 0) {
		ctx->error = r;
		return DUET_BT_EXIT_ERROR;
	}
	blk = duet_bt_cache_lookup(ctx->cache, gpa, st->rip, st->mode,
				   ctx->detect, gen);
	/* A block over two pages is only valid while the second maps alike. */
	if (blk && blk->gfn[1] != DUET_BT_NO_PAGE) {
		u64 la2 = (st->rip | ~PAGE_MASK) + 1, gpa2;

		r = ctx->ops->translate(ctx, la2, DUET_PFERR_FETCH |
					(st->cpl == 3 ? DUET_PFERR_USER : 0),
					&gpa2, &ctx->fault);
		if (r || gpa2 >> PAGE_SHIFT != blk->gfn[1])
			blk = NULL;
	}
	if (blk) {
		ctx->stats->cache_hits++;
		*out = blk;
		return 0;
	}
	/* Protected before the bytes are read: a later write invalidates. */
	if (ctx->ops->code_page)
		ctx->ops->code_page(ctx, gpa >> PAGE_SHIFT);
	since = duet_bt_cache_wgen(ctx->cache);
	r = duet_bt_translate(x, gpa, &blk);
	if (r == DUET_BT_FAULT)
		return DUET_BT_EXIT_FAULT;
	if (r)
		return DUET_BT_EXIT_ERROR;
	if (ctx->ops->code_page && blk->gfn[1] != DUET_BT_NO_PAGE)
		ctx->ops->code_page(ctx, blk->gfn[1]);
	ctx->stats->blocks_translated++;
	trace_duet_bt_translate(ctx->id, st->rip, gpa, blk->nr);
	if (blk->gfn[0] == DUET_BT_NO_PAGE)
		*out = blk;		/* not RAM: run once, never cached */
	else
		*out = duet_bt_cache_insert(ctx->cache, blk, since, gen);
	return 0;
}

/* Can @to be reached from @from by link?  Same linear page, one page only. */
static bool bt_chainable(const struct duet_bt_block *from,
			 const struct duet_bt_block *to)
{
	return from->cached && to->cached &&
	       to->gfn[1] == DUET_BT_NO_PAGE &&
	       (from->rip >> PAGE_SHIFT) == (to->rip >> PAGE_SHIFT);
}

/**
 * duet_bt_run() - run guest code in the translator
 * @ctx: the caller's ops, the VM's cache, statistics; out: fault, error
 * @st: the guest state, at an instruction boundary in and out
 * @budget: the most instructions to run
 *
 * Chain links are only followed between blocks of the same linear page:
 * the block that started the chain was reached through a fresh walk of
 * that page, so its mapping holds for the whole chain (page-table changes
 * take INVLPG, a CR3 write or a shootdown IPI, all of which leave BT).
 *
 * Return: why it stopped (enum duet_bt_exit).
 */
enum duet_bt_exit duet_bt_run(struct duet_bt_ctx *ctx,
			      struct duet_bt_state *st, u64 budget)
{
	struct duet_bt_exec x = { .ctx = ctx, .st = st };
	struct duet_bt_block *blk, *prev = NULL;
	unsigned int slot = 0;
	u64 done = 0, before, gen;
	int idx, r;

	idx = srcu_read_lock(&duet_bt_srcu);
	for (;;) {
		if (done >= budget) {
			r = DUET_BT_EXIT_BUDGET;
			break;
		}
		/* Hardware delivers the single-step #DB of each instruction. */
		if (st->rflags & X86_EFLAGS_TF) {
			r = DUET_BT_EXIT_HW_STEP;
			break;
		}
		blk = NULL;
		if (prev && slot < 2)
			blk = duet_bt_cache_follow(ctx->cache, prev, slot,
						   st->rip);
		if (blk) {
			ctx->stats->cache_hits++;
		} else {
			r = bt_get_block(&x, &blk, &gen);
			if (r)
				break;
			if (prev && slot < 2 && bt_chainable(prev, blk))
				duet_bt_cache_link(prev, slot, blk, gen);
		}
		if (!blk->nr) {
			if (!blk->cached)
				kfree(blk);
			r = DUET_BT_EXIT_HW_STEP;
			break;
		}
		before = done;
		r = bt_run_block(&x, blk, &done, budget, &slot);
		/* Counted here, not per instruction: a store less each. */
		ctx->stats->insns += done - before;
		if (!blk->cached) {
			kfree(blk);
			blk = NULL;
		}
		if (r != BT_CONTINUE)
			break;
		if (ctx->ops->leave && ctx->ops->leave(ctx)) {
			r = DUET_BT_EXIT_LEAVE;
			break;
		}
		prev = blk;
	}
	srcu_read_unlock(&duet_bt_srcu, idx);
	return r;
}
EXPORT_SYMBOL_IF_DUET_KUNIT(duet_bt_run);
