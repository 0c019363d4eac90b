// SPDX-License-Identifier: GPL-2.0
/*
 * duet selftests: exceptions in guest code, both sides; see exception.h.
 *
 * The guest half (entry stubs, the common entry, guest_exception_route())
 * runs inside the VM and is built like the tests' guest code (see the
 * Makefile).  The IDT and the per-vCPU TSS and exception stacks live in
 * pages of the pool (vm_alloc_pages()); the stubs and handlers are the
 * test program's own code, at the same addresses in the guest.
 */
#include <sys/ioctl.h>

#include "exception.h"
#include "guest.h"
#include "longmode.h"
#include "vm.h"

#define IDT_ENTRIES		256
#define IDT_SIZE		(IDT_ENTRIES * 16)
#define STUB_SIZE		16	/* as .balign in the stubs below */

/* 64-bit interrupt gate (SDM "64-Bit IDT Gate Descriptors"): P, DPL 0. */
#define GATE_INTR64		0x8e
#define GATE_IST		1

/* 64-bit TSS fields (SDM "Task Management in 64-bit Mode"). */
#define TSS_IST1		0x24
#define TSS_IOMAP_BASE		0x66

/* Guest side. */

guest_exception_handler_t guest_exception_handlers[IDT_ENTRIES];

/*
 * One stub a vector, each STUB_SIZE bytes: push a zero error code for the
 * vectors whose exception pushes none (SDM: 8, 10-14, 17, 21, 29 and 30
 * push one), push the vector, and go to the common entry, which saves the
 * general registers into a struct guest_exception_frame, calls
 * guest_exception_route() with the stack aligned for C, restores them and
 * returns with IRETQ.
 */
asm(".pushsection .text\n"
	".balign 16\n"
	".globl guest_exception_stubs\n"
	"guest_exception_stubs:\n"
	".set guest_vector, 0\n"
	".rept 256\n"
	"	.balign 16\n"
	"	.set guest_ec, (guest_vector == 8) | (guest_vector == 17)\n"
	"	.set guest_ec, guest_ec | ((guest_vector >= 10) & (guest_vector <= 14))\n"
	"	.set guest_ec, guest_ec | (guest_vector == 21) | (guest_vector == 29)\n"
	"	.set guest_ec, guest_ec | (guest_vector == 30)\n"
	"	.if !guest_ec\n"
	"	pushq $0\n"
	"	.endif\n"
	"	pushq $guest_vector\n"
	"	jmp guest_exception_common\n"
	"	.set guest_vector, guest_vector + 1\n"
	".endr\n"
	"guest_exception_common:\n"
	"	pushq %r15\n"
	"	pushq %r14\n"
	"	pushq %r13\n"
	"	pushq %r12\n"
	"	pushq %r11\n"
	"	pushq %r10\n"
	"	pushq %r9\n"
	"	pushq %r8\n"
	"	pushq %rbp\n"
	"	pushq %rdi\n"
	"	pushq %rsi\n"
	"	pushq %rdx\n"
	"	pushq %rcx\n"
	"	pushq %rbx\n"
	"	pushq %rax\n"
	"	cld\n"
	"	movq %rsp, %rbx\n"
	"	andq $-16, %rsp\n"
	"	movq %rbx, %rdi\n"
	"	call guest_exception_route\n"
	"	movq %rbx, %rsp\n"
	"	popq %rax\n"
	"	popq %rbx\n"
	"	popq %rcx\n"
	"	popq %rdx\n"
	"	popq %rsi\n"
	"	popq %rdi\n"
	"	popq %rbp\n"
	"	popq %r8\n"
	"	popq %r9\n"
	"	popq %r10\n"
	"	popq %r11\n"
	"	popq %r12\n"
	"	popq %r13\n"
	"	popq %r14\n"
	"	popq %r15\n"
	"	addq $16, %rsp\n"
	"	iretq\n"
	".popsection\n");

const char *exception_name(unsigned int vector)
{
	static const char * const names[32] = {
		[DE_VECTOR] = "#DE", [DB_VECTOR] = "#DB", [NMI_VECTOR] = "NMI",
		[BP_VECTOR] = "#BP", [OF_VECTOR] = "#OF", [BR_VECTOR] = "#BR",
		[UD_VECTOR] = "#UD", [NM_VECTOR] = "#NM", [DF_VECTOR] = "#DF",
		[TS_VECTOR] = "#TS", [NP_VECTOR] = "#NP", [SS_VECTOR] = "#SS",
		[GP_VECTOR] = "#GP", [PF_VECTOR] = "#PF", [MF_VECTOR] = "#MF",
		[AC_VECTOR] = "#AC", [MC_VECTOR] = "#MC", [XM_VECTOR] = "#XM",
	};

	if (vector >= 32)
		return vector == GUEST_NO_EXCEPTION ? "none" : "interrupt";
	return names[vector] ? names[vector] : "?";
}

void guest_exception_route(struct guest_exception_frame *f)
{
	const struct guest_extable_entry *e;
	guest_exception_handler_t handler;

	/* A fault at a *_safe() instruction: report it there, past it. */
	if (f->vector < 32) {
		for (e = __start_duet_guest_extable;
		     e < __stop_duet_guest_extable; e++) {
			if (e->insn != f->rip)
				continue;
			f->r10 = f->vector;
			f->r11 = f->error_code;
			f->rip = e->fixup;
			return;
		}
	}

	handler = guest_exception_handlers[f->vector];
	if (handler) {
		handler(f);
		return;
	}
	ucall_assert("unexpected exception", __FILE__, __LINE__,
		     "%s (vector %lu) at rip %#lx, error code %#lx, rsp %#lx",
		     exception_name(f->vector), (unsigned long)f->vector,
		     (unsigned long)f->rip, (unsigned long)f->error_code,
		     (unsigned long)f->rsp);
	/* The host ends the case; if it runs the vCPU on, stay here. */
	for (;;)
		guest_hlt();
}

/* Host side. */

static void vm_build_idt(struct duet_test_vm *vm)
{
	__u8 *idt;
	unsigned int i;

	if (vm->idt_gpa)
		return;
	vm->idt_gpa = vm_alloc_pages(vm, IDT_SIZE / DUET_TEST_PAGE_SIZE);
	idt = vm_gpa2hva(vm, vm->idt_gpa, IDT_SIZE);
	for (i = 0; i < IDT_ENTRIES; i++) {
		__u64 addr = (uintptr_t)guest_exception_stubs + i * STUB_SIZE;
		__u8 *g = idt + i * 16;
		__u16 sel = LONGMODE_SEL_CODE;
		__u16 lo = addr, mid = addr >> 16;
		__u32 hi = addr >> 32, zero = 0;

		memcpy(g + 0, &lo, 2);
		memcpy(g + 2, &sel, 2);
		g[4] = GATE_IST;
		g[5] = GATE_INTR64;
		memcpy(g + 6, &mid, 2);
		memcpy(g + 8, &hi, 4);
		memcpy(g + 12, &zero, 4);
	}
}

void vcpu_init_exceptions(struct duet_test_vcpu *vcpu)
{
	struct duet_test_vm *vm = vcpu->vm;
	struct duet_sregs sregs;

	TEST_ASSERT(vm->mem, "the VM has no guest memory");
	vm_build_idt(vm);
	if (!vcpu->tss_gpa) {
		/* The TSS page, then the exception stack above it. */
		__u64 tss = vm_alloc_pages(vm, 1 + GUEST_EXCEPTION_STACK_SIZE /
					   DUET_TEST_PAGE_SIZE);
		__u64 ist = tss + DUET_TEST_PAGE_SIZE + GUEST_EXCEPTION_STACK_SIZE;
		__u8 *t = vm_gpa2hva(vm, tss, DUET_TEST_PAGE_SIZE);
		__u16 iomap = LONGMODE_TSS_LIMIT + 1;

		memcpy(t + TSS_IST1, &ist, sizeof(ist));
		/* No I/O permission bitmap: its base is past the limit. */
		memcpy(t + TSS_IOMAP_BASE, &iomap, sizeof(iomap));
		vcpu->tss_gpa = tss;
	}

	vcpu_sregs_get(vcpu, &sregs);
	sregs.idt.base = vm->idt_gpa;
	sregs.idt.limit = IDT_SIZE - 1;
	sregs.tr.base = vcpu->tss_gpa;
	sregs.tr.limit = LONGMODE_TSS_LIMIT;
	sregs.tr.selector = LONGMODE_SEL_TSS;
	sregs.tr.attrib = LONGMODE_ATTRIB_TSS;
	vcpu_sregs_set(vcpu, &sregs);
}

void vm_init_exceptions(struct duet_test_vm *vm)
{
	unsigned int i;

	vm_build_idt(vm);
	for (i = 0; i < DUET_MAX_VCPUS; i++)
		if (vm->vcpus[i])
			vcpu_init_exceptions(vm->vcpus[i]);
}

void vm_install_exception_handler(struct duet_test_vm *vm, __u8 vector,
				  guest_exception_handler_t handler)
{
	guest_exception_handler_t *slot;

	TEST_ASSERT(vm->idt_gpa, "vm_init_exceptions() first");
	slot = vm_gva2hva(vm, (uintptr_t)&guest_exception_handlers[vector],
			  sizeof(*slot));
	*slot = handler;
}
