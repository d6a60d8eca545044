/* SPDX-License-Identifier: GPL-2.0 */
/*
 * inject: the kernel's fault injection, driven from userspace for
 * fail-nth-sweep: the debugfs knobs that decide which allocations
 * count as fault points, and this thread's /proc/thread-self/fail-nth,
 * which fails the n-th of them.  Why each knob has its value is in
 * inject.c; what a sweep does with them, in fail-nth-sweep.c's header.
 */
#ifndef FAIL_NTH_H
#define FAIL_NTH_H

#include <stdbool.h>

#define FAIL_NTH "/proc/thread-self/fail-nth"
/* The verbose knobs a traced fault point turns on (failslab, page, usercopy). */
#define NKNOBS 3

/* The calls a sweep fails; the fault point's task name and errnos depend on it. */
enum sweep { SW_CHECKPOINT = 1, SW_RESTART = 2 };

/*
 * The fault point whose backtrace the kernel logs (--at, or an unclean
 * attempt repeated), else 0.  nth_arm() and nth_done() switch the log on
 * and off around it, so tracing adds no call inside the traced one.
 */
extern long trace_n;

/*
 * True if an injected allocation failure explains @err from @op: anything
 * else is a bug on an error path, not the fault's doing.
 */
bool allowed_errno(enum sweep op, int err);

/*
 * Writes the knobs once at start, so that nothing fails at random and
 * every slab allocation and user copy counts, sleeping or not, plus every
 * page allocation if @pages (more failure paths, numbers that drift).
 * False with a message naming the knob and the kernel options it needs.
 */
bool faults_setup(bool pages);
/*
 * Opens the verbose knobs before any sweep, so that switching the log on
 * for a traced fault point opens nothing the untraced attempts did not.
 */
bool knobs_open(void);
/*
 * Moves those fds to @at..@at + NKNOBS - 1, for a restorer that keeps no
 * other fd below its scenario's; the old numbers stay open.
 */
bool knobs_place(int at);
/* The kernel logs a backtrace at each fault injected while @on. */
void trace_faults(bool on);

/*
 * Opens this thread's fail-nth, at fd @at if >= 0 (a restorer's fixed
 * fd, so its table is the same at every attempt).  Each forked restorer
 * opens its own: the count is per task.
 */
bool nth_open(int at);
/*
 * Names the task fnth-c-N or fnth-r-N (@op, @n) for a crash report's
 * "Comm:", then arms: the @n-th fault point of this task from now fails.
 */
bool nth_arm(enum sweep op, long n);
/*
 * Disarms; returns the count the call left: 0 if the fault was injected,
 * > 0 if the call passed fewer than @n fault points, -1 if unreadable.
 */
long nth_done(long n);

#endif /* FAIL_NTH_H */
