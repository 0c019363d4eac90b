/* SPDX-License-Identifier: GPL-2.0 */
/*
 * 64-bit entry state for duet guests: identity-mapping page tables, a GDT
 * with a TSS, and the special registers that use them.  Shared by the CLI
 * and the selftests; plain C on <linux/duet.h>, no other library.
 *
 * Layout of the LONGMODE_TABLES_SIZE bytes at tables_gpa:
 *
 *	+0x0000  PML4 (CR3)
 *	+0x1000  PDPT
 *	+0x2000  page directories, one per GiB mapped (2 MiB pages)
 *	+0x6000  GDT: null, code 0x08, data 0x10, TSS 0x18 (two slots)
 *	+0x6100  the 64-bit TSS
 */
#ifndef DUET_LONGMODE_H
#define DUET_LONGMODE_H

#include <stdint.h>
#include <linux/duet.h>

#define LONGMODE_PML4_OFFSET	0x0000
#define LONGMODE_PDPT_OFFSET	0x1000
#define LONGMODE_PD_OFFSET	0x2000
#define LONGMODE_NR_PD		4
#define LONGMODE_GDT_OFFSET	0x6000
#define LONGMODE_TSS_OFFSET	0x6100
#define LONGMODE_TABLES_SIZE	0x7000

/* The most guest-physical memory the tables map: one GiB a directory. */
#define LONGMODE_MAX_MAP_SIZE	((__u64)LONGMODE_NR_PD << 30)

/* GDT selectors. */
#define LONGMODE_SEL_CODE	0x08
#define LONGMODE_SEL_DATA	0x10
#define LONGMODE_SEL_TSS	0x18

/* Segment attributes, in the packed form of struct duet_segment. */
#define LONGMODE_ATTRIB_CODE	0xa9b	/* G L P S, execute/read, accessed */
#define LONGMODE_ATTRIB_DATA	0xc93	/* G D/B P S, read/write, accessed */
#define LONGMODE_ATTRIB_TSS	0x08b	/* P, busy 64-bit TSS */

#define LONGMODE_TSS_LIMIT	0x67

/*
 * Identity-map guest-physical [0, map_size) with 2 MiB pages (4-level
 * guest paging, CR4.PAE, EFER.LME/LMA/NXE/SCE, CR0.PE/PG/WP/ET/NE) and
 * build a GDT (null, 64-bit code 0x08, data 0x10, and a 64-bit TSS at 0x18)
 * in guest memory at tables_gpa (needs LONGMODE_TABLES_SIZE bytes there,
 * 4 KiB aligned, inside mem); mem is the host mapping of guest-physical 0.
 * map_size is rounded up to 2 MiB and may not pass LONGMODE_MAX_MAP_SIZE.
 * Returns 0 or -EINVAL.
 */
int longmode_build_tables(void *mem, __u64 mem_size, __u64 tables_gpa,
			  __u64 map_size);

/*
 * Fill sregs for 64-bit mode using those tables: CS/DS/ES/FS/GS/SS/TR/LDT,
 * GDT/IDT (IDT limit 0 unless set later), CR0/CR3/CR4/EFER.  sregs must have
 * been read with DUET_GET_SREGS first (only the fields above change).
 */
void longmode_fill_sregs(struct duet_sregs *sregs, __u64 tables_gpa);

/*
 * Set up one vCPU fd for 64-bit entry at rip with rsp, RFLAGS=0x2
 * (interrupts off), rdi, rsi and every other general register 0:
 * GET_SREGS, fill, SET_SREGS, SET_REGS.  Returns 0 or -errno.
 */
int longmode_setup_vcpu(int vcpu_fd, __u64 tables_gpa, __u64 rip,
			__u64 rsp, __u64 rdi, __u64 rsi);

#endif /* DUET_LONGMODE_H */
