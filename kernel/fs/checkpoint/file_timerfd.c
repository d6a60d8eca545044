// SPDX-License-Identifier: GPL-2.0
/*
 * timerfd: clock, flags, interval, time left or deadline, unread ticks
 * and a pending cancellation, through timerfd's own services.
 *
 * The state is read at the freeze's instant, under the timer's wait-queue
 * lock, with the ready lists of the sets watching it: an expiry lands
 * wholly before or after.  Restart makes the timer at once but arms it
 * last (ckpt_defer_last()), once every set watching it is whole, so an
 * expiry during restart is a wakeup the restored sets see, not one the
 * restored ready lists overwrite.
 */
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/slab.h>
#include <linux/timerfd.h>

#include "internal.h"

#define CKPT_TIMERFD_STATES	(CKPT_TIMERFD_ARMED | CKPT_TIMERFD_EXPIRED | \
				 CKPT_TIMERFD_CANCELED)

/* What restart arms last: the timer, and when. */
struct ckpt_timerfd_arming {
	u32 objref;
	struct timerfd_cr_state state;
};

static bool ckpt_timerfd_match(struct file *file)
{
	return timerfd_cr_is_timerfd(file);
}

/* Before the instant, where it may sleep: room for what the instant reads. */
static int ckpt_timerfd_freeze(struct ckpt_ctx *ctx, struct ckpt_obj *obj)
{
	struct timerfd_cr_state *st;

	if (ckpt_should_fail(ctx, CKPT_FAULT_ALLOC))
		return -ENOMEM;
	st = kzalloc(sizeof(*st), GFP_KERNEL);
	if (!st)
		return -ENOMEM;
	obj->frozen = st;
	return 0;
}

/* At the freeze's instant, under the timer's lock (freeze.c). */
static int ckpt_timerfd_freeze_atomic(struct ckpt_ctx *ctx,
				      struct ckpt_obj *obj)
{
	lockdep_assert_irqs_disabled();
	timerfd_cr_get_locked(obj->file, obj->frozen);
	return 0;
}

static int ckpt_timerfd_checkpoint(struct ckpt_ctx *ctx, struct ckpt_obj *obj)
{
	const struct timerfd_cr_state *st = obj->frozen;
	struct ckpt_file_timerfd spec = {
		.clockid = st->clockid,
		.settime_flags = st->settime_flags,
		.value_ns = st->value,
		.interval_ns = st->interval,
		.ticks = st->ticks,
		.state = (st->armed ? CKPT_TIMERFD_ARMED : 0) |
			 (st->expired ? CKPT_TIMERFD_EXPIRED : 0) |
			 (st->canceled ? CKPT_TIMERFD_CANCELED : 0),
	};

	return ckpt_write_file(ctx, obj, &spec, sizeof(spec), NULL, 0);
}

static int ckpt_timerfd_arm(struct ckpt_ctx *ctx, void *data)
{
	struct ckpt_timerfd_arming *arming = data;
	struct file *file = ckpt_restored_get(ctx, arming->objref,
					      CKPT_OBJ_FILE);

	/* Queued by ckpt_timerfd_restore() for the file it made. */
	if (WARN_ON_ONCE(!file || !timerfd_cr_is_timerfd(file)))
		return -EINVAL;
	timerfd_cr_arm(file, &arming->state);
	return 0;
}

static struct file *ckpt_timerfd_restore(struct ckpt_ctx *ctx,
					 const struct ckpt_rec_file *rec,
					 u32 spec_len)
{
	struct ckpt_timerfd_arming *arming;
	struct ckpt_file_timerfd spec;
	struct file *file;
	int err;

	err = ckpt_read_spec(ctx, &spec, sizeof(spec), spec_len);
	if (err)
		return ERR_PTR(err);
	if (spec.__pad || spec.state & ~CKPT_TIMERFD_STATES || rec->f_pos)
		return ERR_PTR(-EINVAL);

	if (ckpt_should_fail(ctx, CKPT_FAULT_ALLOC))
		return ERR_PTR(-ENOMEM);
	arming = kmalloc(sizeof(*arming), GFP_KERNEL);
	if (!arming)
		return ERR_PTR(-ENOMEM);
	arming->objref = rec->objref;
	arming->state = (struct timerfd_cr_state) {
		.clockid = spec.clockid,
		.settime_flags = spec.settime_flags,
		.value = spec.value_ns,
		.interval = spec.interval_ns,
		.ticks = spec.ticks,
		.armed = spec.state & CKPT_TIMERFD_ARMED,
		.expired = spec.state & CKPT_TIMERFD_EXPIRED,
		.canceled = spec.state & CKPT_TIMERFD_CANCELED,
	};

	/* timerfd_cr_create() refuses a state no timer can be in. */
	if (ckpt_should_fail(ctx, CKPT_FAULT_ALLOC))
		file = ERR_PTR(-ENOMEM);
	else
		file = timerfd_cr_create(&arming->state, rec->f_flags &
					 (O_CLOEXEC | O_NONBLOCK));
	if (IS_ERR(file)) {
		err = PTR_ERR(file);
		goto out_free;
	}
	err = ckpt_file_set_flags(file, rec->f_flags);
	if (err)
		goto out_fput;
	err = ckpt_defer_last(ctx, ckpt_timerfd_arm, kfree, arming);
	if (err)
		goto out_fput;
	return file;

out_fput:
	fput(file);
out_free:
	kfree(arming);
	return ERR_PTR(err);
}

const struct ckpt_file_ops ckpt_timerfd_ops = {
	.type = CKPT_FILE_TIMERFD,
	.name = "timerfd",
	.match = ckpt_timerfd_match,
	.freeze = ckpt_timerfd_freeze,
	.freeze_atomic = ckpt_timerfd_freeze_atomic,
	.checkpoint = ckpt_timerfd_checkpoint,
	.restore = ckpt_timerfd_restore,
};
