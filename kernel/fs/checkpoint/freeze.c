// SPDX-License-Identifier: GPL-2.0
/*
 * The freeze: the one instant an image is of.
 *
 * Under CHECKPOINT_SUBTREE, tasks outside the checkpoint share its files
 * and keep changing them: epoll_ctl(2) and epoll_wait(2) on its sets,
 * read(2) and write(2) of its pipes, eventfds and regular files, close(2)
 * of a pipe end.  A wakeup joins two pieces of state (a target's bytes or
 * counter, and the ready lists of the items watching it), so reading them
 * one after the other records a target that is ready with its item off
 * every ready list: a lost wakeup after restart.
 *
 * So checkpoint reads all restorable state between locking and unlocking,
 * once, every lock through which those tasks change it.  In this order,
 * which is also the order they nest in elsewhere:
 *
 *  1. ckpt_freeze_mutex: one freeze at a time, and lockdep's nest lock
 *     for the many locks of one class below;
 *  2. every regular file's f_pos_lock (read(2), write(2), lseek(2) of a
 *     shared file description move f_pos under it);
 *  3. epnested_mutex, so no set gets nested anew, then every set's
 *     ep->mtx, outer sets first (epoll_ctl(2), epoll_wait(2));
 *  4. every pipe's mutex, lowest address first as pipe_double_lock()
 *     does (read, write, close of an end; fs/pipe.c wakes a polled
 *     pipe's epoll items before it drops the mutex), then every UNIX
 *     socket pair end's iolock, lowest address first (every receive;
 *     splice(2) from a socket into a pipe nests it inside the pipe's);
 *  5. with interrupts off, every pair end's unix_state_lock(), lowest
 *     address first as unix_state_double_lock() does (sends, shutdown
 *     and close change a connection and wake its epoll items under it;
 *     the pairs are read before the next locks, as their queue locks are
 *     not irq-safe), then every eventfd's wait-queue lock, under which eventfd changes
 *     its counter and wakes its epoll items, then every timerfd's, under
 *     which a timer expires, counts ticks and wakes its items (one class
 *     after the other, never back, as lockdep wants of locks of several
 *     classes nested).
 *
 * State read after step 4 cannot change until the unlock; state read in
 * step 5 cannot change while step 5 lasts; readiness changes only through
 * these locks.  So the image is the state at step 5, and every concurrent
 * operation lands wholly before or wholly after it.  What is read in 5
 * (eventfd counters, timer states, how much each socket has queued, ready
 * lists) is copied into memory allocated before, as nothing may sleep
 * there; the queued bytes themselves are copied after it, while the
 * iolocks still keep every receiver out.
 *
 * A signalfd is ready for whichever task polls it with a signal pending,
 * which no lock here holds still; restart polls its items again in the
 * restoring task (see file_signalfd.c), so its ready list entries need
 * no instant.
 */
#include <linux/eventfd.h>
#include <linux/fs.h>
#include <linux/uaccess.h>
#include <linux/eventpoll.h>
#include <linux/irqflags.h>
#include <linux/mutex.h>
#include <linux/pipe_fs_i.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/timerfd.h>
#include <net/af_unix.h>
#include <net/sock.h>

#include "internal.h"

/* Nesting of sets in one image is bounded by epoll's EP_MAX_NESTS (4). */
#define CKPT_MAX_DEPTH	8

static DEFINE_MUTEX(ckpt_freeze_mutex);

/* The objects each step locks, in locking order. */
struct ckpt_freeze {
	struct ckpt_obj **regular, **sets, **pipes, **eventfds, **timerfds;
	struct ckpt_obj **pairs;
	struct sock **socks;		/* both ends of every pair */
	u32 nregular, nsets, npipes, neventfds, ntimerfds, npairs, nsocks;
	u32 sets_locked, pipes_locked, socks_locked;
};

static int ckpt_freeze_arrays(struct ckpt_ctx *ctx, struct ckpt_freeze *fz)
{
	struct ckpt_obj *obj;
	u32 objref;
	u32 n = ctx->nobjects;

	if (ckpt_should_fail(ctx, CKPT_FAULT_ALLOC))
		return -ENOMEM;
	fz->regular = kvcalloc(6 * (size_t)n, sizeof(*fz->regular), GFP_KERNEL);
	if (!fz->regular)
		return -ENOMEM;
	fz->sets = fz->regular + n;
	fz->pipes = fz->sets + n;
	fz->eventfds = fz->pipes + n;
	fz->timerfds = fz->eventfds + n;
	fz->pairs = fz->timerfds + n;
	for (objref = 1; (obj = ckpt_obj_at(ctx, objref)); objref++) {
		if (obj->owner_ops == &ckpt_pipe_owner_ops)
			fz->pipes[fz->npipes++] = obj;
		else if (ckpt_is_unix_pair(obj))
			fz->pairs[fz->npairs++] = obj;
		else if (obj->ops == &ckpt_regular_ops)
			fz->regular[fz->nregular++] = obj;
		else if (obj->ops == &ckpt_epoll_ops)
			fz->sets[fz->nsets++] = obj;
		else if (obj->ops == &ckpt_eventfd_ops)
			fz->eventfds[fz->neventfds++] = obj;
		else if (obj->ops == &ckpt_timerfd_ops)
			fz->timerfds[fz->ntimerfds++] = obj;
	}
	return 0;
}

struct ckpt_depth_walk {
	struct ckpt_ctx *ctx;
	struct ckpt_obj *set;
	bool changed;
};

/* Under the set's f_lock: an item of @epfile watches the set. */
static int ckpt_freeze_parent(void *arg, struct file *epfile, int fd)
{
	struct ckpt_depth_walk *walk = arg;
	struct ckpt_obj *parent = ckpt_obj_find(walk->ctx, epfile);

	lockdep_assert_held(&walk->set->file->f_lock);
	if (parent && parent->kind == CKPT_OBJ_FILE &&
	    parent->depth + 1 > walk->set->depth) {
		walk->set->depth = parent->depth + 1;
		walk->changed = true;
	}
	return 0;
}

static int ckpt_depth_cmp(const void *a, const void *b)
{
	const struct ckpt_obj *x = *(const struct ckpt_obj **)a;
	const struct ckpt_obj *y = *(const struct ckpt_obj **)b;

	if (x->depth != y->depth)
		return x->depth < y->depth ? -1 : 1;
	return x->objref < y->objref ? -1 : x->objref > y->objref;
}

/*
 * Sorts the sets outer first: a set's depth is one more than that of the
 * deepest set of the image that watches it.  epnested_mutex is held, so no
 * new nesting appears meanwhile.
 */
static int ckpt_freeze_order_sets(struct ckpt_ctx *ctx, struct ckpt_freeze *fz)
{
	struct ckpt_depth_walk walk = { .ctx = ctx };
	int pass = 0;
	u32 i;

	do {
		walk.changed = false;
		for (i = 0; i < fz->nsets; i++) {
			walk.set = fz->sets[i];
			eventpoll_cr_walk_watchers(walk.set->file,
						   ckpt_freeze_parent, &walk);
		}
	} while (walk.changed && ++pass < CKPT_MAX_DEPTH);
	/* epoll refuses loops and deeper nesting: cannot happen. */
	if (WARN_ON_ONCE(walk.changed))
		return -ELOOP;
	sort(fz->sets, fz->nsets, sizeof(*fz->sets), ckpt_depth_cmp, NULL);
	return 0;
}

static int ckpt_pipe_addr_cmp(const void *a, const void *b)
{
	const struct ckpt_obj *x = *(const struct ckpt_obj **)a;
	const struct ckpt_obj *y = *(const struct ckpt_obj **)b;

	return x->ptr < y->ptr ? -1 : x->ptr > y->ptr;
}

static int ckpt_sock_addr_cmp(const void *a, const void *b)
{
	const struct sock *x = *(const struct sock **)a;
	const struct sock *y = *(const struct sock **)b;

	return x < y ? -1 : x > y;
}

/*
 * Both ends of every pair, lowest address first, before any lock, each
 * with a reference ckpt_freeze() drops.
 */
static int ckpt_freeze_socks(struct ckpt_ctx *ctx, struct ckpt_freeze *fz)
{
	u32 i;
	int err;

	if (!fz->npairs)
		return 0;
	if (ckpt_should_fail(ctx, CKPT_FAULT_ALLOC))
		return -ENOMEM;
	fz->socks = kvcalloc(2 * (size_t)fz->npairs, sizeof(*fz->socks),
			     GFP_KERNEL);
	if (!fz->socks)
		return -ENOMEM;
	for (i = 0; i < fz->npairs; i++) {
		err = ckpt_unix_freeze_socks(ctx, fz->pairs[i], fz->socks + 2 * i);
		if (err)
			return err;
		fz->nsocks += 2;
	}
	sort(fz->socks, fz->nsocks, sizeof(*fz->socks), ckpt_sock_addr_cmp,
	     NULL);
	/* Pairs share no end, unless one was reconnected meanwhile. */
	for (i = 1; i < fz->nsocks; i++)
		if (fz->socks[i] == fz->socks[i - 1])
			return -EBUSY;
	return 0;
}

static void ckpt_freeze_unlock(struct ckpt_freeze *fz)
{
	u32 i;

	for (i = fz->socks_locked; i--; )
		mutex_unlock(&unix_sk(fz->socks[i])->iolock);
	for (i = fz->pipes_locked; i--; ) {
		struct pipe_inode_info *pipe = fz->pipes[i]->ptr;

		mutex_unlock(&pipe->mutex);
	}
	for (i = fz->sets_locked; i--; )
		eventpoll_cr_unlock_set(fz->sets[i]->file);
	eventpoll_cr_unlock_topology();
	for (i = fz->nregular; i--; )
		mutex_unlock(&fz->regular[i]->file->f_pos_lock);
}

/* Steps 2-4 of the comment at the top. */
static int ckpt_freeze_lock(struct ckpt_ctx *ctx, struct ckpt_freeze *fz)
{
	u32 i;
	int err;

	lockdep_assert_held(&ckpt_freeze_mutex);
	for (i = 0; i < fz->nregular; i++)
		mutex_lock_nest_lock(&fz->regular[i]->file->f_pos_lock,
				     &ckpt_freeze_mutex);
	eventpoll_cr_lock_topology();
	err = ckpt_freeze_order_sets(ctx, fz);
	for (i = 0; !err && i < fz->nsets; i++) {
		err = eventpoll_cr_lock_set(fz->sets[i]->file);
		if (!err)
			fz->sets_locked++;
	}
	if (err)
		return err;
	sort(fz->pipes, fz->npipes, sizeof(*fz->pipes), ckpt_pipe_addr_cmp,
	     NULL);
	for (; fz->pipes_locked < fz->npipes; fz->pipes_locked++) {
		struct pipe_inode_info *pipe = fz->pipes[fz->pipes_locked]->ptr;

		mutex_lock_nest_lock(&pipe->mutex, &ckpt_freeze_mutex);
	}
	for (; fz->socks_locked < fz->nsocks; fz->socks_locked++)
		mutex_lock_nest_lock(&unix_sk(fz->socks[fz->socks_locked])->iolock,
				     &ckpt_freeze_mutex);
	return 0;
}

/* Step 5: the instant.  Nothing here sleeps or allocates. */
static int ckpt_freeze_instant(struct ckpt_ctx *ctx, struct ckpt_freeze *fz)
{
	int err = 0;
	u32 i;

	/* Once for every eventfd and timerfd lock: see eventfd_cr_lock(). */
	preempt_disable();
	local_irq_disable();
	for (i = 0; i < fz->nsocks; i++)
		spin_lock_nest_lock(&unix_sk(fz->socks[i])->lock,
				    &ckpt_freeze_mutex);
	/*
	 * Before any irq-safe lock: a socket's queue lock is not one.  What
	 * is read here cannot change until the unlock below.
	 */
	for (i = 0; !err && i < fz->npairs; i++)
		err = ckpt_unix_obj_freeze_atomic(ctx, fz->pairs[i]);
	for (i = 0; i < fz->neventfds; i++)
		eventfd_cr_lock(fz->eventfds[i]->file, &ckpt_freeze_mutex);
	for (i = 0; i < fz->ntimerfds; i++)
		timerfd_cr_lock(fz->timerfds[i]->file, &ckpt_freeze_mutex);
	for (i = 0; !err && i < fz->neventfds; i++)
		err = fz->eventfds[i]->ops->freeze_atomic(ctx, fz->eventfds[i]);
	for (i = 0; !err && i < fz->ntimerfds; i++)
		err = fz->timerfds[i]->ops->freeze_atomic(ctx, fz->timerfds[i]);
	for (i = 0; !err && i < fz->nsets; i++)
		err = fz->sets[i]->ops->freeze_atomic(ctx, fz->sets[i]);
	for (i = fz->ntimerfds; i--; )
		timerfd_cr_unlock(fz->timerfds[i]->file);
	for (i = fz->neventfds; i--; )
		eventfd_cr_unlock(fz->eventfds[i]->file);
	for (i = fz->nsocks; i--; )
		spin_unlock(&unix_sk(fz->socks[i])->lock);
	local_irq_enable();
	preempt_enable();
	return err;
}

/* With everything locked: what may sleep, then the instant. */
static int ckpt_freeze_read(struct ckpt_ctx *ctx, struct ckpt_freeze *fz)
{
	struct ckpt_obj *obj;
	u32 objref;
	int err = 0;
	u32 i;

	/* In objref order: the order of the deferred records they queue. */
	for (objref = 1; !err && (obj = ckpt_obj_at(ctx, objref)); objref++) {
		if (obj->kind == CKPT_OBJ_OWNER) {
			if (obj->owner_ops->freeze)
				err = obj->owner_ops->freeze(ctx, obj);
		} else if (obj->kind == CKPT_OBJ_FILE) {
			obj->f_pos = obj->file->f_pos;
			if (obj->ops->freeze)
				err = obj->ops->freeze(ctx, obj);
		}
	}
	if (!err)
		err = ckpt_freeze_instant(ctx, fz);
	for (i = 0; !err && i < fz->npairs; i++)
		err = ckpt_unix_obj_copy(ctx, fz->pairs[i]);
	return err;
}

/**
 * ckpt_freeze - read the state of every object of @ctx at one instant
 * @ctx: a checkpoint whose fd table has been collected
 *
 * Return: 0, or a negative errno with nothing left locked.
 */
int ckpt_freeze(struct ckpt_ctx *ctx)
{
	struct ckpt_freeze fz = {};
	int err;
	u32 i;

	might_sleep();
	err = ckpt_freeze_arrays(ctx, &fz);
	if (err)
		return err;
	for (i = 0; i < fz.nsets; i++)
		ckpt_test_point(ctx, CKPT_POINT_EPOLL_COLLECT, fz.sets[i]->file);

	err = ckpt_freeze_socks(ctx, &fz);
	if (err)
		goto out_free;
	mutex_lock(&ckpt_freeze_mutex);
	err = ckpt_freeze_lock(ctx, &fz);
	if (!err)
		err = ckpt_freeze_read(ctx, &fz);
	ckpt_freeze_unlock(&fz);
	mutex_unlock(&ckpt_freeze_mutex);
out_free:
	for (i = 0; i < fz.nsocks; i++)
		sock_put(fz.socks[i]);
	kvfree(fz.socks);
	kvfree(fz.regular);
	return err;
}
