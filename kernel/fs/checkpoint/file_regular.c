// SPDX-License-Identifier: GPL-2.0
/*
 * Regular files: saved as path, flags and position; restored by opening
 * the path again with the restorer's credentials, so an image never
 * grants access its restorer lacks.
 */
#include <linux/dcache.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/mount.h>
#include <linux/slab.h>

#include "internal.h"

static bool ckpt_regular_match(struct file *file)
{
	return S_ISREG(file_inode(file)->i_mode) &&
	       !(file->f_mode & FMODE_PATH) &&
	       !(file->f_op->fop_flags & FOP_UNSIGNED_OFFSET);
}

static int ckpt_regular_checkpoint(struct ckpt_ctx *ctx, struct ckpt_obj *obj)
{
	struct ckpt_file_regular spec = {};
	char *buf, *path;
	int err;

	/* Unlinked files and files of internal mounts have no path to reopen. */
	if (d_unlinked(obj->file->f_path.dentry) ||
	    obj->file->f_path.mnt->mnt_flags & MNT_INTERNAL) {
		pr_info_ratelimited("checkpoint: fd %d: file has no path to reopen (%pD)\n",
				    obj->first_fd, obj->file);
		return -EOPNOTSUPP;
	}
	if (ckpt_should_fail(ctx, CKPT_FAULT_ALLOC))
		return -ENOMEM;
	buf = kmalloc(CKPT_PATH_MAX, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	path = d_path(&obj->file->f_path, buf, CKPT_PATH_MAX);
	if (IS_ERR(path)) {
		err = PTR_ERR(path);
		goto out;
	}
	/* Files of another mount namespace or beyond our root. */
	err = -EOPNOTSUPP;
	if (*path != '/')
		goto out;
	spec.path_len = strlen(path);
	err = ckpt_write_file(ctx, obj, &spec, sizeof(spec), path,
			      spec.path_len + 1);
out:
	kfree(buf);
	return err;
}

static struct file *ckpt_regular_restore(struct ckpt_ctx *ctx,
					 const struct ckpt_rec_file *rec,
					 u32 spec_len)
{
	struct ckpt_file_regular spec;
	struct file *file;
	char *path;
	u32 len;
	int err;

	if (spec_len < sizeof(spec))
		return ERR_PTR(-EINVAL);
	err = ckpt_read(ctx, &spec, sizeof(spec));
	if (err)
		return ERR_PTR(err);
	/*
	 * Bound path_len itself: path_len + 1 wraps to 0 at U32_MAX, and a
	 * record sized for that would pass with a zero-length kmalloc()
	 * whose ZERO_SIZE_PTR path[0] below dereferences (found by
	 * checkpoint_fuzz, fuzz_counts on the regular image).
	 */
	len = spec.path_len + 1;
	if (spec.__pad || spec.path_len >= CKPT_PATH_MAX - 1 ||
	    spec_len != ckpt_padded(sizeof(*rec) + sizeof(spec) + len) -
			sizeof(*rec))
		return ERR_PTR(-EINVAL);

	if (ckpt_should_fail(ctx, CKPT_FAULT_ALLOC))
		return ERR_PTR(-ENOMEM);
	path = kmalloc(len, GFP_KERNEL);
	if (!path)
		return ERR_PTR(-ENOMEM);
	err = ckpt_read(ctx, path, len);
	if (!err)
		err = ckpt_read_zeros(ctx, spec_len - sizeof(spec) - len);
	if (!err && (path[0] != '/' || strnlen(path, len) != len - 1))
		err = -EINVAL;
	if (err) {
		file = ERR_PTR(err);
		goto out;
	}

	file = ckpt_should_fail(ctx, CKPT_FAULT_ALLOC) ? ERR_PTR(-ENOMEM) :
	       filp_open(path, rec->f_flags & ~(O_CREAT | O_EXCL | O_TRUNC), 0);
	if (IS_ERR(file))
		goto out;
	err = -EINVAL;
	if (!ckpt_regular_match(file) ||
	    ((file->f_flags ^ rec->f_flags) & VALID_OPEN_FLAGS))
		goto out_fput;
	if (vfs_llseek(file, rec->f_pos, SEEK_SET) != rec->f_pos)
		goto out_fput;
	goto out;

out_fput:
	fput(file);
	file = ERR_PTR(err);
out:
	kfree(path);
	return file;
}

const struct ckpt_file_ops ckpt_regular_ops = {
	.type = CKPT_FILE_REGULAR,
	.name = "regular",
	.match = ckpt_regular_match,
	.checkpoint = ckpt_regular_checkpoint,
	.restore = ckpt_regular_restore,
};
