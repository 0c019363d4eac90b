// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: module/vmx/io.c, what the VM-exit instruction information of an
 * INS/OUTS exit says of the address size and segment (SDM "VM-Exit
 * Instruction-Information Field"), and what it leaves to the prefixes
 * when IA32_VMX_BASIC bit 54 says it is not reported.
 */
#include <kunit/test.h>

#include "vmx/vmx_vcpu.h"
#include "x86/decode.h"

/* Address size in bits 9:7, segment register in bits 17:15. */
#define INFO(asz, seg)	(((asz) << 7) | ((seg) << 15))

static void info_of(u32 info, bool valid, bool in, struct duet_pio_exit *io)
{
	*io = (struct duet_pio_exit){ .in = in, .seg = -1 };
	vmx_io_info(info, valid, io);
}

static void io_info_address_size(struct kunit *test)
{
	struct duet_pio_exit io;

	info_of(INFO(0, 3), true, false, &io);
	KUNIT_EXPECT_EQ(test, io.ea_mask, 0xffffULL);
	info_of(INFO(1, 3), true, false, &io);
	KUNIT_EXPECT_EQ(test, io.ea_mask, 0xffffffffULL);
	info_of(INFO(2, 3), true, true, &io);
	KUNIT_EXPECT_EQ(test, io.ea_mask, ~0ULL);
	/* A reserved encoding, or no information: the prefixes decide. */
	info_of(INFO(3, 3), true, false, &io);
	KUNIT_EXPECT_EQ(test, io.ea_mask, 0ULL);
	info_of(INFO(2, 3), false, false, &io);
	KUNIT_EXPECT_EQ(test, io.ea_mask, 0ULL);
}

static void io_info_segment(struct kunit *test)
{
	struct duet_pio_exit io;

	/* OUTS: the reported segment, ES..GS. */
	info_of(INFO(2, DUET_X86_SEG_FS), true, false, &io);
	KUNIT_EXPECT_EQ(test, io.seg, DUET_X86_SEG_FS);
	info_of(INFO(1, DUET_X86_SEG_SS), true, false, &io);
	KUNIT_EXPECT_EQ(test, io.seg, DUET_X86_SEG_SS);
	info_of(INFO(1, DUET_X86_SEG_ES), true, false, &io);
	KUNIT_EXPECT_EQ(test, io.seg, DUET_X86_SEG_ES);
	/* Beyond GS, or not reported: unknown. */
	info_of(INFO(2, 6), true, false, &io);
	KUNIT_EXPECT_EQ(test, io.seg, -1);
	info_of(INFO(2, DUET_X86_SEG_FS), false, false, &io);
	KUNIT_EXPECT_EQ(test, io.seg, -1);
	/* INS: ES, whatever bits 17:15 hold (undefined for INS). */
	info_of(INFO(2, DUET_X86_SEG_GS), true, true, &io);
	KUNIT_EXPECT_EQ(test, io.seg, DUET_X86_SEG_ES);
	info_of(0, false, true, &io);
	KUNIT_EXPECT_EQ(test, io.seg, DUET_X86_SEG_ES);
}

static struct kunit_case duet_vmx_io_cases[] = {
	KUNIT_CASE(io_info_address_size),
	KUNIT_CASE(io_info_segment),
	{}
};

static struct kunit_suite duet_vmx_io_suite = {
	.name = "duet_vmx_io",
	.test_cases = duet_vmx_io_cases,
};

kunit_test_suite(duet_vmx_io_suite);
