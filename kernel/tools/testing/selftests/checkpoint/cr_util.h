/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the checkpoint(2)/restart(2) selftests.
 *
 * Functions returning bool log a "# " line to stderr (as TH_LOG does)
 * saying what was expected and what came instead when they return false,
 * so they can run in the forked checkpoint targets and restorers, where
 * the harness's ASSERT_*() cannot; a test asserts on their result.
 * Syscall wrappers return -errno on failure.
 * A program that prints its own KTAP on stdout can have the diagnostics
 * there instead (cr_diag_to()).
 */
#ifndef CR_UTIL_H
#define CR_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/types.h>

#include <linux/checkpoint.h>

/* Where a restorer keeps its image: a number test images never use. */
#define CR_IMAGE_FD 200
/* Most fds an fd-table snapshot holds. */
#define CR_MAX_FDS 64

/* EPIOCSPARAMS/EPIOCGPARAMS, for libc headers older than Linux 6.9's. */
#ifndef EPIOCSPARAMS
struct epoll_params {
	uint32_t busy_poll_usecs;
	uint16_t busy_poll_budget;
	uint8_t prefer_busy_poll;
	uint8_t __pad;
};

#define EPIOCSPARAMS _IOW(0x8A, 0x01, struct epoll_params)
#define EPIOCGPARAMS _IOR(0x8A, 0x02, struct epoll_params)
#endif

/*
 * For a FIXTURE_SETUP() of kselftest_harness.h: start with only fds 0-2
 * (a runner may leave others open) and skip when checkpoint(2)/restart(2)
 * are missing.
 */
#define CR_SETUP() do { \
		const char *cr_why_; \
		close_range(3, ~0U, 0); \
		cr_why_ = cr_unsupported(); \
		if (cr_why_) \
			SKIP(return, "%s", cr_why_); \
	} while (0)

#define CR_PRINTF(a, b) __attribute__((format(printf, a, b)))

/*
 * NULL if checkpoint(2) and restart(2) can be called, else why not (for
 * SKIP()): headers without the syscall numbers, or a kernel without
 * CONFIG_CHECKPOINT_FILES.
 */
const char *cr_unsupported(void);

/* Syscall wrappers: the result, or -errno. */
long sys_checkpoint(pid_t pid, int fd, unsigned long flags);
long sys_restart(int fd, unsigned long flags);
/* kcmp(getpid(), getpid(), KCMP_FILE, fd1, fd2): 0 iff the same file. */
long sys_kcmp_file(int fd1, int fd2);
/* A libc call's result as the wrappers give it: r, or -errno if r < 0. */
long sysret(long r);
/* "-EBUSY" for -EBUSY, the number itself otherwise; buf has >= 32 bytes. */
const char *ret_str(long ret, char *buf, size_t len);

/*
 * A "# " diagnostic line, on stderr unless cr_diag_to() said otherwise;
 * stdout is flushed first, so the line comes after what was printed there.
 */
void cr_diag(const char *fmt, ...) CR_PRINTF(1, 2);
/* Where cr_diag() and the failed expectations print: stderr by default. */
void cr_diag_to(FILE *f);

/* Expectations: log "# ..." and return false when not met. */
bool expect(bool cond, const char *fmt, ...) CR_PRINTF(2, 3);
bool expect_ret(const char *what, long got, long want);
bool expect_success(const char *what, long got);	/* got >= 0 */

/* Processes. */
typedef int (*cr_build_fn)(void *arg);	/* 0 on success */
typedef bool (*cr_check_fn)(void *arg);	/* true if the check passed */

/*
 * Forks a child that closes every fd but 0-2, runs fn(arg) and then stops
 * itself with SIGSTOP (and pauses forever if continued).  Returns its pid
 * once it is stopped, or -1 (reaped, diagnostic logged) if fn failed.
 */
pid_t spawn_stopped(cr_build_fn fn, void *arg);
/* SIGKILL and wait for pid. */
void reap(pid_t pid);
/* Runs fn(arg) in a forked child; true iff it returned true. */
bool run_child(cr_check_fn fn, void *arg);
/*
 * Runs check(arg) in a forked restorer whose only fds are 0-2 and the
 * image, moved to CR_IMAGE_FD and rewound to offset 0.
 */
bool run_restorer(int image_fd, cr_check_fn check, void *arg);
/*
 * spawn_stopped(build, arg), checkpoint it into a new image with flags,
 * reap it.  Returns the image fd, or -1 with a diagnostic.
 */
int checkpoint_child(cr_build_fn build, void *arg, unsigned long flags);

/* fds. */
/* Moves fd to number target (dup2, then closes fd); false on error. */
bool place_fd(int fd, int target);
/* A new pipe with its ends at rfd and wfd. */
bool pipe_at(int rfd, int wfd);
/*
 * A nonblocking timerfd on clockid at fd, armed by timerfd_settime(flags)
 * with value_ns and interval_ns.
 */
bool timerfd_at(int fd, int clockid, int flags, long long value_ns,
		long long interval_ns);
/* epoll_ctl(ep, EPOLL_CTL_ADD, fd) with events and data. */
bool epoll_add(int ep, int fd, uint32_t events, uint64_t data);
bool write_all(int fd, const void *buf, size_t len);
/*
 * Sets O_NONBLOCK and reads until the pipe is empty (EAGAIN) or at EOF,
 * at most cap bytes.  Returns the bytes read, or -errno on another error.
 */
ssize_t drain(int fd, void *buf, size_t cap);

/* Images. */
int image_create(void);		/* a memfd; -1 with a diagnostic */
/* The whole content of fd (from offset 0) in a malloc'd buffer. */
ssize_t image_load(int fd, unsigned char **buf);
/* Replaces fd's content by len bytes of buf and rewinds it. */
bool image_fill(int fd, const void *buf, size_t len);
/* Byte-identical content; what names the comparison in the diagnostic. */
bool images_equal(int a, int b, const char *what);
/* zlib's crc32 (the trailer checksum). */
uint32_t crc32_zlib(const void *buf, size_t len);
/* Walks the records; counts them (trailer excluded) into *nrecords if set. */
bool image_walk(const unsigned char *buf, size_t len, uint32_t *nrecords);
/* fd's entry in the image's FD records; false if there is none. */
bool image_find_fd(const unsigned char *buf, size_t len, int fd,
		   struct ckpt_fd_entry *out);

/* fd-table snapshots, from /proc/self/fd (the directory's own fd left out). */
struct fd_entry {
	int fd;
	int fd_flags;		/* F_GETFD */
	int fl_flags;		/* F_GETFL */
	dev_t dev;
	ino_t ino;
};

struct fd_table {
	int n;
	struct fd_entry e[CR_MAX_FDS];	/* ascending fd */
};

bool fd_table_read(struct fd_table *t);
bool fd_table_equal(const struct fd_table *a, const struct fd_table *b);
/* "0 1 2 200" into buf. */
const char *fd_table_str(const struct fd_table *t, char *buf, size_t len);
/* Reads the table again; true if it equals before, else a diagnostic. */
bool fd_table_unchanged(const struct fd_table *before, const char *when);

/* /proc/self/fdinfo/N. */
struct fdinfo {
	long long pos;
	unsigned int flags;		/* octal "flags:" line, O_CLOEXEC included */
	bool has_eventfd;
	uint64_t eventfd_count;
	int eventfd_semaphore;
};

bool fdinfo_read(int fd, struct fdinfo *fi);

/* Regular files with known content. */
unsigned char pattern_byte(size_t i, unsigned int seed);
bool make_file(const char *path, size_t size, unsigned int seed);

#endif /* CR_UTIL_H */
