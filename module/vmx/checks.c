// SPDX-License-Identifier: GPL-2.0
/*
 * Why a VM entry failed: the hardware says only "invalid guest state"
 * (exit reason 33 with bit 31) or a VM-instruction error number.  After
 * such a failure duet re-checks the guest state the way the CPU does (SDM
 * "Checks on the Guest State Area"), traces the first check that fails
 * (duet:duet_entry_check) and returns its number for the internal-error
 * exit, so that userspace learns which field it set wrong.  The list is
 * the checks that userspace-supplied state (DUET_SET_REGS/SREGS) can
 * fail; state that only duet writes is right by construction.
 */
#include "vmx_vcpu.h"
#include "../trace.h"

/* Access-rights bits (SDM "Guest Register State"). */
#define VMX_AR_TYPE(ar)		((ar) & 15)
#define VMX_AR_S			BIT(4)
#define VMX_AR_DPL(ar)		(((ar) >> 5) & 3)
#define VMX_AR_P			BIT(7)
#define VMX_AR_L			BIT(13)
#define VMX_AR_DB			BIT(14)
#define VMX_AR_G			BIT(15)

/*
 * Consistency check: evaluate to true, and trace its text, when @cond
 * (which says what is wrong) holds.
 */
#define CC(cond)							\
({									\
	bool failed_ = (cond);						\
	if (failed_)							\
		trace_duet_entry_check(vmx->vcpu.id, #cond);		\
	failed_;							\
})

/* A usable segment's limit must agree with its granularity. */
static bool vmx_limit_bad(u32 limit, u32 ar)
{
	if (ar & VMX_AR_UNUSABLE)
		return false;
	if ((limit & 0xfff) != 0xfff && (ar & VMX_AR_G))
		return true;
	return (limit >> 20) && !(ar & VMX_AR_G);
}

static bool vmx_canonical(u64 addr)
{
	return (u64)(((s64)addr << 16) >> 16) == addr;
}

/* The number (from 1) of the first failing check, or 0 when none fails. */
u64 vmx_check_guest_state(struct vcpu_vmx *vmx)
{
	u64 cr0 = vmcs_read(VMCS_GUEST_CR0), cr4 = vmcs_read(VMCS_GUEST_CR4);
	u64 efer = vmcs_read(VMCS_GUEST_EFER);
	u64 rflags = vmcs_read(VMCS_GUEST_RFLAGS);
	u64 rip = vmcs_read(VMCS_GUEST_RIP);
	bool ia32e = vmcs_read(VMCS_ENTRY_CONTROLS) & ENTRY_IA32E_MODE;
	u32 cs = vmcs_read(VMCS_GUEST_CS_AR), ss = vmcs_read(VMCS_GUEST_SS_AR);
	u32 tr = vmcs_read(VMCS_GUEST_TR_AR);
	u32 ldtr = vmcs_read(VMCS_GUEST_LDTR_AR);
	u64 n = 0;
	int seg;

	n++;
	if (CC((cr0 & X86_CR0_PG) && !(cr0 & X86_CR0_PE)))
		return n;
	n++;
	if (CC(ia32e && (!(cr0 & X86_CR0_PG) || !(cr4 & X86_CR4_PAE))))
		return n;
	n++;
	if (CC(!ia32e && (cr4 & X86_CR4_PCIDE)))
		return n;
	n++;
	if (CC(!!(efer & EFER_LMA) != ia32e))
		return n;
	n++;
	if (CC((cr0 & X86_CR0_PG) && !!(efer & EFER_LMA) != !!(efer & EFER_LME)))
		return n;
	n++;
	if (CC(!(cs & VMX_AR_P) || !(cs & VMX_AR_S) ||
	       !((VMX_AR_TYPE(cs) & 8) || VMX_AR_TYPE(cs) == 3)))
		return n;
	n++;
	if (CC(ia32e && (cs & VMX_AR_L) && (cs & VMX_AR_DB)))
		return n;
	n++;
	if (CC(!(ss & VMX_AR_UNUSABLE) && VMX_AR_TYPE(ss) != 3 && VMX_AR_TYPE(ss) != 7))
		return n;
	n++;
	if (CC(!(cr0 & X86_CR0_PE) && VMX_AR_DPL(ss)))
		return n;
	n++;
	if (CC(VMX_AR_TYPE(cs) != 3 && !(VMX_AR_TYPE(cs) & 4) && VMX_AR_DPL(cs) != VMX_AR_DPL(ss)))
		return n;
	n++;
	if (CC((tr & VMX_AR_UNUSABLE) || (tr & VMX_AR_S) || !(tr & VMX_AR_P) ||
	       (VMX_AR_TYPE(tr) != 11 && (ia32e || VMX_AR_TYPE(tr) != 3))))
		return n;
	n++;
	if (CC(!(ldtr & VMX_AR_UNUSABLE) &&
	       (VMX_AR_TYPE(ldtr) != 2 || (ldtr & VMX_AR_S) || !(ldtr & VMX_AR_P))))
		return n;
	for (seg = VMX_SEG_ES; seg <= VMX_SEG_TR; seg++) {
		n++;
		if (CC(vmx_limit_bad(vmcs_read(VMCS_SEG_LIMIT(seg)),
				     vmcs_read(VMCS_SEG_AR(seg)))))
			return n;
	}
	n++;
	if (CC((rflags & ~0x3f7fd7ULL) || !(rflags & X86_EFLAGS_FIXED)))
		return n;
	n++;
	if (CC((ia32e || !(cr0 & X86_CR0_PE)) && (rflags & X86_EFLAGS_VM)))
		return n;
	n++;
	if (CC(ia32e && (cs & VMX_AR_L) ? !vmx_canonical(rip) : rip >> 32))
		return n;
	n++;
	if (CC(!vmx_canonical(vmcs_read(VMCS_GUEST_GDTR_BASE)) ||
	       !vmx_canonical(vmcs_read(VMCS_GUEST_IDTR_BASE)) ||
	       vmcs_read(VMCS_GUEST_GDTR_LIMIT) >> 16 ||
	       vmcs_read(VMCS_GUEST_IDTR_LIMIT) >> 16))
		return n;
	n++;
	if (CC((vmcs_read(VMCS_GUEST_INTERRUPTIBILITY) & GUEST_INTR_STI) &&
	       !(rflags & X86_EFLAGS_IF)))
		return n;
	return 0;
}
