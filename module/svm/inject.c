// SPDX-License-Identifier: GPL-2.0
/*
 * Faults of duet's own guest-memory reads, forwarded to the guest: the
 * DUET_GMEM_FORWARD handler of the SVM backend (gmem/read.c).  A read
 * made on the guest's behalf (instruction fetch, emulation) that the
 * guest's own page tables refuse raises #PF with CR2 = the faulting
 * linear address; a non-canonical address raises #GP(0) (APM "Page-Fault
 * Exception (#PF)", "General-Protection Exception (#GP)").  Faults on the
 * host side (no memory slot, the VMM's mapping gone) are no guest
 * exception: they go back to the caller as they are.
 */
#include <asm/trapnr.h>

#include "svm_vcpu.h"

/*
 * Queue exception @vector with @error_code in EVENTINJ for the next entry;
 * the faulting instruction is not skipped.
 */
void svm_inject_exception(struct vcpu_svm *svm, unsigned int vector,
			  u32 error_code)
{
	struct vmcb_control_area *c = &svm->vmcb->control;

	c->event_inj = vector | SVM_EVTINJ_TYPE_EXEPT | SVM_EVTINJ_VALID_ERR |
		       SVM_EVTINJ_VALID;
	c->event_inj_err = error_code;
}

/*
 * @opaque is the struct duet_vcpu the read is made for, run by its own
 * thread.  Returns 1 (resume the guest, which takes the exception) after
 * injecting #PF or #GP, else the fault's -errno.
 */
int svm_gmem_forward(void *opaque, const struct duet_gmem_fault *f)
{
	struct vcpu_svm *svm = to_svm(opaque);

	switch (f->kind) {
	case DUET_MEM_FAULT_PF:
		svm->vmcb->save.cr2 = f->addr;
		svm_inject_exception(svm, X86_TRAP_PF, f->error_code);
		return 1;
	case DUET_MEM_FAULT_GP:
		svm_inject_exception(svm, X86_TRAP_GP, 0);
		return 1;
	default:
		return f->err;
	}
}
