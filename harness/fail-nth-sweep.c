// SPDX-License-Identifier: GPL-2.0
/*
 * fail-nth-sweep: fails every fault point of checkpoint(2) and restart(2),
 * one at a time, from userspace (/proc/thread-self/fail-nth), for scenario
 * files (scenarios/FORMAT.md).  Boot it on the sanitize kernel:
 *
 *   harness/uml-run --kernel build/kernel-sanitize/linux --strict --kmemleak \
 *       build/harness/fail-nth-sweep [--op checkpoint|restart] [--pages]
 *       [--at PATH:OP:N] SCN...
 *
 * Per scenario the original runs its ops (scn-exec.c) up to its first
 * checkpoint point (its end if it has none) and stops there; a checkpoint
 * without faults gives the reference image.  Then:
 *
 *   checkpoint: for n = 1, 2, ...: arm fail-nth with n and checkpoint the
 *   stopped original, as harness/scenario-run does (the caller's own
 *   fail-nth file is then no part of the checkpointed table);
 *   restart: for n = 1, 2, ...: a fresh restorer, alone with the image and
 *   its own fail-nth file, arms n and restarts the image.
 *
 * A fail-nth count left nonzero after the call means it passed fewer than
 * n fault points: the sweep ends, and that call must have succeeded.  Every
 * call that took the injected fault must either
 *
 *   - fail with an errno an allocation failure explains (allowed_errno()),
 *     with the fd tables of the caller and of the checkpointed task
 *     unchanged (fd-snap.h: fds, links and whole fdinfo text, epoll "tfd:"
 *     lines included; only the image's offset may move), and, for a
 *     checkpoint, one without faults right after it must still give the
 *     reference image (a reference leaked on a file would make its leak
 *     check fail with EBUSY), or
 *   - succeed anyway (the kernel absorbed the failure: kmemleak's object
 *     pool, xarray's retry, KASAN's stack depot...), with the result of
 *     the call without faults.
 *
 * A successful restart, absorbed or final, must pass the checks of a valid
 * restore (as in scenario-run): the restored copy, checkpointed, gives the
 * reference image byte for byte, and runs the rest of the scenario with the
 * original's trace.  Leaks and sanitizer reports fail the boot (uml-run
 * --strict --kmemleak).
 *
 * KTAP out: one case per scenario and call, named with its sweep's length;
 * the last line counts every fault point swept.
 *
 * Fault points are the slab allocations (failslab, sleeping ones too) and
 * user copies of the call, so the n-th is the same allocation in every
 * attempt and every boot.  Page allocations are not counted unless --pages:
 * under KASAN freed objects wait in its quarantine, so caches take new slab
 * pages at moments that drift from attempt to attempt, and with them the
 * numbering (by one or two, and the output between boots).  --pages counts
 * them too (the image's shmem pages, pipe buffers, slab pages, vmalloc
 * backing): more failure paths, approximate fault-point numbers.
 *
 * A fault point is replayed by the same command with --at PATH:OP:N:
 * everything runs as before up to that fault point, whose backtrace the
 * kernel then logs ("FAULT_INJECTION: forcing a failure", unless the
 * allocation passed __GFP_NOWARN), and the run ends there.  An unclean
 * attempt is also repeated at once with its backtrace logged.  A kernel
 * crash ends the boot before this program can say anything: the sweeping
 * task is named fnth-c-N or fnth-r-N (checkpoint or restart, fault point N)
 * for the crash report's "Comm:", and the kernel log names the scenario
 * each sweep is at.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cr-util.h"
#include "fd-snap.h"
#include "scn.h"

#define FAIL_NTH "/proc/thread-self/fail-nth"
#define FAULT_DIR "/sys/kernel/debug"
#define MAX_NTH 100000L		/* a longer sweep is a runaway */
#define ERRNO_MAX 256
#define CK_FLAGS CHECKPOINT_SKIP_UNSUPPORTED
/* The restorer's own fds: above every scenario fd. */
#define RST_IMAGE_FD SCN_IMAGE_FD
#define RST_NTH_FD (SCN_IMAGE_FD + 1)
#define RST_KNOB_FD (SCN_IMAGE_FD + 2)
#define NKNOBS 3

enum sweep { SW_CHECKPOINT = 1, SW_RESTART = 2 };

static const char *const sweep_name[] = {
	[SW_CHECKPOINT] = "checkpoint",
	[SW_RESTART] = "restart",
};

static int sweeps = SW_CHECKPOINT | SW_RESTART;
/* --at: the one fault point to trace, after which the run ends. */
static const char *at_path;
static enum sweep at_op;
static long at_n;
static long trace_n;		/* at_n in its sweep, else 0 */
static char args[4096];		/* the command's scenario arguments, for replays */
static long total_points, total_unclean;
static bool pages;		/* --pages: page allocations are fault points too */

/*
 * What an injected allocation failure may make these calls return, read
 * from kernel/fs/checkpoint and what it calls:
 *   ENOMEM  every allocation: ours, xarray, rhashtable, the image's shmem
 *           pages, epoll items (ep_insert), files (alloc_empty_file, anon
 *           inodes), pipe buffers and rings (F_SETPIPE_SZ), path lookup;
 *   EIO     ckpt_flush() when the image file takes no bytes, and
 *           ckpt_fill_pipe() on a short write into a restored pipe;
 *   ENFILE  restart: create_pipe_files() when the pipe's inode cannot be
 *           allocated (get_pipe_inode()), as pipe(2) reports it.
 * Not EFAULT: image I/O is kernel_read()/kernel_write() on kernel buffers,
 * so no user copy (FAULT_INJECTION_USERCOPY) happens inside either call.
 * Not EINTR: no interruptible wait on these paths (ep->mtx, epnested_mutex
 * and pipe->mutex are taken uninterruptibly) and no signal is sent.
 */
static bool allowed_errno(enum sweep op, int err)
{
	return err == ENOMEM || err == EIO || (op == SW_RESTART && err == ENFILE);
}

/* ---- fault injection ---- */

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
 * page allocation out (see the header); --pages lets all of them in.
 * Probability stays 0, so nothing fails at random; task-filter only
 * filters random failures.  verbose: 0 (no log) but at a traced fault
 * point (2: a backtrace).
 */
static bool faults_setup(void)
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

static bool knobs_open(void)
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

static void trace_faults(bool on)
{
	for (int k = 0; k < NKNOBS; k++)
		if (write(knob_fd[k], on ? "2" : "0", 1) != 1)
			ktap_diag("fault-injection verbose knob: %s", strerror(errno));
}

static int nth_fd = -1;		/* this thread's fail-nth */

static bool nth_open(int at)
{
	int fd = open(FAIL_NTH, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return expect(false, "open %s: %s", FAIL_NTH, strerror(errno));
	if (at >= 0 && !place_fd(fd, at))
		return false;
	nth_fd = at >= 0 ? at : fd;
	return true;
}

/* Names the task after fault point n (see the header) and arms it. */
static bool nth_arm(enum sweep op, long n)
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
static long nth_done(long n)
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

/* ---- one scenario ---- */

struct tally {
	long points;		/* fault points of the call without faults */
	long failed, absorbed;
	long err[ERRNO_MAX];
	long unclean;
	long bad_n, bad_ret;	/* the first unclean fault point */
	char why[1024];
	long last_n, last_ret, last_left;	/* the last attempt */
};

struct sc {
	const char *path;
	char name[256];
	struct scn s;
	bool *stop;		/* nops + 1: only at the checkpoint point */
	int at;			/* op index the checkpoint is taken before */
	pid_t orig;		/* stopped there */
	int ref;		/* its image, made without faults */
	struct scn_shared *sha, *shb;
	size_t alen;		/* trace A up to the checkpoint point */
};

static void unclean(struct tally *t, long n, long ret, const char *fmt, ...)
	CR_PRINTF(4, 5);

static void unclean(struct tally *t, long n, long ret, const char *fmt, ...)
{
	va_list ap;

	if (!t->unclean++) {
		t->bad_n = n;
		t->bad_ret = ret;
		va_start(ap, fmt);
		vsnprintf(t->why, sizeof(t->why), fmt, ap);
		va_end(ap);
	}
}

static void image_reset(int fd)
{
	if (ftruncate(fd, 0) || lseek(fd, 0, SEEK_SET))
		ktap_diag("resetting an image: %s", strerror(errno));
}

/*
 * Checkpoints the stopped original with the fault at n; false when the
 * sweep ends there (the call passed fewer than n fault points, or broke).
 */
static bool checkpoint_at(struct sc *c, long n, int img, int chk,
			  const struct fd_snap *self0, const struct fd_snap *task0,
			  struct tally *t)
{
	static struct fd_snap now;
	char dir[32], e[32], e2[32], why[1024];
	long ret, left;

	snprintf(dir, sizeof(dir), "/proc/%d", (int)c->orig);
	image_reset(img);
	if (!nth_arm(SW_CHECKPOINT, n)) {
		unclean(t, n, 0, "cannot arm %s: %s", FAIL_NTH, strerror(errno));
		return false;
	}
	ret = sys_checkpoint(c->orig, img, CK_FLAGS);
	left = nth_done(n);
	t->last_n = n;
	t->last_ret = ret;
	t->last_left = left;
	ret_str(ret, e, sizeof(e));
	if (left < 0) {
		unclean(t, n, ret, "cannot read %s back", FAIL_NTH);
		return false;
	}
	if (ret >= 0 && !images_equal(c->ref, img, "image with a fault absorbed vs without faults")) {
		unclean(t, n, ret, "checkpoint succeeded%s, with another image",
			left ? "" : " with the fault injected");
		return false;
	}
	if (ret < 0 && left) {
		unclean(t, n, ret, "checkpoint failed with %s, but no fault was injected (fail-nth left %ld)",
			e, left);
		return false;
	}
	if (ret < 0 && (ret < -ERRNO_MAX || !allowed_errno(SW_CHECKPOINT, (int)-ret))) {
		unclean(t, n, ret, "checkpoint failed with %s, not an allocation failure's errno", e);
		return false;
	}
	snprintf(why, sizeof(why), "an fd table could not be read");
	if (!fd_snap_read("/proc/self", true, &now) ||
	    !fd_snap_same(self0, &now, img, "the caller's", why, sizeof(why)) ||
	    !fd_snap_read(dir, false, &now) ||
	    !fd_snap_same(task0, &now, -1, "the checkpointed task's", why, sizeof(why))) {
		unclean(t, n, ret, "checkpoint %s %s, and %s", ret < 0 ? "failed with" : "returned",
			e, why);
		return false;
	}
	if (ret >= 0) {
		if (left)
			t->points = n - 1;
		else
			t->absorbed++;
		return !left;
	}
	t->failed++;
	t->err[-ret]++;
	/* Nothing left behind: the leak check (EBUSY), the same image. */
	ret = sys_checkpoint(c->orig, chk, CK_FLAGS);
	if (ret < 0 || !images_equal(c->ref, chk, "image after the fault vs before")) {
		unclean(t, n, t->last_ret, "checkpoint failed with %s; one without faults right after it %s",
			e, ret < 0 ? ret_str(ret, e2, sizeof(e2)) : "gives another image");
		return false;
	}
	image_reset(chk);
	return true;
}

/*
 * Repeats an unclean attempt at fault point n with its backtrace logged,
 * in this boot: a replay in another boot may count one or two fault points
 * more or fewer before it (see report()).
 */
static void retrace_checkpoint(struct sc *c, long n, int img)
{
	trace_faults(true);
	image_reset(img);
	if (nth_arm(SW_CHECKPOINT, n)) {
		sys_checkpoint(c->orig, img, CK_FLAGS);
		nth_done(n);
	}
	trace_faults(false);
}

static void sweep_checkpoint(struct sc *c, struct tally *t)
{
	static struct fd_snap self0, task0;
	int img = image_create(), chk = image_create();
	long last = trace_n ? trace_n : MAX_NTH, n;
	char dir[32];

	snprintf(dir, sizeof(dir), "/proc/%d", (int)c->orig);
	if (img < 0 || chk < 0 || !fd_snap_read("/proc/self", true, &self0) ||
	    !fd_snap_read(dir, false, &task0)) {
		unclean(t, 0, 0, "setting up the checkpoint sweep failed");
	} else {
		for (n = 1; n <= last; n++)
			if (!checkpoint_at(c, n, img, chk, &self0, &task0, t))
				break;
		if (!trace_n && n > MAX_NTH)
			unclean(t, MAX_NTH, 0, "the sweep did not end after %ld fault points", MAX_NTH);
		else if (t->unclean && !trace_n)
			retrace_checkpoint(c, t->bad_n, img);
	}
	if (img >= 0)
		close(img);
	if (chk >= 0)
		close(chk);
}

/* What a restorer tells its parent (shared memory). */
struct rst {
	long n, ret, left;	/* its last attempt */
	struct tally t;
};

/*
 * The restorer: restarts the image with the fault at n = first..last until
 * one succeeds; that one stops to be checked by its parent, then runs the
 * rest of the scenario.  Exit 0: none succeeded up to last; 1: unclean.
 */
static int restorer(struct sc *c, struct rst *r, long first, long last)
{
	static struct fd_snap base, now;
	char e[32], why[1024];

	if (dup2(c->ref, RST_IMAGE_FD) != RST_IMAGE_FD) {
		ktap_diag("dup2 to %d: %s", RST_IMAGE_FD, strerror(errno));
		return 3;
	}
	for (int k = 0; k < NKNOBS; k++) {
		if (dup2(knob_fd[k], RST_KNOB_FD + k) != RST_KNOB_FD + k)
			return 3;
		knob_fd[k] = RST_KNOB_FD + k;
	}
	close_range(3, RST_IMAGE_FD - 1, 0);
	close_range(RST_KNOB_FD + NKNOBS, ~0U, 0);
	if (!nth_open(RST_NTH_FD) || !fd_snap_read("/proc/self", true, &base))
		return 3;
	signal(SIGPIPE, SIG_IGN);
	for (long n = first; n <= last; n++) {
		lseek(RST_IMAGE_FD, 0, SEEK_SET);
		r->n = n;
		if (!nth_arm(SW_RESTART, n))
			return 3;
		r->ret = sys_restart(RST_IMAGE_FD, 0);
		r->left = nth_done(n);
		ret_str(r->ret, e, sizeof(e));
		if (r->left < 0)
			return 3;
		if (r->ret >= 0) {
			close_range(RST_IMAGE_FD, ~0U, 0);
			raise(SIGSTOP);
			scn_exec(&c->s, c->at, c->stop, c->shb);
			_exit(0);
		}
		if (r->left) {
			unclean(&r->t, n, r->ret, "restart failed with %s, but no fault was injected (fail-nth left %ld)",
				e, r->left);
			return 1;
		}
		if (r->ret < -ERRNO_MAX || !allowed_errno(SW_RESTART, (int)-r->ret)) {
			unclean(&r->t, n, r->ret, "restart failed with %s, not an allocation failure's errno", e);
			return 1;
		}
		if (!fd_snap_read("/proc/self", true, &now) ||
		    !fd_snap_same(&base, &now, RST_IMAGE_FD, "the restorer's", why, sizeof(why))) {
			unclean(&r->t, n, r->ret, "restart failed with %s, and %s", e, why);
			return 1;
		}
		r->t.failed++;
		r->t.err[-r->ret]++;
	}
	return 0;
}

/* The stopped restorer restarted the image: checks it as a valid restore. */
static bool restored_ok(struct sc *c, pid_t pid, char *why, size_t len)
{
	int own = image_create(), st = 0;
	long ret = own < 0 ? -EBADF : sys_checkpoint(pid, own, CK_FLAGS);
	const char *a = c->sha->trace, *b = c->shb->trace;
	size_t i = 0, start = 0;
	char e[32];
	bool ok;

	if (ret < 0)
		snprintf(why, len, "the restored copy does not checkpoint: %s", ret_str(ret, e, sizeof(e)));
	ok = ret >= 0 && images_equal(c->ref, own, "image of the original vs of the restored copy");
	if (ret >= 0 && !ok)
		snprintf(why, len, "the restored copy's image differs from the original's");
	if (own >= 0)
		close(own);
	kill(pid, SIGCONT);
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st)) {
		if (ok)
			snprintf(why, len, "the restored copy did not finish the scenario (wait status %#x)", st);
		return false;
	}
	if (!ok || (c->shb->len == c->sha->len && !memcmp(a, b, c->sha->len)))
		return ok;
	while (i < c->sha->len && i < c->shb->len && a[i] == b[i])
		if (a[i++] == '\n')
			start = i;
	snprintf(why, len, "the restored copy's trace differs: original '%.*s', restored '%.*s'",
		 (int)strcspn(a + start, "\n"), a + start, (int)strcspn(b + start, "\n"), b + start);
	return false;
}

/* The same for restart: a restorer of its own, for fault point n alone. */
static void retrace_restart(struct sc *c, struct rst *r, long n)
{
	struct rst saved = *r;
	int st;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		trace_n = n;
		_exit(restorer(c, r, n, n));
	}
	if (pid > 0 && waitpid(pid, &st, WUNTRACED) == pid && WIFSTOPPED(st))
		reap(pid);
	*r = saved;
}

static void sweep_restart(struct sc *c, struct rst *r)
{
	struct tally *t = &r->t;
	long n = 1, last = trace_n ? trace_n : MAX_NTH;
	char why[1024];
	int st;

	while (n <= last) {
		pid_t pid;

		c->shb->len = c->alen;
		memcpy(c->shb->trace, c->sha->trace, c->alen);
		c->shb->stop_at = c->at;
		r->n = n;
		r->ret = r->left = 0;
		fflush(stdout);
		pid = fork();
		if (pid < 0) {
			unclean(t, n, 0, "fork: %s", strerror(errno));
			break;
		}
		if (pid == 0)
			_exit(restorer(c, r, n, last));
		if (waitpid(pid, &st, WUNTRACED) != pid) {
			unclean(t, n, 0, "waitpid: %s", strerror(errno));
			break;
		}
		if (WIFEXITED(st) && WEXITSTATUS(st) <= 1) {
			if (WEXITSTATUS(st) == 0 && !trace_n)
				unclean(t, MAX_NTH, 0, "the sweep did not end after %ld fault points", MAX_NTH);
			break;		/* else unclean, said in r->t */
		}
		if (!WIFSTOPPED(st)) {
			unclean(t, r->n, r->ret, "the restorer %s (wait status %#x) at fault point %ld",
				WIFSIGNALED(st) ? "was killed" : "could not set up", st, r->n);
			break;
		}
		if (!restored_ok(c, pid, why, sizeof(why))) {
			unclean(t, r->n, r->ret, "restart succeeded%s, but %s",
				r->left ? "" : " with the fault injected", why);
			break;
		}
		if (r->left) {
			t->points = r->n - 1;
			break;
		}
		t->absorbed++;
		n = r->n + 1;
	}
	t->last_n = r->n;
	t->last_ret = r->ret;
	t->last_left = r->left;
	if (t->unclean && t->bad_n > 0 && t->bad_n < MAX_NTH && !trace_n)
		retrace_restart(c, r, t->bad_n);
}

static void print_replay(const struct sc *c, enum sweep op, long n)
{
	ktap_diag("  replay: harness/uml-run --kernel build/kernel-sanitize/linux --strict --kmemleak build/harness/fail-nth-sweep --at %s:%s:%ld%s",
		  c->path, sweep_name[op], n, args);
}

static void report(const struct sc *c, enum sweep op, const struct tally *t)
{
	char line[1024], e[32], name[512];
	size_t used;

	if (t->unclean) {
		ktap_diag("%s: %s with the fault at fault point %ld: %s", c->path, sweep_name[op],
			  t->bad_n, t->why);
		if (t->bad_ret < 0)
			ktap_diag("  errno: %s", ret_str(t->bad_ret, e, sizeof(e)));
		ktap_diag("  backtrace: the kernel log's \"FAULT_INJECTION: forcing a failure\" of Comm: fnth-%c-%ld (the attempt was repeated with it logged; none if the allocation passed __GFP_NOWARN)",
			  op == SW_RESTART ? 'r' : 'c', t->bad_n);
		print_replay(c, op, t->bad_n);
		snprintf(name, sizeof(name), "%s %s: unclean at fault point %ld", c->name,
			 sweep_name[op], t->bad_n);
		total_unclean++;
		ktap_result(false, name);
		return;
	}
	used = (size_t)snprintf(line, sizeof(line), "%s %s: %ld failed (", c->name, sweep_name[op],
				t->failed);
	for (int i = 1; i < ERRNO_MAX && used < sizeof(line) - 40; i++)
		if (t->err[i])
			used += (size_t)snprintf(line + used, sizeof(line) - used, "%s%s %ld",
						 line[used - 1] == '(' ? "" : ", ",
						 ret_str(-i, e, sizeof(e)), t->err[i]);
	snprintf(line + used, sizeof(line) - used, "), %ld absorbed", t->absorbed);
	ktap_diag("%s", line);
	snprintf(name, sizeof(name), "%s %s: %ld fault points", c->name, sweep_name[op], t->points);
	total_points += t->points;
	ktap_result(true, name);
}

/* --at: what the traced fault point did; the run ends here. */
static void report_traced(const struct sc *c, enum sweep op, const struct tally *t)
{
	char e[32], name[512];

	if (t->last_n != at_n || t->last_left) {
		ktap_diag("%s %s: no fault injected at fault point %ld: the call passes %ld",
			  c->path, sweep_name[op], at_n, t->last_left > 0 ? t->last_n - 1 : -1L);
	} else {
		ktap_diag("%s %s: fault point %ld: %s %s%s%s", c->path, sweep_name[op], at_n,
			  t->last_ret < 0 ? "failed with" : "returned",
			  ret_str(t->last_ret, e, sizeof(e)), t->unclean ? ", unclean: " : ", clean",
			  t->unclean ? t->why : "");
		ktap_diag("its backtrace is in the kernel log after \"FAULT_INJECTION: forcing a failure\" (none if the allocation passed __GFP_NOWARN, as kmemleak's own do)");
	}
	snprintf(name, sizeof(name), "%s %s: fault point %ld traced", c->name, sweep_name[op], at_n);
	ktap_result(!t->unclean, name);
	exit(t->unclean ? 1 : 0);
}

/* The first unmet expectation of the original's trace, as a diagnostic. */
static bool expectations_met(const struct scn_shared *sh)
{
	const char *e = memmem(sh->trace, sh->len, " EXPECTED ", 10);

	if (!e)
		return true;
	while (e > sh->trace && e[-1] != '\n')
		e--;
	ktap_diag("the original missed an expectation: %.*s", (int)strcspn(e, "\n"), e);
	return false;
}

static bool start_original(struct sc *c)
{
	int st = 0;

	c->sha->len = 0;
	c->sha->stop_at = -1;
	fflush(stdout);
	c->orig = fork();
	if (c->orig < 0)
		return expect(false, "fork: %s", strerror(errno));
	if (c->orig == 0) {
		scn_child_setup();
		scn_exec(&c->s, 0, c->stop, c->sha);
		_exit(0);
	}
	if (waitpid(c->orig, &st, WUNTRACED) != c->orig || !WIFSTOPPED(st) ||
	    c->sha->stop_at != c->at) {
		reap(c->orig);
		return expect(false, "the original did not stop before op %d (wait status %#x)",
			      c->at, st);
	}
	c->alen = c->sha->len;
	c->ref = image_create();
	if (c->ref >= 0 &&
	    expect_success("checkpoint without faults", sys_checkpoint(c->orig, c->ref, CK_FLAGS)))
		return true;
	reap(c->orig);
	return false;
}

/* One line in the kernel log: where a crash of the next sweep would be. */
static void kmsg_sweep(const struct sc *c, enum sweep op)
{
	char line[512];
	int fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);
	int n = snprintf(line, sizeof(line), "fail-nth-sweep: %s %s: sweeping (fault point N runs as fnth-%c-N; trace it with --at %s:%s:N)\n",
			 c->path, sweep_name[op], op == SW_RESTART ? 'r' : 'c', c->path,
			 sweep_name[op]);

	if (fd >= 0 && write(fd, line, (size_t)n) < 0)
		fprintf(stderr, "fail-nth-sweep: /dev/kmsg: %s\n", strerror(errno));
	if (fd >= 0)
		close(fd);
}

static bool traced_here(const struct sc *c, enum sweep op)
{
	return at_n && op == at_op && !strcmp(c->path, at_path);
}

static void run_one(struct sc *c, struct rst *r)
{
	static struct tally tc;
	int st;

	c->stop = calloc((size_t)c->s.nops + 1, sizeof(bool));
	c->at = c->s.nops;
	for (int i = 0; i < c->s.nops; i++)
		if (c->s.ops[i].kind == OP_CHECKPOINT) {
			c->at = i;
			break;
		}
	c->stop[c->at] = true;
	c->ref = -1;
	if (c->s.helper_cp >= 0 || !start_original(c)) {
		for (int op = SW_CHECKPOINT; op <= SW_RESTART; op++) {
			char name[512];

			if (!(sweeps & op))
				continue;
			snprintf(name, sizeof(name), "%s %s%s", c->name, sweep_name[op],
				 c->s.helper_cp >= 0 ? " # SKIP an outside task runs during its checkpoint" :
				 ": the original did not reach its checkpoint");
			total_unclean += c->s.helper_cp < 0;
			ktap_result(c->s.helper_cp >= 0, name);
		}
		goto out;
	}
	if (sweeps & SW_CHECKPOINT) {
		memset(&tc, 0, sizeof(tc));
		trace_n = traced_here(c, SW_CHECKPOINT) ? at_n : 0;
		kmsg_sweep(c, SW_CHECKPOINT);
		sweep_checkpoint(c, &tc);
		if (trace_n)
			report_traced(c, SW_CHECKPOINT, &tc);
		report(c, SW_CHECKPOINT, &tc);
	}
	kill(c->orig, SIGCONT);
	if (waitpid(c->orig, &st, 0) != c->orig || !WIFEXITED(st) || WEXITSTATUS(st))
		ktap_diag("the original did not finish (wait status %#x)", st);
	if (sweeps & SW_RESTART) {
		memset(r, 0, sizeof(*r));
		trace_n = traced_here(c, SW_RESTART) ? at_n : 0;
		kmsg_sweep(c, SW_RESTART);
		if (!expectations_met(c->sha))
			unclean(&r->t, 0, 0, "the original's trace is wrong, so no restored copy can match it");
		else
			sweep_restart(c, r);
		if (trace_n)
			report_traced(c, SW_RESTART, &r->t);
		report(c, SW_RESTART, &r->t);
	}
out:
	if (c->ref >= 0)
		close(c->ref);
	free(c->stop);
}

static void *shared_new(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		perror("fail-nth-sweep: mmap");
		exit(1);
	}
	return p;
}

static void usage(void)
{
	fprintf(stderr, "usage: fail-nth-sweep [--op checkpoint|restart] [--pages] [--at PATH:OP:N] SCN...\n");
	exit(2);
}

static enum sweep sweep_of(const char *s)
{
	return !strcmp(s, "checkpoint") ? SW_CHECKPOINT : !strcmp(s, "restart") ? SW_RESTART : 0;
}

/* PATH:OP:N, split from the right: a path may hold colons. */
static void parse_at(char *s)
{
	char *c2 = strrchr(s, ':'), *c1, *end;

	if (!c2 || c2 == s)
		goto bad;
	*c2 = '\0';
	c1 = strrchr(s, ':');
	if (!c1 || c1 == s)
		goto bad;
	*c1 = '\0';
	errno = 0;
	at_n = strtol(c2 + 1, &end, 10);
	at_op = sweep_of(c1 + 1);
	at_path = s;
	if (!errno && !*end && at_n >= 1 && at_n <= MAX_NTH && at_op)
		return;
bad:
	fprintf(stderr, "fail-nth-sweep: --at: expected PATH:checkpoint|restart:N (N in 1..%ld)\n",
		MAX_NTH);
	exit(2);
}

int main(int argc, char **argv)
{
	struct rlimit rl = { RST_KNOB_FD + NKNOBS + 64, RST_KNOB_FD + NKNOBS + 64 };
	struct scn_shared *sha, *shb;
	size_t used = 0;
	struct sc *cs;
	struct rst *r;
	char err[512];
	int i, n, bad = 0;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "--op") && i + 1 < argc) {
			sweeps = sweep_of(argv[++i]);
			if (!sweeps) {
				fprintf(stderr, "fail-nth-sweep: --op: '%s' is neither checkpoint nor restart\n",
					argv[i]);
				return 2;
			}
			used += (size_t)snprintf(args + used, sizeof(args) - used, " --op %s", argv[i]);
		} else if (!strcmp(argv[i], "--at") && i + 1 < argc) {
			parse_at(argv[++i]);
		} else if (!strcmp(argv[i], "--pages")) {
			pages = true;
			used += (size_t)snprintf(args + used, sizeof(args) - used, " --pages");
		} else {
			usage();
		}
	}
	n = argc - i;
	if (!n)
		usage();
	cs = calloc((size_t)n, sizeof(*cs));
	for (int k = 0; k < n; k++) {
		const char *base = strrchr(argv[i + k], '/');

		cs[k].path = argv[i + k];
		snprintf(cs[k].name, sizeof(cs[k].name), "%s", base ? base + 1 : cs[k].path);
		if (used < sizeof(args))
			used += (size_t)snprintf(args + used, sizeof(args) - used, " %s", cs[k].path);
		if (scn_parse(cs[k].path, &cs[k].s, err, sizeof(err))) {
			fprintf(stderr, "%s\n", err);
			bad++;
		}
	}
	if (bad) {
		fprintf(stderr, "fail-nth-sweep: %d malformed scenario file%s; nothing ran\n", bad,
			bad == 1 ? "" : "s");
		return 2;
	}
	if (at_n && !(sweeps & at_op)) {
		fprintf(stderr, "fail-nth-sweep: --at %s: that call is not swept (--op)\n",
			sweep_name[at_op]);
		return 2;
	}
	if (setrlimit(RLIMIT_NOFILE, &rl) || !faults_setup() || !knobs_open() || !nth_open(-1))
		return 1;
	sha = shared_new(sizeof(*sha));
	shb = shared_new(sizeof(*shb));
	r = shared_new(sizeof(*r));
	ktap_plan(n * ((sweeps & SW_CHECKPOINT ? 1 : 0) + (sweeps & SW_RESTART ? 1 : 0)));
	for (int k = 0; k < n; k++) {
		cs[k].sha = sha;
		cs[k].shb = shb;
		run_one(&cs[k], r);
		scn_free(&cs[k].s);
	}
	if (at_n) {
		ktap_diag("--at %s:%s:%ld: no such scenario among the arguments", at_path,
			  sweep_name[at_op], at_n);
		return 2;
	}
	ktap_diag("fail-nth: %ld fault points swept, %ld unclean", total_points, total_unclean);
	fprintf(stderr, "fail-nth: %ld fault points swept, %ld unclean\n", total_points,
		total_unclean);
	free(cs);
	return total_unclean ? 1 : 0;
}
