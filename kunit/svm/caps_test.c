// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: module/svm/caps.c, fed with CPUID/MSR values recorded from
 * machines and with values that each break one requirement.
 */
#include <kunit/test.h>

#include "duet.h"
#include "svm/svm.h"

/*
 * QEMU 7.2 TCG, -cpu max, as seen by the test machine: SVM, 16 ASIDs,
 * nested paging and vGIF; no nrip_save, clean bits, flush-by-ASID or
 * decode assists.
 */
static const struct duet_svm_raw qemu_tcg_max = {
	.ext1_ecx	= 0x00000ff7,	/* includes SVM (bit 2) */
	.ext1_edx	= 0x2fd3fbff,	/* includes Page1GB (bit 26) */
	.svm_eax	= 0x00000001,
	.svm_ebx	= 0x00000010,
	.svm_edx	= APM_SVM_FEATURE_NP | APM_SVM_FEATURE_VGIF,
	.vm_cr		= 0,
	.la57		= true,
};

/*
 * A full-featured server part (every feature bit duet decodes set, 32768
 * ASIDs), firmware having locked VM_CR with SVM allowed.
 */
static const struct duet_svm_raw epyc_full = {
	.ext1_ecx	= 0x75c237ff,
	.ext1_edx	= 0x2fd3fbff,
	.svm_eax	= 0x00000001,
	.svm_ebx	= 0x00008000,
	.svm_edx	= 0x0001bcff,
	.vm_cr		= APM_SVM_VM_CR_LOCK,
	.la57		= false,
};

static void svm_decode_qemu_tcg(struct kunit *test)
{
	struct duet_caps caps;

	KUNIT_ASSERT_EQ(test, duet_svm_decode(&qemu_tcg_max, &caps), DUET_OK);
	KUNIT_EXPECT_EQ(test, caps.backend, (u32)DUET_BACKEND_SVM);
	KUNIT_EXPECT_TRUE(test, caps.nested_paging);
	KUNIT_EXPECT_EQ(test, caps.paging_levels, 5U);
	/* ASID 0 is the host's. */
	KUNIT_EXPECT_EQ(test, caps.nr_asids, 15U);
	KUNIT_EXPECT_FALSE(test, caps.nrip_save);
	KUNIT_EXPECT_FALSE(test, caps.decode_assists);
	KUNIT_EXPECT_FALSE(test, caps.flush_by_asid);
	KUNIT_EXPECT_FALSE(test, caps.vmcb_clean);
	KUNIT_EXPECT_TRUE(test, caps.vgif);
	KUNIT_EXPECT_TRUE(test, caps.large_pages_2m);
	KUNIT_EXPECT_TRUE(test, caps.large_pages_1g);
	KUNIT_EXPECT_FALSE(test, caps.unrestricted_guest);
	KUNIT_EXPECT_FALSE(test, caps.vpid);
}

static void svm_decode_4level_host(struct kunit *test)
{
	struct duet_svm_raw raw = qemu_tcg_max;
	struct duet_caps caps;

	raw.la57 = false;
	KUNIT_ASSERT_EQ(test, duet_svm_decode(&raw, &caps), DUET_OK);
	KUNIT_EXPECT_EQ(test, caps.paging_levels, 4U);
}

static void svm_decode_full_features(struct kunit *test)
{
	struct duet_caps caps;

	KUNIT_ASSERT_EQ(test, duet_svm_decode(&epyc_full, &caps), DUET_OK);
	KUNIT_EXPECT_EQ(test, caps.nr_asids, 32767U);
	KUNIT_EXPECT_TRUE(test, caps.nrip_save);
	KUNIT_EXPECT_TRUE(test, caps.decode_assists);
	KUNIT_EXPECT_TRUE(test, caps.flush_by_asid);
	KUNIT_EXPECT_TRUE(test, caps.vmcb_clean);
	KUNIT_EXPECT_TRUE(test, caps.vgif);
	KUNIT_EXPECT_EQ(test, caps.paging_levels, 4U);
}

static void svm_decode_no_1g(struct kunit *test)
{
	struct duet_svm_raw raw = epyc_full;
	struct duet_caps caps;

	raw.ext1_edx &= ~APM_SVM_CPUID_EXT1_EDX_PAGE1GB;
	KUNIT_ASSERT_EQ(test, duet_svm_decode(&raw, &caps), DUET_OK);
	KUNIT_EXPECT_FALSE(test, caps.large_pages_1g);
	KUNIT_EXPECT_TRUE(test, caps.large_pages_2m);
}

static void svm_decode_no_svm(struct kunit *test)
{
	struct duet_svm_raw raw = qemu_tcg_max;
	struct duet_caps caps;

	raw.ext1_ecx &= ~APM_SVM_CPUID_EXT1_ECX_SVM;
	KUNIT_EXPECT_EQ(test, duet_svm_decode(&raw, &caps), DUET_NO_SVM);
	/* A refusal leaves no half-filled capabilities behind. */
	KUNIT_EXPECT_EQ(test, caps.backend, 0U);
	KUNIT_EXPECT_FALSE(test, caps.nested_paging);
}

static void svm_decode_disabled_by_firmware(struct kunit *test)
{
	struct duet_svm_raw raw = epyc_full;
	struct duet_caps caps;

	raw.vm_cr = APM_SVM_VM_CR_SVMDIS | APM_SVM_VM_CR_LOCK;
	KUNIT_EXPECT_EQ(test, duet_svm_decode(&raw, &caps), DUET_SVM_DISABLED);
	raw.vm_cr = APM_SVM_VM_CR_SVMDIS;
	KUNIT_EXPECT_EQ(test, duet_svm_decode(&raw, &caps), DUET_SVM_DISABLED);
	KUNIT_EXPECT_EQ(test, caps.backend, 0U);
}

static void svm_decode_no_npt(struct kunit *test)
{
	struct duet_svm_raw raw = epyc_full;
	struct duet_caps caps;

	raw.svm_edx &= ~APM_SVM_FEATURE_NP;
	KUNIT_EXPECT_EQ(test, duet_svm_decode(&raw, &caps), DUET_NO_NPT);
}

static void svm_decode_too_few_asids(struct kunit *test)
{
	struct duet_svm_raw raw = qemu_tcg_max;
	struct duet_caps caps;

	raw.svm_ebx = 1;
	KUNIT_EXPECT_EQ(test, duet_svm_decode(&raw, &caps), DUET_NO_ASIDS);
	raw.svm_ebx = 0;
	KUNIT_EXPECT_EQ(test, duet_svm_decode(&raw, &caps), DUET_NO_ASIDS);
	raw.svm_ebx = 2;
	KUNIT_ASSERT_EQ(test, duet_svm_decode(&raw, &caps), DUET_OK);
	KUNIT_EXPECT_EQ(test, caps.nr_asids, 1U);
}

static struct kunit_case duet_svm_caps_cases[] = {
	KUNIT_CASE(svm_decode_qemu_tcg),
	KUNIT_CASE(svm_decode_4level_host),
	KUNIT_CASE(svm_decode_full_features),
	KUNIT_CASE(svm_decode_no_1g),
	KUNIT_CASE(svm_decode_no_svm),
	KUNIT_CASE(svm_decode_disabled_by_firmware),
	KUNIT_CASE(svm_decode_no_npt),
	KUNIT_CASE(svm_decode_too_few_asids),
	{}
};

static struct kunit_suite duet_svm_caps_suite = {
	.name = "duet_svm_caps",
	.test_cases = duet_svm_caps_cases,
};

kunit_test_suite(duet_svm_caps_suite);
