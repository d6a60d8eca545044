// SPDX-License-Identifier: GPL-2.0
/*
 * The object table: every file (and pipe) of an image exactly once.
 *
 * Objrefs are handed out 1, 2, 3... in the order objects are first met,
 * so they double as the index of @ctx->objs and as the order objects are
 * written.  At checkpoint a hash table finds an object by its kernel
 * pointer; pointers never reach the image.
 */
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/rhashtable.h>
#include <linux/slab.h>

#include "internal.h"

static const struct rhashtable_params ckpt_obj_params = {
	.key_len = sizeof(void *),
	.key_offset = offsetof(struct ckpt_obj, ptr),
	.head_offset = offsetof(struct ckpt_obj, node),
};

int ckpt_objs_init(struct ckpt_ctx *ctx)
{
	int err;

	xa_init_flags(&ctx->objs, XA_FLAGS_ALLOC1);
	if (ctx->mode != CKPT_MODE_CHECKPOINT)
		return 0;
	err = rhashtable_init(&ctx->obj_by_ptr, &ckpt_obj_params);
	if (err)
		return err;
	ctx->obj_by_ptr_ready = true;
	return 0;
}

void ckpt_obj_free(struct ckpt_obj *obj)
{
	if (obj->file)
		fput(obj->file);
	if (obj->ends[0])
		fput(obj->ends[0]);
	if (obj->ends[1])
		fput(obj->ends[1]);
	kvfree(obj->frozen);
	kfree(obj);
}

static void ckpt_obj_free_skipped(void *ptr, void *arg)
{
	struct ckpt_obj *obj = ptr;

	/* Objects with an objref are freed through @ctx->objs. */
	if (obj->kind == CKPT_OBJ_SKIPPED)
		ckpt_obj_free(obj);
}

void ckpt_objs_release(struct ckpt_ctx *ctx)
{
	struct ckpt_obj *obj;
	unsigned long objref;

	if (ctx->obj_by_ptr_ready)
		rhashtable_free_and_destroy(&ctx->obj_by_ptr,
					    ckpt_obj_free_skipped, NULL);
	xa_for_each(&ctx->objs, objref, obj)
		ckpt_obj_free(obj);
	xa_destroy(&ctx->objs);
}

struct ckpt_obj *ckpt_obj_find(struct ckpt_ctx *ctx, const void *ptr)
{
	return rhashtable_lookup_fast(&ctx->obj_by_ptr, &ptr, ckpt_obj_params);
}

/*
 * Checkpoint: adds @ptr as a new object.  A file gets a reference, which
 * the table drops at the end.  Skipped files get no objref.
 */
struct ckpt_obj *ckpt_obj_add(struct ckpt_ctx *ctx, void *ptr,
			      enum ckpt_obj_kind kind)
{
	struct ckpt_obj *obj;
	u32 objref;
	int err;

	if (ckpt_should_fail(ctx, CKPT_FAULT_ALLOC))
		return ERR_PTR(-ENOMEM);
	obj = kzalloc(sizeof(*obj), GFP_KERNEL);
	if (!obj)
		return ERR_PTR(-ENOMEM);
	obj->ptr = ptr;
	obj->kind = kind;
	obj->first_fd = -1;

	err = rhashtable_lookup_insert_fast(&ctx->obj_by_ptr, &obj->node,
					    ckpt_obj_params);
	if (err)
		goto out_free;
	if (kind == CKPT_OBJ_SKIPPED)
		return obj;

	err = ckpt_should_fail(ctx, CKPT_FAULT_ALLOC) ? -ENOMEM :
	      xa_alloc(&ctx->objs, &objref, obj, xa_limit_32b, GFP_KERNEL);
	if (err)
		goto out_unhash;
	obj->objref = objref;
	ctx->nobjects++;
	if (kind == CKPT_OBJ_FILE)
		obj->file = get_file(ptr);
	return obj;

out_unhash:
	rhashtable_remove_fast(&ctx->obj_by_ptr, &obj->node, ckpt_obj_params);
out_free:
	kfree(obj);
	return ERR_PTR(err);
}

/*
 * Restart: records an object the image just created.  Objrefs must come
 * in order, 1, 2, 3..., so a reference to an objref can only name an
 * object that already exists.  On error the caller still owns @obj.
 */
int ckpt_obj_insert_restored(struct ckpt_ctx *ctx, struct ckpt_obj *obj,
			     u32 objref)
{
	int err;

	if (objref != ctx->nobjects + 1)
		return -EINVAL;
	if (ckpt_should_fail(ctx, CKPT_FAULT_ALLOC))
		return -ENOMEM;
	err = xa_insert(&ctx->objs, objref, obj, GFP_KERNEL);
	if (err)
		return err;
	obj->objref = objref;
	ctx->nobjects++;
	return 0;
}

/* Restart: the object @objref names, if it exists and is of @kind. */
struct ckpt_obj *ckpt_obj_lookup(struct ckpt_ctx *ctx, u32 objref,
				 enum ckpt_obj_kind kind)
{
	struct ckpt_obj *obj = xa_load(&ctx->objs, objref);

	if (!obj || obj->kind != kind)
		return NULL;
	return obj;
}
