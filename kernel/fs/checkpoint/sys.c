// SPDX-License-Identifier: GPL-2.0
/*
 * checkpoint(2) and restart(2): argument checks, permissions, and the
 * life of one struct ckpt_ctx.
 */
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/ptrace.h>
#include <linux/sched.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/syscalls.h>

#include "internal.h"

struct ckpt_ctx *ckpt_ctx_alloc(enum ckpt_mode mode, unsigned long flags,
				struct file *image)
{
	struct ckpt_ctx *ctx;
	int err;

	ctx = kzalloc(sizeof(*ctx), GFP_KERNEL);
	if (!ctx)
		return ERR_PTR(-ENOMEM);
	ckpt_phase_start(ctx);
	ctx->mode = mode;
	ctx->flags = flags;
	INIT_LIST_HEAD(&ctx->deferred);
	INIT_LIST_HEAD(&ctx->deferred_last);

	err = ckpt_objs_init(ctx);
	if (err)
		goto out_free;
	err = ckpt_image_init(ctx, image);
	if (err)
		goto out_objs;
	return ctx;

out_objs:
	ckpt_objs_release(ctx);
out_free:
	kfree(ctx);
	return ERR_PTR(err);
}

/**
 * ckpt_grow - room for one more entry in an array the context owns
 * @ctx: the context, for fault injection
 * @array: the array (NULL at first); moved, if it must be, on success
 * @cap: its capacity in entries, doubled (at least to @min_cap) when full
 * @used: entries in use
 * @size: bytes per entry
 * @min_cap: the first capacity
 *
 * Return: 0, or -ENOMEM with @array and @cap unchanged.
 */
int ckpt_grow(struct ckpt_ctx *ctx, void **array, u32 *cap, u32 used,
	      size_t size, u32 min_cap)
{
	u32 new_cap = max(2 * *cap, min_cap);
	void *grown;

	if (used < *cap)
		return 0;
	if (ckpt_should_fail(ctx, CKPT_FAULT_ALLOC))
		return -ENOMEM;
	grown = kvrealloc(*array, array_size(new_cap, size), GFP_KERNEL);
	if (!grown)
		return -ENOMEM;
	*array = grown;
	*cap = new_cap;
	return 0;
}

void ckpt_ctx_free(struct ckpt_ctx *ctx)
{
	ckpt_phase(ctx, CKPT_PHASE_RELEASE);
	ckpt_drop_deferred(ctx);
	ckpt_image_release(ctx);
	kvfree(ctx->fd_entries);
	kvfree(ctx->installed);
	ckpt_objs_release(ctx);
	if (ctx->task)
		put_task_struct(ctx->task);
	ckpt_phase(ctx, CKPT_PHASE_OTHER);
	ckpt_bench_phases(ctx);
	kfree(ctx);
}

/*
 * Another task's table may be read only while that task cannot change
 * it, and only by someone allowed to attach to it.
 */
static struct task_struct *ckpt_get_target(pid_t pid)
{
	struct task_struct *task;
	int err = 0;

	if (pid < 0)
		return ERR_PTR(-EINVAL);
	if (!pid)
		return get_task_struct(current);

	task = find_get_task_by_vpid(pid);
	if (!task)
		return ERR_PTR(-ESRCH);
	if (!ptrace_may_access(task, PTRACE_MODE_ATTACH_REALCREDS))
		err = -EPERM;
	else if (!task_is_stopped_or_traced(task))
		err = -EBUSY;
	if (err) {
		put_task_struct(task);
		return ERR_PTR(err);
	}
	return task;
}

static long ckpt_checkpoint(pid_t pid, int fd, unsigned long flags)
{
	struct task_struct *task;
	struct ckpt_ctx *ctx;
	struct fd f;
	long ret;

	f = fdget_pos(fd);
	if (fd_empty(f))
		return -EBADF;
	ret = -EBADF;
	if (!(fd_file(f)->f_mode & FMODE_WRITE))
		goto out_fdput;

	task = ckpt_get_target(pid);
	if (IS_ERR(task)) {
		ret = PTR_ERR(task);
		goto out_fdput;
	}
	ctx = ckpt_ctx_alloc(CKPT_MODE_CHECKPOINT, flags, fd_file(f));
	if (IS_ERR(ctx)) {
		ret = PTR_ERR(ctx);
		put_task_struct(task);
		goto out_fdput;
	}
	ctx->task = task;
	ret = ckpt_checkpoint_files(ctx);
	ckpt_ctx_free(ctx);
out_fdput:
	fdput_pos(f);
	return ret;
}

static long ckpt_restart(int fd, unsigned long flags)
{
	struct ckpt_ctx *ctx;
	struct fd f;
	long ret;

	f = fdget_pos(fd);
	if (fd_empty(f))
		return -EBADF;
	ret = -EBADF;
	if (!(fd_file(f)->f_mode & FMODE_READ))
		goto out_fdput;

	ctx = ckpt_ctx_alloc(CKPT_MODE_RESTART, flags, fd_file(f));
	if (IS_ERR(ctx)) {
		ret = PTR_ERR(ctx);
		goto out_fdput;
	}
	ret = ckpt_restart_files(ctx);
	ckpt_ctx_free(ctx);
out_fdput:
	fdput_pos(f);
	return ret;
}

SYSCALL_DEFINE3(checkpoint, pid_t, pid, int, fd, unsigned long, flags)
{
	long ret;

	if (flags & ~CHECKPOINT_FLAGS_ALL)
		return -EINVAL;
	ckpt_interleave_enter(CKPT_MODE_CHECKPOINT);
	ret = ckpt_checkpoint(pid, fd, flags);
	ckpt_interleave_exit(CKPT_MODE_CHECKPOINT);
	return ret;
}

SYSCALL_DEFINE2(restart, int, fd, unsigned long, flags)
{
	long ret;

	if (flags & ~RESTART_FLAGS_ALL)
		return -EINVAL;
	ckpt_interleave_enter(CKPT_MODE_RESTART);
	ret = ckpt_restart(fd, flags);
	ckpt_interleave_exit(CKPT_MODE_RESTART);
	return ret;
}
