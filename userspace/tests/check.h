/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Minimal test harness of the host tests: each CHECK is one test; main()
 * ends with check_done(), which prints "N passed, N failed" and returns the
 * exit code.
 */
#ifndef DUET_TESTS_CHECK_H
#define DUET_TESTS_CHECK_H

#include <stdio.h>
#include <string.h>

static int check_passed, check_failed;

#define CHECK(cond, name) do {						\
	if (cond) {							\
		check_passed++;						\
	} else {							\
		check_failed++;						\
		fprintf(stderr, "FAIL %s:%d: %s (%s)\n",		\
			__FILE__, __LINE__, name, #cond);		\
	}								\
} while (0)

#define CHECK_STR(got, want, name) do {					\
	const char *__got = (got), *__want = (want);			\
	CHECK(!strcmp(__got, __want), name);				\
	if (strcmp(__got, __want))					\
		fprintf(stderr, "  got:  '%s'\n  want: '%s'\n",		\
			__got, __want);					\
} while (0)

static inline int check_done(const char *suite)
{
	printf("%s: %d passed, %d failed\n", suite, check_passed,
	       check_failed);
	return check_failed ? 1 : 0;
}

#endif /* DUET_TESTS_CHECK_H */
