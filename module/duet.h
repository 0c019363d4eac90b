/* SPDX-License-Identifier: GPL-2.0 */
/*
 * duet: the module's internal header.  Prototypes are grouped by the file
 * that defines them.
 */
#ifndef DUET_H
#define DUET_H

#include <linux/types.h>
#include <linux/cpumask.h>
#include <uapi/linux/duet.h>

#define DUET_NAME "duet"

/*
 * Export a helper to duet_kunit.ko only when duet is built with its own
 * test switch (DUET_KUNIT=1), never because the host kernel has KUnit.
 */
#ifdef DUET_KUNIT
#define EXPORT_SYMBOL_IF_DUET_KUNIT(sym) EXPORT_SYMBOL_GPL(sym)
#else
#define EXPORT_SYMBOL_IF_DUET_KUNIT(sym) static_assert(sizeof(sym))
#endif

/*
 * Virtualization features of this machine, decoded once at module load from
 * CPUID and the capability MSRs.  Read-only after init.
 */
struct duet_caps {
	u32 backend;			/* DUET_BACKEND_* */
	bool nested_paging;		/* NPT / EPT */
	u32 paging_levels;		/* levels of nested paging: 4 or 5 */
	u32 nr_asids;			/* usable ASIDs or VPIDs */
	bool nrip_save;
	bool decode_assists;
	bool flush_by_asid;
	bool vmcb_clean;
	bool vgif;
	bool unrestricted_guest;
	bool vpid;
	bool large_pages_2m;
	bool large_pages_1g;
	bool accessed_dirty;
};

/* Why a machine cannot run duet; see duet_refusal_str(). */
enum duet_refusal {
	DUET_OK = 0,
	DUET_NO_VENDOR,			/* neither AMD nor Intel */
	DUET_NO_SVM,			/* CPUID 8000_0001h ECX.SVM clear */
	DUET_SVM_DISABLED,		/* VM_CR.SVMDIS set by firmware */
	DUET_NO_NPT,			/* CPUID 8000_000Ah EDX.NP clear */
	DUET_NO_ASIDS,			/* CPUID 8000_000Ah EBX < 2 */
	DUET_NO_VMX,			/* CPUID.1:ECX.VMX clear */
	DUET_VMX_DISABLED,		/* IA32_FEATURE_CONTROL locked without VMXON */
	DUET_VMX_BAD_BASIC,		/* IA32_VMX_BASIC unusable (size, memtype) */
	DUET_NO_EPT,			/* EPT or its 4-level WB walk missing */
	DUET_IN_USE,			/* EFER.SVME / CR4.VMXE already set */
};

/* Raw CPUID values that describe SVM; recorded values feed KUnit. */
struct duet_svm_raw {
	u32 ext1_ecx;			/* CPUID 8000_0001h ECX */
	u32 ext1_edx;			/* CPUID 8000_0001h EDX */
	u32 svm_eax;			/* CPUID 8000_000Ah EAX: revision */
	u32 svm_ebx;			/* CPUID 8000_000Ah EBX: ASIDs */
	u32 svm_edx;			/* CPUID 8000_000Ah EDX: features */
	u64 vm_cr;			/* MSR VM_CR */
	bool la57;			/* host runs 5-level paging */
};

/* Raw CPUID and MSR values that describe VMX. */
struct duet_vmx_raw {
	u32 cpuid1_ecx;			/* CPUID.1:ECX */
	u64 feature_control;		/* IA32_FEATURE_CONTROL */
	u64 basic;			/* IA32_VMX_BASIC */
	u64 procbased;			/* IA32_VMX_(TRUE_)PROCBASED_CTLS */
	u64 procbased2;			/* IA32_VMX_PROCBASED_CTLS2 */
	u64 ept_vpid_cap;		/* IA32_VMX_EPT_VPID_CAP */
	bool la57;			/* host runs 5-level paging */
};

/*
 * Backend operations, filled once (const) by svm/ and vmx/.  arch-ops.h
 * lists their names; duet_check_ops() uses the list to refuse a backend
 * that lacks a mandatory one.
 */
struct duet_arch_ops {
	const char *name;
	/* Read CPUID/MSRs on this CPU and decode them into @caps. */
	enum duet_refusal (*probe)(struct duet_caps *caps);
	/* Allocate per-CPU state (host save areas, VMXON regions). */
	int (*hardware_setup)(void);
	void (*hardware_unsetup)(void);
	/* Turn virtualization on/off on this CPU, preemption off. */
	int (*cpu_enable)(void);
	void (*cpu_disable)(void);
};

/* main.c */
extern struct duet_caps duet_caps;
extern const struct duet_arch_ops *duet_ops;
unsigned int duet_nr_enabled_cpus(void);
const char *duet_refusal_str(enum duet_refusal why);

/* caps.c */
int duet_cap_value(const struct duet_caps *caps, u32 cap, u64 *value);
const char *duet_backend_name(u32 backend);

/* dev.c */
int duet_dev_init(void);
void duet_dev_exit(void);

/* nl/netlink.c */
int duet_nl_init(void);
void duet_nl_exit(void);

/* svm/caps.c */
enum duet_refusal duet_svm_decode(const struct duet_svm_raw *raw,
				  struct duet_caps *caps);

/* svm/svm.c */
extern const struct duet_arch_ops duet_svm_ops;

/* vmx/caps.c */
enum duet_refusal duet_vmx_decode(const struct duet_vmx_raw *raw,
				  struct duet_caps *caps);

/* vmx/vmx.c */
extern const struct duet_arch_ops duet_vmx_ops;

#endif /* DUET_H */
