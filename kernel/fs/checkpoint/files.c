// SPDX-License-Identifier: GPL-2.0
/*
 * The file table: collect, leak detection, and the order of the image.
 *
 * Checkpoint walks the target's fd table once, giving every file one
 * object however many fds name it; lets each file type collect what it
 * references; refuses files also held from outside the table; then writes
 * header, objects, fd table, deferred sections and trailer.
 *
 * Restart reads the same order back: objects are created, the fd table is
 * read and checked against the caller's, deferred work inserts epoll items
 * and ready lists, the trailer is verified, and only then are the fds
 * installed.  Until that last step nothing of the image is visible to
 * anyone, and any error releases every object it created.
 */
#include <linux/fdtable.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/utsname.h>

#include "internal.h"

static const struct ckpt_file_ops *const ckpt_file_types[] = {
	&ckpt_regular_ops,
	&ckpt_pipe_ops,
	&ckpt_eventfd_ops,
	&ckpt_epoll_ops,
};

static const struct ckpt_file_ops *ckpt_ops_of_file(struct file *file)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(ckpt_file_types); i++)
		if (ckpt_file_types[i]->match(file))
			return ckpt_file_types[i];
	return NULL;
}

static const struct ckpt_file_ops *ckpt_ops_of_type(u32 type)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(ckpt_file_types); i++)
		if (ckpt_file_types[i]->type == type)
			return ckpt_file_types[i];
	return NULL;
}

/* The owner whose records are of @record, or NULL. */
static const struct ckpt_owner_ops *ckpt_owner_of_record(u32 record)
{
	const struct ckpt_owner_ops *owner;
	int i;

	for (i = 0; i < ARRAY_SIZE(ckpt_file_types); i++) {
		owner = ckpt_file_types[i]->owner_ops;
		if (owner && owner->record == record)
			return owner;
	}
	return NULL;
}

static void *ckpt_fd_value(u32 objref, u32 flags)
{
	return xa_mk_value((unsigned long)objref << 2 | flags);
}

/* The next open fd of @task at or above *@fd, with a reference. */
static struct file *ckpt_next_fd(struct task_struct *task, unsigned int *fd,
				 bool *cloexec)
{
	struct files_struct *files;
	struct file *file = NULL;
	struct fdtable *fdt;

	task_lock(task);
	files = task->files;
	if (files) {
		spin_lock(&files->file_lock);
		fdt = files_fdtable(files);
		for (; *fd < fdt->max_fds; (*fd)++) {
			file = files_lookup_fd_locked(files, *fd);
			if (file) {
				get_file(file);
				*cloexec = close_on_exec(*fd, files);
				break;
			}
		}
		spin_unlock(&files->file_lock);
	}
	task_unlock(task);
	return file;
}

/* Gives @file (and the object it belongs to) objects, or finds them. */
static struct ckpt_obj *ckpt_collect_file(struct ckpt_ctx *ctx,
					  struct file *file, int fd)
{
	const struct ckpt_file_ops *ops;
	struct ckpt_obj *obj;
	void *owner;

	obj = ckpt_obj_find(ctx, file);
	if (obj)
		return obj;

	ops = ckpt_ops_of_file(file);
	if (!ops || file == ctx->image) {
		if (file != ctx->image &&
		    !(ctx->flags & CHECKPOINT_SKIP_UNSUPPORTED)) {
			pr_info_ratelimited("checkpoint: fd %d: unsupported file type (%pD)\n",
					    fd, file);
			return ERR_PTR(-EOPNOTSUPP);
		}
		return ckpt_obj_add(ctx, file, CKPT_OBJ_SKIPPED);
	}

	owner = ops->owner ? ops->owner(file) : NULL;
	if (owner && !ckpt_obj_find(ctx, owner)) {
		obj = ckpt_obj_add(ctx, owner, CKPT_OBJ_OWNER);
		if (IS_ERR(obj))
			return obj;
		obj->owner_ops = ops->owner_ops;
	}
	obj = ckpt_obj_add(ctx, file, CKPT_OBJ_FILE);
	if (!IS_ERR(obj))
		obj->ops = ops;
	return obj;
}

static int ckpt_collect_fds(struct ckpt_ctx *ctx)
{
	unsigned int fd = 0;
	struct file *file;
	bool cloexec;
	int err = 0;

	while ((file = ckpt_next_fd(ctx->task, &fd, &cloexec))) {
		struct ckpt_obj *obj = ckpt_collect_file(ctx, file, fd);
		u32 flags = cloexec ? CKPT_FD_CLOEXEC : 0;

		fput(file);
		if (IS_ERR(obj))
			return PTR_ERR(obj);
		if (obj->kind == CKPT_OBJ_SKIPPED)
			flags |= CKPT_FD_SKIPPED;
		obj->nfds++;
		if (obj->first_fd < 0)
			obj->first_fd = fd;
		if (ckpt_should_fail(ctx, CKPT_FAULT_ALLOC))
			return -ENOMEM;
		err = xa_err(xa_store(&ctx->fds, fd,
				      ckpt_fd_value(obj->objref, flags),
				      GFP_KERNEL));
		if (err)
			return err;
		ctx->nfds++;
		fd++;
		cond_resched();
	}
	return 0;
}

/*
 * A file referenced from outside the table (another process, a mapping,
 * a message in flight) would not be restored with those references, so
 * the image would lie.  Every reference must be an fd of the table, plus
 * the one the object table holds.
 */
static int ckpt_detect_leaks(struct ckpt_ctx *ctx)
{
	struct ckpt_obj *obj;
	unsigned long objref;

	xa_for_each(&ctx->objs, objref, obj) {
		long refs;

		if (obj->kind != CKPT_OBJ_FILE)
			continue;
		refs = file_count(obj->file);
		if (refs != obj->nfds + 1) {
			pr_info_ratelimited("checkpoint: fd %d: file is also held outside the checkpointed table (%ld references, %u from fds)\n",
					    obj->first_fd, refs - 1, obj->nfds);
			return -EBUSY;
		}
	}
	return 0;
}

static int ckpt_write_image_header(struct ckpt_ctx *ctx)
{
	struct ckpt_rec_header rec = {
		.magic = CKPT_MAGIC,
		.version = CKPT_FORMAT_VERSION,
		.arch = CKPT_ARCH_X86_64,
		.flags = ctx->flags,
	};

	strscpy_pad(rec.release, utsname()->release, sizeof(rec.release));
	return ckpt_write_record(ctx, CKPT_REC_HEADER, &rec, sizeof(rec));
}

static int ckpt_write_objects(struct ckpt_ctx *ctx)
{
	struct ckpt_obj *obj;
	unsigned long objref;
	int err;

	xa_for_each(&ctx->objs, objref, obj) {
		if (obj->kind == CKPT_OBJ_OWNER)
			err = obj->owner_ops->checkpoint(ctx, obj);
		else
			err = obj->ops->checkpoint(ctx, obj);
		if (err)
			return err;
		cond_resched();
	}
	return 0;
}

static int ckpt_write_fd_chunk(struct ckpt_ctx *ctx,
			       struct ckpt_fd_entry *entries, u32 count)
{
	struct ckpt_rec_fd rec = { .count = count };
	u32 len = sizeof(rec) + count * sizeof(*entries);
	int err;

	err = ckpt_write_begin(ctx, CKPT_REC_FD, len);
	if (!err)
		err = ckpt_write(ctx, &rec.count, sizeof(rec) - sizeof(rec.h));
	if (!err)
		err = ckpt_write(ctx, entries, count * sizeof(*entries));
	return err ?: ckpt_write_end(ctx);
}

static int ckpt_write_fds(struct ckpt_ctx *ctx)
{
	struct ckpt_fd_entry *entries;
	unsigned long fd;
	u32 count = 0;
	void *entry;
	int err = 0;

	if (ckpt_should_fail(ctx, CKPT_FAULT_ALLOC))
		return -ENOMEM;
	entries = kcalloc(CKPT_CHUNK_ENTRIES, sizeof(*entries), GFP_KERNEL);
	if (!entries)
		return -ENOMEM;
	xa_for_each(&ctx->fds, fd, entry) {
		unsigned long v = xa_to_value(entry);

		entries[count++] = (struct ckpt_fd_entry) {
			.fd = fd, .objref = v >> 2, .flags = v & 3,
		};
		if (count == CKPT_CHUNK_ENTRIES) {
			err = ckpt_write_fd_chunk(ctx, entries, count);
			if (err)
				goto out;
			count = 0;
		}
	}
	if (count)
		err = ckpt_write_fd_chunk(ctx, entries, count);
out:
	kfree(entries);
	return err;
}

static int ckpt_write_trailer(struct ckpt_ctx *ctx)
{
	struct ckpt_rec_trailer rec = {
		.nobjects = ctx->nobjects,
		.nfds = ctx->nfds,
		.nitems = ctx->nitems,
		.nready = ctx->nready,
		.nrecords = ctx->nrecords,
		.checksum = ctx->crc,
	};

	return ckpt_write_record(ctx, CKPT_REC_TRAILER, &rec, sizeof(rec));
}

int ckpt_checkpoint_files(struct ckpt_ctx *ctx)
{
	int err;

	err = ckpt_collect_fds(ctx);
	if (!err)
		err = ckpt_freeze(ctx);
	if (err)
		return err;
	if (!(ctx->flags & CHECKPOINT_SUBTREE)) {
		err = ckpt_detect_leaks(ctx);
		if (err)
			return err;
	}

	ckpt_test_point(ctx, CKPT_POINT_WRITE_OBJECTS, NULL);
	err = ckpt_write_image_header(ctx);
	if (!err)
		err = ckpt_write_objects(ctx);
	if (!err)
		err = ckpt_write_fds(ctx);
	if (!err)
		err = ckpt_run_deferred(ctx);
	if (!err)
		err = ckpt_write_trailer(ctx);
	return err ?: ckpt_flush(ctx);
}

/* ---- restart ---- */

static int ckpt_read_image_header(struct ckpt_ctx *ctx)
{
	struct ckpt_rec_header rec;
	struct ckpt_hdr h;
	int err;

	err = ckpt_read_hdr(ctx, &h);
	if (err)
		return err;
	if (h.type != CKPT_REC_HEADER)
		return -EINVAL;
	err = ckpt_read_record(ctx, &h, &rec, sizeof(rec));
	if (err)
		return err;
	if (rec.magic != CKPT_MAGIC || rec.version != CKPT_FORMAT_VERSION ||
	    rec.arch != CKPT_ARCH_X86_64 || rec.flags & ~CHECKPOINT_FLAGS_ALL ||
	    !memchr(rec.release, 0, sizeof(rec.release)))
		return -EINVAL;
	return 0;
}

static int ckpt_restore_file(struct ckpt_ctx *ctx, const struct ckpt_hdr *h)
{
	const struct ckpt_file_ops *ops;
	struct ckpt_rec_file rec;
	struct ckpt_obj *obj;
	struct file *file;
	int err;

	err = ckpt_read_fixed(ctx, h, &rec, sizeof(rec));
	if (err)
		return err;
	ops = ckpt_ops_of_type(rec.file_type);
	if (!ops || rec.objref != ctx->nobjects + 1 ||
	    rec.f_flags & ~VALID_OPEN_FLAGS ||
	    rec.f_mode & ~(CKPT_FMODE_READ | CKPT_FMODE_WRITE))
		return -EINVAL;

	if (ckpt_should_fail(ctx, CKPT_FAULT_ALLOC))
		return -ENOMEM;
	obj = kzalloc(sizeof(*obj), GFP_KERNEL);
	if (!obj)
		return -ENOMEM;
	file = ops->restore(ctx, &rec, h->len - sizeof(rec));
	if (IS_ERR(file)) {
		err = PTR_ERR(file);
		goto out_free;
	}
	ckpt_test_point(ctx, CKPT_POINT_RESTORED_FILE, file);
	obj->kind = CKPT_OBJ_FILE;
	obj->ops = ops;
	obj->file = file;
	obj->ptr = file;
	err = -EINVAL;
	if (ckpt_fmode(file) != rec.f_mode || ctx->rec_left)
		goto out_free;
	err = ckpt_obj_insert_restored(ctx, obj, rec.objref);
	if (err)
		goto out_free;
	return 0;

out_free:
	ckpt_obj_free(obj);
	return err;
}

/* Returns -EBUSY if the caller already has @fd open. */
static int ckpt_fd_unused(int fd)
{
	struct file *file = fget_raw(fd);

	if (!file)
		return 0;
	fput(file);
	return -EBUSY;
}

static int ckpt_restore_fd_chunk(struct ckpt_ctx *ctx,
				 const struct ckpt_hdr *h, int *last_fd)
{
	unsigned long nofile = rlimit(RLIMIT_NOFILE);
	struct ckpt_rec_fd rec;
	u32 i;
	int err;

	err = ckpt_read_fixed(ctx, h, &rec, sizeof(rec));
	if (err)
		return err;
	if (!rec.count || rec.count > CKPT_CHUNK_ENTRIES ||
	    h->len != sizeof(rec) + rec.count * sizeof(struct ckpt_fd_entry))
		return -EINVAL;

	for (i = 0; i < rec.count; i++) {
		struct ckpt_fd_entry e;
		struct ckpt_obj *obj = NULL;

		err = ckpt_read(ctx, &e, sizeof(e));
		if (err)
			return err;
		/* Ascending order: one fd once, and one image per table. */
		if (e.fd <= *last_fd || e.__pad ||
		    e.flags & ~(CKPT_FD_CLOEXEC | CKPT_FD_SKIPPED))
			return -EINVAL;
		*last_fd = e.fd;
		if (e.flags & CKPT_FD_SKIPPED) {
			if (e.objref)
				return -EINVAL;
		} else {
			obj = ckpt_obj_lookup(ctx, e.objref, CKPT_OBJ_FILE);
			if (!obj)
				return -EINVAL;
			if (e.fd >= nofile)
				return -EMFILE;
			err = ckpt_fd_unused(e.fd);
			if (err)
				return err;
			obj->nfds++;
			if (obj->first_fd < 0 || e.fd < obj->first_fd)
				obj->first_fd = e.fd;
		}
		if (ckpt_should_fail(ctx, CKPT_FAULT_ALLOC))
			return -ENOMEM;
		err = xa_err(xa_store(&ctx->fds, e.fd,
				      ckpt_fd_value(e.objref, e.flags),
				      GFP_KERNEL));
		if (err)
			return err;
		ctx->nfds++;
	}
	return 0;
}

/*
 * Every object must be reachable from the fd table, or it would vanish;
 * an owner releases what no FILE record claimed (see ckpt_owner_ops),
 * before any deferred work, such as epoll items, sees it.
 */
static int ckpt_check_objects_used(struct ckpt_ctx *ctx)
{
	struct ckpt_obj *obj;
	unsigned long objref;
	int err;

	xa_for_each(&ctx->objs, objref, obj) {
		if (obj->kind == CKPT_OBJ_FILE && !obj->nfds)
			return -EINVAL;
		if (obj->kind != CKPT_OBJ_OWNER)
			continue;
		err = obj->owner_ops->restored(ctx, obj);
		if (err)
			return err;
	}
	return 0;
}

static int ckpt_read_trailer(struct ckpt_ctx *ctx)
{
	struct ckpt_rec_trailer rec;
	u32 nrecords = ctx->nrecords;
	struct ckpt_hdr h;
	u32 crc;
	int err;

	err = ckpt_read_hdr(ctx, &h);
	if (err)
		return err;
	crc = ctx->crc_at_record;
	if (h.type != CKPT_REC_TRAILER)
		return -EINVAL;
	err = ckpt_read_record(ctx, &h, &rec, sizeof(rec));
	if (err)
		return err;
	if (rec.checksum != crc || rec.nrecords != nrecords ||
	    rec.nobjects != ctx->nobjects || rec.nfds != ctx->nfds ||
	    rec.nitems != ctx->nitems || rec.nready != ctx->nready)
		return -EINVAL;
	return 0;
}

static void ckpt_uninstall(struct ckpt_ctx *ctx, unsigned long last)
{
	unsigned long fd;
	void *entry;

	xa_for_each_range(&ctx->fds, fd, entry, 0, last) {
		if (!(xa_to_value(entry) & CKPT_FD_SKIPPED))
			close_fd(fd);
	}
}

/* The last step: all fds or none. */
static int ckpt_install_fds(struct ckpt_ctx *ctx)
{
	unsigned long fd;
	void *entry;
	int err;

	xa_for_each(&ctx->fds, fd, entry) {
		unsigned long v = xa_to_value(entry);
		struct ckpt_obj *obj;

		if (v & CKPT_FD_SKIPPED)
			continue;
		obj = ckpt_obj_lookup(ctx, v >> 2, CKPT_OBJ_FILE);
		/* ckpt_restore_fd_chunk() let only such objrefs in. */
		if (WARN_ON_ONCE(!obj))
			err = -EINVAL;
		else if (ckpt_should_fail(ctx, CKPT_FAULT_ALLOC))
			err = -ENOMEM;
		else
			err = install_fd_unused(fd, obj->file,
						v & CKPT_FD_CLOEXEC ?
						O_CLOEXEC : 0);
		if (err) {
			if (fd)
				ckpt_uninstall(ctx, fd - 1);
			return err;
		}
	}
	return 0;
}

int ckpt_restart_files(struct ckpt_ctx *ctx)
{
	struct ckpt_hdr h;
	int last_fd = -1;
	int err;

	err = ckpt_read_image_header(ctx);
	if (err)
		return err;

	/* Objects, then the fd table, in that order. */
	for (;;) {
		const struct ckpt_owner_ops *owner;

		err = ckpt_peek_hdr(ctx, &h);
		if (err)
			return err;
		owner = ckpt_owner_of_record(h.type);
		if (h.type != CKPT_REC_FILE && !owner)
			break;
		err = ckpt_read_hdr(ctx, &h);
		if (err)
			return err;
		if (owner)
			err = owner->restore(ctx, &h);
		else
			err = ckpt_restore_file(ctx, &h);
		if (err)
			return err;
		cond_resched();
	}
	for (;;) {
		err = ckpt_peek_hdr(ctx, &h);
		if (err)
			return err;
		if (h.type != CKPT_REC_FD)
			break;
		err = ckpt_read_hdr(ctx, &h);
		if (!err)
			err = ckpt_restore_fd_chunk(ctx, &h, &last_fd);
		if (err)
			return err;
	}
	err = ckpt_check_objects_used(ctx);
	if (!err)
		err = ckpt_run_deferred(ctx);
	if (!err)
		err = ckpt_read_trailer(ctx);
	return err ?: ckpt_install_fds(ctx);
}
