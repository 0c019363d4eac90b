// SPDX-License-Identifier: GPL-2.0
/*
 * duet mem: guest memory of a VM (netlink mem-read), and the walk printer
 * that `duet vcpu walk` (vcpu-translate) shares.
 *
 *	duet mem read vm ID [ vcpu N ] { gva | gpa } ADDR len N
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <linux/duet.h>
#include <linux/duet_netlink.h>
#include <linux/genetlink.h>
#include <linux/types.h>

#include "cli.h"

static const char *const fault_names[] = {
	[DUET_MEM_FAULT_NONE] = "none",
	[DUET_MEM_FAULT_PF] = "pf",
	[DUET_MEM_FAULT_GP] = "gp",
	[DUET_MEM_FAULT_HOST] = "host",
	[DUET_MEM_FAULT_NO_SLOT] = "no-slot",
	[DUET_MEM_FAULT_NO_MM] = "no-mm",
};

static const struct cli_attr fault_attrs[] = {
	{ "kind", NULL, DUET_A_MEM_FAULT_KIND, CLI_U32 },
	{ "errno", NULL, DUET_A_MEM_FAULT_ERRNO, CLI_U32 },
	{ "addr", "addr 0x%llx", DUET_A_MEM_FAULT_ADDR, CLI_U64 },
	{ "gpa", "gpa 0x%llx", DUET_A_MEM_FAULT_GPA, CLI_U64 },
	{ "error-code", "error-code 0x%llx", DUET_A_MEM_FAULT_ERROR_CODE, CLI_U32 },
};

static const struct cli_attr mem_attrs[] = {
	{ "vm-id", "vm %llu", DUET_A_MEM_VM_ID, CLI_U32 },
	{ "vcpu-id", "vcpu %llu", DUET_A_MEM_VCPU_ID, CLI_U32 },
	{ "gva", "gva 0x%llx", DUET_A_MEM_GVA, CLI_U64 },
	{ "gpa", "gpa 0x%llx", DUET_A_MEM_GPA, CLI_U64 },
	{ "len", NULL, DUET_A_MEM_LEN, CLI_U32 },
	{ "done", NULL, DUET_A_MEM_DONE, CLI_U32 },
	{ "level", NULL, DUET_A_MEM_LEVEL, CLI_U32 },
};

static const struct cli_attr entry_attrs[] = {
	{ "level", NULL, DUET_A_MEM_ENTRY_LEVEL, CLI_U32 },
	{ "gpa", "gpa 0x%llx", DUET_A_MEM_ENTRY_GPA, CLI_U64 },
	{ "value", "value 0x%llx", DUET_A_MEM_ENTRY_VALUE, CLI_U64 },
};

/* The fault nest, as "fault KIND ..." on a line of its own in text. */
static int print_fault(struct print_ctx *out, const struct nlattr *nest)
{
	const struct nlattr *tb[DUET_A_MEM_FAULT_MAX + 1];
	__u32 kind;

	if (cli_parse_attrs(NULL, nest, tb, DUET_A_MEM_FAULT_MAX, fault_attrs,
			    ARRAY_SIZE(fault_attrs)) || !tb[DUET_A_MEM_FAULT_KIND]) {
		errno = EBADMSG;
		return -1;
	}
	kind = mnl_attr_get_u32(tb[DUET_A_MEM_FAULT_KIND]);
	print_end_line(out);
	print_open_object(out, "fault");
	print_string(out, "kind", "fault %s",
		     kind < ARRAY_SIZE(fault_names) ? fault_names[kind] : "unknown");
	/* The kind's number is the name; the rest as they are. */
	cli_print_attrs(out, tb, fault_attrs + 1, ARRAY_SIZE(fault_attrs) - 1);
	print_close_object(out);
	return 0;
}

/* The address, 16 bytes in hex and as ASCII, a line. */
static void hexdump(FILE *fp, unsigned long long addr, const __u8 *p,
		    size_t len)
{
	size_t i, j;

	for (i = 0; i < len; i += 16) {
		fprintf(fp, "%016llx ", addr + i);
		for (j = i; j < i + 16; j++) {
			if (j < len)
				fprintf(fp, " %02x", p[j]);
			else
				fputs("   ", fp);
		}
		fputs("  |", fp);
		for (j = i; j < i + 16 && j < len; j++)
			fputc(p[j] >= 0x20 && p[j] < 0x7f ? p[j] : '.', fp);
		fputs("|\n", fp);
	}
}

int mem_reply_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[DUET_A_MEM_MAX + 1];
	struct print_ctx *out = data;
	const struct nlattr *d;
	unsigned long long addr;
	const __u8 *p;
	size_t len, i;
	char *hex;

	if (cli_parse_attrs(nlh, NULL, tb, DUET_A_MEM_MAX, mem_attrs,
			    ARRAY_SIZE(mem_attrs)))
		return MNL_CB_ERROR;
	d = tb[DUET_A_MEM_DATA];
	if (!tb[DUET_A_MEM_VM_ID] || !d || !tb[DUET_A_MEM_DONE] ||
	    (!tb[DUET_A_MEM_GVA] == !tb[DUET_A_MEM_GPA]) ||
	    mnl_attr_get_payload_len(d) != mnl_attr_get_u32(tb[DUET_A_MEM_DONE])) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	p = mnl_attr_get_payload(d);
	len = mnl_attr_get_payload_len(d);
	addr = mnl_attr_get_u64(tb[DUET_A_MEM_GVA] ?: tb[DUET_A_MEM_GPA]);

	print_open_object(out, NULL);
	cli_print_attrs(out, tb, mem_attrs, ARRAY_SIZE(mem_attrs));
	if (out->json) {
		hex = malloc(2 * len + 1);
		if (!hex)
			return MNL_CB_ERROR;
		for (i = 0; i < len; i++)
			sprintf(hex + 2 * i, "%02x", p[i]);
		hex[2 * len] = '\0';
		print_string(out, "data", NULL, hex);
		free(hex);
	} else {
		print_end_line(out);
		hexdump(out->fp, addr, p, len);
	}
	if (tb[DUET_A_MEM_FAULT] && print_fault(out, tb[DUET_A_MEM_FAULT]))
		return MNL_CB_ERROR;
	print_close_object(out);
	return MNL_CB_OK;
}

int mem_walk_reply_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[DUET_A_MEM_MAX + 1];
	const struct nlattr *etb[DUET_A_MEM_ENTRY_MAX + 1];
	const struct genlmsghdr *genl = mnl_nlmsg_get_payload(nlh);
	struct print_ctx *out = data;
	const struct nlattr *a;

	/* entry repeats: index the rest here, the entries below. */
	memset(tb, 0, sizeof(tb));
	mnl_attr_for_each(a, nlh, sizeof(*genl)) {
		__u16 type = mnl_attr_get_type(a);

		if (type == DUET_A_MEM_ENTRY || type > DUET_A_MEM_MAX)
			continue;
		if (tb[type]) {
			errno = EBADMSG;
			return MNL_CB_ERROR;
		}
		tb[type] = a;
	}
	if (!tb[DUET_A_MEM_VM_ID] || !tb[DUET_A_MEM_GVA]) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}

	print_open_object(out, NULL);
	cli_print_attrs(out, tb, mem_attrs, ARRAY_SIZE(mem_attrs));
	print_end_line(out);
	print_open_array(out, "entries");
	mnl_attr_for_each(a, nlh, sizeof(*genl)) {
		if (mnl_attr_get_type(a) != DUET_A_MEM_ENTRY)
			continue;
		if (cli_parse_attrs(NULL, a, etb, DUET_A_MEM_ENTRY_MAX,
				    entry_attrs, ARRAY_SIZE(entry_attrs)))
			return MNL_CB_ERROR;
		print_open_object(out, NULL);
		cli_print_attrs(out, etb, entry_attrs, ARRAY_SIZE(entry_attrs));
		print_close_object(out);
	}
	print_close_array(out);
	if (tb[DUET_A_MEM_FAULT] && print_fault(out, tb[DUET_A_MEM_FAULT]))
		return MNL_CB_ERROR;
	print_close_object(out);
	return MNL_CB_OK;
}

int mem_parse_args(struct duet_cli *cli, const char *const *keys,
		   unsigned long long *vals, unsigned int *seen,
		   const char *help)
{
	unsigned int i;

	*seen = 0;
	while (cli_arg(cli)) {
		const char *key = cli_arg(cli);

		for (i = 0; keys[i] && strcmp(keys[i], key); i++)
			;
		if (!keys[i]) {
			pr_err("unknown argument \"%s\", see \"%s\"", key, help);
			return 1;
		}
		cli_next(cli);
		if (*seen & (1u << i)) {
			pr_err("duplicate argument \"%s\"", key);
			return 1;
		}
		*seen |= 1u << i;
		if (!cli_arg(cli)) {
			pr_err("\"%s\" needs a value, see \"%s\"", key, help);
			return 1;
		}
		if (cli_parse_uint(cli_arg(cli), UINT64_MAX, &vals[i])) {
			pr_err("\"%s %s\": not a number", key, cli_arg(cli));
			return 1;
		}
		cli_next(cli);
	}
	return 0;
}

enum { K_VM, K_VCPU, K_GVA, K_GPA, K_LEN };

static int mem_read(struct duet_cli *cli)
{
	static const char *const keys[] = { "vm", "vcpu", "gva", "gpa", "len", NULL };
	unsigned long long v[5] = { 0 };
	struct nlmsghdr *nlh;
	struct duet_nl *nl;
	unsigned int seen;
	int err;

	if (mem_parse_args(cli, keys, v, &seen, "duet mem help"))
		return 1;
	if (!(seen & (1u << K_VM)) || !(seen & (1u << K_LEN))) {
		pr_err("\"mem read\" needs \"vm\" and \"len\", see \"duet mem help\"");
		return 1;
	}
	if (!(seen & (1u << K_GVA)) == !(seen & (1u << K_GPA))) {
		pr_err("\"mem read\" needs one of \"gva\" and \"gpa\"");
		return 1;
	}
	if ((seen & (1u << K_GVA)) && !(seen & (1u << K_VCPU))) {
		pr_err("\"gva\" needs \"vcpu\", see \"duet mem help\"");
		return 1;
	}
	if (v[K_VM] > UINT32_MAX || v[K_VCPU] > UINT32_MAX) {
		pr_err("VM or vCPU id out of range");
		return 1;
	}
	if (!v[K_LEN] || v[K_LEN] > DUET_MEM_READ_MAX) {
		pr_err("\"len %llu\": not within 1 to %u", v[K_LEN],
		       DUET_MEM_READ_MAX);
		return 1;
	}

	nl = cli_nl(cli);
	if (!nl)
		return 1;
	nlh = duet_nl_request(nl, DUET_CMD_MEM_READ, NLM_F_ACK);
	mnl_attr_put_u32(nlh, DUET_A_MEM_VM_ID, v[K_VM]);
	if (seen & (1u << K_VCPU))
		mnl_attr_put_u32(nlh, DUET_A_MEM_VCPU_ID, v[K_VCPU]);
	if (seen & (1u << K_GVA))
		mnl_attr_put_u64(nlh, DUET_A_MEM_GVA, v[K_GVA]);
	else
		mnl_attr_put_u64(nlh, DUET_A_MEM_GPA, v[K_GPA]);
	mnl_attr_put_u32(nlh, DUET_A_MEM_LEN, v[K_LEN]);
	err = duet_nl_talk(nl, nlh, mem_reply_cb, &cli->out);
	if (err) {
		cli_nl_perror(nl, err);
		return 1;
	}
	return 0;
}

static int mem_help(struct duet_cli *cli)
{
	(void)cli;
	printf("Usage: duet mem read vm ID [ vcpu N ] { gva | gpa } ADDR len N\n"
	       "       duet mem help\n"
	       "Reads N bytes (1 to %u) of VM ID's memory at guest-physical\n"
	       "ADDR, or at guest-virtual ADDR translated with vCPU N's paging\n"
	       "state as of its last exit (no accessed or dirty bit is set).\n"
	       "Prints a hexdump, or with -j an object with the address, len,\n"
	       "done (bytes read) and data (a hex string).  A fault ends the read\n"
	       "early and is printed: pf (the guest's #PF: addr is CR2, and\n"
	       "error-code), gp (non-canonical), host (the VMM's memory is gone),\n"
	       "no-slot (no memory, or a page table outside it), no-mm.\n"
	       "Needs CAP_NET_ADMIN.\n", DUET_MEM_READ_MAX);
	return 0;
}

static const struct cli_cmd mem_cmds[] = {
	{ "read", mem_read },
	{ "help", mem_help },
};

int cmd_mem(struct duet_cli *cli)
{
	return cli_dispatch(cli, mem_cmds, ARRAY_SIZE(mem_cmds), mem_help,
			    "mem command", "duet mem help");
}
