// SPDX-License-Identifier: GPL-2.0
/*
 * CPUID tables: the supported table built from the host at load, each
 * vCPU's own table, and the lookup that CPUID exits use.
 */
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <asm/processor.h>

#include "duet.h"

/* Bits duet hides or sets (SDM/APM CPUID descriptions). */
#define CPUID1_ECX_MONITOR	BIT(3)	/* MONITOR/MWAIT are intercepted */
#define CPUID1_ECX_VMX		BIT(5)	/* no nested virtualization */
#define CPUID1_ECX_X2APIC	BIT(21)	/* no local APIC emulation yet */
#define CPUID1_ECX_HYPERVISOR	BIT(31)
#define CPUIDEXT1_ECX_SVM	BIT(2)

static struct duet_cpuid_table duet_supported_cpuid;

/* Leaves whose output depends on ECX, and how many subleaves to record. */
static unsigned int duet_cpuid_subleaves(u32 function)
{
	switch (function) {
	case 0x4:
	case 0x7:
	case 0xb:
	case 0xd:
	case 0xf:
	case 0x10:
	case 0x14:
	case 0x18:
	case 0x1f:
	case 0x8000001d:
		return 8;
	default:
		return 0;
	}
}

/* Hide what duet does not virtualize; say that a hypervisor is there. */
DUET_VISIBLE_IF_KUNIT void duet_cpuid_filter(struct duet_cpuid_entry *e)
{
	switch (e->function) {
	case 0x1:
		e->ecx &= ~(CPUID1_ECX_MONITOR | CPUID1_ECX_VMX | CPUID1_ECX_X2APIC);
		e->ecx |= CPUID1_ECX_HYPERVISOR;
		break;
	case 0x5:	/* MONITOR/MWAIT */
	case 0xa:	/* performance monitoring */
	case 0x8000000a:	/* SVM */
		e->eax = 0;
		e->ebx = 0;
		e->ecx = 0;
		e->edx = 0;
		break;
	case 0x80000001:
		e->ecx &= ~CPUIDEXT1_ECX_SVM;
		break;
	}
}
EXPORT_SYMBOL_IF_DUET_KUNIT(duet_cpuid_filter);

static int duet_cpuid_add(struct duet_cpuid_table *t, u32 function, u32 index,
			  u32 flags)
{
	struct duet_cpuid_entry *e;

	if (t->nent >= DUET_MAX_CPUID_ENTRIES)
		return -E2BIG;
	e = &t->entries[t->nent++];
	memset(e, 0, sizeof(*e));
	e->function = function;
	e->index = index;
	e->flags = flags;
	cpuid_count(function, index, &e->eax, &e->ebx, &e->ecx, &e->edx);
	duet_cpuid_filter(e);
	return 0;
}

static int duet_cpuid_add_range(struct duet_cpuid_table *t, u32 base)
{
	u32 max = cpuid_eax(base), f, i;
	int r;

	/* AMD and Intel bound each range by its first leaf's EAX. */
	if (max < base || max - base > 0xff)
		max = base;
	for (f = base; f <= max; f++) {
		unsigned int n = duet_cpuid_subleaves(f);

		if (!n) {
			r = duet_cpuid_add(t, f, 0, 0);
			if (r)
				return r;
			continue;
		}
		for (i = 0; i < n; i++) {
			r = duet_cpuid_add(t, f, i, DUET_CPUID_FLAG_SIGNIFICANT_INDEX);
			if (r)
				return r;
		}
	}
	return 0;
}

int duet_cpuid_setup(void)
{
	int r;

	duet_supported_cpuid.nent = 0;
	r = duet_cpuid_add_range(&duet_supported_cpuid, 0);
	if (!r)
		r = duet_cpuid_add_range(&duet_supported_cpuid, 0x80000000);
	return r;
}

const struct duet_cpuid_table *duet_cpuid_supported(void)
{
	return &duet_supported_cpuid;
}
EXPORT_SYMBOL_IF_DUET_KUNIT(duet_cpuid_supported);

/* The entry for (@function, @index), or NULL: such a leaf reads as 0. */
const struct duet_cpuid_entry *
duet_cpuid_find(const struct duet_cpuid_table *t, u32 function, u32 index)
{
	u32 i;

	for (i = 0; i < t->nent; i++) {
		const struct duet_cpuid_entry *e = &t->entries[i];

		if (e->function != function)
			continue;
		if (!(e->flags & DUET_CPUID_FLAG_SIGNIFICANT_INDEX) ||
		    e->index == index)
			return e;
	}
	return NULL;
}
EXPORT_SYMBOL_IF_DUET_KUNIT(duet_cpuid_find);

/* Copy @t out to a struct duet_cpuid at @argp, honouring its capacity. */
int duet_cpuid_to_user(const struct duet_cpuid_table *t, void __user *argp)
{
	struct duet_cpuid __user *u = argp;
	u32 cap;

	if (get_user(cap, &u->nent))
		return -EFAULT;
	if (put_user(t->nent, &u->nent))
		return -EFAULT;
	if (cap < t->nent)
		return -E2BIG;
	if (copy_to_user(u->entries, t->entries,
			 t->nent * sizeof(t->entries[0])))
		return -EFAULT;
	return 0;
}

/* Replace @t with the table at @argp; checked whole before it changes. */
int duet_cpuid_from_user(struct duet_cpuid_table *t, void __user *argp)
{
	struct duet_cpuid __user *u = argp;
	struct duet_cpuid_entry *entries;
	struct duet_cpuid hdr;
	u32 i;

	if (copy_from_user(&hdr, u, sizeof(hdr)))
		return -EFAULT;
	if (hdr.padding || hdr.nent > DUET_MAX_CPUID_ENTRIES)
		return -EINVAL;
	entries = kmalloc_array(hdr.nent, sizeof(*entries), GFP_KERNEL_ACCOUNT);
	if (!entries)
		return -ENOMEM;
	if (copy_from_user(entries, u->entries, hdr.nent * sizeof(*entries))) {
		kfree(entries);
		return -EFAULT;
	}
	for (i = 0; i < hdr.nent; i++) {
		if (entries[i].padding ||
		    (entries[i].flags & ~DUET_CPUID_FLAG_SIGNIFICANT_INDEX)) {
			kfree(entries);
			return -EINVAL;
		}
	}
	memcpy(t->entries, entries, hdr.nent * sizeof(*entries));
	t->nent = hdr.nent;
	kfree(entries);
	return 0;
}
