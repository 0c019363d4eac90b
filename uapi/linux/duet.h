/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * duet: ioctl interface of /dev/duet.
 *
 * The fast path of duet is a set of ioctls on /dev/duet (and, in later
 * versions, on the VM and vCPU file descriptors it hands out).  Control,
 * statistics and events use the generic netlink family "duet", described in
 * <linux/duet_netlink.h>.
 *
 * Rules for every structure in this file: fields are __u64/__u32 only,
 * padding is explicit, and every flags or reserved field must be zero on
 * input; the kernel rejects anything else with -EINVAL so that the fields
 * can be given a meaning later.
 */
#ifndef _UAPI_LINUX_DUET_H
#define _UAPI_LINUX_DUET_H

#include <linux/types.h>
#include <linux/ioctl.h>

/* Bumped on any incompatible change of the interface. */
#define DUET_API_VERSION	1

/* ioctl type of /dev/duet. */
#define DUETIO			0xDE

/**
 * DUET_GET_API_VERSION - return DUET_API_VERSION as the ioctl's result.
 *
 * Takes no argument; the argument must be 0.
 */
#define DUET_GET_API_VERSION	_IO(DUETIO, 0x00)

/**
 * struct duet_check_extension - argument of DUET_CHECK_EXTENSION
 * @cap:      in: one of DUET_CAP_*
 * @flags:    in: must be 0
 * @value:    out: 0 when the capability is absent or unknown to this
 *            module, otherwise its value (1 for a plain feature, a count or
 *            an enum for the others, as documented at each DUET_CAP_*)
 * @reserved: must be 0
 */
struct duet_check_extension {
	__u32 cap;
	__u32 flags;
	__u64 value;
	__u64 reserved[2];
};

#define DUET_CHECK_EXTENSION	_IOWR(DUETIO, 0x01, struct duet_check_extension)

/* Values of DUET_CAP_BACKEND. */
#define DUET_BACKEND_SVM	1
#define DUET_BACKEND_VMX	2

/*
 * Capability numbers.  Numbers are never reused; a capability that this
 * module does not know reads as 0, like one the hardware lacks.
 */
enum duet_cap {
	DUET_CAP_API_VERSION = 1,	/* DUET_API_VERSION */
	DUET_CAP_BACKEND,		/* DUET_BACKEND_* */
	DUET_CAP_NESTED_PAGING,		/* NPT or EPT present */
	DUET_CAP_PAGING_LEVELS,		/* 4 or 5: levels of nested paging */
	DUET_CAP_NR_ASIDS,		/* usable ASIDs (SVM) or VPIDs (VMX) */
	DUET_CAP_NRIP_SAVE,		/* SVM: next RIP saved on #VMEXIT */
	DUET_CAP_DECODE_ASSISTS,	/* SVM: decode assists */
	DUET_CAP_FLUSH_BY_ASID,		/* SVM: TLB_CONTROL flush by ASID */
	DUET_CAP_VMCB_CLEAN,		/* SVM: VMCB clean bits */
	DUET_CAP_VGIF,			/* SVM: virtual GIF */
	DUET_CAP_UNRESTRICTED_GUEST,	/* VMX: unrestricted guest */
	DUET_CAP_VPID,			/* VMX: VPID */
	DUET_CAP_LARGE_PAGES_2M,	/* 2 MiB nested mappings */
	DUET_CAP_LARGE_PAGES_1G,	/* 1 GiB nested mappings */
	DUET_CAP_ACCESSED_DIRTY,	/* A/D bits in nested page tables */
	DUET_CAP_NR_CPUS,		/* CPUs with virtualization enabled */

	__DUET_CAP_NR,
};

#define DUET_CAP_MAX	(__DUET_CAP_NR - 1)

#endif /* _UAPI_LINUX_DUET_H */
