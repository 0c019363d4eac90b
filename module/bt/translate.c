// SPDX-License-Identifier: GPL-2.0
/*
 * Translation: guest code to pre-decoded blocks.
 *
 * Representation: threaded code
 * -----------------------------
 * A block is the guest's instructions from a start address up to and
 * including the first control transfer, or up to (excluding) the first
 * instruction the translator does not run, the end of the page, or
 * DUET_BT_MAX_INSNS instructions, whichever comes first.  Each
 * instruction is fetched (through ctx->ops, as a fetch access at the
 * guest's CPL) and decoded once, by duet_x86_decode(), into a struct
 * duet_bt_insn holding the decoded instruction and a pointer to the
 * handler that executes exactly that form, chosen here (see
 * duet_bt_prepare() in exec.c).  Running a block (exec.c) is a loop of
 * indirect calls over that array: no decoding, no dispatch on opcodes.
 *
 * Why not generate host code, as QEMU's TCG does:
 *  - a kernel module has no business making memory executable: W^X,
 *    IBT/CFI and the module loader's text protections all stand against
 *    it, and every generated instruction is code nobody can audit;
 *  - exceptions are precise for free: each handler computes every
 *    address, translation and value before it commits anything, so at a
 *    fault (and at any exit) the state is architectural at an
 *    instruction boundary, which is what handing a vCPU back to hardware
 *    needs;
 *  - handlers are ordinary C, and the arithmetic runs on the host's own
 *    ALU (duet_emu_alu()), so RFLAGS are exact, undefined bits included.
 * The cost is an indirect call and the operand fetches per guest
 * instruction, where generated code would inline them.  The translator
 * runs short stretches (vulnerable segments, the code around them), not
 * whole workloads, so dispatch cost matters less than correctness.
 *
 * Blocks are cached per VM by guest-physical address and mode (cache.c),
 * and remember the guest pages their bytes came from, so a guest write to
 * one of them drops the block.  Instructions in a vulnerable segment (one
 * registered through ops->segment_at(), or found by duet_vuln_scan()
 * with ctx->detect) are marked, so the runner can call segment_enter and
 * segment_exit around them.
 */
#include <linux/mm.h>
#include <linux/slab.h>

#include "../duet.h"
#include "../x86/vuln.h"
#include "translate.h"

/* Enough bytes for a full block, plus one instruction on the next page. */
#define BT_FETCH_MAX	(DUET_BT_MAX_INSNS * DUET_X86_MAX_INSN_LEN)

struct bt_scratch {
	u8 bytes[BT_FETCH_MAX + DUET_X86_MAX_INSN_LEN];
	struct duet_bt_insn insns[DUET_BT_MAX_INSNS];
	struct duet_x86_insn decoded[DUET_BT_MAX_INSNS];
	u8 why[DUET_BT_MAX_INSNS];
};

static u32 bt_fetch_access(const struct duet_bt_state *st)
{
	return DUET_PFERR_FETCH | (st->cpl == 3 ? DUET_PFERR_USER : 0);
}

/*
 * Linear @la (in the page being fetched) to guest-physical: 0, or the
 * DUET_BT_FAULT / DUET_BT_ERR of the walk.
 */
static int bt_fetch_xlate(struct duet_bt_exec *x, u64 la, u64 *gpa)
{
	struct duet_bt_ctx *ctx = x->ctx;
	int r;

	r = ctx->ops->translate(ctx, la, bt_fetch_access(x->st), gpa,
				&ctx->fault);
	if (r > 0)
		return DUET_BT_FAULT;
	if (r < 0) {
		ctx->error = r;
		return DUET_BT_ERR;
	}
	return 0;
}

/* The marks of segments registered by the caller. */
static void bt_mark_registered(struct duet_bt_exec *x, struct duet_bt_insn *bi)
{
	struct duet_bt_ctx *ctx = x->ctx;
	u64 end;

	if (!ctx->ops->segment_at)
		return;
	bi->seg_id = ctx->ops->segment_at(ctx, bi->insn.rip, &end);
	bi->vuln = bi->seg_id != 0;
}

/*
 * Decode the block at x->st->rip, whose first byte is at @gpa, into
 * *@out (allocated, not yet cached).  0, or DUET_BT_FAULT (the fetch of
 * the first instruction faulted: ctx->fault) or DUET_BT_ERR.  A block of
 * no instructions means the first one runs in hardware.
 */
int duet_bt_translate(struct duet_bt_exec *x, u64 gpa,
		      struct duet_bt_block **out)
{
	const struct duet_bt_state *st = x->st;
	u64 rip = st->rip, page_end = (rip | ~PAGE_MASK) + 1;
	unsigned int avail, off = 0, n = 0, i;
	u64 gpa2 = DUET_BT_NO_PAGE;
	struct duet_bt_block *blk;
	struct bt_scratch *s;
	int r;

	s = kmalloc(sizeof(*s), GFP_KERNEL_ACCOUNT);
	if (!s) {
		x->ctx->error = -ENOMEM;
		return DUET_BT_ERR;
	}
	avail = min_t(u64, page_end - rip, BT_FETCH_MAX);
	r = x->ctx->ops->read(x->ctx, gpa, s->bytes, avail);
	if (r) {
		/* Code outside RAM (a ROM the host emulates): hardware runs it. */
		avail = 0;
		goto build;
	}

	while (n < DUET_BT_MAX_INSNS && st->mode == DUET_X86_MODE_64) {
		struct duet_bt_insn *bi = &s->insns[n];
		u64 at = rip + off;

		memset(bi, 0, sizeof(*bi));
		r = duet_x86_decode(&bi->insn, s->bytes + off, avail - off,
				    st->mode, at);
		if (r == -ENODATA && gpa2 == DUET_BT_NO_PAGE &&
		    at + DUET_X86_MAX_INSN_LEN > page_end &&
		    rip + avail == page_end) {
			/* The instruction continues on the next page. */
			r = bt_fetch_xlate(x, page_end, &gpa2);
			if (r) {
				gpa2 = DUET_BT_NO_PAGE;
				/* A later instruction's fault is its own. */
				if (n || r == DUET_BT_ERR)
					break;
				kfree(s);
				return r;
			}
			r = x->ctx->ops->read(x->ctx, gpa2, s->bytes + avail,
					      DUET_X86_MAX_INSN_LEN);
			if (r) {
				gpa2 = DUET_BT_NO_PAGE;
				break;
			}
			avail += DUET_X86_MAX_INSN_LEN;
			continue;
		}
		if (r)
			break;
		s->decoded[n] = bi->insn;
		if (!duet_bt_prepare(bi))
			break;
		bt_mark_registered(x, bi);
		n++;
		off += bi->insn.len;
		if (bi->ends || rip + off >= page_end)
			break;
	}
	/* An instruction on the next page is only kept when it was decoded. */
	if (gpa2 != DUET_BT_NO_PAGE && rip + off <= page_end)
		gpa2 = DUET_BT_NO_PAGE;

	if (x->ctx->detect && n) {
		duet_vuln_scan(s->decoded, n, s->why);
		for (i = 0; i < n; i++)
			if (s->why[i] != DUET_VULN_NONE)
				s->insns[i].vuln = true;
	}

build:
	blk = kzalloc(struct_size(blk, insns, n), GFP_KERNEL_ACCOUNT);
	if (!blk) {
		kfree(s);
		x->ctx->error = -ENOMEM;
		return DUET_BT_ERR;
	}
	blk->nr = n;
	memcpy(blk->insns, s->insns, n * sizeof(*s->insns));
	kfree(s);
	blk->gpa = gpa;
	blk->rip = rip;
	blk->mode = st->mode;
	blk->detect = x->ctx->detect;
	blk->gfn[0] = gpa >> PAGE_SHIFT;
	blk->gfn[1] = gpa2 == DUET_BT_NO_PAGE ? gpa2 : gpa2 >> PAGE_SHIFT;
	seqlock_init(&blk->link_lock);
	/* Code outside RAM is not cached: nothing would invalidate it. */
	if (!avail)
		blk->gfn[0] = DUET_BT_NO_PAGE;
	*out = blk;
	return 0;
}
EXPORT_SYMBOL_IF_DUET_KUNIT(duet_bt_translate);
