// SPDX-License-Identifier: GPL-2.0
/*
 * vCPU objects: lifetime, the vCPU file descriptor, its run area and the
 * generic run loop around the backend's single entry.
 */
#include <linux/anon_inodes.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/uaccess.h>
/* smp_send_reschedule() traces the IPI (6.3 and later). */
#include <trace/events/ipi.h>

#include "duet.h"
#include "trace.h"

void *duet_vcpu_pio_data(struct duet_vcpu *vcpu)
{
	return (u8 *)vcpu->run + DUET_PIO_DATA_OFFSET;
}

/*
 * vCPU @id of @vm with vm->mmu_lock held, which keeps it from being freed
 * (duet_vcpu_release()) until the caller unlocks; NULL, unlocked, when
 * there is none.  For readers in other threads (netlink, introspection).
 */
struct duet_vcpu *duet_vcpu_lock(struct duet_vm *vm, u32 id)
{
	struct duet_vcpu *vcpu;

	if (id >= DUET_MAX_VCPUS)
		return NULL;
	mutex_lock(&vm->mmu_lock);
	vcpu = vm->vcpus[id];
	if (!vcpu)
		mutex_unlock(&vm->mmu_lock);
	return vcpu;
}

/*
 * What netlink reports of vCPU @id of @vm; -ENOENT when there is none.
 * mmu_lock keeps the vCPU from being freed (duet_vcpu_release()).  The
 * counters are read without the vCPU's mutex while it may run: each is
 * whole (one aligned u64, READ_ONCE()), the set is a snapshot.
 */
int duet_vcpu_snapshot(struct duet_vm *vm, u32 id, struct duet_vcpu_info *info)
{
	u64 *dst = (u64 *)&info->stats;
	struct duet_vcpu *vcpu;
	const u64 *src;
	size_t i;

	BUILD_BUG_ON(sizeof(info->stats) % sizeof(u64));
	vcpu = duet_vcpu_lock(vm, id);
	if (!vcpu)
		return -ENOENT;
	src = (const u64 *)&vcpu->stats;
	for (i = 0; i < sizeof(info->stats) / sizeof(u64); i++)
		dst[i] = READ_ONCE(src[i]);
	info->cpu = READ_ONCE(vcpu->cpu);
	info->in_guest = READ_ONCE(vcpu->mode) == IN_GUEST_MODE;
	info->exec_mode = READ_ONCE(vcpu->exec_mode);
	mutex_unlock(&vm->mmu_lock);
	return 0;
}

static int duet_vcpu_release(struct inode *inode, struct file *filp)
{
	struct duet_vcpu *vcpu = filp->private_data;
	struct duet_vm *vm = vcpu->vm;

	mutex_lock(&vm->mmu_lock);
	vm->vcpus[vcpu->id] = NULL;
	mutex_unlock(&vm->mmu_lock);
	duet_stall_vcpu_gone(vcpu);

	free_pages((unsigned long)vcpu->run, get_order(DUET_RUN_PAGES * PAGE_SIZE));
	duet_fpu_free(vcpu->fpu);
	kvfree(vcpu->cpuid);
	kfree(vcpu->bt_tlb);
	duet_ops->vcpu_free(vcpu);
	duet_vm_put(vm);
	return 0;
}

/*
 * Copy @len bytes at byte @off of @s's guest-memory range to or from @buf,
 * across its split between two guest pages.
 */
static int duet_pio_string_range(struct duet_vm *vm,
				 const struct duet_pio_string *s, u32 off,
				 void *buf, u32 len, bool to_guest,
				 u64 *bad_gpa)
{
	u64 gpa;
	u32 n;
	int r;

	while (len) {
		if (off < s->split) {
			gpa = s->gpa[0] + off;
			n = min(len, s->split - off);
		} else {
			gpa = s->gpa[1] + (off - s->split);
			n = len;
		}
		r = to_guest ? duet_gpa_write(vm, gpa, buf, n) :
			       duet_gpa_read(vm, gpa, buf, n);
		if (r) {
			*bad_gpa = gpa;
			return r;
		}
		off += n;
		buf = (u8 *)buf + n;
		len -= n;
	}
	return 0;
}

/*
 * Move the elements of a string I/O exit between the data area (element
 * 0 first) and guest memory (element 0 at the lowest address, or with
 * @s->down at the highest): for INS (@to_guest) on completion, for OUTS
 * before the exit.  0, or -errno from gmem/access.c with *@bad_gpa set.
 */
int duet_pio_string_copy(struct duet_vcpu *vcpu,
			 const struct duet_pio_string *s, bool to_guest,
			 u64 *bad_gpa)
{
	u8 *data = duet_vcpu_pio_data(vcpu);
	u8 tmp[256];
	u32 i, k, n, off;
	int r;

	if (!s->down)
		return duet_pio_string_range(vcpu->vm, s, 0, data,
					     s->count * s->size, to_guest,
					     bad_gpa);

	/* Backwards: reverse the element order through a small buffer. */
	for (i = 0; i < s->count; i += n) {
		n = min(s->count - i, (u32)sizeof(tmp) / s->size);
		/* Elements i..i + n - 1 lie at [off, off + n * size). */
		off = (s->count - i - n) * s->size;
		if (to_guest)
			for (k = 0; k < n; k++)
				memcpy(tmp + (n - 1 - k) * s->size,
				       data + (i + k) * s->size, s->size);
		r = duet_pio_string_range(vcpu->vm, s, off, tmp, n * s->size,
					  to_guest, bad_gpa);
		if (r)
			return r;
		if (!to_guest)
			for (k = 0; k < n; k++)
				memcpy(data + (i + k) * s->size,
				       tmp + (n - 1 - k) * s->size, s->size);
	}
	return 0;
}

/*
 * String I/O reached memory that is not guest RAM (MMIO, which it does
 * not emulate): an internal error exit.
 */
void duet_vcpu_string_io_error(struct duet_vcpu *vcpu, u64 gpa, u32 port,
			       u32 direction)
{
	struct duet_run *run = vcpu->run;

	run->exit_reason = DUET_EXIT_INTERNAL_ERROR;
	run->internal.suberror = DUET_INTERNAL_STRING_IO;
	run->internal.ndata = 3;
	run->internal.data[0] = gpa;
	run->internal.data[1] = port;
	run->internal.data[2] = direction;
	run->internal.data[3] = 0;
}

/*
 * Finish what the last exit to userspace left open.  0 to enter the
 * guest, 1 when the completion itself ends in an exit (the run area says
 * which), or -errno.  An answer that is not valid fails DUET_RUN with
 * -EINVAL and leaves the exit open, unchanged.
 */
static int duet_vcpu_complete_userspace(struct duet_vcpu *vcpu)
{
	struct duet_pio_string *s = &vcpu->pio_string_in;
	struct duet_run *run = vcpu->run;
	struct duet_regs regs;
	u64 bad_gpa;
	int r;

	if (vcpu->mmio_pending) {
		vcpu->mmio_pending = false;
		r = duet_ops->complete_mmio(vcpu, READ_ONCE(run->mmio.data));
		if (r)
			return r;
	}
	if (vcpu->msr_pending) {
		/* Userspace may write the run area at any time: read once. */
		u32 error = READ_ONCE(run->msr.error);

		if (error > 1)
			return -EINVAL;
		duet_ops->complete_msr(vcpu, vcpu->msr_pending_write,
				       READ_ONCE(run->msr.data), error);
		vcpu->msr_pending = false;
	}
	if (vcpu->pio_in_size) {
		u64 val = 0;

		memcpy(&val, duet_vcpu_pio_data(vcpu), vcpu->pio_in_size);
		duet_ops->get_regs(vcpu, &regs);
		/* IN writes AL/AX and leaves the rest, or zero-extends EAX. */
		if (vcpu->pio_in_size == 4)
			regs.rax = (u32)val;
		else
			regs.rax = (regs.rax & ~((1ULL << (8 * vcpu->pio_in_size)) - 1)) | val;
		duet_ops->set_regs(vcpu, &regs);
		vcpu->pio_in_size = 0;
	}
	if (vcpu->hypercall_pending) {
		duet_ops->get_regs(vcpu, &regs);
		regs.rax = run->hypercall.ret;
		duet_ops->set_regs(vcpu, &regs);
		vcpu->hypercall_pending = false;
	}
	if (s->count) {
		/* INS: the registers moved at the exit; now the data. */
		r = duet_pio_string_copy(vcpu, s, true, &bad_gpa);
		s->count = 0;
		if (r == -ENOENT || r == -EPERM) {
			/* The slot went away since the exit checked it. */
			duet_vcpu_string_io_error(vcpu, bad_gpa, s->port,
						  DUET_EXIT_IO_IN);
			return 1;
		}
		if (r)
			return r;
	}
	return 0;
}

/* Exceptions that push an error code (SDM "Exception and Interrupt Reference"). */
#define DUET_EXC_WITH_ERROR_CODE \
	(BIT(8) | BIT(10) | BIT(11) | BIT(12) | BIT(13) | BIT(14) | BIT(17) | \
	 BIT(21) | BIT(29) | BIT(30))

DUET_VISIBLE_IF_KUNIT int duet_vcpu_check_event(const struct duet_event *ev)
{
	if (ev->reserved[0] || ev->reserved[1] ||
	    (ev->flags & ~DUET_EVENT_HAS_ERROR_CODE))
		return -EINVAL;
	switch (ev->type) {
	case DUET_EVENT_EXCEPTION:
		/* NMI (2) has its own type; 15, 22-27 and 31 are reserved. */
		if (ev->vector >= 32 || ev->vector == 2)
			return -EINVAL;
		if (!!(ev->flags & DUET_EVENT_HAS_ERROR_CODE) !=
		    !!(DUET_EXC_WITH_ERROR_CODE & BIT(ev->vector)))
			return -EINVAL;
		return 0;
	case DUET_EVENT_INTERRUPT:
		if (ev->vector < 32 || ev->vector > 255 || ev->flags)
			return -EINVAL;
		return 0;
	case DUET_EVENT_NMI:
		return ev->flags ? -EINVAL : 0;
	default:
		return -EINVAL;
	}
}
EXPORT_SYMBOL_IF_DUET_KUNIT(duet_vcpu_check_event);

/*
 * DUET_KICK: make the vCPU return from DUET_RUN with DUET_EXIT_KICK.  Runs
 * without vcpu->mutex (the vCPU's own thread holds it inside DUET_RUN);
 * the caller's reference on the file keeps @vcpu alive.
 *
 * The request is a bit, not a count: kicks that arrive before the vCPU
 * notices one end one DUET_RUN.  It stays set until a DUET_RUN consumes
 * it, so a kick is never lost: sent while the thread is outside DUET_RUN,
 * or while DUET_RUN is returning for another reason, it ends the next
 * DUET_RUN before the guest runs.
 */
static int duet_vcpu_kick(struct duet_vcpu *vcpu)
{
	set_bit(DUET_REQ_KICK, &vcpu->requests);
	/*
	 * Pairs with smp_store_mb() of vcpu->mode in the backend's entry
	 * (svm_enter_guest()): either that entry sees the request after
	 * publishing IN_GUEST_MODE, or we see IN_GUEST_MODE in
	 * duet_vcpu_ipi() and the IPI makes the guest exit.
	 */
	smp_mb__after_atomic();
	duet_vcpu_ipi(vcpu);
	return 0;
}

/*
 * Make @vcpu leave guest mode if it is in it: a reschedule IPI to its CPU,
 * whose physical interrupt exits the guest (intercepted).  The caller has
 * made what the vCPU must see before its next entry visible, followed by
 * a full barrier (duet_vcpu_kick(), duet_stall_begin()).  Whether @vcpu
 * was in guest mode.
 */
bool duet_vcpu_ipi(struct duet_vcpu *vcpu)
{
	int cpu, me;

	if (READ_ONCE(vcpu->mode) != IN_GUEST_MODE)
		return false;

	/*
	 * With preemption off here, a CPU seen online stays online until
	 * the IPI is sent (taking a CPU down needs every CPU to schedule).
	 * Our own CPU cannot be running the vCPU in guest mode.
	 */
	me = get_cpu();
	cpu = READ_ONCE(vcpu->cpu);
	if (cpu != me && cpu >= 0 && cpu < nr_cpu_ids && cpu_online(cpu))
		smp_send_reschedule(cpu);
	put_cpu();
	return true;
}

/* Consume a pending kick: whether DUET_RUN ends with DUET_EXIT_KICK. */
static bool duet_vcpu_take_kick(struct duet_vcpu *vcpu)
{
	/* test_bit() first: no locked access on every iteration. */
	if (!test_bit(DUET_REQ_KICK, &vcpu->requests) ||
	    !test_and_clear_bit(DUET_REQ_KICK, &vcpu->requests))
		return false;
	vcpu->run->exit_reason = DUET_EXIT_KICK;
	vcpu->stats.kick_exits++;
	return true;
}

/*
 * The generic run loop.  The backend runs the guest and handles what it
 * can in its own loop, coming back here when the thread has other work
 * (duet_vcpu_should_leave()) or an exit needs preemption on; here the
 * thread reschedules, and signals and kicks end DUET_RUN.
 */
/*
 * One trip through the backend's run loop, or through the binary
 * translator (bt/run.c) for a vCPU in BT mode or on a detour into a
 * vulnerable segment.
 */
static int duet_vcpu_run_once(struct duet_vcpu *vcpu)
{
	/* A fetch from a segment's page in hardware: BT takes over there. */
	if (vcpu->bt_divert) {
		vcpu->bt_divert = false;
		vcpu->bt_detour = true;
	}
	/* Read by other vCPUs' stall requests (bt/stall.c). */
	WRITE_ONCE(vcpu->bt_active,
		   READ_ONCE(vcpu->exec_mode) == DUET_EXEC_MODE_BT ||
		   vcpu->bt_detour);
	if (vcpu->bt_active)
		return duet_bt_vcpu_run(vcpu);
	return duet_ops->vcpu_run(vcpu);
}

static int duet_vcpu_run(struct duet_vcpu *vcpu)
{
	struct duet_run *run = vcpu->run;
	int r;

	if (vcpu->vm->mm != current->mm)
		return -EIO;
	if (vcpu->vm->dead)
		return -EIO;

	r = duet_vcpu_complete_userspace(vcpu);
	if (r < 0)
		return r;
	if (r > 0) {
		r = 0;
		goto out;
	}
	run->exit_reason = DUET_EXIT_NONE;

	for (;;) {
		if (signal_pending(current)) {
			run->exit_reason = DUET_EXIT_INTR;
			vcpu->stats.signal_exits++;
			r = -EINTR;
			break;
		}
		if (duet_vcpu_take_kick(vcpu)) {
			r = 0;
			break;
		}
		cond_resched();
		/*
		 * Held out of guest mode by the stall barrier: wait here,
		 * before every entry, then look at signals and kicks again.
		 * The backend's loop leaves on duet_vcpu_should_leave() when
		 * a stall begins while it runs.
		 */
		if (duet_vcpu_stalled(vcpu)) {
			duet_stall_wait(vcpu);
			continue;
		}

		r = duet_vcpu_run_once(vcpu);
		if (r <= 0)
			break;
	}
	/* Never leave the other vCPUs held while this one is in userspace. */
	duet_bt_vcpu_close_segment(vcpu);
out:
	if (r == 0)
		vcpu->stats.userspace_exits++;
	trace_duet_userspace_exit(vcpu->id, run->exit_reason, r);
	return r;
}

static long duet_vcpu_ioctl(struct file *filp, unsigned int ioctl,
			    unsigned long arg)
{
	struct duet_vcpu *vcpu = filp->private_data;
	void __user *argp = (void __user *)arg;
	union {
		struct duet_regs regs;
		struct duet_sregs sregs;
		struct duet_event ev;
	} u;
	long r;

	if (vcpu->vm->mm != current->mm)
		return -EIO;
	/* Before the lock: the vCPU's thread holds it inside DUET_RUN. */
	if (ioctl == DUET_KICK)
		return arg ? -EINVAL : duet_vcpu_kick(vcpu);
	if (mutex_lock_killable(&vcpu->mutex))
		return -EINTR;

	switch (ioctl) {
	case DUET_RUN:
		r = arg ? -EINVAL : duet_vcpu_run(vcpu);
		break;
	case DUET_SET_CPUID:
		r = duet_cpuid_from_user(vcpu->cpuid, argp);
		break;
	case DUET_GET_CPUID:
		r = duet_cpuid_to_user(vcpu->cpuid, argp);
		break;
	case DUET_INJECT_EVENT:
		r = -EFAULT;
		if (copy_from_user(&u.ev, argp, sizeof(u.ev)))
			break;
		r = duet_vcpu_check_event(&u.ev);
		if (!r)
			r = duet_ops->inject_event(vcpu, &u.ev);
		if (!r)
			vcpu->stats.injected_events++;
		break;
	case DUET_GET_MSRS:
	case DUET_SET_MSRS:
		r = duet_vcpu_msrs(vcpu, argp, ioctl == DUET_SET_MSRS);
		break;
	case DUET_GET_XSAVE:
		r = duet_fpu_get_xsave(vcpu->fpu, argp);
		break;
	case DUET_SET_XSAVE:
		r = duet_fpu_set_xsave(vcpu->fpu, argp);
		break;
	case DUET_GET_REGS:
		duet_ops->get_regs(vcpu, &u.regs);
		r = copy_to_user(argp, &u.regs, sizeof(u.regs)) ? -EFAULT : 0;
		break;
	case DUET_SET_REGS:
		r = -EFAULT;
		if (copy_from_user(&u.regs, argp, sizeof(u.regs)))
			break;
		duet_ops->set_regs(vcpu, &u.regs);
		r = 0;
		break;
	case DUET_GET_SREGS:
		memset(&u.sregs, 0, sizeof(u.sregs));
		duet_ops->get_sregs(vcpu, &u.sregs);
		r = copy_to_user(argp, &u.sregs, sizeof(u.sregs)) ? -EFAULT : 0;
		break;
	case DUET_SET_SREGS:
		r = -EFAULT;
		if (copy_from_user(&u.sregs, argp, sizeof(u.sregs)))
			break;
		r = -EINVAL;
		if (memchr_inv(u.sregs.reserved, 0, sizeof(u.sregs.reserved)))
			break;
		r = duet_ops->set_sregs(vcpu, &u.sregs);
		if (!r)
			duet_vcpu_publish_paging(vcpu, &(struct duet_vcpu_paging){
				.cr0 = u.sregs.cr0, .cr3 = u.sregs.cr3,
				.cr4 = u.sregs.cr4, .efer = u.sregs.efer,
				/* The CPL is SS.DPL (as svm_set_sregs() takes it). */
				.cpl = (u.sregs.ss.attrib >> 5) & 3,
			});
		break;
	default:
		r = -ENOTTY;
	}
	mutex_unlock(&vcpu->mutex);
	return r;
}

static vm_fault_t duet_vcpu_fault(struct vm_fault *vmf)
{
	struct duet_vcpu *vcpu = vmf->vma->vm_file->private_data;
	struct page *page;

	if (vmf->pgoff >= DUET_RUN_PAGES)
		return VM_FAULT_SIGBUS;
	page = virt_to_page((u8 *)vcpu->run + (vmf->pgoff << PAGE_SHIFT));
	get_page(page);
	vmf->page = page;
	return 0;
}

static const struct vm_operations_struct duet_vcpu_vm_ops = {
	.fault = duet_vcpu_fault,
};

static int duet_vcpu_mmap(struct file *filp, struct vm_area_struct *vma)
{
	vma->vm_ops = &duet_vcpu_vm_ops;
	return 0;
}

static const struct file_operations duet_vcpu_fops = {
	.owner		= THIS_MODULE,
	.release	= duet_vcpu_release,
	.unlocked_ioctl	= duet_vcpu_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.mmap		= duet_vcpu_mmap,
	.llseek		= noop_llseek,
};

/* DUET_CREATE_VCPU: return a new vCPU fd. */
int duet_vcpu_create(struct duet_vm *vm, unsigned long id)
{
	struct duet_vcpu *vcpu;
	int r;

	if (id >= DUET_MAX_VCPUS)
		return -EINVAL;

	vcpu = duet_ops->vcpu_create(vm);
	if (IS_ERR(vcpu))
		return PTR_ERR(vcpu);
	vcpu->vm = vm;
	vcpu->id = id;
	vcpu->cpu = -1;
	mutex_init(&vcpu->mutex);
	seqlock_init(&vcpu->paging_lock);

	r = -ENOMEM;
	vcpu->fpu = duet_fpu_alloc();
	if (!vcpu->fpu)
		goto err_free_vcpu;
	vcpu->cpuid = kvmalloc(sizeof(*vcpu->cpuid), GFP_KERNEL_ACCOUNT);
	if (!vcpu->cpuid)
		goto err_free_fpu;
	memcpy(vcpu->cpuid, duet_cpuid_supported(), sizeof(*vcpu->cpuid));
	/*
	 * Compound, so that mmap()'s references to the second page count on
	 * the whole allocation instead of freeing that page on munmap().
	 */
	vcpu->run = (void *)__get_free_pages(GFP_KERNEL_ACCOUNT | __GFP_ZERO |
					     __GFP_COMP,
					     get_order(DUET_RUN_PAGES * PAGE_SIZE));
	if (!vcpu->run)
		goto err_free_fpu;

	mutex_lock(&vm->mmu_lock);
	r = -EEXIST;
	if (vm->vcpus[id]) {
		mutex_unlock(&vm->mmu_lock);
		goto err_free_run;
	}
	vm->vcpus[id] = vcpu;
	mutex_unlock(&vm->mmu_lock);

	duet_vm_get(vm);
	r = anon_inode_getfd("duet-vcpu", &duet_vcpu_fops, vcpu,
			     O_RDWR | O_CLOEXEC);
	if (r < 0)
		goto err_unlink;
	return r;

err_unlink:
	duet_vm_put(vm);
	mutex_lock(&vm->mmu_lock);
	vm->vcpus[id] = NULL;
	mutex_unlock(&vm->mmu_lock);
err_free_run:
	free_pages((unsigned long)vcpu->run, get_order(DUET_RUN_PAGES * PAGE_SIZE));
err_free_fpu:
	kvfree(vcpu->cpuid);
	duet_fpu_free(vcpu->fpu);
err_free_vcpu:
	duet_ops->vcpu_free(vcpu);
	return r;
}
