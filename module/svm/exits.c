// SPDX-License-Identifier: GPL-2.0
/*
 * SVM exit handlers, in a table indexed by exit code.  Each returns 1 to
 * resume the guest, 0 to return to userspace with the run area filled,
 * or a negative errno.
 *
 * Handlers that complete an instruction move RIP past it with
 * svm_skip_insn(): rip.c knows where it ends (next_rip, EXITINFO2 or the
 * length of a fixed-form instruction) or says it cannot tell.
 */
#include <linux/io.h>
#include <linux/mm.h>
#include <asm/trapnr.h>

#include "svm_vcpu.h"
#include "../trace.h"

#define GP_VECTOR		13

/* NPF exit_info_1 (APM "Nested versus Guest Page Faults"). */
#define NPF_WRITE		BIT_ULL(1)
#define NPF_FETCH		BIT_ULL(4)

int svm_internal_error(struct vcpu_svm *svm, u32 suberror)
{
	struct duet_run *run = svm->vcpu.run;

	run->exit_reason = DUET_EXIT_INTERNAL_ERROR;
	run->internal.suberror = suberror;
	run->internal.ndata = 3;
	run->internal.data[0] = svm->vmcb->control.exit_code;
	run->internal.data[1] = svm->vmcb->control.exit_info_1;
	run->internal.data[2] = svm->vmcb->control.exit_info_2;
	return 0;
}

/*
 * Complete the intercepted instruction: move RIP past it, and end the
 * interrupt shadow it may have been in (APM "Interrupt Shadows": the
 * shadow covers one instruction, now done).  False when its end is
 * unknown (duet_svm_next_rip()): the handler must then stop with
 * svm_skip_failed() instead of guessing.
 */
bool svm_skip_insn(struct vcpu_svm *svm)
{
	struct vmcb *vmcb = svm->vmcb;
	u64 rip;

	if (duet_svm_next_rip(vmcb->control.exit_code, vmcb->save.rip,
			      vmcb->control.next_rip, vmcb->control.exit_info_2,
			      duet_caps.nrip_save, &rip))
		return false;
	vmcb->save.rip = rip;
	vmcb->control.int_state &= ~SVM_INTERRUPT_SHADOW;
	return true;
}

/*
 * svm_skip_insn() for an instruction whose @len duet decoded from its bytes
 * (duet_svm_next_rip_decoded()): its end is always known.
 */
void svm_skip_decoded(struct vcpu_svm *svm, unsigned int len, bool mode64)
{
	struct vmcb *vmcb = svm->vmcb;

	vmcb->save.rip = duet_svm_next_rip_decoded(vmcb->save.rip,
						   vmcb->control.next_rip,
						   duet_caps.nrip_save, len,
						   mode64);
	vmcb->control.int_state &= ~SVM_INTERRUPT_SHADOW;
}

/* What a handler returns when svm_skip_insn() failed: an internal error. */
int svm_skip_failed(struct vcpu_svm *svm)
{
	return svm_internal_error(svm, DUET_INTERNAL_NO_NEXT_RIP);
}

/* Queue #GP(0) for the next entry; the faulting instruction is not skipped. */
void svm_inject_gp(struct vcpu_svm *svm)
{
	svm_inject_exception(svm, GP_VECTOR, 0);
}

static int intr_interception(struct vcpu_svm *svm)
{
	svm->vcpu.stats.intr_exits++;
	/* The host took the interrupt after STGI: just go back in. */
	return 1;
}

static int vintr_interception(struct vcpu_svm *svm)
{
	svm->vcpu.stats.irq_window_exits++;
	/* The window is open: svm_prepare_events() injects or reports. */
	svm->vmcb->control.int_ctl &= ~V_IRQ;
	svm->vmcb->control.intercept_misc1 &= ~BIT(INTERCEPT_VINTR);
	return 1;
}

static int cpuid_interception(struct vcpu_svm *svm)
{
	unsigned long *regs = svm->regs;
	const struct duet_cpuid_entry *e;

	svm->vcpu.stats.cpuid_exits++;
	e = duet_cpuid_find(svm->vcpu.cpuid, svm->vmcb->save.rax,
			    regs[VCPU_REGS_RCX]);
	svm->vmcb->save.rax = e ? e->eax : 0;
	regs[VCPU_REGS_RBX] = e ? e->ebx : 0;
	regs[VCPU_REGS_RCX] = e ? e->ecx : 0;
	regs[VCPU_REGS_RDX] = e ? e->edx : 0;
	return svm_skip_insn(svm) ? 1 : svm_skip_failed(svm);
}

static int halt_interception(struct vcpu_svm *svm)
{
	svm->vcpu.stats.halt_exits++;
	if (!svm_skip_insn(svm))
		return svm_skip_failed(svm);
	svm->vcpu.run->exit_reason = DUET_EXIT_HLT;
	return 0;
}

static int vmmcall_interception(struct vcpu_svm *svm)
{
	struct duet_run *run = svm->vcpu.run;
	unsigned long *regs = svm->regs;

	svm->vcpu.stats.hypercall_exits++;
	if (!svm_skip_insn(svm))
		return svm_skip_failed(svm);
	if (svm->vmcb->save.rax == DUET_HC_NOP) {
		svm->vmcb->save.rax = 0;
		return 1;
	}
	run->exit_reason = DUET_EXIT_HYPERCALL;
	run->hypercall.nr = svm->vmcb->save.rax;
	run->hypercall.args[0] = regs[VCPU_REGS_RBX];
	run->hypercall.args[1] = regs[VCPU_REGS_RCX];
	run->hypercall.args[2] = regs[VCPU_REGS_RDX];
	run->hypercall.args[3] = regs[VCPU_REGS_RSI];
	run->hypercall.ret = 0;
	svm->vcpu.hypercall_pending = true;
	return 0;
}

static int npf_interception(struct vcpu_svm *svm)
{
	struct vmcb_control_area *c = &svm->vmcb->control;
	bool mmio = false;
	int r;

	svm->vcpu.stats.npt_faults++;
	r = svm_npf_map(svm, c->exit_info_2, c->exit_info_1 & NPF_WRITE,
			c->exit_info_1 & NPF_FETCH, &mmio);
	if (r == DUET_NPT_FAULT_DIVERT && svm->vcpu.bt_step)
		/* BT's own step over an instruction of that page. */
		r = duet_npt_grant_step(&svm->vcpu, &to_svm_vm(svm->vcpu.vm)->npt,
					c->exit_info_2);
	if (r == DUET_NPT_FAULT_DIVERT) {
		/* A BT segment's page: see struct duet_vcpu's bt_divert. */
		svm->vcpu.bt_divert = true;
		svm->vcpu.bt_divert_rip = svm->vmcb->save.rip;
		svm->vcpu.bt_divert_gpa = c->exit_info_2;
		return 1;
	}
	if (r)
		return r;
	if (!mmio)
		return 1;

	/* Outside guest memory (or a write to a read-only slot): emulate. */
	return svm_mmio_npf(svm);
}

static int shutdown_interception(struct vcpu_svm *svm)
{
	svm->vcpu.stats.shutdown_exits++;
	/* APM: the VMCB is undefined after a shutdown: never run it again. */
	svm->vcpu.vm->dead = true;
	svm->vcpu.run->exit_reason = DUET_EXIT_SHUTDOWN;
	return 0;
}

static int (*const svm_exit_handlers[])(struct vcpu_svm *svm) = {
	[SVM_EXIT_EXCP_BASE + X86_TRAP_DB] = db_interception,
	[SVM_EXIT_INTR]		= intr_interception,
	[SVM_EXIT_NMI]		= intr_interception,
	[SVM_EXIT_SMI]		= intr_interception,
	[SVM_EXIT_VINTR]	= vintr_interception,
	[SVM_EXIT_CPUID]	= cpuid_interception,
	[SVM_EXIT_IRET]		= iret_interception,
	[SVM_EXIT_HLT]		= halt_interception,
	[SVM_EXIT_IOIO]		= io_interception,
	[SVM_EXIT_MSR]		= msr_interception,
	[SVM_EXIT_SHUTDOWN]	= shutdown_interception,
	[SVM_EXIT_VMMCALL]	= vmmcall_interception,
	[SVM_EXIT_NPF]		= npf_interception,
	[SVM_EXIT_READ_DR0 ... SVM_EXIT_READ_DR7]	= dr_interception,
	[SVM_EXIT_WRITE_DR0 ... SVM_EXIT_WRITE_DR7]	= dr_interception,
};

int svm_handle_exit(struct vcpu_svm *svm)
{
	u64 code = svm->vmcb->control.exit_code;
	struct duet_vcpu *vcpu = &svm->vcpu;

	vcpu->stats.exits++;
	vcpu->run->hw_exit_code = code;
	trace_duet_exit(vcpu->id, code, svm->vmcb->save.rip,
			svm->vmcb->control.exit_info_1,
			svm->vmcb->control.exit_info_2);

	/*
	 * APM: VMEXIT_INVALID is -1; compare the low half only, as some
	 * implementations (QEMU's among them) write just 32 bits.
	 */
	if ((u32)code == (u32)SVM_EXIT_INVALID)
		return svm_internal_error(svm, DUET_INTERNAL_ENTRY_FAILED);
	if (code >= ARRAY_SIZE(svm_exit_handlers) || !svm_exit_handlers[code])
		return svm_internal_error(svm, DUET_INTERNAL_UNKNOWN_EXIT);
	return svm_exit_handlers[code](svm);
}

/*
 * Map the page behind @gpa on a nested page fault (duet_npt_fault_map());
 * set *@mmio when it is not RAM the guest may access that way.
 */
int svm_npf_map(struct vcpu_svm *svm, u64 gpa, bool write, bool fetch,
		bool *mmio)
{
	return duet_npt_fault_map(svm->vcpu.vm, &to_svm_vm(svm->vcpu.vm)->npt,
				  gpa, write, fetch, mmio);
}
