// SPDX-License-Identifier: GPL-2.0
/*
 * Host test of mem.c: the text (hexdump) and JSON output of mem-read and
 * vcpu-translate replies, with and without a fault, and malformed replies.
 */
#include <errno.h>
#include <stdlib.h>
#include <linux/duet.h>
#include <linux/duet_netlink.h>
#include <linux/genetlink.h>
#include <linux/types.h>

#include "check.h"
#include "cli.h"

static __u32 buf[2048];

static struct nlmsghdr *msg_start(__u8 cmd)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *genl;

	nlh->nlmsg_type = 0x20;
	genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	genl->cmd = cmd;
	genl->version = DUET_FAMILY_VERSION;
	return nlh;
}

static void put_fault(struct nlmsghdr *nlh, __u32 kind, __u64 addr, __u32 ec)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, DUET_A_MEM_FAULT);

	mnl_attr_put_u32(nlh, DUET_A_MEM_FAULT_KIND, kind);
	mnl_attr_put_u32(nlh, DUET_A_MEM_FAULT_ERRNO, EFAULT);
	mnl_attr_put_u64(nlh, DUET_A_MEM_FAULT_ADDR, addr);
	mnl_attr_put_u64(nlh, DUET_A_MEM_FAULT_GPA, 0);
	mnl_attr_put_u32(nlh, DUET_A_MEM_FAULT_ERROR_CODE, ec);
	mnl_attr_nest_end(nlh, nest);
}

/* 20 bytes "ABC..." read of 32 at gva 0x1000, then a #PF at 0x1014. */
static struct nlmsghdr *read_msg(bool fault, __u32 done)
{
	struct nlmsghdr *nlh = msg_start(DUET_CMD_MEM_READ);
	char data[20];
	int i;

	for (i = 0; i < 20; i++)
		data[i] = 'A' + i;
	mnl_attr_put_u32(nlh, DUET_A_MEM_VM_ID, 3);
	mnl_attr_put_u32(nlh, DUET_A_MEM_VCPU_ID, 0);
	mnl_attr_put_u64(nlh, DUET_A_MEM_GVA, 0x1000);
	mnl_attr_put_u32(nlh, DUET_A_MEM_LEN, 32);
	mnl_attr_put_u32(nlh, DUET_A_MEM_DONE, done);
	mnl_attr_put(nlh, DUET_A_MEM_DATA, 20, data);
	if (fault)
		put_fault(nlh, DUET_MEM_FAULT_PF, 0x1014, 0);
	return nlh;
}

static struct nlmsghdr *walk_msg(void)
{
	struct nlmsghdr *nlh = msg_start(DUET_CMD_VCPU_TRANSLATE);
	struct nlattr *nest;
	__u32 level;

	mnl_attr_put_u32(nlh, DUET_A_MEM_VM_ID, 3);
	mnl_attr_put_u32(nlh, DUET_A_MEM_VCPU_ID, 1);
	mnl_attr_put_u64(nlh, DUET_A_MEM_GVA, 0x8000000008ULL);
	mnl_attr_put_u64(nlh, DUET_A_MEM_GPA, 0x3001008);
	mnl_attr_put_u32(nlh, DUET_A_MEM_LEVEL, 1);
	for (level = 4; level >= 1; level--) {
		nest = mnl_attr_nest_start(nlh, DUET_A_MEM_ENTRY);
		mnl_attr_put_u32(nlh, DUET_A_MEM_ENTRY_LEVEL, level);
		mnl_attr_put_u64(nlh, DUET_A_MEM_ENTRY_GPA, 0x100000 * level);
		mnl_attr_put_u64(nlh, DUET_A_MEM_ENTRY_VALUE, 0x23 + level);
		mnl_attr_nest_end(nlh, nest);
	}
	return nlh;
}

static char *run(mnl_cb_t cb, const struct nlmsghdr *nlh, bool json, int *ret)
{
	struct print_ctx ctx;
	char *out = NULL;
	size_t len;
	FILE *fp;

	fp = open_memstream(&out, &len);
	print_init(&ctx, fp, json, false);
	*ret = cb(nlh, &ctx);
	fclose(fp);
	return out;
}

static void test_read(void)
{
	char *out;
	int ret;

	out = run(mem_reply_cb, read_msg(false, 20), false, &ret);
	CHECK(ret == MNL_CB_OK, "read text ok");
	CHECK_STR(out,
		  "vm 3 vcpu 0 gva 0x1000 len 32 done 20\n0000000000001000  41 42 43 44 45 46 47 48 49 4a 4b 4c 4d 4e 4f 50  |ABCDEFGHIJKLMNOP|\n0000000000001010  51 52 53 54                                      |QRST|\n",
		  "read text");
	free(out);

	out = run(mem_reply_cb, read_msg(true, 20), true, &ret);
	CHECK(ret == MNL_CB_OK, "read json ok");
	CHECK_STR(out,
		  "{\"vm-id\":3,\"vcpu-id\":0,\"gva\":4096,\"len\":32,\"done\":20,\"data\":\"4142434445464748494a4b4c4d4e4f5051525354\",\"fault\":{\"kind\":\"pf\",\"errno\":14,\"addr\":4116,\"gpa\":0,\"error-code\":0}}\n",
		  "read json with fault");
	free(out);

	out = run(mem_reply_cb, read_msg(true, 20), false, &ret);
	CHECK(ret == MNL_CB_OK &&
	      strstr(out, "\nfault pf errno 14 addr 0x1014 gpa 0x0 error-code 0x0\n"),
	      "read text fault line");
	free(out);

	/* done and the data disagree: refused before printing. */
	out = run(mem_reply_cb, read_msg(false, 21), false, &ret);
	CHECK(ret == MNL_CB_ERROR && errno == EBADMSG && !*out,
	      "read malformed");
	free(out);
}

static void test_walk(void)
{
	char *out;
	int ret;

	out = run(mem_walk_reply_cb, walk_msg(), false, &ret);
	CHECK(ret == MNL_CB_OK, "walk text ok");
	CHECK_STR(out,
		  "vm 3 vcpu 1 gva 0x8000000008 gpa 0x3001008 level 1\nlevel 4 gpa 0x400000 value 0x27\nlevel 3 gpa 0x300000 value 0x26\nlevel 2 gpa 0x200000 value 0x25\nlevel 1 gpa 0x100000 value 0x24\n",
		  "walk text");
	free(out);

	out = run(mem_walk_reply_cb, walk_msg(), true, &ret);
	CHECK_STR(out,
		  "{\"vm-id\":3,\"vcpu-id\":1,\"gva\":549755813896,\"gpa\":50335752,\"level\":1,\"entries\":[{\"level\":4,\"gpa\":4194304,\"value\":39},{\"level\":3,\"gpa\":3145728,\"value\":38},{\"level\":2,\"gpa\":2097152,\"value\":37},{\"level\":1,\"gpa\":1048576,\"value\":36}]}\n",
		  "walk json");
	free(out);
}

int main(void)
{
	test_read();
	test_walk();
	return check_done("mem_test");
}
