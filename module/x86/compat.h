/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What decode.c needs from its environment, in the kernel and in userspace
 * (the CLI's host tests build the same decode.c): fixed-width types, errno
 * values and the test-only export.
 */
#ifndef DUET_X86_COMPAT_H
#define DUET_X86_COMPAT_H

#ifdef __KERNEL__
#include <linux/types.h>
#include <linux/errno.h>
#include <linux/export.h>
#include "../duet.h"		/* EXPORT_SYMBOL_IF_DUET_KUNIT() */
#else
#include <assert.h>
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
typedef __u8 u8;
typedef __u16 u16;
typedef __u32 u32;
typedef __u64 u64;
typedef __s8 s8;
typedef __s32 s32;
typedef __s64 s64;
/* Userspace links everything: nothing to export. */
#define EXPORT_SYMBOL_IF_DUET_KUNIT(sym) static_assert(sizeof(sym), #sym)
#endif

#endif /* DUET_X86_COMPAT_H */
