// SPDX-License-Identifier: GPL-2.0
/*
 * SVM MSRs: the one list of MSRs duet emulates, their reads and writes
 * (from the guest's RDMSR/WRMSR exits and from DUET_GET/SET_MSRS), the
 * MSR permission map built from the same list, and the exit to userspace
 * for the MSRs duet does not emulate (DUET_VM_USER_MSR).
 *
 * The guest's syscall and segment-base MSRs live in the VMCB save area,
 * where VMLOAD puts them into the CPU before VMRUN and VMSAVE takes them
 * back after #VMEXIT (vmenter.S): the guest reads and writes them without
 * an exit, and the ioctls read and write the VMCB fields.
 */
#include <asm/msr.h>

#include "svm_vcpu.h"

unsigned int svm_msr_index_list(u32 *indices, unsigned int max)
{
	return duet_msr_index_list(indices, max);
}

/*
 * APM "MSR Permissions Map": three 2 KiB vectors for MSRs 0-1FFFh,
 * C000_0000h-C000_1FFFh and C001_0000h-C001_1FFFh, two bits (read, write)
 * per MSR.  Clear both bits of @msr.
 */
static void svm_msrpm_allow(u8 *msrpm, u32 msr)
{
	u32 base, offset;

	if (msr < 0x2000)
		base = 0;
	else if (msr - 0xc0000000 < 0x2000)
		base = 0x800;
	else if (msr - 0xc0010000 < 0x2000)
		base = 0x1000;
	else
		return;
	offset = (msr & 0x1fff) * 2;
	msrpm[base + offset / 8] &= ~(3 << (offset % 8));
}

/* Intercept every MSR but the passed-through ones of duet_msrs[]. */
void svm_msrpm_init(void *msrpm)
{
	unsigned int i;

	memset(msrpm, 0xff, PAGE_SIZE << SVM_MSRPM_ORDER);
	for (i = 0; i < duet_nr_msrs; i++)
		if (duet_msrs[i].flags & DUET_MSR_PASSTHROUGH)
			svm_msrpm_allow(msrpm, duet_msrs[i].index);
}

/* 0, or -ENOENT for an MSR duet does not emulate. */
int svm_get_msr(struct duet_vcpu *vcpu, u32 index, u64 *data)
{
	struct vcpu_svm *svm = to_svm(vcpu);
	struct vmcb_save_area *save = &svm->vmcb->save;

	if (!duet_msr_find(index))
		return -ENOENT;

	switch (index) {
	case MSR_EFER:
		*data = save->efer & ~EFER_SVME;
		break;
	case MSR_IA32_CR_PAT:
		*data = save->g_pat;
		break;
	case MSR_IA32_TSC:
		*data = rdtsc() + svm->vmcb->control.tsc_offset;
		break;
	case MSR_IA32_APICBASE:
		*data = svm_apic_base(vcpu);
		break;
	case MSR_IA32_MTRRCAP:		/* no variable or fixed MTRRs */
	case MSR_IA32_MTRR_DEF_TYPE:		/* MTRRs disabled */
		*data = 0;
		break;
	case MSR_STAR:
		*data = save->star;
		break;
	case MSR_LSTAR:
		*data = save->lstar;
		break;
	case MSR_CSTAR:
		*data = save->cstar;
		break;
	case MSR_SYSCALL_MASK:
		*data = save->sfmask;
		break;
	case MSR_KERNEL_GS_BASE:
		*data = save->kernel_gs_base;
		break;
	case MSR_IA32_SYSENTER_CS:
		*data = save->sysenter_cs;
		break;
	case MSR_IA32_SYSENTER_ESP:
		*data = save->sysenter_esp;
		break;
	case MSR_IA32_SYSENTER_EIP:
		*data = save->sysenter_eip;
		break;
	case MSR_FS_BASE:
		*data = save->fs.base;
		break;
	case MSR_GS_BASE:
		*data = save->gs.base;
		break;
	default:
		return -ENOENT;
	}
	return 0;
}

/*
 * 0, -ENOENT for an MSR duet does not emulate, or -EINVAL for a value
 * WRMSR would raise #GP on.  @host_initiated: DUET_SET_MSRS rather than
 * the guest's WRMSR; it differs for EFER (see duet_msr_efer_valid()) and
 * for MTRRcap, which the host may write with the value it has.
 */
int svm_set_msr(struct duet_vcpu *vcpu, u32 index, u64 data,
		bool host_initiated)
{
	struct vcpu_svm *svm = to_svm(vcpu);
	struct vmcb_save_area *save = &svm->vmcb->save;
	const struct duet_msr *m = duet_msr_find(index);
	u64 efer;

	if (!m)
		return -ENOENT;
	if ((m->flags & DUET_MSR_ADDR) &&
	    !duet_msr_canonical(data, duet_msr_va_bits()))
		return -EINVAL;

	switch (index) {
	case MSR_EFER:
		efer = save->efer & ~EFER_SVME;
		if (!duet_msr_efer_valid(efer, data, SVM_GUEST_EFER_BITS,
					 save->cr0 & X86_CR0_PG, host_initiated))
			return -EINVAL;
		/* APM: VMRUN fails unless the guest's EFER.SVME is set. */
		save->efer = duet_msr_efer_value(efer, data, host_initiated) |
			     EFER_SVME;
		break;
	case MSR_IA32_CR_PAT:
		if (!duet_msr_pat_valid(data))
			return -EINVAL;
		save->g_pat = data;
		break;
	case MSR_IA32_TSC:
		svm->vmcb->control.tsc_offset = data - rdtsc();
		break;
	case MSR_IA32_APICBASE:
		/* No APIC to move or disable yet: only its value is taken. */
		if (data != svm_apic_base(vcpu))
			return -EINVAL;
		break;
	case MSR_IA32_MTRRCAP:
		/* SDM: read-only; the host may restore what it read. */
		if (!host_initiated || data)
			return -EINVAL;
		break;
	case MSR_IA32_MTRR_DEF_TYPE:
		if (data)
			return -EINVAL;
		break;
	case MSR_STAR:
		save->star = data;
		break;
	case MSR_LSTAR:
		save->lstar = data;
		break;
	case MSR_CSTAR:
		save->cstar = data;
		break;
	case MSR_SYSCALL_MASK:
		save->sfmask = data;
		break;
	case MSR_KERNEL_GS_BASE:
		save->kernel_gs_base = data;
		break;
	case MSR_IA32_SYSENTER_CS:
		save->sysenter_cs = data;
		break;
	case MSR_IA32_SYSENTER_ESP:
		save->sysenter_esp = data;
		break;
	case MSR_IA32_SYSENTER_EIP:
		save->sysenter_eip = data;
		break;
	case MSR_FS_BASE:
		save->fs.base = data;
		break;
	case MSR_GS_BASE:
		save->gs.base = data;
		break;
	default:
		return -ENOENT;
	}
	return 0;
}

/* RDMSR: EDX:EAX = @data, the upper halves of RAX and RDX cleared. */
static void svm_rdmsr_result(struct vcpu_svm *svm, u64 data)
{
	svm->vmcb->save.rax = (u32)data;
	svm->regs[VCPU_REGS_RDX] = data >> 32;
}

/*
 * Finish a DUET_EXIT_MSR with userspace's answer: #GP at the instruction,
 * or the RDMSR's result and RIP past it.
 */
void svm_complete_msr(struct duet_vcpu *vcpu, bool write, u64 data, bool gp)
{
	struct vcpu_svm *svm = to_svm(vcpu);

	if (gp) {
		svm_inject_gp(svm);
		return;
	}
	if (!write)
		svm_rdmsr_result(svm, data);
	/* The exit is still the MSR intercept: its length is known. */
	if (!svm_skip_insn(svm))
		svm_inject_gp(svm);
}

/*
 * RDMSR/WRMSR of an MSR the permission map intercepts: emulate the ones
 * duet owns; raise #GP for a value WRMSR refuses; for any other MSR raise
 * #GP (what a CPU does for an MSR it lacks) or, with DUET_VM_USER_MSR,
 * ask userspace, which completes the instruction on the next DUET_RUN
 * (svm_complete_msr()).
 */
int msr_interception(struct vcpu_svm *svm)
{
	struct duet_run *run = svm->vcpu.run;
	unsigned long *regs = svm->regs;
	u32 index = regs[VCPU_REGS_RCX];
	bool write = svm->vmcb->control.exit_info_1;
	u64 data = 0;
	int r;

	svm->vcpu.stats.msr_exits++;
	if (write) {
		data = (u32)svm->vmcb->save.rax |
		       ((u64)(u32)regs[VCPU_REGS_RDX] << 32);
		r = svm_set_msr(&svm->vcpu, index, data, false);
	} else {
		r = svm_get_msr(&svm->vcpu, index, &data);
	}

	if (r == -ENOENT && (svm->vcpu.vm->flags & DUET_VM_USER_MSR)) {
		run->exit_reason = DUET_EXIT_MSR;
		run->msr.index = index;
		run->msr.is_write = write;
		run->msr.data = data;
		run->msr.error = 0;
		run->msr.padding = 0;
		svm->vcpu.msr_pending = true;
		svm->vcpu.msr_pending_write = write;
		return 0;
	}
	if (r) {
		svm_inject_gp(svm);
		return 1;
	}
	if (!write)
		svm_rdmsr_result(svm, data);
	return svm_skip_insn(svm) ? 1 : svm_skip_failed(svm);
}
