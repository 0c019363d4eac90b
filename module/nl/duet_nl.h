/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause) */
/* Do not edit directly, auto-generated from: */
/*	module/nl/duet.yaml */
/* YNL-GEN kernel header */

#ifndef _LINUX_DUET_GEN_H
#define _LINUX_DUET_GEN_H

#include <net/netlink.h>
#include <net/genetlink.h>

#include <uapi/linux/duet_netlink.h>
#include <uapi/linux/duet.h>
#include <uapi/linux/duet.h>

extern const struct nla_policy duet_caps_get_nl_policy[DUET_A_CAPS_CAP + 1];

extern const struct nla_policy duet_vm_get_nl_policy[DUET_A_VM_ID + 1];

extern const struct nla_policy duet_vcpu_get_nl_policy[DUET_A_VCPU_ID + 1];

extern const struct nla_policy duet_mem_read_nl_policy[DUET_A_MEM_LEN + 1];

extern const struct nla_policy duet_vcpu_translate_nl_policy[DUET_A_MEM_ACCESS + 1];

extern const struct nla_policy duet_vcpu_set_nl_policy[DUET_A_VCPU_EXEC_MODE + 1];

extern const struct nla_policy duet_vm_set_nl_policy[DUET_A_VM_MAX_STALL_US + 1];

extern const struct nla_policy duet_bt_segment_add_nl_policy[DUET_A_BT_SEGMENT_LEN + 1];

extern const struct nla_policy duet_bt_segment_del_nl_policy[DUET_A_BT_SEGMENT_ID + 1];

extern const struct nla_policy duet_bt_segment_get_nl_policy[DUET_A_BT_SEGMENT_ID + 1];

extern const struct nla_policy duet_vm_stall_nl_policy[DUET_A_VM_STALL_US + 1];

/* Ops table for duet */
extern const struct genl_ops duet_nl_ops[11];

int duet_nl_caps_get_doit(struct sk_buff *skb, struct genl_info *info);
int duet_nl_vm_get_doit(struct sk_buff *skb, struct genl_info *info);
int duet_nl_vm_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb);
int duet_nl_vcpu_get_doit(struct sk_buff *skb, struct genl_info *info);
int duet_nl_vcpu_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb);
int duet_nl_mem_read_doit(struct sk_buff *skb, struct genl_info *info);
int duet_nl_vcpu_translate_doit(struct sk_buff *skb, struct genl_info *info);
int duet_nl_vcpu_set_doit(struct sk_buff *skb, struct genl_info *info);
int duet_nl_vm_set_doit(struct sk_buff *skb, struct genl_info *info);
int duet_nl_bt_segment_add_doit(struct sk_buff *skb, struct genl_info *info);
int duet_nl_bt_segment_del_doit(struct sk_buff *skb, struct genl_info *info);
int duet_nl_bt_segment_get_doit(struct sk_buff *skb, struct genl_info *info);
int duet_nl_bt_segment_get_dumpit(struct sk_buff *skb,
				  struct netlink_callback *cb);
int duet_nl_vm_stall_doit(struct sk_buff *skb, struct genl_info *info);

enum {
	DUET_NLGRP_MONITOR,
};

#endif /* _LINUX_DUET_GEN_H */
