// SPDX-License-Identifier: GPL-2.0
/*
 * MOV to and from DR0-DR7 under VMX, with the behaviour of svm/dr.c: the
 * guest's DR0-DR3, DR6 and DR7 live in software and the VMCS's DR7 stays
 * 0x400, so no guest breakpoint reaches the hardware.  "MOV-DR exiting"
 * is set from vCPU creation; the exit qualification names the register
 * and the GPR (SDM "Exit Qualification for MOV DR").  SDM "Instructions
 * That Cause VM Exits Conditionally": these exits take priority over the
 * #GP for CPL > 0 and the #UD for DR4/DR5 with CR4.DE, so
 * duet_svm_dr_check() makes those checks here.
 */
#include <asm/trapnr.h>

#include "vmx_vcpu.h"

static void vmx_dr_raise(struct vcpu_vmx *vmx, enum svm_dr_fault f)
{
	switch (f) {
	case SVM_DR_UD:
		vmx_inject_exception(vmx, X86_TRAP_UD, 0, false);
		break;
	case SVM_DR_DB:
		/* SDM "General-Detect Exception Condition": a fault. */
		vmx->dr6 |= DUET_DR6_BD;
		vmx->dr7 &= ~DUET_DR7_GD;
		vmx_inject_exception(vmx, X86_TRAP_DB, 0, false);
		break;
	default:
		vmx_inject_gp(vmx);
	}
}

int handle_dr(struct vcpu_vmx *vmx)
{
	u64 q = vmx->exit_qual;
	unsigned int dr = DR_QUAL_DR(q), gpr = DR_QUAL_GPR(q), eff;
	bool write = !(q & DR_QUAL_FROM);
	bool mode64 = (vmcs_read(VMCS_GUEST_EFER) & EFER_LMA) &&
		      (vmcs_read(VMCS_GUEST_CS_AR) & BIT(13));
	enum svm_dr_fault f;
	u64 val = 0;

	if (write)
		val = gpr == VMX_REG_RSP ? vmcs_read(VMCS_GUEST_RSP) :
					   vmx->regs[gpr];
	if (write && !mode64)
		val = (u32)val;
	f = duet_svm_dr_check(dr, write, vmx_guest_cr4(),
			      vmx_get_cpl(vmx), vmx->dr7, val, &eff);
	if (f) {
		/* A fault: the instruction stays put. */
		vmx_dr_raise(vmx, f);
		return 1;
	}

	if (write) {
		if (eff < 4)
			vmx->db[eff] = val;
		else if (eff == 6)
			vmx->dr6 = (val & DUET_DR6_VOLATILE) | DUET_DR6_FIXED_1;
		else
			vmx->dr7 = (val & DUET_DR7_VOLATILE) | DUET_DR7_FIXED_1;
	} else {
		val = eff < 4 ? vmx->db[eff] : eff == 6 ? vmx->dr6 : vmx->dr7;
		if (!mode64)
			val = (u32)val;
		if (gpr == VMX_REG_RSP)
			vmcs_write(VMCS_GUEST_RSP, val);
		else
			vmx->regs[gpr] = val;
	}
	vmx_skip_insn(vmx);
	return 1;
}
