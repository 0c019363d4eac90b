/* SPDX-License-Identifier: GPL-2.0 */
/*
 * duet selftests: ucalls, the guest's calls to the host test.
 *
 * The guest fills a struct ucall on its own stack and executes
 * "out %al, $UCALL_PIO_PORT" with RDI = the struct's address (guest
 * virtual = guest physical: vm.h identity-maps guest memory).  The host
 * sees a DUET_EXIT_IO on that port and reads the struct out of guest
 * memory with get_ucall():
 *
 *	static void guest_code(__u64 id)
 *	{
 *		GUEST_SYNC(1);
 *		__GUEST_ASSERT(id == 0, "vCPU %lu", id);
 *		GUEST_DONE();
 *	}
 *
 *	vm = vm_create_with_one_vcpu(&vcpu, guest_code);
 *	for (;;) {
 *		switch (vcpu_run_ucall(vcpu, &uc)) {	// aborts fail
 *		case UCALL_SYNC: ... uc.args[0] ...; break;
 *		case UCALL_DONE: return;
 *		}
 *	}
 *
 * A failed guest assertion arrives as UCALL_ABORT and ends the test case
 * with the guest's file, line, expression and formatted message.  The
 * guest formats with its own freestanding guest_vsnprintf(): %d %i %u %o
 * %x %X %p %s %c %% with the l/ll/z/h/hh length modifiers, the flags '#'
 * (hex only), '-' and '0', a width and a precision ('*' too).
 */
#ifndef DUET_SELFTEST_UCALL_H
#define DUET_SELFTEST_UCALL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/types.h>

#include "test.h"

#define UCALL_PIO_PORT		0xd0u
#define UCALL_MAX_ARGS		6
#define UCALL_BUFFER_LEN	512

enum ucall_cmd {
	UCALL_NONE,		/* not a ucall exit */
	UCALL_SYNC,		/* args[0..]: GUEST_SYNC*() arguments */
	UCALL_ABORT,		/* a failed guest assertion */
	UCALL_PRINTF,		/* buffer: GUEST_PRINTF() text */
	UCALL_DONE,		/* the guest is finished */
};

/* args[] of UCALL_ABORT. */
enum ucall_abort_args {
	GUEST_ERROR_STRING,	/* guest address of the failed expression */
	GUEST_FILE,		/* guest address of __FILE__ */
	GUEST_LINE,
	GUEST_ASSERT_NARGS,
};

struct ucall {
	__u64 cmd;			/* UCALL_* */
	__u64 nargs;
	__u64 args[UCALL_MAX_ARGS];
	char buffer[UCALL_BUFFER_LEN];	/* NUL-terminated */
};

/* Guest side (lib/ucall.c, built for the guest). */
void ucall(__u64 cmd, int nargs, ...);
void ucall_fmt(__u64 cmd, const char *fmt, ...) __printf(2, 3);
void ucall_assert(const char *exp, const char *file, unsigned int line,
		  const char *fmt, ...) __printf(4, 5);
int guest_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int guest_snprintf(char *buf, size_t size, const char *fmt, ...)
	__printf(3, 4);
/* Where guest code that returns lands (vm.h puts it under its stack). */
noreturn void ucall_guest_returned(void);

#define GUEST_SYNC(arg)		ucall(UCALL_SYNC, 1, (__u64)(arg))
#define GUEST_SYNC2(a0, a1)						\
	ucall(UCALL_SYNC, 2, (__u64)(a0), (__u64)(a1))
#define GUEST_SYNC3(a0, a1, a2)						\
	ucall(UCALL_SYNC, 3, (__u64)(a0), (__u64)(a1), (__u64)(a2))
#define GUEST_SYNC4(a0, a1, a2, a3)					\
	ucall(UCALL_SYNC, 4, (__u64)(a0), (__u64)(a1),		\
	      (__u64)(a2), (__u64)(a3))
#define GUEST_PRINTF(fmt, ...)	ucall_fmt(UCALL_PRINTF, fmt, ##__VA_ARGS__)
#define GUEST_DONE()		ucall(UCALL_DONE, 0)

#define ____GUEST_ASSERT(cond, exp, fmt, ...)				\
do {									\
	if (!(cond))							\
		ucall_assert(exp, __FILE__, __LINE__, fmt, ##__VA_ARGS__); \
} while (0)

#define __GUEST_ASSERT(cond, fmt, ...)					\
	____GUEST_ASSERT(cond, #cond, fmt, ##__VA_ARGS__)

#define GUEST_ASSERT(cond)	__GUEST_ASSERT(cond, "%s", #cond)

#define GUEST_FAIL(fmt, ...)						\
	ucall_assert("GUEST_FAIL", __FILE__, __LINE__, fmt, ##__VA_ARGS__)

#define GUEST_ASSERT_EQ(a, b)						\
do {									\
	__u64 __ga = (__u64)(a), __gb = (__u64)(b);		\
									\
	____GUEST_ASSERT(__ga == __gb, #a " == " #b,			\
			 "%#lx != %#lx", (unsigned long)__ga,		\
			 (unsigned long)__gb);				\
} while (0)

/* Host side (lib/ucall.c). */
struct duet_test_vcpu;

/*
 * If the last exit was a ucall, copy its struct into @uc (when not NULL)
 * and return its cmd; otherwise clear @uc and return UCALL_NONE.
 */
__u64 get_ucall(struct duet_test_vcpu *vcpu, struct ucall *uc);

/*
 * Run @vcpu, assert that it stopped at a ucall and return the cmd; a
 * UCALL_ABORT ends the case (REPORT_GUEST_ASSERT()), a UCALL_PRINTF is
 * printed and the vCPU run on.
 */
#define vcpu_run_ucall(vcpu, uc)					\
	__vcpu_run_ucall(__FILE__, __LINE__, vcpu, uc)
__u64 __vcpu_run_ucall(const char *file, int line,
		       struct duet_test_vcpu *vcpu, struct ucall *uc);

/* Assert the next ucall's cmd (and, for a sync, its first argument). */
#define vcpu_expect_sync(vcpu, arg0)					\
	__vcpu_expect_ucall(__FILE__, __LINE__, vcpu, UCALL_SYNC, true, arg0)
#define vcpu_expect_done(vcpu)						\
	__vcpu_expect_ucall(__FILE__, __LINE__, vcpu, UCALL_DONE, false, 0)
void __vcpu_expect_ucall(const char *file, int line,
			 struct duet_test_vcpu *vcpu, __u64 cmd,
			 bool check_arg, __u64 arg0);

/* End the case with the guest's assertion failure in @uc. */
#define REPORT_GUEST_ASSERT(vcpu, uc)	__report_guest_assert(vcpu, uc)
noreturn void __report_guest_assert(struct duet_test_vcpu *vcpu,
				    const struct ucall *uc);

/* Name of a UCALL_* for messages. */
const char *ucall_cmd_str(__u64 cmd);

#endif /* DUET_SELFTEST_UCALL_H */
