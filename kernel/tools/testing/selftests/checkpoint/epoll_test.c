// SPDX-License-Identifier: GPL-2.0
/*
 * epoll checkpoint/restart through real syscalls.
 *
 * Most tests are trace tests (FIXTURE(trace), one variant a case): the
 * original and its restored copy run the same continuation and must
 * observe the same events, data, order, edge-triggered and one-shot state
 * and errors; where a variant gives an expected trace, that is what both
 * must observe.  The restored copy is checkpointed again before it goes
 * on, and that image must equal the original's byte for byte: the restore
 * is exact as far as an image can tell.  The other tests check what must
 * fail, and how.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
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

#include "../kselftest_harness.h"
#include "cr_util.h"

/*
 * A trace case: setup() builds the state in a child, which stops and is
 * checkpointed; cont() is the continuation both copies run, writing what
 * they observe to a trace.
 */
struct trace_case {
	const char *name;
	int (*setup)(void);		/* 0 on success */
	void (*cont)(FILE *trace);	/* the continuation */
	const char *expect;		/* expected trace, or NULL */
};

#define TRACE_MAX (16 << 20)
#define RESTORE_FD 900

static void close_above_stdio(int keep)
{
	for (int fd = 3; fd < 1024; fd++)
		if (fd != keep)
			close(fd);
}

static void run_continuation(const struct trace_case *tc, const char *path)
{
	FILE *t = fopen(path, "w");

	if (!t)
		_exit(3);
	tc->cont(t);
	fclose(t);
	_exit(0);
}

static pid_t start_original(const struct trace_case *tc, const char *path)
{
	pid_t pid = fork();

	if (pid == 0) {
		close_above_stdio(-1);
		if (tc->setup())
			_exit(2);
		raise(SIGSTOP);
		run_continuation(tc, path);
	}
	return pid;
}

static pid_t start_restored(const struct trace_case *tc, int image,
			    const char *path)
{
	pid_t pid = fork();

	if (pid == 0) {
		if (dup2(image, RESTORE_FD) < 0)
			_exit(4);
		close_above_stdio(RESTORE_FD);
		lseek(RESTORE_FD, 0, SEEK_SET);
		if (sys_restart(RESTORE_FD, 0) < 0)
			_exit(5);
		close(RESTORE_FD);
		raise(SIGSTOP);
		run_continuation(tc, path);
	}
	return pid;
}

/* Waits until pid stops; false (and reaped) if it exited instead. */
static bool wait_stopped(pid_t pid, const char *who)
{
	int st;

	if (waitpid(pid, &st, WUNTRACED) != pid || !WIFSTOPPED(st)) {
		cr_diag("%s exited before stopping (wait status %#x)", who, st);
		return false;
	}
	return true;
}

static bool finish(pid_t pid, const char *who)
{
	int st;

	kill(pid, SIGCONT);
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st)) {
		cr_diag("%s continuation failed (wait status %#x)", who, st);
		return false;
	}
	return true;
}

static char *slurp(const char *path)
{
	char *buf = calloc(1, TRACE_MAX + 1);
	FILE *f = fopen(path, "r");

	if (f && buf)
		fread(buf, 1, TRACE_MAX, f);
	if (f)
		fclose(f);
	return buf;
}

/* Prints the first line where a and b differ. */
static bool same_trace(const char *a, const char *b, const char *what)
{
	int line = 1;
	const char *la = a, *lb = b;

	if (!strcmp(a, b))
		return true;
	while (*la && *lb && *la == *lb) {
		if (*la == '\n')
			line++;
		la++;
		lb++;
	}
	while (la > a && la[-1] != '\n')
		la--, lb--;
	cr_diag("%s differ at line %d:", what, line);
	cr_diag("  < %.*s", (int)strcspn(la, "\n"), la);
	cr_diag("  > %.*s", (int)strcspn(lb, "\n"), lb);
	return false;
}

static bool trace_run(const struct trace_case *tc)
{
	const unsigned long flags = CHECKPOINT_SKIP_UNSUPPORTED;
	char path_a[64], path_b[64];
	int image = image_create(), image2 = image_create();
	bool ok = false;
	pid_t a, b;
	long ret;
	char *ta = NULL, *tb = NULL;

	snprintf(path_a, sizeof(path_a), "/dev/shm/trace.%d.A", getpid());
	snprintf(path_b, sizeof(path_b), "/dev/shm/trace.%d.B", getpid());
	if (image < 0 || image2 < 0)
		goto out;

	a = start_original(tc, path_a);
	if (a < 0 || !wait_stopped(a, "original"))
		goto out;
	ret = sys_checkpoint(a, image, flags);
	if (!expect_success("checkpoint of the original", ret)) {
		reap(a);
		goto out;
	}
	if (!finish(a, "original"))
		goto out;

	b = start_restored(tc, image, path_b);
	if (b < 0 || !wait_stopped(b, "restored copy (restart failed?)"))
		goto out;
	ret = sys_checkpoint(b, image2, flags);
	if (!expect_success("checkpoint of the restored copy", ret) ||
	    !images_equal(image, image2, "image of original vs of restored copy")) {
		reap(b);
		goto out;
	}
	if (!finish(b, "restored copy"))
		goto out;

	ta = slurp(path_a);
	tb = slurp(path_b);
	ok = ta && tb && same_trace(ta, tb, "traces of original (<) and restored copy (>)");
	if (ok && tc->expect)
		ok = same_trace(tc->expect, ta, "expected (<) and observed (>) traces");
out:
	free(ta);
	free(tb);
	unlink(path_a);
	unlink(path_b);
	if (image >= 0)
		close(image);
	if (image2 >= 0)
		close(image2);
	return ok;
}

static void trace_wait(FILE *t, int epfd, int maxevents)
{
	struct epoll_event ev[64];
	int n = epoll_wait(epfd, ev, maxevents, 0);

	fprintf(t, "wait(%d, max %d) =", epfd, maxevents);
	if (n < 0)
		fprintf(t, " -%s", strerrorname_np(errno));
	for (int i = 0; i < n; i++)
		fprintf(t, " %llx:%x", (unsigned long long)ev[i].data.u64,
			ev[i].events);
	fprintf(t, "\n");
}

static void trace_ret(FILE *t, const char *what, long ret)
{
	if (ret < 0)
		fprintf(t, "%s = -%s\n", what, strerrorname_np(errno));
	else
		fprintf(t, "%s = %ld\n", what, ret);
}

static int cmp_lines(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void trace_epoll_items(FILE *t, int epfd)
{
	char path[64], line[256];
	char **lines = NULL;
	size_t n = 0, cap = 0;
	bool oom = false;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", epfd);
	f = fopen(path, "r");
	if (!f) {
		fprintf(t, "fdinfo %d: missing\n", epfd);
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "tfd:", 4))
			continue;
		/* "pos:" / "ino:" of targets differ between processes; keep key fields. */
		line[strcspn(line, "\n")] = 0;
		if (strstr(line, " pos:"))
			*strstr(line, " pos:") = 0;
		if (n == cap) {
			size_t want = cap ? cap * 2 : 64;
			char **more = realloc(lines, want * sizeof(*lines));

			if (!more) {
				oom = true;
				break;
			}
			lines = more;
			cap = want;
		}
		lines[n] = strdup(line);
		if (!lines[n]) {
			oom = true;
			break;
		}
		n++;
	}
	fclose(f);
	if (oom) {
		/* A trace with items missing could match another: fail the copy. */
		cr_diag("epoll %d: out of memory after %zu items", epfd, n);
		_exit(6);
	}
	qsort(lines, n, sizeof(*lines), cmp_lines);
	fprintf(t, "epoll %d: %zu items\n", epfd, n);
	for (size_t i = 0; i < n; i++) {
		fprintf(t, "  %s\n", lines[i]);
		free(lines[i]);
	}
	free(lines);
}

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

/* ---- trace tests ---- */

FIXTURE(trace) {};
FIXTURE_VARIANT(trace) {
	struct trace_case tc;
};

FIXTURE_SETUP(trace)
{
	CR_SETUP();
	signal(SIGPIPE, SIG_IGN);
}

FIXTURE_TEARDOWN(trace) {}

FIXTURE_VARIANT_ADD(trace, ready_list_order_survives) {
	.tc = { "ready_list_order_survives", setup_ready_order, cont_ready_order,
		  "wait(10, max 2) = a3:1 a1:1\n"
		  "wait(10, max 2) = a4:1 a0:1\n"
		  "wait(10, max 2) = a2:1 a3:1\n"
		  "wait(10, max 64) = a1:1 a0:1 a2:1 a3:1\n" },
};

FIXTURE_VARIANT_ADD(trace, level_items_rotate_like_the_original) {
	.tc = { "level_items_rotate_like_the_original", setup_rotation, cont_rotation,
		  "wait(10, max 1) = a4:1\nwait(10, max 1) = a0:1\nwait(10, max 1) = a2:1\n"
		  "wait(10, max 1) = a3:1\nwait(10, max 1) = a1:1\nwait(10, max 1) = a4:1\n" },
};

FIXTURE_VARIANT_ADD(trace, edge_consumed_does_not_fire_again) {
	.tc = { "edge_consumed_does_not_fire_again", setup_et_consumed, cont_et,
		  "wait(10, max 8) =\nwait(10, max 8) =\n"
		  "wait(10, max 8) = e7:1\nwait(10, max 8) =\n" },
};

FIXTURE_VARIANT_ADD(trace, edge_pending_fires_once) {
	.tc = { "edge_pending_fires_once", setup_et_pending, cont_et,
		  "wait(10, max 8) = e7:1\nwait(10, max 8) =\n"
		  "wait(10, max 8) = e7:1\nwait(10, max 8) =\n" },
};

FIXTURE_VARIANT_ADD(trace, oneshot_disarmed_stays_disarmed) {
	.tc = { "oneshot_disarmed_stays_disarmed", setup_oneshot_disarmed, cont_oneshot,
		  "wait(10, max 8) =\nwait(10, max 8) =\nrearm = 0\n"
		  "wait(10, max 8) = 6:11\nwait(10, max 8) =\n" },
};

FIXTURE_VARIANT_ADD(trace, oneshot_armed_fires_once) {
	.tc = { "oneshot_armed_fires_once", setup_oneshot_armed, cont_oneshot,
		  "wait(10, max 8) = 5:1\nwait(10, max 8) =\nrearm = 0\n"
		  "wait(10, max 8) = 6:11\nwait(10, max 8) =\n" },
};

FIXTURE_VARIANT_ADD(trace, flags_data_and_busy_poll_bit_exact) {
	.tc = { "flags_data_and_busy_poll_bit_exact", setup_flags, cont_flags, NULL },
};

FIXTURE_VARIANT_ADD(trace, dup_epoll_is_one_object_cloexec_per_fd) {
	.tc = { "dup_epoll_is_one_object_cloexec_per_fd", setup_dup_epoll, cont_dup_epoll,
		  "kcmp(10, 11) = 0\nF_GETFD 10 = 1\nF_GETFD 11 = 0\n"
		  "wait(11, max 8) = 1d:1\ndel via dup = 0\nwait(10, max 8) =\n" },
};

FIXTURE_VARIANT_ADD(trace, item_fd_closed_keeps_key) {
	.tc = { "item_fd_closed_keeps_key", setup_fd_closed, cont_fd_closed, NULL },
};

FIXTURE_VARIANT_ADD(trace, item_fd_reused_two_files_one_number) {
	.tc = { "item_fd_reused_two_files_one_number", setup_fd_reused, cont_fd_reused, NULL },
};

/* Closing one fd keeps both items: the file lives on through the other. */
FIXTURE_VARIANT_ADD(trace, one_file_under_two_fds) {
	.tc = { "one_file_under_two_fds", setup_one_file_two_fds, cont_one_file_two_fds,
		  NULL },
};

FIXTURE_VARIANT_ADD(trace, nested_and_diamond) {
	.tc = { "nested_and_diamond", setup_nested, cont_nested, NULL },
};

FIXTURE_VARIANT_ADD(trace, nested_to_max_depth) {
	.tc = { "nested_to_max_depth", setup_max_depth, cont_max_depth, NULL },
};

TEST_F(trace, restored_copy_observes_the_same)
{
	ASSERT_TRUE(trace_run(&variant->tc)) {
		TH_LOG("trace case %s", variant->tc.name);
	}
}

/* ---- what must fail ---- */

FIXTURE(ep) {};
FIXTURE_SETUP(ep)
{
	CR_SETUP();
	signal(SIGPIPE, SIG_IGN);
}

FIXTURE_TEARDOWN(ep) {}

/* The kernel log; -errno if it cannot be read. */
static int klog_read(char *buf, int len)
{
	int n = klogctl(3 /* SYSLOG_ACTION_READ_ALL */, buf, len - 1);

	if (n < 0)
		return -errno;
	buf[n] = 0;
	return n;
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

TEST_F(ep, target_outside_table_is_ebusy)
{
	static const char want[] =
		"epoll fd 10: item fd 20: target is not in the checkpointed file table";
	static char klog[1 << 16];
	int n;

	for (int subtree = 0; subtree < 2; subtree++) {
		unsigned long flags = CHECKPOINT_SKIP_UNSUPPORTED |
				      (subtree ? CHECKPOINT_SUBTREE : 0);
		pid_t pid = spawn_stopped(build_target_elsewhere, NULL);
		int image = image_create();

		ASSERT_GT(pid, 0);
		ASSERT_GE(image, 0);
		EXPECT_EQ(-EBUSY, sys_checkpoint(pid, image, flags)) {
			TH_LOG("checkpoint%s", subtree ? " (SUBTREE)" : "");
		}
		reap(pid);
		close(image);
	}
	n = klog_read(klog, sizeof(klog));
	if (n == -EPERM)
		SKIP(return,
		     "cannot read the kernel log (dmesg_restrict, no CAP_SYSLOG) to check its message");
	ASSERT_GE(n, 0);
	EXPECT_NE(NULL, strstr(klog, want)) {
		TH_LOG("kernel log names the epoll fd and the item's fd");
	}
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
	bool ok;
	int ep;

	(void)arg;
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
	return ok;
}

#define MAX_USER_WATCHES "/proc/sys/fs/epoll/max_user_watches"

/* Sets the knob; false with a diagnostic. */
static bool set_max_user_watches(const char *value)
{
	FILE *f = fopen(MAX_USER_WATCHES, "w");
	bool ok = f && fputs(value, f) >= 0;

	if (f)
		ok &= fclose(f) == 0;
	return expect(ok, "writing '%s' to %s: %s", value, MAX_USER_WATCHES,
		      strerror(errno));
}

/* Reads the knob into @buf; false with a diagnostic. */
static bool get_max_user_watches(char *buf, int size)
{
	FILE *f = fopen(MAX_USER_WATCHES, "r");
	bool ok = f && fgets(buf, size, f);

	if (f)
		fclose(f);
	return expect(ok, "reading %s: %s", MAX_USER_WATCHES, strerror(errno));
}

/* The knob's value is put back whatever the test did. */
FIXTURE(watches) {
	char saved[32];
	int image;
};

FIXTURE_SETUP(watches)
{
	self->image = -1;
	CR_SETUP();
	if (geteuid() != 0)
		SKIP(return, "needs root: sets %s and restores as uid 1000", MAX_USER_WATCHES);
	ASSERT_TRUE(get_max_user_watches(self->saved, sizeof(self->saved)));
}

FIXTURE_TEARDOWN(watches)
{
	if (self->saved[0])
		set_max_user_watches(self->saved);
	if (self->image >= 0)
		close(self->image);
}

TEST_F(watches, max_user_watches_enforced)
{
	self->image = checkpoint_child(build_three_items, NULL, CHECKPOINT_SKIP_UNSUPPORTED);
	ASSERT_GE(self->image, 0);
	ASSERT_TRUE(set_max_user_watches("2\n"));
	EXPECT_TRUE(run_restorer(self->image, restore_with_watch_limit, NULL));
}

/* EPOLLWAKEUP needs CAP_BLOCK_SUSPEND at restart, as at epoll_ctl. */
static int build_wakeup(void *arg)
{
	(void)arg;
	return ep_at(EP) || efd_at(T0, 0) || add(EP, T0, EPOLLIN | EPOLLWAKEUP, 7);
}

static bool restore_unprivileged_wakeup(void *arg)
{
	char path[64], line[256] = "";
	bool seen = false, ok;
	FILE *f;

	(void)arg;
	/* Not root: already without CAP_BLOCK_SUSPEND. */
	if (geteuid() == 0 && setresuid(1000, 1000, 1000))
		return expect(false, "setresuid 1000");
	ok = expect_success("unprivileged restart", sys_restart(CR_IMAGE_FD, 0));
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", EP);
	f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "tfd:", 4))
			seen = strstr(line, "events:       19 ");
	if (f)
		fclose(f);
	return ok && expect(seen, "EPOLLWAKEUP dropped (events 0x19 = IN|ERR|HUP), line: %s", line);
}

TEST_F(ep, wakeup_needs_cap_block_suspend)
{
	int image = checkpoint_child(build_wakeup, NULL, CHECKPOINT_SKIP_UNSUPPORTED);

	ASSERT_GE(image, 0);
	EXPECT_TRUE(run_restorer(image, restore_unprivileged_wakeup, NULL));
	close(image);
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
 * point it at EP2 instead: EP -> EP2 -> EP, and fix the trailer's
 * checksum so that only the loop is wrong.
 */
TEST_F(ep, crafted_loop_is_eloop)
{
	int image = checkpoint_child(build_two_sets, NULL, CHECKPOINT_SKIP_UNSUPPORTED);
	unsigned char *buf = NULL;
	bool patched = false;
	size_t off = 0;
	ssize_t len;

	ASSERT_GE(image, 0);
	len = image_load(image, &buf);
	ASSERT_GT(len, 0);
	while (off + sizeof(struct ckpt_hdr) <= (size_t)len) {
		struct ckpt_hdr *h = (void *)(buf + off);

		if (h->type == CKPT_REC_EPOLL_ITEMS &&
		    h->len >= sizeof(struct ckpt_rec_epoll_items) +
			      sizeof(struct ckpt_epoll_item)) {
			struct ckpt_rec_epoll_items *r = (void *)h;
			struct ckpt_epoll_item *it = (void *)(r + 1);

			if (r->epoll_objref == 1 && it->target_objref == 3) {
				it->target_objref = 2;
				patched = true;
			}
		}
		if (h->type == CKPT_REC_TRAILER && h->len == sizeof(struct ckpt_rec_trailer)) {
			struct ckpt_rec_trailer *tr = (void *)h;

			tr->checksum = crc32_zlib(buf, off);
		}
		off += h->len ? h->len : (size_t)len;
	}
	EXPECT_TRUE(patched) {
		TH_LOG("found EP's item to redirect (image of %zd bytes)", len);
	}
	if (patched) {
		ASSERT_TRUE(image_fill(image, buf, (size_t)len));
		EXPECT_TRUE(run_restorer(image, loop_image_fails, NULL));
	}
	free(buf);
	close(image);
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

/*
 * 100,000 items over 4 sets, through the same trace comparison.  The
 * original and its restored copy hold them at once, which the default
 * max_user_watches (4% of memory) does not allow in a small machine:
 * as root the fixture raises it for the test and puts it back.
 */
#define LARGE_WATCHES (4 * LARGE_FDS * LARGE_SETS)

FIXTURE(large) {
	char saved[32];
};

FIXTURE_SETUP(large)
{
	/* Inherited by the original and the restorer. */
	struct rlimit rl = { LARGE_FDS + 2000, LARGE_FDS + 2000 };
	char value[32];

	CR_SETUP();
	signal(SIGPIPE, SIG_IGN);
	if (setrlimit(RLIMIT_NOFILE, &rl))
		SKIP(return, "setrlimit(RLIMIT_NOFILE, %d): %s", LARGE_FDS + 2000,
		     strerror(errno));
	if (geteuid() != 0)
		return;
	ASSERT_TRUE(get_max_user_watches(self->saved, sizeof(self->saved)));
	if (strtol(self->saved, NULL, 10) >= LARGE_WATCHES) {
		self->saved[0] = '\0';
		return;
	}
	snprintf(value, sizeof(value), "%d\n", LARGE_WATCHES);
	ASSERT_TRUE(set_max_user_watches(value));
}

FIXTURE_TEARDOWN(large)
{
	if (self->saved[0])
		set_max_user_watches(self->saved);
}

TEST_F_TIMEOUT(large, items_100k_over_4_sets, 600)
{
	ASSERT_TRUE(trace_run(&large_case));
}

TEST_HARNESS_MAIN
