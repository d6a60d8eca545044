// SPDX-License-Identifier: GPL-2.0
/*
 * exec: runs a scenario's ops in the scenario process.  Each op that
 * has a result appends "L<line> <op> = <result>" to the shared trace; a
 * result that differs from the op's expectation adds "L<line> EXPECTED ...".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/futex.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cr-util.h"
#include "scn.h"

#define SCN_DIR "/dev/shm/scn"

void scn_futex_set(int *word, int val)
{
	__atomic_store_n(word, val, __ATOMIC_SEQ_CST);
	syscall(SYS_futex, word, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
}

void scn_futex_nap(int *word, long ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = ms % 1000 * 1000000 };

	syscall(SYS_futex, word, FUTEX_WAIT, 0, ms < 0 ? NULL : &ts, NULL, 0);
}

bool scn_futex_wait_nonzero(int *word, int timeout_s)
{
	for (int waited = 0; !__atomic_load_n(word, __ATOMIC_SEQ_CST); waited++) {
		if (waited >= timeout_s)
			return false;
		scn_futex_nap(word, 1000);
	}
	return true;
}

void scn_stop(struct scn_shared *sh, int at)
{
	sh->stop_at = at;
	__atomic_store_n(&sh->resumed, 0, __ATOMIC_SEQ_CST);
	scn_futex_set(&sh->stopped, 1);
	while (!__atomic_load_n(&sh->resumed, __ATOMIC_SEQ_CST))
		scn_futex_nap(&sh->resumed, -1);
}

/*
 * checkpoint() wants its task stopped.  A ptrace interrupt stops it
 * without a signal: it wakes the task, but signalfd_notify() runs only
 * for a signal sent.
 */
static int hold(pid_t pid, int *status)
{
	if (ptrace(PTRACE_SEIZE, pid, NULL, NULL) || ptrace(PTRACE_INTERRUPT, pid, NULL, NULL) ||
	    waitpid(pid, status, __WALL) != pid)
		return -1;
	if (WIFSTOPPED(*status) && *status >> 16 == PTRACE_EVENT_STOP)
		return 1;
	errno = EPROTO;
	return -1;
}

int scn_wait_stop(pid_t pid, struct scn_shared *sh, int *status)
{
	int held, err;
	pid_t w;

	for (;;) {
		if (__atomic_exchange_n(&sh->stopped, 0, __ATOMIC_SEQ_CST)) {
			held = hold(pid, status);
			if (held > 0)
				return held;
			/* Not left parked: a later scn_resume() would wake it. */
			err = errno;
			kill(pid, SIGKILL);
			waitpid(pid, NULL, __WALL);
			errno = err;
			return -1;
		}
		w = waitpid(pid, status, WNOHANG);
		if (w == pid)
			return 0;
		if (w < 0)
			return -1;
		scn_futex_nap(&sh->stopped, 20);
	}
}

void scn_resume(pid_t pid, struct scn_shared *sh)
{
	if (ptrace(PTRACE_DETACH, pid, NULL, NULL))
		cr_diag("PTRACE_DETACH of %d: %s", (int)pid, strerror(errno));
	scn_futex_set(&sh->resumed, 1);
}

void scn_child_setup(void)
{
	signal(SIGPIPE, SIG_IGN);
	close_range(SCN_FD_MIN, ~0U, 0);
}

static void sigset_of(uint64_t sigs, sigset_t *set)
{
	sigemptyset(set);
	for (int sig = 1; sig <= 64; sig++)
		if (sigs & (1ULL << (sig - 1)))
			sigaddset(set, sig);
}

void scn_block_signals(const struct scn *s)
{
	sigset_t set;

	sigset_of(s->sigs, &set);
	sigprocmask(SIG_BLOCK, &set, NULL);
}

void scn_carry_signals(const struct scn *s, uint64_t sigs)
{
	scn_block_signals(s);
	for (int sig = 1; sig <= 64; sig++)
		if (sigs & s->sigs & (1ULL << (sig - 1)))
			kill(getpid(), sig);
}

/* The signals of s->sigs pending in the calling process. */
static uint64_t pending_signals(const struct scn *s)
{
	uint64_t sigs = 0;
	sigset_t set;

	if (sigpending(&set))
		return 0;
	for (int sig = 1; sig <= 64; sig++)
		if (sigismember(&set, sig) == 1)
			sigs |= 1ULL << (sig - 1);
	return sigs & s->sigs;
}

struct tracer {
	struct scn_shared *sh;
	char res[SCN_MAX_WAIT * 30 + 64];
	size_t rlen;
};

static void res_add(struct tracer *t, const char *fmt, ...)
{
	va_list ap;

	if (t->rlen >= sizeof(t->res))
		return;
	va_start(ap, fmt);
	t->rlen += vsnprintf(t->res + t->rlen, sizeof(t->res) - t->rlen, fmt, ap);
	va_end(ap);
	if (t->rlen > sizeof(t->res))
		t->rlen = sizeof(t->res);
}

static void res_ret(struct tracer *t, long r)
{
	if (r < 0)
		res_add(t, "-%s", strerrorname_np(errno));
	else
		res_add(t, "%ld", r);
}

static void emit(struct tracer *t, const char *fmt, ...)
{
	struct scn_shared *sh = t->sh;
	va_list ap;
	int n;

	if (sh->len >= SCN_TRACE_MAX)
		return;
	va_start(ap, fmt);
	n = vsnprintf(sh->trace + sh->len, SCN_TRACE_MAX - sh->len, fmt, ap);
	va_end(ap);
	sh->len = n < 0 ? sh->len : sh->len + n;
	if (sh->len > SCN_TRACE_MAX)
		sh->len = SCN_TRACE_MAX;
}

/* A new fd must come out where the parser predicted it. */
static void created(struct tracer *t, long got, int want)
{
	res_ret(t, got);
	if (got >= 0 && got != want)
		res_add(t, " (predicted %d)", want);
}

/* pipe2() or socketpair(): the two ends, or the call's error. */
static void created_pair(struct tracer *t, long r, const int *fds, const struct scn_op *op)
{
	if (r < 0) {
		res_ret(t, r);
		return;
	}
	created(t, fds[0], op->fd);
	res_add(t, " ");
	created(t, fds[1], op->fd2);
}

/* Would a blocking read or write on fd block? */
static bool would_block(int fd, short ev)
{
	struct pollfd p = { .fd = fd, .events = ev };
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0 || (fl & O_NONBLOCK))
		return false;
	return poll(&p, 1, 0) == 0;
}

static void do_write(struct tracer *t, const struct scn_op *op)
{
	static char buf[65536];
	uint64_t v = op->n;
	long r;

	if (would_block(op->fd, POLLOUT)) {
		res_add(t, "would-block");
		return;
	}
	if (op->obj == OBJ_EVENTFD) {
		r = write(op->fd, &v, sizeof(v));
	} else {
		memset(buf, 'x', op->n);
		r = write(op->fd, buf, op->n);
	}
	res_ret(t, r);
}

static void do_read(struct tracer *t, const struct scn_op *op)
{
	static char buf[65536];
	uint64_t v = 0;
	long r;

	if (would_block(op->fd, POLLIN)) {
		res_add(t, "would-block");
		return;
	}
	if (op->obj == OBJ_EVENTFD || op->obj == OBJ_TIMERFD) {
		r = read(op->fd, &v, sizeof(v));
		res_ret(t, r);
		if (r == sizeof(v))
			res_add(t, " v=%llu", (unsigned long long)v);
	} else if (op->obj == OBJ_SIGNALFD) {
		struct signalfd_siginfo si;

		r = read(op->fd, &si, sizeof(si));
		res_ret(t, r);
		if (r == sizeof(si))
			res_add(t, " signo=%u", si.ssi_signo);
	} else {
		res_ret(t, read(op->fd, buf, op->n));
	}
}

static void do_wait(struct tracer *t, const struct scn_op *op)
{
	static struct epoll_event ev[SCN_MAX_WAIT];
	int n = epoll_wait(op->fd, ev, (int)op->n, 0);

	if (n < 0) {
		res_ret(t, n);
		return;
	}
	for (int i = 0; i < n; i++)
		res_add(t, "%s%llx:%x", i ? " " : "", (unsigned long long)ev[i].data.u64,
			ev[i].events);
}

static long ctl(int ep, int sub, int fd, uint32_t events, uint64_t data)
{
	struct epoll_event ev = { .events = events, .data.u64 = data };

	return epoll_ctl(ep, sub, fd, &ev);
}

static void do_fill(struct tracer *t, const struct scn_op *op)
{
	for (uint64_t i = 0; i < op->n; i++) {
		int fd = dup(op->fd2);

		if (fd < 0 || ctl(op->fd, EPOLL_CTL_ADD, fd, op->events, op->data + i) < 0) {
			res_add(t, "-%s@%llu", strerrorname_np(errno), (unsigned long long)i);
			return;
		}
	}
	res_add(t, "%llu", (unsigned long long)op->n);
}

static struct timespec ts_of(uint64_t ns)
{
	return (struct timespec){ .tv_sec = ns / 1000000000, .tv_nsec = ns % 1000000000 };
}

/* timerfd_settime; with abstime VALUE counts from the clock's now. */
static long settime(const struct scn_op *op)
{
	struct itimerspec its = { .it_interval = ts_of(op->interval) };
	uint64_t value = op->n;
	struct timespec now;

	if ((op->flags & SCN_ABSTIME) && value) {
		if (clock_gettime(op->clock, &now))
			return -1;
		value += (uint64_t)now.tv_sec * 1000000000 + now.tv_nsec;
	}
	its.it_value = ts_of(value);
	return timerfd_settime(op->fd, op->flags & SCN_ABSTIME ? TFD_TIMER_ABSTIME : 0,
			       &its, NULL);
}

static long do_signalfd(const struct scn_op *op)
{
	sigset_t set;

	sigset_of(op->sigs, &set);
	return signalfd(-1, &set, op->flags & SCN_NONBLOCK ? SFD_NONBLOCK : 0);
}

/* kill() each signal of op, ascending; the first error ends it. */
static long do_raise(const struct scn_op *op)
{
	for (int sig = 1; sig <= 64; sig++)
		if ((op->sigs & (1ULL << (sig - 1))) && kill(getpid(), sig))
			return -1;
	return 0;
}

static void do_sleep(const struct scn_op *op)
{
	struct timespec ts = ts_of(op->n);

	while (clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, &ts) == EINTR)
		;
}

/* socketpair's type and flags: SOCK_STREAM unless a flag names another. */
static int sock_type(const struct scn_op *op)
{
	int type = op->flags & SCN_DGRAM ? SOCK_DGRAM :
		   op->flags & SCN_SEQPACKET ? SOCK_SEQPACKET : SOCK_STREAM;

	return type | (op->flags & SCN_NONBLOCK ? SOCK_NONBLOCK : 0);
}

/* shutdown's how, by scn_op.sub (parse.c: rd, wr, rdwr). */
static const int shut_how[] = { SHUT_RD, SHUT_WR, SHUT_RDWR };

/* Performs op, its result in t->res; false if it has none. */
static bool run_op(struct tracer *t, const struct scn_op *op)
{
	struct epoll_params params;
	char path[128];
	int fds[2];

	t->rlen = 0;
	t->res[0] = 0;
	switch (op->kind) {
	case OP_EPOLL:
		created(t, epoll_create1(op->flags & SCN_CLOEXEC ? EPOLL_CLOEXEC : 0), op->fd);
		break;
	case OP_EVENTFD:
		created(t, eventfd(op->n, (op->flags & SCN_NONBLOCK ? EFD_NONBLOCK : 0) |
				   (op->flags & SCN_SEMAPHORE ? EFD_SEMAPHORE : 0)), op->fd);
		break;
	case OP_PIPE:
		created_pair(t, pipe2(fds, op->flags & SCN_NONBLOCK ? O_NONBLOCK : 0), fds, op);
		break;
	case OP_SOCKETPAIR:
		created_pair(t, socketpair(AF_UNIX, sock_type(op), 0, fds), fds, op);
		break;
	case OP_FILE:
		mkdir(SCN_DIR, 0700);
		snprintf(path, sizeof(path), SCN_DIR "/%s", op->path);
		created(t, open(path, O_RDWR | O_CREAT | O_TRUNC, 0600), op->fd);
		break;
	case OP_DUP:
		created(t, dup(op->fd2), op->fd);
		break;
	case OP_DUP2:
		created(t, dup2(op->fd2, op->fd), op->fd);
		break;
	case OP_CLOSE:
		res_ret(t, close(op->fd));
		break;
	case OP_SHUTDOWN:
		res_ret(t, shutdown(op->fd, shut_how[op->sub]));
		break;
	case OP_CTL:
		res_ret(t, ctl(op->fd, op->sub, op->fd2, op->events, op->data));
		break;
	case OP_FILL:
		do_fill(t, op);
		break;
	case OP_WRITE:
		do_write(t, op);
		break;
	case OP_READ:
		do_read(t, op);
		break;
	case OP_WAIT:
		do_wait(t, op);
		break;
	case OP_TIMERFD:
		created(t, timerfd_create(op->clock, op->flags & SCN_NONBLOCK ? TFD_NONBLOCK : 0),
			op->fd);
		break;
	case OP_SETTIME:
		res_ret(t, settime(op));
		break;
	case OP_SIGNALFD:
		created(t, do_signalfd(op), op->fd);
		break;
	case OP_RAISE:
		res_ret(t, do_raise(op));
		break;
	case OP_SLEEP:
		do_sleep(op);
		return false;
	case OP_PARAMS:
		memset(&params, 0, sizeof(params));
		params.busy_poll_usecs = op->n;
		params.busy_poll_budget = op->budget;
		params.prefer_busy_poll = op->prefer;
		res_ret(t, ioctl(op->fd, EPIOCSPARAMS, &params));
		break;
	/* No default: a new op of scenarios/ops.table must be handled here. */
	case OP_SEED:
	case OP_CATEGORY:
	case OP_CHECKPOINT:
		return false;
	}
	return true;
}

static void do_op(struct tracer *t, const struct scn_op *op)
{
	if (op->outside || !run_op(t, op))
		return;
	emit(t, "L%d %s = %.*s\n", op->line, op->text, (int)t->rlen, t->res);
	if (op->expect && (strlen(op->expect) != t->rlen ||
			   memcmp(op->expect, t->res, t->rlen)))
		emit(t, "L%d EXPECTED %s\n", op->line, op->expect);
}

/*
 * The outside task: runs the queued outside ops, lead first, the rest on
 * "go", each where the kernel's interleave control releases it if the
 * runner gates them (scn_shared.gated), else as fast as it can.  In a
 * prefix run all helper_limit ops come before the checkpoint.
 */
static void helper(const struct scn *s, const struct scn_op *cp, struct scn_shared *sh)
{
	struct tracer *t = calloc(1, sizeof(*t));
	int limit = sh->helper_limit, lead = sh->helper_prefix ? limit : (int)cp->n;
	int gate = -1;

	if (lead > limit)
		lead = limit;
	for (int i = 0; i < limit; i++) {
		const struct scn_op *h = &s->ops[s->hops[i]];

		if (i == lead) {
			if (sh->gated)
				gate = open(SCN_INTERLEAVE, O_WRONLY);
			scn_futex_set(&sh->helper_ready, 1);
			scn_futex_wait_nonzero(&sh->helper_go, 3600);
		}
		/* -ESRCH: the checkpoint ended before releasing us again. */
		if (i >= lead && sh->gated && (gate < 0 || write(gate, "park", 4) != 4))
			break;
		t->sh = sh;
		run_op(t, h);
		__atomic_add_fetch(&sh->progress, 1, __ATOMIC_SEQ_CST);
	}
	if (lead == limit) {
		scn_futex_set(&sh->helper_ready, 1);
		scn_futex_wait_nonzero(&sh->helper_go, 3600);
	}
	scn_futex_set(&sh->helper_done, 1);
	_exit(0);
}

void scn_exec(const struct scn *s, int from, const bool *stop, struct scn_shared *sh)
{
	struct tracer *t = calloc(1, sizeof(*t));
	pid_t h;

	t->sh = sh;
	scn_block_signals(s);
	for (int i = from; i <= s->nops; i++) {
		if (stop[i] && i != from) {
			h = -1;
			if (i == s->helper_cp) {
				/*
				 * fork() without SIGCHLD at its exit: the
				 * runner traces this process meanwhile, and
				 * a traced one is sent even an ignored signal
				 * (which wakes its signalfds' items).  No
				 * atfork handlers run, so helper() uses no
				 * pthread calls.
				 */
				h = syscall(SYS_clone, 0, NULL, NULL, NULL, NULL);
				if (h == 0)
					helper(s, &s->ops[i], sh);
			}
			sh->pending = pending_signals(s);
			scn_stop(sh, i);
			if (h > 0)
				waitpid(h, NULL, __WCLONE);
		}
		if (i == s->nops)
			break;
		do_op(t, &s->ops[i]);
	}
	free(t);
}
