// SPDX-License-Identifier: GPL-2.0
/*
 * gmem_bench: a protected guest read (duet_gmem_read_gpa/_gva, REPORT
 * policy, no fault) against a plain copy_from_user() of the same bytes.
 * Creates a VM with a 16 MiB slot (every page written first, so none is
 * missing) and 4-level identity page tables of 4 KiB pages, then asks
 * duet_gmem_bench.ko (debugfs) to time each kind of read in this thread,
 * the VMM's.  Each figure is the best of a few rounds.
 *
 * usage: gmem_bench
 * prints, per read size: SIZE PLAIN_NS GPA_NS GVA_NS (per read)
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/duet.h>
#include "gmem/gmem_bench.h"

#define MEM_SIZE	(16u << 20)
#define PT_GPA		0x0		/* PML4, PDPT, PD, then 8 PTs */
#define DATA_GPA	0x100000	/* reads cycle through [1 MiB, 16 MiB) */
#define PTE_P_RW_A_D	(0x1 | 0x2 | 0x20 | 0x40)
#define ROUNDS		5

static void die(const char *what)
{
	fprintf(stderr, "gmem_bench: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* Identity-map MEM_SIZE with 4 KiB pages, A and D already set. */
static void build_tables(uint8_t *mem)
{
	uint64_t *pml4 = (uint64_t *)(mem + PT_GPA);
	uint64_t *pdpt = pml4 + 512, *pd = pdpt + 512, *pt = pd + 512;
	unsigned int i;

	pml4[0] = (PT_GPA + 0x1000) | PTE_P_RW_A_D;
	pdpt[0] = (PT_GPA + 0x2000) | PTE_P_RW_A_D;
	for (i = 0; i < MEM_SIZE >> 21; i++)
		pd[i] = (PT_GPA + 0x3000 + i * 0x1000) | PTE_P_RW_A_D;
	for (i = 0; i < MEM_SIZE >> 12; i++)
		pt[i] = ((uint64_t)i << 12) | PTE_P_RW_A_D;
}

static double run(int bfd, struct gmem_bench_req *req)
{
	if (ioctl(bfd, GMEM_BENCH_RUN, req))
		die("GMEM_BENCH_RUN");
	return (double)req->ns / req->iters;
}

int main(void)
{
	static const struct { uint32_t size, iters; } sizes[] = {
		{ 64, 100000 }, { 4096, 10000 }, { 65536, 1000 }, { 0, 0 },
	};
	struct duet_memslot slot = { 0 };
	unsigned int s, k, round;
	int dev, vm, bfd;
	uint8_t *mem;
	size_t i;

	dev = open("/dev/duet", O_RDWR);
	if (dev < 0)
		die("/dev/duet");
	vm = ioctl(dev, DUET_CREATE_VM, 0);
	if (vm < 0)
		die("DUET_CREATE_VM");
	mem = mmap(NULL, MEM_SIZE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		die("mmap");
	for (i = 0; i < MEM_SIZE; i++)
		mem[i] = (uint8_t)(i * 7 + (i >> 12));
	build_tables(mem);
	slot.memory_size = MEM_SIZE;
	slot.userspace_addr = (uintptr_t)mem;
	if (ioctl(vm, DUET_SET_MEMSLOT, &slot))
		die("DUET_SET_MEMSLOT");
	bfd = open("/sys/kernel/debug/duet_gmem_bench", O_RDWR);
	if (bfd < 0)
		die("/sys/kernel/debug/duet_gmem_bench");

	for (s = 0; sizes[s].size; s++) {
		double best[3] = { 0, 0, 0 };
		uint64_t sum[3] = { 0, 0, 0 };

		for (round = 0; round <= ROUNDS; round++) {
			for (k = GMEM_BENCH_PLAIN; k <= GMEM_BENCH_GVA; k++) {
				struct gmem_bench_req req = {
					.vm_fd = vm, .kind = k,
					.size = sizes[s].size,
					.iters = sizes[s].iters,
					.span = MEM_SIZE - DATA_GPA,
					.addr = DATA_GPA, .cr3 = PT_GPA,
				};
				double ns;

				if (k == GMEM_BENCH_PLAIN)
					req.addr = (uintptr_t)mem + DATA_GPA;
				ns = run(bfd, &req);
				sum[k] = req.sum;
				/* Round 0 warms up (TCG translation, caches). */
				if (round && (!best[k] || ns < best[k]))
					best[k] = ns;
			}
		}
		if (sum[1] != sum[0] || sum[2] != sum[0]) {
			fprintf(stderr, "gmem_bench: size %u: sums differ\n",
				sizes[s].size);
			return 1;
		}
		printf("%u %.1f %.1f %.1f\n", sizes[s].size, best[0], best[1],
		       best[2]);
	}
	return 0;
}
