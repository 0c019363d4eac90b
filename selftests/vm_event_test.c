// SPDX-License-Identifier: GPL-2.0
/*
 * Event injection: DUET_INJECT_EVENT of interrupts, exceptions and NMIs,
 * and interrupt-window exits.  The guest is a few bytes of 16-bit
 * real-mode code, so that its interrupt table is the real-mode IVT and
 * handlers need no descriptors.
 */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>

#include "test.h"
#include "vm.h"

#define CODE_GPA	0x1000
#define HANDLER_GPA	0x2000
#define STACK_TOP	0x8000
#define IRQ_VECTOR	0x20

/* A memory slot at GPA 0 with @code at CODE_GPA and handlers installed. */
static struct duet_test_vcpu *realmode_vcpu(const __u8 *code, size_t len)
{
	/* Handler: out %al, $0x81; iret */
	static const __u8 handler[] = { 0xe6, 0x81, 0xcf };
	struct duet_test_vm *vm = vm_create_barebones();
	struct duet_test_vcpu *vcpu;
	struct duet_sregs sregs;
	struct duet_regs regs;
	__u8 *mem = test_alloc_mem(1 << 20);
	unsigned int v;

	vm_set_memslot(vm, 0, 0, 0, 1 << 20, mem);
	/* Every IVT entry points at the handler (segment 0). */
	for (v = 0; v < 256; v++) {
		mem[v * 4] = HANDLER_GPA & 0xff;
		mem[v * 4 + 1] = HANDLER_GPA >> 8;
	}
	memcpy(mem + HANDLER_GPA, handler, sizeof(handler));
	memcpy(mem + CODE_GPA, code, len);

	vcpu = vm_vcpu_add(vm, 0, NULL);
	TEST_ASSERT(!ioctl(vcpu->fd, DUET_GET_SREGS, &sregs), "GET_SREGS");
	sregs.cs.base = 0;
	sregs.cs.selector = 0;
	sregs.ss.base = 0;
	sregs.ss.selector = 0;
	TEST_ASSERT(!ioctl(vcpu->fd, DUET_SET_SREGS, &sregs), "SET_SREGS");
	memset(&regs, 0, sizeof(regs));
	regs.rip = CODE_GPA;
	regs.rsp = STACK_TOP;
	regs.rflags = 2;
	TEST_ASSERT(!ioctl(vcpu->fd, DUET_SET_REGS, &regs), "SET_REGS");
	return vcpu;
}

static int inject(struct duet_test_vcpu *vcpu, __u32 type, __u32 vector,
		  __u32 flags, __u32 error_code)
{
	struct duet_event ev = {
		.type = type, .vector = vector, .flags = flags,
		.error_code = error_code,
	};

	return ioctl(vcpu->fd, DUET_INJECT_EVENT, &ev) ? -errno : 0;
}

/* Run until HLT; return the ports the guest wrote, as digits port - 0x80. */
static void run_ports(struct duet_test_vcpu *vcpu, char *seq, size_t size,
		      void (*on_out)(struct duet_test_vcpu *vcpu, __u32 port))
{
	size_t n = 0;

	for (;;) {
		struct duet_run *run = vcpu->run;

		TEST_ASSERT(!_vcpu_run(vcpu), "DUET_RUN");
		if (run->exit_reason == DUET_EXIT_HLT)
			break;
		TEST_ASSERT_EQ(run->exit_reason, DUET_EXIT_IO);
		TEST_ASSERT(n + 1 < size, "too many port writes");
		seq[n++] = '0' + run->io.port - 0x80;
		if (on_out)
			on_out(vcpu, run->io.port);
	}
	seq[n] = 0;
}

static void inject_irq_at_80(struct duet_test_vcpu *vcpu, __u32 port)
{
	if (port != 0x80)
		return;
	TEST_ASSERT_RC(inject(vcpu, DUET_EVENT_INTERRUPT, IRQ_VECTOR, 0, 0), 0);
	/* One interrupt at a time may wait for its window. */
	TEST_ASSERT_RC(inject(vcpu, DUET_EVENT_INTERRUPT, IRQ_VECTOR, 0, 0),
		       -EBUSY);
	TEST_ASSERT_EQ(vcpu->run->if_flag, 0);
	TEST_ASSERT_EQ(vcpu->run->ready_for_interrupt, 0);
}

/*
 * An interrupt injected while the guest has interrupts off waits until
 * STI and its one-instruction shadow are over, then runs the handler.
 */
static void interrupt_waits_for_window(void)
{
	static const __u8 code[] = {
		0xfa,		/* cli */
		0xe6, 0x80,	/* out $0x80: the host injects here */
		0xe6, 0x83,	/* out $0x83: interrupts still off */
		0xfb,		/* sti */
		0x90,		/* nop: the STI shadow */
		0xe6, 0x82,	/* out $0x82: after the handler's 0x81 */
		0xf4,		/* hlt */
	};
	struct duet_test_vcpu *vcpu = realmode_vcpu(code, sizeof(code));
	char seq[16];

	run_ports(vcpu, seq, sizeof(seq), inject_irq_at_80);
	TEST_ASSERT(!strcmp(seq, "0312"), "port sequence %s, want 0312", seq);
	TEST_ASSERT_EQ(vcpu->run->if_flag, 1);
	vm_free(vcpu->vm);
}

/* With interrupts on, the interrupt is taken right at the next entry. */
static void interrupt_immediate(void)
{
	static const __u8 code[] = {
		0xfb,		/* sti */
		0x90,
		0xe6, 0x80,	/* inject here: handler runs next */
		0xe6, 0x82,
		0xf4,
	};
	struct duet_test_vcpu *vcpu = realmode_vcpu(code, sizeof(code));
	char seq[16];

	run_ports(vcpu, seq, sizeof(seq), NULL);
	TEST_ASSERT(!strcmp(seq, "02"), "without injection: %s", seq);
	vm_free(vcpu->vm);

	vcpu = realmode_vcpu(code, sizeof(code));
	for (;;) {
		TEST_ASSERT(!_vcpu_run(vcpu), "DUET_RUN");
		TEST_ASSERT_EQ(vcpu->run->exit_reason, DUET_EXIT_IO);
		if (vcpu->run->io.port == 0x80)
			break;
	}
	TEST_ASSERT_EQ(vcpu->run->if_flag, 1);
	TEST_ASSERT_EQ(vcpu->run->ready_for_interrupt, 1);
	TEST_ASSERT_RC(inject(vcpu, DUET_EVENT_INTERRUPT, IRQ_VECTOR, 0, 0), 0);
	run_ports(vcpu, seq, sizeof(seq), NULL);
	TEST_ASSERT(!strcmp(seq, "12"), "after injection: %s, want 12", seq);
	vm_free(vcpu->vm);
}

/* request_interrupt_window: an exit as soon as the guest can take one. */
static void window_exit(void)
{
	static const __u8 code[] = {
		0xfa,		/* cli */
		0xe6, 0x80,	/* host asks for a window here */
		0xe6, 0x83,
		0xfb,		/* sti */
		0x90,
		0xe6, 0x82,
		0xf4,
	};
	struct duet_test_vcpu *vcpu = realmode_vcpu(code, sizeof(code));
	struct duet_run *run = vcpu->run;
	struct duet_regs regs;

	TEST_ASSERT(!_vcpu_run(vcpu), "DUET_RUN");
	TEST_ASSERT_EQ(run->io.port, 0x80);
	run->request_interrupt_window = 1;
	TEST_ASSERT(!_vcpu_run(vcpu), "DUET_RUN");
	TEST_ASSERT_EQ(run->exit_reason, DUET_EXIT_IO);
	TEST_ASSERT_EQ(run->io.port, 0x83);
	TEST_ASSERT(!_vcpu_run(vcpu), "DUET_RUN");
	TEST_ASSERT_EQ(run->exit_reason, DUET_EXIT_IRQ_WINDOW_OPEN);
	TEST_ASSERT_EQ(run->ready_for_interrupt, 1);
	/* The window opens after STI's shadow, at the OUT to 0x82. */
	TEST_ASSERT(!ioctl(vcpu->fd, DUET_GET_REGS, &regs), "GET_REGS");
	TEST_ASSERT_EQ(regs.rip, CODE_GPA + 7);
	run->request_interrupt_window = 0;
	TEST_ASSERT_RC(inject(vcpu, DUET_EVENT_INTERRUPT, IRQ_VECTOR, 0, 0), 0);
	TEST_ASSERT(!_vcpu_run(vcpu), "DUET_RUN");
	TEST_ASSERT_EQ(run->io.port, 0x81);
	vm_free(vcpu->vm);
}

/* An exception is delivered at the next entry, whatever RFLAGS.IF says. */
static void exception_and_nmi(void)
{
	static const __u8 code[] = {
		0xfa,		/* cli */
		0xe6, 0x80,	/* inject #UD here: handler writes 0x81 */
		0xe6, 0x80,	/* inject an NMI here: handler again */
		0xe6, 0x82,
		0xf4,
	};
	struct duet_test_vcpu *vcpu = realmode_vcpu(code, sizeof(code));
	char seq[16];
	int n = 0;

	for (;;) {
		TEST_ASSERT(!_vcpu_run(vcpu), "DUET_RUN");
		if (vcpu->run->exit_reason == DUET_EXIT_HLT)
			break;
		TEST_ASSERT_EQ(vcpu->run->exit_reason, DUET_EXIT_IO);
		seq[n++] = '0' + vcpu->run->io.port - 0x80;
		if (n == 1)
			TEST_ASSERT_RC(inject(vcpu, DUET_EVENT_EXCEPTION, 6, 0, 0), 0);
		else if (n == 3)
			TEST_ASSERT_RC(inject(vcpu, DUET_EVENT_NMI, 0, 0, 0), 0);
		TEST_ASSERT(n < 15, "runaway guest");
	}
	seq[n] = 0;
	TEST_ASSERT(!strcmp(seq, "01012"), "port sequence %s, want 01012", seq);
	vm_free(vcpu->vm);
}

/* Malformed events are refused before anything is queued. */
static void bad_events(void)
{
	static const __u8 code[] = { 0xf4 };
	struct duet_test_vcpu *vcpu = realmode_vcpu(code, sizeof(code));
	struct duet_event ev = { .type = DUET_EVENT_NMI };

	TEST_ASSERT_RC(inject(vcpu, DUET_EVENT_INTERRUPT, 5, 0, 0), -EINVAL);
	TEST_ASSERT_RC(inject(vcpu, DUET_EVENT_INTERRUPT, 256, 0, 0), -EINVAL);
	TEST_ASSERT_RC(inject(vcpu, DUET_EVENT_EXCEPTION, 32, 0, 0), -EINVAL);
	TEST_ASSERT_RC(inject(vcpu, DUET_EVENT_EXCEPTION, 2, 0, 0), -EINVAL);
	/* #GP pushes an error code, #UD does not. */
	TEST_ASSERT_RC(inject(vcpu, DUET_EVENT_EXCEPTION, 13, 0, 0), -EINVAL);
	TEST_ASSERT_RC(inject(vcpu, DUET_EVENT_EXCEPTION, 6,
			      DUET_EVENT_HAS_ERROR_CODE, 0), -EINVAL);
	TEST_ASSERT_RC(inject(vcpu, 7, 0x20, 0, 0), -EINVAL);
	TEST_ASSERT_RC(inject(vcpu, DUET_EVENT_NMI, 0, 0x80, 0), -EINVAL);
	ev.reserved[1] = 1;
	TEST_ASSERT(ioctl(vcpu->fd, DUET_INJECT_EVENT, &ev) && errno == EINVAL,
		    "reserved field accepted");
	/* A valid #GP with its code is queued; a second exception waits. */
	TEST_ASSERT_RC(inject(vcpu, DUET_EVENT_EXCEPTION, 13,
			      DUET_EVENT_HAS_ERROR_CODE, 0), 0);
	TEST_ASSERT_RC(inject(vcpu, DUET_EVENT_EXCEPTION, 6, 0, 0), -EBUSY);
	vm_free(vcpu->vm);
}

static const struct test_case cases[] = {
	TEST_CASE(interrupt_waits_for_window),
	TEST_CASE(interrupt_immediate),
	TEST_CASE(window_exit),
	TEST_CASE(exception_and_nmi),
	TEST_CASE(bad_events),
};

int main(void)
{
	TEST_REQUIRE_VM();
	return test_run(cases, ARRAY_SIZE(cases));
}
