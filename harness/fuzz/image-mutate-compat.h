/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel primitives kunit/fs/checkpoint/tests/image_mutate.c uses,
 * for building it in userspace (image-fuzz): fixed-size types, unaligned
 * little-endian access, vscnprintf(), the kernel's prandom_u32_state()
 * (lib/random32.c, LFSR113: the same state gives the same numbers) and
 * the image checksum, zlib's crc32 (crc32_zlib() of cr_util.c).
 */
#ifndef IMAGE_MUTATE_COMPAT_H
#define IMAGE_MUTATE_COMPAT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <linux/checkpoint.h>

#include "cr_util.h"

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef unsigned long long u64;	/* as the kernel's, for %llx */
typedef int32_t s32;
typedef int64_t s64;

#define __printf(a, b)		__attribute__((format(printf, a, b)))
#undef static_assert
#define static_assert(expr)	_Static_assert(expr, #expr)
#define sizeof_field(t, m)	sizeof(((t *)0)->m)
#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))
#define BIT(n)			(1UL << (n))
#define BIT_ULL(n)		(1ULL << (n))
#define U8_MAX			((u8)~0U)
#define S32_MAX			INT32_MAX
#define S32_MIN			INT32_MIN
#define U32_MAX			UINT32_MAX
#define S64_MAX			INT64_MAX
#define S64_MIN			INT64_MIN
#define U64_MAX			(~0ULL)

/* The image is little-endian, as the hosts we build for. */
static inline u16 get_unaligned_le16(const void *p)
{
	u16 v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static inline u32 get_unaligned_le32(const void *p)
{
	u32 v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static inline u64 get_unaligned_le64(const void *p)
{
	u64 v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static inline void put_unaligned_le16(u16 v, void *p)
{
	memcpy(p, &v, sizeof(v));
}

static inline void put_unaligned_le32(u32 v, void *p)
{
	memcpy(p, &v, sizeof(v));
}

static inline void put_unaligned_le64(u64 v, void *p)
{
	memcpy(p, &v, sizeof(v));
}

/* What it wrote, without the NUL: never more than size - 1. */
static inline __printf(3, 0) int vscnprintf(char *buf, size_t size,
					     const char *fmt, va_list ap)
{
	int n;

	if (!size)
		return 0;
	n = vsnprintf(buf, size, fmt, ap);
	if (n < 0)
		return 0;
	return (size_t)n < size ? n : (int)(size - 1);
}

static inline u32 ckpt_padded(u32 len)
{
	return (len + 7) & ~7U;
}

/* fs/checkpoint/image.c's; only ever called with @crc 0. */
static inline u32 ckpt_image_crc(const void *data, size_t n, u32 crc)
{
	(void)crc;
	return crc32_zlib(data, n);
}

struct rnd_state {
	u32 s1, s2, s3, s4;
};

/* lib/random32.c */
static inline u32 prandom_u32_state(struct rnd_state *state)
{
#define TAUSWORTHE(s, a, b, c, d) ((s & c) << d) ^ (((s << a) ^ s) >> b)
	state->s1 = TAUSWORTHE(state->s1,  6U, 13U, 4294967294U, 18U);
	state->s2 = TAUSWORTHE(state->s2,  2U, 27U, 4294967288U,  2U);
	state->s3 = TAUSWORTHE(state->s3, 13U, 21U, 4294967280U,  7U);
	state->s4 = TAUSWORTHE(state->s4,  3U, 12U, 4294967168U, 13U);
#undef TAUSWORTHE
	return (state->s1 ^ state->s2 ^ state->s3 ^ state->s4);
}

/* include/linux/prandom.h */
static inline u32 __seed(u32 x, u32 m)
{
	return (x < m) ? x + m : x;
}

static inline void prandom_seed_state(struct rnd_state *state, u64 seed)
{
	u32 i = ((seed >> 32) ^ (seed << 10) ^ seed) & 0xffffffffUL;

	state->s1 = __seed(i,   2U);
	state->s2 = __seed(i,   8U);
	state->s3 = __seed(i,  16U);
	state->s4 = __seed(i, 128U);
}

#endif /* IMAGE_MUTATE_COMPAT_H */
