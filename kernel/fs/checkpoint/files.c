// SPDX-License-Identifier: GPL-2.0
/*
 * The file table: collect, leak detection, and the order of the image.
 *
 * Checkpoint walks the target's fd table once, giving every file one
 * object however many fds name it; lets each file type collect what it
 * references; refuses files also held from outside the table; then writes
 * header, objects, deferred sections, fd table and trailer.
 *
 * Restart reads the same order back: objects are created, deferred work
 * inserts epoll items and ready lists, and the fd table, last, installs
 * each fd as it is read; then the trailer is verified.  Nothing of the
 * image is in the caller's table before that last section, and an error
 * at any point closes every fd installed and releases every object: all
 * or nothing.  Restart keeps no copy of the fd table, so its memory
 * beyond what it restores is its object table (8 bytes an object).
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
	&ckpt_timerfd_ops,
	&ckpt_signalfd_ops,
#if IS_BUILTIN(CONFIG_UNIX)
	&ckpt_unix_ops,
#endif
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

/* Checkpoint: appends fd @fd of @obj to the table's entries. */
static int ckpt_add_fd_entry(struct ckpt_ctx *ctx, unsigned int fd,
			     struct ckpt_obj *obj, u32 flags)
{
	int err = ckpt_grow(ctx, (void **)&ctx->fd_entries, &ctx->fd_entries_cap,
			    ctx->nfds, sizeof(*ctx->fd_entries),
			    CKPT_CHUNK_ENTRIES);

	if (err)
		return err;
	ctx->fd_entries[ctx->nfds++] = (struct ckpt_fd_entry) {
		.fd = fd, .objref = obj->objref, .flags = flags,
	};
	return 0;
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
		err = ckpt_add_fd_entry(ctx, fd, obj, flags);
		if (err)
			return err;
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
	u32 objref;

	for (objref = 1; (obj = ckpt_obj_at(ctx, objref)); objref++) {
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
	u32 objref;
	int err;

	for (objref = 1; (obj = ckpt_obj_at(ctx, objref)); objref++) {
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
			       const struct ckpt_fd_entry *entries, u32 count)
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

/* The entries collect made, in ascending fd order, a chunk at a time. */
static int ckpt_write_fds(struct ckpt_ctx *ctx)
{
	u32 done, count;
	int err = 0;

	for (done = 0; done < ctx->nfds && !err; done += count) {
		count = min_t(u32, ctx->nfds - done, CKPT_CHUNK_ENTRIES);
		err = ckpt_write_fd_chunk(ctx, ctx->fd_entries + done, count);
	}
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
	};
	/* The buffer is summed as it goes out: all of it, before the sum. */
	int err = ckpt_flush(ctx);

	if (err)
		return err;
	rec.checksum = ctx->crc;
	return ckpt_write_record(ctx, CKPT_REC_TRAILER, &rec, sizeof(rec));
}

int ckpt_checkpoint_files(struct ckpt_ctx *ctx)
{
	int err;

	ckpt_phase(ctx, CKPT_PHASE_COLLECT);
	err = ckpt_collect_fds(ctx);
	ckpt_phase(ctx, CKPT_PHASE_FREEZE);
	if (!err)
		err = ckpt_freeze(ctx);
	ckpt_phase(ctx, CKPT_PHASE_OTHER);
	if (err)
		return err;
	if (!(ctx->flags & CHECKPOINT_SUBTREE)) {
		err = ckpt_detect_leaks(ctx);
		if (err)
			return err;
	}

	ckpt_test_point(ctx, CKPT_POINT_WRITE_OBJECTS, NULL);
	err = ckpt_write_image_header(ctx);
	ckpt_phase(ctx, CKPT_PHASE_OBJECTS);
	if (!err)
		err = ckpt_write_objects(ctx);
	/* the deferred writers enter their own phases */
	if (!err)
		err = ckpt_run_deferred(ctx);
	ckpt_phase(ctx, CKPT_PHASE_FDS);
	if (!err)
		err = ckpt_write_fds(ctx);
	ckpt_phase(ctx, CKPT_PHASE_OTHER);
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

	file = ops->restore(ctx, &rec, h->len - sizeof(rec));
	if (IS_ERR(file))
		return PTR_ERR(file);
	ckpt_test_point(ctx, CKPT_POINT_RESTORED_FILE, file);
	err = -EINVAL;
	if (ckpt_fmode(file) != rec.f_mode || ctx->rec_left)
		goto out_fput;
	err = ckpt_restored_add(ctx, rec.objref, file, CKPT_OBJ_FILE);
	if (err)
		goto out_fput;
	return 0;

out_fput:
	fput(file);
	return err;
}

/* Notes @fd as installed, for ckpt_uninstall() to find. */
static int ckpt_note_installed(struct ckpt_ctx *ctx, u32 fd)
{
	if (fd >= ctx->installed_bits) {
		u32 bits = max_t(u32, roundup_pow_of_two(fd + 1), BITS_PER_LONG);
		unsigned long *map = NULL;

		if (!ckpt_should_fail(ctx, CKPT_FAULT_ALLOC))
			map = kvrealloc(ctx->installed, BITS_TO_LONGS(bits) *
					sizeof(long), GFP_KERNEL);
		if (!map)
			return -ENOMEM;
		bitmap_clear(map, ctx->installed_bits,
			     bits - ctx->installed_bits);
		ctx->installed = map;
		ctx->installed_bits = bits;
	}
	__set_bit(fd, ctx->installed);
	return 0;
}

/*
 * The fd table is the image's last section: every object is whole by
 * now, and each fd is installed as it is read.  Should anything fail
 * later, ckpt_uninstall() closes them again.
 */
static int ckpt_restore_fd_chunk(struct ckpt_ctx *ctx,
				 const struct ckpt_hdr *h, int *last_fd)
{
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
		struct file *file;

		err = ckpt_read(ctx, &e, sizeof(e));
		if (err)
			return err;
		/* Ascending order: one fd once, and one image per table. */
		if (e.fd <= *last_fd || e.__pad ||
		    e.flags & ~(CKPT_FD_CLOEXEC | CKPT_FD_SKIPPED))
			return -EINVAL;
		*last_fd = e.fd;
		ctx->nfds++;
		if (e.flags & CKPT_FD_SKIPPED) {
			if (e.objref)
				return -EINVAL;
			continue;
		}
		file = ckpt_restored_name(ctx, e.objref);
		if (!file)
			return -EINVAL;
		/* before the bitmap grows to @e.fd: it is sized by the limit */
		if (e.fd >= rlimit(RLIMIT_NOFILE))
			return -EMFILE;
		err = ckpt_note_installed(ctx, e.fd);
		if (err)
			return err;
		err = ckpt_should_fail(ctx, CKPT_FAULT_ALLOC) ? -ENOMEM :
		      install_fd_unused(e.fd, file, e.flags & CKPT_FD_CLOEXEC ?
					O_CLOEXEC : 0);
		if (err) {
			__clear_bit(e.fd, ctx->installed);
			return err;
		}
	}
	return 0;
}

/*
 * An owner releases what no FILE record claimed (see ckpt_owner_ops)
 * before any deferred work, such as epoll items, sees it.
 */
static int ckpt_owner_restored(struct ckpt_ctx *ctx,
			       struct ckpt_owner_state *owner)
{
	return owner->ops->restored(ctx, owner);
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

/* All fds or none: closes every fd restart installed. */
static void ckpt_uninstall(struct ckpt_ctx *ctx)
{
	unsigned int fd;

	for_each_set_bit(fd, ctx->installed, ctx->installed_bits)
		close_fd(fd);
}

int ckpt_restart_files(struct ckpt_ctx *ctx)
{
	struct ckpt_hdr h;
	int last_fd = -1;
	int err;

	err = ckpt_read_image_header(ctx);
	if (err)
		return err;

	/* Objects, deferred sections, then the fd table, in that order. */
	ckpt_phase(ctx, CKPT_PHASE_OBJECTS);
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
	ckpt_phase(ctx, CKPT_PHASE_OTHER);
	err = ckpt_restored_owners(ctx, ckpt_owner_restored);
	if (!err)
		err = ckpt_run_deferred(ctx);
	ckpt_phase(ctx, CKPT_PHASE_FDS);
	while (!err) {
		err = ckpt_peek_hdr(ctx, &h);
		if (err || h.type != CKPT_REC_FD)
			break;
		err = ckpt_read_hdr(ctx, &h);
		if (!err)
			err = ckpt_restore_fd_chunk(ctx, &h, &last_fd);
	}
	ckpt_phase(ctx, CKPT_PHASE_OTHER);
	/* Every object must be reachable from the fd table, or it would vanish. */
	if (!err)
		err = ckpt_restored_all_named(ctx);
	if (!err)
		err = ckpt_read_trailer(ctx);
	if (err)
		ckpt_uninstall(ctx);
	return err;
}
