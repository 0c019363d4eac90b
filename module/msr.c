// SPDX-License-Identifier: GPL-2.0
/*
 * MSRs of vCPUs, the backend-independent part: the value checks that
 * WRMSR makes (pure functions, shared by the exit handlers and the
 * DUET_SET_MSRS ioctl of every backend), and DUET_GET_MSRS/DUET_SET_MSRS
 * and DUET_GET_MSR_INDEX_LIST, which call the backend's get_msr/set_msr
 * and msr_index_list ops.
 */
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <asm/msr-index.h>
#include <asm/processor-flags.h>

#include "duet.h"

/*
 * Every MSR duet emulates; each backend's get_msr()/set_msr() implements
 * each of them, and passes through the ones so marked.
 */
const struct duet_msr duet_msrs[] = {
	{ MSR_EFER,			0 },
	{ MSR_IA32_CR_PAT,		0 },
	{ MSR_IA32_TSC,			0 },
	{ MSR_IA32_APICBASE,		0 },
	{ MSR_IA32_MTRRCAP,		0 },
	{ MSR_IA32_MTRR_DEF_TYPE,	0 },
	{ MSR_STAR,			DUET_MSR_PASSTHROUGH },
	{ MSR_LSTAR,			DUET_MSR_PASSTHROUGH | DUET_MSR_ADDR },
	{ MSR_CSTAR,			DUET_MSR_PASSTHROUGH | DUET_MSR_ADDR },
	{ MSR_SYSCALL_MASK,		DUET_MSR_PASSTHROUGH },
	{ MSR_KERNEL_GS_BASE,		DUET_MSR_PASSTHROUGH | DUET_MSR_ADDR },
	{ MSR_IA32_SYSENTER_CS,		DUET_MSR_PASSTHROUGH },
	{ MSR_IA32_SYSENTER_ESP,	DUET_MSR_PASSTHROUGH | DUET_MSR_ADDR },
	{ MSR_IA32_SYSENTER_EIP,	DUET_MSR_PASSTHROUGH | DUET_MSR_ADDR },
	{ MSR_FS_BASE,			DUET_MSR_PASSTHROUGH | DUET_MSR_ADDR },
	{ MSR_GS_BASE,			DUET_MSR_PASSTHROUGH | DUET_MSR_ADDR },
};

const unsigned int duet_nr_msrs = ARRAY_SIZE(duet_msrs);

/* One DUET_GET_MSRS call can read them all. */
static_assert(ARRAY_SIZE(duet_msrs) <= DUET_MAX_MSR_ENTRIES);

const struct duet_msr *duet_msr_find(u32 index)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(duet_msrs); i++)
		if (duet_msrs[i].index == index)
			return &duet_msrs[i];
	return NULL;
}

unsigned int duet_msr_index_list(u32 *indices, unsigned int max)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(duet_msrs) && i < max; i++)
		indices[i] = duet_msrs[i].index;
	return ARRAY_SIZE(duet_msrs);
}

/*
 * SDM "IA32_PAT": each of the eight entries is a memory type in bits 2:0
 * with bits 7:3 reserved; types 2 and 3 are reserved too.  WRMSR of
 * anything else raises #GP.
 */
bool duet_msr_pat_valid(u64 pat)
{
	int i;

	for (i = 0; i < 8; i++) {
		u8 type = pat >> (8 * i);

		if (type > 7 || type == 2 || type == 3)
			return false;
	}
	return true;
}
EXPORT_SYMBOL_IF_DUET_KUNIT(duet_msr_pat_valid);

/*
 * Whether @addr is canonical for a CPU with @va_bits (48 or 57) linear
 * address bits: bits 63:va_bits-1 all equal.  WRMSR to FS_BASE, GS_BASE,
 * KernelGSBase, LSTAR, CSTAR and SYSENTER_ESP/EIP raises #GP otherwise;
 * a CPU with 5-level paging checks 57 bits whatever CR4.LA57 says (SDM
 * "Canonicality Checking on RIP Loads" and WRMSR).
 */
bool duet_msr_canonical(u64 addr, unsigned int va_bits)
{
	unsigned int shift;

	if (va_bits < 32 || va_bits > 63)
		return false;
	shift = 64 - va_bits;
	return (u64)((s64)(addr << shift) >> shift) == addr;
}
EXPORT_SYMBOL_IF_DUET_KUNIT(duet_msr_canonical);

/* The linear-address width of this CPU (CPUID 8000_0008h EAX[15:8]). */
unsigned int duet_msr_va_bits(void)
{
	return boot_cpu_data.x86_virt_bits;
}
EXPORT_SYMBOL_IF_DUET_KUNIT(duet_msr_va_bits);

/*
 * Check a write of @val to EFER whose current value is @cur; @allowed is
 * what the backend lets a guest set and @paging is CR0.PG.  Bits outside
 * @allowed are reserved (#GP).  A guest may not toggle LME while paging is
 * on (APM "Enabling and Activating Long Mode": #GP); LMA is the CPU's and
 * a guest's write of it is ignored, see duet_msr_efer_value().  The host
 * (DUET_SET_MSRS) restores whole states, like DUET_SET_SREGS, so only the
 * reserved bits bind it; a contradictory LME/LMA/CR0.PG then fails the
 * next entry instead (the CPU's consistency checks).
 */
bool duet_msr_efer_valid(u64 cur, u64 val, u64 allowed, bool paging,
			 bool host_initiated)
{
	if (val & ~allowed)
		return false;
	if (host_initiated)
		return true;
	return !(paging && ((cur ^ val) & EFER_LME));
}
EXPORT_SYMBOL_IF_DUET_KUNIT(duet_msr_efer_valid);

/* The EFER value a valid write leaves: a guest's write keeps LMA. */
u64 duet_msr_efer_value(u64 cur, u64 val, bool host_initiated)
{
	if (host_initiated)
		return val;
	return (val & ~EFER_LMA) | (cur & EFER_LMA);
}
EXPORT_SYMBOL_IF_DUET_KUNIT(duet_msr_efer_value);

/*
 * DUET_GET_MSR_INDEX_LIST: the MSRs the backend emulates (none for a
 * backend without the op).
 */
int duet_msr_index_list_to_user(void __user *argp)
{
	struct duet_msr_list __user *u = argp;
	struct duet_msr_list hdr;
	unsigned int n = 0;
	u32 *list;
	int r;

	if (copy_from_user(&hdr, u, sizeof(hdr)))
		return -EFAULT;
	if (hdr.padding)
		return -EINVAL;
	if (duet_ops->msr_index_list)
		n = duet_ops->msr_index_list(NULL, 0);
	if (put_user(n, &u->nmsrs))
		return -EFAULT;
	if (hdr.nmsrs < n)
		return -E2BIG;
	if (!n)
		return 0;

	list = kmalloc_array(n, sizeof(*list), GFP_KERNEL_ACCOUNT);
	if (!list)
		return -ENOMEM;
	duet_ops->msr_index_list(list, n);
	r = copy_to_user(u->indices, list, n * sizeof(*list)) ? -EFAULT : 0;
	kfree(list);
	return r;
}

/*
 * DUET_GET_MSRS (@set false) and DUET_SET_MSRS: read or write the listed
 * MSRs in order; stop at the first one the backend does not emulate
 * (-ENOENT) or whose value it refuses (-EINVAL).  Return the number done,
 * or -errno when nothing was done because the call itself is bad.
 */
int duet_vcpu_msrs(struct duet_vcpu *vcpu, void __user *argp, bool set)
{
	struct duet_msrs __user *u = argp;
	struct duet_msr_entry *e;
	struct duet_msrs hdr;
	u32 i, n;
	int r;

	if (copy_from_user(&hdr, u, sizeof(hdr)))
		return -EFAULT;
	if (hdr.padding)
		return -EINVAL;
	if (hdr.nmsrs > DUET_MAX_MSR_ENTRIES)
		return -E2BIG;
	if (!duet_ops->get_msr || !duet_ops->set_msr)
		return -EOPNOTSUPP;
	if (!hdr.nmsrs)
		return 0;

	e = kvmalloc_array(hdr.nmsrs, sizeof(*e), GFP_KERNEL_ACCOUNT);
	if (!e)
		return -ENOMEM;
	r = -EFAULT;
	if (copy_from_user(e, u->entries, hdr.nmsrs * sizeof(*e)))
		goto out_free;
	r = -EINVAL;
	for (i = 0; i < hdr.nmsrs; i++)
		if (e[i].reserved)
			goto out_free;

	for (n = 0; n < hdr.nmsrs; n++) {
		if (set)
			r = duet_ops->set_msr(vcpu, e[n].index, e[n].data, true);
		else
			r = duet_ops->get_msr(vcpu, e[n].index, &e[n].data);
		if (r)
			break;
	}
	r = n;
	if (!set && n &&
	    copy_to_user(u->entries, e, n * sizeof(*e)))
		r = -EFAULT;
out_free:
	kvfree(e);
	return r;
}
