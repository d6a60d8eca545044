// SPDX-License-Identifier: GPL-2.0
/*
 * out: the clock, the output lines and the forked children of the
 * benchmark.  See bench.h.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "cr-util.h"

uint64_t bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void bench_emit(const char *kind, const char *fmt, ...)
{
	va_list ap;

	printf("BENCH {\"kind\": \"%s\", ", kind);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("}\n");
	fflush(stdout);
}

void bench_err(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("bench: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void bench_note(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("[bench] ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int bench_fd_above(int fd, int min)
{
	int moved;

	if (fd < 0)
		return -1;
	if (fd >= min)
		return fd;
	moved = fcntl(fd, F_DUPFD_CLOEXEC, min);
	close(fd);
	return moved;
}

struct bench_result bench_in_child(bench_child_fn fn, void *arg,
				   int result_fd, void (*held)(void *arg))
{
	struct bench_result res = { .err = -ECHILD };
	int p[2], status;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0) {
		res.err = -errno;
		return res;
	}
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		res.err = -errno;
		close(p[0]);
		close(p[1]);
		return res;
	}
	if (pid == 0) {
		int w = p[1];

		close(p[0]);
		if (result_fd >= 0 && w != result_fd) {
			if (dup2(w, result_fd) < 0)
				_exit(1);
			close(w);
			w = result_fd;
		}
		res = (struct bench_result){ 0 };
		fn(arg, &res);
		if (write(w, &res, sizeof(res)) != (ssize_t)sizeof(res))
			_exit(1);
		while (held)
			pause();
		_exit(0);
	}
	close(p[1]);
	if (!read_full(p[0], &res, sizeof(res)))
		res = (struct bench_result){ .err = -ECHILD };
	else if (held)
		held(arg);
	close(p[0]);
	kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return res;
}
