// SPDX-License-Identifier: GPL-2.0
/*
 * Helpers shared by the objects of the CLI; see cli.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <linux/duet_netlink.h>
#include <linux/genetlink.h>

#include "cli.h"

int cli_dispatch(struct duet_cli *cli, const struct cli_cmd *cmds, size_t n,
		 int (*dflt)(struct duet_cli *cli), const char *what,
		 const char *help)
{
	const char *arg = cli_arg(cli);
	size_t i;

	if (!arg)
		return dflt(cli);

	for (i = 0; i < n; i++) {
		if (!strcmp(arg, cmds[i].name)) {
			cli_next(cli);
			return cmds[i].fn(cli);
		}
	}
	pr_err("unknown %s \"%s\", see \"%s\"", what, arg, help);
	return 1;
}

struct duet_nl *cli_nl(struct duet_cli *cli)
{
	int err;

	if (cli->nl_open)
		return &cli->nl;

	err = duet_nl_open(&cli->nl, DUET_FAMILY_NAME);
	if (err == -ENOENT && !cli->nl.errmsg[0]) {
		pr_err("no generic netlink family \"%s\" (is duet.ko loaded?)",
		       DUET_FAMILY_NAME);
		return NULL;
	}
	if (err) {
		cli_nl_perror(&cli->nl, err);
		return NULL;
	}
	cli->nl_open = true;
	return &cli->nl;
}

void cli_close(struct duet_cli *cli)
{
	if (cli->nl_open)
		duet_nl_close(&cli->nl);
	cli->nl_open = false;
}

void cli_nl_perror(const struct duet_nl *nl, int err)
{
	if (nl->errmsg[0])
		pr_err("%s", nl->errmsg);
	else
		pr_err("%s", strerror(-err));
}

int cli_parse_uint(const char *s, unsigned long long max,
		   unsigned long long *val)
{
	unsigned long long v;
	char *end;

	/* strtoull() takes signs and spaces: a keyword's value may not. */
	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end || v > max)
		return -EINVAL;
	*val = v;
	return 0;
}

struct attr_index {
	const struct nlattr **tb;
	unsigned int max;
};

static int attr_index_cb(const struct nlattr *attr, void *data)
{
	struct attr_index *idx = data;
	__u16 type = mnl_attr_get_type(attr);

	if (type > idx->max)
		return MNL_CB_OK;
	/* A duplicate is malformed: which one would be the value? */
	if (idx->tb[type]) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	idx->tb[type] = attr;
	return MNL_CB_OK;
}

static const enum mnl_attr_data_type cli_attr_types[] = {
	[CLI_BOOL]	= MNL_TYPE_U8,
	[CLI_U32]	= MNL_TYPE_U32,
	[CLI_U64]	= MNL_TYPE_U64,
};

int cli_parse_attrs(const struct nlmsghdr *nlh, const struct nlattr *nest,
		    const struct nlattr **tb, unsigned int max,
		    const struct cli_attr *attrs, size_t n)
{
	struct attr_index idx = { .tb = tb, .max = max };
	size_t i;
	int ret;

	memset(tb, 0, sizeof(*tb) * (max + 1));
	if (nlh)
		ret = mnl_attr_parse(nlh, sizeof(struct genlmsghdr),
				     attr_index_cb, &idx);
	else
		ret = mnl_attr_parse_nested(nest, attr_index_cb, &idx);
	if (ret < 0)
		goto err;

	for (i = 0; i < n; i++) {
		const struct nlattr *attr = tb[attrs[i].type];

		if (attr && mnl_attr_validate(attr, cli_attr_types[attrs[i].kind]) < 0)
			goto err;
	}
	return 0;

err:
	errno = EBADMSG;
	return -1;
}

void cli_print_attrs(struct print_ctx *out, const struct nlattr **tb,
		     const struct cli_attr *attrs, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		const struct cli_attr *a = &attrs[i];
		const struct nlattr *attr = tb[a->type];

		if (!attr)
			continue;
		switch (a->kind) {
		case CLI_BOOL:
			print_bool(out, a->name, a->fmt, mnl_attr_get_u8(attr));
			break;
		case CLI_U32:
			print_uint(out, a->name, a->fmt, mnl_attr_get_u32(attr));
			break;
		case CLI_U64:
			print_uint(out, a->name, a->fmt, mnl_attr_get_u64(attr));
			break;
		}
	}
}

void cli_show_begin(struct cli_show *show, struct print_ctx *out, mnl_cb_t cb)
{
	*show = (struct cli_show){ .out = out, .cb = cb };
}

int cli_show_cb(const struct nlmsghdr *nlh, void *data)
{
	struct cli_show *show = data;

	if (!show->open)
		print_open_array(show->out, NULL);
	show->open = true;
	return show->cb(nlh, show->out);
}

void cli_show_end(struct cli_show *show, int err)
{
	if (!show->open) {
		if (err)
			return;
		print_open_array(show->out, NULL);
	}
	print_close_array(show->out);
}

int cli_show_talk(struct duet_cli *cli, struct nlmsghdr *nlh, mnl_cb_t cb)
{
	struct cli_show show;
	int err;

	cli_show_begin(&show, &cli->out, cb);
	err = duet_nl_talk(&cli->nl, nlh, cli_show_cb, &show);
	cli_show_end(&show, err);
	if (err) {
		cli_nl_perror(&cli->nl, err);
		return 1;
	}
	return 0;
}
