// SPDX-License-Identifier: GPL-2.0
/*
 * SVM backend: detection and per-CPU enabling.
 */
#define pr_fmt(fmt) "duet: " fmt

#include <linux/gfp.h>
#include <linux/io.h>
#include <linux/percpu.h>
#include <asm/msr.h>
#include <asm/pgtable.h>
#include <asm/processor.h>

#include "../duet.h"
#include "svm.h"

/* Per-CPU host state-save area and what VM_HSAVE_PA held before duet. */
struct svm_cpu {
	struct page *hsave;
	u64 old_hsave_pa;
};

static DEFINE_PER_CPU(struct svm_cpu, svm_cpus);

static enum duet_refusal svm_probe(struct duet_caps *caps)
{
	struct duet_svm_raw raw = {};
	u32 ecx;

	raw.ext1_ecx = cpuid_ecx(0x80000001);
	raw.ext1_edx = cpuid_edx(0x80000001);
	if (raw.ext1_ecx & APM_SVM_CPUID_EXT1_ECX_SVM) {
		/* APM: leaf 8000_000Ah and VM_CR exist only with SVM. */
		cpuid(APM_SVM_CPUID_LEAF, &raw.svm_eax, &raw.svm_ebx, &ecx,
		      &raw.svm_edx);
		rdmsrl(MSR_VM_CR, raw.vm_cr);
	}
	raw.la57 = pgtable_l5_enabled();

	pr_debug("cpuid 8000_0001 ecx %#x edx %#x, 8000_000a %#x %#x %#x, vm_cr %#llx\n",
		 raw.ext1_ecx, raw.ext1_edx, raw.svm_eax, raw.svm_ebx, raw.svm_edx,
		 raw.vm_cr);
	return duet_svm_decode(&raw, caps);
}

static int svm_hardware_setup(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		struct page *page;

		page = alloc_pages_node(cpu_to_node(cpu),
					GFP_KERNEL | __GFP_ZERO, 0);
		if (!page)
			goto err_free_hsave;
		per_cpu(svm_cpus, cpu).hsave = page;
	}
	return 0;

err_free_hsave:
	for_each_possible_cpu(cpu) {
		if (per_cpu(svm_cpus, cpu).hsave)
			__free_page(per_cpu(svm_cpus, cpu).hsave);
		per_cpu(svm_cpus, cpu).hsave = NULL;
	}
	return -ENOMEM;
}

static void svm_hardware_unsetup(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		if (per_cpu(svm_cpus, cpu).hsave)
			__free_page(per_cpu(svm_cpus, cpu).hsave);
		per_cpu(svm_cpus, cpu).hsave = NULL;
	}
}

static int svm_cpu_enable(void)
{
	struct svm_cpu *sc = this_cpu_ptr(&svm_cpus);
	u64 efer;

	rdmsrl(MSR_EFER, efer);
	/* Another hypervisor owns this CPU: leave it alone. */
	if (efer & EFER_SVME)
		return -EBUSY;

	/*
	 * APM: VMRUN saves host state to the page at VM_HSAVE_PA; set it
	 * before the first VMRUN and put the old value back on disable.
	 */
	rdmsrl(MSR_VM_HSAVE_PA, sc->old_hsave_pa);
	wrmsrl(MSR_EFER, efer | EFER_SVME);
	wrmsrl(MSR_VM_HSAVE_PA, page_to_phys(sc->hsave));
	return 0;
}

static void svm_cpu_disable(void)
{
	struct svm_cpu *sc = this_cpu_ptr(&svm_cpus);
	u64 efer;

	/*
	 * APM: GIF must be set again before SVM is turned off, or INIT and
	 * interrupts stay blocked; STGI is harmless when GIF is already set.
	 */
	asm volatile("stgi" ::: "memory");
	wrmsrl(MSR_VM_HSAVE_PA, sc->old_hsave_pa);
	rdmsrl(MSR_EFER, efer);
	wrmsrl(MSR_EFER, efer & ~EFER_SVME);
}

const struct duet_arch_ops duet_svm_ops = {
	.name			= "svm",
	.probe			= svm_probe,
	.hardware_setup		= svm_hardware_setup,
	.hardware_unsetup	= svm_hardware_unsetup,
	.cpu_enable		= svm_cpu_enable,
	.cpu_disable		= svm_cpu_disable,
};
