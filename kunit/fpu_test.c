// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: module/fpu.c, the check of XSAVE images from DUET_SET_XSAVE.
 */
#include <kunit/test.h>
#include <linux/slab.h>

#include "duet.h"

#define IMAGE_SIZE	832		/* legacy + header + AVX, as XCR0 = 7 */
#define XCR0		0x7ULL		/* x87, SSE, AVX */
#define MXCSR_MASK	0xffffU		/* with DAZ */
#define OFF_MXCSR	24
#define OFF_XSTATE_BV	512
#define OFF_XCOMP_BV	520
#define OFF_RESERVED	528

/* A valid image: init MXCSR, x87 and SSE in use, AVX in its init state. */
static u8 *good_image(struct kunit *test)
{
	u8 *img = kunit_kzalloc(test, IMAGE_SIZE, GFP_KERNEL);
	u32 mxcsr = 0x1f80;
	u64 bv = 0x3;

	KUNIT_ASSERT_NOT_NULL(test, img);
	img[0] = 0x7f;			/* FCW 0x037f */
	img[1] = 0x03;
	memcpy(img + OFF_MXCSR, &mxcsr, sizeof(mxcsr));
	memcpy(img + OFF_XSTATE_BV, &bv, sizeof(bv));
	return img;
}

static int check(const u8 *img, u32 size)
{
	return duet_fpu_check_xsave(img, size, IMAGE_SIZE, XCR0, MXCSR_MASK);
}

static void put64(u8 *img, unsigned int off, u64 v)
{
	memcpy(img + off, &v, sizeof(v));
}

static void fpu_xsave_good(struct kunit *test)
{
	u8 *img = good_image(test);
	u32 mxcsr = 0xffff;		/* every bit the mask allows */

	KUNIT_EXPECT_EQ(test, check(img, IMAGE_SIZE), 0);
	/* Every XCR0 feature in use, or none (all in the init state). */
	put64(img, OFF_XSTATE_BV, XCR0);
	KUNIT_EXPECT_EQ(test, check(img, IMAGE_SIZE), 0);
	put64(img, OFF_XSTATE_BV, 0);
	KUNIT_EXPECT_EQ(test, check(img, IMAGE_SIZE), 0);
	memcpy(img + OFF_MXCSR, &mxcsr, sizeof(mxcsr));
	KUNIT_EXPECT_EQ(test, check(img, IMAGE_SIZE), 0);
	/* Bytes XRSTOR ignores: the legacy area's reserved tail. */
	img[500] = 0xff;
	KUNIT_EXPECT_EQ(test, check(img, IMAGE_SIZE), 0);
}

static void fpu_xsave_bad_size(struct kunit *test)
{
	u8 *img = good_image(test);

	KUNIT_EXPECT_EQ(test, check(img, IMAGE_SIZE - 64), -EINVAL);
	KUNIT_EXPECT_EQ(test, check(img, IMAGE_SIZE + 64), -EINVAL);
	KUNIT_EXPECT_EQ(test, check(img, 0), -EINVAL);
	/* Too short for a header even when the sizes agree. */
	KUNIT_EXPECT_EQ(test, duet_fpu_check_xsave(img, 512, 512, XCR0,
						   MXCSR_MASK), -EINVAL);
}

static void fpu_xsave_bad_xstate_bv(struct kunit *test)
{
	u8 *img = good_image(test);

	put64(img, OFF_XSTATE_BV, XCR0 | BIT_ULL(9));	/* PKRU, not in XCR0 */
	KUNIT_EXPECT_EQ(test, check(img, IMAGE_SIZE), -EINVAL);
	put64(img, OFF_XSTATE_BV, BIT_ULL(63));
	KUNIT_EXPECT_EQ(test, check(img, IMAGE_SIZE), -EINVAL);
}

static void fpu_xsave_bad_xcomp_bv(struct kunit *test)
{
	u8 *img = good_image(test);

	/* The compacted form, even one that names only XCR0 features. */
	put64(img, OFF_XCOMP_BV, BIT_ULL(63) | 0x3);
	KUNIT_EXPECT_EQ(test, check(img, IMAGE_SIZE), -EINVAL);
	put64(img, OFF_XCOMP_BV, 0x1);
	KUNIT_EXPECT_EQ(test, check(img, IMAGE_SIZE), -EINVAL);
}

static void fpu_xsave_bad_reserved(struct kunit *test)
{
	unsigned int off;

	/* Each of the header's 48 reserved bytes on its own. */
	for (off = OFF_RESERVED; off < OFF_XSTATE_BV + 64; off++) {
		u8 *img = good_image(test);

		img[off] = 1;
		KUNIT_EXPECT_EQ_MSG(test, check(img, IMAGE_SIZE), -EINVAL,
				    "header byte %u", off - OFF_XSTATE_BV);
	}
}

static void fpu_xsave_bad_mxcsr(struct kunit *test)
{
	u8 *img = good_image(test);
	u32 mxcsr = 0x1f80 | BIT(16);	/* reserved bit */

	memcpy(img + OFF_MXCSR, &mxcsr, sizeof(mxcsr));
	KUNIT_EXPECT_EQ(test, check(img, IMAGE_SIZE), -EINVAL);
	/* Checked even when SSE is in its init state (XSTATE_BV[1] = 0). */
	put64(img, OFF_XSTATE_BV, 0);
	KUNIT_EXPECT_EQ(test, check(img, IMAGE_SIZE), -EINVAL);
	/* DAZ (bit 6) on a CPU whose mask lacks it: the 0xffbf default. */
	mxcsr = 0x1f80 | BIT(6);
	memcpy(img + OFF_MXCSR, &mxcsr, sizeof(mxcsr));
	KUNIT_EXPECT_EQ(test, duet_fpu_check_xsave(img, IMAGE_SIZE, IMAGE_SIZE,
						   XCR0, 0xffbf), -EINVAL);
	KUNIT_EXPECT_EQ(test, check(img, IMAGE_SIZE), 0);
}

static struct kunit_case duet_fpu_cases[] = {
	KUNIT_CASE(fpu_xsave_good),
	KUNIT_CASE(fpu_xsave_bad_size),
	KUNIT_CASE(fpu_xsave_bad_xstate_bv),
	KUNIT_CASE(fpu_xsave_bad_xcomp_bv),
	KUNIT_CASE(fpu_xsave_bad_reserved),
	KUNIT_CASE(fpu_xsave_bad_mxcsr),
	{}
};

static struct kunit_suite duet_fpu_suite = {
	.name = "duet_fpu",
	.test_cases = duet_fpu_cases,
};

kunit_test_suite(duet_fpu_suite);
