// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/duet: the misc device and the dispatch of its ioctls.
 */
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/uaccess.h>

#include "duet.h"

static long duet_dev_check_extension(void __user *argp)
{
	struct duet_check_extension ext;

	if (copy_from_user(&ext, argp, sizeof(ext)))
		return -EFAULT;
	if (ext.flags || ext.reserved[0] || ext.reserved[1])
		return -EINVAL;

	/* An unknown capability reads as absent, like a missing one. */
	if (duet_cap_value(&duet_caps, ext.cap, &ext.value))
		ext.value = 0;

	if (copy_to_user(argp, &ext, sizeof(ext)))
		return -EFAULT;
	return 0;
}

static long duet_dev_ioctl(struct file *filp, unsigned int ioctl,
			   unsigned long arg)
{
	void __user *argp = (void __user *)arg;

	switch (ioctl) {
	case DUET_GET_API_VERSION:
		if (arg)
			return -EINVAL;
		return DUET_API_VERSION;
	case DUET_CHECK_EXTENSION:
		return duet_dev_check_extension(argp);
	case DUET_GET_SUPPORTED_CPUID:
		return duet_cpuid_to_user(duet_cpuid_supported(), argp);
	case DUET_GET_MSR_INDEX_LIST:
		return duet_msr_index_list_to_user(argp);
	case DUET_CREATE_VM:
		if (arg & ~(unsigned long)DUET_VM_FLAGS)
			return -EINVAL;
		return duet_vm_create(arg);
	case DUET_GET_VCPU_MMAP_SIZE:
		if (arg)
			return -EINVAL;
		return DUET_RUN_PAGES * PAGE_SIZE;
	default:
		return -ENOTTY;
	}
}

static const struct file_operations duet_chardev_ops = {
	.owner		= THIS_MODULE,
	.unlocked_ioctl	= duet_dev_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.llseek		= noop_llseek,
};

static struct miscdevice duet_dev = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= DUET_NAME,
	.fops	= &duet_chardev_ops,
	/* Only root may create VMs, as with a fresh /dev/kvm. */
	.mode	= 0600,
};

int duet_dev_init(void)
{
	return misc_register(&duet_dev);
}

void duet_dev_exit(void)
{
	misc_deregister(&duet_dev);
}
