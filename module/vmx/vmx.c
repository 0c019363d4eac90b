// SPDX-License-Identifier: GPL-2.0
/*
 * VMX backend: detection, the controls this machine allows, per-CPU
 * VMXON/VMXOFF, the VMCSs active on each CPU, VPIDs and the INVEPT and
 * INVVPID decisions.
 */
#define pr_fmt(fmt) "duet: " fmt

#include <linux/bitmap.h>
#include <linux/gfp.h>
#include <linux/io.h>
#include <linux/mm.h>
#include <linux/percpu.h>
#include <linux/smp.h>
#include <linux/spinlock.h>
#include <asm/asm.h>
#include <asm/desc.h>
#include <asm/msr.h>
#include <asm/pgtable.h>
#include <asm/processor.h>
#include <asm/tlbflush.h>
#include <asm/tsc.h>

#include "vmx.h"
#include "vmx_vcpu.h"

struct vmx_config vmx_config __read_mostly;

/* Per-CPU VMXON region. */
static DEFINE_PER_CPU(struct page *, vmxon_region);
/* The VMCSs active on each CPU (vcpu_vmx.loaded_link), irqs off to edit. */
static DEFINE_PER_CPU(struct list_head, vmx_loaded);
/* The current VMCS of each CPU, to skip a VMPTRLD of the same one. */
static DEFINE_PER_CPU(void *, vmx_current_vmcs);

/* VPIDs in use; VPID 0 is the host's. */
static DEFINE_SPINLOCK(vmx_vpid_lock);
static unsigned long *vmx_vpid_bitmap;

void vmx_vmcs_error(const char *insn, unsigned long field,
		    unsigned long value)
{
	pr_err_ratelimited("%s of VMCS field %#lx (value %#lx) failed\n",
			   insn, field, value);
}

/**
 * duet_vmx_adjust_ctls - fit wanted VMX controls to a capability MSR
 * @cap:  the capability MSR (IA32_VMX_[TRUE_]*_CTLS, PROCBASED_CTLS2)
 * @want: the controls duet would like
 * @need: the controls duet cannot run without; counted in @want too
 * @out:  the controls to use, set on success only
 *
 * SDM "Algorithms for Determining VMX Capabilities": a capability MSR's
 * low half (allowed-0 settings) has the bits that must be 1, its high
 * half (allowed-1 settings) the bits that may be 1.  The result is @want
 * with the first set and everything outside the second cleared.
 *
 * Return: 0, or -EOPNOTSUPP when a bit of @need may not be 1.
 */
DUET_VISIBLE_IF_KUNIT int duet_vmx_adjust_ctls(u64 cap, u32 want, u32 need,
					       u32 *out)
{
	u32 v = (want | need | (u32)cap) & SDM_VMX_ALLOWED1(cap);

	if ((v & need) != need)
		return -EOPNOTSUPP;
	*out = v;
	return 0;
}
EXPORT_SYMBOL_IF_DUET_KUNIT(duet_vmx_adjust_ctls);

/* duet_vmx_adjust_ctls() on this CPU's capability MSR @msr. */
static int vmx_adjust(u32 msr, u32 want, u32 need, u32 *out)
{
	u64 cap;

	rdmsrl(msr, cap);
	if (duet_vmx_adjust_ctls(cap, want, need, out)) {
		pr_info("VMX control MSR %#x lacks %#x\n", msr,
			need & ~SDM_VMX_ALLOWED1(cap));
		return -EOPNOTSUPP;
	}
	return 0;
}

/*
 * The VMX-preemption timer bounds how long the guest keeps the CPU, one
 * host tick, whatever happens to the interrupt exits that should end its
 * run.  Bochs 2.7 needs it: it leaves external interrupts masked in a
 * guest entered with RFLAGS.IF = 0 (it computes the interrupt mask from
 * the guest's IF before it counts the CPU as in VMX non-root operation),
 * so without the timer a guest spinning with interrupts off would never
 * exit.  On other CPUs it costs one exit per tick of guest time.  SDM "VMX
 * Preemption Timer": it counts down at the TSC rate shifted right by
 * IA32_VMX_MISC[4:0].
 */
static void vmx_setup_preemption_timer(struct vmx_config *c, bool true_ctls)
{
	u64 cap, misc;

	rdmsrl(true_ctls ? MSR_IA32_VMX_TRUE_PINBASED_CTLS :
	       MSR_IA32_VMX_PINBASED_CTLS, cap);
	if (!(SDM_VMX_ALLOWED1(cap) & PIN_PREEMPTION_TIMER) || !tsc_khz)
		return;
	rdmsrl(MSR_IA32_VMX_MISC, misc);
	c->preemption_timer = max_t(u64, 1, ((u64)tsc_khz * 1000 / HZ) >>
					    (misc & 0x1f));
	c->pin |= PIN_PREEMPTION_TIMER;
}

/* Compute the controls of every VMCS from this CPU's capability MSRs. */
static int vmx_setup_config(u64 basic, bool vpid)
{
	bool true_ctls = basic & SDM_VMX_BASIC_TRUE_CTLS;
	struct vmx_config *c = &vmx_config;
	u32 proc_need, proc2_want, proc2_need, proc_msr;
	u64 ept_vpid, proc_cap;
	int r;

	c->revision_id = basic & SDM_VMX_BASIC_REVISION_MASK;
	/*
	 * SDM "Basic VMX Information": with bit 54, INS/OUTS exits report the
	 * VM-exit instruction-information field (io.c).
	 */
	c->io_insn_info = basic & BIT_ULL(54);
	r = vmx_adjust(true_ctls ? MSR_IA32_VMX_TRUE_PINBASED_CTLS :
		       MSR_IA32_VMX_PINBASED_CTLS,
		       PIN_EXT_INTR_EXITING | PIN_NMI_EXITING | PIN_VIRTUAL_NMIS,
		       PIN_EXT_INTR_EXITING | PIN_NMI_EXITING | PIN_VIRTUAL_NMIS,
		       &c->pin);
	if (r)
		return r;
	vmx_setup_preemption_timer(c, true_ctls);

	/*
	 * CR8 accesses exit: without a TPR shadow they would reach the real
	 * APIC.  CR3 accesses do not: EPT makes the guest's CR3 its own.
	 */
	proc_need = PROC_HLT_EXITING | PROC_USE_TSC_OFFSETTING |
		    PROC_MWAIT_EXITING | PROC_MONITOR_EXITING |
		    PROC_RDPMC_EXITING | PROC_MOV_DR_EXITING |
		    PROC_UNCOND_IO_EXITING | PROC_USE_MSR_BITMAPS |
		    PROC_CR8_LOAD_EXITING | PROC_CR8_STORE_EXITING |
		    PROC_ACTIVATE_SECONDARY;
	proc_msr = true_ctls ? MSR_IA32_VMX_TRUE_PROCBASED_CTLS :
			       MSR_IA32_VMX_PROCBASED_CTLS;
	r = vmx_adjust(proc_msr, proc_need, proc_need, &c->proc);
	if (r)
		return r;
	rdmsrl(proc_msr, proc_cap);
	/*
	 * The monitor trap flag steps one instruction for BT (bt.c); without
	 * it such a step runs until the next exit.
	 */
	c->mtf = SDM_VMX_ALLOWED1(proc_cap) & PROC_MONITOR_TRAP_FLAG;
	/* Only on request: the window exits; never: CR3 exits, if we can. */
	c->proc &= ~(PROC_INTR_WINDOW_EXITING | PROC_NMI_WINDOW_EXITING |
		     PROC_MONITOR_TRAP_FLAG);
	c->proc &= ~((PROC_CR3_LOAD_EXITING | PROC_CR3_STORE_EXITING |
		      PROC_INVLPG_EXITING | PROC_RDTSC_EXITING) &
		     ~(u32)proc_cap);

	proc2_need = PROC2_ENABLE_EPT | PROC2_UNRESTRICTED_GUEST;
	/* What the guest's CPUID may show works without exits. */
	proc2_want = proc2_need | PROC2_ENABLE_RDTSCP | PROC2_ENABLE_INVPCID |
		     (vpid ? PROC2_ENABLE_VPID : 0);
	r = vmx_adjust(MSR_IA32_VMX_PROCBASED_CTLS2, proc2_want, proc2_need,
		       &c->proc2);
	if (r)
		return r;

	r = vmx_adjust(true_ctls ? MSR_IA32_VMX_TRUE_EXIT_CTLS :
		       MSR_IA32_VMX_EXIT_CTLS,
		       EXIT_HOST_ADDR_SPACE_SIZE | EXIT_SAVE_PAT | EXIT_LOAD_PAT |
		       EXIT_SAVE_EFER | EXIT_LOAD_EFER |
		       EXIT_SAVE_DEBUG_CONTROLS,
		       EXIT_HOST_ADDR_SPACE_SIZE | EXIT_SAVE_PAT | EXIT_LOAD_PAT |
		       EXIT_SAVE_EFER | EXIT_LOAD_EFER, &c->exit);
	if (r)
		return r;
	/* Host interrupts stay pending and are taken once IF is set again. */
	c->exit &= ~(EXIT_ACK_INTR_ON_EXIT | EXIT_LOAD_PERF_GLOBAL_CTRL);

	r = vmx_adjust(true_ctls ? MSR_IA32_VMX_TRUE_ENTRY_CTLS :
		       MSR_IA32_VMX_ENTRY_CTLS,
		       ENTRY_LOAD_PAT | ENTRY_LOAD_EFER |
		       ENTRY_LOAD_DEBUG_CONTROLS,
		       ENTRY_LOAD_PAT | ENTRY_LOAD_EFER, &c->entry);
	if (r)
		return r;
	/* Set per vCPU from the guest's EFER.LMA. */
	c->entry &= ~ENTRY_IA32E_MODE;

	rdmsrl(MSR_IA32_VMX_CR0_FIXED0, c->cr0_fixed0);
	rdmsrl(MSR_IA32_VMX_CR0_FIXED1, c->cr0_fixed1);
	rdmsrl(MSR_IA32_VMX_CR4_FIXED0, c->cr4_fixed0);
	rdmsrl(MSR_IA32_VMX_CR4_FIXED1, c->cr4_fixed1);

	rdmsrl(MSR_IA32_VMX_EPT_VPID_CAP, ept_vpid);
	c->invept_single = ept_vpid & BIT_ULL(25);
	c->invvpid_single = ept_vpid & BIT_ULL(41);
	c->invvpid_all = ept_vpid & BIT_ULL(42);
	/* INVVPID of neither kind would leave VPID-tagged entries behind. */
	if (!c->invvpid_single && !c->invvpid_all)
		c->proc2 &= ~PROC2_ENABLE_VPID;
	return 0;
}

static enum duet_refusal vmx_probe(struct duet_caps *caps)
{
	struct duet_vmx_raw raw = {};
	enum duet_refusal why;

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

	why = duet_vmx_decode(&raw, caps);
	if (why != DUET_OK)
		return why;
	if (vmx_setup_config(raw.basic, caps->vpid))
		return DUET_NO_EPT;
	if (!(vmx_config.proc2 & PROC2_ENABLE_VPID)) {
		caps->vpid = false;
		caps->nr_asids = 0;
	}
	return DUET_OK;
}

static void vmx_free_regions(void)
{
	int cpu;

	bitmap_free(vmx_vpid_bitmap);
	vmx_vpid_bitmap = NULL;

	for_each_possible_cpu(cpu) {
		if (per_cpu(vmxon_region, cpu))
			__free_page(per_cpu(vmxon_region, cpu));
		per_cpu(vmxon_region, cpu) = NULL;
	}
}

static int vmx_hardware_setup(void)
{
	int cpu;

	vmx_vpid_bitmap = bitmap_zalloc(SDM_VMX_NR_VPIDS + 1, GFP_KERNEL);
	if (!vmx_vpid_bitmap)
		return -ENOMEM;
	/* VPID 0 tags the host's translations. */
	__set_bit(0, vmx_vpid_bitmap);
	preempt_notifier_inc();

	for_each_possible_cpu(cpu) {
		struct page *page;

		page = alloc_pages_node(cpu_to_node(cpu),
					GFP_KERNEL | __GFP_ZERO, 0);
		if (!page) {
			preempt_notifier_dec();
			vmx_free_regions();
			return -ENOMEM;
		}
		/* SDM: the region starts with the VMCS revision identifier. */
		*(u32 *)page_address(page) = vmx_config.revision_id;
		per_cpu(vmxon_region, cpu) = page;
		INIT_LIST_HEAD(&per_cpu(vmx_loaded, cpu));
		per_cpu(vmx_current_vmcs, cpu) = NULL;
	}
	return 0;
}

static void vmx_hardware_unsetup(void)
{
	preempt_notifier_dec();
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

static void vmx_vmclear(u64 pa)
{
	asm goto("stc\n\t"
		 "1: vmclear %[pa]\n\t"
		 "2: jna %l[fail]\n\t"
		 _ASM_EXTABLE(1b, 2b)
		 : : [pa] "m"(pa) : "cc", "memory" : fail);
	return;
fail:
	vmx_vmcs_error("vmclear", 0, pa);
}

static void vmx_vmptrld(u64 pa)
{
	asm goto("stc\n\t"
		 "1: vmptrld %[pa]\n\t"
		 "2: jna %l[fail]\n\t"
		 _ASM_EXTABLE(1b, 2b)
		 : : [pa] "m"(pa) : "cc", "memory" : fail);
	return;
fail:
	vmx_vmcs_error("vmptrld", 0, pa);
}

/* VMCLEAR @vmx on this CPU, the one it is active on; irqs off. */
static void __vmx_vmcs_clear(struct vcpu_vmx *vmx)
{
	if (READ_ONCE(vmx->loaded_cpu) != smp_processor_id())
		return;
	vmx_vmclear(vmx->vmcs_pa);
	if (this_cpu_read(vmx_current_vmcs) == vmx->vmcs)
		this_cpu_write(vmx_current_vmcs, NULL);
	list_del(&vmx->loaded_link);
	vmx->launched = false;
	/*
	 * Pairs with smp_load_acquire() in vmx_vmcs_clear(): the VMCLEAR and
	 * the list update are done before another CPU may VMPTRLD it.
	 */
	smp_store_release(&vmx->loaded_cpu, -1);
}

static void vmx_vmcs_clear_ipi(void *data)
{
	__vmx_vmcs_clear(data);
}

/* Make @vmx inactive wherever it is active (vCPU free, migration). */
void vmx_vmcs_clear(struct vcpu_vmx *vmx)
{
	/* Pairs with smp_store_release() in __vmx_vmcs_clear(). */
	int cpu = smp_load_acquire(&vmx->loaded_cpu);

	if (cpu >= 0)
		smp_call_function_single(cpu, vmx_vmcs_clear_ipi, vmx, 1);
}

/*
 * The host state of this CPU in the current VMCS: what a VM exit loads
 * and differs between CPUs (SDM "Loading Host Segment and
 * Descriptor-Table Registers").  The TR base comes from the TSS
 * descriptor of this CPU's GDT.
 */
static void vmx_set_host_cpu_state(void)
{
	struct desc_ptr gdt, idt;
	struct ldttss_desc *tss;
	unsigned long base;
	u64 v;

	native_store_gdt(&gdt);
	store_idt(&idt);
	vmcs_write(VMCS_HOST_GDTR_BASE, gdt.address);
	vmcs_write(VMCS_HOST_IDTR_BASE, idt.address);
	tss = (struct ldttss_desc *)(gdt.address + GDT_ENTRY_TSS * 8);
	base = tss->base0 | ((unsigned long)tss->base1 << 16) |
	       ((unsigned long)tss->base2 << 24) |
	       ((unsigned long)tss->base3 << 32);
	vmcs_write(VMCS_HOST_TR_BASE, base);
	rdmsrl(MSR_GS_BASE, v);
	vmcs_write(VMCS_HOST_GS_BASE, v);
	rdmsrl(MSR_IA32_SYSENTER_ESP, v);
	vmcs_write(VMCS_HOST_SYSENTER_ESP, v);
}

/*
 * Make @vmx the current VMCS of this CPU, preemption off.  A VMCS active
 * on another CPU is VMCLEARed there first (SDM "VMCS Life Cycle"); its
 * next entry is then a VMLAUNCH, and the TLB entries tagged with its VPID
 * or its EPT on this CPU may be stale: flush them before the entry
 * (duet_vmx_flush_decide()).
 */
void vmx_vmcs_load(struct vcpu_vmx *vmx)
{
	int cpu = smp_processor_id();

	if (READ_ONCE(vmx->loaded_cpu) != cpu) {
		vmx_vmcs_clear(vmx);
		local_irq_disable();
		list_add(&vmx->loaded_link, this_cpu_ptr(&vmx_loaded));
		WRITE_ONCE(vmx->loaded_cpu, cpu);
		local_irq_enable();
		vmx_vmptrld(vmx->vmcs_pa);
		this_cpu_write(vmx_current_vmcs, vmx->vmcs);
		vmx_set_host_cpu_state();
		vmx->flush.new_cpu = true;
		return;
	}
	if (this_cpu_read(vmx_current_vmcs) != vmx->vmcs) {
		vmx_vmptrld(vmx->vmcs_pa);
		this_cpu_write(vmx_current_vmcs, vmx->vmcs);
	}
}

static void vmx_sched_in(struct preempt_notifier *pn, int cpu)
{
	vmx_vmcs_load(container_of(pn, struct vcpu_vmx, pn));
}

static void vmx_sched_out(struct preempt_notifier *pn,
			  struct task_struct *next)
{
}

struct preempt_ops vmx_preempt_ops = {
	.sched_in	= vmx_sched_in,
	.sched_out	= vmx_sched_out,
};

int vmx_vpid_alloc(void)
{
	unsigned long vpid;

	if (!(vmx_config.proc2 & PROC2_ENABLE_VPID))
		return 0;
	spin_lock(&vmx_vpid_lock);
	vpid = find_first_zero_bit(vmx_vpid_bitmap, SDM_VMX_NR_VPIDS + 1);
	if (vpid <= SDM_VMX_NR_VPIDS)
		__set_bit(vpid, vmx_vpid_bitmap);
	else
		vpid = 0;	/* none left: run with VPID 0, flushing */
	spin_unlock(&vmx_vpid_lock);
	return vpid;
}

void vmx_vpid_free(u16 vpid)
{
	if (!vpid)
		return;
	spin_lock(&vmx_vpid_lock);
	__clear_bit(vpid, vmx_vpid_bitmap);
	spin_unlock(&vmx_vpid_lock);
}

/* INVEPT of one EPT hierarchy, or of all when single-context is missing. */
void vmx_invept(u64 eptp)
{
	struct { u64 eptp, reserved; } desc = { eptp, 0 };
	unsigned long type = vmx_config.invept_single ? INVEPT_SINGLE_CONTEXT :
				INVEPT_ALL_CONTEXTS;

	asm volatile("1: invept %[desc], %[type]\n\t"
		     "2:\n\t"
		     _ASM_EXTABLE(1b, 2b)
		     : : [desc] "m"(desc), [type] "r"(type) : "cc", "memory");
}

/* INVVPID of @vpid's linear and combined mappings (SDM "INVVPID"). */
void vmx_invvpid(u16 vpid)
{
	struct { u64 vpid, gla; } desc = { vpid, 0 };
	unsigned long type = vmx_config.invvpid_single ?
				INVVPID_SINGLE_CONTEXT : INVVPID_ALL_CONTEXTS;

	if (!vpid)
		return;
	asm volatile("1: invvpid %[desc], %[type]\n\t"
		     "2:\n\t"
		     _ASM_EXTABLE(1b, 2b)
		     : : [desc] "m"(desc), [type] "r"(type) : "cc", "memory");
}

static void vmx_cpu_disable(void)
{
	struct vcpu_vmx *vmx, *tmp;
	unsigned long flags;

	/* SDM: VMCLEAR every active VMCS before VMXOFF, or its data is lost. */
	local_irq_save(flags);
	list_for_each_entry_safe(vmx, tmp, this_cpu_ptr(&vmx_loaded),
				 loaded_link)
		__vmx_vmcs_clear(vmx);
	this_cpu_write(vmx_current_vmcs, NULL);
	local_irq_restore(flags);

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
	.vm_init		= vmx_vm_init,
	.vm_destroy		= vmx_vm_destroy,
	.vm_unmap_range		= vmx_vm_unmap_range,
	.vcpu_create		= vmx_vcpu_create,
	.vcpu_free		= vmx_vcpu_free,
	.vcpu_run		= vmx_vcpu_run,
	.get_regs		= vmx_get_regs,
	.set_regs		= vmx_set_regs,
	.get_sregs		= vmx_get_sregs,
	.set_sregs		= vmx_set_sregs,
	.inject_event		= vmx_inject_event,
	.msr_index_list		= vmx_msr_index_list,
	.get_msr		= vmx_get_msr,
	.set_msr		= vmx_set_msr,
	.complete_msr		= vmx_complete_msr,
	.complete_mmio		= vmx_complete_mmio,
	.bt_get_state		= vmx_bt_get_state,
	.bt_set_state		= vmx_bt_set_state,
	.bt_inject		= vmx_bt_inject,
};
