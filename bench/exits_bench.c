// SPDX-License-Identifier: GPL-2.0
/*
 * exits_bench: exit round trips per second for the same guest code on duet
 * and on KVM.  The guest (16-bit real mode, no set-up needed on either
 * hypervisor) runs a counted loop of one exiting instruction and halts:
 *   cpuid    in-kernel exit on both
 *   vmmcall  in-kernel on both (duet: DUET_HC_NOP; KVM: unknown hypercall)
 *   pio      OUT to port 0x80, completed by this program (userspace exit)
 *
 * usage: exits_bench duet|kvm cpuid|vmmcall|pio ITERATIONS
 * prints: exits_per_sec N
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <linux/duet.h>
#include <linux/kvm.h>

#define GUEST_MEM	(1 << 20)
#define CODE_GPA	0x1000

static void die(const char *what)
{
	fprintf(stderr, "exits_bench: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* mov $n, %esi; 1: xor %eax, %eax; INSN; dec %esi; jnz 1b; hlt */
static size_t build_guest(uint8_t *p, const char *mode, uint32_t n)
{
	static const uint8_t cpuid[] = { 0x0f, 0xa2 };
	static const uint8_t vmmcall[] = { 0x0f, 0x01, 0xd9 };
	static const uint8_t out80[] = { 0xe6, 0x80 };
	const uint8_t *insn;
	size_t len, i = 0, loop;

	if (!strcmp(mode, "cpuid")) {
		insn = cpuid;
		len = sizeof(cpuid);
	} else if (!strcmp(mode, "vmmcall")) {
		insn = vmmcall;
		len = sizeof(vmmcall);
	} else {
		insn = out80;
		len = sizeof(out80);
	}
	p[i++] = 0x66;
	p[i++] = 0xbe;
	memcpy(p + i, &n, 4);
	i += 4;
	loop = i;
	p[i++] = 0x66;
	p[i++] = 0x31;
	p[i++] = 0xc0;
	memcpy(p + i, insn, len);
	i += len;
	p[i++] = 0x66;
	p[i++] = 0x4e;
	p[i++] = 0x75;
	p[i] = (uint8_t)(loop - (i + 1));
	i++;
	p[i++] = 0xf4;
	return i;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double run_duet(uint8_t *mem)
{
	struct duet_memslot m = {
		.memory_size = GUEST_MEM, .userspace_addr = (uintptr_t)mem,
	};
	struct duet_sregs sregs;
	struct duet_regs regs;
	struct duet_run *run;
	int dev, vm, vcpu, size;
	double start;

	dev = open("/dev/duet", O_RDWR);
	if (dev < 0)
		die("open /dev/duet");
	vm = ioctl(dev, DUET_CREATE_VM, 0);
	if (vm < 0 || ioctl(vm, DUET_SET_MEMSLOT, &m))
		die("duet VM");
	vcpu = ioctl(vm, DUET_CREATE_VCPU, 0);
	size = ioctl(dev, DUET_GET_VCPU_MMAP_SIZE, 0);
	if (vcpu < 0 || size <= 0)
		die("duet vCPU");
	run = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
	if (run == MAP_FAILED || ioctl(vcpu, DUET_GET_SREGS, &sregs))
		die("duet run area");
	sregs.cs.base = 0;
	sregs.cs.selector = 0;
	memset(&regs, 0, sizeof(regs));
	regs.rip = CODE_GPA;
	regs.rflags = 2;
	if (ioctl(vcpu, DUET_SET_SREGS, &sregs) || ioctl(vcpu, DUET_SET_REGS, &regs))
		die("duet registers");

	start = now();
	for (;;) {
		if (ioctl(vcpu, DUET_RUN, 0))
			die("DUET_RUN");
		if (run->exit_reason == DUET_EXIT_HLT)
			break;
		if (run->exit_reason != DUET_EXIT_IO) {
			fprintf(stderr, "exits_bench: duet exit %u\n", run->exit_reason);
			exit(1);
		}
	}
	return now() - start;
}

static double run_kvm(uint8_t *mem)
{
	struct kvm_userspace_memory_region m = {
		.memory_size = GUEST_MEM, .userspace_addr = (uintptr_t)mem,
	};
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	struct kvm_run *run;
	int dev, vm, vcpu, size;
	double start;

	dev = open("/dev/kvm", O_RDWR);
	if (dev < 0)
		die("open /dev/kvm");
	vm = ioctl(dev, KVM_CREATE_VM, 0);
	if (vm < 0 || ioctl(vm, KVM_SET_USER_MEMORY_REGION, &m))
		die("KVM VM");
	vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	size = ioctl(dev, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (vcpu < 0 || size <= 0)
		die("KVM vCPU");
	run = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
	if (run == MAP_FAILED || ioctl(vcpu, KVM_GET_SREGS, &sregs))
		die("KVM run area");
	sregs.cs.base = 0;
	sregs.cs.selector = 0;
	memset(&regs, 0, sizeof(regs));
	regs.rip = CODE_GPA;
	regs.rflags = 2;
	if (ioctl(vcpu, KVM_SET_SREGS, &sregs) || ioctl(vcpu, KVM_SET_REGS, &regs))
		die("KVM registers");

	start = now();
	for (;;) {
		if (ioctl(vcpu, KVM_RUN, 0))
			die("KVM_RUN");
		if (run->exit_reason == KVM_EXIT_HLT)
			break;
		if (run->exit_reason != KVM_EXIT_IO) {
			fprintf(stderr, "exits_bench: KVM exit %u\n", run->exit_reason);
			exit(1);
		}
	}
	return now() - start;
}

int main(int argc, char **argv)
{
	uint32_t n;
	uint8_t *mem;
	double secs;

	if (argc != 4 || (strcmp(argv[1], "duet") && strcmp(argv[1], "kvm")) ||
	    (strcmp(argv[2], "cpuid") && strcmp(argv[2], "vmmcall") &&
	     strcmp(argv[2], "pio")) || atol(argv[3]) <= 0) {
		fprintf(stderr, "usage: exits_bench duet|kvm cpuid|vmmcall|pio ITERATIONS\n");
		return 2;
	}
	n = atol(argv[3]);
	mem = mmap(NULL, GUEST_MEM, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		die("mmap");
	build_guest(mem + CODE_GPA, argv[2], n);
	secs = strcmp(argv[1], "duet") ? run_kvm(mem) : run_duet(mem);
	printf("exits_per_sec %.0f\n", n / secs);
	return 0;
}
