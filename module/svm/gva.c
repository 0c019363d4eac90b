// SPDX-License-Identifier: GPL-2.0
/*
 * The guest's linear addresses as SVM exit handlers see them: its paging
 * mode for duet_walk() (port I/O strings in io.c, MMIO emulation in
 * mmio.c).
 */
#include "svm_vcpu.h"

/* The guest's paging mode, and what its CPUID says about paging. */
void svm_walk_mode(struct vcpu_svm *svm, struct duet_walk_mode *m)
{
	struct vmcb_save_area *save = &svm->vmcb->save;

	m->cr0 = save->cr0;
	m->cr3 = save->cr3;
	m->cr4 = save->cr4;
	m->efer = save->efer;
	duet_walk_mode_cpuid(svm->vcpu.cpuid, m);
	/* Called after the exit's duet_fpu_put(): the image is current. */
	m->pkru = duet_fpu_guest_pkru(svm->vcpu.fpu);
}
