/* SPDX-License-Identifier: GPL-2.0 */
/*
 * duet's x86 instruction decoder, shared by duet.ko (the MMIO emulator and
 * the binary translator build on it) and userspace (host tests, the CLI).
 *
 * Design
 * ------
 * duet_x86_decode() reads one instruction from a byte buffer in 16-, 32- or
 * 64-bit mode and fills struct duet_x86_insn.  It is pure C on compat.h:
 * no allocation, no state, only const tables.  The steps follow the SDM's
 * "Instruction Format" chapter and the APM's "Instruction Encoding":
 *
 *  1. legacy prefixes (any number, any order) and, in 64-bit mode, REX; a
 *     REX that is followed by another prefix is ignored, as the CPU does;
 *  2. the opcode: the one-byte map, 0F, 0F 38, 0F 3A, 3DNow! (0F 0F with
 *     the opcode in the trailing byte), VEX (C4/C5: always in 64-bit mode,
 *     elsewhere only when the next byte has ModRM.mod == 3), EVEX (62 under
 *     the same rule) and XOP (8F whose next byte has a non-zero reg field);
 *  3. the opcode's attributes from a table of that map (ModRM, immediate
 *     kind, byte/default-64 operand size, LOCK-ability, invalid in 64-bit
 *     mode or everywhere); group opcodes whose length or validity depends
 *     on ModRM.reg (F6/F7 TEST imm, C6/C7 XABORT/XBEGIN, FE, FF, 0F BA) and
 *     the few prefix-dependent lengths (66/F2 0F 78 EXTRQ/INSERTQ imm8,imm8)
 *     are handled after the ModRM byte;
 *  4. ModRM, SIB and displacement in 16-bit or 32/64-bit addressing, with
 *     RIP-relative addressing in 64-bit mode; MOV CR/DR (0F 20-23) take
 *     ModRM.rm as a register whatever ModRM.mod says;
 *  5. immediates, whose size may depend on the operand size (Iz, Iv and
 *     B8+r with REX.W = imm64), the address size (A0-A3 moffs) or neither
 *     (ENTER iw,ib; RET iw);
 *  6. for the instructions the emulator and the translator handle, a kind
 *     (enum duet_x86_kind, listed in kinds.h) and operand descriptors from
 *     descriptor tables.  Everything else is still decoded structurally,
 *     with kind DUET_X86_OTHER.
 *
 * Errors: -ENODATA when the buffer ends inside the instruction (fetch more
 * and retry), -E2BIG when the instruction would pass 15 bytes (#GP),
 * -EILSEQ for an opcode that is invalid (#UD) in this mode, -EINVAL for a
 * bad mode argument.  Encodings that decode to a length but raise #UD for
 * another reason (LOCK on a register or a non-lockable instruction, a VEX
 * prefix after 66/F2/F3/REX/LOCK) decode successfully and set insn->ud.
 *
 * Limits: near branches with a 66 prefix in 64-bit mode take a rel16 as on
 * AMD (and in objdump) unless DUET_X86_INTEL is given, where the operand
 * size stays 64 and the displacement 32 bits (SDM).  0F FF (UD0) takes a
 * ModRM byte, as on Intel and in objdump.  VEX/EVEX/XOP opcodes are decoded
 * for length only (maps VEX 1-3, EVEX 1, 2, 3, 5, 6, XOP 8-A); their
 * operands are not described.  userspace/tests/decode_diff.c compares the
 * lengths with objdump's on random byte streams.
 */
#ifndef DUET_X86_DECODE_H
#define DUET_X86_DECODE_H

#include "compat.h"

/* The longest instruction the CPU accepts (SDM, APM): more is #GP. */
#define DUET_X86_MAX_INSN_LEN	15

/* duet_x86_decode() mode: the default operand and address size. */
enum duet_x86_mode {
	DUET_X86_MODE_16 = 16,	/* real mode, vm86, 16-bit protected mode */
	DUET_X86_MODE_32 = 32,	/* 32-bit protected mode, compatibility mode */
	DUET_X86_MODE_64 = 64,	/* 64-bit mode */
};

/* OR-ed into the mode: decode as an Intel CPU (see "Limits" above). */
#define DUET_X86_INTEL		0x100

/* Opcode maps (insn->map); VEX/EVEX/XOP use the number of their map field. */
enum duet_x86_map {
	DUET_X86_MAP_ONE = 0,	/* one-byte opcodes */
	DUET_X86_MAP_0F = 1,
	DUET_X86_MAP_0F38 = 2,
	DUET_X86_MAP_0F3A = 3,
	DUET_X86_MAP_EVEX5 = 5,	/* EVEX only (AVX512-FP16) */
	DUET_X86_MAP_EVEX6 = 6,
	DUET_X86_MAP_XOP8 = 8,	/* XOP only (AMD) */
	DUET_X86_MAP_XOP9 = 9,
	DUET_X86_MAP_XOPA = 10,
	DUET_X86_MAP_3DNOW = 16,	/* 0F 0F: opcode is the trailing byte */
};

/* Which vector prefix introduced the opcode (insn->vex.kind). */
enum duet_x86_vex_kind {
	DUET_X86_VEX_NONE = 0,
	DUET_X86_VEX2,		/* C5 */
	DUET_X86_VEX3,		/* C4 */
	DUET_X86_XOP,		/* 8F */
	DUET_X86_EVEX,		/* 62 */
};

/* Segment override (insn->seg); the numbers are the SDM's Sreg encoding. */
enum duet_x86_seg {
	DUET_X86_SEG_ES = 0,
	DUET_X86_SEG_CS,
	DUET_X86_SEG_SS,
	DUET_X86_SEG_DS,
	DUET_X86_SEG_FS,
	DUET_X86_SEG_GS,
	DUET_X86_SEG_NONE = 0xff,
};

/* Why an instruction that decodes to a length still raises #UD (insn->ud). */
#define DUET_X86_UD_LOCK	0x01	/* LOCK not allowed here */
#define DUET_X86_UD_VEX_PREFIX	0x02	/* 66/F2/F3/REX/LOCK before VEX/EVEX/XOP */

/* Instruction kinds with operand descriptors: kinds.h lists them. */
#define DUET_X86_KIND(name) DUET_X86_##name,
enum duet_x86_kind {
#include "kinds.h"
	DUET_X86_NR_KINDS
};

/* Operand descriptors (insn->ops[]), in Intel order: destination first. */
enum duet_x86_op_type {
	DUET_X86_OP_NONE = 0,
	DUET_X86_OP_REG,	/* reg_class + reg */
	DUET_X86_OP_MEM,	/* ModRM memory or moffs: duet_x86_insn_ea() */
	DUET_X86_OP_IMM,	/* imm, truncated to size */
	DUET_X86_OP_REL,	/* branch target in imm (already computed) */
	DUET_X86_OP_STR_SRC,	/* seg:[rSI] (DS unless overridden) */
	DUET_X86_OP_STR_DST,	/* ES:[rDI] (no override) */
};

enum duet_x86_reg_class {
	DUET_X86_REG_GPR = 0,	/* 0 = rAX ... 15 = r15 */
	DUET_X86_REG_SEG,	/* enum duet_x86_seg */
	DUET_X86_REG_CR,
	DUET_X86_REG_DR,
};

struct duet_x86_operand {
	u8 type;		/* enum duet_x86_op_type */
	u8 size;		/* bytes: 1 2 4 8; 6/10 LGDT..; 0 LEA, INVLPG */
	u8 reg_class;		/* REG: enum duet_x86_reg_class */
	u8 reg;			/* REG: register number */
	bool high8;		/* REG: AH, CH, DH or BH (GPR 4-7, byte, no REX) */
	u64 imm;		/* IMM: value; REL: target address */
};

/**
 * struct duet_x86_insn - one decoded instruction
 * @rip: address of the first byte, as passed to duet_x86_decode()
 * @len: length in bytes, 1 to 15
 * @mode: 16, 32 or 64
 * @nr_prefixes: bytes before the opcode (or the VEX/EVEX/XOP prefix)
 * @opsize_prefix: a 66 prefix was present
 * @addrsize_prefix: a 67 prefix was present
 * @lock: an F0 prefix was present
 * @rep: the last of F2/F3, or 0
 * @seg: the last segment override (enum duet_x86_seg; ES/CS/SS/DS ones
 *	are kept in 64-bit mode too, where the CPU ignores them)
 * @rex: the REX byte in effect (0 if none; a REX followed by another
 *	prefix is ignored by the CPU and not recorded)
 * @rex_w: REX.W, or VEX/EVEX/XOP.W
 * @rex_r: REX.R (VEX.R inverted back)
 * @rex_x: REX.X
 * @rex_b: REX.B
 * @vex: VEX (C4/C5), XOP (8F) and EVEX (62) fields, decoded (inverted
 *	fields stored as the register numbers they name)
 * @vex.kind: enum duet_x86_vex_kind
 * @vex.map: the map field (mmmmm / mmm)
 * @vex.l: VEX.L, or EVEX.L'L (0-3)
 * @vex.pp: implied prefix: 0 none, 1 66, 2 F3, 3 F2
 * @vex.vvvv: the extra register operand (EVEX: with V' as bit 4)
 * @vex.w: VEX.W
 * @vex.evex_aaa: EVEX opmask register
 * @vex.evex_z: EVEX zeroing
 * @vex.evex_b: EVEX broadcast / rounding
 * @vex.evex_rp: EVEX.R' (bit 4 of ModRM.reg)
 * @map: enum duet_x86_map
 * @opcode: the opcode byte in its map (3DNow!: the trailing byte)
 * @has_modrm: a ModRM byte follows the opcode
 * @modrm: its raw value
 * @mod: ModRM.mod (3 for MOV CR/DR whatever the byte says)
 * @reg: ModRM.reg with REX.R
 * @rm: ModRM.rm with REX.B
 * @has_sib: a SIB byte follows ModRM
 * @sib: its raw value
 * @scale: SIB.scale as a factor: 1, 2, 4 or 8 (1 without SIB)
 * @index: SIB.index with REX.X, or -1 for none; 16-bit addressing: SI/DI
 * @base: base register with REX.B, or -1 for none (disp32/disp16 only,
 *	RIP-relative, moffs); 16-bit addressing: BX/BP
 * @mem: the ModRM r/m operand (or moffs) is in memory
 * @rip_rel: RIP-relative (64-bit mode, mod == 0, rm == 5): EA is relative
 *	to the next instruction
 * @disp: displacement, sign-extended (moffs: the offset, zero-extended)
 * @disp_size: 0, 1, 2, 4 or 8 (moffs in 64-bit mode)
 * @imm: first immediate, sign-extended from imm_size (relative branches:
 *	the displacement; far pointers: the offset)
 * @imm_size: 0, 1, 2, 4 or 8
 * @imm2: second immediate: ENTER's nesting level, a far pointer's
 *	selector, EXTRQ/INSERTQ's second imm8
 * @imm2_size: 0, 1 or 2
 * @opsize: effective operand size in bytes: 1 (byte opcodes), 2, 4, 8
 * @addrsize: effective address size in bytes: 2, 4, 8
 * @ud: DUET_X86_UD_*: #UD although the length decodes
 * @kind: enum duet_x86_kind
 * @cc: condition code (low opcode nibble) of Jcc, SETcc, CMOVcc
 * @has_target: @target is valid (relative branch)
 * @target: relative branch target, truncated to the operand size
 * @nr_ops: operand descriptors in @ops
 * @ops: the operands of @kind, destination first; implicit ones (rAX of
 *	CMPXCHG, flags) are not listed
 */
struct duet_x86_insn {
	u64 rip;
	u8 len;
	u8 mode;
	u8 nr_prefixes;
	bool opsize_prefix;
	bool addrsize_prefix;
	bool lock;
	u8 rep;
	u8 seg;
	u8 rex;
	bool rex_w, rex_r, rex_x, rex_b;
	struct {
		u8 kind;
		u8 map;
		u8 l;
		u8 pp;
		u8 vvvv;
		bool w;
		u8 evex_aaa;
		bool evex_z;
		bool evex_b;
		bool evex_rp;
	} vex;
	u8 map;
	u8 opcode;
	bool has_modrm;
	u8 modrm;
	u8 mod, reg, rm;
	bool has_sib;
	u8 sib;
	u8 scale;
	s8 index, base;
	bool mem;
	bool rip_rel;
	s64 disp;
	u8 disp_size;
	u64 imm;
	u8 imm_size;
	u64 imm2;
	u8 imm2_size;
	u8 opsize;
	u8 addrsize;
	u8 ud;
	u16 kind;
	u8 cc;
	bool has_target;
	u64 target;
	u8 nr_ops;
	struct duet_x86_operand ops[3];
};

/**
 * duet_x86_decode() - decode one instruction
 * @insn: filled on success (zeroed first in any case)
 * @buf: the instruction bytes
 * @len: bytes available in @buf (only the first 15 are ever read)
 * @mode: enum duet_x86_mode, optionally | DUET_X86_INTEL
 * @rip: the instruction's address, for relative targets and RIP-relative
 *	addressing
 *
 * Return: 0, -ENODATA (truncated), -E2BIG (longer than 15 bytes), -EILSEQ
 * (invalid opcode in this mode) or -EINVAL (bad @mode).
 */
int duet_x86_decode(struct duet_x86_insn *insn, const u8 *buf, size_t len,
		    unsigned int mode, u64 rip);

/* Reads general-purpose register @reg (0-15) for duet_x86_insn_ea(). */
typedef u64 (*duet_x86_read_gpr_t)(void *ctx, unsigned int reg);

/**
 * duet_x86_insn_ea() - effective address of the memory operand
 * @insn: a decoded instruction with @insn->mem set
 * @read_gpr: reads base and index registers
 * @ctx: passed to @read_gpr
 * @ea: base + index * scale + disp (RIP-relative: end of the instruction
 *	+ disp), truncated to the address size; the segment base is the
 *	caller's to add (@insn->seg, or DS/SS by the SDM's default rules)
 *
 * Return: 0, or -EINVAL if the instruction has no ModRM/moffs memory
 * operand (string instructions address through rSI/rDI: see ops[]).
 */
int duet_x86_insn_ea(const struct duet_x86_insn *insn,
		     duet_x86_read_gpr_t read_gpr, void *ctx, u64 *ea);

/* The kind's name ("MOV", "OTHER"), or "?" out of range. */
const char *duet_x86_kind_name(unsigned int kind);

#endif /* DUET_X86_DECODE_H */
