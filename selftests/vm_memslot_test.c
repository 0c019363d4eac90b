// SPDX-License-Identifier: GPL-2.0
/*
 * DUET_SET_MEMSLOT: every request it must refuse (overlap, misalignment,
 * wraparound, range, slot number, flags, reserved words, deleting a
 * missing slot, a bad pointer), and what the guest sees through slots: a
 * second slot shared with the host both ways, a read-only slot whose
 * writes exit as MMIO, unbacked addresses exiting as MMIO, a slot deleted
 * and re-added under a running guest, backing the kernel cannot pin, and
 * pinned pages charged to the VMM and given back.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "guest.h"
#include "vm.h"

#define PAGE		DUET_TEST_PAGE_SIZE
#define SLOT_SIZE	(2ull << 20)
/* Guest-physical ranges inside the identity map, above guest memory. */
#define SHARED_GPA	(512ull << 20)
#define RO_GPA		(768ull << 20)
#define UNBACKED_GPA	(900ull << 20)

static void barebones_slot_einval(struct duet_test_vm *vm, __u32 slot,
				  __u64 gpa, __u64 size, __u64 hva,
				  const char *what)
{
	test_print("%s: slot %u gpa %#llx size %#llx hva %#llx", what, slot,
		   (unsigned long long)gpa, (unsigned long long)size,
		   (unsigned long long)hva);
	TEST_ASSERT_RC(_vm_set_memslot(vm, slot, 0, gpa, size,
				       (void *)(uintptr_t)hva), -EINVAL);
}

static void memslot_overlap(void)
{
	struct duet_test_vm *vm = vm_create_barebones();
	__u8 *mem = test_alloc_mem(64ull << 20);
	static const struct {
		__u64 gpa, size;
	} overlapping[] = {
		{ 16ull << 20, 16ull << 20 },	/* the same range */
		{ 24ull << 20, 16ull << 20 },	/* its upper half and more */
		{ 8ull << 20, 8ull << 20 | PAGE },	/* one page into it */
		{ 0, 64ull << 20 },		/* around it */
		{ 20ull << 20, PAGE },		/* inside it */
		{ (32ull << 20) - PAGE, PAGE },	/* its last page */
	};
	unsigned int i;

	vm_set_memslot(vm, 0, 0, 16ull << 20, 16ull << 20, mem);
	for (i = 0; i < ARRAY_SIZE(overlapping); i++) {
		test_print("gpa %#llx size %#llx",
			   (unsigned long long)overlapping[i].gpa,
			   (unsigned long long)overlapping[i].size);
		TEST_ASSERT_RC(_vm_set_memslot(vm, 1, 0, overlapping[i].gpa,
					       overlapping[i].size, mem),
			       -EEXIST);
	}
	/* Adjacent on both sides is fine; the same backing twice too. */
	vm_set_memslot(vm, 1, 0, 32ull << 20, 16ull << 20, mem);
	vm_set_memslot(vm, 2, 0, 8ull << 20, 8ull << 20, mem);
	/* A slot in use is replaced only by deleting it first. */
	TEST_ASSERT_RC(_vm_set_memslot(vm, 0, 0, 1ull << 30, PAGE, mem),
		       -EEXIST);
	vm_set_memslot(vm, 0, 0, 0, 0, NULL);
	vm_set_memslot(vm, 0, 0, 1ull << 30, PAGE, mem);
	/* The deleted range is free again. */
	vm_set_memslot(vm, 3, 0, 16ull << 20, 16ull << 20, mem);
	vm_free(vm);
}

static void memslot_misaligned(void)
{
	struct duet_test_vm *vm = vm_create_barebones();
	__u64 mem = (uintptr_t)test_alloc_mem(4 * PAGE);

	barebones_slot_einval(vm, 0, 0x1000 + 1, PAGE, mem, "gpa");
	barebones_slot_einval(vm, 0, 0x1800, PAGE, mem, "gpa");
	barebones_slot_einval(vm, 0, 0x1000, 0x800, mem, "size");
	barebones_slot_einval(vm, 0, 0x1000, PAGE + 1, mem, "size");
	barebones_slot_einval(vm, 0, 0x1000, PAGE, mem + 1, "hva");
	barebones_slot_einval(vm, 0, 0x1000, PAGE, mem + 0x800, "hva");
	/* And the aligned request works. */
	vm_set_memslot(vm, 0, 0, 0x1000, PAGE, (void *)(uintptr_t)mem);
	vm_free(vm);
}

static void memslot_range(void)
{
	struct duet_test_vm *vm = vm_create_barebones();
	__u64 mem = (uintptr_t)test_alloc_mem(4 * PAGE);

	barebones_slot_einval(vm, 0, ~0ull & ~(PAGE - 1), 2 * PAGE, mem,
			      "gpa wraps");
	barebones_slot_einval(vm, 0, DUET_MAX_GPA - PAGE, 2 * PAGE, mem,
			      "gpa crosses DUET_MAX_GPA");
	barebones_slot_einval(vm, 0, DUET_MAX_GPA, PAGE, mem,
			      "gpa at DUET_MAX_GPA");
	barebones_slot_einval(vm, 0, 0, 2 * PAGE, ~0ull & ~(PAGE - 1),
			      "hva wraps");
	barebones_slot_einval(vm, 0, 0, PAGE, 0xffff888000000000ull,
			      "kernel hva");
	barebones_slot_einval(vm, 0, 0, 65ull << 30, 0x100000000000ull,
			      "more than 64 GiB");
	barebones_slot_einval(vm, 0, 0, ~0ull & ~(PAGE - 1), mem,
			      "size wraps");
	/* The last page below DUET_MAX_GPA is a valid slot. */
	vm_set_memslot(vm, 0, 0, DUET_MAX_GPA - PAGE, PAGE,
		       (void *)(uintptr_t)mem);
	vm_free(vm);
}

static void memslot_bad_slot(void)
{
	static const __u32 bad[] = { DUET_MAX_MEMSLOTS, 0x80000000u, ~0u };
	struct duet_test_vm *vm = vm_create_barebones();
	void *mem = test_alloc_mem(PAGE);
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		test_print("slot %#x", bad[i]);
		TEST_ASSERT_RC(_vm_set_memslot(vm, bad[i], 0, 0, PAGE, mem),
			       -EINVAL);
		/* A delete names a slot too. */
		TEST_ASSERT_RC(_vm_set_memslot(vm, bad[i], 0, 0, 0, NULL),
			       -EINVAL);
	}
	vm_set_memslot(vm, DUET_MAX_MEMSLOTS - 1, 0, 0, PAGE, mem);
	vm_free(vm);
}

static void memslot_flags_reserved(void)
{
	static const __u32 flags[] = { BIT(1), BIT(31), ~0u };
	struct duet_test_vm *vm = vm_create_barebones();
	void *mem = test_alloc_mem(PAGE);
	struct duet_memslot m;
	unsigned int i, j;

	for (i = 0; i < ARRAY_SIZE(flags); i++) {
		test_print("flags %#x", flags[i]);
		TEST_ASSERT_RC(_vm_set_memslot(vm, 0, flags[i], 0, PAGE, mem),
			       -EINVAL);
	}
	for (i = 0; i < ARRAY_SIZE(m.reserved); i++) {
		for (j = 0; j < 2; j++) {
			m = (struct duet_memslot){
				.memory_size = j ? PAGE : 0,
				.userspace_addr = (uintptr_t)mem,
			};
			m.reserved[i] = 1ull << (i * 63);
			test_print("reserved[%u] %s", i, j ? "create" : "delete");
			TEST_ASSERT_RC(__vm_set_memslot(vm, &m), -EINVAL);
		}
	}
	vm_set_memslot(vm, 0, DUET_MEM_READONLY, 0, PAGE, mem);
	vm_free(vm);
}

static void memslot_delete_missing(void)
{
	struct duet_test_vm *vm = vm_create_barebones();
	void *mem = test_alloc_mem(PAGE);

	TEST_ASSERT_RC(_vm_set_memslot(vm, 5, 0, 0, 0, NULL), -ENOENT);
	vm_set_memslot(vm, 5, 0, 0, PAGE, mem);
	vm_set_memslot(vm, 5, 0, 0, 0, NULL);
	TEST_ASSERT_RC(_vm_set_memslot(vm, 5, 0, 0, 0, NULL), -ENOENT);
	vm_free(vm);
}

static void memslot_bad_pointer(void)
{
	struct duet_test_vm *vm = vm_create_barebones();

	TEST_ASSERT_RC(__vm_set_memslot(vm, NULL), -EFAULT);
	TEST_ASSERT_RC(__vm_set_memslot(vm, (void *)0xffff888000000000ull),
		       -EFAULT);
	vm_free(vm);
}

/* The addresses the guest code below works on; set by the host. */
static __u64 target_gpa;

static void guest_shared(void)
{
	__u64 last = target_gpa + SLOT_SIZE - 8;

	GUEST_SYNC2(guest_read64(target_gpa), guest_read64(last));
	guest_write64(target_gpa + 8, 0x600df00d);
	guest_write64(last - 8, ~0x600df00dull);
	GUEST_DONE();
}

/* A second slot: the guest reads the host's data, the host its writes. */
static void slot_shared_with_host(void)
{
	struct duet_test_vcpu *vcpu;
	struct duet_test_vm *vm;
	__u64 *mem = test_alloc_mem(SLOT_SIZE);
	__u64 last = SLOT_SIZE / 8 - 1;
	struct ucall uc;

	mem[0] = 0x1111222233334444ull;
	mem[last] = 0x5555666677778888ull;
	vm = vm_create_with_one_vcpu(&vcpu, guest_shared);
	vm_set_memslot(vm, 1, 0, SHARED_GPA, SLOT_SIZE, mem);
	target_gpa = SHARED_GPA;
	sync_global_to_guest(vm, target_gpa);

	TEST_ASSERT_EQ(vcpu_run_ucall(vcpu, &uc), UCALL_SYNC);
	TEST_ASSERT_EQ(uc.args[0], 0x1111222233334444ull);
	TEST_ASSERT_EQ(uc.args[1], 0x5555666677778888ull);
	vcpu_expect_done(vcpu);
	TEST_ASSERT_EQ(mem[1], 0x600df00d);
	TEST_ASSERT_EQ(mem[last - 1], ~0x600df00dull);
}

static void guest_readonly(void)
{
	__u64 gpa = target_gpa;

	GUEST_SYNC(guest_read64(gpa));
	GUEST_SYNC(guest_read64(gpa + SLOT_SIZE - 8));
	guest_mmio_write64(gpa + 8, 0xbadbadbadull);
	/* The write went nowhere. */
	GUEST_SYNC(guest_read64(gpa + 8));
	GUEST_DONE();
}

/* Reads of a read-only slot work; writes exit as MMIO with the address. */
static void slot_readonly(void)
{
	struct duet_test_vcpu *vcpu;
	struct duet_test_vm *vm;
	__u64 *mem = test_alloc_mem(SLOT_SIZE);
	struct duet_run *run;

	mem[0] = 0xabcdef;
	mem[1] = 0x12345;
	mem[SLOT_SIZE / 8 - 1] = 0xfedcba;
	/* Read-only in the VMM as well: the kernel pins it for reading. */
	TEST_ASSERT(!mprotect(mem, SLOT_SIZE, PROT_READ), "mprotect");
	vm = vm_create_with_one_vcpu(&vcpu, guest_readonly);
	run = vcpu->run;
	vm_set_memslot(vm, 1, DUET_MEM_READONLY, RO_GPA, SLOT_SIZE, mem);
	target_gpa = RO_GPA;
	sync_global_to_guest(vm, target_gpa);

	vcpu_expect_sync(vcpu, 0xabcdef);
	vcpu_expect_sync(vcpu, 0xfedcba);
	vcpu_run(vcpu);
	TEST_ASSERT_EXIT_REASON(vcpu, DUET_EXIT_MMIO);
	test_print("%s", vcpu_exit_str(vcpu));
	TEST_ASSERT_EQ(run->mmio.phys_addr, RO_GPA + 8);
	TEST_ASSERT_EQ(run->mmio.is_write, 1);
	vcpu_complete_mmio(vcpu, 0);
	vcpu_expect_sync(vcpu, 0x12345);
	vcpu_expect_done(vcpu);
	TEST_ASSERT_EQ(mem[1], 0x12345);
}

static void guest_unbacked(void)
{
	__u64 gpa = target_gpa;

	GUEST_SYNC(guest_mmio_read64(gpa));
	guest_mmio_write64(gpa + 0x10, 0x77);
	GUEST_SYNC(guest_mmio_read64(gpa + 0x1ff8));
	GUEST_DONE();
}

/* No slot behind an address: MMIO exits, reads and writes told apart. */
static void unbacked_gpa_mmio(void)
{
	struct duet_test_vcpu *vcpu;
	struct duet_test_vm *vm;
	struct duet_run *run;

	vm = vm_create_with_one_vcpu(&vcpu, guest_unbacked);
	run = vcpu->run;
	target_gpa = UNBACKED_GPA;
	sync_global_to_guest(vm, target_gpa);

	vcpu_run(vcpu);
	TEST_ASSERT_EXIT_REASON(vcpu, DUET_EXIT_MMIO);
	TEST_ASSERT_EQ(run->mmio.phys_addr, UNBACKED_GPA);
	TEST_ASSERT_EQ(run->mmio.is_write, 0);
	vcpu_complete_mmio(vcpu, 0x1122334455667788ull);
	vcpu_expect_sync(vcpu, 0x1122334455667788ull);

	vcpu_run(vcpu);
	TEST_ASSERT_EXIT_REASON(vcpu, DUET_EXIT_MMIO);
	TEST_ASSERT_EQ(run->mmio.phys_addr, UNBACKED_GPA + 0x10);
	TEST_ASSERT_EQ(run->mmio.is_write, 1);
	vcpu_complete_mmio(vcpu, 0);

	/* Just past the end of guest memory, too. */
	vcpu_run(vcpu);
	TEST_ASSERT_EXIT_REASON(vcpu, DUET_EXIT_MMIO);
	TEST_ASSERT_EQ(run->mmio.phys_addr, UNBACKED_GPA + 0x1ff8);
	TEST_ASSERT_EQ(run->mmio.is_write, 0);
	vcpu_complete_mmio(vcpu, 3);
	vcpu_expect_sync(vcpu, 3);
	vcpu_expect_done(vcpu);
}

static void guest_slot_changes(void)
{
	__u64 gpa = target_gpa;

	GUEST_SYNC(guest_read64(gpa));
	/* The host deletes the slot now. */
	GUEST_SYNC(guest_mmio_read64(gpa));
	/* ... and adds another one at the same address. */
	GUEST_SYNC(guest_read64(gpa));
	GUEST_DONE();
}

/*
 * Deleting a slot the guest has used takes its pages away at once (the
 * guest's next access exits as MMIO); a new slot there is seen at once.
 */
static void slot_delete_under_guest(void)
{
	struct duet_test_vcpu *vcpu;
	struct duet_test_vm *vm;
	__u64 *a = test_alloc_mem(SLOT_SIZE), *b = test_alloc_mem(SLOT_SIZE);

	a[0] = 0xaaaa;
	b[0] = 0xbbbb;
	vm = vm_create_with_one_vcpu(&vcpu, guest_slot_changes);
	vm_set_memslot(vm, 1, 0, SHARED_GPA, SLOT_SIZE, a);
	target_gpa = SHARED_GPA;
	sync_global_to_guest(vm, target_gpa);

	vcpu_expect_sync(vcpu, 0xaaaa);
	vm_set_memslot(vm, 1, 0, 0, 0, NULL);
	vcpu_run(vcpu);
	TEST_ASSERT_EXIT_REASON(vcpu, DUET_EXIT_MMIO);
	TEST_ASSERT_EQ(vcpu->run->mmio.phys_addr, SHARED_GPA);
	vcpu_complete_mmio(vcpu, 0x4d4d);
	vcpu_expect_sync(vcpu, 0x4d4d);
	vm_set_memslot(vm, 7, 0, SHARED_GPA, SLOT_SIZE, b);
	vcpu_expect_sync(vcpu, 0xbbbb);
	vcpu_expect_done(vcpu);
}

static void guest_touch(void)
{
	GUEST_SYNC(guest_read64(target_gpa));
	GUEST_DONE();
}

/*
 * Run guest_touch() on a slot backed by @mem, unmapped first when @unmap;
 * return DUET_RUN's result.
 */
static int touch_slot(void *mem, __u32 flags, bool unmap)
{
	struct duet_test_vcpu *vcpu;
	struct duet_test_vm *vm;
	int r;

	vm = vm_create_with_one_vcpu(&vcpu, guest_touch);
	vm_set_memslot(vm, 1, flags, SHARED_GPA, SLOT_SIZE, mem);
	target_gpa = SHARED_GPA + PAGE;
	sync_global_to_guest(vm, target_gpa);
	/* Only now: no mmap() of ours can fill the hole before the run. */
	if (unmap)
		TEST_ASSERT(!munmap(mem, SLOT_SIZE), "munmap");
	r = _vcpu_run(vcpu);
	test_print("DUET_RUN: %s; %s", test_rc_str(r), vcpu_exit_str(vcpu));
	vm_free(vm);
	return r;
}

/*
 * Backing the kernel cannot pin fails the run with -EFAULT: a hole in the
 * VMM's mappings, or read-only memory in a writable slot.
 */
static void slot_unpinnable_backing(void)
{
	__u8 *mem = test_alloc_mem(SLOT_SIZE);

	TEST_ASSERT_RC(touch_slot(mem, 0, true), -EFAULT);

	mem = test_alloc_mem(SLOT_SIZE);
	TEST_ASSERT(!mprotect(mem, SLOT_SIZE, PROT_READ), "mprotect");
	TEST_ASSERT_RC(touch_slot(mem, 0, false), -EFAULT);
	/* The same memory as a read-only slot is fine. */
	TEST_ASSERT_RC(touch_slot(mem, DUET_MEM_READONLY, false), 0);

	mem = test_alloc_mem(SLOT_SIZE);
	TEST_ASSERT(!mprotect(mem, SLOT_SIZE, PROT_NONE), "mprotect");
	TEST_ASSERT_RC(touch_slot(mem, DUET_MEM_READONLY, false), -EFAULT);
}

/* VmLck of this process, in KiB. */
static long vm_locked_kb(void)
{
	char buf[4096], *p;
	long n;

	test_read_file("/proc/self/status", buf, sizeof(buf));
	p = strstr(buf, "VmLck:");
	TEST_ASSERT(p, "no VmLck in /proc/self/status");
	n = strtol(p + 6, NULL, 10);
	return n;
}

static void guest_touch_pages(__u64 id)
{
	__u64 off;

	for (off = 0; off < SLOT_SIZE; off += PAGE)
		guest_write64(target_gpa + off, off + id);
	GUEST_DONE();
}

/* Pinned guest pages count as the VMM's locked memory until they go. */
static void pinned_pages_accounted(void)
{
	struct duet_test_vcpu *vcpu;
	struct duet_test_vm *vm;
	long base, running, deleted;
	void *mem = test_alloc_mem(SLOT_SIZE);

	base = vm_locked_kb();
	vm = vm_create_with_one_vcpu(&vcpu, guest_touch_pages);
	vm_set_memslot(vm, 1, 0, SHARED_GPA, SLOT_SIZE, mem);
	target_gpa = SHARED_GPA;
	sync_global_to_guest(vm, target_gpa);
	vcpu_expect_done(vcpu);
	running = vm_locked_kb();
	vm_set_memslot(vm, 1, 0, 0, 0, NULL);
	deleted = vm_locked_kb();
	test_print("VmLck: %ld kB before, %ld running, %ld with the slot gone",
		   base, running, deleted);
	TEST_ASSERT(running - base >= (long)(SLOT_SIZE >> 10),
		    "the slot's pages are not charged");
	TEST_ASSERT(running - deleted >= (long)(SLOT_SIZE >> 10),
		    "deleting the slot gave back %ld kB", running - deleted);
	vm_free(vm);
	TEST_ASSERT_EQ(vm_locked_kb(), base);
}

static const struct test_case cases[] = {
	TEST_CASE(memslot_overlap),
	TEST_CASE(memslot_misaligned),
	TEST_CASE(memslot_range),
	TEST_CASE(memslot_bad_slot),
	TEST_CASE(memslot_flags_reserved),
	TEST_CASE(memslot_delete_missing),
	TEST_CASE(memslot_bad_pointer),
	TEST_CASE(slot_shared_with_host),
	TEST_CASE(slot_readonly),
	TEST_CASE(unbacked_gpa_mmio),
	TEST_CASE(slot_delete_under_guest),
	TEST_CASE(slot_unpinnable_backing),
	TEST_CASE(pinned_pages_accounted),
};

int main(void)
{
	TEST_REQUIRE_VM();
	return test_run(cases, ARRAY_SIZE(cases));
}
