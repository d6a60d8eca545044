/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fd-table: full snapshots of a process's fd table from /proc, for
 * before/after comparisons.  The summary of /proc/self/fd, struct
 * fd_table, is cr_util.h's; a full snapshot (struct fd_snap) reads
 * /proc/self or /proc/PID, lists its fds in ascending order, gives each
 * its file (dev, ino) and flags, and adds each fd's link target and whole
 * fdinfo text (pos, flags, mnt_id, ino, eventfd counts, epoll "tfd:"
 * lines...).  Diagnostics as in cr-util.h.
 */
#ifndef CR_FD_TABLE_H
#define CR_FD_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "cr-util.h"

/* Most bytes of one fd's fdinfo text a full snapshot holds. */
#define FD_SNAP_INFO 8192

/* Full snapshot: the summary plus each fd's link and fdinfo text. */
struct fd_snap {
	struct fd_table t;
	struct {
		char link[256];
		char info[FD_SNAP_INFO];
	} x[CR_MAX_FDS];	/* x[i] belongs to t.e[i] */
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

#endif /* CR_FD_TABLE_H */
