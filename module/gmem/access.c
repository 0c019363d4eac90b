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
 */
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/uaccess.h>

#include "../duet.h"

/*
 * The VMM's address of @gpa and the bytes its slot has from there; only
 * the lookup runs under mmu_lock.
 */
int duet_gpa_to_hva(struct duet_vm *vm, u64 gpa, bool write,
		    unsigned long *hva, u64 *room)
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
	}
	mutex_unlock(&vm->mmu_lock);
	return r;
}

/* Copy [@gpa, @gpa + @len) to or from @buf, slot by slot. */
static int duet_gpa_copy(struct duet_vm *vm, u64 gpa, void *buf, u64 len,
			 bool write)
{
	unsigned long hva;
	u64 room, n;
	int r;

	while (len) {
		r = duet_gpa_to_hva(vm, gpa, write, &hva, &room);
		if (r)
			return r;
		n = min(len, room);
		if (write ? copy_to_user((void __user *)hva, buf, n) :
			    copy_from_user(buf, (const void __user *)hva, n))
			return -EFAULT;
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
	u64 room;
	int r;

	while (len) {
		r = duet_gpa_to_hva(vm, gpa, write, &hva, &room);
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
	unsigned long hva;
	u64 room;
	int r;

	if ((size != 4 && size != 8) || !IS_ALIGNED(gpa, size))
		return -EINVAL;
	r = duet_gpa_to_hva(vm, gpa, true, &hva, &room);
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
