// SPDX-License-Identifier: GPL-2.0
/*
 * epoll sets, through the eventpoll C/R API (no epoll internals here).
 *
 * A set is read in the freeze (freeze.c), after the whole fd table has
 * been collected, so every target has an objref: its items while the
 * freeze holds ep->mtx, its ready list at the freeze's instant, when no
 * target can wake it.  The epoll FILE record carries the set's own state
 * and the counts of that read; the items themselves are written in a
 * deferred pass after the fd table, sorted by (fd, target objref), never
 * in the rb-tree's address order, so the image is canonical.  The ready
 * list is written as data, in its own order, after the items of every
 * set.
 *
 * Restart inserts items in a deferred pass, after every file of the image
 * exists, through the same core as epoll_ctl(); ready lists go last:
 * inserting an item polls its target, and polling an epoll target trims
 * that target's own ready list, so a ready list restored any earlier could
 * be changed again before restart finishes.
 */
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/slab.h>
#include <linux/bsearch.h>
#include <linux/sort.h>
#include <linux/uaccess.h>
#include <linux/eventpoll.h>

#include "internal.h"

#define CKPT_EPOLL_EVENTS (EPOLLIN | EPOLLPRI | EPOLLOUT | EPOLLERR | \
			   EPOLLHUP | EPOLLNVAL | EPOLLRDNORM | EPOLLRDBAND | \
			   EPOLLWRNORM | EPOLLWRBAND | EPOLLMSG | EPOLLRDHUP | \
			   EPOLLEXCLUSIVE | EPOLLWAKEUP | EPOLLONESHOT | \
			   EPOLLET)

/* The ready list of one set, kept from its snapshot until written. */
struct ckpt_epoll_ready_list {
	u32 epoll_objref;
	u32 count;
	struct ckpt_epoll_ready entries[];
};

/*
 * One set's items as read under ep->mtx, sorted by key for the wake-order
 * pass and the ready list to find them; @ready, allocated for every item
 * to be ready, is filled at the freeze's instant.
 */
struct ckpt_epoll_snapshot {
	struct ckpt_ctx *ctx;
	struct ckpt_obj *epoll;
	struct ckpt_epoll_item *items;
	u32 count;
	u32 capacity;
	u32 nready;
	struct ckpt_epoll_ready_list *ready;
	/* the wake-order pass: which target it ranks, and the next rank */
	u32 rank_target;
	u32 rank_next;
};

/* What restart expects of one set's deferred records. */
struct ckpt_epoll_counts {
	u32 epoll_objref;
	u32 nitems;
	u32 nready;
};

static bool ckpt_epoll_match(struct file *file)
{
	return eventpoll_cr_is_epoll(file);
}

static void ckpt_epoll_snapshot_free(const void *data)
{
	const struct ckpt_epoll_snapshot *snap = data;

	kvfree(snap->ready);
	kvfree(snap->items);
	kfree(snap);
}

/* The object of an item's target: only files the fd table has. */
static struct ckpt_obj *ckpt_epoll_target(struct ckpt_ctx *ctx,
					  struct ckpt_obj *epoll,
					  const struct epoll_cr_item *item)
{
	struct ckpt_obj *target = ckpt_obj_find(ctx, item->file);

	if (target && target->kind == CKPT_OBJ_SKIPPED) {
		pr_info_ratelimited("checkpoint: epoll fd %d: item fd %d: target of unsupported type\n",
				    epoll->first_fd, item->fd);
		return ERR_PTR(-EOPNOTSUPP);
	}
	if (!target || !target->nfds) {
		pr_info_ratelimited("checkpoint: epoll fd %d: item fd %d: target is not in the checkpointed file table\n",
				    epoll->first_fd, item->fd);
		return ERR_PTR(-EBUSY);
	}
	return target;
}

static int ckpt_epoll_snapshot_item(void *arg, const struct epoll_cr_item *item)
{
	struct ckpt_epoll_snapshot *snap = arg;
	struct ckpt_obj *target;

	ckpt_test_point(snap->ctx, CKPT_POINT_EPOLL_ITEM, (void *)item);
	target = ckpt_epoll_target(snap->ctx, snap->epoll, item);
	if (IS_ERR(target))
		return PTR_ERR(target);
	if (snap->count == snap->capacity) {
		u32 capacity = max(snap->capacity * 2, 64U);
		void *items = NULL;

		if (!ckpt_should_fail(snap->ctx, CKPT_FAULT_ALLOC))
			items = kvrealloc(snap->items,
					  array_size(capacity, sizeof(*snap->items)),
					  GFP_KERNEL);

		if (!items)
			return -ENOMEM;
		snap->items = items;
		snap->capacity = capacity;
	}
	snap->items[snap->count++] = (struct ckpt_epoll_item) {
		.data = item->data,
		.fd = item->fd,
		.target_objref = target->objref,
		.events = (__force u32)item->events,
	};
	target->nwatchers++;
	return 0;
}

/* By key, (target objref, fd): how the wake-order pass finds an item. */
static int ckpt_epoll_key_cmp(const void *a, const void *b)
{
	const struct ckpt_epoll_item *x = a, *y = b;

	if (x->target_objref != y->target_objref)
		return x->target_objref < y->target_objref ? -1 : 1;
	if (x->fd != y->fd)
		return x->fd < y->fd ? -1 : 1;
	return 0;
}

/* Image order: by target, the item a wakeup reaches last first. */
static int ckpt_epoll_item_cmp(const void *a, const void *b)
{
	const struct ckpt_epoll_item *x = a, *y = b;

	if (x->target_objref != y->target_objref)
		return x->target_objref < y->target_objref ? -1 : 1;
	if (x->wake_order != y->wake_order)
		return x->wake_order > y->wake_order ? -1 : 1;
	return ckpt_epoll_key_cmp(a, b);
}

struct ckpt_wake_walk {
	struct ckpt_ctx *ctx;
	struct ckpt_obj *target;
};

/* Under the target's f_lock: no sleeping, no allocation. */
static int ckpt_epoll_rank_watcher(void *arg, struct file *epfile, int fd)
{
	struct ckpt_wake_walk *walk = arg;
	struct ckpt_obj *epoll = ckpt_obj_find(walk->ctx, epfile);
	struct ckpt_epoll_snapshot *snap;
	struct ckpt_epoll_item key = {
		.target_objref = walk->target->objref,
		.fd = fd,
	}, *item;

	lockdep_assert_held(&walk->target->file->f_lock);
	if (!epoll || epoll->kind != CKPT_OBJ_FILE ||
	    epoll->ops != &ckpt_epoll_ops || !epoll->priv)
		return 0;
	snap = epoll->priv;
	item = bsearch(&key, snap->items, snap->count, sizeof(*snap->items),
		       ckpt_epoll_key_cmp);
	if (!item)
		return 0;
	if (snap->rank_target != walk->target->objref) {
		snap->rank_target = walk->target->objref;
		snap->rank_next = 0;
	}
	item->wake_order = snap->rank_next++;
	return 0;
}

/*
 * A target's items are woken newest first, so within one set the order
 * they were added is observable: which of two items ready at once comes
 * first on the ready list.  Rank each set's items of every target watched
 * more than once in wake order.  The order across sets (which set a
 * wakeup reaches first) is not kept: see the README.
 */
int ckpt_epoll_order_watchers(struct ckpt_ctx *ctx)
{
	struct ckpt_wake_walk walk = { .ctx = ctx };
	unsigned long objref;
	struct ckpt_obj *obj;
	int err;

	xa_for_each(&ctx->objs, objref, obj) {
		if (obj->kind != CKPT_OBJ_FILE || obj->nwatchers < 2)
			continue;
		walk.target = obj;
		err = eventpoll_cr_walk_watchers(obj->file,
						 ckpt_epoll_rank_watcher, &walk);
		if (err)
			return err;
		cond_resched();
	}
	return 0;
}

/* Writes @count entries of @size bytes as records of at most a chunk. */
static int ckpt_write_chunks(struct ckpt_ctx *ctx, u32 type, u32 epoll_objref,
			     const void *entries, u32 count, size_t size)
{
	int err = 0;

	while (count && !err) {
		struct ckpt_rec_epoll_items rec = {
			.epoll_objref = epoll_objref,
			.count = min_t(u32, count, CKPT_CHUNK_ENTRIES),
		};

		err = ckpt_write_begin(ctx, type, sizeof(rec) + rec.count * size);
		if (!err)
			err = ckpt_write(ctx, &rec.epoll_objref,
					 sizeof(rec) - sizeof(rec.h));
		if (!err)
			err = ckpt_write(ctx, entries, rec.count * size);
		if (!err)
			err = ckpt_write_end(ctx);
		entries += rec.count * size;
		count -= rec.count;
	}
	return err;
}

static int ckpt_epoll_write_ready(struct ckpt_ctx *ctx, void *data)
{
	struct ckpt_epoll_ready_list *ready = data;

	ctx->nready += ready->count;
	return ckpt_write_chunks(ctx, CKPT_REC_EPOLL_READY, ready->epoll_objref,
				 ready->entries, ready->count,
				 sizeof(ready->entries[0]));
}

/* At the freeze's instant: one item on the ready list, in order. */
static int ckpt_epoll_ready_item(void *arg, struct file *tfile, int fd)
{
	struct ckpt_epoll_snapshot *snap = arg;
	struct ckpt_epoll_ready_list *ready = snap->ready;
	struct ckpt_obj *target = ckpt_obj_find(snap->ctx, tfile);

	/* The set is locked: its ready items are among those just walked. */
	if (WARN_ON_ONCE(!target || ready->count == snap->count))
		return -EINVAL;
	ready->entries[ready->count++] = (struct ckpt_epoll_ready) {
		.fd = fd,
		.target_objref = target->objref,
	};
	return 0;
}

static int ckpt_epoll_freeze_atomic(struct ckpt_ctx *ctx, struct ckpt_obj *obj)
{
	struct ckpt_epoll_snapshot *snap = obj->priv;
	int err;

	snap->ready->count = 0;
	err = eventpoll_cr_walk_ready_locked(obj->file, ckpt_epoll_ready_item,
					     snap);
	snap->nready = snap->ready->count;
	return err;
}

static int ckpt_epoll_write_items(struct ckpt_ctx *ctx, void *data)
{
	struct ckpt_epoll_snapshot *snap = data;
	int err;

	/* The ready list goes after every set's items. */
	if (snap->nready) {
		err = ckpt_defer(ctx, ckpt_epoll_write_ready, kvfree, snap->ready);
		if (err)
			return err;	/* freed with @snap */
		snap->ready = NULL;
	}
	sort(snap->items, snap->count, sizeof(*snap->items),
	     ckpt_epoll_item_cmp, NULL);
	ctx->nitems += snap->count;
	return ckpt_write_chunks(ctx, CKPT_REC_EPOLL_ITEMS, snap->epoll->objref,
				 snap->items, snap->count, sizeof(*snap->items));
}

/* In the freeze, with ep->mtx held: the items, and room for the ready list. */
static int ckpt_epoll_freeze(struct ckpt_ctx *ctx, struct ckpt_obj *obj)
{
	struct ckpt_epoll_snapshot *snap;
	int err;

	if (ckpt_should_fail(ctx, CKPT_FAULT_ALLOC))
		return -ENOMEM;
	snap = kzalloc(sizeof(*snap), GFP_KERNEL);
	if (!snap)
		return -ENOMEM;
	snap->ctx = ctx;
	snap->epoll = obj;
	err = eventpoll_cr_walk_items_locked(obj->file, ckpt_epoll_snapshot_item,
					     snap);
	if (!err && ckpt_should_fail(ctx, CKPT_FAULT_ALLOC))
		err = -ENOMEM;
	if (!err) {
		snap->ready = kvmalloc(struct_size(snap->ready, entries, snap->count),
				       GFP_KERNEL);
		if (snap->ready) {
			snap->ready->epoll_objref = obj->objref;
			snap->ready->count = 0;
		} else {
			err = -ENOMEM;
		}
	}
	if (err) {
		ckpt_epoll_snapshot_free(snap);
		return err;
	}
	sort(snap->items, snap->count, sizeof(*snap->items),
	     ckpt_epoll_key_cmp, NULL);
	err = ckpt_defer(ctx, ckpt_epoll_write_items, ckpt_epoll_snapshot_free,
			 snap);
	if (err) {
		ckpt_epoll_snapshot_free(snap);
		return err;
	}
	obj->priv = snap;
	return 0;
}

static int ckpt_epoll_checkpoint(struct ckpt_ctx *ctx, struct ckpt_obj *obj)
{
	struct ckpt_epoll_snapshot *snap = obj->priv;
	struct ckpt_file_epoll spec = {
		.nitems = snap->count,
		.nready = snap->nready,
	};
	struct epoll_params params;
	int err;

	err = eventpoll_cr_get_params(obj->file, &params);
	if (err)
		return err;
	spec.busy_poll_usecs = params.busy_poll_usecs;
	spec.busy_poll_budget = params.busy_poll_budget;
	spec.prefer_busy_poll = params.prefer_busy_poll;
	return ckpt_write_file(ctx, obj, &spec, sizeof(spec), NULL, 0);
}

/* ---- restart ---- */

/*
 * Reads the header of the next chunk of @type for set @objref, @left
 * entries still expected: it must hold min(@left, chunk) entries.
 */
static int ckpt_epoll_read_chunk(struct ckpt_ctx *ctx, u32 type, u32 objref,
				 size_t size, u32 left, u32 *count)
{
	struct ckpt_rec_epoll_items rec;
	struct ckpt_hdr h;
	int err;

	err = ckpt_read_hdr(ctx, &h);
	if (err)
		return err;
	if (h.type != type)
		return -EINVAL;
	err = ckpt_read_fixed(ctx, &h, &rec, sizeof(rec));
	if (err)
		return err;
	if (rec.epoll_objref != objref ||
	    rec.count != min_t(u32, left, CKPT_CHUNK_ENTRIES) ||
	    h.len != sizeof(rec) + rec.count * size)
		return -EINVAL;
	*count = rec.count;
	return 0;
}

/* The ready list of one set as the image gives it, chunk by chunk. */
struct ckpt_ready_reader {
	struct ckpt_ctx *ctx;
	u32 epoll_objref;
	u32 left;		/* entries in chunks not yet opened */
	u32 in_chunk;		/* entries left in the open chunk */
};

/* eventpoll_cr_restore_ready()'s @next: the key of the next entry. */
static int ckpt_ready_next(void *arg, struct file **tfile, int *fd)
{
	struct ckpt_ready_reader *r = arg;
	struct ckpt_ctx *ctx = r->ctx;
	struct ckpt_epoll_ready e;
	struct ckpt_obj *target;
	int err;

	if (!r->in_chunk) {
		if (!r->left)
			return 0;
		err = ckpt_epoll_read_chunk(ctx, CKPT_REC_EPOLL_READY,
					    r->epoll_objref, sizeof(e),
					    r->left, &r->in_chunk);
		if (err)
			return err;
		r->left -= r->in_chunk;
	}
	err = ckpt_read(ctx, &e, sizeof(e));
	if (err)
		return err;
	r->in_chunk--;
	target = ckpt_obj_lookup(ctx, e.target_objref, CKPT_OBJ_FILE);
	if (!target)
		return -EINVAL;
	ctx->nready++;
	*tfile = target->file;
	*fd = e.fd;
	return 1;
}

static int ckpt_epoll_restore_ready(struct ckpt_ctx *ctx, void *data)
{
	struct ckpt_epoll_counts *counts = data;
	struct ckpt_obj *epoll = ckpt_obj_lookup(ctx, counts->epoll_objref,
						 CKPT_OBJ_FILE);
	struct ckpt_ready_reader reader = {
		.ctx = ctx,
		.epoll_objref = counts->epoll_objref,
		.left = counts->nready,
	};
	int err;

	/* Queued by ckpt_epoll_restore_items(), which checked the set. */
	if (WARN_ON_ONCE(!epoll))
		return -EINVAL;

	err = eventpoll_cr_restore_ready(epoll->file, ckpt_ready_next,
					 &reader);
	/* An entry naming no item, or one item twice: a corrupt image. */
	if (err == -ENOENT || err == -EEXIST)
		err = -EINVAL;
	return err;
}

static int ckpt_epoll_insert(struct ckpt_ctx *ctx, struct ckpt_obj *epoll,
			     const struct ckpt_epoll_item *e,
			     const struct ckpt_epoll_item *prev)
{
	struct ckpt_obj *target;

	if (e->fd < 0 || e->events & ~CKPT_EPOLL_EVENTS ||
	    (prev && ckpt_epoll_item_cmp(prev, e) >= 0))
		return -EINVAL;
	target = ckpt_obj_lookup(ctx, e->target_objref, CKPT_OBJ_FILE);
	if (!target)
		return -EINVAL;
	ctx->nitems++;
	if (ckpt_should_fail(ctx, CKPT_FAULT_ALLOC))
		return -ENOMEM;
	return eventpoll_cr_insert(epoll->file, target->file, e->fd,
				   (__force __poll_t)e->events, e->data);
}

static int ckpt_epoll_restore_items(struct ckpt_ctx *ctx, void *data)
{
	struct ckpt_epoll_counts *counts = data, *ready;
	struct ckpt_obj *epoll = ckpt_obj_lookup(ctx, counts->epoll_objref,
						 CKPT_OBJ_FILE);
	struct ckpt_epoll_item item, prev;
	u32 left = counts->nitems, count;
	int err = 0;

	if (!epoll || epoll->ops != &ckpt_epoll_ops)
		return -EINVAL;
	while (!err && left) {
		err = ckpt_epoll_read_chunk(ctx, CKPT_REC_EPOLL_ITEMS,
					    counts->epoll_objref, sizeof(item),
					    left, &count);
		for (; !err && count; count--, left--) {
			bool first = left == counts->nitems;

			err = ckpt_read(ctx, &item, sizeof(item));
			if (!err)
				err = ckpt_epoll_insert(ctx, epoll, &item,
							first ? NULL : &prev);
			prev = item;
		}
		cond_resched();
	}
	if (err)
		return err;

	if (ckpt_should_fail(ctx, CKPT_FAULT_ALLOC))
		return -ENOMEM;
	ready = kmemdup(counts, sizeof(*counts), GFP_KERNEL);
	if (!ready)
		return -ENOMEM;
	err = ckpt_defer(ctx, ckpt_epoll_restore_ready, kfree, ready);
	if (err)
		kfree(ready);
	return err;
}

static struct file *ckpt_epoll_restore(struct ckpt_ctx *ctx,
				       const struct ckpt_rec_file *rec,
				       u32 spec_len)
{
	struct ckpt_epoll_counts *counts;
	struct epoll_params params = {};
	struct ckpt_file_epoll spec;
	struct file *file;
	int err;

	err = ckpt_read_spec(ctx, &spec, sizeof(spec), spec_len);
	if (err)
		return ERR_PTR(err);
	if (spec.__pad || rec->f_pos || spec.nready > spec.nitems)
		return ERR_PTR(-EINVAL);
	if (ckpt_should_fail(ctx, CKPT_FAULT_ALLOC))
		return ERR_PTR(-ENOMEM);
	counts = kmalloc(sizeof(*counts), GFP_KERNEL);
	if (!counts)
		return ERR_PTR(-ENOMEM);
	*counts = (struct ckpt_epoll_counts) {
		.epoll_objref = rec->objref,
		.nitems = spec.nitems,
		.nready = spec.nready,
	};

	file = ckpt_should_fail(ctx, CKPT_FAULT_ALLOC) ? ERR_PTR(-ENOMEM) :
	       eventpoll_cr_create(rec->f_flags & O_CLOEXEC);
	if (IS_ERR(file)) {
		kfree(counts);
		return file;
	}
	params.busy_poll_usecs = spec.busy_poll_usecs;
	params.busy_poll_budget = spec.busy_poll_budget;
	params.prefer_busy_poll = spec.prefer_busy_poll;
	err = eventpoll_cr_set_params(file, &params);
	if (!err)
		err = ckpt_file_set_flags(file, rec->f_flags);
	if (!err)
		err = ckpt_defer(ctx, ckpt_epoll_restore_items, kfree, counts);
	if (err)
		goto out_free_counts;
	return file;

out_free_counts:
	kfree(counts);
	fput(file);
	return ERR_PTR(err);
}

const struct ckpt_file_ops ckpt_epoll_ops = {
	.type = CKPT_FILE_EPOLL,
	.name = "epoll",
	.match = ckpt_epoll_match,
	.freeze = ckpt_epoll_freeze,
	.freeze_atomic = ckpt_epoll_freeze_atomic,
	.checkpoint = ckpt_epoll_checkpoint,
	.restore = ckpt_epoll_restore,
};
