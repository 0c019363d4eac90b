// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: module/gmem/walk.c, on fake guest page tables in a buffer that
 * stands for guest-physical memory from address 0.
 */
#include <kunit/test.h>
#include <asm/msr-index.h>
#include <asm/processor-flags.h>

#include "duet.h"

#define MEM_SIZE	0x10000

/* Entry bits (SDM "Formats of Paging-Structure Entries"). */
#define P		BIT_ULL(0)
#define RW		BIT_ULL(1)
#define US		BIT_ULL(2)
#define A		BIT_ULL(5)
#define D		BIT_ULL(6)
#define PS		BIT_ULL(7)
#define NX		BIT_ULL(63)

#define CR0_PAGING	(X86_CR0_PE | X86_CR0_PG)

/* Error codes (SDM "Interrupt 14-Page-Fault Exception (#PF)"). */
#define EC_P		DUET_PFERR_PRESENT
#define EC_W		DUET_PFERR_WRITE
#define EC_U		DUET_PFERR_USER
#define EC_RSVD		DUET_PFERR_RSVD
#define EC_I		DUET_PFERR_FETCH

struct fake_mem {
	u8 *mem;
	unsigned int reads;
	unsigned int cmpxchgs;
	bool pte_changed;		/* the next cmpxchg finds another value */
};

static int fake_read(void *opaque, u64 gpa, u64 *val, unsigned int size)
{
	struct fake_mem *f = opaque;
	u64 v = 0;

	if (gpa >= MEM_SIZE || size > MEM_SIZE - gpa)
		return -ENOENT;
	memcpy(&v, f->mem + gpa, size);
	*val = v;
	f->reads++;
	return 0;
}

static int fake_cmpxchg(void *opaque, u64 gpa, u64 old, u64 new,
			unsigned int size)
{
	struct fake_mem *f = opaque;
	u64 cur = 0;

	if (gpa >= MEM_SIZE || size > MEM_SIZE - gpa)
		return -ENOENT;
	f->cmpxchgs++;
	if (f->pte_changed)
		return -EAGAIN;
	memcpy(&cur, f->mem + gpa, size);
	if (cur != old)
		return -EAGAIN;
	memcpy(f->mem + gpa, &new, size);
	return 0;
}

static const struct duet_pte_ops fake_ops = {
	.read_pte = fake_read,
	.cmpxchg_pte = fake_cmpxchg,
};

static struct fake_mem *fake_mem(struct kunit *test)
{
	struct fake_mem *f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, f);
	f->mem = kunit_kzalloc(test, MEM_SIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, f->mem);
	return f;
}

static void set64(struct fake_mem *f, u64 gpa, u64 val)
{
	memcpy(f->mem + gpa, &val, 8);
}

static u64 get64(struct fake_mem *f, u64 gpa)
{
	u64 v;

	memcpy(&v, f->mem + gpa, 8);
	return v;
}

static void set32(struct fake_mem *f, u64 gpa, u32 val)
{
	memcpy(f->mem + gpa, &val, 4);
}

static u32 get32(struct fake_mem *f, u64 gpa)
{
	u32 v;

	memcpy(&v, f->mem + gpa, 4);
	return v;
}

/* Walk @gva, expect success and return the result. */
static struct duet_walk_result walk_ok(struct kunit *test,
				       const struct duet_walk_mode *m,
				       struct fake_mem *f, u64 gva, u32 access)
{
	struct duet_walk_result res;

	KUNIT_EXPECT_EQ(test, __duet_walk(m, &fake_ops, f, gva, access, &res), 0);
	KUNIT_EXPECT_FALSE_MSG(test, res.fault, "gva %#llx: #PF %#x", gva,
			       res.error_code);
	return res;
}

/* Walk @gva and return the #PF error code, or -1 without a fault. */
static int walk_ec(struct kunit *test, const struct duet_walk_mode *m,
		   struct fake_mem *f, u64 gva, u32 access)
{
	struct duet_walk_result res;

	KUNIT_EXPECT_EQ(test, __duet_walk(m, &fake_ops, f, gva, access, &res), 0);
	return res.fault ? (int)res.error_code : -1;
}

/* 4-level long mode, 4 KiB page at 0x5000 -> 0x9000, all user and RW. */
static void build_4level(struct fake_mem *f, u64 leaf_flags)
{
	set64(f, 0x1000, 0x2000 | P | RW | US);		/* PML4[0] */
	set64(f, 0x2000, 0x3000 | P | RW | US);		/* PDPT[0] */
	set64(f, 0x3000, 0x4000 | P | RW | US);		/* PD[0] */
	set64(f, 0x4000 + 5 * 8, 0x9000 | leaf_flags);	/* PT[5] */
}

static const struct duet_walk_mode mode_4level = {
	.cr0 = CR0_PAGING | X86_CR0_WP, .cr3 = 0x1000, .cr4 = X86_CR4_PAE,
	.efer = EFER_LME | EFER_LMA | EFER_NX, .maxphyaddr = 40,
	.gbpages = true, .amd = true,
};

static void walk_paging_off(struct kunit *test)
{
	struct duet_walk_mode m = { .cr0 = X86_CR0_PE, .maxphyaddr = 40 };
	struct fake_mem *f = fake_mem(test);
	struct duet_walk_result res;

	res = walk_ok(test, &m, f, 0x123456789ULL, DUET_PFERR_WRITE);
	/* Linear addresses are 32 bits without long mode. */
	KUNIT_EXPECT_EQ(test, res.gpa, 0x23456789ULL);
	KUNIT_EXPECT_EQ(test, f->reads, 0U);
	KUNIT_EXPECT_EQ(test, f->cmpxchgs, 0U);
}

static void walk_32bit_4k(struct kunit *test)
{
	struct duet_walk_mode m = { .cr0 = CR0_PAGING, .cr3 = 0x1000,
				    .maxphyaddr = 40 };
	struct fake_mem *f = fake_mem(test);
	struct duet_walk_result res;

	set32(f, 0x1000 + 1 * 4, 0x2000 | P | RW | US);	/* PD[1] */
	set32(f, 0x2000 + 3 * 4, 0x5000 | P | RW | US);	/* PT[3] */
	res = walk_ok(test, &m, f, 0x00403123, 0);
	KUNIT_EXPECT_EQ(test, res.gpa, 0x5123ULL);
	KUNIT_EXPECT_EQ(test, res.level, 1U);
	/* Bits 63:32 of the address do not count. */
	res = walk_ok(test, &m, f, 0xabcd000000403123ULL, 0);
	KUNIT_EXPECT_EQ(test, res.gpa, 0x5123ULL);
	/* Not present: PD[2]. */
	KUNIT_EXPECT_EQ(test, walk_ec(test, &m, f, 0x00800000, EC_W), EC_W);
}

static void walk_32bit_4m(struct kunit *test)
{
	struct duet_walk_mode m = { .cr0 = CR0_PAGING, .cr3 = 0x1000,
				    .cr4 = X86_CR4_PSE, .maxphyaddr = 40,
				    .pse36 = true };
	struct fake_mem *f = fake_mem(test);
	struct duet_walk_result res;
	struct duet_walk_mode no_pse;

	set32(f, 0x1000 + 3 * 4, 0x00400000 | P | RW | PS);	/* PD[3] */
	res = walk_ok(test, &m, f, 0x00c01234, 0);
	KUNIT_EXPECT_EQ(test, res.gpa, 0x401234ULL);
	KUNIT_EXPECT_EQ(test, res.level, 2U);

	/* PSE-36: PDE bits 20:13 are address bits 39:32. */
	set32(f, 0x1000 + 4 * 4, 0x00400000 | BIT(13) | BIT(20) | P | PS);
	res = walk_ok(test, &m, f, 0x01001234, 0);
	KUNIT_EXPECT_EQ(test, res.gpa, 0x8100401234ULL);
	/* Beyond a 36-bit MAXPHYADDR, bit 20 is reserved; bit 21 always. */
	m.maxphyaddr = 36;
	KUNIT_EXPECT_EQ(test, walk_ec(test, &m, f, 0x01001234, 0),
			EC_P | EC_RSVD);
	m.maxphyaddr = 40;
	set32(f, 0x1000 + 5 * 4, 0x00400000 | BIT(21) | P | PS);
	KUNIT_EXPECT_EQ(test, walk_ec(test, &m, f, 0x01401234, EC_W),
			EC_P | EC_W | EC_RSVD);

	/* Without CR4.PSE, PS is ignored: PD[3] points to a table. */
	no_pse = m;
	no_pse.cr4 = 0;
	set32(f, 0x1000 + 3 * 4, 0x3000 | P | RW | PS);
	set32(f, 0x3000 + 1 * 4, 0x7000 | P | RW);
	res = walk_ok(test, &no_pse, f, 0x00c01234, 0);
	KUNIT_EXPECT_EQ(test, res.gpa, 0x7234ULL);
	KUNIT_EXPECT_EQ(test, res.level, 1U);
}

static void walk_pae(struct kunit *test)
{
	/* CR3 bits 31:5 locate the PDPT. */
	struct duet_walk_mode m = { .cr0 = CR0_PAGING | X86_CR0_WP,
				    .cr3 = 0x1020, .cr4 = X86_CR4_PAE,
				    .efer = EFER_NX, .maxphyaddr = 40 };
	struct fake_mem *f = fake_mem(test);
	struct duet_walk_result res;

	set64(f, 0x1020, 0x2000 | P);				/* PDPT[0] */
	set64(f, 0x2000 + 1 * 8, 0x3000 | P | RW);		/* PD[1] */
	set64(f, 0x3000 + 2 * 8, 0x7000 | P | RW);		/* PT[2] */
	res = walk_ok(test, &m, f, 0x00202045, 0);
	KUNIT_EXPECT_EQ(test, res.gpa, 0x7045ULL);
	KUNIT_EXPECT_EQ(test, res.level, 1U);

	set64(f, 0x2000 + 2 * 8, 0x00600000 | P | RW | PS);	/* PD[2]: 2 MiB */
	res = walk_ok(test, &m, f, 0x00401234, 0);
	KUNIT_EXPECT_EQ(test, res.gpa, 0x601234ULL);
	KUNIT_EXPECT_EQ(test, res.level, 2U);

	/* NX with EFER.NXE: a fetch faults, and says it was one. */
	set64(f, 0x3000 + 2 * 8, 0x7000 | P | RW | NX);
	KUNIT_EXPECT_EQ(test, walk_ec(test, &m, f, 0x00202045, EC_I),
			EC_P | EC_I);
	walk_ok(test, &m, f, 0x00202045, 0);
	/* Without NXE bit 63 is reserved, and I/D is not reported. */
	m.efer = 0;
	KUNIT_EXPECT_EQ(test, walk_ec(test, &m, f, 0x00202045, EC_I),
			EC_P | EC_RSVD);

	/* PDPTEs have no R/W bit: bits 2:1 are reserved. */
	set64(f, 0x1020, 0x2000 | P | RW);
	KUNIT_EXPECT_EQ(test, walk_ec(test, &m, f, 0x00401234, 0),
			EC_P | EC_RSVD);
	/* A not-present PDPTE: #PF, not #GP as at a MOV CR3 on Intel. */
	set64(f, 0x1020, 0);
	KUNIT_EXPECT_EQ(test, walk_ec(test, &m, f, 0x00401234, EC_W), EC_W);
}

static void walk_4level_pages(struct kunit *test)
{
	struct duet_walk_mode m = mode_4level;
	struct fake_mem *f = fake_mem(test);
	struct duet_walk_result res;

	build_4level(f, P | RW | US);
	res = walk_ok(test, &m, f, 0x5010, 0);
	KUNIT_EXPECT_EQ(test, res.gpa, 0x9010ULL);
	KUNIT_EXPECT_EQ(test, res.level, 1U);
	KUNIT_EXPECT_EQ(test, f->reads, 4U);

	/* 2 MiB: PD[1]; bit 12 (PAT) is not part of the address. */
	set64(f, 0x3000 + 1 * 8, 0x800000 | BIT(12) | P | RW | PS);
	res = walk_ok(test, &m, f, 0x201234, 0);
	KUNIT_EXPECT_EQ(test, res.gpa, 0x801234ULL);
	KUNIT_EXPECT_EQ(test, res.level, 2U);

	/* 1 GiB: PDPT[1]. */
	set64(f, 0x2000 + 1 * 8, 0x140000000ULL | P | RW | PS);
	res = walk_ok(test, &m, f, 0x40012345, 0);
	KUNIT_EXPECT_EQ(test, res.gpa, 0x140012345ULL);
	KUNIT_EXPECT_EQ(test, res.level, 3U);
	/* ... but only with CPUID's Page1GB. */
	m.gbpages = false;
	KUNIT_EXPECT_EQ(test, walk_ec(test, &m, f, 0x40012345, 0),
			EC_P | EC_RSVD);
	m.gbpages = true;

	/* The top of the address space: PML4[511], canonical high half. */
	set64(f, 0x1000 + 511 * 8, 0x2000 | P | RW);
	set64(f, 0x2000 + 511 * 8, 0x80000000ULL | P | RW | PS);
	res = walk_ok(test, &m, f, 0xffffffffc0000123ULL, 0);
	KUNIT_EXPECT_EQ(test, res.gpa, 0x80000123ULL);
}

static void walk_5level(struct kunit *test)
{
	struct duet_walk_mode m = mode_4level;
	struct fake_mem *f = fake_mem(test);
	struct duet_walk_result res;
	u64 gva = 0x0001000000001234ULL;	/* PML5[1], then all 0 */

	m.cr4 |= X86_CR4_LA57;
	set64(f, 0x1000 + 1 * 8, 0x2000 | P | RW);	/* PML5[1] */
	set64(f, 0x2000, 0x3000 | P | RW);		/* PML4[0] */
	set64(f, 0x3000, 0x4000 | P | RW);		/* PDPT[0] */
	set64(f, 0x4000, 0x200000 | P | RW | PS);	/* PD[0]: 2 MiB */
	res = walk_ok(test, &m, f, gva, 0);
	KUNIT_EXPECT_EQ(test, res.gpa, 0x201234ULL);
	KUNIT_EXPECT_EQ(test, res.level, 2U);
	KUNIT_EXPECT_EQ(test, f->reads, 4U);

	/* 4-level paging reads the PML5 as a PML4: PML4[0] is empty. */
	m.cr4 &= ~X86_CR4_LA57;
	KUNIT_EXPECT_EQ(test, walk_ec(test, &m, f, 0x1234, 0), 0);
}

static void walk_not_present(struct kunit *test)
{
	struct duet_walk_mode m = mode_4level;
	struct fake_mem *f = fake_mem(test);

	build_4level(f, RW | US);			/* PT[5] not present */
	KUNIT_EXPECT_EQ(test, walk_ec(test, &m, f, 0x5000, 0), 0);
	KUNIT_EXPECT_EQ(test, walk_ec(test, &m, f, 0x5000, EC_W | EC_U),
			EC_W | EC_U);
	KUNIT_EXPECT_EQ(test, walk_ec(test, &m, f, 0x5000, EC_I), EC_I);
	/* Not present higher up: PML4[1]. */
	KUNIT_EXPECT_EQ(test, walk_ec(test, &m, f, 0x8000000000ULL, EC_U),
			EC_U);
	KUNIT_EXPECT_EQ(test, f->cmpxchgs, 0U);
}

static void walk_write_protect(struct kunit *test)
{
	struct duet_walk_mode m = mode_4level;
	struct fake_mem *f = fake_mem(test);

	build_4level(f, P | US);			/* read-only page */
	walk_ok(test, &m, f, 0x5000, 0);
	KUNIT_EXPECT_EQ(test, walk_ec(test, &m, f, 0x5000, EC_W),
			EC_P | EC_W);
	KUNIT_EXPECT_EQ(test, walk_ec(test, &m, f, 0x5000, EC_W | EC_U),
			EC_P | EC_W | EC_U);
	/* CR0.WP=0: the supervisor writes anyway, the user does not. */
	m.cr0 &= ~X86_CR0_WP;
	walk_ok(test, &m, f, 0x5000, EC_W);
	KUNIT_EXPECT_EQ(test, walk_ec(test, &m, f, 0x5000, EC_W | EC_U),
			EC_P | EC_W | EC_U);

	/* R/W clear at one upper level is enough. */
	m.cr0 |= X86_CR0_WP;
	build_4level(f, P | RW | US);
	set64(f, 0x2000, 0x3000 | P | US);		/* PDPT[0] read-only */
	KUNIT_EXPECT_EQ(test, walk_ec(test, &m, f, 0x5000, EC_W),
			EC_P | EC_W);
}

static void walk_user_supervisor(struct kunit *test)
{
	struct duet_walk_mode m = mode_4level;
	struct fake_mem *f = fake_mem(test);

	build_4level(f, P | RW);			/* supervisor page */
	walk_ok(test, &m, f, 0x5000, EC_W);
	KUNIT_EXPECT_EQ(test, walk_ec(test, &m, f, 0x5000, EC_U),
			EC_P | EC_U);
	KUNIT_EXPECT_EQ(test, walk_ec(test, &m, f, 0x5000, EC_U | EC_W),
			EC_P | EC_U | EC_W);
	KUNIT_EXPECT_EQ(test, walk_ec(test, &m, f, 0x5000, EC_U | EC_I),
			EC_P | EC_U | EC_I);

	/* U/S clear at one upper level is enough. */
	build_4level(f, P | RW | US);
	walk_ok(test, &m, f, 0x5000, EC_U);
	set64(f, 0x3000, 0x4000 | P | RW);		/* PD[0] supervisor */
	KUNIT_EXPECT_EQ(test, walk_ec(test, &m, f, 0x5000, EC_U),
			EC_P | EC_U);

	/* SMAP: supervisor data access to a user page, unless RFLAGS.AC. */
	build_4level(f, P | RW | US);
	m.cr4 |= X86_CR4_SMAP;
	KUNIT_EXPECT_EQ(test, walk_ec(test, &m, f, 0x5000, 0), EC_P);
	walk_ok(test, &m, f, 0x5000, DUET_WALK_AC | EC_W);
	/* SMEP: supervisor fetch from a user page. */
	m.cr4 = X86_CR4_PAE | X86_CR4_SMEP;
	walk_ok(test, &m, f, 0x5000, 0);
	KUNIT_EXPECT_EQ(test, walk_ec(test, &m, f, 0x5000, EC_I),
			EC_P | EC_I);
}

/*
 * Protection keys: key 3 in the leaf of a user page.  AD denies every
 * data access at any CPL, WD denies user writes and, with CR0.WP,
 * supervisor ones; fetches, supervisor pages and CR4.PKE = 0 are free.
 */
static void walk_protection_keys(struct kunit *test)
{
	struct duet_walk_mode m = mode_4level;
	struct fake_mem *f = fake_mem(test);
	u64 key3 = 3ULL << 59;

	build_4level(f, P | RW | US | key3);
	m.pkru = BIT(2 * 3);				/* AD for key 3 */
	walk_ok(test, &m, f, 0x5000, EC_U);		/* CR4.PKE off */
	m.cr4 |= X86_CR4_PKE;
	KUNIT_EXPECT_EQ(test, walk_ec(test, &m, f, 0x5000, EC_U),
			EC_P | EC_U | DUET_PFERR_PK);
	KUNIT_EXPECT_EQ(test, walk_ec(test, &m, f, 0x5000, 0),
			EC_P | DUET_PFERR_PK);
	walk_ok(test, &m, f, 0x5000, EC_U | EC_I);	/* fetches pass */
	m.pkru = BIT(2 * 2);				/* another key */
	walk_ok(test, &m, f, 0x5000, EC_U | EC_W);

	m.pkru = BIT(2 * 3 + 1);			/* WD for key 3 */
	walk_ok(test, &m, f, 0x5000, EC_U);
	KUNIT_EXPECT_EQ(test, walk_ec(test, &m, f, 0x5000, EC_U | EC_W),
			EC_P | EC_U | EC_W | DUET_PFERR_PK);
	KUNIT_EXPECT_EQ(test, walk_ec(test, &m, f, 0x5000, EC_W),
			EC_P | EC_W | DUET_PFERR_PK);
	m.cr0 &= ~X86_CR0_WP;
	walk_ok(test, &m, f, 0x5000, EC_W);

	/* A supervisor page has no key check. */
	build_4level(f, P | RW | key3);
	m.pkru = ~0u;
	walk_ok(test, &m, f, 0x5000, EC_W);
}

static void walk_nx(struct kunit *test)
{
	struct duet_walk_mode m = mode_4level;
	struct fake_mem *f = fake_mem(test);

	build_4level(f, P | RW | US);
	walk_ok(test, &m, f, 0x5000, EC_I);
	/* NX at the PML4E covers everything below it. */
	set64(f, 0x1000, 0x2000 | P | RW | US | NX);
	KUNIT_EXPECT_EQ(test, walk_ec(test, &m, f, 0x5000, EC_I),
			EC_P | EC_I);
	KUNIT_EXPECT_EQ(test, walk_ec(test, &m, f, 0x5000, EC_I | EC_U),
			EC_P | EC_I | EC_U);
	walk_ok(test, &m, f, 0x5000, EC_W);
	/* EFER.NXE clear: bit 63 is reserved for every access. */
	m.efer &= ~EFER_NX;
	KUNIT_EXPECT_EQ(test, walk_ec(test, &m, f, 0x5000, 0),
			EC_P | EC_RSVD);
}

static void walk_reserved_bits(struct kunit *test)
{
	struct duet_walk_mode m = mode_4level;
	struct fake_mem *f = fake_mem(test);

	/* An address bit beyond MAXPHYADDR (40). */
	build_4level(f, P | RW | US | BIT_ULL(45));
	KUNIT_EXPECT_EQ(test, walk_ec(test, &m, f, 0x5000, 0), EC_P | EC_RSVD);
	KUNIT_EXPECT_EQ(test, walk_ec(test, &m, f, 0x5000, EC_W | EC_U),
			EC_P | EC_RSVD | EC_W | EC_U);
	m.maxphyaddr = 46;
	walk_ok(test, &m, f, 0x5000, 0);
	/* Bits 62:52 are free for software in long mode. */
	build_4level(f, P | RW | US | BIT_ULL(60));
	walk_ok(test, &m, f, 0x5000, 0);

	/* PS in a PML4E; bit 8 there only on AMD. */
	build_4level(f, P | RW | US);
	set64(f, 0x1000, 0x2000 | P | RW | US | PS);
	KUNIT_EXPECT_EQ(test, walk_ec(test, &m, f, 0x5000, 0), EC_P | EC_RSVD);
	set64(f, 0x1000, 0x2000 | P | RW | US | BIT_ULL(8));
	KUNIT_EXPECT_EQ(test, walk_ec(test, &m, f, 0x5000, 0), EC_P | EC_RSVD);
	m.amd = false;
	walk_ok(test, &m, f, 0x5000, 0);

	/* Bits 20:13 of a 2 MiB PDE, 29:13 of a 1 GiB PDPTE. */
	set64(f, 0x3000 + 1 * 8, 0x800000 | BIT_ULL(13) | P | RW | PS);
	KUNIT_EXPECT_EQ(test, walk_ec(test, &m, f, 0x200000, 0),
			EC_P | EC_RSVD);
	set64(f, 0x2000 + 1 * 8, 0x40000000 | BIT_ULL(21) | P | RW | PS);
	KUNIT_EXPECT_EQ(test, walk_ec(test, &m, f, 0x40000000, 0),
			EC_P | EC_RSVD);
	/* A reserved bit in a fetch reports I/D as well (NXE is on). */
	KUNIT_EXPECT_EQ(test, walk_ec(test, &m, f, 0x40000000, EC_I),
			EC_P | EC_RSVD | EC_I);
}

static void walk_accessed_dirty(struct kunit *test)
{
	struct duet_walk_mode m = mode_4level;
	struct fake_mem *f = fake_mem(test);
	u64 leaf = 0x4000 + 5 * 8;

	build_4level(f, P | RW | US);
	/* Asked not to: nothing changes. */
	walk_ok(test, &m, f, 0x5000, EC_W | DUET_WALK_NO_AD);
	KUNIT_EXPECT_EQ(test, get64(f, 0x1000) & A, 0ULL);
	KUNIT_EXPECT_EQ(test, get64(f, leaf) & (A | D), 0ULL);
	KUNIT_EXPECT_EQ(test, f->cmpxchgs, 0U);

	/* A read sets A everywhere, D nowhere. */
	walk_ok(test, &m, f, 0x5000, 0);
	KUNIT_EXPECT_EQ(test, get64(f, 0x1000), 0x2000 | P | RW | US | A);
	KUNIT_EXPECT_EQ(test, get64(f, 0x2000), 0x3000 | P | RW | US | A);
	KUNIT_EXPECT_EQ(test, get64(f, 0x3000), 0x4000 | P | RW | US | A);
	KUNIT_EXPECT_EQ(test, get64(f, leaf), 0x9000 | P | RW | US | A);
	KUNIT_EXPECT_EQ(test, f->cmpxchgs, 4U);

	/* A write sets D on the leaf only; set bits are not written again. */
	walk_ok(test, &m, f, 0x5000, EC_W);
	KUNIT_EXPECT_EQ(test, get64(f, leaf), 0x9000 | P | RW | US | A | D);
	KUNIT_EXPECT_EQ(test, get64(f, 0x3000) & D, 0ULL);
	KUNIT_EXPECT_EQ(test, f->cmpxchgs, 5U);
	walk_ok(test, &m, f, 0x5000, EC_W);
	KUNIT_EXPECT_EQ(test, f->cmpxchgs, 5U);

	/* A walk that faults sets nothing. */
	build_4level(f, P | US);
	KUNIT_EXPECT_EQ(test, walk_ec(test, &m, f, 0x5000, EC_W), EC_P | EC_W);
	KUNIT_EXPECT_EQ(test, get64(f, 0x1000) & A, 0ULL);
	KUNIT_EXPECT_EQ(test, get64(f, leaf) & (A | D), 0ULL);
}

static void walk_accessed_dirty_legacy(struct kunit *test)
{
	struct duet_walk_mode m = { .cr0 = CR0_PAGING, .cr3 = 0x1000,
				    .cr4 = X86_CR4_PAE, .maxphyaddr = 40 };
	struct fake_mem *f = fake_mem(test);

	/* PAE: the PDPTE has no A bit, the others get theirs. */
	set64(f, 0x1000, 0x2000 | P);
	set64(f, 0x2000, 0x400000 | P | RW | PS);
	walk_ok(test, &m, f, 0x1234, EC_W);
	KUNIT_EXPECT_EQ(test, get64(f, 0x1000), 0x2000 | P);
	KUNIT_EXPECT_EQ(test, get64(f, 0x2000), 0x400000 | P | RW | PS | A | D);

	/* 32-bit: 4-byte entries; the neighbours stay as they were. */
	m.cr4 = 0;
	memset(f->mem, 0, MEM_SIZE);
	set32(f, 0x1000, 0x2000 | P | RW);
	set32(f, 0x1004, 0xdeadb000);
	set32(f, 0x2000, 0x3000 | P | RW);
	set32(f, 0x2004, 0xcafe0000);
	walk_ok(test, &m, f, 0x0, EC_W);
	KUNIT_EXPECT_EQ(test, get32(f, 0x1000), (u32)(0x2000 | P | RW | A));
	KUNIT_EXPECT_EQ(test, get32(f, 0x2000), (u32)(0x3000 | P | RW | A | D));
	KUNIT_EXPECT_EQ(test, get32(f, 0x1004), 0xdeadb000U);
	KUNIT_EXPECT_EQ(test, get32(f, 0x2004), 0xcafe0000U);
}

/* An entry that changes under the update: -EAGAIN, no result. */
static void walk_pte_changed(struct kunit *test)
{
	struct duet_walk_mode m = mode_4level;
	struct fake_mem *f = fake_mem(test);
	struct duet_walk_result res;

	build_4level(f, P | RW | US);
	f->pte_changed = true;
	KUNIT_EXPECT_EQ(test, __duet_walk(&m, &fake_ops, f, 0x5000, 0, &res),
			-EAGAIN);
	KUNIT_EXPECT_EQ(test, res.pte_gpa, 0x1000ULL);
}

/* Tables outside memory: the callback's error, and which entry it was. */
static void walk_table_outside_memory(struct kunit *test)
{
	struct duet_walk_mode m = mode_4level;
	struct fake_mem *f = fake_mem(test);
	struct duet_walk_result res;

	build_4level(f, P | RW | US);
	set64(f, 0x3000, 0x40000000ULL | P | RW | US);	/* PD[0] -> far */
	KUNIT_EXPECT_EQ(test, __duet_walk(&m, &fake_ops, f, 0x5000, 0, &res),
			-ENOENT);
	KUNIT_EXPECT_EQ(test, res.pte_gpa, 0x40000000ULL + 5 * 8);
}

static void walk_canonical(struct kunit *test)
{
	struct duet_walk_mode m = mode_4level;

	KUNIT_EXPECT_TRUE(test, duet_walk_canonical(&m, 0x00007fffffffffffULL));
	KUNIT_EXPECT_FALSE(test, duet_walk_canonical(&m, 0x0000800000000000ULL));
	KUNIT_EXPECT_TRUE(test, duet_walk_canonical(&m, 0xffff800000000000ULL));
	KUNIT_EXPECT_FALSE(test, duet_walk_canonical(&m, 0xfff0800000000000ULL));
	KUNIT_EXPECT_FALSE(test, duet_walk_canonical(&m, 0x0001000000000000ULL));
	m.cr4 |= X86_CR4_LA57;
	KUNIT_EXPECT_TRUE(test, duet_walk_canonical(&m, 0x0001000000000000ULL));
	KUNIT_EXPECT_TRUE(test, duet_walk_canonical(&m, 0x00ffffffffffffffULL));
	KUNIT_EXPECT_FALSE(test, duet_walk_canonical(&m, 0x0100000000000000ULL));
	KUNIT_EXPECT_TRUE(test, duet_walk_canonical(&m, 0xff00000000000000ULL));
	/* Outside long mode, any address: only its low 32 bits count. */
	m.efer = 0;
	KUNIT_EXPECT_TRUE(test, duet_walk_canonical(&m, 0x0100000000000000ULL));
}

static struct kunit_case duet_gmem_walk_cases[] = {
	KUNIT_CASE(walk_paging_off),
	KUNIT_CASE(walk_32bit_4k),
	KUNIT_CASE(walk_32bit_4m),
	KUNIT_CASE(walk_pae),
	KUNIT_CASE(walk_4level_pages),
	KUNIT_CASE(walk_5level),
	KUNIT_CASE(walk_not_present),
	KUNIT_CASE(walk_write_protect),
	KUNIT_CASE(walk_user_supervisor),
	KUNIT_CASE(walk_protection_keys),
	KUNIT_CASE(walk_nx),
	KUNIT_CASE(walk_reserved_bits),
	KUNIT_CASE(walk_accessed_dirty),
	KUNIT_CASE(walk_accessed_dirty_legacy),
	KUNIT_CASE(walk_pte_changed),
	KUNIT_CASE(walk_table_outside_memory),
	KUNIT_CASE(walk_canonical),
	{}
};

static struct kunit_suite duet_gmem_walk_suite = {
	.name = "duet_gmem_walk",
	.test_cases = duet_gmem_walk_cases,
};

kunit_test_suite(duet_gmem_walk_suite);
