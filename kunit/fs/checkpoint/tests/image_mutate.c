// SPDX-License-Identifier: GPL-2.0
/*
 * The image mutation engine (see image_mutate.h).  Mutations: bit flips,
 * truncation (with and without a fresh trailer), edits of record lengths,
 * objrefs, types, counts and fd numbers (half the count edits resize
 * their record to agree), and duplicated, dropped or reordered records;
 * then the trailer's checksum, and its counts, repaired or not.
 *
 * It only transforms bytes: it compiles in the kernel and, against
 * harness/fuzz/image-mutate-compat.h, in userspace.
 */
#include "image_mutate.h"

#ifdef __KERNEL__
#include <linux/bits.h>
#include <linux/build_bug.h>
#include <linux/kernel.h>
#include <linux/limits.h>
#include <linux/stddef.h>
#include <linux/string.h>

#include "../internal.h"
#endif

/*
 * Where the entries of FD, ITEMS and READY records start.  It is one
 * offset for all three, and imut_resize() grows a record of any type by
 * repeating its bytes from there.
 */
#define IMUT_ENTRIES_OFF	((u32)offsetof(struct ckpt_rec_fd, entries))
static_assert(offsetof(struct ckpt_rec_epoll_items, items) == IMUT_ENTRIES_OFF);
static_assert(offsetof(struct ckpt_rec_epoll_ready, ready) == IMUT_ENTRIES_OFF);

/*
 * The fields read or written as u32s: by IMUT_U32(), imut_rec_u32() and
 * imut_resize(); by imut_other_fd(), every IMUT_FD field; and by
 * imut_len_for_count(), the counts it resizes a record for.
 */
static_assert(sizeof_field(struct ckpt_hdr, type) == sizeof(u32));
static_assert(sizeof_field(struct ckpt_hdr, len) == sizeof(u32));
static_assert(sizeof_field(struct ckpt_rec_file, file_type) == sizeof(u32));
static_assert(sizeof_field(struct ckpt_rec_file, f_mode) == sizeof(u32));
static_assert(sizeof_field(struct ckpt_file_regular, path_len) == sizeof(u32));
static_assert(sizeof_field(struct ckpt_file_epoll, nitems) == sizeof(u32));
static_assert(sizeof_field(struct ckpt_file_epoll, nready) == sizeof(u32));
static_assert(sizeof_field(struct ckpt_rec_pipe, nbytes) == sizeof(u32));
static_assert(sizeof_field(struct ckpt_rec_fd, count) == sizeof(u32));
static_assert(sizeof_field(struct ckpt_fd_entry, fd) == sizeof(u32));
static_assert(sizeof_field(struct ckpt_rec_epoll_items, count) == sizeof(u32));
static_assert(sizeof_field(struct ckpt_epoll_item, fd) == sizeof(u32));
static_assert(sizeof_field(struct ckpt_rec_epoll_ready, epoll_objref) ==
	      sizeof(u32));
static_assert(sizeof_field(struct ckpt_rec_epoll_ready, count) == sizeof(u32));
static_assert(sizeof_field(struct ckpt_epoll_ready, fd) == sizeof(u32));

enum imut_kind {
	IMUT_LEN,
	IMUT_OBJREF,
	IMUT_TYPE,
	IMUT_COUNT,
	IMUT_FD,
	IMUT_ANY,
};

static const char *const imut_kind_name[] = {
	"length", "objref", "type", "count", "fd", "field",
};

/* A record of the image, as a walk from offset 0 finds it. */
u32 imut_below(struct imut *im, u32 n)
{
	return prandom_u32_state(im->rnd) % n;
}

static u64 imut_u64(struct imut *im)
{
	return (u64)prandom_u32_state(im->rnd) << 32 |
	       prandom_u32_state(im->rnd);
}

void imut_say(struct imut *im, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	im->desc_used += vscnprintf(im->desc + im->desc_used,
				    sizeof(im->desc) - im->desc_used, fmt, ap);
	va_end(ap);
}

static u64 imut_get(const u8 *p, unsigned int size)
{
	switch (size) {
	case 1:
		return *p;
	case 2:
		return get_unaligned_le16(p);
	case 4:
		return get_unaligned_le32(p);
	default:
		return get_unaligned_le64(p);
	}
}

static void imut_put(u8 *p, unsigned int size, u64 v)
{
	switch (size) {
	case 1:
		*p = v;
		break;
	case 2:
		put_unaligned_le16(v, p);
		break;
	case 4:
		put_unaligned_le32(v, p);
		break;
	default:
		put_unaligned_le64(v, p);
	}
}

/* ---- the records and fields of an image ---- */

/*
 * The u32 at @off of record @r, or 0 if @r is shorter than the shortest
 * record that holds it (record lengths are multiples of 8).
 */
static u32 imut_rec_u32(const struct imut *im, const struct imut_rec *r,
			u32 off)
{
	return r->len >= ckpt_padded(off + sizeof(u32)) ?
	       get_unaligned_le32(im->buf + r->off + off) : 0;
}

static int imut_walk(const u8 *buf, u32 len, struct imut_rec *recs)
{
	u32 pos = 0;
	int n = 0;

	while (n < IMUT_MAX_RECS && len - pos >= sizeof(struct ckpt_hdr)) {
		u32 type = IMUT_U32(buf + pos, struct ckpt_hdr, type);
		u32 rlen = IMUT_U32(buf + pos, struct ckpt_hdr, len);

		if (rlen < sizeof(struct ckpt_hdr) || rlen % 8 || rlen > len - pos)
			break;
		recs[n++] = (struct imut_rec){ .off = pos, .type = type,
					       .len = rlen };
		pos += rlen;
	}
	return n;
}

void imut_rewalk(struct imut *im)
{
	im->nrecs = imut_walk(im->buf, im->len, im->recs);
}

void imut_reset(struct imut *im, const u8 *image, u32 len)
{
	memcpy(im->buf, image, len);
	im->len = len;
	im->no_fix = false;
	im->touched_trailer = false;
	im->desc[0] = '\0';
	im->desc_used = 0;
	imut_rewalk(im);
}

/* Recomputes the checksum of a trailer at the very end; @counts too. */
void imut_fix_trailer(struct imut *im, bool counts)
{
	struct ckpt_rec_trailer t;
	int n, i;
	u32 body;

	if (im->len < IMUT_TRAILER_LEN)
		return;
	body = im->len - IMUT_TRAILER_LEN;
	memcpy(&t, im->buf + body, sizeof(t));
	if (t.h.type != CKPT_REC_TRAILER || t.h.len != IMUT_TRAILER_LEN)
		return;
	n = imut_walk(im->buf, body, im->recs);
	if (counts && n && im->recs[n - 1].off + im->recs[n - 1].len == body) {
		t.nobjects = 0;
		t.nfds = 0;
		t.nitems = 0;
		t.nready = 0;
		t.nrecords = 0;
		for (i = 0; i < n; i++) {
			const struct imut_rec *r = &im->recs[i];

			t.nrecords++;
			if (r->type == CKPT_REC_FILE || r->type == CKPT_REC_PIPE ||
			    r->type == CKPT_REC_UNIX_PAIR)
				t.nobjects++;
			else if (r->type == CKPT_REC_FD)
				t.nfds += imut_rec_u32(im, r,
						       offsetof(struct ckpt_rec_fd,
								count));
			else if (r->type == CKPT_REC_EPOLL_ITEMS)
				t.nitems += imut_rec_u32(im, r,
							 offsetof(struct ckpt_rec_epoll_items,
								  count));
			else if (r->type == CKPT_REC_EPOLL_READY)
				t.nready += imut_rec_u32(im, r,
							 offsetof(struct ckpt_rec_epoll_ready,
								  count));
		}
	}
	t.checksum = ckpt_image_crc(im->buf, body, 0);
	memcpy(im->buf + body, &t, sizeof(t));
}

static void imut_add(struct imut *im, int r, u32 off, u8 size, u8 kind)
{
	const struct imut_rec *rec = &im->recs[r];

	if (im->nfields < IMUT_MAX_FIELDS && off + size <= rec->len)
		im->fields[im->nfields++] = (struct imut_field){
			.off = rec->off + off, .size = size, .kind = kind,
			.rec = r,
		};
}

struct imut_layout {
	u8 off;
	u8 size;
	u8 kind;
};

/* Member @m of @type; byte @i of what follows a @type. */
#define IMUT_L(type, m, kind)	{ offsetof(type, m), sizeof_field(type, m), kind }
#define IMUT_AFTER(type, i, kind)	{ sizeof(type) + (i), 1, kind }

/* imut_layout.off is a u8: the largest struct a layout describes fits. */
static_assert(sizeof(struct ckpt_rec_header) <= U8_MAX);

/* Layouts end with an entry of size 0. */
static void imut_add_layout(struct imut *im, int r, u32 base,
			    const struct imut_layout *l)
{
	for (; l->size; l++)
		imut_add(im, r, base + l->off, l->size, l->kind);
}

/*
 * Entries of FD, ITEMS and READY records, @esize bytes each from @first,
 * as many as the record holds.
 */
static void imut_add_entries(struct imut *im, int r, u32 first, u32 esize,
			     const struct imut_layout *l)
{
	u32 e;

	for (e = first; e + esize <= im->recs[r].len; e += esize)
		imut_add_layout(im, r, e, l);
}

static const struct imut_layout imut_hdr_fields[] = {
	IMUT_L(struct ckpt_hdr, type, IMUT_TYPE),
	IMUT_L(struct ckpt_hdr, len, IMUT_LEN),
	{}
};

/* The fields, then the release's first and last bytes. */
static const struct imut_layout imut_header_fields[] = {
	IMUT_L(struct ckpt_rec_header, magic, IMUT_ANY),
	IMUT_L(struct ckpt_rec_header, version, IMUT_ANY),
	IMUT_L(struct ckpt_rec_header, arch, IMUT_ANY),
	IMUT_L(struct ckpt_rec_header, flags, IMUT_ANY),
	IMUT_L(struct ckpt_rec_header, release[0], IMUT_ANY),
	IMUT_L(struct ckpt_rec_header, release[CKPT_RELEASE_LEN - 1], IMUT_ANY),
	{}
};

static const struct imut_layout imut_file_fields[] = {
	IMUT_L(struct ckpt_rec_file, objref, IMUT_OBJREF),
	IMUT_L(struct ckpt_rec_file, file_type, IMUT_TYPE),
	IMUT_L(struct ckpt_rec_file, f_flags, IMUT_ANY),
	IMUT_L(struct ckpt_rec_file, f_mode, IMUT_TYPE),
	IMUT_L(struct ckpt_rec_file, f_pos, IMUT_ANY),
	{}
};

/*
 * The type-specific parts of FILE records, at IMUT_FILE_SPEC.  A regular
 * file's is followed by its path: its first two bytes are fields too.
 */
static const struct imut_layout imut_regular_fields[] = {
	IMUT_L(struct ckpt_file_regular, path_len, IMUT_COUNT),
	IMUT_L(struct ckpt_file_regular, __pad, IMUT_ANY),
	IMUT_AFTER(struct ckpt_file_regular, 0, IMUT_ANY),
	IMUT_AFTER(struct ckpt_file_regular, 1, IMUT_ANY),
	{}
};

static const struct imut_layout imut_pipe_end_fields[] = {
	IMUT_L(struct ckpt_file_pipe, pipe_objref, IMUT_OBJREF),
	IMUT_L(struct ckpt_file_pipe, end, IMUT_TYPE),
	{}
};

static const struct imut_layout imut_unix_end_fields[] = {
	IMUT_L(struct ckpt_file_unix, pair_objref, IMUT_OBJREF),
	IMUT_L(struct ckpt_file_unix, end, IMUT_TYPE),
	{}
};

static const struct imut_layout imut_eventfd_fields[] = {
	IMUT_L(struct ckpt_file_eventfd, count, IMUT_COUNT),
	IMUT_L(struct ckpt_file_eventfd, efd_flags, IMUT_TYPE),
	IMUT_L(struct ckpt_file_eventfd, __pad, IMUT_ANY),
	{}
};

static const struct imut_layout imut_epoll_fields[] = {
	IMUT_L(struct ckpt_file_epoll, busy_poll_usecs, IMUT_ANY),
	IMUT_L(struct ckpt_file_epoll, busy_poll_budget, IMUT_ANY),
	IMUT_L(struct ckpt_file_epoll, prefer_busy_poll, IMUT_ANY),
	IMUT_L(struct ckpt_file_epoll, __pad, IMUT_ANY),
	IMUT_L(struct ckpt_file_epoll, nitems, IMUT_COUNT),
	IMUT_L(struct ckpt_file_epoll, nready, IMUT_COUNT),
	{}
};

static const struct imut_layout imut_timerfd_fields[] = {
	IMUT_L(struct ckpt_file_timerfd, clockid, IMUT_TYPE),
	IMUT_L(struct ckpt_file_timerfd, settime_flags, IMUT_TYPE),
	IMUT_L(struct ckpt_file_timerfd, value_ns, IMUT_ANY),
	IMUT_L(struct ckpt_file_timerfd, interval_ns, IMUT_ANY),
	IMUT_L(struct ckpt_file_timerfd, ticks, IMUT_COUNT),
	IMUT_L(struct ckpt_file_timerfd, state, IMUT_TYPE),
	IMUT_L(struct ckpt_file_timerfd, __pad, IMUT_ANY),
	{}
};

static const struct imut_layout imut_signalfd_fields[] = {
	IMUT_L(struct ckpt_file_signalfd, sigmask, IMUT_ANY),
	{}
};

/* The fields, then the first byte of the pipe's data. */
static const struct imut_layout imut_pipe_fields[] = {
	IMUT_L(struct ckpt_rec_pipe, objref, IMUT_OBJREF),
	IMUT_L(struct ckpt_rec_pipe, capacity, IMUT_COUNT),
	IMUT_L(struct ckpt_rec_pipe, nbytes, IMUT_COUNT),
	IMUT_L(struct ckpt_rec_pipe, __pad, IMUT_ANY),
	IMUT_AFTER(struct ckpt_rec_pipe, 0, IMUT_ANY),
	{}
};

/* The fields of both ends, then the first byte of the lengths or data. */
static const struct imut_layout imut_unix_pair_fields[] = {
	IMUT_L(struct ckpt_rec_unix_pair, objref, IMUT_OBJREF),
	IMUT_L(struct ckpt_rec_unix_pair, sock_type, IMUT_TYPE),
	IMUT_L(struct ckpt_rec_unix_pair, ends[0].flags, IMUT_TYPE),
	IMUT_L(struct ckpt_rec_unix_pair, ends[0].shutdown, IMUT_TYPE),
	IMUT_L(struct ckpt_rec_unix_pair, ends[0].err, IMUT_ANY),
	IMUT_L(struct ckpt_rec_unix_pair, ends[0].sndbuf, IMUT_ANY),
	IMUT_L(struct ckpt_rec_unix_pair, ends[0].rcvbuf, IMUT_ANY),
	IMUT_L(struct ckpt_rec_unix_pair, ends[0].peek_off, IMUT_ANY),
	IMUT_L(struct ckpt_rec_unix_pair, ends[0].nmsgs, IMUT_COUNT),
	IMUT_L(struct ckpt_rec_unix_pair, ends[0].nbytes, IMUT_COUNT),
	IMUT_L(struct ckpt_rec_unix_pair, ends[1].flags, IMUT_TYPE),
	IMUT_L(struct ckpt_rec_unix_pair, ends[1].shutdown, IMUT_TYPE),
	IMUT_L(struct ckpt_rec_unix_pair, ends[1].err, IMUT_ANY),
	IMUT_L(struct ckpt_rec_unix_pair, ends[1].sndbuf, IMUT_ANY),
	IMUT_L(struct ckpt_rec_unix_pair, ends[1].rcvbuf, IMUT_ANY),
	IMUT_L(struct ckpt_rec_unix_pair, ends[1].peek_off, IMUT_ANY),
	IMUT_L(struct ckpt_rec_unix_pair, ends[1].nmsgs, IMUT_COUNT),
	IMUT_L(struct ckpt_rec_unix_pair, ends[1].nbytes, IMUT_COUNT),
	IMUT_AFTER(struct ckpt_rec_unix_pair, 0, IMUT_ANY),
	{}
};

static const struct imut_layout imut_fd_fields[] = {
	IMUT_L(struct ckpt_rec_fd, count, IMUT_COUNT),
	IMUT_L(struct ckpt_rec_fd, __pad, IMUT_ANY),
	{}
};

static const struct imut_layout imut_fd_entry[] = {
	IMUT_L(struct ckpt_fd_entry, fd, IMUT_FD),
	IMUT_L(struct ckpt_fd_entry, objref, IMUT_OBJREF),
	IMUT_L(struct ckpt_fd_entry, flags, IMUT_TYPE),
	IMUT_L(struct ckpt_fd_entry, __pad, IMUT_ANY),
	{}
};

static const struct imut_layout imut_items_fields[] = {
	IMUT_L(struct ckpt_rec_epoll_items, epoll_objref, IMUT_OBJREF),
	IMUT_L(struct ckpt_rec_epoll_items, count, IMUT_COUNT),
	{}
};

static const struct imut_layout imut_item_entry[] = {
	IMUT_L(struct ckpt_epoll_item, data, IMUT_ANY),
	IMUT_L(struct ckpt_epoll_item, fd, IMUT_FD),
	IMUT_L(struct ckpt_epoll_item, target_objref, IMUT_OBJREF),
	IMUT_L(struct ckpt_epoll_item, events, IMUT_TYPE),
	{}
};

static const struct imut_layout imut_ready_fields[] = {
	IMUT_L(struct ckpt_rec_epoll_ready, epoll_objref, IMUT_OBJREF),
	IMUT_L(struct ckpt_rec_epoll_ready, count, IMUT_COUNT),
	{}
};

static const struct imut_layout imut_ready_entry[] = {
	IMUT_L(struct ckpt_epoll_ready, fd, IMUT_FD),
	IMUT_L(struct ckpt_epoll_ready, target_objref, IMUT_OBJREF),
	{}
};

static const struct imut_layout imut_trailer_fields[] = {
	IMUT_L(struct ckpt_rec_trailer, nobjects, IMUT_COUNT),
	IMUT_L(struct ckpt_rec_trailer, nfds, IMUT_COUNT),
	IMUT_L(struct ckpt_rec_trailer, nitems, IMUT_COUNT),
	IMUT_L(struct ckpt_rec_trailer, nready, IMUT_COUNT),
	IMUT_L(struct ckpt_rec_trailer, nrecords, IMUT_COUNT),
	IMUT_L(struct ckpt_rec_trailer, checksum, IMUT_ANY),
	{}
};

static void imut_add_file(struct imut *im, int r)
{
	const struct imut_rec *rec = &im->recs[r];
	u32 type = imut_rec_u32(im, rec,
				offsetof(struct ckpt_rec_file, file_type));

	imut_add_layout(im, r, 0, imut_file_fields);
	if (type == CKPT_FILE_REGULAR)
		imut_add_layout(im, r, IMUT_FILE_SPEC, imut_regular_fields);
	else if (type == CKPT_FILE_PIPE)
		imut_add_layout(im, r, IMUT_FILE_SPEC, imut_pipe_end_fields);
	else if (type == CKPT_FILE_EVENTFD)
		imut_add_layout(im, r, IMUT_FILE_SPEC, imut_eventfd_fields);
	else if (type == CKPT_FILE_EPOLL)
		imut_add_layout(im, r, IMUT_FILE_SPEC, imut_epoll_fields);
	else if (type == CKPT_FILE_TIMERFD)
		imut_add_layout(im, r, IMUT_FILE_SPEC, imut_timerfd_fields);
	else if (type == CKPT_FILE_SIGNALFD)
		imut_add_layout(im, r, IMUT_FILE_SPEC, imut_signalfd_fields);
	else if (type == CKPT_FILE_UNIX)
		imut_add_layout(im, r, IMUT_FILE_SPEC, imut_unix_end_fields);
}

static void imut_collect(struct imut *im)
{
	int r;

	im->nfields = 0;
	for (r = 0; r < im->nrecs; r++) {
		imut_add_layout(im, r, 0, imut_hdr_fields);
		switch (im->recs[r].type) {
		case CKPT_REC_HEADER:
			imut_add_layout(im, r, 0, imut_header_fields);
			break;
		case CKPT_REC_FILE:
			imut_add_file(im, r);
			break;
		case CKPT_REC_PIPE:
			imut_add_layout(im, r, 0, imut_pipe_fields);
			break;
		case CKPT_REC_UNIX_PAIR:
			imut_add_layout(im, r, 0, imut_unix_pair_fields);
			break;
		case CKPT_REC_FD:
			imut_add_layout(im, r, 0, imut_fd_fields);
			imut_add_entries(im, r,
					 offsetof(struct ckpt_rec_fd, entries),
					 sizeof(struct ckpt_fd_entry),
					 imut_fd_entry);
			break;
		case CKPT_REC_EPOLL_ITEMS:
			imut_add_layout(im, r, 0, imut_items_fields);
			imut_add_entries(im, r,
					 offsetof(struct ckpt_rec_epoll_items, items),
					 sizeof(struct ckpt_epoll_item),
					 imut_item_entry);
			break;
		case CKPT_REC_EPOLL_READY:
			imut_add_layout(im, r, 0, imut_ready_fields);
			imut_add_entries(im, r,
					 offsetof(struct ckpt_rec_epoll_ready, ready),
					 sizeof(struct ckpt_epoll_ready),
					 imut_ready_entry);
			break;
		case CKPT_REC_TRAILER:
			imut_add_layout(im, r, 0, imut_trailer_fields);
			break;
		}
	}
}

/* ---- mutations ---- */

static const u32 imut_u32s[] = {
	0, 1, 2, 3, 7, 8, 16, 0x7f, 0x80, 0xff, 0x100, 0x101, 0xfff, 0x1000,
	0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xfffffff8, 0xfffffffe,
	0xffffffff,
};

static const u64 imut_u64s[] = {
	0, 1, 2, 0x7fffffff, 0xffffffff, 0x100000000ULL, S64_MAX, S64_MIN,
	U64_MAX - 1, U64_MAX,
};

static const s32 imut_fds[] = {
	-1, 0, 1, IMUT_SENTINEL_FD, 3, 4, 5, 9, 10, 63, 64, 255, 256, 1023,
	1024, 65536, S32_MAX, S32_MIN,
};

static u32 imut_pick32(struct imut *im)
{
	return imut_u32s[imut_below(im, ARRAY_SIZE(imut_u32s))];
}

static u64 imut_pick64(struct imut *im)
{
	return imut_u64s[imut_below(im, ARRAY_SIZE(imut_u64s))];
}

static u32 imut_pick_fd(struct imut *im)
{
	return imut_fds[imut_below(im, ARRAY_SIZE(imut_fds))];
}

/* An fd number some other field of the image holds: a collision. */
static u32 imut_other_fd(struct imut *im)
{
	u32 n = 0, pick;
	int i;

	for (i = 0; i < im->nfields; i++)
		n += im->fields[i].kind == IMUT_FD;
	if (!n)
		return 0;
	pick = imut_below(im, n);
	for (i = 0; i < im->nfields; i++)
		if (im->fields[i].kind == IMUT_FD && !pick--)
			break;
	return get_unaligned_le32(im->buf + im->fields[i].off);
}

static u32 imut_nobjects(struct imut *im)
{
	u32 n = 0;
	int r;

	for (r = 0; r < im->nrecs; r++)
		n += im->recs[r].type == CKPT_REC_FILE ||
		     im->recs[r].type == CKPT_REC_PIPE;
	return n;
}

static u32 imut_value32(struct imut *im, const struct imut_field *f, u32 old)
{
	u32 c = imut_below(im, 8);

	switch (f->kind) {
	case IMUT_OBJREF:
		return c < 4 ? imut_below(im, imut_nobjects(im) + 2) :
		       c < 6 ? imut_pick32(im) : old ^ 1;
	case IMUT_FD:
		return c < 3 ? imut_pick_fd(im) :
		       c < 5 ? imut_other_fd(im) :
		       old + 1 - 2 * imut_below(im, 2);
	case IMUT_TYPE:
		return c < 5 ? imut_below(im, 10) :
		       c < 7 ? old ^ BIT(imut_below(im, 32)) : U32_MAX;
	case IMUT_LEN:
		return c < 2 ? imut_pick32(im) :
		       c < 5 ? old + 8 * imut_below(im, 5) - 16 :
		       c < 6 ? old + 1 - 2 * imut_below(im, 2) :
		       c < 7 ? old * 2 : 8 * imut_below(im, 1024);
	case IMUT_COUNT:
		return c < 3 ? imut_pick32(im) :
		       c < 6 ? old + imut_below(im, 5) - 2 :
		       c < 7 ? old * 2 + imut_below(im, 2) : imut_below(im, 520);
	default:
		return c < 4 ? imut_pick32(im) :
		       c < 6 ? old ^ BIT(imut_below(im, 32)) :
		       prandom_u32_state(im->rnd);
	}
}

static u64 imut_value(struct imut *im, const struct imut_field *f, u64 old)
{
	u32 c = imut_below(im, 8);

	switch (f->size) {
	case 1:
		return c < 4 ? imut_pick32(im) : imut_below(im, 256);
	case 2:
		return c < 4 ? imut_pick32(im) : imut_below(im, 65536);
	case 8:
		return c < 3 ? imut_pick64(im) :
		       c < 5 ? old + 1 - 2 * imut_below(im, 2) :
		       c < 6 ? old ^ BIT_ULL(imut_below(im, 64)) : imut_u64(im);
	default:
		return imut_value32(im, f, old);
	}
}

/*
 * Grows or shrinks record @r to @len bytes at its end; grown bytes repeat
 * its bytes from IMUT_ENTRIES_OFF (its entries, or its payload), so arrays
 * grow by copies.
 */
static void imut_resize(struct imut *im, int r, u32 len)
{
	const struct imut_rec *rec = &im->recs[r];
	u32 end = rec->off + rec->len, i;

	if (len < sizeof(struct ckpt_hdr) || len % 8 || len == rec->len)
		return;
	if (len > rec->len) {
		u32 grow = len - rec->len;

		if (grow > im->cap - im->len)
			return;
		memmove(im->buf + end + grow, im->buf + end, im->len - end);
		for (i = 0; i < grow; i++)
			im->buf[end + i] = rec->len > IMUT_ENTRIES_OFF ?
				im->buf[rec->off + IMUT_ENTRIES_OFF +
					i % (rec->len - IMUT_ENTRIES_OFF)] : 0;
		im->len += grow;
	} else {
		memmove(im->buf + rec->off + len, im->buf + end, im->len - end);
		im->len -= rec->len - len;
	}
	put_unaligned_le32(len, IMUT_AT(im->buf + rec->off, struct ckpt_hdr, len));
	imut_say(im, ", record resized %u->%u", rec->len, len);
}

/*
 * The length record @r must have for the count @f now holds, computed in
 * 32 bits as the format defines it, or 0 if the count sizes nothing.
 */
static u32 imut_len_for_count(struct imut *im, const struct imut_field *f)
{
	const struct imut_rec *rec = &im->recs[f->rec];
	u32 at = f->off - rec->off;
	u32 v = get_unaligned_le32(im->buf + f->off);

	switch (rec->type) {
	case CKPT_REC_FD:
		return at == offsetof(struct ckpt_rec_fd, count) ?
		       (u32)offsetof(struct ckpt_rec_fd, entries) +
		       v * (u32)sizeof(struct ckpt_fd_entry) : 0;
	case CKPT_REC_EPOLL_ITEMS:
		return at == offsetof(struct ckpt_rec_epoll_items, count) ?
		       ckpt_padded(offsetof(struct ckpt_rec_epoll_items, items) +
				   v * (u32)sizeof(struct ckpt_epoll_item)) : 0;
	case CKPT_REC_EPOLL_READY:
		return at == offsetof(struct ckpt_rec_epoll_ready, count) ?
		       (u32)offsetof(struct ckpt_rec_epoll_ready, ready) +
		       v * (u32)sizeof(struct ckpt_epoll_ready) : 0;
	case CKPT_REC_PIPE:
		return at == offsetof(struct ckpt_rec_pipe, nbytes) ?
		       (u32)sizeof(struct ckpt_rec_pipe) + ckpt_padded(v) : 0;
	case CKPT_REC_FILE:
		if (at != IMUT_FILE_SPEC +
			  offsetof(struct ckpt_file_regular, path_len) ||
		    IMUT_U32(im->buf + rec->off, struct ckpt_rec_file,
			     file_type) != CKPT_FILE_REGULAR)
			return 0;
		return ckpt_padded(sizeof(struct ckpt_rec_file) +
				   sizeof(struct ckpt_file_regular) + v + 1);
	}
	return 0;
}

static void imut_bitflip(struct imut *im)
{
	u32 n = 1 + imut_below(im, 4), i;

	imut_say(im, "bitflip");
	for (i = 0; i < n && im->len; i++) {
		u32 off = imut_below(im, im->len);
		u32 bit = imut_below(im, 8);

		im->buf[off] ^= BIT(bit);
		imut_say(im, " %u.%u", off, bit);
		if (off + IMUT_TRAILER_LEN >= im->len)
			im->touched_trailer = true;
	}
}

void imut_truncate(struct imut *im, u32 to)
{
	imut_say(im, "truncate %u->%u", im->len, to);
	im->len = to;
	im->no_fix = true;
}

/* Truncates at @to and appends a trailer; imut_fix_trailer() fills it. */
void imut_truncate_new_trailer(struct imut *im, u32 to)
{
	struct ckpt_rec_trailer t = {
		.h = { CKPT_REC_TRAILER, IMUT_TRAILER_LEN },
	};

	imut_say(im, "truncate %u->%u, new trailer", im->len, to);
	memcpy(im->buf + to, &t, sizeof(t));
	im->len = to + sizeof(t);
}

/* Edits one field of @kind (IMUT_ANY: of any kind). */
static void imut_field(struct imut *im, enum imut_kind kind)
{
	const struct imut_field *f;
	u32 nmatch = 0, pick, len;
	u64 old, val;
	int i;

	imut_collect(im);
	for (i = 0; i < im->nfields; i++)
		nmatch += kind == IMUT_ANY || im->fields[i].kind == kind;
	if (!nmatch)
		return imut_bitflip(im);
	pick = imut_below(im, nmatch);
	for (i = 0; i < im->nfields; i++)
		if ((kind == IMUT_ANY || im->fields[i].kind == kind) && !pick--)
			break;
	f = &im->fields[i];
	old = imut_get(im->buf + f->off, f->size);
	val = imut_value(im, f, old);
	imut_put(im->buf + f->off, f->size, val);
	imut_say(im, "%s @%u (record type %u) %#llx->%#llx",
		 imut_kind_name[kind], f->off, im->recs[f->rec].type, old,
		 imut_get(im->buf + f->off, f->size));
	if (im->recs[f->rec].type == CKPT_REC_TRAILER)
		im->touched_trailer = true;
	/* Half the count edits keep the record's length in agreement. */
	if (f->kind == IMUT_COUNT && f->size == 4 && imut_below(im, 2)) {
		len = imut_len_for_count(im, f);
		if (len)
			imut_resize(im, f->rec, len);
	}
}

/* Records other than a final trailer, for the record-level mutations. */
static int imut_body_recs(struct imut *im)
{
	int n = im->nrecs;

	return n && im->recs[n - 1].type == CKPT_REC_TRAILER ? n - 1 : n;
}

static u32 imut_rec_start(struct imut *im, int r)
{
	return r < im->nrecs ? im->recs[r].off : im->len;
}

static void imut_dup_record(struct imut *im)
{
	int nb = imut_body_recs(im), i, at;
	struct imut_rec rec;
	u32 to;

	if (!nb)
		return imut_bitflip(im);
	i = imut_below(im, nb);
	at = imut_below(im, nb + 1);
	rec = im->recs[i];
	if (rec.len > im->cap - im->len)
		return imut_bitflip(im);
	to = imut_rec_start(im, at);
	memcpy(im->tmp, im->buf + rec.off, rec.len);
	memmove(im->buf + to + rec.len, im->buf + to, im->len - to);
	memcpy(im->buf + to, im->tmp, rec.len);
	im->len += rec.len;
	imut_say(im, "dup record %d (type %u) before record %d", i, rec.type, at);
}

static void imut_drop_record(struct imut *im)
{
	int nb = imut_body_recs(im), i;
	struct imut_rec rec;

	if (!nb)
		return imut_bitflip(im);
	i = imut_below(im, nb);
	rec = im->recs[i];
	memmove(im->buf + rec.off, im->buf + rec.off + rec.len,
		im->len - rec.off - rec.len);
	im->len -= rec.len;
	imut_say(im, "drop record %d (type %u)", i, rec.type);
}

/* Moves a record before another: the next but one, or anywhere. */
static void imut_move_record(struct imut *im, bool adjacent)
{
	int nb = imut_body_recs(im), i, at;
	struct imut_rec rec;
	u32 to;

	if (nb < 2)
		return imut_bitflip(im);
	i = imut_below(im, nb - (adjacent ? 1 : 0));
	at = adjacent ? i + 2 : (int)imut_below(im, nb + 1);
	if (at == i || at == i + 1)
		at = i + 2 <= nb ? i + 2 : 0;
	rec = im->recs[i];
	to = imut_rec_start(im, at);
	memcpy(im->tmp, im->buf + rec.off, rec.len);
	if (to > rec.off) {
		memmove(im->buf + rec.off, im->buf + rec.off + rec.len,
			to - rec.off - rec.len);
		memcpy(im->buf + to - rec.len, im->tmp, rec.len);
	} else {
		memmove(im->buf + to + rec.len, im->buf + to, rec.off - to);
		memcpy(im->buf + to, im->tmp, rec.len);
	}
	imut_say(im, "%s record %d (type %u) before record %d",
		 adjacent ? "swap" : "move", i, rec.type, at);
}

/* Any one mutation, for stacking. */
static void imut_any(struct imut *im)
{
	u32 op = imut_below(im, 100);

	if (op < 14)
		imut_bitflip(im);
	else if (op < 18)
		imut_truncate(im, im->len ? imut_below(im, im->len) : 0);
	else if (op < 22 && im->nrecs > 1)
		imut_truncate_new_trailer(im, im->recs[imut_below(im, im->nrecs - 1)].off);
	else if (op < 30)
		imut_field(im, IMUT_LEN);
	else if (op < 40)
		imut_field(im, IMUT_OBJREF);
	else if (op < 48)
		imut_field(im, IMUT_TYPE);
	else if (op < 60)
		imut_field(im, IMUT_COUNT);
	else if (op < 70)
		imut_field(im, IMUT_FD);
	else if (op < 78)
		imut_field(im, IMUT_ANY);
	else if (op < 85)
		imut_dup_record(im);
	else if (op < 92)
		imut_drop_record(im);
	else
		imut_move_record(im, op < 96);
}

/*
 * Seven mutations in eight get a valid checksum, half of those with
 * counts that match their records, so they reach the checks behind the
 * trailer's; an edit of the trailer itself keeps its counts.
 */
void imut_finish(struct imut *im)
{
	u32 fix = imut_below(im, 8);

	if (im->no_fix || !fix) {
		imut_say(im, "; trailer kept");
	} else if (fix < 4 || im->touched_trailer) {
		imut_fix_trailer(im, false);
		imut_say(im, "; checksum fixed");
	} else {
		imut_fix_trailer(im, true);
		imut_say(im, "; counts and checksum fixed");
	}
}

void imut_mutate(struct imut *im, enum imut_op op)
{
	u32 n, i;

	switch (op) {
	case IMUT_OP_BITFLIP:
		return imut_bitflip(im);
	case IMUT_OP_LEN:
		return imut_field(im, IMUT_LEN);
	case IMUT_OP_OBJREF:
		return imut_field(im, IMUT_OBJREF);
	case IMUT_OP_TYPE:
		return imut_field(im, IMUT_TYPE);
	case IMUT_OP_COUNT:
		return imut_field(im, IMUT_COUNT);
	case IMUT_OP_FD:
		return imut_field(im, IMUT_FD);
	case IMUT_OP_DUP:
		return imut_dup_record(im);
	case IMUT_OP_DROP:
		return imut_drop_record(im);
	case IMUT_OP_REORDER:
		return imut_move_record(im, imut_below(im, 2));
	default:
		n = 2 + imut_below(im, 3);
		for (i = 0; i < n; i++) {
			if (i)
				imut_say(im, "; ");
			imut_rewalk(im);
			imut_any(im);
		}
	}
}
