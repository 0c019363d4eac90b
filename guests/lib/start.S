/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Entry of a duet guest.  `duet vm run` starts every vCPU here in 64-bit
 * mode with interrupts off, RDI = the vCPU's index, RSI = the number of
 * vCPUs and no stack: give each vCPU its own, call guest_main(index, n)
 * and halt for good once it returns.
 */
#define GUEST_STACK_SHIFT	12		/* 4 KiB a vCPU */
#define GUEST_MAX_VCPUS		64

	.section .text.start, "ax"
	.globl _start
	.type _start, @function
_start:
	cmp	$GUEST_MAX_VCPUS, %rdi
	jae	.Lhalt
	/* The stack of vCPU i ends at guest_stacks + (i + 1) * 4 KiB. */
	lea	1(%rdi), %rax
	shl	$GUEST_STACK_SHIFT, %rax
	lea	guest_stacks(%rax), %rsp
	xor	%ebp, %ebp
	call	guest_main
.Lhalt:
	cli
	hlt
	jmp	.Lhalt
	.size _start, . - _start

	.section .bss
	.balign 4096
	.type guest_stacks, @object
guest_stacks:
	.skip	GUEST_MAX_VCPUS << GUEST_STACK_SHIFT
	.size guest_stacks, . - guest_stacks

	.section .note.GNU-stack, "", @progbits
