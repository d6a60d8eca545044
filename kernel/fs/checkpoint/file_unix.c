// SPDX-License-Identifier: GPL-2.0
/*
 * UNIX socket pairs.  As with a pipe, the pair is an object of its own,
 * written before the first end that names it, with each end's queue,
 * shutdown state, pending error and buffer sizes; each end is a FILE
 * record naming the pair.  Restart makes a new pair as socketpair(2)
 * would (so SO_PEERCRED is the restorer's), sends the queued messages
 * from one end to the other, and closes an end no FILE record claims
 * once every object is read: one closed when the checkpoint was taken,
 * or one held only outside the table.
 *
 * The freeze reads a pair under both ends' iolock (no receive) and, at
 * its instant, their unix_state_lock(), under which af_unix changes a
 * connection and wakes its epoll items (see freeze.c): other tasks may
 * send, receive, shut down and close meanwhile.  A bound, listening or
 * unconnected socket is not of this type (see ckpt_unix_match()); of
 * pairs, what is refused is refused with the fd named: a peer connected
 * elsewhere, files (SCM_RIGHTS, -EBUSY) or credentials in flight,
 * out-of-band data, SO_PASSCRED, SO_PASSSEC, SO_PASSPIDFD, socket
 * filters and sockmaps (-EOPNOTSUPP).
 */
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/net.h>
#include <linux/overflow.h>
#include <linux/skbuff.h>
#include <linux/slab.h>
#include <linux/socket.h>
#include <linux/uio.h>
#include <net/af_unix.h>
#include <net/sock.h>

#include "internal.h"

/* Bounds restart enforces before it trusts a length. */
#define CKPT_UNIX_MAX_MSGS	BIT(16)
#define CKPT_UNIX_MAX_BYTES	(64U << 20)

static struct sock *ckpt_unix_sk(struct file *file)
{
	struct socket *sock = sock_from_file(file);

	return sock && sock->sk && sock->sk->sk_family == AF_UNIX ?
	       sock->sk : NULL;
}

static bool ckpt_unix_bound(const struct sock *sk)
{
	/* Pairs with the smp_store_release() of unix_bind_*(). */
	return smp_load_acquire(&unix_sk(sk)->addr);
}

/*
 * One end of a pair (a socketpair(2), or a connection that outlived its
 * peer): neither it nor its peer has an address, and it is no listener.
 * Anything else is an unsupported type, skipped under
 * CHECKPOINT_SKIP_UNSUPPORTED.
 */
static bool ckpt_unix_match(struct file *file)
{
	struct sock *sk = ckpt_unix_sk(file), *peer;
	bool pair;

	if (!sk)
		return false;
	/* The peer cannot go while sk's lock holds it connected. */
	unix_state_lock(sk);
	peer = unix_peer(sk);
	pair = peer && !ckpt_unix_bound(sk) && !ckpt_unix_bound(peer) &&
	       READ_ONCE(sk->sk_state) != TCP_LISTEN;
	unix_state_unlock(sk);
	return pair;
}

/* Both ends name the pair by the lower of their two socks. */
static void *ckpt_unix_owner(struct file *file)
{
	struct sock *sk = ckpt_unix_sk(file), *peer;

	unix_state_lock(sk);
	peer = unix_peer(sk);
	unix_state_unlock(sk);
	return peer && peer < sk ? peer : sk;
}

/*
 * A pair in the freeze: its two socks (end 0, the table's first, and its
 * peer), then the record read at the instant; once the queues are copied,
 * the lengths and bytes that follow the record in the image.
 */
struct ckpt_unix_frozen {
	struct sock *sk[2];
	int fd;				/* end 0's, for messages */
	struct ckpt_rec_unix_pair rec;
	u32 payload;			/* bytes of @data */
	u8 data[];
};

static int ckpt_unix_refuse(int fd, const char *why, int err)
{
	pr_info_ratelimited("checkpoint: fd %d: UNIX socket %s\n", fd, why);
	return err;
}

/**
 * ckpt_unix_freeze_socks - the socks the freeze locks for a pair
 * @ctx: the checkpoint
 * @obj: a pair object
 * @sk: gets end 0 and its peer, which may be closed, each with a
 *	reference the caller drops (sock_put()) once the freeze is over
 *
 * Before the freeze locks anything: readies @obj's frozen state.  The
 * instant checks the peer again (ckpt_unix_obj_freeze_atomic()): a task
 * sharing end 0 may disconnect it meanwhile, dropping end 0's own
 * reference on the peer, hence ours.
 *
 * Return: 0, -ENOMEM, -EBUSY for an end disconnected, or -EOPNOTSUPP for
 * a peer connected elsewhere; no reference is left on error.
 */
int ckpt_unix_freeze_socks(struct ckpt_ctx *ctx, struct ckpt_obj *obj,
			   struct sock **sk)
{
	struct ckpt_obj *first = ckpt_obj_at(ctx, obj->objref + 1);
	struct ckpt_unix_frozen *frozen;
	bool mutual;
	int err;

	sk[0] = ckpt_unix_sk(first->file);
	unix_state_lock(sk[0]);
	sk[1] = unix_peer(sk[0]);
	if (sk[1])
		sock_hold(sk[1]);
	unix_state_unlock(sk[0]);
	/* Match saw a peer; only a connect(2) through a shared file drops it. */
	if (!sk[1])
		return ckpt_unix_refuse(first->first_fd, "disconnected while checkpointed",
					-EBUSY);
	/* A closed peer has let go of its own peer; a live one must not. */
	unix_state_lock(sk[1]);
	mutual = sock_flag(sk[1], SOCK_DEAD) || unix_peer(sk[1]) == sk[0];
	unix_state_unlock(sk[1]);
	err = -EOPNOTSUPP;
	if (!mutual) {
		ckpt_unix_refuse(first->first_fd, "whose peer is connected elsewhere",
				 err);
		goto out_put;
	}

	err = -ENOMEM;
	frozen = ckpt_should_fail(ctx, CKPT_FAULT_ALLOC) ? NULL :
		 kvzalloc(sizeof(*frozen), GFP_KERNEL);
	if (!frozen)
		goto out_put;
	sock_hold(sk[0]);
	frozen->sk[0] = sk[0];
	frozen->sk[1] = sk[1];
	frozen->fd = first->first_fd;
	frozen->rec.objref = obj->objref;
	frozen->rec.sock_type = sk[0]->sk_type;
	obj->frozen = frozen;
	return 0;

out_put:
	sock_put(sk[1]);
	return err;
}

/* At the instant: what the end cannot be restored with. */
static int ckpt_unix_check_end(struct sock *sk, int fd)
{
	struct socket *sock = sk->sk_socket;
	bool passes;

	/* bind(2) or listen(2) through a shared file since the collect */
	if (ckpt_unix_bound(sk) || READ_ONCE(sk->sk_state) == TCP_LISTEN)
		return ckpt_unix_refuse(fd, "bound while checkpointed", -EBUSY);
	passes = test_bit(SOCK_PASSCRED, &sock->flags) ||
		 test_bit(SOCK_PASSPIDFD, &sock->flags) ||
		 test_bit(SOCK_PASSSEC, &sock->flags);
	if (passes || rcu_access_pointer(sk->sk_filter) ||
	    rcu_access_pointer(sk->sk_user_data))
		return ckpt_unix_refuse(fd, "passing credentials, filtered or in a sockmap",
					-EOPNOTSUPP);
#if IS_ENABLED(CONFIG_AF_UNIX_OOB)
	if (READ_ONCE(unix_sk(sk)->oob_skb))
		return ckpt_unix_refuse(fd, "with out-of-band data", -EOPNOTSUPP);
#endif
	return 0;
}

/*
 * Walks what @sk has queued to receive, a message per buffer (a stream's
 * write, or what is unread of it): at the instant, counts it into @end;
 * after it, with @data, copies the first @end->nmsgs messages and their
 * lengths into @lens.  Restart sends a stream's writes one by one, so
 * that reading part of them frees the same writes, and wakes the writer
 * as the original would.
 */
static int ckpt_unix_queue(struct sock *sk, int fd, struct ckpt_unix_end *end,
			   u32 *lens, u8 *data)
{
	bool stream = sk->sk_type == SOCK_STREAM;
	u32 nmsgs = 0, nbytes = 0;
	struct sk_buff *skb;
	int err = 0;

	spin_lock(&sk->sk_receive_queue.lock);
	skb_queue_walk(&sk->sk_receive_queue, skb) {
		u32 skip = stream ? UNIXCB(skb).consumed : 0;
		u32 len = skb->len - skip;

		if (data && nmsgs == end->nmsgs)
			break;
		/* What restart would refuse: stop before walking all of it. */
		if (nmsgs == CKPT_UNIX_MAX_MSGS ||
		    len > CKPT_UNIX_MAX_BYTES - nbytes) {
			err = ckpt_unix_refuse(fd, "with too much queued", -EFBIG);
			break;
		}
		/* The mark an out-of-band byte read leaves in a stream. */
		if (stream && !len) {
			err = ckpt_unix_refuse(fd, "with out-of-band data", -EOPNOTSUPP);
			break;
		}
		if (UNIXCB(skb).fp) {
			err = ckpt_unix_refuse(fd, "with files in flight (SCM_RIGHTS)",
					       -EBUSY);
			break;
		}
		if (UNIXCB(skb).pid) {
			err = ckpt_unix_refuse(fd, "with credentials in flight",
					       -EOPNOTSUPP);
			break;
		}
		if (data && (len > end->nbytes - nbytes ||
			     skb_copy_bits(skb, skip, data + nbytes, len))) {
			err = -EFAULT;
			break;
		}
		if (lens)
			lens[nmsgs] = len;
		nmsgs++;
		nbytes += len;
	}
	spin_unlock(&sk->sk_receive_queue.lock);
	if (err)
		return err;
	if (data)
		return nbytes == end->nbytes && nmsgs == end->nmsgs ? 0 : -EBUSY;
	end->nmsgs = nmsgs;
	end->nbytes = nbytes;
	return 0;
}

/**
 * ckpt_unix_obj_freeze_atomic - a pair at the freeze's instant
 * @ctx: the checkpoint
 * @obj: a pair object, readied by ckpt_unix_freeze_socks()
 *
 * Under both ends' unix_state_lock(), under which af_unix changes a
 * connection and wakes its epoll items (and with their iolocks held, so
 * nothing is received until the queues are copied): each end's state, and
 * how much it has queued.
 *
 * Return: 0, or the errno of a pair that cannot be checkpointed.
 */
int ckpt_unix_obj_freeze_atomic(struct ckpt_ctx *ctx, struct ckpt_obj *obj)
{
	struct ckpt_unix_frozen *frozen = obj->frozen;
	int end, err;

	lockdep_assert_held(&unix_sk(frozen->sk[0])->lock);
	lockdep_assert_held(&unix_sk(frozen->sk[1])->lock);
	if (unix_peer(frozen->sk[0]) != frozen->sk[1] ||
	    (!sock_flag(frozen->sk[1], SOCK_DEAD) &&
	     unix_peer(frozen->sk[1]) != frozen->sk[0]))
		return ckpt_unix_refuse(frozen->fd, "reconnected while checkpointed",
					-EBUSY);
	for (end = 0; end < 2; end++) {
		struct ckpt_unix_end *state = &frozen->rec.ends[end];
		struct sock *sk = frozen->sk[end];

		if (sock_flag(sk, SOCK_DEAD)) {
			state->flags = CKPT_UNIX_CLOSED;
			continue;
		}
		err = ckpt_unix_check_end(sk, frozen->fd);
		if (!err)
			err = ckpt_unix_queue(sk, frozen->fd, state, NULL, NULL);
		if (err)
			return err;
		state->shutdown = READ_ONCE(sk->sk_shutdown);
		state->err = READ_ONCE(sk->sk_err);
		state->sndbuf = READ_ONCE(sk->sk_sndbuf);
		state->rcvbuf = READ_ONCE(sk->sk_rcvbuf);
		state->peek_off = READ_ONCE(sk->sk_peek_off);
		if (sk->sk_userlocks & SOCK_SNDBUF_LOCK)
			state->flags |= CKPT_UNIX_SNDBUF_SET;
		if (sk->sk_userlocks & SOCK_RCVBUF_LOCK)
			state->flags |= CKPT_UNIX_RCVBUF_SET;
	}
	return 0;
}

/**
 * ckpt_unix_obj_copy - copies a pair's queues as the instant saw them
 * @ctx: the checkpoint
 * @obj: a pair object, through ckpt_unix_obj_freeze_atomic()
 *
 * After the instant, with the ends' iolocks still held: nothing has been
 * received since, and what was sent since is queued behind.
 *
 * Return: 0, -ENOMEM, or -EBUSY if a datagram end dropped its queue on
 * finding its peer closed.
 */
int ckpt_unix_obj_copy(struct ckpt_ctx *ctx, struct ckpt_obj *obj)
{
	struct ckpt_unix_frozen *frozen = obj->frozen, *full;
	struct ckpt_unix_end *ends = frozen->rec.ends;
	size_t lens_len, payload;
	u32 *lens;
	u8 *data;
	int end, err;

	lockdep_assert_held(&unix_sk(frozen->sk[0])->iolock);
	lens_len = ckpt_padded((ends[0].nmsgs + ends[1].nmsgs) * sizeof(u32));
	payload = lens_len + ckpt_padded(ends[0].nbytes) +
		  ckpt_padded(ends[1].nbytes);
	if (ckpt_should_fail(ctx, CKPT_FAULT_ALLOC))
		return -ENOMEM;
	full = kvzalloc(struct_size(full, data, payload), GFP_KERNEL);
	if (!full)
		return -ENOMEM;
	*full = *frozen;
	full->payload = payload;
	lens = (u32 *)full->data;
	data = full->data + lens_len;
	for (end = 0, err = 0; !err && end < 2; end++) {
		if (ends[end].flags & CKPT_UNIX_CLOSED)
			continue;
		err = ckpt_unix_queue(frozen->sk[end], frozen->fd, &ends[end],
				      lens, data);
		lens += ends[end].nmsgs;
		data += ckpt_padded(ends[end].nbytes);
	}
	if (err) {
		kvfree(full);
		return ckpt_unix_refuse(frozen->fd, "whose queue was dropped while checkpointed",
					-EBUSY);
	}
	kvfree(frozen);
	obj->frozen = full;
	return 0;
}

static int ckpt_unix_obj_checkpoint(struct ckpt_ctx *ctx, struct ckpt_obj *obj)
{
	struct ckpt_unix_frozen *frozen = obj->frozen;
	int err;

	err = ckpt_write_begin(ctx, CKPT_REC_UNIX_PAIR,
			       sizeof(frozen->rec) + frozen->payload);
	if (!err)
		err = ckpt_write(ctx, &frozen->rec.objref,
				 sizeof(frozen->rec) - sizeof(frozen->rec.h));
	if (!err)
		err = ckpt_write(ctx, frozen->data, frozen->payload);
	return err ?: ckpt_write_end(ctx);
}

static int ckpt_unix_checkpoint(struct ckpt_ctx *ctx, struct ckpt_obj *obj)
{
	struct sock *sk = ckpt_unix_sk(obj->file);
	struct ckpt_obj *pair = ckpt_obj_find(ctx, ckpt_unix_owner(obj->file));
	struct ckpt_file_unix spec = {};
	struct ckpt_unix_frozen *frozen;

	/*
	 * Collect gave every end's pair an object first; a connect(2)
	 * through a shared file since may have made this end another's.
	 */
	if (!pair || pair->kind != CKPT_OBJ_OWNER || !ckpt_is_unix_pair(pair))
		goto changed;
	frozen = pair->frozen;
	if (sk != frozen->sk[0] && sk != frozen->sk[1])
		goto changed;
	spec.pair_objref = pair->objref;
	spec.end = sk == frozen->sk[1];
	/* A socket has one file, named by one FILE record. */
	if (WARN_ON_ONCE(pair->ends_claimed & BIT(spec.end)))
		return -EINVAL;
	pair->ends_claimed |= BIT(spec.end);
	return ckpt_write_file(ctx, obj, &spec, sizeof(spec), NULL, 0);

changed:
	return ckpt_unix_refuse(obj->first_fd, "reconnected while checkpointed",
				-EBUSY);
}

/* Restart: a pair object until every object is read. */
struct ckpt_unix_restoring {
	struct ckpt_owner_state owner;
	struct socket *sock[2];		/* until their files are made */
	struct file *ends[2];		/* one reference each, until claimed */
	struct sock *sk[2];		/* for the state set last */
	struct ckpt_unix_end state[2];
	u8 claimed;			/* BIT(end) per FILE record seen */
};

static void ckpt_unix_obj_release(struct ckpt_owner_state *owner)
{
	struct ckpt_unix_restoring *pair =
		container_of(owner, struct ckpt_unix_restoring, owner);
	int end;

	for (end = 0; end < 2; end++) {
		if (pair->ends[end])
			fput(pair->ends[end]);
		else if (pair->sock[end])
			sock_release(pair->sock[end]);
	}
	kfree(pair);
}

/* As socketpair(2) does it, with the restorer's credentials. */
static int ckpt_unix_make_pair(struct ckpt_ctx *ctx,
			       struct ckpt_unix_restoring *pair, int type)
{
	int end, err;

	for (end = 0; end < 2; end++) {
		err = ckpt_should_fail(ctx, CKPT_FAULT_ALLOC) ? -ENOMEM :
		      sock_create(AF_UNIX, type, 0, &pair->sock[end]);
		if (err)
			return err;
	}
	err = security_socket_socketpair(pair->sock[0], pair->sock[1]);
	if (!err)
		err = pair->sock[0]->ops->socketpair(pair->sock[0],
						     pair->sock[1]);
	for (end = 0; !err && end < 2; end++) {
		struct file *file;

		if (ckpt_should_fail(ctx, CKPT_FAULT_ALLOC))
			return -ENOMEM;	/* ckpt_unix_obj_release() frees the socket */
		file = sock_alloc_file(pair->sock[end], 0, NULL);
		/* sock_alloc_file() releases the socket when it fails. */
		if (IS_ERR(file)) {
			pair->sock[end] = NULL;
			return PTR_ERR(file);
		}
		pair->ends[end] = file;
		pair->sk[end] = pair->sock[end]->sk;
		ckpt_test_point(ctx, CKPT_POINT_RESTORED_FILE, file);
	}
	return err;
}

/* Sends one message (a stream's write) of @len through @from. */
static int ckpt_unix_send(struct ckpt_ctx *ctx, struct socket *from,
			  void *buf, u32 len)
{
	struct msghdr msg = { .msg_flags = MSG_DONTWAIT | MSG_NOSIGNAL };
	struct kvec vec = { .iov_base = buf, .iov_len = len };
	int done;

	done = ckpt_should_fail(ctx, CKPT_FAULT_IO) ? -EIO :
	       kernel_sendmsg(from, &msg, &vec, 1, len);
	if (done < 0)
		return done;
	return done == len ? 0 : -ENOSPC;
}

/*
 * Queues to end @to what the image holds for it, sent from the other end
 * with its send buffer doubled meanwhile: restored buffers need not take
 * the memory the originals took (see the README on EPOLLOUT).  The other
 * end's own size is already set, within the restorer's limits, so no
 * image makes a pair hold more than twice what its restorer could queue.
 */
static int ckpt_unix_fill(struct ckpt_ctx *ctx,
			  struct ckpt_unix_restoring *pair, int to,
			  const u32 *lens)
{
	struct ckpt_unix_end *end = &pair->state[to];
	struct sock *from = pair->sk[!to];
	u32 left = end->nbytes, n, i;
	int sndbuf = READ_ONCE(from->sk_sndbuf);
	int limit = min_t(u64, 2ULL * sndbuf, INT_MAX);
	void *buf;
	int err = 0;

	if (!end->nmsgs)
		return 0;
	if (left > limit)
		return -ENOBUFS;
	if (ckpt_should_fail(ctx, CKPT_FAULT_ALLOC))
		return -ENOMEM;
	buf = kvmalloc(max_t(u32, left, 1), GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	err = ckpt_read(ctx, buf, left);
	if (!err)
		err = ckpt_read_zeros(ctx, ckpt_padded(left) - left);
	WRITE_ONCE(from->sk_sndbuf, limit);
	for (i = 0, n = 0; !err && i < end->nmsgs; n += lens[i++])
		err = ckpt_unix_send(ctx, pair->sock[!to], buf + n, lens[i]);
	WRITE_ONCE(from->sk_sndbuf, sndbuf);
	kvfree(buf);
	return err;
}

/* A buffer size set with setsockopt(2), by the restorer's limits. */
static int ckpt_unix_set_buf(struct socket *sock, int optname, u32 want)
{
	int val = want / 2, err;

	err = sock_setsockopt(sock, SOL_SOCKET, optname,
			      KERNEL_SOCKPTR(&val), sizeof(val));
	if (err)
		return err;
	if ((optname == SO_SNDBUF ? sock->sk->sk_sndbuf : sock->sk->sk_rcvbuf) !=
	    want)
		return -EPERM;
	return 0;
}

static int ckpt_unix_set_bufs(struct ckpt_unix_restoring *pair, int end)
{
	struct ckpt_unix_end *state = &pair->state[end];
	int err = 0;

	if (state->flags & CKPT_UNIX_SNDBUF_SET)
		err = ckpt_unix_set_buf(pair->sock[end], SO_SNDBUF,
					state->sndbuf);
	if (!err && state->flags & CKPT_UNIX_RCVBUF_SET)
		err = ckpt_unix_set_buf(pair->sock[end], SO_RCVBUF,
					state->rcvbuf);
	if (!err && state->peek_off >= 0)
		err = sock_setsockopt(pair->sock[end], SOL_SOCKET, SO_PEEK_OFF,
				      KERNEL_SOCKPTR(&state->peek_off),
				      sizeof(state->peek_off));
	return err;
}

static bool ckpt_unix_end_valid(const struct ckpt_unix_end *end)
{
	const u32 flags = CKPT_UNIX_CLOSED | CKPT_UNIX_SNDBUF_SET |
			  CKPT_UNIX_RCVBUF_SET;

	if (end->flags & CKPT_UNIX_CLOSED)
		return end->flags == CKPT_UNIX_CLOSED && !end->shutdown &&
		       !end->err && !end->sndbuf && !end->rcvbuf &&
		       !end->peek_off && !end->nmsgs && !end->nbytes;
	return !(end->flags & ~flags) && !(end->shutdown & ~SHUTDOWN_MASK) &&
	       (!end->err || end->err == ECONNRESET) && end->peek_off >= -1 &&
	       end->sndbuf <= INT_MAX && end->rcvbuf <= INT_MAX &&
	       end->nmsgs <= CKPT_UNIX_MAX_MSGS &&
	       end->nbytes <= CKPT_UNIX_MAX_BYTES &&
	       (end->nmsgs || !end->nbytes);
}

/*
 * The message lengths, checked against each end's byte count; a stream
 * has no empty write.
 */
static int ckpt_unix_read_lens(struct ckpt_ctx *ctx,
			       const struct ckpt_rec_unix_pair *rec, u32 *lens)
{
	bool stream = rec->sock_type == SOCK_STREAM;
	u32 nmsgs = rec->ends[0].nmsgs + rec->ends[1].nmsgs, i, end;
	u64 sum;
	int err;

	err = ckpt_read(ctx, lens, nmsgs * sizeof(u32));
	if (!err)
		err = ckpt_read_zeros(ctx, ckpt_padded(nmsgs * sizeof(u32)) -
					   nmsgs * sizeof(u32));
	for (end = 0, i = 0; !err && end < 2; end++) {
		u32 last = i + rec->ends[end].nmsgs;

		for (sum = 0; i < last; i++) {
			if (stream && !lens[i])
				return -EINVAL;
			sum += lens[i];
		}
		if (sum != rec->ends[end].nbytes)
			return -EINVAL;
	}
	return err;
}

static int ckpt_unix_obj_restore(struct ckpt_ctx *ctx, const struct ckpt_hdr *h)
{
	struct ckpt_unix_restoring *pair;
	struct ckpt_rec_unix_pair rec;
	u32 *lens = NULL;
	u64 len;
	int end, err;

	err = ckpt_read_fixed(ctx, h, &rec, sizeof(rec));
	if (err)
		return err;
	if ((rec.sock_type != SOCK_STREAM && rec.sock_type != SOCK_DGRAM &&
	     rec.sock_type != SOCK_SEQPACKET) ||
	    !ckpt_unix_end_valid(&rec.ends[0]) ||
	    !ckpt_unix_end_valid(&rec.ends[1]) ||
	    rec.ends[0].flags & CKPT_UNIX_CLOSED)
		return -EINVAL;
	len = sizeof(rec) + ckpt_padded((rec.ends[0].nmsgs + rec.ends[1].nmsgs) *
					sizeof(u32)) +
	      ckpt_padded(rec.ends[0].nbytes) + ckpt_padded(rec.ends[1].nbytes);
	if (h->len != len)
		return -EINVAL;

	if (ckpt_should_fail(ctx, CKPT_FAULT_ALLOC))
		return -ENOMEM;
	pair = kzalloc(sizeof(*pair), GFP_KERNEL);
	if (!pair)
		return -ENOMEM;
	pair->owner.ops = &ckpt_unix_owner_ops;
	memcpy(pair->state, rec.ends, sizeof(pair->state));
	err = ckpt_unix_make_pair(ctx, pair, rec.sock_type);
	if (err)
		goto out_release;
	if (rec.ends[0].nmsgs + rec.ends[1].nmsgs) {
		err = -ENOMEM;
		lens = ckpt_should_fail(ctx, CKPT_FAULT_ALLOC) ? NULL :
		       kvmalloc_array(rec.ends[0].nmsgs + rec.ends[1].nmsgs,
				      sizeof(*lens), GFP_KERNEL);
		if (!lens)
			goto out_release;
		err = ckpt_unix_read_lens(ctx, &rec, lens);
	}
	for (end = 0; !err && end < 2; end++)
		if (!(rec.ends[end].flags & CKPT_UNIX_CLOSED))
			err = ckpt_unix_set_bufs(pair, end);
	for (end = 0; !err && end < 2; end++)
		err = ckpt_unix_fill(ctx, pair, end,
				     end ? lens + rec.ends[0].nmsgs : lens);
	kvfree(lens);
	if (!err)
		err = ckpt_restored_add(ctx, rec.objref, &pair->owner,
					CKPT_OBJ_OWNER);
	if (err)
		goto out_release;
	return 0;

out_release:
	ckpt_unix_obj_release(&pair->owner);
	return err;
}

static struct file *ckpt_unix_restore(struct ckpt_ctx *ctx,
				      const struct ckpt_rec_file *rec,
				      u32 spec_len)
{
	struct ckpt_unix_restoring *pair;
	struct ckpt_owner_state *owner;
	struct ckpt_file_unix spec;
	struct file *file;
	int err;

	err = ckpt_read_spec(ctx, &spec, sizeof(spec), spec_len);
	if (err)
		return ERR_PTR(err);
	owner = ckpt_restored_get(ctx, spec.pair_objref, CKPT_OBJ_OWNER);
	if (!owner || owner->ops != &ckpt_unix_owner_ops || spec.end > 1 ||
	    rec->f_pos)
		return ERR_PTR(-EINVAL);
	pair = container_of(owner, struct ckpt_unix_restoring, owner);
	if (pair->claimed & BIT(spec.end) ||
	    pair->state[spec.end].flags & CKPT_UNIX_CLOSED)
		return ERR_PTR(-EINVAL);

	file = pair->ends[spec.end];
	err = ckpt_file_set_flags(file, rec->f_flags);
	if (err)
		return ERR_PTR(err);
	/* The FILE object takes over the pair object's reference. */
	pair->ends[spec.end] = NULL;
	pair->sock[spec.end] = NULL;
	pair->claimed |= BIT(spec.end);
	return file;
}

/*
 * Once every object is read, before any epoll item watches the pair:
 * sets each end's shutdown and pending error as recorded (filling the
 * queues needed both open), then closes every end no FILE record claimed.
 * An end closed before the checkpoint has nothing queued, so its release
 * only shuts the survivor down as the original release did; an end held
 * outside the table is closed as if its holder closed it just after the
 * checkpoint (with ECONNRESET for the survivor if it had unread bytes), as
 * a pipe's end held only outside is.  The releases wake nobody restored.
 */
static int ckpt_unix_obj_restored(struct ckpt_ctx *ctx,
				  struct ckpt_owner_state *owner)
{
	struct ckpt_unix_restoring *pair =
		container_of(owner, struct ckpt_unix_restoring, owner);
	int end;

	/* End 0 is the first end the table names. */
	if (!(pair->claimed & BIT(0)))
		return -EINVAL;
	for (end = 0; end < 2; end++) {
		struct sock *sk = pair->sk[end];

		unix_state_lock(sk);
		WRITE_ONCE(sk->sk_shutdown, pair->state[end].shutdown);
		WRITE_ONCE(sk->sk_err, pair->state[end].err);
		unix_state_unlock(sk);
	}
	for (end = 0; end < 2; end++) {
		if (pair->ends[end]) {
			__fput_sync(pair->ends[end]);
			pair->ends[end] = NULL;
			pair->sock[end] = NULL;
		}
	}
	kfree(pair);
	return 0;
}

const struct ckpt_owner_ops ckpt_unix_owner_ops = {
	.record = CKPT_REC_UNIX_PAIR,
	.checkpoint = ckpt_unix_obj_checkpoint,
	.restore = ckpt_unix_obj_restore,
	.restored = ckpt_unix_obj_restored,
	.release = ckpt_unix_obj_release,
};

const struct ckpt_file_ops ckpt_unix_ops = {
	.type = CKPT_FILE_UNIX,
	.name = "unix",
	.match = ckpt_unix_match,
	.owner = ckpt_unix_owner,
	.owner_ops = &ckpt_unix_owner_ops,
	.checkpoint = ckpt_unix_checkpoint,
	.restore = ckpt_unix_restore,
};
