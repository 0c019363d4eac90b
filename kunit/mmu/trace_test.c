// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: module/mmu/trace.c.  The bookkeeping runs on a struct duet_trace
 * of the test's own: owners' flags combining on a page, deletion giving
 * permissions back, whole 2 MiB chunks kept as chunks and split when a
 * deletion cuts one, the 2 MiB mapping refused over a page traced by
 * itself, the bound, and the routing of a traced fault to its owners.
 *
 * Then end to end on a VM with real memory (kunit_vm_mmap(), pinned by
 * the fault path as for a guest) and real nested page tables: those of
 * the loaded backend (duet_ops->vm_init(), its vm_unmap_range() with TLB
 * flushing), and hand-built ones in both formats (AMD NPT and Intel EPT)
 * so that each encoding is checked on either machine.  A write trace
 * takes W out of the entry and the write fault calls the owner and maps
 * it writable again; an exec trace takes X out (NPT: NX set; EPT: X
 * clear) and a fetch fault diverts.
 */
#include <kunit/resource.h>
#include <kunit/test.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "duet.h"
#include "mmu/npt.h"

#define BT_CODE		DUET_TRACE_BT_CODE
#define BT_SEG		DUET_TRACE_BT_SEGMENT
#define MIGR		DUET_TRACE_MIGRATION
#define W		DUET_TRACE_WRITE
#define X		DUET_TRACE_EXEC
#define RWX		(NPT_PROT_WRITE | NPT_PROT_EXEC)
#define CHUNK		DUET_TRACE_CHUNK_PAGES

static void trace_free(void *data)
{
	duet_trace_destroy(data);
}

static struct duet_trace *trace_new(struct kunit *test)
{
	struct duet_trace *t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, t);
	KUNIT_ASSERT_EQ(test, duet_trace_init(t), 0);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, trace_free, t),
			0);
	return t;
}

/* Owners' flags add up on a page, each owner's kept apart. */
static void trace_flags_combine(struct kunit *test)
{
	struct duet_trace *t = trace_new(test);

	KUNIT_EXPECT_EQ(test, duet_trace_prot(t, 5, RWX), RWX);
	KUNIT_EXPECT_EQ(test, __duet_trace_add(t, 5, 1, W, BT_CODE), 1);
	KUNIT_EXPECT_EQ(test, duet_trace_prot(t, 5, RWX), NPT_PROT_EXEC);
	KUNIT_EXPECT_EQ(test, __duet_trace_add(t, 5, 1, X, BT_SEG), 1);
	KUNIT_EXPECT_EQ(test, duet_trace_prot(t, 5, RWX), 0);
	/* Already write-traced: nothing new for the page. */
	KUNIT_EXPECT_EQ(test, __duet_trace_add(t, 5, 1, W, MIGR), 0);
	KUNIT_EXPECT_EQ(test, __duet_trace_add(t, 5, 1, W, BT_CODE), 0);
	KUNIT_EXPECT_EQ(test, duet_trace_bits(t, 5),
			duet_trace_owner_bits(W, BT_CODE) |
			duet_trace_owner_bits(X, BT_SEG) |
			duet_trace_owner_bits(W, MIGR));
	/* Neighbours untouched; one entry. */
	KUNIT_EXPECT_EQ(test, duet_trace_prot(t, 4, RWX), RWX);
	KUNIT_EXPECT_EQ(test, duet_trace_prot(t, 6, RWX), RWX);
	KUNIT_EXPECT_EQ(test, t->nr_entries, 1);
	/* A read-only slot stays read-only whatever the traces. */
	KUNIT_EXPECT_EQ(test, duet_trace_prot(t, 4, NPT_PROT_EXEC),
			NPT_PROT_EXEC);
}

/* Deleting one owner's flag leaves the others'; the last gives all back. */
static void trace_del_restores(struct kunit *test)
{
	struct duet_trace *t = trace_new(test);

	KUNIT_ASSERT_EQ(test, __duet_trace_add(t, 10, 3, W | X, BT_CODE), 1);
	KUNIT_ASSERT_EQ(test, __duet_trace_add(t, 11, 1, W, MIGR), 0);
	KUNIT_EXPECT_EQ(test, t->nr_entries, 3);

	KUNIT_EXPECT_EQ(test, __duet_trace_del(t, 11, 1, W, BT_CODE), 0);
	KUNIT_EXPECT_EQ(test, duet_trace_prot(t, 11, RWX), 0);
	KUNIT_EXPECT_EQ(test, __duet_trace_del(t, 11, 1, X, BT_CODE), 0);
	/* Migration still traces writes. */
	KUNIT_EXPECT_EQ(test, duet_trace_prot(t, 11, RWX), NPT_PROT_EXEC);
	KUNIT_EXPECT_EQ(test, __duet_trace_del(t, 11, 1, W, MIGR), 0);
	KUNIT_EXPECT_EQ(test, duet_trace_prot(t, 11, RWX), RWX);
	KUNIT_EXPECT_EQ(test, t->nr_entries, 2);
	/* The pages around keep theirs. */
	KUNIT_EXPECT_EQ(test, duet_trace_prot(t, 10, RWX), 0);
	KUNIT_EXPECT_EQ(test, duet_trace_prot(t, 12, RWX), 0);
	/* Deleting what another owner traces changes nothing. */
	KUNIT_EXPECT_EQ(test, __duet_trace_del(t, 10, 3, W | X, MIGR), 0);
	KUNIT_EXPECT_EQ(test, duet_trace_prot(t, 12, RWX), 0);
	KUNIT_EXPECT_EQ(test, __duet_trace_del(t, 0, 100, W | X, BT_CODE), 0);
	KUNIT_EXPECT_EQ(test, t->nr_entries, 0);
	KUNIT_EXPECT_EQ(test, duet_trace_prot(t, 10, RWX), RWX);
}

static void trace_bad_args(struct kunit *test)
{
	struct duet_trace *t = trace_new(test);
	u64 limit = DUET_MAX_GPA >> PAGE_SHIFT;

	KUNIT_EXPECT_EQ(test, __duet_trace_add(t, 1, 0, W, BT_CODE), -EINVAL);
	KUNIT_EXPECT_EQ(test, __duet_trace_add(t, 1, 1, 0, BT_CODE), -EINVAL);
	KUNIT_EXPECT_EQ(test, __duet_trace_add(t, 1, 1, BIT(2), BT_CODE),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, __duet_trace_add(t, 1, 1, W, DUET_TRACE_NR_OWNERS),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, __duet_trace_add(t, limit, 1, W, BT_CODE),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, __duet_trace_add(t, limit - 1, 2, W, BT_CODE),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, __duet_trace_add(t, 1, ~0ULL, W, BT_CODE),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, __duet_trace_del(t, 1, 0, W, BT_CODE), -EINVAL);
	KUNIT_EXPECT_EQ(test, t->nr_entries, 0);
	/* The last page below the limit is fine. */
	KUNIT_EXPECT_EQ(test, __duet_trace_add(t, limit - 1, 1, W, BT_CODE), 1);
	KUNIT_EXPECT_EQ(test, duet_trace_prot(t, limit - 1, RWX),
			NPT_PROT_EXEC);
}

/* Whole chunks are kept as chunks; a 2 MiB mapping keeps their prot. */
static void trace_chunks(struct kunit *test)
{
	struct duet_trace *t = trace_new(test);
	unsigned int prot;

	/* [512, 1536): two whole chunks, two entries for 1024 pages. */
	KUNIT_ASSERT_EQ(test, __duet_trace_add(t, CHUNK, 2 * CHUNK, W, MIGR), 1);
	KUNIT_EXPECT_EQ(test, t->nr_entries, 2);
	KUNIT_EXPECT_EQ(test, duet_trace_prot(t, CHUNK - 1, RWX), RWX);
	KUNIT_EXPECT_EQ(test, duet_trace_prot(t, CHUNK, RWX), NPT_PROT_EXEC);
	KUNIT_EXPECT_EQ(test, duet_trace_prot(t, 3 * CHUNK - 1, RWX),
			NPT_PROT_EXEC);
	KUNIT_EXPECT_EQ(test, duet_trace_prot(t, 3 * CHUNK, RWX), RWX);

	prot = RWX;
	KUNIT_EXPECT_TRUE(test, duet_trace_prot_2m(t, CHUNK + 88, &prot));
	KUNIT_EXPECT_EQ(test, prot, NPT_PROT_EXEC);

	/* Covered by its chunk: no entry of its own, 2 MiB still fine. */
	KUNIT_EXPECT_EQ(test, __duet_trace_add(t, CHUNK + 7, 1, W, MIGR), 0);
	KUNIT_EXPECT_EQ(test, t->nr_entries, 2);
	prot = RWX;
	KUNIT_EXPECT_TRUE(test, duet_trace_prot_2m(t, CHUNK, &prot));

	/* Another owner's page in the first chunk: 4 KiB only there. */
	KUNIT_EXPECT_EQ(test, __duet_trace_add(t, CHUNK + 7, 1, X, BT_SEG), 1);
	KUNIT_EXPECT_EQ(test, t->nr_entries, 3);
	prot = RWX;
	KUNIT_EXPECT_FALSE(test, duet_trace_prot_2m(t, CHUNK + 300, &prot));
	KUNIT_EXPECT_EQ(test, prot, RWX);
	KUNIT_EXPECT_EQ(test, duet_trace_prot(t, CHUNK + 7, RWX), 0);
	KUNIT_EXPECT_EQ(test, duet_trace_prot(t, CHUNK + 8, RWX),
			NPT_PROT_EXEC);
	prot = RWX;
	KUNIT_EXPECT_TRUE(test, duet_trace_prot_2m(t, 2 * CHUNK, &prot));
	KUNIT_EXPECT_EQ(test, prot, NPT_PROT_EXEC);
	/* No trace at all in chunk 0: 2 MiB with everything. */
	prot = RWX;
	KUNIT_EXPECT_TRUE(test, duet_trace_prot_2m(t, 0, &prot));
	KUNIT_EXPECT_EQ(test, prot, RWX);
}

/* A traced 4 KiB page refuses its chunk a 2 MiB mapping, at either end. */
static void trace_2m_refused(struct kunit *test)
{
	struct duet_trace *t = trace_new(test);
	unsigned int prot = RWX;

	/* [100, 700): no whole chunk, so page by page. */
	KUNIT_ASSERT_EQ(test, __duet_trace_add(t, 100, 600, W, BT_CODE), 1);
	KUNIT_EXPECT_EQ(test, t->nr_entries, 600);
	KUNIT_EXPECT_FALSE(test, duet_trace_prot_2m(t, 0, &prot));
	KUNIT_EXPECT_FALSE(test, duet_trace_prot_2m(t, CHUNK + 511, &prot));
	KUNIT_EXPECT_TRUE(test, duet_trace_prot_2m(t, 2 * CHUNK, &prot));
	KUNIT_EXPECT_EQ(test, prot, RWX);

	/* The last page of a chunk alone is enough. */
	KUNIT_ASSERT_EQ(test, __duet_trace_del(t, 100, 600, W, BT_CODE), 0);
	KUNIT_EXPECT_TRUE(test, duet_trace_prot_2m(t, 0, &prot));
	KUNIT_ASSERT_EQ(test, __duet_trace_add(t, CHUNK - 1, 1, X, BT_SEG), 1);
	KUNIT_EXPECT_FALSE(test, duet_trace_prot_2m(t, 0, &prot));
	KUNIT_EXPECT_TRUE(test, duet_trace_prot_2m(t, CHUNK, &prot));
}

/* Deleting part of a chunk splits it; the rest stays traced. */
static void trace_del_splits_chunk(struct kunit *test)
{
	struct duet_trace *t = trace_new(test);
	u64 g;

	/* Chunks 0, 1, 2 for migration, page 5 for BT as well. */
	KUNIT_ASSERT_EQ(test, __duet_trace_add(t, 0, 3 * CHUNK, W, MIGR), 1);
	KUNIT_ASSERT_EQ(test, __duet_trace_add(t, 5, 1, X, BT_SEG), 1);
	KUNIT_ASSERT_EQ(test, t->nr_entries, 4);

	/* Inside chunk 0: pages 10 and 11 come back. */
	KUNIT_EXPECT_EQ(test, __duet_trace_del(t, 10, 2, W, MIGR), 0);
	KUNIT_EXPECT_EQ(test, duet_trace_prot(t, 10, RWX), RWX);
	KUNIT_EXPECT_EQ(test, duet_trace_prot(t, 11, RWX), RWX);
	KUNIT_EXPECT_EQ(test, duet_trace_prot(t, 9, RWX), NPT_PROT_EXEC);
	KUNIT_EXPECT_EQ(test, duet_trace_prot(t, 12, RWX), NPT_PROT_EXEC);
	KUNIT_EXPECT_EQ(test, duet_trace_prot(t, 5, RWX), 0);
	KUNIT_EXPECT_EQ(test, duet_trace_prot(t, CHUNK - 1, RWX),
			NPT_PROT_EXEC);
	/* Chunk 0 is now 510 pages, chunks 1 and 2 stay whole. */
	KUNIT_EXPECT_EQ(test, t->nr_entries, 510 + 2);

	/* [500, 1100): the end of chunk 0, chunk 1 whole, start of 2. */
	KUNIT_EXPECT_EQ(test, __duet_trace_del(t, 500, 600, W, MIGR), 0);
	for (g = 0; g < 3 * CHUNK; g++) {
		bool traced = g < 500 && g != 10 && g != 11;

		traced |= g >= 1100;
		if (duet_trace_prot(t, g, NPT_PROT_WRITE) !=
		    (traced ? 0 : NPT_PROT_WRITE)) {
			KUNIT_FAIL(test, "page %llu: traced %d", g, !traced);
			break;
		}
	}
	/* Pages 0-499 but 10 and 11 (5 among them), and 1100-1535. */
	KUNIT_EXPECT_EQ(test, t->nr_entries, 498 + 436);
	KUNIT_EXPECT_EQ(test, duet_trace_prot(t, 5, RWX), 0);

	/* Everything: nothing left. */
	KUNIT_EXPECT_EQ(test, __duet_trace_del(t, 0, 4 * CHUNK, W, MIGR), 0);
	KUNIT_EXPECT_EQ(test, t->nr_entries, 1);
	KUNIT_EXPECT_EQ(test, duet_trace_prot(t, 5, RWX), NPT_PROT_WRITE);
}

/* Past DUET_TRACE_MAX_ENTRIES a new entry is refused; old ones change. */
static void trace_bounded(struct kunit *test)
{
	struct duet_trace *t = trace_new(test);

	KUNIT_ASSERT_EQ(test, __duet_trace_add(t, 1, 1, W, BT_CODE), 1);
	/* Pretend the rest are there rather than allocating a million. */
	t->nr_entries = DUET_TRACE_MAX_ENTRIES;
	KUNIT_EXPECT_EQ(test, __duet_trace_add(t, 2, 1, W, BT_CODE), -ENOSPC);
	KUNIT_EXPECT_EQ(test, __duet_trace_add(t, 0, CHUNK, W, MIGR), -ENOSPC);
	KUNIT_EXPECT_EQ(test, duet_trace_prot(t, 2, RWX), RWX);
	KUNIT_EXPECT_EQ(test, __duet_trace_add(t, 1, 1, X, BT_SEG), 1);
	KUNIT_EXPECT_EQ(test, t->nr_entries, DUET_TRACE_MAX_ENTRIES);
	/* Splitting needs entries too: refused, nothing untraced. */
	t->nr_entries = 1;
	KUNIT_ASSERT_EQ(test, __duet_trace_add(t, CHUNK, CHUNK, W, MIGR), 1);
	t->nr_entries = DUET_TRACE_MAX_ENTRIES;
	KUNIT_EXPECT_EQ(test, __duet_trace_del(t, CHUNK + 1, 1, W, MIGR),
			-ENOSPC);
	KUNIT_EXPECT_EQ(test, duet_trace_prot(t, CHUNK + 1, RWX),
			NPT_PROT_EXEC);
	t->nr_entries = 2;
}

/* What the fake owners saw of faults. */
struct owner_log {
	unsigned int calls;
	u64 gfn, first, npages;
	unsigned int flag;
	enum duet_trace_verdict verdict;
};

struct owners {
	struct owner_log log[DUET_TRACE_NR_OWNERS];
};

static enum duet_trace_verdict owner_fault(struct duet_vm *vm, void *opaque,
					   u64 gfn, u64 first, u64 npages,
					   unsigned int flag)
{
	struct owner_log *l = opaque;

	lockdep_assert_held(&vm->mmu_lock);
	l->calls++;
	l->gfn = gfn;
	l->first = first;
	l->npages = npages;
	l->flag = flag;
	return l->verdict;
}

static const struct duet_trace_ops owner_ops = { .fault = owner_fault };

static void owners_register(struct duet_vm *vm, struct owners *o)
{
	int i;

	for (i = 0; i < DUET_TRACE_NR_OWNERS; i++)
		duet_trace_set_ops(vm, i, &owner_ops, &o->log[i]);
}

/* A VM with just a lock and traces, for duet_trace_fault(). */
static void bare_vm_free(void *data)
{
	struct duet_vm *vm = data;

	duet_trace_destroy(&vm->trace);
	mutex_destroy(&vm->mmu_lock);
	kfree(vm);
}

static struct duet_vm *bare_vm_new(struct kunit *test)
{
	struct duet_vm *vm = kzalloc(sizeof(*vm), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, vm);
	mutex_init(&vm->mmu_lock);
	duet_trace_init(&vm->trace);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, bare_vm_free, vm),
			0);
	return vm;
}

static enum duet_trace_verdict fault(struct duet_vm *vm, u64 gfn, bool write,
				     bool fetch)
{
	enum duet_trace_verdict v;

	mutex_lock(&vm->mmu_lock);
	v = duet_trace_fault(vm, gfn, write, fetch);
	mutex_unlock(&vm->mmu_lock);
	return v;
}

static void trace_add_locked(struct duet_vm *vm, u64 gfn, u64 n,
			     unsigned int flags, enum duet_trace_owner owner)
{
	mutex_lock(&vm->mmu_lock);
	__duet_trace_add(&vm->trace, gfn, n, flags, owner);
	mutex_unlock(&vm->mmu_lock);
}

/* Faults go to the owners of the permission hit, and only to them. */
static void trace_fault_routing(struct kunit *test)
{
	struct duet_vm *vm = bare_vm_new(test);
	struct owners *o = kunit_kzalloc(test, sizeof(*o), GFP_KERNEL);
	struct duet_trace *t = &vm->trace;

	KUNIT_ASSERT_NOT_NULL(test, o);
	owners_register(vm, o);
	o->log[BT_SEG].verdict = DUET_TRACE_DIVERT;
	trace_add_locked(vm, 7, 1, W, BT_CODE);
	trace_add_locked(vm, 7, 1, X, BT_SEG);
	trace_add_locked(vm, 7, 1, W, MIGR);

	/* A read hits no traced permission. */
	KUNIT_EXPECT_EQ(test, fault(vm, 7, false, false), DUET_TRACE_RETRY);
	/* Nor does a write elsewhere. */
	KUNIT_EXPECT_EQ(test, fault(vm, 8, true, false), DUET_TRACE_RETRY);
	KUNIT_EXPECT_EQ(test, o->log[BT_CODE].calls + o->log[BT_SEG].calls +
			o->log[MIGR].calls, 0);

	/* A write: both write owners, each trace dropped; X stays. */
	KUNIT_EXPECT_EQ(test, fault(vm, 7, true, false), DUET_TRACE_RETRY);
	KUNIT_EXPECT_EQ(test, o->log[BT_CODE].calls, 1);
	KUNIT_EXPECT_EQ(test, o->log[BT_CODE].gfn, 7);
	KUNIT_EXPECT_EQ(test, o->log[BT_CODE].first, 7);
	KUNIT_EXPECT_EQ(test, o->log[BT_CODE].npages, 1);
	KUNIT_EXPECT_EQ(test, o->log[BT_CODE].flag, W);
	KUNIT_EXPECT_EQ(test, o->log[MIGR].calls, 1);
	KUNIT_EXPECT_EQ(test, o->log[BT_SEG].calls, 0);
	KUNIT_EXPECT_EQ(test, duet_trace_bits(t, 7),
			duet_trace_owner_bits(X, BT_SEG));
	/* Once: the next write is not traced. */
	KUNIT_EXPECT_EQ(test, fault(vm, 7, true, false), DUET_TRACE_RETRY);
	KUNIT_EXPECT_EQ(test, o->log[BT_CODE].calls, 1);

	/* A fetch diverts and the exec trace stays. */
	KUNIT_EXPECT_EQ(test, fault(vm, 7, false, true), DUET_TRACE_DIVERT);
	KUNIT_EXPECT_EQ(test, o->log[BT_SEG].calls, 1);
	KUNIT_EXPECT_EQ(test, o->log[BT_SEG].flag, X);
	KUNIT_EXPECT_EQ(test, fault(vm, 7, false, true), DUET_TRACE_DIVERT);
	KUNIT_EXPECT_EQ(test, o->log[BT_SEG].calls, 2);
	KUNIT_EXPECT_EQ(test, duet_trace_prot(t, 7, RWX), NPT_PROT_WRITE);

	/* Without ops: a BT segment still diverts, BT code retries. */
	duet_trace_set_ops(vm, BT_SEG, NULL, NULL);
	duet_trace_set_ops(vm, BT_CODE, NULL, NULL);
	KUNIT_EXPECT_EQ(test, fault(vm, 7, false, true), DUET_TRACE_DIVERT);
	KUNIT_EXPECT_EQ(test, o->log[BT_SEG].calls, 2);
	trace_add_locked(vm, 9, 1, W, BT_CODE);
	KUNIT_EXPECT_EQ(test, fault(vm, 9, true, false), DUET_TRACE_RETRY);
	KUNIT_EXPECT_EQ(test, duet_trace_bits(t, 9), 0);
	KUNIT_EXPECT_EQ(test, o->log[BT_CODE].calls, 1);
}

/* A chunk-wide trace reports and drops the whole chunk. */
static void trace_fault_chunk(struct kunit *test)
{
	struct duet_vm *vm = bare_vm_new(test);
	struct owners *o = kunit_kzalloc(test, sizeof(*o), GFP_KERNEL);
	struct duet_trace *t = &vm->trace;

	KUNIT_ASSERT_NOT_NULL(test, o);
	owners_register(vm, o);
	trace_add_locked(vm, 0, 2 * CHUNK, W, MIGR);
	KUNIT_EXPECT_EQ(test, fault(vm, CHUNK + 3, true, false),
			DUET_TRACE_RETRY);
	KUNIT_EXPECT_EQ(test, o->log[MIGR].calls, 1);
	KUNIT_EXPECT_EQ(test, o->log[MIGR].gfn, CHUNK + 3);
	KUNIT_EXPECT_EQ(test, o->log[MIGR].first, CHUNK);
	KUNIT_EXPECT_EQ(test, o->log[MIGR].npages, CHUNK);
	KUNIT_EXPECT_EQ(test, duet_trace_prot(t, CHUNK, RWX), RWX);
	KUNIT_EXPECT_EQ(test, duet_trace_prot(t, 2 * CHUNK - 1, RWX), RWX);
	/* The other chunk is still traced. */
	KUNIT_EXPECT_EQ(test, duet_trace_prot(t, CHUNK - 1, RWX),
			NPT_PROT_EXEC);
	KUNIT_EXPECT_EQ(test, t->nr_entries, 1);
}

/*
 * End to end: a VM over NPAGES pages of the test thread's memory, with
 * the backend's nested page tables or hand-built ones of either format.
 */
#define GPA_BASE	0x200000ULL
#define NPAGES		4
#define GFN(i)		((GPA_BASE >> PAGE_SHIFT) + (i))

enum e2e_kind { E2E_BACKEND, E2E_NPT, E2E_EPT };

struct e2e {
	struct duet_vm *vm;
	struct duet_npt own;		/* E2E_NPT / E2E_EPT */
	enum e2e_kind kind;
	struct owners owners;
};

static void e2e_free(void *data)
{
	struct e2e *e = data;
	struct duet_vm *vm = e->vm;
	int i;

	if (e->kind == E2E_BACKEND)
		duet_ops->vm_destroy(vm);
	else
		duet_npt_destroy(&e->own);
	for (i = 0; i < DUET_MAX_MEMSLOTS; i++)
		if (vm->slots[i])
			duet_slot_free(vm, vm->slots[i]);
	duet_trace_destroy(&vm->trace);
	mmdrop(vm->mm);
	mutex_destroy(&vm->mmu_lock);
	kfree(vm);
}

static struct e2e *e2e_new(struct kunit *test, enum e2e_kind kind)
{
	struct e2e *e = kunit_kzalloc(test, sizeof(*e), GFP_KERNEL);
	struct duet_slot *slot;
	struct duet_vm *vm;
	unsigned long hva;
	int r;

	KUNIT_ASSERT_NOT_NULL(test, e);
	if (kind == E2E_BACKEND && (!duet_ops || !duet_ops->vm_init))
		kunit_skip(test, "the backend runs no guests");
	hva = kunit_vm_mmap(test, NULL, 0, NPAGES * PAGE_SIZE,
			    PROT_READ | PROT_WRITE,
			    MAP_ANONYMOUS | MAP_PRIVATE, 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR_VALUE(hva));
	KUNIT_ASSERT_NE(test, hva, 0);
	KUNIT_ASSERT_NOT_NULL(test, current->mm);

	vm = kzalloc(sizeof(*vm), GFP_KERNEL_ACCOUNT);
	KUNIT_ASSERT_NOT_NULL(test, vm);
	kref_init(&vm->kref);
	mutex_init(&vm->mmu_lock);
	duet_trace_init(&vm->trace);
	vm->mm = current->mm;
	mmgrab(vm->mm);
	e->vm = vm;
	e->kind = kind;
	if (kind == E2E_BACKEND) {
		r = duet_ops->vm_init(vm);
	} else {
		r = duet_npt_init(&e->own, 4,
				  kind == E2E_EPT ? DUET_NPT_EPT : DUET_NPT_AMD);
		vm->npt = &e->own;
	}
	if (r) {
		duet_trace_destroy(&vm->trace);
		mmdrop(vm->mm);
		kfree(vm);
		KUNIT_ASSERT_EQ(test, r, 0);
	}
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, e2e_free, e), 0);
	KUNIT_ASSERT_NOT_NULL(test, vm->npt);

	slot = kzalloc(sizeof(*slot), GFP_KERNEL_ACCOUNT);
	KUNIT_ASSERT_NOT_NULL(test, slot);
	slot->pages = kvcalloc(NPAGES, sizeof(*slot->pages), GFP_KERNEL);
	if (!slot->pages)
		kfree(slot);
	KUNIT_ASSERT_NOT_NULL(test, slot->pages);
	slot->base_gfn = GFN(0);
	slot->npages = NPAGES;
	slot->userspace_addr = hva;
	mutex_lock(&vm->mmu_lock);
	vm->slots[0] = slot;
	mutex_unlock(&vm->mmu_lock);
	owners_register(vm, &e->owners);
	return e;
}

/*
 * duet_trace_add() for the backend; for hand-built tables the same
 * without the TLB flush (no vCPU uses them).
 */
static int e2e_trace_add(struct e2e *e, u64 gfn, unsigned int flags,
			 enum duet_trace_owner owner)
{
	int r;

	if (e->kind == E2E_BACKEND)
		return duet_trace_add(e->vm, gfn, 1, flags, owner);
	mutex_lock(&e->vm->mmu_lock);
	r = __duet_trace_add(&e->vm->trace, gfn, 1, flags, owner);
	if (r > 0)
		duet_npt_unmap_range(e->vm->npt, gfn << PAGE_SHIFT, PAGE_SIZE);
	mutex_unlock(&e->vm->mmu_lock);
	return r < 0 ? r : 0;
}

static int e2e_fault(struct e2e *e, u64 gfn, bool write, bool fetch,
		     bool *mmio)
{
	*mmio = false;
	return duet_npt_fault_map(e->vm, e->vm->npt, gfn << PAGE_SHIFT, write,
				  fetch, mmio);
}

static u64 e2e_pte(struct e2e *e, u64 gfn)
{
	int level = 0;
	u64 pte;

	mutex_lock(&e->vm->mmu_lock);
	pte = duet_npt_lookup(e->vm->npt, gfn << PAGE_SHIFT, &level);
	mutex_unlock(&e->vm->mmu_lock);
	return pte;
}

static bool e2e_pte_writable(struct e2e *e, u64 pte)
{
	if (e->vm->npt->format == DUET_NPT_EPT)
		return pte & EPT_WRITABLE;
	return pte & NPT_WRITABLE;
}

static bool e2e_pte_exec(struct e2e *e, u64 pte)
{
	if (e->vm->npt->format == DUET_NPT_EPT)
		return pte & EPT_EXECUTABLE;
	return !(pte & NPT_NX);
}

static const enum e2e_kind e2e_kinds[] = { E2E_BACKEND, E2E_NPT, E2E_EPT };

static void e2e_kind_desc(const enum e2e_kind *k, char *desc)
{
	static const char *const names[] = {
		[E2E_BACKEND] = "backend", [E2E_NPT] = "npt", [E2E_EPT] = "ept",
	};

	strscpy(desc, names[*k], KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(e2e_kind, e2e_kinds, e2e_kind_desc);

/* Write trace: W out of the entry, the write calls BT, W comes back. */
static void trace_e2e_write(struct kunit *test)
{
	struct e2e *e = e2e_new(test, *(const enum e2e_kind *)test->param_value);
	struct owner_log *bt = &e->owners.log[BT_CODE];
	u64 gfn = GFN(1), pte;
	bool mmio;

	KUNIT_ASSERT_EQ(test, e2e_fault(e, gfn, false, false, &mmio), 0);
	KUNIT_ASSERT_FALSE(test, mmio);
	pte = e2e_pte(e, gfn);
	KUNIT_ASSERT_NE(test, pte, 0);
	KUNIT_EXPECT_TRUE(test, e2e_pte_writable(e, pte));
	KUNIT_EXPECT_TRUE(test, e2e_pte_exec(e, pte));

	KUNIT_ASSERT_EQ(test, e2e_trace_add(e, gfn, W, BT_CODE), 0);
	/* Unmapped: the next access faults and maps it read-only. */
	KUNIT_EXPECT_EQ(test, e2e_pte(e, gfn), 0);
	KUNIT_ASSERT_EQ(test, e2e_fault(e, gfn, false, false, &mmio), 0);
	KUNIT_EXPECT_FALSE(test, mmio);
	pte = e2e_pte(e, gfn);
	KUNIT_EXPECT_NE(test, pte, 0);
	KUNIT_EXPECT_FALSE(test, e2e_pte_writable(e, pte));
	KUNIT_EXPECT_TRUE(test, e2e_pte_exec(e, pte));
	KUNIT_EXPECT_EQ(test, bt->calls, 0);
	/* The other pages keep W. */
	KUNIT_ASSERT_EQ(test, e2e_fault(e, GFN(2), false, false, &mmio), 0);
	KUNIT_EXPECT_TRUE(test, e2e_pte_writable(e, e2e_pte(e, GFN(2))));

	/* The write: BT hears of it, not MMIO, mapped writable again. */
	KUNIT_ASSERT_EQ(test, e2e_fault(e, gfn, true, false, &mmio), 0);
	KUNIT_EXPECT_FALSE(test, mmio);
	KUNIT_EXPECT_EQ(test, bt->calls, 1);
	KUNIT_EXPECT_EQ(test, bt->gfn, gfn);
	KUNIT_EXPECT_EQ(test, bt->flag, W);
	pte = e2e_pte(e, gfn);
	KUNIT_EXPECT_TRUE(test, e2e_pte_writable(e, pte));
	KUNIT_EXPECT_EQ(test, duet_trace_bits(&e->vm->trace, gfn), 0);

	/* Traced again while mapped writable: W goes at once. */
	KUNIT_ASSERT_EQ(test, e2e_trace_add(e, gfn, W, BT_CODE), 0);
	KUNIT_EXPECT_EQ(test, e2e_pte(e, gfn), 0);
	/* Deleted before any write: the write maps W, no call. */
	KUNIT_ASSERT_EQ(test, duet_trace_del(e->vm, gfn, 1, W, BT_CODE), 0);
	KUNIT_ASSERT_EQ(test, e2e_fault(e, gfn, true, false, &mmio), 0);
	KUNIT_EXPECT_TRUE(test, e2e_pte_writable(e, e2e_pte(e, gfn)));
	KUNIT_EXPECT_EQ(test, bt->calls, 1);

	/* Outside every slot it is still MMIO. */
	KUNIT_EXPECT_EQ(test, e2e_fault(e, GFN(NPAGES), true, false, &mmio), 0);
	KUNIT_EXPECT_TRUE(test, mmio);
}

/* Exec trace: X out of the entry, a fetch diverts, reads and writes do not. */
static void trace_e2e_exec(struct kunit *test)
{
	struct e2e *e = e2e_new(test, *(const enum e2e_kind *)test->param_value);
	struct owner_log *seg = &e->owners.log[BT_SEG];
	u64 gfn = GFN(3), pte;
	bool mmio;

	seg->verdict = DUET_TRACE_DIVERT;
	KUNIT_ASSERT_EQ(test, e2e_fault(e, gfn, false, true, &mmio), 0);
	KUNIT_EXPECT_TRUE(test, e2e_pte_exec(e, e2e_pte(e, gfn)));

	KUNIT_ASSERT_EQ(test, e2e_trace_add(e, gfn, X, BT_SEG), 0);
	KUNIT_EXPECT_EQ(test, e2e_pte(e, gfn), 0);
	/* A write maps it, writable but not executable. */
	KUNIT_ASSERT_EQ(test, e2e_fault(e, gfn, true, false, &mmio), 0);
	KUNIT_EXPECT_FALSE(test, mmio);
	pte = e2e_pte(e, gfn);
	KUNIT_EXPECT_NE(test, pte, 0);
	KUNIT_EXPECT_TRUE(test, e2e_pte_writable(e, pte));
	KUNIT_EXPECT_FALSE(test, e2e_pte_exec(e, pte));
	if (e->vm->npt->format == DUET_NPT_AMD)
		KUNIT_EXPECT_TRUE(test, pte & NPT_NX);
	KUNIT_EXPECT_EQ(test, seg->calls, 0);

	/* The fetch: divert, nothing mapped differently, trace kept. */
	KUNIT_EXPECT_EQ(test, e2e_fault(e, gfn, false, true, &mmio),
			DUET_NPT_FAULT_DIVERT);
	KUNIT_EXPECT_FALSE(test, mmio);
	KUNIT_EXPECT_EQ(test, seg->calls, 1);
	KUNIT_EXPECT_EQ(test, seg->flag, X);
	KUNIT_EXPECT_EQ(test, e2e_pte(e, gfn), pte);
	KUNIT_EXPECT_EQ(test, duet_trace_prot(&e->vm->trace, gfn, RWX),
			NPT_PROT_WRITE);

	/* Deleted: the fetch maps it executable. */
	KUNIT_ASSERT_EQ(test, duet_trace_del(e->vm, gfn, 1, X, BT_SEG), 0);
	KUNIT_ASSERT_EQ(test, e2e_fault(e, gfn, false, true, &mmio), 0);
	KUNIT_EXPECT_TRUE(test, e2e_pte_exec(e, e2e_pte(e, gfn)));
	KUNIT_EXPECT_EQ(test, seg->calls, 1);
}

static struct kunit_case duet_mmu_trace_cases[] = {
	KUNIT_CASE(trace_flags_combine),
	KUNIT_CASE(trace_del_restores),
	KUNIT_CASE(trace_bad_args),
	KUNIT_CASE(trace_chunks),
	KUNIT_CASE(trace_2m_refused),
	KUNIT_CASE(trace_del_splits_chunk),
	KUNIT_CASE(trace_bounded),
	KUNIT_CASE(trace_fault_routing),
	KUNIT_CASE(trace_fault_chunk),
	KUNIT_CASE_PARAM(trace_e2e_write, e2e_kind_gen_params),
	KUNIT_CASE_PARAM(trace_e2e_exec, e2e_kind_gen_params),
	{}
};

static struct kunit_suite duet_mmu_trace_suite = {
	.name = "duet_mmu_trace",
	.test_cases = duet_mmu_trace_cases,
};

kunit_test_suite(duet_mmu_trace_suite);
