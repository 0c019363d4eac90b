/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest images: a 64-bit x86 ELF executable, loaded by its PT_LOAD
 * segments at their physical addresses (which must equal the virtual ones:
 * the guest runs on an identity map), or a flat binary loaded at
 * IMAGE_FLAT_GPA and entered at its first byte.
 */
#ifndef DUET_ELF_H
#define DUET_ELF_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

/* Where a flat binary goes, and its entry point. */
#define IMAGE_FLAT_GPA		0x100000ULL

struct image {
	bool elf;
	__u64 entry;
	__u64 start, end;		/* guest-physical span loaded */
	unsigned int nr_segments;
	char error[160];		/* why loading failed */
};

/*
 * Load the @len bytes at @buf into the guest memory @mem, mapped at
 * guest-physical 0, keeping every byte inside [@min_gpa, @mem_size).  ELF
 * when @buf starts with the ELF magic, a flat binary otherwise.  Returns
 * 0, or -ENOEXEC (a malformed or unsupported ELF) or -EFBIG (does not fit)
 * with img->error set.
 */
int image_load(struct image *img, const void *buf, size_t len, void *mem,
	       __u64 mem_size, __u64 min_gpa);

/*
 * Read the file at @path into a malloc()ed buffer: at most @max bytes,
 * -EFBIG beyond, -ENOEXEC when empty, -errno on I/O errors.
 */
int image_read_file(const char *path, size_t max, void **buf, size_t *len);

#endif /* DUET_ELF_H */
