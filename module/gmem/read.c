// SPDX-License-Identifier: GPL-2.0
/*
 * Fault-protected reads of guest memory, by guest-physical or
 * guest-virtual address, with the fault policies of duet.h, and the
 * translations and vCPU paging state that introspection uses.
 *
 * The copy: copy_from_user() from the VMM's mapping of each memory slot.
 * Its exception-table fixup turns a #PF or #GP of the copy (a mapping
 * munmap()ed, PROT_NONE, or a slot's memory gone in any other way) into a
 * short copy: the read stops there, and the kernel never oopses or hangs
 * on guest memory.  Without a fault that is the whole cost: one slot
 * lookup under mmu_lock, and one plain copy per slot (per 4 KiB page of
 * linear addresses for a read by guest-virtual address, which walks the
 * guest's page tables for each).  mmu_lock covers the lookup only, as in
 * access.c: a slot deleted during the copy leaves at worst a read of
 * memory the VMM still owns, or a fault; never of freed kernel memory.
 *
 * Another mm: the slots' addresses are the VMM's, so a read from any
 * other context (the netlink request of another process, a kernel worker)
 * must not use them in its own mm.  It runs in a worker of duet's own
 * workqueue instead, which takes a reference on the VM's mm
 * (mmget_not_zero(): the VM holds only mmgrab(), which keeps the
 * mm_struct but not the address space) and adopts it with
 * kthread_use_mm() for the copy, exactly as the VMM's thread would read.
 * The caller waits at most DUET_GMEM_TIMEOUT; the request, its buffer and
 * its result belong to the worker as much as to the caller (a reference
 * count), so a caller that gives up never leaves the worker writing to
 * memory it freed.  Reading through the slots' pinned pages was the other
 * choice; it was not taken because pages are pinned only once the guest
 * touches them (page tables the guest never used through NPT, memory only
 * the VMM wrote), and because it would show a page the VMM has since
 * unmapped: the read would disagree with the VMM's own view, where this
 * one reports the missing mapping.
 *
 * Policies are applied in the caller's context, after the copy, so that a
 * handler or forward callback never runs in the worker.
 */
#include <linux/completion.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/refcount.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/workqueue.h>
#include <asm/msr-index.h>
#include <asm/processor-flags.h>

#include "../duet.h"

/* How long a read from another mm may take before the caller gives up. */
#define DUET_GMEM_TIMEOUT	(2 * HZ)

/* Walks that -EAGAIN (an entry changed under the A/D update) are retried. */
#define DUET_GMEM_WALK_TRIES	4

static struct workqueue_struct *duet_gmem_wq;

/* Fill @f for error @err at @addr / @gpa; returns @err. */
static int duet_gmem_fault_set(struct duet_gmem_fault *f,
			       enum duet_mem_fault kind, int err, u64 addr,
			       u64 gpa, u32 error_code)
{
	*f = (struct duet_gmem_fault){
		.kind = kind, .err = err, .addr = addr, .gpa = gpa,
		.error_code = error_code,
	};
	return err;
}

/* The kind of a host-side -errno of a copy or a page-table read. */
static enum duet_mem_fault duet_gmem_host_kind(int err)
{
	switch (err) {
	case -ENOENT:
		return DUET_MEM_FAULT_NO_SLOT;
	case -ESRCH:
		return DUET_MEM_FAULT_NO_MM;
	default:
		return DUET_MEM_FAULT_HOST;
	}
}

static int duet_gmem_read_phys(const struct duet_gmem_ops *ops, void *opaque,
			       u64 gpa, void *buf, u64 len, u64 *done,
			       struct duet_gmem_fault *f)
{
	u64 n;
	int r;

	*done = 0;
	while (*done < len) {
		n = 0;
		r = ops->read(opaque, gpa + *done, (u8 *)buf + *done,
			      len - *done, &n);
		*done += min(n, len - *done);
		if (!r && !n)
			r = -EFAULT;
		if (r)
			return duet_gmem_fault_set(f, duet_gmem_host_kind(r), r,
						   gpa + *done, gpa + *done, 0);
	}
	return 0;
}

/* A walk, retried while an A/D update races with the guest. */
static int duet_gmem_walk_once(const struct duet_walk_mode *m,
			       const struct duet_pte_ops *pte, void *opaque,
			       u64 la, u32 access, struct duet_walk_result *res,
			       struct duet_gmem_fault *f)
{
	int i, r = -EAGAIN;

	if (!duet_walk_canonical(m, la))
		return duet_gmem_fault_set(f, DUET_MEM_FAULT_GP, -EFAULT, la,
					   0, 0);
	for (i = 0; i < DUET_GMEM_WALK_TRIES && r == -EAGAIN; i++)
		r = __duet_walk(m, pte, opaque, la, access, res);
	if (r)
		return duet_gmem_fault_set(f, duet_gmem_host_kind(r), r, la,
					   res->pte_gpa, 0);
	if (res->fault)
		return duet_gmem_fault_set(f, DUET_MEM_FAULT_PF, -EFAULT, la,
					   0, res->error_code);
	return 0;
}

/* Linear addresses are 32 bits wide outside long mode. */
static u64 duet_gmem_linear(const struct duet_walk_mode *m, u64 la)
{
	return m->efer & EFER_LMA ? la : (u32)la;
}

static int duet_gmem_read_virt(const struct duet_gmem_ops *ops, void *opaque,
			       const struct duet_walk_mode *m, u64 gva,
			       u32 access, void *buf, u64 len, u64 *done,
			       struct duet_gmem_fault *f)
{
	struct duet_walk_result res;
	u64 la, n, got;
	int r;

	*done = 0;
	while (*done < len) {
		la = duet_gmem_linear(m, gva + *done);
		n = min_t(u64, len - *done, PAGE_SIZE - offset_in_page(la));
		r = duet_gmem_walk_once(m, ops->pte, opaque, la, access, &res,
					f);
		if (r)
			return r;
		r = duet_gmem_read_phys(ops, opaque, res.gpa,
					(u8 *)buf + *done, n, &got, f);
		*done += got;
		if (r) {
			f->addr = la + got;
			return r;
		}
	}
	return 0;
}

/* The read itself, no policy: @m NULL reads by guest-physical address. */
static int duet_gmem_read_raw(const struct duet_gmem_ops *ops, void *opaque,
			      const struct duet_walk_mode *m, u64 addr,
			      u32 access, void *buf, u64 len, u64 *done,
			      struct duet_gmem_fault *f)
{
	memset(f, 0, sizeof(*f));
	if (!m)
		return duet_gmem_read_phys(ops, opaque, addr, buf, len, done, f);
	return duet_gmem_read_virt(ops, opaque, m, addr, access, buf, len,
				   done, f);
}

static int duet_gmem_ctx_check(const struct duet_gmem_ctx *ctx)
{
	switch (ctx->policy) {
	case DUET_GMEM_REPORT:
		return 0;
	case DUET_GMEM_HANDLER:
		return ctx->handler ? 0 : -EINVAL;
	case DUET_GMEM_FORWARD:
		return ctx->forward ? 0 : -EINVAL;
	default:
		return -EINVAL;
	}
}

/* Start a read: nothing done, no fault yet, and a usable policy. */
static int duet_gmem_begin(struct duet_gmem_ctx *ctx, u64 *done)
{
	*done = 0;
	memset(&ctx->fault, 0, sizeof(ctx->fault));
	return duet_gmem_ctx_check(ctx);
}

/* Apply @ctx's policy to the outcome @r of a read (fault in ctx->fault). */
static int duet_gmem_dispatch(struct duet_gmem_ctx *ctx, int r)
{
	if (!r)
		return 0;
	switch (ctx->policy) {
	case DUET_GMEM_HANDLER:
		ctx->handler(ctx->opaque, &ctx->fault);
		return r;
	case DUET_GMEM_FORWARD:
		return ctx->forward(ctx->opaque, &ctx->fault);
	default:
		return r;
	}
}

/* A read through @ops in the caller's context, with @ctx's policy. */
DUET_VISIBLE_IF_KUNIT int __duet_gmem_read(const struct duet_gmem_ops *ops,
					   void *opaque,
					   const struct duet_walk_mode *m,
					   u64 addr, u32 access, void *buf,
					   u64 len, struct duet_gmem_ctx *ctx,
					   u64 *done)
{
	int r;

	r = duet_gmem_begin(ctx, done);
	if (r)
		return r;
	r = duet_gmem_read_raw(ops, opaque, m, addr, access, buf, len, done,
			       &ctx->fault);
	return duet_gmem_dispatch(ctx, r);
}
EXPORT_SYMBOL_IF_DUET_KUNIT(__duet_gmem_read);

/*
 * The VM's own backend: a slot lookup under mmu_lock, then the protected
 * copy from the VMM's mapping.  Only ever called with current->mm ==
 * vm->mm (the VMM's thread, or a worker that adopted its mm).
 */
static int duet_gmem_vm_read(void *opaque, u64 gpa, void *buf, u64 len,
			     u64 *done)
{
	struct duet_vm *vm = opaque;
	unsigned long hva, left;
	u64 n;
	int r;

	*done = 0;
	if (current->mm != vm->mm)
		return -ESRCH;
	r = duet_gpa_to_hva(vm, gpa, false, &hva, &n);
	if (r)
		return r;
	n = min(len, n);
	left = copy_from_user(buf, (const void __user *)hva, n);
	*done = n - left;
	return left ? -EFAULT : 0;
}

static const struct duet_gmem_ops duet_gmem_vm_ops = {
	.read = duet_gmem_vm_read,
	.pte = &duet_gpa_pte_ops,
};

/* A page-table reader that also records each entry, for translations. */
struct duet_gmem_rec {
	const struct duet_pte_ops *ops;
	void *opaque;
	struct duet_gmem_walk *w;
};

static int duet_gmem_rec_read_pte(void *opaque, u64 gpa, u64 *val,
				  unsigned int size)
{
	struct duet_gmem_rec *rec = opaque;
	struct duet_gmem_walk *w = rec->w;
	int r;

	r = rec->ops->read_pte(rec->opaque, gpa, val, size);
	if (!r && w->nr < ARRAY_SIZE(w->entry)) {
		w->entry_gpa[w->nr] = gpa;
		w->entry[w->nr] = *val;
		w->nr++;
	}
	return r;
}

static int duet_gmem_rec_cmpxchg_pte(void *opaque, u64 gpa, u64 old, u64 new,
				     unsigned int size)
{
	struct duet_gmem_rec *rec = opaque;

	return rec->ops->cmpxchg_pte(rec->opaque, gpa, old, new, size);
}

static const struct duet_pte_ops duet_gmem_rec_ops = {
	.read_pte = duet_gmem_rec_read_pte,
	.cmpxchg_pte = duet_gmem_rec_cmpxchg_pte,
};

/* The level of the first entry a walk in mode @m reads. */
static unsigned int duet_gmem_top_level(const struct duet_walk_mode *m)
{
	if (!(m->cr0 & X86_CR0_PG))
		return 0;
	if (m->efer & EFER_LMA)
		return m->cr4 & X86_CR4_LA57 ? 5 : 4;
	return m->cr4 & X86_CR4_PAE ? 3 : 2;
}

static int duet_gmem_translate_raw(const struct duet_gmem_ops *ops,
				   void *opaque, const struct duet_walk_mode *m,
				   u64 gva, u32 access,
				   struct duet_gmem_walk *w)
{
	struct duet_gmem_rec rec = { .ops = ops->pte, .opaque = opaque, .w = w };
	struct duet_walk_result res;
	int r;

	memset(w, 0, sizeof(*w));
	w->top = duet_gmem_top_level(m);
	gva = duet_gmem_linear(m, gva);
	r = duet_gmem_walk_once(m, &duet_gmem_rec_ops, &rec, gva,
				access | DUET_WALK_NO_AD, &res, &w->fault);
	if (r)
		return r;
	w->gpa = res.gpa;
	w->level = res.level;
	return 0;
}

/* A request run in a worker that adopted the VM's mm. */
struct duet_gmem_job {
	struct work_struct work;
	struct completion done;
	refcount_t ref;
	struct duet_vm *vm;		/* referenced */
	struct mm_struct *mm;		/* mmget()ed */
	bool translate;
	bool virt;
	struct duet_walk_mode mode;
	u64 addr;
	u32 access;
	u64 len;
	u64 bytes;			/* out: bytes read */
	int ret;			/* out */
	struct duet_gmem_fault fault;	/* out */
	struct duet_gmem_walk walk;	/* out, for a translation */
	u8 buf[];
};

static void duet_gmem_job_put(struct duet_gmem_job *job)
{
	if (!refcount_dec_and_test(&job->ref))
		return;
	mmput(job->mm);
	duet_vm_put(job->vm);
	kvfree(job);
}

static void duet_gmem_job_work(struct work_struct *work)
{
	struct duet_gmem_job *job = container_of(work, struct duet_gmem_job,
						 work);

	kthread_use_mm(job->mm);
	if (job->translate)
		job->ret = duet_gmem_translate_raw(&duet_gmem_vm_ops, job->vm,
						   &job->mode, job->addr,
						   job->access, &job->walk);
	else
		job->ret = duet_gmem_read_raw(&duet_gmem_vm_ops, job->vm,
					      job->virt ? &job->mode : NULL,
					      job->addr, job->access, job->buf,
					      job->len, &job->bytes,
					      &job->fault);
	kthread_unuse_mm(job->mm);
	complete(&job->done);
	duet_gmem_job_put(job);
}

/*
 * A job for @vm with a @len-byte buffer, holding a reference on the VM's
 * mm; ERR_PTR(-ESRCH) when that is gone.
 */
static struct duet_gmem_job *duet_gmem_job_alloc(struct duet_vm *vm, u64 len)
{
	struct duet_gmem_job *job;

	job = kvzalloc(struct_size(job, buf, len), GFP_KERNEL_ACCOUNT);
	if (!job)
		return ERR_PTR(-ENOMEM);
	if (!mmget_not_zero(vm->mm)) {
		kvfree(job);
		return ERR_PTR(-ESRCH);
	}
	INIT_WORK(&job->work, duet_gmem_job_work);
	init_completion(&job->done);
	/* One for the caller, one for the worker. */
	refcount_set(&job->ref, 2);
	duet_vm_get(vm);
	job->vm = vm;
	job->mm = vm->mm;
	job->len = len;
	return job;
}

/*
 * Run @job in the worker and wait for it, at most DUET_GMEM_TIMEOUT and
 * only while no fatal signal arrives: 0 when it finished (its result is
 * in the job), or -ETIMEDOUT / -EINTR.  The caller still puts the job.
 */
static int duet_gmem_job_run(struct duet_gmem_job *job)
{
	long t;

	queue_work(duet_gmem_wq, &job->work);
	t = wait_for_completion_killable_timeout(&job->done, DUET_GMEM_TIMEOUT);
	if (t > 0)
		return 0;
	return t ? -EINTR : -ETIMEDOUT;
}

static int duet_gmem_read(struct duet_vm *vm, const struct duet_walk_mode *m,
			  u64 addr, u32 access, void *buf, u64 len,
			  struct duet_gmem_ctx *ctx, u64 *done)
{
	struct duet_gmem_job *job;
	int r;

	if (current->mm == vm->mm)
		return __duet_gmem_read(&duet_gmem_vm_ops, vm, m, addr, access,
					buf, len, ctx, done);

	r = duet_gmem_begin(ctx, done);
	if (r)
		return r;
	job = duet_gmem_job_alloc(vm, len);
	if (IS_ERR(job)) {
		r = PTR_ERR(job);
		if (r == -ESRCH)
			duet_gmem_fault_set(&ctx->fault, DUET_MEM_FAULT_NO_MM,
					    r, addr, m ? 0 : addr, 0);
		return r == -ESRCH ? duet_gmem_dispatch(ctx, r) : r;
	}
	job->virt = m;
	if (m)
		job->mode = *m;
	job->addr = addr;
	job->access = access;

	r = duet_gmem_job_run(job);
	if (r) {
		duet_gmem_fault_set(&ctx->fault, DUET_MEM_FAULT_HOST, r, addr,
				    m ? 0 : addr, 0);
	} else {
		r = job->ret;
		ctx->fault = job->fault;
		*done = job->bytes;
		memcpy(buf, job->buf, job->bytes);
	}
	duet_gmem_job_put(job);
	return duet_gmem_dispatch(ctx, r);
}

int duet_gmem_read_gpa(struct duet_vm *vm, u64 gpa, void *buf, u64 len,
		       struct duet_gmem_ctx *ctx, u64 *done)
{
	return duet_gmem_read(vm, NULL, gpa, 0, buf, len, ctx, done);
}
EXPORT_SYMBOL_IF_DUET_KUNIT(duet_gmem_read_gpa);

/*
 * @access: DUET_PFERR_WRITE/USER/FETCH, DUET_WALK_AC, and DUET_WALK_NO_AD
 * for a walk that must not set accessed/dirty bits (introspection); an
 * emulation walk sets them as the CPU would.
 */
int duet_gmem_read_gva(struct duet_vm *vm, const struct duet_walk_mode *m,
		       u64 gva, u32 access, void *buf, u64 len,
		       struct duet_gmem_ctx *ctx, u64 *done)
{
	return duet_gmem_read(vm, m, gva, access, buf, len, ctx, done);
}
EXPORT_SYMBOL_IF_DUET_KUNIT(duet_gmem_read_gva);

/*
 * The descriptor-table rule shared by both entry points: @size is 8 or 16
 * and the whole entry must lie within @limit (SDM "Segment Selectors",
 * "Interrupt Descriptor Table"), else #GP(@error_code) through @ctx.
 * 0 when the read may go on, or the dispatched error.
 */
static int duet_gmem_desc_check(u64 base, u32 limit, u64 offset, u32 size,
				u32 error_code, struct duet_gmem_ctx *ctx,
				u64 *done)
{
	int r;

	r = duet_gmem_begin(ctx, done);
	if (r)
		return r;
	if (size != 8 && size != 16)
		return -EINVAL;
	if (offset + size - 1 <= limit)
		return 0;
	duet_gmem_fault_set(&ctx->fault, DUET_MEM_FAULT_GP, -EFAULT,
			    base + offset, 0, error_code);
	return duet_gmem_dispatch(ctx, -EFAULT);
}

/*
 * Read the @size-byte entry at byte @offset of a descriptor table (GDT,
 * LDT or IDT) at linear @base with limit @limit, through @ops: the
 * KUnit-visible core of duet_gmem_read_desc().
 */
DUET_VISIBLE_IF_KUNIT int __duet_gmem_read_desc(const struct duet_gmem_ops *ops,
						void *opaque,
						const struct duet_walk_mode *m,
						u64 base, u32 limit, u64 offset,
						u32 size, u32 error_code,
						u32 access, void *desc,
						struct duet_gmem_ctx *ctx)
{
	u64 done;
	int r;

	r = duet_gmem_desc_check(base, limit, offset, size, error_code, ctx,
				 &done);
	if (r || offset + size - 1 > limit)
		return r;
	return __duet_gmem_read(ops, opaque, m, base + offset,
				access & ~DUET_PFERR_USER, desc, size, ctx,
				&done);
}
EXPORT_SYMBOL_IF_DUET_KUNIT(__duet_gmem_read_desc);

/*
 * Read a descriptor as the CPU does: the @size-byte entry (8; 16 for a
 * system descriptor or an IDT gate in long mode) at byte @offset (the
 * selector with its low three bits clear, or the vector times the gate
 * size) of the table at linear @base with limit @limit.  An entry beyond
 * the limit is #GP(@error_code) under @ctx's policy (the CPU's code for
 * that table: the selector, or vector * 8 + 2 for the IDT).  The table is
 * read with a supervisor access whatever the CPL (SDM "implicit
 * supervisor-mode accesses"); @access may add DUET_WALK_NO_AD for an
 * introspection read.  Any context, like duet_gmem_read_gva().
 */
int duet_gmem_read_desc(struct duet_vm *vm, const struct duet_walk_mode *m,
			u64 base, u32 limit, u64 offset, u32 size,
			u32 error_code, u32 access, void *desc,
			struct duet_gmem_ctx *ctx)
{
	u64 done;
	int r;

	r = duet_gmem_desc_check(base, limit, offset, size, error_code, ctx,
				 &done);
	if (r || offset + size - 1 > limit)
		return r;
	return duet_gmem_read(vm, m, base + offset, access & ~DUET_PFERR_USER,
			      desc, size, ctx, &done);
}

/*
 * Translate @gva for @access without setting accessed or dirty bits,
 * recording each entry read: 0 with @w->gpa and @w->level, or the fault's
 * -errno with @w->fault (a #PF is -EFAULT with kind DUET_MEM_FAULT_PF).
 * Any context; from another mm, through the worker.
 */
int duet_gmem_translate(struct duet_vm *vm, const struct duet_walk_mode *m,
			u64 gva, u32 access, struct duet_gmem_walk *w)
{
	struct duet_gmem_job *job;
	int r;

	if (current->mm == vm->mm)
		return duet_gmem_translate_raw(&duet_gmem_vm_ops, vm, m, gva,
					       access, w);

	memset(w, 0, sizeof(*w));
	job = duet_gmem_job_alloc(vm, 0);
	if (IS_ERR(job)) {
		r = PTR_ERR(job);
		if (r == -ESRCH)
			duet_gmem_fault_set(&w->fault, DUET_MEM_FAULT_NO_MM,
					    r, gva, 0, 0);
		return r;
	}
	job->translate = true;
	job->mode = *m;
	job->addr = gva;
	job->access = access;
	r = duet_gmem_job_run(job);
	if (r) {
		duet_gmem_fault_set(&w->fault, DUET_MEM_FAULT_HOST, r, gva, 0, 0);
	} else {
		r = job->ret;
		*w = job->walk;
	}
	duet_gmem_job_put(job);
	return r;
}

/* What the guest's CPUID says about paging, into @m. */
void duet_walk_mode_cpuid(const struct duet_cpuid_table *t,
			  struct duet_walk_mode *m)
{
	const struct duet_cpuid_entry *e;

	/* 36 bits when CPUID does not say (SDM "MAXPHYADDR"). */
	e = duet_cpuid_find(t, 0x80000008, 0);
	m->maxphyaddr = e ? e->eax & 0xff : 36;
	e = duet_cpuid_find(t, 0x80000001, 0);
	m->gbpages = e && (e->edx & BIT(26));
	e = duet_cpuid_find(t, 1, 0);
	m->pse36 = e && (e->edx & BIT(17));
	m->amd = duet_caps.backend == DUET_BACKEND_SVM;
}

/*
 * Publish the vCPU's paging state: its own thread calls this at each exit
 * and at DUET_SET_SREGS.  Pairs with read_seqbegin() in
 * duet_vcpu_walk_mode().
 */
void duet_vcpu_publish_paging(struct duet_vcpu *vcpu,
			      const struct duet_vcpu_paging *p)
{
	/*
	 * Only the vCPU's own ioctls write it (vcpu->mutex), so reading it
	 * here is safe; skip the lock when nothing changed, the usual case
	 * on the exit path.
	 */
	if (vcpu->paging.cr0 == p->cr0 && vcpu->paging.cr3 == p->cr3 &&
	    vcpu->paging.cr4 == p->cr4 && vcpu->paging.efer == p->efer &&
	    vcpu->paging.cpl == p->cpl)
		return;
	write_seqlock(&vcpu->paging_lock);
	vcpu->paging = *p;
	write_sequnlock(&vcpu->paging_lock);
}

/*
 * The paging mode of vCPU @id of @vm as of its last exit (or
 * DUET_SET_SREGS), while it may run in another thread, and its CPL;
 * -ENOENT when there is no such vCPU.  mmu_lock keeps the vCPU from being
 * freed (duet_vcpu_release()).  Its CPUID table is read without the
 * vCPU's mutex: a DUET_SET_CPUID at the same time may give a mix of the
 * two tables' paging bits, never anything worse.
 */
int duet_vcpu_walk_mode(struct duet_vm *vm, u32 id, struct duet_walk_mode *m,
			u8 *cpl)
{
	struct duet_vcpu_paging p;
	struct duet_vcpu *vcpu;
	unsigned int seq;

	vcpu = duet_vcpu_lock(vm, id);
	if (!vcpu)
		return -ENOENT;
	do {
		seq = read_seqbegin(&vcpu->paging_lock);
		p = vcpu->paging;
	} while (read_seqretry(&vcpu->paging_lock, seq));
	memset(m, 0, sizeof(*m));
	duet_walk_mode_cpuid(vcpu->cpuid, m);
	mutex_unlock(&vm->mmu_lock);

	m->cr0 = p.cr0;
	m->cr3 = p.cr3;
	m->cr4 = p.cr4;
	m->efer = p.efer;
	*cpl = p.cpl;
	return 0;
}

int duet_gmem_init(void)
{
	/* Unbound: a read may sleep on a page fault for a long time. */
	duet_gmem_wq = alloc_workqueue("duet_gmem", WQ_UNBOUND, 0);
	return duet_gmem_wq ? 0 : -ENOMEM;
}

void duet_gmem_exit(void)
{
	/* Waits for the reads of callers that gave up. */
	destroy_workqueue(duet_gmem_wq);
}
