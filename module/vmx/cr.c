// SPDX-License-Identifier: GPL-2.0
/*
 * Control registers under VMX.  VMX operation fixes some CR0 and CR4 bits
 * (the FIXED0/FIXED1 MSRs: CR0.NE and CR4.VMXE must be 1), so the guest
 * runs with them forced and sees its own values through the read shadows;
 * duet owns those bits (the guest/host masks) and CR0.PG, whose changes
 * switch IA-32e mode, which VMX leaves to the VMM (the "IA-32e mode guest"
 * entry control).  A MOV to CR0/CR4 that changes an owned bit, and every
 * CR8 access, exits here (SDM "Control Registers" in "Guest/Host Masks and
 * Read Shadows", "Exit Qualification for Control-Register Accesses").
 * CR3 never exits: with EPT the guest's CR3 is its own.
 */
#include <asm/trapnr.h>

#include "vmx_vcpu.h"

/* With unrestricted guest, PE and PG are the guest's to clear. */
#define VMX_CR0_GUEST_FREE	(X86_CR0_PE | X86_CR0_PG)

/*
 * The CR0 bits duet owns (guest/host mask): those VMX fixes either way
 * (FIXED0 bits must be 1, bits outside FIXED1 must be 0), so that a guest
 * write of another value exits instead of failing the next entry, and PG,
 * whose changes switch IA-32e mode with it.  PE and PG are in FIXED0 even
 * where unrestricted guest frees them: their changes exit too.
 */
DUET_VISIBLE_IF_KUNIT u64 duet_vmx_cr0_mask(u64 fixed0, u64 fixed1)
{
	return ~fixed1 | fixed0 | X86_CR0_PG;
}
EXPORT_SYMBOL_IF_DUET_KUNIT(duet_vmx_cr0_mask);

/* The CR4 bits duet owns: those VMX fixes, VMXE among them. */
DUET_VISIBLE_IF_KUNIT u64 duet_vmx_cr4_mask(u64 fixed0, u64 fixed1)
{
	return ~fixed1 | fixed0;
}
EXPORT_SYMBOL_IF_DUET_KUNIT(duet_vmx_cr4_mask);

/*
 * The CR0 the CPU runs the guest with: its own plus what VMX forces, but
 * for PE and PG, which unrestricted guest lets it run without (SDM
 * "Unrestricted Guests").
 */
DUET_VISIBLE_IF_KUNIT u64 duet_vmx_cr0_hw(u64 guest_cr0, u64 fixed0)
{
	return guest_cr0 | (fixed0 & ~VMX_CR0_GUEST_FREE);
}
EXPORT_SYMBOL_IF_DUET_KUNIT(duet_vmx_cr0_hw);

DUET_VISIBLE_IF_KUNIT u64 duet_vmx_cr4_hw(u64 guest_cr4, u64 fixed0)
{
	return guest_cr4 | fixed0;
}
EXPORT_SYMBOL_IF_DUET_KUNIT(duet_vmx_cr4_hw);

u64 vmx_cr0_mask(void)
{
	return duet_vmx_cr0_mask(vmx_config.cr0_fixed0, vmx_config.cr0_fixed1);
}

u64 vmx_cr4_mask(void)
{
	return duet_vmx_cr4_mask(vmx_config.cr4_fixed0, vmx_config.cr4_fixed1);
}

/*
 * The guest's own view of CR0 and CR4: the CPU's value for the bits the
 * guest owns (it changes them without exits), the read shadow for duet's.
 */
u64 vmx_guest_cr0(void)
{
	u64 mask = vmx_cr0_mask();

	return (vmcs_read(VMCS_GUEST_CR0) & ~mask) |
	       (vmcs_read(VMCS_CR0_SHADOW) & mask);
}

u64 vmx_guest_cr4(void)
{
	u64 mask = vmx_cr4_mask();

	return (vmcs_read(VMCS_GUEST_CR4) & ~mask) |
	       (vmcs_read(VMCS_CR4_SHADOW) & mask);
}

u64 vmx_cr0_hw(u64 guest_cr0)
{
	return duet_vmx_cr0_hw(guest_cr0, vmx_config.cr0_fixed0);
}

u64 vmx_cr4_hw(u64 guest_cr4)
{
	return duet_vmx_cr4_hw(guest_cr4, vmx_config.cr4_fixed0);
}

/*
 * SDM "Loading and Storing PDPTEs": with PAE paging outside IA-32e mode
 * the VM entry loads the four PDPTEs from the VMCS, not from memory.
 * Read them from the guest's CR3 whenever the paging mode or CR3 is set
 * from outside the guest.  -EFAULT when they are not in RAM.
 */
int vmx_load_pdptrs(struct vcpu_vmx *vmx)
{
	u64 cr0 = vmx_guest_cr0(), cr4 = vmx_guest_cr4();
	u64 pdpte[4];
	int i, r;

	if (!(cr0 & X86_CR0_PG) || !(cr4 & X86_CR4_PAE) ||
	    (vmcs_read(VMCS_GUEST_EFER) & EFER_LMA))
		return 0;
	r = duet_gpa_read(vmx->vcpu.vm, vmcs_read(VMCS_GUEST_CR3) & ~0x1fULL,
			  pdpte, sizeof(pdpte));
	if (r)
		return -EFAULT;
	for (i = 0; i < 4; i++)
		vmcs_write(VMCS_GUEST_PDPTE0 + i * 2, pdpte[i]);
	return 0;
}

/*
 * The guest's MOV to CR0: -EINVAL where the CPU would raise #GP (SDM "MOV
 * - Move to/from Control Registers").  Switch IA-32e mode on or off with
 * paging when EFER.LME is set.
 */
int vmx_set_cr0(struct vcpu_vmx *vmx, u64 cr0)
{
	u64 old = vmx_guest_cr0();
	u64 efer = vmcs_read(VMCS_GUEST_EFER);
	u64 cr4 = vmx_guest_cr4();

	if (cr0 >> 32 || ((cr0 & X86_CR0_NW) && !(cr0 & X86_CR0_CD)) ||
	    ((cr0 & X86_CR0_PG) && !(cr0 & X86_CR0_PE)))
		return -EINVAL;
	if (!(old & X86_CR0_PG) && (cr0 & X86_CR0_PG) && (efer & EFER_LME)) {
		if (!(cr4 & X86_CR4_PAE))
			return -EINVAL;
		efer |= EFER_LMA;
	} else if ((old & X86_CR0_PG) && !(cr0 & X86_CR0_PG) &&
		   (efer & EFER_LMA)) {
		/* SDM: leaving IA-32e mode from 64-bit code raises #GP. */
		if (vmcs_read(VMCS_GUEST_CS_AR) & BIT(13))
			return -EINVAL;
		efer &= ~EFER_LMA;
	}
	vmcs_write(VMCS_CR0_SHADOW, cr0);
	vmcs_write(VMCS_GUEST_CR0, vmx_cr0_hw(cr0));
	vmx_set_efer(vmx, efer);
	/* The exiting MOV did not flush what a CPU's would have. */
	vmx->flush.flush_vpid = true;
	return vmx_load_pdptrs(vmx) ? -EINVAL : 0;
}

int vmx_set_cr4(struct vcpu_vmx *vmx, u64 cr4)
{
	if ((cr4 & ~vmx_config.cr4_fixed1) || (cr4 & X86_CR4_VMXE))
		return -EINVAL;
	vmcs_write(VMCS_CR4_SHADOW, cr4);
	vmcs_write(VMCS_GUEST_CR4, vmx_cr4_hw(cr4));
	vmx->flush.flush_vpid = true;
	return vmx_load_pdptrs(vmx) ? -EINVAL : 0;
}

static u64 vmx_gpr_read(struct vcpu_vmx *vmx, unsigned int n)
{
	return n == VMX_REG_RSP ? vmcs_read(VMCS_GUEST_RSP) : vmx->regs[n];
}

static void vmx_gpr_write(struct vcpu_vmx *vmx, unsigned int n, u64 val)
{
	if (n == VMX_REG_RSP)
		vmcs_write(VMCS_GUEST_RSP, val);
	else
		vmx->regs[n] = val;
}

int handle_cr(struct vcpu_vmx *vmx)
{
	u64 q = vmx->exit_qual;
	unsigned int gpr = CR_QUAL_GPR(q);
	u64 cr0, val;
	int r = 0;

	switch (CR_QUAL_TYPE(q)) {
	case CR_QUAL_TYPE_MOV_TO:
		val = vmx_gpr_read(vmx, gpr);
		switch (CR_QUAL_CR(q)) {
		case 0:
			r = vmx_set_cr0(vmx, val);
			break;
		case 4:
			r = vmx_set_cr4(vmx, val);
			break;
		case 8:
			/* No local APIC to prioritise against: keep the value. */
			r = val >> 4 ? -EINVAL : 0;
			if (!r)
				vmx->cr8 = val;
			break;
		default:
			return vmx_internal_error(vmx, DUET_INTERNAL_UNKNOWN_EXIT);
		}
		break;
	case CR_QUAL_TYPE_MOV_FROM:
		if (CR_QUAL_CR(q) != 8)
			return vmx_internal_error(vmx, DUET_INTERNAL_UNKNOWN_EXIT);
		vmx_gpr_write(vmx, gpr, vmx->cr8);
		break;
	case CR_QUAL_TYPE_CLTS:
		cr0 = vmx_guest_cr0() & ~X86_CR0_TS;
		r = vmx_set_cr0(vmx, cr0);
		break;
	case CR_QUAL_TYPE_LMSW:
		/* SDM "LMSW": the low four bits; PE can be set, not cleared. */
		cr0 = vmx_guest_cr0();
		val = (cr0 & ~0xeULL) | (CR_QUAL_LMSW_DATA(q) & 0xf);
		r = vmx_set_cr0(vmx, val);
		break;
	}
	if (r) {
		vmx_inject_gp(vmx);
		return 1;
	}
	vmx_skip_insn(vmx);
	return 1;
}
