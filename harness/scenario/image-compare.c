// SPDX-License-Identifier: GPL-2.0
/*
 * The image comparison of a scenario's original and its restored copy,
 * or of two checkpoints of one stopped process, for scenario-run and
 * fail-nth-sweep: byte for byte, but for the time left of an armed timer,
 * which keeps running: a restored copy's restart and run shift it by
 * microseconds (a sleep by up to a scheduler tick), even under time
 * travel.  Within SCN_TIMER_SLOP_NS the copy's value counts as the
 * original's.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/checkpoint.h>

#include "cr-util.h"
#include "scn.h"

#define SCN_TIMER_SLOP_NS 10000000

/*
 * Gives b's armed timers a's value where they differ by at most
 * SCN_TIMER_SLOP_NS, and b a's trailer (its checksum covers them).
 */
static void timers_as_in(const unsigned char *a, unsigned char *b, size_t len)
{
	for (size_t off = 0; off + sizeof(struct ckpt_hdr) <= len;) {
		struct ckpt_hdr *h = (void *)(b + off);
		const struct ckpt_hdr *ha = (const void *)(a + off);

		if (h->len < sizeof(*h) || off + h->len > len || ha->len != h->len ||
		    ha->type != h->type)
			return;
		if (h->type == CKPT_REC_TRAILER) {
			memcpy(h, ha, h->len);
			return;
		}
		if (h->type == CKPT_REC_FILE &&
		    h->len >= sizeof(struct ckpt_rec_file) + sizeof(struct ckpt_file_timerfd) &&
		    ((struct ckpt_rec_file *)h)->file_type == CKPT_FILE_TIMERFD) {
			struct ckpt_file_timerfd *t = (void *)(b + off + sizeof(struct ckpt_rec_file));
			const struct ckpt_file_timerfd *ta =
				(const void *)(a + off + sizeof(struct ckpt_rec_file));
			int64_t d = t->value_ns - ta->value_ns;

			if ((t->state & CKPT_TIMERFD_ARMED) && t->state == ta->state &&
			    t->settime_flags == ta->settime_flags && d <= SCN_TIMER_SLOP_NS && d >= -SCN_TIMER_SLOP_NS)
				t->value_ns = ta->value_ns;
		}
		off += h->len;
	}
}

bool scn_images_equal(int a, int b, const char *what)
{
	unsigned char *pa = NULL, *pb = NULL;
	ssize_t na = image_load(a, &pa), nb = image_load(b, &pb);
	bool same = false;
	int fb;

	if (na >= 0 && na == nb) {
		timers_as_in(pa, pb, nb);
		same = !memcmp(pa, pb, na);
	}
	if (!same && nb >= 0) {
		fb = image_create();
		if (fb >= 0 && image_fill(fb, pb, nb))
			images_equal(a, fb, what);
		else
			images_equal(a, b, what);
		if (fb >= 0)
			close(fb);
	}
	free(pa);
	free(pb);
	return same;
}
