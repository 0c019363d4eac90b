// SPDX-License-Identifier: GPL-2.0
/*
 * VM objects: lifetime, the VM file descriptor and its ioctls.
 *
 * A VM holds one reference for its fd and one per vCPU; the last put frees
 * the vCPUs' backend state, the nested page tables and the slots, so the
 * fds can be closed in any order, even while a vCPU runs.
 *
 * Every VM is also in a registry under a small id, where netlink finds it.
 * The registry holds no reference: a lookup takes one with
 * kref_get_unless_zero() under the registry's lock, and duet_vm_free()
 * erases the VM under that lock before freeing anything, so a lookup either
 * sees the VM alive or not at all.
 */
#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/nsproxy.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>
#include <linux/uaccess.h>
#include <linux/xarray.h>
#include <net/net_namespace.h>

#include "duet.h"
#include "bt/bt.h"

/* VMs by id; ids start at 1 and are handed out cyclically. */
static DEFINE_XARRAY_ALLOC1(duet_vms);
static u32 duet_vm_next_id;

static void duet_vm_free(struct kref *kref)
{
	struct duet_vm *vm = container_of(kref, struct duet_vm, kref);
	int i;

	/*
	 * A lookup until here fails its kref_get_unless_zero(), the count
	 * being 0; the erase takes the lookups' lock, so none finds the VM
	 * after it (duet_vm_find_next()).
	 */
	xa_erase(&duet_vms, vm->id);
	duet_nl_notify_vm(vm, false);

	for (i = 0; i < DUET_MAX_MEMSLOTS; i++) {
		if (!vm->slots[i])
			continue;
		duet_slot_free(vm, vm->slots[i]);
		vm->slots[i] = NULL;
	}
	duet_ops->vm_destroy(vm);
	duet_bt_segments_destroy(vm);
	if (vm->bt_cache)
		duet_bt_cache_destroy(vm->bt_cache);
	duet_trace_destroy(&vm->trace);
	put_net(vm->net);
	mmdrop(vm->mm);
	kfree(vm);
}

/*
 * The live VM of @net with the lowest id in [*@id, @max], with a reference
 * taken (duet_vm_put() it) and its id in *@id; NULL when there is none.
 */
struct duet_vm *duet_vm_find_next(struct net *net, unsigned long *id,
				  unsigned long max)
{
	struct duet_vm *vm;

	if (*id > max)
		return NULL;

	xa_lock(&duet_vms);
	for (vm = xa_find(&duet_vms, id, max, XA_PRESENT); vm;
	     vm = xa_find_after(&duet_vms, id, max, XA_PRESENT)) {
		/* A VM on its way out of duet_vm_free() is skipped. */
		if (net_eq(vm->net, net) && kref_get_unless_zero(&vm->kref))
			break;
	}
	xa_unlock(&duet_vms);
	return vm;
}

/* VM @id of @net, with a reference taken; NULL when there is none. */
struct duet_vm *duet_vm_find(struct net *net, u32 id)
{
	unsigned long index = id;

	return duet_vm_find_next(net, &index, id);
}

/*
 * What netlink reports of @vm, taken under mmu_lock, which serialises the
 * slots, the vCPU array and the VM's counters.
 */
void duet_vm_snapshot(struct duet_vm *vm, struct duet_vm_info *info)
{
	int i;

	memset(info, 0, sizeof(*info));
	mutex_lock(&vm->mmu_lock);
	for (i = 0; i < DUET_MAX_VCPUS; i++)
		info->nr_vcpus += !!vm->vcpus[i];
	for (i = 0; i < DUET_MAX_MEMSLOTS; i++) {
		if (!vm->slots[i])
			continue;
		info->nr_memslots++;
		info->memory_size += vm->slots[i]->npages << PAGE_SHIFT;
	}
	info->stats = vm->stats;
	mutex_unlock(&vm->mmu_lock);
	duet_stall_snapshot(vm, info);
	/* Set by a vCPU's shutdown exit, without mmu_lock. */
	info->dead = READ_ONCE(vm->dead);
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

#ifdef DUET_KUNIT
/*
 * The VM of a VM file, or NULL for any other file: for test and bench
 * modules, which hold @filp (and so the VM) for as long as they use it.
 */
struct duet_vm *duet_vm_from_file(struct file *filp)
{
	return filp->f_op == &duet_vm_fops ? filp->private_data : NULL;
}
EXPORT_SYMBOL_IF_DUET_KUNIT(duet_vm_from_file);
#endif

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
	duet_stall_init(vm);
	duet_trace_init(&vm->trace);
	vm->flags = flags;
	vm->mm = current->mm;
	mmgrab(vm->mm);
	vm->pid = task_tgid_vnr(current);
	vm->create_time = ktime_get_boottime_ns();
	vm->net = get_net(current->nsproxy->net_ns);

	r = duet_bt_segments_create(vm);
	if (r)
		goto err_free_vm;
	r = duet_ops->vm_init(vm);
	if (r)
		goto err_free_segments;

	/* From here on netlink can find the VM, and duet_vm_free() erases it. */
	r = xa_alloc_cyclic(&duet_vms, &vm->id, vm, XA_LIMIT(1, INT_MAX),
			    &duet_vm_next_id, GFP_KERNEL_ACCOUNT);
	if (r < 0)
		goto err_vm_destroy;
	duet_nl_notify_vm(vm, true);

	/*
	 * Every VM reference but a netlink handler's comes from an fd, which
	 * pins the module; the module's exit waits for the handlers.
	 */
	r = anon_inode_getfd("duet-vm", &duet_vm_fops, vm, O_RDWR | O_CLOEXEC);
	if (r < 0)
		duet_vm_put(vm);
	return r;

err_vm_destroy:
	duet_ops->vm_destroy(vm);
err_free_segments:
	duet_bt_segments_destroy(vm);
err_free_vm:
	duet_trace_destroy(&vm->trace);
	put_net(vm->net);
	mmdrop(vm->mm);
	kfree(vm);
	return r;
}

static void duet_vm_exit_ipi(void *unused)
{
	/* Nothing to do: arriving here means the vCPU left guest mode. */
}

/*
 * Wait until every vCPU of @vm that is in guest mode now has left it once
 * (an IPI each, waited for), for a caller that changed what an entry
 * decides (nested mappings, TLB generations) and published it with a
 * full barrier: the entries after that see the change.
 */
void duet_vm_kick_guest_mode(struct duet_vm *vm)
{
	int i;

	for (i = 0; i < DUET_MAX_VCPUS; i++) {
		struct duet_vcpu *vcpu = vm->vcpus[i];
		int cpu;

		if (!vcpu || READ_ONCE(vcpu->mode) != IN_GUEST_MODE)
			continue;
		cpu = READ_ONCE(vcpu->cpu);
		if (cpu >= 0)
			smp_call_function_single(cpu, duet_vm_exit_ipi, NULL, 1);
	}
}
