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

/*
 * A number for a keyword ("id 3"): decimal or 0x-hexadecimal, at most
 * @max.  Return 0 or -EINVAL (the caller names the keyword in its error).
 */
int cli_parse_uint(const char *s, unsigned long long max,
		   unsigned long long *val);

/* How a reply attribute is checked and printed. */
enum cli_attr_kind {
	CLI_BOOL,		/* u8, printed true/false */
	CLI_U32,
	CLI_U64,
};

/* A reply attribute: its name in duet.yaml is the key of its value. */
struct cli_attr {
	const char *name;
	const char *fmt;	/* text form, NULL for "name value" */
	__u16 type;		/* DUET_A_* */
	enum cli_attr_kind kind;
};

/*
 * Index the attributes of a genetlink message @nlh (or, with @nlh NULL,
 * of the nest @nest) into @tb[0..@max], zeroed first; types above @max (a
 * newer module) are skipped.  Then check that each attribute in @attrs
 * that is present has its kind's size.  Return 0, or -1 with errno
 * EBADMSG.
 */
int cli_parse_attrs(const struct nlmsghdr *nlh, const struct nlattr *nest,
		    const struct nlattr **tb, unsigned int max,
		    const struct cli_attr *attrs, size_t n);

/* Print the attributes of @attrs that @tb has, in the order of @attrs. */
void cli_print_attrs(struct print_ctx *out, const struct nlattr **tb,
		     const struct cli_attr *attrs, size_t n);

/*
 * A "show" command: the reply callback @cb prints one object per message;
 * with -j the objects form one JSON array, "[]" when there is none.
 * cli_show_begin() starts, cli_show_cb() is the mnl_cb_t to pass with a
 * struct cli_show, cli_show_end() closes the array; after an error with
 * nothing printed it prints nothing.
 */
struct cli_show {
	struct print_ctx *out;
	mnl_cb_t cb;		/* gets @out as its data */
	bool open;		/* JSON array started */
};

void cli_show_begin(struct cli_show *show, struct print_ctx *out, mnl_cb_t cb);
int cli_show_cb(const struct nlmsghdr *nlh, void *data);
void cli_show_end(struct cli_show *show, int err);

/* Send @nlh and print its replies through @cb as a show; 0 or 1. */
int cli_show_talk(struct duet_cli *cli, struct nlmsghdr *nlh, mnl_cb_t cb);

/* caps.c */
int cmd_caps(struct duet_cli *cli);
/* Print a caps-get reply to the struct print_ctx @data; an mnl_cb_t. */
int caps_reply_cb(const struct nlmsghdr *nlh, void *data);

/* vm.c */
int cmd_vm(struct duet_cli *cli);
/* Print a vm-get reply to the struct print_ctx @data; an mnl_cb_t. */
int vm_reply_cb(const struct nlmsghdr *nlh, void *data);

/* vcpu.c */
int cmd_vcpu(struct duet_cli *cli);
/* Print a vcpu-get reply to the struct print_ctx @data; an mnl_cb_t. */
int vcpu_reply_cb(const struct nlmsghdr *nlh, void *data);
/* DUET_EXEC_MODE_* of "hw", "bt" or "auto", or -1. */
int vcpu_parse_mode(const char *s);
/* netlink vcpu-set of @mode: 0, or 1 after printing the error. */
int vcpu_set_mode(struct duet_cli *cli, __u32 vm, __u32 vcpu, int mode);

/* mem.c */
int cmd_mem(struct duet_cli *cli);
/* Print a mem-read reply to the struct print_ctx @data; an mnl_cb_t. */
int mem_reply_cb(const struct nlmsghdr *nlh, void *data);
/* Print a vcpu-translate reply to the struct print_ctx @data. */
int mem_walk_reply_cb(const struct nlmsghdr *nlh, void *data);
/*
 * Parse "vm ID [vcpu N] {gva|gpa} ADDR [len N]" style arguments: each
 * keyword of @keys (NULL-terminated) at most once, with a number; *@seen
 * gets bit i for keys[i].  0, or 1 after printing an error.
 */
int mem_parse_args(struct duet_cli *cli, const char *const *keys,
		   unsigned long long *vals, unsigned int *seen,
		   const char *help);

/* bt.c */
/* One vulnerable segment that bt_scan() found. */
struct bt_segment {
	__u64 start, len;
	unsigned int kind;		/* enum duet_vuln_kind */
	char insns[256];		/* its instructions' kinds, lower case */
};

/* Called for each segment bt_scan() finds: 0 to go on, or -errno. */
typedef int (*bt_segment_fn)(const struct bt_segment *seg, void *data);

int cmd_bt(struct duet_cli *cli);
/* Print a bt-segment-get or -add reply to @data; an mnl_cb_t. */
int bt_segment_reply_cb(const struct nlmsghdr *nlh, void *data);
/* "rmw", "load-store", "lock" of an enum duet_vuln_kind. */
const char *bt_kind_name(unsigned int kind);
/*
 * Find the vulnerable segments of an image: a 64-bit x86 ELF (executable
 * PT_LOAD segments at their virtual addresses) or, when @flat or not ELF,
 * flat code at @base.  Calls @fn for each; returns 0, @fn's error, or
 * -ENOEXEC / -ENOMEM with @error set.
 */
int bt_scan(const void *buf, size_t len, bool flat, __u64 base,
	    bt_segment_fn fn, void *data, char *error, size_t errlen);
/*
 * Register every segment of the image in VM @vm (`duet vm run ...
 * bt-scan`): 0 with their number in *@found, or 1 after printing an error.
 */
int bt_register_image(struct duet_cli *cli, __u32 vm, const void *buf,
		      size_t len, unsigned int *found);

/* monitor.c */
int cmd_monitor(struct duet_cli *cli);
/* Print a notification of the monitor group to @data; an mnl_cb_t. */
int monitor_event_cb(const struct nlmsghdr *nlh, void *data);

#endif /* DUET_CLI_H */
