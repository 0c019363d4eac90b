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
	const struct duet_cpuid_table *t = svm->vcpu.cpuid;
	struct vmcb_save_area *save = &svm->vmcb->save;
	const struct duet_cpuid_entry *e;

	m->cr0 = save->cr0;
	m->cr3 = save->cr3;
	m->cr4 = save->cr4;
	m->efer = save->efer;
	/* 36 bits when CPUID does not say (SDM "MAXPHYADDR"). */
	e = duet_cpuid_find(t, 0x80000008, 0);
	m->maxphyaddr = e ? e->eax & 0xff : 36;
	e = duet_cpuid_find(t, 0x80000001, 0);
	m->gbpages = e && (e->edx & BIT(26));
	e = duet_cpuid_find(t, 1, 0);
	m->pse36 = e && (e->edx & BIT(17));
	m->amd = true;
}
