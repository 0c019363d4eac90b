// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: module/pio.c, its pure parts: the prefix scan of INS/OUTS, the
 * address size and segment the prefixes give, the size of one batch of a
 * string, and the room a segment leaves.
 */
#include <kunit/test.h>

#include "duet.h"
#include "x86/decode.h"

#define SCAN(mode64, p, ...)						\
({									\
	static const u8 __insn[] = { __VA_ARGS__ };			\
	duet_pio_scan(__insn, sizeof(__insn), mode64, p);			\
})

static void io_scan_plain(struct kunit *test)
{
	struct duet_pio_insn p;

	/* rep outsb */
	KUNIT_ASSERT_EQ(test, SCAN(true, &p, 0xf3, 0x6e), 0);
	KUNIT_EXPECT_TRUE(test, p.rep);
	KUNIT_EXPECT_EQ(test, p.seg, -1);
	KUNIT_EXPECT_FALSE(test, p.addr_size);
	KUNIT_EXPECT_EQ(test, p.opcode, 0x6e);
	KUNIT_EXPECT_EQ(test, p.len, 2);
	/* insb, outsw (66h), insl */
	KUNIT_ASSERT_EQ(test, SCAN(true, &p, 0x6c), 0);
	KUNIT_EXPECT_FALSE(test, p.rep);
	KUNIT_EXPECT_EQ(test, p.len, 1);
	KUNIT_ASSERT_EQ(test, SCAN(true, &p, 0x66, 0x6f), 0);
	KUNIT_EXPECT_TRUE(test, p.op_size);
	KUNIT_ASSERT_EQ(test, SCAN(false, &p, 0x6d), 0);
	KUNIT_EXPECT_EQ(test, p.opcode, 0x6d);
}

static void io_scan_segment_override(struct kunit *test)
{
	struct duet_pio_insn p;

	/* fs rep outsb */
	KUNIT_ASSERT_EQ(test, SCAN(true, &p, 0x64, 0xf3, 0x6e), 0);
	KUNIT_EXPECT_EQ(test, p.seg, DUET_X86_SEG_FS);
	KUNIT_EXPECT_TRUE(test, p.rep);
	KUNIT_EXPECT_EQ(test, p.len, 3);
	/* rep gs outsl */
	KUNIT_ASSERT_EQ(test, SCAN(true, &p, 0xf3, 0x65, 0x6f), 0);
	KUNIT_EXPECT_EQ(test, p.seg, DUET_X86_SEG_GS);
	/* The last override wins. */
	KUNIT_ASSERT_EQ(test, SCAN(false, &p, 0x2e, 0x36, 0x6e), 0);
	KUNIT_EXPECT_EQ(test, p.seg, DUET_X86_SEG_SS);
	KUNIT_ASSERT_EQ(test, SCAN(false, &p, 0x26, 0x3e, 0x6e), 0);
	KUNIT_EXPECT_EQ(test, p.seg, DUET_X86_SEG_DS);
	KUNIT_ASSERT_EQ(test, SCAN(false, &p, 0x3e, 0x26, 0x6e), 0);
	KUNIT_EXPECT_EQ(test, p.seg, DUET_X86_SEG_ES);
	KUNIT_ASSERT_EQ(test, SCAN(false, &p, 0x2e, 0x6e), 0);
	KUNIT_EXPECT_EQ(test, p.seg, DUET_X86_SEG_CS);
}

static void io_scan_address_size(struct kunit *test)
{
	struct duet_pio_insn p;

	/* addr32 rep outsb, and with fs: in between */
	KUNIT_ASSERT_EQ(test, SCAN(true, &p, 0x67, 0xf3, 0x6e), 0);
	KUNIT_EXPECT_TRUE(test, p.addr_size);
	KUNIT_EXPECT_TRUE(test, p.rep);
	KUNIT_ASSERT_EQ(test, SCAN(true, &p, 0x67, 0x64, 0xf3, 0x6e), 0);
	KUNIT_EXPECT_TRUE(test, p.addr_size);
	KUNIT_EXPECT_EQ(test, p.seg, DUET_X86_SEG_FS);
	KUNIT_EXPECT_EQ(test, p.len, 4);
}

static void io_scan_rex(struct kunit *test)
{
	struct duet_pio_insn p;

	/* REX.W right before the opcode counts. */
	KUNIT_ASSERT_EQ(test, SCAN(true, &p, 0xf3, 0x48, 0x6f), 0);
	KUNIT_EXPECT_EQ(test, p.rex, 0x48);
	KUNIT_EXPECT_TRUE(test, p.rep);
	/* A REX followed by a legacy prefix is void. */
	KUNIT_ASSERT_EQ(test, SCAN(true, &p, 0x48, 0x64, 0x6e), 0);
	KUNIT_EXPECT_EQ(test, p.rex, 0);
	KUNIT_EXPECT_EQ(test, p.seg, DUET_X86_SEG_FS);
	/* Outside 64-bit mode 48h is DEC EAX, not a prefix. */
	KUNIT_EXPECT_EQ(test, SCAN(false, &p, 0x48, 0x6e), -EINVAL);
}

static void io_scan_not_string_io(struct kunit *test)
{
	struct duet_pio_insn p;

	/* out %al, $0x80; in (%dx); truncated; 15 prefixes and no opcode */
	KUNIT_EXPECT_EQ(test, SCAN(true, &p, 0xe6, 0x80), -EINVAL);
	KUNIT_EXPECT_EQ(test, SCAN(true, &p, 0xec), -EINVAL);
	KUNIT_EXPECT_EQ(test, SCAN(true, &p, 0xf3, 0x64), -EINVAL);
	KUNIT_EXPECT_EQ(test, duet_pio_scan(NULL, 0, true, &p), -EINVAL);
	KUNIT_EXPECT_EQ(test, SCAN(true, &p, 0x66, 0x66, 0x66, 0x66, 0x66,
				   0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
				   0x66, 0x66, 0x66, 0x6e), -EINVAL);
}

#define U64_ALL		(~0ULL)

static void io_batch_single(struct kunit *test)
{
	/* No REP: one element, whatever else. */
	KUNIT_EXPECT_EQ(test, duet_pio_batch(1, 0x1000, U64_ALL, 0, 4, false,
					     U64_ALL), 1U);
	KUNIT_EXPECT_EQ(test, duet_pio_batch(1, 0, 0xffff, 0, 2, true, 2), 1U);
	/* Nothing left, nothing moves. */
	KUNIT_EXPECT_EQ(test, duet_pio_batch(0, 0x1000, U64_ALL, 0, 1, false,
					     U64_ALL), 0U);
}

static void io_batch_page(struct kunit *test)
{
	/* A whole page, then up to the end of the page. */
	KUNIT_EXPECT_EQ(test, duet_pio_batch(100000, 0x1000, U64_ALL, 0, 1,
					     false, U64_ALL), 4096U);
	KUNIT_EXPECT_EQ(test, duet_pio_batch(100000, 0x1ff0, U64_ALL, 0xff0, 1,
					     false, U64_ALL), 16U);
	KUNIT_EXPECT_EQ(test, duet_pio_batch(100000, 0x1000, U64_ALL, 0, 4,
					     false, U64_ALL), 1024U);
	KUNIT_EXPECT_EQ(test, duet_pio_batch(100000, 0x1ff8, U64_ALL, 0xff8, 4,
					     false, U64_ALL), 2U);
	/* Fewer left than fit. */
	KUNIT_EXPECT_EQ(test, duet_pio_batch(3, 0x1000, U64_ALL, 0, 2, false,
					     U64_ALL), 3U);
	/* A straddling first element goes alone. */
	KUNIT_EXPECT_EQ(test, duet_pio_batch(100, 0x1ffe, U64_ALL, 0xffe, 4,
					     false, U64_ALL), 1U);
	KUNIT_EXPECT_EQ(test, duet_pio_batch(100, 0x1fff, U64_ALL, 0xfff, 2,
					     true, U64_ALL), 1U);
	/* The page offset is the linear address's, not the register's. */
	KUNIT_EXPECT_EQ(test, duet_pio_batch(100000, 0x1000, U64_ALL, 0x800, 1,
					     false, U64_ALL), 2048U);
}

static void io_batch_down(struct kunit *test)
{
	/* DF=1: from the first element down to the start of its page. */
	KUNIT_EXPECT_EQ(test, duet_pio_batch(100000, 0x1010, U64_ALL, 0x10, 1,
					     true, U64_ALL), 17U);
	KUNIT_EXPECT_EQ(test, duet_pio_batch(100000, 0x1008, U64_ALL, 0x8, 4,
					     true, U64_ALL), 3U);
	KUNIT_EXPECT_EQ(test, duet_pio_batch(100000, 0x1ffc, U64_ALL, 0xffc, 4,
					     true, U64_ALL), 1024U);
	KUNIT_EXPECT_EQ(test, duet_pio_batch(5, 0x1ffc, U64_ALL, 0xffc, 4, true,
					     U64_ALL), 5U);
}

static void io_batch_address_size(struct kunit *test)
{
	/* A16: the effective address wraps at 64 KiB. */
	KUNIT_EXPECT_EQ(test, duet_pio_batch(100000, 0xfff0, 0xffff, 0, 1,
					     false, U64_ALL), 16U);
	KUNIT_EXPECT_EQ(test, duet_pio_batch(100000, 0xfffc, 0xffff, 0, 2,
					     false, U64_ALL), 2U);
	KUNIT_EXPECT_EQ(test, duet_pio_batch(100000, 3, 0xffff, 0x800, 2, true,
					     U64_ALL), 2U);
	/* A32 up to 4 GiB. */
	KUNIT_EXPECT_EQ(test, duet_pio_batch(100000, 0xfffffffe, 0xffffffff,
					     0, 1, false, U64_ALL), 2U);
	/* Counts far beyond a page: still one page of data. */
	KUNIT_EXPECT_EQ(test, duet_pio_batch(U64_ALL, 0, U64_ALL, 0, 1, false,
					     U64_ALL), 4096U);
}

static void io_batch_segment_room(struct kunit *test)
{
	/* Ten bytes of segment left: two dwords. */
	KUNIT_EXPECT_EQ(test, duet_pio_batch(100, 0xfff6, 0xffff, 0, 4, false,
					     10), 2U);
	KUNIT_EXPECT_EQ(test, duet_pio_batch(100, 8, 0xffff, 0x800, 4, true, 12),
			3U);
}

static void io_seg_room(struct kunit *test)
{
	struct duet_pio_seg data = { .attrib = 0x93, .limit = 0xffff };
	struct duet_pio_seg down = { .attrib = 0x97, .limit = 0x0fff };
	struct duet_pio_seg code = { .attrib = 0x9b, .limit = 0xffff };

	/* Expand-up: up to the limit, or down to 0. */
	KUNIT_EXPECT_EQ(test, duet_pio_seg_room(&data, 0xfff0, 4, false, true,
						true), 16ULL);
	KUNIT_EXPECT_EQ(test, duet_pio_seg_room(&data, 0xfff0, 4, true, true,
						true), 0xfff4ULL);
	KUNIT_EXPECT_EQ(test, duet_pio_seg_room(&data, 0xfffe, 4, false, false,
						true), 0ULL);
	KUNIT_EXPECT_EQ(test, duet_pio_seg_room(&data, 0x10000, 1, false, false,
						true), 0ULL);
	/* Expand-down, 16-bit: offsets 0x1000..0xffff. */
	KUNIT_EXPECT_EQ(test, duet_pio_seg_room(&down, 0x1000, 1, false, true,
						true), 0xf000ULL);
	KUNIT_EXPECT_EQ(test, duet_pio_seg_room(&down, 0x1003, 2, true, true,
						true), 5ULL);
	KUNIT_EXPECT_EQ(test, duet_pio_seg_room(&down, 0xfff, 1, false, true,
						true), 0ULL);
	/* Code: readable for OUTS, never writable for INS. */
	KUNIT_EXPECT_EQ(test, duet_pio_seg_room(&code, 0, 1, false, false, true),
			0x10000ULL);
	KUNIT_EXPECT_EQ(test, duet_pio_seg_room(&code, 0, 1, false, true, true),
			0ULL);
	code.attrib = 0x99;	/* execute-only */
	KUNIT_EXPECT_EQ(test, duet_pio_seg_room(&code, 0, 1, false, false, true),
			0ULL);
	/* Read-only data for INS; not present; real mode skips the type. */
	data.attrib = 0x91;
	KUNIT_EXPECT_EQ(test, duet_pio_seg_room(&data, 0, 1, false, true, true),
			0ULL);
	KUNIT_EXPECT_EQ(test, duet_pio_seg_room(&data, 0, 1, false, false, true),
			0x10000ULL);
	KUNIT_EXPECT_EQ(test, duet_pio_seg_room(&data, 0, 1, false, true, false),
			0x10000ULL);
	data.attrib = 0x13;
	KUNIT_EXPECT_EQ(test, duet_pio_seg_room(&data, 0, 1, false, false, true),
			0ULL);
}

/* What an exit that tells nothing of address size and segment leaves. */
static void unknown(struct duet_pio_exit *io, bool in, bool mode64)
{
	*io = (struct duet_pio_exit){ .in = in, .mode64 = mode64, .seg = -1 };
}

static void io_use_prefixes(struct kunit *test)
{
	struct duet_pio_insn p = { .seg = -1 };
	struct duet_pio_exit io;

	/* 64-bit mode: 64-bit addresses, 32 with 67h; OUTS through DS. */
	unknown(&io, false, true);
	duet_pio_use_prefixes(&io, &p, false);
	KUNIT_EXPECT_EQ(test, io.ea_mask, ~0ULL);
	KUNIT_EXPECT_EQ(test, io.seg, DUET_X86_SEG_DS);
	p.addr_size = true;
	p.seg = DUET_X86_SEG_FS;
	unknown(&io, false, true);
	duet_pio_use_prefixes(&io, &p, false);
	KUNIT_EXPECT_EQ(test, io.ea_mask, 0xffffffffULL);
	KUNIT_EXPECT_EQ(test, io.seg, DUET_X86_SEG_FS);
	/* INS: ES whatever the override. */
	unknown(&io, true, true);
	duet_pio_use_prefixes(&io, &p, false);
	KUNIT_EXPECT_EQ(test, io.seg, DUET_X86_SEG_ES);
	/* Legacy modes: CS.D flipped by 67h. */
	unknown(&io, false, false);
	duet_pio_use_prefixes(&io, &p, true);
	KUNIT_EXPECT_EQ(test, io.ea_mask, 0xffffULL);
	p.addr_size = false;
	unknown(&io, false, false);
	duet_pio_use_prefixes(&io, &p, true);
	KUNIT_EXPECT_EQ(test, io.ea_mask, 0xffffffffULL);
	unknown(&io, false, false);
	duet_pio_use_prefixes(&io, &p, false);
	KUNIT_EXPECT_EQ(test, io.ea_mask, 0xffffULL);
	/* What the exit already said stays. */
	io = (struct duet_pio_exit){ .ea_mask = 0xffffffff,
				     .seg = DUET_X86_SEG_GS };
	duet_pio_use_prefixes(&io, &p, false);
	KUNIT_EXPECT_EQ(test, io.ea_mask, 0xffffffffULL);
	KUNIT_EXPECT_EQ(test, io.seg, DUET_X86_SEG_GS);
}

static struct kunit_case duet_pio_cases[] = {
	KUNIT_CASE(io_scan_plain),
	KUNIT_CASE(io_scan_segment_override),
	KUNIT_CASE(io_scan_address_size),
	KUNIT_CASE(io_scan_rex),
	KUNIT_CASE(io_scan_not_string_io),
	KUNIT_CASE(io_batch_single),
	KUNIT_CASE(io_batch_page),
	KUNIT_CASE(io_batch_down),
	KUNIT_CASE(io_batch_address_size),
	KUNIT_CASE(io_batch_segment_room),
	KUNIT_CASE(io_seg_room),
	KUNIT_CASE(io_use_prefixes),
	{}
};

static struct kunit_suite duet_pio_suite = {
	.name = "duet_pio",
	.test_cases = duet_pio_cases,
};

kunit_test_suite(duet_pio_suite);
