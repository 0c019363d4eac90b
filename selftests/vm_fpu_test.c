// SPDX-License-Identifier: GPL-2.0
/*
 * DUET_GET/SET_XSAVE: the size protocol (-E2BIG with the size needed),
 * the reset image, x87/SSE state set by the host and read by the guest
 * and the other way round, the host's own FPU registers surviving a guest
 * that clobbers all of them, and images XRSTOR would fault on (refused
 * with -EINVAL, the vCPU's image unchanged).
 *
 * Guest code here is built -mgeneral-regs-only and never touches SSE or
 * x87 registers by itself: the fpu_*() helpers of lib/fpu.h, in assembly,
 * are the only code that does, in the guest and in the host.
 */
#include <stdio.h>
#include <stdlib.h>

#include "exception.h"
#include "fpu.h"
#include "guest.h"
#include "vm.h"

#define X86_CR4_OSFXSR		BIT(9)
#define X86_CR4_OSXMMEXCPT	BIT(10)

/* Offsets in the XSAVE image (SDM "XSAVE Area", "FXSAVE"). */
#define XS_FCW			0
#define XS_FSW			2
#define XS_FTW			4	/* abridged: bit i = physical register i */
#define XS_MXCSR		24
#define XS_MXCSR_MASK		28
#define XS_ST0			32	/* ST(i) at 32 + 16 * i, 10 bytes used */
#define XS_XMM0			160	/* XMM(i) at 160 + 16 * i */
#define XS_XSTATE_BV		512
#define XS_XCOMP_BV		520
#define XS_HEADER_RESERVED	528
#define XS_MIN_SIZE		576

#define XFEATURE_X87		BIT(0)
#define XFEATURE_SSE		BIT(1)

#define MXCSR_RESET		0x1f80
#define FSW_TOP_SHIFT		11

/* pi and e in the x87's 80-bit format (little endian). */
static const __u8 st_pi[10] = {
	0x35, 0xc2, 0x68, 0x21, 0xa2, 0xda, 0x0f, 0xc9, 0x00, 0x40,
};

static const __u8 st_e[10] = {
	0x9a, 0x4a, 0xbb, 0xa2, 0x58, 0x54, 0xf8, 0xad, 0x00, 0x40,
};

/* What guest code loads (set by the host) and what it saw (read back). */
static struct fpu_regs guest_in;
static struct fpu_regs guest_seen;

static void fill_regs(struct fpu_regs *r, __u8 seed, __u32 mxcsr,
		      const __u8 *st)
{
	unsigned int i, j;

	memset(r, 0, sizeof(*r));
	for (i = 0; i < 16; i++)
		for (j = 0; j < 16; j++)
			r->xmm[i][j] = seed + i * 16 + j;
	r->mxcsr = mxcsr;
	memcpy(r->st0, st, 10);
}

static __u8 *xs_at(struct duet_xsave *x, unsigned int off)
{
	TEST_ASSERT(off < x->size, "offset %u past the image", off);
	return x->region + off;
}

static __u64 xs_get64(struct duet_xsave *x, unsigned int off)
{
	__u64 v;

	memcpy(&v, xs_at(x, off), sizeof(v));
	return v;
}

static void xs_put64(struct duet_xsave *x, unsigned int off, __u64 v)
{
	memcpy(xs_at(x, off), &v, sizeof(v));
}

static __u32 xs_get32(struct duet_xsave *x, unsigned int off)
{
	__u32 v;

	memcpy(&v, xs_at(x, off), sizeof(v));
	return v;
}

static void xs_put32(struct duet_xsave *x, unsigned int off, __u32 v)
{
	memcpy(xs_at(x, off), &v, sizeof(v));
}

static __u16 xs_get16(struct duet_xsave *x, unsigned int off)
{
	__u16 v;

	memcpy(&v, xs_at(x, off), sizeof(v));
	return v;
}

static struct duet_xsave *xs_dup(const struct duet_xsave *x)
{
	struct duet_xsave *c = malloc(sizeof(*x) + x->size);

	TEST_ASSERT(c, "malloc");
	memcpy(c, x, sizeof(*x) + x->size);
	return c;
}

static __u64 host_xcr0(void)
{
	__u32 lo, hi;

	asm volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return lo | (__u64)hi << 32;
}

/* The MXCSR bits this CPU lets software set (SDM "MXCSR_MASK"). */
static __u32 host_mxcsr_mask(void)
{
	static __u8 fx[512] __attribute__((aligned(16)));
	__u32 mask;

	fpu_fxsave(fx);
	memcpy(&mask, fx + XS_MXCSR_MASK, sizeof(mask));
	return mask ? mask : 0xffbf;
}

/* Let the guest use SSE (SDM "Initialization of the SSE Extensions"). */
static void vcpu_enable_sse(struct duet_test_vcpu *vcpu)
{
	struct duet_sregs sregs;

	vcpu_sregs_get(vcpu, &sregs);
	sregs.cr4 |= X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT;
	vcpu_sregs_set(vcpu, &sregs);
}

static struct duet_test_vm *vm_create_fpu(struct duet_test_vcpu **vcpu,
					  void *guest_code)
{
	struct duet_test_vm *vm = vm_create_with_one_vcpu(vcpu, guest_code);

	vm_init_exceptions(vm);
	vcpu_enable_sse(*vcpu);
	return vm;
}

/*
 * The size: -E2BIG with the size needed (CPUID.(EAX=0DH,ECX=0):EBX, the
 * standard-format size for the host's XCR0) for any smaller capacity,
 * exactly that many bytes written for any larger one; the reset image.
 */
static void xsave_size(void)
{
	struct duet_test_vm *vm = vm_create_barebones();
	struct duet_test_vcpu *vcpu = vm_vcpu_add(vm, 0, NULL);
	struct duet_xsave probe = { .size = 0 }, *x;
	__u32 a, b, c, d, size;

	asm volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d)
		     : "a"(0xd), "c"(0));
	TEST_ASSERT_RC(_vcpu_xsave_get(vcpu, &probe), -E2BIG);
	size = probe.size;
	test_print("XSAVE image: %u bytes, XCR0 %#llx", size,
		   (unsigned long long)host_xcr0());
	TEST_ASSERT_EQ(size, b);
	TEST_ASSERT(size >= XS_MIN_SIZE && size <= DUET_MAX_XSAVE_SIZE,
		    "size %u", size);

	x = calloc(1, sizeof(*x) + size + 64);
	TEST_ASSERT(x, "calloc");
	memset(x->region, 0xa5, size + 64);
	x->size = size - 1;
	TEST_ASSERT_RC(_vcpu_xsave_get(vcpu, x), -E2BIG);
	TEST_ASSERT_EQ(x->size, size);
	TEST_ASSERT_EQ(x->region[0], 0xa5);

	/* Exactly the image, even into a larger buffer. */
	x->size = size + 64;
	TEST_ASSERT_RC(_vcpu_xsave_get(vcpu, x), 0);
	TEST_ASSERT_EQ(x->size, size);
	TEST_ASSERT_EQ(x->region[size], 0xa5);
	TEST_ASSERT_EQ(x->region[size + 63], 0xa5);

	/* Reset state: FINIT's FCW, MXCSR 1F80h, every component init. */
	TEST_ASSERT_EQ(xs_get16(x, XS_FCW), 0x37f);
	TEST_ASSERT_EQ(xs_get32(x, XS_MXCSR), MXCSR_RESET);
	TEST_ASSERT_EQ(xs_get64(x, XS_XSTATE_BV), 0);
	TEST_ASSERT_EQ(xs_get64(x, XS_XCOMP_BV), 0);

	/* Capacity over DUET_MAX_XSAVE_SIZE, flags, reserved, pointer. */
	x->size = DUET_MAX_XSAVE_SIZE;
	TEST_ASSERT_RC(_vcpu_xsave_get(vcpu, x), 0);
	x->size = DUET_MAX_XSAVE_SIZE + 1;
	TEST_ASSERT_RC(_vcpu_xsave_get(vcpu, x), -EINVAL);
	x->size = size;
	x->flags = 1;
	TEST_ASSERT_RC(_vcpu_xsave_get(vcpu, x), -EINVAL);
	x->flags = 0;
	x->reserved = 1;
	TEST_ASSERT_RC(_vcpu_xsave_get(vcpu, x), -EINVAL);
	TEST_ASSERT_RC(_vcpu_xsave_get(vcpu, NULL), -EFAULT);
	free(x);
	vm_free(vm);
}

static void guest_read_fpu(void)
{
	fpu_xmm_store(guest_seen.xmm);
	fpu_mxcsr_store(&guest_seen.mxcsr);
	fpu_st0_pop(guest_seen.st0);
	GUEST_SYNC(0);
	GUEST_DONE();
}

/* An image set by the host is what the guest's registers hold. */
static void xsave_host_to_guest(void)
{
	struct duet_test_vcpu *vcpu;
	struct duet_test_vm *vm;
	struct duet_xsave *x;
	struct fpu_regs want;
	unsigned int i;

	vm = vm_create_fpu(&vcpu, guest_read_fpu);
	fill_regs(&want, 0x40, 0x7f80, st_pi);
	x = vcpu_xsave_get(vcpu);
	for (i = 0; i < 16; i++)
		memcpy(xs_at(x, XS_XMM0 + 16 * i), want.xmm[i], 16);
	xs_put32(x, XS_MXCSR, want.mxcsr);
	/* ST0 in physical register 7: TOP = 7, tag valid. */
	memcpy(xs_at(x, XS_ST0), st_pi, 10);
	*(__u16 *)xs_at(x, XS_FSW) = 7 << FSW_TOP_SHIFT;
	*xs_at(x, XS_FTW) = 0x80;
	xs_put64(x, XS_XSTATE_BV, xs_get64(x, XS_XSTATE_BV) |
		 XFEATURE_X87 | XFEATURE_SSE);
	vcpu_xsave_set(vcpu, x);

	vcpu_expect_sync(vcpu, 0);
	sync_global_from_guest(vm, guest_seen);
	for (i = 0; i < 16; i++)
		TEST_ASSERT(!memcmp(guest_seen.xmm[i], want.xmm[i], 16),
			    "guest XMM%u differs", i);
	TEST_ASSERT_EQ(guest_seen.mxcsr, want.mxcsr);
	TEST_ASSERT(!memcmp(guest_seen.st0, st_pi, 10), "guest ST0 differs");
	vcpu_expect_done(vcpu);
	free(x);
}

static void guest_write_fpu(void)
{
	fpu_xmm_load(guest_in.xmm);
	fpu_mxcsr_load(&guest_in.mxcsr);
	fpu_st0_push(guest_in.st0);
	GUEST_SYNC(1);
	/* What the host changed in the image meanwhile. */
	fpu_xmm_store(guest_seen.xmm);
	GUEST_SYNC(2);
	GUEST_DONE();
}

/*
 * The guest's registers are in the image after an exit; an image set
 * between two runs is what the guest goes on with.
 */
static void xsave_guest_to_host(void)
{
	struct duet_test_vcpu *vcpu;
	struct duet_test_vm *vm;
	struct duet_xsave *x;
	unsigned int i;

	vm = vm_create_fpu(&vcpu, guest_write_fpu);
	fill_regs(&guest_in, 0x80, 0x5f80, st_e);
	sync_global_to_guest(vm, guest_in);

	vcpu_expect_sync(vcpu, 1);
	x = vcpu_xsave_get(vcpu);
	for (i = 0; i < 16; i++)
		TEST_ASSERT(!memcmp(xs_at(x, XS_XMM0 + 16 * i),
				    guest_in.xmm[i], 16),
			    "image XMM%u differs", i);
	TEST_ASSERT_EQ(xs_get32(x, XS_MXCSR), 0x5f80);
	TEST_ASSERT(!memcmp(xs_at(x, XS_ST0), st_e, 10), "image ST0 differs");
	/* One value pushed on an empty stack: TOP 7, register 7 tagged. */
	TEST_ASSERT_EQ((xs_get16(x, XS_FSW) >> FSW_TOP_SHIFT) & 7, 7);
	TEST_ASSERT_EQ(*xs_at(x, XS_FTW), 0x80);
	TEST_ASSERT_EQ(xs_get64(x, XS_XSTATE_BV) & (XFEATURE_X87 | XFEATURE_SSE),
		       XFEATURE_X87 | XFEATURE_SSE);

	memset(xs_at(x, XS_XMM0 + 16 * 5), 0x5a, 16);
	vcpu_xsave_set(vcpu, x);
	vcpu_expect_sync(vcpu, 2);
	sync_global_from_guest(vm, guest_seen);
	for (i = 0; i < 16; i++) {
		__u8 want[16];

		memset(want, 0x5a, 16);
		TEST_ASSERT(!memcmp(guest_seen.xmm[i],
				    i == 5 ? want : guest_in.xmm[i], 16),
			    "guest XMM%u differs", i);
	}
	vcpu_expect_done(vcpu);
	free(x);
}

static void guest_clobber_fpu(void)
{
	int i;

	for (i = 0; i < 3; i++) {
		fpu_xmm_load(guest_in.xmm);
		fpu_mxcsr_load(&guest_in.mxcsr);
		fpu_st0_push(guest_in.st0);
		GUEST_SYNC(i);
	}
	GUEST_DONE();
}

/*
 * The VMM's own XMM registers, MXCSR and x87 stack are the same after
 * DUET_RUN as before, though the guest loaded others into all of them.
 */
static void host_fpu_unaffected(void)
{
	struct fpu_regs host_in, host_out;
	struct duet_test_vcpu *vcpu;
	struct duet_test_vm *vm;
	struct duet_xsave *x;
	struct ucall uc;
	unsigned int i, n;
	long r;

	vm = vm_create_fpu(&vcpu, guest_clobber_fpu);
	fill_regs(&guest_in, 0xc0, 0x5f80, st_e);
	sync_global_to_guest(vm, guest_in);

	for (n = 0; n < 3; n++) {
		fill_regs(&host_in, 0x11 * n, 0x3f80, st_pi);
		memset(&host_out, 0, sizeof(host_out));
		r = fpu_ioctl_with_regs(vcpu->fd, DUET_RUN, &host_in, &host_out);
		TEST_ASSERT_RC(r, 0);
		TEST_ASSERT_EQ(get_ucall(vcpu, &uc), UCALL_SYNC);
		TEST_ASSERT_EQ(uc.args[0], n);
		for (i = 0; i < 16; i++)
			TEST_ASSERT(!memcmp(host_out.xmm[i], host_in.xmm[i], 16),
				    "run %u: host XMM%u changed", n, i);
		TEST_ASSERT_EQ(host_out.mxcsr, 0x3f80);
		TEST_ASSERT(!memcmp(host_out.st0, st_pi, 10),
			    "run %u: host ST0 changed", n);

		/* Not vacuous: the guest did load its own values. */
		x = vcpu_xsave_get(vcpu);
		TEST_ASSERT(!memcmp(xs_at(x, XS_XMM0), guest_in.xmm[0], 16),
			    "the guest's XMM0 is not in its image");
		TEST_ASSERT_EQ(xs_get32(x, XS_MXCSR), 0x5f80);
		free(x);
	}
	vcpu_expect_done(vcpu);
}

static void guest_done(void)
{
	GUEST_DONE();
}

/* DUET_SET_XSAVE of @x fails with -EINVAL and changes nothing; frees @x. */
static void expect_refused(struct duet_test_vcpu *vcpu, struct duet_xsave *x,
			   struct duet_xsave *orig, const char *what)
{
	struct duet_xsave *got;

	TEST_ASSERT(_vcpu_xsave_set(vcpu, x) == -EINVAL, "%s accepted", what);
	got = vcpu_xsave_get(vcpu);
	TEST_ASSERT(got->size == orig->size &&
		    !memcmp(got->region, orig->region, orig->size),
		    "%s: the image changed", what);
	free(got);
	free(x);
}

/*
 * Images XRSTOR would fault on are refused whole with -EINVAL and leave
 * the vCPU's image as it was; valid ones, with every XCR0 component
 * present, go in and run.
 */
static void xsave_set_invalid(void)
{
	struct duet_xsave *orig, *x, *got;
	struct duet_test_vcpu *vcpu;
	struct duet_test_vm *vm;
	__u64 xcr0 = host_xcr0();
	__u32 mask = host_mxcsr_mask(), size;
	unsigned int bit, off;
	int r;

	vm = vm_create_fpu(&vcpu, guest_done);
	orig = vcpu_xsave_get(vcpu);
	size = orig->size;
	*xs_at(orig, XS_XMM0) = 0x77;
	xs_put64(orig, XS_XSTATE_BV, XFEATURE_SSE);
	vcpu_xsave_set(vcpu, orig);

	/* XSTATE_BV: a feature outside XCR0, and bit 63. */
	for (bit = 2; bit < 63 && (xcr0 & (1ull << bit)); bit++)
		;
	x = xs_dup(orig);
	xs_put64(x, XS_XSTATE_BV, XFEATURE_SSE | 1ull << bit);
	expect_refused(vcpu, x, orig, "XSTATE_BV beyond XCR0");
	x = xs_dup(orig);
	xs_put64(x, XS_XSTATE_BV, 1ull << 63);
	expect_refused(vcpu, x, orig, "XSTATE_BV bit 63");

	/* The compacted form, and any other XCOMP_BV. */
	x = xs_dup(orig);
	xs_put64(x, XS_XCOMP_BV, 1ull << 63 | (xcr0 & 3));
	expect_refused(vcpu, x, orig, "compacted XCOMP_BV");
	x = xs_dup(orig);
	xs_put64(x, XS_XCOMP_BV, 1);
	expect_refused(vcpu, x, orig, "XCOMP_BV 1");

	/* The header's reserved bytes. */
	for (off = XS_HEADER_RESERVED; off < XS_MIN_SIZE; off += 47) {
		x = xs_dup(orig);
		*xs_at(x, off) = 1;
		expect_refused(vcpu, x, orig, "reserved header byte");
	}

	/* MXCSR: reserved bits. */
	x = xs_dup(orig);
	xs_put32(x, XS_MXCSR, MXCSR_RESET | 1u << 16);
	expect_refused(vcpu, x, orig, "MXCSR bit 16");
	x = xs_dup(orig);
	xs_put32(x, XS_MXCSR, MXCSR_RESET | 1u << 31);
	expect_refused(vcpu, x, orig, "MXCSR bit 31");
	/* DAZ (bit 6) only where this CPU has it. */
	x = xs_dup(orig);
	xs_put32(x, XS_MXCSR, MXCSR_RESET | 1u << 6);
	test_print("host MXCSR_MASK %#x", mask);
	if (mask & (1u << 6)) {
		TEST_ASSERT_RC(_vcpu_xsave_set(vcpu, x), 0);
		vcpu_xsave_set(vcpu, orig);
		free(x);
	} else {
		expect_refused(vcpu, x, orig, "MXCSR.DAZ without DAZ");
	}

	/* Sizes other than the image's. */
	x = xs_dup(orig);
	x->size = size - 64;
	expect_refused(vcpu, x, orig, "a short image");
	x = xs_dup(orig);
	x->size = 0;
	expect_refused(vcpu, x, orig, "size 0");
	x = calloc(1, sizeof(*x) + size + 64);
	TEST_ASSERT(x, "calloc");
	memcpy(x, orig, sizeof(*x) + size);
	x->size = size + 64;
	expect_refused(vcpu, x, orig, "a long image");
	x = xs_dup(orig);
	x->size = DUET_MAX_XSAVE_SIZE + 1;
	expect_refused(vcpu, x, orig, "size over DUET_MAX_XSAVE_SIZE");

	/* Flags and reserved. */
	x = xs_dup(orig);
	x->flags = 1;
	expect_refused(vcpu, x, orig, "flags 1");
	x = xs_dup(orig);
	x->reserved = 1ull << 40;
	expect_refused(vcpu, x, orig, "reserved");
	TEST_ASSERT_RC(_vcpu_xsave_set(vcpu, NULL), -EFAULT);

	/*
	 * Every XCR0 component (AMX's tile data aside: it needs the VMM to
	 * have asked for it) in its zeroed state goes in, and the guest
	 * runs on it.
	 */
	x = xs_dup(orig);
	xs_put64(x, XS_XSTATE_BV, xcr0 & ~(3ull << 17));
	r = _vcpu_xsave_set(vcpu, x);
	TEST_ASSERT_RC(r, 0);
	got = vcpu_xsave_get(vcpu);
	TEST_ASSERT(!memcmp(got->region, x->region, size), "image differs");
	free(got);
	free(x);
	vcpu_expect_done(vcpu);
	free(orig);
	vm_free(vm);
}

#define X86_CR4_PKE		BIT(22)
#define XFEATURE_PKRU		BIT(9)
#define GUEST_PKRU		0x5555000cu
#define HOST_SET_PKRU		0x00000044u

static __u32 rdpkru(void)
{
	__u32 pkru, edx;

	asm volatile(".byte 0x0f, 0x01, 0xee" : "=a"(pkru), "=d"(edx) : "c"(0));
	return pkru;
}

static void wrpkru(__u32 pkru)
{
	asm volatile(".byte 0x0f, 0x01, 0xef" : : "a"(pkru), "c"(0), "d"(0));
}

static void guest_pkru(void)
{
	GUEST_SYNC(rdpkru());
	wrpkru(GUEST_PKRU);
	GUEST_SYNC(rdpkru());
	/* The host set HOST_SET_PKRU in the image meanwhile. */
	GUEST_SYNC(rdpkru());
	GUEST_DONE();
}

/*
 * PKRU is the VMM's own protection-key state as well as the guest's: the
 * host kernel does not restore it on return to userspace, so duet swaps
 * it around guest entry.  The guest's value lives in the image (PKRU
 * component), the VMM's stays untouched whatever the guest writes.
 */
static void pkru_kept_apart(void)
{
	struct duet_test_vcpu *vcpu;
	struct duet_test_vm *vm;
	struct duet_sregs sregs;
	struct duet_xsave *x;
	__u32 a, b, c, d, host, off;

	asm volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d)
		     : "a"(7), "c"(0));
	/* CPUID.7.0:ECX.OSPKE: the host kernel turned protection keys on. */
	if (!(c & BIT(4)))
		TEST_SKIP("the host does not use protection keys");
	asm volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d)
		     : "a"(0xd), "c"(9));
	off = b;
	host = rdpkru();

	vm = vm_create_fpu(&vcpu, guest_pkru);
	vcpu_sregs_get(vcpu, &sregs);
	sregs.cr4 |= X86_CR4_PKE;
	vcpu_sregs_set(vcpu, &sregs);

	/* A new vCPU's PKRU is in its init state, 0. */
	vcpu_expect_sync(vcpu, 0);
	TEST_ASSERT_EQ(rdpkru(), host);
	vcpu_expect_sync(vcpu, GUEST_PKRU);
	test_print("host PKRU %#x, guest PKRU %#x", host, GUEST_PKRU);
	TEST_ASSERT_EQ(rdpkru(), host);

	x = vcpu_xsave_get(vcpu);
	TEST_ASSERT(xs_get64(x, XS_XSTATE_BV) & XFEATURE_PKRU,
		    "XSTATE_BV %#llx without PKRU",
		    (unsigned long long)xs_get64(x, XS_XSTATE_BV));
	TEST_ASSERT_EQ(xs_get32(x, off), GUEST_PKRU);
	xs_put32(x, off, HOST_SET_PKRU);
	vcpu_xsave_set(vcpu, x);
	free(x);
	vcpu_expect_sync(vcpu, HOST_SET_PKRU);
	TEST_ASSERT_EQ(rdpkru(), host);
	vcpu_expect_done(vcpu);
	vm_free(vm);
}

#define X86_CR4_OSXSAVE		BIT(18)
#define XRSTOR_PKRU		0x12345678u

/* An XSAVE area for the guest's XRSTOR: header and PKRU only. */
static __u8 guest_xarea[8192] __attribute__((aligned(64)));

static void guest_xrstor_pkru(void)
{
	/* RFBM = PKRU only: EDX:EAX = 0:0x200. */
	asm volatile("xrstor64 %0" : : "m"(guest_xarea), "a"(XFEATURE_PKRU),
		     "d"(0) : "memory");
	GUEST_DONE();
}

/*
 * Without CR4.PKE the guest runs with the host's PKRU in the register,
 * but its XRSTOR can still load PKRU (its XCR0 is the host's): the value
 * becomes the guest's and the VMM's own PKRU is back after the exit.
 */
static void pkru_xrstor_without_pke(void)
{
	struct duet_test_vcpu *vcpu;
	struct duet_test_vm *vm;
	struct duet_sregs sregs;
	struct duet_xsave *x;
	__u32 a, b, c, d, host, off;
	__u64 bv = XFEATURE_PKRU;

	asm volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d)
		     : "a"(7), "c"(0));
	if (!(c & BIT(4)))
		TEST_SKIP("the host does not use protection keys");
	asm volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d)
		     : "a"(0xd), "c"(9));
	off = b;
	TEST_ASSERT(off + 4 <= sizeof(guest_xarea), "PKRU at %u", off);
	host = rdpkru();

	memset(guest_xarea, 0, sizeof(guest_xarea));
	memcpy(guest_xarea + XS_XSTATE_BV, &bv, sizeof(bv));
	memcpy(guest_xarea + off, &(__u32){ XRSTOR_PKRU }, sizeof(__u32));
	vm = vm_create_fpu(&vcpu, guest_xrstor_pkru);
	sync_global_to_guest(vm, guest_xarea);
	vcpu_sregs_get(vcpu, &sregs);
	TEST_ASSERT(!(sregs.cr4 & X86_CR4_PKE), "CR4.PKE set at reset");
	sregs.cr4 |= X86_CR4_OSXSAVE;
	vcpu_sregs_set(vcpu, &sregs);

	vcpu_expect_done(vcpu);
	TEST_ASSERT_EQ(rdpkru(), host);
	x = vcpu_xsave_get(vcpu);
	TEST_ASSERT(xs_get64(x, XS_XSTATE_BV) & XFEATURE_PKRU,
		    "XSTATE_BV %#llx without PKRU",
		    (unsigned long long)xs_get64(x, XS_XSTATE_BV));
	TEST_ASSERT_EQ(xs_get32(x, off), XRSTOR_PKRU);
	free(x);
	vm_free(vm);
}

static const struct test_case cases[] = {
	TEST_CASE(xsave_size),
	TEST_CASE(xsave_host_to_guest),
	TEST_CASE(xsave_guest_to_host),
	TEST_CASE(host_fpu_unaffected),
	TEST_CASE(xsave_set_invalid),
	TEST_CASE(pkru_kept_apart),
	TEST_CASE(pkru_xrstor_without_pke),
};

int main(void)
{
	TEST_REQUIRE_VM();
	return test_run(cases, ARRAY_SIZE(cases));
}
