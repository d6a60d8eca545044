// SPDX-License-Identifier: GPL-2.0
/*
 * Image I/O: records written and read through one bounded buffer.
 *
 * Writing: a record is opened with its full length, filled with any
 * number of ckpt_write() calls, and closed; bytes reach the image file
 * whenever the buffer fills.  Restart consumes exactly the image and
 * nothing after it.  From a stream (a pipe, a FIFO, a socket) reading
 * never asks for bytes past the end of the current record; from a
 * regular file it reads a whole buffer at a time and leaves f_pos at the
 * end of the bytes it consumed.
 *
 * Every byte before the trailer is summed into a zlib-compatible crc32,
 * a whole buffer at a time: when it is written out, or when restart has
 * consumed it (bytes read ahead may not be the image's).
 */
#include <linux/crc32.h>
#include <linux/fs.h>
#include <linux/slab.h>

#include "internal.h"

u32 ckpt_image_crc(const void *data, size_t n, u32 crc)
{
	return ~crc32_le(~crc, data, n);
}

int ckpt_image_init(struct ckpt_ctx *ctx, struct file *image)
{
	ctx->buf = kmalloc(CKPT_BUF_SIZE, GFP_KERNEL);
	if (!ctx->buf)
		return -ENOMEM;
	ctx->image = image;
	ctx->pos = image->f_pos;
	ctx->read_ahead = S_ISREG(file_inode(image)->i_mode) &&
			  !(image->f_mode & FMODE_STREAM);
	return 0;
}

/* The image file's offset just past the bytes restart has consumed. */
static loff_t ckpt_image_pos(const struct ckpt_ctx *ctx)
{
	if (ctx->mode == CKPT_MODE_RESTART)
		return ctx->pos - (ctx->buf_len - ctx->buf_off);
	return ctx->pos;
}

void ckpt_image_release(struct ckpt_ctx *ctx)
{
	if (ctx->image && !(ctx->image->f_mode & FMODE_STREAM))
		ctx->image->f_pos = ckpt_image_pos(ctx);
	kfree(ctx->buf);
	ctx->buf = NULL;
}

/* Writes out the buffer, summing it first: one crc32 call per buffer. */
int ckpt_flush(struct ckpt_ctx *ctx)
{
	enum ckpt_phase phase = ckpt_phase(ctx, CKPT_PHASE_CHECKSUM);
	size_t done = 0;
	int err = 0;

	ctx->crc = ckpt_image_crc(ctx->buf, ctx->buf_len, ctx->crc);
	ckpt_phase(ctx, CKPT_PHASE_IO);
	while (done < ctx->buf_len) {
		ssize_t n;

		if (ckpt_should_fail(ctx, CKPT_FAULT_IO)) {
			err = -EIO;
			break;
		}
		n = kernel_write(ctx->image, ctx->buf + done,
				 ctx->buf_len - done, &ctx->pos);
		if (n <= 0) {
			err = n ?: -EIO;
			break;
		}
		done += n;
	}
	ctx->buf_len = 0;
	ckpt_phase(ctx, phase);
	return err;
}

int ckpt_write(struct ckpt_ctx *ctx, const void *data, size_t n)
{
	const u8 *p = data;

	if (n > ctx->rec_left)
		return -EOVERFLOW;	/* a bug of ours: record length wrong */
	ctx->rec_left -= n;
	while (n) {
		size_t room = CKPT_BUF_SIZE - ctx->buf_len;
		size_t k = min(n, room);
		int err;

		memcpy(ctx->buf + ctx->buf_len, p, k);
		ctx->buf_len += k;
		p += k;
		n -= k;
		if (ctx->buf_len == CKPT_BUF_SIZE) {
			err = ckpt_flush(ctx);
			if (err)
				return err;
		}
	}
	return 0;
}

int ckpt_write_zeros(struct ckpt_ctx *ctx, size_t n)
{
	static const u8 zeros[8];
	int err = 0;

	while (n && !err) {
		size_t k = min(n, sizeof(zeros));

		err = ckpt_write(ctx, zeros, k);
		n -= k;
	}
	return err;
}

int ckpt_write_begin(struct ckpt_ctx *ctx, u32 type, u32 len)
{
	struct ckpt_hdr h = { .type = type, .len = len };

	if (ctx->rec_left || len < sizeof(h) || len % 8)
		return -EOVERFLOW;
	ctx->rec_left = len;
	return ckpt_write(ctx, &h, sizeof(h));
}

int ckpt_write_end(struct ckpt_ctx *ctx)
{
	if (ctx->rec_left)
		return -EOVERFLOW;
	ctx->nrecords++;
	return 0;
}

/* Writes a fixed-size record whose first member is struct ckpt_hdr. */
int ckpt_write_record(struct ckpt_ctx *ctx, u32 type, void *rec, u32 len)
{
	struct ckpt_hdr *h = rec;
	int err;

	h->type = type;
	h->len = len;
	if (ctx->rec_left || len % 8)
		return -EOVERFLOW;
	ctx->rec_left = len;
	err = ckpt_write(ctx, rec, len);
	return err ?: ckpt_write_end(ctx);
}

/* Sums the buffer's bytes from the last sum up to @off into @ctx->crc. */
static void ckpt_sum_to(struct ckpt_ctx *ctx, size_t off)
{
	ctx->crc = ckpt_image_crc(ctx->buf + ctx->crc_off, off - ctx->crc_off,
				  ctx->crc);
	ctx->crc_off = off;
}

/*
 * Refills the consumed buffer, after summing what was left of it: with
 * a whole buffer from a regular file, else with at most @readahead
 * bytes, the rest of the current record.
 */
static int ckpt_fill(struct ckpt_ctx *ctx, size_t readahead)
{
	enum ckpt_phase phase = ckpt_phase(ctx, CKPT_PHASE_CHECKSUM);
	ssize_t got;

	ckpt_sum_to(ctx, ctx->buf_off);
	ckpt_phase(ctx, CKPT_PHASE_IO);
	if (ctx->read_ahead)
		readahead = CKPT_BUF_SIZE;
	if (ckpt_should_fail(ctx, CKPT_FAULT_IO))
		got = -EIO;
	else
		got = kernel_read(ctx->image, ctx->buf,
				  min_t(size_t, readahead, CKPT_BUF_SIZE),
				  &ctx->pos);
	ckpt_phase(ctx, phase);
	if (got < 0)
		return got;
	if (got == 0)
		return -EINVAL;		/* truncated image */
	ctx->buf_off = 0;
	ctx->crc_off = 0;
	ctx->buf_len = got;
	return 0;
}

/* Reads exactly @n bytes from the image; a short stream is a truncation. */
static int ckpt_read_stream(struct ckpt_ctx *ctx, u8 *p, size_t n,
			    size_t readahead)
{
	while (n) {
		size_t k;

		if (ctx->buf_off == ctx->buf_len) {
			int err = ckpt_fill(ctx, readahead);

			if (err)
				return err;
		}
		k = min(n, ctx->buf_len - ctx->buf_off);
		memcpy(p, ctx->buf + ctx->buf_off, k);
		ctx->buf_off += k;
		readahead -= min(readahead, k);
		p += k;
		n -= k;
	}
	return 0;
}

/*
 * The sum of every byte before the header just peeked is needed only for
 * the trailer, so it is taken only then, or when the header starts the
 * next buffer (which sums the one before it).
 */
int ckpt_peek_hdr(struct ckpt_ctx *ctx, struct ckpt_hdr *h)
{
	size_t hdr_off = ctx->buf_off;
	bool straddles = ctx->buf_len - hdr_off < sizeof(*h);
	int err;

	if (ctx->peeked) {
		*h = ctx->peek;
		return 0;
	}
	if (ctx->rec_left)
		return -EINVAL;		/* record longer than its contents */
	if (straddles) {
		ckpt_sum_to(ctx, hdr_off);
		ctx->crc_at_record = ctx->crc;
	}
	err = ckpt_read_stream(ctx, (u8 *)&ctx->peek, sizeof(ctx->peek),
			       sizeof(ctx->peek));
	if (err)
		return err;
	if (ctx->peek.len < sizeof(*h) || ctx->peek.len % 8)
		return -EINVAL;
	if (!straddles && ctx->peek.type == CKPT_REC_TRAILER) {
		ckpt_sum_to(ctx, hdr_off);
		ctx->crc_at_record = ctx->crc;
	}
	ctx->peeked = true;
	*h = ctx->peek;
	return 0;
}

int ckpt_read_hdr(struct ckpt_ctx *ctx, struct ckpt_hdr *h)
{
	int err = ckpt_peek_hdr(ctx, h);

	if (err)
		return err;
	ctx->peeked = false;
	ctx->rec_left = h->len - sizeof(*h);
	ctx->nrecords++;
	return 0;
}

int ckpt_read(struct ckpt_ctx *ctx, void *data, size_t n)
{
	int err;

	if (n > ctx->rec_left)
		return -EINVAL;		/* record shorter than its contents */
	err = ckpt_read_stream(ctx, data, n, ctx->rec_left);
	if (err)
		return err;
	ctx->rec_left -= n;
	return 0;
}

/* Padding must be zero, so that one state has exactly one image. */
int ckpt_read_zeros(struct ckpt_ctx *ctx, size_t n)
{
	u8 pad[8];
	int err = 0;

	while (n && !err) {
		size_t k = min(n, sizeof(pad));

		err = ckpt_read(ctx, pad, k);
		if (!err && memchr_inv(pad, 0, k))
			err = -EINVAL;
		n -= k;
	}
	return err;
}

/*
 * Reads the fixed head of a record, @len bytes of which @h, just read, is
 * the start; the record may be longer (entries or data follow).
 */
int ckpt_read_fixed(struct ckpt_ctx *ctx, const struct ckpt_hdr *h,
		    void *rec, u32 len)
{
	if (h->len < len)
		return -EINVAL;
	memcpy(rec, h, sizeof(*h));
	return ckpt_read(ctx, (u8 *)rec + sizeof(*h), len - sizeof(*h));
}

/*
 * Reads the rest of a fixed-size record whose header @h was just read;
 * the record must be exactly @len bytes.
 */
int ckpt_read_record(struct ckpt_ctx *ctx, const struct ckpt_hdr *h,
		     void *rec, u32 len)
{
	if (h->len != len)
		return -EINVAL;
	return ckpt_read_fixed(ctx, h, rec, len);
}
