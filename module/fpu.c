// SPDX-License-Identifier: GPL-2.0
/*
 * Guest FPU state, kept apart from the host's.
 *
 * Around each guest entry, kernel_fpu_begin() saves the VMM's user FPU
 * registers to its task (they come back on return to userspace) and owns
 * the registers until kernel_fpu_end(); in between, the guest's image is
 * loaded with XRSTOR and saved with XSAVE.  The guest runs with the host's
 * XCR0 (XSETBV exits), so one image size fits every vCPU.
 *
 * Two components are not moved by XRSTOR/XSAVE: PKRU, because the host
 * kernel does not reload it on return to userspace (it is part of the
 * task's context-switch state, not of the FPU state kernel_fpu_end()
 * restores), so duet swaps it by hand with RDPKRU/WRPKRU (see
 * duet_fpu_load() for when); and AMX tile
 * data, which the VMM's task may not have been granted (XFD would raise
 * #NM in the kernel), so duet neither offers nor loads it.
 *
 * The image is the standard (not compacted) XSAVE format for that XCR0;
 * DUET_GET_XSAVE copies it out as it is, DUET_SET_XSAVE replaces it after
 * checking everything XRSTOR would fault on, as duet_fpu_load() has no
 * exception fixup: a bad image must never reach it.
 */
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <asm/fpu/api.h>
#include <asm/processor.h>

#include "duet.h"

/* Legacy-area values of the x87/SSE init state (SDM "FINIT", "MXCSR"). */
#define FPU_FCW_INIT		0x37f
#define FPU_MXCSR_INIT		0x1f80

/* Offsets in the XSAVE image (SDM "XSAVE Area"). */
#define FPU_OFF_MXCSR		24
#define FPU_OFF_MXCSR_MASK	28
#define FPU_OFF_HEADER		512	/* XSTATE_BV, XCOMP_BV, 48 reserved */
#define FPU_HEADER_SIZE		64
#define FPU_LEGACY_SIZE		512	/* the FXSAVE image */

/*
 * SDM "Guidelines for Writing to MXCSR": a zero MXCSR_MASK in the FXSAVE
 * image means the default mask, 0xffbf (DAZ not supported).
 */
#define FPU_MXCSR_MASK_DEFAULT	0xffbf

/* XSAVE feature bits (SDM "XSAVE-Supported Features"). */
#define FPU_XFEATURE_PKRU	BIT_ULL(9)
#define FPU_XFEATURE_XTILE	(BIT_ULL(17) | BIT_ULL(18))

static unsigned int duet_fpu_size __read_mostly;
/* What a guest image may hold: the host's XCR0 without AMX tiles. */
static u64 duet_fpu_xcr0 __read_mostly;
/* What XRSTOR/XSAVE move: the same without PKRU. */
static u64 duet_fpu_rfbm __read_mostly;
/* Offset of PKRU in the image, or 0 when the host does not use it. */
static u32 duet_fpu_pkru_off __read_mostly;
static u32 duet_fpu_mxcsr_mask __read_mostly;
/* The host's PKRU between duet_fpu_load() and duet_fpu_put(). */
static DEFINE_PER_CPU(u32, duet_host_pkru);

static u32 duet_rdpkru(void)
{
	u32 pkru, edx;

	/* RDPKRU (0F 01 EE) needs ECX = 0. */
	asm volatile(".byte 0x0f, 0x01, 0xee" : "=a"(pkru), "=d"(edx) : "c"(0));
	return pkru;
}

static void duet_wrpkru(u32 pkru)
{
	/* WRPKRU (0F 01 EF) needs ECX = EDX = 0. */
	asm volatile(".byte 0x0f, 0x01, 0xef" : : "a"(pkru), "c"(0), "d"(0));
}

static u64 duet_xgetbv0(void)
{
	u32 lo, hi;

	/* XGETBV with ECX = 0 reads XCR0. */
	asm volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return lo | ((u64)hi << 32);
}

/* The MXCSR bits this CPU lets software set, from an FXSAVE image. */
static int duet_fpu_read_mxcsr_mask(void)
{
	u8 *fx = (u8 *)get_zeroed_page(GFP_KERNEL);

	if (!fx)
		return -ENOMEM;
	kernel_fpu_begin();
	asm volatile("fxsave64 %[fx]" : [fx] "=m"(*fx) : : "memory");
	kernel_fpu_end();
	duet_fpu_mxcsr_mask = *(u32 *)(fx + FPU_OFF_MXCSR_MASK);
	if (!duet_fpu_mxcsr_mask)
		duet_fpu_mxcsr_mask = FPU_MXCSR_MASK_DEFAULT;
	free_page((unsigned long)fx);
	return 0;
}

int duet_fpu_setup(void)
{
	u32 eax, ebx, ecx, edx;

	/* duet needs XSAVE; every CPU with SVM or VMX and NPT/EPT has it. */
	if (!boot_cpu_has(X86_FEATURE_XSAVE) || !boot_cpu_has(X86_FEATURE_OSXSAVE))
		return -ENODEV;
	duet_fpu_xcr0 = duet_xgetbv0() & ~FPU_XFEATURE_XTILE;
	duet_fpu_rfbm = duet_fpu_xcr0 & ~FPU_XFEATURE_PKRU;
	if ((duet_fpu_xcr0 & FPU_XFEATURE_PKRU) && boot_cpu_has(X86_FEATURE_OSPKE)) {
		/* CPUID.(EAX=0DH,ECX=9):EBX: offset of the PKRU component. */
		cpuid_count(0xd, 9, &eax, &ebx, &ecx, &edx);
		duet_fpu_pkru_off = ebx;
	}
	/* CPUID.(EAX=0DH,ECX=0):EBX: XSAVE size for the features in XCR0. */
	cpuid_count(0xd, 0, &eax, &ebx, &ecx, &edx);
	if (ebx < FPU_LEGACY_SIZE + FPU_HEADER_SIZE || ebx > DUET_MAX_XSAVE_SIZE)
		return -ENODEV;
	duet_fpu_size = ebx;
	if (duet_fpu_pkru_off &&
	    duet_fpu_pkru_off + sizeof(u32) > duet_fpu_size)
		return -ENODEV;
	return duet_fpu_read_mxcsr_mask();
}

void *duet_fpu_alloc(void)
{
	/* XSAVE wants 64-byte alignment: whole pages give it. */
	u8 *area = alloc_pages_exact(duet_fpu_size, GFP_KERNEL_ACCOUNT | __GFP_ZERO);

	if (!area)
		return NULL;
	/* XSTATE_BV = 0: every component starts in its init state. */
	*(u16 *)area = FPU_FCW_INIT;
	*(u32 *)(area + 24) = FPU_MXCSR_INIT;
	return area;
}

void duet_fpu_free(void *area)
{
	if (area)
		free_pages_exact(area, duet_fpu_size);
}

/* XSTATE_BV of an image: which components hold something but init. */
static u64 *duet_fpu_xstate_bv(void *area)
{
	return (u64 *)((u8 *)area + FPU_OFF_HEADER);
}

/*
 * Load the guest's FPU state; preemption is off until duet_fpu_put().
 *
 * The guest's PKRU goes into the register only when @guest_pke (its
 * CR4.PKE): without it the guest cannot use RDPKRU/WRPKRU and protection
 * keys do not apply to it, so it keeps running with the host's value and
 * the two WRPKRUs per entry are saved.  Such a guest can still change the
 * register with XRSTOR (its XCR0 is the host's): duet_fpu_put() notices
 * the change, keeps the value as the guest's and puts the host's back.
 * The one difference a guest can see: without CR4.PKE, its XSAVE stores
 * the host's PKRU rather than its own.
 */
void duet_fpu_load(void *area, bool guest_pke)
{
	u32 lo = duet_fpu_rfbm, hi = duet_fpu_rfbm >> 32;

	kernel_fpu_begin();
	asm volatile("xrstor64 %[area]"
		     : : [area] "m"(*(u8 *)area), "a"(lo), "d"(hi) : "memory");
	if (duet_fpu_pkru_off) {
		u32 host = duet_rdpkru(), guest = 0;

		this_cpu_write(duet_host_pkru, host);
		if (!guest_pke)
			return;
		/* PKRU's init state is 0 (SDM "PKRU State"). */
		if (*duet_fpu_xstate_bv(area) & FPU_XFEATURE_PKRU)
			guest = *(u32 *)((u8 *)area + duet_fpu_pkru_off);
		if (guest != host)
			duet_wrpkru(guest);
	}
}

/*
 * Save the guest's FPU state and give the registers back to the host;
 * @guest_pke as given to duet_fpu_load().
 */
void duet_fpu_put(void *area, bool guest_pke)
{
	u32 lo = duet_fpu_rfbm, hi = duet_fpu_rfbm >> 32;

	asm volatile("xsave64 %[area]"
		     : [area] "+m"(*(u8 *)area) : "a"(lo), "d"(hi) : "memory");
	if (duet_fpu_pkru_off) {
		u32 host = this_cpu_read(duet_host_pkru), cur = duet_rdpkru();

		if (guest_pke || cur != host) {
			*(u32 *)((u8 *)area + duet_fpu_pkru_off) = cur;
			*duet_fpu_xstate_bv(area) |= FPU_XFEATURE_PKRU;
		}
		if (cur != host)
			duet_wrpkru(host);
	}
	kernel_fpu_end();
}

/*
 * The guest's PKRU as of its last exit (its image's PKRU component; the
 * init value 0 when absent), for walks that check protection keys.  0
 * when the host does not use PKRU: duet then neither loads nor saves it.
 */
u32 duet_fpu_guest_pkru(void *area)
{
	if (!duet_fpu_pkru_off ||
	    !(*duet_fpu_xstate_bv(area) & FPU_XFEATURE_PKRU))
		return 0;
	return *(u32 *)((u8 *)area + duet_fpu_pkru_off);
}

/*
 * Check an XSAVE image of @size bytes as XRSTOR (standard form, all of
 * @xcr0 requested) would, and as SDM "XRSTOR" lists its #GP causes: the
 * size the kernel keeps (@want_size), XSTATE_BV within @xcr0, XCOMP_BV 0
 * (the compacted form is not taken), the rest of the header zero, and no
 * MXCSR bit outside @mxcsr_mask (MXCSR is loaded whenever SSE is in the
 * requested features, whatever XSTATE_BV says).
 */
DUET_VISIBLE_IF_KUNIT int duet_fpu_check_xsave(const void *image, u32 size,
					       u32 want_size, u64 xcr0,
					       u32 mxcsr_mask)
{
	const u8 *p = image;
	const u64 *hdr = (const u64 *)(p + FPU_OFF_HEADER);
	u32 mxcsr;

	if (size != want_size || size < FPU_OFF_HEADER + FPU_HEADER_SIZE)
		return -EINVAL;
	if (hdr[0] & ~xcr0)
		return -EINVAL;
	if (memchr_inv(&hdr[1], 0, FPU_HEADER_SIZE - sizeof(hdr[0])))
		return -EINVAL;
	memcpy(&mxcsr, p + FPU_OFF_MXCSR, sizeof(mxcsr));
	if (mxcsr & ~mxcsr_mask)
		return -EINVAL;
	return 0;
}
EXPORT_SYMBOL_IF_DUET_KUNIT(duet_fpu_check_xsave);

/*
 * DUET_GET_XSAVE: copy the vCPU's image (@area) out; a @size below the
 * image's gives -E2BIG with the size needed.
 */
int duet_fpu_get_xsave(void *area, void __user *argp)
{
	struct duet_xsave __user *u = argp;
	struct duet_xsave hdr;

	if (copy_from_user(&hdr, u, sizeof(hdr)))
		return -EFAULT;
	if (hdr.flags || hdr.reserved || hdr.size > DUET_MAX_XSAVE_SIZE)
		return -EINVAL;
	if (put_user(duet_fpu_size, &u->size))
		return -EFAULT;
	if (hdr.size < duet_fpu_size)
		return -E2BIG;
	if (copy_to_user(u->region, area, duet_fpu_size))
		return -EFAULT;
	return 0;
}

/* DUET_SET_XSAVE: replace the vCPU's image, checked whole first. */
int duet_fpu_set_xsave(void *area, void __user *argp)
{
	struct duet_xsave __user *u = argp;
	struct duet_xsave hdr;
	void *image;
	int r;

	if (copy_from_user(&hdr, u, sizeof(hdr)))
		return -EFAULT;
	if (hdr.flags || hdr.reserved || hdr.size != duet_fpu_size)
		return -EINVAL;

	image = kvmalloc(duet_fpu_size, GFP_KERNEL_ACCOUNT);
	if (!image)
		return -ENOMEM;
	r = -EFAULT;
	if (copy_from_user(image, u->region, duet_fpu_size))
		goto out_free;
	r = duet_fpu_check_xsave(image, duet_fpu_size, duet_fpu_size,
				 duet_fpu_xcr0, duet_fpu_mxcsr_mask);
	if (!r)
		memcpy(area, image, duet_fpu_size);
out_free:
	kvfree(image);
	return r;
}
