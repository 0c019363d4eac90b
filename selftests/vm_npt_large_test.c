// SPDX-License-Identifier: GPL-2.0
/*
 * Nested 2 MiB mappings.  A memory slot whose guest-physical 2 MiB range is
 * backed by one 2 MiB folio of the VMM (a transparent huge page at a 2 MiB
 * aligned address) is mapped by one nested 2 MiB leaf: a guest touching its
 * 512 pages takes one nested page fault, and every page lands in the right
 * place of the VMM's memory.  Backing of small pages, or a slot whose
 * guest-physical base is off the 2 MiB grid, gets 4 KiB mappings only.
 * Deleting the slot removes the large mapping: the guest's next access is
 * an MMIO exit, not a stale translation.
 *
 * The counters come from netlink vm-get and vcpu-get (module/nl/duet.yaml),
 * taken at a GUEST_SYNC after the guest's code, stack and ucall pages are
 * already mapped, so that the differences count the slot alone.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "guest.h"
#include "nl.h"
#include "vm.h"

#define PAGE		DUET_TEST_PAGE_SIZE
#define SIZE_2M		(2ull << 20)
#define PAGES_2M	(SIZE_2M / PAGE)
#define SLOT_GPA	(512ull << 20)
#define THP_ENABLED	"/sys/kernel/mm/transparent_hugepage/enabled"

static struct nl_sock nl;
static struct nl_family fam;

/* What the slot's guest-physical range starts at, for the guest. */
static __u64 target_gpa;

struct npt_counters {
	__u64 mapped_4k, mapped_2m, npt_faults;
};

static void counters_get(struct npt_counters *c)
{
	struct nl_vm vms[64], vm = { 0 };
	struct nl_vcpu vcpu;
	struct nl_reply rep;
	unsigned int i, n, mine = 0;

	TEST_ASSERT_RC(_nl_vm_dump(&nl, fam.id, vms, ARRAY_SIZE(vms), &n,
				   NULL), 0);
	for (i = 0; i < n && i < ARRAY_SIZE(vms); i++) {
		if (vms[i].pid == (__u32)getpid()) {
			vm = vms[i];
			mine++;
		}
	}
	TEST_ASSERT_EQ(mine, 1);
	TEST_ASSERT(vm.has_stats, "vm-get without stats");
	TEST_ASSERT_RC(_nl_vcpu_get(&nl, fam.id, vm.id, 0, &vcpu, &rep), 0);
	TEST_ASSERT(vcpu.has_stats, "vcpu-get without stats");
	c->mapped_4k = vm.stats[DUET_A_VM_STATS_PAGES_MAPPED_4K];
	c->mapped_2m = vm.stats[DUET_A_VM_STATS_PAGES_MAPPED_2M];
	c->npt_faults = vcpu.stats[DUET_A_VCPU_STATS_NPT_FAULTS];
}

/* KiB of anonymous huge pages in the mapping that starts at @p. */
static long anon_huge_kb(void *p)
{
	char line[256], want[32];
	bool in = false;
	long kb = -1;
	FILE *f = fopen("/proc/self/smaps", "r");

	TEST_ASSERT(f, "open /proc/self/smaps");
	snprintf(want, sizeof(want), "%lx-", (unsigned long)p);
	while (fgets(line, sizeof(line), f)) {
		if (strchr(line, '-') && strchr(line, ' ') > strchr(line, '-'))
			in = !strncmp(line, want, strlen(want));
		if (in && sscanf(line, "AnonHugePages: %ld kB", &kb) == 1)
			break;
	}
	fclose(f);
	TEST_ASSERT(kb >= 0, "no mapping at %p in smaps", p);
	return kb;
}

/*
 * 2 MiB of anonymous memory at a 2 MiB aligned address, populated, as one
 * transparent huge page or as small pages.
 */
static __u64 *alloc_2m(bool huge)
{
	__u8 *raw = mmap(NULL, 2 * SIZE_2M, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	__u8 *p;
	long kb;

	TEST_ASSERT(raw != MAP_FAILED, "mmap");
	p = (__u8 *)(((unsigned long)raw + SIZE_2M - 1) & ~(SIZE_2M - 1));
	TEST_ASSERT(!madvise(p, SIZE_2M, huge ? MADV_HUGEPAGE : MADV_NOHUGEPAGE),
		    "madvise");
	memset(p, 0, SIZE_2M);
	kb = anon_huge_kb(p);
	test_print("backing at %p: AnonHugePages %ld kB", p, kb);
	if (huge)
		TEST_ASSERT_EQ(kb, SIZE_2M >> 10);
	else
		TEST_ASSERT_EQ(kb, 0);
	return (__u64 *)p;
}

/*
 * Both guest functions are aligned to 512 bytes and shorter than that, so
 * neither straddles a 4 KiB page: once each has run, its code is mapped,
 * and the faults counted between the two syncs are the slot's alone.
 */
static void __attribute__((noinline, aligned(512)))
guest_touch_pages(__u64 gpa, __u64 len)
{
	__u64 off;

	for (off = 0; off < len; off += PAGE)
		guest_write64(gpa + off, off + 1);
}

static void __attribute__((aligned(512))) guest_touch_2m(void)
{
	__u64 gpa = target_gpa;

	guest_touch_pages(gpa, 0);
	GUEST_SYNC(gpa);
	guest_touch_pages(gpa, SIZE_2M);
	GUEST_SYNC(gpa + 1);
	/* After the slot is gone: an emulated MMIO write. */
	guest_mmio_write64(gpa + 8, 0x5a5a);
	GUEST_DONE();
}

/*
 * Run the guest over a slot of 2 MiB at @gpa backed by @mem, and return
 * the counters' growth while it touched the slot's pages.
 */
static void touch_slot(__u64 *mem, __u64 gpa, struct npt_counters *delta,
		       bool delete_after)
{
	struct duet_test_vcpu *vcpu;
	struct duet_test_vm *vm;
	struct npt_counters before, after;
	__u64 off;

	vm = vm_create_with_one_vcpu(&vcpu, guest_touch_2m);
	vm_set_memslot(vm, 1, 0, gpa, SIZE_2M, mem);
	/* Touch the whole slot, within the identity map of guest memory. */
	target_gpa = gpa;
	sync_global_to_guest(vm, target_gpa);

	vcpu_expect_sync(vcpu, gpa);
	counters_get(&before);
	vcpu_expect_sync(vcpu, gpa + 1);
	counters_get(&after);
	delta->mapped_4k = after.mapped_4k - before.mapped_4k;
	delta->mapped_2m = after.mapped_2m - before.mapped_2m;
	delta->npt_faults = after.npt_faults - before.npt_faults;
	test_print("slot at %#llx: +%llu 4K, +%llu 2M mappings, +%llu nested faults",
		   (unsigned long long)gpa, (unsigned long long)delta->mapped_4k,
		   (unsigned long long)delta->mapped_2m,
		   (unsigned long long)delta->npt_faults);

	/* Every guest page reached its own page of the VMM's memory. */
	for (off = 0; off < SIZE_2M; off += PAGE)
		TEST_ASSERT(mem[off / 8] == off + 1,
			    "page %#llx of the slot holds %#llx",
			    (unsigned long long)off,
			    (unsigned long long)mem[off / 8]);

	if (delete_after) {
		vm_set_memslot(vm, 1, 0, 0, 0, NULL);
		TEST_ASSERT_RC(_vcpu_run(vcpu), 0);
		TEST_ASSERT(vcpu->run->exit_reason == DUET_EXIT_MMIO,
			    "exit %s after the slot went", vcpu_exit_str(vcpu));
		TEST_ASSERT_EQ(vcpu->run->mmio.phys_addr, gpa + 8);
		vcpu_complete_mmio(vcpu, 0);
		vcpu_expect_done(vcpu);
		/* The guest's write went nowhere near the old backing. */
		TEST_ASSERT_EQ(mem[1], 0);
	}
	vm_free(vm);
}

static void require_2m(void)
{
	int fd = duet_open();
	bool large = duet_cap(fd, DUET_CAP_LARGE_PAGES_2M);
	int r;

	close(fd);
	if (!large)
		TEST_SKIP("no 2 MiB nested pages on this machine");
	if (access(THP_ENABLED, R_OK))
		TEST_SKIP("the kernel has no transparent huge pages");
	r = _nl_open(&nl);
	TEST_ASSERT(!r, "netlink socket: %s", test_rc_str(r));
	r = _nl_family_get(&nl, DUET_FAMILY_NAME, &fam);
	TEST_ASSERT(!r, "family: %s", test_rc_str(r));
}

/* A huge page behind an aligned slot: one fault, one 2 MiB mapping. */
static void thp_slot_maps_2m(void)
{
	struct npt_counters d;
	__u64 *mem;

	require_2m();
	mem = alloc_2m(true);
	touch_slot(mem, SLOT_GPA, &d, false);
	TEST_ASSERT_EQ(d.mapped_2m, 1);
	TEST_ASSERT_EQ(d.mapped_4k, 0);
	TEST_ASSERT_EQ(d.npt_faults, 1);
}

/* Small pages behind the same slot: 512 faults and 4 KiB mappings. */
static void small_pages_map_4k(void)
{
	struct npt_counters d;
	__u64 *mem;

	require_2m();
	mem = alloc_2m(false);
	touch_slot(mem, SLOT_GPA, &d, false);
	TEST_ASSERT_EQ(d.mapped_2m, 0);
	TEST_ASSERT_EQ(d.mapped_4k, PAGES_2M);
	TEST_ASSERT_EQ(d.npt_faults, PAGES_2M);
}

/*
 * A huge page behind a slot whose guest-physical base is 4 KiB off the
 * 2 MiB grid: no 2 MiB guest-physical range lies inside the slot, so
 * every page is mapped alone.
 */
static void misaligned_gpa_maps_4k(void)
{
	struct npt_counters d;
	__u64 *mem;

	require_2m();
	mem = alloc_2m(true);
	touch_slot(mem, SLOT_GPA + PAGE, &d, false);
	TEST_ASSERT_EQ(d.mapped_2m, 0);
	TEST_ASSERT_EQ(d.mapped_4k, PAGES_2M);
	TEST_ASSERT_EQ(d.npt_faults, PAGES_2M);
}

/* Deleting the slot takes the 2 MiB mapping with it. */
static void delete_removes_2m(void)
{
	struct npt_counters d;
	__u64 *mem;

	require_2m();
	mem = alloc_2m(true);
	touch_slot(mem, SLOT_GPA, &d, true);
	TEST_ASSERT_EQ(d.mapped_2m, 1);
}

static const struct test_case cases[] = {
	TEST_CASE(thp_slot_maps_2m),
	TEST_CASE(small_pages_map_4k),
	TEST_CASE(misaligned_gpa_maps_4k),
	TEST_CASE(delete_removes_2m),
};

int main(void)
{
	TEST_REQUIRE_VM();
	return test_run(cases, ARRAY_SIZE(cases));
}
