// SPDX-License-Identifier: GPL-2.0
/*
 * Debug registers, the same on both backends (on SVM every MOV to or
 * from DR0-DR7 is intercepted, module/svm/dr.c).  The guest reads back
 * what it wrote to DR0-DR3, DR6 and DR7 (with their fixed bits) and never
 * sees the host's; DR4/DR5 alias DR6/DR7 without CR4.DE and raise #UD
 * with it; bits 63:32 of DR6/DR7 raise #GP; DR7.GD raises #DB.  The
 * host's hardware breakpoints survive the guest: a perf watchpoint on a
 * host variable still counts writes after guest runs that wrote garbage
 * to every debug register, which needs the host's DR0 and DR7 back after
 * each VM exit.
 */
#include <errno.h>
#include <linux/hw_breakpoint.h>
#include <linux/perf_event.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "exception.h"
#include "guest.h"
#include "vm.h"

#define X86_CR4_DE	0x8ull
#define DR6_FIXED_1	0xffff0ff0ull
#define DR6_BD		0x2000ull
#define DR7_FIXED_1	0x400ull
#define DR7_GD		0x2000ull
#define DR7_VOLATILE	0xffff2bffull

#define get_dr(n)							\
({									\
	__u64 __v;							\
	asm volatile("mov %%db" #n ", %0" : "=r"(__v));			\
	__v;								\
})

#define set_dr(n, v)							\
	({ asm volatile("mov %0, %%db" #n :: "r"((__u64)(v))); })

#define set_dr_safe(n, val)						\
	guest_asm_safe("mov %[v], %%db" #n, [v] "r"((__u64)(val)))

#define get_dr_safe(n)							\
({									\
	GUEST_ASM_SAFE_DECLARE(__vec, __ec);				\
	__u64 __v = 0;							\
									\
	asm volatile(GUEST_ASM_SAFE("mov %%db" #n ", %[v]")		\
		     : GUEST_ASM_SAFE_OUTPUTS(__vec, __ec), [v] "+r"(__v)	\
		     :							\
		     : "memory");					\
	(void)__ec;							\
	(__u8)__vec;							\
})

static __u64 get_cr4(void)
{
	__u64 cr4;

	asm volatile("mov %%cr4, %0" : "=r"(cr4));
	return cr4;
}

static void set_cr4(__u64 cr4)
{
	asm volatile("mov %0, %%cr4" :: "r"(cr4) : "memory");
}

static void run_guest(void *guest_code)
{
	struct duet_test_vcpu *vcpu;
	struct duet_test_vm *vm;

	vm = vm_create_with_one_vcpu(&vcpu, guest_code);
	vm_init_exceptions(vm);
	vcpu_expect_done(vcpu);
}

static void guest_read_back(void)
{
	__u64 dr7 = 0x12345ffull | (1ull << 12) | (1ull << 14);

	/* The reset values, not the host's registers. */
	GUEST_ASSERT_EQ(get_dr(0), 0);
	GUEST_ASSERT_EQ(get_dr(3), 0);
	GUEST_ASSERT_EQ(get_dr(7), DR7_FIXED_1);

	set_dr(0, 0xffffffff81000000ull);
	set_dr(1, 0x1000);
	set_dr(2, 0xdeadbeefcafe);
	set_dr(3, ~0ull);
	GUEST_ASSERT_EQ(get_dr(0), 0xffffffff81000000ull);
	GUEST_ASSERT_EQ(get_dr(1), 0x1000);
	GUEST_ASSERT_EQ(get_dr(2), 0xdeadbeefcafe);
	GUEST_ASSERT_EQ(get_dr(3), ~0ull);

	/* Reserved bits of DR7 read as 0 (bits 12, 14, 15) or 1 (bit 10). */
	set_dr(7, dr7);
	GUEST_ASSERT_EQ(get_dr(7), (dr7 & DR7_VOLATILE) | DR7_FIXED_1);
	set_dr(7, 0);
	GUEST_ASSERT_EQ(get_dr(7), DR7_FIXED_1);

	/* DR6: B0-B3, BD, BS, BT are the guest's; the rest reads as 1. */
	set_dr(6, 0);
	GUEST_ASSERT_EQ(get_dr(6), DR6_FIXED_1);
	set_dr(6, 0x4003);
	GUEST_ASSERT_EQ(get_dr(6), DR6_FIXED_1 | 0x4003);

	/* Each register kept its own value through all that. */
	GUEST_ASSERT_EQ(get_dr(1), 0x1000);
	GUEST_DONE();
}

/* DR0-DR3, DR6 and DR7 read back what the guest wrote. */
static void dr_read_back(void)
{
	run_guest(guest_read_back);
}

static void guest_alias(void)
{
	__u64 v = 0;

	set_cr4(get_cr4() & ~X86_CR4_DE);
	set_dr(5, 0x401);
	GUEST_ASSERT_EQ(get_dr(7), 0x401);
	set_dr(7, 0x402);
	GUEST_ASSERT_EQ(get_dr(5), 0x402);
	set_dr(6, 0x1);
	GUEST_ASSERT_EQ(get_dr(4), DR6_FIXED_1 | 0x1);
	set_dr(4, 0x2);
	GUEST_ASSERT_EQ(get_dr(6), DR6_FIXED_1 | 0x2);

	/* With CR4.DE, DR4 and DR5 are #UD, and nothing changes. */
	set_cr4(get_cr4() | X86_CR4_DE);
	GUEST_ASSERT_EQ(get_dr_safe(4), UD_VECTOR);
	GUEST_ASSERT_EQ(get_dr_safe(5), UD_VECTOR);
	GUEST_ASSERT_EQ(set_dr_safe(4, v), UD_VECTOR);
	GUEST_ASSERT_EQ(set_dr_safe(5, v), UD_VECTOR);
	GUEST_ASSERT_EQ(get_dr(7), 0x402);
	GUEST_ASSERT_EQ(get_dr(6), DR6_FIXED_1 | 0x2);
	/* DR6 and DR7 themselves are fine with CR4.DE. */
	GUEST_ASSERT_EQ(get_dr_safe(7), GUEST_NO_EXCEPTION);
	GUEST_DONE();
}

/* DR4/DR5: aliases of DR6/DR7 without CR4.DE, #UD with it. */
static void dr4_dr5(void)
{
	run_guest(guest_alias);
}

static void guest_high_bits(void)
{
	set_dr(7, 0x403);
	GUEST_ASSERT_EQ(set_dr_safe(7, 1ull << 32), GP_VECTOR);
	GUEST_ASSERT_EQ(set_dr_safe(7, 0xffffffff00000400ull), GP_VECTOR);
	GUEST_ASSERT_EQ(set_dr_safe(6, 1ull << 63), GP_VECTOR);
	GUEST_ASSERT_EQ(get_dr(7), 0x403);
	GUEST_ASSERT_EQ(get_dr(6), DR6_FIXED_1);
	/* Any value of DR0-DR3 is taken. */
	GUEST_ASSERT_EQ(set_dr_safe(0, 1ull << 63), GUEST_NO_EXCEPTION);
	GUEST_ASSERT_EQ(get_dr(0), 1ull << 63);
	GUEST_DONE();
}

/* Bits 63:32 of DR6 and DR7 written as 1: #GP, the register unchanged. */
static void dr_high_bits_gp(void)
{
	run_guest(guest_high_bits);
}

static void guest_general_detect(void)
{
	set_dr(6, 0);
	set_dr(7, DR7_FIXED_1 | DR7_GD | 1);
	GUEST_ASSERT_EQ(get_dr_safe(0), DB_VECTOR);
	/* The #DB cleared GD and set BD: the next access goes through. */
	GUEST_ASSERT_EQ(get_dr(7), DR7_FIXED_1 | 1);
	GUEST_ASSERT_EQ(get_dr(6), DR6_FIXED_1 | DR6_BD);
	GUEST_DONE();
}

/* DR7.GD: the next MOV DR raises #DB instead. */
static void dr_general_detect(void)
{
	run_guest(guest_general_detect);
}

#define HOST_ROUNDS	4

static void guest_garbage(void)
{
	unsigned int i;

	for (i = 0; i < HOST_ROUNDS; i++) {
		set_dr(0, 0);
		set_dr(1, 0x1000);
		set_dr(2, ~0ull);
		set_dr(3, 0x400000);
		set_dr(6, 0);
		set_dr(7, 0xffff03ffull);
		GUEST_SYNC(i);
	}
	GUEST_DONE();
}

static __u64 host_var;

/* One store to host_var, which the watchpoint must see. */
static void host_var_write(void)
{
	host_var++;
	asm volatile("" ::: "memory");
}

static __u64 perf_count(int fd)
{
	__u64 count;

	TEST_ASSERT_EQ(read(fd, &count, sizeof(count)), sizeof(count));
	return count;
}

/*
 * A hardware watchpoint of the host thread that runs the vCPU (it uses
 * the host's DR0 and DR7) still fires after guest runs that wrote every
 * debug register.
 */
static void host_breakpoints_kept(void)
{
	struct perf_event_attr attr = {
		.type = PERF_TYPE_BREAKPOINT,
		.size = sizeof(attr),
		.bp_type = HW_BREAKPOINT_W,
		.bp_addr = (uintptr_t)&host_var,
		.bp_len = HW_BREAKPOINT_LEN_8,
		.exclude_kernel = 1,
		.exclude_hv = 1,
	};
	struct duet_test_vcpu *vcpu;
	struct duet_test_vm *vm;
	__u64 before;
	unsigned int i;
	int fd;

	vm = vm_create_with_one_vcpu(&vcpu, guest_garbage);
	vm_init_exceptions(vm);

	fd = syscall(__NR_perf_event_open, &attr, 0, -1, -1, 0);
	if (fd < 0 && (errno == ENOENT || errno == EOPNOTSUPP ||
		       errno == ENODEV))
		TEST_SKIP("no hardware breakpoints: %s", strerror(errno));
	TEST_ASSERT(fd >= 0, "perf_event_open: %s", strerror(errno));

	/* The watchpoint works before any guest runs. */
	before = perf_count(fd);
	host_var_write();
	TEST_ASSERT_EQ(perf_count(fd), before + 1);

	for (i = 0; i < HOST_ROUNDS; i++) {
		vcpu_expect_sync(vcpu, i);
		before = perf_count(fd);
		host_var_write();
		TEST_ASSERT(perf_count(fd) == before + 1,
			    "round %u: the write after the guest ran was not seen",
			    i);
	}
	/* Reading the counter did not hide a failure: a read alone counts 0. */
	before = perf_count(fd);
	TEST_ASSERT_EQ(host_var, HOST_ROUNDS + 1);
	TEST_ASSERT_EQ(perf_count(fd), before);
	vcpu_expect_done(vcpu);
	close(fd);
}

static const struct test_case cases[] = {
	TEST_CASE(dr_read_back),
	TEST_CASE(dr4_dr5),
	TEST_CASE(dr_high_bits_gp),
	TEST_CASE(dr_general_detect),
	TEST_CASE(host_breakpoints_kept),
};

int main(void)
{
	TEST_REQUIRE_VM();
	return test_run(cases, ARRAY_SIZE(cases));
}
