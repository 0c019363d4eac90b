/* SPDX-License-Identifier: GPL-2.0 */
/*
 * SVM backend internals shared by the files of svm/.
 */
#ifndef DUET_SVM_VCPU_H
#define DUET_SVM_VCPU_H

#include <asm/apicdef.h>
#include <asm/msr-index.h>

#include "../duet.h"
#include "../mmu/npt.h"
#include "vmcb.h"
#include "../x86/emulate.h"

/* Guest GPRs kept by software; RAX, RSP and RIP live in the VMCB. */
enum {
	VCPU_REGS_RAX, VCPU_REGS_RCX, VCPU_REGS_RDX, VCPU_REGS_RBX,
	VCPU_REGS_RSP, VCPU_REGS_RBP, VCPU_REGS_RSI, VCPU_REGS_RDI,
	VCPU_REGS_R8, VCPU_REGS_R9, VCPU_REGS_R10, VCPU_REGS_R11,
	VCPU_REGS_R12, VCPU_REGS_R13, VCPU_REGS_R14, VCPU_REGS_R15,
	NR_VCPU_REGS,
};

struct svm_vm {
	struct duet_npt npt;
	/* Bumped when nested mappings go away; vCPUs flush on a change. */
	atomic_t tlb_gen;
	void *msrpm;			/* shared by the VM's vCPUs */
};

/*
 * A vCPU's ASID and the nested mappings its TLB entries were last flushed
 * for; updated by duet_svm_flush_decide() (flush.c).
 */
struct svm_vcpu_asid {
	u32 asid;			/* 0: none yet */
	int cpu;			/* CPU the ASID belongs to, or -1 */
	u64 generation;			/* that CPU's generation when given */
	int tlb_gen;			/* svm_vm.tlb_gen last flushed for */
};

/* One CPU's ASID allocator (flush.c); svm.c keeps one a CPU. */
struct svm_cpu_asids {
	u32 next;			/* next ASID to give; 0: none given yet */
	u64 generation;
	/* A generation started and no VMRUN on this CPU has flushed yet. */
	bool flush_all_pending;
};

struct vcpu_svm {
	struct duet_vcpu vcpu;
	struct vmcb *vmcb;
	u64 vmcb_pa;
	unsigned long regs[NR_VCPU_REGS];
	struct svm_vcpu_asid asid;
	/*
	 * IA32_SPEC_CTRL while the guest runs (vmenter.S swaps it when the
	 * host has the MSR).  Always 0 for now: the guest cannot write it
	 * (RDMSR/WRMSR of it take the unemulated-MSR path).
	 */
	u64 spec_ctrl;
	int pending_irq;		/* vector waiting for a window, or -1 */
	bool pending_nmi;		/* an NMI waits to be injected */
	/* NMI blocking without vNMI (nmi.c). */
	bool nmi_masked;		/* an injected NMI is in service */
	bool awaiting_iret;		/* its IRET was intercepted ... */
	u64 iret_rip;			/* ... at this RIP, maybe not done yet */
	bool nmi_singlestep;		/* TF set by duet to see the IRET end */
	bool bt_singlestep;		/* ... or for a BT step (bt.c) */
	u64 singlestep_rflags;		/* the guest's own TF and RF then */
	u64 singlestep_dr6;		/* and its DR6 */
	/*
	 * The guest's DR0-DR3 and DR7 as it last wrote them (dr.c); the
	 * hardware never sees them: the VMCB's DR7 stays 0x400.
	 */
	u64 db[4];
	u64 dr7;
	/* The MMIO instruction being emulated (mmio.c), and its NPF's exit_info_1. */
	struct duet_emu_ctxt emu;
	u64 mmio_fault_info;
};

/* EFER bits a guest may set: SCE, LME, LMA, NXE (SVME is duet's). */
#define SVM_GUEST_EFER_BITS	(EFER_SCE | EFER_LME | EFER_LMA | EFER_NX)

/* The APIC base a vCPU reports: enabled at the default address, BSP = 0. */
static inline u64 svm_apic_base(const struct duet_vcpu *vcpu)
{
	return APIC_DEFAULT_PHYS_BASE | MSR_IA32_APICBASE_ENABLE |
	       (vcpu->id == 0 ? MSR_IA32_APICBASE_BSP : 0);
}

static inline struct vcpu_svm *to_svm(struct duet_vcpu *vcpu)
{
	return container_of(vcpu, struct vcpu_svm, vcpu);
}

static inline struct svm_vm *to_svm_vm(struct duet_vm *vm)
{
	return vm->arch;
}

/* svm.c */
u64 svm_iopm_pa(void);
struct svm_cpu_asids *svm_cpu_asids(int cpu);
u64 svm_host_save_pa(int cpu);

/* flush.c */
u8 duet_svm_flush_decide(struct svm_vcpu_asid *v, struct svm_cpu_asids *c,
			 int cpu, int tlb_gen, u32 nr_asids,
			 bool flush_by_asid);
void duet_svm_flush_entered(struct svm_vcpu_asid *v, struct svm_cpu_asids *c,
			    bool entered);

/* rip.c */
unsigned int duet_svm_insn_len(u64 exit_code);
int duet_svm_next_rip(u64 exit_code, u64 rip, u64 next_rip, u64 exit_info_2,
		      bool nrip_save, u64 *new_rip);
u64 duet_svm_next_rip_decoded(u64 rip, u64 next_rip, bool nrip_save,
			      unsigned int len, bool mode64);

/* nmi.c */
void svm_start_singlestep(struct vcpu_svm *svm);
void svm_stop_singlestep(struct vcpu_svm *svm);
void svm_step_event(struct vcpu_svm *svm);
void svm_nmi_prepare(struct vcpu_svm *svm);
void svm_nmi_after_exit(struct vcpu_svm *svm);
u64 svm_get_rflags(struct vcpu_svm *svm);
void svm_set_rflags(struct vcpu_svm *svm, u64 rflags);
int iret_interception(struct vcpu_svm *svm);
int db_interception(struct vcpu_svm *svm);

/* svm_vcpu.c */
struct duet_vcpu *svm_vcpu_create(struct duet_vm *vm);
void svm_vcpu_free(struct duet_vcpu *vcpu);
int svm_vcpu_run(struct duet_vcpu *vcpu);
void svm_get_regs(struct duet_vcpu *vcpu, struct duet_regs *regs);
void svm_set_regs(struct duet_vcpu *vcpu, const struct duet_regs *regs);
void svm_get_sregs(struct duet_vcpu *vcpu, struct duet_sregs *sregs);
int svm_set_sregs(struct duet_vcpu *vcpu, const struct duet_sregs *sregs);
int svm_inject_event(struct duet_vcpu *vcpu, const struct duet_event *ev);
void svm_report_interruptibility(struct vcpu_svm *svm);
int svm_vm_init(struct duet_vm *vm);
void svm_vm_destroy(struct duet_vm *vm);
void svm_vm_unmap_range(struct duet_vm *vm, u64 gfn, u64 npages);

/* exits.c */
int svm_handle_exit(struct vcpu_svm *svm);
bool svm_skip_insn(struct vcpu_svm *svm);
void svm_skip_decoded(struct vcpu_svm *svm, unsigned int len, bool mode64);
int svm_internal_error(struct vcpu_svm *svm, u32 suberror);
int svm_skip_failed(struct vcpu_svm *svm);
int svm_npf_map(struct vcpu_svm *svm, u64 gpa, bool write, bool fetch,
		bool *mmio);
void svm_inject_gp(struct vcpu_svm *svm);

/* msr.c */
#define SVM_MSRPM_ORDER		1	/* APM: the MSR permission map is 8 KiB */
void svm_msrpm_init(void *msrpm);
unsigned int svm_msr_index_list(u32 *indices, unsigned int max);
int svm_get_msr(struct duet_vcpu *vcpu, u32 index, u64 *data);
int svm_set_msr(struct duet_vcpu *vcpu, u32 index, u64 data,
		bool host_initiated);
void svm_complete_msr(struct duet_vcpu *vcpu, bool write, u64 data, bool gp);
int msr_interception(struct vcpu_svm *svm);

/* io.c */
int io_interception(struct vcpu_svm *svm);
#ifdef DUET_KUNIT
void svm_io_info(u32 info, bool decode_assists, struct duet_pio_exit *io);
#endif

/* gva.c */
void svm_walk_mode(struct vcpu_svm *svm, struct duet_walk_mode *m);

/* mmio.c */
int svm_mmio_npf(struct vcpu_svm *svm);
void svm_emu_load(struct vcpu_svm *svm, struct duet_emu_regs *regs);
void svm_emu_store(struct vcpu_svm *svm, const struct duet_emu_regs *regs);
int svm_fetch_insn(struct vcpu_svm *svm);
void svm_emu_failed(struct vcpu_svm *svm);
int svm_complete_mmio(struct duet_vcpu *vcpu, u64 data);

/* dr.c */
int dr_interception(struct vcpu_svm *svm);
#ifdef DUET_KUNIT
int duet_svm_dr_parse(const u8 *bytes, unsigned int len, bool mode64,
		      unsigned int dr, bool write, unsigned int *gpr,
		      unsigned int *insn_len);
#endif

/* inject.c */
void svm_inject_exception(struct vcpu_svm *svm, unsigned int vector,
			  u32 error_code);
/* A DUET_GMEM_FORWARD handler; @opaque is the vCPU. */
int svm_gmem_forward(void *opaque, const struct duet_gmem_fault *f);

/* bt.c */
void svm_bt_get_state(struct duet_vcpu *vcpu, struct duet_bt_state *st);
void svm_bt_set_state(struct duet_vcpu *vcpu, const struct duet_bt_state *st);
void svm_bt_inject(struct duet_vcpu *vcpu, const struct duet_bt_fault *f);
void svm_bt_step_sync(struct vcpu_svm *svm);
void svm_bt_step_prepare(struct vcpu_svm *svm);
bool svm_bt_step_trap(struct vcpu_svm *svm);

/* vmenter.S */
void __svm_vcpu_run(u64 vmcb_pa, unsigned long *regs, u64 host_save_pa,
		    u64 spec_ctrl);

#endif /* DUET_SVM_VCPU_H */
