// SPDX-License-Identifier: GPL-2.0
/*
 * SVM vCPUs and VMs: VMCB set-up, guest register state, nested page-table
 * root, and one guest entry.
 */
#include <linux/io.h>
#include <linux/mm.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <asm/debugreg.h>
#include <asm/msr.h>
#include <asm/trapnr.h>

#include "svm_vcpu.h"
#include "../trace.h"

int svm_vm_init(struct duet_vm *vm)
{
	struct svm_vm *svm_vm;
	int r;

	svm_vm = kzalloc(sizeof(*svm_vm), GFP_KERNEL_ACCOUNT);
	if (!svm_vm)
		return -ENOMEM;

	r = duet_npt_init(&svm_vm->npt, duet_caps.paging_levels, DUET_NPT_AMD);
	if (r)
		goto err_free_vm;

	r = -ENOMEM;
	svm_vm->msrpm = (void *)__get_free_pages(GFP_KERNEL_ACCOUNT,
						 SVM_MSRPM_ORDER);
	if (!svm_vm->msrpm)
		goto err_destroy_npt;
	svm_msrpm_init(svm_vm->msrpm);

	vm->arch = svm_vm;
	vm->npt = &svm_vm->npt;
	return 0;

err_destroy_npt:
	duet_npt_destroy(&svm_vm->npt);
err_free_vm:
	kfree(svm_vm);
	return r;
}

void svm_vm_destroy(struct duet_vm *vm)
{
	struct svm_vm *svm_vm = to_svm_vm(vm);

	free_pages((unsigned long)svm_vm->msrpm, SVM_MSRPM_ORDER);
	duet_npt_destroy(&svm_vm->npt);
	kfree(svm_vm);
	vm->arch = NULL;
	vm->npt = NULL;
}

/*
 * Unmap a range and make sure no vCPU can use a stale translation of it
 * before the caller unpins the pages: bump tlb_gen (every entry compares
 * it, in svm_enter_guest(), after publishing IN_GUEST_MODE) and wait for the
 * vCPUs now in guest mode to exit.
 */
void svm_vm_unmap_range(struct duet_vm *vm, u64 gfn, u64 npages)
{
	struct svm_vm *svm_vm = to_svm_vm(vm);

	lockdep_assert_held(&vm->mmu_lock);
	if (!duet_npt_unmap_range(&svm_vm->npt, gfn << PAGE_SHIFT,
				  npages << PAGE_SHIFT))
		return;

	atomic_inc(&svm_vm->tlb_gen);
	/* Pairs with smp_store_mb() of vcpu->mode in svm_enter_guest(). */
	smp_mb__after_atomic();
	duet_vm_kick_guest_mode(vm);
}

static void svm_set_seg(struct vmcb_seg *seg, u16 selector, u16 attrib,
			u32 limit, u64 base)
{
	seg->selector = selector;
	seg->attrib = attrib;
	seg->limit = limit;
	seg->base = base;
}

/* The x86 reset state (APM "Processor Initialization State"). */
static void svm_init_save_area(struct vmcb_save_area *save)
{
	svm_set_seg(&save->cs, 0xf000, SVM_SEG_CODE_RX_ACCESSED, 0xffff,
		    0xffff0000);
	svm_set_seg(&save->ds, 0, SVM_SEG_DATA_RW_ACCESSED, 0xffff, 0);
	save->es = save->ds;
	save->ss = save->ds;
	save->fs = save->ds;
	save->gs = save->ds;
	svm_set_seg(&save->gdtr, 0, 0, 0xffff, 0);
	svm_set_seg(&save->idtr, 0, 0, 0xffff, 0);
	svm_set_seg(&save->ldtr, 0, SVM_SEG_LDT, 0xffff, 0);
	svm_set_seg(&save->tr, 0, SVM_SEG_TSS_BUSY, 0xffff, 0);
	save->cr0 = X86_CR0_NW | X86_CR0_CD | X86_CR0_ET;
	/* APM: VMRUN fails unless the guest's EFER.SVME is set. */
	save->efer = EFER_SVME;
	save->rip = 0xfff0;
	save->rflags = X86_EFLAGS_FIXED;
	save->dr6 = 0xffff0ff0;
	save->dr7 = 0x400;
	save->g_pat = 0x0007040600070406ULL;
}

static void svm_init_control(struct vcpu_svm *svm, struct svm_vm *svm_vm)
{
	struct vmcb_control_area *c = &svm->vmcb->control;

	c->intercept_misc1 = BIT(INTERCEPT_INTR) | BIT(INTERCEPT_NMI) |
			     BIT(INTERCEPT_SMI) | BIT(INTERCEPT_INIT) |
			     BIT(INTERCEPT_CPUID) | BIT(INTERCEPT_HLT) |
			     BIT(INTERCEPT_INVD) | BIT(INTERCEPT_INVLPGA) |
			     BIT(INTERCEPT_IOIO_PROT) | BIT(INTERCEPT_MSR_PROT) |
			     BIT(INTERCEPT_TASK_SWITCH) |
			     BIT(INTERCEPT_SHUTDOWN);
	/* APM: VMRUN must be intercepted or VMRUN fails (VMEXIT_INVALID). */
	c->intercept_misc2 = BIT(INTERCEPT_VMRUN) | BIT(INTERCEPT_VMMCALL) |
			     BIT(INTERCEPT_VMLOAD) | BIT(INTERCEPT_VMSAVE) |
			     BIT(INTERCEPT_STGI) | BIT(INTERCEPT_CLGI) |
			     BIT(INTERCEPT_SKINIT) | BIT(INTERCEPT_MONITOR) |
			     BIT(INTERCEPT_MWAIT) | BIT(INTERCEPT_XSETBV);
	/* The debug registers are the host's: dr.c emulates the guest's. */
	c->intercept_dr = SVM_INTERCEPT_DR_READ_0_7 | SVM_INTERCEPT_DR_WRITE_0_7;
	/* Machine checks belong to the host. */
	c->intercept_exceptions = BIT(18);
	c->iopm_base_pa = svm_iopm_pa();
	c->msrpm_base_pa = __pa(svm_vm->msrpm);
	c->int_ctl = V_INTR_MASKING;
	c->nested_ctl = NESTED_CTL_NP_ENABLE;
	c->nested_cr3 = __pa(svm_vm->npt.root);
	/* No ASID yet: svm_enter_guest() assigns one before the first VMRUN. */
	c->asid = 0;
}

struct duet_vcpu *svm_vcpu_create(struct duet_vm *vm)
{
	struct vcpu_svm *svm;
	struct page *page;

	svm = kzalloc(sizeof(*svm), GFP_KERNEL_ACCOUNT);
	if (!svm)
		return ERR_PTR(-ENOMEM);
	page = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);
	if (!page) {
		kfree(svm);
		return ERR_PTR(-ENOMEM);
	}
	svm->vmcb = page_address(page);
	svm->vmcb_pa = page_to_phys(page);
	svm->regs[VCPU_REGS_RDX] = 0x600;	/* reset value: family 6 */
	svm_init_save_area(&svm->vmcb->save);
	svm_init_control(svm, to_svm_vm(vm));
	svm->asid.tlb_gen = atomic_read(&to_svm_vm(vm)->tlb_gen);
	svm->asid.cpu = -1;
	svm->pending_irq = -1;
	svm->dr7 = 0x400;		/* reset value, as save->dr7 */
	return &svm->vcpu;
}

void svm_vcpu_free(struct duet_vcpu *vcpu)
{
	struct vcpu_svm *svm = to_svm(vcpu);

	free_page((unsigned long)svm->vmcb);
	kfree(svm);
}

void svm_get_regs(struct duet_vcpu *vcpu, struct duet_regs *r)
{
	struct vcpu_svm *svm = to_svm(vcpu);
	unsigned long *g = svm->regs;

	r->rax = svm->vmcb->save.rax;
	r->rbx = g[VCPU_REGS_RBX];
	r->rcx = g[VCPU_REGS_RCX];
	r->rdx = g[VCPU_REGS_RDX];
	r->rsi = g[VCPU_REGS_RSI];
	r->rdi = g[VCPU_REGS_RDI];
	r->rsp = svm->vmcb->save.rsp;
	r->rbp = g[VCPU_REGS_RBP];
	r->r8 = g[VCPU_REGS_R8];
	r->r9 = g[VCPU_REGS_R9];
	r->r10 = g[VCPU_REGS_R10];
	r->r11 = g[VCPU_REGS_R11];
	r->r12 = g[VCPU_REGS_R12];
	r->r13 = g[VCPU_REGS_R13];
	r->r14 = g[VCPU_REGS_R14];
	r->r15 = g[VCPU_REGS_R15];
	r->rip = svm->vmcb->save.rip;
	r->rflags = svm_get_rflags(svm);
}

void svm_set_regs(struct duet_vcpu *vcpu, const struct duet_regs *r)
{
	struct vcpu_svm *svm = to_svm(vcpu);
	unsigned long *g = svm->regs;

	svm->vmcb->save.rax = r->rax;
	g[VCPU_REGS_RBX] = r->rbx;
	g[VCPU_REGS_RCX] = r->rcx;
	g[VCPU_REGS_RDX] = r->rdx;
	g[VCPU_REGS_RSI] = r->rsi;
	g[VCPU_REGS_RDI] = r->rdi;
	svm->vmcb->save.rsp = r->rsp;
	g[VCPU_REGS_RBP] = r->rbp;
	g[VCPU_REGS_R8] = r->r8;
	g[VCPU_REGS_R9] = r->r9;
	g[VCPU_REGS_R10] = r->r10;
	g[VCPU_REGS_R11] = r->r11;
	g[VCPU_REGS_R12] = r->r12;
	g[VCPU_REGS_R13] = r->r13;
	g[VCPU_REGS_R14] = r->r14;
	g[VCPU_REGS_R15] = r->r15;
	svm->vmcb->save.rip = r->rip;
	svm_set_rflags(svm, r->rflags);
}

static void svm_seg_to_user(struct duet_segment *u, const struct vmcb_seg *s)
{
	u->base = s->base;
	u->limit = s->limit;
	u->selector = s->selector;
	u->attrib = s->attrib;
}

static void svm_seg_from_user(struct vmcb_seg *s, const struct duet_segment *u)
{
	s->base = u->base;
	s->limit = u->limit;
	s->selector = u->selector;
	s->attrib = u->attrib & 0xfff;
}

void svm_get_sregs(struct duet_vcpu *vcpu, struct duet_sregs *u)
{
	struct vmcb_save_area *save = &to_svm(vcpu)->vmcb->save;

	svm_seg_to_user(&u->cs, &save->cs);
	svm_seg_to_user(&u->ds, &save->ds);
	svm_seg_to_user(&u->es, &save->es);
	svm_seg_to_user(&u->fs, &save->fs);
	svm_seg_to_user(&u->gs, &save->gs);
	svm_seg_to_user(&u->ss, &save->ss);
	svm_seg_to_user(&u->tr, &save->tr);
	svm_seg_to_user(&u->ldt, &save->ldtr);
	u->gdt.base = save->gdtr.base;
	u->gdt.limit = save->gdtr.limit;
	u->idt.base = save->idtr.base;
	u->idt.limit = save->idtr.limit;
	u->cr0 = save->cr0;
	u->cr2 = save->cr2;
	u->cr3 = save->cr3;
	u->cr4 = save->cr4;
	u->cr8 = 0;
	/* SVME is duet's requirement, not the guest's view. */
	u->efer = save->efer & ~EFER_SVME;
	u->apic_base = svm_apic_base(vcpu);
}

int svm_set_sregs(struct duet_vcpu *vcpu, const struct duet_sregs *u)
{
	struct vmcb_save_area *save = &to_svm(vcpu)->vmcb->save;

	if (u->efer & ~SVM_GUEST_EFER_BITS)
		return -EINVAL;
	/* APM: VMRUN rejects CR0.CD=0 with NW=1, and bits 63:32 set. */
	if (u->cr0 >> 32 || ((u->cr0 & X86_CR0_NW) && !(u->cr0 & X86_CR0_CD)))
		return -EINVAL;
	if (u->cr3 >> 52 || u->cr4 >> 32)
		return -EINVAL;

	svm_seg_from_user(&save->cs, &u->cs);
	svm_seg_from_user(&save->ds, &u->ds);
	svm_seg_from_user(&save->es, &u->es);
	svm_seg_from_user(&save->fs, &u->fs);
	svm_seg_from_user(&save->gs, &u->gs);
	svm_seg_from_user(&save->ss, &u->ss);
	svm_seg_from_user(&save->tr, &u->tr);
	svm_seg_from_user(&save->ldtr, &u->ldt);
	save->gdtr.base = u->gdt.base;
	save->gdtr.limit = u->gdt.limit;
	save->idtr.base = u->idt.base;
	save->idtr.limit = u->idt.limit;
	save->cr0 = u->cr0;
	save->cr2 = u->cr2;
	save->cr3 = u->cr3;
	save->cr4 = u->cr4;
	save->efer = u->efer | EFER_SVME;
	/* APM: the VMCB's CPL must match SS.DPL. */
	save->cpl = (u->ss.attrib >> 5) & 3;
	return 0;
}

static bool svm_interruptible(struct vcpu_svm *svm)
{
	return (svm->vmcb->save.rflags & X86_EFLAGS_IF) &&
	       !(svm->vmcb->control.int_state & SVM_INTERRUPT_SHADOW) &&
	       !(svm->vmcb->control.event_inj & SVM_EVTINJ_VALID);
}

int svm_inject_event(struct duet_vcpu *vcpu, const struct duet_event *ev)
{
	struct vcpu_svm *svm = to_svm(vcpu);
	struct vmcb_control_area *c = &svm->vmcb->control;

	switch (ev->type) {
	case DUET_EVENT_EXCEPTION:
		if (c->event_inj & SVM_EVTINJ_VALID)
			return -EBUSY;
		c->event_inj = ev->vector | SVM_EVTINJ_TYPE_EXEPT | SVM_EVTINJ_VALID;
		if (ev->flags & DUET_EVENT_HAS_ERROR_CODE) {
			c->event_inj |= SVM_EVTINJ_VALID_ERR;
			c->event_inj_err = ev->error_code;
		}
		return 0;
	case DUET_EVENT_NMI:
		if (svm->pending_nmi)
			return -EBUSY;
		svm->pending_nmi = true;
		return 0;
	default:
		if (svm->pending_irq >= 0)
			return -EBUSY;
		svm->pending_irq = ev->vector;
		return 0;
	}
}

/*
 * Turn pending events into EVENTINJ when the guest can take them, and ask
 * for a VINTR exit (a virtual interrupt the guest cannot take yet: APM
 * "Virtual Interrupt Intercept") when an interrupt must wait for a window.
 */
static void svm_prepare_events(struct vcpu_svm *svm)
{
	struct vmcb_control_area *c = &svm->vmcb->control;
	bool want_window;

	svm_bt_step_sync(svm);
	svm_nmi_prepare(svm);
	svm_bt_step_prepare(svm);
	if (svm->pending_irq >= 0 && svm_interruptible(svm)) {
		c->event_inj = svm->pending_irq | SVM_EVTINJ_TYPE_INTR |
			       SVM_EVTINJ_VALID;
		svm->pending_irq = -1;
	}
	if (c->event_inj & SVM_EVTINJ_VALID)
		svm_step_event(svm);

	want_window = svm->pending_irq >= 0 ||
		      svm->vcpu.run->request_interrupt_window;
	if (want_window) {
		c->intercept_misc1 |= BIT(INTERCEPT_VINTR);
		c->int_ctl |= V_IRQ | V_IGN_TPR | (0xf << V_INTR_PRIO_SHIFT);
	} else {
		c->intercept_misc1 &= ~BIT(INTERCEPT_VINTR);
		c->int_ctl &= ~V_IRQ;
	}
}

/* Tell userspace whether an interrupt would go in now. */
void svm_report_interruptibility(struct vcpu_svm *svm)
{
	struct duet_run *run = svm->vcpu.run;

	run->if_flag = !!(svm->vmcb->save.rflags & X86_EFLAGS_IF);
	run->ready_for_interrupt = svm_interruptible(svm) &&
				   svm->pending_irq < 0;
}

/*
 * Exits whose handlers never sleep, handled in svm_vcpu_run()'s loop with
 * preemption off and the guest FPU loaded.  Every other exit (a nested
 * page fault takes mmu_lock and pins pages) is handled after leaving it.
 * Exits to userspace gain nothing from the loop and are not listed.
 */
static bool svm_exit_is_fast(u64 code)
{
	switch (code) {
	case SVM_EXIT_INTR:
	case SVM_EXIT_NMI:
	case SVM_EXIT_SMI:
	case SVM_EXIT_VINTR:
	case SVM_EXIT_CPUID:
	case SVM_EXIT_IRET:
	case SVM_EXIT_MSR:
	case SVM_EXIT_VMMCALL:
	case SVM_EXIT_EXCP_BASE + X86_TRAP_DB:
		return true;
	default:
		return false;
	}
}

/* Userspace asked to hear when an interrupt can go in: it can now. */
static bool svm_window_open_for_user(struct vcpu_svm *svm)
{
	if (!svm->vcpu.run->request_interrupt_window ||
	    !svm_interruptible(svm) || svm->pending_irq >= 0)
		return false;
	svm->vcpu.run->exit_reason = DUET_EXIT_IRQ_WINDOW_OPEN;
	return true;
}

/* What entries from svm_vcpu_run()'s loop need of the CPU it runs on. */
struct svm_entry_cpu {
	int cpu;
	u64 host_save_pa;		/* the host's VMSAVE area */
	struct svm_cpu_asids *asids;	/* the ASID allocator */
	bool note_qs;			/* tell RCU at the next entry */
};

/*
 * One VMRUN on @e->cpu, preemption off; false (and no VMRUN) when the
 * thread must go back to duet_vcpu_run() first.
 */
static bool svm_enter_guest(struct vcpu_svm *svm, struct svm_entry_cpu *e)
{
	struct duet_vcpu *vcpu = &svm->vcpu;
	struct vmcb_control_area *c = &svm->vmcb->control;
	int tlb_gen;

	local_irq_disable();
	/*
	 * Pairs with smp_mb__after_atomic() in svm_vm_unmap_range() and in
	 * duet_vcpu_kick(): they either see IN_GUEST_MODE and send an IPI
	 * (held until the VMRUN below, which then exits at once), or we see
	 * their tlb_gen and kick request here.
	 */
	smp_store_mb(vcpu->mode, IN_GUEST_MODE);
	if (duet_vcpu_should_leave(vcpu)) {
		WRITE_ONCE(vcpu->mode, OUTSIDE_GUEST_MODE);
		local_irq_enable();
		return false;
	}

	/* No return between the decision and VMRUN: see flush.c. */
	tlb_gen = atomic_read(&to_svm_vm(vcpu->vm)->tlb_gen);
	c->tlb_ctl = duet_svm_flush_decide(&svm->asid, e->asids, e->cpu,
					   tlb_gen, duet_caps.nr_asids,
					   duet_caps.flush_by_asid);
	c->asid = svm->asid.asid;

	/*
	 * The guest holds no RCU references: its time counts as a
	 * quiescent state, as userspace's does.  svm_vcpu_run()'s loop
	 * keeps preemption off for long, so report one after host
	 * interrupts (the tick among them: when RCU may be waiting for this
	 * CPU); not at every entry, which costs.
	 */
	if (e->note_qs)
		rcu_note_context_switch(false);
	trace_duet_entry(vcpu->id, svm->vmcb->save.rip);

	asm volatile("clgi" ::: "memory");
	/*
	 * RFLAGS.IF at VMRUN decides whether physical interrupts exit the
	 * guest (V_INTR_MASKING); GIF=0 keeps them pending in the host.
	 */
	raw_local_irq_enable();
	__svm_vcpu_run(svm->vmcb_pa, svm->regs, e->host_save_pa, svm->spec_ctrl);
	raw_local_irq_disable();
	asm volatile("stgi" ::: "memory");
	/*
	 * #VMEXIT does not restore the host's DR7: it leaves it at 0x400,
	 * all breakpoints off (APM "#VMEXIT"), and DR6 holds the guest's.
	 * Put back the host's hardware breakpoints (perf, ptrace) before
	 * any host code runs that they watch.  DR0-DR3 are still the
	 * host's: the guest cannot write them (dr.c).
	 */
	if (hw_breakpoint_active())
		hw_breakpoint_restore();

	WRITE_ONCE(vcpu->mode, OUTSIDE_GUEST_MODE);
	duet_svm_flush_entered(&svm->asid, e->asids,
			       (u32)c->exit_code != (u32)SVM_EXIT_INVALID);
	/* Host interrupts held since CLGI (the INTR exit's cause) run here. */
	local_irq_enable();
	return true;
}

/* Bookkeeping every exit needs before its handler. */
static void svm_complete_exit(struct vcpu_svm *svm)
{
	struct vmcb_control_area *c = &svm->vmcb->control;

	/* EVENTINJ was consumed by the entry. */
	c->event_inj = 0;
	/*
	 * APM: an exit during event delivery leaves the event in
	 * EXITINTINFO; deliver it again on the next entry.
	 */
	if (c->exit_int_info & SVM_EVTINJ_VALID) {
		c->event_inj = c->exit_int_info;
		c->event_inj_err = c->exit_int_info_err;
	}
	svm_nmi_after_exit(svm);
}

/*
 * Run the guest until an exit needs more than a handler that cannot sleep.
 *
 * Preemption stays off and the guest FPU loaded across consecutive exits
 * handled in the kernel (svm_exit_is_fast()): the loop re-enters directly
 * while the handler says resume and duet_vcpu_should_leave() finds no
 * work for duet_vcpu_run().  The host's VMSAVE happens once per call: the
 * state it saves (FS/GS/TR/LDTR, KernelGSBase, the syscall MSRs) cannot
 * change while this thread stays in the kernel on this CPU.  Interrupts
 * are enabled after every exit, so host interrupts are served each time;
 * a pinned CPU also keeps the ASID and TLB_CONTROL describing the CPU that
 * runs the guest.
 */
int svm_vcpu_run(struct duet_vcpu *vcpu)
{
	struct vcpu_svm *svm = to_svm(vcpu);
	struct svm_entry_cpu e = {};
	/* Sampled once: the guest may flip CR4.PKE inside the loop. */
	bool pke = svm->vmcb->save.cr4 & X86_CR4_PKE;
	bool deferred = false;
	u64 code;
	int r;

	preempt_disable();
	duet_fpu_load(vcpu->fpu, pke);
	e.cpu = smp_processor_id();
	e.host_save_pa = svm_host_save_pa(e.cpu);
	e.asids = svm_cpu_asids(e.cpu);
	asm volatile("vmsave %%rax" : : "a"(e.host_save_pa) : "memory");
	/* For kicks and flushes: set before IN_GUEST_MODE can be seen. */
	WRITE_ONCE(vcpu->cpu, e.cpu);

	for (;;) {
		if (svm_window_open_for_user(svm)) {
			r = 0;
			break;
		}
		svm_prepare_events(svm);
		if (!svm_enter_guest(svm, &e)) {
			r = 1;
			break;
		}
		svm_complete_exit(svm);
		code = svm->vmcb->control.exit_code;
		duet_bt_step_check(vcpu, svm->vmcb->save.rip);
		if (!svm_exit_is_fast(code)) {
			deferred = true;
			break;
		}
		e.note_qs = code == SVM_EXIT_INTR || code == SVM_EXIT_NMI ||
			    code == SVM_EXIT_SMI;
		r = svm_handle_exit(svm);
		duet_bt_step_check(vcpu, svm->vmcb->save.rip);
		if (r != 1 || duet_vcpu_should_leave(vcpu))
			break;
	}

	duet_fpu_put(vcpu->fpu, pke);
	preempt_enable();

	/*
	 * For introspection from other threads: the paging state as of the
	 * last exit, published once per trip through this loop rather than
	 * at every fast exit (the guest changes CR3 without exits anyway).
	 */
	duet_vcpu_publish_paging(vcpu, &(struct duet_vcpu_paging){
		.cr0 = svm->vmcb->save.cr0, .cr3 = svm->vmcb->save.cr3,
		.cr4 = svm->vmcb->save.cr4, .efer = svm->vmcb->save.efer,
		.cpl = svm->vmcb->save.cpl,
	});
	if (deferred) {
		r = svm_handle_exit(svm);
		duet_bt_step_check(vcpu, svm->vmcb->save.rip);
	}
	if (!r)
		svm_report_interruptibility(svm);
	return r;
}
