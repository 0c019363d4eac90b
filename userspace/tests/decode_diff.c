// SPDX-License-Identifier: GPL-2.0
/*
 * decode_diff: module/x86/decode.c against binutils' objdump on random
 * byte streams, in 64-, 32- and 16-bit mode.
 *
 * A seeded generator writes a stream of instruction-like records (random
 * prefixes, REX, opcode maps, VEX/EVEX/XOP, ModRM, SIB, then random bytes
 * for displacement and immediates) mixed with fully random ones, plus 16
 * bytes of NOP padding so that no instruction starting in the random part
 * is cut off.  objdump -D -b binary walks the stream; at each offset where
 * objdump starts an instruction we decode from that same offset.
 *
 * What is compared, line by line of objdump's output (offsets inside the
 * random part only):
 *
 *  - objdump accepted the instruction: our decoder must succeed with the
 *    same length.  A failure to decode is a mismatch too.
 *  - objdump printed "(bad)", "<unknown>" or ".byte" anywhere on the line:
 *    it rejected the bytes; nothing is required of us (counted: how often
 *    we reject too, and how often we accept).
 *  - objdump quirk 1, prefix-only lines: objdump prints prefixes it cannot
 *    attach to the next instruction (a REX followed by another prefix,
 *    which the CPU ignores, or more than 14 prefixes) as a line of their
 *    own ("rex.W", "data16 rex.W", "es es ... es").  The CPU executes them
 *    as part of the next instruction, so a run of prefix-only lines and the
 *    accepted instruction after it are one instruction for us: our length
 *    at the run's start must be their total, or -E2BIG when that total
 *    passes 15 bytes.  If the line after the run is rejected, nothing is
 *    compared.
 *  - objdump quirk 2, FWAIT fusion: objdump prints 9B (FWAIT) together with
 *    a following x87 instruction as one line ("9b d9 e0  fchs", also after
 *    or before other prefixes), while the CPU executes 9B as an instruction
 *    of its own.  A line whose leading prefix bytes contain 9B is split
 *    after the 9B: our length at the line's start must be the part up to
 *    and including 9B, and the rest is compared as a line of its own.
 *
 * There is no other exception.  The closing line counts one check per
 * mode and property: no length mismatch, no rejection of an accepted
 * instruction, enough instructions compared.
 *
 * Environment: DECODE_DIFF_SEED (default 1, "random" for a time-based
 * one; always printed),
 * DECODE_DIFF_COUNT (records per mode, default 200000), OBJDUMP.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "x86/decode.h"

#define PAD		16
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define MAX_SHOWN	25

struct mode_desc {
	unsigned int mode;		/* duet_x86_decode() mode */
	const char *machine;		/* objdump -m, and -M options */
	const char *name;
};

static const struct mode_desc modes[] = {
	{ DUET_X86_MODE_64, "i386:x86-64", "64-bit" },
	{ DUET_X86_MODE_64 | DUET_X86_INTEL, "i386:x86-64 -M intel64",
	  "64-bit Intel" },
	{ DUET_X86_MODE_32, "i386", "32-bit" },
	{ DUET_X86_MODE_16, "i8086", "16-bit" },
};

struct stats {
	unsigned long lines;		/* objdump lines in the random part */
	unsigned long compared;		/* lengths compared */
	unsigned long mismatch;		/* both accepted, lengths differ */
	unsigned long rejected;		/* objdump accepted, we did not */
	unsigned long bad_we_reject;	/* objdump (bad), we reject too */
	unsigned long bad_we_accept;	/* objdump (bad), we accept */
	unsigned long too_long;		/* compared: over 15 bytes, -E2BIG */
	unsigned long prefix_runs;	/* quirk 1 runs */
	unsigned long prefix_runs_sizing; /* ... with 66/67/F2/F3: start not compared */
	unsigned long fwait_splits;	/* quirk 2 splits */
	unsigned long fwait_rest_addr;	/* ... with 67 before 9B: rest not compared */
	unsigned long uncompared;	/* prefix runs before a (bad) line */
	unsigned long shown;
};

/* xorshift64*: reproducible from the printed seed. */
static u64 rng_state;

static u64 rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

static unsigned int rnd(unsigned int n)
{
	return rng() % n;
}

static const u8 legacy_prefixes[] = {
	0x66, 0x67, 0xf2, 0xf3, 0xf0, 0x2e, 0x3e, 0x26, 0x64, 0x65, 0x36,
};

/* Append one record; returns the new length. */
static size_t gen_record(u8 *p, size_t n, unsigned int mode)
{
	unsigned int i, k, shape;
	bool m64 = (mode & 0xff) == DUET_X86_MODE_64;
	u8 b;

	if (rnd(5) == 0) {		/* fully random */
		for (i = 0; i < 8; i++)
			p[n++] = rng();
		return n;
	}

	/* Legacy prefixes, sometimes many, sometimes a misplaced REX. */
	k = rnd(2) ? 0 : rnd(8) ? 1 + rnd(3) : 4 + rnd(12);
	for (i = 0; i < k; i++) {
		if (m64 && rnd(8) == 0)
			p[n++] = 0x40 | rnd(16);
		else
			p[n++] = legacy_prefixes[rnd(sizeof(legacy_prefixes))];
	}
	if (m64 && rnd(5) < 2)
		p[n++] = 0x40 | rnd(16);

	shape = rnd(100);
	if (shape < 38) {		/* one-byte map */
		p[n++] = rng();
	} else if (shape < 62) {	/* 0F */
		p[n++] = 0x0f;
		p[n++] = rng();
	} else if (shape < 69) {
		p[n++] = 0x0f;
		p[n++] = 0x38;
		p[n++] = rnd(4) ? 0xf0 | rnd(16) : rng();
		if (rnd(2))
			p[n - 1] = rng();
	} else if (shape < 75) {
		p[n++] = 0x0f;
		p[n++] = 0x3a;
		p[n++] = rng();
	} else if (shape < 77) {	/* 3DNow! */
		p[n++] = 0x0f;
		p[n++] = 0x0f;
	} else if (shape < 82) {	/* VEX2 */
		p[n++] = 0xc5;
		b = rng();
		if (!m64 && rnd(4))
			b |= 0xc0;
		p[n++] = b;
		p[n++] = rng();
	} else if (shape < 88) {	/* VEX3 */
		p[n++] = 0xc4;
		b = rng();
		if (rnd(4))
			b = (b & 0xe0) | (1 + rnd(3));
		if (!m64 && rnd(4))
			b |= 0xc0;
		p[n++] = b;
		p[n++] = rng();
		p[n++] = rng();
	} else if (shape < 94) {	/* EVEX */
		p[n++] = 0x62;
		b = rng();
		if (rnd(4)) {
			static const u8 maps[] = { 1, 2, 3, 5, 6 };

			b = (b & 0xf0) | maps[rnd(sizeof(maps))];
		}
		if (!m64 && rnd(4))
			b |= 0xc0;
		p[n++] = b;
		b = rng();
		if (rnd(4))
			b |= 0x04;
		p[n++] = b;
		p[n++] = rng();
		p[n++] = rng();
	} else if (shape < 97) {	/* XOP */
		p[n++] = 0x8f;
		b = rng();
		if (rnd(4))
			b = (b & 0xe0) | (8 + rnd(3));
		p[n++] = b;
		p[n++] = rng();
		p[n++] = rng();
	} else {			/* FWAIT before x87 */
		p[n++] = 0x9b;
		if (rnd(2))
			p[n++] = legacy_prefixes[rnd(sizeof(legacy_prefixes))];
		p[n++] = 0xd8 + rnd(8);
	}
	/* ModRM, maybe SIB, then bytes for displacement and immediates. */
	k = 2 + rnd(8);
	for (i = 0; i < k; i++)
		p[n++] = rng();
	return n;
}

/* One line of objdump output. */
struct line {
	size_t off;
	unsigned int len;
	u8 bytes[16];
	char text[160];
};

enum line_class { LINE_OK, LINE_BAD, LINE_PREFIX };

static bool is_prefix_name(const char *t, size_t n)
{
	static const char * const names[] = {
		"data16", "data32", "addr16", "addr32", "lock", "rep", "repz",
		"repnz", "repe", "repne", "es", "cs", "ss", "ds", "fs", "gs",
		"notrack", "bnd", "xacquire", "xrelease", "fwait",
	};
	unsigned int i;

	if (n >= 3 && !strncmp(t, "rex", 3))
		return true;
	for (i = 0; i < ARRAY_SIZE(names); i++)
		if (strlen(names[i]) == n && !strncmp(t, names[i], n))
			return true;
	return false;
}

static enum line_class classify(const char *text)
{
	const char *t = text, *e;

	if (strstr(text, "(bad)") || strstr(text, "<unknown>") ||
	    strstr(text, ".byte"))
		return LINE_BAD;
	/* Prefix-only: every word a prefix name (a lone "fwait" is not). */
	if (!strcmp(text, "fwait"))
		return LINE_OK;
	while (*t) {
		while (*t == ' ')
			t++;
		if (!*t)
			break;
		e = t;
		while (*e && *e != ' ')
			e++;
		if (!is_prefix_name(t, e - t))
			return LINE_OK;
		t = e;
	}
	return LINE_PREFIX;
}

/*
 * Parse "   off:\tHH HH ...\ttext".  Returns 1 for an instruction line, 2
 * for a continuation line (bytes only: the rest of an instruction longer
 * than --insn-width, which objdump prints only for a rejected one), 0 for
 * anything else.
 */
static int parse_line(char *s, struct line *l)
{
	char *p, *end;
	unsigned long off;
	size_t n;

	off = strtoul(s, &end, 16);
	if (end == s || *end != ':' || end[1] != '\t')
		return 0;
	l->off = off;
	l->len = 0;
	p = end + 2;
	while (p[0] && p[1] && p[0] != '\t' &&
	       strchr("0123456789abcdef", p[0]) && strchr("0123456789abcdef", p[1])) {
		if (l->len == sizeof(l->bytes))
			return 0;
		l->bytes[l->len++] = strtoul((char[]){ p[0], p[1], 0 }, NULL, 16);
		p += 2;
		while (*p == ' ')
			p++;
	}
	if (!l->len)
		return 0;
	if (*p != '\t')
		return 2;
	p++;
	n = strcspn(p, "\n");
	while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
		n--;
	if (n >= sizeof(l->text))
		n = sizeof(l->text) - 1;
	memcpy(l->text, p, n);
	l->text[n] = 0;
	return 1;
}

static void show(struct stats *st, const char *mname, const char *what,
		 const u8 *buf, size_t off, unsigned int want, int got,
		 const char *text)
{
	unsigned int i;

	if (st->shown++ >= MAX_SHOWN)
		return;
	fprintf(stderr, "  %s %s at 0x%zx: objdump %u (%s), ours %d:", mname,
		what, off, want, text, got);
	for (i = 0; i < 15; i++)
		fprintf(stderr, " %02x", buf[off + i]);
	fprintf(stderr, "\n");
}

/* Our length at @off, or the negative error. */
static int ours(const u8 *buf, size_t total, size_t off, unsigned int mode)
{
	struct duet_x86_insn insn;
	int err;

	err = duet_x86_decode(&insn, buf + off, total - off, mode, off);
	return err ? err : insn.len;
}

static bool prefix_byte(u8 b, unsigned int mode)
{
	unsigned int i;

	if ((mode & 0xff) == DUET_X86_MODE_64 && (b & 0xf0) == 0x40)
		return true;
	for (i = 0; i < sizeof(legacy_prefixes); i++)
		if (legacy_prefixes[i] == b)
			return true;
	return false;
}

/* Compare our length at @at with @want (-E2BIG when it passes 15). */
static void compare(struct stats *st, const struct mode_desc *md,
		    const u8 *buf, size_t total, size_t at,
		    unsigned int want, const char *text, const char *what)
{
	int got = ours(buf, total, at, md->mode);

	st->compared++;
	if (want > DUET_X86_MAX_INSN_LEN) {
		st->too_long++;
		if (got != -E2BIG) {
			st->mismatch++;
			show(st, md->name, what, buf, at, want, got, text);
		}
		return;
	}
	if (got == (int)want)
		return;
	if (got < 0)
		st->rejected++;
	else
		st->mismatch++;
	show(st, md->name, what, buf, at, want, got, text);
}

/* A prefix byte that changes an instruction's length: 66, 67, F2, F3. */
static bool sizing_prefix(const u8 *p, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (p[i] == 0x66 || p[i] == 0x67 || p[i] == 0xf2 || p[i] == 0xf3)
			return true;
	return false;
}

static int run_mode(const struct mode_desc *md, u64 seed,
		    unsigned long count, const char *objdump, struct stats *st)
{
	size_t cap = count * 40 + PAD, n = 0, total, run_start = 0;
	char path[] = "/tmp/decode_diff.XXXXXX", cmd[512], s[512];
	bool in_run = false, run_sizing = false;
	unsigned int run_len = 0, j;
	struct line l;
	u8 *buf;
	FILE *f;
	int fd;
	unsigned long i;

	buf = malloc(cap);
	if (!buf)
		return -1;
	rng_state = seed ^ (md->mode * 0x9e3779b97f4a7c15ULL);
	if (!rng_state)
		rng_state = 1;
	for (i = 0; i < count; i++)
		n = gen_record(buf, n, md->mode);
	memset(buf + n, 0x90, PAD);
	total = n + PAD;

	fd = mkstemp(path);
	if (fd < 0 || write(fd, buf, total) != (ssize_t)total) {
		perror("decode_diff: temporary file");
		free(buf);
		return -1;
	}
	close(fd);
	snprintf(cmd, sizeof(cmd),
		 "%s -D -b binary -m %s -z --insn-width=16 %s", objdump,
		 md->machine, path);
	f = popen(cmd, "r");
	if (!f) {
		perror("decode_diff: objdump");
		unlink(path);
		free(buf);
		return -1;
	}

	while (fgets(s, sizeof(s), f)) {
		bool rest_addr = false;
		enum line_class cls;
		size_t off;

		/* Continuation lines belong to a rejected (> 15 bytes) line. */
		if (parse_line(s, &l) != 1 || l.off >= n)
			continue;
		st->lines++;
		off = l.off;
		cls = classify(l.text);
		if (cls == LINE_BAD) {
			if (in_run)
				st->uncompared++;
			in_run = false;
			if (ours(buf, total, off, md->mode) < 0)
				st->bad_we_reject++;
			else
				st->bad_we_accept++;
			continue;
		}

		/* Quirk 2: split after each 9B among the leading prefix bytes. */
		for (;;) {
			for (j = 0; j < l.len && l.bytes[j] != 0x9b &&
			     prefix_byte(l.bytes[j], md->mode); j++)
				;
			if (j == l.len || l.bytes[j] != 0x9b)
				break;
			st->fwait_splits++;
			if (in_run)
				compare(st, md, buf, total, run_start,
					run_len + j + 1, l.text, "fwait");
			else
				compare(st, md, buf, total, off, j + 1, l.text,
					"fwait");
			in_run = false;
			/*
			 * objdump applied a 67 before the 9B to the x87
			 * instruction after it; the CPU applies it to FWAIT.
			 */
			if (memchr(l.bytes, 0x67, j))
				rest_addr = true;
			off += j + 1;
			memmove(l.bytes, l.bytes + j + 1, l.len - j - 1);
			l.len -= j + 1;
		}
		if (!l.len)
			continue;
		if (rest_addr) {
			st->fwait_rest_addr++;
			continue;
		}

		if (cls == LINE_PREFIX) {
			if (!in_run) {
				run_start = off;
				run_len = 0;
				run_sizing = false;
			}
			in_run = true;
			run_len += l.len;
			run_sizing |= sizing_prefix(l.bytes, l.len);
			continue;
		}

		/* An accepted instruction: as objdump decoded it ... */
		compare(st, md, buf, total, off, l.len, l.text, "length");
		if (!in_run)
			continue;
		/*
		 * ... and with the prefix run before it, as the CPU does, when
		 * no prefix of the run changes the length (objdump decoded the
		 * instruction without them).
		 */
		in_run = false;
		st->prefix_runs++;
		if (run_sizing)
			st->prefix_runs_sizing++;
		else
			compare(st, md, buf, total, run_start, run_len + l.len,
				l.text, "prefix run");
	}
	if (in_run)
		st->uncompared++;
	pclose(f);
	if (getenv("DECODE_DIFF_KEEP"))
		fprintf(stderr, "decode_diff: %s stream kept in %s\n", md->name, path);
	else
		unlink(path);
	free(buf);
	return 0;
}

int main(void)
{
	const char *objdump = getenv("OBJDUMP") ?: "objdump";
	const char *e = getenv("DECODE_DIFF_SEED");
	unsigned long count = 200000;
	u64 seed;
	unsigned int m;
	char name[64];

	if (getenv("DECODE_DIFF_COUNT"))
		count = strtoul(getenv("DECODE_DIFF_COUNT"), NULL, 0);
	/*
	 * A fixed default keeps `make check` reproducible; "random" explores
	 * (16 seeds, about 70M comparisons, agreed when the decoder landed).
	 */
	if (e && !strcmp(e, "random"))
		seed = (u64)time(NULL) ^ ((u64)getpid() << 32);
	else
		seed = e ? strtoull(e, NULL, 0) : 1;
	printf("decode_diff: seed %llu (DECODE_DIFF_SEED=%llu reproduces), ",
	       (unsigned long long)seed, (unsigned long long)seed);
	printf("%lu records per mode, %s\n", count, objdump);

	if (system("command -v objdump >/dev/null 2>&1") != 0 && !getenv("OBJDUMP")) {
		printf("decode_diff: skipped: no objdump\n");
		return 0;
	}

	for (m = 0; m < ARRAY_SIZE(modes); m++) {
		const struct mode_desc *md = &modes[m];
		struct stats st = { 0 };
		int rc;

		rc = run_mode(md, seed, count, objdump, &st);
		snprintf(name, sizeof(name), "%s: objdump ran", md->name);
		CHECK(rc == 0, name);
		printf("decode_diff: %s: %lu objdump lines, %lu compared (%lu > 15 bytes), ",
		       md->name, st.lines, st.compared, st.too_long);
		printf("%lu mismatches, %lu rejected by us but accepted by objdump; ",
		       st.mismatch, st.rejected);
		printf("objdump (bad): %lu we reject too, %lu we accept; ",
		       st.bad_we_reject, st.bad_we_accept);
		printf("prefix runs %lu (%lu with 66/67/F2/F3: start not compared), ",
		       st.prefix_runs, st.prefix_runs_sizing);
		printf("runs before (bad) %lu; fwait splits %lu (%lu with 67: rest skipped)\n",
		       st.uncompared, st.fwait_splits, st.fwait_rest_addr);
		snprintf(name, sizeof(name), "%s: no length mismatch", md->name);
		CHECK(st.mismatch == 0, name);
		snprintf(name, sizeof(name), "%s: accepts what objdump accepts", md->name);
		CHECK(st.rejected == 0, name);
		snprintf(name, sizeof(name), "%s: at least %lu compared", md->name, count);
		CHECK(st.compared >= count, name);
	}
	return check_done("decode_diff");
}
