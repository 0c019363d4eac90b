// SPDX-License-Identifier: GPL-2.0
/*
 * duet selftests: binary translation and the stall barrier through the
 * netlink family; see bt.h.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bt.h"
#include "nl.h"
#include "test.h"

static struct nl_sock bt_nl;
static struct nl_family bt_fam;
static bool bt_nl_open;

static void bt_nl_init(void)
{
	if (bt_nl_open)
		return;
	TEST_ASSERT_RC(_nl_open(&bt_nl), 0);
	TEST_ASSERT_RC(_nl_family_get(&bt_nl, DUET_FAMILY_NAME, &bt_fam), 0);
	bt_nl_open = true;
}

__u32 vm_nl_id(struct duet_test_vm *vm)
{
	static struct nl_vm vms[64];
	unsigned int i, n;
	__u32 id = 0;

	if (vm->nl_id)
		return vm->nl_id;
	bt_nl_init();
	TEST_ASSERT_RC(_nl_vm_dump(&bt_nl, bt_fam.id, vms, 64, &n, NULL), 0);
	/* The newest VM of this process: ids only grow. */
	for (i = 0; i < n && i < 64; i++)
		if (vms[i].pid == (__u32)getpid() && vms[i].id > id)
			id = vms[i].id;
	TEST_ASSERT(id, "no VM of pid %d in vm-get", getpid());
	vm->nl_id = id;
	return id;
}

int _vcpu_set_exec_mode(struct duet_test_vcpu *vcpu, __u32 mode)
{
	struct nl_reply rep;
	struct nl_msg req;

	bt_nl_init();
	nl_msg_init(&req, bt_fam.id, DUET_CMD_VCPU_SET, DUET_FAMILY_VERSION);
	nl_put_u32(&req, DUET_A_VCPU_VM_ID, vm_nl_id(vcpu->vm));
	nl_put_u32(&req, DUET_A_VCPU_ID, vcpu->id);
	nl_put_u32(&req, DUET_A_VCPU_EXEC_MODE, mode);
	return _nl_request(&bt_nl, &req, &rep);
}

void vcpu_set_exec_mode(struct duet_test_vcpu *vcpu, __u32 mode)
{
	TEST_ASSERT_RC(_vcpu_set_exec_mode(vcpu, mode), 0);
}

void vm_set_bt_detect(struct duet_test_vm *vm, bool on)
{
	struct nl_reply rep;
	struct nl_msg req;

	bt_nl_init();
	nl_msg_init(&req, bt_fam.id, DUET_CMD_VM_SET, DUET_FAMILY_VERSION);
	nl_put_u32(&req, DUET_A_VM_ID, vm_nl_id(vm));
	nl_put_u8(&req, DUET_A_VM_BT_DETECT, on);
	TEST_ASSERT_RC(_nl_request(&bt_nl, &req, &rep), 0);
}

/* Attribute @type of @rep as an unsigned number (must be there). */
static __u64 reply_uint(struct nl_reply *rep, unsigned int type,
			unsigned int max, unsigned int nest)
{
	const struct nlattr *tb[64], *ntb[64];
	unsigned long long v;
	const struct nlattr *a;
	size_t len;

	TEST_ASSERT(rep->nlh && max < 64, "no reply message");
	a = nl_genl_attrs(rep->nlh, &len);
	nl_parse(a, len, tb, max);
	if (nest) {
		TEST_ASSERT(tb[nest], "reply without nest %u", nest);
		/* -ERANGE: attributes newer than this program, ignored. */
		nl_parse(nla_payload(tb[nest]), nla_payload_len(tb[nest]), ntb,
			 63);
		TEST_ASSERT(ntb[type], "reply without attribute %u", type);
		TEST_ASSERT_RC(nla_get_uint(ntb[type], &v), 0);
		return v;
	}
	TEST_ASSERT(tb[type], "reply without attribute %u", type);
	TEST_ASSERT_RC(nla_get_uint(tb[type], &v), 0);
	return v;
}

void vm_set_max_stall_us(struct duet_test_vm *vm, __u32 us)
{
	struct nl_reply rep;

	bt_nl_init();
	TEST_ASSERT_RC(_nl_vm_set_max_stall(&bt_nl, bt_fam.id, vm_nl_id(vm), us,
					    &rep), 0);
}

__u32 vm_bt_segment_add(struct duet_test_vm *vm, __u64 start, __u64 len)
{
	struct nl_reply rep;
	struct nl_msg req;

	bt_nl_init();
	nl_msg_init(&req, bt_fam.id, DUET_CMD_BT_SEGMENT_ADD,
		    DUET_FAMILY_VERSION);
	nl_put_u32(&req, DUET_A_BT_SEGMENT_VM_ID, vm_nl_id(vm));
	nl_put(&req, DUET_A_BT_SEGMENT_START, &start, sizeof(start));
	nl_put(&req, DUET_A_BT_SEGMENT_LEN, &len, sizeof(len));
	TEST_ASSERT_RC(_nl_request(&bt_nl, &req, &rep), 0);
	return reply_uint(&rep, DUET_A_BT_SEGMENT_ID, DUET_A_BT_SEGMENT_MAX, 0);
}

__u64 vm_bt_segment_hits(struct duet_test_vm *vm, __u32 id)
{
	struct nl_reply rep;
	struct nl_msg req;

	bt_nl_init();
	nl_msg_init(&req, bt_fam.id, DUET_CMD_BT_SEGMENT_GET,
		    DUET_FAMILY_VERSION);
	nl_put_u32(&req, DUET_A_BT_SEGMENT_VM_ID, vm_nl_id(vm));
	nl_put_u32(&req, DUET_A_BT_SEGMENT_ID, id);
	TEST_ASSERT_RC(_nl_request(&bt_nl, &req, &rep), 0);
	return reply_uint(&rep, DUET_A_BT_SEGMENT_HITS, DUET_A_BT_SEGMENT_MAX, 0);
}

__u64 vm_nl_stat(struct duet_test_vm *vm, unsigned int attr)
{
	struct nl_reply rep;
	struct nl_msg req;

	bt_nl_init();
	nl_msg_init(&req, bt_fam.id, DUET_CMD_VM_GET, DUET_FAMILY_VERSION);
	nl_put_u32(&req, DUET_A_VM_ID, vm_nl_id(vm));
	TEST_ASSERT_RC(_nl_request(&bt_nl, &req, &rep), 0);
	return reply_uint(&rep, attr, DUET_A_VM_MAX, DUET_A_VM_STATS);
}

__u64 vcpu_nl_stat(struct duet_test_vcpu *vcpu, unsigned int attr)
{
	struct nl_reply rep;
	struct nl_msg req;

	bt_nl_init();
	nl_msg_init(&req, bt_fam.id, DUET_CMD_VCPU_GET, DUET_FAMILY_VERSION);
	nl_put_u32(&req, DUET_A_VCPU_VM_ID, vm_nl_id(vcpu->vm));
	nl_put_u32(&req, DUET_A_VCPU_ID, vcpu->id);
	TEST_ASSERT_RC(_nl_request(&bt_nl, &req, &rep), 0);
	return reply_uint(&rep, attr, DUET_A_VCPU_MAX, DUET_A_VCPU_STATS);
}

void vcpu_apply_test_exec_mode(struct duet_test_vcpu *vcpu)
{
	const char *mode = getenv("DUET_TEST_EXEC_MODE");

	if (!mode || !strcmp(mode, "hw"))
		return;
	TEST_ASSERT(!strcmp(mode, "bt"), "DUET_TEST_EXEC_MODE=%s: hw or bt",
		    mode);
	vcpu_set_exec_mode(vcpu, DUET_EXEC_MODE_BT);
}
