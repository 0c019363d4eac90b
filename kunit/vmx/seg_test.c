// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: duet_vmx_ar_from_user() and duet_vmx_ar_to_user()
 * (module/vmx/vmx_vcpu.c), between duet's 12-bit VMCB segment attributes
 * and VMX access rights (SDM "Guest Register State": type 3:0, S 4,
 * DPL 6:5, P 7, AVL 12, L 13, D/B 14, G 15, unusable 16; 11:8 and 31:17
 * reserved).
 */
#include <kunit/test.h>

#include "duet.h"
#include "vmx/vmx_vcpu.h"

#define AR_RESERVED	(GENMASK(11, 8) | GENMASK(31, 17))

static const struct {
	const char *what;
	u32 attrib;			/* VMCB form */
	u32 ar;				/* VMX form, usable */
} segs[] = {
	{ "64-bit code",	0xa9b, 0xa09b },
	{ "32-bit code",	0xc9b, 0xc09b },
	{ "flat data",		0xc93, 0xc093 },
	{ "real-mode data",	0x093, 0x0093 },
	{ "ring-3 data",	0xcf3, 0xc0f3 },
	{ "busy 64-bit TSS",	0x08b, 0x008b },
	{ "LDT",		0x082, 0x0082 },
	{ "AVL set",		0x193, 0x1093 },
};

/* Present segments: the second group moves from 11:8 to 15:12. */
static void seg_known_descriptors(struct kunit *test)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(segs); i++) {
		KUNIT_EXPECT_EQ_MSG(test, duet_vmx_ar_from_user(segs[i].attrib,
								false),
				    segs[i].ar, "%s", segs[i].what);
		KUNIT_EXPECT_EQ_MSG(test, duet_vmx_ar_from_user(segs[i].attrib,
								true),
				    segs[i].ar, "%s", segs[i].what);
		KUNIT_EXPECT_EQ_MSG(test, duet_vmx_ar_to_user(segs[i].ar),
				    (u16)segs[i].attrib, "%s", segs[i].what);
	}
}

/* Not present (null selector, attrib 0 included): unusable... */
static void seg_not_present_unusable(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, duet_vmx_ar_from_user(0, false),
			(u32)VMX_AR_UNUSABLE);
	KUNIT_EXPECT_EQ(test, duet_vmx_ar_from_user(0xc13, false),
			(u32)VMX_AR_UNUSABLE | 0xc013);
	KUNIT_EXPECT_EQ(test, duet_vmx_ar_to_user(VMX_AR_UNUSABLE), 0);
	KUNIT_EXPECT_EQ(test, duet_vmx_ar_to_user(VMX_AR_UNUSABLE | 0xc013),
			0xc13);
}

/* ... but never CS or TR: not present, still usable. */
static void seg_cs_tr_always_usable(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, duet_vmx_ar_from_user(0, true), 0U);
	KUNIT_EXPECT_EQ(test, duet_vmx_ar_from_user(0x00b, true), 0x00bU);
	KUNIT_EXPECT_EQ(test, duet_vmx_ar_from_user(0xa1b, true), 0xa01bU);
	KUNIT_EXPECT_FALSE(test, duet_vmx_ar_from_user(0x01b, true) &
			   VMX_AR_UNUSABLE);
}

/* What the CPU stores for an unusable segment may keep P: it reads as 0. */
static void seg_unusable_reads_not_present(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, duet_vmx_ar_to_user(VMX_AR_UNUSABLE | 0xc093),
			0xc13);
	KUNIT_EXPECT_EQ(test, duet_vmx_ar_to_user(0xc093), 0xc93);
	/* Set back, it stays unusable. */
	KUNIT_EXPECT_EQ(test,
			duet_vmx_ar_from_user(duet_vmx_ar_to_user(VMX_AR_UNUSABLE |
								  0xc093),
					      false),
			(u32)VMX_AR_UNUSABLE | 0xc013);
}

/* Every 12-bit value survives the round trip; nothing reserved is set. */
static void seg_round_trip_all(struct kunit *test)
{
	u32 a;
	int always;

	for (always = 0; always < 2; always++) {
		for (a = 0; a < 0x1000; a++) {
			u32 ar = duet_vmx_ar_from_user(a, always);

			if (ar & AR_RESERVED) {
				KUNIT_FAIL(test, "attrib %#x: ar %#x", a, ar);
				return;
			}
			if (!!(ar & VMX_AR_UNUSABLE) !=
			    (!always && !(a & 0x80))) {
				KUNIT_FAIL(test, "attrib %#x: unusable wrong", a);
				return;
			}
			if (duet_vmx_ar_to_user(ar) != a) {
				KUNIT_FAIL(test, "attrib %#x came back %#x", a,
					   duet_vmx_ar_to_user(ar));
				return;
			}
		}
	}
}

/* Every usable VMX value without reserved bits survives the other way. */
static void seg_round_trip_ar(struct kunit *test)
{
	u32 hi, lo;

	for (hi = 0; hi < 0x10; hi++) {
		for (lo = 0x80; lo < 0x100; lo++) {
			u32 ar = hi << 12 | lo;

			KUNIT_ASSERT_EQ(test,
					duet_vmx_ar_from_user(duet_vmx_ar_to_user(ar),
							      false), ar);
		}
	}
}

/* Bits above the 12 of the VMCB form are not descriptor bits: dropped. */
static void seg_high_attrib_bits_dropped(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, duet_vmx_ar_from_user(0xf093, false), 0x0093U);
	KUNIT_EXPECT_EQ(test, duet_vmx_ar_from_user(0x10000 | 0xa9b, true),
			0xa09bU);
	KUNIT_EXPECT_EQ(test, duet_vmx_ar_to_user(0xa09b | 0xf00), 0xa9b);
}

static struct kunit_case duet_vmx_seg_cases[] = {
	KUNIT_CASE(seg_known_descriptors),
	KUNIT_CASE(seg_not_present_unusable),
	KUNIT_CASE(seg_cs_tr_always_usable),
	KUNIT_CASE(seg_unusable_reads_not_present),
	KUNIT_CASE(seg_round_trip_all),
	KUNIT_CASE(seg_round_trip_ar),
	KUNIT_CASE(seg_high_attrib_bits_dropped),
	{}
};

static struct kunit_suite duet_vmx_seg_suite = {
	.name = "duet_vmx_seg",
	.test_cases = duet_vmx_seg_cases,
};

kunit_test_suite(duet_vmx_seg_suite);
