/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Checkpoint/restart of a task's file table: what the pieces share.
 *
 * One struct ckpt_ctx lives for one checkpoint() or restart() call and is
 * private to the calling task, so it needs no locking of its own.  The
 * locks that matter belong to the objects walked: files->file_lock while
 * reading the target's fd table, pipe->mutex while copying a pipe's
 * buffers, and ep->mtx (inside the eventpoll C/R API) while reading or
 * changing an epoll set.
 */
#ifndef _FS_CHECKPOINT_INTERNAL_H
#define _FS_CHECKPOINT_INTERNAL_H

#include <linux/timekeeping.h>
#include <linux/types.h>
#include <asm/page.h>
#include <uapi/linux/checkpoint.h>

struct file;
struct task_struct;

/* Bounce buffer for the image: large enough for one full chunk record. */
#define CKPT_BUF_SIZE	8192

/* Checkpoint's pointer index starts with BIT() of this many slots. */
#define CKPT_INDEX_MIN_BITS	10

enum ckpt_mode {
	CKPT_MODE_CHECKPOINT,
	CKPT_MODE_RESTART,
};

enum ckpt_obj_kind {
	CKPT_OBJ_FILE = 1,
	CKPT_OBJ_OWNER,		/* what files of one type share: a pipe */
	CKPT_OBJ_SKIPPED,	/* checkpoint only: an fd of an unsupported type */
};

struct ckpt_file_ops;
struct ckpt_owner_ops;
struct ckpt_obj_slot;
struct ckpt_owner_state;

/* Where KUnit fault sweeps can fail an operation: allocations and I/O. */
enum ckpt_fault_site {
	CKPT_FAULT_ALLOC,
	CKPT_FAULT_IO,
	CKPT_NR_FAULT_SITES,
};

/* Where a KUnit case can pause or act in the middle of an operation. */
enum ckpt_test_point {
	CKPT_POINT_EPOLL_COLLECT,	/* freeze: before a set's items; a set */
	CKPT_POINT_EPOLL_ITEM,		/* freeze: after one item; its item */
	CKPT_POINT_WRITE_OBJECTS,	/* after the freeze, before any record */
	CKPT_POINT_RESTORED_FILE,	/* restart: a file was made; the file */
};

/*
 * Where one call's time goes, for make bench (CONFIG_CHECKPOINT_BENCH):
 * every nanosecond of a checkpoint() or restart() is charged to exactly
 * one phase, the one entered last, so the phases add up to the call.
 * Phases are entered per record batch or per pass, never per item.
 */
enum ckpt_phase {
	CKPT_PHASE_OTHER,	/* context, header, checks, trailer */
	CKPT_PHASE_COLLECT,	/* checkpoint: the fd table walk */
	CKPT_PHASE_FREEZE,	/* checkpoint: locks, snapshots of every set */
	CKPT_PHASE_OBJECTS,	/* FILE and PIPE records (restart: files made) */
	CKPT_PHASE_FDS,		/* FD records */
	CKPT_PHASE_ITEMS,	/* EPOLL_ITEMS records (restart: inserts) */
	CKPT_PHASE_SORT,	/* checkpoint: items into image order */
	CKPT_PHASE_READY,	/* EPOLL_READY records */
	CKPT_PHASE_CHECKSUM,	/* the image's crc32 */
	CKPT_PHASE_IO,		/* kernel_write() or kernel_read() of the image */
	CKPT_PHASE_INSTALL,	/* restart: the fds installed */
	CKPT_PHASE_RELEASE,	/* the context's objects and memory freed */
	CKPT_NR_PHASES,
};

/*
 * An object of a checkpoint: a file, or a pipe or socket pair both of
 * whose ends refer to it.  It holds a reference on @file.  (Restart keeps no such struct: its
 * objects are words of a table, see objtable.c.)
 */
struct ckpt_obj {
	void *ptr;			/* struct file, pipe_inode_info or sock */
	u32 objref;			/* 0 for CKPT_OBJ_SKIPPED */
	u8 kind;			/* enum ckpt_obj_kind */
	u8 ends_claimed;		/* pipe: BIT(end) per FILE record seen */
	u8 depth;			/* freeze: epoll: sets of the image above it */
	u32 nfds;			/* fd-table slots that name this object */
	int first_fd;			/* lowest such fd, for messages */
	/* checkpoint: state read in the freeze (freeze.c) */
	loff_t f_pos;			/* CKPT_OBJ_FILE */
	u64 count;			/* eventfd counter */
	void *frozen;			/* owner: its state (kvfree'd with it) */
	struct file *file;		/* CKPT_OBJ_FILE */
	const struct ckpt_file_ops *ops; /* CKPT_OBJ_FILE */
	const struct ckpt_owner_ops *owner_ops; /* CKPT_OBJ_OWNER */
	void *priv;			/* file type's own; owned elsewhere */
};

struct ckpt_ctx {
	enum ckpt_mode mode;
	unsigned long flags;
	struct file *image;
	struct task_struct *task;	/* checkpoint: whose table */

	/* image stream: see image.c */
	loff_t pos;
	u8 *buf;
	size_t buf_len;			/* write: pending; read: valid bytes */
	size_t buf_off;			/* read: consumed bytes */
	size_t crc_off;			/* read: bytes of @buf in @crc */
	bool read_ahead;		/* read: whole buffers (a regular file) */
	u32 rec_left;			/* bytes left in the current record */
	u32 crc;			/* written out, or consumed to @crc_off */
	u32 crc_at_record;		/* read: crc before the trailer's header */
	bool peeked;			/* read: @peek holds the next header */
	struct ckpt_hdr peek;

	/* what the trailer counts */
	u32 nrecords;
	u32 nobjects;
	u32 nfds;
	u64 nitems;
	u64 nready;

	/* objects, see objtable.c: objref -> obj, pointer -> obj (checkpoint) */
	struct ckpt_obj **obj_chunks;	/* checkpoint: see ckpt_obj_at() */
	u32 obj_chunks_cap;
	struct ckpt_obj_slot *index;	/* checkpoint */
	u32 index_bits;
	u32 index_used;
	unsigned long **rpages;		/* restart: see objtable.c */
	u32 rpages_cap;
	unsigned long *installed;	/* restart: bitmap of fds installed */
	u32 installed_bits;

	/* checkpoint: the fd table's entries as collected, ctx->nfds of them */
	struct ckpt_fd_entry *fd_entries;
	u32 fd_entries_cap;

	struct list_head deferred;
	struct list_head deferred_last;	/* see ckpt_defer_last() */

#if IS_ENABLED(CONFIG_CHECKPOINT_BENCH)
	enum ckpt_phase phase;		/* see ckpt_phase() */
	u64 phase_since;
	u64 phase_ns[CKPT_NR_PHASES];
#endif

#if IS_ENABLED(CONFIG_CHECKPOINT_KUNIT_TEST)
	/* Deterministic fault injection and pause points, for KUnit only. */
	unsigned int fail_nth[CKPT_NR_FAULT_SITES];
	unsigned int fault_calls[CKPT_NR_FAULT_SITES];
	void (*test_hook)(struct ckpt_ctx *ctx, enum ckpt_test_point point,
			  void *arg);
	void *test_data;
#endif
};

#if IS_ENABLED(CONFIG_CHECKPOINT_KUNIT_TEST)
/*
 * fail_nth semantics, per site and per context: the n-th call at a site
 * fails when fail_nth[site] is n.  Only KUnit sets fail_nth, so a
 * syscall's context never fails here.
 */
static inline bool ckpt_should_fail(struct ckpt_ctx *ctx,
				    enum ckpt_fault_site site)
{
	return ++ctx->fault_calls[site] == ctx->fail_nth[site];
}

static inline void ckpt_test_point(struct ckpt_ctx *ctx,
				   enum ckpt_test_point point, void *arg)
{
	if (ctx->test_hook)
		ctx->test_hook(ctx, point, arg);
}
#else
static inline bool ckpt_should_fail(struct ckpt_ctx *ctx,
				    enum ckpt_fault_site site)
{
	return false;
}

static inline void ckpt_test_point(struct ckpt_ctx *ctx,
				   enum ckpt_test_point point, void *arg)
{
}
#endif

#if IS_ENABLED(CONFIG_CHECKPOINT_BENCH)
static inline void ckpt_phase_start(struct ckpt_ctx *ctx)
{
	ctx->phase_since = ktime_get_ns();
}

/* Charges the time since the last switch to its phase; returns that phase. */
static inline enum ckpt_phase ckpt_phase(struct ckpt_ctx *ctx,
					 enum ckpt_phase phase)
{
	enum ckpt_phase prev = ctx->phase;
	u64 now = ktime_get_ns();

	ctx->phase_ns[prev] += now - ctx->phase_since;
	ctx->phase_since = now;
	ctx->phase = phase;
	return prev;
}

/* bench.c: keeps @ctx's phases as the last call of its mode's */
void ckpt_bench_phases(const struct ckpt_ctx *ctx);
#else
static inline void ckpt_phase_start(struct ckpt_ctx *ctx)
{
}

static inline enum ckpt_phase ckpt_phase(struct ckpt_ctx *ctx,
					 enum ckpt_phase phase)
{
	return CKPT_PHASE_OTHER;
}

static inline void ckpt_bench_phases(const struct ckpt_ctx *ctx)
{
}
#endif

#if IS_ENABLED(CONFIG_CHECKPOINT_INTERLEAVE_TEST)
/* interleave.c: the bounds of a call whose scheduling points count */
void ckpt_interleave_enter(enum ckpt_mode mode);
void ckpt_interleave_exit(enum ckpt_mode mode);
#else
static inline void ckpt_interleave_enter(enum ckpt_mode mode)
{
}

static inline void ckpt_interleave_exit(enum ckpt_mode mode)
{
}
#endif

/* sys.c */
struct ckpt_ctx *ckpt_ctx_alloc(enum ckpt_mode mode, unsigned long flags,
				struct file *image);
void ckpt_ctx_free(struct ckpt_ctx *ctx);
int ckpt_grow(struct ckpt_ctx *ctx, void **array, u32 *cap, u32 used,
	      size_t size, u32 min_cap);

/* image.c: records in and out through the bounded buffer */
int ckpt_image_init(struct ckpt_ctx *ctx, struct file *image);
void ckpt_image_release(struct ckpt_ctx *ctx);
int ckpt_write_begin(struct ckpt_ctx *ctx, u32 type, u32 len);
int ckpt_write(struct ckpt_ctx *ctx, const void *data, size_t n);
int ckpt_write_zeros(struct ckpt_ctx *ctx, size_t n);
int ckpt_write_end(struct ckpt_ctx *ctx);
int ckpt_write_record(struct ckpt_ctx *ctx, u32 type, void *rec, u32 len);
int ckpt_flush(struct ckpt_ctx *ctx);
int ckpt_read_hdr(struct ckpt_ctx *ctx, struct ckpt_hdr *h);
int ckpt_peek_hdr(struct ckpt_ctx *ctx, struct ckpt_hdr *h);
int ckpt_read(struct ckpt_ctx *ctx, void *data, size_t n);
int ckpt_read_zeros(struct ckpt_ctx *ctx, size_t n);
int ckpt_read_fixed(struct ckpt_ctx *ctx, const struct ckpt_hdr *h,
		    void *rec, u32 len);
int ckpt_read_record(struct ckpt_ctx *ctx, const struct ckpt_hdr *h,
		     void *rec, u32 len);
u32 ckpt_image_crc(const void *data, size_t n, u32 crc);

static inline u32 ckpt_padded(u32 len)
{
	return ALIGN(len, 8);
}

/* objtable.c */
int ckpt_objs_init(struct ckpt_ctx *ctx);
void ckpt_objs_release(struct ckpt_ctx *ctx);
struct ckpt_obj *ckpt_obj_find(struct ckpt_ctx *ctx, const void *ptr);
struct ckpt_obj *ckpt_obj_add(struct ckpt_ctx *ctx, void *ptr,
			      enum ckpt_obj_kind kind);

/* Checkpoint's objects, in chunks of two pages, never moved. */
#define CKPT_OBJ_CHUNK_BYTES	(2 * PAGE_SIZE)
#define CKPT_OBJS_PER_CHUNK	(CKPT_OBJ_CHUNK_BYTES / sizeof(struct ckpt_obj))

/*
 * Checkpoint: the object @objref names, or NULL if none does, so
 * "for (objref = 1; (obj = ckpt_obj_at(ctx, objref)); objref++)" is a
 * pass over every object with an objref, in objref order.
 */
static inline struct ckpt_obj *ckpt_obj_at(const struct ckpt_ctx *ctx,
					   u32 objref)
{
	u32 i = objref - 1;

	if (!objref || objref > ctx->nobjects)
		return NULL;
	return &ctx->obj_chunks[i / CKPT_OBJS_PER_CHUNK][i % CKPT_OBJS_PER_CHUNK];
}

int ckpt_restored_add(struct ckpt_ctx *ctx, u32 objref, void *ptr,
		      enum ckpt_obj_kind kind);
void *ckpt_restored_get(struct ckpt_ctx *ctx, u32 objref,
			enum ckpt_obj_kind kind);
struct file *ckpt_restored_name(struct ckpt_ctx *ctx, u32 objref);
void ckpt_restored_let_go(struct ckpt_ctx *ctx, u32 objref);
int ckpt_restored_owners(struct ckpt_ctx *ctx,
			 int (*fn)(struct ckpt_ctx *ctx,
				   struct ckpt_owner_state *owner));
int ckpt_restored_all_named(struct ckpt_ctx *ctx);

/* deferqueue.c: work run after the whole fd table, in queue order */
typedef int (*ckpt_deferred_fn)(struct ckpt_ctx *ctx, void *data);
int ckpt_defer(struct ckpt_ctx *ctx, ckpt_deferred_fn fn,
	       void (*free)(const void *data), void *data);
int ckpt_defer_last(struct ckpt_ctx *ctx, ckpt_deferred_fn fn,
		    void (*free)(const void *data), void *data);
int ckpt_run_deferred(struct ckpt_ctx *ctx);
void ckpt_drop_deferred(struct ckpt_ctx *ctx);

/*
 * An object that files of one type belong to and that precedes the first
 * of them in the image, in a record of its own (@record): a pipe or a
 * UNIX socket pair, which both its ends name.  @freeze reads its state
 * in the freeze, with every lock of steps 2-4 held (see freeze.c), into
 * &ckpt_obj.frozen; @checkpoint writes that record.  At restart the
 * object is its owner's state, which starts with struct ckpt_owner_state:
 * @restore reads one record and adds the state (ckpt_restored_add());
 * the FILE records of its files take what they need of it; @restored
 * runs once every object is read, before deferred work, releases what no
 * FILE record claimed (-EINVAL if none did: the object would be
 * unreachable) and frees the state; @release frees it after an error.
 */
struct ckpt_owner_state {
	const struct ckpt_owner_ops *ops;
};

struct ckpt_owner_ops {
	u32 record;
	int (*freeze)(struct ckpt_ctx *ctx, struct ckpt_obj *obj);
	int (*checkpoint)(struct ckpt_ctx *ctx, struct ckpt_obj *obj);
	int (*restore)(struct ckpt_ctx *ctx, const struct ckpt_hdr *h);
	int (*restored)(struct ckpt_ctx *ctx, struct ckpt_owner_state *owner);
	void (*release)(struct ckpt_owner_state *owner);
};

/*
 * One per supported file type.  @match says whether a file is of this
 * type; @owner names the object of type @owner_ops the file belongs to
 * (its pipe); @freeze reads the file's state while the freeze holds every
 * lock but its last, and may sleep; @freeze_atomic reads what changes
 * under spinlocks, at the freeze's instant, and must not sleep (see
 * freeze.c); @checkpoint writes the FILE record from what they read;
 * @restore reads the type-specific part of one (the common part is given)
 * and returns a new file.
 */
struct ckpt_file_ops {
	enum ckpt_file_type type;
	const char *name;
	bool (*match)(struct file *file);
	void *(*owner)(struct file *file);
	const struct ckpt_owner_ops *owner_ops;
	int (*freeze)(struct ckpt_ctx *ctx, struct ckpt_obj *obj);
	int (*freeze_atomic)(struct ckpt_ctx *ctx, struct ckpt_obj *obj);
	int (*checkpoint)(struct ckpt_ctx *ctx, struct ckpt_obj *obj);
	struct file *(*restore)(struct ckpt_ctx *ctx,
				const struct ckpt_rec_file *rec, u32 spec_len);
};

extern const struct ckpt_file_ops ckpt_regular_ops;
extern const struct ckpt_file_ops ckpt_pipe_ops;
extern const struct ckpt_file_ops ckpt_eventfd_ops;
extern const struct ckpt_file_ops ckpt_epoll_ops;
extern const struct ckpt_file_ops ckpt_timerfd_ops;
extern const struct ckpt_file_ops ckpt_signalfd_ops;
extern const struct ckpt_file_ops ckpt_unix_ops;

/* file_signalfd.c: @file's readiness is the polling task's (a signalfd) */
bool ckpt_ready_per_task(struct file *file);

/* files.c: the fd table and the order of the image */
int ckpt_checkpoint_files(struct ckpt_ctx *ctx);
int ckpt_restart_files(struct ckpt_ctx *ctx);

/* file_record.c: the common part of FILE records, for the file types */
u32 ckpt_fmode(struct file *file);
int ckpt_write_file(struct ckpt_ctx *ctx, struct ckpt_obj *obj,
		    const void *spec, u32 spec_len,
		    const void *tail, u32 tail_len);
int ckpt_file_set_flags(struct file *file, u32 f_flags);
struct file *ckpt_file_made(struct file *file, u32 f_flags);
int ckpt_read_spec(struct ckpt_ctx *ctx, void *spec, u32 size, u32 spec_len);

/* freeze.c: every object's state at one instant */
int ckpt_freeze(struct ckpt_ctx *ctx);

extern const struct ckpt_owner_ops ckpt_pipe_owner_ops;

/* file_unix.c: a socket pair's part in the freeze (freeze.c) */
struct sock;
#if IS_BUILTIN(CONFIG_UNIX)
extern const struct ckpt_owner_ops ckpt_unix_owner_ops;
int ckpt_unix_freeze_socks(struct ckpt_ctx *ctx, struct ckpt_obj *obj,
			   struct sock **sk);
int ckpt_unix_obj_freeze_atomic(struct ckpt_ctx *ctx, struct ckpt_obj *obj);
int ckpt_unix_obj_copy(struct ckpt_ctx *ctx, struct ckpt_obj *obj);

static inline bool ckpt_is_unix_pair(const struct ckpt_obj *obj)
{
	return obj->owner_ops == &ckpt_unix_owner_ops;
}
#else
/* Without af_unix built in, no object is a pair: nothing calls these. */
static inline bool ckpt_is_unix_pair(const struct ckpt_obj *obj)
{
	return false;
}

static inline int ckpt_unix_freeze_socks(struct ckpt_ctx *ctx,
					 struct ckpt_obj *obj, struct sock **sk)
{
	return -EINVAL;
}

static inline int ckpt_unix_obj_freeze_atomic(struct ckpt_ctx *ctx,
					      struct ckpt_obj *obj)
{
	return -EINVAL;
}

static inline int ckpt_unix_obj_copy(struct ckpt_ctx *ctx, struct ckpt_obj *obj)
{
	return -EINVAL;
}
#endif

#endif /* _FS_CHECKPOINT_INTERNAL_H */
