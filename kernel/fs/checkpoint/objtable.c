// SPDX-License-Identifier: GPL-2.0
/*
 * The object table: every file (and pipe) of an image exactly once.
 *
 * Objrefs are handed out 1, 2, 3... in the order objects are first met,
 * so they double as the index of the object table and as the order
 * objects are written.  At checkpoint an index finds an object by its
 * kernel pointer; pointers never reach the image.
 *
 * Both tables are chunked arrays indexed by objref (ckpt_chunk_reserve()):
 * checkpoint's holds the objects themselves, in objref order, so a pass
 * over every object reads memory in order and adding one allocates
 * nothing but, now and then, a chunk; skipped files, which have no
 * objref, are allocated one by one and held by the index alone.
 * Restart's holds one tagged word per object.
 *
 * The index is an open-addressing table (linear probing, at most half
 * full, doubled when it would be more), holding each pointer beside its
 * object: a lookup, done for every fd and every run of epoll items, is
 * one hash and usually one cache line.  Nothing is ever removed from it.
 */
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/hash.h>
#include <linux/slab.h>

#include "internal.h"

struct ckpt_obj_slot {
	const void *ptr;
	struct ckpt_obj *obj;
};

/* Not a fault point: the context's own allocation is not the call's. */
static int ckpt_index_alloc(struct ckpt_ctx *ctx, u32 bits)
{
	ctx->index = kvcalloc(BIT(bits), sizeof(*ctx->index), GFP_KERNEL);
	if (!ctx->index)
		return -ENOMEM;
	ctx->index_bits = bits;
	return 0;
}

/* The slot of @ptr, or the empty slot where it would go. */
static struct ckpt_obj_slot *ckpt_index_probe(const struct ckpt_ctx *ctx,
					      const void *ptr)
{
	u32 mask = BIT(ctx->index_bits) - 1;
	u32 i = hash_ptr(ptr, ctx->index_bits);

	for (;; i = (i + 1) & mask) {
		struct ckpt_obj_slot *slot = &ctx->index[i];

		if (!slot->ptr || slot->ptr == ptr)
			return slot;
	}
}

/* Room for one more pointer, keeping the table at most half full. */
static int ckpt_index_reserve(struct ckpt_ctx *ctx)
{
	struct ckpt_obj_slot *old = ctx->index;
	u32 i, old_size = BIT(ctx->index_bits);
	int err;

	if (2 * (ctx->index_used + 1) <= old_size)
		return 0;
	err = ckpt_should_fail(ctx, CKPT_FAULT_ALLOC) ? -ENOMEM :
	      ckpt_index_alloc(ctx, ctx->index_bits + 1);
	if (err) {
		ctx->index = old;
		return err;
	}
	for (i = 0; i < old_size; i++)
		if (old[i].ptr)
			*ckpt_index_probe(ctx, old[i].ptr) = old[i];
	kvfree(old);
	return 0;
}

int ckpt_objs_init(struct ckpt_ctx *ctx)
{
	if (ctx->mode != CKPT_MODE_CHECKPOINT)
		return 0;
	return ckpt_index_alloc(ctx, CKPT_INDEX_MIN_BITS);
}

/*
 * Room for entry @used (0-based) of a chunked array, whose chunk i holds
 * entries i * @per to (i + 1) * @per - 1 in @bytes, zeroed, and never
 * moves.  A chunk is taken only for an entry that is then used.
 */
static int ckpt_chunk_reserve(struct ckpt_ctx *ctx, void ***chunks, u32 *cap,
			      u32 used, u32 per, size_t bytes)
{
	u32 chunk = used / per;
	int err;

	if (used % per)
		return 0;
	err = ckpt_grow(ctx, (void **)chunks, cap, chunk, sizeof(**chunks), 16);
	if (err)
		return err;
	if (ckpt_should_fail(ctx, CKPT_FAULT_ALLOC))
		return -ENOMEM;
	/* from the slab, as every allocation of ours, so it is accounted */
	(*chunks)[chunk] = kzalloc(bytes, GFP_KERNEL);
	return (*chunks)[chunk] ? 0 : -ENOMEM;
}

/* Frees the chunks holding @used entries, and the chunk array. */
static void ckpt_chunks_free(void **chunks, u32 used, u32 per)
{
	u32 chunk;

	for (chunk = 0; chunk < DIV_ROUND_UP(used, per); chunk++)
		kfree(chunks[chunk]);
	kvfree(chunks);
}

/* Drops what an object holds: its file's reference, its frozen state. */
static void ckpt_obj_put(struct ckpt_obj *obj)
{
	if (obj->file)
		fput(obj->file);
	kvfree(obj->frozen);
}

struct ckpt_obj *ckpt_obj_find(struct ckpt_ctx *ctx, const void *ptr)
{
	return ckpt_index_probe(ctx, ptr)->obj;
}

/*
 * Checkpoint: adds @ptr as a new object.  A file gets a reference, which
 * the table drops at the end.  Skipped files get no objref.
 */
struct ckpt_obj *ckpt_obj_add(struct ckpt_ctx *ctx, void *ptr,
			      enum ckpt_obj_kind kind)
{
	struct ckpt_obj_slot *slot;
	struct ckpt_obj *obj;
	u32 objref;
	int err;

	if (ckpt_index_probe(ctx, ptr)->ptr)
		return ERR_PTR(-EEXIST);
	err = ckpt_index_reserve(ctx);
	if (err)
		return ERR_PTR(err);
	if (kind == CKPT_OBJ_SKIPPED) {
		if (ckpt_should_fail(ctx, CKPT_FAULT_ALLOC))
			return ERR_PTR(-ENOMEM);
		obj = kzalloc(sizeof(*obj), GFP_KERNEL);
		if (!obj)
			return ERR_PTR(-ENOMEM);
	} else {
		if (ctx->nobjects == U32_MAX)
			return ERR_PTR(-ENOSPC);
		err = ckpt_chunk_reserve(ctx, (void ***)&ctx->obj_chunks,
					 &ctx->obj_chunks_cap, ctx->nobjects,
					 CKPT_OBJS_PER_CHUNK,
					 CKPT_OBJ_CHUNK_BYTES);
		if (err)
			return ERR_PTR(err);
		objref = ++ctx->nobjects;
		obj = ckpt_obj_at(ctx, objref);
		obj->objref = objref;
		if (kind == CKPT_OBJ_FILE)
			obj->file = get_file(ptr);
	}
	obj->ptr = ptr;
	obj->kind = kind;
	obj->first_fd = -1;
	/* After the last failure: an object is indexed once it is owned. */
	slot = ckpt_index_probe(ctx, ptr);
	*slot = (struct ckpt_obj_slot) { .ptr = ptr, .obj = obj };
	ctx->index_used++;
	return obj;
}

/*
 * Restart's table: objref -> one word, in pages of CKPT_RSLOTS_PER_PAGE
 * words, so it costs 8 bytes per object, never moves, and is found in
 * two loads.  A FILE object's word is its file (one reference) with
 * CKPT_RSLOT_NAMED once an fd names it; an owner's is its state, with
 * CKPT_RSLOT_OWNER, and 0 with that bit once the owner let go of it.
 */
#define CKPT_RSLOTS_PER_PAGE	(PAGE_SIZE / sizeof(unsigned long))
#define CKPT_RSLOT_OWNER	BIT(0)
#define CKPT_RSLOT_NAMED	BIT(1)
#define CKPT_RSLOT_BITS		(CKPT_RSLOT_OWNER | CKPT_RSLOT_NAMED)

static unsigned long *ckpt_rslot(const struct ckpt_ctx *ctx, u32 objref)
{
	u32 i = objref - 1;

	if (!objref || objref > ctx->nobjects)
		return NULL;
	return &ctx->rpages[i / CKPT_RSLOTS_PER_PAGE][i % CKPT_RSLOTS_PER_PAGE];
}

/* Room for object ctx->nobjects + 1. */
static int ckpt_rslot_reserve(struct ckpt_ctx *ctx)
{
	return ckpt_chunk_reserve(ctx, (void ***)&ctx->rpages, &ctx->rpages_cap,
				  ctx->nobjects, CKPT_RSLOTS_PER_PAGE, PAGE_SIZE);
}

/*
 * Restart: records an object the image just created, a file or an
 * owner's state (its first member is struct ckpt_owner_state).  Objrefs
 * must come in order, 1, 2, 3..., so a reference to an objref can only
 * name an object that already exists.  On error the caller still owns
 * @ptr.
 */
int ckpt_restored_add(struct ckpt_ctx *ctx, u32 objref, void *ptr,
		      enum ckpt_obj_kind kind)
{
	int err;

	if (objref != ctx->nobjects + 1)
		return -EINVAL;
	if (WARN_ON_ONCE((unsigned long)ptr & CKPT_RSLOT_BITS ||
			 (kind != CKPT_OBJ_FILE && kind != CKPT_OBJ_OWNER)))
		return -EINVAL;
	err = ckpt_rslot_reserve(ctx);
	if (err)
		return err;
	ctx->nobjects++;
	*ckpt_rslot(ctx, objref) = (unsigned long)ptr |
				   (kind == CKPT_OBJ_OWNER ? CKPT_RSLOT_OWNER : 0);
	return 0;
}

/* Restart: the file or owner state @objref names, if it is of @kind. */
void *ckpt_restored_get(struct ckpt_ctx *ctx, u32 objref,
			enum ckpt_obj_kind kind)
{
	unsigned long *slot = ckpt_rslot(ctx, objref);
	bool want_owner = kind == CKPT_OBJ_OWNER;

	if (!slot || !!(*slot & CKPT_RSLOT_OWNER) != want_owner)
		return NULL;
	return (void *)(*slot & ~CKPT_RSLOT_BITS);
}

/* Restart: an fd names FILE object @objref, which must exist. */
struct file *ckpt_restored_name(struct ckpt_ctx *ctx, u32 objref)
{
	struct file *file = ckpt_restored_get(ctx, objref, CKPT_OBJ_FILE);

	if (file)
		*ckpt_rslot(ctx, objref) |= CKPT_RSLOT_NAMED;
	return file;
}

/*
 * Restart: runs @fn on every owner still holding its state, in objref
 * order; an owner that returns 0 has let go of it (see ckpt_owner_ops).
 */
int ckpt_restored_owners(struct ckpt_ctx *ctx,
			 int (*fn)(struct ckpt_ctx *ctx,
				   struct ckpt_owner_state *owner))
{
	u32 objref;
	int err;

	for (objref = 1; objref <= ctx->nobjects; objref++) {
		unsigned long *slot = ckpt_rslot(ctx, objref);
		struct ckpt_owner_state *owner;

		owner = (void *)(*slot & ~CKPT_RSLOT_BITS);
		if (!(*slot & CKPT_RSLOT_OWNER) || !owner)
			continue;
		err = fn(ctx, owner);
		if (err)
			return err;
		*slot = CKPT_RSLOT_OWNER;
	}
	return 0;
}

/* Restart: owner @objref's state is gone; its owner frees it. */
void ckpt_restored_let_go(struct ckpt_ctx *ctx, u32 objref)
{
	unsigned long *slot = ckpt_rslot(ctx, objref);

	if (!WARN_ON_ONCE(!slot || !(*slot & CKPT_RSLOT_OWNER)))
		*slot = CKPT_RSLOT_OWNER;
}

/* Restart: 0 if every FILE object is named by an fd, -EINVAL if not. */
int ckpt_restored_all_named(struct ckpt_ctx *ctx)
{
	u32 objref;

	for (objref = 1; objref <= ctx->nobjects; objref++) {
		unsigned long slot = *ckpt_rslot(ctx, objref);

		if (!(slot & (CKPT_RSLOT_OWNER | CKPT_RSLOT_NAMED)))
			return -EINVAL;
	}
	return 0;
}

/* Drops the files and owner states of restart's table, and the table. */
static void ckpt_restored_release(struct ckpt_ctx *ctx)
{
	u32 objref;

	for (objref = 1; objref <= ctx->nobjects; objref++) {
		unsigned long slot = *ckpt_rslot(ctx, objref);
		void *ptr = (void *)(slot & ~CKPT_RSLOT_BITS);

		if (!ptr)
			continue;
		if (slot & CKPT_RSLOT_OWNER) {
			struct ckpt_owner_state *owner = ptr;

			owner->ops->release(owner);
		} else {
			fput(ptr);
		}
	}
	ckpt_chunks_free((void **)ctx->rpages, ctx->nobjects,
			 CKPT_RSLOTS_PER_PAGE);
	ctx->rpages = NULL;
}

void ckpt_objs_release(struct ckpt_ctx *ctx)
{
	struct ckpt_obj *obj;
	u32 objref, i;

	if (ctx->mode == CKPT_MODE_RESTART) {
		ckpt_restored_release(ctx);
		return;
	}
	/* Skipped objects have no objref: the index alone holds them. */
	for (i = 0; ctx->index && i < BIT(ctx->index_bits); i++) {
		obj = ctx->index[i].obj;
		if (obj && obj->kind == CKPT_OBJ_SKIPPED) {
			ckpt_obj_put(obj);
			kfree(obj);
		}
	}
	kvfree(ctx->index);
	ctx->index = NULL;
	for (objref = 1; (obj = ckpt_obj_at(ctx, objref)); objref++)
		ckpt_obj_put(obj);
	ckpt_chunks_free((void **)ctx->obj_chunks, ctx->nobjects,
			 CKPT_OBJS_PER_CHUNK);
	ctx->obj_chunks = NULL;
}
