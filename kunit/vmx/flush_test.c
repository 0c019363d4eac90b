// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: module/vmx/flush.c, the INVEPT/INVVPID decision before each VM
 * entry.  A VM's ept_gen and vCPUs whose bookkeeping is driven as the
 * backend drives it: created, made active on a CPU, entered.
 */
#include <kunit/test.h>

#include "duet.h"
#include "vmx/vmx_vcpu.h"

#define EPT_AND_VPID	(VMX_FLUSH_EPT | VMX_FLUSH_VPID)

/* As vmx_vcpu_create() leaves it: active on the creating CPU. */
static void vcpu_create(struct vmx_flush *f, int vm_gen)
{
	memset(f, 0, sizeof(*f));
	f->ept_gen = vm_gen;
	f->new_cpu = true;		/* vmx_vmcs_load() on the first CPU */
}

/* vmx_vmcs_load() made the VMCS active on another CPU. */
static void vcpu_migrate(struct vmx_flush *f)
{
	f->new_cpu = true;
}

/* An exiting MOV to CR0/CR4 (cr.c) or DUET_SET_SREGS. */
static void vcpu_set_cr(struct vmx_flush *f)
{
	f->flush_vpid = true;
}

/* The first entry flushes both: the CPU may hold old entries of both tags. */
static void flush_first_entry(struct kunit *test)
{
	struct vmx_flush f;

	vcpu_create(&f, 0);
	KUNIT_EXPECT_EQ(test, duet_vmx_flush_decide(&f, 0, 1), EPT_AND_VPID);
	KUNIT_EXPECT_FALSE(test, f.new_cpu);
	KUNIT_EXPECT_FALSE(test, f.flush_vpid);
	KUNIT_EXPECT_EQ(test, f.ept_gen, 0);
}

/* Same CPU, nothing changed: no flush, every time. */
static void flush_same_cpu_no_change(struct kunit *test)
{
	struct vmx_flush f;
	int i;

	vcpu_create(&f, 3);
	duet_vmx_flush_decide(&f, 3, 1);
	for (i = 0; i < 3; i++)
		KUNIT_EXPECT_EQ(test, duet_vmx_flush_decide(&f, 3, 1), 0U);
}

/* EPT entries went away: INVEPT once; the VPID's entries are still good. */
static void flush_ept_gen_bump(struct kunit *test)
{
	struct vmx_flush f;

	vcpu_create(&f, 0);
	duet_vmx_flush_decide(&f, 0, 1);
	KUNIT_EXPECT_EQ(test, duet_vmx_flush_decide(&f, 1, 1), VMX_FLUSH_EPT);
	KUNIT_EXPECT_EQ(test, f.ept_gen, 1);
	KUNIT_EXPECT_EQ(test, duet_vmx_flush_decide(&f, 1, 1), 0U);
	/* Several unmaps between two entries: one INVEPT covers them. */
	KUNIT_EXPECT_EQ(test, duet_vmx_flush_decide(&f, 6, 1), VMX_FLUSH_EPT);
	KUNIT_EXPECT_EQ(test, duet_vmx_flush_decide(&f, 6, 1), 0U);
}

/* ept_gen is an int that may wrap: only equality matters. */
static void flush_ept_gen_wraps(struct kunit *test)
{
	struct vmx_flush f;

	vcpu_create(&f, INT_MAX);
	duet_vmx_flush_decide(&f, INT_MAX, 1);
	KUNIT_EXPECT_EQ(test, duet_vmx_flush_decide(&f, INT_MIN, 1),
			VMX_FLUSH_EPT);
	KUNIT_EXPECT_EQ(test, duet_vmx_flush_decide(&f, INT_MIN, 1), 0U);
}

/* Each vCPU remembers its own generation: one's flush is not the other's. */
static void flush_ept_gen_per_vcpu(struct kunit *test)
{
	struct vmx_flush a, b;
	int gen = 0;

	vcpu_create(&a, gen);
	vcpu_create(&b, gen);
	duet_vmx_flush_decide(&a, gen, 1);
	duet_vmx_flush_decide(&b, gen, 2);
	gen++;
	KUNIT_EXPECT_EQ(test, duet_vmx_flush_decide(&a, gen, 1), VMX_FLUSH_EPT);
	KUNIT_EXPECT_EQ(test, duet_vmx_flush_decide(&a, gen, 1), 0U);
	KUNIT_EXPECT_EQ(test, duet_vmx_flush_decide(&b, gen, 2), VMX_FLUSH_EPT);
}

/* Arrived on another CPU: both, once, even with nothing unmapped. */
static void flush_migration(struct kunit *test)
{
	struct vmx_flush f;

	vcpu_create(&f, 0);
	duet_vmx_flush_decide(&f, 0, 7);
	vcpu_migrate(&f);
	KUNIT_EXPECT_EQ(test, duet_vmx_flush_decide(&f, 0, 7), EPT_AND_VPID);
	KUNIT_EXPECT_FALSE(test, f.new_cpu);
	KUNIT_EXPECT_EQ(test, duet_vmx_flush_decide(&f, 0, 7), 0U);
}

/* Migration and an unmap together: one INVEPT for both. */
static void flush_migration_and_ept_gen(struct kunit *test)
{
	struct vmx_flush f;

	vcpu_create(&f, 0);
	duet_vmx_flush_decide(&f, 0, 7);
	vcpu_migrate(&f);
	KUNIT_EXPECT_EQ(test, duet_vmx_flush_decide(&f, 2, 7), EPT_AND_VPID);
	KUNIT_EXPECT_EQ(test, f.ept_gen, 2);
	KUNIT_EXPECT_EQ(test, duet_vmx_flush_decide(&f, 2, 7), 0U);
}

/* A CR0/CR4 write that exited: INVVPID only, guest-physical ones stay. */
static void flush_vpid_request(struct kunit *test)
{
	struct vmx_flush f;

	vcpu_create(&f, 0);
	duet_vmx_flush_decide(&f, 0, 1);
	vcpu_set_cr(&f);
	KUNIT_EXPECT_EQ(test, duet_vmx_flush_decide(&f, 0, 1), VMX_FLUSH_VPID);
	KUNIT_EXPECT_FALSE(test, f.flush_vpid);
	KUNIT_EXPECT_EQ(test, duet_vmx_flush_decide(&f, 0, 1), 0U);
	/* With an unmap pending too: both. */
	vcpu_set_cr(&f);
	KUNIT_EXPECT_EQ(test, duet_vmx_flush_decide(&f, 1, 1), EPT_AND_VPID);
}

/*
 * VPID 0: entries and exits flush its mappings themselves, so never an
 * INVVPID; INVEPT still follows migration and unmaps.
 */
static void flush_vpid_zero(struct kunit *test)
{
	struct vmx_flush f;

	vcpu_create(&f, 0);
	KUNIT_EXPECT_EQ(test, duet_vmx_flush_decide(&f, 0, 0), VMX_FLUSH_EPT);
	vcpu_set_cr(&f);
	KUNIT_EXPECT_EQ(test, duet_vmx_flush_decide(&f, 0, 0), 0U);
	KUNIT_EXPECT_FALSE(test, f.flush_vpid);
	vcpu_migrate(&f);
	KUNIT_EXPECT_EQ(test, duet_vmx_flush_decide(&f, 0, 0), VMX_FLUSH_EPT);
	KUNIT_EXPECT_EQ(test, duet_vmx_flush_decide(&f, 1, 0), VMX_FLUSH_EPT);
	KUNIT_EXPECT_EQ(test, duet_vmx_flush_decide(&f, 1, 0), 0U);
}

/* A vCPU created before an unmap and entered after it: one INVEPT. */
static void flush_created_before_unmap(struct kunit *test)
{
	struct vmx_flush f;

	vcpu_create(&f, 4);
	KUNIT_EXPECT_EQ(test, duet_vmx_flush_decide(&f, 5, 9), EPT_AND_VPID);
	KUNIT_EXPECT_EQ(test, f.ept_gen, 5);
	KUNIT_EXPECT_EQ(test, duet_vmx_flush_decide(&f, 5, 9), 0U);
}

static struct kunit_case duet_vmx_flush_cases[] = {
	KUNIT_CASE(flush_first_entry),
	KUNIT_CASE(flush_same_cpu_no_change),
	KUNIT_CASE(flush_ept_gen_bump),
	KUNIT_CASE(flush_ept_gen_wraps),
	KUNIT_CASE(flush_ept_gen_per_vcpu),
	KUNIT_CASE(flush_migration),
	KUNIT_CASE(flush_migration_and_ept_gen),
	KUNIT_CASE(flush_vpid_request),
	KUNIT_CASE(flush_vpid_zero),
	KUNIT_CASE(flush_created_before_unmap),
	{}
};

static struct kunit_suite duet_vmx_flush_suite = {
	.name = "duet_vmx_flush",
	.test_cases = duet_vmx_flush_cases,
};

kunit_test_suite(duet_vmx_flush_suite);
