// SPDX-License-Identifier: GPL-2.0
/*
 * NMI blocking without virtual NMI (QEMU TCG has no vNMI; duet does not
 * use it yet).
 *
 * SDM "NMI Handling While Processing NMIs", APM "Nonmaskable Interrupt":
 * once an NMI is delivered, further NMIs are held until the next IRET
 * completes.  duet injects NMIs with EVENTINJ, so it keeps that state
 * itself:
 *
 *  1. Injecting an NMI blocks NMIs (nmi_masked) and turns on the IRET
 *     intercept.  A second NMI stays pending meanwhile.
 *  2. The IRET intercept is checked before IRET executes (APM
 *     "Instruction Intercepts"), and IRET can still fault or be
 *     interrupted by an exit: at the intercept, NMIs are not unblocked
 *     yet.  duet records the IRET's RIP, drops the intercept and resumes.
 *  3. The first exit with the guest past that RIP means IRET completed:
 *     NMIs are unblocked (svm_nmi_after_exit()).
 *  4. That exit may be far away.  When an NMI is pending at step 2 (or
 *     arrives before step 3), duet single-steps the IRET: RFLAGS.TF and
 *     an intercepted #DB give an exit right after it, and the NMI goes in
 *     at the next entry.  While the NMI handler runs (before its IRET)
 *     nothing is stepped: the IRET intercept is the exit to wait for.
 *
 * RFLAGS.TF/RF set by duet are hidden from DUET_GET_REGS and survive
 * DUET_SET_REGS; the guest's DR6 is put back after duet's own #DB.
 *
 * Not covered: an NMI pending while EVENTINJ already holds another event
 * (an exception queued by userspace, or one re-delivered after an exit)
 * waits for the next exit.  An IRET that faults counts as completed once
 * the guest has moved on, as on the exit after it.
 */
#include <asm/trapnr.h>

#include "svm_vcpu.h"

#define SVM_STEP_FLAGS	(X86_EFLAGS_TF | X86_EFLAGS_RF)

u64 svm_get_rflags(struct vcpu_svm *svm)
{
	u64 rflags = svm->vmcb->save.rflags;

	if (svm->nmi_singlestep)
		rflags &= ~(SVM_STEP_FLAGS & ~svm->singlestep_rflags);
	return rflags;
}

void svm_set_rflags(struct vcpu_svm *svm, u64 rflags)
{
	/* Bit 1 of RFLAGS always reads as 1. */
	rflags |= X86_EFLAGS_FIXED;
	if (svm->nmi_singlestep) {
		svm->singlestep_rflags = rflags & SVM_STEP_FLAGS;
		rflags |= SVM_STEP_FLAGS;
	}
	svm->vmcb->save.rflags = rflags;
}

/*
 * Step one instruction: TF raises #DB after it (SDM "Single-Step"; with TF
 * set when IRET starts, the trap follows IRET whatever RFLAGS it pops),
 * RF keeps an instruction breakpoint on it from firing first.
 */
void svm_start_singlestep(struct vcpu_svm *svm)
{
	struct vmcb *vmcb = svm->vmcb;

	if (svm->nmi_singlestep)
		return;
	svm->singlestep_rflags = vmcb->save.rflags & SVM_STEP_FLAGS;
	svm->singlestep_dr6 = vmcb->save.dr6;
	svm->nmi_singlestep = true;
	vmcb->save.rflags |= SVM_STEP_FLAGS;
	vmcb->control.intercept_exceptions |= BIT(X86_TRAP_DB);
}

void svm_stop_singlestep(struct vcpu_svm *svm)
{
	struct vmcb *vmcb = svm->vmcb;

	if (!svm->nmi_singlestep)
		return;
	svm->nmi_singlestep = false;
	vmcb->save.rflags &= ~(SVM_STEP_FLAGS & ~svm->singlestep_rflags);
	vmcb->control.intercept_exceptions &= ~BIT(X86_TRAP_DB);
}

/*
 * An event goes in at this entry (EVENTINJ valid): its delivery must not
 * push duet's TF into the guest's frame, where the guest would see it and
 * trap after its IRET.  Stop stepping for this entry.  A BT step ends with
 * the event (the stepped instruction raised it, or an interrupt came
 * before it): delivery moves RIP, so the next exit ends the step
 * (duet_bt_step_check()) and BT goes on from there; the guest runs its
 * handler in hardware meanwhile.  A step for an NMI window, or a BT step
 * whose event delivery itself exited, starts again at the next entry.
 */
void svm_step_event(struct vcpu_svm *svm)
{
	svm_stop_singlestep(svm);
}

/* Before an entry: inject a pending NMI, or arrange to hear when it can go. */
void svm_nmi_prepare(struct vcpu_svm *svm)
{
	struct vmcb_control_area *c = &svm->vmcb->control;

	if (!svm->pending_nmi || (c->event_inj & SVM_EVTINJ_VALID))
		return;

	/*
	 * An interrupt shadow (STI, MOV SS) holds NMIs for one instruction
	 * too (APM "Interrupt Shadows").
	 */
	if (!svm->nmi_masked && !(c->int_state & SVM_INTERRUPT_SHADOW)) {
		/* NMI delivery must not push duet's TF. */
		svm_stop_singlestep(svm);
		c->event_inj = X86_TRAP_NMI | SVM_EVTINJ_TYPE_NMI |
			       SVM_EVTINJ_VALID;
		svm->pending_nmi = false;
		svm->nmi_masked = true;
		c->intercept_misc1 |= BIT(INTERCEPT_IRET);
		return;
	}

	/*
	 * Blocked by the NMI in service before its IRET: the IRET intercept
	 * brings the next exit, nothing to do.  Blocked by an IRET that may
	 * not have completed, or by a shadow: step one instruction.
	 */
	if (svm->awaiting_iret || !svm->nmi_masked)
		svm_start_singlestep(svm);
}

/* After every exit: whether the intercepted IRET has completed. */
void svm_nmi_after_exit(struct vcpu_svm *svm)
{
	if (svm->awaiting_iret && svm->vmcb->save.rip != svm->iret_rip) {
		svm->awaiting_iret = false;
		svm->nmi_masked = false;
	}
}

int iret_interception(struct vcpu_svm *svm)
{
	/* APM: intercepted before it runs; NMIs unblock once it is done. */
	svm->awaiting_iret = true;
	svm->iret_rip = svm->vmcb->save.rip;
	svm->vmcb->control.intercept_misc1 &= ~BIT(INTERCEPT_IRET);
	return 1;
}

static void svm_queue_db(struct vcpu_svm *svm)
{
	struct vmcb_control_area *c = &svm->vmcb->control;

	if (!(c->event_inj & SVM_EVTINJ_VALID))
		c->event_inj = X86_TRAP_DB | SVM_EVTINJ_TYPE_EXEPT |
			       SVM_EVTINJ_VALID;
}

/* #DB is intercepted only while duet single-steps. */
int db_interception(struct vcpu_svm *svm)
{
	bool guest_tf = svm->singlestep_rflags & X86_EFLAGS_TF;

	if (!svm->nmi_singlestep) {
		/* Not duet's: the guest's own #DB, delivered as it was. */
		svm_queue_db(svm);
		return 1;
	}
	svm_stop_singlestep(svm);
	if (guest_tf) {
		/* The guest was single-stepping too: the trap is its own. */
		svm_queue_db(svm);
		return 1;
	}
	/* Hide duet's step from the guest's DR6 (BS). */
	svm->vmcb->save.dr6 = svm->singlestep_dr6;
	svm_bt_step_trap(svm);
	return 1;
}
