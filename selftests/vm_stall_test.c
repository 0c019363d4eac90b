// SPDX-License-Identifier: GPL-2.0
/*
 * The per-VM stall barrier (module/bt/stall.c), driven by netlink
 * vm-stall: while it is held no vCPU of the VM runs guest code (2 and 4
 * vCPUs spinning on per-vCPU counters, read from the host), and they run
 * again after it; a signal to a held vCPU's thread ends DUET_RUN with
 * -EINTR and the next DUET_RUN is held again until the release; a vCPU
 * created, or closed, during a stall; two requests at once are served one
 * after the other; the VM's max-stall-us cuts a long stall short and
 * counts it; vm-get's counters; bad and unprivileged requests.
 */
#define _GNU_SOURCE
#include <grp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "guest.h"
#include "nl.h"
#include "vm.h"

#define MAX_VCPUS	4
#define MS		1000000LL	/* ns */
#define UNPRIVILEGED_ID	65534		/* nobody */

/* Shared between threads, or with the guest: atomic accesses only. */
#define LOAD(x)		__atomic_load_n(&(x), __ATOMIC_SEQ_CST)
#define STORE(x, v)	__atomic_store_n(&(x), (v), __ATOMIC_SEQ_CST)

static __u64 spin_count[MAX_VCPUS];

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

static void sleep_until(long long t)
{
	long long d;

	while ((d = t - now_ns()) > 0) {
		struct timespec ts = { d / 1000000000LL, d % 1000000000LL };

		nanosleep(&ts, NULL);
	}
}

static void on_signal(int sig)
{
	(void)sig;
}

/* SIGUSR1 interrupts DUET_RUN (no SA_RESTART). */
static void install_handler(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	TEST_ASSERT(!sigaction(SIGUSR1, &sa, NULL), "sigaction");
}

static __u64 *guest_count(struct duet_test_vm *vm, unsigned int id)
{
	return vm_gva2hva(vm, (uintptr_t)&spin_count[id], sizeof(__u64));
}

struct nl_ctx {
	struct nl_sock nl;
	struct nl_family fam;
	__u32 vm_id;
};

static void nl_ctx_open(struct nl_ctx *c, __u32 vm_id)
{
	TEST_ASSERT_RC(_nl_open(&c->nl), 0);
	TEST_ASSERT_RC(_nl_family_get(&c->nl, DUET_FAMILY_NAME, &c->fam), 0);
	c->vm_id = vm_id;
}

/* The id of this process's one VM, by a vm-get dump. */
static __u32 my_vm_id(void)
{
	struct nl_ctx c;
	struct nl_vm vms[16];
	unsigned int i, n, mine = 0;
	__u32 id = 0;

	nl_ctx_open(&c, 0);
	TEST_ASSERT_RC(_nl_vm_dump(&c.nl, c.fam.id, vms, ARRAY_SIZE(vms), &n,
				   NULL), 0);
	for (i = 0; i < n && i < ARRAY_SIZE(vms); i++) {
		if (vms[i].pid == (__u32)getpid()) {
			id = vms[i].id;
			mine++;
		}
	}
	nl_close(&c.nl);
	TEST_ASSERT_EQ(mine, 1);
	return id;
}

static void vm_get(struct nl_ctx *c, struct nl_vm *v)
{
	struct nl_reply rep;

	TEST_ASSERT_RC(_nl_vm_get(&c->nl, c->fam.id, c->vm_id, v, &rep), 0);
	TEST_ASSERT(v->has_stats, "vm-get without stats");
}

static void set_max_stall(struct nl_ctx *c, __u32 us)
{
	struct nl_reply rep;
	struct nl_vm v;

	TEST_ASSERT_RC(_nl_vm_set_max_stall(&c->nl, c->fam.id, c->vm_id, us,
					    &rep), 0);
	vm_get(c, &v);
	TEST_ASSERT_EQ(v.max_stall_us, us);
}

/* A vm-stall in a thread of its own, timed. */
struct staller {
	struct nl_ctx c;
	__u32 us;
	int rc;
	long long sent_ns, answered_ns;
	bool done;			/* LOAD()/STORE() */
	pthread_t t;
};

static void *staller_fn(void *arg)
{
	struct staller *s = arg;
	struct nl_reply rep;

	STORE(s->sent_ns, now_ns());
	s->rc = _nl_vm_stall(&s->c.nl, s->c.fam.id, s->c.vm_id, s->us, &rep);
	s->answered_ns = now_ns();
	STORE(s->done, true);
	return NULL;
}

static void staller_start(struct staller *s, __u32 vm_id, __u32 us)
{
	memset(s, 0, sizeof(*s));
	nl_ctx_open(&s->c, vm_id);
	s->us = us;
	TEST_ASSERT(!pthread_create(&s->t, NULL, staller_fn, s),
		    "pthread_create");
}

static void staller_join(struct staller *s)
{
	TEST_ASSERT(!pthread_join(s->t, NULL), "pthread_join");
	nl_close(&s->c.nl);
}

/* A vCPU thread running DUET_RUN until told to stop. */
struct spinner {
	struct duet_test_vcpu *vcpu;
	bool stop;			/* LOAD()/STORE() */
	bool done;			/* LOAD()/STORE() */
	unsigned int eintr;		/* LOAD()/STORE() */
	long long first_eintr_ns;
	long long first_return_ns;	/* LOAD()/STORE() */
	int last_rc;
	pthread_t t;
};

static void *spinner_fn(void *arg)
{
	struct spinner *s = arg;
	int r;

	while (!LOAD(s->stop)) {
		r = _vcpu_run(s->vcpu);
		if (!LOAD(s->first_return_ns))
			STORE(s->first_return_ns, now_ns());
		s->last_rc = r;
		if (r == -EINTR) {
			if (!s->eintr)
				s->first_eintr_ns = now_ns();
			STORE(s->eintr, s->eintr + 1);
			continue;
		}
		if (r)
			break;
		/* A ucall (the first GUEST_SYNC of a late vCPU): go on. */
	}
	STORE(s->done, true);
	return NULL;
}

static void spinner_start(struct spinner *s, struct duet_test_vcpu *vcpu)
{
	memset(s, 0, sizeof(*s));
	s->vcpu = vcpu;
	TEST_ASSERT(!pthread_create(&s->t, NULL, spinner_fn, s),
		    "pthread_create");
}

/* Signal @s until it has seen stop: a signal may land between runs. */
static void spinner_stop(struct spinner *s)
{
	STORE(s->stop, true);
	while (!LOAD(s->done)) {
		pthread_kill(s->t, SIGUSR1);
		sleep_until(now_ns() + 2 * MS);
	}
	TEST_ASSERT(!pthread_join(s->t, NULL), "pthread_join");
	TEST_ASSERT(s->last_rc == 0 || s->last_rc == -EINTR,
		    "vCPU %u: DUET_RUN %s", s->vcpu->id,
		    test_rc_str(s->last_rc));
}

/* Wait until every counter of @ids moves; fail after 5 s. */
static void expect_running(struct duet_test_vm *vm, unsigned int nr)
{
	__u64 before[MAX_VCPUS];
	unsigned int i, moved;
	int tries;

	for (i = 0; i < nr; i++)
		before[i] = LOAD(*guest_count(vm, i));
	for (tries = 0; tries < 5000; tries++) {
		moved = 0;
		for (i = 0; i < nr; i++)
			moved += LOAD(*guest_count(vm, i)) != before[i];
		if (moved == nr)
			return;
		sleep_until(now_ns() + MS);
	}
	TEST_FAIL("%u of %u vCPUs run", moved, nr);
}

static void snapshot(struct duet_test_vm *vm, unsigned int nr, __u64 *c)
{
	unsigned int i;

	for (i = 0; i < nr; i++)
		c[i] = LOAD(*guest_count(vm, i));
}

/*
 * @nr vCPUs spin; a 200 ms vm-stall: their counters do not move from
 * 50 ms after the request to 150 ms after it, and move again after the
 * answer; vm-get counts one stall of at least 200 ms, no timeout.
 */
static void stall_freezes(unsigned int nr)
{
	struct duet_test_vcpu *vcpus[MAX_VCPUS];
	__u64 a[MAX_VCPUS], b[MAX_VCPUS];
	struct spinner sp[MAX_VCPUS];
	struct duet_test_vm *vm;
	struct nl_vm v0, v1;
	struct staller st;
	struct nl_ctx c;
	unsigned int i;

	install_handler();
	vm = vm_create_with_vcpus(nr, guest_spin, vcpus);
	nl_ctx_open(&c, my_vm_id());
	set_max_stall(&c, 500000);
	vm_get(&c, &v0);
	for (i = 0; i < nr; i++) {
		vcpu_expect_sync(vcpus[i], i);
		spinner_start(&sp[i], vcpus[i]);
	}
	expect_running(vm, nr);

	staller_start(&st, c.vm_id, 200000);
	while (!LOAD(st.sent_ns))
		sleep_until(now_ns() + MS / 10);
	sleep_until(st.sent_ns + 50 * MS);
	snapshot(vm, nr, a);
	sleep_until(st.sent_ns + 150 * MS);
	snapshot(vm, nr, b);
	TEST_ASSERT(!LOAD(st.done), "vm-stall answered early");
	staller_join(&st);
	TEST_ASSERT_RC(st.rc, 0);
	TEST_ASSERT(st.answered_ns - st.sent_ns >= 200 * MS,
		    "held %lld ms", (st.answered_ns - st.sent_ns) / MS);
	for (i = 0; i < nr; i++)
		TEST_ASSERT(a[i] == b[i], "vCPU %u ran during the stall: %llu -> %llu",
			    i, (unsigned long long)a[i], (unsigned long long)b[i]);
	expect_running(vm, nr);

	vm_get(&c, &v1);
	TEST_ASSERT_EQ(v1.stats[DUET_A_VM_STATS_STALLS],
		       v0.stats[DUET_A_VM_STATS_STALLS] + 1);
	TEST_ASSERT(v1.stats[DUET_A_VM_STATS_STALL_NS] -
		    v0.stats[DUET_A_VM_STATS_STALL_NS] >= 200 * MS,
		    "stall-ns grew by %llu",
		    (unsigned long long)(v1.stats[DUET_A_VM_STATS_STALL_NS] -
					 v0.stats[DUET_A_VM_STATS_STALL_NS]));
	TEST_ASSERT(v1.stats[DUET_A_VM_STATS_STALL_MAX_NS] >= 200 * MS,
		    "stall-max-ns %llu",
		    (unsigned long long)v1.stats[DUET_A_VM_STATS_STALL_MAX_NS]);
	TEST_ASSERT_EQ(v1.stats[DUET_A_VM_STATS_STALL_TIMEOUTS], 0);
	TEST_ASSERT_EQ(v1.stats[DUET_A_VM_STATS_STALL_WAIT_TIMEOUTS], 0);

	for (i = 0; i < nr; i++)
		spinner_stop(&sp[i]);
	nl_close(&c.nl);
	vm_free(vm);
}

static void stall_freezes_2_vcpus(void)
{
	stall_freezes(2);
}

static void stall_freezes_4_vcpus(void)
{
	stall_freezes(4);
}

/*
 * A signal to a held vCPU's thread ends its DUET_RUN with -EINTR during
 * the stall; DUET_RUN again is held (its counter stays) until the
 * release, when both vCPUs run again.
 */
static void signal_to_held_vcpu(void)
{
	struct duet_test_vcpu *vcpus[2];
	struct spinner sp[2];
	struct duet_test_vm *vm;
	struct staller st;
	struct nl_ctx c;
	__u64 a[2], b[2];
	unsigned int i;

	install_handler();
	vm = vm_create_with_vcpus(2, guest_spin, vcpus);
	nl_ctx_open(&c, my_vm_id());
	set_max_stall(&c, 500000);
	for (i = 0; i < 2; i++) {
		vcpu_expect_sync(vcpus[i], i);
		spinner_start(&sp[i], vcpus[i]);
	}
	expect_running(vm, 2);

	staller_start(&st, c.vm_id, 300000);
	while (!LOAD(st.sent_ns))
		sleep_until(now_ns() + MS / 10);
	sleep_until(st.sent_ns + 50 * MS);
	snapshot(vm, 2, a);
	TEST_ASSERT(!pthread_kill(sp[0].t, SIGUSR1), "pthread_kill");
	while (!LOAD(sp[0].eintr) && now_ns() < st.sent_ns + 250 * MS)
		sleep_until(now_ns() + MS);
	TEST_ASSERT(LOAD(sp[0].eintr), "the signal did not end DUET_RUN");
	TEST_ASSERT(sp[0].first_eintr_ns < st.sent_ns + 250 * MS,
		    "-EINTR only after %lld ms",
		    (sp[0].first_eintr_ns - st.sent_ns) / MS);
	/* The thread is back in DUET_RUN, held. */
	sleep_until(st.sent_ns + 250 * MS);
	snapshot(vm, 2, b);
	TEST_ASSERT(!LOAD(st.done), "vm-stall answered early");
	for (i = 0; i < 2; i++)
		TEST_ASSERT(a[i] == b[i], "vCPU %u ran during the stall", i);
	staller_join(&st);
	TEST_ASSERT_RC(st.rc, 0);
	expect_running(vm, 2);
	TEST_ASSERT_EQ(LOAD(sp[1].eintr), 0);

	for (i = 0; i < 2; i++)
		spinner_stop(&sp[i]);
	nl_close(&c.nl);
	vm_free(vm);
}

/*
 * A vCPU created during a stall: its first DUET_RUN (which would return
 * at its GUEST_SYNC at once) returns only after the release.  A vCPU
 * closed during a stall does not disturb it.
 */
static void vcpu_created_and_closed_during_stall(void)
{
	struct duet_test_vcpu *vcpus[3], *late;
	struct spinner sp[2];
	struct duet_test_vm *vm;
	struct staller st;
	struct nl_ctx c;
	__u64 a, b;

	install_handler();
	vm = vm_create_with_vcpus(3, guest_spin, vcpus);
	nl_ctx_open(&c, my_vm_id());
	set_max_stall(&c, 500000);
	vcpu_expect_sync(vcpus[0], 0);
	spinner_start(&sp[0], vcpus[0]);
	expect_running(vm, 1);

	staller_start(&st, c.vm_id, 300000);
	while (!LOAD(st.sent_ns))
		sleep_until(now_ns() + MS / 10);
	sleep_until(st.sent_ns + 50 * MS);
	a = LOAD(*guest_count(vm, 0));
	vcpu_free(vcpus[2]);
	late = vm_vcpu_add(vm, 3, guest_spin);
	spinner_start(&sp[1], late);
	sleep_until(st.sent_ns + 250 * MS);
	b = LOAD(*guest_count(vm, 0));
	TEST_ASSERT(!LOAD(st.done), "vm-stall answered early");
	TEST_ASSERT(!LOAD(sp[1].first_return_ns),
		    "the new vCPU ran during the stall");
	TEST_ASSERT(a == b, "vCPU 0 ran during the stall");
	staller_join(&st);
	TEST_ASSERT_RC(st.rc, 0);
	while (!LOAD(sp[1].first_return_ns) &&
	       now_ns() < st.answered_ns + 5000 * MS)
		sleep_until(now_ns() + MS);
	TEST_ASSERT(LOAD(sp[1].first_return_ns), "the new vCPU never ran");
	TEST_ASSERT(sp[1].first_return_ns >= st.sent_ns + 250 * MS,
		    "the new vCPU ran %lld ms after the request",
		    (sp[1].first_return_ns - st.sent_ns) / MS);
	expect_running(vm, 1);

	spinner_stop(&sp[0]);
	spinner_stop(&sp[1]);
	nl_close(&c.nl);
	vm_free(vm);
}

/*
 * Two 150 ms vm-stall requests at once are served one after the other:
 * the vCPUs do not run during the first, the second answer comes at
 * least 300 ms after the first request, and vm-get counts two stalls,
 * the longest under 300 ms (not one merged stall).  Held vCPUs may run
 * between the two: the release wakes them and the second requester alike.
 */
static void two_stalls_serialise(void)
{
	struct duet_test_vcpu *vcpus[2];
	struct spinner sp[2];
	struct duet_test_vm *vm;
	struct staller st[2];
	struct nl_vm v0, v1;
	struct nl_ctx c;
	__u64 a[2], b[2];
	long long first, last;
	unsigned int i;

	install_handler();
	vm = vm_create_with_vcpus(2, guest_spin, vcpus);
	nl_ctx_open(&c, my_vm_id());
	set_max_stall(&c, 500000);
	vm_get(&c, &v0);
	for (i = 0; i < 2; i++) {
		vcpu_expect_sync(vcpus[i], i);
		spinner_start(&sp[i], vcpus[i]);
	}
	expect_running(vm, 2);

	for (i = 0; i < 2; i++)
		staller_start(&st[i], c.vm_id, 150000);
	while (!LOAD(st[0].sent_ns) || !LOAD(st[1].sent_ns))
		sleep_until(now_ns() + MS / 10);
	/* Inside the first stall, whichever request it is. */
	first = st[0].sent_ns < st[1].sent_ns ? st[0].sent_ns : st[1].sent_ns;
	sleep_until(first + 30 * MS);
	snapshot(vm, 2, a);
	sleep_until(first + 120 * MS);
	snapshot(vm, 2, b);
	for (i = 0; i < 2; i++)
		staller_join(&st[i]);
	for (i = 0; i < 2; i++) {
		TEST_ASSERT_RC(st[i].rc, 0);
		TEST_ASSERT(a[i] == b[i], "vCPU %u ran during the stall", i);
	}
	first = st[0].sent_ns < st[1].sent_ns ? st[0].sent_ns : st[1].sent_ns;
	last = st[0].answered_ns > st[1].answered_ns ? st[0].answered_ns :
						      st[1].answered_ns;
	TEST_ASSERT(last - first >= 300 * MS, "both answered within %lld ms",
		    (last - first) / MS);
	expect_running(vm, 2);

	vm_get(&c, &v1);
	TEST_ASSERT_EQ(v1.stats[DUET_A_VM_STATS_STALLS],
		       v0.stats[DUET_A_VM_STATS_STALLS] + 2);
	TEST_ASSERT(v1.stats[DUET_A_VM_STATS_STALL_MAX_NS] >= 150 * MS &&
		    v1.stats[DUET_A_VM_STATS_STALL_MAX_NS] < 300 * MS,
		    "stall-max-ns %llu",
		    (unsigned long long)v1.stats[DUET_A_VM_STATS_STALL_MAX_NS]);
	TEST_ASSERT(v1.stats[DUET_A_VM_STATS_STALL_NS] -
		    v0.stats[DUET_A_VM_STATS_STALL_NS] >= 300 * MS,
		    "stall-ns grew by %llu",
		    (unsigned long long)(v1.stats[DUET_A_VM_STATS_STALL_NS] -
					 v0.stats[DUET_A_VM_STATS_STALL_NS]));

	for (i = 0; i < 2; i++)
		spinner_stop(&sp[i]);
	nl_close(&c.nl);
	vm_free(vm);
}

/*
 * max-stall-us is 50000 by default; a 1 s vm-stall is released after
 * about 50 ms and counted in stall-timeouts, and the vCPUs run again.
 */
static void max_stall_bounds_a_stall(void)
{
	struct duet_test_vcpu *vcpus[2];
	struct spinner sp[2];
	struct duet_test_vm *vm;
	struct nl_vm v0, v1;
	struct staller st;
	struct nl_ctx c;
	long long held;
	unsigned int i;

	install_handler();
	vm = vm_create_with_vcpus(2, guest_spin, vcpus);
	nl_ctx_open(&c, my_vm_id());
	vm_get(&c, &v0);
	TEST_ASSERT_EQ(v0.max_stall_us, 50000);
	for (i = 0; i < 2; i++) {
		vcpu_expect_sync(vcpus[i], i);
		spinner_start(&sp[i], vcpus[i]);
	}
	expect_running(vm, 2);

	staller_start(&st, c.vm_id, 1000000);
	staller_join(&st);
	TEST_ASSERT_RC(st.rc, 0);
	held = st.answered_ns - st.sent_ns;
	TEST_ASSERT(held >= 50 * MS && held < 500 * MS, "held %lld ms",
		    held / MS);
	expect_running(vm, 2);

	vm_get(&c, &v1);
	TEST_ASSERT_EQ(v1.stats[DUET_A_VM_STATS_STALLS],
		       v0.stats[DUET_A_VM_STATS_STALLS] + 1);
	TEST_ASSERT_EQ(v1.stats[DUET_A_VM_STATS_STALL_TIMEOUTS],
		       v0.stats[DUET_A_VM_STATS_STALL_TIMEOUTS] + 1);
	TEST_ASSERT(v1.stats[DUET_A_VM_STATS_STALL_MAX_NS] >= 50 * MS &&
		    v1.stats[DUET_A_VM_STATS_STALL_MAX_NS] < 500 * MS,
		    "stall-max-ns %llu",
		    (unsigned long long)v1.stats[DUET_A_VM_STATS_STALL_MAX_NS]);

	/*
	 * A stall well under the limit is not a timeout (a wide margin:
	 * the emulated machine's wake-ups can be late by tens of ms).
	 */
	set_max_stall(&c, 500000);
	staller_start(&st, c.vm_id, 10000);
	staller_join(&st);
	TEST_ASSERT_RC(st.rc, 0);
	vm_get(&c, &v0);
	TEST_ASSERT_EQ(v0.stats[DUET_A_VM_STATS_STALLS],
		       v1.stats[DUET_A_VM_STATS_STALLS] + 1);
	TEST_ASSERT_EQ(v0.stats[DUET_A_VM_STATS_STALL_TIMEOUTS],
		       v1.stats[DUET_A_VM_STATS_STALL_TIMEOUTS]);

	for (i = 0; i < 2; i++)
		spinner_stop(&sp[i]);
	nl_close(&c.nl);
	vm_free(vm);
}

/* Out-of-range, missing and misdirected requests; nothing is counted. */
static void bad_requests(void)
{
	struct duet_test_vcpu *vcpu;
	struct duet_test_vm *vm;
	struct nl_reply rep;
	struct nl_msg req;
	struct nl_vm v;
	struct nl_ctx c;

	vm = vm_create_with_one_vcpu(&vcpu, guest_spin);
	nl_ctx_open(&c, my_vm_id());
	TEST_ASSERT_RC(_nl_vm_stall(&c.nl, c.fam.id, c.vm_id, 0, &rep), -EINVAL);
	TEST_ASSERT(rep.has_offs, "no offending attribute");
	TEST_ASSERT_RC(_nl_vm_stall(&c.nl, c.fam.id, c.vm_id, 1000001, &rep),
		       -EINVAL);
	TEST_ASSERT_RC(_nl_vm_set_max_stall(&c.nl, c.fam.id, c.vm_id, 0, &rep),
		       -EINVAL);
	TEST_ASSERT_RC(_nl_vm_set_max_stall(&c.nl, c.fam.id, c.vm_id, 1000001,
					    &rep), -EINVAL);
	TEST_ASSERT_RC(_nl_vm_stall(&c.nl, c.fam.id, 0x7fffffff, 1000, &rep),
		       -ENOENT);
	TEST_ASSERT_RC(_nl_vm_set_max_stall(&c.nl, c.fam.id, 0x7fffffff, 1000,
					    &rep), -ENOENT);
	nl_msg_init(&req, c.fam.id, DUET_CMD_VM_STALL, DUET_FAMILY_VERSION);
	nl_put_u32(&req, DUET_A_VM_ID, c.vm_id);
	TEST_ASSERT_RC(_nl_request(&c.nl, &req, &rep), -EINVAL);
	nl_msg_init(&req, c.fam.id, DUET_CMD_VM_SET, DUET_FAMILY_VERSION);
	nl_put_u32(&req, DUET_A_VM_MAX_STALL_US, 1000);
	TEST_ASSERT_RC(_nl_request(&c.nl, &req, &rep), -EINVAL);

	vm_get(&c, &v);
	TEST_ASSERT_EQ(v.max_stall_us, 50000);
	TEST_ASSERT_EQ(v.stats[DUET_A_VM_STATS_STALLS], 0);
	TEST_ASSERT_EQ(v.stats[DUET_A_VM_STATS_STALL_TIMEOUTS], 0);
	/* A VM without vCPUs in guest mode stalls at once. */
	TEST_ASSERT_RC(_nl_vm_stall(&c.nl, c.fam.id, c.vm_id, 1000, &rep), 0);
	vm_get(&c, &v);
	TEST_ASSERT_EQ(v.stats[DUET_A_VM_STATS_STALLS], 1);
	nl_close(&c.nl);
	vm_free(vm);
}

/* vm-set and vm-stall need CAP_NET_ADMIN; vm-get does not. */
static void unprivileged_refused(void)
{
	struct duet_test_vcpu *vcpu;
	struct duet_test_vm *vm;
	struct nl_reply rep;
	struct nl_ctx c;
	struct nl_vm v;
	int status;
	pid_t pid;

	vm = vm_create_with_one_vcpu(&vcpu, guest_spin);
	nl_ctx_open(&c, my_vm_id());
	pid = fork();
	TEST_ASSERT(pid >= 0, "fork");
	if (!pid) {
		if (setgroups(0, NULL) || setgid(UNPRIVILEGED_ID) ||
		    setuid(UNPRIVILEGED_ID))
			_exit(2);
		/* A socket of its own: the core checks the opener too. */
		nl_close(&c.nl);
		if (_nl_open(&c.nl))
			_exit(6);
		if (_nl_vm_stall(&c.nl, c.fam.id, c.vm_id, 1000, &rep) != -EPERM)
			_exit(3);
		if (_nl_vm_set_max_stall(&c.nl, c.fam.id, c.vm_id, 1000,
					 &rep) != -EPERM)
			_exit(4);
		if (_nl_vm_get(&c.nl, c.fam.id, c.vm_id, &v, &rep))
			_exit(5);
		_exit(0);
	}
	TEST_ASSERT(waitpid(pid, &status, 0) == pid, "waitpid");
	TEST_ASSERT(WIFEXITED(status) && !WEXITSTATUS(status),
		    "unprivileged child: status %#x", status);
	vm_get(&c, &v);
	TEST_ASSERT_EQ(v.max_stall_us, 50000);
	TEST_ASSERT_EQ(v.stats[DUET_A_VM_STATS_STALLS], 0);
	nl_close(&c.nl);
	vm_free(vm);
}

static const struct test_case cases[] = {
	TEST_CASE(stall_freezes_2_vcpus),
	TEST_CASE(stall_freezes_4_vcpus),
	TEST_CASE(signal_to_held_vcpu),
	TEST_CASE(vcpu_created_and_closed_during_stall),
	TEST_CASE(two_stalls_serialise),
	TEST_CASE(max_stall_bounds_a_stall),
	TEST_CASE(bad_requests),
	TEST_CASE(unprivileged_refused),
};

int main(void)
{
	TEST_REQUIRE_VM();
	return test_run(cases, ARRAY_SIZE(cases));
}
