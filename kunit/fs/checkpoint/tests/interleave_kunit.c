// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit cases for operations of a task outside the checkpoint.  A second
 * kthread, sharing the case's files, acts at a chosen point of the
 * checkpoint: before the sets are read (CKPT_POINT_EPOLL_COLLECT), while a
 * set is read, paused between items (CKPT_POINT_EPOLL_ITEM), or after the
 * freeze's instant, before any record is written
 * (CKPT_POINT_WRITE_OBJECTS).  It calls the
 * epoll_ctl core, signals an eventfd, or writes into a pipe.  The image
 * must hold everything from entirely before or entirely after that call:
 * after it when it came before the read, before it otherwise, and never
 * a target's state from one side with its readiness from the other.
 *
 * The order of the two threads is deterministic: at the point, the case
 * starts the kthread and yields until it has finished or sleeps on a lock
 * the checkpoint holds; no timing decides.
 */
#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/eventfd.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/kthread.h>
#include <linux/sched.h>

#include "cr_kunit.h"

enum { EP = 3, T0 = 10, T1 = 11, PR = 12, PW = 13 };

enum interleave_action { IL_CTL, IL_SIGNAL, IL_PIPE_WRITE };

struct interleave {
	enum interleave_action action;
	enum ckpt_test_point point;
	struct file *ep, *target;
	int op, fd;
	struct epoll_event ev;
	bool fired;
	bool done_at_point;	/* it finished before the checkpoint went on */
	int result;
	struct task_struct *task;
	struct completion started, done;
};

static int interleave_thread(void *arg)
{
	struct interleave *il = arg;
	loff_t pos = 0;

	complete_all(&il->started);
	switch (il->action) {
	case IL_CTL:
		il->result = eventpoll_cr_ctl(il->ep, il->op, il->target,
					      il->fd, &il->ev);
		break;
	case IL_SIGNAL:
		eventfd_signal(il->target->private_data);
		il->result = 0;
		break;
	case IL_PIPE_WRITE:
		il->result = kernel_write(il->target, "x", 1, &pos) == 1 ? 0 : -EIO;
		break;
	}
	complete_all(&il->done);
	return 0;
}

static void interleave_hook(struct ckpt_ctx *ctx, enum ckpt_test_point point,
			    void *arg)
{
	struct cr_fixture *fx = ctx->test_data;
	struct interleave *il = fx->hook_data;

	if (il->fired || point != il->point)
		return;
	il->fired = true;
	il->task = kthread_run(interleave_thread, il, "cr-kunit-outside");
	if (IS_ERR(il->task)) {
		il->result = PTR_ERR(il->task);
		complete_all(&il->done);
		return;
	}
	wait_for_completion(&il->started);
	/*
	 * Until it is done or asleep on a lock the checkpoint holds; the
	 * condition orders the two threads, the tick only lets it run.
	 */
	while (!completion_done(&il->done) && task_is_running(il->task))
		schedule_timeout_uninterruptible(1);
	il->done_at_point = completion_done(&il->done);
}

/* The (fd, events) of the image's items, in image order. */
static int image_items(struct kunit *test, int *fds, u32 *events, int max)
{
	struct ckpt_rec_epoll_items *rec;
	struct ckpt_epoll_item *item;
	size_t len;
	u8 *image;
	int i;

	image = cr_image_bytes(test, &len);
	rec = (void *)cr_image_find(image, len, CKPT_REC_EPOLL_ITEMS, 0);
	if (!rec)
		return 0;
	item = (void *)(rec + 1);
	for (i = 0; i < rec->count && i < max; i++) {
		fds[i] = item[i].fd;
		events[i] = item[i].events;
	}
	return rec->count;
}

static struct interleave *interleave_new(struct kunit *test,
					 enum interleave_action action,
					 enum ckpt_test_point point)
{
	struct interleave *il = kunit_kzalloc(test, sizeof(*il), GFP_KERNEL);
	struct cr_fixture *fx = cr_fx(test);

	KUNIT_ASSERT_NOT_NULL(test, il);
	il->action = action;
	il->point = point;
	init_completion(&il->started);
	init_completion(&il->done);
	fx->hook = interleave_hook;
	fx->hook_data = il;
	return il;
}

static struct interleave *interleave_setup(struct kunit *test, int op, int fd,
					   u32 events, bool during_read)
{
	struct interleave *il = interleave_new(test, IL_CTL, during_read ?
					       CKPT_POINT_EPOLL_ITEM :
					       CKPT_POINT_EPOLL_COLLECT);

	cr_epoll(test, EP);
	cr_efd(test, T0, 1, 0);
	cr_efd(test, T1, 1, 0);
	KUNIT_ASSERT_EQ(test, cr_ctl(EP, EPOLL_CTL_ADD, T0, EPOLLIN, 1), 0);
	il->ep = cr_file(EP);
	il->target = cr_file(fd);
	il->op = op;
	il->fd = fd;
	il->ev = (struct epoll_event){ .events = events, .data = 2 };
	return il;
}

/*
 * Checkpoints while @il acts at its point, then lets it finish.  The
 * kthread shares the case's files, so the call is CHECKPOINT_SUBTREE's: an
 * EPOLL_CTL_DEL that gets ep->mtx once the freeze lets it go pins its
 * target (ep_remove()'s epi_fget()), which the leak check would see on SMP.
 */
static void interleave_run(struct kunit *test, struct interleave *il)
{
	KUNIT_EXPECT_EQ(test, cr_checkpoint(test, CHECKPOINT_SUBTREE), 0);
	KUNIT_EXPECT_TRUE(test, il->fired);
	if (il->fired)
		wait_for_completion(&il->done);
	KUNIT_EXPECT_EQ(test, il->result, 0);
	cr_fx(test)->hook = NULL;
}

static void interleave_add_before_read_is_in_image(struct kunit *test)
{
	struct interleave *il = interleave_setup(test, EPOLL_CTL_ADD, T1,
						 EPOLLIN, false);
	int fds[4];
	u32 ev[4];

	interleave_run(test, il);
	KUNIT_ASSERT_EQ(test, image_items(test, fds, ev, 4), 2);
	KUNIT_EXPECT_EQ(test, fds[1], T1);
}

static void interleave_add_during_read_lands_after(struct kunit *test)
{
	struct interleave *il = interleave_setup(test, EPOLL_CTL_ADD, T1,
						 EPOLLIN, true);
	int fds[4];
	u32 ev[4];

	interleave_run(test, il);
	KUNIT_EXPECT_FALSE(test, il->done_at_point);
	KUNIT_ASSERT_EQ(test, image_items(test, fds, ev, 4), 1);
	KUNIT_EXPECT_EQ(test, fds[0], T0);
	/* ...and the set has the item now. */
	KUNIT_EXPECT_EQ(test, cr_checkpoint(test, 0), 0);
	KUNIT_EXPECT_EQ(test, image_items(test, fds, ev, 4), 2);
}

static void interleave_mod_during_read_lands_after(struct kunit *test)
{
	struct interleave *il = interleave_setup(test, EPOLL_CTL_MOD, T0,
						 EPOLLOUT, true);
	int fds[4];
	u32 ev[4];

	interleave_run(test, il);
	KUNIT_EXPECT_FALSE(test, il->done_at_point);
	KUNIT_ASSERT_EQ(test, image_items(test, fds, ev, 4), 1);
	KUNIT_EXPECT_EQ(test, ev[0], (u32)(EPOLLIN | EPOLLERR | EPOLLHUP));
}

static void interleave_mod_before_read_is_in_image(struct kunit *test)
{
	struct interleave *il = interleave_setup(test, EPOLL_CTL_MOD, T0,
						 EPOLLOUT, false);
	int fds[4];
	u32 ev[4];

	interleave_run(test, il);
	KUNIT_ASSERT_EQ(test, image_items(test, fds, ev, 4), 1);
	KUNIT_EXPECT_EQ(test, ev[0], (u32)(EPOLLOUT | EPOLLERR | EPOLLHUP));
}

static void interleave_del_during_read_lands_after(struct kunit *test)
{
	struct interleave *il = interleave_setup(test, EPOLL_CTL_DEL, T0, 0,
						 true);
	int fds[4];
	u32 ev[4];

	interleave_run(test, il);
	KUNIT_EXPECT_FALSE(test, il->done_at_point);
	KUNIT_EXPECT_EQ(test, image_items(test, fds, ev, 4), 1);
}

static void interleave_del_before_read_is_in_image(struct kunit *test)
{
	struct interleave *il = interleave_setup(test, EPOLL_CTL_DEL, T0, 0,
						 false);
	int fds[4];
	u32 ev[4];

	interleave_run(test, il);
	KUNIT_EXPECT_EQ(test, image_items(test, fds, ev, 4), 0);
}

/* The FILE record of @objref, or NULL. */
static struct ckpt_rec_file *image_file(u8 *image, size_t len, u32 objref)
{
	struct ckpt_hdr *h;
	size_t off = 0;

	while ((h = cr_image_find(image, len, CKPT_REC_FILE, off))) {
		struct ckpt_rec_file *rec = (void *)h;

		if (rec->objref == objref)
			return rec;
		off = (u8 *)h - image + h->len;
	}
	return NULL;
}

/* The counter the image holds for the eventfd of @objref. */
static u64 image_efd_count(struct kunit *test, u8 *image, size_t len,
			   u32 objref)
{
	struct ckpt_rec_file *rec = image_file(image, len, objref);

	KUNIT_ASSERT_NOT_NULL(test, rec);
	KUNIT_ASSERT_EQ(test, rec->file_type, (u32)CKPT_FILE_EVENTFD);
	return ((struct ckpt_file_eventfd *)(rec + 1))->count;
}

/* Whether the item of fd key @fd is on the (one) set's recorded ready list. */
static bool image_ready(u8 *image, size_t len, int fd)
{
	struct ckpt_rec_epoll_items *rec;
	struct ckpt_epoll_ready *e;
	u32 i;

	rec = (void *)cr_image_find(image, len, CKPT_REC_EPOLL_READY, 0);
	if (!rec)
		return false;
	e = (void *)(rec + 1);
	for (i = 0; i < rec->count; i++)
		if (e[i].fd == fd)
			return true;
	return false;
}

/* The bytes the image holds for the (one) pipe. */
static u32 image_pipe_bytes(struct kunit *test, u8 *image, size_t len)
{
	struct ckpt_rec_pipe *rec;

	rec = (void *)cr_image_find(image, len, CKPT_REC_PIPE, 0);
	KUNIT_ASSERT_NOT_NULL(test, rec);
	return rec->nbytes;
}

/* EP watches T0 (count 0) edge-triggered; the kthread signals T0. */
static struct interleave *signal_setup(struct kunit *test,
				       enum ckpt_test_point point)
{
	struct interleave *il = interleave_new(test, IL_SIGNAL, point);

	cr_epoll(test, EP);
	cr_efd(test, T0, 0, 0);
	KUNIT_ASSERT_EQ(test, cr_ctl(EP, EPOLL_CTL_ADD, T0, EPOLLIN | EPOLLET, 1),
			0);
	il->target = cr_file(T0);
	return il;
}

/* EP watches the read end edge-triggered; the kthread writes a byte. */
static struct interleave *pipe_setup(struct kunit *test,
				     enum ckpt_test_point point)
{
	struct interleave *il = interleave_new(test, IL_PIPE_WRITE, point);

	cr_epoll(test, EP);
	cr_pipe(test, PR, PW);
	KUNIT_ASSERT_EQ(test, cr_ctl(EP, EPOLL_CTL_ADD, PR, EPOLLIN | EPOLLET, 1),
			0);
	il->target = cr_file(PW);
	return il;
}

/*
 * eventfd_signal() takes no lock the read of the set holds: it lands
 * before the freeze's instant, counter and readiness both.
 */
static void interleave_signal_during_read_is_in_image(struct kunit *test)
{
	struct interleave *il = signal_setup(test, CKPT_POINT_EPOLL_ITEM);
	size_t len;
	u8 *image;

	interleave_run(test, il);
	KUNIT_EXPECT_TRUE(test, il->done_at_point);
	image = cr_image_bytes(test, &len);
	KUNIT_EXPECT_EQ(test, image_efd_count(test, image, len, 2), 1ULL);
	KUNIT_EXPECT_TRUE(test, image_ready(image, len, T0));
}

/* After the instant, before the records: neither counter nor readiness. */
static void interleave_signal_after_read_lands_after(struct kunit *test)
{
	struct interleave *il = signal_setup(test, CKPT_POINT_WRITE_OBJECTS);
	size_t len;
	u8 *image;

	interleave_run(test, il);
	image = cr_image_bytes(test, &len);
	KUNIT_EXPECT_EQ(test, image_efd_count(test, image, len, 2), 0ULL);
	KUNIT_EXPECT_FALSE(test, image_ready(image, len, T0));
	/* ...and the next checkpoint has both. */
	KUNIT_ASSERT_EQ(test, cr_checkpoint(test, 0), 0);
	image = cr_image_bytes(test, &len);
	KUNIT_EXPECT_EQ(test, image_efd_count(test, image, len, 2), 1ULL);
	KUNIT_EXPECT_TRUE(test, image_ready(image, len, T0));
}

/* A pipe write waits for the pipe mutex the freeze holds: it lands after. */
static void interleave_pipe_write_during_read_lands_after(struct kunit *test)
{
	struct interleave *il = pipe_setup(test, CKPT_POINT_EPOLL_ITEM);
	size_t len;
	u8 *image;

	interleave_run(test, il);
	KUNIT_EXPECT_FALSE(test, il->done_at_point);
	image = cr_image_bytes(test, &len);
	KUNIT_EXPECT_EQ(test, image_pipe_bytes(test, image, len), 0U);
	KUNIT_EXPECT_FALSE(test, image_ready(image, len, PR));
	KUNIT_ASSERT_EQ(test, cr_checkpoint(test, 0), 0);
	image = cr_image_bytes(test, &len);
	KUNIT_EXPECT_EQ(test, image_pipe_bytes(test, image, len), 1U);
	KUNIT_EXPECT_TRUE(test, image_ready(image, len, PR));
}

static void interleave_pipe_write_after_read_lands_after(struct kunit *test)
{
	struct interleave *il = pipe_setup(test, CKPT_POINT_WRITE_OBJECTS);
	size_t len;
	u8 *image;

	interleave_run(test, il);
	KUNIT_EXPECT_TRUE(test, il->done_at_point);
	image = cr_image_bytes(test, &len);
	KUNIT_EXPECT_EQ(test, image_pipe_bytes(test, image, len), 0U);
	KUNIT_EXPECT_FALSE(test, image_ready(image, len, PR));
}

static struct kunit_case interleave_test_cases[] = {
	KUNIT_CASE(interleave_add_before_read_is_in_image),
	KUNIT_CASE(interleave_add_during_read_lands_after),
	KUNIT_CASE(interleave_mod_during_read_lands_after),
	KUNIT_CASE(interleave_mod_before_read_is_in_image),
	KUNIT_CASE(interleave_del_during_read_lands_after),
	KUNIT_CASE(interleave_del_before_read_is_in_image),
	KUNIT_CASE(interleave_signal_during_read_is_in_image),
	KUNIT_CASE(interleave_signal_after_read_lands_after),
	KUNIT_CASE(interleave_pipe_write_during_read_lands_after),
	KUNIT_CASE(interleave_pipe_write_after_read_lands_after),
	{}
};

static struct kunit_suite interleave_test_suite = {
	.name = "checkpoint_interleave",
	.suite_init = cr_kunit_suite_init,
	.init = cr_kunit_init,
	.test_cases = interleave_test_cases,
};

kunit_test_suite(interleave_test_suite);
