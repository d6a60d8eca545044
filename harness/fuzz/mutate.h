/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mutate: seeded, structure-aware mutations of checkpoint images
 * (kernel/include/uapi/linux/checkpoint.h), for image-fuzz.c.
 *
 * One mutation is a pure function of (seed, index, input image): the same
 * triple always gives the same bytes and the same description, so any
 * mutation can be replayed alone.
 */
#ifndef IMAGE_MUTATE_H
#define IMAGE_MUTATE_H

#include <stddef.h>
#include <stdint.h>

/* Room a mutated image may need beyond its input (duplicated records). */
#define MUTATE_SLACK 8192

/* splitmix64: a small PRNG whose whole state is one word. */
struct rng {
	uint64_t s;
};

void rng_init(struct rng *r, uint64_t seed, uint64_t index);
uint64_t rng_next(struct rng *r);
/* Uniform in [0, n); n > 0. */
uint32_t rng_below(struct rng *r, uint32_t n);

/*
 * Mutates the len-byte image in buf (capacity len + MUTATE_SLACK) with one
 * to three mutations drawn from r, and usually repairs the trailer so the
 * result reaches the parser behind the checksum.  Returns the new length;
 * what it did goes to desc (human-readable, NUL-terminated).
 */
size_t image_mutate(unsigned char *buf, size_t len, struct rng *r,
		    char *desc, size_t desc_len);

/*
 * Recomputes the trailer of the image: its counts (if counts) from the
 * records a walk finds, and its checksum.  Does nothing unless the image
 * ends in a trailer-sized TRAILER record.
 */
void image_fix_trailer(unsigned char *buf, size_t len, int counts);

#endif /* IMAGE_MUTATE_H */
