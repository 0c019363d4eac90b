// SPDX-License-Identifier: GPL-2.0
/*
 * Generic netlink family "duet", op caps-get (module/nl/duet.yaml): the
 * family itself, the full and the single-capability reply, both equal to
 * DUET_CHECK_EXTENSION, for root and for an unprivileged caller; and every
 * malformed request, each refused with -EINVAL and an extack message that
 * points at the offending attribute.
 */
#include <assert.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/duet_netlink.h>

#include "duet.h"
#include "nl.h"

#define UNPRIVILEGED_ID		65534	/* nobody */

/* Each DUET_CAP_* and its caps attribute; the spec's type gives the size. */
static const struct {
	__u32 cap;
	__u16 attr;
	__u16 len;
} caps_attrs[] = {
	{ DUET_CAP_API_VERSION,		DUET_A_CAPS_API_VERSION,	4 },
	{ DUET_CAP_BACKEND,		DUET_A_CAPS_BACKEND,		4 },
	{ DUET_CAP_NESTED_PAGING,	DUET_A_CAPS_NESTED_PAGING,	1 },
	{ DUET_CAP_PAGING_LEVELS,	DUET_A_CAPS_PAGING_LEVELS,	4 },
	{ DUET_CAP_NR_ASIDS,		DUET_A_CAPS_NR_ASIDS,		4 },
	{ DUET_CAP_NRIP_SAVE,		DUET_A_CAPS_NRIP_SAVE,		1 },
	{ DUET_CAP_DECODE_ASSISTS,	DUET_A_CAPS_DECODE_ASSISTS,	1 },
	{ DUET_CAP_FLUSH_BY_ASID,	DUET_A_CAPS_FLUSH_BY_ASID,	1 },
	{ DUET_CAP_VMCB_CLEAN,		DUET_A_CAPS_VMCB_CLEAN,		1 },
	{ DUET_CAP_VGIF,		DUET_A_CAPS_VGIF,		1 },
	{ DUET_CAP_UNRESTRICTED_GUEST,	DUET_A_CAPS_UNRESTRICTED_GUEST,	1 },
	{ DUET_CAP_VPID,		DUET_A_CAPS_VPID,		1 },
	{ DUET_CAP_LARGE_PAGES_2M,	DUET_A_CAPS_LARGE_PAGES_2M,	1 },
	{ DUET_CAP_LARGE_PAGES_1G,	DUET_A_CAPS_LARGE_PAGES_1G,	1 },
	{ DUET_CAP_ACCESSED_DIRTY,	DUET_A_CAPS_ACCESSED_DIRTY,	1 },
	{ DUET_CAP_NR_CPUS,		DUET_A_CAPS_NR_CPUS,		4 },
};

static_assert(ARRAY_SIZE(caps_attrs) == DUET_CAP_MAX,
	      "caps_attrs[] misses a DUET_CAP_*");

/* Index of @cap in caps_attrs[]. */
static unsigned int cap_index(__u32 cap)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(caps_attrs); i++)
		if (caps_attrs[i].cap == cap)
			return i;
	TEST_FAIL("cap %u is not in caps_attrs[]", cap);
}

/* One socket, family and reply per case (each case is its own process). */
static struct nl_sock nl;
static struct nl_reply rep;
static __u16 family;

static void duet_nl_open(void)
{
	int r;

	r = _nl_open(&nl);
	TEST_ASSERT(!r, "netlink socket: %s", test_rc_str(r));
	r = _nl_family_id(&nl, DUET_FAMILY_NAME, &family);
	TEST_ASSERT(!r, "resolve family \"%s\": %s", DUET_FAMILY_NAME,
		    test_rc_str(r));
}

/* The ioctl's value of every capability, indexed by DUET_CAP_*. */
static void ioctl_caps(__u64 *values)
{
	int fd = duet_open();
	unsigned int i;

	for (i = 1; i <= DUET_CAP_MAX; i++)
		values[i] = duet_cap(fd, i);
	close(fd);
}

/* caps-get, with DUET_A_CAPS_CAP = @cap unless @cap is negative. */
static int caps_get(long long cap)
{
	struct nl_msg req;

	nl_msg_init(&req, family, DUET_CMD_CAPS_GET, DUET_FAMILY_VERSION);
	if (cap >= 0)
		nl_put_u32(&req, DUET_A_CAPS_CAP, cap);
	return _nl_request(&nl, &req, &rep);
}

/* Index a caps-get reply; unknown attribute types fail the case. */
static void parse_caps_reply(const struct nlattr **tb)
{
	const struct genlmsghdr *genl;
	const struct nlattr *attrs;
	size_t len;
	int r;

	TEST_ASSERT(rep.nlh, "caps-get succeeded without a reply");
	TEST_ASSERT_EQ(rep.nlh->nlmsg_type, family);
	genl = NLMSG_DATA(rep.nlh);
	TEST_ASSERT_EQ(genl->cmd, DUET_CMD_CAPS_GET);

	attrs = nl_genl_attrs(rep.nlh, &len);
	r = nl_parse(attrs, len, tb, DUET_A_CAPS_MAX);
	TEST_ASSERT(!r, "malformed reply or attribute beyond DUET_A_CAPS_MAX: %s",
		    test_rc_str(r));
	/* A request-only attribute. */
	TEST_ASSERT(!tb[DUET_A_CAPS_CAP], "reply carries DUET_A_CAPS_CAP");
}

/* Check the attribute of caps_attrs[@i] against @want. */
static void check_cap_attr(const struct nlattr **tb, unsigned int i, __u64 want)
{
	const struct nlattr *nla = tb[caps_attrs[i].attr];
	unsigned long long value;

	TEST_ASSERT(nla, "reply lacks the attribute of cap %s",
		    duet_cap_name(caps_attrs[i].cap));
	TEST_ASSERT(nla_payload_len(nla) == caps_attrs[i].len,
		    "cap %s: attribute of %zu bytes, the spec says %u",
		    duet_cap_name(caps_attrs[i].cap), nla_payload_len(nla),
		    caps_attrs[i].len);
	TEST_ASSERT(!nla_get_uint(nla, &value), "bad integer attribute");
	if (value != want)
		TEST_FAIL("cap %s: netlink %llu, ioctl %llu",
			  duet_cap_name(caps_attrs[i].cap), value,
			  (unsigned long long)want);
}

/* A refused request: @want, an extack message, the offending attribute. */
static void check_refused(int r, int want, int bad_attr_off)
{
	TEST_ASSERT_RC(r, want);
	test_print("extack: \"%s\"", rep.extack);
	TEST_ASSERT(rep.extack[0], "no extack message");
	if (bad_attr_off < 0)
		return;
	TEST_ASSERT(rep.has_offs, "extack names no attribute");
	TEST_ASSERT_EQ(rep.offs, bad_attr_off);
}

static void family_registered(void)
{
	struct nl_family fam;
	bool found = false;
	unsigned int i;
	int r;

	TEST_ASSERT(!_nl_open(&nl), "netlink socket");
	r = _nl_family_get(&nl, DUET_FAMILY_NAME, &fam);
	TEST_ASSERT(!r, "CTRL_CMD_GETFAMILY \"%s\": %s", DUET_FAMILY_NAME,
		    test_rc_str(r));
	test_print("family %s: id %u version %u, %u ops, %u groups",
		   DUET_FAMILY_NAME, fam.id, fam.version, fam.nr_ops,
		   fam.nr_groups);
	TEST_ASSERT_EQ(fam.version, DUET_FAMILY_VERSION);
	TEST_ASSERT_EQ(fam.hdrsize, 0);

	for (i = 0; i < fam.nr_ops; i++) {
		if (fam.ops[i] != DUET_CMD_CAPS_GET)
			continue;
		found = true;
		TEST_ASSERT(fam.op_flags[i] & GENL_CMD_CAP_DO,
			    "caps-get has no do (flags %#x)", fam.op_flags[i]);
		/* The spec: unprivileged. */
		TEST_ASSERT(!(fam.op_flags[i] & GENL_ADMIN_PERM),
			    "caps-get needs CAP_NET_ADMIN (flags %#x)",
			    fam.op_flags[i]);
	}
	TEST_ASSERT(found, "the family has no caps-get op");

	found = false;
	for (i = 0; i < fam.nr_groups; i++)
		found |= !strcmp(fam.group_names[i], DUET_MCGRP_MONITOR);
	TEST_ASSERT(found, "no multicast group \"%s\"", DUET_MCGRP_MONITOR);
}

static void caps_get_all(void)
{
	const struct nlattr *tb[DUET_A_CAPS_MAX + 1];
	__u64 values[DUET_CAP_MAX + 1];
	unsigned int i;

	ioctl_caps(values);
	duet_nl_open();
	TEST_ASSERT_RC(caps_get(-1), 0);
	parse_caps_reply(tb);
	for (i = 0; i < ARRAY_SIZE(caps_attrs); i++) {
		test_print("cap %-20s = %llu", duet_cap_name(caps_attrs[i].cap),
			   (unsigned long long)values[caps_attrs[i].cap]);
		check_cap_attr(tb, i, values[caps_attrs[i].cap]);
	}
}

static noreturn void caps_get_as_nobody(const __u64 *values)
{
	const struct nlattr *tb[DUET_A_CAPS_MAX + 1];
	unsigned int i;

	if (setgroups(0, NULL) || setgid(UNPRIVILEGED_ID) ||
	    setuid(UNPRIVILEGED_ID))
		TEST_FAIL("cannot drop privileges: %s", strerror(errno));

	duet_nl_open();
	TEST_ASSERT_RC(caps_get(-1), 0);
	parse_caps_reply(tb);
	for (i = 0; i < ARRAY_SIZE(caps_attrs); i++)
		check_cap_attr(tb, i, values[caps_attrs[i].cap]);

	TEST_ASSERT_RC(caps_get(DUET_CAP_NR_CPUS), 0);
	parse_caps_reply(tb);
	check_cap_attr(tb, cap_index(DUET_CAP_NR_CPUS), values[DUET_CAP_NR_CPUS]);
	fflush(stdout);
	_exit(0);
}

/* The spec makes caps-get unprivileged: nobody gets the same answer. */
static void caps_get_unprivileged(void)
{
	__u64 values[DUET_CAP_MAX + 1];
	int status;
	pid_t pid;

	if (getuid() != 0)
		TEST_SKIP("needs root to drop privileges");

	ioctl_caps(values);
	fflush(stdout);
	pid = fork();
	TEST_ASSERT(pid >= 0, "fork");
	if (pid == 0)
		caps_get_as_nobody(values);
	TEST_ASSERT(waitpid(pid, &status, 0) == pid, "waitpid");
	TEST_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		    "caps-get as uid %d failed (status %#x)", UNPRIVILEGED_ID,
		    status);
}

static void caps_get_single(void)
{
	const struct nlattr *tb[DUET_A_CAPS_MAX + 1];
	__u64 values[DUET_CAP_MAX + 1];
	unsigned int i, a;

	ioctl_caps(values);
	duet_nl_open();
	for (i = 0; i < ARRAY_SIZE(caps_attrs); i++) {
		__u32 cap = caps_attrs[i].cap;

		test_print("cap %u (%s)", cap, duet_cap_name(cap));
		TEST_ASSERT_RC(caps_get(cap), 0);
		parse_caps_reply(tb);
		check_cap_attr(tb, i, values[cap]);
		/* The spec: that capability and the backend, nothing else. */
		check_cap_attr(tb, cap_index(DUET_CAP_BACKEND), values[DUET_CAP_BACKEND]);
		for (a = 1; a <= DUET_A_CAPS_MAX; a++)
			TEST_ASSERT(!tb[a] || a == caps_attrs[i].attr ||
				    a == DUET_A_CAPS_BACKEND,
				    "reply for cap %s also has attribute %u",
				    duet_cap_name(cap), a);
	}
}

static void caps_get_cap_out_of_range(void)
{
	static const __u32 bad[] = { 0, DUET_CAP_MAX + 1, 0x80000000u, 0xffffffffu };
	unsigned int i;

	duet_nl_open();
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		struct nl_msg req;
		int off;

		test_print("cap %#x", bad[i]);
		nl_msg_init(&req, family, DUET_CMD_CAPS_GET, DUET_FAMILY_VERSION);
		off = nl_put_u32(&req, DUET_A_CAPS_CAP, bad[i]);
		check_refused(_nl_request(&nl, &req, &rep), -EINVAL, off);
	}
}

/* Strict validation: an attribute the family does not know. */
static void caps_get_unknown_attr(void)
{
	static const __u16 types[] = { DUET_A_CAPS_MAX + 1, 0x3fff };
	unsigned int i;

	duet_nl_open();
	for (i = 0; i < ARRAY_SIZE(types); i++) {
		struct nl_msg req;
		int off;

		test_print("attribute type %u", types[i]);
		nl_msg_init(&req, family, DUET_CMD_CAPS_GET, DUET_FAMILY_VERSION);
		off = nl_put_u32(&req, types[i], 1);
		check_refused(_nl_request(&nl, &req, &rep), -EINVAL, off);
	}
}

/* Strict validation: a reply attribute is no request attribute. */
static void caps_get_reply_attr_in_request(void)
{
	struct nl_msg req;
	int off;

	duet_nl_open();
	nl_msg_init(&req, family, DUET_CMD_CAPS_GET, DUET_FAMILY_VERSION);
	off = nl_put_u32(&req, DUET_A_CAPS_BACKEND, DUET_BACKEND_SVM);
	check_refused(_nl_request(&nl, &req, &rep), -EINVAL, off);
}

/* Strict validation: DUET_A_CAPS_CAP is a u32, exactly. */
static void caps_get_cap_bad_length(void)
{
	static const __u64 cap = DUET_CAP_BACKEND;
	static const __u16 lens[] = { 0, 1, 2, 8 };
	unsigned int i;

	duet_nl_open();
	for (i = 0; i < ARRAY_SIZE(lens); i++) {
		struct nl_msg req;
		int off;

		test_print("DUET_A_CAPS_CAP of %u bytes", lens[i]);
		nl_msg_init(&req, family, DUET_CMD_CAPS_GET, DUET_FAMILY_VERSION);
		off = nl_put(&req, DUET_A_CAPS_CAP, &cap, lens[i]);
		check_refused(_nl_request(&nl, &req, &rep), -EINVAL, off);
	}
}

/* The family validates the reserved byte of the genetlink header. */
static void caps_get_genl_reserved(void)
{
	struct genlmsghdr *genl;
	struct nl_msg req;

	duet_nl_open();
	nl_msg_init(&req, family, DUET_CMD_CAPS_GET, DUET_FAMILY_VERSION);
	genl = NLMSG_DATA(&req.nlh);
	genl->reserved = 1;
	check_refused(_nl_request(&nl, &req, &rep), -EINVAL, -1);
}

static void unknown_cmd(void)
{
	struct nl_msg req;

	duet_nl_open();
	nl_msg_init(&req, family, DUET_CMD_MAX + 1, DUET_FAMILY_VERSION);
	TEST_ASSERT_RC(_nl_request(&nl, &req, &rep), -EOPNOTSUPP);
}

/* caps-get has a do and no dump. */
static void caps_get_dump(void)
{
	struct nl_msg req;

	duet_nl_open();
	nl_msg_init(&req, family, DUET_CMD_CAPS_GET, DUET_FAMILY_VERSION);
	req.nlh.nlmsg_flags |= NLM_F_DUMP;
	TEST_ASSERT_RC(_nl_request(&nl, &req, &rep), -EOPNOTSUPP);
}

static const struct test_case cases[] = {
	TEST_CASE(family_registered),
	TEST_CASE(caps_get_all),
	TEST_CASE(caps_get_unprivileged),
	TEST_CASE(caps_get_single),
	TEST_CASE(caps_get_cap_out_of_range),
	TEST_CASE(caps_get_unknown_attr),
	TEST_CASE(caps_get_reply_attr_in_request),
	TEST_CASE(caps_get_cap_bad_length),
	TEST_CASE(caps_get_genl_reserved),
	TEST_CASE(unknown_cmd),
	TEST_CASE(caps_get_dump),
};

int main(void)
{
	TEST_REQUIRE_DUET();
	return test_run(cases, ARRAY_SIZE(cases));
}
