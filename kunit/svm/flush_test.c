// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: module/svm/flush.c, the ASID and TLB_CONTROL decision of each
 * guest entry.  Two CPUs (0 and 1) with their allocators and a few vCPUs,
 * driven through entries; each case checks the ASIDs and the flush.
 */
#include <kunit/test.h>

#include "duet.h"
#include "svm/svm_vcpu.h"

struct flush_env {
	struct svm_cpu_asids cpus[2];
	u32 nr_asids;
	bool flush_by_asid;
	int tlb_gen;			/* the VM's */
};

static void env_init(struct flush_env *e, u32 nr_asids, bool flush_by_asid)
{
	memset(e, 0, sizeof(*e));
	e->nr_asids = nr_asids;
	e->flush_by_asid = flush_by_asid;
}

/* A vCPU as svm_vcpu_create() leaves it. */
static void vcpu_init(struct flush_env *e, struct svm_vcpu_asid *v)
{
	memset(v, 0, sizeof(*v));
	v->cpu = -1;
	v->tlb_gen = e->tlb_gen;
}

/* One entry of @v on @cpu whose VMRUN ran the guest; its TLB_CONTROL. */
static u8 enter(struct flush_env *e, struct svm_vcpu_asid *v, int cpu)
{
	u8 ctl = duet_svm_flush_decide(v, &e->cpus[cpu], cpu, e->tlb_gen,
				       e->nr_asids, e->flush_by_asid);

	duet_svm_flush_entered(v, &e->cpus[cpu], true);
	return ctl;
}

/* The first entry on a CPU flushes all: left-overs from before duet. */
static void flush_first_run(struct kunit *test)
{
	struct flush_env e;
	struct svm_vcpu_asid v;

	env_init(&e, 15, false);
	vcpu_init(&e, &v);
	KUNIT_EXPECT_EQ(test, enter(&e, &v, 0), TLB_CONTROL_FLUSH_ALL_ASID);
	KUNIT_EXPECT_EQ(test, v.asid, 1U);
	KUNIT_EXPECT_EQ(test, v.cpu, 0);
	KUNIT_EXPECT_EQ(test, v.generation, e.cpus[0].generation);
	KUNIT_EXPECT_FALSE(test, e.cpus[0].flush_all_pending);
	/* CPU 1 has its own allocator, untouched. */
	KUNIT_EXPECT_EQ(test, e.cpus[1].next, 0U);
}

/* Same CPU, nothing changed: the same ASID and no flush, every time. */
static void flush_same_cpu_no_change(struct kunit *test)
{
	struct flush_env e;
	struct svm_vcpu_asid v;
	int i;

	env_init(&e, 15, true);
	vcpu_init(&e, &v);
	enter(&e, &v, 0);
	for (i = 0; i < 3; i++) {
		KUNIT_EXPECT_EQ(test, enter(&e, &v, 0), TLB_CONTROL_DO_NOTHING);
		KUNIT_EXPECT_EQ(test, v.asid, 1U);
	}
}

/* A second vCPU on a CPU takes the next ASID, without a flush. */
static void flush_second_vcpu(struct kunit *test)
{
	struct flush_env e;
	struct svm_vcpu_asid a, b;

	env_init(&e, 15, false);
	vcpu_init(&e, &a);
	vcpu_init(&e, &b);
	enter(&e, &a, 0);
	KUNIT_EXPECT_EQ(test, enter(&e, &b, 0), TLB_CONTROL_DO_NOTHING);
	KUNIT_EXPECT_EQ(test, b.asid, 2U);
	/* Taking turns keeps both ASIDs. */
	KUNIT_EXPECT_EQ(test, enter(&e, &a, 0), TLB_CONTROL_DO_NOTHING);
	KUNIT_EXPECT_EQ(test, a.asid, 1U);
	KUNIT_EXPECT_EQ(test, enter(&e, &b, 0), TLB_CONTROL_DO_NOTHING);
	KUNIT_EXPECT_EQ(test, b.asid, 2U);
}

/*
 * Moving to a CPU gives an ASID from that CPU's generation; moving back
 * gives a fresh one there too (never the old one: it still tags entries).
 */
static void flush_migration(struct kunit *test)
{
	struct flush_env e;
	struct svm_vcpu_asid v, other;

	env_init(&e, 15, false);
	vcpu_init(&e, &v);
	vcpu_init(&e, &other);
	enter(&e, &other, 1);		/* CPU 1: generation 1, ASID 1 used */
	enter(&e, &v, 0);
	KUNIT_EXPECT_EQ(test, v.asid, 1U);

	KUNIT_EXPECT_EQ(test, enter(&e, &v, 1), TLB_CONTROL_DO_NOTHING);
	KUNIT_EXPECT_EQ(test, v.asid, 2U);
	KUNIT_EXPECT_EQ(test, v.cpu, 1);
	KUNIT_EXPECT_EQ(test, v.generation, e.cpus[1].generation);

	KUNIT_EXPECT_EQ(test, enter(&e, &v, 0), TLB_CONTROL_DO_NOTHING);
	KUNIT_EXPECT_EQ(test, v.asid, 2U);
	KUNIT_EXPECT_EQ(test, v.cpu, 0);
	KUNIT_EXPECT_EQ(test, e.cpus[0].next, 3U);
}

/* Moving to a CPU nothing ran on yet: its first entry flushes all. */
static void flush_migration_to_fresh_cpu(struct kunit *test)
{
	struct flush_env e;
	struct svm_vcpu_asid v;

	env_init(&e, 15, true);
	vcpu_init(&e, &v);
	enter(&e, &v, 0);
	KUNIT_EXPECT_EQ(test, enter(&e, &v, 1), TLB_CONTROL_FLUSH_ALL_ASID);
	KUNIT_EXPECT_EQ(test, v.asid, 1U);
	KUNIT_EXPECT_EQ(test, v.cpu, 1);
}

/*
 * Out of ASIDs: a new generation whose first entry flushes all ASIDs;
 * vCPUs of the old generation then get new ASIDs without a flush.
 */
static void flush_generation_rollover(struct kunit *test)
{
	struct flush_env e;
	struct svm_vcpu_asid a, b, c;
	u64 gen;

	env_init(&e, 2, true);
	vcpu_init(&e, &a);
	vcpu_init(&e, &b);
	vcpu_init(&e, &c);
	enter(&e, &a, 0);
	KUNIT_EXPECT_EQ(test, enter(&e, &b, 0), TLB_CONTROL_DO_NOTHING);
	gen = e.cpus[0].generation;

	KUNIT_EXPECT_EQ(test, enter(&e, &c, 0), TLB_CONTROL_FLUSH_ALL_ASID);
	KUNIT_EXPECT_EQ(test, c.asid, 1U);
	KUNIT_EXPECT_EQ(test, e.cpus[0].generation, gen + 1);

	KUNIT_EXPECT_EQ(test, enter(&e, &a, 0), TLB_CONTROL_DO_NOTHING);
	KUNIT_EXPECT_EQ(test, a.asid, 2U);
	/* b's ASID 2 of the old generation is a's now: b rolls over again. */
	KUNIT_EXPECT_EQ(test, enter(&e, &b, 0), TLB_CONTROL_FLUSH_ALL_ASID);
	KUNIT_EXPECT_EQ(test, b.asid, 1U);
	KUNIT_EXPECT_EQ(test, e.cpus[0].generation, gen + 2);
}

/* One usable ASID: two vCPUs taking turns flush at every switch. */
static void flush_single_asid(struct kunit *test)
{
	struct flush_env e;
	struct svm_vcpu_asid a, b;
	int i;

	env_init(&e, 1, false);
	vcpu_init(&e, &a);
	vcpu_init(&e, &b);
	for (i = 0; i < 3; i++) {
		KUNIT_EXPECT_EQ(test, enter(&e, &a, 0),
				TLB_CONTROL_FLUSH_ALL_ASID);
		KUNIT_EXPECT_EQ(test, enter(&e, &a, 0), TLB_CONTROL_DO_NOTHING);
		KUNIT_EXPECT_EQ(test, enter(&e, &b, 0),
				TLB_CONTROL_FLUSH_ALL_ASID);
		KUNIT_EXPECT_EQ(test, a.asid, 1U);
		KUNIT_EXPECT_EQ(test, b.asid, 1U);
	}
}

/* Nested mappings went away: flush this ASID, once. */
static void flush_tlb_gen_by_asid(struct kunit *test)
{
	struct flush_env e;
	struct svm_vcpu_asid v;

	env_init(&e, 15, true);
	vcpu_init(&e, &v);
	enter(&e, &v, 0);
	e.tlb_gen++;
	KUNIT_EXPECT_EQ(test, enter(&e, &v, 0), TLB_CONTROL_FLUSH_ASID);
	KUNIT_EXPECT_EQ(test, v.asid, 1U);
	KUNIT_EXPECT_EQ(test, v.tlb_gen, e.tlb_gen);
	KUNIT_EXPECT_EQ(test, enter(&e, &v, 0), TLB_CONTROL_DO_NOTHING);
}

/* Without FlushByAsid, TLB_CONTROL can only flush everything. */
static void flush_tlb_gen_without_flush_by_asid(struct kunit *test)
{
	struct flush_env e;
	struct svm_vcpu_asid v;

	env_init(&e, 15, false);
	vcpu_init(&e, &v);
	enter(&e, &v, 0);
	e.tlb_gen += 5;
	KUNIT_EXPECT_EQ(test, enter(&e, &v, 0), TLB_CONTROL_FLUSH_ALL_ASID);
	KUNIT_EXPECT_EQ(test, v.asid, 1U);
	KUNIT_EXPECT_EQ(test, enter(&e, &v, 0), TLB_CONTROL_DO_NOTHING);
}

/* tlb_gen is an int that may wrap: only equality matters. */
static void flush_tlb_gen_wraps(struct kunit *test)
{
	struct flush_env e;
	struct svm_vcpu_asid v;

	env_init(&e, 15, true);
	e.tlb_gen = INT_MAX;
	vcpu_init(&e, &v);
	enter(&e, &v, 0);
	e.tlb_gen = INT_MIN;
	KUNIT_EXPECT_EQ(test, enter(&e, &v, 0), TLB_CONTROL_FLUSH_ASID);
}

/* Migration and an unmap together: the fresh ASID needs no flush. */
static void flush_migration_and_tlb_gen(struct kunit *test)
{
	struct flush_env e;
	struct svm_vcpu_asid v, other;

	env_init(&e, 15, true);
	vcpu_init(&e, &v);
	vcpu_init(&e, &other);
	enter(&e, &other, 1);
	enter(&e, &v, 0);
	e.tlb_gen++;
	KUNIT_EXPECT_EQ(test, enter(&e, &v, 1), TLB_CONTROL_DO_NOTHING);
	KUNIT_EXPECT_EQ(test, v.asid, 2U);
	KUNIT_EXPECT_EQ(test, v.tlb_gen, e.tlb_gen);
	KUNIT_EXPECT_EQ(test, enter(&e, &v, 1), TLB_CONTROL_DO_NOTHING);
}

/* Rollover and an unmap together: the flush of all covers both. */
static void flush_rollover_and_tlb_gen(struct kunit *test)
{
	struct flush_env e;
	struct svm_vcpu_asid a, b;

	env_init(&e, 1, true);
	vcpu_init(&e, &a);
	vcpu_init(&e, &b);
	enter(&e, &a, 0);
	enter(&e, &b, 0);
	e.tlb_gen++;
	KUNIT_EXPECT_EQ(test, enter(&e, &a, 0), TLB_CONTROL_FLUSH_ALL_ASID);
	KUNIT_EXPECT_EQ(test, a.tlb_gen, e.tlb_gen);
	KUNIT_EXPECT_EQ(test, enter(&e, &a, 0), TLB_CONTROL_DO_NOTHING);
}

/*
 * A VMRUN that failed (VMEXIT_INVALID) did not flush: the generation's
 * flush is asked for again, and the vCPU whose unmap flush may be lost
 * takes a fresh ASID.
 */
static void flush_entry_failed(struct kunit *test)
{
	struct flush_env e;
	struct svm_vcpu_asid a, b;
	u8 ctl;

	env_init(&e, 15, true);
	vcpu_init(&e, &a);
	vcpu_init(&e, &b);
	ctl = duet_svm_flush_decide(&a, &e.cpus[0], 0, e.tlb_gen, e.nr_asids,
				    e.flush_by_asid);
	KUNIT_EXPECT_EQ(test, ctl, TLB_CONTROL_FLUSH_ALL_ASID);
	duet_svm_flush_entered(&a, &e.cpus[0], false);
	KUNIT_EXPECT_EQ(test, a.asid, 0U);
	KUNIT_EXPECT_TRUE(test, e.cpus[0].flush_all_pending);

	KUNIT_EXPECT_EQ(test, enter(&e, &b, 0), TLB_CONTROL_FLUSH_ALL_ASID);
	KUNIT_EXPECT_EQ(test, enter(&e, &a, 0), TLB_CONTROL_DO_NOTHING);
	KUNIT_EXPECT_EQ(test, a.asid, 3U);

	/* A failed entry after an unmap: the next one runs on a fresh ASID. */
	e.tlb_gen++;
	ctl = duet_svm_flush_decide(&a, &e.cpus[0], 0, e.tlb_gen, e.nr_asids,
				    e.flush_by_asid);
	KUNIT_EXPECT_EQ(test, ctl, TLB_CONTROL_FLUSH_ASID);
	duet_svm_flush_entered(&a, &e.cpus[0], false);
	KUNIT_EXPECT_EQ(test, enter(&e, &a, 0), TLB_CONTROL_DO_NOTHING);
	KUNIT_EXPECT_EQ(test, a.asid, 4U);
}

static struct kunit_case duet_svm_flush_cases[] = {
	KUNIT_CASE(flush_first_run),
	KUNIT_CASE(flush_same_cpu_no_change),
	KUNIT_CASE(flush_second_vcpu),
	KUNIT_CASE(flush_migration),
	KUNIT_CASE(flush_migration_to_fresh_cpu),
	KUNIT_CASE(flush_generation_rollover),
	KUNIT_CASE(flush_single_asid),
	KUNIT_CASE(flush_tlb_gen_by_asid),
	KUNIT_CASE(flush_tlb_gen_without_flush_by_asid),
	KUNIT_CASE(flush_tlb_gen_wraps),
	KUNIT_CASE(flush_migration_and_tlb_gen),
	KUNIT_CASE(flush_rollover_and_tlb_gen),
	KUNIT_CASE(flush_entry_failed),
	{}
};

static struct kunit_suite duet_svm_flush_suite = {
	.name = "duet_svm_flush",
	.test_cases = duet_svm_flush_cases,
};

kunit_test_suite(duet_svm_flush_suite);
