/* SPDX-License-Identifier: GPL-2.0 */
/*
 * duet selftests: a small KTAP library in the style of kselftest.h.
 *
 * A test program is a table of cases run by test_run():
 *
 *	static void api_version(void) { ... TEST_ASSERT_EQ(v, 1); ... }
 *
 *	static const struct test_case cases[] = {
 *		TEST_CASE(api_version),
 *	};
 *
 *	int main(void)
 *	{
 *		TEST_REQUIRE(access("/sys/module/duet", F_OK) == 0);
 *		return test_run(cases, ARRAY_SIZE(cases));
 *	}
 *
 * Each case runs in a child process of its own, so that a failed assertion
 * (or a crash) ends that case only: it prints its reason as "# " lines and
 * the runner reports "not ok N name".  The output is KTAP:
 *
 *	TAP version 13
 *	1..N
 *	# file.c:42: rc == 0: Invalid argument (errno 22)
 *	not ok 1 name
 *	ok 2 other
 *	ok 3 third # SKIP reason
 *	# Totals: pass:1 fail:1 skip:1
 *
 * and the exit code is KSFT_PASS (0) only when no case failed, KSFT_FAIL
 * (1) otherwise, KSFT_SKIP (4) when TEST_REQUIRE() skipped the program.
 *
 * DUET_TEST_CASES="name ..." in the environment runs only the cases named
 * (the others are reported "# SKIP not in DUET_TEST_CASES").
 *
 * Naming: x() helpers assert (they end the current case on failure and
 * report file:line of the caller); _x() helpers return 0 or -errno and
 * leave the verdict to the caller.
 */
#ifndef DUET_SELFTEST_TEST_H
#define DUET_SELFTEST_TEST_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdnoreturn.h>
#include <string.h>

#define KSFT_PASS	0
#define KSFT_FAIL	1
#define KSFT_SKIP	4

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#endif

/* The kernel's name for it, as in kselftest.h. */
#ifndef __printf
#define __printf(a, b)	__attribute__((format(printf, a, b)))
#endif

#define BIT(n)		(1u << (n))

struct test_case {
	const char *name;
	void (*fn)(void);
};

#define TEST_CASE(fn)	{ #fn, fn }

/*
 * Run @cases, each in a child process with a timeout (seconds from the
 * environment variable TEST_TIMEOUT, default 60), print KTAP and return
 * the exit code for main().
 */
int test_run(const struct test_case *cases, unsigned int nr_cases);

/* A "# " diagnostic line; usable everywhere. */
void test_print(const char *fmt, ...) __printf(1, 2);

/*
 * Give the current case @secs seconds from its start instead of the
 * runner's timeout; 0: no limit (an unbounded run stopped by hand).
 * TEST_TIMEOUT in the environment still wins.
 */
void test_set_timeout(unsigned int secs);

/* Name of the case being run, NULL outside test_run(). */
const char *test_current(void);

/* End the current case as failed with @file:@line and a message. */
noreturn void __test_fail(const char *file, int line, const char *fmt, ...)
	__printf(3, 4);

/* End the current case as skipped. */
noreturn void __test_skip(const char *fmt, ...) __printf(1, 2);

/*
 * Skip the whole program (KSFT_SKIP): before test_run() print
 * "1..0 # SKIP reason"; inside a case, skip that case and every case
 * after it.
 */
noreturn void __test_require_fail(const char *file, int line,
				  const char *fmt, ...) __printf(3, 4);

#define TEST_FAIL(fmt, ...)						\
	__test_fail(__FILE__, __LINE__, fmt, ##__VA_ARGS__)

#define TEST_SKIP(fmt, ...)	__test_skip(fmt, ##__VA_ARGS__)

/*
 * Assert @cond; the message carries errno's text, which explains most
 * failed system calls (and is harmless noise after the others).
 */
#define TEST_ASSERT(cond, fmt, ...)					\
do {									\
	int __e = errno;						\
									\
	if (!(cond))							\
		__test_fail(__FILE__, __LINE__,				\
			    "%s: " fmt " (errno %d: %s)", #cond,	\
			    ##__VA_ARGS__, __e, strerror(__e));		\
} while (0)

#define TEST_ASSERT_EQ(a, b)						\
do {									\
	unsigned long long __a = (unsigned long long)(a);		\
	unsigned long long __b = (unsigned long long)(b);		\
									\
	if (__a != __b)							\
		__test_fail(__FILE__, __LINE__,				\
			    "%s == %s: %#llx (%lld) != %#llx (%lld)",	\
			    #a, #b, __a, (long long)__a, __b, (long long)__b); \
} while (0)

/* Assert that @rc (0 or -errno) is @want, naming both errnos. */
#define TEST_ASSERT_RC(rc, want)					\
do {									\
	long __rc = (rc), __want = (want);				\
									\
	if (__rc != __want)						\
		__test_fail(__FILE__, __LINE__,				\
			    "%s: got %ld (%s), want %ld (%s)", #rc,	\
			    __rc, test_rc_str(__rc), __want,		\
			    test_rc_str(__want));			\
} while (0)

#define __TEST_REQUIRE(cond, fmt, ...)					\
do {									\
	if (!(cond))							\
		__test_require_fail(__FILE__, __LINE__, fmt, ##__VA_ARGS__); \
} while (0)

#define TEST_REQUIRE(cond)						\
	__TEST_REQUIRE(cond, "requirement not met: %s", #cond)

/* "Success" for 0, strerror(-rc) for a negative errno, "value" otherwise. */
const char *test_rc_str(long rc);

/*
 * Read a small text file into @buf (NUL-terminated, at most @size - 1
 * bytes); return its length or -errno.
 */
long _test_read_file(const char *path, char *buf, size_t size);
#define test_read_file(path, buf, size)					\
({									\
	const char *__path = (path);					\
	long __n = _test_read_file(__path, buf, size);			\
									\
	if (__n < 0)							\
		__test_fail(__FILE__, __LINE__, "cannot read %s: %s",	\
			    __path, strerror(-__n));			\
	__n;								\
})

/* Whether /proc/cpuinfo lists @flag among the flags of the first CPU. */
bool test_cpu_has_flag(const char *flag);

/* Number of CPUs in /sys/devices/system/cpu/online, or -errno. */
int _test_online_cpus(void);

#endif /* DUET_SELFTEST_TEST_H */
