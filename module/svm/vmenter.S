/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Enter an SVM guest once.  Called with GIF clear (CLGI) and RFLAGS.IF
 * set, so that a physical interrupt becomes #VMEXIT(INTR) while the guest
 * runs and is taken by the host only after STGI.
 */
#include <linux/linkage.h>
#include <asm/asm.h>
#include <asm/nospec-branch.h>

/* Offsets in the regs array of struct vcpu_svm (svm_vcpu.h). */
#define REG(n)	((n) * 8)
#define RCX	REG(1)
#define RDX	REG(2)
#define RBX	REG(3)
#define RBP	REG(5)
#define RSI	REG(6)
#define RDI	REG(7)
#define R8	REG(8)
#define R9	REG(9)
#define R10	REG(10)
#define R11	REG(11)
#define R12	REG(12)
#define R13	REG(13)
#define R14	REG(14)
#define R15	REG(15)

/*
 * void __svm_vcpu_run(u64 vmcb_pa, unsigned long *regs, u64 host_save_pa)
 *
 * VMRUN switches only part of the state; the rest (FS, GS, TR, LDTR,
 * KernelGSBase and the syscall MSRs) moves with VMLOAD/VMSAVE.  The host's
 * VMLOAD follows the guest's VMSAVE directly, here, before any C code can
 * use the GS base (per-CPU data, stack protector).
 */
SYM_FUNC_START(__svm_vcpu_run)
	push %rbp
	mov  %rsp, %rbp
	push %r15
	push %r14
	push %r13
	push %r12
	push %rbx

	/* Needed after #VMEXIT: 16(%rsp) host save, 8(%rsp) regs, (%rsp) VMCB. */
	push %rdx
	push %rsi
	push %rdi

	mov %rdi, %rax
	vmload %rax

	mov RCX(%rsi), %rcx
	mov RDX(%rsi), %rdx
	mov RBX(%rsi), %rbx
	mov RBP(%rsi), %rbp
	mov RDI(%rsi), %rdi
	mov R8(%rsi),  %r8
	mov R9(%rsi),  %r9
	mov R10(%rsi), %r10
	mov R11(%rsi), %r11
	mov R12(%rsi), %r12
	mov R13(%rsi), %r13
	mov R14(%rsi), %r14
	mov R15(%rsi), %r15
	mov RSI(%rsi), %rsi

	/* APM: RAX holds the VMCB's physical address. */
	vmrun %rax

	/* #VMEXIT restored host RAX/RSP/RIP; the guest's RAX is in the VMCB. */
	mov 8(%rsp), %rax
	mov %rcx, RCX(%rax)
	mov %rdx, RDX(%rax)
	mov %rbx, RBX(%rax)
	mov %rbp, RBP(%rax)
	mov %rsi, RSI(%rax)
	mov %rdi, RDI(%rax)
	mov %r8,  R8(%rax)
	mov %r9,  R9(%rax)
	mov %r10, R10(%rax)
	mov %r11, R11(%rax)
	mov %r12, R12(%rax)
	mov %r13, R13(%rax)
	mov %r14, R14(%rax)
	mov %r15, R15(%rax)

	mov (%rsp), %rax
	vmsave %rax
	mov 16(%rsp), %rax
	vmload %rax

	/* Leave no guest value in a register the host might use. */
	xor %ecx, %ecx
	xor %edx, %edx
	xor %esi, %esi
	xor %edi, %edi
	xor %r8d, %r8d
	xor %r9d, %r9d
	xor %r10d, %r10d
	xor %r11d, %r11d

	add $24, %rsp
	pop %rbx
	pop %r12
	pop %r13
	pop %r14
	pop %r15
	pop %rbp
	RET
SYM_FUNC_END(__svm_vcpu_run)
