// SPDX-License-Identifier: GPL-2.0
/*
 * Guest-memory introspection over netlink (mem-read, vcpu-translate) and
 * the fault-protected reads behind it (module/gmem/read.c): content by
 * guest-physical and guest-virtual address across a page and a memory
 * slot boundary, from the VMM's own process and from another mm (a forked
 * child); short reads with the fault when the VMM's memory is munmap()ed
 * or PROT_NONE or a slot is deleted meanwhile; the guest's own faults
 * (#GP for a non-canonical address, #PF with its exact error code for an
 * entry not present, a reserved bit, a U/S or R/W mismatch); a table
 * outside guest memory; each level's entry; no accessed/dirty bit set by
 * a look; CAP_NET_ADMIN; bounds.  The forward policy is exercised from
 * the vCPU thread by string I/O (vm_pio_string_test).
 */
#include <errno.h>
#include <grp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "nl.h"
#include "vm.h"

#define PAGE		DUET_TEST_PAGE_SIZE
#define UNPRIVILEGED_ID	65534		/* nobody */
/* A 4 KiB-mapped guest-virtual window (outside the identity map). */
#define WIN_GVA		0x8000000000ULL
/* A second slot right after guest memory. */
#define SLOT2		1
#define SLOT2_GPA	DUET_TEST_MEM_SIZE
#define SLOT2_PAGES	4

/* Entry bits and #PF error codes (APM "Page-Fault Error Code"). */
#define PTE_US		0x004ULL
#define PTE_RSVD51	0x0008000000000000ULL	/* above MAXPHYADDR */
#define PF_P		0x1
#define PF_W		0x2
#define PF_U		0x4
#define PF_RSVD		0x8

static struct nl_sock nl;
static struct nl_reply rep;
static struct nl_family fam;
static struct nl_mem_read rd;

static struct duet_test_vm *vm;
static struct duet_test_vcpu *vcpu;
static __u32 vm_id;
static __u8 *slot2;
static __u64 win_gpa;			/* two guest pages behind WIN_GVA */
static __u64 *win_pte[2];

static void guest_code(void)
{
	for (;;)
		asm volatile("hlt");
}

static void nl_setup(void)
{
	int r = _nl_open(&nl);

	TEST_ASSERT(!r, "netlink socket: %s", test_rc_str(r));
	r = _nl_family_get(&nl, DUET_FAMILY_NAME, &fam);
	TEST_ASSERT(!r, "family: %s", test_rc_str(r));
}

/* Our VM's id: the only one of this process. */
static __u32 find_vm_id(void)
{
	struct nl_vm vms[64];
	unsigned int i, n;
	__u32 id = 0;

	TEST_ASSERT_RC(_nl_vm_dump(&nl, fam.id, vms, 64, &n, NULL), 0);
	for (i = 0; i < n && i < 64; i++)
		if (vms[i].pid == (__u32)getpid())
			id = vms[i].id;
	TEST_ASSERT(id, "no VM of pid %d", getpid());
	return id;
}

/*
 * A VM with one vCPU (never run: its paging state comes from
 * DUET_SET_SREGS), a second slot after guest memory, a patterned window
 * of two 4 KiB pages at WIN_GVA.
 */
static void setup(void)
{
	unsigned int i;

	nl_setup();
	vm = vm_create_with_one_vcpu(&vcpu, guest_code);
	slot2 = test_alloc_mem(SLOT2_PAGES * PAGE);
	vm_set_memslot(vm, SLOT2, 0, SLOT2_GPA, SLOT2_PAGES * PAGE, slot2);
	for (i = 0; i < SLOT2_PAGES * PAGE; i++)
		slot2[i] = i * 13 + 5;
	win_gpa = vm_alloc_pages(vm, 2);
	for (i = 0; i < 2 * PAGE; i++)
		vm->mem[win_gpa + i] = i * 3 + 1;
	win_pte[0] = vm_map_4k(vm, WIN_GVA, win_gpa, true);
	win_pte[1] = vm_map_4k(vm, WIN_GVA + PAGE, win_gpa + PAGE, true);
	vm_id = find_vm_id();
}

static int mem_read(bool gva, __u64 addr, __u32 len)
{
	return _nl_mem_read(&nl, fam.id, vm_id, gva ? 0 : -1, gva, addr, len,
			    &rd, &rep);
}

static void expect_bytes(const void *want, __u32 len)
{
	TEST_ASSERT_RC(rd.done, len);
	TEST_ASSERT(!rd.fault.present, "fault kind %u at %#llx", rd.fault.kind,
		    (unsigned long long)rd.fault.addr);
	TEST_ASSERT(!memcmp(rd.data, want, len), "data differ");
}

/* The checks of content, run from the VMM's process or from a child. */
static void check_content(void)
{
	/* gpa across a page boundary, and across the end of slot 0. */
	TEST_ASSERT_RC(mem_read(false, win_gpa + PAGE - 100, 200), 0);
	expect_bytes(vm->mem + win_gpa + PAGE - 100, 200);
	TEST_ASSERT_RC(mem_read(false, SLOT2_GPA - 64, 128), 0);
	TEST_ASSERT(!memcmp(rd.data, vm->mem + SLOT2_GPA - 64, 64) &&
		    !memcmp(rd.data + 64, slot2, 64), "data across the slots");
	TEST_ASSERT_RC(rd.done, 128);
	/* gva across the two 4 KiB pages of the window. */
	TEST_ASSERT_RC(mem_read(true, WIN_GVA + PAGE - 7, 3000), 0);
	expect_bytes(vm->mem + win_gpa + PAGE - 7, 3000);
	/* The largest read. */
	TEST_ASSERT_RC(mem_read(false, 0x400000, DUET_MEM_READ_MAX), 0);
	expect_bytes(vm->mem + 0x400000, DUET_MEM_READ_MAX);
}

static void read_same_mm(void)
{
	setup();
	check_content();
	/* A look sets no accessed or dirty bit. */
	TEST_ASSERT(!(*win_pte[0] & (DUET_TEST_PTE_A | DUET_TEST_PTE_D)) &&
		    !(*win_pte[1] & (DUET_TEST_PTE_A | DUET_TEST_PTE_D)),
		    "A/D set by introspection: %#llx %#llx",
		    (unsigned long long)*win_pte[0],
		    (unsigned long long)*win_pte[1]);
}

/* Run @fn in a forked child (another mm); it must exit 0. */
static void in_child(void (*fn)(void))
{
	int status;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	TEST_ASSERT(pid >= 0, "fork");
	if (pid == 0) {
		nl_close(&nl);
		nl_setup();
		fn();
		fflush(stdout);
		_exit(0);
	}
	TEST_ASSERT(waitpid(pid, &status, 0) == pid, "waitpid");
	TEST_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		    "child failed (status %#x)", status);
}

static void read_other_mm(void)
{
	setup();
	/* The child's copy of the memory is what the VMM had at fork. */
	in_child(check_content);
}

/* Host faults: the read stops at the page that is gone. */
static void check_host_fault(__u64 bad_gpa)
{
	TEST_ASSERT_RC(mem_read(false, bad_gpa - 100, 300), 0);
	TEST_ASSERT_RC(rd.done, 100);
	TEST_ASSERT(!memcmp(rd.data, slot2 + (bad_gpa - 100 - SLOT2_GPA), 100),
		    "data before the fault");
	TEST_ASSERT(rd.fault.present, "no fault");
	TEST_ASSERT_EQ(rd.fault.kind, DUET_MEM_FAULT_HOST);
	TEST_ASSERT_EQ(rd.fault.err, EFAULT);
	TEST_ASSERT_EQ(rd.fault.gpa, bad_gpa);
}

static void check_prot_none(void)
{
	check_host_fault(SLOT2_GPA + PAGE);
}

static void check_unmapped(void)
{
	check_host_fault(SLOT2_GPA + 3 * PAGE);
}

static void read_host_faults(void)
{
	setup();
	TEST_ASSERT(!mprotect(slot2 + PAGE, PAGE, PROT_NONE), "mprotect");
	TEST_ASSERT(!munmap(slot2 + 3 * PAGE, PAGE), "munmap");
	check_prot_none();
	check_unmapped();
	in_child(check_prot_none);
	in_child(check_unmapped);
}

/* Slot 1 deleted and created again while reads go on. */
static atomic_bool stop;

static void *slot_churn(void *arg)
{
	(void)arg;
	while (!stop) {
		vm_set_memslot(vm, SLOT2, 0, SLOT2_GPA, 0, slot2);
		vm_set_memslot(vm, SLOT2, 0, SLOT2_GPA, SLOT2_PAGES * PAGE,
			       slot2);
	}
	return NULL;
}

static void check_churn(void)
{
	unsigned int i, full = 0, none = 0;

	for (i = 0; i < 300; i++) {
		TEST_ASSERT_RC(mem_read(false, SLOT2_GPA + 16, 64), 0);
		if (rd.done == 64) {
			TEST_ASSERT(!rd.fault.present, "fault on a full read");
			TEST_ASSERT(!memcmp(rd.data, slot2 + 16, 64), "data");
			full++;
		} else {
			TEST_ASSERT_EQ(rd.done, 0);
			TEST_ASSERT_EQ(rd.fault.kind, DUET_MEM_FAULT_NO_SLOT);
			TEST_ASSERT_EQ(rd.fault.err, ENOENT);
			TEST_ASSERT_EQ(rd.fault.gpa, SLOT2_GPA + 16);
			none++;
		}
	}
	test_print("%u full reads, %u without a slot", full, none);
}

static void read_slot_deleted(void)
{
	pthread_t t;

	setup();
	stop = false;
	TEST_ASSERT(!pthread_create(&t, NULL, slot_churn, NULL), "thread");
	check_churn();
	stop = true;
	pthread_join(t, NULL);
}

static int translate(__u64 gva, long long access, struct nl_walk *w)
{
	return _nl_vcpu_translate(&nl, fam.id, vm_id, 0, gva, access, w, &rep);
}

/* A #PF with @ec for a read at WIN_GVA, and by translate for @access. */
static void expect_pf(long long access, __u32 ec)
{
	struct nl_walk w;

	TEST_ASSERT_RC(translate(WIN_GVA + 8, access, &w), 0);
	TEST_ASSERT(!w.has_gpa, "translated to %#llx", (unsigned long long)w.gpa);
	TEST_ASSERT(w.fault.present, "no fault");
	TEST_ASSERT_EQ(w.fault.kind, DUET_MEM_FAULT_PF);
	TEST_ASSERT_EQ(w.fault.addr, WIN_GVA + 8);
	TEST_ASSERT_EQ(w.fault.error_code, ec);
	if (access > 0)
		return;
	/* A read of the page before it stops where it begins. */
	TEST_ASSERT_RC(mem_read(true, WIN_GVA - 16, 64), 0);
	TEST_ASSERT_EQ(rd.done, 0);
	TEST_ASSERT_EQ(rd.fault.kind, DUET_MEM_FAULT_PF);
}

static void guest_faults(void)
{
	struct duet_sregs sregs;
	struct nl_walk w;
	__u64 pte;

	setup();
	pte = *win_pte[0];

	/* Non-canonical: #GP, nothing read. */
	TEST_ASSERT_RC(mem_read(true, 0x0000800000000000ULL, 16), 0);
	TEST_ASSERT_EQ(rd.done, 0);
	TEST_ASSERT_EQ(rd.fault.kind, DUET_MEM_FAULT_GP);
	TEST_ASSERT_EQ(rd.fault.addr, 0x0000800000000000ULL);
	TEST_ASSERT_EQ(rd.fault.error_code, 0);
	/* The mapped page reads; across into a page not present: short. */
	*win_pte[1] &= ~DUET_TEST_PTE_P;
	TEST_ASSERT_RC(mem_read(true, WIN_GVA + PAGE - 10, 20), 0);
	TEST_ASSERT_EQ(rd.done, 10);
	TEST_ASSERT_EQ(rd.fault.kind, DUET_MEM_FAULT_PF);
	TEST_ASSERT_EQ(rd.fault.addr, WIN_GVA + PAGE);
	TEST_ASSERT_EQ(rd.fault.error_code, 0);
	*win_pte[1] |= DUET_TEST_PTE_P;

	/* Not present, reserved bit, U/S, R/W (CR0.WP is set). */
	*win_pte[0] = pte & ~DUET_TEST_PTE_P;
	expect_pf(-1, 0);
	*win_pte[0] = pte | PTE_RSVD51;
	expect_pf(-1, PF_P | PF_RSVD);
	*win_pte[0] = pte;
	expect_pf(DUET_ACCESS_USER, PF_P | PF_U);
	*win_pte[0] = pte & ~DUET_TEST_PTE_RW;
	expect_pf(DUET_ACCESS_WRITE, PF_P | PF_W);
	/* And the positive case of each: the entry as it was. */
	*win_pte[0] = pte;
	TEST_ASSERT_RC(translate(WIN_GVA + 8, DUET_ACCESS_WRITE, &w), 0);
	TEST_ASSERT(w.has_gpa && !w.fault.present, "no translation");
	TEST_ASSERT_EQ(w.gpa, win_gpa + 8);

	/* CPL 3 (SS.DPL 3) makes every look a user access. */
	vcpu_sregs_get(vcpu, &sregs);
	sregs.ss.attrib |= 3 << 5;
	vcpu_sregs_set(vcpu, &sregs);
	expect_pf(-1, PF_P | PF_U);
}

static void translate_levels(void)
{
	struct duet_sregs sregs;
	struct nl_walk w;
	unsigned int i;

	setup();
	TEST_ASSERT_RC(translate(WIN_GVA + PAGE + 0x123, -1, &w), 0);
	TEST_ASSERT(w.has_gpa && !w.fault.present, "no translation");
	TEST_ASSERT_EQ(w.gpa, win_gpa + PAGE + 0x123);
	TEST_ASSERT_EQ(w.level, 1);
	TEST_ASSERT(w.nr == 4 || w.nr == 5, "%u entries", w.nr);
	for (i = 0; i < w.nr; i++) {
		__u64 *e = vm_gpa2hva(vm, w.entry_gpa[i], 8);

		test_print("level %u entry %#llx = %#llx", w.entry_level[i],
			   (unsigned long long)w.entry_gpa[i],
			   (unsigned long long)w.entry[i]);
		TEST_ASSERT_EQ(w.entry_level[i], w.nr - i);
		TEST_ASSERT_EQ(*e, w.entry[i]);
	}
	TEST_ASSERT(vm_gpa2hva(vm, w.entry_gpa[w.nr - 1], 8) == win_pte[1],
		    "the last entry is not the PTE");
	TEST_ASSERT(!(*win_pte[1] & (DUET_TEST_PTE_A | DUET_TEST_PTE_D)),
		    "A/D set by a translation");

	/* A 2 MiB page of the identity map: level 2, three or four entries. */
	TEST_ASSERT_RC(translate(0x400123, -1, &w), 0);
	TEST_ASSERT_EQ(w.gpa, 0x400123);
	TEST_ASSERT_EQ(w.level, 2);

	/* Tables outside guest memory (CR3 with no slot): no-slot there. */
	vcpu_sregs_get(vcpu, &sregs);
	sregs.cr3 = 0x80000000ULL;
	vcpu_sregs_set(vcpu, &sregs);
	TEST_ASSERT_RC(translate(WIN_GVA, -1, &w), 0);
	TEST_ASSERT(!w.has_gpa, "translated");
	TEST_ASSERT_EQ(w.fault.kind, DUET_MEM_FAULT_NO_SLOT);
	TEST_ASSERT_EQ(w.fault.err, ENOENT);
	TEST_ASSERT_EQ(w.fault.gpa >> 12, 0x80000ULL);
	TEST_ASSERT_RC(mem_read(true, WIN_GVA, 8), 0);
	TEST_ASSERT_EQ(rd.done, 0);
	TEST_ASSERT_EQ(rd.fault.kind, DUET_MEM_FAULT_NO_SLOT);
}

/* Refusals: bounds, contradictions, unknown objects. */
static void check_refused(int r, int want, const char *msg)
{
	TEST_ASSERT_RC(r, want);
	test_print("extack: \"%s\"", rep.extack);
	TEST_ASSERT(!strcmp(rep.extack, msg), "extack \"%s\", want \"%s\"",
		    rep.extack, msg);
}

static void bad_requests(void)
{
	struct nl_walk w;
	struct nl_msg req;
	__u64 a = 0x400000;

	setup();
	check_refused(mem_read(false, 0x400000, DUET_MEM_READ_MAX + 1), -EINVAL,
		      "length not within 1 to DUET_MEM_READ_MAX");
	check_refused(mem_read(false, 0x400000, 0), -EINVAL,
		      "length not within 1 to DUET_MEM_READ_MAX");
	check_refused(_nl_mem_read(&nl, fam.id, vm_id, -1, true, a, 8, &rd,
				   &rep), -EINVAL, "a read by gva needs a vCPU");
	check_refused(_nl_mem_read(&nl, fam.id, vm_id + 1000, -1, false, a, 8,
				   &rd, &rep), -ENOENT, "no such VM");
	check_refused(_nl_mem_read(&nl, fam.id, vm_id, 5, true, a, 8, &rd,
				   &rep), -ENOENT, "no such vCPU");
	check_refused(_nl_vcpu_translate(&nl, fam.id, vm_id, 7, a, -1, &w,
					 &rep), -ENOENT, "no such vCPU");
	/* Both gva and gpa. */
	nl_msg_init(&req, fam.id, DUET_CMD_MEM_READ, DUET_FAMILY_VERSION);
	nl_put_u32(&req, DUET_A_MEM_VM_ID, vm_id);
	nl_put(&req, DUET_A_MEM_GVA, &a, 8);
	nl_put(&req, DUET_A_MEM_GPA, &a, 8);
	nl_put_u32(&req, DUET_A_MEM_LEN, 8);
	check_refused(_nl_request(&nl, &req, &rep), -EINVAL,
		      "exactly one of gva and gpa");
	/* Neither. */
	nl_msg_init(&req, fam.id, DUET_CMD_MEM_READ, DUET_FAMILY_VERSION);
	nl_put_u32(&req, DUET_A_MEM_VM_ID, vm_id);
	nl_put_u32(&req, DUET_A_MEM_LEN, 8);
	check_refused(_nl_request(&nl, &req, &rep), -EINVAL,
		      "exactly one of gva and gpa");
	/* No gpa in guest memory at all: a reply with the fault. */
	TEST_ASSERT_RC(mem_read(false, 0x80000000ULL, 8), 0);
	TEST_ASSERT_EQ(rd.done, 0);
	TEST_ASSERT_EQ(rd.fault.kind, DUET_MEM_FAULT_NO_SLOT);
}

static void as_nobody(void)
{
	struct nl_walk w;

	if (setgroups(0, NULL) || setgid(UNPRIVILEGED_ID) ||
	    setuid(UNPRIVILEGED_ID))
		TEST_FAIL("cannot drop privileges");
	nl_close(&nl);
	nl_setup();
	TEST_ASSERT_RC(mem_read(false, 0x400000, 8), -EPERM);
	TEST_ASSERT_RC(translate(WIN_GVA, -1, &w), -EPERM);
}

static void needs_net_admin(void)
{
	unsigned int i, j;

	setup();
	for (i = 0; i < 2; i++) {
		__u32 op = i ? DUET_CMD_VCPU_TRANSLATE : DUET_CMD_MEM_READ;

		for (j = 0; j < fam.nr_ops && fam.ops[j] != op; j++)
			;
		TEST_ASSERT(j < fam.nr_ops, "no op %u", op);
		TEST_ASSERT(fam.op_flags[j] & GENL_ADMIN_PERM,
			    "op %u without admin-perm", op);
	}
	if (getuid() != 0)
		TEST_SKIP("needs root to drop privileges");
	/* Still allowed as root. */
	TEST_ASSERT_RC(mem_read(false, 0x400000, 8), 0);
	in_child(as_nobody);
}

static const struct test_case cases[] = {
	TEST_CASE(read_same_mm),
	TEST_CASE(read_other_mm),
	TEST_CASE(read_host_faults),
	TEST_CASE(read_slot_deleted),
	TEST_CASE(guest_faults),
	TEST_CASE(translate_levels),
	TEST_CASE(bad_requests),
	TEST_CASE(needs_net_admin),
};

int main(void)
{
	TEST_REQUIRE_VM();
	return test_run(cases, ARRAY_SIZE(cases));
}
