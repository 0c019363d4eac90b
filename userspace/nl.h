/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small generic netlink helper on libmnl: resolve a family, build a
 * request, send it and run the replies through a callback, with extended
 * ACK so that errors carry the kernel's message.
 */
#ifndef DUET_NL_H
#define DUET_NL_H

#include <signal.h>
#include <linux/types.h>
#include <libmnl/libmnl.h>

#define DUET_NL_REQ_SIZE	4096
/* The kernel sizes dump messages after the receive buffer; 32 KiB as libmnl's examples. */
#define DUET_NL_RX_SIZE		32768
#define DUET_NL_MAX_GROUPS	4

struct duet_nl_group {
	char name[32];
	__u32 id;
};

struct duet_nl {
	struct mnl_socket *sk;
	unsigned int portid;
	unsigned int seq;
	__u16 family;		/* resolved family id */
	__u8 version;		/* family version, for the genl header */
	unsigned int nr_groups;	/* multicast groups of the family */
	struct duet_nl_group groups[DUET_NL_MAX_GROUPS];
	char errmsg[256];		/* message for the last error, or "" */
	/* Words, not chars: netlink messages are 4-byte aligned. */
	__u32 req[DUET_NL_REQ_SIZE / sizeof(__u32)];
	__u32 rx[DUET_NL_RX_SIZE / sizeof(__u32)];
};

/*
 * Open a generic netlink socket and resolve @family.  Return 0 or -errno;
 * -ENOENT when the kernel has no such family (module not loaded).
 */
int duet_nl_open(struct duet_nl *nl, const char *family);
void duet_nl_close(struct duet_nl *nl);

/*
 * Start a request for @cmd of the family in nl->req.  @flags adds to
 * NLM_F_REQUEST: NLM_F_ACK for a do, NLM_F_DUMP for a dump.  Append
 * attributes with mnl_attr_put_*().
 */
struct nlmsghdr *duet_nl_request(struct duet_nl *nl, __u8 cmd,
				 __u16 flags);

/*
 * Send @nlh and pass each reply to @cb until the ACK (or the end of a
 * dump).  Return 0 or -errno; on an error from the kernel, nl->errmsg holds
 * its extack message when it sent one.
 */
int duet_nl_talk(struct duet_nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb,
		 void *data);

/* Join the family's multicast group @name: 0, -ENOENT, or -errno. */
int duet_nl_join(struct duet_nl *nl, const char *name);

/*
 * Pass each multicast message to @cb until @cb fails or a signal in
 * @sigs arrives (0 then).  @sigs must be blocked by the caller: they are
 * let in only while waiting, so that none is lost between two waits.
 * Return 0 or -errno; a receive buffer overrun (lost messages) is
 * reported once on stderr and does not end the loop.
 */
int duet_nl_listen(struct duet_nl *nl, const sigset_t *sigs, mnl_cb_t cb,
		   void *data);

#endif /* DUET_NL_H */
