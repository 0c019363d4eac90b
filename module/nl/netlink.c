// SPDX-License-Identifier: GPL-2.0
/*
 * Generic netlink family "duet": registration and the handlers of the ops
 * that module/nl/duet.yaml describes.  The policies and the ops table are
 * generated into duet_nl.c; the family itself is defined here because the
 * generator writes one only for split ops, which 6.1 does not have.
 *
 * VMs are found in the registry of vm.c, by id and only in the network
 * namespace of the requesting socket; a handler holds a reference on the
 * VM it reports, never across dump calls (a dump keeps ids in cb->args).
 */
#include <linux/build_bug.h>
#include <linux/module.h>
#include <linux/stddef.h>
#include <net/genetlink.h>
#include <net/sock.h>

#include "../duet.h"
#include "../bt/bt.h"
#include "duet_nl.h"

/*
 * Reply attribute of each capability.  The value always comes from
 * duet_cap_value(), as for DUET_CHECK_EXTENSION, so the two cannot disagree.
 */
struct duet_nl_cap {
	u16 attr;		/* DUET_A_CAPS_*, 0 for none */
	u8 type;		/* NLA_U8 (0 or 1) or NLA_U32 */
};

static const struct duet_nl_cap duet_nl_caps[DUET_CAP_MAX + 1] = {
	[DUET_CAP_API_VERSION]	= { DUET_A_CAPS_API_VERSION, NLA_U32 },
	[DUET_CAP_BACKEND]	= { DUET_A_CAPS_BACKEND, NLA_U32 },
	[DUET_CAP_NESTED_PAGING] = { DUET_A_CAPS_NESTED_PAGING, NLA_U8 },
	[DUET_CAP_PAGING_LEVELS] = { DUET_A_CAPS_PAGING_LEVELS, NLA_U32 },
	[DUET_CAP_NR_ASIDS]	= { DUET_A_CAPS_NR_ASIDS, NLA_U32 },
	[DUET_CAP_NRIP_SAVE]	= { DUET_A_CAPS_NRIP_SAVE, NLA_U8 },
	[DUET_CAP_DECODE_ASSISTS] = { DUET_A_CAPS_DECODE_ASSISTS, NLA_U8 },
	[DUET_CAP_FLUSH_BY_ASID] = { DUET_A_CAPS_FLUSH_BY_ASID, NLA_U8 },
	[DUET_CAP_VMCB_CLEAN]	= { DUET_A_CAPS_VMCB_CLEAN, NLA_U8 },
	[DUET_CAP_VGIF]		= { DUET_A_CAPS_VGIF, NLA_U8 },
	[DUET_CAP_UNRESTRICTED_GUEST] = { DUET_A_CAPS_UNRESTRICTED_GUEST, NLA_U8 },
	[DUET_CAP_VPID]		= { DUET_A_CAPS_VPID, NLA_U8 },
	[DUET_CAP_LARGE_PAGES_2M] = { DUET_A_CAPS_LARGE_PAGES_2M, NLA_U8 },
	[DUET_CAP_LARGE_PAGES_1G] = { DUET_A_CAPS_LARGE_PAGES_1G, NLA_U8 },
	[DUET_CAP_ACCESSED_DIRTY] = { DUET_A_CAPS_ACCESSED_DIRTY, NLA_U8 },
	[DUET_CAP_NR_CPUS]	= { DUET_A_CAPS_NR_CPUS, NLA_U32 },
};

/* A u64 counter of a statistics nest and its attribute. */
struct duet_nl_counter {
	u16 attr;
	u16 offset;		/* in struct duet_vm_stats / duet_vcpu_stats */
};

#define DUET_NL_VM_STAT(a, f) \
	{ DUET_A_VM_STATS_##a, offsetof(struct duet_vm_stats, f) }
#define DUET_NL_VCPU_STAT(a, f) \
	{ DUET_A_VCPU_STATS_##a, offsetof(struct duet_vcpu_stats, f) }

static const struct duet_nl_counter duet_nl_vm_counters[] = {
	DUET_NL_VM_STAT(PAGES_PINNED, pages_pinned),
	DUET_NL_VM_STAT(PAGES_MAPPED_4K, pages_mapped_4k),
	DUET_NL_VM_STAT(PAGES_MAPPED_2M, pages_mapped_2m),
	DUET_NL_VM_STAT(STALLS, stalls),
	DUET_NL_VM_STAT(STALL_NS, stall_ns),
	DUET_NL_VM_STAT(STALL_MAX_NS, stall_max_ns),
	DUET_NL_VM_STAT(STALL_TIMEOUTS, stall_timeouts),
	DUET_NL_VM_STAT(STALL_WAIT_TIMEOUTS, stall_wait_timeouts),
};

static const struct duet_nl_counter duet_nl_vcpu_counters[] = {
	DUET_NL_VCPU_STAT(EXITS, exits),
	DUET_NL_VCPU_STAT(USERSPACE_EXITS, userspace_exits),
	DUET_NL_VCPU_STAT(INTR_EXITS, intr_exits),
	DUET_NL_VCPU_STAT(IRQ_WINDOW_EXITS, irq_window_exits),
	DUET_NL_VCPU_STAT(CPUID_EXITS, cpuid_exits),
	DUET_NL_VCPU_STAT(MSR_EXITS, msr_exits),
	DUET_NL_VCPU_STAT(IO_EXITS, io_exits),
	DUET_NL_VCPU_STAT(MMIO_EXITS, mmio_exits),
	DUET_NL_VCPU_STAT(HALT_EXITS, halt_exits),
	DUET_NL_VCPU_STAT(HYPERCALL_EXITS, hypercall_exits),
	DUET_NL_VCPU_STAT(NPT_FAULTS, npt_faults),
	DUET_NL_VCPU_STAT(SHUTDOWN_EXITS, shutdown_exits),
	DUET_NL_VCPU_STAT(SIGNAL_EXITS, signal_exits),
	DUET_NL_VCPU_STAT(KICK_EXITS, kick_exits),
	DUET_NL_VCPU_STAT(INJECTED_EVENTS, injected_events),
	DUET_NL_VCPU_STAT(BT_BLOCKS_TRANSLATED, bt.blocks_translated),
	DUET_NL_VCPU_STAT(BT_CACHE_HITS, bt.cache_hits),
	DUET_NL_VCPU_STAT(BT_INVALIDATIONS, bt.invalidations),
	DUET_NL_VCPU_STAT(BT_INSNS, bt.insns),
	DUET_NL_VCPU_STAT(BT_HW_STEPS, bt.hw_steps),
	DUET_NL_VCPU_STAT(BT_SEGMENTS, bt.segments_entered),
	DUET_NL_VCPU_STAT(BT_STEP_STALLS, bt.step_stalls),
};

/*
 * The generator also emits this table, static and unused, in duet_nl.c: it
 * references it only from the family struct that it does not write for us.
 */
static const struct genl_multicast_group duet_nl_groups[] = {
	[DUET_NLGRP_MONITOR] = { .name = DUET_MCGRP_MONITOR, },
};

/*
 * resv_start_op stays 0, so that every op gets strict attribute validation
 * and a non-zero reserved byte in the genetlink header is refused.
 */
static struct genl_family duet_nl_family __ro_after_init = {
	.name		= DUET_FAMILY_NAME,
	.version	= DUET_FAMILY_VERSION,
	.netnsok	= true,
	.parallel_ops	= true,
	.module		= THIS_MODULE,
	.ops		= duet_nl_ops,
	.n_ops		= ARRAY_SIZE(duet_nl_ops),
	.mcgrps		= duet_nl_groups,
	.n_mcgrps	= ARRAY_SIZE(duet_nl_groups),
};

static int duet_nl_put_cap(struct sk_buff *msg, u32 cap)
{
	const struct duet_nl_cap *c = &duet_nl_caps[cap];
	u64 value;
	int err;

	err = duet_cap_value(&duet_caps, cap, &value);
	if (err)
		return err;

	if (c->type == NLA_U8)
		return nla_put_u8(msg, c->attr, value);
	return nla_put_u32(msg, c->attr, value);
}

/* Put the backend and @cap, or every capability when @cap is 0. */
static int duet_nl_fill_caps(struct sk_buff *msg, u32 cap)
{
	u32 i;
	int err;

	err = duet_nl_put_cap(msg, DUET_CAP_BACKEND);
	if (err)
		return err;

	if (cap)
		return cap == DUET_CAP_BACKEND ? 0 : duet_nl_put_cap(msg, cap);

	for (i = 1; i < ARRAY_SIZE(duet_nl_caps); i++) {
		if (i == DUET_CAP_BACKEND || !duet_nl_caps[i].attr)
			continue;
		err = duet_nl_put_cap(msg, i);
		if (err)
			return err;
	}
	return 0;
}

int duet_nl_caps_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *attr = info->attrs[DUET_A_CAPS_CAP];
	struct sk_buff *msg;
	u32 cap = 0;
	void *hdr;
	int err;

	/*
	 * The policy checks the type only: a range there would refuse with
	 * -ERANGE, while duet refuses every bad value with -EINVAL and names
	 * the attribute.  0 and retired numbers have no entry.
	 */
	if (attr) {
		cap = nla_get_u32(attr);
		if (cap >= ARRAY_SIZE(duet_nl_caps) || !duet_nl_caps[cap].attr) {
			NL_SET_ERR_MSG_ATTR(info->extack, attr, "unknown capability");
			return -EINVAL;
		}
	}

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;

	hdr = genlmsg_put_reply(msg, info, &duet_nl_family, 0, DUET_CMD_CAPS_GET);
	if (!hdr) {
		err = -EMSGSIZE;
		goto err_free_msg;
	}

	err = duet_nl_fill_caps(msg, cap);
	if (err)
		goto err_free_msg;

	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

err_free_msg:
	nlmsg_free(msg);
	return err;
}

/*
 * The request attributes of a dump, parsed again from the request: where
 * the core keeps its own parse moved in 6.6 (from genl_dumpit_info to its
 * genl_info).  The core has validated them against the same policy.
 */
static int duet_nl_dump_parse(struct netlink_callback *cb, struct nlattr **tb,
			      int maxtype, const struct nla_policy *policy)
{
	return nlmsg_parse(cb->nlh, GENL_HDRLEN, tb, maxtype, policy,
			   cb->extack);
}

/* Put @stats as the nest @type of u64 counters; 0 or -EMSGSIZE. */
static int duet_nl_put_counters(struct sk_buff *msg, int type, int pad,
				const void *stats,
				const struct duet_nl_counter *c, size_t n)
{
	struct nlattr *nest;
	size_t i;

	nest = nla_nest_start(msg, type);
	if (!nest)
		return -EMSGSIZE;
	for (i = 0; i < n; i++) {
		u64 value = *(const u64 *)((const u8 *)stats + c[i].offset);

		if (nla_put_u64_64bit(msg, c[i].attr, value, pad)) {
			nla_nest_cancel(msg, nest);
			return -EMSGSIZE;
		}
	}
	nla_nest_end(msg, nest);
	return 0;
}

/* One vm-get message for @vm; 0 or -EMSGSIZE. */
static int duet_nl_fill_vm(struct sk_buff *msg, struct duet_vm *vm,
			   u32 portid, u32 seq, int flags)
{
	struct duet_vm_info info;
	void *hdr;

	duet_vm_snapshot(vm, &info);

	hdr = genlmsg_put(msg, portid, seq, &duet_nl_family, flags,
			  DUET_CMD_VM_GET);
	if (!hdr)
		return -EMSGSIZE;

	if (nla_put_u32(msg, DUET_A_VM_ID, vm->id) ||
	    nla_put_u32(msg, DUET_A_VM_PID, vm->pid) ||
	    nla_put_u32(msg, DUET_A_VM_NR_VCPUS, info.nr_vcpus) ||
	    nla_put_u32(msg, DUET_A_VM_NR_MEMSLOTS, info.nr_memslots) ||
	    nla_put_u64_64bit(msg, DUET_A_VM_MEMORY_SIZE, info.memory_size,
			      DUET_A_VM_PAD) ||
	    nla_put_u32(msg, DUET_A_VM_FLAGS, vm->flags) ||
	    nla_put_u8(msg, DUET_A_VM_DEAD, info.dead) ||
	    nla_put_u64_64bit(msg, DUET_A_VM_CREATE_TIME, vm->create_time,
			      DUET_A_VM_PAD) ||
	    nla_put_u8(msg, DUET_A_VM_BT_DETECT, READ_ONCE(vm->bt_detect)) ||
	    duet_nl_put_counters(msg, DUET_A_VM_STATS, DUET_A_VM_STATS_PAD,
				 &info.stats, duet_nl_vm_counters,
				 ARRAY_SIZE(duet_nl_vm_counters)) ||
	    nla_put_u32(msg, DUET_A_VM_MAX_STALL_US, info.max_stall_us))
		goto err_cancel;

	genlmsg_end(msg, hdr);
	return 0;

err_cancel:
	genlmsg_cancel(msg, hdr);
	return -EMSGSIZE;
}

/* One vcpu-get message for vCPU @id of @vm; 0, -ENOENT or -EMSGSIZE. */
static int duet_nl_fill_vcpu(struct sk_buff *msg, struct duet_vm *vm, u32 id,
			     u32 portid, u32 seq, int flags)
{
	struct duet_vcpu_info info;
	void *hdr;
	int err;

	err = duet_vcpu_snapshot(vm, id, &info);
	if (err)
		return err;

	hdr = genlmsg_put(msg, portid, seq, &duet_nl_family, flags,
			  DUET_CMD_VCPU_GET);
	if (!hdr)
		return -EMSGSIZE;

	if (nla_put_u32(msg, DUET_A_VCPU_VM_ID, vm->id) ||
	    nla_put_u32(msg, DUET_A_VCPU_ID, id) ||
	    (info.cpu >= 0 &&
	     nla_put_u32(msg, DUET_A_VCPU_LAST_CPU, info.cpu)) ||
	    nla_put_u8(msg, DUET_A_VCPU_IN_GUEST, info.in_guest) ||
	    nla_put_u32(msg, DUET_A_VCPU_EXEC_MODE, info.exec_mode) ||
	    duet_nl_put_counters(msg, DUET_A_VCPU_STATS, DUET_A_VCPU_STATS_PAD,
				 &info.stats, duet_nl_vcpu_counters,
				 ARRAY_SIZE(duet_nl_vcpu_counters)))
		goto err_cancel;

	genlmsg_end(msg, hdr);
	return 0;

err_cancel:
	genlmsg_cancel(msg, hdr);
	return -EMSGSIZE;
}

/* The VM that @attr (a u32 id) names, referenced; NULL and extack if none. */
static struct duet_vm *duet_nl_find_vm(struct net *net, struct nlattr *attr,
				       struct netlink_ext_ack *extack)
{
	struct duet_vm *vm = duet_vm_find(net, nla_get_u32(attr));

	if (!vm)
		NL_SET_ERR_MSG_ATTR(extack, attr, "no such VM");
	return vm;
}

/*
 * Read-only and unprivileged (no GENL_ADMIN_PERM), as the spec says: a VM
 * of another network namespace is as unknown as a free id.
 */
int duet_nl_vm_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct sk_buff *msg;
	struct duet_vm *vm;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, DUET_A_VM_ID)) {
		NL_SET_ERR_MSG(info->extack, "missing VM id");
		return -EINVAL;
	}
	vm = duet_nl_find_vm(genl_info_net(info), info->attrs[DUET_A_VM_ID],
			     info->extack);
	if (!vm)
		return -ENOENT;

	err = -ENOMEM;
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		goto err_put_vm;

	err = duet_nl_fill_vm(msg, vm, info->snd_portid, info->snd_seq, 0);
	if (err)
		goto err_free_msg;

	duet_vm_put(vm);
	return genlmsg_reply(msg, info);

err_free_msg:
	nlmsg_free(msg);
err_put_vm:
	duet_vm_put(vm);
	return err;
}

/*
 * The VM named by the required id of a vm-set or vm-stall request, and
 * the required attribute @type; NULL (extack set, *@err the errno) when
 * either is missing or the VM unknown.
 */
static struct duet_vm *duet_nl_vm_request(struct genl_info *info, int type,
					  int *err)
{
	struct duet_vm *vm;

	*err = -EINVAL;
	if (GENL_REQ_ATTR_CHECK(info, DUET_A_VM_ID)) {
		NL_SET_ERR_MSG(info->extack, "missing VM id");
		return NULL;
	}
	if (GENL_REQ_ATTR_CHECK(info, type)) {
		NL_SET_ERR_MSG(info->extack, "missing attribute");
		return NULL;
	}
	*err = -ENOENT;
	vm = duet_nl_find_vm(genl_info_net(info), info->attrs[DUET_A_VM_ID],
			     info->extack);
	if (vm)
		*err = 0;
	return vm;
}

/*
 * Holds the VM's vCPUs out of guest mode from this thread; the reference
 * keeps the VM alive meanwhile, even if every fd of it is closed.
 */
int duet_nl_vm_stall_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *attr = info->attrs[DUET_A_VM_STALL_US];
	struct duet_vm *vm;
	u32 us;
	int err;

	vm = duet_nl_vm_request(info, DUET_A_VM_STALL_US, &err);
	if (!vm)
		return err;
	us = nla_get_u32(attr);
	if (!us || us > DUET_STALL_MAX_US) {
		NL_SET_ERR_MSG_ATTR(info->extack, attr,
				    "stall-us must be 1 to 1000000");
		err = -EINVAL;
	} else {
		err = duet_stall_hold(vm, us);
		if (err == -ETIMEDOUT)
			NL_SET_ERR_MSG(info->extack,
				       "a vCPU did not leave guest mode in time");
	}
	duet_vm_put(vm);
	return err;
}

/*
 * Every VM of the socket's namespace, by increasing id; cb->args[0] is the
 * next id to look at.  A VM created meanwhile with a lower id is missed.
 */
int duet_nl_vm_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct nlattr *attrs[DUET_A_VM_ID + 1];
	unsigned long id = cb->args[0];
	struct duet_vm *vm;
	int err;

	err = duet_nl_dump_parse(cb, attrs, DUET_A_VM_ID, duet_vm_get_nl_policy);
	if (err)
		return err;
	/* One policy serves do and dump (6.1 has no split ops). */
	if (attrs[DUET_A_VM_ID]) {
		NL_SET_ERR_MSG_ATTR(cb->extack, attrs[DUET_A_VM_ID],
				    "a dump takes no VM id");
		return -EINVAL;
	}

	while ((vm = duet_vm_find_next(sock_net(skb->sk), &id, ULONG_MAX))) {
		err = duet_nl_fill_vm(skb, vm, NETLINK_CB(cb->skb).portid,
				      cb->nlh->nlmsg_seq, NLM_F_MULTI);
		duet_vm_put(vm);
		if (err)
			break;
		id++;
	}
	cb->args[0] = id;

	/* A full skb: send it, and come back for the VM that did not fit. */
	if (err == -EMSGSIZE && skb->len)
		return skb->len;
	return err;
}

int duet_nl_vcpu_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *id_attr = info->attrs[DUET_A_VCPU_ID];
	struct sk_buff *msg;
	struct duet_vm *vm;
	u32 id;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, DUET_A_VCPU_VM_ID)) {
		NL_SET_ERR_MSG(info->extack, "missing VM id");
		return -EINVAL;
	}
	if (GENL_REQ_ATTR_CHECK(info, DUET_A_VCPU_ID)) {
		NL_SET_ERR_MSG(info->extack, "missing vCPU id");
		return -EINVAL;
	}
	id = nla_get_u32(id_attr);
	if (id >= DUET_MAX_VCPUS) {
		NL_SET_ERR_MSG_ATTR(info->extack, id_attr,
				    "vCPU id not below DUET_MAX_VCPUS");
		return -EINVAL;
	}
	vm = duet_nl_find_vm(genl_info_net(info),
			     info->attrs[DUET_A_VCPU_VM_ID], info->extack);
	if (!vm)
		return -ENOENT;

	err = -ENOMEM;
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		goto err_put_vm;

	err = duet_nl_fill_vcpu(msg, vm, id, info->snd_portid, info->snd_seq, 0);
	if (err) {
		if (err == -ENOENT)
			NL_SET_ERR_MSG_ATTR(info->extack, id_attr, "no such vCPU");
		goto err_free_msg;
	}

	duet_vm_put(vm);
	return genlmsg_reply(msg, info);

err_free_msg:
	nlmsg_free(msg);
err_put_vm:
	duet_vm_put(vm);
	return err;
}

/*
 * The vCPUs of one VM (vm-id given) or of every VM of the socket's
 * namespace, by VM id, then vCPU id.  cb->args[0] is the VM being dumped,
 * cb->args[1] the next vCPU id in it, cb->args[2] non-zero once the VM a
 * filtered dump names has been found.
 */
int duet_nl_vcpu_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	unsigned long id = cb->args[0], idx = cb->args[1], start, last;
	struct nlattr *attrs[DUET_A_VCPU_ID + 1];
	struct nlattr *vm_attr;
	struct duet_vm *vm;
	int err;

	err = duet_nl_dump_parse(cb, attrs, DUET_A_VCPU_ID,
				 duet_vcpu_get_nl_policy);
	if (err)
		return err;
	vm_attr = attrs[DUET_A_VCPU_VM_ID];
	/* One policy serves do and dump (6.1 has no split ops). */
	if (attrs[DUET_A_VCPU_ID]) {
		NL_SET_ERR_MSG_ATTR(cb->extack, attrs[DUET_A_VCPU_ID],
				    "a dump takes no vCPU id");
		return -EINVAL;
	}

	last = ULONG_MAX;
	if (vm_attr) {
		last = nla_get_u32(vm_attr);
		if (!cb->args[2])
			id = last;
	}
	start = id;

	while ((vm = duet_vm_find_next(sock_net(skb->sk), &id, last))) {
		cb->args[2] = 1;
		/* Resume inside the VM of the last call only if it is still there. */
		if (id != start)
			idx = 0;
		for (; idx < DUET_MAX_VCPUS; idx++) {
			err = duet_nl_fill_vcpu(skb, vm, idx,
						NETLINK_CB(cb->skb).portid,
						cb->nlh->nlmsg_seq, NLM_F_MULTI);
			if (err == -ENOENT)
				err = 0;
			else if (err)
				break;
		}
		duet_vm_put(vm);
		if (err)
			break;
		id++;
		idx = 0;
	}
	cb->args[0] = id;
	cb->args[1] = idx;

	if (vm_attr && !cb->args[2]) {
		NL_SET_ERR_MSG_ATTR(cb->extack, vm_attr, "no such VM");
		return -ENOENT;
	}
	if (err == -EMSGSIZE && skb->len)
		return skb->len;
	return err;
}

/*
 * Introspection (mem-read, vcpu-translate): CAP_NET_ADMIN through the
 * spec's admin-perm (GENL_ADMIN_PERM, checked by the core before the
 * handler).  Reads by guest-virtual address use the vCPU's paging state
 * as of its last exit (duet_vcpu_walk_mode()), read-only: no accessed or
 * dirty bit is set.  Faults are part of the answer, in a fault nest.
 */
static_assert(DUET_MEM_READ_MAX <= 4 * PAGE_SIZE);

/* The walk access of an introspection read for a vCPU at @cpl. */
static u32 duet_nl_mem_access(u8 cpl)
{
	/* SMAP does not hide user pages from a supervisor look (AC set). */
	return DUET_WALK_NO_AD | DUET_WALK_AC | (cpl == 3 ? DUET_PFERR_USER : 0);
}

static int duet_nl_put_fault(struct sk_buff *msg,
			     const struct duet_gmem_fault *f)
{
	struct nlattr *nest;

	nest = nla_nest_start(msg, DUET_A_MEM_FAULT);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u32(msg, DUET_A_MEM_FAULT_KIND, f->kind) ||
	    nla_put_u32(msg, DUET_A_MEM_FAULT_ERRNO, -f->err) ||
	    nla_put_u64_64bit(msg, DUET_A_MEM_FAULT_ADDR, f->addr,
			      DUET_A_MEM_FAULT_PAD) ||
	    nla_put_u64_64bit(msg, DUET_A_MEM_FAULT_GPA, f->gpa,
			      DUET_A_MEM_FAULT_PAD) ||
	    nla_put_u32(msg, DUET_A_MEM_FAULT_ERROR_CODE, f->error_code)) {
		nla_nest_cancel(msg, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(msg, nest);
	return 0;
}

/*
 * The VM and, when @need_vcpu or given, the vCPU paging mode of a request
 * of the mem set: 0 with the VM referenced, or -errno with the extack.
 */
static int duet_nl_mem_target(struct genl_info *info, bool need_vcpu,
			      struct duet_vm **vmp, struct duet_walk_mode *m,
			      u8 *cpl, bool *has_vcpu)
{
	struct nlattr *vcpu_attr = info->attrs[DUET_A_MEM_VCPU_ID];
	struct duet_vm *vm;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, DUET_A_MEM_VM_ID)) {
		NL_SET_ERR_MSG(info->extack, "missing VM id");
		return -EINVAL;
	}
	if (need_vcpu && GENL_REQ_ATTR_CHECK(info, DUET_A_MEM_VCPU_ID)) {
		NL_SET_ERR_MSG(info->extack, "missing vCPU id");
		return -EINVAL;
	}
	vm = duet_nl_find_vm(genl_info_net(info), info->attrs[DUET_A_MEM_VM_ID],
			     info->extack);
	if (!vm)
		return -ENOENT;
	*has_vcpu = vcpu_attr;
	if (vcpu_attr) {
		err = duet_vcpu_walk_mode(vm, nla_get_u32(vcpu_attr), m, cpl);
		if (err) {
			NL_SET_ERR_MSG_ATTR(info->extack, vcpu_attr, "no such vCPU");
			duet_vm_put(vm);
			return err;
		}
	}
	*vmp = vm;
	return 0;
}

int duet_nl_mem_read_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *gva = info->attrs[DUET_A_MEM_GVA];
	struct nlattr *gpa = info->attrs[DUET_A_MEM_GPA];
	struct nlattr *len_attr = info->attrs[DUET_A_MEM_LEN];
	struct duet_gmem_ctx ctx = { .policy = DUET_GMEM_REPORT };
	struct duet_walk_mode m;
	struct sk_buff *msg;
	struct duet_vm *vm;
	bool has_vcpu;
	u64 addr, done;
	void *hdr, *buf;
	int err, r;
	u8 cpl = 0;
	u32 len;

	if (!gva == !gpa) {
		NL_SET_ERR_MSG_ATTR(info->extack, gva ?: gpa,
				    "exactly one of gva and gpa");
		return -EINVAL;
	}
	if (GENL_REQ_ATTR_CHECK(info, DUET_A_MEM_LEN)) {
		NL_SET_ERR_MSG(info->extack, "missing length");
		return -EINVAL;
	}
	len = nla_get_u32(len_attr);
	if (!len || len > DUET_MEM_READ_MAX) {
		NL_SET_ERR_MSG_ATTR(info->extack, len_attr,
				    "length not within 1 to DUET_MEM_READ_MAX");
		return -EINVAL;
	}
	if (gva && GENL_REQ_ATTR_CHECK(info, DUET_A_MEM_VCPU_ID)) {
		NL_SET_ERR_MSG(info->extack, "a read by gva needs a vCPU");
		return -EINVAL;
	}
	err = duet_nl_mem_target(info, gva, &vm, &m, &cpl, &has_vcpu);
	if (err)
		return err;

	err = -ENOMEM;
	buf = kvmalloc(len, GFP_KERNEL_ACCOUNT);
	if (!buf)
		goto err_put_vm;
	addr = nla_get_u64(gva ?: gpa);
	if (gva)
		r = duet_gmem_read_gva(vm, &m, addr, duet_nl_mem_access(cpl),
				       buf, len, &ctx, &done);
	else
		r = duet_gmem_read_gpa(vm, addr, buf, len, &ctx, &done);
	/* Only a VM without its process, or no time to read, is no answer. */
	err = r;
	if (r == -ESRCH) {
		NL_SET_ERR_MSG(info->extack, "the VM's process is gone");
		goto err_free_buf;
	}
	if (r == -ETIMEDOUT || r == -EINTR)
		goto err_free_buf;

	err = -ENOMEM;
	msg = genlmsg_new(nla_total_size(done) + NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		goto err_free_buf;
	err = -EMSGSIZE;
	hdr = genlmsg_put_reply(msg, info, &duet_nl_family, 0, DUET_CMD_MEM_READ);
	if (!hdr)
		goto err_free_msg;
	if (nla_put_u32(msg, DUET_A_MEM_VM_ID, vm->id) ||
	    (has_vcpu && nla_put_u32(msg, DUET_A_MEM_VCPU_ID,
				     nla_get_u32(info->attrs[DUET_A_MEM_VCPU_ID]))) ||
	    nla_put_u64_64bit(msg, gva ? DUET_A_MEM_GVA : DUET_A_MEM_GPA, addr,
			      DUET_A_MEM_PAD) ||
	    nla_put_u32(msg, DUET_A_MEM_LEN, len) ||
	    nla_put_u32(msg, DUET_A_MEM_DONE, done) ||
	    nla_put(msg, DUET_A_MEM_DATA, done, buf) ||
	    (r && duet_nl_put_fault(msg, &ctx.fault)))
		goto err_free_msg;
	genlmsg_end(msg, hdr);
	kvfree(buf);
	duet_vm_put(vm);
	return genlmsg_reply(msg, info);

err_free_msg:
	nlmsg_free(msg);
err_free_buf:
	kvfree(buf);
err_put_vm:
	duet_vm_put(vm);
	return err;
}

/* The walk access of DUET_ACCESS_* @access (and user at CPL 3). */
static u32 duet_nl_walk_access(u32 access, u8 cpl)
{
	u32 a = DUET_WALK_NO_AD | DUET_WALK_AC;

	if (access & DUET_ACCESS_WRITE)
		a |= DUET_PFERR_WRITE;
	if ((access & DUET_ACCESS_USER) || cpl == 3)
		a |= DUET_PFERR_USER;
	if (access & DUET_ACCESS_FETCH)
		a |= DUET_PFERR_FETCH;
	return a;
}

static int duet_nl_put_walk(struct sk_buff *msg, const struct duet_gmem_walk *w)
{
	struct nlattr *nest;
	unsigned int i;

	for (i = 0; i < w->nr; i++) {
		nest = nla_nest_start(msg, DUET_A_MEM_ENTRY);
		if (!nest)
			return -EMSGSIZE;
		if (nla_put_u32(msg, DUET_A_MEM_ENTRY_LEVEL, w->top - i) ||
		    nla_put_u64_64bit(msg, DUET_A_MEM_ENTRY_GPA, w->entry_gpa[i],
				      DUET_A_MEM_ENTRY_PAD) ||
		    nla_put_u64_64bit(msg, DUET_A_MEM_ENTRY_VALUE, w->entry[i],
				      DUET_A_MEM_ENTRY_PAD)) {
			nla_nest_cancel(msg, nest);
			return -EMSGSIZE;
		}
		nla_nest_end(msg, nest);
	}
	return 0;
}

int duet_nl_vcpu_translate_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *access = info->attrs[DUET_A_MEM_ACCESS];
	struct duet_gmem_walk w;
	struct duet_walk_mode m;
	struct sk_buff *msg;
	struct duet_vm *vm;
	bool has_vcpu;
	void *hdr;
	int err, r;
	u8 cpl;
	u64 gva;

	if (GENL_REQ_ATTR_CHECK(info, DUET_A_MEM_GVA)) {
		NL_SET_ERR_MSG(info->extack, "missing gva");
		return -EINVAL;
	}
	err = duet_nl_mem_target(info, true, &vm, &m, &cpl, &has_vcpu);
	if (err)
		return err;
	gva = nla_get_u64(info->attrs[DUET_A_MEM_GVA]);
	r = duet_gmem_translate(vm, &m, gva,
				duet_nl_walk_access(access ? nla_get_u32(access) : 0,
						    cpl), &w);
	err = r;
	if (r == -ESRCH) {
		NL_SET_ERR_MSG(info->extack, "the VM's process is gone");
		goto err_put_vm;
	}
	if (r == -ETIMEDOUT || r == -EINTR)
		goto err_put_vm;

	err = -ENOMEM;
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		goto err_put_vm;
	err = -EMSGSIZE;
	hdr = genlmsg_put_reply(msg, info, &duet_nl_family, 0,
				DUET_CMD_VCPU_TRANSLATE);
	if (!hdr)
		goto err_free_msg;
	if (nla_put_u32(msg, DUET_A_MEM_VM_ID, vm->id) ||
	    nla_put_u32(msg, DUET_A_MEM_VCPU_ID,
			nla_get_u32(info->attrs[DUET_A_MEM_VCPU_ID])) ||
	    nla_put_u64_64bit(msg, DUET_A_MEM_GVA, gva, DUET_A_MEM_PAD) ||
	    (!r && nla_put_u64_64bit(msg, DUET_A_MEM_GPA, w.gpa,
				     DUET_A_MEM_PAD)) ||
	    (!r && nla_put_u32(msg, DUET_A_MEM_LEVEL, w.level)) ||
	    duet_nl_put_walk(msg, &w) ||
	    (r && duet_nl_put_fault(msg, &w.fault)))
		goto err_free_msg;
	genlmsg_end(msg, hdr);
	duet_vm_put(vm);
	return genlmsg_reply(msg, info);

err_free_msg:
	nlmsg_free(msg);
err_put_vm:
	duet_vm_put(vm);
	return err;
}

/*
 * Settings for the binary translator (vcpu-set, vm-set): CAP_NET_ADMIN
 * through admin-perm.  duet only stores them here; bt/run.c acts on them
 * at the vCPU's next entry.
 */
int duet_nl_vcpu_set_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *id_attr = info->attrs[DUET_A_VCPU_ID];
	struct nlattr *mode_attr = info->attrs[DUET_A_VCPU_EXEC_MODE];
	struct duet_vcpu *vcpu;
	struct duet_vm *vm;
	u32 mode;

	if (GENL_REQ_ATTR_CHECK(info, DUET_A_VCPU_VM_ID)) {
		NL_SET_ERR_MSG(info->extack, "missing VM id");
		return -EINVAL;
	}
	if (GENL_REQ_ATTR_CHECK(info, DUET_A_VCPU_ID)) {
		NL_SET_ERR_MSG(info->extack, "missing vCPU id");
		return -EINVAL;
	}
	if (GENL_REQ_ATTR_CHECK(info, DUET_A_VCPU_EXEC_MODE)) {
		NL_SET_ERR_MSG(info->extack, "missing execution mode");
		return -EINVAL;
	}
	/* The policy bounds the value to the enum (-ERANGE above it). */
	mode = nla_get_u32(mode_attr);
	if (mode == DUET_EXEC_MODE_AUTO) {
		NL_SET_ERR_MSG_ATTR(info->extack, mode_attr,
				    "execution mode auto is not supported yet");
		return -EOPNOTSUPP;
	}
	vm = duet_nl_find_vm(genl_info_net(info),
			     info->attrs[DUET_A_VCPU_VM_ID], info->extack);
	if (!vm)
		return -ENOENT;
	vcpu = duet_vcpu_lock(vm, nla_get_u32(id_attr));
	if (!vcpu) {
		NL_SET_ERR_MSG_ATTR(info->extack, id_attr, "no such vCPU");
		duet_vm_put(vm);
		return -ENOENT;
	}
	/* Read by the vCPU's thread without mmu_lock (bt/run.c). */
	WRITE_ONCE(vcpu->exec_mode, mode);
	mutex_unlock(&vm->mmu_lock);
	duet_vm_put(vm);
	return 0;
}

/* Mutating: admin-perm in the spec, checked by the core. */
int duet_nl_vm_set_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *detect = info->attrs[DUET_A_VM_BT_DETECT];
	struct nlattr *max = info->attrs[DUET_A_VM_MAX_STALL_US];
	struct duet_vm *vm;
	int err = 0;

	if (GENL_REQ_ATTR_CHECK(info, DUET_A_VM_ID)) {
		NL_SET_ERR_MSG(info->extack, "missing VM id");
		return -EINVAL;
	}
	if (!detect && !max) {
		NL_SET_ERR_MSG(info->extack,
			       "nothing to set: bt-detect or max-stall-us");
		return -EINVAL;
	}
	if (detect && nla_get_u8(detect) > 1) {
		NL_SET_ERR_MSG_ATTR(info->extack, detect, "bt-detect is 0 or 1");
		return -EINVAL;
	}
	vm = duet_nl_find_vm(genl_info_net(info), info->attrs[DUET_A_VM_ID],
			     info->extack);
	if (!vm)
		return -ENOENT;
	if (max) {
		err = duet_stall_set_max(vm, nla_get_u32(max));
		if (err) {
			NL_SET_ERR_MSG_ATTR(info->extack, max,
					    "max-stall-us must be 1 to 1000000");
			goto out_put;
		}
	}
	/* Read by the translator without a lock, at each translation. */
	if (detect)
		WRITE_ONCE(vm->bt_detect, nla_get_u8(detect));
out_put:
	duet_vm_put(vm);
	return err;
}

/*
 * Vulnerable segments (bt/segment.c): add and del need CAP_NET_ADMIN
 * (admin-perm), get is unprivileged like vm-get.
 */
static_assert(DUET_BT_MAX_SEGMENTS == DUET_BT_SEGMENTS_MAX);

/* The VM of a bt-segment request: referenced, or NULL with the extack. */
static struct duet_vm *duet_nl_segment_vm(struct genl_info *info)
{
	if (GENL_REQ_ATTR_CHECK(info, DUET_A_BT_SEGMENT_VM_ID)) {
		NL_SET_ERR_MSG(info->extack, "missing VM id");
		return ERR_PTR(-EINVAL);
	}
	return duet_nl_find_vm(genl_info_net(info),
			       info->attrs[DUET_A_BT_SEGMENT_VM_ID],
			       info->extack) ?: ERR_PTR(-ENOENT);
}

static int duet_nl_fill_segment(struct sk_buff *msg, struct duet_vm *vm,
				const struct duet_bt_segment_info *seg,
				bool hits, u32 portid, u32 seq, int flags,
				u8 cmd)
{
	void *hdr;

	hdr = genlmsg_put(msg, portid, seq, &duet_nl_family, flags, cmd);
	if (!hdr)
		return -EMSGSIZE;
	if (nla_put_u32(msg, DUET_A_BT_SEGMENT_VM_ID, vm->id) ||
	    nla_put_u32(msg, DUET_A_BT_SEGMENT_ID, seg->id) ||
	    nla_put_u64_64bit(msg, DUET_A_BT_SEGMENT_START, seg->start,
			      DUET_A_BT_SEGMENT_PAD) ||
	    nla_put_u64_64bit(msg, DUET_A_BT_SEGMENT_LEN, seg->len,
			      DUET_A_BT_SEGMENT_PAD) ||
	    (hits && nla_put_u64_64bit(msg, DUET_A_BT_SEGMENT_HITS, seg->hits,
				       DUET_A_BT_SEGMENT_PAD))) {
		genlmsg_cancel(msg, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return 0;
}

int duet_nl_bt_segment_add_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *len_attr = info->attrs[DUET_A_BT_SEGMENT_LEN];
	struct duet_bt_segment_info seg = {};
	struct sk_buff *msg;
	struct duet_vm *vm;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, DUET_A_BT_SEGMENT_START)) {
		NL_SET_ERR_MSG(info->extack, "missing start");
		return -EINVAL;
	}
	if (GENL_REQ_ATTR_CHECK(info, DUET_A_BT_SEGMENT_LEN)) {
		NL_SET_ERR_MSG(info->extack, "missing length");
		return -EINVAL;
	}
	vm = duet_nl_segment_vm(info);
	if (IS_ERR(vm))
		return PTR_ERR(vm);

	seg.start = nla_get_u64(info->attrs[DUET_A_BT_SEGMENT_START]);
	seg.len = nla_get_u64(len_attr);
	err = duet_bt_segment_add(vm, seg.start, seg.len, &seg.id);
	switch (err) {
	case 0:
		break;
	case -EINVAL:
		if (!seg.len)
			NL_SET_ERR_MSG_ATTR(info->extack, len_attr,
					    "segment length is 0");
		else
			NL_SET_ERR_MSG_ATTR(info->extack, len_attr,
					    "segment passes the end of the address space");
		goto err_put_vm;
	case -EEXIST:
		NL_SET_ERR_MSG_ATTR(info->extack,
				    info->attrs[DUET_A_BT_SEGMENT_START],
				    "segment overlaps a registered one");
		err = -EINVAL;
		goto err_put_vm;
	case -ENOSPC:
		NL_SET_ERR_MSG(info->extack,
			       "VM has DUET_BT_SEGMENTS_MAX segments already");
		err = -EINVAL;
		goto err_put_vm;
	default:
		goto err_put_vm;
	}

	/* Hardware-mode vCPUs fetching there must come to BT. */
	err = duet_bt_segment_trace(vm, seg.start, seg.len, true);
	if (err) {
		NL_SET_ERR_MSG(info->extack,
			       "cannot trace the segment's pages");
		goto err_del;
	}

	err = -ENOMEM;
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		goto err_del;
	err = duet_nl_fill_segment(msg, vm, &seg, false, info->snd_portid,
				   info->snd_seq, 0, DUET_CMD_BT_SEGMENT_ADD);
	if (err) {
		nlmsg_free(msg);
		goto err_del;
	}
	duet_vm_put(vm);
	return genlmsg_reply(msg, info);

err_del:
	/* No id for the caller: do not leave a segment it cannot name. */
	duet_bt_segment_del(vm, seg.id);
	duet_bt_segment_trace(vm, seg.start, seg.len, false);
err_put_vm:
	duet_vm_put(vm);
	return err;
}

int duet_nl_bt_segment_del_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct duet_bt_segment_info seg;
	unsigned long next;
	struct duet_vm *vm;
	u32 id;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, DUET_A_BT_SEGMENT_ID)) {
		NL_SET_ERR_MSG(info->extack, "missing segment id");
		return -EINVAL;
	}
	vm = duet_nl_segment_vm(info);
	if (IS_ERR(vm))
		return PTR_ERR(vm);
	id = nla_get_u32(info->attrs[DUET_A_BT_SEGMENT_ID]);
	next = id;
	if (duet_bt_segment_next(vm, &next, &seg) || next != id)
		seg.len = 0;
	err = duet_bt_segment_del(vm, id);
	if (err == -ENOENT)
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[DUET_A_BT_SEGMENT_ID],
				    "no such segment");
	if (!err && seg.len)
		duet_bt_segment_trace(vm, seg.start, seg.len, false);
	duet_vm_put(vm);
	return err;
}

int duet_nl_bt_segment_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *id_attr = info->attrs[DUET_A_BT_SEGMENT_ID];
	struct duet_bt_segment_info seg;
	struct sk_buff *msg;
	struct duet_vm *vm;
	unsigned long id;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, DUET_A_BT_SEGMENT_ID)) {
		NL_SET_ERR_MSG(info->extack, "missing segment id");
		return -EINVAL;
	}
	vm = duet_nl_segment_vm(info);
	if (IS_ERR(vm))
		return PTR_ERR(vm);
	id = nla_get_u32(id_attr);
	err = duet_bt_segment_next(vm, &id, &seg);
	if (!err && seg.id != nla_get_u32(id_attr))
		err = -ENOENT;
	if (err) {
		NL_SET_ERR_MSG_ATTR(info->extack, id_attr, "no such segment");
		goto err_put_vm;
	}

	err = -ENOMEM;
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		goto err_put_vm;
	err = duet_nl_fill_segment(msg, vm, &seg, true, info->snd_portid,
				   info->snd_seq, 0, DUET_CMD_BT_SEGMENT_GET);
	if (err) {
		nlmsg_free(msg);
		goto err_put_vm;
	}
	duet_vm_put(vm);
	return genlmsg_reply(msg, info);

err_put_vm:
	duet_vm_put(vm);
	return err;
}

/*
 * The segments of one VM by id; cb->args[0] is the next id to look at.
 * Segments added meanwhile with a lower id are missed.
 */
int duet_nl_bt_segment_get_dumpit(struct sk_buff *skb,
				  struct netlink_callback *cb)
{
	struct nlattr *attrs[DUET_A_BT_SEGMENT_ID + 1];
	struct duet_bt_segment_info seg;
	unsigned long id = cb->args[0];
	struct duet_vm *vm;
	int err;

	err = duet_nl_dump_parse(cb, attrs, DUET_A_BT_SEGMENT_ID,
				 duet_bt_segment_get_nl_policy);
	if (err)
		return err;
	/* One policy serves do and dump (6.1 has no split ops). */
	if (attrs[DUET_A_BT_SEGMENT_ID]) {
		NL_SET_ERR_MSG_ATTR(cb->extack, attrs[DUET_A_BT_SEGMENT_ID],
				    "a dump takes no segment id");
		return -EINVAL;
	}
	if (!attrs[DUET_A_BT_SEGMENT_VM_ID]) {
		NL_SET_ERR_MSG(cb->extack, "missing VM id");
		return -EINVAL;
	}
	vm = duet_nl_find_vm(sock_net(skb->sk), attrs[DUET_A_BT_SEGMENT_VM_ID],
			     cb->extack);
	if (!vm)
		return -ENOENT;

	while (!(err = duet_bt_segment_next(vm, &id, &seg))) {
		err = duet_nl_fill_segment(skb, vm, &seg, true,
					   NETLINK_CB(cb->skb).portid,
					   cb->nlh->nlmsg_seq, NLM_F_MULTI,
					   DUET_CMD_BT_SEGMENT_GET);
		if (err)
			break;
		id++;
	}
	duet_vm_put(vm);
	cb->args[0] = id;
	if (err == -ENOENT)
		return skb->len;
	if (err == -EMSGSIZE && skb->len)
		return skb->len;
	return err;
}

/*
 * Announce @vm on the monitor group of its namespace: created, or gone.
 * Best effort, as every multicast: a listener that falls behind gets
 * ENOBUFS, and no message is sent when memory is short.
 */
void duet_nl_notify_vm(struct duet_vm *vm, bool created)
{
	struct sk_buff *msg;
	void *hdr;

	if (!genl_has_listeners(&duet_nl_family, vm->net, DUET_NLGRP_MONITOR))
		return;

	msg = genlmsg_new(2 * nla_total_size(sizeof(u32)), GFP_KERNEL);
	if (!msg)
		return;
	hdr = genlmsg_put(msg, 0, 0, &duet_nl_family, 0,
			  created ? DUET_CMD_VM_CREATE_NTF : DUET_CMD_VM_DELETE_NTF);
	if (!hdr || nla_put_u32(msg, DUET_A_VM_ID, vm->id) ||
	    nla_put_u32(msg, DUET_A_VM_PID, vm->pid)) {
		nlmsg_free(msg);
		return;
	}
	genlmsg_end(msg, hdr);
	genlmsg_multicast_netns(&duet_nl_family, vm->net, msg, 0,
				DUET_NLGRP_MONITOR, GFP_KERNEL);
}

int duet_nl_init(void)
{
	/*
	 * A new DUET_CAP_* needs its attribute in duet.yaml (then run
	 * module/nl/ynl-regen) and its entry in duet_nl_caps[]; a new counter
	 * its attribute in duet.yaml and its row in duet_nl_*_counters[]
	 * (the nests also hold a pad attribute).
	 */
	BUILD_BUG_ON(DUET_CAP_MAX != DUET_CAP_NR_CPUS);
	BUILD_BUG_ON(ARRAY_SIZE(duet_nl_vm_counters) * sizeof(u64) !=
		     sizeof(struct duet_vm_stats));
	BUILD_BUG_ON(ARRAY_SIZE(duet_nl_vm_counters) + 1 != DUET_A_VM_STATS_MAX);
	BUILD_BUG_ON(ARRAY_SIZE(duet_nl_vcpu_counters) * sizeof(u64) !=
		     sizeof(struct duet_vcpu_stats));
	BUILD_BUG_ON(ARRAY_SIZE(duet_nl_vcpu_counters) + 1 !=
		     DUET_A_VCPU_STATS_MAX);

	return genl_register_family(&duet_nl_family);
}

void duet_nl_exit(void)
{
	genl_unregister_family(&duet_nl_family);
}
