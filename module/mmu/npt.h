/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Nested page tables (AMD NPT): x86-64 long-mode page-table format, 4 or 5
 * levels following the host's paging mode.  Encoding helpers are pure
 * functions so that KUnit can check them without hardware.
 */
#ifndef DUET_MMU_NPT_H
#define DUET_MMU_NPT_H

#include <linux/bits.h>
#include <linux/mutex.h>
#include <linux/types.h>

/* APM: page-table entry bits. */
#define NPT_PRESENT		BIT_ULL(0)
#define NPT_WRITABLE		BIT_ULL(1)
#define NPT_USER		BIT_ULL(2)
#define NPT_ACCESSED		BIT_ULL(5)
#define NPT_DIRTY		BIT_ULL(6)
#define NPT_LARGE		BIT_ULL(7)	/* PS: 2 MiB at level 2 */
#define NPT_NX			BIT_ULL(63)
#define NPT_ADDR_MASK		GENMASK_ULL(51, 12)

/* Protection asked of duet_npt_map(). */
#define NPT_PROT_WRITE		BIT(0)
#define NPT_PROT_EXEC		BIT(1)

#define NPT_ENTRIES		512

struct duet_npt {
	u64 *root;			/* top-level table */
	int levels;			/* 4 or 5 */
	unsigned long nr_tables;	/* table pages, root included */
};

/* Index of @gpa in the table of @level (1 = the 4 KiB level). */
static inline unsigned int npt_index(u64 gpa, int level)
{
	return (gpa >> (12 + 9 * (level - 1))) & (NPT_ENTRIES - 1);
}

/*
 * APM: nested walks are user accesses, so every entry needs U; an entry
 * above the leaf grants everything and lets the leaf decide.
 */
static inline u64 npt_make_table_entry(u64 table_pa)
{
	return (table_pa & NPT_ADDR_MASK) | NPT_PRESENT | NPT_WRITABLE |
	       NPT_USER | NPT_ACCESSED;
}

static inline u64 npt_make_leaf(u64 hpa, int level, unsigned int prot)
{
	u64 pte = (hpa & NPT_ADDR_MASK) | NPT_PRESENT | NPT_USER |
		  NPT_ACCESSED;

	if (prot & NPT_PROT_WRITE)
		pte |= NPT_WRITABLE | NPT_DIRTY;
	if (!(prot & NPT_PROT_EXEC))
		pte |= NPT_NX;
	if (level == 2)
		pte |= NPT_LARGE;
	return pte;
}

static inline bool npt_is_leaf(u64 pte, int level)
{
	return level == 1 || (pte & NPT_LARGE);
}

int duet_npt_init(struct duet_npt *npt, int levels);
void duet_npt_destroy(struct duet_npt *npt);
int duet_npt_map(struct duet_npt *npt, u64 gpa, u64 hpa, int level,
		 unsigned int prot);
bool duet_npt_unmap_range(struct duet_npt *npt, u64 gpa, u64 size);
u64 duet_npt_lookup(struct duet_npt *npt, u64 gpa, int *level);

#endif /* DUET_MMU_NPT_H */
