/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cr-util: helpers shared by the checkpoint/restart test programs that run
 * inside UML (harness/launch/uml-run): syscall wrappers, KTAP output,
 * expectations, processes, fds.  Its sibling modules in harness/lib/,
 * which build on it, are image.h (images and their records) and
 * fd-table.h (fd-table snapshots).
 *
 * Conventions: functions returning bool print a "# " KTAP diagnostic line
 * saying what was expected and what came instead when they return false;
 * syscall wrappers return -errno on failure.  Output goes to stdout, line
 * buffered and flushed after every line, so forked children never inherit
 * unwritten output and their diagnostics come out before the parent's
 * result line.
 */
#ifndef CR_UTIL_H
#define CR_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <linux/checkpoint.h>

/* Where a restorer keeps its image: a number test images never use. */
#define CR_IMAGE_FD 200

/* EPIOCSPARAMS/EPIOCGPARAMS, for libc headers older than Linux 6.9's. */
#include <sys/ioctl.h>
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

#define CR_PRINTF(a, b) __attribute__((format(printf, a, b)))

/* Syscall wrappers: the result, or -errno. */
long sys_checkpoint(pid_t pid, int fd, unsigned long flags);
long sys_restart(int fd, unsigned long flags);
/* kcmp(getpid(), getpid(), KCMP_FILE, fd1, fd2): 0 iff the same file. */
long sys_kcmp_file(int fd1, int fd2);
/* A libc call's result as the wrappers give it: r, or -errno if r < 0. */
long sysret(long r);
/* "-EBUSY" for -EBUSY, the number itself otherwise; buf has >= 32 bytes. */
const char *ret_str(long ret, char *buf, size_t len);

/* KTAP reporting. */
void ktap_plan(int ncases);
void ktap_diag(const char *fmt, ...) CR_PRINTF(1, 2);
/* Prints "ok N name" or "not ok N name"; returns ok. */
bool ktap_result(bool ok, const char *name);
/* The same, with a diagnostic line printed first when !ok. */
bool ktap_resultf(bool ok, const char *name, const char *fmt, ...)
	CR_PRINTF(3, 4);

/* Expectations: print "# ..." and return false when not met. */
bool expect(bool cond, const char *fmt, ...) CR_PRINTF(2, 3);
bool expect_ret(const char *what, long got, long want);
bool expect_success(const char *what, long got);	/* got >= 0 */

/* Processes. */
typedef int (*cr_build_fn)(void *arg);	/* 0 on success */
typedef bool (*cr_check_fn)(void *arg);	/* true if the check passed */

/*
 * Forks a child that closes every fd but 0-2, runs fn(arg) and then stops
 * itself with SIGSTOP (and pauses forever if continued).  Returns its pid
 * once it is stopped, or -1 (reaped, diagnostic printed) if fn failed.
 */
pid_t spawn_stopped(cr_build_fn fn, void *arg);
/* SIGKILL and wait for pid. */
void reap(pid_t pid);
/* Runs fn(arg) in a forked child; true iff it returned true. */
bool run_child(cr_check_fn fn, void *arg);
/*
 * Runs check(arg) in a forked restorer whose only fds are 0-2 and the
 * image, moved to CR_IMAGE_FD and rewound to offset 0.  check usually
 * calls sys_restart(CR_IMAGE_FD, 0) and inspects the result.
 */
bool run_restorer(int image_fd, cr_check_fn check, void *arg);

/* fds. */
/* Moves fd to number target (dup2, then closes fd); false on error. */
bool place_fd(int fd, int target);
/* A new pipe with its ends at rfd and wfd. */
bool pipe_at(int rfd, int wfd);
bool write_all(int fd, const void *buf, size_t len);
/* Reads exactly len bytes; false, silently, at EOF (a peer's end) or error. */
bool read_full(int fd, void *buf, size_t len);
/*
 * Sets O_NONBLOCK and reads until the pipe is empty (EAGAIN) or at EOF,
 * at most cap bytes.  Returns the bytes read, or -errno on another error.
 */
ssize_t drain(int fd, void *buf, size_t cap);

/* Regular files with known content. */
unsigned char pattern_byte(size_t i, unsigned int seed);
bool make_file(const char *path, size_t size, unsigned int seed);

#endif /* CR_UTIL_H */
