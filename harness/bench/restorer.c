// SPDX-License-Identifier: GPL-2.0
/*
 * restorer: restart() into fresh processes.
 *
 * The benchmark process holds every target fd of a size, so its children
 * start with a fd table already sized for them.  The restarts are done by
 * children of a helper forked while the benchmark process had only fds
 * 0-2: they start with a small table, as a new process does, and restart()
 * grows it.  The helper reaps each child before reporting, so its exit
 * (tearing down what it restored) never overlaps the next measurement.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"
#include "cr-util.h"

struct restorer_req {
	char path[128];
	int hold;
};

/* v[1] of the helper's own report, after its child has exited. */
#define RESTORER_ACK 0x61636bu

static bool xwrite(int fd, const void *buf, size_t len)
{
	return write(fd, buf, len) == (ssize_t)len;
}

static void restart_child(const struct restorer_req *q, int req, int res,
			  int high)
{
	struct bench_result out = { .v[0] = (uint64_t)getpid() };
	uint64_t t0;
	long ret;
	int img;

	close(req);
	if (q->hold) {
		/* The table restart() would grow is not its transient memory. */
		if (dup2(0, high - 1) == high - 1)
			close(high - 1);
		mem_set_worker(getpid());
	}
	img = bench_fd_above(open(q->path, O_RDONLY | O_CLOEXEC), high);
	if (img < 0) {
		out.err = -errno;
	} else {
		if (q->hold)
			mem_window(true);
		t0 = bench_now_ns();
		ret = sys_restart(img, 0);
		out.ns = bench_now_ns() - t0;
		if (q->hold)
			mem_window(false);
		out.err = ret < 0 ? (int)ret : 0;
	}
	if (!xwrite(res, &out, sizeof(out)))
		_exit(1);
	while (q->hold)
		pause();
	_exit(0);
}

static void helper(int req, int res, int high)
{
	struct restorer_req q;

	while (read_full(req, &q, sizeof(q))) {
		struct bench_result ack = { .v[1] = RESTORER_ACK };
		pid_t pid = fork();

		if (pid == 0)
			restart_child(&q, req, res, high);
		if (pid < 0)
			ack.err = -errno;
		while (pid > 0 && waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
		ack.v[0] = (uint64_t)pid;
		if (!xwrite(res, &ack, sizeof(ack)))
			break;
	}
	_exit(0);
}

int restorer_start(struct bench_restorer *r, int high)
{
	int req[2], res[2];

	if (pipe2(req, O_CLOEXEC) < 0)
		return -errno;
	if (pipe2(res, O_CLOEXEC) < 0) {
		close(req[0]);
		close(req[1]);
		return -errno;
	}
	for (int i = 0; i < 2; i++) {
		req[i] = bench_fd_above(req[i], high);
		res[i] = bench_fd_above(res[i], high);
	}
	if (req[0] < 0 || req[1] < 0 || res[0] < 0 || res[1] < 0)
		return -EMFILE;
	fflush(NULL);
	r->pid = fork();
	if (r->pid < 0)
		return -errno;
	if (r->pid == 0) {
		close(req[1]);
		close(res[0]);
		helper(req[0], res[1], high);
	}
	close(req[0]);
	close(res[1]);
	r->req = req[1];
	r->res = res[0];
	return 0;
}

struct bench_result restorer_run(struct bench_restorer *r, const char *path,
				 void (*feed)(void *arg),
				 void (*held)(void *arg), void *arg)
{
	struct restorer_req q = { .hold = held != NULL };
	struct bench_result out, ack;

	if (strlen(path) >= sizeof(q.path))
		return (struct bench_result){ .err = -ENAMETOOLONG };
	strcpy(q.path, path);
	if (!xwrite(r->req, &q, sizeof(q)))
		return (struct bench_result){ .err = -ECHILD };
	if (feed)
		feed(arg);
	if (!read_full(r->res, &out, sizeof(out)))
		return (struct bench_result){ .err = -ECHILD };
	if (out.v[1] == RESTORER_ACK)	/* the child died before reporting */
		return (struct bench_result){ .err = -ECHILD };
	if (held) {
		held(arg);
		kill((pid_t)out.v[0], SIGKILL);
	}
	if (!read_full(r->res, &ack, sizeof(ack)) || ack.v[1] != RESTORER_ACK)
		return (struct bench_result){ .err = -ECHILD };
	return out;
}

void restorer_stop(struct bench_restorer *r)
{
	close(r->req);
	close(r->res);
	while (waitpid(r->pid, NULL, 0) < 0 && errno == EINTR)
		;
}
