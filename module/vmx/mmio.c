// SPDX-License-Identifier: GPL-2.0
/*
 * VMX MMIO: an EPT violation outside guest RAM (or a write to a read-only
 * slot) runs the faulting instruction through duet's emulator
 * (x86/emulate.c), exactly as svm/mmio.c does for a nested page fault,
 * and exits to userspace with each access outside RAM (DUET_EXIT_MMIO).
 *
 * Reported without emulation (len 0, RIP on the instruction): the CPU's
 * own accesses, that is its guest page walk (qualification bit 7 set and
 * bit 8 clear), an instruction fetch (bit 2), event delivery (IDT-vectoring
 * information valid), and code or page tables outside RAM.
 */
#include <linux/mm.h>
#include <asm/processor-flags.h>
#include <asm/trapnr.h>

#include "vmx_vcpu.h"

#define EPT_QUAL_TRANSLATED	BIT_ULL(8)

/* Access rights: L (64-bit code) and D/B. */
#define VMX_AR_L		BIT(13)
#define VMX_AR_DB		BIT(14)

static struct vcpu_vmx *emu_to_vmx(struct duet_emu_ctxt *ctxt)
{
	return ctxt->opaque;
}

static int vmx_emu_translate(struct duet_emu_ctxt *ctxt, u64 la, u32 access,
			     u64 *gpa, struct duet_emu_fault *fault)
{
	struct vcpu_vmx *vmx = emu_to_vmx(ctxt);
	struct duet_walk_result res;
	struct duet_walk_mode mode;
	u32 a = 0;
	int r;

	if (ctxt->regs.cpl == 3)
		a |= DUET_PFERR_USER;
	if (access & DUET_EMU_FETCH) {
		/* The CPU fetched these bytes: accessed bits are already set. */
		a |= DUET_PFERR_FETCH | DUET_WALK_NO_AD;
	} else {
		if (access & DUET_EMU_WRITE)
			a |= DUET_PFERR_WRITE;
		if (ctxt->regs.rflags & X86_EFLAGS_AC)
			a |= DUET_WALK_AC;
	}
	vmx_walk_mode(vmx, &mode);
	r = duet_walk(vmx->vcpu.vm, &mode, la, a, &res);
	if (r)
		return r;
	if (res.fault) {
		*fault = (struct duet_emu_fault){
			.vector = X86_TRAP_PF,
			.has_error_code = true,
			.error_code = res.error_code,
			.has_cr2 = true,
			.cr2 = la,
		};
		return 1;
	}
	*gpa = res.gpa;
	return 0;
}

static int vmx_emu_probe(struct duet_emu_ctxt *ctxt, u64 gpa, unsigned int len,
			 bool write)
{
	int r = duet_gpa_probe(emu_to_vmx(ctxt)->vcpu.vm, gpa, len, write);

	if (r == -ENOENT || r == -EPERM)
		return 1;
	return r;
}

static int vmx_emu_read(struct duet_emu_ctxt *ctxt, u64 gpa, void *buf,
			unsigned int len)
{
	return duet_gpa_read(emu_to_vmx(ctxt)->vcpu.vm, gpa, buf, len);
}

static int vmx_emu_write(struct duet_emu_ctxt *ctxt, u64 gpa, const void *buf,
			 unsigned int len)
{
	return duet_gpa_write(emu_to_vmx(ctxt)->vcpu.vm, gpa, buf, len);
}

static const struct duet_emu_ops vmx_emu_ops = {
	.translate	= vmx_emu_translate,
	.probe		= vmx_emu_probe,
	.read		= vmx_emu_read,
	.write		= vmx_emu_write,
};

/* The guest's registers into the emulator. */
void vmx_emu_load(struct vcpu_vmx *vmx, struct duet_emu_regs *regs)
{
	u32 cs_ar = vmcs_read(VMCS_GUEST_CS_AR);
	int i;

	for (i = 0; i < VMX_NR_REGS; i++)
		regs->gpr[i] = vmx->regs[i];
	regs->gpr[VMX_REG_RSP] = vmcs_read(VMCS_GUEST_RSP);
	regs->rip = vmcs_read(VMCS_GUEST_RIP);
	regs->rflags = vmcs_read(VMCS_GUEST_RFLAGS);
	regs->seg_base[DUET_X86_SEG_ES] = vmcs_read(VMCS_GUEST_ES_BASE);
	regs->seg_base[DUET_X86_SEG_CS] = vmcs_read(VMCS_GUEST_CS_BASE);
	regs->seg_base[DUET_X86_SEG_SS] = vmcs_read(VMCS_GUEST_SS_BASE);
	regs->seg_base[DUET_X86_SEG_DS] = vmcs_read(VMCS_GUEST_DS_BASE);
	regs->seg_base[DUET_X86_SEG_FS] = vmcs_read(VMCS_GUEST_FS_BASE);
	regs->seg_base[DUET_X86_SEG_GS] = vmcs_read(VMCS_GUEST_GS_BASE);
	if ((vmcs_read(VMCS_GUEST_EFER) & EFER_LMA) && (cs_ar & VMX_AR_L))
		regs->mode = DUET_X86_MODE_64;
	else if ((vmx_guest_cr0() & X86_CR0_PE) &&
		 !(regs->rflags & X86_EFLAGS_VM) && (cs_ar & VMX_AR_DB))
		regs->mode = DUET_X86_MODE_32;
	else
		regs->mode = DUET_X86_MODE_16;
	regs->cpl = vmx_get_cpl(vmx);
	regs->va_bits = vmx_guest_cr4() & X86_CR4_LA57 ? 57 : 48;
}

void vmx_emu_store(struct vcpu_vmx *vmx, const struct duet_emu_regs *regs)
{
	u32 intr = vmcs_read(VMCS_GUEST_INTERRUPTIBILITY);
	int i;

	for (i = 0; i < VMX_NR_REGS; i++)
		if (i != VMX_REG_RSP)
			vmx->regs[i] = regs->gpr[i];
	vmcs_write(VMCS_GUEST_RSP, regs->gpr[VMX_REG_RSP]);
	vmcs_write(VMCS_GUEST_RIP, regs->rip);
	vmcs_write(VMCS_GUEST_RFLAGS, regs->rflags | X86_EFLAGS_FIXED);
	/* The instruction completed: its interrupt shadow, if any, is over. */
	if (intr & (GUEST_INTR_STI | GUEST_INTR_MOV_SS))
		vmcs_write(VMCS_GUEST_INTERRUPTIBILITY,
			   intr & ~(GUEST_INTR_STI | GUEST_INTR_MOV_SS));
}

/* Report the fault without emulating it (len 0; RIP stays). */
static int vmx_mmio_report(struct vcpu_vmx *vmx)
{
	struct duet_run *run = vmx->vcpu.run;

	vmx->vcpu.stats.mmio_exits++;
	run->exit_reason = DUET_EXIT_MMIO;
	run->mmio.phys_addr = vmx->mmio_gpa;
	run->mmio.fault_info = vmx->mmio_qual;
	run->mmio.is_write = !!(vmx->mmio_qual & EPT_VIOLATION_WRITE);
	run->mmio.len = 0;
	run->mmio.data = 0;
	return 0;
}

/* An internal-error exit naming the instruction in vmx->emu and why. */
static void vmx_emu_failed(struct vcpu_vmx *vmx)
{
	struct duet_emu_ctxt *ctxt = &vmx->emu;
	struct duet_run *run = vmx->vcpu.run;
	u64 bytes[2] = { 0, 0 };

	memcpy(bytes, ctxt->bytes, min_t(unsigned int, ctxt->nr_bytes,
					 sizeof(ctxt->bytes)));
	run->exit_reason = DUET_EXIT_INTERNAL_ERROR;
	run->internal.suberror = DUET_INTERNAL_EMULATION_FAILED;
	run->internal.ndata = 4;
	run->internal.data[0] = ctxt->regs.rip;
	run->internal.data[1] = bytes[0];
	run->internal.data[2] = bytes[1];
	run->internal.data[3] = ctxt->nr_bytes | (u64)ctxt->failed << 8;
}

/*
 * Act on what the emulator said: 1 to resume the guest, 0 to exit to
 * userspace (run area filled), or -errno.
 */
static int vmx_mmio_finish(struct vcpu_vmx *vmx, int r)
{
	struct duet_emu_ctxt *ctxt = &vmx->emu;
	struct duet_run *run = vmx->vcpu.run;

	switch (r) {
	case DUET_EMU_DONE:
		vmx_emu_store(vmx, &ctxt->regs);
		return 1;
	case DUET_EMU_MMIO:
		/* A write completed the instruction; a read waits for data. */
		if (ctxt->mmio.is_write)
			vmx_emu_store(vmx, &ctxt->regs);
		else
			vmx->vcpu.mmio_pending = true;
		vmx->vcpu.stats.mmio_exits++;
		run->exit_reason = DUET_EXIT_MMIO;
		run->mmio.phys_addr = ctxt->mmio.gpa;
		run->mmio.fault_info = vmx->mmio_qual;
		run->mmio.data = ctxt->mmio.data;
		run->mmio.len = ctxt->mmio.len;
		run->mmio.is_write = ctxt->mmio.is_write;
		return 0;
	case DUET_EMU_FAULT:
		/* Forward the guest's own fault; the instruction stays put. */
		if (ctxt->fault.has_cr2)
			vmx->cr2 = ctxt->fault.cr2;
		vmx_inject_exception(vmx, ctxt->fault.vector,
				     ctxt->fault.error_code,
				     ctxt->fault.has_error_code);
		return 1;
	case DUET_EMU_FAILED:
		if (ctxt->failed == DUET_EMU_FAIL_FETCH)
			return vmx_mmio_report(vmx);
		vmx_emu_failed(vmx);
		return 0;
	case -EAGAIN:
		/* A guest PTE changed under the walk: let the CPU retry. */
		return 1;
	case -ENOENT:
	case -EPERM:
		/* The guest's page tables are outside RAM. */
		return vmx_mmio_report(vmx);
	}
	return r;
}

/* An EPT violation outside RAM (handle_ept_violation()). */
int vmx_mmio_ept(struct vcpu_vmx *vmx, u64 gpa)
{
	struct duet_emu_ctxt *ctxt = &vmx->emu;
	u64 q = vmx->exit_qual;
	int r;

	vmx->mmio_gpa = gpa;
	vmx->mmio_qual = q;
	if ((q & EPT_VIOLATION_FETCH) ||
	    ((q & EPT_VIOLATION_LINEAR_VALID) && !(q & EPT_QUAL_TRANSLATED)) ||
	    (vmx->idt_vectoring & INTR_INFO_VALID))
		return vmx_mmio_report(vmx);

	memset(ctxt, 0, sizeof(*ctxt));
	ctxt->ops = &vmx_emu_ops;
	ctxt->opaque = vmx;
	vmx_emu_load(vmx, &ctxt->regs);
	r = duet_emu_fetch(ctxt);
	if (!r)
		r = duet_emu_step(ctxt);
	return vmx_mmio_finish(vmx, r);
}

/*
 * The next DUET_RUN after a read exit: re-run the instruction with
 * @data.  0 to enter the guest, 1 when it exits again (the write of a
 * read-modify-write, or an error exit), or -errno.
 */
int vmx_complete_mmio(struct duet_vcpu *vcpu, u64 data)
{
	struct vcpu_vmx *vmx = to_vmx(vcpu);
	struct duet_emu_ctxt *ctxt = &vmx->emu;
	int r;

	vmx_get_sleepable(vmx);
	duet_emu_complete_read(ctxt, data);
	vmx_emu_load(vmx, &ctxt->regs);
	r = vmx_mmio_finish(vmx, duet_emu_step(ctxt));
	if (!r)
		vmx_report_interruptibility(vmx);
	vmx_put_sleepable(vmx);
	if (r < 0)
		return r;
	return !r;
}
