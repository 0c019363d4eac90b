// SPDX-License-Identifier: GPL-2.0
/*
 * Helpers shared by the objects of the CLI; see cli.h.
 */
#include <errno.h>
#include <string.h>
#include <linux/duet_netlink.h>

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
