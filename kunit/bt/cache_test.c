// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: module/bt/cache.c, the per-VM translation cache: hits,
 * invalidation by page, chain links and their generation, the bound.
 */
#include "fake.h"

/* mov eax, 1; l: add eax, ecx; loop l (ecx = 10): sum 1..10 plus 1. */
static const u8 loop[] = { 0xb8, 0x01, 0, 0, 0, 0x01, 0xc8, 0xe2, 0xfc };

/* A second run of the same code translates nothing. */
static void bt_cache_hit(struct kunit *test)
{
	struct bt_fake *f = fake_new(test);
	u64 translated;

	f->st.gpr[1] = 10;
	KUNIT_ASSERT_EQ(test, fake_run_at(f, CODE, loop, sizeof(loop), 100),
			DUET_BT_EXIT_HW_STEP);
	KUNIT_EXPECT_EQ(test, f->st.gpr[0], 56ULL);
	translated = f->stats.blocks_translated;
	/* The blocks: mov..loop, add..loop, HLT (in hardware). */
	KUNIT_EXPECT_EQ(test, translated, 3ULL);
	KUNIT_EXPECT_EQ(test, duet_bt_cache_count(f->ctx.cache), 3U);
	f->st.gpr[1] = 10;
	f->stats.cache_hits = 0;
	KUNIT_ASSERT_EQ(test, fake_run_at(f, CODE, loop, sizeof(loop), 100),
			DUET_BT_EXIT_HW_STEP);
	KUNIT_EXPECT_EQ(test, f->st.gpr[0], 56ULL);
	KUNIT_EXPECT_EQ(test, f->stats.blocks_translated, translated);
	KUNIT_EXPECT_EQ(test, f->stats.cache_hits, 11ULL);
}

/* Invalidation drops exactly the page's blocks; changed code is retranslated. */
static void bt_cache_invalidate(struct kunit *test)
{
	struct bt_fake *f = fake_new(test);
	struct duet_bt_cache *c = f->ctx.cache;

	KUNIT_ASSERT_EQ(test, RUN(f, 0xb8, 0x01, 0, 0, 0), DUET_BT_EXIT_HW_STEP);
	KUNIT_EXPECT_EQ(test, f->st.gpr[0], 1ULL);
	/* A write the cache is not told about: the old block still runs. */
	f->mem[CODE + 1] = 2;
	f->st.rip = CODE;
	KUNIT_ASSERT_EQ(test, duet_bt_run(&f->ctx, &f->st, 10), DUET_BT_EXIT_HW_STEP);
	KUNIT_EXPECT_EQ(test, f->st.gpr[0], 1ULL);
	/* Another page: nothing dropped. */
	KUNIT_EXPECT_EQ(test, duet_bt_cache_invalidate(c, DATA >> PAGE_SHIFT), 0U);
	/* The code page: the MOV block and the HLT block. */
	KUNIT_EXPECT_EQ(test, duet_bt_cache_invalidate(c, CODE >> PAGE_SHIFT), 2U);
	KUNIT_EXPECT_EQ(test, duet_bt_cache_count(c), 0U);
	KUNIT_EXPECT_EQ(test, duet_bt_cache_invalidate(c, CODE >> PAGE_SHIFT), 0U);
	f->st.rip = CODE;
	KUNIT_ASSERT_EQ(test, duet_bt_run(&f->ctx, &f->st, 10), DUET_BT_EXIT_HW_STEP);
	KUNIT_EXPECT_EQ(test, f->st.gpr[0], 2ULL);
	KUNIT_EXPECT_EQ(test, f->stats.blocks_translated, 4ULL);
}

/* A block over two pages is dropped through either. */
static void bt_cache_invalidate_second_page(struct kunit *test)
{
	static const u8 cross[] = { 0x48, 0xb8, 1, 2, 3, 4, 5, 6, 7, 8 };
	u64 at = CODE + PAGE_SIZE - 4;
	struct bt_fake *f = fake_new(test);

	KUNIT_ASSERT_EQ(test, fake_run_at(f, at, cross, sizeof(cross), 10),
			DUET_BT_EXIT_HW_STEP);
	/* The MOV block spans both pages; the HLT block is on the second. */
	KUNIT_EXPECT_EQ(test, duet_bt_cache_invalidate(f->ctx.cache,
						       (CODE >> PAGE_SHIFT) + 1), 2U);
	KUNIT_EXPECT_EQ(test, duet_bt_cache_count(f->ctx.cache), 0U);
}

/* A loop links to itself; invalidation makes the link stale. */
static void bt_cache_chain(struct kunit *test)
{
	struct bt_fake *f = fake_new(test);
	struct duet_bt_block *body, *next;
	unsigned int fetches;
	u64 gen;
	int idx;

	f->st.gpr[1] = 100;
	KUNIT_ASSERT_EQ(test, fake_run_at(f, CODE, loop, sizeof(loop), 1000),
			DUET_BT_EXIT_HW_STEP);
	KUNIT_EXPECT_EQ(test, f->st.gpr[0], 5051ULL);
	/* 100 iterations, but the loop body was walked to once or twice. */
	fetches = f->fetches;
	KUNIT_EXPECT_LT(test, fetches, 6U);

	idx = srcu_read_lock(&duet_bt_srcu);
	body = duet_bt_cache_lookup(f->ctx.cache, CODE + 5, CODE + 5,
				    DUET_X86_MODE_64, false, &gen);
	KUNIT_ASSERT_NOT_NULL(test, body);
	next = duet_bt_cache_follow(f->ctx.cache, body, 0, CODE + 5);
	KUNIT_EXPECT_PTR_EQ(test, next, body);
	/* The wrong RIP does not follow. */
	KUNIT_EXPECT_NULL(test, duet_bt_cache_follow(f->ctx.cache, body, 0, CODE));
	/* Any drop invalidates every link. */
	KUNIT_EXPECT_EQ(test, duet_bt_cache_invalidate(f->ctx.cache,
						       DATA >> PAGE_SHIFT), 0U);
	KUNIT_EXPECT_PTR_EQ(test, duet_bt_cache_follow(f->ctx.cache, body, 0,
						       CODE + 5), body);
	duet_bt_cache_invalidate(f->ctx.cache, CODE >> PAGE_SHIFT);
	KUNIT_EXPECT_NULL(test, duet_bt_cache_follow(f->ctx.cache, body, 0,
						     CODE + 5));
	srcu_read_unlock(&duet_bt_srcu, idx);
}

/* Past DUET_BT_MAX_BLOCKS the cache is flushed, and code still runs. */
static void bt_cache_bound(struct kunit *test)
{
	unsigned int n = DUET_BT_MAX_BLOCKS + 8, i;
	struct bt_fake *f = fake_new(test);
	u8 *code;

	/* n blocks of "jmp +0" (2 bytes each) in a row, then HLT. */
	KUNIT_ASSERT_LT(test, (u64)(CODE + 2 * n + 1), (u64)FAKE_MEM);
	code = kunit_kmalloc(test, 2 * n, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, code);
	for (i = 0; i < n; i++) {
		code[2 * i] = 0xeb;
		code[2 * i + 1] = 0x00;
	}
	KUNIT_ASSERT_EQ(test, fake_run_at(f, CODE, code, 2 * n, 2 * n),
			DUET_BT_EXIT_HW_STEP);
	KUNIT_EXPECT_EQ(test, f->st.rip, CODE + 2 * n);
	KUNIT_EXPECT_EQ(test, f->stats.blocks_translated, (u64)n + 1);
	KUNIT_EXPECT_LE(test, duet_bt_cache_count(f->ctx.cache),
			(unsigned int)DUET_BT_MAX_BLOCKS);
	KUNIT_EXPECT_LT(test, duet_bt_cache_count(f->ctx.cache), 16U);
}

static struct kunit_case duet_bt_cache_cases[] = {
	KUNIT_CASE(bt_cache_hit),
	KUNIT_CASE(bt_cache_invalidate),
	KUNIT_CASE(bt_cache_invalidate_second_page),
	KUNIT_CASE(bt_cache_chain),
	KUNIT_CASE(bt_cache_bound),
	{}
};

static struct kunit_suite duet_bt_cache_suite = {
	.name = "duet_bt_cache",
	.test_cases = duet_bt_cache_cases,
};

kunit_test_suite(duet_bt_cache_suite);
