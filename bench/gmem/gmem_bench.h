/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * The ioctl of duet_gmem_bench.ko's debugfs file, shared with
 * bench/gmem_bench.c.  Not a duet interface: a benchmark's private one.
 */
#ifndef DUET_GMEM_BENCH_H
#define DUET_GMEM_BENCH_H

#include <linux/ioctl.h>
#include <linux/types.h>

enum {
	GMEM_BENCH_PLAIN,	/* copy_from_user(buf, hva + off, size) */
	GMEM_BENCH_GPA,		/* duet_gmem_read_gpa(gpa + off), REPORT */
	GMEM_BENCH_GVA,		/* duet_gmem_read_gva(gva + off), REPORT */
};

#define GMEM_BENCH_MAX_SIZE	(64 * 1024)
#define GMEM_BENCH_MAX_ITERS	10000000

/*
 * Each of @iters reads copies @size bytes at @addr + (i * @size) modulo
 * @span, so the reads walk the slot.  @ns: their total time; @sum: a sum
 * of the bytes read, so both kinds can be checked to read the same thing.
 */
struct gmem_bench_req {
	__s32 vm_fd;		/* in: VM fd (GPA/GVA) */
	__u32 kind;		/* in: GMEM_BENCH_* */
	__u32 size;		/* in: 1..GMEM_BENCH_MAX_SIZE */
	__u32 iters;		/* in: 1..GMEM_BENCH_MAX_ITERS */
	__u64 addr;		/* in: hva, gpa or gva of the first read */
	__u64 span;		/* in: bytes the reads cycle through */
	__u64 cr3;		/* in: GVA: 4-level long-mode page tables */
	__u64 ns;		/* out */
	__u64 sum;		/* out */
};

#define GMEM_BENCH_RUN	_IOWR(0xde, 0x01, struct gmem_bench_req)

#endif
