/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Fixtures shared by the checkpoint/restart KUnit suites.
 *
 * Each case runs in its own kthread, which .init gives a private fd table
 * (unshare_files()), so a case can install real files at fd numbers of its
 * choice, checkpoint its own table into a shmem image, close everything
 * and restart it, exactly as the syscalls do for a process.
 */
#ifndef _FS_CHECKPOINT_CR_KUNIT_H
#define _FS_CHECKPOINT_CR_KUNIT_H

#include <kunit/test.h>
#include <linux/eventpoll.h>
#include <linux/prandom.h>
#include <linux/timerfd.h>

#include "../internal.h"

/* fds a case may use; the fd table is compared over this range */
#define CR_KUNIT_MAX_FD		64
#define CR_KUNIT_MAX_TRACKED	64

struct cr_fixture {
	/* the case's own fd table (unshare_files()), with a reference of ours */
	struct files_struct *files;
	struct file *image;
	struct rnd_state rnd;
	/* files restart created, each with a reference of ours */
	struct file *tracked[CR_KUNIT_MAX_TRACKED];
	int ntracked;
	/* a pause point for interleaving cases */
	void (*hook)(struct ckpt_ctx *ctx, enum ckpt_test_point point,
		     void *arg);
	void *hook_data;
};

/* The seed of this run: cr_kunit.seed=N on the command line. */
u64 cr_kunit_seed(void);
int cr_kunit_init(struct kunit *test);
int cr_kunit_suite_init(struct kunit_suite *suite);

static inline struct cr_fixture *cr_fx(struct kunit *test)
{
	return test->priv;
}

/* Installs @file at @fd and drops the caller's reference. */
void cr_install(struct kunit *test, struct file *file, int fd);
void cr_efd(struct kunit *test, int fd, u64 count, unsigned int flags);
void cr_pipe(struct kunit *test, int rfd, int wfd);
void cr_epoll(struct kunit *test, int fd);
/*
 * A UNIX socketpair(2) of @type with end 0 at @fd0 and end 1 at @fd1; with
 * @fd1 < 0, end 1 is returned, with the caller's reference, instead.
 */
struct file *cr_socketpair(struct kunit *test, int type, int fd0, int fd1);
/* sendmsg(2) on the socket at @fd, MSG_DONTWAIT; @control kernel memory. */
int cr_send(int fd, const void *buf, size_t len, void *control,
	    size_t controllen);
/* A timerfd made from @st and armed, at @fd; @flags TFD_NONBLOCK/CLOEXEC. */
void cr_timerfd(struct kunit *test, int fd, const struct timerfd_cr_state *st,
		int flags);
/* The state of the timerfd at @fd, read as the freeze reads it. */
void cr_timerfd_state(struct kunit *test, int fd, struct timerfd_cr_state *st);
/* A signalfd accepting the signals of @mask (bit signo - 1), at @fd. */
void cr_signalfd(struct kunit *test, int fd, u64 mask, int flags);
/* epoll_ctl(2) on fds of the current table. */
int cr_ctl(int epfd, int op, int fd, u32 events, u64 data);
/* The file at @fd without a reference; NULL if none. */
struct file *cr_file(int fd);
void cr_close_all(void);

/* A bitmap of the open fds below CR_KUNIT_MAX_FD. */
u64 cr_fd_table(void);
/* The close-on-exec bit of @fd in the case's table. */
bool cr_cloexec(int fd);
/*
 * The current user's epoll watch count (max_user_watches' counter), once
 * the fput() work in flight has released its files' items (a baseline).
 */
s64 cr_user_watches(void);
/* True once the count is @want, false if it is not within 5 s. */
bool cr_user_watches_are(s64 want);

/* Checkpoint of the current table into the image, from offset 0. */
int cr_checkpoint(struct kunit *test, unsigned long flags);
int cr_checkpoint_faulty(struct kunit *test, unsigned long flags,
			 enum ckpt_fault_site site, unsigned int nth);
/* Restart of the image into the current table. */
int cr_restart(struct kunit *test);
int cr_restart_faulty(struct kunit *test, enum ckpt_fault_site site,
		      unsigned int nth);
/*
 * Checkpoint of the current table with @flags, every fd closed, restart
 * of the image: the case goes on with the restored table.
 */
void cr_roundtrip(struct kunit *test, unsigned long flags);
/*
 * Checkpoint of the current table, every fd closed, restart, checkpoint
 * again: the two images must be byte for byte the same.
 */
void cr_expect_restored_checkpoints_identically(struct kunit *test);
/* After a failed restart: every file it created is gone again. */
void cr_expect_nothing_alive(struct kunit *test);

/* The image's bytes, in a kunit-managed buffer. */
u8 *cr_image_bytes(struct kunit *test, size_t *len);
void cr_image_replace(struct kunit *test, const u8 *buf, size_t len);
/* Recomputes the trailer's checksum after an edit of @buf. */
void cr_image_fix_checksum(u8 *buf, size_t len);
/* The first record of @type at or after @from, or NULL. */
struct ckpt_hdr *cr_image_find(u8 *buf, size_t len, u32 type, size_t from);

/* A pollable test file whose readiness the case sets. */
struct cr_poll_file {
	wait_queue_head_t wq;
	__poll_t mask;
	struct file *file;
};

struct cr_poll_file *cr_poll_file_create(struct kunit *test);
void cr_poll_file_set(struct cr_poll_file *pf, __poll_t mask);

#endif /* _FS_CHECKPOINT_CR_KUNIT_H */
