// SPDX-License-Identifier: GPL-2.0
/*
 * elf.c: loading generated ELF executables and flat binaries, and clean
 * errors, with guest memory untouched, for malformed and truncated ones.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/elf.h>

#include "check.h"
#include "elf.h"

#define MEM_SIZE	(4ULL << 20)
#define MIN_GPA		0x100000ULL
#define POISON		0xaa

/* An executable with a text segment and a data+bss segment. */
struct test_elf {
	struct elf64_hdr eh;
	struct elf64_phdr ph[3];
	__u8 text[16];
	__u8 data[8];
};

#define TEXT_GPA	0x200000ULL
#define DATA_GPA	0x201000ULL
#define DATA_MEMSZ	0x2000ULL

static void make_elf(struct test_elf *e)
{
	memset(e, 0, sizeof(*e));
	memcpy(e->eh.e_ident, ELFMAG, SELFMAG);
	e->eh.e_ident[EI_CLASS] = ELFCLASS64;
	e->eh.e_ident[EI_DATA] = ELFDATA2LSB;
	e->eh.e_ident[EI_VERSION] = EV_CURRENT;
	e->eh.e_type = ET_EXEC;
	e->eh.e_machine = EM_X86_64;
	e->eh.e_version = EV_CURRENT;
	e->eh.e_entry = TEXT_GPA + 4;
	e->eh.e_phoff = offsetof(struct test_elf, ph);
	e->eh.e_ehsize = sizeof(e->eh);
	e->eh.e_phentsize = sizeof(struct elf64_phdr);
	e->eh.e_phnum = 3;

	e->ph[0] = (struct elf64_phdr){
		.p_type = PT_LOAD, .p_flags = PF_R | PF_X,
		.p_offset = offsetof(struct test_elf, text),
		.p_vaddr = TEXT_GPA, .p_paddr = TEXT_GPA,
		.p_filesz = sizeof(e->text), .p_memsz = sizeof(e->text),
	};
	e->ph[1] = (struct elf64_phdr){
		.p_type = PT_LOAD, .p_flags = PF_R | PF_W,
		.p_offset = offsetof(struct test_elf, data),
		.p_vaddr = DATA_GPA, .p_paddr = DATA_GPA,
		.p_filesz = sizeof(e->data), .p_memsz = DATA_MEMSZ,
	};
	/* Not loaded: only PT_LOAD counts. */
	e->ph[2] = (struct elf64_phdr){ .p_type = PT_GNU_STACK };
	memset(e->text, 0x90, sizeof(e->text));
	memset(e->data, 0x11, sizeof(e->data));
}

static __u8 *mem_new(void)
{
	__u8 *mem = malloc(MEM_SIZE);

	memset(mem, POISON, MEM_SIZE);
	return mem;
}

static bool mem_untouched(const __u8 *mem)
{
	__u64 i;

	for (i = 0; i < MEM_SIZE; i++) {
		if (mem[i] != POISON)
			return false;
	}
	return true;
}

static void test_elf_ok(void)
{
	struct test_elf e;
	struct image img;
	__u8 *mem = mem_new();
	__u64 i;
	bool bss_zero = true;

	make_elf(&e);
	CHECK(!image_load(&img, &e, sizeof(e), mem, MEM_SIZE, MIN_GPA),
	      "a good ELF loads");
	CHECK(img.elf, "recognised as ELF");
	CHECK(img.entry == TEXT_GPA + 4, "entry from the header");
	CHECK(img.start == TEXT_GPA, "span starts at the text");
	CHECK(img.end == DATA_GPA + DATA_MEMSZ, "span ends after the bss");
	CHECK(img.nr_segments == 2, "two PT_LOAD segments");
	CHECK(mem[TEXT_GPA] == 0x90 && mem[TEXT_GPA + 15] == 0x90,
	      "text copied");
	CHECK(mem[TEXT_GPA + 16] == POISON, "nothing past the text");
	CHECK(mem[DATA_GPA] == 0x11 && mem[DATA_GPA + 7] == 0x11,
	      "data copied");
	for (i = DATA_GPA + 8; i < DATA_GPA + DATA_MEMSZ; i++)
		bss_zero &= !mem[i];
	CHECK(bss_zero, "bss zeroed");
	CHECK(mem[DATA_GPA + DATA_MEMSZ] == POISON, "nothing past the bss");
	CHECK(mem[MIN_GPA] == POISON, "nothing below the image");
	free(mem);
}

static void test_flat(void)
{
	static const __u8 code[] = { 0xfa, 0xf4 };	/* cli; hlt */
	struct image img;
	__u8 *mem = mem_new(), *big;

	CHECK(!image_load(&img, code, sizeof(code), mem, MEM_SIZE, MIN_GPA),
	      "a flat binary loads");
	CHECK(!img.elf, "no magic: flat");
	CHECK(img.entry == IMAGE_FLAT_GPA, "flat entry at 1 MiB");
	CHECK(img.start == IMAGE_FLAT_GPA &&
	      img.end == IMAGE_FLAT_GPA + sizeof(code), "flat span");
	CHECK(mem[IMAGE_FLAT_GPA] == 0xfa && mem[IMAGE_FLAT_GPA + 1] == 0xf4,
	      "flat bytes copied");
	CHECK(mem[IMAGE_FLAT_GPA + 2] == POISON, "nothing past the binary");

	CHECK(image_load(&img, code, 0, mem, MEM_SIZE, MIN_GPA) == -ENOEXEC,
	      "empty image");
	big = calloc(1, MEM_SIZE - IMAGE_FLAT_GPA + 1);
	CHECK(image_load(&img, big, MEM_SIZE - IMAGE_FLAT_GPA, mem,
			 MEM_SIZE, MIN_GPA) == 0,
	      "flat binary up to the end of memory");
	CHECK(image_load(&img, big, MEM_SIZE - IMAGE_FLAT_GPA + 1, mem,
			 MEM_SIZE, MIN_GPA) == -EFBIG,
	      "flat binary past the end of memory");
	CHECK(strstr(img.error, "does not fit"), "says it does not fit");
	free(big);
	free(mem);
}

/* Load @e (or its first @len bytes): expect @err and @msg in the error. */
static void expect_fail(const struct test_elf *e, size_t len, int err,
			const char *msg, const char *name)
{
	struct image img;
	__u8 *mem = mem_new();
	int ret = image_load(&img, e, len, mem, MEM_SIZE, MIN_GPA);

	CHECK(ret == err, name);
	if (ret != err)
		fprintf(stderr, "  got %d (%s), want %d\n", ret, img.error, err);
	CHECK(strstr(img.error, msg), name);
	if (!strstr(img.error, msg))
		fprintf(stderr, "  error '%s' lacks '%s'\n", img.error, msg);
	CHECK(mem_untouched(mem), name);
	free(mem);
}

static void test_elf_bad(void)
{
	struct test_elf e;

#define BAD(change, err, msg) do {				\
		make_elf(&e);					\
		change;						\
		expect_fail(&e, sizeof(e), err, msg, #change);	\
	} while (0)

	BAD(e.eh.e_ident[EI_CLASS] = ELFCLASS32, -ENOEXEC, "not a 64-bit");
	BAD(e.eh.e_ident[EI_DATA] = ELFDATA2MSB, -ENOEXEC, "little-endian");
	BAD(e.eh.e_ident[EI_VERSION] = 0, -ENOEXEC, "version");
	BAD(e.eh.e_machine = EM_386, -ENOEXEC, "not x86-64");
	BAD(e.eh.e_type = ET_DYN, -ENOEXEC, "not an executable");
	BAD(e.eh.e_phnum = 0, -ENOEXEC, "no ELF program headers");
	BAD(e.eh.e_phentsize = 32, -ENOEXEC, "no ELF program headers");
	BAD(e.eh.e_phoff = UINT64_MAX - 8, -ENOEXEC, "past the end");
	BAD(e.eh.e_phnum = 0xffff, -ENOEXEC, "past the end");
	BAD(e.ph[0].p_filesz = 0x100, -ENOEXEC, "file size above memory size");
	BAD(e.ph[1].p_offset = UINT64_MAX, -ENOEXEC, "past the end of the file");
	BAD(e.ph[1].p_filesz = 0x1000, -ENOEXEC, "past the end of the file");
	BAD(e.ph[0].p_vaddr += 0x1000, -ENOEXEC, "is not its physical address");
	BAD(e.ph[0].p_vaddr = e.ph[0].p_paddr = 0x10000, -EFBIG,
	    "outside guest memory");
	BAD(e.ph[1].p_vaddr = e.ph[1].p_paddr = MEM_SIZE - 0x1000, -EFBIG,
	    "outside guest memory");
	/* paddr + memsz wraps around 2^64. */
	BAD(e.ph[1].p_vaddr = e.ph[1].p_paddr = UINT64_MAX - 0xfff, -EFBIG,
	    "outside guest memory");
	BAD(e.ph[1].p_memsz = UINT64_MAX, -EFBIG, "outside guest memory");
	BAD(e.eh.e_entry = 0x300000, -ENOEXEC, "in no loadable segment");
	BAD(e.ph[0].p_type = e.ph[1].p_type = PT_NOTE, -ENOEXEC,
	    "no loadable ELF segment");
#undef BAD
}

static void test_elf_truncated(void)
{
	struct test_elf e;

	make_elf(&e);
	expect_fail(&e, SELFMAG, -ENOEXEC, "truncated ELF header",
		    "magic only");
	expect_fail(&e, sizeof(e.eh) - 1, -ENOEXEC, "truncated ELF header",
		    "header cut short");
	expect_fail(&e, sizeof(e.eh) + sizeof(e.ph[0]), -ENOEXEC,
		    "past the end", "program headers cut short");
	expect_fail(&e, offsetof(struct test_elf, text) + 4, -ENOEXEC,
		    "past the end of the file", "text cut short");
}

static void test_elf_garbage(void)
{
	__u8 junk[512];
	struct image img;
	__u8 *mem = mem_new();
	unsigned int seed = 1, i, round;
	bool clean = true;

	/* ELF magic then noise: always a clean error or a checked load. */
	for (round = 0; round < 2000; round++) {
		for (i = 0; i < sizeof(junk); i++)
			junk[i] = rand_r(&seed);
		memcpy(junk, ELFMAG, SELFMAG);
		junk[EI_CLASS] = ELFCLASS64;
		junk[EI_DATA] = ELFDATA2LSB;
		if (image_load(&img, junk, sizeof(junk), mem, MEM_SIZE,
			       MIN_GPA) && !img.error[0])
			clean = false;
	}
	CHECK(clean, "noise after the ELF magic: every error says why");
	free(mem);
}

static void test_read_file(void)
{
	char path[] = "/tmp/duet-elf-test-XXXXXX";
	void *buf = NULL;
	size_t len = 0;
	int fd;

	CHECK(image_read_file("/nonexistent/duet", 1 << 20, &buf, &len) ==
	      -ENOENT, "missing file");
	CHECK(image_read_file("/", 1 << 20, &buf, &len) == -EISDIR,
	      "a directory");

	fd = mkstemp(path);
	CHECK(fd >= 0, "temporary file");
	if (fd < 0)
		return;
	CHECK(image_read_file(path, 1 << 20, &buf, &len) == -ENOEXEC,
	      "empty file");
	CHECK(write(fd, "0123456789", 10) == 10, "write temporary file");
	CHECK(image_read_file(path, 9, &buf, &len) == -EFBIG,
	      "file above the limit");
	CHECK(!image_read_file(path, 10, &buf, &len), "file at the limit");
	CHECK(len == 10 && buf && !memcmp(buf, "0123456789", 10),
	      "file contents");
	free(buf);
	close(fd);
	unlink(path);
}

int main(void)
{
	test_elf_ok();
	test_flat();
	test_elf_bad();
	test_elf_truncated();
	test_elf_garbage();
	test_read_file();
	return check_done("elf_test");
}
