// SPDX-License-Identifier: GPL-2.0
/*
 * Fixtures shared by the checkpoint/restart KUnit suites: see cr_kunit.h.
 */
#include <linux/anon_inodes.h>
#include <linux/delay.h>
#include <linux/eventfd.h>
#include <linux/fdtable.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/moduleparam.h>
#include <linux/net.h>
#include <linux/percpu_counter.h>
#include <linux/pipe_fs_i.h>
#include <linux/poll.h>
#include <linux/sched/user.h>
#include <linux/shmem_fs.h>
#include <linux/signalfd.h>
#include <linux/slab.h>
#include <linux/socket.h>
#include <linux/uio.h>

#include "cr_kunit.h"

#undef MODULE_PARAM_PREFIX
#define MODULE_PARAM_PREFIX "cr_kunit."

static ulong seed = 20091123;
module_param(seed, ulong, 0444);
MODULE_PARM_DESC(seed, "seed of the checkpoint KUnit suites' PRNG");

u64 cr_kunit_seed(void)
{
	return seed;
}

int cr_kunit_suite_init(struct kunit_suite *suite)
{
	pr_info("%s: seed %lu (replay: cr_kunit.seed=%lu)\n", suite->name,
		seed, seed);
	return 0;
}

static void cr_fput_action(void *file)
{
	fput(file);
}

static void cr_untrack_action(void *data)
{
	struct cr_fixture *fx = data;

	while (fx->ntracked)
		fput(fx->tracked[--fx->ntracked]);
}

/*
 * A case's thread signals its end (kthread's vfork_done, in exit_mm())
 * before it drops its fd table (exit_files()), so without this the next
 * case could start while this one's files are still open, their epoll
 * watches still counted against the user.  Cleanup runs in another
 * thread: wait there for the case's thread to let go of the table, close
 * the files with the last reference, and finish their deferred fputs.
 */
static void cr_files_release(void *data)
{
	struct files_struct *files = data;

	/* Not from the case's own thread (kunit_add_action_or_reset failing). */
	while (current->files != files && atomic_read(&files->count) > 1)
		schedule_timeout_uninterruptible(1);
	put_files_struct(files);
	flush_delayed_fput();
}

int cr_kunit_init(struct kunit *test)
{
	struct cr_fixture *fx = kunit_kzalloc(test, sizeof(*fx), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, fx);
	KUNIT_ASSERT_EQ(test, unshare_files(), 0);
	fx->files = current->files;
	atomic_inc(&fx->files->count);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, cr_files_release,
							fx->files), 0);
	fx->image = shmem_file_setup("cr-kunit-image", 0, 0);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, fx->image);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, cr_fput_action,
							fx->image), 0);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, cr_untrack_action,
							fx), 0);
	prandom_seed_state(&fx->rnd, seed);
	test->priv = fx;
	return 0;
}

void cr_install(struct kunit *test, struct file *file, int fd)
{
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, file);
	KUNIT_ASSERT_EQ(test, install_fd_unused(fd, file, 0), 0);
	fput(file);
}

void cr_efd(struct kunit *test, int fd, u64 count, unsigned int flags)
{
	cr_install(test, eventfd_cr_create(count, flags), fd);
}

void cr_timerfd(struct kunit *test, int fd, const struct timerfd_cr_state *st,
		int flags)
{
	struct file *file = timerfd_cr_create(st, flags);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, file);
	timerfd_cr_arm(file, st);
	cr_install(test, file, fd);
}

/* What the freeze holds over the timer locks, as lockdep's nest lock. */
static DEFINE_MUTEX(cr_timerfd_nest);

void cr_timerfd_state(struct kunit *test, int fd, struct timerfd_cr_state *st)
{
	struct file *file = cr_file(fd);

	KUNIT_ASSERT_NOT_NULL(test, file);
	KUNIT_ASSERT_TRUE(test, timerfd_cr_is_timerfd(file));
	mutex_lock(&cr_timerfd_nest);
	preempt_disable();
	local_irq_disable();
	timerfd_cr_lock(file, &cr_timerfd_nest);
	timerfd_cr_get_locked(file, st);
	timerfd_cr_unlock(file);
	local_irq_enable();
	preempt_enable();
	mutex_unlock(&cr_timerfd_nest);
}

void cr_signalfd(struct kunit *test, int fd, u64 mask, int flags)
{
	sigset_t set;

	siginitset(&set, mask);
	cr_install(test, signalfd_cr_create(&set, flags), fd);
}

void cr_pipe(struct kunit *test, int rfd, int wfd)
{
	struct file *ends[2];

	KUNIT_ASSERT_EQ(test, create_pipe_files(ends, 0), 0);
	cr_install(test, ends[0], rfd);
	cr_install(test, ends[1], wfd);
}

struct file *cr_socketpair(struct kunit *test, int type, int fd0, int fd1)
{
	struct socket *sock[2];
	struct file *file[2];
	int end;

	KUNIT_ASSERT_EQ(test, sock_create(AF_UNIX, type, 0, &sock[0]), 0);
	KUNIT_ASSERT_EQ(test, sock_create(AF_UNIX, type, 0, &sock[1]), 0);
	KUNIT_ASSERT_EQ(test, sock[0]->ops->socketpair(sock[0], sock[1]), 0);
	for (end = 0; end < 2; end++) {
		file[end] = sock_alloc_file(sock[end], 0, NULL);
		KUNIT_ASSERT_FALSE(test, IS_ERR(file[end]));
	}
	cr_install(test, file[0], fd0);
	if (fd1 < 0)
		return file[1];
	cr_install(test, file[1], fd1);
	return NULL;
}

int cr_send(int fd, const void *buf, size_t len, void *control,
	    size_t controllen)
{
	struct msghdr msg = {
		.msg_flags = MSG_DONTWAIT | MSG_NOSIGNAL,
		.msg_control = control,
		.msg_controllen = controllen,
	};
	struct kvec vec = { .iov_base = (void *)buf, .iov_len = len };

	return kernel_sendmsg(sock_from_file(cr_file(fd)), &msg, &vec, 1, len);
}

void cr_epoll(struct kunit *test, int fd)
{
	cr_install(test, eventpoll_cr_create(0), fd);
}

int cr_ctl(int epfd, int op, int fd, u32 events, u64 data)
{
	struct epoll_event ev = { .events = events, .data = data };

	return do_epoll_ctl(epfd, op, fd, &ev, false);
}

struct file *cr_file(int fd)
{
	struct file *file = fget_raw(fd);

	if (file)
		fput(file);
	return file;
}

void cr_close_all(void)
{
	int fd;

	for (fd = 0; fd < CR_KUNIT_MAX_FD; fd++)
		close_fd(fd);
}

u64 cr_fd_table(void)
{
	u64 map = 0;
	int fd;

	for (fd = 0; fd < CR_KUNIT_MAX_FD; fd++)
		if (cr_file(fd))
			map |= BIT_ULL(fd);
	return map;
}

bool cr_cloexec(int fd)
{
	bool cloexec;

	/* fdtable.h: the table is read under RCU or the file lock. */
	rcu_read_lock();
	cloexec = close_on_exec(fd, current->files);
	rcu_read_unlock();
	return cloexec;
}

/*
 * A case is a kthread, so its last fput() of a file queues the file on the
 * delayed_fput list, and the epoll items the file holds go with its
 * release.  flush_delayed_fput() releases what is on the list now, but on
 * SMP the delayed_fput worker may have taken part of the list a moment
 * earlier and still be releasing those files on another CPU (measured
 * under QEMU: a failed restart's 185 items still counted).  So the counter
 * is read once that work is over: when it reaches what the caller expects,
 * or for a baseline when it has not moved for CR_SETTLE_QUIET_MS; either
 * way for at most CR_SETTLE_MAX_MS.
 */
#define CR_SETTLE_STEP_MS	10
#define CR_SETTLE_QUIET_MS	100
#define CR_SETTLE_MAX_MS	5000

static s64 cr_user_watches_now(void)
{
	return percpu_counter_sum(&current_user()->epoll_watches);
}

s64 cr_user_watches(void)
{
	s64 last, now;
	unsigned int quiet = 0, waited;

	flush_delayed_fput();
	last = cr_user_watches_now();
	for (waited = 0; waited < CR_SETTLE_MAX_MS &&
	     quiet < CR_SETTLE_QUIET_MS; waited += CR_SETTLE_STEP_MS) {
		msleep(CR_SETTLE_STEP_MS);
		now = cr_user_watches_now();
		quiet = now == last ? quiet + CR_SETTLE_STEP_MS : 0;
		last = now;
	}
	return last;
}

bool cr_user_watches_are(s64 want)
{
	unsigned int waited;

	flush_delayed_fput();
	for (waited = 0; cr_user_watches_now() != want; waited += CR_SETTLE_STEP_MS) {
		if (waited >= CR_SETTLE_MAX_MS)
			return false;
		msleep(CR_SETTLE_STEP_MS);
	}
	return true;
}

static void cr_hook(struct ckpt_ctx *ctx, enum ckpt_test_point point,
		    void *arg)
{
	struct cr_fixture *fx = ctx->test_data;
	int i;

	if (point == CKPT_POINT_RESTORED_FILE) {
		for (i = 0; i < fx->ntracked; i++)
			if (fx->tracked[i] == arg)
				return;
		if (fx->ntracked < CR_KUNIT_MAX_TRACKED)
			fx->tracked[fx->ntracked++] = get_file(arg);
	}
	if (fx->hook)
		fx->hook(ctx, point, arg);
}

static int cr_run(struct kunit *test, enum ckpt_mode mode, unsigned long flags,
		  enum ckpt_fault_site site, unsigned int nth)
{
	struct cr_fixture *fx = cr_fx(test);
	struct ckpt_ctx *ctx;
	int err;

	if (mode == CKPT_MODE_CHECKPOINT)
		KUNIT_ASSERT_EQ(test, vfs_truncate(&fx->image->f_path, 0), 0);
	fx->image->f_pos = 0;
	ctx = ckpt_ctx_alloc(mode, flags, fx->image);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, ctx);
	ctx->fail_nth[site] = nth;
	ctx->test_hook = cr_hook;
	ctx->test_data = fx;
	if (mode == CKPT_MODE_CHECKPOINT) {
		ctx->task = get_task_struct(current);
		err = ckpt_checkpoint_files(ctx);
	} else {
		err = ckpt_restart_files(ctx);
	}
	ckpt_ctx_free(ctx);
	/* Files a restart created are checked only when it failed. */
	if (!err)
		cr_untrack_action(fx);
	/* Final fputs of a kthread are deferred; finish them now. */
	flush_delayed_fput();
	return err;
}

int cr_checkpoint(struct kunit *test, unsigned long flags)
{
	return cr_run(test, CKPT_MODE_CHECKPOINT, flags, CKPT_FAULT_ALLOC, 0);
}

int cr_checkpoint_faulty(struct kunit *test, unsigned long flags,
			 enum ckpt_fault_site site, unsigned int nth)
{
	return cr_run(test, CKPT_MODE_CHECKPOINT, flags, site, nth);
}

int cr_restart(struct kunit *test)
{
	return cr_run(test, CKPT_MODE_RESTART, 0, CKPT_FAULT_ALLOC, 0);
}

void cr_roundtrip(struct kunit *test, unsigned long flags)
{
	KUNIT_ASSERT_EQ(test, cr_checkpoint(test, flags), 0);
	cr_close_all();
	KUNIT_ASSERT_EQ(test, cr_restart(test), 0);
}

int cr_restart_faulty(struct kunit *test, enum ckpt_fault_site site,
		      unsigned int nth)
{
	return cr_run(test, CKPT_MODE_RESTART, 0, site, nth);
}

void cr_expect_restored_checkpoints_identically(struct kunit *test)
{
	size_t la, lb;
	u8 *a, *b;

	KUNIT_ASSERT_EQ(test, cr_checkpoint(test, 0), 0);
	a = cr_image_bytes(test, &la);
	cr_close_all();
	KUNIT_ASSERT_EQ(test, cr_restart(test), 0);
	KUNIT_ASSERT_EQ(test, cr_checkpoint(test, 0), 0);
	b = cr_image_bytes(test, &lb);
	KUNIT_ASSERT_EQ(test, la, lb);
	KUNIT_EXPECT_MEMEQ(test, a, b, la);
}

void cr_expect_nothing_alive(struct kunit *test)
{
	struct cr_fixture *fx = cr_fx(test);
	int i;

	for (i = 0; i < fx->ntracked; i++)
		KUNIT_EXPECT_EQ_MSG(test, file_count(fx->tracked[i]), 1L,
				    "restored file %d of %d still referenced",
				    i + 1, fx->ntracked);
	cr_untrack_action(fx);
}

u8 *cr_image_bytes(struct kunit *test, size_t *len)
{
	struct cr_fixture *fx = cr_fx(test);
	loff_t size = i_size_read(file_inode(fx->image)), pos = 0;
	u8 *buf = kunit_kmalloc(test, size ?: 1, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, buf);
	KUNIT_ASSERT_EQ(test, kernel_read(fx->image, buf, size, &pos),
			(ssize_t)size);
	*len = size;
	return buf;
}

void cr_image_replace(struct kunit *test, const u8 *buf, size_t len)
{
	struct cr_fixture *fx = cr_fx(test);
	loff_t pos = 0;

	KUNIT_ASSERT_EQ(test, vfs_truncate(&fx->image->f_path, 0), 0);
	KUNIT_ASSERT_EQ(test, kernel_write(fx->image, buf, len, &pos),
			(ssize_t)len);
}

struct ckpt_hdr *cr_image_find(u8 *buf, size_t len, u32 type, size_t from)
{
	size_t off = 0;

	while (off + sizeof(struct ckpt_hdr) <= len) {
		struct ckpt_hdr *h = (struct ckpt_hdr *)(buf + off);

		if (h->type == type && off >= from)
			return h;
		if (h->len < sizeof(*h))
			break;
		off += h->len;
	}
	return NULL;
}

void cr_image_fix_checksum(u8 *buf, size_t len)
{
	struct ckpt_rec_trailer *t;

	t = (void *)cr_image_find(buf, len, CKPT_REC_TRAILER, 0);
	if (t)
		t->checksum = ckpt_image_crc(buf, (u8 *)t - buf, 0);
}

static __poll_t cr_poll_file_poll(struct file *file, poll_table *wait)
{
	struct cr_poll_file *pf = file->private_data;

	poll_wait(file, &pf->wq, wait);
	return READ_ONCE(pf->mask);
}

static const struct file_operations cr_poll_file_fops = {
	.poll = cr_poll_file_poll,
};

/*
 * Epoll items hold no reference on their target but sit on its wait
 * queue, so the file must be gone, and its items with it, before the
 * queue's memory is: close every fd (which may name it) and finish the
 * deferred fput first.
 */
static void cr_poll_file_release(void *data)
{
	struct cr_poll_file *pf = data;

	cr_close_all();
	fput(pf->file);
	flush_delayed_fput();
	kfree(pf);
}

struct cr_poll_file *cr_poll_file_create(struct kunit *test)
{
	struct cr_poll_file *pf = kzalloc(sizeof(*pf), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, pf);
	init_waitqueue_head(&pf->wq);
	pf->file = anon_inode_getfile("[cr-kunit-poll]", &cr_poll_file_fops,
				      pf, O_RDWR);
	if (IS_ERR(pf->file)) {
		kfree(pf);
		KUNIT_FAIL_AND_ABORT(test, "anon_inode_getfile failed");
	}
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, cr_poll_file_release,
							pf), 0);
	return pf;
}

void cr_poll_file_set(struct cr_poll_file *pf, __poll_t mask)
{
	WRITE_ONCE(pf->mask, mask);
	if (mask)
		wake_up_poll(&pf->wq, mask);
}
