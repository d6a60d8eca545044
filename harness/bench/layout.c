// SPDX-License-Identifier: GPL-2.0
/*
 * layout: builds the targets and the epoll sets of one benchmark
 * size at fixed fd numbers.  See bench.h for the layout.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "bench.h"

uint32_t bench_set_events(unsigned int set)
{
	static const uint32_t events[] = {
		EPOLLIN,
		EPOLLIN | EPOLLET,
		EPOLLIN | EPOLLPRI,
		EPOLLIN | EPOLLONESHOT,
	};

	return events[set % (sizeof(events) / sizeof(events[0]))];
}

/* fd is the new file's number; moves it to want if it is not already. */
static int at(int fd, int want)
{
	if (fd < 0)
		return -errno;
	if (fd == want)
		return 0;
	if (dup2(fd, want) < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	close(fd);
	return 0;
}

/*
 * Group of eight fds from j - j % 8: three eventfds, a pipe's read and
 * write ends, then dups of the first eventfd and of both pipe ends.  A
 * group cut short by K never leaves a pipe without its write end (the
 * read end would report EPOLLHUP, making its items ready).
 */
int bench_make_targets(const struct bench_layout *l)
{
	unsigned int k = l->per_set;
	int err = 0;

	for (unsigned int j = 0; j < k && !err; j++) {
		int fd = BENCH_FIRST_FD + (int)j, p[2];

		switch (j % 8) {
		case 3:
			if (j + 1 < k) {
				if (pipe2(p, O_NONBLOCK) < 0)
					return -errno;
				err = at(p[0], fd);
				if (!err)
					err = at(p[1], fd + 1);
				j++;
				break;
			}
			/* no room for the write end: an eventfd instead */
			__attribute__((fallthrough));
		case 0:
		case 1:
		case 2:
			err = at(eventfd(0, EFD_NONBLOCK), fd);
			break;
		case 4:		/* made with its read end */
			break;
		case 5:
			err = at(dup(fd - 5), fd);
			break;
		default:	/* 6, 7: the read and the write end again */
			err = at(dup(fd - 3), fd);
			break;
		}
	}
	return err;
}

/* Items of one set through the bench kernel's floor (no syscall per item). */
static int floor_fill(const struct bench_layout *l, unsigned int s, int ep)
{
	uint64_t items, ns;
	char cmd[96];
	int err;

	snprintf(cmd, sizeof(cmd), "insert %d %d %u %x", ep, BENCH_FIRST_FD,
		 l->per_set, bench_set_events(s) | EPOLLERR | EPOLLHUP);
	err = floor_cmd(cmd, &items, &ns);
	return err ? err : items == l->per_set ? 0 : -EPROTO;
}

int bench_make_sets(const struct bench_layout *l, bool use_floor)
{
	for (unsigned int s = 0; s < l->nsets; s++) {
		int ep = bench_epfd(l, s);
		int err = at(epoll_create1(0), ep);

		if (err)
			return err;
		if (use_floor) {
			err = floor_fill(l, s, ep);
			if (err)
				return err;
			continue;
		}
		for (unsigned int j = 0; j < l->per_set; j++) {
			int fd = BENCH_FIRST_FD + (int)j;
			struct epoll_event ev = {
				.events = bench_set_events(s),
				.data.u64 = (uint64_t)fd,
			};

			if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0)
				return -errno;
		}
	}
	return 0;
}
