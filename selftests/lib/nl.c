// SPDX-License-Identifier: GPL-2.0
/*
 * duet selftests: a raw generic netlink client.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "nl.h"

#define NL_TIMEOUT_SEC	10

int _nl_open(struct nl_sock *nl)
{
	struct sockaddr_nl addr = { .nl_family = AF_NETLINK };
	struct timeval tv = { .tv_sec = NL_TIMEOUT_SEC };
	socklen_t addrlen = sizeof(addr);
	int one = 1;
	int r;

	memset(nl, 0, sizeof(*nl));
	nl->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (nl->fd < 0)
		return -errno;

	/*
	 * Extended ACKs carry the extack message; capped ACKs keep the
	 * request out of the error so that the TLVs follow right away.
	 * A receive timeout turns a missing answer into -EAGAIN, not a hang.
	 */
	if (setsockopt(nl->fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one)) ||
	    setsockopt(nl->fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one)) ||
	    setsockopt(nl->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) ||
	    bind(nl->fd, (struct sockaddr *)&addr, sizeof(addr)) ||
	    getsockname(nl->fd, (struct sockaddr *)&addr, &addrlen))
		goto err_close;

	nl->portid = addr.nl_pid;
	nl->seq = getpid() << 16;
	return 0;

err_close:
	r = -errno;
	close(nl->fd);
	nl->fd = -1;
	return r;
}

void nl_close(struct nl_sock *nl)
{
	if (nl->fd >= 0)
		close(nl->fd);
	nl->fd = -1;
}

void nl_msg_init(struct nl_msg *msg, __u16 family, __u8 cmd, __u8 version)
{
	struct genlmsghdr *genl;

	memset(msg, 0, sizeof(*msg));
	msg->nlh.nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN);
	msg->nlh.nlmsg_type = family;
	msg->nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;

	genl = NLMSG_DATA(&msg->nlh);
	genl->cmd = cmd;
	genl->version = version;
}

int nl_put(struct nl_msg *msg, __u16 type, const void *data, __u16 len)
{
	unsigned int off = NLMSG_ALIGN(msg->nlh.nlmsg_len);
	struct nlattr *nla;

	if (off + NLA_ALIGN(NLA_HDRLEN + len) > sizeof(msg->buf))
		return -EMSGSIZE;

	nla = (struct nlattr *)(msg->buf + off);
	nla->nla_type = type;
	nla->nla_len = NLA_HDRLEN + len;
	memcpy((char *)nla + NLA_HDRLEN, data, len);
	memset((char *)nla + NLA_HDRLEN + len, 0,
	       NLA_ALIGN(nla->nla_len) - nla->nla_len);
	msg->nlh.nlmsg_len = off + NLA_ALIGN(nla->nla_len);
	return off;
}

int nl_put_u8(struct nl_msg *msg, __u16 type, __u8 value)
{
	return nl_put(msg, type, &value, sizeof(value));
}

int nl_put_u16(struct nl_msg *msg, __u16 type, __u16 value)
{
	return nl_put(msg, type, &value, sizeof(value));
}

int nl_put_u32(struct nl_msg *msg, __u16 type, __u32 value)
{
	return nl_put(msg, type, &value, sizeof(value));
}

int nl_put_str(struct nl_msg *msg, __u16 type, const char *s)
{
	return nl_put(msg, type, s, strlen(s) + 1);
}

int nl_parse(const struct nlattr *attrs, size_t len,
	     const struct nlattr **tb, unsigned int maxtype)
{
	const char *p = (const char *)attrs, *end = p + len;
	int r = 0;

	memset(tb, 0, sizeof(*tb) * (maxtype + 1));

	while (p + NLA_HDRLEN <= end) {
		const struct nlattr *nla = (const struct nlattr *)p;
		unsigned int type = nla->nla_type & NLA_TYPE_MASK;

		if (nla->nla_len < NLA_HDRLEN || p + nla->nla_len > end)
			return -EINVAL;
		p += NLA_ALIGN(nla->nla_len);
		if (type == 0 || type > maxtype) {
			r = -ERANGE;
			continue;
		}
		if (tb[type])
			return -EEXIST;
		tb[type] = nla;
	}
	/* Trailing bytes that cannot hold an attribute. */
	if (p < end)
		return -EINVAL;
	return r;
}

const struct nlattr *nl_genl_attrs(const struct nlmsghdr *nlh, size_t *len)
{
	size_t hdr = NLMSG_LENGTH(GENL_HDRLEN);

	if (nlh->nlmsg_len < hdr) {
		*len = 0;
		return NULL;
	}
	*len = nlh->nlmsg_len - hdr;
	return (const struct nlattr *)((const char *)nlh + hdr);
}

int nla_get_uint(const struct nlattr *nla, unsigned long long *value)
{
	const void *p = nla_payload(nla);

	switch (nla_payload_len(nla)) {
	case 1:
		*value = *(const __u8 *)p;
		return 0;
	case 2:
		*value = *(const __u16 *)p;
		return 0;
	case 4:
		*value = *(const __u32 *)p;
		return 0;
	case 8:
		memcpy(value, p, 8);
		return 0;
	default:
		return -EINVAL;
	}
}

/* Take error, extack message and offset out of an NLMSG_ERROR. */
static int nl_parse_error(const struct nlmsghdr *nlh, struct nl_reply *rep)
{
	const struct nlmsgerr *err = NLMSG_DATA(nlh);
	const struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	size_t off, len = nlh->nlmsg_len;

	if (len < NLMSG_LENGTH(sizeof(*err)))
		return -EBADMSG;
	rep->error = err->error;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return 0;

	/* The TLVs follow the error and, unless capped, the request. */
	off = NLMSG_LENGTH(sizeof(*err));
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += NLMSG_ALIGN(err->msg.nlmsg_len - NLMSG_HDRLEN);
	if (off > len)
		return -EBADMSG;

	/* Types the kernel adds later are fine: ignore -ERANGE. */
	if (nl_parse((const struct nlattr *)((const char *)nlh + off), len - off,
		     tb, NLMSGERR_ATTR_MAX) == -EINVAL)
		return -EBADMSG;

	if (tb[NLMSGERR_ATTR_MSG]) {
		size_t n = nla_payload_len(tb[NLMSGERR_ATTR_MSG]);

		if (n >= sizeof(rep->extack))
			n = sizeof(rep->extack) - 1;
		memcpy(rep->extack, nla_payload(tb[NLMSGERR_ATTR_MSG]), n);
		rep->extack[n] = '\0';
	}
	if (tb[NLMSGERR_ATTR_OFFS] &&
	    nla_payload_len(tb[NLMSGERR_ATTR_OFFS]) == sizeof(__u32)) {
		rep->has_offs = true;
		rep->offs = *(const __u32 *)nla_payload(tb[NLMSGERR_ATTR_OFFS]);
	}
	return 0;
}

int _nl_request(struct nl_sock *nl, struct nl_msg *req, struct nl_reply *rep)
{
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	__u32 seq = ++nl->seq;
	ssize_t n;
	int r;

	memset(rep, 0, offsetof(struct nl_reply, msg));
	req->nlh.nlmsg_seq = seq;
	req->nlh.nlmsg_pid = 0;

	do {
		n = sendto(nl->fd, req->buf, req->nlh.nlmsg_len, 0,
			   (struct sockaddr *)&kernel, sizeof(kernel));
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if ((size_t)n != req->nlh.nlmsg_len)
		return -EMSGSIZE;

	/* Replies come first, then the ACK or error ends the request. */
	for (;;) {
		struct nlmsghdr *nlh;
		size_t len;

		n = recv(nl->fd, nl->rx, sizeof(nl->rx), MSG_TRUNC);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if ((size_t)n > sizeof(nl->rx))
			return -EMSGSIZE;

		len = n;
		for (nlh = (struct nlmsghdr *)nl->rx; NLMSG_OK(nlh, len);
		     nlh = NLMSG_NEXT(nlh, len)) {
			if (nlh->nlmsg_seq != seq || nlh->nlmsg_pid != nl->portid)
				continue;	/* a stale answer */

			switch (nlh->nlmsg_type) {
			case NLMSG_ERROR:
				r = nl_parse_error(nlh, rep);
				return r ? r : rep->error;
			case NLMSG_DONE:
				return 0;
			case NLMSG_NOOP:
				continue;
			default:
				/* Keep the first reply: a do answers once. */
				if (rep->nlh)
					continue;
				memcpy(rep->msg.buf, nlh, nlh->nlmsg_len);
				rep->nlh = &rep->msg.hdr;
			}
		}
	}
}

/* Fill @fam from CTRL_ATTR_OPS / CTRL_ATTR_MCAST_GROUPS. */
static void nl_family_parse_ops(const struct nlattr *ops, struct nl_family *fam)
{
	const char *p = nla_payload(ops), *end = p + nla_payload_len(ops);

	while (p + NLA_HDRLEN <= end && fam->nr_ops < 32) {
		const struct nlattr *op = (const struct nlattr *)p;
		const struct nlattr *tb[CTRL_ATTR_OP_MAX + 1];

		if (op->nla_len < NLA_HDRLEN || p + op->nla_len > end)
			return;
		if (nl_parse(nla_payload(op), nla_payload_len(op), tb,
			     CTRL_ATTR_OP_MAX) != -EINVAL && tb[CTRL_ATTR_OP_ID]) {
			fam->ops[fam->nr_ops] =
				*(const __u32 *)nla_payload(tb[CTRL_ATTR_OP_ID]);
			if (tb[CTRL_ATTR_OP_FLAGS])
				fam->op_flags[fam->nr_ops] =
					*(const __u32 *)nla_payload(tb[CTRL_ATTR_OP_FLAGS]);
			fam->nr_ops++;
		}
		p += NLA_ALIGN(op->nla_len);
	}
}

static void nl_family_parse_groups(const struct nlattr *grps, struct nl_family *fam)
{
	const char *p = nla_payload(grps), *end = p + nla_payload_len(grps);

	while (p + NLA_HDRLEN <= end && fam->nr_groups < 8) {
		const struct nlattr *grp = (const struct nlattr *)p;
		const struct nlattr *tb[CTRL_ATTR_MCAST_GRP_MAX + 1];

		if (grp->nla_len < NLA_HDRLEN || p + grp->nla_len > end)
			return;
		if (nl_parse(nla_payload(grp), nla_payload_len(grp), tb,
			     CTRL_ATTR_MCAST_GRP_MAX) != -EINVAL &&
		    tb[CTRL_ATTR_MCAST_GRP_NAME] && tb[CTRL_ATTR_MCAST_GRP_ID]) {
			unsigned int i = fam->nr_groups++;

			snprintf(fam->group_names[i], sizeof(fam->group_names[i]),
				 "%.*s", (int)nla_payload_len(tb[CTRL_ATTR_MCAST_GRP_NAME]),
				 (const char *)nla_payload(tb[CTRL_ATTR_MCAST_GRP_NAME]));
			fam->group_ids[i] =
				*(const __u32 *)nla_payload(tb[CTRL_ATTR_MCAST_GRP_ID]);
		}
		p += NLA_ALIGN(grp->nla_len);
	}
}

int _nl_family_get(struct nl_sock *nl, const char *name, struct nl_family *fam)
{
	const struct nlattr *tb[CTRL_ATTR_MAX + 1];
	const struct nlattr *attrs;
	struct nl_reply *rep;
	struct nl_msg req;
	size_t len;
	int r;

	/* Big: keep it off the stack of callers that hold one already. */
	rep = malloc(sizeof(*rep));
	if (!rep)
		return -ENOMEM;

	memset(fam, 0, sizeof(*fam));
	nl_msg_init(&req, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 1);
	r = nl_put_str(&req, CTRL_ATTR_FAMILY_NAME, name);
	if (r < 0)
		goto out;

	r = _nl_request(nl, &req, rep);
	if (r)
		goto out;
	r = -EBADMSG;
	if (!rep->nlh || rep->nlh->nlmsg_type != GENL_ID_CTRL)
		goto out;

	attrs = nl_genl_attrs(rep->nlh, &len);
	if (nl_parse(attrs, len, tb, CTRL_ATTR_MAX) == -EINVAL ||
	    !tb[CTRL_ATTR_FAMILY_ID])
		goto out;

	fam->id = *(const __u16 *)nla_payload(tb[CTRL_ATTR_FAMILY_ID]);
	if (tb[CTRL_ATTR_VERSION])
		fam->version = *(const __u32 *)nla_payload(tb[CTRL_ATTR_VERSION]);
	if (tb[CTRL_ATTR_HDRSIZE])
		fam->hdrsize = *(const __u32 *)nla_payload(tb[CTRL_ATTR_HDRSIZE]);
	if (tb[CTRL_ATTR_MAXATTR])
		fam->maxattr = *(const __u32 *)nla_payload(tb[CTRL_ATTR_MAXATTR]);
	if (tb[CTRL_ATTR_OPS])
		nl_family_parse_ops(tb[CTRL_ATTR_OPS], fam);
	if (tb[CTRL_ATTR_MCAST_GROUPS])
		nl_family_parse_groups(tb[CTRL_ATTR_MCAST_GROUPS], fam);
	r = 0;
out:
	free(rep);
	return r;
}

int _nl_family_id(struct nl_sock *nl, const char *name, __u16 *id)
{
	struct nl_family fam;
	int r;

	r = _nl_family_get(nl, name, &fam);
	if (!r)
		*id = fam.id;
	return r;
}
