// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit cases for epoll checkpoint/restart: the eventpoll C/R API on a
 * test file whose readiness each case sets, then whole sets through
 * checkpoint and restart: ready lists, masks, keys, nesting, sizes
 * around the chunk boundary, and images restart must refuse.
 */
#include <kunit/test.h>
#include <linux/eventfd.h>
#include <linux/fdtable.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/sort.h>

#include "cr_kunit.h"

#define MAX_ITEMS 10000

/* A set as the walk reports it, sorted by (fd, data), ready order aside. */
struct walked {
	struct epoll_cr_item items[MAX_ITEMS];
	int nitems;
	int ready_fd[64];
	int nready;
};

static int walk_one(void *arg, const struct epoll_cr_item *item)
{
	struct walked *w = arg;

	if (w->nitems == MAX_ITEMS)
		return -E2BIG;
	if (item->ready_pos >= 0 && w->nready < ARRAY_SIZE(w->ready_fd))
		w->ready_fd[w->nready++] = item->fd;
	w->items[w->nitems++] = *item;
	return 0;
}

static int item_cmp(const void *a, const void *b)
{
	const struct epoll_cr_item *x = a, *y = b;

	if (x->fd != y->fd)
		return x->fd < y->fd ? -1 : 1;
	return x->data < y->data ? -1 : x->data > y->data;
}

static struct walked *walk(struct kunit *test, int epfd)
{
	struct walked *w = kunit_kzalloc(test, sizeof(*w), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, w);
	KUNIT_ASSERT_EQ(test, eventpoll_cr_walk_items(cr_file(epfd), walk_one, w), 0);
	sort(w->items, w->nitems, sizeof(w->items[0]), item_cmp, NULL);
	return w;
}

static void signal_efd(struct kunit *test, int fd)
{
	struct eventfd_ctx *ctx = eventfd_ctx_fileget(cr_file(fd));

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, ctx);
	eventfd_signal(ctx);
	eventfd_ctx_put(ctx);
}

/* ---- the eventpoll C/R API ---- */

static void epoll_api_walk_yields_ready_first_in_order(struct kunit *test)
{
	struct cr_poll_file *pf[3];
	struct walked *w;
	int i;

	cr_epoll(test, 3);
	for (i = 0; i < 3; i++) {
		pf[i] = cr_poll_file_create(test);
		KUNIT_ASSERT_EQ(test, eventpoll_cr_insert(cr_file(3), pf[i]->file,
							  10 + i, EPOLLIN, i), 0);
	}
	cr_poll_file_set(pf[2], EPOLLIN);
	cr_poll_file_set(pf[0], EPOLLIN);
	w = walk(test, 3);
	KUNIT_EXPECT_EQ(test, w->nitems, 3);
	KUNIT_ASSERT_EQ(test, w->nready, 2);
	KUNIT_EXPECT_EQ(test, w->ready_fd[0], 12);
	KUNIT_EXPECT_EQ(test, w->ready_fd[1], 10);
}

static void epoll_api_insert_keeps_mask_as_given(struct kunit *test)
{
	struct cr_poll_file *pf = cr_poll_file_create(test);
	struct walked *w;

	cr_epoll(test, 3);
	KUNIT_ASSERT_EQ(test, eventpoll_cr_insert(cr_file(3), pf->file, 7,
						  EPOLLIN, 0x42), 0);
	w = walk(test, 3);
	KUNIT_ASSERT_EQ(test, w->nitems, 1);
	KUNIT_EXPECT_EQ(test, (u32)w->items[0].events, (u32)EPOLLIN);
	KUNIT_EXPECT_EQ(test, w->items[0].data, 0x42ULL);
	KUNIT_EXPECT_EQ(test, w->items[0].fd, 7);
}

static void epoll_api_ctl_add_adds_err_hup(struct kunit *test)
{
	struct walked *w;

	cr_epoll(test, 3);
	cr_efd(test, 4, 0, 0);
	KUNIT_ASSERT_EQ(test, cr_ctl(3, EPOLL_CTL_ADD, 4, EPOLLIN, 1), 0);
	w = walk(test, 3);
	KUNIT_ASSERT_EQ(test, w->nitems, 1);
	KUNIT_EXPECT_EQ(test, (u32)w->items[0].events,
			(u32)(EPOLLIN | EPOLLERR | EPOLLHUP));
}

static void epoll_api_disarmed_insert_is_not_ready(struct kunit *test)
{
	struct cr_poll_file *pf = cr_poll_file_create(test);

	cr_poll_file_set(pf, EPOLLIN | EPOLLHUP);
	cr_epoll(test, 3);
	KUNIT_ASSERT_EQ(test, eventpoll_cr_insert(cr_file(3), pf->file, 7,
						  EPOLLONESHOT, 0), 0);
	KUNIT_EXPECT_EQ(test, walk(test, 3)->nready, 0);
}

/* eventpoll_cr_restore_ready()'s @next over a fixed list of keys. */
struct ready_keys {
	struct file *file[4];
	int fd[4];
	int n, pos;
	int fail_at;		/* position whose call returns -EIO, or -1 */
};

static int ready_keys_next(void *arg, struct file **tfile, int *fd)
{
	struct ready_keys *k = arg;

	if (k->pos == k->fail_at)
		return -EIO;
	if (k->pos == k->n)
		return 0;
	*tfile = k->file[k->pos];
	*fd = k->fd[k->pos++];
	return 1;
}

static void epoll_api_restore_unknown_is_enoent(struct kunit *test)
{
	struct cr_poll_file *pf = cr_poll_file_create(test);
	struct ready_keys k = { { pf->file }, { 7 }, 1, 0, -1 };

	cr_epoll(test, 3);
	KUNIT_EXPECT_EQ(test, eventpoll_cr_restore_ready(cr_file(3),
							 ready_keys_next, &k),
			-ENOENT);
}

static void epoll_api_restore_twice_is_eexist(struct kunit *test)
{
	struct cr_poll_file *pf = cr_poll_file_create(test);
	struct ready_keys k = { { pf->file, pf->file }, { 7, 7 }, 2, 0, -1 };

	cr_epoll(test, 3);
	KUNIT_ASSERT_EQ(test, eventpoll_cr_insert(cr_file(3), pf->file, 7,
						  EPOLLIN, 0), 0);
	KUNIT_EXPECT_EQ(test, eventpoll_cr_restore_ready(cr_file(3),
							 ready_keys_next, &k),
			-EEXIST);
}

static void epoll_api_restore_replaces_list_in_order(struct kunit *test)
{
	struct cr_poll_file *pf[3];
	struct ready_keys k = { .n = 2, .fail_at = -1 };
	struct walked *w;
	int i;

	cr_epoll(test, 3);
	for (i = 0; i < 3; i++) {
		pf[i] = cr_poll_file_create(test);
		cr_poll_file_set(pf[i], EPOLLIN);
		KUNIT_ASSERT_EQ(test, eventpoll_cr_insert(cr_file(3), pf[i]->file,
							  10 + i, EPOLLIN, i), 0);
	}
	KUNIT_ASSERT_EQ(test, walk(test, 3)->nready, 3);
	/* 12 before 11: the recorded order, not the insertion order */
	k.file[0] = pf[2]->file;
	k.fd[0] = 12;
	k.file[1] = pf[1]->file;
	k.fd[1] = 11;
	KUNIT_ASSERT_EQ(test, eventpoll_cr_restore_ready(cr_file(3),
							 ready_keys_next, &k), 0);
	w = walk(test, 3);
	KUNIT_ASSERT_EQ(test, w->nready, 2);
	KUNIT_EXPECT_EQ(test, w->ready_fd[0], 12);
	KUNIT_EXPECT_EQ(test, w->ready_fd[1], 11);
}

static void epoll_api_restore_passes_next_error(struct kunit *test)
{
	struct cr_poll_file *pf = cr_poll_file_create(test);
	struct ready_keys k = { { pf->file }, { 7 }, 1, 1, 1 };

	cr_epoll(test, 3);
	KUNIT_ASSERT_EQ(test, eventpoll_cr_insert(cr_file(3), pf->file, 7,
						  EPOLLIN, 0), 0);
	KUNIT_EXPECT_EQ(test, eventpoll_cr_restore_ready(cr_file(3),
							 ready_keys_next, &k),
			-EIO);
}

static void epoll_api_params_roundtrip(struct kunit *test)
{
	struct epoll_params in = { .busy_poll_usecs = 25, .busy_poll_budget = 8,
				   .prefer_busy_poll = 1 }, out;

	cr_epoll(test, 3);
	KUNIT_ASSERT_EQ(test, eventpoll_cr_set_params(cr_file(3), &in), 0);
	KUNIT_ASSERT_EQ(test, eventpoll_cr_get_params(cr_file(3), &out), 0);
	KUNIT_EXPECT_MEMEQ(test, &in, &out, sizeof(in));
}

static void epoll_api_params_rejects_like_ioctl(struct kunit *test)
{
	struct epoll_params bad = { .prefer_busy_poll = 2 };

	cr_epoll(test, 3);
	KUNIT_EXPECT_EQ(test, eventpoll_cr_set_params(cr_file(3), &bad), -EINVAL);
}

static int restore_next_unreached(void *arg, struct file **tfile, int *fd)
{
	struct kunit *test = arg;

	KUNIT_FAIL(test, "restore_ready asked a non-set for its next item");
	return -EIO;
}

/* Every service that takes a set refuses another kind of file. */
static void epoll_api_refuses_a_file_that_is_not_a_set(struct kunit *test)
{
	struct epoll_params params = {};
	struct walked *w = kunit_kzalloc(test, sizeof(*w), GFP_KERNEL);
	struct file *efd;

	KUNIT_ASSERT_NOT_NULL(test, w);
	cr_efd(test, 3, 0, 0);
	cr_efd(test, 4, 0, 0);
	efd = cr_file(3);
	KUNIT_EXPECT_FALSE(test, eventpoll_cr_is_epoll(efd));
	KUNIT_EXPECT_EQ(test, eventpoll_cr_walk_items(efd, walk_one, w), -EINVAL);
	KUNIT_EXPECT_EQ(test, eventpoll_cr_insert(efd, cr_file(4), 4, EPOLLIN, 0),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, eventpoll_cr_restore_ready(efd, restore_next_unreached,
							 test), -EINVAL);
	KUNIT_EXPECT_EQ(test, eventpoll_cr_get_params(efd, &params), -EINVAL);
	KUNIT_EXPECT_EQ(test, eventpoll_cr_set_params(efd, &params), -EINVAL);
	eventpoll_cr_lock_topology();
	KUNIT_EXPECT_EQ(test, eventpoll_cr_lock_set(efd), -EINVAL);
	eventpoll_cr_unlock_topology();
	KUNIT_EXPECT_EQ(test, w->nitems, 0);
}

/* ---- sets through checkpoint and restart ---- */

static void epoll_ready_order_restored(struct kunit *test)
{
	static const int order[] = { 3, 0, 4, 1 };
	struct walked *w;
	int i;

	cr_epoll(test, 3);
	for (i = 0; i < 5; i++) {
		cr_efd(test, 10 + i, 0, 0);
		KUNIT_ASSERT_EQ(test, cr_ctl(3, EPOLL_CTL_ADD, 10 + i, EPOLLIN, i), 0);
	}
	for (i = 0; i < ARRAY_SIZE(order); i++)
		signal_efd(test, 10 + order[i]);
	cr_roundtrip(test, 0);
	w = walk(test, 3);
	KUNIT_ASSERT_EQ(test, w->nready, 4);
	for (i = 0; i < ARRAY_SIZE(order); i++)
		KUNIT_EXPECT_EQ(test, w->ready_fd[i], 10 + order[i]);
}

/* Ready on the target but off the list (an edge consumed): stays off. */
static void epoll_consumed_edge_stays_off_the_list(struct kunit *test)
{
	struct ready_keys no_keys = { .fail_at = -1 };

	cr_epoll(test, 3);
	cr_efd(test, 10, 0, 0);
	KUNIT_ASSERT_EQ(test, cr_ctl(3, EPOLL_CTL_ADD, 10, EPOLLIN | EPOLLET, 1), 0);
	signal_efd(test, 10);
	KUNIT_ASSERT_EQ(test, eventpoll_cr_restore_ready(cr_file(3),
							 ready_keys_next,
							 &no_keys), 0);
	cr_roundtrip(test, 0);
	KUNIT_EXPECT_EQ(test, walk(test, 3)->nready, 0);
}

static void epoll_target_outside_table_is_ebusy(struct kunit *test)
{
	struct file *kept;

	cr_epoll(test, 3);
	cr_efd(test, 10, 0, 0);
	KUNIT_ASSERT_EQ(test, cr_ctl(3, EPOLL_CTL_ADD, 10, EPOLLIN, 1), 0);
	kept = get_file(cr_file(10));
	close_fd(10);
	KUNIT_EXPECT_EQ(test, cr_checkpoint(test, 0), -EBUSY);
	KUNIT_EXPECT_EQ(test, cr_checkpoint(test, CHECKPOINT_SUBTREE), -EBUSY);
	fput(kept);
}

static void epoll_nested_sets_restored(struct kunit *test)
{
	struct walked *outer, *inner;

	cr_epoll(test, 3);
	cr_epoll(test, 4);
	cr_efd(test, 10, 1, 0);
	KUNIT_ASSERT_EQ(test, cr_ctl(3, EPOLL_CTL_ADD, 10, EPOLLIN, 0xa), 0);
	KUNIT_ASSERT_EQ(test, cr_ctl(4, EPOLL_CTL_ADD, 3, EPOLLIN, 0xb), 0);
	cr_roundtrip(test, 0);
	inner = walk(test, 3);
	outer = walk(test, 4);
	KUNIT_ASSERT_EQ(test, inner->nitems, 1);
	KUNIT_ASSERT_EQ(test, outer->nitems, 1);
	KUNIT_EXPECT_PTR_EQ(test, outer->items[0].file, cr_file(3));
	KUNIT_EXPECT_PTR_EQ(test, inner->items[0].file, cr_file(10));
	KUNIT_EXPECT_EQ(test, outer->nready, 1);
}

/* EP (objref 1) -> EP2 (objref 2) -> EP: a crafted loop. */
static void epoll_looped_image_is_eloop(struct kunit *test)
{
	struct ckpt_rec_epoll_items *rec;
	struct ckpt_epoll_item *item;
	size_t len;
	u8 *image;

	cr_epoll(test, 3);
	cr_epoll(test, 4);
	cr_efd(test, 10, 0, 0);
	KUNIT_ASSERT_EQ(test, cr_ctl(3, EPOLL_CTL_ADD, 10, EPOLLIN, 1), 0);
	KUNIT_ASSERT_EQ(test, cr_ctl(4, EPOLL_CTL_ADD, 3, EPOLLIN, 2), 0);
	KUNIT_ASSERT_EQ(test, cr_checkpoint(test, 0), 0);
	image = cr_image_bytes(test, &len);
	cr_close_all();
	rec = (void *)cr_image_find(image, len, CKPT_REC_EPOLL_ITEMS, 0);
	KUNIT_ASSERT_NOT_NULL(test, rec);
	KUNIT_ASSERT_EQ(test, rec->epoll_objref, 1U);
	item = (void *)(rec + 1);
	item->target_objref = 2;
	cr_image_fix_checksum(image, len);
	cr_image_replace(test, image, len);
	KUNIT_EXPECT_EQ(test, cr_restart(test), -ELOOP);
	KUNIT_EXPECT_EQ(test, cr_fd_table(), 0ULL);
	cr_expect_nothing_alive(test);
}

static const int set_sizes[] = {
	0, 1, 2, CKPT_CHUNK_ENTRIES - 1, CKPT_CHUNK_ENTRIES,
	CKPT_CHUNK_ENTRIES + 1, MAX_ITEMS,
};

static void set_size_desc(const int *n, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%d items", *n);
}

KUNIT_ARRAY_PARAM(set_size, set_sizes, set_size_desc);

/* Counts the item entries of the image's ITEMS records, checking chunks. */
static u32 image_items(struct kunit *test, u32 *header_count)
{
	struct ckpt_rec_file *file;
	struct ckpt_hdr *h;
	size_t len, off = 0;
	u32 n = 0;
	u8 *image;

	image = cr_image_bytes(test, &len);
	file = (void *)cr_image_find(image, len, CKPT_REC_FILE, 0);
	while (file && file->file_type != CKPT_FILE_EPOLL)
		file = (void *)cr_image_find(image, len, CKPT_REC_FILE,
					     (u8 *)file - image + 1);
	KUNIT_ASSERT_NOT_NULL(test, file);
	*header_count = ((struct ckpt_file_epoll *)(file + 1))->nitems;
	while ((h = cr_image_find(image, len, CKPT_REC_EPOLL_ITEMS, off))) {
		struct ckpt_rec_epoll_items *rec = (void *)h;

		KUNIT_EXPECT_LE(test, rec->count, (u32)CKPT_CHUNK_ENTRIES);
		n += rec->count;
		off = (u8 *)h - image + 1;
	}
	return n;
}

static void epoll_set_size_roundtrip(struct kunit *test)
{
	int n = *(const int *)test->param_value, i;
	struct walked *w;
	u32 header;

	cr_epoll(test, 3);
	cr_efd(test, 4, 0, 0);
	for (i = 0; i < n; i++)
		KUNIT_ASSERT_EQ(test, eventpoll_cr_insert(cr_file(3), cr_file(4),
							  1000 + i, EPOLLIN | EPOLLET,
							  (u64)i << 20), 0);
	KUNIT_ASSERT_EQ(test, cr_checkpoint(test, 0), 0);
	KUNIT_EXPECT_EQ(test, image_items(test, &header), (u32)n);
	KUNIT_EXPECT_EQ(test, header, (u32)n);
	cr_close_all();
	KUNIT_ASSERT_EQ(test, cr_restart(test), 0);
	w = walk(test, 3);
	KUNIT_ASSERT_EQ(test, w->nitems, n);
	for (i = 0; i < n; i++) {
		KUNIT_EXPECT_EQ(test, w->items[i].fd, 1000 + i);
		KUNIT_EXPECT_EQ(test, w->items[i].data, (u64)i << 20);
		KUNIT_EXPECT_PTR_EQ(test, w->items[i].file, cr_file(4));
		if (test->status == KUNIT_FAILURE)
			break;
	}
}

static const u32 event_masks[] = {
	EPOLLIN, EPOLLOUT, EPOLLIN | EPOLLET, EPOLLIN | EPOLLONESHOT,
	EPOLLONESHOT, EPOLLIN | EPOLLEXCLUSIVE,
	EPOLLIN | EPOLLPRI | EPOLLRDHUP, EPOLLIN | EPOLLWAKEUP,
	EPOLLIN | EPOLLOUT | EPOLLERR | EPOLLHUP | EPOLLET,
};

static void event_mask_desc(const u32 *mask, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "events %#x", *mask);
}

KUNIT_ARRAY_PARAM(event_mask, event_masks, event_mask_desc);

static void epoll_event_mask_bit_exact(struct kunit *test)
{
	u32 mask = *(const u32 *)test->param_value;
	struct walked *w;

	cr_epoll(test, 3);
	cr_efd(test, 4, 1, 0);
	KUNIT_ASSERT_EQ(test, eventpoll_cr_insert(cr_file(3), cr_file(4), 4,
						  (__force __poll_t)mask, ~0ULL), 0);
	cr_roundtrip(test, 0);
	w = walk(test, 3);
	KUNIT_ASSERT_EQ(test, w->nitems, 1);
	KUNIT_EXPECT_EQ(test, (__force u32)w->items[0].events, mask);
	KUNIT_EXPECT_EQ(test, w->items[0].data, ~0ULL);
}

/* Keys are (file, fd): one fd number for two files, one file at two fds. */
static void epoll_item_keys_restored(struct kunit *test)
{
	struct walked *w;

	cr_epoll(test, 3);
	cr_efd(test, 10, 0, 0);
	cr_efd(test, 11, 0, 0);
	KUNIT_ASSERT_EQ(test, eventpoll_cr_insert(cr_file(3), cr_file(10), 20,
						  EPOLLIN, 1), 0);
	KUNIT_ASSERT_EQ(test, eventpoll_cr_insert(cr_file(3), cr_file(11), 20,
						  EPOLLIN, 2), 0);
	KUNIT_ASSERT_EQ(test, eventpoll_cr_insert(cr_file(3), cr_file(10), 21,
						  EPOLLIN, 3), 0);
	cr_roundtrip(test, 0);
	w = walk(test, 3);
	KUNIT_ASSERT_EQ(test, w->nitems, 3);
	KUNIT_EXPECT_PTR_EQ(test, w->items[0].file, cr_file(10));
	KUNIT_EXPECT_PTR_EQ(test, w->items[1].file, cr_file(11));
	KUNIT_EXPECT_PTR_EQ(test, w->items[2].file, cr_file(10));
	KUNIT_EXPECT_EQ(test, w->items[2].fd, 21);
}

/*
 * Random sets from the suite's seeded PRNG: two sets over three eventfds,
 * items with random keys, masks and data, must come back item for item.
 * The seed is logged at suite start; cr_kunit.seed=N replays it.
 */
static void epoll_random_sets_roundtrip(struct kunit *test)
{
	struct rnd_state *rnd = &cr_fx(test)->rnd;
	struct walked *before[2], *after;
	int set, i, n = 0;

	cr_epoll(test, 3);
	cr_epoll(test, 4);
	for (i = 0; i < 3; i++)
		cr_efd(test, 10 + i, prandom_u32_state(rnd) % 3, 0);
	for (i = 0; i < 200; i++) {
		u32 r = prandom_u32_state(rnd);
		u32 mask = event_masks[r % ARRAY_SIZE(event_masks)];
		int err;

		err = eventpoll_cr_insert(cr_file(3 + (r >> 8) % 2),
					  cr_file(10 + (r >> 9) % 3),
					  100 + (r >> 11) % 64,
					  (__force __poll_t)mask,
					  ((u64)prandom_u32_state(rnd) << 32) | i);
		/* Keys drawn twice, or EXCLUSIVE on an epoll, are refused. */
		KUNIT_ASSERT_TRUE(test, !err || err == -EEXIST);
		n += !err;
	}
	for (set = 0; set < 2; set++)
		before[set] = walk(test, 3 + set);
	KUNIT_ASSERT_EQ(test, before[0]->nitems + before[1]->nitems, n);
	cr_roundtrip(test, 0);
	for (set = 0; set < 2; set++) {
		after = walk(test, 3 + set);
		KUNIT_ASSERT_EQ(test, after->nitems, before[set]->nitems);
		for (i = 0; i < after->nitems; i++) {
			KUNIT_EXPECT_EQ(test, after->items[i].fd,
					before[set]->items[i].fd);
			KUNIT_EXPECT_EQ(test, after->items[i].data,
					before[set]->items[i].data);
			KUNIT_EXPECT_EQ(test, (__force u32)after->items[i].events,
					(__force u32)before[set]->items[i].events);
		}
	}
	kunit_info(test, "%d random items over 2 sets (seed %llu)", n,
		   cr_kunit_seed());
}

/*
 * Items sharing a target keep the order a wakeup reaches them (newest
 * first) through the image, whichever way checkpoint sorts the set: by
 * counting when its targets' objrefs are dense, by comparison when
 * unwatched eventfds spread them over more than eight per item.
 */
static const bool sparse_targets[] = { false, true };

static void sparse_targets_desc(const bool *sparse, char *desc)
{
	strscpy(desc, *sparse ? "sparse objrefs" : "dense objrefs",
		KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(sparse_targets, sparse_targets, sparse_targets_desc);

static void epoll_shared_target_keeps_wake_order(struct kunit *test)
{
	static const int added[] = { 12, 10, 11 }, reached[] = { 11, 10, 12 };
	const bool *sparse = test->param_value;
	int far = *sparse ? 45 : 13, i;
	struct walked *w;

	cr_epoll(test, 3);
	cr_efd(test, 10, 0, 0);
	cr_install(test, get_file(cr_file(10)), 11);
	cr_install(test, get_file(cr_file(10)), 12);
	for (i = 13; i <= far; i++)
		cr_efd(test, i, 0, 0);
	for (i = 0; i < ARRAY_SIZE(added); i++)
		KUNIT_ASSERT_EQ(test, cr_ctl(3, EPOLL_CTL_ADD, added[i], EPOLLIN, i), 0);
	KUNIT_ASSERT_EQ(test, cr_ctl(3, EPOLL_CTL_ADD, far, EPOLLIN, 9), 0);
	cr_roundtrip(test, 0);
	signal_efd(test, 10);
	w = walk(test, 3);
	KUNIT_ASSERT_EQ(test, w->nready, ARRAY_SIZE(reached));
	for (i = 0; i < ARRAY_SIZE(reached); i++)
		KUNIT_EXPECT_EQ(test, w->ready_fd[i], reached[i]);
}

static struct kunit_case epoll_test_cases[] = {
	KUNIT_CASE(epoll_api_walk_yields_ready_first_in_order),
	KUNIT_CASE(epoll_api_insert_keeps_mask_as_given),
	KUNIT_CASE(epoll_api_ctl_add_adds_err_hup),
	KUNIT_CASE(epoll_api_disarmed_insert_is_not_ready),
	KUNIT_CASE(epoll_api_restore_unknown_is_enoent),
	KUNIT_CASE(epoll_api_restore_twice_is_eexist),
	KUNIT_CASE(epoll_api_restore_replaces_list_in_order),
	KUNIT_CASE(epoll_api_restore_passes_next_error),
	KUNIT_CASE(epoll_api_params_roundtrip),
	KUNIT_CASE(epoll_api_params_rejects_like_ioctl),
	KUNIT_CASE(epoll_api_refuses_a_file_that_is_not_a_set),
	KUNIT_CASE(epoll_ready_order_restored),
	KUNIT_CASE_PARAM(epoll_shared_target_keeps_wake_order,
			 sparse_targets_gen_params),
	KUNIT_CASE(epoll_consumed_edge_stays_off_the_list),
	KUNIT_CASE(epoll_target_outside_table_is_ebusy),
	KUNIT_CASE(epoll_nested_sets_restored),
	KUNIT_CASE(epoll_looped_image_is_eloop),
	KUNIT_CASE_PARAM(epoll_set_size_roundtrip, set_size_gen_params),
	KUNIT_CASE_PARAM(epoll_event_mask_bit_exact, event_mask_gen_params),
	KUNIT_CASE(epoll_item_keys_restored),
	KUNIT_CASE(epoll_random_sets_roundtrip),
	{}
};

static struct kunit_suite epoll_test_suite = {
	.name = "checkpoint_epoll",
	.suite_init = cr_kunit_suite_init,
	.init = cr_kunit_init,
	.test_cases = epoll_test_cases,
};

kunit_test_suite(epoll_test_suite);
