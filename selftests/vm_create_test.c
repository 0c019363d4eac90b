// SPDX-License-Identifier: GPL-2.0
/*
 * VM and vCPU file descriptors: creation and its limits (argument, vCPU
 * ids, a vCPU id twice), the run area and its size, ioctls from another
 * process, unknown ioctls, and lifetime: the fds closed in every order,
 * even while a vCPU runs, many times over, with the module's references
 * and the pinned pages back where they started.
 */
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "guest.h"
#include "vm.h"

#define LOOPS	64

/* References to duet.ko: one per open VM or vCPU fd (and mapping). */
static long module_refcnt(void)
{
	char buf[32];

	test_read_file(DUET_MODULE_PATH "/refcnt", buf, sizeof(buf));
	return strtol(buf, NULL, 10);
}

static long vm_locked_kb(void)
{
	char buf[4096], *p;

	test_read_file("/proc/self/status", buf, sizeof(buf));
	p = strstr(buf, "VmLck:");
	TEST_ASSERT(p, "no VmLck in /proc/self/status");
	return strtol(p + 6, NULL, 10);
}

static void create_vm_close(void)
{
	long base = module_refcnt();
	int dev = duet_open(), fds[16], i, n;

	for (n = 0; n < LOOPS; n++) {
		for (i = 0; i < (int)ARRAY_SIZE(fds); i++) {
			fds[i] = _duet_create_vm(dev, 0);
			TEST_ASSERT(fds[i] >= 0, "DUET_CREATE_VM %d: %s", i,
				    strerror(-fds[i]));
		}
		TEST_ASSERT(module_refcnt() >= base + (long)ARRAY_SIZE(fds),
			    "refcnt %ld with %zu VMs open", module_refcnt(),
			    ARRAY_SIZE(fds));
		for (i = 0; i < (int)ARRAY_SIZE(fds); i++)
			close(fds[i]);
	}
	close(dev);
	TEST_ASSERT_EQ(module_refcnt(), base);
}

static void create_vm_bad_arg(void)
{
	static const unsigned long args[] = { 2, 0x80, ~0ul,
					      DUET_VM_FLAGS + 1 };
	int dev = duet_open();
	unsigned int i;
	int fd;

	for (i = 0; i < ARRAY_SIZE(args); i++) {
		test_print("DUET_CREATE_VM arg %#lx", args[i]);
		TEST_ASSERT_RC(_duet_create_vm(dev, args[i]), -EINVAL);
	}
	/* Every defined flag is accepted. */
	fd = _duet_create_vm(dev, DUET_VM_FLAGS);
	TEST_ASSERT(fd >= 0, "DUET_CREATE_VM DUET_VM_FLAGS: %s", strerror(-fd));
	close(fd);
	close(dev);
}

static sigjmp_buf sigbus_jmp;

static void on_sigbus(int sig)
{
	siglongjmp(sigbus_jmp, sig);
}

/* Whether reading @p raises SIGBUS. */
static bool read_faults(const __u8 *p)
{
	struct sigaction sa = { .sa_handler = on_sigbus }, old;
	bool faulted = false;

	sigaction(SIGBUS, &sa, &old);
	if (sigsetjmp(sigbus_jmp, 1))
		faulted = true;
	else
		asm volatile("" : : "r"(*p));
	sigaction(SIGBUS, &old, NULL);
	return faulted;
}

static void vcpu_mmap_size(void)
{
	struct duet_test_vm *vm = vm_create_barebones();
	long page = sysconf(_SC_PAGESIZE), size;
	struct duet_test_vcpu *vcpu;
	__u8 *map;

	size = _duet_vcpu_mmap_size(vm->dev_fd, 0);
	test_print("DUET_GET_VCPU_MMAP_SIZE: %ld", size);
	TEST_ASSERT(size >= (long)sizeof(struct duet_run) && size % page == 0,
		    "size %ld", size);
	TEST_ASSERT_RC(_duet_vcpu_mmap_size(vm->dev_fd, 1), -EINVAL);
	/* A /dev/duet ioctl, not a VM one. */
	TEST_ASSERT_RC(_duet_ioctl(vm->fd, DUET_GET_VCPU_MMAP_SIZE, 0), -ENOTTY);

	vcpu = vm_vcpu_add(vm, 0, NULL);
	TEST_ASSERT_EQ(vcpu->run->exit_reason, DUET_EXIT_NONE);
	/* Every page of the area can be read and written. */
	memset(vcpu->run, 0, size);

	/* A mapping past the area faults there, not elsewhere. */
	map = mmap(NULL, size + page, PROT_READ, MAP_SHARED, vcpu->fd, 0);
	TEST_ASSERT(map != MAP_FAILED, "mmap %ld bytes", size + page);
	TEST_ASSERT(!read_faults(map + size - 1), "the area's last byte faults");
	TEST_ASSERT(read_faults(map + size), "the byte after the area reads");
	munmap(map, size + page);
	/* At an offset past the area: refused, or faulting. */
	map = mmap(NULL, page, PROT_READ, MAP_SHARED, vcpu->fd, size);
	if (map == MAP_FAILED) {
		test_print("mmap at offset %ld: %s", size, strerror(errno));
	} else {
		TEST_ASSERT(read_faults(map), "offset %ld reads", size);
		munmap(map, page);
	}
	vm_free(vm);
}

static void create_vcpu_ids(void)
{
	static const unsigned long bad[] = {
		DUET_MAX_VCPUS, DUET_MAX_VCPUS + 1, 1ul << 32, ~0ul,
	};
	struct duet_test_vm *vm = vm_create_barebones();
	int fds[DUET_MAX_VCPUS];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		test_print("vCPU id %#lx", bad[i]);
		TEST_ASSERT_RC(_duet_create_vcpu(vm->fd, bad[i]), -EINVAL);
	}
	/* Every id below the limit, in an odd order. */
	for (i = 0; i < DUET_MAX_VCPUS; i++) {
		unsigned int id = (i * 37) % DUET_MAX_VCPUS;

		fds[id] = _duet_create_vcpu(vm->fd, id);
		TEST_ASSERT(fds[id] >= 0, "vCPU %u: %s", id,
			    strerror(-fds[id]));
	}
	for (i = 0; i < ARRAY_SIZE(bad); i++)
		TEST_ASSERT_RC(_duet_create_vcpu(vm->fd, bad[i]), -EINVAL);
	for (i = 0; i < DUET_MAX_VCPUS; i++)
		close(fds[i]);
	vm_free(vm);
}

static void create_vcpu_twice(void)
{
	struct duet_test_vm *vm = vm_create_barebones();
	struct duet_test_vcpu *vcpu = vm_vcpu_add(vm, 3, NULL);
	int fd;

	TEST_ASSERT_RC(_duet_create_vcpu(vm->fd, 3), -EEXIST);
	TEST_ASSERT_RC(_duet_create_vcpu(vm->fd, 3), -EEXIST);
	/* Its neighbours are free. */
	vm_vcpu_add(vm, 2, NULL);
	vm_vcpu_add(vm, 4, NULL);
	/* Closing the vCPU (fd and mapping) frees its id. */
	vcpu_free(vcpu);
	fd = _duet_create_vcpu(vm->fd, 3);
	TEST_ASSERT(fd >= 0, "vCPU 3 again: %s", strerror(-fd));
	TEST_ASSERT_RC(_duet_create_vcpu(vm->fd, 3), -EEXIST);
	close(fd);
	vm_free(vm);
}

static void unknown_ioctls(void)
{
	struct duet_test_vm *vm = vm_create_barebones();
	struct duet_test_vcpu *vcpu = vm_vcpu_add(vm, 0, NULL);
	__u64 buf[64] = { 0 };

	TEST_ASSERT_RC(_duet_ioctl(vm->fd, DUET_RUN, 0), -ENOTTY);
	TEST_ASSERT_RC(_duet_ioctl(vm->fd, DUET_CREATE_VM, 0), -ENOTTY);
	TEST_ASSERT_RC(_duet_ioctl(vm->fd, _IO(DUETIO, 0xff), 0), -ENOTTY);
	TEST_ASSERT_RC(_duet_ioctl(vcpu->fd, DUET_CREATE_VCPU, 1), -ENOTTY);
	TEST_ASSERT_RC(_duet_ioctl(vcpu->fd, DUET_SET_MEMSLOT,
				   (unsigned long)buf), -ENOTTY);
	TEST_ASSERT_RC(_duet_ioctl(vcpu->fd, _IO(DUETIO, 0xff), 0), -ENOTTY);
	TEST_ASSERT_RC(_duet_ioctl(vcpu->fd, DUET_RUN, 1), -EINVAL);
	vm_free(vm);
}

/* In a child: every VM and vCPU ioctl is refused with -EIO. */
static void other_process_eio(void)
{
	struct duet_test_vm *vm = vm_create_barebones();
	struct duet_test_vcpu *vcpu = vm_vcpu_add(vm, 0, NULL);
	struct duet_regs regs;
	int status;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	TEST_ASSERT(pid >= 0, "fork");
	if (pid == 0) {
		void *mem = test_alloc_mem(DUET_TEST_PAGE_SIZE);

		TEST_ASSERT_RC(_duet_create_vcpu(vm->fd, 1), -EIO);
		TEST_ASSERT_RC(_vm_set_memslot(vm, 0, 0, 0, DUET_TEST_PAGE_SIZE,
					       mem), -EIO);
		TEST_ASSERT_RC(_vcpu_run(vcpu), -EIO);
		TEST_ASSERT_RC(_vcpu_regs_get(vcpu, &regs), -EIO);
		TEST_ASSERT_RC(_vcpu_regs_set(vcpu, &regs), -EIO);
		fflush(stdout);
		_exit(0);
	}
	TEST_ASSERT(waitpid(pid, &status, 0) == pid, "waitpid");
	TEST_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		    "child status %#x", status);
	/* The owner still can. */
	vcpu_regs_get(vcpu, &regs);
	vm_vcpu_add(vm, 1, NULL);
	vm_free(vm);
}

static void guest_sync_loop(void)
{
	__u64 i;

	for (i = 0;; i++)
		GUEST_SYNC(i);
}

/* Close the VM and the vCPU in the order of @how; run in between. */
static void close_in_order(unsigned int how)
{
	struct duet_test_vcpu *vcpu;
	struct duet_test_vm *vm;
	struct duet_run *run;
	size_t run_size;
	int vcpu_fd;

	vm = vm_create_with_one_vcpu(&vcpu, guest_sync_loop);
	vcpu_expect_sync(vcpu, 0);
	run = vcpu->run;
	run_size = vcpu->run_size;
	vcpu_fd = vcpu->fd;
	/* Take the vCPU out of the VM's book-keeping: we close it by hand. */
	vm->vcpus[0] = NULL;
	trace_vcpu_free(vcpu);
	free(vcpu);

	switch (how) {
	case 0:
		/* VM first; the vCPU keeps running on its own reference. */
		close(vm->fd);
		TEST_ASSERT_RC(_duet_ioctl(vcpu_fd, DUET_RUN, 0), 0);
		TEST_ASSERT_EQ(run->exit_reason, DUET_EXIT_IO);
		close(vcpu_fd);
		munmap(run, run_size);
		break;
	case 1:
		/* vCPU first, the VM after. */
		munmap(run, run_size);
		close(vcpu_fd);
		close(vm->fd);
		break;
	default:
		/* Both fds, then the mapping: it holds the vCPU until now. */
		close(vcpu_fd);
		close(vm->fd);
		TEST_ASSERT_EQ(run->exit_reason, DUET_EXIT_IO);
		munmap(run, run_size);
		break;
	}
	/* The VM's trace record, as vm_free() would write it. */
	trace_vm_free(vm);
	close(vm->dev_fd);
	munmap(vm->mem, vm->mem_size);
	free(vm);
}

static void close_order_loop(void)
{
	long refs = module_refcnt(), locked = vm_locked_kb();
	unsigned int i;

	for (i = 0; i < 3 * 8; i++)
		close_in_order(i % 3);
	test_print("refcnt %ld -> %ld, VmLck %ld -> %ld kB", refs,
		   module_refcnt(), locked, vm_locked_kb());
	TEST_ASSERT_EQ(module_refcnt(), refs);
	TEST_ASSERT_EQ(vm_locked_kb(), locked);
}

static __u64 spins;

static void guest_spin(void)
{
	GUEST_SYNC(0);
	for (;;)
		GUEST_WRITE_ONCE(spins, spins + 1);
}

static void on_sigusr1(int sig)
{
	(void)sig;
}

struct runner {
	struct duet_test_vcpu *vcpu;
	int r;
};

static void *run_thread(void *arg)
{
	struct runner *t = arg;

	t->r = _vcpu_run(t->vcpu);
	return NULL;
}

/*
 * Close both fds while another thread is inside DUET_RUN: the run goes
 * on until a signal, and everything is freed once it returns.
 */
static void close_while_running(void)
{
	struct sigaction sa = { .sa_handler = on_sigusr1 };
	long refs = module_refcnt(), locked = vm_locked_kb();
	struct duet_test_vcpu *vcpu;
	struct duet_test_vm *vm;
	struct runner t;
	pthread_t thread;
	unsigned int i;
	__u64 *count;

	TEST_ASSERT(!sigaction(SIGUSR1, &sa, NULL), "sigaction");
	vm = vm_create_with_one_vcpu(&vcpu, guest_spin);
	vcpu_expect_sync(vcpu, 0);
	t.vcpu = vcpu;
	TEST_ASSERT(!pthread_create(&thread, NULL, run_thread, &t),
		    "pthread_create");
	/* The guest counts only while the thread is inside DUET_RUN. */
	count = vm_gva2hva(vm, (uintptr_t)&spins, sizeof(spins));
	for (i = 0; !__atomic_load_n(count, __ATOMIC_RELAXED); i++) {
		TEST_ASSERT(i < 1000, "the guest does not run");
		usleep(10 * 1000);
	}
	close(vcpu->fd);
	close(vm->fd);
	usleep(100 * 1000);
	TEST_ASSERT(!pthread_kill(thread, SIGUSR1), "pthread_kill");
	TEST_ASSERT(!pthread_join(thread, NULL), "pthread_join");
	test_print("DUET_RUN after the fds closed: %s", test_rc_str(t.r));
	TEST_ASSERT_RC(t.r, -EINTR);
	TEST_ASSERT_EQ(vcpu->run->exit_reason, DUET_EXIT_INTR);
	munmap(vcpu->run, vcpu->run_size);
	close(vm->dev_fd);
	munmap(vm->mem, vm->mem_size);
	TEST_ASSERT_EQ(module_refcnt(), refs);
	TEST_ASSERT_EQ(vm_locked_kb(), locked);
}

static const struct test_case cases[] = {
	TEST_CASE(create_vm_close),
	TEST_CASE(create_vm_bad_arg),
	TEST_CASE(vcpu_mmap_size),
	TEST_CASE(create_vcpu_ids),
	TEST_CASE(create_vcpu_twice),
	TEST_CASE(unknown_ioctls),
	TEST_CASE(other_process_eio),
	TEST_CASE(close_order_loop),
	TEST_CASE(close_while_running),
};

int main(void)
{
	TEST_REQUIRE_VM();
	return test_run(cases, ARRAY_SIZE(cases));
}
