// SPDX-License-Identifier: GPL-2.0
/*
 * Text and JSON output through one set of calls; see print.h.
 */
#include <stdio.h>

#include "print.h"

void print_init(struct print_ctx *ctx, FILE *fp, bool json, bool pretty)
{
	*ctx = (struct print_ctx){ .fp = fp, .json = json, .pretty = pretty };
}

static void json_string(FILE *fp, const char *s)
{
	fputc('"', fp);
	for (; *s; s++) {
		unsigned char c = *s;

		switch (c) {
		case '"':
		case '\\':
			fprintf(fp, "\\%c", c);
			break;
		case '\b':
			fputs("\\b", fp);
			break;
		case '\f':
			fputs("\\f", fp);
			break;
		case '\n':
			fputs("\\n", fp);
			break;
		case '\r':
			fputs("\\r", fp);
			break;
		case '\t':
			fputs("\\t", fp);
			break;
		default:
			if (c < 0x20)
				fprintf(fp, "\\u%04x", c);
			else
				fputc(c, fp);
		}
	}
	fputc('"', fp);
}

static void json_indent(struct print_ctx *ctx)
{
	unsigned int i;

	if (!ctx->pretty)
		return;
	fputc('\n', ctx->fp);
	for (i = 0; i < ctx->depth; i++)
		fputs("    ", ctx->fp);
}

/*
 * Whether the innermost open level has a member yet.  Levels past
 * PRINT_MAX_DEPTH share the last slot: the commands nest two or three deep.
 */
static bool *level_member(struct print_ctx *ctx, unsigned int depth)
{
	return &ctx->member[depth < PRINT_MAX_DEPTH ? depth : PRINT_MAX_DEPTH - 1];
}

/* Start a JSON member or array element: separator, indent and key. */
static void json_member(struct print_ctx *ctx, const char *key)
{
	if (ctx->depth) {
		bool *member = level_member(ctx, ctx->depth - 1);

		if (*member)
			fputc(',', ctx->fp);
		*member = true;
		json_indent(ctx);
	}
	if (key) {
		json_string(ctx->fp, key);
		fputs(ctx->pretty ? ": " : ":", ctx->fp);
	}
}

/* Start a text field: one space between the fields of a line. */
static void text_field(struct print_ctx *ctx)
{
	if (ctx->line)
		fputc(' ', ctx->fp);
	ctx->line = true;
}

static void open_container(struct print_ctx *ctx, const char *key, char open)
{
	if (!ctx->json)
		return;
	json_member(ctx, key);
	fputc(open, ctx->fp);
	*level_member(ctx, ctx->depth) = false;
	ctx->depth++;
}

static void close_container(struct print_ctx *ctx, char close)
{
	if (!ctx->json) {
		if (close == '}' && ctx->line) {
			fputc('\n', ctx->fp);
			ctx->line = false;
		}
		return;
	}
	if (!ctx->depth)
		return;
	ctx->depth--;
	if (*level_member(ctx, ctx->depth))
		json_indent(ctx);
	fputc(close, ctx->fp);
	if (!ctx->depth)
		fputc('\n', ctx->fp);
}

void print_open_object(struct print_ctx *ctx, const char *key)
{
	open_container(ctx, key, '{');
}

void print_close_object(struct print_ctx *ctx)
{
	close_container(ctx, '}');
}

void print_open_array(struct print_ctx *ctx, const char *key)
{
	open_container(ctx, key, '[');
}

void print_close_array(struct print_ctx *ctx)
{
	close_container(ctx, ']');
}

void print_uint(struct print_ctx *ctx, const char *key, const char *fmt,
		unsigned long long value)
{
	if (ctx->json) {
		json_member(ctx, key);
		fprintf(ctx->fp, "%llu", value);
		return;
	}
	text_field(ctx);
	if (fmt)
		fprintf(ctx->fp, fmt, value);
	else
		fprintf(ctx->fp, "%s %llu", key, value);
}

void print_bool(struct print_ctx *ctx, const char *key, const char *fmt,
		bool value)
{
	const char *s = value ? "true" : "false";

	if (ctx->json) {
		json_member(ctx, key);
		fputs(s, ctx->fp);
		return;
	}
	text_field(ctx);
	if (fmt)
		fprintf(ctx->fp, fmt, s);
	else
		fprintf(ctx->fp, "%s %s", key, s);
}

void print_string(struct print_ctx *ctx, const char *key, const char *fmt,
		  const char *value)
{
	if (ctx->json) {
		json_member(ctx, key);
		json_string(ctx->fp, value);
		return;
	}
	text_field(ctx);
	if (fmt)
		fprintf(ctx->fp, fmt, value);
	else
		fprintf(ctx->fp, "%s %s", key, value);
}

void print_end_line(struct print_ctx *ctx)
{
	if (ctx->json || !ctx->line)
		return;
	fputc('\n', ctx->fp);
	ctx->line = false;
}
