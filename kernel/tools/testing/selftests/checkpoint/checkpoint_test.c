// SPDX-License-Identifier: GPL-2.0
/*
 * checkpoint(2)/restart(2) of a task's file table, end to end.
 *
 * Each test spawns a child that builds some state at fixed fd numbers
 * (10 and up), stops itself, and is checkpointed into a memfd with
 * CHECKPOINT_SKIP_UNSUPPORTED (fds 0-2 are the console or whatever the
 * runner gave).  A fresh restorer whose only fds are 0-2 and the image (at
 * CR_IMAGE_FD) then calls restart() and checks what it got.  The test
 * process keeps only 0-2 and the images of the test at hand.
 *
 * The checks that run in a forked restorer or target are bool helpers
 * that log what they expected ("# ..."); the test asserts on them.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <poll.h>
#include <time.h>
#include <unistd.h>

#include "../kselftest_harness.h"
#include "cr_util.h"

#define SKIPU CHECKPOINT_SKIP_UNSUPPORTED
#define SUBTREE CHECKPOINT_SUBTREE
#define FL_MASK (O_ACCMODE | O_APPEND | O_NONBLOCK)
#define SHM "/dev/shm/checkpoint_test-"

/* Shared pieces */

static bool restart_ok(void)
{
	return expect_success("restart", sys_restart(CR_IMAGE_FD, 0));
}

/* Checkpoint into img from offset 0, dropping what a previous call wrote. */
static long ckpt(pid_t pid, int img, unsigned long flags)
{
	if (ftruncate(img, 0) < 0 || lseek(img, 0, SEEK_SET) < 0)
		return -errno;
	return sys_checkpoint(pid, img, flags);
}

/* Build, checkpoint with SKIP_UNSUPPORTED, restore and check. */
static bool roundtrip(cr_build_fn build, void *barg, cr_check_fn check,
		      void *carg)
{
	int img = checkpoint_child(build, barg, SKIPU);
	bool ok;

	if (img < 0)
		return false;
	ok = run_restorer(img, check, carg);
	close(img);
	return ok;
}

/* The pipe read end at fd holds exactly len bytes equal to want. */
static bool expect_pipe_content(int fd, const void *want, size_t len)
{
	unsigned char buf[16384];
	ssize_t n = drain(fd, buf, sizeof(buf));

	if (n < 0)
		return expect_ret("reading the restored pipe", n, (long)len);
	return expect((size_t)n == len && !memcmp(buf, want, len),
		      "fd %d: expected %zu buffered bytes, got %zd%s", fd, len,
		      n, (size_t)n == len ? " with other content" : "");
}

static bool expect_closed(int fd)
{
	char what[64];

	snprintf(what, sizeof(what), "fcntl(%d, F_GETFD) (not in the image)", fd);
	return expect_ret(what, sysret(fcntl(fd, F_GETFD)), -EBADF);
}

static bool expect_read_u64(int fd, uint64_t want, const char *what)
{
	uint64_t v = 0;

	if (!expect_ret(what, sysret(read(fd, &v, sizeof(v))), sizeof(v)))
		return false;
	return expect(v == want, "%s: expected value %#llx, got %#llx", what,
		      (unsigned long long)want, (unsigned long long)v);
}

static void fill_pattern(unsigned char *buf, size_t len, unsigned int seed)
{
	for (size_t i = 0; i < len; i++)
		buf[i] = pattern_byte(i, seed);
}

/* A file opened with flags at offset pos; -1 on error. */
static int open_at(const char *path, int flags, off_t pos)
{
	int fd = open(path, flags);

	if (fd >= 0 && lseek(fd, pos, SEEK_SET) != pos) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Pipe 10/11 with data, eventfd 12 with count 42. */
static const char std_data[] = "standard pipe data";

static int build_standard(void *arg)
{
	(void)arg;
	return pipe_at(10, 11) && write_all(11, std_data, strlen(std_data)) &&
	       place_fd(eventfd(42, 0), 12) ? 0 : 1;
}

/* pipe_data_roundtrip */

static const char hello[] = "hello world";
static const size_t chunk_lens[] = { 1, 100, 5000 };
#define CHUNKS_TOTAL 5101

static int build_pipe_data(void *arg)
{
	unsigned char buf[CHUNKS_TOTAL];
	size_t off = 0;

	(void)arg;
	if (!pipe_at(10, 11) || !write_all(11, hello, strlen(hello)) ||
	    !pipe_at(12, 13))
		return 1;
	fill_pattern(buf, sizeof(buf), 1);
	for (size_t i = 0; i < 3; off += chunk_lens[i++])
		if (!write_all(13, buf + off, chunk_lens[i]))
			return 1;
	return 0;
}

static bool check_pipe_data(void *arg)
{
	unsigned char want[CHUNKS_TOTAL];
	bool ok;

	(void)arg;
	if (!restart_ok())
		return false;
	fill_pattern(want, sizeof(want), 1);
	ok = expect_pipe_content(10, hello, strlen(hello));
	return expect_pipe_content(12, want, sizeof(want)) && ok;
}

/* pipe_capacity_kept: a grown pipe at 10/11, a shrunk one at 12/13. */

#define BIG_PIPE (65536 * 2)
#define SMALL_PIPE 4096

static bool set_pipe_size(int fd, int size)
{
	return expect(fcntl(fd, F_SETPIPE_SZ, size) >= 0 &&
		      fcntl(fd, F_GETPIPE_SZ) == size,
		      "F_SETPIPE_SZ %d on fd %d did not take: %s", size, fd,
		      strerror(errno));
}

static int build_pipe_capacity(void *arg)
{
	(void)arg;
	return pipe_at(10, 11) && set_pipe_size(11, BIG_PIPE) &&
	       write_all(11, "big", 3) && pipe_at(12, 13) &&
	       set_pipe_size(12, SMALL_PIPE) && write_all(13, "small", 5) ? 0 : 1;
}

static bool check_pipe_capacity(void *arg)
{
	static const int want[] = { BIG_PIPE, BIG_PIPE, SMALL_PIPE, SMALL_PIPE };
	char what[64];
	bool ok = true;

	(void)arg;
	if (!restart_ok())
		return false;
	for (int fd = 10; fd <= 13; fd++) {
		snprintf(what, sizeof(what), "F_GETPIPE_SZ on fd %d", fd);
		ok &= expect_ret(what, sysret(fcntl(fd, F_GETPIPE_SZ)),
				 want[fd - 10]);
	}
	ok &= expect_pipe_content(10, "big", 3);
	return expect_pipe_content(12, "small", 5) && ok;
}

/* pipe_write_end_closed: only the read end, at 10. */

static const char last_words[] = "last words";

static int build_pipe_reader_only(void *arg)
{
	(void)arg;
	if (!pipe_at(10, 11) || !write_all(11, last_words, strlen(last_words)))
		return 1;
	close(11);
	return 0;
}

static bool check_pipe_reader_only(void *arg)
{
	char buf[64];
	bool ok;

	(void)arg;
	if (!restart_ok())
		return false;
	/* drain() leaves fd 10 nonblocking: a writer would show as -EAGAIN. */
	ok = expect_pipe_content(10, last_words, strlen(last_words));
	ok &= expect_ret("read after the data (no writer in the image: EOF)",
			 sysret(read(10, buf, sizeof(buf))), 0);
	return expect_closed(11) && ok;
}

/* pipe_read_end_closed: only the write end, at 10. */

static int build_pipe_writer_only(void *arg)
{
	(void)arg;
	if (!pipe_at(11, 10) || !write_all(10, "unread", 6))
		return 1;
	close(11);
	return 0;
}

static bool check_pipe_writer_only(void *arg)
{
	bool ok;

	(void)arg;
	signal(SIGPIPE, SIG_IGN);
	if (!restart_ok())
		return false;
	ok = expect_ret("write to the restored write end (no reader in the image)",
			sysret(write(10, "x", 1)), -EPIPE);
	return expect_closed(11) && ok;
}

/* pipe_ends_share_one_object: pipes A at 10/11 and B at 12/13. */

static int build_two_pipes(void *arg)
{
	(void)arg;
	return pipe_at(10, 11) && pipe_at(12, 13) && write_all(11, "a1", 2) &&
	       write_all(13, "b1", 2) ? 0 : 1;
}

static ino_t ino_of(int fd)
{
	struct stat st;

	return fstat(fd, &st) < 0 ? 0 : st.st_ino;
}

static bool check_two_pipes(void *arg)
{
	bool ok;

	(void)arg;
	if (!restart_ok())
		return false;
	ok = expect(ino_of(10) && ino_of(10) == ino_of(11) &&
		    ino_of(12) == ino_of(13) && ino_of(10) != ino_of(12),
		    "pipe inodes: expected 10=11 != 12=13, got %lu %lu %lu %lu",
		    (unsigned long)ino_of(10), (unsigned long)ino_of(11),
		    (unsigned long)ino_of(12), (unsigned long)ino_of(13));
	ok &= write_all(11, "a2", 2) && write_all(13, "b2", 2);
	ok &= expect_pipe_content(10, "a1a2", 4);
	return expect_pipe_content(12, "b1b2", 4) && ok;
}

/* eventfd at 10. */

struct efd_spec {
	unsigned int init;
	int flags;
	int nadd;	/* writes of add after creation */
	uint64_t add;
};

static int build_eventfd(void *arg)
{
	const struct efd_spec *s = arg;

	if (!place_fd(eventfd(s->init, s->flags), 10))
		return 1;
	for (int i = 0; i < s->nadd; i++)
		if (!write_all(10, &s->add, sizeof(s->add)))
			return 1;
	return 0;
}

/* Common checks: fdinfo count and semaphore bit, O_NONBLOCK kept. */
static bool check_eventfd_state(uint64_t count, int semaphore)
{
	struct fdinfo fi;
	bool ok;
	int fl;

	if (!restart_ok() || !fdinfo_read(10, &fi))
		return false;
	fl = fcntl(10, F_GETFL);
	ok = expect(fi.has_eventfd && fi.eventfd_count == count,
		    "fdinfo of fd 10: expected eventfd-count %#llx, got %s%#llx",
		    (unsigned long long)count, fi.has_eventfd ? "" : "no eventfd, ",
		    (unsigned long long)fi.eventfd_count);
	ok &= expect(fi.eventfd_semaphore == semaphore,
		     "fdinfo of fd 10: expected eventfd-semaphore %d, got %d",
		     semaphore, fi.eventfd_semaphore);
	return expect(fl >= 0 && (fl & FL_MASK) == (O_RDWR | O_NONBLOCK),
		      "F_GETFL of fd 10: expected O_RDWR|O_NONBLOCK (%#o), got %#o",
		      O_RDWR | O_NONBLOCK, fl) && ok;
}

static bool check_eventfd_count(void *arg)
{
	uint64_t v;
	bool ok;

	(void)arg;
	if (!check_eventfd_state(5, 0))
		return false;
	ok = expect_read_u64(10, 5, "first read of fd 10");
	return expect_ret("second read of fd 10", sysret(read(10, &v, sizeof(v))),
			  -EAGAIN) && ok;
}

static bool check_eventfd_semaphore(void *arg)
{
	uint64_t v;
	bool ok;

	(void)arg;
	if (!check_eventfd_state(3, 1))
		return false;
	ok = expect_read_u64(10, 1, "semaphore read 1 of fd 10");
	ok &= expect_read_u64(10, 1, "semaphore read 2 of fd 10");
	ok &= expect_read_u64(10, 1, "semaphore read 3 of fd 10");
	return expect_ret("semaphore read 4 of fd 10",
			  sysret(read(10, &v, sizeof(v))), -EAGAIN) && ok;
}

#define LARGE_COUNT 0xfffffffffffffffeULL

static bool check_eventfd_large(void *arg)
{
	(void)arg;
	return check_eventfd_state(LARGE_COUNT, 0) &&
	       expect_read_u64(10, LARGE_COUNT, "read of fd 10");
}

/* regular_file_offset_and_flags: file i has pattern seed i. */

#define REG_SIZE 300

struct reg_spec {
	int fd;
	const char *path;
	int oflags;
	off_t pos;
};

static const struct reg_spec reg_specs[] = {
	{ 10, SHM "ro", O_RDONLY, 0 },
	{ 11, SHM "rw", O_RDWR, 123 },
	{ 12, SHM "ap", O_WRONLY | O_APPEND, REG_SIZE + 8 }, /* after "appended" */
	{ 13, SHM "nb", O_RDONLY | O_NONBLOCK, 7 },
};

#define NREG ARRAY_SIZE(reg_specs)

static int build_regular(void *arg)
{
	(void)arg;
	for (size_t i = 0; i < NREG; i++) {
		const struct reg_spec *s = &reg_specs[i];
		int fd = (s->oflags & O_APPEND) ? open(s->path, s->oflags)
						: open_at(s->path, s->oflags, s->pos);

		if (!place_fd(fd, s->fd))
			return 1;
		if ((s->oflags & O_APPEND) && !write_all(s->fd, "appended", 8))
			return 1;
	}
	return 0;
}

static bool check_regular_fd(const struct reg_spec *s, unsigned int seed)
{
	unsigned char buf[16], want[sizeof(buf)];
	long pos = sysret(lseek(s->fd, 0, SEEK_CUR));
	int fl = fcntl(s->fd, F_GETFL), acc = s->oflags & O_ACCMODE;
	struct fdinfo fi;
	bool ok = expect(pos == s->pos, "fd %d (%s): expected offset %lld, got %ld",
			 s->fd, s->path, (long long)s->pos, pos);

	ok &= expect(fl >= 0 && (fl & FL_MASK) == (s->oflags & FL_MASK),
		     "fd %d: expected F_GETFL & (O_ACCMODE|O_APPEND|O_NONBLOCK) %#o, got %#o",
		     s->fd, s->oflags & FL_MASK, fl & FL_MASK);
	ok &= fdinfo_read(s->fd, &fi) &&
	      expect((fi.flags & FL_MASK) == (unsigned int)(s->oflags & FL_MASK),
		     "fdinfo of fd %d: expected flags & mask %#o, got %#o", s->fd,
		     s->oflags & FL_MASK, fi.flags & FL_MASK);
	if (acc != O_WRONLY) {
		for (size_t i = 0; i < sizeof(want); i++)
			want[i] = pattern_byte((size_t)s->pos + i, seed);
		ok &= expect(read(s->fd, buf, sizeof(buf)) == (ssize_t)sizeof(buf) &&
			     !memcmp(buf, want, sizeof(buf)),
			     "fd %d: expected the file's bytes %lld..%lld to read back",
			     s->fd, (long long)s->pos, (long long)s->pos + 15);
	}
	if (acc == O_RDONLY)
		ok &= expect_ret("write to a restored O_RDONLY fd",
				 sysret(write(s->fd, "x", 1)), -EBADF);
	else if (s->oflags & O_APPEND)
		ok &= write_all(s->fd, "more", 4) &&
		      expect_ret("offset after an O_APPEND write",
				 sysret(lseek(s->fd, 0, SEEK_CUR)), REG_SIZE + 12);
	return ok;
}

static bool check_regular(void *arg)
{
	bool ok = true;

	(void)arg;
	if (!restart_ok())
		return false;
	for (size_t i = 0; i < NREG; i++)
		ok &= check_regular_fd(&reg_specs[i], (unsigned int)i);
	return ok;
}

/* dup_shares_one_file: 10 and 11 one file, 12 a second open of it. */

#define DUP_PATH SHM "dup"

static int build_dup(void *arg)
{
	(void)arg;
	return place_fd(open_at(DUP_PATH, O_RDWR, 5), 10) &&
	       dup2(10, 11) == 11 &&
	       place_fd(open_at(DUP_PATH, O_RDWR, 9), 12) ? 0 : 1;
}

static bool check_dup(void *arg)
{
	long k;
	bool ok;

	(void)arg;
	if (!restart_ok())
		return false;
	ok = expect_ret("kcmp(KCMP_FILE, 10, 11)", sys_kcmp_file(10, 11), 0);
	k = sys_kcmp_file(10, 12);
	ok &= expect(k > 0, "kcmp(KCMP_FILE, 10, 12): expected 1 or 2 (two opens), got %ld", k);
	ok &= expect_ret("offset of fd 11", sysret(lseek(11, 0, SEEK_CUR)), 5);
	ok &= expect_ret("lseek(10, 42)", sysret(lseek(10, 42, SEEK_SET)), 42);
	ok &= expect_ret("offset of fd 11 after lseek on fd 10",
			 sysret(lseek(11, 0, SEEK_CUR)), 42);
	return expect_ret("offset of fd 12 (its own file)",
			  sysret(lseek(12, 0, SEEK_CUR)), 9) && ok;
}

/* cloexec_per_fd: one eventfd at 10 (cloexec), 11 (not), 12 (cloexec). */

static int build_cloexec(void *arg)
{
	(void)arg;
	if (!place_fd(eventfd(0, 0), 10))
		return 1;
	return expect(fcntl(10, F_SETFD, FD_CLOEXEC) == 0 && dup2(10, 11) == 11 &&
		      dup3(10, 12, O_CLOEXEC) == 12,
		      "setting up fds 10-12: %s", strerror(errno)) ? 0 : 1;
}

static bool check_cloexec(void *arg)
{
	static const int want[] = { FD_CLOEXEC, 0, FD_CLOEXEC };
	char what[64];
	bool ok = true;

	(void)arg;
	if (!restart_ok())
		return false;
	for (int fd = 10; fd <= 12; fd++) {
		snprintf(what, sizeof(what), "F_GETFD of fd %d", fd);
		ok &= expect_ret(what, sysret(fcntl(fd, F_GETFD)), want[fd - 10]);
	}
	ok &= expect_ret("kcmp(KCMP_FILE, 10, 11)", sys_kcmp_file(10, 11), 0);
	return expect_ret("kcmp(KCMP_FILE, 10, 12)", sys_kcmp_file(10, 12), 0) && ok;
}

/* console_skipped */

static int build_console(void *arg)
{
	struct stat st;

	(void)arg;
	for (int fd = 0; fd < 3; fd++)
		if (fstat(fd, &st) < 0 || !S_ISCHR(st.st_mode)) {
			expect(false, "fd %d: expected the console (a character device)", fd);
			return 1;
		}
	return place_fd(eventfd(9, 0), 10) ? 0 : 1;
}

static bool check_console(void *arg)
{
	struct stat before[3], after;
	struct fdinfo fi;
	bool ok = true;

	(void)arg;
	for (int fd = 0; fd < 3; fd++)
		if (fstat(fd, &before[fd]) < 0 || dup2(fd, 100 + fd) < 0)
			return expect(false, "fd %d: %s", fd, strerror(errno));
	if (!restart_ok())
		return false;
	for (int fd = 0; fd < 3; fd++) {
		ok &= expect(fstat(fd, &after) == 0 &&
			     after.st_dev == before[fd].st_dev &&
			     after.st_ino == before[fd].st_ino,
			     "fd %d: expected the restorer's own file (st_dev/st_ino) after restart, got another",
			     fd);
		ok &= expect(sys_kcmp_file(fd, 100 + fd) == 0,
			     "fd %d: expected the same open file as before restart (kcmp)", fd);
	}
	return fdinfo_read(10, &fi) &&
	       expect(fi.has_eventfd && fi.eventfd_count == 9,
		      "fd 10: expected the restored eventfd with count 9") && ok;
}

/* empty_epoll_roundtrip */

static int build_epoll(void *arg)
{
	(void)arg;
	return place_fd(epoll_create1(0), 10) ? 0 : 1;
}

static bool check_epoll(void *arg)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = 0x1234 }, out[4];
	char link[64] = "";
	int efd;
	bool ok;

	(void)arg;
	if (!restart_ok())
		return false;
	ok = expect(readlink("/proc/self/fd/10", link, sizeof(link) - 1) > 0 &&
		    !strcmp(link, "anon_inode:[eventpoll]"),
		    "fd 10: expected anon_inode:[eventpoll], got '%s'", link);
	ok &= expect_ret("epoll_wait(10, timeout 0) on the restored empty set",
			 sysret(epoll_wait(10, out, 4, 0)), 0);
	efd = eventfd(1, 0);
	ok &= expect_ret("epoll_ctl(10, ADD, new eventfd)",
			 sysret(epoll_ctl(10, EPOLL_CTL_ADD, efd, &ev)), 0);
	ok &= expect_ret("epoll_wait after the ADD",
			 sysret(epoll_wait(10, out, 4, 0)), 1) &&
	      expect(out[0].data.u64 == 0x1234 && (out[0].events & EPOLLIN),
		     "epoll_wait: expected EPOLLIN with data 0x1234, got %#x/%#llx",
		     out[0].events, (unsigned long long)out[0].data.u64);
	return ok;
}

/*
 * 14. image_is_canonical: pipe 10/11 holding "canonical", eventfd 12 with
 * count 7, CANON_PATH at 13 at offset 17, built in two orders.
 */

#define CANON_PATH SHM "canon"

static int build_canon_forward(void *arg)
{
	(void)arg;
	return pipe_at(10, 11) && write_all(11, "canonical", 9) &&
	       place_fd(eventfd(7, 0), 12) &&
	       place_fd(open_at(CANON_PATH, O_RDWR, 17), 13) ? 0 : 1;
}

static int build_canon_reverse(void *arg)
{
	uint64_t four = 4;
	char skip[17];
	int file = open(CANON_PATH, O_RDWR), efd = eventfd(3, 0);

	(void)arg;
	if (file < 0 || read(file, skip, sizeof(skip)) != (ssize_t)sizeof(skip) ||
	    efd < 0) {
		expect(false, "preparing the reverse build: %s", strerror(errno));
		return 1;
	}
	return write_all(efd, &four, sizeof(four)) && pipe_at(10, 11) &&
	       write_all(11, "canon", 5) && write_all(11, "ical", 4) &&
	       place_fd(file, 13) && place_fd(efd, 12) ? 0 : 1;
}

/* The same stopped child checkpointed twice, and against other. */
static bool checkpoint_twice_equal(int other)
{
	pid_t pid = spawn_stopped(build_canon_forward, NULL);
	int a = image_create(), b = image_create();
	bool ok = false;

	if (pid > 0 && a >= 0 && b >= 0)
		ok = expect_success("first checkpoint", ckpt(pid, a, SKIPU)) &&
		     expect_success("second checkpoint", ckpt(pid, b, SKIPU)) &&
		     images_equal(a, b, "one child checkpointed twice") &&
		     images_equal(a, other, "two children built the same way");
	if (pid > 0)
		reap(pid);
	close(a);
	close(b);
	return ok;
}

/* Restart with flags must fail with want and leave the fd table as it was. */
static bool restart_fails(unsigned long flags, long want, const char *what)
{
	struct fd_table before;
	bool ok;

	if (!fd_table_read(&before))
		return false;
	ok = expect_ret(what, sys_restart(CR_IMAGE_FD, flags), want);
	return fd_table_unchanged(&before, what) && ok;
}

/* error_unknown_flags */

static bool check_restart_flags(void *arg)
{
	(void)arg;
	return restart_fails(1, -EINVAL, "restart with flags 1");
}

/* error_target_not_stopped: the child is continued, so it sleeps. */

/* error_not_permitted */

static bool checkpoint_as_nobody(void *arg)
{
	pid_t target = *(pid_t *)arg;
	int img;

	if (setgroups(0, NULL) < 0 || setresgid(65534, 65534, 65534) < 0 ||
	    setresuid(65534, 65534, 65534) < 0)
		return expect(false, "dropping to uid 65534: %s", strerror(errno));
	img = image_create();
	return img >= 0 &&
	       expect_ret("checkpoint of a root-owned stopped child as uid 65534",
			  sys_checkpoint(target, img, SKIPU), -EPERM);
}

/* error_fd_in_use: the restorer already has fd 10 (or 12) open. */

static bool check_fd_in_use(void *arg)
{
	int busy = *(int *)arg;
	char what[64];

	if (!place_fd(eventfd(0, 0), busy))
		return false;
	snprintf(what, sizeof(what), "restart with fd %d already open", busy);
	return restart_fails(0, -EBUSY, what);
}

/* error_rlimit: fds 10 and 11 fit under the limit, 12 does not. */

static bool check_rlimit(void *arg)
{
	struct rlimit rl;

	(void)arg;
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return expect(false, "getrlimit: %s", strerror(errno));
	rl.rlim_cur = 12;
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
		return expect(false, "setrlimit NOFILE 12: %s", strerror(errno));
	return restart_fails(0, -EMFILE, "restart with RLIMIT_NOFILE 12 (image has fd 12)");
}

/*
 * Damaged copies of a rich image (every record type but epoll
 * items) restored one after another from a scratch memfd.
 */

#define RICH_PATH SHM "rich"

static int build_rich(void *arg)
{
	return build_standard(arg) == 0 &&
	       place_fd(open_at(RICH_PATH, O_RDWR | O_APPEND, 33), 13) &&
	       place_fd(epoll_create1(EPOLL_CLOEXEC), 14) &&
	       dup2(13, 15) == 15 ? 0 : 1;
}

struct bad_images {
	unsigned char *img;
	size_t size;
	int scratch;
	struct fd_table before;
};

/* Loads the image and makes the scratch memfd. */
static bool bad_images_setup(struct bad_images *b)
{
	ssize_t n = image_load(CR_IMAGE_FD, &b->img);

	if (n < 0)
		return false;
	b->size = (size_t)n;
	b->scratch = CR_IMAGE_FD + 1;
	return place_fd(image_create(), b->scratch) && fd_table_read(&b->before);
}

/* Restart of buf[0..len) must fail (with want, if nonzero), table unchanged. */
static bool try_bad_image(const struct bad_images *b, const unsigned char *buf,
			  size_t len, long want, const char *what, bool verbose,
			  long *got)
{
	struct fd_table after;
	char g[32], w[32];
	bool same;

	*got = 0;
	if (!image_fill(b->scratch, buf, len))
		return false;
	*got = sys_restart(b->scratch, 0);
	if (*got >= 0) {	/* undo, so later attempts start clean */
		close_range(3, CR_IMAGE_FD - 1, 0);
		close_range(CR_IMAGE_FD + 2, ~0U, 0);
	}
	if (!fd_table_read(&after))
		return false;
	same = fd_table_equal(&b->before, &after);
	if ((want ? *got == want : *got < 0) && same)
		return true;
	if (verbose)
		cr_diag("%s: expected %s with the fd table unchanged, got %s%s",
			what, want ? ret_str(want, w, sizeof(w)) : "an error",
			ret_str(*got, g, sizeof(g)),
			same ? "" : " and a changed fd table");
	return false;
}

/* The undamaged image must restore, or the failures above prove nothing. */
static bool whole_image_restores(const struct bad_images *b)
{
	return image_fill(b->scratch, b->img, b->size) &&
	       expect_success("restart of the undamaged image (control)",
			      sys_restart(b->scratch, 0));
}

static size_t next_len(size_t len, size_t size)
{
	size_t next = len < 512 ? len + 1 : len + 61;

	return next >= size && len + 1 < size ? size - 1 : next;
}

static bool check_truncations(void *arg)
{
	struct bad_images b;
	int tried = 0, bad = 0;
	char what[64];
	long got;

	(void)arg;
	if (!bad_images_setup(&b))
		return false;
	for (size_t len = 0; len < b.size; len = next_len(len, b.size)) {
		snprintf(what, sizeof(what), "restart of the first %zu bytes", len);
		tried++;
		if (!try_bad_image(&b, b.img, len, -EINVAL, what, bad < 5, &got))
			bad++;
	}
	cr_diag("tried %d truncations (lengths 0..%zu) of a %zu-byte image: %d misbehaved",
		tried, b.size - 1, b.size, bad);
	return bad == 0 && tried > 0 && whole_image_restores(&b);
}

static bool check_corruptions(void *arg)
{
	struct bad_images b;
	int bad = 0, einval = 0;
	unsigned char *copy;
	char what[64];
	long got;

	(void)arg;
	if (!bad_images_setup(&b))
		return false;
	copy = malloc(b.size + 1);
	if (!copy)
		return expect(false, "out of memory");
	for (size_t off = 0; off < b.size; off++) {
		memcpy(copy, b.img, b.size);
		copy[off] ^= 0xff;
		snprintf(what, sizeof(what), "restart with byte %zu flipped", off);
		if (!try_bad_image(&b, copy, b.size, 0, what, bad < 5, &got))
			bad++;
		einval += got == -EINVAL;
	}
	cr_diag("flipped each of the %zu bytes in turn: %d gave -EINVAL, %d misbehaved",
		b.size, einval, bad);
	return bad == 0 && b.size > 0 && whole_image_restores(&b);
}

/* error_unlinked_file: a linked file is the control. */

#define UNLINKED_PATH SHM "unlinked"

static int build_shm_file(void *unlink_it)
{
	if (!place_fd(open(UNLINKED_PATH, O_RDWR | O_CREAT, 0644), 10))
		return 1;
	if (unlink_it && unlink(UNLINKED_PATH) < 0) {
		expect(false, "unlink %s: %s", UNLINKED_PATH, strerror(errno));
		return 1;
	}
	return 0;
}

/*
 * Leaks: a file of the table is also held from outside: -EBUSY, unless
 * CHECKPOINT_SUBTREE.  Builders that fork put their family in a process
 * group of their own, killed afterwards.
 */
/* A grandchild in the builder's own process group keeps fd 10. */
static int share_fd10_with_grandchild(void)
{
	pid_t gc = setpgid(0, 0) < 0 ? -1 : fork();

	if (gc < 0) {
		expect(false, "setpgid or fork: %s", strerror(errno));
		return 1;
	}
	if (gc == 0) {
		close_range(11, ~0U, 0);
		for (;;)
			pause();
	}
	return 0;
}

static int build_pipe_shared_with_grandchild(void *arg)
{
	(void)arg;
	return pipe_at(10, 11) ? share_fd10_with_grandchild() : 1;
}

/* A socket pair whose end at 10 a grandchild also holds. */
static int build_socket_shared_with_grandchild(void *arg)
{
	int sv[2];

	(void)arg;
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0) {
		expect(false, "socketpair: %s", strerror(errno));
		return 1;
	}
	if (!place_fd(sv[0], 10) || !place_fd(sv[1], 11))
		return 1;
	return share_fd10_with_grandchild();
}

#define MMAP_PATH SHM "mmap"

static int build_mapped_file(void *arg)
{
	void *p;

	(void)arg;
	if (!place_fd(open(MMAP_PATH, O_RDWR), 10))
		return 1;
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, 10, 0);
	return expect(p != MAP_FAILED, "mmap: %s", strerror(errno)) ? 0 : 1;
}

static bool send_fd(int sock, int fd)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} u;
	char byte = 'F';
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = u.buf,
			      .msg_controllen = sizeof(u.buf) };
	struct cmsghdr *c;

	memset(&u, 0, sizeof(u));
	c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	return expect(sendmsg(sock, &msg, 0) == 1, "sendmsg SCM_RIGHTS: %s",
		      strerror(errno));
}

/* A socket pair at 10/11, the eventfd at 12 also in flight on it. */
static int build_scm_in_flight(void *arg)
{
	int sv[2];

	(void)arg;
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0) {
		expect(false, "socketpair: %s", strerror(errno));
		return 1;
	}
	return place_fd(sv[0], 10) && place_fd(sv[1], 11) &&
	       place_fd(eventfd(1, 0), 12) && send_fd(10, 12) ? 0 : 1;
}

/*
 * unix_pair_roundtrip: a socketpair(2) of the variant's type at 10/11,
 * "abc", "" and "defgh" queued to 10 (a stream has no empty message) and
 * "xy" to 11, an edge-triggered item of the set at 12 watching 10.
 */
static int build_unix_pair(void *arg)
{
	const int *type = arg;
	int sv[2], ep = epoll_create1(0);

	if (socketpair(AF_UNIX, *type, 0, sv) < 0) {
		expect(false, "socketpair: %s", strerror(errno));
		return 1;
	}
	if (!place_fd(sv[0], 10) || !place_fd(sv[1], 11) ||
	    !place_fd(ep, 12) || !epoll_add(12, 10, EPOLLIN | EPOLLET, 7))
		return 1;
	return write_all(11, "abc", 3) && send(11, "", 0, 0) == 0 &&
	       write_all(11, "defgh", 5) && write_all(10, "xy", 2) ? 0 : 1;
}

static bool expect_recv(int fd, const char *want)
{
	char buf[32] = {};
	long n = sysret(recv(fd, buf, sizeof(buf), MSG_DONTWAIT));

	return expect_ret("recv", n, (long)strlen(want)) &&
	       expect(!memcmp(buf, want, strlen(want)), "recv gave \"%s\", want \"%s\"",
		      buf, want);
}

static bool check_unix_pair(void *arg)
{
	const int *type = arg;
	struct epoll_event ev;
	struct ucred cred;
	socklen_t len = sizeof(cred);
	int got_type;
	bool ok;

	if (!restart_ok())
		return false;
	ok = expect_ret("epoll_wait on the set at 12", sysret(epoll_wait(12, &ev, 1, 0)), 1) &&
	     expect(ev.data.u64 == 7, "item data %llu, want 7",
		    (unsigned long long)ev.data.u64);
	if (*type == SOCK_STREAM) {
		ok &= expect_recv(10, "abcdefgh");
	} else {
		ok &= expect_recv(10, "abc") && expect_recv(10, "") &&
		      expect_recv(10, "defgh");
	}
	ok &= expect_ret("recv of an empty queue",
			 sysret(recv(10, &ev, 1, MSG_DONTWAIT)), -EAGAIN);
	ok &= expect_recv(11, "xy");
	len = sizeof(got_type);
	ok &= expect_success("SO_TYPE", sysret(getsockopt(10, SOL_SOCKET, SO_TYPE,
							  &got_type, &len))) &&
	      expect(got_type == *type, "SO_TYPE %d, want %d", got_type, *type);
	/* Restart grants nothing: the peer's credentials are the restorer's. */
	len = sizeof(cred);
	ok &= expect_success("SO_PEERCRED", sysret(getsockopt(10, SOL_SOCKET, SO_PEERCRED,
							      &cred, &len))) &&
	      expect(cred.pid == getpid(), "SO_PEERCRED pid %d, want the restorer's %d",
		     cred.pid, getpid());
	return ok;
}

/*
 * unix_peer_closed: a stream pair at 10/11, "zz" queued to 10, "unread"
 * to 11, then 11 closed: 10 polls HUP and RDHUP, reads "zz", then gets
 * ECONNRESET once, then EOF.
 */
static int build_unix_peer_closed(void *arg)
{
	int sv[2];

	(void)arg;
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0 ||
	    !place_fd(sv[0], 10) || !place_fd(sv[1], 11))
		return 1;
	if (!write_all(11, "zz", 2) || !write_all(10, "unread", 6))
		return 1;
	close(11);
	return 0;
}

static bool check_unix_peer_closed(void *arg)
{
	struct pollfd pfd = { .fd = 10, .events = POLLIN | POLLRDHUP };
	bool ok;

	(void)arg;
	if (!restart_ok())
		return false;
	ok = expect_ret("poll", sysret(poll(&pfd, 1, 0)), 1) &&
	     expect((pfd.revents & (POLLHUP | POLLRDHUP)) == (POLLHUP | POLLRDHUP),
		    "revents %#x, want POLLHUP|POLLRDHUP", pfd.revents);
	ok &= expect_recv(10, "zz");
	ok &= expect_ret("recv after the data", sysret(recv(10, &pfd, 1, 0)), -ECONNRESET);
	ok &= expect_ret("recv after the error", sysret(recv(10, &pfd, 1, 0)), 0);
	return expect_closed(11) && ok;
}

/*
 * unix_exclusive: a pair of the variant's type at 10/11, and the sets at
 * 12 and 13, each with an EPOLLEXCLUSIVE item on 10.  With a task blocked
 * on each set, one send to 10 wakes one of them, and the other set's item
 * is not even queued: the wakeup stops at the first exclusive waiter.
 */
static int build_unix_exclusive(void *arg)
{
	const int *type = arg;
	int sv[2];

	if (socketpair(AF_UNIX, *type, 0, sv) < 0) {
		expect(false, "socketpair: %s", strerror(errno));
		return 1;
	}
	return place_fd(sv[0], 10) && place_fd(sv[1], 11) &&
	       place_fd(epoll_create1(0), 12) && place_fd(epoll_create1(0), 13) &&
	       epoll_add(12, 10, EPOLLIN | EPOLLEXCLUSIVE, 12) &&
	       epoll_add(13, 10, EPOLLIN | EPOLLEXCLUSIVE, 13) ? 0 : 1;
}

/* A child blocked in epoll_wait() on ep: exit 0 once it gets one event. */
static pid_t block_on(int ep)
{
	struct epoll_event ev;
	pid_t pid = fork();

	if (pid == 0)
		_exit(epoll_wait(ep, &ev, 1, -1) == 1 ? 0 : 1);
	if (pid < 0)
		expect(false, "fork: %s", strerror(errno));
	return pid;
}

/* Waits until pid sleeps (state S): for block_on()'s child, in epoll_wait(). */
static bool sleeping(pid_t pid)
{
	char path[64], buf[512], *state;
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	for (int i = 0; i < 10000; i++) {
		f = fopen(path, "r");
		if (!f)
			return expect(false, "%s: %s", path, strerror(errno));
		n = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
		buf[n] = 0;
		state = strrchr(buf, ')');
		if (state && !strncmp(state, ") S", 3))
			return true;
		usleep(1000);
	}
	return expect(false, "process %d never slept", (int)pid);
}

static bool one_set_woken(void)
{
	pid_t on12 = block_on(12), on13 = block_on(13), woken = 0;
	struct epoll_event ev;
	int st = 0;
	bool ok;

	ok = on12 > 0 && on13 > 0 && sleeping(on12) && sleeping(on13) &&
	     expect_ret("send", sysret(send(11, "x", 1, 0)), 1);
	for (int i = 0; ok && !woken && i < 10000; i++) {
		woken = waitpid(on12, &st, WNOHANG) ?: waitpid(on13, &st, WNOHANG);
		if (!woken)
			usleep(1000);
	}
	ok = ok && expect(woken == on12 || woken == on13, "neither waiter woke: %s",
			  woken < 0 ? strerror(errno) : "timed out") &&
	     expect(WIFEXITED(st) && !WEXITSTATUS(st), "the woken waiter's status %#x", st) &&
	     expect_ret("epoll_wait on the other set",
			sysret(epoll_wait(woken == on12 ? 13 : 12, &ev, 1, 0)), 0);
	if (on12 > 0 && on12 != woken)
		reap(on12);
	if (on13 > 0 && on13 != woken)
		reap(on13);
	return ok;
}

/* The rule itself, in the original: the restored copy must keep it. */
static bool original_exclusive(void *arg)
{
	return !build_unix_exclusive(arg) && one_set_woken();
}

static bool check_unix_exclusive(void *arg)
{
	(void)arg;
	return restart_ok() && one_set_woken();
}

/* checkpoint_self: fds 0-2 (console) and the image, all skipped. */

/* ---- the tests ---- */

FIXTURE(cr) {};
FIXTURE_SETUP(cr) { CR_SETUP(); }
FIXTURE_TEARDOWN(cr) {}

TEST_F(cr, pipe_data_roundtrip)
{
	ASSERT_TRUE(roundtrip(build_pipe_data, NULL, check_pipe_data, NULL));
}

TEST_F(cr, pipe_capacity_kept)
{
	ASSERT_TRUE(roundtrip(build_pipe_capacity, NULL, check_pipe_capacity, NULL));
}

TEST_F(cr, pipe_write_end_closed)
{
	ASSERT_TRUE(roundtrip(build_pipe_reader_only, NULL, check_pipe_reader_only, NULL));
}

TEST_F(cr, pipe_read_end_closed)
{
	ASSERT_TRUE(roundtrip(build_pipe_writer_only, NULL, check_pipe_writer_only, NULL));
}

TEST_F(cr, pipe_ends_share_one_object)
{
	ASSERT_TRUE(roundtrip(build_two_pipes, NULL, check_two_pipes, NULL));
}

FIXTURE(unix_pair) {};
FIXTURE_VARIANT(unix_pair) {
	int type;
};
FIXTURE_SETUP(unix_pair) { CR_SETUP(); }
FIXTURE_TEARDOWN(unix_pair) {}

FIXTURE_VARIANT_ADD(unix_pair, stream) { .type = SOCK_STREAM };
FIXTURE_VARIANT_ADD(unix_pair, dgram) { .type = SOCK_DGRAM };
FIXTURE_VARIANT_ADD(unix_pair, seqpacket) { .type = SOCK_SEQPACKET };

TEST_F(unix_pair, roundtrip)
{
	int type = variant->type;

	ASSERT_TRUE(roundtrip(build_unix_pair, &type, check_unix_pair, &type));
}

TEST_F(unix_pair, exclusive_items_wake_one_set)
{
	int type = variant->type;

	ASSERT_TRUE(run_child(original_exclusive, &type));
	ASSERT_TRUE(roundtrip(build_unix_exclusive, &type, check_unix_exclusive, &type));
}

TEST_F(cr, unix_peer_closed_with_unread_data)
{
	ASSERT_TRUE(roundtrip(build_unix_peer_closed, NULL, check_unix_peer_closed, NULL));
}

/* eventfd at 10: its count, flags and semaphore mode come back. */
FIXTURE(eventfd) {};
FIXTURE_VARIANT(eventfd) {
	struct efd_spec spec;
	cr_check_fn check;
};

FIXTURE_SETUP(eventfd) { CR_SETUP(); }
FIXTURE_TEARDOWN(eventfd) {}

FIXTURE_VARIANT_ADD(eventfd, count_and_flags) {
	.spec = { .init = 5, .flags = EFD_NONBLOCK },
	.check = check_eventfd_count,
};

FIXTURE_VARIANT_ADD(eventfd, semaphore) {
	.spec = { .init = 3, .flags = EFD_SEMAPHORE | EFD_NONBLOCK },
	.check = check_eventfd_semaphore,
};

/* The largest count an eventfd holds, written in two steps. */
FIXTURE_VARIANT_ADD(eventfd, large_count) {
	.spec = { .flags = EFD_NONBLOCK, .nadd = 2, .add = LARGE_COUNT / 2 },
	.check = check_eventfd_large,
};

TEST_F(eventfd, roundtrip)
{
	struct efd_spec spec = variant->spec;

	ASSERT_TRUE(roundtrip(build_eventfd, &spec, variant->check, NULL));
}

/* Timers at 10-12, nonblocking; see build_timers(). */

#define NS_PER_S 1000000000LL

static struct timespec ns_to_ts(long long ns)
{
	return (struct timespec){ .tv_sec = ns / NS_PER_S,
				  .tv_nsec = ns % NS_PER_S };
}

static long long ts_to_ns(struct timespec ts)
{
	return ts.tv_sec * NS_PER_S + ts.tv_nsec;
}

static long long clock_ns(int clockid)
{
	struct timespec ts;

	clock_gettime(clockid, &ts);
	return ts_to_ns(ts);
}

/*
 * 10: monotonic, 1000 s left, period 2 s; 11: a one-shot that expired
 * once; 12: realtime, absolute deadline 1000 s ahead, cancel on set.
 */
static int build_timers(void *arg)
{
	struct pollfd expired = { .fd = 11, .events = POLLIN };

	(void)arg;
	return timerfd_at(10, CLOCK_MONOTONIC, 0, 1000 * NS_PER_S, 2 * NS_PER_S) &&
	       timerfd_at(11, CLOCK_MONOTONIC, 0, 1000, 0) &&
	       expect(poll(&expired, 1, 5000) == 1, "timerfd 11 did not expire") &&
	       timerfd_at(12, CLOCK_REALTIME,
			  TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET,
			  clock_ns(CLOCK_REALTIME) + 1000 * NS_PER_S, 0) ? 0 : 1;
}

/* timerfd_gettime(fd): time left within (lo, hi] s, period as given. */
static bool expect_timer(int fd, long long lo_s, long long hi_s,
			 long long interval_ns)
{
	struct itimerspec its;
	long long left;

	if (!expect_ret("timerfd_gettime", sysret(timerfd_gettime(fd, &its)), 0))
		return false;
	left = ts_to_ns(its.it_value);
	return expect(left > lo_s * NS_PER_S && left <= hi_s * NS_PER_S &&
		      ts_to_ns(its.it_interval) == interval_ns,
		      "timerfd %d: expected %lld..%lld s left, period %lld ns; got %lld ns, %lld ns",
		      fd, lo_s, hi_s, interval_ns, left,
		      ts_to_ns(its.it_interval));
}

static bool check_timers(void *arg)
{
	uint64_t ticks;
	bool ok;

	(void)arg;
	if (!restart_ok())
		return false;
	ok = expect_timer(10, 990, 1000, 2 * NS_PER_S);
	ok &= expect_ret("read of the unexpired timerfd 10",
			 sysret(read(10, &ticks, sizeof(ticks))), -EAGAIN);
	ok &= expect_read_u64(11, 1, "ticks of the expired timerfd 11");
	ok &= expect_timer(11, -1, 0, 0);
	ok &= expect_timer(12, 990, 1000, 0);
	ok &= expect(fcntl(10, F_GETFL) & O_NONBLOCK, "fd 10 lost O_NONBLOCK");
	return ok;
}

/* An absolute deadline 50 ms ahead, on timerfd 10 watched by epoll 11. */
static int build_deadline(void *arg)
{
	(void)arg;
	return timerfd_at(10, CLOCK_MONOTONIC, TFD_TIMER_ABSTIME,
			  clock_ns(CLOCK_MONOTONIC) + NS_PER_S / 20, 0) &&
	       place_fd(epoll_create1(0), 11) &&
	       epoll_add(11, 10, EPOLLIN | EPOLLET, 0x10) ? 0 : 1;
}

/* Restarted once the deadline has passed: it expires at once, once. */
static bool check_deadline(void *arg)
{
	struct timespec later = ns_to_ts(NS_PER_S / 5);
	struct epoll_event out[2];

	(void)arg;
	nanosleep(&later, NULL);
	if (!restart_ok())
		return false;
	return expect_ret("epoll_wait for the timer (1 s)",
			  sysret(epoll_wait(11, out, 2, 1000)), 1) &&
	       expect(out[0].data.u64 == 0x10, "epoll_wait: data %#llx",
		      (unsigned long long)out[0].data.u64) &&
	       expect_read_u64(10, 1, "ticks of the timer that expired at restart");
}

/* signalfd 10 for SIGUSR1 and SIGUSR2, watched by epoll 11. */
static int build_signalfd(void *arg)
{
	sigset_t mask;

	(void)arg;
	sigemptyset(&mask);
	sigaddset(&mask, SIGUSR1);
	sigaddset(&mask, SIGUSR2);
	/* Pending in this task only: restart must not bring it back. */
	if (sigprocmask(SIG_BLOCK, &mask, NULL) || raise(SIGUSR2))
		return 1;
	return place_fd(signalfd(-1, &mask, SFD_NONBLOCK), 10) &&
	       place_fd(epoll_create1(0), 11) &&
	       epoll_add(11, 10, EPOLLIN, 0x5f) ? 0 : 1;
}

static bool check_signalfd(void *arg)
{
	struct signalfd_siginfo si;
	struct epoll_event out[2];
	sigset_t mask;
	bool ok;

	(void)arg;
	sigemptyset(&mask);
	sigaddset(&mask, SIGUSR1);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) || !restart_ok())
		return false;
	ok = expect_ret("epoll_wait with no signal of ours pending",
			sysret(epoll_wait(11, out, 2, 0)), 0);
	ok &= expect_ret("read with no signal of ours pending",
			 sysret(read(10, &si, sizeof(si))), -EAGAIN);
	if (raise(SIGUSR1))
		return false;
	ok &= expect_ret("epoll_wait after raise(SIGUSR1)",
			 sysret(epoll_wait(11, out, 2, 0)), 1) &&
	      expect(out[0].data.u64 == 0x5f, "epoll_wait: data %#llx",
		     (unsigned long long)out[0].data.u64);
	ok &= expect_ret("read of the signalfd",
			 sysret(read(10, &si, sizeof(si))), sizeof(si)) &&
	      expect(si.ssi_signo == SIGUSR1, "signalfd gave signal %u",
		     si.ssi_signo);
	return ok;
}

TEST_F(cr, timerfd_time_left_ticks_and_flags)
{
	ASSERT_TRUE(roundtrip(build_timers, NULL, check_timers, NULL));
}

TEST_F(cr, timerfd_deadline_passed_while_checkpointed)
{
	ASSERT_TRUE(roundtrip(build_deadline, NULL, check_deadline, NULL));
}

TEST_F(cr, signalfd_mask_kept_signals_not)
{
	ASSERT_TRUE(roundtrip(build_signalfd, NULL, check_signalfd, NULL));
}

/* Regular files at 10-13, each its own flags and offset (reg_specs). */
FIXTURE(regular) {};
FIXTURE_SETUP(regular)
{
	CR_SETUP();
	for (size_t i = 0; i < NREG; i++)
		ASSERT_TRUE(make_file(reg_specs[i].path, REG_SIZE, (unsigned int)i));
}

FIXTURE_TEARDOWN(regular)
{
	for (size_t i = 0; i < NREG; i++)
		unlink(reg_specs[i].path);
}

TEST_F(regular, file_offset_and_flags)
{
	ASSERT_TRUE(roundtrip(build_regular, NULL, check_regular, NULL));
}

TEST_F(cr, dup_shares_one_file)
{
	bool ok;

	ASSERT_TRUE(make_file(DUP_PATH, REG_SIZE, 9));
	ok = roundtrip(build_dup, NULL, check_dup, NULL);
	unlink(DUP_PATH);
	ASSERT_TRUE(ok);
}

TEST_F(cr, cloexec_per_fd)
{
	ASSERT_TRUE(roundtrip(build_cloexec, NULL, check_cloexec, NULL));
}

TEST_F(cr, console_skipped)
{
	pid_t pid = spawn_stopped(build_console, NULL);
	int img = image_create();

	ASSERT_GT(pid, 0);
	ASSERT_GE(img, 0);
	/* The console on 0-2 is unsupported. */
	EXPECT_EQ(-EOPNOTSUPP, ckpt(pid, img, 0));
	EXPECT_EQ(0, ckpt(pid, img, SKIPU));
	reap(pid);
	if (!_metadata->exit_code)
		EXPECT_TRUE(run_restorer(img, check_console, NULL));
	close(img);
}

TEST_F(cr, empty_epoll_roundtrip)
{
	ASSERT_TRUE(roundtrip(build_epoll, NULL, check_epoll, NULL));
}

/* The same state gives the same image, whatever order built it. */
TEST_F(cr, image_is_canonical)
{
	int fwd = -1, rev = -1;

	ASSERT_TRUE(make_file(CANON_PATH, REG_SIZE, 4));
	fwd = checkpoint_child(build_canon_forward, NULL, SKIPU);
	rev = checkpoint_child(build_canon_reverse, NULL, SKIPU);
	unlink(CANON_PATH);
	ASSERT_GE(fwd, 0);
	ASSERT_GE(rev, 0);
	EXPECT_TRUE(images_equal(fwd, rev, "forward vs reverse build order"));
	ASSERT_TRUE(make_file(CANON_PATH, REG_SIZE, 4));
	EXPECT_TRUE(checkpoint_twice_equal(fwd));
	unlink(CANON_PATH);
	close(fwd);
	close(rev);
}

TEST_F(cr, error_unknown_flags)
{
	pid_t pid = spawn_stopped(build_standard, NULL);
	int img = image_create();

	ASSERT_GT(pid, 0);
	ASSERT_GE(img, 0);
	EXPECT_EQ(-EINVAL, ckpt(pid, img, 0x80));
	EXPECT_EQ(-EINVAL, ckpt(pid, img, CHECKPOINT_FLAGS_ALL | 0x80));
	EXPECT_EQ(0, ckpt(pid, img, SKIPU));
	reap(pid);
	if (!_metadata->exit_code)
		EXPECT_TRUE(run_restorer(img, check_restart_flags, NULL));
	close(img);
}

/* The child is continued, so it sleeps: not stopped. */
TEST_F(cr, error_target_not_stopped)
{
	pid_t pid = spawn_stopped(build_standard, NULL);
	int img = image_create(), status;

	ASSERT_GT(pid, 0);
	ASSERT_GE(img, 0);
	ASSERT_EQ(0, kill(pid, SIGCONT));
	ASSERT_EQ(pid, waitpid(pid, &status, WCONTINUED));
	EXPECT_EQ(-EBUSY, ckpt(pid, img, SKIPU)) {
		TH_LOG("checkpoint of a running child");
	}
	reap(pid);
	close(img);
}

TEST_F(cr, error_not_permitted)
{
	pid_t pid;

	if (geteuid() != 0)
		SKIP(return, "needs root: drops to uid 65534 against a root-owned target");
	pid = spawn_stopped(build_standard, NULL);
	ASSERT_GT(pid, 0);
	EXPECT_TRUE(run_child(checkpoint_as_nobody, &pid));
	reap(pid);
}

/* The restorer already has fd 10 (or 12) open. */
TEST_F(cr, error_fd_in_use)
{
	int img = checkpoint_child(build_standard, NULL, SKIPU);
	int first = 10, last = 12;

	ASSERT_GE(img, 0);
	EXPECT_TRUE(run_restorer(img, check_fd_in_use, &first));
	EXPECT_TRUE(run_restorer(img, check_fd_in_use, &last));
	close(img);
}

/* fds 10 and 11 fit under RLIMIT_NOFILE 12, fd 12 does not. */
TEST_F(cr, error_rlimit)
{
	int img = checkpoint_child(build_standard, NULL, SKIPU);

	ASSERT_GE(img, 0);
	EXPECT_TRUE(run_restorer(img, check_rlimit, NULL));
	close(img);
}

/*
 * Damaged copies of a rich image (every record type but epoll items)
 * restored one after another from a scratch memfd: each must fail with
 * the fd table unchanged, and the undamaged image must restore.
 */
FIXTURE(damaged) {
	int img;
};

FIXTURE_VARIANT(damaged) {
	cr_check_fn check;
};

FIXTURE_SETUP(damaged)
{
	self->img = -1;
	CR_SETUP();
	ASSERT_TRUE(make_file(RICH_PATH, REG_SIZE, 5));
	self->img = checkpoint_child(build_rich, NULL, SKIPU);
	ASSERT_GE(self->img, 0);
}

FIXTURE_TEARDOWN(damaged)
{
	if (self->img >= 0)
		close(self->img);
	unlink(RICH_PATH);
}

FIXTURE_VARIANT_ADD(damaged, truncated_image) {
	.check = check_truncations,
};

FIXTURE_VARIANT_ADD(damaged, corrupt_bytes) {
	.check = check_corruptions,
};

TEST_F_TIMEOUT(damaged, restart_fails_cleanly, 300)
{
	ASSERT_TRUE(run_restorer(self->img, variant->check, NULL));
}

/* A linked file is the control. */
TEST_F(cr, error_unlinked_file)
{
	int img = checkpoint_child(build_shm_file, NULL, SKIPU);
	pid_t pid;

	EXPECT_GE(img, 0) {
		TH_LOG("control: expected the checkpoint to succeed while the file is linked");
	}
	if (img >= 0)
		close(img);
	pid = spawn_stopped(build_shm_file, (void *)1);
	img = image_create();
	if (pid > 0 && img >= 0)
		EXPECT_EQ(-EOPNOTSUPP, ckpt(pid, img, SKIPU)) {
			TH_LOG("checkpoint with an unlinked file open");
		}
	if (pid > 0)
		reap(pid);
	if (img >= 0)
		close(img);
	unlink(UNLINKED_PATH);
	EXPECT_GT(pid, 0);
	EXPECT_GE(img, 0);
}

/*
 * A file of the table is also held from outside: -EBUSY, unless
 * CHECKPOINT_SUBTREE (files in flight even then).  Builders that fork put their family in a process
 * group of their own, killed afterwards.
 */
FIXTURE(leak) {};
FIXTURE_VARIANT(leak) {
	cr_build_fn build;
	const char *file;	/* made before, removed after, if set */
	int subtree_err;	/* what CHECKPOINT_SUBTREE gives */
};

FIXTURE_SETUP(leak)
{
	CR_SETUP();
	if (variant->file)
		ASSERT_TRUE(make_file(variant->file, 4096, 6));
}

FIXTURE_TEARDOWN(leak)
{
	if (variant->file)
		unlink(variant->file);
}

FIXTURE_VARIANT_ADD(leak, other_process_holds_file) {
	.build = build_pipe_shared_with_grandchild,
};

FIXTURE_VARIANT_ADD(leak, memory_mapping) {
	.build = build_mapped_file,
	.file = MMAP_PATH,
};

/* Files in flight are never dropped: -EBUSY even under SUBTREE. */
FIXTURE_VARIANT_ADD(leak, scm_rights_in_flight) {
	.build = build_scm_in_flight,
	.subtree_err = -EBUSY,
};

FIXTURE_VARIANT_ADD(leak, socket_shared_with_grandchild) {
	.build = build_socket_shared_with_grandchild,
};

TEST_F(leak, ebusy_unless_subtree)
{
	pid_t pid = spawn_stopped(variant->build, NULL);
	int img = image_create();

	if (pid > 0 && img >= 0) {
		EXPECT_EQ(-EBUSY, ckpt(pid, img, SKIPU)) {
			TH_LOG("checkpoint with SKIP_UNSUPPORTED");
		}
		EXPECT_EQ(variant->subtree_err, ckpt(pid, img, SKIPU | SUBTREE)) {
			TH_LOG("checkpoint with SKIP_UNSUPPORTED|SUBTREE");
		}
	}
	if (pid > 0 && getpgid(pid) == pid)
		kill(-pid, SIGKILL);
	if (pid > 0)
		reap(pid);
	if (img >= 0)
		close(img);
	ASSERT_GT(pid, 0);
	ASSERT_GE(img, 0);
}

/*
 * checkpoint(0): the test process itself, whose fds are 0-2 (not
 * supported: the console, or whatever the runner gave) and the image,
 * all recorded as skipped.  The image is read through the uapi structs.
 */
TEST_F(cr, checkpoint_self)
{
	const int fds[] = { 0, 1, 2, -1 };
	struct ckpt_rec_header h;
	struct ckpt_rec_trailer t;
	struct ckpt_fd_entry e;
	unsigned char *buf;
	struct utsname u;
	uint32_t nrec;
	ssize_t n;
	int img;

	img = image_create();
	ASSERT_GE(img, 0);
	ASSERT_EQ(0, sys_checkpoint(0, img, SKIPU));
	n = image_load(img, &buf);
	ASSERT_GE(n, (ssize_t)(sizeof(h) + sizeof(t)));

	memcpy(&h, buf, sizeof(h));
	EXPECT_EQ((__u32)CKPT_REC_HEADER, h.h.type);
	EXPECT_EQ(sizeof(h), h.h.len);
	EXPECT_EQ(CKPT_MAGIC, h.magic);
	EXPECT_EQ((__u32)CKPT_FORMAT_VERSION, h.version);
	EXPECT_EQ((__u32)CKPT_ARCH_X86_64, h.arch);
	EXPECT_EQ(SKIPU, h.flags);
	ASSERT_EQ(0, uname(&u));
	EXPECT_EQ(0, strncmp(h.release, u.release, sizeof(h.release))) {
		TH_LOG("header: expected release '%s', got '%.*s'", u.release,
		       (int)sizeof(h.release), h.release);
	}

	for (size_t i = 0; i < ARRAY_SIZE(fds); i++) {
		int fd = fds[i] < 0 ? img : fds[i];

		ASSERT_TRUE(image_find_fd(buf, (size_t)n, fd, &e)) {
			TH_LOG("fd %d: no FD entry", fd);
		}
		EXPECT_NE(0U, e.flags & CKPT_FD_SKIPPED) {
			TH_LOG("fd %d: expected CKPT_FD_SKIPPED, flags %#x", fd, e.flags);
		}
		EXPECT_EQ(0U, e.objref);
	}

	ASSERT_TRUE(image_walk(buf, (size_t)n, &nrec));
	memcpy(&t, buf + n - sizeof(t), sizeof(t));
	EXPECT_EQ((__u32)CKPT_REC_TRAILER, t.h.type);
	EXPECT_EQ(sizeof(t), t.h.len);
	EXPECT_EQ(nrec, t.nrecords);
	EXPECT_EQ(4U, t.nfds);
	EXPECT_EQ(0U, t.nobjects);
	EXPECT_EQ(crc32_zlib(buf, n - sizeof(t)), t.checksum);
	free(buf);
	close(img);
}

TEST_HARNESS_MAIN
