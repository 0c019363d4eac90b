/* SPDX-License-Identifier: GPL-2.0 */
/*
 * VMX definitions duet relies on, named as in the SDM.  duet keeps its own
 * copy because the kernel's private headers move between releases and an
 * out-of-tree module must build against several of them.
 */
#ifndef DUET_VMX_H
#define DUET_VMX_H

#include <linux/bits.h>

/* CPUID.1:ECX */
#define SDM_VMX_CPUID1_ECX_VMX		BIT(5)

/* IA32_FEATURE_CONTROL */
#define SDM_VMX_FEAT_CTL_LOCKED		BIT_ULL(0)
#define SDM_VMX_FEAT_CTL_VMXON_OUTSIDE_SMX	BIT_ULL(2)

/* IA32_VMX_BASIC */
#define SDM_VMX_BASIC_REVISION_MASK		GENMASK_ULL(30, 0)
#define SDM_VMX_BASIC_VMCS_SIZE(basic)	(((basic) >> 32) & 0x1fff)
#define SDM_VMX_BASIC_32BIT_ADDRESSES	BIT_ULL(48)
#define SDM_VMX_BASIC_MEMTYPE(basic)	(((basic) >> 50) & 0xf)
#define SDM_VMX_BASIC_MEMTYPE_WB		6
#define SDM_VMX_BASIC_TRUE_CTLS		BIT_ULL(55)

/* Allowed-1 settings are the high half of a capability MSR. */
#define SDM_VMX_ALLOWED1(msr)		((u32)((msr) >> 32))

/* Primary processor-based controls */
#define SDM_VMX_PROCBASED_ACTIVATE_SECONDARY	BIT(31)

/* Secondary processor-based controls */
#define SDM_VMX_SECONDARY_ENABLE_EPT		BIT(1)
#define SDM_VMX_SECONDARY_ENABLE_VPID		BIT(5)
#define SDM_VMX_SECONDARY_UNRESTRICTED_GUEST	BIT(7)

/* IA32_VMX_EPT_VPID_CAP */
#define SDM_VMX_EPT_PAGE_WALK_4		BIT_ULL(6)
#define SDM_VMX_EPT_PAGE_WALK_5		BIT_ULL(7)
#define SDM_VMX_EPT_MEMTYPE_WB		BIT_ULL(14)
#define SDM_VMX_EPT_2MB_PAGE		BIT_ULL(16)
#define SDM_VMX_EPT_1GB_PAGE		BIT_ULL(17)
#define SDM_VMX_EPT_INVEPT			BIT_ULL(20)
#define SDM_VMX_EPT_AD			BIT_ULL(21)
#define SDM_VMX_VPID_INVVPID		BIT_ULL(32)

/* VPIDs are 16 bits wide and VPID 0 belongs to the host. */
#define SDM_VMX_NR_VPIDS			0xffff

#endif /* DUET_VMX_H */
