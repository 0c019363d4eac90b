// SPDX-License-Identifier: GPL-2.0
/*
 * Memory slots: guest-physical ranges backed by the VMM's own memory.
 *
 * Guest pages are pinned (FOLL_LONGTERM) the first time the guest touches
 * them, charged to the VMM's RLIMIT_MEMLOCK, and stay pinned until their
 * slot or the VM goes.  Pinning rather than MMU notifiers: a pinned page
 * cannot move or vanish under a running guest, so the nested page tables
 * never point at freed memory, whatever the VMM does to its mappings; the
 * price, memory that cannot be reclaimed while the VM lives, is made
 * visible through the memlock accounting.
 */
#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "../duet.h"

/* Slots are bounded so that the page array stays a sane allocation. */
#define DUET_MAX_SLOT_PAGES	(64ULL << (30 - PAGE_SHIFT))	/* 64 GiB */

static bool duet_memslot_aligned(const struct duet_memslot *m)
{
	return PAGE_ALIGNED(m->guest_phys_addr) &&
	       PAGE_ALIGNED(m->memory_size) &&
	       PAGE_ALIGNED(m->userspace_addr);
}

/* Check a request before any state changes; -EINVAL names nothing twice. */
int duet_memslot_check(const struct duet_memslot *m)
{
	if (m->reserved[0] || m->reserved[1])
		return -EINVAL;
	if (m->flags & ~DUET_MEM_READONLY)
		return -EINVAL;
	if (m->slot >= DUET_MAX_MEMSLOTS)
		return -EINVAL;
	if (!m->memory_size)
		return 0;
	if (!duet_memslot_aligned(m))
		return -EINVAL;
	if (m->memory_size >> PAGE_SHIFT > DUET_MAX_SLOT_PAGES)
		return -EINVAL;
	/* No wraparound, and the whole range below the GPA limit. */
	if (m->guest_phys_addr + m->memory_size < m->guest_phys_addr ||
	    m->guest_phys_addr + m->memory_size > DUET_MAX_GPA)
		return -EINVAL;
	if (m->userspace_addr + m->memory_size < m->userspace_addr ||
	    !access_ok((void __user *)(unsigned long)m->userspace_addr,
		       m->memory_size))
		return -EINVAL;
	return 0;
}
EXPORT_SYMBOL_IF_DUET_KUNIT(duet_memslot_check);

/* Does [gfn, gfn + npages) overlap @slot? */
static bool duet_slot_overlaps(const struct duet_slot *slot, u64 gfn,
			       u64 npages)
{
	return gfn < slot->base_gfn + slot->npages &&
	       slot->base_gfn < gfn + npages;
}

struct duet_slot *duet_slot_find(struct duet_vm *vm, u64 gfn)
{
	int i;

	lockdep_assert_held(&vm->mmu_lock);
	for (i = 0; i < DUET_MAX_MEMSLOTS; i++) {
		struct duet_slot *slot = vm->slots[i];

		if (slot && gfn >= slot->base_gfn &&
		    gfn < slot->base_gfn + slot->npages)
			return slot;
	}
	return NULL;
}

static void duet_slot_unpin(struct duet_vm *vm, struct duet_slot *slot)
{
	u64 i, pinned = 0;

	for (i = 0; i < slot->npages; i++) {
		if (!slot->pages[i])
			continue;
		unpin_user_page(slot->pages[i]);
		slot->pages[i] = NULL;
		pinned++;
	}
	if (pinned)
		account_locked_vm(vm->mm, pinned, false);
}

void duet_slot_free(struct duet_vm *vm, struct duet_slot *slot)
{
	duet_slot_unpin(vm, slot);
	kvfree(slot->pages);
	kfree(slot);
}
EXPORT_SYMBOL_IF_DUET_KUNIT(duet_slot_free);

/*
 * Pin the page behind @gfn of @slot; return it, or an ERR_PTR.  Called with
 * mmu_lock held from the VMM's own mm (DUET_RUN checks that).
 */
struct page *duet_slot_pin(struct duet_vm *vm, struct duet_slot *slot, u64 gfn)
{
	u64 idx = gfn - slot->base_gfn;
	unsigned long hva = slot->userspace_addr + (idx << PAGE_SHIFT);
	unsigned int gup = FOLL_LONGTERM;
	struct page *page;
	int r;

	lockdep_assert_held(&vm->mmu_lock);
	if (slot->pages[idx])
		return slot->pages[idx];
	if (current->mm != vm->mm)
		return ERR_PTR(-EFAULT);

	r = account_locked_vm(vm->mm, 1, true);
	if (r)
		return ERR_PTR(r);

	if (!(slot->flags & DUET_MEM_READONLY))
		gup |= FOLL_WRITE;
	r = pin_user_pages_fast(hva, 1, gup, &page);
	if (r != 1) {
		account_locked_vm(vm->mm, 1, false);
		return ERR_PTR(r < 0 ? r : -EFAULT);
	}
	slot->pages[idx] = page;
	vm->stats.pages_pinned++;
	return page;
}

/*
 * Create, or with memory_size 0 delete, a slot.  Deletion unmaps the range
 * from the nested page tables and flushes every vCPU's TLB before the pages
 * are unpinned.
 */
int duet_vm_set_memslot(struct duet_vm *vm, const struct duet_memslot *m)
{
	struct duet_slot *slot, *old;
	u64 gfn = m->guest_phys_addr >> PAGE_SHIFT;
	u64 npages = m->memory_size >> PAGE_SHIFT;
	int i, r;

	r = duet_memslot_check(m);
	if (r)
		return r;

	mutex_lock(&vm->mmu_lock);
	old = vm->slots[m->slot];
	if (!npages) {
		r = -ENOENT;
		if (!old)
			goto out_unlock;
		duet_ops->vm_unmap_range(vm, old->base_gfn, old->npages);
		/* The BT TLBs (bt/run.c) hold the VMM's addresses of slots. */
		atomic_inc(&vm->bt_mem_gen);
		vm->slots[m->slot] = NULL;
		duet_slot_free(vm, old);
		mutex_unlock(&vm->mmu_lock);
		duet_bt_sync_memory();
		return 0;
	}

	r = -EEXIST;
	if (old)
		goto out_unlock;
	for (i = 0; i < DUET_MAX_MEMSLOTS; i++)
		if (vm->slots[i] && duet_slot_overlaps(vm->slots[i], gfn, npages))
			goto out_unlock;

	r = -ENOMEM;
	slot = kzalloc(sizeof(*slot), GFP_KERNEL_ACCOUNT);
	if (!slot)
		goto out_unlock;
	slot->pages = kvcalloc(npages, sizeof(*slot->pages), GFP_KERNEL_ACCOUNT);
	if (!slot->pages) {
		kfree(slot);
		goto out_unlock;
	}
	slot->id = m->slot;
	slot->flags = m->flags;
	slot->base_gfn = gfn;
	slot->npages = npages;
	slot->userspace_addr = m->userspace_addr;
	vm->slots[m->slot] = slot;
	r = 0;

out_unlock:
	mutex_unlock(&vm->mmu_lock);
	return r;
}
