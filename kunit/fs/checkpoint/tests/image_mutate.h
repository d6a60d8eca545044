/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The image mutation engine: seeded, structure-aware mutations of
 * checkpoint images (<uapi/linux/checkpoint.h>).  One engine serves the
 * KUnit suite checkpoint_fuzz (fuzz_kunit.c) and the userspace fuzzer
 * (harness/fuzz/image-fuzz.c), which compiles image_mutate.c against
 * harness/fuzz/image-mutate-compat.h: the few kernel primitives it uses
 * (fixed-size types, unaligned little-endian access, vscnprintf(), the
 * LFSR113 prandom_u32_state() and the image checksum ckpt_image_crc()).
 *
 * Every choice comes from the caller's struct rnd_state: the same state
 * and input image always give the same bytes and the same description.
 */
#ifndef CKPT_IMAGE_MUTATE_H
#define CKPT_IMAGE_MUTATE_H

#ifdef __KERNEL__
#include <linux/compiler_attributes.h>
#include <linux/prandom.h>
#include <linux/types.h>
#include <linux/unaligned.h>
#include <uapi/linux/checkpoint.h>
#else
#include "image-mutate-compat.h"
#endif

#define IMUT_MAX_RECS		64
#define IMUT_MAX_FIELDS		4096
/* An fd number the fd edits favour (checkpoint_fuzz keeps one open there). */
#define IMUT_SENTINEL_FD	2
#define IMUT_TRAILER_LEN	((u32)sizeof(struct ckpt_rec_trailer))

/*
 * Every field position and size comes from the structs of
 * <uapi/linux/checkpoint.h>.  IMUT_AT() is where member @m of the @type
 * that starts at @p (a record, or an entry of one) lies; IMUT_U32() reads
 * it as the image holds it: unaligned, in the writer's byte order, which
 * is little-endian.
 */
#define IMUT_AT(p, type, m)	((p) + offsetof(type, m))
#define IMUT_U32(p, type, m)	get_unaligned_le32(IMUT_AT(p, type, m))

/* Where a FILE record's type-specific part (struct ckpt_file_*) starts. */
#define IMUT_FILE_SPEC		((u32)sizeof(struct ckpt_rec_file))

/* A record of the image, as a walk from offset 0 finds it. */
struct imut_rec {
	u32 off;
	u32 type;
	u32 len;
};

/* A field of a record that mutations of one kind may edit. */
struct imut_field {
	u32 off;		/* in the image */
	u8 size;
	u8 kind;
	u8 rec;			/* index into imut.recs */
};

/*
 * One image being mutated.  The caller sets rnd, buf (cap bytes), tmp
 * (cap bytes, scratch), fields (IMUT_MAX_FIELDS entries) and cap, then
 * calls imut_reset() before each mutation.
 */
struct imut {
	struct rnd_state *rnd;
	u8 *buf;
	u32 len;
	u32 cap;
	u8 *tmp;
	struct imut_rec recs[IMUT_MAX_RECS];
	int nrecs;
	struct imut_field *fields;
	int nfields;
	bool no_fix;		/* truncated: no trailer to fix */
	bool touched_trailer;	/* its counts are the mutation */
	char desc[192];
	size_t desc_used;
};

/* The mutations of imut_mutate(); the last two take a cut offset instead. */
enum imut_op {
	IMUT_OP_BITFLIP,
	IMUT_OP_LEN,
	IMUT_OP_OBJREF,
	IMUT_OP_TYPE,
	IMUT_OP_COUNT,
	IMUT_OP_FD,
	IMUT_OP_DUP,
	IMUT_OP_DROP,
	IMUT_OP_REORDER,
	IMUT_OP_STACKED,
	IMUT_OP_TRUNCATE,
	IMUT_OP_TRUNCATE_TRAILER,
};

/* Uniform-ish in [0, @n) from im->rnd; @n > 0. */
u32 imut_below(struct imut *im, u32 n);
/* Appends to im->desc. */
__printf(2, 3) void imut_say(struct imut *im, const char *fmt, ...);
/* Walks im->buf from offset 0 into im->recs. */
void imut_rewalk(struct imut *im);
/* Copies the @len-byte @image into im->buf, clears the state, walks it. */
void imut_reset(struct imut *im, const u8 *image, u32 len);
/* Recomputes the checksum of a trailer at the very end; @counts too. */
void imut_fix_trailer(struct imut *im, bool counts);
void imut_truncate(struct imut *im, u32 to);
/* Truncates at @to and appends a trailer; imut_fix_trailer() fills it. */
void imut_truncate_new_trailer(struct imut *im, u32 to);
/* One mutation of kind @op, IMUT_OP_BITFLIP to IMUT_OP_STACKED. */
void imut_mutate(struct imut *im, enum imut_op op);
/* Usually repairs the trailer, so the mutation reaches the checks behind. */
void imut_finish(struct imut *im);

#endif /* CKPT_IMAGE_MUTATE_H */
