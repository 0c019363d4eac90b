// SPDX-License-Identifier: GPL-2.0
/*
 * Generic netlink over libmnl; see nl.h.
 */
#define _GNU_SOURCE	/* ppoll() */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "nl.h"

/* What one duet_nl_talk() passes to the libmnl callbacks. */
struct talk {
	struct duet_nl *nl;
	mnl_cb_t cb;
	void *data;
};

/*
 * Copy the extack message of an NLMSG_ERROR or NLMSG_DONE whose TLVs start
 * @offset bytes into the payload.
 */
static void parse_extack(struct duet_nl *nl, const struct nlmsghdr *nlh,
			 size_t offset)
{
	const struct nlattr *attr;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;

	mnl_attr_for_each(attr, nlh, offset) {
		if (mnl_attr_get_type(attr) != NLMSGERR_ATTR_MSG)
			continue;
		if (mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) < 0)
			return;
		snprintf(nl->errmsg, sizeof(nl->errmsg), "%s",
			 mnl_attr_get_str(attr));
		return;
	}
}

static int talk_data(const struct nlmsghdr *nlh, void *data)
{
	struct talk *t = data;

	return t->cb ? t->cb(nlh, t->data) : MNL_CB_OK;
}

static int talk_error(const struct nlmsghdr *nlh, void *data)
{
	const struct nlmsgerr *err = mnl_nlmsg_get_payload(nlh);
	struct talk *t = data;
	size_t offset;

	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*err))) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	/* An error of 0 is the ACK that ends a do. */
	if (!err->error)
		return MNL_CB_STOP;

	/* The TLVs follow our request, or only its header when capped. */
	offset = sizeof(*err);
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		offset += err->msg.nlmsg_len - sizeof(err->msg);
	parse_extack(t->nl, nlh, offset);

	errno = err->error < 0 ? -err->error : err->error;
	return MNL_CB_ERROR;
}

/* NLMSG_DONE ends a dump; its payload is the dump's result. */
static int talk_done(const struct nlmsghdr *nlh, void *data)
{
	struct talk *t = data;
	int error;

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(error))
		return MNL_CB_STOP;
	memcpy(&error, mnl_nlmsg_get_payload(nlh), sizeof(error));
	if (!error)
		return MNL_CB_STOP;

	parse_extack(t->nl, nlh, sizeof(error));
	errno = error < 0 ? -error : error;
	return MNL_CB_ERROR;
}

struct nlmsghdr *duet_nl_request(struct duet_nl *nl, __u8 cmd,
				 __u16 flags)
{
	struct nlmsghdr *nlh;
	struct genlmsghdr *genl;

	nlh = mnl_nlmsg_put_header(nl->req);
	nlh->nlmsg_type = nl->family;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = ++nl->seq;

	genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	genl->cmd = cmd;
	genl->version = nl->version;
	return nlh;
}

int duet_nl_talk(struct duet_nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb,
		 void *data)
{
	mnl_cb_t ctl[NLMSG_MIN_TYPE] = {
		[NLMSG_ERROR]	= talk_error,
		[NLMSG_DONE]	= talk_done,
	};
	struct talk t = { .nl = nl, .cb = cb, .data = data };
	ssize_t len;
	int ret;

	nl->errmsg[0] = '\0';
	if (mnl_socket_sendto(nl->sk, nlh, nlh->nlmsg_len) < 0)
		return -errno;

	do {
		len = mnl_socket_recvfrom(nl->sk, nl->rx, sizeof(nl->rx));
		if (len < 0)
			return -errno;
		errno = 0;
		ret = mnl_cb_run2(nl->rx, len, nlh->nlmsg_seq, nl->portid,
				  talk_data, &t, ctl, MNL_ARRAY_SIZE(ctl));
	} while (ret > MNL_CB_STOP);

	if (ret < 0)
		return errno ? -errno : -EPROTO;
	return 0;
}

/* One CTRL_ATTR_MCAST_GROUPS entry: name and id. */
static int group_cb(const struct nlattr *grp, void *data)
{
	struct duet_nl *nl = data;
	struct duet_nl_group *g;
	const struct nlattr *attr;
	const char *name = NULL;
	__u32 id = 0;

	mnl_attr_for_each_nested(attr, grp) {
		switch (mnl_attr_get_type(attr)) {
		case CTRL_ATTR_MCAST_GRP_NAME:
			if (mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) < 0)
				return MNL_CB_ERROR;
			name = mnl_attr_get_str(attr);
			break;
		case CTRL_ATTR_MCAST_GRP_ID:
			if (mnl_attr_validate(attr, MNL_TYPE_U32) < 0)
				return MNL_CB_ERROR;
			id = mnl_attr_get_u32(attr);
			break;
		}
	}
	if (!name || !id || nl->nr_groups == DUET_NL_MAX_GROUPS)
		return MNL_CB_OK;
	g = &nl->groups[nl->nr_groups++];
	snprintf(g->name, sizeof(g->name), "%s", name);
	g->id = id;
	return MNL_CB_OK;
}

static int family_cb(const struct nlmsghdr *nlh, void *data)
{
	struct duet_nl *nl = data;
	const struct nlattr *attr;

	mnl_attr_for_each(attr, nlh, sizeof(struct genlmsghdr)) {
		switch (mnl_attr_get_type(attr)) {
		case CTRL_ATTR_MCAST_GROUPS:
			if (mnl_attr_parse_nested(attr, group_cb, nl) < 0)
				return MNL_CB_ERROR;
			break;
		case CTRL_ATTR_FAMILY_ID:
			if (mnl_attr_validate(attr, MNL_TYPE_U16) < 0)
				return MNL_CB_ERROR;
			nl->family = mnl_attr_get_u16(attr);
			break;
		case CTRL_ATTR_VERSION:
			if (mnl_attr_validate(attr, MNL_TYPE_U32) < 0)
				return MNL_CB_ERROR;
			nl->version = mnl_attr_get_u32(attr);
			break;
		}
	}
	return MNL_CB_OK;
}

int duet_nl_open(struct duet_nl *nl, const char *family)
{
	struct nlmsghdr *nlh;
	int one = 1;
	int err;

	nl->errmsg[0] = '\0';
	nl->sk = mnl_socket_open(NETLINK_GENERIC);
	if (!nl->sk)
		return -errno;

	/*
	 * Best effort: without extended ACK errors lose their message, and
	 * without the cap every error echoes the whole request.
	 */
	mnl_socket_setsockopt(nl->sk, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(nl->sk, NETLINK_CAP_ACK, &one, sizeof(one));

	if (mnl_socket_bind(nl->sk, 0, MNL_SOCKET_AUTOPID) < 0) {
		err = -errno;
		goto err_close;
	}
	nl->portid = mnl_socket_get_portid(nl->sk);
	nl->seq = time(NULL);

	nl->family = GENL_ID_CTRL;
	nl->version = 1;
	nlh = duet_nl_request(nl, CTRL_CMD_GETFAMILY, NLM_F_ACK);
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, family);

	nl->family = 0;
	nl->nr_groups = 0;
	err = duet_nl_talk(nl, nlh, family_cb, nl);
	if (!err && !nl->family)
		err = -EPROTO;
	if (err)
		goto err_close;
	return 0;

err_close:
	mnl_socket_close(nl->sk);
	nl->sk = NULL;
	return err;
}

void duet_nl_close(struct duet_nl *nl)
{
	if (nl->sk)
		mnl_socket_close(nl->sk);
	nl->sk = NULL;
}

int duet_nl_join(struct duet_nl *nl, const char *name)
{
	unsigned int i;

	for (i = 0; i < nl->nr_groups; i++) {
		if (strcmp(nl->groups[i].name, name))
			continue;
		if (mnl_socket_setsockopt(nl->sk, NETLINK_ADD_MEMBERSHIP,
					  &nl->groups[i].id,
					  sizeof(nl->groups[i].id)) < 0)
			return -errno;
		return 0;
	}
	return -ENOENT;
}

int duet_nl_listen(struct duet_nl *nl, const sigset_t *sigs, mnl_cb_t cb,
		   void *data)
{
	struct pollfd pfd = { .fd = mnl_socket_get_fd(nl->sk), .events = POLLIN };
	bool overrun_said = false;
	sigset_t wait_mask;
	ssize_t len;
	int sig;

	/* While waiting: the caller's mask without @sigs. */
	sigprocmask(SIG_SETMASK, NULL, &wait_mask);
	for (sig = 1; sig < NSIG; sig++)
		if (sigismember(sigs, sig))
			sigdelset(&wait_mask, sig);

	for (;;) {
		if (ppoll(&pfd, 1, NULL, &wait_mask) < 0) {
			if (errno == EINTR)
				return 0;
			return -errno;
		}
		len = recv(pfd.fd, nl->rx, sizeof(nl->rx), MSG_DONTWAIT);
		if (len < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			if (errno == ENOBUFS) {
				if (!overrun_said)
					fputs("Warning: events lost (receive buffer overrun).\n",
					      stderr);
				overrun_said = true;
				continue;
			}
			return -errno;
		}
		/* Multicasts have sequence number and port id 0. */
		errno = 0;
		if (mnl_cb_run(nl->rx, len, 0, 0, cb, data) < 0)
			return errno ? -errno : -EPROTO;
	}
}
