// SPDX-License-Identifier: GPL-2.0
/*
 * The run loop: vCPUs running in parallel threads, DUET_KICK from other
 * threads (while the guest spins, before DUET_RUN, racing with close()),
 * a signal to one of two vCPU threads, and NMI blocking until the NMI
 * handler's IRET.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "guest.h"
#include "nl.h"
#include "vm.h"

#define NR_VCPUS	4
#define NR_ROUNDS	25
/* A kick must end DUET_RUN within this; a failure ends it by signal. */
#define KICK_LIMIT_NS	(5 * 1000000000LL)

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static int kick(struct duet_test_vcpu *vcpu, unsigned long arg)
{
	return _duet_ioctl(vcpu->fd, DUET_KICK, arg);
}

/* Guest and host alike: some arithmetic that depends on both inputs. */
static __u64 work(__u64 id, __u64 round)
{
	__u64 x = (id + 1) * 0x9e3779b97f4a7c15ull + round, sum = 0;
	int i;

	for (i = 0; i < 2000; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		sum += x * (id + 1);
	}
	return sum;
}

static __u64 results[NR_VCPUS][NR_ROUNDS];

static void guest_work(__u64 id)
{
	__u64 r;

	for (r = 0; r < NR_ROUNDS; r++) {
		results[id][r] = work(id, r);
		GUEST_SYNC3(id, r, results[id][r]);
	}
	GUEST_DONE();
}

static void *work_thread(void *arg)
{
	struct duet_test_vcpu *vcpu = arg;
	struct ucall uc;
	__u64 round = 0;

	for (;;) {
		switch (vcpu_run_ucall(vcpu, &uc)) {
		case UCALL_SYNC:
			TEST_ASSERT_EQ(uc.args[0], vcpu->id);
			TEST_ASSERT_EQ(uc.args[1], round);
			TEST_ASSERT_EQ(uc.args[2], work(vcpu->id, round));
			round++;
			break;
		case UCALL_DONE:
			TEST_ASSERT_EQ(round, NR_ROUNDS);
			return NULL;
		default:
			TEST_FAIL("vCPU %u: ucall %s", vcpu->id,
				  ucall_cmd_str(uc.cmd));
		}
	}
}

/* Four vCPUs in four threads compute and report with their own index. */
static void four_vcpus_in_threads(void)
{
	struct duet_test_vcpu *vcpus[NR_VCPUS];
	pthread_t threads[NR_VCPUS];
	struct duet_test_vm *vm;
	unsigned int i, r;

	vm = vm_create_with_vcpus(NR_VCPUS, guest_work, vcpus);
	for (i = 0; i < NR_VCPUS; i++)
		TEST_ASSERT(!pthread_create(&threads[i], NULL, work_thread,
					    vcpus[i]), "pthread_create");
	for (i = 0; i < NR_VCPUS; i++)
		TEST_ASSERT(!pthread_join(threads[i], NULL), "pthread_join");

	/* What each guest wrote to its own row of guest memory. */
	sync_global_from_guest(vm, results);
	for (i = 0; i < NR_VCPUS; i++)
		for (r = 0; r < NR_ROUNDS; r++)
			TEST_ASSERT_EQ(results[i][r], work(i, r));
	vm_free(vm);
}

static __u64 spin_count[NR_VCPUS];
static __u64 spin_stop;

static void guest_spin(__u64 id)
{
	GUEST_SYNC(id);
	while (!GUEST_READ_ONCE(spin_stop))
		GUEST_WRITE_ONCE(spin_count[id], spin_count[id] + 1);
	GUEST_DONE();
}

/* Shared between threads, or with the guest: atomic accesses only. */
#define LOAD(x)		__atomic_load_n(&(x), __ATOMIC_SEQ_CST)
#define STORE(x, v)	__atomic_store_n(&(x), (v), __ATOMIC_SEQ_CST)

/* The host's view of the guest's spin_count[@id]. */
static __u64 *guest_count(struct duet_test_vm *vm, unsigned int id)
{
	return vm_gva2hva(vm, (uintptr_t)&spin_count[id], sizeof(__u64));
}

static void stop_spinning(struct duet_test_vm *vm)
{
	__u64 *stop = vm_gva2hva(vm, (uintptr_t)&spin_stop, sizeof(__u64));

	STORE(*stop, 1);
}

static void on_signal(int sig)
{
	(void)sig;
}

/* SIGALRM and SIGUSR1 interrupt DUET_RUN (no SA_RESTART). */
static void install_handlers(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	TEST_ASSERT(!sigaction(SIGALRM, &sa, NULL), "sigaction");
	TEST_ASSERT(!sigaction(SIGUSR1, &sa, NULL), "sigaction");
}

struct kicker {
	struct duet_test_vcpu *vcpu;
	__u64 *count;
	long long sent_ns;
	int rc;
};

/* Pin the calling thread to @cpu, when the machine has it. */
static void pin_to_cpu(int cpu)
{
	cpu_set_t set;

	if (_test_online_cpus() <= cpu)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	TEST_ASSERT(!sched_setaffinity(0, sizeof(set), &set),
		    "sched_setaffinity %d", cpu);
}

/* Wait until the guest is seen spinning, then kick it once. */
static void *kicker_fn(void *arg)
{
	struct kicker *k = arg;
	__u64 start = LOAD(*k->count);
	int i;

	pin_to_cpu(0);
	for (i = 0; i < 10000 && LOAD(*k->count) == start; i++)
		sleep_ms(1);
	k->sent_ns = now_ns();
	k->rc = kick(k->vcpu, 0);
	return NULL;
}

/*
 * A guest spinning without exits: a kick from another thread ends
 * DUET_RUN with DUET_EXIT_KICK at once, every time, and DUET_RUN resumes
 * the loop.  A signal after KICK_LIMIT_NS would end a lost kick as
 * -EINTR.  With two CPUs the kicker and the vCPU run on different ones,
 * so that the kick finds the vCPU in guest mode and must send an IPI.
 */
static void kick_spinning_vcpu(void)
{
	struct duet_test_vcpu *vcpu;
	struct duet_test_vm *vm;
	struct kicker k = { 0 };
	long long worst = 0, total = 0, took;
	__u64 before;
	pthread_t t;
	int i, r;

	install_handlers();
	pin_to_cpu(1);
	vm = vm_create_with_one_vcpu(&vcpu, guest_spin);
	vcpu_expect_sync(vcpu, 0);
	k.vcpu = vcpu;
	k.count = guest_count(vm, 0);

	for (i = 0; i < 20; i++) {
		before = LOAD(*k.count);
		TEST_ASSERT(!pthread_create(&t, NULL, kicker_fn, &k),
			    "pthread_create");
		alarm(KICK_LIMIT_NS / 1000000000LL + 10);
		r = _vcpu_run(vcpu);
		took = now_ns() - k.sent_ns;
		alarm(0);
		TEST_ASSERT(!pthread_join(t, NULL), "pthread_join");
		TEST_ASSERT_RC(k.rc, 0);
		TEST_ASSERT_RC(r, 0);
		TEST_ASSERT_EXIT_REASON(vcpu, DUET_EXIT_KICK);
		TEST_ASSERT(LOAD(*k.count) > before,
			    "round %d: the guest did not run", i);
		TEST_ASSERT(took < KICK_LIMIT_NS,
			    "round %d: DUET_RUN returned %lld ms after the kick",
			    i, took / 1000000);
		if (took > worst)
			worst = took;
		total += took;
	}
	test_print("20 kicks: DUET_RUN back %lld us after DUET_KICK on average, %lld us at most",
		   total / 20000, worst / 1000);

	stop_spinning(vm);
	vcpu_expect_done(vcpu);
	vm_free(vm);
}

static void guest_two_syncs(void)
{
	GUEST_SYNC(1);
	GUEST_SYNC(2);
	GUEST_DONE();
}

/*
 * A kick outside DUET_RUN ends the next DUET_RUN before the guest runs;
 * kicks do not add up, and the run after that goes on normally.
 */
static void kick_before_run(void)
{
	struct duet_test_vcpu *vcpu;
	struct duet_test_vm *vm;
	struct duet_regs before, after;

	vm = vm_create_with_one_vcpu(&vcpu, guest_two_syncs);
	vcpu_expect_sync(vcpu, 1);
	vcpu_regs_get(vcpu, &before);

	TEST_ASSERT_RC(kick(vcpu, 0), 0);
	TEST_ASSERT_RC(kick(vcpu, 0), 0);
	vcpu_run(vcpu);
	TEST_ASSERT_EXIT_REASON(vcpu, DUET_EXIT_KICK);
	vcpu_regs_get(vcpu, &after);
	TEST_ASSERT_EQ(after.rip, before.rip);

	vcpu_expect_sync(vcpu, 2);
	vcpu_expect_done(vcpu);
	vm_free(vm);
}

/* DUET_KICK takes no argument, and is a vCPU ioctl only. */
static void kick_bad_arg(void)
{
	struct duet_test_vcpu *vcpu;
	struct duet_test_vm *vm;

	vm = vm_create_with_one_vcpu(&vcpu, guest_two_syncs);
	TEST_ASSERT_RC(kick(vcpu, 1), -EINVAL);
	TEST_ASSERT_RC(kick(vcpu, ~0UL), -EINVAL);
	TEST_ASSERT_RC(_duet_ioctl(vm->fd, DUET_KICK, 0), -ENOTTY);
	TEST_ASSERT_RC(_duet_ioctl(vm->dev_fd, DUET_KICK, 0), -ENOTTY);
	/* A refused kick leaves nothing pending. */
	vcpu_expect_sync(vcpu, 1);
	vm_free(vm);
}

struct spinner {
	struct duet_test_vcpu *vcpu;
	bool stop;			/* LOAD()/STORE() */
	bool done;			/* LOAD()/STORE() */
	unsigned int kicks;		/* LOAD()/STORE() */
	int last_rc;
};

/* Run until told to stop (then a signal ends DUET_RUN) or the fd is gone. */
static void *spinner_fn(void *arg)
{
	struct spinner *s = arg;
	int r;

	while (!LOAD(s->stop)) {
		r = _vcpu_run(s->vcpu);
		s->last_rc = r;
		if (r && r != -EINTR)
			break;
		if (!r && s->vcpu->run->exit_reason == DUET_EXIT_KICK)
			STORE(s->kicks, s->kicks + 1);
	}
	STORE(s->done, true);
	return NULL;
}

/* Signal @t until it has seen @s->stop: a signal may land between runs. */
static void stop_spinner(pthread_t t, struct spinner *s)
{
	STORE(s->stop, true);
	while (!LOAD(s->done)) {
		pthread_kill(t, SIGUSR1);
		sleep_ms(2);
	}
	TEST_ASSERT(!pthread_join(t, NULL), "pthread_join");
}

/* Kick one of two spinning vCPUs: only that one leaves DUET_RUN. */
static void kick_targets_one_vcpu(void)
{
	struct duet_test_vcpu *vcpus[2];
	struct spinner s[2] = { 0 };
	struct duet_test_vm *vm;
	pthread_t t[2];
	unsigned int i;
	__u64 c0;

	install_handlers();
	vm = vm_create_with_vcpus(2, guest_spin, vcpus);
	for (i = 0; i < 2; i++) {
		vcpu_expect_sync(vcpus[i], i);
		s[i].vcpu = vcpus[i];
		TEST_ASSERT(!pthread_create(&t[i], NULL, spinner_fn, &s[i]),
			    "pthread_create");
	}
	for (i = 0; i < 1000 && (!LOAD(*guest_count(vm, 0)) ||
				 !LOAD(*guest_count(vm, 1))); i++)
		sleep_ms(1);
	TEST_ASSERT(LOAD(*guest_count(vm, 0)) && LOAD(*guest_count(vm, 1)),
		    "the guests do not spin");

	TEST_ASSERT_RC(kick(vcpus[1], 0), 0);
	for (i = 0; i < 5000 && !LOAD(s[1].kicks); i++)
		sleep_ms(1);
	TEST_ASSERT_EQ(LOAD(s[1].kicks), 1);
	/* vCPU 0 went on spinning, never kicked. */
	c0 = LOAD(*guest_count(vm, 0));
	sleep_ms(50);
	TEST_ASSERT(LOAD(*guest_count(vm, 0)) > c0, "vCPU 0 stopped");
	TEST_ASSERT_EQ(LOAD(s[0].kicks), 0);

	for (i = 0; i < 2; i++)
		stop_spinner(t[i], &s[i]);
	TEST_ASSERT_EQ(s[0].kicks, 0);
	TEST_ASSERT_EQ(s[1].kicks, 1);
	vm_free(vm);
}

struct run_once {
	struct duet_test_vcpu *vcpu;
	int rc;
	__u32 exit_reason;
	bool done;			/* LOAD()/STORE() */
};

static void *run_once_fn(void *arg)
{
	struct run_once *o = arg;

	o->rc = _vcpu_run(o->vcpu);
	o->exit_reason = o->vcpu->run->exit_reason;
	STORE(o->done, true);
	return NULL;
}

/* signal-exits of vCPU @id of this process's one VM, from netlink. */
static __u64 signal_exits(struct nl_sock *nl, __u16 family, unsigned int id)
{
	struct nl_vm vms[16];
	struct nl_vcpu v;
	struct nl_reply rep;
	unsigned int i, n, mine = 0;
	__u32 vm_id = 0;

	TEST_ASSERT_RC(_nl_vm_dump(nl, family, vms, ARRAY_SIZE(vms), &n,
				   NULL), 0);
	for (i = 0; i < n && i < ARRAY_SIZE(vms); i++) {
		if (vms[i].pid == (__u32)getpid()) {
			vm_id = vms[i].id;
			mine++;
		}
	}
	TEST_ASSERT_EQ(mine, 1);
	TEST_ASSERT_RC(_nl_vcpu_get(nl, family, vm_id, id, &v, &rep), 0);
	TEST_ASSERT(v.has_stats, "vcpu-get without stats");
	return v.stats[DUET_A_VCPU_STATS_SIGNAL_EXITS];
}

/*
 * Two vCPUs spinning in two threads; a signal to vCPU 0's thread ends its
 * DUET_RUN with -EINTR and DUET_EXIT_INTR, counted in its signal-exits,
 * while vCPU 1 spins on, uncounted.  Both guests then finish normally.
 */
static void signal_targets_one_vcpu(void)
{
	struct duet_test_vcpu *vcpus[2];
	struct run_once o[2] = { 0 };
	struct duet_test_vm *vm;
	struct nl_family fam;
	struct nl_sock nl;
	__u64 before[2], c1;
	pthread_t t[2];
	unsigned int i;

	install_handlers();
	TEST_ASSERT_RC(_nl_open(&nl), 0);
	TEST_ASSERT_RC(_nl_family_get(&nl, DUET_FAMILY_NAME, &fam), 0);
	vm = vm_create_with_vcpus(2, guest_spin, vcpus);
	for (i = 0; i < 2; i++) {
		vcpu_expect_sync(vcpus[i], i);
		before[i] = signal_exits(&nl, fam.id, i);
		o[i].vcpu = vcpus[i];
		TEST_ASSERT(!pthread_create(&t[i], NULL, run_once_fn, &o[i]),
			    "pthread_create");
	}
	/* The guests count only while their threads are inside DUET_RUN. */
	for (i = 0; i < 5000 && (!LOAD(*guest_count(vm, 0)) ||
				 !LOAD(*guest_count(vm, 1))); i++)
		sleep_ms(1);
	TEST_ASSERT(LOAD(*guest_count(vm, 0)) && LOAD(*guest_count(vm, 1)),
		    "the guests do not spin");

	TEST_ASSERT(!pthread_kill(t[0], SIGUSR1), "pthread_kill");
	for (i = 0; i < 5000 && !LOAD(o[0].done); i++)
		sleep_ms(1);
	TEST_ASSERT(LOAD(o[0].done), "the signal did not end DUET_RUN");
	TEST_ASSERT(!pthread_join(t[0], NULL), "pthread_join");
	TEST_ASSERT_RC(o[0].rc, -EINTR);
	TEST_ASSERT_EQ(o[0].exit_reason, DUET_EXIT_INTR);
	TEST_ASSERT_EQ(signal_exits(&nl, fam.id, 0), before[0] + 1);

	/* vCPU 1 is still in DUET_RUN and its guest still runs. */
	c1 = LOAD(*guest_count(vm, 1));
	sleep_ms(50);
	TEST_ASSERT(LOAD(*guest_count(vm, 1)) > c1, "vCPU 1 stopped");
	TEST_ASSERT(!LOAD(o[1].done), "vCPU 1 left DUET_RUN (%s)",
		    test_rc_str(o[1].rc));
	TEST_ASSERT_EQ(signal_exits(&nl, fam.id, 1), before[1]);

	TEST_ASSERT_RC(kick(vcpus[1], 0), 0);
	TEST_ASSERT(!pthread_join(t[1], NULL), "pthread_join");
	TEST_ASSERT_RC(o[1].rc, 0);
	TEST_ASSERT_EQ(o[1].exit_reason, DUET_EXIT_KICK);
	TEST_ASSERT_EQ(signal_exits(&nl, fam.id, 1), before[1]);

	/* Both resume where they were and finish. */
	stop_spinning(vm);
	for (i = 0; i < 2; i++)
		vcpu_expect_done(vcpus[i]);
	nl_close(&nl);
	vm_free(vm);
}

struct close_kicker {
	int fd;
	bool go;			/* LOAD()/STORE() */
	unsigned long ok, ebadf;
	long other;
};

/* Kick @fd until it is closed under us. */
static void *close_kicker_fn(void *arg)
{
	struct close_kicker *k = arg;
	long r;

	while (!LOAD(k->go))
		;
	while (!(r = _duet_ioctl(k->fd, DUET_KICK, 0)))
		k->ok++;
	if (r == -EBADF)
		k->ebadf++;
	else
		k->other = r;
	return NULL;
}

/*
 * Kicks racing with close() of the vCPU fd, while the vCPU runs in a third
 * thread: kicks succeed until the fd is gone, then fail with EBADF, and the
 * vCPU is freed once the last user lets go (KASAN watches).
 */
static void kick_races_close(void)
{
	unsigned long kicks = 0, runs = 0;
	int round, i;

	install_handlers();
	for (round = 0; round < 30; round++) {
		struct close_kicker k = { 0 };
		struct spinner s = { 0 };
		struct duet_test_vcpu *vcpu;
		struct duet_test_vm *vm;
		pthread_t kt, st;

		vm = vm_create_with_one_vcpu(&vcpu, guest_spin);
		k.fd = vcpu->fd;
		s.vcpu = vcpu;
		TEST_ASSERT(!pthread_create(&st, NULL, spinner_fn, &s),
			    "pthread_create");
		TEST_ASSERT(!pthread_create(&kt, NULL, close_kicker_fn, &k),
			    "pthread_create");
		/* Kick a guest that spins, past its first entry's ucall. */
		for (i = 0; i < 10000 && !LOAD(*guest_count(vm, 0)); i++)
			sleep_ms(1);
		STORE(k.go, true);
		sleep_ms(round % 5);
		TEST_ASSERT(!close(vcpu->fd), "close");
		vcpu->fd = -1;
		TEST_ASSERT(!pthread_join(kt, NULL), "pthread_join");
		TEST_ASSERT_RC(k.other, 0);
		TEST_ASSERT_EQ(k.ebadf, 1);
		stop_spinner(st, &s);
		TEST_ASSERT(s.last_rc == -EBADF || s.last_rc == -EINTR ||
			    s.last_rc == 0, "DUET_RUN after close: %d",
			    s.last_rc);
		kicks += k.ok;
		runs += s.kicks;
		vm_free(vm);
	}
	test_print("30 rounds: %lu kicks before close, %lu DUET_EXIT_KICK",
		   kicks, runs);
	TEST_ASSERT(runs > 0, "no kick ever ended a DUET_RUN");
}

/*
 * NMIs, in 16-bit real mode so that the IVT is the interrupt table: NMI
 * handler "out $0x81; out $0x84; iret", every other vector "out $0x8f;
 * hlt".
 */
#define RM_CODE_GPA	0x1000
#define RM_NMI_GPA	0x2000
#define RM_OTHER_GPA	0x3000
#define RM_STACK_TOP	0x8000

static struct duet_test_vcpu *realmode_vcpu(const __u8 *code, size_t len)
{
	static const __u8 nmi[] = { 0xe6, 0x81, 0xe6, 0x84, 0xcf };
	static const __u8 other[] = { 0xe6, 0x8f, 0xf4 };
	struct duet_test_vm *vm = vm_create_barebones();
	struct duet_test_vcpu *vcpu;
	struct duet_sregs sregs;
	struct duet_regs regs;
	__u8 *mem = test_alloc_mem(1 << 20);
	unsigned int v;

	vm_set_memslot(vm, 0, 0, 0, 1 << 20, mem);
	for (v = 0; v < 256; v++) {
		__u16 ip = v == 2 ? RM_NMI_GPA : RM_OTHER_GPA;

		memcpy(mem + v * 4, &ip, 2);
	}
	memcpy(mem + RM_NMI_GPA, nmi, sizeof(nmi));
	memcpy(mem + RM_OTHER_GPA, other, sizeof(other));
	memcpy(mem + RM_CODE_GPA, code, len);

	vcpu = vm_vcpu_add(vm, 0, NULL);
	vcpu_sregs_get(vcpu, &sregs);
	sregs.cs.base = 0;
	sregs.cs.selector = 0;
	sregs.ss.base = 0;
	sregs.ss.selector = 0;
	vcpu_sregs_set(vcpu, &sregs);
	memset(&regs, 0, sizeof(regs));
	regs.rip = RM_CODE_GPA;
	regs.rsp = RM_STACK_TOP;
	regs.rflags = 2;
	vcpu_regs_set(vcpu, &regs);
	return vcpu;
}

static int inject_nmi(struct duet_test_vcpu *vcpu)
{
	struct duet_event ev = { .type = DUET_EVENT_NMI };

	return _duet_ioctl(vcpu->fd, DUET_INJECT_EVENT, (unsigned long)&ev);
}

/*
 * Run to HLT, recording the ports written as digits (port - 0x80), and
 * inject an NMI after the writes whose 1-based number is set in @at.
 */
static void run_nmi_guest(struct duet_test_vcpu *vcpu, unsigned int at,
			  char *seq, size_t size)
{
	size_t n = 0;

	for (;;) {
		vcpu_run(vcpu);
		if (vcpu->run->exit_reason == DUET_EXIT_HLT)
			break;
		TEST_ASSERT_EXIT_REASON(vcpu, DUET_EXIT_IO);
		TEST_ASSERT(n + 1 < size, "runaway guest: %.*s", (int)n, seq);
		seq[n++] = '0' + vcpu->run->io.port - 0x80;
		if (at & BIT(n)) {
			TEST_ASSERT_RC(inject_nmi(vcpu), 0);
			/* One NMI may wait to be injected. */
			TEST_ASSERT_RC(inject_nmi(vcpu), -EBUSY);
		}
	}
	seq[n] = '\0';
}

static const __u8 nmi_main[] = {
	0xe6, 0x80,		/* out $0x80 */
	0xe6, 0x83,		/* out $0x83 */
	0x90, 0x90, 0x90, 0x90,	/* nops: no exit */
	0xe6, 0x82,		/* out $0x82 */
	0xf4,			/* hlt */
};

/*
 * A second NMI injected inside the first one's handler waits for the
 * handler's IRET and comes right after it, before the guest's next
 * instruction: "0141432".  Without blocking it would nest ("0114432");
 * delivered only at the next exit it would come after "3".
 */
static void nmi_blocked_until_iret(void)
{
	struct duet_test_vcpu *vcpu = realmode_vcpu(nmi_main, sizeof(nmi_main));
	char seq[16];

	/* NMIs after write 1 (port 0x80) and write 2 (the handler's 0x81). */
	run_nmi_guest(vcpu, BIT(1) | BIT(2), seq, sizeof(seq));
	TEST_ASSERT(!strcmp(seq, "0141432"), "port sequence %s, want 0141432",
		    seq);
	vm_free(vcpu->vm);
}

/*
 * After the handler's IRET NMIs are unblocked even with none pending at
 * the time: one injected later goes in at once ("0143142").
 */
static void nmi_unblocked_after_iret(void)
{
	struct duet_test_vcpu *vcpu = realmode_vcpu(nmi_main, sizeof(nmi_main));
	char seq[16];

	/* NMIs after write 1 (0x80) and write 4 (0x83, past the IRET). */
	run_nmi_guest(vcpu, BIT(1) | BIT(4), seq, sizeof(seq));
	TEST_ASSERT(!strcmp(seq, "0143142"), "port sequence %s, want 0143142",
		    seq);
	vm_free(vcpu->vm);
}

/*
 * An NMI injected at an OUT in an STI shadow goes in right after it: the
 * shadow ended with the instruction duet completed ("0142").
 */
static void nmi_after_shadowed_insn(void)
{
	static const __u8 code[] = {
		0xfb,		/* sti */
		0xe6, 0x80,	/* out $0x80, in the STI shadow */
		0xe6, 0x82,	/* out $0x82 */
		0xf4,
	};
	struct duet_test_vcpu *vcpu = realmode_vcpu(code, sizeof(code));
	char seq[16];

	run_nmi_guest(vcpu, BIT(1), seq, sizeof(seq));
	TEST_ASSERT(!strcmp(seq, "0142"), "port sequence %s, want 0142", seq);
	vm_free(vcpu->vm);
}

/*
 * Two vCPUs whose threads move between CPUs after every exit: the guest
 * state must follow each vCPU (on VMX its VMCS is VMCLEARed on the CPU it
 * leaves and loaded on the next one; on SVM its ASID is renewed), and the
 * two never see each other's registers or results.
 */
static void *migrating_thread(void *arg)
{
	struct duet_test_vcpu *vcpu = arg;
	int cpus = _test_online_cpus();
	struct ucall uc;
	__u64 round = 0;

	for (;;) {
		pin_to_cpu((round + vcpu->id) % cpus);
		switch (vcpu_run_ucall(vcpu, &uc)) {
		case UCALL_SYNC:
			TEST_ASSERT_EQ(uc.args[0], vcpu->id);
			TEST_ASSERT_EQ(uc.args[1], round);
			TEST_ASSERT_EQ(uc.args[2], work(vcpu->id, round));
			round++;
			break;
		case UCALL_DONE:
			TEST_ASSERT_EQ(round, NR_ROUNDS);
			return NULL;
		default:
			TEST_FAIL("vCPU %u: ucall %s", vcpu->id,
				  ucall_cmd_str(uc.cmd));
		}
	}
}

static void vcpus_migrate_between_cpus(void)
{
	struct duet_test_vcpu *vcpus[2];
	pthread_t threads[2];
	struct duet_test_vm *vm;
	unsigned int i, r;

	if (_test_online_cpus() < 2)
		TEST_SKIP("one CPU: nothing to migrate between");
	vm = vm_create_with_vcpus(2, guest_work, vcpus);
	for (i = 0; i < 2; i++)
		TEST_ASSERT(!pthread_create(&threads[i], NULL, migrating_thread,
					    vcpus[i]), "pthread_create");
	for (i = 0; i < 2; i++)
		TEST_ASSERT(!pthread_join(threads[i], NULL), "pthread_join");
	sync_global_from_guest(vm, results);
	for (i = 0; i < 2; i++)
		for (r = 0; r < NR_ROUNDS; r++)
			TEST_ASSERT_EQ(results[i][r], work(i, r));
	vm_free(vm);
}

static const struct test_case cases[] = {
	TEST_CASE(four_vcpus_in_threads),
	TEST_CASE(vcpus_migrate_between_cpus),
	TEST_CASE(kick_spinning_vcpu),
	TEST_CASE(kick_before_run),
	TEST_CASE(kick_bad_arg),
	TEST_CASE(kick_targets_one_vcpu),
	TEST_CASE(signal_targets_one_vcpu),
	TEST_CASE(kick_races_close),
	TEST_CASE(nmi_blocked_until_iret),
	TEST_CASE(nmi_unblocked_after_iret),
	TEST_CASE(nmi_after_shadowed_insn),
};

int main(void)
{
	TEST_REQUIRE_VM();
	return test_run(cases, ARRAY_SIZE(cases));
}
