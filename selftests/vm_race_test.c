// SPDX-License-Identifier: GPL-2.0
/*
 * The claim of the binary translator: a guest's concurrency bug made far
 * less likely by the hypervisor.  Every vCPU increments one shared counter
 * with an unlocked load, a short delay and a store (a lost-update race).
 *
 *  - hardware mode: the count comes out short in at least one of a few
 *    attempts (the emulated CPUs really run in parallel);
 *  - the racy code registered as a vulnerable segment ahead of time
 *    (bt-segment-add, as `duet bt scan ... register` does): vCPUs in
 *    hardware fetching there are diverted into BT, which runs the segment
 *    under the stall barrier: the count is exact in every attempt, and the
 *    segment's hits and the VM's stalls equal the number of increments;
 *  - the vCPUs in BT mode with dynamic detection: the translator finds the
 *    load/modify/store itself: exact again, one stall per segment run
 *    (at least one per increment: it may find more in the guest's code).
 *
 * 2 and 4 vCPUs.  The racy function sits alone in its own page (section
 * .text.race, page-aligned), so that only its code runs diverted.
 *
 * Then a spin lock taken by two vCPUs in hardware mode, with its
 * acquisition (the xchg, as `duet bt scan` finds it) registered: the
 * critical section, on the same page, runs CPUID, which BT does not
 * translate, so each one is a hardware step from a page that diverts
 * hardware fetches.  It must finish with the count exact, every
 * acquisition attempt through BT and every CPUID a hardware step; the
 * same guest without the segment never enters BT.
 *
 * Last, a hardware step next to a segment: a CPUID before the racy code,
 * on its page but outside the registered segment.  The step needs the
 * page executable in the VM's nested tables, where the other vCPU, in
 * hardware, could then run the segment without the barrier: the step
 * holds the barrier, and every increment still runs in BT.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>

#include "bt.h"
#include "guest.h"
#include "vm.h"

/*
 * Increments per vCPU: more in hardware, where a lost one is the point.
 * Under the barrier every one is a stall, and one that costs context
 * switches once the vCPUs outnumber the CPUs: the same total for 2 and 4
 * vCPUs, and fewer on one slow CPU (Bochs), where the vCPUs only run in
 * turn.
 */
#define HW_ITERATIONS	20000
#define BT_INCREMENTS	4000
#define BT_ITERATIONS_1CPU	300
/* Seconds for a case under the barrier, on a busy host. */
#define BT_CASE_TIMEOUT	180
#define HW_ATTEMPTS	20
#define EXACT_ATTEMPTS	2

#define LOCK_ITERATIONS	200
#define LOCK_ITERATIONS_1CPU	50
/*
 * Two stalls an increment, and every step an entry with duet's TF and a
 * nested fault on the segment's page: the entries where QEMU TCG has been
 * seen to hand a vCPU the host's state (README, "Known problems").
 */
#define STEP_ITERATIONS		500
#define STEP_ITERATIONS_1CPU	100

/* What guest_race() runs (the guest reads it: a __u64). */
enum race_variant {
	RACE_PLAIN,		/* race_increment() */
	RACE_LOCK,		/* lock_increment() */
	RACE_STEP,		/* step_increment() */
};

static __u64 counter;
static __u64 iterations;
static __u64 variant;
static __u32 lock_word;

/*
 * counter += 1 the racy way: load, a delay of dependent arithmetic (no
 * branch: the translator sees load and store in one block), store.
 * Clobbers RAX.
 */
#define RACY_INCREMENT						\
	"mov counter(%%rip), %%rax\n\t"				\
	".rept 12\n\t"						\
	"imul $1, %%rax, %%rax\n\t"				\
	".endr\n\t"						\
	"add $1, %%rax\n\t"					\
	"mov %%rax, counter(%%rip)\n"

__attribute__((noinline, section(".text.race"), aligned(4096)))
static void race_increment(void)
{
	asm volatile(".globl race_begin\n"
		     "race_begin:\n\t"
		     RACY_INCREMENT
		     ".globl race_end\n"
		     "race_end:\n\t"
		     : : : "rax", "memory", "cc");
}

/*
 * counter += 1 under a test-and-test-and-set spin lock; [lock_begin,
 * lock_end) is the acquiring xchg.  CPUID in the critical section: an
 * instruction BT runs as a hardware step, on the segment's page.
 */
__attribute__((noinline, section(".text.lock"), aligned(4096)))
static void lock_increment(void)
{
	asm volatile("1:\n\t"
		     "mov $1, %%eax\n"
		     ".globl lock_begin\n"
		     "lock_begin:\n\t"
		     "lock xchg %%eax, lock_word(%%rip)\n"
		     ".globl lock_end\n"
		     "lock_end:\n\t"
		     "test %%eax, %%eax\n\t"
		     "jz 3f\n"
		     "2:\n\t"
		     "pause\n\t"
		     "cmpl $0, lock_word(%%rip)\n\t"
		     "jne 2b\n\t"
		     "jmp 1b\n"
		     "3:\n\t"
		     "mov counter(%%rip), %%rsi\n\t"
		     "xor %%eax, %%eax\n\t"
		     "xor %%ecx, %%ecx\n\t"
		     "cpuid\n\t"
		     "add $1, %%rsi\n\t"
		     "mov %%rsi, counter(%%rip)\n\t"
		     "movl $0, lock_word(%%rip)\n\t"
		     : : : "rax", "rbx", "rcx", "rdx", "rsi", "memory", "cc");
}

/*
 * counter += 1 the racy way, [step_begin, step_end), after a CPUID on the
 * same page but outside that segment: BT runs the CPUID as a hardware
 * step, which needs the page executable in the VM's nested tables, where
 * any vCPU could run the segment in hardware too.
 */
__attribute__((noinline, section(".text.step"), aligned(4096)))
static void step_increment(void)
{
	asm volatile("xor %%eax, %%eax\n\t"
		     "xor %%ecx, %%ecx\n\t"
		     "cpuid\n"
		     ".globl step_begin\n"
		     "step_begin:\n\t"
		     RACY_INCREMENT
		     ".globl step_end\n"
		     "step_end:\n\t"
		     : : : "rax", "rbx", "rcx", "rdx", "memory", "cc");
}

static void guest_race(void)
{
	__u64 i;

	GUEST_SYNC(0);
	for (i = 0; i < iterations; i++) {
		if (variant == RACE_LOCK)
			lock_increment();
		else if (variant == RACE_STEP)
			step_increment();
		else
			race_increment();
	}
	GUEST_DONE();
}

static void *race_thread(void *arg)
{
	struct duet_test_vcpu *vcpu = arg;

	vcpu_expect_done(vcpu);
	return NULL;
}

/*
 * One attempt: @nr vCPUs race; @setup (may be NULL) prepares the VM
 * before they start.  Returns the final count.
 */
static __u64 race_once(unsigned int nr, void (*setup)(struct duet_test_vm *),
		       struct duet_test_vm **out)
{
	struct duet_test_vcpu *vcpus[4];
	pthread_t threads[4];
	struct duet_test_vm *vm;
	unsigned int i;

	counter = 0;
	lock_word = 0;
	vm = vm_create_with_vcpus(nr, guest_race, vcpus);
	sync_global_to_guest(vm, counter);
	sync_global_to_guest(vm, iterations);
	sync_global_to_guest(vm, variant);
	sync_global_to_guest(vm, lock_word);
	/* Every vCPU at its GUEST_SYNC before any races. */
	for (i = 0; i < nr; i++)
		vcpu_expect_sync(vcpus[i], 0);
	if (setup) {
		/*
		 * No segment may lose the barrier to the VM's time limit on
		 * a busy host: each stall must be one segment run.
		 */
		vm_set_max_stall_us(vm, 1000000);
		setup(vm);
	}
	for (i = 0; i < nr; i++)
		TEST_ASSERT(!pthread_create(&threads[i], NULL, race_thread,
					    vcpus[i]), "pthread_create");
	for (i = 0; i < nr; i++)
		TEST_ASSERT(!pthread_join(threads[i], NULL), "pthread_join");
	sync_global_from_guest(vm, counter);
	*out = vm;
	return counter;
}

static void hw_loses_updates(unsigned int nr)
{
	__u64 want = (__u64)nr * HW_ITERATIONS, got, lost = 0;
	struct duet_test_vm *vm;
	unsigned int a;

	/* A race needs CPUs that run at the same time. */
	if (_test_online_cpus() < 2)
		TEST_SKIP("one CPU: vCPUs never run at the same time");
	iterations = HW_ITERATIONS;
	for (a = 0; a < HW_ATTEMPTS && !lost; a++) {
		got = race_once(nr, NULL, &vm);
		test_print("hardware, %u vCPUs, attempt %u: %llu of %llu", nr,
			   a + 1, (unsigned long long)got,
			   (unsigned long long)want);
		TEST_ASSERT(got <= want, "more increments than done");
		lost = want - got;
		vm_free(vm);
	}
	TEST_ASSERT(lost, "no update lost in %u attempts: no race to show",
		    HW_ATTEMPTS);
}

static void hw_2_vcpus_lose_updates(void)
{
	hw_loses_updates(2);
}

static void hw_4_vcpus_lose_updates(void)
{
	hw_loses_updates(4);
}

static __u32 segment_id;

/* The segment: [race_begin, race_end), the labels in race_increment(). */
static void register_segment(struct duet_test_vm *vm)
{
	__u64 begin = (__u64)GUEST_LABEL_ADDR("race_begin");

	segment_id = vm_bt_segment_add(vm, begin,
				       (__u64)GUEST_LABEL_ADDR("race_end") - begin);
}

static void detect_in_bt(struct duet_test_vm *vm)
{
	unsigned int i;

	vm_set_bt_detect(vm, true);
	for (i = 0; i < DUET_MAX_VCPUS && vm->vcpus[i]; i++)
		vcpu_set_exec_mode(vm->vcpus[i], DUET_EXEC_MODE_BT);
}

/* What a case checks: the VM's stalls and its first @nr vCPUs' counters. */
struct race_stats {
	__u64 stalls;
	__u64 segs;		/* segments entered */
	__u64 steps;		/* hardware steps */
	__u64 step_stalls;	/* ... that held the barrier */
};

static void race_stats_get(struct duet_test_vm *vm, unsigned int nr,
			   struct race_stats *s)
{
	struct duet_test_vcpu *v;
	unsigned int i;

	*s = (struct race_stats){
		.stalls = vm_nl_stat(vm, DUET_A_VM_STATS_STALLS),
	};
	for (i = 0; i < nr; i++) {
		v = vm->vcpus[i];
		s->segs += vcpu_nl_stat(v, DUET_A_VCPU_STATS_BT_SEGMENTS);
		s->steps += vcpu_nl_stat(v, DUET_A_VCPU_STATS_BT_HW_STEPS);
		s->step_stalls += vcpu_nl_stat(v, DUET_A_VCPU_STATS_BT_STEP_STALLS);
	}
}

/*
 * @cpuids CPUIDs ran as hardware steps outside the segment, on its page:
 * each held the barrier while the page was executable (a step the other
 * vCPU's barrier cut short before it ran took none), and every stall was
 * a segment's or a step's.
 */
static void check_step_stalls(const struct race_stats *s, __u64 cpuids)
{
	test_print("%llu hw steps, %llu of them under the barrier",
		   (unsigned long long)s->steps,
		   (unsigned long long)s->step_stalls);
	TEST_ASSERT(s->step_stalls >= cpuids && s->step_stalls <= s->steps,
		    "%llu steps under the barrier: %llu CPUIDs, %llu steps",
		    (unsigned long long)s->step_stalls,
		    (unsigned long long)cpuids, (unsigned long long)s->steps);
	TEST_ASSERT_EQ(s->stalls, s->segs + s->step_stalls);
}

/* Exact in every attempt, with one stall per increment. */
static void exact_with(unsigned int nr, void (*setup)(struct duet_test_vm *),
		       bool registered)
{
	struct race_stats s;
	struct duet_test_vm *vm;
	__u64 got, want;
	unsigned int a;

	test_set_timeout(BT_CASE_TIMEOUT);
	variant = RACE_PLAIN;
	iterations = _test_online_cpus() < 2 ? BT_ITERATIONS_1CPU :
					       BT_INCREMENTS / nr;
	want = (__u64)nr * iterations;
	for (a = 0; a < EXACT_ATTEMPTS; a++) {
		got = race_once(nr, setup, &vm);
		race_stats_get(vm, nr, &s);
		test_print("%s, %u vCPUs, attempt %u: %llu of %llu, %llu segments",
			   registered ? "registered" : "detected",
			   nr, a + 1, (unsigned long long)got,
			   (unsigned long long)want, (unsigned long long)s.segs);
		test_print("%llu stalls, %llu past the limit, %llu waits timed out",
			   (unsigned long long)s.stalls,
			   (unsigned long long)vm_nl_stat(vm, DUET_A_VM_STATS_STALL_TIMEOUTS),
			   (unsigned long long)vm_nl_stat(vm, DUET_A_VM_STATS_STALL_WAIT_TIMEOUTS));
		TEST_ASSERT_EQ(got, want);
		/* One barrier for every segment run, and a run per increment. */
		TEST_ASSERT_EQ(s.stalls, s.segs);
		if (registered) {
			TEST_ASSERT_EQ(s.segs, want);
			TEST_ASSERT_EQ(vm_bt_segment_hits(vm, segment_id), want);
		} else {
			TEST_ASSERT(s.segs >= want, "%llu segments for %llu increments",
				    (unsigned long long)s.segs,
				    (unsigned long long)want);
		}
		vm_free(vm);
	}
}

static void registered_2_vcpus_exact(void)
{
	exact_with(2, register_segment, true);
}

static void registered_4_vcpus_exact(void)
{
	exact_with(4, register_segment, true);
}

static void detected_2_vcpus_exact(void)
{
	exact_with(2, detect_in_bt, false);
}

static void detected_4_vcpus_exact(void)
{
	exact_with(4, detect_in_bt, false);
}

static void register_lock_segment(struct duet_test_vm *vm)
{
	__u64 begin = (__u64)GUEST_LABEL_ADDR("lock_begin");

	segment_id = vm_bt_segment_add(vm, begin,
				       (__u64)GUEST_LABEL_ADDR("lock_end") - begin);
}

/*
 * Two vCPUs in hardware mode take the spin lock @iterations times each,
 * with the acquisition registered (@registered) or not.
 */
static void lock_with(bool registered)
{
	__u64 got, want, hits = 0;
	struct duet_test_vm *vm;
	struct race_stats s;

	test_set_timeout(BT_CASE_TIMEOUT);
	variant = RACE_LOCK;
	iterations = _test_online_cpus() < 2 ? LOCK_ITERATIONS_1CPU :
					       LOCK_ITERATIONS;
	want = 2 * iterations;
	got = race_once(2, registered ? register_lock_segment : NULL, &vm);
	race_stats_get(vm, 2, &s);
	if (registered)
		hits = vm_bt_segment_hits(vm, segment_id);
	test_print("lock %s: %llu of %llu, %llu segments, %llu hits, %llu stalls",
		   registered ? "registered" : "not registered",
		   (unsigned long long)got, (unsigned long long)want,
		   (unsigned long long)s.segs, (unsigned long long)hits,
		   (unsigned long long)s.stalls);
	TEST_ASSERT_EQ(got, want);
	if (registered) {
		/*
		 * Every CPUID ran as a hardware step from the diverting
		 * page, and the page diverted again after each one: every
		 * acquisition (and failed attempt) ran the segment in BT.
		 */
		TEST_ASSERT(hits >= want, "%llu segment hits for %llu acquisitions",
			    (unsigned long long)hits,
			    (unsigned long long)want);
		TEST_ASSERT_EQ(s.segs, hits);
		check_step_stalls(&s, want);
	} else {
		/* Nothing diverts: the translator never ran. */
		TEST_ASSERT_EQ(s.steps, 0);
		TEST_ASSERT_EQ(s.step_stalls, 0);
		TEST_ASSERT_EQ(s.segs, 0);
		TEST_ASSERT_EQ(s.stalls, 0);
	}
	vm_free(vm);
}

static void register_step_segment(struct duet_test_vm *vm)
{
	__u64 begin = (__u64)GUEST_LABEL_ADDR("step_begin");

	segment_id = vm_bt_segment_add(vm, begin,
				       (__u64)GUEST_LABEL_ADDR("step_end") - begin);
}

/*
 * Two vCPUs in hardware mode run step_increment() with its segment
 * registered.  Each CPUID is a hardware step from the segment's page,
 * which holds the barrier while the page is executable: the other vCPU
 * never runs the segment in hardware meanwhile, so every increment ran
 * in BT, and each step and each segment took one stall.
 */
static void step_registered_2_vcpus_exact(void)
{
	struct duet_test_vm *vm;
	struct race_stats s;
	__u64 got, want, hits;

	test_set_timeout(BT_CASE_TIMEOUT);
	variant = RACE_STEP;
	iterations = _test_online_cpus() < 2 ? STEP_ITERATIONS_1CPU :
					       STEP_ITERATIONS;
	want = 2 * iterations;
	got = race_once(2, register_step_segment, &vm);
	race_stats_get(vm, 2, &s);
	hits = vm_bt_segment_hits(vm, segment_id);
	test_print("step: %llu of %llu, %llu segments, %llu hits, %llu stalls",
		   (unsigned long long)got, (unsigned long long)want,
		   (unsigned long long)s.segs, (unsigned long long)hits,
		   (unsigned long long)s.stalls);
	TEST_ASSERT_EQ(got, want);
	TEST_ASSERT_EQ(s.segs, want);
	TEST_ASSERT_EQ(hits, want);
	check_step_stalls(&s, want);
	vm_free(vm);
}

static void lock_registered_2_vcpus_done(void)
{
	lock_with(true);
}

static void lock_unregistered_2_vcpus_in_hw(void)
{
	lock_with(false);
}

static const struct test_case cases[] = {
	TEST_CASE(hw_2_vcpus_lose_updates),
	TEST_CASE(hw_4_vcpus_lose_updates),
	TEST_CASE(registered_2_vcpus_exact),
	TEST_CASE(registered_4_vcpus_exact),
	TEST_CASE(detected_2_vcpus_exact),
	TEST_CASE(detected_4_vcpus_exact),
	TEST_CASE(lock_registered_2_vcpus_done),
	TEST_CASE(lock_unregistered_2_vcpus_in_hw),
	TEST_CASE(step_registered_2_vcpus_exact),
};

int main(void)
{
	TEST_REQUIRE_VM();
	return test_run(cases, ARRAY_SIZE(cases));
}
