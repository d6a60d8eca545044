// SPDX-License-Identifier: GPL-2.0
/*
 * The deferred queue: work that must wait until the whole fd table has
 * been written (checkpoint) or created (restart), such as epoll items,
 * whose targets must all have objrefs or exist first.  Work runs in the
 * order it was queued, and work may queue more work behind everything
 * already queued (epoll queues its ready lists after all items).
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

/*
 * Queues @fn(@ctx, @data); the queue frees @data with @free once @fn has
 * run or the queue is dropped.  On error @data is still the caller's, as
 * for every add of ours (ckpt_restored_add() too).
 */
int ckpt_defer(struct ckpt_ctx *ctx, ckpt_deferred_fn fn,
	       void (*free)(const void *data), void *data)
{
	struct ckpt_deferred *work = NULL;

	if (!ckpt_should_fail(ctx, CKPT_FAULT_ALLOC))
		work = kmalloc(sizeof(*work), GFP_KERNEL);
	if (!work)
		return -ENOMEM;
	work->fn = fn;
	work->free = free;
	work->data = data;
	list_add_tail(&work->list, &ctx->deferred);
	return 0;
}

static void ckpt_deferred_free(struct ckpt_deferred *work)
{
	list_del(&work->list);
	if (work->free)
		work->free(work->data);
	kfree(work);
}

int ckpt_run_deferred(struct ckpt_ctx *ctx)
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

void ckpt_drop_deferred(struct ckpt_ctx *ctx)
{
	while (!list_empty(&ctx->deferred))
		ckpt_deferred_free(list_first_entry(&ctx->deferred,
						    struct ckpt_deferred, list));
}
