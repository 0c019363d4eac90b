// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: module/x86/decode.c, the x86 instruction decoder.  A table of
 * encodings with their expected length and fields (the lengths agree with
 * objdump; userspace/tests/decode_diff.c checks that on random bytes),
 * then operand descriptors, effective addresses and the error cases.
 */
#include <kunit/test.h>

#include "x86/decode.h"

#define RIP		0x1000ULL
#define M16		DUET_X86_MODE_16
#define M32		DUET_X86_MODE_32
#define INTEL64		(DUET_X86_MODE_64 | DUET_X86_INTEL)

/* What a table row checks besides err, len and kind (always checked). */
#define C_OP		BIT(0)	/* map, opcode */
#define C_SIZE		BIT(1)	/* opsize, addrsize */
#define C_MODRM		BIT(2)	/* mod, reg, rm */
#define C_MEM		BIT(3)	/* mem set; base, index, scale, rip_rel */
#define C_REGOP		BIT(4)	/* mem clear */
#define C_DISP		BIT(5)	/* disp, disp_size */
#define C_IMM		BIT(6)	/* imm, imm_size */
#define C_IMM2		BIT(7)	/* imm2, imm2_size */
#define C_PFX		BIT(8)	/* rex, rep, seg, lock, 66, 67 */
#define C_VEX		BIT(9)	/* vex.kind, map, l, pp, vvvv, w */
#define C_CC		BIT(10)	/* cc */
#define C_TARGET	BIT(11)	/* target (rip = RIP) */

struct decode_case {
	const char *name;
	u8 bytes[16];
	u8 nbytes;
	u16 mode;		/* 0: 64-bit */
	int err;
	u8 len;
	u16 kind;
	u8 ud;
	u32 check;
	u8 map, opcode;
	u8 opsize, addrsize;
	u8 mod, reg, rm;
	s8 base, index;
	u8 scale;
	bool rip_rel;
	s64 disp;
	u8 disp_size;
	u64 imm;
	u8 imm_size;
	u64 imm2;
	u8 imm2_size;
	u8 rex, rep, seg;
	bool lock, opsize_prefix, addrsize_prefix;
	u8 vex_kind, vex_map, vex_l, vex_pp, vex_vvvv;
	bool vex_w;
	u8 cc;
	u64 target;
};

#define B(...)		.bytes = { __VA_ARGS__ }, \
			.nbytes = sizeof((const u8[]){ __VA_ARGS__ })
#define K(k)		.kind = DUET_X86_##k
#define NOSEG		.seg = DUET_X86_SEG_NONE
#define SIZES(o, a)	.opsize = (o), .addrsize = (a)
#define MODRM(m, r, x)	.mod = (m), .reg = (r), .rm = (x)
#define MEM(b, i, s)	.base = (b), .index = (i), .scale = (s)
#define DISP(d, s)	.disp = (d), .disp_size = (s)
#define IMM(v, s)	.imm = (v), .imm_size = (s)
#define IMM2(v, s)	.imm2 = (v), .imm2_size = (s)
#define EILSEQ_CASE(n, m, ...) { .name = n, .mode = m, B(__VA_ARGS__), .err = -EILSEQ }

static const struct decode_case cases[] = {
	/* ModRM, SIB, displacement */
	{ "nop", B(0x90), .len = 1, K(NOP), .check = C_OP | C_SIZE,
	  .map = DUET_X86_MAP_ONE, .opcode = 0x90, SIZES(4, 8) },
	{ "mov rax,rcx", B(0x48, 0x89, 0xc8), .len = 3, K(MOV),
	  .check = C_SIZE | C_MODRM | C_REGOP | C_PFX, SIZES(8, 8), MODRM(3, 1, 0),
	  .rex = 0x48, NOSEG },
	{ "mov r8,r9 (REX.R REX.B)", B(0x4d, 0x89, 0xc8), .len = 3, K(MOV),
	  .check = C_MODRM | C_REGOP, MODRM(3, 9, 8) },
	{ "mov [rax],ecx", B(0x89, 0x08), .len = 2, K(MOV),
	  .check = C_MODRM | C_MEM | C_DISP, MODRM(0, 1, 0), MEM(0, -1, 1) },
	{ "SIB disp8 [rax+rcx*4+0x10]", B(0x89, 0x54, 0x88, 0x10), .len = 4,
	  K(MOV), .check = C_MEM | C_DISP, MEM(0, 1, 4), DISP(0x10, 1) },
	{ "SIB no base no index (mod 0, base 5)", B(0x8b, 0x04, 0x25, 0x78, 0x56, 0x34, 0x12),
	  .len = 7, K(MOV), .check = C_MEM | C_DISP, MEM(-1, -1, 1),
	  DISP(0x12345678, 4) },
	{ "SIB no base, index rcx*4", B(0x8b, 0x04, 0x8d, 0x00, 0x10, 0x00, 0x00),
	  .len = 7, K(MOV), .check = C_MEM | C_DISP, MEM(-1, 1, 4), DISP(0x1000, 4) },
	{ "SIB no base ignores REX.B", B(0x41, 0x8b, 0x04, 0x25, 0x00, 0x10, 0x00, 0x00),
	  .len = 8, K(MOV), .check = C_MEM | C_DISP, MEM(-1, -1, 1), DISP(0x1000, 4) },
	{ "[r13+0] needs disp8", B(0x41, 0x8b, 0x45, 0x00), .len = 4, K(MOV),
	  .check = C_MEM | C_DISP, MEM(13, -1, 1), DISP(0, 1) },
	{ "[r12] needs SIB", B(0x41, 0x8b, 0x04, 0x24), .len = 4, K(MOV),
	  .check = C_MEM, MEM(12, -1, 1) },
	{ "index r12 via REX.X", B(0x42, 0x8b, 0x04, 0x20), .len = 4, K(MOV),
	  .check = C_MEM, MEM(0, 12, 1) },
	{ "[rsp]", B(0x8b, 0x04, 0x24), .len = 3, K(MOV), .check = C_MEM,
	  MEM(4, -1, 1) },
	{ "RIP-relative", B(0x8b, 0x05, 0x10, 0x00, 0x00, 0x00), .len = 6, K(MOV),
	  .check = C_MEM | C_DISP, MEM(-1, -1, 1), .rip_rel = true, DISP(0x10, 4) },
	{ "RIP-relative ignores REX.B", B(0x41, 0x8b, 0x05, 0xf0, 0xff, 0xff, 0xff),
	  .len = 7, K(MOV), .check = C_MEM | C_DISP, MEM(-1, -1, 1),
	  .rip_rel = true, DISP(-16, 4) },
	{ "RIP-relative with 67", B(0x67, 0x8b, 0x05, 0x10, 0x00, 0x00, 0x00),
	  .len = 7, K(MOV), .check = C_MEM | C_SIZE, MEM(-1, -1, 1),
	  .rip_rel = true, SIZES(4, 4) },
	{ "disp32 negative", B(0x8b, 0x80, 0x00, 0xff, 0xff, 0xff), .len = 6,
	  K(MOV), .check = C_DISP, DISP(-256, 4) },
	{ "disp8 negative", B(0x8b, 0x40, 0xf0), .len = 3, K(MOV),
	  .check = C_DISP, DISP(-16, 1) },
	{ "SIB disp32 scale 8", B(0x8b, 0x84, 0xc8, 0x00, 0x01, 0x00, 0x00), .len = 7,
	  K(MOV), .check = C_MEM | C_DISP, MEM(0, 1, 8), DISP(0x100, 4) },

	/* Immediates and operand size */
	{ "add al,imm8", B(0x04, 0x7f), .len = 2, K(ADD), .check = C_IMM | C_SIZE,
	  IMM(0x7f, 1), SIZES(1, 8) },
	{ "add eax,imm32", B(0x05, 0x78, 0x56, 0x34, 0x12), .len = 5, K(ADD),
	  .check = C_IMM, IMM(0x12345678, 4) },
	{ "add ax,imm16 (66)", B(0x66, 0x05, 0x34, 0x12), .len = 4, K(ADD),
	  .check = C_IMM | C_SIZE | C_PFX, IMM(0x1234, 2), SIZES(2, 8),
	  .opsize_prefix = true, NOSEG },
	{ "add rax,imm32 sign-extended", B(0x48, 0x05, 0xff, 0xff, 0xff, 0xff),
	  .len = 6, K(ADD), .check = C_IMM | C_SIZE, IMM(~0ULL, 4), SIZES(8, 8) },
	{ "add eax,imm8 (83)", B(0x83, 0xc0, 0xff), .len = 3, K(ADD),
	  .check = C_IMM, IMM(~0ULL, 1) },
	{ "cmp [rax],imm32 (81 /7)", B(0x81, 0x38, 0x78, 0x56, 0x34, 0x12), .len = 6,
	  K(CMP), .check = C_IMM | C_MEM, IMM(0x12345678, 4), MEM(0, -1, 1) },
	{ "sub ax,imm16 (66 81)", B(0x66, 0x81, 0xe8, 0x34, 0x12), .len = 5, K(SUB),
	  .check = C_IMM, IMM(0x1234, 2) },
	{ "xor byte [rax],imm8 (80 /6)", B(0x80, 0x30, 0x01), .len = 3, K(XOR) },
	{ "mov eax,imm32", B(0xb8, 0x78, 0x56, 0x34, 0x12), .len = 5, K(MOV),
	  .check = C_IMM, IMM(0x12345678, 4) },
	{ "mov rax,imm64 (REX.W B8)",
	  B(0x48, 0xb8, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11), .len = 10,
	  K(MOV), .check = C_IMM | C_SIZE, IMM(0x1122334455667788ULL, 8), SIZES(8, 8) },
	{ "mov ax,imm16 (66 B8)", B(0x66, 0xb8, 0x34, 0x12), .len = 4, K(MOV),
	  .check = C_IMM, IMM(0x1234, 2) },
	{ "mov r8d,imm32 (REX.B only)", B(0x41, 0xb8, 0x01, 0x00, 0x00, 0x00),
	  .len = 6, K(MOV), .check = C_IMM | C_SIZE, IMM(1, 4), SIZES(4, 8) },
	{ "mov al,imm8", B(0xb0, 0x12), .len = 2, K(MOV), .check = C_IMM, IMM(0x12, 1) },
	{ "mov dword [rax],imm32", B(0xc7, 0x00, 0x78, 0x56, 0x34, 0x12), .len = 6,
	  K(MOV), .check = C_IMM | C_MEM, IMM(0x12345678, 4), MEM(0, -1, 1) },
	{ "mov rax,imm32 (48 C7)", B(0x48, 0xc7, 0xc0, 0xff, 0xff, 0xff, 0xff),
	  .len = 7, K(MOV), .check = C_IMM, IMM(~0ULL, 4) },
	{ "mov word [rax],imm16 (66 C7)", B(0x66, 0xc7, 0x00, 0x34, 0x12), .len = 5,
	  K(MOV), .check = C_IMM, IMM(0x1234, 2) },
	{ "mov byte [rax],imm8", B(0xc6, 0x00, 0x12), .len = 3, K(MOV),
	  .check = C_IMM, IMM(0x12, 1) },
	{ "push imm32", B(0x68, 0x78, 0x56, 0x34, 0x12), .len = 5, K(PUSH),
	  .check = C_SIZE | C_IMM, SIZES(8, 8), IMM(0x12345678, 4) },
	{ "push imm16 (66)", B(0x66, 0x68, 0x34, 0x12), .len = 4, K(PUSH),
	  .check = C_SIZE, SIZES(2, 8) },
	{ "push imm8", B(0x6a, 0xff), .len = 2, K(PUSH), .check = C_IMM, IMM(~0ULL, 1) },
	{ "imul eax,eax,imm32", B(0x69, 0xc0, 0x00, 0x01, 0x00, 0x00), .len = 6, K(OTHER) },
	{ "imul eax,eax,imm8", B(0x6b, 0xc0, 0x05), .len = 3, K(OTHER) },
	{ "enter iw,ib", B(0xc8, 0x10, 0x00, 0x01), .len = 4, K(OTHER),
	  .check = C_IMM | C_IMM2, IMM(0x10, 2), IMM2(1, 1) },
	{ "ret imm16", B(0xc2, 0x08, 0x00), .len = 3, K(RET), .check = C_IMM,
	  IMM(8, 2) },
	{ "ret imm16 with 66 stays imm16", B(0x66, 0xc2, 0x08, 0x00), .len = 4, K(RET) },
	{ "int 0x80", B(0xcd, 0x80), .len = 2, K(INT), .check = C_IMM, IMM(~0x7fULL, 1) },
	{ "shl eax,imm8 (C1)", B(0xc1, 0xe0, 0x04), .len = 3, K(OTHER) },
	{ "in al,imm8", B(0xe4, 0x60), .len = 2, K(IN) },

	/* Group F6/F7: only TEST has an immediate */
	{ "test al,imm8 (F6 /0)", B(0xf6, 0xc0, 0x01), .len = 3, K(TEST),
	  .check = C_IMM, IMM(1, 1) },
	{ "test al,imm8 (F6 /1 alias)", B(0xf6, 0xc8, 0x01), .len = 3, K(TEST) },
	{ "not al (F6 /2)", B(0xf6, 0xd0), .len = 2, K(NOT),
	  .check = C_IMM, IMM(0, 0) },
	{ "test eax,imm32 (F7 /0)", B(0xf7, 0xc0, 0x78, 0x56, 0x34, 0x12), .len = 6,
	  K(TEST), .check = C_IMM, IMM(0x12345678, 4) },
	{ "test ax,imm16 (66 F7 /0)", B(0x66, 0xf7, 0xc0, 0x34, 0x12), .len = 5,
	  K(TEST), .check = C_IMM, IMM(0x1234, 2) },
	{ "test rax,imm32 (48 F7 /0)", B(0x48, 0xf7, 0xc0, 0x00, 0x00, 0x00, 0x80),
	  .len = 7, K(TEST), .check = C_IMM, IMM(0xffffffff80000000ULL, 4) },
	{ "neg eax (F7 /3)", B(0xf7, 0xd8), .len = 2, K(NEG) },
	{ "mul eax (F7 /4)", B(0xf7, 0xe0), .len = 2, K(OTHER) },
	{ "test byte [rax+0x10],imm8", B(0xf6, 0x40, 0x10, 0x01), .len = 4, K(TEST),
	  .check = C_DISP | C_IMM, DISP(0x10, 1), IMM(1, 1) },
	{ "idiv dword [rax+disp32] (F7 /7)", B(0xf7, 0xb8, 0x00, 0x01, 0x00, 0x00),
	  .len = 6, K(OTHER) },

	/* moffs: sized by the address size */
	{ "mov eax,moffs64", B(0xa1, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11),
	  .len = 9, K(MOV), .check = C_MEM | C_DISP, MEM(-1, -1, 1),
	  DISP(0x1122334455667788LL, 8) },
	{ "mov eax,moffs32 (67)", B(0x67, 0xa1, 0x78, 0x56, 0x34, 0x12), .len = 6,
	  K(MOV), .check = C_DISP | C_SIZE, DISP(0x12345678, 4), SIZES(4, 4) },
	{ "mov al,moffs64", B(0xa0, 1, 2, 3, 4, 5, 6, 7, 8), .len = 9, K(MOV) },
	{ "mov moffs64,rax", B(0x48, 0xa3, 1, 2, 3, 4, 5, 6, 7, 8), .len = 10,
	  K(MOV), .check = C_SIZE, SIZES(8, 8) },
	{ "mov moffs32 zero-extended (67)", B(0x67, 0xa2, 0x00, 0x00, 0x00, 0x80),
	  .len = 6, K(MOV), .check = C_DISP, DISP(0x80000000LL, 4) },
	{ "32-bit: mov eax,moffs32", .mode = M32, B(0xa1, 1, 2, 3, 4), .len = 5, K(MOV) },
	{ "32-bit: mov eax,moffs16 (67)", .mode = M32, B(0x67, 0xa1, 0x34, 0x12),
	  .len = 4, K(MOV), .check = C_DISP | C_SIZE, DISP(0x1234, 2), SIZES(4, 2) },
	{ "16-bit: mov ax,moffs16", .mode = M16, B(0xa1, 0x34, 0x12), .len = 3,
	  K(MOV), .check = C_SIZE, SIZES(2, 2) },
	{ "16-bit: mov ax,moffs32 (67)", .mode = M16, B(0x67, 0xa1, 1, 2, 3, 4),
	  .len = 6, K(MOV) },

	/* Prefixes */
	{ "rep movsb", B(0xf3, 0xa4), .len = 2, K(MOVS), .check = C_PFX | C_SIZE,
	  .rep = 0xf3, NOSEG, SIZES(1, 8) },
	{ "repne scasb", B(0xf2, 0xae), .len = 2, K(SCAS), .check = C_PFX,
	  .rep = 0xf2, NOSEG },
	{ "rep with both: the last counts", B(0xf2, 0xf3, 0xab), .len = 3, K(STOS),
	  .check = C_PFX, .rep = 0xf3, NOSEG },
	{ "lock add [rax],eax", B(0xf0, 0x01, 0x00), .len = 3, K(ADD),
	  .check = C_PFX, .lock = true, NOSEG },
	{ "lock add eax,eax: #UD", B(0xf0, 0x01, 0xc0), .len = 3, K(ADD),
	  .ud = DUET_X86_UD_LOCK },
	{ "lock nop: #UD", B(0xf0, 0x90), .len = 2, K(NOP), .ud = DUET_X86_UD_LOCK },
	{ "lock mov [rax],eax: #UD", B(0xf0, 0x89, 0x00), .len = 3, K(MOV),
	  .ud = DUET_X86_UD_LOCK },
	{ "lock cmpxchg [rdx],ecx", B(0xf0, 0x0f, 0xb1, 0x0a), .len = 4, K(CMPXCHG) },
	{ "lock cmp [rax],imm8: #UD", B(0xf0, 0x83, 0x38, 0x01), .len = 4, K(CMP),
	  .ud = DUET_X86_UD_LOCK },
	{ "lock sub [rax],imm8", B(0xf0, 0x83, 0x28, 0x01), .len = 4, K(SUB) },
	{ "lock xchg [rax],ecx", B(0xf0, 0x87, 0x08), .len = 3, K(XCHG) },
	{ "lock bts [rax],imm8", B(0xf0, 0x0f, 0xba, 0x28, 0x05), .len = 5, K(BTS) },
	{ "lock bt [rax],imm8: #UD", B(0xf0, 0x0f, 0xba, 0x20, 0x05), .len = 5, K(BT),
	  .ud = DUET_X86_UD_LOCK },
	{ "lock neg dword [rax]", B(0xf0, 0xf7, 0x18), .len = 3, K(NEG) },
	{ "lock test [rax],imm32: #UD", B(0xf0, 0xf7, 0x00, 1, 0, 0, 0), .len = 7,
	  K(TEST), .ud = DUET_X86_UD_LOCK },
	{ "lock inc dword [rax]", B(0xf0, 0xff, 0x00), .len = 3, K(INC) },
	{ "lock cmpxchg8b [rax]", B(0xf0, 0x0f, 0xc7, 0x08), .len = 4, K(OTHER) },
	{ "lock xadd [rax],ecx", B(0xf0, 0x0f, 0xc1, 0x08), .len = 4, K(XADD) },
	{ "fs override", B(0x64, 0x8b, 0x00), .len = 3, K(MOV), .check = C_PFX,
	  .seg = DUET_X86_SEG_FS },
	{ "cs override kept in 64-bit mode", B(0x2e, 0x8b, 0x00), .len = 3, K(MOV),
	  .check = C_PFX, .seg = DUET_X86_SEG_CS },
	{ "two overrides: the last counts", B(0x64, 0x65, 0x8b, 0x00), .len = 4, K(MOV),
	  .check = C_PFX, .seg = DUET_X86_SEG_GS },
	{ "mov rax,gs:[0x28]", B(0x65, 0x48, 0x8b, 0x04, 0x25, 0x28, 0x00, 0x00, 0x00),
	  .len = 9, K(MOV), .check = C_PFX | C_MEM | C_DISP, .seg = DUET_X86_SEG_GS,
	  .rex = 0x48, MEM(-1, -1, 1), DISP(0x28, 4) },
	{ "REX before 66 is ignored", B(0x48, 0x66, 0x89, 0xc8), .len = 4, K(MOV),
	  .check = C_PFX | C_SIZE, .opsize_prefix = true, NOSEG, SIZES(2, 8) },
	{ "REX.W after 66 wins", B(0x66, 0x48, 0x89, 0xc8), .len = 4, K(MOV),
	  .check = C_PFX | C_SIZE, .rex = 0x48, .opsize_prefix = true, NOSEG,
	  SIZES(8, 8) },
	{ "two REX: the last counts", B(0x49, 0x48, 0x89, 0xc8), .len = 4, K(MOV),
	  .check = C_PFX | C_MODRM, .rex = 0x48, NOSEG, MODRM(3, 1, 0) },
	{ "REX before 66 90: not REX.B", B(0x41, 0x66, 0x90), .len = 3, K(NOP) },
	{ "14 prefixes + nop = 15 bytes",
	  B(0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26,
	    0x26, 0x26, 0x90), .len = 15, K(NOP) },
	{ "15 prefixes + nop: too long",
	  B(0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26,
	    0x26, 0x26, 0x26, 0x90), .err = -E2BIG },
	{ "14 prefixes + 2-byte insn: too long",
	  B(0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
	    0x66, 0x66, 0x89, 0xc8), .err = -E2BIG },
	{ "13 prefixes + add [rip+disp32]: too long",
	  B(0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26,
	    0x26, 0x01, 0x05, 0x00), .err = -E2BIG },
	{ "11 prefixes + REX.W B8: imm64 passes 15",
	  B(0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x48,
	    0xb8, 1, 2, 3), .err = -E2BIG },

	/* Stack, 16- and 32-bit modes */
	{ "push rax", B(0x50), .len = 1, K(PUSH), .check = C_SIZE, SIZES(8, 8) },
	{ "push ax (66)", B(0x66, 0x50), .len = 2, K(PUSH), .check = C_SIZE,
	  SIZES(2, 8) },
	{ "pop r15", B(0x41, 0x5f), .len = 2, K(POP) },
	{ "pushf", B(0x9c), .len = 1, K(PUSHF), .check = C_SIZE, SIZES(8, 8) },
	{ "popf", B(0x9d), .len = 1, K(POPF) },
	{ "32-bit: push eax", .mode = M32, B(0x50), .len = 1, K(PUSH),
	  .check = C_SIZE, SIZES(4, 4) },
	{ "32-bit: mov ax,imm16 (66)", .mode = M32, B(0x66, 0xb8, 0x34, 0x12),
	  .len = 4, K(MOV), .check = C_SIZE, SIZES(2, 4) },
	{ "32-bit: 48 is dec eax", .mode = M32, B(0x48), .len = 1, K(DEC) },
	{ "32-bit: 40 is inc eax", .mode = M32, B(0x40), .len = 1, K(INC) },
	{ "32-bit: arpl", .mode = M32, B(0x63, 0xc0), .len = 2, K(OTHER) },
	{ "32-bit: absolute disp32, not RIP-relative", .mode = M32,
	  B(0x8b, 0x05, 0x78, 0x56, 0x34, 0x12), .len = 6, K(MOV),
	  .check = C_MEM | C_DISP, MEM(-1, -1, 1), DISP(0x12345678, 4) },
	{ "32-bit: 67 selects 16-bit addressing", .mode = M32,
	  B(0x67, 0x8b, 0x06, 0x34, 0x12), .len = 5, K(MOV),
	  .check = C_MEM | C_DISP | C_SIZE, MEM(-1, -1, 1), DISP(0x1234, 2),
	  SIZES(4, 2) },
	{ "32-bit: push es", .mode = M32, B(0x06), .len = 1, K(PUSH) },
	{ "32-bit: pusha", .mode = M32, B(0x60), .len = 1, K(OTHER) },
	{ "32-bit: aam imm8", .mode = M32, B(0xd4, 0x0a), .len = 2, K(OTHER) },
	{ "32-bit: 82 is 80", .mode = M32, B(0x82, 0xc0, 0x01), .len = 3, K(ADD) },
	{ "32-bit: into", .mode = M32, B(0xce), .len = 1, K(INTO) },
	{ "32-bit: call far ptr16:32", .mode = M32, B(0x9a, 1, 2, 3, 4, 0x10, 0x00),
	  .len = 7, K(CALL_FAR), .check = C_IMM | C_IMM2, IMM(0x04030201, 4),
	  IMM2(0x10, 2) },
	{ "32-bit: jmp far ptr16:16 (66)", .mode = M32, B(0x66, 0xea, 1, 2, 8, 0),
	  .len = 6, K(JMP_FAR), .check = C_IMM | C_IMM2, IMM(0x0201, 2), IMM2(8, 2) },
	{ "32-bit: mov tr (386 test register)", .mode = M32, B(0x0f, 0x24, 0xc0),
	  .len = 3, K(OTHER) },
	{ "16-bit: mov ax,imm16", .mode = M16, B(0xb8, 0x34, 0x12), .len = 3, K(MOV),
	  .check = C_SIZE | C_IMM, SIZES(2, 2), IMM(0x1234, 2) },
	{ "16-bit: mov eax,imm32 (66)", .mode = M16, B(0x66, 0xb8, 1, 2, 3, 4),
	  .len = 6, K(MOV), .check = C_SIZE, SIZES(4, 2) },
	{ "16-bit: mov ax,[bp+2]", .mode = M16, B(0x8b, 0x46, 0x02), .len = 3, K(MOV),
	  .check = C_MEM | C_DISP, MEM(5, -1, 1), DISP(2, 1) },
	{ "16-bit: mov ax,[bx+si]", .mode = M16, B(0x8b, 0x00), .len = 2, K(MOV),
	  .check = C_MEM, MEM(3, 6, 1) },
	{ "16-bit: mov ax,[disp16]", .mode = M16, B(0x8b, 0x06, 0x34, 0x12), .len = 4,
	  K(MOV), .check = C_MEM | C_DISP, MEM(-1, -1, 1), DISP(0x1234, 2) },
	{ "16-bit: mov ax,[bx+si+disp16]", .mode = M16, B(0x8b, 0x80, 0x34, 0x12),
	  .len = 4, K(MOV), .check = C_DISP, DISP(0x1234, 2) },
	{ "16-bit: 67 selects SIB addressing", .mode = M16, B(0x67, 0x8b, 0x04, 0x24),
	  .len = 4, K(MOV), .check = C_MEM | C_SIZE, MEM(4, -1, 1), SIZES(2, 4) },
	{ "16-bit: push imm16", .mode = M16, B(0x68, 0x34, 0x12), .len = 3, K(PUSH) },

	/* Branches: targets from RIP = 0x1000 */
	{ "jmp rel8 to itself", B(0xeb, 0xfe), .len = 2, K(JMP), .check = C_TARGET,
	  .target = RIP },
	{ "jmp rel32", B(0xe9, 0x00, 0x01, 0x00, 0x00), .len = 5, K(JMP),
	  .check = C_TARGET | C_SIZE, .target = RIP + 5 + 0x100, SIZES(8, 8) },
	{ "call rel32 backwards", B(0xe8, 0xfb, 0xff, 0xff, 0xff), .len = 5, K(CALL),
	  .check = C_TARGET, .target = RIP },
	{ "call rel16 with 66 (AMD)", B(0x66, 0xe8, 0x00, 0xf0), .len = 4, K(CALL),
	  .check = C_TARGET | C_SIZE, .target = (RIP + 4 + 0xf000) & 0xffff,
	  SIZES(2, 8) },
	{ "call rel32 with 66 (Intel)", .mode = INTEL64,
	  B(0x66, 0xe8, 0x00, 0x01, 0x00, 0x00), .len = 6, K(CALL),
	  .check = C_TARGET | C_SIZE, .target = RIP + 6 + 0x100, SIZES(8, 8) },
	{ "je rel8", B(0x74, 0x10), .len = 2, K(JCC), .check = C_CC | C_TARGET,
	  .cc = 4, .target = RIP + 0x12 },
	{ "jg rel32", B(0x0f, 0x8f, 0x00, 0x01, 0x00, 0x00), .len = 6, K(JCC),
	  .check = C_CC | C_TARGET | C_OP, .map = DUET_X86_MAP_0F, .opcode = 0x8f,
	  .cc = 0xf, .target = RIP + 6 + 0x100 },
	{ "je rel16 with 66 (AMD)", B(0x66, 0x0f, 0x84, 0x10, 0x00), .len = 5, K(JCC) },
	{ "32-bit: call rel16 with 66", .mode = M32, B(0x66, 0xe8, 0x00, 0x00),
	  .len = 4, K(CALL), .check = C_TARGET, .target = RIP + 4 },
	{ "32-bit: jmp wraps at 4 GiB", .mode = M32, B(0xe9, 0x00, 0xe0, 0xff, 0xff),
	  .len = 5, K(JMP), .check = C_TARGET, .target = (RIP + 5 - 0x2000) & 0xffffffff },
	{ "jrcxz", B(0xe3, 0xfe), .len = 2, K(JRCXZ), .check = C_TARGET, .target = RIP },
	{ "loop", B(0xe2, 0x00), .len = 2, K(LOOP) },
	{ "loope", B(0xe1, 0x00), .len = 2, K(LOOPE) },
	{ "loopne", B(0xe0, 0x00), .len = 2, K(LOOPNE) },
	{ "call rax", B(0xff, 0xd0), .len = 2, K(CALL), .check = C_SIZE, SIZES(8, 8) },
	{ "jmp [rax]", B(0xff, 0x20), .len = 2, K(JMP) },
	{ "call far [rax]", B(0xff, 0x18), .len = 2, K(CALL_FAR) },
	{ "jmp far [rax]", B(0xff, 0x28), .len = 2, K(JMP_FAR) },
	{ "push [rax]", B(0xff, 0x30), .len = 2, K(PUSH), .check = C_SIZE, SIZES(8, 8) },
	{ "inc al", B(0xfe, 0xc0), .len = 2, K(INC) },
	{ "dec dword [rax]", B(0xff, 0x08), .len = 2, K(DEC) },
	{ "ret", B(0xc3), .len = 1, K(RET) },
	{ "retf", B(0xcb), .len = 1, K(RET_FAR) },
	{ "iretq", B(0x48, 0xcf), .len = 2, K(IRET) },
	{ "xabort imm8", B(0xc6, 0xf8, 0x01), .len = 3, K(OTHER) },
	{ "xbegin rel32", B(0xc7, 0xf8, 0, 0, 0, 0), .len = 6, K(OTHER) },
	{ "xbegin rel16 (66)", B(0x66, 0xc7, 0xf8, 0, 0), .len = 5, K(OTHER) },

	/* 0F map: privileged and sensitive instructions */
	{ "cpuid", B(0x0f, 0xa2), .len = 2, K(CPUID), .check = C_OP,
	  .map = DUET_X86_MAP_0F, .opcode = 0xa2 },
	{ "syscall", B(0x0f, 0x05), .len = 2, K(SYSCALL) },
	{ "sysret", B(0x0f, 0x07), .len = 2, K(SYSRET) },
	{ "ud2", B(0x0f, 0x0b), .len = 2, K(UD2) },
	{ "wrmsr", B(0x0f, 0x30), .len = 2, K(WRMSR) },
	{ "rdmsr", B(0x0f, 0x32), .len = 2, K(RDMSR) },
	{ "rdtsc", B(0x0f, 0x31), .len = 2, K(RDTSC) },
	{ "clts", B(0x0f, 0x06), .len = 2, K(CLTS) },
	{ "wbinvd", B(0x0f, 0x09), .len = 2, K(WBINVD) },
	{ "vmmcall", B(0x0f, 0x01, 0xd9), .len = 3, K(VMMCALL), .check = C_MODRM,
	  MODRM(3, 3, 1) },
	{ "vmcall", B(0x0f, 0x01, 0xc1), .len = 3, K(VMCALL) },
	{ "vmrun", B(0x0f, 0x01, 0xd8), .len = 3, K(VMRUN) },
	{ "swapgs", B(0x0f, 0x01, 0xf8), .len = 3, K(SWAPGS) },
	{ "rdtscp", B(0x0f, 0x01, 0xf9), .len = 3, K(RDTSCP) },
	{ "invlpg [rax]", B(0x0f, 0x01, 0x38), .len = 3, K(INVLPG) },
	{ "lgdt [rax+disp32]", B(0x0f, 0x01, 0x90, 0, 1, 0, 0), .len = 7, K(LGDT) },
	{ "lidt [rax]", B(0x0f, 0x01, 0x18), .len = 3, K(LIDT) },
	{ "sgdt [rax]", B(0x0f, 0x01, 0x00), .len = 3, K(SGDT) },
	{ "sidt [rax]", B(0x0f, 0x01, 0x08), .len = 3, K(SIDT) },
	{ "lmsw ax", B(0x0f, 0x01, 0xf0), .len = 3, K(LMSW) },
	{ "ltr ax", B(0x0f, 0x00, 0xd8), .len = 3, K(LTR) },
	{ "lldt [rax]", B(0x0f, 0x00, 0x10), .len = 3, K(LLDT) },
	{ "mov rax,cr0", B(0x0f, 0x20, 0xc0), .len = 3, K(MOV_CR),
	  .check = C_MODRM | C_SIZE | C_REGOP, MODRM(3, 0, 0), SIZES(8, 8) },
	{ "mov cr: mod ignored, no displacement", B(0x0f, 0x20, 0x05), .len = 3,
	  K(MOV_CR), .check = C_MODRM | C_REGOP, MODRM(3, 0, 5) },
	{ "mov rax,cr8 (REX.R)", B(0x44, 0x0f, 0x20, 0xc0), .len = 4, K(MOV_CR),
	  .check = C_MODRM, MODRM(3, 8, 0) },
	{ "32-bit: lock mov eax,cr0 = cr8 (AMD)", .mode = M32, B(0xf0, 0x0f, 0x20, 0xc0),
	  .len = 4, K(MOV_CR), .check = C_SIZE, SIZES(4, 4) },
	{ "mov cr3,rax", B(0x0f, 0x22, 0xd8), .len = 3, K(MOV_CR) },
	{ "mov rax,dr7", B(0x0f, 0x21, 0xf8), .len = 3, K(MOV_DR) },
	{ "mov dr7,rax", B(0x0f, 0x23, 0xf8), .len = 3, K(MOV_DR) },
	{ "cli", B(0xfa), .len = 1, K(CLI) },
	{ "sti", B(0xfb), .len = 1, K(STI) },
	{ "hlt", B(0xf4), .len = 1, K(HLT) },
	{ "int3", B(0xcc), .len = 1, K(INT3) },
	{ "int1", B(0xf1), .len = 1, K(INT1) },
	{ "in eax,dx", B(0xed), .len = 1, K(IN) },
	{ "out dx,ax", B(0x66, 0xef), .len = 2, K(OUT) },
	{ "out imm8,al", B(0xe6, 0x80), .len = 2, K(OUT) },
	{ "insb", B(0x6c), .len = 1, K(INS) },
	{ "rep outsd", B(0xf3, 0x6f), .len = 2, K(OUTS) },

	/* 0F map: the emulator's and translator's forms */
	{ "movzx eax,cl", B(0x0f, 0xb6, 0xc1), .len = 3, K(MOVZX) },
	{ "movzx eax,word [rax]", B(0x0f, 0xb7, 0x00), .len = 3, K(MOVZX) },
	{ "movsx rax,cl", B(0x48, 0x0f, 0xbe, 0xc1), .len = 4, K(MOVSX),
	  .check = C_SIZE, SIZES(8, 8) },
	{ "movsx eax,word [rax]", B(0x0f, 0xbf, 0x00), .len = 3, K(MOVSX) },
	{ "movsxd rcx,eax", B(0x48, 0x63, 0xc8), .len = 3, K(MOVSXD) },
	{ "bt eax,ecx", B(0x0f, 0xa3, 0xc8), .len = 3, K(BT) },
	{ "bt eax,imm8", B(0x0f, 0xba, 0xe0, 0x05), .len = 4, K(BT),
	  .check = C_IMM, IMM(5, 1) },
	{ "btr [rax],ecx", B(0x0f, 0xb3, 0x08), .len = 3, K(BTR) },
	{ "btc eax,imm8", B(0x0f, 0xba, 0xf8, 0x05), .len = 4, K(BTC) },
	{ "sete al", B(0x0f, 0x94, 0xc0), .len = 3, K(SETCC), .check = C_CC, .cc = 4 },
	{ "cmovne eax,ecx", B(0x0f, 0x45, 0xc1), .len = 3, K(CMOVCC),
	  .check = C_CC, .cc = 5 },
	{ "cmpxchg [rax],cl", B(0x0f, 0xb0, 0x08), .len = 3, K(CMPXCHG) },
	{ "xadd eax,ecx", B(0x0f, 0xc1, 0xc8), .len = 3, K(XADD) },
	{ "xchg eax,ecx (87)", B(0x87, 0xc8), .len = 2, K(XCHG) },
	{ "xchg r8,rax (41 90)", B(0x49, 0x90), .len = 2, K(XCHG) },
	{ "pause", B(0xf3, 0x90), .len = 2, K(PAUSE) },
	{ "nop dword [rax+rax+0]", B(0x0f, 0x1f, 0x44, 0x00, 0x00), .len = 5, K(NOP) },
	{ "push fs", B(0x0f, 0xa0), .len = 2, K(PUSH) },
	{ "pop gs", B(0x0f, 0xa9), .len = 2, K(POP) },
	{ "lea eax,[rax+rcx]", B(0x8d, 0x04, 0x08), .len = 3, K(LEA) },
	{ "mov ds,ax", B(0x8e, 0xd8), .len = 2, K(MOV_SREG) },
	{ "movsq", B(0x48, 0xa5), .len = 2, K(MOVS), .check = C_SIZE, SIZES(8, 8) },
	{ "stosw", B(0x66, 0xab), .len = 2, K(STOS), .check = C_SIZE, SIZES(2, 8) },
	{ "lodsb", B(0xac), .len = 1, K(LODS) },
	{ "cmpsd", B(0xa7), .len = 1, K(CMPS) },
	{ "vmread rax,rcx", B(0x0f, 0x78, 0xc8), .len = 3, K(OTHER) },
	{ "extrq imm8,imm8 (66 0F 78)", B(0x66, 0x0f, 0x78, 0xc0, 0x01, 0x02),
	  .len = 6, K(OTHER), .check = C_IMM | C_IMM2, IMM(1, 1), IMM2(2, 1) },
	{ "insertq imm8,imm8 (F2 0F 78)", B(0xf2, 0x0f, 0x78, 0xc1, 0x01, 0x02),
	  .len = 6, K(OTHER) },
	{ "popcnt (F3 0F B8)", B(0xf3, 0x0f, 0xb8, 0xc0), .len = 4, K(OTHER) },
	{ "shld eax,ecx,imm8", B(0x0f, 0xa4, 0xc8, 0x04), .len = 4, K(OTHER) },
	{ "pshufw mm0,mm1,imm8", B(0x0f, 0x70, 0xc1, 0x1b), .len = 4, K(OTHER) },
	{ "psrlq xmm0,imm8 (66 0F 73)", B(0x66, 0x0f, 0x73, 0xd0, 0x04), .len = 5,
	  K(OTHER) },
	{ "movaps xmm0,[rip+disp32]", B(0x0f, 0x28, 0x05, 0, 0, 0, 0), .len = 7,
	  K(OTHER), .check = C_MEM, MEM(-1, -1, 1), .rip_rel = true },
	{ "PadLock xstore", B(0x0f, 0xa7, 0xc0), .len = 3, K(OTHER) },

	/* 0F 38, 0F 3A, 3DNow! */
	{ "pshufb mm0,mm1 (0F 38 00)", B(0x0f, 0x38, 0x00, 0xc1), .len = 4, K(OTHER),
	  .check = C_OP, .map = DUET_X86_MAP_0F38, .opcode = 0x00 },
	{ "pshufb xmm (66 0F 38 00)", B(0x66, 0x0f, 0x38, 0x00, 0xc1), .len = 5, K(OTHER) },
	{ "crc32 eax,byte [rax] (F2 0F 38 F0)", B(0xf2, 0x0f, 0x38, 0xf0, 0x00),
	  .len = 5, K(OTHER) },
	{ "invpcid (66 0F 38 82)", B(0x66, 0x0f, 0x38, 0x82, 0x08), .len = 5, K(OTHER) },
	{ "palignr (0F 3A 0F)", B(0x0f, 0x3a, 0x0f, 0xc1, 0x08), .len = 5, K(OTHER),
	  .check = C_OP | C_IMM, .map = DUET_X86_MAP_0F3A, .opcode = 0x0f, IMM(8, 1) },
	{ "pclmulqdq (66 0F 3A 44)", B(0x66, 0x0f, 0x3a, 0x44, 0xc1, 0x11), .len = 6,
	  K(OTHER) },
	{ "pextrq [rax+disp8],imm8 (66 48 0F 3A 16)",
	  B(0x66, 0x48, 0x0f, 0x3a, 0x16, 0x40, 0x08, 0x01), .len = 8, K(OTHER) },
	{ "3DNow! pfmul", B(0x0f, 0x0f, 0xc1, 0xb4), .len = 4, K(OTHER),
	  .check = C_OP, .map = DUET_X86_MAP_3DNOW, .opcode = 0xb4 },
	{ "3DNow! pfadd mm0,[rax+0x10]", B(0x0f, 0x0f, 0x40, 0x10, 0x9e), .len = 5,
	  K(OTHER), .check = C_OP | C_DISP, .map = DUET_X86_MAP_3DNOW, .opcode = 0x9e,
	  DISP(0x10, 1) },

	/* VEX, EVEX, XOP */
	{ "vzeroupper (VEX2, no ModRM)", B(0xc5, 0xf8, 0x77), .len = 3, K(OTHER),
	  .check = C_VEX | C_OP, .vex_kind = DUET_X86_VEX2, .vex_map = 1,
	  .map = DUET_X86_MAP_0F, .opcode = 0x77 },
	{ "vzeroall (VEX2 L=1)", B(0xc5, 0xfc, 0x77), .len = 3, K(OTHER),
	  .check = C_VEX, .vex_kind = DUET_X86_VEX2, .vex_map = 1, .vex_l = 1 },
	{ "vpxor xmm0,xmm1,xmm2 (VEX2 vvvv)", B(0xc5, 0xf1, 0xef, 0xc2), .len = 4,
	  K(OTHER), .check = C_VEX | C_MODRM, .vex_kind = DUET_X86_VEX2, .vex_map = 1,
	  .vex_pp = 1, .vex_vvvv = 1, MODRM(3, 0, 2) },
	{ "vmovdqa xmm8 via VEX2.R", B(0xc5, 0x79, 0x6f, 0xc1), .len = 4, K(OTHER),
	  .check = C_MODRM, MODRM(3, 8, 1) },
	{ "vbroadcastss (VEX3 map 2)", B(0xc4, 0xe2, 0x79, 0x18, 0x00), .len = 5,
	  K(OTHER), .check = C_VEX | C_MEM, .vex_kind = DUET_X86_VEX3, .vex_map = 2,
	  .vex_pp = 1, MEM(0, -1, 1) },
	{ "vpalignr (VEX3 map 3 imm8)", B(0xc4, 0xe3, 0x71, 0x0f, 0xc2, 0x08),
	  .len = 6, K(OTHER), .check = C_VEX | C_IMM, .vex_kind = DUET_X86_VEX3,
	  .vex_map = 3, .vex_pp = 1, .vex_vvvv = 1, IMM(8, 1) },
	{ "vmovaps xmm0,xmm8 (VEX3.B)", B(0xc4, 0xc1, 0x78, 0x28, 0xc0), .len = 5,
	  K(OTHER), .check = C_MODRM, MODRM(3, 0, 8) },
	{ "vpextrq rax,xmm0,1 (VEX3.W)", B(0xc4, 0xe3, 0xf9, 0x16, 0xc0, 0x01),
	  .len = 6, K(OTHER), .check = C_VEX | C_SIZE, .vex_kind = DUET_X86_VEX3,
	  .vex_map = 3, .vex_pp = 1, .vex_w = true, SIZES(8, 8) },
	{ "vpshufd imm8 (VEX map 1 70)", B(0xc5, 0xf9, 0x70, 0xc1, 0x1b), .len = 5,
	  K(OTHER) },
	{ "vcmpps imm8 (VEX map 1 C2)", B(0xc5, 0xf8, 0xc2, 0xc1, 0x00), .len = 5,
	  K(OTHER) },
	{ "vaddps ymm0,ymm1,[rip+disp32]", B(0xc5, 0xf4, 0x58, 0x05, 0, 0, 0, 0),
	  .len = 8, K(OTHER), .check = C_MEM | C_VEX, MEM(-1, -1, 1), .rip_rel = true,
	  .vex_kind = DUET_X86_VEX2, .vex_map = 1, .vex_l = 1, .vex_vvvv = 1 },
	{ "66 before VEX: #UD", B(0x66, 0xc5, 0xf8, 0x77), .len = 4, K(OTHER),
	  .ud = DUET_X86_UD_VEX_PREFIX },
	{ "REX before VEX: #UD", B(0x48, 0xc5, 0xf8, 0x77), .len = 4, K(OTHER),
	  .ud = DUET_X86_UD_VEX_PREFIX },
	{ "32-bit: VEX when mod == 3", .mode = M32, B(0xc5, 0xf8, 0x77), .len = 3,
	  K(OTHER), .check = C_VEX, .vex_kind = DUET_X86_VEX2, .vex_map = 1 },
	{ "32-bit: lds eax,[eax] (C5, mod != 3)", .mode = M32, B(0xc5, 0x00), .len = 2,
	  K(OTHER), .check = C_OP | C_VEX, .map = DUET_X86_MAP_ONE, .opcode = 0xc5 },
	{ "32-bit: les eax,[eax+disp32]", .mode = M32, B(0xc4, 0x80, 1, 2, 3, 4),
	  .len = 6, K(OTHER) },
	{ "32-bit: bound eax,[eax] (62, mod != 3)", .mode = M32, B(0x62, 0x00),
	  .len = 2, K(OTHER) },
	{ "EVEX vaddps zmm", B(0x62, 0xf1, 0x7c, 0x48, 0x58, 0xc0), .len = 6, K(OTHER),
	  .check = C_VEX, .vex_kind = DUET_X86_EVEX, .vex_map = 1, .vex_l = 2 },
	{ "EVEX disp8*N", B(0x62, 0xf1, 0x7c, 0x48, 0x58, 0x40, 0x01), .len = 7,
	  K(OTHER), .check = C_DISP, DISP(1, 1) },
	{ "EVEX map 3 imm8", B(0x62, 0xf3, 0x7d, 0x48, 0x03, 0xc1, 0x05), .len = 7,
	  K(OTHER), .check = C_IMM, IMM(5, 1) },
	{ "EVEX map 5 (FP16)", B(0x62, 0xf5, 0x7c, 0x48, 0x58, 0xc0), .len = 6,
	  K(OTHER) },
	{ "32-bit: EVEX when mod == 3", .mode = M32,
	  B(0x62, 0xf1, 0x7c, 0x48, 0x58, 0xc0), .len = 6, K(OTHER) },
	{ "XOP map 8 imm8 (vpcmov)", B(0x8f, 0xe8, 0x78, 0xa2, 0xc0, 0x01), .len = 6,
	  K(OTHER), .check = C_VEX, .vex_kind = DUET_X86_XOP, .vex_map = 8 },
	{ "XOP map 9 (vfrczps)", B(0x8f, 0xe9, 0x78, 0x80, 0xc1), .len = 5, K(OTHER) },
	{ "XOP map A imm32 (bextr)", B(0x8f, 0xea, 0x78, 0x10, 0xc0, 1, 2, 3, 4),
	  .len = 9, K(OTHER), .check = C_IMM, IMM(0x04030201, 4) },
	{ "8F /0 is pop [rax]", B(0x8f, 0x00), .len = 2, K(POP) },
	{ "8F /0 pop rax", B(0x8f, 0xc0), .len = 2, K(POP) },

	/* Invalid opcodes: -EILSEQ */
	EILSEQ_CASE("64-bit: push es", 0, 0x06),
	EILSEQ_CASE("64-bit: pop es", 0, 0x07),
	EILSEQ_CASE("64-bit: push cs", 0, 0x0e),
	EILSEQ_CASE("64-bit: push ss", 0, 0x16),
	EILSEQ_CASE("64-bit: pop ss", 0, 0x17),
	EILSEQ_CASE("64-bit: push ds", 0, 0x1e),
	EILSEQ_CASE("64-bit: pop ds", 0, 0x1f),
	EILSEQ_CASE("64-bit: daa", 0, 0x27),
	EILSEQ_CASE("64-bit: das", 0, 0x2f),
	EILSEQ_CASE("64-bit: aaa", 0, 0x37),
	EILSEQ_CASE("64-bit: aas", 0, 0x3f),
	EILSEQ_CASE("64-bit: pusha", 0, 0x60),
	EILSEQ_CASE("64-bit: popa", 0, 0x61),
	EILSEQ_CASE("64-bit: 82", 0, 0x82, 0xc0, 0x01),
	EILSEQ_CASE("64-bit: call far ptr", 0, 0x9a, 1, 2, 3, 4, 5, 6),
	EILSEQ_CASE("64-bit: into", 0, 0xce),
	EILSEQ_CASE("64-bit: aam", 0, 0xd4, 0x0a),
	EILSEQ_CASE("64-bit: aad", 0, 0xd5, 0x0a),
	EILSEQ_CASE("64-bit: salc", 0, 0xd6),
	EILSEQ_CASE("64-bit: jmp far ptr", 0, 0xea, 1, 2, 3, 4, 5, 6),
	EILSEQ_CASE("32-bit: salc", M32, 0xd6),
	EILSEQ_CASE("64-bit: mov tr", 0, 0x0f, 0x24, 0xc0),
	EILSEQ_CASE("0F 04", 0, 0x0f, 0x04),
	EILSEQ_CASE("0F 0A", 0, 0x0f, 0x0a),
	EILSEQ_CASE("0F 36", 0, 0x0f, 0x36),
	EILSEQ_CASE("0F 00 /6", 0, 0x0f, 0x00, 0xf0),
	EILSEQ_CASE("0F B8 without F3 (JMPE)", 0, 0x0f, 0xb8, 0xc0),
	EILSEQ_CASE("0F BA /0", 0, 0x0f, 0xba, 0xc0, 0x05),
	EILSEQ_CASE("0F 38 unassigned", 0, 0x0f, 0x38, 0x50, 0xc0),
	EILSEQ_CASE("0F 3A unassigned", 0, 0x0f, 0x3a, 0x00, 0xc0, 0x00),
	EILSEQ_CASE("FE /2", 0, 0xfe, 0xd0),
	EILSEQ_CASE("FF /7", 0, 0xff, 0xf8),
	EILSEQ_CASE("FF /3 with a register (far call)", 0, 0xff, 0xd8),
	EILSEQ_CASE("FF /5 with a register (far jmp)", 0, 0xff, 0xe8),
	EILSEQ_CASE("C6 /1", 0, 0xc6, 0xc8, 0x01),
	EILSEQ_CASE("C7 /7 but not F8", 0, 0xc7, 0xf9, 0, 0, 0, 0),
	EILSEQ_CASE("lea with a register", 0, 0x8d, 0xc0),
	EILSEQ_CASE("VEX map 0", 0, 0xc4, 0xe0, 0x78, 0x10, 0xc0),
	EILSEQ_CASE("VEX map 7", 0, 0xc4, 0xe7, 0x78, 0x10, 0xc0),
	EILSEQ_CASE("EVEX map 4", 0, 0x62, 0xf4, 0x7c, 0x48, 0x58, 0xc0),
	EILSEQ_CASE("EVEX P0 bit 3 set", 0, 0x62, 0xf9, 0x7c, 0x48, 0x58, 0xc0),
	EILSEQ_CASE("EVEX P1 bit 2 clear", 0, 0x62, 0xf1, 0x78, 0x48, 0x58, 0xc0),
	EILSEQ_CASE("XOP map 4", 0, 0x8f, 0xe4, 0x78, 0x10, 0xc0),
};

static void case_desc(const struct decode_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(decode, cases, case_desc);

static unsigned int case_mode(const struct decode_case *c)
{
	return c->mode ? c->mode : DUET_X86_MODE_64;
}

static void decode_table(struct kunit *test)
{
	const struct decode_case *c = test->param_value;
	struct duet_x86_insn insn;
	int err;

	err = duet_x86_decode(&insn, c->bytes, c->nbytes, case_mode(c), RIP);
	KUNIT_ASSERT_EQ(test, err, c->err);
	if (err)
		return;
	KUNIT_EXPECT_EQ(test, insn.len, c->len);
	KUNIT_EXPECT_STREQ(test, duet_x86_kind_name(insn.kind),
			   duet_x86_kind_name(c->kind));
	KUNIT_EXPECT_EQ(test, insn.ud, c->ud);
	KUNIT_EXPECT_EQ(test, insn.rip, RIP);
	if (c->check & C_OP) {
		KUNIT_EXPECT_EQ(test, insn.map, c->map);
		KUNIT_EXPECT_EQ(test, insn.opcode, c->opcode);
	}
	if (c->check & C_SIZE) {
		KUNIT_EXPECT_EQ(test, insn.opsize, c->opsize);
		KUNIT_EXPECT_EQ(test, insn.addrsize, c->addrsize);
	}
	if (c->check & C_MODRM) {
		KUNIT_EXPECT_TRUE(test, insn.has_modrm);
		KUNIT_EXPECT_EQ(test, insn.mod, c->mod);
		KUNIT_EXPECT_EQ(test, insn.reg, c->reg);
		KUNIT_EXPECT_EQ(test, insn.rm, c->rm);
	}
	if (c->check & C_MEM) {
		KUNIT_EXPECT_TRUE(test, insn.mem);
		KUNIT_EXPECT_EQ(test, insn.base, c->base);
		KUNIT_EXPECT_EQ(test, insn.index, c->index);
		KUNIT_EXPECT_EQ(test, insn.scale, c->scale);
		KUNIT_EXPECT_EQ(test, insn.rip_rel, c->rip_rel);
	}
	if (c->check & C_REGOP)
		KUNIT_EXPECT_FALSE(test, insn.mem);
	if (c->check & C_DISP) {
		KUNIT_EXPECT_EQ(test, insn.disp, c->disp);
		KUNIT_EXPECT_EQ(test, insn.disp_size, c->disp_size);
	}
	if (c->check & C_IMM) {
		KUNIT_EXPECT_EQ(test, insn.imm, c->imm);
		KUNIT_EXPECT_EQ(test, insn.imm_size, c->imm_size);
	}
	if (c->check & C_IMM2) {
		KUNIT_EXPECT_EQ(test, insn.imm2, c->imm2);
		KUNIT_EXPECT_EQ(test, insn.imm2_size, c->imm2_size);
	}
	if (c->check & C_PFX) {
		KUNIT_EXPECT_EQ(test, insn.rex, c->rex);
		KUNIT_EXPECT_EQ(test, insn.rep, c->rep);
		KUNIT_EXPECT_EQ(test, insn.seg, c->seg);
		KUNIT_EXPECT_EQ(test, insn.lock, c->lock);
		KUNIT_EXPECT_EQ(test, insn.opsize_prefix, c->opsize_prefix);
		KUNIT_EXPECT_EQ(test, insn.addrsize_prefix, c->addrsize_prefix);
	}
	if (c->check & C_VEX) {
		KUNIT_EXPECT_EQ(test, insn.vex.kind, c->vex_kind);
		KUNIT_EXPECT_EQ(test, insn.vex.map, c->vex_map);
		KUNIT_EXPECT_EQ(test, insn.vex.l, c->vex_l);
		KUNIT_EXPECT_EQ(test, insn.vex.pp, c->vex_pp);
		KUNIT_EXPECT_EQ(test, insn.vex.vvvv, c->vex_vvvv);
		KUNIT_EXPECT_EQ(test, insn.vex.w, c->vex_w);
	}
	if (c->check & C_CC)
		KUNIT_EXPECT_EQ(test, insn.cc, c->cc);
	if (c->check & C_TARGET) {
		KUNIT_EXPECT_TRUE(test, insn.has_target);
		KUNIT_EXPECT_EQ(test, insn.target, c->target);
	}
}

/*
 * Every strict prefix of a valid encoding is "truncated" (-ENODATA), never
 * "invalid": the caller fetches more bytes and retries.
 */
static void decode_truncated(struct kunit *test)
{
	struct duet_x86_insn insn;
	unsigned int i, n, checked = 0;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct decode_case *c = &cases[i];

		if (c->err)
			continue;
		for (n = 0; n < c->len; n++) {
			int err = duet_x86_decode(&insn, c->bytes, n, case_mode(c), RIP);

			KUNIT_EXPECT_EQ_MSG(test, err, -ENODATA, "%s, %u bytes", c->name, n);
			checked++;
		}
	}
	KUNIT_EXPECT_GT(test, checked, 500U);
}

/* Only the first 15 bytes are read: a longer buffer changes nothing. */
static void decode_long_buffer(struct kunit *test)
{
	static const u8 buf[32] = { 0x48, 0x89, 0xc8, 0xcc, 0xcc, 0xcc };
	struct duet_x86_insn insn;

	KUNIT_ASSERT_EQ(test, duet_x86_decode(&insn, buf, sizeof(buf),
					      DUET_X86_MODE_64, 0), 0);
	KUNIT_EXPECT_EQ(test, insn.len, 3);
}

static void decode_bad_mode(struct kunit *test)
{
	static const u8 nop = 0x90;
	struct duet_x86_insn insn;

	KUNIT_EXPECT_EQ(test, duet_x86_decode(&insn, &nop, 1, 0, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, duet_x86_decode(&insn, &nop, 1, 48, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, duet_x86_decode(&insn, &nop, 1,
					      DUET_X86_MODE_32 | 0x200, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, duet_x86_decode(&insn, &nop, 1,
					      DUET_X86_MODE_32 | DUET_X86_INTEL, 0), 0);
}

static const struct duet_x86_insn *decode_ok(struct kunit *test,
					     struct duet_x86_insn *insn,
					     const u8 *bytes, size_t n,
					     unsigned int mode)
{
	KUNIT_ASSERT_EQ(test, duet_x86_decode(insn, bytes, n, mode, RIP), 0);
	KUNIT_ASSERT_EQ(test, insn->len, n);
	return insn;
}

#define DECODE(test, insn, mode, ...)					\
	decode_ok(test, insn, (const u8[]){ __VA_ARGS__ },		\
		  sizeof((const u8[]){ __VA_ARGS__ }), mode)

static void expect_reg(struct kunit *test, const struct duet_x86_operand *op,
		       u8 class, u8 reg, u8 size, bool high8)
{
	KUNIT_EXPECT_EQ(test, op->type, DUET_X86_OP_REG);
	KUNIT_EXPECT_EQ(test, op->reg_class, class);
	KUNIT_EXPECT_EQ(test, op->reg, reg);
	KUNIT_EXPECT_EQ(test, op->size, size);
	KUNIT_EXPECT_EQ(test, op->high8, high8);
}

static void expect_imm(struct kunit *test, const struct duet_x86_operand *op,
		       u64 imm, u8 size)
{
	KUNIT_EXPECT_EQ(test, op->type, DUET_X86_OP_IMM);
	KUNIT_EXPECT_EQ(test, op->imm, imm);
	KUNIT_EXPECT_EQ(test, op->size, size);
}

static void expect_mem(struct kunit *test, const struct duet_x86_operand *op,
		       u8 size)
{
	KUNIT_EXPECT_EQ(test, op->type, DUET_X86_OP_MEM);
	KUNIT_EXPECT_EQ(test, op->size, size);
}

#define GPR	DUET_X86_REG_GPR
#define M64	DUET_X86_MODE_64

static void decode_operands_mov(struct kunit *test)
{
	struct duet_x86_insn i;

	DECODE(test, &i, M64, 0x88, 0xc4);		/* mov ah, al */
	KUNIT_EXPECT_EQ(test, i.nr_ops, 2);
	expect_reg(test, &i.ops[0], GPR, 4, 1, true);
	expect_reg(test, &i.ops[1], GPR, 0, 1, false);
	DECODE(test, &i, M64, 0x40, 0x88, 0xc4);	/* mov spl, al */
	expect_reg(test, &i.ops[0], GPR, 4, 1, false);
	DECODE(test, &i, M64, 0x48, 0x89, 0x44, 0x24, 0x08);	/* mov [rsp+8], rax */
	expect_mem(test, &i.ops[0], 8);
	expect_reg(test, &i.ops[1], GPR, 0, 8, false);
	DECODE(test, &i, M64, 0x44, 0x8b, 0x00);	/* mov r8d, [rax] */
	expect_reg(test, &i.ops[0], GPR, 8, 4, false);
	expect_mem(test, &i.ops[1], 4);
	DECODE(test, &i, M64, 0x66, 0xc7, 0x00, 0x34, 0x12);	/* mov word [rax], 0x1234 */
	expect_mem(test, &i.ops[0], 2);
	expect_imm(test, &i.ops[1], 0x1234, 2);
	DECODE(test, &i, M64, 0x48, 0xc7, 0xc0, 0xff, 0xff, 0xff, 0xff);
	expect_imm(test, &i.ops[1], ~0ULL, 8);
	DECODE(test, &i, M64, 0x41, 0xb7, 0x12);	/* mov r15b, 0x12 */
	expect_reg(test, &i.ops[0], GPR, 15, 1, false);
	expect_imm(test, &i.ops[1], 0x12, 1);
	DECODE(test, &i, M64, 0xb7, 0x12);		/* mov bh, 0x12 */
	expect_reg(test, &i.ops[0], GPR, 7, 1, true);
	DECODE(test, &i, M64, 0xa1, 8, 7, 6, 5, 4, 3, 2, 1);	/* mov eax, moffs */
	expect_reg(test, &i.ops[0], GPR, 0, 4, false);
	expect_mem(test, &i.ops[1], 4);
	DECODE(test, &i, M64, 0x0f, 0xb6, 0x41, 0x10);	/* movzx eax, byte [rcx+16] */
	KUNIT_EXPECT_EQ(test, i.kind, DUET_X86_MOVZX);
	expect_reg(test, &i.ops[0], GPR, 0, 4, false);
	expect_mem(test, &i.ops[1], 1);
	DECODE(test, &i, M64, 0x48, 0x0f, 0xbf, 0xc1);	/* movsx rax, cx */
	expect_reg(test, &i.ops[0], GPR, 0, 8, false);
	expect_reg(test, &i.ops[1], GPR, 1, 2, false);
	DECODE(test, &i, M64, 0x48, 0x63, 0xc8);	/* movsxd rcx, eax */
	expect_reg(test, &i.ops[0], GPR, 1, 8, false);
	expect_reg(test, &i.ops[1], GPR, 0, 4, false);
	DECODE(test, &i, M64, 0x8c, 0xc0);		/* mov eax, es */
	expect_reg(test, &i.ops[0], GPR, 0, 4, false);
	expect_reg(test, &i.ops[1], DUET_X86_REG_SEG, DUET_X86_SEG_ES, 2, false);
	DECODE(test, &i, M64, 0x8c, 0x18);		/* mov [rax], ds */
	expect_mem(test, &i.ops[0], 2);
	DECODE(test, &i, M64, 0x8e, 0xe0);		/* mov fs, ax */
	expect_reg(test, &i.ops[0], DUET_X86_REG_SEG, DUET_X86_SEG_FS, 2, false);
	DECODE(test, &i, M64, 0x8d, 0x04, 0x08);	/* lea eax, [rax+rcx] */
	expect_mem(test, &i.ops[1], 0);
}

static void decode_operands_alu(struct kunit *test)
{
	struct duet_x86_insn i;

	DECODE(test, &i, M64, 0x83, 0xe8, 0x01);	/* sub eax, 1 */
	KUNIT_EXPECT_EQ(test, i.kind, DUET_X86_SUB);
	expect_reg(test, &i.ops[0], GPR, 0, 4, false);
	expect_imm(test, &i.ops[1], 1, 4);
	DECODE(test, &i, M64, 0x83, 0xc0, 0xff);	/* add eax, -1 */
	expect_imm(test, &i.ops[1], 0xffffffff, 4);
	DECODE(test, &i, M64, 0x48, 0x83, 0xc0, 0xff);	/* add rax, -1 */
	expect_imm(test, &i.ops[1], ~0ULL, 8);
	DECODE(test, &i, M64, 0x66, 0x83, 0xc0, 0x80);	/* add ax, -128 */
	expect_imm(test, &i.ops[1], 0xff80, 2);
	DECODE(test, &i, M64, 0x80, 0x38, 0x00);	/* cmp byte [rax], 0 */
	KUNIT_EXPECT_EQ(test, i.kind, DUET_X86_CMP);
	expect_mem(test, &i.ops[0], 1);
	expect_imm(test, &i.ops[1], 0, 1);
	DECODE(test, &i, M64, 0x31, 0xc0);		/* xor eax, eax */
	KUNIT_EXPECT_EQ(test, i.kind, DUET_X86_XOR);
	DECODE(test, &i, M64, 0x48, 0x25, 0x00, 0xf0, 0xff, 0xff);	/* and rax, imm */
	KUNIT_EXPECT_EQ(test, i.kind, DUET_X86_AND);
	expect_reg(test, &i.ops[0], GPR, 0, 8, false);
	expect_imm(test, &i.ops[1], 0xfffffffffffff000ULL, 8);
	DECODE(test, &i, M64, 0xf6, 0x00, 0x80);	/* test byte [rax], 0x80 */
	expect_mem(test, &i.ops[0], 1);
	expect_imm(test, &i.ops[1], 0x80, 1);
	DECODE(test, &i, M64, 0xfe, 0xc4);		/* inc ah */
	expect_reg(test, &i.ops[0], GPR, 4, 1, true);
	DECODE(test, &i, M64, 0x48, 0xf7, 0xd9);	/* neg rcx */
	expect_reg(test, &i.ops[0], GPR, 1, 8, false);
	KUNIT_EXPECT_EQ(test, i.nr_ops, 1);
	DECODE(test, &i, M64, 0x0f, 0xba, 0x28, 0x05);	/* bts dword [rax], 5 */
	expect_mem(test, &i.ops[0], 4);
	expect_imm(test, &i.ops[1], 5, 1);		/* a bit offset, not extended */
	DECODE(test, &i, M64, 0x0f, 0xc1, 0x08);	/* xadd [rax], ecx */
	expect_mem(test, &i.ops[0], 4);
	expect_reg(test, &i.ops[1], GPR, 1, 4, false);
	DECODE(test, &i, M64, 0x41, 0x90);		/* xchg r8d, eax */
	expect_reg(test, &i.ops[0], GPR, 8, 4, false);
	expect_reg(test, &i.ops[1], GPR, 0, 4, false);
	DECODE(test, &i, M64, 0x0f, 0x9f, 0xc1);	/* setg cl */
	expect_reg(test, &i.ops[0], GPR, 1, 1, false);
}

static void decode_operands_string_io(struct kunit *test)
{
	struct duet_x86_insn i;

	DECODE(test, &i, M64, 0xf3, 0xab);		/* rep stosd */
	KUNIT_EXPECT_EQ(test, i.ops[0].type, DUET_X86_OP_STR_DST);
	KUNIT_EXPECT_EQ(test, i.ops[0].size, 4);
	expect_reg(test, &i.ops[1], GPR, 0, 4, false);
	DECODE(test, &i, M64, 0x48, 0xa5);		/* movsq */
	KUNIT_EXPECT_EQ(test, i.ops[0].type, DUET_X86_OP_STR_DST);
	KUNIT_EXPECT_EQ(test, i.ops[1].type, DUET_X86_OP_STR_SRC);
	KUNIT_EXPECT_EQ(test, i.ops[1].size, 8);
	DECODE(test, &i, M64, 0xa6);			/* cmpsb */
	KUNIT_EXPECT_EQ(test, i.ops[0].type, DUET_X86_OP_STR_SRC);
	KUNIT_EXPECT_EQ(test, i.ops[1].type, DUET_X86_OP_STR_DST);
	DECODE(test, &i, M64, 0xe4, 0x70);		/* in al, 0x70 */
	expect_reg(test, &i.ops[0], GPR, 0, 1, false);
	expect_imm(test, &i.ops[1], 0x70, 1);
	DECODE(test, &i, M64, 0x48, 0xe5, 0x70);	/* in eax, 0x70: REX.W ignored */
	expect_reg(test, &i.ops[0], GPR, 0, 4, false);
	DECODE(test, &i, M64, 0xed);			/* in eax, dx */
	expect_reg(test, &i.ops[1], GPR, 2, 2, false);
	DECODE(test, &i, M64, 0x66, 0xe7, 0x71);	/* out 0x71, ax */
	KUNIT_EXPECT_EQ(test, i.kind, DUET_X86_OUT);
	expect_imm(test, &i.ops[0], 0x71, 1);
	expect_reg(test, &i.ops[1], GPR, 0, 2, false);
	DECODE(test, &i, M64, 0x6d);			/* insd */
	KUNIT_EXPECT_EQ(test, i.ops[0].type, DUET_X86_OP_STR_DST);
	KUNIT_EXPECT_EQ(test, i.ops[0].size, 4);
	expect_reg(test, &i.ops[1], GPR, 2, 2, false);
	DECODE(test, &i, M64, 0x6e);			/* outsb */
	expect_reg(test, &i.ops[0], GPR, 2, 2, false);
	KUNIT_EXPECT_EQ(test, i.ops[1].type, DUET_X86_OP_STR_SRC);
	KUNIT_EXPECT_EQ(test, i.ops[1].size, 1);
}

static void decode_operands_system(struct kunit *test)
{
	struct duet_x86_insn i;

	DECODE(test, &i, M64, 0x0f, 0x22, 0xd8);	/* mov cr3, rax */
	expect_reg(test, &i.ops[0], DUET_X86_REG_CR, 3, 8, false);
	expect_reg(test, &i.ops[1], GPR, 0, 8, false);
	DECODE(test, &i, M64, 0x44, 0x0f, 0x20, 0xc1);	/* mov rcx, cr8 */
	expect_reg(test, &i.ops[0], GPR, 1, 8, false);
	expect_reg(test, &i.ops[1], DUET_X86_REG_CR, 8, 8, false);
	DECODE(test, &i, DUET_X86_MODE_32, 0xf0, 0x0f, 0x22, 0xc0);	/* mov cr8, eax */
	expect_reg(test, &i.ops[0], DUET_X86_REG_CR, 8, 4, false);
	KUNIT_EXPECT_EQ(test, i.ud, 0);
	DECODE(test, &i, M64, 0x0f, 0x21, 0xf8);	/* mov rax, dr7 */
	expect_reg(test, &i.ops[1], DUET_X86_REG_DR, 7, 8, false);
	DECODE(test, &i, M64, 0x0f, 0x01, 0x10);	/* lgdt [rax] */
	expect_mem(test, &i.ops[0], 10);
	DECODE(test, &i, DUET_X86_MODE_32, 0x0f, 0x01, 0x08);	/* sidt [eax] */
	expect_mem(test, &i.ops[0], 6);
	DECODE(test, &i, M64, 0x0f, 0x01, 0x38);	/* invlpg [rax] */
	expect_mem(test, &i.ops[0], 0);
	DECODE(test, &i, M64, 0x0f, 0x00, 0xd8);	/* ltr ax */
	expect_reg(test, &i.ops[0], GPR, 0, 2, false);
	DECODE(test, &i, M64, 0x0f, 0x01, 0xe0);	/* smsw eax */
	KUNIT_EXPECT_EQ(test, i.kind, DUET_X86_SMSW);
	expect_reg(test, &i.ops[0], GPR, 0, 4, false);
	DECODE(test, &i, M64, 0xcd, 0x21);		/* int 0x21 */
	expect_imm(test, &i.ops[0], 0x21, 1);
	DECODE(test, &i, M64, 0xc2, 0x10, 0x00);	/* ret 0x10 */
	expect_imm(test, &i.ops[0], 0x10, 2);
	DECODE(test, &i, M64, 0x50);			/* push rax */
	expect_reg(test, &i.ops[0], GPR, 0, 8, false);
	DECODE(test, &i, M64, 0x0f, 0xa0);		/* push fs */
	expect_reg(test, &i.ops[0], DUET_X86_REG_SEG, DUET_X86_SEG_FS, 8, false);
	DECODE(test, &i, DUET_X86_MODE_32, 0x1f);	/* pop ds */
	KUNIT_EXPECT_EQ(test, i.kind, DUET_X86_POP);
	expect_reg(test, &i.ops[0], DUET_X86_REG_SEG, DUET_X86_SEG_DS, 4, false);
	DECODE(test, &i, M64, 0x0f, 0x01, 0xd9);	/* vmmcall */
	KUNIT_EXPECT_EQ(test, i.nr_ops, 0);
	DECODE(test, &i, M64, 0x0f, 0x01, 0xc8);	/* monitor */
	KUNIT_EXPECT_EQ(test, i.kind, DUET_X86_MONITOR);
	DECODE(test, &i, M64, 0xf3, 0x0f, 0x01, 0xd9);	/* not vmmcall with F3 */
	KUNIT_EXPECT_EQ(test, i.kind, DUET_X86_OTHER);
	DECODE(test, &i, DUET_X86_MODE_32, 0x0f, 0x01, 0xf8);	/* no swapgs */
	KUNIT_EXPECT_EQ(test, i.kind, DUET_X86_OTHER);
}

static void decode_operands_branch(struct kunit *test)
{
	struct duet_x86_insn i;

	DECODE(test, &i, M64, 0x75, 0xfe);		/* jne . */
	KUNIT_EXPECT_EQ(test, i.ops[0].type, DUET_X86_OP_REL);
	KUNIT_EXPECT_EQ(test, i.ops[0].imm, RIP);
	DECODE(test, &i, M64, 0xe8, 0x00, 0x00, 0x00, 0x80);	/* call far back */
	KUNIT_EXPECT_EQ(test, i.ops[0].imm, RIP + 5 - 0x80000000ULL);
	DECODE(test, &i, M64, 0xff, 0x15, 0x10, 0, 0, 0);	/* call [rip+0x10] */
	KUNIT_EXPECT_EQ(test, i.kind, DUET_X86_CALL);
	expect_mem(test, &i.ops[0], 8);
	KUNIT_EXPECT_FALSE(test, i.has_target);
	DECODE(test, &i, M64, 0x41, 0xff, 0xe3);	/* jmp r11 */
	expect_reg(test, &i.ops[0], GPR, 11, 8, false);
	DECODE(test, &i, M64, 0xff, 0x1c, 0x24);	/* call far [rsp] (m16:32) */
	expect_mem(test, &i.ops[0], 6);
	DECODE(test, &i, M64, 0x48, 0xff, 0x2c, 0x24);	/* jmp far [rsp] (m16:64) */
	expect_mem(test, &i.ops[0], 10);
}

static u64 regs[16];

static u64 read_gpr(void *ctx, unsigned int reg)
{
	return ((u64 *)ctx)[reg & 15];
}

static u64 ea_of(struct kunit *test, const struct duet_x86_insn *insn)
{
	u64 ea = 0xdead;

	KUNIT_EXPECT_EQ(test, duet_x86_insn_ea(insn, read_gpr, regs, &ea), 0);
	return ea;
}

static void decode_effective_address(struct kunit *test)
{
	struct duet_x86_insn i;
	u64 ea;

	memset(regs, 0, sizeof(regs));
	regs[0] = 0x1000;		/* rax */
	regs[1] = 3;			/* rcx */
	regs[13] = 0x7000;		/* r13 */
	DECODE(test, &i, M64, 0x48, 0x8b, 0x44, 0x88, 0x10);	/* [rax+rcx*4+0x10] */
	KUNIT_EXPECT_EQ(test, ea_of(test, &i), 0x101cULL);
	DECODE(test, &i, M64, 0x41, 0x8b, 0x45, 0xf8);	/* [r13-8] */
	KUNIT_EXPECT_EQ(test, ea_of(test, &i), 0x6ff8ULL);
	/* RIP-relative: from the end of the instruction. */
	DECODE(test, &i, M64, 0x8b, 0x05, 0x10, 0x00, 0x00, 0x00);
	KUNIT_EXPECT_EQ(test, ea_of(test, &i), RIP + 6 + 0x10);
	DECODE(test, &i, M64, 0x8b, 0x05, 0x00, 0xf0, 0xff, 0xff);
	KUNIT_EXPECT_EQ(test, ea_of(test, &i), RIP + 6 - 0x1000);
	/* disp32 without base is sign-extended in 64-bit mode ... */
	DECODE(test, &i, M64, 0x8b, 0x04, 0x25, 0x00, 0x00, 0x00, 0x80);
	KUNIT_EXPECT_EQ(test, ea_of(test, &i), 0xffffffff80000000ULL);
	/* ... and truncated to 32 bits with 67. */
	regs[0] = 0x100000010ULL;
	DECODE(test, &i, M64, 0x67, 0x8b, 0x00);
	KUNIT_EXPECT_EQ(test, ea_of(test, &i), 0x10ULL);
	/* moffs64 as is. */
	DECODE(test, &i, M64, 0xa1, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11);
	KUNIT_EXPECT_EQ(test, ea_of(test, &i), 0x1122334455667788ULL);
	/* 32-bit mode wraps at 4 GiB. */
	regs[0] = 0x80000000;
	DECODE(test, &i, DUET_X86_MODE_32, 0x8b, 0x80, 0x00, 0x00, 0x00, 0x80);
	KUNIT_EXPECT_EQ(test, ea_of(test, &i), 0ULL);
	/* 16-bit addressing wraps at 64 KiB: [bx+si-1] with bx = si = 0. */
	DECODE(test, &i, DUET_X86_MODE_16, 0x8b, 0x40, 0xff);
	KUNIT_EXPECT_EQ(test, ea_of(test, &i), 0xffffULL);
	regs[3] = 0x1234;		/* bx */
	regs[7] = 0x10;			/* di */
	DECODE(test, &i, DUET_X86_MODE_16, 0x8b, 0x81, 0x00, 0x01);	/* [bx+di+0x100] */
	KUNIT_EXPECT_EQ(test, ea_of(test, &i), 0x1344ULL);
	/* No memory operand. */
	DECODE(test, &i, M64, 0x89, 0xc8);
	KUNIT_EXPECT_EQ(test, duet_x86_insn_ea(&i, read_gpr, regs, &ea), -EINVAL);
	DECODE(test, &i, M64, 0xa4);			/* movsb: rSI/rDI, not ModRM */
	KUNIT_EXPECT_EQ(test, duet_x86_insn_ea(&i, read_gpr, regs, &ea), -EINVAL);
}

static void decode_kind_names(struct kunit *test)
{
	KUNIT_EXPECT_STREQ(test, duet_x86_kind_name(DUET_X86_OTHER), "OTHER");
	KUNIT_EXPECT_STREQ(test, duet_x86_kind_name(DUET_X86_MOV), "MOV");
	KUNIT_EXPECT_STREQ(test, duet_x86_kind_name(DUET_X86_VMMCALL), "VMMCALL");
	KUNIT_EXPECT_STREQ(test, duet_x86_kind_name(DUET_X86_UD2), "UD2");
	KUNIT_EXPECT_STREQ(test, duet_x86_kind_name(DUET_X86_NR_KINDS), "?");
}

static struct kunit_case duet_x86_decode_cases[] = {
	KUNIT_CASE_PARAM(decode_table, decode_gen_params),
	KUNIT_CASE(decode_truncated),
	KUNIT_CASE(decode_long_buffer),
	KUNIT_CASE(decode_bad_mode),
	KUNIT_CASE(decode_operands_mov),
	KUNIT_CASE(decode_operands_alu),
	KUNIT_CASE(decode_operands_string_io),
	KUNIT_CASE(decode_operands_system),
	KUNIT_CASE(decode_operands_branch),
	KUNIT_CASE(decode_effective_address),
	KUNIT_CASE(decode_kind_names),
	{}
};

static struct kunit_suite duet_x86_decode_suite = {
	.name = "duet_x86_decode",
	.test_cases = duet_x86_decode_cases,
};

kunit_test_suite(duet_x86_decode_suite);
