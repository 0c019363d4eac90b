// SPDX-License-Identifier: GPL-2.0
/*
 * Guests that do not cooperate, and a host that does not wait for them:
 * an endless loop stopped by a signal (-EINTR, DUET_EXIT_INTR) and resumed,
 * garbage CPUID leaves, accesses to guest-physical addresses far beyond
 * memory and beyond the guest's MAXPHYADDR, page tables and code in
 * unbacked memory, vCPUs in parallel threads, and a slot deleted under a
 * vCPU that runs in another thread.  Each must end in a defined exit,
 * with the host unharmed (run-all and vm-run look for kernel splats).
 */
#include <cpuid.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include "guest.h"
#include "vm.h"

#define SIZE_2M		(2ull << 20)
#define UNBACKED_GPA	(900ull << 20)
/* Guest-virtual window for the far mappings: PML4 slot 1. */
#define FAR_GVA		0x8000000000ull
#define MAX_FAR		8

static __u64 loop_count;
static __u64 loop_stop;

static void guest_endless(void)
{
	GUEST_SYNC(0);
	while (!GUEST_READ_ONCE(loop_stop))
		GUEST_WRITE_ONCE(loop_count, loop_count + 1);
	GUEST_DONE();
}

static void on_sigalrm(int sig)
{
	(void)sig;
}

/* Run until the alarm in @secs seconds; expect -EINTR. */
static void run_until_alarm(struct duet_test_vcpu *vcpu, unsigned int secs)
{
	int r;

	alarm(secs);
	r = _vcpu_run(vcpu);
	alarm(0);
	TEST_ASSERT_RC(r, -EINTR);
	TEST_ASSERT_EXIT_REASON(vcpu, DUET_EXIT_INTR);
}

/*
 * A guest that never exits on its own: the host's signal stops DUET_RUN
 * with -EINTR and DUET_EXIT_INTR, and the next DUET_RUN resumes the loop.
 */
static void signal_interrupts_loop(void)
{
	struct sigaction sa = { .sa_handler = on_sigalrm }, old;
	unsigned int runner_alarm = alarm(0);
	struct duet_test_vcpu *vcpu;
	struct duet_test_vm *vm;
	struct duet_regs regs;
	__u64 first, second;
	__u64 *count;

	/* No SA_RESTART: the ioctl must come back. */
	TEST_ASSERT(!sigaction(SIGALRM, &sa, &old), "sigaction");
	vm = vm_create_with_one_vcpu(&vcpu, guest_endless);
	count = vm_gva2hva(vm, (uintptr_t)&loop_count, sizeof(loop_count));
	vcpu_expect_sync(vcpu, 0);

	run_until_alarm(vcpu, 1);
	first = *count;
	vcpu_regs_get(vcpu, &regs);
	test_print("stopped at rip %#llx after %llu iterations",
		   (unsigned long long)regs.rip, (unsigned long long)first);
	TEST_ASSERT(first > 0, "the guest did not run");
	TEST_ASSERT(regs.rip >= (uintptr_t)guest_endless &&
		    regs.rip < (uintptr_t)guest_endless + 0x100,
		    "rip %#llx is not in guest_endless()",
		    (unsigned long long)regs.rip);

	run_until_alarm(vcpu, 1);
	second = *count;
	test_print("%llu iterations after the second run",
		   (unsigned long long)second);
	TEST_ASSERT(second > first, "the second run did not resume the loop");

	*(__u64 *)vm_gva2hva(vm, (uintptr_t)&loop_stop, 8) = 1;
	vcpu_expect_done(vcpu);

	sigaction(SIGALRM, &old, NULL);
	alarm(runner_alarm);
}

/* xorshift64: garbage that is the same in every run. */
static __u64 next_random(__u64 *state)
{
	__u64 x = *state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*state = x;
	return x;
}

static void guest_cpuid_garbage(void)
{
	static const __u32 leaves[] = {
		0xdeadbeef, 0xffffffff, 0x7fffffff, 0x40000000, 0x40000001,
		0x80001000, 0xc0000000, 0x8fffffff,
	};
	__u32 a, b, c, d;
	__u64 state = 0x9e3779b97f4a7c15ull, sum = 0;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(leaves); i++) {
		guest_cpuid(leaves[i], 0xdeadbeef, &a, &b, &c, &d);
		sum = sum * 31 + (a ^ b ^ c ^ d);
	}
	for (i = 0; i < 1000; i++) {
		__u64 r = next_random(&state);

		guest_cpuid(r, r >> 32, &a, &b, &c, &d);
		sum = sum * 31 + (a ^ b ^ c ^ d);
	}
	GUEST_SYNC(sum);
	GUEST_DONE();
}

/* Garbage leaves and subleaves: answers, the same twice, and no harm. */
static void cpuid_garbage(void)
{
	struct duet_test_vcpu *vcpu;
	struct duet_test_vm *vm;
	struct ucall uc;
	__u64 sum;

	vm = vm_create_with_one_vcpu(&vcpu, guest_cpuid_garbage);
	TEST_ASSERT_EQ(vcpu_run_ucall(vcpu, &uc), UCALL_SYNC);
	sum = uc.args[0];
	vcpu_expect_done(vcpu);
	vm_free(vm);

	vm = vm_create_with_one_vcpu(&vcpu, guest_cpuid_garbage);
	vcpu_expect_sync(vcpu, sum);
	vcpu_expect_done(vcpu);
	vm_free(vm);
}

/* The host's MAXPHYADDR (APM: CPUID 8000_0008h EAX[7:0]). */
static unsigned int host_maxphyaddr(void)
{
	unsigned int a, b, c, d;

	__cpuid(0x80000000, a, b, c, d);
	if (a < 0x80000008)
		return 36;
	__cpuid(0x80000008, a, b, c, d);
	return a & 0xff;
}

static __u64 far_gva[MAX_FAR];
static __u64 nr_far;

static void guest_far(void)
{
	__u64 i;

	for (i = 0; i < nr_far; i++) {
		GUEST_ASSERT_EQ(guest_mmio_read64(far_gva[i] + 0x18), i);
		guest_mmio_write64(far_gva[i] + SIZE_2M - 8, i);
	}
	GUEST_DONE();
}

/*
 * Guest-physical addresses far above memory, up to the top of the guest's
 * physical address space: each read and write is an MMIO exit that names
 * it, never a mapping or a splat.
 */
static void far_gpa_mmio(void)
{
	unsigned int maxphys = host_maxphyaddr();
	__u64 candidates[] = {
		1ull << 32, 1ull << 39, 1ull << 40, 1ull << 46,
		(1ull << maxphys) - SIZE_2M,
	};
	__u64 gpa[MAX_FAR];
	struct duet_test_vcpu *vcpu;
	struct duet_test_vm *vm;
	struct duet_run *run;
	unsigned int i;

	test_print("MAXPHYADDR %u", maxphys);
	vm = vm_create_with_one_vcpu(&vcpu, guest_far);
	run = vcpu->run;
	nr_far = 0;
	for (i = 0; i < ARRAY_SIZE(candidates); i++) {
		if (candidates[i] >= 1ull << maxphys)
			continue;
		gpa[nr_far] = candidates[i];
		far_gva[nr_far] = FAR_GVA + nr_far * SIZE_2M;
		vm_map_2m(vm, far_gva[nr_far], gpa[nr_far]);
		nr_far++;
	}
	sync_global_to_guest(vm, far_gva);
	sync_global_to_guest(vm, nr_far);

	for (i = 0; i < nr_far; i++) {
		test_print("GPA %#llx", (unsigned long long)gpa[i]);
		vcpu_run(vcpu);
		TEST_ASSERT_EXIT_REASON(vcpu, DUET_EXIT_MMIO);
		TEST_ASSERT_EQ(run->mmio.phys_addr, gpa[i] + 0x18);
		TEST_ASSERT_EQ(run->mmio.is_write, 0);
		vcpu_complete_mmio(vcpu, i);
		vcpu_run(vcpu);
		TEST_ASSERT_EXIT_REASON(vcpu, DUET_EXIT_MMIO);
		TEST_ASSERT_EQ(run->mmio.phys_addr, gpa[i] + SIZE_2M - 8);
		TEST_ASSERT_EQ(run->mmio.is_write, 1);
		vcpu_complete_mmio(vcpu, 0);
	}
	vcpu_expect_done(vcpu);
}

static void guest_beyond_maxphys(void)
{
	GUEST_SYNC(0);
	/* A reserved bit in the guest's own PDE: #PF, with no IDT a shutdown. */
	guest_mmio_read64(FAR_GVA);
	GUEST_DONE();
}

/* Beyond MAXPHYADDR is the guest's own fault, not an exit to the host. */
static void gpa_beyond_maxphyaddr(void)
{
	unsigned int maxphys = host_maxphyaddr();
	struct duet_test_vcpu *vcpu;
	struct duet_test_vm *vm;

	if (maxphys >= 52)
		TEST_SKIP("MAXPHYADDR is 52: no address beyond it");
	vm = vm_create_with_one_vcpu(&vcpu, guest_beyond_maxphys);
	vm_map_2m(vm, FAR_GVA, 1ull << maxphys);
	vcpu_expect_sync(vcpu, 0);
	vcpu_run(vcpu);
	test_print("%s", vcpu_exit_str(vcpu));
	TEST_ASSERT_EXIT_REASON(vcpu, DUET_EXIT_SHUTDOWN);
}

static void guest_cr3_unbacked(void)
{
	GUEST_SYNC(0);
	asm volatile("mov %0, %%cr3" : : "r"(UNBACKED_GPA) : "memory");
	GUEST_DONE();
}

static void guest_jump_unbacked(void)
{
	GUEST_SYNC(0);
	asm volatile("jmp *%0" : : "r"(UNBACKED_GPA + 0x100));
}

/*
 * Page tables or code in memory no slot backs: an MMIO exit at that
 * address, the same one again on every run (nothing to emulate).  A
 * fault in the guest's page walk may count as a write (the walk sets
 * accessed bits), so @is_write is checked only when @check_write.
 */
static void expect_stuck_mmio(void *guest_code, __u64 lo, __u64 hi,
			      bool check_write)
{
	struct duet_test_vcpu *vcpu;
	struct duet_run *run;
	int i;

	vm_create_with_one_vcpu(&vcpu, guest_code);
	run = vcpu->run;
	vcpu_expect_sync(vcpu, 0);
	for (i = 0; i < 3; i++) {
		vcpu_run(vcpu);
		test_print("%s", vcpu_exit_str(vcpu));
		TEST_ASSERT_EXIT_REASON(vcpu, DUET_EXIT_MMIO);
		TEST_ASSERT(run->mmio.phys_addr >= lo && run->mmio.phys_addr < hi,
			    "MMIO at %#llx, want [%#llx, %#llx)",
			    (unsigned long long)run->mmio.phys_addr,
			    (unsigned long long)lo, (unsigned long long)hi);
		if (check_write)
			TEST_ASSERT_EQ(run->mmio.is_write, 0);
	}
}

static void page_tables_unbacked(void)
{
	expect_stuck_mmio(guest_cr3_unbacked, UNBACKED_GPA,
			  UNBACKED_GPA + DUET_TEST_PAGE_SIZE, false);
}

static void code_unbacked(void)
{
	expect_stuck_mmio(guest_jump_unbacked, UNBACKED_GPA + 0x100,
			  UNBACKED_GPA + 0x101, true);
}

#define NR_THREADS	4
#define NR_SYNCS	200

static __u64 counters[NR_THREADS];

static void guest_count(__u64 id)
{
	__u64 i;

	for (i = 0; i < NR_SYNCS; i++) {
		counters[id]++;
		GUEST_SYNC2(id, i);
	}
	GUEST_DONE();
}

struct vcpu_thread {
	struct duet_test_vcpu *vcpu;
	__u64 syncs;
};

static void *vcpu_thread_fn(void *arg)
{
	struct vcpu_thread *t = arg;
	struct ucall uc;

	for (;;) {
		switch (vcpu_run_ucall(t->vcpu, &uc)) {
		case UCALL_SYNC:
			TEST_ASSERT_EQ(uc.args[0], t->vcpu->id);
			TEST_ASSERT_EQ(uc.args[1], t->syncs);
			t->syncs++;
			break;
		case UCALL_DONE:
			return NULL;
		default:
			TEST_FAIL("vCPU %u: ucall %s", t->vcpu->id,
				  ucall_cmd_str(uc.cmd));
		}
	}
}

/* vCPUs in parallel threads, each counting in its own guest counter. */
static void parallel_vcpus(void)
{
	struct duet_test_vcpu *vcpus[NR_THREADS];
	struct vcpu_thread t[NR_THREADS];
	pthread_t threads[NR_THREADS];
	struct duet_test_vm *vm;
	unsigned int i;

	vm = vm_create_with_vcpus(NR_THREADS, guest_count, vcpus);
	for (i = 0; i < NR_THREADS; i++) {
		t[i] = (struct vcpu_thread){ .vcpu = vcpus[i] };
		TEST_ASSERT(!pthread_create(&threads[i], NULL, vcpu_thread_fn,
					    &t[i]), "pthread_create");
	}
	for (i = 0; i < NR_THREADS; i++)
		TEST_ASSERT(!pthread_join(threads[i], NULL), "pthread_join");

	sync_global_from_guest(vm, counters);
	for (i = 0; i < NR_THREADS; i++) {
		test_print("vCPU %u: %llu syncs, counter %llu", i,
			   (unsigned long long)t[i].syncs,
			   (unsigned long long)counters[i]);
		TEST_ASSERT_EQ(t[i].syncs, NR_SYNCS);
		TEST_ASSERT_EQ(counters[i], NR_SYNCS);
	}
}

#define RACE_GPA	(512ull << 20)
#define RACE_STALE	0xdeadull	/* written after the slot is gone */
#define RACE_MMIO	0x4d4dull	/* what an MMIO exit reads */
#define RACE_ROUNDS	200

static __u64 race_stop;
static __u64 race_reads;

static void guest_race(void)
{
	__u64 v;

	while (!GUEST_READ_ONCE(race_stop)) {
		v = guest_mmio_read64(RACE_GPA);
		__GUEST_ASSERT(v != RACE_STALE,
			       "read a page after its slot was deleted");
		GUEST_WRITE_ONCE(race_reads, race_reads + 1);
	}
	GUEST_DONE();
}

struct race_thread {
	struct duet_test_vcpu *vcpu;
	__u64 mmio_exits;
};

static void *race_vcpu_fn(void *arg)
{
	struct race_thread *t = arg;
	struct duet_test_vcpu *vcpu = t->vcpu;
	struct ucall uc;

	for (;;) {
		vcpu_run(vcpu);
		if (vcpu->run->exit_reason == DUET_EXIT_MMIO) {
			TEST_ASSERT_EQ(vcpu->run->mmio.phys_addr, RACE_GPA);
			vcpu_complete_mmio(vcpu, RACE_MMIO);
			t->mmio_exits++;
			continue;
		}
		switch (get_ucall(vcpu, &uc)) {
		case UCALL_DONE:
			return NULL;
		case UCALL_ABORT:
			REPORT_GUEST_ASSERT(vcpu, &uc);
		default:
			TEST_FAIL("%s", vcpu_exit_str(vcpu));
		}
	}
}

/*
 * Delete and re-add a slot while a vCPU reads it in a loop in another
 * thread: the guest reads the slot, or exits as MMIO, but never reads the
 * page once DUET_SET_MEMSLOT has taken it away (the deletion must kick
 * the vCPU out of guest mode and flush its translations).
 */
static void slot_delete_while_running(void)
{
	struct duet_test_vcpu *vcpu;
	struct race_thread t = { 0 };
	struct duet_test_vm *vm;
	__u64 *mem = test_alloc_mem(DUET_TEST_PAGE_SIZE);
	__u64 *reads;
	pthread_t thread;
	unsigned int i;

	vm = vm_create_with_one_vcpu(&vcpu, guest_race);
	reads = vm_gva2hva(vm, (uintptr_t)&race_reads, sizeof(race_reads));
	mem[0] = 1;
	vm_set_memslot(vm, 1, 0, RACE_GPA, DUET_TEST_PAGE_SIZE, mem);
	t.vcpu = vcpu;
	TEST_ASSERT(!pthread_create(&thread, NULL, race_vcpu_fn, &t),
		    "pthread_create");
	for (i = 0; i < RACE_ROUNDS; i++) {
		usleep(2000);
		vm_set_memslot(vm, 1, 0, 0, 0, NULL);
		__atomic_store_n(&mem[0], RACE_STALE, __ATOMIC_SEQ_CST);
		usleep(1000);
		__atomic_store_n(&mem[0], i + 2, __ATOMIC_SEQ_CST);
		vm_set_memslot(vm, 1, 0, RACE_GPA, DUET_TEST_PAGE_SIZE, mem);
	}
	*(__u64 *)vm_gva2hva(vm, (uintptr_t)&race_stop, 8) = 1;
	TEST_ASSERT(!pthread_join(thread, NULL), "pthread_join");
	test_print("%d rounds: %llu guest reads, %llu MMIO exits", RACE_ROUNDS,
		   (unsigned long long)*reads,
		   (unsigned long long)t.mmio_exits);
	TEST_ASSERT(t.mmio_exits > 0, "the guest never saw the slot missing");
	TEST_ASSERT(*reads > t.mmio_exits, "the guest never read the slot");
}

static void guest_done_now(__u64 id)
{
	GUEST_SYNC(id);
	GUEST_DONE();
}

/* Many VMs at once, run in turn: each keeps its own memory and state. */
static void many_vms(void)
{
	struct duet_test_vcpu *vcpus[8];
	struct duet_test_vm *vms[8];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(vms); i++) {
		vms[i] = vm_create();
		vcpus[i] = vm_vcpu_add(vms[i], i, guest_done_now);
	}
	for (i = 0; i < ARRAY_SIZE(vms); i++)
		vcpu_expect_sync(vcpus[i], i);
	for (i = 0; i < ARRAY_SIZE(vms); i++) {
		vcpu_expect_done(vcpus[i]);
		vm_free(vms[i]);
	}
}

static const struct test_case cases[] = {
	TEST_CASE(signal_interrupts_loop),
	TEST_CASE(cpuid_garbage),
	TEST_CASE(far_gpa_mmio),
	TEST_CASE(gpa_beyond_maxphyaddr),
	TEST_CASE(page_tables_unbacked),
	TEST_CASE(code_unbacked),
	TEST_CASE(parallel_vcpus),
	TEST_CASE(slot_delete_while_running),
	TEST_CASE(many_vms),
};

int main(void)
{
	TEST_REQUIRE_VM();
	return test_run(cases, ARRAY_SIZE(cases));
}
