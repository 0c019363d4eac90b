// SPDX-License-Identifier: GPL-2.0
/*
 * The SVM side of binary translation (bt/run.c): the guest state BT runs
 * on, taken from and given back to the VMCB and GPRs; exceptions BT
 * raises, delivered by the next VMRUN; and one instruction in hardware
 * for what BT does not translate: RFLAGS.TF with #DB intercepted (the
 * mechanism nmi.c uses to step over IRET), ended by the #DB trap or by an
 * exit after which RIP has moved (duet_bt_step_check()).
 */
#include <asm/trapnr.h>

#include "svm_vcpu.h"

void svm_bt_get_state(struct duet_vcpu *vcpu, struct duet_bt_state *st)
{
	struct vcpu_svm *svm = to_svm(vcpu);
	struct vmcb_save_area *save = &svm->vmcb->save;
	struct duet_emu_regs r;

	svm_emu_load(svm, &r);
	memcpy(st->gpr, r.gpr, sizeof(st->gpr));
	memcpy(st->seg_base, r.seg_base, sizeof(st->seg_base));
	st->rip = r.rip;
	st->rflags = svm_get_rflags(svm);
	st->mode = r.mode;
	st->cpl = r.cpl;
	st->va_bits = r.va_bits;
	st->cr0 = save->cr0;
	st->cr3 = save->cr3;
	st->cr4 = save->cr4;
	st->efer = save->efer & ~EFER_SVME;
}

void svm_bt_set_state(struct duet_vcpu *vcpu, const struct duet_bt_state *st)
{
	struct vcpu_svm *svm = to_svm(vcpu);
	struct vmcb_save_area *save = &svm->vmcb->save;
	int i;

	for (i = 0; i < NR_VCPU_REGS; i++)
		svm->regs[i] = st->gpr[i];
	save->rax = st->gpr[VCPU_REGS_RAX];
	save->rsp = st->gpr[VCPU_REGS_RSP];
	/* An instruction completed: the interrupt shadow it was in is over. */
	if (save->rip != st->rip)
		svm->vmcb->control.int_state &= ~SVM_INTERRUPT_SHADOW;
	save->rip = st->rip;
	svm_set_rflags(svm, st->rflags);
}

void svm_bt_inject(struct duet_vcpu *vcpu, const struct duet_bt_fault *f)
{
	struct vcpu_svm *svm = to_svm(vcpu);
	struct vmcb_control_area *c = &svm->vmcb->control;

	if (f->has_cr2)
		svm->vmcb->save.cr2 = f->cr2;
	c->event_inj = f->vector | SVM_EVTINJ_TYPE_EXEPT | SVM_EVTINJ_VALID;
	if (f->has_error_code) {
		c->event_inj |= SVM_EVTINJ_VALID_ERR;
		c->event_inj_err = f->error_code;
	}
}

/*
 * Before an entry, ahead of the NMI window's own stepping: a BT step that
 * is over (an exit moved RIP, e.g. the stepped CPUID's own; or userspace
 * came first) takes duet's TF and #DB intercept back, rather than leave
 * them for the next instruction, whose trap would be one more exit.  The
 * NMI window, if it still needs a step, starts one again right after.
 */
void svm_bt_step_sync(struct vcpu_svm *svm)
{
	if (!svm->bt_singlestep || svm->vcpu.bt_step)
		return;
	svm->bt_singlestep = false;
	svm_stop_singlestep(svm);
}

/* Before a run of the guest for BT: trap after one instruction. */
void svm_bt_step_prepare(struct vcpu_svm *svm)
{
	if (!svm->vcpu.bt_step)
		return;
	svm_start_singlestep(svm);
	svm->bt_singlestep = true;
}

/* A #DB of duet's step: the instruction BT asked for is done. */
bool svm_bt_step_trap(struct vcpu_svm *svm)
{
	if (!svm->vcpu.bt_step)
		return false;
	svm->vcpu.bt_step = false;
	return true;
}
