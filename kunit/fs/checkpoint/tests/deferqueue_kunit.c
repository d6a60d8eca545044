// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit cases for the deferred queue: order, work queued by work, and
 * that every queued item's data is freed whether it ran or not.
 */
#include <kunit/test.h>
#include <linux/slab.h>

#include "../internal.h"

struct defer_log {
	struct kunit *test;
	struct ckpt_ctx *ctx;
	int ran[8];
	int nran;
	int freed;
	int fail_at;		/* the id that fails with -EIO, or -1 */
};

struct defer_item {
	struct defer_log *log;
	int id;
};

static struct defer_log *defer_log_alloc(struct kunit *test)
{
	struct defer_log *log = kunit_kzalloc(test, sizeof(*log), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, log);
	log->test = test;
	log->fail_at = -1;
	log->ctx = kunit_kzalloc(test, sizeof(*log->ctx), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, log->ctx);
	INIT_LIST_HEAD(&log->ctx->deferred);
	INIT_LIST_HEAD(&log->ctx->deferred_last);
	return log;
}

static void defer_item_free(const void *data)
{
	const struct defer_item *item = data;

	item->log->freed++;
	kfree(item);
}

static int defer_record(struct ckpt_ctx *ctx, void *data);

static int defer_queue_on(struct defer_log *log, int id, bool last)
{
	struct defer_item *item = kmalloc(sizeof(*item), GFP_KERNEL);
	int err;

	if (!item)
		return -ENOMEM;
	item->log = log;
	item->id = id;
	err = (last ? ckpt_defer_last : ckpt_defer)(log->ctx, defer_record,
						     defer_item_free, item);
	if (err)
		kfree(item);
	return err;
}

static int defer_queue(struct defer_log *log, int id)
{
	return defer_queue_on(log, id, false);
}

/* Records its id; id 1 queues id 9 behind everything already queued. */
static int defer_record(struct ckpt_ctx *ctx, void *data)
{
	struct defer_item *item = data;
	struct defer_log *log = item->log;

	log->ran[log->nran++] = item->id;
	if (item->id == log->fail_at)
		return -EIO;
	if (item->id == 1)
		return defer_queue(log, 9);
	return 0;
}

static void deferqueue_runs_in_queue_order(struct kunit *test)
{
	struct defer_log *log = defer_log_alloc(test);
	int i;

	for (i = 2; i <= 4; i++)
		KUNIT_ASSERT_EQ(test, defer_queue(log, i), 0);
	KUNIT_ASSERT_EQ(test, ckpt_run_deferred(log->ctx), 0);
	KUNIT_ASSERT_EQ(test, log->nran, 3);
	KUNIT_EXPECT_EQ(test, log->ran[0], 2);
	KUNIT_EXPECT_EQ(test, log->ran[1], 3);
	KUNIT_EXPECT_EQ(test, log->ran[2], 4);
	KUNIT_EXPECT_EQ(test, log->freed, 3);
}

static void deferqueue_work_queued_by_work_runs_last(struct kunit *test)
{
	struct defer_log *log = defer_log_alloc(test);

	KUNIT_ASSERT_EQ(test, defer_queue(log, 1), 0);
	KUNIT_ASSERT_EQ(test, defer_queue(log, 2), 0);
	KUNIT_ASSERT_EQ(test, ckpt_run_deferred(log->ctx), 0);
	KUNIT_ASSERT_EQ(test, log->nran, 3);
	KUNIT_EXPECT_EQ(test, log->ran[0], 1);
	KUNIT_EXPECT_EQ(test, log->ran[1], 2);
	KUNIT_EXPECT_EQ(test, log->ran[2], 9);
}

/* Work queued last runs after all other work, even work queued by work. */
static void deferqueue_last_runs_after_everything(struct kunit *test)
{
	struct defer_log *log = defer_log_alloc(test);

	KUNIT_ASSERT_EQ(test, defer_queue_on(log, 5, true), 0);
	KUNIT_ASSERT_EQ(test, defer_queue(log, 1), 0);
	KUNIT_ASSERT_EQ(test, defer_queue_on(log, 6, true), 0);
	KUNIT_ASSERT_EQ(test, defer_queue(log, 2), 0);
	KUNIT_ASSERT_EQ(test, ckpt_run_deferred(log->ctx), 0);
	KUNIT_ASSERT_EQ(test, log->nran, 5);
	KUNIT_EXPECT_EQ(test, log->ran[0], 1);
	KUNIT_EXPECT_EQ(test, log->ran[1], 2);
	KUNIT_EXPECT_EQ(test, log->ran[2], 9);
	KUNIT_EXPECT_EQ(test, log->ran[3], 5);
	KUNIT_EXPECT_EQ(test, log->ran[4], 6);
	KUNIT_EXPECT_EQ(test, log->freed, 5);
}

/* Dropping the queue frees work queued last too, running none. */
static void deferqueue_drop_frees_last_work(struct kunit *test)
{
	struct defer_log *log = defer_log_alloc(test);

	KUNIT_ASSERT_EQ(test, defer_queue(log, 2), 0);
	KUNIT_ASSERT_EQ(test, defer_queue_on(log, 5, true), 0);
	ckpt_drop_deferred(log->ctx);
	KUNIT_EXPECT_EQ(test, log->nran, 0);
	KUNIT_EXPECT_EQ(test, log->freed, 2);
	KUNIT_EXPECT_TRUE(test, list_empty(&log->ctx->deferred_last));
}

static void deferqueue_error_stops_the_queue(struct kunit *test)
{
	struct defer_log *log = defer_log_alloc(test);
	int i;

	log->fail_at = 3;
	for (i = 2; i <= 5; i++)
		KUNIT_ASSERT_EQ(test, defer_queue(log, i), 0);
	KUNIT_EXPECT_EQ(test, ckpt_run_deferred(log->ctx), -EIO);
	KUNIT_EXPECT_EQ(test, log->nran, 2);
	KUNIT_EXPECT_EQ(test, log->freed, 2);
	ckpt_drop_deferred(log->ctx);
	KUNIT_EXPECT_EQ(test, log->nran, 2);
	KUNIT_EXPECT_EQ(test, log->freed, 4);
}

static void deferqueue_drop_frees_without_running(struct kunit *test)
{
	struct defer_log *log = defer_log_alloc(test);

	KUNIT_ASSERT_EQ(test, defer_queue(log, 2), 0);
	KUNIT_ASSERT_EQ(test, defer_queue(log, 3), 0);
	ckpt_drop_deferred(log->ctx);
	KUNIT_EXPECT_EQ(test, log->nran, 0);
	KUNIT_EXPECT_EQ(test, log->freed, 2);
	KUNIT_EXPECT_TRUE(test, list_empty(&log->ctx->deferred));
}

/* A failed add leaves the data with the caller: the queue never frees it. */
static void deferqueue_failed_add_leaves_data_to_caller(struct kunit *test)
{
	struct defer_log *log = defer_log_alloc(test);
	struct defer_item item = { .log = log, .id = 2 };

	log->ctx->fail_nth[CKPT_FAULT_ALLOC] = 1;
	KUNIT_EXPECT_EQ(test, ckpt_defer(log->ctx, defer_record, defer_item_free,
					 &item), -ENOMEM);
	KUNIT_EXPECT_EQ(test, log->freed, 0);
	KUNIT_EXPECT_TRUE(test, list_empty(&log->ctx->deferred));
	KUNIT_EXPECT_EQ(test, ckpt_run_deferred(log->ctx), 0);
	KUNIT_EXPECT_EQ(test, log->nran, 0);
}

static struct kunit_case deferqueue_test_cases[] = {
	KUNIT_CASE(deferqueue_runs_in_queue_order),
	KUNIT_CASE(deferqueue_work_queued_by_work_runs_last),
	KUNIT_CASE(deferqueue_last_runs_after_everything),
	KUNIT_CASE(deferqueue_drop_frees_last_work),
	KUNIT_CASE(deferqueue_error_stops_the_queue),
	KUNIT_CASE(deferqueue_drop_frees_without_running),
	KUNIT_CASE(deferqueue_failed_add_leaves_data_to_caller),
	{}
};

static struct kunit_suite deferqueue_test_suite = {
	.name = "checkpoint_deferqueue",
	.test_cases = deferqueue_test_cases,
};

kunit_test_suite(deferqueue_test_suite);
