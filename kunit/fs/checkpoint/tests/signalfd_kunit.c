// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit cases for signalfd checkpoint/restart: the mask through an image,
 * the readiness of a watching item (the restoring task's, not the
 * image's), and the images restart must refuse.
 */
#include <kunit/test.h>
#include <linux/fs.h>
#include <linux/sched/signal.h>
#include <linux/signal.h>
#include <linux/signalfd.h>

#include "cr_kunit.h"

#define SIG_BIT(sig)	(1ULL << ((sig) - 1))

static u64 signalfd_mask_of(struct kunit *test, int fd)
{
	sigset_t mask;

	KUNIT_ASSERT_EQ(test, signalfd_cr_get(cr_file(fd), &mask), 0);
	return mask.sig[0];
}

static const u64 signal_masks[] = {
	SIG_BIT(SIGUSR1),
	SIG_BIT(SIGUSR1) | SIG_BIT(SIGUSR2) | SIG_BIT(SIGRTMIN),
	~(SIG_BIT(SIGKILL) | SIG_BIT(SIGSTOP)),
};

static void signal_mask_desc(const u64 *mask, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "mask_%#llx", *mask);
}

KUNIT_ARRAY_PARAM(signal_mask, signal_masks, signal_mask_desc);

static void signalfd_mask_roundtrip(struct kunit *test)
{
	const u64 *mask = test->param_value;

	cr_signalfd(test, 3, *mask, SFD_NONBLOCK);
	KUNIT_ASSERT_EQ(test, signalfd_mask_of(test, 3), *mask);
	cr_roundtrip(test, 0);
	KUNIT_EXPECT_EQ(test, signalfd_mask_of(test, 3), *mask);
	KUNIT_EXPECT_TRUE(test, cr_file(3)->f_flags & O_NONBLOCK);
}

static int ready_pos_of(void *arg, const struct epoll_cr_item *item)
{
	*(int *)arg = item->ready_pos;
	return 0;
}

static int item_ready_pos(struct kunit *test, int epfd)
{
	int pos = -2;

	KUNIT_EXPECT_EQ(test, eventpoll_cr_walk_items(cr_file(epfd),
						      ready_pos_of, &pos), 0);
	return pos;
}

/*
 * Checkpoints the table and restarts the image in this kthread with
 * SIGUSR1 pending (a kthread takes only the signals it allows).
 */
static void cr_restart_with_sigusr1(struct kunit *test)
{
	KUNIT_ASSERT_EQ(test, cr_checkpoint(test, 0), 0);
	cr_close_all();
	allow_signal(SIGUSR1);
	KUNIT_ASSERT_EQ(test, send_sig(SIGUSR1, current, 1), 0);
	KUNIT_EXPECT_EQ(test, cr_restart(test), 0);
}

static void drop_sigusr1(void)
{
	flush_signals(current);
	disallow_signal(SIGUSR1);
}

/*
 * Checkpointed with no signal pending, restarted by a task with SIGUSR1
 * pending: the item is ready, as it is for that task.
 */
static void signalfd_item_ready_for_restorer(struct kunit *test)
{
	cr_signalfd(test, 4, SIG_BIT(SIGUSR1), 0);
	cr_epoll(test, 3);
	KUNIT_ASSERT_EQ(test, cr_ctl(3, EPOLL_CTL_ADD, 4, EPOLLIN, 1), 0);
	KUNIT_ASSERT_EQ(test, item_ready_pos(test, 3), -1);
	cr_restart_with_sigusr1(test);
	KUNIT_EXPECT_EQ(test, item_ready_pos(test, 3), 0);
	drop_sigusr1();
}

/*
 * The same one level down: the set watching the set is woken as the
 * restorer's re-poll makes the inner item ready, as a signal would.
 */
static void signalfd_item_ready_wakes_outer_set(struct kunit *test)
{
	cr_signalfd(test, 4, SIG_BIT(SIGUSR1), 0);
	cr_epoll(test, 3);
	cr_epoll(test, 5);
	KUNIT_ASSERT_EQ(test, cr_ctl(3, EPOLL_CTL_ADD, 4, EPOLLIN, 1), 0);
	KUNIT_ASSERT_EQ(test, cr_ctl(5, EPOLL_CTL_ADD, 3, EPOLLIN, 2), 0);
	KUNIT_ASSERT_EQ(test, item_ready_pos(test, 5), -1);
	cr_restart_with_sigusr1(test);
	KUNIT_EXPECT_EQ(test, item_ready_pos(test, 3), 0);
	KUNIT_EXPECT_EQ(test, item_ready_pos(test, 5), 0);
	drop_sigusr1();
}

/*
 * The same with an edge-triggered item: the image holds its edge (here
 * none), and the restorer's pending signal is no new one.
 */
static void signalfd_et_item_keeps_image_edge(struct kunit *test)
{
	cr_signalfd(test, 4, SIG_BIT(SIGUSR1), 0);
	cr_epoll(test, 3);
	KUNIT_ASSERT_EQ(test, cr_ctl(3, EPOLL_CTL_ADD, 4, EPOLLIN | EPOLLET, 1), 0);
	cr_restart_with_sigusr1(test);
	KUNIT_EXPECT_EQ(test, item_ready_pos(test, 3), -1);
	drop_sigusr1();
}

/* The same image restarted with nothing pending: the item is not ready. */
static void signalfd_item_idle_without_signal(struct kunit *test)
{
	cr_signalfd(test, 4, SIG_BIT(SIGUSR1), 0);
	cr_epoll(test, 3);
	KUNIT_ASSERT_EQ(test, cr_ctl(3, EPOLL_CTL_ADD, 4, EPOLLIN, 1), 0);
	cr_roundtrip(test, 0);
	KUNIT_EXPECT_EQ(test, item_ready_pos(test, 3), -1);
}

static void signalfd_restart_rejects_crafted_spec(struct kunit *test)
{
	static const struct {
		u64 sigmask;
		s64 f_pos;
	} edits[] = {
		{ SIG_BIT(SIGKILL), 0 },
		{ SIG_BIT(SIGSTOP) | SIG_BIT(SIGUSR1), 0 },
		{ SIG_BIT(SIGUSR1), 8 },
	};
	int i;

	cr_signalfd(test, 3, SIG_BIT(SIGUSR1), 0);
	KUNIT_ASSERT_EQ(test, cr_checkpoint(test, 0), 0);
	cr_close_all();
	for (i = 0; i < ARRAY_SIZE(edits); i++) {
		size_t len;
		u8 *image = cr_image_bytes(test, &len);
		struct ckpt_rec_file *rec = (void *)cr_image_find(image, len,
							CKPT_REC_FILE, 0);

		KUNIT_ASSERT_NOT_NULL(test, rec);
		KUNIT_ASSERT_EQ(test, rec->file_type, (u32)CKPT_FILE_SIGNALFD);
		((struct ckpt_file_signalfd *)(rec + 1))->sigmask = edits[i].sigmask;
		rec->f_pos = edits[i].f_pos;
		cr_image_fix_checksum(image, len);
		cr_image_replace(test, image, len);
		KUNIT_EXPECT_EQ_MSG(test, cr_restart(test), -EINVAL, "edit %d", i);
		KUNIT_EXPECT_EQ(test, cr_fd_table(), 0ULL);
	}
	cr_expect_nothing_alive(test);
}

static struct kunit_case signalfd_test_cases[] = {
	KUNIT_CASE_PARAM(signalfd_mask_roundtrip, signal_mask_gen_params),
	KUNIT_CASE(signalfd_item_ready_for_restorer),
	KUNIT_CASE(signalfd_item_ready_wakes_outer_set),
	KUNIT_CASE(signalfd_et_item_keeps_image_edge),
	KUNIT_CASE(signalfd_item_idle_without_signal),
	KUNIT_CASE(signalfd_restart_rejects_crafted_spec),
	{}
};

static struct kunit_suite signalfd_test_suite = {
	.name = "checkpoint_signalfd",
	.suite_init = cr_kunit_suite_init,
	.init = cr_kunit_init,
	.test_cases = signalfd_test_cases,
};

kunit_test_suite(signalfd_test_suite);
