// SPDX-License-Identifier: GPL-2.0
/*
 * duet selftests: the KTAP runner and assertion back ends of test.h.
 */
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test.h"
#include "trace.h"

#define TEST_DEFAULT_TIMEOUT	60

/*
 * What a case's child process tells the runner besides its exit code; in a
 * shared mapping because the child ends with _exit().
 */
struct test_shared {
	bool skip_all;
	char reason[256];
	/* test_set_timeout(): seconds from the case's start, or 0 for none. */
	bool timeout_set;
	unsigned int timeout;
};

static struct test_shared *shared;
static const char *current_name;
static bool in_child;

const char *test_current(void)
{
	return current_name;
}

void test_print(const char *fmt, ...)
{
	char buf[1024], *line, *save;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);

	/* Keep every line of a multi-line message a KTAP diagnostic. */
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save))
		printf("# %s\n", line);
	fflush(stdout);
}

const char *test_rc_str(long rc)
{
	if (rc == 0)
		return "Success";
	if (rc < 0 && rc > -4096)
		return strerror(-rc);
	return "not an errno";
}

static noreturn void child_exit(int code)
{
	fflush(stdout);
	fflush(stderr);
	_exit(code);
}

/* Copy a one-line reason for a SKIP directive. */
static void set_reason(const char *fmt, va_list ap)
{
	char *p;

	vsnprintf(shared->reason, sizeof(shared->reason), fmt, ap);
	for (p = shared->reason; *p; p++)
		if (*p == '\n' || *p == '#')
			*p = ' ';
}

static noreturn void bail_out(const char *msg)
{
	printf("Bail out! %s\n", msg);
	printf("# Totals: pass:0 fail:1 skip:0\n");
	fflush(stdout);
	exit(KSFT_FAIL);
}

void __test_fail(const char *file, int line, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	int n;

	n = snprintf(msg, sizeof(msg), "%s:%d: ", file, line);
	va_start(ap, fmt);
	vsnprintf(msg + n, sizeof(msg) - n, fmt, ap);
	va_end(ap);

	if (!in_child)
		bail_out(msg);
	test_print("%s", msg);
	child_exit(KSFT_FAIL);
}

void __test_skip(const char *fmt, ...)
{
	va_list ap;

	if (!in_child) {
		char msg[256];

		va_start(ap, fmt);
		vsnprintf(msg, sizeof(msg), fmt, ap);
		va_end(ap);
		__test_require_fail(__FILE__, __LINE__, "%s", msg);
	}
	va_start(ap, fmt);
	set_reason(fmt, ap);
	va_end(ap);
	child_exit(KSFT_SKIP);
}

void __test_require_fail(const char *file, int line, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);

	if (in_child) {
		test_print("%s:%d: %s: skipping the rest of the program",
			   file, line, msg);
		shared->skip_all = true;
		snprintf(shared->reason, sizeof(shared->reason), "%s", msg);
		child_exit(KSFT_SKIP);
	}

	printf("TAP version 13\n");
	printf("1..0 # SKIP %s\n", msg);
	printf("# Totals: pass:0 fail:0 skip:0\n");
	fflush(stdout);
	exit(KSFT_SKIP);
}

static unsigned int test_timeout_env(void)
{
	const char *s = getenv("TEST_TIMEOUT");
	long t = s ? strtol(s, NULL, 10) : 0;

	return t > 0 ? t : 0;
}

static unsigned int test_timeout(void)
{
	return test_timeout_env() ?: TEST_DEFAULT_TIMEOUT;
}

void test_set_timeout(unsigned int secs)
{
	if (!in_child || test_timeout_env())
		return;
	shared->timeout = secs;
	__atomic_store_n(&shared->timeout_set, true, __ATOMIC_RELEASE);
}

static noreturn void run_child(const struct test_case *tc)
{
	in_child = true;
	current_name = tc->name;
	/* The runner's alarm handler is not the case's. */
	signal(SIGALRM, SIG_DFL);
	tc->fn();
	/* The VMs the case left: their trace is part of what it did. */
	trace_case_end();
	child_exit(KSFT_PASS);
}

/* The runner's SIGALRM: only there to end waitpid() with EINTR. */
static void case_alarm(int sig)
{
	(void)sig;
}

/*
 * A case that overran its time: print where each of its threads is in
 * the kernel (/proc/PID/task/TID/stack, root only) before it is killed,
 * so that a hang inside duet shows its place in the log.
 */
static void dump_case_stacks(pid_t pid)
{
	char path[64], line[256];
	struct dirent *d;
	FILE *f;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	dir = opendir(path);
	if (!dir)
		return;
	while ((d = readdir(dir))) {
		if (d->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%.16s/stack", pid,
			 d->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		test_print("thread %s in the kernel:", d->d_name);
		while (fgets(line, sizeof(line), f)) {
			line[strcspn(line, "\n")] = 0;
			test_print("  %s", line);
		}
		fclose(f);
	}
	closedir(dir);
}

/*
 * The alarm rang: whether the case asked for more time (test_set_timeout()),
 * the alarm then set again for what is left of it.  *@timeout becomes the
 * case's limit.
 */
static bool case_extend(const time_t *start, unsigned int *timeout)
{
	unsigned int want, spent;

	if (!__atomic_load_n(&shared->timeout_set, __ATOMIC_ACQUIRE))
		return false;
	want = shared->timeout;
	if (!want) {
		/* No limit: look again now and then, in case it changes. */
		alarm(60);
		return true;
	}
	spent = time(NULL) - *start;
	*timeout = want;
	if (spent >= want)
		return false;
	alarm(want - spent);
	return true;
}

/* Run one case; return KSFT_PASS, KSFT_FAIL or KSFT_SKIP. */
static int run_case(const struct test_case *tc, unsigned int timeout)
{
	struct sigaction sa = { .sa_handler = case_alarm };
	time_t start = time(NULL);
	bool killed = false;
	int status;
	pid_t pid;

	memset(shared->reason, 0, sizeof(shared->reason));
	shared->timeout_set = false;
	fflush(stdout);
	fflush(stderr);

	pid = fork();
	if (pid < 0) {
		test_print("%s: fork: %s", tc->name, strerror(errno));
		return KSFT_FAIL;
	}
	if (pid == 0)
		run_child(tc);

	/* No SA_RESTART: the alarm, the one signal caught, ends waitpid(). */
	sigaction(SIGALRM, &sa, NULL);
	alarm(timeout);
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			test_print("%s: waitpid: %s", tc->name, strerror(errno));
			alarm(0);
			return KSFT_FAIL;
		}
		if (killed || case_extend(&start, &timeout))
			continue;
		dump_case_stacks(pid);
		kill(pid, SIGKILL);
		killed = true;
	}
	alarm(0);

	if (WIFSIGNALED(status)) {
		if (killed)
			test_print("%s: timed out after %u s", tc->name, timeout);
		else
			test_print("%s: killed by signal %d (%s)", tc->name,
				   WTERMSIG(status), strsignal(WTERMSIG(status)));
		return KSFT_FAIL;
	}

	switch (WEXITSTATUS(status)) {
	case KSFT_PASS:
	case KSFT_SKIP:
		return WEXITSTATUS(status);
	case KSFT_FAIL:
		return KSFT_FAIL;
	default:
		test_print("%s: exited with status %d", tc->name,
			   WEXITSTATUS(status));
		return KSFT_FAIL;
	}
}

/*
 * DUET_TEST_CASES="name name ...": run only the cases named there (e.g.
 * the part of a program a slow machine can afford); the others are
 * reported skipped.  Unset or empty: every case.
 */
static bool case_selected(const char *name)
{
	const char *list = getenv("DUET_TEST_CASES"), *p;
	size_t len = strlen(name);

	if (!list || !*list)
		return true;
	for (p = list; (p = strstr(p, name)); p += len)
		if ((p == list || p[-1] == ' ' || p[-1] == ',') &&
		    (!p[len] || p[len] == ' ' || p[len] == ','))
			return true;
	return false;
}

int test_run(const struct test_case *cases, unsigned int nr_cases)
{
	unsigned int timeout = test_timeout();
	unsigned int i, pass = 0, fail = 0, skip = 0;

	/* Line by line, so that parent and children do not interleave. */
	setvbuf(stdout, NULL, _IOLBF, 0);

	shared = mmap(NULL, sizeof(*shared), PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shared == MAP_FAILED)
		bail_out("cannot map the runner's shared page");

	printf("TAP version 13\n");
	printf("1..%u\n", nr_cases);

	for (i = 0; i < nr_cases; i++) {
		const struct test_case *tc = &cases[i];
		int r;

		if (!case_selected(tc->name)) {
			printf("ok %u %s # SKIP not in DUET_TEST_CASES\n", i + 1,
			       tc->name);
			skip++;
			continue;
		}
		r = shared->skip_all ? KSFT_SKIP : run_case(tc, timeout);

		switch (r) {
		case KSFT_PASS:
			printf("ok %u %s\n", i + 1, tc->name);
			pass++;
			break;
		case KSFT_SKIP:
			printf("ok %u %s # SKIP %s\n", i + 1, tc->name,
			       shared->reason[0] ? shared->reason : "");
			skip++;
			break;
		default:
			printf("not ok %u %s\n", i + 1, tc->name);
			fail++;
			break;
		}
	}

	printf("# Totals: pass:%u fail:%u skip:%u\n", pass, fail, skip);
	fflush(stdout);

	if (fail)
		return KSFT_FAIL;
	return shared->skip_all ? KSFT_SKIP : KSFT_PASS;
}

long _test_read_file(const char *path, char *buf, size_t size)
{
	size_t len = 0;
	ssize_t n;
	int fd;

	if (!size)
		return -EINVAL;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;

	while (len < size - 1) {
		n = read(fd, buf + len, size - 1 - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			n = -errno;
			close(fd);
			return n;
		}
		if (!n)
			break;
		len += n;
	}
	buf[len] = '\0';
	close(fd);
	return len;
}

bool test_cpu_has_flag(const char *flag)
{
	char *line = NULL, *tok, *save;
	bool found = false;
	size_t cap = 0;
	FILE *f;

	f = fopen("/proc/cpuinfo", "re");
	if (!f)
		return false;

	while (getline(&line, &cap, f) > 0) {
		if (strncmp(line, "flags", 5))
			continue;
		tok = strchr(line, ':');
		if (!tok)
			break;
		for (tok = strtok_r(tok + 1, " \t\n", &save); tok;
		     tok = strtok_r(NULL, " \t\n", &save)) {
			if (!strcmp(tok, flag)) {
				found = true;
				break;
			}
		}
		/* The first CPU is enough: features are uniform. */
		break;
	}
	free(line);
	fclose(f);
	return found;
}

int _test_online_cpus(void)
{
	char buf[256], *p = buf, *end;
	long first, last;
	int n = 0;
	long len;

	len = _test_read_file("/sys/devices/system/cpu/online", buf, sizeof(buf));
	if (len < 0)
		return len;

	/* A list of ranges: "0-3,5,7-8\n". */
	while (*p && *p != '\n') {
		first = strtol(p, &end, 10);
		if (end == p)
			return -EINVAL;
		last = first;
		p = end;
		if (*p == '-') {
			last = strtol(p + 1, &end, 10);
			if (end == p + 1 || last < first)
				return -EINVAL;
			p = end;
		}
		n += last - first + 1;
		if (*p == ',')
			p++;
	}
	return n ? n : -EINVAL;
}
