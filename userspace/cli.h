/* SPDX-License-Identifier: GPL-2.0 */
/*
 * State of one `duet` invocation and the helpers every object uses:
 * exact keyword matching, command tables, errors, and the netlink socket,
 * which is opened only when a command needs the kernel.
 */
#ifndef DUET_CLI_H
#define DUET_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "nl.h"
#include "print.h"

#define DUET_CLI_VERSION "0.1"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* "Error: <message>." on stderr, the iproute2 way. */
#define pr_err(fmt, ...) \
	fprintf(stderr, "Error: " fmt ".\n", ##__VA_ARGS__)

struct duet_cli {
	int argc;
	char **argv;
	struct print_ctx out;
	bool nl_open;
	struct duet_nl nl;
};

struct cli_cmd {
	const char *name;
	int (*fn)(struct duet_cli *cli);	/* 0, or 1 after printing an error */
};

static inline const char *cli_arg(const struct duet_cli *cli)
{
	return cli->argc > 0 ? cli->argv[0] : NULL;
}

static inline void cli_next(struct duet_cli *cli)
{
	if (cli->argc > 0) {
		cli->argc--;
		cli->argv++;
	}
}

/* Exact match only: iproute2 deprecated prefix matching. */
static inline bool cli_arg_is(const struct duet_cli *cli, const char *word)
{
	return cli->argc > 0 && !strcmp(cli->argv[0], word);
}

/*
 * Run the entry of @cmds named by the current argument, or @dflt when
 * there is none.  @what names the level in errors ("object", "caps
 * command"); @help is the command that lists the choices.
 */
int cli_dispatch(struct duet_cli *cli, const struct cli_cmd *cmds, size_t n,
		 int (*dflt)(struct duet_cli *cli), const char *what,
		 const char *help);

/* The family socket, opened on first use; NULL after printing an error. */
struct duet_nl *cli_nl(struct duet_cli *cli);
void cli_close(struct duet_cli *cli);

/* Print the error of a failed duet_nl_talk(). */
void cli_nl_perror(const struct duet_nl *nl, int err);

/* caps.c */
int cmd_caps(struct duet_cli *cli);
/* Print a caps-get reply to the struct print_ctx @data; an mnl_cb_t. */
int caps_reply_cb(const struct nlmsghdr *nlh, void *data);

/* vm.c */
int cmd_vm(struct duet_cli *cli);

#endif /* DUET_CLI_H */
