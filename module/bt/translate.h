/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The translator proper, inside: pre-decoded blocks (translate.c), their
 * cache (cache.c) and the handlers that run them (exec.c).  translate.c
 * documents the representation.
 */
#ifndef DUET_BT_TRANSLATE_H
#define DUET_BT_TRANSLATE_H

#include <linux/hashtable.h>
#include <linux/seqlock.h>
#include <linux/srcu.h>

#include "bt.h"
#include "../x86/decode.h"

/* A block ends after this many instructions at the latest. */
#define DUET_BT_MAX_INSNS	32
/* Blocks per VM; the cache is flushed when a translation would pass it. */
#define DUET_BT_MAX_BLOCKS	4096

struct duet_bt_exec;
struct duet_bt_insn;

/* What a handler did. */
enum duet_bt_res {
	DUET_BT_NEXT = 0,	/* committed: RIP moves to the next instruction */
	DUET_BT_JUMP,		/* committed: the handler set RIP (branch taken) */
	DUET_BT_FAULT,		/* ctx->fault filled, nothing committed */
	DUET_BT_HW,		/* must run in hardware, nothing committed */
	DUET_BT_ERR,		/* host error in ctx->error */
};

typedef int (*duet_bt_handler_t)(struct duet_bt_exec *x,
				 const struct duet_bt_insn *bi);

/* One pre-decoded guest instruction. */
struct duet_bt_insn {
	duet_bt_handler_t fn;
	u32 seg_id;		/* registered segment holding it, 0 if none */
	bool vuln;		/* in a vulnerable segment (registered or found) */
	bool ends;		/* a control transfer: the block ends here */
	u8 sub;			/* handler-specific (shift kind, ...) */
	struct duet_x86_insn insn;
};

/* A chain link to a successor block, valid while the cache's gen is. */
struct duet_bt_link {
	struct duet_bt_block *blk;
	u64 gen;
};

#define DUET_BT_NO_PAGE		(~0ULL)

struct duet_bt_block {
	struct hlist_node node;		/* cache->blocks, by (gpa, mode) */
	struct hlist_node page_node[2];	/* cache->pages, by gfn */
	struct rcu_head rcu;
	u64 gpa;			/* guest-physical address of byte 0 */
	u64 rip;			/* linear address it was decoded at */
	u64 gfn[2];			/* pages of its bytes; [1] NO_PAGE */
	u8 mode;
	bool detect;			/* translated with dynamic detection */
	bool cached;			/* in the cache (else the runner frees it) */
	bool dead;			/* dropped: stop running it */
	seqlock_t link_lock;		/* next[] */
	struct duet_bt_link next[2];	/* [0] branch taken, [1] not taken */
	unsigned int nr;		/* 0: the instruction at rip runs in hardware */
	struct duet_bt_insn insns[] __counted_by(nr);
};

/* Scratch of one duet_bt_run(). */
struct duet_bt_exec {
	struct duet_bt_ctx *ctx;
	struct duet_bt_state *st;
};

/* cache.c */
extern struct srcu_struct duet_bt_srcu;
struct duet_bt_block *duet_bt_cache_lookup(struct duet_bt_cache *cache,
					   u64 gpa, u64 rip, u8 mode,
					   bool detect, u64 *gen);
u64 duet_bt_cache_gen(struct duet_bt_cache *cache);
u64 duet_bt_cache_wgen(struct duet_bt_cache *cache);
struct duet_bt_block *duet_bt_cache_insert(struct duet_bt_cache *cache,
					   struct duet_bt_block *blk,
					   u64 since, u64 *gen);
void duet_bt_cache_link(struct duet_bt_block *from, unsigned int slot,
			struct duet_bt_block *to, u64 gen);
struct duet_bt_block *duet_bt_cache_follow(struct duet_bt_cache *cache,
					   struct duet_bt_block *from,
					   unsigned int slot, u64 rip);
unsigned int duet_bt_cache_count(struct duet_bt_cache *cache);

/* translate.c */
int duet_bt_translate(struct duet_bt_exec *x, u64 gpa,
		      struct duet_bt_block **out);

/* exec.c: the handler of @bi->insn, or false when BT does not run it. */
bool duet_bt_prepare(struct duet_bt_insn *bi);

#endif /* DUET_BT_TRANSLATE_H */
