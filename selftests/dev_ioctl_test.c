// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/duet: the device node, DUET_GET_API_VERSION and DUET_CHECK_EXTENSION,
 * the positive answers (checked against /proc/cpuinfo, sysfs and CPUID) and
 * every way to get them wrong (flags, reserved words, bad pointers, unknown
 * ioctls, an unprivileged caller).
 */
#include <cpuid.h>
#include <fcntl.h>
#include <grp.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/major.h>

#include "duet.h"

/* APM: CPUID 8000_000Ah EDX, the SVM features duet reports. */
#define SVM_FEATURE_NRIPS		BIT(3)
#define SVM_FEATURE_VMCB_CLEAN		BIT(5)
#define SVM_FEATURE_FLUSH_BY_ASID	BIT(6)
#define SVM_FEATURE_DECODE_ASSISTS	BIT(7)
#define SVM_FEATURE_VGIF		BIT(16)
/* APM: CPUID 8000_0001h EDX.Page1GB. */
#define CPUID_EXT1_EDX_PAGE1GB		BIT(26)

#define UNPRIVILEGED_ID		65534	/* nobody */

static void dev_node(void)
{
	unsigned int major, minor;
	char buf[32];
	struct stat st;

	TEST_ASSERT(stat(DUET_DEV_PATH, &st) == 0, "stat %s", DUET_DEV_PATH);
	TEST_ASSERT(S_ISCHR(st.st_mode), "%s is not a character device (mode %o)",
		    DUET_DEV_PATH, st.st_mode);
	/* Only root may open it, as with a fresh /dev/kvm. */
	TEST_ASSERT_EQ(st.st_mode & 07777, 0600);
	TEST_ASSERT_EQ(st.st_uid, 0);
	TEST_ASSERT_EQ(st.st_gid, 0);

	/* A misc device, and the node is the one sysfs describes. */
	TEST_ASSERT_EQ(major(st.st_rdev), MISC_MAJOR);
	test_read_file("/sys/class/misc/duet/dev", buf, sizeof(buf));
	TEST_ASSERT(sscanf(buf, "%u:%u", &major, &minor) == 2,
		    "/sys/class/misc/duet/dev: '%s'", buf);
	TEST_ASSERT_EQ(major, major(st.st_rdev));
	TEST_ASSERT_EQ(minor, minor(st.st_rdev));
}

static void api_version(void)
{
	int fd = duet_open();

	TEST_ASSERT_EQ(duet_get_api_version(fd), DUET_API_VERSION);
	/* Read-only descriptors may ask too: the ioctl changes nothing. */
	close(fd);
	fd = _duet_open(O_RDONLY | O_CLOEXEC);
	TEST_ASSERT(fd >= 0, "open %s read-only: %s", DUET_DEV_PATH, strerror(-fd));
	TEST_ASSERT_EQ(duet_get_api_version(fd), DUET_API_VERSION);
	close(fd);
}

static void api_version_nonzero_arg(void)
{
	static const unsigned long args[] = { 1, 0x8000, ~0ul };
	int fd = duet_open();
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(args); i++) {
		test_print("DUET_GET_API_VERSION arg %#lx", args[i]);
		TEST_ASSERT_RC(_duet_get_api_version(fd, args[i]), -EINVAL);
	}
	close(fd);
}

static void unknown_ioctl(void)
{
	static const struct {
		const char *what;
		unsigned long nr;
	} bad[] = {
		{ "last nr",			_IO(DUETIO, 0xff) },
		{ "nr 0xfe",			_IO(DUETIO, 0xfe) },
		{ "a VM ioctl",			DUET_CREATE_VCPU },
		{ "a vCPU ioctl",		DUET_RUN },
		{ "CHECK_EXTENSION, wrong size", _IOWR(DUETIO, 0x01, __u64) },
		{ "CHECK_EXTENSION, wrong dir",	_IOR(DUETIO, 0x01, struct duet_check_extension) },
		{ "GET_API_VERSION with a size", _IOR(DUETIO, 0x00, __u32) },
		{ "KVM_GET_API_VERSION",	_IO(0xAE, 0x00) },
		{ "another type, nr 0",		_IO(0x42, 0x00) },
		{ "TCGETS",			0x5401 },
	};
	struct duet_check_extension ext = { .cap = DUET_CAP_API_VERSION };
	int fd = duet_open();
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		test_print("ioctl %#lx (%s)", bad[i].nr, bad[i].what);
		TEST_ASSERT_RC(_duet_ioctl(fd, bad[i].nr, (unsigned long)&ext),
			       -ENOTTY);
	}
	close(fd);
}

static void check_extension_backend(void)
{
	unsigned int want = duet_expected_backend();
	int fd = duet_open();

	TEST_ASSERT(want, "/proc/cpuinfo has neither svm nor vmx");
	test_print("/proc/cpuinfo: %s", want == DUET_BACKEND_SVM ? "svm" : "vmx");
	TEST_ASSERT_EQ(duet_cap(fd, DUET_CAP_BACKEND), want);
	close(fd);
}

static void check_extension_api_version(void)
{
	int fd = duet_open();

	TEST_ASSERT_EQ(duet_cap(fd, DUET_CAP_API_VERSION), DUET_API_VERSION);
	close(fd);
}

static void check_extension_nr_cpus(void)
{
	int fd = duet_open();
	int online = _test_online_cpus();

	TEST_ASSERT(online > 0, "cannot count online CPUs: %s", test_rc_str(online));
	TEST_ASSERT_EQ(duet_cap(fd, DUET_CAP_NR_CPUS), online);
	close(fd);
}

static void check_extension_nested_paging(void)
{
	int fd = duet_open();

	/* duet has no shadow paging: it does not load without NPT/EPT. */
	TEST_ASSERT_EQ(duet_cap(fd, DUET_CAP_NESTED_PAGING), 1);
	close(fd);
}

/* Every known capability answers, with a value of the documented kind. */
static void check_extension_known_caps(void)
{
	static const __u32 svm_only[] = {
		DUET_CAP_NRIP_SAVE, DUET_CAP_DECODE_ASSISTS,
		DUET_CAP_FLUSH_BY_ASID, DUET_CAP_VMCB_CLEAN, DUET_CAP_VGIF,
	};
	static const __u32 vmx_only[] = {
		DUET_CAP_UNRESTRICTED_GUEST, DUET_CAP_VPID,
	};
	static const __u32 counts[] = {
		DUET_CAP_API_VERSION, DUET_CAP_BACKEND, DUET_CAP_PAGING_LEVELS,
		DUET_CAP_NR_ASIDS, DUET_CAP_NR_CPUS,
	};
	const __u32 *other_only;
	unsigned int i, j, nr_other;
	__u64 value, backend;
	int fd = duet_open();

	for (i = 1; i <= DUET_CAP_MAX; i++) {
		bool is_count = false;

		value = duet_cap(fd, i);
		test_print("cap %2u %-20s = %llu", i, duet_cap_name(i),
			   (unsigned long long)value);
		for (j = 0; j < ARRAY_SIZE(counts); j++)
			is_count |= counts[j] == i;
		if (!is_count)
			TEST_ASSERT(value <= 1, "cap %s is a feature but reads %llu",
				    duet_cap_name(i), (unsigned long long)value);
	}

	value = duet_cap(fd, DUET_CAP_PAGING_LEVELS);
	TEST_ASSERT(value == 4 || value == 5, "paging levels %llu",
		    (unsigned long long)value);
	TEST_ASSERT(duet_cap(fd, DUET_CAP_NR_ASIDS) >= 1, "no usable ASID/VPID");

	/* A feature of the other backend reads 0. */
	backend = duet_cap(fd, DUET_CAP_BACKEND);
	if (backend == DUET_BACKEND_SVM) {
		other_only = vmx_only;
		nr_other = ARRAY_SIZE(vmx_only);
	} else {
		other_only = svm_only;
		nr_other = ARRAY_SIZE(svm_only);
	}
	for (i = 0; i < nr_other; i++)
		TEST_ASSERT(duet_cap(fd, other_only[i]) == 0,
			    "cap %s is set on the other backend",
			    duet_cap_name(other_only[i]));
	close(fd);
}

/* SVM: the capabilities are what CPUID says (APM, CPUID 8000_000Ah). */
static void check_extension_svm_cpuid(void)
{
	static const struct {
		__u32 cap;
		__u32 bit;
	} features[] = {
		{ DUET_CAP_NRIP_SAVE,		SVM_FEATURE_NRIPS },
		{ DUET_CAP_VMCB_CLEAN,		SVM_FEATURE_VMCB_CLEAN },
		{ DUET_CAP_FLUSH_BY_ASID,	SVM_FEATURE_FLUSH_BY_ASID },
		{ DUET_CAP_DECODE_ASSISTS,	SVM_FEATURE_DECODE_ASSISTS },
		{ DUET_CAP_VGIF,		SVM_FEATURE_VGIF },
	};
	unsigned int eax, ebx, ecx, edx, ext1_edx, i;
	int fd;

	if (duet_expected_backend() != DUET_BACKEND_SVM)
		TEST_SKIP("not an SVM machine");

	fd = duet_open();
	__cpuid(0x80000001, eax, ebx, ecx, ext1_edx);
	__cpuid(0x8000000a, eax, ebx, ecx, edx);
	test_print("CPUID 8000_000Ah: eax %#x ebx %#x edx %#x", eax, ebx, edx);

	/* ASID 0 belongs to the host. */
	TEST_ASSERT_EQ(duet_cap(fd, DUET_CAP_NR_ASIDS), ebx - 1);
	for (i = 0; i < ARRAY_SIZE(features); i++) {
		test_print("cap %s", duet_cap_name(features[i].cap));
		TEST_ASSERT_EQ(duet_cap(fd, features[i].cap),
			       !!(edx & features[i].bit));
	}
	TEST_ASSERT_EQ(duet_cap(fd, DUET_CAP_LARGE_PAGES_1G),
		       !!(ext1_edx & CPUID_EXT1_EDX_PAGE1GB));
	/* Nested paging follows the host's paging mode. */
	TEST_ASSERT_EQ(duet_cap(fd, DUET_CAP_PAGING_LEVELS),
		       test_cpu_has_flag("la57") ? 5 : 4);
	close(fd);
}

static void check_extension_unknown_caps(void)
{
	static const __u32 unknown[] = {
		0, DUET_CAP_MAX + 1, 0x80000000u, 0xffffffffu,
	};
	int fd = duet_open();
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(unknown); i++) {
		struct duet_check_extension ext = {
			.cap = unknown[i],
			.value = 0x5a5a5a5a5a5a5a5aull,
		};

		test_print("cap %#x", unknown[i]);
		/* Unknown reads like absent: no error, value 0. */
		TEST_ASSERT_RC(__duet_check_extension(fd, &ext), 0);
		TEST_ASSERT_EQ(ext.value, 0);
		TEST_ASSERT_EQ(ext.cap, unknown[i]);
		TEST_ASSERT_EQ(ext.flags, 0);
		TEST_ASSERT_EQ(ext.reserved[0], 0);
		TEST_ASSERT_EQ(ext.reserved[1], 0);
	}
	close(fd);
}

static void check_extension_flags(void)
{
	static const __u32 flags[] = { 1, 0x80000000u, 0xffffffffu };
	int fd = duet_open();
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(flags); i++) {
		struct duet_check_extension ext = {
			.cap = DUET_CAP_API_VERSION,
			.flags = flags[i],
		};

		test_print("flags %#x", flags[i]);
		TEST_ASSERT_RC(__duet_check_extension(fd, &ext), -EINVAL);
	}
	close(fd);
}

static void check_extension_reserved(void)
{
	static const __u64 values[] = { 1, 1ull << 63 };
	int fd = duet_open();
	unsigned int i, word;

	for (word = 0; word < 2; word++) {
		for (i = 0; i < ARRAY_SIZE(values); i++) {
			struct duet_check_extension ext = {
				.cap = DUET_CAP_API_VERSION,
			};

			ext.reserved[word] = values[i];
			test_print("reserved[%u] = %#llx", word,
				   (unsigned long long)values[i]);
			TEST_ASSERT_RC(__duet_check_extension(fd, &ext), -EINVAL);
		}
	}
	close(fd);
}

static void check_extension_bad_pointer(void)
{
	long page = sysconf(_SC_PAGESIZE);
	struct duet_check_extension *ext;
	char *map;
	int fd = duet_open();

	test_print("NULL");
	TEST_ASSERT_RC(_duet_ioctl(fd, DUET_CHECK_EXTENSION, 0), -EFAULT);
	test_print("kernel address");
	TEST_ASSERT_RC(_duet_ioctl(fd, DUET_CHECK_EXTENSION,
				   0xffff888000000000ul), -EFAULT);

	/* Two pages: the first read-only, the second not mapped at all. */
	map = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	TEST_ASSERT(map != MAP_FAILED, "mmap");
	TEST_ASSERT(munmap(map + page, page) == 0, "munmap");

	/* Straddling the end of the mapping: the read faults. */
	ext = (struct duet_check_extension *)(map + page - sizeof(*ext) / 2);
	memset(map, 0, page);
	test_print("struct across the end of a mapping");
	TEST_ASSERT_RC(_duet_ioctl(fd, DUET_CHECK_EXTENSION,
				   (unsigned long)ext), -EFAULT);

	/* Readable but not writable: the copy back faults. */
	ext = (struct duet_check_extension *)map;
	ext->cap = DUET_CAP_API_VERSION;
	TEST_ASSERT(mprotect(map, page, PROT_READ) == 0, "mprotect");
	test_print("read-only struct");
	TEST_ASSERT_RC(_duet_ioctl(fd, DUET_CHECK_EXTENSION,
				   (unsigned long)ext), -EFAULT);

	munmap(map, page);
	close(fd);
}

/* Open /dev/duet as nobody; exit with 0 on EACCES, otherwise the errno. */
static noreturn void open_as_nobody(int flags)
{
	int fd;

	if (setgroups(0, NULL) || setgid(UNPRIVILEGED_ID) ||
	    setuid(UNPRIVILEGED_ID)) {
		test_print("cannot drop privileges: %s", strerror(errno));
		_exit(255);
	}
	fd = _duet_open(flags);
	if (fd >= 0) {
		test_print("uid %d opened %s", getuid(), DUET_DEV_PATH);
		_exit(254);
	}
	_exit(fd == -EACCES ? 0 : -fd);
}

static void open_unprivileged(void)
{
	static const int modes[] = { O_RDWR, O_RDONLY };
	unsigned int i;
	int status;
	pid_t pid;

	if (getuid() != 0)
		TEST_SKIP("needs root to drop privileges");

	for (i = 0; i < ARRAY_SIZE(modes); i++) {
		test_print("open(%s) as uid %d", modes[i] == O_RDWR ? "O_RDWR" :
			   "O_RDONLY", UNPRIVILEGED_ID);
		fflush(stdout);
		pid = fork();
		TEST_ASSERT(pid >= 0, "fork");
		if (pid == 0)
			open_as_nobody(modes[i] | O_CLOEXEC);
		TEST_ASSERT(waitpid(pid, &status, 0) == pid, "waitpid");
		TEST_ASSERT(WIFEXITED(status), "child died: status %#x", status);
		TEST_ASSERT(WEXITSTATUS(status) == 0,
			    "open as nobody: %s, want EACCES",
			    WEXITSTATUS(status) >= 254 ? "succeeded or setup failed" :
			    strerror(WEXITSTATUS(status)));
	}
}

static const struct test_case cases[] = {
	TEST_CASE(dev_node),
	TEST_CASE(api_version),
	TEST_CASE(api_version_nonzero_arg),
	TEST_CASE(unknown_ioctl),
	TEST_CASE(check_extension_backend),
	TEST_CASE(check_extension_api_version),
	TEST_CASE(check_extension_nr_cpus),
	TEST_CASE(check_extension_nested_paging),
	TEST_CASE(check_extension_known_caps),
	TEST_CASE(check_extension_svm_cpuid),
	TEST_CASE(check_extension_unknown_caps),
	TEST_CASE(check_extension_flags),
	TEST_CASE(check_extension_reserved),
	TEST_CASE(check_extension_bad_pointer),
	TEST_CASE(open_unprivileged),
};

int main(void)
{
	TEST_REQUIRE_DUET();
	return test_run(cases, ARRAY_SIZE(cases));
}
