// SPDX-License-Identifier: GPL-2.0
/*
 * The per-VM stall barrier: while one vCPU runs a vulnerable segment (or
 * an operator freezes the VM with netlink vm-stall), every other vCPU of
 * the VM stays out of guest mode.  It sits above the backend ops and works
 * the same on SVM and VMX.
 *
 * The barrier is vm->stall.owner.  Taking it is a store-load handshake
 * with each backend's entry, the one DUET_KICK uses: the requester stores
 * the owner and then, after a full barrier, reads every other vCPU's
 * mode; a vCPU about to enter stores IN_GUEST_MODE with smp_store_mb()
 * and then, with interrupts off, reads the owner (duet_vcpu_should_leave()).
 * Either the vCPU sees the owner and does not enter, or the requester
 * sees IN_GUEST_MODE, sends the reschedule IPI (an intercepted physical
 * interrupt, held until the entry and then exiting the guest at once) and
 * waits for the mode to drop.  The backends' inner loops leave on
 * duet_vcpu_should_leave(), and duet_vcpu_run() then parks the vCPU in
 * duet_stall_wait() before every call of the backend, so a vCPU created
 * during a stall, or one whose thread comes back from userspace, is held
 * before its first entry.  vCPUs in userspace, halted or in that wait
 * count as stalled.
 *
 * Requesters are serialised by the owner field itself: one waiting for
 * its turn sleeps outside guest mode, so the holder, which waits only for
 * vCPUs in guest mode, never waits for it.  Nothing waits while holding
 * the barrier except that bounded handshake; the VM's maximum stall time
 * bounds the rest: the owner's duet_stall_check() and every waiter
 * release a barrier held longer than that, whoever notices first, so the
 * bound holds even when the owner's thread stops (a signal, a debugger,
 * an exit to userspace in the middle of a segment).
 */
#include <linux/bitmap.h>
#include <linux/delay.h>
#include <linux/hrtimer.h>
#include <linux/ktime.h>
#include <linux/sched.h>
#include <linux/wait.h>

#include "../duet.h"
#include "../trace.h"
#include "bt.h"

/* How long duet_stall_begin() waits for the other vCPUs to leave guest mode. */
#define DUET_STALL_ACK_TIMEOUT_NS	(100 * NSEC_PER_MSEC)
/* ... for vCPUs in BT, spinning this long first, then polling at this interval. */
#define DUET_STALL_SPIN_NS		(20 * NSEC_PER_USEC)
#define DUET_STALL_POLL_US		10

void duet_stall_init(struct duet_vm *vm)
{
	struct duet_stall *s = &vm->stall;

	spin_lock_init(&s->lock);
	init_waitqueue_head(&s->wq);
	s->owner_id = -1;
	s->max_ns = (u64)DUET_STALL_DEFAULT_MAX_US * NSEC_PER_USEC;
}
EXPORT_SYMBOL_IF_DUET_KUNIT(duet_stall_init);

/* What stands for the caller in vm->stall.owner. */
static void *duet_stall_token(struct duet_vcpu *self)
{
	return self ? (void *)self : (void *)current;
}

enum duet_stall_why {
	DUET_STALL_END,			/* the owner's duet_stall_end() */
	DUET_STALL_LIMIT,		/* held past the VM's maximum */
	DUET_STALL_NO_ACK,		/* a vCPU stayed in guest mode */
};

/* Release the barrier, held; drop @s->lock, taken by the caller. */
static void duet_stall_release(struct duet_vm *vm, enum duet_stall_why why)
	__releases(&vm->stall.lock)
{
	struct duet_stall *s = &vm->stall;
	struct duet_vm_stats *st = &vm->stats;
	u64 ns = ktime_get_ns() - s->start_ns;
	int id = s->owner_id;

	if (why == DUET_STALL_NO_ACK) {
		st->stall_wait_timeouts++;
	} else {
		st->stalls++;
		st->stall_ns += ns;
		st->stall_max_ns = max(st->stall_max_ns, ns);
		if (why == DUET_STALL_LIMIT)
			st->stall_timeouts++;
	}
	s->owner_id = -1;
	/*
	 * Pairs with smp_load_acquire() in duet_vcpu_stalled(): a vCPU
	 * that enters after seeing the barrier free sees what the owner
	 * wrote under it.
	 */
	smp_store_release(&s->owner, NULL);
	spin_unlock(&s->lock);
	/* Traced before the wake-up, which may preempt us for a waiter. */
	if (why != DUET_STALL_NO_ACK)
		trace_duet_stall_end(vm->id, id, ns, why == DUET_STALL_LIMIT);
	wake_up_all(&s->wq);
}

/* Release barrier number @seq if it is still held past the VM's limit. */
static void duet_stall_expire(struct duet_vm *vm, u64 seq)
{
	struct duet_stall *s = &vm->stall;

	spin_lock(&s->lock);
	if (s->owner && s->seq == seq &&
	    ktime_get_ns() - s->start_ns >= s->max_ns) {
		duet_stall_release(vm, DUET_STALL_LIMIT);
		return;
	}
	spin_unlock(&s->lock);
}

static bool duet_stall_free_for(struct duet_stall *s, const void *me)
{
	void *owner = READ_ONCE(s->owner);

	return !owner || owner == me;
}

/*
 * Sleep until @vm's barrier is free or held by @me: 0, or -EINTR on a
 * signal.  A barrier held past the VM's limit is released here.
 */
static int duet_stall_wait_free(struct duet_vm *vm, const void *me)
{
	struct duet_stall *s = &vm->stall;
	u64 deadline, now, seq;
	int r;

	for (;;) {
		spin_lock(&s->lock);
		if (!s->owner || s->owner == me) {
			spin_unlock(&s->lock);
			return 0;
		}
		seq = s->seq;
		deadline = s->start_ns + s->max_ns;
		spin_unlock(&s->lock);

		now = ktime_get_ns();
		if (now >= deadline) {
			duet_stall_expire(vm, seq);
			continue;
		}
		r = wait_event_interruptible_hrtimeout(s->wq,
						       duet_stall_free_for(s, me),
						       ns_to_ktime(deadline - now));
		if (r == -ERESTARTSYS)
			return -EINTR;
	}
}

/*
 * Hold @vcpu out of guest mode while someone else holds its VM's barrier
 * (duet_vcpu_run(), before each entry): 0 once released, -EINTR on a
 * signal.  The vCPU is out of guest mode, so it counts as stalled.
 */
int duet_stall_wait(struct duet_vcpu *vcpu)
{
	return duet_stall_wait_free(vcpu->vm, vcpu);
}
EXPORT_SYMBOL_IF_DUET_KUNIT(duet_stall_wait);

/*
 * Wait until no vCPU of @vm but @self is in guest mode, sending each one
 * seen there the IPI once; the barrier is held.  0, or -ETIMEDOUT after
 * DUET_STALL_ACK_TIMEOUT_NS.  *@kicked: the vCPUs sent the IPI.
 */
static int duet_stall_wait_acks(struct duet_vm *vm, struct duet_vcpu *self,
				unsigned int *kicked)
{
	DECLARE_BITMAP(sent, DUET_MAX_VCPUS);
	u64 start = ktime_get_ns(), now;
	u64 deadline = start + DUET_STALL_ACK_TIMEOUT_NS;
	struct duet_vcpu *vcpu;
	unsigned int busy, i;
	bool in_bt;

	bitmap_zero(sent, DUET_MAX_VCPUS);
	*kicked = 0;
	for (;;) {
		busy = 0;
		in_bt = false;
		/* mmu_lock keeps the vCPUs from being freed (duet_vcpu_release()). */
		mutex_lock(&vm->mmu_lock);
		for (i = 0; i < DUET_MAX_VCPUS; i++) {
			vcpu = vm->vcpus[i];
			if (!vcpu || vcpu == self ||
			    READ_ONCE(vcpu->mode) != IN_GUEST_MODE)
				continue;
			busy++;
			in_bt |= READ_ONCE(vcpu->bt_active);
			if (!__test_and_set_bit(i, sent)) {
				duet_vcpu_ipi(vcpu);
				(*kicked)++;
			}
		}
		mutex_unlock(&vm->mmu_lock);
		if (!busy)
			return 0;
		now = ktime_get_ns();
		if (now >= deadline)
			return -ETIMEDOUT;
		/*
		 * A vCPU in hardware is on its CPU (preemption off) and
		 * leaves at the IPI: spin for it.  A vCPU in BT is in guest
		 * mode while its thread runs in the kernel, preemptible: the
		 * IPI cannot help one that is off its CPU (preempted, or
		 * runnable behind us on this one), and spinning would keep
		 * it off until the tick.  For those, spin only briefly, then
		 * sleep between looks so that the scheduler runs them to
		 * their next check.
		 */
		if (!in_bt || now - start < DUET_STALL_SPIN_NS) {
			cond_resched();
			cpu_relax();
		} else {
			usleep_range(DUET_STALL_POLL_US, 2 * DUET_STALL_POLL_US);
		}
	}
}

int duet_stall_begin(struct duet_vm *vm, struct duet_vcpu *self)
{
	struct duet_stall *s = &vm->stall;
	void *me = duet_stall_token(self);
	int mode = OUTSIDE_GUEST_MODE;
	unsigned int kicked;
	int r;

	might_sleep();
	/*
	 * Out of guest mode while waiting, so that the holder before us
	 * never waits for us; back in it (a BT caller) once we hold it.
	 */
	if (self) {
		mode = READ_ONCE(self->mode);
		WRITE_ONCE(self->mode, OUTSIDE_GUEST_MODE);
	}
	for (;;) {
		r = duet_stall_wait_free(vm, me);
		if (r)
			return r;
		spin_lock(&s->lock);
		if (!s->owner)
			break;
		spin_unlock(&s->lock);
	}
	s->seq++;
	s->start_ns = ktime_get_ns();
	s->owner_id = self ? self->id : -1;
	WRITE_ONCE(s->owner, me);
	spin_unlock(&s->lock);
	/*
	 * Pairs with smp_store_mb() of vcpu->mode in svm_enter_guest() and
	 * vmx_enter_guest(): each vCPU either sees the owner after
	 * publishing IN_GUEST_MODE and does not enter, or we see
	 * IN_GUEST_MODE below and wait for it to leave.
	 */
	smp_mb();

	r = duet_stall_wait_acks(vm, self, &kicked);
	if (r) {
		spin_lock(&s->lock);
		if (s->owner == me)
			duet_stall_release(vm, DUET_STALL_NO_ACK);
		else
			spin_unlock(&s->lock);
		return r;
	}
	trace_duet_stall_begin(vm->id, self ? (int)self->id : -1, kicked);
	if (mode == IN_GUEST_MODE) {
		/*
		 * Back in guest mode (BT) before running guest code again,
		 * ordered before the next requester's read of it, as in
		 * svm_enter_guest().
		 */
		smp_store_mb(self->mode, IN_GUEST_MODE);
	}
	return 0;
}
EXPORT_SYMBOL_IF_DUET_KUNIT(duet_stall_begin);

bool duet_stall_check(struct duet_vm *vm, struct duet_vcpu *self)
{
	struct duet_stall *s = &vm->stall;

	spin_lock(&s->lock);
	if (s->owner != duet_stall_token(self)) {
		/* Released by the limit already, and counted there. */
		spin_unlock(&s->lock);
		return false;
	}
	if (ktime_get_ns() - s->start_ns >= s->max_ns) {
		duet_stall_release(vm, DUET_STALL_LIMIT);
		return false;
	}
	spin_unlock(&s->lock);
	return true;
}
EXPORT_SYMBOL_IF_DUET_KUNIT(duet_stall_check);

void duet_stall_end(struct duet_vm *vm, struct duet_vcpu *self)
{
	struct duet_stall *s = &vm->stall;

	spin_lock(&s->lock);
	if (s->owner == duet_stall_token(self)) {
		duet_stall_release(vm, DUET_STALL_END);
		return;
	}
	spin_unlock(&s->lock);
}
EXPORT_SYMBOL_IF_DUET_KUNIT(duet_stall_end);

/*
 * @vcpu's file is being released: a barrier it still holds (its thread
 * returned to userspace inside a segment) is released now rather than at
 * the limit.
 */
void duet_stall_vcpu_gone(struct duet_vcpu *vcpu)
{
	duet_stall_end(vcpu->vm, vcpu);
}
EXPORT_SYMBOL_IF_DUET_KUNIT(duet_stall_vcpu_gone);

/* netlink vm-set max-stall-us: 0 or -EINVAL. */
int duet_stall_set_max(struct duet_vm *vm, u32 us)
{
	if (!us || us > DUET_STALL_MAX_US)
		return -EINVAL;
	spin_lock(&vm->stall.lock);
	vm->stall.max_ns = (u64)us * NSEC_PER_USEC;
	spin_unlock(&vm->stall.lock);
	return 0;
}
EXPORT_SYMBOL_IF_DUET_KUNIT(duet_stall_set_max);

/* The stall counters and limit of @vm, for netlink vm-get. */
void duet_stall_snapshot(struct duet_vm *vm, struct duet_vm_info *info)
{
	struct duet_vm_stats *st = &vm->stats;

	spin_lock(&vm->stall.lock);
	info->stats.stalls = st->stalls;
	info->stats.stall_ns = st->stall_ns;
	info->stats.stall_max_ns = st->stall_max_ns;
	info->stats.stall_timeouts = st->stall_timeouts;
	info->stats.stall_wait_timeouts = st->stall_wait_timeouts;
	info->max_stall_us = div_u64(vm->stall.max_ns, NSEC_PER_USEC);
	spin_unlock(&vm->stall.lock);
}
EXPORT_SYMBOL_IF_DUET_KUNIT(duet_stall_snapshot);

/*
 * netlink vm-stall: hold @vm's vCPUs out of guest mode for @us
 * microseconds from the calling thread, or until the VM's limit releases
 * them.  0, -EINVAL, or what duet_stall_begin() returns; -EINTR when a
 * signal ends the stall early.
 */
int duet_stall_hold(struct duet_vm *vm, u32 us)
{
	struct duet_stall *s = &vm->stall;
	u64 end, limit, now;
	int r;

	if (!us || us > DUET_STALL_MAX_US)
		return -EINVAL;
	r = duet_stall_begin(vm, NULL);
	if (r)
		return r;
	end = ktime_get_ns() + (u64)us * NSEC_PER_USEC;
	while (duet_stall_check(vm, NULL)) {
		now = ktime_get_ns();
		if (now >= end) {
			duet_stall_end(vm, NULL);
			break;
		}
		spin_lock(&s->lock);
		limit = min(end, s->start_ns + s->max_ns);
		spin_unlock(&s->lock);
		if (limit <= now)
			continue;
		/* Woken early when a waiter releases it at the limit. */
		r = wait_event_interruptible_hrtimeout(s->wq,
						       READ_ONCE(s->owner) != current,
						       ns_to_ktime(limit - now));
		if (r == -ERESTARTSYS) {
			duet_stall_end(vm, NULL);
			return -EINTR;
		}
	}
	return 0;
}
