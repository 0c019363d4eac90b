// SPDX-License-Identifier: GPL-2.0
/*
 * MMIO emulation: a guest runs each emulated form against guest-physical
 * memory no slot backs; the host checks every DUET_EXIT_MMIO (address,
 * length, direction, write data) and answers reads, the guest checks
 * registers and flags.  Also: REP strings (one exit per element), MOVS
 * between RAM and MMIO, an instruction across a page boundary, a write
 * to a read-only slot, a guest #PF forwarded without an exit, and an
 * instruction duet does not emulate (an internal error exit).
 */
#include <string.h>
#include <sys/mman.h>

#include "exception.h"
#include "guest.h"
#include "test.h"
#include "vm.h"

#define MMIO		0x38400000ull	/* 900 MiB: mapped, no slot */
#define MMIO_STR	"0x38400000"
#define RO_GPA		(768ull << 20)
#define RO_SIZE		(2ull << 20)
#define UNMAPPED_GVA	(2ull << 30)	/* above the guest's 1 GiB map */

#define CF	0x001ull
#define PF	0x004ull
#define ZF	0x040ull
#define SF	0x080ull
#define OF	0x800ull

static __u64 ram_gva;		/* a RAM page of the guest's, from the pool */

static void expect_read(struct duet_test_vcpu *vcpu, __u64 gpa, __u32 len,
			__u64 data)
{
	struct duet_run *run = vcpu->run;

	vcpu_run(vcpu);
	TEST_ASSERT_EXIT_REASON(vcpu, DUET_EXIT_MMIO);
	TEST_ASSERT_HW_EXIT(vcpu, TEST_HW_EXIT_MMIO);
	TEST_ASSERT(!run->mmio.is_write && run->mmio.phys_addr == gpa &&
		    run->mmio.len == len,
		    "want a read of %u at %#llx: %s", len,
		    (unsigned long long)gpa, vcpu_exit_str(vcpu));
	vcpu_complete_mmio(vcpu, data);
}

static void expect_write(struct duet_test_vcpu *vcpu, __u64 gpa, __u32 len,
			 __u64 data)
{
	struct duet_run *run = vcpu->run;

	vcpu_run(vcpu);
	TEST_ASSERT_EXIT_REASON(vcpu, DUET_EXIT_MMIO);
	TEST_ASSERT_HW_EXIT(vcpu, TEST_HW_EXIT_MMIO);
	TEST_ASSERT(run->mmio.is_write && run->mmio.phys_addr == gpa &&
		    run->mmio.len == len && run->mmio.data == data,
		    "want a write of %u at %#llx of %#llx: %s", len,
		    (unsigned long long)gpa, (unsigned long long)data,
		    vcpu_exit_str(vcpu));
	/* A write needs no answer; the kernel ignores mmio.data now. */
	run->mmio.data = 0xdeadbeef;
}

/* ---- MOV, MOVZX, MOVSX ---- */

static void guest_mov(void)
{
	__u64 p = MMIO, v64;
	__u32 v32;
	__u16 v16;
	__u8 v8;

	asm volatile("movb (%1), %0" : "=q"(v8) : "r"(p + 1) : "memory");
	GUEST_ASSERT_EQ(v8, 0x81);
	asm volatile("movw (%1), %0" : "=r"(v16) : "r"(p + 2) : "memory");
	GUEST_ASSERT_EQ(v16, 0x8182);
	asm volatile("movl (%1), %0" : "=r"(v32) : "r"(p + 4) : "memory");
	GUEST_ASSERT_EQ(v32, 0x81828384);
	asm volatile("movq (%1), %0" : "=r"(v64) : "r"(p + 8) : "memory");
	GUEST_ASSERT_EQ(v64, 0x8182838485868788ull);
	/* A 32-bit load zero-extends; a 16-bit one keeps the rest. */
	v64 = ~0ull;
	asm volatile("movl (%1), %k0" : "+r"(v64) : "r"(p) : "memory");
	GUEST_ASSERT_EQ(v64, 0x80000000ull);
	v64 = ~0ull;
	asm volatile("movw (%1), %w0" : "+r"(v64) : "r"(p) : "memory");
	GUEST_ASSERT_EQ(v64, 0xffffffffffff1234ull);
	/* AH */
	v64 = 0x1111;
	asm volatile("movb (%1), %%ah" : "+a"(v64) : "r"(p) : "memory");
	GUEST_ASSERT_EQ(v64, 0x5a11ull);
	/* moffs: A1 and A3 */
	asm volatile("movabs " MMIO_STR ", %%rax" : "=a"(v64) : : "memory");
	GUEST_ASSERT_EQ(v64, 0x42ull);
	asm volatile("movabs %%eax, " MMIO_STR : : "a"(0x55667788) : "memory");
	/* MOVZX, MOVSX, MOVSXD */
	asm volatile("movzbl (%1), %0" : "=r"(v32) : "r"(p) : "memory");
	GUEST_ASSERT_EQ(v32, 0x80);
	asm volatile("movsbl (%1), %0" : "=r"(v32) : "r"(p) : "memory");
	GUEST_ASSERT_EQ(v32, 0xffffff80);
	asm volatile("movzwq (%1), %0" : "=r"(v64) : "r"(p) : "memory");
	GUEST_ASSERT_EQ(v64, 0x8000ull);
	asm volatile("movswq (%1), %0" : "=r"(v64) : "r"(p) : "memory");
	GUEST_ASSERT_EQ(v64, 0xffffffffffff8000ull);
	asm volatile("movslq (%1), %0" : "=r"(v64) : "r"(p) : "memory");
	GUEST_ASSERT_EQ(v64, 0xffffffff80000000ull);
	/* Stores: register and immediate, every size. */
	asm volatile("movb %0, (%1)" : : "q"((__u8)0x11), "r"(p) : "memory");
	asm volatile("movw %0, (%1)" : : "r"((__u16)0x2222), "r"(p) : "memory");
	asm volatile("movl %0, (%1)" : : "r"(0x33333333u), "r"(p) : "memory");
	asm volatile("movq %0, (%1)" : : "r"(0x4444444444444444ull), "r"(p) : "memory");
	asm volatile("movb $0x55, 3(%0)" : : "r"(p) : "memory");
	asm volatile("movw $0x6666, (%0)" : : "r"(p) : "memory");
	asm volatile("movl $0x77777777, (%0)" : : "r"(p) : "memory");
	asm volatile("movq $-2, (%0)" : : "r"(p) : "memory");
	GUEST_DONE();
}

static void mmio_mov(void)
{
	struct duet_test_vcpu *vcpu;

	vm_create_with_one_vcpu(&vcpu, guest_mov);
	expect_read(vcpu, MMIO + 1, 1, 0x81);
	expect_read(vcpu, MMIO + 2, 2, 0x8182);
	expect_read(vcpu, MMIO + 4, 4, 0x81828384);
	expect_read(vcpu, MMIO + 8, 8, 0x8182838485868788ull);
	expect_read(vcpu, MMIO, 4, 0x80000000);
	expect_read(vcpu, MMIO, 2, 0x1234);
	expect_read(vcpu, MMIO, 1, 0x5a);
	expect_read(vcpu, MMIO, 8, 0x42);
	expect_write(vcpu, MMIO, 4, 0x55667788);
	expect_read(vcpu, MMIO, 1, 0x80);
	expect_read(vcpu, MMIO, 1, 0x80);
	expect_read(vcpu, MMIO, 2, 0x8000);
	expect_read(vcpu, MMIO, 2, 0x8000);
	expect_read(vcpu, MMIO, 4, 0x80000000);
	expect_write(vcpu, MMIO, 1, 0x11);
	expect_write(vcpu, MMIO, 2, 0x2222);
	expect_write(vcpu, MMIO, 4, 0x33333333);
	expect_write(vcpu, MMIO, 8, 0x4444444444444444ull);
	expect_write(vcpu, MMIO + 3, 1, 0x55);
	expect_write(vcpu, MMIO, 2, 0x6666);
	expect_write(vcpu, MMIO, 4, 0x77777777);
	expect_write(vcpu, MMIO, 8, 0xfffffffffffffffeull);
	vcpu_expect_done(vcpu);
}

/* ---- read-modify-write and flags ---- */

#define RMW(insn, fl, ...)						\
	({								\
		asm volatile(insn "\n\tpushfq\n\tpopq %0"		\
			     : "=r"(fl) : __VA_ARGS__ : "cc", "memory");	\
	})

static void guest_alu(void)
{
	__u64 p = MMIO, fl, r;
	__u32 old;

	RMW("addl %1, (%2)", fl, "r"(1), "r"(p));
	GUEST_ASSERT_EQ(fl & (CF | ZF | PF | SF | OF), CF | ZF | PF);
	RMW("subb $1, (%1)", fl, "r"(p));
	GUEST_ASSERT_EQ(fl & (CF | ZF | SF | OF), CF | SF);
	RMW("addq $1, (%1)", fl, "r"(p));
	GUEST_ASSERT_EQ(fl & (CF | ZF | SF | OF), SF | OF);
	RMW("orw $0x8000, (%1)", fl, "r"(p));
	GUEST_ASSERT_EQ(fl & (CF | ZF | SF | OF), SF);
	RMW("andl $0xff, (%1)", fl, "r"(p));
	GUEST_ASSERT_EQ(fl & (CF | ZF | SF | OF), ZF);
	RMW("xorq %1, (%2)", fl, "r"(0xffull), "r"(p));
	GUEST_ASSERT_EQ(fl & (ZF | SF), 0);
	RMW("stc\n\tadcl $0, (%1)", fl, "r"(p));
	GUEST_ASSERT_EQ(fl & (CF | ZF), CF | ZF);
	RMW("stc\n\tsbbb $0, (%1)", fl, "r"(p));
	GUEST_ASSERT_EQ(fl & (CF | SF), CF | SF);
	/* CMP and TEST read only. */
	RMW("cmpl %1, (%2)", fl, "r"(5), "r"(p));
	GUEST_ASSERT_EQ(fl & (CF | ZF), ZF);
	RMW("cmpq $6, (%1)", fl, "r"(p));
	GUEST_ASSERT_EQ(fl & (CF | ZF | SF), CF | SF);
	RMW("testb $0x80, (%1)", fl, "r"(p));
	GUEST_ASSERT_EQ(fl & (ZF | SF), SF);
	/* INC keeps CF; DEC, NOT, NEG */
	RMW("stc\n\tincl (%1)", fl, "r"(p));
	GUEST_ASSERT_EQ(fl & (CF | OF | SF), CF | OF | SF);
	RMW("decw (%1)", fl, "r"(p));
	GUEST_ASSERT_EQ(fl & (ZF), ZF);
	RMW("notb (%1)", fl, "r"(p));
	RMW("negq (%1)", fl, "r"(p));
	GUEST_ASSERT_EQ(fl & CF, CF);
	/* LOCK: emulated, not atomic. */
	RMW("lock addl %1, (%2)", fl, "r"(2), "r"(p));
	/* XCHG */
	old = 0x1111;
	asm volatile("xchgl %0, (%1)" : "+r"(old) : "r"(p) : "memory");
	GUEST_ASSERT_EQ(old, 0x2222);
	/* BT with a register offset past the dword: the next one; BTS imm */
	RMW("btl %1, (%2)", fl, "r"(35), "r"(p));
	GUEST_ASSERT_EQ(fl & CF, CF);
	RMW("btsl $5, (%1)", fl, "r"(p));
	GUEST_ASSERT_EQ(fl & CF, 0);
	/* A source operand: the register gets the sum. */
	r = 40;
	asm volatile("addq (%1), %0" : "+r"(r) : "r"(p) : "cc", "memory");
	GUEST_ASSERT_EQ(r, 42);
	GUEST_DONE();
}

static void mmio_alu(void)
{
	struct duet_test_vcpu *vcpu;

	vm_create_with_one_vcpu(&vcpu, guest_alu);
	expect_read(vcpu, MMIO, 4, 0xffffffff);		/* add */
	expect_write(vcpu, MMIO, 4, 0);
	expect_read(vcpu, MMIO, 1, 0);			/* sub */
	expect_write(vcpu, MMIO, 1, 0xff);
	expect_read(vcpu, MMIO, 8, 0x7fffffffffffffffull);	/* add */
	expect_write(vcpu, MMIO, 8, 0x8000000000000000ull);
	expect_read(vcpu, MMIO, 2, 0x0001);		/* or */
	expect_write(vcpu, MMIO, 2, 0x8001);
	expect_read(vcpu, MMIO, 4, 0xff00);		/* and */
	expect_write(vcpu, MMIO, 4, 0);
	expect_read(vcpu, MMIO, 8, 0x0f);		/* xor */
	expect_write(vcpu, MMIO, 8, 0xf0);
	expect_read(vcpu, MMIO, 4, 0xffffffff);		/* adc */
	expect_write(vcpu, MMIO, 4, 0);
	expect_read(vcpu, MMIO, 1, 0);			/* sbb */
	expect_write(vcpu, MMIO, 1, 0xff);
	expect_read(vcpu, MMIO, 4, 5);			/* cmp */
	expect_read(vcpu, MMIO, 8, 5);			/* cmp */
	expect_read(vcpu, MMIO, 1, 0x80);		/* test */
	expect_read(vcpu, MMIO, 4, 0x7fffffff);		/* inc */
	expect_write(vcpu, MMIO, 4, 0x80000000);
	expect_read(vcpu, MMIO, 2, 1);			/* dec */
	expect_write(vcpu, MMIO, 2, 0);
	expect_read(vcpu, MMIO, 1, 0x0f);		/* not */
	expect_write(vcpu, MMIO, 1, 0xf0);
	expect_read(vcpu, MMIO, 8, 1);			/* neg */
	expect_write(vcpu, MMIO, 8, ~0ull);
	expect_read(vcpu, MMIO, 4, 40);			/* lock add */
	expect_write(vcpu, MMIO, 4, 42);
	expect_read(vcpu, MMIO, 4, 0x2222);		/* xchg */
	expect_write(vcpu, MMIO, 4, 0x1111);
	expect_read(vcpu, MMIO + 4, 4, 0x8);		/* bt: bit 3 of +4 */
	expect_read(vcpu, MMIO, 4, 0);			/* bts */
	expect_write(vcpu, MMIO, 4, 0x20);
	expect_read(vcpu, MMIO, 8, 2);			/* add to a register */
	vcpu_expect_done(vcpu);
}

/* ---- strings ---- */

static void guest_strings(void)
{
	__u64 *ram = (__u64 *)ram_gva;
	__u64 rcx, rdi, rsi;

	/* rep stosl, 4 elements */
	rcx = 4;
	rdi = MMIO + 0x100;
	asm volatile("rep stosl" : "+c"(rcx), "+D"(rdi) : "a"(0xabcd0123) : "memory");
	GUEST_ASSERT_EQ(rcx, 0);
	GUEST_ASSERT_EQ(rdi, MMIO + 0x110);
	/* downwards: std; rep stosb, 2 elements */
	rcx = 2;
	rdi = MMIO + 0x21;
	asm volatile("std\n\trep stosb\n\tcld" : "+c"(rcx), "+D"(rdi) : "a"(0x7e) : "memory");
	GUEST_ASSERT_EQ(rdi, MMIO + 0x1f);
	/* rep movsb RAM -> MMIO, 3 elements */
	ram[0] = 0x030201;
	rcx = 3;
	rsi = ram_gva;
	rdi = MMIO + 0x200;
	asm volatile("rep movsb" : "+c"(rcx), "+S"(rsi), "+D"(rdi) : : "memory");
	GUEST_ASSERT_EQ(rcx, 0);
	GUEST_ASSERT_EQ(rsi, ram_gva + 3);
	GUEST_ASSERT_EQ(rdi, MMIO + 0x203);
	/* rep movsq MMIO -> RAM, 2 elements */
	rcx = 2;
	rsi = MMIO + 0x300;
	rdi = ram_gva + 8;
	asm volatile("rep movsq" : "+c"(rcx), "+S"(rsi), "+D"(rdi) : : "memory");
	GUEST_ASSERT_EQ(rsi, MMIO + 0x310);
	GUEST_ASSERT_EQ(ram[1], 0x1111111111111111ull);
	GUEST_ASSERT_EQ(ram[2], 0x2222222222222222ull);
	/* movsw MMIO -> MMIO */
	rsi = MMIO + 0x400;
	rdi = MMIO + 0x500;
	asm volatile("movsw" : "+S"(rsi), "+D"(rdi) : : "memory");
	GUEST_ASSERT_EQ(rdi, MMIO + 0x502);
	GUEST_DONE();
}

static void mmio_strings(void)
{
	struct duet_test_vcpu *vcpu;
	struct duet_test_vm *vm;
	int i;

	vm = vm_create_with_one_vcpu(&vcpu, guest_strings);
	ram_gva = vm_alloc_pages(vm, 1);
	sync_global_to_guest(vm, ram_gva);
	for (i = 0; i < 4; i++)
		expect_write(vcpu, MMIO + 0x100 + 4 * i, 4, 0xabcd0123);
	expect_write(vcpu, MMIO + 0x21, 1, 0x7e);
	expect_write(vcpu, MMIO + 0x20, 1, 0x7e);
	for (i = 0; i < 3; i++)
		expect_write(vcpu, MMIO + 0x200 + i, 1, i + 1);
	expect_read(vcpu, MMIO + 0x300, 8, 0x1111111111111111ull);
	expect_read(vcpu, MMIO + 0x308, 8, 0x2222222222222222ull);
	expect_read(vcpu, MMIO + 0x400, 2, 0xbeef);
	expect_write(vcpu, MMIO + 0x500, 2, 0xbeef);
	vcpu_expect_done(vcpu);
}

/* ---- a page boundary, a read-only slot ---- */

static void guest_call(void)
{
	__u64 v;

	/* The code at ram_gva + 0xffe: mov (%rdi), %rax; ret */
	asm volatile("sub $128, %%rsp\n\tcall *%1\n\tadd $128, %%rsp"
		     : "=a"(v) : "r"(ram_gva + 0xffe), "D"(MMIO + 0x18)
		     : "memory", "cc");
	GUEST_ASSERT_EQ(v, 0x123456789ull);
	/* A write to the read-only slot: an MMIO write; the slot is unchanged. */
	asm volatile("movl %0, 8(%1)" : : "r"(0xbad), "r"(RO_GPA) : "memory");
	GUEST_ASSERT_EQ(guest_read64(RO_GPA + 8), 0x600d);
	GUEST_DONE();
}

static void mmio_page_boundary_readonly(void)
{
	static const __u8 code[] = { 0x48, 0x8b, 0x07, 0xc3 };
	struct duet_test_vcpu *vcpu;
	struct duet_test_vm *vm;
	__u32 *ro = test_alloc_mem(RO_SIZE);
	__u8 *hva;

	ro[2] = 0x600d;
	vm = vm_create_with_one_vcpu(&vcpu, guest_call);
	vm_set_memslot(vm, 1, DUET_MEM_READONLY, RO_GPA, RO_SIZE, ro);
	ram_gva = vm_alloc_pages(vm, 2);
	sync_global_to_guest(vm, ram_gva);
	hva = _vm_gpa2hva(vm, ram_gva + 0xffe, sizeof(code));
	TEST_ASSERT(hva, "pool page");
	memcpy(hva, code, sizeof(code));
	expect_read(vcpu, MMIO + 0x18, 8, 0x123456789ull);
	expect_write(vcpu, RO_GPA + 8, 4, 0xbad);
	vcpu_expect_done(vcpu);
	TEST_ASSERT_EQ(ro[2], 0x600d);
}

/* ---- the guest's own fault, an instruction not emulated ---- */

static void guest_fault(void)
{
	__u64 ec = 0, rsi = MMIO, rdi = UNMAPPED_GVA, cr2;
	__u8 vec;

	/* The source is MMIO, the destination not mapped: #PF, no exit. */
	vec = guest_asm_safe_ec("movsb", &ec, "S"(rsi), "D"(rdi));
	GUEST_ASSERT_EQ(vec, PF_VECTOR);
	GUEST_ASSERT_EQ(ec & 2, 2);		/* a write */
	asm volatile("mov %%cr2, %0" : "=r"(cr2));
	GUEST_ASSERT_EQ(cr2, UNMAPPED_GVA);
	GUEST_SYNC(1);
	/* movdqu (%rdi), %xmm0: SSE is not emulated. */
	asm volatile(".byte 0xf3, 0x0f, 0x6f, 0x07" : : "D"(MMIO + 0x40) : "memory");
	GUEST_DONE();
}

#define X86_CR4_OSFXSR	BIT(9)

static void mmio_fault_and_unsupported(void)
{
	struct duet_test_vcpu *vcpu;
	struct duet_test_vm *vm;
	struct duet_sregs sregs;
	struct duet_run *run;
	struct duet_regs regs;

	vm = vm_create_with_one_vcpu(&vcpu, guest_fault);
	vm_init_exceptions(vm);
	vcpu_sregs_get(vcpu, &sregs);
	sregs.cr4 |= X86_CR4_OSFXSR;
	vcpu_sregs_set(vcpu, &sregs);
	run = vcpu->run;
	/* No exit before the guest reports the #PF. */
	vcpu_expect_sync(vcpu, 1);

	vcpu_run(vcpu);
	test_print("%s", vcpu_exit_str(vcpu));
	TEST_ASSERT_EXIT_REASON(vcpu, DUET_EXIT_INTERNAL_ERROR);
	TEST_ASSERT_EQ(run->internal.suberror, DUET_INTERNAL_EMULATION_FAILED);
	vcpu_regs_get(vcpu, &regs);
	TEST_ASSERT_EQ(run->internal.data[0], regs.rip);
	TEST_ASSERT_EQ(run->internal.data[1] & 0xffffffff, 0x076f0ff3ull);
	/* Nothing moved: the same exit again. */
	vcpu_run(vcpu);
	TEST_ASSERT_EXIT_REASON(vcpu, DUET_EXIT_INTERNAL_ERROR);
	TEST_ASSERT_EQ(run->internal.data[0], regs.rip);
}

static const struct test_case cases[] = {
	TEST_CASE(mmio_mov),
	TEST_CASE(mmio_alu),
	TEST_CASE(mmio_strings),
	TEST_CASE(mmio_page_boundary_readonly),
	TEST_CASE(mmio_fault_and_unsupported),
};

int main(void)
{
	TEST_REQUIRE_VM();
	return test_run(cases, ARRAY_SIZE(cases));
}
