// SPDX-License-Identifier: GPL-2.0
/*
 * duet vcpu: the vCPUs of the VMs and their counters (netlink vcpu-get).
 *
 *	duet vcpu show [ vm ID [ vcpu N ] ]
 *	duet vcpu walk vm ID vcpu N gva ADDR	(netlink vcpu-translate)
 *	duet vcpu set vm ID vcpu N mode hw|bt	(netlink vcpu-set)
 */
#include <assert.h>
#include <errno.h>
#include <stdint.h>
#include <linux/duet.h>
#include <linux/duet_netlink.h>
#include <linux/types.h>

#include "cli.h"

/* In output order; the names are the spec's. */
static const struct cli_attr vcpu_attrs[] = {
	{ "vm-id", "vm %llu", DUET_A_VCPU_VM_ID, CLI_U32 },
	{ "id", "vcpu %llu", DUET_A_VCPU_ID, CLI_U32 },
	{ "last-cpu", NULL, DUET_A_VCPU_LAST_CPU, CLI_U32 },
	{ "in-guest", NULL, DUET_A_VCPU_IN_GUEST, CLI_BOOL },
	{ "exec-mode", NULL, DUET_A_VCPU_EXEC_MODE, CLI_U32 },
};

static const char *const vcpu_mode_names[] = {
	[DUET_EXEC_MODE_HW]	= "hw",
	[DUET_EXEC_MODE_BT]	= "bt",
	[DUET_EXEC_MODE_AUTO]	= "auto",
};

int vcpu_parse_mode(const char *s)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(vcpu_mode_names); i++)
		if (!strcmp(s, vcpu_mode_names[i]))
			return i;
	return -1;
}

int vcpu_set_mode(struct duet_cli *cli, __u32 vm, __u32 vcpu, int mode)
{
	struct duet_nl *nl = cli_nl(cli);
	struct nlmsghdr *nlh;
	int err;

	if (!nl)
		return 1;
	nlh = duet_nl_request(nl, DUET_CMD_VCPU_SET, NLM_F_ACK);
	mnl_attr_put_u32(nlh, DUET_A_VCPU_VM_ID, vm);
	mnl_attr_put_u32(nlh, DUET_A_VCPU_ID, vcpu);
	mnl_attr_put_u32(nlh, DUET_A_VCPU_EXEC_MODE, mode);
	err = duet_nl_talk(nl, nlh, NULL, NULL);
	if (err) {
		cli_nl_perror(nl, err);
		return 1;
	}
	return 0;
}

static const struct cli_attr vcpu_stats_attrs[] = {
	{ "exits", NULL, DUET_A_VCPU_STATS_EXITS, CLI_U64 },
	{ "userspace-exits", NULL, DUET_A_VCPU_STATS_USERSPACE_EXITS, CLI_U64 },
	{ "intr-exits", NULL, DUET_A_VCPU_STATS_INTR_EXITS, CLI_U64 },
	{ "irq-window-exits", NULL, DUET_A_VCPU_STATS_IRQ_WINDOW_EXITS, CLI_U64 },
	{ "cpuid-exits", NULL, DUET_A_VCPU_STATS_CPUID_EXITS, CLI_U64 },
	{ "msr-exits", NULL, DUET_A_VCPU_STATS_MSR_EXITS, CLI_U64 },
	{ "io-exits", NULL, DUET_A_VCPU_STATS_IO_EXITS, CLI_U64 },
	{ "mmio-exits", NULL, DUET_A_VCPU_STATS_MMIO_EXITS, CLI_U64 },
	{ "halt-exits", NULL, DUET_A_VCPU_STATS_HALT_EXITS, CLI_U64 },
	{ "hypercall-exits", NULL, DUET_A_VCPU_STATS_HYPERCALL_EXITS, CLI_U64 },
	{ "npt-faults", NULL, DUET_A_VCPU_STATS_NPT_FAULTS, CLI_U64 },
	{ "shutdown-exits", NULL, DUET_A_VCPU_STATS_SHUTDOWN_EXITS, CLI_U64 },
	{ "signal-exits", NULL, DUET_A_VCPU_STATS_SIGNAL_EXITS, CLI_U64 },
	{ "kick-exits", NULL, DUET_A_VCPU_STATS_KICK_EXITS, CLI_U64 },
	{ "injected-events", NULL, DUET_A_VCPU_STATS_INJECTED_EVENTS, CLI_U64 },
	{ "bt-blocks-translated", NULL, DUET_A_VCPU_STATS_BT_BLOCKS_TRANSLATED, CLI_U64 },
	{ "bt-cache-hits", NULL, DUET_A_VCPU_STATS_BT_CACHE_HITS, CLI_U64 },
	{ "bt-invalidations", NULL, DUET_A_VCPU_STATS_BT_INVALIDATIONS, CLI_U64 },
	{ "bt-insns", NULL, DUET_A_VCPU_STATS_BT_INSNS, CLI_U64 },
	{ "bt-hw-steps", NULL, DUET_A_VCPU_STATS_BT_HW_STEPS, CLI_U64 },
	{ "bt-segments", NULL, DUET_A_VCPU_STATS_BT_SEGMENTS, CLI_U64 },
	{ "bt-step-stalls", NULL, DUET_A_VCPU_STATS_BT_STEP_STALLS, CLI_U64 },
};

/* Every counter of the spec has its row: all but the pad attribute. */
static_assert(ARRAY_SIZE(vcpu_stats_attrs) == DUET_A_VCPU_STATS_MAX - 1,
	      "every vcpu-stats attribute needs a row in vcpu_stats_attrs[]");

int vcpu_reply_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[DUET_A_VCPU_MAX + 1];
	const struct nlattr *stats[DUET_A_VCPU_STATS_MAX + 1];
	struct print_ctx *out = data;

	/* Check the whole reply before printing any of it. */
	if (cli_parse_attrs(nlh, NULL, tb, DUET_A_VCPU_MAX, vcpu_attrs,
			    ARRAY_SIZE(vcpu_attrs)))
		return MNL_CB_ERROR;
	if (tb[DUET_A_VCPU_STATS] &&
	    cli_parse_attrs(NULL, tb[DUET_A_VCPU_STATS], stats,
			    DUET_A_VCPU_STATS_MAX, vcpu_stats_attrs,
			    ARRAY_SIZE(vcpu_stats_attrs)))
		return MNL_CB_ERROR;
	if (!tb[DUET_A_VCPU_VM_ID] || !tb[DUET_A_VCPU_ID]) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}

	print_open_object(out, NULL);
	/* All but exec-mode, which is printed by name. */
	cli_print_attrs(out, tb, vcpu_attrs, ARRAY_SIZE(vcpu_attrs) - 1);
	if (tb[DUET_A_VCPU_EXEC_MODE]) {
		__u32 m = mnl_attr_get_u32(tb[DUET_A_VCPU_EXEC_MODE]);

		print_string(out, "exec-mode", "mode %s",
			     m < ARRAY_SIZE(vcpu_mode_names) ?
			     vcpu_mode_names[m] : "unknown");
	}
	if (tb[DUET_A_VCPU_STATS]) {
		print_open_object(out, "stats");
		cli_print_attrs(out, stats, vcpu_stats_attrs,
				ARRAY_SIZE(vcpu_stats_attrs));
		print_close_object(out);
	}
	print_close_object(out);
	return MNL_CB_OK;
}

static int vcpu_show(struct duet_cli *cli)
{
	unsigned long long vm = 0, vcpu = 0;
	bool has_vm = false, has_vcpu = false;
	struct nlmsghdr *nlh;
	struct duet_nl *nl;

	while (cli_arg(cli)) {
		const char *key = cli_arg(cli);
		unsigned long long *val;
		bool *seen;

		if (!strcmp(key, "vm")) {
			seen = &has_vm;
			val = &vm;
		} else if (!strcmp(key, "vcpu")) {
			seen = &has_vcpu;
			val = &vcpu;
		} else {
			pr_err("unknown argument \"%s\", see \"duet vcpu help\"",
			       key);
			return 1;
		}
		cli_next(cli);
		if (*seen) {
			pr_err("duplicate argument \"%s\"", key);
			return 1;
		}
		*seen = true;
		if (!cli_arg(cli)) {
			pr_err("\"%s\" needs a value, see \"duet vcpu help\"", key);
			return 1;
		}
		if (cli_parse_uint(cli_arg(cli), UINT32_MAX, val)) {
			pr_err("\"%s %s\": not a %s id", key, cli_arg(cli),
			       val == &vm ? "VM" : "vCPU");
			return 1;
		}
		cli_next(cli);
	}
	if (has_vcpu && !has_vm) {
		pr_err("\"vcpu\" needs \"vm\", see \"duet vcpu help\"");
		return 1;
	}

	nl = cli_nl(cli);
	if (!nl)
		return 1;
	if (has_vcpu) {
		nlh = duet_nl_request(nl, DUET_CMD_VCPU_GET, NLM_F_ACK);
		mnl_attr_put_u32(nlh, DUET_A_VCPU_VM_ID, vm);
		mnl_attr_put_u32(nlh, DUET_A_VCPU_ID, vcpu);
	} else {
		nlh = duet_nl_request(nl, DUET_CMD_VCPU_GET, NLM_F_DUMP);
		if (has_vm)
			mnl_attr_put_u32(nlh, DUET_A_VCPU_VM_ID, vm);
	}
	return cli_show_talk(cli, nlh, vcpu_reply_cb);
}

static int vcpu_walk(struct duet_cli *cli)
{
	static const char *const keys[] = { "vm", "vcpu", "gva", NULL };
	unsigned long long v[3] = { 0 };
	struct nlmsghdr *nlh;
	struct duet_nl *nl;
	unsigned int seen;
	int err;

	if (mem_parse_args(cli, keys, v, &seen, "duet vcpu help"))
		return 1;
	if (seen != 7) {
		pr_err("\"vcpu walk\" needs \"vm\", \"vcpu\" and \"gva\", see \"duet vcpu help\"");
		return 1;
	}
	if (v[0] > UINT32_MAX || v[1] > UINT32_MAX) {
		pr_err("VM or vCPU id out of range");
		return 1;
	}
	nl = cli_nl(cli);
	if (!nl)
		return 1;
	nlh = duet_nl_request(nl, DUET_CMD_VCPU_TRANSLATE, NLM_F_ACK);
	mnl_attr_put_u32(nlh, DUET_A_MEM_VM_ID, v[0]);
	mnl_attr_put_u32(nlh, DUET_A_MEM_VCPU_ID, v[1]);
	mnl_attr_put_u64(nlh, DUET_A_MEM_GVA, v[2]);
	err = duet_nl_talk(nl, nlh, mem_walk_reply_cb, &cli->out);
	if (err) {
		cli_nl_perror(nl, err);
		return 1;
	}
	return 0;
}

static int vcpu_set(struct duet_cli *cli)
{
	unsigned long long vm = 0, vcpu = 0;
	bool has_vm = false, has_vcpu = false;
	int mode = -1;

	while (cli_arg(cli)) {
		const char *key = cli_arg(cli);

		cli_next(cli);
		if (!cli_arg(cli)) {
			pr_err("\"%s\" needs a value, see \"duet vcpu help\"", key);
			return 1;
		}
		if (!strcmp(key, "mode")) {
			if (mode >= 0) {
				pr_err("duplicate argument \"mode\"");
				return 1;
			}
			mode = vcpu_parse_mode(cli_arg(cli));
			if (mode < 0) {
				pr_err("\"mode %s\": need hw or bt", cli_arg(cli));
				return 1;
			}
		} else if (!strcmp(key, "vm") || !strcmp(key, "vcpu")) {
			bool *seen = key[1] == 'm' ? &has_vm : &has_vcpu;
			unsigned long long *val = seen == &has_vm ? &vm : &vcpu;

			if (*seen) {
				pr_err("duplicate argument \"%s\"", key);
				return 1;
			}
			*seen = true;
			if (cli_parse_uint(cli_arg(cli), UINT32_MAX, val)) {
				pr_err("\"%s %s\": not an id", key, cli_arg(cli));
				return 1;
			}
		} else {
			pr_err("unknown argument \"%s\", see \"duet vcpu help\"",
			       key);
			return 1;
		}
		cli_next(cli);
	}
	if (!has_vm || !has_vcpu || mode < 0) {
		pr_err("\"vcpu set\" needs \"vm\", \"vcpu\" and \"mode\", see \"duet vcpu help\"");
		return 1;
	}
	return vcpu_set_mode(cli, vm, vcpu, mode);
}

static int vcpu_help(struct duet_cli *cli)
{
	size_t i;
	int col;

	(void)cli;
	printf("Usage: duet vcpu show [ vm ID [ vcpu N ] ]\n"
	       "       duet vcpu walk vm ID vcpu N gva ADDR\n"
	       "       duet vcpu set vm ID vcpu N mode { hw | bt }\n"
	       "       duet vcpu help\n"
	       "Shows the vCPUs of every VM of this network namespace, of VM ID,\n"
	       "or vCPU N of it: its VM, its index, the host CPU it last ran on\n"
	       "(once it ran), whether it is in guest mode, its execution mode, and\n"
	       "its counters, read\n"
	       "while it may run (each whole, the set a snapshot).  With -j: a\n"
	       "JSON array of objects.\n"
	       "walk translates guest-virtual ADDR with vCPU N's paging state as\n"
	       "of its last exit, as a read (a user read at CPL 3), without\n"
	       "setting accessed or dirty bits: the guest-physical address and\n"
	       "the page's level, a line per paging-structure entry read (level,\n"
	       "gpa, value), and the fault if there is one.  Needs CAP_NET_ADMIN.\n"
	       "set makes vCPU N run in hardware (hw) or in duet's binary\n"
	       "translator (bt) from its next entry (auto is reserved and\n"
	       "refused).  Needs CAP_NET_ADMIN.\n");
	col = printf("COUNTERS :=");
	for (i = 0; i < ARRAY_SIZE(vcpu_stats_attrs); i++) {
		if (col + 1 + (int)strlen(vcpu_stats_attrs[i].name) > 76)
			col = printf("\n           ") - 1;
		col += printf(" %s", vcpu_stats_attrs[i].name);
	}
	printf("\n");
	return 0;
}

static const struct cli_cmd vcpu_cmds[] = {
	{ "show", vcpu_show },
	{ "walk", vcpu_walk },
	{ "set", vcpu_set },
	{ "help", vcpu_help },
};

int cmd_vcpu(struct duet_cli *cli)
{
	return cli_dispatch(cli, vcpu_cmds, ARRAY_SIZE(vcpu_cmds), vcpu_show,
			    "vcpu command", "duet vcpu help");
}
