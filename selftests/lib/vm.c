// SPDX-License-Identifier: GPL-2.0
/*
 * duet selftests: VMs and vCPUs running the test program's own image; see
 * vm.h for the layout of guest memory.
 */
#include <assert.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/elf.h>

#include "exception.h"
#include "guest.h"
#include "longmode.h"
#include "vm.h"
#include "bt.h"

/* Paging-structure entry bits (APM "Long-Mode Page Translation"). */
#define PTE_P		0x001ULL
#define PTE_RW		0x002ULL
#define PTE_A		0x020ULL
#define PTE_D		0x040ULL
#define PTE_PS		0x080ULL
#define PTE_ADDR_MASK	0x000ffffffffff000ULL

#define SIZE_2M		0x200000ULL

static_assert(DUET_TEST_TABLES_GPA + LONGMODE_TABLES_SIZE <= 0x400000,
	      "the page tables run into the program's image");
static_assert(DUET_TEST_STACKS_GPA + DUET_MAX_VCPUS * DUET_TEST_STACK_SIZE <=
	      DUET_TEST_POOL_GPA, "the vCPU stacks run into the pool");
static_assert(DUET_TEST_MAP_SIZE <= LONGMODE_MAX_MAP_SIZE,
	      "longmode.h cannot map that much");

/* The guest's copy is what counts: see vm_create_flags(). */
bool guest_hypercall_vmcall;

int _duet_create_vm(int dev_fd, unsigned long arg)
{
	return _duet_ioctl(dev_fd, DUET_CREATE_VM, arg);
}

long _duet_vcpu_mmap_size(int dev_fd, unsigned long arg)
{
	return _duet_ioctl(dev_fd, DUET_GET_VCPU_MMAP_SIZE, arg);
}

int _duet_create_vcpu(int vm_fd, unsigned long id)
{
	return _duet_ioctl(vm_fd, DUET_CREATE_VCPU, id);
}

void test_require_vm(void)
{
	int fd, r;

	TEST_REQUIRE_DUET();
	fd = duet_open();
	r = _duet_create_vm(fd, 0);
	close(fd);
	__TEST_REQUIRE(r != -EOPNOTSUPP,
		       "this duet backend does not run guests (DUET_CREATE_VM: %s)",
		       strerror(-r));
	if (r < 0)
		TEST_FAIL("DUET_CREATE_VM: %s", strerror(-r));
	close(r);
}

void *test_alloc_mem(__u64 size)
{
	void *mem = mmap(NULL, size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	TEST_ASSERT(mem != MAP_FAILED, "mmap %#llx bytes",
		    (unsigned long long)size);
	return mem;
}

struct duet_test_vm *vm_create_barebones_flags(unsigned long flags)
{
	struct duet_test_vm *vm = calloc(1, sizeof(*vm));

	TEST_ASSERT(vm, "calloc");
	vm->dev_fd = duet_open();
	vm->backend = duet_cap(vm->dev_fd, DUET_CAP_BACKEND);
	vm->fd = _duet_create_vm(vm->dev_fd, flags);
	if (vm->fd < 0)
		TEST_FAIL("DUET_CREATE_VM %#lx: %s", flags, strerror(-vm->fd));
	trace_vm_created(vm);
	return vm;
}

struct duet_test_vm *vm_create_barebones(void)
{
	return vm_create_barebones_flags(0);
}

/* Read exactly @len bytes at @off of @fd into @buf. */
static void read_at(int fd, void *buf, size_t len, off_t off)
{
	ssize_t n;

	while (len) {
		n = pread(fd, buf, len, off);
		if (n < 0 && errno == EINTR)
			continue;
		TEST_ASSERT(n > 0, "read /proc/self/exe at %#llx",
			    (unsigned long long)off);
		buf = (__u8 *)buf + n;
		len -= n;
		off += n;
	}
}

/*
 * Copy the program's PT_LOAD segments into guest memory at GPA == their
 * virtual address, as the ELF file has them: .data with its initial
 * values, .bss zero.
 */
static void vm_load_image(struct duet_test_vm *vm)
{
	__u64 lo = DUET_TEST_TABLES_GPA + LONGMODE_TABLES_SIZE;
	struct elf64_hdr eh;
	struct elf64_phdr ph;
	unsigned int i, loaded = 0;
	int fd;

	fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	TEST_ASSERT(fd >= 0, "open /proc/self/exe");
	read_at(fd, &eh, sizeof(eh), 0);
	TEST_ASSERT(!memcmp(eh.e_ident, ELFMAG, SELFMAG) &&
		    eh.e_ident[EI_CLASS] == ELFCLASS64 &&
		    eh.e_machine == EM_X86_64, "not an x86-64 ELF file");
	/* A PIE would load elsewhere than its link addresses. */
	TEST_ASSERT(eh.e_type == ET_EXEC,
		    "the test is not a static non-PIE executable (e_type %u)",
		    eh.e_type);
	TEST_ASSERT(eh.e_phentsize == sizeof(ph), "e_phentsize %u",
		    eh.e_phentsize);

	for (i = 0; i < eh.e_phnum; i++) {
		read_at(fd, &ph, sizeof(ph), eh.e_phoff + i * sizeof(ph));
		if (ph.p_type != PT_LOAD)
			continue;
		TEST_ASSERT(ph.p_vaddr >= lo && ph.p_memsz <= DUET_TEST_STACKS_GPA &&
			    ph.p_vaddr + ph.p_memsz <= DUET_TEST_STACKS_GPA &&
			    ph.p_filesz <= ph.p_memsz,
			    "segment %u [%#llx, +%#llx) does not fit below %#llx",
			    i, (unsigned long long)ph.p_vaddr,
			    (unsigned long long)ph.p_memsz,
			    DUET_TEST_STACKS_GPA);
		read_at(fd, vm->mem + ph.p_vaddr, ph.p_filesz, ph.p_offset);
		loaded++;
	}
	close(fd);
	TEST_ASSERT(loaded, "/proc/self/exe has no PT_LOAD segment");
}

struct duet_test_vm *vm_create_flags(unsigned long flags)
{
	struct duet_test_vm *vm = vm_create_barebones_flags(flags);
	int r;

	vm->mem = test_alloc_mem(DUET_TEST_MEM_SIZE);
	vm->mem_size = DUET_TEST_MEM_SIZE;
	vm->pool_next = DUET_TEST_POOL_GPA;
	vm_load_image(vm);
	/*
	 * The hypercall instruction is the backend's: VMCALL on VMX (SDM),
	 * VMMCALL on SVM (APM); the other one raises #UD.
	 */
	guest_hypercall_vmcall = vm->backend == DUET_BACKEND_VMX;
	sync_global_to_guest(vm, guest_hypercall_vmcall);
	r = longmode_build_tables(vm->mem, vm->mem_size, DUET_TEST_TABLES_GPA,
				  DUET_TEST_MAP_SIZE);
	TEST_ASSERT(!r, "longmode_build_tables: %s", strerror(-r));
	vm_set_memslot(vm, DUET_TEST_MEM_SLOT, 0, 0, vm->mem_size, vm->mem);
	return vm;
}

struct duet_test_vm *vm_create(void)
{
	return vm_create_flags(0);
}

void vcpu_setup_entry(struct duet_test_vcpu *vcpu, void *guest_code)
{
	__u64 rsp = vcpu->stack_gpa + DUET_TEST_STACK_SIZE - 8;
	__u64 *ret = vm_gpa2hva(vcpu->vm, rsp, sizeof(*ret));
	int r;

	/*
	 * As if called: RSP + 8 16-byte aligned, and a return address that
	 * reports guest code returning instead of calling GUEST_DONE().
	 */
	*ret = (uintptr_t)ucall_guest_returned;
	r = longmode_setup_vcpu(vcpu->fd, DUET_TEST_TABLES_GPA,
				(uintptr_t)guest_code, rsp, vcpu->id, 0);
	TEST_ASSERT(!r, "vCPU %u: longmode_setup_vcpu: %s", vcpu->id,
		    strerror(-r));
	/* longmode_setup_vcpu() reset IDTR and TR. */
	if (vcpu->tss_gpa)
		vcpu_init_exceptions(vcpu);
}

struct duet_test_vcpu *vm_vcpu_add(struct duet_test_vm *vm, unsigned int id,
				   void *guest_code)
{
	struct duet_test_vcpu *vcpu;
	long size;

	TEST_ASSERT(id < DUET_MAX_VCPUS && !vm->vcpus[id], "vCPU id %u", id);
	vcpu = calloc(1, sizeof(*vcpu));
	TEST_ASSERT(vcpu, "calloc");
	vcpu->vm = vm;
	vcpu->id = id;
	vcpu->fd = _duet_create_vcpu(vm->fd, id);
	if (vcpu->fd < 0)
		TEST_FAIL("DUET_CREATE_VCPU %u: %s", id, strerror(-vcpu->fd));

	size = _duet_vcpu_mmap_size(vm->dev_fd, 0);
	if (size < 0)
		TEST_FAIL("DUET_GET_VCPU_MMAP_SIZE: %s", strerror(-size));
	TEST_ASSERT((size_t)size >= sizeof(*vcpu->run), "run area of %ld bytes",
		    size);
	vcpu->run_size = size;
	vcpu->run = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED,
			 vcpu->fd, 0);
	TEST_ASSERT(vcpu->run != MAP_FAILED, "mmap vCPU %u run area", id);
	vm->vcpus[id] = vcpu;
	vcpu_apply_test_exec_mode(vcpu);

	if (!vm->mem)
		return vcpu;
	vcpu->stack_gpa = DUET_TEST_STACKS_GPA + id * DUET_TEST_STACK_SIZE;
	if (guest_code)
		vcpu_setup_entry(vcpu, guest_code);
	return vcpu;
}

struct duet_test_vm *vm_create_with_vcpus(unsigned int nr_vcpus,
					  void *guest_code,
					  struct duet_test_vcpu *vcpus[])
{
	struct duet_test_vm *vm = vm_create();
	unsigned int i;

	for (i = 0; i < nr_vcpus; i++)
		vcpus[i] = vm_vcpu_add(vm, i, guest_code);
	return vm;
}

void vcpu_free(struct duet_test_vcpu *vcpu)
{
	trace_vcpu_free(vcpu);
	vcpu->vm->vcpus[vcpu->id] = NULL;
	munmap(vcpu->run, vcpu->run_size);
	close(vcpu->fd);
	free(vcpu);
}

void vm_free(struct duet_test_vm *vm)
{
	unsigned int i;

	for (i = 0; i < DUET_MAX_VCPUS; i++)
		if (vm->vcpus[i])
			vcpu_free(vm->vcpus[i]);
	trace_vm_free(vm);
	close(vm->fd);
	close(vm->dev_fd);
	if (vm->mem)
		munmap(vm->mem, vm->mem_size);
	free(vm);
}

int __vm_set_memslot(struct duet_test_vm *vm, struct duet_memslot *m)
{
	int r = _duet_ioctl(vm->fd, DUET_SET_MEMSLOT, (unsigned long)m);

	if (!r)
		trace_memslot(vm, m);
	return r;
}

int _vm_set_memslot(struct duet_test_vm *vm, __u32 slot, __u32 flags,
		    __u64 gpa, __u64 size, void *hva)
{
	struct duet_memslot m = {
		.slot = slot,
		.flags = flags,
		.guest_phys_addr = gpa,
		.memory_size = size,
		.userspace_addr = (uintptr_t)hva,
	};

	return __vm_set_memslot(vm, &m);
}

void *_vm_gpa2hva(struct duet_test_vm *vm, __u64 gpa, __u64 size)
{
	if (gpa >= vm->mem_size || size > vm->mem_size - gpa)
		return NULL;
	return vm->mem + gpa;
}

void vm_sync_global(struct duet_test_vm *vm, void *global, size_t size,
		    bool to_guest)
{
	void *copy = vm_gva2hva(vm, (uintptr_t)global, size);

	if (to_guest)
		memcpy(copy, global, size);
	else
		memcpy(global, copy, size);
}

__u64 vm_alloc_pages(struct duet_test_vm *vm, unsigned int n)
{
	__u64 gpa = vm->pool_next;
	__u64 size = n * DUET_TEST_PAGE_SIZE;

	TEST_ASSERT(vm->mem && size <= vm->mem_size - gpa,
		    "the pool has no %u pages left", n);
	vm->pool_next += size;
	memset(vm->mem + gpa, 0, size);
	return gpa;
}

/* The next table down from entry @pte, made on the way when absent. */
static __u64 *vm_next_table(struct duet_test_vm *vm, __u64 *pte)
{
	if (!(*pte & PTE_P))
		*pte = vm_alloc_pages(vm, 1) | PTE_P | PTE_RW | PTE_A;
	TEST_ASSERT(!(*pte & PTE_PS), "a large page is in the way (%#llx)",
		    (unsigned long long)*pte);
	return vm_gpa2hva(vm, *pte & PTE_ADDR_MASK, DUET_TEST_PAGE_SIZE);
}

void vm_map_2m(struct duet_test_vm *vm, __u64 gva, __u64 gpa)
{
	__u64 *pml4, *pdpt, *pd;

	TEST_ASSERT(!(gva % SIZE_2M) && !(gpa % SIZE_2M),
		    "gva %#llx or gpa %#llx not 2 MiB aligned",
		    (unsigned long long)gva, (unsigned long long)gpa);
	/* 4-level paging: canonical addresses have bits 63:47 equal. */
	TEST_ASSERT(gva >= DUET_TEST_MAP_SIZE && gva < (1ULL << 47),
		    "gva %#llx: not canonical, or inside the identity map",
		    (unsigned long long)gva);
	TEST_ASSERT(!(gpa & ~PTE_ADDR_MASK), "gpa %#llx is too wide",
		    (unsigned long long)gpa);

	pml4 = vm_gpa2hva(vm, DUET_TEST_TABLES_GPA + LONGMODE_PML4_OFFSET,
			  DUET_TEST_PAGE_SIZE);
	pdpt = vm_next_table(vm, &pml4[(gva >> 39) & 511]);
	pd = vm_next_table(vm, &pdpt[(gva >> 30) & 511]);
	pd[(gva >> 21) & 511] = gpa | PTE_P | PTE_RW | PTE_A | PTE_D | PTE_PS;
}

__u64 *vm_map_4k(struct duet_test_vm *vm, __u64 gva, __u64 gpa, bool writable)
{
	__u64 *pml4, *pdpt, *pd, *pt, *pte;

	TEST_ASSERT(!(gva % DUET_TEST_PAGE_SIZE) && !(gpa % DUET_TEST_PAGE_SIZE),
		    "gva %#llx or gpa %#llx not 4 KiB aligned",
		    (unsigned long long)gva, (unsigned long long)gpa);
	TEST_ASSERT(gva >= DUET_TEST_MAP_SIZE && gva < (1ULL << 47),
		    "gva %#llx: not canonical, or inside the identity map",
		    (unsigned long long)gva);
	TEST_ASSERT(!(gpa & ~PTE_ADDR_MASK), "gpa %#llx is too wide",
		    (unsigned long long)gpa);

	pml4 = vm_gpa2hva(vm, DUET_TEST_TABLES_GPA + LONGMODE_PML4_OFFSET,
			  DUET_TEST_PAGE_SIZE);
	pdpt = vm_next_table(vm, &pml4[(gva >> 39) & 511]);
	pd = vm_next_table(vm, &pdpt[(gva >> 30) & 511]);
	pt = vm_next_table(vm, &pd[(gva >> 21) & 511]);
	pte = &pt[(gva >> 12) & 511];
	*pte = gpa | PTE_P | (writable ? PTE_RW : 0);
	return pte;
}

int _vcpu_run(struct duet_test_vcpu *vcpu)
{
	int r = _duet_ioctl(vcpu->fd, DUET_RUN, 0);

	trace_exit(vcpu, r);
	return r;
}

int _vcpu_regs_get(struct duet_test_vcpu *vcpu, struct duet_regs *regs)
{
	return _duet_ioctl(vcpu->fd, DUET_GET_REGS, (unsigned long)regs);
}

int _vcpu_regs_set(struct duet_test_vcpu *vcpu, const struct duet_regs *regs)
{
	return _duet_ioctl(vcpu->fd, DUET_SET_REGS, (unsigned long)regs);
}

int _vcpu_sregs_get(struct duet_test_vcpu *vcpu, struct duet_sregs *sregs)
{
	return _duet_ioctl(vcpu->fd, DUET_GET_SREGS, (unsigned long)sregs);
}

int _vcpu_sregs_set(struct duet_test_vcpu *vcpu,
		    const struct duet_sregs *sregs)
{
	return _duet_ioctl(vcpu->fd, DUET_SET_SREGS, (unsigned long)sregs);
}

int _vcpu_get_msrs(struct duet_test_vcpu *vcpu, struct duet_msrs *msrs)
{
	return _duet_ioctl(vcpu->fd, DUET_GET_MSRS, (unsigned long)msrs);
}

int _vcpu_set_msrs(struct duet_test_vcpu *vcpu, const struct duet_msrs *msrs)
{
	return _duet_ioctl(vcpu->fd, DUET_SET_MSRS, (unsigned long)msrs);
}

/* A struct duet_msrs of one entry. */
struct one_msr {
	struct duet_msrs hdr;
	struct duet_msr_entry e;
};

int _vcpu_get_msr(struct duet_test_vcpu *vcpu, __u32 index, __u64 *data)
{
	struct one_msr m = { .hdr.nmsrs = 1, .e.index = index };
	int r;

	r = _vcpu_get_msrs(vcpu, &m.hdr);
	if (r == 1)
		*data = m.e.data;
	return r;
}

int _vcpu_set_msr(struct duet_test_vcpu *vcpu, __u32 index, __u64 data)
{
	struct one_msr m = {
		.hdr.nmsrs = 1, .e.index = index, .e.data = data,
	};

	return _vcpu_set_msrs(vcpu, &m.hdr);
}

int _duet_get_msr_index_list(int dev_fd, struct duet_msr_list *list)
{
	return _duet_ioctl(dev_fd, DUET_GET_MSR_INDEX_LIST,
			   (unsigned long)list);
}

int _vcpu_xsave_get(struct duet_test_vcpu *vcpu, struct duet_xsave *xsave)
{
	return _duet_ioctl(vcpu->fd, DUET_GET_XSAVE, (unsigned long)xsave);
}

int _vcpu_xsave_set(struct duet_test_vcpu *vcpu,
		    const struct duet_xsave *xsave)
{
	return _duet_ioctl(vcpu->fd, DUET_SET_XSAVE, (unsigned long)xsave);
}

struct duet_xsave *__vcpu_xsave_get(const char *file, int line,
				    struct duet_test_vcpu *vcpu)
{
	struct duet_xsave probe = { .size = 0 }, *x;
	int r;

	/* A zero capacity gives -E2BIG and the size needed. */
	r = _vcpu_xsave_get(vcpu, &probe);
	if (r != -E2BIG)
		__test_fail(file, line, "DUET_GET_XSAVE size 0: %s, want E2BIG",
			    test_rc_str(r));
	x = calloc(1, sizeof(*x) + probe.size);
	if (!x)
		__test_fail(file, line, "calloc %u bytes", probe.size);
	x->size = probe.size;
	r = _vcpu_xsave_get(vcpu, x);
	if (r)
		__test_fail(file, line, "DUET_GET_XSAVE: %s", strerror(-r));
	return x;
}

void __vcpu_complete_mmio(const char *file, int line,
			  struct duet_test_vcpu *vcpu, __u64 data)
{
	struct duet_run *run = vcpu->run;

	if (run->exit_reason != DUET_EXIT_MMIO)
		__test_fail(file, line, "not an MMIO exit: %s",
			    vcpu_exit_str(vcpu));
	if (!run->mmio.len)
		__test_fail(file, line,
			    "MMIO exit at %#llx with len 0: not an instruction's access",
			    (unsigned long long)run->mmio.phys_addr);
	if (!run->mmio.is_write)
		run->mmio.data = data;
}

const char *exit_reason_str(__u32 reason)
{
	static const char * const names[] = {
		[DUET_EXIT_NONE]		= "NONE",
		[DUET_EXIT_IO]			= "IO",
		[DUET_EXIT_MMIO]		= "MMIO",
		[DUET_EXIT_HYPERCALL]		= "HYPERCALL",
		[DUET_EXIT_HLT]			= "HLT",
		[DUET_EXIT_SHUTDOWN]		= "SHUTDOWN",
		[DUET_EXIT_INTR]		= "INTR",
		[DUET_EXIT_INTERNAL_ERROR]	= "INTERNAL_ERROR",
		[DUET_EXIT_IRQ_WINDOW_OPEN]	= "IRQ_WINDOW_OPEN",
		[DUET_EXIT_MSR]			= "MSR",
		[DUET_EXIT_KICK]		= "KICK",
	};

	if (reason >= ARRAY_SIZE(names) || !names[reason])
		return "unknown";
	return names[reason];
}

const char *vcpu_exit_str(struct duet_test_vcpu *vcpu)
{
	static __thread char buf[256];
	struct duet_run *run = vcpu->run;
	struct duet_regs regs;
	int n;

	n = snprintf(buf, sizeof(buf), "vCPU %u exit %s (%u, hw %#llx)",
		     vcpu->id, exit_reason_str(run->exit_reason),
		     run->exit_reason, (unsigned long long)run->hw_exit_code);
	switch (run->exit_reason) {
	case DUET_EXIT_IO:
		n += snprintf(buf + n, sizeof(buf) - n,
			      " port %#x size %u %s count %u", run->io.port,
			      run->io.size,
			      run->io.direction == DUET_EXIT_IO_OUT ? "out" : "in",
			      run->io.count);
		break;
	case DUET_EXIT_MMIO:
		n += snprintf(buf + n, sizeof(buf) - n,
			      " gpa %#llx %s len %u data %#llx fault_info %#llx",
			      (unsigned long long)run->mmio.phys_addr,
			      run->mmio.is_write ? "write" : "read",
			      run->mmio.len,
			      (unsigned long long)run->mmio.data,
			      (unsigned long long)run->mmio.fault_info);
		break;
	case DUET_EXIT_HYPERCALL:
		n += snprintf(buf + n, sizeof(buf) - n, " nr %#llx",
			      (unsigned long long)run->hypercall.nr);
		break;
	case DUET_EXIT_MSR:
		n += snprintf(buf + n, sizeof(buf) - n, " %s %#x data %#llx",
			      run->msr.is_write ? "wrmsr" : "rdmsr",
			      run->msr.index,
			      (unsigned long long)run->msr.data);
		break;
	case DUET_EXIT_INTERNAL_ERROR:
		n += snprintf(buf + n, sizeof(buf) - n,
			      " suberror %u data %#llx %#llx %#llx",
			      run->internal.suberror,
			      (unsigned long long)run->internal.data[0],
			      (unsigned long long)run->internal.data[1],
			      (unsigned long long)run->internal.data[2]);
		break;
	}
	if (n < (int)sizeof(buf) && !_vcpu_regs_get(vcpu, &regs))
		snprintf(buf + n, sizeof(buf) - n, " rip %#llx",
			 (unsigned long long)regs.rip);
	return buf;
}

/* APM "SVM Intercept Exit Codes" (Appendix C). */
#define SVM_EXIT_IOIO		0x07b
#define SVM_EXIT_HLT		0x078
#define SVM_EXIT_MSR		0x07c
#define SVM_EXIT_SHUTDOWN	0x07f
#define SVM_EXIT_VMMCALL	0x081
#define SVM_EXIT_NPF		0x400

/* SDM "Basic Exit Reasons" (Appendix C); the other bits are 0 for these. */
#define VMX_EXIT_TRIPLE_FAULT	2
#define VMX_EXIT_HLT		12
#define VMX_EXIT_VMCALL		18
#define VMX_EXIT_IO		30
#define VMX_EXIT_MSR_READ	31
#define VMX_EXIT_MSR_WRITE	32
#define VMX_EXIT_EPT_VIOLATION	48
#define VMX_EXIT_EPT_MISCONFIG	49

bool test_hw_exit_is(unsigned int backend, __u64 code, enum test_hw_exit kind)
{
	static const __u64 svm[] = {
		[TEST_HW_EXIT_HLT]		= SVM_EXIT_HLT,
		[TEST_HW_EXIT_IO]		= SVM_EXIT_IOIO,
		[TEST_HW_EXIT_HYPERCALL]	= SVM_EXIT_VMMCALL,
		[TEST_HW_EXIT_MSR_READ]		= SVM_EXIT_MSR,
		[TEST_HW_EXIT_MSR_WRITE]	= SVM_EXIT_MSR,
		[TEST_HW_EXIT_MMIO]		= SVM_EXIT_NPF,
		[TEST_HW_EXIT_SHUTDOWN]		= SVM_EXIT_SHUTDOWN,
	};
	static const __u64 vmx[] = {
		[TEST_HW_EXIT_HLT]		= VMX_EXIT_HLT,
		[TEST_HW_EXIT_IO]		= VMX_EXIT_IO,
		[TEST_HW_EXIT_HYPERCALL]	= VMX_EXIT_VMCALL,
		[TEST_HW_EXIT_MSR_READ]		= VMX_EXIT_MSR_READ,
		[TEST_HW_EXIT_MSR_WRITE]	= VMX_EXIT_MSR_WRITE,
		[TEST_HW_EXIT_MMIO]		= VMX_EXIT_EPT_VIOLATION,
		[TEST_HW_EXIT_SHUTDOWN]		= VMX_EXIT_TRIPLE_FAULT,
	};

	if (kind >= ARRAY_SIZE(svm))
		return false;
	if (backend == DUET_BACKEND_SVM)
		return code == svm[kind];
	if (backend != DUET_BACKEND_VMX)
		return false;
	/* MMIO may come from either EPT exit: misconfigured entries can mark it. */
	if (kind == TEST_HW_EXIT_MMIO && code == VMX_EXIT_EPT_MISCONFIG)
		return true;
	return code == vmx[kind];
}

const char *test_hw_exit_str(enum test_hw_exit kind)
{
	static const char * const names[] = {
		[TEST_HW_EXIT_HLT]		= "HLT",
		[TEST_HW_EXIT_IO]		= "port I/O",
		[TEST_HW_EXIT_HYPERCALL]	= "hypercall",
		[TEST_HW_EXIT_MSR_READ]		= "RDMSR",
		[TEST_HW_EXIT_MSR_WRITE]	= "WRMSR",
		[TEST_HW_EXIT_MMIO]		= "nested-paging (MMIO)",
		[TEST_HW_EXIT_SHUTDOWN]		= "triple-fault",
	};

	if (kind >= ARRAY_SIZE(names))
		return "?";
	return names[kind];
}
