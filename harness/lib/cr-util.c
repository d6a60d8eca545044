// SPDX-License-Identifier: GPL-2.0
/*
 * cr-util: helpers shared by the checkpoint/restart test programs.
 * See cr-util.h.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/kcmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cr-util.h"

/* The only mutable global: the number of the last KTAP result printed. */
static int ktap_last;

long sysret(long r)
{
	return r < 0 ? -errno : r;
}

long sys_checkpoint(pid_t pid, int fd, unsigned long flags)
{
	return sysret(syscall(__NR_checkpoint, pid, fd, flags));
}

long sys_restart(int fd, unsigned long flags)
{
	return sysret(syscall(__NR_restart, fd, flags));
}

long sys_kcmp_file(int fd1, int fd2)
{
	pid_t me = getpid();

	return sysret(syscall(SYS_kcmp, me, me, KCMP_FILE, fd1, fd2));
}

const char *ret_str(long ret, char *buf, size_t len)
{
	const char *name = NULL;

	if (ret < 0 && ret >= -4095)
		name = strerrorname_np((int)-ret);
	if (name)
		snprintf(buf, len, "-%s", name);
	else
		snprintf(buf, len, "%ld", ret);
	return buf;
}

/* KTAP */

void ktap_plan(int ncases)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("KTAP version 1\n1..%d\n", ncases);
	fflush(stdout);
}

static void vdiag(const char *fmt, va_list ap)
{
	fputs("# ", stdout);
	vprintf(fmt, ap);
	fputc('\n', stdout);
	fflush(stdout);
}

void ktap_diag(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vdiag(fmt, ap);
	va_end(ap);
}

bool ktap_result(bool ok, const char *name)
{
	printf("%sok %d %s\n", ok ? "" : "not ", ++ktap_last, name);
	fflush(stdout);
	return ok;
}

bool ktap_resultf(bool ok, const char *name, const char *fmt, ...)
{
	va_list ap;

	if (!ok) {
		va_start(ap, fmt);
		vdiag(fmt, ap);
		va_end(ap);
	}
	return ktap_result(ok, name);
}

bool expect(bool cond, const char *fmt, ...)
{
	va_list ap;

	if (!cond) {
		va_start(ap, fmt);
		vdiag(fmt, ap);
		va_end(ap);
	}
	return cond;
}

bool expect_ret(const char *what, long got, long want)
{
	char g[32], w[32];

	return expect(got == want, "%s: expected %s, got %s", what,
		      ret_str(want, w, sizeof(w)), ret_str(got, g, sizeof(g)));
}

bool expect_success(const char *what, long got)
{
	char g[32];

	return expect(got >= 0, "%s: expected success, got %s", what,
		      ret_str(got, g, sizeof(g)));
}

/* Processes */

static void describe_status(const char *who, int status)
{
	if (WIFEXITED(status))
		ktap_diag("%s exited with status %d", who, WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		ktap_diag("%s was killed by signal %d (%s)", who,
			  WTERMSIG(status), strsignal(WTERMSIG(status)));
	else
		ktap_diag("%s: unexpected wait status 0x%x", who, status);
}

pid_t spawn_stopped(cr_build_fn fn, void *arg)
{
	int status, rc;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		ktap_diag("fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		close_range(3, ~0U, 0);
		rc = fn(arg);
		if (rc)
			_exit(rc);
		raise(SIGSTOP);
		for (;;)
			pause();
	}
	if (waitpid(pid, &status, WUNTRACED) != pid) {
		ktap_diag("waitpid %d: %s", (int)pid, strerror(errno));
		reap(pid);
		return -1;
	}
	if (WIFSTOPPED(status))
		return pid;
	describe_status("state builder (expected it to stop itself)", status);
	return -1;
}

void reap(pid_t pid)
{
	kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}

bool run_child(cr_check_fn fn, void *arg)
{
	int status;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		ktap_diag("fork: %s", strerror(errno));
		return false;
	}
	if (pid == 0)
		_exit(fn(arg) ? 0 : 1);
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			ktap_diag("waitpid %d: %s", (int)pid, strerror(errno));
			return false;
		}
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) <= 1)
		return WEXITSTATUS(status) == 0;
	describe_status("checking process", status);
	return false;
}

struct restorer {
	int image_fd;
	cr_check_fn check;
	void *arg;
};

static bool restorer_main(void *p)
{
	const struct restorer *r = p;

	if (r->image_fd != CR_IMAGE_FD && dup2(r->image_fd, CR_IMAGE_FD) < 0)
		return expect(false, "dup2 image to %d: %s", CR_IMAGE_FD,
			      strerror(errno));
	close_range(3, CR_IMAGE_FD - 1, 0);
	close_range(CR_IMAGE_FD + 1, ~0U, 0);
	if (lseek(CR_IMAGE_FD, 0, SEEK_SET) != 0)
		return expect(false, "rewinding the image: %s", strerror(errno));
	return r->check(r->arg);
}

bool run_restorer(int image_fd, cr_check_fn check, void *arg)
{
	struct restorer r = { .image_fd = image_fd, .check = check, .arg = arg };

	return run_child(restorer_main, &r);
}

/* fds */

bool place_fd(int fd, int target)
{
	if (fd < 0)
		return expect(false, "creating the file for fd %d: %s", target,
			      strerror(errno));
	if (fd == target)
		return true;
	if (dup2(fd, target) < 0)
		return expect(false, "dup2(%d, %d): %s", fd, target,
			      strerror(errno));
	close(fd);
	return true;
}

bool pipe_at(int rfd, int wfd)
{
	int p[2];

	if (pipe(p) < 0)
		return expect(false, "pipe: %s", strerror(errno));
	/* Fresh pipes get low numbers; the targets are high ones. */
	return place_fd(p[0], rfd) && place_fd(p[1], wfd);
}

bool write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return expect(false, "write of %zu bytes to fd %d: %s",
				      len, fd, n < 0 ? strerror(errno) : "wrote 0");
		p += n;
		len -= (size_t)n;
	}
	return true;
}

bool read_full(int fd, void *buf, size_t len)
{
	char *p = buf;

	while (len) {
		ssize_t n = read(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		p += n;
		len -= (size_t)n;
	}
	return true;
}

ssize_t drain(int fd, void *buf, size_t cap)
{
	size_t got = 0;
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return -errno;
	while (got < cap) {
		ssize_t n = read(fd, (char *)buf + got, cap - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

/* Regular files */

unsigned char pattern_byte(size_t i, unsigned int seed)
{
	return (unsigned char)(i * 31 + (i >> 8) + seed * 101 + 7);
}

bool make_file(const char *path, size_t size, unsigned int seed)
{
	unsigned char buf[512];
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	bool ok = true;

	if (fd < 0)
		return expect(false, "create %s: %s", path, strerror(errno));
	for (size_t off = 0; ok && off < size; off += sizeof(buf)) {
		size_t len = size - off < sizeof(buf) ? size - off : sizeof(buf);

		for (size_t i = 0; i < len; i++)
			buf[i] = pattern_byte(off + i, seed);
		ok = write_all(fd, buf, len);
	}
	close(fd);
	return ok;
}
