// SPDX-License-Identifier: GPL-2.0
/*
 * Nested page tables: build on demand, tear down by range or whole.
 * Callers serialise with the VM's mmu_lock and flush TLBs themselves: this
 * file only edits memory.
 */
#include <linux/gfp.h>
#include <linux/io.h>
#include <linux/mm.h>
#include <linux/module.h>

#include "../duet.h"
#include "npt.h"

static u64 *npt_alloc_table(struct duet_npt *npt)
{
	u64 *table = (u64 *)get_zeroed_page(GFP_KERNEL_ACCOUNT);

	if (table)
		npt->nr_tables++;
	return table;
}

static void npt_free_table(struct duet_npt *npt, u64 *table, int level)
{
	unsigned int i;

	if (level > 1) {
		for (i = 0; i < NPT_ENTRIES; i++) {
			u64 pte = table[i];

			if (npt_present(npt, pte) && !npt_is_leaf(pte, level))
				npt_free_table(npt, __va(pte & NPT_ADDR_MASK),
					       level - 1);
		}
	}
	free_page((unsigned long)table);
	npt->nr_tables--;
}

int duet_npt_init(struct duet_npt *npt, int levels,
		  enum duet_npt_format format)
{
	if (levels != 4 && levels != 5)
		return -EINVAL;
	/* duet's EPTP names a 4-level walk (SDM "EPTP"). */
	if (format == DUET_NPT_EPT && levels != 4)
		return -EINVAL;
	npt->levels = levels;
	npt->format = format;
	npt->nr_tables = 0;
	npt->root = npt_alloc_table(npt);
	return npt->root ? 0 : -ENOMEM;
}
EXPORT_SYMBOL_IF_DUET_KUNIT(duet_npt_init);

void duet_npt_destroy(struct duet_npt *npt)
{
	if (!npt->root)
		return;
	npt_free_table(npt, npt->root, npt->levels);
	npt->root = NULL;
}
EXPORT_SYMBOL_IF_DUET_KUNIT(duet_npt_destroy);

/*
 * Map @gpa to @hpa at @level (1: 4 KiB, 2: 2 MiB), allocating the tables on
 * the way.  An existing leaf for the same range is replaced; a 4 KiB map
 * inside an existing 2 MiB leaf, or the reverse over a populated table,
 * gives -EEXIST so the caller unmaps first.
 */
int duet_npt_map(struct duet_npt *npt, u64 gpa, u64 hpa, int level,
		 unsigned int prot)
{
	u64 *table = npt->root;
	int l;

	if (level != 1 && level != 2)
		return -EINVAL;
	if (!IS_ALIGNED(gpa, 1ULL << (12 + 9 * (level - 1))) ||
	    !IS_ALIGNED(hpa, 1ULL << (12 + 9 * (level - 1))))
		return -EINVAL;
	if (gpa >> (12 + 9 * npt->levels))
		return -EINVAL;

	for (l = npt->levels; l > level; l--) {
		u64 *pte = &table[npt_index(gpa, l)];

		if (!npt_present(npt, *pte)) {
			u64 *next = npt_alloc_table(npt);

			if (!next)
				return -ENOMEM;
			WRITE_ONCE(*pte, npt_make_table_entry(npt, __pa(next)));
		} else if (npt_is_leaf(*pte, l)) {
			return -EEXIST;
		}
		table = __va(*pte & NPT_ADDR_MASK);
	}

	table += npt_index(gpa, level);
	if (level == 2 && npt_present(npt, *table) && !npt_is_leaf(*table, 2))
		return -EEXIST;
	WRITE_ONCE(*table, npt_make_leaf(npt, hpa, level, prot));
	return 0;
}
EXPORT_SYMBOL_IF_DUET_KUNIT(duet_npt_map);

static bool npt_unmap_level(struct duet_npt *npt, u64 *table, int level,
			    u64 base, u64 start, u64 end)
{
	u64 span = 1ULL << (12 + 9 * (level - 1));
	bool changed = false;
	unsigned int i;

	for (i = 0; i < NPT_ENTRIES; i++) {
		u64 lo = base + i * span, hi = lo + span;
		u64 pte = table[i];

		if (hi <= start || lo >= end || !npt_present(npt, pte))
			continue;
		if (npt_is_leaf(pte, level)) {
			/* A large leaf goes whole; faults map it back. */
			WRITE_ONCE(table[i], 0);
			changed = true;
		} else {
			changed |= npt_unmap_level(npt, __va(pte & NPT_ADDR_MASK),
						   level - 1, lo, start, end);
		}
	}
	return changed;
}

/* Unmap [gpa, gpa + size); return whether any entry changed. */
bool duet_npt_unmap_range(struct duet_npt *npt, u64 gpa, u64 size)
{
	if (!npt->root || !size)
		return false;
	return npt_unmap_level(npt, npt->root, npt->levels, 0, gpa, gpa + size);
}
EXPORT_SYMBOL_IF_DUET_KUNIT(duet_npt_unmap_range);

/* Return the leaf entry mapping @gpa (0 if none) and its level. */
u64 duet_npt_lookup(struct duet_npt *npt, u64 gpa, int *level)
{
	u64 *table = npt->root;
	int l;

	for (l = npt->levels; l >= 1; l--) {
		u64 pte = table[npt_index(gpa, l)];

		if (!npt_present(npt, pte))
			return 0;
		if (npt_is_leaf(pte, l)) {
			*level = l;
			return pte;
		}
		table = __va(pte & NPT_ADDR_MASK);
	}
	return 0;
}
EXPORT_SYMBOL_IF_DUET_KUNIT(duet_npt_lookup);

#define PAGES_PER_2M	512
static_assert(PAGES_PER_2M == DUET_TRACE_CHUNK_PAGES);

/*
 * Can [gfn of @page rounded down to 2 MiB, + 2 MiB) be one nested 2 MiB
 * mapping?  Only if the slot covers it whole, the VMM's addresses are
 * aligned the same way, and the backing is one PMD-sized folio (THP) that
 * is 2 MiB aligned in physical memory.
 */
static bool npt_can_map_2m(struct duet_slot *slot, u64 gfn, struct page *page)
{
	u64 base = gfn & ~(u64)(PAGES_PER_2M - 1);
	unsigned long hva = slot->userspace_addr +
			    ((base - slot->base_gfn) << PAGE_SHIFT);
	struct folio *folio = page_folio(page);

	return base >= slot->base_gfn &&
	       base + PAGES_PER_2M <= slot->base_gfn + slot->npages &&
	       IS_ALIGNED(hva, PAGES_PER_2M << PAGE_SHIFT) &&
	       folio_nr_pages(folio) >= PAGES_PER_2M &&
	       IS_ALIGNED(folio_pfn(folio), PAGES_PER_2M);
}

/* Pin the whole 2 MiB range; return its first page if still contiguous. */
static struct page *npt_pin_2m(struct duet_vm *vm, struct duet_slot *slot,
			       u64 gfn)
{
	u64 base = gfn & ~(u64)(PAGES_PER_2M - 1);
	struct page *first = NULL;
	u64 i;

	for (i = 0; i < PAGES_PER_2M; i++) {
		struct page *page = duet_slot_pin(vm, slot, base + i);

		if (IS_ERR(page))
			return NULL;
		if (!i)
			first = page;
		else if (page_to_pfn(page) != page_to_pfn(first) + i)
			return NULL;
	}
	return first;
}

/*
 * Map the page behind @gpa on a nested page fault (NPF or EPT violation)
 * of a write (@write), a fetch (@fetch) or a read, as 2 MiB where the
 * backing and the traces (trace.h) allow, without the permissions traced.
 * Set *@mmio when no slot backs it, or when the guest writes a read-only
 * slot.  A traced access goes to its owners first (duet_trace_fault()):
 * return DUET_NPT_FAULT_DIVERT, mapping nothing, when one diverts the
 * vCPU; else 0 or -errno.
 *
 * The backend flushes nothing: a new mapping replaces either none or one
 * of the same page with fewer permissions, which the CPU does not keep
 * cached for the access that faulted (SDM "Invalidation of TLBs and
 * Paging-Structure Caches"); a stale entry on another CPU can only fault
 * once more and land here again.
 */
static int __duet_npt_fault_map(struct duet_vm *vm, struct duet_npt *npt,
				u64 gpa, bool write, bool fetch, bool grant_exec,
				bool *mmio)
{
	u64 gfn = gpa >> PAGE_SHIFT;
	struct duet_slot *slot;
	struct page *page, *huge;
	unsigned int prot = NPT_PROT_EXEC, prot_2m;
	int r;

	mutex_lock(&vm->mmu_lock);
	slot = duet_slot_find(vm, gfn);
	if (!slot || (write && (slot->flags & DUET_MEM_READONLY))) {
		*mmio = true;
		r = 0;
		goto out_unlock;
	}
	/* A traced permission: RAM all the same, never MMIO. */
	if (!grant_exec &&
	    duet_trace_fault(vm, gfn, write, fetch) == DUET_TRACE_DIVERT) {
		r = DUET_NPT_FAULT_DIVERT;
		goto out_unlock;
	}
	page = duet_slot_pin(vm, slot, gfn);
	if (IS_ERR(page)) {
		r = PTR_ERR(page);
		goto out_unlock;
	}
	if (!(slot->flags & DUET_MEM_READONLY))
		prot |= NPT_PROT_WRITE;

	prot_2m = prot;
	if (!grant_exec && duet_caps.large_pages_2m &&
	    npt_can_map_2m(slot, gfn, page) &&
	    duet_trace_prot_2m(&vm->trace, gfn, &prot_2m)) {
		huge = npt_pin_2m(vm, slot, gfn);
		if (huge &&
		    !duet_npt_map(npt, (gfn & ~(u64)(PAGES_PER_2M - 1)) << PAGE_SHIFT,
				  page_to_phys(huge), 2, prot_2m)) {
			vm->stats.pages_mapped_2m++;
			r = 0;
			goto out_unlock;
		}
	}

	r = duet_npt_map(npt, gfn << PAGE_SHIFT, page_to_phys(page), 1,
			 duet_trace_prot(&vm->trace, gfn, prot) |
			 (grant_exec ? NPT_PROT_EXEC : 0));
	if (!r)
		vm->stats.pages_mapped_4k++;

out_unlock:
	mutex_unlock(&vm->mmu_lock);
	return r;
}

int duet_npt_fault_map(struct duet_vm *vm, struct duet_npt *npt, u64 gpa,
		       bool write, bool fetch, bool *mmio)
{
	return __duet_npt_fault_map(vm, npt, gpa, write, fetch, false, mmio);
}
EXPORT_SYMBOL_IF_DUET_KUNIT(duet_npt_fault_map);

/*
 * A fetch that would divert a vCPU into BT comes from the one instruction
 * BT asked hardware to run (struct duet_vcpu's bt_step): map that page
 * executable for it, as a 4 KiB page, and remember it in @vcpu.  The run
 * loop takes the permission back once the step is over
 * (duet_npt_revoke_step()).  The nested tables are the VM's: meanwhile
 * the page would run in hardware on any vCPU, segment and all, outside
 * the barrier.  So only a vCPU holding the barrier gets the page, the
 * others being out of guest mode until it ends; without it, map nothing,
 * set @vcpu's bt_step_stall and return 0, and the step loop takes the
 * barrier and enters again.  At most the two pages one instruction can be
 * fetched from: DUET_NPT_FAULT_DIVERT for a third, and the vCPU diverts
 * into BT there.
 */
int duet_npt_grant_step(struct duet_vcpu *vcpu, struct duet_npt *npt, u64 gpa)
{
	u64 gfn = gpa >> PAGE_SHIFT;
	bool mmio = false, known = false;
	unsigned int i;
	int r;

	/* Granted already: another vCPU's revoke of the same page undid it. */
	for (i = 0; i < vcpu->bt_grants; i++)
		known |= vcpu->bt_grant_gfn[i] == gfn;
	if (!known && vcpu->bt_grants >= ARRAY_SIZE(vcpu->bt_grant_gfn))
		return DUET_NPT_FAULT_DIVERT;
	if (!duet_vcpu_holds_stall(vcpu)) {
		vcpu->bt_step_stall = true;
		return 0;
	}
	r = __duet_npt_fault_map(vcpu->vm, npt, gpa, false, true, true, &mmio);
	if (!r && !mmio && !known)
		vcpu->bt_grant_gfn[vcpu->bt_grants++] = gfn;
	return r;
}

/* After a hardware step: unmap the pages it was allowed to run. */
void duet_npt_revoke_step(struct duet_vcpu *vcpu)
{
	struct duet_vm *vm = vcpu->vm;
	unsigned int i;

	if (!vcpu->bt_grants)
		return;
	mutex_lock(&vm->mmu_lock);
	for (i = 0; i < vcpu->bt_grants; i++)
		duet_ops->vm_unmap_range(vm, vcpu->bt_grant_gfn[i], 1);
	mutex_unlock(&vm->mmu_lock);
	vcpu->bt_grants = 0;
}
