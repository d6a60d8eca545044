// SPDX-License-Identifier: GPL-2.0
/*
 * timer-race: checkpoints racing timer expiries, in real time.
 *
 *   timer-race [--timers N] [--checkpoints N]
 *
 * A stopped holder shares with the parent N periodic timerfds (periods of
 * 50 to 50 + N - 1 microseconds) and one epoll set with a level-triggered
 * item on each.  Before each CHECKPOINT_SUBTREE checkpoint the parent
 * reads every timer (its ticks go to 0) and calls epoll_wait() on the set,
 * which drops the items of timers that have not expired again since; so
 * when the call begins, an item is on the ready list exactly when its
 * timer has ticks.  During the call nothing but expiries changes them,
 * and an expiry adds a tick and links the item under one lock.  So in
 * every image, for every timer: ticks > 0 exactly when its item is on
 * the set's ready list.  A torn image, read before an expiry for one and
 * after it for the other, breaks that.  Every image is also restarted, to
 * show restart takes what checkpoint writes of running timers.
 *
 * Nothing here is seeded: the expiries fall where the clock puts them.
 * Exit status 1 if any image breaks the rule or fails to restart.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cr-util.h"

#define MAX_TIMERS 64
#define FIRST_TIMER 10
#define SET_FD (FIRST_TIMER + MAX_TIMERS)
#define IMAGE_FD (SET_FD + 1)

static int ntimers = 16;

/* What an image records of the timers: by index, ticks and readiness. */
struct timer_view {
	uint32_t objref[MAX_TIMERS];
	uint64_t ticks[MAX_TIMERS];
	bool ready[MAX_TIMERS];
	bool seen[MAX_TIMERS];
};

static int timer_of(const struct timer_view *v, uint32_t objref)
{
	for (int i = 0; i < ntimers; i++)
		if (v->objref[i] == objref)
			return i;
	return -1;
}

static bool view_image(const unsigned char *buf, size_t len, struct timer_view *v)
{
	struct ckpt_fd_entry e;
	uint32_t set_objref;
	struct ckpt_hdr h;

	memset(v, 0, sizeof(*v));
	if (!image_walk(buf, len, NULL))
		return false;
	if (!image_find_fd(buf, len, SET_FD, &e))
		return expect(false, "image: no fd %d (the set)", SET_FD);
	set_objref = e.objref;
	for (int i = 0; i < ntimers; i++) {
		if (!image_find_fd(buf, len, FIRST_TIMER + i, &e))
			return expect(false, "image: no fd %d", FIRST_TIMER + i);
		v->objref[i] = e.objref;
	}
	for (size_t pos = 0; pos < len; pos += h.len) {
		memcpy(&h, buf + pos, sizeof(h));
		if (h.type == CKPT_REC_FILE) {
			struct ckpt_rec_file f;
			struct ckpt_file_timerfd spec;
			int i;

			memcpy(&f, buf + pos, sizeof(f));
			i = timer_of(v, f.objref);
			if (i < 0)
				continue;
			if (f.file_type != CKPT_FILE_TIMERFD)
				return expect(false, "image: fd %d is of type %u", FIRST_TIMER + i,
					      f.file_type);
			memcpy(&spec, buf + pos + sizeof(f), sizeof(spec));
			v->ticks[i] = spec.ticks;
			v->seen[i] = true;
		} else if (h.type == CKPT_REC_EPOLL_READY) {
			struct ckpt_rec_epoll_ready r;
			struct ckpt_epoll_ready entry;

			memcpy(&r, buf + pos, offsetof(struct ckpt_rec_epoll_ready, ready));
			if (r.epoll_objref != set_objref)
				continue;
			for (uint32_t k = 0; k < r.count; k++) {
				int i;

				memcpy(&entry, buf + pos + offsetof(struct ckpt_rec_epoll_ready, ready) +
				       k * sizeof(entry), sizeof(entry));
				i = timer_of(v, entry.target_objref);
				if (i < 0)
					return expect(false, "image: a ready entry for objref %u",
						      entry.target_objref);
				v->ready[i] = true;
			}
		}
	}
	return true;
}

/* The rule of the comment at the top, for every timer of one image. */
static bool view_consistent(const struct timer_view *v, int c, int *expired)
{
	bool ok = true;

	for (int i = 0; i < ntimers; i++) {
		if (!v->seen[i]) {
			cr_diag("checkpoint %d: no FILE record for timerfd %d", c, FIRST_TIMER + i);
			ok = false;
		} else if ((v->ticks[i] > 0) != v->ready[i]) {
			cr_diag("checkpoint %d: timerfd %d has %llu ticks but its item is %s the ready list",
				c, FIRST_TIMER + i, (unsigned long long)v->ticks[i],
				v->ready[i] ? "on" : "off");
			ok = false;
		}
		*expired += v->ticks[i] > 0;
	}
	return ok;
}

/* Restarts the image in a fresh process: does it take it? */
static bool restarts(int img, int c)
{
	int st;
	pid_t pid = fork();

	if (pid == 0) {
		if (dup2(img, IMAGE_FD) < 0)
			_exit(4);
		close_range(3, IMAGE_FD - 1, 0);
		lseek(IMAGE_FD, 0, SEEK_SET);
		_exit(sys_restart(IMAGE_FD, 0) < 0 ? 5 : 0);
	}
	if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st))
		return expect(false, "checkpoint %d: its image did not restart (status %#x)", c, st);
	return true;
}

/* The parent's step before each checkpoint: no ticks, no stale entries. */
static void quiesce(void)
{
	struct epoll_event out[MAX_TIMERS];
	uint64_t ticks;

	for (int i = 0; i < ntimers; i++)
		if (read(FIRST_TIMER + i, &ticks, sizeof(ticks)) < 0 && errno != EAGAIN)
			cr_diag("read of timerfd %d: %s", FIRST_TIMER + i, strerror(errno));
	epoll_wait(SET_FD, out, MAX_TIMERS, 0);
}

static int build_timers(void)
{
	if (!place_fd(epoll_create1(0), SET_FD))
		return -1;
	for (int i = 0; i < ntimers; i++) {
		long long period_ns = (50 + i) * 1000LL;

		if (!timerfd_at(FIRST_TIMER + i, CLOCK_MONOTONIC, 0, period_ns, period_ns) ||
		    !epoll_add(SET_FD, FIRST_TIMER + i, EPOLLIN, (uint64_t)i))
			return -1;
	}
	return 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: timer-race [--timers 1..%d] [--checkpoints N]\n", MAX_TIMERS);
	return 2;
}

int main(int argc, char **argv)
{
	int checkpoints = 200, failed = 0, taken = 0, expired = 0, st;
	pid_t holder;

	for (int i = 1; i < argc; i += 2) {
		if (i + 1 >= argc)
			return usage();
		if (!strcmp(argv[i], "--checkpoints"))
			checkpoints = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--timers"))
			ntimers = atoi(argv[i + 1]);
		else
			return usage();
	}
	if (checkpoints <= 0 || ntimers < 1 || ntimers > MAX_TIMERS)
		return usage();
	if (build_timers())
		return 1;
	holder = fork();
	if (holder == 0) {
		for (;;)
			raise(SIGSTOP);
	}
	if (holder < 0 || waitpid(holder, &st, WUNTRACED) != holder || !WIFSTOPPED(st)) {
		cr_diag("the holder did not stop");
		return 1;
	}

	printf("KTAP version 1\n1..1\n");
	for (int c = 0; c < checkpoints; c++) {
		int img = image_create();
		unsigned char *buf = NULL;
		struct timer_view v;
		ssize_t n;
		long r;

		if (img < 0)
			break;
		quiesce();
		r = sys_checkpoint(holder, img, CHECKPOINT_SUBTREE | CHECKPOINT_SKIP_UNSUPPORTED);
		n = r < 0 ? -1 : image_load(img, &buf);
		if (r < 0 || n < 0) {
			char b[32];

			cr_diag("checkpoint %d failed: %s", c, ret_str(r < 0 ? r : n, b, sizeof(b)));
			close(img);
			failed++;
			break;
		}
		taken++;
		if (!view_image(buf, (size_t)n, &v) || !view_consistent(&v, c, &expired) ||
		    !restarts(img, c))
			failed++;
		free(buf);
		close(img);
	}
	reap(holder);
	cr_diag("timer-race: %d checkpoints of %d timers, %d expired timers recorded, %d images broke the rule or did not restart",
		taken, ntimers, expired, failed);
	ktap_result(!failed && taken == checkpoints, "timer-race");
	return failed || taken < checkpoints ? 1 : 0;
}
