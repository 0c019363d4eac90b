// SPDX-License-Identifier: GPL-2.0
/*
 * ioctl_bench: round trips per second of the capability query on
 * /dev/duet (DUET_CHECK_EXTENSION) or /dev/kvm (KVM_CHECK_EXTENSION), the
 * smallest system call each hypervisor serves.  Run both in one boot of
 * the emulated machine and compare the ratio, never the absolute numbers.
 *
 * usage: ioctl_bench duet|kvm [ITERATIONS]
 * prints: ops_per_sec N
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <linux/duet.h>

/* From <linux/kvm.h>; kept local so the bench needs no KVM headers. */
#define KVMIO			0xAE
#define KVM_CHECK_EXTENSION	_IO(KVMIO, 0x03)
#define KVM_CAP_NR_VCPUS	9

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	long iters = argc > 2 ? atol(argv[2]) : 200000;
	struct duet_check_extension ext = { .cap = DUET_CAP_NR_ASIDS };
	int is_duet, fd;
	double start, secs;
	long i;

	if (argc < 2 || iters <= 0 ||
	    (strcmp(argv[1], "duet") && strcmp(argv[1], "kvm"))) {
		fprintf(stderr, "usage: ioctl_bench duet|kvm [ITERATIONS]\n");
		return 2;
	}
	is_duet = !strcmp(argv[1], "duet");
	fd = open(is_duet ? "/dev/duet" : "/dev/kvm", O_RDWR);
	if (fd < 0) {
		fprintf(stderr, "open: %s\n", strerror(errno));
		return 1;
	}

	start = now();
	for (i = 0; i < iters; i++) {
		int r = is_duet ? ioctl(fd, DUET_CHECK_EXTENSION, &ext) :
				  ioctl(fd, KVM_CHECK_EXTENSION, KVM_CAP_NR_VCPUS);

		if (r < 0) {
			fprintf(stderr, "ioctl: %s\n", strerror(errno));
			return 1;
		}
	}
	secs = now() - start;
	printf("ops_per_sec %.0f\n", iters / secs);
	close(fd);
	return 0;
}
