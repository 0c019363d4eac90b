// SPDX-License-Identifier: GPL-2.0
/*
 * Guest exits: ucalls themselves (sync, done, a failed guest assertion,
 * guest code that returns, the guest's printf), CPUID answered in the
 * kernel (the host's vendor, zeros for garbage leaves), the hypercall
 * (VMMCALL on SVM, VMCALL on VMX), port I/O
 * of each size in both directions, HLT, string I/O (one OUTSB here;
 * vm_pio_string_test has the rest), MSRs (emulated, or #GP seen by the
 * guest's handler), and guests that triple-fault, after which the VM is
 * dead and the host is fine.
 */
#include <cpuid.h>
#include <stdio.h>
#include <unistd.h>

#include "exception.h"
#include "guest.h"
#include "vm.h"

#define HC_NR		0x1234abcdull
#define HC_RET		0xfeedfacecafebeefull

#define MSR_IA32_TSC	0x10
#define MSR_EFER	0xc0000080
#define MSR_UNKNOWN	0xc0011fffu

static void guest_sync_done(__u64 id)
{
	GUEST_SYNC(id);
	GUEST_SYNC(0x1234567890abcdefull);
	GUEST_SYNC4(1, 2, 3, 4);
	GUEST_DONE();
}

static void ucall_sync_done(void)
{
	struct duet_test_vcpu *vcpu;
	struct ucall uc;

	vm_create_with_one_vcpu(&vcpu, guest_sync_done);
	vcpu_expect_sync(vcpu, 0);
	TEST_ASSERT_EQ(vcpu->run->io.port, UCALL_PIO_PORT);
	vcpu_expect_sync(vcpu, 0x1234567890abcdefull);
	TEST_ASSERT_EQ(vcpu_run_ucall(vcpu, &uc), UCALL_SYNC);
	TEST_ASSERT_EQ(uc.nargs, 4);
	TEST_ASSERT_EQ(uc.args[0], 1);
	TEST_ASSERT_EQ(uc.args[3], 4);
	TEST_ASSERT_EQ(uc.args[4], 0);
	vcpu_expect_done(vcpu);
}

static void guest_returns(void)
{
}

/* Guest code that returns lands in ucall_guest_returned(): an abort. */
static void ucall_guest_return_aborts(void)
{
	struct duet_test_vcpu *vcpu;
	struct ucall uc;

	vm_create_with_one_vcpu(&vcpu, guest_returns);
	vcpu_run(vcpu);
	TEST_ASSERT_EQ(get_ucall(vcpu, &uc), UCALL_ABORT);
	test_print("guest says: %s", uc.buffer);
	TEST_ASSERT(strstr(uc.buffer, "GUEST_DONE"), "message '%s'", uc.buffer);
}

static void guest_assert_fails(void)
{
	int x = -42;

	GUEST_SYNC(__LINE__ + 1);
	__GUEST_ASSERT(x == 42, "x=%d s=%s", x, "text");
	GUEST_DONE();
}

/* A failed guest assertion reaches the host with file, line and text. */
static void ucall_guest_assert(void)
{
	struct duet_test_vcpu *vcpu;
	struct duet_test_vm *vm;
	struct ucall uc;
	__u64 line;
	const char *s;

	vm = vm_create_with_one_vcpu(&vcpu, guest_assert_fails);
	TEST_ASSERT_EQ(vcpu_run_ucall(vcpu, &uc), UCALL_SYNC);
	line = uc.args[0];
	vcpu_run(vcpu);
	TEST_ASSERT_EQ(get_ucall(vcpu, &uc), UCALL_ABORT);
	TEST_ASSERT_EQ(uc.args[GUEST_LINE], line);
	TEST_ASSERT(!strcmp(uc.buffer, "x=-42 s=text"), "buffer '%s'",
		    uc.buffer);
	/* The strings are the guest's copy of our own .rodata. */
	s = vm_gva2hva(vm, uc.args[GUEST_FILE], sizeof(__FILE__));
	TEST_ASSERT(!strcmp(s, __FILE__), "file '%s'", s);
	s = vm_gva2hva(vm, uc.args[GUEST_ERROR_STRING], sizeof("x == 42"));
	TEST_ASSERT(!strcmp(s, "x == 42"), "expression '%s'", s);
	/* The guest goes on after an abort when the host lets it. */
	vcpu_expect_done(vcpu);
}

/*
 * Formats with up to six arguments, each passed as a 64-bit word (the
 * x86-64 calling convention reads an int from the low half): the guest
 * prints each with GUEST_PRINTF(), the host with snprintf().
 */
struct printf_case {
	const char *fmt;
	__u64 a[6];
};

static const struct printf_case printf_cases[] = {
	{ "plain text, no conversion", { 0 } },
	{ "%d %i %u", { (__u64)-42, 7, 42 } },
	{ "%x %X %#x %#x %o%%", { 0xbeef, 0xbeef, 0xbeef, 0, 8 } },
	{ "%lx %llx %#lx", { 0xdeadbeefcafe, 0x1234567890abcdef, 1 } },
	{ "%ld %lld %lu", { (__u64)-1, 1ull << 63, ~0ull } },
	{ "[%5d] [%-5d] [%05d] [%.3d] [%*d]", { 42, 42, (__u64)-42, 7, 4, 9 } },
	{ "[%s] [%10s] [%-4s] [%.2s] [%c%c]",
	  { (uintptr_t)"abc", (uintptr_t)"right", (uintptr_t)"l",
	    (uintptr_t)"xyz", 'o', 'k' } },
	{ "%p %p", { 0x1000, 0 } },
	{ "%hhx %hx %zu %hd", { 0x1ff, 0x1ffff, 12345, 0x18000 } },
	{ "%s|%-3c|%3c", { (uintptr_t)"", 'a', 'b' } },
};

static void guest_printf(void)
{
	const struct printf_case *c;
	unsigned int i;
	char buf[4];

	for (i = 0; i < ARRAY_SIZE(printf_cases); i++) {
		c = &printf_cases[i];
		ucall_fmt(UCALL_PRINTF, c->fmt, c->a[0], c->a[1], c->a[2],
			  c->a[3], c->a[4], c->a[5]);
	}
	/* Truncation: the length it wanted, NUL-terminated. */
	GUEST_ASSERT_EQ(guest_snprintf(buf, sizeof(buf), "%s", "abcdef"), 6);
	GUEST_ASSERT(buf[0] == 'a' && buf[2] == 'c' && buf[3] == '\0');
	GUEST_ASSERT_EQ(guest_snprintf(buf, 0, "%d", 1234), 4);
	GUEST_DONE();
}

/* The guest's freestanding printf matches the C library's. */
static void ucall_guest_printf(void)
{
	const struct printf_case *c;
	struct duet_test_vcpu *vcpu;
	char want[UCALL_BUFFER_LEN];
	struct ucall uc;
	unsigned int i;

	vm_create_with_one_vcpu(&vcpu, guest_printf);
	for (i = 0; i < ARRAY_SIZE(printf_cases); i++) {
		c = &printf_cases[i];
		snprintf(want, sizeof(want), c->fmt, c->a[0], c->a[1], c->a[2],
			 c->a[3], c->a[4], c->a[5]);
		vcpu_run(vcpu);
		TEST_ASSERT_EQ(get_ucall(vcpu, &uc), UCALL_PRINTF);
		test_print("\"%s\" -> \"%s\"", c->fmt, uc.buffer);
		TEST_ASSERT(!strcmp(uc.buffer, want), "want \"%s\"", want);
	}
	vcpu_expect_done(vcpu);
}

static void guest_cpuid_code(void)
{
	static const __u32 leaves[] = {
		0, 1, 0x80000000, 0x80000001, 0xdeadbeef, 0x4fffffff,
	};
	__u32 a, b, c, d;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(leaves); i++) {
		guest_cpuid(leaves[i], 0, &a, &b, &c, &d);
		GUEST_SYNC4(a, b, c, d);
	}
	GUEST_DONE();
}

/*
 * CPUID answers from the vCPU's table, which starts as the host's: its
 * vendor and signature, a hypervisor bit, neither VMX nor SVM; unknown
 * leaves read 0.
 */
static void cpuid_host_values(void)
{
	struct duet_test_vcpu *vcpu;
	unsigned int a, b, c, d, i;
	char vendor[13], host_vendor[13];
	struct ucall uc;

	vm_create_with_one_vcpu(&vcpu, guest_cpuid_code);

	TEST_ASSERT_EQ(vcpu_run_ucall(vcpu, &uc), UCALL_SYNC);
	__cpuid(0, a, b, c, d);
	memcpy(host_vendor, &b, 4);
	memcpy(host_vendor + 4, &d, 4);
	memcpy(host_vendor + 8, &c, 4);
	host_vendor[12] = '\0';
	memcpy(vendor, &uc.args[1], 4);
	memcpy(vendor + 4, &uc.args[3], 4);
	memcpy(vendor + 8, &uc.args[2], 4);
	vendor[12] = '\0';
	test_print("guest vendor '%s', host '%s', max leaf %#llx", vendor,
		   host_vendor, (unsigned long long)uc.args[0]);
	TEST_ASSERT(!strcmp(vendor, host_vendor), "vendor differs");
	TEST_ASSERT_EQ(uc.args[0], a);

	/* Leaf 1: family/model/stepping as the host's, and a hypervisor. */
	TEST_ASSERT_EQ(vcpu_run_ucall(vcpu, &uc), UCALL_SYNC);
	__cpuid(1, a, b, c, d);
	TEST_ASSERT_EQ(uc.args[0], a);
	TEST_ASSERT(uc.args[2] & BIT(31), "leaf 1 ECX %#llx: no hypervisor bit",
		    (unsigned long long)uc.args[2]);
	/* No nested VMX for the guest, whatever the host has. */
	TEST_ASSERT(!(uc.args[2] & BIT(5)), "leaf 1 ECX %#llx: VMX bit set",
		    (unsigned long long)uc.args[2]);

	TEST_ASSERT_EQ(vcpu_run_ucall(vcpu, &uc), UCALL_SYNC);
	__cpuid(0x80000000, a, b, c, d);
	TEST_ASSERT_EQ(uc.args[0], a);

	/* No nested SVM for the guest. */
	TEST_ASSERT_EQ(vcpu_run_ucall(vcpu, &uc), UCALL_SYNC);
	TEST_ASSERT_EQ(uc.args[2] & BIT(2), 0);

	/* Garbage leaves: zeros, and the host goes on. */
	for (i = 0; i < 2; i++) {
		TEST_ASSERT_EQ(vcpu_run_ucall(vcpu, &uc), UCALL_SYNC);
		TEST_ASSERT(!uc.args[0] && !uc.args[1] && !uc.args[2] &&
			    !uc.args[3], "leaf %u: %#llx %#llx %#llx %#llx", i,
			    (unsigned long long)uc.args[0],
			    (unsigned long long)uc.args[1],
			    (unsigned long long)uc.args[2],
			    (unsigned long long)uc.args[3]);
	}
	vcpu_expect_done(vcpu);
}

/*
 * The hypercall (guest_hypercall() of guest.h), with R8 = the address
 * after it.
 */
static __u64 guest_hypercall_at(__u64 nr, __u64 a0, __u64 a1, __u64 a2,
				__u64 a3)
{
	__u64 ret;

	if (GUEST_READ_ONCE(guest_hypercall_vmcall))
		asm volatile("lea 1f(%%rip), %%r8\n\t"
			     "vmcall\n"
			     "1:"
			     : "=a"(ret)
			     : "a"(nr), "b"(a0), "c"(a1), "d"(a2), "S"(a3)
			     : "r8", "memory");
	else
		asm volatile("lea 1f(%%rip), %%r8\n\t"
			     "vmmcall\n"
			     "1:"
			     : "=a"(ret)
			     : "a"(nr), "b"(a0), "c"(a1), "d"(a2), "S"(a3)
			     : "r8", "memory");
	return ret;
}

static void guest_hypercall_code(void)
{
	/* Answered in the kernel: no exit, RAX = 0. */
	GUEST_SYNC(guest_hypercall_at(DUET_HC_NOP, 1, 2, 3, 4) + 0x100);
	GUEST_SYNC(guest_hypercall_at(HC_NR, 1, 2, 3, 4));
	/* Nothing written by the host: RAX reads 0. */
	GUEST_SYNC(guest_hypercall_at(~0ull, ~1ull, ~2ull, ~3ull, ~4ull));
	GUEST_DONE();
}

static void hypercall(void)
{
	struct duet_test_vcpu *vcpu;
	struct duet_run *run;
	struct duet_regs regs;

	vm_create_with_one_vcpu(&vcpu, guest_hypercall_code);
	run = vcpu->run;

	vcpu_expect_sync(vcpu, 0x100);
	vcpu_run(vcpu);
	TEST_ASSERT_EXIT_REASON(vcpu, DUET_EXIT_HYPERCALL);
	TEST_ASSERT_HW_EXIT(vcpu, TEST_HW_EXIT_HYPERCALL);
	TEST_ASSERT_EQ(run->hypercall.nr, HC_NR);
	TEST_ASSERT_EQ(run->hypercall.args[0], 1);
	TEST_ASSERT_EQ(run->hypercall.args[1], 2);
	TEST_ASSERT_EQ(run->hypercall.args[2], 3);
	TEST_ASSERT_EQ(run->hypercall.args[3], 4);
	vcpu_regs_get(vcpu, &regs);
	TEST_ASSERT_EQ(regs.rip, regs.r8);
	run->hypercall.ret = HC_RET;
	vcpu_expect_sync(vcpu, HC_RET);

	vcpu_run(vcpu);
	TEST_ASSERT_EXIT_REASON(vcpu, DUET_EXIT_HYPERCALL);
	TEST_ASSERT_HW_EXIT(vcpu, TEST_HW_EXIT_HYPERCALL);
	TEST_ASSERT_EQ(run->hypercall.nr, ~0ull);
	TEST_ASSERT_EQ(run->hypercall.args[0], ~1ull);
	TEST_ASSERT_EQ(run->hypercall.args[3], ~4ull);
	TEST_ASSERT_EQ(run->hypercall.ret, 0);
	vcpu_expect_sync(vcpu, 0);
	vcpu_expect_done(vcpu);
}

static void guest_pio_out(void)
{
	guest_outb(0x80, 0x5a);
	guest_outw(0x1234, 0xbeef);
	guest_outl(0xfffc, 0xdeadbeef);
	guest_outb(0xffff, 0xff);
	GUEST_DONE();
}

static void expect_io(struct duet_test_vcpu *vcpu, __u32 dir,
		      __u32 size, __u32 port)
{
	struct duet_run *run = vcpu->run;

	vcpu_run(vcpu);
	TEST_ASSERT_EXIT_REASON(vcpu, DUET_EXIT_IO);
	TEST_ASSERT_HW_EXIT(vcpu, TEST_HW_EXIT_IO);
	test_print("%s", vcpu_exit_str(vcpu));
	TEST_ASSERT_EQ(run->io.direction, dir);
	TEST_ASSERT_EQ(run->io.size, size);
	TEST_ASSERT_EQ(run->io.port, port);
	TEST_ASSERT_EQ(run->io.count, 1);
	TEST_ASSERT(run->io.data_offset >= sizeof(*run) &&
		    run->io.data_offset + size <= vcpu->run_size,
		    "data_offset %llu", (unsigned long long)run->io.data_offset);
}

static void pio_out(void)
{
	struct duet_test_vcpu *vcpu;
	__u32 v32;
	__u16 v16;

	vm_create_with_one_vcpu(&vcpu, guest_pio_out);
	expect_io(vcpu, DUET_EXIT_IO_OUT, 1, 0x80);
	TEST_ASSERT_EQ(*(__u8 *)vcpu_io_data(vcpu), 0x5a);
	expect_io(vcpu, DUET_EXIT_IO_OUT, 2, 0x1234);
	memcpy(&v16, vcpu_io_data(vcpu), 2);
	TEST_ASSERT_EQ(v16, 0xbeef);
	expect_io(vcpu, DUET_EXIT_IO_OUT, 4, 0xfffc);
	memcpy(&v32, vcpu_io_data(vcpu), 4);
	TEST_ASSERT_EQ(v32, 0xdeadbeef);
	expect_io(vcpu, DUET_EXIT_IO_OUT, 1, 0xffff);
	TEST_ASSERT_EQ(*(__u8 *)vcpu_io_data(vcpu), 0xff);
	vcpu_expect_done(vcpu);
}

static void guest_pio_in(void)
{
	/* IN keeps the bytes it does not write, but a 4-byte IN zeroes 63:32. */
	GUEST_ASSERT_EQ(guest_inb_rax(0x60, ~0ull), 0xffffffffffffffa5ull);
	GUEST_ASSERT_EQ(guest_inw_rax(0x1f0, ~0ull), 0xffffffffffffc3d2ull);
	GUEST_ASSERT_EQ(guest_inl_rax(0xcfc, ~0ull), 0x89abcdefull);
	GUEST_ASSERT_EQ(guest_inb_rax(0x61, 0), 0);
	GUEST_DONE();
}

static void pio_in(void)
{
	struct duet_test_vcpu *vcpu;
	__u32 v32 = 0x89abcdef;
	__u16 v16 = 0xc3d2;

	vm_create_with_one_vcpu(&vcpu, guest_pio_in);
	expect_io(vcpu, DUET_EXIT_IO_IN, 1, 0x60);
	*(__u8 *)vcpu_io_data(vcpu) = 0xa5;
	expect_io(vcpu, DUET_EXIT_IO_IN, 2, 0x1f0);
	memcpy(vcpu_io_data(vcpu), &v16, 2);
	expect_io(vcpu, DUET_EXIT_IO_IN, 4, 0xcfc);
	memcpy(vcpu_io_data(vcpu), &v32, 4);
	expect_io(vcpu, DUET_EXIT_IO_IN, 1, 0x61);
	*(__u8 *)vcpu_io_data(vcpu) = 0;
	vcpu_expect_done(vcpu);
}

static void guest_hlt_code(void)
{
	int i;

	for (i = 0; i < 2; i++)
		asm volatile("lea 1f(%%rip), %%r8\n\t"
			     "hlt\n"
			     "1:"
			     : : : "r8", "memory");
	GUEST_DONE();
}

/* HLT exits with RIP past it, and the next run goes on from there. */
static void hlt(void)
{
	struct duet_test_vcpu *vcpu;
	struct duet_regs regs;
	int i;

	vm_create_with_one_vcpu(&vcpu, guest_hlt_code);
	for (i = 0; i < 2; i++) {
		vcpu_run(vcpu);
		TEST_ASSERT_EXIT_REASON(vcpu, DUET_EXIT_HLT);
		TEST_ASSERT_HW_EXIT(vcpu, TEST_HW_EXIT_HLT);
		vcpu_regs_get(vcpu, &regs);
		TEST_ASSERT_EQ(regs.rip, regs.r8);
		/* Interrupts are off: HLT still comes to us. */
		TEST_ASSERT_EQ(regs.rflags & BIT(9), 0);
	}
	vcpu_expect_done(vcpu);
}

static void guest_string_io(void)
{
	static const char data[] = "x";
	__u64 rsi = (uintptr_t)data, rcx = 1;

	asm volatile("rep outsb"
		     : "+S"(rsi), "+c"(rcx) : "d"(0x80) : "memory");
	GUEST_ASSERT_EQ(rsi, (uintptr_t)data + 1);
	GUEST_ASSERT_EQ(rcx, 0);
	GUEST_DONE();
}

/*
 * String I/O is port I/O too: the element read from guest memory, in the
 * data area (vm_pio_string_test has the rest).
 */
static void string_io(void)
{
	struct duet_test_vcpu *vcpu;

	vm_create_with_one_vcpu(&vcpu, guest_string_io);
	expect_io(vcpu, DUET_EXIT_IO_OUT, 1, 0x80);
	TEST_ASSERT_EQ(*(__u8 *)vcpu_io_data(vcpu), 'x');
	vcpu_expect_done(vcpu);
}

static __u64 guest_rdmsr(__u32 msr)
{
	__u32 lo, hi;

	asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return lo | (__u64)hi << 32;
}

static void guest_msr_code(void)
{
	GUEST_ASM_SAFE_DECLARE(vec, ec);
	__u64 tsc = guest_rdmsr(MSR_IA32_TSC), val = 1;
	__u32 lo = 0x1234, hi = 0x5678;

	GUEST_SYNC(guest_rdmsr(MSR_EFER));
	GUEST_ASSERT(guest_rdmsr(MSR_IA32_TSC) > tsc);
	/* An emulated MSR through the exception-safe path: no exception. */
	GUEST_ASSERT_EQ(guest_rdmsr_safe(MSR_EFER, &val), GUEST_NO_EXCEPTION);
	GUEST_SYNC(val);

	/*
	 * An MSR duet does not own: #GP(0) at the RDMSR, which neither
	 * completes (EDX:EAX untouched) nor is skipped by the kernel.
	 */
	asm volatile(GUEST_ASM_SAFE("rdmsr")
		     : GUEST_ASM_SAFE_OUTPUTS(vec, ec), "+a"(lo), "+d"(hi)
		     : "c"(MSR_UNKNOWN)
		     : "memory");
	GUEST_ASSERT_EQ(vec, GP_VECTOR);
	GUEST_ASSERT_EQ(ec, 0);
	GUEST_ASSERT(lo == 0x1234 && hi == 0x5678);
	GUEST_ASSERT_EQ(guest_wrmsr_safe(MSR_UNKNOWN, 0), GP_VECTOR);
	GUEST_SYNC(0);
	/* Without the fix-up, the handler reports it as unexpected. */
	guest_rdmsr(MSR_UNKNOWN);
	GUEST_DONE();
}

/*
 * MSRs duet owns are emulated; any other gets #GP, which the guest's
 * exception handler sees at the instruction.
 */
static void msr_emulated_or_gp(void)
{
	struct duet_test_vcpu *vcpu;
	struct duet_test_vm *vm;
	struct duet_sregs sregs;
	struct ucall uc;

	vm = vm_create_with_one_vcpu(&vcpu, guest_msr_code);
	vm_init_exceptions(vm);
	vcpu_sregs_get(vcpu, &sregs);
	TEST_ASSERT_EQ(vcpu_run_ucall(vcpu, &uc), UCALL_SYNC);
	TEST_ASSERT_EQ(uc.args[0], sregs.efer);
	vcpu_expect_sync(vcpu, sregs.efer);
	vcpu_expect_sync(vcpu, 0);
	vcpu_run(vcpu);
	TEST_ASSERT_EQ(get_ucall(vcpu, &uc), UCALL_ABORT);
	test_print("guest says: %s", uc.buffer);
	TEST_ASSERT(strstr(uc.buffer, "#GP (vector 13)") &&
		    strstr(uc.buffer, "error code 0,"), "message '%s'",
		    uc.buffer);
}

/* Without an IDT the same #GP is a triple fault. */
static void guest_msr_no_idt(void)
{
	GUEST_SYNC(0);
	guest_rdmsr(MSR_UNKNOWN);
	GUEST_DONE();
}

static void guest_ud2(void)
{
	GUEST_SYNC(0);
	/* No IDT (limit 0): #UD, #DF, then shutdown. */
	asm volatile("ud2");
	GUEST_DONE();
}

static void guest_int3(void)
{
	GUEST_SYNC(0);
	asm volatile("int3");
	GUEST_DONE();
}

static void guest_lidt_garbage(void)
{
	/* Limit 0, base 0x1000: the 10-byte operand of LIDT. */
	__u16 idtr[5] = { 0, 0x1000, 0, 0, 0 };

	GUEST_SYNC(0);
	asm volatile("lidt %0" : : "m"(idtr));
	asm volatile("ud2");
	GUEST_DONE();
}

static void guest_spin_done(void)
{
	GUEST_SYNC(1);
	GUEST_DONE();
}

/*
 * A triple fault kills the VM: SHUTDOWN, then -EIO for every vCPU of it;
 * a new VM runs as before.
 */
static void expect_shutdown(void *guest_code)
{
	struct duet_test_vcpu *vcpu[2];
	struct duet_test_vm *vm;
	struct duet_regs regs;
	int r;

	vm = vm_create_with_vcpus(2, guest_code, vcpu);
	vcpu_expect_sync(vcpu[0], 0);
	vcpu_run(vcpu[0]);
	TEST_ASSERT_EXIT_REASON(vcpu[0], DUET_EXIT_SHUTDOWN);
	TEST_ASSERT_HW_EXIT(vcpu[0], TEST_HW_EXIT_SHUTDOWN);
	test_print("%s", vcpu_exit_str(vcpu[0]));

	r = _vcpu_run(vcpu[0]);
	TEST_ASSERT_RC(r, -EIO);
	r = _vcpu_run(vcpu[1]);
	TEST_ASSERT_RC(r, -EIO);
	/* The state can still be read. */
	vcpu_regs_get(vcpu[0], &regs);
	vm_free(vm);

	vm_create_with_one_vcpu(&vcpu[0], guest_spin_done);
	vcpu_expect_sync(vcpu[0], 1);
	vcpu_expect_done(vcpu[0]);
}

static void shutdown_ud2(void)
{
	expect_shutdown(guest_ud2);
}

static void shutdown_int3(void)
{
	expect_shutdown(guest_int3);
}

static void shutdown_lidt(void)
{
	expect_shutdown(guest_lidt_garbage);
}

static void shutdown_msr_gp(void)
{
	expect_shutdown(guest_msr_no_idt);
}

static const struct test_case cases[] = {
	TEST_CASE(ucall_sync_done),
	TEST_CASE(ucall_guest_return_aborts),
	TEST_CASE(ucall_guest_assert),
	TEST_CASE(ucall_guest_printf),
	TEST_CASE(cpuid_host_values),
	TEST_CASE(hypercall),
	TEST_CASE(pio_out),
	TEST_CASE(pio_in),
	TEST_CASE(hlt),
	TEST_CASE(string_io),
	TEST_CASE(msr_emulated_or_gp),
	TEST_CASE(shutdown_ud2),
	TEST_CASE(shutdown_int3),
	TEST_CASE(shutdown_lidt),
	TEST_CASE(shutdown_msr_gp),
};

int main(void)
{
	TEST_REQUIRE_VM();
	return test_run(cases, ARRAY_SIZE(cases));
}
