// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit fuzz loop for restart: real images from a seed corpus, mutated
 * and fed back to restart thousands of times.
 *
 * Each case checkpoints one real in-kernel state (pipes with data,
 * eventfds, epoll sets with items and ready lists, nested epoll, regular
 * files, chunked records, timers, socket pairs) into the fixture's shmem
 * image, keeps its bytes as the seed, and then, for a fixed number of
 * iterations, writes a mutated copy back to the image and restarts it
 * into the case's own fd table.  The mutations are image_mutate.c's, the
 * engine the userspace fuzzer (harness/fuzz/image-fuzz.c) shares: bit
 * flips, truncation at every offset (with and without a fresh trailer),
 * edits of record lengths, objrefs, types, counts and fd numbers, and
 * duplicated, dropped or reordered records.  Seven mutations in eight get their trailer's
 * checksum recomputed (half of those their counts too), so they reach
 * the checks behind it.
 *
 * The invariant, at every iteration: restart either fails with an errno,
 * leaving the fd table exactly as it was (only the sentinel fd open, no
 * fd reserved), every file it created released and the user's epoll
 * watch count unchanged; or it succeeds, and then every fd the image
 * names holds a file of the recorded type and mode, with the recorded
 * close-on-exec bit, one file per object, and every epoll set holds the
 * recorded number of items, all watching installed files, and the
 * recorded ready list in order.  Closing everything then releases every
 * file restart created.  No iteration may taint the kernel (a WARN).
 *
 * Every choice comes from the suite's seeded PRNG: cr_kunit.seed=N
 * replays a run; cr_kunit.fuzz_mutations=N changes the number of
 * mutations per case (0: the defaults below); cr_kunit.fuzz_verbose=1
 * logs each mutation before its restart, so a crash names its cause.
 */
#include <kunit/test.h>
#include <linux/eventfd.h>
#include <linux/fdtable.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/moduleparam.h>
#include <linux/net.h>
#include <linux/panic.h>
#include <linux/pipe_fs_i.h>
#include <linux/unaligned.h>
#include <net/sock.h>

#include "cr_kunit.h"
#include "image_mutate.h"

#undef MODULE_PARAM_PREFIX
#define MODULE_PARAM_PREFIX "cr_kunit."

static ulong fuzz_mutations;
module_param(fuzz_mutations, ulong, 0444);
MODULE_PARM_DESC(fuzz_mutations,
		 "mutations per checkpoint_fuzz case (0: the suite's defaults)");

static bool fuzz_verbose;
module_param(fuzz_verbose, bool, 0444);
MODULE_PARM_DESC(fuzz_verbose,
		 "log every mutation before its restart, to name the one a crash follows");

/*
 * Mutations per case and seed image, unless cr_kunit.fuzz_mutations.
 * KASAN builds (our sanitizer flavour, with lockdep and kmemleak) make a
 * restart about a hundred times slower; they run the first mutations of
 * the same sequence.
 */
#define FUZZ_MUTATIONS		(IS_ENABLED(CONFIG_KASAN) ? 100 : 4000)
/*
 * Truncation is exhaustive, except on KASAN builds for images longer than
 * this (the chunked one), which are cut only within FUZZ_EDGE bytes of a
 * record's start or end: deeper inside an array all cuts fail alike.
 */
#define FUZZ_EXHAUSTIVE_LEN	2048
#define FUZZ_EDGE		16

/* An fd open before every restart; images never name it at first. */
#define FUZZ_SENTINEL_FD	IMUT_SENTINEL_FD

#define FUZZ_MAX_MADE		64
#define FUZZ_MAX_READY		1024
/* Room for records that duplicated or grew. */
#define FUZZ_SLACK		16384
#define FUZZ_REGULAR_PATH	"/cr-kunit-fuzz-regular"

/* One object of an accepted image, for the checks after a restart. */
struct fuzz_obj {
	u32 file_type;		/* 0: a pipe object */
	u32 f_mode;
	u32 nitems;
	u32 nready;
	struct file *file;	/* installed at the fds that name it */
};

struct fuzz {
	struct kunit *test;
	const char *image_name;
	const u8 *seed;
	u32 seed_len;
	u32 iteration;

	/* the image being mutated, by image_mutate.c */
	struct imut m;

	/* the state every restart must leave as it was, or restore */
	struct file *sentinel;
	s64 watches;
	unsigned long taint;
	struct file *made[FUZZ_MAX_MADE];
	int nmade;
	struct fuzz_obj objs[IMUT_MAX_RECS + 1];
	struct ckpt_epoll_ready ready[FUZZ_MAX_READY];

	/* the last restart's result, and tallies */
	int err;
	u32 succeeded;
	u32 failed;
};

/* ---- the seed corpus ---- */

static void fuzz_write_fd(struct kunit *test, int fd, const char *s)
{
	loff_t pos = 0;

	KUNIT_ASSERT_EQ(test, kernel_write(cr_file(fd), s, strlen(s), &pos),
			(ssize_t)strlen(s));
}

static void fuzz_dup(struct kunit *test, int fd, int to, unsigned int flags)
{
	KUNIT_ASSERT_EQ(test, install_fd_unused(to, cr_file(fd), flags), 0);
}

static void fuzz_insert(struct kunit *test, int epfd, int fd, int key,
			u32 events, u64 data)
{
	KUNIT_ASSERT_EQ(test, eventpoll_cr_insert(cr_file(epfd), cr_file(fd),
						  key, (__force __poll_t)events,
						  data), 0);
}

/* Two pipes with buffered bytes, one with its write end closed. */
static unsigned long seed_pipes(struct kunit *test)
{
	cr_pipe(test, 3, 4);
	fuzz_write_fd(test, 4, "hello, world");
	cr_pipe(test, 5, 6);
	fuzz_write_fd(test, 6, "abc");
	close_fd(6);
	cr_efd(test, 7, 3, EFD_SEMAPHORE);
	fuzz_dup(test, 3, 9, O_CLOEXEC);
	return 0;
}

/* One set: ET, one-shot, a key whose fd is closed, a ready list. */
static unsigned long seed_epoll(struct kunit *test)
{
	cr_epoll(test, 3);
	cr_pipe(test, 4, 5);
	fuzz_write_fd(test, 5, "x");
	cr_efd(test, 6, 2, 0);
	cr_efd(test, 7, 0, EFD_NONBLOCK);
	KUNIT_ASSERT_EQ(test, cr_ctl(3, EPOLL_CTL_ADD, 4, EPOLLIN, 1), 0);
	KUNIT_ASSERT_EQ(test, cr_ctl(3, EPOLL_CTL_ADD, 6, EPOLLIN | EPOLLET, 2), 0);
	KUNIT_ASSERT_EQ(test, cr_ctl(3, EPOLL_CTL_ADD, 7,
				     EPOLLIN | EPOLLONESHOT, 3), 0);
	KUNIT_ASSERT_EQ(test, cr_ctl(3, EPOLL_CTL_ADD, 5, EPOLLOUT, 4), 0);
	fuzz_insert(test, 3, 6, 20, EPOLLIN, 5);
	return 0;
}

/* Inner set in two outer sets, one of which is in the other. */
static unsigned long seed_nested(struct kunit *test)
{
	cr_epoll(test, 3);
	cr_epoll(test, 4);
	cr_epoll(test, 5);
	cr_efd(test, 10, 1, 0);
	cr_efd(test, 11, 0, 0);
	KUNIT_ASSERT_EQ(test, cr_ctl(3, EPOLL_CTL_ADD, 10, EPOLLIN, 0xa), 0);
	KUNIT_ASSERT_EQ(test, cr_ctl(3, EPOLL_CTL_ADD, 11, EPOLLIN, 0xb), 0);
	KUNIT_ASSERT_EQ(test, cr_ctl(4, EPOLL_CTL_ADD, 3, EPOLLIN, 0xc), 0);
	KUNIT_ASSERT_EQ(test, cr_ctl(5, EPOLL_CTL_ADD, 3, EPOLLIN | EPOLLET, 0xd), 0);
	KUNIT_ASSERT_EQ(test, cr_ctl(5, EPOLL_CTL_ADD, 4, EPOLLIN, 0xe), 0);
	return 0;
}

/* A regular file open twice, with an eventfd and a set beside it. */
static unsigned long seed_regular(struct kunit *test)
{
	struct file *file;

	file = filp_open(FUZZ_REGULAR_PATH, O_CREAT | O_RDWR | O_APPEND, 0600);
	if (IS_ERR(file))
		kunit_skip(test, "no writable root filesystem (%ld)",
			   PTR_ERR(file));
	cr_install(test, file, 3);
	fuzz_write_fd(test, 3, "0123456789");
	cr_file(3)->f_pos = 5;
	file = filp_open(FUZZ_REGULAR_PATH, O_RDONLY, 0);
	cr_install(test, file, 4);
	cr_file(4)->f_pos = 2;
	fuzz_dup(test, 4, 8, O_CLOEXEC);
	cr_efd(test, 5, 1, 0);
	cr_epoll(test, 6);
	KUNIT_ASSERT_EQ(test, cr_ctl(6, EPOLL_CTL_ADD, 5, EPOLLIN, 7), 0);
	return 0;
}

/* FD, ITEMS and READY records of a full chunk and one more. */
static unsigned long seed_chunks(struct kunit *test)
{
	int i;

	cr_epoll(test, 3);
	cr_efd(test, 4, 1, 0);
	for (i = 0; i <= CKPT_CHUNK_ENTRIES; i++) {
		fuzz_dup(test, 4, 100 + i, 0);
		fuzz_insert(test, 3, 4, 1000 + i, EPOLLIN, i);
	}
	return 0;
}

/* Every type, nesting, a closed pipe end and a skipped fd. */
static unsigned long seed_mixed(struct kunit *test)
{
	struct cr_poll_file *pf = cr_poll_file_create(test);
	struct file *file;

	cr_pipe(test, 3, 4);
	fuzz_write_fd(test, 4, "mixed");
	cr_pipe(test, 5, 6);
	close_fd(5);
	cr_efd(test, 7, 5, EFD_SEMAPHORE | EFD_NONBLOCK);
	cr_epoll(test, 8);
	cr_epoll(test, 9);
	KUNIT_ASSERT_EQ(test, cr_ctl(8, EPOLL_CTL_ADD, 3, EPOLLIN | EPOLLRDHUP, 1), 0);
	KUNIT_ASSERT_EQ(test, cr_ctl(8, EPOLL_CTL_ADD, 6, EPOLLOUT | EPOLLET, 2), 0);
	KUNIT_ASSERT_EQ(test, cr_ctl(8, EPOLL_CTL_ADD, 7, EPOLLIN, 3), 0);
	KUNIT_ASSERT_EQ(test, cr_ctl(9, EPOLL_CTL_ADD, 8, EPOLLIN, 4), 0);
	KUNIT_ASSERT_EQ(test, cr_ctl(9, EPOLL_CTL_ADD, 7, EPOLLIN | EPOLLONESHOT, 5), 0);
	cr_install(test, get_file(pf->file), 12);
	fuzz_dup(test, 7, 13, O_CLOEXEC);
	file = filp_open(FUZZ_REGULAR_PATH, O_CREAT | O_RDWR, 0600);
	if (!IS_ERR(file))
		cr_install(test, file, 14);
	return CHECKPOINT_SKIP_UNSUPPORTED;
}

/* Timers in every state, a signalfd, and a set over them. */
static unsigned long seed_timers(struct kunit *test)
{
	struct timerfd_cr_state periodic = {
		.clockid = CLOCK_MONOTONIC, .armed = true,
		.settime_flags = TFD_TIMER_ABSTIME, .value = 1000000 * NSEC_PER_SEC,
		.interval = NSEC_PER_SEC,
	}, disarmed = {
		.clockid = CLOCK_BOOTTIME, .ticks = 2,
	}, expired = {
		.clockid = CLOCK_MONOTONIC, .armed = true, .expired = true,
		.value = -NSEC_PER_MSEC, .interval = NSEC_PER_SEC, .ticks = 1,
	};

	cr_timerfd(test, 3, &periodic, 0);
	cr_timerfd(test, 4, &disarmed, TFD_NONBLOCK);
	cr_timerfd(test, 5, &expired, 0);
	cr_signalfd(test, 6, 1ULL << (SIGUSR1 - 1), 0);
	cr_epoll(test, 7);
	KUNIT_ASSERT_EQ(test, cr_ctl(7, EPOLL_CTL_ADD, 3, EPOLLIN, 1), 0);
	KUNIT_ASSERT_EQ(test, cr_ctl(7, EPOLL_CTL_ADD, 4, EPOLLIN | EPOLLET, 2), 0);
	KUNIT_ASSERT_EQ(test, cr_ctl(7, EPOLL_CTL_ADD, 6, EPOLLIN, 3), 0);
	return 0;
}

/*
 * Socket pairs of each type with messages each way (an empty datagram),
 * a shutdown, a survivor of a peer that closed with unread bytes, and a
 * set over them.
 */
static unsigned long seed_sockets(struct kunit *test)
{
	struct file *peer;

	cr_socketpair(test, SOCK_STREAM, 3, 4);
	cr_socketpair(test, SOCK_DGRAM, 5, 6);
	cr_socketpair(test, SOCK_SEQPACKET, 7, 8);
	KUNIT_ASSERT_EQ(test, cr_send(4, "stream", 6, NULL, 0), 6);
	KUNIT_ASSERT_EQ(test, cr_send(3, "back", 4, NULL, 0), 4);
	KUNIT_ASSERT_EQ(test, cr_send(6, "dg", 2, NULL, 0), 2);
	KUNIT_ASSERT_EQ(test, cr_send(6, "", 0, NULL, 0), 0);
	KUNIT_ASSERT_EQ(test, cr_send(8, "seq", 3, NULL, 0), 3);
	KUNIT_ASSERT_EQ(test, kernel_sock_shutdown(sock_from_file(cr_file(5)), SHUT_WR), 0);
	peer = cr_socketpair(test, SOCK_STREAM, 9, -1);
	KUNIT_ASSERT_EQ(test, cr_send(9, "unread", 6, NULL, 0), 6);
	fput(peer);
	flush_delayed_fput();
	cr_epoll(test, 10);
	KUNIT_ASSERT_EQ(test, cr_ctl(10, EPOLL_CTL_ADD, 3, EPOLLIN | EPOLLET, 1), 0);
	KUNIT_ASSERT_EQ(test, cr_ctl(10, EPOLL_CTL_ADD, 5, EPOLLIN | EPOLLRDHUP, 2), 0);
	KUNIT_ASSERT_EQ(test, cr_ctl(10, EPOLL_CTL_ADD, 9, EPOLLIN | EPOLLRDHUP, 3), 0);
	return 0;
}

struct fuzz_image {
	const char *name;
	/* builds the state in the case's fd table; returns checkpoint flags */
	unsigned long (*build)(struct kunit *test);
};

static const struct fuzz_image fuzz_images[] = {
	{ "pipes", seed_pipes },
	{ "epoll", seed_epoll },
	{ "nested", seed_nested },
	{ "regular", seed_regular },
	{ "chunks", seed_chunks },
	{ "mixed", seed_mixed },
	{ "timers", seed_timers },
	{ "sockets", seed_sockets },
};

static void fuzz_image_desc(const struct fuzz_image *image, char *desc)
{
	strscpy(desc, image->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(fuzz_image, fuzz_images, fuzz_image_desc);

/* ---- the invariant ---- */

static void fuzz_hook(struct ckpt_ctx *ctx, enum ckpt_test_point point,
		      void *arg)
{
	struct cr_fixture *fx = ctx->test_data;
	struct fuzz *fz = fx->hook_data;
	int i;

	if (point != CKPT_POINT_RESTORED_FILE)
		return;
	for (i = 0; i < fz->nmade; i++)
		if (fz->made[i] == arg)
			return;
	if (fz->nmade < FUZZ_MAX_MADE)
		fz->made[fz->nmade++] = get_file(arg);
}

static void fuzz_put_made(struct fuzz *fz)
{
	while (fz->nmade)
		fput(fz->made[--fz->nmade]);
	flush_delayed_fput();
}

/* Open or reserved fds of the table; its size in *@max_fds. */
static unsigned int fuzz_open_fds(unsigned int *max_fds)
{
	struct files_struct *files = current->files;
	struct fdtable *fdt;
	unsigned int n;

	spin_lock(&files->file_lock);
	fdt = files_fdtable(files);
	n = bitmap_weight(fdt->open_fds, fdt->max_fds);
	if (max_fds)
		*max_fds = fdt->max_fds;
	spin_unlock(&files->file_lock);
	return n;
}

static void fuzz_close_all(bool sentinel_too)
{
	unsigned int max_fds, fd;

	fuzz_open_fds(&max_fds);
	for (fd = 0; fd < max_fds; fd++)
		if (sentinel_too || fd != FUZZ_SENTINEL_FD)
			close_fd(fd);
	flush_delayed_fput();
}

/* Fails the case unless @ok, naming the mutation; returns @ok. */
static __printf(3, 4) bool fuzz_expect(struct fuzz *fz, bool ok,
				       const char *fmt, ...)
{
	char msg[160];
	va_list ap;

	if (ok)
		return true;
	va_start(ap, fmt);
	vscnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	KUNIT_FAIL(fz->test, "image %s, mutation %u (%s): %s", fz->image_name,
		   fz->iteration, fz->m.desc, msg);
	return false;
}

/* Only the sentinel open, every created file gone, watches as before. */
static void fuzz_expect_table_as_before(struct fuzz *fz, const char *when)
{
	unsigned int n = fuzz_open_fds(NULL);
	bool settled;

	fuzz_expect(fz, n == 1, "%s: %u fds open or reserved, expected only the sentinel",
		    when, n);
	fuzz_expect(fz, cr_file(FUZZ_SENTINEL_FD) == fz->sentinel,
		    "%s: sentinel fd %d replaced", when, FUZZ_SENTINEL_FD);
	settled = cr_user_watches_are(fz->watches);
	fuzz_expect(fz, settled, "%s: epoll watches %lld, expected %lld", when,
		    settled ? fz->watches : cr_user_watches(), fz->watches);
}

static void fuzz_expect_failed_cleanly(struct fuzz *fz, int err)
{
	fuzz_expect(fz, err < 0 && err >= -MAX_ERRNO,
		    "restart returned %d, expected 0 or an errno", err);
	fuzz_put_made(fz);
	/* The fixture's own references: each must be the last one. */
	cr_expect_nothing_alive(fz->test);
	flush_delayed_fput();
	fuzz_expect_table_as_before(fz, "after a failed restart");
}

static bool fuzz_type_ok(struct file *file, u32 type)
{
	unsigned int flags;
	u64 count;

	switch (type) {
	case CKPT_FILE_REGULAR:
		return S_ISREG(file_inode(file)->i_mode);
	case CKPT_FILE_PIPE:
		return !!get_pipe_info(file, false);
	case CKPT_FILE_EVENTFD:
		return !eventfd_cr_get(file, &count, &flags);
	case CKPT_FILE_EPOLL:
		return eventpoll_cr_is_epoll(file);
	case CKPT_FILE_TIMERFD:
		return timerfd_cr_is_timerfd(file);
	case CKPT_FILE_SIGNALFD:
		return ckpt_ready_per_task(file);
	case CKPT_FILE_UNIX:
		return sock_from_file(file) &&
		       sock_from_file(file)->sk->sk_family == AF_UNIX;
	}
	return false;
}

static u32 fuzz_fmode(struct file *file)
{
	return (file->f_mode & FMODE_READ ? CKPT_FMODE_READ : 0) |
	       (file->f_mode & FMODE_WRITE ? CKPT_FMODE_WRITE : 0);
}

/* Objects of the accepted image, in objref order (objref = index + 1). */
static u32 fuzz_parse_objects(struct fuzz *fz)
{
	u32 nobjs = 0;
	int r;

	memset(fz->objs, 0, sizeof(fz->objs));
	for (r = 0; r < fz->m.nrecs; r++) {
		const u8 *p = fz->m.buf + fz->m.recs[r].off;
		struct fuzz_obj *obj;

		if (fz->m.recs[r].type != CKPT_REC_FILE &&
		    fz->m.recs[r].type != CKPT_REC_PIPE &&
		    fz->m.recs[r].type != CKPT_REC_UNIX_PAIR)
			continue;
		obj = &fz->objs[++nobjs];
		if (fz->m.recs[r].type != CKPT_REC_FILE)
			continue;
		obj->file_type = IMUT_U32(p, struct ckpt_rec_file, file_type);
		obj->f_mode = IMUT_U32(p, struct ckpt_rec_file, f_mode);
		if (obj->file_type == CKPT_FILE_EPOLL) {
			obj->nitems = IMUT_U32(p + IMUT_FILE_SPEC,
					       struct ckpt_file_epoll, nitems);
			obj->nready = IMUT_U32(p + IMUT_FILE_SPEC,
					       struct ckpt_file_epoll, nready);
		}
	}
	return nobjs;
}

/* Every fd entry: the right file, type, mode, close-on-exec; a count. */
static u32 fuzz_check_fds(struct fuzz *fz, u32 nobjs)
{
	u32 ninstalled = 0, i, o;
	int r;

	for (r = 0; r < fz->m.nrecs; r++) {
		const u8 *p = fz->m.buf + fz->m.recs[r].off;
		u32 count = IMUT_U32(p, struct ckpt_rec_fd, count);

		if (fz->m.recs[r].type != CKPT_REC_FD)
			continue;
		for (i = 0; i < count; i++) {
			const struct ckpt_fd_entry *e =
				&((const struct ckpt_rec_fd *)p)->entries[i];
			struct fuzz_obj *obj;
			struct file *file;

			if (e->flags & CKPT_FD_SKIPPED)
				continue;
			file = cr_file(e->fd);
			ninstalled++;
			fuzz_expect(fz, file && e->objref && e->objref <= nobjs,
				    "fd %d (objref %u) not installed", e->fd, e->objref);
			if (!file || !e->objref || e->objref > nobjs)
				return ninstalled;
			obj = &fz->objs[e->objref];
			fuzz_expect(fz, fuzz_type_ok(file, obj->file_type),
				    "fd %d: not a file of type %u", e->fd, obj->file_type);
			fuzz_expect(fz, fuzz_fmode(file) == obj->f_mode,
				    "fd %d: mode %u, recorded %u", e->fd,
				    fuzz_fmode(file), obj->f_mode);
			fuzz_expect(fz, cr_cloexec(e->fd) == !!(e->flags & CKPT_FD_CLOEXEC),
				    "fd %d: close-on-exec bit not as recorded", e->fd);
			if (!obj->file) {
				for (o = 1; o <= nobjs; o++)
					fuzz_expect(fz, fz->objs[o].file != file,
						    "fd %d: objects %u and %u share a file",
						    e->fd, o, e->objref);
				obj->file = file;
			}
			fuzz_expect(fz, obj->file == file,
				    "fd %d: not the file of objref %u", e->fd, e->objref);
		}
	}
	return ninstalled;
}

struct fuzz_set_walk {
	struct fuzz *fz;
	u32 nobjs;
	u32 nexpected;		/* ready entries the image records */
	u32 nitems;
	u32 nready;
	int foreign_fd;		/* an item whose target is not installed */
	int misplaced;		/* a ready entry not as recorded, or -1 */
	u32 late;		/* ready since restart: see fuzz_walk_item() */
};

static int fuzz_walk_item(void *arg, const struct epoll_cr_item *item)
{
	struct fuzz_set_walk *w = arg;
	struct fuzz *fz = w->fz;
	const struct ckpt_epoll_ready *e;
	bool installed = false;
	u32 o;

	w->nitems++;
	for (o = 1; o <= w->nobjs; o++)
		installed |= fz->objs[o].file && fz->objs[o].file == item->file;
	if (!installed)
		w->foreign_fd = item->fd;
	if (item->ready_pos < 0)
		return 0;
	w->nready++;
	/*
	 * Behind the recorded list, a timer's item may be ready since: a
	 * mutated deadline can have passed (the restored timer then expires
	 * at once); and a signalfd's is ready for the restorer's signals.
	 */
	if (item->ready_pos >= w->nexpected &&
	    (timerfd_cr_is_timerfd(item->file) || ckpt_ready_per_task(item->file))) {
		w->late++;
		return 0;
	}
	if (item->ready_pos >= w->nexpected) {
		w->misplaced = item->ready_pos;
		return 0;
	}
	e = &fz->ready[item->ready_pos];
	if (e->fd != item->fd || !e->target_objref ||
	    e->target_objref > w->nobjs ||
	    fz->objs[e->target_objref].file != item->file)
		w->misplaced = item->ready_pos;
	return 0;
}

/* The ready entries the image records for set @objref, in order. */
static u32 fuzz_expected_ready(struct fuzz *fz, u32 objref)
{
	u32 n = 0, i;
	int r;

	for (r = 0; r < fz->m.nrecs; r++) {
		const u8 *p = fz->m.buf + fz->m.recs[r].off;
		u32 count = IMUT_U32(p, struct ckpt_rec_epoll_ready, count);

		if (fz->m.recs[r].type != CKPT_REC_EPOLL_READY ||
		    IMUT_U32(p, struct ckpt_rec_epoll_ready, epoll_objref) != objref)
			continue;
		for (i = 0; i < count && n < FUZZ_MAX_READY; i++)
			memcpy(&fz->ready[n++],
			       IMUT_AT(p, struct ckpt_rec_epoll_ready, ready) +
			       i * sizeof(fz->ready[0]), sizeof(fz->ready[0]));
	}
	return n;
}

static void fuzz_check_sets(struct fuzz *fz, u32 nobjs)
{
	u32 o;

	for (o = 1; o <= nobjs; o++) {
		struct fuzz_obj *obj = &fz->objs[o];
		struct fuzz_set_walk w = {
			.fz = fz, .nobjs = nobjs, .foreign_fd = -1,
			.misplaced = -1,
		};

		if (obj->file_type != CKPT_FILE_EPOLL || !obj->file)
			continue;
		w.nexpected = fuzz_expected_ready(fz, o);
		fuzz_expect(fz, !eventpoll_cr_walk_items(obj->file, fuzz_walk_item, &w),
			    "set %u: walk failed", o);
		fuzz_expect(fz, w.nitems == obj->nitems,
			    "set %u: %u items, recorded %u", o, w.nitems, obj->nitems);
		fuzz_expect(fz, w.nready - w.late == obj->nready &&
			    w.nready - w.late == w.nexpected,
			    "set %u: %u ready (%u since restart), recorded %u", o,
			    w.nready, w.late, obj->nready);
		fuzz_expect(fz, w.foreign_fd < 0,
			    "set %u: item fd %d watches a file not installed", o,
			    w.foreign_fd);
		fuzz_expect(fz, w.misplaced < 0,
			    "set %u: ready entry %d not as recorded", o, w.misplaced);
	}
}

static void fuzz_expect_restored(struct fuzz *fz)
{
	u32 nobjs, ninstalled;
	unsigned int n;
	int i;

	/* Restart reads up to the first trailer and not a byte further. */
	imut_rewalk(&fz->m);
	for (i = 0; i < fz->m.nrecs; i++)
		if (fz->m.recs[i].type == CKPT_REC_TRAILER)
			break;
	fuzz_expect(fz, i < fz->m.nrecs, "accepted an image without a trailer");
	fz->m.nrecs = min(i + 1, fz->m.nrecs);
	nobjs = fuzz_parse_objects(fz);
	ninstalled = fuzz_check_fds(fz, nobjs);
	n = fuzz_open_fds(NULL);
	fuzz_expect(fz, n == ninstalled + 1, "%u fds open, expected %u and the sentinel",
		    n, ninstalled);
	fuzz_expect(fz, cr_file(FUZZ_SENTINEL_FD) == fz->sentinel,
		    "sentinel fd %d replaced", FUZZ_SENTINEL_FD);
	fuzz_check_sets(fz, nobjs);

	/* Closing every fd must release every file restart created. */
	fuzz_close_all(false);
	for (i = 0; i < fz->nmade; i++)
		fuzz_expect(fz, file_count(fz->made[i]) == 1,
			    "restored file %d of %d still referenced after close",
			    i + 1, fz->nmade);
	fuzz_put_made(fz);
	fuzz_expect_table_as_before(fz, "after closing a restored table");
}

/* Restarts the mutated image; true while the invariant holds. */
static bool fuzz_restart(struct fuzz *fz)
{
	struct kunit *test = fz->test;
	int err;

	if (fuzz_verbose)
		kunit_info(test, "image %s, mutation %u: %s\n", fz->image_name,
			   fz->iteration, fz->m.desc);
	cr_image_replace(test, fz->m.buf, fz->m.len);
	err = cr_restart(test);
	fz->err = err;
	if (err) {
		fz->failed++;
		fuzz_expect_failed_cleanly(fz, err);
	} else {
		fz->succeeded++;
		fuzz_expect_restored(fz);
	}
	fuzz_expect(fz, get_taint() == fz->taint,
		    "kernel tainted %#lx (a WARN?), was %#lx", get_taint(),
		    fz->taint);
	fz->taint = get_taint();
	if (test->status != KUNIT_FAILURE)
		return true;
	kunit_err(test, "image %s, mutation %u: %s; replay: cr_kunit.seed=%llu\n",
		  fz->image_name, fz->iteration, fz->m.desc, cr_kunit_seed());
	return false;
}

/* ---- cases ---- */

static void fuzz_close_action(void *unused)
{
	fuzz_close_all(true);
}

/* The seed, unmutated, for iteration @i. */
static void fuzz_reset(struct fuzz *fz, u32 i)
{
	imut_reset(&fz->m, fz->seed, fz->seed_len);
	fz->iteration = i;
}

/*
 * Builds the case's seed image and the table every restart starts from:
 * only the sentinel open.  Each case and image draws its own stream from
 * the suite's seed.  The seed itself must restore and pass the checks.
 */
static struct fuzz *fuzz_setup(struct kunit *test, u32 salt)
{
	const struct fuzz_image *image = test->param_value;
	struct cr_fixture *fx = cr_fx(test);
	struct fuzz *fz = kunit_kzalloc(test, sizeof(*fz), GFP_KERNEL);
	size_t len;

	KUNIT_ASSERT_NOT_NULL(test, fz);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, fuzz_close_action,
							NULL), 0);
	fz->test = test;
	fz->m.rnd = &fx->rnd;
	fz->image_name = image->name;
	prandom_seed_state(fz->m.rnd, cr_kunit_seed() ^
			   ((u64)salt << 32 | (image - fuzz_images)) *
			   0x9e3779b97f4a7c15ULL);

	KUNIT_ASSERT_EQ(test, cr_checkpoint(test, image->build(test)), 0);
	fz->seed = cr_image_bytes(test, &len);
	fz->seed_len = len;
	fuzz_close_all(true);

	fz->m.cap = fz->seed_len + FUZZ_SLACK;
	fz->m.buf = kunit_kmalloc(test, fz->m.cap, GFP_KERNEL);
	fz->m.tmp = kunit_kmalloc(test, fz->m.cap, GFP_KERNEL);
	fz->m.fields = kunit_kmalloc_array(test, IMUT_MAX_FIELDS,
					   sizeof(*fz->m.fields), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, fz->m.buf);
	KUNIT_ASSERT_NOT_NULL(test, fz->m.tmp);
	KUNIT_ASSERT_NOT_NULL(test, fz->m.fields);

	cr_efd(test, FUZZ_SENTINEL_FD, 0, 0);
	fz->sentinel = cr_file(FUZZ_SENTINEL_FD);
	fz->watches = cr_user_watches();
	fz->taint = get_taint();
	fx->hook = fuzz_hook;
	fx->hook_data = fz;

	fuzz_reset(fz, 0);
	imut_say(&fz->m, "none");
	KUNIT_ASSERT_TRUE(test, fuzz_restart(fz));
	KUNIT_ASSERT_EQ_MSG(test, fz->err, 0, "the unmutated %s image", image->name);
	fz->succeeded = 0;
	return fz;
}

static void fuzz_report(struct fuzz *fz)
{
	kunit_info(fz->test, "fuzz: %u mutations, %u restarts succeeded, %u failed cleanly, seed %llu\n",
		   fz->succeeded + fz->failed, fz->succeeded, fz->failed,
		   cr_kunit_seed());
}

static u32 fuzz_count(void)
{
	return fuzz_mutations ? min_t(ulong, fuzz_mutations, U32_MAX) :
				FUZZ_MUTATIONS;
}

static void fuzz_random(struct kunit *test, enum imut_op op)
{
	struct fuzz *fz = fuzz_setup(test, op);
	u32 i, n = fuzz_count();

	for (i = 0; i < n; i++) {
		fuzz_reset(fz, i);
		imut_mutate(&fz->m, op);
		imut_finish(&fz->m);
		if (!fuzz_restart(fz))
			break;
		cond_resched();
	}
	fuzz_report(fz);
}

/* Whether to cut the seed at @to; fz->m.recs are the seed's records. */
static bool fuzz_cut_here(struct fuzz *fz, u32 to)
{
	int r;

	if (!IS_ENABLED(CONFIG_KASAN) || fz->seed_len <= FUZZ_EXHAUSTIVE_LEN)
		return true;
	for (r = 0; r < fz->m.nrecs; r++) {
		const struct imut_rec *rec = &fz->m.recs[r];

		if (to >= rec->off && to < rec->off + rec->len)
			return to < rec->off + FUZZ_EDGE ||
			       to + FUZZ_EDGE >= rec->off + rec->len;
	}
	return true;
}

/* Every prefix of the seed: a truncated image must give -EINVAL. */
static void fuzz_truncate_every_offset(struct kunit *test)
{
	struct fuzz *fz = fuzz_setup(test, IMUT_OP_TRUNCATE);
	u32 to;

	for (to = 0; to < fz->seed_len; to++) {
		fuzz_reset(fz, to);
		if (!fuzz_cut_here(fz, to))
			continue;
		imut_truncate(&fz->m, to);
		if (!fuzz_restart(fz))
			break;
		fuzz_expect(fz, fz->err == -EINVAL,
			    "restart of a truncated image returned %d, expected %d",
			    fz->err, -EINVAL);
		if (fz->err != -EINVAL)
			break;
		cond_resched();
	}
	fuzz_report(fz);
}

/* Every prefix of the seed with a valid trailer after it. */
static void fuzz_truncate_every_offset_new_trailer(struct kunit *test)
{
	struct fuzz *fz = fuzz_setup(test, IMUT_OP_TRUNCATE_TRAILER);
	u32 to;

	for (to = 0; to < fz->seed_len; to++) {
		fuzz_reset(fz, to);
		if (!fuzz_cut_here(fz, to))
			continue;
		imut_truncate_new_trailer(&fz->m, to);
		imut_fix_trailer(&fz->m, true);
		if (!fuzz_restart(fz))
			break;
		cond_resched();
	}
	fuzz_report(fz);
}

static void fuzz_bit_flips(struct kunit *test)
{
	fuzz_random(test, IMUT_OP_BITFLIP);
}

static void fuzz_record_lengths(struct kunit *test)
{
	fuzz_random(test, IMUT_OP_LEN);
}

static void fuzz_objrefs(struct kunit *test)
{
	fuzz_random(test, IMUT_OP_OBJREF);
}

static void fuzz_types(struct kunit *test)
{
	fuzz_random(test, IMUT_OP_TYPE);
}

static void fuzz_counts(struct kunit *test)
{
	fuzz_random(test, IMUT_OP_COUNT);
}

static void fuzz_fd_numbers(struct kunit *test)
{
	fuzz_random(test, IMUT_OP_FD);
}

static void fuzz_duplicated_records(struct kunit *test)
{
	fuzz_random(test, IMUT_OP_DUP);
}

static void fuzz_dropped_records(struct kunit *test)
{
	fuzz_random(test, IMUT_OP_DROP);
}

static void fuzz_reordered_records(struct kunit *test)
{
	fuzz_random(test, IMUT_OP_REORDER);
}

static void fuzz_stacked_mutations(struct kunit *test)
{
	fuzz_random(test, IMUT_OP_STACKED);
}

/*
 * What fuzz_counts found first (seed 20091123, image regular, mutation
 * 477): a regular file's path_len of U32_MAX in a record sized for it
 * (a struct ckpt_rec_file and a struct ckpt_file_regular, no path) made
 * path_len + 1 wrap to 0 and restart read a path through ZERO_SIZE_PTR.
 * It must be -EINVAL, with nothing left behind.
 */
static void fuzz_regular_path_len_wrap_is_einval(struct kunit *test)
{
	const u32 cut = sizeof(struct ckpt_rec_file) +
			sizeof(struct ckpt_file_regular);
	struct ckpt_rec_file *rec;
	u8 *image, *end;
	size_t len;

	seed_regular(test);
	KUNIT_ASSERT_EQ(test, cr_checkpoint(test, 0), 0);
	image = cr_image_bytes(test, &len);
	cr_close_all();
	rec = (void *)cr_image_find(image, len, CKPT_REC_FILE, 0);
	KUNIT_ASSERT_NOT_NULL(test, rec);
	KUNIT_ASSERT_EQ(test, rec->file_type, (u32)CKPT_FILE_REGULAR);
	((struct ckpt_file_regular *)(rec + 1))->path_len = U32_MAX;
	end = (u8 *)rec + rec->h.len;
	memmove((u8 *)rec + cut, end, image + len - end);
	len -= rec->h.len - cut;
	rec->h.len = cut;
	cr_image_fix_checksum(image, len);
	cr_image_replace(test, image, len);
	KUNIT_EXPECT_EQ(test, cr_restart(test), -EINVAL);
	KUNIT_EXPECT_EQ(test, cr_fd_table(), 0ULL);
	cr_expect_nothing_alive(test);
}

static struct kunit_case fuzz_test_cases[] = {
	KUNIT_CASE(fuzz_regular_path_len_wrap_is_einval),
	/* Every offset of every image: minutes under KCSAN (make smp-check). */
	KUNIT_CASE_PARAM_ATTR(fuzz_truncate_every_offset, fuzz_image_gen_params,
			      { .speed = KUNIT_SPEED_SLOW }),
	KUNIT_CASE_PARAM_ATTR(fuzz_truncate_every_offset_new_trailer,
			      fuzz_image_gen_params, { .speed = KUNIT_SPEED_SLOW }),
	KUNIT_CASE_PARAM(fuzz_bit_flips, fuzz_image_gen_params),
	KUNIT_CASE_PARAM(fuzz_record_lengths, fuzz_image_gen_params),
	KUNIT_CASE_PARAM(fuzz_objrefs, fuzz_image_gen_params),
	KUNIT_CASE_PARAM(fuzz_types, fuzz_image_gen_params),
	KUNIT_CASE_PARAM(fuzz_counts, fuzz_image_gen_params),
	KUNIT_CASE_PARAM(fuzz_fd_numbers, fuzz_image_gen_params),
	KUNIT_CASE_PARAM(fuzz_duplicated_records, fuzz_image_gen_params),
	KUNIT_CASE_PARAM(fuzz_dropped_records, fuzz_image_gen_params),
	KUNIT_CASE_PARAM(fuzz_reordered_records, fuzz_image_gen_params),
	KUNIT_CASE_PARAM(fuzz_stacked_mutations, fuzz_image_gen_params),
	{}
};

static struct kunit_suite fuzz_test_suite = {
	.name = "checkpoint_fuzz",
	.suite_init = cr_kunit_suite_init,
	.init = cr_kunit_init,
	.test_cases = fuzz_test_cases,
};

kunit_test_suite(fuzz_test_suite);
