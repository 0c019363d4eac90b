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

			if ((pte & NPT_PRESENT) && !npt_is_leaf(pte, level))
				npt_free_table(npt, __va(pte & NPT_ADDR_MASK),
					       level - 1);
		}
	}
	free_page((unsigned long)table);
	npt->nr_tables--;
}

int duet_npt_init(struct duet_npt *npt, int levels)
{
	if (levels != 4 && levels != 5)
		return -EINVAL;
	npt->levels = levels;
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

		if (!(*pte & NPT_PRESENT)) {
			u64 *next = npt_alloc_table(npt);

			if (!next)
				return -ENOMEM;
			WRITE_ONCE(*pte, npt_make_table_entry(__pa(next)));
		} else if (npt_is_leaf(*pte, l)) {
			return -EEXIST;
		}
		table = __va(*pte & NPT_ADDR_MASK);
	}

	table += npt_index(gpa, level);
	if (level == 2 && (*table & NPT_PRESENT) && !npt_is_leaf(*table, 2))
		return -EEXIST;
	WRITE_ONCE(*table, npt_make_leaf(hpa, level, prot));
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

		if (hi <= start || lo >= end || !(pte & NPT_PRESENT))
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

		if (!(pte & NPT_PRESENT))
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
