// SPDX-License-Identifier: GPL-2.0
/*
 * lib/longmode.c: the tables and registers a 64-bit guest starts with,
 * checked against the APM's encodings.
 */
#include <errno.h>
#include <stdlib.h>

#include "check.h"
#include "lib/longmode.h"

#define MEM_SIZE	(8ULL << 20)
#define TABLES_GPA	0x10000ULL

static __u64 entry_at(const __u8 *mem, __u64 gpa)
{
	__u64 val;

	memcpy(&val, mem + gpa, sizeof(val));
	return val;
}

/* Walk the guest tables as the CPU would: 0 when not present. */
static __u64 translate(const __u8 *mem, __u64 cr3, __u64 va)
{
	const __u64 addr_mask = 0x000ffffffffff000ULL;
	__u64 e;

	e = entry_at(mem, (cr3 & addr_mask) + ((va >> 39) & 511) * 8);
	if (!(e & 1))
		return 0;
	e = entry_at(mem, (e & addr_mask) + ((va >> 30) & 511) * 8);
	if (!(e & 1) || (e & 0x80))
		return 0;
	e = entry_at(mem, (e & addr_mask) + ((va >> 21) & 511) * 8);
	if (!(e & 1) || !(e & 0x80) || !(e & 2))
		return 0;
	return (e & 0x000fffffffe00000ULL) | (va & 0x1fffff);
}

static void test_tables(void)
{
	__u8 *mem = calloc(1, MEM_SIZE);
	__u64 gdt = TABLES_GPA + LONGMODE_GDT_OFFSET, tss, desc;

	CHECK(!longmode_build_tables(mem, MEM_SIZE, TABLES_GPA, 6ULL << 20),
	      "tables build");
	CHECK(translate(mem, TABLES_GPA, 0) == 0 + 0,
	      "identity: 0");
	CHECK(translate(mem, TABLES_GPA, 0x123456) == 0x123456,
	      "identity: 0x123456");
	CHECK(translate(mem, TABLES_GPA, (6ULL << 20) - 1) ==
	      (6ULL << 20) - 1, "identity: last byte mapped");
	CHECK(!translate(mem, TABLES_GPA, 6ULL << 20), "nothing past map_size");
	CHECK(!translate(mem, TABLES_GPA, 1ULL << 39), "nothing past PML4[0]");

	CHECK(entry_at(mem, gdt) == 0, "GDT[0] null");
	CHECK(entry_at(mem, gdt + LONGMODE_SEL_CODE) == 0x00af9b000000ffffULL,
	      "64-bit code descriptor");
	CHECK(entry_at(mem, gdt + LONGMODE_SEL_DATA) == 0x00cf93000000ffffULL,
	      "data descriptor");
	tss = TABLES_GPA + LONGMODE_TSS_OFFSET;
	desc = entry_at(mem, gdt + LONGMODE_SEL_TSS);
	CHECK((desc & 0xffff) == LONGMODE_TSS_LIMIT, "TSS limit");
	CHECK(((desc >> 16) & 0xffffff) == (tss & 0xffffff) &&
	      (desc >> 56) == ((tss >> 24) & 0xff), "TSS base[31:0]");
	CHECK(((desc >> 40) & 0xff) == 0x8b, "TSS: present, busy 64-bit");
	CHECK(entry_at(mem, gdt + LONGMODE_SEL_TSS + 8) == tss >> 32,
	      "TSS base[63:32]");
	CHECK(mem[tss + 0x66] == LONGMODE_TSS_LIMIT + 1,
	      "no I/O permission bitmap");
	free(mem);
}

static void test_rounding(void)
{
	__u8 *mem = calloc(1, MEM_SIZE);

	CHECK(!longmode_build_tables(mem, MEM_SIZE, TABLES_GPA, 0x1000),
	      "4 KiB map");
	CHECK(translate(mem, TABLES_GPA, 0x1fffff) == 0x1fffff,
	      "rounded up to 2 MiB");
	CHECK(!translate(mem, TABLES_GPA, 0x200000), "and no further");
	CHECK(!longmode_build_tables(mem, MEM_SIZE, TABLES_GPA,
				     LONGMODE_MAX_MAP_SIZE), "largest map");
	CHECK(translate(mem, TABLES_GPA, LONGMODE_MAX_MAP_SIZE - 1) ==
	      LONGMODE_MAX_MAP_SIZE - 1, "largest map: last byte");
	free(mem);
}

static void test_bad_args(void)
{
	__u8 *mem = calloc(1, MEM_SIZE);

	CHECK(longmode_build_tables(NULL, MEM_SIZE, TABLES_GPA, MEM_SIZE) ==
	      -EINVAL, "no memory");
	CHECK(longmode_build_tables(mem, MEM_SIZE, TABLES_GPA + 8, MEM_SIZE) ==
	      -EINVAL, "unaligned tables");
	CHECK(longmode_build_tables(mem, MEM_SIZE,
				    MEM_SIZE - LONGMODE_TABLES_SIZE + 0x1000,
				    MEM_SIZE) == -EINVAL,
	      "tables past the end of memory");
	CHECK(longmode_build_tables(mem, MEM_SIZE, UINT64_MAX & ~0xfffULL,
				    MEM_SIZE) == -EINVAL, "tables far away");
	CHECK(longmode_build_tables(mem, MEM_SIZE, TABLES_GPA, 0) == -EINVAL,
	      "empty map");
	CHECK(longmode_build_tables(mem, MEM_SIZE, TABLES_GPA,
				    LONGMODE_MAX_MAP_SIZE + 1) == -EINVAL,
	      "map too large");
	CHECK(!longmode_build_tables(mem, MEM_SIZE,
				     MEM_SIZE - LONGMODE_TABLES_SIZE,
				     MEM_SIZE), "tables at the very end");
	free(mem);
}

static void test_sregs(void)
{
	struct duet_sregs s;

	memset(&s, 0x5a, sizeof(s));
	longmode_fill_sregs(&s, TABLES_GPA);
	CHECK(s.cs.selector == 0x08 && s.cs.attrib == 0xa9b &&
	      s.cs.base == 0 && s.cs.limit == 0xffffffff, "CS");
	CHECK(s.ds.selector == 0x10 && s.ds.attrib == 0xc93, "DS");
	CHECK(!memcmp(&s.ss, &s.ds, sizeof(s.ds)) &&
	      !memcmp(&s.es, &s.ds, sizeof(s.ds)) &&
	      !memcmp(&s.fs, &s.ds, sizeof(s.ds)) &&
	      !memcmp(&s.gs, &s.ds, sizeof(s.ds)), "SS/ES/FS/GS as DS");
	CHECK(((s.ss.attrib >> 5) & 3) == 0, "CPL 0");
	CHECK(s.tr.selector == 0x18 && s.tr.attrib == 0x8b &&
	      s.tr.base == TABLES_GPA + LONGMODE_TSS_OFFSET &&
	      s.tr.limit == 0x67, "TR");
	CHECK(s.ldt.selector == 0 && !(s.ldt.attrib & 0x80), "no LDT");
	CHECK(s.gdt.base == TABLES_GPA + LONGMODE_GDT_OFFSET &&
	      s.gdt.limit == 5 * 8 - 1, "GDTR");
	CHECK(s.idt.base == 0 && s.idt.limit == 0, "IDTR empty");
	CHECK(s.cr0 == 0x80010031ULL, "CR0 PG WP NE ET PE");
	CHECK(!(s.cr0 & (3ULL << 29)), "CR0 CD=0 NW=0");
	CHECK(s.cr3 == TABLES_GPA, "CR3 at the PML4");
	CHECK(s.cr4 == 0x20, "CR4 PAE");
	CHECK(s.efer == 0xd01, "EFER NXE LMA LME SCE, no SVME");
	CHECK(s.cr2 == 0x5a5a5a5a5a5a5a5aULL && s.apic_base == s.cr2 &&
	      s.reserved[0] == s.cr2, "other fields unchanged");
}

int main(void)
{
	test_tables();
	test_rounding();
	test_bad_args();
	test_sregs();
	return check_done("longmode_test");
}
