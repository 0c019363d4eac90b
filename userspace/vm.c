// SPDX-License-Identifier: GPL-2.0
/*
 * duet vm: run a guest image on /dev/duet, and show the VMs that exist
 * (netlink vm-get).
 *
 *	duet vm run IMAGE [ mem SIZE ] [ vcpus N ] [ entry ADDR ]
 *	duet vm show [ id ID ]
 *
 * Guest memory is one anonymous mapping in memory slot 0 at guest-physical
 * 0, laid out as
 *
 *	0x000000 - 0x00ffff  free for the guest
 *	0x010000 - 0x016fff  long-mode tables (longmode.h): PML4, PDPT, page
 *	                     directories, GDT, TSS
 *	0x017000 - 0x0fffff  free for the guest
 *	0x100000 - SIZE      the image (a flat binary loads at 0x100000; ELF
 *	                     segments may go anywhere here), then free
 *
 * Every vCPU runs in its own thread and starts at the entry point in
 * 64-bit mode, on page tables that identity-map all of guest memory, with
 * interrupts off, RDI = its index, RSI = the number of vCPUs and RSP = 0.
 * With interrupts off and no way to send one, a halt is final: the run
 * ends when every vCPU has halted, or at the first vCPU that cannot go on
 * (triple fault, code or page tables outside memory, internal error),
 * which stops the others.  Data accesses outside memory (MMIO, which the
 * kernel emulates) read all-ones and ignore writes.
 *
 * Every vCPU gets the kernel's supported CPUID table (the host's vendor,
 * family and the features duet virtualizes, with the hypervisor bit set),
 * with its own APIC ID in the leaves that report one.
 */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <linux/duet.h>
#include <linux/duet_netlink.h>
#include <linux/types.h>

#include "cli.h"
#include "elf.h"
#include "lib/longmode.h"
#include "serial.h"

#define VM_DEV_PATH		"/dev/duet"
#define VM_TABLES_GPA		0x10000ULL
#define VM_IMAGE_MIN_GPA	0x100000ULL
#define VM_MEM_DEFAULT		(64ULL << 20)
#define VM_MEM_MIN		(2ULL << 20)
/* The long-mode tables map at most this much. */
#define VM_MEM_MAX		LONGMODE_MAX_MAP_SIZE
#define VM_PAGE_SIZE		0x1000ULL

/*
 * Returned to the guest in RAX for every hypercall: none exists yet.  The
 * value is Linux's errno for "not implemented", as KVM guests know it.
 */
#define VM_HYPERCALL_NOT_IMPLEMENTED	((__u64)-38)

/* How often the stopping thread re-kicks vCPUs still inside DUET_RUN. */
#define VM_KICK_INTERVAL_NS	20000000L

enum vcpu_state {
	VCPU_RUNNING,
	VCPU_HALTED,
	VCPU_SHUTDOWN,
	VCPU_MMIO,
	VCPU_ERROR,
	VCPU_DEAD,	/* DUET_RUN said -EIO: another vCPU killed the VM */
	VCPU_STOPPED,	/* stopped because another vCPU failed */
};

static const char *const vcpu_state_names[] = {
	[VCPU_RUNNING]	= "running",
	[VCPU_HALTED]	= "halted",
	[VCPU_SHUTDOWN]	= "triple-fault",
	[VCPU_MMIO]	= "mmio",
	[VCPU_ERROR]	= "error",
	[VCPU_DEAD]	= "stopped",
	[VCPU_STOPPED]	= "stopped",
};

/* Exits to userspace, by reason. */
struct vcpu_exits {
	__u64 io, hlt, hypercall, mmio;
	__u64 io_ignored;	/* port I/O nothing emulates */
};

struct vm;

struct vm_vcpu {
	struct vm *vm;
	unsigned int id;
	int fd;
	struct duet_run *run;
	pthread_t thread;
	bool started;
	bool in_thread;		/* under vm->lock: the thread has not ended */
	enum vcpu_state state;
	struct vcpu_exits exits;
	char error[200];
};

struct vm {
	int dev_fd;
	int fd;
	struct duet_cpuid *cpuid;	/* DUET_GET_SUPPORTED_CPUID */
	__u8 *mem;
	__u64 mem_size;
	size_t run_size;
	unsigned int nr_vcpus;
	struct vm_vcpu *vcpus;
	struct serial serial;

	pthread_mutex_t lock;
	pthread_cond_t cond;	/* a vCPU thread ended */
	unsigned int running;	/* vCPU threads not ended */
	atomic_bool stop;	/* vCPUs leave at their next exit */
};

struct vm_args {
	const char *image;
	__u64 mem_size;
	unsigned int nr_vcpus;
	bool has_entry;
	__u64 entry;
	int mode;		/* DUET_EXEC_MODE_*, or -1: leave it */
	bool bt_scan;		/* register `duet bt scan IMAGE`'s segments */
	int bt_detect;		/* 0, 1, or -1: leave it */
};

static void vm_usage(FILE *fp)
{
	fprintf(fp,
		"Usage: duet vm run IMAGE [ mem SIZE ] [ vcpus N ] [ entry ADDR ]\n"
		"                   [ mode { hw | bt } ] [ bt-scan ]\n"
		"                   [ bt-detect { on | off } ]\n"
		"       duet vm show [ id ID ]\n"
		"       duet vm set ID [ bt-detect { on | off } ] [ max-stall-us N ]\n"
		"       duet vm stall ID us N\n"
		"       duet vm help\n"
		"IMAGE := a 64-bit x86 ELF executable (PT_LOAD segments at their\n"
		"         physical = virtual addresses, entered at its entry point)\n"
		"         or a flat binary (loaded and entered at 0x100000)\n"
		"SIZE  := guest memory in bytes or with a K, M or G suffix,\n"
		"         2M to 4G (default 64M)\n"
		"N     := vCPUs, 1 to %u (default 1)\n"
		"ADDR  := entry point instead of the image's\n"
		"mode      every vCPU runs in hardware (hw, the default) or in\n"
		"          duet's binary translator (bt), set before they start\n"
		"bt-scan   registers the segments \"duet bt scan IMAGE\" finds\n"
		"          before the vCPUs start\n"
		"bt-detect the translator's own detection of vulnerable segments\n"
		"          (also \"duet vm set\"); these three need CAP_NET_ADMIN\n"
		"\n"
		"Guest-physical memory, identity-mapped with 2 MiB pages:\n"
		"  0x000000-0x00ffff  free\n"
		"  0x010000-0x016fff  page tables, GDT (code 0x08, data 0x10, TSS 0x18)\n"
		"  0x017000-0x0fffff  free\n"
		"  0x100000-SIZE      the image, then free\n"
		"It is the VMM's memory, 2 MiB aligned and advised for huge pages:\n"
		"where the host has THP, duet maps it with 2 MiB nested pages.\n"
		"Every vCPU starts at the entry point in 64-bit mode with interrupts\n"
		"off, RDI = its index, RSI = N and RSP = 0 (the guest sets its stack),\n"
		"and sees the supported CPUID table with its index as APIC ID.\n"
		"A 16550 UART at 0x3f8 writes to stdout (with -j: to \"serial\");\n"
		"other ports, and memory outside guest RAM (MMIO), read all-ones and\n"
		"ignore writes.  Hypercall 0 is the kernel's no-op; the others\n"
		"return -ENOSYS (-38) in RAX.  The run ends when every vCPU has\n"
		"halted (exit 0) or when one cannot go on: triple fault, code or\n"
		"page tables outside memory, internal error (exit 1).\n"
		"\n"
		"vm show lists the VMs of this network namespace (or VM ID): id, the\n"
		"creator's pid, vCPUs, memory slots, memory-size in bytes, flags,\n"
		"whether it is dead (shut down), create-time (CLOCK_BOOTTIME ns) and\n"
		"its counters, bt-detect and max-stall-us; \"duet vcpu show\" has\n"
		"the vCPUs'.  With -j: a JSON array of objects.\n"
		"\n"
		"vm set changes bt-detect and max-stall-us, the longest time (us, 1\n"
		"to 1000000, default 50000) a vulnerable segment may hold the VM's\n"
		"other vCPUs out of guest mode.  vm stall holds them all out for N\n"
		"us (1 to 1000000) from this process, an operator's tool.  Both\n"
		"need CAP_NET_ADMIN.\n",
		DUET_MAX_VCPUS);
}

static int vm_help(struct duet_cli *cli)
{
	(void)cli;
	vm_usage(stdout);
	return 0;
}

static int vm_missing(struct duet_cli *cli)
{
	(void)cli;
	vm_usage(stderr);
	return 1;
}

/* A size: bytes, or a number with a K, M or G suffix; -ERANGE on overflow. */
static int parse_size(const char *s, __u64 *size)
{
	unsigned long long val;
	unsigned int shift = 0;
	char *end;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	val = strtoull(s, &end, 10);
	if (errno)
		return -ERANGE;
	switch (*end) {
	case 'K': case 'k':
		shift = 10;
		break;
	case 'M': case 'm':
		shift = 20;
		break;
	case 'G': case 'g':
		shift = 30;
		break;
	case '\0':
		break;
	default:
		return -EINVAL;
	}
	if (shift && end[1])
		return -EINVAL;
	if (val > UINT64_MAX >> shift)
		return -ERANGE;
	*size = (__u64)val << shift;
	return 0;
}

/* An unsigned number, decimal or 0x-hexadecimal. */
static int parse_u64(const char *s, __u64 *val)
{
	unsigned long long v;
	char *end;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno)
		return -ERANGE;
	if (*end)
		return -EINVAL;
	*val = v;
	return 0;
}

static int parse_on_off(const char *s)
{
	return !strcmp(s, "on") ? 1 : !strcmp(s, "off") ? 0 : -1;
}

static int vm_parse_args(struct duet_cli *cli, struct vm_args *args)
{
	bool has_mem = false, has_vcpus = false;
	__u64 val;

	*args = (struct vm_args){
		.mem_size = VM_MEM_DEFAULT,
		.nr_vcpus = 1,
		.mode = -1,
		.bt_detect = -1,
	};

	args->image = cli_arg(cli);
	if (!args->image) {
		pr_err("\"vm run\" needs an IMAGE, see \"duet vm help\"");
		return 1;
	}
	cli_next(cli);

	while (cli_arg(cli)) {
		const char *key = cli_arg(cli), *arg;
		bool *seen;

		if (!strcmp(key, "bt-scan")) {
			if (args->bt_scan) {
				pr_err("duplicate argument \"%s\"", key);
				return 1;
			}
			args->bt_scan = true;
			cli_next(cli);
			continue;
		}
		if (!strcmp(key, "mode") || !strcmp(key, "bt-detect")) {
			bool mode = key[0] == 'm';

			if ((mode ? args->mode : args->bt_detect) >= 0) {
				pr_err("duplicate argument \"%s\"", key);
				return 1;
			}
			cli_next(cli);
			arg = cli_arg(cli);
			if (!arg) {
				pr_err("\"%s\" needs a value, see \"duet vm help\"", key);
				return 1;
			}
			if (mode) {
				args->mode = vcpu_parse_mode(arg);
				if (args->mode != DUET_EXEC_MODE_HW &&
				    args->mode != DUET_EXEC_MODE_BT) {
					pr_err("\"mode %s\": need hw or bt", arg);
					return 1;
				}
			} else {
				args->bt_detect = parse_on_off(arg);
				if (args->bt_detect < 0) {
					pr_err("\"bt-detect %s\": need on or off", arg);
					return 1;
				}
			}
			cli_next(cli);
			continue;
		}
		if (!strcmp(key, "mem")) {
			seen = &has_mem;
		} else if (!strcmp(key, "vcpus")) {
			seen = &has_vcpus;
		} else if (!strcmp(key, "entry")) {
			seen = &args->has_entry;
		} else {
			pr_err("unknown argument \"%s\", see \"duet vm help\"",
			       key);
			return 1;
		}
		if (*seen) {
			pr_err("duplicate argument \"%s\"", key);
			return 1;
		}
		*seen = true;
		cli_next(cli);
		arg = cli_arg(cli);
		if (!arg) {
			pr_err("\"%s\" needs a value, see \"duet vm help\"", key);
			return 1;
		}

		if (seen == &has_mem) {
			if (parse_size(arg, &val) || val < VM_MEM_MIN ||
			    val > VM_MEM_MAX || val % VM_PAGE_SIZE) {
				pr_err("\"mem %s\": need a multiple of 4K from 2M to 4G",
				       arg);
				return 1;
			}
			args->mem_size = val;
		} else if (seen == &has_vcpus) {
			if (parse_u64(arg, &val) || !val ||
			    val > DUET_MAX_VCPUS) {
				pr_err("\"vcpus %s\": need 1 to %u", arg,
				       DUET_MAX_VCPUS);
				return 1;
			}
			args->nr_vcpus = val;
		} else {
			if (parse_u64(arg, &val)) {
				pr_err("\"entry %s\": not an address", arg);
				return 1;
			}
			args->entry = val;
		}
		cli_next(cli);
	}

	if (args->has_entry && args->entry >= args->mem_size) {
		pr_err("entry 0x%llx is outside guest memory (0x%llx bytes)",
		       args->entry, args->mem_size);
		return 1;
	}
	return 0;
}

/* Record why @v stopped; the message is printed after the run. */
#define vcpu_fail(v, st, fmt, ...) ({					\
	struct vm_vcpu *__v = (v);					\
									\
	__v->state = (st);						\
	snprintf(__v->error, sizeof(__v->error), "vCPU %u: " fmt,	\
		 __v->id, ##__VA_ARGS__);				\
})

/*
 * Port I/O: the UART's ports, or nothing (reads all-ones).  String I/O
 * (INS/OUTS) brings count elements in one exit, each handled in turn.
 */
static int vcpu_handle_io(struct vm_vcpu *v)
{
	struct duet_run *run = v->run;
	struct serial *serial = &v->vm->serial;
	__u32 size = run->io.size, count = run->io.count, i, b;
	__u8 *data;

	v->exits.io++;
	if ((size != 1 && size != 2 && size != 4) ||
	    run->io.data_offset > v->vm->run_size ||
	    (__u64)size * count > v->vm->run_size - run->io.data_offset) {
		vcpu_fail(v, VCPU_ERROR,
			  "bad port I/O exit (port 0x%x, size %u, count %u, offset 0x%llx)",
			  run->io.port, size, count, run->io.data_offset);
		return -EINVAL;
	}
	if (!serial_owns(serial, run->io.port)) {
		v->exits.io_ignored++;
		if (run->io.direction == DUET_EXIT_IO_IN)
			memset((__u8 *)run + run->io.data_offset, 0xff,
			       (size_t)size * count);
		return 0;
	}

	/* Wider accesses reach consecutive registers, byte by byte. */
	data = (__u8 *)run + run->io.data_offset;
	for (i = 0; i < count; i++) {
		for (b = 0; b < size; b++, data++) {
			__u32 port = run->io.port + b;

			if (!serial_owns(serial, port)) {
				if (run->io.direction == DUET_EXIT_IO_IN)
					*data = 0xff;
			} else if (run->io.direction == DUET_EXIT_IO_IN) {
				*data = serial_in(serial, port);
			} else {
				serial_out(serial, port, *data);
			}
		}
	}
	return 0;
}

/*
 * No device sits outside guest memory: like an unclaimed bus, reads give
 * all-ones and writes go nowhere (the kernel emulated the instruction).
 * An exit with len 0 is the CPU's own access (instruction fetch, page
 * walk) outside memory, which nothing can complete: the vCPU stops.
 */
static int vcpu_handle_mmio(struct vm_vcpu *v)
{
	struct duet_run *run = v->run;
	struct duet_regs regs;
	char rip[40] = "";

	v->exits.mmio++;
	if (run->mmio.len) {
		if (!run->mmio.is_write)
			run->mmio.data = ~0ull;
		return 0;
	}
	if (!ioctl(v->fd, DUET_GET_REGS, &regs))
		snprintf(rip, sizeof(rip), " at RIP 0x%llx", regs.rip);
	vcpu_fail(v, VCPU_MMIO,
		  "guest-physical 0x%llx%s: code or page tables outside guest memory",
		  run->mmio.phys_addr, rip);
	return 1;
}

static void vcpu_handle_internal_error(struct vm_vcpu *v)
{
	const struct duet_run *run = v->run;
	const char *what;
	char data[4 * 20] = "";
	unsigned int i, n = 0;

	switch (run->internal.suberror) {
	case DUET_INTERNAL_UNKNOWN_EXIT:
		what = "unhandled exit";
		break;
	case DUET_INTERNAL_ENTRY_FAILED:
		what = "entry failed";
		break;
	case DUET_INTERNAL_STRING_IO:
		what = "string I/O outside guest RAM";
		break;
	case DUET_INTERNAL_EMULATION_FAILED:
		what = "instruction not emulated";
		break;
	default:
		what = "unknown";
	}
	for (i = 0; i < run->internal.ndata && i < 4; i++)
		n += snprintf(data + n, sizeof(data) - n, " 0x%llx",
			      run->internal.data[i]);
	vcpu_fail(v, VCPU_ERROR, "internal error, suberror %u (%s), data%s",
		  run->internal.suberror, what, n ? data : " none");
}

/* Handle the exit in the run area: 0 to run again, 1 when done. */
static int vcpu_handle_exit(struct vm_vcpu *v)
{
	struct duet_run *run = v->run;

	switch (run->exit_reason) {
	case DUET_EXIT_IO:
		return vcpu_handle_io(v) ? 1 : 0;
	case DUET_EXIT_HLT:
		/* Interrupts are off and nothing can send one: final. */
		v->exits.hlt++;
		v->state = VCPU_HALTED;
		return 1;
	case DUET_EXIT_HYPERCALL:
		v->exits.hypercall++;
		run->hypercall.ret = VM_HYPERCALL_NOT_IMPLEMENTED;
		return 0;
	case DUET_EXIT_MMIO:
		return vcpu_handle_mmio(v);
	case DUET_EXIT_SHUTDOWN:
		vcpu_fail(v, VCPU_SHUTDOWN, "triple fault");
		return 1;
	case DUET_EXIT_INTERNAL_ERROR:
		vcpu_handle_internal_error(v);
		return 1;
	case DUET_EXIT_INTR:
		return 0;
	default:
		vcpu_fail(v, VCPU_ERROR, "unknown exit reason %u (hardware exit 0x%llx)",
			  run->exit_reason, run->hw_exit_code);
		return 1;
	}
}

static void *vcpu_thread(void *arg)
{
	struct vm_vcpu *v = arg;
	struct vm *vm = v->vm;

	for (;;) {
		if (atomic_load(&vm->stop)) {
			v->state = VCPU_STOPPED;
			break;
		}
		if (ioctl(v->fd, DUET_RUN, 0) < 0) {
			int err = errno;

			/* A kick, or a signal for someone else. */
			if (err == EINTR)
				continue;
			if (err == EIO) {
				v->state = VCPU_DEAD;
				snprintf(v->error, sizeof(v->error),
					 "vCPU %u: DUET_RUN: the VM is dead", v->id);
			} else {
				vcpu_fail(v, VCPU_ERROR, "DUET_RUN: %s%s",
					  strerror(err), err == ENOMEM ?
					  " (guest memory counts against RLIMIT_MEMLOCK)" : "");
			}
			break;
		}
		if (vcpu_handle_exit(v))
			break;
	}

	pthread_mutex_lock(&vm->lock);
	v->in_thread = false;
	vm->running--;
	/* Any end but a halt ends the run. */
	if (v->state != VCPU_HALTED)
		atomic_store(&vm->stop, true);
	pthread_cond_signal(&vm->cond);
	pthread_mutex_unlock(&vm->lock);
	return NULL;
}

/* DUET_RUN returns -EINTR on a signal: the kick needs no work. */
static void vm_kick_handler(int sig)
{
	(void)sig;
}

/*
 * Wait for every vCPU thread.  Once one has failed, kick the others out of
 * DUET_RUN, again and again: a kick that lands between a thread's look at
 * vm->stop and its DUET_RUN is lost.
 */
static void vm_wait(struct vm *vm)
{
	struct timespec ts;
	unsigned int i;

	pthread_mutex_lock(&vm->lock);
	while (vm->running && !atomic_load(&vm->stop))
		pthread_cond_wait(&vm->cond, &vm->lock);
	while (vm->running) {
		for (i = 0; i < vm->nr_vcpus; i++) {
			if (vm->vcpus[i].in_thread)
				pthread_kill(vm->vcpus[i].thread, SIGUSR1);
		}
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += VM_KICK_INTERVAL_NS;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&vm->cond, &vm->lock, &ts);
	}
	pthread_mutex_unlock(&vm->lock);

	for (i = 0; i < vm->nr_vcpus; i++) {
		if (vm->vcpus[i].started)
			pthread_join(vm->vcpus[i].thread, NULL);
	}
}

static int vm_start_vcpus(struct vm *vm)
{
	unsigned int i;
	int err;

	pthread_mutex_lock(&vm->lock);
	for (i = 0; i < vm->nr_vcpus; i++) {
		struct vm_vcpu *v = &vm->vcpus[i];

		v->in_thread = true;
		vm->running++;
		err = pthread_create(&v->thread, NULL, vcpu_thread, v);
		if (err) {
			v->in_thread = false;
			vm->running--;
			atomic_store(&vm->stop, true);
			pthread_mutex_unlock(&vm->lock);
			pr_err("cannot start the thread of vCPU %u: %s", i,
			       strerror(err));
			return 1;
		}
		v->started = true;
	}
	pthread_mutex_unlock(&vm->lock);
	return 0;
}

/* CPUID leaves that report the APIC ID (SDM, APM CPUID descriptions). */
#define CPUID_FEATURES		0x1		/* EBX[31:24]: initial APIC ID */
#define CPUID_TOPOLOGY		0xb		/* EDX: x2APIC ID */
#define CPUID_TOPOLOGY_V2	0x1f		/* EDX: x2APIC ID */
#define CPUID_EXT_APIC_ID	0x8000001e	/* EAX: extended APIC ID */

/* The supported table, as each vCPU gets it but for the APIC IDs. */
static int vm_get_supported_cpuid(struct vm *vm)
{
	vm->cpuid = calloc(1, sizeof(*vm->cpuid) + DUET_MAX_CPUID_ENTRIES *
			   sizeof(vm->cpuid->entries[0]));
	if (!vm->cpuid) {
		pr_err("out of memory");
		return 1;
	}
	vm->cpuid->nent = DUET_MAX_CPUID_ENTRIES;
	if (ioctl(vm->dev_fd, DUET_GET_SUPPORTED_CPUID, vm->cpuid) < 0) {
		pr_err("DUET_GET_SUPPORTED_CPUID: %s", strerror(errno));
		return 1;
	}
	return 0;
}

/* Install the supported CPUID table on @v, with @v's APIC ID. */
static int vcpu_set_cpuid(struct vm *vm, struct vm_vcpu *v)
{
	struct duet_cpuid *cpuid = vm->cpuid;
	unsigned int i;
	int ret;

	for (i = 0; i < cpuid->nent; i++) {
		struct duet_cpuid_entry *e = &cpuid->entries[i];

		switch (e->function) {
		case CPUID_FEATURES:
			e->ebx = (e->ebx & 0x00ffffff) | v->id << 24;
			break;
		case CPUID_TOPOLOGY:
		case CPUID_TOPOLOGY_V2:
			e->edx = v->id;
			break;
		case CPUID_EXT_APIC_ID:
			e->eax = v->id;
			break;
		}
	}
	ret = ioctl(v->fd, DUET_SET_CPUID, cpuid);
	if (ret < 0)
		pr_err("DUET_SET_CPUID on vCPU %u: %s", v->id, strerror(errno));
	return ret < 0;
}

static int vm_create_vcpu(struct vm *vm, unsigned int id, __u64 entry)
{
	struct vm_vcpu *v = &vm->vcpus[id];
	void *run;
	int err;

	v->vm = vm;
	v->id = id;
	v->fd = ioctl(vm->fd, DUET_CREATE_VCPU, id);
	if (v->fd < 0) {
		pr_err("DUET_CREATE_VCPU %u: %s", id, strerror(errno));
		return 1;
	}
	run = mmap(NULL, vm->run_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		   v->fd, 0);
	if (run == MAP_FAILED) {
		pr_err("cannot map the run area of vCPU %u: %s", id,
		       strerror(errno));
		return 1;
	}
	v->run = run;
	if (vcpu_set_cpuid(vm, v))
		return 1;
	/* RSP 0: the guest sets up its own stack. */
	err = longmode_setup_vcpu(v->fd, VM_TABLES_GPA, entry, 0, id,
				  vm->nr_vcpus);
	if (err) {
		pr_err("cannot set up 64-bit mode on vCPU %u: %s", id,
		       strerror(-err));
		return 1;
	}
	return 0;
}

static int vm_create(struct vm *vm)
{
	struct duet_memslot slot = {};
	int size;

	vm->dev_fd = open(VM_DEV_PATH, O_RDWR | O_CLOEXEC);
	if (vm->dev_fd < 0) {
		pr_err("cannot open %s: %s%s", VM_DEV_PATH, strerror(errno),
		       errno == ENOENT ? " (is duet.ko loaded?)" : "");
		return 1;
	}
	/* The run area's layout is the API's: refuse another version. */
	size = ioctl(vm->dev_fd, DUET_GET_API_VERSION, 0);
	if (size < 0) {
		pr_err("DUET_GET_API_VERSION: %s", strerror(errno));
		return 1;
	}
	if (size != DUET_API_VERSION) {
		pr_err("duet.ko speaks API version %d, this duet %d",
		       size, DUET_API_VERSION);
		return 1;
	}
	size = ioctl(vm->dev_fd, DUET_GET_VCPU_MMAP_SIZE, 0);
	if (size < (int)sizeof(struct duet_run)) {
		pr_err("DUET_GET_VCPU_MMAP_SIZE: %s",
		       size < 0 ? strerror(errno) : "run area too small");
		return 1;
	}
	vm->run_size = size;
	if (vm_get_supported_cpuid(vm))
		return 1;
	vm->fd = ioctl(vm->dev_fd, DUET_CREATE_VM, 0);
	if (vm->fd < 0) {
		pr_err("DUET_CREATE_VM: %s", strerror(errno));
		return 1;
	}

	slot.slot = 0;
	slot.guest_phys_addr = 0;
	slot.memory_size = vm->mem_size;
	slot.userspace_addr = (uintptr_t)vm->mem;
	if (ioctl(vm->fd, DUET_SET_MEMSLOT, &slot) < 0) {
		pr_err("DUET_SET_MEMSLOT: %s", strerror(errno));
		return 1;
	}
	return 0;
}

static void vm_destroy(struct vm *vm)
{
	unsigned int i;

	for (i = 0; vm->vcpus && i < vm->nr_vcpus; i++) {
		if (vm->vcpus[i].run)
			munmap(vm->vcpus[i].run, vm->run_size);
		if (vm->vcpus[i].fd >= 0)
			close(vm->vcpus[i].fd);
	}
	free(vm->vcpus);
	free(vm->cpuid);
	if (vm->fd >= 0)
		close(vm->fd);
	if (vm->dev_fd >= 0)
		close(vm->dev_fd);
	if (vm->mem && vm->mem != MAP_FAILED)
		munmap(vm->mem, vm->mem_size);
	pthread_cond_destroy(&vm->cond);
	pthread_mutex_destroy(&vm->lock);
}

static bool vcpu_failed(const struct vm_vcpu *v)
{
	return v->state == VCPU_SHUTDOWN || v->state == VCPU_MMIO ||
	       v->state == VCPU_ERROR;
}

/*
 * The exit summary, then the errors.  A vCPU that found the VM dead only
 * reports it when no other vCPU says why.
 */
static int vm_report(struct duet_cli *cli, struct vm *vm,
		     const struct vm_args *args, const struct image *img,
		     const char *serial_buf)
{
	struct print_ctx *out = &cli->out;
	bool all_halted = true, any_failed = false;
	unsigned int i;

	print_open_object(out, NULL);
	print_open_array(out, "vcpus");
	for (i = 0; i < vm->nr_vcpus; i++) {
		const struct vm_vcpu *v = &vm->vcpus[i];

		print_open_object(out, NULL);
		print_uint(out, "vcpu", NULL, v->id);
		print_string(out, "state", NULL, vcpu_state_names[v->state]);
		print_uint(out, "io", NULL, v->exits.io);
		print_uint(out, "hlt", NULL, v->exits.hlt);
		print_uint(out, "hypercall", NULL, v->exits.hypercall);
		print_uint(out, "mmio", NULL, v->exits.mmio);
		print_uint(out, "io-ignored", NULL, v->exits.io_ignored);
		print_close_object(out);
		all_halted &= v->state == VCPU_HALTED;
		any_failed |= vcpu_failed(v);
	}
	print_close_array(out);
	if (out->json) {
		print_string(out, "image", NULL, args->image);
		print_uint(out, "entry", NULL, img->entry);
		print_uint(out, "mem", NULL, vm->mem_size);
		print_string(out, "serial", NULL, serial_buf ? serial_buf : "");
	}
	print_uint(out, "serial-bytes", NULL, vm->serial.tx_bytes);
	print_close_object(out);

	for (i = 0; i < vm->nr_vcpus; i++) {
		const struct vm_vcpu *v = &vm->vcpus[i];

		if (vcpu_failed(v) || (!any_failed && v->state == VCPU_DEAD))
			pr_err("%s", v->error);
	}
	return all_halted ? 0 : 1;
}

#define GUEST_MEM_ALIGN	(2ULL << 20)

/*
 * Guest memory: @size bytes at a 2 MiB aligned address, advised for
 * transparent huge pages, so that duet can back each 2 MiB of guest RAM
 * with one nested 2 MiB mapping where the host gives it a huge page.
 * NULL with errno on failure; a host without THP just gets small pages.
 */
static void *guest_mem_map(unsigned long long size)
{
	size_t len = size + GUEST_MEM_ALIGN;
	unsigned char *raw, *mem;

	raw = mmap(NULL, len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (raw == MAP_FAILED)
		return NULL;
	mem = (unsigned char *)(((unsigned long)raw + GUEST_MEM_ALIGN - 1) &
				~(GUEST_MEM_ALIGN - 1));
	/* Give back the unaligned head and the tail beyond @size. */
	if (mem > raw)
		munmap(raw, mem - raw);
	if (raw + len > mem + size)
		munmap(mem + size, raw + len - (mem + size));
	madvise(mem, size, MADV_HUGEPAGE);
	return mem;
}

/* In output order; the names are the spec's. */
static const struct cli_attr vm_attrs[] = {
	{ "id", "vm %llu", DUET_A_VM_ID, CLI_U32 },
	{ "pid", NULL, DUET_A_VM_PID, CLI_U32 },
	{ "nr-vcpus", NULL, DUET_A_VM_NR_VCPUS, CLI_U32 },
	{ "nr-memslots", NULL, DUET_A_VM_NR_MEMSLOTS, CLI_U32 },
	{ "memory-size", NULL, DUET_A_VM_MEMORY_SIZE, CLI_U64 },
	{ "flags", "flags 0x%llx", DUET_A_VM_FLAGS, CLI_U32 },
	{ "dead", NULL, DUET_A_VM_DEAD, CLI_BOOL },
	{ "create-time", NULL, DUET_A_VM_CREATE_TIME, CLI_U64 },
	{ "bt-detect", NULL, DUET_A_VM_BT_DETECT, CLI_BOOL },
	{ "max-stall-us", NULL, DUET_A_VM_MAX_STALL_US, CLI_U32 },
};

/* vm-get dump: the id of the VM this process created. */
static int vm_own_id_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[DUET_A_VM_MAX + 1];
	__u32 *id = data;

	if (cli_parse_attrs(nlh, NULL, tb, DUET_A_VM_MAX, vm_attrs,
			    ARRAY_SIZE(vm_attrs)))
		return MNL_CB_ERROR;
	if (tb[DUET_A_VM_ID] && tb[DUET_A_VM_PID] &&
	    mnl_attr_get_u32(tb[DUET_A_VM_PID]) == (__u32)getpid())
		*id = mnl_attr_get_u32(tb[DUET_A_VM_ID]);
	return MNL_CB_OK;
}

static int vm_nl_set(struct duet_cli *cli, __u32 id, int detect, __u32 max_us);

/*
 * mode, bt-scan and bt-detect of `vm run`, over netlink before the vCPUs
 * start.  The fd does not say the VM's id: it is the one whose creator is
 * this process (one VM per run).
 */
static int vm_setup_bt(struct duet_cli *cli, struct vm *vm,
		       const struct vm_args *args, const void *image,
		       size_t image_len)
{
	struct nlmsghdr *nlh;
	struct duet_nl *nl;
	unsigned int i, found;
	__u32 id = 0;
	int err;

	if (args->mode < 0 && !args->bt_scan && args->bt_detect < 0)
		return 0;
	nl = cli_nl(cli);
	if (!nl)
		return 1;
	nlh = duet_nl_request(nl, DUET_CMD_VM_GET, NLM_F_DUMP);
	err = duet_nl_talk(nl, nlh, vm_own_id_cb, &id);
	if (err) {
		cli_nl_perror(nl, err);
		return 1;
	}
	if (!id) {
		pr_err("cannot find this VM over netlink");
		return 1;
	}
	if (args->bt_detect >= 0 && vm_nl_set(cli, id, args->bt_detect, 0))
		return 1;
	for (i = 0; args->mode >= 0 && i < vm->nr_vcpus; i++)
		if (vcpu_set_mode(cli, id, i, args->mode))
			return 1;
	if (args->bt_scan &&
	    bt_register_image(cli, id, image, image_len, &found))
		return 1;
	return 0;
}

static int vm_run(struct duet_cli *cli)
{
	struct vm vm = { .dev_fd = -1, .fd = -1 };
	struct sigaction sa = { .sa_handler = vm_kick_handler }, old_sa;
	char *serial_buf = NULL;
	size_t serial_len = 0;
	FILE *serial_out = stdout;
	struct vm_args args;
	struct image img;
	size_t image_len;
	void *image;
	unsigned int i;
	int ret = 1, err;

	if (vm_parse_args(cli, &args))
		return 1;

	err = image_read_file(args.image, args.mem_size, &image, &image_len);
	if (err) {
		pr_err("%s: %s", args.image,
		       err == -EFBIG ? "larger than guest memory" :
		       err == -ENOEXEC ? "empty file" : strerror(-err));
		return 1;
	}

	pthread_mutex_init(&vm.lock, NULL);
	pthread_cond_init(&vm.cond, NULL);
	atomic_init(&vm.stop, false);
	vm.nr_vcpus = args.nr_vcpus;
	vm.mem_size = args.mem_size;
	vm.mem = guest_mem_map(vm.mem_size);
	if (!vm.mem) {
		pr_err("cannot map %llu bytes of guest memory: %s",
		       vm.mem_size, strerror(errno));
		goto out;
	}
	vm.vcpus = calloc(vm.nr_vcpus, sizeof(*vm.vcpus));
	if (!vm.vcpus) {
		pr_err("out of memory");
		goto out;
	}
	for (i = 0; i < vm.nr_vcpus; i++)
		vm.vcpus[i].fd = -1;

	err = image_load(&img, image, image_len, vm.mem, vm.mem_size,
			 VM_IMAGE_MIN_GPA);
	if (err) {
		pr_err("%s: %s", args.image, img.error);
		goto out;
	}
	if (args.has_entry)
		img.entry = args.entry;
	err = longmode_build_tables(vm.mem, vm.mem_size, VM_TABLES_GPA,
				    vm.mem_size);
	if (err) {
		pr_err("cannot build the page tables: %s", strerror(-err));
		goto out;
	}

	if (vm_create(&vm))
		goto out;
	for (i = 0; i < vm.nr_vcpus; i++) {
		if (vm_create_vcpu(&vm, i, img.entry))
			goto out;
	}
	if (vm_setup_bt(cli, &vm, &args, image, image_len))
		goto out;

	/* With -j the console goes into the JSON, not around it. */
	if (cli->out.json) {
		serial_out = open_memstream(&serial_buf, &serial_len);
		if (!serial_out) {
			pr_err("out of memory");
			goto out;
		}
	}
	serial_init(&vm.serial, SERIAL_COM1_BASE, serial_out);

	/* No SA_RESTART: a kick must make DUET_RUN return. */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, &old_sa);
	err = vm_start_vcpus(&vm);
	vm_wait(&vm);
	fflush(serial_out);
	if (!err)
		ret = vm_report(cli, &vm, &args, &img, serial_buf);
	sigaction(SIGUSR1, &old_sa, NULL);
	serial_destroy(&vm.serial);
	if (serial_out != stdout)
		fclose(serial_out);
	free(serial_buf);

out:
	vm_destroy(&vm);
	free(image);
	return ret;
}

static const struct cli_attr vm_stats_attrs[] = {
	{ "pages-pinned", NULL, DUET_A_VM_STATS_PAGES_PINNED, CLI_U64 },
	{ "pages-mapped-4k", NULL, DUET_A_VM_STATS_PAGES_MAPPED_4K, CLI_U64 },
	{ "pages-mapped-2m", NULL, DUET_A_VM_STATS_PAGES_MAPPED_2M, CLI_U64 },
	{ "stalls", NULL, DUET_A_VM_STATS_STALLS, CLI_U64 },
	{ "stall-ns", NULL, DUET_A_VM_STATS_STALL_NS, CLI_U64 },
	{ "stall-max-ns", NULL, DUET_A_VM_STATS_STALL_MAX_NS, CLI_U64 },
	{ "stall-timeouts", NULL, DUET_A_VM_STATS_STALL_TIMEOUTS, CLI_U64 },
	{ "stall-wait-timeouts", NULL, DUET_A_VM_STATS_STALL_WAIT_TIMEOUTS,
	  CLI_U64 },
};

/* Every counter of the spec has its row: all but the pad attribute. */
static_assert(ARRAY_SIZE(vm_stats_attrs) == DUET_A_VM_STATS_MAX - 1,
	      "every vm-stats attribute needs a row in vm_stats_attrs[]");

int vm_reply_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[DUET_A_VM_MAX + 1];
	const struct nlattr *stats[DUET_A_VM_STATS_MAX + 1];
	struct print_ctx *out = data;

	/* Check the whole reply before printing any of it. */
	if (cli_parse_attrs(nlh, NULL, tb, DUET_A_VM_MAX, vm_attrs,
			    ARRAY_SIZE(vm_attrs)))
		return MNL_CB_ERROR;
	if (tb[DUET_A_VM_STATS] &&
	    cli_parse_attrs(NULL, tb[DUET_A_VM_STATS], stats,
			    DUET_A_VM_STATS_MAX, vm_stats_attrs,
			    ARRAY_SIZE(vm_stats_attrs)))
		return MNL_CB_ERROR;
	if (!tb[DUET_A_VM_ID]) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}

	print_open_object(out, NULL);
	cli_print_attrs(out, tb, vm_attrs, ARRAY_SIZE(vm_attrs));
	if (tb[DUET_A_VM_STATS]) {
		print_open_object(out, "stats");
		cli_print_attrs(out, stats, vm_stats_attrs,
				ARRAY_SIZE(vm_stats_attrs));
		print_close_object(out);
	}
	print_close_object(out);
	return MNL_CB_OK;
}

static int vm_show(struct duet_cli *cli)
{
	unsigned long long id = 0;
	bool has_id = false;
	struct nlmsghdr *nlh;
	struct duet_nl *nl;

	while (cli_arg(cli)) {
		if (!cli_arg_is(cli, "id")) {
			pr_err("unknown argument \"%s\", see \"duet vm help\"",
			       cli_arg(cli));
			return 1;
		}
		cli_next(cli);
		if (has_id) {
			pr_err("duplicate argument \"id\"");
			return 1;
		}
		has_id = true;
		if (!cli_arg(cli)) {
			pr_err("\"id\" needs a value, see \"duet vm help\"");
			return 1;
		}
		if (cli_parse_uint(cli_arg(cli), UINT32_MAX, &id)) {
			pr_err("\"id %s\": not a VM id", cli_arg(cli));
			return 1;
		}
		cli_next(cli);
	}

	nl = cli_nl(cli);
	if (!nl)
		return 1;
	if (has_id) {
		nlh = duet_nl_request(nl, DUET_CMD_VM_GET, NLM_F_ACK);
		mnl_attr_put_u32(nlh, DUET_A_VM_ID, id);
	} else {
		nlh = duet_nl_request(nl, DUET_CMD_VM_GET, NLM_F_DUMP);
	}
	return cli_show_talk(cli, nlh, vm_reply_cb);
}

/* vm-set (CAP_NET_ADMIN): the attributes that are not -1 / 0. */
static int vm_nl_set(struct duet_cli *cli, __u32 id, int detect, __u32 max_us)
{
	struct duet_nl *nl = cli_nl(cli);
	struct nlmsghdr *nlh;
	int err;

	if (!nl)
		return 1;
	nlh = duet_nl_request(nl, DUET_CMD_VM_SET, NLM_F_ACK);
	mnl_attr_put_u32(nlh, DUET_A_VM_ID, id);
	if (detect >= 0)
		mnl_attr_put_u8(nlh, DUET_A_VM_BT_DETECT, detect);
	if (max_us)
		mnl_attr_put_u32(nlh, DUET_A_VM_MAX_STALL_US, max_us);
	err = duet_nl_talk(nl, nlh, NULL, NULL);
	if (err) {
		cli_nl_perror(nl, err);
		return 1;
	}
	return 0;
}

/* "vm ID" at the start of vm set / vm stall. */
static int vm_parse_id(struct duet_cli *cli, const char *cmd, __u32 *id)
{
	unsigned long long v;

	if (!cli_arg(cli) || cli_parse_uint(cli_arg(cli), UINT32_MAX, &v)) {
		pr_err("\"vm %s\" needs a VM id, see \"duet vm help\"", cmd);
		return 1;
	}
	*id = v;
	cli_next(cli);
	return 0;
}

static int vm_set(struct duet_cli *cli)
{
	unsigned long long us;
	__u32 id, max_us = 0;
	int detect = -1;

	if (vm_parse_id(cli, "set", &id))
		return 1;
	if (!cli_arg(cli)) {
		pr_err("\"vm set\" needs bt-detect or max-stall-us, see \"duet vm help\"");
		return 1;
	}
	while (cli_arg(cli)) {
		if (cli_arg_is(cli, "bt-detect") && detect < 0) {
			cli_next(cli);
			detect = cli_arg(cli) ? parse_on_off(cli_arg(cli)) : -1;
			if (detect < 0) {
				pr_err("\"bt-detect\" needs on or off");
				return 1;
			}
		} else if (cli_arg_is(cli, "max-stall-us") && !max_us) {
			cli_next(cli);
			if (!cli_arg(cli) ||
			    cli_parse_uint(cli_arg(cli), 1000000, &us) || !us) {
				pr_err("\"max-stall-us\" needs 1 to 1000000");
				return 1;
			}
			max_us = us;
		} else {
			pr_err("unknown or repeated argument \"%s\", see \"duet vm help\"",
			       cli_arg(cli));
			return 1;
		}
		cli_next(cli);
	}
	return vm_nl_set(cli, id, detect, max_us);
}

/* vm-stall (CAP_NET_ADMIN): hold the VM's vCPUs out of guest mode. */
static int vm_stall(struct duet_cli *cli)
{
	struct duet_nl *nl;
	struct nlmsghdr *nlh;
	unsigned long long us;
	__u32 id;
	int err;

	if (vm_parse_id(cli, "stall", &id))
		return 1;
	if (!cli_arg_is(cli, "us")) {
		pr_err("\"vm stall\" needs \"us N\", see \"duet vm help\"");
		return 1;
	}
	cli_next(cli);
	if (!cli_arg(cli) || cli_parse_uint(cli_arg(cli), 1000000, &us) || !us) {
		pr_err("\"us\" needs 1 to 1000000");
		return 1;
	}
	cli_next(cli);
	if (cli_arg(cli)) {
		pr_err("unknown argument \"%s\", see \"duet vm help\"",
		       cli_arg(cli));
		return 1;
	}
	nl = cli_nl(cli);
	if (!nl)
		return 1;
	nlh = duet_nl_request(nl, DUET_CMD_VM_STALL, NLM_F_ACK);
	mnl_attr_put_u32(nlh, DUET_A_VM_ID, id);
	mnl_attr_put_u32(nlh, DUET_A_VM_STALL_US, us);
	err = duet_nl_talk(nl, nlh, NULL, NULL);
	if (err) {
		cli_nl_perror(nl, err);
		return 1;
	}
	return 0;
}

static const struct cli_cmd vm_cmds[] = {
	{ "run", vm_run },
	{ "show", vm_show },
	{ "set", vm_set },
	{ "stall", vm_stall },
	{ "help", vm_help },
};

int cmd_vm(struct duet_cli *cli)
{
	return cli_dispatch(cli, vm_cmds, ARRAY_SIZE(vm_cmds), vm_missing,
			    "vm command", "duet vm help");
}
