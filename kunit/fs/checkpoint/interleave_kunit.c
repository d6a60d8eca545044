// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit cases for concurrent epoll_ctl() during checkpoint.  A second
 * kthread, acting as a task outside the checkpoint that shares the epoll
 * file, calls the epoll_ctl core either just before the set is read or
 * while the read is paused between items.  The image must hold the set
 * from entirely before or entirely after that call: before it when the
 * call came during the read (it waits for ep->mtx), after it otherwise.
 */
#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/eventfd.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/kthread.h>

#include "cr_kunit.h"

enum { EP = 3, T0 = 10, T1 = 11 };

struct interleave {
	struct file *ep, *target;
	int op, fd;
	struct epoll_event ev;
	bool during_read;
	bool fired;
	int result;
	struct completion started, done;
};

static int interleave_thread(void *arg)
{
	struct interleave *il = arg;

	complete_all(&il->started);
	il->result = eventpoll_cr_ctl(il->ep, il->op, il->target, il->fd,
				      &il->ev);
	complete_all(&il->done);
	return 0;
}

static void interleave_hook(struct ckpt_ctx *ctx, const char *point, void *arg)
{
	struct cr_fixture *fx = ctx->test_data;
	struct interleave *il = fx->hook_data;
	const char *when = il->during_read ? "epoll-item" : "epoll-collect";

	if (il->fired || strcmp(point, when))
		return;
	il->fired = true;
	kthread_run(interleave_thread, il, "cr-kunit-ctl");
	if (il->during_read) {
		/* Let it run into ep->mtx, which the read holds. */
		wait_for_completion(&il->started);
		msleep(20);
		KUNIT_EXPECT_FALSE(current->kunit_test, completion_done(&il->done));
	} else {
		wait_for_completion(&il->done);
	}
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

static struct interleave *interleave_setup(struct kunit *test, int op, int fd,
					   u32 events, bool during_read)
{
	struct interleave *il = kunit_kzalloc(test, sizeof(*il), GFP_KERNEL);
	struct cr_fixture *fx = cr_fx(test);

	KUNIT_ASSERT_NOT_NULL(test, il);
	cr_epoll(test, EP);
	cr_efd(test, T0, 1, 0);
	cr_efd(test, T1, 1, 0);
	KUNIT_ASSERT_EQ(test, cr_ctl(EP, EPOLL_CTL_ADD, T0, EPOLLIN, 1), 0);
	il->ep = cr_file(EP);
	il->target = cr_file(fd);
	il->op = op;
	il->fd = fd;
	il->ev = (struct epoll_event){ .events = events, .data = 2 };
	il->during_read = during_read;
	init_completion(&il->started);
	init_completion(&il->done);
	fx->hook = interleave_hook;
	fx->hook_data = il;
	return il;
}

static void interleave_run(struct kunit *test, struct interleave *il)
{
	KUNIT_ASSERT_EQ(test, cr_checkpoint(test, 0), 0);
	wait_for_completion(&il->done);
	KUNIT_EXPECT_TRUE(test, il->fired);
	KUNIT_EXPECT_EQ(test, il->result, 0);
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

static struct kunit_case interleave_test_cases[] = {
	KUNIT_CASE(interleave_add_before_read_is_in_image),
	KUNIT_CASE(interleave_add_during_read_lands_after),
	KUNIT_CASE(interleave_mod_during_read_lands_after),
	KUNIT_CASE(interleave_mod_before_read_is_in_image),
	KUNIT_CASE(interleave_del_during_read_lands_after),
	KUNIT_CASE(interleave_del_before_read_is_in_image),
	{}
};

static struct kunit_suite interleave_test_suite = {
	.name = "checkpoint-interleave",
	.suite_init = cr_kunit_suite_init,
	.init = cr_kunit_init,
	.test_cases = interleave_test_cases,
};

kunit_test_suite(interleave_test_suite);
