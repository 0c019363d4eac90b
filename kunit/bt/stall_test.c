// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: module/bt/stall.c's bookkeeping on a VM built by hand (mmu_lock,
 * the barrier, the vCPU array) with fake vCPUs whose mode the test sets:
 * who is held out, the release at the VM's limit, the bounded wait for a
 * vCPU that stays in guest mode (cpu -1: no IPI goes out), and the
 * counters.  The real run loop and IPIs are covered by vm_stall_test.
 */
#include <kunit/test.h>
#include <linux/delay.h>
#include <linux/ktime.h>
#include <linux/slab.h>

#include "duet.h"
#include "bt/bt.h"

static struct duet_vm *stall_vm(struct kunit *test)
{
	struct duet_vm *vm = kunit_kzalloc(test, sizeof(*vm), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, vm);
	mutex_init(&vm->mmu_lock);
	duet_stall_init(vm);
	return vm;
}

static struct duet_vcpu *stall_vcpu(struct kunit *test, struct duet_vm *vm,
				    u32 id, int mode)
{
	struct duet_vcpu *vcpu = kunit_kzalloc(test, sizeof(*vcpu), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, vcpu);
	vcpu->vm = vm;
	vcpu->id = id;
	vcpu->cpu = -1;
	vcpu->mode = mode;
	vm->vcpus[id] = vcpu;
	return vcpu;
}

/* Every vCPU but the owner is held; nobody after the release. */
static void stall_holds_others(struct kunit *test)
{
	struct duet_vm *vm = stall_vm(test);
	struct duet_vcpu *a = stall_vcpu(test, vm, 0, OUTSIDE_GUEST_MODE);
	struct duet_vcpu *b = stall_vcpu(test, vm, 1, OUTSIDE_GUEST_MODE);
	struct duet_vm_info info = {};

	KUNIT_EXPECT_FALSE(test, duet_vcpu_stalled(a));
	KUNIT_ASSERT_EQ(test, duet_stall_begin(vm, a), 0);
	KUNIT_EXPECT_FALSE(test, duet_vcpu_stalled(a));
	KUNIT_EXPECT_TRUE(test, duet_vcpu_stalled(b));
	KUNIT_EXPECT_TRUE(test, duet_stall_check(vm, a));
	/* Not the owner: neither check nor end touches it. */
	KUNIT_EXPECT_FALSE(test, duet_stall_check(vm, b));
	duet_stall_end(vm, b);
	KUNIT_EXPECT_TRUE(test, duet_vcpu_stalled(b));
	duet_stall_end(vm, a);
	KUNIT_EXPECT_FALSE(test, duet_vcpu_stalled(b));
	KUNIT_EXPECT_FALSE(test, duet_stall_check(vm, a));

	/* A holder that is not a vCPU holds them all. */
	KUNIT_ASSERT_EQ(test, duet_stall_begin(vm, NULL), 0);
	KUNIT_EXPECT_TRUE(test, duet_vcpu_stalled(a));
	KUNIT_EXPECT_TRUE(test, duet_vcpu_stalled(b));
	duet_stall_end(vm, NULL);
	KUNIT_EXPECT_FALSE(test, duet_vcpu_stalled(a));

	duet_stall_snapshot(vm, &info);
	KUNIT_EXPECT_EQ(test, info.stats.stalls, 2);
	KUNIT_EXPECT_EQ(test, info.stats.stall_timeouts, 0);
	KUNIT_EXPECT_EQ(test, info.stats.stall_wait_timeouts, 0);
	KUNIT_EXPECT_LE(test, info.stats.stall_max_ns, info.stats.stall_ns);
	KUNIT_EXPECT_EQ(test, info.max_stall_us, DUET_STALL_DEFAULT_MAX_US);
}

/* A requester in guest mode (BT) waits outside it and gets it back. */
static void stall_owner_mode_restored(struct kunit *test)
{
	struct duet_vm *vm = stall_vm(test);
	struct duet_vcpu *a = stall_vcpu(test, vm, 0, IN_GUEST_MODE);

	KUNIT_ASSERT_EQ(test, duet_stall_begin(vm, a), 0);
	KUNIT_EXPECT_EQ(test, READ_ONCE(a->mode), IN_GUEST_MODE);
	duet_stall_end(vm, a);
}

/* Held past max-stall-us: check says false, releases and counts it. */
static void stall_limit_releases(struct kunit *test)
{
	struct duet_vm *vm = stall_vm(test);
	struct duet_vcpu *a = stall_vcpu(test, vm, 0, OUTSIDE_GUEST_MODE);
	struct duet_vcpu *b = stall_vcpu(test, vm, 1, OUTSIDE_GUEST_MODE);
	struct duet_vm_info info = {};

	KUNIT_EXPECT_EQ(test, duet_stall_set_max(vm, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, duet_stall_set_max(vm, DUET_STALL_MAX_US + 1),
			-EINVAL);
	KUNIT_ASSERT_EQ(test, duet_stall_set_max(vm, 2000), 0);
	KUNIT_ASSERT_EQ(test, duet_stall_begin(vm, a), 0);
	KUNIT_EXPECT_TRUE(test, duet_stall_check(vm, a));
	usleep_range(5000, 6000);
	KUNIT_EXPECT_FALSE(test, duet_stall_check(vm, a));
	KUNIT_EXPECT_FALSE(test, duet_vcpu_stalled(b));
	/* The owner's end after the limit is a no-op. */
	duet_stall_end(vm, a);

	/* A held vCPU's wait releases it at the limit too. */
	KUNIT_ASSERT_EQ(test, duet_stall_begin(vm, a), 0);
	KUNIT_EXPECT_EQ(test, duet_stall_wait(b), 0);
	KUNIT_EXPECT_FALSE(test, duet_vcpu_stalled(b));
	KUNIT_EXPECT_FALSE(test, duet_stall_check(vm, a));

	duet_stall_snapshot(vm, &info);
	KUNIT_EXPECT_EQ(test, info.stats.stalls, 2);
	KUNIT_EXPECT_EQ(test, info.stats.stall_timeouts, 2);
	KUNIT_EXPECT_GE(test, info.stats.stall_max_ns, 2000 * NSEC_PER_USEC);
	KUNIT_EXPECT_EQ(test, info.max_stall_us, 2000);
}

/* A vCPU that stays in guest mode: -ETIMEDOUT, nothing held, counted. */
static void stall_no_ack(struct kunit *test)
{
	struct duet_vm *vm = stall_vm(test);
	struct duet_vcpu *a = stall_vcpu(test, vm, 0, OUTSIDE_GUEST_MODE);
	struct duet_vcpu *b = stall_vcpu(test, vm, 1, IN_GUEST_MODE);
	struct duet_vm_info info = {};
	u64 t = ktime_get_ns();

	KUNIT_EXPECT_EQ(test, duet_stall_begin(vm, a), -ETIMEDOUT);
	KUNIT_EXPECT_GE(test, ktime_get_ns() - t, 100 * NSEC_PER_MSEC);
	KUNIT_EXPECT_FALSE(test, duet_vcpu_stalled(b));
	KUNIT_EXPECT_FALSE(test, duet_stall_check(vm, a));
	duet_stall_snapshot(vm, &info);
	KUNIT_EXPECT_EQ(test, info.stats.stalls, 0);
	KUNIT_EXPECT_EQ(test, info.stats.stall_wait_timeouts, 1);

	/* Once it leaves guest mode, the barrier is taken. */
	WRITE_ONCE(b->mode, OUTSIDE_GUEST_MODE);
	KUNIT_EXPECT_EQ(test, duet_stall_begin(vm, a), 0);
	duet_stall_end(vm, a);
}

/* A vCPU file released while its vCPU holds the barrier releases it. */
static void stall_vcpu_gone(struct kunit *test)
{
	struct duet_vm *vm = stall_vm(test);
	struct duet_vcpu *a = stall_vcpu(test, vm, 0, OUTSIDE_GUEST_MODE);
	struct duet_vcpu *b = stall_vcpu(test, vm, 1, OUTSIDE_GUEST_MODE);

	KUNIT_ASSERT_EQ(test, duet_stall_begin(vm, a), 0);
	duet_stall_vcpu_gone(b);
	KUNIT_EXPECT_TRUE(test, duet_vcpu_stalled(b));
	duet_stall_vcpu_gone(a);
	KUNIT_EXPECT_FALSE(test, duet_vcpu_stalled(b));
}

static struct kunit_case duet_bt_stall_cases[] = {
	KUNIT_CASE(stall_holds_others),
	KUNIT_CASE(stall_owner_mode_restored),
	KUNIT_CASE(stall_limit_releases),
	KUNIT_CASE(stall_no_ack),
	KUNIT_CASE(stall_vcpu_gone),
	{}
};

static struct kunit_suite duet_bt_stall_suite = {
	.name = "duet_bt_stall",
	.test_cases = duet_bt_stall_cases,
};

kunit_test_suite(duet_bt_stall_suite);
