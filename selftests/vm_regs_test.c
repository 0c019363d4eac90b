// SPDX-License-Identifier: GPL-2.0
/*
 * DUET_GET/SET_REGS and DUET_GET/SET_SREGS: the reset state, round trips,
 * the guest running on what the host set (GPRs, RIP, RFLAGS, CR2, FS/GS
 * bases), and every value SET_SREGS must refuse before it changes
 * anything (EFER bits, CR0.NW without CD, high CR0/CR3/CR4 bits, reserved
 * words).  State the kernel accepts but the CPU does not enter fails the
 * entry, without harm, and the vCPU runs again once the state is fixed.
 */
#include <stdio.h>

#include "guest.h"
#include "vm.h"

#define X86_CR0_PE	BIT(0)
#define X86_CR0_ET	BIT(4)
#define X86_CR0_NW	BIT(29)
#define X86_CR0_CD	BIT(30)
#define X86_CR0_PG	BIT(31)
#define X86_CR4_PAE	BIT(5)
#define EFER_LME	BIT(8)
#define EFER_LMA	BIT(10)
#define EFER_SVME	BIT(12)
#define X86_RFLAGS_FIXED	0x2ull

/* What the guest's registers hold after the host sets them. */
#define GPR_PATTERN(i)	(0xa5a5000000000000ull | ((__u64)(i) << 32) | 0x5a5a)

static void fill_regs(struct duet_regs *regs, __u64 seed)
{
	__u64 *r = (__u64 *)regs;
	unsigned int i;

	for (i = 0; i < sizeof(*regs) / sizeof(*r); i++)
		r[i] = seed * (i + 1) ^ 0x0123456789abcdefull;
}

static void regs_reset_state(void)
{
	struct duet_test_vm *vm = vm_create_barebones();
	struct duet_test_vcpu *vcpu = vm_vcpu_add(vm, 0, NULL);
	struct duet_sregs sregs;
	struct duet_regs regs;

	/* APM "Processor Initialization State", SDM "Initial State". */
	vcpu_regs_get(vcpu, &regs);
	TEST_ASSERT_EQ(regs.rip, 0xfff0);
	TEST_ASSERT_EQ(regs.rflags, X86_RFLAGS_FIXED);
	TEST_ASSERT_EQ(regs.rdx & 0xf00, 0x600);
	vcpu_sregs_get(vcpu, &sregs);
	TEST_ASSERT_EQ(sregs.cs.selector, 0xf000);
	TEST_ASSERT_EQ(sregs.cs.base, 0xffff0000);
	TEST_ASSERT_EQ(sregs.cs.limit, 0xffff);
	TEST_ASSERT_EQ(sregs.cr0, X86_CR0_NW | X86_CR0_CD | X86_CR0_ET);
	/* The host's EFER (SVME on SVM) is not the guest's. */
	TEST_ASSERT_EQ(sregs.efer, 0);
	TEST_ASSERT_EQ(sregs.idt.limit, 0xffff);
	TEST_ASSERT_EQ(sregs.reserved[0] | sregs.reserved[3], 0);
	/* APIC base: enabled, BSP only on vCPU 0. */
	TEST_ASSERT_EQ(sregs.apic_base, 0xfee00900);
	vcpu = vm_vcpu_add(vm, 1, NULL);
	vcpu_sregs_get(vcpu, &sregs);
	TEST_ASSERT_EQ(sregs.apic_base, 0xfee00800);
	vm_free(vm);
}

static void regs_roundtrip(void)
{
	struct duet_test_vm *vm = vm_create_barebones();
	struct duet_test_vcpu *vcpu = vm_vcpu_add(vm, 0, NULL);
	struct duet_regs set, got;
	__u64 seed;

	for (seed = 1; seed < 4; seed++) {
		fill_regs(&set, seed);
		vcpu_regs_set(vcpu, &set);
		vcpu_regs_get(vcpu, &got);
		/* RFLAGS bit 1 always reads 1; the rest comes back as set. */
		set.rflags |= X86_RFLAGS_FIXED;
		TEST_ASSERT(!memcmp(&set, &got, sizeof(set)),
			    "seed %llu: rax %#llx/%#llx rip %#llx/%#llx r15 %#llx/%#llx",
			    (unsigned long long)seed,
			    (unsigned long long)set.rax, (unsigned long long)got.rax,
			    (unsigned long long)set.rip, (unsigned long long)got.rip,
			    (unsigned long long)set.r15, (unsigned long long)got.r15);
	}
	vm_free(vm);
}

static void regs_bad_pointer(void)
{
	struct duet_test_vm *vm = vm_create_barebones();
	struct duet_test_vcpu *vcpu = vm_vcpu_add(vm, 0, NULL);

	TEST_ASSERT_RC(_vcpu_regs_get(vcpu, NULL), -EFAULT);
	TEST_ASSERT_RC(_vcpu_regs_set(vcpu, NULL), -EFAULT);
	TEST_ASSERT_RC(_vcpu_sregs_get(vcpu, NULL), -EFAULT);
	TEST_ASSERT_RC(_vcpu_sregs_set(vcpu, NULL), -EFAULT);
	TEST_ASSERT_RC(_vcpu_sregs_set(vcpu, (void *)0xffff888000000000ull),
		       -EFAULT);
	vm_free(vm);
}

static void guest_gprs(void)
{
	register __u64 r8 asm("r8");
	register __u64 r9 asm("r9");
	register __u64 r10 asm("r10");
	register __u64 r11 asm("r11");
	register __u64 r12 asm("r12");
	register __u64 r13 asm("r13");
	register __u64 r14 asm("r14");
	register __u64 r15 asm("r15");
	__u64 rax, rbx, rcx, rdx, rsi, rdi;
	/* Indexed as struct duet_regs; RSP and RBP are the guest's own. */
	__u64 v[16];
	unsigned int i;

	/* The host sets every register at this HLT. */
	asm volatile("hlt"
		     : "=a"(rax), "=b"(rbx), "=c"(rcx), "=d"(rdx), "=S"(rsi),
		       "=D"(rdi), "=r"(r8), "=r"(r9), "=r"(r10), "=r"(r11),
		       "=r"(r12), "=r"(r13), "=r"(r14), "=r"(r15)
		     : : "memory");
	/* Into plain variables, which calls cannot clobber. */
	v[0] = rax;
	v[1] = rbx;
	v[2] = rcx;
	v[3] = rdx;
	v[4] = rsi;
	v[5] = rdi;
	v[8] = r8;
	v[9] = r9;
	v[10] = r10;
	v[11] = r11;
	v[12] = r12;
	v[13] = r13;
	v[14] = r14;
	v[15] = r15;

	GUEST_SYNC(v[1]);
	for (i = 0; i < 16; i++) {
		if (i == 6 || i == 7)
			continue;
		__GUEST_ASSERT(v[i] == GPR_PATTERN(i), "register %u: %#lx",
			       i, (unsigned long)v[i]);
	}
	GUEST_DONE();
}

/* The guest runs with the GPRs the host set at an exit. */
static void gprs_reach_guest(void)
{
	struct duet_test_vcpu *vcpu;
	struct duet_regs regs;

	vm_create_with_one_vcpu(&vcpu, guest_gprs);
	vcpu_run(vcpu);
	TEST_ASSERT_EXIT_REASON(vcpu, DUET_EXIT_HLT);
	vcpu_regs_get(vcpu, &regs);
	regs.rax = GPR_PATTERN(0);
	regs.rbx = GPR_PATTERN(1);
	regs.rcx = GPR_PATTERN(2);
	regs.rdx = GPR_PATTERN(3);
	regs.rsi = GPR_PATTERN(4);
	regs.rdi = GPR_PATTERN(5);
	regs.r8 = GPR_PATTERN(8);
	regs.r9 = GPR_PATTERN(9);
	regs.r10 = GPR_PATTERN(10);
	regs.r11 = GPR_PATTERN(11);
	regs.r12 = GPR_PATTERN(12);
	regs.r13 = GPR_PATTERN(13);
	regs.r14 = GPR_PATTERN(14);
	regs.r15 = GPR_PATTERN(15);
	vcpu_regs_set(vcpu, &regs);
	vcpu_expect_sync(vcpu, GPR_PATTERN(1));
	vcpu_expect_done(vcpu);
}

static void guest_first(void)
{
	GUEST_SYNC(1);
	guest_hlt();
	GUEST_FAIL("the host did not move RIP");
}

static void guest_second(__u64 arg)
{
	GUEST_SYNC(arg);
	GUEST_SYNC(guest_read_rflags());
	GUEST_DONE();
}

/* The host moves RIP, RSP, RDI and RFLAGS; the guest follows. */
static void rip_rflags_reach_guest(void)
{
	struct duet_test_vcpu *vcpu;
	struct duet_regs regs;
	struct ucall uc;

	vm_create_with_one_vcpu(&vcpu, guest_first);
	vcpu_expect_sync(vcpu, 1);
	vcpu_run(vcpu);
	TEST_ASSERT_EXIT_REASON(vcpu, DUET_EXIT_HLT);

	vcpu_regs_get(vcpu, &regs);
	regs.rip = (uintptr_t)guest_second;
	regs.rdi = 0x77;
	/* A fresh frame on the same stack, as if called. */
	regs.rsp = vcpu->stack_gpa + DUET_TEST_STACK_SIZE - 8;
	/* CF, PF, ZF, SF, OF; IF stays clear. */
	regs.rflags = BIT(0) | BIT(2) | BIT(6) | BIT(7) | BIT(11);
	vcpu_regs_set(vcpu, &regs);
	vcpu_expect_sync(vcpu, 0x77);
	TEST_ASSERT_EQ(vcpu_run_ucall(vcpu, &uc), UCALL_SYNC);
	/* The guest's code between may change the arithmetic flags. */
	test_print("guest RFLAGS %#llx", (unsigned long long)uc.args[0]);
	TEST_ASSERT_EQ(uc.args[0] & (X86_RFLAGS_FIXED | BIT(9)), X86_RFLAGS_FIXED);
	vcpu_expect_done(vcpu);
}

static __u64 fs_word = 0xf5f5f5f5f5f5f5f5ull;
static __u64 gs_word = 0x6565656565656565ull;

static void guest_sregs(void)
{
	__u64 fs, gs;

	asm volatile("mov %%fs:0, %0" : "=r"(fs));
	asm volatile("mov %%gs:0, %0" : "=r"(gs));
	GUEST_SYNC(guest_read_cr2());
	GUEST_SYNC2(fs, gs);
	GUEST_SYNC2(guest_read_cr0(), guest_read_cr4());
	GUEST_SYNC2(guest_read_cr3(), guest_read_cs());
	GUEST_DONE();
}

/* SET_SREGS then GET_SREGS gives back what was set; the guest sees it. */
static void sregs_roundtrip(void)
{
	struct duet_sregs set, got;
	struct duet_test_vcpu *vcpu;
	struct ucall uc;

	vm_create_with_one_vcpu(&vcpu, guest_sregs);
	vcpu_sregs_get(vcpu, &set);
	set.cr2 = 0xdead000;
	set.fs.base = (uintptr_t)&fs_word;
	set.gs.base = (uintptr_t)&gs_word;
	set.ldt.limit = 0;
	vcpu_sregs_set(vcpu, &set);
	vcpu_sregs_get(vcpu, &got);
	TEST_ASSERT(!memcmp(&set, &got, sizeof(set)),
		    "cr2 %#llx fs.base %#llx gs.base %#llx efer %#llx",
		    (unsigned long long)got.cr2, (unsigned long long)got.fs.base,
		    (unsigned long long)got.gs.base, (unsigned long long)got.efer);

	vcpu_expect_sync(vcpu, 0xdead000);
	TEST_ASSERT_EQ(vcpu_run_ucall(vcpu, &uc), UCALL_SYNC);
	TEST_ASSERT_EQ(uc.args[0], fs_word);
	TEST_ASSERT_EQ(uc.args[1], gs_word);
	TEST_ASSERT_EQ(vcpu_run_ucall(vcpu, &uc), UCALL_SYNC);
	TEST_ASSERT_EQ(uc.args[0], set.cr0);
	TEST_ASSERT_EQ(uc.args[1], set.cr4);
	TEST_ASSERT_EQ(vcpu_run_ucall(vcpu, &uc), UCALL_SYNC);
	TEST_ASSERT_EQ(uc.args[0], set.cr3);
	TEST_ASSERT_EQ(uc.args[1], set.cs.selector);
	vcpu_expect_done(vcpu);
}

/* SET_SREGS with @bad refused, and nothing changed. */
static void expect_sregs_einval(struct duet_test_vcpu *vcpu,
				const struct duet_sregs *bad, const char *what)
{
	struct duet_sregs before, after;

	test_print("%s", what);
	vcpu_sregs_get(vcpu, &before);
	TEST_ASSERT_RC(_vcpu_sregs_set(vcpu, bad), -EINVAL);
	vcpu_sregs_get(vcpu, &after);
	TEST_ASSERT(!memcmp(&before, &after, sizeof(before)),
		    "%s: a refused SET_SREGS changed the state", what);
}

static void sregs_bad_efer(void)
{
	static const __u64 bits[] = {
		EFER_SVME, BIT(1), BIT(9), BIT(13), BIT(14), BIT(15), BIT(16),
		1ull << 32, 1ull << 63,
	};
	struct duet_test_vm *vm = vm_create_barebones();
	struct duet_test_vcpu *vcpu = vm_vcpu_add(vm, 0, NULL);
	struct duet_sregs sregs;
	char what[64];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bits); i++) {
		vcpu_sregs_get(vcpu, &sregs);
		sregs.efer |= bits[i];
		snprintf(what, sizeof(what), "EFER %#llx",
			 (unsigned long long)sregs.efer);
		expect_sregs_einval(vcpu, &sregs, what);
	}
	/* The bits a guest may have: accepted. */
	vcpu_sregs_get(vcpu, &sregs);
	sregs.efer = BIT(0) | BIT(11);
	vcpu_sregs_set(vcpu, &sregs);
	vm_free(vm);
}

static void sregs_bad_control_regs(void)
{
	struct duet_test_vm *vm = vm_create_barebones();
	struct duet_test_vcpu *vcpu = vm_vcpu_add(vm, 0, NULL);
	struct duet_sregs sregs, good;

	vcpu_sregs_get(vcpu, &good);

	sregs = good;
	sregs.cr0 = X86_CR0_NW | X86_CR0_ET;
	expect_sregs_einval(vcpu, &sregs, "CR0.NW=1 CD=0");
	sregs = good;
	sregs.cr0 |= 1ull << 32;
	expect_sregs_einval(vcpu, &sregs, "CR0 bit 32");
	sregs = good;
	sregs.cr3 = 1ull << 52;
	expect_sregs_einval(vcpu, &sregs, "CR3 bit 52");
	sregs = good;
	sregs.cr4 = 1ull << 32;
	expect_sregs_einval(vcpu, &sregs, "CR4 bit 32");

	/* NW with CD is a valid (uncached) combination. */
	sregs = good;
	sregs.cr0 = X86_CR0_NW | X86_CR0_CD | X86_CR0_ET;
	vcpu_sregs_set(vcpu, &sregs);
	vm_free(vm);
}

static void sregs_reserved(void)
{
	struct duet_test_vm *vm = vm_create_barebones();
	struct duet_test_vcpu *vcpu = vm_vcpu_add(vm, 0, NULL);
	struct duet_sregs sregs;
	char what[64];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(sregs.reserved); i++) {
		vcpu_sregs_get(vcpu, &sregs);
		sregs.reserved[i] = i == 3 ? 1ull << 63 : 1;
		snprintf(what, sizeof(what), "reserved[%u]", i);
		expect_sregs_einval(vcpu, &sregs, what);
	}
	vm_free(vm);
}

static void guest_entry_ok(void)
{
	GUEST_SYNC(42);
	GUEST_DONE();
}

/*
 * Long mode with paging but without CR4.PAE: SET_SREGS takes it, the
 * entry refuses it (APM "Canonicalization and Consistency Checks" for
 * VMRUN, SDM "Checks on Guest Control Registers" for VM entry).  The exit
 * says so, and the vCPU runs once its whole state is right again.
 */
static void sregs_inconsistent_entry_fails(void)
{
	struct duet_test_vcpu *vcpu;
	struct duet_sregs good, bad;
	struct duet_regs regs, after;
	struct duet_run *run;
	__u32 suberror;

	vm_create_with_one_vcpu(&vcpu, guest_entry_ok);
	run = vcpu->run;
	vcpu_sregs_get(vcpu, &good);
	TEST_ASSERT((good.efer & EFER_LME) && (good.cr0 & X86_CR0_PG),
		    "not in long mode: efer %#llx", (unsigned long long)good.efer);
	bad = good;
	bad.cr4 &= ~X86_CR4_PAE;
	vcpu_sregs_set(vcpu, &bad);

	vcpu_regs_get(vcpu, &regs);
	vcpu_run(vcpu);
	TEST_ASSERT_EXIT_REASON(vcpu, DUET_EXIT_INTERNAL_ERROR);
	test_print("%s", vcpu_exit_str(vcpu));
	suberror = run->internal.suberror;
	vcpu_regs_get(vcpu, &after);
	if (memcmp(&regs, &after, sizeof(regs)))
		test_print("the failed entry changed RIP %#llx -> %#llx, RSP %#llx -> %#llx",
			   (unsigned long long)regs.rip,
			   (unsigned long long)after.rip,
			   (unsigned long long)regs.rsp,
			   (unsigned long long)after.rsp);

	/* Recovery first, so that a wrong suberror does not hide it. */
	vcpu_sregs_set(vcpu, &good);
	vcpu_regs_set(vcpu, &regs);
	vcpu_expect_sync(vcpu, 42);
	vcpu_expect_done(vcpu);
	TEST_ASSERT_EQ(suberror, DUET_INTERNAL_ENTRY_FAILED);
}

static const struct test_case cases[] = {
	TEST_CASE(regs_reset_state),
	TEST_CASE(regs_roundtrip),
	TEST_CASE(regs_bad_pointer),
	TEST_CASE(gprs_reach_guest),
	TEST_CASE(rip_rflags_reach_guest),
	TEST_CASE(sregs_roundtrip),
	TEST_CASE(sregs_bad_efer),
	TEST_CASE(sregs_bad_control_regs),
	TEST_CASE(sregs_reserved),
	TEST_CASE(sregs_inconsistent_entry_fails),
};

int main(void)
{
	TEST_REQUIRE_VM();
	return test_run(cases, ARRAY_SIZE(cases));
}
