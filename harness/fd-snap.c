// SPDX-License-Identifier: GPL-2.0
/*
 * fd-snap: fd-table snapshots from /proc.  See fd-snap.h.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cr-util.h"
#include "fd-snap.h"

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

static bool read_text(const char *path, char *buf, size_t cap)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t got = 0;
	ssize_t r = 1;

	if (fd < 0)
		return expect(false, "open %s: %s", path, strerror(errno));
	while (got < cap - 1 && (r = read(fd, buf + got, cap - 1 - got)) > 0)
		got += (size_t)r;
	close(fd);
	buf[got] = '\0';
	if (r < 0)
		return expect(false, "read %s: %s", path, strerror(errno));
	return expect(got < cap - 1, "%s: more than %zu bytes", path, cap - 1);
}

bool fd_snap_read(const char *dir, bool self, struct fd_snap *s)
{
	char path[96];
	int fds[FD_SNAP_FDS];
	struct dirent *de;
	DIR *d;

	s->n = 0;
	snprintf(path, sizeof(path), "%s/fd", dir);
	d = opendir(path);
	if (!d)
		return expect(false, "opendir %s: %s", path, strerror(errno));
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' || (self && atoi(de->d_name) == dirfd(d)))
			continue;
		if (s->n == FD_SNAP_FDS) {
			closedir(d);
			return expect(false, "%s: more than %d fds", path, FD_SNAP_FDS);
		}
		fds[s->n++] = atoi(de->d_name);
	}
	closedir(d);
	qsort(fds, (size_t)s->n, sizeof(int), cmp_int);
	for (int i = 0; i < s->n; i++) {
		ssize_t r;

		s->e[i].fd = fds[i];
		snprintf(path, sizeof(path), "%s/fd/%d", dir, fds[i]);
		r = readlink(path, s->e[i].link, sizeof(s->e[i].link) - 1);
		if (r < 0)
			return expect(false, "readlink %s: %s", path, strerror(errno));
		s->e[i].link[r] = '\0';
		snprintf(path, sizeof(path), "%s/fdinfo/%d", dir, fds[i]);
		if (!read_text(path, s->e[i].info, sizeof(s->e[i].info)))
			return false;
	}
	return true;
}

static const char *fd_list(const struct fd_snap *s, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (int i = 0; i < s->n && used + 12 < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s%d", i ? " " : "",
					 s->e[i].fd);
	return buf;
}

/* fdinfo without its first line when that is "pos:" and @skip_pos. */
static const char *info_body(const char *info, bool skip_pos)
{
	const char *nl = strchr(info, '\n');

	return skip_pos && !strncmp(info, "pos:", 4) && nl ? nl + 1 : info;
}

bool fd_snap_same(const struct fd_snap *a, const struct fd_snap *b, int moving,
		  const char *whose, char *why, size_t len)
{
	char x[256], y[256];
	bool same = a->n == b->n;

	for (int i = 0; same && i < a->n; i++)
		same = a->e[i].fd == b->e[i].fd;
	if (!same) {
		snprintf(why, len, "%s fds were [%s], now [%s]", whose,
			 fd_list(a, x, sizeof(x)), fd_list(b, y, sizeof(y)));
		return false;
	}
	for (int i = 0; i < a->n; i++) {
		const char *p = info_body(a->e[i].info, a->e[i].fd == moving);
		const char *q = info_body(b->e[i].info, b->e[i].fd == moving);
		size_t k = 0, start = 0;

		if (strcmp(a->e[i].link, b->e[i].link)) {
			snprintf(why, len, "%s fd %d was %s, now %s", whose, a->e[i].fd,
				 a->e[i].link, b->e[i].link);
			return false;
		}
		if (!strcmp(p, q))
			continue;
		while (p[k] && p[k] == q[k])
			if (p[k++] == '\n')
				start = k;
		snprintf(why, len, "%s fd %d (%s): fdinfo line '%.*s' is now '%.*s'", whose,
			 a->e[i].fd, a->e[i].link, (int)strcspn(p + start, "\n"), p + start,
			 (int)strcspn(q + start, "\n"), q + start);
		return false;
	}
	return true;
}
