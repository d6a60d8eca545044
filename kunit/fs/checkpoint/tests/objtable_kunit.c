// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit cases for the checkpoint object table: objrefs in first-seen
 * order, one object per pointer, references held and dropped, and the
 * restart-side rules that make a forward or mistyped objref impossible.
 */
#include <kunit/test.h>
#include <linux/eventfd.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/slab.h>

#include "../internal.h"

static void objtable_ctx_free(void *ctx)
{
	ckpt_ctx_free(ctx);
}

static void objtable_fput(void *file)
{
	fput(file);
}

static struct ckpt_ctx *objtable_ctx(struct kunit *test, enum ckpt_mode mode)
{
	struct file *image = eventfd_cr_create(0, 0);
	struct ckpt_ctx *ctx;

	/* Any file will do as an image the table never touches. */
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, image);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, objtable_fput, image), 0);
	ctx = ckpt_ctx_alloc(mode, 0, image);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, ctx);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, objtable_ctx_free, ctx), 0);
	return ctx;
}

static struct file *objtable_file(struct kunit *test)
{
	struct file *file = eventfd_cr_create(0, 0);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, file);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, objtable_fput, file), 0);
	return file;
}

static void objtable_objrefs_in_first_seen_order(struct kunit *test)
{
	struct ckpt_ctx *ctx = objtable_ctx(test, CKPT_MODE_CHECKPOINT);
	int i;

	for (i = 1; i <= 3; i++) {
		struct ckpt_obj *obj = ckpt_obj_add(ctx, objtable_file(test),
						    CKPT_OBJ_FILE);

		KUNIT_ASSERT_NOT_ERR_OR_NULL(test, obj);
		KUNIT_EXPECT_EQ(test, obj->objref, (u32)i);
	}
	KUNIT_EXPECT_EQ(test, ctx->nobjects, 3U);
}

static void objtable_find_returns_the_added_object(struct kunit *test)
{
	struct ckpt_ctx *ctx = objtable_ctx(test, CKPT_MODE_CHECKPOINT);
	struct file *a = objtable_file(test), *b = objtable_file(test);
	struct ckpt_obj *oa = ckpt_obj_add(ctx, a, CKPT_OBJ_FILE);
	struct ckpt_obj *ob = ckpt_obj_add(ctx, b, CKPT_OBJ_FILE);

	KUNIT_EXPECT_PTR_EQ(test, ckpt_obj_find(ctx, a), oa);
	KUNIT_EXPECT_PTR_EQ(test, ckpt_obj_find(ctx, b), ob);
}

static void objtable_find_unknown_pointer_is_null(struct kunit *test)
{
	struct ckpt_ctx *ctx = objtable_ctx(test, CKPT_MODE_CHECKPOINT);

	KUNIT_EXPECT_NULL(test, ckpt_obj_find(ctx, objtable_file(test)));
}

static void objtable_adding_twice_is_refused(struct kunit *test)
{
	struct ckpt_ctx *ctx = objtable_ctx(test, CKPT_MODE_CHECKPOINT);
	struct file *file = objtable_file(test);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, ckpt_obj_add(ctx, file, CKPT_OBJ_FILE));
	KUNIT_EXPECT_EQ(test, PTR_ERR(ckpt_obj_add(ctx, file, CKPT_OBJ_FILE)),
			-EEXIST);
	KUNIT_EXPECT_EQ(test, ctx->nobjects, 1U);
}

static void objtable_skipped_object_has_no_objref(struct kunit *test)
{
	struct ckpt_ctx *ctx = objtable_ctx(test, CKPT_MODE_CHECKPOINT);
	struct ckpt_obj *skipped, *next;

	skipped = ckpt_obj_add(ctx, objtable_file(test), CKPT_OBJ_SKIPPED);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, skipped);
	KUNIT_EXPECT_EQ(test, skipped->objref, 0U);
	next = ckpt_obj_add(ctx, objtable_file(test), CKPT_OBJ_FILE);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, next);
	KUNIT_EXPECT_EQ(test, next->objref, 1U);
}

static void objtable_file_object_holds_a_reference(struct kunit *test)
{
	struct file *file = objtable_file(test);
	long before = file_count(file);
	struct ckpt_ctx *ctx = ckpt_ctx_alloc(CKPT_MODE_CHECKPOINT, 0, file);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, ctx);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, ckpt_obj_add(ctx, file, CKPT_OBJ_FILE));
	KUNIT_EXPECT_EQ(test, file_count(file), before + 1);
	ckpt_ctx_free(ctx);
	KUNIT_EXPECT_EQ(test, file_count(file), before);
}

/* A restored FILE object @objref: a new file, or NULL and *err. */
static struct file *restored_file(struct kunit *test, struct ckpt_ctx *ctx,
				  u32 objref, int *err)
{
	struct file *file = eventfd_cr_create(0, 0);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, file);
	*err = ckpt_restored_add(ctx, objref, file, CKPT_OBJ_FILE);
	if (*err) {
		fput(file);
		return NULL;
	}
	return file;
}

static void objtable_restored_objrefs_must_be_sequential(struct kunit *test)
{
	struct ckpt_ctx *ctx = objtable_ctx(test, CKPT_MODE_RESTART);
	int err;

	restored_file(test, ctx, 2, &err);
	KUNIT_EXPECT_EQ(test, err, -EINVAL);
	restored_file(test, ctx, 1, &err);
	KUNIT_EXPECT_EQ(test, err, 0);
	restored_file(test, ctx, 1, &err);
	KUNIT_EXPECT_EQ(test, err, -EINVAL);
	restored_file(test, ctx, 2, &err);
	KUNIT_EXPECT_EQ(test, err, 0);
}

static void objtable_get_checks_kind_and_range(struct kunit *test)
{
	struct ckpt_ctx *ctx = objtable_ctx(test, CKPT_MODE_RESTART);
	struct file *file;
	int err;

	file = restored_file(test, ctx, 1, &err);
	KUNIT_ASSERT_EQ(test, err, 0);
	KUNIT_EXPECT_PTR_EQ(test, ckpt_restored_get(ctx, 1, CKPT_OBJ_FILE), file);
	KUNIT_EXPECT_NULL(test, ckpt_restored_get(ctx, 1, CKPT_OBJ_OWNER));
	KUNIT_EXPECT_NULL(test, ckpt_restored_get(ctx, 0, CKPT_OBJ_FILE));
	KUNIT_EXPECT_NULL(test, ckpt_restored_get(ctx, 2, CKPT_OBJ_FILE));
	KUNIT_EXPECT_NULL(test, ckpt_restored_get(ctx, U32_MAX, CKPT_OBJ_FILE));
}

/* The table spans pages: objrefs on both sides of a page hold theirs. */
static void objtable_restored_table_spans_pages(struct kunit *test)
{
	struct ckpt_ctx *ctx = objtable_ctx(test, CKPT_MODE_RESTART);
	u32 per_page = PAGE_SIZE / sizeof(unsigned long), objref;
	struct file *file = objtable_file(test);
	int err = 0;

	for (objref = 1; objref <= 2 * per_page + 1 && !err; objref++)
		err = ckpt_restored_add(ctx, objref, get_file(file),
					CKPT_OBJ_FILE);
	KUNIT_ASSERT_EQ(test, err, 0);
	KUNIT_EXPECT_EQ(test, ctx->nobjects, 2 * per_page + 1);
	KUNIT_EXPECT_PTR_EQ(test, ckpt_restored_get(ctx, per_page, CKPT_OBJ_FILE), file);
	KUNIT_EXPECT_PTR_EQ(test, ckpt_restored_get(ctx, per_page + 1, CKPT_OBJ_FILE), file);
	KUNIT_EXPECT_PTR_EQ(test, ckpt_restored_get(ctx, 2 * per_page + 1, CKPT_OBJ_FILE), file);
	KUNIT_EXPECT_NULL(test, ckpt_restored_get(ctx, 2 * per_page + 2, CKPT_OBJ_FILE));
	/* each holds one reference, dropped with the table */
	KUNIT_EXPECT_EQ(test, file_count(file), 1L + 2 * per_page + 1);
}

/* Checkpoint's objects span chunks: each objref finds its own object. */
static void objtable_objects_span_chunks(struct kunit *test)
{
	struct ckpt_ctx *ctx = objtable_ctx(test, CKPT_MODE_CHECKPOINT);
	u32 n = 2 * CKPT_OBJS_PER_CHUNK + 1, objref;
	u8 *ptrs = kunit_kzalloc(test, n, GFP_KERNEL);
	struct ckpt_obj *obj;

	KUNIT_ASSERT_NOT_NULL(test, ptrs);
	for (objref = 1; objref <= n; objref++) {
		obj = ckpt_obj_add(ctx, &ptrs[objref - 1], CKPT_OBJ_OWNER);
		KUNIT_ASSERT_NOT_ERR_OR_NULL(test, obj);
		KUNIT_ASSERT_EQ(test, obj->objref, objref);
	}
	for (objref = 1; objref <= n; objref++) {
		obj = ckpt_obj_at(ctx, objref);
		KUNIT_ASSERT_NOT_NULL(test, obj);
		KUNIT_EXPECT_PTR_EQ(test, obj->ptr, (void *)&ptrs[objref - 1]);
		KUNIT_EXPECT_PTR_EQ(test, ckpt_obj_find(ctx, &ptrs[objref - 1]), obj);
	}
	KUNIT_EXPECT_NULL(test, ckpt_obj_at(ctx, 0));
	KUNIT_EXPECT_NULL(test, ckpt_obj_at(ctx, n + 1));
	n = 0;
	for (objref = 1; (obj = ckpt_obj_at(ctx, objref)); objref++)
		n++;
	KUNIT_EXPECT_EQ(test, n, ctx->nobjects);
}

/* A chunk that cannot be had is -ENOMEM, the table as it was. */
static void objtable_chunk_failure_keeps_the_table(struct kunit *test)
{
	struct ckpt_ctx *ctx = objtable_ctx(test, CKPT_MODE_CHECKPOINT);
	u32 n = CKPT_OBJS_PER_CHUNK, i;
	u8 *ptrs = kunit_kzalloc(test, n + 1, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, ptrs);
	for (i = 0; i < n; i++)
		KUNIT_ASSERT_NOT_ERR_OR_NULL(test, ckpt_obj_add(ctx, &ptrs[i],
								CKPT_OBJ_OWNER));
	/* the next add's only fault point is its new chunk */
	ctx->fail_nth[CKPT_FAULT_ALLOC] = ctx->fault_calls[CKPT_FAULT_ALLOC] + 1;
	KUNIT_EXPECT_PTR_EQ(test, ckpt_obj_add(ctx, &ptrs[n], CKPT_OBJ_OWNER),
			    ERR_PTR(-ENOMEM));
	KUNIT_EXPECT_EQ(test, ctx->nobjects, n);
	KUNIT_EXPECT_NULL(test, ckpt_obj_find(ctx, &ptrs[n]));
	KUNIT_EXPECT_NULL(test, ckpt_obj_at(ctx, n + 1));
	KUNIT_EXPECT_NOT_ERR_OR_NULL(test, ckpt_obj_add(ctx, &ptrs[n],
							CKPT_OBJ_OWNER));
	KUNIT_EXPECT_PTR_EQ(test, ckpt_obj_at(ctx, n + 1)->ptr, (void *)&ptrs[n]);
}

/*
 * Past half of its first size the pointer index moves to a larger one:
 * every pointer is still found, with its own object.
 */
#define OBJTABLE_MANY	(3 * BIT(CKPT_INDEX_MIN_BITS) / 2)

static void objtable_index_grows_keeping_every_pointer(struct kunit *test)
{
	struct ckpt_ctx *ctx = objtable_ctx(test, CKPT_MODE_CHECKPOINT);
	u8 *ptrs = kunit_kzalloc(test, OBJTABLE_MANY, GFP_KERNEL);
	struct ckpt_obj **objs = kunit_kcalloc(test, OBJTABLE_MANY,
					       sizeof(*objs), GFP_KERNEL);
	u32 first_bits = ctx->index_bits;
	int i;

	KUNIT_ASSERT_NOT_NULL(test, ptrs);
	KUNIT_ASSERT_NOT_NULL(test, objs);
	for (i = 0; i < OBJTABLE_MANY; i++) {
		objs[i] = ckpt_obj_add(ctx, &ptrs[i], CKPT_OBJ_SKIPPED);
		KUNIT_ASSERT_NOT_ERR_OR_NULL(test, objs[i]);
	}
	KUNIT_EXPECT_GT(test, ctx->index_bits, first_bits);
	for (i = 0; i < OBJTABLE_MANY; i++)
		KUNIT_EXPECT_PTR_EQ(test, ckpt_obj_find(ctx, &ptrs[i]), objs[i]);
}

/* A growth that fails is -ENOMEM with the index as it was. */
static void objtable_index_growth_failure_keeps_the_index(struct kunit *test)
{
	struct ckpt_ctx *ctx = objtable_ctx(test, CKPT_MODE_CHECKPOINT);
	u32 room = BIT(CKPT_INDEX_MIN_BITS) / 2;
	u8 *ptrs = kunit_kzalloc(test, room + 1, GFP_KERNEL);
	u32 i;

	KUNIT_ASSERT_NOT_NULL(test, ptrs);
	for (i = 0; i < room; i++) {
		struct ckpt_obj *obj = ckpt_obj_add(ctx, &ptrs[i], CKPT_OBJ_SKIPPED);

		KUNIT_ASSERT_NOT_ERR_OR_NULL(test, obj);
	}
	/* the next add's first fault point is the growth */
	ctx->fail_nth[CKPT_FAULT_ALLOC] = ctx->fault_calls[CKPT_FAULT_ALLOC] + 1;
	KUNIT_EXPECT_PTR_EQ(test, ckpt_obj_add(ctx, &ptrs[room],
					       CKPT_OBJ_SKIPPED),
			    ERR_PTR(-ENOMEM));
	KUNIT_EXPECT_EQ(test, ctx->index_bits, (u32)CKPT_INDEX_MIN_BITS);
	KUNIT_EXPECT_NULL(test, ckpt_obj_find(ctx, &ptrs[room]));
	for (i = 0; i < room; i++)
		KUNIT_EXPECT_NOT_NULL(test, ckpt_obj_find(ctx, &ptrs[i]));
	KUNIT_EXPECT_NOT_ERR_OR_NULL(test, ckpt_obj_add(ctx, &ptrs[room],
							CKPT_OBJ_SKIPPED));
}

/* Only objects an fd names pass: an unnamed file would vanish. */
static void objtable_restored_unnamed_file_is_einval(struct kunit *test)
{
	struct ckpt_ctx *ctx = objtable_ctx(test, CKPT_MODE_RESTART);
	int err;

	restored_file(test, ctx, 1, &err);
	KUNIT_ASSERT_EQ(test, err, 0);
	restored_file(test, ctx, 2, &err);
	KUNIT_ASSERT_EQ(test, err, 0);
	KUNIT_EXPECT_NOT_NULL(test, ckpt_restored_name(ctx, 1));
	KUNIT_EXPECT_EQ(test, ckpt_restored_all_named(ctx), -EINVAL);
	KUNIT_EXPECT_NOT_NULL(test, ckpt_restored_name(ctx, 2));
	KUNIT_EXPECT_EQ(test, ckpt_restored_all_named(ctx), 0);
	KUNIT_EXPECT_NULL(test, ckpt_restored_name(ctx, 3));
}

static struct kunit_case objtable_test_cases[] = {
	KUNIT_CASE(objtable_objrefs_in_first_seen_order),
	KUNIT_CASE(objtable_find_returns_the_added_object),
	KUNIT_CASE(objtable_find_unknown_pointer_is_null),
	KUNIT_CASE(objtable_adding_twice_is_refused),
	KUNIT_CASE(objtable_skipped_object_has_no_objref),
	KUNIT_CASE(objtable_file_object_holds_a_reference),
	KUNIT_CASE(objtable_objects_span_chunks),
	KUNIT_CASE(objtable_chunk_failure_keeps_the_table),
	KUNIT_CASE(objtable_index_grows_keeping_every_pointer),
	KUNIT_CASE(objtable_index_growth_failure_keeps_the_index),
	KUNIT_CASE(objtable_restored_objrefs_must_be_sequential),
	KUNIT_CASE(objtable_get_checks_kind_and_range),
	KUNIT_CASE(objtable_restored_table_spans_pages),
	KUNIT_CASE(objtable_restored_unnamed_file_is_einval),
	{}
};

static struct kunit_suite objtable_test_suite = {
	.name = "checkpoint_objtable",
	.test_cases = objtable_test_cases,
};

kunit_test_suite(objtable_test_suite);
