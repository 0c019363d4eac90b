/* SPDX-License-Identifier: GPL-2.0 */
/*
 * duet: the module's internal header.  Prototypes are grouped by the file
 * that defines them.
 */
#ifndef DUET_H
#define DUET_H

#include <linux/types.h>
#include <linux/cpumask.h>
#include <linux/kref.h>
#include <linux/mutex.h>
#include <linux/sched/signal.h>
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

/* Static, unless duet_kunit.ko needs to reach it. */
#ifdef DUET_KUNIT
#define DUET_VISIBLE_IF_KUNIT
#else
#define DUET_VISIBLE_IF_KUNIT static
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

/* A CPUID table (module/cpuid.c). */
struct duet_cpuid_table {
	u32 nent;
	struct duet_cpuid_entry entries[DUET_MAX_CPUID_ENTRIES];
};

/*
 * Per-vCPU counters, written only by the vCPU's own thread and read
 * without locks (netlink vcpu-get): each is one aligned u64.
 */
struct duet_vcpu_stats {
	u64 exits;			/* every #VMEXIT / VM exit */
	u64 userspace_exits;		/* DUET_RUN returns with an exit */
	u64 intr_exits;			/* physical interrupt, NMI, SMI */
	u64 irq_window_exits;
	u64 cpuid_exits;
	u64 msr_exits;
	u64 io_exits;
	u64 mmio_exits;
	u64 halt_exits;
	u64 hypercall_exits;
	u64 npt_faults;			/* nested faults, mapped or MMIO */
	u64 shutdown_exits;
	u64 signal_exits;		/* DUET_RUN ended by a signal */
	u64 kick_exits;			/* DUET_RUN ended by DUET_KICK */
	u64 injected_events;
};

/*
 * A vCPU (module/vcpu.c).  The backend embeds it in its own structure
 * (to_svm()) and keeps the guest state; the generic part keeps the run
 * area and serialises ioctls.
 */
struct duet_vcpu {
	struct duet_vm *vm;
	u32 id;
	struct mutex mutex;		/* one ioctl at a time */
	struct duet_run *run;		/* mmap()ed run area */
	/* Exits that userspace completes on the next DUET_RUN. */
	u32 pio_in_size;
	bool hypercall_pending;
	/* OUTSIDE_GUEST_MODE or IN_GUEST_MODE, for kicks and TLB flushes. */
	int mode;
	int cpu;			/* CPU it last ran on, or -1 */
	unsigned long requests;		/* DUET_REQ_* bits, set from any thread */
	void *fpu;			/* guest XSAVE image (fpu.c) */
	struct duet_cpuid_table *cpuid;	/* what CPUID returns */
	struct duet_vcpu_stats stats;
};

/* A memory slot (module/gmem/memslot.c). */
struct duet_slot {
	u32 id;
	u32 flags;			/* DUET_MEM_* */
	u64 base_gfn;
	u64 npages;
	unsigned long userspace_addr;
	struct page **pages;		/* pinned pages; NULL = not yet */
};

struct duet_vm_stats {
	u64 pages_pinned;
	u64 pages_mapped_4k;
	u64 pages_mapped_2m;
};

/* A VM (module/vm.c); lives until its fd and every vCPU are gone. */
struct duet_vm {
	struct kref kref;
	struct mm_struct *mm;		/* the creator's, mmgrab()ed */
	/* Serialises memslot changes, nested page-table updates, vCPU creation. */
	struct mutex mmu_lock;
	struct duet_slot *slots[DUET_MAX_MEMSLOTS];
	struct duet_vcpu *vcpus[DUET_MAX_VCPUS];
	struct duet_vm_stats stats;
	u32 flags;			/* DUET_VM_* from DUET_CREATE_VM */
	bool dead;			/* shut down: no vCPU runs again */
	void *arch;			/* backend state (nested page tables) */
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
	/* Create/free the backend part of a VM (nested page-table root). */
	int (*vm_init)(struct duet_vm *vm);
	void (*vm_destroy)(struct duet_vm *vm);
	/* Unmap [gfn, gfn + npages) and flush every vCPU's TLB; mmu_lock held. */
	void (*vm_unmap_range)(struct duet_vm *vm, u64 gfn, u64 npages);
	struct duet_vcpu *(*vcpu_create)(struct duet_vm *vm);
	void (*vcpu_free)(struct duet_vcpu *vcpu);
	/*
	 * Run the guest, handling exits in the kernel while it can, and
	 * return 1 to be called again (after duet_vcpu_should_leave() said
	 * so, or an exit that needs preemption on), 0 to return to userspace
	 * with the run area filled, or a negative errno.
	 */
	int (*vcpu_run)(struct duet_vcpu *vcpu);
	void (*get_regs)(struct duet_vcpu *vcpu, struct duet_regs *regs);
	void (*set_regs)(struct duet_vcpu *vcpu, const struct duet_regs *regs);
	void (*get_sregs)(struct duet_vcpu *vcpu, struct duet_sregs *sregs);
	int (*set_sregs)(struct duet_vcpu *vcpu, const struct duet_sregs *sregs);
	int (*inject_event)(struct duet_vcpu *vcpu, const struct duet_event *ev);
};

/* main.c */
extern struct duet_caps duet_caps;
extern const struct duet_arch_ops *duet_ops;
unsigned int duet_nr_enabled_cpus(void);
const char *duet_refusal_str(enum duet_refusal why);

/* caps.c */
int duet_cap_value(const struct duet_caps *caps, u32 cap, u64 *value);
const char *duet_backend_name(u32 backend);

/* vm.c */
int duet_vm_create(u32 flags);
void duet_vm_get(struct duet_vm *vm);
void duet_vm_put(struct duet_vm *vm);

/* vcpu.c */
#define DUET_RUN_PAGES		2
#define DUET_PIO_DATA_OFFSET	PAGE_SIZE
enum { OUTSIDE_GUEST_MODE, IN_GUEST_MODE };
/* Bits of duet_vcpu.requests. */
enum { DUET_REQ_KICK };
int duet_vcpu_create(struct duet_vm *vm, unsigned long id);
void *duet_vcpu_pio_data(struct duet_vcpu *vcpu);
#ifdef DUET_KUNIT
int duet_vcpu_check_event(const struct duet_event *ev);
#endif

/*
 * Whether a backend running the guest in a loop of its own must return to
 * duet_vcpu_run() before the next entry: the scheduler, a signal or a
 * DUET_KICK wants the thread.  Callers that decide about an entry call it
 * after publishing IN_GUEST_MODE with interrupts off (see duet_vcpu_kick()).
 */
static inline bool duet_vcpu_should_leave(struct duet_vcpu *vcpu)
{
	return need_resched() || signal_pending(current) ||
	       test_bit(DUET_REQ_KICK, &vcpu->requests);
}

/* cpuid.c */
int duet_cpuid_setup(void);
const struct duet_cpuid_table *duet_cpuid_supported(void);
const struct duet_cpuid_entry *
duet_cpuid_find(const struct duet_cpuid_table *t, u32 function, u32 index);
int duet_cpuid_to_user(const struct duet_cpuid_table *t, void __user *argp);
int duet_cpuid_from_user(struct duet_cpuid_table *t, void __user *argp);
#ifdef DUET_KUNIT
void duet_cpuid_filter(struct duet_cpuid_entry *e);
#endif

/* fpu.c */
int duet_fpu_setup(void);
void *duet_fpu_alloc(void);
void duet_fpu_free(void *area);
void duet_fpu_load(void *area);
void duet_fpu_put(void *area);

/* gmem/memslot.c */
int duet_memslot_check(const struct duet_memslot *m);
int duet_vm_set_memslot(struct duet_vm *vm, const struct duet_memslot *m);
struct duet_slot *duet_slot_find(struct duet_vm *vm, u64 gfn);
struct page *duet_slot_pin(struct duet_vm *vm, struct duet_slot *slot, u64 gfn);
void duet_slot_free(struct duet_vm *vm, struct duet_slot *slot);

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
