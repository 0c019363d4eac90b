/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A fake guest for the translator's KUnit suites: flat memory at
 * guest-physical 0, linear = physical, one linear page that faults, a
 * registered segment, and counters of what the translator asked for.
 */
#ifndef DUET_KUNIT_BT_FAKE_H
#define DUET_KUNIT_BT_FAKE_H

#include <kunit/test.h>
#include <asm/processor-flags.h>
#include <asm/trapnr.h>

#include "duet.h"
#include "bt/bt.h"
#include "bt/translate.h"

#define FAKE_MEM	(16 * PAGE_SIZE)
#define CODE		0x1000ULL
#define DATA		0x6000ULL
#define STK_TOP	0xa000ULL

#define CF	X86_EFLAGS_CF
#define PF	X86_EFLAGS_PF
#define AF	X86_EFLAGS_AF
#define ZF	X86_EFLAGS_ZF
#define SF	X86_EFLAGS_SF
#define OF	X86_EFLAGS_OF
#define ARITH	(CF | PF | AF | ZF | SF | OF)

struct bt_fake {
	struct duet_bt_ctx ctx;
	struct duet_bt_state st;
	struct duet_bt_stats stats;
	u8 mem[FAKE_MEM];
	u64 fault_page;			/* linear page that faults, or ~0 */
	u64 seg_start, seg_end;		/* registered segment, id seg_id */
	u32 seg_id;
	unsigned int fetches;		/* translations for fetch */
	unsigned int cmpxchgs;
	unsigned int enters, exits;
	u64 enter_rip, exit_rip;
	u32 enter_id;
	bool leave;
};

static inline struct bt_fake *to_fake(struct duet_bt_ctx *ctx)
{
	return container_of(ctx, struct bt_fake, ctx);
}

static inline int fake_translate(struct duet_bt_ctx *ctx, u64 la, u32 access,
				 u64 *gpa, struct duet_bt_fault *fault)
{
	struct bt_fake *f = to_fake(ctx);
	bool present = la < FAKE_MEM && (la & PAGE_MASK) != f->fault_page;

	if (access & DUET_PFERR_FETCH)
		f->fetches++;
	if (!present) {
		*fault = (struct duet_bt_fault){
			.vector = X86_TRAP_PF, .has_error_code = true,
			.error_code = access, .has_cr2 = true, .cr2 = la,
		};
		return 1;
	}
	*gpa = la;
	return 0;
}

static inline int fake_read(struct duet_bt_ctx *ctx, u64 gpa, void *buf,
			    unsigned int len)
{
	if (gpa + len > FAKE_MEM)
		return -EFAULT;
	memcpy(buf, to_fake(ctx)->mem + gpa, len);
	return 0;
}

static inline int fake_write(struct duet_bt_ctx *ctx, u64 gpa, const void *buf,
			     unsigned int len)
{
	if (gpa + len > FAKE_MEM)
		return -EFAULT;
	memcpy(to_fake(ctx)->mem + gpa, buf, len);
	return 0;
}

static inline int fake_cmpxchg(struct duet_bt_ctx *ctx, u64 gpa, u64 old,
			       u64 new, unsigned int size)
{
	struct bt_fake *f = to_fake(ctx);
	void *p = f->mem + gpa;

	if ((size != 4 && size != 8) || !IS_ALIGNED(gpa, size) ||
	    gpa + size > FAKE_MEM)
		return -EINVAL;
	f->cmpxchgs++;
	if (size == 8) {
		u64 cur = old;

		return try_cmpxchg((u64 *)p, &cur, new) ? 0 : -EAGAIN;
	}
	return try_cmpxchg((u32 *)p, &(u32){ old }, (u32)new) ? 0 : -EAGAIN;
}

static inline u32 fake_segment_at(struct duet_bt_ctx *ctx, u64 rip, u64 *end)
{
	struct bt_fake *f = to_fake(ctx);

	if (rip < f->seg_start || rip >= f->seg_end)
		return 0;
	*end = f->seg_end;
	return f->seg_id;
}

static inline bool fake_leave(struct duet_bt_ctx *ctx)
{
	return to_fake(ctx)->leave;
}

static inline int fake_segment_enter(struct duet_bt_ctx *ctx, u64 rip, u32 id)
{
	struct bt_fake *f = to_fake(ctx);

	f->enters++;
	f->enter_rip = rip;
	f->enter_id = id;
	return 0;
}

static inline void fake_segment_exit(struct duet_bt_ctx *ctx, u64 rip)
{
	struct bt_fake *f = to_fake(ctx);

	f->exits++;
	f->exit_rip = rip;
}

static const struct duet_bt_ops fake_ops = {
	.translate = fake_translate,
	.read = fake_read,
	.write = fake_write,
	.cmpxchg = fake_cmpxchg,
	.segment_at = fake_segment_at,
	.leave = fake_leave,
	.segment_enter = fake_segment_enter,
	.segment_exit = fake_segment_exit,
};

static inline void fake_destroy_cache(void *cache)
{
	duet_bt_cache_destroy(cache);
}

static inline struct bt_fake *fake_new(struct kunit *test)
{
	struct bt_fake *f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, f);
	f->ctx.ops = &fake_ops;
	f->ctx.stats = &f->stats;
	f->ctx.cache = duet_bt_cache_create();
	KUNIT_ASSERT_NOT_NULL(test, f->ctx.cache);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, fake_destroy_cache,
							f->ctx.cache), 0);
	f->st.rip = CODE;
	f->st.rflags = X86_EFLAGS_FIXED;
	f->st.mode = DUET_X86_MODE_64;
	f->st.va_bits = 48;
	f->st.gpr[4] = STK_TOP;
	f->fault_page = ~0ULL;
	return f;
}

/* Place @n bytes of code at @at, then HLT, and run from @at. */
static inline enum duet_bt_exit fake_run_at(struct bt_fake *f, u64 at,
					    const u8 *code, unsigned int n,
					    u64 budget)
{
	u64 gfn;

	/* A changed program is a guest write to translated code. */
	if (memcmp(f->mem + at, code, n) || f->mem[at + n] != 0xf4) {
		memcpy(f->mem + at, code, n);
		f->mem[at + n] = 0xf4;
		for (gfn = at >> PAGE_SHIFT; gfn <= (at + n) >> PAGE_SHIFT; gfn++)
			duet_bt_cache_invalidate(f->ctx.cache, gfn);
	}
	f->st.rip = at;
	return duet_bt_run(&f->ctx, &f->st, budget);
}

/* Run the bytes at CODE to the HLT after them (HW_STEP on it). */
#define RUN(f, ...) ({							\
	static const u8 __c[] = { __VA_ARGS__ };			\
	fake_run_at(f, CODE, __c, sizeof(__c), 1000);			\
})

/* Run @code to the HLT after it, asserting that it got there. */
static inline void fake_run_all(struct kunit *test, struct bt_fake *f,
				const u8 *code, unsigned int n)
{
	KUNIT_ASSERT_EQ(test, fake_run_at(f, CODE, code, n, 1000),
			DUET_BT_EXIT_HW_STEP);
	KUNIT_ASSERT_EQ(test, f->st.rip, CODE + n);
}

#define RUN_ALL(test, f, ...) do {					\
	static const u8 __c[] = { __VA_ARGS__ };			\
	fake_run_all(test, f, __c, sizeof(__c));			\
} while (0)

#endif /* DUET_KUNIT_BT_FAKE_H */
