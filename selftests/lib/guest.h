/* SPDX-License-Identifier: GPL-2.0 */
/*
 * duet selftests: helpers for guest code.
 *
 * Guest code is plain C in the test program, run by a vCPU inside the
 * program's own image (see vm.h).  It must be freestanding: no libc call,
 * no TLS (errno), no system call, no SSE (the test objects are built with
 * -mgeneral-regs-only) and no large struct copies the compiler could turn
 * into memcpy().  These inline helpers wrap the instructions the tests
 * need.
 */
#ifndef DUET_SELFTEST_GUEST_H
#define DUET_SELFTEST_GUEST_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/types.h>

/*
 * 64-bit accesses that the compiler cannot merge, split or drop, for
 * memory that exits to the host as MMIO.  duet emulates any MOV (and the
 * other forms of DUET_EXIT_MMIO); the host answers a read with
 * vcpu_complete_mmio().
 */
static inline __u64 guest_mmio_read64(__u64 gva)
{
	__u64 val;

	asm volatile("mov (%1), %0" : "=r"(val) : "r"(gva) : "memory");
	return val;
}

static inline void guest_mmio_write64(__u64 gva, __u64 val)
{
	asm volatile("mov %1, (%0)" : : "r"(gva), "r"(val) : "memory");
}

static inline void guest_cpuid(__u32 leaf, __u32 subleaf, __u32 *a,
			       __u32 *b, __u32 *c, __u32 *d)
{
	asm volatile("cpuid"
		     : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d)
		     : "a"(leaf), "c"(subleaf));
}

static inline void guest_outb(__u16 port, __u8 val)
{
	asm volatile("outb %b0, %w1" : : "a"(val), "Nd"(port));
}

static inline void guest_outw(__u16 port, __u16 val)
{
	asm volatile("outw %w0, %w1" : : "a"(val), "Nd"(port));
}

static inline void guest_outl(__u16 port, __u32 val)
{
	asm volatile("outl %k0, %w1" : : "a"(val), "Nd"(port));
}

/*
 * IN on a full RAX: the result shows what the instruction left in the
 * bytes it does not write (kept for 1 and 2 bytes, zeroed for 4).
 */
static inline __u64 guest_inb_rax(__u16 port, __u64 rax)
{
	asm volatile("inb %w1, %b0" : "+a"(rax) : "Nd"(port));
	return rax;
}

static inline __u64 guest_inw_rax(__u16 port, __u64 rax)
{
	asm volatile("inw %w1, %w0" : "+a"(rax) : "Nd"(port));
	return rax;
}

static inline __u64 guest_inl_rax(__u16 port, __u64 rax)
{
	asm volatile("inl %w1, %k0" : "+a"(rax) : "Nd"(port));
	return rax;
}

/*
 * Whether this VM's hypercall instruction is VMCALL (VMX) rather than
 * VMMCALL (SVM): each raises #UD on the other vendor's CPUs.  vm_create()
 * sets the guest's copy from DUET_CAP_BACKEND, so that the guest picks
 * the right one without asking the host.
 */
extern bool guest_hypercall_vmcall;

/*
 * The hypercall (VMCALL or VMMCALL, both 3 bytes) with RAX = @nr and RBX,
 * RCX, RDX, RSI = @a0..@a3; RAX back.
 */
static inline __u64 guest_hypercall(__u64 nr, __u64 a0, __u64 a1, __u64 a2,
				    __u64 a3)
{
	__u64 ret;

	if (__atomic_load_n(&guest_hypercall_vmcall, __ATOMIC_RELAXED))
		asm volatile("vmcall"
			     : "=a"(ret)
			     : "a"(nr), "b"(a0), "c"(a1), "d"(a2), "S"(a3)
			     : "memory");
	else
		asm volatile("vmmcall"
			     : "=a"(ret)
			     : "a"(nr), "b"(a0), "c"(a1), "d"(a2), "S"(a3)
			     : "memory");
	return ret;
}

static inline void guest_hlt(void)
{
	asm volatile("hlt" : : : "memory");
}

static inline __u64 guest_read_cr0(void)
{
	__u64 v;

	asm volatile("mov %%cr0, %0" : "=r"(v));
	return v;
}

static inline __u64 guest_read_cr2(void)
{
	__u64 v;

	asm volatile("mov %%cr2, %0" : "=r"(v));
	return v;
}

static inline __u64 guest_read_cr3(void)
{
	__u64 v;

	asm volatile("mov %%cr3, %0" : "=r"(v));
	return v;
}

static inline __u64 guest_read_cr4(void)
{
	__u64 v;

	asm volatile("mov %%cr4, %0" : "=r"(v));
	return v;
}

static inline __u64 guest_read_rflags(void)
{
	__u64 v;

	asm volatile("pushfq; popq %0" : "=r"(v));
	return v;
}

static inline __u16 guest_read_cs(void)
{
	__u16 v;

	asm volatile("mov %%cs, %0" : "=r"(v));
	return v;
}

/* Spin without being optimised away. */
static inline void guest_pause(void)
{
	asm volatile("pause" : : : "memory");
}

/* Accesses the compiler may neither drop nor merge nor tear. */
#define GUEST_READ_ONCE(x)	__atomic_load_n(&(x), __ATOMIC_RELAXED)
#define GUEST_WRITE_ONCE(x, v)	__atomic_store_n(&(x), (v), __ATOMIC_RELAXED)

/* A 64-bit word of guest memory (not MMIO: see guest_mmio_read64()). */
static inline __u64 guest_read64(__u64 gva)
{
	return GUEST_READ_ONCE(*(__u64 *)(uintptr_t)gva);
}

static inline void guest_write64(__u64 gva, __u64 val)
{
	GUEST_WRITE_ONCE(*(__u64 *)(uintptr_t)gva, val);
}

/*
 * The address of asm label @label (a string), RIP-relative as all code of
 * the test image is, so that host and guest get the same value.
 */
#define GUEST_LABEL_ADDR(label)						\
({									\
	void *__a;							\
									\
	asm("lea " label "(%%rip), %0" : "=r"(__a));			\
	__a;								\
})

#endif /* DUET_SELFTEST_GUEST_H */
