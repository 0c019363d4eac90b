// SPDX-License-Identifier: GPL-2.0
/*
 * Guest-physical memory as the VMM maps it: reads, writes and the
 * compare-exchange of a guest page walk, through each memslot's
 * userspace address with the ordinary user-access primitives.
 *
 * Callers run in the VMM's own thread (DUET_RUN refuses any other mm), so
 * a slot's userspace_addr is an address of the current mm.  mmu_lock
 * covers the slot lookup only: the copy runs without it, may fault and
 * sleep, and a slot deleted meanwhile leaves at worst an access to memory
 * the VMM itself owns (or -EFAULT), never to freed kernel memory.  Pages
 * the nested page tables map are pinned writable (memslot.c), so a copy
 * through the VMM's mapping reaches the same page the guest sees.
 *
 * Errors: -ENOENT when no slot backs a byte, -EPERM for a write to a
 * DUET_MEM_READONLY slot, -EFAULT when the VMM's mapping is gone.
 *
 * Write traces (mmu/trace.h): a write here bypasses the nested page
 * tables, so the page's write owners are told after the bytes change, as
 * a guest write through the nested page tables would tell them: the
 * translator drops what it translated from the page, migration sees it
 * dirty.  The VM's bt_mem_gen, bumped when a page gains a write trace,
 * is read before the lookup and again after the copy, so that a trace
 * added meanwhile (the translator reads a code page's bytes only after
 * tracing it) is told too.
 */
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/uaccess.h>

#include "../duet.h"

/*
 * The VMM's address of @gpa and the bytes its slot has from there; only
 * the lookup runs under mmu_lock.  For a write, *@traced says whether
 * the page is write-traced, and *@room ends at the page's end when the VM
 * traces anything (a trace is per page).
 */
static int duet_gpa_lookup(struct duet_vm *vm, u64 gpa, bool write,
			   unsigned long *hva, u64 *room, bool *traced)
{
	struct duet_slot *slot;
	u64 off;
	int r = 0;

	if (current->mm != vm->mm)
		return -EFAULT;
	mutex_lock(&vm->mmu_lock);
	slot = duet_slot_find(vm, gpa >> PAGE_SHIFT);
	if (!slot) {
		r = -ENOENT;
	} else if (write && (slot->flags & DUET_MEM_READONLY)) {
		r = -EPERM;
	} else {
		off = gpa - (slot->base_gfn << PAGE_SHIFT);
		*hva = slot->userspace_addr + off;
		*room = (slot->npages << PAGE_SHIFT) - off;
		if (write && vm->trace.nr_entries) {
			*room = min_t(u64, *room,
				      PAGE_SIZE - offset_in_page(gpa));
			*traced = duet_trace_write_traced(vm,
							  gpa >> PAGE_SHIFT);
		}
	}
	mutex_unlock(&vm->mmu_lock);
	return r;
}

/*
 * The VMM's address of @gpa, for the caller's own accesses.  A write
 * through it must not reach a write-traced page unseen: -EAGAIN when the
 * page is traced (write through duet_gpa_write() instead), and the caller
 * looks again when the VM's bt_mem_gen moves.
 */
int duet_gpa_to_hva(struct duet_vm *vm, u64 gpa, bool write,
		    unsigned long *hva, u64 *room)
{
	bool traced = false;
	int r;

	r = duet_gpa_lookup(vm, gpa, write, hva, room, &traced);
	return !r && traced ? -EAGAIN : r;
}

/*
 * @gpa's page was just written outside the nested page tables: tell its
 * write owners (trace.h) if the lookup found it traced or a trace was
 * added since @gen was read.
 */
void duet_gpa_written(struct duet_vm *vm, u64 gpa, bool traced, int gen)
{
	/* Order the bytes written before the look at the generation. */
	smp_mb();
	if (!traced && atomic_read(&vm->bt_mem_gen) == gen)
		return;
	mutex_lock(&vm->mmu_lock);
	duet_trace_fault(vm, gpa >> PAGE_SHIFT, true, false);
	mutex_unlock(&vm->mmu_lock);
}

/* Copy [@gpa, @gpa + @len) to or from @buf, slot by slot. */
static int duet_gpa_copy(struct duet_vm *vm, u64 gpa, void *buf, u64 len,
			 bool write)
{
	unsigned long hva;
	bool traced;
	u64 room, n;
	int r, gen;

	while (len) {
		traced = false;
		gen = atomic_read(&vm->bt_mem_gen);
		r = duet_gpa_lookup(vm, gpa, write, &hva, &room, &traced);
		if (r)
			return r;
		n = min(len, room);
		if (write ? copy_to_user((void __user *)hva, buf, n) :
			    copy_from_user(buf, (const void __user *)hva, n))
			return -EFAULT;
		if (write)
			duet_gpa_written(vm, gpa, traced, gen);
		gpa += n;
		buf = (u8 *)buf + n;
		len -= n;
	}
	return 0;
}

int duet_gpa_read(struct duet_vm *vm, u64 gpa, void *buf, u64 len)
{
	return duet_gpa_copy(vm, gpa, buf, len, false);
}

int duet_gpa_write(struct duet_vm *vm, u64 gpa, const void *buf, u64 len)
{
	/* Not written through: the write direction only reads @buf. */
	return duet_gpa_copy(vm, gpa, (void *)buf, len, true);
}

/*
 * Is [@gpa, @gpa + @len) guest RAM (and writable, for @write)?  Only the
 * slots are checked, not the VMM's mapping behind them.
 */
int duet_gpa_probe(struct duet_vm *vm, u64 gpa, u64 len, bool write)
{
	unsigned long hva;
	bool traced;
	u64 room;
	int r;

	while (len) {
		r = duet_gpa_lookup(vm, gpa, write, &hva, &room, &traced);
		if (r)
			return r;
		room = min(len, room);
		gpa += room;
		len -= room;
	}
	return 0;
}

/*
 * Atomically replace the naturally aligned @size-byte (4 or 8) value at
 * @gpa by @new if it is still @old, as the CPU's locked update of a
 * paging-structure entry does.  -EAGAIN when it was not @old.
 */
int duet_gpa_cmpxchg(struct duet_vm *vm, u64 gpa, u64 old, u64 new,
		     unsigned int size)
{
	bool traced = false;
	unsigned long hva;
	u64 room;
	int r, gen;

	if ((size != 4 && size != 8) || !IS_ALIGNED(gpa, size))
		return -EINVAL;
	gen = atomic_read(&vm->bt_mem_gen);
	r = duet_gpa_lookup(vm, gpa, true, &hva, &room, &traced);
	if (r)
		return r;
	/* __try_cmpxchg_user() does not check the address itself. */
	if (!access_ok((void __user *)hva, size))
		return -EFAULT;
	if (size == 8) {
		u64 __user *p = (u64 __user *)hva;
		u64 cur = old;

		r = __try_cmpxchg_user(p, &cur, new, efault8);
	} else {
		u32 __user *p = (u32 __user *)hva;
		u32 cur = old;

		r = __try_cmpxchg_user(p, &cur, (u32)new, efault4);
	}
	/* 0: swapped, 1: the value differed, -EFAULT: no mapping. */
	if (r > 0)
		return -EAGAIN;
	if (!r)
		duet_gpa_written(vm, gpa, traced, gen);
	return r;
}

static int duet_gpa_read_pte(void *opaque, u64 gpa, u64 *val,
			     unsigned int size)
{
	u64 v = 0;
	int r;

	/* Little-endian: a 4-byte entry lands in the low half. */
	r = duet_gpa_read(opaque, gpa, &v, size);
	*val = v;
	return r;
}

static int duet_gpa_cmpxchg_pte(void *opaque, u64 gpa, u64 old, u64 new,
				unsigned int size)
{
	return duet_gpa_cmpxchg(opaque, gpa, old, new, size);
}

/* The guest's own paging-structure entries, for walks; @opaque is the VM. */
const struct duet_pte_ops duet_gpa_pte_ops = {
	.read_pte = duet_gpa_read_pte,
	.cmpxchg_pte = duet_gpa_cmpxchg_pte,
};
