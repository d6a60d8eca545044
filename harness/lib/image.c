// SPDX-License-Identifier: GPL-2.0
/*
 * image: checkpoint images in memfds, and walking their records.
 * See image.h.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cr-util.h"
#include "image.h"

int image_create(void)
{
	int fd = memfd_create("cr-image", MFD_CLOEXEC);

	if (fd < 0)
		ktap_diag("memfd_create: %s", strerror(errno));
	return fd;
}

int checkpoint_child(cr_build_fn build, void *arg, unsigned long flags)
{
	pid_t pid = spawn_stopped(build, arg);
	int img;
	long ret;

	if (pid < 0)
		return -1;
	img = image_create();
	ret = img < 0 ? -EBADF : sys_checkpoint(pid, img, flags);
	reap(pid);
	if (img >= 0 && !expect_success("checkpoint of the stopped child", ret)) {
		close(img);
		return -1;
	}
	return img;
}

ssize_t image_load(int fd, unsigned char **buf)
{
	struct stat st;
	size_t got = 0;

	*buf = NULL;
	if (fstat(fd, &st) < 0) {
		ktap_diag("fstat image: %s", strerror(errno));
		return -1;
	}
	*buf = malloc((size_t)st.st_size + 1);
	if (!*buf) {
		ktap_diag("out of memory for a %lld-byte image",
			  (long long)st.st_size);
		return -1;
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = pread(fd, *buf + got, (size_t)st.st_size - got,
				  (off_t)got);

		if (n <= 0) {
			ktap_diag("reading the image: %s",
				  n < 0 ? strerror(errno) : "short file");
			free(*buf);
			*buf = NULL;
			return -1;
		}
		got += (size_t)n;
	}
	return (ssize_t)got;
}

bool image_fill(int fd, const void *buf, size_t len)
{
	if (ftruncate(fd, 0) < 0 ||
	    (len && pwrite(fd, buf, len, 0) != (ssize_t)len) ||
	    lseek(fd, 0, SEEK_SET) != 0)
		return expect(false, "filling a %zu-byte image: %s", len,
			      strerror(errno));
	return true;
}

static const char *record_name(uint32_t type)
{
	static const char *const names[] = {
		[CKPT_REC_HEADER] = "HEADER", [CKPT_REC_FILE] = "FILE",
		[CKPT_REC_PIPE] = "PIPE", [CKPT_REC_FD] = "FD",
		[CKPT_REC_EPOLL_ITEMS] = "EPOLL_ITEMS",
		[CKPT_REC_EPOLL_READY] = "EPOLL_READY",
		[CKPT_REC_TRAILER] = "TRAILER",
	};

	return type < sizeof(names) / sizeof(names[0]) && names[type] ? names[type] : "unknown";
}

/* "record N (TYPE, M bytes at offset P), byte B of it" for offset off. */
static void record_at(const unsigned char *buf, size_t len, size_t off, char *out, size_t n)
{
	struct ckpt_hdr h;
	unsigned int i = 0;

	for (size_t pos = 0; pos + sizeof(h) <= len; pos += h.len, i++) {
		memcpy(&h, buf + pos, sizeof(h));
		if (h.len < sizeof(h) || h.len > len - pos)
			break;
		if (off < pos + h.len) {
			snprintf(out, n, "record %u (%s, %u bytes at offset %zu), byte %zu of it",
				 i, record_name(h.type), h.len, pos, off - pos);
			return;
		}
	}
	snprintf(out, n, "no record (past the last whole one)");
}

bool images_equal(int a, int b, const char *what)
{
	unsigned char *pa, *pb;
	ssize_t na = image_load(a, &pa), nb = image_load(b, &pb);
	bool ok = false;
	char where[128];
	ssize_t i;

	if (na >= 0 && nb >= 0) {
		for (i = 0; i < na && i < nb && pa[i] == pb[i]; i++)
			;
		ok = na == nb && i == na;
		record_at(pa, na, i, where, sizeof(where));
		if (!ok && i < na && i < nb)
			ktap_diag("%s: expected identical images, sizes %zd and %zd differ first at offset %zd (0x%02x vs 0x%02x): %s",
				  what, na, nb, i, pa[i], pb[i], where);
		else if (!ok)
			ktap_diag("%s: expected identical images, sizes %zd and %zd (one is a prefix of the other)",
				  what, na, nb);
	}
	free(pa);
	free(pb);
	return ok;
}

uint32_t crc32_zlib(const void *buf, size_t len)
{
	const unsigned char *p = buf;
	uint32_t crc = 0xffffffffu;

	while (len--) {
		crc ^= *p++;
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1)));
	}
	return ~crc;
}

bool image_walk(const unsigned char *buf, size_t len, uint32_t *nrecords)
{
	struct ckpt_hdr h;
	uint32_t n = 0;

	for (size_t pos = 0; pos < len; pos += h.len) {
		if (len - pos < sizeof(h))
			return expect(false, "image: %zu stray bytes at offset %zu",
				      len - pos, pos);
		memcpy(&h, buf + pos, sizeof(h));
		if (h.len < sizeof(h) || h.len % 8 || h.len > len - pos)
			return expect(false, "image: record at offset %zu has bad length %u",
				      pos, h.len);
		if (h.type != CKPT_REC_TRAILER)
			n++;
	}
	if (nrecords)
		*nrecords = n;
	return true;
}

bool image_find_fd(const unsigned char *buf, size_t len, int fd,
		   struct ckpt_fd_entry *out)
{
	const size_t first = offsetof(struct ckpt_rec_fd, entries);
	const size_t esize = sizeof(((struct ckpt_rec_fd *)0)->entries[0]);
	struct ckpt_rec_fd r;

	for (size_t pos = 0; pos + sizeof(r.h) <= len; pos += r.h.len) {
		memcpy(&r.h, buf + pos, sizeof(r.h));
		if (r.h.len < sizeof(r.h) || r.h.len > len - pos)
			return false;
		if (r.h.type != CKPT_REC_FD || r.h.len < first)
			continue;
		memcpy(&r, buf + pos, first);
		for (size_t i = 0; i < r.count && first + (i + 1) * esize <= r.h.len; i++) {
			memcpy(out, buf + pos + first + i * esize, esize);
			if (out->fd == fd)
				return true;
		}
	}
	return false;
}
