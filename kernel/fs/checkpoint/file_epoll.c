// SPDX-License-Identifier: GPL-2.0
/*
 * epoll sets, through the eventpoll C/R API (no epoll internals here).
 *
 * A set is read in the freeze (freeze.c), after the whole fd table has
 * been collected, so every target has an objref: its items while the
 * freeze holds ep->mtx, its ready list at the freeze's instant, when no
 * target can wake it.  The epoll FILE record carries the set's own state
 * and the counts of that read; the items themselves are written in a
 * deferred pass after the fd table, in target objref order, never in the
 * rb-tree's address order, so the image is canonical.  The ready
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

/* An item as the snapshot holds it: its record, and when it was added. */
struct ckpt_epoll_snap_item {
	struct ckpt_epoll_item rec;
	u64 add_seq;		/* epoll_cr_item's: the set's add order */
};

/*
 * One set's items as read under ep->mtx, in rb-tree order: by target
 * file, then fd, so a set's items of one target are one run.  @ready,
 * allocated for every item to be ready, is filled at the freeze's instant.
 */
struct ckpt_epoll_snapshot {
	struct ckpt_ctx *ctx;
	struct ckpt_obj *epoll;
	struct ckpt_epoll_snap_item *items;
	u32 count;
	u32 capacity;
	u32 nready;
	struct ckpt_epoll_ready_list *ready;
	/* the run being read: its target, and where it starts */
	struct file *run_file;
	struct ckpt_obj *run_target;
	u32 run_start;
};

/* What restart expects of one set's deferred records. */
struct ckpt_epoll_counts {
	u32 epoll_objref;
	u32 nitems;
	u32 nready;
	bool repoll;		/* an item's readiness is the restorer's */
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

/* Image order within a run: the item a wakeup reaches last first. */
static int ckpt_epoll_add_cmp(const void *a, const void *b)
{
	const struct ckpt_epoll_snap_item *x = a, *y = b;

	return x->add_seq < y->add_seq ? -1 : x->add_seq > y->add_seq;
}

/*
 * A target's items are woken newest first, so within one set the order
 * they were added is observable: which of two items ready at once comes
 * first on the ready list.  A run of two or more items is put in the
 * order they were added, oldest first, which restart adds them in; it
 * usually is already (dups are often added in fd order).  The order
 * across sets (which set a wakeup reaches first) is not kept: see the
 * README.
 */
static void ckpt_epoll_end_run(struct ckpt_epoll_snapshot *snap)
{
	struct ckpt_epoll_snap_item *run = snap->items + snap->run_start;
	u32 len = snap->count - snap->run_start, i;

	for (i = 1; i < len; i++) {
		if (run[i - 1].add_seq > run[i].add_seq) {
			sort(run, len, sizeof(*run), ckpt_epoll_add_cmp, NULL);
			return;
		}
	}
}

static int ckpt_epoll_snapshot_item(void *arg, const struct epoll_cr_item *item)
{
	struct ckpt_epoll_snapshot *snap = arg;
	int err;

	ckpt_test_point(snap->ctx, CKPT_POINT_EPOLL_ITEM, (void *)item);
	if (item->file != snap->run_file) {
		struct ckpt_obj *target;

		ckpt_epoll_end_run(snap);
		target = ckpt_epoll_target(snap->ctx, snap->epoll, item);
		if (IS_ERR(target))
			return PTR_ERR(target);
		snap->run_file = item->file;
		snap->run_target = target;
		snap->run_start = snap->count;
	}
	err = ckpt_grow(snap->ctx, (void **)&snap->items, &snap->capacity,
			snap->count, sizeof(*snap->items), 64);
	if (err)
		return err;
	snap->items[snap->count++] = (struct ckpt_epoll_snap_item) {
		.rec = {
			.data = item->data,
			.fd = item->fd,
			.target_objref = snap->run_target->objref,
			.events = (__force u32)item->events,
		},
		.add_seq = item->add_seq,
	};
	return 0;
}

/* Image order: by target objref, then in add order. */
static int ckpt_epoll_image_cmp(const void *a, const void *b)
{
	const struct ckpt_epoll_snap_item *x = a, *y = b;

	if (x->rec.target_objref != y->rec.target_objref)
		return x->rec.target_objref < y->rec.target_objref ? -1 : 1;
	return ckpt_epoll_add_cmp(a, b);
}

/*
 * Puts @snap's items in image order into @out: by target objref, each
 * target's run in add order.  Objrefs are dense, so where a set's targets
 * span no more than eight objrefs per item a counting sort does it in
 * linear time; it is stable and a set's items of one target are one
 * run already in add order, so it gives the order ckpt_epoll_image_cmp()
 * does.
 */
static int ckpt_epoll_image_order(struct ckpt_ctx *ctx,
				  const struct ckpt_epoll_snapshot *snap,
				  struct ckpt_epoll_item *out)
{
	u32 lo = U32_MAX, hi = 0, span, i, *start;

	for (i = 0; i < snap->count; i++) {
		lo = min(lo, snap->items[i].rec.target_objref);
		hi = max(hi, snap->items[i].rec.target_objref);
	}
	span = snap->count ? hi - lo + 1 : 0;
	if (span > 8 * (u64)snap->count) {
		sort(snap->items, snap->count, sizeof(*snap->items),
		     ckpt_epoll_image_cmp, NULL);
		for (i = 0; i < snap->count; i++)
			out[i] = snap->items[i].rec;
		return 0;
	}
	if (ckpt_should_fail(ctx, CKPT_FAULT_ALLOC))
		return -ENOMEM;
	start = kvcalloc(span + 1, sizeof(*start), GFP_KERNEL);
	if (!start)
		return -ENOMEM;
	for (i = 0; i < snap->count; i++)
		start[snap->items[i].rec.target_objref - lo + 1]++;
	for (i = 1; i < span; i++)
		start[i] += start[i - 1];
	for (i = 0; i < snap->count; i++) {
		const struct ckpt_epoll_item *rec = &snap->items[i].rec;

		out[start[rec->target_objref - lo]++] = *rec;
	}
	kvfree(start);
	return 0;
}

/*
 * Writes @count entries of @size bytes as records of at most a chunk,
 * each zero-padded to 8 bytes.
 */
static int ckpt_write_chunks(struct ckpt_ctx *ctx, u32 type, u32 epoll_objref,
			     const void *entries, u32 count, size_t size)
{
	int err = 0;

	while (count && !err) {
		struct ckpt_rec_epoll_items rec = {
			.epoll_objref = epoll_objref,
			.count = min_t(u32, count, CKPT_CHUNK_ENTRIES),
		};
		u32 len = sizeof(rec) + rec.count * size;

		err = ckpt_write_begin(ctx, type, ckpt_padded(len));
		if (!err)
			err = ckpt_write(ctx, &rec.epoll_objref,
					 sizeof(rec) - sizeof(rec.h));
		if (!err)
			err = ckpt_write(ctx, entries, rec.count * size);
		if (!err)
			err = ckpt_write_zeros(ctx, ckpt_padded(len) - len);
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

	ckpt_phase(ctx, CKPT_PHASE_READY);
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
	struct ckpt_epoll_item *out;
	int err;

	ckpt_phase(ctx, CKPT_PHASE_ITEMS);
	/* The ready list goes after every set's items. */
	if (snap->nready) {
		err = ckpt_defer(ctx, ckpt_epoll_write_ready, kvfree, snap->ready);
		if (err)
			return err;	/* freed with @snap */
		snap->ready = NULL;
	}
	if (ckpt_should_fail(ctx, CKPT_FAULT_ALLOC))
		return -ENOMEM;
	out = kvmalloc_array(snap->count, sizeof(*out), GFP_KERNEL);
	if (!out)
		return -ENOMEM;
	ckpt_phase(ctx, CKPT_PHASE_SORT);
	err = ckpt_epoll_image_order(ctx, snap, out);
	ckpt_phase(ctx, CKPT_PHASE_ITEMS);
	if (!err) {
		ctx->nitems += snap->count;
		err = ckpt_write_chunks(ctx, CKPT_REC_EPOLL_ITEMS,
					snap->epoll->objref, out, snap->count,
					sizeof(*out));
	}
	kvfree(out);
	return err;
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
	if (!err)
		ckpt_epoll_end_run(snap);
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
	    h.len != ckpt_padded(sizeof(rec) + rec.count * size))
		return -EINVAL;
	*count = rec.count;
	return 0;
}

/* The padding that ends a chunk of @count entries of @size bytes. */
static int ckpt_epoll_read_chunk_end(struct ckpt_ctx *ctx, u32 count,
				     size_t size)
{
	u32 len = sizeof(struct ckpt_rec_epoll_items) + count * size;

	return ckpt_read_zeros(ctx, ckpt_padded(len) - len);
}

/* Ready entries fill their chunks to 8 bytes: no padding to read. */
static_assert(sizeof(struct ckpt_epoll_ready) % 8 == 0);

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
	struct file *target;
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
	target = ckpt_restored_get(ctx, e.target_objref, CKPT_OBJ_FILE);
	if (!target)
		return -EINVAL;
	ctx->nready++;
	*tfile = target;
	*fd = e.fd;
	return 1;
}

/*
 * Queued behind every set's ready list: a re-poll that appends an item
 * wakes the sets watching this one, whose lists must be whole by then.
 */
static int ckpt_epoll_repoll(struct ckpt_ctx *ctx, void *data)
{
	int err = eventpoll_cr_repoll(data, ckpt_ready_per_task);

	return err < 0 ? err : 0;
}

static int ckpt_epoll_restore_ready(struct ckpt_ctx *ctx, void *data)
{
	struct ckpt_epoll_counts *counts = data;
	struct file *epoll = ckpt_restored_get(ctx, counts->epoll_objref,
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
	ckpt_phase(ctx, CKPT_PHASE_READY);

	err = eventpoll_cr_restore_ready(epoll, ckpt_ready_next, &reader);
	/* An entry naming no item, or one item twice: a corrupt image. */
	if (err == -ENOENT || err == -EEXIST)
		return -EINVAL;
	if (!err && counts->repoll)
		err = ckpt_defer(ctx, ckpt_epoll_repoll, NULL, epoll);
	return err;
}

static int ckpt_epoll_insert(struct ckpt_ctx *ctx, struct file *epoll,
			     const struct ckpt_epoll_item *e, u32 prev_target,
			     bool *repoll)
{
	struct file *target;
	int err;

	/* Items of one target, in the order restart adds them, go together. */
	if (e->fd < 0 || e->events & ~CKPT_EPOLL_EVENTS ||
	    e->target_objref < prev_target)
		return -EINVAL;
	target = ckpt_restored_get(ctx, e->target_objref, CKPT_OBJ_FILE);
	if (!target)
		return -EINVAL;
	if (e->target_objref != prev_target && ckpt_ready_per_task(target))
		*repoll = true;
	ctx->nitems++;
	if (ckpt_should_fail(ctx, CKPT_FAULT_ALLOC))
		return -ENOMEM;
	err = eventpoll_cr_insert(epoll, target, e->fd,
				  (__force __poll_t)e->events, e->data);
	/* One key twice: a corrupt image. */
	return err == -EEXIST ? -EINVAL : err;
}

static int ckpt_epoll_restore_items(struct ckpt_ctx *ctx, void *data)
{
	struct ckpt_epoll_counts *counts = data, *ready;
	struct file *epoll = ckpt_restored_get(ctx, counts->epoll_objref,
					       CKPT_OBJ_FILE);
	struct ckpt_epoll_item item;
	u32 left = counts->nitems, count = 0, i, prev_target = 0;
	int err = 0;

	/* Queued by ckpt_epoll_restore(), which made the set. */
	if (WARN_ON_ONCE(!epoll || !eventpoll_cr_is_epoll(epoll)))
		return -EINVAL;
	ckpt_phase(ctx, CKPT_PHASE_ITEMS);
	while (!err && left) {
		err = ckpt_epoll_read_chunk(ctx, CKPT_REC_EPOLL_ITEMS,
					    counts->epoll_objref, sizeof(item),
					    left, &count);
		for (i = 0; !err && i < count; i++) {
			err = ckpt_read(ctx, &item, sizeof(item));
			if (!err)
				err = ckpt_epoll_insert(ctx, epoll, &item,
							prev_target,
							&counts->repoll);
			prev_target = item.target_objref;
		}
		if (!err)
			err = ckpt_epoll_read_chunk_end(ctx, count, sizeof(item));
		left -= count;
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
