// SPDX-License-Identifier: GPL-2.0
/*
 * duet caps: the capabilities of the machine (netlink caps-get).
 */
#include <assert.h>
#include <errno.h>
#include <linux/duet.h>
#include <linux/duet_netlink.h>
#include <linux/genetlink.h>
#include <linux/types.h>

#include "cli.h"

enum cap_kind {
	CAP_UINT,
	CAP_BOOL,
	CAP_BACKEND,
};

struct cap_desc {
	const char *name;		/* attribute name in duet.yaml */
	__u32 cap;			/* DUET_CAP_* */
	__u16 attr;			/* DUET_A_CAPS_* */
	enum cap_kind kind;
};

/* In output order. */
static const struct cap_desc caps[] = {
	{ "backend", DUET_CAP_BACKEND,
	  DUET_A_CAPS_BACKEND, CAP_BACKEND },
	{ "api-version", DUET_CAP_API_VERSION,
	  DUET_A_CAPS_API_VERSION, CAP_UINT },
	{ "nested-paging", DUET_CAP_NESTED_PAGING,
	  DUET_A_CAPS_NESTED_PAGING, CAP_BOOL },
	{ "paging-levels", DUET_CAP_PAGING_LEVELS,
	  DUET_A_CAPS_PAGING_LEVELS, CAP_UINT },
	{ "nr-asids", DUET_CAP_NR_ASIDS,
	  DUET_A_CAPS_NR_ASIDS, CAP_UINT },
	{ "nrip-save", DUET_CAP_NRIP_SAVE,
	  DUET_A_CAPS_NRIP_SAVE, CAP_BOOL },
	{ "decode-assists", DUET_CAP_DECODE_ASSISTS,
	  DUET_A_CAPS_DECODE_ASSISTS, CAP_BOOL },
	{ "flush-by-asid", DUET_CAP_FLUSH_BY_ASID,
	  DUET_A_CAPS_FLUSH_BY_ASID, CAP_BOOL },
	{ "vmcb-clean", DUET_CAP_VMCB_CLEAN,
	  DUET_A_CAPS_VMCB_CLEAN, CAP_BOOL },
	{ "vgif", DUET_CAP_VGIF,
	  DUET_A_CAPS_VGIF, CAP_BOOL },
	{ "unrestricted-guest", DUET_CAP_UNRESTRICTED_GUEST,
	  DUET_A_CAPS_UNRESTRICTED_GUEST, CAP_BOOL },
	{ "vpid", DUET_CAP_VPID,
	  DUET_A_CAPS_VPID, CAP_BOOL },
	{ "large-pages-2m", DUET_CAP_LARGE_PAGES_2M,
	  DUET_A_CAPS_LARGE_PAGES_2M, CAP_BOOL },
	{ "large-pages-1g", DUET_CAP_LARGE_PAGES_1G,
	  DUET_A_CAPS_LARGE_PAGES_1G, CAP_BOOL },
	{ "accessed-dirty", DUET_CAP_ACCESSED_DIRTY,
	  DUET_A_CAPS_ACCESSED_DIRTY, CAP_BOOL },
	{ "nr-cpus", DUET_CAP_NR_CPUS,
	  DUET_A_CAPS_NR_CPUS, CAP_UINT },
};

static_assert(ARRAY_SIZE(caps) == DUET_CAP_MAX,
	      "every DUET_CAP_* needs a row in caps[]");

static const struct cap_desc *cap_by_name(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(caps); i++) {
		if (!strcmp(caps[i].name, name))
			return &caps[i];
	}
	return NULL;
}

static const char *backend_name(__u32 backend)
{
	switch (backend) {
	case DUET_BACKEND_SVM:
		return "svm";
	case DUET_BACKEND_VMX:
		return "vmx";
	default:
		return "unknown";
	}
}

static int caps_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	__u16 type = mnl_attr_get_type(attr);

	/* Attributes of a newer module are skipped, not fatal. */
	if (type <= DUET_A_CAPS_MAX)
		tb[type] = attr;
	return MNL_CB_OK;
}

int caps_reply_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[DUET_A_CAPS_MAX + 1] = {};
	struct print_ctx *out = data;
	size_t i;

	if (mnl_attr_parse(nlh, sizeof(struct genlmsghdr), caps_attr_cb,
			   tb) < 0)
		return MNL_CB_ERROR;

	/* Check the whole reply before printing any of it. */
	for (i = 0; i < ARRAY_SIZE(caps); i++) {
		const struct nlattr *attr = tb[caps[i].attr];
		enum mnl_attr_data_type type;

		if (!attr)
			continue;
		type = caps[i].kind == CAP_BOOL ? MNL_TYPE_U8 : MNL_TYPE_U32;
		if (mnl_attr_validate(attr, type) < 0) {
			errno = EBADMSG;
			return MNL_CB_ERROR;
		}
	}

	print_open_object(out, NULL);
	for (i = 0; i < ARRAY_SIZE(caps); i++) {
		const struct cap_desc *c = &caps[i];
		const struct nlattr *attr = tb[c->attr];

		if (!attr)
			continue;
		switch (c->kind) {
		case CAP_UINT:
			print_uint(out, c->name, NULL, mnl_attr_get_u32(attr));
			break;
		case CAP_BOOL:
			print_bool(out, c->name, NULL, mnl_attr_get_u8(attr));
			break;
		case CAP_BACKEND:
			print_string(out, c->name, NULL,
				     backend_name(mnl_attr_get_u32(attr)));
			break;
		}
	}
	print_close_object(out);
	return MNL_CB_OK;
}

static int caps_show(struct duet_cli *cli)
{
	const struct cap_desc *only = NULL;
	struct nlmsghdr *nlh;
	struct duet_nl *nl;
	int err;

	while (cli_arg(cli)) {
		if (!cli_arg_is(cli, "cap")) {
			pr_err("unknown argument \"%s\", see \"duet caps help\"",
			       cli_arg(cli));
			return 1;
		}
		cli_next(cli);
		if (only) {
			pr_err("duplicate argument \"cap\"");
			return 1;
		}
		if (!cli_arg(cli)) {
			pr_err("\"cap\" needs a capability name, see \"duet caps help\"");
			return 1;
		}
		only = cap_by_name(cli_arg(cli));
		if (!only) {
			pr_err("unknown capability \"%s\", see \"duet caps help\"",
			       cli_arg(cli));
			return 1;
		}
		cli_next(cli);
	}

	nl = cli_nl(cli);
	if (!nl)
		return 1;

	nlh = duet_nl_request(nl, DUET_CMD_CAPS_GET, NLM_F_ACK);
	if (only)
		mnl_attr_put_u32(nlh, DUET_A_CAPS_CAP, only->cap);

	err = duet_nl_talk(nl, nlh, caps_reply_cb, &cli->out);
	if (err) {
		cli_nl_perror(nl, err);
		return 1;
	}
	return 0;
}

static int caps_help(struct duet_cli *cli)
{
	int col, len;
	size_t i;

	(void)cli;
	printf("Usage: duet caps show [ cap NAME ]\n"
	       "       duet caps help\n");
	col = printf("NAME := {");
	for (i = 0; i < ARRAY_SIZE(caps); i++) {
		len = strlen(caps[i].name) + (i ? 3 : 1);
		if (col + len > 76)
			col = printf("\n        ") - 1;
		col += printf("%s %s", i ? " |" : "", caps[i].name);
	}
	printf(" }\n");
	return 0;
}

static const struct cli_cmd caps_cmds[] = {
	{ "show", caps_show },
	{ "help", caps_help },
};

int cmd_caps(struct duet_cli *cli)
{
	return cli_dispatch(cli, caps_cmds, ARRAY_SIZE(caps_cmds), caps_show,
			    "caps command", "duet caps help");
}
