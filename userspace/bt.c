// SPDX-License-Identifier: GPL-2.0
/*
 * duet bt: the binary translator's vulnerable segments.
 *
 *	duet bt scan IMAGE [ flat base ADDR ] [ register vm ID ]
 *	duet bt segment add vm ID start GVA len N	(netlink bt-segment-add)
 *	duet bt segment del vm ID id N			(netlink bt-segment-del)
 *	duet bt segment show vm ID [ id N ]		(netlink bt-segment-get)
 *
 * scan decodes the executable code of an image with the kernel's decoder
 * (module/x86/decode.c) and finds the segments with the kernel's patterns
 * (module/x86/vuln.c), so that it lists what the translator would flag.
 */
#include <linux/elf.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>
#include <linux/duet.h>
#include <linux/duet_netlink.h>

#include "cli.h"
#include "elf.h"
#include "x86/vuln.h"

/* Instructions in one run before it is cut (a very long straight line). */
#define BT_RUN_MAX	1024

static const char *const bt_kind_names[] = {
	[DUET_VULN_NONE]	= "none",
	[DUET_VULN_RMW]		= "rmw",
	[DUET_VULN_LOAD_STORE]	= "load-store",
	[DUET_VULN_LOCK]	= "lock",
};

const char *bt_kind_name(unsigned int kind)
{
	return kind < ARRAY_SIZE(bt_kind_names) ? bt_kind_names[kind] : "?";
}

/*
 * Control transfers that end a straight run.  Conditional branches do
 * not: the run goes on along the not-taken path, where a lock's
 * critical section follows its spin loop.
 */
static bool bt_ends_run(const struct duet_x86_insn *insn)
{
	switch (insn->kind) {
	case DUET_X86_JMP: case DUET_X86_CALL: case DUET_X86_RET:
	case DUET_X86_JMP_FAR: case DUET_X86_CALL_FAR: case DUET_X86_RET_FAR:
	case DUET_X86_INT: case DUET_X86_INT3: case DUET_X86_INTO:
	case DUET_X86_INT1: case DUET_X86_IRET: case DUET_X86_HLT:
	case DUET_X86_UD2: case DUET_X86_SYSCALL: case DUET_X86_SYSRET:
	case DUET_X86_SYSENTER: case DUET_X86_SYSEXIT:
		return true;
	}
	return false;
}

struct bt_scan_state {
	struct duet_x86_insn insns[BT_RUN_MAX];
	u8 why[BT_RUN_MAX];
	unsigned int n;
	bt_segment_fn fn;
	void *data;
};

/* Report the segments of the run collected so far, and empty it. */
static int bt_flush(struct bt_scan_state *st)
{
	unsigned int i, j, k;
	int err;

	if (!st->n)
		return 0;
	duet_vuln_scan(st->insns, st->n, st->why);
	for (i = 0; i < st->n; i = j) {
		struct bt_segment seg = {};
		size_t off = 0;

		for (j = i + 1; j < st->n && st->why[j] == st->why[i]; j++)
			;
		if (!st->why[i])
			continue;
		seg.start = st->insns[i].rip;
		seg.len = st->insns[j - 1].rip + st->insns[j - 1].len - seg.start;
		seg.kind = st->why[i];
		for (k = i; k < j && off < sizeof(seg.insns) - 1; k++) {
			const char *name = duet_x86_kind_name(st->insns[k].kind);
			int w;

			w = snprintf(seg.insns + off, sizeof(seg.insns) - off,
				     "%s%s%s", off ? " " : "",
				     st->insns[k].lock ? "lock-" : "", name);
			if (w < 0 || (size_t)w >= sizeof(seg.insns) - off)
				break;
			for (; seg.insns[off]; off++)
				seg.insns[off] = seg.insns[off] >= 'A' &&
						 seg.insns[off] <= 'Z' ?
						 seg.insns[off] - 'A' + 'a' :
						 seg.insns[off];
		}
		err = st->fn(&seg, st->data);
		if (err)
			return err;
	}
	st->n = 0;
	return 0;
}

/* Decode @len bytes of code at guest-linear @va, byte after byte. */
static int bt_scan_code(struct bt_scan_state *st, const unsigned char *code,
			size_t len, __u64 va)
{
	size_t off = 0;
	int err;

	st->n = 0;
	while (off < len) {
		struct duet_x86_insn *insn = &st->insns[st->n];

		if (duet_x86_decode(insn, code + off, len - off,
				    DUET_X86_MODE_64, va + off)) {
			/* Not code, or cut off: resynchronise at the next byte. */
			err = bt_flush(st);
			if (err)
				return err;
			off++;
			continue;
		}
		off += insn->len;
		st->n++;
		if (bt_ends_run(insn) || st->n == BT_RUN_MAX) {
			err = bt_flush(st);
			if (err)
				return err;
		}
	}
	return bt_flush(st);
}

int bt_scan(const void *buf, size_t len, bool flat, __u64 base,
	    bt_segment_fn fn, void *data, char *error, size_t errlen)
{
	const unsigned char *p = buf;
	struct bt_scan_state *st;
	const struct elf64_hdr *eh = buf;
	unsigned int i;
	int err = 0;

	st = calloc(1, sizeof(*st));
	if (!st) {
		snprintf(error, errlen, "out of memory");
		return -ENOMEM;
	}
	st->fn = fn;
	st->data = data;

	if (flat || len < SELFMAG || memcmp(p, ELFMAG, SELFMAG)) {
		err = bt_scan_code(st, p, len, base);
		goto out;
	}
	err = -ENOEXEC;
	if (len < sizeof(*eh) || eh->e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh->e_ident[EI_DATA] != ELFDATA2LSB || eh->e_machine != EM_X86_64) {
		snprintf(error, errlen, "not a 64-bit little-endian x86 ELF");
		goto out;
	}
	if (eh->e_phentsize != sizeof(struct elf64_phdr) || eh->e_phoff > len ||
	    (len - eh->e_phoff) / sizeof(struct elf64_phdr) < eh->e_phnum) {
		snprintf(error, errlen, "program headers outside the file");
		goto out;
	}
	err = 0;
	for (i = 0; i < eh->e_phnum && !err; i++) {
		const struct elf64_phdr *ph = (const void *)(p + eh->e_phoff +
						      i * sizeof(*ph));

		if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_X))
			continue;
		if (ph->p_offset > len || ph->p_filesz > len - ph->p_offset) {
			snprintf(error, errlen, "segment %u outside the file", i);
			err = -ENOEXEC;
			break;
		}
		err = bt_scan_code(st, p + ph->p_offset, ph->p_filesz,
				   ph->p_vaddr);
	}
out:
	free(st);
	return err;
}

struct bt_scan_ctx {
	struct duet_cli *cli;
	bool quiet;			/* register only, print nothing */
	bool reg;
	__u32 vm;
	unsigned int found;
};

/* Register @seg in VM @vm: its id, or 0 after printing the error. */
static __u32 bt_segment_register(struct duet_cli *cli, __u32 vm, __u64 start,
				 __u64 len);

static int bt_scan_print(const struct bt_segment *seg, void *data)
{
	struct bt_scan_ctx *ctx = data;
	struct print_ctx *out = &ctx->cli->out;
	__u32 id = 0;

	if (ctx->reg) {
		id = bt_segment_register(ctx->cli, ctx->vm, seg->start, seg->len);
		if (!id)
			return -EIO;
	}
	ctx->found++;
	if (ctx->quiet)
		return 0;
	print_open_object(out, NULL);
	print_uint(out, "start", "start 0x%llx", seg->start);
	print_uint(out, "len", NULL, seg->len);
	print_string(out, "kind", NULL, bt_kind_name(seg->kind));
	if (id)
		print_uint(out, "id", NULL, id);
	print_string(out, "insns", "insns %s", seg->insns);
	print_close_object(out);
	return 0;
}

/* Parse "KEY VALUE" pairs of @keys into @vals: 0, or 1 after an error. */
static int bt_parse_args(struct duet_cli *cli, const char *const *keys,
			 unsigned long long *vals, unsigned int *seen)
{
	return mem_parse_args(cli, keys, vals, seen, "duet bt help");
}

static int bt_scan_cmd(struct duet_cli *cli)
{
	struct bt_scan_ctx ctx = { .cli = cli };
	const char *image = cli_arg(cli);
	bool flat = false, reg = false;
	__u64 base = IMAGE_FLAT_GPA;
	unsigned long long v;
	char error[160] = "";
	size_t len;
	void *buf;
	int err;

	if (!image) {
		pr_err("\"bt scan\" needs an IMAGE, see \"duet bt help\"");
		return 1;
	}
	cli_next(cli);
	while (cli_arg(cli)) {
		const char *key = cli_arg(cli), *sub;
		bool *seen;

		if (!strcmp(key, "flat")) {
			seen = &flat;
			sub = "base";
		} else if (!strcmp(key, "register")) {
			seen = &reg;
			sub = "vm";
		} else {
			pr_err("unknown argument \"%s\", see \"duet bt help\"", key);
			return 1;
		}
		if (*seen) {
			pr_err("duplicate argument \"%s\"", key);
			return 1;
		}
		*seen = true;
		cli_next(cli);
		if (!cli_arg_is(cli, sub)) {
			pr_err("\"%s\" needs \"%s\", see \"duet bt help\"", key, sub);
			return 1;
		}
		cli_next(cli);
		if (!cli_arg(cli) ||
		    cli_parse_uint(cli_arg(cli), seen == &reg ? UINT32_MAX :
				   UINT64_MAX, &v)) {
			pr_err("\"%s %s\" needs a number", key, sub);
			return 1;
		}
		if (seen == &reg)
			ctx.vm = v;
		else
			base = v;
		cli_next(cli);
	}
	ctx.reg = reg;
	if (reg && !cli_nl(cli))
		return 1;

	err = image_read_file(image, SIZE_MAX, &buf, &len);
	if (err) {
		pr_err("%s: %s", image,
		       err == -ENOEXEC ? "empty file" : strerror(-err));
		return 1;
	}
	print_open_array(&cli->out, NULL);
	err = bt_scan(buf, len, flat, base, bt_scan_print, &ctx, error,
		      sizeof(error));
	print_close_array(&cli->out);
	free(buf);
	if (err == -EIO)
		return 1;	/* the registration printed its error */
	if (err) {
		pr_err("%s: %s", image, error);
		return 1;
	}
	return 0;
}

static const struct cli_attr bt_segment_attrs[] = {
	{ "vm-id", "vm %llu", DUET_A_BT_SEGMENT_VM_ID, CLI_U32 },
	{ "id", NULL, DUET_A_BT_SEGMENT_ID, CLI_U32 },
	{ "start", "start 0x%llx", DUET_A_BT_SEGMENT_START, CLI_U64 },
	{ "len", NULL, DUET_A_BT_SEGMENT_LEN, CLI_U64 },
	{ "hits", NULL, DUET_A_BT_SEGMENT_HITS, CLI_U64 },
};

int bt_segment_reply_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[DUET_A_BT_SEGMENT_MAX + 1];
	struct print_ctx *out = data;

	if (cli_parse_attrs(nlh, NULL, tb, DUET_A_BT_SEGMENT_MAX,
			    bt_segment_attrs, ARRAY_SIZE(bt_segment_attrs)))
		return MNL_CB_ERROR;
	if (!tb[DUET_A_BT_SEGMENT_VM_ID] || !tb[DUET_A_BT_SEGMENT_ID]) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	print_open_object(out, NULL);
	cli_print_attrs(out, tb, bt_segment_attrs, ARRAY_SIZE(bt_segment_attrs));
	print_close_object(out);
	return MNL_CB_OK;
}

static int bt_add_id_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[DUET_A_BT_SEGMENT_MAX + 1];

	if (cli_parse_attrs(nlh, NULL, tb, DUET_A_BT_SEGMENT_MAX,
			    bt_segment_attrs, ARRAY_SIZE(bt_segment_attrs)) ||
	    !tb[DUET_A_BT_SEGMENT_ID]) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	*(__u32 *)data = mnl_attr_get_u32(tb[DUET_A_BT_SEGMENT_ID]);
	return MNL_CB_OK;
}

static __u32 bt_segment_register(struct duet_cli *cli, __u32 vm, __u64 start,
				 __u64 len)
{
	struct duet_nl *nl = cli_nl(cli);
	struct nlmsghdr *nlh;
	__u32 id = 0;
	int err;

	if (!nl)
		return 0;
	nlh = duet_nl_request(nl, DUET_CMD_BT_SEGMENT_ADD, NLM_F_ACK);
	mnl_attr_put_u32(nlh, DUET_A_BT_SEGMENT_VM_ID, vm);
	mnl_attr_put_u64(nlh, DUET_A_BT_SEGMENT_START, start);
	mnl_attr_put_u64(nlh, DUET_A_BT_SEGMENT_LEN, len);
	err = duet_nl_talk(nl, nlh, bt_add_id_cb, &id);
	if (err) {
		cli_nl_perror(nl, err);
		return 0;
	}
	return id;
}

int bt_register_image(struct duet_cli *cli, __u32 vm, const void *buf,
		      size_t len, unsigned int *found)
{
	struct bt_scan_ctx ctx = {
		.cli = cli, .quiet = true, .reg = true, .vm = vm,
	};
	char error[160] = "";
	int err;

	/* Register only: the run prints its own report. */
	err = bt_scan(buf, len, false, IMAGE_FLAT_GPA, bt_scan_print, &ctx,
		      error, sizeof(error));
	if (err == -EIO)
		return 1;
	if (err) {
		pr_err("bt-scan: %s", error);
		return 1;
	}
	*found = ctx.found;
	return 0;
}

enum { K_VM, K_START, K_LEN };

static int bt_segment_add(struct duet_cli *cli)
{
	static const char *const keys[] = { "vm", "start", "len", NULL };
	unsigned long long v[3] = { 0 };
	struct nlmsghdr *nlh;
	struct duet_nl *nl;
	unsigned int seen;

	if (bt_parse_args(cli, keys, v, &seen))
		return 1;
	if (seen != (1u << K_VM | 1u << K_START | 1u << K_LEN)) {
		pr_err("\"segment add\" needs \"vm\", \"start\" and \"len\", see \"duet bt help\"");
		return 1;
	}
	if (v[K_VM] > UINT32_MAX) {
		pr_err("VM id out of range");
		return 1;
	}
	nl = cli_nl(cli);
	if (!nl)
		return 1;
	nlh = duet_nl_request(nl, DUET_CMD_BT_SEGMENT_ADD, NLM_F_ACK);
	mnl_attr_put_u32(nlh, DUET_A_BT_SEGMENT_VM_ID, v[K_VM]);
	mnl_attr_put_u64(nlh, DUET_A_BT_SEGMENT_START, v[K_START]);
	mnl_attr_put_u64(nlh, DUET_A_BT_SEGMENT_LEN, v[K_LEN]);
	return cli_show_talk(cli, nlh, bt_segment_reply_cb);
}

static int bt_segment_del(struct duet_cli *cli)
{
	static const char *const keys[] = { "vm", "id", NULL };
	unsigned long long v[2] = { 0 };
	struct nlmsghdr *nlh;
	struct duet_nl *nl;
	unsigned int seen;
	int err;

	if (bt_parse_args(cli, keys, v, &seen))
		return 1;
	if (seen != 3) {
		pr_err("\"segment del\" needs \"vm\" and \"id\", see \"duet bt help\"");
		return 1;
	}
	if (v[0] > UINT32_MAX || v[1] > UINT32_MAX) {
		pr_err("VM or segment id out of range");
		return 1;
	}
	nl = cli_nl(cli);
	if (!nl)
		return 1;
	nlh = duet_nl_request(nl, DUET_CMD_BT_SEGMENT_DEL, NLM_F_ACK);
	mnl_attr_put_u32(nlh, DUET_A_BT_SEGMENT_VM_ID, v[0]);
	mnl_attr_put_u32(nlh, DUET_A_BT_SEGMENT_ID, v[1]);
	err = duet_nl_talk(nl, nlh, NULL, NULL);
	if (err) {
		cli_nl_perror(nl, err);
		return 1;
	}
	return 0;
}

static int bt_segment_show(struct duet_cli *cli)
{
	static const char *const keys[] = { "vm", "id", NULL };
	unsigned long long v[2] = { 0 };
	struct nlmsghdr *nlh;
	struct duet_nl *nl;
	unsigned int seen;

	if (bt_parse_args(cli, keys, v, &seen))
		return 1;
	if (!(seen & 1)) {
		pr_err("\"segment show\" needs \"vm\", see \"duet bt help\"");
		return 1;
	}
	if (v[0] > UINT32_MAX || v[1] > UINT32_MAX) {
		pr_err("VM or segment id out of range");
		return 1;
	}
	nl = cli_nl(cli);
	if (!nl)
		return 1;
	nlh = duet_nl_request(nl, DUET_CMD_BT_SEGMENT_GET,
			      seen & 2 ? NLM_F_ACK : NLM_F_DUMP);
	mnl_attr_put_u32(nlh, DUET_A_BT_SEGMENT_VM_ID, v[0]);
	if (seen & 2)
		mnl_attr_put_u32(nlh, DUET_A_BT_SEGMENT_ID, v[1]);
	return cli_show_talk(cli, nlh, bt_segment_reply_cb);
}

static int bt_help(struct duet_cli *cli)
{
	(void)cli;
	printf("Usage: duet bt scan IMAGE [ flat base ADDR ] [ register vm ID ]\n"
	       "       duet bt segment add vm ID start GVA len N\n"
	       "       duet bt segment del vm ID id N\n"
	       "       duet bt segment show vm ID [ id N ]\n"
	       "       duet bt help\n"
	       "scan decodes the executable PT_LOAD segments of a 64-bit ELF at\n"
	       "their virtual addresses (or the whole file as flat code at ADDR,\n"
	       "default 0x100000 for a file that is not ELF), in straight runs\n"
	       "cut at jumps, calls and returns (not at conditional branches),\n"
	       "skipping bytes that do not decode, and prints a line per\n"
	       "vulnerable segment: start, len, kind and its instructions.\n"
	       "KIND := rmw        unlocked read-modify-write of non-stack memory\n"
	       "      | load-store load, change and store back of one address\n"
	       "      | lock       lock acquisition (xchg, lock cmpxchg/bts, spin\n"
	       "                   loop) up to the store that releases it\n"
	       "register adds each segment to VM ID (its id is printed).\n"
	       "segment add/del register and unregister [GVA, GVA + N) in VM ID\n"
	       "(CAP_NET_ADMIN; segments of a VM do not overlap, at most %u);\n"
	       "segment show lists them with their hit counts.\n",
	       DUET_BT_SEGMENTS_MAX);
	return 0;
}

static int bt_segment_missing(struct duet_cli *cli)
{
	(void)cli;
	pr_err("\"bt segment\" needs add, del or show, see \"duet bt help\"");
	return 1;
}

static const struct cli_cmd bt_segment_cmds[] = {
	{ "add", bt_segment_add },
	{ "del", bt_segment_del },
	{ "show", bt_segment_show },
};

static int bt_segment(struct duet_cli *cli)
{
	return cli_dispatch(cli, bt_segment_cmds, ARRAY_SIZE(bt_segment_cmds),
			    bt_segment_missing, "bt segment command",
			    "duet bt help");
}

static int bt_missing(struct duet_cli *cli)
{
	(void)cli;
	pr_err("\"bt\" needs scan or segment, see \"duet bt help\"");
	return 1;
}

static const struct cli_cmd bt_cmds[] = {
	{ "scan", bt_scan_cmd },
	{ "segment", bt_segment },
	{ "help", bt_help },
};

int cmd_bt(struct duet_cli *cli)
{
	return cli_dispatch(cli, bt_cmds, ARRAY_SIZE(bt_cmds), bt_missing,
			    "bt command", "duet bt help");
}
