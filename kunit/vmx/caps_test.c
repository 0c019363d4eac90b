// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: module/vmx/caps.c, fed with capability MSRs recorded from Bochs
 * 2.7 (corei7_haswell_4770) and with values that each break one
 * requirement.
 */
#include <kunit/test.h>

#include "duet.h"
#include "vmx/vmx.h"

static const struct duet_vmx_raw bochs_haswell = {
	.cpuid1_ecx	= 0x7ffafbbf,	/* includes VMX (bit 5) */
	.feature_control = SDM_VMX_FEAT_CTL_LOCKED |
			   SDM_VMX_FEAT_CTL_VMXON_OUTSIDE_SMX,
	.basic		= 0x00d810000000002bULL,
	.procbased	= 0xfff9fffe0401e172ULL,
	.procbased2	= 0x00047fff00000000ULL,
	.ept_vpid_cap	= 0x00000f0106334141ULL,
	.la57		= false,
};

static void vmx_decode_bochs(struct kunit *test)
{
	struct duet_caps caps;

	KUNIT_ASSERT_EQ(test, duet_vmx_decode(&bochs_haswell, &caps), DUET_OK);
	KUNIT_EXPECT_EQ(test, caps.backend, (u32)DUET_BACKEND_VMX);
	KUNIT_EXPECT_TRUE(test, caps.nested_paging);
	KUNIT_EXPECT_EQ(test, caps.paging_levels, 4U);
	KUNIT_EXPECT_TRUE(test, caps.unrestricted_guest);
	KUNIT_EXPECT_TRUE(test, caps.vpid);
	KUNIT_EXPECT_EQ(test, caps.nr_asids, 65535U);
	KUNIT_EXPECT_TRUE(test, caps.large_pages_2m);
	KUNIT_EXPECT_TRUE(test, caps.large_pages_1g);
	KUNIT_EXPECT_TRUE(test, caps.accessed_dirty);
	/* SVM-only features never show up on VMX. */
	KUNIT_EXPECT_FALSE(test, caps.nrip_save);
	KUNIT_EXPECT_FALSE(test, caps.vgif);
}

static void vmx_decode_no_vmx(struct kunit *test)
{
	struct duet_vmx_raw raw = bochs_haswell;
	struct duet_caps caps;

	raw.cpuid1_ecx &= ~SDM_VMX_CPUID1_ECX_VMX;
	KUNIT_EXPECT_EQ(test, duet_vmx_decode(&raw, &caps), DUET_NO_VMX);
	KUNIT_EXPECT_EQ(test, caps.backend, 0U);
}

static void vmx_decode_feature_control(struct kunit *test)
{
	struct duet_vmx_raw raw = bochs_haswell;
	struct duet_caps caps;

	/* Locked without VMXON outside SMX: firmware disabled VMX. */
	raw.feature_control = SDM_VMX_FEAT_CTL_LOCKED;
	KUNIT_EXPECT_EQ(test, duet_vmx_decode(&raw, &caps), DUET_VMX_DISABLED);
	/* Unlocked: VMXON would #GP. */
	raw.feature_control = SDM_VMX_FEAT_CTL_VMXON_OUTSIDE_SMX;
	KUNIT_EXPECT_EQ(test, duet_vmx_decode(&raw, &caps), DUET_VMX_DISABLED);
	raw.feature_control = 0;
	KUNIT_EXPECT_EQ(test, duet_vmx_decode(&raw, &caps), DUET_VMX_DISABLED);
}

static void vmx_decode_bad_basic(struct kunit *test)
{
	struct duet_vmx_raw raw = bochs_haswell;
	struct duet_caps caps;

	/* VMCS size 0x1001: larger than a page. */
	raw.basic = (bochs_haswell.basic & ~(0x1fffULL << 32)) | (0x1001ULL << 32);
	KUNIT_EXPECT_EQ(test, duet_vmx_decode(&raw, &caps), DUET_VMX_BAD_BASIC);
	/* Memory type UC instead of WB. */
	raw.basic = bochs_haswell.basic & ~(0xfULL << 50);
	KUNIT_EXPECT_EQ(test, duet_vmx_decode(&raw, &caps), DUET_VMX_BAD_BASIC);
	/* Regions limited to 32-bit physical addresses. */
	raw.basic = bochs_haswell.basic | SDM_VMX_BASIC_32BIT_ADDRESSES;
	KUNIT_EXPECT_EQ(test, duet_vmx_decode(&raw, &caps), DUET_VMX_BAD_BASIC);
}

static void vmx_decode_no_ept(struct kunit *test)
{
	struct duet_vmx_raw raw = bochs_haswell;
	struct duet_caps caps;

	raw.procbased2 &= ~((u64)SDM_VMX_SECONDARY_ENABLE_EPT << 32);
	KUNIT_EXPECT_EQ(test, duet_vmx_decode(&raw, &caps), DUET_NO_EPT);

	raw = bochs_haswell;
	raw.procbased &= ~((u64)SDM_VMX_PROCBASED_ACTIVATE_SECONDARY << 32);
	KUNIT_EXPECT_EQ(test, duet_vmx_decode(&raw, &caps), DUET_NO_EPT);

	raw = bochs_haswell;
	raw.ept_vpid_cap &= ~SDM_VMX_EPT_MEMTYPE_WB;
	KUNIT_EXPECT_EQ(test, duet_vmx_decode(&raw, &caps), DUET_NO_EPT);

	raw = bochs_haswell;
	raw.ept_vpid_cap &= ~SDM_VMX_EPT_PAGE_WALK_4;
	KUNIT_EXPECT_EQ(test, duet_vmx_decode(&raw, &caps), DUET_NO_EPT);

	/* Allowed-0 bits (low half) do not grant a control. */
	raw = bochs_haswell;
	raw.procbased2 = (u64)SDM_VMX_SECONDARY_ENABLE_EPT;
	KUNIT_EXPECT_EQ(test, duet_vmx_decode(&raw, &caps), DUET_NO_EPT);
}

static void vmx_decode_optional_features(struct kunit *test)
{
	struct duet_vmx_raw raw = bochs_haswell;
	struct duet_caps caps;

	raw.procbased2 &= ~((u64)(SDM_VMX_SECONDARY_ENABLE_VPID |
				  SDM_VMX_SECONDARY_UNRESTRICTED_GUEST) << 32);
	raw.ept_vpid_cap &= ~(SDM_VMX_EPT_1GB_PAGE | SDM_VMX_EPT_AD);
	KUNIT_ASSERT_EQ(test, duet_vmx_decode(&raw, &caps), DUET_OK);
	KUNIT_EXPECT_FALSE(test, caps.vpid);
	KUNIT_EXPECT_EQ(test, caps.nr_asids, 0U);
	KUNIT_EXPECT_FALSE(test, caps.unrestricted_guest);
	KUNIT_EXPECT_FALSE(test, caps.large_pages_1g);
	KUNIT_EXPECT_FALSE(test, caps.accessed_dirty);
	KUNIT_EXPECT_TRUE(test, caps.large_pages_2m);

	/* VPID without INVVPID cannot be flushed: not usable. */
	raw = bochs_haswell;
	raw.ept_vpid_cap &= ~SDM_VMX_VPID_INVVPID;
	KUNIT_ASSERT_EQ(test, duet_vmx_decode(&raw, &caps), DUET_OK);
	KUNIT_EXPECT_FALSE(test, caps.vpid);
}

static struct kunit_case duet_vmx_caps_cases[] = {
	KUNIT_CASE(vmx_decode_bochs),
	KUNIT_CASE(vmx_decode_no_vmx),
	KUNIT_CASE(vmx_decode_feature_control),
	KUNIT_CASE(vmx_decode_bad_basic),
	KUNIT_CASE(vmx_decode_no_ept),
	KUNIT_CASE(vmx_decode_optional_features),
	{}
};

static struct kunit_suite duet_vmx_caps_suite = {
	.name = "duet_vmx_caps",
	.test_cases = duet_vmx_caps_cases,
};

kunit_test_suite(duet_vmx_caps_suite);
