/* SPDX-License-Identifier: GPL-2.0 */
/*
 * duet selftests: exceptions in guest code.
 *
 * Without this library a guest has no IDT, so any exception ends in a
 * triple fault (DUET_EXIT_SHUTDOWN).  With it, a guest can run an
 * instruction that may fault, learn which exception it raised, and go on;
 * an exception nobody expected ends the case as a failed guest assertion
 * naming the vector, error code and RIP, instead of killing the VM.
 *
 * Host side:
 *
 *	vm = vm_create_with_one_vcpu(&vcpu, guest_code);
 *	vm_init_exceptions(vm);		// IDT + every vCPU's TSS/stack
 *	vm_install_exception_handler(vm, UD_VECTOR, guest_ud_handler);
 *
 * vm_init_exceptions() covers the vCPUs the VM has; call
 * vcpu_init_exceptions() for one added later.  vcpu_setup_entry() keeps a
 * vCPU's exception set-up.
 *
 * Guest side, an instruction that may fault:
 *
 *	__u64 val, ec;
 *
 *	GUEST_ASSERT_EQ(guest_rdmsr_safe(0xc0011fff, &val), GP_VECTOR);
 *	GUEST_ASSERT_EQ(guest_read64_safe(gva, &val, &ec), PF_VECTOR);
 *	GUEST_ASSERT_EQ(guest_asm_safe("ud2"), UD_VECTOR);
 *	vec = guest_asm_safe_ec("wrmsr", &ec, "c"(msr), "a"(lo), "d"(hi));
 *
 * Each returns the vector of the exception the instruction raised, or
 * GUEST_NO_EXCEPTION (0xff, which no exception has: vector 0 is #DE) when
 * it completed.  After an exception the guest resumes right after the
 * instruction, which has had no effect beyond what the exception leaves
 * (CR2 for #PF).  Any instruction works, written as the asm text of one
 * instruction; for one with outputs, use the building blocks:
 *
 *	GUEST_ASM_SAFE_DECLARE(vec, ec);
 *	asm volatile(GUEST_ASM_SAFE("rdmsr")
 *		     : GUEST_ASM_SAFE_OUTPUTS(vec, ec), "=a"(lo), "=d"(hi)
 *		     : "c"(msr)
 *		     : "memory");
 *	if (vec != GUEST_NO_EXCEPTION) ...	// ec holds the error code
 *
 * Rules:
 * - Only faults are caught this way (RIP at the instruction: #DE, #UD,
 *   #NM, #TS, #NP, #SS, #GP, #PF, #MF, #AC, #XM ...), not traps whose RIP
 *   is past it (#BP from int3, #OF): handle those with a handler.
 * - The instruction may not use R10 or R11 (they carry the result).
 * - A handler installed with vm_install_exception_handler() sees the
 *   saved registers and may change them (RIP, RAX ...) before the IRETQ.
 *   An exception at a *_safe() instruction goes to the fix-up, not to the
 *   handler.
 * - Handlers run with interrupts off on the vCPU's own exception stack
 *   (IST1), so a fault where the guest's stack is bad still lands safely;
 *   an exception inside a handler starts that stack over and cannot
 *   return to the first one.
 * - Every gate of the IDT (256, interrupt gates, DPL 0) leads here, so an
 *   injected interrupt or NMI without a handler fails the case too.
 */
#ifndef DUET_SELFTEST_EXCEPTION_H
#define DUET_SELFTEST_EXCEPTION_H

#include <stddef.h>
#include <linux/types.h>

/* Exception vectors (SDM "Exception and Interrupt Reference"). */
#define DE_VECTOR		0
#define DB_VECTOR		1
#define NMI_VECTOR		2
#define BP_VECTOR		3
#define OF_VECTOR		4
#define BR_VECTOR		5
#define UD_VECTOR		6
#define NM_VECTOR		7
#define DF_VECTOR		8
#define TS_VECTOR		10
#define NP_VECTOR		11
#define SS_VECTOR		12
#define GP_VECTOR		13
#define PF_VECTOR		14
#define MF_VECTOR		16
#define AC_VECTOR		17
#define MC_VECTOR		18
#define XM_VECTOR		19

/* What the *_safe() helpers return when the instruction did not fault. */
#define GUEST_NO_EXCEPTION	0xff

#define GUEST_EXCEPTION_STACK_SIZE	0x4000

/*
 * The state of the interrupted guest code, as the handler entry saved it
 * (lowest address first); a handler may change any field.
 */
struct guest_exception_frame {
	__u64 rax, rbx, rcx, rdx, rsi, rdi, rbp;
	__u64 r8, r9, r10, r11, r12, r13, r14, r15;
	__u64 vector;
	__u64 error_code;	/* 0 for vectors that push none */
	/* Pushed by the CPU. */
	__u64 rip, cs, rflags, rsp, ss;
};

typedef void (*guest_exception_handler_t)(struct guest_exception_frame *frame);

/* An instruction that may fault, and where to resume if it does. */
struct guest_extable_entry {
	__u64 insn;
	__u64 fixup;
};

/*
 * Building blocks of the *_safe() helpers.  GUEST_ASM_SAFE_DECLARE()
 * declares the two result variables (R10, R11); GUEST_ASM_SAFE(insn) is the
 * asm text of @insn with its fix-up entry; GUEST_ASM_SAFE_OUTPUTS() lists
 * the two as the first outputs of the asm statement.
 */
#define GUEST_ASM_SAFE_DECLARE(vec, ec)					\
	register __u64 vec asm("r10") = GUEST_NO_EXCEPTION;		\
	register __u64 ec asm("r11") = 0

#define GUEST_ASM_SAFE(insn)						\
	"8801: " insn "\n"						\
	"8802:\n\t"							\
	".pushsection duet_guest_extable, \"a\"\n\t"			\
	".balign 8\n\t"							\
	".quad 8801b, 8802b\n\t"					\
	".popsection\n\t"

#define GUEST_ASM_SAFE_OUTPUTS(vec, ec)	"+r"(vec), "+r"(ec)

/*
 * Run @insn (asm text of one instruction without outputs) with asm
 * @inputs; return the vector it raised or GUEST_NO_EXCEPTION, and put the
 * error code in *@ec_ptr (when not NULL).
 */
#define guest_asm_safe_ec(insn, ec_ptr, inputs...)			\
({									\
	__u64 *__ec_ptr = (ec_ptr);					\
	GUEST_ASM_SAFE_DECLARE(__vec, __ec);				\
									\
	asm volatile(GUEST_ASM_SAFE(insn)				\
		     : GUEST_ASM_SAFE_OUTPUTS(__vec, __ec)		\
		     : inputs						\
		     : "memory");					\
	if (__ec_ptr)							\
		*__ec_ptr = __ec;					\
	(__u8)__vec;							\
})

#define guest_asm_safe(insn, inputs...)					\
	guest_asm_safe_ec(insn, NULL, inputs)

/* RDMSR; *@val is 0 after an exception. */
static inline __u8 guest_rdmsr_safe(__u32 msr, __u64 *val)
{
	GUEST_ASM_SAFE_DECLARE(vec, ec);
	__u32 lo = 0, hi = 0;

	asm volatile(GUEST_ASM_SAFE("rdmsr")
		     : GUEST_ASM_SAFE_OUTPUTS(vec, ec), "+a"(lo), "+d"(hi)
		     : "c"(msr)
		     : "memory");
	*val = lo | (__u64)hi << 32;
	return vec;
}

static inline __u8 guest_wrmsr_safe(__u32 msr, __u64 val)
{
	return guest_asm_safe("wrmsr", "c"(msr), "a"((__u32)val),
			      "d"((__u32)(val >> 32)));
}

/* A 64-bit load; *@val is 0 after an exception, *@ec (if set) its code. */
static inline __u8 guest_read64_safe(__u64 gva, __u64 *val, __u64 *ec)
{
	GUEST_ASM_SAFE_DECLARE(vec, code);
	__u64 v = 0;

	asm volatile(GUEST_ASM_SAFE("movq (%[p]), %[v]")
		     : GUEST_ASM_SAFE_OUTPUTS(vec, code), [v] "+r"(v)
		     : [p] "r"(gva)
		     : "memory");
	*val = v;
	if (ec)
		*ec = code;
	return vec;
}

static inline __u8 guest_write64_safe(__u64 gva, __u64 val, __u64 *ec)
{
	return guest_asm_safe_ec("movq %[v], (%[p])", ec, [p] "r"(gva),
				 [v] "r"(val));
}

/* Guest side (lib/exception.c, built for the guest). */

/*
 * The linker's bounds of the section of fix-up entries; weak, for a
 * program without any.
 */
extern const struct guest_extable_entry __start_duet_guest_extable[]
	__attribute__((weak));
extern const struct guest_extable_entry __stop_duet_guest_extable[]
	__attribute__((weak));
/* The handlers, indexed by vector; the host fills the guest's copy. */
extern guest_exception_handler_t guest_exception_handlers[256];
/* The 256 entry stubs, 16 bytes apart, that the IDT gates point to. */
extern const __u8 guest_exception_stubs[];
void guest_exception_route(struct guest_exception_frame *frame);

/* Host side (lib/exception.c). */
struct duet_test_vm;
struct duet_test_vcpu;

/*
 * Build the IDT in guest memory (once per VM) and give every vCPU of @vm
 * its exception set-up (vcpu_init_exceptions()).
 */
void vm_init_exceptions(struct duet_test_vm *vm);

/*
 * Give @vcpu a TSS of its own whose IST1 is an exception stack of
 * GUEST_EXCEPTION_STACK_SIZE bytes, and point its IDTR at the VM's IDT
 * and its TR at that TSS (DUET_SET_SREGS; the GDT's TSS descriptor is not
 * reloaded).  Builds the IDT first if needed.
 */
void vcpu_init_exceptions(struct duet_test_vcpu *vcpu);

/* Call @handler (NULL: none) for @vector in the guest. */
void vm_install_exception_handler(struct duet_test_vm *vm, __u8 vector,
				  guest_exception_handler_t handler);

/* "#GP" for GP_VECTOR ..., "?" for the others. */
const char *exception_name(unsigned int vector);

#endif /* DUET_SELFTEST_EXCEPTION_H */
