/* SPDX-License-Identifier: GPL-2.0 */
/*
 * image: checkpoint images in memfds, and walking their records.  Every
 * field position and size comes from the layout's one definition,
 * <linux/checkpoint.h> (kernel/include/uapi/linux/checkpoint.h), through
 * offsetof() and sizeof().  Diagnostics as in cr-util.h.
 */
#ifndef CR_IMAGE_H
#define CR_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <linux/checkpoint.h>

#include "cr-util.h"

int image_create(void);		/* a memfd; -1 with a diagnostic */
/*
 * spawn_stopped(build, arg), checkpoint it into a new image with flags,
 * reap it.  Returns the image fd, or -1 with a diagnostic.
 */
int checkpoint_child(cr_build_fn build, void *arg, unsigned long flags);
/* The whole content of fd (from offset 0) in a malloc'd buffer. */
ssize_t image_load(int fd, unsigned char **buf);
/* Replaces fd's content by len bytes of buf and rewinds it. */
bool image_fill(int fd, const void *buf, size_t len);
/* Byte-identical content; what names the comparison in the diagnostic. */
bool images_equal(int a, int b, const char *what);
/* zlib's crc32 (the trailer checksum). */
uint32_t crc32_zlib(const void *buf, size_t len);
/* Walks the records; counts them (trailer excluded) into *nrecords if set. */
bool image_walk(const unsigned char *buf, size_t len, uint32_t *nrecords);
/* fd's entry in the image's FD records; false if there is none. */
bool image_find_fd(const unsigned char *buf, size_t len, int fd,
		   struct ckpt_fd_entry *out);

#endif /* CR_IMAGE_H */
