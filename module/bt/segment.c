// SPDX-License-Identifier: GPL-2.0
/*
 * The per-VM registry of vulnerable segments: guest-linear ranges that the
 * translator runs under the stall barrier (netlink bt-segment-add/del/dump,
 * `duet bt segment`, `duet bt scan ... register`).
 *
 * Lookups by RIP come from every vCPU exit and from the translator, so they
 * take no lock: the segments are a sorted array of non-overlapping ranges,
 * replaced as a whole on every change (copy, then rcu_assign_pointer()) and
 * searched under rcu_read_lock().  Changes are rare and serialised by the
 * registry's mutex.  The hit counters live in one object per segment, found
 * by id in an xarray, so that they survive the array's replacement; a
 * deleted segment is freed after a grace period, when no hit can still
 * reach it.
 */
#include <linux/atomic.h>
#include <linux/mutex.h>
#include <linux/overflow.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/xarray.h>

#include "../duet.h"
#include "bt.h"

struct duet_bt_segment {
	u32 id;
	u64 start, len;
	atomic64_t hits;
	struct rcu_head rcu;
};

/* One range of the sorted array. */
struct duet_bt_range {
	u64 start, end;			/* [start, end) */
	u32 id;
};

struct duet_bt_table {
	struct rcu_head rcu;
	u32 nr;
	struct duet_bt_range r[];
};

struct duet_bt_segments {
	struct mutex lock;		/* serialises add and del */
	struct duet_bt_table __rcu *table;
	struct xarray ids;		/* id -> struct duet_bt_segment */
	u32 next_id;
};

int duet_bt_segments_create(struct duet_vm *vm)
{
	struct duet_bt_segments *s;

	s = kzalloc(sizeof(*s), GFP_KERNEL_ACCOUNT);
	if (!s)
		return -ENOMEM;
	mutex_init(&s->lock);
	xa_init_flags(&s->ids, XA_FLAGS_ALLOC1 | XA_FLAGS_ACCOUNT);
	vm->bt_segments = s;
	return 0;
}

/* At VM free: no vCPU and no netlink handler holds the VM any more. */
void duet_bt_segments_destroy(struct duet_vm *vm)
{
	struct duet_bt_segments *s = vm->bt_segments;
	struct duet_bt_segment *seg;
	unsigned long id;

	if (!s)
		return;
	xa_for_each(&s->ids, id, seg)
		kfree(seg);
	xa_destroy(&s->ids);
	kfree(rcu_dereference_protected(s->table, true));
	kfree(s);
	vm->bt_segments = NULL;
}

/* Index of the last range starting at or below @addr, or -1. */
static int duet_bt_table_find(const struct duet_bt_table *t, u64 addr)
{
	int lo = 0, hi = (int)t->nr - 1, found = -1;

	while (lo <= hi) {
		int mid = lo + (hi - lo) / 2;

		if (t->r[mid].start <= addr) {
			found = mid;
			lo = mid + 1;
		} else {
			hi = mid - 1;
		}
	}
	return found;
}

u32 duet_bt_segment_at(struct duet_vm *vm, u64 rip, u64 *end)
{
	const struct duet_bt_table *t;
	u32 id = 0;
	int i;

	rcu_read_lock();
	/* Pairs with rcu_assign_pointer() in duet_bt_table_replace(). */
	t = rcu_dereference(vm->bt_segments->table);
	if (t) {
		i = duet_bt_table_find(t, rip);
		if (i >= 0 && rip < t->r[i].end) {
			id = t->r[i].id;
			*end = t->r[i].end;
		}
	}
	rcu_read_unlock();
	return id;
}
EXPORT_SYMBOL_IF_DUET_KUNIT(duet_bt_segment_at);

void duet_bt_segment_hit(struct duet_vm *vm, u32 id)
{
	struct duet_bt_segment *seg;

	/* A segment deleted meanwhile is freed only after this section. */
	rcu_read_lock();
	seg = xa_load(&vm->bt_segments->ids, id);
	if (seg)
		atomic64_inc(&seg->hits);
	rcu_read_unlock();
}
EXPORT_SYMBOL_IF_DUET_KUNIT(duet_bt_segment_hit);

static void duet_bt_table_replace(struct duet_bt_segments *s,
				  struct duet_bt_table *old,
				  struct duet_bt_table *new)
{
	rcu_assign_pointer(s->table, new);
	if (old)
		kfree_rcu(old, rcu);
}

int duet_bt_segment_add(struct duet_vm *vm, u64 start, u64 len, u32 *id)
{
	struct duet_bt_segments *s = vm->bt_segments;
	struct duet_bt_table *old, *new;
	struct duet_bt_segment *seg;
	u32 nr = 0, pos;
	u64 end;
	int i, err;

	if (!len || check_add_overflow(start, len, &end))
		return -EINVAL;

	mutex_lock(&s->lock);
	old = rcu_dereference_protected(s->table, lockdep_is_held(&s->lock));
	if (old)
		nr = old->nr;
	err = -ENOSPC;
	if (nr >= DUET_BT_MAX_SEGMENTS)
		goto out_unlock;
	/* The neighbours of [start, end): the one before and the one after. */
	i = old ? duet_bt_table_find(old, start) : -1;
	if ((i >= 0 && old->r[i].end > start) ||
	    (i + 1 < (int)nr && old->r[i + 1].start < end)) {
		err = -EEXIST;
		goto out_unlock;
	}
	pos = i + 1;

	err = -ENOMEM;
	seg = kzalloc(sizeof(*seg), GFP_KERNEL_ACCOUNT);
	if (!seg)
		goto out_unlock;
	new = kmalloc(struct_size(new, r, nr + 1), GFP_KERNEL_ACCOUNT);
	if (!new)
		goto err_free_seg;
	seg->start = start;
	seg->len = len;
	atomic64_set(&seg->hits, 0);
	err = xa_alloc_cyclic(&s->ids, &seg->id, seg, xa_limit_32b,
			      &s->next_id, GFP_KERNEL_ACCOUNT);
	if (err < 0)
		goto err_free_new;

	new->nr = nr + 1;
	if (pos)
		memcpy(new->r, old->r, pos * sizeof(new->r[0]));
	new->r[pos] = (struct duet_bt_range){ start, end, seg->id };
	if (nr > pos)
		memcpy(&new->r[pos + 1], &old->r[pos],
		       (nr - pos) * sizeof(new->r[0]));
	duet_bt_table_replace(s, old, new);
	*id = seg->id;
	mutex_unlock(&s->lock);
	return 0;

err_free_new:
	kfree(new);
err_free_seg:
	kfree(seg);
out_unlock:
	mutex_unlock(&s->lock);
	return err;
}
EXPORT_SYMBOL_IF_DUET_KUNIT(duet_bt_segment_add);

int duet_bt_segment_del(struct duet_vm *vm, u32 id)
{
	struct duet_bt_segments *s = vm->bt_segments;
	struct duet_bt_table *old, *new = NULL;
	struct duet_bt_segment *seg;
	u32 i, j;
	int err = -ENOENT;

	mutex_lock(&s->lock);
	seg = xa_load(&s->ids, id);
	if (!seg)
		goto out_unlock;
	old = rcu_dereference_protected(s->table, lockdep_is_held(&s->lock));
	if (old->nr > 1) {
		err = -ENOMEM;
		new = kmalloc(struct_size(new, r, old->nr - 1),
			      GFP_KERNEL_ACCOUNT);
		if (!new)
			goto out_unlock;
		new->nr = old->nr - 1;
		for (i = 0, j = 0; i < old->nr; i++)
			if (old->r[i].id != id)
				new->r[j++] = old->r[i];
	}
	duet_bt_table_replace(s, old, new);
	xa_erase(&s->ids, id);
	kfree_rcu(seg, rcu);
	err = 0;
out_unlock:
	mutex_unlock(&s->lock);
	return err;
}
EXPORT_SYMBOL_IF_DUET_KUNIT(duet_bt_segment_del);

int duet_bt_segment_next(struct duet_vm *vm, unsigned long *id,
			 struct duet_bt_segment_info *info)
{
	struct duet_bt_segments *s = vm->bt_segments;
	struct duet_bt_segment *seg;
	int err = -ENOENT;

	mutex_lock(&s->lock);
	seg = xa_find(&s->ids, id, U32_MAX, XA_PRESENT);
	if (seg) {
		info->id = seg->id;
		info->start = seg->start;
		info->len = seg->len;
		info->hits = atomic64_read(&seg->hits);
		err = 0;
	}
	mutex_unlock(&s->lock);
	return err;
}
EXPORT_SYMBOL_IF_DUET_KUNIT(duet_bt_segment_next);
