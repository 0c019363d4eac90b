// SPDX-License-Identifier: GPL-2.0
/*
 * duet selftests: /dev/duet and its ioctls.
 */
#include <assert.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "duet.h"

static const char * const duet_cap_names[] = {
	[DUET_CAP_API_VERSION]		= "api-version",
	[DUET_CAP_BACKEND]		= "backend",
	[DUET_CAP_NESTED_PAGING]	= "nested-paging",
	[DUET_CAP_PAGING_LEVELS]	= "paging-levels",
	[DUET_CAP_NR_ASIDS]		= "nr-asids",
	[DUET_CAP_NRIP_SAVE]		= "nrip-save",
	[DUET_CAP_DECODE_ASSISTS]	= "decode-assists",
	[DUET_CAP_FLUSH_BY_ASID]	= "flush-by-asid",
	[DUET_CAP_VMCB_CLEAN]		= "vmcb-clean",
	[DUET_CAP_VGIF]			= "vgif",
	[DUET_CAP_UNRESTRICTED_GUEST]	= "unrestricted-guest",
	[DUET_CAP_VPID]			= "vpid",
	[DUET_CAP_LARGE_PAGES_2M]	= "large-pages-2m",
	[DUET_CAP_LARGE_PAGES_1G]	= "large-pages-1g",
	[DUET_CAP_ACCESSED_DIRTY]	= "accessed-dirty",
	[DUET_CAP_NR_CPUS]		= "nr-cpus",
};

/* A new DUET_CAP_* needs its name here (and its checks in the tests). */
static_assert(ARRAY_SIZE(duet_cap_names) == DUET_CAP_MAX + 1,
	      "duet_cap_names[] misses a DUET_CAP_*");

const char *duet_cap_name(unsigned int cap)
{
	if (cap >= ARRAY_SIZE(duet_cap_names) || !duet_cap_names[cap])
		return "?";
	return duet_cap_names[cap];
}

bool duet_loaded(void)
{
	return access(DUET_MODULE_PATH, F_OK) == 0;
}

unsigned int duet_expected_backend(void)
{
	if (test_cpu_has_flag("svm"))
		return DUET_BACKEND_SVM;
	if (test_cpu_has_flag("vmx"))
		return DUET_BACKEND_VMX;
	return 0;
}

int _duet_open(int flags)
{
	int fd = open(DUET_DEV_PATH, flags);

	return fd < 0 ? -errno : fd;
}

long _duet_ioctl(int fd, unsigned long req, unsigned long arg)
{
	long r = ioctl(fd, req, arg);

	return r < 0 ? -errno : r;
}

long _duet_get_api_version(int fd, unsigned long arg)
{
	return _duet_ioctl(fd, DUET_GET_API_VERSION, arg);
}

int __duet_check_extension(int fd, struct duet_check_extension *ext)
{
	return _duet_ioctl(fd, DUET_CHECK_EXTENSION, (unsigned long)ext);
}

int _duet_check_extension(int fd, __u32 cap, __u64 *value)
{
	struct duet_check_extension ext = { .cap = cap };
	int r;

	r = __duet_check_extension(fd, &ext);
	if (!r)
		*value = ext.value;
	return r;
}
