// SPDX-License-Identifier: GPL-2.0
/*
 * Self-modifying code and the translation cache: a guest that rewrites
 * code the translator has translated must run the new code, whoever
 * writes it:
 *
 *  - the guest's own store, run by the translator (it writes guest
 *    memory through the VMM's mapping, not the nested page tables);
 *  - a store into the very block being run: the next instruction's
 *    immediate, rewritten by the instruction before it, in hardware and
 *    in BT alike (x86 sees a store to the instruction stream at once);
 *  - the guest's store in hardware mode (a nested write fault on the
 *    write-protected code page) to code translated before;
 *  - string I/O (REP INSD) that the module writes into guest memory.
 *
 * And the negative side: stores to a data page, and to a code page no
 * translation was made from, invalidate nothing.
 *
 * The patched code sits alone in its own page (section .text.smc), so
 * that only it is translated from there.
 */
#include <stdio.h>
#include <string.h>

#include "bt.h"
#include "guest.h"
#include "vm.h"

#define PORT		0xe4

/*
 * smc_get(): return the immediate at smc_imm (a MOV EAX, imm32).
 * smc_inline(v): store @v over the immediate of its own next instruction,
 * then run that instruction: returns @v on any x86.
 */
asm(".pushsection .text.smc, \"ax\"\n\t"
	".balign 4096\n"
	"smc_get:\n\t"
	".byte 0xb8\n"		/* MOV EAX, imm32 */
	"smc_imm:\n\t"
	".long 1\n\t"
	"ret\n"
	"smc_inline:\n\t"
	"movl %edi, smc_inline_imm(%rip)\n\t"
	".byte 0xb8\n"
	"smc_inline_imm:\n\t"
	".long 0\n\t"
	"ret\n\t"
	".balign 4096\n\t"
	".popsection");

typedef __u32 smc_fn(__u32 v);

static __u32 smc_get(void)
{
	smc_fn *fn = GUEST_LABEL_ADDR("smc_get");

	return fn(0);
}

static __u32 smc_inline(__u32 v)
{
	smc_fn *fn = GUEST_LABEL_ADDR("smc_inline");

	return fn(v);
}

static __u64 data_word;

/* A plain store, kept by the compiler: asm, not a C assignment. */
static void guest_set_imm(__u32 v)
{
	asm volatile("movl %1, (%0)" : : "r"(GUEST_LABEL_ADDR("smc_imm")), "r"(v) :
		     "memory");
}

/* A store in whichever mode the host put the vCPU in. */
static void guest_store(void)
{
	__u32 i;

	GUEST_SYNC(smc_get());		/* translated now, in BT */
	guest_set_imm(2);
	GUEST_SYNC(smc_get());
	for (i = 3; i < 6; i++) {
		guest_set_imm(i);
		GUEST_SYNC(smc_get());
	}
	GUEST_DONE();
}

static void guest_inline(void)
{
	__u32 v;

	for (v = 5; v < 10; v++)
		GUEST_SYNC(smc_inline(v));
	GUEST_DONE();
}

/* Translate, let the host switch modes, store, switch back, run. */
static void guest_cross_mode(void)
{
	GUEST_SYNC(smc_get());		/* 1, in BT */
	GUEST_SYNC(0);			/* the host puts us in hardware */
	guest_set_imm(42);
	GUEST_SYNC(0);			/* and back into BT */
	GUEST_SYNC(smc_get());		/* 42 */
	GUEST_DONE();
}

/* REP INSD of one element from PORT over the immediate. */
static void guest_string_in(void)
{
	void *dst = GUEST_LABEL_ADDR("smc_imm");
	__u64 count = 1;

	GUEST_SYNC(smc_get());
	asm volatile("rep insl" : "+D"(dst), "+c"(count) : "d"(PORT) :
		     "memory");
	GUEST_SYNC(smc_get());
	GUEST_DONE();
}

/* Data stores only, after the loop's code is translated. */
static void guest_data(void)
{
	__u64 i;

	GUEST_SYNC(smc_get());
	for (i = 0; i < 1000; i++)
		asm volatile("add %1, %0" : "+m"(data_word) : "r"(i));
	GUEST_SYNC(data_word);
	GUEST_DONE();
}

static struct duet_test_vcpu *smc_vm(void *guest, __u32 mode,
				     struct duet_test_vm **vm)
{
	struct duet_test_vcpu *vcpu;

	*vm = vm_create_with_one_vcpu(&vcpu, guest);
	vcpu_set_exec_mode(vcpu, mode);
	return vcpu;
}

static __u64 invalidations(struct duet_test_vcpu *vcpu)
{
	return vcpu_nl_stat(vcpu, DUET_A_VCPU_STATS_BT_INVALIDATIONS);
}

static void store_in_bt(void)
{
	struct duet_test_vm *vm;
	struct duet_test_vcpu *vcpu = smc_vm(guest_store, DUET_EXEC_MODE_BT,
					     &vm);
	__u64 before;
	__u32 i;

	vcpu_expect_sync(vcpu, 1);
	before = invalidations(vcpu);
	vcpu_expect_sync(vcpu, 2);
	TEST_ASSERT(invalidations(vcpu) > before,
		    "no translation dropped by the store (%llu)",
		    (unsigned long long)before);
	for (i = 3; i < 6; i++)
		vcpu_expect_sync(vcpu, i);
	vcpu_expect_done(vcpu);
	TEST_ASSERT(vcpu_nl_stat(vcpu, DUET_A_VCPU_STATS_BT_INSNS) > 0,
		    "the guest never ran in BT");
	vm_free(vm);
}

static void store_into_own_block(__u32 mode)
{
	struct duet_test_vm *vm;
	struct duet_test_vcpu *vcpu = smc_vm(guest_inline, mode, &vm);
	__u32 v;

	for (v = 5; v < 10; v++)
		vcpu_expect_sync(vcpu, v);
	vcpu_expect_done(vcpu);
	vm_free(vm);
}

static void own_block_in_hw(void)
{
	store_into_own_block(DUET_EXEC_MODE_HW);
}

static void own_block_in_bt(void)
{
	store_into_own_block(DUET_EXEC_MODE_BT);
}

static void store_in_hw_after_bt(void)
{
	struct duet_test_vm *vm;
	struct duet_test_vcpu *vcpu = smc_vm(guest_cross_mode,
					     DUET_EXEC_MODE_BT, &vm);
	__u64 before;

	vcpu_expect_sync(vcpu, 1);
	vcpu_expect_sync(vcpu, 0);
	before = invalidations(vcpu);
	vcpu_set_exec_mode(vcpu, DUET_EXEC_MODE_HW);
	vcpu_expect_sync(vcpu, 0);
	TEST_ASSERT(invalidations(vcpu) > before,
		    "the store in hardware dropped no translation");
	vcpu_set_exec_mode(vcpu, DUET_EXEC_MODE_BT);
	vcpu_expect_sync(vcpu, 42);
	vcpu_expect_done(vcpu);
	vm_free(vm);
}

static void string_in(__u32 mode)
{
	struct duet_test_vm *vm;
	struct duet_test_vcpu *vcpu = smc_vm(guest_string_in, mode, &vm);
	__u32 val = 0x1234;

	vcpu_expect_sync(vcpu, 1);
	vcpu_run(vcpu);
	TEST_ASSERT_EXIT_REASON(vcpu, DUET_EXIT_IO);
	TEST_ASSERT_EQ(vcpu->run->io.port, PORT);
	TEST_ASSERT_EQ(vcpu->run->io.direction, DUET_EXIT_IO_IN);
	TEST_ASSERT_EQ(vcpu->run->io.size, 4);
	TEST_ASSERT_EQ(vcpu->run->io.count, 1);
	memcpy(vcpu_io_data(vcpu), &val, sizeof(val));
	vcpu_expect_sync(vcpu, val);
	vcpu_expect_done(vcpu);
	vm_free(vm);
}

static void string_in_bt(void)
{
	string_in(DUET_EXEC_MODE_BT);
}

/* Written in hardware mode after the immediate was translated in BT. */
static void string_in_hw_after_bt(void)
{
	struct duet_test_vm *vm;
	struct duet_test_vcpu *vcpu = smc_vm(guest_string_in,
					     DUET_EXEC_MODE_BT, &vm);
	__u32 val = 77;

	vcpu_expect_sync(vcpu, 1);
	vcpu_set_exec_mode(vcpu, DUET_EXEC_MODE_HW);
	vcpu_run(vcpu);
	TEST_ASSERT_EXIT_REASON(vcpu, DUET_EXIT_IO);
	memcpy(vcpu_io_data(vcpu), &val, sizeof(val));
	vcpu_set_exec_mode(vcpu, DUET_EXEC_MODE_BT);
	vcpu_expect_sync(vcpu, val);
	vcpu_expect_done(vcpu);
	vm_free(vm);
}

/* Negative: stores to data drop nothing. */
static void data_stores_keep_translations(void)
{
	struct duet_test_vm *vm;
	struct duet_test_vcpu *vcpu = smc_vm(guest_data, DUET_EXEC_MODE_BT,
					     &vm);
	__u64 before;

	vcpu_expect_sync(vcpu, 1);
	before = invalidations(vcpu);
	vcpu_expect_sync(vcpu, 999ULL * 1000 / 2);
	TEST_ASSERT_EQ(invalidations(vcpu), before);
	vcpu_expect_done(vcpu);
	vm_free(vm);
}

/* Negative: code never translated is stored to without a drop. */
static void hw_store_untranslated(void)
{
	struct duet_test_vm *vm;
	struct duet_test_vcpu *vcpu = smc_vm(guest_store, DUET_EXEC_MODE_HW,
					     &vm);
	__u32 i;

	for (i = 1; i < 6; i++)
		vcpu_expect_sync(vcpu, i);
	vcpu_expect_done(vcpu);
	TEST_ASSERT_EQ(invalidations(vcpu), 0);
	TEST_ASSERT_EQ(vcpu_nl_stat(vcpu, DUET_A_VCPU_STATS_BT_BLOCKS_TRANSLATED),
		       0);
	vm_free(vm);
}

static const struct test_case cases[] = {
	TEST_CASE(store_in_bt),
	TEST_CASE(own_block_in_hw),
	TEST_CASE(own_block_in_bt),
	TEST_CASE(store_in_hw_after_bt),
	TEST_CASE(string_in_bt),
	TEST_CASE(string_in_hw_after_bt),
	TEST_CASE(data_stores_keep_translations),
	TEST_CASE(hw_store_untranslated),
};

int main(void)
{
	TEST_REQUIRE_VM();
	return test_run(cases, ARRAY_SIZE(cases));
}
