// SPDX-License-Identifier: GPL-2.0
/*
 * The deferred queue: work that must wait until the whole fd table has
 * been written (checkpoint) or created (restart), such as epoll items,
 * whose targets must all have objrefs or exist first.  Work runs in the
 * order it was queued, and work may queue more work behind everything
 * already queued (epoll queues its ready lists after all items).  Work
 * queued with ckpt_defer_last() runs after all other work: a timer is
 * armed only once every set that watches it is whole.
 */
#include <linux/list.h>
#include <linux/slab.h>

#include "internal.h"

struct ckpt_deferred {
	struct list_head list;
	ckpt_deferred_fn fn;
	void (*free)(const void *data);
	void *data;
};

static int ckpt_defer_on(struct ckpt_ctx *ctx, struct list_head *queue,
			 ckpt_deferred_fn fn, void (*free)(const void *data),
			 void *data)
{
	struct ckpt_deferred *work = NULL;

	if (!ckpt_should_fail(ctx, CKPT_FAULT_ALLOC))
		work = kmalloc(sizeof(*work), GFP_KERNEL);
	if (!work)
		return -ENOMEM;
	work->fn = fn;
	work->free = free;
	work->data = data;
	list_add_tail(&work->list, queue);
	return 0;
}

/*
 * Queues @fn(@ctx, @data); the queue frees @data with @free once @fn has
 * run or the queue is dropped.  On error @data is still the caller's, as
 * for every add of ours (ckpt_restored_add() too).
 */
int ckpt_defer(struct ckpt_ctx *ctx, ckpt_deferred_fn fn,
	       void (*free)(const void *data), void *data)
{
	return ckpt_defer_on(ctx, &ctx->deferred, fn, free, data);
}

/* As ckpt_defer(), behind all work ckpt_defer() queues, even later. */
int ckpt_defer_last(struct ckpt_ctx *ctx, ckpt_deferred_fn fn,
		    void (*free)(const void *data), void *data)
{
	return ckpt_defer_on(ctx, &ctx->deferred_last, fn, free, data);
}

static void ckpt_deferred_free(struct ckpt_deferred *work)
{
	list_del(&work->list);
	if (work->free)
		work->free(work->data);
	kfree(work);
}

static int ckpt_run_queue(struct ckpt_ctx *ctx)
{
	struct ckpt_deferred *work;
	int err;

	while (!list_empty(&ctx->deferred)) {
		work = list_first_entry(&ctx->deferred, struct ckpt_deferred,
					list);
		err = work->fn(ctx, work->data);
		ckpt_deferred_free(work);
		if (err)
			return err;
	}
	return 0;
}

int ckpt_run_deferred(struct ckpt_ctx *ctx)
{
	int err = ckpt_run_queue(ctx);

	if (err)
		return err;
	list_splice_tail_init(&ctx->deferred_last, &ctx->deferred);
	return ckpt_run_queue(ctx);
}

void ckpt_drop_deferred(struct ckpt_ctx *ctx)
{
	list_splice_tail_init(&ctx->deferred_last, &ctx->deferred);
	while (!list_empty(&ctx->deferred))
		ckpt_deferred_free(list_first_entry(&ctx->deferred,
						    struct ckpt_deferred, list));
}
