// SPDX-License-Identifier: GPL-2.0
/*
 * The TLB decision at each VM entry: whether to INVEPT the VM's EPT and
 * INVVPID the vCPU's VPID first.  A pure function of the bookkeeping passed
 * in, so that KUnit walks every case (kunit/vmx/flush_test.c).
 *
 * SDM "Caching Translation Information" and "Invalidating Cached
 * Translation Information": with EPT and VPID, TLB entries survive VM
 * entries and exits.  Guest-physical mappings are tagged with the EPTP
 * (EP4TA) they came from, combined mappings with the EP4TA and the VPID.
 * duet's rules:
 *  - Unmapped EPT entries (vmx_vm.ept_gen moved) leave guest-physical and
 *    combined mappings of the VM's EP4TA behind: INVEPT, which drops both,
 *    for every VPID.  Each vCPU does it on its next entry (the unmap waits
 *    for the vCPUs then in guest mode to exit).
 *  - A vCPU whose VMCS became active on a CPU (vmx_vmcs_load(), the first
 *    time included) finds there whatever its EPT and VPID left when it last
 *    ran there, before unmaps and guest page-table changes that other CPUs
 *    flushed, or entries of an EPT or VPID that belonged to another VM or
 *    vCPU before: INVEPT and INVVPID.
 *  - A guest MOV to CR0/CR4 that exits, or guest paging state set from
 *    outside (DUET_SET_SREGS), did not do the flush the CPU's own
 *    instruction would have done (SDM "Operations that Invalidate Cached
 *    Mappings"): INVVPID.  It changes no guest-physical mapping: no INVEPT.
 *  - VPID 0 (VPID off): every VM entry and exit flushes the linear and
 *    combined mappings of VPID 0 (SDM "Virtual Processor Identifiers
 *    (VPIDs)"): INVVPID is never needed.
 */
#include "vmx_vcpu.h"

/**
 * duet_vmx_flush_decide - what to invalidate before a VM entry
 * @f:       the vCPU's flush bookkeeping; the requests in it are consumed
 *           and @ept_gen is remembered as flushed for
 * @ept_gen: the VM's vmx_vm.ept_gen, read after publishing IN_GUEST_MODE
 * @vpid:    the vCPU's VPID, 0 when it runs without one
 *
 * Return: VMX_FLUSH_EPT and/or VMX_FLUSH_VPID, or 0.
 */
unsigned int duet_vmx_flush_decide(struct vmx_flush *f, int ept_gen, u16 vpid)
{
	unsigned int flush = 0;

	/* ept_gen is an int that may wrap: only equality matters. */
	if (f->new_cpu || ept_gen != f->ept_gen)
		flush |= VMX_FLUSH_EPT;
	if ((f->new_cpu || f->flush_vpid) && vpid)
		flush |= VMX_FLUSH_VPID;
	f->ept_gen = ept_gen;
	f->new_cpu = false;
	f->flush_vpid = false;
	return flush;
}
EXPORT_SYMBOL_IF_DUET_KUNIT(duet_vmx_flush_decide);
