// SPDX-License-Identifier: GPL-2.0
/*
 * Generic netlink family "duet", ops vm-get and vcpu-get and the monitor
 * notifications (module/nl/duet.yaml): a VM appears with its creator, size
 * and vCPUs; the counters of a vCPU match what its guest did (exactly, for
 * CPUID) and stay zero on a vCPU that never ran; a VM lives while any of
 * its fds does and then leaves the dump; dumps of many VMs span several
 * skbs and miss none; VMs of another network namespace are invisible; the
 * ops need no privilege; every bad request is refused with the right errno
 * and an extack message; create and delete are announced on "monitor".
 */
#define _GNU_SOURCE	/* unshare() */
#include <grp.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "guest.h"
#include "nl.h"
#include "vm.h"

#define UNPRIVILEGED_ID		65534	/* nobody */
#define NR_CPUIDS		7
#define NR_DUMP_VMS		40
#define NR_VCPU_STATS		(DUET_A_VCPU_STATS_MAX - 1)	/* all but pad */
#define NR_VM_STATS		(DUET_A_VM_STATS_MAX - 1)
/* Small enough that a dump of NR_DUMP_VMS needs several skbs; see below. */
#define SMALL_RX_SIZE		4096

static bool vms_supported;

/* One socket, family and reply per case (each case is its own process). */
static struct nl_sock nl;
static struct nl_reply rep;
static struct nl_family fam;

static void require_vms(void)
{
	if (!vms_supported)
		TEST_SKIP("this duet backend does not run guests");
}

static void duet_nl_open(void)
{
	int r;

	r = _nl_open(&nl);
	TEST_ASSERT(!r, "netlink socket: %s", test_rc_str(r));
	r = _nl_family_get(&nl, DUET_FAMILY_NAME, &fam);
	TEST_ASSERT(!r, "resolve family \"%s\": %s", DUET_FAMILY_NAME,
		    test_rc_str(r));
}

static __u64 boottime_ns(void)
{
	struct timespec ts;

	TEST_ASSERT(!clock_gettime(CLOCK_BOOTTIME, &ts), "clock_gettime");
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* The VMs of this process (this case), by a vm-get dump. */
static unsigned int my_vms(struct nl_vm *out, unsigned int max)
{
	static struct nl_vm vms[256];
	unsigned int i, n, mine = 0;
	int r;

	r = _nl_vm_dump(&nl, fam.id, vms, ARRAY_SIZE(vms), &n, NULL);
	TEST_ASSERT_RC(r, 0);
	TEST_ASSERT(n <= ARRAY_SIZE(vms), "%u VMs in the dump", n);
	for (i = 0; i < n; i++) {
		if (vms[i].pid != (__u32)getpid())
			continue;
		if (mine < max)
			out[mine] = vms[i];
		mine++;
	}
	return mine;
}

/* The one VM of this case. */
static struct nl_vm my_vm(void)
{
	struct nl_vm vm;
	unsigned int n = my_vms(&vm, 1);

	TEST_ASSERT_EQ(n, 1);
	return vm;
}

/* A refused request: @want, an extack message, maybe the attribute. */
static void check_refused(int r, int want, const char *msg, int bad_attr_off)
{
	TEST_ASSERT_RC(r, want);
	test_print("extack: \"%s\"", rep.extack);
	TEST_ASSERT(!strcmp(rep.extack, msg), "extack \"%s\", want \"%s\"",
		    rep.extack, msg);
	if (bad_attr_off < 0)
		return;
	TEST_ASSERT(rep.has_offs, "extack names no attribute");
	TEST_ASSERT_EQ(rep.offs, bad_attr_off);
}

/* A request missing @attr: -EINVAL, @msg and the missing type. */
static void check_missing(int r, const char *msg, __u32 attr)
{
	check_refused(r, -EINVAL, msg, -1);
	TEST_ASSERT(rep.has_miss_type, "extack names no missing attribute");
	TEST_ASSERT_EQ(rep.miss_type, attr);
}

static void family_ops(void)
{
	static const __u32 ops[] = { DUET_CMD_VM_GET, DUET_CMD_VCPU_GET };
	unsigned int i, j;

	duet_nl_open();
	for (i = 0; i < ARRAY_SIZE(ops); i++) {
		for (j = 0; j < fam.nr_ops && fam.ops[j] != ops[i]; j++)
			;
		TEST_ASSERT(j < fam.nr_ops, "the family has no op %u", ops[i]);
		TEST_ASSERT((fam.op_flags[j] & (GENL_CMD_CAP_DO | GENL_CMD_CAP_DUMP)) ==
			    (GENL_CMD_CAP_DO | GENL_CMD_CAP_DUMP),
			    "op %u: flags %#x", ops[i], fam.op_flags[j]);
		/* The spec: read-only, unprivileged. */
		TEST_ASSERT(!(fam.op_flags[j] & GENL_ADMIN_PERM),
			    "op %u needs CAP_NET_ADMIN", ops[i]);
	}
	TEST_ASSERT(nl_family_group(&fam, DUET_MCGRP_MONITOR),
		    "no group \"%s\"", DUET_MCGRP_MONITOR);
}

static void guest_cpuids(__u64 id)
{
	__u32 a, b, c, d;
	int i;

	for (i = 0; i < NR_CPUIDS; i++)
		guest_cpuid(0, 0, &a, &b, &c, &d);
	GUEST_SYNC(id);
	guest_hlt();
	GUEST_DONE();
}

/* The sum of the counters of one exit reason each. */
static __u64 reason_sum(const struct nl_vcpu *v)
{
	static const unsigned int reasons[] = {
		DUET_A_VCPU_STATS_INTR_EXITS, DUET_A_VCPU_STATS_IRQ_WINDOW_EXITS,
		DUET_A_VCPU_STATS_CPUID_EXITS, DUET_A_VCPU_STATS_MSR_EXITS,
		DUET_A_VCPU_STATS_IO_EXITS, DUET_A_VCPU_STATS_HALT_EXITS,
		DUET_A_VCPU_STATS_HYPERCALL_EXITS, DUET_A_VCPU_STATS_NPT_FAULTS,
		DUET_A_VCPU_STATS_SHUTDOWN_EXITS,
	};
	__u64 sum = 0;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(reasons); i++)
		sum += v->stats[reasons[i]];
	return sum;
}

static void print_vcpu(const struct nl_vcpu *v)
{
	const __u64 *s = v->stats;

	test_print("vm %u vcpu %u last-cpu %d in-guest %u", v->vm_id, v->id,
		   v->has_last_cpu ? (int)v->last_cpu : -1, v->in_guest);
	test_print("  exits %llu userspace %llu cpuid %llu io %llu halt %llu",
		   (unsigned long long)s[DUET_A_VCPU_STATS_EXITS],
		   (unsigned long long)s[DUET_A_VCPU_STATS_USERSPACE_EXITS],
		   (unsigned long long)s[DUET_A_VCPU_STATS_CPUID_EXITS],
		   (unsigned long long)s[DUET_A_VCPU_STATS_IO_EXITS],
		   (unsigned long long)s[DUET_A_VCPU_STATS_HALT_EXITS]);
	test_print("  npt %llu intr %llu",
		   (unsigned long long)s[DUET_A_VCPU_STATS_NPT_FAULTS],
		   (unsigned long long)s[DUET_A_VCPU_STATS_INTR_EXITS]);
}

/* A VM with two vCPUs shows up with its creator, size, vCPUs and time. */
static void vm_dump_and_get(void)
{
	struct duet_test_vcpu *vcpus[2];
	struct nl_vm vm, got;
	__u64 before, after;

	require_vms();
	duet_nl_open();
	TEST_ASSERT_EQ(my_vms(&vm, 1), 0);

	before = boottime_ns();
	vm_create_with_vcpus(2, guest_cpuids, vcpus);
	after = boottime_ns();

	vm = my_vm();
	test_print("vm %u pid %u vcpus %u memslots %u memory %llu flags %#x dead %u",
		   vm.id, vm.pid, vm.nr_vcpus, vm.nr_memslots,
		   (unsigned long long)vm.memory_size, vm.flags, vm.dead);
	TEST_ASSERT(vm.id >= 1, "VM id 0");
	TEST_ASSERT_EQ(vm.nr_vcpus, 2);
	TEST_ASSERT_EQ(vm.nr_memslots, 1);
	TEST_ASSERT_EQ(vm.memory_size, DUET_TEST_MEM_SIZE);
	TEST_ASSERT_EQ(vm.flags, 0);
	TEST_ASSERT_EQ(vm.dead, 0);
	TEST_ASSERT(vm.create_time >= before && vm.create_time <= after,
		    "create-time %llu outside [%llu, %llu]",
		    (unsigned long long)vm.create_time,
		    (unsigned long long)before, (unsigned long long)after);
	TEST_ASSERT(vm.has_stats, "no stats nest");
	TEST_ASSERT_EQ(vm.nr_stats, NR_VM_STATS);

	/* The do answers the same. */
	TEST_ASSERT_RC(_nl_vm_get(&nl, fam.id, vm.id, &got, &rep), 0);
	TEST_ASSERT_EQ(got.id, vm.id);
	TEST_ASSERT_EQ(got.pid, getpid());
	TEST_ASSERT_EQ(got.nr_vcpus, 2);
	TEST_ASSERT_EQ(got.memory_size, DUET_TEST_MEM_SIZE);
	TEST_ASSERT_EQ(got.create_time, vm.create_time);
}

/* A vCPU that never ran: every counter zero, no last CPU. */
static void check_idle_vcpu(const struct nl_vcpu *v)
{
	unsigned int a;

	TEST_ASSERT(v->has_stats, "no stats nest");
	TEST_ASSERT_EQ(v->nr_stats, NR_VCPU_STATS);
	for (a = 1; a <= DUET_A_VCPU_STATS_MAX; a++)
		TEST_ASSERT(!v->stats[a], "counter %u is %llu", a,
			    (unsigned long long)v->stats[a]);
	TEST_ASSERT(!v->has_last_cpu, "last-cpu %u", v->last_cpu);
	TEST_ASSERT_EQ(v->in_guest, 0);
}

/*
 * vCPU 0 runs NR_CPUIDS CPUIDs, a ucall (one port write) and a HLT; vCPU 1
 * never runs.  The counters say exactly that.
 */
static void vcpu_counters(void)
{
	struct duet_test_vcpu *vcpus[2];
	struct nl_vcpu v, dump[4];
	struct nl_vm vm;
	unsigned int n;
	__u64 *s = v.stats;

	require_vms();
	duet_nl_open();
	vm_create_with_vcpus(2, guest_cpuids, vcpus);
	vm = my_vm();

	/* Nothing ran yet: both idle, no page mapped. */
	TEST_ASSERT_RC(_nl_vcpu_get(&nl, fam.id, vm.id, 0, &v, &rep), 0);
	check_idle_vcpu(&v);
	TEST_ASSERT_EQ(vm.stats[DUET_A_VM_STATS_PAGES_MAPPED_4K], 0);

	vcpu_expect_sync(vcpus[0], 0);
	TEST_ASSERT_RC(_nl_vcpu_get(&nl, fam.id, vm.id, 0, &v, &rep), 0);
	print_vcpu(&v);
	TEST_ASSERT_EQ(v.vm_id, vm.id);
	TEST_ASSERT_EQ(v.id, 0);
	TEST_ASSERT_EQ(v.nr_stats, NR_VCPU_STATS);
	TEST_ASSERT_EQ(s[DUET_A_VCPU_STATS_CPUID_EXITS], NR_CPUIDS);
	TEST_ASSERT_EQ(s[DUET_A_VCPU_STATS_IO_EXITS], 1);
	TEST_ASSERT_EQ(s[DUET_A_VCPU_STATS_USERSPACE_EXITS], 1);
	TEST_ASSERT_EQ(s[DUET_A_VCPU_STATS_HALT_EXITS], 0);
	TEST_ASSERT_EQ(s[DUET_A_VCPU_STATS_SHUTDOWN_EXITS], 0);
	TEST_ASSERT_EQ(s[DUET_A_VCPU_STATS_MMIO_EXITS], 0);
	TEST_ASSERT(s[DUET_A_VCPU_STATS_NPT_FAULTS] > 0, "no nested page fault");
	TEST_ASSERT(s[DUET_A_VCPU_STATS_EXITS] >= NR_CPUIDS + 1 +
		    s[DUET_A_VCPU_STATS_NPT_FAULTS],
		    "exits %llu", (unsigned long long)s[DUET_A_VCPU_STATS_EXITS]);
	/* Every exit has its reason counted (the vCPU is stopped). */
	TEST_ASSERT(s[DUET_A_VCPU_STATS_EXITS] >= reason_sum(&v),
		    "exits %llu < %llu counted by reason",
		    (unsigned long long)s[DUET_A_VCPU_STATS_EXITS],
		    (unsigned long long)reason_sum(&v));
	TEST_ASSERT(v.has_last_cpu, "no last-cpu after a run");
	TEST_ASSERT(v.last_cpu < (__u32)sysconf(_SC_NPROCESSORS_CONF),
		    "last-cpu %u", v.last_cpu);
	TEST_ASSERT_EQ(v.in_guest, 0);

	TEST_ASSERT_RC(_nl_vcpu_get(&nl, fam.id, vm.id, 1, &v, &rep), 0);
	check_idle_vcpu(&v);

	/* Guest memory test_alloc_mem() gives is not THP-advised: 4 KiB. */
	TEST_ASSERT_RC(_nl_vm_get(&nl, fam.id, vm.id, &vm, &rep), 0);
	test_print("pages pinned %llu mapped-4k %llu mapped-2m %llu",
		   (unsigned long long)vm.stats[DUET_A_VM_STATS_PAGES_PINNED],
		   (unsigned long long)vm.stats[DUET_A_VM_STATS_PAGES_MAPPED_4K],
		   (unsigned long long)vm.stats[DUET_A_VM_STATS_PAGES_MAPPED_2M]);
	TEST_ASSERT(vm.stats[DUET_A_VM_STATS_PAGES_MAPPED_4K] > 0, "no 4K mapping");
	TEST_ASSERT(vm.stats[DUET_A_VM_STATS_PAGES_PINNED] >=
		    vm.stats[DUET_A_VM_STATS_PAGES_MAPPED_4K] +
		    512 * vm.stats[DUET_A_VM_STATS_PAGES_MAPPED_2M],
		    "fewer pages pinned than mapped");

	/* The HLT: one more exit to userspace. */
	vcpu_run(vcpus[0]);
	TEST_ASSERT_EXIT_REASON(vcpus[0], DUET_EXIT_HLT);
	TEST_ASSERT_RC(_nl_vcpu_get(&nl, fam.id, vm.id, 0, &v, &rep), 0);
	print_vcpu(&v);
	TEST_ASSERT_EQ(s[DUET_A_VCPU_STATS_HALT_EXITS], 1);
	TEST_ASSERT_EQ(s[DUET_A_VCPU_STATS_USERSPACE_EXITS], 2);
	TEST_ASSERT_EQ(s[DUET_A_VCPU_STATS_CPUID_EXITS], NR_CPUIDS);
	TEST_ASSERT_EQ(s[DUET_A_VCPU_STATS_IO_EXITS], 1);
	TEST_ASSERT_EQ(s[DUET_A_VCPU_STATS_KICK_EXITS], 0);

	/* A kick before DUET_RUN ends that run at once, and is counted. */
	TEST_ASSERT_RC(_duet_ioctl(vcpus[0]->fd, DUET_KICK, 0), 0);
	vcpu_run(vcpus[0]);
	TEST_ASSERT_EXIT_REASON(vcpus[0], DUET_EXIT_KICK);
	TEST_ASSERT_RC(_nl_vcpu_get(&nl, fam.id, vm.id, 0, &v, &rep), 0);
	TEST_ASSERT_EQ(s[DUET_A_VCPU_STATS_KICK_EXITS], 1);
	TEST_ASSERT_EQ(s[DUET_A_VCPU_STATS_USERSPACE_EXITS], 3);
	vcpu_expect_done(vcpus[0]);

	/* The VM's dump: both vCPUs, in order, the same counters. */
	TEST_ASSERT_RC(_nl_vcpu_dump(&nl, fam.id, vm.id, dump, ARRAY_SIZE(dump),
				     &n, NULL), 0);
	TEST_ASSERT_EQ(n, 2);
	TEST_ASSERT_EQ(dump[0].vm_id, vm.id);
	TEST_ASSERT_EQ(dump[0].id, 0);
	TEST_ASSERT_EQ(dump[0].stats[DUET_A_VCPU_STATS_CPUID_EXITS], NR_CPUIDS);
	TEST_ASSERT_EQ(dump[0].stats[DUET_A_VCPU_STATS_IO_EXITS], 2);
	TEST_ASSERT_EQ(dump[1].vm_id, vm.id);
	TEST_ASSERT_EQ(dump[1].id, 1);
	check_idle_vcpu(&dump[1]);
}

static void guest_ud2(void)
{
	asm volatile("ud2");
}

/* A triple fault: the VM says dead, the vCPU counts the shutdown. */
static void vm_dead_after_shutdown(void)
{
	struct duet_test_vcpu *vcpu;
	struct nl_vcpu v;
	struct nl_vm vm;

	require_vms();
	duet_nl_open();
	vm_create_with_one_vcpu(&vcpu, guest_ud2);
	TEST_ASSERT_EQ(my_vm().dead, 0);
	vcpu_run(vcpu);
	TEST_ASSERT_EXIT_REASON(vcpu, DUET_EXIT_SHUTDOWN);
	vm = my_vm();
	TEST_ASSERT_EQ(vm.dead, 1);
	TEST_ASSERT_RC(_nl_vcpu_get(&nl, fam.id, vm.id, 0, &v, &rep), 0);
	TEST_ASSERT_EQ(v.stats[DUET_A_VCPU_STATS_SHUTDOWN_EXITS], 1);
	TEST_ASSERT_EQ(v.stats[DUET_A_VCPU_STATS_USERSPACE_EXITS], 1);
}

/* Is VM @id in a dump of this namespace? */
static bool in_dump(__u32 id)
{
	static struct nl_vm vms[256];
	unsigned int i, n;

	TEST_ASSERT_RC(_nl_vm_dump(&nl, fam.id, vms, ARRAY_SIZE(vms), &n, NULL), 0);
	for (i = 0; i < n && i < ARRAY_SIZE(vms); i++)
		if (vms[i].id == id)
			return true;
	return false;
}

/* A VM lives while its fd or a vCPU fd does, and then leaves the dump. */
static void vm_gone_after_close(void)
{
	struct duet_test_vcpu *vcpus[2];
	struct duet_test_vm *tvm;
	struct nl_vcpu v;
	struct nl_vm vm;

	require_vms();
	duet_nl_open();
	tvm = vm_create_with_vcpus(2, guest_cpuids, vcpus);
	vm = my_vm();

	/* vCPU 1 goes first: it leaves the VM's count and dump. */
	vcpu_free(vcpus[1]);
	TEST_ASSERT_RC(_nl_vm_get(&nl, fam.id, vm.id, &vm, &rep), 0);
	TEST_ASSERT_EQ(vm.nr_vcpus, 1);
	check_refused(_nl_vcpu_get(&nl, fam.id, vm.id, 1, &v, &rep), -ENOENT,
		      "no such vCPU", -1);

	/* The VM fd: vCPU 0 still holds the VM. */
	close(tvm->fd);
	tvm->fd = -1;
	TEST_ASSERT_RC(_nl_vm_get(&nl, fam.id, vm.id, &vm, &rep), 0);
	TEST_ASSERT_EQ(vm.nr_vcpus, 1);
	TEST_ASSERT(in_dump(vm.id), "VM %u left the dump with a vCPU open", vm.id);
	TEST_ASSERT_RC(_nl_vcpu_get(&nl, fam.id, vm.id, 0, &v, &rep), 0);

	/* The last fd: gone from do and dump. */
	vcpu_free(vcpus[0]);
	check_refused(_nl_vm_get(&nl, fam.id, vm.id, &vm, &rep), -ENOENT,
		      "no such VM", -1);
	TEST_ASSERT(!in_dump(vm.id), "VM %u still in the dump", vm.id);
	TEST_ASSERT_EQ(my_vms(&vm, 1), 0);
}

/*
 * NR_DUMP_VMS VMs of one vCPU each, dumped on a fresh socket read with a
 * SMALL_RX_SIZE buffer, so that the kernel's dump skbs are at most 4 KiB
 * (NLMSG_GOODSIZE, about 3.7 KiB, for the first).  A vm-get message is
 * about 132 bytes (headers 20, six small attributes 48, two u64 24, the
 * stats nest 40): 40 take about 5.3 KiB, two skbs at least.  A vcpu-get
 * message is about 236 bytes (headers 20, four small attributes 32, the
 * nest of 15 counters 184): 40 take about 9.4 KiB, three skbs at least.
 * Each dump must list every VM (or vCPU) once, in order.
 */
static void dump_many_vms(void)
{
	static struct nl_vm vms[NR_DUMP_VMS + 64];
	static struct nl_vcpu vcpus[NR_DUMP_VMS + 64];
	struct duet_test_vm *tvms[NR_DUMP_VMS];
	struct nl_dump d = { .rx_size = SMALL_RX_SIZE };
	__u32 ids[NR_DUMP_VMS];
	struct nl_sock small;
	unsigned int i, j, n, mine, last;

	require_vms();
	duet_nl_open();
	for (i = 0; i < NR_DUMP_VMS; i++) {
		tvms[i] = vm_create_barebones();
		vm_vcpu_add(tvms[i], 0, NULL);
	}

	TEST_ASSERT(!_nl_open(&small), "netlink socket");
	TEST_ASSERT_RC(_nl_vm_dump(&small, fam.id, vms, ARRAY_SIZE(vms), &n, &d), 0);
	test_print("vm-get dump: %u messages in %u datagrams", d.nr_msgs,
		   d.nr_datagrams);
	TEST_ASSERT(n <= ARRAY_SIZE(vms), "%u VMs", n);
	TEST_ASSERT(d.nr_datagrams >= 2, "one skb held %u VMs", n);
	for (i = 0, mine = 0, last = 0; i < n; i++) {
		TEST_ASSERT(vms[i].id > last, "VM %u after VM %u", vms[i].id, last);
		last = vms[i].id;
		if (vms[i].pid != (__u32)getpid())
			continue;
		TEST_ASSERT(mine < NR_DUMP_VMS, "more VMs than created");
		ids[mine++] = vms[i].id;
		TEST_ASSERT_EQ(vms[i].nr_vcpus, 1);
		TEST_ASSERT_EQ(vms[i].memory_size, 0);
	}
	TEST_ASSERT_EQ(mine, NR_DUMP_VMS);

	TEST_ASSERT_RC(_nl_vcpu_dump(&small, fam.id, -1, vcpus, ARRAY_SIZE(vcpus),
				     &n, &d), 0);
	test_print("vcpu-get dump: %u messages in %u datagrams", d.nr_msgs,
		   d.nr_datagrams);
	TEST_ASSERT(n <= ARRAY_SIZE(vcpus), "%u vCPUs", n);
	TEST_ASSERT(d.nr_datagrams >= 3, "%u skbs held %u vCPUs", d.nr_datagrams, n);
	for (i = 0, mine = 0, last = 0; i < n; i++) {
		TEST_ASSERT(vcpus[i].vm_id > last, "vCPU of VM %u after VM %u",
			    vcpus[i].vm_id, last);
		last = vcpus[i].vm_id;
		TEST_ASSERT_EQ(vcpus[i].id, 0);
		for (j = 0; j < NR_DUMP_VMS && ids[j] != vcpus[i].vm_id; j++)
			;
		mine += j < NR_DUMP_VMS;
	}
	TEST_ASSERT_EQ(mine, NR_DUMP_VMS);
	nl_close(&small);

	for (i = 0; i < NR_DUMP_VMS; i++)
		vm_free(tvms[i]);
	TEST_ASSERT_EQ(my_vms(vms, 1), 0);
}

/* A notification of @cmd for a VM of this process: its id. */
static __u32 expect_ntf(struct nl_sock *mon, __u8 cmd)
{
	static union {
		struct nlmsghdr nlh;
		char buf[NL_RX_SIZE];
	} msg;
	const struct nlattr *tb[DUET_A_VM_MAX + 1];
	const struct genlmsghdr *genl;
	const struct nlattr *attrs;
	unsigned int a;
	__u32 id, pid;
	size_t len;
	int r;

	for (;;) {
		r = _nl_recv_ntf(mon, msg.buf, sizeof(msg.buf));
		TEST_ASSERT_RC(r, 0);
		genl = NLMSG_DATA(&msg.nlh);
		if (msg.nlh.nlmsg_type != fam.id)
			continue;
		attrs = nl_genl_attrs(&msg.nlh, &len);
		TEST_ASSERT(!nl_parse(attrs, len, tb, DUET_A_VM_MAX),
			    "malformed notification");
		TEST_ASSERT(tb[DUET_A_VM_ID] && tb[DUET_A_VM_PID],
			    "notification %u without id or pid", genl->cmd);
		TEST_ASSERT_EQ(nla_payload_len(tb[DUET_A_VM_ID]), 4);
		TEST_ASSERT_EQ(nla_payload_len(tb[DUET_A_VM_PID]), 4);
		/* id and pid, nothing else (the spec's event). */
		for (a = 1; a <= DUET_A_VM_MAX; a++)
			TEST_ASSERT(!tb[a] || a == DUET_A_VM_ID || a == DUET_A_VM_PID,
				    "notification has attribute %u", a);
		id = *(const __u32 *)nla_payload(tb[DUET_A_VM_ID]);
		pid = *(const __u32 *)nla_payload(tb[DUET_A_VM_PID]);
		test_print("notification %u: vm %u pid %u", genl->cmd, id, pid);
		if (pid != (__u32)getpid())
			continue;
		TEST_ASSERT_EQ(genl->cmd, cmd);
		return id;
	}
}

/*
 * "monitor" announces a VM when it is created and when its last fd (here
 * a vCPU's, after the VM's own) is closed, with the same id both times.
 */
static void monitor_create_delete(void)
{
	struct duet_test_vcpu *vcpu;
	struct duet_test_vm *tvm;
	struct nl_sock mon;
	struct nl_vm vm;
	__u32 id;

	require_vms();
	duet_nl_open();
	TEST_ASSERT(!_nl_open(&mon), "netlink socket");
	TEST_ASSERT_RC(_nl_join_group(&mon, nl_family_group(&fam,
							    DUET_MCGRP_MONITOR)), 0);

	tvm = vm_create_barebones();
	id = expect_ntf(&mon, DUET_CMD_VM_CREATE_NTF);
	TEST_ASSERT_RC(_nl_vm_get(&nl, fam.id, id, &vm, &rep), 0);
	TEST_ASSERT_EQ(vm.pid, getpid());

	vcpu = vm_vcpu_add(tvm, 3, NULL);
	close(tvm->fd);
	tvm->fd = -1;
	/* Still there: no delete can be queued before this answer. */
	TEST_ASSERT_RC(_nl_vm_get(&nl, fam.id, id, &vm, &rep), 0);
	vcpu_free(vcpu);
	TEST_ASSERT_EQ(expect_ntf(&mon, DUET_CMD_VM_DELETE_NTF), id);
	check_refused(_nl_vm_get(&nl, fam.id, id, &vm, &rep), -ENOENT,
		      "no such VM", -1);

	/* A second VM gets its own id, announced again. */
	tvm = vm_create_barebones();
	TEST_ASSERT(expect_ntf(&mon, DUET_CMD_VM_CREATE_NTF) != id,
		    "id %u given out again at once", id);
	vm_free(tvm);
	expect_ntf(&mon, DUET_CMD_VM_DELETE_NTF);
	nl_close(&mon);
}

static noreturn void get_as_nobody(__u32 id)
{
	struct nl_vcpu v;
	struct nl_vm vm;

	if (setgroups(0, NULL) || setgid(UNPRIVILEGED_ID) ||
	    setuid(UNPRIVILEGED_ID))
		TEST_FAIL("cannot drop privileges: %s", strerror(errno));
	duet_nl_open();
	TEST_ASSERT_RC(_nl_vm_get(&nl, fam.id, id, &vm, &rep), 0);
	TEST_ASSERT_EQ(vm.nr_vcpus, 1);
	TEST_ASSERT(in_dump(id), "VM %u not in an unprivileged dump", id);
	TEST_ASSERT_RC(_nl_vcpu_get(&nl, fam.id, id, 0, &v, &rep), 0);
	fflush(stdout);
	_exit(0);
}

/* The spec makes vm-get and vcpu-get unprivileged. */
static void get_unprivileged(void)
{
	struct duet_test_vcpu *vcpu;
	int status;
	pid_t pid;
	__u32 id;

	require_vms();
	if (getuid() != 0)
		TEST_SKIP("needs root to drop privileges");
	duet_nl_open();
	vm_create_with_one_vcpu(&vcpu, guest_cpuids);
	id = my_vm().id;

	fflush(stdout);
	pid = fork();
	TEST_ASSERT(pid >= 0, "fork");
	if (pid == 0)
		get_as_nobody(id);
	TEST_ASSERT(waitpid(pid, &status, 0) == pid, "waitpid");
	TEST_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		    "gets as uid %d failed (status %#x)", UNPRIVILEGED_ID, status);
}

static noreturn void other_netns(__u32 id)
{
	struct duet_test_vm *tvm;
	struct nl_vm vm;

	if (unshare(CLONE_NEWNET)) {
		test_print("unshare(CLONE_NEWNET): %s", strerror(errno));
		fflush(stdout);
		_exit(KSFT_SKIP);
	}
	duet_nl_open();
	TEST_ASSERT(!in_dump(id), "VM %u visible from another namespace", id);
	check_refused(_nl_vm_get(&nl, fam.id, id, &vm, &rep), -ENOENT,
		      "no such VM", -1);
	/* A VM made here is this namespace's. */
	tvm = vm_create_barebones();
	vm = my_vm();
	TEST_ASSERT(vm.id != id, "two VMs with id %u", id);
	vm_free(tvm);
	fflush(stdout);
	_exit(0);
}

/* VMs belong to the network namespace of their creator. */
static void vm_netns_scope(void)
{
	struct duet_test_vm *tvm;
	int status;
	pid_t pid;
	__u32 id;

	require_vms();
	duet_nl_open();
	tvm = vm_create_barebones();
	id = my_vm().id;

	fflush(stdout);
	pid = fork();
	TEST_ASSERT(pid >= 0, "fork");
	if (pid == 0)
		other_netns(id);
	TEST_ASSERT(waitpid(pid, &status, 0) == pid, "waitpid");
	TEST_ASSERT(WIFEXITED(status), "child status %#x", status);
	if (WEXITSTATUS(status) == KSFT_SKIP)
		TEST_SKIP("no network namespaces");
	TEST_ASSERT_EQ(WEXITSTATUS(status), 0);
	/* The child's VM never showed here. */
	TEST_ASSERT_EQ(my_vms(NULL, 0), 1);
	vm_free(tvm);
}

static void vm_get_unknown_id(void)
{
	static const __u32 ids[] = { 0, 0x80000000u, 0xffffffffu };
	struct nl_msg req;
	unsigned int i;
	int off;

	duet_nl_open();
	for (i = 0; i < ARRAY_SIZE(ids); i++) {
		test_print("vm id %#x", ids[i]);
		nl_msg_init(&req, fam.id, DUET_CMD_VM_GET, DUET_FAMILY_VERSION);
		off = nl_put_u32(&req, DUET_A_VM_ID, ids[i]);
		check_refused(_nl_request(&nl, &req, &rep), -ENOENT, "no such VM",
			      off);

		nl_msg_init(&req, fam.id, DUET_CMD_VCPU_GET, DUET_FAMILY_VERSION);
		off = nl_put_u32(&req, DUET_A_VCPU_VM_ID, ids[i]);
		nl_put_u32(&req, DUET_A_VCPU_ID, 0);
		check_refused(_nl_request(&nl, &req, &rep), -ENOENT, "no such VM",
			      off);
	}
}

static void get_missing_attrs(void)
{
	struct nl_msg req;

	duet_nl_open();
	nl_msg_init(&req, fam.id, DUET_CMD_VM_GET, DUET_FAMILY_VERSION);
	check_missing(_nl_request(&nl, &req, &rep), "missing VM id", DUET_A_VM_ID);

	nl_msg_init(&req, fam.id, DUET_CMD_VCPU_GET, DUET_FAMILY_VERSION);
	nl_put_u32(&req, DUET_A_VCPU_VM_ID, 1);
	check_missing(_nl_request(&nl, &req, &rep), "missing vCPU id",
		      DUET_A_VCPU_ID);

	nl_msg_init(&req, fam.id, DUET_CMD_VCPU_GET, DUET_FAMILY_VERSION);
	nl_put_u32(&req, DUET_A_VCPU_ID, 0);
	check_missing(_nl_request(&nl, &req, &rep), "missing VM id",
		      DUET_A_VCPU_VM_ID);
}

/* Strict policies: sizes, reply-only and unknown attributes. */
static void get_bad_attrs(void)
{
	static const __u64 wide = 1;
	struct nl_msg req;
	int off;

	duet_nl_open();
	nl_msg_init(&req, fam.id, DUET_CMD_VM_GET, DUET_FAMILY_VERSION);
	off = nl_put(&req, DUET_A_VM_ID, &wide, sizeof(wide));
	TEST_ASSERT_RC(_nl_request(&nl, &req, &rep), -EINVAL);
	TEST_ASSERT(rep.has_offs && rep.offs == (__u32)off, "offset");

	nl_msg_init(&req, fam.id, DUET_CMD_VM_GET, DUET_FAMILY_VERSION);
	nl_put_u32(&req, DUET_A_VM_ID, 1);
	off = nl_put_u32(&req, DUET_A_VM_PID, 1);
	TEST_ASSERT_RC(_nl_request(&nl, &req, &rep), -EINVAL);
	TEST_ASSERT(rep.has_offs && rep.offs == (__u32)off, "offset");

	nl_msg_init(&req, fam.id, DUET_CMD_VCPU_GET, DUET_FAMILY_VERSION);
	nl_put_u32(&req, DUET_A_VCPU_VM_ID, 1);
	nl_put_u32(&req, DUET_A_VCPU_ID, 0);
	off = nl_put_u32(&req, DUET_A_VCPU_MAX + 1, 0);
	TEST_ASSERT_RC(_nl_request(&nl, &req, &rep), -EINVAL);
	TEST_ASSERT(rep.has_offs && rep.offs == (__u32)off, "offset");
}

/* vCPU ids: above the limit is invalid, a free one unknown. */
static void vcpu_get_bad_id(void)
{
	struct duet_test_vm *tvm;
	struct nl_msg req;
	__u32 id;
	int off;

	require_vms();
	duet_nl_open();
	tvm = vm_create_barebones();
	vm_vcpu_add(tvm, 0, NULL);
	id = my_vm().id;

	nl_msg_init(&req, fam.id, DUET_CMD_VCPU_GET, DUET_FAMILY_VERSION);
	nl_put_u32(&req, DUET_A_VCPU_VM_ID, id);
	off = nl_put_u32(&req, DUET_A_VCPU_ID, 1);
	check_refused(_nl_request(&nl, &req, &rep), -ENOENT, "no such vCPU", off);

	nl_msg_init(&req, fam.id, DUET_CMD_VCPU_GET, DUET_FAMILY_VERSION);
	nl_put_u32(&req, DUET_A_VCPU_VM_ID, id);
	off = nl_put_u32(&req, DUET_A_VCPU_ID, DUET_MAX_VCPUS);
	check_refused(_nl_request(&nl, &req, &rep), -EINVAL,
		      "vCPU id not below DUET_MAX_VCPUS", off);
}

/* Dumps: a filter on an unknown VM, and the attributes a dump refuses. */
static void dump_bad_requests(void)
{
	struct nl_dump d = {};
	struct nl_msg req;

	duet_nl_open();
	nl_msg_init(&req, fam.id, DUET_CMD_VCPU_GET, DUET_FAMILY_VERSION);
	nl_put_u32(&req, DUET_A_VCPU_VM_ID, 0);
	TEST_ASSERT_RC(_nl_dump(&nl, &req, &d), -ENOENT);
	test_print("extack: \"%s\"", d.extack);
	TEST_ASSERT(!strcmp(d.extack, "no such VM"), "extack \"%s\"", d.extack);
	TEST_ASSERT_EQ(d.nr_msgs, 0);

	nl_msg_init(&req, fam.id, DUET_CMD_VCPU_GET, DUET_FAMILY_VERSION);
	nl_put_u32(&req, DUET_A_VCPU_ID, 0);
	TEST_ASSERT_RC(_nl_dump(&nl, &req, &d), -EINVAL);
	TEST_ASSERT(!strcmp(d.extack, "a dump takes no vCPU id"), "extack \"%s\"",
		    d.extack);

	nl_msg_init(&req, fam.id, DUET_CMD_VM_GET, DUET_FAMILY_VERSION);
	nl_put_u32(&req, DUET_A_VM_ID, 1);
	TEST_ASSERT_RC(_nl_dump(&nl, &req, &d), -EINVAL);
	TEST_ASSERT(!strcmp(d.extack, "a dump takes no VM id"), "extack \"%s\"",
		    d.extack);

	/* The policy still applies to dumps. */
	nl_msg_init(&req, fam.id, DUET_CMD_VM_GET, DUET_FAMILY_VERSION);
	nl_put_u32(&req, DUET_A_VM_MAX + 1, 1);
	TEST_ASSERT_RC(_nl_dump(&nl, &req, &d), -EINVAL);

	/* The socket is still in step: a good dump works. */
	nl_msg_init(&req, fam.id, DUET_CMD_VM_GET, DUET_FAMILY_VERSION);
	TEST_ASSERT_RC(_nl_dump(&nl, &req, &d), 0);
}

static const struct test_case cases[] = {
	TEST_CASE(family_ops),
	TEST_CASE(vm_get_unknown_id),
	TEST_CASE(get_missing_attrs),
	TEST_CASE(get_bad_attrs),
	TEST_CASE(dump_bad_requests),
	TEST_CASE(vm_dump_and_get),
	TEST_CASE(vcpu_counters),
	TEST_CASE(vm_dead_after_shutdown),
	TEST_CASE(vm_gone_after_close),
	TEST_CASE(vcpu_get_bad_id),
	TEST_CASE(dump_many_vms),
	TEST_CASE(monitor_create_delete),
	TEST_CASE(get_unprivileged),
	TEST_CASE(vm_netns_scope),
};

int main(void)
{
	int fd, r;

	TEST_REQUIRE_DUET();
	/* Without guests (a backend in progress) the refusals still count. */
	fd = duet_open();
	r = _duet_create_vm(fd, 0);
	if (r >= 0)
		close(r);
	close(fd);
	vms_supported = r >= 0;
	return test_run(cases, ARRAY_SIZE(cases));
}
