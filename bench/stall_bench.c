// SPDX-License-Identifier: GPL-2.0
/*
 * stall_bench: what the stall barrier costs: from a request to every other
 * vCPU out of guest mode.  One VM with four vCPUs spinning in the guest
 * on counters of their own (no exits); netlink vm-stall of stall-us 1,
 * COUNT times in a row, with 0, 2 and 4 of the vCPUs running.  With none
 * running the barrier has nothing to wait for: the same request then
 * costs only the hold and its release, the baseline the others are
 * measured against.
 *
 * The VM's counters (vm-get: stalls, stall-ns) time each stall from the
 * barrier taken to its release, i.e. the parking of the running vCPUs
 * plus the hold; the mean over COUNT stalls, less the baseline's mean, is
 * the parking overhead.  The requester's own timing of each request
 * (netlink round trip included) is printed as well.
 *
 * usage: stall_bench COUNT
 * prints, for N in 0 2 4: held_Nvcpu_ns (counters' mean), request_Nvcpu_ns
 * (requester's mean), timeouts_Nvcpu (requests that timed out waiting for
 * a vCPU to leave guest mode, retried), then stall_Nvcpu_ns (held less
 * the baseline's held) for 2 and 4; times in ns.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "bt.h"
#include "guest.h"
#include "nl.h"
#include "vm.h"

#define NR_VCPUS	4
#define STALL_US	1
#define WARM_UP		20

#define LOAD(x)		__atomic_load_n(&(x), __ATOMIC_SEQ_CST)
#define STORE(x, v)	__atomic_store_n(&(x), (v), __ATOMIC_SEQ_CST)

static __u64 spin_count[NR_VCPUS];

static void guest_spin(__u64 id)
{
	GUEST_SYNC(id);
	for (;;)
		GUEST_WRITE_ONCE(spin_count[id], spin_count[id] + 1);
}

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void sleep_ms(int ms)
{
	struct timespec ts = { 0, ms * 1000000L };

	nanosleep(&ts, NULL);
}

static void on_signal(int sig)
{
	(void)sig;
}

struct spinner {
	struct duet_test_vcpu *vcpu;
	bool stop;			/* LOAD()/STORE() */
	bool done;			/* LOAD()/STORE() */
	int rc;
	pthread_t t;
};

static void *spinner_fn(void *arg)
{
	struct spinner *s = arg;

	while (!LOAD(s->stop)) {
		s->rc = _vcpu_run(s->vcpu);
		/* -EINTR: the stop signal, or one that raced with it. */
		if (s->rc && s->rc != -EINTR)
			break;
	}
	STORE(s->done, true);
	return NULL;
}

/* Signal until @s has seen stop: a signal may land between two runs. */
static void spinner_stop(struct spinner *s)
{
	STORE(s->stop, true);
	while (!LOAD(s->done)) {
		pthread_kill(s->t, SIGUSR1);
		sleep_ms(2);
	}
	TEST_ASSERT(!pthread_join(s->t, NULL), "pthread_join");
	TEST_ASSERT(!s->rc || s->rc == -EINTR, "vCPU %u: DUET_RUN %s",
		    s->vcpu->id, test_rc_str(s->rc));
}

/* Wait until the guest counters of vCPUs [0, @nr) all move. */
static void expect_running(struct duet_test_vm *vm, unsigned int nr)
{
	__u64 *c = vm_gva2hva(vm, (uintptr_t)spin_count, sizeof(spin_count));
	__u64 before[NR_VCPUS];
	unsigned int i, moved = 0;
	int tries;

	for (i = 0; i < nr; i++)
		before[i] = LOAD(c[i]);
	for (tries = 0; tries < 5000 && moved < nr; tries++) {
		sleep_ms(1);
		for (moved = 0, i = 0; i < nr; i++)
			moved += LOAD(c[i]) != before[i];
	}
	TEST_ASSERT(moved == nr, "%u of %u vCPUs run", moved, nr);
}

static struct nl_sock nl;
static struct nl_family fam;
static struct nl_reply rep;

struct result {
	long long held_ns, request_ns;
	unsigned int timeouts;
};

/*
 * One vm-stall: its time in ns, or -1 when a running vCPU did not leave
 * guest mode within the module's acknowledgment timeout (-ETIMEDOUT,
 * 100 ms): under a loaded host an emulated CPU can go unscheduled that
 * long.
 */
static long long stall_once(__u32 id)
{
	long long t = now_ns();
	int r = _nl_vm_stall(&nl, fam.id, id, STALL_US, &rep);

	t = now_ns() - t;
	if (r == -ETIMEDOUT)
		return -1;
	TEST_ASSERT_RC(r, 0);
	return t;
}

/*
 * @count answered stalls: the means of the counters and of the requests.
 * A timed-out request is retried (up to @count of them), counted in
 * @r->timeouts and left out of both means: with max-stall-us at 1 s the
 * module counts it in stall-wait-timeouts alone, not in stalls or
 * stall-ns.
 */
static void measure(struct duet_test_vm *vm, unsigned int count,
		    struct result *r)
{
	__u64 stalls, held, timeouts;
	long long t, total = 0;
	__u32 id = vm_nl_id(vm);
	unsigned int i, done = 0, warm_timeouts = 0;

	for (i = 0; i < WARM_UP; i++)
		if (stall_once(id) < 0)
			warm_timeouts++;
	stalls = vm_nl_stat(vm, DUET_A_VM_STATS_STALLS);
	held = vm_nl_stat(vm, DUET_A_VM_STATS_STALL_NS);
	timeouts = vm_nl_stat(vm, DUET_A_VM_STATS_STALL_WAIT_TIMEOUTS);
	while (done < count) {
		t = stall_once(id);
		if (t >= 0) {
			total += t;
			done++;
			continue;
		}
		TEST_ASSERT(++r->timeouts <= count, "%u stalls timed out",
			    r->timeouts);
	}
	TEST_ASSERT_EQ(vm_nl_stat(vm, DUET_A_VM_STATS_STALL_WAIT_TIMEOUTS) -
		       timeouts, r->timeouts);
	/* Every answered request is one stall, counted once. */
	TEST_ASSERT_EQ(vm_nl_stat(vm, DUET_A_VM_STATS_STALLS) - stalls, count);
	held = vm_nl_stat(vm, DUET_A_VM_STATS_STALL_NS) - held;
	r->held_ns = held / count;
	r->request_ns = total / count;
	r->timeouts += warm_timeouts;
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal };
	struct duet_test_vcpu *vcpus[NR_VCPUS];
	struct spinner spinners[NR_VCPUS];
	struct result res[3];
	static const unsigned int nrs[] = { 0, 2, 4 };
	struct duet_test_vm *vm;
	unsigned int count, i, k, running = 0;
	struct nl_vm info;

	count = argc == 2 ? strtoul(argv[1], NULL, 0) : 0;
	if (!count) {
		fprintf(stderr, "usage: stall_bench COUNT\n");
		return 2;
	}
	TEST_REQUIRE_VM();
	/* SIGUSR1 ends a DUET_RUN (no SA_RESTART). */
	TEST_ASSERT(!sigaction(SIGUSR1, &sa, NULL), "sigaction");
	TEST_ASSERT_RC(_nl_open(&nl), 0);
	TEST_ASSERT_RC(_nl_family_get(&nl, DUET_FAMILY_NAME, &fam), 0);

	vm = vm_create_with_vcpus(NR_VCPUS, guest_spin, vcpus);
	for (i = 0; i < NR_VCPUS; i++)
		vcpu_expect_sync(vcpus[i], i);
	/*
	 * The longest limit: a stall waiting on a vCPU the host does not
	 * schedule then ends in the acknowledgment timeout, counted as
	 * such, not at the limit, counted as a stall.
	 */
	TEST_ASSERT_RC(_nl_vm_set_max_stall(&nl, fam.id, vm_nl_id(vm),
					    1000000, &rep), 0);
	TEST_ASSERT_RC(_nl_vm_get(&nl, fam.id, vm_nl_id(vm), &info, &rep), 0);
	TEST_ASSERT_EQ(info.max_stall_us, 1000000);
	memset(spinners, 0, sizeof(spinners));
	for (k = 0; k < ARRAY_SIZE(nrs); k++) {
		for (; running < nrs[k]; running++) {
			spinners[running].vcpu = vcpus[running];
			TEST_ASSERT(!pthread_create(&spinners[running].t, NULL,
						    spinner_fn,
						    &spinners[running]),
				    "pthread_create");
		}
		expect_running(vm, running);
		memset(&res[k], 0, sizeof(res[k]));
		measure(vm, count, &res[k]);
		/* Still spinning after the stalls: they were let go. */
		expect_running(vm, running);
	}
	for (i = 0; i < running; i++)
		spinner_stop(&spinners[i]);

	for (k = 0; k < ARRAY_SIZE(nrs); k++) {
		printf("held_%uvcpu_ns %lld\n", nrs[k], res[k].held_ns);
		printf("request_%uvcpu_ns %lld\n", nrs[k], res[k].request_ns);
		printf("timeouts_%uvcpu %u\n", nrs[k], res[k].timeouts);
	}
	for (k = 1; k < ARRAY_SIZE(nrs); k++)
		printf("stall_%uvcpu_ns %lld\n", nrs[k],
		       res[k].held_ns - res[0].held_ns);
	vm_free(vm);
	return 0;
}
