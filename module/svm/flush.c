// SPDX-License-Identifier: GPL-2.0
/*
 * The TLB decision at each guest entry: which ASID a vCPU runs with on
 * this CPU and what TLB_CONTROL must flush before it does.  Pure functions
 * of the bookkeeping passed in, so that KUnit walks every case
 * (kunit/svm/flush_test.c); svm.c keeps the per-CPU part.
 *
 * APM "TLB Flush" and "Virtual Memory" in the SVM chapter: TLB entries are
 * tagged with the ASID they were made under, and VMRUN flushes nothing by
 * itself.  Entries of an ASID stay usable for whoever runs with that ASID
 * next on that CPU, so stale ones must go before an ASID changes owner
 * and after the owner's nested mappings change.  TLB_CONTROL, applied by
 * the VMRUN that reads it, does that: 1 flushes every ASID's entries on
 * this CPU; 3 (this guest's ASID only) needs the FlushByAsid feature,
 * without which only 0 and 1 are defined.
 *
 * duet's rules:
 *  - ASIDs belong to a CPU.  Each CPU gives out 1..nr_asids once per
 *    generation; when they run out a new generation starts, and its
 *    first VMRUN flushes all ASIDs (they are about to change owner).  The
 *    first generation on a CPU flushes too: entries may be left over from
 *    another hypervisor that used SVM on it before duet.
 *  - A vCPU keeps its ASID while it stays on the CPU in the same
 *    generation.  Moved to another CPU, or on a CPU whose generation has
 *    moved on, it takes the next ASID there: one no one has used since
 *    that generation's flush, so it needs no flush of its own, even when
 *    its nested mappings changed meanwhile.  Its old ASID keeps the old
 *    entries only until its own CPU's next generation, and no one uses
 *    that ASID there until then.
 *  - Unmapped nested pages (svm_vm.tlb_gen moved) while the vCPU keeps
 *    its ASID: flush that ASID, or everything without FlushByAsid.
 */
#include "svm_vcpu.h"

/**
 * duet_svm_flush_decide - pick a vCPU's ASID for an entry on @cpu
 * @v:             the vCPU's ASID bookkeeping, updated
 * @c:             @cpu's allocator, updated
 * @cpu:           the CPU about to run VMRUN
 * @tlb_gen:       the VM's svm_vm.tlb_gen, read after publishing
 *                 IN_GUEST_MODE
 * @nr_asids:      usable ASIDs (1..nr_asids), at least 1
 * @flush_by_asid: the CPU has FlushByAsid
 *
 * Call it only right before a VMRUN that will happen (the flush it asks
 * for is owed to every vCPU of the generation), and report the VMRUN with
 * duet_svm_flush_entered().
 *
 * Return: the TLB_CONTROL value for the VMCB; v->asid is the ASID.
 */
u8 duet_svm_flush_decide(struct svm_vcpu_asid *v, struct svm_cpu_asids *c,
			 int cpu, int tlb_gen, u32 nr_asids, bool flush_by_asid)
{
	bool unmapped = tlb_gen != v->tlb_gen;

	v->tlb_gen = tlb_gen;

	if (!v->asid || v->cpu != cpu || v->generation != c->generation) {
		if (!c->next || c->next > nr_asids) {
			/*
			 * Out of ASIDs (or the CPU's first one): a new
			 * generation.  Each ASID given out from now on may
			 * still tag entries of its owner in the last one, or
			 * of whoever used SVM on this CPU before duet.
			 */
			c->generation++;
			c->next = 1;
			c->flush_all_pending = true;
		}
		v->asid = c->next++;
		v->cpu = cpu;
		v->generation = c->generation;
		/* Unused since the generation's flush: no stale entries. */
		unmapped = false;
	}

	/* The generation's flush of every ASID, not done by a VMRUN yet. */
	if (c->flush_all_pending)
		return TLB_CONTROL_FLUSH_ALL_ASID;
	/*
	 * The ASID the vCPU ran with last on this CPU: its entries are its
	 * own, but some may translate nested pages unmapped since.
	 */
	if (unmapped)
		return flush_by_asid ? TLB_CONTROL_FLUSH_ASID :
				       TLB_CONTROL_FLUSH_ALL_ASID;
	return TLB_CONTROL_DO_NOTHING;
}
EXPORT_SYMBOL_IF_DUET_KUNIT(duet_svm_flush_decide);

/**
 * duet_svm_flush_entered - account for the VMRUN after duet_svm_flush_decide()
 * @v:       the vCPU's ASID bookkeeping
 * @c:       the CPU's allocator
 * @entered: VMRUN ran the guest (any exit but VMEXIT_INVALID)
 *
 * APM: a VMRUN that fails its consistency checks exits with VMEXIT_INVALID
 * before loading guest state; do not count on its TLB_CONTROL.  Then the
 * generation's flush stays owed, and the vCPU drops its ASID, whose flush
 * for unmapped pages may not have happened: it takes a fresh one, which
 * needs none.
 */
void duet_svm_flush_entered(struct svm_vcpu_asid *v, struct svm_cpu_asids *c,
			    bool entered)
{
	if (entered)
		c->flush_all_pending = false;
	else
		v->asid = 0;
}
EXPORT_SYMBOL_IF_DUET_KUNIT(duet_svm_flush_entered);
