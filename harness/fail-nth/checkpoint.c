// SPDX-License-Identifier: GPL-2.0
/*
 * checkpoint: the checkpoint sweep of fail-nth-sweep:
 * checkpoints the stopped original with the fault at each fault point in
 * turn, as scenario-run does, and checks each attempt.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sweep.h"
#include "fd-table.h"

static void image_reset(int fd)
{
	if (ftruncate(fd, 0) || lseek(fd, 0, SEEK_SET))
		cr_diag("resetting an image: %s", strerror(errno));
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
	if (ret >= 0 && !scn_images_equal(c->ref, img, "image with a fault absorbed vs without faults")) {
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
	if (ret < 0 || !scn_images_equal(c->ref, chk, "image after the fault vs before")) {
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
 * more or fewer before it (see report() in fail-nth-sweep.c).
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

void sweep_checkpoint(struct sc *c, struct tally *t)
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
