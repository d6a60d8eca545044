// SPDX-License-Identifier: GPL-2.0
/*
 * restart-race: every interleaving of restart(2) with a thread that shares
 * the restorer's fd table (preempt kernel, CONFIG_CHECKPOINT_INTERLEAVE_TEST).
 *
 *   restart-race [--at K]
 *
 * Restart's files are private until its last step installs them, so the
 * one thing another task can change under it is the fd table it installs
 * into.  For every scheduling point k of the restart call, a fresh
 * restorer restarts one image (an epoll set over an eventfd and both ends
 * of a pipe) while a thread sharing its table is switched in at point k
 * and dup2()s its stdin over the image's highest fd.  All or nothing must
 * hold at every k: restart returns 0 and every image fd is open (the
 * thread's dup2 came after, replacing one), or -EBUSY and none is (the
 * thread's fd came first).  One line per point; exit status 1 if any
 * point breaks all or nothing.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cr-util.h"

#define GATE "/sys/kernel/debug/checkpoint/interleave"
/* The image's fds: set, eventfd, pipe ends; the image at IMAGE_FD. */
enum { EP = 3, EFD = 4, PR = 5, PW = 6, LAST_FD = PW, IMAGE_FD = 20 };

/* The control, at an fd above every image fd. */
static int open_gate(int flags)
{
	int fd = open(GATE, flags), high;

	if (fd < 0)
		return -1;
	high = fcntl(fd, F_DUPFD, IMAGE_FD + 1);
	close(fd);
	return high;
}

static int make_image(void)
{
	int img = image_create(), fds[2], st;
	pid_t pid;
	long r;

	if (img < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		struct epoll_event ev = { .events = EPOLLIN };

		close_range(3, ~0U, 0);
		if (epoll_create1(0) != EP || eventfd(1, 0) != EFD || pipe(fds) || fds[1] != PW ||
		    epoll_ctl(EP, EPOLL_CTL_ADD, EFD, &ev) || epoll_ctl(EP, EPOLL_CTL_ADD, PR, &ev))
			_exit(1);
		raise(SIGSTOP);
		_exit(0);
	}
	if (waitpid(pid, &st, WUNTRACED) != pid || !WIFSTOPPED(st)) {
		expect(false, "the original did not stop (status %#x)", st);
		return -1;
	}
	r = sys_checkpoint(pid, img, CHECKPOINT_SKIP_UNSUPPORTED);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	return expect_success("checkpoint of the original", r) ? img : -1;
}

/* The thread sharing the table: released at a point, it takes LAST_FD. */
static void *taker(void *arg)
{
	int gate = open_gate(O_WRONLY);

	(void)arg;
	if (gate >= 0 && write(gate, "park", 4) == 4)
		dup2(0, LAST_FD);
	if (gate >= 0)
		close(gate);
	return NULL;
}

static bool is_open(int fd)
{
	return fcntl(fd, F_GETFD) >= 0;
}

/* In the restorer: arm restart at point k, restart, check all or nothing. */
static int restorer(int k)
{
	int gate = open_gate(O_RDWR), n;
	unsigned int points = 0, released = 0;
	struct stat in, last;
	char cmd[48], buf[64];
	pthread_t t;
	long r;

	if (gate < 0 || pthread_create(&t, NULL, taker, NULL))
		return 10;
	n = snprintf(cmd, sizeof(cmd), "arm restart %d", k);
	if (write(gate, cmd, n) != n)
		return 11;
	lseek(IMAGE_FD, 0, SEEK_SET);
	r = sys_restart(IMAGE_FD, 0);
	n = pread(gate, buf, sizeof(buf) - 1, 0);
	buf[n > 0 ? n : 0] = 0;
	sscanf(buf, "points %u released %u", &points, &released);
	pthread_join(t, NULL);
	printf("restart-race: point %d of %u: restart %ld, thread released %u time(s)\n", k, points, r, released);
	fflush(stdout);
	/* Released: the thread's fd is at LAST_FD whatever restart did. */
	if (released && (fstat(0, &in) || fstat(LAST_FD, &last) || last.st_ino != in.st_ino))
		return 12;
	if ((r == 0 && is_open(EP) && is_open(EFD) && is_open(PR) && is_open(LAST_FD)) ||
	    (r == -EBUSY && released && !is_open(EP) && !is_open(EFD) && !is_open(PR)))
		return points < (unsigned int)k ? 1 : 0;
	return 13;
}

int main(int argc, char **argv)
{
	int img = make_image(), only = 0, fails = 0, k;

	if (argc == 3 && !strcmp(argv[1], "--at"))
		only = atoi(argv[2]);
	if (img < 0 || dup2(img, IMAGE_FD) < 0)
		return 1;
	for (k = only ? only : 1;; k++) {
		pid_t pid;
		int st;

		fflush(stdout);
		pid = fork();
		if (pid == 0) {
			close_range(3, IMAGE_FD - 1, 0);
			close_range(IMAGE_FD + 1, ~0U, 0);
			_exit(restorer(k));
		}
		if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) > 1) {
			printf("restart-race: point %d: restorer status %#x: not all or nothing\n", k, st);
			printf("restart-race: replay: harness/launch/uml-run --kernel build/kernel-preempt/linux build/harness/restart-race --at %d\n", k);
			/* The harness itself failing (no control): stop at once. */
			if (++fails > 10 || !WIFEXITED(st) || WEXITSTATUS(st) < 12)
				break;
		}
		/* Status 1: point k was beyond the call's last point. */
		if (only || (WIFEXITED(st) && WEXITSTATUS(st) == 1))
			break;
	}
	printf("restart-race: %d restarts, one per scheduling point, %d not all or nothing\n", k, fails);
	return fails ? 1 : 0;
}
