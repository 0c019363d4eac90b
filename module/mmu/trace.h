/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Traces: guest-physical pages with write and/or execute permission taken
 * out of the nested page tables (NPT or EPT), so that the guest's first
 * such access faults and goes to the subsystem that asked.
 *
 * Several owners can trace one page; a page's traced permissions are the
 * union of its owners'.  Each VM keeps two maps, both charged to the VMM
 * and bounded (DUET_TRACE_MAX_ENTRIES entries in all):
 *
 *   pages   gfn -> the owners' flags for that 4 KiB page;
 *   chunks  gfn / DUET_TRACE_CHUNK_PAGES -> the owners' flags for a whole
 *           2 MiB chunk: a range that covers whole chunks is kept at that
 *           granularity (migration traces all guest memory this way), and
 *           such a chunk can stay one 2 MiB nested mapping with the
 *           permissions taken out of it.
 *
 * A 2 MiB mapping never covers a page with its own entry in @pages.
 *
 * Locking: everything runs under the VM's mmu_lock, as the nested page
 * tables do.  duet_trace_add/del() and duet_trace_set_ops() take it;
 * the __duet_trace_*() bookkeeping and duet_trace_fault() expect it held
 * (KUnit calls the bookkeeping on a struct duet_trace of its own).
 *
 * What a traced fault does (duet_trace_fault(), from duet_npt_fault_map()):
 * an access the guest makes with a traced permission (a write to a
 * write-traced page, a fetch from an exec-traced one) is never MMIO.  Each
 * owner tracing that permission there is told through its ops->fault(),
 * with mmu_lock held, before the guest's access can complete; its verdict:
 *
 *   DUET_TRACE_RETRY   the owner's trace of that permission is dropped for
 *                      the page (or for the whole chunk, when the owner
 *                      traced the chunk: migration sees a dirty 2 MiB
 *                      chunk) and the access is retried in hardware.  BT
 *                      code pages: the translator drops the translations
 *                      of the page in fault() and traces it again when it
 *                      translates from it again.
 *   DUET_TRACE_DIVERT  the trace stays and the vCPU leaves hardware
 *                      execution; duet_npt_fault_map() returns
 *                      DUET_NPT_FAULT_DIVERT (see struct duet_vcpu's
 *                      bt_divert for what the backend does with it).
 *
 * Without ops, BT segments divert and the other owners retry.
 *
 * Writes the module itself makes to guest memory (the translator's
 * stores, string I/O and MMIO emulation, guest page-table A/D updates:
 * duet_gpa_write() and duet_gpa_cmpxchg()) bypass the nested page tables;
 * they call the write owners of the page as a guest write would, before
 * the bytes change (gmem/access.c).  Adding a write trace bumps the VM's
 * bt_mem_gen so that the translator's cached writable mappings are looked
 * up again.
 */
#ifndef DUET_MMU_TRACE_H
#define DUET_MMU_TRACE_H

#include <linux/bits.h>
#include <linux/types.h>
#include <linux/xarray.h>

struct duet_vm;

/* The permissions a trace takes out. */
#define DUET_TRACE_WRITE	BIT(0)
#define DUET_TRACE_EXEC		BIT(1)
#define DUET_TRACE_FLAGS	(DUET_TRACE_WRITE | DUET_TRACE_EXEC)

/* Who traces a page; a page keeps each owner's flags apart. */
enum duet_trace_owner {
	DUET_TRACE_BT_CODE,		/* W: pages the translator read code from */
	DUET_TRACE_BT_SEGMENT,		/* X: pages holding vulnerable segments */
	DUET_TRACE_MIGRATION,		/* W: dirty tracking */
	DUET_TRACE_NR_OWNERS,
};

/* 2 MiB: the coarse granule, and the size of a large nested mapping. */
#define DUET_TRACE_CHUNK_PAGES	512ULL
/* Entries (pages and chunks) per VM: at most 4 GiB traced page by page. */
#define DUET_TRACE_MAX_ENTRIES	BIT(20)

enum duet_trace_verdict {
	DUET_TRACE_RETRY,
	DUET_TRACE_DIVERT,
};

struct duet_trace_ops {
	/*
	 * The guest accessed @gfn with @flag (DUET_TRACE_WRITE or _EXEC),
	 * which this owner traces over [@first, @first + @npages): the page,
	 * or its 2 MiB chunk.  Called with mmu_lock held: it must not take
	 * mmu_lock (duet_trace_add/del() do), nor a lock that is held
	 * around a call of them.  Return what to do (above).
	 */
	enum duet_trace_verdict (*fault)(struct duet_vm *vm, void *opaque,
					 u64 gfn, u64 first, u64 npages,
					 unsigned int flag);
};

struct duet_trace {
	struct xarray pages;		/* gfn -> xa_mk_value(owner bits) */
	struct xarray chunks;		/* chunk -> xa_mk_value(owner bits) */
	unsigned long nr_entries;	/* in both */
	const struct duet_trace_ops *ops[DUET_TRACE_NR_OWNERS];
	void *opaque[DUET_TRACE_NR_OWNERS];
};

/*
 * Owner bits, as kept in an entry: two per owner, WRITE then EXEC, so
 * that one u8 holds every owner's flags of a page.
 */
static inline unsigned long duet_trace_owner_bits(unsigned int flags,
						  enum duet_trace_owner owner)
{
	return (unsigned long)(flags & DUET_TRACE_FLAGS) << (2 * owner);
}

/* The flags @bits take out, whoever owns them. */
static inline unsigned int duet_trace_bits_flags(unsigned long bits)
{
	unsigned int flags = 0;
	int o;

	for (o = 0; o < DUET_TRACE_NR_OWNERS; o++)
		flags |= (bits >> (2 * o)) & DUET_TRACE_FLAGS;
	return flags;
}

/* NPT_PROT_* minus what @bits take out. */
static inline unsigned int duet_trace_bits_prot(unsigned long bits,
						unsigned int prot)
{
	unsigned int flags = duet_trace_bits_flags(bits);

	/* The two encodings agree (static_assert in trace.c). */
	return prot & ~flags;
}

int duet_trace_init(struct duet_trace *t);
void duet_trace_destroy(struct duet_trace *t);
int __duet_trace_add(struct duet_trace *t, u64 gfn, u64 npages,
		     unsigned int flags, enum duet_trace_owner owner);
int __duet_trace_del(struct duet_trace *t, u64 gfn, u64 npages,
		     unsigned int flags, enum duet_trace_owner owner);
unsigned long duet_trace_bits(struct duet_trace *t, u64 gfn);
unsigned int duet_trace_prot(struct duet_trace *t, u64 gfn,
			     unsigned int prot);
bool duet_trace_prot_2m(struct duet_trace *t, u64 gfn, unsigned int *prot);

int duet_trace_add(struct duet_vm *vm, u64 gfn, u64 npages,
		   unsigned int flags, enum duet_trace_owner owner);
int duet_trace_del(struct duet_vm *vm, u64 gfn, u64 npages,
		   unsigned int flags, enum duet_trace_owner owner);
void duet_trace_set_ops(struct duet_vm *vm, enum duet_trace_owner owner,
			const struct duet_trace_ops *ops, void *opaque);
bool duet_trace_write_traced(struct duet_vm *vm, u64 gfn);
enum duet_trace_verdict duet_trace_fault(struct duet_vm *vm, u64 gfn,
					 bool write, bool fetch);

#endif /* DUET_MMU_TRACE_H */
