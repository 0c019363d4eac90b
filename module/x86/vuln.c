// SPDX-License-Identifier: GPL-2.0
/*
 * Vulnerable-segment patterns on a run of decoded instructions (vuln.h).
 * Pure C on compat.h, like decode.c: built into duet.ko and the CLI.
 *
 * Three patterns, marked in this order so that a longer span overrides
 * the shorter ones inside it:
 *
 *  - DUET_VULN_RMW: one instruction that reads, modifies and writes
 *    memory (ALU ops, INC, DEC, NOT, NEG, XADD, BTS/BTR/BTC, CMPXCHG)
 *    without LOCK, whose operand is not addressed through rSP or rBP
 *    (the stack is private to its thread, the usual case in a guest).
 *  - DUET_VULN_LOAD_STORE: a load of memory into a register, a change of
 *    the value (followed through register copies and ALU ops), and a store
 *    of the changed value back to the same operand, with the address
 *    registers unchanged in between: another vCPU's store between the
 *    load and the store is lost.
 *  - DUET_VULN_LOCK: a lock acquisition (XCHG with memory, LOCK CMPXCHG,
 *    LOCK BTS) up to the store that releases the lock (MOV of a register
 *    or an immediate to the same operand); a backward jump to the
 *    acquisition or before it (a spin loop) starts the span at its target.
 *    Without a release in the run, the acquisition (and its spin loop)
 *    alone is marked: the caller sees where the lock is taken.
 *
 * The run is followed along its not-taken path: conditional branches
 * may be inside it, any other control transfer ends the search of a span.
 * Instructions kinds.h does not describe (DUET_X86_OTHER) are assumed to
 * write the registers their ModRM names, and rAX and rDX.
 */
#include "vuln.h"

#define REG_SP	4
#define REG_BP	5

/* The GPR a register operand names (AH..BH are bits of rAX..rBX). */
static unsigned int gpr_of(const struct duet_x86_operand *op)
{
	return op->high8 ? op->reg - 4 : op->reg;
}

static bool is_gpr(const struct duet_x86_operand *op)
{
	return op->type == DUET_X86_OP_REG && op->reg_class == DUET_X86_REG_GPR;
}

/* The ModRM/moffs memory operand is addressed through the stack pointers. */
static bool stack_relative(const struct duet_x86_insn *insn)
{
	return insn->base == REG_SP || insn->base == REG_BP;
}

/* Memory operand @op of @insn is shared memory (not on the stack). */
static bool shared_mem(const struct duet_x86_insn *insn,
		       const struct duet_x86_operand *op)
{
	return op->type == DUET_X86_OP_MEM && insn->mem && !stack_relative(insn);
}

/*
 * @a and @b address the same memory with the same registers: equal
 * segment, base, index and scale, displacement, address size; a
 * RIP-relative operand by the address it resolves to.
 */
static bool same_operand(const struct duet_x86_insn *a,
			 const struct duet_x86_insn *b)
{
	if (!a->mem || !b->mem || a->rip_rel != b->rip_rel ||
	    a->seg != b->seg || a->addrsize != b->addrsize ||
	    a->base != b->base || a->index != b->index)
		return false;
	if (a->index >= 0 && a->scale != b->scale)
		return false;
	if (a->rip_rel)
		return a->rip + a->len + a->disp == b->rip + b->len + b->disp;
	return a->disp == b->disp;
}

static bool is_alu_rmw_kind(unsigned int kind)
{
	switch (kind) {
	case DUET_X86_ADD: case DUET_X86_OR: case DUET_X86_ADC:
	case DUET_X86_SBB: case DUET_X86_AND: case DUET_X86_SUB:
	case DUET_X86_XOR: case DUET_X86_INC: case DUET_X86_DEC:
	case DUET_X86_NOT: case DUET_X86_NEG: case DUET_X86_XADD:
	case DUET_X86_BTS: case DUET_X86_BTR: case DUET_X86_BTC:
	case DUET_X86_CMPXCHG:
		return true;
	}
	return false;
}

/* An instruction that ends the not-taken path of a run. */
static bool ends_path(const struct duet_x86_insn *insn)
{
	switch (insn->kind) {
	case DUET_X86_JCC: case DUET_X86_LOOP: case DUET_X86_LOOPE:
	case DUET_X86_LOOPNE: case DUET_X86_JRCXZ:
		return false;		/* the not-taken path goes on */
	case DUET_X86_JMP: case DUET_X86_CALL: case DUET_X86_RET:
	case DUET_X86_JMP_FAR: case DUET_X86_CALL_FAR: case DUET_X86_RET_FAR:
	case DUET_X86_INT: case DUET_X86_INT3: case DUET_X86_INTO:
	case DUET_X86_INT1: case DUET_X86_IRET: case DUET_X86_HLT:
	case DUET_X86_UD2: case DUET_X86_SYSCALL: case DUET_X86_SYSRET:
	case DUET_X86_SYSENTER: case DUET_X86_SYSEXIT:
		return true;
	}
	return false;
}

/* Unlocked read-modify-write of shared memory. */
static bool is_rmw(const struct duet_x86_insn *insn)
{
	return !insn->lock && insn->nr_ops && is_alu_rmw_kind(insn->kind) &&
	       shared_mem(insn, &insn->ops[0]);
}

/* XCHG with memory (locked without the prefix), LOCK CMPXCHG, LOCK BTS. */
static bool is_acquire(const struct duet_x86_insn *insn)
{
	if (!insn->nr_ops)
		return false;
	if (insn->kind == DUET_X86_XCHG)
		return shared_mem(insn, &insn->ops[0]) ||
		       (insn->nr_ops > 1 && shared_mem(insn, &insn->ops[1]));
	return insn->lock && (insn->kind == DUET_X86_CMPXCHG ||
			      insn->kind == DUET_X86_BTS) &&
	       shared_mem(insn, &insn->ops[0]);
}

/* MOV of a register or an immediate to memory. */
static bool is_store(const struct duet_x86_insn *insn)
{
	return insn->kind == DUET_X86_MOV && !insn->lock && insn->nr_ops == 2 &&
	       insn->ops[0].type == DUET_X86_OP_MEM &&
	       (insn->ops[1].type == DUET_X86_OP_IMM || is_gpr(&insn->ops[1]));
}

/* Instruction writes memory through its ModRM/moffs operand. */
static bool writes_mem(const struct duet_x86_insn *insn)
{
	if (!insn->mem)
		return false;
	if (insn->kind == DUET_X86_OTHER)
		return true;	/* unknown: assume so */
	if (insn->kind == DUET_X86_XCHG || insn->kind == DUET_X86_XADD)
		return true;
	return insn->nr_ops && insn->ops[0].type == DUET_X86_OP_MEM &&
	       insn->kind != DUET_X86_CMP && insn->kind != DUET_X86_TEST &&
	       insn->kind != DUET_X86_BT && insn->kind != DUET_X86_PUSH;
}

/* GPRs @insn may write, as a mask of bits 0-15. */
static u16 written_gprs(const struct duet_x86_insn *insn)
{
	const struct duet_x86_operand *d = &insn->ops[0];
	u16 w = 0;

	switch (insn->kind) {
	case DUET_X86_OTHER:
		if (insn->has_modrm) {
			w |= 1u << insn->reg;
			if (!insn->mem)
				w |= 1u << insn->rm;
		}
		return w | 1u << 0 | 1u << 2;		/* rAX, rDX */
	case DUET_X86_CMP: case DUET_X86_TEST: case DUET_X86_BT:
	case DUET_X86_PUSH: case DUET_X86_NOP: case DUET_X86_PAUSE:
	case DUET_X86_JCC: case DUET_X86_JMP: case DUET_X86_OUT:
		return 0;
	case DUET_X86_XCHG: case DUET_X86_XADD:
		if (insn->nr_ops > 1 && is_gpr(&insn->ops[1]))
			w |= 1u << gpr_of(&insn->ops[1]);
		break;
	case DUET_X86_CMPXCHG:
		w |= 1u << 0;
		break;
	case DUET_X86_MOVS: case DUET_X86_CMPS: case DUET_X86_STOS:
	case DUET_X86_LODS: case DUET_X86_SCAS: case DUET_X86_INS:
	case DUET_X86_OUTS:
		return 1u << 0 | 1u << 1 | 1u << 6 | 1u << 7;	/* rAX rCX rSI rDI */
	case DUET_X86_LOOP: case DUET_X86_LOOPE: case DUET_X86_LOOPNE:
		return 1u << 1;
	case DUET_X86_CPUID: case DUET_X86_RDMSR: case DUET_X86_RDTSC:
	case DUET_X86_RDTSCP: case DUET_X86_RDPMC: case DUET_X86_XGETBV:
		return 0x000f;				/* rAX rCX rDX rBX */
	case DUET_X86_IN:
		return 1u << 0;
	}
	if (insn->nr_ops && is_gpr(d))
		w |= 1u << gpr_of(d);
	return w;
}

/*
 * Register state while following a loaded value: @derived holds a value
 * computed from it, @modified one that differs from it.
 */
struct flow {
	u16 derived, modified;
};

/* A load into a register: MOV-like (unchanged) or ALU reg, mem (changed). */
static bool load_starts(const struct duet_x86_insn *insn, struct flow *f)
{
	const struct duet_x86_operand *d = &insn->ops[0];

	if (insn->lock || insn->nr_ops < 2 || !is_gpr(d) ||
	    !shared_mem(insn, &insn->ops[1]))
		return false;
	switch (insn->kind) {
	case DUET_X86_MOV: case DUET_X86_MOVZX: case DUET_X86_MOVSX:
	case DUET_X86_MOVSXD:
		f->derived = 1u << gpr_of(d);
		f->modified = 0;
		return true;
	case DUET_X86_ADD: case DUET_X86_OR: case DUET_X86_ADC:
	case DUET_X86_SBB: case DUET_X86_AND: case DUET_X86_SUB:
	case DUET_X86_XOR:
		f->derived = 1u << gpr_of(d);
		f->modified = f->derived;
		return true;
	}
	return false;
}

/* Follow the value through @insn, which is not the matching store. */
static void flow_step(const struct duet_x86_insn *insn, struct flow *f)
{
	const struct duet_x86_operand *d = &insn->ops[0], *s = &insn->ops[1];
	u16 wr = written_gprs(insn), dbit, sbit = 0;

	if (insn->nr_ops > 1 && is_gpr(s))
		sbit = 1u << gpr_of(s);

	switch (insn->kind) {
	case DUET_X86_MOV: case DUET_X86_MOVZX: case DUET_X86_MOVSX:
	case DUET_X86_MOVSXD:
		if (!is_gpr(d))
			return;
		dbit = 1u << gpr_of(d);
		f->derived &= ~dbit;
		f->modified &= ~dbit;
		if (f->derived & sbit)
			f->derived |= dbit;
		if (f->modified & sbit)
			f->modified |= dbit;
		return;
	case DUET_X86_LEA:
		dbit = 1u << gpr_of(d);
		if ((insn->base >= 0 && f->derived & 1u << insn->base) ||
		    (insn->index >= 0 && f->derived & 1u << insn->index)) {
			f->derived |= dbit;
			f->modified |= dbit;
		} else {
			f->derived &= ~dbit;
			f->modified &= ~dbit;
		}
		return;
	case DUET_X86_XCHG:
		if (is_gpr(d) && sbit) {
			u16 dmask = 1u << gpr_of(d);
			bool dd = f->derived & dmask, dm = f->modified & dmask;
			bool sd = f->derived & sbit, sm = f->modified & sbit;

			f->derived &= ~(dmask | sbit);
			f->modified &= ~(dmask | sbit);
			f->derived |= (sd ? dmask : 0) | (dd ? sbit : 0);
			f->modified |= (sm ? dmask : 0) | (dm ? sbit : 0);
			return;
		}
		break;
	case DUET_X86_ADD: case DUET_X86_OR: case DUET_X86_ADC:
	case DUET_X86_SBB: case DUET_X86_AND: case DUET_X86_SUB:
	case DUET_X86_XOR: case DUET_X86_INC: case DUET_X86_DEC:
	case DUET_X86_NOT: case DUET_X86_NEG: case DUET_X86_XADD:
	case DUET_X86_BTS: case DUET_X86_BTR: case DUET_X86_BTC:
	case DUET_X86_CMOVCC: case DUET_X86_SETCC:
		if (!is_gpr(d))
			break;
		dbit = 1u << gpr_of(d);
		/* A change of a derived value, or one combined into another. */
		if (f->derived & (dbit | sbit)) {
			f->derived |= dbit;
			f->modified |= dbit;
		}
		if (insn->kind == DUET_X86_XADD && sbit && f->derived & dbit) {
			f->derived |= sbit;
			f->modified |= sbit;
		}
		return;
	case DUET_X86_OTHER:
		/* IMUL r, r/m and the like: a derived register stays derived. */
		f->modified |= f->derived & wr;
		return;
	}
	f->derived &= ~wr;
	f->modified &= ~wr;
}

/* The address registers of @insn's memory operand. */
static u16 addr_gprs(const struct duet_x86_insn *insn)
{
	u16 m = 0;

	if (insn->base >= 0)
		m |= 1u << insn->base;
	if (insn->index >= 0)
		m |= 1u << insn->index;
	return m;
}

static void mark(u8 *why, unsigned int from, unsigned int to, u8 kind)
{
	unsigned int i;

	for (i = from; i <= to; i++)
		why[i] = kind;
}

/* The store that ends a load/modify/store starting at @first, or -1. */
static int load_store_end(const struct duet_x86_insn *insns, unsigned int n,
			  unsigned int first)
{
	const struct duet_x86_insn *load = &insns[first];
	u16 addr = addr_gprs(load);
	struct flow f;
	unsigned int j;

	if (!load_starts(load, &f))
		return -1;
	for (j = first + 1; j < n; j++) {
		const struct duet_x86_insn *insn = &insns[j];

		if (is_store(insn) && is_gpr(&insn->ops[1]) &&
		    same_operand(load, insn) &&
		    f.modified & 1u << gpr_of(&insn->ops[1]))
			return j;
		/* Overwritten, or followed no further. */
		if (same_operand(load, insn) && writes_mem(insn))
			return -1;
		if (ends_path(insn) || written_gprs(insn) & addr)
			return -1;
		flow_step(insn, &f);
		if (!f.derived)
			return -1;
	}
	return -1;
}

/* Mark the lock acquisition at @acq and its critical section. */
static void mark_lock(const struct duet_x86_insn *insns, unsigned int n,
		      unsigned int acq, u8 *why)
{
	const struct duet_x86_insn *a = &insns[acq];
	unsigned int j, start = acq, end = acq, k;
	u16 addr = addr_gprs(a);

	for (j = acq + 1; j < n; j++) {
		const struct duet_x86_insn *insn = &insns[j];

		/* A spin loop: a backward jump to the acquisition or before. */
		if (insn->has_target && insn->target <= a->rip &&
		    insn->target >= insns[0].rip) {
			for (k = 0; k <= acq; k++)
				if (insns[k].rip == insn->target)
					start = k < start ? k : start;
			end = j;
		}
		if (is_store(insn) && same_operand(a, insn)) {
			end = j;
			break;
		}
		if (ends_path(insn) || written_gprs(insn) & addr)
			break;
	}
	mark(why, start, end, DUET_VULN_LOCK);
}

unsigned int duet_vuln_scan(const struct duet_x86_insn *insns, unsigned int n,
			    u8 *why)
{
	unsigned int i, count = 0;
	int end;

	for (i = 0; i < n; i++)
		why[i] = is_rmw(&insns[i]) ? DUET_VULN_RMW : DUET_VULN_NONE;

	for (i = 0; i < n; i++) {
		end = load_store_end(insns, n, i);
		if (end >= 0)
			mark(why, i, end, DUET_VULN_LOAD_STORE);
	}

	for (i = 0; i < n; i++)
		if (is_acquire(&insns[i]))
			mark_lock(insns, n, i, why);

	/* A segment: consecutive instructions of one kind. */
	for (i = 0; i < n; i++)
		if (why[i] && (!i || why[i - 1] != why[i]))
			count++;
	return count;
}
EXPORT_SYMBOL_IF_DUET_KUNIT(duet_vuln_scan);
