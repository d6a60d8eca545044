// SPDX-License-Identifier: GPL-2.0
/*
 * eventfd: the 64-bit counter and EFD_SEMAPHORE, through eventfd's own
 * get and create services.
 */
#include <linux/eventfd.h>
#include <linux/file.h>
#include <linux/fs.h>

#include "internal.h"

static bool ckpt_eventfd_match(struct file *file)
{
	u64 count;
	unsigned int flags;

	return !eventfd_cr_get(file, &count, &flags);
}

/* At the freeze's instant, under the eventfd's wait-queue lock. */
static int ckpt_eventfd_freeze_atomic(struct ckpt_ctx *ctx,
				      struct ckpt_obj *obj)
{
	/* The lock is eventfd's own; eventfd_cr_lock() asserts the rest. */
	lockdep_assert_irqs_disabled();
	obj->count = eventfd_cr_count_locked(obj->file);
	return 0;
}

static int ckpt_eventfd_checkpoint(struct ckpt_ctx *ctx, struct ckpt_obj *obj)
{
	struct ckpt_file_eventfd spec = {};
	unsigned int flags;
	u64 count;
	int err;

	/* The counter now may be another: the image has the freeze's. */
	err = eventfd_cr_get(obj->file, &count, &flags);
	if (err)
		return err;
	spec.count = obj->count;
	spec.efd_flags = flags;
	return ckpt_write_file(ctx, obj, &spec, sizeof(spec), NULL, 0);
}

static struct file *ckpt_eventfd_restore(struct ckpt_ctx *ctx,
					 const struct ckpt_rec_file *rec,
					 u32 spec_len)
{
	struct ckpt_file_eventfd spec;
	int err;

	err = ckpt_read_spec(ctx, &spec, sizeof(spec), spec_len);
	if (err)
		return ERR_PTR(err);
	if (spec.__pad || spec.efd_flags & ~EFD_SEMAPHORE || rec->f_pos)
		return ERR_PTR(-EINVAL);

	/* O_CLOEXEC and O_NONBLOCK at creation show in f_flags for good. */
	if (ckpt_should_fail(ctx, CKPT_FAULT_ALLOC))
		return ERR_PTR(-ENOMEM);
	return ckpt_file_made(eventfd_cr_create(spec.count, spec.efd_flags |
						(rec->f_flags &
						 (O_CLOEXEC | O_NONBLOCK))),
			      rec->f_flags);
}

const struct ckpt_file_ops ckpt_eventfd_ops = {
	.type = CKPT_FILE_EVENTFD,
	.name = "eventfd",
	.match = ckpt_eventfd_match,
	.freeze_atomic = ckpt_eventfd_freeze_atomic,
	.checkpoint = ckpt_eventfd_checkpoint,
	.restore = ckpt_eventfd_restore,
};
