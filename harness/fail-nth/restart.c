// SPDX-License-Identifier: GPL-2.0
/*
 * restart: the restart sweep of fail-nth-sweep: fresh
 * restorers restart the reference image with the fault at each fault point
 * in turn; each restart that succeeds is checked as a valid restore.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sweep.h"
#include "fd-table.h"

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
		cr_diag("dup2 to %d: %s", RST_IMAGE_FD, strerror(errno));
		return 3;
	}
	if (!knobs_place(RST_KNOB_FD))
		return 3;
	close_range(3, RST_IMAGE_FD - 1, 0);
	close_range(RST_KNOB_FD + NKNOBS, ~0U, 0);
	if (!nth_open(RST_NTH_FD) || !fd_snap_read("/proc/self", true, &base))
		return 3;
	signal(SIGPIPE, SIG_IGN);
	/* As scenario-run's restorers do: restart restores none (FORMAT.md). */
	scn_carry_signals(&c->s, c->pending);
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
			scn_stop(c->shb, c->at);
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
	ok = ret >= 0 && scn_images_equal(c->ref, own, "image of the original vs of the restored copy");
	if (ret >= 0 && !ok)
		snprintf(why, len, "the restored copy's image differs from the original's");
	if (own >= 0)
		close(own);
	scn_resume(pid, c->shb);
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

/* A new restorer's shared page: trace A up to the checkpoint, no stop yet. */
static void shb_reset(struct sc *c)
{
	c->shb->len = c->alen;
	memcpy(c->shb->trace, c->sha->trace, c->alen);
	c->shb->stop_at = c->at;
	c->shb->stopped = c->shb->resumed = 0;
}

/* The same for restart: a restorer of its own, for fault point n alone. */
static void retrace_restart(struct sc *c, struct rst *r, long n)
{
	struct rst saved = *r;
	int st;
	pid_t pid;

	shb_reset(c);
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		trace_n = n;
		_exit(restorer(c, r, n, n));
	}
	if (pid > 0 && scn_wait_stop(pid, c->shb, &st) == 1)
		reap(pid);
	*r = saved;
}

void sweep_restart(struct sc *c, struct rst *r)
{
	struct tally *t = &r->t;
	long n = 1, last = trace_n ? trace_n : MAX_NTH;
	char why[1024];
	int st = 0, stopped;

	while (n <= last) {
		pid_t pid;

		shb_reset(c);
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
		stopped = scn_wait_stop(pid, c->shb, &st);
		if (stopped < 0) {
			unclean(t, n, 0, "waitpid: %s", strerror(errno));
			break;
		}
		if (!stopped && WIFEXITED(st) && WEXITSTATUS(st) <= 1) {
			if (WEXITSTATUS(st) == 0 && !trace_n)
				unclean(t, MAX_NTH, 0, "the sweep did not end after %ld fault points", MAX_NTH);
			break;		/* else unclean, said in r->t */
		}
		if (!stopped) {
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
