// SPDX-License-Identifier: GPL-2.0
/*
 * duet_gmem_bench.ko: times duet's protected guest reads against a plain
 * copy_from_user() of the same bytes, in the calling (VMM) thread, on the
 * no-fault path.  Needs duet.ko built with DUET_KUNIT=1 for its exports.
 * Loaded only by bench/inside.sh; never part of duet.
 */
#include <linux/debugfs.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <asm/processor.h>

#include "duet.h"
#include "gmem_bench.h"

static struct dentry *gmem_bench_file;

/*
 * 4-level long-mode paging, supervisor reads (APM vol. 2 "Long-Mode Page
 * Translation"); the tables are the VMM's, A and D already set.
 */
static void gmem_bench_mode(struct duet_walk_mode *m, u64 cr3)
{
	memset(m, 0, sizeof(*m));
	m->cr0 = X86_CR0_PE | X86_CR0_PG;
	m->cr3 = cr3;
	m->cr4 = X86_CR4_PAE;
	m->efer = EFER_LME | EFER_LMA;
	m->maxphyaddr = boot_cpu_data.x86_phys_bits;
	m->amd = true;
}

static int gmem_bench_one(struct duet_vm *vm, const struct duet_walk_mode *m,
			  struct gmem_bench_req *req, u8 *buf)
{
	struct duet_gmem_ctx ctx = { .policy = DUET_GMEM_REPORT };
	u64 off = 0, done, sum = 0, t0;
	u32 i;
	int r = 0;

	t0 = ktime_get_ns();
	for (i = 0; i < req->iters; i++) {
		switch (req->kind) {
		case GMEM_BENCH_PLAIN:
			if (copy_from_user(buf,
					   u64_to_user_ptr(req->addr + off),
					   req->size))
				r = -EFAULT;
			break;
		case GMEM_BENCH_GPA:
			r = duet_gmem_read_gpa(vm, req->addr + off, buf,
					       req->size, &ctx, &done);
			break;
		default:
			r = duet_gmem_read_gva(vm, m, req->addr + off, 0, buf,
					       req->size, &ctx, &done);
			break;
		}
		if (r)
			return r;
		sum += *(u64 *)buf;
		off += req->size;
		if (off + req->size > req->span)
			off = 0;
	}
	req->ns = ktime_get_ns() - t0;
	req->sum = sum;
	return 0;
}

static int gmem_bench_run(struct gmem_bench_req *req)
{
	struct duet_walk_mode m;
	struct duet_vm *vm = NULL;
	struct file *vm_file = NULL;
	u8 *buf;
	int r;

	if (req->kind > GMEM_BENCH_GVA || req->size < sizeof(u64) ||
	    req->size > GMEM_BENCH_MAX_SIZE || !req->iters ||
	    req->iters > GMEM_BENCH_MAX_ITERS || req->span < req->size)
		return -EINVAL;

	if (req->kind != GMEM_BENCH_PLAIN) {
		vm_file = fget(req->vm_fd);
		if (!vm_file)
			return -EBADF;
		vm = duet_vm_from_file(vm_file);
		if (!vm) {
			r = -EINVAL;
			goto out_put_file;
		}
	}
	gmem_bench_mode(&m, req->cr3);

	buf = kvmalloc(req->size, GFP_KERNEL_ACCOUNT);
	if (!buf) {
		r = -ENOMEM;
		goto out_put_file;
	}
	r = gmem_bench_one(vm, &m, req, buf);
	kvfree(buf);
out_put_file:
	if (vm_file)
		fput(vm_file);
	return r;
}

static long gmem_bench_ioctl(struct file *filp, unsigned int ioctl,
			     unsigned long arg)
{
	struct gmem_bench_req req;
	int r;

	if (ioctl != GMEM_BENCH_RUN)
		return -ENOTTY;
	if (copy_from_user(&req, (void __user *)arg, sizeof(req)))
		return -EFAULT;
	r = gmem_bench_run(&req);
	if (r)
		return r;
	return copy_to_user((void __user *)arg, &req, sizeof(req)) ? -EFAULT : 0;
}

static const struct file_operations gmem_bench_fops = {
	.owner		= THIS_MODULE,
	.unlocked_ioctl	= gmem_bench_ioctl,
	.llseek		= noop_llseek,
};

static int __init gmem_bench_init(void)
{
	gmem_bench_file = debugfs_create_file("duet_gmem_bench", 0600, NULL,
					      NULL, &gmem_bench_fops);
	return IS_ERR(gmem_bench_file) ? PTR_ERR(gmem_bench_file) : 0;
}

static void __exit gmem_bench_exit(void)
{
	debugfs_remove(gmem_bench_file);
}

module_init(gmem_bench_init);
module_exit(gmem_bench_exit);
MODULE_DESCRIPTION("duet guest-memory read benchmark");
MODULE_LICENSE("GPL");
