/* SPDX-License-Identifier: GPL-2.0 */
/*
 * VMX backend internals shared by the files of vmx/.
 */
#ifndef DUET_VMX_VCPU_H
#define DUET_VMX_VCPU_H

#include <linux/list.h>
#include <linux/preempt.h>
#include <asm/apicdef.h>
#include <asm/asm.h>
#include <asm/msr-index.h>

#include "../duet.h"
#include "../mmu/npt.h"
#include "../x86/emulate.h"
#include "vmcs.h"

/* Guest GPRs kept by software; RSP and RIP live in the VMCS. */
enum {
	VMX_REG_RAX, VMX_REG_RCX, VMX_REG_RDX, VMX_REG_RBX,
	VMX_REG_RSP, VMX_REG_RBP, VMX_REG_RSI, VMX_REG_RDI,
	VMX_REG_R8, VMX_REG_R9, VMX_REG_R10, VMX_REG_R11,
	VMX_REG_R12, VMX_REG_R13, VMX_REG_R14, VMX_REG_R15,
	VMX_NR_REGS,
};

/*
 * VMX controls and fixed bits of this machine, computed once from the
 * capability MSRs at module load (vmx.c): what duet wants, with every bit
 * the CPU requires set and every bit it cannot do cleared.
 */
struct vmx_config {
	u32 revision_id;
	u32 pin, proc, proc2, exit, entry;
	u64 cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;
	bool invvpid_single;		/* INVVPID single-context */
	bool invvpid_all;
	bool invept_single;		/* INVEPT single-context */
	u32 preemption_timer;		/* its value for one host tick, or 0 */
	bool io_insn_info;		/* INS/OUTS exits report address size, segment */
	bool mtf;			/* the monitor trap flag may be set */
};

extern struct vmx_config vmx_config;

struct vmx_vm {
	struct duet_npt ept;
	u64 eptp;
	/* Bumped when EPT mappings go away; vCPUs INVEPT on a change. */
	atomic_t ept_gen;
	void *msr_bitmap;		/* 4 KiB, shared by the VM's vCPUs */
};

/*
 * What the TLBs of the CPU a vCPU enters on may hold that is stale for it
 * (flush.c decides what to invalidate from it).
 */
struct vmx_flush {
	int ept_gen;			/* vmx_vm.ept_gen last flushed for */
	bool new_cpu;			/* VMCS made active on this CPU */
	bool flush_vpid;		/* guest paging changed behind the CPU */
};

/* What duet_vmx_flush_decide() asks for before an entry. */
#define VMX_FLUSH_EPT		BIT(0)	/* INVEPT of the VM's EPTP */
#define VMX_FLUSH_VPID		BIT(1)	/* INVVPID of the vCPU's VPID */

/*
 * A VMCS and where it is active (SDM "VMCS Life Cycle"): VMPTRLD makes it
 * current and active on one CPU; before it can run on another it must be
 * VMCLEARed on the first, which also resets it to "clear" so that the
 * next entry is a VMLAUNCH.
 */
struct vcpu_vmx {
	struct duet_vcpu vcpu;
	void *vmcs;
	u64 vmcs_pa;
	int loaded_cpu;			/* CPU it is active on, or -1 */
	bool launched;			/* VMLAUNCHed since the last VMCLEAR */
	struct list_head loaded_link;	/* on vmx_loaded of loaded_cpu */
	/* Keeps the VMCS current across sleeps of exit handlers. */
	struct preempt_notifier pn;
	unsigned long regs[VMX_NR_REGS];
	u16 vpid;			/* 0: none (VPID off) */
	struct vmx_flush flush;
	/* The last exit, read once after it. */
	u32 exit_reason;
	u64 exit_qual;
	u32 exit_intr_info;
	u32 idt_vectoring;
	u32 insn_len;
	/* Events waiting for the guest. */
	int pending_irq;		/* vector waiting for a window, or -1 */
	bool pending_nmi;
	/*
	 * The syscall MSRs VMX does not switch: the guest's values, loaded
	 * around the run loop (vmx_vcpu.c), and passed through while it runs.
	 */
	u64 star, lstar, cstar, sfmask, kernel_gs_base;
	u64 tsc_offset;
	/* VMX does not switch CR2: the guest's, swapped around each entry. */
	u64 cr2;
	/* The guest's DR0-DR3 and DR7 as it last wrote them (dr.c). */
	u64 db[4];
	u64 dr7;
	u64 dr6;
	/* The MMIO instruction being emulated (mmio.c). */
	struct duet_emu_ctxt emu;
	u64 mmio_gpa;
	u64 mmio_qual;			/* its EPT violation's qualification */
	u64 cr8;			/* the guest's TPR: no APIC reads it */
	/*
	 * A BT step without the monitor trap flag (bt.c): RFLAGS.TF set by
	 * duet with #DB intercepted; the guest's own TF kept apart.
	 */
	bool tf_step;
	bool tf_guest;
};

/* EFER bits a guest may set: SCE, LME, LMA, NXE. */
#define VMX_GUEST_EFER_BITS	(EFER_SCE | EFER_LME | EFER_LMA | EFER_NX)

static inline struct vcpu_vmx *to_vmx(struct duet_vcpu *vcpu)
{
	return container_of(vcpu, struct vcpu_vmx, vcpu);
}

static inline struct vmx_vm *to_vmx_vm(struct duet_vm *vm)
{
	return vm->arch;
}

/* The APIC base a vCPU reports: enabled at the default address, BSP = 0. */
static inline u64 vmx_apic_base(const struct duet_vcpu *vcpu)
{
	return APIC_DEFAULT_PHYS_BASE | MSR_IA32_APICBASE_ENABLE |
	       (vcpu->id == 0 ? MSR_IA32_APICBASE_BSP : 0);
}

/*
 * VMREAD/VMWRITE of the current VMCS.  They fail only for a field the CPU
 * does not have or with no current VMCS: duet bugs, not guest input.
 * Report them once rather than crash.  A fault (VMX off) lands on the
 * same failure branch: STC makes it taken, as VMfailInvalid would.
 */
void vmx_vmcs_error(const char *insn, unsigned long field,
		    unsigned long value);

static __always_inline unsigned long vmcs_read(unsigned long field)
{
	unsigned long value;

	asm goto("stc\n\t"
		 "1: vmread %[field], %[value]\n\t"
		 "2: jna %l[fail]\n\t"
		 _ASM_EXTABLE(1b, 2b)
		 : [value] "=rm"(value) : [field] "r"(field) : "cc" : fail);
	return value;
fail:
	vmx_vmcs_error("vmread", field, 0);
	return 0;
}

static __always_inline void vmcs_write(unsigned long field,
				       unsigned long value)
{
	asm goto("stc\n\t"
		 "1: vmwrite %[value], %[field]\n\t"
		 "2: jna %l[fail]\n\t"
		 _ASM_EXTABLE(1b, 2b)
		 : : [field] "r"(field), [value] "rm"(value) : "cc" : fail);
	return;
fail:
	vmx_vmcs_error("vmwrite", field, value);
}

static inline void vmcs_set_bits(unsigned long field, u32 bits)
{
	vmcs_write(field, vmcs_read(field) | bits);
}

static inline void vmcs_clear_bits(unsigned long field, u32 bits)
{
	vmcs_write(field, vmcs_read(field) & ~bits);
}

/* vmx.c */
extern struct preempt_ops vmx_preempt_ops;
int vmx_vpid_alloc(void);
void vmx_vpid_free(u16 vpid);
void vmx_vmcs_load(struct vcpu_vmx *vmx);
void vmx_vmcs_clear(struct vcpu_vmx *vmx);
void vmx_invept(u64 eptp);
void vmx_invvpid(u16 vpid);
#ifdef DUET_KUNIT
int duet_vmx_adjust_ctls(u64 cap, u32 want, u32 need, u32 *out);
#endif

/* flush.c */
unsigned int duet_vmx_flush_decide(struct vmx_flush *f, int ept_gen,
				   u16 vpid);

/* vmx_vcpu.c */
void vmx_get_sleepable(struct vcpu_vmx *vmx);
void vmx_put_sleepable(struct vcpu_vmx *vmx);
int vmx_vm_init(struct duet_vm *vm);
void vmx_vm_destroy(struct duet_vm *vm);
void vmx_vm_unmap_range(struct duet_vm *vm, u64 gfn, u64 npages);
struct duet_vcpu *vmx_vcpu_create(struct duet_vm *vm);
void vmx_vcpu_free(struct duet_vcpu *vcpu);
int vmx_vcpu_run(struct duet_vcpu *vcpu);
void vmx_get_regs(struct duet_vcpu *vcpu, struct duet_regs *regs);
void vmx_set_regs(struct duet_vcpu *vcpu, const struct duet_regs *regs);
void vmx_get_sregs(struct duet_vcpu *vcpu, struct duet_sregs *sregs);
int vmx_set_sregs(struct duet_vcpu *vcpu, const struct duet_sregs *sregs);
int vmx_inject_event(struct duet_vcpu *vcpu, const struct duet_event *ev);
u64 vmx_get_rflags(struct vcpu_vmx *vmx);
void vmx_set_efer(struct vcpu_vmx *vmx, u64 efer);
u8 vmx_get_cpl(struct vcpu_vmx *vmx);
void vmx_publish_paging(struct vcpu_vmx *vmx);
void vmx_report_interruptibility(struct vcpu_vmx *vmx);
#ifdef DUET_KUNIT
u32 duet_vmx_ar_from_user(u32 attrib, bool always_usable);
u16 duet_vmx_ar_to_user(u32 ar);
#endif

/* checks.c */
u64 vmx_check_guest_state(struct vcpu_vmx *vmx);

/* exits.c */
int vmx_handle_exit(struct vcpu_vmx *vmx);
void vmx_skip_insn(struct vcpu_vmx *vmx);
int vmx_internal_error(struct vcpu_vmx *vmx, u32 suberror);
void vmx_inject_exception(struct vcpu_vmx *vmx, unsigned int vector,
			  u32 error_code, bool has_error);
void vmx_inject_gp(struct vcpu_vmx *vmx);
int vmx_gmem_forward(void *opaque, const struct duet_gmem_fault *f);
void vmx_walk_mode(struct vcpu_vmx *vmx, struct duet_walk_mode *m);

/* cr.c */
u64 vmx_guest_cr0(void);
u64 vmx_guest_cr4(void);
u64 vmx_cr0_mask(void);
u64 vmx_cr4_mask(void);
u64 vmx_cr0_hw(u64 guest_cr0);
u64 vmx_cr4_hw(u64 guest_cr4);
int vmx_set_cr0(struct vcpu_vmx *vmx, u64 cr0);
int vmx_set_cr4(struct vcpu_vmx *vmx, u64 cr4);
int vmx_load_pdptrs(struct vcpu_vmx *vmx);
int handle_cr(struct vcpu_vmx *vmx);
#ifdef DUET_KUNIT
u64 duet_vmx_cr0_mask(u64 fixed0, u64 fixed1);
u64 duet_vmx_cr4_mask(u64 fixed0, u64 fixed1);
u64 duet_vmx_cr0_hw(u64 guest_cr0, u64 fixed0);
u64 duet_vmx_cr4_hw(u64 guest_cr4, u64 fixed0);
#endif

/* msr.c */
void vmx_msr_bitmap_init(void *bitmap);
unsigned int vmx_msr_index_list(u32 *indices, unsigned int max);
int vmx_get_msr(struct duet_vcpu *vcpu, u32 index, u64 *data);
int vmx_set_msr(struct duet_vcpu *vcpu, u32 index, u64 data,
		bool host_initiated);
void vmx_complete_msr(struct duet_vcpu *vcpu, bool write, u64 data, bool gp);
int handle_rdmsr(struct vcpu_vmx *vmx);
int handle_wrmsr(struct vcpu_vmx *vmx);

/* io.c */
int handle_io(struct vcpu_vmx *vmx);
int vmx_io_string(struct vcpu_vmx *vmx);
#ifdef DUET_KUNIT
void vmx_io_info(u32 info, bool valid, struct duet_pio_exit *io);
#endif

/* mmio.c */
int vmx_mmio_ept(struct vcpu_vmx *vmx, u64 gpa);
void vmx_emu_load(struct vcpu_vmx *vmx, struct duet_emu_regs *regs);
void vmx_emu_store(struct vcpu_vmx *vmx, const struct duet_emu_regs *regs);
int vmx_complete_mmio(struct duet_vcpu *vcpu, u64 data);

/* dr.c */
int handle_dr(struct vcpu_vmx *vmx);

/* bt.c */
void vmx_bt_get_state(struct duet_vcpu *vcpu, struct duet_bt_state *st);
void vmx_bt_set_state(struct duet_vcpu *vcpu, const struct duet_bt_state *st);
void vmx_bt_inject(struct duet_vcpu *vcpu, const struct duet_bt_fault *f);
void vmx_bt_step_prepare(struct vcpu_vmx *vmx);
void vmx_bt_step_sync(struct vcpu_vmx *vmx);
bool vmx_bt_step_trap(struct vcpu_vmx *vmx);

/* vmenter.S */
bool __vmx_vcpu_run(unsigned long *regs, bool launched, u64 spec_ctrl);
void vmx_vmexit(void);
void vmx_call_host_handler(unsigned long entry);

#endif /* DUET_VMX_VCPU_H */
