/* SPDX-License-Identifier: GPL-2.0 */
/*
 * SVM definitions duet relies on, named as in the APM.  duet keeps its own
 * copy because the kernel's private headers move between releases and an
 * out-of-tree module must build against several of them.
 */
#ifndef DUET_SVM_H
#define DUET_SVM_H

#include <linux/bits.h>

/* CPUID Fn8000_0001 */
#define APM_SVM_CPUID_EXT1_ECX_SVM		BIT(2)
#define APM_SVM_CPUID_EXT1_EDX_PAGE1GB	BIT(26)

/* CPUID Fn8000_000A: SVM revision and feature identification. */
#define APM_SVM_CPUID_LEAF			0x8000000a
#define APM_SVM_FEATURE_NP			BIT(0)
#define APM_SVM_FEATURE_LBRV		BIT(1)
#define APM_SVM_FEATURE_SVML		BIT(2)
#define APM_SVM_FEATURE_NRIPS		BIT(3)
#define APM_SVM_FEATURE_TSC_RATE		BIT(4)
#define APM_SVM_FEATURE_VMCB_CLEAN		BIT(5)
#define APM_SVM_FEATURE_FLUSH_BY_ASID	BIT(6)
#define APM_SVM_FEATURE_DECODE_ASSISTS	BIT(7)
#define APM_SVM_FEATURE_PAUSE_FILTER	BIT(10)
#define APM_SVM_FEATURE_AVIC		BIT(13)
#define APM_SVM_FEATURE_V_VMSAVE_VMLOAD	BIT(15)
#define APM_SVM_FEATURE_VGIF		BIT(16)

/* MSR VM_CR (C001_0114h) */
#define APM_SVM_VM_CR_LOCK			BIT_ULL(3)
#define APM_SVM_VM_CR_SVMDIS		BIT_ULL(4)

#endif /* DUET_SVM_H */
