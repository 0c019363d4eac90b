// SPDX-License-Identifier: GPL-2.0
/*
 * duet selftests: x87 and SSE register helpers, in assembly; see fpu.h.
 */
#include <assert.h>
#include <stddef.h>
#include <sys/syscall.h>

#include "fpu.h"

/* The offsets and the system call number the assembly uses. */
static_assert(offsetof(struct fpu_regs, mxcsr) == 256, "fpu_regs layout");
static_assert(offsetof(struct fpu_regs, st0) == 272, "fpu_regs layout");
static_assert(SYS_ioctl == 16, "x86-64 ioctl number");

asm(".pushsection .text\n"
	".type fpu_xmm_store, @function\n"
	".globl fpu_xmm_store\n"
	"fpu_xmm_store:\n"
	".irp i,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\n"
	"	movdqu %xmm\\i, \\i*16(%rdi)\n"
	".endr\n"
	"	ret\n"
	".type fpu_xmm_load, @function\n"
	".globl fpu_xmm_load\n"
	"fpu_xmm_load:\n"
	".irp i,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\n"
	"	movdqu \\i*16(%rdi), %xmm\\i\n"
	".endr\n"
	"	ret\n"
	".type fpu_mxcsr_store, @function\n"
	".globl fpu_mxcsr_store\n"
	"fpu_mxcsr_store:\n"
	"	stmxcsr (%rdi)\n"
	"	ret\n"
	".type fpu_mxcsr_load, @function\n"
	".globl fpu_mxcsr_load\n"
	"fpu_mxcsr_load:\n"
	"	ldmxcsr (%rdi)\n"
	"	ret\n"
	".type fpu_st0_push, @function\n"
	".globl fpu_st0_push\n"
	"fpu_st0_push:\n"
	"	fldt (%rdi)\n"
	"	ret\n"
	".type fpu_st0_pop, @function\n"
	".globl fpu_st0_pop\n"
	"fpu_st0_pop:\n"
	"	fstpt (%rdi)\n"
	"	ret\n"
	".type fpu_fxsave, @function\n"
	".globl fpu_fxsave\n"
	"fpu_fxsave:\n"
	"	fxsave64 (%rdi)\n"
	"	ret\n"
	/*
	 * fd in RDI and req in RSI stay for the system call; in (RDX) and
	 * out (RCX) move to R8 and R9, which SYSCALL keeps.  The caller's
	 * MXCSR (callee-saved in the ABI) waits on the stack, and the x87
	 * stack is empty again at the end, as the ABI wants.
	 */
	".type fpu_ioctl_with_regs, @function\n"
	".globl fpu_ioctl_with_regs\n"
	"fpu_ioctl_with_regs:\n"
	"	subq $8, %rsp\n"
	"	stmxcsr (%rsp)\n"
	"	movq %rdx, %r8\n"
	"	movq %rcx, %r9\n"
	".irp i,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\n"
	"	movdqu \\i*16(%r8), %xmm\\i\n"
	".endr\n"
	"	ldmxcsr 256(%r8)\n"
	"	fldt 272(%r8)\n"
	"	xorl %edx, %edx\n"
	"	movl $16, %eax\n"
	"	syscall\n"
	".irp i,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\n"
	"	movdqu %xmm\\i, \\i*16(%r9)\n"
	".endr\n"
	"	stmxcsr 256(%r9)\n"
	"	fstpt 272(%r9)\n"
	"	ldmxcsr (%rsp)\n"
	"	addq $8, %rsp\n"
	"	ret\n"
	".popsection\n");
