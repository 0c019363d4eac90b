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
	if (tb[NLMSGERR_ATTR_MISS_TYPE] &&
	    nla_payload_len(tb[NLMSGERR_ATTR_MISS_TYPE]) == sizeof(__u32)) {
		rep->has_miss_type = true;
		rep->miss_type =
			*(const __u32 *)nla_payload(tb[NLMSGERR_ATTR_MISS_TYPE]);
	}
	return 0;
}

/* The error of an NLMSG_DONE (an int, then extack TLVs) into @d. */
static int nl_parse_done(const struct nlmsghdr *nlh, struct nl_dump *d)
{
	const struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	size_t off = NLMSG_LENGTH(sizeof(int));
	int error;

	/* An old kernel may send an empty NLMSG_DONE. */
	if (nlh->nlmsg_len < off)
		return 0;
	memcpy(&error, NLMSG_DATA(nlh), sizeof(error));
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return error;
	if (nl_parse((const struct nlattr *)((const char *)nlh + NLMSG_ALIGN(off)),
		     nlh->nlmsg_len - NLMSG_ALIGN(off), tb,
		     NLMSGERR_ATTR_MAX) == -EINVAL)
		return -EBADMSG;
	if (tb[NLMSGERR_ATTR_MSG])
		snprintf(d->extack, sizeof(d->extack), "%.*s",
			 (int)nla_payload_len(tb[NLMSGERR_ATTR_MSG]),
			 (const char *)nla_payload(tb[NLMSGERR_ATTR_MSG]));
	return error;
}

int _nl_dump(struct nl_sock *nl, struct nl_msg *req, struct nl_dump *d)
{
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	size_t rx_size = d->rx_size ? d->rx_size : sizeof(nl->rx);
	__u32 seq = ++nl->seq;
	int cb_ret = 0;
	ssize_t n;

	d->nr_msgs = 0;
	d->nr_datagrams = 0;
	d->extack[0] = '\0';
	if (rx_size > sizeof(nl->rx))
		return -EINVAL;

	req->nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
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

	for (;;) {
		struct nlmsghdr *nlh;
		bool counted = false;
		size_t len;

		n = recv(nl->fd, nl->rx, rx_size, MSG_TRUNC);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		/* A datagram larger than the buffer: the kernel ignored it. */
		if ((size_t)n > rx_size)
			return -EMSGSIZE;

		len = n;
		for (nlh = (struct nlmsghdr *)nl->rx; NLMSG_OK(nlh, len);
		     nlh = NLMSG_NEXT(nlh, len)) {
			struct nl_reply *rep;
			int r;

			if (nlh->nlmsg_seq != seq || nlh->nlmsg_pid != nl->portid)
				continue;
			switch (nlh->nlmsg_type) {
			case NLMSG_DONE:
				r = nl_parse_done(nlh, d);
				return r ? r : cb_ret;
			case NLMSG_ERROR:
				/* Refused before the dump started. */
				rep = calloc(1, sizeof(*rep));
				if (!rep)
					return -ENOMEM;
				r = nl_parse_error(nlh, rep);
				if (!r)
					r = rep->error;
				snprintf(d->extack, sizeof(d->extack), "%s",
					 rep->extack);
				free(rep);
				/* An error of 0 would be an ACK: none was asked. */
				return r ? r : -EPROTO;
			case NLMSG_NOOP:
				continue;
			}
			d->nr_msgs++;
			if (!counted)
				d->nr_datagrams++;
			counted = true;
			if (d->cb && !cb_ret)
				cb_ret = d->cb(nlh, d->arg);
		}
	}
}

int _nl_join_group(struct nl_sock *nl, __u32 group)
{
	if (setsockopt(nl->fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &group,
		       sizeof(group)))
		return -errno;
	return 0;
}

int _nl_recv_ntf(struct nl_sock *nl, void *buf, size_t size)
{
	for (;;) {
		struct nlmsghdr *nlh;
		ssize_t n;
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
			/* Multicasts come from the kernel with seq 0. */
			if (nlh->nlmsg_seq || nlh->nlmsg_pid ||
			    nlh->nlmsg_type < NLMSG_MIN_TYPE)
				continue;
			if (nlh->nlmsg_len > size)
				return -EMSGSIZE;
			memcpy(buf, nlh, nlh->nlmsg_len);
			return 0;
		}
	}
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

__u32 nl_family_group(const struct nl_family *fam, const char *name)
{
	unsigned int i;

	for (i = 0; i < fam->nr_groups; i++)
		if (!strcmp(fam->group_names[i], name))
			return fam->group_ids[i];
	return 0;
}

/* An attribute of exactly @len bytes, or -EBADMSG. */
static int nla_get_exact(const struct nlattr *nla, void *out, size_t len)
{
	if (nla_payload_len(nla) != len)
		return -EBADMSG;
	memcpy(out, nla_payload(nla), len);
	return 0;
}

#define NL_MAX_COUNTERS	63

/* A nest of u64 counters into @stats[1..@max]; pad attributes skipped. */
static int nl_parse_counters(const struct nlattr *nest, unsigned int max,
			     unsigned int pad, __u64 *stats,
			     unsigned int *nr_stats)
{
	const struct nlattr *tb[NL_MAX_COUNTERS + 1];
	unsigned int i;
	int r;

	if (max > NL_MAX_COUNTERS)
		return -EINVAL;
	r = nl_parse(nla_payload(nest), nla_payload_len(nest), tb, max);
	if (r && r != -ERANGE)
		return -EBADMSG;
	*nr_stats = 0;
	for (i = 1; i <= max; i++) {
		if (!tb[i] || i == pad)
			continue;
		if (nla_get_exact(tb[i], &stats[i], sizeof(__u64)))
			return -EBADMSG;
		(*nr_stats)++;
	}
	return 0;
}

int nl_vm_parse(const struct nlmsghdr *nlh, struct nl_vm *vm)
{
	const struct nlattr *tb[DUET_A_VM_MAX + 1];
	const struct nlattr *attrs;
	size_t len;
	int r;

	memset(vm, 0, sizeof(*vm));
	attrs = nl_genl_attrs(nlh, &len);
	r = nl_parse(attrs, len, tb, DUET_A_VM_MAX);
	if ((r && r != -ERANGE) || !tb[DUET_A_VM_ID])
		return -EBADMSG;

	r = nla_get_exact(tb[DUET_A_VM_ID], &vm->id, sizeof(vm->id));
	if (!r && tb[DUET_A_VM_PID])
		r = nla_get_exact(tb[DUET_A_VM_PID], &vm->pid, sizeof(vm->pid));
	if (!r && tb[DUET_A_VM_NR_VCPUS])
		r = nla_get_exact(tb[DUET_A_VM_NR_VCPUS], &vm->nr_vcpus,
				  sizeof(vm->nr_vcpus));
	if (!r && tb[DUET_A_VM_NR_MEMSLOTS])
		r = nla_get_exact(tb[DUET_A_VM_NR_MEMSLOTS], &vm->nr_memslots,
				  sizeof(vm->nr_memslots));
	if (!r && tb[DUET_A_VM_MEMORY_SIZE])
		r = nla_get_exact(tb[DUET_A_VM_MEMORY_SIZE], &vm->memory_size,
				  sizeof(vm->memory_size));
	if (!r && tb[DUET_A_VM_FLAGS])
		r = nla_get_exact(tb[DUET_A_VM_FLAGS], &vm->flags,
				  sizeof(vm->flags));
	if (!r && tb[DUET_A_VM_DEAD])
		r = nla_get_exact(tb[DUET_A_VM_DEAD], &vm->dead, sizeof(vm->dead));
	if (!r && tb[DUET_A_VM_CREATE_TIME])
		r = nla_get_exact(tb[DUET_A_VM_CREATE_TIME], &vm->create_time,
				  sizeof(vm->create_time));
	if (!r && tb[DUET_A_VM_MAX_STALL_US])
		r = nla_get_exact(tb[DUET_A_VM_MAX_STALL_US], &vm->max_stall_us,
				  sizeof(vm->max_stall_us));
	if (!r && tb[DUET_A_VM_STATS]) {
		vm->has_stats = true;
		r = nl_parse_counters(tb[DUET_A_VM_STATS], DUET_A_VM_STATS_MAX,
				      DUET_A_VM_STATS_PAD, vm->stats,
				      &vm->nr_stats);
	}
	return r ? -EBADMSG : 0;
}

int nl_vcpu_parse(const struct nlmsghdr *nlh, struct nl_vcpu *vcpu)
{
	const struct nlattr *tb[DUET_A_VCPU_MAX + 1];
	const struct nlattr *attrs;
	size_t len;
	int r;

	memset(vcpu, 0, sizeof(*vcpu));
	attrs = nl_genl_attrs(nlh, &len);
	r = nl_parse(attrs, len, tb, DUET_A_VCPU_MAX);
	if ((r && r != -ERANGE) || !tb[DUET_A_VCPU_VM_ID] || !tb[DUET_A_VCPU_ID])
		return -EBADMSG;

	r = nla_get_exact(tb[DUET_A_VCPU_VM_ID], &vcpu->vm_id,
			  sizeof(vcpu->vm_id));
	if (!r)
		r = nla_get_exact(tb[DUET_A_VCPU_ID], &vcpu->id, sizeof(vcpu->id));
	if (!r && tb[DUET_A_VCPU_LAST_CPU]) {
		vcpu->has_last_cpu = true;
		r = nla_get_exact(tb[DUET_A_VCPU_LAST_CPU], &vcpu->last_cpu,
				  sizeof(vcpu->last_cpu));
	}
	if (!r && tb[DUET_A_VCPU_IN_GUEST])
		r = nla_get_exact(tb[DUET_A_VCPU_IN_GUEST], &vcpu->in_guest,
				  sizeof(vcpu->in_guest));
	if (!r && tb[DUET_A_VCPU_STATS]) {
		vcpu->has_stats = true;
		r = nl_parse_counters(tb[DUET_A_VCPU_STATS], DUET_A_VCPU_STATS_MAX,
				      DUET_A_VCPU_STATS_PAD, vcpu->stats,
				      &vcpu->nr_stats);
	}
	return r ? -EBADMSG : 0;
}

int _nl_vm_get(struct nl_sock *nl, __u16 family, __u32 id, struct nl_vm *vm,
	       struct nl_reply *rep)
{
	struct nl_msg req;
	int r;

	nl_msg_init(&req, family, DUET_CMD_VM_GET, DUET_FAMILY_VERSION);
	nl_put_u32(&req, DUET_A_VM_ID, id);
	r = _nl_request(nl, &req, rep);
	if (r)
		return r;
	if (!rep->nlh)
		return -ENODATA;
	return nl_vm_parse(rep->nlh, vm);
}

int _nl_vm_set_max_stall(struct nl_sock *nl, __u16 family, __u32 id,
			 __u32 us, struct nl_reply *rep)
{
	struct nl_msg req;

	nl_msg_init(&req, family, DUET_CMD_VM_SET, DUET_FAMILY_VERSION);
	nl_put_u32(&req, DUET_A_VM_ID, id);
	nl_put_u32(&req, DUET_A_VM_MAX_STALL_US, us);
	return _nl_request(nl, &req, rep);
}

int _nl_vm_stall(struct nl_sock *nl, __u16 family, __u32 id, __u32 us,
		 struct nl_reply *rep)
{
	struct nl_msg req;

	nl_msg_init(&req, family, DUET_CMD_VM_STALL, DUET_FAMILY_VERSION);
	nl_put_u32(&req, DUET_A_VM_ID, id);
	nl_put_u32(&req, DUET_A_VM_STALL_US, us);
	return _nl_request(nl, &req, rep);
}

int _nl_vcpu_get(struct nl_sock *nl, __u16 family, __u32 vm_id, __u32 id,
		 struct nl_vcpu *vcpu, struct nl_reply *rep)
{
	struct nl_msg req;
	int r;

	nl_msg_init(&req, family, DUET_CMD_VCPU_GET, DUET_FAMILY_VERSION);
	nl_put_u32(&req, DUET_A_VCPU_VM_ID, vm_id);
	nl_put_u32(&req, DUET_A_VCPU_ID, id);
	r = _nl_request(nl, &req, rep);
	if (r)
		return r;
	if (!rep->nlh)
		return -ENODATA;
	return nl_vcpu_parse(rep->nlh, vcpu);
}

/* Where a dump's entries go. */
struct nl_collect {
	void *entries;
	size_t entry_size;
	unsigned int max, n;
	int (*parse)(const struct nlmsghdr *nlh, void *entry);
	__u8 cmd;
	__u16 family;
};

static int nl_collect_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct nl_collect *c = arg;
	const struct genlmsghdr *genl = NLMSG_DATA(nlh);
	char scratch[sizeof(struct nl_vcpu) > sizeof(struct nl_vm) ?
		     sizeof(struct nl_vcpu) : sizeof(struct nl_vm)];
	void *entry = scratch;

	if (nlh->nlmsg_type != c->family ||
	    nlh->nlmsg_len < NLMSG_LENGTH(GENL_HDRLEN) || genl->cmd != c->cmd)
		return -EBADMSG;
	if (c->n < c->max)
		entry = (char *)c->entries + c->n * c->entry_size;
	c->n++;
	return c->parse(nlh, entry);
}

static int nl_vm_parse_void(const struct nlmsghdr *nlh, void *entry)
{
	return nl_vm_parse(nlh, entry);
}

static int nl_vcpu_parse_void(const struct nlmsghdr *nlh, void *entry)
{
	return nl_vcpu_parse(nlh, entry);
}

static int nl_collect(struct nl_sock *nl, struct nl_msg *req,
		      struct nl_collect *c, unsigned int *n, struct nl_dump *d)
{
	struct nl_dump local = {};
	int r;

	if (!d)
		d = &local;
	d->cb = nl_collect_cb;
	d->arg = c;
	r = _nl_dump(nl, req, d);
	*n = c->n;
	return r;
}

int _nl_vm_dump(struct nl_sock *nl, __u16 family, struct nl_vm *vms,
		unsigned int max, unsigned int *n, struct nl_dump *d)
{
	struct nl_collect c = {
		.entries = vms, .entry_size = sizeof(*vms), .max = max,
		.parse = nl_vm_parse_void, .cmd = DUET_CMD_VM_GET,
		.family = family,
	};
	struct nl_msg req;

	nl_msg_init(&req, family, DUET_CMD_VM_GET, DUET_FAMILY_VERSION);
	return nl_collect(nl, &req, &c, n, d);
}

int _nl_vcpu_dump(struct nl_sock *nl, __u16 family, long long vm_id,
		  struct nl_vcpu *vcpus, unsigned int max, unsigned int *n,
		  struct nl_dump *d)
{
	struct nl_collect c = {
		.entries = vcpus, .entry_size = sizeof(*vcpus), .max = max,
		.parse = nl_vcpu_parse_void, .cmd = DUET_CMD_VCPU_GET,
		.family = family,
	};
	struct nl_msg req;

	nl_msg_init(&req, family, DUET_CMD_VCPU_GET, DUET_FAMILY_VERSION);
	if (vm_id >= 0)
		nl_put_u32(&req, DUET_A_VCPU_VM_ID, vm_id);
	return nl_collect(nl, &req, &c, n, d);
}

static int nl_mem_fault_parse(const struct nlattr *nest, struct nl_mem_fault *f)
{
	const struct nlattr *tb[DUET_A_MEM_FAULT_MAX + 1];
	int r;

	r = nl_parse(nla_payload(nest), nla_payload_len(nest), tb,
		     DUET_A_MEM_FAULT_MAX);
	if (r && r != -ERANGE)
		return -EBADMSG;
	if (!tb[DUET_A_MEM_FAULT_KIND] ||
	    nla_get_exact(tb[DUET_A_MEM_FAULT_KIND], &f->kind, 4) ||
	    (tb[DUET_A_MEM_FAULT_ERRNO] &&
	     nla_get_exact(tb[DUET_A_MEM_FAULT_ERRNO], &f->err, 4)) ||
	    (tb[DUET_A_MEM_FAULT_ADDR] &&
	     nla_get_exact(tb[DUET_A_MEM_FAULT_ADDR], &f->addr, 8)) ||
	    (tb[DUET_A_MEM_FAULT_GPA] &&
	     nla_get_exact(tb[DUET_A_MEM_FAULT_GPA], &f->gpa, 8)) ||
	    (tb[DUET_A_MEM_FAULT_ERROR_CODE] &&
	     nla_get_exact(tb[DUET_A_MEM_FAULT_ERROR_CODE], &f->error_code, 4)))
		return -EBADMSG;
	f->present = true;
	return 0;
}

int _nl_mem_read(struct nl_sock *nl, __u16 family, __u32 vm_id,
		 long long vcpu, bool gva, __u64 addr, __u32 len,
		 struct nl_mem_read *out, struct nl_reply *rep)
{
	const struct nlattr *tb[DUET_A_MEM_MAX + 1];
	const struct nlattr *attrs;
	struct nl_msg req;
	size_t alen;
	int r;

	memset(out, 0, sizeof(*out));
	nl_msg_init(&req, family, DUET_CMD_MEM_READ, DUET_FAMILY_VERSION);
	nl_put_u32(&req, DUET_A_MEM_VM_ID, vm_id);
	if (vcpu >= 0)
		nl_put_u32(&req, DUET_A_MEM_VCPU_ID, vcpu);
	nl_put(&req, gva ? DUET_A_MEM_GVA : DUET_A_MEM_GPA, &addr, sizeof(addr));
	nl_put_u32(&req, DUET_A_MEM_LEN, len);
	r = _nl_request(nl, &req, rep);
	if (r)
		return r;
	if (!rep->nlh)
		return -ENODATA;
	attrs = nl_genl_attrs(rep->nlh, &alen);
	r = nl_parse(attrs, alen, tb, DUET_A_MEM_MAX);
	if (r && r != -ERANGE)
		return -EBADMSG;
	if (!tb[DUET_A_MEM_DONE] || !tb[DUET_A_MEM_DATA] ||
	    nla_get_exact(tb[DUET_A_MEM_DONE], &out->done, 4) ||
	    out->done > len || out->done > sizeof(out->data) ||
	    nla_payload_len(tb[DUET_A_MEM_DATA]) != out->done)
		return -EBADMSG;
	memcpy(out->data, nla_payload(tb[DUET_A_MEM_DATA]), out->done);
	if (tb[DUET_A_MEM_FAULT])
		return nl_mem_fault_parse(tb[DUET_A_MEM_FAULT], &out->fault);
	return 0;
}

int _nl_vcpu_translate(struct nl_sock *nl, __u16 family, __u32 vm_id,
		       __u32 vcpu, __u64 gva, long long access,
		       struct nl_walk *w, struct nl_reply *rep)
{
	const struct nlattr *tb[DUET_A_MEM_MAX + 1];
	const struct nlattr *etb[DUET_A_MEM_ENTRY_MAX + 1];
	const struct nlattr *attrs, *a;
	struct nl_msg req;
	size_t alen, off;
	int r;

	memset(w, 0, sizeof(*w));
	nl_msg_init(&req, family, DUET_CMD_VCPU_TRANSLATE, DUET_FAMILY_VERSION);
	nl_put_u32(&req, DUET_A_MEM_VM_ID, vm_id);
	nl_put_u32(&req, DUET_A_MEM_VCPU_ID, vcpu);
	nl_put(&req, DUET_A_MEM_GVA, &gva, sizeof(gva));
	if (access >= 0)
		nl_put_u32(&req, DUET_A_MEM_ACCESS, access);
	r = _nl_request(nl, &req, rep);
	if (r)
		return r;
	if (!rep->nlh)
		return -ENODATA;
	attrs = nl_genl_attrs(rep->nlh, &alen);

	/* entry is a multi-attr: index the others by hand, once each. */
	memset(tb, 0, sizeof(tb));
	for (off = 0; off + NLA_HDRLEN <= alen; off += NLA_ALIGN(a->nla_len)) {
		unsigned int type;

		a = (const struct nlattr *)((const char *)attrs + off);
		if (a->nla_len < NLA_HDRLEN || off + a->nla_len > alen)
			return -EBADMSG;
		type = a->nla_type & NLA_TYPE_MASK;
		if (type != DUET_A_MEM_ENTRY) {
			if (type > DUET_A_MEM_MAX)
				continue;
			if (tb[type])
				return -EBADMSG;
			tb[type] = a;
			continue;
		}
		if (w->nr >= 5)
			return -EBADMSG;
		r = nl_parse(nla_payload(a), nla_payload_len(a), etb,
			     DUET_A_MEM_ENTRY_MAX);
		if ((r && r != -ERANGE) || !etb[DUET_A_MEM_ENTRY_LEVEL] ||
		    !etb[DUET_A_MEM_ENTRY_GPA] || !etb[DUET_A_MEM_ENTRY_VALUE] ||
		    nla_get_exact(etb[DUET_A_MEM_ENTRY_LEVEL],
				  &w->entry_level[w->nr], 4) ||
		    nla_get_exact(etb[DUET_A_MEM_ENTRY_GPA],
				  &w->entry_gpa[w->nr], 8) ||
		    nla_get_exact(etb[DUET_A_MEM_ENTRY_VALUE],
				  &w->entry[w->nr], 8))
			return -EBADMSG;
		w->nr++;
	}
	if (tb[DUET_A_MEM_GPA]) {
		w->has_gpa = true;
		if (nla_get_exact(tb[DUET_A_MEM_GPA], &w->gpa, 8) ||
		    !tb[DUET_A_MEM_LEVEL] ||
		    nla_get_exact(tb[DUET_A_MEM_LEVEL], &w->level, 4))
			return -EBADMSG;
	}
	if (tb[DUET_A_MEM_FAULT])
		return nl_mem_fault_parse(tb[DUET_A_MEM_FAULT], &w->fault);
	return 0;
}
