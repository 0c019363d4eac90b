// SPDX-License-Identifier: GPL-2.0
/*
 * caps.c: print caps-get replies built here, as the module would send
 * them, in text and JSON.
 */
#include <errno.h>
#include <stdlib.h>
#include <linux/duet.h>
#include <linux/duet_netlink.h>
#include <linux/genetlink.h>
#include <linux/types.h>

#include "check.h"
#include "cli.h"

/* Words, not chars: netlink messages are 4-byte aligned. */
static __u32 buf[1024];

static struct nlmsghdr *reply_start(void)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *genl;

	nlh->nlmsg_type = 0x20;
	genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	genl->cmd = DUET_CMD_CAPS_GET;
	genl->version = DUET_FAMILY_VERSION;
	return nlh;
}

/* An SVM machine; attributes in a different order from the output. */
static struct nlmsghdr *reply_svm(void)
{
	struct nlmsghdr *nlh = reply_start();

	mnl_attr_put_u32(nlh, DUET_A_CAPS_API_VERSION, 1);
	mnl_attr_put_u32(nlh, DUET_A_CAPS_BACKEND, DUET_BACKEND_SVM);
	mnl_attr_put_u8(nlh, DUET_A_CAPS_NESTED_PAGING, 1);
	mnl_attr_put_u32(nlh, DUET_A_CAPS_PAGING_LEVELS, 5);
	mnl_attr_put_u32(nlh, DUET_A_CAPS_NR_ASIDS, 16);
	mnl_attr_put_u8(nlh, DUET_A_CAPS_NRIP_SAVE, 0);
	mnl_attr_put_u8(nlh, DUET_A_CAPS_DECODE_ASSISTS, 1);
	mnl_attr_put_u8(nlh, DUET_A_CAPS_FLUSH_BY_ASID, 1);
	mnl_attr_put_u8(nlh, DUET_A_CAPS_VMCB_CLEAN, 1);
	mnl_attr_put_u8(nlh, DUET_A_CAPS_VGIF, 0);
	mnl_attr_put_u8(nlh, DUET_A_CAPS_UNRESTRICTED_GUEST, 0);
	mnl_attr_put_u8(nlh, DUET_A_CAPS_VPID, 0);
	mnl_attr_put_u8(nlh, DUET_A_CAPS_LARGE_PAGES_2M, 1);
	mnl_attr_put_u8(nlh, DUET_A_CAPS_LARGE_PAGES_1G, 1);
	mnl_attr_put_u8(nlh, DUET_A_CAPS_ACCESSED_DIRTY, 0);
	mnl_attr_put_u32(nlh, DUET_A_CAPS_NR_CPUS, 2);
	return nlh;
}

/* Run caps_reply_cb() on @nlh; return its output (free() it) and result. */
static char *run(const struct nlmsghdr *nlh, bool json, int *ret)
{
	struct print_ctx ctx;
	char *out = NULL;
	size_t len;
	FILE *fp;

	fp = open_memstream(&out, &len);
	print_init(&ctx, fp, json, false);
	*ret = caps_reply_cb(nlh, &ctx);
	fclose(fp);
	return out;
}

static void test_full(void)
{
	char *out;
	int ret;

	out = run(reply_svm(), false, &ret);
	CHECK(ret == MNL_CB_OK, "text ok");
	CHECK_STR(out,
		  "backend svm api-version 1 nested-paging true paging-levels 5 nr-asids 16 nrip-save false decode-assists true flush-by-asid true vmcb-clean true vgif false unrestricted-guest false vpid false large-pages-2m true large-pages-1g true accessed-dirty false nr-cpus 2\n",
		  "text");
	free(out);

	out = run(reply_svm(), true, &ret);
	CHECK(ret == MNL_CB_OK, "json ok");
	CHECK_STR(out,
		  "{\"backend\":\"svm\",\"api-version\":1,\"nested-paging\":true,\"paging-levels\":5,\"nr-asids\":16,\"nrip-save\":false,\"decode-assists\":true,\"flush-by-asid\":true,\"vmcb-clean\":true,\"vgif\":false,\"unrestricted-guest\":false,\"vpid\":false,\"large-pages-2m\":true,\"large-pages-1g\":true,\"accessed-dirty\":false,\"nr-cpus\":2}\n",
		  "json");
	free(out);
}

/* `caps show cap vpid` on VMX: the backend and the one capability. */
static void test_one(void)
{
	struct nlmsghdr *nlh = reply_start();
	char *out;
	int ret;

	mnl_attr_put_u32(nlh, DUET_A_CAPS_BACKEND, DUET_BACKEND_VMX);
	mnl_attr_put_u8(nlh, DUET_A_CAPS_VPID, 1);
	out = run(nlh, false, &ret);
	CHECK_STR(out, "backend vmx vpid true\n", "one text");
	free(out);
	out = run(nlh, true, &ret);
	CHECK_STR(out, "{\"backend\":\"vmx\",\"vpid\":true}\n", "one json");
	free(out);
}

static void test_unknown(void)
{
	struct nlmsghdr *nlh = reply_start();
	char *out;
	int ret;

	/* A backend this tool does not know, and an attribute of a newer module. */
	mnl_attr_put_u32(nlh, DUET_A_CAPS_BACKEND, 7);
	mnl_attr_put_u64(nlh, DUET_A_CAPS_MAX + 5, 1);
	out = run(nlh, true, &ret);
	CHECK(ret == MNL_CB_OK, "unknown ok");
	CHECK_STR(out, "{\"backend\":\"unknown\"}\n", "unknown json");
	free(out);
}

static void test_malformed(void)
{
	struct nlmsghdr *nlh = reply_start();
	char *out;
	int ret;

	/* A u32 where a u8 belongs: refused before anything prints. */
	mnl_attr_put_u32(nlh, DUET_A_CAPS_BACKEND, DUET_BACKEND_SVM);
	mnl_attr_put_u32(nlh, DUET_A_CAPS_VGIF, 1);
	errno = 0;
	out = run(nlh, true, &ret);
	CHECK(ret == MNL_CB_ERROR, "malformed refused");
	CHECK(errno == EBADMSG, "malformed errno");
	CHECK_STR(out, "", "malformed prints nothing");
	free(out);
}

int main(void)
{
	test_full();
	test_one();
	test_unknown();
	test_malformed();
	return check_done("caps_test");
}
