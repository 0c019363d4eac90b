/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Nested page tables in either of two formats: AMD NPT (the x86-64
 * long-mode page-table format, 4 or 5 levels following the host's paging
 * mode) or Intel EPT (SDM "EPT Translation Mechanism": 4 levels, R/W/X
 * permission bits, a memory type in each leaf).  The tree code is shared;
 * only the entry encodings differ.  Encoding helpers are pure functions so
 * that KUnit can check them without hardware.
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

/* SDM "EPT Paging-Structure Entries": permissions and the leaf memory type. */
#define EPT_READABLE		BIT_ULL(0)
#define EPT_WRITABLE		BIT_ULL(1)
#define EPT_EXECUTABLE		BIT_ULL(2)
#define EPT_RWX			(EPT_READABLE | EPT_WRITABLE | EPT_EXECUTABLE)
#define EPT_MEMTYPE_SHIFT	3
#define EPT_MEMTYPE_WB		6ULL
#define EPT_LARGE		BIT_ULL(7)

enum duet_npt_format {
	DUET_NPT_AMD,
	DUET_NPT_EPT,
};

struct duet_npt {
	u64 *root;			/* top-level table */
	int levels;			/* 4 or 5 */
	enum duet_npt_format format;
	unsigned long nr_tables;	/* table pages, root included */
};

/* Whether @pte maps anything: P for NPT, any of R/W/X for EPT. */
static inline bool npt_present(const struct duet_npt *npt, u64 pte)
{
	return pte & (npt->format == DUET_NPT_EPT ? EPT_RWX : NPT_PRESENT);
}

/* Index of @gpa in the table of @level (1 = the 4 KiB level). */
static inline unsigned int npt_index(u64 gpa, int level)
{
	return (gpa >> (12 + 9 * (level - 1))) & (NPT_ENTRIES - 1);
}

/*
 * APM: nested walks are user accesses, so every entry needs U; an entry
 * above the leaf grants everything and lets the leaf decide.
 */
static inline u64 npt_make_table_entry(const struct duet_npt *npt,
				       u64 table_pa)
{
	if (npt->format == DUET_NPT_EPT)
		return (table_pa & NPT_ADDR_MASK) | EPT_RWX;
	return (table_pa & NPT_ADDR_MASK) | NPT_PRESENT | NPT_WRITABLE |
	       NPT_USER | NPT_ACCESSED;
}

/*
 * SDM "EPT and Memory Typing": guest memory is write-back, and the IPAT
 * bit stays clear so that the guest's PAT still applies on top of it.
 * Bits 8 and 9 (accessed, dirty) are left to the CPU: duet does not turn
 * on EPT A/D flags in the EPTP, so the CPU ignores them.
 */
static inline u64 ept_make_leaf(u64 hpa, int level, unsigned int prot)
{
	u64 pte = (hpa & NPT_ADDR_MASK) | EPT_READABLE |
		  (EPT_MEMTYPE_WB << EPT_MEMTYPE_SHIFT);

	if (prot & NPT_PROT_WRITE)
		pte |= EPT_WRITABLE;
	if (prot & NPT_PROT_EXEC)
		pte |= EPT_EXECUTABLE;
	if (level == 2)
		pte |= EPT_LARGE;
	return pte;
}

static inline u64 npt_make_leaf(const struct duet_npt *npt, u64 hpa,
				int level, unsigned int prot)
{
	u64 pte;

	if (npt->format == DUET_NPT_EPT)
		return ept_make_leaf(hpa, level, prot);
	pte = (hpa & NPT_ADDR_MASK) | NPT_PRESENT | NPT_USER | NPT_ACCESSED;
	if (prot & NPT_PROT_WRITE)
		pte |= NPT_WRITABLE | NPT_DIRTY;
	if (!(prot & NPT_PROT_EXEC))
		pte |= NPT_NX;
	if (level == 2)
		pte |= NPT_LARGE;
	return pte;
}

/* Bit 7 is PS in NPT and "maps a page" in EPT: the same test for both. */
static_assert(NPT_LARGE == EPT_LARGE);

static inline bool npt_is_leaf(u64 pte, int level)
{
	return level == 1 || (pte & NPT_LARGE);
}

int duet_npt_init(struct duet_npt *npt, int levels,
		  enum duet_npt_format format);
void duet_npt_destroy(struct duet_npt *npt);
int duet_npt_map(struct duet_npt *npt, u64 gpa, u64 hpa, int level,
		 unsigned int prot);
bool duet_npt_unmap_range(struct duet_npt *npt, u64 gpa, u64 size);
u64 duet_npt_lookup(struct duet_npt *npt, u64 gpa, int *level);
struct duet_vm;
/* duet_npt_fault_map(): the fetch hit a BT segment's exec trace. */
#define DUET_NPT_FAULT_DIVERT	1
struct duet_vcpu;
int duet_npt_grant_step(struct duet_vcpu *vcpu, struct duet_npt *npt, u64 gpa);
void duet_npt_revoke_step(struct duet_vcpu *vcpu);
int duet_npt_fault_map(struct duet_vm *vm, struct duet_npt *npt, u64 gpa,
		       bool write, bool fetch, bool *mmio);

#endif /* DUET_MMU_NPT_H */
