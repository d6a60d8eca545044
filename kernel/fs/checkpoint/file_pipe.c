// SPDX-License-Identifier: GPL-2.0
/*
 * Anonymous pipes.  The pipe is an object of its own, written before the
 * first end that names it, with its capacity and buffered bytes; each end
 * is a FILE record naming the pipe.  At restart both ends are created with
 * the pipe; an end no FILE record claims is closed when restart finishes,
 * exactly as it was closed when the checkpoint was taken.
 */
#include <linux/fcntl.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/highmem.h>
#include <linux/magic.h>
#include <linux/pipe_fs_i.h>
#include <linux/slab.h>

#include "internal.h"

static bool ckpt_pipe_match(struct file *file)
{
	return file_inode(file)->i_sb->s_magic == PIPEFS_MAGIC &&
	       get_pipe_info(file, false);
}

static void *ckpt_pipe_owner(struct file *file)
{
	return get_pipe_info(file, false);
}

static u32 ckpt_pipe_end(struct file *file)
{
	return file->f_mode & FMODE_WRITE ? CKPT_PIPE_WRITE_END :
					    CKPT_PIPE_READ_END;
}

/* A pipe as the freeze saw it: capacity and buffered bytes. */
struct ckpt_pipe_frozen {
	u32 capacity;
	u32 nbytes;
	u8 data[];
};

/*
 * In the freeze, under pipe->mutex: copies the buffered bytes without
 * consuming them, and the capacity F_GETPIPE_SZ would give.
 */
static int ckpt_pipe_obj_freeze(struct ckpt_ctx *ctx, struct ckpt_obj *obj)
{
	struct pipe_inode_info *pipe = obj->ptr;
	struct ckpt_pipe_frozen *frozen;
	unsigned int slot;
	size_t nbytes = 0;
	int err;

	lockdep_assert_held(&pipe->mutex);
	for (slot = pipe->tail; slot != pipe->head; slot++)
		nbytes += pipe_buf(pipe, slot)->len;
	if (ckpt_should_fail(ctx, CKPT_FAULT_ALLOC))
		return -ENOMEM;
	frozen = kvmalloc(struct_size(frozen, data, nbytes), GFP_KERNEL);
	if (!frozen)
		return -ENOMEM;
	frozen->capacity = pipe->max_usage * PAGE_SIZE;
	frozen->nbytes = 0;
	for (slot = pipe->tail; slot != pipe->head; slot++) {
		struct pipe_buffer *buf = pipe_buf(pipe, slot);
		void *addr;

		err = pipe_buf_confirm(pipe, buf);
		if (err) {
			kvfree(frozen);
			return err;
		}
		addr = kmap_local_page(buf->page);
		memcpy(frozen->data + frozen->nbytes, addr + buf->offset, buf->len);
		kunmap_local(addr);
		frozen->nbytes += buf->len;
	}
	obj->frozen = frozen;
	return 0;
}

static int ckpt_pipe_obj_checkpoint(struct ckpt_ctx *ctx,
				    struct ckpt_obj *obj)
{
	struct ckpt_pipe_frozen *frozen = obj->frozen;
	struct ckpt_obj *end = ckpt_obj_at(ctx, obj->objref + 1);
	struct ckpt_rec_pipe rec = {
		.objref = obj->objref,
		.capacity = frozen->capacity,
		.nbytes = frozen->nbytes,
	};
	int err;

	/* The end that made this pipe an object comes right after it. */
	if (ctx->image->f_inode == end->file->f_inode)
		return -EINVAL;		/* the image would feed itself */
	if (pipe_has_watch_queue(obj->ptr) || end->file->f_flags & O_DIRECT) {
		pr_info_ratelimited("checkpoint: fd %d: notification or packet-mode pipe\n",
				    end->first_fd);
		return -EOPNOTSUPP;
	}
	err = ckpt_write_begin(ctx, CKPT_REC_PIPE,
			       sizeof(rec) + ckpt_padded(rec.nbytes));
	if (!err)
		err = ckpt_write(ctx, &rec.objref, sizeof(rec) - sizeof(rec.h));
	if (!err)
		err = ckpt_write(ctx, frozen->data, rec.nbytes);
	if (!err)
		err = ckpt_write_zeros(ctx, ckpt_padded(rec.nbytes) - rec.nbytes);
	return err ?: ckpt_write_end(ctx);
}

static int ckpt_pipe_checkpoint(struct ckpt_ctx *ctx, struct ckpt_obj *obj)
{
	struct ckpt_obj *pipe = ckpt_obj_find(ctx, get_pipe_info(obj->file,
								  false));
	u32 end = ckpt_pipe_end(obj->file);
	struct ckpt_file_pipe spec = { .end = end };

	/* Collect gave every end's pipe an object first. */
	if (WARN_ON_ONCE(!pipe))
		return -EINVAL;
	spec.pipe_objref = pipe->objref;

	/* Two open files on one end (a reopen through /proc) stay unsupported. */
	if (pipe->ends_claimed & BIT(end)) {
		pr_info_ratelimited("checkpoint: fd %d: second open file on one pipe end\n",
				    obj->first_fd);
		return -EOPNOTSUPP;
	}
	pipe->ends_claimed |= BIT(end);
	return ckpt_write_file(ctx, obj, &spec, sizeof(spec), NULL, 0);
}

static int ckpt_fill_pipe(struct ckpt_ctx *ctx, struct file *wr, u32 nbytes)
{
	loff_t pos = 0;
	void *chunk;
	int err = 0;

	if (ckpt_should_fail(ctx, CKPT_FAULT_ALLOC))
		return -ENOMEM;
	chunk = kmalloc(PAGE_SIZE, GFP_KERNEL);
	if (!chunk)
		return -ENOMEM;
	while (nbytes && !err) {
		u32 n = min_t(u32, nbytes, PAGE_SIZE);
		ssize_t done;

		err = ckpt_read(ctx, chunk, n);
		if (err)
			break;
		done = ckpt_should_fail(ctx, CKPT_FAULT_IO) ? -EIO :
		       kernel_write(wr, chunk, n, &pos);
		if (done != n)
			err = done < 0 ? done : -EIO;
		nbytes -= n;
	}
	kfree(chunk);
	return err;
}

/* Restart: a pipe object until both its ends are claimed or closed. */
struct ckpt_pipe_restoring {
	struct ckpt_owner_state owner;
	struct file *ends[2];		/* one reference each, until claimed */
	u8 claimed;			/* BIT(end) per FILE record seen */
};

static void ckpt_pipe_obj_release(struct ckpt_owner_state *owner)
{
	struct ckpt_pipe_restoring *pipe =
		container_of(owner, struct ckpt_pipe_restoring, owner);
	int end;

	for (end = 0; end < ARRAY_SIZE(pipe->ends); end++)
		if (pipe->ends[end])
			fput(pipe->ends[end]);
	kfree(pipe);
}

static int ckpt_pipe_obj_restore(struct ckpt_ctx *ctx, const struct ckpt_hdr *h)
{
	struct ckpt_pipe_restoring *pipe;
	struct ckpt_rec_pipe rec;
	long capacity;
	int err;

	err = ckpt_read_fixed(ctx, h, &rec, sizeof(rec));
	if (err)
		return err;
	if (rec.__pad || rec.nbytes > rec.capacity ||
	    h->len != sizeof(rec) + ckpt_padded(rec.nbytes))
		return -EINVAL;

	if (ckpt_should_fail(ctx, CKPT_FAULT_ALLOC))
		return -ENOMEM;
	pipe = kzalloc(sizeof(*pipe), GFP_KERNEL);
	if (!pipe)
		return -ENOMEM;
	pipe->owner.ops = &ckpt_pipe_owner_ops;
	/* On failure create_pipe_files() may leave an ERR_PTR in ends[0]. */
	err = ckpt_should_fail(ctx, CKPT_FAULT_ALLOC) ? -ENOMEM :
	      create_pipe_files(pipe->ends, 0);
	if (err) {
		pipe->ends[0] = NULL;
		goto out_release;
	}
	ckpt_test_point(ctx, CKPT_POINT_RESTORED_FILE, pipe->ends[0]);
	ckpt_test_point(ctx, CKPT_POINT_RESTORED_FILE, pipe->ends[1]);

	/* Limits apply as for F_SETPIPE_SZ by the restorer. */
	capacity = pipe_fcntl(pipe->ends[1], F_SETPIPE_SZ, rec.capacity);
	err = capacity < 0 ? capacity : -EINVAL;
	if (capacity != rec.capacity)
		goto out_release;
	err = ckpt_fill_pipe(ctx, pipe->ends[1], rec.nbytes);
	if (!err)
		err = ckpt_read_zeros(ctx, ckpt_padded(rec.nbytes) - rec.nbytes);
	if (!err)
		err = ckpt_restored_add(ctx, rec.objref, &pipe->owner,
					CKPT_OBJ_OWNER);
	if (err)
		goto out_release;
	return 0;

out_release:
	ckpt_pipe_obj_release(&pipe->owner);
	return err;
}

static struct file *ckpt_pipe_restore(struct ckpt_ctx *ctx,
				      const struct ckpt_rec_file *rec,
				      u32 spec_len)
{
	struct ckpt_pipe_restoring *pipe;
	struct ckpt_owner_state *owner;
	struct ckpt_file_pipe spec;
	struct file *file;
	int err;

	err = ckpt_read_spec(ctx, &spec, sizeof(spec), spec_len);
	if (err)
		return ERR_PTR(err);
	owner = ckpt_restored_get(ctx, spec.pipe_objref, CKPT_OBJ_OWNER);
	if (!owner || owner->ops != &ckpt_pipe_owner_ops ||
	    spec.end > CKPT_PIPE_WRITE_END || rec->f_pos)
		return ERR_PTR(-EINVAL);
	pipe = container_of(owner, struct ckpt_pipe_restoring, owner);
	if (pipe->claimed & BIT(spec.end))
		return ERR_PTR(-EINVAL);

	file = pipe->ends[spec.end];
	err = ckpt_file_set_flags(file, rec->f_flags);
	if (err)
		return ERR_PTR(err);
	/* The FILE object takes over the pipe object's reference. */
	pipe->ends[spec.end] = NULL;
	pipe->claimed |= BIT(spec.end);
	if (pipe->claimed == (BIT(CKPT_PIPE_READ_END) | BIT(CKPT_PIPE_WRITE_END))) {
		/* nothing left to release: the object needs no state now */
		ckpt_restored_let_go(ctx, spec.pipe_objref);
		kfree(pipe);
	}
	return file;
}

/*
 * A pipe end no FILE record claimed was closed when the checkpoint was
 * taken; close it now, before any epoll item watches the pipe, so that
 * the wakeup its release sends reaches no restored ready list.
 */
static int ckpt_pipe_obj_restored(struct ckpt_ctx *ctx,
				  struct ckpt_owner_state *owner)
{
	struct ckpt_pipe_restoring *pipe =
		container_of(owner, struct ckpt_pipe_restoring, owner);
	int end;

	if (!pipe->claimed)
		return -EINVAL;
	for (end = 0; end < ARRAY_SIZE(pipe->ends); end++) {
		if (pipe->ends[end])
			__fput_sync(pipe->ends[end]);
		pipe->ends[end] = NULL;
	}
	kfree(pipe);
	return 0;
}

const struct ckpt_owner_ops ckpt_pipe_owner_ops = {
	.record = CKPT_REC_PIPE,
	.freeze = ckpt_pipe_obj_freeze,
	.checkpoint = ckpt_pipe_obj_checkpoint,
	.restore = ckpt_pipe_obj_restore,
	.restored = ckpt_pipe_obj_restored,
	.release = ckpt_pipe_obj_release,
};

const struct ckpt_file_ops ckpt_pipe_ops = {
	.type = CKPT_FILE_PIPE,
	.name = "pipe",
	.match = ckpt_pipe_match,
	.owner = ckpt_pipe_owner,
	.owner_ops = &ckpt_pipe_owner_ops,
	.checkpoint = ckpt_pipe_checkpoint,
	.restore = ckpt_pipe_restore,
};
