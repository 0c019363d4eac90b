/* SPDX-License-Identifier: GPL-2.0 */
/*
 * duet selftests: moving x87 and SSE registers to and from memory.
 *
 * Test code is built -mgeneral-regs-only, in the guest and in the host, so
 * that the compiler never touches these registers by itself: these
 * helpers, in assembly (lib/fpu.c), are the only code that does.  Each is
 * an ordinary function call, usable from guest code too (a guest needs
 * CR4.OSFXSR for the SSE ones: see vcpu_enable_sse()).
 */
#ifndef DUET_SELFTEST_FPU_H
#define DUET_SELFTEST_FPU_H

#include <linux/types.h>

/* Registers in the layout fpu_ioctl_with_regs() reads and writes. */
struct fpu_regs {
	__u8 xmm[16][16];		/* XMM0-15 */
	__u32 mxcsr;
	__u32 pad[3];
	__u8 st0[16];			/* ST0, 80 bits in the first 10 bytes */
};

/* XMM0-15 to or from 16 consecutive 16-byte slots at @xmm. */
void fpu_xmm_store(void *xmm);
void fpu_xmm_load(const void *xmm);
/* STMXCSR / LDMXCSR. */
void fpu_mxcsr_store(__u32 *mxcsr);
void fpu_mxcsr_load(const __u32 *mxcsr);
/* FLD / FSTP of an 80-bit value: push it, or pop ST0 into @st. */
void fpu_st0_push(const void *st);
void fpu_st0_pop(void *st);
/* FXSAVE64 into 512 bytes at @area, 16-byte aligned. */
void fpu_fxsave(void *area);

/*
 * ioctl(@fd, @req, 0) with XMM0-15, MXCSR and ST0 loaded from @in right
 * before the system call and stored to @out (and ST0 popped) right after
 * it, with no compiler or library code in between: what the system call
 * did to the caller's registers shows in @out.  Returns the system call's
 * result (-errno on failure).  The caller's MXCSR comes back afterwards.
 */
long fpu_ioctl_with_regs(int fd, unsigned long req, const struct fpu_regs *in,
			 struct fpu_regs *out);

#endif /* DUET_SELFTEST_FPU_H */
