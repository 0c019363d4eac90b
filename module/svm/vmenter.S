/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Enter an SVM guest once.  Called with GIF clear (CLGI) and RFLAGS.IF
 * set, so that a physical interrupt becomes #VMEXIT(INTR) while the guest
 * runs and is taken by the host only after STGI.
 */
#include <linux/linkage.h>
#include <asm/alternative.h>
#include <asm/asm.h>
#include <asm/cpufeatures.h>
#include <asm/msr-index.h>
#include <asm/nospec-branch.h>
#include <asm/percpu.h>

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

/* The arguments, kept on the stack across VMRUN. */
#define ARG_VMCB	0
#define ARG_REGS	8
#define ARG_HOST_SAVE	16
#define ARG_SPEC_CTRL	24
#define ARGS_SIZE	32

/*
 * Write @value (a register) to IA32_SPEC_CTRL unless it holds it already
 * (PER_CPU_VAR(x86_spec_ctrl_current) is the host's value; while we are
 * here it is also what the MSR holds, except between the two swaps).
 * Only when the host has the MSR; with V_SPEC_CTRL the CPU swaps it
 * itself, the guest's value coming from the VMCB (left 0, as duet's).
 * Clobbers RAX, RCX, RDX and the flags.
 */
.macro SWAP_SPEC_CTRL to_guest:req
	ALTERNATIVE_2 "jmp .Lspec_done_\@", \
		"", X86_FEATURE_MSR_SPEC_CTRL, \
		"jmp .Lspec_done_\@", X86_FEATURE_V_SPEC_CTRL
	mov ARG_SPEC_CTRL(%rsp), %rax
	cmp PER_CPU_VAR(x86_spec_ctrl_current), %rax
	je .Lspec_done_\@
.if !\to_guest
	mov PER_CPU_VAR(x86_spec_ctrl_current), %rax
.endif
	mov %rax, %rdx
	shr $32, %rdx
	mov $MSR_IA32_SPEC_CTRL, %ecx
	wrmsr
.Lspec_done_\@:
.endm

/*
 * void __svm_vcpu_run(u64 vmcb_pa, unsigned long *regs, u64 host_save_pa,
 *		       u64 spec_ctrl)
 *
 * VMRUN switches only part of the state; the rest (FS, GS, TR, LDTR,
 * KernelGSBase and the syscall MSRs) moves with VMLOAD/VMSAVE.  The caller
 * VMSAVEs the host's part to host_save_pa; the host's VMLOAD follows the
 * guest's VMSAVE directly, here, before any C code can use the GS base
 * (per-CPU data, stack protector).
 *
 * Speculation: the guest runs with its own IA32_SPEC_CTRL (spec_ctrl),
 * written after the last RET before VMRUN; after #VMEXIT the return stack
 * buffer is stuffed (X86_FEATURE_RSB_VMEXIT) and the host's SPEC_CTRL is
 * back before the first RET, and no guest value stays in a register.
 */
SYM_FUNC_START(__svm_vcpu_run)
	push %rbp
	mov  %rsp, %rbp
	push %r15
	push %r14
	push %r13
	push %r12
	push %rbx

	push %rcx
	push %rdx
	push %rsi
	push %rdi

	/* No RET or indirect branch from here to VMRUN. */
	SWAP_SPEC_CTRL to_guest=1

	mov ARG_VMCB(%rsp), %rax
	vmload %rax

	mov ARG_REGS(%rsp), %rsi
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

#ifdef VM_CLEAR_CPU_BUFFERS
	/* Where the CPU needs it (MDS, TSA): VERW, clobbers ZF only. */
	VM_CLEAR_CPU_BUFFERS
#endif

	/* APM: RAX holds the VMCB's physical address. */
	vmrun %rax

	/* #VMEXIT restored host RAX/RSP/RIP; the guest's RAX is in the VMCB. */
	mov ARG_REGS(%rsp), %rax
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

	mov ARG_VMCB(%rsp), %rax
	vmsave %rax
	mov ARG_HOST_SAVE(%rsp), %rax
	vmload %rax

	/* Before the first RET: drop return predictions the guest trained. */
	FILL_RETURN_BUFFER %rax, RSB_CLEAR_LOOPS, X86_FEATURE_RSB_VMEXIT

	SWAP_SPEC_CTRL to_guest=0

#ifdef UNTRAIN_RET_VM
	/* Retbleed/SRSO: untrain RET before the host returns anywhere. */
	UNTRAIN_RET_VM
#endif

	/*
	 * Leave no guest value in a register, not even in those restored
	 * from the stack below: speculation could use them first.
	 */
	xor %ecx, %ecx
	xor %edx, %edx
	xor %ebx, %ebx
	xor %ebp, %ebp
	xor %esi, %esi
	xor %edi, %edi
	xor %r8d, %r8d
	xor %r9d, %r9d
	xor %r10d, %r10d
	xor %r11d, %r11d
	xor %r12d, %r12d
	xor %r13d, %r13d
	xor %r14d, %r14d
	xor %r15d, %r15d

	add $ARGS_SIZE, %rsp
	pop %rbx
	pop %r12
	pop %r13
	pop %r14
	pop %r15
	pop %rbp
	RET
SYM_FUNC_END(__svm_vcpu_run)
