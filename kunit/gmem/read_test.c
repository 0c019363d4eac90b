// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: module/gmem/read.c, the policy dispatch and the splitting of a
 * read, over a fake backend: a buffer that stands for guest-physical
 * memory from address 0, cut into two slots, with a byte where the copy
 * faults as a VMM mapping that is gone would.
 */
#include <kunit/test.h>
#include <asm/processor-flags.h>

#include "duet.h"

#define MEM_SIZE	0x5000
#define SLOT_END	0x1800		/* first slot: [0, 0x1800) */
#define MAX_CHUNKS	16

#define P		BIT_ULL(0)
#define RW		BIT_ULL(1)
#define US		BIT_ULL(2)

struct fake {
	u8 mem[MEM_SIZE];
	u64 fault_at;			/* a copy stops here; 0: never */
	unsigned int nr_chunks;
	u64 chunk_gpa[MAX_CHUNKS];
	u64 chunk_len[MAX_CHUNKS];
	/* What the handler and forward callbacks saw. */
	unsigned int calls;
	struct duet_gmem_fault seen;
	int forward_ret;
};

/* Copy within one slot, like the VM's backend; stop at fault_at. */
static int fake_read(void *opaque, u64 gpa, void *buf, u64 len, u64 *done)
{
	struct fake *f = opaque;
	u64 end = gpa < SLOT_END ? SLOT_END : MEM_SIZE;
	u64 n;

	*done = 0;
	if (gpa >= MEM_SIZE)
		return -ENOENT;
	n = min(len, end - gpa);
	if (f->nr_chunks < MAX_CHUNKS) {
		f->chunk_gpa[f->nr_chunks] = gpa;
		f->chunk_len[f->nr_chunks] = n;
	}
	f->nr_chunks++;
	if (f->fault_at >= gpa && f->fault_at < gpa + n) {
		memcpy(buf, f->mem + gpa, f->fault_at - gpa);
		*done = f->fault_at - gpa;
		return -EFAULT;
	}
	memcpy(buf, f->mem + gpa, n);
	*done = n;
	return 0;
}

static int fake_read_pte(void *opaque, u64 gpa, u64 *val, unsigned int size)
{
	struct fake *f = opaque;
	u64 v = 0;

	if (gpa >= MEM_SIZE || size > MEM_SIZE - gpa)
		return -ENOENT;
	memcpy(&v, f->mem + gpa, size);
	*val = v;
	return 0;
}

static int fake_cmpxchg_pte(void *opaque, u64 gpa, u64 old, u64 new,
			    unsigned int size)
{
	return -EINVAL;		/* the reads here never set A/D bits */
}

static const struct duet_pte_ops fake_pte_ops = {
	.read_pte = fake_read_pte,
	.cmpxchg_pte = fake_cmpxchg_pte,
};

static const struct duet_gmem_ops fake_ops = {
	.read = fake_read,
	.pte = &fake_pte_ops,
};

static void fake_handler(void *opaque, const struct duet_gmem_fault *fault)
{
	struct fake *f = opaque;

	f->calls++;
	f->seen = *fault;
}

static int fake_forward(void *opaque, const struct duet_gmem_fault *fault)
{
	fake_handler(opaque, fault);
	return ((struct fake *)opaque)->forward_ret;
}

static struct fake *fake_new(struct kunit *test)
{
	struct fake *f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, f);
	for (i = 0; i < MEM_SIZE; i++)
		f->mem[i] = i * 7 + (i >> 8);
	return f;
}

/*
 * 32-bit paging (SDM "32-Bit Paging"), tables in the fake memory: the page
 * directory at 0, its entry 0 points to the page table at 0x1000, which
 * maps linear pages 2 and 3 (user, writable) to the same physical pages,
 * page 4 not.
 */
static void fake_paging(struct fake *f, struct duet_walk_mode *m)
{
	u32 pde = 0x1000 | P | RW | US, pte2 = 0x2000 | P | RW | US;
	u32 pte3 = 0x3000 | P | RW | US;

	memset(f->mem, 0, 0x2000);
	memcpy(f->mem, &pde, 4);
	memcpy(f->mem + 0x1000 + 2 * 4, &pte2, 4);
	memcpy(f->mem + 0x1000 + 3 * 4, &pte3, 4);
	*m = (struct duet_walk_mode){
		.cr0 = X86_CR0_PE | X86_CR0_PG, .maxphyaddr = 36,
	};
}

static int read_gpa(struct fake *f, struct duet_gmem_ctx *ctx, u64 gpa,
		    void *buf, u64 len, u64 *done)
{
	return __duet_gmem_read(&fake_ops, f, NULL, gpa, 0, buf, len, ctx, done);
}

/* A read across the slot boundary: one copy per slot, every byte right. */
static void read_split_slots(struct kunit *test)
{
	struct duet_gmem_ctx ctx = { .policy = DUET_GMEM_REPORT };
	struct fake *f = fake_new(test);
	u8 buf[0x40];
	u64 done;

	KUNIT_EXPECT_EQ(test, read_gpa(f, &ctx, SLOT_END - 0x10, buf,
				       sizeof(buf), &done), 0);
	KUNIT_EXPECT_EQ(test, done, sizeof(buf));
	KUNIT_EXPECT_MEMEQ(test, buf, f->mem + SLOT_END - 0x10, sizeof(buf));
	KUNIT_ASSERT_EQ(test, f->nr_chunks, 2);
	KUNIT_EXPECT_EQ(test, f->chunk_gpa[0], SLOT_END - 0x10);
	KUNIT_EXPECT_EQ(test, f->chunk_len[0], 0x10);
	KUNIT_EXPECT_EQ(test, f->chunk_gpa[1], SLOT_END);
	KUNIT_EXPECT_EQ(test, f->chunk_len[1], 0x30);
	KUNIT_EXPECT_EQ(test, ctx.fault.kind, DUET_MEM_FAULT_NONE);
}

/* Report: the error, the bytes before the fault, the fault's address. */
static void read_report_host_fault(struct kunit *test)
{
	struct duet_gmem_ctx ctx = { .policy = DUET_GMEM_REPORT };
	struct fake *f = fake_new(test);
	u8 buf[0x40];
	u64 done;

	f->fault_at = 0x2010;
	KUNIT_EXPECT_EQ(test, read_gpa(f, &ctx, 0x2000, buf, sizeof(buf), &done),
			-EFAULT);
	KUNIT_EXPECT_EQ(test, done, 0x10);
	KUNIT_EXPECT_MEMEQ(test, buf, f->mem + 0x2000, 0x10);
	KUNIT_EXPECT_EQ(test, ctx.fault.kind, DUET_MEM_FAULT_HOST);
	KUNIT_EXPECT_EQ(test, ctx.fault.err, -EFAULT);
	KUNIT_EXPECT_EQ(test, ctx.fault.gpa, 0x2010);
	KUNIT_EXPECT_EQ(test, f->calls, 0);
}

/* No slot: -ENOENT, at the first byte outside memory. */
static void read_report_no_slot(struct kunit *test)
{
	struct duet_gmem_ctx ctx = { .policy = DUET_GMEM_REPORT };
	struct fake *f = fake_new(test);
	u8 buf[0x20];
	u64 done;

	KUNIT_EXPECT_EQ(test, read_gpa(f, &ctx, MEM_SIZE - 8, buf, sizeof(buf),
				       &done), -ENOENT);
	KUNIT_EXPECT_EQ(test, done, 8);
	KUNIT_EXPECT_EQ(test, ctx.fault.kind, DUET_MEM_FAULT_NO_SLOT);
	KUNIT_EXPECT_EQ(test, ctx.fault.gpa, MEM_SIZE);
}

/* Handler: called once with the fault; the read still fails with it. */
static void read_handler_called_once(struct kunit *test)
{
	struct fake *f = fake_new(test);
	struct duet_gmem_ctx ctx = {
		.policy = DUET_GMEM_HANDLER, .handler = fake_handler, .opaque = f,
	};
	u8 buf[0x40];
	u64 done;

	f->fault_at = 0x2020;
	KUNIT_EXPECT_EQ(test, read_gpa(f, &ctx, 0x2000, buf, sizeof(buf), &done),
			-EFAULT);
	KUNIT_EXPECT_EQ(test, f->calls, 1);
	KUNIT_EXPECT_EQ(test, f->seen.kind, DUET_MEM_FAULT_HOST);
	KUNIT_EXPECT_EQ(test, f->seen.gpa, 0x2020);
	KUNIT_EXPECT_EQ(test, done, 0x20);

	/* No fault, no call. */
	f->calls = 0;
	f->fault_at = 0;
	KUNIT_EXPECT_EQ(test, read_gpa(f, &ctx, 0x2000, buf, sizeof(buf), &done),
			0);
	KUNIT_EXPECT_EQ(test, f->calls, 0);
}

/* Forward: its return value is the read's. */
static void read_forward_propagates(struct kunit *test)
{
	struct fake *f = fake_new(test);
	struct duet_gmem_ctx ctx = {
		.policy = DUET_GMEM_FORWARD, .forward = fake_forward, .opaque = f,
	};
	u8 buf[0x10];
	u64 done;

	f->fault_at = 0x3000;
	f->forward_ret = 1;
	KUNIT_EXPECT_EQ(test, read_gpa(f, &ctx, 0x3000, buf, sizeof(buf), &done),
			1);
	KUNIT_EXPECT_EQ(test, f->calls, 1);
	KUNIT_EXPECT_EQ(test, done, 0);
	f->forward_ret = -EIO;
	KUNIT_EXPECT_EQ(test, read_gpa(f, &ctx, 0x3000, buf, sizeof(buf), &done),
			-EIO);
	KUNIT_EXPECT_EQ(test, f->calls, 2);
}

/* A policy without its callback is refused before any copy. */
static void read_policy_without_callback(struct kunit *test)
{
	struct fake *f = fake_new(test);
	struct duet_gmem_ctx ctx = { .policy = DUET_GMEM_HANDLER };
	u8 buf[4];
	u64 done;

	KUNIT_EXPECT_EQ(test, read_gpa(f, &ctx, 0, buf, sizeof(buf), &done),
			-EINVAL);
	ctx.policy = DUET_GMEM_FORWARD;
	KUNIT_EXPECT_EQ(test, read_gpa(f, &ctx, 0, buf, sizeof(buf), &done),
			-EINVAL);
	ctx.policy = 42;
	KUNIT_EXPECT_EQ(test, read_gpa(f, &ctx, 0, buf, sizeof(buf), &done),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, f->nr_chunks, 0);
}

/* By linear address: one walk and copy per page, then #PF at page 4. */
static void read_gva_pages_and_pf(struct kunit *test)
{
	struct fake *f = fake_new(test);
	struct duet_gmem_ctx ctx = {
		.policy = DUET_GMEM_HANDLER, .handler = fake_handler, .opaque = f,
	};
	struct duet_walk_mode m;
	u8 buf[0x20];
	u64 done;

	fake_paging(f, &m);
	KUNIT_EXPECT_EQ(test, __duet_gmem_read(&fake_ops, f, &m, 0x2ff0,
					       DUET_WALK_NO_AD, buf,
					       sizeof(buf), &ctx, &done), 0);
	KUNIT_EXPECT_EQ(test, done, sizeof(buf));
	KUNIT_EXPECT_MEMEQ(test, buf, f->mem + 0x2ff0, sizeof(buf));
	KUNIT_ASSERT_EQ(test, f->nr_chunks, 2);
	KUNIT_EXPECT_EQ(test, f->chunk_gpa[1], 0x3000);
	KUNIT_EXPECT_EQ(test, f->calls, 0);

	KUNIT_EXPECT_EQ(test, __duet_gmem_read(&fake_ops, f, &m, 0x3ff0,
					       DUET_WALK_NO_AD | DUET_PFERR_USER,
					       buf, sizeof(buf), &ctx, &done),
			-EFAULT);
	KUNIT_EXPECT_EQ(test, done, 0x10);
	KUNIT_EXPECT_EQ(test, f->calls, 1);
	KUNIT_EXPECT_EQ(test, f->seen.kind, DUET_MEM_FAULT_PF);
	KUNIT_EXPECT_EQ(test, f->seen.addr, 0x4000);
	/* Not present, a read, by the user. */
	KUNIT_EXPECT_EQ(test, f->seen.error_code, DUET_PFERR_USER);
}

/* A non-canonical address in long mode is #GP, before any walk. */
static void read_gva_noncanonical(struct kunit *test)
{
	struct duet_gmem_ctx ctx = { .policy = DUET_GMEM_REPORT };
	struct fake *f = fake_new(test);
	struct duet_walk_mode m = {
		.cr0 = X86_CR0_PE | X86_CR0_PG, .cr4 = X86_CR4_PAE,
		.efer = EFER_LME | EFER_LMA, .maxphyaddr = 36,
	};
	u8 buf[8];
	u64 done;

	KUNIT_EXPECT_EQ(test, __duet_gmem_read(&fake_ops, f, &m,
					       0x0000800000000000ULL,
					       DUET_WALK_NO_AD, buf,
					       sizeof(buf), &ctx, &done),
			-EFAULT);
	KUNIT_EXPECT_EQ(test, done, 0);
	KUNIT_EXPECT_EQ(test, ctx.fault.kind, DUET_MEM_FAULT_GP);
	KUNIT_EXPECT_EQ(test, ctx.fault.addr, 0x0000800000000000ULL);
	KUNIT_EXPECT_EQ(test, f->nr_chunks, 0);
}

/*
 * Descriptor reads: a GDT at linear 0x2ff8 (straddling pages 2 and 3) with
 * limit 0x17 (three entries).  Entry 2 is read across the page boundary
 * as a supervisor access even when the caller asks for a user one; a
 * 16-byte system descriptor at entry 2 would end past the limit: #GP with
 * the selector as error code, handed to the forward callback.
 */
static void read_desc_limit_and_pages(struct kunit *test)
{
	struct fake *f = fake_new(test);
	struct duet_gmem_ctx ctx = {
		.policy = DUET_GMEM_FORWARD, .forward = fake_forward, .opaque = f,
	};
	struct duet_walk_mode m;
	u8 desc[16];

	fake_paging(f, &m);
	/* Page 3 supervisor-only: a user read of entry 2 would #PF. */
	f->mem[0x1000 + 3 * 4] &= ~US;
	KUNIT_EXPECT_EQ(test, __duet_gmem_read_desc(&fake_ops, f, &m, 0x2ff8,
						    0x17, 0x10, 8, 0x10,
						    DUET_WALK_NO_AD |
						    DUET_PFERR_USER, desc,
						    &ctx), 0);
	KUNIT_EXPECT_MEMEQ(test, desc, f->mem + 0x3008, 8);
	KUNIT_EXPECT_EQ(test, f->calls, 0);

	f->forward_ret = -EAGAIN;
	KUNIT_EXPECT_EQ(test, __duet_gmem_read_desc(&fake_ops, f, &m, 0x2ff8,
						    0x17, 0x10, 16, 0x10,
						    DUET_WALK_NO_AD, desc,
						    &ctx), -EAGAIN);
	KUNIT_EXPECT_EQ(test, f->calls, 1);
	KUNIT_EXPECT_EQ(test, f->seen.kind, DUET_MEM_FAULT_GP);
	KUNIT_EXPECT_EQ(test, f->seen.error_code, 0x10);
	KUNIT_EXPECT_EQ(test, f->seen.addr, 0x2ff8 + 0x10);

	/* Only 8- and 16-byte entries exist. */
	KUNIT_EXPECT_EQ(test, __duet_gmem_read_desc(&fake_ops, f, &m, 0x2ff8,
						    0x17, 0, 4, 0,
						    DUET_WALK_NO_AD, desc,
						    &ctx), -EINVAL);
	KUNIT_EXPECT_EQ(test, f->calls, 1);
}

static struct kunit_case duet_gmem_read_cases[] = {
	KUNIT_CASE(read_split_slots),
	KUNIT_CASE(read_report_host_fault),
	KUNIT_CASE(read_report_no_slot),
	KUNIT_CASE(read_handler_called_once),
	KUNIT_CASE(read_forward_propagates),
	KUNIT_CASE(read_policy_without_callback),
	KUNIT_CASE(read_gva_pages_and_pf),
	KUNIT_CASE(read_gva_noncanonical),
	KUNIT_CASE(read_desc_limit_and_pages),
	{}
};

static struct kunit_suite duet_gmem_read_suite = {
	.name = "duet_gmem_read",
	.test_cases = duet_gmem_read_cases,
};

kunit_test_suite(duet_gmem_read_suite);
