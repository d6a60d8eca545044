// SPDX-License-Identifier: GPL-2.0
/*
 * inject: fault-injection control for fail-nth-sweep: the
 * debugfs knobs and this thread's fail-nth file (inject.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "cr-util.h"
#include "inject.h"

#define FAULT_DIR "/sys/kernel/debug"

long trace_n;

/*
 * What an injected allocation failure may make these calls return, read
 * from kernel/fs/checkpoint and what it calls:
 *   ENOMEM  every allocation: ours, xarray, rhashtable, the image's shmem
 *           pages, epoll items (ep_insert), files (alloc_empty_file, anon
 *           inodes), pipe buffers and rings (F_SETPIPE_SZ), path lookup;
 *   EIO     ckpt_flush() when the image file takes no bytes, and
 *           ckpt_fill_pipe() on a short write into a restored pipe;
 *   ENFILE  restart: create_pipe_files() when the pipe's inode cannot be
 *           allocated (get_pipe_inode()), as pipe(2) reports it;
 *   ENOBUFS restart: the buffers a socket pair's queue is sent in again
 *           (alloc_skb_with_frags()), as sendmsg(2) reports it.
 * Not EFAULT: image I/O is kernel_read()/kernel_write() on kernel buffers,
 * so no user copy (FAULT_INJECTION_USERCOPY) happens inside either call.
 * Not EINTR: no interruptible wait on these paths (ep->mtx, epnested_mutex
 * and pipe->mutex are taken uninterruptibly) and no signal is sent.
 */
bool allowed_errno(enum sweep op, int err)
{
	return err == ENOMEM || err == EIO ||
	       (op == SW_RESTART && (err == ENFILE || err == ENOBUFS));
}

static bool knob(const char *name, const char *val)
{
	char path[128];
	int fd;
	bool ok;

	snprintf(path, sizeof(path), FAULT_DIR "/%s", name);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	ok = fd >= 0 && write(fd, val, strlen(val)) == (ssize_t)strlen(val);
	if (!ok)
		fprintf(stderr, "fail-nth-sweep: %s: cannot write '%s': %s (needs CONFIG_FAULT_INJECTION_DEBUG_FS, FAILSLAB, FAIL_PAGE_ALLOC and FAULT_INJECTION_USERCOPY, and debugfs)\n",
			path, val, strerror(errno));
	if (fd >= 0)
		close(fd);
	return ok;
}

/*
 * fail-nth counts every should_fail() of this task, whatever the
 * probability, interval or times, but failslab and fail_page_alloc drop
 * sleeping allocations (ignore-gfp-wait), fail_page_alloc those below
 * min-order and highmem-capable ones (ignore-gfp-highmem: the image's
 * shmem pages, pipe buffers) before they count.  min-order 32 keeps every
 * page allocation out (see fail-nth-sweep.c's header); --pages lets all of them in.
 * Probability stays 0, so nothing fails at random; task-filter only
 * filters random failures.  verbose: 0 (no log) but at a traced fault
 * point (2: a backtrace).
 */
bool faults_setup(bool pages)
{
	return knob("failslab/ignore-gfp-wait", "N") &&
	       knob("failslab/task-filter", "N") &&
	       knob("failslab/verbose", "0") &&
	       knob("fail_page_alloc/ignore-gfp-wait", "N") &&
	       knob("fail_page_alloc/ignore-gfp-highmem", "N") &&
	       knob("fail_page_alloc/min-order", pages ? "0" : "32") &&
	       knob("fail_page_alloc/task-filter", "N") &&
	       knob("fail_page_alloc/verbose", "0") &&
	       knob("fail_usercopy/verbose", "0");
}

/*
 * The verbose knobs, opened once so that tracing a fault point (--at)
 * makes no call a sweep does not make too.
 */
static int knob_fd[NKNOBS];

bool knobs_open(void)
{
	static const char *const names[NKNOBS] = {
		"failslab/verbose", "fail_page_alloc/verbose", "fail_usercopy/verbose",
	};
	char path[128];

	for (int k = 0; k < NKNOBS; k++) {
		snprintf(path, sizeof(path), FAULT_DIR "/%s", names[k]);
		knob_fd[k] = open(path, O_WRONLY | O_CLOEXEC);
		if (knob_fd[k] < 0)
			return expect(false, "open %s: %s", path, strerror(errno));
	}
	return true;
}

bool knobs_place(int at)
{
	for (int k = 0; k < NKNOBS; k++) {
		if (dup2(knob_fd[k], at + k) != at + k)
			return false;
		knob_fd[k] = at + k;
	}
	return true;
}

void trace_faults(bool on)
{
	for (int k = 0; k < NKNOBS; k++)
		if (write(knob_fd[k], on ? "2" : "0", 1) != 1)
			cr_diag("fault-injection verbose knob: %s", strerror(errno));
}

static int nth_fd = -1;		/* this thread's fail-nth */

bool nth_open(int at)
{
	int fd = open(FAIL_NTH, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return expect(false, "open %s: %s", FAIL_NTH, strerror(errno));
	if (at >= 0 && !place_fd(fd, at))
		return false;
	nth_fd = at >= 0 ? at : fd;
	return true;
}

/* Names the task after fault point n (see fail-nth-sweep.c's header) and arms it. */
bool nth_arm(enum sweep op, long n)
{
	char b[32];
	int len;

	snprintf(b, sizeof(b), "fnth-%c-%ld", op == SW_RESTART ? 'r' : 'c', n);
	prctl(PR_SET_NAME, b);
	if (n == trace_n)
		trace_faults(true);
	len = snprintf(b, sizeof(b), "%ld", n);
	return pwrite(nth_fd, b, (size_t)len, 0) == len;
}

/*
 * The count left after the call, 0 if the fault was injected; disarms.
 * The read's own copy_to_user() is a fault point too: with 1 left it fails
 * (EFAULT) after taking the value, so 1 it was.  Likewise the disarming
 * write may fail with EFAULT, leaving 0 all the same.
 */
long nth_done(long n)
{
	char b[32];
	ssize_t r = pread(nth_fd, b, sizeof(b) - 1, 0);
	long left;

	if (r < 0 && errno == EFAULT) {
		left = 1;
	} else if (r <= 0) {
		left = -1;
	} else {
		b[r] = '\0';
		left = strtol(b, NULL, 10);
	}
	if (left && pwrite(nth_fd, "0", 1, 0) != 1 && errno != EFAULT)
		left = -1;
	if (n == trace_n)
		trace_faults(false);
	return left;
}

