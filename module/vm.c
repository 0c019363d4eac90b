// SPDX-License-Identifier: GPL-2.0
/*
 * VM objects: lifetime, the VM file descriptor and its ioctls.
 *
 * A VM holds one reference for its fd and one per vCPU; the last put frees
 * the vCPUs' backend state, the nested page tables and the slots, so the
 * fds can be closed in any order, even while a vCPU runs.
 */
#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "duet.h"

static void duet_vm_free(struct kref *kref)
{
	struct duet_vm *vm = container_of(kref, struct duet_vm, kref);
	int i;

	for (i = 0; i < DUET_MAX_MEMSLOTS; i++) {
		if (!vm->slots[i])
			continue;
		duet_slot_free(vm, vm->slots[i]);
		vm->slots[i] = NULL;
	}
	duet_ops->vm_destroy(vm);
	mmdrop(vm->mm);
	kfree(vm);
}

void duet_vm_get(struct duet_vm *vm)
{
	kref_get(&vm->kref);
}

void duet_vm_put(struct duet_vm *vm)
{
	kref_put(&vm->kref, duet_vm_free);
}

static int duet_vm_release(struct inode *inode, struct file *filp)
{
	duet_vm_put(filp->private_data);
	return 0;
}

static long duet_vm_ioctl(struct file *filp, unsigned int ioctl,
			  unsigned long arg)
{
	struct duet_vm *vm = filp->private_data;
	void __user *argp = (void __user *)arg;

	/* A VM belongs to the process that created it, as with KVM. */
	if (vm->mm != current->mm)
		return -EIO;

	switch (ioctl) {
	case DUET_SET_MEMSLOT: {
		struct duet_memslot m;

		if (copy_from_user(&m, argp, sizeof(m)))
			return -EFAULT;
		return duet_vm_set_memslot(vm, &m);
	}
	case DUET_CREATE_VCPU:
		return duet_vcpu_create(vm, arg);
	default:
		return -ENOTTY;
	}
}

static const struct file_operations duet_vm_fops = {
	.owner		= THIS_MODULE,
	.release	= duet_vm_release,
	.unlocked_ioctl	= duet_vm_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.llseek		= noop_llseek,
};

/* DUET_CREATE_VM: return a new VM fd; @flags are checked DUET_VM_*. */
int duet_vm_create(u32 flags)
{
	struct duet_vm *vm;
	int r;

	if (!duet_ops->vm_init)
		return -EOPNOTSUPP;

	vm = kzalloc(sizeof(*vm), GFP_KERNEL_ACCOUNT);
	if (!vm)
		return -ENOMEM;
	kref_init(&vm->kref);
	mutex_init(&vm->mmu_lock);
	vm->flags = flags;
	vm->mm = current->mm;
	mmgrab(vm->mm);

	r = duet_ops->vm_init(vm);
	if (r)
		goto err_free_vm;

	/* Every VM reference comes from an fd, which pins the module. */
	r = anon_inode_getfd("duet-vm", &duet_vm_fops, vm, O_RDWR | O_CLOEXEC);
	if (r < 0)
		duet_vm_put(vm);
	return r;

err_free_vm:
	mmdrop(vm->mm);
	kfree(vm);
	return r;
}
