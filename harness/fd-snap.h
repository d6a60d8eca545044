/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fd-snap: what a process's fd table looks like from /proc: each fd's
 * number, link target and whole fdinfo text (pos, flags, mnt_id, ino,
 * eventfd counts, epoll "tfd:" lines...), for before/after comparisons.
 */
#ifndef FD_SNAP_H
#define FD_SNAP_H

#include <stdbool.h>
#include <stddef.h>

#define FD_SNAP_FDS 64
#define FD_SNAP_INFO 8192

struct fd_snap {
	int n;
	struct {
		int fd;
		char link[256];
		char info[FD_SNAP_INFO];
	} e[FD_SNAP_FDS];	/* ascending fd */
};

/*
 * Reads the table of @dir ("/proc/self" or "/proc/PID"); @self leaves out
 * the directory's own fd.  False with a "# " diagnostic.
 */
bool fd_snap_read(const char *dir, bool self, struct fd_snap *s);
/*
 * True if @a and @b are the same table, except that fd @moving's offset
 * (its "pos:" line) may differ (-1: none).  Otherwise the first difference,
 * naming the table as @whose, is written to @why.
 */
bool fd_snap_same(const struct fd_snap *a, const struct fd_snap *b, int moving,
		  const char *whose, char *why, size_t len);

#endif /* FD_SNAP_H */
