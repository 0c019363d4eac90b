// SPDX-License-Identifier: GPL-2.0
/*
 * String port I/O: INS and OUTS of each size, with and without REP, as
 * batches of elements in the run area's data page.  OUTS data arrive in
 * the order the guest reads them, INS data land in guest memory on the
 * next DUET_RUN; RSI/RDI/RCX advance per batch and RIP leaves the
 * instruction only after the last one; a batch never crosses a guest page,
 * so strings over scattered 4 KiB pages come in order.  Also DF=1, the
 * 32-bit address size (67h), an FS override, REP with RCX = 0 (no exit),
 * and what must not become I/O: a write to a page the guest maps
 * read-only (#PF: with no IDT, a shutdown), a non-canonical address (#GP),
 * memory outside guest RAM or in a read-only slot (an internal error).
 */
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "guest.h"
#include "vm.h"

#define PORT		0xe0

/* A guest-virtual window of 4 KiB pages on scattered guest pages. */
#define FAR_GVA		0x8000000000ULL
#define FAR_PAGES	4
#define PAGE		DUET_TEST_PAGE_SIZE
#define FAR_START	(FAR_GVA + 0x80)
#define FAR_LEN		(3 * PAGE + 100)

/* Identity-mapped, but beyond guest memory: no slot. */
#define UNBACKED_GVA	0x10000000ULL
/* A read-only slot (ROM), inside the identity map. */
#define ROM_SLOT	1
#define ROM_GPA		(128ULL << 20)
#define ROM_SIZE	(2ULL << 20)
/* A writable slot deleted while an INS is pending. */
#define EXTRA_SLOT	2
#define EXTRA_GPA	(130ULL << 20)

#define FS_BASE		0x3000ULL
#define X86_CR0_WP	0x10000ULL

/*
 * One string I/O instruction @insn (with @pre and @post around it, e.g.
 * std/cld) on PORT, pointer register @reg ("S" or "D") = @ptr, RCX =
 * @count; R8 = the instruction's address, R9 = the next one's, for the
 * host to check RIP against.
 */
#define GUEST_STRING_IO(pre, insn, post, reg, ptr, count)		\
({									\
	asm volatile("lea 1f(%%rip), %%r8\n\t"				\
		     "lea 2f(%%rip), %%r9\n\t"				\
		     pre "\n"						\
		     "1: " insn "\n"					\
		     "2: " post						\
		     : "+" reg(ptr), "+c"(count)			\
		     : "d"(PORT)					\
		     : "r8", "r9", "memory", "cc");			\
})

static __u8 single[8] __attribute__((aligned(8))) = {
	0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,
};

static __u8 ins_buf[64] __attribute__((aligned(64)));

static __u16 df_src[8] __attribute__((aligned(16))) = {
	0x1001, 0x2002, 0x3003, 0x4004, 0x5005, 0x6006, 0x7007, 0x8008,
};

static __u16 df_dst[8] __attribute__((aligned(16)));
static char a32_buf[16] __attribute__((aligned(16))) = "addr32 string!";
static char fs_buf[16] __attribute__((aligned(16))) = "through FS base";

/* The byte at offset @i of the far window. */
static __u8 pattern(__u64 i)
{
	return (__u8)(i * 131 + (i >> 8) + 1);
}

/* Element @i of an INS string: 4 distinct bytes, truncated to the size. */
static __u32 in_value(__u64 i)
{
	return 0xa5000000u ^ (__u32)(i * 0x010203u + 7);
}

/* The far window's pages, last first on every other pool page. */
struct far {
	__u64 gpa[FAR_PAGES];
	__u64 *pte[FAR_PAGES];
};

static void map_far(struct duet_test_vm *vm, struct far *f, bool writable)
{
	__u64 pool = vm_alloc_pages(vm, 2 * FAR_PAGES);
	unsigned int i;

	for (i = 0; i < FAR_PAGES; i++) {
		f->gpa[i] = pool + 2 * (FAR_PAGES - 1 - i) * PAGE;
		f->pte[i] = vm_map_4k(vm, FAR_GVA + i * PAGE, f->gpa[i],
				      writable);
	}
}

static __u8 *far_byte(struct duet_test_vm *vm, const struct far *f,
		      __u64 off)
{
	return vm_gpa2hva(vm, f->gpa[off / PAGE] + off % PAGE, 1);
}

/*
 * Run @vcpu through every exit of one string instruction on PORT that
 * moves @len elements of @size bytes, the first at linear address @la,
 * going @down.  Each exit must carry at most a page of data, none may
 * cross a page, and RIP must stay on the instruction (R8) until the last
 * batch, which leaves it at the next one (R9).  OUT data are appended to
 * @out; IN elements get in_value() of their index.  Returns the number of
 * exits.
 */
static unsigned int run_string(struct duet_test_vcpu *vcpu, __u32 dir,
			       __u32 size, __u64 len, __u64 la, bool down,
			       __u8 *out)
{
	struct duet_run *run = vcpu->run;
	struct duet_regs regs;
	__u64 done = 0, lo, hi, first, i;
	unsigned int exits = 0;
	__u32 count, v;

	while (done < len) {
		vcpu_run(vcpu);
		TEST_ASSERT_EXIT_REASON(vcpu, DUET_EXIT_IO);
		TEST_ASSERT_EQ(run->io.port, PORT);
		TEST_ASSERT_EQ(run->io.direction, dir);
		TEST_ASSERT_EQ(run->io.size, size);
		count = run->io.count;
		TEST_ASSERT(count >= 1 && count <= len - done &&
			    count * size <= PAGE, "count %u after %llu of %llu",
			    count, (unsigned long long)done,
			    (unsigned long long)len);
		TEST_ASSERT(run->io.data_offset >= sizeof(*run) &&
			    run->io.data_offset + count * size <= vcpu->run_size,
			    "data_offset %llu",
			    (unsigned long long)run->io.data_offset);

		first = down ? la - done * size : la + done * size;
		lo = down ? first - (count - 1) * size : first;
		hi = lo + count * size - 1;
		TEST_ASSERT(count == 1 || lo / PAGE == hi / PAGE,
			    "batch [%#llx, %#llx] crosses a page",
			    (unsigned long long)lo, (unsigned long long)hi);

		vcpu_regs_get(vcpu, &regs);
		TEST_ASSERT_EQ(regs.rip, done + count == len ? regs.r9 : regs.r8);

		if (dir == DUET_EXIT_IO_OUT) {
			memcpy(out + done * size, vcpu_io_data(vcpu),
			       count * size);
		} else {
			for (i = 0; i < count; i++) {
				v = in_value(done + i);
				memcpy(vcpu_io_element(vcpu, i), &v, size);
			}
		}
		done += count;
		exits++;
	}
	return exits;
}

/* The next exit is GUEST_SYNC2(@a, @b). */
static void expect_sync2(struct duet_test_vcpu *vcpu, __u64 a, __u64 b)
{
	struct ucall uc;

	TEST_ASSERT_EQ(vcpu_run_ucall(vcpu, &uc), UCALL_SYNC);
	TEST_ASSERT_EQ(uc.nargs, 2);
	TEST_ASSERT_EQ(uc.args[0], a);
	TEST_ASSERT_EQ(uc.args[1], b);
}

static void guest_outs_single(void)
{
	__u64 rsi = (uintptr_t)single, rcx = 0x55;

	GUEST_STRING_IO("", "outsb", "", "S", rsi, rcx);
	GUEST_SYNC2(rsi, rcx);
	GUEST_STRING_IO("", "outsw", "", "S", rsi, rcx);
	GUEST_SYNC2(rsi, rcx);
	GUEST_STRING_IO("", "outsl", "", "S", rsi, rcx);
	GUEST_SYNC2(rsi, rcx);
	GUEST_DONE();
}

/* OUTSB/W/L without REP: one element each, RSI past it, RCX untouched. */
static void outs_single(void)
{
	struct duet_test_vcpu *vcpu;
	__u8 got[4];

	vm_create_with_one_vcpu(&vcpu, guest_outs_single);
	TEST_ASSERT_EQ(run_string(vcpu, DUET_EXIT_IO_OUT, 1, 1,
				  (uintptr_t)single, false, got), 1);
	TEST_ASSERT_EQ(got[0], 0x11);
	expect_sync2(vcpu, (uintptr_t)single + 1, 0x55);
	TEST_ASSERT_EQ(run_string(vcpu, DUET_EXIT_IO_OUT, 2, 1,
				  (uintptr_t)single + 1, false, got), 1);
	TEST_ASSERT(!memcmp(got, single + 1, 2), "outsw %02x %02x", got[0],
		    got[1]);
	expect_sync2(vcpu, (uintptr_t)single + 3, 0x55);
	TEST_ASSERT_EQ(run_string(vcpu, DUET_EXIT_IO_OUT, 4, 1,
				  (uintptr_t)single + 3, false, got), 1);
	TEST_ASSERT(!memcmp(got, single + 3, 4), "outsl %02x..%02x", got[0],
		    got[3]);
	expect_sync2(vcpu, (uintptr_t)single + 7, 0x55);
	vcpu_expect_done(vcpu);
}

static void guest_far_outs(void)
{
	__u64 rsi = FAR_START, rcx = FAR_LEN;

	GUEST_STRING_IO("", "rep outsb", "", "S", rsi, rcx);
	GUEST_SYNC2(rsi, rcx);
	rsi = FAR_START + FAR_LEN - 1;
	rcx = FAR_LEN;
	GUEST_STRING_IO("std", "rep outsb", "cld", "S", rsi, rcx);
	GUEST_SYNC2(rsi, rcx);
	GUEST_DONE();
}

/*
 * REP OUTSB of more than three pages over four scattered guest pages, up
 * and down: every byte in order, one exit per page, RSI and RCX right;
 * the guest's PTEs get the accessed bit, not the dirty bit.
 */
static void rep_outs_pages(void)
{
	struct duet_test_vcpu *vcpu;
	struct duet_test_vm *vm;
	static __u8 got[FAR_LEN];
	struct far f;
	__u64 i;

	vm = vm_create_with_one_vcpu(&vcpu, guest_far_outs);
	map_far(vm, &f, true);
	for (i = 0; i < FAR_PAGES * PAGE; i++)
		*far_byte(vm, &f, i) = pattern(i);

	TEST_ASSERT_EQ(run_string(vcpu, DUET_EXIT_IO_OUT, 1, FAR_LEN,
				  FAR_START, false, got), FAR_PAGES);
	for (i = 0; i < FAR_LEN; i++)
		TEST_ASSERT(got[i] == pattern(0x80 + i),
			    "byte %llu: %#x, want %#x", (unsigned long long)i,
			    got[i], pattern(0x80 + i));
	expect_sync2(vcpu, FAR_START + FAR_LEN, 0);

	TEST_ASSERT_EQ(run_string(vcpu, DUET_EXIT_IO_OUT, 1, FAR_LEN,
				  FAR_START + FAR_LEN - 1, true, got),
		       FAR_PAGES);
	for (i = 0; i < FAR_LEN; i++)
		TEST_ASSERT(got[i] == pattern(0x80 + FAR_LEN - 1 - i),
			    "DF=1 byte %llu: %#x", (unsigned long long)i,
			    got[i]);
	expect_sync2(vcpu, FAR_START - 1, 0);
	vcpu_expect_done(vcpu);

	for (i = 0; i < FAR_PAGES; i++)
		TEST_ASSERT((*f.pte[i] & (DUET_TEST_PTE_A | DUET_TEST_PTE_D)) ==
			    DUET_TEST_PTE_A, "page %llu: PTE %#llx",
			    (unsigned long long)i, (unsigned long long)*f.pte[i]);
}

static void guest_ins(void)
{
	__u64 rdi = (uintptr_t)ins_buf, rcx = 10;

	GUEST_STRING_IO("", "rep insb", "", "D", rdi, rcx);
	GUEST_SYNC2(rdi, rcx);
	rdi = (uintptr_t)ins_buf + 16;
	rcx = 5;
	GUEST_STRING_IO("", "rep insw", "", "D", rdi, rcx);
	GUEST_SYNC2(rdi, rcx);
	rdi = (uintptr_t)ins_buf + 32;
	rcx = 3;
	GUEST_STRING_IO("", "rep insl", "", "D", rdi, rcx);
	GUEST_SYNC2(rdi, rcx);
	GUEST_DONE();
}

/* Check that guest memory at @gva holds in_value(0..@n-1) of @size. */
static void expect_in_values(struct duet_test_vm *vm, __u64 gva, __u32 size,
			     __u32 n)
{
	const __u8 *p = vm_gva2hva(vm, gva, (__u64)size * n);
	__u32 i, v;

	for (i = 0; i < n; i++) {
		v = in_value(i);
		TEST_ASSERT(!memcmp(p + i * size, &v, size),
			    "element %u of %u bytes at %#llx", i, size,
			    (unsigned long long)gva);
	}
}

/* REP INSB/W/L: the data land in guest memory, RDI and RCX advance. */
static void rep_ins(void)
{
	struct duet_test_vcpu *vcpu;
	struct duet_test_vm *vm;
	__u64 buf = (uintptr_t)ins_buf;
	const __u8 *p;

	vm = vm_create_with_one_vcpu(&vcpu, guest_ins);
	TEST_ASSERT_EQ(run_string(vcpu, DUET_EXIT_IO_IN, 1, 10, buf, false,
				  NULL), 1);
	expect_sync2(vcpu, buf + 10, 0);
	expect_in_values(vm, buf, 1, 10);
	TEST_ASSERT_EQ(run_string(vcpu, DUET_EXIT_IO_IN, 2, 5, buf + 16, false,
				  NULL), 1);
	expect_sync2(vcpu, buf + 26, 0);
	expect_in_values(vm, buf + 16, 2, 5);
	TEST_ASSERT_EQ(run_string(vcpu, DUET_EXIT_IO_IN, 4, 3, buf + 32, false,
				  NULL), 1);
	expect_sync2(vcpu, buf + 44, 0);
	expect_in_values(vm, buf + 32, 4, 3);
	vcpu_expect_done(vcpu);

	/* Nothing beyond the elements. */
	p = vm_gva2hva(vm, buf, sizeof(ins_buf));
	TEST_ASSERT(!p[10] && !p[15] && !p[26] && !p[31] && !p[44] && !p[63],
		    "bytes written past a string");
}

static void guest_far_ins(void)
{
	__u64 rdi = FAR_GVA + 0x40, rcx = 3000;

	GUEST_STRING_IO("", "rep insl", "", "D", rdi, rcx);
	GUEST_SYNC2(rdi, rcx);
	GUEST_DONE();
}

/*
 * REP INSL over three scattered guest pages: one exit per page, each
 * element at its place, and the dirty bit in the guest's PTEs of exactly
 * the pages written.
 */
static void rep_ins_pages(void)
{
	struct duet_test_vcpu *vcpu;
	struct duet_test_vm *vm;
	__u64 i, bits;
	struct far f;
	__u32 v;

	vm = vm_create_with_one_vcpu(&vcpu, guest_far_ins);
	map_far(vm, &f, true);
	TEST_ASSERT_EQ(run_string(vcpu, DUET_EXIT_IO_IN, 4, 3000,
				  FAR_GVA + 0x40, false, NULL), 3);
	expect_sync2(vcpu, FAR_GVA + 0x40 + 3000 * 4, 0);
	vcpu_expect_done(vcpu);

	for (i = 0; i < 3000; i++) {
		memcpy(&v, far_byte(vm, &f, 0x40 + 4 * i), 4);
		TEST_ASSERT(v == in_value(i), "element %llu: %#x, want %#x",
			    (unsigned long long)i, v, in_value(i));
	}
	TEST_ASSERT_EQ(*far_byte(vm, &f, 0x3f), 0);
	TEST_ASSERT_EQ(*far_byte(vm, &f, 0x40 + 4 * 3000), 0);
	for (i = 0; i < FAR_PAGES; i++) {
		bits = *f.pte[i] & (DUET_TEST_PTE_A | DUET_TEST_PTE_D);
		TEST_ASSERT(bits == (i < 3 ? DUET_TEST_PTE_A | DUET_TEST_PTE_D : 0),
			    "page %llu: PTE %#llx", (unsigned long long)i,
			    (unsigned long long)*f.pte[i]);
	}
}

static void guest_df(void)
{
	__u64 rsi = (uintptr_t)&df_src[7], rdi = (uintptr_t)&df_dst[7];
	__u64 rcx = 8;

	GUEST_STRING_IO("std", "rep outsw", "cld", "S", rsi, rcx);
	GUEST_SYNC2(rsi, rcx);
	rcx = 8;
	GUEST_STRING_IO("std", "rep insw", "cld", "D", rdi, rcx);
	GUEST_SYNC2(rdi, rcx);
	GUEST_DONE();
}

/* DF=1: elements from the highest address down, RSI/RDI decrement. */
static void df_backwards(void)
{
	struct duet_test_vcpu *vcpu;
	struct duet_test_vm *vm;
	__u16 got[8], *dst;
	__u32 v;
	int i;

	vm = vm_create_with_one_vcpu(&vcpu, guest_df);
	TEST_ASSERT_EQ(run_string(vcpu, DUET_EXIT_IO_OUT, 2, 8,
				  (uintptr_t)&df_src[7], true, (__u8 *)got), 1);
	for (i = 0; i < 8; i++)
		TEST_ASSERT_EQ(got[i], df_src[7 - i]);
	expect_sync2(vcpu, (uintptr_t)df_src - 2, 0);

	TEST_ASSERT_EQ(run_string(vcpu, DUET_EXIT_IO_IN, 2, 8,
				  (uintptr_t)&df_dst[7], true, NULL), 1);
	expect_sync2(vcpu, (uintptr_t)df_dst - 2, 0);
	dst = vm_gva2hva(vm, (uintptr_t)df_dst, sizeof(df_dst));
	for (i = 0; i < 8; i++) {
		v = in_value(7 - i);
		TEST_ASSERT_EQ(dst[i], (__u16)v);
	}
	vcpu_expect_done(vcpu);
}

static void guest_addr32(void)
{
	__u64 rsi = 0xdeadbeef00000000ULL | (__u32)(uintptr_t)a32_buf;
	__u64 rcx = 0x1234567800000000ULL | 14;

	/* addr32 rep outsb: ESI and ECX only */
	GUEST_STRING_IO("", ".byte 0x67, 0xf3, 0x6e", "", "S", rsi, rcx);
	GUEST_SYNC2(rsi, rcx);
	GUEST_DONE();
}

/*
 * 67h: ESI addresses, ECX counts, and both are written back as 32-bit
 * registers (zero-extended) - garbage in the upper halves is not used.
 */
static void addr32(void)
{
	struct duet_test_vcpu *vcpu;
	char got[14];

	vm_create_with_one_vcpu(&vcpu, guest_addr32);
	TEST_ASSERT_EQ(run_string(vcpu, DUET_EXIT_IO_OUT, 1, 14,
				  (uintptr_t)a32_buf, false, (__u8 *)got), 1);
	TEST_ASSERT(!memcmp(got, a32_buf, 14), "got '%.14s'", got);
	expect_sync2(vcpu, (__u32)((uintptr_t)a32_buf + 14), 0);
	vcpu_expect_done(vcpu);
}

static void guest_fs(void)
{
	__u64 rsi = (uintptr_t)fs_buf - FS_BASE, rcx = 15;

	/* fs rep outsb */
	GUEST_STRING_IO("", ".byte 0x64, 0xf3, 0x6e", "", "S", rsi, rcx);
	GUEST_SYNC2(rsi, rcx);
	rsi = (uintptr_t)fs_buf - FS_BASE;
	rcx = 15;
	GUEST_STRING_IO("", "rep outsb", "", "S", rsi, rcx);
	GUEST_SYNC2(rsi, rcx);
	GUEST_DONE();
}

/* An FS override adds FS's base; without it, DS's base is 0. */
static void fs_override(void)
{
	struct duet_test_vcpu *vcpu;
	struct duet_test_vm *vm;
	struct duet_sregs sregs;
	__u64 rsi = (uintptr_t)fs_buf - FS_BASE;
	const char *plain;
	char got[15];

	vm = vm_create_with_one_vcpu(&vcpu, guest_fs);
	vcpu_sregs_get(vcpu, &sregs);
	sregs.fs.base = FS_BASE;
	vcpu_sregs_set(vcpu, &sregs);

	TEST_ASSERT_EQ(run_string(vcpu, DUET_EXIT_IO_OUT, 1, 15,
				  (uintptr_t)fs_buf, false, (__u8 *)got), 1);
	TEST_ASSERT(!memcmp(got, fs_buf, 15), "got '%.15s'", got);
	expect_sync2(vcpu, rsi + 15, 0);

	plain = vm_gva2hva(vm, rsi, 15);
	TEST_ASSERT(memcmp(plain, fs_buf, 15), "the test cannot tell DS from FS");
	TEST_ASSERT_EQ(run_string(vcpu, DUET_EXIT_IO_OUT, 1, 15, rsi, false,
				  (__u8 *)got), 1);
	TEST_ASSERT(!memcmp(got, plain, 15), "DS: not the bytes at RSI");
	expect_sync2(vcpu, rsi + 15, 0);
	vcpu_expect_done(vcpu);
}

static void guest_rep_zero(void)
{
	__u64 rsi = (uintptr_t)single, rdi = (uintptr_t)ins_buf, rcx = 0;

	GUEST_STRING_IO("", "rep outsb", "", "S", rsi, rcx);
	GUEST_SYNC2(rsi, rcx);
	GUEST_STRING_IO("std", "rep insl", "cld", "D", rdi, rcx);
	GUEST_SYNC2(rdi, rcx);
	/* With 67h only ECX counts: 0. */
	rcx = 1ULL << 32;
	GUEST_STRING_IO("", ".byte 0x67, 0xf3, 0x6e", "", "S", rsi, rcx);
	GUEST_SYNC2(rsi, (__u32)rcx);
	GUEST_DONE();
}

/* REP with a zero count moves nothing and never reaches userspace. */
static void rep_zero_count(void)
{
	struct duet_test_vcpu *vcpu;
	struct duet_test_vm *vm;
	const __u8 *p;

	vm = vm_create_with_one_vcpu(&vcpu, guest_rep_zero);
	/* vcpu_run_ucall() fails on any exit that is not a ucall. */
	expect_sync2(vcpu, (uintptr_t)single, 0);
	expect_sync2(vcpu, (uintptr_t)ins_buf, 0);
	expect_sync2(vcpu, (uintptr_t)single, 0);
	vcpu_expect_done(vcpu);
	p = vm_gva2hva(vm, (uintptr_t)ins_buf, 4);
	TEST_ASSERT(!p[0] && !p[3], "REP INSL with RCX = 0 wrote");
}

static void guest_ins_read_only(void)
{
	__u64 rsi = FAR_GVA, rdi = FAR_GVA, rcx = 4;

	/* Reading the page is fine. */
	GUEST_STRING_IO("", "rep outsb", "", "S", rsi, rcx);
	GUEST_SYNC(0);
	rcx = 4;
	GUEST_STRING_IO("", "rep insb", "", "D", rdi, rcx);
	GUEST_DONE();
}

static void guest_ins_read_only_no_wp(void)
{
	__u64 rdi = FAR_GVA, rcx = 4, cr0 = guest_read_cr0();

	asm volatile("mov %0, %%cr0" : : "r"(cr0 & ~X86_CR0_WP) : "memory");
	GUEST_STRING_IO("", "rep insb", "", "D", rdi, rcx);
	GUEST_SYNC2(rdi, rcx);
	GUEST_DONE();
}

/*
 * INS into a page the guest maps read-only: with CR0.WP the guest takes a
 * #PF (no IDT: a shutdown) and no I/O exit happens; with WP clear the
 * supervisor write goes through and dirties the PTE.
 */
static void ins_read_only_page(void)
{
	struct duet_test_vcpu *vcpu;
	struct duet_test_vm *vm;
	__u8 got[4];
	struct far f;
	int i;

	vm = vm_create_with_one_vcpu(&vcpu, guest_ins_read_only);
	map_far(vm, &f, false);
	memcpy(far_byte(vm, &f, 0), "ro!", 4);
	TEST_ASSERT_EQ(run_string(vcpu, DUET_EXIT_IO_OUT, 1, 4, FAR_GVA, false,
				  got), 1);
	TEST_ASSERT(!memcmp(got, "ro!", 4), "read '%.4s'", got);
	vcpu_expect_sync(vcpu, 0);
	vcpu_run(vcpu);
	TEST_ASSERT_EXIT_REASON(vcpu, DUET_EXIT_SHUTDOWN);
	TEST_ASSERT(!memcmp(far_byte(vm, &f, 0), "ro!", 4), "page written");
	TEST_ASSERT_EQ(*f.pte[0] & DUET_TEST_PTE_D, 0);
	vm_free(vm);

	vm = vm_create_with_one_vcpu(&vcpu, guest_ins_read_only_no_wp);
	map_far(vm, &f, false);
	TEST_ASSERT_EQ(run_string(vcpu, DUET_EXIT_IO_IN, 1, 4, FAR_GVA, false,
				  NULL), 1);
	expect_sync2(vcpu, FAR_GVA + 4, 0);
	vcpu_expect_done(vcpu);
	for (i = 0; i < 4; i++)
		TEST_ASSERT_EQ(*far_byte(vm, &f, i), (__u8)in_value(i));
	TEST_ASSERT(*f.pte[0] & DUET_TEST_PTE_D, "PTE %#llx",
		    (unsigned long long)*f.pte[0]);
}

static void guest_non_canonical(void)
{
	__u64 rsi = 0x0000800000000000ULL, rcx = 1;

	GUEST_SYNC(0);
	GUEST_STRING_IO("", "rep outsb", "", "S", rsi, rcx);
	GUEST_DONE();
}

/* A non-canonical address: #GP (no IDT: a shutdown), no I/O exit. */
static void non_canonical(void)
{
	struct duet_test_vcpu *vcpu;

	vm_create_with_one_vcpu(&vcpu, guest_non_canonical);
	vcpu_expect_sync(vcpu, 0);
	vcpu_run(vcpu);
	TEST_ASSERT_EXIT_REASON(vcpu, DUET_EXIT_SHUTDOWN);
}

static void guest_outs_unbacked(void)
{
	__u64 rsi = UNBACKED_GVA, rcx = 8;

	GUEST_STRING_IO("", "rep outsb", "", "S", rsi, rcx);
	GUEST_DONE();
}

static void guest_ins_unbacked(void)
{
	__u64 rdi = UNBACKED_GVA + 0x100, rcx = 2;

	GUEST_STRING_IO("", "rep insw", "", "D", rdi, rcx);
	GUEST_DONE();
}

static void guest_sync_done(void)
{
	GUEST_SYNC(1);
	GUEST_DONE();
}

/*
 * The internal error of string I/O outside RAM: the address, the port,
 * the direction; registers untouched and RIP on the instruction.
 */
static void expect_not_ram(struct duet_test_vcpu *vcpu, __u64 gpa, __u32 dir,
			   __u64 ptr, __u64 rcx)
{
	struct duet_run *run = vcpu->run;
	struct duet_regs regs;

	vcpu_run(vcpu);
	TEST_ASSERT_EXIT_REASON(vcpu, DUET_EXIT_INTERNAL_ERROR);
	test_print("%s", vcpu_exit_str(vcpu));
	TEST_ASSERT_EQ(run->internal.suberror, DUET_INTERNAL_STRING_IO);
	TEST_ASSERT(run->internal.ndata >= 3, "ndata %u", run->internal.ndata);
	TEST_ASSERT_EQ(run->internal.data[0], gpa);
	TEST_ASSERT_EQ(run->internal.data[1], PORT);
	TEST_ASSERT_EQ(run->internal.data[2], dir);
	vcpu_regs_get(vcpu, &regs);
	TEST_ASSERT_EQ(dir == DUET_EXIT_IO_OUT ? regs.rsi : regs.rdi, ptr);
	TEST_ASSERT_EQ(regs.rcx, rcx);
	TEST_ASSERT_EQ(regs.rip, regs.r8);
}

/*
 * String I/O from or to guest-physical memory outside every slot is MMIO,
 * which duet does not emulate for it: an internal error, every time the
 * instruction runs, and the host is fine.
 */
static void outside_guest_ram(void)
{
	struct duet_test_vcpu *vcpu;
	struct duet_test_vm *vm;

	vm = vm_create_with_one_vcpu(&vcpu, guest_outs_unbacked);
	expect_not_ram(vcpu, UNBACKED_GVA, DUET_EXIT_IO_OUT, UNBACKED_GVA, 8);
	expect_not_ram(vcpu, UNBACKED_GVA, DUET_EXIT_IO_OUT, UNBACKED_GVA, 8);
	vm_free(vm);

	vm = vm_create_with_one_vcpu(&vcpu, guest_ins_unbacked);
	expect_not_ram(vcpu, UNBACKED_GVA + 0x100, DUET_EXIT_IO_IN,
		       UNBACKED_GVA + 0x100, 2);
	vm_free(vm);

	vm_create_with_one_vcpu(&vcpu, guest_sync_done);
	vcpu_expect_sync(vcpu, 1);
	vcpu_expect_done(vcpu);
}

static void guest_rom(void)
{
	__u64 rsi = ROM_GPA, rdi = ROM_GPA, rcx = 4;

	GUEST_STRING_IO("", "rep outsb", "", "S", rsi, rcx);
	GUEST_SYNC2(rsi, rcx);
	rcx = 4;
	GUEST_STRING_IO("", "rep insb", "", "D", rdi, rcx);
	GUEST_DONE();
}

/* A DUET_MEM_READONLY slot: OUTS reads it, INS is an internal error. */
static void read_only_slot(void)
{
	struct duet_test_vcpu *vcpu;
	struct duet_test_vm *vm;
	__u8 *rom = test_alloc_mem(ROM_SIZE);
	__u8 got[4];

	memcpy(rom, "ROM!", 4);
	vm = vm_create_with_one_vcpu(&vcpu, guest_rom);
	vm_set_memslot(vm, ROM_SLOT, DUET_MEM_READONLY, ROM_GPA, ROM_SIZE, rom);
	TEST_ASSERT_EQ(run_string(vcpu, DUET_EXIT_IO_OUT, 1, 4, ROM_GPA, false,
				  got), 1);
	TEST_ASSERT(!memcmp(got, "ROM!", 4), "read '%.4s'", got);
	expect_sync2(vcpu, ROM_GPA + 4, 0);
	expect_not_ram(vcpu, ROM_GPA, DUET_EXIT_IO_IN, ROM_GPA, 4);
	TEST_ASSERT(!memcmp(rom, "ROM!", 4), "ROM written");
	vm_free(vm);
	munmap(rom, ROM_SIZE);
}

static void guest_ins_extra(void)
{
	__u64 rdi = EXTRA_GPA + 8, rcx = 4;

	GUEST_STRING_IO("", "rep insb", "", "D", rdi, rcx);
	GUEST_DONE();
}

/*
 * The slot an INS writes to goes away between the exit and the DUET_RUN
 * that completes it: that DUET_RUN reports the internal error instead of
 * entering the guest.
 */
static void ins_slot_gone(void)
{
	struct duet_test_vcpu *vcpu;
	struct duet_test_vm *vm;
	struct duet_run *run;
	__u8 *mem = test_alloc_mem(ROM_SIZE);

	vm = vm_create_with_one_vcpu(&vcpu, guest_ins_extra);
	run = vcpu->run;
	vm_set_memslot(vm, EXTRA_SLOT, 0, EXTRA_GPA, ROM_SIZE, mem);
	vcpu_run(vcpu);
	TEST_ASSERT_EXIT_REASON(vcpu, DUET_EXIT_IO);
	TEST_ASSERT_EQ(run->io.count, 4);
	vm_set_memslot(vm, EXTRA_SLOT, 0, EXTRA_GPA, 0, NULL);
	vcpu_run(vcpu);
	TEST_ASSERT_EXIT_REASON(vcpu, DUET_EXIT_INTERNAL_ERROR);
	TEST_ASSERT_EQ(run->internal.suberror, DUET_INTERNAL_STRING_IO);
	TEST_ASSERT_EQ(run->internal.data[0], EXTRA_GPA + 8);
	TEST_ASSERT_EQ(run->internal.data[2], DUET_EXIT_IO_IN);
	vm_free(vm);
	munmap(mem, ROM_SIZE);
}

static const struct test_case cases[] = {
	TEST_CASE(outs_single),
	TEST_CASE(rep_outs_pages),
	TEST_CASE(rep_ins),
	TEST_CASE(rep_ins_pages),
	TEST_CASE(df_backwards),
	TEST_CASE(addr32),
	TEST_CASE(fs_override),
	TEST_CASE(rep_zero_count),
	TEST_CASE(ins_read_only_page),
	TEST_CASE(non_canonical),
	TEST_CASE(outside_guest_ram),
	TEST_CASE(read_only_slot),
	TEST_CASE(ins_slot_gone),
};

int main(void)
{
	TEST_REQUIRE_VM();
	return test_run(cases, ARRAY_SIZE(cases));
}
