// SPDX-License-Identifier: GPL-2.0
/*
 * What every FILE record shares: its common part (struct ckpt_rec_file)
 * written and checked the same way for every file type.  A leaf: the file
 * types and files.c build on it, and it builds only on image.c.
 */
#include <linux/fcntl.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/spinlock.h>

#include "internal.h"

/* The CKPT_FMODE_* bits of @file's access mode. */
u32 ckpt_fmode(struct file *file)
{
	return (file->f_mode & FMODE_READ ? CKPT_FMODE_READ : 0) |
	       (file->f_mode & FMODE_WRITE ? CKPT_FMODE_WRITE : 0);
}

/* Writes the FILE record of @obj: common part, @spec, @tail, padding. */
int ckpt_write_file(struct ckpt_ctx *ctx, struct ckpt_obj *obj,
		    const void *spec, u32 spec_len,
		    const void *tail, u32 tail_len)
{
	struct file *file = obj->file;
	struct ckpt_rec_file rec = {
		.objref = obj->objref,
		.file_type = obj->ops->type,
		.f_flags = file->f_flags & VALID_OPEN_FLAGS,
		.f_mode = ckpt_fmode(file),
		.f_pos = obj->f_pos,
	};
	u32 len = sizeof(rec) + spec_len + tail_len;
	int err;

	err = ckpt_write_begin(ctx, CKPT_REC_FILE, ckpt_padded(len));
	if (!err)
		err = ckpt_write(ctx, &rec.objref, sizeof(rec) - sizeof(rec.h));
	if (!err)
		err = ckpt_write(ctx, spec, spec_len);
	if (!err && tail_len)
		err = ckpt_write(ctx, tail, tail_len);
	if (!err)
		err = ckpt_write_zeros(ctx, ckpt_padded(len) - len);
	return err ?: ckpt_write_end(ctx);
}

/*
 * Sets the flags fcntl(F_SETFL) could have changed after the file was
 * created; every other bit must already match what creation produced.
 */
int ckpt_file_set_flags(struct file *file, u32 f_flags)
{
	const u32 settable = O_APPEND | O_NONBLOCK;

	if ((file->f_flags ^ f_flags) & VALID_OPEN_FLAGS & ~settable)
		return -EINVAL;
	spin_lock(&file->f_lock);
	file->f_flags = (file->f_flags & ~settable) | (f_flags & settable);
	spin_unlock(&file->f_lock);
	return 0;
}

/*
 * Restore's last step for a file it just made (or the ERR_PTR() it got):
 * the flags ckpt_file_set_flags() sets, or the file dropped on error.
 */
struct file *ckpt_file_made(struct file *file, u32 f_flags)
{
	int err;

	if (IS_ERR(file))
		return file;
	err = ckpt_file_set_flags(file, f_flags);
	if (err) {
		fput(file);
		return ERR_PTR(err);
	}
	return file;
}

/* Reads a FILE record's type-specific part when it is of fixed size. */
int ckpt_read_spec(struct ckpt_ctx *ctx, void *spec, u32 size, u32 spec_len)
{
	if (spec_len != size)
		return -EINVAL;
	return ckpt_read(ctx, spec, size);
}
