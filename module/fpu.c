// SPDX-License-Identifier: GPL-2.0
/*
 * Guest FPU state, kept apart from the host's.
 *
 * Around each guest entry, kernel_fpu_begin() saves the VMM's user FPU
 * registers to its task (they come back on return to userspace) and owns
 * the registers until kernel_fpu_end(); in between, the guest's image is
 * loaded with XRSTOR and saved with XSAVE.  The guest runs with the host's
 * XCR0 (XSETBV exits), so one image size fits every vCPU.
 */
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <asm/fpu/api.h>
#include <asm/processor.h>

#include "duet.h"

/* Legacy-area values of the x87/SSE init state (SDM "FINIT", "MXCSR"). */
#define FPU_FCW_INIT		0x37f
#define FPU_MXCSR_INIT		0x1f80

static unsigned int duet_fpu_size __read_mostly;
static u64 duet_fpu_xcr0 __read_mostly;

static u64 duet_xgetbv0(void)
{
	u32 lo, hi;

	/* XGETBV with ECX = 0 reads XCR0. */
	asm volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return lo | ((u64)hi << 32);
}

int duet_fpu_setup(void)
{
	u32 eax, ebx, ecx, edx;

	/* duet needs XSAVE; every CPU with SVM or VMX and NPT/EPT has it. */
	if (!boot_cpu_has(X86_FEATURE_XSAVE) || !boot_cpu_has(X86_FEATURE_OSXSAVE))
		return -ENODEV;
	duet_fpu_xcr0 = duet_xgetbv0();
	/* CPUID.(EAX=0DH,ECX=0):EBX: XSAVE size for the features in XCR0. */
	cpuid_count(0xd, 0, &eax, &ebx, &ecx, &edx);
	duet_fpu_size = ebx;
	return 0;
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

/* Load the guest's FPU state; preemption is off until duet_fpu_put(). */
void duet_fpu_load(void *area)
{
	u32 lo = duet_fpu_xcr0, hi = duet_fpu_xcr0 >> 32;

	kernel_fpu_begin();
	asm volatile("xrstor64 %[area]"
		     : : [area] "m"(*(u8 *)area), "a"(lo), "d"(hi) : "memory");
}

/* Save the guest's FPU state and give the registers back to the host. */
void duet_fpu_put(void *area)
{
	u32 lo = duet_fpu_xcr0, hi = duet_fpu_xcr0 >> 32;

	asm volatile("xsave64 %[area]"
		     : [area] "+m"(*(u8 *)area) : "a"(lo), "d"(hi) : "memory");
	kernel_fpu_end();
}
