// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: module/svm/io.c, what exit_info_1 of a string IOIO exit says of
 * the address size and segment, with and without decode assists.
 */
#include <kunit/test.h>

#include "svm/svm_vcpu.h"
#include "x86/decode.h"

/* exit_info_1 of a string exit: STR, and the A16/A32/A64 and SEG fields. */
#define INFO(asz, seg)	(SVM_IOIO_STR | (asz) | ((seg) << SVM_IOIO_SEG_SHIFT))

static void info_of(u32 info, bool decode_assists, bool in,
		    struct duet_pio_exit *io)
{
	*io = (struct duet_pio_exit){ .in = in, .seg = -1 };
	svm_io_info(info, decode_assists, io);
}

static void io_info_address_size(struct kunit *test)
{
	struct duet_pio_exit io;

	info_of(INFO(SVM_IOIO_A16, 0), true, false, &io);
	KUNIT_EXPECT_EQ(test, io.ea_mask, 0xffffULL);
	info_of(INFO(SVM_IOIO_A32, 0), true, false, &io);
	KUNIT_EXPECT_EQ(test, io.ea_mask, 0xffffffffULL);
	info_of(INFO(SVM_IOIO_A64, 0), false, true, &io);
	KUNIT_EXPECT_EQ(test, io.ea_mask, ~0ULL);
	/* QEMU leaves the bits clear: unknown, the prefixes decide. */
	info_of(INFO(0, 0), true, false, &io);
	KUNIT_EXPECT_EQ(test, io.ea_mask, 0ULL);
}

static void io_info_segment(struct kunit *test)
{
	struct duet_pio_exit io;

	/* OUTS: the SEG field with decode assists... */
	info_of(INFO(SVM_IOIO_A64, SVM_SEG_FS), true, false, &io);
	KUNIT_EXPECT_EQ(test, io.seg, DUET_X86_SEG_FS);
	info_of(INFO(SVM_IOIO_A32, SVM_SEG_SS), true, false, &io);
	KUNIT_EXPECT_EQ(test, io.seg, DUET_X86_SEG_SS);
	/* ... not without them, nor beyond GS. */
	info_of(INFO(SVM_IOIO_A64, SVM_SEG_FS), false, false, &io);
	KUNIT_EXPECT_EQ(test, io.seg, -1);
	info_of(INFO(SVM_IOIO_A64, 7), true, false, &io);
	KUNIT_EXPECT_EQ(test, io.seg, -1);
	/* INS: always ES. */
	info_of(INFO(SVM_IOIO_A64, SVM_SEG_GS) | SVM_IOIO_TYPE_IN, true, true,
		&io);
	KUNIT_EXPECT_EQ(test, io.seg, DUET_X86_SEG_ES);
	info_of(INFO(0, 0) | SVM_IOIO_TYPE_IN, false, true, &io);
	KUNIT_EXPECT_EQ(test, io.seg, DUET_X86_SEG_ES);
}

static struct kunit_case duet_svm_io_cases[] = {
	KUNIT_CASE(io_info_address_size),
	KUNIT_CASE(io_info_segment),
	{}
};

static struct kunit_suite duet_svm_io_suite = {
	.name = "duet_svm_io",
	.test_cases = duet_svm_io_cases,
};

kunit_test_suite(duet_svm_io_suite);
