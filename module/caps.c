// SPDX-License-Identifier: GPL-2.0
/*
 * Capability lookup shared by DUET_CHECK_EXTENSION and netlink caps-get, so
 * that both views of the machine always agree.
 */
#include <linux/errno.h>
#include <linux/module.h>

#include "duet.h"

const char *duet_backend_name(u32 backend)
{
	switch (backend) {
	case DUET_BACKEND_SVM:
		return "svm";
	case DUET_BACKEND_VMX:
		return "vmx";
	default:
		return "none";
	}
}
EXPORT_SYMBOL_IF_DUET_KUNIT(duet_backend_name);

/*
 * Return the value of capability @cap in @value: 0 when absent, otherwise 1
 * for a plain feature or the count/enum documented in uapi/linux/duet.h.
 * Return -EINVAL for a number outside the known range, so that callers can
 * tell "absent" from "unknown".
 */
int duet_cap_value(const struct duet_caps *caps, u32 cap, u64 *value)
{
	switch (cap) {
	case DUET_CAP_API_VERSION:
		*value = DUET_API_VERSION;
		break;
	case DUET_CAP_BACKEND:
		*value = caps->backend;
		break;
	case DUET_CAP_NESTED_PAGING:
		*value = caps->nested_paging;
		break;
	case DUET_CAP_PAGING_LEVELS:
		*value = caps->paging_levels;
		break;
	case DUET_CAP_NR_ASIDS:
		*value = caps->nr_asids;
		break;
	case DUET_CAP_NRIP_SAVE:
		*value = caps->nrip_save;
		break;
	case DUET_CAP_DECODE_ASSISTS:
		*value = caps->decode_assists;
		break;
	case DUET_CAP_FLUSH_BY_ASID:
		*value = caps->flush_by_asid;
		break;
	case DUET_CAP_VMCB_CLEAN:
		*value = caps->vmcb_clean;
		break;
	case DUET_CAP_VGIF:
		*value = caps->vgif;
		break;
	case DUET_CAP_UNRESTRICTED_GUEST:
		*value = caps->unrestricted_guest;
		break;
	case DUET_CAP_VPID:
		*value = caps->vpid;
		break;
	case DUET_CAP_LARGE_PAGES_2M:
		*value = caps->large_pages_2m;
		break;
	case DUET_CAP_LARGE_PAGES_1G:
		*value = caps->large_pages_1g;
		break;
	case DUET_CAP_ACCESSED_DIRTY:
		*value = caps->accessed_dirty;
		break;
	case DUET_CAP_NR_CPUS:
		*value = duet_nr_enabled_cpus();
		break;
	default:
		return -EINVAL;
	}
	return 0;
}
EXPORT_SYMBOL_IF_DUET_KUNIT(duet_cap_value);
