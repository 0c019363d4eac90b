// SPDX-License-Identifier: GPL-2.0
/*
 * 64-bit entry state for duet guests; see longmode.h for the layout.
 *
 * The guest starts directly in long mode, as after a boot loader: paging
 * on with 4-level tables that identity-map low memory in 2 MiB pages, flat
 * 64-bit code and data segments, and a TSS so that TR holds a valid 64-bit
 * TSS should the guest install an IDT later.
 */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <linux/const.h>

#include "longmode.h"

/* Paging-structure entry bits (APM "Long-Mode Page Translation"). */
#define PTE_P		_BITULL(0)
#define PTE_RW		_BITULL(1)
#define PTE_A		_BITULL(5)
#define PTE_D		_BITULL(6)
#define PTE_PS		_BITULL(7)

#define PAGE_SIZE_4K	0x1000ULL
#define PAGE_SIZE_2M	0x200000ULL

#define X86_CR0_PE	_BITULL(0)
#define X86_CR0_ET	_BITULL(4)
#define X86_CR0_NE	_BITULL(5)
#define X86_CR0_WP	_BITULL(16)
#define X86_CR0_PG	_BITULL(31)
#define X86_CR4_PAE	_BITULL(5)
#define EFER_SCE	_BITULL(0)
#define EFER_LME	_BITULL(8)
#define EFER_LMA	_BITULL(10)
#define EFER_NXE	_BITULL(11)

#define RFLAGS_FIXED	0x2ULL

/* GDT entries: null, code, data, and the two slots of the TSS. */
#define GDT_ENTRIES	5

/*
 * A legacy segment descriptor from the packed attribute form: attrib[7:0]
 * is the access byte (descriptor bits 47:40), attrib[11:8] the flags
 * nibble AVL/L/D-B/G (descriptor bits 55:52).
 */
static __u64 gdt_entry(__u32 base, __u32 limit, __u32 attrib)
{
	return (__u64)(limit & 0xffff) |
	       (__u64)(base & 0xffffff) << 16 |
	       (__u64)(attrib & 0xff) << 40 |
	       (__u64)((limit >> 16) & 0xf) << 48 |
	       (__u64)((attrib >> 8) & 0xf) << 52 |
	       (__u64)(base >> 24) << 56;
}

int longmode_build_tables(void *mem, __u64 mem_size, __u64 tables_gpa,
			  __u64 map_size)
{
	__u8 *tables;
	__u64 *pml4, *pdpt, *pd, *gdt;
	__u64 tss_gpa, addr;
	unsigned int i;

	if (!mem || tables_gpa % PAGE_SIZE_4K || tables_gpa > mem_size ||
	    mem_size - tables_gpa < LONGMODE_TABLES_SIZE)
		return -EINVAL;
	if (!map_size || map_size > LONGMODE_MAX_MAP_SIZE)
		return -EINVAL;
	map_size = (map_size + PAGE_SIZE_2M - 1) & ~(PAGE_SIZE_2M - 1);

	tables = (__u8 *)mem + tables_gpa;
	memset(tables, 0, LONGMODE_TABLES_SIZE);
	pml4 = (__u64 *)(tables + LONGMODE_PML4_OFFSET);
	pdpt = (__u64 *)(tables + LONGMODE_PDPT_OFFSET);
	pd = (__u64 *)(tables + LONGMODE_PD_OFFSET);

	/*
	 * Accessed and dirty preset: the guest's page walks then never write
	 * the tables, which the guest may not expect to be live.
	 */
	pml4[0] = (tables_gpa + LONGMODE_PDPT_OFFSET) | PTE_P | PTE_RW | PTE_A;
	for (i = 0; i < LONGMODE_NR_PD && (__u64)i << 30 < map_size; i++)
		pdpt[i] = (tables_gpa + LONGMODE_PD_OFFSET + i * PAGE_SIZE_4K) |
			  PTE_P | PTE_RW | PTE_A;
	/* The directories are contiguous: index them as one array. */
	for (addr = 0; addr < map_size; addr += PAGE_SIZE_2M)
		pd[addr / PAGE_SIZE_2M] = addr | PTE_P | PTE_RW | PTE_A |
					  PTE_D | PTE_PS;

	gdt = (__u64 *)(tables + LONGMODE_GDT_OFFSET);
	tss_gpa = tables_gpa + LONGMODE_TSS_OFFSET;
	gdt[LONGMODE_SEL_CODE / 8] = gdt_entry(0, 0xfffff, LONGMODE_ATTRIB_CODE);
	gdt[LONGMODE_SEL_DATA / 8] = gdt_entry(0, 0xfffff, LONGMODE_ATTRIB_DATA);
	/* A system descriptor is 16 bytes in long mode: base[63:32] follows. */
	gdt[LONGMODE_SEL_TSS / 8] = gdt_entry((__u32)tss_gpa,
					      LONGMODE_TSS_LIMIT,
					      LONGMODE_ATTRIB_TSS);
	gdt[LONGMODE_SEL_TSS / 8 + 1] = tss_gpa >> 32;
	/*
	 * The TSS stays zero but for the I/O map base (offset 0x66), which
	 * points past the limit: no I/O permission bitmap.
	 */
	tables[LONGMODE_TSS_OFFSET + 0x66] = LONGMODE_TSS_LIMIT + 1;
	return 0;
}

static void set_segment(struct duet_segment *seg, __u32 selector,
			__u64 base, __u32 limit, __u32 attrib)
{
	seg->selector = selector;
	seg->base = base;
	seg->limit = limit;
	seg->attrib = attrib;
	seg->padding = 0;
}

void longmode_fill_sregs(struct duet_sregs *sregs, __u64 tables_gpa)
{
	set_segment(&sregs->cs, LONGMODE_SEL_CODE, 0, 0xffffffff,
		    LONGMODE_ATTRIB_CODE);
	set_segment(&sregs->ds, LONGMODE_SEL_DATA, 0, 0xffffffff,
		    LONGMODE_ATTRIB_DATA);
	sregs->es = sregs->ds;
	sregs->fs = sregs->ds;
	sregs->gs = sregs->ds;
	sregs->ss = sregs->ds;
	set_segment(&sregs->tr, LONGMODE_SEL_TSS,
		    tables_gpa + LONGMODE_TSS_OFFSET, LONGMODE_TSS_LIMIT,
		    LONGMODE_ATTRIB_TSS);
	/* No LDT: a null selector, not present. */
	set_segment(&sregs->ldt, 0, 0, 0, 0);

	sregs->gdt.base = tables_gpa + LONGMODE_GDT_OFFSET;
	sregs->gdt.limit = GDT_ENTRIES * 8 - 1;
	sregs->gdt.padding = 0;
	sregs->idt.base = 0;
	sregs->idt.limit = 0;
	sregs->idt.padding = 0;

	sregs->cr0 = X86_CR0_PE | X86_CR0_ET | X86_CR0_NE | X86_CR0_WP |
		     X86_CR0_PG;
	sregs->cr3 = tables_gpa + LONGMODE_PML4_OFFSET;
	sregs->cr4 = X86_CR4_PAE;
	sregs->efer = EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE;
}

int longmode_setup_vcpu(int vcpu_fd, __u64 tables_gpa, __u64 rip,
			__u64 rsp, __u64 rdi, __u64 rsi)
{
	struct duet_sregs sregs;
	struct duet_regs regs;

	if (ioctl(vcpu_fd, DUET_GET_SREGS, &sregs) < 0)
		return -errno;
	longmode_fill_sregs(&sregs, tables_gpa);
	if (ioctl(vcpu_fd, DUET_SET_SREGS, &sregs) < 0)
		return -errno;

	memset(&regs, 0, sizeof(regs));
	regs.rip = rip;
	regs.rsp = rsp;
	regs.rflags = RFLAGS_FIXED;
	regs.rdi = rdi;
	regs.rsi = rsi;
	if (ioctl(vcpu_fd, DUET_SET_REGS, &regs) < 0)
		return -errno;
	return 0;
}
