// SPDX-License-Identifier: GPL-2.0
/*
 * bt_bench: the binary translator against hardware on the same guest code,
 * in one VM, one vCPU.  The guest (64-bit, written in C with the selftests
 * library: its image is this program's) runs a compute loop without exits:
 * an xorshift generator whose values are added into, and read back from,
 * a 32 KiB array.  Each round runs the loop once between two ucalls; the
 * vCPU is put in hardware or BT mode by netlink vcpu-set (exec-mode)
 * before the round, and the host times the DUET_RUN from the first ucall
 * to the second.  The guest's result must equal the host's own run of the
 * same function, in both modes.
 *
 * A second loop, the generator alone (registers only, no memory
 * operand), separates the translator's cost per instruction from that of
 * its guest memory accesses (each one a guest page walk and a read or
 * write of guest memory through its memslot).
 *
 * Rounds: short warm-ups in hardware (the emulator's first translation of
 * new guest code), then both loops in hardware, then both in BT
 * (including its own first translation of the loop's blocks, as a guest
 * would pay it).
 *
 * usage: bt_bench ITERATIONS
 * prints "NAME VALUE" lines: hw_ns, bt_ns, the BT round's translator
 * counters (bt_insns, bt_blocks_translated, bt_cache_hits, bt_hw_steps),
 * then hw_alu_ns and bt_alu_ns for the generator alone.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "bt.h"
#include "guest.h"
#include "vm.h"

#define WORDS		4096		/* 32 KiB */
#define SEED		0x9e3779b97f4a7c15ULL

static __u64 work[WORDS];
static __u64 iterations;
static __u64 alu_only;

/* The generator alone: registers only, one block per iteration. */
static __u64 compute_alu(__u64 n)
{
	__u64 x = SEED, sum = 0, i;

	for (i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		sum += x ^ i;
	}
	return sum;
}

/* Guest code (and the host's check): the loop the rounds time. */
static __u64 compute(__u64 n)
{
	__u64 x = SEED, sum = 0, i;

	for (i = 0; i < WORDS; i++)
		work[i] = i;
	for (i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		work[x & (WORDS - 1)] += x;
		sum += work[(x >> 20) & (WORDS - 1)] ^ i;
	}
	return sum;
}

/* SYNC(0): ready for a round; SYNC2(1, result): the round's result. */
static void guest_main(void)
{
	for (;;) {
		__u64 n;

		GUEST_SYNC(0);
		n = GUEST_READ_ONCE(iterations);
		GUEST_SYNC2(1, GUEST_READ_ONCE(alu_only) ? compute_alu(n) :
			    compute(n));
	}
}

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/*
 * One round of @n iterations of compute(), or of compute_alu() if @alu, in
 * @mode: its time in ns; checks the result.
 */
static long long round_ns(struct duet_test_vcpu *vcpu, __u32 mode, bool alu,
			  __u64 n, __u64 want)
{
	struct ucall uc;
	long long t;

	vcpu_set_exec_mode(vcpu, mode);
	iterations = n;
	alu_only = alu;
	sync_global_to_guest(vcpu->vm, iterations);
	sync_global_to_guest(vcpu->vm, alu_only);
	t = now_ns();
	vcpu_run(vcpu);
	t = now_ns() - t;
	TEST_ASSERT_EQ(get_ucall(vcpu, &uc), UCALL_SYNC);
	TEST_ASSERT_EQ(uc.args[0], 1);
	TEST_ASSERT(uc.args[1] == want,
		    "%s round: guest result %#llx, host %#llx",
		    mode == DUET_EXEC_MODE_BT ? "BT" : "hardware",
		    (unsigned long long)uc.args[1], (unsigned long long)want);
	vcpu_expect_sync(vcpu, 0);
	return t;
}

static const unsigned int stats[] = {
	DUET_A_VCPU_STATS_BT_INSNS,
	DUET_A_VCPU_STATS_BT_BLOCKS_TRANSLATED,
	DUET_A_VCPU_STATS_BT_CACHE_HITS,
	DUET_A_VCPU_STATS_BT_HW_STEPS,
};

static const char *const stat_names[] = {
	"bt_insns", "bt_blocks_translated", "bt_cache_hits", "bt_hw_steps",
};

int main(int argc, char **argv)
{
	__u64 before[ARRAY_SIZE(stats)], n, want, warm_want, alu_want;
	struct duet_test_vcpu *vcpu;
	struct duet_test_vm *vm;
	long long hw, bt, hw_alu, bt_alu;
	unsigned int i;

	n = argc == 2 ? strtoull(argv[1], NULL, 0) : 0;
	if (!n) {
		fprintf(stderr, "usage: bt_bench ITERATIONS\n");
		return 2;
	}
	TEST_REQUIRE_VM();
	want = compute(n);
	warm_want = compute(n / 16 + 1);
	alu_want = compute_alu(n);

	vm = vm_create_with_one_vcpu(&vcpu, guest_main);
	vcpu_expect_sync(vcpu, 0);
	round_ns(vcpu, DUET_EXEC_MODE_HW, false, n / 16 + 1, warm_want);
	round_ns(vcpu, DUET_EXEC_MODE_HW, true, n / 16 + 1, compute_alu(n / 16 + 1));
	hw = round_ns(vcpu, DUET_EXEC_MODE_HW, false, n, want);
	hw_alu = round_ns(vcpu, DUET_EXEC_MODE_HW, true, n, alu_want);
	for (i = 0; i < ARRAY_SIZE(stats); i++)
		before[i] = vcpu_nl_stat(vcpu, stats[i]);
	bt = round_ns(vcpu, DUET_EXEC_MODE_BT, false, n, want);
	printf("hw_ns %lld\n", hw);
	printf("bt_ns %lld\n", bt);
	for (i = 0; i < ARRAY_SIZE(stats); i++)
		printf("%s %llu\n", stat_names[i],
		       (unsigned long long)(vcpu_nl_stat(vcpu, stats[i]) -
					    before[i]));
	bt_alu = round_ns(vcpu, DUET_EXEC_MODE_BT, true, n, alu_want);
	printf("hw_alu_ns %lld\n", hw_alu);
	printf("bt_alu_ns %lld\n", bt_alu);
	vm_free(vm);
	return 0;
}
