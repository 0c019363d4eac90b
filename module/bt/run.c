// SPDX-License-Identifier: GPL-2.0
/*
 * A vCPU in binary translation: the glue between the run loop
 * (module/vcpu.c), the translator (bt/exec.c), the stall barrier
 * (bt/stall.c), the segment registry (bt/segment.c) and the backends.
 *
 * A vCPU runs here when its execution mode is DUET_EXEC_MODE_BT, or for a
 * detour while in hardware mode: a fetch from a page that holds a
 * registered vulnerable segment faults (the page is not executable in the
 * nested page tables, mmu/trace.c) and the vCPU comes here at that RIP,
 * runs the code of that page in BT, the segment under the barrier, and
 * goes back to hardware once it has left the segment.
 *
 * One call runs the translator for a budget of instructions on the state
 * the backend hands over, gives the state back, and then acts on why the
 * translator stopped: an instruction it does not translate runs in
 * hardware, one instruction only (vcpu->bt_step: the backends single-step
 * it and leave their loops once it has completed); a guest exception is
 * queued for the backend, and the hardware step delivers it through the
 * guest's IDT.  Exits of that step (port I/O, MMIO, hypercalls, HLT) reach
 * userspace exactly as in hardware mode, since hardware produces them.
 */
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "../duet.h"
#include "../mmu/npt.h"
#include "../x86/decode.h"
#include "../trace.h"

/* Instructions per call: the run loop checks signals and resched between. */
#define DUET_BT_BUDGET		4096

/*
 * A software TLB of the vCPU's translations while it runs in BT, so that
 * a guest memory access costs an array lookup and one user copy instead
 * of a page walk of guest-memory reads.  Direct-mapped by linear page:
 * the guest-physical page, the permissions a successful walk proved (a
 * cached read never satisfies a write, a supervisor walk never a user
 * access), and the VMM's address of the page.  Only successful walks are
 * cached (an x86 TLB never holds a not-present entry), and the whole TLB
 * is dropped whenever what it depends on may have changed: the guest's
 * CR0/CR3/CR4/EFER (compared at every hand-over, and every instruction
 * that can change them runs in hardware, after which it is dropped too),
 * or a memory slot going away.  With SMEP, SMAP or protection keys on it
 * is not used: their checks depend on more than these permissions.
 */
#define BT_TLB_SIZE		64
#define BT_TLB_PERMS		(DUET_PFERR_WRITE | DUET_PFERR_USER | \
				 DUET_PFERR_FETCH)

struct duet_bt_tlb_entry {
	u64 vpn;			/* linear page; ~0: empty */
	u64 gfn;
	u32 perm;			/* BT_TLB_PERMS proven */
	unsigned long hva;		/* the VMM's address of the page, or 0 */
	bool hva_writable;		/* not read-only, not write-traced */
};

struct duet_bt_tlb {
	struct duet_bt_tlb_entry e[BT_TLB_SIZE];
	u64 cr0, cr3, cr4, efer;
	int mem_gen;			/* the VM's bt_mem_gen when filled */
	bool off;			/* SMEP/SMAP/PKE: not used */
};

struct duet_bt_vcpu_ctx {
	struct duet_bt_ctx ctx;
	struct duet_vcpu *vcpu;
	struct duet_walk_mode mode;
	struct duet_bt_tlb *tlb;
	struct duet_bt_tlb_entry *last;	/* of the last translation, or NULL */
	bool entered;			/* a segment started during this call */
};

static void bt_tlb_flush(struct duet_bt_tlb *tlb)
{
	unsigned int i;

	for (i = 0; i < BT_TLB_SIZE; i++)
		tlb->e[i].vpn = ~0ULL;
}

/* Drop the TLB unless it was filled under the same paging and slots. */
static void bt_tlb_check(struct duet_vcpu *vcpu, const struct duet_bt_state *st)
{
	struct duet_bt_tlb *tlb = vcpu->bt_tlb;
	int gen = atomic_read(&vcpu->vm->bt_mem_gen);

	if (tlb->cr0 == st->cr0 && tlb->cr3 == st->cr3 && tlb->cr4 == st->cr4 &&
	    tlb->efer == st->efer && tlb->mem_gen == gen)
		return;
	bt_tlb_flush(tlb);
	tlb->cr0 = st->cr0;
	tlb->cr3 = st->cr3;
	tlb->cr4 = st->cr4;
	tlb->efer = st->efer;
	tlb->mem_gen = gen;
	tlb->off = st->cr4 & (X86_CR4_SMEP | X86_CR4_SMAP | X86_CR4_PKE);
}

/* The vCPU's BT TLB, made on first use; freed with the vCPU. */
static struct duet_bt_tlb *bt_vcpu_tlb(struct duet_vcpu *vcpu)
{
	if (!vcpu->bt_tlb) {
		vcpu->bt_tlb = kzalloc(sizeof(*vcpu->bt_tlb), GFP_KERNEL_ACCOUNT);
		if (vcpu->bt_tlb) {
			bt_tlb_flush(vcpu->bt_tlb);
			vcpu->bt_tlb->mem_gen = -1;
		}
	}
	return vcpu->bt_tlb;
}

/*
 * The cached entry of @gfn's page, with its VMM address, or NULL.  An
 * access follows the translation of its address, which left its entry
 * in b->last: look there before scanning.
 */
static struct duet_bt_tlb_entry *bt_tlb_gfn(struct duet_bt_vcpu_ctx *b, u64 gfn)
{
	int gen = atomic_read(&b->vcpu->vm->bt_mem_gen);
	struct duet_bt_tlb_entry *e = b->last;
	unsigned int i;

	/* The VMM's addresses are only valid in the VMM's address space. */
	if (current->mm != b->vcpu->vm->mm)
		return NULL;
	/*
	 * A slot went away or a page gained a write trace (another vCPU
	 * translated code from it): the VMM addresses may be stale or may
	 * now write behind the trace's back.
	 */
	if (b->tlb->mem_gen != gen) {
		bt_tlb_flush(b->tlb);
		b->tlb->mem_gen = gen;
	}
	if (!e || e->vpn == ~0ULL || e->gfn != gfn) {
		for (i = 0; i < BT_TLB_SIZE; i++) {
			e = &b->tlb->e[i];
			if (e->vpn != ~0ULL && e->gfn == gfn)
				break;
		}
		if (i == BT_TLB_SIZE)
			return NULL;
	}
	if (!e->hva) {
		unsigned long hva;
		u64 room;

		if (duet_gpa_to_hva(b->vcpu->vm, gfn << PAGE_SHIFT, false, &hva,
				    &room) || room < PAGE_SIZE ||
		    !access_ok((void __user *)hva, PAGE_SIZE))
			return NULL;
		e->hva_writable = !duet_gpa_to_hva(b->vcpu->vm,
						   gfn << PAGE_SHIFT, true,
						   &hva, &room);
		e->hva = hva;
	}
	return e;
}

static struct duet_bt_vcpu_ctx *to_bvc(struct duet_bt_ctx *ctx)
{
	return container_of(ctx, struct duet_bt_vcpu_ctx, ctx);
}

static int bt_translate(struct duet_bt_ctx *ctx, u64 la, u32 access,
			u64 *gpa, struct duet_bt_fault *fault)
{
	struct duet_bt_vcpu_ctx *b = to_bvc(ctx);
	u32 need = access & BT_TLB_PERMS;
	struct duet_bt_tlb_entry *e = NULL;
	struct duet_walk_result res;
	int r;

	if (!b->tlb->off && !(access & DUET_WALK_AC)) {
		e = &b->tlb->e[(la >> PAGE_SHIFT) % BT_TLB_SIZE];
		if (e->vpn == la >> PAGE_SHIFT && !(need & ~e->perm)) {
			*gpa = (e->gfn << PAGE_SHIFT) | (la & ~PAGE_MASK);
			b->last = e;
			return 0;
		}
	}
	r = duet_walk(b->vcpu->vm, &b->mode, la, access, &res);
	if (r)
		return r;
	if (res.fault) {
		*fault = (struct duet_bt_fault){
			.vector = 14,	/* #PF */
			.has_error_code = true,
			.error_code = res.error_code,
			.has_cr2 = true,
			.cr2 = la,
		};
		return 1;
	}
	*gpa = res.gpa;
	/* 4 KiB of it, whatever the guest's page size. */
	if (e && res.gpa >> PAGE_SHIFT < (1ULL << 40)) {
		if (e->vpn == la >> PAGE_SHIFT && e->gfn == res.gpa >> PAGE_SHIFT) {
			e->perm |= need;
		} else {
			e->vpn = la >> PAGE_SHIFT;
			e->gfn = res.gpa >> PAGE_SHIFT;
			e->perm = need;
			e->hva = 0;
		}
		b->last = e;
	}
	return 0;
}

/*
 * Guest-physical reads and writes within one page (the translator splits
 * at page ends): through the TLB's VMM address when the page is there,
 * with the exception-table protected user copies; else, and on any
 * failure, the slot lookup of duet_gpa_read()/_write(), whose errors
 * (-ENOENT outside RAM, -EPERM read-only) send the instruction to
 * hardware.  The fast copies run with page faults disabled: a page the
 * VMM's tables do not map right now (never touched, swapped out, a
 * write to a shared page) fails the copy, and the slow path faults it
 * in.  That also spares every guest access might_fault()'s checks, which
 * a debug kernel makes cost more than the access.
 */
static int bt_read(struct duet_bt_ctx *ctx, u64 gpa, void *buf,
		   unsigned int len)
{
	struct duet_bt_vcpu_ctx *b = to_bvc(ctx);
	struct duet_bt_tlb_entry *e = bt_tlb_gfn(b, gpa >> PAGE_SHIFT);
	unsigned long left = len;

	if (e && (gpa & ~PAGE_MASK) + len <= PAGE_SIZE) {
		pagefault_disable();
		left = __copy_from_user_inatomic(buf, (const void __user *)
						 (e->hva + (gpa & ~PAGE_MASK)),
						 len);
		pagefault_enable();
	}
	return left ? duet_gpa_read(b->vcpu->vm, gpa, buf, len) : 0;
}

static int bt_write(struct duet_bt_ctx *ctx, u64 gpa, const void *buf,
		    unsigned int len)
{
	struct duet_bt_vcpu_ctx *b = to_bvc(ctx);
	struct duet_bt_tlb_entry *e = bt_tlb_gfn(b, gpa >> PAGE_SHIFT);
	unsigned long left = len;

	if (e && e->hva_writable && (gpa & ~PAGE_MASK) + len <= PAGE_SIZE) {
		pagefault_disable();
		left = __copy_to_user_inatomic((void __user *)
					       (e->hva + (gpa & ~PAGE_MASK)),
					       buf, len);
		pagefault_enable();
	}
	if (left)
		return duet_gpa_write(b->vcpu->vm, gpa, buf, len);
	/* A trace added since the lookup must see this store. */
	duet_gpa_written(b->vcpu->vm, gpa, false, b->tlb->mem_gen);
	return 0;
}

static int bt_cmpxchg(struct duet_bt_ctx *ctx, u64 gpa, u64 old, u64 new,
		      unsigned int size)
{
	return duet_gpa_cmpxchg(to_bvc(ctx)->vcpu->vm, gpa, old, new, size);
}

static u32 bt_segment_at(struct duet_bt_ctx *ctx, u64 rip, u64 *end)
{
	return duet_bt_segment_at(to_bvc(ctx)->vcpu->vm, rip, end);
}

/*
 * Between blocks: the scheduler, a signal, a kick or another vCPU's stall
 * barrier wants the thread.  A segment held past the VM's time limit goes
 * on without the barrier (duet_stall_check() releases and counts it).
 */
static bool bt_leave(struct duet_bt_ctx *ctx)
{
	struct duet_vcpu *vcpu = to_bvc(ctx)->vcpu;

	if (ctx->in_segment)
		duet_stall_check(vcpu->vm, vcpu);
	/* A detour is over once its segment is: back to hardware. */
	if (vcpu->bt_detour && !ctx->in_segment && to_bvc(ctx)->entered)
		return true;
	return duet_vcpu_must_yield(vcpu);
}

/*
 * A segment starts: take the barrier first.  Refused (a signal while
 * waiting for its turn, or a vCPU that would not leave guest mode): stop
 * before the segment; the run loop comes back to it.
 */
static int bt_segment_enter(struct duet_bt_ctx *ctx, u64 rip, u32 id)
{
	struct duet_bt_vcpu_ctx *b = to_bvc(ctx);
	int r;

	r = duet_stall_begin(b->vcpu->vm, b->vcpu);
	if (r)
		return r;
	b->entered = true;
	if (id)
		duet_bt_segment_hit(b->vcpu->vm, id);
	return 0;
}

static void bt_segment_exit(struct duet_bt_ctx *ctx, u64 rip)
{
	struct duet_vcpu *vcpu = to_bvc(ctx)->vcpu;

	duet_stall_end(vcpu->vm, vcpu);
}

static void bt_code_page(struct duet_bt_ctx *ctx, u64 gfn)
{
	duet_trace_add(to_bvc(ctx)->vcpu->vm, gfn, 1, DUET_TRACE_WRITE,
		       DUET_TRACE_BT_CODE);
}

static const struct duet_bt_ops duet_bt_vcpu_ops = {
	.code_page	= bt_code_page,
	.translate	= bt_translate,
	.read		= bt_read,
	.write		= bt_write,
	.cmpxchg	= bt_cmpxchg,
	.segment_at	= bt_segment_at,
	.leave		= bt_leave,
	.segment_enter	= bt_segment_enter,
	.segment_exit	= bt_segment_exit,
};

/* The walk mode of the state BT runs on (CPUID and PKRU from the vCPU). */
static void bt_walk_mode(struct duet_vcpu *vcpu, const struct duet_bt_state *st,
			 struct duet_walk_mode *m)
{
	m->cr0 = st->cr0;
	m->cr3 = st->cr3;
	m->cr4 = st->cr4;
	m->efer = st->efer;
	duet_walk_mode_cpuid(vcpu->cpuid, m);
	m->pkru = duet_fpu_guest_pkru(vcpu->fpu);
}

/*
 * The guest wrote a page code was translated from (mmu_lock held): drop
 * those translations; the write goes on and the page stays writable until
 * code is translated from it again.
 */
static enum duet_trace_verdict bt_code_written(struct duet_vm *vm,
					       void *opaque, u64 gfn,
					       u64 first, u64 npages,
					       unsigned int flag)
{
	struct duet_bt_cache *cache = opaque;
	unsigned int i, n;

	n = duet_bt_cache_invalidate(cache, gfn);
	/* Counted on every vCPU's stats would race: count on vCPU 0's. */
	for (i = 0; i < DUET_MAX_VCPUS && n; i++) {
		if (vm->vcpus[i]) {
			vm->vcpus[i]->stats.bt.invalidations += n;
			break;
		}
	}
	trace_duet_bt_invalidate(vm->id, gfn, n);
	return DUET_TRACE_RETRY;
}

static const struct duet_trace_ops bt_code_trace_ops = {
	.fault = bt_code_written,
};

/* The VM's translation cache, made on first use. */
static struct duet_bt_cache *bt_vm_cache(struct duet_vm *vm)
{
	struct duet_bt_cache *cache = READ_ONCE(vm->bt_cache);

	if (cache)
		return cache;
	cache = duet_bt_cache_create();
	if (!cache)
		return NULL;
	mutex_lock(&vm->mmu_lock);
	if (vm->bt_cache) {
		mutex_unlock(&vm->mmu_lock);
		duet_bt_cache_destroy(cache);
		return vm->bt_cache;
	}
	WRITE_ONCE(vm->bt_cache, cache);
	mutex_unlock(&vm->mmu_lock);
	duet_trace_set_ops(vm, DUET_TRACE_BT_CODE, &bt_code_trace_ops, cache);
	return cache;
}

/*
 * Leave BT with a segment still open (the vCPU goes to userspace, or its
 * detour ends): release the barrier rather than hold the other vCPUs
 * hostage to this thread.
 */
void duet_bt_vcpu_close_segment(struct duet_vcpu *vcpu)
{
	if (!vcpu->bt_in_segment)
		return;
	vcpu->bt_in_segment = false;
	duet_stall_end(vcpu->vm, vcpu);
}

/*
 * Would hardware enter with this state at all?  Userspace can set control
 * registers that VMRUN and VM entry refuse (APM "Canonicalization and
 * Consistency Checks", SDM "Checks on Guest Control Registers"): BT must
 * not run guest code on them either.  For any of these the next
 * instruction goes to hardware, whose failed entry is the exit the guest
 * gets in hardware mode, word for word.
 */
static bool bt_state_enterable(const struct duet_bt_state *st)
{
	bool paging = st->cr0 & X86_CR0_PG;
	bool lme = st->efer & EFER_LME;

	if (st->cr0 >> 32 || (paging && !(st->cr0 & X86_CR0_PE)) ||
	    ((st->cr0 & X86_CR0_NW) && !(st->cr0 & X86_CR0_CD)))
		return false;
	if (lme && paging && !(st->cr4 & X86_CR4_PAE))
		return false;
	return !!(st->efer & EFER_LMA) == (lme && paging);
}

/*
 * One call of the run loop for a vCPU in BT: 1 to be called again, 0 to
 * return to userspace (run area filled by the hardware step's exit), or
 * -errno.
 */
int duet_bt_vcpu_run(struct duet_vcpu *vcpu)
{
	struct duet_bt_vcpu_ctx b = { .vcpu = vcpu };
	struct duet_bt_state st;
	enum duet_bt_exit why;
	bool stall = false;
	int r;

	b.ctx.ops = &duet_bt_vcpu_ops;
	b.ctx.opaque = vcpu;
	b.ctx.cache = bt_vm_cache(vcpu->vm);
	if (!b.ctx.cache)
		return -ENOMEM;
	b.ctx.stats = &vcpu->stats.bt;
	b.ctx.id = vcpu->id;
	b.ctx.detect = READ_ONCE(vcpu->vm->bt_detect);
	b.ctx.in_segment = vcpu->bt_in_segment;

	b.tlb = bt_vcpu_tlb(vcpu);
	if (!b.tlb)
		return -ENOMEM;

	duet_ops->bt_get_state(vcpu, &st);
	bt_walk_mode(vcpu, &st, &b.mode);
	bt_tlb_check(vcpu, &st);
	/*
	 * Guest code runs here as it would in hardware: in guest mode for the
	 * kicks and the stall barrier of other vCPUs, published as the
	 * backends publish it before an entry, and checked between blocks
	 * (bt_leave()).
	 */
	WRITE_ONCE(vcpu->cpu, raw_smp_processor_id());
	/* Pairs with the full barrier of duet_vcpu_kick()/duet_stall_begin(). */
	smp_store_mb(vcpu->mode, IN_GUEST_MODE);
	if (duet_vcpu_must_yield(vcpu)) {
		WRITE_ONCE(vcpu->mode, OUTSIDE_GUEST_MODE);
		return 1;
	}
	why = bt_state_enterable(&st) ?
	      duet_bt_run(&b.ctx, &st, DUET_BT_BUDGET) : DUET_BT_EXIT_HW_STEP;
	WRITE_ONCE(vcpu->mode, OUTSIDE_GUEST_MODE);
	duet_ops->bt_set_state(vcpu, &st);
	vcpu->bt_in_segment = b.ctx.in_segment;

	/* A detour ends once the vCPU is out of the segment it came for. */
	if (vcpu->bt_detour && !b.ctx.in_segment &&
	    (b.entered || why == DUET_BT_EXIT_BUDGET))
		vcpu->bt_detour = false;

	switch (why) {
	case DUET_BT_EXIT_BUDGET:
	case DUET_BT_EXIT_LEAVE:
		return 1;
	case DUET_BT_EXIT_ERROR:
		return b.ctx.error;
	case DUET_BT_EXIT_FAULT:
		/* Hardware delivers it through the guest's IDT. */
		duet_ops->bt_inject(vcpu, &b.ctx.fault);
		fallthrough;
	case DUET_BT_EXIT_HW_STEP:
		break;
	}

	vcpu->stats.bt.hw_steps++;
	vcpu->bt_step = true;
	vcpu->bt_step_rip = st.rip;
	/*
	 * A nested page fault is handled outside the backend's loop, which
	 * then returns 1 without entering again: the instruction has not
	 * run yet, and on a segment's page the fault has just granted it
	 * that page (duet_npt_grant_step()).  Enter again for it with the
	 * grant still in place; giving up here would revoke the grant, and
	 * the next step would fault, be granted and revoked again, forever.
	 * A fetch the grant refused (bt_divert) goes back to BT instead.
	 * The scheduler may take the thread in between with the grant in
	 * place: on a slow or busy CPU the fault and its handling outlast
	 * a time slice, and giving the grant up then starves the step.
	 * A grant needs the barrier (duet_npt_grant_step()): take it when
	 * the fault asks, and hold it until the grant is gone.
	 */
	for (;;) {
		r = duet_ops->vcpu_run(vcpu);
		if (r != 1 || !vcpu->bt_step || vcpu->bt_divert ||
		    duet_vcpu_must_return(vcpu))
			break;
		if (vcpu->bt_step_stall) {
			vcpu->bt_step_stall = false;
			if (stall || duet_stall_begin(vcpu->vm, vcpu))
				break;
			stall = true;
			vcpu->stats.bt.step_stalls++;
		}
		cond_resched();
	}
	/* Userspace, a kick or a signal may come first: the step is over. */
	vcpu->bt_step = false;
	vcpu->bt_step_stall = false;
	/* It may have been INVLPG, a CR3 write, or paging in another form. */
	bt_tlb_flush(b.tlb);
	duet_npt_revoke_step(vcpu);
	if (stall)
		duet_stall_end(vcpu->vm, vcpu);
	return r;
}

/* Whether a registered segment has a byte in [@page, @page + PAGE_SIZE). */
static bool bt_page_has_segment(struct duet_vm *vm, u64 page)
{
	struct duet_bt_segment_info info;
	unsigned long id = 0;

	for (; !duet_bt_segment_next(vm, &id, &info); id++)
		if (info.start < page + PAGE_SIZE &&
		    page < info.start + info.len)
			return true;
	return false;
}

/*
 * Segment [@start, @start + @len) was registered (@add) or unregistered:
 * take execution away from its pages in the nested page tables, or give
 * it back to those no other segment needs, so that a vCPU running in
 * hardware that fetches there comes to BT (mmu/trace.c), and drop the
 * translations, whose segment marks changed.  Pages are found through the
 * paging of vCPU 0 as of its last exit or DUET_SET_SREGS (linear ==
 * physical without paging, or without a vCPU yet); a page its tables do
 * not map yet is left alone, and only vCPUs in BT mode catch the segment
 * there.
 */
int duet_bt_segment_trace(struct duet_vm *vm, u64 start, u64 len, bool add)
{
	struct duet_walk_result res;
	struct duet_walk_mode m;
	bool paging;
	u64 page, gpa;
	u8 cpl;
	int r = 0;

	paging = !duet_vcpu_walk_mode(vm, 0, &m, &cpl) && (m.cr0 & X86_CR0_PG);
	for (page = start & PAGE_MASK; page - (start & PAGE_MASK) < len +
	     (start & ~PAGE_MASK); page += PAGE_SIZE) {
		if (!add && bt_page_has_segment(vm, page))
			continue;
		gpa = page;
		if (paging) {
			if (duet_walk(vm, &m, page, DUET_WALK_NO_AD, &res) ||
			    res.fault)
				continue;
			gpa = res.gpa;
		}
		/* Only RAM holds code a vCPU could fetch. */
		if (duet_gpa_probe(vm, gpa & PAGE_MASK, 1, false))
			continue;
		if (add)
			r = duet_trace_add(vm, gpa >> PAGE_SHIFT, 1,
					   DUET_TRACE_EXEC, DUET_TRACE_BT_SEGMENT);
		else
			r = duet_trace_del(vm, gpa >> PAGE_SHIFT, 1,
					   DUET_TRACE_EXEC, DUET_TRACE_BT_SEGMENT);
		if (r)
			break;
	}
	if (READ_ONCE(vm->bt_cache))
		duet_bt_cache_flush(vm->bt_cache);
	return r;
}
