/* SPDX-License-Identifier: GPL-2.0 */
/*
 * duet selftests: a raw generic netlink client, without libmnl, so that the
 * tests see exactly what the kernel sends (extack messages and offsets
 * included) and can send what a well-behaved library never would.
 *
 *	struct nl_sock nl;
 *	struct nl_msg req;
 *	struct nl_reply rep;
 *	__u16 id;
 *
 *	_nl_open(&nl);
 *	_nl_family_id(&nl, "duet", &id);
 *	nl_msg_init(&req, id, DUET_CMD_CAPS_GET, 1);
 *	nl_put_u32(&req, DUET_A_CAPS_CAP, DUET_CAP_NR_CPUS);
 *	r = _nl_request(&nl, &req, &rep);
 *	// r == 0: rep.nlh is the reply; r < 0: rep.extack says why
 */
#ifndef DUET_SELFTEST_NL_H
#define DUET_SELFTEST_NL_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/duet_netlink.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

#define NL_MSG_SIZE	4096
#define NL_RX_SIZE	32768

struct nl_sock {
	int fd;
	__u32 portid;
	__u32 seq;
	/* Aligned for struct nlmsghdr. */
	union {
		struct nlmsghdr hdr;
		char rx[NL_RX_SIZE];
	};
};

/* A request under construction: nlmsghdr, genlmsghdr, attributes. */
struct nl_msg {
	union {
		struct nlmsghdr nlh;
		char buf[NL_MSG_SIZE];
	};
};

/* The outcome of one request. */
struct nl_reply {
	/* 0, or the -errno of the NLMSG_ERROR that answered the request. */
	int error;
	/* The first reply message (a copy), or NULL. */
	struct nlmsghdr *nlh;
	/* NLMSGERR_ATTR_MSG, "" when the kernel gave none. */
	char extack[256];
	/* NLMSGERR_ATTR_OFFS: offset of the offending attribute. */
	bool has_offs;
	__u32 offs;
	/* NLMSGERR_ATTR_MISS_TYPE: a required attribute that is missing. */
	bool has_miss_type;
	__u32 miss_type;
	union {
		struct nlmsghdr hdr;
		char buf[NL_RX_SIZE];
	} msg;
};

/* Open a NETLINK_GENERIC socket with extended ACKs; 0 or -errno. */
int _nl_open(struct nl_sock *nl);
void nl_close(struct nl_sock *nl);

/* Start a generic netlink request (NLM_F_REQUEST | NLM_F_ACK). */
void nl_msg_init(struct nl_msg *msg, __u16 family, __u8 cmd, __u8 version);

/*
 * Append an attribute; return its offset from the start of the message
 * (what NLMSGERR_ATTR_OFFS reports for it) or -EMSGSIZE.
 */
int nl_put(struct nl_msg *msg, __u16 type, const void *data, __u16 len);
int nl_put_u8(struct nl_msg *msg, __u16 type, __u8 value);
int nl_put_u16(struct nl_msg *msg, __u16 type, __u16 value);
int nl_put_u32(struct nl_msg *msg, __u16 type, __u32 value);
int nl_put_str(struct nl_msg *msg, __u16 type, const char *s);

/*
 * Send @req and wait for its answer; return 0 with the reply (if any) in
 * @rep->nlh, or the kernel's -errno with @rep->extack filled, or -errno of
 * a failed socket call.
 */
int _nl_request(struct nl_sock *nl, struct nl_msg *req, struct nl_reply *rep);

/*
 * A dump: @req goes out with NLM_F_DUMP instead of NLM_F_ACK, and every
 * message of the answer goes to @cb (when set) until NLMSG_DONE.
 */
struct nl_dump {
	/*
	 * In: called for each message; a non-zero return ends _nl_dump()
	 * with it once the dump is drained.
	 */
	int (*cb)(const struct nlmsghdr *nlh, void *arg);
	void *arg;
	/* In: recv() buffer size, at most NL_RX_SIZE; 0 means NL_RX_SIZE. */
	size_t rx_size;
	/* Out: messages, and the datagrams (kernel skbs) that carried them. */
	unsigned int nr_msgs;
	unsigned int nr_datagrams;
	/* Out: extack message of a failed dump, "" when none. */
	char extack[256];
};

/*
 * Send the dump request @req and read the whole answer; return 0, the
 * kernel's -errno (from NLMSG_DONE or NLMSG_ERROR, message in
 * @d->extack), @cb's non-zero return, or -errno of a socket call.
 *
 * The kernel sizes dump skbs after the largest recv() buffer the socket
 * has seen: a small @d->rx_size on a fresh socket gives small skbs.
 */
int _nl_dump(struct nl_sock *nl, struct nl_msg *req, struct nl_dump *d);

/* Join multicast group @group (an id from struct nl_family); 0 or -errno. */
int _nl_join_group(struct nl_sock *nl, __u32 group);

/*
 * Wait (up to the socket's receive timeout) for the next multicast
 * message, skipping answers to requests; copy it into @buf; return 0,
 * -EAGAIN on timeout, -EMSGSIZE when it does not fit, or -errno.
 */
int _nl_recv_ntf(struct nl_sock *nl, void *buf, size_t size);

/* The attributes after the genlmsghdr of @nlh, and their length. */
const struct nlattr *nl_genl_attrs(const struct nlmsghdr *nlh, size_t *len);

/*
 * Index the attributes in [@attrs, @attrs + @len) by type into @tb[0..@maxtype].
 * Return 0, -EINVAL if an attribute is malformed, -EEXIST on a duplicate,
 * -ERANGE if a type is 0 or above @maxtype (the others are still indexed).
 */
int nl_parse(const struct nlattr *attrs, size_t len,
	     const struct nlattr **tb, unsigned int maxtype);

/* Payload of @nla and its length. */
static inline const void *nla_payload(const struct nlattr *nla)
{
	return (const char *)nla + NLA_HDRLEN;
}

static inline size_t nla_payload_len(const struct nlattr *nla)
{
	return nla->nla_len - NLA_HDRLEN;
}

/* Read an unsigned integer attribute of 1, 2, 4 or 8 bytes; 0 or -EINVAL. */
int nla_get_uint(const struct nlattr *nla, unsigned long long *value);

/* A resolved generic netlink family, from CTRL_CMD_GETFAMILY. */
struct nl_family {
	__u16 id;
	__u32 version;
	__u32 hdrsize;
	__u32 maxattr;
	unsigned int nr_ops;
	__u32 ops[32];			/* command numbers */
	__u32 op_flags[32];		/* GENL_ADMIN_PERM, GENL_CMD_CAP_* */
	unsigned int nr_groups;
	char group_names[8][32];
	__u32 group_ids[8];
};

/* Resolve family @name: 0, -ENOENT when it is not registered, or -errno. */
int _nl_family_get(struct nl_sock *nl, const char *name, struct nl_family *fam);
int _nl_family_id(struct nl_sock *nl, const char *name, __u16 *id);

/* Id of multicast group @name of @fam, or 0 when it has none. */
__u32 nl_family_group(const struct nl_family *fam, const char *name);

/*
 * The duet family's vm-get and vcpu-get (module/nl/duet.yaml), decoded.
 * Decoding is strict: an attribute of the wrong size, a duplicate or a
 * missing id is -EBADMSG; unknown attribute types (a newer module) are
 * skipped.  Counters are indexed by their DUET_A_*_STATS_* attribute;
 * nr_stats counts the ones present.
 */
struct nl_vm {
	__u32 id, pid, nr_vcpus, nr_memslots, flags;
	__u8 dead;
	__u64 memory_size, create_time;
	__u32 max_stall_us;
	bool has_stats;
	unsigned int nr_stats;
	__u64 stats[DUET_A_VM_STATS_MAX + 1];
};

struct nl_vcpu {
	__u32 vm_id, id;
	bool has_last_cpu;
	__u32 last_cpu;
	__u8 in_guest;
	bool has_stats;
	unsigned int nr_stats;
	__u64 stats[DUET_A_VCPU_STATS_MAX + 1];
};

int nl_vm_parse(const struct nlmsghdr *nlh, struct nl_vm *vm);
int nl_vcpu_parse(const struct nlmsghdr *nlh, struct nl_vcpu *vcpu);

/* vm-get of @id: 0 and @vm, or -errno and @rep->extack. */
int _nl_vm_get(struct nl_sock *nl, __u16 family, __u32 id, struct nl_vm *vm,
	       struct nl_reply *rep);
/* vm-set of max-stall-us; 0 or -errno and @rep->extack. */
int _nl_vm_set_max_stall(struct nl_sock *nl, __u16 family, __u32 id,
			 __u32 us, struct nl_reply *rep);
/* vm-stall for @us microseconds: answered after the release. */
int _nl_vm_stall(struct nl_sock *nl, __u16 family, __u32 id, __u32 us,
		 struct nl_reply *rep);
/* vcpu-get of vCPU @id of VM @vm_id. */
int _nl_vcpu_get(struct nl_sock *nl, __u16 family, __u32 vm_id, __u32 id,
		 struct nl_vcpu *vcpu, struct nl_reply *rep);

/*
 * Dumps into arrays of @max entries; *@n is the number of entries the dump
 * had (more than @max are counted, not stored).  @d may be NULL; its cb
 * and arg are the helpers' own.  _nl_vcpu_dump() with @vm_id < 0 dumps
 * the vCPUs of every VM.
 */
int _nl_vm_dump(struct nl_sock *nl, __u16 family, struct nl_vm *vms,
		unsigned int max, unsigned int *n, struct nl_dump *d);
int _nl_vcpu_dump(struct nl_sock *nl, __u16 family, long long vm_id,
		  struct nl_vcpu *vcpus, unsigned int max, unsigned int *n,
		  struct nl_dump *d);

/*
 * The introspection ops mem-read and vcpu-translate, decoded (strictly,
 * as above).  A fault nest, when the reply has one, fills @fault.
 */
struct nl_mem_fault {
	bool present;
	__u32 kind;			/* DUET_MEM_FAULT_* */
	__u32 err;			/* positive errno */
	__u64 addr, gpa;
	__u32 error_code;
};

struct nl_mem_read {
	__u32 done;
	__u8 data[DUET_MEM_READ_MAX];
	struct nl_mem_fault fault;
};

struct nl_walk {
	bool has_gpa;
	__u64 gpa;
	__u32 level;
	unsigned int nr;		/* entries */
	__u32 entry_level[5];
	__u64 entry_gpa[5], entry[5];
	struct nl_mem_fault fault;
};

/*
 * mem-read of @len bytes at @addr, a gva (@gva) or a gpa, in VM @vm_id with
 * vCPU @vcpu (< 0: no vcpu-id attribute): 0 and @out, or -errno and
 * @rep->extack.
 */
int _nl_mem_read(struct nl_sock *nl, __u16 family, __u32 vm_id,
		 long long vcpu, bool gva, __u64 addr, __u32 len,
		 struct nl_mem_read *out, struct nl_reply *rep);
/* vcpu-translate of @gva; @access < 0: no access attribute. */
int _nl_vcpu_translate(struct nl_sock *nl, __u16 family, __u32 vm_id,
		       __u32 vcpu, __u64 gva, long long access,
		       struct nl_walk *w, struct nl_reply *rep);

#endif /* DUET_SELFTEST_NL_H */
