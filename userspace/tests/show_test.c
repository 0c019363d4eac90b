// SPDX-License-Identifier: GPL-2.0
/*
 * vm.c, vcpu.c, monitor.c and the show helpers of cli.c: print vm-get and
 * vcpu-get replies and monitor events built here, as the module would send
 * them, in text and JSON (checked as JSON by python3 when it is there);
 * refuse malformed replies before printing anything.
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
static __u32 buf[2][1024];

static struct nlmsghdr *msg_start(int i, __u8 cmd)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf[i]);
	struct genlmsghdr *genl;

	nlh->nlmsg_type = 0x20;
	genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	genl->cmd = cmd;
	genl->version = DUET_FAMILY_VERSION;
	return nlh;
}

/* VM @id of pid 4242: two vCPUs, 64 MiB; attributes out of output order. */
static struct nlmsghdr *vm_msg(int i, __u32 id)
{
	struct nlmsghdr *nlh = msg_start(i, DUET_CMD_VM_GET);
	struct nlattr *nest;

	mnl_attr_put_u32(nlh, DUET_A_VM_PID, 4242);
	mnl_attr_put_u32(nlh, DUET_A_VM_ID, id);
	mnl_attr_put_u32(nlh, DUET_A_VM_NR_VCPUS, 2);
	mnl_attr_put_u32(nlh, DUET_A_VM_NR_MEMSLOTS, 1);
	mnl_attr_put_u64(nlh, DUET_A_VM_MEMORY_SIZE, 64ULL << 20);
	mnl_attr_put_u32(nlh, DUET_A_VM_FLAGS, DUET_VM_USER_MSR);
	mnl_attr_put_u8(nlh, DUET_A_VM_DEAD, 0);
	mnl_attr_put_u64(nlh, DUET_A_VM_CREATE_TIME, 123456789012ULL);
	nest = mnl_attr_nest_start(nlh, DUET_A_VM_STATS);
	mnl_attr_put_u64(nlh, DUET_A_VM_STATS_PAGES_MAPPED_4K, 6);
	mnl_attr_put_u64(nlh, DUET_A_VM_STATS_PAGES_PINNED, 7);
	mnl_attr_put_u64(nlh, DUET_A_VM_STATS_PAGES_MAPPED_2M, 0);
	mnl_attr_nest_end(nlh, nest);
	return nlh;
}

/* The output for vm_msg(); a long string only as a line of its own. */
static const char *const vm_text[] = {
	"vm 3 pid 4242 nr-vcpus 2 nr-memslots 1 memory-size 67108864 flags 0x1 dead false create-time 123456789012 pages-pinned 7 pages-mapped-4k 6 pages-mapped-2m 0\n",
};

static const char *vm_json(char *buf, size_t size, unsigned int id)
{
	snprintf(buf, size,
		 "{\"id\":%u,\"pid\":4242,\"nr-vcpus\":2,\"nr-memslots\":1,\"memory-size\":67108864,\"flags\":1,\"dead\":false,\"create-time\":123456789012,\"stats\":{\"pages-pinned\":7,\"pages-mapped-4k\":6,\"pages-mapped-2m\":0}}",
		 id);
	return buf;
}

/* vCPU @id of VM 3; with @ran, a last CPU and counters. */
static struct nlmsghdr *vcpu_msg(int i, __u32 id, bool ran)
{
	struct nlmsghdr *nlh = msg_start(i, DUET_CMD_VCPU_GET);
	struct nlattr *nest;
	__u16 a;

	mnl_attr_put_u32(nlh, DUET_A_VCPU_VM_ID, 3);
	mnl_attr_put_u32(nlh, DUET_A_VCPU_ID, id);
	if (ran)
		mnl_attr_put_u32(nlh, DUET_A_VCPU_LAST_CPU, 1);
	mnl_attr_put_u8(nlh, DUET_A_VCPU_IN_GUEST, ran);
	nest = mnl_attr_nest_start(nlh, DUET_A_VCPU_STATS);
	/* Counter N holds N when the vCPU ran: each lands in its place. */
	for (a = DUET_A_VCPU_STATS_MAX; a > DUET_A_VCPU_STATS_PAD; a--)
		mnl_attr_put_u64(nlh, a, ran ? a : 0);
	mnl_attr_nest_end(nlh, nest);
	return nlh;
}

static const char *const vcpu_ran[] = {
	"vm 3 vcpu 0 last-cpu 1 in-guest true exits 2 userspace-exits 3 intr-exits 4 irq-window-exits 5 cpuid-exits 6 msr-exits 7 io-exits 8 mmio-exits 9 halt-exits 10 hypercall-exits 11 npt-faults 12 shutdown-exits 13 signal-exits 14 kick-exits 15 injected-events 16 bt-blocks-translated 17 bt-cache-hits 18 bt-invalidations 19 bt-insns 20 bt-hw-steps 21 bt-segments 22 bt-step-stalls 23\n",
	"{\"vm-id\":3,\"id\":0,\"last-cpu\":1,\"in-guest\":true,\"stats\":{\"exits\":2,\"userspace-exits\":3,\"intr-exits\":4,\"irq-window-exits\":5,\"cpuid-exits\":6,\"msr-exits\":7,\"io-exits\":8,\"mmio-exits\":9,\"halt-exits\":10,\"hypercall-exits\":11,\"npt-faults\":12,\"shutdown-exits\":13,\"signal-exits\":14,\"kick-exits\":15,\"injected-events\":16,\"bt-blocks-translated\":17,\"bt-cache-hits\":18,\"bt-invalidations\":19,\"bt-insns\":20,\"bt-hw-steps\":21,\"bt-segments\":22,\"bt-step-stalls\":23}}",
};

#define vcpu_ran_text	vcpu_ran[0]
#define vcpu_ran_json	vcpu_ran[1]

/* Run @cb on @n messages as a show; return the output (free() it). */
static char *show(mnl_cb_t cb, struct nlmsghdr **msgs, int n, bool json,
		  int err, int *ret)
{
	struct cli_show s;
	struct print_ctx ctx;
	char *out = NULL;
	size_t len;
	FILE *fp;
	int i;

	fp = open_memstream(&out, &len);
	print_init(&ctx, fp, json, false);
	cli_show_begin(&s, &ctx, cb);
	*ret = MNL_CB_OK;
	for (i = 0; i < n && *ret == MNL_CB_OK; i++)
		*ret = cli_show_cb(msgs[i], &s);
	cli_show_end(&s, err || *ret != MNL_CB_OK);
	fclose(fp);
	return out;
}

/* Run @cb on @nlh alone; return its output (free() it) and result. */
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

/* Whether python3 parses @s as JSON; true when there is no python3. */
static bool json_ok(const char *s)
{
	FILE *p;

	if (system("command -v python3 >/dev/null 2>&1"))
		return true;
	p = popen("python3 -c 'import json, sys; json.load(sys.stdin)' 2>/dev/null", "w");
	if (!p)
		return false;
	fputs(s, p);
	return pclose(p) == 0;
}

static void test_vm(void)
{
	const char *text = vm_text[0];
	char json[2][512], want[1200];
	struct nlmsghdr *msgs[2];
	char *out;
	int ret;

	out = run(vm_reply_cb, vm_msg(0, 3), false, &ret);
	CHECK(ret == MNL_CB_OK, "vm text ok");
	CHECK_STR(out, text, "vm text");
	free(out);

	out = run(vm_reply_cb, vm_msg(0, 3), true, &ret);
	CHECK(ret == MNL_CB_OK, "vm json ok");
	snprintf(want, sizeof(want), "%s\n", vm_json(json[0], sizeof(json[0]), 3));
	CHECK_STR(out, want, "vm json");
	CHECK(json_ok(out), "vm json parses");
	free(out);

	/* A dump of two: one line each, or one JSON array. */
	msgs[0] = vm_msg(0, 3);
	msgs[1] = vm_msg(1, 9);
	out = show(vm_reply_cb, msgs, 2, true, 0, &ret);
	CHECK(ret == MNL_CB_OK, "vm show json ok");
	snprintf(want, sizeof(want), "[%s,%s]\n",
		 vm_json(json[0], sizeof(json[0]), 3),
		 vm_json(json[1], sizeof(json[1]), 9));
	CHECK_STR(out, want, "vm show json");
	CHECK(json_ok(out), "vm show json parses");
	free(out);
	out = show(vm_reply_cb, msgs, 2, false, 0, &ret);
	CHECK(!strncmp(out, text, strlen(text)) &&
	      !strncmp(out + strlen(text), "vm 9 pid 4242 ", 14) &&
	      out[strlen(out) - 1] == '\n' &&
	      strchr(out + strlen(text), '\n') == out + strlen(out) - 1,
	      "vm show text: two lines");
	free(out);
}

static void test_show_empty(void)
{
	char *out;
	int ret;

	out = show(vm_reply_cb, NULL, 0, true, 0, &ret);
	CHECK_STR(out, "[]\n", "no VM: json");
	CHECK(json_ok(out), "no VM json parses");
	free(out);
	out = show(vm_reply_cb, NULL, 0, false, 0, &ret);
	CHECK_STR(out, "", "no VM: text");
	free(out);
	/* An error before any reply: nothing at all on stdout. */
	out = show(vm_reply_cb, NULL, 0, true, -ENOENT, &ret);
	CHECK_STR(out, "", "error: no json");
	free(out);
}

static void test_vcpu(void)
{
	struct nlmsghdr *msgs[2];
	char want[2048];
	char *out;
	int ret;

	out = run(vcpu_reply_cb, vcpu_msg(0, 0, true), false, &ret);
	CHECK(ret == MNL_CB_OK, "vcpu text ok");
	CHECK_STR(out, vcpu_ran_text, "vcpu text");
	free(out);
	out = run(vcpu_reply_cb, vcpu_msg(0, 0, true), true, &ret);
	snprintf(want, sizeof(want), "%s\n", vcpu_ran_json);
	CHECK_STR(out, want, "vcpu json");
	CHECK(json_ok(out), "vcpu json parses");
	free(out);

	/* Never ran: no last-cpu. */
	out = run(vcpu_reply_cb, vcpu_msg(0, 1, false), false, &ret);
	CHECK_STR(out,
		  "vm 3 vcpu 1 in-guest false exits 0 userspace-exits 0 intr-exits 0 irq-window-exits 0 cpuid-exits 0 msr-exits 0 io-exits 0 mmio-exits 0 halt-exits 0 hypercall-exits 0 npt-faults 0 shutdown-exits 0 signal-exits 0 kick-exits 0 injected-events 0 bt-blocks-translated 0 bt-cache-hits 0 bt-invalidations 0 bt-insns 0 bt-hw-steps 0 bt-segments 0 bt-step-stalls 0\n",
		  "idle vcpu text");
	free(out);

	msgs[0] = vcpu_msg(0, 0, true);
	msgs[1] = vcpu_msg(1, 1, false);
	out = show(vcpu_reply_cb, msgs, 2, true, 0, &ret);
	CHECK(ret == MNL_CB_OK, "vcpu show ok");
	CHECK(!strncmp(out, "[", 1) && strstr(out, vcpu_ran_json) == out + 1,
	      "vcpu show json starts with vCPU 0");
	CHECK(strstr(out, "},{\"vm-id\":3,\"id\":1,\"in-guest\":false,"),
	      "vcpu show json: vCPU 1 without last-cpu");
	CHECK(json_ok(out), "vcpu show json parses");
	free(out);
}

/* Replies this tool cannot trust: refused before anything prints. */
static void test_malformed(void)
{
	struct nlmsghdr *nlh, *msgs[2];
	char json[512], want[600];
	struct nlattr *nest;
	char *out;
	int ret;

	/* A u32 counter where the spec says u64. */
	nlh = msg_start(0, DUET_CMD_VM_GET);
	mnl_attr_put_u32(nlh, DUET_A_VM_ID, 1);
	nest = mnl_attr_nest_start(nlh, DUET_A_VM_STATS);
	mnl_attr_put_u32(nlh, DUET_A_VM_STATS_PAGES_PINNED, 1);
	mnl_attr_nest_end(nlh, nest);
	errno = 0;
	out = run(vm_reply_cb, nlh, true, &ret);
	CHECK(ret == MNL_CB_ERROR && errno == EBADMSG, "short counter refused");
	CHECK_STR(out, "", "short counter prints nothing");
	free(out);

	/* No id. */
	nlh = msg_start(0, DUET_CMD_VM_GET);
	mnl_attr_put_u32(nlh, DUET_A_VM_PID, 1);
	errno = 0;
	out = run(vm_reply_cb, nlh, false, &ret);
	CHECK(ret == MNL_CB_ERROR && errno == EBADMSG, "vm without id refused");
	CHECK_STR(out, "", "vm without id prints nothing");
	free(out);

	/* A vCPU without its VM, and one with its id twice. */
	nlh = msg_start(0, DUET_CMD_VCPU_GET);
	mnl_attr_put_u32(nlh, DUET_A_VCPU_ID, 1);
	out = run(vcpu_reply_cb, nlh, false, &ret);
	CHECK(ret == MNL_CB_ERROR, "vcpu without vm-id refused");
	free(out);
	nlh = msg_start(0, DUET_CMD_VCPU_GET);
	mnl_attr_put_u32(nlh, DUET_A_VCPU_VM_ID, 1);
	mnl_attr_put_u32(nlh, DUET_A_VCPU_ID, 1);
	mnl_attr_put_u32(nlh, DUET_A_VCPU_ID, 2);
	out = run(vcpu_reply_cb, nlh, false, &ret);
	CHECK(ret == MNL_CB_ERROR, "duplicate vcpu id refused");
	CHECK_STR(out, "", "duplicate prints nothing");
	free(out);

	/* A bad second entry of a dump: the JSON array still closes. */
	msgs[0] = vm_msg(0, 3);
	msgs[1] = msg_start(1, DUET_CMD_VM_GET);
	mnl_attr_put_u8(msgs[1], DUET_A_VM_ID, 4);
	out = show(vm_reply_cb, msgs, 2, true, 0, &ret);
	CHECK(ret == MNL_CB_ERROR, "bad dump entry refused");
	snprintf(want, sizeof(want), "[%s]\n", vm_json(json, sizeof(json), 3));
	CHECK_STR(out, want, "bad dump entry: valid json");
	free(out);
}

/* Attributes of a newer module are skipped, in the message and the nest. */
static void test_newer_module(void)
{
	struct nlmsghdr *nlh = msg_start(0, DUET_CMD_VM_GET);
	struct nlattr *nest;
	char *out;
	int ret;

	mnl_attr_put_u32(nlh, DUET_A_VM_ID, 5);
	mnl_attr_put_u64(nlh, DUET_A_VM_MAX + 3, 1);
	nest = mnl_attr_nest_start(nlh, DUET_A_VM_STATS);
	mnl_attr_put_u32(nlh, DUET_A_VM_STATS_MAX + 1, 9);
	mnl_attr_put_u64(nlh, DUET_A_VM_STATS_PAGES_PINNED, 2);
	mnl_attr_nest_end(nlh, nest);
	out = run(vm_reply_cb, nlh, true, &ret);
	CHECK(ret == MNL_CB_OK, "newer module ok");
	CHECK_STR(out, "{\"id\":5,\"stats\":{\"pages-pinned\":2}}\n",
		  "newer module json");
	free(out);
}

static void test_monitor(void)
{
	struct nlmsghdr *nlh;
	char *out;
	int ret;

	nlh = msg_start(0, DUET_CMD_VM_CREATE_NTF);
	mnl_attr_put_u32(nlh, DUET_A_VM_ID, 7);
	mnl_attr_put_u32(nlh, DUET_A_VM_PID, 99);
	out = run(monitor_event_cb, nlh, false, &ret);
	CHECK(ret == MNL_CB_OK, "create event ok");
	CHECK_STR(out, "vm-create vm 7 pid 99\n", "create event text");
	free(out);

	nlh = msg_start(0, DUET_CMD_VM_DELETE_NTF);
	mnl_attr_put_u32(nlh, DUET_A_VM_ID, 7);
	mnl_attr_put_u32(nlh, DUET_A_VM_PID, 99);
	out = run(monitor_event_cb, nlh, true, &ret);
	CHECK_STR(out, "{\"event\":\"vm-delete\",\"id\":7,\"pid\":99}\n",
		  "delete event json");
	CHECK(json_ok(out), "delete event json parses");
	free(out);

	/* An event this tool does not know: nothing, and no error. */
	nlh = msg_start(0, DUET_CMD_MAX + 1);
	mnl_attr_put_u32(nlh, 1, 7);
	out = run(monitor_event_cb, nlh, true, &ret);
	CHECK(ret == MNL_CB_OK, "unknown event ok");
	CHECK_STR(out, "", "unknown event silent");
	free(out);

	/* A malformed event. */
	nlh = msg_start(0, DUET_CMD_VM_CREATE_NTF);
	mnl_attr_put_u64(nlh, DUET_A_VM_ID, 7);
	out = run(monitor_event_cb, nlh, true, &ret);
	CHECK(ret == MNL_CB_ERROR, "malformed event refused");
	CHECK_STR(out, "", "malformed event prints nothing");
	free(out);
}

static void test_parse_uint(void)
{
	unsigned long long v = 0;

	CHECK(!cli_parse_uint("7", 10, &v) && v == 7, "decimal");
	CHECK(!cli_parse_uint("0x10", 100, &v) && v == 16, "hex");
	CHECK(!cli_parse_uint("4294967295", UINT32_MAX, &v) && v == UINT32_MAX,
	      "u32 max");
	CHECK(cli_parse_uint("4294967296", UINT32_MAX, &v) == -EINVAL,
	      "above max");
	CHECK(cli_parse_uint("-1", UINT32_MAX, &v) == -EINVAL, "negative");
	CHECK(cli_parse_uint(" 1", UINT32_MAX, &v) == -EINVAL, "space");
	CHECK(cli_parse_uint("1x", UINT32_MAX, &v) == -EINVAL, "trailing");
	CHECK(cli_parse_uint("", UINT32_MAX, &v) == -EINVAL, "empty");
	CHECK(cli_parse_uint("99999999999999999999", UINT32_MAX, &v) == -EINVAL,
	      "overflow");
}

int main(void)
{
	test_vm();
	test_show_empty();
	test_vcpu();
	test_malformed();
	test_newer_module();
	test_monitor();
	test_parse_uint();
	return check_done("show_test");
}
