// SPDX-License-Identifier: GPL-2.0
/*
 * image-fuzz: feeds mutated checkpoint images to restart(2).
 * Boot it with harness/launch/uml-run:
 *
 *   harness/launch/uml-run [--seed S] build/harness/image-fuzz [N] [--one I]
 *
 * Images of a few seed states (pipes with data, eventfds, epoll sets with
 * items, one nested, a regular file, timerfds and a signalfd, UNIX socket
 * pairs) are mutated by the engine the KUnit suite checkpoint_fuzz shares
 * (kunit/fs/checkpoint/tests/image_mutate.c, built here against
 * image-mutate-compat.h): mutation I of seed S is one of its kinds, bit
 * flips to stacked mutations, and a trailer repair, drawn from a PRNG
 * seeded by (S, I) alone, so it is a pure function of (S, I); I uses seed
 * state I % NSEEDS.  A restorer, alone with its image and a handle on
 * /proc/self/fd, calls restart() on each mutated image, and checks:
 *
 *   - restart fails with an errno and the fd table is unchanged, or
 *   - it succeeds, and every fd of the image's fd records is open with
 *     its close-on-exec flag and nothing else appeared; each restored fd
 *     is then polled once (epoll_wait, timeout 0) and closed.
 *
 * The run happens in a private tmpfs it chroots into (with /proc), so a
 * mutated path names nothing outside it.  KTAP out: one case per seed
 * state; stdout depends only on SEED and N.  The rate goes to stderr.
 * --one I replays mutation I alone and prints what it was.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <poll.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cr-util.h"
#include "fd-table.h"
#include "image_mutate.h"

#define JAIL "/dev/shm/image-fuzz"
#define DIR_FD (CR_IMAGE_FD + 1)
#define MAX_OPEN 1100		/* fds restart may install: below RLIMIT_NOFILE */
#define MAX_IMAGE 65536
#define MAX_PRINTED 10		/* violations printed in full per seed state */
#define WATCHDOG_S 60		/* no progress for this long: a hang */
/* Room a mutated image may need beyond its input (duplicated records). */
#define MUTATE_SLACK 16384

/* Seed states, all at fds 10 and up. */

static int build_pipes(void *arg)
{
	unsigned char big[5000];

	(void)arg;
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = pattern_byte(i, 2);
	if (!pipe_at(10, 11) || !write_all(11, "hello", 5) || !pipe_at(12, 13) ||
	    !write_all(13, big, sizeof(big)) || !pipe_at(14, 15))
		return 1;
	close(15);		/* a pipe with its write end closed */
	return place_fd(fcntl(10, F_DUPFD_CLOEXEC, 16), 16) ? 0 : 1;
}

static int build_eventfds(void *arg)
{
	(void)arg;
	return place_fd(eventfd(42, 0), 10) &&
	       place_fd(eventfd(3, EFD_SEMAPHORE | EFD_NONBLOCK | EFD_CLOEXEC), 11) &&
	       place_fd(dup(10), 12) ? 0 : 1;
}

/*
 * Pipe 10/11 with data, eventfd 12, epoll 13 with items on both pipe ends,
 * the eventfd (one-shot), and an item whose fd (17) now holds another file
 * (the eventfd stays reachable at 18); epoll 14 nests 13, epoll 15 nests
 * 14; the regular file /file at 16.
 */
static int build_epoll(void *arg)
{
	(void)arg;
	if (!pipe_at(10, 11) || !write_all(11, "data", 4) ||
	    !place_fd(eventfd(1, 0), 12) || !place_fd(epoll_create1(0), 13) ||
	    !place_fd(epoll_create1(EPOLL_CLOEXEC), 14) ||
	    !place_fd(epoll_create1(0), 15) ||
	    !place_fd(open("/file", O_RDWR), 16) || lseek(16, 7, SEEK_SET) != 7 ||
	    !place_fd(eventfd(7, EFD_NONBLOCK), 17) || dup2(17, 18) != 18)
		return 1;
	if (!epoll_add(13, 10, EPOLLIN | EPOLLET, 0x1010) ||
	    !epoll_add(13, 11, EPOLLOUT, 0x1111) ||
	    !epoll_add(13, 12, EPOLLIN | EPOLLONESHOT, 0x1212) ||
	    !epoll_add(13, 17, EPOLLIN, 0x1717) || !epoll_add(14, 13, EPOLLIN, 0x1313) ||
	    !epoll_add(15, 14, EPOLLIN, 0x1414) || !epoll_add(15, 12, EPOLLOUT, 0x1515))
		return 1;
	return dup2(10, 17) == 17 ? 0 : 1;
}

/*
 * Timers whose image bytes do not depend on when it is taken: absolute
 * deadlines (monotonic, periodic; realtime, cancel-on-set) far ahead, and
 * a one-shot that has expired once; signalfd 13; epoll 14 over them all.
 */
static int build_timers(void *arg)
{
	struct pollfd expired = { .fd = 12, .events = POLLIN };
	sigset_t mask;

	(void)arg;
	sigemptyset(&mask);
	sigaddset(&mask, SIGUSR1);
	sigaddset(&mask, SIGUSR2);
	if (!timerfd_at(10, CLOCK_MONOTONIC, TFD_TIMER_ABSTIME,
		      1000000000000000LL, 1000000000LL) ||
	    !timerfd_at(11, CLOCK_REALTIME,
		      TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET,
		      4000000000000000000LL, 0) ||
	    !timerfd_at(12, CLOCK_MONOTONIC, 0, 1, 0) ||
	    !expect(poll(&expired, 1, 5000) == 1, "timerfd 12 did not expire") ||
	    !place_fd(signalfd(-1, &mask, SFD_NONBLOCK), 13) ||
	    !place_fd(epoll_create1(0), 14))
		return 1;
	return epoll_add(14, 10, EPOLLIN, 0x1010) &&
	       epoll_add(14, 12, EPOLLIN | EPOLLET, 0x1212) &&
	       epoll_add(14, 13, EPOLLIN, 0x1313) ? 0 : 1;
}

/*
 * Socket pairs: a stream one at 10/11 with bytes each way, a datagram one
 * at 12/13 with an empty message and a shutdown, a seqpacket end at 14
 * whose peer closed with a message unread; epoll 15 over 10 and 14.
 */
static int build_sockets(void *arg)
{
	int sv[2], dg[2], sp[2];

	(void)arg;
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) || socketpair(AF_UNIX, SOCK_DGRAM, 0, dg) ||
	    socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sp)) {
		expect(false, "socketpair: %s", strerror(errno));
		return 1;
	}
	if (!place_fd(sv[0], 10) || !place_fd(sv[1], 11) || !place_fd(dg[0], 12) ||
	    !place_fd(dg[1], 13) || !place_fd(sp[0], 14) || !place_fd(epoll_create1(0), 15))
		return 1;
	if (!write_all(11, "stream", 6) || !write_all(10, "back", 4) ||
	    send(13, "", 0, 0) != 0 || !write_all(13, "dgram", 5) || shutdown(12, SHUT_WR) ||
	    !write_all(14, "unread", 6) || close(sp[1]))
		return 1;
	return epoll_add(15, 10, EPOLLIN | EPOLLET, 0x1010) &&
	       epoll_add(15, 14, EPOLLIN | EPOLLRDHUP, 0x1414) ? 0 : 1;
}

static struct seed_state {
	const char *name;
	cr_build_fn build;
	unsigned char *img;
	size_t len;
} seeds[] = {
	{ "pipes", build_pipes, NULL, 0 },
	{ "eventfds", build_eventfds, NULL, 0 },
	{ "epoll", build_epoll, NULL, 0 },
	{ "timers", build_timers, NULL, 0 },
	{ "sockets", build_sockets, NULL, 0 },
};

#define NSEEDS ((long)(sizeof(seeds) / sizeof(seeds[0])))

/* What the restorer shares with its parent. */
struct progress {
	volatile long current;		/* mutation being restarted, -1 for the seed */
	volatile long done;
};

static unsigned long long seed_value = 1;

/* The open fds, from /proc/self/fd through DIR_FD; ascending. */
static int fds_read(int *fds)
{
	char buf[8192];
	int n = 0;
	long got;

	if (lseek(DIR_FD, 0, SEEK_SET) < 0)
		return -1;
	while ((got = syscall(SYS_getdents64, DIR_FD, buf, sizeof(buf))) > 0) {
		for (long pos = 0; pos < got;) {
			struct dirent64 *d = (struct dirent64 *)(buf + pos);

			if (d->d_name[0] != '.' && n < MAX_OPEN)
				fds[n++] = atoi(d->d_name);
			pos += d->d_reclen;
		}
		/* Room left: the directory ended (saves a syscall a call). */
		if (got < (long)sizeof(buf) - 512)
			break;
	}
	if (got < 0)
		return -1;
	for (int i = 1; i < n; i++)	/* insertion sort: nearly sorted */
		for (int j = i; j > 0 && fds[j - 1] > fds[j]; j--) {
			int t = fds[j];

			fds[j] = fds[j - 1];
			fds[j - 1] = t;
		}
	return n;
}

static const char *fds_str(const int *fds, int n, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (int i = 0; i < n && used + 12 < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s%d", i ? " " : "", fds[i]);
	return buf;
}

struct expected_fd {
	int fd;
	bool cloexec;
};

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

/* The fds the image's FD records install (skipped ones left out). */
static int image_fds(const unsigned char *buf, size_t len, struct expected_fd *out)
{
	const size_t first = offsetof(struct ckpt_rec_fd, entries);
	struct ckpt_rec_fd r;
	struct ckpt_fd_entry e;
	int n = 0;

	for (size_t pos = 0; len - pos >= sizeof(r.h); pos += r.h.len) {
		memcpy(&r.h, buf + pos, sizeof(r.h));
		if (r.h.len < sizeof(r.h) || r.h.len % 8 || r.h.len > len - pos)
			break;
		if (r.h.type != CKPT_REC_FD || r.h.len < first)
			continue;
		memcpy(&r, buf + pos, first);
		for (size_t i = 0; i < r.count && n < MAX_OPEN &&
		     first + (i + 1) * sizeof(e) <= r.h.len; i++) {
			memcpy(&e, buf + pos + first + i * sizeof(e), sizeof(e));
			if (!(e.flags & CKPT_FD_SKIPPED))
				out[n++] = (struct expected_fd){
					e.fd, (e.flags & CKPT_FD_CLOEXEC) != 0,
				};
		}
	}
	return n;
}

/*
 * After a successful restart: the table is base plus the image's fds,
 * each with its close-on-exec flag.  Then polls and closes them.
 */
static bool check_restored(const unsigned char *img, size_t len,
			   const int *base, int nbase, char *why, size_t wlen)
{
	static struct expected_fd want[MAX_OPEN];
	static int expect_fds[MAX_OPEN + 8], now[MAX_OPEN];
	struct epoll_event ev[8];
	int nw = image_fds(img, len, want), ne = 0, nn;
	char a[512], b[512];
	bool ok = true;

	memcpy(expect_fds, base, sizeof(int) * (size_t)nbase);
	ne = nbase;
	for (int i = 0; i < nw; i++)
		expect_fds[ne++] = want[i].fd;
	qsort(expect_fds, (size_t)ne, sizeof(int), cmp_int);
	nn = fds_read(now);
	if (nn != ne || memcmp(now, expect_fds, sizeof(int) * (size_t)ne)) {
		snprintf(why, wlen, "restart succeeded; expected fds [%s], got [%s]",
			 fds_str(expect_fds, ne, a, sizeof(a)), fds_str(now, nn, b, sizeof(b)));
		ok = false;
	}
	for (int i = 0; ok && i < nw; i++) {
		int fl = fcntl(want[i].fd, F_GETFD);

		if (fl < 0 || !!(fl & FD_CLOEXEC) != want[i].cloexec) {
			snprintf(why, wlen, "restart succeeded; fd %d: F_GETFD gives %d, image says cloexec %d",
				 want[i].fd, fl, want[i].cloexec);
			ok = false;
		}
	}
	for (int i = 0; i < nw; i++)
		epoll_wait(want[i].fd, ev, 8, 0);	/* EINVAL unless epoll */
	close_range(3, CR_IMAGE_FD - 1, 0);
	close_range(DIR_FD + 1, ~0U, 0);
	return ok;
}

struct tally {
	long runs, restored, violations;
	long err[4096];
};

static void report(const char *name, long index, const char *desc, const char *why)
{
	cr_diag("%s: mutation %ld (seed %llu) broke the invariant: %s", name, index,
		seed_value, why);
	cr_diag("  mutation: %s", desc);
	cr_diag("  replay: harness/launch/uml-run [--kernel K] --seed %llu build/harness/image-fuzz --one %ld",
		seed_value, index);
}

/* One restart of img; false (why filled in) if the invariant broke. */
static bool try_one(const unsigned char *img, size_t len, const int *base,
		    int nbase, struct tally *t, char *why, size_t wlen)
{
	static int now[MAX_OPEN];
	char a[512], b[512];
	long ret;
	int nn;

	if (!image_fill(CR_IMAGE_FD, img, len)) {
		snprintf(why, wlen, "could not write the image");
		return false;
	}
	ret = sys_restart(CR_IMAGE_FD, 0);
	t->runs++;
	if (ret >= 0) {
		t->restored++;
		return check_restored(img, len, base, nbase, why, wlen);
	}
	if (ret < -4095) {
		snprintf(why, wlen, "restart returned %ld, not an errno", ret);
		return false;
	}
	t->err[-ret]++;
	nn = fds_read(now);
	if (nn != nbase || memcmp(now, base, sizeof(int) * (size_t)nbase)) {
		snprintf(why, wlen, "restart failed with %s; fd table was [%s], now [%s]",
			 ret_str(ret, a, sizeof(a)), fds_str(base, nbase, b, sizeof(b)),
			 fds_str(now, nn, a, sizeof(a)));
		close_range(3, CR_IMAGE_FD - 1, 0);
		close_range(DIR_FD + 1, ~0U, 0);
		return false;
	}
	return true;
}

/* The engine's PRNG state for mutation index of the run's seed. */
static void mutation_rng(struct rnd_state *st, uint64_t index)
{
	uint64_t x = seed_value * 0x9e3779b97f4a7c15ULL ^ (index + 1) * 0xbf58476d1ce4e5b9ULL;
	uint32_t w[4];

	for (int i = 0; i < 4; i++) {	/* splitmix64 */
		uint64_t z = (x += 0x9e3779b97f4a7c15ULL);

		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
		w[i] = (uint32_t)(z ^ (z >> 31));
	}
	/* LFSR113's minimum seeds, as prandom_seed_state() keeps them */
	st->s1 = __seed(w[0], 2U);
	st->s2 = __seed(w[1], 8U);
	st->s3 = __seed(w[2], 16U);
	st->s4 = __seed(w[3], 128U);
}

/*
 * Mutation index: the seed state's image with one of the engine's
 * mutations (IMUT_OP_BITFLIP to IMUT_OP_STACKED, the last one stacking
 * 2-4 of any kind, truncations included), then imut_finish()'s trailer
 * repair, or none.
 */
static size_t make_mutation(long index, unsigned char *buf, char *desc, size_t dlen)
{
	static unsigned char tmp[MAX_IMAGE + MUTATE_SLACK];
	static struct imut_field fields[IMUT_MAX_FIELDS];
	const struct seed_state *s = &seeds[index % NSEEDS];
	struct rnd_state rnd;
	struct imut m = {
		.rnd = &rnd, .buf = buf, .cap = (u32)(s->len + MUTATE_SLACK),
		.tmp = tmp, .fields = fields,
	};

	mutation_rng(&rnd, (uint64_t)index);
	imut_reset(&m, s->img, (u32)s->len);
	imut_mutate(&m, (enum imut_op)imut_below(&m, IMUT_OP_STACKED + 1));
	imut_finish(&m);
	snprintf(desc, dlen, "%s", m.desc);
	return m.len;
}

/*
 * The restorer for seed state si: mutations first..n-1 in steps of NSEEDS
 * (only `first` if one).  Exits 0 iff no invariant broke.
 */
static int restorer(long si, long first, long n, bool one, struct progress *p)
{
	static unsigned char buf[MAX_IMAGE + MUTATE_SLACK];
	static struct tally t;
	static int base[MAX_OPEN];
	static struct fd_table base_table, now_table;
	const struct seed_state *s = &seeds[si];
	char desc[512], why[1200], e[32];
	int nbase, img = memfd_create("image-fuzz", 0);
	bool ok;

	if (img < 0 || !place_fd(img, CR_IMAGE_FD) ||
	    !place_fd(open("/proc/self/fd", O_RDONLY | O_DIRECTORY), DIR_FD))
		return 1;
	close_range(3, CR_IMAGE_FD - 1, 0);
	close_range(DIR_FD + 1, ~0U, 0);
	nbase = fds_read(base);
	if (nbase < 0 || !fd_table_read(&base_table))
		return expect(false, "reading /proc/self/fd: %s", strerror(errno)) ? 0 : 1;

	p->current = -1;
	ok = try_one(s->img, s->len, base, nbase, &t, why, sizeof(why));
	if (!ok || t.restored != 1) {
		for (int i = 1; ok && i < 4096; i++)
			if (t.err[i])
				snprintf(why, sizeof(why), "restart failed with %s",
					 ret_str(-i, e, sizeof(e)));
		cr_diag("%s: the unmutated seed image does not restore: %s",
			s->name, why);
		return 1;
	}
	memset(&t, 0, sizeof(t));

	for (long i = first; i < n; i += NSEEDS) {
		size_t len = make_mutation(i, buf, desc, sizeof(desc));

		p->current = i;
		ok = try_one(buf, len, base, nbase, &t, why, sizeof(why));
		/* Now and then the files and flags too, not only the numbers. */
		if (ok && (one || (i / NSEEDS) % 16 == 0) &&
		    (!fd_table_read(&now_table) || !fd_table_equal(&base_table, &now_table))) {
			snprintf(why, sizeof(why), "the files or fd flags of the restorer's own fds changed");
			ok = false;
		}
		if (one)
			cr_diag("%s: mutation %ld: %s: %s", s->name, i, desc,
				ok ? (t.restored ? "restored, checks passed" : "refused, fd table unchanged") : why);
		if (!ok && t.violations++ < MAX_PRINTED)
			report(s->name, i, desc, why);
		p->done++;
		if (one)
			break;
	}
	if (!one) {
		char line[1024];
		size_t used;

		used = (size_t)snprintf(line, sizeof(line), "%s: %ld mutations: %ld refused, %ld restored; errnos:",
					s->name, t.runs, t.runs - t.restored, t.restored);
		for (int i = 1; i < 4096 && used < sizeof(line) - 40; i++)
			if (t.err[i])
				used += (size_t)snprintf(line + used, sizeof(line) - used, " %s %ld",
							 ret_str(-i, e, sizeof(e)), t.err[i]);
		cr_diag("%s", line);
	}
	if (t.violations > MAX_PRINTED)
		cr_diag("%s: %ld more violations not shown", s->name, t.violations - MAX_PRINTED);
	return t.violations ? 1 : 0;
}

/* Runs one seed state's restorer, watching it for a hang or a crash. */
static bool run_seed(long si, long first, long n, bool one, struct progress *p)
{
	long last = -2, idle = 0;
	char desc[512];
	unsigned char *buf;
	int status;
	pid_t pid;

	p->current = -2;
	p->done = 0;
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return expect(false, "fork: %s", strerror(errno));
	if (pid == 0)
		_exit(restorer(si, first, n, one, p));
	while (waitpid(pid, &status, WNOHANG) == 0) {
		sleep(1);
		idle = p->done == last ? idle + 1 : 0;
		last = p->done;
		if (idle >= WATCHDOG_S) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			cr_diag("%s: no progress for %d s", seeds[si].name, WATCHDOG_S);
			break;
		}
	}
	if (WIFEXITED(status) && idle < WATCHDOG_S)
		return WEXITSTATUS(status) == 0;
	if (WIFSIGNALED(status) && idle < WATCHDOG_S)
		cr_diag("%s: the restorer was killed by signal %d (%s)", seeds[si].name,
			WTERMSIG(status), strsignal(WTERMSIG(status)));
	if (p->current >= 0) {
		buf = malloc(MAX_IMAGE + MUTATE_SLACK);
		if (buf)
			make_mutation(p->current, buf, desc, sizeof(desc));
		report(seeds[si].name, p->current, buf ? desc : "(out of memory)",
		       "restorer died or hung in restart");
		free(buf);
	} else {
		cr_diag("%s: the restorer died %s", seeds[si].name,
			p->current == -1 ? "restarting the unmutated seed image" :
			"before its first restart");
	}
	return false;
}

/* A private tmpfs with /proc and /file, as the root of everything after. */
static bool enter_jail(void)
{
	if ((mkdir(JAIL, 0755) && errno != EEXIST) ||
	    mount("tmpfs", JAIL, "tmpfs", 0, "size=64m,mode=0755") ||
	    chroot(JAIL) || chdir("/") || mkdir("/proc", 0555) ||
	    mount("proc", "/proc", "proc", 0, NULL))
		return expect(false, "setting up the tmpfs root at %s: %s", JAIL,
			      strerror(errno));
	return make_file("/file", 256, 1);
}

static bool make_seed_images(void)
{
	for (long i = 0; i < NSEEDS; i++) {
		int img = checkpoint_child(seeds[i].build, NULL, CHECKPOINT_SKIP_UNSUPPORTED);
		ssize_t len;

		if (img < 0)
			return expect(false, "seed state %s: no image", seeds[i].name);
		len = image_load(img, &seeds[i].img);
		close(img);
		if (len <= 0 || len > MAX_IMAGE)
			return expect(false, "seed state %s: image of %zd bytes", seeds[i].name, len);
		seeds[i].len = (size_t)len;
	}
	return true;
}

/* Booted with time-travel=inf-cpu: CLOCK_MONOTONIC says nothing of speed. */
static bool time_travels(void)
{
	char cmdline[4096] = "";
	int fd = open("/proc/cmdline", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, cmdline, sizeof(cmdline) - 1);

	if (fd >= 0)
		close(fd);
	if (n > 0)
		cmdline[n] = '\0';
	return strstr(cmdline, "time-travel=inf-cpu") != NULL;
}

static bool parse_long(const char *s, long *out)
{
	char *end;

	errno = 0;
	*out = strtol(s, &end, 10);
	return !errno && *s && !*end && *out >= 0;
}

int main(int argc, char **argv)
{
	long n = 10000, one = -1;
	const char *env = getenv("SEED");
	struct timespec t0, t1;
	struct progress *p;
	long failed = 0;
	double secs;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--one") && i + 1 < argc) {
			if (!parse_long(argv[++i], &one)) {
				fprintf(stderr, "image-fuzz: --one needs a mutation number, not '%s'\n", argv[i]);
				return 2;
			}
		} else if (!parse_long(argv[i], &n)) {
			fprintf(stderr, "image-fuzz: usage: image-fuzz [N] [--one I]; '%s' is not a count\n", argv[i]);
			return 2;
		}
	}
	if (env) {
		char *end;

		errno = 0;
		seed_value = strtoull(env, &end, 10);
		if (errno || !*env || *end) {
			fprintf(stderr, "image-fuzz: SEED='%s' is not a number\n", env);
			return 2;
		}
	}
	close_range(3, ~0U, 0);
	p = mmap(NULL, sizeof(*p), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ktap_plan(one >= 0 ? 1 : (int)NSEEDS);
	if (p == MAP_FAILED || !enter_jail() || !make_seed_images()) {
		ktap_result(false, "setup");
		return 1;
	}
	if (one >= 0)
		return ktap_result(run_seed(one % NSEEDS, one, one + 1, true, p), "replay") ? 0 : 1;

	cr_diag("image-fuzz: seed %llu, %ld mutations", seed_value, n);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (long si = 0; si < NSEEDS; si++) {
		char name[64];

		snprintf(name, sizeof(name), "fuzz_%s", seeds[si].name);
		failed += !ktap_result(run_seed(si, si, n, false, p), name);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	cr_diag("image-fuzz: seed %llu: %ld mutations, %s", seed_value, n,
		failed ? "invariant broken (see above)" : "invariant held");
	if (time_travels())
		fprintf(stderr, "image-fuzz: seed %llu: %ld mutations; no rate: under time-travel=inf-cpu no time passes while the CPU works (uml-run --realtime gives one)\n",
			seed_value, n);
	else if (secs > 0.001)
		fprintf(stderr, "image-fuzz: seed %llu: %ld mutations in %.1f s: %.0f mutations/s\n",
			seed_value, n, secs, (double)n / secs);
	else
		fprintf(stderr, "image-fuzz: seed %llu: %ld mutations; no time passed inside UML (time travel), so no rate\n",
			seed_value, n);
	return failed ? 1 : 0;
}
