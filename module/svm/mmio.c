// SPDX-License-Identifier: GPL-2.0
/*
 * SVM MMIO: a nested page fault outside guest RAM (or a write to a
 * read-only slot) runs the faulting instruction through the emulator
 * (x86/emulate.c) and exits to userspace with each access it makes
 * outside RAM (DUET_EXIT_MMIO); a read completes on the next DUET_RUN
 * (svm_complete_mmio(), called by duet_vcpu_complete_userspace()).
 *
 * Not emulated but reported as before, with len 0 and RIP on the
 * instruction (a DUET_RUN meets the same fault again): faults of the
 * CPU's own accesses, that is its guest page walk (exit_info_1 bit 33),
 * an instruction fetch (bit 4), event delivery (EXITINTINFO valid), and
 * code or page tables that duet's own fetch finds outside RAM.
 */
#include <linux/mm.h>
#include <asm/processor-flags.h>
#include <asm/trapnr.h>

#include "svm_vcpu.h"

/* NPF exit_info_1 (APM "Nested versus Guest Page Faults"). */
#define NPF_FETCH		BIT_ULL(4)
#define NPF_GUEST_PAGE_TABLES	BIT_ULL(33)

static struct vcpu_svm *emu_to_svm(struct duet_emu_ctxt *ctxt)
{
	return ctxt->opaque;
}

static int svm_emu_translate(struct duet_emu_ctxt *ctxt, u64 la, u32 access,
			     u64 *gpa, struct duet_emu_fault *fault)
{
	struct vcpu_svm *svm = emu_to_svm(ctxt);
	struct vmcb_save_area *save = &svm->vmcb->save;
	struct duet_walk_result res;
	struct duet_walk_mode mode;
	u32 a = 0;
	int r;

	if (save->cpl == 3)
		a |= DUET_PFERR_USER;
	if (access & DUET_EMU_FETCH) {
		/* The CPU fetched these bytes: accessed bits are already set. */
		a |= DUET_PFERR_FETCH | DUET_WALK_NO_AD;
	} else {
		if (access & DUET_EMU_WRITE)
			a |= DUET_PFERR_WRITE;
		if (save->rflags & X86_EFLAGS_AC)
			a |= DUET_WALK_AC;
	}
	svm_walk_mode(svm, &mode);
	r = duet_walk(svm->vcpu.vm, &mode, la, a, &res);
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

static int svm_emu_probe(struct duet_emu_ctxt *ctxt, u64 gpa, unsigned int len,
			 bool write)
{
	int r = duet_gpa_probe(emu_to_svm(ctxt)->vcpu.vm, gpa, len, write);

	if (r == -ENOENT || r == -EPERM)
		return 1;
	return r;
}

static int svm_emu_read(struct duet_emu_ctxt *ctxt, u64 gpa, void *buf,
			unsigned int len)
{
	return duet_gpa_read(emu_to_svm(ctxt)->vcpu.vm, gpa, buf, len);
}

static int svm_emu_write(struct duet_emu_ctxt *ctxt, u64 gpa, const void *buf,
			 unsigned int len)
{
	return duet_gpa_write(emu_to_svm(ctxt)->vcpu.vm, gpa, buf, len);
}

static const struct duet_emu_ops svm_emu_ops = {
	.translate	= svm_emu_translate,
	.probe		= svm_emu_probe,
	.read		= svm_emu_read,
	.write		= svm_emu_write,
};

/* The guest's registers into the emulator (RAX and RSP live in the VMCB). */
void svm_emu_load(struct vcpu_svm *svm, struct duet_emu_regs *regs)
{
	struct vmcb_save_area *save = &svm->vmcb->save;
	int i;

	for (i = 0; i < NR_VCPU_REGS; i++)
		regs->gpr[i] = svm->regs[i];
	regs->gpr[VCPU_REGS_RAX] = save->rax;
	regs->gpr[VCPU_REGS_RSP] = save->rsp;
	regs->rip = save->rip;
	regs->rflags = save->rflags;
	regs->seg_base[DUET_X86_SEG_ES] = save->es.base;
	regs->seg_base[DUET_X86_SEG_CS] = save->cs.base;
	regs->seg_base[DUET_X86_SEG_SS] = save->ss.base;
	regs->seg_base[DUET_X86_SEG_DS] = save->ds.base;
	regs->seg_base[DUET_X86_SEG_FS] = save->fs.base;
	regs->seg_base[DUET_X86_SEG_GS] = save->gs.base;
	if ((save->efer & EFER_LMA) && (save->cs.attrib & SVM_SEG_ATTR_L))
		regs->mode = DUET_X86_MODE_64;
	else if ((save->cr0 & X86_CR0_PE) && !(save->rflags & X86_EFLAGS_VM) &&
		 (save->cs.attrib & SVM_SEG_ATTR_DB))
		regs->mode = DUET_X86_MODE_32;
	else
		regs->mode = DUET_X86_MODE_16;
	regs->cpl = save->cpl;
	regs->va_bits = save->cr4 & X86_CR4_LA57 ? 57 : 48;
}

void svm_emu_store(struct vcpu_svm *svm, const struct duet_emu_regs *regs)
{
	struct vmcb_save_area *save = &svm->vmcb->save;
	int i;

	for (i = 0; i < NR_VCPU_REGS; i++)
		svm->regs[i] = regs->gpr[i];
	save->rax = regs->gpr[VCPU_REGS_RAX];
	save->rsp = regs->gpr[VCPU_REGS_RSP];
	save->rip = regs->rip;
	save->rflags = regs->rflags | X86_EFLAGS_FIXED;
	/* The instruction completed: its interrupt shadow, if any, is over. */
	svm->vmcb->control.int_state &= ~SVM_INTERRUPT_SHADOW;
}

/* Report the fault without emulating it (len 0; RIP stays). */
static int svm_mmio_report(struct vcpu_svm *svm, u64 gpa)
{
	struct duet_run *run = svm->vcpu.run;

	svm->vcpu.stats.mmio_exits++;
	run->exit_reason = DUET_EXIT_MMIO;
	run->mmio.phys_addr = gpa;
	run->mmio.fault_info = svm->mmio_fault_info;
	run->mmio.is_write = !!(svm->mmio_fault_info & BIT_ULL(1));
	run->mmio.len = 0;
	run->mmio.data = 0;
	return 0;
}

/* An internal-error exit naming the instruction in svm->emu and why. */
void svm_emu_failed(struct vcpu_svm *svm)
{
	struct duet_emu_ctxt *ctxt = &svm->emu;
	struct duet_run *run = svm->vcpu.run;
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
static int svm_mmio_finish(struct vcpu_svm *svm, int r)
{
	struct duet_emu_ctxt *ctxt = &svm->emu;
	struct vmcb_control_area *c = &svm->vmcb->control;
	struct duet_run *run = svm->vcpu.run;

	switch (r) {
	case DUET_EMU_DONE:
		svm_emu_store(svm, &ctxt->regs);
		return 1;
	case DUET_EMU_MMIO:
		/* A write completed the instruction; a read waits for data. */
		if (ctxt->mmio.is_write)
			svm_emu_store(svm, &ctxt->regs);
		else
			svm->vcpu.mmio_pending = true;
		svm->vcpu.stats.mmio_exits++;
		run->exit_reason = DUET_EXIT_MMIO;
		run->mmio.phys_addr = ctxt->mmio.gpa;
		run->mmio.fault_info = svm->mmio_fault_info;
		run->mmio.data = ctxt->mmio.data;
		run->mmio.len = ctxt->mmio.len;
		run->mmio.is_write = ctxt->mmio.is_write;
		return 0;
	case DUET_EMU_FAULT:
		/* Forward the guest's own fault; the instruction stays put. */
		if (ctxt->fault.has_cr2)
			svm->vmcb->save.cr2 = ctxt->fault.cr2;
		c->event_inj = ctxt->fault.vector | SVM_EVTINJ_TYPE_EXEPT |
			       SVM_EVTINJ_VALID;
		if (ctxt->fault.has_error_code) {
			c->event_inj |= SVM_EVTINJ_VALID_ERR;
			c->event_inj_err = ctxt->fault.error_code;
		}
		return 1;
	case DUET_EMU_FAILED:
		if (ctxt->failed == DUET_EMU_FAIL_FETCH)
			return svm_mmio_report(svm, svm->vmcb->control.exit_info_2);
		svm_emu_failed(svm);
		return 0;
	case -EAGAIN:
		/* A guest PTE changed under the walk: let the CPU retry. */
		return 1;
	case -ENOENT:
	case -EPERM:
		/* The guest's page tables are outside RAM. */
		return svm_mmio_report(svm, svm->vmcb->control.exit_info_2);
	}
	return r;
}

/*
 * Fetch and decode the instruction at the guest's RIP into svm->emu, for
 * an exit that needs its bytes (dr.c without decode assists).  Return 0
 * (svm->emu.insn decoded), 1 to resume the guest (a fault of the fetch is
 * queued for it, or a guest PTE changed under the walk), 2 when the run
 * area holds an internal-error exit (bytes outside RAM or that do not
 * decode), or -errno.  The instruction stays put in every case but 0.
 */
int svm_fetch_insn(struct vcpu_svm *svm)
{
	struct duet_emu_ctxt *ctxt = &svm->emu;
	int r;

	memset(ctxt, 0, sizeof(*ctxt));
	ctxt->ops = &svm_emu_ops;
	ctxt->opaque = svm;
	svm_emu_load(svm, &ctxt->regs);
	r = duet_emu_fetch(ctxt);
	switch (r) {
	case 0:
		return 0;
	case DUET_EMU_FAULT:
	case -EAGAIN:
		return svm_mmio_finish(svm, r);
	case -ENOENT:
	case -EPERM:
		/* The guest's page tables are outside RAM. */
		ctxt->failed = DUET_EMU_FAIL_FETCH;
		fallthrough;
	case DUET_EMU_FAILED:
		svm_emu_failed(svm);
		return 2;
	}
	return r;
}

/* A nested page fault outside RAM (npf_interception()). */
int svm_mmio_npf(struct vcpu_svm *svm)
{
	struct vmcb_control_area *c = &svm->vmcb->control;
	struct duet_emu_ctxt *ctxt = &svm->emu;
	int r;

	svm->mmio_fault_info = c->exit_info_1;
	if ((c->exit_info_1 & (NPF_FETCH | NPF_GUEST_PAGE_TABLES)) ||
	    (c->exit_int_info & SVM_EVTINJ_VALID))
		return svm_mmio_report(svm, c->exit_info_2);

	memset(ctxt, 0, sizeof(*ctxt));
	ctxt->ops = &svm_emu_ops;
	ctxt->opaque = svm;
	svm_emu_load(svm, &ctxt->regs);
	r = duet_emu_fetch(ctxt);
	if (!r)
		r = duet_emu_step(ctxt);
	return svm_mmio_finish(svm, r);
}

/*
 * The next DUET_RUN after a read exit: re-run the instruction with
 * @data.  0 to enter the guest, 1 when it exits again (the write of a
 * read-modify-write, or an error exit), or -errno.
 */
int svm_complete_mmio(struct duet_vcpu *vcpu, u64 data)
{
	struct vcpu_svm *svm = to_svm(vcpu);
	struct duet_emu_ctxt *ctxt = &svm->emu;
	int r;

	duet_emu_complete_read(ctxt, data);
	svm_emu_load(svm, &ctxt->regs);
	r = svm_mmio_finish(svm, duet_emu_step(ctxt));
	if (r < 0)
		return r;
	if (!r)
		svm_report_interruptibility(svm);
	return !r;
}
