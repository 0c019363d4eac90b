// SPDX-License-Identifier: GPL-2.0
/*
 * duet monitor: print the events of the "monitor" multicast group (VMs
 * created and gone) until interrupted.
 *
 *	duet [ -j ] monitor
 */
#include <errno.h>
#include <signal.h>
#include <linux/duet_netlink.h>
#include <linux/genetlink.h>
#include <linux/types.h>

#include "cli.h"

/* The attributes of the vm-*-ntf events, in output order. */
static const struct cli_attr monitor_vm_attrs[] = {
	{ "id", "vm %llu", DUET_A_VM_ID, CLI_U32 },
	{ "pid", NULL, DUET_A_VM_PID, CLI_U32 },
};

static const char *monitor_event_name(__u8 cmd)
{
	switch (cmd) {
	case DUET_CMD_VM_CREATE_NTF:
		return "vm-create";
	case DUET_CMD_VM_DELETE_NTF:
		return "vm-delete";
	default:
		return NULL;
	}
}

int monitor_event_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct genlmsghdr *genl = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[DUET_A_VM_MAX + 1];
	struct print_ctx *out = data;
	const char *event;

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*genl)) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	/* An event of a newer module: not ours to name. */
	event = monitor_event_name(genl->cmd);
	if (!event)
		return MNL_CB_OK;
	if (cli_parse_attrs(nlh, NULL, tb, DUET_A_VM_MAX, monitor_vm_attrs,
			    ARRAY_SIZE(monitor_vm_attrs)))
		return MNL_CB_ERROR;

	print_open_object(out, NULL);
	print_string(out, "event", "%s", event);
	cli_print_attrs(out, tb, monitor_vm_attrs, ARRAY_SIZE(monitor_vm_attrs));
	print_close_object(out);
	/* A reader behind a pipe sees each event as it happens. */
	fflush(out->fp);
	return MNL_CB_OK;
}

static int monitor_help(struct duet_cli *cli)
{
	(void)cli;
	printf("Usage: duet monitor\n"
	       "       duet monitor help\n"
	       "Prints one line per event until SIGINT or SIGTERM (then exits 0):\n"
	       "  vm-create vm ID pid PID    DUET_CREATE_VM made VM ID\n"
	       "  vm-delete vm ID pid PID    the last fd of VM ID was closed\n"
	       "With -j: one JSON object per line, {\"event\":...,\"id\":...,\"pid\":...}.\n"
	       "Only VMs of this network namespace are seen.\n");
	return 0;
}

/* Only there to make the signal interrupt the wait (see monitor_run()). */
static void monitor_signal(int sig)
{
	(void)sig;
}

static int monitor_run(struct duet_cli *cli)
{
	struct duet_nl *nl;
	struct sigaction sa = { .sa_handler = monitor_signal };
	sigset_t sigs, old;
	int err;

	nl = cli_nl(cli);
	if (!nl)
		return 1;
	err = duet_nl_join(nl, DUET_MCGRP_MONITOR);
	if (err) {
		pr_err("cannot join multicast group \"%s\": %s",
		       DUET_MCGRP_MONITOR, strerror(-err));
		return 1;
	}

	/*
	 * Blocked except while waiting for events: a signal then ends the
	 * wait, and none can slip in between two waits.  The handler (not
	 * SIG_IGN, which a background shell job inherits for SIGINT) makes
	 * the signal interrupt ppoll().
	 */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	sigprocmask(SIG_BLOCK, &sigs, &old);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	err = duet_nl_listen(nl, &sigs, monitor_event_cb, &cli->out);
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (err) {
		pr_err("%s", strerror(-err));
		return 1;
	}
	return 0;
}

static const struct cli_cmd monitor_cmds[] = {
	{ "help", monitor_help },
};

int cmd_monitor(struct duet_cli *cli)
{
	return cli_dispatch(cli, monitor_cmds, ARRAY_SIZE(monitor_cmds),
			    monitor_run, "monitor command", "duet monitor help");
}
