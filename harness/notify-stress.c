// SPDX-License-Identifier: GPL-2.0
/*
 * notify-stress: checkpoints racing notifications in real time (issue 13's
 * experiment), for a --realtime boot.
 *
 *   notify-stress [--checkpoints N] [--unrelated N] [--seed N]
 *
 * A stopped process holds one set over 64 eventfds (even ones
 * level-triggered, odd ones edge-triggered) above N unrelated eventfds; a
 * writer sharing them writes 1 to random ones, now and then drains one and
 * now and then consumes the set's events with epoll_wait(), which drops
 * level-triggered items of drained eventfds from the ready list; the parent
 * takes CHECKPOINT_SUBTREE checkpoints of the stopped process meanwhile.
 * At every instant a level-triggered item whose eventfd's counter is above
 * zero is on the ready list (a write puts it there, only an epoll_wait()
 * that finds the counter at zero takes it off): an image recording
 * otherwise is torn, a lost wakeup after restart.  Timer ticks decide where
 * the writer runs, so a run is not replayable; the seed fixes the writer's
 * choices.  Exit status 1 if any image is torn.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cr-util.h"

#define WATCHED 64

struct image_view {
	uint32_t fd_objref[WATCHED];	/* watched eventfd i's objref */
	uint64_t count[WATCHED];
	bool ready[WATCHED];
};

static int first_watched;

/* Fills v from the image: which objref each watched fd names, and so on. */
static bool image_view(const unsigned char *buf, size_t len, struct image_view *v)
{
	struct ckpt_hdr h;

	memset(v, 0, sizeof(*v));
	if (!image_walk(buf, len, NULL))
		return false;
	for (int w = 0; w < WATCHED; w++) {
		struct ckpt_fd_entry e;

		if (!image_find_fd(buf, len, first_watched + w, &e))
			return expect(false, "image: no fd %d", first_watched + w);
		v->fd_objref[w] = e.objref;
	}
	for (size_t pos = 0; pos < len; pos += h.len) {
		memcpy(&h, buf + pos, sizeof(h));
		for (int w = 0; w < WATCHED; w++) {
			if (h.type == CKPT_REC_FILE) {
				struct ckpt_rec_file f;
				struct ckpt_file_eventfd spec;

				memcpy(&f, buf + pos, sizeof(f));
				if (f.objref != v->fd_objref[w] || f.file_type != CKPT_FILE_EVENTFD)
					continue;
				memcpy(&spec, buf + pos + sizeof(f), sizeof(spec));
				v->count[w] = spec.count;
			} else if (h.type == CKPT_REC_EPOLL_READY) {
				struct ckpt_rec_epoll_items r;
				struct ckpt_epoll_ready e;

				memcpy(&r, buf + pos, sizeof(r));
				for (uint32_t i = 0; i < r.count; i++) {
					memcpy(&e, buf + pos + sizeof(r) + i * sizeof(e), sizeof(e));
					if (e.target_objref == v->fd_objref[w])
						v->ready[w] = true;
				}
			}
		}
	}
	return true;
}

static uint64_t next_rand(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Writes, drains and waits on random watched eventfds until killed. */
static void writer(uint64_t seed, int ep, unsigned long *ops)
{
	struct epoll_event ev[WATCHED];
	uint64_t v = 1, s = seed | 1;

	for (;;) {
		uint64_t r = next_rand(&s);
		int fd = first_watched + (int)(r % WATCHED);

		if ((r >> 32) % 16 == 0) {
			if (epoll_wait(ep, ev, WATCHED, 0) < 0)
				_exit(3);
		} else if ((r >> 32) % 16 < 3) {
			if (read(fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
				_exit(3);
		} else {
			v = 1;
			if (write(fd, &v, sizeof(v)) != sizeof(v))
				_exit(3);
		}
		__atomic_add_fetch(ops, 1, __ATOMIC_RELAXED);
	}
}

static int fail(const char *what)
{
	fprintf(stderr, "notify-stress: %s: %s\n", what, strerror(errno));
	return 1;
}

int main(int argc, char **argv)
{
	int checkpoints = 200, unrelated = 3000, torn = 0, taken = 0, ep;
	uint64_t seed = 1;
	unsigned long *ops;
	pid_t holder, wr;
	struct rlimit rl;
	int st;

	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--checkpoints"))
			checkpoints = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--unrelated"))
			unrelated = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--seed"))
			seed = strtoull(argv[i + 1], NULL, 0);
		else
			break;
	}
	if (argc % 2 == 0 || checkpoints <= 0 || unrelated < 0) {
		fprintf(stderr, "usage: notify-stress [--checkpoints N] [--unrelated N] [--seed N]\n");
		return 2;
	}
	rl.rlim_cur = rl.rlim_max = unrelated + WATCHED + 64;
	if (setrlimit(RLIMIT_NOFILE, &rl))
		return fail("setrlimit(RLIMIT_NOFILE)");
	ops = mmap(NULL, sizeof(*ops), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (ops == MAP_FAILED)
		return fail("mmap");
	for (int i = 0; i < unrelated; i++)
		if (eventfd(0, EFD_NONBLOCK) < 0)
			return fail("eventfd");
	first_watched = eventfd(0, EFD_NONBLOCK);
	for (int i = 1; i < WATCHED; i++)
		if (eventfd(0, EFD_NONBLOCK) != first_watched + i)
			return fail("eventfd (not the next fd)");
	ep = epoll_create1(0);
	for (int i = 0; i < WATCHED; i++) {
		struct epoll_event ev = { .events = EPOLLIN | (i & 1 ? EPOLLET : 0), .data.u64 = i };

		if (epoll_ctl(ep, EPOLL_CTL_ADD, first_watched + i, &ev))
			return fail("epoll_ctl");
	}
	holder = fork();
	if (holder == 0) {
		for (;;)
			raise(SIGSTOP);
	}
	wr = fork();
	if (wr == 0)
		writer(seed, ep, ops);
	if (waitpid(holder, &st, WUNTRACED) != holder || !WIFSTOPPED(st))
		return fail("waitpid (the holder did not stop)");

	for (int c = 0; c < checkpoints; c++) {
		int img = image_create();
		unsigned char *buf = NULL;
		struct image_view v;
		long r;
		ssize_t n;

		if (img < 0)
			break;
		r = sys_checkpoint(holder, img, CHECKPOINT_SUBTREE | CHECKPOINT_SKIP_UNSUPPORTED);
		n = r < 0 ? -1 : image_load(img, &buf);
		close(img);
		if (r < 0 || n < 0 || !image_view(buf, n, &v)) {
			fprintf(stderr, "notify-stress: checkpoint %d failed (%ld)\n", c, r);
			free(buf);
			break;
		}
		taken++;
		for (int w = 0; w < WATCHED; w += 2) {
			if (v.count[w] && !v.ready[w]) {
				fprintf(stderr, "notify-stress: checkpoint %d: eventfd %d has count %llu but its level-triggered item is not on the ready list\n",
					c, first_watched + w, (unsigned long long)v.count[w]);
				torn++;
				break;
			}
		}
		free(buf);
	}
	kill(wr, SIGKILL);
	kill(holder, SIGKILL);
	waitpid(wr, NULL, 0);
	waitpid(holder, NULL, 0);
	printf("notify-stress: seed %llu, %d of %d checkpoints over %d watched and %d unrelated eventfds, %lu writer ops, %d torn images\n",
	       (unsigned long long)seed, taken, checkpoints, WATCHED, unrelated, *ops, torn);
	return torn || taken < checkpoints ? 1 : 0;
}
