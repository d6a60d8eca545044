// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit fuzz loop for restart: real images from a seed corpus, mutated
 * and fed back to restart thousands of times.
 *
 * Each case checkpoints one real in-kernel state (pipes with data,
 * eventfds, epoll sets with items and ready lists, nested epoll, regular
 * files, chunked records) into the fixture's shmem image, keeps its bytes
 * as the seed, and then, for a fixed number of iterations, writes a
 * mutated copy back to the image and restarts it into the case's own fd
 * table.  Mutations: bit flips, truncation at every offset (with and
 * without a fresh trailer), edits of record lengths, objrefs, types,
 * counts and fd numbers, and duplicated, dropped or reordered records.
 * Seven mutations in eight get their trailer's checksum recomputed (half
 * of those their counts too), so they reach the checks behind it.
 *
 * The invariant, at every iteration: restart either fails with an errno,
 * leaving the fd table exactly as it was (only the sentinel fd open, no
 * fd reserved), every file it created released and the user's epoll
 * watch count unchanged; or it succeeds, and then every fd the image
 * names holds a file of the recorded type and mode, with the recorded
 * close-on-exec bit, one file per object, and every epoll set holds the
 * recorded number of items, all watching installed files, and the
 * recorded ready list in order.  Closing everything then releases every
 * file restart created.  No iteration may taint the kernel (a WARN).
 *
 * Every choice comes from the suite's seeded PRNG: cr_kunit.seed=N
 * replays a run; cr_kunit.fuzz_mutations=N changes the number of
 * mutations per case (0: the defaults below); cr_kunit.fuzz_verbose=1
 * logs each mutation before its restart, so a crash names its cause.
 */
#include <kunit/test.h>
#include <linux/eventfd.h>
#include <linux/fdtable.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/moduleparam.h>
#include <linux/panic.h>
#include <linux/pipe_fs_i.h>
#include <linux/unaligned.h>

#include "cr_kunit.h"

#undef MODULE_PARAM_PREFIX
#define MODULE_PARAM_PREFIX "cr_kunit."

static ulong fuzz_mutations;
module_param(fuzz_mutations, ulong, 0444);
MODULE_PARM_DESC(fuzz_mutations,
		 "mutations per checkpoint_fuzz case (0: the suite's defaults)");

static bool fuzz_verbose;
module_param(fuzz_verbose, bool, 0444);
MODULE_PARM_DESC(fuzz_verbose,
		 "log every mutation before its restart, to name the one a crash follows");

/*
 * Mutations per case and seed image, unless cr_kunit.fuzz_mutations.
 * KASAN builds (our sanitizer flavour, with lockdep and kmemleak) make a
 * restart about a hundred times slower; they run the first mutations of
 * the same sequence.
 */
#define FUZZ_MUTATIONS		(IS_ENABLED(CONFIG_KASAN) ? 100 : 4000)
/*
 * Truncation is exhaustive, except on KASAN builds for images longer than
 * this (the chunked one), which are cut only within FUZZ_EDGE bytes of a
 * record's start or end: deeper inside an array all cuts fail alike.
 */
#define FUZZ_EXHAUSTIVE_LEN	2048
#define FUZZ_EDGE		16

/* An fd open before every restart; images never name it at first. */
#define FUZZ_SENTINEL_FD	2

#define FUZZ_MAX_RECS		64
#define FUZZ_MAX_FIELDS		4096
#define FUZZ_MAX_MADE		64
#define FUZZ_MAX_READY		1024
/* Room for records that duplicated or grew. */
#define FUZZ_SLACK		16384
#define FUZZ_TRAILER_LEN	((u32)sizeof(struct ckpt_rec_trailer))

/*
 * Every field position and size below comes from the structs of
 * <uapi/linux/checkpoint.h>.  FUZZ_AT() is where member @m of the @type
 * that starts at @p (a record, or an entry of one) lies; FUZZ_U32() reads
 * it as the image holds it: unaligned, in the writer's byte order, which
 * is little-endian.
 */
#define FUZZ_AT(p, type, m)	((p) + offsetof(type, m))
#define FUZZ_U32(p, type, m)	get_unaligned_le32(FUZZ_AT(p, type, m))

/* Where a FILE record's type-specific part (struct ckpt_file_*) starts. */
#define FUZZ_FILE_SPEC		((u32)sizeof(struct ckpt_rec_file))

/*
 * Where the entries of FD, ITEMS and READY records start.  It is one
 * offset for all three, and fuzz_resize() grows a record of any type by
 * repeating its bytes from there.
 */
#define FUZZ_ENTRIES_OFF	((u32)offsetof(struct ckpt_rec_fd, entries))
static_assert(offsetof(struct ckpt_rec_epoll_items, items) == FUZZ_ENTRIES_OFF);
static_assert(offsetof(struct ckpt_rec_epoll_ready, ready) == FUZZ_ENTRIES_OFF);

/*
 * The fields read or written as u32s: by FUZZ_U32(), fuzz_rec_u32() and
 * fuzz_resize(); by fuzz_other_fd(), every FUZZ_FD field; and by
 * fuzz_len_for_count(), the counts it resizes a record for.
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

#define FUZZ_REGULAR_PATH	"/cr-kunit-fuzz-regular"

enum fuzz_kind {
	FUZZ_LEN,
	FUZZ_OBJREF,
	FUZZ_TYPE,
	FUZZ_COUNT,
	FUZZ_FD,
	FUZZ_ANY,
};

static const char *const fuzz_kind_name[] = {
	"length", "objref", "type", "count", "fd", "field",
};

/* A record of the image, as a walk from offset 0 finds it. */
struct fuzz_rec {
	u32 off;
	u32 type;
	u32 len;
};

/* A field of a record that mutations of one kind may edit. */
struct fuzz_field {
	u32 off;		/* in the image */
	u8 size;
	u8 kind;
	u8 rec;			/* index into fuzz.recs */
};

/* One object of an accepted image, for the checks after a restart. */
struct fuzz_obj {
	u32 file_type;		/* 0: a pipe object */
	u32 f_mode;
	u32 nitems;
	u32 nready;
	struct file *file;	/* installed at the fds that name it */
};

struct fuzz {
	struct kunit *test;
	struct rnd_state *rnd;
	const char *image_name;
	const u8 *seed;
	u32 seed_len;
	u32 iteration;

	/* the image being mutated */
	u8 *buf;
	u32 len;
	u32 cap;
	u8 *tmp;
	struct fuzz_rec recs[FUZZ_MAX_RECS];
	int nrecs;
	struct fuzz_field *fields;
	int nfields;
	bool no_fix;		/* truncated: no trailer to fix */
	bool touched_trailer;	/* its counts are the mutation */
	char desc[192];
	size_t desc_used;

	/* the state every restart must leave as it was, or restore */
	struct file *sentinel;
	s64 watches;
	unsigned long taint;
	struct file *made[FUZZ_MAX_MADE];
	int nmade;
	struct fuzz_obj objs[FUZZ_MAX_RECS + 1];
	struct ckpt_epoll_ready ready[FUZZ_MAX_READY];

	/* the last restart's result, and tallies */
	int err;
	u32 succeeded;
	u32 failed;
};

static u32 fuzz_below(struct fuzz *fz, u32 n)
{
	return prandom_u32_state(fz->rnd) % n;
}

static u64 fuzz_u64(struct fuzz *fz)
{
	return (u64)prandom_u32_state(fz->rnd) << 32 |
	       prandom_u32_state(fz->rnd);
}

static __printf(2, 3) void fuzz_say(struct fuzz *fz, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fz->desc_used += vscnprintf(fz->desc + fz->desc_used,
				    sizeof(fz->desc) - fz->desc_used, fmt, ap);
	va_end(ap);
}

static u64 fuzz_get(const u8 *p, unsigned int size)
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

static void fuzz_put(u8 *p, unsigned int size, u64 v)
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

/* ---- the seed corpus ---- */

static void fuzz_write_fd(struct kunit *test, int fd, const char *s)
{
	loff_t pos = 0;

	KUNIT_ASSERT_EQ(test, kernel_write(cr_file(fd), s, strlen(s), &pos),
			(ssize_t)strlen(s));
}

static void fuzz_dup(struct kunit *test, int fd, int to, unsigned int flags)
{
	KUNIT_ASSERT_EQ(test, install_fd_unused(to, cr_file(fd), flags), 0);
}

static void fuzz_insert(struct kunit *test, int epfd, int fd, int key,
			u32 events, u64 data)
{
	KUNIT_ASSERT_EQ(test, eventpoll_cr_insert(cr_file(epfd), cr_file(fd),
						  key, (__force __poll_t)events,
						  data), 0);
}

/* Two pipes with buffered bytes, one with its write end closed. */
static unsigned long seed_pipes(struct kunit *test)
{
	cr_pipe(test, 3, 4);
	fuzz_write_fd(test, 4, "hello, world");
	cr_pipe(test, 5, 6);
	fuzz_write_fd(test, 6, "abc");
	close_fd(6);
	cr_efd(test, 7, 3, EFD_SEMAPHORE);
	fuzz_dup(test, 3, 9, O_CLOEXEC);
	return 0;
}

/* One set: ET, one-shot, a key whose fd is closed, a ready list. */
static unsigned long seed_epoll(struct kunit *test)
{
	cr_epoll(test, 3);
	cr_pipe(test, 4, 5);
	fuzz_write_fd(test, 5, "x");
	cr_efd(test, 6, 2, 0);
	cr_efd(test, 7, 0, EFD_NONBLOCK);
	KUNIT_ASSERT_EQ(test, cr_ctl(3, EPOLL_CTL_ADD, 4, EPOLLIN, 1), 0);
	KUNIT_ASSERT_EQ(test, cr_ctl(3, EPOLL_CTL_ADD, 6, EPOLLIN | EPOLLET, 2), 0);
	KUNIT_ASSERT_EQ(test, cr_ctl(3, EPOLL_CTL_ADD, 7,
				     EPOLLIN | EPOLLONESHOT, 3), 0);
	KUNIT_ASSERT_EQ(test, cr_ctl(3, EPOLL_CTL_ADD, 5, EPOLLOUT, 4), 0);
	fuzz_insert(test, 3, 6, 20, EPOLLIN, 5);
	return 0;
}

/* Inner set in two outer sets, one of which is in the other. */
static unsigned long seed_nested(struct kunit *test)
{
	cr_epoll(test, 3);
	cr_epoll(test, 4);
	cr_epoll(test, 5);
	cr_efd(test, 10, 1, 0);
	cr_efd(test, 11, 0, 0);
	KUNIT_ASSERT_EQ(test, cr_ctl(3, EPOLL_CTL_ADD, 10, EPOLLIN, 0xa), 0);
	KUNIT_ASSERT_EQ(test, cr_ctl(3, EPOLL_CTL_ADD, 11, EPOLLIN, 0xb), 0);
	KUNIT_ASSERT_EQ(test, cr_ctl(4, EPOLL_CTL_ADD, 3, EPOLLIN, 0xc), 0);
	KUNIT_ASSERT_EQ(test, cr_ctl(5, EPOLL_CTL_ADD, 3, EPOLLIN | EPOLLET, 0xd), 0);
	KUNIT_ASSERT_EQ(test, cr_ctl(5, EPOLL_CTL_ADD, 4, EPOLLIN, 0xe), 0);
	return 0;
}

/* A regular file open twice, with an eventfd and a set beside it. */
static unsigned long seed_regular(struct kunit *test)
{
	struct file *file;

	file = filp_open(FUZZ_REGULAR_PATH, O_CREAT | O_RDWR | O_APPEND, 0600);
	if (IS_ERR(file))
		kunit_skip(test, "no writable root filesystem (%ld)",
			   PTR_ERR(file));
	cr_install(test, file, 3);
	fuzz_write_fd(test, 3, "0123456789");
	cr_file(3)->f_pos = 5;
	file = filp_open(FUZZ_REGULAR_PATH, O_RDONLY, 0);
	cr_install(test, file, 4);
	cr_file(4)->f_pos = 2;
	fuzz_dup(test, 4, 8, O_CLOEXEC);
	cr_efd(test, 5, 1, 0);
	cr_epoll(test, 6);
	KUNIT_ASSERT_EQ(test, cr_ctl(6, EPOLL_CTL_ADD, 5, EPOLLIN, 7), 0);
	return 0;
}

/* FD, ITEMS and READY records of a full chunk and one more. */
static unsigned long seed_chunks(struct kunit *test)
{
	int i;

	cr_epoll(test, 3);
	cr_efd(test, 4, 1, 0);
	for (i = 0; i <= CKPT_CHUNK_ENTRIES; i++) {
		fuzz_dup(test, 4, 100 + i, 0);
		fuzz_insert(test, 3, 4, 1000 + i, EPOLLIN, i);
	}
	return 0;
}

/* Every type, nesting, a closed pipe end and a skipped fd. */
static unsigned long seed_mixed(struct kunit *test)
{
	struct cr_poll_file *pf = cr_poll_file_create(test);
	struct file *file;

	cr_pipe(test, 3, 4);
	fuzz_write_fd(test, 4, "mixed");
	cr_pipe(test, 5, 6);
	close_fd(5);
	cr_efd(test, 7, 5, EFD_SEMAPHORE | EFD_NONBLOCK);
	cr_epoll(test, 8);
	cr_epoll(test, 9);
	KUNIT_ASSERT_EQ(test, cr_ctl(8, EPOLL_CTL_ADD, 3, EPOLLIN | EPOLLRDHUP, 1), 0);
	KUNIT_ASSERT_EQ(test, cr_ctl(8, EPOLL_CTL_ADD, 6, EPOLLOUT | EPOLLET, 2), 0);
	KUNIT_ASSERT_EQ(test, cr_ctl(8, EPOLL_CTL_ADD, 7, EPOLLIN, 3), 0);
	KUNIT_ASSERT_EQ(test, cr_ctl(9, EPOLL_CTL_ADD, 8, EPOLLIN, 4), 0);
	KUNIT_ASSERT_EQ(test, cr_ctl(9, EPOLL_CTL_ADD, 7, EPOLLIN | EPOLLONESHOT, 5), 0);
	cr_install(test, get_file(pf->file), 12);
	fuzz_dup(test, 7, 13, O_CLOEXEC);
	file = filp_open(FUZZ_REGULAR_PATH, O_CREAT | O_RDWR, 0600);
	if (!IS_ERR(file))
		cr_install(test, file, 14);
	return CHECKPOINT_SKIP_UNSUPPORTED;
}

struct fuzz_image {
	const char *name;
	/* builds the state in the case's fd table; returns checkpoint flags */
	unsigned long (*build)(struct kunit *test);
};

static const struct fuzz_image fuzz_images[] = {
	{ "pipes", seed_pipes },
	{ "epoll", seed_epoll },
	{ "nested", seed_nested },
	{ "regular", seed_regular },
	{ "chunks", seed_chunks },
	{ "mixed", seed_mixed },
};

static void fuzz_image_desc(const struct fuzz_image *image, char *desc)
{
	strscpy(desc, image->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(fuzz_image, fuzz_images, fuzz_image_desc);

/* ---- the records and fields of an image ---- */

/*
 * The u32 at @off of record @r, or 0 if @r is shorter than the shortest
 * record that holds it (record lengths are multiples of 8).
 */
static u32 fuzz_rec_u32(const struct fuzz *fz, const struct fuzz_rec *r,
			u32 off)
{
	return r->len >= ckpt_padded(off + sizeof(u32)) ?
	       get_unaligned_le32(fz->buf + r->off + off) : 0;
}

static int fuzz_walk(const u8 *buf, u32 len, struct fuzz_rec *recs)
{
	u32 pos = 0;
	int n = 0;

	while (n < FUZZ_MAX_RECS && len - pos >= sizeof(struct ckpt_hdr)) {
		u32 type = FUZZ_U32(buf + pos, struct ckpt_hdr, type);
		u32 rlen = FUZZ_U32(buf + pos, struct ckpt_hdr, len);

		if (rlen < sizeof(struct ckpt_hdr) || rlen % 8 || rlen > len - pos)
			break;
		recs[n++] = (struct fuzz_rec){ .off = pos, .type = type,
					       .len = rlen };
		pos += rlen;
	}
	return n;
}

static void fuzz_rewalk(struct fuzz *fz)
{
	fz->nrecs = fuzz_walk(fz->buf, fz->len, fz->recs);
}

/* Recomputes the checksum of a trailer at the very end; @counts too. */
static void fuzz_fix_trailer(struct fuzz *fz, bool counts)
{
	struct ckpt_rec_trailer t;
	u32 body, i;
	int n;

	if (fz->len < FUZZ_TRAILER_LEN)
		return;
	body = fz->len - FUZZ_TRAILER_LEN;
	memcpy(&t, fz->buf + body, sizeof(t));
	if (t.h.type != CKPT_REC_TRAILER || t.h.len != FUZZ_TRAILER_LEN)
		return;
	n = fuzz_walk(fz->buf, body, fz->recs);
	if (counts && n && fz->recs[n - 1].off + fz->recs[n - 1].len == body) {
		t.nobjects = 0;
		t.nfds = 0;
		t.nitems = 0;
		t.nready = 0;
		t.nrecords = 0;
		for (i = 0; i < n; i++) {
			const struct fuzz_rec *r = &fz->recs[i];

			t.nrecords++;
			if (r->type == CKPT_REC_FILE || r->type == CKPT_REC_PIPE)
				t.nobjects++;
			else if (r->type == CKPT_REC_FD)
				t.nfds += fuzz_rec_u32(fz, r,
						       offsetof(struct ckpt_rec_fd,
								count));
			else if (r->type == CKPT_REC_EPOLL_ITEMS)
				t.nitems += fuzz_rec_u32(fz, r,
							 offsetof(struct ckpt_rec_epoll_items,
								  count));
			else if (r->type == CKPT_REC_EPOLL_READY)
				t.nready += fuzz_rec_u32(fz, r,
							 offsetof(struct ckpt_rec_epoll_ready,
								  count));
		}
	}
	t.checksum = ckpt_image_crc(fz->buf, body, 0);
	memcpy(fz->buf + body, &t, sizeof(t));
}

static void fuzz_add(struct fuzz *fz, int r, u32 off, u8 size, u8 kind)
{
	const struct fuzz_rec *rec = &fz->recs[r];

	if (fz->nfields < FUZZ_MAX_FIELDS && off + size <= rec->len)
		fz->fields[fz->nfields++] = (struct fuzz_field){
			.off = rec->off + off, .size = size, .kind = kind,
			.rec = r,
		};
}

struct fuzz_layout {
	u8 off;
	u8 size;
	u8 kind;
};

/* Member @m of @type; byte @i of what follows a @type. */
#define FUZZ_L(type, m, kind)	{ offsetof(type, m), sizeof_field(type, m), kind }
#define FUZZ_AFTER(type, i, kind)	{ sizeof(type) + (i), 1, kind }

/* fuzz_layout.off is a u8: the largest struct a layout describes fits. */
static_assert(sizeof(struct ckpt_rec_header) <= U8_MAX);

/* Layouts end with an entry of size 0. */
static void fuzz_add_layout(struct fuzz *fz, int r, u32 base,
			    const struct fuzz_layout *l)
{
	for (; l->size; l++)
		fuzz_add(fz, r, base + l->off, l->size, l->kind);
}

/*
 * Entries of FD, ITEMS and READY records, @esize bytes each from @first,
 * as many as the record holds.
 */
static void fuzz_add_entries(struct fuzz *fz, int r, u32 first, u32 esize,
			     const struct fuzz_layout *l)
{
	u32 e;

	for (e = first; e + esize <= fz->recs[r].len; e += esize)
		fuzz_add_layout(fz, r, e, l);
}

static const struct fuzz_layout fuzz_hdr_fields[] = {
	FUZZ_L(struct ckpt_hdr, type, FUZZ_TYPE),
	FUZZ_L(struct ckpt_hdr, len, FUZZ_LEN),
	{}
};

/* The fields, then the release's first and last bytes. */
static const struct fuzz_layout fuzz_header_fields[] = {
	FUZZ_L(struct ckpt_rec_header, magic, FUZZ_ANY),
	FUZZ_L(struct ckpt_rec_header, version, FUZZ_ANY),
	FUZZ_L(struct ckpt_rec_header, arch, FUZZ_ANY),
	FUZZ_L(struct ckpt_rec_header, flags, FUZZ_ANY),
	FUZZ_L(struct ckpt_rec_header, release[0], FUZZ_ANY),
	FUZZ_L(struct ckpt_rec_header, release[CKPT_RELEASE_LEN - 1], FUZZ_ANY),
	{}
};

static const struct fuzz_layout fuzz_file_fields[] = {
	FUZZ_L(struct ckpt_rec_file, objref, FUZZ_OBJREF),
	FUZZ_L(struct ckpt_rec_file, file_type, FUZZ_TYPE),
	FUZZ_L(struct ckpt_rec_file, f_flags, FUZZ_ANY),
	FUZZ_L(struct ckpt_rec_file, f_mode, FUZZ_TYPE),
	FUZZ_L(struct ckpt_rec_file, f_pos, FUZZ_ANY),
	{}
};

/*
 * The type-specific parts of FILE records, at FUZZ_FILE_SPEC.  A regular
 * file's is followed by its path: its first two bytes are fields too.
 */
static const struct fuzz_layout fuzz_regular_fields[] = {
	FUZZ_L(struct ckpt_file_regular, path_len, FUZZ_COUNT),
	FUZZ_L(struct ckpt_file_regular, __pad, FUZZ_ANY),
	FUZZ_AFTER(struct ckpt_file_regular, 0, FUZZ_ANY),
	FUZZ_AFTER(struct ckpt_file_regular, 1, FUZZ_ANY),
	{}
};

static const struct fuzz_layout fuzz_pipe_end_fields[] = {
	FUZZ_L(struct ckpt_file_pipe, pipe_objref, FUZZ_OBJREF),
	FUZZ_L(struct ckpt_file_pipe, end, FUZZ_TYPE),
	{}
};

static const struct fuzz_layout fuzz_eventfd_fields[] = {
	FUZZ_L(struct ckpt_file_eventfd, count, FUZZ_COUNT),
	FUZZ_L(struct ckpt_file_eventfd, efd_flags, FUZZ_TYPE),
	FUZZ_L(struct ckpt_file_eventfd, __pad, FUZZ_ANY),
	{}
};

static const struct fuzz_layout fuzz_epoll_fields[] = {
	FUZZ_L(struct ckpt_file_epoll, busy_poll_usecs, FUZZ_ANY),
	FUZZ_L(struct ckpt_file_epoll, busy_poll_budget, FUZZ_ANY),
	FUZZ_L(struct ckpt_file_epoll, prefer_busy_poll, FUZZ_ANY),
	FUZZ_L(struct ckpt_file_epoll, __pad, FUZZ_ANY),
	FUZZ_L(struct ckpt_file_epoll, nitems, FUZZ_COUNT),
	FUZZ_L(struct ckpt_file_epoll, nready, FUZZ_COUNT),
	{}
};

/* The fields, then the first byte of the pipe's data. */
static const struct fuzz_layout fuzz_pipe_fields[] = {
	FUZZ_L(struct ckpt_rec_pipe, objref, FUZZ_OBJREF),
	FUZZ_L(struct ckpt_rec_pipe, capacity, FUZZ_COUNT),
	FUZZ_L(struct ckpt_rec_pipe, nbytes, FUZZ_COUNT),
	FUZZ_L(struct ckpt_rec_pipe, __pad, FUZZ_ANY),
	FUZZ_AFTER(struct ckpt_rec_pipe, 0, FUZZ_ANY),
	{}
};

static const struct fuzz_layout fuzz_fd_fields[] = {
	FUZZ_L(struct ckpt_rec_fd, count, FUZZ_COUNT),
	FUZZ_L(struct ckpt_rec_fd, __pad, FUZZ_ANY),
	{}
};

static const struct fuzz_layout fuzz_fd_entry[] = {
	FUZZ_L(struct ckpt_fd_entry, fd, FUZZ_FD),
	FUZZ_L(struct ckpt_fd_entry, objref, FUZZ_OBJREF),
	FUZZ_L(struct ckpt_fd_entry, flags, FUZZ_TYPE),
	FUZZ_L(struct ckpt_fd_entry, __pad, FUZZ_ANY),
	{}
};

static const struct fuzz_layout fuzz_items_fields[] = {
	FUZZ_L(struct ckpt_rec_epoll_items, epoll_objref, FUZZ_OBJREF),
	FUZZ_L(struct ckpt_rec_epoll_items, count, FUZZ_COUNT),
	{}
};

static const struct fuzz_layout fuzz_item_entry[] = {
	FUZZ_L(struct ckpt_epoll_item, data, FUZZ_ANY),
	FUZZ_L(struct ckpt_epoll_item, fd, FUZZ_FD),
	FUZZ_L(struct ckpt_epoll_item, target_objref, FUZZ_OBJREF),
	FUZZ_L(struct ckpt_epoll_item, events, FUZZ_TYPE),
	FUZZ_L(struct ckpt_epoll_item, wake_order, FUZZ_ANY),
	{}
};

static const struct fuzz_layout fuzz_ready_fields[] = {
	FUZZ_L(struct ckpt_rec_epoll_ready, epoll_objref, FUZZ_OBJREF),
	FUZZ_L(struct ckpt_rec_epoll_ready, count, FUZZ_COUNT),
	{}
};

static const struct fuzz_layout fuzz_ready_entry[] = {
	FUZZ_L(struct ckpt_epoll_ready, fd, FUZZ_FD),
	FUZZ_L(struct ckpt_epoll_ready, target_objref, FUZZ_OBJREF),
	{}
};

static const struct fuzz_layout fuzz_trailer_fields[] = {
	FUZZ_L(struct ckpt_rec_trailer, nobjects, FUZZ_COUNT),
	FUZZ_L(struct ckpt_rec_trailer, nfds, FUZZ_COUNT),
	FUZZ_L(struct ckpt_rec_trailer, nitems, FUZZ_COUNT),
	FUZZ_L(struct ckpt_rec_trailer, nready, FUZZ_COUNT),
	FUZZ_L(struct ckpt_rec_trailer, nrecords, FUZZ_COUNT),
	FUZZ_L(struct ckpt_rec_trailer, checksum, FUZZ_ANY),
	{}
};

static void fuzz_add_file(struct fuzz *fz, int r)
{
	const struct fuzz_rec *rec = &fz->recs[r];
	u32 type = fuzz_rec_u32(fz, rec,
				offsetof(struct ckpt_rec_file, file_type));

	fuzz_add_layout(fz, r, 0, fuzz_file_fields);
	if (type == CKPT_FILE_REGULAR)
		fuzz_add_layout(fz, r, FUZZ_FILE_SPEC, fuzz_regular_fields);
	else if (type == CKPT_FILE_PIPE)
		fuzz_add_layout(fz, r, FUZZ_FILE_SPEC, fuzz_pipe_end_fields);
	else if (type == CKPT_FILE_EVENTFD)
		fuzz_add_layout(fz, r, FUZZ_FILE_SPEC, fuzz_eventfd_fields);
	else if (type == CKPT_FILE_EPOLL)
		fuzz_add_layout(fz, r, FUZZ_FILE_SPEC, fuzz_epoll_fields);
}

static void fuzz_collect(struct fuzz *fz)
{
	int r;

	fz->nfields = 0;
	for (r = 0; r < fz->nrecs; r++) {
		fuzz_add_layout(fz, r, 0, fuzz_hdr_fields);
		switch (fz->recs[r].type) {
		case CKPT_REC_HEADER:
			fuzz_add_layout(fz, r, 0, fuzz_header_fields);
			break;
		case CKPT_REC_FILE:
			fuzz_add_file(fz, r);
			break;
		case CKPT_REC_PIPE:
			fuzz_add_layout(fz, r, 0, fuzz_pipe_fields);
			break;
		case CKPT_REC_FD:
			fuzz_add_layout(fz, r, 0, fuzz_fd_fields);
			fuzz_add_entries(fz, r,
					 offsetof(struct ckpt_rec_fd, entries),
					 sizeof(struct ckpt_fd_entry),
					 fuzz_fd_entry);
			break;
		case CKPT_REC_EPOLL_ITEMS:
			fuzz_add_layout(fz, r, 0, fuzz_items_fields);
			fuzz_add_entries(fz, r,
					 offsetof(struct ckpt_rec_epoll_items, items),
					 sizeof(struct ckpt_epoll_item),
					 fuzz_item_entry);
			break;
		case CKPT_REC_EPOLL_READY:
			fuzz_add_layout(fz, r, 0, fuzz_ready_fields);
			fuzz_add_entries(fz, r,
					 offsetof(struct ckpt_rec_epoll_ready, ready),
					 sizeof(struct ckpt_epoll_ready),
					 fuzz_ready_entry);
			break;
		case CKPT_REC_TRAILER:
			fuzz_add_layout(fz, r, 0, fuzz_trailer_fields);
			break;
		}
	}
}

/* ---- mutations ---- */

static const u32 fuzz_u32s[] = {
	0, 1, 2, 3, 7, 8, 16, 0x7f, 0x80, 0xff, 0x100, 0x101, 0xfff, 0x1000,
	0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xfffffff8, 0xfffffffe,
	0xffffffff,
};

static const u64 fuzz_u64s[] = {
	0, 1, 2, 0x7fffffff, 0xffffffff, 0x100000000ULL, S64_MAX, S64_MIN,
	U64_MAX - 1, U64_MAX,
};

static const s32 fuzz_fds[] = {
	-1, 0, 1, FUZZ_SENTINEL_FD, 3, 4, 5, 9, 10, 63, 64, 255, 256, 1023,
	1024, 65536, S32_MAX, S32_MIN,
};

static u32 fuzz_pick32(struct fuzz *fz)
{
	return fuzz_u32s[fuzz_below(fz, ARRAY_SIZE(fuzz_u32s))];
}

static u64 fuzz_pick64(struct fuzz *fz)
{
	return fuzz_u64s[fuzz_below(fz, ARRAY_SIZE(fuzz_u64s))];
}

static u32 fuzz_pick_fd(struct fuzz *fz)
{
	return fuzz_fds[fuzz_below(fz, ARRAY_SIZE(fuzz_fds))];
}

/* An fd number some other field of the image holds: a collision. */
static u32 fuzz_other_fd(struct fuzz *fz)
{
	u32 n = 0, pick, i;

	for (i = 0; i < fz->nfields; i++)
		n += fz->fields[i].kind == FUZZ_FD;
	if (!n)
		return 0;
	pick = fuzz_below(fz, n);
	for (i = 0; i < fz->nfields; i++)
		if (fz->fields[i].kind == FUZZ_FD && !pick--)
			break;
	return get_unaligned_le32(fz->buf + fz->fields[i].off);
}

static u32 fuzz_nobjects(struct fuzz *fz)
{
	u32 n = 0;
	int r;

	for (r = 0; r < fz->nrecs; r++)
		n += fz->recs[r].type == CKPT_REC_FILE ||
		     fz->recs[r].type == CKPT_REC_PIPE;
	return n;
}

static u32 fuzz_value32(struct fuzz *fz, const struct fuzz_field *f, u32 old)
{
	u32 c = fuzz_below(fz, 8);

	switch (f->kind) {
	case FUZZ_OBJREF:
		return c < 4 ? fuzz_below(fz, fuzz_nobjects(fz) + 2) :
		       c < 6 ? fuzz_pick32(fz) : old ^ 1;
	case FUZZ_FD:
		return c < 3 ? fuzz_pick_fd(fz) :
		       c < 5 ? fuzz_other_fd(fz) :
		       old + 1 - 2 * fuzz_below(fz, 2);
	case FUZZ_TYPE:
		return c < 5 ? fuzz_below(fz, 10) :
		       c < 7 ? old ^ BIT(fuzz_below(fz, 32)) : U32_MAX;
	case FUZZ_LEN:
		return c < 2 ? fuzz_pick32(fz) :
		       c < 5 ? old + 8 * fuzz_below(fz, 5) - 16 :
		       c < 6 ? old + 1 - 2 * fuzz_below(fz, 2) :
		       c < 7 ? old * 2 : 8 * fuzz_below(fz, 1024);
	case FUZZ_COUNT:
		return c < 3 ? fuzz_pick32(fz) :
		       c < 6 ? old + fuzz_below(fz, 5) - 2 :
		       c < 7 ? old * 2 + fuzz_below(fz, 2) : fuzz_below(fz, 520);
	default:
		return c < 4 ? fuzz_pick32(fz) :
		       c < 6 ? old ^ BIT(fuzz_below(fz, 32)) :
		       prandom_u32_state(fz->rnd);
	}
}

static u64 fuzz_value(struct fuzz *fz, const struct fuzz_field *f, u64 old)
{
	u32 c = fuzz_below(fz, 8);

	switch (f->size) {
	case 1:
		return c < 4 ? fuzz_pick32(fz) : fuzz_below(fz, 256);
	case 2:
		return c < 4 ? fuzz_pick32(fz) : fuzz_below(fz, 65536);
	case 8:
		return c < 3 ? fuzz_pick64(fz) :
		       c < 5 ? old + 1 - 2 * fuzz_below(fz, 2) :
		       c < 6 ? old ^ BIT_ULL(fuzz_below(fz, 64)) : fuzz_u64(fz);
	default:
		return fuzz_value32(fz, f, old);
	}
}

/*
 * Grows or shrinks record @r to @len bytes at its end; grown bytes repeat
 * its bytes from FUZZ_ENTRIES_OFF (its entries, or its payload), so arrays
 * grow by copies.
 */
static void fuzz_resize(struct fuzz *fz, int r, u32 len)
{
	const struct fuzz_rec *rec = &fz->recs[r];
	u32 end = rec->off + rec->len, i;

	if (len < sizeof(struct ckpt_hdr) || len % 8 || len == rec->len)
		return;
	if (len > rec->len) {
		u32 grow = len - rec->len;

		if (grow > fz->cap - fz->len)
			return;
		memmove(fz->buf + end + grow, fz->buf + end, fz->len - end);
		for (i = 0; i < grow; i++)
			fz->buf[end + i] = rec->len > FUZZ_ENTRIES_OFF ?
				fz->buf[rec->off + FUZZ_ENTRIES_OFF +
					i % (rec->len - FUZZ_ENTRIES_OFF)] : 0;
		fz->len += grow;
	} else {
		memmove(fz->buf + rec->off + len, fz->buf + end, fz->len - end);
		fz->len -= rec->len - len;
	}
	put_unaligned_le32(len, FUZZ_AT(fz->buf + rec->off, struct ckpt_hdr, len));
	fuzz_say(fz, ", record resized %u->%u", rec->len, len);
}

/*
 * The length record @r must have for the count @f now holds, computed in
 * 32 bits as the format defines it, or 0 if the count sizes nothing.
 */
static u32 fuzz_len_for_count(struct fuzz *fz, const struct fuzz_field *f)
{
	const struct fuzz_rec *rec = &fz->recs[f->rec];
	u32 at = f->off - rec->off;
	u32 v = get_unaligned_le32(fz->buf + f->off);

	switch (rec->type) {
	case CKPT_REC_FD:
		return at == offsetof(struct ckpt_rec_fd, count) ?
		       (u32)offsetof(struct ckpt_rec_fd, entries) +
		       v * (u32)sizeof(struct ckpt_fd_entry) : 0;
	case CKPT_REC_EPOLL_ITEMS:
		return at == offsetof(struct ckpt_rec_epoll_items, count) ?
		       (u32)offsetof(struct ckpt_rec_epoll_items, items) +
		       v * (u32)sizeof(struct ckpt_epoll_item) : 0;
	case CKPT_REC_EPOLL_READY:
		return at == offsetof(struct ckpt_rec_epoll_ready, count) ?
		       (u32)offsetof(struct ckpt_rec_epoll_ready, ready) +
		       v * (u32)sizeof(struct ckpt_epoll_ready) : 0;
	case CKPT_REC_PIPE:
		return at == offsetof(struct ckpt_rec_pipe, nbytes) ?
		       (u32)sizeof(struct ckpt_rec_pipe) + ckpt_padded(v) : 0;
	case CKPT_REC_FILE:
		if (at != FUZZ_FILE_SPEC +
			  offsetof(struct ckpt_file_regular, path_len) ||
		    FUZZ_U32(fz->buf + rec->off, struct ckpt_rec_file,
			     file_type) != CKPT_FILE_REGULAR)
			return 0;
		return ckpt_padded(sizeof(struct ckpt_rec_file) +
				   sizeof(struct ckpt_file_regular) + v + 1);
	}
	return 0;
}

static void fuzz_bitflip(struct fuzz *fz)
{
	u32 n = 1 + fuzz_below(fz, 4), i;

	fuzz_say(fz, "bitflip");
	for (i = 0; i < n && fz->len; i++) {
		u32 off = fuzz_below(fz, fz->len);
		u32 bit = fuzz_below(fz, 8);

		fz->buf[off] ^= BIT(bit);
		fuzz_say(fz, " %u.%u", off, bit);
		if (off + FUZZ_TRAILER_LEN >= fz->len)
			fz->touched_trailer = true;
	}
}

static void fuzz_truncate(struct fuzz *fz, u32 to)
{
	fuzz_say(fz, "truncate %u->%u", fz->len, to);
	fz->len = to;
	fz->no_fix = true;
}

/* Truncates at @to and appends a trailer; fuzz_fix_trailer() fills it. */
static void fuzz_truncate_new_trailer(struct fuzz *fz, u32 to)
{
	struct ckpt_rec_trailer t = {
		.h = { CKPT_REC_TRAILER, FUZZ_TRAILER_LEN },
	};

	fuzz_say(fz, "truncate %u->%u, new trailer", fz->len, to);
	memcpy(fz->buf + to, &t, sizeof(t));
	fz->len = to + sizeof(t);
}

/* Edits one field of @kind (FUZZ_ANY: of any kind). */
static void fuzz_field(struct fuzz *fz, enum fuzz_kind kind)
{
	const struct fuzz_field *f;
	u32 nmatch = 0, pick, len;
	u64 old, val;
	int i;

	fuzz_collect(fz);
	for (i = 0; i < fz->nfields; i++)
		nmatch += kind == FUZZ_ANY || fz->fields[i].kind == kind;
	if (!nmatch)
		return fuzz_bitflip(fz);
	pick = fuzz_below(fz, nmatch);
	for (i = 0; i < fz->nfields; i++)
		if ((kind == FUZZ_ANY || fz->fields[i].kind == kind) && !pick--)
			break;
	f = &fz->fields[i];
	old = fuzz_get(fz->buf + f->off, f->size);
	val = fuzz_value(fz, f, old);
	fuzz_put(fz->buf + f->off, f->size, val);
	fuzz_say(fz, "%s @%u (record type %u) %#llx->%#llx",
		 fuzz_kind_name[kind], f->off, fz->recs[f->rec].type, old,
		 fuzz_get(fz->buf + f->off, f->size));
	if (fz->recs[f->rec].type == CKPT_REC_TRAILER)
		fz->touched_trailer = true;
	/* Half the count edits keep the record's length in agreement. */
	if (f->kind == FUZZ_COUNT && f->size == 4 && fuzz_below(fz, 2)) {
		len = fuzz_len_for_count(fz, f);
		if (len)
			fuzz_resize(fz, f->rec, len);
	}
}

/* Records other than a final trailer, for the record-level mutations. */
static int fuzz_body_recs(struct fuzz *fz)
{
	int n = fz->nrecs;

	return n && fz->recs[n - 1].type == CKPT_REC_TRAILER ? n - 1 : n;
}

static u32 fuzz_rec_start(struct fuzz *fz, int r)
{
	return r < fz->nrecs ? fz->recs[r].off : fz->len;
}

static void fuzz_dup_record(struct fuzz *fz)
{
	int nb = fuzz_body_recs(fz), i, at;
	struct fuzz_rec rec;
	u32 to;

	if (!nb)
		return fuzz_bitflip(fz);
	i = fuzz_below(fz, nb);
	at = fuzz_below(fz, nb + 1);
	rec = fz->recs[i];
	if (rec.len > fz->cap - fz->len)
		return fuzz_bitflip(fz);
	to = fuzz_rec_start(fz, at);
	memcpy(fz->tmp, fz->buf + rec.off, rec.len);
	memmove(fz->buf + to + rec.len, fz->buf + to, fz->len - to);
	memcpy(fz->buf + to, fz->tmp, rec.len);
	fz->len += rec.len;
	fuzz_say(fz, "dup record %d (type %u) before record %d", i, rec.type, at);
}

static void fuzz_drop_record(struct fuzz *fz)
{
	int nb = fuzz_body_recs(fz), i;
	struct fuzz_rec rec;

	if (!nb)
		return fuzz_bitflip(fz);
	i = fuzz_below(fz, nb);
	rec = fz->recs[i];
	memmove(fz->buf + rec.off, fz->buf + rec.off + rec.len,
		fz->len - rec.off - rec.len);
	fz->len -= rec.len;
	fuzz_say(fz, "drop record %d (type %u)", i, rec.type);
}

/* Moves a record before another: the next but one, or anywhere. */
static void fuzz_move_record(struct fuzz *fz, bool adjacent)
{
	int nb = fuzz_body_recs(fz), i, at;
	struct fuzz_rec rec;
	u32 to;

	if (nb < 2)
		return fuzz_bitflip(fz);
	i = fuzz_below(fz, nb - (adjacent ? 1 : 0));
	at = adjacent ? i + 2 : fuzz_below(fz, nb + 1);
	if (at == i || at == i + 1)
		at = i + 2 <= nb ? i + 2 : 0;
	rec = fz->recs[i];
	to = fuzz_rec_start(fz, at);
	memcpy(fz->tmp, fz->buf + rec.off, rec.len);
	if (to > rec.off) {
		memmove(fz->buf + rec.off, fz->buf + rec.off + rec.len,
			to - rec.off - rec.len);
		memcpy(fz->buf + to - rec.len, fz->tmp, rec.len);
	} else {
		memmove(fz->buf + to + rec.len, fz->buf + to, rec.off - to);
		memcpy(fz->buf + to, fz->tmp, rec.len);
	}
	fuzz_say(fz, "%s record %d (type %u) before record %d",
		 adjacent ? "swap" : "move", i, rec.type, at);
}

/* Any one mutation, for stacking. */
static void fuzz_any(struct fuzz *fz)
{
	u32 op = fuzz_below(fz, 100);

	if (op < 14)
		fuzz_bitflip(fz);
	else if (op < 18)
		fuzz_truncate(fz, fz->len ? fuzz_below(fz, fz->len) : 0);
	else if (op < 22 && fz->nrecs > 1)
		fuzz_truncate_new_trailer(fz, fz->recs[fuzz_below(fz, fz->nrecs - 1)].off);
	else if (op < 30)
		fuzz_field(fz, FUZZ_LEN);
	else if (op < 40)
		fuzz_field(fz, FUZZ_OBJREF);
	else if (op < 48)
		fuzz_field(fz, FUZZ_TYPE);
	else if (op < 60)
		fuzz_field(fz, FUZZ_COUNT);
	else if (op < 70)
		fuzz_field(fz, FUZZ_FD);
	else if (op < 78)
		fuzz_field(fz, FUZZ_ANY);
	else if (op < 85)
		fuzz_dup_record(fz);
	else if (op < 92)
		fuzz_drop_record(fz);
	else
		fuzz_move_record(fz, op < 96);
}

/*
 * Seven mutations in eight get a valid checksum, half of those with
 * counts that match their records, so they reach the checks behind the
 * trailer's; an edit of the trailer itself keeps its counts.
 */
static void fuzz_finish(struct fuzz *fz)
{
	u32 fix = fuzz_below(fz, 8);

	if (fz->no_fix || !fix) {
		fuzz_say(fz, "; trailer kept");
	} else if (fix < 4 || fz->touched_trailer) {
		fuzz_fix_trailer(fz, false);
		fuzz_say(fz, "; checksum fixed");
	} else {
		fuzz_fix_trailer(fz, true);
		fuzz_say(fz, "; counts and checksum fixed");
	}
}

/* ---- the invariant ---- */

static void fuzz_hook(struct ckpt_ctx *ctx, enum ckpt_test_point point,
		      void *arg)
{
	struct cr_fixture *fx = ctx->test_data;
	struct fuzz *fz = fx->hook_data;
	int i;

	if (point != CKPT_POINT_RESTORED_FILE)
		return;
	for (i = 0; i < fz->nmade; i++)
		if (fz->made[i] == arg)
			return;
	if (fz->nmade < FUZZ_MAX_MADE)
		fz->made[fz->nmade++] = get_file(arg);
}

static void fuzz_put_made(struct fuzz *fz)
{
	while (fz->nmade)
		fput(fz->made[--fz->nmade]);
	flush_delayed_fput();
}

/* Open or reserved fds of the table; its size in *@max_fds. */
static unsigned int fuzz_open_fds(unsigned int *max_fds)
{
	struct files_struct *files = current->files;
	struct fdtable *fdt;
	unsigned int n;

	spin_lock(&files->file_lock);
	fdt = files_fdtable(files);
	n = bitmap_weight(fdt->open_fds, fdt->max_fds);
	if (max_fds)
		*max_fds = fdt->max_fds;
	spin_unlock(&files->file_lock);
	return n;
}

static void fuzz_close_all(bool sentinel_too)
{
	unsigned int max_fds, fd;

	fuzz_open_fds(&max_fds);
	for (fd = 0; fd < max_fds; fd++)
		if (sentinel_too || fd != FUZZ_SENTINEL_FD)
			close_fd(fd);
	flush_delayed_fput();
}

/* Fails the case unless @ok, naming the mutation; returns @ok. */
static __printf(3, 4) bool fuzz_expect(struct fuzz *fz, bool ok,
				       const char *fmt, ...)
{
	char msg[160];
	va_list ap;

	if (ok)
		return true;
	va_start(ap, fmt);
	vscnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	KUNIT_FAIL(fz->test, "image %s, mutation %u (%s): %s", fz->image_name,
		   fz->iteration, fz->desc, msg);
	return false;
}

/* Only the sentinel open, every created file gone, watches as before. */
static void fuzz_expect_table_as_before(struct fuzz *fz, const char *when)
{
	unsigned int n = fuzz_open_fds(NULL);
	bool settled;

	fuzz_expect(fz, n == 1, "%s: %u fds open or reserved, expected only the sentinel",
		    when, n);
	fuzz_expect(fz, cr_file(FUZZ_SENTINEL_FD) == fz->sentinel,
		    "%s: sentinel fd %d replaced", when, FUZZ_SENTINEL_FD);
	settled = cr_user_watches_are(fz->watches);
	fuzz_expect(fz, settled, "%s: epoll watches %lld, expected %lld", when,
		    settled ? fz->watches : cr_user_watches(), fz->watches);
}

static void fuzz_expect_failed_cleanly(struct fuzz *fz, int err)
{
	fuzz_expect(fz, err < 0 && err >= -MAX_ERRNO,
		    "restart returned %d, expected 0 or an errno", err);
	fuzz_put_made(fz);
	/* The fixture's own references: each must be the last one. */
	cr_expect_nothing_alive(fz->test);
	flush_delayed_fput();
	fuzz_expect_table_as_before(fz, "after a failed restart");
}

static bool fuzz_type_ok(struct file *file, u32 type)
{
	unsigned int flags;
	u64 count;

	switch (type) {
	case CKPT_FILE_REGULAR:
		return S_ISREG(file_inode(file)->i_mode);
	case CKPT_FILE_PIPE:
		return !!get_pipe_info(file, false);
	case CKPT_FILE_EVENTFD:
		return !eventfd_cr_get(file, &count, &flags);
	case CKPT_FILE_EPOLL:
		return eventpoll_cr_is_epoll(file);
	}
	return false;
}

static u32 fuzz_fmode(struct file *file)
{
	return (file->f_mode & FMODE_READ ? CKPT_FMODE_READ : 0) |
	       (file->f_mode & FMODE_WRITE ? CKPT_FMODE_WRITE : 0);
}

/* Objects of the accepted image, in objref order (objref = index + 1). */
static u32 fuzz_parse_objects(struct fuzz *fz)
{
	u32 nobjs = 0;
	int r;

	memset(fz->objs, 0, sizeof(fz->objs));
	for (r = 0; r < fz->nrecs; r++) {
		const u8 *p = fz->buf + fz->recs[r].off;
		struct fuzz_obj *obj;

		if (fz->recs[r].type != CKPT_REC_FILE &&
		    fz->recs[r].type != CKPT_REC_PIPE)
			continue;
		obj = &fz->objs[++nobjs];
		if (fz->recs[r].type == CKPT_REC_PIPE)
			continue;
		obj->file_type = FUZZ_U32(p, struct ckpt_rec_file, file_type);
		obj->f_mode = FUZZ_U32(p, struct ckpt_rec_file, f_mode);
		if (obj->file_type == CKPT_FILE_EPOLL) {
			obj->nitems = FUZZ_U32(p + FUZZ_FILE_SPEC,
					       struct ckpt_file_epoll, nitems);
			obj->nready = FUZZ_U32(p + FUZZ_FILE_SPEC,
					       struct ckpt_file_epoll, nready);
		}
	}
	return nobjs;
}

/* Every fd entry: the right file, type, mode, close-on-exec; a count. */
static u32 fuzz_check_fds(struct fuzz *fz, u32 nobjs)
{
	u32 ninstalled = 0, i, o;
	int r;

	for (r = 0; r < fz->nrecs; r++) {
		const u8 *p = fz->buf + fz->recs[r].off;
		u32 count = FUZZ_U32(p, struct ckpt_rec_fd, count);

		if (fz->recs[r].type != CKPT_REC_FD)
			continue;
		for (i = 0; i < count; i++) {
			const struct ckpt_fd_entry *e =
				&((const struct ckpt_rec_fd *)p)->entries[i];
			struct fuzz_obj *obj;
			struct file *file;

			if (e->flags & CKPT_FD_SKIPPED)
				continue;
			file = cr_file(e->fd);
			ninstalled++;
			fuzz_expect(fz, file && e->objref && e->objref <= nobjs,
				    "fd %d (objref %u) not installed", e->fd, e->objref);
			if (!file || !e->objref || e->objref > nobjs)
				return ninstalled;
			obj = &fz->objs[e->objref];
			fuzz_expect(fz, fuzz_type_ok(file, obj->file_type),
				    "fd %d: not a file of type %u", e->fd, obj->file_type);
			fuzz_expect(fz, fuzz_fmode(file) == obj->f_mode,
				    "fd %d: mode %u, recorded %u", e->fd,
				    fuzz_fmode(file), obj->f_mode);
			fuzz_expect(fz, cr_cloexec(e->fd) == !!(e->flags & CKPT_FD_CLOEXEC),
				    "fd %d: close-on-exec bit not as recorded", e->fd);
			if (!obj->file) {
				for (o = 1; o <= nobjs; o++)
					fuzz_expect(fz, fz->objs[o].file != file,
						    "fd %d: objects %u and %u share a file",
						    e->fd, o, e->objref);
				obj->file = file;
			}
			fuzz_expect(fz, obj->file == file,
				    "fd %d: not the file of objref %u", e->fd, e->objref);
		}
	}
	return ninstalled;
}

struct fuzz_set_walk {
	struct fuzz *fz;
	u32 nobjs;
	u32 nexpected;		/* ready entries the image records */
	u32 nitems;
	u32 nready;
	int foreign_fd;		/* an item whose target is not installed */
	int misplaced;		/* a ready entry not as recorded, or -1 */
};

static int fuzz_walk_item(void *arg, const struct epoll_cr_item *item)
{
	struct fuzz_set_walk *w = arg;
	struct fuzz *fz = w->fz;
	const struct ckpt_epoll_ready *e;
	bool installed = false;
	u32 o;

	w->nitems++;
	for (o = 1; o <= w->nobjs; o++)
		installed |= fz->objs[o].file && fz->objs[o].file == item->file;
	if (!installed)
		w->foreign_fd = item->fd;
	if (item->ready_pos < 0)
		return 0;
	w->nready++;
	if (item->ready_pos >= w->nexpected) {
		w->misplaced = item->ready_pos;
		return 0;
	}
	e = &fz->ready[item->ready_pos];
	if (e->fd != item->fd || !e->target_objref ||
	    e->target_objref > w->nobjs ||
	    fz->objs[e->target_objref].file != item->file)
		w->misplaced = item->ready_pos;
	return 0;
}

/* The ready entries the image records for set @objref, in order. */
static u32 fuzz_expected_ready(struct fuzz *fz, u32 objref)
{
	u32 n = 0, i;
	int r;

	for (r = 0; r < fz->nrecs; r++) {
		const u8 *p = fz->buf + fz->recs[r].off;
		u32 count = FUZZ_U32(p, struct ckpt_rec_epoll_ready, count);

		if (fz->recs[r].type != CKPT_REC_EPOLL_READY ||
		    FUZZ_U32(p, struct ckpt_rec_epoll_ready, epoll_objref) != objref)
			continue;
		for (i = 0; i < count && n < FUZZ_MAX_READY; i++)
			memcpy(&fz->ready[n++],
			       FUZZ_AT(p, struct ckpt_rec_epoll_ready, ready) +
			       i * sizeof(fz->ready[0]), sizeof(fz->ready[0]));
	}
	return n;
}

static void fuzz_check_sets(struct fuzz *fz, u32 nobjs)
{
	u32 o;

	for (o = 1; o <= nobjs; o++) {
		struct fuzz_obj *obj = &fz->objs[o];
		struct fuzz_set_walk w = {
			.fz = fz, .nobjs = nobjs, .foreign_fd = -1,
			.misplaced = -1,
		};

		if (obj->file_type != CKPT_FILE_EPOLL || !obj->file)
			continue;
		w.nexpected = fuzz_expected_ready(fz, o);
		fuzz_expect(fz, !eventpoll_cr_walk_items(obj->file, fuzz_walk_item, &w),
			    "set %u: walk failed", o);
		fuzz_expect(fz, w.nitems == obj->nitems,
			    "set %u: %u items, recorded %u", o, w.nitems, obj->nitems);
		fuzz_expect(fz, w.nready == obj->nready && w.nready == w.nexpected,
			    "set %u: %u ready, recorded %u", o, w.nready, obj->nready);
		fuzz_expect(fz, w.foreign_fd < 0,
			    "set %u: item fd %d watches a file not installed", o,
			    w.foreign_fd);
		fuzz_expect(fz, w.misplaced < 0,
			    "set %u: ready entry %d not as recorded", o, w.misplaced);
	}
}

static void fuzz_expect_restored(struct fuzz *fz)
{
	u32 nobjs, ninstalled;
	unsigned int n;
	int i;

	/* Restart reads up to the first trailer and not a byte further. */
	fuzz_rewalk(fz);
	for (i = 0; i < fz->nrecs; i++)
		if (fz->recs[i].type == CKPT_REC_TRAILER)
			break;
	fuzz_expect(fz, i < fz->nrecs, "accepted an image without a trailer");
	fz->nrecs = min(i + 1, fz->nrecs);
	nobjs = fuzz_parse_objects(fz);
	ninstalled = fuzz_check_fds(fz, nobjs);
	n = fuzz_open_fds(NULL);
	fuzz_expect(fz, n == ninstalled + 1, "%u fds open, expected %u and the sentinel",
		    n, ninstalled);
	fuzz_expect(fz, cr_file(FUZZ_SENTINEL_FD) == fz->sentinel,
		    "sentinel fd %d replaced", FUZZ_SENTINEL_FD);
	fuzz_check_sets(fz, nobjs);

	/* Closing every fd must release every file restart created. */
	fuzz_close_all(false);
	for (i = 0; i < fz->nmade; i++)
		fuzz_expect(fz, file_count(fz->made[i]) == 1,
			    "restored file %d of %d still referenced after close",
			    i + 1, fz->nmade);
	fuzz_put_made(fz);
	fuzz_expect_table_as_before(fz, "after closing a restored table");
}

/* Restarts the mutated image; true while the invariant holds. */
static bool fuzz_restart(struct fuzz *fz)
{
	struct kunit *test = fz->test;
	int err;

	if (fuzz_verbose)
		kunit_info(test, "image %s, mutation %u: %s\n", fz->image_name,
			   fz->iteration, fz->desc);
	cr_image_replace(test, fz->buf, fz->len);
	err = cr_restart(test);
	fz->err = err;
	if (err) {
		fz->failed++;
		fuzz_expect_failed_cleanly(fz, err);
	} else {
		fz->succeeded++;
		fuzz_expect_restored(fz);
	}
	fuzz_expect(fz, get_taint() == fz->taint,
		    "kernel tainted %#lx (a WARN?), was %#lx", get_taint(),
		    fz->taint);
	fz->taint = get_taint();
	if (test->status != KUNIT_FAILURE)
		return true;
	kunit_err(test, "image %s, mutation %u: %s; replay: cr_kunit.seed=%llu\n",
		  fz->image_name, fz->iteration, fz->desc, cr_kunit_seed());
	return false;
}

/* ---- cases ---- */

static void fuzz_close_action(void *unused)
{
	fuzz_close_all(true);
}

/* The seed, unmutated, for iteration @i. */
static void fuzz_reset(struct fuzz *fz, u32 i)
{
	memcpy(fz->buf, fz->seed, fz->seed_len);
	fz->len = fz->seed_len;
	fz->iteration = i;
	fz->no_fix = false;
	fz->touched_trailer = false;
	fz->desc[0] = '\0';
	fz->desc_used = 0;
	fuzz_rewalk(fz);
}

/*
 * Builds the case's seed image and the table every restart starts from:
 * only the sentinel open.  Each case and image draws its own stream from
 * the suite's seed.  The seed itself must restore and pass the checks.
 */
static struct fuzz *fuzz_setup(struct kunit *test, u32 salt)
{
	const struct fuzz_image *image = test->param_value;
	struct cr_fixture *fx = cr_fx(test);
	struct fuzz *fz = kunit_kzalloc(test, sizeof(*fz), GFP_KERNEL);
	size_t len;

	KUNIT_ASSERT_NOT_NULL(test, fz);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, fuzz_close_action,
							NULL), 0);
	fz->test = test;
	fz->rnd = &fx->rnd;
	fz->image_name = image->name;
	prandom_seed_state(fz->rnd, cr_kunit_seed() ^
			   ((u64)salt << 32 | (image - fuzz_images)) *
			   0x9e3779b97f4a7c15ULL);

	KUNIT_ASSERT_EQ(test, cr_checkpoint(test, image->build(test)), 0);
	fz->seed = cr_image_bytes(test, &len);
	fz->seed_len = len;
	fuzz_close_all(true);

	fz->cap = fz->seed_len + FUZZ_SLACK;
	fz->buf = kunit_kmalloc(test, fz->cap, GFP_KERNEL);
	fz->tmp = kunit_kmalloc(test, fz->cap, GFP_KERNEL);
	fz->fields = kunit_kmalloc_array(test, FUZZ_MAX_FIELDS,
					 sizeof(*fz->fields), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, fz->buf);
	KUNIT_ASSERT_NOT_NULL(test, fz->tmp);
	KUNIT_ASSERT_NOT_NULL(test, fz->fields);

	cr_efd(test, FUZZ_SENTINEL_FD, 0, 0);
	fz->sentinel = cr_file(FUZZ_SENTINEL_FD);
	fz->watches = cr_user_watches();
	fz->taint = get_taint();
	fx->hook = fuzz_hook;
	fx->hook_data = fz;

	fuzz_reset(fz, 0);
	fuzz_say(fz, "none");
	KUNIT_ASSERT_TRUE(test, fuzz_restart(fz));
	KUNIT_ASSERT_EQ_MSG(test, fz->err, 0, "the unmutated %s image", image->name);
	fz->succeeded = 0;
	return fz;
}

static void fuzz_report(struct fuzz *fz)
{
	kunit_info(fz->test, "fuzz: %u mutations, %u restarts succeeded, %u failed cleanly, seed %llu\n",
		   fz->succeeded + fz->failed, fz->succeeded, fz->failed,
		   cr_kunit_seed());
}

static u32 fuzz_count(void)
{
	return fuzz_mutations ? min_t(ulong, fuzz_mutations, U32_MAX) :
				FUZZ_MUTATIONS;
}

enum fuzz_op {
	FUZZ_OP_BITFLIP,
	FUZZ_OP_LEN,
	FUZZ_OP_OBJREF,
	FUZZ_OP_TYPE,
	FUZZ_OP_COUNT,
	FUZZ_OP_FD,
	FUZZ_OP_DUP,
	FUZZ_OP_DROP,
	FUZZ_OP_REORDER,
	FUZZ_OP_STACKED,
	FUZZ_OP_TRUNCATE,
	FUZZ_OP_TRUNCATE_TRAILER,
};

static void fuzz_mutate(struct fuzz *fz, enum fuzz_op op)
{
	u32 n, i;

	switch (op) {
	case FUZZ_OP_BITFLIP:
		return fuzz_bitflip(fz);
	case FUZZ_OP_LEN:
		return fuzz_field(fz, FUZZ_LEN);
	case FUZZ_OP_OBJREF:
		return fuzz_field(fz, FUZZ_OBJREF);
	case FUZZ_OP_TYPE:
		return fuzz_field(fz, FUZZ_TYPE);
	case FUZZ_OP_COUNT:
		return fuzz_field(fz, FUZZ_COUNT);
	case FUZZ_OP_FD:
		return fuzz_field(fz, FUZZ_FD);
	case FUZZ_OP_DUP:
		return fuzz_dup_record(fz);
	case FUZZ_OP_DROP:
		return fuzz_drop_record(fz);
	case FUZZ_OP_REORDER:
		return fuzz_move_record(fz, fuzz_below(fz, 2));
	default:
		n = 2 + fuzz_below(fz, 3);
		for (i = 0; i < n; i++) {
			if (i)
				fuzz_say(fz, "; ");
			fuzz_rewalk(fz);
			fuzz_any(fz);
		}
	}
}

static void fuzz_random(struct kunit *test, enum fuzz_op op)
{
	struct fuzz *fz = fuzz_setup(test, op);
	u32 i, n = fuzz_count();

	for (i = 0; i < n; i++) {
		fuzz_reset(fz, i);
		fuzz_mutate(fz, op);
		fuzz_finish(fz);
		if (!fuzz_restart(fz))
			break;
		cond_resched();
	}
	fuzz_report(fz);
}

/* Whether to cut the seed at @to; fz->recs are the seed's records. */
static bool fuzz_cut_here(struct fuzz *fz, u32 to)
{
	int r;

	if (!IS_ENABLED(CONFIG_KASAN) || fz->seed_len <= FUZZ_EXHAUSTIVE_LEN)
		return true;
	for (r = 0; r < fz->nrecs; r++) {
		const struct fuzz_rec *rec = &fz->recs[r];

		if (to >= rec->off && to < rec->off + rec->len)
			return to < rec->off + FUZZ_EDGE ||
			       to + FUZZ_EDGE >= rec->off + rec->len;
	}
	return true;
}

/* Every prefix of the seed: a truncated image must give -EINVAL. */
static void fuzz_truncate_every_offset(struct kunit *test)
{
	struct fuzz *fz = fuzz_setup(test, FUZZ_OP_TRUNCATE);
	u32 to;

	for (to = 0; to < fz->seed_len; to++) {
		fuzz_reset(fz, to);
		if (!fuzz_cut_here(fz, to))
			continue;
		fuzz_truncate(fz, to);
		if (!fuzz_restart(fz))
			break;
		fuzz_expect(fz, fz->err == -EINVAL,
			    "restart of a truncated image returned %d, expected %d",
			    fz->err, -EINVAL);
		if (fz->err != -EINVAL)
			break;
		cond_resched();
	}
	fuzz_report(fz);
}

/* Every prefix of the seed with a valid trailer after it. */
static void fuzz_truncate_every_offset_new_trailer(struct kunit *test)
{
	struct fuzz *fz = fuzz_setup(test, FUZZ_OP_TRUNCATE_TRAILER);
	u32 to;

	for (to = 0; to < fz->seed_len; to++) {
		fuzz_reset(fz, to);
		if (!fuzz_cut_here(fz, to))
			continue;
		fuzz_truncate_new_trailer(fz, to);
		fuzz_fix_trailer(fz, true);
		if (!fuzz_restart(fz))
			break;
		cond_resched();
	}
	fuzz_report(fz);
}

static void fuzz_bit_flips(struct kunit *test)
{
	fuzz_random(test, FUZZ_OP_BITFLIP);
}

static void fuzz_record_lengths(struct kunit *test)
{
	fuzz_random(test, FUZZ_OP_LEN);
}

static void fuzz_objrefs(struct kunit *test)
{
	fuzz_random(test, FUZZ_OP_OBJREF);
}

static void fuzz_types(struct kunit *test)
{
	fuzz_random(test, FUZZ_OP_TYPE);
}

static void fuzz_counts(struct kunit *test)
{
	fuzz_random(test, FUZZ_OP_COUNT);
}

static void fuzz_fd_numbers(struct kunit *test)
{
	fuzz_random(test, FUZZ_OP_FD);
}

static void fuzz_duplicated_records(struct kunit *test)
{
	fuzz_random(test, FUZZ_OP_DUP);
}

static void fuzz_dropped_records(struct kunit *test)
{
	fuzz_random(test, FUZZ_OP_DROP);
}

static void fuzz_reordered_records(struct kunit *test)
{
	fuzz_random(test, FUZZ_OP_REORDER);
}

static void fuzz_stacked_mutations(struct kunit *test)
{
	fuzz_random(test, FUZZ_OP_STACKED);
}

/*
 * What fuzz_counts found first (seed 20091123, image regular, mutation
 * 477): a regular file's path_len of U32_MAX in a record sized for it
 * (a struct ckpt_rec_file and a struct ckpt_file_regular, no path) made
 * path_len + 1 wrap to 0 and restart read a path through ZERO_SIZE_PTR.
 * It must be -EINVAL, with nothing left behind.
 */
static void fuzz_regular_path_len_wrap_is_einval(struct kunit *test)
{
	const u32 cut = sizeof(struct ckpt_rec_file) +
			sizeof(struct ckpt_file_regular);
	struct ckpt_rec_file *rec;
	u8 *image, *end;
	size_t len;

	seed_regular(test);
	KUNIT_ASSERT_EQ(test, cr_checkpoint(test, 0), 0);
	image = cr_image_bytes(test, &len);
	cr_close_all();
	rec = (void *)cr_image_find(image, len, CKPT_REC_FILE, 0);
	KUNIT_ASSERT_NOT_NULL(test, rec);
	KUNIT_ASSERT_EQ(test, rec->file_type, (u32)CKPT_FILE_REGULAR);
	((struct ckpt_file_regular *)(rec + 1))->path_len = U32_MAX;
	end = (u8 *)rec + rec->h.len;
	memmove((u8 *)rec + cut, end, image + len - end);
	len -= rec->h.len - cut;
	rec->h.len = cut;
	cr_image_fix_checksum(image, len);
	cr_image_replace(test, image, len);
	KUNIT_EXPECT_EQ(test, cr_restart(test), -EINVAL);
	KUNIT_EXPECT_EQ(test, cr_fd_table(), 0ULL);
	cr_expect_nothing_alive(test);
}

static struct kunit_case fuzz_test_cases[] = {
	KUNIT_CASE(fuzz_regular_path_len_wrap_is_einval),
	/* Every offset of every image: minutes under KCSAN (make smp-check). */
	KUNIT_CASE_PARAM_ATTR(fuzz_truncate_every_offset, fuzz_image_gen_params,
			      { .speed = KUNIT_SPEED_SLOW }),
	KUNIT_CASE_PARAM_ATTR(fuzz_truncate_every_offset_new_trailer,
			      fuzz_image_gen_params, { .speed = KUNIT_SPEED_SLOW }),
	KUNIT_CASE_PARAM(fuzz_bit_flips, fuzz_image_gen_params),
	KUNIT_CASE_PARAM(fuzz_record_lengths, fuzz_image_gen_params),
	KUNIT_CASE_PARAM(fuzz_objrefs, fuzz_image_gen_params),
	KUNIT_CASE_PARAM(fuzz_types, fuzz_image_gen_params),
	KUNIT_CASE_PARAM(fuzz_counts, fuzz_image_gen_params),
	KUNIT_CASE_PARAM(fuzz_fd_numbers, fuzz_image_gen_params),
	KUNIT_CASE_PARAM(fuzz_duplicated_records, fuzz_image_gen_params),
	KUNIT_CASE_PARAM(fuzz_dropped_records, fuzz_image_gen_params),
	KUNIT_CASE_PARAM(fuzz_reordered_records, fuzz_image_gen_params),
	KUNIT_CASE_PARAM(fuzz_stacked_mutations, fuzz_image_gen_params),
	{}
};

static struct kunit_suite fuzz_test_suite = {
	.name = "checkpoint_fuzz",
	.suite_init = cr_kunit_suite_init,
	.init = cr_kunit_init,
	.test_cases = fuzz_test_cases,
};

kunit_test_suite(fuzz_test_suite);
