/* SPDX-License-Identifier: GPL-2.0 */
/*
 * duet's instruction emulator for accesses to memory that is not guest RAM
 * (MMIO), independent of the backend: it works on a register file (struct
 * duet_emu_regs) and reaches guest memory through callbacks (struct
 * duet_emu_ops), so SVM and VMX share it.
 *
 * Model
 * -----
 * duet_emu_fetch() reads the instruction at CS:RIP (page by page, as the
 * CPU fetches it, with a fetch access at the guest's CPL) and decodes it
 * with duet_x86_decode(); duet_emu_step() then executes it once:
 *
 *  1. every memory operand is translated (linear -> guest-physical) before
 *     any is accessed, so a #PF or #GP comes first, as on the CPU, and
 *     found to be RAM or not (ops->probe);
 *  2. RAM is read and written through the callbacks at once;
 *  3. a read of something that is not RAM stops the step with
 *     DUET_EMU_MMIO (ctxt->mmio: a read of len bytes at gpa) and nothing
 *     committed; the caller exits to userspace, and on its answer calls
 *     duet_emu_complete_read() and duet_emu_step() again, which re-runs
 *     the instruction from the start with that read answered;
 *  4. a write that is not RAM is the last memory access of any
 *     instruction emulated here: the step commits the registers and RIP
 *     and returns DUET_EMU_MMIO with the data (ctxt->mmio.is_write); the
 *     instruction is complete once userspace has it.
 *
 * So a read-modify-write (ADD [mmio], reg) is a read exit, then a write
 * exit with the result; CMP/TEST/BT only read.  LOCK is accepted and
 * emulated without atomicity (the device sees a read and a later write).
 *
 * REP STOS/MOVS run one element per step: RCX, RSI, RDI advance by one
 * element and RIP stays on the instruction until RCX reaches 0, as the
 * CPU's interruptible REP does; the CPU itself runs the elements in RAM
 * when the guest resumes, and the next one outside RAM exits again.
 *
 * Forms: MOV (88-8B, C6/C7, A0-A3), MOVZX/MOVSX (0F B6/B7/BE/BF), MOVSXD
 * (63), STOS/MOVS with or without REP, the ALU (00-3D r/m forms, 80-83)
 * with TEST (84/85, F6/F7 /0), INC/DEC/NOT/NEG (FE/FF, F6/F7), XCHG r/m
 * (86/87), BT/BTS/BTR/BTC with a register or imm8 bit offset (a register
 * offset selects the operand-sized word it falls in, as the SDM's "bit
 * base" addressing does).  RFLAGS come from running the same operation
 * on the host and reading its flags (duet_emu_alu()).
 *
 * Not emulated (DUET_EMU_FAILED): any other instruction, an instruction
 * that raised #UD, a non-RAM access that straddles two pages, a
 * non-RAM instruction fetch.  An instruction whose operands all turn out
 * to be RAM (a slot appeared since the fault) is simply emulated on RAM.
 * Segment limits and types are not checked outside 64-bit mode (only
 * the bases apply); canonical checks in 64-bit mode are (#GP(0), #SS(0)
 * through SS).  RFLAGS.TF single-step traps
 * after an emulated instruction are not raised.
 */
#ifndef DUET_X86_EMULATE_H
#define DUET_X86_EMULATE_H

#include <linux/types.h>

#include "decode.h"

/* The emulator's view of the registers. */
struct duet_emu_regs {
	u64 gpr[16];			/* rAX ... r15, SDM numbering */
	u64 rip;
	u64 rflags;
	u64 seg_base[6];		/* enum duet_x86_seg order: ES CS SS DS FS GS */
	u8 mode;			/* DUET_X86_MODE_16/32/64 (CS.L, CS.D) */
	u8 cpl;
	u8 va_bits;			/* 64-bit mode: 48, or 57 with CR4.LA57 */
};

/* Access types of ops->translate(). */
#define DUET_EMU_WRITE		BIT(0)
#define DUET_EMU_FETCH		BIT(1)

/* An exception for the guest (ctxt->fault), as the CPU would raise it. */
struct duet_emu_fault {
	u8 vector;
	bool has_error_code;
	u32 error_code;
	bool has_cr2;			/* #PF */
	u64 cr2;
};

struct duet_emu_ctxt;

/* The caller's guest memory; each returns 0 or -errno unless said. */
struct duet_emu_ops {
	/*
	 * Linear @la -> guest-physical *@gpa for @access (DUET_EMU_*) at the
	 * guest's CPL: 0, 1 when the guest faults (@fault filled), -errno
	 * for what the host cannot do (a page table outside RAM: -ENOENT).
	 */
	int (*translate)(struct duet_emu_ctxt *ctxt, u64 la, u32 access,
			 u64 *gpa, struct duet_emu_fault *fault);
	/* Is [@gpa, @gpa + @len) RAM (writable RAM for @write)?  0 yes, 1 no. */
	int (*probe)(struct duet_emu_ctxt *ctxt, u64 gpa, unsigned int len,
		     bool write);
	/* Read or write RAM the probe accepted. */
	int (*read)(struct duet_emu_ctxt *ctxt, u64 gpa, void *buf,
		    unsigned int len);
	int (*write)(struct duet_emu_ctxt *ctxt, u64 gpa, const void *buf,
		     unsigned int len);
};

/* duet_emu_fetch()/duet_emu_step() results besides -errno. */
enum duet_emu_result {
	DUET_EMU_DONE = 0,		/* registers committed: resume the guest */
	DUET_EMU_MMIO,			/* exit with ctxt->mmio */
	DUET_EMU_FAULT,			/* inject ctxt->fault, nothing committed */
	DUET_EMU_FAILED,		/* not emulated: ctxt->failed says why */
};

/* Why an instruction was not emulated (ctxt->failed). */
enum duet_emu_failure {
	DUET_EMU_FAIL_NONE = 0,
	DUET_EMU_FAIL_DECODE,		/* bytes that do not decode (or #UD) */
	DUET_EMU_FAIL_UNSUPPORTED,	/* a kind or form not emulated */
	DUET_EMU_FAIL_FETCH,		/* instruction bytes outside RAM */
	DUET_EMU_FAIL_SPLIT,		/* non-RAM access across two pages */
};

/* One memory operand, resolved. */
struct duet_emu_mem {
	u64 la;
	u64 gpa[2];			/* first byte; and of the second page */
	unsigned int split;		/* bytes in the first page */
	unsigned int size;
	bool ram;
};

struct duet_emu_ctxt {
	const struct duet_emu_ops *ops;
	void *opaque;			/* the caller's */
	struct duet_emu_regs regs;
	/* The instruction, from duet_emu_fetch(). */
	u8 bytes[DUET_X86_MAX_INSN_LEN];
	unsigned int nr_bytes;		/* fetched */
	struct duet_x86_insn insn;
	/* A read answered by userspace, for the re-run after a read exit. */
	bool read_done;
	u64 read_data;
	/* Out: the access outside RAM of DUET_EMU_MMIO. */
	struct {
		u64 gpa;
		u64 data;		/* writes */
		u32 len;		/* 1, 2, 4 or 8 */
		bool is_write;
	} mmio;
	struct duet_emu_fault fault;	/* DUET_EMU_FAULT */
	enum duet_emu_failure failed;	/* DUET_EMU_FAILED */
	/* Scratch of one step. */
	bool mmio_write;		/* a write outside RAM is pending */
	bool saw_mmio;			/* an operand was not RAM */
};

int duet_emu_fetch(struct duet_emu_ctxt *ctxt);
int duet_emu_step(struct duet_emu_ctxt *ctxt);

/* Answer the read of the last DUET_EMU_MMIO (the next step uses it). */
static inline void duet_emu_complete_read(struct duet_emu_ctxt *ctxt, u64 data)
{
	ctxt->read_done = true;
	ctxt->read_data = data;
}

/*
 * Run ALU instruction @kind (DUET_X86_ADD ... DUET_X86_BTC) on the host
 * with @size-byte operands and return the result; *@rflags gets the
 * arithmetic flags the instruction writes (CF of ADC/SBB is read from
 * it).  BT*: @src is the bit offset, taken modulo the operand width.
 */
u64 duet_emu_alu(unsigned int kind, unsigned int size, u64 dst, u64 src,
		 u64 *rflags);

#endif /* DUET_X86_EMULATE_H */
