/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fd-table: snapshots of a process's fd table from /proc, for
 * before/after comparisons.  One reader lists the fds of /proc/self or
 * /proc/PID in ascending order and gives each its file (dev, ino) and
 * flags; a full snapshot (struct fd_snap) adds each fd's link target and
 * whole fdinfo text (pos, flags, mnt_id, ino, eventfd counts, epoll "tfd:"
 * lines...).  Diagnostics as in cr-util.h.
 */
#ifndef CR_FD_TABLE_H
#define CR_FD_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Most fds a snapshot holds. */
#define CR_MAX_FDS 64
/* Most bytes of one fd's fdinfo text a full snapshot holds. */
#define FD_SNAP_INFO 8192

struct fd_entry {
	int fd;
	int fd_flags;		/* F_GETFD (/proc/self), else from fdinfo */
	int fl_flags;		/* F_GETFL (/proc/self), else from fdinfo */
	dev_t dev;
	ino_t ino;
};

/* Summary of /proc/self/fd (the directory's own fd left out). */
struct fd_table {
	int n;
	struct fd_entry e[CR_MAX_FDS];	/* ascending fd */
};

bool fd_table_read(struct fd_table *t);
bool fd_table_equal(const struct fd_table *a, const struct fd_table *b);
/* "0 1 2 200" into buf. */
const char *fd_table_str(const struct fd_table *t, char *buf, size_t len);
/* Reads the table again; true if it equals before, else a diagnostic. */
bool fd_table_unchanged(const struct fd_table *before, const char *when);

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

/* /proc/self/fdinfo/N, parsed. */
struct fdinfo {
	long long pos;
	unsigned int flags;		/* octal "flags:" line, O_CLOEXEC included */
	bool has_eventfd;
	uint64_t eventfd_count;
	int eventfd_semaphore;
};

bool fdinfo_read(int fd, struct fdinfo *fi);

#endif /* CR_FD_TABLE_H */
