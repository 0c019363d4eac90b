/* SPDX-License-Identifier: GPL-2.0 */
/*
 * duet's binary translator (BT): the interfaces between its parts.
 *
 *   bt/translate.c, bt/exec.c, bt/cache.c   the translator proper: guest
 *       x86-64 code, a basic block at a time, decoded once into a cached
 *       block of pre-decoded instructions with their handlers (threaded
 *       code), then run on a struct duet_bt_state; blocks are keyed by the
 *       guest-physical address of their first byte and the CPU mode, and
 *       dropped when the guest writes a page they came from.
 *   bt/stall.c    the per-VM stall barrier (all other vCPUs out of guest
 *       mode while one runs a vulnerable segment).
 *   bt/segment.c  the per-VM registry of vulnerable segments (netlink
 *       bt-segment-add/del/dump) and per-segment hits.
 *   x86/vuln.c    the patterns that make code vulnerable, shared by the
 *       translator (dynamic detection) and `duet bt scan` (userspace).
 *   bt/run.c      the glue: a vCPU in BT mode runs here instead of in
 *       hardware; instructions BT does not translate run in hardware one
 *       at a time through the backend.
 */
#ifndef DUET_BT_H
#define DUET_BT_H

#include <linux/types.h>

struct duet_vm;
struct duet_vcpu;

/*
 * The guest state the translator runs on, loaded from and stored back to
 * the backend's (VMCB save area and GPRs, or VMCS and GPRs) at every hand
 * over, so hardware and BT can pass a vCPU back and forth at any
 * instruction boundary.
 */
struct duet_bt_state {
	u64 gpr[16];			/* rAX ... r15, SDM numbering */
	u64 rip;
	u64 rflags;
	u64 cr0, cr3, cr4, efer;	/* the guest's view */
	u64 seg_base[6];		/* enum duet_x86_seg: ES CS SS DS FS GS */
	u8 cpl;
	u8 mode;			/* DUET_X86_MODE_16/32/64 */
	u8 va_bits;			/* 48, or 57 with CR4.LA57 */
};

/* An exception for the guest, at the boundary of the faulting instruction. */
struct duet_bt_fault {
	u8 vector;
	bool has_error_code;
	u32 error_code;
	bool has_cr2;			/* #PF */
	u64 cr2;
};

/* Why duet_bt_run() returned; the state is at an instruction boundary. */
enum duet_bt_exit {
	DUET_BT_EXIT_BUDGET,		/* ran its instruction budget */
	DUET_BT_EXIT_HW_STEP,		/* the next instruction runs in hardware */
	DUET_BT_EXIT_FAULT,		/* ctx->fault for the guest, RIP on it */
	DUET_BT_EXIT_LEAVE,		/* ctx->leave() said stop (kick, signal) */
	DUET_BT_EXIT_ERROR,		/* -errno in ctx->error (host-side) */
};

struct duet_bt_ctx;

/* What the translator needs from its caller (bt/run.c, or KUnit fakes). */
struct duet_bt_ops {
	/*
	 * Guest-linear to guest-physical for @access (DUET_PFERR_* bits);
	 * 0, 1 with *@fault filled for the guest, or -errno.
	 */
	int (*translate)(struct duet_bt_ctx *ctx, u64 la, u32 access,
			 u64 *gpa, struct duet_bt_fault *fault);
	/* Guest-physical reads and writes: 0 or -errno. */
	int (*read)(struct duet_bt_ctx *ctx, u64 gpa, void *buf,
		    unsigned int len);
	int (*write)(struct duet_bt_ctx *ctx, u64 gpa, const void *buf,
		     unsigned int len);
	/* Atomic compare-exchange (LOCK CMPXCHG, XCHG, LOCK RMW): 0, -EAGAIN, -errno. */
	int (*cmpxchg)(struct duet_bt_ctx *ctx, u64 gpa, u64 old, u64 new,
		       unsigned int size);
	/*
	 * The registered segment holding @rip (linear address): its id, and
	 * in *@end the first byte after it; 0 when none does.
	 */
	u32 (*segment_at)(struct duet_bt_ctx *ctx, u64 rip, u64 *end);
	/*
	 * Optional: code is about to be read from guest-physical page @gfn
	 * for a translation; bt/run.c write-protects the page, so that a
	 * guest write drops the translations from it
	 * (duet_bt_cache_invalidate()).
	 */
	void (*code_page)(struct duet_bt_ctx *ctx, u64 gfn);
	/* Checked between blocks: true to stop with DUET_BT_EXIT_LEAVE. */
	bool (*leave)(struct duet_bt_ctx *ctx);
	/*
	 * A vulnerable segment starts before the instruction at @rip (enter)
	 * or ended before it (exit): bt/run.c takes and releases the stall
	 * barrier.  @id: the registered segment, or 0 for one the translator
	 * found by itself.  Enter returns 0, or non-zero when the barrier
	 * could not be taken: the run then stops before @rip with
	 * DUET_BT_EXIT_LEAVE and the segment is not entered.
	 */
	int (*segment_enter)(struct duet_bt_ctx *ctx, u64 rip, u32 id);
	void (*segment_exit)(struct duet_bt_ctx *ctx, u64 rip);
};

/* Per-vCPU translator statistics, u64 each (netlink vcpu-get). */
struct duet_bt_stats {
	u64 blocks_translated;
	u64 cache_hits;
	u64 invalidations;
	u64 insns;			/* guest instructions run by BT */
	u64 hw_steps;			/* instructions single-stepped in hardware */
	u64 segments_entered;
	u64 step_stalls;		/* hardware steps under the barrier */
};

struct duet_bt_cache;

struct duet_bt_ctx {
	const struct duet_bt_ops *ops;
	void *opaque;			/* the caller's (the vCPU) */
	struct duet_bt_cache *cache;	/* the VM's translation cache */
	struct duet_bt_stats *stats;
	u32 id;				/* the vCPU's, for tracepoints */
	bool detect;			/* dynamic vulnerable-segment detection */
	bool in_segment;		/* between segment_enter and _exit */
	struct duet_bt_fault fault;	/* out: DUET_BT_EXIT_FAULT */
	int error;			/* out: DUET_BT_EXIT_ERROR */
};

/* bt/cache.c: one translation cache per VM. */
struct duet_bt_cache *duet_bt_cache_create(void);
void duet_bt_cache_destroy(struct duet_bt_cache *cache);
/* Drop every block with a byte in guest-physical page @gfn; how many. */
unsigned int duet_bt_cache_invalidate(struct duet_bt_cache *cache, u64 gfn);
/* Drop every block (a segment was registered or removed). */
void duet_bt_cache_flush(struct duet_bt_cache *cache);

/*
 * bt/stall.c: the per-VM stall barrier.  @self is the vCPU that takes it
 * (the caller's own, from its thread), or NULL for a caller that is not a
 * vCPU.  They may sleep; call them without locks held, mmu_lock included.
 *
 * duet_stall_begin() waits for its turn (a requester is not in guest mode
 * meanwhile), then kicks every other vCPU of @vm out of guest mode and
 * waits, bounded, until none is in it: 0 with the barrier held, -EINTR
 * (signal while waiting for its turn) or -ETIMEDOUT (a vCPU did not leave
 * guest mode in time; counted) without it.  duet_stall_check(), between
 * blocks: whether @self still holds the barrier; false once the VM's
 * maximum stall time has passed, the barrier then released and the event
 * counted.  duet_stall_end() releases it (nothing if it was released by
 * the limit).
 *
 * A vCPU that runs guest code outside hardware (BT) counts as in guest
 * mode only if it says so as the backends do: smp_store_mb() of
 * IN_GUEST_MODE to vcpu->mode, then duet_vcpu_should_leave(), which it
 * also checks between blocks; OUTSIDE_GUEST_MODE when it stops.
 */
int duet_stall_begin(struct duet_vm *vm, struct duet_vcpu *self);
bool duet_stall_check(struct duet_vm *vm, struct duet_vcpu *self);
void duet_stall_end(struct duet_vm *vm, struct duet_vcpu *self);

/* bt/exec.c */
enum duet_bt_exit duet_bt_run(struct duet_bt_ctx *ctx,
			      struct duet_bt_state *st, u64 budget);

/* bt/segment.c: the per-VM registry of vulnerable segments. */
#define DUET_BT_MAX_SEGMENTS	4096	/* per VM */

/* What bt-segment-dump reports of one segment. */
struct duet_bt_segment_info {
	u32 id;
	u64 start, len;			/* guest-linear [start, start + len) */
	u64 hits;
};

int duet_bt_segments_create(struct duet_vm *vm);
void duet_bt_segments_destroy(struct duet_vm *vm);
/**
 * duet_bt_segment_at() - the registered segment holding @rip
 * @vm: the VM
 * @rip: a guest-linear address
 * @end: set to the first byte after the segment when one holds @rip
 *
 * Lock-free (RCU), callable from any context that may take
 * rcu_read_lock(), e.g. a vCPU's exit path with preemption off.
 *
 * Return: the segment's id, or 0 when no segment holds @rip.
 */
u32 duet_bt_segment_at(struct duet_vm *vm, u64 rip, u64 *end);
/**
 * duet_bt_segment_hit() - count one execution of segment @id of @vm
 * @vm: the VM
 * @id: as duet_bt_segment_at() returned it; a deleted one is ignored
 *
 * Lock-free (RCU, an atomic increment).
 */
void duet_bt_segment_hit(struct duet_vm *vm, u32 id);
/*
 * Register [@start, @start + @len): 0 with the new id in *@id; -EINVAL
 * for length 0 or a range past 2^64, -EEXIST for an overlap with a
 * registered segment, -ENOSPC with DUET_BT_MAX_SEGMENTS already, -ENOMEM.
 * Sleeps.
 */
int duet_bt_segment_add(struct duet_vm *vm, u64 start, u64 len, u32 *id);
/* Unregister segment @id: 0 or -ENOENT (-ENOMEM).  Sleeps. */
int duet_bt_segment_del(struct duet_vm *vm, u32 id);
/* The segment with the lowest id >= *@id, its id into *@id: 0 or -ENOENT. */
int duet_bt_segment_next(struct duet_vm *vm, unsigned long *id,
			 struct duet_bt_segment_info *info);

#endif /* DUET_BT_H */
