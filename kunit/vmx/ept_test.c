// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: EPT entries (module/mmu/npt.h) and the table walk in the EPT
 * format (module/mmu/npt.c).  Each entry duet makes is checked against
 * SDM "EPT Misconfigurations", which a checker here implements; the
 * checker is tested on entries that break each rule.
 */
#include <kunit/test.h>
#include <asm/processor.h>

#include "duet.h"
#include "mmu/npt.h"

#define EPT_IPAT		BIT_ULL(6)
#define EPT_SUPPRESS_VE		BIT_ULL(63)
#define EPT_MEMTYPE(pte)	(((pte) >> EPT_MEMTYPE_SHIFT) & 7)

static const struct duet_npt ept_fmt = { .format = DUET_NPT_EPT };
static const struct duet_npt amd_fmt = { .format = DUET_NPT_AMD };

/*
 * SDM "EPT Misconfigurations", for a CPU without execute-only support
 * (the strictest): why @pte at @level (1: PTE .. 4: PML4E) is
 * misconfigured, or NULL.  Leaves at levels 2 and 3 have bit 7 set.
 */
static const char *ept_misconfig(u64 pte, int level, unsigned int maxphyaddr)
{
	bool leaf = level == 1 || (level < 4 && (pte & EPT_LARGE));

	if (!(pte & EPT_RWX))
		return NULL;			/* not present: no rule applies */
	if ((pte & EPT_WRITABLE) && !(pte & EPT_READABLE))
		return "write without read";
	if ((pte & EPT_EXECUTABLE) && !(pte & EPT_READABLE))
		return "execute-only";
	if (pte & GENMASK_ULL(51, maxphyaddr))
		return "address bits above MAXPHYADDR";
	if (!leaf) {
		/* Bits 7:3 of a PML4E, 6:3 of a table PDPTE/PDE, reserved. */
		if (pte & GENMASK_ULL(level == 4 ? 7 : 6, 3))
			return "reserved bits in a table entry";
		return NULL;
	}
	switch (EPT_MEMTYPE(pte)) {
	case 2:
	case 3:
	case 7:
		return "reserved memory type";
	}
	if (level == 2 && (pte & GENMASK_ULL(20, 12)))
		return "reserved bits in a 2 MiB leaf";
	if (level == 3 && (pte & GENMASK_ULL(29, 12)))
		return "reserved bits in a 1 GiB leaf";
	return NULL;
}

static unsigned int maxphyaddr(void)
{
	return boot_cpu_data.x86_phys_bits;
}

static u64 with_type(u64 pte, u64 type)
{
	return (pte & ~GENMASK_ULL(5, 3)) | type << EPT_MEMTYPE_SHIFT;
}

/* The checker itself: each rule catches what it should. */
static void ept_checker_catches(struct kunit *test)
{
	u64 ok = 0x1000 | EPT_READABLE | (EPT_MEMTYPE_WB << EPT_MEMTYPE_SHIFT);

	KUNIT_EXPECT_NULL(test, ept_misconfig(ok, 1, 46));
	KUNIT_EXPECT_NOT_NULL(test, ept_misconfig((ok & ~EPT_READABLE) |
						  EPT_WRITABLE, 1, 46));
	KUNIT_EXPECT_NOT_NULL(test, ept_misconfig((ok & ~EPT_READABLE) |
						  EPT_EXECUTABLE, 1, 46));
	KUNIT_EXPECT_NOT_NULL(test, ept_misconfig(ok | BIT_ULL(46), 1, 46));
	KUNIT_EXPECT_NULL(test, ept_misconfig(ok | BIT_ULL(46), 1, 47));
	/* Memory types 2, 3 and 7 are reserved; 0 (UC) and 6 (WB) are not. */
	KUNIT_EXPECT_NOT_NULL(test, ept_misconfig(with_type(ok, 2), 1, 46));
	KUNIT_EXPECT_NOT_NULL(test, ept_misconfig(with_type(ok, 3), 1, 46));
	KUNIT_EXPECT_NOT_NULL(test, ept_misconfig(with_type(ok, 7), 1, 46));
	KUNIT_EXPECT_NULL(test, ept_misconfig(with_type(ok, 0), 1, 46));
	KUNIT_EXPECT_NOT_NULL(test, ept_misconfig(ok | EPT_LARGE, 2, 46));
	KUNIT_EXPECT_NOT_NULL(test, ept_misconfig(0x40001000ULL | EPT_LARGE |
						  EPT_READABLE, 3, 46));
	/* A table entry with a memory type is misconfigured at every level. */
	KUNIT_EXPECT_NOT_NULL(test, ept_misconfig(ok, 2, 46));
	KUNIT_EXPECT_NOT_NULL(test, ept_misconfig(ok, 4, 46));
	KUNIT_EXPECT_NOT_NULL(test, ept_misconfig(0x1000 | EPT_RWX | EPT_LARGE,
						  4, 46));
	KUNIT_EXPECT_NULL(test, ept_misconfig(0x1000 | EPT_RWX, 4, 46));
	/* Not present: whatever else is set. */
	KUNIT_EXPECT_NULL(test, ept_misconfig(~EPT_RWX, 1, 46));
}

/* R always; W and X per prot; WB, IPAT clear; bit 7 on 2 MiB leaves. */
static void ept_leaf_bits(struct kunit *test)
{
	static const u64 hpas[] = { 0x1000, 0x12345000, 0x40000000,
				    0xfffe00000 };
	unsigned int prot, i;
	int level;

	for (level = 1; level <= 2; level++) {
		for (prot = 0; prot < 4; prot++) {
			for (i = 0; i < ARRAY_SIZE(hpas); i++) {
				u64 hpa = hpas[i] & ~((1ULL << (12 + 9 * (level - 1))) - 1);
				u64 pte = ept_make_leaf(hpa, level, prot);
				const char *bad;

				KUNIT_EXPECT_EQ(test, pte & NPT_ADDR_MASK, hpa);
				KUNIT_EXPECT_TRUE(test, pte & EPT_READABLE);
				KUNIT_EXPECT_EQ(test, !!(pte & EPT_WRITABLE),
						!!(prot & NPT_PROT_WRITE));
				KUNIT_EXPECT_EQ(test, !!(pte & EPT_EXECUTABLE),
						!!(prot & NPT_PROT_EXEC));
				KUNIT_EXPECT_EQ(test, EPT_MEMTYPE(pte), 6ULL);
				KUNIT_EXPECT_FALSE(test, pte & EPT_IPAT);
				KUNIT_EXPECT_EQ(test, !!(pte & EPT_LARGE),
						level == 2);
				/* A/D (8, 9), ignored bits, suppress-#VE: 0. */
				KUNIT_EXPECT_EQ(test, pte & ~NPT_ADDR_MASK &
						~(EPT_RWX | GENMASK_ULL(5, 3) |
						  EPT_LARGE), 0ULL);
				KUNIT_EXPECT_FALSE(test, pte & EPT_SUPPRESS_VE);
				bad = ept_misconfig(pte, level, maxphyaddr());
				KUNIT_EXPECT_NULL_MSG(test, bad,
						      "level %d prot %u: %s",
						      level, prot, bad);
				KUNIT_EXPECT_TRUE(test, npt_present(&ept_fmt, pte));
				KUNIT_EXPECT_TRUE(test, npt_is_leaf(pte, level));
			}
		}
	}
}

/* npt_make_leaf() picks the format's encoding. */
static void ept_leaf_by_format(struct kunit *test)
{
	u64 ept = npt_make_leaf(&ept_fmt, 0x5000, 1, 0);
	u64 amd = npt_make_leaf(&amd_fmt, 0x5000, 1, 0);

	KUNIT_EXPECT_EQ(test, ept, ept_make_leaf(0x5000, 1, 0));
	KUNIT_EXPECT_EQ(test, ept, 0x5000ULL | EPT_READABLE |
			(EPT_MEMTYPE_WB << EPT_MEMTYPE_SHIFT));
	/* AMD: no-exec is NX (63), present needs U; EPT has neither. */
	KUNIT_EXPECT_TRUE(test, amd & NPT_NX);
	KUNIT_EXPECT_TRUE(test, amd & NPT_USER);
	KUNIT_EXPECT_FALSE(test, ept & NPT_NX);
	KUNIT_EXPECT_FALSE(test, ept & EPT_EXECUTABLE);
}

/* Low bits of an address never leak into permission or type bits. */
static void ept_leaf_masks_address(struct kunit *test)
{
	u64 pte = ept_make_leaf(0x12345fffULL | BIT_ULL(63), 1, 0);

	KUNIT_EXPECT_EQ(test, pte & NPT_ADDR_MASK, 0x12345000ULL);
	KUNIT_EXPECT_FALSE(test, pte & (EPT_WRITABLE | EPT_EXECUTABLE |
					EPT_IPAT | EPT_SUPPRESS_VE));
	KUNIT_EXPECT_EQ(test, EPT_MEMTYPE(pte), 6ULL);
}

/* Table entries grant RWX and leave the rest to the leaf; no type. */
static void ept_table_entry(struct kunit *test)
{
	u64 pte = npt_make_table_entry(&ept_fmt, 0x7000);
	u64 amd = npt_make_table_entry(&amd_fmt, 0x7000);
	int level;

	KUNIT_EXPECT_EQ(test, pte, 0x7000ULL | EPT_RWX);
	for (level = 2; level <= 4; level++) {
		KUNIT_EXPECT_NULL(test, ept_misconfig(pte, level, maxphyaddr()));
		KUNIT_EXPECT_FALSE(test, npt_is_leaf(pte, level));
	}
	KUNIT_EXPECT_EQ(test, amd, 0x7000ULL | NPT_PRESENT | NPT_WRITABLE |
			NPT_USER | NPT_ACCESSED);
	KUNIT_EXPECT_EQ(test, npt_make_table_entry(&ept_fmt, 0x7fff) &
			~NPT_ADDR_MASK, EPT_RWX);
}

/* Present is any of R/W/X for EPT, bit 0 alone for AMD. */
static void ept_present_per_format(struct kunit *test)
{
	KUNIT_EXPECT_FALSE(test, npt_present(&ept_fmt, 0));
	KUNIT_EXPECT_FALSE(test, npt_present(&amd_fmt, 0));
	KUNIT_EXPECT_TRUE(test, npt_present(&ept_fmt, EPT_READABLE));
	KUNIT_EXPECT_TRUE(test, npt_present(&amd_fmt, NPT_PRESENT));
	/* Bit 1 (W) or 2 (X / AMD's U) alone: EPT present, AMD not. */
	KUNIT_EXPECT_TRUE(test, npt_present(&ept_fmt, EPT_WRITABLE));
	KUNIT_EXPECT_FALSE(test, npt_present(&amd_fmt, NPT_WRITABLE));
	KUNIT_EXPECT_TRUE(test, npt_present(&ept_fmt, EPT_EXECUTABLE));
	KUNIT_EXPECT_FALSE(test, npt_present(&amd_fmt, NPT_USER));
	/* Address, memory type, bit 7, NX without R/W/X: EPT not present. */
	KUNIT_EXPECT_FALSE(test, npt_present(&ept_fmt, 0x1000 | EPT_LARGE |
					     (6ULL << 3) | NPT_NX));
	/* An AMD table entry reads as present EPT too: formats must not mix. */
	KUNIT_EXPECT_TRUE(test, npt_present(&ept_fmt,
					    npt_make_table_entry(&amd_fmt,
								 0x7000)));
}

/* The EPT format refuses anything but the 4-level walk duet's EPTP names. */
static void ept_init_levels(struct kunit *test)
{
	struct duet_npt npt = {};

	KUNIT_EXPECT_EQ(test, duet_npt_init(&npt, 5, DUET_NPT_EPT), -EINVAL);
	KUNIT_EXPECT_NULL(test, npt.root);
	KUNIT_EXPECT_EQ(test, duet_npt_init(&npt, 3, DUET_NPT_EPT), -EINVAL);
	KUNIT_EXPECT_NULL(test, npt.root);
	/* AMD takes 5 (LA57 hosts). */
	KUNIT_ASSERT_EQ(test, duet_npt_init(&npt, 5, DUET_NPT_AMD), 0);
	duet_npt_destroy(&npt);
	KUNIT_ASSERT_EQ(test, duet_npt_init(&npt, 4, DUET_NPT_EPT), 0);
	KUNIT_EXPECT_EQ(test, npt.levels, 4);
	KUNIT_EXPECT_EQ(test, npt.format, DUET_NPT_EPT);
	KUNIT_EXPECT_EQ(test, npt.nr_tables, 1UL);
	duet_npt_destroy(&npt);
	KUNIT_EXPECT_NULL(test, npt.root);
}

static void npt_cleanup(void *npt)
{
	duet_npt_destroy(npt);
}

/* Check every table entry on the way to @gpa is an EPT table entry. */
static void check_walk(struct kunit *test, struct duet_npt *npt, u64 gpa,
		       int leaf_level)
{
	u64 *table = npt->root;
	int l;

	for (l = npt->levels; l > leaf_level; l--) {
		u64 pte = table[npt_index(gpa, l)];

		KUNIT_ASSERT_EQ(test, pte & ~NPT_ADDR_MASK, EPT_RWX);
		KUNIT_EXPECT_NULL(test, ept_misconfig(pte, l, maxphyaddr()));
		table = __va(pte & NPT_ADDR_MASK);
	}
}

/* PML4 index 5, PDPT 6, PD 7, PT 8. */
#define HIGH_GPA	((5ULL << 39) | (6ULL << 30) | (7ULL << 21) | (8ULL << 12))

static void ept_map_lookup_unmap(struct kunit *test)
{
	struct duet_npt *npt = kunit_kzalloc(test, sizeof(*npt), GFP_KERNEL);
	u64 hpa4k = 0x12345000, hpa2m = 0x40000000, pte;
	int level = 0;

	KUNIT_ASSERT_NOT_NULL(test, npt);
	KUNIT_ASSERT_EQ(test, duet_npt_init(npt, 4, DUET_NPT_EPT), 0);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, npt_cleanup,
							npt), 0);

	/* 4 KiB: a PDPT, PD and PT under the root. */
	KUNIT_ASSERT_EQ(test, duet_npt_map(npt, 0x1000, hpa4k, 1,
					   NPT_PROT_WRITE | NPT_PROT_EXEC), 0);
	KUNIT_EXPECT_EQ(test, npt->nr_tables, 4UL);
	pte = duet_npt_lookup(npt, 0x1000, &level);
	KUNIT_EXPECT_EQ(test, pte, ept_make_leaf(hpa4k, 1, NPT_PROT_WRITE |
						 NPT_PROT_EXEC));
	KUNIT_EXPECT_EQ(test, level, 1);
	KUNIT_EXPECT_EQ(test, duet_npt_lookup(npt, 0x1fff, &level), pte);
	KUNIT_EXPECT_EQ(test, duet_npt_lookup(npt, 0x2000, &level), 0ULL);
	KUNIT_EXPECT_EQ(test, duet_npt_lookup(npt, 0, &level), 0ULL);
	check_walk(test, npt, 0x1000, 1);

	/* 2 MiB in the same 1 GiB: the PD is shared, no new table. */
	KUNIT_ASSERT_EQ(test, duet_npt_map(npt, 0x200000, hpa2m, 2, 0), 0);
	KUNIT_EXPECT_EQ(test, npt->nr_tables, 4UL);
	pte = duet_npt_lookup(npt, 0x2abcde, &level);
	KUNIT_EXPECT_EQ(test, pte, ept_make_leaf(hpa2m, 2, 0));
	KUNIT_EXPECT_EQ(test, level, 2);
	KUNIT_EXPECT_TRUE(test, pte & EPT_LARGE);
	KUNIT_EXPECT_FALSE(test, pte & (EPT_WRITABLE | EPT_EXECUTABLE));
	check_walk(test, npt, 0x200000, 2);

	/* Another PML4 slot, a different index at every level. */
	KUNIT_ASSERT_EQ(test, duet_npt_map(npt, HIGH_GPA, hpa4k, 1, 0), 0);
	KUNIT_EXPECT_EQ(test, npt->nr_tables, 7UL);
	KUNIT_EXPECT_EQ(test, duet_npt_lookup(npt, HIGH_GPA, &level),
			ept_make_leaf(hpa4k, 1, 0));
	KUNIT_EXPECT_EQ(test, duet_npt_lookup(npt, HIGH_GPA + 0x1000, &level),
			0ULL);
	check_walk(test, npt, HIGH_GPA, 1);

	/* Refusals: nested sizes, alignment, beyond 48 bits, odd levels. */
	KUNIT_EXPECT_EQ(test, duet_npt_map(npt, 0x201000, hpa4k, 1, 0),
			-EEXIST);
	KUNIT_EXPECT_EQ(test, duet_npt_map(npt, 0, hpa2m, 2, 0), -EEXIST);
	KUNIT_EXPECT_EQ(test, duet_npt_map(npt, 0x400000, 0x1000, 2, 0),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, duet_npt_map(npt, BIT_ULL(48), hpa4k, 1, 0),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, duet_npt_map(npt, 0x40000000, hpa2m, 3, 0),
			-EINVAL);
	/* A leaf replaced in place keeps one mapping, with the new bits. */
	KUNIT_ASSERT_EQ(test, duet_npt_map(npt, 0x1000, hpa4k, 1, 0), 0);
	KUNIT_EXPECT_EQ(test, duet_npt_lookup(npt, 0x1000, &level),
			ept_make_leaf(hpa4k, 1, 0));

	/* Unmap the 4 KiB page; again changes nothing. */
	KUNIT_EXPECT_TRUE(test, duet_npt_unmap_range(npt, 0x1000, 0x1000));
	KUNIT_EXPECT_EQ(test, duet_npt_lookup(npt, 0x1000, &level), 0ULL);
	KUNIT_EXPECT_FALSE(test, duet_npt_unmap_range(npt, 0x1000, 0x1000));
	/* The 2 MiB leaf is untouched by that, and goes whole for 4 KiB. */
	KUNIT_EXPECT_NE(test, duet_npt_lookup(npt, 0x200000, &level), 0ULL);
	KUNIT_EXPECT_TRUE(test, duet_npt_unmap_range(npt, 0x300000, 0x1000));
	KUNIT_EXPECT_EQ(test, duet_npt_lookup(npt, 0x200000, &level), 0ULL);
	KUNIT_EXPECT_EQ(test, duet_npt_lookup(npt, 0x3ff000, &level), 0ULL);
	/* The high page is still there until a range covers it. */
	KUNIT_EXPECT_NE(test, duet_npt_lookup(npt, HIGH_GPA, &level), 0ULL);
	KUNIT_EXPECT_TRUE(test, duet_npt_unmap_range(npt, 0, BIT_ULL(48)));
	KUNIT_EXPECT_EQ(test, duet_npt_lookup(npt, HIGH_GPA, &level), 0ULL);
	KUNIT_EXPECT_FALSE(test, duet_npt_unmap_range(npt, 0, BIT_ULL(48)));
}

static struct kunit_case duet_vmx_ept_cases[] = {
	KUNIT_CASE(ept_checker_catches),
	KUNIT_CASE(ept_leaf_bits),
	KUNIT_CASE(ept_leaf_by_format),
	KUNIT_CASE(ept_leaf_masks_address),
	KUNIT_CASE(ept_table_entry),
	KUNIT_CASE(ept_present_per_format),
	KUNIT_CASE(ept_init_levels),
	KUNIT_CASE(ept_map_lookup_unmap),
	{}
};

static struct kunit_suite duet_vmx_ept_suite = {
	.name = "duet_vmx_ept",
	.test_cases = duet_vmx_ept_cases,
};

kunit_test_suite(duet_vmx_ept_suite);
