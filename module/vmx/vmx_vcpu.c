// SPDX-License-Identifier: GPL-2.0
/*
 * VMX vCPUs and VMs: VMCS set-up, guest register state, the EPT root, and
 * the run loop.
 *
 * Every VMCS access needs the VMCS current on this CPU: the ioctls that
 * read or write guest state take vmx_get() / vmx_put() around it
 * (preemption off), the run loop keeps it across its entries.
 */
#include <linux/io.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <asm/debugreg.h>
#include <asm/desc.h>
#ifdef DUET_HAVE_GSSEG
#include <asm/gsseg.h>		/* load_gs_index(), since 6.2 */
#endif
#include <asm/msr.h>
#include <asm/processor.h>
#include <asm/segment.h>
#include <asm/tlbflush.h>
#include <asm/trapnr.h>

#include "vmx_vcpu.h"
#include "../trace.h"

static void vmx_get(struct vcpu_vmx *vmx)
{
	preempt_disable();
	vmx_vmcs_load(vmx);
}

static void vmx_put(void)
{
	preempt_enable();
}

/*
 * For code that reads guest memory or takes locks between VMCS accesses
 * (exit handlers left for after the run loop, MMIO completion): the VMCS
 * follows the thread to whatever CPU it runs on after a sleep, made
 * current again by vmx_preempt_ops' sched_in.
 */
void vmx_get_sleepable(struct vcpu_vmx *vmx)
{
	preempt_disable();
	vmx_vmcs_load(vmx);
	preempt_notifier_register(&vmx->pn);
	preempt_enable();
}

void vmx_put_sleepable(struct vcpu_vmx *vmx)
{
	preempt_disable();
	preempt_notifier_unregister(&vmx->pn);
	preempt_enable();
}

int vmx_vm_init(struct duet_vm *vm)
{
	struct vmx_vm *vmx_vm;
	int r;

	vmx_vm = kzalloc(sizeof(*vmx_vm), GFP_KERNEL_ACCOUNT);
	if (!vmx_vm)
		return -ENOMEM;
	r = duet_npt_init(&vmx_vm->ept, 4, DUET_NPT_EPT);
	if (r)
		goto err_free_vm;
	vmx_vm->eptp = __pa(vmx_vm->ept.root) | EPTP_MEMTYPE_WB | EPTP_WALK_4;

	r = -ENOMEM;
	vmx_vm->msr_bitmap = (void *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
	if (!vmx_vm->msr_bitmap)
		goto err_destroy_ept;
	vmx_msr_bitmap_init(vmx_vm->msr_bitmap);

	vm->arch = vmx_vm;
	vm->npt = &vmx_vm->ept;
	return 0;

err_destroy_ept:
	duet_npt_destroy(&vmx_vm->ept);
err_free_vm:
	kfree(vmx_vm);
	return r;
}

void vmx_vm_destroy(struct duet_vm *vm)
{
	struct vmx_vm *vmx_vm = to_vmx_vm(vm);

	free_page((unsigned long)vmx_vm->msr_bitmap);
	duet_npt_destroy(&vmx_vm->ept);
	kfree(vmx_vm);
	vm->arch = NULL;
	vm->npt = NULL;
}

/*
 * Unmap a range and make sure no vCPU can use a stale translation of it
 * before the caller unpins the pages: bump ept_gen (every entry compares
 * it after publishing IN_GUEST_MODE, and INVEPTs on a change) and wait
 * for the vCPUs now in guest mode to exit.
 */
void vmx_vm_unmap_range(struct duet_vm *vm, u64 gfn, u64 npages)
{
	struct vmx_vm *vmx_vm = to_vmx_vm(vm);

	lockdep_assert_held(&vm->mmu_lock);
	if (!duet_npt_unmap_range(&vmx_vm->ept, gfn << PAGE_SHIFT,
				  npages << PAGE_SHIFT))
		return;

	atomic_inc(&vmx_vm->ept_gen);
	/* Pairs with smp_store_mb() of vcpu->mode in vmx_enter_guest(). */
	smp_mb__after_atomic();
	duet_vm_kick_guest_mode(vm);
}

static void vmx_set_seg(int seg, u16 sel, u32 ar, u32 limit, u64 base)
{
	vmcs_write(VMCS_SEG_SEL(seg), sel);
	vmcs_write(VMCS_SEG_AR(seg), ar);
	vmcs_write(VMCS_SEG_LIMIT(seg), limit);
	vmcs_write(VMCS_SEG_BASE(seg), base);
}

/* The x86 reset state (SDM "Initialization Overview"). */
static void vmx_init_guest_state(void)
{
	int seg;

	for (seg = VMX_SEG_ES; seg <= VMX_SEG_GS; seg++)
		vmx_set_seg(seg, 0, 0x93, 0xffff, 0);
	vmx_set_seg(VMX_SEG_CS, 0xf000, 0x9b, 0xffff, 0xffff0000);
	vmx_set_seg(VMX_SEG_LDTR, 0, 0x82, 0xffff, 0);
	vmx_set_seg(VMX_SEG_TR, 0, 0x8b, 0xffff, 0);
	vmcs_write(VMCS_GUEST_GDTR_BASE, 0);
	vmcs_write(VMCS_GUEST_GDTR_LIMIT, 0xffff);
	vmcs_write(VMCS_GUEST_IDTR_BASE, 0);
	vmcs_write(VMCS_GUEST_IDTR_LIMIT, 0xffff);

	vmcs_write(VMCS_CR0_SHADOW, X86_CR0_NW | X86_CR0_CD | X86_CR0_ET);
	vmcs_write(VMCS_GUEST_CR0, vmx_cr0_hw(X86_CR0_NW | X86_CR0_CD |
					      X86_CR0_ET));
	vmcs_write(VMCS_CR4_SHADOW, 0);
	vmcs_write(VMCS_GUEST_CR4, vmx_cr4_hw(0));
	vmcs_write(VMCS_GUEST_CR3, 0);
	vmcs_write(VMCS_GUEST_EFER, 0);
	vmcs_write(VMCS_GUEST_PAT, 0x0007040600070406ULL);
	vmcs_write(VMCS_GUEST_DR7, 0x400);
	vmcs_write(VMCS_GUEST_DEBUGCTL, 0);
	vmcs_write(VMCS_GUEST_RIP, 0xfff0);
	vmcs_write(VMCS_GUEST_RSP, 0);
	vmcs_write(VMCS_GUEST_RFLAGS, X86_EFLAGS_FIXED);
	vmcs_write(VMCS_GUEST_SYSENTER_CS, 0);
	vmcs_write(VMCS_GUEST_SYSENTER_ESP, 0);
	vmcs_write(VMCS_GUEST_SYSENTER_EIP, 0);
	vmcs_write(VMCS_GUEST_ACTIVITY_STATE, 0);
	vmcs_write(VMCS_GUEST_INTERRUPTIBILITY, 0);
	vmcs_write(VMCS_GUEST_PENDING_DBG, 0);
	vmcs_write(VMCS_LINK_POINTER, ~0ULL);
}

/* Host state that is the same on every CPU and for every entry. */
static void vmx_init_host_state(void)
{
	u64 v;

	vmcs_write(VMCS_HOST_CR0, read_cr0());
	vmcs_write(VMCS_HOST_CR3, __read_cr3());
	vmcs_write(VMCS_HOST_CR4, cr4_read_shadow());
	vmcs_write(VMCS_HOST_CS_SEL, __KERNEL_CS);
	vmcs_write(VMCS_HOST_SS_SEL, __KERNEL_DS);
	/* SDM: host selectors need RPL and TI 0; the run loop restores them. */
	vmcs_write(VMCS_HOST_DS_SEL, 0);
	vmcs_write(VMCS_HOST_ES_SEL, 0);
	vmcs_write(VMCS_HOST_FS_SEL, 0);
	vmcs_write(VMCS_HOST_GS_SEL, 0);
	vmcs_write(VMCS_HOST_TR_SEL, GDT_ENTRY_TSS * 8);
	vmcs_write(VMCS_HOST_RIP, (unsigned long)vmx_vmexit);
	rdmsrl(MSR_EFER, v);
	vmcs_write(VMCS_HOST_EFER, v);
	rdmsrl(MSR_IA32_CR_PAT, v);
	vmcs_write(VMCS_HOST_PAT, v);
	rdmsrl(MSR_IA32_SYSENTER_CS, v);
	vmcs_write(VMCS_HOST_SYSENTER_CS, v);
	rdmsrl(MSR_IA32_SYSENTER_EIP, v);
	vmcs_write(VMCS_HOST_SYSENTER_EIP, v);
}

static void vmx_init_controls(struct vcpu_vmx *vmx, struct vmx_vm *vmx_vm)
{
	vmcs_write(VMCS_PIN_CONTROLS, vmx_config.pin);
	vmcs_write(VMCS_PROC_CONTROLS, vmx_config.proc);
	/* SDM: an enabled VPID must not be 0; none left means VPID off. */
	vmcs_write(VMCS_PROC_CONTROLS2, vmx_config.proc2 &
		   ~(vmx->vpid ? 0 : PROC2_ENABLE_VPID));
	vmcs_write(VMCS_EXIT_CONTROLS, vmx_config.exit);
	vmcs_write(VMCS_ENTRY_CONTROLS, vmx_config.entry);
	/* Machine checks belong to the host. */
	vmcs_write(VMCS_EXCEPTION_BITMAP, BIT(X86_TRAP_MC));
	vmcs_write(VMCS_PF_ERROR_MASK, 0);
	vmcs_write(VMCS_PF_ERROR_MATCH, 0);
	vmcs_write(VMCS_CR3_TARGET_COUNT, 0);
	vmcs_write(VMCS_EXIT_MSR_STORE_COUNT, 0);
	vmcs_write(VMCS_EXIT_MSR_LOAD_COUNT, 0);
	vmcs_write(VMCS_ENTRY_MSR_LOAD_COUNT, 0);
	vmcs_write(VMCS_ENTRY_INTR_INFO, 0);
	vmcs_write(VMCS_MSR_BITMAP, __pa(vmx_vm->msr_bitmap));
	vmcs_write(VMCS_EPT_POINTER, vmx_vm->eptp);
	if (vmx_config.proc2 & PROC2_ENABLE_VPID)
		vmcs_write(VMCS_VPID, vmx->vpid);
	vmcs_write(VMCS_CR0_MASK, vmx_cr0_mask());
	vmcs_write(VMCS_CR4_MASK, vmx_cr4_mask());
	vmcs_write(VMCS_TSC_OFFSET, 0);
}

struct duet_vcpu *vmx_vcpu_create(struct duet_vm *vm)
{
	struct vmx_vm *vmx_vm = to_vmx_vm(vm);
	struct vcpu_vmx *vmx;
	struct page *page;

	vmx = kzalloc(sizeof(*vmx), GFP_KERNEL_ACCOUNT);
	if (!vmx)
		return ERR_PTR(-ENOMEM);
	page = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);
	if (!page) {
		kfree(vmx);
		return ERR_PTR(-ENOMEM);
	}
	vmx->vmcs = page_address(page);
	vmx->vmcs_pa = page_to_phys(page);
	/* SDM "Format of the VMCS Region": the revision identifier first. */
	*(u32 *)vmx->vmcs = vmx_config.revision_id;
	vmx->loaded_cpu = -1;
	INIT_LIST_HEAD(&vmx->loaded_link);
	preempt_notifier_init(&vmx->pn, &vmx_preempt_ops);
	vmx->vpid = vmx_vpid_alloc();
	vmx->regs[VMX_REG_RDX] = 0x600;	/* reset value: family 6 */
	vmx->pending_irq = -1;
	vmx->dr7 = 0x400;
	vmx->dr6 = 0xffff0ff0;
	vmx->flush.ept_gen = atomic_read(&vmx_vm->ept_gen);

	vmx_get(vmx);
	vmx_init_controls(vmx, vmx_vm);
	vmx_init_host_state();
	vmx_init_guest_state();
	vmx_put();
	return &vmx->vcpu;
}

void vmx_vcpu_free(struct duet_vcpu *vcpu)
{
	struct vcpu_vmx *vmx = to_vmx(vcpu);

	/* SDM: VMCLEAR before the memory of an active VMCS is reused. */
	vmx_vmcs_clear(vmx);
	vmx_vpid_free(vmx->vpid);
	free_page((unsigned long)vmx->vmcs);
	kfree(vmx);
}

u64 vmx_get_rflags(struct vcpu_vmx *vmx)
{
	return vmcs_read(VMCS_GUEST_RFLAGS);
}

void vmx_get_regs(struct duet_vcpu *vcpu, struct duet_regs *r)
{
	struct vcpu_vmx *vmx = to_vmx(vcpu);
	unsigned long *g = vmx->regs;

	vmx_get(vmx);
	r->rsp = vmcs_read(VMCS_GUEST_RSP);
	r->rip = vmcs_read(VMCS_GUEST_RIP);
	r->rflags = vmcs_read(VMCS_GUEST_RFLAGS);
	vmx_put();
	if (vmx->tf_step && !vmx->tf_guest)
		r->rflags &= ~X86_EFLAGS_TF;
	r->rax = g[VMX_REG_RAX];
	r->rbx = g[VMX_REG_RBX];
	r->rcx = g[VMX_REG_RCX];
	r->rdx = g[VMX_REG_RDX];
	r->rsi = g[VMX_REG_RSI];
	r->rdi = g[VMX_REG_RDI];
	r->rbp = g[VMX_REG_RBP];
	r->r8 = g[VMX_REG_R8];
	r->r9 = g[VMX_REG_R9];
	r->r10 = g[VMX_REG_R10];
	r->r11 = g[VMX_REG_R11];
	r->r12 = g[VMX_REG_R12];
	r->r13 = g[VMX_REG_R13];
	r->r14 = g[VMX_REG_R14];
	r->r15 = g[VMX_REG_R15];
}

void vmx_set_regs(struct duet_vcpu *vcpu, const struct duet_regs *r)
{
	struct vcpu_vmx *vmx = to_vmx(vcpu);
	unsigned long *g = vmx->regs;

	g[VMX_REG_RAX] = r->rax;
	g[VMX_REG_RBX] = r->rbx;
	g[VMX_REG_RCX] = r->rcx;
	g[VMX_REG_RDX] = r->rdx;
	g[VMX_REG_RSI] = r->rsi;
	g[VMX_REG_RDI] = r->rdi;
	g[VMX_REG_RBP] = r->rbp;
	g[VMX_REG_R8] = r->r8;
	g[VMX_REG_R9] = r->r9;
	g[VMX_REG_R10] = r->r10;
	g[VMX_REG_R11] = r->r11;
	g[VMX_REG_R12] = r->r12;
	g[VMX_REG_R13] = r->r13;
	g[VMX_REG_R14] = r->r14;
	g[VMX_REG_R15] = r->r15;
	vmx_get(vmx);
	vmcs_write(VMCS_GUEST_RSP, r->rsp);
	vmcs_write(VMCS_GUEST_RIP, r->rip);
	/*
	 * Bit 1 reads 1; reserved bits are kept as set, as on SVM, and the
	 * entry refuses them (vmx_check_guest_state() names the check).
	 */
	vmcs_write(VMCS_GUEST_RFLAGS, r->rflags | X86_EFLAGS_FIXED);
	vmx_put();
}

/*
 * duet's segment attributes are the VMCB's 12-bit form (descriptor bits
 * 40-47 and 52-55); VMX access rights put the second group at 12-15 and
 * mark a null or not-present segment "unusable" (SDM "Guest Register
 * State").  CS and TR are never unusable (SDM "Checks on Guest Segment
 * Registers"): @always_usable keeps them usable even when not present, and
 * the entry checks then say what is wrong with them.  Bits above the 12
 * are dropped.
 */
DUET_VISIBLE_IF_KUNIT u32 duet_vmx_ar_from_user(u32 attrib, bool always_usable)
{
	u32 ar = (attrib & 0xff) | ((attrib & 0xf00) << 4);

	if (!(attrib & 0x80) && !always_usable)
		ar |= VMX_AR_UNUSABLE;
	return ar;
}
EXPORT_SYMBOL_IF_DUET_KUNIT(duet_vmx_ar_from_user);

/* The VMCB form of access rights @ar; an unusable segment is not present. */
DUET_VISIBLE_IF_KUNIT u16 duet_vmx_ar_to_user(u32 ar)
{
	u16 attrib = (ar & 0xff) | ((ar >> 4) & 0xf00);

	if (ar & VMX_AR_UNUSABLE)
		attrib &= ~0x80;
	return attrib;
}
EXPORT_SYMBOL_IF_DUET_KUNIT(duet_vmx_ar_to_user);

static void vmx_seg_to_user(struct duet_segment *u, int seg)
{
	u->base = vmcs_read(VMCS_SEG_BASE(seg));
	u->limit = vmcs_read(VMCS_SEG_LIMIT(seg));
	u->selector = vmcs_read(VMCS_SEG_SEL(seg));
	u->attrib = duet_vmx_ar_to_user(vmcs_read(VMCS_SEG_AR(seg)));
}

static void vmx_seg_from_user(int seg, const struct duet_segment *u)
{
	bool always = seg == VMX_SEG_CS || seg == VMX_SEG_TR;

	vmx_set_seg(seg, u->selector, duet_vmx_ar_from_user(u->attrib, always),
		    u->limit, u->base);
}

u8 vmx_get_cpl(struct vcpu_vmx *vmx)
{
	/* SDM: the CPL is SS.DPL as the VMCS holds it. */
	return (vmcs_read(VMCS_GUEST_SS_AR) >> 5) & 3;
}

void vmx_get_sregs(struct duet_vcpu *vcpu, struct duet_sregs *u)
{
	struct vcpu_vmx *vmx = to_vmx(vcpu);

	vmx_get(vmx);
	vmx_seg_to_user(&u->es, VMX_SEG_ES);
	vmx_seg_to_user(&u->cs, VMX_SEG_CS);
	vmx_seg_to_user(&u->ss, VMX_SEG_SS);
	vmx_seg_to_user(&u->ds, VMX_SEG_DS);
	vmx_seg_to_user(&u->fs, VMX_SEG_FS);
	vmx_seg_to_user(&u->gs, VMX_SEG_GS);
	vmx_seg_to_user(&u->ldt, VMX_SEG_LDTR);
	vmx_seg_to_user(&u->tr, VMX_SEG_TR);
	u->gdt.base = vmcs_read(VMCS_GUEST_GDTR_BASE);
	u->gdt.limit = vmcs_read(VMCS_GUEST_GDTR_LIMIT);
	u->idt.base = vmcs_read(VMCS_GUEST_IDTR_BASE);
	u->idt.limit = vmcs_read(VMCS_GUEST_IDTR_LIMIT);
	u->cr0 = vmx_guest_cr0();
	u->cr4 = vmx_guest_cr4();
	u->cr3 = vmcs_read(VMCS_GUEST_CR3);
	u->efer = vmcs_read(VMCS_GUEST_EFER);
	vmx_put();
	/* VMX keeps no CR2: it is the CPU's own while the guest runs. */
	u->cr2 = vmx->cr2;
	u->cr8 = vmx->cr8;
	u->apic_base = vmx_apic_base(vcpu);
}

int vmx_set_sregs(struct duet_vcpu *vcpu, const struct duet_sregs *u)
{
	struct vcpu_vmx *vmx = to_vmx(vcpu);
	int r;

	if (u->efer & ~VMX_GUEST_EFER_BITS)
		return -EINVAL;
	/* As on SVM: VMRUN rejects CR0.CD=0 with NW=1, and bits 63:32 set. */
	if (u->cr0 >> 32 || ((u->cr0 & X86_CR0_NW) && !(u->cr0 & X86_CR0_CD)))
		return -EINVAL;
	if (u->cr3 >> 52 || u->cr4 >> 32)
		return -EINVAL;
	/* Bits this CPU cannot run a guest with, or that are duet's. */
	if ((u->cr4 & ~vmx_config.cr4_fixed1) || (u->cr4 & X86_CR4_VMXE))
		return -EINVAL;
	/*
	 * Combinations that are each valid but not together (IA-32e mode
	 * without PAE, say) are taken, as SVM takes them: the entry fails
	 * and says which check (checks.c).
	 */

	vmx_get(vmx);
	vmx_seg_from_user(VMX_SEG_ES, &u->es);
	vmx_seg_from_user(VMX_SEG_CS, &u->cs);
	vmx_seg_from_user(VMX_SEG_SS, &u->ss);
	vmx_seg_from_user(VMX_SEG_DS, &u->ds);
	vmx_seg_from_user(VMX_SEG_FS, &u->fs);
	vmx_seg_from_user(VMX_SEG_GS, &u->gs);
	vmx_seg_from_user(VMX_SEG_LDTR, &u->ldt);
	vmx_seg_from_user(VMX_SEG_TR, &u->tr);
	vmcs_write(VMCS_GUEST_GDTR_BASE, u->gdt.base);
	vmcs_write(VMCS_GUEST_GDTR_LIMIT, u->gdt.limit);
	vmcs_write(VMCS_GUEST_IDTR_BASE, u->idt.base);
	vmcs_write(VMCS_GUEST_IDTR_LIMIT, u->idt.limit);
	vmcs_write(VMCS_CR0_SHADOW, u->cr0);
	vmcs_write(VMCS_GUEST_CR0, vmx_cr0_hw(u->cr0));
	vmcs_write(VMCS_CR4_SHADOW, u->cr4);
	vmcs_write(VMCS_GUEST_CR4, vmx_cr4_hw(u->cr4));
	vmcs_write(VMCS_GUEST_CR3, u->cr3);
	vmx_set_efer(vmx, u->efer);
	r = vmx_load_pdptrs(vmx);
	vmx->flush.flush_vpid = true;
	vmx_put();
	vmx->cr2 = u->cr2;
	vmx->cr8 = u->cr8 & 0xf;
	if (r == -EFAULT)
		r = 0;	/* PDPTEs outside RAM: the entry reports the fault */
	return r;
}

/* Set the guest's EFER and the "IA-32e mode guest" entry control with it. */
void vmx_set_efer(struct vcpu_vmx *vmx, u64 efer)
{
	vmcs_write(VMCS_GUEST_EFER, efer);
	if (efer & EFER_LMA)
		vmcs_set_bits(VMCS_ENTRY_CONTROLS, ENTRY_IA32E_MODE);
	else
		vmcs_clear_bits(VMCS_ENTRY_CONTROLS, ENTRY_IA32E_MODE);
}

static bool vmx_interruptible(struct vcpu_vmx *vmx)
{
	return (vmcs_read(VMCS_GUEST_RFLAGS) & X86_EFLAGS_IF) &&
	       !(vmcs_read(VMCS_GUEST_INTERRUPTIBILITY) &
		 (GUEST_INTR_STI | GUEST_INTR_MOV_SS)) &&
	       !(vmcs_read(VMCS_ENTRY_INTR_INFO) & INTR_INFO_VALID);
}

static bool vmx_nmi_allowed(struct vcpu_vmx *vmx)
{
	return !(vmcs_read(VMCS_GUEST_INTERRUPTIBILITY) &
		 (GUEST_INTR_STI | GUEST_INTR_MOV_SS | GUEST_INTR_NMI)) &&
	       !(vmcs_read(VMCS_ENTRY_INTR_INFO) & INTR_INFO_VALID);
}

/* Vectors whose exceptions push an error code (SDM "Exception Classes"). */
static bool vmx_vector_has_error_code(unsigned int vector)
{
	switch (vector) {
	case X86_TRAP_DF:
	case X86_TRAP_TS:
	case X86_TRAP_NP:
	case X86_TRAP_SS:
	case X86_TRAP_GP:
	case X86_TRAP_PF:
	case X86_TRAP_AC:
		return true;
	}
	return false;
}

/*
 * Queue exception @vector for the next entry; the faulting instruction is
 * not skipped.  SDM "VM-Entry Control Fields": an error code is delivered
 * only for the vectors that have one, and only in protected mode.
 */
void vmx_inject_exception(struct vcpu_vmx *vmx, unsigned int vector,
			  u32 error_code, bool has_error)
{
	u32 info = vector | INTR_TYPE_HARD_EXCEPTION | INTR_INFO_VALID;

	if (has_error && vmx_vector_has_error_code(vector) &&
	    (vmx_guest_cr0() & X86_CR0_PE)) {
		info |= INTR_INFO_DELIVER_CODE;
		vmcs_write(VMCS_ENTRY_EXCEPTION_ERROR, error_code);
	}
	vmcs_write(VMCS_ENTRY_INTR_INFO, info);
}

void vmx_inject_gp(struct vcpu_vmx *vmx)
{
	vmx_inject_exception(vmx, X86_TRAP_GP, 0, true);
}

int vmx_inject_event(struct duet_vcpu *vcpu, const struct duet_event *ev)
{
	struct vcpu_vmx *vmx = to_vmx(vcpu);
	int r = 0;

	switch (ev->type) {
	case DUET_EVENT_EXCEPTION:
		vmx_get(vmx);
		if (vmcs_read(VMCS_ENTRY_INTR_INFO) & INTR_INFO_VALID)
			r = -EBUSY;
		else
			vmx_inject_exception(vmx, ev->vector, ev->error_code,
					     ev->flags & DUET_EVENT_HAS_ERROR_CODE);
		vmx_put();
		return r;
	case DUET_EVENT_NMI:
		if (vmx->pending_nmi)
			return -EBUSY;
		vmx->pending_nmi = true;
		return 0;
	default:
		if (vmx->pending_irq >= 0)
			return -EBUSY;
		vmx->pending_irq = ev->vector;
		return 0;
	}
}

/*
 * Turn pending events into the entry's interruption information when the
 * guest can take them, and ask for an interrupt- or NMI-window exit
 * (SDM "Interrupt-Window Exiting and Virtual-Interrupt Delivery") for
 * those that must wait.
 */
static void vmx_prepare_events(struct vcpu_vmx *vmx)
{
	u32 window = 0;

	if (vmx->pending_nmi) {
		if (vmx_nmi_allowed(vmx)) {
			vmcs_write(VMCS_ENTRY_INTR_INFO, NMI_VECTOR |
				   INTR_TYPE_NMI | INTR_INFO_VALID);
			vmx->pending_nmi = false;
		} else {
			window |= PROC_NMI_WINDOW_EXITING;
		}
	}
	if (vmx->pending_irq >= 0 && vmx_interruptible(vmx)) {
		vmcs_write(VMCS_ENTRY_INTR_INFO, vmx->pending_irq |
			   INTR_TYPE_EXT_INTR | INTR_INFO_VALID);
		vmx->pending_irq = -1;
	}
	if (vmx->pending_irq >= 0 || vmx->vcpu.run->request_interrupt_window)
		window |= PROC_INTR_WINDOW_EXITING;
	/* One instruction for BT (bt.c). */
	if (vmx->vcpu.bt_step && vmx_config.mtf)
		window |= PROC_MONITOR_TRAP_FLAG;
	vmx_bt_step_prepare(vmx);
	vmcs_write(VMCS_PROC_CONTROLS, vmx_config.proc | window);
}

/* Tell userspace whether an interrupt would go in now. */
void vmx_report_interruptibility(struct vcpu_vmx *vmx)
{
	struct duet_run *run = vmx->vcpu.run;

	run->if_flag = !!(vmcs_read(VMCS_GUEST_RFLAGS) & X86_EFLAGS_IF);
	run->ready_for_interrupt = vmx_interruptible(vmx) &&
				   vmx->pending_irq < 0;
}

/* Userspace asked to hear when an interrupt can go in: it can now. */
static bool vmx_window_open_for_user(struct vcpu_vmx *vmx)
{
	if (!vmx->vcpu.run->request_interrupt_window ||
	    !vmx_interruptible(vmx) || vmx->pending_irq >= 0)
		return false;
	vmx->vcpu.run->exit_reason = DUET_EXIT_IRQ_WINDOW_OPEN;
	return true;
}

/*
 * Exits whose handlers never sleep, handled in vmx_vcpu_run()'s loop with
 * preemption off and the guest FPU loaded (as svm_exit_is_fast()).
 */
static bool vmx_exit_is_fast(u32 reason)
{
	switch (reason) {
	case EXIT_REASON_EXCEPTION_NMI:
	case EXIT_REASON_EXTERNAL_INTERRUPT:
	case EXIT_REASON_INTERRUPT_WINDOW:
	case EXIT_REASON_NMI_WINDOW:
	case EXIT_REASON_CPUID:
	case EXIT_REASON_MSR_READ:
	case EXIT_REASON_MSR_WRITE:
	case EXIT_REASON_VMCALL:
	case EXIT_REASON_CR_ACCESS:
	case EXIT_REASON_PREEMPTION_TIMER:
	case EXIT_REASON_MONITOR_TRAP_FLAG:
		return true;
	default:
		return false;
	}
}

/*
 * Host state the loop changes and puts back when it ends (SDM "Loading
 * Host State": a VM exit zeroes the data-segment selectors and LDTR and
 * sets the GDTR and IDTR limits to 0xffff and TR's to 0x67), and the
 * syscall MSRs VMX does not switch, which hold the guest's values while
 * the loop runs.
 */
struct vmx_host_state {
	int cpu;
	u16 ds, es, fs, gs, ldt;
	u64 fs_base, kernel_gs_base;
	u64 star, lstar, cstar, sfmask;
	struct desc_ptr idt;
	bool note_qs;
};

static void vmx_switch_to_guest(struct vcpu_vmx *vmx, struct vmx_host_state *h)
{
	savesegment(ds, h->ds);
	savesegment(es, h->es);
	savesegment(fs, h->fs);
	savesegment(gs, h->gs);
	asm volatile("sldt %0" : "=g"(h->ldt));
	store_idt(&h->idt);
	rdmsrl(MSR_FS_BASE, h->fs_base);
	vmcs_write(VMCS_HOST_FS_BASE, h->fs_base);
	vmcs_write(VMCS_HOST_CR3, __read_cr3());
	vmcs_write(VMCS_HOST_CR4, cr4_read_shadow());

	rdmsrl(MSR_KERNEL_GS_BASE, h->kernel_gs_base);
	rdmsrl(MSR_STAR, h->star);
	rdmsrl(MSR_LSTAR, h->lstar);
	rdmsrl(MSR_CSTAR, h->cstar);
	rdmsrl(MSR_SYSCALL_MASK, h->sfmask);
	wrmsrl(MSR_KERNEL_GS_BASE, vmx->kernel_gs_base);
	wrmsrl(MSR_STAR, vmx->star);
	wrmsrl(MSR_LSTAR, vmx->lstar);
	wrmsrl(MSR_CSTAR, vmx->cstar);
	wrmsrl(MSR_SYSCALL_MASK, vmx->sfmask);
}

static void vmx_switch_to_host(struct vcpu_vmx *vmx, struct vmx_host_state *h)
{
	/* The guest may have written them without an exit. */
	rdmsrl(MSR_KERNEL_GS_BASE, vmx->kernel_gs_base);
	rdmsrl(MSR_STAR, vmx->star);
	rdmsrl(MSR_LSTAR, vmx->lstar);
	rdmsrl(MSR_CSTAR, vmx->cstar);
	rdmsrl(MSR_SYSCALL_MASK, vmx->sfmask);
	wrmsrl(MSR_STAR, h->star);
	wrmsrl(MSR_LSTAR, h->lstar);
	wrmsrl(MSR_CSTAR, h->cstar);
	wrmsrl(MSR_SYSCALL_MASK, h->sfmask);

	if (h->ldt)
		asm volatile("lldt %0" : : "r"(h->ldt));
	if (h->ds)
		loadsegment(ds, h->ds);
	if (h->es)
		loadsegment(es, h->es);
	if (h->fs) {
		loadsegment(fs, h->fs);
		wrmsrl(MSR_FS_BASE, h->fs_base);
	}
	if (h->gs)
		load_gs_index(h->gs);
	wrmsrl(MSR_KERNEL_GS_BASE, h->kernel_gs_base);

	load_fixmap_gdt(h->cpu);
	load_idt(&h->idt);
	invalidate_tss_limit();
}

/*
 * After a VM exit caused by an NMI the NMI is the host's: run the host's
 * handler for it now, with interrupts still off, through its IDT gate
 * (SDM "Exiting Due to NMI": NMIs stay blocked until that handler's IRET).
 */
static void vmx_handle_host_nmi(struct vcpu_vmx *vmx)
{
	struct desc_ptr idt;
	gate_desc *gate;

	if (vmx->exit_reason != EXIT_REASON_EXCEPTION_NMI ||
	    (vmx->exit_intr_info & (INTR_INFO_VALID | INTR_INFO_TYPE_MASK)) !=
	    (INTR_INFO_VALID | INTR_TYPE_NMI))
		return;
	store_idt(&idt);
	gate = (gate_desc *)idt.address + NMI_VECTOR;
	vmx_call_host_handler(gate_offset(gate));
}

/* Read what every exit handler needs of the exit, once. */
static void vmx_read_exit(struct vcpu_vmx *vmx, bool failed)
{
	if (failed) {
		vmx->exit_reason = EXIT_REASON_FAILED_ENTRY;
		vmx->exit_qual = vmcs_read(VMCS_INSN_ERROR);
		vmx->exit_intr_info = 0;
		vmx->idt_vectoring = 0;
		return;
	}
	vmx->exit_reason = vmcs_read(VMCS_EXIT_REASON);
	vmx->exit_qual = vmcs_read(VMCS_EXIT_QUALIFICATION);
	vmx->exit_intr_info = vmcs_read(VMCS_EXIT_INTR_INFO);
	vmx->idt_vectoring = vmcs_read(VMCS_IDT_VECTORING_INFO);
	vmx->insn_len = vmcs_read(VMCS_EXIT_INSN_LEN);
}

/*
 * One VM entry on this CPU, preemption off; false (and no entry) when the
 * thread must go back to duet_vcpu_run() first.
 */
static bool vmx_enter_guest(struct vcpu_vmx *vmx, struct vmx_host_state *h)
{
	struct duet_vcpu *vcpu = &vmx->vcpu;
	struct vmx_vm *vmx_vm = to_vmx_vm(vcpu->vm);
	unsigned int flush;
	bool failed;

	local_irq_disable();
	/* Pairs with smp_mb__after_atomic() in vmx_vm_unmap_range(). */
	smp_store_mb(vcpu->mode, IN_GUEST_MODE);
	if (duet_vcpu_should_leave(vcpu)) {
		WRITE_ONCE(vcpu->mode, OUTSIDE_GUEST_MODE);
		local_irq_enable();
		return false;
	}

	/*
	 * Read ept_gen only now that IN_GUEST_MODE is visible: an unmap
	 * either bumped it before this read or sees this vCPU in guest mode
	 * and waits for its exit.
	 */
	flush = duet_vmx_flush_decide(&vmx->flush,
				      atomic_read(&vmx_vm->ept_gen), vmx->vpid);
	if (flush & VMX_FLUSH_EPT)
		vmx_invept(vmx_vm->eptp);
	if (flush & VMX_FLUSH_VPID)
		vmx_invvpid(vmx->vpid);

	if (h->note_qs)
		rcu_note_context_switch(false);
	trace_duet_entry(vcpu->id, vmcs_read(VMCS_GUEST_RIP));

	if (vmx_config.preemption_timer)
		vmcs_write(VMCS_PREEMPTION_TIMER, vmx_config.preemption_timer);
	if (read_cr2() != vmx->cr2)
		write_cr2(vmx->cr2);
	failed = __vmx_vcpu_run(vmx->regs, vmx->launched, 0);
	vmx->cr2 = read_cr2();
	vmx_read_exit(vmx, failed);
	/* SDM: an entry that fails on guest state leaves the VMCS unlaunched. */
	if (!(vmx->exit_reason & EXIT_REASON_FAILED_ENTRY))
		vmx->launched = true;
	vmx_handle_host_nmi(vmx);
	/* A VM exit leaves DR7 at 0x400: put back the host's breakpoints. */
	if (hw_breakpoint_active())
		hw_breakpoint_restore();

	WRITE_ONCE(vcpu->mode, OUTSIDE_GUEST_MODE);
	/* The host takes the interrupt that caused the exit here. */
	local_irq_enable();
	return true;
}

/* Bookkeeping every exit needs before its handler. */
static void vmx_complete_exit(struct vcpu_vmx *vmx)
{
	u32 idt = vmx->idt_vectoring;

	/* The entry consumed the injected event... */
	vmcs_write(VMCS_ENTRY_INTR_INFO, 0);
	if (vmx->exit_reason & EXIT_REASON_FAILED_ENTRY)
		return;
	/*
	 * ... unless its delivery was cut short by this exit: deliver it
	 * again (SDM "Information for VM Exits That Occur During Event
	 * Delivery").
	 */
	if (idt & INTR_INFO_VALID) {
		vmcs_write(VMCS_ENTRY_INTR_INFO, idt & ~0x7ffff000U);
		if (idt & INTR_INFO_DELIVER_CODE)
			vmcs_write(VMCS_ENTRY_EXCEPTION_ERROR,
				   vmcs_read(VMCS_IDT_VECTORING_ERROR));
		vmcs_write(VMCS_ENTRY_INSN_LEN, vmx->insn_len);
	}
}

void vmx_publish_paging(struct vcpu_vmx *vmx)
{
	duet_vcpu_publish_paging(&vmx->vcpu, &(struct duet_vcpu_paging){
		.cr0 = vmx_guest_cr0(),
		.cr3 = vmcs_read(VMCS_GUEST_CR3),
		.cr4 = vmx_guest_cr4(),
		.efer = vmcs_read(VMCS_GUEST_EFER),
		.cpl = vmx_get_cpl(vmx),
	});
}

/*
 * Run the guest until an exit needs more than a handler that cannot sleep,
 * as svm_vcpu_run() does: preemption stays off, the VMCS current and the
 * guest FPU and syscall MSRs loaded across consecutive in-kernel exits.
 */
int vmx_vcpu_run(struct duet_vcpu *vcpu)
{
	struct vcpu_vmx *vmx = to_vmx(vcpu);
	struct vmx_host_state h = {};
	bool deferred = false;
	bool pke;
	u32 reason;
	int r;

	vmx_get(vmx);
	h.cpu = smp_processor_id();
	/* Sampled once: the guest may flip CR4.PKE inside the loop. */
	pke = vmx_guest_cr4() & X86_CR4_PKE;
	duet_fpu_load(vcpu->fpu, pke);
	vmx_switch_to_guest(vmx, &h);
	/* For kicks and flushes: set before IN_GUEST_MODE can be seen. */
	WRITE_ONCE(vcpu->cpu, h.cpu);

	for (;;) {
		if (vmx_window_open_for_user(vmx)) {
			r = 0;
			break;
		}
		vmx_prepare_events(vmx);
		if (!vmx_enter_guest(vmx, &h)) {
			r = 1;
			break;
		}
		vmx_complete_exit(vmx);
		reason = vmx->exit_reason;
		duet_bt_step_check(vcpu, vmcs_read(VMCS_GUEST_RIP));
		if (!vmx_exit_is_fast(reason)) {
			deferred = true;
			break;
		}
		h.note_qs = reason == EXIT_REASON_EXTERNAL_INTERRUPT ||
			    reason == EXIT_REASON_EXCEPTION_NMI ||
			    reason == EXIT_REASON_PREEMPTION_TIMER;
		r = vmx_handle_exit(vmx);
		duet_bt_step_check(vcpu, vmcs_read(VMCS_GUEST_RIP));
		vmx_bt_step_sync(vmx);
		if (r != 1 || duet_vcpu_should_leave(vcpu))
			break;
	}

	vmx_switch_to_host(vmx, &h);
	duet_fpu_put(vcpu->fpu, pke);
	vmx_publish_paging(vmx);
	vmx_put();

	if (deferred) {
		vmx_get_sleepable(vmx);
		r = vmx_handle_exit(vmx);
		duet_bt_step_check(vcpu, vmcs_read(VMCS_GUEST_RIP));
		vmx_bt_step_sync(vmx);
		vmx_put_sleepable(vmx);
	}
	if (!r) {
		vmx_get(vmx);
		vmx_report_interruptibility(vmx);
		vmx_put();
	}
	return r;
}
