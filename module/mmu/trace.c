// SPDX-License-Identifier: GPL-2.0
/*
 * Traces: permissions taken out of the nested page tables per guest page,
 * and the faults they cause routed to their owners (see trace.h).
 */
#include <linux/lockdep.h>
#include <linux/minmax.h>
#include <linux/module.h>
#include <linux/sched.h>

#include "../duet.h"
#include "npt.h"

/* duet_trace_bits_prot() subtracts one encoding from the other. */
static_assert(DUET_TRACE_WRITE == NPT_PROT_WRITE);
static_assert(DUET_TRACE_EXEC == NPT_PROT_EXEC);
/* Every owner's bits fit an xarray value entry. */
static_assert(2 * DUET_TRACE_NR_OWNERS < BITS_PER_LONG - 1);

#define GFN_LIMIT	(DUET_MAX_GPA >> PAGE_SHIFT)

/* What a fault does for an owner without ops. */
static const enum duet_trace_verdict trace_default[DUET_TRACE_NR_OWNERS] = {
	[DUET_TRACE_BT_CODE]	= DUET_TRACE_RETRY,
	[DUET_TRACE_BT_SEGMENT]	= DUET_TRACE_DIVERT,
	[DUET_TRACE_MIGRATION]	= DUET_TRACE_RETRY,
};

int duet_trace_init(struct duet_trace *t)
{
	memset(t, 0, sizeof(*t));
	xa_init(&t->pages);
	xa_init(&t->chunks);
	return 0;
}
EXPORT_SYMBOL_IF_DUET_KUNIT(duet_trace_init);

void duet_trace_destroy(struct duet_trace *t)
{
	/* Value entries own nothing: destroying frees only the nodes. */
	xa_destroy(&t->pages);
	xa_destroy(&t->chunks);
	t->nr_entries = 0;
}
EXPORT_SYMBOL_IF_DUET_KUNIT(duet_trace_destroy);

static unsigned long trace_get(struct xarray *xa, unsigned long index)
{
	void *e = xa_load(xa, index);

	return e ? xa_to_value(e) : 0;
}

/*
 * Replace entry @index (holding @old) with @bits, erasing it at 0.  Only a
 * new entry can fail: past the bound (-ENOSPC) or out of memory; replacing
 * or erasing an existing one allocates nothing.
 */
static int trace_put(struct duet_trace *t, struct xarray *xa,
		     unsigned long index, unsigned long old, unsigned long bits)
{
	int r;

	if (bits == old)
		return 0;
	if (!bits) {
		xa_erase(xa, index);
		t->nr_entries--;
		return 0;
	}
	if (!old && t->nr_entries >= DUET_TRACE_MAX_ENTRIES)
		return -ENOSPC;
	r = xa_err(xa_store(xa, index, xa_mk_value(bits), GFP_KERNEL_ACCOUNT));
	if (r)
		return r;
	if (!old)
		t->nr_entries++;
	return 0;
}

static int trace_check(u64 gfn, u64 npages, unsigned int flags,
		       enum duet_trace_owner owner)
{
	if (!npages || gfn >= GFN_LIMIT || npages > GFN_LIMIT - gfn)
		return -EINVAL;
	if (!flags || (flags & ~DUET_TRACE_FLAGS))
		return -EINVAL;
	if ((unsigned int)owner >= DUET_TRACE_NR_OWNERS)
		return -EINVAL;
	return 0;
}

/*
 * Trace @flags of [@gfn, @gfn + @npages) for @owner: whole 2 MiB chunks
 * as chunks, the rest page by page.  Return 1 when a page may have lost
 * a permission (a chunk is judged by its own entry), 0 when none did (the
 * mappings need not change), or -errno (-EINVAL, -ENOSPC past
 * DUET_TRACE_MAX_ENTRIES, -ENOMEM), the range then traced in part: the
 * caller deletes it, or unmaps it as duet_trace_add() does.
 */
int __duet_trace_add(struct duet_trace *t, u64 gfn, u64 npages,
		     unsigned int flags, enum duet_trace_owner owner)
{
	unsigned long bits = duet_trace_owner_bits(flags, owner);
	u64 end = gfn + npages;
	bool changed = false;
	int r;

	r = trace_check(gfn, npages, flags, owner);
	if (r)
		return r;

	while (gfn < end) {
		u64 chunk = gfn / DUET_TRACE_CHUNK_PAGES;
		unsigned long cold = trace_get(&t->chunks, chunk);
		unsigned long old;

		if (IS_ALIGNED(gfn, DUET_TRACE_CHUNK_PAGES) &&
		    end - gfn >= DUET_TRACE_CHUNK_PAGES) {
			r = trace_put(t, &t->chunks, chunk, cold, cold | bits);
			if (r)
				return r;
			changed |= duet_trace_bits_flags(cold | bits) !=
				   duet_trace_bits_flags(cold);
			gfn += DUET_TRACE_CHUNK_PAGES;
			cond_resched();
			continue;
		}
		/* A page its chunk already covers needs no entry of its own. */
		if ((cold & bits) != bits) {
			old = trace_get(&t->pages, gfn);
			r = trace_put(t, &t->pages, gfn, old, old | bits);
			if (r)
				return r;
			changed |= duet_trace_bits_flags(old | cold | bits) !=
				   duet_trace_bits_flags(old | cold);
		}
		gfn++;
	}
	return changed;
}
EXPORT_SYMBOL_IF_DUET_KUNIT(__duet_trace_add);

/*
 * A range ends inside chunk @chunk whose entry traces @bits for the owner:
 * move them to the chunk's pages outside [@lo, @hi), then off the chunk.
 */
static int trace_split_chunk(struct duet_trace *t, u64 chunk, u64 lo, u64 hi,
			     unsigned long bits)
{
	u64 base = chunk * DUET_TRACE_CHUNK_PAGES, p;
	unsigned long cold = trace_get(&t->chunks, chunk);
	int r;

	bits &= cold;
	if (!bits)
		return 0;
	for (p = base; p < base + DUET_TRACE_CHUNK_PAGES; p++) {
		unsigned long old;

		if (p >= lo && p < hi)
			continue;
		old = trace_get(&t->pages, p);
		r = trace_put(t, &t->pages, p, old, old | bits);
		if (r)
			return r;
	}
	return trace_put(t, &t->chunks, chunk, cold, cold & ~bits);
}

/*
 * Stop tracing @flags of [@gfn, @gfn + @npages) for @owner; other owners'
 * traces stay.  A chunk the range covers in part is split into pages
 * first, which can fail (-ENOSPC, -ENOMEM) with nothing untraced yet.
 * Permissions come back at the next fault of each page.
 */
int __duet_trace_del(struct duet_trace *t, u64 gfn, u64 npages,
		     unsigned int flags, enum duet_trace_owner owner)
{
	unsigned long bits = duet_trace_owner_bits(flags, owner);
	u64 end = gfn + npages, first, last;
	unsigned long index;
	void *e;
	int r;

	r = trace_check(gfn, npages, flags, owner);
	if (r)
		return r;

	first = gfn / DUET_TRACE_CHUNK_PAGES;
	last = (end - 1) / DUET_TRACE_CHUNK_PAGES;
	if (!IS_ALIGNED(gfn, DUET_TRACE_CHUNK_PAGES) ||
	    (first == last && !IS_ALIGNED(end, DUET_TRACE_CHUNK_PAGES))) {
		r = trace_split_chunk(t, first, gfn, end, bits);
		if (r)
			return r;
	}
	if (last != first && !IS_ALIGNED(end, DUET_TRACE_CHUNK_PAGES)) {
		r = trace_split_chunk(t, last, gfn, end, bits);
		if (r)
			return r;
	}

	/* The chunks left in the range are covered whole. */
	xa_for_each_range(&t->chunks, index, e, first, last) {
		unsigned long old = xa_to_value(e);

		trace_put(t, &t->chunks, index, old, old & ~bits);
	}
	xa_for_each_range(&t->pages, index, e, gfn, end - 1) {
		unsigned long old = xa_to_value(e);

		trace_put(t, &t->pages, index, old, old & ~bits);
	}
	return 0;
}
EXPORT_SYMBOL_IF_DUET_KUNIT(__duet_trace_del);

/* Every owner's bits for @gfn: its page's and its chunk's. */
unsigned long duet_trace_bits(struct duet_trace *t, u64 gfn)
{
	return trace_get(&t->pages, gfn) |
	       trace_get(&t->chunks, gfn / DUET_TRACE_CHUNK_PAGES);
}
EXPORT_SYMBOL_IF_DUET_KUNIT(duet_trace_bits);

/* @prot (NPT_PROT_*) for a 4 KiB mapping of @gfn, minus what is traced. */
unsigned int duet_trace_prot(struct duet_trace *t, u64 gfn, unsigned int prot)
{
	return duet_trace_bits_prot(duet_trace_bits(t, gfn), prot);
}
EXPORT_SYMBOL_IF_DUET_KUNIT(duet_trace_prot);

/*
 * Can the 2 MiB chunk holding @gfn be one nested mapping?  Not when one of
 * its pages is traced by itself; else take the chunk's traced permissions
 * out of *@prot and say yes.
 */
bool duet_trace_prot_2m(struct duet_trace *t, u64 gfn, unsigned int *prot)
{
	u64 chunk = gfn / DUET_TRACE_CHUNK_PAGES;
	unsigned long index = chunk * DUET_TRACE_CHUNK_PAGES;

	if (xa_find(&t->pages, &index, index + DUET_TRACE_CHUNK_PAGES - 1,
		    XA_PRESENT))
		return false;
	*prot = duet_trace_bits_prot(trace_get(&t->chunks, chunk), *prot);
	return true;
}
EXPORT_SYMBOL_IF_DUET_KUNIT(duet_trace_prot_2m);

/*
 * Trace @flags (DUET_TRACE_*) of [@gfn, @gfn + @npages) for @owner: take
 * the permissions out of any mapping now (the backend unmaps the range
 * and flushes every vCPU's TLB; the next fault maps it back without
 * them).  0 or -errno; on error part of the range may be traced, and is
 * unmapped all the same.
 */
int duet_trace_add(struct duet_vm *vm, u64 gfn, u64 npages,
		   unsigned int flags, enum duet_trace_owner owner)
{
	int r;

	mutex_lock(&vm->mmu_lock);
	r = __duet_trace_add(&vm->trace, gfn, npages, flags, owner);
	if (r && r != -EINVAL) {
		duet_ops->vm_unmap_range(vm, gfn, npages);
		/*
		 * The translator writes guest memory through the VMM's
		 * mapping, past the nested page tables: make it look again
		 * (duet_gpa_to_hva()) before its next such write, and order
		 * that against the caller's reads of the pages (the
		 * translator reads code bytes next; see bt_write()).
		 */
		if (flags & DUET_TRACE_WRITE) {
			atomic_inc(&vm->bt_mem_gen);
			/* Pairs with the smp_mb() of duet_gpa_written(). */
			smp_mb__after_atomic();
		}
	}
	mutex_unlock(&vm->mmu_lock);
	return r < 0 ? r : 0;
}
EXPORT_SYMBOL_IF_DUET_KUNIT(duet_trace_add);

/* Stop tracing, as __duet_trace_del(); the next faults map more. */
int duet_trace_del(struct duet_vm *vm, u64 gfn, u64 npages,
		   unsigned int flags, enum duet_trace_owner owner)
{
	int r;

	mutex_lock(&vm->mmu_lock);
	r = __duet_trace_del(&vm->trace, gfn, npages, flags, owner);
	mutex_unlock(&vm->mmu_lock);
	return r;
}
EXPORT_SYMBOL_IF_DUET_KUNIT(duet_trace_del);

/* Route @owner's traced faults to @ops (NULL: the default verdict). */
void duet_trace_set_ops(struct duet_vm *vm, enum duet_trace_owner owner,
			const struct duet_trace_ops *ops, void *opaque)
{
	if ((unsigned int)owner >= DUET_TRACE_NR_OWNERS)
		return;
	mutex_lock(&vm->mmu_lock);
	vm->trace.ops[owner] = ops;
	vm->trace.opaque[owner] = opaque;
	mutex_unlock(&vm->mmu_lock);
}
EXPORT_SYMBOL_IF_DUET_KUNIT(duet_trace_set_ops);

/* Does any owner trace writes of @gfn (mmu_lock held)? */
bool duet_trace_write_traced(struct duet_vm *vm, u64 gfn)
{
	struct duet_trace *t = &vm->trace;

	lockdep_assert_held(&vm->mmu_lock);
	if (!t->nr_entries)
		return false;
	return duet_trace_bits_flags(trace_get(&t->pages, gfn) |
				     trace_get(&t->chunks,
					       gfn / DUET_TRACE_CHUNK_PAGES)) &
	       DUET_TRACE_WRITE;
}

/*
 * A nested fault at @gfn (a write, a fetch, or neither: a read): tell the
 * owners tracing that permission there and apply their verdicts (trace.h).
 * DUET_TRACE_DIVERT when one said so; else the access may go ahead.
 */
enum duet_trace_verdict duet_trace_fault(struct duet_vm *vm, u64 gfn,
					 bool write, bool fetch)
{
	struct duet_trace *t = &vm->trace;
	u64 chunk = gfn / DUET_TRACE_CHUNK_PAGES;
	enum duet_trace_verdict verdict = DUET_TRACE_RETRY;
	unsigned long pbits, cbits;
	unsigned int flag;
	int o;

	lockdep_assert_held(&vm->mmu_lock);
	if (write)
		flag = DUET_TRACE_WRITE;
	else if (fetch)
		flag = DUET_TRACE_EXEC;
	else
		return DUET_TRACE_RETRY;

	pbits = trace_get(&t->pages, gfn);
	cbits = trace_get(&t->chunks, chunk);
	if (!(duet_trace_bits_flags(pbits | cbits) & flag))
		return DUET_TRACE_RETRY;

	for (o = 0; o < DUET_TRACE_NR_OWNERS; o++) {
		const struct duet_trace_ops *ops = t->ops[o];
		unsigned long ob = duet_trace_owner_bits(flag, o);
		enum duet_trace_verdict v;
		bool coarse;

		/* Read again: a handler may have changed its own traces. */
		pbits = trace_get(&t->pages, gfn);
		cbits = trace_get(&t->chunks, chunk);
		if (!((pbits | cbits) & ob))
			continue;
		coarse = cbits & ob;
		if (ops && ops->fault)
			v = ops->fault(vm, t->opaque[o], gfn,
				       coarse ? chunk * DUET_TRACE_CHUNK_PAGES : gfn,
				       coarse ? DUET_TRACE_CHUNK_PAGES : 1, flag);
		else
			v = trace_default[o];
		if (v == DUET_TRACE_DIVERT) {
			verdict = DUET_TRACE_DIVERT;
			continue;
		}
		/* Dropping bits of existing entries cannot fail. */
		pbits = trace_get(&t->pages, gfn);
		cbits = trace_get(&t->chunks, chunk);
		trace_put(t, &t->pages, gfn, pbits, pbits & ~ob);
		trace_put(t, &t->chunks, chunk, cbits, cbits & ~ob);
	}
	return verdict;
}
EXPORT_SYMBOL_IF_DUET_KUNIT(duet_trace_fault);
