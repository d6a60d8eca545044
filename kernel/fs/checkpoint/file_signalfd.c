// SPDX-License-Identifier: GPL-2.0
/*
 * signalfd: the mask of signals it accepts, through signalfd's own
 * services.  That is all the file has: pending signals belong to a task,
 * and a signalfd reports those of whoever reads or polls it.  So restart
 * restores no signal, and the epoll items watching a signalfd are polled
 * again in the restoring task once their set's ready list is rebuilt
 * (file_epoll.c).
 */
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/signal.h>
#include <linux/signalfd.h>

#include "internal.h"

static bool ckpt_signalfd_match(struct file *file)
{
	sigset_t mask;

	return !signalfd_cr_get(file, &mask);
}

bool ckpt_ready_per_task(struct file *file)
{
	return ckpt_signalfd_match(file);
}

/*
 * While the freeze holds the sets: the mask, one word, which another
 * task's signalfd(2) changes wholly before or after this read.
 */
static int ckpt_signalfd_freeze(struct ckpt_ctx *ctx, struct ckpt_obj *obj)
{
	sigset_t mask;
	int err;

	err = signalfd_cr_get(obj->file, &mask);
	if (err)
		return err;
	obj->count = mask.sig[0];
	return 0;
}

static int ckpt_signalfd_checkpoint(struct ckpt_ctx *ctx, struct ckpt_obj *obj)
{
	struct ckpt_file_signalfd spec = { .sigmask = obj->count };

	return ckpt_write_file(ctx, obj, &spec, sizeof(spec), NULL, 0);
}

static struct file *ckpt_signalfd_restore(struct ckpt_ctx *ctx,
					  const struct ckpt_rec_file *rec,
					  u32 spec_len)
{
	struct ckpt_file_signalfd spec;
	sigset_t mask;
	int err;

	BUILD_BUG_ON(_NSIG_WORDS != 1);
	err = ckpt_read_spec(ctx, &spec, sizeof(spec), spec_len);
	if (err)
		return ERR_PTR(err);
	if (rec->f_pos)
		return ERR_PTR(-EINVAL);
	siginitset(&mask, spec.sigmask);

	/* signalfd_cr_create() refuses SIGKILL and SIGSTOP. */
	if (ckpt_should_fail(ctx, CKPT_FAULT_ALLOC))
		return ERR_PTR(-ENOMEM);
	return ckpt_file_made(signalfd_cr_create(&mask, rec->f_flags &
						 (O_CLOEXEC | O_NONBLOCK)),
			      rec->f_flags);
}

const struct ckpt_file_ops ckpt_signalfd_ops = {
	.type = CKPT_FILE_SIGNALFD,
	.name = "signalfd",
	.match = ckpt_signalfd_match,
	.freeze = ckpt_signalfd_freeze,
	.checkpoint = ckpt_signalfd_checkpoint,
	.restore = ckpt_signalfd_restore,
};
