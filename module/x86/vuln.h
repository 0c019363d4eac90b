/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Vulnerable-segment patterns: code that can cause a concurrency error
 * when other vCPUs run at the same time.  Pure C on decode.h (compat.h),
 * built into duet.ko (the translator's dynamic detection) and into the
 * userspace CLI (`duet bt scan`), so both find the same segments.
 */
#ifndef DUET_X86_VULN_H
#define DUET_X86_VULN_H

#include "decode.h"

/* Why an instruction is in a segment (duet_vuln_scan() @why). */
enum duet_vuln_kind {
	DUET_VULN_NONE = 0,
	DUET_VULN_RMW,		/* unlocked read-modify-write of non-stack memory */
	DUET_VULN_LOAD_STORE,	/* load, modify, store of one address, no LOCK */
	DUET_VULN_LOCK,		/* a lock acquisition and its critical section */
};

/*
 * Mark the instructions of @insns[0..@n) (consecutive, decoded in order,
 * one basic block or a straight run of code) that belong to a vulnerable
 * segment: @why[i] = its kind, DUET_VULN_NONE for the others.  Returns
 * the number of segments found.
 */
unsigned int duet_vuln_scan(const struct duet_x86_insn *insns, unsigned int n,
			    u8 *why);

#endif /* DUET_X86_VULN_H */
