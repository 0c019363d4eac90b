// SPDX-License-Identifier: GPL-2.0
/*
 * x86 instruction decoder: prefixes, opcode maps, ModRM/SIB, displacement,
 * immediates, operand and address sizes, and operand descriptors for the
 * instructions duet emulates or translates.  See decode.h for the design
 * and its limits.  Pure C on compat.h: it builds in the kernel and in
 * userspace from this one file.
 */
#include "decode.h"

/*
 * Opcode attributes.  Bits 0-3 are the immediate kind, the others flags.
 * One u16 per opcode and map; the tables below follow the opcode maps of
 * the SDM (Volume 2, Appendix A) and the APM (Volume 3, Appendix A).
 */
enum {
	IM_NONE,
	IM_B,		/* imm8 */
	IM_W,		/* imm16 */
	IM_Z,		/* imm16 or imm32 by operand size */
	IM_V,		/* imm16, imm32 or imm64 by operand size (B8+r) */
	IM_WB,		/* imm16 then imm8 (ENTER) */
	IM_MOFFS,	/* offset of the address size (A0-A3) */
	IM_PTR,		/* far pointer: offset (16/32) then selector (16) */
	IM_JB,		/* rel8 */
	IM_JZ,		/* rel16 or rel32 by operand size */
	IM_D,		/* imm32 */
	IM_BB,		/* imm8, imm8 (EXTRQ, INSERTQ) */
};

#define IMM_MASK	0x000f
#define M		0x0010	/* ModRM follows */
#define BYTE		0x0020	/* byte operation: operand size 1 */
#define D64		0x0040	/* 64-bit mode: operand size 64 unless 66 */
#define F64		0x0080	/* 64-bit mode: operand size 64 whatever 66 says */
#define NB		0x0100	/* near branch: D64, F64 on Intel (SDM) */
#define I64		0x0200	/* invalid in 64-bit mode */
#define INV		0x0400	/* invalid in every mode */
#define LK		0x0800	/* LOCK allowed with a memory destination */
#define GRP		0x1000	/* ModRM.reg decides validity/length: group_check() */
#define MREG		0x2000	/* ModRM.mod ignored: r/m is a register (MOV CR/DR) */
#define PFX		0x4000	/* a prefix (one-byte map only) */

/*
 * 00-3F: the ALU rows (ADD OR ADC SBB AND SUB XOR CMP, each r/m,reg
 * reg,r/m AL,imm8 rAX,immz), segment push/pop and prefixes.
 */
static const u16 map_one[256] = {
	[0x00] = M | BYTE | LK, [0x01] = M | LK, [0x02] = M | BYTE, [0x03] = M,
	[0x04] = BYTE | IM_B, [0x05] = IM_Z, [0x06] = I64, [0x07] = I64,
	[0x08] = M | BYTE | LK, [0x09] = M | LK, [0x0a] = M | BYTE, [0x0b] = M,
	[0x0c] = BYTE | IM_B, [0x0d] = IM_Z, [0x0e] = I64,	/* 0F: escape */
	[0x10] = M | BYTE | LK, [0x11] = M | LK, [0x12] = M | BYTE, [0x13] = M,
	[0x14] = BYTE | IM_B, [0x15] = IM_Z, [0x16] = I64, [0x17] = I64,
	[0x18] = M | BYTE | LK, [0x19] = M | LK, [0x1a] = M | BYTE, [0x1b] = M,
	[0x1c] = BYTE | IM_B, [0x1d] = IM_Z, [0x1e] = I64, [0x1f] = I64,
	[0x20] = M | BYTE | LK, [0x21] = M | LK, [0x22] = M | BYTE, [0x23] = M,
	[0x24] = BYTE | IM_B, [0x25] = IM_Z, [0x26] = PFX, [0x27] = I64,
	[0x28] = M | BYTE | LK, [0x29] = M | LK, [0x2a] = M | BYTE, [0x2b] = M,
	[0x2c] = BYTE | IM_B, [0x2d] = IM_Z, [0x2e] = PFX, [0x2f] = I64,
	[0x30] = M | BYTE | LK, [0x31] = M | LK, [0x32] = M | BYTE, [0x33] = M,
	[0x34] = BYTE | IM_B, [0x35] = IM_Z, [0x36] = PFX, [0x37] = I64,
	[0x38] = M | BYTE, [0x39] = M, [0x3a] = M | BYTE, [0x3b] = M,	/* CMP */
	[0x3c] = BYTE | IM_B, [0x3d] = IM_Z, [0x3e] = PFX, [0x3f] = I64,
	/* 40-4F: INC/DEC r, or REX in 64-bit mode (a prefix there). */
	[0x50 ... 0x5f] = D64,
	[0x60] = I64, [0x61] = I64,
	[0x62] = M | I64,		/* BOUND; EVEX in 64-bit mode */
	[0x63] = M,			/* ARPL; MOVSXD in 64-bit mode */
	[0x64 ... 0x67] = PFX,
	[0x68] = IM_Z | D64, [0x69] = M | IM_Z, [0x6a] = IM_B | D64,
	[0x6b] = M | IM_B, [0x6c] = BYTE, [0x6e] = BYTE,
	[0x70 ... 0x7f] = IM_JB | NB,
	[0x80] = M | BYTE | IM_B | LK, [0x81] = M | IM_Z | LK,
	[0x82] = M | BYTE | IM_B | LK | I64, [0x83] = M | IM_B | LK,
	[0x84] = M | BYTE, [0x85] = M, [0x86] = M | BYTE | LK, [0x87] = M | LK,
	[0x88] = M | BYTE, [0x89] = M, [0x8a] = M | BYTE, [0x8b] = M,
	[0x8c] = M, [0x8d] = M | GRP, [0x8e] = M, [0x8f] = M | D64,
	[0x9a] = IM_PTR | I64, [0x9c] = D64, [0x9d] = D64,
	[0xa0] = IM_MOFFS | BYTE, [0xa1] = IM_MOFFS,
	[0xa2] = IM_MOFFS | BYTE, [0xa3] = IM_MOFFS,
	[0xa4] = BYTE, [0xa6] = BYTE, [0xa8] = IM_B | BYTE, [0xa9] = IM_Z,
	[0xaa] = BYTE, [0xac] = BYTE, [0xae] = BYTE,
	[0xb0 ... 0xb7] = IM_B | BYTE, [0xb8 ... 0xbf] = IM_V,
	[0xc0] = M | BYTE | IM_B, [0xc1] = M | IM_B, [0xc2] = IM_W | NB,
	[0xc3] = NB,
	[0xc4] = M | I64, [0xc5] = M | I64,	/* LES/LDS; VEX in 64-bit mode */
	[0xc6] = M | BYTE | IM_B | GRP, [0xc7] = M | IM_Z | GRP,
	[0xc8] = IM_WB | D64, [0xc9] = D64, [0xca] = IM_W, [0xcd] = IM_B,
	[0xce] = I64,
	[0xd0] = M | BYTE, [0xd1] = M, [0xd2] = M | BYTE, [0xd3] = M,
	[0xd4] = IM_B | I64, [0xd5] = IM_B | I64,
	[0xd6] = INV,			/* SALC: undocumented, #UD in 64-bit mode */
	[0xd8 ... 0xdf] = M,
	[0xe0 ... 0xe3] = IM_JB | NB,
	[0xe4] = IM_B | BYTE, [0xe5] = IM_B, [0xe6] = IM_B | BYTE, [0xe7] = IM_B,
	[0xe8] = IM_JZ | NB, [0xe9] = IM_JZ | NB, [0xea] = IM_PTR | I64,
	[0xeb] = IM_JB | NB, [0xec] = BYTE, [0xee] = BYTE,
	[0xf0] = PFX, [0xf2] = PFX, [0xf3] = PFX,
	[0xf6] = M | BYTE | GRP | LK, [0xf7] = M | GRP | LK,
	[0xfe] = M | BYTE | GRP | LK, [0xff] = M | GRP | LK,
};

static const u16 map_0f[256] = {
	[0x00] = M | GRP, [0x01] = M, [0x02] = M, [0x03] = M, [0x04] = INV,
	[0x0a] = INV, [0x0c] = INV, [0x0d] = M,
	[0x10 ... 0x1f] = M,
	[0x20 ... 0x23] = M | MREG | F64,
	/* MOV TR (386/486 test registers): objdump still decodes them. */
	[0x24] = M | MREG | I64, [0x25] = INV, [0x26] = M | MREG | I64,
	[0x27] = INV,
	[0x28 ... 0x2f] = M,
	[0x36] = INV, [0x39] = INV, [0x3b ... 0x3f] = INV,
	[0x40 ... 0x6f] = M,
	[0x70 ... 0x73] = M | IM_B, [0x74 ... 0x76] = M,
	[0x78] = M | GRP, [0x79] = M | F64, [0x7a] = INV, [0x7b] = INV,
	[0x7c ... 0x7f] = M,
	[0x80 ... 0x8f] = IM_JZ | NB,
	[0x90 ... 0x9f] = M | BYTE,
	[0xa0] = D64, [0xa1] = D64, [0xa3] = M, [0xa4] = M | IM_B, [0xa5] = M,
	[0xa6] = M, [0xa7] = M,		/* VIA PadLock */
	[0xa8] = D64, [0xa9] = D64,
	[0xab] = M | LK, [0xac] = M | IM_B, [0xad] = M, [0xae] = M, [0xaf] = M,
	[0xb0] = M | BYTE | LK, [0xb1] = M | LK, [0xb2] = M, [0xb3] = M | LK,
	[0xb4 ... 0xb7] = M, [0xb8] = M | GRP, [0xb9] = M,
	[0xba] = M | IM_B | GRP | LK, [0xbb] = M | LK, [0xbc ... 0xbf] = M,
	[0xc0] = M | BYTE | LK, [0xc1] = M | LK, [0xc2] = M | IM_B, [0xc3] = M,
	[0xc4 ... 0xc6] = M | IM_B, [0xc7] = M | LK,
	[0xd0 ... 0xff] = M,
};

/*
 * 0F 38 and 0F 3A: which opcodes exist (SSSE3 to SHA, AES, MOVBE, CRC32,
 * ADX, INVEPT/INVVPID/INVPCID, MOVDIRI ...); all take ModRM, 0F 3A also
 * an imm8.  Unassigned ones (no M) are #UD.
 */
static const u16 map_0f38[256] = {
	[0x00 ... 0x0b] = M, [0x10] = M, [0x14] = M, [0x15] = M, [0x17] = M,
	[0x1c ... 0x1e] = M, [0x20 ... 0x25] = M, [0x28 ... 0x2b] = M,
	[0x30 ... 0x35] = M, [0x37 ... 0x41] = M, [0x80 ... 0x82] = M,
	[0xc8 ... 0xcd] = M, [0xcf] = M, [0xd8 ... 0xdf] = M,
	[0xf0] = M, [0xf1] = M, [0xf5] = M, [0xf6] = M,
	[0xf8 ... 0xfc] = M,
};

static const u16 map_0f3a[256] = {
	[0x08 ... 0x0f] = M | IM_B, [0x14 ... 0x17] = M | IM_B,
	[0x20 ... 0x22] = M | IM_B, [0x40 ... 0x42] = M | IM_B,
	[0x44] = M | IM_B, [0x60 ... 0x63] = M | IM_B, [0xcc] = M | IM_B,
	[0xce] = M | IM_B, [0xcf] = M | IM_B, [0xdf] = M | IM_B,
	[0xf0] = M | IM_B,
};

/* Operand templates of the descriptor tables: addressing << 4 | size. */
enum {
	O_NONE,
	O_E,		/* ModRM r/m: register or memory */
	O_G,		/* ModRM reg: GPR */
	O_M,		/* ModRM r/m: memory only */
	O_I,		/* first immediate */
	O_J,		/* relative branch target */
	O_Z,		/* GPR in the opcode's low 3 bits (+REX.B) */
	O_ACC,		/* AL/AX/EAX/RAX */
	O_DX,		/* DX, I/O port */
	O_MOFFS,	/* moffs memory (A0-A3) */
	O_SRC,		/* seg:[rSI] */
	O_DST,		/* ES:[rDI] */
	O_SREG,		/* ModRM reg: segment register */
	O_CREG,		/* ModRM reg: control register */
	O_DREG,		/* ModRM reg: debug register */
};

enum {
	S_0,		/* no size (LEA, INVLPG) */
	S_B, S_W, S_D, S_Q,
	S_V,		/* operand size */
	S_Z,		/* operand size, at most 4 */
	S_Y,		/* 8 in 64-bit mode, else 4 (MOV CR/DR) */
	S_DT,		/* descriptor table: 10 in 64-bit mode, else 6 */
	S_P,		/* far pointer: 2 + operand size */
	S_WV,		/* memory 2, register operand size (MOV from Sreg) */
};

#define OP(a, s)	((a) << 4 | (s))
#define E_B	OP(O_E, S_B)
#define E_W	OP(O_E, S_W)
#define E_D	OP(O_E, S_D)
#define E_V	OP(O_E, S_V)
#define E_WV	OP(O_E, S_WV)
#define R_Y	OP(O_E, S_Y)
#define G_B	OP(O_G, S_B)
#define G_V	OP(O_G, S_V)
#define M_0	OP(O_M, S_0)
#define M_DT	OP(O_M, S_DT)
#define M_P	OP(O_M, S_P)
#define I_B	OP(O_I, S_B)
#define I_W	OP(O_I, S_W)
#define I_V	OP(O_I, S_V)
#define J_V	OP(O_J, S_V)
#define Z_B	OP(O_Z, S_B)
#define Z_V	OP(O_Z, S_V)
#define ACC_B	OP(O_ACC, S_B)
#define ACC_V	OP(O_ACC, S_V)
#define ACC_Z	OP(O_ACC, S_Z)
#define DX_W	OP(O_DX, S_W)
#define MO_B	OP(O_MOFFS, S_B)
#define MO_V	OP(O_MOFFS, S_V)
#define X_B	OP(O_SRC, S_B)
#define X_V	OP(O_SRC, S_V)
#define X_Z	OP(O_SRC, S_Z)
#define Y_B	OP(O_DST, S_B)
#define Y_V	OP(O_DST, S_V)
#define Y_Z	OP(O_DST, S_Z)
#define SREG_W	OP(O_SREG, S_W)
#define CR_Y	OP(O_CREG, S_Y)
#define DR_Y	OP(O_DREG, S_Y)

struct desc {
	u8 kind;
	u8 ops[3];
};

#define D(k, ...)	{ DUET_X86_##k, { __VA_ARGS__ } }
/* The operands of the six forms of each ALU row (00-05 ... 38-3D). */
static const struct desc alu_desc[6] = {
	D(OTHER, E_B, G_B), D(OTHER, E_V, G_V), D(OTHER, G_B, E_B),
	D(OTHER, G_V, E_V), D(OTHER, ACC_B, I_B), D(OTHER, ACC_V, I_V),
};

static const struct desc desc_one[256] = {
	[0x40 ... 0x47] = D(INC, Z_V), [0x48 ... 0x4f] = D(DEC, Z_V),
	[0x50 ... 0x57] = D(PUSH, Z_V), [0x58 ... 0x5f] = D(POP, Z_V),
	[0x63] = D(MOVSXD, G_V, E_D),
	[0x68] = D(PUSH, I_V), [0x6a] = D(PUSH, I_V),
	[0x6c] = D(INS, Y_B, DX_W), [0x6d] = D(INS, Y_Z, DX_W),
	[0x6e] = D(OUTS, DX_W, X_B), [0x6f] = D(OUTS, DX_W, X_Z),
	[0x70 ... 0x7f] = D(JCC, J_V),
	[0x80] = D(OTHER, E_B, I_B), [0x81] = D(OTHER, E_V, I_V),
	[0x82] = D(OTHER, E_B, I_B), [0x83] = D(OTHER, E_V, I_V),
	[0x84] = D(TEST, E_B, G_B), [0x85] = D(TEST, E_V, G_V),
	[0x86] = D(XCHG, E_B, G_B), [0x87] = D(XCHG, E_V, G_V),
	[0x88] = D(MOV, E_B, G_B), [0x89] = D(MOV, E_V, G_V),
	[0x8a] = D(MOV, G_B, E_B), [0x8b] = D(MOV, G_V, E_V),
	[0x8c] = D(MOV_SREG, E_WV, SREG_W), [0x8d] = D(LEA, G_V, M_0),
	[0x8e] = D(MOV_SREG, SREG_W, E_W), [0x8f] = D(POP, E_V),
	[0x90] = D(NOP), [0x91 ... 0x97] = D(XCHG, Z_V, ACC_V),
	[0x9a] = D(CALL_FAR), [0x9c] = D(PUSHF), [0x9d] = D(POPF),
	[0xa0] = D(MOV, ACC_B, MO_B), [0xa1] = D(MOV, ACC_V, MO_V),
	[0xa2] = D(MOV, MO_B, ACC_B), [0xa3] = D(MOV, MO_V, ACC_V),
	[0xa4] = D(MOVS, Y_B, X_B), [0xa5] = D(MOVS, Y_V, X_V),
	[0xa6] = D(CMPS, X_B, Y_B), [0xa7] = D(CMPS, X_V, Y_V),
	[0xa8] = D(TEST, ACC_B, I_B), [0xa9] = D(TEST, ACC_V, I_V),
	[0xaa] = D(STOS, Y_B, ACC_B), [0xab] = D(STOS, Y_V, ACC_V),
	[0xac] = D(LODS, ACC_B, X_B), [0xad] = D(LODS, ACC_V, X_V),
	[0xae] = D(SCAS, ACC_B, Y_B), [0xaf] = D(SCAS, ACC_V, Y_V),
	[0xb0 ... 0xb7] = D(MOV, Z_B, I_B), [0xb8 ... 0xbf] = D(MOV, Z_V, I_V),
	[0xc2] = D(RET, I_W), [0xc3] = D(RET),
	[0xc6] = D(MOV, E_B, I_B), [0xc7] = D(MOV, E_V, I_V),
	[0xca] = D(RET_FAR, I_W), [0xcb] = D(RET_FAR),
	[0xcc] = D(INT3), [0xcd] = D(INT, I_B), [0xce] = D(INTO),
	[0xcf] = D(IRET),
	[0xe0] = D(LOOPNE, J_V), [0xe1] = D(LOOPE, J_V), [0xe2] = D(LOOP, J_V),
	[0xe3] = D(JRCXZ, J_V),
	[0xe4] = D(IN, ACC_B, I_B), [0xe5] = D(IN, ACC_Z, I_B),
	[0xe6] = D(OUT, I_B, ACC_B), [0xe7] = D(OUT, I_B, ACC_Z),
	[0xe8] = D(CALL, J_V), [0xe9] = D(JMP, J_V), [0xea] = D(JMP_FAR),
	[0xeb] = D(JMP, J_V),
	[0xec] = D(IN, ACC_B, DX_W), [0xed] = D(IN, ACC_Z, DX_W),
	[0xee] = D(OUT, DX_W, ACC_B), [0xef] = D(OUT, DX_W, ACC_Z),
	[0xf1] = D(INT1), [0xf4] = D(HLT), [0xfa] = D(CLI), [0xfb] = D(STI),
};

static const struct desc desc_0f[256] = {
	[0x05] = D(SYSCALL), [0x06] = D(CLTS), [0x07] = D(SYSRET),
	[0x08] = D(INVD), [0x09] = D(WBINVD), [0x0b] = D(UD2),
	[0x1f] = D(NOP),
	[0x20] = D(MOV_CR, R_Y, CR_Y), [0x21] = D(MOV_DR, R_Y, DR_Y),
	[0x22] = D(MOV_CR, CR_Y, R_Y), [0x23] = D(MOV_DR, DR_Y, R_Y),
	[0x30] = D(WRMSR), [0x31] = D(RDTSC), [0x32] = D(RDMSR),
	[0x33] = D(RDPMC), [0x34] = D(SYSENTER), [0x35] = D(SYSEXIT),
	[0x40 ... 0x4f] = D(CMOVCC, G_V, E_V),
	[0x80 ... 0x8f] = D(JCC, J_V),
	[0x90 ... 0x9f] = D(SETCC, E_B),
	[0xa2] = D(CPUID), [0xa3] = D(BT, E_V, G_V), [0xab] = D(BTS, E_V, G_V),
	[0xb0] = D(CMPXCHG, E_B, G_B), [0xb1] = D(CMPXCHG, E_V, G_V),
	[0xb3] = D(BTR, E_V, G_V), [0xb6] = D(MOVZX, G_V, E_B),
	[0xb7] = D(MOVZX, G_V, E_W), [0xbb] = D(BTC, E_V, G_V),
	[0xbe] = D(MOVSX, G_V, E_B), [0xbf] = D(MOVSX, G_V, E_W),
	[0xc0] = D(XADD, E_B, G_B), [0xc1] = D(XADD, E_V, G_V),
};

/* Groups: the kind by ModRM.reg. */
static const u8 grp1_kind[8] = {
	DUET_X86_ADD, DUET_X86_OR, DUET_X86_ADC, DUET_X86_SBB,
	DUET_X86_AND, DUET_X86_SUB, DUET_X86_XOR, DUET_X86_CMP,
};

static const struct desc grp3_desc[8] = {	/* F6/F7 (byte: fixed up) */
	D(TEST, E_V, I_V), D(TEST, E_V, I_V), D(NOT, E_V), D(NEG, E_V),
};

static const struct desc grp5_desc[8] = {	/* FF */
	D(INC, E_V), D(DEC, E_V), D(CALL, E_V), D(CALL_FAR, M_P),
	D(JMP, E_V), D(JMP_FAR, M_P), D(PUSH, E_V),
};

static const struct desc grp6_desc[8] = {	/* 0F 00 */
	D(SLDT, E_WV), D(STR, E_WV), D(LLDT, E_W), D(LTR, E_W),
};

static const struct desc grp7_mem_desc[8] = {	/* 0F 01, memory forms */
	D(SGDT, M_DT), D(SIDT, M_DT), D(LGDT, M_DT), D(LIDT, M_DT),
	D(SMSW, E_WV), D(OTHER), D(LMSW, E_W), D(INVLPG, M_0),
};

/* 0F 01 with ModRM.mod == 3, by ModRM - 0xC0 (SDM, APM). */
static const u8 grp7_reg_kind[64] = {
	[0x01] = DUET_X86_VMCALL, [0x08] = DUET_X86_MONITOR,
	[0x09] = DUET_X86_MWAIT, [0x10] = DUET_X86_XGETBV,
	[0x11] = DUET_X86_XSETBV, [0x18] = DUET_X86_VMRUN,
	[0x19] = DUET_X86_VMMCALL, [0x1a] = DUET_X86_VMLOAD,
	[0x1b] = DUET_X86_VMSAVE, [0x1c] = DUET_X86_STGI,
	[0x1d] = DUET_X86_CLGI, [0x1e] = DUET_X86_SKINIT,
	[0x1f] = DUET_X86_INVLPGA, [0x38] = DUET_X86_SWAPGS,
	[0x39] = DUET_X86_RDTSCP,
};

#define DUET_X86_KIND(name) { #name },
static const struct {
	const char *name;
} kind_names[] = {
#include "kinds.h"
};

const char *duet_x86_kind_name(unsigned int kind)
{
	return kind < DUET_X86_NR_KINDS ? kind_names[kind].name : "?";
}
EXPORT_SYMBOL_IF_DUET_KUNIT(duet_x86_kind_name);

/* The bytes being decoded: at most 15 of them are ever looked at. */
struct cursor {
	const u8 *buf;
	size_t len;		/* min(buffer, 15) */
	size_t pos;
	bool short_buf;		/* the buffer ends before byte 15 */
};

/* Error for reading past the end: the buffer's or the 15-byte limit's. */
static int cursor_end(const struct cursor *c)
{
	return c->short_buf ? -ENODATA : -E2BIG;
}

static int fetch(struct cursor *c, u8 *b)
{
	if (c->pos >= c->len)
		return cursor_end(c);
	*b = c->buf[c->pos++];
	return 0;
}

static int peek(const struct cursor *c, u8 *b)
{
	if (c->pos >= c->len)
		return cursor_end(c);
	*b = c->buf[c->pos];
	return 0;
}

/* Read a little-endian value of @size bytes, sign-extended. */
static int fetch_imm(struct cursor *c, unsigned int size, u64 *val)
{
	u64 v = 0;
	unsigned int i;

	if (c->pos + size > c->len) {
		c->pos = c->len;
		return cursor_end(c);
	}
	for (i = 0; i < size; i++)
		v |= (u64)c->buf[c->pos + i] << (8 * i);
	c->pos += size;
	if (size && size < 8 && (v >> (8 * size - 1)) & 1)
		v |= ~0ULL << (8 * size);
	*val = v;
	return 0;
}

static u64 trunc_size(u64 v, unsigned int size)
{
	return size >= 8 ? v : v & ((1ULL << (8 * size)) - 1);
}

/* Legacy prefixes and REX (SDM "Instruction Prefixes", APM "Legacy Prefixes"). */
static int decode_prefixes(struct cursor *c, struct duet_x86_insn *insn)
{
	u8 b;
	int err;

	for (;;) {
		err = peek(c, &b);
		if (err)
			return err;
		if (insn->mode == 64 && (b & 0xf0) == 0x40) {
			/* REX: counts only right before the opcode. */
			insn->rex = b;
			c->pos++;
			continue;
		}
		if (!(map_one[b] & PFX))
			break;
		/* A REX followed by another prefix is ignored. */
		insn->rex = 0;
		switch (b) {
		case 0x26:
		case 0x2e:
		case 0x36:
		case 0x3e:	/* ES CS SS DS: (b >> 3) & 3 is the Sreg number */
			insn->seg = (b >> 3) & 3;
			break;
		case 0x64:
		case 0x65:
			insn->seg = b == 0x64 ? DUET_X86_SEG_FS : DUET_X86_SEG_GS;
			break;
		case 0x66:
			insn->opsize_prefix = true;
			break;
		case 0x67:
			insn->addrsize_prefix = true;
			break;
		case 0xf0:
			insn->lock = true;
			break;
		default:	/* F2, F3: the last one counts */
			insn->rep = b;
			break;
		}
		c->pos++;
	}
	insn->nr_prefixes = c->pos;
	if (insn->rex) {
		insn->rex_w = insn->rex & 8;
		insn->rex_r = insn->rex & 4;
		insn->rex_x = insn->rex & 2;
		insn->rex_b = insn->rex & 1;
	}
	return 0;
}

/*
 * VEX (C4/C5), XOP (8F) and EVEX (62): the prefix bytes, the opcode and
 * the attributes that give the length (SDM "VEX and EVEX", APM "VEX and
 * XOP Prefixes").  Returns the attributes, or a negative error.
 */
static int decode_vex(struct cursor *c, struct duet_x86_insn *insn, u8 b0)
{
	bool m64 = insn->mode == 64;
	u8 b1, b2 = 0, b3 = 0, op;
	int attr, err;

	err = fetch(c, &b1);
	if (!err && b0 != 0xc5)
		err = fetch(c, &b2);
	if (!err && b0 == 0x62)
		err = fetch(c, &b3);
	if (!err)
		err = fetch(c, &op);
	if (err)
		return err;

	/* #UD: these prefixes before VEX/XOP/EVEX. */
	if (insn->opsize_prefix || insn->rep || insn->lock || insn->rex)
		insn->ud |= DUET_X86_UD_VEX_PREFIX;

	if (b0 == 0xc5) {
		insn->vex.kind = DUET_X86_VEX2;
		insn->vex.map = 1;
		insn->rex_r = !(b1 & 0x80);
		b2 = b1;	/* W=0 (bit 7 set below), vvvv, L, pp */
		insn->vex.w = false;
	} else {
		insn->vex.kind = b0 == 0xc4 ? DUET_X86_VEX3 :
				 b0 == 0x8f ? DUET_X86_XOP : DUET_X86_EVEX;
		insn->rex_r = !(b1 & 0x80);
		insn->rex_x = !(b1 & 0x40);
		insn->rex_b = !(b1 & 0x20);
		insn->vex.map = b1 & (b0 == 0x62 ? 0x07 : 0x1f);
		insn->vex.w = b2 & 0x80;
	}
	insn->vex.vvvv = (~b2 >> 3) & 0xf;
	insn->vex.pp = b2 & 3;
	insn->vex.l = (b2 >> 2) & 1;
	if (!m64) {
		/* Outside 64-bit mode R, X, B and vvvv[3] are ignored. */
		insn->rex_r = false;
		insn->rex_x = false;
		insn->rex_b = false;
		insn->vex.vvvv &= 7;
	}
	insn->rex_w = m64 && insn->vex.w;
	insn->map = insn->vex.map;
	insn->opcode = op;

	switch (insn->vex.kind) {
	case DUET_X86_VEX2:
	case DUET_X86_VEX3:
		if (insn->map < 1 || insn->map > 3)
			return -EILSEQ;
		/* VZEROUPPER/VZEROALL: the only VEX opcode without ModRM. */
		if (insn->map == 1 && op == 0x77)
			return 0;
		break;
	case DUET_X86_XOP:
		if (insn->map < 8 || insn->map > 10)
			return -EILSEQ;
		return M | (insn->map == 8 ? IM_B : insn->map == 10 ? IM_D : 0);
	case DUET_X86_EVEX:
		/* P0 bit 3 must be 0, P1 bit 2 must be 1; maps 1-3, 5, 6. */
		if ((b1 & 0x08) || !(b2 & 0x04) || insn->map == 0 ||
		    insn->map == 4 || insn->map == 7)
			return -EILSEQ;
		insn->vex.evex_rp = m64 && !(b1 & 0x10);
		insn->vex.vvvv |= (b3 & 0x08) ? 0 : 0x10;
		if (!m64)
			insn->vex.vvvv &= 7;
		insn->vex.l = (b3 >> 5) & 3;
		insn->vex.evex_b = b3 & 0x10;
		insn->vex.evex_z = b3 & 0x80;
		insn->vex.evex_aaa = b3 & 7;
		break;
	}
	attr = M;
	if (insn->map == 3 ||
	    (insn->map == 1 && ((op >= 0x70 && op <= 0x73) || op == 0xc2 ||
				(op >= 0xc4 && op <= 0xc6))))
		attr |= IM_B;
	return attr;
}

/* Operand size in bytes (SDM "Operand-Size and Address-Size Attributes"). */
static u8 operand_size(const struct duet_x86_insn *insn, u16 attr, bool intel)
{
	if (attr & BYTE)
		return 1;
	if (insn->mode == 64) {
		if (insn->rex_w || (attr & F64) || ((attr & NB) && intel))
			return 8;
		if (attr & (D64 | NB))
			return insn->opsize_prefix ? 2 : 8;
		return insn->opsize_prefix ? 2 : 4;
	}
	if (attr & F64)		/* MOV CR/DR: 32 bits outside 64-bit mode */
		return 4;
	if (insn->mode == 32)
		return insn->opsize_prefix ? 2 : 4;
	return insn->opsize_prefix ? 4 : 2;
}

static const s8 base16[8] = { 3, 3, 5, 5, 6, 7, 5, 3 };	/* BX BX BP BP SI DI BP BX */
static const s8 index16[8] = { 6, 7, 6, 7, -1, -1, -1, -1 };	/* SI DI SI DI */

/* ModRM, SIB and displacement (SDM "ModR/M and SIB Bytes"). */
static int decode_modrm(struct cursor *c, struct duet_x86_insn *insn, u16 attr)
{
	unsigned int disp_size = 0;
	u8 b, rm3;
	u64 disp;
	int err;

	err = fetch(c, &b);
	if (err)
		return err;
	insn->has_modrm = true;
	insn->modrm = b;
	insn->mod = b >> 6;
	insn->reg = ((b >> 3) & 7) | (insn->rex_r ? 8 : 0);
	rm3 = b & 7;
	insn->rm = rm3 | (insn->rex_b ? 8 : 0);
	insn->scale = 1;
	insn->base = -1;
	insn->index = -1;
	if (attr & MREG)
		insn->mod = 3;
	if (insn->mod == 3)
		return 0;

	insn->mem = true;
	if (insn->addrsize == 2) {
		if (insn->mod == 0 && rm3 == 6) {
			disp_size = 2;
		} else {
			insn->base = base16[rm3];
			insn->index = index16[rm3];
			disp_size = insn->mod == 1 ? 1 : insn->mod == 2 ? 2 : 0;
		}
	} else {
		if (rm3 == 4) {
			err = fetch(c, &b);
			if (err)
				return err;
			insn->has_sib = true;
			insn->sib = b;
			insn->scale = 1 << (b >> 6);
			if (((b >> 3) & 7) != 4 || insn->rex_x)
				insn->index = ((b >> 3) & 7) | (insn->rex_x ? 8 : 0);
			if ((b & 7) == 5 && insn->mod == 0)
				disp_size = 4;
			else
				insn->base = (b & 7) | (insn->rex_b ? 8 : 0);
		} else if (rm3 == 5 && insn->mod == 0) {
			disp_size = 4;
			insn->rip_rel = insn->mode == 64;
		} else {
			insn->base = insn->rm;
		}
		if (insn->mod == 1)
			disp_size = 1;
		else if (insn->mod == 2)
			disp_size = 4;
	}
	err = fetch_imm(c, disp_size, &disp);
	if (err)
		return err;
	insn->disp = (s64)disp;
	insn->disp_size = disp_size;
	return 0;
}

/*
 * Opcodes whose validity, immediate or operand size depends on ModRM.reg
 * or on a prefix.  Returns the adjusted attributes or -EILSEQ.
 */
static int group_check(struct duet_x86_insn *insn, u16 attr)
{
	u8 reg = (insn->modrm >> 3) & 7;

	if (insn->map == DUET_X86_MAP_0F) {
		switch (insn->opcode) {
		case 0x00:	/* 0F 00 /6, /7 are reserved */
			return reg >= 6 ? -EILSEQ : attr;
		case 0x78:	/* 66/F2 0F 78: EXTRQ/INSERTQ imm8, imm8 (APM) */
			if (insn->rep == 0xf2 || (!insn->rep && insn->opsize_prefix))
				attr = (attr & ~IMM_MASK) | IM_BB;
			return attr;
		case 0xb8:	/* POPCNT needs F3; 0F B8 alone is JMPE (IA-64) */
			return insn->rep == 0xf3 ? attr : -EILSEQ;
		case 0xba:	/* BT/BTS/BTR/BTC imm8 are /4-/7 */
			return reg < 4 ? -EILSEQ : attr;
		}
		return attr;
	}

	switch (insn->opcode) {
	case 0x8d:	/* LEA needs a memory operand */
		return insn->mod == 3 ? -EILSEQ : attr;
	case 0xc6:
	case 0xc7:	/* /0 MOV; C6 F8 XABORT ib, C7 F8 XBEGIN rel (RTM) */
		if (reg == 0 || insn->modrm == 0xf8)
			return attr;
		return -EILSEQ;
	case 0xf6:
	case 0xf7:	/* only TEST (/0, /1) has an immediate */
		if (reg < 2)
			return attr | (insn->opcode == 0xf6 ? IM_B : IM_Z);
		return attr;
	case 0xfe:	/* INC/DEC only */
		return reg < 2 ? attr : -EILSEQ;
	case 0xff:
		if (reg == 7 || ((reg == 3 || reg == 5) && insn->mod == 3))
			return -EILSEQ;
		if (reg == 2 || reg == 4)	/* near CALL/JMP */
			attr |= NB;
		else if (reg == 6)		/* PUSH */
			attr |= D64;
		return attr;
	}
	return attr;
}

/* LOCK is legal only on these read-modify-write forms, memory destination. */
static bool lock_ok(const struct duet_x86_insn *insn, u16 attr)
{
	u8 reg = (insn->modrm >> 3) & 7;

	/* AMD: LOCK MOV CR0 is MOV CR8 (CPUID AltMovCr8) (APM). */
	if (insn->map == DUET_X86_MAP_0F && !insn->vex.kind &&
	    (insn->opcode == 0x20 || insn->opcode == 0x22))
		return true;
	if (!(attr & LK) || !insn->mem)
		return false;
	if (insn->map == DUET_X86_MAP_ONE) {
		switch (insn->opcode) {
		case 0x80 ... 0x83:
			return reg != 7;	/* not CMP */
		case 0xf6:
		case 0xf7:
			return reg == 2 || reg == 3;	/* NOT, NEG */
		case 0xfe:
		case 0xff:
			return reg < 2;		/* INC, DEC */
		}
		return true;
	}
	if (insn->map == DUET_X86_MAP_0F) {
		if (insn->opcode == 0xba)
			return reg >= 5;	/* BTS, BTR, BTC */
		if (insn->opcode == 0xc7)
			return reg == 1;	/* CMPXCHG8B/16B */
	}
	return true;
}

/* Immediates (and the moffs, kept as the displacement). */
static int decode_imm(struct cursor *c, struct duet_x86_insn *insn, u16 attr)
{
	unsigned int size = 0, size2 = 0;
	u64 v;
	int err;

	switch (attr & IMM_MASK) {
	case IM_B:
	case IM_JB:
		size = 1;
		break;
	case IM_W:
		size = 2;
		break;
	case IM_Z:
	case IM_JZ:
		size = insn->opsize == 2 ? 2 : 4;
		break;
	case IM_V:
		size = insn->opsize;
		break;
	case IM_WB:
		size = 2;
		size2 = 1;
		break;
	case IM_PTR:
		size = insn->opsize == 2 ? 2 : 4;
		size2 = 2;
		break;
	case IM_D:
		size = 4;
		break;
	case IM_BB:
		size = 1;
		size2 = 1;
		break;
	case IM_MOFFS:
		err = fetch_imm(c, insn->addrsize, &v);
		if (err)
			return err;
		insn->mem = true;
		insn->base = -1;
		insn->index = -1;
		insn->scale = 1;
		insn->disp = (s64)trunc_size(v, insn->addrsize);
		insn->disp_size = insn->addrsize;
		return 0;
	}
	err = fetch_imm(c, size, &v);
	if (err)
		return err;
	insn->imm = v;
	insn->imm_size = size;
	if (size2) {
		err = fetch_imm(c, size2, &v);
		if (err)
			return err;
		insn->imm2 = trunc_size(v, size2);
		insn->imm2_size = size2;
	}
	return 0;
}

static u8 template_size(const struct duet_x86_insn *insn, u8 code)
{
	static const u8 fixed[] = { [S_B] = 1, [S_W] = 2, [S_D] = 4, [S_Q] = 8 };
	bool m64 = insn->mode == 64;

	switch (code) {
	case S_V:
		return insn->opsize;
	case S_Z:
		return insn->opsize > 4 ? 4 : insn->opsize;
	case S_Y:
		return m64 ? 8 : 4;
	case S_DT:
		return m64 ? 10 : 6;
	case S_P:
		return insn->opsize + 2;
	case S_WV:
		return insn->mem ? 2 : insn->opsize;
	}
	return code < sizeof(fixed) ? fixed[code] : 0;
}

static void set_gpr(const struct duet_x86_insn *insn, struct duet_x86_operand *op,
		    u8 reg, u8 size)
{
	op->type = DUET_X86_OP_REG;
	op->reg_class = DUET_X86_REG_GPR;
	op->reg = reg;
	op->size = size;
	/* Without REX, byte registers 4-7 are AH, CH, DH, BH. */
	op->high8 = size == 1 && !insn->rex && reg >= 4 && reg < 8;
}

static void make_operand(struct duet_x86_insn *insn, struct duet_x86_operand *op,
			 u8 tmpl)
{
	u8 size = template_size(insn, tmpl & 0xf);

	op->size = size;
	switch (tmpl >> 4) {
	case O_E:
		if (insn->mem)
			op->type = DUET_X86_OP_MEM;
		else
			set_gpr(insn, op, insn->rm, size);
		break;
	case O_M:
	case O_MOFFS:
		op->type = DUET_X86_OP_MEM;
		break;
	case O_G:
		set_gpr(insn, op, insn->reg, size);
		break;
	case O_I:
		op->type = DUET_X86_OP_IMM;
		op->imm = trunc_size(insn->imm, size);
		break;
	case O_J:
		op->type = DUET_X86_OP_REL;
		op->imm = insn->target;
		break;
	case O_Z:
		set_gpr(insn, op, (insn->opcode & 7) | (insn->rex_b ? 8 : 0), size);
		break;
	case O_ACC:
		set_gpr(insn, op, 0, size);
		break;
	case O_DX:
		set_gpr(insn, op, 2, size);
		break;
	case O_SRC:
		op->type = DUET_X86_OP_STR_SRC;
		break;
	case O_DST:
		op->type = DUET_X86_OP_STR_DST;
		break;
	case O_SREG:
		op->type = DUET_X86_OP_REG;
		op->reg_class = DUET_X86_REG_SEG;
		op->reg = (insn->modrm >> 3) & 7;
		break;
	case O_CREG:
		op->type = DUET_X86_OP_REG;
		op->reg_class = DUET_X86_REG_CR;
		/* LOCK MOV CR0 is CR8 on AMD (AltMovCr8). */
		op->reg = insn->reg | (insn->lock ? 8 : 0);
		break;
	case O_DREG:
		op->type = DUET_X86_OP_REG;
		op->reg_class = DUET_X86_REG_DR;
		op->reg = insn->reg;
		break;
	}
}

/* PUSH/POP of a segment register (06 07 0E 16 17 1E 1F, 0F A0 A1 A8 A9). */
static bool seg_push_pop(struct duet_x86_insn *insn)
{
	u8 op = insn->opcode, seg, kind;

	if (insn->map == DUET_X86_MAP_0F) {
		if ((op & 0xf6) != 0xa0)
			return false;
		seg = op < 0xa8 ? DUET_X86_SEG_FS : DUET_X86_SEG_GS;
		kind = op & 1 ? DUET_X86_POP : DUET_X86_PUSH;
	} else {
		if (op >= 0x20 || (op & 7) < 6 || op == 0x0f)
			return false;
		seg = op >> 3;
		kind = op & 1 ? DUET_X86_POP : DUET_X86_PUSH;
	}
	insn->kind = kind;
	insn->nr_ops = 1;
	insn->ops[0].type = DUET_X86_OP_REG;
	insn->ops[0].reg_class = DUET_X86_REG_SEG;
	insn->ops[0].reg = seg;
	insn->ops[0].size = insn->opsize;
	return true;
}

/* Kind and operands of the instructions in the descriptor tables. */
static void decode_semantics(struct duet_x86_insn *insn)
{
	u8 reg = (insn->modrm >> 3) & 7, op = insn->opcode;
	struct desc d = { DUET_X86_OTHER };
	unsigned int i;

	if (insn->vex.kind || insn->map > DUET_X86_MAP_0F)
		return;
	if (seg_push_pop(insn))
		return;

	if (insn->map == DUET_X86_MAP_ONE) {
		d = desc_one[op];
		switch (op) {
		case 0x00 ... 0x3f:	/* ALU rows: the kind by row, as in group 1 */
			if ((op & 7) < 6) {
				d = alu_desc[op & 7];
				d.kind = grp1_kind[op >> 3];
			}
			break;
		case 0x63:
			if (insn->mode != 64)
				d.kind = DUET_X86_OTHER;	/* ARPL */
			break;
		case 0x80 ... 0x83:
			d.kind = grp1_kind[reg];
			break;
		case 0x90:
			if (insn->rex_b)
				d = desc_one[0x91];	/* XCHG r8, ACC_V */
			else if (insn->rep == 0xf3)
				d.kind = DUET_X86_PAUSE;
			break;
		case 0xc6:
		case 0xc7:
			if (reg)
				d = (struct desc){ DUET_X86_OTHER };	/* XABORT/XBEGIN */
			break;
		case 0xf6:
		case 0xf7:
			d = grp3_desc[reg];
			break;
		case 0xfe:
			d = grp5_desc[reg];
			break;
		case 0xff:
			d = grp5_desc[reg];
			break;
		}
		/* The byte forms of F6 and FE. */
		if ((op == 0xf6 || op == 0xfe) && d.kind != DUET_X86_OTHER)
			for (i = 0; i < 2; i++)
				if (d.ops[i])
					d.ops[i] = (d.ops[i] & 0xf0) | S_B;
	} else if (insn->map == DUET_X86_MAP_0F) {
		d = desc_0f[op];
		switch (op) {
		case 0x00:
			d = grp6_desc[reg];
			break;
		case 0x01:	/* by reg; with mod == 3 by the whole ModRM */
			if (insn->mem)
				d = grp7_mem_desc[reg];
			else if (reg == 4)
				d = (struct desc)D(SMSW, E_WV);
			else if (reg == 6)
				d = (struct desc)D(LMSW, E_W);
			else if (!insn->rep &&	/* F2/F3 select others */
				 (insn->modrm != 0xf8 || insn->mode == 64))	/* SWAPGS */
				d.kind = grp7_reg_kind[insn->modrm - 0xc0];
			break;
		case 0xba:
			d = (struct desc)D(OTHER, E_V, I_B);
			d.kind = reg == 4 ? DUET_X86_BT : reg == 5 ? DUET_X86_BTS :
				 reg == 6 ? DUET_X86_BTR : DUET_X86_BTC;
			break;
		}
	}
	if (d.kind == DUET_X86_OTHER)
		return;
	insn->kind = d.kind;
	if (d.kind == DUET_X86_JCC || d.kind == DUET_X86_SETCC ||
	    d.kind == DUET_X86_CMOVCC)
		insn->cc = op & 0xf;
	for (i = 0; i < 3 && d.ops[i]; i++)
		make_operand(insn, &insn->ops[i], d.ops[i]);
	insn->nr_ops = i;
}

int duet_x86_decode(struct duet_x86_insn *insn, const u8 *buf, size_t len,
		    unsigned int mode, u64 rip)
{
	bool intel = mode & DUET_X86_INTEL;
	struct cursor c = { .buf = buf };
	const u16 *map = map_one;
	int attr, err;
	u8 b, next;

	*insn = (struct duet_x86_insn){ .rip = rip, .seg = DUET_X86_SEG_NONE };
	mode &= ~DUET_X86_INTEL;
	if (mode != DUET_X86_MODE_16 && mode != DUET_X86_MODE_32 &&
	    mode != DUET_X86_MODE_64)
		return -EINVAL;
	insn->mode = mode;
	c.len = len < DUET_X86_MAX_INSN_LEN ? len : DUET_X86_MAX_INSN_LEN;
	c.short_buf = len < DUET_X86_MAX_INSN_LEN;

	err = decode_prefixes(&c, insn);
	if (err)
		return err;
	if (mode == 64)
		insn->addrsize = insn->addrsize_prefix ? 4 : 8;
	else if (mode == 32)
		insn->addrsize = insn->addrsize_prefix ? 2 : 4;
	else
		insn->addrsize = insn->addrsize_prefix ? 4 : 2;

	err = fetch(&c, &b);
	if (err)
		return err;
	insn->opcode = b;
	insn->map = DUET_X86_MAP_ONE;

	if (b == 0xc4 || b == 0xc5 || b == 0x62 || b == 0x8f) {
		err = peek(&c, &next);
		if (err)
			return err;
		/*
		 * Outside 64-bit mode C4/C5/62 are LES/LDS/BOUND unless the
		 * next byte could not be their ModRM (mod == 3).  8F is XOP
		 * unless ModRM.reg is 0 (POP).
		 */
		if (b == 0x8f ? (next & 0x38) != 0 :
		    mode == 64 || (next & 0xc0) == 0xc0) {
			attr = decode_vex(&c, insn, b);
			if (attr < 0)
				return attr;
			insn->opsize = insn->rex_w ? 8 : 4;
			goto modrm;
		}
	}

	if (b == 0x0f) {
		err = fetch(&c, &b);
		if (err)
			return err;
		insn->opcode = b;
		insn->map = DUET_X86_MAP_0F;
		map = map_0f;
		if (b == 0x38 || b == 0x3a) {
			err = fetch(&c, &b);
			if (err)
				return err;
			map = insn->opcode == 0x38 ? map_0f38 : map_0f3a;
			insn->map = insn->opcode == 0x38 ? DUET_X86_MAP_0F38 :
							  DUET_X86_MAP_0F3A;
			insn->opcode = b;
		} else if (b == 0x0f) {
			/* 3DNow!: ModRM, then the opcode as a trailing byte (APM). */
			insn->map = DUET_X86_MAP_3DNOW;
			attr = M;
			goto modrm;
		}
	}
	attr = map[b];
	if (insn->map >= DUET_X86_MAP_0F38 && !(attr & M))
		return -EILSEQ;
	if ((attr & INV) || ((attr & I64) && mode == 64))
		return -EILSEQ;

modrm:
	if (attr & M) {
		err = decode_modrm(&c, insn, attr);
		if (err)
			return err;
		if (attr & GRP && !insn->vex.kind) {
			attr = group_check(insn, attr);
			if (attr < 0)
				return attr;
		}
	}
	if (!insn->vex.kind)
		insn->opsize = operand_size(insn, attr, intel);

	err = decode_imm(&c, insn, attr);
	if (err)
		return err;
	if (insn->map == DUET_X86_MAP_3DNOW) {
		err = fetch(&c, &b);
		if (err)
			return err;
		insn->opcode = b;
	}
	insn->len = c.pos;

	if (insn->lock && !lock_ok(insn, attr))
		insn->ud |= DUET_X86_UD_LOCK;

	/* Relative branches: the target, truncated to the operand size. */
	if ((attr & IMM_MASK) == IM_JB || (attr & IMM_MASK) == IM_JZ) {
		insn->has_target = true;
		insn->target = trunc_size(rip + insn->len + insn->imm, insn->opsize);
	}
	decode_semantics(insn);
	return 0;
}
EXPORT_SYMBOL_IF_DUET_KUNIT(duet_x86_decode);

int duet_x86_insn_ea(const struct duet_x86_insn *insn,
		     duet_x86_read_gpr_t read_gpr, void *ctx, u64 *ea)
{
	u64 addr;

	if (!insn->mem)
		return -EINVAL;
	addr = (u64)insn->disp;
	if (insn->rip_rel)
		addr += insn->rip + insn->len;
	if (insn->base >= 0)
		addr += read_gpr(ctx, insn->base);
	if (insn->index >= 0)
		addr += read_gpr(ctx, insn->index) * insn->scale;
	*ea = trunc_size(addr, insn->addrsize);
	return 0;
}
EXPORT_SYMBOL_IF_DUET_KUNIT(duet_x86_insn_ea);
