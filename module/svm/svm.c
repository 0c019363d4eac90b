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
#include "svm_vcpu.h"

/*
 * Per-CPU state: the VMRUN host state-save area (VM_HSAVE_PA) and what the
 * MSR held before duet, the page the host's VMSAVE/VMLOAD use around
 * guest entries, and the ASID allocator (flush.c).
 */
struct svm_cpu {
	struct page *hsave;
	u64 old_hsave_pa;
	struct page *host_save;
	struct svm_cpu_asids asids;
};

static DEFINE_PER_CPU(struct svm_cpu, svm_cpus);

/* The I/O permission map: every port intercepted (APM: 12 KiB). */
#define IOPM_ORDER	2
static void *svm_iopm;

u64 svm_iopm_pa(void)
{
	return __pa(svm_iopm);
}

u64 svm_host_save_pa(int cpu)
{
	return page_to_phys(per_cpu(svm_cpus, cpu).host_save);
}

/*
 * @cpu's ASID allocator, for duet_svm_flush_decide() at entries on @cpu
 * (with preemption and interrupts off, so that it is theirs alone).
 */
struct svm_cpu_asids *svm_cpu_asids(int cpu)
{
	return &per_cpu_ptr(&svm_cpus, cpu)->asids;
}

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

static void svm_hardware_unsetup(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		struct svm_cpu *sc = per_cpu_ptr(&svm_cpus, cpu);

		if (sc->hsave)
			__free_page(sc->hsave);
		if (sc->host_save)
			__free_page(sc->host_save);
		sc->hsave = NULL;
		sc->host_save = NULL;
	}
	free_pages((unsigned long)svm_iopm, IOPM_ORDER);
	svm_iopm = NULL;
}

static int svm_hardware_setup(void)
{
	int cpu;

	svm_iopm = (void *)__get_free_pages(GFP_KERNEL, IOPM_ORDER);
	if (!svm_iopm)
		return -ENOMEM;
	memset(svm_iopm, 0xff, PAGE_SIZE << IOPM_ORDER);

	for_each_possible_cpu(cpu) {
		struct svm_cpu *sc = per_cpu_ptr(&svm_cpus, cpu);
		int node = cpu_to_node(cpu);

		sc->hsave = alloc_pages_node(node, GFP_KERNEL | __GFP_ZERO, 0);
		sc->host_save = alloc_pages_node(node, GFP_KERNEL | __GFP_ZERO, 0);
		if (!sc->hsave || !sc->host_save) {
			svm_hardware_unsetup();
			return -ENOMEM;
		}
		/* No ASID given yet: the first entry starts a generation. */
		sc->asids = (struct svm_cpu_asids){};
	}
	return 0;
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
	/*
	 * Whatever ran on this CPU since it last ran duet's guests (it was
	 * offline, or never enabled) may have left tagged TLB entries: the
	 * next entry here starts a new ASID generation, flushing them.
	 */
	sc->asids.next = 0;
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
	.vm_init		= svm_vm_init,
	.vm_destroy		= svm_vm_destroy,
	.vm_unmap_range		= svm_vm_unmap_range,
	.vcpu_create		= svm_vcpu_create,
	.vcpu_free		= svm_vcpu_free,
	.vcpu_run		= svm_vcpu_run,
	.get_regs		= svm_get_regs,
	.set_regs		= svm_set_regs,
	.get_sregs		= svm_get_sregs,
	.set_sregs		= svm_set_sregs,
	.inject_event		= svm_inject_event,
	.msr_index_list		= svm_msr_index_list,
	.get_msr		= svm_get_msr,
	.set_msr		= svm_set_msr,
	.complete_msr		= svm_complete_msr,
	.complete_mmio		= svm_complete_mmio,
	.bt_get_state		= svm_bt_get_state,
	.bt_set_state		= svm_bt_set_state,
	.bt_inject		= svm_bt_inject,
};
