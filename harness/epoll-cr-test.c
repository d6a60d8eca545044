// SPDX-License-Identifier: GPL-2.0
/*
 * epoll-cr-test: epoll checkpoint/restart through real syscalls.
 *
 * Most cases are trace cases (cr-trace.h): the original and its restored
 * copy run the same continuation and must observe the same events, data,
 * order, edge-triggered and one-shot state and errors; where a case gives
 * an expected trace, that is what both must observe.  The others check
 * what must fail, and how.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/klog.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cr-trace.h"
#include "cr-util.h"

/* Fixed fd numbers, far from anything the harness opens. */
enum { EP = 10, EP2 = 11, EP3 = 12, T0 = 20 };

static int add(int ep, int fd, uint32_t events, uint64_t data)
{
	struct epoll_event ev = { .events = events, .data.u64 = data };

	return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
}

static int efd_at(int fd, unsigned int initval)
{
	return place_fd(eventfd(initval, EFD_NONBLOCK), fd) ? 0 : -1;
}

static int ep_at(int fd)
{
	return place_fd(epoll_create1(0), fd) ? 0 : -1;
}

static void signal_efd(int fd)
{
	uint64_t one = 1;

	write(fd, &one, sizeof(one));
}

static void drain_efd(int fd)
{
	uint64_t v;

	read(fd, &v, sizeof(v));
}

/* ---- ready-list order and maxevents ---- */

static int setup_ready_order(void)
{
	static const int order[] = { 3, 1, 4, 0, 2 };
	int err = ep_at(EP);

	for (int i = 0; i < 5 && !err; i++)
		err = efd_at(T0 + i, 0) ?: add(EP, T0 + i, EPOLLIN, 0xa0 + i);
	for (int i = 0; i < 5; i++)
		signal_efd(T0 + order[i]);
	return err;
}

static void cont_ready_order(FILE *t)
{
	trace_wait(t, EP, 2);
	trace_wait(t, EP, 2);
	trace_wait(t, EP, 2);
	drain_efd(T0 + 4);
	trace_wait(t, EP, 64);
}

/* Level-triggered items rotate to the tail when reported. */
static int setup_rotation(void)
{
	int err = setup_ready_order();
	struct epoll_event ev[2];

	/* Report two, so they go to the tail before the checkpoint. */
	return err ?: (epoll_wait(EP, ev, 2, 0) == 2 ? 0 : -1);
}

static void cont_rotation(FILE *t)
{
	for (int i = 0; i < 6; i++)
		trace_wait(t, EP, 1);
}

/* ---- edge-triggered ---- */

static int setup_et_consumed(void)
{
	struct epoll_event ev;
	int err = ep_at(EP) ?: efd_at(T0, 0) ?: add(EP, T0, EPOLLIN | EPOLLET, 0xe7);

	signal_efd(T0);
	return err ?: (epoll_wait(EP, &ev, 1, 0) == 1 ? 0 : -1);
}

static void cont_et(FILE *t)
{
	trace_wait(t, EP, 8);
	trace_wait(t, EP, 8);
	signal_efd(T0);
	trace_wait(t, EP, 8);
	trace_wait(t, EP, 8);
}

static int setup_et_pending(void)
{
	int err = ep_at(EP) ?: efd_at(T0, 0) ?: add(EP, T0, EPOLLIN | EPOLLET, 0xe7);

	signal_efd(T0);
	return err;
}

/* ---- one-shot ---- */

static int setup_oneshot_disarmed(void)
{
	struct epoll_event ev;
	int err = ep_at(EP) ?: (pipe_at(T0, T0 + 1) ? 0 : -1) ?:
		  add(EP, T0, EPOLLIN | EPOLLONESHOT, 0x05);

	write(T0 + 1, "x", 1);
	return err ?: (epoll_wait(EP, &ev, 1, 0) == 1 ? 0 : -1);
}

static void cont_oneshot(FILE *t)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLONESHOT,
				  .data.u64 = 0x06 };

	trace_wait(t, EP, 8);
	close(T0 + 1);		/* the peer: a disarmed item must not report HUP */
	trace_wait(t, EP, 8);
	trace_ret(t, "rearm", epoll_ctl(EP, EPOLL_CTL_MOD, T0, &ev));
	trace_wait(t, EP, 8);
	trace_wait(t, EP, 8);
}

static int setup_oneshot_armed(void)
{
	int err = ep_at(EP) ?: (pipe_at(T0, T0 + 1) ? 0 : -1) ?:
		  add(EP, T0, EPOLLIN | EPOLLONESHOT, 0x05);

	write(T0 + 1, "x", 1);
	return err;
}

/* ---- bit-exact flags, data, busy poll, dup'd epoll fds ---- */

static int setup_flags(void)
{
	struct epoll_params p = { .busy_poll_usecs = 25, .busy_poll_budget = 16,
				  .prefer_busy_poll = 1 };

	return ep_at(EP) ?: efd_at(T0, 0) ?: efd_at(T0 + 1, 0) ?:
	       (pipe_at(T0 + 2, T0 + 3) ? 0 : -1) ?: efd_at(T0 + 4, 0) ?:
	       add(EP, T0, EPOLLIN | EPOLLEXCLUSIVE, UINT64_MAX) ?:
	       add(EP, T0 + 1, EPOLLIN | EPOLLPRI | EPOLLOUT | EPOLLET, 0) ?:
	       add(EP, T0 + 2, EPOLLIN | EPOLLRDHUP, 0x8000000000000001ULL) ?:
	       add(EP, T0 + 4, EPOLLIN | EPOLLWAKEUP, 42) ?:
	       ioctl(EP, EPIOCSPARAMS, &p);
}

static void cont_flags(FILE *t)
{
	struct epoll_params p = { 0 };

	trace_epoll_items(t, EP);
	trace_ret(t, "EPIOCGPARAMS", ioctl(EP, EPIOCGPARAMS, &p));
	fprintf(t, "busy poll: %u %u %u\n", p.busy_poll_usecs,
		p.busy_poll_budget, p.prefer_busy_poll);
	trace_wait(t, EP, 8);
	close(T0 + 3);
	trace_wait(t, EP, 8);
}

static int setup_dup_epoll(void)
{
	int err = ep_at(EP) ?: efd_at(T0, 1) ?: add(EP, T0, EPOLLIN, 0x1d);

	if (!err && dup2(EP, EP2) != EP2)
		err = -1;
	return err ?: fcntl(EP, F_SETFD, FD_CLOEXEC);
}

static void cont_dup_epoll(FILE *t)
{
	trace_ret(t, "kcmp(10, 11)", sys_kcmp_file(EP, EP2));
	trace_ret(t, "F_GETFD 10", fcntl(EP, F_GETFD));
	trace_ret(t, "F_GETFD 11", fcntl(EP2, F_GETFD));
	trace_wait(t, EP2, 8);
	trace_ret(t, "del via dup", epoll_ctl(EP2, EPOLL_CTL_DEL, T0, NULL));
	trace_wait(t, EP, 8);
}

/* ---- item keys: (file, fd) ---- */

/* The item's fd was closed; its file lives on at another number. */
static int setup_fd_closed(void)
{
	int err = ep_at(EP) ?: efd_at(T0, 0) ?: add(EP, T0, EPOLLIN, 0xc1);

	if (!err && dup2(T0, T0 + 5) != T0 + 5)
		err = -1;
	close(T0);
	return err;
}

static void cont_fd_closed(FILE *t)
{
	trace_epoll_items(t, EP);
	trace_wait(t, EP, 8);
	signal_efd(T0 + 5);
	trace_wait(t, EP, 8);
	trace_ret(t, "del fd 20 (closed)", epoll_ctl(EP, EPOLL_CTL_DEL, T0, NULL));
}

/* fd 20 names two items for two files: the old one and its reuse. */
static int setup_fd_reused(void)
{
	int err = ep_at(EP) ?: efd_at(T0, 0) ?: add(EP, T0, EPOLLIN, 0x01);

	if (!err && dup2(T0, T0 + 5) != T0 + 5)
		err = -1;
	close(T0);
	return err ?: efd_at(T0, 0) ?: add(EP, T0, EPOLLIN, 0x02);
}

static void cont_fd_reused(FILE *t)
{
	trace_epoll_items(t, EP);
	signal_efd(T0 + 5);
	trace_wait(t, EP, 8);
	drain_efd(T0 + 5);
	signal_efd(T0);
	trace_wait(t, EP, 8);
	trace_ret(t, "del fd 20", epoll_ctl(EP, EPOLL_CTL_DEL, T0, NULL));
	trace_epoll_items(t, EP);
}

/* One file in the set under two fd numbers. */
static int setup_one_file_two_fds(void)
{
	int err = ep_at(EP) ?: efd_at(T0, 0);

	if (!err && dup2(T0, T0 + 1) != T0 + 1)
		err = -1;
	return err ?: add(EP, T0, EPOLLIN, 0x20) ?: add(EP, T0 + 1, EPOLLIN, 0x21);
}

static void cont_one_file_two_fds(FILE *t)
{
	signal_efd(T0);
	trace_wait(t, EP, 8);
	close(T0);
	trace_wait(t, EP, 8);
	close(T0 + 1);
	trace_wait(t, EP, 8);
}

/* ---- nesting ---- */

/* EP3 -> EP2 -> EP -> eventfd, and EP shared directly by EP3 (a diamond). */
static int setup_nested(void)
{
	return ep_at(EP) ?: ep_at(EP2) ?: ep_at(EP3) ?: efd_at(T0, 0) ?:
	       add(EP, T0, EPOLLIN, 0x1) ?: add(EP2, EP, EPOLLIN, 0x2) ?:
	       add(EP3, EP2, EPOLLIN, 0x3) ?: add(EP3, EP, EPOLLIN, 0x4);
}

static void cont_nested(FILE *t)
{
	trace_wait(t, EP3, 8);
	signal_efd(T0);
	trace_wait(t, EP3, 8);
	trace_wait(t, EP2, 8);
	trace_wait(t, EP, 8);
	trace_ret(t, "loop EP -> EP3", add(EP, EP3, EPOLLIN, 0x5));
}

/* A chain as deep as epoll allows: 5 sets, the innermost watching an eventfd. */
static int setup_max_depth(void)
{
	int err = efd_at(T0, 1);

	for (int i = 0; i < 5 && !err; i++)
		err = ep_at(EP + i) ?: add(EP + i, i ? EP + i - 1 : T0, EPOLLIN, i);
	return err;
}

static void cont_max_depth(FILE *t)
{
	for (int i = 4; i >= 0; i--)
		trace_wait(t, EP + i, 8);
	trace_ret(t, "one level more", ep_at(EP + 5) ?: add(EP + 5, EP + 4, EPOLLIN, 9));
}

static const struct trace_case trace_cases[] = {
	{ "ready_list_order_survives", setup_ready_order, cont_ready_order,
	  "wait(10, max 2) = a3:1 a1:1\n"
	  "wait(10, max 2) = a4:1 a0:1\n"
	  "wait(10, max 2) = a2:1 a3:1\n"
	  "wait(10, max 64) = a1:1 a0:1 a2:1 a3:1\n" },
	{ "level_items_rotate_like_the_original", setup_rotation, cont_rotation,
	  "wait(10, max 1) = a4:1\nwait(10, max 1) = a0:1\nwait(10, max 1) = a2:1\n"
	  "wait(10, max 1) = a3:1\nwait(10, max 1) = a1:1\nwait(10, max 1) = a4:1\n" },
	{ "edge_consumed_does_not_fire_again", setup_et_consumed, cont_et,
	  "wait(10, max 8) =\nwait(10, max 8) =\n"
	  "wait(10, max 8) = e7:1\nwait(10, max 8) =\n" },
	{ "edge_pending_fires_once", setup_et_pending, cont_et,
	  "wait(10, max 8) = e7:1\nwait(10, max 8) =\n"
	  "wait(10, max 8) = e7:1\nwait(10, max 8) =\n" },
	{ "oneshot_disarmed_stays_disarmed", setup_oneshot_disarmed, cont_oneshot,
	  "wait(10, max 8) =\nwait(10, max 8) =\nrearm = 0\n"
	  "wait(10, max 8) = 6:11\nwait(10, max 8) =\n" },
	{ "oneshot_armed_fires_once", setup_oneshot_armed, cont_oneshot,
	  "wait(10, max 8) = 5:1\nwait(10, max 8) =\nrearm = 0\n"
	  "wait(10, max 8) = 6:11\nwait(10, max 8) =\n" },
	{ "flags_data_and_busy_poll_bit_exact", setup_flags, cont_flags, NULL },
	{ "dup_epoll_is_one_object_cloexec_per_fd", setup_dup_epoll, cont_dup_epoll,
	  "kcmp(10, 11) = 0\nF_GETFD 10 = 1\nF_GETFD 11 = 0\n"
	  "wait(11, max 8) = 1d:1\ndel via dup = 0\nwait(10, max 8) =\n" },
	{ "item_fd_closed_keeps_key", setup_fd_closed, cont_fd_closed, NULL },
	{ "item_fd_reused_two_files_one_number", setup_fd_reused, cont_fd_reused, NULL },
	/* Closing one fd keeps both items: the file lives on through the other. */
	{ "one_file_under_two_fds", setup_one_file_two_fds, cont_one_file_two_fds,
	  NULL },
	{ "nested_and_diamond", setup_nested, cont_nested, NULL },
	{ "nested_to_max_depth", setup_max_depth, cont_max_depth, NULL },
};

/* ---- cases that must fail ---- */

static bool klog_mentions(const char *needle)
{
	static char buf[1 << 16];
	int n = klogctl(3 /* SYSLOG_ACTION_READ_ALL */, buf, sizeof(buf) - 1);

	if (n < 0)
		return false;
	buf[n] = 0;
	return strstr(buf, needle) != NULL;
}

/* The item's target lives only in another process: not in the table. */
static int build_target_elsewhere(void *arg)
{
	pid_t holder;

	(void)arg;
	if (ep_at(EP) || efd_at(T0, 0) || add(EP, T0, EPOLLIN, 1))
		return -1;
	holder = fork();
	if (holder == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		pause();
		_exit(0);
	}
	close(T0);
	return 0;
}

static bool target_outside_table_is_ebusy(void)
{
	bool ok = true;

	for (int subtree = 0; subtree < 2; subtree++) {
		unsigned long flags = CHECKPOINT_SKIP_UNSUPPORTED |
				      (subtree ? CHECKPOINT_SUBTREE : 0);
		pid_t pid = spawn_stopped(build_target_elsewhere, NULL);
		int image = image_create();

		ok &= expect_ret(subtree ? "checkpoint (SUBTREE)" : "checkpoint",
				 sys_checkpoint(pid, image, flags), -EBUSY);
		reap(pid);
		close(image);
	}
	ok &= expect(klog_mentions("epoll fd 10: item fd 20: target is not in the checkpointed file table"),
		     "kernel log names the epoll fd and the item's fd");
	return ktap_result(ok, "target_outside_table_is_ebusy");
}

/* max_user_watches counts against the restoring user, and a failure returns them. */
static int build_three_items(void *arg)
{
	(void)arg;
	return ep_at(EP) || efd_at(T0, 0) || efd_at(T0 + 1, 0) || efd_at(T0 + 2, 0) ||
	       add(EP, T0, EPOLLIN, 0) || add(EP, T0 + 1, EPOLLIN, 1) ||
	       add(EP, T0 + 2, EPOLLIN, 2);
}

static bool restore_with_watch_limit(void *arg)
{
	int limit_fd = *(int *)arg;
	bool ok;
	int ep;

	if (setresuid(1000, 1000, 1000))
		return expect(false, "setresuid 1000");
	ok = expect_ret("restart over max_user_watches", sys_restart(CR_IMAGE_FD, 0), -ENOSPC);
	ok &= expect(fcntl(EP, F_GETFD) < 0, "no fd installed after the failure");
	/* The failed restart gave back every watch: two still fit. */
	ep = epoll_create1(0);
	ok &= expect_ret("first add within the limit of 2",
			 sysret(add(ep, eventfd(0, 0), EPOLLIN, 0)), 0);
	ok &= expect_ret("second add: the failed restart gave its watches back",
			 sysret(add(ep, eventfd(0, 0), EPOLLIN, 0)), 0);
	(void)limit_fd;
	return ok;
}

static bool max_user_watches_enforced(void)
{
	const char *knob = "/proc/sys/fs/epoll/max_user_watches";
	char saved[32] = "";
	int image = checkpoint_child(build_three_items, NULL, CHECKPOINT_SKIP_UNSUPPORTED);
	FILE *f = fopen(knob, "r");
	bool ok;

	if (f) {
		fgets(saved, sizeof(saved), f);
		fclose(f);
	}
	f = fopen(knob, "w");
	if (image < 0 || !f)
		return ktap_result(false, "max_user_watches_enforced");
	fputs("2\n", f);
	fclose(f);
	ok = run_restorer(image, restore_with_watch_limit, &image);
	f = fopen(knob, "w");
	if (f) {
		fputs(saved, f);
		fclose(f);
	}
	close(image);
	return ktap_result(ok, "max_user_watches_enforced");
}

/* EPOLLWAKEUP needs CAP_BLOCK_SUSPEND at restart, as at epoll_ctl. */
static int build_wakeup(void *arg)
{
	(void)arg;
	return ep_at(EP) || efd_at(T0, 0) || add(EP, T0, EPOLLIN | EPOLLWAKEUP, 7);
}

static bool restore_unprivileged_wakeup(void *arg)
{
	struct epoll_event ev;
	char path[64], line[256];
	bool seen = false, ok;
	FILE *f;

	(void)arg;
	if (setresuid(1000, 1000, 1000))
		return expect(false, "setresuid 1000");
	ok = expect_success("unprivileged restart", sys_restart(CR_IMAGE_FD, 0));
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", EP);
	f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "tfd:", 4))
			seen = strstr(line, "events:       19 ") != NULL;
	if (f)
		fclose(f);
	(void)ev;
	return ok && expect(seen, "EPOLLWAKEUP dropped (events 0x19 = IN|ERR|HUP), line: %s", line);
}

static bool wakeup_needs_cap_block_suspend(void)
{
	int image = checkpoint_child(build_wakeup, NULL, CHECKPOINT_SKIP_UNSUPPORTED);
	bool ok = image >= 0 && run_restorer(image, restore_unprivileged_wakeup, NULL);

	if (image >= 0)
		close(image);
	return ktap_result(ok, "wakeup_needs_cap_block_suspend");
}

/* A crafted image whose sets contain each other must fail cleanly. */
static int build_two_sets(void *arg)
{
	(void)arg;
	return ep_at(EP) || ep_at(EP2) || efd_at(T0, 0) ||
	       add(EP, T0, EPOLLIN, 1) || add(EP2, EP, EPOLLIN, 2);
}

static bool loop_image_fails(void *arg)
{
	struct fd_table before;
	bool ok = fd_table_read(&before);

	(void)arg;
	ok &= expect_ret("restart of a looped image", sys_restart(CR_IMAGE_FD, 0), -ELOOP);
	return ok && fd_table_unchanged(&before, "after the failed restart");
}

/*
 * Objects: EP (1), EP2 (2), eventfd (3).  EP's item targets objref 3;
 * point it at EP2 instead: EP -> EP2 -> EP.
 */
static bool crafted_loop_is_eloop(void)
{
	int image = checkpoint_child(build_two_sets, NULL, CHECKPOINT_SKIP_UNSUPPORTED);
	unsigned char *buf = NULL;
	ssize_t len = image >= 0 ? image_load(image, &buf) : -1;
	size_t off = 0;
	bool patched = false, ok = false;

	while (len > 0 && off + sizeof(struct ckpt_hdr) <= (size_t)len) {
		struct ckpt_hdr *h = (void *)(buf + off);

		if (h->type == CKPT_REC_EPOLL_ITEMS) {
			struct ckpt_rec_epoll_items *r = (void *)h;
			struct ckpt_epoll_item *it = (void *)(r + 1);

			if (r->epoll_objref == 1 && it->target_objref == 3) {
				it->target_objref = 2;
				patched = true;
			}
		}
		if (h->type == CKPT_REC_TRAILER) {
			struct ckpt_rec_trailer *tr = (void *)h;

			tr->checksum = crc32_zlib(buf, off);
		}
		off += h->len ? h->len : len;
	}
	if (patched && image_fill(image, buf, len))
		ok = run_restorer(image, loop_image_fails, NULL);
	else
		expect(false, "found EP's item to redirect (image of %zd bytes)", len);
	free(buf);
	if (image >= 0)
		close(image);
	return ktap_result(ok, "crafted_loop_is_eloop");
}

/* ---- a large set ---- */

enum { LARGE_FDS = 25000, LARGE_SETS = 4 };

static int setup_large(void)
{
	int base = 1000;

	if (efd_at(base, 0))
		return -1;
	for (int i = 1; i < LARGE_FDS; i++)
		if (dup2(base, base + i) != base + i)
			return -1;
	for (int s = 0; s < LARGE_SETS; s++) {
		if (ep_at(EP + s))
			return -1;
		for (int i = 0; i < LARGE_FDS; i++)
			if (add(EP + s, base + i, (s & 1) ? EPOLLIN : EPOLLIN | EPOLLET,
				(uint64_t)s << 32 | i))
				return -1;
	}
	signal_efd(base);
	return 0;
}

static void cont_large(FILE *t)
{
	for (int s = 0; s < LARGE_SETS; s++)
		trace_epoll_items(t, EP + s);
	trace_wait(t, EP, 3);
	trace_wait(t, EP + 1, 3);
}

static const struct trace_case large_case = {
	"large_100k_items_over_4_sets", setup_large, cont_large, NULL,
};

int main(void)
{
	size_t ntrace = sizeof(trace_cases) / sizeof(trace_cases[0]);
	bool ok = true;

	/* Inherited by every original and restorer: the large case needs it. */
	struct rlimit rl = { LARGE_FDS + 2000, LARGE_FDS + 2000 };

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (setrlimit(RLIMIT_NOFILE, &rl))
		perror("setrlimit");
	signal(SIGPIPE, SIG_IGN);
	ktap_plan(ntrace + 5);
	for (size_t i = 0; i < ntrace; i++)
		ok &= trace_run(&trace_cases[i]);
	ok &= target_outside_table_is_ebusy();
	ok &= max_user_watches_enforced();
	ok &= wakeup_needs_cap_block_suspend();
	ok &= crafted_loop_is_eloop();
	ok &= trace_run(&large_case);
	return ok ? 0 : 1;
}
