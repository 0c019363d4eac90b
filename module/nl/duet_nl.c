// SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause)
/* Do not edit directly, auto-generated from: */
/*	module/nl/duet.yaml */
/* YNL-GEN kernel source */

#include <net/netlink.h>
#include <net/genetlink.h>

#include "duet_nl.h"

#include <uapi/linux/duet_netlink.h>
#include <uapi/linux/duet.h>
#include <uapi/linux/duet.h>

/* DUET_CMD_CAPS_GET - do */
const struct nla_policy duet_caps_get_nl_policy[DUET_A_CAPS_CAP + 1] = {
	[DUET_A_CAPS_CAP] = { .type = NLA_U32, },
};

/* DUET_CMD_VM_GET - do */
const struct nla_policy duet_vm_get_nl_policy[DUET_A_VM_ID + 1] = {
	[DUET_A_VM_ID] = { .type = NLA_U32, },
};

/* DUET_CMD_VCPU_GET - do */
const struct nla_policy duet_vcpu_get_nl_policy[DUET_A_VCPU_ID + 1] = {
	[DUET_A_VCPU_VM_ID] = { .type = NLA_U32, },
	[DUET_A_VCPU_ID] = { .type = NLA_U32, },
};

/* DUET_CMD_MEM_READ - do */
const struct nla_policy duet_mem_read_nl_policy[DUET_A_MEM_LEN + 1] = {
	[DUET_A_MEM_VM_ID] = { .type = NLA_U32, },
	[DUET_A_MEM_VCPU_ID] = { .type = NLA_U32, },
	[DUET_A_MEM_GVA] = { .type = NLA_U64, },
	[DUET_A_MEM_GPA] = { .type = NLA_U64, },
	[DUET_A_MEM_LEN] = { .type = NLA_U32, },
};

/* DUET_CMD_VCPU_TRANSLATE - do */
const struct nla_policy duet_vcpu_translate_nl_policy[DUET_A_MEM_ACCESS + 1] = {
	[DUET_A_MEM_VM_ID] = { .type = NLA_U32, },
	[DUET_A_MEM_VCPU_ID] = { .type = NLA_U32, },
	[DUET_A_MEM_GVA] = { .type = NLA_U64, },
	[DUET_A_MEM_ACCESS] = NLA_POLICY_MASK(NLA_U32, 0x7),
};

/* DUET_CMD_VCPU_SET - do */
const struct nla_policy duet_vcpu_set_nl_policy[DUET_A_VCPU_EXEC_MODE + 1] = {
	[DUET_A_VCPU_VM_ID] = { .type = NLA_U32, },
	[DUET_A_VCPU_ID] = { .type = NLA_U32, },
	[DUET_A_VCPU_EXEC_MODE] = NLA_POLICY_MAX(NLA_U32, 2),
};

/* DUET_CMD_VM_SET - do */
const struct nla_policy duet_vm_set_nl_policy[DUET_A_VM_MAX_STALL_US + 1] = {
	[DUET_A_VM_ID] = { .type = NLA_U32, },
	[DUET_A_VM_BT_DETECT] = { .type = NLA_U8, },
	[DUET_A_VM_MAX_STALL_US] = { .type = NLA_U32, },
};

/* DUET_CMD_BT_SEGMENT_ADD - do */
const struct nla_policy duet_bt_segment_add_nl_policy[DUET_A_BT_SEGMENT_LEN + 1] = {
	[DUET_A_BT_SEGMENT_VM_ID] = { .type = NLA_U32, },
	[DUET_A_BT_SEGMENT_START] = { .type = NLA_U64, },
	[DUET_A_BT_SEGMENT_LEN] = { .type = NLA_U64, },
};

/* DUET_CMD_BT_SEGMENT_DEL - do */
const struct nla_policy duet_bt_segment_del_nl_policy[DUET_A_BT_SEGMENT_ID + 1] = {
	[DUET_A_BT_SEGMENT_VM_ID] = { .type = NLA_U32, },
	[DUET_A_BT_SEGMENT_ID] = { .type = NLA_U32, },
};

/* DUET_CMD_BT_SEGMENT_GET - do */
const struct nla_policy duet_bt_segment_get_nl_policy[DUET_A_BT_SEGMENT_ID + 1] = {
	[DUET_A_BT_SEGMENT_VM_ID] = { .type = NLA_U32, },
	[DUET_A_BT_SEGMENT_ID] = { .type = NLA_U32, },
};

/* DUET_CMD_VM_STALL - do */
const struct nla_policy duet_vm_stall_nl_policy[DUET_A_VM_STALL_US + 1] = {
	[DUET_A_VM_ID] = { .type = NLA_U32, },
	[DUET_A_VM_STALL_US] = { .type = NLA_U32, },
};

/* Ops table for duet */
const struct genl_ops duet_nl_ops[11] = {
	{
		.cmd		= DUET_CMD_CAPS_GET,
		.doit		= duet_nl_caps_get_doit,
		.policy		= duet_caps_get_nl_policy,
		.maxattr	= DUET_A_CAPS_CAP,
	},
	{
		.cmd		= DUET_CMD_VM_GET,
		.doit		= duet_nl_vm_get_doit,
		.dumpit		= duet_nl_vm_get_dumpit,
		.policy		= duet_vm_get_nl_policy,
		.maxattr	= DUET_A_VM_ID,
	},
	{
		.cmd		= DUET_CMD_VCPU_GET,
		.doit		= duet_nl_vcpu_get_doit,
		.dumpit		= duet_nl_vcpu_get_dumpit,
		.policy		= duet_vcpu_get_nl_policy,
		.maxattr	= DUET_A_VCPU_ID,
	},
	{
		.cmd		= DUET_CMD_MEM_READ,
		.doit		= duet_nl_mem_read_doit,
		.policy		= duet_mem_read_nl_policy,
		.maxattr	= DUET_A_MEM_LEN,
		.flags		= GENL_ADMIN_PERM,
	},
	{
		.cmd		= DUET_CMD_VCPU_TRANSLATE,
		.doit		= duet_nl_vcpu_translate_doit,
		.policy		= duet_vcpu_translate_nl_policy,
		.maxattr	= DUET_A_MEM_ACCESS,
		.flags		= GENL_ADMIN_PERM,
	},
	{
		.cmd		= DUET_CMD_VCPU_SET,
		.doit		= duet_nl_vcpu_set_doit,
		.policy		= duet_vcpu_set_nl_policy,
		.maxattr	= DUET_A_VCPU_EXEC_MODE,
		.flags		= GENL_ADMIN_PERM,
	},
	{
		.cmd		= DUET_CMD_VM_SET,
		.doit		= duet_nl_vm_set_doit,
		.policy		= duet_vm_set_nl_policy,
		.maxattr	= DUET_A_VM_MAX_STALL_US,
		.flags		= GENL_ADMIN_PERM,
	},
	{
		.cmd		= DUET_CMD_BT_SEGMENT_ADD,
		.doit		= duet_nl_bt_segment_add_doit,
		.policy		= duet_bt_segment_add_nl_policy,
		.maxattr	= DUET_A_BT_SEGMENT_LEN,
		.flags		= GENL_ADMIN_PERM,
	},
	{
		.cmd		= DUET_CMD_BT_SEGMENT_DEL,
		.doit		= duet_nl_bt_segment_del_doit,
		.policy		= duet_bt_segment_del_nl_policy,
		.maxattr	= DUET_A_BT_SEGMENT_ID,
		.flags		= GENL_ADMIN_PERM,
	},
	{
		.cmd		= DUET_CMD_BT_SEGMENT_GET,
		.doit		= duet_nl_bt_segment_get_doit,
		.dumpit		= duet_nl_bt_segment_get_dumpit,
		.policy		= duet_bt_segment_get_nl_policy,
		.maxattr	= DUET_A_BT_SEGMENT_ID,
	},
	{
		.cmd		= DUET_CMD_VM_STALL,
		.doit		= duet_nl_vm_stall_doit,
		.policy		= duet_vm_stall_nl_policy,
		.maxattr	= DUET_A_VM_STALL_US,
		.flags		= GENL_ADMIN_PERM,
	},
};

static const struct genl_multicast_group duet_nl_mcgrps[] = {
	[DUET_NLGRP_MONITOR] = { "monitor", },
};
