// SPDX-License-Identifier: GPL-2.0
/*
 * duet selftests: the exit and state trace of trace.h.
 */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "trace.h"
#include "ucall.h"
#include "vm.h"

#define FNV_OFFSET	0xcbf29ce484222325ULL
#define FNV_PRIME	0x100000001b3ULL
#define CHUNK		0x200000ULL
#define PAGE		0x1000ULL

/* The VMs of this process not freed yet, for trace_case_end(). */
static struct duet_test_vm *live[64];
static unsigned int nr_created;
static pthread_mutex_t live_lock = PTHREAD_MUTEX_INITIALIZER;

bool trace_enabled(void)
{
	const char *f = getenv("DUET_TEST_TRACE");

	return f && *f;
}

static void __printf(2, 3) tb_add(struct trace_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->s ? b->s + b->len : NULL,
			      b->s ? b->cap - b->len : 0, fmt, ap);
		va_end(ap);
		TEST_ASSERT(n >= 0, "trace: vsnprintf");
		if (b->s && b->len + n < b->cap)
			break;
		b->cap = (b->cap + n + 1) * 2;
		b->s = realloc(b->s, b->cap);
		TEST_ASSERT(b->s, "trace: realloc %zu", b->cap);
	}
	b->len += n;
}

/* Append @b to the trace file in one write, and empty it. */
static void tb_flush(struct trace_buf *b)
{
	const char *path = getenv("DUET_TEST_TRACE");
	size_t off = 0;
	ssize_t n;
	int fd;

	if (!b->len)
		return;
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	TEST_ASSERT(fd >= 0, "trace: open %s", path);
	while (off < b->len) {
		n = write(fd, b->s + off, b->len - off);
		if (n < 0 && errno == EINTR)
			continue;
		TEST_ASSERT(n > 0, "trace: write %s", path);
		off += n;
	}
	close(fd);
	b->len = 0;
}

static void tb_free(struct trace_buf *b)
{
	free(b->s);
	memset(b, 0, sizeof(*b));
}

static const char *case_name(void)
{
	const char *name = test_current();

	return name ? name : "-";
}

static __u64 fnv1a(__u64 h, const void *p, size_t len)
{
	const __u8 *c = p;

	while (len--) {
		h ^= *c++;
		h *= FNV_PRIME;
	}
	return h;
}

static void tb_regs(struct trace_buf *b, const struct duet_regs *r)
{
	tb_add(b, "rax=%llx rbx=%llx rcx=%llx rdx=%llx rsi=%llx rdi=%llx",
	       r->rax, r->rbx, r->rcx, r->rdx, r->rsi, r->rdi);
	tb_add(b, " rsp=%llx rbp=%llx r8=%llx r9=%llx r10=%llx r11=%llx",
	       r->rsp, r->rbp, r->r8, r->r9, r->r10, r->r11);
	tb_add(b, " r12=%llx r13=%llx r14=%llx r15=%llx rip=%llx rflags=%llx",
	       r->r12, r->r13, r->r14, r->r15, r->rip, r->rflags);
}

static struct trace_buf *vcpu_tb(struct duet_test_vcpu *vcpu)
{
	static_assert(sizeof(vcpu->trace) == sizeof(struct trace_buf),
		      "duet_test_vcpu.trace is not a struct trace_buf");
	return (struct trace_buf *)&vcpu->trace;
}

static void tb_prefix(struct trace_buf *b, struct duet_test_vcpu *vcpu)
{
	tb_add(b, "%s vm%u vcpu%u ", case_name(), vcpu->vm->trace_index,
	       vcpu->id);
}

/* The ucall a ucall-shaped OUT exit carries, read as get_ucall() does. */
static void tb_ucall(struct trace_buf *b, struct duet_test_vcpu *vcpu,
		     const struct duet_regs *regs)
{
	const struct ucall *uc = _vm_gpa2hva(vcpu->vm, regs->rdi, sizeof(*uc));
	__u64 i;

	if (!uc) {
		tb_add(b, " ucall outside memory");
		return;
	}
	tb_add(b, " ucall %s nargs %llu", ucall_cmd_str(uc->cmd), uc->nargs);
	for (i = 0; i < uc->nargs && i < UCALL_MAX_ARGS; i++)
		tb_add(b, " %llx", uc->args[i]);
	if (uc->cmd == UCALL_PRINTF || uc->cmd == UCALL_ABORT)
		tb_add(b, " text fnv1a %llx",
		       fnv1a(FNV_OFFSET, uc->buffer,
			     strnlen(uc->buffer, sizeof(uc->buffer))));
}

static void tb_payload(struct trace_buf *b, struct duet_test_vcpu *vcpu,
		       const struct duet_regs *regs)
{
	struct duet_run *run = vcpu->run;
	size_t len, i;
	const __u8 *d;

	switch (run->exit_reason) {
	case DUET_EXIT_IO:
		tb_add(b, " %s port %x size %u count %u",
		       run->io.direction == DUET_EXIT_IO_OUT ? "out" : "in",
		       run->io.port, run->io.size, run->io.count);
		/* The data of an IN is the test's to fill in. */
		if (run->io.direction != DUET_EXIT_IO_OUT)
			break;
		len = (size_t)run->io.size * run->io.count;
		d = vcpu_io_data(vcpu);
		if (len > vcpu->run_size - run->io.data_offset) {
			tb_add(b, " data outside the run area");
			break;
		}
		if (len <= 32) {
			tb_add(b, " data ");
			for (i = 0; i < len; i++)
				tb_add(b, "%02x", d[i]);
		} else {
			tb_add(b, " data fnv1a %llx", fnv1a(FNV_OFFSET, d, len));
		}
		if (run->io.port == UCALL_PIO_PORT && run->io.size == 1 &&
		    run->io.count == 1)
			tb_ucall(b, vcpu, regs);
		break;
	case DUET_EXIT_MMIO:
		tb_add(b, " %s gpa %llx len %u", run->mmio.is_write ? "write" :
		       "read", run->mmio.phys_addr, run->mmio.len);
		if (run->mmio.is_write)
			tb_add(b, " data %llx", run->mmio.data);
		tb_add(b, " fault_info %llx", run->mmio.fault_info);
		break;
	case DUET_EXIT_HYPERCALL:
		tb_add(b, " nr %llx args %llx %llx %llx %llx",
		       run->hypercall.nr, run->hypercall.args[0],
		       run->hypercall.args[1], run->hypercall.args[2],
		       run->hypercall.args[3]);
		break;
	case DUET_EXIT_MSR:
		tb_add(b, " %s %x", run->msr.is_write ? "wrmsr" : "rdmsr",
		       run->msr.index);
		if (run->msr.is_write)
			tb_add(b, " data %llx", run->msr.data);
		break;
	case DUET_EXIT_INTERNAL_ERROR:
		tb_add(b, " suberror %u ndata %u data %llx %llx %llx %llx",
		       run->internal.suberror, run->internal.ndata,
		       run->internal.data[0], run->internal.data[1],
		       run->internal.data[2], run->internal.data[3]);
		break;
	}
}

void trace_exit(struct duet_test_vcpu *vcpu, int rc)
{
	struct trace_buf *b = vcpu_tb(vcpu);
	struct duet_run *run = vcpu->run;
	struct duet_regs regs;
	const char *p;
	int r;

	if (!trace_enabled())
		return;
	tb_prefix(b, vcpu);
	tb_add(b, "#%lu", vcpu->trace_seq);
	/*
	 * A signal or a kick stops the guest wherever it is: neither the
	 * place nor how much it did by then is the guest's doing.
	 */
	if (rc == -EINTR || (!rc && (run->exit_reason == DUET_EXIT_INTR ||
				     run->exit_reason == DUET_EXIT_KICK))) {
		tb_add(b, " asynchronous %s\n", rc ? "EINTR" :
		       exit_reason_str(run->exit_reason));
		vcpu->trace_seq++;
		return;
	}
	if (rc)
		tb_add(b, " rc %d", rc);
	tb_add(b, " exit %s hw %llx", exit_reason_str(run->exit_reason),
	       run->hw_exit_code);
	r = _vcpu_regs_get(vcpu, &regs);
	if (r) {
		tb_add(b, " | regs: %d\n", r);
		vcpu->trace_seq++;
		return;
	}
	p = getenv("DUET_TEST_TRACE_PERTURB");
	if (!vcpu->trace_seq && p && !strcmp(p, "1"))
		regs.rax ^= 1;
	tb_payload(b, vcpu, &regs);
	tb_add(b, " | ");
	tb_regs(b, &regs);
	tb_add(b, "\n");
	vcpu->trace_seq++;
}

static void tb_seg(struct trace_buf *b, const char *name,
		   const struct duet_segment *s)
{
	tb_add(b, " %s=%x", name, s->selector);
}

/* The vCPU's exits and its state now, into @out. */
static void vcpu_final(struct trace_buf *out, struct duet_test_vcpu *vcpu)
{
	struct trace_buf *b = vcpu_tb(vcpu);
	struct duet_sregs s;
	struct duet_regs regs;
	int r;

	if (b->len)
		tb_add(out, "%.*s", (int)b->len, b->s);
	b->len = 0;
	tb_prefix(out, vcpu);
	tb_add(out, "final ");
	r = _vcpu_regs_get(vcpu, &regs);
	if (r)
		tb_add(out, "regs: %d", r);
	else
		tb_regs(out, &regs);
	r = _vcpu_sregs_get(vcpu, &s);
	if (r) {
		tb_add(out, " | sregs: %d\n", r);
		return;
	}
	tb_add(out, " | cr0=%llx cr2=%llx cr3=%llx cr4=%llx efer=%llx",
	       s.cr0, s.cr2, s.cr3, s.cr4, s.efer);
	tb_seg(out, "cs", &s.cs);
	tb_seg(out, "ds", &s.ds);
	tb_seg(out, "es", &s.es);
	tb_seg(out, "fs", &s.fs);
	tb_seg(out, "gs", &s.gs);
	tb_seg(out, "ss", &s.ss);
	tb_seg(out, "tr", &s.tr);
	tb_seg(out, "ldt", &s.ldt);
	tb_add(out, "\n");
}

/*
 * Fold the data pages of [@hva, @hva + @len) into *@h: each page that is
 * not all zero, with its offset.  Pages never touched are not resident
 * and read as zero (these machines have no swap), so they are skipped
 * unread: reading 64 MiB per VM is seconds in QEMU.  The data go through
 * /proc/self/mem: the test may have unmapped or protected a slot's memory
 * (vm_memslot_test does), and that must not crash the trace.  Returns
 * whether any page had data, or -1 when the range is not mapped.
 */
static int hash_range(int fd, __u64 hva, __u64 len, __u64 *h)
{
	static unsigned char vec[CHUNK / PAGE];
	__u64 page[PAGE / 8], off, i;
	bool data = false, zero;
	ssize_t n;

	if (hva % PAGE || len % PAGE || len > CHUNK ||
	    mincore((void *)(uintptr_t)hva, len, vec))
		return -1;
	for (off = 0; off < len; off += PAGE) {
		if (!(vec[off / PAGE] & 1))
			continue;
		do {
			n = pread(fd, page, PAGE, (off_t)(hva + off));
		} while (n < 0 && errno == EINTR);
		if (n != PAGE)
			return -1;
		zero = true;
		for (i = 0; i < PAGE / 8 && zero; i++)
			zero = !page[i];
		if (zero)
			continue;
		data = true;
		*h = (*h ^ off) * FNV_PRIME;
		/* FNV-1a over 64-bit words: bytes would be slow in TCG. */
		for (i = 0; i < PAGE / 8; i++)
			*h = (*h ^ page[i]) * FNV_PRIME;
	}
	return data;
}

/* Digests of every slot of @vm, and of each chunk with data, into @out. */
static void vm_memory(struct trace_buf *out, struct duet_test_vm *vm)
{
	const struct duet_memslot *m;
	__u64 off, len, h, hc;
	unsigned int s;
	int fd, r;

	fd = open("/proc/self/mem", O_RDONLY | O_CLOEXEC);
	TEST_ASSERT(fd >= 0, "trace: open /proc/self/mem");
	for (s = 0; s < DUET_MAX_MEMSLOTS; s++) {
		m = &vm->trace_slots[s];
		if (!m->memory_size)
			continue;
		h = FNV_OFFSET;
		for (off = 0; off < m->memory_size; off += len) {
			len = m->memory_size - off < CHUNK ?
			      m->memory_size - off : CHUNK;
			hc = FNV_OFFSET;
			r = hash_range(fd, m->userspace_addr + off, len, &hc);
			if (r < 0) {
				tb_add(out, "%s vm%u slot%u unreadable at %llx\n",
				       case_name(), vm->trace_index, s,
				       m->guest_phys_addr + off);
				break;
			}
			if (!r)
				continue;
			h = (h ^ off ^ hc) * FNV_PRIME;
			tb_add(out, "%s vm%u slot%u chunk %llx fnv1a %llx\n",
			       case_name(), vm->trace_index, s,
			       m->guest_phys_addr + off, hc);
		}
		tb_add(out, "%s vm%u slot%u [%llx, +%llx) flags %x fnv1a %llx\n",
		       case_name(), vm->trace_index, s, m->guest_phys_addr,
		       m->memory_size, m->flags, h);
	}
	close(fd);
}

void trace_vm_created(struct duet_test_vm *vm)
{
	unsigned int i;

	if (!trace_enabled())
		return;
	pthread_mutex_lock(&live_lock);
	vm->trace_index = nr_created++;
	for (i = 0; i < ARRAY_SIZE(live); i++) {
		if (!live[i]) {
			live[i] = vm;
			break;
		}
	}
	pthread_mutex_unlock(&live_lock);
	TEST_ASSERT(i < ARRAY_SIZE(live), "trace: more than %zu VMs",
		    ARRAY_SIZE(live));
}

void trace_memslot(struct duet_test_vm *vm, const struct duet_memslot *m)
{
	if (m->slot < DUET_MAX_MEMSLOTS)
		vm->trace_slots[m->slot] = *m;
}

void trace_vcpu_free(struct duet_test_vcpu *vcpu)
{
	struct trace_buf out = { 0 };

	if (!trace_enabled())
		return;
	vcpu_final(&out, vcpu);
	tb_flush(&out);
	tb_free(&out);
	tb_free(vcpu_tb(vcpu));
}

/* Memory of @vm; its vCPUs are written (and freed) first. */
static void vm_write(struct duet_test_vm *vm, bool vcpus)
{
	struct trace_buf out = { 0 };
	unsigned int i;

	if (vcpus)
		for (i = 0; i < DUET_MAX_VCPUS; i++)
			if (vm->vcpus[i])
				vcpu_final(&out, vm->vcpus[i]);
	vm_memory(&out, vm);
	tb_flush(&out);
	tb_free(&out);
}

void trace_vm_free(struct duet_test_vm *vm)
{
	unsigned int i;

	if (!trace_enabled())
		return;
	vm_write(vm, false);
	pthread_mutex_lock(&live_lock);
	for (i = 0; i < ARRAY_SIZE(live); i++)
		if (live[i] == vm)
			live[i] = NULL;
	pthread_mutex_unlock(&live_lock);
}

void trace_case_end(void)
{
	unsigned int i;

	if (!trace_enabled())
		return;
	/* In creation order: live[] reuses freed places. */
	for (;;) {
		struct duet_test_vm *first = NULL;

		for (i = 0; i < ARRAY_SIZE(live); i++)
			if (live[i] && (!first ||
					live[i]->trace_index < first->trace_index))
				first = live[i];
		if (!first)
			break;
		vm_write(first, true);
		for (i = 0; i < ARRAY_SIZE(live); i++)
			if (live[i] == first)
				live[i] = NULL;
	}
}
