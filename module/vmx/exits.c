// SPDX-License-Identifier: GPL-2.0
/*
 * VMX exit handlers, in a table indexed by basic exit reason.  Each returns
 * 1 to resume the guest, 0 to return to userspace with the run area
 * filled, or a negative errno.
 *
 * Handlers that complete an instruction move RIP past it with
 * vmx_skip_insn(), by the VM-exit instruction length the CPU reports
 * (SDM "VM-Exit Instruction Length"): unlike SVM without NRIP_SAVE, VMX
 * always knows where the instruction ends.
 */
#include <linux/mm.h>
#include <asm/trapnr.h>

#include "vmx_vcpu.h"
#include "../trace.h"

int vmx_internal_error(struct vcpu_vmx *vmx, u32 suberror)
{
	struct duet_run *run = vmx->vcpu.run;

	run->exit_reason = DUET_EXIT_INTERNAL_ERROR;
	run->internal.suberror = suberror;
	run->internal.ndata = 3;
	run->internal.data[0] = vmx->exit_reason;
	run->internal.data[1] = vmx->exit_qual;
	run->internal.data[2] = vmcs_read(VMCS_GUEST_PHYS_ADDR);
	return 0;
}

/*
 * Complete the exiting instruction: move RIP past it and end the
 * interrupt shadow it may have been in (SDM "Interruptibility State":
 * blocking by STI or MOV SS covers one instruction, now done).
 */
void vmx_skip_insn(struct vcpu_vmx *vmx)
{
	u64 rip = vmcs_read(VMCS_GUEST_RIP) + vmx->insn_len;
	u32 intr = vmcs_read(VMCS_GUEST_INTERRUPTIBILITY);

	if (!(vmcs_read(VMCS_GUEST_EFER) & EFER_LMA) ||
	    !(vmcs_read(VMCS_GUEST_CS_AR) & BIT(13)))
		rip = (u32)rip;
	vmcs_write(VMCS_GUEST_RIP, rip);
	if (intr & (GUEST_INTR_STI | GUEST_INTR_MOV_SS))
		vmcs_write(VMCS_GUEST_INTERRUPTIBILITY,
			   intr & ~(GUEST_INTR_STI | GUEST_INTR_MOV_SS));
}

static int handle_exception_nmi(struct vcpu_vmx *vmx)
{
	u32 info = vmx->exit_intr_info;

	if ((info & INTR_INFO_TYPE_MASK) == INTR_TYPE_NMI) {
		/* The host's NMI, already handled by vmx_handle_host_nmi(). */
		vmx->vcpu.stats.intr_exits++;
		return 1;
	}
	if ((info & INTR_INFO_VECTOR_MASK) == X86_TRAP_DB) {
		/* Intercepted only while BT steps with TF (bt.c). */
		if (!vmx_bt_step_trap(vmx)) {
			vmx->dr6 |= vmx->exit_qual & DUET_DR6_VOLATILE;
			vmx_inject_exception(vmx, X86_TRAP_DB, 0, false);
		}
		return 1;
	}
	/* #MC: the machine's, not the guest's, to handle. */
	return vmx_internal_error(vmx, DUET_INTERNAL_UNKNOWN_EXIT);
}

static int handle_external_interrupt(struct vcpu_vmx *vmx)
{
	vmx->vcpu.stats.intr_exits++;
	/* The host took the interrupt once IF was set: just go back in. */
	return 1;
}

static int handle_preemption_timer(struct vcpu_vmx *vmx)
{
	/* A host tick of guest time: interrupts held meanwhile are taken. */
	vmx->vcpu.stats.intr_exits++;
	return 1;
}

/* The instruction BT asked hardware to run has completed (bt.c). */
static int handle_monitor_trap(struct vcpu_vmx *vmx)
{
	vmx->vcpu.bt_step = false;
	return 1;
}

static int handle_interrupt_window(struct vcpu_vmx *vmx)
{
	vmx->vcpu.stats.irq_window_exits++;
	/* The window is open: vmx_prepare_events() injects or reports. */
	return 1;
}

static int handle_nmi_window(struct vcpu_vmx *vmx)
{
	/* NMIs are unblocked: vmx_prepare_events() injects the pending one. */
	return 1;
}

static int handle_triple_fault(struct vcpu_vmx *vmx)
{
	vmx->vcpu.stats.shutdown_exits++;
	/* As after an SVM shutdown: the VM never runs again. */
	vmx->vcpu.vm->dead = true;
	vmx->vcpu.run->exit_reason = DUET_EXIT_SHUTDOWN;
	return 0;
}

static int handle_cpuid(struct vcpu_vmx *vmx)
{
	unsigned long *regs = vmx->regs;
	const struct duet_cpuid_entry *e;

	vmx->vcpu.stats.cpuid_exits++;
	e = duet_cpuid_find(vmx->vcpu.cpuid, regs[VMX_REG_RAX],
			    regs[VMX_REG_RCX]);
	regs[VMX_REG_RAX] = e ? e->eax : 0;
	regs[VMX_REG_RBX] = e ? e->ebx : 0;
	regs[VMX_REG_RCX] = e ? e->ecx : 0;
	regs[VMX_REG_RDX] = e ? e->edx : 0;
	vmx_skip_insn(vmx);
	return 1;
}

static int handle_hlt(struct vcpu_vmx *vmx)
{
	vmx->vcpu.stats.halt_exits++;
	vmx_skip_insn(vmx);
	vmx->vcpu.run->exit_reason = DUET_EXIT_HLT;
	return 0;
}

static int handle_vmcall(struct vcpu_vmx *vmx)
{
	struct duet_run *run = vmx->vcpu.run;
	unsigned long *regs = vmx->regs;

	vmx->vcpu.stats.hypercall_exits++;
	vmx_skip_insn(vmx);
	if (regs[VMX_REG_RAX] == DUET_HC_NOP) {
		regs[VMX_REG_RAX] = 0;
		return 1;
	}
	run->exit_reason = DUET_EXIT_HYPERCALL;
	run->hypercall.nr = regs[VMX_REG_RAX];
	run->hypercall.args[0] = regs[VMX_REG_RBX];
	run->hypercall.args[1] = regs[VMX_REG_RCX];
	run->hypercall.args[2] = regs[VMX_REG_RDX];
	run->hypercall.args[3] = regs[VMX_REG_RSI];
	run->hypercall.ret = 0;
	vmx->vcpu.hypercall_pending = true;
	return 0;
}

/* Instructions of features the guest does not have: #UD, as on a CPU without them. */
static int handle_ud(struct vcpu_vmx *vmx)
{
	vmx_inject_exception(vmx, X86_TRAP_UD, 0, false);
	return 1;
}

/* INVD: nothing to write back for the guest; complete it. */
static int handle_invd(struct vcpu_vmx *vmx)
{
	vmx_skip_insn(vmx);
	return 1;
}

/* RDPMC: no performance counters for the guest (SDM: #GP for a bad ECX). */
static int handle_rdpmc(struct vcpu_vmx *vmx)
{
	vmx_inject_gp(vmx);
	return 1;
}

static int handle_ept_violation(struct vcpu_vmx *vmx)
{
	u64 gpa = vmcs_read(VMCS_GUEST_PHYS_ADDR);
	u64 qual = vmx->exit_qual;
	bool mmio = false;
	int r;

	vmx->vcpu.stats.npt_faults++;
	/*
	 * SDM "Exit Qualification for EPT Violations": an IRET that faulted
	 * after unblocking NMIs leaves them blocked again when it restarts.
	 */
	if ((qual & EPT_VIOLATION_NMI_UNBLOCK) &&
	    !(vmx->idt_vectoring & INTR_INFO_VALID))
		vmcs_set_bits(VMCS_GUEST_INTERRUPTIBILITY, GUEST_INTR_NMI);

	r = duet_npt_fault_map(vmx->vcpu.vm, &to_vmx_vm(vmx->vcpu.vm)->ept,
			       gpa, qual & EPT_VIOLATION_WRITE,
			       qual & EPT_VIOLATION_FETCH, &mmio);
	if (r == DUET_NPT_FAULT_DIVERT && vmx->vcpu.bt_step)
		/* BT's own step over an instruction of that page. */
		r = duet_npt_grant_step(&vmx->vcpu, &to_vmx_vm(vmx->vcpu.vm)->ept,
					gpa);
	if (r == DUET_NPT_FAULT_DIVERT) {
		/* A BT segment's page: see struct duet_vcpu's bt_divert. */
		vmx->vcpu.bt_divert = true;
		vmx->vcpu.bt_divert_rip = vmcs_read(VMCS_GUEST_RIP);
		vmx->vcpu.bt_divert_gpa = gpa;
		return 1;
	}
	if (r)
		return r;
	if (!mmio)
		return 1;
	/* Outside guest memory (or a write to a read-only slot): emulate. */
	return vmx_mmio_ept(vmx, gpa);
}

/* duet never writes a misconfigured EPT entry: report, never resume. */
static int handle_ept_misconfig(struct vcpu_vmx *vmx)
{
	return vmx_internal_error(vmx, DUET_INTERNAL_UNKNOWN_EXIT);
}

static int (*const vmx_exit_handlers[])(struct vcpu_vmx *vmx) = {
	[EXIT_REASON_EXCEPTION_NMI]		= handle_exception_nmi,
	[EXIT_REASON_EXTERNAL_INTERRUPT]	= handle_external_interrupt,
	[EXIT_REASON_TRIPLE_FAULT]		= handle_triple_fault,
	[EXIT_REASON_INIT_SIGNAL]		= handle_external_interrupt,
	[EXIT_REASON_INTERRUPT_WINDOW]		= handle_interrupt_window,
	[EXIT_REASON_NMI_WINDOW]		= handle_nmi_window,
	[EXIT_REASON_CPUID]			= handle_cpuid,
	[EXIT_REASON_GETSEC]			= handle_ud,
	[EXIT_REASON_HLT]			= handle_hlt,
	[EXIT_REASON_INVD]			= handle_invd,
	[EXIT_REASON_RDPMC]			= handle_rdpmc,
	[EXIT_REASON_VMCALL]			= handle_vmcall,
	[EXIT_REASON_VMCLEAR ... EXIT_REASON_VMON] = handle_ud,
	[EXIT_REASON_CR_ACCESS]			= handle_cr,
	[EXIT_REASON_DR_ACCESS]			= handle_dr,
	[EXIT_REASON_IO_INSTRUCTION]		= handle_io,
	[EXIT_REASON_MSR_READ]			= handle_rdmsr,
	[EXIT_REASON_MSR_WRITE]			= handle_wrmsr,
	[EXIT_REASON_MWAIT_INSTRUCTION]		= handle_ud,
	[EXIT_REASON_MONITOR_TRAP_FLAG]		= handle_monitor_trap,
	[EXIT_REASON_MONITOR_INSTRUCTION]	= handle_ud,
	[EXIT_REASON_EPT_VIOLATION]		= handle_ept_violation,
	[EXIT_REASON_EPT_MISCONFIG]		= handle_ept_misconfig,
	[EXIT_REASON_INVEPT]			= handle_ud,
	[EXIT_REASON_INVVPID]			= handle_ud,
	[EXIT_REASON_PREEMPTION_TIMER]		= handle_preemption_timer,
};

/*
 * A VM entry that failed: VMfail (the VM-instruction error names the
 * control or host-state check) or an exit with bit 31 set (a guest-state
 * or MSR-load check).  The VM cannot run as it is; report, never resume.
 */
static int vmx_entry_failed(struct vcpu_vmx *vmx)
{
	struct duet_run *run = vmx->vcpu.run;

	vmx_internal_error(vmx, DUET_INTERNAL_ENTRY_FAILED);
	run->internal.ndata = 4;
	run->internal.data[2] = vmcs_read(VMCS_INSN_ERROR);
	run->internal.data[3] = vmx_check_guest_state(vmx);
	return 0;
}

int vmx_handle_exit(struct vcpu_vmx *vmx)
{
	struct duet_vcpu *vcpu = &vmx->vcpu;
	u32 reason = vmx->exit_reason;

	vcpu->stats.exits++;
	vcpu->run->hw_exit_code = reason;
	trace_duet_exit(vcpu->id, reason, vmcs_read(VMCS_GUEST_RIP),
			vmx->exit_qual, reason == EXIT_REASON_EPT_VIOLATION ?
			vmcs_read(VMCS_GUEST_PHYS_ADDR) : vmx->exit_intr_info);

	if (reason & EXIT_REASON_FAILED_ENTRY)
		return vmx_entry_failed(vmx);
	reason = EXIT_REASON_BASIC(reason);
	if (reason >= ARRAY_SIZE(vmx_exit_handlers) || !vmx_exit_handlers[reason])
		return vmx_internal_error(vmx, DUET_INTERNAL_UNKNOWN_EXIT);
	return vmx_exit_handlers[reason](vmx);
}

/* The guest's paging mode for duet_walk(), as it sees its registers. */
void vmx_walk_mode(struct vcpu_vmx *vmx, struct duet_walk_mode *m)
{
	m->cr0 = vmx_guest_cr0();
	m->cr3 = vmcs_read(VMCS_GUEST_CR3);
	m->cr4 = vmx_guest_cr4();
	m->efer = vmcs_read(VMCS_GUEST_EFER);
	duet_walk_mode_cpuid(vmx->vcpu.cpuid, m);
	/* Called after the exit's duet_fpu_put(): the image is current. */
	m->pkru = duet_fpu_guest_pkru(vmx->vcpu.fpu);
}

/*
 * The DUET_GMEM_FORWARD handler of the VMX backend, as svm_gmem_forward():
 * @opaque is the vCPU, run by its own thread.
 */
int vmx_gmem_forward(void *opaque, const struct duet_gmem_fault *f)
{
	struct vcpu_vmx *vmx = to_vmx(opaque);

	switch (f->kind) {
	case DUET_MEM_FAULT_PF:
		vmx->cr2 = f->addr;
		vmx_inject_exception(vmx, X86_TRAP_PF, f->error_code, true);
		return 1;
	case DUET_MEM_FAULT_GP:
		vmx_inject_gp(vmx);
		return 1;
	default:
		return f->err;
	}
}
