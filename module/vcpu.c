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

static int duet_vcpu_release(struct inode *inode, struct file *filp)
{
	struct duet_vcpu *vcpu = filp->private_data;
	struct duet_vm *vm = vcpu->vm;

	mutex_lock(&vm->mmu_lock);
	vm->vcpus[vcpu->id] = NULL;
	mutex_unlock(&vm->mmu_lock);

	free_pages((unsigned long)vcpu->run, get_order(DUET_RUN_PAGES * PAGE_SIZE));
	duet_fpu_free(vcpu->fpu);
	kvfree(vcpu->cpuid);
	duet_ops->vcpu_free(vcpu);
	duet_vm_put(vm);
	return 0;
}

/* Finish what the last exit to userspace left open. */
static void duet_vcpu_complete_userspace(struct duet_vcpu *vcpu)
{
	struct duet_regs regs;

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
		regs.rax = vcpu->run->hypercall.ret;
		duet_ops->set_regs(vcpu, &regs);
		vcpu->hypercall_pending = false;
	}
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
	int cpu, me;

	set_bit(DUET_REQ_KICK, &vcpu->requests);
	/*
	 * Pairs with smp_store_mb() of vcpu->mode in the backend's entry
	 * (svm_enter_guest()): either that entry sees the request after
	 * publishing IN_GUEST_MODE, or we see IN_GUEST_MODE here and the IPI
	 * makes the guest exit (physical interrupts are intercepted).
	 */
	smp_mb__after_atomic();
	if (READ_ONCE(vcpu->mode) != IN_GUEST_MODE)
		return 0;

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
	return 0;
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
static int duet_vcpu_run(struct duet_vcpu *vcpu)
{
	struct duet_run *run = vcpu->run;
	int r;

	if (vcpu->vm->mm != current->mm)
		return -EIO;
	if (vcpu->vm->dead)
		return -EIO;

	duet_vcpu_complete_userspace(vcpu);
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

		r = duet_ops->vcpu_run(vcpu);
		if (r <= 0)
			break;
	}
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
