// SPDX-License-Identifier: GPL-2.0
/*
 * Generic netlink family "duet", the binary translator's ops
 * (module/nl/duet.yaml): bt-segment-add/del/get register, unregister and
 * list a VM's vulnerable segments, refusing length 0, overflow, overlap,
 * unknown VMs and segments, and callers without CAP_NET_ADMIN; vcpu-set
 * and vm-set store the execution mode and bt-detect that vcpu-get and
 * vm-get report, refusing auto with -EOPNOTSUPP.
 */
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "nl.h"
#include "vm.h"

#define UNPRIVILEGED_ID		65534	/* nobody */

static bool vms_supported;
static struct nl_sock nl;
static struct nl_reply rep;
static struct nl_family fam;

static void duet_nl_open(void)
{
	TEST_ASSERT_RC(_nl_open(&nl), 0);
	TEST_ASSERT_RC(_nl_family_get(&nl, DUET_FAMILY_NAME, &fam), 0);
}

static void require_vms(void)
{
	if (!vms_supported)
		TEST_SKIP("this duet backend does not run guests");
}

/* The id of the one VM of this process. */
static __u32 my_vm_id(void)
{
	static struct nl_vm vms[64];
	unsigned int i, n;
	__u32 id = 0;

	TEST_ASSERT_RC(_nl_vm_dump(&nl, fam.id, vms, ARRAY_SIZE(vms), &n, NULL), 0);
	for (i = 0; i < n && i < ARRAY_SIZE(vms); i++)
		if (vms[i].pid == (__u32)getpid())
			id = vms[i].id;
	TEST_ASSERT(id, "no VM of pid %d", getpid());
	return id;
}

static void check_refused(int r, int want, const char *msg)
{
	TEST_ASSERT_RC(r, want);
	test_print("extack: \"%s\"", rep.extack);
	TEST_ASSERT(!strcmp(rep.extack, msg), "extack \"%s\", want \"%s\"",
		    rep.extack, msg);
}

/* Attribute @type of the reply as an unsigned number (must be there). */
static unsigned long long reply_uint(unsigned int type, unsigned int max)
{
	const struct nlattr *tb[32];
	unsigned long long v;
	const struct nlattr *a;
	size_t len;

	TEST_ASSERT(rep.nlh, "no reply message");
	a = nl_genl_attrs(rep.nlh, &len);
	TEST_ASSERT_RC(nl_parse(a, len, tb, max), 0);
	TEST_ASSERT(tb[type], "reply without attribute %u", type);
	TEST_ASSERT_RC(nla_get_uint(tb[type], &v), 0);
	return v;
}

static int seg_add(__u32 vm, __u64 start, __u64 len, __u32 *id)
{
	struct nl_msg req;
	int r;

	nl_msg_init(&req, fam.id, DUET_CMD_BT_SEGMENT_ADD, DUET_FAMILY_VERSION);
	nl_put_u32(&req, DUET_A_BT_SEGMENT_VM_ID, vm);
	nl_put(&req, DUET_A_BT_SEGMENT_START, &start, sizeof(start));
	nl_put(&req, DUET_A_BT_SEGMENT_LEN, &len, sizeof(len));
	r = _nl_request(&nl, &req, &rep);
	if (!r && id) {
		*id = reply_uint(DUET_A_BT_SEGMENT_ID, DUET_A_BT_SEGMENT_MAX);
		TEST_ASSERT_EQ(reply_uint(DUET_A_BT_SEGMENT_START,
					  DUET_A_BT_SEGMENT_MAX), start);
		TEST_ASSERT_EQ(reply_uint(DUET_A_BT_SEGMENT_LEN,
					  DUET_A_BT_SEGMENT_MAX), len);
	}
	return r;
}

static int seg_del(__u32 vm, __u32 id)
{
	struct nl_msg req;

	nl_msg_init(&req, fam.id, DUET_CMD_BT_SEGMENT_DEL, DUET_FAMILY_VERSION);
	nl_put_u32(&req, DUET_A_BT_SEGMENT_VM_ID, vm);
	nl_put_u32(&req, DUET_A_BT_SEGMENT_ID, id);
	return _nl_request(&nl, &req, &rep);
}

struct seg_list {
	unsigned int n;
	__u32 id[16];
	__u64 start[16], len[16], hits[16];
};

static int seg_cb(const struct nlmsghdr *nlh, void *arg)
{
	const struct nlattr *tb[DUET_A_BT_SEGMENT_MAX + 1];
	struct seg_list *l = arg;
	unsigned long long v[4];
	const struct nlattr *a;
	size_t len;

	a = nl_genl_attrs(nlh, &len);
	if (nl_parse(a, len, tb, DUET_A_BT_SEGMENT_MAX) || l->n >= 16 ||
	    !tb[DUET_A_BT_SEGMENT_ID] || !tb[DUET_A_BT_SEGMENT_START] ||
	    !tb[DUET_A_BT_SEGMENT_LEN] || !tb[DUET_A_BT_SEGMENT_HITS] ||
	    nla_get_uint(tb[DUET_A_BT_SEGMENT_ID], &v[0]) ||
	    nla_get_uint(tb[DUET_A_BT_SEGMENT_START], &v[1]) ||
	    nla_get_uint(tb[DUET_A_BT_SEGMENT_LEN], &v[2]) ||
	    nla_get_uint(tb[DUET_A_BT_SEGMENT_HITS], &v[3]))
		return -EBADMSG;
	l->id[l->n] = v[0];
	l->start[l->n] = v[1];
	l->len[l->n] = v[2];
	l->hits[l->n] = v[3];
	l->n++;
	return 0;
}

static int seg_dump(__u32 vm, struct seg_list *l, struct nl_dump *d)
{
	struct nl_msg req;

	memset(l, 0, sizeof(*l));
	memset(d, 0, sizeof(*d));
	d->cb = seg_cb;
	d->arg = l;
	nl_msg_init(&req, fam.id, DUET_CMD_BT_SEGMENT_GET, DUET_FAMILY_VERSION);
	nl_put_u32(&req, DUET_A_BT_SEGMENT_VM_ID, vm);
	return _nl_dump(&nl, &req, d);
}

static void segment_add_del_dump(void)
{
	struct duet_test_vm *tvm;
	struct seg_list l;
	struct nl_dump d;
	__u32 vm, a, b, c;

	require_vms();
	duet_nl_open();
	tvm = vm_create_barebones();
	vm = my_vm_id();

	TEST_ASSERT_RC(seg_dump(vm, &l, &d), 0);
	TEST_ASSERT_EQ(l.n, 0);

	TEST_ASSERT_RC(seg_add(vm, 0x2000, 0x10, &a), 0);
	TEST_ASSERT_RC(seg_add(vm, 0x1000, 0x1000, &b), 0);	/* ends at 0x2000 */
	TEST_ASSERT_RC(seg_add(vm, 0x2010, 1, &c), 0);		/* starts at its end */
	TEST_ASSERT(a && b && c && a != b && b != c && a != c,
		    "ids %u %u %u", a, b, c);

	TEST_ASSERT_RC(seg_dump(vm, &l, &d), 0);
	TEST_ASSERT_EQ(l.n, 3);
	/* By id: a, b, c in the order they were added. */
	TEST_ASSERT(l.id[0] == a && l.id[1] == b && l.id[2] == c,
		    "dump order %u %u %u", l.id[0], l.id[1], l.id[2]);
	TEST_ASSERT(l.start[0] == 0x2000 && l.len[0] == 0x10, "segment a");
	TEST_ASSERT(l.start[1] == 0x1000 && l.len[1] == 0x1000, "segment b");
	TEST_ASSERT(l.start[2] == 0x2010 && l.len[2] == 1, "segment c");
	TEST_ASSERT(!l.hits[0] && !l.hits[1] && !l.hits[2], "hits before any run");

	/* Overlaps: inside, across either end, around. */
	check_refused(seg_add(vm, 0x2008, 1, NULL), -EINVAL,
		      "segment overlaps a registered one");
	check_refused(seg_add(vm, 0xfff, 2, NULL), -EINVAL,
		      "segment overlaps a registered one");
	check_refused(seg_add(vm, 0x200f, 0x10, NULL), -EINVAL,
		      "segment overlaps a registered one");
	check_refused(seg_add(vm, 0, 0x10000, NULL), -EINVAL,
		      "segment overlaps a registered one");
	check_refused(seg_add(vm, 0x9000, 0, NULL), -EINVAL,
		      "segment length is 0");
	check_refused(seg_add(vm, ~0ull - 4, 0x10, NULL), -EINVAL,
		      "segment passes the end of the address space");
	/* Up to the last byte but one: the end must be a u64. */
	TEST_ASSERT_RC(seg_add(vm, ~0ull - 0x10, 0x10, NULL), 0);

	TEST_ASSERT_RC(seg_del(vm, b), 0);
	check_refused(seg_del(vm, b), -ENOENT, "no such segment");
	/* Its range is free again. */
	TEST_ASSERT_RC(seg_add(vm, 0x1800, 0x800, NULL), 0);
	TEST_ASSERT_RC(seg_dump(vm, &l, &d), 0);
	TEST_ASSERT_EQ(l.n, 4);

	/* Unknown VM. */
	check_refused(seg_add(0, 0x1000, 1, NULL), -ENOENT, "no such VM");
	check_refused(seg_del(0, a), -ENOENT, "no such VM");
	TEST_ASSERT_RC(seg_dump(0, &l, &d), -ENOENT);
	TEST_ASSERT(!strcmp(d.extack, "no such VM"), "extack \"%s\"", d.extack);
	vm_free(tvm);
}

static noreturn void add_as_nobody(__u32 vm, __u32 id)
{
	struct seg_list l;
	struct nl_dump d;

	if (setgroups(0, NULL) || setgid(UNPRIVILEGED_ID) ||
	    setuid(UNPRIVILEGED_ID))
		TEST_FAIL("cannot drop privileges: %s", strerror(errno));
	duet_nl_open();
	TEST_ASSERT_RC(seg_add(vm, 0x5000, 1, NULL), -EPERM);
	TEST_ASSERT_RC(seg_del(vm, id), -EPERM);
	/* Listing is unprivileged, like vm-get. */
	TEST_ASSERT_RC(seg_dump(vm, &l, &d), 0);
	TEST_ASSERT_EQ(l.n, 1);
	fflush(stdout);
	_exit(0);
}

static void segment_needs_admin(void)
{
	struct duet_test_vm *tvm;
	int status;
	__u32 vm, id;
	pid_t pid;

	require_vms();
	if (getuid() != 0)
		TEST_SKIP("needs root to drop privileges");
	duet_nl_open();
	tvm = vm_create_barebones();
	vm = my_vm_id();
	TEST_ASSERT_RC(seg_add(vm, 0x1000, 1, &id), 0);
	fflush(stdout);
	pid = fork();
	TEST_ASSERT(pid >= 0, "fork");
	if (pid == 0)
		add_as_nobody(vm, id);
	TEST_ASSERT(waitpid(pid, &status, 0) == pid, "waitpid");
	TEST_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		    "child as uid %d failed (status %#x)", UNPRIVILEGED_ID, status);
	vm_free(tvm);
}

static int vcpu_set(__u32 vm, __u32 vcpu, __u32 mode)
{
	struct nl_msg req;

	nl_msg_init(&req, fam.id, DUET_CMD_VCPU_SET, DUET_FAMILY_VERSION);
	nl_put_u32(&req, DUET_A_VCPU_VM_ID, vm);
	nl_put_u32(&req, DUET_A_VCPU_ID, vcpu);
	nl_put_u32(&req, DUET_A_VCPU_EXEC_MODE, mode);
	return _nl_request(&nl, &req, &rep);
}

static unsigned long long vcpu_mode(__u32 vm, __u32 vcpu)
{
	struct nl_msg req;

	nl_msg_init(&req, fam.id, DUET_CMD_VCPU_GET, DUET_FAMILY_VERSION);
	nl_put_u32(&req, DUET_A_VCPU_VM_ID, vm);
	nl_put_u32(&req, DUET_A_VCPU_ID, vcpu);
	TEST_ASSERT_RC(_nl_request(&nl, &req, &rep), 0);
	return reply_uint(DUET_A_VCPU_EXEC_MODE, DUET_A_VCPU_MAX);
}

static int vm_set(__u32 vm, __u8 detect)
{
	struct nl_msg req;

	nl_msg_init(&req, fam.id, DUET_CMD_VM_SET, DUET_FAMILY_VERSION);
	nl_put_u32(&req, DUET_A_VM_ID, vm);
	nl_put_u8(&req, DUET_A_VM_BT_DETECT, detect);
	return _nl_request(&nl, &req, &rep);
}

static unsigned long long vm_detect(__u32 vm)
{
	struct nl_msg req;

	nl_msg_init(&req, fam.id, DUET_CMD_VM_GET, DUET_FAMILY_VERSION);
	nl_put_u32(&req, DUET_A_VM_ID, vm);
	TEST_ASSERT_RC(_nl_request(&nl, &req, &rep), 0);
	return reply_uint(DUET_A_VM_BT_DETECT, DUET_A_VM_MAX);
}

static void vcpu_vm_set_round_trip(void)
{
	struct duet_test_vm *tvm;
	__u32 vm;

	require_vms();
	duet_nl_open();
	tvm = vm_create_barebones();
	vm_vcpu_add(tvm, 0, NULL);
	vm_vcpu_add(tvm, 1, NULL);
	vm = my_vm_id();

	TEST_ASSERT_EQ(vcpu_mode(vm, 0), DUET_EXEC_MODE_HW);
	TEST_ASSERT_RC(vcpu_set(vm, 1, DUET_EXEC_MODE_BT), 0);
	TEST_ASSERT_EQ(vcpu_mode(vm, 1), DUET_EXEC_MODE_BT);
	TEST_ASSERT_EQ(vcpu_mode(vm, 0), DUET_EXEC_MODE_HW);
	TEST_ASSERT_RC(vcpu_set(vm, 1, DUET_EXEC_MODE_HW), 0);
	TEST_ASSERT_EQ(vcpu_mode(vm, 1), DUET_EXEC_MODE_HW);

	check_refused(vcpu_set(vm, 0, DUET_EXEC_MODE_AUTO), -EOPNOTSUPP,
		      "execution mode auto is not supported yet");
	TEST_ASSERT_EQ(vcpu_mode(vm, 0), DUET_EXEC_MODE_HW);
	/* Above the enum: the policy refuses it. */
	TEST_ASSERT_RC(vcpu_set(vm, 0, 3), -ERANGE);
	check_refused(vcpu_set(vm, 2, DUET_EXEC_MODE_BT), -ENOENT, "no such vCPU");
	check_refused(vcpu_set(0, 0, DUET_EXEC_MODE_BT), -ENOENT, "no such VM");

	TEST_ASSERT_EQ(vm_detect(vm), 0);
	TEST_ASSERT_RC(vm_set(vm, 1), 0);
	TEST_ASSERT_EQ(vm_detect(vm), 1);
	TEST_ASSERT_RC(vm_set(vm, 0), 0);
	TEST_ASSERT_EQ(vm_detect(vm), 0);
	check_refused(vm_set(vm, 2), -EINVAL, "bt-detect is 0 or 1");
	check_refused(vm_set(0, 1), -ENOENT, "no such VM");
	vm_free(tvm);
}

static const struct test_case cases[] = {
	TEST_CASE(segment_add_del_dump),
	TEST_CASE(segment_needs_admin),
	TEST_CASE(vcpu_vm_set_round_trip),
};

int main(void)
{
	int fd, r;

	TEST_REQUIRE_DUET();
	fd = duet_open();
	r = _duet_create_vm(fd, 0);
	if (r >= 0)
		close(r);
	close(fd);
	vms_supported = r >= 0;
	return test_run(cases, ARRAY_SIZE(cases));
}
