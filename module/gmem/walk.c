// SPDX-License-Identifier: GPL-2.0
/*
 * Guest page walks: translate a guest-virtual (linear) address as the
 * guest's MMU would in its current paging mode, and say which #PF the
 * access raises instead when it does (SDM "Paging", APM "Page Translation
 * and Protection").
 *
 * Modes: paging off, 32-bit (4 KiB and, with CR4.PSE, 4 MiB pages, PSE-36
 * addresses), PAE (4 KiB, 2 MiB), 4- and 5-level long mode (4 KiB, 2 MiB,
 * 1 GiB).  Checks: P, R/W (CR0.WP for supervisor writes), U/S, NX
 * (EFER.NXE), SMEP and SMAP (CR4), protection keys (CR4.PKE, long mode:
 * the key of a user page against the PKRU the caller passes), reserved
 * bits.  PAE
 * PDPTEs are read from memory at each walk, not taken from a copy cached
 * at the last MOV CR3 (as an AMD CPU under nested paging does too).
 *
 * After a successful walk the accessed bits of the entries used, and the
 * dirty bit of the final one for a write, are set with a locked
 * compare-exchange, as the CPU does; a walk that faults sets nothing.
 *
 * __duet_walk() is a pure function over a PTE read/compare-exchange
 * callback pair, so KUnit can feed it fake tables; duet_walk() reads the
 * guest's own tables through gmem/access.c.
 */
#include <linux/bitops.h>
#include <linux/bits.h>
#include <linux/errno.h>
#include <linux/mm.h>
#include <asm/msr-index.h>
#include <asm/processor-flags.h>

#include "../duet.h"

/* Paging-structure entry bits (SDM "Formats of Paging-Structure Entries"). */
#define PTE_P		BIT_ULL(0)
#define PTE_RW		BIT_ULL(1)
#define PTE_US		BIT_ULL(2)
#define PTE_A		BIT_ULL(5)
#define PTE_D		BIT_ULL(6)
#define PTE_PS		BIT_ULL(7)
#define PTE_NX		BIT_ULL(63)

#define PTE_ADDR_MASK	GENMASK_ULL(51, 12)

#define DUET_WALK_MAX_LEVELS	5

/* How one paging mode splits an address. */
struct duet_walk_shape {
	unsigned int levels;		/* top level: 2, 3, 4 or 5 */
	unsigned int pte_size;		/* 4 or 8 bytes */
	unsigned int index_bits;	/* 10 or 9 (2 at the PAE PDPT) */
	bool pae;			/* PAE without long mode */
	bool long_mode;
};

static unsigned int duet_walk_shift(const struct duet_walk_shape *sh,
				    unsigned int level)
{
	return 12 + (level - 1) * sh->index_bits;
}

static bool duet_walk_nx(const struct duet_walk_mode *m)
{
	return m->efer & EFER_NX;
}

/* Bits [maxphyaddr, top] of an entry must be zero. */
static u64 duet_walk_high_rsvd(const struct duet_walk_mode *m,
			       unsigned int top)
{
	unsigned int phys = clamp_t(unsigned int, m->maxphyaddr, 32, 52);

	return phys > top ? 0 : GENMASK_ULL(top, phys);
}

/*
 * Reserved bits of an entry at @level that maps a page (@leaf) or points
 * to a table (SDM "Formats of Paging-Structure Entries", APM "Legacy-Mode
 * Page Translation" and "Long-Mode Page Translation").
 */
static u64 duet_walk_rsvd(const struct duet_walk_mode *m,
			  const struct duet_walk_shape *sh, unsigned int level,
			  bool leaf)
{
	u64 high, nx = duet_walk_nx(m) ? 0 : PTE_NX;
	unsigned int phys;

	if (!sh->pae && !sh->long_mode) {
		/* 32-bit paging: only 4 MiB PDEs have reserved bits. */
		if (level != 2 || !leaf)
			return 0;
		/* PDE bits 20:13 hold address bits 39:32 (PSE-36), bit 21 MBZ. */
		phys = m->pse36 ? clamp_t(unsigned int, m->maxphyaddr, 32, 40) : 32;
		return GENMASK_ULL(21, 21) |
		       (phys < 40 ? GENMASK_ULL(20, phys - 19) : 0);
	}

	if (sh->pae) {
		high = duet_walk_high_rsvd(m, 62);
		if (level == 3)	/* PDPTE: no NX, R/W, U/S, A or PS bit */
			return PTE_NX | high | GENMASK_ULL(8, 5) | GENMASK_ULL(2, 1);
		if (leaf && level == 2)
			return high | nx | GENMASK_ULL(20, 13);
		return high | nx;
	}

	high = duet_walk_high_rsvd(m, 51) | nx;
	switch (level) {
	case 5:
	case 4:
		/* PS is MBZ; AMD reserves bit 8 too. */
		return high | PTE_PS | (m->amd ? BIT_ULL(8) : 0);
	case 3:
		if (!leaf)
			return high;
		return high | GENMASK_ULL(29, 13) | (m->gbpages ? 0 : PTE_PS);
	case 2:
		return high | (leaf ? GENMASK_ULL(20, 13) : 0);
	default:
		return high;
	}
}

/* Does the entry at @level map a page? */
static bool duet_walk_is_leaf(const struct duet_walk_mode *m,
			      const struct duet_walk_shape *sh,
			      unsigned int level, u64 pte)
{
	if (level == 1)
		return true;
	if (!(pte & PTE_PS))
		return false;
	if (!sh->pae && !sh->long_mode)
		return level == 2 && (m->cr4 & X86_CR4_PSE);
	if (sh->pae)
		return level == 2;
	/* A PS bit where no page may be is a reserved bit, seen as a leaf. */
	return level <= 3;
}

/* The physical address a leaf entry maps @gva to. */
static u64 duet_walk_leaf_gpa(const struct duet_walk_shape *sh,
			      unsigned int level, u64 pte, u64 gva)
{
	u64 page_mask, base;

	if (!sh->pae && !sh->long_mode && level == 2) {
		/* 4 MiB: bits 31:22, and bits 39:32 from PDE bits 20:13. */
		base = (pte & GENMASK_ULL(31, 22)) |
		       ((pte >> 13) & 0xff) << 32;
		return base | (gva & GENMASK_ULL(21, 0));
	}
	page_mask = GENMASK_ULL(duet_walk_shift(sh, level) - 1, 0);
	return (pte & PTE_ADDR_MASK & ~page_mask) | (gva & page_mask);
}

/*
 * The #PF error code's I/D bit is set for fetches only where execute
 * protection exists: NX in PAE or long mode, or SMEP.
 */
static u32 duet_walk_error(const struct duet_walk_mode *m,
			   const struct duet_walk_shape *sh, u32 access,
			   u32 present)
{
	u32 ec = present | (access & (DUET_PFERR_WRITE | DUET_PFERR_USER));

	if ((access & DUET_PFERR_FETCH) &&
	    (((sh->pae || sh->long_mode) && duet_walk_nx(m)) ||
	     (m->cr4 & X86_CR4_SMEP)))
		ec |= DUET_PFERR_FETCH;
	return ec;
}

/*
 * Access rights of the whole translation (SDM "Access Rights"): may an
 * access of type @access go to a page that is @writable, @user and, with
 * NX, @noexec (each the combination over every level)?
 */
static bool duet_walk_allowed(const struct duet_walk_mode *m, u32 access,
			      bool writable, bool user, bool noexec)
{
	bool write = access & DUET_PFERR_WRITE;
	bool fetch = access & DUET_PFERR_FETCH;

	if (access & DUET_PFERR_USER) {
		if (!user || (write && !writable))
			return false;
	} else {
		if (fetch && user && (m->cr4 & X86_CR4_SMEP))
			return false;
		if (!fetch && user && (m->cr4 & X86_CR4_SMAP) &&
		    !(access & DUET_WALK_AC))
			return false;
		if (write && !writable && (m->cr0 & X86_CR0_WP))
			return false;
	}
	return !(fetch && noexec);
}

/*
 * Protection keys (SDM "Protection Keys"): in long mode with CR4.PKE, a
 * data access to a user page is checked against PKRU's two bits for the
 * key in bits 62:59 of the final entry, at any CPL: AD forbids every
 * data access, WD forbids writes (supervisor writes only with CR0.WP).
 * Instruction fetches are not checked.
 */
static bool duet_walk_pk_allowed(const struct duet_walk_mode *m, u32 access,
				 bool user, u64 leaf)
{
	unsigned int key = (leaf >> 59) & 0xf;
	bool ad = m->pkru & BIT(2 * key), wd = m->pkru & BIT(2 * key + 1);

	if (!(m->efer & EFER_LMA) || !(m->cr4 & X86_CR4_PKE) || !user ||
	    (access & DUET_PFERR_FETCH))
		return true;
	if (ad)
		return false;
	return !(wd && (access & DUET_PFERR_WRITE) &&
		 ((access & DUET_PFERR_USER) || (m->cr0 & X86_CR0_WP)));
}

bool duet_walk_canonical(const struct duet_walk_mode *m, u64 la)
{
	unsigned int bits = m->cr4 & X86_CR4_LA57 ? 57 : 48;

	if (!(m->efer & EFER_LMA))
		return true;
	return (u64)sign_extend64(la, bits - 1) == la;
}
EXPORT_SYMBOL_IF_DUET_KUNIT(duet_walk_canonical);

/*
 * Translate @gva for an access of type @access (DUET_PFERR_WRITE/USER/
 * FETCH, DUET_WALK_AC, DUET_WALK_NO_AD) in mode @m.  Returns 0 with either
 * @res->gpa or @res->fault and @res->error_code; -EAGAIN when an entry
 * changed under the accessed/dirty update (walk again, or let the guest
 * retry); another -errno from @ops.  Outside long mode only the low 32
 * bits of @gva count; in long mode the caller checks it is canonical.
 */
int __duet_walk(const struct duet_walk_mode *m, const struct duet_pte_ops *ops,
		void *opaque, u64 gva, u32 access, struct duet_walk_result *res)
{
	u64 pte_gpa[DUET_WALK_MAX_LEVELS], ptes[DUET_WALK_MAX_LEVELS];
	bool writable = true, user = true, noexec = false;
	struct duet_walk_shape sh = { 0 };
	unsigned int level, top, i, n = 0;
	u64 table, pte, idx, want;
	int r;

	memset(res, 0, sizeof(*res));
	if (!(m->cr0 & X86_CR0_PG)) {
		res->gpa = (u32)gva;
		return 0;
	}

	if (m->efer & EFER_LMA) {
		sh = (struct duet_walk_shape){
			.levels = m->cr4 & X86_CR4_LA57 ? 5 : 4,
			.pte_size = 8, .index_bits = 9, .long_mode = true,
		};
		table = m->cr3 & PTE_ADDR_MASK;
	} else if (m->cr4 & X86_CR4_PAE) {
		sh = (struct duet_walk_shape){
			.levels = 3, .pte_size = 8, .index_bits = 9, .pae = true,
		};
		gva = (u32)gva;
		table = m->cr3 & GENMASK_ULL(31, 5);
	} else {
		sh = (struct duet_walk_shape){
			.levels = 2, .pte_size = 4, .index_bits = 10,
		};
		gva = (u32)gva;
		table = m->cr3 & GENMASK_ULL(31, 12);
	}
	top = sh.levels;

	for (level = top; level >= 1; level--) {
		unsigned int shift = duet_walk_shift(&sh, level);
		bool pdpte = sh.pae && level == 3;
		bool leaf;

		/* The PAE PDPT has four entries: address bits 31:30. */
		idx = (gva >> shift) & (pdpte ? 3 : BIT_ULL(sh.index_bits) - 1);
		pte_gpa[n] = table + idx * sh.pte_size;
		res->pte_gpa = pte_gpa[n];
		r = ops->read_pte(opaque, pte_gpa[n], &pte, sh.pte_size);
		if (r)
			return r;
		ptes[n++] = pte;

		if (!(pte & PTE_P))
			goto fault;
		leaf = duet_walk_is_leaf(m, &sh, level, pte);
		if (pte & duet_walk_rsvd(m, &sh, level, leaf)) {
			res->error_code = duet_walk_error(m, &sh, access,
							  DUET_PFERR_PRESENT) |
					  DUET_PFERR_RSVD;
			res->fault = true;
			return 0;
		}
		if (!pdpte) {
			writable &= !!(pte & PTE_RW);
			user &= !!(pte & PTE_US);
			if (duet_walk_nx(m) && (pte & PTE_NX))
				noexec = true;
		}
		if (leaf) {
			res->gpa = duet_walk_leaf_gpa(&sh, level, pte, gva);
			res->level = level;
			break;
		}
		table = sh.pte_size == 4 ? pte & GENMASK_ULL(31, 12) :
					   pte & PTE_ADDR_MASK;
	}

	if (!duet_walk_allowed(m, access, writable, user, noexec)) {
		res->error_code = duet_walk_error(m, &sh, access,
						  DUET_PFERR_PRESENT);
		res->fault = true;
		res->gpa = 0;
		res->level = 0;
		return 0;
	}
	if (!duet_walk_pk_allowed(m, access, user, ptes[n - 1])) {
		res->error_code = duet_walk_error(m, &sh, access,
						  DUET_PFERR_PRESENT) |
				  DUET_PFERR_PK;
		res->fault = true;
		res->gpa = 0;
		res->level = 0;
		return 0;
	}
	if (access & DUET_WALK_NO_AD)
		return 0;

	/* Accessed on every entry used (PAE PDPTEs have none), top down. */
	for (i = 0; i < n; i++) {
		if (sh.pae && i == 0)
			continue;
		want = ptes[i] | PTE_A;
		if (i == n - 1 && (access & DUET_PFERR_WRITE))
			want |= PTE_D;
		if (want == ptes[i])
			continue;
		res->pte_gpa = pte_gpa[i];
		r = ops->cmpxchg_pte(opaque, pte_gpa[i], ptes[i], want, sh.pte_size);
		if (r)
			return r;
	}
	return 0;

fault:
	res->error_code = duet_walk_error(m, &sh, access, 0);
	res->fault = true;
	return 0;
}
EXPORT_SYMBOL_IF_DUET_KUNIT(__duet_walk);

/* __duet_walk() over the guest's own page tables in guest memory. */
int duet_walk(struct duet_vm *vm, const struct duet_walk_mode *m, u64 gva,
	      u32 access, struct duet_walk_result *res)
{
	return __duet_walk(m, &duet_gpa_pte_ops, vm, gva, access, res);
}
