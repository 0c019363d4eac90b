// SPDX-License-Identifier: GPL-2.0
/*
 * VMX MSRs: duet's one list of emulated MSRs (duet_msrs[], msr.c), their
 * reads and writes, the MSR bitmap built from it, and the exit to
 * userspace for the MSRs duet does not emulate (DUET_VM_USER_MSR), with
 * the same results as on SVM.
 *
 * Where the guest's values live: EFER, PAT, SYSENTER_* and the FS/GS
 * bases in the VMCS guest-state area (VM entry loads them, VM exit saves
 * them); STAR, LSTAR, CSTAR, SFMASK and KernelGSBase, which VMX does not
 * switch, in struct vcpu_vmx, loaded into the CPU around the run loop
 * (vmx_vcpu.c).  The passed-through ones need no exit.
 */
#include <asm/msr.h>

#include "vmx_vcpu.h"

/*
 * SDM "MSR-Bitmap Address": four 1 KiB bitmaps, reads of MSRs 0-1FFFh,
 * reads of C000_0000h-C000_1FFFh, then the same two for writes; a set bit
 * makes the access exit.  Clear both of @msr.
 */
static void vmx_msr_bitmap_allow(u8 *bitmap, u32 msr)
{
	u32 base;

	if (msr < 0x2000)
		base = 0;
	else if (msr - 0xc0000000 < 0x2000)
		base = 1024;
	else
		return;
	msr &= 0x1fff;
	bitmap[base + msr / 8] &= ~BIT(msr % 8);
	bitmap[base + 2048 + msr / 8] &= ~BIT(msr % 8);
}

/* Intercept every MSR but the passed-through ones of duet_msrs[]. */
void vmx_msr_bitmap_init(void *bitmap)
{
	unsigned int i;

	memset(bitmap, 0xff, PAGE_SIZE);
	for (i = 0; i < duet_nr_msrs; i++)
		if (duet_msrs[i].flags & DUET_MSR_PASSTHROUGH)
			vmx_msr_bitmap_allow(bitmap, duet_msrs[i].index);
}

unsigned int vmx_msr_index_list(u32 *indices, unsigned int max)
{
	return duet_msr_index_list(indices, max);
}

/*
 * The guest's values of the MSRs the run loop switches by hand: in the
 * CPU while the loop runs (preemption off, this thread), else in @vmx.
 */
static u64 *vmx_loop_msr(struct vcpu_vmx *vmx, u32 index)
{
	switch (index) {
	case MSR_STAR:
		return &vmx->star;
	case MSR_LSTAR:
		return &vmx->lstar;
	case MSR_CSTAR:
		return &vmx->cstar;
	case MSR_SYSCALL_MASK:
		return &vmx->sfmask;
	case MSR_KERNEL_GS_BASE:
		return &vmx->kernel_gs_base;
	}
	return NULL;
}

/* VMCS fields of the MSRs VM entry and exit switch. */
static unsigned long vmx_msr_field(u32 index)
{
	switch (index) {
	case MSR_IA32_SYSENTER_CS:
		return VMCS_GUEST_SYSENTER_CS;
	case MSR_IA32_SYSENTER_ESP:
		return VMCS_GUEST_SYSENTER_ESP;
	case MSR_IA32_SYSENTER_EIP:
		return VMCS_GUEST_SYSENTER_EIP;
	case MSR_FS_BASE:
		return VMCS_GUEST_FS_BASE;
	case MSR_GS_BASE:
		return VMCS_GUEST_GS_BASE;
	}
	return 0;
}

/* 0, or -ENOENT for an MSR duet does not emulate; VMCS current. */
static int __vmx_get_msr(struct vcpu_vmx *vmx, u32 index, u64 *data)
{
	unsigned long field = vmx_msr_field(index);
	u64 *loop = vmx_loop_msr(vmx, index);

	if (!duet_msr_find(index))
		return -ENOENT;
	if (field) {
		*data = vmcs_read(field);
		return 0;
	}
	if (loop) {
		*data = *loop;
		return 0;
	}
	switch (index) {
	case MSR_EFER:
		*data = vmcs_read(VMCS_GUEST_EFER);
		break;
	case MSR_IA32_CR_PAT:
		*data = vmcs_read(VMCS_GUEST_PAT);
		break;
	case MSR_IA32_TSC:
		*data = rdtsc() + vmx->tsc_offset;
		break;
	case MSR_IA32_APICBASE:
		*data = vmx_apic_base(&vmx->vcpu);
		break;
	case MSR_IA32_MTRRCAP:		/* no variable or fixed MTRRs */
	case MSR_IA32_MTRR_DEF_TYPE:	/* MTRRs disabled */
		*data = 0;
		break;
	default:
		return -ENOENT;
	}
	return 0;
}

/*
 * 0, -ENOENT for an MSR duet does not emulate, or -EINVAL for a value
 * WRMSR would raise #GP on; the same rules as svm_set_msr().
 */
static int __vmx_set_msr(struct vcpu_vmx *vmx, u32 index, u64 data,
			 bool host_initiated)
{
	const struct duet_msr *m = duet_msr_find(index);
	unsigned long field = vmx_msr_field(index);
	u64 *loop = vmx_loop_msr(vmx, index);
	u64 efer;

	if (!m)
		return -ENOENT;
	if ((m->flags & DUET_MSR_ADDR) &&
	    !duet_msr_canonical(data, duet_msr_va_bits()))
		return -EINVAL;
	if (field) {
		vmcs_write(field, data);
		return 0;
	}
	if (loop) {
		*loop = data;
		return 0;
	}

	switch (index) {
	case MSR_EFER:
		efer = vmcs_read(VMCS_GUEST_EFER);
		if (!duet_msr_efer_valid(efer, data, VMX_GUEST_EFER_BITS,
					 vmx_guest_cr0() & X86_CR0_PG,
					 host_initiated))
			return -EINVAL;
		vmx_set_efer(vmx, duet_msr_efer_value(efer, data,
						      host_initiated));
		break;
	case MSR_IA32_CR_PAT:
		if (!duet_msr_pat_valid(data))
			return -EINVAL;
		vmcs_write(VMCS_GUEST_PAT, data);
		break;
	case MSR_IA32_TSC:
		vmx->tsc_offset = data - rdtsc();
		vmcs_write(VMCS_TSC_OFFSET, vmx->tsc_offset);
		break;
	case MSR_IA32_APICBASE:
		/* No APIC to move or disable yet: only its value is taken. */
		if (data != vmx_apic_base(&vmx->vcpu))
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
	default:
		return -ENOENT;
	}
	return 0;
}

/* The ioctls' entry points: the VMCS is made current around them. */
int vmx_get_msr(struct duet_vcpu *vcpu, u32 index, u64 *data)
{
	struct vcpu_vmx *vmx = to_vmx(vcpu);
	int r;

	vmx_get_sleepable(vmx);
	r = __vmx_get_msr(vmx, index, data);
	vmx_put_sleepable(vmx);
	return r;
}

int vmx_set_msr(struct duet_vcpu *vcpu, u32 index, u64 data,
		bool host_initiated)
{
	struct vcpu_vmx *vmx = to_vmx(vcpu);
	int r;

	vmx_get_sleepable(vmx);
	r = __vmx_set_msr(vmx, index, data, host_initiated);
	vmx_put_sleepable(vmx);
	return r;
}

/* RDMSR: EDX:EAX = @data, the upper halves of RAX and RDX cleared. */
static void vmx_rdmsr_result(struct vcpu_vmx *vmx, u64 data)
{
	vmx->regs[VMX_REG_RAX] = (u32)data;
	vmx->regs[VMX_REG_RDX] = data >> 32;
}

/*
 * Finish a DUET_EXIT_MSR with userspace's answer: #GP at the instruction,
 * or the RDMSR's result and RIP past it.  The exit's instruction length
 * is still in vmx->insn_len.
 */
void vmx_complete_msr(struct duet_vcpu *vcpu, bool write, u64 data, bool gp)
{
	struct vcpu_vmx *vmx = to_vmx(vcpu);

	vmx_get_sleepable(vmx);
	if (gp) {
		vmx_inject_gp(vmx);
	} else {
		if (!write)
			vmx_rdmsr_result(vmx, data);
		vmx_skip_insn(vmx);
	}
	vmx_put_sleepable(vmx);
}

/*
 * RDMSR/WRMSR of an MSR the bitmap intercepts: as msr_interception() on
 * SVM.  The loop-switched MSRs are passed through, so never exit here
 * while their guest values sit in the CPU.
 */
static int vmx_msr_exit(struct vcpu_vmx *vmx, bool write)
{
	struct duet_run *run = vmx->vcpu.run;
	unsigned long *regs = vmx->regs;
	u32 index = regs[VMX_REG_RCX];
	u64 data = 0;
	int r;

	vmx->vcpu.stats.msr_exits++;
	if (write) {
		data = (u32)regs[VMX_REG_RAX] | ((u64)(u32)regs[VMX_REG_RDX] << 32);
		r = __vmx_set_msr(vmx, index, data, false);
	} else {
		r = __vmx_get_msr(vmx, index, &data);
	}

	if (r == -ENOENT && (vmx->vcpu.vm->flags & DUET_VM_USER_MSR)) {
		run->exit_reason = DUET_EXIT_MSR;
		run->msr.index = index;
		run->msr.is_write = write;
		run->msr.data = data;
		run->msr.error = 0;
		run->msr.padding = 0;
		vmx->vcpu.msr_pending = true;
		vmx->vcpu.msr_pending_write = write;
		return 0;
	}
	if (r) {
		vmx_inject_gp(vmx);
		return 1;
	}
	if (!write)
		vmx_rdmsr_result(vmx, data);
	vmx_skip_insn(vmx);
	return 1;
}

int handle_rdmsr(struct vcpu_vmx *vmx)
{
	return vmx_msr_exit(vmx, false);
}

int handle_wrmsr(struct vcpu_vmx *vmx)
{
	return vmx_msr_exit(vmx, true);
}
