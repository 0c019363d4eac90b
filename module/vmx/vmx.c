// SPDX-License-Identifier: GPL-2.0
/*
 * VMX backend: detection and per-CPU VMXON/VMXOFF.
 */
#define pr_fmt(fmt) "duet: " fmt

#include <linux/gfp.h>
#include <linux/io.h>
#include <linux/mm.h>
#include <linux/percpu.h>
#include <asm/asm.h>
#include <asm/msr.h>
#include <asm/pgtable.h>
#include <asm/processor.h>
#include <asm/tlbflush.h>

#include "../duet.h"
#include "vmx.h"

static u32 vmx_revision_id __read_mostly;

/* Per-CPU VMXON region. */
static DEFINE_PER_CPU(struct page *, vmxon_region);

static enum duet_refusal vmx_probe(struct duet_caps *caps)
{
	struct duet_vmx_raw raw = {};

	raw.cpuid1_ecx = cpuid_ecx(1);
	if (raw.cpuid1_ecx & SDM_VMX_CPUID1_ECX_VMX) {
		rdmsrl(MSR_IA32_FEAT_CTL, raw.feature_control);
		rdmsrl(MSR_IA32_VMX_BASIC, raw.basic);
		/* SDM: the TRUE MSRs, when present, are the ones to honour. */
		rdmsrl(raw.basic & SDM_VMX_BASIC_TRUE_CTLS ?
		       MSR_IA32_VMX_TRUE_PROCBASED_CTLS :
		       MSR_IA32_VMX_PROCBASED_CTLS, raw.procbased);
		if (SDM_VMX_ALLOWED1(raw.procbased) & SDM_VMX_PROCBASED_ACTIVATE_SECONDARY) {
			rdmsrl(MSR_IA32_VMX_PROCBASED_CTLS2, raw.procbased2);
			/* SDM: EPT_VPID_CAP exists if EPT or VPID may be 1. */
			if (SDM_VMX_ALLOWED1(raw.procbased2) &
			    (SDM_VMX_SECONDARY_ENABLE_EPT | SDM_VMX_SECONDARY_ENABLE_VPID))
				rdmsrl(MSR_IA32_VMX_EPT_VPID_CAP, raw.ept_vpid_cap);
		}
	}
	raw.la57 = pgtable_l5_enabled();

	pr_debug("cpuid.1 ecx %#x, feat_ctl %#llx basic %#llx proc %#llx proc2 %#llx ept_vpid %#llx\n",
		 raw.cpuid1_ecx, raw.feature_control, raw.basic, raw.procbased,
		 raw.procbased2, raw.ept_vpid_cap);

	vmx_revision_id = raw.basic & SDM_VMX_BASIC_REVISION_MASK;
	return duet_vmx_decode(&raw, caps);
}

static void vmx_free_regions(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		if (per_cpu(vmxon_region, cpu))
			__free_page(per_cpu(vmxon_region, cpu));
		per_cpu(vmxon_region, cpu) = NULL;
	}
}

static int vmx_hardware_setup(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		struct page *page;

		page = alloc_pages_node(cpu_to_node(cpu),
					GFP_KERNEL | __GFP_ZERO, 0);
		if (!page) {
			vmx_free_regions();
			return -ENOMEM;
		}
		/* SDM: the region starts with the VMCS revision identifier. */
		*(u32 *)page_address(page) = vmx_revision_id;
		per_cpu(vmxon_region, cpu) = page;
	}
	return 0;
}

static void vmx_hardware_unsetup(void)
{
	vmx_free_regions();
}

/* SDM: CR0 and CR4 must respect the FIXED0/FIXED1 MSRs in VMX operation. */
static bool vmx_cr_fixed_ok(unsigned long cr, u32 fixed0_msr, u32 fixed1_msr)
{
	u64 fixed0, fixed1;

	rdmsrl(fixed0_msr, fixed0);
	rdmsrl(fixed1_msr, fixed1);
	return (cr & fixed0) == fixed0 && !(cr & ~fixed1);
}

static int vmx_vmxon(u64 pa)
{
	/*
	 * VMXON fails with CF set (VMfailInvalid) or faults (#UD, #GP); the
	 * exception fixup lands on the same jump to the failure path.
	 */
	asm goto("1: vmxon %[pa]\n\t"
		 "jnc 3f\n\t"
		 "2: jmp %l[fail]\n\t"
		 "3:\n\t"
		 _ASM_EXTABLE(1b, 2b)
		 : : [pa] "m"(pa) : "cc", "memory" : fail);
	return 0;

fail:
	return -EIO;
}

static int vmx_cpu_enable(void)
{
	u64 pa = page_to_phys(this_cpu_read(vmxon_region));
	unsigned long cr4;

	/* Another hypervisor owns this CPU: leave it alone. */
	if (cr4_read_shadow() & X86_CR4_VMXE)
		return -EBUSY;

	cr4 = cr4_read_shadow() | X86_CR4_VMXE;
	if (!vmx_cr_fixed_ok(read_cr0(), MSR_IA32_VMX_CR0_FIXED0,
			     MSR_IA32_VMX_CR0_FIXED1) ||
	    !vmx_cr_fixed_ok(cr4, MSR_IA32_VMX_CR4_FIXED0,
			     MSR_IA32_VMX_CR4_FIXED1))
		return -EIO;

	cr4_set_bits(X86_CR4_VMXE);
	if (vmx_vmxon(pa)) {
		cr4_clear_bits(X86_CR4_VMXE);
		return -EIO;
	}
	return 0;
}

static void vmx_cpu_disable(void)
{
	/* A fault here means the CPU already left VMX operation: go on. */
	asm volatile("1: vmxoff\n\t"
		     "2:\n\t"
		     _ASM_EXTABLE(1b, 2b)
		     : : : "cc", "memory");
	cr4_clear_bits(X86_CR4_VMXE);
}

const struct duet_arch_ops duet_vmx_ops = {
	.name			= "vmx",
	.probe			= vmx_probe,
	.hardware_setup		= vmx_hardware_setup,
	.hardware_unsetup	= vmx_hardware_unsetup,
	.cpu_enable		= vmx_cpu_enable,
	.cpu_disable		= vmx_cpu_disable,
};
