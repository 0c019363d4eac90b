/* SPDX-License-Identifier: GPL-2.0 */
/*
 * duet selftests: /dev/duet and its ioctls.
 *
 * As everywhere in selftests/lib: x() asserts success (ending the current
 * case with the caller's file:line), _x() returns 0 (or a result) / -errno,
 * __x() is the raw variant that passes a whole uapi struct through.
 */
#ifndef DUET_SELFTEST_DUET_H
#define DUET_SELFTEST_DUET_H

#include <fcntl.h>
#include <stdbool.h>
#include <linux/duet.h>

#include "test.h"

#define DUET_DEV_PATH		"/dev/duet"
#define DUET_MODULE_PATH	"/sys/module/duet"

/* Whether duet.ko is loaded. */
bool duet_loaded(void);

/* Skip the program when duet.ko is not loaded. */
#define TEST_REQUIRE_DUET()						\
	__TEST_REQUIRE(duet_loaded(), "duet.ko is not loaded")

/* The backend this machine should get: DUET_BACKEND_* from /proc/cpuinfo, or 0. */
unsigned int duet_expected_backend(void);

/* Name of DUET_CAP_* @cap as in the netlink spec ("nr-cpus"), or "?". */
const char *duet_cap_name(unsigned int cap);

/* open(DUET_DEV_PATH, @flags); return the fd or -errno. */
int _duet_open(int flags);
#define duet_open()							\
({									\
	int __fd = _duet_open(O_RDWR | O_CLOEXEC);			\
									\
	if (__fd < 0)							\
		__test_fail(__FILE__, __LINE__, "open %s: %s",		\
			    DUET_DEV_PATH, strerror(-__fd));		\
	__fd;								\
})

/* ioctl() returning its non-negative result or -errno. */
long _duet_ioctl(int fd, unsigned long req, unsigned long arg);

/* DUET_GET_API_VERSION with argument @arg: the version or -errno. */
long _duet_get_api_version(int fd, unsigned long arg);
#define duet_get_api_version(fd)					\
({									\
	long __v = _duet_get_api_version(fd, 0);			\
									\
	if (__v < 0)							\
		__test_fail(__FILE__, __LINE__,				\
			    "DUET_GET_API_VERSION: %s", strerror(-__v)); \
	__v;								\
})

/* DUET_CHECK_EXTENSION with a caller-filled struct: 0 or -errno. */
int __duet_check_extension(int fd, struct duet_check_extension *ext);

/* DUET_CHECK_EXTENSION for @cap; the value in @value; 0 or -errno. */
int _duet_check_extension(int fd, __u32 cap, __u64 *value);

/* As _duet_check_extension(), but end the case on failure. */
#define duet_check_extension(fd, cap, value)				\
({									\
	__u32 __cap = (cap);						\
	int __r = _duet_check_extension(fd, __cap, value);		\
									\
	if (__r)							\
		__test_fail(__FILE__, __LINE__,				\
			    "DUET_CHECK_EXTENSION %u (%s): %s", __cap,	\
			    duet_cap_name(__cap), strerror(-__r));	\
	__r;								\
})

/* The value of @cap; ends the case if the ioctl fails. */
#define duet_cap(fd, cap)						\
({									\
	__u64 __val = 0;						\
									\
	duet_check_extension(fd, cap, &__val);				\
	__val;								\
})

#endif /* DUET_SELFTEST_DUET_H */
