// SPDX-License-Identifier: GPL-2.0
/*
 * duet: command line of the duet hypervisor module.
 *
 *	duet [ OPTIONS ] OBJECT { COMMAND | help }
 *
 * Each object lives in its own file and exports one cmd_<object>(); this
 * file parses the options and picks the object.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/duet.h>
#include <linux/duet_netlink.h>

#include "cli.h"

static void usage(FILE *fp)
{
	fprintf(fp,
		"Usage: duet [ OPTIONS ] OBJECT { COMMAND | help }\n"
		"       duet version\n"
		"       duet help\n"
		"OBJECT := { caps | vm | vcpu | mem | bt | monitor }\n"
		"OPTIONS := { -j[son] | -p[retty] | -h[elp] }\n"
		"  -j, --json     print JSON\n"
		"  -p, --pretty   indent JSON (with -j)\n");
}

static int cmd_help(struct duet_cli *cli)
{
	(void)cli;
	usage(stdout);
	return 0;
}

static int cmd_version(struct duet_cli *cli)
{
	struct print_ctx *out = &cli->out;

	print_open_object(out, NULL);
	print_string(out, "version", "duet version %s", DUET_CLI_VERSION);
	print_uint(out, "api-version", NULL, DUET_API_VERSION);
	print_uint(out, "family-version", NULL, DUET_FAMILY_VERSION);
	print_close_object(out);
	return 0;
}

static int cmd_missing(struct duet_cli *cli)
{
	(void)cli;
	usage(stderr);
	return 1;
}

static const struct cli_cmd objects[] = {
	{ "caps", cmd_caps },
	{ "vm", cmd_vm },
	{ "vcpu", cmd_vcpu },
	{ "mem", cmd_mem },
	{ "bt", cmd_bt },
	{ "monitor", cmd_monitor },
	{ "version", cmd_version },
	{ "help", cmd_help },
};

int main(int argc, char **argv)
{
	static const struct option long_opts[] = {
		{ "json",	no_argument, NULL, 'j' },
		{ "pretty",	no_argument, NULL, 'p' },
		{ "help",	no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	/* Static: the socket buffers make it large for the stack. */
	static struct duet_cli cli;
	bool json = false, pretty = false;
	int opt, idx, ret;

	opterr = 0;
	/* '+': options end at OBJECT, as in ip(8). */
	for (idx = -1;
	     (opt = getopt_long(argc, argv, "+jph", long_opts, &idx)) != -1;
	     idx = -1) {
		/* getopt_long() takes abbreviations; keywords match exactly. */
		if (idx >= 0 && strcmp(argv[optind - 1] + 2, long_opts[idx].name))
			opt = '?';

		switch (opt) {
		case 'j':
			json = true;
			break;
		case 'p':
			pretty = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			pr_err("unknown option \"%s\", see \"duet help\"",
			       argv[optind - 1]);
			return 1;
		}
	}

	cli.argc = argc - optind;
	cli.argv = argv + optind;
	print_init(&cli.out, stdout, json, pretty);

	ret = cli_dispatch(&cli, objects, ARRAY_SIZE(objects),
			   cmd_missing, "object", "duet help");
	cli_close(&cli);

	if (fflush(stdout) || ferror(stdout)) {
		pr_err("cannot write the output");
		ret = 1;
	}
	return ret ? 1 : 0;
}
