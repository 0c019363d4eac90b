// SPDX-License-Identifier: GPL-2.0
/*
 * Generic netlink family "duet": registration and the handlers of the ops
 * that module/nl/duet.yaml describes.  The policies and the ops table are
 * generated into duet_nl.c; the family itself is defined here because the
 * generator writes one only for split ops, which 6.1 does not have.
 */
#include <linux/build_bug.h>
#include <linux/module.h>
#include <net/genetlink.h>

#include "../duet.h"
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

int duet_nl_init(void)
{
	/*
	 * A new DUET_CAP_* needs its attribute in duet.yaml (then run
	 * module/nl/ynl-regen) and its entry in duet_nl_caps[].
	 */
	BUILD_BUG_ON(DUET_CAP_MAX != DUET_CAP_NR_CPUS);

	return genl_register_family(&duet_nl_family);
}

void duet_nl_exit(void)
{
	genl_unregister_family(&duet_nl_family);
}
