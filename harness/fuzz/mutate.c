// SPDX-License-Identifier: GPL-2.0
/*
 * mutate: seeded, structure-aware mutations of checkpoint images.
 * See mutate.h.
 *
 * Mutations: bit flips and byte stores anywhere; truncation anywhere, or
 * at a record boundary with a fresh trailer; edits of one field chosen by
 * kind (record lengths, objrefs, types, counts, fd numbers, or any field);
 * and duplicated, dropped, swapped or moved records.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <linux/checkpoint.h>

#include "cr-util.h"
#include "mutate.h"

#define MAX_RECS 512
#define MAX_FIELDS 4096
#define TRAILER_LEN ((uint32_t)sizeof(struct ckpt_rec_trailer))

/* PRNG */

void rng_init(struct rng *r, uint64_t seed, uint64_t index)
{
	r->s = seed * 0x9e3779b97f4a7c15ULL ^ (index + 1) * 0xbf58476d1ce4e5b9ULL;
	rng_next(r);
}

uint64_t rng_next(struct rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

uint32_t rng_below(struct rng *r, uint32_t n)
{
	return (uint32_t)(rng_next(r) % n);
}

/*
 * Field positions and sizes, all from the structs of <linux/checkpoint.h>:
 * FIELD(struct, member) is the member's offset in its record (or entry)
 * and its size.
 */
#define MEMBER_SIZE(type, m) sizeof(((type *)0)->m)
#define FIELD(type, m) offsetof(type, m), MEMBER_SIZE(type, m)
/* Where a record's array of entries starts, and one entry's size. */
#define ENTRIES(type, m) offsetof(type, m), MEMBER_SIZE(type, m[0])

/* Little-endian field access (the image is little-endian, so is x86_64). */

static uint64_t get_field(const unsigned char *p, size_t size)
{
	uint64_t v = 0;

	memcpy(&v, p, size);
	return v;
}

static void put_field(unsigned char *p, size_t size, uint64_t v)
{
	memcpy(p, &v, size);
}

/* Records */

struct rec {
	size_t off;
	uint32_t type;
	uint32_t len;
};

/* A field of record r at (off, size) within it; 0 if the record is shorter. */
static uint64_t rec_field(const unsigned char *buf, const struct rec *r, size_t off,
			  size_t size)
{
	return off + size <= r->len ? get_field(buf + r->off + off, size) : 0;
}

/* The records a walk from offset 0 finds before the first bad length. */
static int walk(const unsigned char *buf, size_t len, struct rec *recs)
{
	int n = 0;

	for (size_t pos = 0; n < MAX_RECS && len - pos >= sizeof(struct ckpt_hdr);) {
		struct ckpt_hdr h;

		memcpy(&h, buf + pos, sizeof(h));
		if (h.len < sizeof(struct ckpt_hdr) || h.len % 8 || h.len > len - pos)
			break;
		recs[n++] = (struct rec){ .off = pos, .type = h.type, .len = h.len };
		pos += h.len;
	}
	return n;
}

void image_fix_trailer(unsigned char *buf, size_t len, int counts)
{
	struct rec recs[MAX_RECS];
	struct ckpt_rec_trailer t;
	size_t body;
	int n;

	if (len < TRAILER_LEN)
		return;
	body = len - TRAILER_LEN;
	memcpy(&t, buf + body, sizeof(t));
	if (t.h.type != CKPT_REC_TRAILER || t.h.len != TRAILER_LEN)
		return;
	n = walk(buf, body, recs);
	if (counts && n && recs[n - 1].off + recs[n - 1].len == body) {
		t.nobjects = t.nfds = t.nrecords = 0;
		t.nitems = t.nready = 0;
		for (int i = 0; i < n; i++) {
			const struct rec *r = &recs[i];

			t.nrecords++;
			switch (r->type) {
			case CKPT_REC_FILE:
			case CKPT_REC_PIPE:
				t.nobjects++;
				break;
			case CKPT_REC_FD:
				t.nfds += (uint32_t)rec_field(buf, r, FIELD(struct ckpt_rec_fd, count));
				break;
			case CKPT_REC_EPOLL_ITEMS:
				t.nitems += rec_field(buf, r, FIELD(struct ckpt_rec_epoll_items, count));
				break;
			case CKPT_REC_EPOLL_READY:
				t.nready += rec_field(buf, r, FIELD(struct ckpt_rec_epoll_ready, count));
				break;
			}
		}
	}
	t.checksum = crc32_zlib(buf, body);
	memcpy(buf + body, &t, sizeof(t));
}

/* Fields, by kind */

enum kind { K_LEN, K_OBJREF, K_TYPE, K_COUNT, K_FD, K_ANY, NKINDS };

static const char *const kind_name[NKINDS] = {
	"length", "objref", "type", "count", "fd", "field",
};

struct field {
	size_t off;		/* in the image */
	size_t size;
	enum kind kind;
	uint32_t rec_type;
};

struct fields {
	int n;
	struct field f[MAX_FIELDS];
};

/* One field of a record or entry layout: where, how big, what it holds. */
struct layout {
	size_t off, size;
	enum kind kind;
};

#define L(type, m, kind) { FIELD(type, m), kind }
#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static const struct layout hdr_l[] = {
	L(struct ckpt_hdr, type, K_TYPE), L(struct ckpt_hdr, len, K_LEN),
};
static const struct layout header_l[] = {
	L(struct ckpt_rec_header, magic, K_ANY), L(struct ckpt_rec_header, version, K_ANY),
	L(struct ckpt_rec_header, arch, K_ANY), L(struct ckpt_rec_header, flags, K_ANY),
};
static const struct layout file_l[] = {
	L(struct ckpt_rec_file, objref, K_OBJREF), L(struct ckpt_rec_file, file_type, K_TYPE),
	L(struct ckpt_rec_file, f_flags, K_ANY), L(struct ckpt_rec_file, f_mode, K_TYPE),
	L(struct ckpt_rec_file, f_pos, K_ANY),
};
/* The type-specific parts, after struct ckpt_rec_file. */
static const struct layout regular_l[] = {
	L(struct ckpt_file_regular, path_len, K_COUNT), L(struct ckpt_file_regular, __pad, K_ANY),
};
static const struct layout pipe_end_l[] = {
	L(struct ckpt_file_pipe, pipe_objref, K_OBJREF), L(struct ckpt_file_pipe, end, K_TYPE),
};
static const struct layout eventfd_l[] = {
	L(struct ckpt_file_eventfd, count, K_COUNT), L(struct ckpt_file_eventfd, efd_flags, K_TYPE),
	L(struct ckpt_file_eventfd, __pad, K_ANY),
};
static const struct layout epoll_l[] = {
	L(struct ckpt_file_epoll, busy_poll_usecs, K_ANY),
	L(struct ckpt_file_epoll, busy_poll_budget, K_ANY),
	L(struct ckpt_file_epoll, prefer_busy_poll, K_ANY), L(struct ckpt_file_epoll, __pad, K_ANY),
	L(struct ckpt_file_epoll, nitems, K_COUNT), L(struct ckpt_file_epoll, nready, K_COUNT),
};
static const struct layout pipe_l[] = {
	L(struct ckpt_rec_pipe, objref, K_OBJREF), L(struct ckpt_rec_pipe, capacity, K_COUNT),
	L(struct ckpt_rec_pipe, nbytes, K_COUNT), L(struct ckpt_rec_pipe, __pad, K_ANY),
};
static const struct layout fd_l[] = {
	L(struct ckpt_rec_fd, count, K_COUNT), L(struct ckpt_rec_fd, __pad, K_ANY),
};
static const struct layout fd_entry_l[] = {
	L(struct ckpt_fd_entry, fd, K_FD), L(struct ckpt_fd_entry, objref, K_OBJREF),
	L(struct ckpt_fd_entry, flags, K_TYPE), L(struct ckpt_fd_entry, __pad, K_ANY),
};
static const struct layout items_l[] = {
	L(struct ckpt_rec_epoll_items, epoll_objref, K_OBJREF),
	L(struct ckpt_rec_epoll_items, count, K_COUNT),
};
static const struct layout item_l[] = {
	L(struct ckpt_epoll_item, data, K_ANY), L(struct ckpt_epoll_item, fd, K_FD),
	L(struct ckpt_epoll_item, target_objref, K_OBJREF), L(struct ckpt_epoll_item, events, K_ANY),
	L(struct ckpt_epoll_item, wake_order, K_ANY),
};
static const struct layout ready_l[] = {
	L(struct ckpt_rec_epoll_ready, epoll_objref, K_OBJREF),
	L(struct ckpt_rec_epoll_ready, count, K_COUNT),
};
static const struct layout ready_entry_l[] = {
	L(struct ckpt_epoll_ready, fd, K_FD), L(struct ckpt_epoll_ready, target_objref, K_OBJREF),
};
static const struct layout trailer_l[] = {
	L(struct ckpt_rec_trailer, nobjects, K_COUNT), L(struct ckpt_rec_trailer, nfds, K_COUNT),
	L(struct ckpt_rec_trailer, nitems, K_COUNT), L(struct ckpt_rec_trailer, nready, K_COUNT),
	L(struct ckpt_rec_trailer, nrecords, K_COUNT), L(struct ckpt_rec_trailer, checksum, K_ANY),
};

static void add(struct fields *fs, const struct rec *r, size_t off, size_t size,
		enum kind kind)
{
	if (fs->n < MAX_FIELDS && off + size <= r->len)
		fs->f[fs->n++] = (struct field){
			.off = r->off + off, .size = size, .kind = kind,
			.rec_type = r->type,
		};
}

/* The fields of layout l (nl of them), placed at base in record r. */
static void add_layout(struct fields *fs, const struct rec *r, size_t base,
		       const struct layout *l, size_t nl)
{
	for (size_t i = 0; i < nl; i++)
		add(fs, r, base + l[i].off, l[i].size, l[i].kind);
}

#define ADD(fs, r, base, l) add_layout(fs, r, base, l, NELEM(l))

/* Array entries of a FD, ITEMS or READY record from first on: as many as fit. */
static void add_entries(struct fields *fs, const struct rec *r, size_t first, size_t esize,
			const struct layout *l, size_t nl)
{
	for (size_t e = first; e + esize <= r->len; e += esize)
		add_layout(fs, r, e, l, nl);
}

#define ADD_ENTRIES(fs, r, type, m, l) add_entries(fs, r, ENTRIES(type, m), l, NELEM(l))

static void collect(const unsigned char *buf, const struct rec *recs, int n,
		    struct fields *fs)
{
	const size_t spec = sizeof(struct ckpt_rec_file);	/* the type-specific part */

	fs->n = 0;
	for (int i = 0; i < n; i++) {
		const struct rec *r = &recs[i];

		ADD(fs, r, 0, hdr_l);
		switch (r->type) {
		case CKPT_REC_HEADER:
			ADD(fs, r, 0, header_l);
			break;
		case CKPT_REC_FILE:
			ADD(fs, r, 0, file_l);
			switch (rec_field(buf, r, FIELD(struct ckpt_rec_file, file_type))) {
			case CKPT_FILE_REGULAR:
				ADD(fs, r, spec, regular_l);
				break;
			case CKPT_FILE_PIPE:
				ADD(fs, r, spec, pipe_end_l);
				break;
			case CKPT_FILE_EVENTFD:
				ADD(fs, r, spec, eventfd_l);
				break;
			case CKPT_FILE_EPOLL:
				ADD(fs, r, spec, epoll_l);
				break;
			}
			break;
		case CKPT_REC_PIPE:
			ADD(fs, r, 0, pipe_l);
			break;
		case CKPT_REC_FD:
			ADD(fs, r, 0, fd_l);
			ADD_ENTRIES(fs, r, struct ckpt_rec_fd, entries, fd_entry_l);
			break;
		case CKPT_REC_EPOLL_ITEMS:
			ADD(fs, r, 0, items_l);
			ADD_ENTRIES(fs, r, struct ckpt_rec_epoll_items, items, item_l);
			break;
		case CKPT_REC_EPOLL_READY:
			ADD(fs, r, 0, ready_l);
			ADD_ENTRIES(fs, r, struct ckpt_rec_epoll_ready, ready, ready_entry_l);
			break;
		case CKPT_REC_TRAILER:
			ADD(fs, r, 0, trailer_l);
			break;
		}
	}
}

/* Values */

static const uint32_t interesting32[] = {
	0, 1, 2, 3, 7, 8, 16, 0x7f, 0x80, 0xff, 0x100, 0x101, 0xfff, 0x1000,
	0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xfffffff8, 0xfffffffe,
	0xffffffff,
};

static const uint64_t interesting64[] = {
	0, 1, 2, 0x7fffffff, 0xffffffff, 0x100000000ULL, 0x7fffffffffffffffULL,
	0x8000000000000000ULL, 0xfffffffffffffffeULL, 0xffffffffffffffffULL,
};

static const int32_t interesting_fds[] = {
	-1, 0, 1, 2, 3, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 63, 64, 199,
	200, 201, 255, 256, 1023, 1024, 65536, 0x7fffffff, (int32_t)0x80000000,
};

#define PICK(rg, arr) (arr)[rng_below(rg, sizeof(arr) / sizeof((arr)[0]))]

static uint64_t new_value(struct rng *r, const struct field *f, uint64_t old,
			  uint32_t nobjs)
{
	uint32_t choice = rng_below(r, 8);

	if (f->size == 1)
		return choice < 4 ? PICK(r, interesting32) & 0xff : rng_below(r, 256);
	if (f->size == 2)
		return choice < 4 ? PICK(r, interesting32) & 0xffff : rng_below(r, 65536);
	if (f->size == 8)
		return choice < 3 ? PICK(r, interesting64) :
		       choice < 5 ? old + 1 - 2 * rng_below(r, 2) :
		       choice < 6 ? old ^ (1ULL << rng_below(r, 64)) : rng_next(r);
	switch (f->kind) {
	case K_OBJREF:
		return choice < 4 ? rng_below(r, nobjs + 2) :
		       choice < 6 ? PICK(r, interesting32) : (old ^ 1);
	case K_FD:
		return choice < 5 ? (uint32_t)PICK(r, interesting_fds) :
		       (uint32_t)(old + 1 - 2 * rng_below(r, 2));
	case K_TYPE:
		return choice < 5 ? rng_below(r, 10) :
		       choice < 7 ? old ^ (1U << rng_below(r, 32)) : 0xffffffff;
	case K_LEN:
		return choice < 2 ? PICK(r, interesting32) :
		       choice < 5 ? old + 8 * rng_below(r, 5) - 16 :
		       choice < 6 ? old + 1 - 2 * rng_below(r, 2) :
		       choice < 7 ? old * 2 : 8 * rng_below(r, 1024);
	case K_COUNT:
		return choice < 3 ? PICK(r, interesting32) :
		       choice < 6 ? old + rng_below(r, 5) - 2 :
		       choice < 7 ? old * 2 + rng_below(r, 2) : rng_below(r, 520);
	default:
		return choice < 4 ? PICK(r, interesting32) :
		       choice < 6 ? old ^ (1U << rng_below(r, 32)) : (uint32_t)rng_next(r);
	}
}

/* Mutations; each returns the new length. */

struct mctx {
	unsigned char *buf;
	size_t len, cap;
	struct rng *r;
	char *desc;
	size_t desc_len, used;
	bool touched_trailer;
	bool no_trailer_fix;
};

static void say(struct mctx *m, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void say(struct mctx *m, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (m->used >= m->desc_len)
		return;
	va_start(ap, fmt);
	n = vsnprintf(m->desc + m->used, m->desc_len - m->used, fmt, ap);
	va_end(ap);
	if (n > 0)
		m->used += (size_t)n;
}

static void m_bitflip(struct mctx *m)
{
	uint32_t nbits = 1 + rng_below(m->r, 4);

	say(m, "bitflip");
	for (uint32_t i = 0; i < nbits && m->len; i++) {
		size_t off = rng_below(m->r, (uint32_t)m->len);
		uint32_t bit = rng_below(m->r, 8);

		m->buf[off] ^= (unsigned char)(1U << bit);
		say(m, " %zu.%u", off, bit);
		if (off >= m->len - (m->len < TRAILER_LEN ? m->len : TRAILER_LEN))
			m->touched_trailer = true;
	}
}

static void m_byte(struct mctx *m)
{
	size_t off;

	if (!m->len)
		return;
	off = rng_below(m->r, (uint32_t)m->len);
	m->buf[off] = (unsigned char)(PICK(m->r, interesting32) & 0xff);
	say(m, "byte %zu=0x%02x", off, m->buf[off]);
	if (off + TRAILER_LEN >= m->len)
		m->touched_trailer = true;
}

static void m_truncate(struct mctx *m)
{
	size_t to = m->len ? rng_below(m->r, (uint32_t)m->len) : 0;

	say(m, "truncate %zu->%zu", m->len, to);
	m->len = to;
	m->no_trailer_fix = true;
}

/* Cut at a record boundary before the trailer and append a trailer. */
static void m_cut_records(struct mctx *m, const struct rec *recs, int n)
{
	struct ckpt_rec_trailer t = { .h = { CKPT_REC_TRAILER, TRAILER_LEN } };
	int keep;

	if (n < 2)
		return m_truncate(m);
	keep = (int)rng_below(m->r, (uint32_t)n - 1);
	say(m, "cut after %d records, new trailer", keep);
	m->len = keep ? recs[keep - 1].off + recs[keep - 1].len : 0;
	memcpy(m->buf + m->len, &t, sizeof(t));
	m->len += sizeof(t);
}

static void m_field(struct mctx *m, const struct rec *recs, int n,
		    enum kind kind)
{
	static struct fields fs;	/* too big for a small stack */
	struct field *f;
	uint32_t nobjs = 0, nmatch = 0, pick;
	uint64_t old, val;
	int i;

	collect(m->buf, recs, n, &fs);
	for (i = 0; i < n; i++)
		nobjs += recs[i].type == CKPT_REC_FILE || recs[i].type == CKPT_REC_PIPE;
	for (i = 0; i < fs.n; i++)
		nmatch += kind == K_ANY || fs.f[i].kind == kind;
	if (!nmatch)
		return m_bitflip(m);
	pick = rng_below(m->r, nmatch);
	for (i = 0; i < fs.n; i++)
		if ((kind == K_ANY || fs.f[i].kind == kind) && !pick--)
			break;
	f = &fs.f[i];
	old = get_field(m->buf + f->off, f->size);
	val = new_value(m->r, f, old, nobjs);
	put_field(m->buf + f->off, f->size, val);
	say(m, "%s @%zu (record type %u) %#llx->%#llx", kind_name[kind], f->off,
	    f->rec_type, (unsigned long long)old,
	    (unsigned long long)get_field(m->buf + f->off, f->size));
	if (f->rec_type == CKPT_REC_TRAILER)
		m->touched_trailer = true;
}

/* Records other than the trailer, for the record-level mutations. */
static int body_records(const struct rec *recs, int n)
{
	return n && recs[n - 1].type == CKPT_REC_TRAILER ? n - 1 : n;
}

static void m_dup(struct mctx *m, const struct rec *recs, int n)
{
	int nb = body_records(recs, n), i, at;
	size_t to;

	if (!nb)
		return m_bitflip(m);
	i = (int)rng_below(m->r, (uint32_t)nb);
	at = (int)rng_below(m->r, (uint32_t)nb + 1);
	if (m->len + recs[i].len > m->cap)
		return m_bitflip(m);
	to = at < n ? recs[at].off : m->len;
	memmove(m->buf + to + recs[i].len, m->buf + to, m->len - to);
	/* The source moved if it was at or after the insertion point. */
	memcpy(m->buf + to, m->buf + recs[i].off + (recs[i].off >= to ? recs[i].len : 0),
	       recs[i].len);
	m->len += recs[i].len;
	say(m, "dup record %d (type %u) before record %d", i, recs[i].type, at);
}

static void m_drop(struct mctx *m, const struct rec *recs, int n)
{
	int nb = body_records(recs, n), i;

	if (!nb)
		return m_bitflip(m);
	i = (int)rng_below(m->r, (uint32_t)nb);
	memmove(m->buf + recs[i].off, m->buf + recs[i].off + recs[i].len,
		m->len - recs[i].off - recs[i].len);
	m->len -= recs[i].len;
	say(m, "drop record %d (type %u)", i, recs[i].type);
}

/* Moves record i to just before record at (at > i + 1 or at < i). */
static void m_move(struct mctx *m, const struct rec *recs, int n, bool adjacent)
{
	static unsigned char tmp[65536];
	int nb = body_records(recs, n), i, at;
	size_t from, to, l;

	if (nb < 2)
		return m_bitflip(m);
	i = (int)rng_below(m->r, (uint32_t)nb - (adjacent ? 1 : 0));
	at = adjacent ? i + 2 : (int)rng_below(m->r, (uint32_t)nb + 1);
	if (at == i || at == i + 1 || recs[i].len > sizeof(tmp))
		at = i + 2 <= nb ? i + 2 : 0;
	from = recs[i].off;
	l = recs[i].len;
	to = at < n ? recs[at].off : m->len;
	memcpy(tmp, m->buf + from, l);
	if (to > from) {
		memmove(m->buf + from, m->buf + from + l, to - from - l);
		memcpy(m->buf + to - l, tmp, l);
	} else {
		memmove(m->buf + to + l, m->buf + to, from - to);
		memcpy(m->buf + to, tmp, l);
	}
	say(m, "%s record %d (type %u) before record %d",
	    adjacent ? "swap" : "move", i, recs[i].type, at);
}

static void mutate_once(struct mctx *m)
{
	static struct rec recs[MAX_RECS];
	int n = walk(m->buf, m->len, recs);
	uint32_t op = rng_below(m->r, 100);

	if (op < 14)
		m_bitflip(m);
	else if (op < 18)
		m_byte(m);
	else if (op < 24)
		m_truncate(m);
	else if (op < 30)
		m_cut_records(m, recs, n);
	else if (op < 38)
		m_field(m, recs, n, K_LEN);
	else if (op < 48)
		m_field(m, recs, n, K_OBJREF);
	else if (op < 56)
		m_field(m, recs, n, K_TYPE);
	else if (op < 66)
		m_field(m, recs, n, K_COUNT);
	else if (op < 76)
		m_field(m, recs, n, K_FD);
	else if (op < 84)
		m_field(m, recs, n, K_ANY);
	else if (op < 89)
		m_dup(m, recs, n);
	else if (op < 94)
		m_drop(m, recs, n);
	else if (op < 97)
		m_move(m, recs, n, true);
	else
		m_move(m, recs, n, false);
}

size_t image_mutate(unsigned char *buf, size_t len, struct rng *r,
		    char *desc, size_t desc_len)
{
	struct mctx m = {
		.buf = buf, .len = len, .cap = len + MUTATE_SLACK, .r = r,
		.desc = desc, .desc_len = desc_len,
	};
	uint32_t count = rng_below(r, 4) == 0 ? 2 + rng_below(r, 2) : 1;
	uint32_t fix;

	desc[0] = '\0';
	for (uint32_t i = 0; i < count; i++) {
		if (i)
			say(&m, "; ");
		mutate_once(&m);
	}
	/*
	 * Most mutations get a valid checksum (and often matching counts), so
	 * they reach the checks behind it; an edit of the trailer itself keeps
	 * its counts.
	 */
	fix = rng_below(r, 8);
	if (m.no_trailer_fix || fix == 0) {
		say(&m, "; trailer kept");
	} else if (fix < 4 || m.touched_trailer) {
		image_fix_trailer(buf, m.len, 0);
		say(&m, "; checksum fixed");
	} else {
		image_fix_trailer(buf, m.len, 1);
		say(&m, "; counts and checksum fixed");
	}
	return m.len;
}
