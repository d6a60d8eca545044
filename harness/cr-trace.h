/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cr-trace: "the original and its restored copy observe the same thing".
 *
 * A case builds state in a child, which stops.  The child is checkpointed
 * and continued: its continuation writes trace A.  The image is restarted
 * in a fresh process, which is checkpointed again (the image must be
 * byte-identical: the restore is exact as far as an image can tell) and
 * then runs the same continuation: trace B.  A and B must be identical,
 * and equal to the case's expected trace when it gives one.
 */
#ifndef CR_TRACE_H
#define CR_TRACE_H

#include <stdbool.h>
#include <stdio.h>

struct trace_case {
	const char *name;
	int (*setup)(void);		/* 0 on success */
	void (*cont)(FILE *trace);	/* the continuation */
	const char *expect;		/* expected trace, or NULL */
};

/* Runs one case and prints its KTAP result line. */
bool trace_run(const struct trace_case *tc);

/* Trace helpers for continuations. */
void trace_wait(FILE *t, int epfd, int maxevents);
void trace_ret(FILE *t, const char *what, long ret);
/* fdinfo "tfd:" lines of an epoll fd, sorted (the kernel's order is by address). */
void trace_epoll_items(FILE *t, int epfd);

#endif /* CR_TRACE_H */
