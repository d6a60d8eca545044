// SPDX-License-Identifier: GPL-2.0
/*
 * race-stress: checkpoints racing other tasks' changes to the files they
 * share, in real time, each image checked and restarted.
 *
 *   race-stress [--workers N] [--checkpoints N] [--unrelated N] [--seed N]
 *
 * A stopped holder's table has N unrelated eventfds, one epoll set, and
 * for each worker 16 eventfds, 4 pipes and 2 UNIX socket pairs (a stream
 * and a seqpacket one) the set watches (one end of each pair; even
 * targets level-triggered, odd ones edge-triggered).  Each worker, pinned
 * to its own CPU when there are enough (CPU 0 is the checkpointer's),
 * changes only its own targets: writes and drains them (a socket one byte,
 * or one message, at a time, sent from the other end), adds, modifies and
 * deletes their items in the shared set, closes its copy of a pipe's or
 * pair's other end and takes it back from the holder with pidfd_getfd(),
 * and calls epoll_wait() on the shared set, which changes every worker's
 * ready entries.  Meanwhile the
 * parent takes CHECKPOINT_SUBTREE checkpoints of the holder.
 *
 * The oracle is the interleaving sweep's, per worker: a checkpoint is one
 * instant, so what it records of a worker's targets (eventfd counts, pipe
 * bytes, items with their events and data) must equal the state after some
 * prefix of that worker's operations, between the ones done before the
 * call and the ones begun by its end (bytes and messages queued to a
 * socket are its model's).  Workers touch disjoint targets, so
 * checking each alone checks the whole (linearizability is local).  On
 * top, a level-triggered item whose target is readable must be on the
 * ready list (a lost wakeup otherwise).  Every image is then restarted in a
 * fresh process and checkpointed again: the two images must be equal.
 *
 * The seed fixes each worker's operations, not the interleaving, which the
 * CPUs decide: a failure is replayed by running the same seed until the
 * race recurs.  Exit status 1 if any image is torn or fails its round trip.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cr-util.h"

#define MAX_WORKERS 8
#define EFDS 16
#define PIPES 4
#define SOCKS 2			/* UNIX pairs: a stream, then a seqpacket */
#define QUEUES (PIPES + SOCKS)
/* target t < EFDS: eventfd; then PIPES pipes; then SOCKS socket pairs */
#define TARGETS (EFDS + QUEUES)
#define FDS_PER_WORKER (EFDS + 2 * QUEUES)
#define PIPE_MAX 256		/* bytes a worker lets a pipe hold */
#define SOCK_MAX 64		/* and a socket: each byte a buffer of its own */
#define LOG_OPS (1u << 22)	/* operations a worker may log */

enum op_kind { OP_EFD_WRITE, OP_EFD_DRAIN, OP_PIPE_WRITE, OP_PIPE_DRAIN,
	       OP_CTL_ADD, OP_CTL_MOD, OP_CTL_DEL, OP_WAIT, OP_REOPEN,
	       OP_SOCK_SEND, OP_SOCK_RECV };

/* One worker's state as its own operations leave it. */
struct model {
	uint64_t count[EFDS];
	uint32_t nbytes[QUEUES];	/* queue t - EFDS: a pipe's or socket's */
	unsigned char bytes[QUEUES][PIPE_MAX];
	bool present[TARGETS];
	uint64_t data[TARGETS];
};

/* Shared with the workers (MAP_SHARED). */
struct worker_log {
	uint32_t started;	/* operations begun */
	uint32_t done;		/* operations completed */
	uint32_t op[LOG_OPS];	/* kind << 8 | target */
};

struct shared {
	int stop;
	struct worker_log w[];
};

/* What an image records of the holder's targets. */
struct image_view {
	struct model m[MAX_WORKERS];
	bool ready[MAX_WORKERS][TARGETS];
};

static int workers = 3, first_target;
/* Where a restorer keeps the image: above every fd the holder has. */
static int restore_fd;
static pid_t holder;
static struct shared *sh;

static int target_fd(int w, int t)
{
	return first_target + w * FDS_PER_WORKER + (t < EFDS ? t : EFDS + 2 * (t - EFDS));
}

/* A pipe's write end, or the other end of a socket pair. */
static int other_end_fd(int w, int t)
{
	return target_fd(w, t) + 1;
}

static bool is_sock(int t)
{
	return t >= EFDS + PIPES;
}

static uint32_t item_events(int t)
{
	return EPOLLIN | (t & 1 ? EPOLLET : 0);
}

static uint64_t item_data(int w, int t, uint32_t opno)
{
	return (uint64_t)w << 48 | (uint64_t)t << 32 | opno;
}

static uint64_t next_rand(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* The model after operation number opno (kind << 8 | t) of worker w. */
static void model_apply(struct model *m, int w, uint32_t opno, uint32_t op)
{
	int kind = op >> 8, t = op & 0xff;

	switch (kind) {
	case OP_EFD_WRITE:
		m->count[t]++;
		break;
	case OP_EFD_DRAIN:
		m->count[t] = 0;
		break;
	case OP_PIPE_WRITE:
		m->bytes[t - EFDS][m->nbytes[t - EFDS]++] = opno & 0xff;
		break;
	case OP_PIPE_DRAIN:
		m->nbytes[t - EFDS] = 0;
		break;
	case OP_SOCK_SEND:
		m->bytes[t - EFDS][m->nbytes[t - EFDS]++] = opno & 0xff;
		break;
	case OP_SOCK_RECV:
		if (m->nbytes[t - EFDS])
			memmove(m->bytes[t - EFDS], m->bytes[t - EFDS] + 1, --m->nbytes[t - EFDS]);
		break;
	case OP_CTL_ADD:
	case OP_CTL_MOD:
		m->present[t] = true;
		m->data[t] = item_data(w, t, opno);
		break;
	case OP_CTL_DEL:
		m->present[t] = false;
		break;
	}
}

static void worker_exit(int w, const char *what)
{
	fprintf(stderr, "race-stress: worker %d: %s: %s\n", w, what, strerror(errno));
	_exit(3);
}

/* The worker's next operation, chosen so that its effect is certain. */
static uint32_t choose(const struct model *m, uint64_t *s)
{
	uint64_t r = next_rand(s);
	int t = (int)(r % TARGETS), dice = (int)((r >> 32) % 32);

	if (dice == 0)
		return OP_WAIT << 8;
	if (dice == 1)
		return (m->present[t] ? (r >> 40) & 1 ? OP_CTL_DEL : OP_CTL_MOD : OP_CTL_ADD) << 8 | t;
	if (t >= EFDS && dice == 2)
		return OP_REOPEN << 8 | t;
	if (t < EFDS)
		return (dice < 8 ? OP_EFD_DRAIN : OP_EFD_WRITE) << 8 | t;
	if (is_sock(t))
		return (dice < 12 || m->nbytes[t - EFDS] == SOCK_MAX ? OP_SOCK_RECV : OP_SOCK_SEND) << 8 | t;
	if (dice < 8 || m->nbytes[t - EFDS] == PIPE_MAX)
		return OP_PIPE_DRAIN << 8 | t;
	return OP_PIPE_WRITE << 8 | t;
}

static void perform(int w, int ep, int pidfd, uint32_t opno, uint32_t op)
{
	int kind = op >> 8, t = op & 0xff, fd = target_fd(w, t);
	struct epoll_event ev[16];
	unsigned char buf[PIPE_MAX];
	uint64_t one = 1, v;

	switch (kind) {
	case OP_EFD_WRITE:
		if (write(fd, &one, sizeof(one)) != sizeof(one))
			worker_exit(w, "eventfd write");
		break;
	case OP_EFD_DRAIN:
		if (read(fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
			worker_exit(w, "eventfd read");
		break;
	case OP_PIPE_WRITE:
		buf[0] = opno & 0xff;
		if (write(other_end_fd(w, t), buf, 1) != 1)
			worker_exit(w, "pipe write");
		break;
	case OP_SOCK_SEND:
		buf[0] = opno & 0xff;
		if (send(other_end_fd(w, t), buf, 1, MSG_DONTWAIT) != 1)
			worker_exit(w, "socket send");
		break;
	case OP_SOCK_RECV:
		/* One byte of a stream, one message of a seqpacket. */
		if (recv(fd, buf, 1, MSG_DONTWAIT) < 0 && errno != EAGAIN)
			worker_exit(w, "socket recv");
		break;
	case OP_PIPE_DRAIN:
		if (read(fd, buf, sizeof(buf)) < 0 && errno != EAGAIN)
			worker_exit(w, "pipe read");
		break;
	case OP_CTL_ADD:
	case OP_CTL_MOD:
		ev[0].events = item_events(t);
		ev[0].data.u64 = item_data(w, t, opno);
		if (epoll_ctl(ep, kind == OP_CTL_ADD ? EPOLL_CTL_ADD : EPOLL_CTL_MOD, fd, ev))
			worker_exit(w, "epoll_ctl");
		break;
	case OP_CTL_DEL:
		if (epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL))
			worker_exit(w, "epoll_ctl(EPOLL_CTL_DEL)");
		break;
	case OP_WAIT:
		if (epoll_wait(ep, ev, 16, 0) < 0)
			worker_exit(w, "epoll_wait");
		break;
	case OP_REOPEN: {
		/* A close of a shared file, then the same file back. */
		int got, wfd = other_end_fd(w, t);

		close(wfd);
		got = syscall(SYS_pidfd_getfd, pidfd, wfd, 0);
		if (got < 0)
			worker_exit(w, "pidfd_getfd");
		if (got != wfd && (dup2(got, wfd) < 0 || close(got)))
			worker_exit(w, "dup2");
		break;
	}
	}
}

static void worker(int w, uint64_t seed, int ep, int ncpus)
{
	struct worker_log *log = &sh->w[w];
	struct model m = { 0 };
	uint64_t s = seed * 0x9e3779b97f4a7c15ULL + w + 1;
	int pidfd = syscall(SYS_pidfd_open, holder, 0);

	if (pidfd < 0)
		worker_exit(w, "pidfd_open");
	if (ncpus > workers) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(w + 1, &set);
		if (sched_setaffinity(0, sizeof(set), &set))
			worker_exit(w, "sched_setaffinity");
	}
	for (int t = 0; t < TARGETS; t++)
		m.present[t] = true;	/* main() added every item */
	for (uint32_t i = 0; i < LOG_OPS && !__atomic_load_n(&sh->stop, __ATOMIC_RELAXED); i++) {
		uint32_t op = choose(&m, &s);

		log->op[i] = op;
		__atomic_store_n(&log->started, i + 1, __ATOMIC_RELEASE);
		perform(w, ep, pidfd, i, op);
		model_apply(&m, w, i, op);
		__atomic_store_n(&log->done, i + 1, __ATOMIC_RELEASE);
	}
	_exit(0);
}

/* The objrefs the image gave the holder's set and every worker target. */
struct objmap {
	uint32_t objref[MAX_WORKERS][TARGETS];	/* the target's fd's objref */
	uint32_t pipe_objref[MAX_WORKERS][QUEUES];	/* PIPE or UNIX_PAIR */
	uint32_t pair_end[MAX_WORKERS][QUEUES];		/* the target's end */
	uint32_t epoll_objref;
};

/* Which worker's target (the fd's objref) objref is; false if none. */
static bool find_target(const struct objmap *om, uint32_t objref, int *w, int *t)
{
	for (*w = 0; *w < workers; (*w)++)
		for (*t = 0; *t < TARGETS; (*t)++)
			if (om->objref[*w][*t] == objref)
				return true;
	return false;
}

/* What a UNIX_PAIR record holds for the end a worker's set watches. */
static bool pair_view(const unsigned char *rec, const struct objmap *om, struct image_view *v)
{
	struct ckpt_rec_unix_pair p;
	size_t off;

	memcpy(&p, rec, sizeof(p));
	for (int w = 0; w < workers; w++)
		for (int q = PIPES; q < QUEUES; q++) {
			const struct ckpt_unix_end *e = &p.ends[om->pair_end[w][q]];

			if (om->pipe_objref[w][q] != p.objref)
				continue;
			if (e->nbytes > SOCK_MAX || p.ends[!om->pair_end[w][q]].nbytes)
				return expect(false, "image: socket pair %u holds %u and %u bytes",
					      p.objref, p.ends[0].nbytes, p.ends[1].nbytes);
			if (e->nmsgs != e->nbytes)
				return expect(false, "image: socket pair %u: %u messages of %u bytes, sent one byte each",
					      p.objref, e->nmsgs, e->nbytes);
			off = sizeof(p) + ((p.ends[0].nmsgs + p.ends[1].nmsgs) * 4 + 7) / 8 * 8;
			if (om->pair_end[w][q])
				off += (p.ends[0].nbytes + 7) / 8 * 8;
			v->m[w].nbytes[q] = e->nbytes;
			memcpy(v->m[w].bytes[q], rec + off, e->nbytes);
		}
	return true;
}

static bool image_view(const unsigned char *buf, size_t len, int ep, struct image_view *v)
{
	struct objmap om = { 0 };
	struct ckpt_fd_entry e;
	struct ckpt_hdr h;
	int w, t;

	memset(v, 0, sizeof(*v));
	if (!image_walk(buf, len, NULL))
		return false;
	if (!image_find_fd(buf, len, ep, &e))
		return expect(false, "image: no fd %d (the set)", ep);
	om.epoll_objref = e.objref;
	for (w = 0; w < workers; w++)
		for (t = 0; t < TARGETS; t++) {
			if (!image_find_fd(buf, len, target_fd(w, t), &e))
				return expect(false, "image: no fd %d", target_fd(w, t));
			om.objref[w][t] = e.objref;
		}
	/* Pipe read ends first: they name the PIPE records. */
	for (size_t pos = 0; pos < len; pos += h.len) {
		struct ckpt_rec_file f;
		struct ckpt_file_pipe spec;

		memcpy(&h, buf + pos, sizeof(h));
		if (h.type != CKPT_REC_FILE)
			continue;
		memcpy(&f, buf + pos, sizeof(f));
		if (!find_target(&om, f.objref, &w, &t))
			continue;
		if (f.file_type == CKPT_FILE_EVENTFD) {
			struct ckpt_file_eventfd efd;

			memcpy(&efd, buf + pos + sizeof(f), sizeof(efd));
			v->m[w].count[t] = efd.count;
		} else if (f.file_type == CKPT_FILE_PIPE) {
			memcpy(&spec, buf + pos + sizeof(f), sizeof(spec));
			om.pipe_objref[w][t - EFDS] = spec.pipe_objref;
		} else if (f.file_type == CKPT_FILE_UNIX) {
			struct ckpt_file_unix end;

			memcpy(&end, buf + pos + sizeof(f), sizeof(end));
			om.pipe_objref[w][t - EFDS] = end.pair_objref;
			om.pair_end[w][t - EFDS] = end.end;
		}
	}
	for (size_t pos = 0; pos < len; pos += h.len) {
		memcpy(&h, buf + pos, sizeof(h));
		if (h.type == CKPT_REC_PIPE) {
			struct ckpt_rec_pipe p;

			memcpy(&p, buf + pos, sizeof(p));
			for (w = 0; w < workers; w++)
				for (int i = 0; i < PIPES; i++) {
					if (om.pipe_objref[w][i] != p.objref)
						continue;
					if (p.nbytes > PIPE_MAX)
						return expect(false, "image: pipe %u holds %u bytes", p.objref, p.nbytes);
					v->m[w].nbytes[i] = p.nbytes;
					memcpy(v->m[w].bytes[i], buf + pos + sizeof(p), p.nbytes);
				}
		} else if (h.type == CKPT_REC_UNIX_PAIR) {
			if (!pair_view(buf + pos, &om, v))
				return false;
		} else if (h.type == CKPT_REC_EPOLL_ITEMS) {
			struct ckpt_rec_epoll_items r;
			struct ckpt_epoll_item it;

			memcpy(&r, buf + pos, offsetof(struct ckpt_rec_epoll_items, items));
			for (uint32_t i = 0; i < r.count; i++) {
				memcpy(&it, buf + pos + offsetof(struct ckpt_rec_epoll_items, items) +
				       i * sizeof(it), sizeof(it));
				if (!find_target(&om, it.target_objref, &w, &t) || it.fd != target_fd(w, t))
					return expect(false, "image: an item on fd %d, objref %u, that no worker added",
						      it.fd, it.target_objref);
				if (it.events != (item_events(t) | EPOLLERR | EPOLLHUP))
					return expect(false, "image: item on fd %d has events %#x", it.fd, it.events);
				v->m[w].present[t] = true;
				v->m[w].data[t] = it.data;
			}
		} else if (h.type == CKPT_REC_EPOLL_READY) {
			struct ckpt_rec_epoll_ready r;
			struct ckpt_epoll_ready e;

			memcpy(&r, buf + pos, offsetof(struct ckpt_rec_epoll_ready, ready));
			for (uint32_t i = 0; i < r.count; i++) {
				memcpy(&e, buf + pos + offsetof(struct ckpt_rec_epoll_ready, ready) +
				       i * sizeof(e), sizeof(e));
				if (find_target(&om, e.target_objref, &w, &t))
					v->ready[w][t] = true;
			}
		}
	}
	return true;
}

static bool models_equal(const struct model *a, const struct model *b)
{
	for (int t = 0; t < TARGETS; t++)
		if (a->present[t] != b->present[t] || (a->present[t] && a->data[t] != b->data[t]))
			return false;
	for (int q = 0; q < QUEUES; q++)
		if (a->nbytes[q] != b->nbytes[q] || memcmp(a->bytes[q], b->bytes[q], a->nbytes[q]))
			return false;
	return !memcmp(a->count, b->count, sizeof(a->count));
}

/* The first difference between what an image says and a model. */
static void say_difference(int w, const struct model *img, const struct model *m)
{
	for (int t = 0; t < TARGETS; t++) {
		if (img->present[t] != m->present[t] || (m->present[t] && img->data[t] != m->data[t])) {
			cr_diag("worker %d fd %d: image item %s data %#llx, model item %s data %#llx", w,
				target_fd(w, t), img->present[t] ? "present" : "absent",
				(unsigned long long)img->data[t], m->present[t] ? "present" : "absent",
				(unsigned long long)m->data[t]);
			return;
		}
		if (t < EFDS && img->count[t] != m->count[t]) {
			cr_diag("worker %d eventfd %d: image count %llu, model %llu", w, target_fd(w, t),
				(unsigned long long)img->count[t], (unsigned long long)m->count[t]);
			return;
		}
		if (t >= EFDS && (img->nbytes[t - EFDS] != m->nbytes[t - EFDS] ||
				  memcmp(img->bytes[t - EFDS], m->bytes[t - EFDS], m->nbytes[t - EFDS]))) {
			cr_diag("worker %d %s %d: image %u bytes, model %u bytes (or other bytes)", w,
				is_sock(t) ? "socket" : "pipe",
				target_fd(w, t), img->nbytes[t - EFDS], m->nbytes[t - EFDS]);
			return;
		}
	}
}

/*
 * The oracle: each worker's part of the image is its state after some
 * prefix p, lo[w] <= p <= hi[w]; base[w] is the model after lo[w] ops.
 */
static bool image_linearizable(const struct image_view *v, struct model *base,
			       const uint32_t *lo, const uint32_t *hi, int c)
{
	bool ok = true;

	for (int w = 0; w < workers; w++) {
		struct model m = base[w];
		uint32_t p = lo[w];

		while (!models_equal(&v->m[w], &m) && p < hi[w]) {
			model_apply(&m, w, p, sh->w[w].op[p]);
			p++;
		}
		if (!models_equal(&v->m[w], &m)) {
			cr_diag("checkpoint %d: worker %d's targets match no prefix of its ops %u..%u; against op %u:",
				c, w, lo[w], hi[w], lo[w]);
			say_difference(w, &v->m[w], &base[w]);
			ok = false;
		}
		for (int t = 0; t < TARGETS; t += 2) {
			bool readable = t < EFDS ? v->m[w].count[t] : v->m[w].nbytes[t - EFDS];

			if (v->m[w].present[t] && readable && !v->ready[w][t]) {
				cr_diag("checkpoint %d: fd %d is readable but its level-triggered item is not on the ready list",
					c, target_fd(w, t));
				ok = false;
			}
		}
	}
	return ok;
}

/* Restarts the image in a fresh process, checkpoints that: equal images? */
static bool round_trip(int img, int c)
{
	int again = image_create(), st;
	char what[64];
	pid_t pid;
	long r;
	bool ok;

	if (again < 0)
		return false;
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		if (dup2(img, restore_fd) < 0)
			_exit(4);
		close_range(3, restore_fd - 1, 0);
		lseek(restore_fd, 0, SEEK_SET);
		r = sys_restart(restore_fd, 0);
		if (r < 0) {
			char b[32];

			cr_diag("checkpoint %d: restart: %s", c, ret_str(r, b, sizeof(b)));
			_exit(5);
		}
		close(restore_fd);
		for (;;)
			raise(SIGSTOP);
	}
	if (pid < 0 || waitpid(pid, &st, WUNTRACED) != pid || !WIFSTOPPED(st)) {
		close(again);
		return expect(false, "checkpoint %d: the restored process did not start", c);
	}
	r = sys_checkpoint(pid, again, CHECKPOINT_SUBTREE | CHECKPOINT_SKIP_UNSUPPORTED);
	reap(pid);
	snprintf(what, sizeof(what), "checkpoint %d and its restart's", c);
	ok = expect_success("checkpoint of the restored process", r) && images_equal(img, again, what);
	close(again);
	return ok;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int fail(const char *what)
{
	fprintf(stderr, "race-stress: %s: %s\n", what, strerror(errno));
	return 1;
}

/* The holder's table: unrelated eventfds, the set, then every target. */
static int build_table(int unrelated)
{
	int ep;

	for (int i = 0; i < unrelated; i++)
		if (eventfd(0, EFD_NONBLOCK) < 0)
			return fail("eventfd");
	ep = epoll_create1(0);
	if (ep < 0)
		return fail("epoll_create1");
	first_target = ep + 1;
	for (int w = 0; w < workers; w++) {
		for (int t = 0; t < EFDS; t++)
			if (eventfd(0, EFD_NONBLOCK) != target_fd(w, t))
				return fail("eventfd (not the next fd)");
		for (int p = 0; p < PIPES; p++) {
			int ends[2];

			if (pipe2(ends, O_NONBLOCK) || ends[0] != target_fd(w, EFDS + p))
				return fail("pipe2 (not the next fds)");
		}
		for (int p = 0; p < SOCKS; p++) {
			int type = p ? SOCK_SEQPACKET : SOCK_STREAM, ends[2];

			if (socketpair(AF_UNIX, type | SOCK_NONBLOCK, 0, ends) ||
			    ends[0] != target_fd(w, EFDS + PIPES + p))
				return fail("socketpair (not the next fds)");
		}
		for (int t = 0; t < TARGETS; t++) {
			struct epoll_event ev = { .events = item_events(t),
						  .data.u64 = item_data(w, t, 0) };

			if (epoll_ctl(ep, EPOLL_CTL_ADD, target_fd(w, t), &ev))
				return fail("epoll_ctl");
		}
	}
	return ep;
}

static int usage(void)
{
	fprintf(stderr, "usage: race-stress [--workers 1..%d] [--checkpoints N] [--unrelated N] [--seed N]\n",
		MAX_WORKERS);
	return 2;
}

int main(int argc, char **argv)
{
	int checkpoints = 200, unrelated = 3000, torn = 0, taken = 0, checked = 0, ep, st;
	uint32_t lo[MAX_WORKERS], hi[MAX_WORKERS];
	struct model base[MAX_WORKERS] = { 0 };
	uint32_t applied[MAX_WORKERS] = { 0 };
	pid_t pids[MAX_WORKERS];
	int ncpus = (int)sysconf(_SC_NPROCESSORS_ONLN);
	unsigned long long raced = 0;
	uint64_t seed = 1;
	struct rlimit rl;
	double start;

	for (int i = 1; i < argc; i += 2) {
		if (i + 1 >= argc)
			return usage();
		if (!strcmp(argv[i], "--checkpoints"))
			checkpoints = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--unrelated"))
			unrelated = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--workers"))
			workers = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--seed"))
			seed = strtoull(argv[i + 1], NULL, 0);
		else
			return usage();
	}
	if (checkpoints <= 0 || unrelated < 0 || workers < 1 || workers > MAX_WORKERS)
		return usage();
	rl.rlim_cur = rl.rlim_max = unrelated + workers * FDS_PER_WORKER + 64;
	if (setrlimit(RLIMIT_NOFILE, &rl))
		return fail("setrlimit(RLIMIT_NOFILE)");
	restore_fd = (int)rl.rlim_cur - 1;
	sh = mmap(NULL, sizeof(*sh) + workers * sizeof(sh->w[0]), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (sh == MAP_FAILED)
		return fail("mmap");
	ep = build_table(unrelated);
	if (ep < 0)
		return 1;
	for (int w = 0; w < workers; w++)
		for (int t = 0; t < TARGETS; t++) {
			base[w].present[t] = true;
			base[w].data[t] = item_data(w, t, 0);
		}
	if (ncpus > workers) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(0, &set);
		if (sched_setaffinity(0, sizeof(set), &set))
			return fail("sched_setaffinity");
	}
	holder = fork();
	if (holder == 0) {
		for (;;)
			raise(SIGSTOP);
	}
	if (waitpid(holder, &st, WUNTRACED) != holder || !WIFSTOPPED(st))
		return fail("waitpid (the holder did not stop)");
	for (int w = 0; w < workers; w++) {
		pids[w] = fork();
		if (pids[w] == 0)
			worker(w, seed, ep, ncpus);
	}

	printf("KTAP version 1\n1..1\n");
	cr_diag("seed %llu: %d workers%s, %d unrelated eventfds (the seed fixes each worker's operations, not the interleaving)",
		(unsigned long long)seed, workers, ncpus > workers ? " on CPUs of their own" : " sharing CPUs",
		unrelated);
	start = now();
	for (int c = 0; c < checkpoints; c++) {
		int img = image_create();
		unsigned char *buf = NULL;
		struct image_view v;
		bool ok;
		ssize_t n;
		long r;

		if (img < 0)
			break;
		for (int w = 0; w < workers; w++)
			lo[w] = __atomic_load_n(&sh->w[w].done, __ATOMIC_ACQUIRE);
		r = sys_checkpoint(holder, img, CHECKPOINT_SUBTREE | CHECKPOINT_SKIP_UNSUPPORTED);
		for (int w = 0; w < workers; w++)
			hi[w] = __atomic_load_n(&sh->w[w].started, __ATOMIC_ACQUIRE);
		n = r < 0 ? -1 : image_load(img, &buf);
		if (r < 0 || n < 0) {
			char b[32];

			cr_diag("checkpoint %d failed: %s", c, ret_str(r < 0 ? r : n, b, sizeof(b)));
			close(img);
			torn++;
			break;
		}
		taken++;
		for (int w = 0; w < workers; w++)
			for (; applied[w] < lo[w]; applied[w]++)
				model_apply(&base[w], w, applied[w], sh->w[w].op[applied[w]]);
		ok = image_view(buf, n, ep, &v) && image_linearizable(&v, base, lo, hi, c);
		ok = round_trip(img, c) && ok;
		checked++;
		if (!ok)
			torn++;
		free(buf);
		close(img);
	}
	__atomic_store_n(&sh->stop, 1, __ATOMIC_RELAXED);
	for (int w = 0; w < workers; w++) {
		if (waitpid(pids[w], &st, 0) != pids[w] || !WIFEXITED(st) || WEXITSTATUS(st)) {
			cr_diag("worker %d failed (status %#x)", w, st);
			torn++;
		}
		raced += sh->w[w].done;
	}
	reap(holder);
	cr_diag("race-stress: %d checkpoints taken, %d images checked and restarted, %llu operations raced, %.1f s, %d failed",
		taken, checked, raced, now() - start, torn);
	if (torn)
		cr_diag("replay: the same command with --seed %llu; the race may take several runs to recur",
			(unsigned long long)seed);
	ktap_result(!torn && taken == checkpoints, "race-stress");
	return torn || taken < checkpoints ? 1 : 0;
}
