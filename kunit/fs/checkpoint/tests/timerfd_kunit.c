// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit cases for timerfd checkpoint/restart: every part of a timer's
 * state through an image (clock, flags, interval, time left or deadline,
 * unread ticks, an expired periodic timer, a pending cancellation), a
 * deadline that passes while checkpointed, the readiness it gives an
 * epoll item, and the images restart must refuse.
 */
#include <kunit/test.h>
#include <linux/delay.h>
#include <linux/fs.h>
#include <linux/timekeeping.h>
#include <linux/timerfd.h>

#include "cr_kunit.h"

/* The slack a relative timer's time left may lose to the case itself. */
#define TIMERFD_SLACK_NS	(2 * NSEC_PER_SEC)

static ktime_t clock_now(int clockid)
{
	switch (clockid) {
	case CLOCK_REALTIME:
		return ktime_get_real();
	case CLOCK_BOOTTIME:
		return ktime_get_boottime();
	default:
		return ktime_get();
	}
}

struct timer_case {
	const char *name;
	struct timerfd_cr_state st;	/* absolute values: from clock_now() */
};

static const struct timer_case timer_cases[] = {
	{ "monotonic_one_shot", { .clockid = CLOCK_MONOTONIC, .armed = true,
	  .value = 1000 * NSEC_PER_SEC } },
	{ "boottime_periodic_unread_ticks", { .clockid = CLOCK_BOOTTIME,
	  .armed = true, .value = 500 * NSEC_PER_SEC,
	  .interval = NSEC_PER_SEC, .ticks = 3 } },
	{ "realtime_absolute", { .clockid = CLOCK_REALTIME, .armed = true,
	  .settime_flags = TFD_TIMER_ABSTIME, .value = 1000 * NSEC_PER_SEC } },
	{ "realtime_cancel_on_set", { .clockid = CLOCK_REALTIME, .armed = true,
	  .settime_flags = TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET,
	  .value = 1000 * NSEC_PER_SEC } },
	{ "canceled_by_clock_set", { .clockid = CLOCK_REALTIME,
	  .settime_flags = TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET,
	  .ticks = 1, .canceled = true } },
	{ "disarmed_unread_ticks", { .clockid = CLOCK_MONOTONIC, .ticks = 2 } },
	{ "expired_periodic", { .clockid = CLOCK_MONOTONIC, .armed = true,
	  .expired = true, .value = -5 * NSEC_PER_MSEC,
	  .interval = NSEC_PER_SEC, .ticks = 1 } },
};

static void timer_case_desc(const struct timer_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(timer_case, timer_cases, timer_case_desc);

/* @c's state, its absolute deadline taken from now. */
static struct timerfd_cr_state timer_state(const struct timer_case *c)
{
	struct timerfd_cr_state st = c->st;

	if (st.armed && (st.settime_flags & TFD_TIMER_ABSTIME))
		st.value = ktime_add(clock_now(st.clockid), st.value);
	return st;
}

static void timerfd_state_roundtrip(struct kunit *test)
{
	const struct timer_case *c = test->param_value;
	struct timerfd_cr_state want = timer_state(c), got;

	cr_timerfd(test, 3, &want, TFD_NONBLOCK);
	cr_timerfd_state(test, 3, &want);
	cr_roundtrip(test, 0);
	cr_timerfd_state(test, 3, &got);
	KUNIT_EXPECT_EQ(test, got.clockid, want.clockid);
	KUNIT_EXPECT_EQ(test, got.settime_flags, want.settime_flags);
	KUNIT_EXPECT_EQ(test, got.interval, want.interval);
	KUNIT_EXPECT_EQ(test, got.ticks, want.ticks);
	KUNIT_EXPECT_EQ(test, got.armed, want.armed);
	KUNIT_EXPECT_EQ(test, got.expired, want.expired);
	KUNIT_EXPECT_EQ(test, got.canceled, want.canceled);
	if (!want.armed || (want.settime_flags & TFD_TIMER_ABSTIME)) {
		KUNIT_EXPECT_EQ(test, got.value, want.value);
	} else {
		/* the time left at checkpoint, less what passed since restart */
		KUNIT_EXPECT_LE(test, got.value, want.value);
		KUNIT_EXPECT_GT(test, got.value, want.value - TIMERFD_SLACK_NS);
	}
	KUNIT_EXPECT_TRUE(test, cr_file(3)->f_flags & O_NONBLOCK);
}

/* An absolute deadline that passed while checkpointed expires at restart. */
static void timerfd_deadline_passed_expires_once(struct kunit *test)
{
	struct timerfd_cr_state st = {
		.clockid = CLOCK_MONOTONIC, .armed = true,
		.settime_flags = TFD_TIMER_ABSTIME,
		.value = ktime_add_ms(ktime_get(), 20),
	};
	int waited;

	cr_timerfd(test, 3, &st, 0);
	KUNIT_ASSERT_EQ(test, cr_checkpoint(test, 0), 0);
	cr_close_all();
	msleep(50);
	KUNIT_ASSERT_EQ(test, cr_restart(test), 0);
	for (waited = 0; waited < 1000; waited += 20) {
		cr_timerfd_state(test, 3, &st);
		if (st.ticks)
			break;
		msleep(20);
	}
	KUNIT_EXPECT_EQ(test, st.ticks, 1ULL);
	KUNIT_EXPECT_FALSE(test, st.armed);
}

static int keep_item(void *arg, const struct epoll_cr_item *item)
{
	*(struct epoll_cr_item *)arg = *item;
	return 0;
}

/* Unread ticks make a watching item ready, and restart keeps it so. */
static void timerfd_unread_ticks_keep_item_ready(struct kunit *test)
{
	struct timerfd_cr_state st = { .clockid = CLOCK_MONOTONIC, .ticks = 2 };
	struct epoll_cr_item seen = { .ready_pos = -2 };

	cr_timerfd(test, 4, &st, 0);
	cr_epoll(test, 3);
	KUNIT_ASSERT_EQ(test, cr_ctl(3, EPOLL_CTL_ADD, 4, EPOLLIN | EPOLLET, 7), 0);
	cr_roundtrip(test, 0);
	KUNIT_ASSERT_EQ(test, eventpoll_cr_walk_items(cr_file(3), keep_item,
						      &seen), 0);
	KUNIT_EXPECT_EQ(test, seen.ready_pos, 0);
	KUNIT_EXPECT_EQ(test, seen.data, 7ULL);
}

/* ---- images restart must refuse ---- */

struct timer_edit {
	const char *name;
	void (*edit)(struct ckpt_rec_file *rec, struct ckpt_file_timerfd *spec);
};

static void edit_unknown_state(struct ckpt_rec_file *rec,
			       struct ckpt_file_timerfd *spec)
{
	spec->state |= 0x8;
}

static void edit_expired_unarmed(struct ckpt_rec_file *rec,
				 struct ckpt_file_timerfd *spec)
{
	spec->state = CKPT_TIMERFD_EXPIRED;
	spec->value_ns = 0;
}

static void edit_value_unarmed(struct ckpt_rec_file *rec,
			       struct ckpt_file_timerfd *spec)
{
	spec->state = 0;
}

static void edit_negative_interval(struct ckpt_rec_file *rec,
				   struct ckpt_file_timerfd *spec)
{
	spec->interval_ns = -1;
}

static void edit_cpu_clock(struct ckpt_rec_file *rec,
			   struct ckpt_file_timerfd *spec)
{
	spec->clockid = CLOCK_PROCESS_CPUTIME_ID;
}

static void edit_canceled_monotonic(struct ckpt_rec_file *rec,
				    struct ckpt_file_timerfd *spec)
{
	spec->state |= CKPT_TIMERFD_CANCELED;
}

static void edit_absolute_negative(struct ckpt_rec_file *rec,
				   struct ckpt_file_timerfd *spec)
{
	spec->settime_flags = TFD_TIMER_ABSTIME;
	spec->value_ns = -1;
}

static void edit_unknown_settime_flag(struct ckpt_rec_file *rec,
				      struct ckpt_file_timerfd *spec)
{
	spec->settime_flags |= 0x4;
}

static void edit_pad(struct ckpt_rec_file *rec, struct ckpt_file_timerfd *spec)
{
	spec->__pad = 1;
}

static void edit_f_pos(struct ckpt_rec_file *rec, struct ckpt_file_timerfd *spec)
{
	rec->f_pos = 8;
}

static const struct timer_edit timer_edits[] = {
	{ "unknown_state_bit", edit_unknown_state },
	{ "expired_not_armed", edit_expired_unarmed },
	{ "value_not_armed", edit_value_unarmed },
	{ "negative_interval", edit_negative_interval },
	{ "cpu_clock", edit_cpu_clock },
	{ "canceled_on_monotonic", edit_canceled_monotonic },
	{ "absolute_negative_deadline", edit_absolute_negative },
	{ "unknown_settime_flag", edit_unknown_settime_flag },
	{ "nonzero_pad", edit_pad },
	{ "nonzero_f_pos", edit_f_pos },
};

static void timer_edit_desc(const struct timer_edit *e, char *desc)
{
	strscpy(desc, e->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(timer_edit, timer_edits, timer_edit_desc);

static void timerfd_restart_rejects_crafted_state(struct kunit *test)
{
	const struct timer_edit *edit = test->param_value;
	struct timerfd_cr_state st = {
		.clockid = CLOCK_MONOTONIC, .armed = true,
		.value = 1000 * NSEC_PER_SEC,
	};
	struct ckpt_rec_file *rec;
	size_t len;
	u8 *image;

	cr_timerfd(test, 3, &st, 0);
	KUNIT_ASSERT_EQ(test, cr_checkpoint(test, 0), 0);
	image = cr_image_bytes(test, &len);
	cr_close_all();
	rec = (void *)cr_image_find(image, len, CKPT_REC_FILE, 0);
	KUNIT_ASSERT_NOT_NULL(test, rec);
	KUNIT_ASSERT_EQ(test, rec->file_type, (u32)CKPT_FILE_TIMERFD);
	edit->edit(rec, (struct ckpt_file_timerfd *)(rec + 1));
	cr_image_fix_checksum(image, len);
	cr_image_replace(test, image, len);
	KUNIT_EXPECT_EQ(test, cr_restart(test), -EINVAL);
	KUNIT_EXPECT_EQ(test, cr_fd_table(), 0ULL);
	cr_expect_nothing_alive(test);
}

static struct kunit_case timerfd_test_cases[] = {
	KUNIT_CASE_PARAM(timerfd_state_roundtrip, timer_case_gen_params),
	KUNIT_CASE(timerfd_deadline_passed_expires_once),
	KUNIT_CASE(timerfd_unread_ticks_keep_item_ready),
	KUNIT_CASE_PARAM(timerfd_restart_rejects_crafted_state,
			 timer_edit_gen_params),
	{}
};

static struct kunit_suite timerfd_test_suite = {
	.name = "checkpoint_timerfd",
	.suite_init = cr_kunit_suite_init,
	.init = cr_kunit_init,
	.test_cases = timerfd_test_cases,
};

kunit_test_suite(timerfd_test_suite);
