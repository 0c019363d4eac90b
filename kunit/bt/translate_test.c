// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: module/bt/translate.c, block formation: where blocks end, which
 * instructions are left to hardware, page-crossing instructions, fetch
 * faults and segment marks.
 */
#include "fake.h"

/* Translate the block at @at holding @n bytes of @code (then zeros). */
static struct duet_bt_block *xlate(struct kunit *test, struct bt_fake *f,
				   u64 at, const u8 *code, unsigned int n,
				   int *res)
{
	struct duet_bt_exec x = { .ctx = &f->ctx, .st = &f->st };
	struct duet_bt_block *blk = NULL;

	memcpy(f->mem + at, code, n);
	f->st.rip = at;
	*res = duet_bt_translate(&x, at, &blk);
	if (blk)
		kunit_add_action(test, (kunit_action_t *)kfree, blk);
	return blk;
}

#define XLATE(test, f, res, ...) ({					\
	static const u8 __c[] = { __VA_ARGS__ };			\
	xlate(test, f, CODE, __c, sizeof(__c), res);			\
})

/* At most DUET_BT_MAX_INSNS; a control transfer ends the block. */
static void bt_translate_block_end(struct kunit *test)
{
	struct bt_fake *f = fake_new(test);
	struct duet_bt_block *blk;
	u8 nops[40];
	int r;

	memset(nops, 0x90, sizeof(nops));
	blk = xlate(test, f, CODE, nops, sizeof(nops), &r);
	KUNIT_ASSERT_EQ(test, r, 0);
	KUNIT_EXPECT_EQ(test, blk->nr, (unsigned int)DUET_BT_MAX_INSNS);
	blk = XLATE(test, f, &r, 0x90, 0x90, 0xeb, 0x00, 0x90);
	KUNIT_ASSERT_EQ(test, r, 0);
	KUNIT_EXPECT_EQ(test, blk->nr, 3U);
	KUNIT_EXPECT_TRUE(test, blk->insns[2].ends);
	blk = XLATE(test, f, &r, 0x48, 0x89, 0xd8, 0xc3, 0x90);
	KUNIT_EXPECT_EQ(test, blk->nr, 2U);
	KUNIT_EXPECT_EQ(test, blk->gfn[0], CODE >> PAGE_SHIFT);
	KUNIT_EXPECT_EQ(test, blk->gfn[1], DUET_BT_NO_PAGE);
}

/* Privileged, sensitive and unhandled instructions: a block of none. */
static void bt_translate_hw(struct kunit *test)
{
	static const u8 hw[][4] = {
		{ 0x0f, 0xa2 },			/* cpuid */
		{ 0xe4, 0x60 },			/* in al, 0x60 */
		{ 0xee },			/* out dx, al */
		{ 0x6c },			/* insb */
		{ 0x0f, 0x32 },			/* rdmsr */
		{ 0x0f, 0x30 },			/* wrmsr */
		{ 0x0f, 0x22, 0xd8 },		/* mov cr3, rax */
		{ 0x0f, 0x23, 0xc0 },		/* mov dr0, rax */
		{ 0xfa },			/* cli */
		{ 0xfb },			/* sti */
		{ 0x9d },			/* popf */
		{ 0xf4 },			/* hlt */
		{ 0x0f, 0x01, 0x38 },		/* invlpg [rax] */
		{ 0x0f, 0x01, 0x10 },		/* lgdt [rax] */
		{ 0x0f, 0x01, 0xc1 },		/* vmcall */
		{ 0x0f, 0x01, 0xd9 },		/* vmmcall */
		{ 0xcc },			/* int3 */
		{ 0xcd, 0x80 },			/* int 0x80 */
		{ 0x48, 0xcf },			/* iretq */
		{ 0x0f, 0x05 },			/* syscall */
		{ 0xf3, 0xa4 },			/* rep movsb */
		{ 0xab },			/* stosd */
		{ 0x0f, 0x28, 0xc1 },		/* movaps xmm0, xmm1 */
		{ 0xd9, 0xc0 },			/* fld st0 */
		{ 0x8e, 0xd8 },			/* mov ds, ax */
		{ 0x0f, 0xa0 },			/* push fs */
		{ 0x66, 0xe8, 0, 0 },		/* call rel16 */
		{ 0xf0, 0x01, 0xc0 },		/* lock add eax, eax: #UD */
		{ 0x0f, 0xba, 0xd0, 1 },		/* bt eax, 1 with /2: #UD */
		{ 0xfe, 0xd0 },			/* fe /2: #UD */
		{ 0x0f, 0x0b },			/* ud2 */
		{ 0xf3, 0x0f, 0xb8, 0xc0 },	/* popcnt eax, eax */
	};
	struct bt_fake *f = fake_new(test);
	struct duet_bt_block *blk;
	unsigned int i;
	int r;

	for (i = 0; i < ARRAY_SIZE(hw); i++) {
		blk = xlate(test, f, CODE, hw[i], sizeof(hw[i]), &r);
		KUNIT_ASSERT_EQ(test, r, 0);
		KUNIT_EXPECT_EQ_MSG(test, blk->nr, 0U, "case %u", i);
	}
	/* A supported one ends the block before an unsupported one. */
	blk = XLATE(test, f, &r, 0x90, 0x0f, 0xa2);
	KUNIT_EXPECT_EQ(test, blk->nr, 1U);
	/* 32-bit mode is not translated (yet). */
	f->st.mode = DUET_X86_MODE_32;
	blk = XLATE(test, f, &r, 0x90, 0x90);
	KUNIT_ASSERT_EQ(test, r, 0);
	KUNIT_EXPECT_EQ(test, blk->nr, 0U);
}

/* The page end ends a block; an instruction across it takes both pages. */
static void bt_translate_page_end(struct kunit *test)
{
	static const u8 cross[] = { 0x90, 0x90, 0x48, 0xb8, 1, 2, 3, 4, 5, 6, 7, 8 };
	u64 end = CODE + PAGE_SIZE;
	struct bt_fake *f = fake_new(test);
	struct duet_bt_block *blk;
	u8 nops[32];
	int r;

	memset(nops, 0x90, sizeof(nops));
	blk = xlate(test, f, end - 16, nops, sizeof(nops), &r);
	KUNIT_ASSERT_EQ(test, r, 0);
	KUNIT_EXPECT_EQ(test, blk->nr, 16U);
	KUNIT_EXPECT_EQ(test, blk->gfn[1], DUET_BT_NO_PAGE);
	/* mov rax, imm64 starting 4 bytes before the end. */
	blk = xlate(test, f, end - 6, cross, sizeof(cross), &r);
	KUNIT_ASSERT_EQ(test, r, 0);
	KUNIT_EXPECT_EQ(test, blk->nr, 3U);
	KUNIT_EXPECT_EQ(test, blk->gfn[1], (end >> PAGE_SHIFT));
	KUNIT_EXPECT_EQ(test, blk->insns[2].insn.imm, 0x0807060504030201ULL);
	/* The next page faults: the block stops before the instruction. */
	f->fault_page = end;
	blk = xlate(test, f, end - 6, cross, sizeof(cross), &r);
	KUNIT_ASSERT_EQ(test, r, 0);
	KUNIT_EXPECT_EQ(test, blk->nr, 2U);
	KUNIT_EXPECT_EQ(test, blk->gfn[1], DUET_BT_NO_PAGE);
	/* ... and when it is the first, the fetch faults at the page end. */
	blk = xlate(test, f, end - 4, cross + 2, sizeof(cross) - 2, &r);
	KUNIT_EXPECT_EQ(test, r, DUET_BT_FAULT);
	KUNIT_EXPECT_NULL(test, blk);
	KUNIT_EXPECT_EQ(test, f->ctx.fault.cr2, end);
	KUNIT_EXPECT_TRUE(test, f->ctx.fault.error_code & DUET_PFERR_FETCH);
	/* Run it too: the fault is reported at the instruction's RIP. */
	f->st.rip = end - 4;
	KUNIT_EXPECT_EQ(test, duet_bt_run(&f->ctx, &f->st, 10), DUET_BT_EXIT_FAULT);
	KUNIT_EXPECT_EQ(test, f->st.rip, end - 4);
	/* Without the fault it runs. */
	f->fault_page = ~0ULL;
	f->mem[end + 6] = 0xf4;
	KUNIT_EXPECT_EQ(test, duet_bt_run(&f->ctx, &f->st, 10), DUET_BT_EXIT_HW_STEP);
	KUNIT_EXPECT_EQ(test, f->st.rip, end + 6);
	KUNIT_EXPECT_EQ(test, f->st.gpr[0], 0x0807060504030201ULL);
}

/* Instructions in a registered segment are marked, with its id. */
static void bt_translate_marks(struct kunit *test)
{
	struct bt_fake *f = fake_new(test);
	struct duet_bt_block *blk;
	int r;

	f->seg_start = CODE + 1;
	f->seg_end = CODE + 3;
	f->seg_id = 3;
	blk = XLATE(test, f, &r, 0x90, 0x90, 0x90, 0x90, 0xf4);
	KUNIT_ASSERT_EQ(test, r, 0);
	KUNIT_ASSERT_EQ(test, blk->nr, 4U);
	KUNIT_EXPECT_FALSE(test, blk->insns[0].vuln);
	KUNIT_EXPECT_TRUE(test, blk->insns[1].vuln);
	KUNIT_EXPECT_EQ(test, blk->insns[1].seg_id, 3U);
	KUNIT_EXPECT_TRUE(test, blk->insns[2].vuln);
	KUNIT_EXPECT_FALSE(test, blk->insns[3].vuln);
	KUNIT_EXPECT_EQ(test, blk->insns[3].seg_id, 0U);
}

static struct kunit_case duet_bt_translate_cases[] = {
	KUNIT_CASE(bt_translate_block_end),
	KUNIT_CASE(bt_translate_hw),
	KUNIT_CASE(bt_translate_page_end),
	KUNIT_CASE(bt_translate_marks),
	{}
};

static struct kunit_suite duet_bt_translate_suite = {
	.name = "duet_bt_translate",
	.test_cases = duet_bt_translate_cases,
};

kunit_test_suite(duet_bt_translate_suite);
