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
#include <linux/seqlock.h>
#include <linux/sched/signal.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <uapi/linux/duet.h>
#include <uapi/linux/duet_netlink.h>

#include "bt/bt.h"
#include "mmu/trace.h"

struct net;
struct duet_npt;

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
 * without locks (netlink vcpu-get): each is one aligned u64.  u64 only:
 * duet_vcpu_snapshot() copies them as an array, and a new counter needs
 * its attribute in nl/duet.yaml and nl/netlink.c (a BUILD_BUG_ON says so).
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
	struct duet_bt_stats bt;	/* binary translation (bt/run.c) */
};

/*
 * The guest-memory side of a string port I/O exit (INS/OUTS): @count
 * elements of @size bytes, element 0 first in the data area.  They occupy
 * @count * @size bytes of linear addresses, which lie in one guest page
 * or, for a single element that straddles two, in two: the first @split
 * bytes at guest-physical @gpa[0] (the lowest address), the rest at
 * @gpa[1].  With @down (RFLAGS.DF) element 0 is the highest one.
 */
struct duet_pio_string {
	u64 gpa[2];
	u32 split;
	u32 size;
	u32 count;			/* 0: nothing pending */
	u16 port;
	bool down;
};

/*
 * The paging state of a vCPU as of its last exit (or DUET_SET_SREGS), for
 * introspection from other threads (gmem/read.c).
 */
struct duet_vcpu_paging {
	u64 cr0, cr3, cr4, efer;
	u8 cpl;
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
	struct duet_pio_string pio_string_in;	/* INS: data to guest memory */
	bool hypercall_pending;
	/* DUET_EXIT_MSR (DUET_VM_USER_MSR) of a RDMSR, or of a WRMSR. */
	bool msr_pending;
	bool msr_pending_write;
	/* DUET_EXIT_MMIO of a read: run->mmio.data answers it. */
	bool mmio_pending;
	/* OUTSIDE_GUEST_MODE or IN_GUEST_MODE, for kicks and TLB flushes. */
	int mode;
	int cpu;			/* CPU it last ran on, or -1 */
	unsigned long requests;		/* DUET_REQ_* bits, set from any thread */
	void *fpu;			/* guest XSAVE image (fpu.c) */
	struct duet_cpuid_table *cpuid;	/* what CPUID returns */
	struct duet_vcpu_stats stats;
	/* DUET_EXEC_MODE_*: netlink vcpu-set writes it, bt/run.c reads it. */
	u8 exec_mode;
	/* Written by the vCPU's thread, read by introspection. */
	seqlock_t paging_lock;
	struct duet_vcpu_paging paging;
	/*
	 * Binary translation (bt/run.c).  @bt_active: the vCPU runs in BT
	 * (its mode, or a detour into a vulnerable segment); the backends
	 * then enter the guest only to run one instruction (@bt_step, set
	 * by bt/run.c and cleared by the backend once the instruction at
	 * @bt_step_rip has completed: single-step trap, or RIP moved).
	 */
	bool bt_active;
	bool bt_step;
	u64 bt_step_rip;
	bool bt_detour;			/* hardware mode, in BT for a segment */
	bool bt_in_segment;		/* holds the stall barrier */
	struct duet_bt_tlb *bt_tlb;	/* bt/run.c, or NULL */
	/*
	 * Divert to the binary translator (mmu/trace.h).  A fetch from a
	 * page whose execution a BT segment traces (DUET_TRACE_EXEC) makes
	 * the backend's nested-fault handler set @bt_divert, the guest's
	 * RIP (the instruction that was to run; nothing of it ran) in
	 * @bt_divert_rip and the faulting guest-physical address in
	 * @bt_divert_gpa, and return 1 without re-entering the guest: its
	 * vcpu_run() returns 1 to duet_vcpu_run().  The glue (bt/run.c)
	 * checks @bt_divert there before it calls vcpu_run() again, clears
	 * it and runs the vCPU in BT from @bt_divert_rip.  The trace stays:
	 * the vCPU must not go back to hardware while its RIP is in that
	 * page, or it diverts again at once (without the glue, vcpu_run()
	 * would be called again and fault again, ending only on a signal
	 * or kick).  An event the exit interrupted stays queued in the
	 * backend for the next entry (EXITINTINFO / IDT-vectoring).
	 */
	bool bt_divert;
	u64 bt_divert_rip;
	u64 bt_divert_gpa;
	/*
	 * The pages a BT hardware step may run from (duet_npt_grant_step()):
	 * two, as one instruction's bytes may straddle a page end.  A grant
	 * needs the stall barrier: without it, the step's fault sets
	 * @bt_step_stall and maps nothing, and the step loop (bt/run.c)
	 * takes the barrier and enters again.
	 */
	unsigned int bt_grants;
	u64 bt_grant_gfn[2];
	bool bt_step_stall;
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

/*
 * Per-VM counters, under the VM's mmu_lock; the stall_* ones under
 * stall.lock instead (bt/stall.c).  u64 only: a new counter needs its
 * attribute in nl/duet.yaml and nl/netlink.c (a BUILD_BUG_ON says so).
 */
struct duet_vm_stats {
	u64 pages_pinned;
	u64 pages_mapped_4k;
	u64 pages_mapped_2m;
	u64 stalls;			/* stall barriers taken */
	u64 stall_ns;			/* time they were held, in total */
	u64 stall_max_ns;		/* the longest */
	u64 stall_timeouts;		/* released by the VM's limit */
	u64 stall_wait_timeouts;	/* vCPUs not out of guest mode in time */
};

/*
 * The VM's stall barrier (bt/stall.c): while @owner is set, every vCPU
 * but the owner stays out of guest mode.
 */
struct duet_stall {
	spinlock_t lock;		/* the fields below but @wq */
	/*
	 * The holder: its struct duet_vcpu, or the task_struct of a holder
	 * that is not a vCPU (netlink vm-stall); NULL when free.  Written
	 * under @lock, read locklessly by duet_vcpu_should_leave().
	 */
	void *owner;
	int owner_id;			/* vCPU id of the owner, or -1 */
	u64 seq;			/* barriers taken so far */
	u64 start_ns;			/* when the owner took it */
	u64 max_ns;			/* the VM's maximum stall time */
	wait_queue_head_t wq;		/* held vCPUs and queued requesters */
};

/* A VM (module/vm.c); lives until its fd and every vCPU are gone. */
struct duet_vm {
	struct kref kref;
	/* Registry (vm.c), for netlink; fixed at DUET_CREATE_VM. */
	u32 id;				/* from 1 */
	pid_t pid;			/* creator's tgid, in its PID namespace */
	u64 create_time;		/* CLOCK_BOOTTIME, ns */
	struct net *net;		/* creator's network namespace, held */
	struct mm_struct *mm;		/* the creator's, mmgrab()ed */
	/* Serialises memslot changes, nested page-table updates, vCPU creation. */
	struct mutex mmu_lock;
	struct duet_slot *slots[DUET_MAX_MEMSLOTS];
	struct duet_vcpu *vcpus[DUET_MAX_VCPUS];
	struct duet_vm_stats stats;
	struct duet_stall stall;
	u32 flags;			/* DUET_VM_* from DUET_CREATE_VM */
	bool dead;			/* shut down: no vCPU runs again */
	void *arch;			/* backend state (nested page tables) */
	/* Binary translator (bt/): netlink vm-set and bt-segment-*. */
	bool bt_detect;			/* dynamic vulnerable-segment detection */
	struct duet_bt_cache *bt_cache;	/* translations (bt/cache.c), or NULL */
	/* Bumped when a memory slot goes away or a page gains a write trace. */
	atomic_t bt_mem_gen;
	struct duet_bt_segments *bt_segments;	/* bt/segment.c */
	struct duet_npt *npt;		/* the backend's nested page tables */
	struct duet_trace trace;	/* traced pages (mmu/trace.h), mmu_lock */
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
	/*
	 * The emulated MSRs: fill up to @max of their indices (@indices may
	 * be NULL when @max is 0) and return how many there are.
	 */
	unsigned int (*msr_index_list)(u32 *indices, unsigned int max);
	/*
	 * Read or write an MSR: 0, -ENOENT when it is not emulated, and for
	 * writes -EINVAL for a value WRMSR would raise #GP on.
	 * @host_initiated: DUET_SET_MSRS rather than the guest's WRMSR.
	 */
	int (*get_msr)(struct duet_vcpu *vcpu, u32 index, u64 *data);
	int (*set_msr)(struct duet_vcpu *vcpu, u32 index, u64 data,
		       bool host_initiated);
	/*
	 * Finish the RDMSR/WRMSR of a DUET_EXIT_MSR: raise #GP(0) at it
	 * (@gp), or complete it (RDMSR: EDX:EAX = @data) and move past it.
	 */
	void (*complete_msr)(struct duet_vcpu *vcpu, bool write, u64 data,
			     bool gp);
	/*
	 * Finish the MMIO read of a DUET_EXIT_MMIO with @data: 0 to enter
	 * the guest, 1 when that exits again (run area filled), or -errno.
	 */
	int (*complete_mmio)(struct duet_vcpu *vcpu, u64 data);
	/*
	 * Binary translation: the guest state as BT runs on it, taken from
	 * and given back to the backend's; an exception BT found, for the
	 * next entry to deliver.  Without them a vCPU cannot run in BT.
	 */
	void (*bt_get_state)(struct duet_vcpu *vcpu, struct duet_bt_state *st);
	void (*bt_set_state)(struct duet_vcpu *vcpu,
			     const struct duet_bt_state *st);
	void (*bt_inject)(struct duet_vcpu *vcpu, const struct duet_bt_fault *f);
};

/* main.c */
extern struct duet_caps duet_caps;
extern const struct duet_arch_ops *duet_ops;
unsigned int duet_nr_enabled_cpus(void);
const char *duet_refusal_str(enum duet_refusal why);

/* caps.c */
int duet_cap_value(const struct duet_caps *caps, u32 cap, u64 *value);
const char *duet_backend_name(u32 backend);

/* What netlink reports of a VM and of a vCPU: a snapshot. */
struct duet_vm_info {
	u32 max_stall_us;
	u32 nr_vcpus;
	u32 nr_memslots;
	u64 memory_size;		/* bytes in all slots */
	bool dead;
	struct duet_vm_stats stats;
};

struct duet_vcpu_info {
	int cpu;			/* last host CPU, or -1 */
	bool in_guest;
	u8 exec_mode;			/* DUET_EXEC_MODE_* */
	struct duet_vcpu_stats stats;
};

/* vm.c */
int duet_vm_create(u32 flags);
void duet_vm_get(struct duet_vm *vm);
void duet_vm_put(struct duet_vm *vm);
struct duet_vm *duet_vm_find(struct net *net, u32 id);
struct duet_vm *duet_vm_find_next(struct net *net, unsigned long *id,
				  unsigned long max);
void duet_vm_snapshot(struct duet_vm *vm, struct duet_vm_info *info);
void duet_vm_kick_guest_mode(struct duet_vm *vm);
#ifdef DUET_KUNIT
struct duet_vm *duet_vm_from_file(struct file *filp);
#endif

/* vcpu.c */
#define DUET_RUN_PAGES		2
#define DUET_PIO_DATA_OFFSET	PAGE_SIZE
#define DUET_PIO_DATA_SIZE	(DUET_RUN_PAGES * PAGE_SIZE - DUET_PIO_DATA_OFFSET)
enum { OUTSIDE_GUEST_MODE, IN_GUEST_MODE };
/* Bits of duet_vcpu.requests. */
enum { DUET_REQ_KICK };
int duet_vcpu_create(struct duet_vm *vm, unsigned long id);
bool duet_vcpu_ipi(struct duet_vcpu *vcpu);
void *duet_vcpu_pio_data(struct duet_vcpu *vcpu);
struct duet_vcpu *duet_vcpu_lock(struct duet_vm *vm, u32 id);
int duet_vcpu_snapshot(struct duet_vm *vm, u32 id, struct duet_vcpu_info *info);
int duet_pio_string_copy(struct duet_vcpu *vcpu,
			 const struct duet_pio_string *s, bool to_guest,
			 u64 *bad_gpa);
void duet_vcpu_string_io_error(struct duet_vcpu *vcpu, u64 gpa, u32 port,
			       u32 direction);
#ifdef DUET_KUNIT
int duet_vcpu_check_event(const struct duet_event *ev);
#endif

/* msr.c */
/*
 * SDM names of two MTRR MSRs; the kernel's own (MSR_MTRRcap,
 * MSR_MTRRdefType) are mixed case.
 */
#define MSR_IA32_MTRRCAP	0x000000fe
#define MSR_IA32_MTRR_DEF_TYPE	0x000002ff

/* The guest accesses it without exits (its value is switched by the CPU). */
#define DUET_MSR_PASSTHROUGH	BIT(0)
/* A linear address: WRMSR of a non-canonical value raises #GP. */
#define DUET_MSR_ADDR		BIT(1)

/* An MSR duet emulates, the same list on every backend. */
struct duet_msr {
	u32 index;
	u32 flags;			/* DUET_MSR_* */
};

extern const struct duet_msr duet_msrs[];
extern const unsigned int duet_nr_msrs;
const struct duet_msr *duet_msr_find(u32 index);
unsigned int duet_msr_index_list(u32 *indices, unsigned int max);
bool duet_msr_pat_valid(u64 pat);
bool duet_msr_canonical(u64 addr, unsigned int va_bits);
unsigned int duet_msr_va_bits(void);
bool duet_msr_efer_valid(u64 cur, u64 val, u64 allowed, bool paging,
			 bool host_initiated);
u64 duet_msr_efer_value(u64 cur, u64 val, bool host_initiated);
int duet_msr_index_list_to_user(void __user *argp);
int duet_vcpu_msrs(struct duet_vcpu *vcpu, void __user *argp, bool set);
/* bt/run.c */
int duet_bt_vcpu_run(struct duet_vcpu *vcpu);
void duet_bt_vcpu_close_segment(struct duet_vcpu *vcpu);
int duet_bt_segment_trace(struct duet_vm *vm, u64 start, u64 len, bool add);
void duet_bt_sync_memory(void);

/* bt/stall.c: the stall barrier; see there and bt/bt.h. */
#define DUET_STALL_DEFAULT_MAX_US	50000
#define DUET_STALL_MAX_US		1000000	/* bound of max-stall-us, vm-stall */
void duet_stall_init(struct duet_vm *vm);
int duet_stall_wait(struct duet_vcpu *vcpu);
void duet_stall_vcpu_gone(struct duet_vcpu *vcpu);
int duet_stall_set_max(struct duet_vm *vm, u32 us);
int duet_stall_hold(struct duet_vm *vm, u32 us);
void duet_stall_snapshot(struct duet_vm *vm, struct duet_vm_info *info);

/* Whether @vcpu holds its VM's stall barrier (bt/stall.c). */
static inline bool duet_vcpu_holds_stall(struct duet_vcpu *vcpu)
{
	return READ_ONCE(vcpu->vm->stall.owner) == vcpu;
}

/*
 * Whether another vCPU, or a netlink vm-stall, holds @vcpu's VM's stall
 * barrier: @vcpu must then stay out of guest mode (duet_stall_wait()).
 */
static inline bool duet_vcpu_stalled(struct duet_vcpu *vcpu)
{
	/*
	 * Pairs with smp_store_release() in duet_stall_release(): a guest
	 * entered after the release sees what the holder wrote.
	 */
	void *owner = smp_load_acquire(&vcpu->vm->stall.owner);

	return owner && owner != vcpu;
}

/*
 * Whether a backend running the guest in a loop of its own must return to
 * duet_vcpu_run() before the next entry: the scheduler, a signal or a
 * DUET_KICK wants the thread, or the stall barrier holds the vCPU out
 * (duet_vcpu_must_return(): all but the scheduler, which a caller may
 * serve in place with cond_resched()).
 * Callers that decide about an entry call it after publishing
 * IN_GUEST_MODE with interrupts off (see duet_vcpu_kick() and
 * duet_stall_begin()).
 */
static inline bool duet_vcpu_must_return(struct duet_vcpu *vcpu)
{
	return signal_pending(current) ||
	       test_bit(DUET_REQ_KICK, &vcpu->requests) ||
	       duet_vcpu_stalled(vcpu);
}

static inline bool duet_vcpu_must_yield(struct duet_vcpu *vcpu)
{
	return need_resched() || duet_vcpu_must_return(vcpu);
}

/* duet_vcpu_must_yield(), or a vCPU in BT whose hardware step is done. */
static inline bool duet_vcpu_should_leave(struct duet_vcpu *vcpu)
{
	return duet_vcpu_must_yield(vcpu) ||
	       (vcpu->bt_active && !vcpu->bt_step);
}

/*
 * After an exit: the instruction BT asked hardware to run has completed
 * once RIP has left it (an exit that emulated it, or any later one).
 */
static inline void duet_bt_step_check(struct duet_vcpu *vcpu, u64 rip)
{
	if (vcpu->bt_step && rip != vcpu->bt_step_rip)
		vcpu->bt_step = false;
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
void duet_fpu_load(void *area, bool guest_pke);
void duet_fpu_put(void *area, bool guest_pke);
u32 duet_fpu_guest_pkru(void *area);
int duet_fpu_get_xsave(void *area, void __user *argp);
int duet_fpu_set_xsave(void *area, void __user *argp);
#ifdef DUET_KUNIT
int duet_fpu_check_xsave(const void *image, u32 size, u32 want_size,
			 u64 xcr0, u32 mxcsr_mask);
#endif

/* gmem/memslot.c */
int duet_memslot_check(const struct duet_memslot *m);
int duet_vm_set_memslot(struct duet_vm *vm, const struct duet_memslot *m);
struct duet_slot *duet_slot_find(struct duet_vm *vm, u64 gfn);
struct page *duet_slot_pin(struct duet_vm *vm, struct duet_slot *slot, u64 gfn);
void duet_slot_free(struct duet_vm *vm, struct duet_slot *slot);

/* gmem/access.c */
int duet_gpa_to_hva(struct duet_vm *vm, u64 gpa, bool write,
		    unsigned long *hva, u64 *room);
int duet_gpa_read(struct duet_vm *vm, u64 gpa, void *buf, u64 len);
int duet_gpa_write(struct duet_vm *vm, u64 gpa, const void *buf, u64 len);
void duet_gpa_written(struct duet_vm *vm, u64 gpa, bool traced, int gen);
int duet_gpa_probe(struct duet_vm *vm, u64 gpa, u64 len, bool write);
int duet_gpa_cmpxchg(struct duet_vm *vm, u64 gpa, u64 old, u64 new,
		     unsigned int size);

/* gmem/walk.c (before gmem/read.c, which uses its types) */
/*
 * Access types of a walk, with the bit values of the #PF error code they
 * turn into (SDM "Interrupt 14-Page-Fault Exception (#PF)").
 */
#define DUET_PFERR_PRESENT	BIT(0)	/* the page was present */
#define DUET_PFERR_WRITE	BIT(1)
#define DUET_PFERR_USER		BIT(2)	/* CPL 3 */
#define DUET_PFERR_RSVD		BIT(3)	/* a reserved bit was set */
#define DUET_PFERR_FETCH	BIT(4)	/* instruction fetch */
#define DUET_PFERR_PK		BIT(5)	/* protection-key violation */
/* Walk flags that are not error-code bits. */
#define DUET_WALK_AC		BIT(16)	/* RFLAGS.AC: SMAP lets it through */
#define DUET_WALK_NO_AD		BIT(17)	/* leave accessed/dirty bits alone */

/* The guest's paging state, and what its CPUID says about paging. */
struct duet_walk_mode {
	u64 cr0, cr3, cr4, efer;
	u8 maxphyaddr;			/* CPUID 8000_0008h EAX[7:0] */
	bool gbpages;			/* CPUID 8000_0001h EDX[26] */
	bool pse36;			/* CPUID 1 EDX[17] */
	bool amd;			/* bit 8 of PML4Es/PML5Es reserved */
	u32 pkru;			/* with CR4.PKE; 0 allows every key */
};

struct duet_walk_result {
	bool fault;			/* the access raises #PF */
	u32 error_code;			/* its error code */
	u64 gpa;			/* else: the guest-physical address */
	unsigned int level;		/* 1: 4 KiB, 2: 2 or 4 MiB, 3: 1 GiB */
	u64 pte_gpa;			/* the last entry touched (on -errno) */
};

/* Guest page-table accesses of a walk: 0 or -errno. */
struct duet_pte_ops {
	int (*read_pte)(void *opaque, u64 gpa, u64 *val, unsigned int size);
	/* Replace @old with @new; -EAGAIN if the entry is no longer @old. */
	int (*cmpxchg_pte)(void *opaque, u64 gpa, u64 old, u64 new,
			   unsigned int size);
};

/* gmem/access.c: the entries of the guest's own tables; opaque: the VM. */
extern const struct duet_pte_ops duet_gpa_pte_ops;

bool duet_walk_canonical(const struct duet_walk_mode *m, u64 la);
int __duet_walk(const struct duet_walk_mode *m, const struct duet_pte_ops *ops,
		void *opaque, u64 gva, u32 access, struct duet_walk_result *res);
int duet_walk(struct duet_vm *vm, const struct duet_walk_mode *m, u64 gva,
	      u32 access, struct duet_walk_result *res);

/*
 * gmem/read.c: fault-protected reads of guest memory.
 *
 * Every read names its fault policy in a struct duet_gmem_ctx.  A read
 * copies up to @len bytes through the VMM's mapping of each memory slot
 * with the exception-table protected user-access primitives, page by page
 * of linear addresses for a read by guest-virtual address, and stops at
 * the first fault.  It returns 0 (all read) or the fault's -errno, and in
 * *@done the bytes read before it.  With the fault in ctx->fault:
 *
 *  DUET_GMEM_REPORT   return it;
 *  DUET_GMEM_HANDLER  call ctx->handler(ctx->opaque, fault) once, then
 *                     return it;
 *  DUET_GMEM_FORWARD  return what ctx->forward(ctx->opaque, fault) returns
 *                     (e.g. svm_gmem_forward(), which injects #PF/#GP).
 *
 * Errors (and fault kinds): -EFAULT for a guest #PF (DUET_MEM_FAULT_PF,
 * error code and CR2 = addr) or #GP (DUET_MEM_FAULT_GP, non-canonical
 * address) and for a VMM mapping that is gone or PROT_NONE
 * (DUET_MEM_FAULT_HOST); -ENOENT when no slot backs a byte or a
 * paging-structure entry (DUET_MEM_FAULT_NO_SLOT); -ESRCH when the VM's
 * process is gone (DUET_MEM_FAULT_NO_MM); -ETIMEDOUT or -EINTR when a read
 * from another mm (below) did not finish in time (DUET_MEM_FAULT_HOST);
 * -EAGAIN when the guest kept changing an entry under an A/D update.
 *
 * Any context that may sleep can read: from the VM's own mm the copy runs
 * right there; from another one (a netlink request of another process, a
 * kernel worker) it runs in a worker that adopts the VM's mm for the
 * read, and the caller waits for it with a bound.
 */
enum duet_gmem_policy {
	DUET_GMEM_REPORT,
	DUET_GMEM_HANDLER,
	DUET_GMEM_FORWARD,
};

struct duet_gmem_fault {
	enum duet_mem_fault kind;	/* DUET_MEM_FAULT_NONE: no fault */
	int err;			/* the -errno it turns into */
	u64 addr;			/* linear (gva reads) or guest-physical */
	u64 gpa;			/* the byte, slot or entry that failed */
	u32 error_code;			/* #PF error code; 0 for #GP */
};

struct duet_gmem_ctx {
	enum duet_gmem_policy policy;
	void (*handler)(void *opaque, const struct duet_gmem_fault *f);
	int (*forward)(void *opaque, const struct duet_gmem_fault *f);
	void *opaque;
	struct duet_gmem_fault fault;	/* out: the fault, if any */
};

/* The copy and page-table accesses a read goes through (fakes in KUnit). */
struct duet_gmem_ops {
	/*
	 * Copy up to @len bytes at @gpa, at least one when it returns 0 (it
	 * may stop at the end of a slot); *@done: bytes copied, also on error.
	 */
	int (*read)(void *opaque, u64 gpa, void *buf, u64 len, u64 *done);
	const struct duet_pte_ops *pte;
};

/* A translation with every paging-structure entry read, top level first. */
struct duet_gmem_walk {
	u64 gpa;
	unsigned int level;
	unsigned int nr;		/* entries read */
	unsigned int top;		/* level of entry[0] */
	u64 entry_gpa[5];
	u64 entry[5];
	struct duet_gmem_fault fault;
};

int duet_gmem_init(void);
void duet_gmem_exit(void);
int duet_gmem_read_gpa(struct duet_vm *vm, u64 gpa, void *buf, u64 len,
		       struct duet_gmem_ctx *ctx, u64 *done);
int duet_gmem_read_gva(struct duet_vm *vm, const struct duet_walk_mode *m,
		       u64 gva, u32 access, void *buf, u64 len,
		       struct duet_gmem_ctx *ctx, u64 *done);
int duet_gmem_translate(struct duet_vm *vm, const struct duet_walk_mode *m,
			u64 gva, u32 access, struct duet_gmem_walk *w);
int duet_gmem_read_desc(struct duet_vm *vm, const struct duet_walk_mode *m,
			u64 base, u32 limit, u64 offset, u32 size,
			u32 error_code, u32 access, void *desc,
			struct duet_gmem_ctx *ctx);
void duet_walk_mode_cpuid(const struct duet_cpuid_table *t,
			  struct duet_walk_mode *m);
void duet_vcpu_publish_paging(struct duet_vcpu *vcpu,
			      const struct duet_vcpu_paging *p);
int duet_vcpu_walk_mode(struct duet_vm *vm, u32 id, struct duet_walk_mode *m,
			u8 *cpl);
#ifdef DUET_KUNIT
int __duet_gmem_read(const struct duet_gmem_ops *ops, void *opaque,
		     const struct duet_walk_mode *m, u64 addr, u32 access,
		     void *buf, u64 len, struct duet_gmem_ctx *ctx, u64 *done);
int __duet_gmem_read_desc(const struct duet_gmem_ops *ops, void *opaque,
			  const struct duet_walk_mode *m, u64 base, u32 limit,
			  u64 offset, u32 size, u32 error_code, u32 access,
			  void *desc, struct duet_gmem_ctx *ctx);
#endif

/*
 * pio.c: string port I/O (INS/OUTS) for both backends.  The backend fills
 * a struct duet_pio_exit from its exit: port, size, in, rep, then
 * duet_pio_begin(), the walk mode, what the exit says of the address size
 * (ea_mask, 0 if unknown) and effective segment (seg, -1 if unknown), the
 * prefixes for the rest (duet_pio_fetch(), duet_pio_use_prefixes()), and
 * the segment itself (s).
 */
#define DUET_PIO_RESUME		1	/* resume the guest as it is */

/* A segment register: @attrib in the packed VMCB form (struct duet_segment). */
struct duet_pio_seg {
	u64 base;
	u32 limit;
	u16 attrib;
};

/* INS/OUTS as duet_pio_scan() decodes its bytes. */
struct duet_pio_insn {
	int seg;			/* DUET_X86_SEG_* override, or -1 */
	bool addr_size;			/* 67h */
	bool op_size;			/* 66h */
	bool rep;			/* F3h or F2h */
	u8 rex;				/* 64-bit mode: REX before the opcode */
	u8 opcode;			/* 6Ch-6Fh */
	u8 len;				/* bytes up to the opcode included */
};

/* One string I/O exit being handled. */
struct duet_pio_exit {
	/* From the exit and the guest's state (the backend). */
	u16 port;
	bool in, rep, down, mode64;
	bool checked;			/* protected mode: segment type checks */
	u32 size;			/* element size: 1, 2 or 4 */
	u32 access;			/* walk access type */
	u64 ea_mask;			/* address size; 0: not known yet */
	int seg;			/* DUET_X86_SEG_*; -1: not known yet */
	struct duet_pio_seg s;		/* that segment */
	struct duet_walk_mode mode;
	/* Out: what the backend does to the guest. */
	int vector;			/* exception to raise, or -1 */
	u32 error_code;
	u64 cr2;			/* #PF: its address */
	bool skip;			/* RIP past the instruction */
	u64 bad_gpa;			/* what was not RAM (-ENOENT/-EPERM) */
	/* This batch. */
	u64 ea;				/* first element: effective address */
	u64 la;				/* and linear address */
	u64 room;			/* bytes the segment allows that way */
	struct duet_pio_string mem;	/* in guest memory */
};

void duet_pio_begin(struct duet_pio_exit *io, bool mode64, u64 cr0,
		    u64 rflags, u8 cpl);
int duet_pio_fetch(struct duet_vcpu *vcpu, struct duet_pio_exit *io, u64 la,
		   u64 len, int (*forward)(void *opaque,
					   const struct duet_gmem_fault *f),
		   struct duet_pio_insn *p);
void duet_pio_use_prefixes(struct duet_pio_exit *io,
			   const struct duet_pio_insn *p, bool cs_db);
int duet_pio_string(struct duet_vcpu *vcpu, struct duet_pio_exit *io,
		    unsigned long *regs);
int duet_pio_end(struct duet_vcpu *vcpu, const struct duet_pio_exit *io,
		 int r);
#ifdef DUET_KUNIT
int duet_pio_scan(const u8 *insn, unsigned int len, bool mode64,
		  struct duet_pio_insn *p);
u32 duet_pio_batch(u64 left, u64 ea, u64 ea_mask, unsigned int page_off,
		   u32 size, bool down, u64 room);
u64 duet_pio_seg_room(const struct duet_pio_seg *s, u64 ea, u32 size,
		      bool down, bool write, bool checked);
#endif

/* dev.c */
int duet_dev_init(void);
void duet_dev_exit(void);

/* nl/netlink.c */
int duet_nl_init(void);
void duet_nl_exit(void);
void duet_nl_notify_vm(struct duet_vm *vm, bool created);

/* svm/dr.c: the checks of MOV to and from DRn, shared with vmx/dr.c. */
/* What MOV to or from DRn does before it has any effect. */
enum svm_dr_fault {
	SVM_DR_OK = 0,
	SVM_DR_UD,			/* DR4/DR5 with CR4.DE set */
	SVM_DR_GP,			/* CPL > 0, or DR6/DR7 bits 63:32 set */
	SVM_DR_DB,			/* DR7.GD set: general detect */
};

enum svm_dr_fault duet_svm_dr_check(unsigned int dr, bool write, u64 cr4,
				    u8 cpl, u64 dr7, u64 val,
				    unsigned int *eff);
#define DUET_DR6_BD		BIT_ULL(13)	/* general detect hit */
#define DUET_DR6_BS		BIT_ULL(14)	/* single step */
#define DUET_DR6_VOLATILE	0xe00fULL	/* B0-B3, BD, BS, BT */
#define DUET_DR6_FIXED_1	0xffff0ff0ULL	/* reads as 1 */
#define DUET_DR7_GD		BIT_ULL(13)	/* general detect enable */
#define DUET_DR7_VOLATILE	0xffff2bffULL	/* L0-G3, LE/GE, RTM, GD, RW/LEN */
#define DUET_DR7_FIXED_1	0x400ULL	/* reads as 1 */

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

/*
 * x86/decode.c: duet_x86_decode(), duet_x86_insn_ea(), duet_x86_kind_name(),
 * declared in x86/decode.h, which the userspace tests build too.
 */

#endif /* DUET_H */
