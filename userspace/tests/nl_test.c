// SPDX-License-Identifier: GPL-2.0
/*
 * nl.c against the host kernel's own "nlctrl" family: resolution, a do
 * request with its ACK, and an error with an extack message.  No module
 * is needed.
 */
#include <errno.h>
#include <linux/genetlink.h>

#include "check.h"
#include "nl.h"

static struct duet_nl nl;

static int count_cb(const struct nlmsghdr *nlh, void *data)
{
	int *replies = data;

	(void)nlh;
	(*replies)++;
	return MNL_CB_OK;
}

int main(void)
{
	struct nlmsghdr *nlh;
	char name[64];
	int replies = 0;
	int err;

	err = duet_nl_open(&nl, "nlctrl");
	if (err == -EPERM || err == -EACCES || err == -EAFNOSUPPORT) {
		printf("nl_test: no generic netlink here (%d), skipped\n", err);
		return 0;
	}
	CHECK(err == 0, "open nlctrl");
	CHECK(nl.family == GENL_ID_CTRL, "nlctrl id");
	CHECK(nl.version >= 1, "nlctrl version");

	/* A do: one reply, then the ACK ends the exchange. */
	nlh = duet_nl_request(&nl, CTRL_CMD_GETFAMILY, NLM_F_ACK);
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, "nlctrl");
	err = duet_nl_talk(&nl, nlh, count_cb, &replies);
	CHECK(err == 0 && replies == 1, "do with ack");
	CHECK_STR(nl.errmsg, "", "no message on success");

	/* A dump: several replies, ended by NLMSG_DONE. */
	replies = 0;
	nlh = duet_nl_request(&nl, CTRL_CMD_GETFAMILY, NLM_F_DUMP);
	err = duet_nl_talk(&nl, nlh, count_cb, &replies);
	CHECK(err == 0 && replies > 1, "dump");

	/* A policy violation (name longer than GENL_NAMSIZ) carries extack. */
	memset(name, 'x', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	nlh = duet_nl_request(&nl, CTRL_CMD_GETFAMILY, NLM_F_ACK);
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, name);
	err = duet_nl_talk(&nl, nlh, count_cb, &replies);
	CHECK(err < 0, "policy error");
	CHECK(nl.errmsg[0] != '\0', "policy error has extack");
	printf("nl_test: extack for a long name: %d \"%s\"\n", err, nl.errmsg);
	duet_nl_close(&nl);

	/* The family of an unloaded module. */
	err = duet_nl_open(&nl, "duet-test-none");
	CHECK(err == -ENOENT, "unknown family");
	CHECK(!nl.sk, "socket closed on error");

	return check_done("nl_test");
}
