/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One call per value prints it as text (`key value`) or as a JSON member,
 * depending on the print context, so that every command has one code path
 * for both outputs.
 */
#ifndef DUET_PRINT_H
#define DUET_PRINT_H

#include <stdbool.h>
#include <stdio.h>

#define PRINT_MAX_DEPTH 8

struct print_ctx {
	FILE *fp;
	bool json;
	bool pretty;			/* JSON only: one member a line */
	unsigned int depth;		/* open objects and arrays */
	bool member[PRINT_MAX_DEPTH];	/* level already has a member */
	bool line;			/* text: the line has a field */
};

void print_init(struct print_ctx *ctx, FILE *fp, bool json, bool pretty);

/*
 * Objects and arrays.  @key names the member in the enclosing object; pass
 * NULL at the top level and inside arrays.  In text, closing an object ends
 * its line.
 */
void print_open_object(struct print_ctx *ctx, const char *key);
void print_close_object(struct print_ctx *ctx);
void print_open_array(struct print_ctx *ctx, const char *key);
void print_close_array(struct print_ctx *ctx);

/*
 * Values.  @fmt is the text form with one conversion for the value
 * (%llu, %s); NULL prints "<key> <value>".  JSON ignores @fmt.
 */
void print_uint(struct print_ctx *ctx, const char *key, const char *fmt,
		unsigned long long value);
void print_bool(struct print_ctx *ctx, const char *key, const char *fmt,
		bool value);
void print_string(struct print_ctx *ctx, const char *key, const char *fmt,
		  const char *value);

/* Text only: end the current line, if it has a field (JSON: nothing). */
void print_end_line(struct print_ctx *ctx);

#endif /* DUET_PRINT_H */
