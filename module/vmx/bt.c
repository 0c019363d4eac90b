// SPDX-License-Identifier: GPL-2.0
/*
 * The VMX side of binary translation (bt/run.c), as svm/bt.c: the guest
 * state BT runs on, from and back to the VMCS and GPRs; exceptions BT
 * raises, delivered by the next VM entry; and one instruction in hardware
 * for what BT does not translate, with the monitor trap flag (SDM
 * "Monitor Trap Flag": a VM exit after the guest completes one
 * instruction) where the CPU has it, else with RFLAGS.TF and #DB in the
 * exception bitmap (Bochs 2.7 has no monitor trap flag); or an exit
 * after which RIP has moved.
 */
#include <asm/trapnr.h>

#include "vmx_vcpu.h"

void vmx_bt_get_state(struct duet_vcpu *vcpu, struct duet_bt_state *st)
{
	struct vcpu_vmx *vmx = to_vmx(vcpu);
	struct duet_emu_regs r;

	vmx_get_sleepable(vmx);
	vmx_emu_load(vmx, &r);
	st->cr0 = vmx_guest_cr0();
	st->cr3 = vmcs_read(VMCS_GUEST_CR3);
	st->cr4 = vmx_guest_cr4();
	st->efer = vmcs_read(VMCS_GUEST_EFER);
	vmx_put_sleepable(vmx);
	memcpy(st->gpr, r.gpr, sizeof(st->gpr));
	memcpy(st->seg_base, r.seg_base, sizeof(st->seg_base));
	st->rip = r.rip;
	st->rflags = r.rflags;
	st->mode = r.mode;
	st->cpl = r.cpl;
	st->va_bits = r.va_bits;
}

void vmx_bt_set_state(struct duet_vcpu *vcpu, const struct duet_bt_state *st)
{
	struct vcpu_vmx *vmx = to_vmx(vcpu);
	struct duet_emu_regs r = { .rip = st->rip, .rflags = st->rflags };

	memcpy(r.gpr, st->gpr, sizeof(r.gpr));
	vmx_get_sleepable(vmx);
	/* vmx_emu_store() ends an interrupt shadow: only when RIP moved. */
	if (vmcs_read(VMCS_GUEST_RIP) != st->rip) {
		vmx_emu_store(vmx, &r);
	} else {
		int i;

		for (i = 0; i < VMX_NR_REGS; i++)
			if (i != VMX_REG_RSP)
				vmx->regs[i] = r.gpr[i];
		vmcs_write(VMCS_GUEST_RSP, r.gpr[VMX_REG_RSP]);
		vmcs_write(VMCS_GUEST_RFLAGS, r.rflags | X86_EFLAGS_FIXED);
	}
	vmx_put_sleepable(vmx);
}

void vmx_bt_inject(struct duet_vcpu *vcpu, const struct duet_bt_fault *f)
{
	struct vcpu_vmx *vmx = to_vmx(vcpu);

	if (f->has_cr2)
		vmx->cr2 = f->cr2;
	vmx_get_sleepable(vmx);
	vmx_inject_exception(vmx, f->vector, f->error_code, f->has_error_code);
	vmx_put_sleepable(vmx);
}

/*
 * Take duet's TF back, and the single-step trap it may have left pending
 * (a CPU saves one in the pending debug exceptions at an exit that ends
 * a TF-stepped instruction early, e.g. an I/O exit): without TF in the
 * guest's own RFLAGS no such trap is the guest's, and with the #DB
 * intercept gone it would reach the guest.
 */
static void vmx_bt_step_undo(struct vcpu_vmx *vmx)
{
	vmx->tf_step = false;
	if (!vmx->tf_guest) {
		vmcs_write(VMCS_GUEST_RFLAGS, vmcs_read(VMCS_GUEST_RFLAGS) &
			   ~X86_EFLAGS_TF);
		vmcs_write(VMCS_GUEST_PENDING_DBG,
			   vmcs_read(VMCS_GUEST_PENDING_DBG) & ~DUET_DR6_BS);
	}
	vmcs_clear_bits(VMCS_EXCEPTION_BITMAP, BIT(X86_TRAP_DB));
}

/* After an exit: once the step is over, take duet's TF back. */
void vmx_bt_step_sync(struct vcpu_vmx *vmx)
{
	if (vmx->tf_step && !vmx->vcpu.bt_step)
		vmx_bt_step_undo(vmx);
}

/*
 * Before an entry: arrange the exit after one instruction, if BT asked.
 * With TF, not for an entry that delivers an event: the delivery would
 * push duet's TF into the guest's frame (as on SVM, svm_step_event()).
 * Delivery moves RIP, so the next exit ends the step; the guest runs its
 * handler in hardware meanwhile.  (With MTF the exit comes after delivery,
 * before the handler's first instruction: SDM "Monitor Trap Flag".)
 */
void vmx_bt_step_prepare(struct vcpu_vmx *vmx)
{
	bool event = vmcs_read(VMCS_ENTRY_INTR_INFO) & INTR_INFO_VALID;
	u64 rflags;

	/*
	 * A step that ended outside an exit (userspace came first, then the
	 * vCPU was put in hardware mode) leaves no TF behind.
	 */
	vmx_bt_step_sync(vmx);
	if (event && vmx->tf_step) {
		vmx_bt_step_undo(vmx);
		return;
	}
	if (!vmx->vcpu.bt_step || vmx_config.mtf || event)
		return;
	if (!vmx->tf_step) {
		rflags = vmcs_read(VMCS_GUEST_RFLAGS);
		vmx->tf_guest = rflags & X86_EFLAGS_TF;
		vmx->tf_step = true;
		vmcs_write(VMCS_GUEST_RFLAGS, rflags | X86_EFLAGS_TF);
		vmcs_set_bits(VMCS_EXCEPTION_BITMAP, BIT(X86_TRAP_DB));
	}
	/*
	 * The stepped instruction has not run yet (an EPT violation on its
	 * fetch came first): no single-step trap of duet's is pending, but
	 * a CPU may have saved one in the pending debug exceptions at that
	 * exit (Bochs does), which would end the step before the
	 * instruction at the next entry.
	 */
	if (!vmx->tf_guest &&
	    vmcs_read(VMCS_GUEST_RIP) == vmx->vcpu.bt_step_rip)
		vmcs_write(VMCS_GUEST_PENDING_DBG,
			   vmcs_read(VMCS_GUEST_PENDING_DBG) & ~DUET_DR6_BS);
}

/*
 * A #DB exit: duet's single-step trap ends the step (true); the guest's
 * own #DB goes back to it (false).
 */
bool vmx_bt_step_trap(struct vcpu_vmx *vmx)
{
	if (!vmx->tf_step)
		return false;
	vmx->vcpu.bt_step = false;
	vmx_bt_step_sync(vmx);
	/* The guest was stepping itself too: the trap is its own as well. */
	return !vmx->tf_guest;
}
