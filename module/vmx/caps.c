// SPDX-License-Identifier: GPL-2.0
/*
 * Decode VMX's CPUID bit and capability MSRs into duet's capability set.
 * Pure functions of recorded values, so KUnit can feed them real machines'
 * data (and Bochs's).
 */
#include <linux/module.h>

#include "../duet.h"
#include "vmx.h"

static enum duet_refusal duet_vmx_check_basic(u64 basic)
{
	/* SDM: the VMXON region and the VMCS occupy at most 4 KiB. */
	if (SDM_VMX_BASIC_VMCS_SIZE(basic) == 0 ||
	    SDM_VMX_BASIC_VMCS_SIZE(basic) > PAGE_SIZE)
		return DUET_VMX_BAD_BASIC;
	/* Regions are allocated anywhere in physical memory. */
	if (basic & SDM_VMX_BASIC_32BIT_ADDRESSES)
		return DUET_VMX_BAD_BASIC;
	if (SDM_VMX_BASIC_MEMTYPE(basic) != SDM_VMX_BASIC_MEMTYPE_WB)
		return DUET_VMX_BAD_BASIC;
	return DUET_OK;
}

enum duet_refusal duet_vmx_decode(const struct duet_vmx_raw *raw,
				  struct duet_caps *caps)
{
	u32 secondary = SDM_VMX_ALLOWED1(raw->procbased2);
	u64 ept = raw->ept_vpid_cap;
	enum duet_refusal why;

	memset(caps, 0, sizeof(*caps));

	if (!(raw->cpuid1_ecx & SDM_VMX_CPUID1_ECX_VMX))
		return DUET_NO_VMX;

	/*
	 * SDM: VMXON #GPs unless IA32_FEATURE_CONTROL is locked with VMXON
	 * outside SMX allowed.  The kernel locks it at boot when firmware did
	 * not; an unlocked MSR here means nobody vouched for VMX.
	 */
	if (!(raw->feature_control & SDM_VMX_FEAT_CTL_LOCKED) ||
	    !(raw->feature_control & SDM_VMX_FEAT_CTL_VMXON_OUTSIDE_SMX))
		return DUET_VMX_DISABLED;

	why = duet_vmx_check_basic(raw->basic);
	if (why != DUET_OK)
		return why;

	/* duet has no shadow paging: EPT with a 4-level WB walk is required. */
	if (!(SDM_VMX_ALLOWED1(raw->procbased) & SDM_VMX_PROCBASED_ACTIVATE_SECONDARY) ||
	    !(secondary & SDM_VMX_SECONDARY_ENABLE_EPT) ||
	    !(ept & SDM_VMX_EPT_PAGE_WALK_4) || !(ept & SDM_VMX_EPT_MEMTYPE_WB) ||
	    !(ept & SDM_VMX_EPT_INVEPT))
		return DUET_NO_EPT;

	caps->backend = DUET_BACKEND_VMX;
	caps->nested_paging = true;
	/* A 4-level EPT maps 48 bits of guest-physical space: enough. */
	caps->paging_levels = 4;
	caps->unrestricted_guest = secondary & SDM_VMX_SECONDARY_UNRESTRICTED_GUEST;
	caps->vpid = (secondary & SDM_VMX_SECONDARY_ENABLE_VPID) &&
		     (ept & SDM_VMX_VPID_INVVPID);
	caps->nr_asids = caps->vpid ? SDM_VMX_NR_VPIDS : 0;
	caps->large_pages_2m = ept & SDM_VMX_EPT_2MB_PAGE;
	caps->large_pages_1g = ept & SDM_VMX_EPT_1GB_PAGE;
	caps->accessed_dirty = ept & SDM_VMX_EPT_AD;
	return DUET_OK;
}
EXPORT_SYMBOL_IF_DUET_KUNIT(duet_vmx_decode);
