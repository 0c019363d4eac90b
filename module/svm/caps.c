// SPDX-License-Identifier: GPL-2.0
/*
 * Decode SVM's CPUID leaves and VM_CR into duet's capability set.  Pure
 * functions of recorded values, so KUnit can feed them real machines' data.
 */
#include <linux/module.h>

#include "../duet.h"
#include "svm.h"

enum duet_refusal duet_svm_decode(const struct duet_svm_raw *raw,
				  struct duet_caps *caps)
{
	u32 edx = raw->svm_edx;

	memset(caps, 0, sizeof(*caps));

	if (!(raw->ext1_ecx & APM_SVM_CPUID_EXT1_ECX_SVM))
		return DUET_NO_SVM;

	/*
	 * APM: with VM_CR.SVMDIS set, EFER.SVME cannot be set.  Whether the
	 * lock bit is also set only decides if firmware could be asked to
	 * change it; either way duet cannot use SVM now.
	 */
	if (raw->vm_cr & APM_SVM_VM_CR_SVMDIS)
		return DUET_SVM_DISABLED;

	/* duet has no shadow paging: nested paging is required. */
	if (!(edx & APM_SVM_FEATURE_NP))
		return DUET_NO_NPT;

	/* ASID 0 is the host's; a guest needs at least one more. */
	if (raw->svm_ebx < 2)
		return DUET_NO_ASIDS;

	caps->backend = DUET_BACKEND_SVM;
	caps->nested_paging = true;
	/* APM: nested paging uses the host's paging mode, 4 or 5 levels. */
	caps->paging_levels = raw->la57 ? 5 : 4;
	caps->nr_asids = raw->svm_ebx - 1;
	caps->nrip_save = edx & APM_SVM_FEATURE_NRIPS;
	caps->decode_assists = edx & APM_SVM_FEATURE_DECODE_ASSISTS;
	caps->flush_by_asid = edx & APM_SVM_FEATURE_FLUSH_BY_ASID;
	caps->vmcb_clean = edx & APM_SVM_FEATURE_VMCB_CLEAN;
	caps->vgif = edx & APM_SVM_FEATURE_VGIF;
	/* Nested tables take the same page sizes as the host's own. */
	caps->large_pages_2m = true;
	caps->large_pages_1g = raw->ext1_edx & APM_SVM_CPUID_EXT1_EDX_PAGE1GB;
	/* APM: the table walker sets A/D in nested entries as in host ones. */
	caps->accessed_dirty = true;
	return DUET_OK;
}
EXPORT_SYMBOL_IF_DUET_KUNIT(duet_svm_decode);
