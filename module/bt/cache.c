// SPDX-License-Identifier: GPL-2.0
/*
 * The translation cache: one per VM, shared by its vCPUs.
 *
 * Blocks are hashed by (guest-physical address of their first byte, mode)
 * and, for invalidation, by each guest page their bytes came from.  A
 * spinlock serialises lookup, insert and drop; the blocks themselves are
 * freed through SRCU, so a vCPU may keep running a block (and follow its
 * chain links) inside its duet_bt_run() read section while another vCPU
 * drops it.  Handlers may sleep (guest page walks), hence SRCU rather
 * than RCU.
 *
 * Chaining: a block remembers the block that followed it (branch taken
 * or not) together with the cache's generation at the time.  Every
 * drop bumps the generation, so a link is only followed when no block
 * was dropped since it was made; the successor it points to is then
 * still hashed and its memory alive.  A seqlock per block keeps the
 * pointer and generation of a link consistent against concurrent
 * relinking.
 *
 * The cache is bounded (DUET_BT_MAX_BLOCKS): an insertion that would pass
 * the bound first flushes everything, which keeps the hot blocks cheap to
 * rebuild and needs no LRU bookkeeping on the run path.  Blocks are
 * charged to the VM's memory cgroup (GFP_KERNEL_ACCOUNT).
 */
#include <linux/hash.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

#include "../duet.h"
#include "translate.h"

#define DUET_BT_HASH_BITS	10

DEFINE_SRCU(duet_bt_srcu);
EXPORT_SYMBOL_IF_DUET_KUNIT(duet_bt_srcu);

struct duet_bt_cache {
	spinlock_t lock;		/* the tables, gen, nr_blocks */
	u64 gen;			/* bumped by every drop */
	/*
	 * Bumped by every guest write to a translated page and every flush
	 * (segments changed), dropped blocks or not: a block translated
	 * across one must not get in (duet_bt_cache_insert()).
	 */
	u64 wgen;
	unsigned int nr_blocks;
	DECLARE_HASHTABLE(blocks, DUET_BT_HASH_BITS);
	/* By the gfn of a block's first page [0] and of its second [1]. */
	struct hlist_head pages[2][1 << DUET_BT_HASH_BITS];
};

static u64 bt_key(u64 gpa, u8 mode)
{
	return gpa ^ ((u64)mode << 56);
}

struct duet_bt_cache *duet_bt_cache_create(void)
{
	struct duet_bt_cache *cache;

	cache = kvzalloc(sizeof(*cache), GFP_KERNEL_ACCOUNT);
	if (!cache)
		return NULL;
	spin_lock_init(&cache->lock);
	hash_init(cache->blocks);
	hash_init(cache->pages[0]);
	hash_init(cache->pages[1]);
	return cache;
}
EXPORT_SYMBOL_IF_DUET_KUNIT(duet_bt_cache_create);

static void bt_block_free_rcu(struct rcu_head *head)
{
	kfree(container_of(head, struct duet_bt_block, rcu));
}

/* Unhash @blk and free it after every reader is done; cache->lock held. */
static void bt_block_drop(struct duet_bt_cache *cache, struct duet_bt_block *blk)
{
	unsigned int i;

	WRITE_ONCE(cache->gen, cache->gen + 1);
	/* Pairs with the smp_rmb() in duet_bt_cache_follow(). */
	smp_wmb();
	WRITE_ONCE(blk->dead, true);
	hash_del(&blk->node);
	for (i = 0; i < 2; i++)
		if (blk->gfn[i] != DUET_BT_NO_PAGE)
			hash_del(&blk->page_node[i]);
	cache->nr_blocks--;
	call_srcu(&duet_bt_srcu, &blk->rcu, bt_block_free_rcu);
}

static void __duet_bt_cache_flush(struct duet_bt_cache *cache)
{
	struct duet_bt_block *blk;
	struct hlist_node *tmp;
	unsigned int bkt;

	hash_for_each_safe(cache->blocks, bkt, tmp, blk, node)
		bt_block_drop(cache, blk);
}

void duet_bt_cache_flush(struct duet_bt_cache *cache)
{
	spin_lock(&cache->lock);
	__duet_bt_cache_flush(cache);
	WRITE_ONCE(cache->wgen, cache->wgen + 1);
	spin_unlock(&cache->lock);
}
EXPORT_SYMBOL_IF_DUET_KUNIT(duet_bt_cache_flush);

void duet_bt_cache_destroy(struct duet_bt_cache *cache)
{
	if (!cache)
		return;
	duet_bt_cache_flush(cache);
	/* The blocks' SRCU callbacks run before the module can go away. */
	srcu_barrier(&duet_bt_srcu);
	kvfree(cache);
}
EXPORT_SYMBOL_IF_DUET_KUNIT(duet_bt_cache_destroy);

unsigned int duet_bt_cache_invalidate(struct duet_bt_cache *cache, u64 gfn)
{
	struct duet_bt_block *blk;
	struct hlist_node *tmp;
	unsigned int n = 0;

	spin_lock(&cache->lock);
	/* A bucket holds other pages' blocks too: compare the gfn. */
	hash_for_each_possible_safe(cache->pages[0], blk, tmp, page_node[0], gfn) {
		if (blk->gfn[0] == gfn) {
			bt_block_drop(cache, blk);
			n++;
		}
	}
	hash_for_each_possible_safe(cache->pages[1], blk, tmp, page_node[1], gfn) {
		if (blk->gfn[1] == gfn) {
			bt_block_drop(cache, blk);
			n++;
		}
	}
	/*
	 * Even when nothing was cached yet: a block being translated from
	 * bytes read before this write must not get in.
	 */
	WRITE_ONCE(cache->wgen, cache->wgen + 1);
	spin_unlock(&cache->lock);
	return n;
}
EXPORT_SYMBOL_IF_DUET_KUNIT(duet_bt_cache_invalidate);

/*
 * A memory slot went away (its bt_mem_gen bumped, mmu_lock dropped): wait
 * for the translator's runs that may still hold its VMM address to end.
 * Each accesses guest memory inside one duet_bt_srcu read section of at
 * most DUET_BT_BUDGET instructions (duet_bt_run()), and the runs after
 * this see the new generation; so once DUET_SET_MEMSLOT returns, no vCPU
 * in BT reads or writes the slot's memory, as none in hardware does.
 */
void duet_bt_sync_memory(void)
{
	synchronize_srcu(&duet_bt_srcu);
}

u64 duet_bt_cache_gen(struct duet_bt_cache *cache)
{
	return READ_ONCE(cache->gen);
}

/* Taken before the bytes of a translation are read; see wgen. */
u64 duet_bt_cache_wgen(struct duet_bt_cache *cache)
{
	return READ_ONCE(cache->wgen);
}

unsigned int duet_bt_cache_count(struct duet_bt_cache *cache)
{
	return READ_ONCE(cache->nr_blocks);
}
EXPORT_SYMBOL_IF_DUET_KUNIT(duet_bt_cache_count);

static struct duet_bt_block *__bt_lookup(struct duet_bt_cache *cache, u64 gpa,
					 u64 rip, u8 mode, bool detect)
{
	struct duet_bt_block *blk;

	hash_for_each_possible(cache->blocks, blk, node, bt_key(gpa, mode))
		if (blk->gpa == gpa && blk->mode == mode &&
		    blk->rip == rip && blk->detect == detect)
			return blk;
	return NULL;
}

/*
 * The block for the code at @gpa, decoded at linear @rip: relative
 * targets are computed from the linear address, so the same bytes mapped
 * elsewhere are another block.  Call inside an duet_bt_srcu read
 * section; *@gen is the generation to link it with.
 */
struct duet_bt_block *duet_bt_cache_lookup(struct duet_bt_cache *cache,
					   u64 gpa, u64 rip, u8 mode,
					   bool detect, u64 *gen)
{
	struct duet_bt_block *blk;

	spin_lock(&cache->lock);
	blk = __bt_lookup(cache, gpa, rip, mode, detect);
	*gen = cache->gen;
	spin_unlock(&cache->lock);
	return blk;
}
EXPORT_SYMBOL_IF_DUET_KUNIT(duet_bt_cache_lookup);

/*
 * Insert @blk, translated from bytes read after write generation @since
 * (duet_bt_cache_wgen()).  If a translated page was written or the cache
 * flushed meanwhile, the bytes or the segment marks may predate it: keep
 * @blk out of the cache (the runner frees it after one run).  A block another vCPU inserted
 * first wins, and @blk is freed.
 */
struct duet_bt_block *duet_bt_cache_insert(struct duet_bt_cache *cache,
					   struct duet_bt_block *blk,
					   u64 since, u64 *gen)
{
	struct duet_bt_block *old;
	unsigned int i;

	spin_lock(&cache->lock);
	*gen = cache->gen;
	if (cache->wgen != since) {
		spin_unlock(&cache->lock);
		blk->cached = false;
		return blk;
	}
	old = __bt_lookup(cache, blk->gpa, blk->rip, blk->mode, blk->detect);
	if (old) {
		spin_unlock(&cache->lock);
		kfree(blk);
		return old;
	}
	if (cache->nr_blocks >= DUET_BT_MAX_BLOCKS) {
		__duet_bt_cache_flush(cache);
		*gen = cache->gen;
	}
	hash_add(cache->blocks, &blk->node, bt_key(blk->gpa, blk->mode));
	for (i = 0; i < 2; i++)
		if (blk->gfn[i] != DUET_BT_NO_PAGE)
			hash_add(cache->pages[i], &blk->page_node[i], blk->gfn[i]);
	cache->nr_blocks++;
	blk->cached = true;
	spin_unlock(&cache->lock);
	return blk;
}

void duet_bt_cache_link(struct duet_bt_block *from, unsigned int slot,
			struct duet_bt_block *to, u64 gen)
{
	write_seqlock(&from->link_lock);
	from->next[slot].blk = to;
	from->next[slot].gen = gen;
	write_sequnlock(&from->link_lock);
}

/* The successor of @from in @slot if it is still valid and starts at @rip. */
struct duet_bt_block *duet_bt_cache_follow(struct duet_bt_cache *cache,
					   struct duet_bt_block *from,
					   unsigned int slot, u64 rip)
{
	struct duet_bt_link link;
	unsigned int seq;

	/*
	 * The raw read: read_seqbegin() also tells lockdep about the reader,
	 * which on a debug kernel costs more than running the block.  The
	 * reader takes no lock and cannot deadlock against the writer.
	 */
	do {
		seq = raw_read_seqcount_begin(&from->link_lock.seqcount);
		link = from->next[slot];
	} while (read_seqcount_retry(&from->link_lock.seqcount, seq));
	if (!link.blk)
		return NULL;
	/* Pairs with the smp_wmb() in bt_block_drop(). */
	smp_rmb();
	if (link.gen != READ_ONCE(cache->gen))
		return NULL;
	if (link.blk->rip != rip)
		return NULL;
	return link.blk;
}
EXPORT_SYMBOL_IF_DUET_KUNIT(duet_bt_cache_follow);
