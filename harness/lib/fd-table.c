// SPDX-License-Identifier: GPL-2.0
/*
 * fd-table: full fd-table snapshots from /proc.  See fd-table.h.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cr-util.h"
#include "fd-table.h"

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

/* The octal "flags:" line of an fdinfo text, or -1. */
static long info_flags(const char *info)
{
	const char *p = strstr(info, "flags:");

	return p ? strtol(p + 6, NULL, 8) : -1;
}

bool fd_snap_read(const char *dir, bool self, struct fd_snap *s)
{
	struct fd_table *t = &s->t;
	char path[96];
	int fds[CR_MAX_FDS];
	struct dirent *de;
	DIR *d;
	int n = 0;

	t->n = 0;
	snprintf(path, sizeof(path), "%s/fd", dir);
	d = opendir(path);
	if (!d)
		return expect(false, "opendir %s: %s", path, strerror(errno));
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' || (self && atoi(de->d_name) == dirfd(d)))
			continue;
		if (n == CR_MAX_FDS) {
			closedir(d);
			return expect(false, "%s: more than %d fds", path, CR_MAX_FDS);
		}
		fds[n++] = atoi(de->d_name);
	}
	closedir(d);
	qsort(fds, (size_t)n, sizeof(int), cmp_int);
	for (int i = 0; i < n; i++) {
		struct fd_entry *e = &t->e[i];
		struct stat st;
		ssize_t l;
		int r;

		snprintf(path, sizeof(path), "%s/fd/%d", dir, fds[i]);
		r = self ? fstat(fds[i], &st) : stat(path, &st);
		if (r < 0)
			return expect(false, "stat %s: %s", path, strerror(errno));
		*e = (struct fd_entry){ .fd = fds[i], .dev = st.st_dev, .ino = st.st_ino };
		l = readlink(path, s->x[i].link, sizeof(s->x[i].link) - 1);
		if (l < 0)
			return expect(false, "readlink %s: %s", path, strerror(errno));
		s->x[i].link[l] = '\0';
		snprintf(path, sizeof(path), "%s/fdinfo/%d", dir, fds[i]);
		if (!read_text(path, s->x[i].info, sizeof(s->x[i].info)))
			return false;
		if (self) {
			e->fd_flags = fcntl(fds[i], F_GETFD);
			e->fl_flags = fcntl(fds[i], F_GETFL);
		} else {
			long fl = info_flags(s->x[i].info);

			e->fd_flags = fl >= 0 && (fl & O_CLOEXEC) ? FD_CLOEXEC : 0;
			e->fl_flags = (int)(fl & ~(long)O_CLOEXEC);
		}
		t->n = i + 1;
	}
	return true;
}

/* fdinfo without its first line when that is "pos:" and @skip_pos. */
static const char *info_body(const char *info, bool skip_pos)
{
	const char *nl = strchr(info, '\n');

	return skip_pos && !strncmp(info, "pos:", 4) && nl ? nl + 1 : info;
}

/*
 * @info in @buf without a timerfd's "it_value:" line: an armed timer's
 * time left runs on while nothing changes it.
 */
static const char *info_steady(const char *info, const char *link, char *buf)
{
	const char *line = strstr(info, "\nit_value:");
	const char *end;

	if (strcmp(link, "anon_inode:[timerfd]") || !line)
		return info;
	end = strchr(line + 1, '\n');
	snprintf(buf, FD_SNAP_INFO, "%.*s%s", (int)(line - info), info, end ? end : "");
	return buf;
}

bool fd_snap_same(const struct fd_snap *a, const struct fd_snap *b, int moving,
		  const char *whose, char *why, size_t len)
{
	char x[256], y[256];
	bool same = a->t.n == b->t.n;

	for (int i = 0; same && i < a->t.n; i++)
		same = a->t.e[i].fd == b->t.e[i].fd;
	if (!same) {
		snprintf(why, len, "%s fds were [%s], now [%s]", whose,
			 fd_table_str(&a->t, x, sizeof(x)), fd_table_str(&b->t, y, sizeof(y)));
		return false;
	}
	for (int i = 0; i < a->t.n; i++) {
		static char pa[FD_SNAP_INFO], qa[FD_SNAP_INFO];
		const char *p = info_steady(info_body(a->x[i].info, a->t.e[i].fd == moving),
					    a->x[i].link, pa);
		const char *q = info_steady(info_body(b->x[i].info, b->t.e[i].fd == moving),
					    b->x[i].link, qa);
		size_t k = 0, start = 0;

		if (strcmp(a->x[i].link, b->x[i].link)) {
			snprintf(why, len, "%s fd %d was %s, now %s", whose, a->t.e[i].fd,
				 a->x[i].link, b->x[i].link);
			return false;
		}
		if (!strcmp(p, q))
			continue;
		while (p[k] && p[k] == q[k])
			if (p[k++] == '\n')
				start = k;
		snprintf(why, len, "%s fd %d (%s): fdinfo line '%.*s' is now '%.*s'", whose,
			 a->t.e[i].fd, a->x[i].link, (int)strcspn(p + start, "\n"), p + start,
			 (int)strcspn(q + start, "\n"), q + start);
		return false;
	}
	return true;
}
