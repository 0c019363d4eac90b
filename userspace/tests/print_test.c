// SPDX-License-Identifier: GPL-2.0
/*
 * print.c: one call sequence, three outputs (text, JSON, pretty JSON).
 */
#include <stdlib.h>

#include "check.h"
#include "print.h"

struct capture {
	struct print_ctx ctx;
	FILE *fp;
	char *buf;
	size_t len;
};

static struct print_ctx *capture_start(struct capture *c, bool json,
				       bool pretty)
{
	c->buf = NULL;
	c->fp = open_memstream(&c->buf, &c->len);
	print_init(&c->ctx, c->fp, json, pretty);
	return &c->ctx;
}

/* Return the output; free() it. */
static char *capture_end(struct capture *c)
{
	fclose(c->fp);
	return c->buf;
}

/* The sequence `duet caps show` uses. */
static void print_flat(struct print_ctx *ctx)
{
	print_open_object(ctx, NULL);
	print_string(ctx, "backend", NULL, "svm");
	print_uint(ctx, "api-version", NULL, 1);
	print_bool(ctx, "nested-paging", NULL, true);
	print_bool(ctx, "vpid", NULL, false);
	print_uint(ctx, "big", NULL, 18446744073709551615ULL);
	print_close_object(ctx);
}

static void test_flat(void)
{
	struct capture c;
	char *out;

	print_flat(capture_start(&c, false, false));
	out = capture_end(&c);
	CHECK_STR(out,
		  "backend svm api-version 1 nested-paging true vpid false big 18446744073709551615\n",
		  "text");
	free(out);

	print_flat(capture_start(&c, true, false));
	out = capture_end(&c);
	CHECK_STR(out,
		  "{\"backend\":\"svm\",\"api-version\":1,\"nested-paging\":true,\"vpid\":false,\"big\":18446744073709551615}\n",
		  "json");
	free(out);

	print_flat(capture_start(&c, true, true));
	out = capture_end(&c);
	CHECK_STR(out,
		  "{\n    \"backend\": \"svm\",\n    \"api-version\": 1,\n    \"nested-paging\": true,\n    \"vpid\": false,\n    \"big\": 18446744073709551615\n}\n",
		  "pretty json");
	free(out);
}

static void test_fmt(void)
{
	struct capture c;
	char *out;

	capture_start(&c, false, false);
	print_open_object(&c.ctx, NULL);
	print_string(&c.ctx, "version", "duet version %s", "0.1");
	print_uint(&c.ctx, "n", "%llu vCPUs", 4);
	print_bool(&c.ctx, "on", "on=%s", true);
	print_close_object(&c.ctx);
	out = capture_end(&c);
	CHECK_STR(out, "duet version 0.1 4 vCPUs on=true\n", "text fmt");
	free(out);

	/* JSON ignores the text format. */
	capture_start(&c, true, false);
	print_open_object(&c.ctx, NULL);
	print_uint(&c.ctx, "n", "%llu vCPUs", 4);
	print_close_object(&c.ctx);
	out = capture_end(&c);
	CHECK_STR(out, "{\"n\":4}\n", "json ignores fmt");
	free(out);
}

static void test_escape(void)
{
	struct capture c;
	char *out;

	capture_start(&c, true, false);
	print_open_object(&c.ctx, NULL);
	print_string(&c.ctx, "k\"ey", NULL, "a\"b\\c\nd\te\x01");
	print_close_object(&c.ctx);
	out = capture_end(&c);
	CHECK_STR(out, "{\"k\\\"ey\":\"a\\\"b\\\\c\\nd\\te\\u0001\"}\n",
		  "json escapes");
	free(out);
}

static void test_nested(void)
{
	struct capture c;
	char *out;
	int i;

	capture_start(&c, true, false);
	print_open_object(&c.ctx, NULL);
	print_open_array(&c.ctx, "vms");
	for (i = 0; i < 2; i++) {
		print_open_object(&c.ctx, NULL);
		print_uint(&c.ctx, "id", NULL, i);
		print_close_object(&c.ctx);
	}
	print_close_array(&c.ctx);
	print_open_array(&c.ctx, "empty");
	print_close_array(&c.ctx);
	print_close_object(&c.ctx);
	out = capture_end(&c);
	CHECK_STR(out, "{\"vms\":[{\"id\":0},{\"id\":1}],\"empty\":[]}\n",
		  "json nested");
	free(out);

	capture_start(&c, true, true);
	print_open_object(&c.ctx, NULL);
	print_open_array(&c.ctx, "vms");
	print_open_object(&c.ctx, NULL);
	print_uint(&c.ctx, "id", NULL, 0);
	print_close_object(&c.ctx);
	print_close_array(&c.ctx);
	print_close_object(&c.ctx);
	out = capture_end(&c);
	CHECK_STR(out, "{\n    \"vms\": [\n        {\n            \"id\": 0\n        }\n    ]\n}\n",
		  "pretty nested");
	free(out);

	/* Text: every object is one line. */
	capture_start(&c, false, false);
	for (i = 0; i < 2; i++) {
		print_open_object(&c.ctx, NULL);
		print_uint(&c.ctx, "id", NULL, i);
		print_close_object(&c.ctx);
	}
	out = capture_end(&c);
	CHECK_STR(out, "id 0\nid 1\n", "text lines");
	free(out);
}

static void test_empty(void)
{
	struct capture c;
	char *out;

	capture_start(&c, true, true);
	print_open_object(&c.ctx, NULL);
	print_close_object(&c.ctx);
	out = capture_end(&c);
	CHECK_STR(out, "{}\n", "empty object");
	free(out);

	capture_start(&c, false, false);
	print_open_object(&c.ctx, NULL);
	print_close_object(&c.ctx);
	out = capture_end(&c);
	CHECK_STR(out, "", "empty text");
	free(out);
}

int main(void)
{
	test_flat();
	test_fmt();
	test_escape();
	test_nested();
	test_empty();
	return check_done("print_test");
}
