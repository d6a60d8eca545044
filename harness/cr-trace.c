// SPDX-License-Identifier: GPL-2.0
/*
 * cr-trace: runs a case's continuation in the original and in a restored
 * copy and compares what each observed.  See cr-trace.h.
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
#include <sys/wait.h>
#include <unistd.h>

#include "cr-trace.h"
#include "cr-util.h"

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
		ktap_diag("%s exited before stopping (wait status %#x)", who, st);
		return false;
	}
	return true;
}

static bool finish(pid_t pid, const char *who)
{
	int st;

	kill(pid, SIGCONT);
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st)) {
		ktap_diag("%s continuation failed (wait status %#x)", who, st);
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
		if (*la == '\n') {
			line++;
		}
		la++;
		lb++;
	}
	while (la > a && la[-1] != '\n')
		la--, lb--;
	ktap_diag("%s differ at line %d:", what, line);
	ktap_diag("  < %.*s", (int)strcspn(la, "\n"), la);
	ktap_diag("  > %.*s", (int)strcspn(lb, "\n"), lb);
	return false;
}

bool trace_run(const struct trace_case *tc)
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
	return ktap_result(ok, tc->name);
}

void trace_wait(FILE *t, int epfd, int maxevents)
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

void trace_ret(FILE *t, const char *what, long ret)
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

void trace_epoll_items(FILE *t, int epfd)
{
	char path[64], line[256];
	char **lines = NULL;
	size_t n = 0, cap = 0;
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
			cap = cap ? cap * 2 : 64;
			lines = realloc(lines, cap * sizeof(*lines));
		}
		lines[n++] = strdup(line);
	}
	fclose(f);
	qsort(lines, n, sizeof(*lines), cmp_lines);
	fprintf(t, "epoll %d: %zu items\n", epfd, n);
	for (size_t i = 0; i < n; i++) {
		fprintf(t, "  %s\n", lines[i]);
		free(lines[i]);
	}
	free(lines);
}
