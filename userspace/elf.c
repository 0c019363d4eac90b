// SPDX-License-Identifier: GPL-2.0
/*
 * Guest image loading; see elf.h.
 *
 * The image is untrusted input: every offset and size is checked against
 * the file and against guest memory, without overflow, before anything is
 * copied, so a bad file leaves guest memory untouched.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/elf.h>

#include "elf.h"

static int image_error(struct image *img, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(img->error, sizeof(img->error), fmt, ap);
	va_end(ap);
	return err;
}

/* Whether [@off, @off + @size) lies inside [0, @limit), without overflow. */
static bool range_ok(__u64 off, __u64 size, __u64 limit)
{
	return off <= limit && size <= limit - off;
}

static int elf_check_header(struct image *img, const struct elf64_hdr *eh,
			    size_t len)
{
	if (eh->e_ident[EI_CLASS] != ELFCLASS64)
		return image_error(img, -ENOEXEC, "not a 64-bit ELF file");
	if (eh->e_ident[EI_DATA] != ELFDATA2LSB)
		return image_error(img, -ENOEXEC, "not a little-endian ELF file");
	if (eh->e_ident[EI_VERSION] != EV_CURRENT ||
	    eh->e_version != EV_CURRENT)
		return image_error(img, -ENOEXEC, "unknown ELF version");
	if (eh->e_machine != EM_X86_64)
		return image_error(img, -ENOEXEC,
				   "ELF machine %u is not x86-64",
				   eh->e_machine);
	if (eh->e_type != ET_EXEC)
		return image_error(img, -ENOEXEC,
				   "ELF type %u is not an executable (link with -static -no-pie)",
				   eh->e_type);
	if (!eh->e_phnum || eh->e_phentsize != sizeof(struct elf64_phdr))
		return image_error(img, -ENOEXEC, "no ELF program headers");
	if (!range_ok(eh->e_phoff, (__u64)eh->e_phnum * sizeof(struct elf64_phdr),
		      len))
		return image_error(img, -ENOEXEC,
				   "ELF program headers past the end of the file");
	return 0;
}

static int elf_check_segment(struct image *img, const struct elf64_phdr *ph,
			     unsigned int i, size_t len, __u64 mem_size,
			     __u64 min_gpa)
{
	if (ph->p_filesz > ph->p_memsz)
		return image_error(img, -ENOEXEC,
				   "segment %u: file size above memory size", i);
	if (!range_ok(ph->p_offset, ph->p_filesz, len))
		return image_error(img, -ENOEXEC,
				   "segment %u: data past the end of the file", i);
	if (ph->p_vaddr != ph->p_paddr)
		return image_error(img, -ENOEXEC,
				   "segment %u: virtual address 0x%llx is not its physical address 0x%llx",
				   i, ph->p_vaddr,
				   ph->p_paddr);
	if (ph->p_paddr < min_gpa ||
	    !range_ok(ph->p_paddr, ph->p_memsz, mem_size))
		return image_error(img, -EFBIG,
				   "segment %u at 0x%llx-0x%llx is outside guest memory 0x%llx-0x%llx",
				   i, ph->p_paddr,
				   (ph->p_paddr + ph->p_memsz),
				   min_gpa,
				   mem_size);
	return 0;
}

static int elf_load(struct image *img, const __u8 *buf, size_t len,
		    __u8 *mem, __u64 mem_size, __u64 min_gpa)
{
	struct elf64_hdr ehdr, *eh = &ehdr;
	struct elf64_phdr ph;
	bool entry_ok = false;
	unsigned int i;
	int err;

	if (len < sizeof(*eh))
		return image_error(img, -ENOEXEC, "truncated ELF header");
	/* Copies, not casts: the file need not be aligned. */
	memcpy(eh, buf, sizeof(*eh));
	err = elf_check_header(img, eh, len);
	if (err)
		return err;

	/* Check every segment first, then copy. */
	img->start = UINT64_MAX;
	for (i = 0; i < eh->e_phnum; i++) {
		memcpy(&ph, buf + eh->e_phoff + i * sizeof(ph), sizeof(ph));
		if (ph.p_type != PT_LOAD || !ph.p_memsz)
			continue;
		err = elf_check_segment(img, &ph, i, len, mem_size, min_gpa);
		if (err)
			return err;
		if (eh->e_entry >= ph.p_paddr &&
		    eh->e_entry - ph.p_paddr < ph.p_memsz)
			entry_ok = true;
		if (ph.p_paddr < img->start)
			img->start = ph.p_paddr;
		if (ph.p_paddr + ph.p_memsz > img->end)
			img->end = ph.p_paddr + ph.p_memsz;
		img->nr_segments++;
	}
	if (!img->nr_segments)
		return image_error(img, -ENOEXEC, "no loadable ELF segment");
	if (!entry_ok)
		return image_error(img, -ENOEXEC,
				   "entry point 0x%llx is in no loadable segment",
				   eh->e_entry);

	for (i = 0; i < eh->e_phnum; i++) {
		memcpy(&ph, buf + eh->e_phoff + i * sizeof(ph), sizeof(ph));
		if (ph.p_type != PT_LOAD || !ph.p_memsz)
			continue;
		memcpy(mem + ph.p_paddr, buf + ph.p_offset, ph.p_filesz);
		/* The rest is .bss. */
		memset(mem + ph.p_paddr + ph.p_filesz, 0,
		       ph.p_memsz - ph.p_filesz);
	}
	img->elf = true;
	img->entry = eh->e_entry;
	return 0;
}

static int flat_load(struct image *img, const __u8 *buf, size_t len,
		     __u8 *mem, __u64 mem_size, __u64 min_gpa)
{
	if (!len)
		return image_error(img, -ENOEXEC, "empty image");
	if (min_gpa > IMAGE_FLAT_GPA ||
	    !range_ok(IMAGE_FLAT_GPA, len, mem_size))
		return image_error(img, -EFBIG,
				   "flat image of %zu bytes at 0x%llx does not fit in guest memory 0x%llx-0x%llx",
				   len, IMAGE_FLAT_GPA,
				   min_gpa,
				   mem_size);
	memcpy(mem + IMAGE_FLAT_GPA, buf, len);
	img->elf = false;
	img->entry = IMAGE_FLAT_GPA;
	img->start = IMAGE_FLAT_GPA;
	img->end = IMAGE_FLAT_GPA + len;
	img->nr_segments = 1;
	return 0;
}

int image_load(struct image *img, const void *buf, size_t len, void *mem,
	       __u64 mem_size, __u64 min_gpa)
{
	*img = (struct image){};
	if (len >= SELFMAG && !memcmp(buf, ELFMAG, SELFMAG))
		return elf_load(img, buf, len, mem, mem_size, min_gpa);
	return flat_load(img, buf, len, mem, mem_size, min_gpa);
}

int image_read_file(const char *path, size_t max, void **bufp, size_t *lenp)
{
	size_t len = 0;
	struct stat st;
	__u8 *buf;
	ssize_t n;
	int fd, err;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		err = -errno;
		goto err_close;
	}
	err = -EISDIR;
	if (S_ISDIR(st.st_mode))
		goto err_close;
	err = -EFBIG;
	if ((__u64)st.st_size > max)
		goto err_close;
	err = -ENOEXEC;
	if (!st.st_size)
		goto err_close;

	err = -ENOMEM;
	buf = malloc(st.st_size);
	if (!buf)
		goto err_close;
	/* A short read is fine: the file may shrink meanwhile. */
	while (len < (size_t)st.st_size) {
		n = read(fd, buf + len, st.st_size - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = -errno;
			goto err_free;
		}
		if (!n)
			break;
		len += n;
	}
	err = -ENOEXEC;
	if (!len)
		goto err_free;
	close(fd);
	*bufp = buf;
	*lenp = len;
	return 0;

err_free:
	free(buf);
err_close:
	close(fd);
	return err;
}
