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
#include <linux/uaccess.h>

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

/*
 * Finish what the last exit to userspace left open.  An answer that is not
 * valid fails DUET_RUN with -EINVAL and leaves the exit open, unchanged.
 */
static int duet_vcpu_complete_userspace(struct duet_vcpu *vcpu)
{
	struct duet_run *run = vcpu->run;
	struct duet_regs regs;

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

static int duet_vcpu_run(struct duet_vcpu *vcpu)
{
	struct duet_run *run = vcpu->run;
	int r;

	if (vcpu->vm->mm != current->mm)
		return -EIO;
	if (vcpu->vm->dead)
		return -EIO;

	r = duet_vcpu_complete_userspace(vcpu);
	if (r)
		return r;
	run->exit_reason = DUET_EXIT_NONE;

	for (;;) {
		if (signal_pending(current)) {
			run->exit_reason = DUET_EXIT_INTR;
			vcpu->stats.signal_exits++;
			r = -EINTR;
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
