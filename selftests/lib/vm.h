/* SPDX-License-Identifier: GPL-2.0 */
/*
 * duet selftests: VMs and vCPUs that run guest code written in the test.
 *
 * The test programs are static, non-PIE binaries, so their image can be
 * the guest's: vm_create() loads every PT_LOAD segment of /proc/self/exe
 * into guest memory at guest-physical address == its virtual address,
 * identity-maps guest memory with 2 MiB pages (userspace/lib/longmode.h)
 * and starts each vCPU in 64-bit mode at the guest code with RDI = the
 * vCPU's index, on a stack of its own.  Guest code then calls its own
 * functions and reads its own globals and string literals at their usual
 * addresses; see guest.h for what it must not do.
 *
 * Guest-physical layout (slot DUET_TEST_MEM_SLOT covers the first
 * DUET_TEST_MEM_SIZE bytes; guest-virtual == guest-physical below
 * DUET_TEST_MAP_SIZE):
 *
 *	0x00100000  page tables, GDT, TSS	(DUET_TEST_TABLES_GPA)
 *	0x00400000  the program's image		(ELF PT_LOAD segments)
 *	32 MiB      vCPU stacks			(DUET_TEST_STACKS_GPA)
 *	48 MiB      vm_alloc_pages() pool	(DUET_TEST_POOL_GPA)
 *	64 MiB      end of guest memory; above it, up to DUET_TEST_MAP_SIZE,
 *	            mapped but backed by no slot: accesses exit as MMIO
 *
 * Guest globals are the guest's own copy, as they were when the program
 * started: sync_global_to_guest() and sync_global_from_guest() copy them.
 *
 * As everywhere in selftests/lib: x() asserts (ending the case with the
 * caller's file:line), _x() returns 0 (or a result) / -errno, __x() passes
 * a whole uapi struct through.
 */
#ifndef DUET_SELFTEST_VM_H
#define DUET_SELFTEST_VM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/duet.h>

#include "duet.h"
#include "trace.h"
#include "ucall.h"

#define DUET_TEST_MEM_SLOT	0
#define DUET_TEST_MEM_SIZE	(64ULL << 20)
#define DUET_TEST_MAP_SIZE	0x40000000ULL	/* 1 GiB */
#define DUET_TEST_TABLES_GPA	0x100000ULL
#define DUET_TEST_STACKS_GPA	(32ULL << 20)
#define DUET_TEST_STACK_SIZE	0x4000ULL
#define DUET_TEST_POOL_GPA	(48ULL << 20)
#define DUET_TEST_PAGE_SIZE	0x1000ULL

struct duet_test_vm;

struct duet_test_vcpu {
	struct duet_test_vm *vm;
	unsigned int id;
	int fd;
	struct duet_run *run;		/* the mmap()ed run area */
	size_t run_size;
	__u64 stack_gpa;		/* lowest byte of its stack */
	__u64 tss_gpa;			/* its own TSS (exception.h), or 0 */
	struct trace_buf trace;		/* its exits not written yet (trace.h) */
	unsigned long trace_seq;	/* exits traced so far */
};

struct duet_test_vm {
	int dev_fd;			/* /dev/duet */
	int fd;
	unsigned int backend;		/* DUET_CAP_BACKEND: DUET_BACKEND_* */
	__u8 *mem;			/* host mapping of guest-physical 0 */
	__u64 mem_size;		/* 0: a bare VM without memory */
	__u64 pool_next;		/* next free page of the pool */
	__u64 idt_gpa;			/* the IDT (exception.h), or 0 */
	__u32 nl_id;			/* its netlink id once known (bt.h), or 0 */
	unsigned int trace_index;	/* creation order in the case (trace.h) */
	/* The slots as set, for the memory digests of trace.h. */
	struct duet_memslot trace_slots[DUET_MAX_MEMSLOTS];
	struct duet_test_vcpu *vcpus[DUET_MAX_VCPUS];
};

/*
 * Skip the program unless duet is loaded and its backend runs guests
 * (DUET_CREATE_VM works).
 */
void test_require_vm(void);
#define TEST_REQUIRE_VM()	test_require_vm()

/* DUET_CREATE_VM on @dev_fd with argument @arg: a VM fd or -errno. */
int _duet_create_vm(int dev_fd, unsigned long arg);
/* DUET_GET_VCPU_MMAP_SIZE with argument @arg: the size or -errno. */
long _duet_vcpu_mmap_size(int dev_fd, unsigned long arg);
/* DUET_CREATE_VCPU @id on a VM fd: a vCPU fd or -errno. */
int _duet_create_vcpu(int vm_fd, unsigned long id);

/* A VM with neither memory nor vCPUs; _flags: DUET_CREATE_VM's DUET_VM_*. */
struct duet_test_vm *vm_create_barebones(void);
struct duet_test_vm *vm_create_barebones_flags(unsigned long flags);

/* A VM with its memory loaded and mapped, and no vCPU. */
struct duet_test_vm *vm_create(void);
struct duet_test_vm *vm_create_flags(unsigned long flags);

/*
 * A VM with @nr_vcpus vCPUs (ids 0..nr_vcpus - 1, in @vcpus), each ready
 * to run @guest_code(id).
 */
struct duet_test_vm *vm_create_with_vcpus(unsigned int nr_vcpus,
					  void *guest_code,
					  struct duet_test_vcpu *vcpus[]);

static inline struct duet_test_vm *
vm_create_with_one_vcpu(struct duet_test_vcpu **vcpu, void *guest_code)
{
	return vm_create_with_vcpus(1, guest_code, vcpu);
}

/*
 * Add vCPU @id, its run area mapped; with @guest_code (and guest memory)
 * also its stack and 64-bit entry state.
 */
struct duet_test_vcpu *vm_vcpu_add(struct duet_test_vm *vm, unsigned int id,
				   void *guest_code);

/*
 * (Re)start @vcpu at @guest_code(id) on its stack, in 64-bit mode; its
 * exception set-up (exception.h), if any, stays.
 */
void vcpu_setup_entry(struct duet_test_vcpu *vcpu, void *guest_code);

/* Close a vCPU, or the VM with every vCPU left, and unmap their memory. */
void vcpu_free(struct duet_test_vcpu *vcpu);
void vm_free(struct duet_test_vm *vm);

/* Memory slots. */
int __vm_set_memslot(struct duet_test_vm *vm, struct duet_memslot *m);
int _vm_set_memslot(struct duet_test_vm *vm, __u32 slot, __u32 flags,
		    __u64 gpa, __u64 size, void *hva);
#define vm_set_memslot(vm, slot, flags, gpa, size, hva)			\
do {									\
	__u32 __slot = (slot);					\
	__u64 __gpa = (gpa), __size = (size);			\
	int __r = _vm_set_memslot(vm, __slot, flags, __gpa, __size, hva); \
									\
	if (__r)							\
		__test_fail(__FILE__, __LINE__,				\
			    "DUET_SET_MEMSLOT slot %u gpa %#llx size %#llx: %s", \
			    __slot, (unsigned long long)__gpa,		\
			    (unsigned long long)__size, strerror(-__r)); \
} while (0)

/* Anonymous host memory for a slot, page aligned; ends the case on failure. */
void *test_alloc_mem(__u64 size);

/* Host address of guest-physical @gpa (@size bytes); NULL outside memory. */
void *_vm_gpa2hva(struct duet_test_vm *vm, __u64 gpa, __u64 size);
#define vm_gpa2hva(vm, gpa, size)					\
({									\
	__u64 __gpa = (__u64)(gpa);				\
	void *__hva = _vm_gpa2hva(vm, __gpa, size);			\
									\
	if (!__hva)							\
		__test_fail(__FILE__, __LINE__,				\
			    "GPA %#llx is outside guest memory",	\
			    (unsigned long long)__gpa);			\
	__hva;								\
})
/* Guest-virtual == guest-physical in guest memory. */
#define vm_gva2hva(vm, gva, size)	vm_gpa2hva(vm, gva, size)

/*
 * Copy a global between the host and the guest's copy of it (at the same
 * address in guest memory).
 */
void vm_sync_global(struct duet_test_vm *vm, void *global, size_t size,
		    bool to_guest);
#define sync_global_to_guest(vm, g)	vm_sync_global(vm, &(g), sizeof(g), true)
#define sync_global_from_guest(vm, g)	vm_sync_global(vm, &(g), sizeof(g), false)

/* @n zeroed pages of guest memory from the pool: their GPA (== GVA). */
__u64 vm_alloc_pages(struct duet_test_vm *vm, unsigned int n);

/*
 * Map guest-virtual [@gva, @gva + 2 MiB) to guest-physical @gpa in the
 * guest's page tables (tables from the pool); both 2 MiB aligned, @gva
 * canonical and outside DUET_TEST_MAP_SIZE.
 */
void vm_map_2m(struct duet_test_vm *vm, __u64 gva, __u64 gpa);

/*
 * Map guest-virtual page @gva to guest-physical page @gpa with a 4 KiB
 * page, present, supervisor, writable or not, accessed and dirty clear;
 * the same constraints on @gva as vm_map_2m().  Returns the host address
 * of the entry, to look at or change (DUET_TEST_PTE_*).
 */
__u64 *vm_map_4k(struct duet_test_vm *vm, __u64 gva, __u64 gpa, bool writable);

/* Paging-structure entry bits (APM "Long-Mode Page Translation"). */
#define DUET_TEST_PTE_P		0x001ULL
#define DUET_TEST_PTE_RW	0x002ULL
#define DUET_TEST_PTE_A		0x020ULL
#define DUET_TEST_PTE_D		0x040ULL

/* vCPU ioctls. */
int _vcpu_run(struct duet_test_vcpu *vcpu);
#define vcpu_run(vcpu)							\
do {									\
	struct duet_test_vcpu *__v = (vcpu);				\
	int __r = _vcpu_run(__v);					\
									\
	if (__r)							\
		__test_fail(__FILE__, __LINE__, "DUET_RUN: %s; %s",	\
			    strerror(-__r), vcpu_exit_str(__v));	\
} while (0)

int _vcpu_regs_get(struct duet_test_vcpu *vcpu, struct duet_regs *regs);
int _vcpu_regs_set(struct duet_test_vcpu *vcpu, const struct duet_regs *regs);
int _vcpu_sregs_get(struct duet_test_vcpu *vcpu, struct duet_sregs *sregs);
int _vcpu_sregs_set(struct duet_test_vcpu *vcpu,
		    const struct duet_sregs *sregs);

#define __VCPU_X(call, what)						\
do {									\
	int __r = (call);						\
									\
	if (__r)							\
		__test_fail(__FILE__, __LINE__, "%s: %s", what,		\
			    strerror(-__r));				\
} while (0)

#define vcpu_regs_get(vcpu, regs)					\
	__VCPU_X(_vcpu_regs_get(vcpu, regs), "DUET_GET_REGS")
#define vcpu_regs_set(vcpu, regs)					\
	__VCPU_X(_vcpu_regs_set(vcpu, regs), "DUET_SET_REGS")
#define vcpu_sregs_get(vcpu, sregs)					\
	__VCPU_X(_vcpu_sregs_get(vcpu, sregs), "DUET_GET_SREGS")
#define vcpu_sregs_set(vcpu, sregs)					\
	__VCPU_X(_vcpu_sregs_set(vcpu, sregs), "DUET_SET_SREGS")

/*
 * MSRs.  _vcpu_get_msrs()/_vcpu_set_msrs() pass a struct duet_msrs
 * through and return the number of MSRs done or -errno;
 * _vcpu_get_msr()/_vcpu_set_msr() do one: 1 done, 0 refused (not emulated
 * or, for a write, an invalid value), or -errno.  vcpu_get_msr() and
 * vcpu_set_msr() end the case unless it was done.
 */
int _vcpu_get_msrs(struct duet_test_vcpu *vcpu, struct duet_msrs *msrs);
int _vcpu_set_msrs(struct duet_test_vcpu *vcpu, const struct duet_msrs *msrs);
int _vcpu_get_msr(struct duet_test_vcpu *vcpu, __u32 index, __u64 *data);
int _vcpu_set_msr(struct duet_test_vcpu *vcpu, __u32 index, __u64 data);
#define vcpu_get_msr(vcpu, index)					\
({									\
	__u32 __index = (index);					\
	__u64 __data = 0;						\
	int __r = _vcpu_get_msr(vcpu, __index, &__data);		\
									\
	if (__r != 1)							\
		__test_fail(__FILE__, __LINE__,				\
			    "DUET_GET_MSRS %#x: %s", __index,		\
			    __r ? strerror(-__r) : "not done");		\
	__data;								\
})
#define vcpu_set_msr(vcpu, index, data)					\
do {									\
	__u32 __index = (index);					\
	__u64 __data = (data);						\
	int __r = _vcpu_set_msr(vcpu, __index, __data);			\
									\
	if (__r != 1)							\
		__test_fail(__FILE__, __LINE__,				\
			    "DUET_SET_MSRS %#x = %#llx: %s", __index,	\
			    (unsigned long long)__data,			\
			    __r ? strerror(-__r) : "not done");		\
} while (0)

/* DUET_GET_MSR_INDEX_LIST on /dev/duet: 0 or -errno. */
int _duet_get_msr_index_list(int dev_fd, struct duet_msr_list *list);

/*
 * XSAVE images.  _vcpu_xsave_get()/_vcpu_xsave_set() pass a struct
 * duet_xsave through: 0 or -errno.  vcpu_xsave_get() returns the vCPU's
 * image in a malloc()ed struct sized for it (free() it), and
 * vcpu_xsave_set() writes one back; both end the case on failure.
 */
int _vcpu_xsave_get(struct duet_test_vcpu *vcpu, struct duet_xsave *xsave);
int _vcpu_xsave_set(struct duet_test_vcpu *vcpu,
		    const struct duet_xsave *xsave);
#define vcpu_xsave_get(vcpu)	__vcpu_xsave_get(__FILE__, __LINE__, vcpu)
struct duet_xsave *__vcpu_xsave_get(const char *file, int line,
				    struct duet_test_vcpu *vcpu);
#define vcpu_xsave_set(vcpu, xsave)					\
	__VCPU_X(_vcpu_xsave_set(vcpu, xsave), "DUET_SET_XSAVE")

/*
 * The data of the last DUET_EXIT_IO in the run area: io.count elements of
 * io.size bytes (more than one for string I/O), element 0 first.
 */
static inline void *vcpu_io_data(struct duet_test_vcpu *vcpu)
{
	return (__u8 *)vcpu->run + vcpu->run->io.data_offset;
}

/* Element @i of the last DUET_EXIT_IO's data. */
static inline void *vcpu_io_element(struct duet_test_vcpu *vcpu, __u32 i)
{
	return (__u8 *)vcpu_io_data(vcpu) + (size_t)i * vcpu->run->io.size;
}

/*
 * Answer a DUET_EXIT_MMIO: a read gets @data (its low run->mmio.len
 * bytes), a write needs nothing (@data is ignored).  duet emulated the
 * instruction: RIP and registers are the kernel's business.
 */
#define vcpu_complete_mmio(vcpu, data)					\
	__vcpu_complete_mmio(__FILE__, __LINE__, vcpu, data)
void __vcpu_complete_mmio(const char *file, int line,
			  struct duet_test_vcpu *vcpu, __u64 data);

/* Names for messages. */
const char *exit_reason_str(__u32 reason);
/* The last exit in one line (thread-local buffer). */
const char *vcpu_exit_str(struct duet_test_vcpu *vcpu);

#define TEST_ASSERT_EXIT_REASON(vcpu, want)				\
do {									\
	struct duet_test_vcpu *__v = (vcpu);				\
	__u32 __want = (want);					\
									\
	if (__v->run->exit_reason != __want)				\
		__test_fail(__FILE__, __LINE__,				\
			    "exit reason %s, want %s; %s",		\
			    exit_reason_str(__v->run->exit_reason),	\
			    exit_reason_str(__want), vcpu_exit_str(__v)); \
} while (0)

/*
 * Exits that reach userspace straight from one hardware exit of their own
 * kind; run->hw_exit_code is then the backend's raw code for it.
 */
enum test_hw_exit {
	TEST_HW_EXIT_HLT,
	TEST_HW_EXIT_IO,
	TEST_HW_EXIT_HYPERCALL,
	TEST_HW_EXIT_MSR_READ,
	TEST_HW_EXIT_MSR_WRITE,
	TEST_HW_EXIT_MMIO,		/* a nested page fault / EPT exit */
	TEST_HW_EXIT_SHUTDOWN,		/* a triple fault */
};

/* Whether hardware exit @code of @backend (DUET_BACKEND_*) is @kind. */
bool test_hw_exit_is(unsigned int backend, __u64 code, enum test_hw_exit kind);
const char *test_hw_exit_str(enum test_hw_exit kind);

#define TEST_ASSERT_HW_EXIT(vcpu, kind)					\
do {									\
	struct duet_test_vcpu *__v = (vcpu);				\
	enum test_hw_exit __k = (kind);					\
									\
	if (!test_hw_exit_is(__v->vm->backend, __v->run->hw_exit_code, __k)) \
		__test_fail(__FILE__, __LINE__,				\
			    "hw_exit_code %#llx is not the backend's %s exit; %s", \
			    (unsigned long long)__v->run->hw_exit_code,	\
			    test_hw_exit_str(__k), vcpu_exit_str(__v));	\
} while (0)

#endif /* DUET_SELFTEST_VM_H */
