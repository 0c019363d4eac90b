// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: module/gmem/read.c against real faults.  Each case builds a
 * minimal struct duet_vm whose mm is the test thread's own (the one
 * kunit_vm_mmap() attaches) and whose two memory slots are backed by a
 * kunit_vm_mmap()ed region, so every read goes through the module's own
 * backend: the slot lookup under mmu_lock and copy_from_user() from the
 * VMM's mapping.  Then it makes one fault cause real (part of the region
 * munmap()ed or mapped PROT_NONE, a slot deleted, an address no slot
 * backs, a guest page-table entry that faults, a walk out of guest
 * memory) and reads through duet_gmem_read_gpa() / duet_gmem_read_gva()
 * under each policy: REPORT, HANDLER and FORWARD.
 *
 * The VM is built by hand, not by duet_vm_create() (which installs an fd
 * and needs a backend VM) nor duet_vm_set_memslot() (whose deletion
 * unmaps the range from the backend's nested page tables): a read by
 * duet_gmem_read_*() from the VM's own mm touches only vm->mm, mmu_lock
 * and the slots' base_gfn / npages / userspace_addr, which is all that is
 * set here.  Slots are deleted as duet_vm_set_memslot() does, under
 * mmu_lock.  PROT_NONE is made with a MAP_FIXED PROT_NONE mapping over
 * the page (mprotect() is not exported to modules): the same VMA state
 * as mprotect(PROT_NONE) of an anonymous page.
 */
#include <kunit/resource.h>
#include <kunit/test.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <asm/msr-index.h>
#include <asm/processor-flags.h>

#include "duet.h"

/*
 * Guest-physical layout: slot 0 is pages 0-5 at GPA_BASE, slot 1 pages
 * 6-7 right after it, both in one mapping of NPAGES pages.  Page 0 is the
 * PML4, 1 the PDPT, 2 the PD, 3 the PT, 4-7 data.  No slot backs
 * GPA_HOLE.
 */
#define GPA_BASE	0x100000ULL
#define NPAGES		8
#define SLOT0_PAGES	6
#define GPA(page)	(GPA_BASE + (page) * PAGE_SIZE)
#define GPA_HOLE	0x40000000ULL
#define BUF_SIZE	(3 * PAGE_SIZE)

/* Paging-structure entry bits (SDM "Formats of Paging-Structure Entries"). */
#define P		BIT_ULL(0)
#define RW		BIT_ULL(1)
#define US		BIT_ULL(2)
#define RSVD_BIT	BIT_ULL(40)	/* above MAXPHYADDR 36 */

/*
 * Linear addresses (PML4, PDPT and PD index 0 unless said): PT entry i
 * maps linear page i.
 */
#define LA_DATA		0x4000ULL	/* PT[4..7]: pages 4-7, user, RW */
#define LA_NOT_PRESENT	0x8000ULL	/* PT[8]: 0 */
#define LA_RSVD		0x9000ULL	/* PT[9]: page 4 with a reserved bit */
#define LA_SUPER	0xa000ULL	/* PT[10]: page 4, supervisor only */
#define LA_RO		0xb000ULL	/* PT[11]: page 4, read-only */
#define LA_HOLE		0xc000ULL	/* PT[12]: GPA_HOLE */
#define LA_PT_HOLE	0x200000ULL	/* PD[1]: a page table at GPA_HOLE */
#define LA_PT_PAGE6	0x400000ULL	/* PD[2]: a page table in page 6 */
#define LA_NONCANON	0x0000800000000000ULL

struct gfx {
	struct duet_vm *vm;
	unsigned long hva;
	u8 *image;			/* what the mapping holds */
	u8 *buf;
	/* What the handler and forward callbacks saw. */
	unsigned int calls;
	struct duet_gmem_fault seen;
	int forward_ret;
};

static void gfx_handler(void *opaque, const struct duet_gmem_fault *fault)
{
	struct gfx *g = opaque;

	g->calls++;
	g->seen = *fault;
}

static int gfx_forward(void *opaque, const struct duet_gmem_fault *fault)
{
	struct gfx *g = opaque;

	gfx_handler(g, fault);
	return g->forward_ret;
}

static void gfx_vm_free(void *data)
{
	struct duet_vm *vm = data;
	int i;

	for (i = 0; i < DUET_MAX_MEMSLOTS; i++)
		kfree(vm->slots[i]);
	mmdrop(vm->mm);
	mutex_destroy(&vm->mmu_lock);
	kfree(vm);
}

static void gfx_add_slot(struct kunit *test, struct gfx *g, u32 id,
			 unsigned int first, unsigned int npages)
{
	struct duet_slot *slot;

	slot = kzalloc(sizeof(*slot), GFP_KERNEL_ACCOUNT);
	KUNIT_ASSERT_NOT_NULL(test, slot);
	slot->id = id;
	slot->base_gfn = GPA(first) >> PAGE_SHIFT;
	slot->npages = npages;
	slot->userspace_addr = g->hva + first * PAGE_SIZE;
	mutex_lock(&g->vm->mmu_lock);
	g->vm->slots[id] = slot;
	mutex_unlock(&g->vm->mmu_lock);
}

/* Delete slot @id as duet_vm_set_memslot() does: unhook under mmu_lock. */
static void gfx_delete_slot(struct gfx *g, u32 id)
{
	struct duet_slot *slot;

	mutex_lock(&g->vm->mmu_lock);
	slot = g->vm->slots[id];
	g->vm->slots[id] = NULL;
	mutex_unlock(&g->vm->mmu_lock);
	kfree(slot);
}

static void gfx_set_pte(u8 *image, unsigned int page, unsigned int idx,
			u64 val)
{
	memcpy(image + page * PAGE_SIZE + idx * 8, &val, 8);
}

/* The guest's memory: 4-level page tables, then a byte pattern. */
static void gfx_fill(u8 *image)
{
	unsigned int i;

	for (i = 4 * PAGE_SIZE; i < NPAGES * PAGE_SIZE; i++)
		image[i] = i * 7 + (i >> 8) + 1;
	gfx_set_pte(image, 0, 0, GPA(1) | P | RW | US);
	gfx_set_pte(image, 1, 0, GPA(2) | P | RW | US);
	gfx_set_pte(image, 2, 0, GPA(3) | P | RW | US);
	gfx_set_pte(image, 2, 1, GPA_HOLE | P | RW | US);
	gfx_set_pte(image, 2, 2, GPA(6) | P | RW | US);
	for (i = 4; i < 8; i++)
		gfx_set_pte(image, 3, i, GPA(i) | P | RW | US);
	gfx_set_pte(image, 3, 9, GPA(4) | P | RW | US | RSVD_BIT);
	gfx_set_pte(image, 3, 10, GPA(4) | P | RW);
	gfx_set_pte(image, 3, 11, GPA(4) | P | US);
	gfx_set_pte(image, 3, 12, GPA_HOLE | P | RW | US);
}

/*
 * The VM: its mm is the test thread's, attached by kunit_vm_mmap(); KUnit
 * tears the mapping down with that mm when the case ends, after which
 * gfx_vm_free() drops the VM's mmgrab() and frees the slots.
 */
static struct gfx *gfx_new(struct kunit *test)
{
	struct gfx *g = kunit_kzalloc(test, sizeof(*g), GFP_KERNEL);
	struct duet_vm *vm;
	int r;

	KUNIT_ASSERT_NOT_NULL(test, g);
	g->image = kunit_kzalloc(test, NPAGES * PAGE_SIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, g->image);
	g->buf = kunit_kzalloc(test, BUF_SIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, g->buf);

	g->hva = kunit_vm_mmap(test, NULL, 0, NPAGES * PAGE_SIZE,
			       PROT_READ | PROT_WRITE,
			       MAP_ANONYMOUS | MAP_PRIVATE, 0);
	KUNIT_ASSERT_NE_MSG(test, g->hva, 0, "kunit_vm_mmap() failed");
	KUNIT_ASSERT_FALSE(test, IS_ERR_VALUE(g->hva));
	KUNIT_ASSERT_NOT_NULL(test, current->mm);
	gfx_fill(g->image);
	KUNIT_ASSERT_EQ(test, copy_to_user((void __user *)g->hva, g->image,
					   NPAGES * PAGE_SIZE), 0);

	vm = kzalloc(sizeof(*vm), GFP_KERNEL_ACCOUNT);
	KUNIT_ASSERT_NOT_NULL(test, vm);
	kref_init(&vm->kref);
	mutex_init(&vm->mmu_lock);
	vm->mm = current->mm;
	mmgrab(vm->mm);
	r = kunit_add_action_or_reset(test, gfx_vm_free, vm);
	KUNIT_ASSERT_EQ(test, r, 0);
	g->vm = vm;

	gfx_add_slot(test, g, 0, 0, SLOT0_PAGES);
	gfx_add_slot(test, g, 1, SLOT0_PAGES, NPAGES - SLOT0_PAGES);
	return g;
}

/* 4-level long-mode paging rooted at page 0 (SDM "4-Level Paging"). */
static const struct duet_walk_mode gfx_mode = {
	.cr0 = X86_CR0_PE | X86_CR0_PG, .cr3 = GPA(0), .cr4 = X86_CR4_PAE,
	.efer = EFER_LME | EFER_LMA, .maxphyaddr = 36,
};

static void gfx_munmap_page6(struct kunit *test, struct gfx *g)
{
	KUNIT_ASSERT_EQ(test, vm_munmap(g->hva + 6 * PAGE_SIZE, PAGE_SIZE), 0);
}

static void gfx_prot_none_page6(struct kunit *test, struct gfx *g)
{
	unsigned long a = g->hva + 6 * PAGE_SIZE;

	KUNIT_ASSERT_EQ(test, vm_mmap(NULL, a, PAGE_SIZE, PROT_NONE,
				      MAP_ANONYMOUS | MAP_PRIVATE | MAP_FIXED,
				      0), a);
}

static void gfx_delete_slot1(struct kunit *test, struct gfx *g)
{
	gfx_delete_slot(g, 1);
}

/* One fault cause: how to make it, the read, and what it must give. */
struct gfx_cause {
	const char *name;
	void (*prepare)(struct kunit *test, struct gfx *g);
	bool virt;
	u64 addr;
	u64 len;
	u32 access;
	/* Expected: */
	int err;
	u64 done;
	u64 data_gpa;			/* guest-physical of the first byte */
	enum duet_mem_fault kind;
	u64 f_addr;
	u64 f_gpa;
	u32 error_code;
};

#define NO_AD	DUET_WALK_NO_AD
#define USER	DUET_PFERR_USER

static const struct gfx_cause gfx_causes[] = {
	{	/* Across pages and from slot 0 into slot 1: every byte. */
		.name = "none_gpa", .addr = GPA(4) + 0x800, .len = 0x2000,
		.done = 0x2000, .data_gpa = GPA(4) + 0x800,
	}, {
		.name = "none_gva", .virt = true, .addr = LA_DATA + 0x1ff0,
		.len = 0x1020, .access = NO_AD | USER, .done = 0x1020,
		.data_gpa = GPA(5) + 0xff0,
	}, {	/* Supervisor read of a supervisor page: no fault. */
		.name = "none_gva_supervisor", .virt = true, .addr = LA_SUPER,
		.len = 0x40, .access = NO_AD, .done = 0x40,
		.data_gpa = GPA(4),
	}, {	/* Read of a read-only page: no fault. */
		.name = "none_gva_read_only", .virt = true, .addr = LA_RO,
		.len = 0x40, .access = NO_AD | USER, .done = 0x40,
		.data_gpa = GPA(4),
	}, {	/* The VMM munmap()ed the backing page. */
		.name = "munmap_gpa", .prepare = gfx_munmap_page6,
		.addr = GPA(6) - 0x10, .len = 0x20, .err = -EFAULT,
		.done = 0x10, .data_gpa = GPA(6) - 0x10,
		.kind = DUET_MEM_FAULT_HOST, .f_addr = GPA(6), .f_gpa = GPA(6),
	}, {
		.name = "munmap_gva", .prepare = gfx_munmap_page6, .virt = true,
		.addr = LA_DATA + 0x2000 - 0x10, .len = 0x20,
		.access = NO_AD | USER, .err = -EFAULT, .done = 0x10,
		.data_gpa = GPA(6) - 0x10, .kind = DUET_MEM_FAULT_HOST,
		.f_addr = LA_DATA + 0x2000, .f_gpa = GPA(6),
	}, {	/* A guest page table in the munmap()ed page. */
		.name = "munmap_page_table", .prepare = gfx_munmap_page6,
		.virt = true, .addr = LA_PT_PAGE6, .len = 8,
		.access = NO_AD, .err = -EFAULT, .kind = DUET_MEM_FAULT_HOST,
		.f_addr = LA_PT_PAGE6, .f_gpa = GPA(6),
	}, {	/* The VMM mapped the page PROT_NONE. */
		.name = "prot_none_gpa", .prepare = gfx_prot_none_page6,
		.addr = GPA(6) - 0x10, .len = 0x20, .err = -EFAULT,
		.done = 0x10, .data_gpa = GPA(6) - 0x10,
		.kind = DUET_MEM_FAULT_HOST, .f_addr = GPA(6), .f_gpa = GPA(6),
	}, {
		.name = "prot_none_gva", .prepare = gfx_prot_none_page6,
		.virt = true, .addr = LA_DATA + 0x2000 - 0x10, .len = 0x20,
		.access = NO_AD | USER, .err = -EFAULT, .done = 0x10,
		.data_gpa = GPA(6) - 0x10, .kind = DUET_MEM_FAULT_HOST,
		.f_addr = LA_DATA + 0x2000, .f_gpa = GPA(6),
	}, {
		.name = "prot_none_page_table", .prepare = gfx_prot_none_page6,
		.virt = true, .addr = LA_PT_PAGE6, .len = 8,
		.access = NO_AD, .err = -EFAULT, .kind = DUET_MEM_FAULT_HOST,
		.f_addr = LA_PT_PAGE6, .f_gpa = GPA(6),
	}, {	/* No slot at all for the address. */
		.name = "no_slot_gpa", .addr = GPA_HOLE, .len = 8,
		.err = -ENOENT, .kind = DUET_MEM_FAULT_NO_SLOT,
		.f_addr = GPA_HOLE, .f_gpa = GPA_HOLE,
	}, {	/* Running off the end of the last slot. */
		.name = "past_last_slot", .addr = GPA(NPAGES) - 8, .len = 0x10,
		.err = -ENOENT, .done = 8, .data_gpa = GPA(NPAGES) - 8,
		.kind = DUET_MEM_FAULT_NO_SLOT, .f_addr = GPA(NPAGES),
		.f_gpa = GPA(NPAGES),
	}, {	/* Slot 1 deleted: the read stops at its old start. */
		.name = "slot_deleted_gpa", .prepare = gfx_delete_slot1,
		.addr = GPA(6) - 8, .len = 0x10, .err = -ENOENT, .done = 8,
		.data_gpa = GPA(6) - 8, .kind = DUET_MEM_FAULT_NO_SLOT,
		.f_addr = GPA(6), .f_gpa = GPA(6),
	}, {
		.name = "slot_deleted_gva", .prepare = gfx_delete_slot1,
		.virt = true, .addr = LA_DATA + 0x2000 - 8, .len = 0x10,
		.access = NO_AD | USER, .err = -ENOENT, .done = 8,
		.data_gpa = GPA(6) - 8, .kind = DUET_MEM_FAULT_NO_SLOT,
		.f_addr = LA_DATA + 0x2000, .f_gpa = GPA(6),
	}, {	/* #GP, before any walk (SDM "Canonical Addressing"). */
		.name = "non_canonical", .virt = true, .addr = LA_NONCANON,
		.len = 8, .access = NO_AD, .err = -EFAULT,
		.kind = DUET_MEM_FAULT_GP, .f_addr = LA_NONCANON,
	}, {	/* #PF on the second page: P clear in its PTE. */
		.name = "pte_not_present", .virt = true,
		.addr = LA_NOT_PRESENT - 0x10, .len = 0x20,
		.access = NO_AD | USER, .err = -EFAULT, .done = 0x10,
		.data_gpa = GPA(8) - 0x10, .kind = DUET_MEM_FAULT_PF,
		.f_addr = LA_NOT_PRESENT, .error_code = DUET_PFERR_USER,
	}, {
		.name = "pte_reserved_bit", .virt = true, .addr = LA_RSVD,
		.len = 8, .access = NO_AD | USER, .err = -EFAULT,
		.kind = DUET_MEM_FAULT_PF, .f_addr = LA_RSVD,
		.error_code = DUET_PFERR_PRESENT | DUET_PFERR_USER |
			      DUET_PFERR_RSVD,
	}, {	/* A user read of a supervisor page. */
		.name = "pte_user_supervisor", .virt = true,
		.addr = LA_SUPER + 0x10, .len = 8, .access = NO_AD | USER,
		.err = -EFAULT, .kind = DUET_MEM_FAULT_PF,
		.f_addr = LA_SUPER + 0x10,
		.error_code = DUET_PFERR_PRESENT | DUET_PFERR_USER,
	}, {	/* A user write access to a read-only page. */
		.name = "pte_write_read_only", .virt = true, .addr = LA_RO,
		.len = 8, .access = NO_AD | USER | DUET_PFERR_WRITE,
		.err = -EFAULT, .kind = DUET_MEM_FAULT_PF, .f_addr = LA_RO,
		.error_code = DUET_PFERR_PRESENT | DUET_PFERR_USER |
			      DUET_PFERR_WRITE,
	}, {	/* A PDE pointing to a page table outside guest memory. */
		.name = "walk_table_outside", .virt = true,
		.addr = LA_PT_HOLE + 0x18, .len = 8, .access = NO_AD,
		.err = -ENOENT, .kind = DUET_MEM_FAULT_NO_SLOT,
		.f_addr = LA_PT_HOLE + 0x18, .f_gpa = GPA_HOLE,
	}, {	/* A PTE mapping a page outside guest memory. */
		.name = "walk_page_outside", .virt = true,
		.addr = LA_HOLE + 0x20, .len = 8, .access = NO_AD | USER,
		.err = -ENOENT, .kind = DUET_MEM_FAULT_NO_SLOT,
		.f_addr = LA_HOLE + 0x20, .f_gpa = GPA_HOLE + 0x20,
	},
};

static void gfx_cause_desc(const struct gfx_cause *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(gfx_cause, gfx_causes, gfx_cause_desc);

static const char *const gfx_policy_names[] = {
	[DUET_GMEM_REPORT] = "REPORT",
	[DUET_GMEM_HANDLER] = "HANDLER",
	[DUET_GMEM_FORWARD] = "FORWARD",
};

static int gfx_read(struct gfx *g, const struct gfx_cause *c,
		    struct duet_gmem_ctx *ctx, u64 *done)
{
	memset(g->buf, 0, BUF_SIZE);
	if (c->virt)
		return duet_gmem_read_gva(g->vm, &gfx_mode, c->addr, c->access,
					  g->buf, c->len, ctx, done);
	return duet_gmem_read_gpa(g->vm, c->addr, g->buf, c->len, ctx, done);
}

static void gfx_expect_fault(struct kunit *test, const struct gfx_cause *c,
			     const struct duet_gmem_fault *f, const char *pol)
{
	KUNIT_EXPECT_EQ_MSG(test, f->kind, c->kind, "%s", pol);
	KUNIT_EXPECT_EQ_MSG(test, f->err, c->err, "%s", pol);
	KUNIT_EXPECT_EQ_MSG(test, f->addr, c->f_addr, "%s", pol);
	KUNIT_EXPECT_EQ_MSG(test, f->gpa, c->f_gpa, "%s", pol);
	KUNIT_EXPECT_EQ_MSG(test, f->error_code, c->error_code, "%s", pol);
}

/* One read under @policy; FORWARD returns @fwd. */
static void gfx_check_policy(struct kunit *test, struct gfx *g,
			     const struct gfx_cause *c,
			     enum duet_gmem_policy policy, int fwd)
{
	const char *pol = gfx_policy_names[policy];
	struct duet_gmem_ctx ctx = {
		.policy = policy, .handler = gfx_handler,
		.forward = gfx_forward, .opaque = g,
	};
	u64 done = ~0ULL;
	int r, want;

	g->calls = 0;
	memset(&g->seen, 0xa5, sizeof(g->seen));
	g->forward_ret = fwd;
	r = gfx_read(g, c, &ctx, &done);

	want = c->err;
	if (c->err && policy == DUET_GMEM_FORWARD)
		want = fwd;
	KUNIT_EXPECT_EQ_MSG(test, r, want, "%s", pol);
	KUNIT_EXPECT_EQ_MSG(test, done, c->done, "%s", pol);
	if (done == c->done && c->done)
		KUNIT_EXPECT_MEMEQ_MSG(test, g->buf,
				       g->image + (c->data_gpa - GPA_BASE),
				       c->done, "%s", pol);
	/* Nothing past the bytes read is written. */
	KUNIT_EXPECT_TRUE_MSG(test, !memchr_inv(g->buf + c->done, 0,
						BUF_SIZE - c->done),
			      "%s", pol);
	gfx_expect_fault(test, c, &ctx.fault, pol);

	if (policy == DUET_GMEM_REPORT || !c->err) {
		KUNIT_EXPECT_EQ_MSG(test, g->calls, 0, "%s", pol);
		return;
	}
	KUNIT_EXPECT_EQ_MSG(test, g->calls, 1, "%s", pol);
	gfx_expect_fault(test, c, &g->seen, pol);
}

/* Each fault cause, made real, under each policy. */
static void gmem_fault_policies(struct kunit *test)
{
	const struct gfx_cause *c = test->param_value;
	struct gfx *g = gfx_new(test);

	if (c->prepare)
		c->prepare(test, g);
	gfx_check_policy(test, g, c, DUET_GMEM_REPORT, 0);
	gfx_check_policy(test, g, c, DUET_GMEM_HANDLER, 0);
	/* FORWARD's return is the read's, whatever it is. */
	gfx_check_policy(test, g, c, DUET_GMEM_FORWARD, 1);
	gfx_check_policy(test, g, c, DUET_GMEM_FORWARD, -EIO);
	gfx_check_policy(test, g, c, DUET_GMEM_FORWARD, 0);
}

/*
 * The same page before and after its cause: a read that succeeds, the
 * VMM munmap()s the page, the same read faults, the VMM maps it again
 * (zero-filled) and the read succeeds with the new bytes.
 */
static void gmem_fault_unmap_remap(struct kunit *test)
{
	struct duet_gmem_ctx ctx = { .policy = DUET_GMEM_REPORT };
	struct gfx *g = gfx_new(test);
	unsigned long a = g->hva + 6 * PAGE_SIZE;
	u64 done;

	KUNIT_EXPECT_EQ(test, duet_gmem_read_gpa(g->vm, GPA(6), g->buf, 0x40,
						 &ctx, &done), 0);
	KUNIT_EXPECT_EQ(test, done, 0x40);
	KUNIT_EXPECT_MEMEQ(test, g->buf, g->image + 6 * PAGE_SIZE, 0x40);

	KUNIT_ASSERT_EQ(test, vm_munmap(a, PAGE_SIZE), 0);
	KUNIT_EXPECT_EQ(test, duet_gmem_read_gpa(g->vm, GPA(6), g->buf, 0x40,
						 &ctx, &done), -EFAULT);
	KUNIT_EXPECT_EQ(test, done, 0);
	KUNIT_EXPECT_EQ(test, ctx.fault.kind, DUET_MEM_FAULT_HOST);

	KUNIT_ASSERT_EQ(test, vm_mmap(NULL, a, PAGE_SIZE,
				      PROT_READ | PROT_WRITE,
				      MAP_ANONYMOUS | MAP_PRIVATE | MAP_FIXED,
				      0), a);
	memset(g->buf, 0xff, 0x40);
	KUNIT_EXPECT_EQ(test, duet_gmem_read_gpa(g->vm, GPA(6), g->buf, 0x40,
						 &ctx, &done), 0);
	KUNIT_EXPECT_EQ(test, done, 0x40);
	KUNIT_EXPECT_TRUE(test, !memchr_inv(g->buf, 0, 0x40));
	KUNIT_EXPECT_EQ(test, ctx.fault.kind, DUET_MEM_FAULT_NONE);
}

/* A policy without its callback is refused before any copy. */
static void gmem_fault_policy_without_callback(struct kunit *test)
{
	struct duet_gmem_ctx ctx = { .policy = DUET_GMEM_HANDLER };
	struct gfx *g = gfx_new(test);
	u64 done = ~0ULL;

	memset(g->buf, 0, BUF_SIZE);
	KUNIT_EXPECT_EQ(test, duet_gmem_read_gpa(g->vm, GPA_HOLE, g->buf, 8,
						 &ctx, &done), -EINVAL);
	KUNIT_EXPECT_EQ(test, done, 0);
	ctx.policy = DUET_GMEM_FORWARD;
	KUNIT_EXPECT_EQ(test, duet_gmem_read_gva(g->vm, &gfx_mode, LA_DATA,
						 NO_AD, g->buf, 8, &ctx,
						 &done), -EINVAL);
	KUNIT_EXPECT_EQ(test, done, 0);
	KUNIT_EXPECT_TRUE(test, !memchr_inv(g->buf, 0, 8));
	KUNIT_EXPECT_EQ(test, ctx.fault.kind, DUET_MEM_FAULT_NONE);
}

static struct kunit_case duet_gmem_fault_cases[] = {
	KUNIT_CASE_PARAM(gmem_fault_policies, gfx_cause_gen_params),
	KUNIT_CASE(gmem_fault_unmap_remap),
	KUNIT_CASE(gmem_fault_policy_without_callback),
	{}
};

static struct kunit_suite duet_gmem_fault_suite = {
	.name = "duet_gmem_fault",
	.test_cases = duet_gmem_fault_cases,
};

kunit_test_suite(duet_gmem_fault_suite);
