// SPDX-License-Identifier: GPL-2.0
/*
 * exits_bench: exit round trips per second for the same guest code on duet
 * and on KVM.  The guest (16-bit real mode, no set-up needed on either
 * hypervisor) runs a counted loop of one exiting instruction and halts:
 *   cpuid     in-kernel exit on both
 *   hypercall the host's hypercall instruction with RAX = 0, in-kernel on
 *             both (duet: DUET_HC_NOP; KVM: unknown hypercall, -KVM_ENOSYS):
 *             VMMCALL on AMD and Hygon, VMCALL on the others (Intel), by
 *             the vendor in CPUID leaf 0 of this process
 *   vmmcall   VMMCALL (0f 01 d9) whatever the host: the AMD instruction
 *   vmcall    VMCALL (0f 01 c1) whatever the host: the Intel instruction
 *   pio       OUT to port 0x80, completed by this program (userspace exit)
 *   mmio      one-byte MOV to MMIO_GPA, just above the only memory slot:
 *             duet (DUET_EXIT_MMIO) and KVM (KVM_EXIT_MMIO) emulate the
 *             write in the kernel and this program just resumes the guest
 *
 * Bench the host's hypercall instruction (mode hypercall): the other one
 * raises #UD in the guest, which KVM emulates and patches over in guest
 * memory and duet does not.
 *
 * usage: exits_bench duet|kvm MODE ITERATIONS
 *   MODE: cpuid|hypercall|vmmcall|vmcall|pio|mmio
 * prints: exits_per_sec N
 */
#include <cpuid.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
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

#define GUEST_MEM	0x8000		/* the slot: guest-physical 0-0x7fff */
#define CODE_GPA	0x1000
#define MMIO_GPA	GUEST_MEM	/* no slot; DS:0x8000 with DS = 0 */

static void die(const char *what)
{
	fprintf(stderr, "exits_bench: %s: %s\n", what, strerror(errno));
	exit(1);
}

struct mode {
	const char *name;
	const __u8 *insn;
	size_t len;
};

static const __u8 insn_cpuid[] = { 0x0f, 0xa2 };
static const __u8 insn_vmmcall[] = { 0x0f, 0x01, 0xd9 };
static const __u8 insn_vmcall[] = { 0x0f, 0x01, 0xc1 };
static const __u8 insn_out80[] = { 0xe6, 0x80 };
/* mov %al, moffs16 (A2): one-byte write to DS:MMIO_GPA */
static const __u8 insn_mmio[] = { 0xa2, MMIO_GPA & 0xff, MMIO_GPA >> 8 };

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MODE(n, i) { .name = n, .insn = i, .len = sizeof(i) }
static const struct mode modes[] = {
	MODE("cpuid", insn_cpuid),
	MODE("vmmcall", insn_vmmcall),
	MODE("vmcall", insn_vmcall),
	MODE("pio", insn_out80),
	MODE("mmio", insn_mmio),
};

/*
 * The hypercall instruction of this CPU's vendor (CPUID leaf 0): VMMCALL
 * for AMD SVM (APM), VMCALL for Intel VMX (SDM) and the other VMX vendors.
 */
static const char *host_hypercall(void)
{
	unsigned int max, vendor[3];

	__cpuid(0, max, vendor[0], vendor[2], vendor[1]);
	(void)max;
	if (!memcmp(vendor, "AuthenticAMD", 12) ||
	    !memcmp(vendor, "HygonGenuine", 12))
		return "vmmcall";
	return "vmcall";
}

static const struct mode *find_mode(const char *name)
{
	size_t i;

	if (!strcmp(name, "hypercall"))
		name = host_hypercall();
	for (i = 0; i < ARRAY_SIZE(modes); i++)
		if (!strcmp(name, modes[i].name))
			return &modes[i];
	return NULL;
}

/* mov $n, %esi; 1: xor %eax, %eax; INSN; dec %esi; jnz 1b; hlt */
static size_t build_guest(__u8 *p, const struct mode *mode, __u32 n)
{
	size_t i = 0, loop;

	p[i++] = 0x66;
	p[i++] = 0xbe;
	memcpy(p + i, &n, 4);
	i += 4;
	loop = i;
	p[i++] = 0x66;
	p[i++] = 0x31;
	p[i++] = 0xc0;
	memcpy(p + i, mode->insn, mode->len);
	i += mode->len;
	p[i++] = 0x66;
	p[i++] = 0x4e;
	p[i++] = 0x75;
	p[i] = (__u8)(loop - (i + 1));
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

/* The first exit of a run: is it the access the guest loop makes? */
static void check_first_exit(const char *hv, const char *mode, __u64 addr,
			     __u32 len, __u32 is_write, __u64 data)
{
	if (!strcmp(mode, "mmio")) {
		if (addr == MMIO_GPA && len == 1 && is_write && !(data & 0xff))
			return;
	} else if (addr == 0x80 && len == 1 && is_write && !data) {
		return;
	}
	fprintf(stderr,
		"exits_bench: %s %s: first exit at %#llx len %u write %u data %#llx\n",
		hv, mode, (unsigned long long)addr, len, is_write,
		(unsigned long long)data);
	exit(1);
}

static double run_duet(__u8 *mem, const char *mode)
{
	struct duet_memslot m = {
		.memory_size = GUEST_MEM, .userspace_addr = (uintptr_t)mem,
	};
	struct duet_sregs sregs;
	struct duet_regs regs;
	struct duet_run *run;
	int dev, vm, vcpu, size;
	double start;
	__u32 want = !strcmp(mode, "mmio") ? DUET_EXIT_MMIO : DUET_EXIT_IO;
	bool first = true;

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
	sregs.ds.base = 0;
	sregs.ds.selector = 0;
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
		if (run->exit_reason != want) {
			fprintf(stderr, "exits_bench: duet exit %u\n", run->exit_reason);
			exit(1);
		}
		if (!first)
			continue;
		first = false;
		if (want == DUET_EXIT_MMIO)
			check_first_exit("duet", mode, run->mmio.phys_addr,
					 run->mmio.len, run->mmio.is_write,
					 run->mmio.data);
		else
			check_first_exit("duet", mode, run->io.port,
					 run->io.size,
					 run->io.direction == DUET_EXIT_IO_OUT,
					 ((__u8 *)run)[run->io.data_offset]);
	}
	return now() - start;
}

static double run_kvm(__u8 *mem, const char *mode)
{
	struct kvm_userspace_memory_region m = {
		.memory_size = GUEST_MEM, .userspace_addr = (uintptr_t)mem,
	};
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	struct kvm_run *run;
	int dev, vm, vcpu, size;
	double start;
	__u32 want = !strcmp(mode, "mmio") ? KVM_EXIT_MMIO : KVM_EXIT_IO;
	bool first = true;

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
	sregs.ds.base = 0;
	sregs.ds.selector = 0;
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
		if (run->exit_reason != want) {
			fprintf(stderr, "exits_bench: KVM exit %u\n", run->exit_reason);
			exit(1);
		}
		if (!first)
			continue;
		first = false;
		if (want == KVM_EXIT_MMIO)
			check_first_exit("kvm", mode, run->mmio.phys_addr,
					 run->mmio.len, run->mmio.is_write,
					 run->mmio.data[0]);
		else
			check_first_exit("kvm", mode, run->io.port,
					 run->io.size,
					 run->io.direction == KVM_EXIT_IO_OUT,
					 ((__u8 *)run)[run->io.data_offset]);
	}
	return now() - start;
}

int main(int argc, char **argv)
{
	const struct mode *mode = argc == 4 ? find_mode(argv[2]) : NULL;
	__u32 n;
	__u8 *mem;
	double secs;

	if (!mode || (strcmp(argv[1], "duet") && strcmp(argv[1], "kvm")) ||
	    atol(argv[3]) <= 0) {
		fprintf(stderr, "usage: exits_bench duet|kvm MODE ITERATIONS\n"
			"MODE: cpuid|hypercall|vmmcall|vmcall|pio|mmio\n");
		return 2;
	}
	n = atol(argv[3]);
	mem = mmap(NULL, GUEST_MEM, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		die("mmap");
	build_guest(mem + CODE_GPA, mode, n);
	if (strcmp(argv[1], "duet"))
		secs = run_kvm(mem, argv[2]);
	else
		secs = run_duet(mem, argv[2]);
	printf("exits_per_sec %.0f\n", n / secs);
	return 0;
}
