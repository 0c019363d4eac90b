/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Enter a VMX guest once, with interrupts off: a physical interrupt or NMI
 * while the guest runs is a VM exit ("external-interrupt exiting", "NMI
 * exiting"), and the host takes it once the caller enables interrupts.
 */
#include <linux/linkage.h>
#include <asm/alternative.h>
#include <asm/asm.h>
#include <asm/cpufeatures.h>
#include <asm/msr-index.h>
#include <asm/nospec-branch.h>
#include <asm/percpu.h>
#include <asm/segment.h>
#include <asm/unwind_hints.h>

#include "vmcs.h"

/* Offsets in the regs array of struct vcpu_vmx (vmx_vcpu.h). */
#define REG(n)	((n) * 8)
#define RAX	REG(0)
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

/* The arguments, kept on the stack across the guest's run. */
#define ARG_REGS	0
#define ARG_LAUNCHED	8
#define ARG_SPEC_CTRL	16
#define ARGS_SIZE	24

/*
 * Write @value to IA32_SPEC_CTRL unless it holds it already, as in
 * svm/vmenter.S: only when the host has the MSR.  Clobbers RAX, RCX, RDX
 * and the flags.
 */
.macro SWAP_SPEC_CTRL to_guest:req
	ALTERNATIVE "jmp .Lspec_done_\@", "", X86_FEATURE_MSR_SPEC_CTRL
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
 * bool __vmx_vcpu_run(unsigned long *regs, bool launched, u64 spec_ctrl)
 *
 * VMRESUME when @launched, else VMLAUNCH (SDM "VMCS Life Cycle": the first
 * entry after VMCLEAR is a launch).  The VM exit comes back at vmx_vmexit
 * (the VMCS's host RIP) with the stack pointer written to the VMCS just
 * before the entry.  Returns false after a VM exit, true when the
 * instruction failed (VMfailValid/VMfailInvalid: the VM-instruction error
 * field says why).  No guest value stays in a register afterwards.
 */
SYM_FUNC_START(__vmx_vcpu_run)
	push %rbp
	mov  %rsp, %rbp
	push %r15
	push %r14
	push %r13
	push %r12
	push %rbx

	push %rdx
	push %rsi
	push %rdi

	/* No RET or indirect branch from here to the entry. */
	SWAP_SPEC_CTRL to_guest=1

	/* SDM: a VM exit loads RSP from the host-state area. */
	mov $VMCS_HOST_RSP, %rax
	vmwrite %rsp, %rax
	jna .Lvmfail

	mov ARG_REGS(%rsp), %rax
	/* CF = launched; the moves below leave the flags alone. */
	btl $0, ARG_LAUNCHED(%rsp)

	mov RCX(%rax), %rcx
	mov RDX(%rax), %rdx
	mov RBX(%rax), %rbx
	mov RBP(%rax), %rbp
	mov RSI(%rax), %rsi
	mov RDI(%rax), %rdi
	mov R8(%rax),  %r8
	mov R9(%rax),  %r9
	mov R10(%rax), %r10
	mov R11(%rax), %r11
	mov R12(%rax), %r12
	mov R13(%rax), %r13
	mov R14(%rax), %r14
	mov R15(%rax), %r15
	mov RAX(%rax), %rax

#ifdef CLEAR_CPU_BUFFERS
	/* Where the CPU needs it (MDS): VERW, clobbers ZF only. */
	CLEAR_CPU_BUFFERS
#endif

	jnc .Lvmlaunch

	/* The exit resumes at vmx_vmexit with the stack as it is here. */
	UNWIND_HINT_SAVE

.Lvmresume:
	vmresume
	jmp .Lvmfail

.Lvmlaunch:
	vmlaunch
	jmp .Lvmfail

	_ASM_EXTABLE(.Lvmresume, .Lvmfail)
	_ASM_EXTABLE(.Lvmlaunch, .Lvmfail)

SYM_INNER_LABEL_ALIGN(vmx_vmexit, SYM_L_GLOBAL)
	UNWIND_HINT_RESTORE
	ENDBR

	/* Every register but RSP is the guest's: free RAX to store them. */
	push %rax
	mov ARG_REGS+8(%rsp), %rax
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
	pop RAX(%rax)

	xor %ebx, %ebx
	jmp .Lout

.Lvmfail:
	mov $1, %ebx

.Lout:
	/* Before the first RET: drop return predictions the guest trained. */
	FILL_RETURN_BUFFER %rax, RSB_CLEAR_LOOPS, X86_FEATURE_RSB_VMEXIT

	SWAP_SPEC_CTRL to_guest=0

#ifdef CLEAR_BRANCH_HISTORY_VMEXIT
	CLEAR_BRANCH_HISTORY_VMEXIT
#endif

	xor %ecx, %ecx
	xor %edx, %edx
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

	mov %rbx, %rax
	add $ARGS_SIZE, %rsp
	pop %rbx
	pop %r12
	pop %r13
	pop %r14
	pop %r15
	pop %rbp
	RET
SYM_FUNC_END(__vmx_vcpu_run)

/*
 * void vmx_call_host_handler(unsigned long entry)
 *
 * Call the host's IDT handler at @entry as if the event had arrived here:
 * on an interrupt frame (SS, RSP, RFLAGS, CS, RIP) whose IRET comes back
 * after the call.  For an NMI that exited the guest: the host's handler
 * runs and its IRET ends the NMI blocking the exit left.
 */
SYM_FUNC_START(vmx_call_host_handler)
	push %rbp
	mov %rsp, %rbp
	and $-16, %rsp
	push $__KERNEL_DS
	push %rbp
	pushf
	push $__KERNEL_CS
	CALL_NOSPEC rdi
	leave
	RET
SYM_FUNC_END(vmx_call_host_handler)
