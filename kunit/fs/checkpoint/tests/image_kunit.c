// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit cases for the checkpoint image layer: record framing, the
 * bounded buffer, validation of lengths and padding, and the checksum.
 * Each case writes to and reads from a real shmem file.
 */
#include <kunit/test.h>
#include <linux/fs.h>
#include <linux/pipe_fs_i.h>
#include <linux/shmem_fs.h>
#include <linux/slab.h>

#include "../internal.h"

struct image_fixture {
	struct file *image;
};

static void image_fput(void *file)
{
	fput(file);
}

static void image_ctx_free(void *ctx)
{
	ckpt_ctx_free(ctx);
}

static int image_test_init(struct kunit *test)
{
	struct image_fixture *fx = kunit_kzalloc(test, sizeof(*fx), GFP_KERNEL);
	struct file *image;

	KUNIT_ASSERT_NOT_NULL(test, fx);
	image = shmem_file_setup("ckpt-kunit-image", 0, 0);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, image);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, image_fput, image), 0);
	fx->image = image;
	test->priv = fx;
	return 0;
}

/* A context over the fixture's image, positioned at offset 0. */
static struct ckpt_ctx *image_ctx(struct kunit *test, enum ckpt_mode mode)
{
	struct image_fixture *fx = test->priv;
	struct ckpt_ctx *ctx;

	fx->image->f_pos = 0;
	ctx = ckpt_ctx_alloc(mode, 0, fx->image);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, ctx);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, image_ctx_free, ctx), 0);
	return ctx;
}

/* Writes raw bytes to the image, bypassing the record layer. */
static void image_put(struct kunit *test, const void *data, size_t n)
{
	struct image_fixture *fx = test->priv;
	loff_t pos = i_size_read(file_inode(fx->image));

	KUNIT_ASSERT_EQ(test, kernel_write(fx->image, data, n, &pos), (ssize_t)n);
}

static void image_record_roundtrip(struct kunit *test)
{
	struct ckpt_rec_header in = { .magic = CKPT_MAGIC, .version = 7 }, out;
	struct ckpt_ctx *w = image_ctx(test, CKPT_MODE_CHECKPOINT), *r;
	struct ckpt_hdr h;

	KUNIT_ASSERT_EQ(test, ckpt_write_record(w, CKPT_REC_HEADER, &in, sizeof(in)), 0);
	KUNIT_ASSERT_EQ(test, ckpt_flush(w), 0);
	r = image_ctx(test, CKPT_MODE_RESTART);
	KUNIT_ASSERT_EQ(test, ckpt_read_hdr(r, &h), 0);
	KUNIT_EXPECT_EQ(test, h.type, (u32)CKPT_REC_HEADER);
	KUNIT_EXPECT_EQ(test, h.len, (u32)sizeof(in));
	KUNIT_ASSERT_EQ(test, ckpt_read_record(r, &h, &out, sizeof(out)), 0);
	KUNIT_EXPECT_MEMEQ(test, &in, &out, sizeof(in));
}

static void image_write_spanning_buffer_reads_back(struct kunit *test)
{
	const size_t n = 3 * CKPT_BUF_SIZE + 8;
	struct ckpt_ctx *w = image_ctx(test, CKPT_MODE_CHECKPOINT), *r;
	u8 *in = kunit_kmalloc(test, n, GFP_KERNEL);
	u8 *out = kunit_kzalloc(test, n, GFP_KERNEL);
	struct ckpt_hdr h;
	size_t i;

	KUNIT_ASSERT_NOT_NULL(test, in);
	KUNIT_ASSERT_NOT_NULL(test, out);
	for (i = 0; i < n; i++)
		in[i] = i * 7 + 3;
	KUNIT_ASSERT_EQ(test, ckpt_write_begin(w, CKPT_REC_PIPE, sizeof(h) + n), 0);
	KUNIT_ASSERT_EQ(test, ckpt_write(w, in, n), 0);
	KUNIT_ASSERT_EQ(test, ckpt_write_end(w), 0);
	KUNIT_ASSERT_EQ(test, ckpt_flush(w), 0);

	r = image_ctx(test, CKPT_MODE_RESTART);
	KUNIT_ASSERT_EQ(test, ckpt_read_hdr(r, &h), 0);
	KUNIT_ASSERT_EQ(test, ckpt_read(r, out, n), 0);
	KUNIT_EXPECT_MEMEQ(test, in, out, n);
}

static void image_write_rejects_unaligned_length(struct kunit *test)
{
	struct ckpt_ctx *w = image_ctx(test, CKPT_MODE_CHECKPOINT);

	KUNIT_EXPECT_EQ(test, ckpt_write_begin(w, CKPT_REC_FILE, 12), -EOVERFLOW);
}

static void image_write_end_rejects_short_record(struct kunit *test)
{
	struct ckpt_ctx *w = image_ctx(test, CKPT_MODE_CHECKPOINT);

	KUNIT_ASSERT_EQ(test, ckpt_write_begin(w, CKPT_REC_FILE, 16), 0);
	KUNIT_EXPECT_EQ(test, ckpt_write_end(w), -EOVERFLOW);
}

struct bad_hdr_case {
	const char *name;
	struct ckpt_hdr h;
};

static const struct bad_hdr_case bad_hdr_cases[] = {
	{ "len_zero", { CKPT_REC_FILE, 0 } },
	{ "len_below_header", { CKPT_REC_FILE, 4 } },
	{ "len_unaligned", { CKPT_REC_FILE, 13 } },
	{ "len_odd_large", { CKPT_REC_FILE, 0xffffffff } },
};

static void bad_hdr_desc(const struct bad_hdr_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(bad_hdr, bad_hdr_cases, bad_hdr_desc);

static void image_read_hdr_rejects_bad_length(struct kunit *test)
{
	const struct bad_hdr_case *c = test->param_value;
	struct ckpt_ctx *r;
	struct ckpt_hdr h;

	image_put(test, &c->h, sizeof(c->h));
	r = image_ctx(test, CKPT_MODE_RESTART);
	KUNIT_EXPECT_EQ(test, ckpt_read_hdr(r, &h), -EINVAL);
}

static void image_read_past_record_end_is_einval(struct kunit *test)
{
	struct ckpt_hdr h = { CKPT_REC_FILE, 16 };
	u64 payload[2] = {};
	struct ckpt_ctx *r;

	image_put(test, &h, sizeof(h));
	image_put(test, payload, sizeof(payload));
	r = image_ctx(test, CKPT_MODE_RESTART);
	KUNIT_ASSERT_EQ(test, ckpt_read_hdr(r, &h), 0);
	KUNIT_EXPECT_EQ(test, ckpt_read(r, payload, 16), -EINVAL);
}

static void image_truncated_payload_is_einval(struct kunit *test)
{
	struct ckpt_hdr h = { CKPT_REC_FILE, 32 };
	u64 payload[3] = {};
	struct ckpt_ctx *r;

	image_put(test, &h, sizeof(h));
	image_put(test, payload, 8);
	r = image_ctx(test, CKPT_MODE_RESTART);
	KUNIT_ASSERT_EQ(test, ckpt_read_hdr(r, &h), 0);
	KUNIT_EXPECT_EQ(test, ckpt_read(r, payload, sizeof(payload)), -EINVAL);
}

static void image_empty_stream_is_einval(struct kunit *test)
{
	struct ckpt_ctx *r = image_ctx(test, CKPT_MODE_RESTART);
	struct ckpt_hdr h;

	KUNIT_EXPECT_EQ(test, ckpt_read_hdr(r, &h), -EINVAL);
}

static void image_unread_bytes_block_next_header(struct kunit *test)
{
	struct ckpt_hdr h = { CKPT_REC_FILE, 16 };
	u64 payload = 0;
	struct ckpt_ctx *r;

	image_put(test, &h, sizeof(h));
	image_put(test, &payload, sizeof(payload));
	image_put(test, &h, sizeof(h));
	r = image_ctx(test, CKPT_MODE_RESTART);
	KUNIT_ASSERT_EQ(test, ckpt_read_hdr(r, &h), 0);
	KUNIT_EXPECT_EQ(test, ckpt_read_hdr(r, &h), -EINVAL);
}

static void image_padding_must_be_zero(struct kunit *test)
{
	struct ckpt_hdr h = { CKPT_REC_FILE, 16 };
	u8 pad[8] = { 0, 0, 0, 0, 0, 0, 0, 1 };
	struct ckpt_ctx *r;

	image_put(test, &h, sizeof(h));
	image_put(test, pad, sizeof(pad));
	r = image_ctx(test, CKPT_MODE_RESTART);
	KUNIT_ASSERT_EQ(test, ckpt_read_hdr(r, &h), 0);
	KUNIT_EXPECT_EQ(test, ckpt_read_zeros(r, sizeof(pad)), -EINVAL);
}

static void image_crc_matches_zlib(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, ckpt_image_crc("123456789", 9, 0), 0xcbf43926U);
	KUNIT_EXPECT_EQ(test, ckpt_image_crc("6789", 4, ckpt_image_crc("12345", 5, 0)),
			0xcbf43926U);
}

static void image_crc_covers_every_written_byte(struct kunit *test)
{
	struct image_fixture *fx = test->priv;
	struct ckpt_ctx *w = image_ctx(test, CKPT_MODE_CHECKPOINT);
	struct ckpt_rec_header rec = { .magic = CKPT_MAGIC };
	u8 buf[sizeof(rec)];
	loff_t pos = 0;

	KUNIT_ASSERT_EQ(test, ckpt_write_record(w, CKPT_REC_HEADER, &rec, sizeof(rec)), 0);
	KUNIT_ASSERT_EQ(test, ckpt_flush(w), 0);
	KUNIT_ASSERT_EQ(test, kernel_read(fx->image, buf, sizeof(buf), &pos),
			(ssize_t)sizeof(buf));
	KUNIT_EXPECT_EQ(test, w->crc, ckpt_image_crc(buf, sizeof(buf), 0));
}

static void image_peek_does_not_consume(struct kunit *test)
{
	struct ckpt_hdr h = { CKPT_REC_FD, 8 }, a, b;
	struct ckpt_ctx *r;

	image_put(test, &h, sizeof(h));
	r = image_ctx(test, CKPT_MODE_RESTART);
	KUNIT_ASSERT_EQ(test, ckpt_peek_hdr(r, &a), 0);
	KUNIT_ASSERT_EQ(test, ckpt_read_hdr(r, &b), 0);
	KUNIT_EXPECT_MEMEQ(test, &a, &b, sizeof(a));
	KUNIT_EXPECT_EQ(test, r->nrecords, 1U);
}

/*
 * Restart must consume exactly the image: from a regular file it reads
 * ahead, and leaves f_pos just past the record it consumed.
 */
static void image_reader_leaves_file_at_record_end(struct kunit *test)
{
	struct image_fixture *fx = test->priv;
	struct ckpt_hdr h = { CKPT_REC_FD, 16 };
	u64 payload = 0, trailing = ~0ULL;
	struct ckpt_ctx *r;

	image_put(test, &h, sizeof(h));
	image_put(test, &payload, sizeof(payload));
	image_put(test, &trailing, sizeof(trailing));
	r = image_ctx(test, CKPT_MODE_RESTART);
	KUNIT_ASSERT_EQ(test, ckpt_read_hdr(r, &h), 0);
	KUNIT_ASSERT_EQ(test, ckpt_read(r, &payload, sizeof(payload)), 0);
	KUNIT_EXPECT_EQ(test, r->pos, (loff_t)24);
	ckpt_image_release(r);
	KUNIT_EXPECT_EQ(test, fx->image->f_pos, (loff_t)16);
}

static void image_pipe_fput(void *pipe)
{
	struct file **ends = pipe;

	fput(ends[0]);
	fput(ends[1]);
}

/*
 * From a stream nothing can be put back: it never reads past a record
 * (non-blocking, so a read past it fails the case instead of hanging it).
 */
static void image_reader_stops_at_record_end_of_stream(struct kunit *test)
{
	struct ckpt_hdr h = { CKPT_REC_FD, 16 };
	u64 payload = 0, trailing = ~0ULL, left = 0;
	struct file **ends = kunit_kcalloc(test, 2, sizeof(*ends), GFP_KERNEL);
	struct ckpt_ctx *r;
	loff_t pos = 0;

	KUNIT_ASSERT_NOT_NULL(test, ends);
	KUNIT_ASSERT_EQ(test, create_pipe_files(ends, O_NONBLOCK), 0);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, image_pipe_fput, ends), 0);
	KUNIT_ASSERT_EQ(test, kernel_write(ends[1], &h, sizeof(h), &pos), (ssize_t)sizeof(h));
	KUNIT_ASSERT_EQ(test, kernel_write(ends[1], &payload, sizeof(payload), &pos),
			(ssize_t)sizeof(payload));
	KUNIT_ASSERT_EQ(test, kernel_write(ends[1], &trailing, sizeof(trailing), &pos),
			(ssize_t)sizeof(trailing));
	r = ckpt_ctx_alloc(CKPT_MODE_RESTART, 0, ends[0]);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, r);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, image_ctx_free, r), 0);
	KUNIT_ASSERT_EQ(test, ckpt_read_hdr(r, &h), 0);
	KUNIT_ASSERT_EQ(test, ckpt_read(r, &payload, sizeof(payload)), 0);
	pos = 0;
	KUNIT_ASSERT_EQ(test, kernel_read(ends[0], &left, sizeof(left), &pos),
			(ssize_t)sizeof(left));
	KUNIT_EXPECT_EQ(test, left, trailing);
}

static struct kunit_case image_test_cases[] = {
	KUNIT_CASE(image_record_roundtrip),
	KUNIT_CASE(image_write_spanning_buffer_reads_back),
	KUNIT_CASE(image_write_rejects_unaligned_length),
	KUNIT_CASE(image_write_end_rejects_short_record),
	KUNIT_CASE_PARAM(image_read_hdr_rejects_bad_length, bad_hdr_gen_params),
	KUNIT_CASE(image_read_past_record_end_is_einval),
	KUNIT_CASE(image_truncated_payload_is_einval),
	KUNIT_CASE(image_empty_stream_is_einval),
	KUNIT_CASE(image_unread_bytes_block_next_header),
	KUNIT_CASE(image_padding_must_be_zero),
	KUNIT_CASE(image_crc_matches_zlib),
	KUNIT_CASE(image_crc_covers_every_written_byte),
	KUNIT_CASE(image_peek_does_not_consume),
	KUNIT_CASE(image_reader_leaves_file_at_record_end),
	KUNIT_CASE(image_reader_stops_at_record_end_of_stream),
	{}
};

static struct kunit_suite image_test_suite = {
	.name = "checkpoint_image",
	.init = image_test_init,
	.test_cases = image_test_cases,
};

kunit_test_suite(image_test_suite);
