// SPDX-License-Identifier: GPL-2.0
/*
 * MOV to and from DR0-DR7 on SVM (kunit/svm/dr_test.c).
 *
 * Without intercepts a guest reads and writes the host's DR0-DR3 (the CPU
 * does not switch them), and its DR7 could arm breakpoints on whatever
 * addresses the host left there.  duet intercepts every access from vCPU
 * creation (VMCB intercept_dr, reads and writes of DR0-DR7):
 *
 *  - DR0-DR3 and DR7 live in software (vcpu_svm.db[], .dr7): the guest
 *    reads back what it wrote (the fixed bits of DR7 forced as the CPU
 *    does), and nothing reaches the hardware.  The VMCB's DR7 stays 0x400,
 *    so no breakpoint can fire inside the guest, on its addresses or the
 *    host's.  Guest hardware breakpoints are therefore not supported yet:
 *    they are accepted and never trigger.
 *  - DR6 stays in the VMCB's save area, which the CPU loads and saves (its
 *    single-step and task-switch bits are real; nmi.c relies on it).
 *  - DR4 and DR5 alias DR6 and DR7 while CR4.DE is clear, and raise #UD
 *    while it is set (APM "Debug Registers", SDM "Debug Extensions").
 *  - MOV DR is privileged: #GP(0) at CPL > 0.  The CPU checks that before
 *    the intercept (APM "Instruction Intercepts": exceptions an
 *    instruction raises before it executes take priority, and KVM's
 *    emulator checks MOV DR intercepts after them, X86_ICPT_POST_EXCEPT),
 *    so the check here only covers CPUs that do otherwise.  QEMU TCG, for
 *    one, checks CPL before the intercept but DR4/DR5 and the value after
 *    it, so those checks are real.
 *  - DR7.GD raises #DB (DR6.BD set, GD cleared) before any access; a write
 *    of bits 63:32 of DR6 or DR7 raises #GP(0).
 *
 * The GPR comes from EXITINFO1 bits 3:0 with decode assists (APM "MOV
 * to/from DRn Intercepts").  Without them (QEMU TCG has none) duet fetches
 * and decodes the instruction: 0F 21 /r (from DR) or 0F 23 /r (to DR),
 * ModRM.rm (with REX.B) the GPR, ModRM.reg (with REX.R) the DR; 64-bit
 * operands in 64-bit mode, 32-bit elsewhere.  A fault of the fetch goes to
 * the guest (the instruction stays put); bytes that are not the MOV DR the
 * exit names end in an internal-error exit (DUET_INTERNAL_EMULATION_FAILED).
 *
 * DR exits are handled outside svm_vcpu_run()'s fast loop: the fetch may
 * sleep.
 */
#include <asm/trapnr.h>

#include "svm_vcpu.h"
#include "../x86/decode.h"

/**
 * duet_svm_dr_check - what MOV to or from DRn raises, if anything
 * @dr:    n, 0-7, from the exit code
 * @write: MOV to DRn
 * @cr4:   the guest's CR4
 * @cpl:   the guest's CPL
 * @dr7:   the guest's DR7 (software copy)
 * @val:   the value written, already cut to the operand size
 * @eff:   out: the register accessed (DR4/DR5 alias DR6/DR7)
 *
 * In the order the CPU checks them: privilege, DR4/DR5 with CR4.DE,
 * general detect, then the value.
 *
 * Return: SVM_DR_OK, or the exception to raise instead.
 */
enum svm_dr_fault duet_svm_dr_check(unsigned int dr, bool write, u64 cr4,
				    u8 cpl, u64 dr7, u64 val,
				    unsigned int *eff)
{
	if (cpl)
		return SVM_DR_GP;
	*eff = dr;
	if (dr == 4 || dr == 5) {
		if (cr4 & X86_CR4_DE)
			return SVM_DR_UD;
		*eff = dr + 2;
	}
	if (dr7 & DUET_DR7_GD)
		return SVM_DR_DB;
	if (write && *eff >= 6 && val >> 32)
		return SVM_DR_GP;
	return SVM_DR_OK;
}
EXPORT_SYMBOL_IF_DUET_KUNIT(duet_svm_dr_check);

/**
 * duet_svm_dr_parse - the GPR operand of MOV to or from DRn, from its bytes
 * @bytes:    the instruction's bytes
 * @len:      bytes available
 * @mode64:   the guest is in 64-bit mode (else 32-bit decoding: MOV DR
 *            has no 16-bit form, its operand is 32 bits outside 64-bit mode)
 * @dr:       n, 0-7, as the exit code says
 * @write:    the exit is a write (MOV to DRn)
 * @gpr:      out: the general-purpose register, 0-15
 * @insn_len: out: the instruction's length
 *
 * Return: 0; -ENODATA when @bytes end inside the instruction; -EILSEQ
 * when they are not a valid MOV to (or from) DR@dr.
 */
DUET_VISIBLE_IF_KUNIT
int duet_svm_dr_parse(const u8 *bytes, unsigned int len, bool mode64,
		      unsigned int dr, bool write, unsigned int *gpr,
		      unsigned int *insn_len)
{
	struct duet_x86_insn insn;
	int r;

	r = duet_x86_decode(&insn, bytes, len,
			    mode64 ? DUET_X86_MODE_64 : DUET_X86_MODE_32, 0);
	if (r == -ENODATA)
		return r;
	if (r || insn.ud || insn.map != DUET_X86_MAP_0F ||
	    insn.opcode != (write ? 0x23 : 0x21) || insn.reg != dr)
		return -EILSEQ;
	*gpr = insn.rm;
	*insn_len = insn.len;
	return 0;
}
EXPORT_SYMBOL_IF_DUET_KUNIT(duet_svm_dr_parse);

/* RAX and RSP live in the VMCB, the other GPRs in svm->regs. */
static u64 *svm_gpr(struct vcpu_svm *svm, unsigned int reg)
{
	if (reg == VCPU_REGS_RAX)
		return &svm->vmcb->save.rax;
	if (reg == VCPU_REGS_RSP)
		return &svm->vmcb->save.rsp;
	return (u64 *)&svm->regs[reg];
}

static void svm_dr_raise(struct vcpu_svm *svm, enum svm_dr_fault f)
{
	struct vmcb_control_area *c = &svm->vmcb->control;

	switch (f) {
	case SVM_DR_UD:
		c->event_inj = X86_TRAP_UD | SVM_EVTINJ_TYPE_EXEPT |
			       SVM_EVTINJ_VALID;
		break;
	case SVM_DR_DB:
		/* SDM "General-Detect Exception Condition": a fault. */
		svm->vmcb->save.dr6 |= DUET_DR6_BD;
		svm->dr7 &= ~DUET_DR7_GD;
		c->event_inj = X86_TRAP_DB | SVM_EVTINJ_TYPE_EXEPT |
			       SVM_EVTINJ_VALID;
		break;
	default:
		svm_inject_gp(svm);
	}
}

static u64 svm_dr_get(struct vcpu_svm *svm, unsigned int dr)
{
	if (dr < 4)
		return svm->db[dr];
	if (dr == 6)
		return svm->vmcb->save.dr6;
	return svm->dr7;
}

static void svm_dr_set(struct vcpu_svm *svm, unsigned int dr, u64 val)
{
	if (dr < 4) {
		svm->db[dr] = val;
	} else if (dr == 6) {
		val = (val & DUET_DR6_VOLATILE) | DUET_DR6_FIXED_1;
		svm->vmcb->save.dr6 = val;
		/* nmi.c puts this back after its own step. */
		if (svm->nmi_singlestep)
			svm->singlestep_dr6 = val;
	} else {
		/* Kept, never loaded: the VMCB's DR7 stays 0x400. */
		svm->dr7 = (val & DUET_DR7_VOLATILE) | DUET_DR7_FIXED_1;
	}
}

int dr_interception(struct vcpu_svm *svm)
{
	struct vmcb *vmcb = svm->vmcb;
	u64 code = vmcb->control.exit_code;
	bool write = code >= SVM_EXIT_WRITE_DR0;
	unsigned int dr = code & 0xf, gpr, len = 0, eff;
	bool mode64 = (vmcb->save.efer & EFER_LMA) &&
		      (vmcb->save.cs.attrib & SVM_SEG_ATTR_L);
	bool decoded = !duet_caps.decode_assists || !duet_caps.nrip_save;
	enum svm_dr_fault f;
	u64 *reg, val = 0;
	int r;

	if (decoded) {
		r = svm_fetch_insn(svm);
		if (r)
			return r == 2 ? 0 : r;
		if (duet_svm_dr_parse(svm->emu.bytes, svm->emu.nr_bytes, mode64,
				      dr, write, &gpr, &len)) {
			svm->emu.failed = DUET_EMU_FAIL_DECODE;
			svm_emu_failed(svm);
			return 0;
		}
	} else {
		gpr = vmcb->control.exit_info_1 & SVM_EXITINFO1_DR_GPR;
	}

	reg = svm_gpr(svm, gpr);
	if (write)
		val = mode64 ? *reg : (u32)*reg;
	f = duet_svm_dr_check(dr, write, vmcb->save.cr4, vmcb->save.cpl,
			      svm->dr7, val, &eff);
	if (f) {
		/* A fault: the instruction stays put. */
		svm_dr_raise(svm, f);
		return 1;
	}

	if (write) {
		svm_dr_set(svm, eff, val);
	} else {
		val = svm_dr_get(svm, eff);
		*reg = mode64 ? val : (u32)val;
	}
	if (decoded) {
		svm_skip_decoded(svm, len, mode64);
		return 1;
	}
	return svm_skip_insn(svm) ? 1 : svm_skip_failed(svm);
}
