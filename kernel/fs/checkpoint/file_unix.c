// SPDX-License-Identifier: GPL-2.0
/*
 * UNIX socket pairs.  As with a pipe, the pair is an object of its own,
 * written before the first end that names it, with each end's queue,
 * shutdown state, pending error and buffer sizes; each end is a FILE
 * record naming the pair.  Restart makes a new pair as socketpair(2)
 * would (so SO_PEERCRED is the restorer's), sends the queued messages
 * from one end to the other, and closes an end no FILE record claims
 * once every object is read, as it was closed when the checkpoint was
 * taken.
 *
 * The freeze holds no lock of af_unix: a send wakes epoll items after it
 * drops the locks it queued under, so no lock joins a queue to the ready
 * lists (see freeze.c).  Instead a pair is checkpointed only when nothing
 * but the checkpointed table can reach either end: every live end is an
 * fd of the table and has no other reference, and nothing is in flight
 * that could reach one.  A bound, listening or unconnected socket is not of
 * this type (see ckpt_unix_match()); of pairs, what is refused is refused
 * with the fd named: a peer held elsewhere or connected elsewhere, files
 * (SCM_RIGHTS) or credentials in flight, out-of-band data, SO_PASSCRED,
 * SO_PASSSEC, SO_PASSPIDFD and socket filters.
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
	pair = peer && !unix_sk(sk)->addr && !unix_sk(peer)->addr &&
	       sk->sk_state != TCP_LISTEN;
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

/* A pair as the freeze saw it: the record, then lengths, then bytes. */
struct ckpt_unix_frozen {
	struct ckpt_rec_unix_pair rec;
	u32 payload;			/* bytes after the record */
	u8 data[];
};

static int ckpt_unix_refuse(int fd, const char *why, int err)
{
	pr_info_ratelimited("checkpoint: fd %d: UNIX socket %s\n", fd, why);
	return err;
}

/*
 * The end's own state, and whether it can be restored at all.  @obj is
 * the end's FILE object, or NULL for a closed end.
 */
static int ckpt_unix_check_end(struct ckpt_ctx *ctx, struct sock *sk,
			       struct ckpt_obj *obj, int fd)
{
	struct socket *sock = sk->sk_socket;
	bool passes;

	if (!obj || obj->kind != CKPT_OBJ_FILE)
		return ckpt_unix_refuse(fd, "whose peer is held outside the checkpointed table",
					-EBUSY);
	/* Even under CHECKPOINT_SUBTREE: see the comment at the top. */
	if (file_count(obj->file) != obj->nfds + 1)
		return ckpt_unix_refuse(obj->first_fd, "also held outside the checkpointed table",
					-EBUSY);
	passes = test_bit(SOCK_PASSCRED, &sock->flags) ||
		 test_bit(SOCK_PASSPIDFD, &sock->flags) ||
		 test_bit(SOCK_PASSSEC, &sock->flags);
	if (passes || rcu_access_pointer(sk->sk_filter))
		return ckpt_unix_refuse(obj->first_fd,
					"passing credentials or filtered",
					-EOPNOTSUPP);
#if IS_ENABLED(CONFIG_AF_UNIX_OOB)
	if (READ_ONCE(unix_sk(sk)->oob_skb))
		return ckpt_unix_refuse(obj->first_fd, "with out-of-band data",
					-EOPNOTSUPP);
#endif
	return 0;
}

/* Counts (or, with @frozen, copies) what @sk has queued to receive. */
static int ckpt_unix_queue(struct sock *sk, int fd, struct ckpt_unix_end *end,
			   u32 *lens, u8 *data)
{
	bool stream = sk->sk_type == SOCK_STREAM;
	struct sk_buff *skb;
	u32 nmsgs = 0, nbytes = 0;
	int err = 0;

	spin_lock(&sk->sk_receive_queue.lock);
	skb_queue_walk(&sk->sk_receive_queue, skb) {
		u32 skip = stream ? UNIXCB(skb).consumed : 0;
		u32 len = skb->len - skip;

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
		if (data && skb_copy_bits(skb, skip, data + nbytes, len)) {
			err = -EFAULT;
			break;
		}
		if (!stream) {
			if (lens)
				lens[nmsgs] = len;
			nmsgs++;
		}
		nbytes += len;
	}
	spin_unlock(&sk->sk_receive_queue.lock);
	if (err)
		return err;
	/* Only this table can reach the pair: the queue cannot change. */
	if (data && WARN_ON_ONCE(nmsgs != end->nmsgs || nbytes != end->nbytes))
		return -EAGAIN;
	end->nmsgs = nmsgs;
	end->nbytes = nbytes;
	return 0;
}

static void ckpt_unix_end_state(struct sock *sk, struct ckpt_unix_end *end)
{
	end->shutdown = READ_ONCE(sk->sk_shutdown);
	end->err = READ_ONCE(sk->sk_err);
	end->sndbuf = READ_ONCE(sk->sk_sndbuf);
	end->rcvbuf = READ_ONCE(sk->sk_rcvbuf);
	end->peek_off = READ_ONCE(sk->sk_peek_off);
	if (sk->sk_userlocks & SOCK_SNDBUF_LOCK)
		end->flags |= CKPT_UNIX_SNDBUF_SET;
	if (sk->sk_userlocks & SOCK_RCVBUF_LOCK)
		end->flags |= CKPT_UNIX_RCVBUF_SET;
}

/*
 * In the freeze: checks that only the table reaches the pair, then reads
 * both ends.  End 0 is the end whose FILE object made the pair an object,
 * the object right after it.
 */
static int ckpt_unix_obj_freeze(struct ckpt_ctx *ctx, struct ckpt_obj *obj)
{
	struct ckpt_obj *first = ckpt_obj_at(ctx, obj->objref + 1);
	struct ckpt_rec_unix_pair rec = {};
	struct ckpt_unix_frozen *frozen;
	struct sock *sk[2];
	size_t lens_len, payload;
	u32 *lens;
	u8 *data;
	int end, err;

	sk[0] = ckpt_unix_sk(first->file);
	sk[1] = unix_peer(sk[0]);
	/*
	 * Match saw a peer, which only this table can change.  A closed peer
	 * has let go of its own; a live one must be connected back.
	 */
	if (WARN_ON_ONCE(!sk[1]))
		return -EINVAL;
	if (!sock_flag(sk[1], SOCK_DEAD) && unix_peer(sk[1]) != sk[0])
		return ckpt_unix_refuse(first->first_fd,
					"whose peer is connected elsewhere",
					-EOPNOTSUPP);
	rec.objref = obj->objref;
	rec.sock_type = sk[0]->sk_type;
	for (end = 0; end < 2; end++) {
		struct ckpt_obj *end_obj = NULL;
		int fd = first->first_fd;

		if (sock_flag(sk[end], SOCK_DEAD)) {
			rec.ends[end].flags = CKPT_UNIX_CLOSED;
			continue;
		}
		if (sk[end]->sk_socket && sk[end]->sk_socket->file)
			end_obj = ckpt_obj_find(ctx, sk[end]->sk_socket->file);
		err = ckpt_unix_check_end(ctx, sk[end], end_obj, fd);
		if (!err)
			err = ckpt_unix_queue(sk[end], end_obj->first_fd,
					      &rec.ends[end], NULL, NULL);
		if (err)
			return err;
		ckpt_unix_end_state(sk[end], &rec.ends[end]);
	}

	lens_len = ckpt_padded((rec.ends[0].nmsgs + rec.ends[1].nmsgs) *
			       sizeof(u32));
	payload = lens_len + ckpt_padded(rec.ends[0].nbytes) +
		  ckpt_padded(rec.ends[1].nbytes);
	if (payload > U32_MAX - sizeof(rec))
		return ckpt_unix_refuse(first->first_fd, "with too much queued",
					-EFBIG);
	if (ckpt_should_fail(ctx, CKPT_FAULT_ALLOC))
		return -ENOMEM;
	frozen = kvzalloc(struct_size(frozen, data, payload), GFP_KERNEL);
	if (!frozen)
		return -ENOMEM;
	lens = (u32 *)frozen->data;
	data = frozen->data + lens_len;
	for (end = 0; end < 2; end++) {
		if (rec.ends[end].flags & CKPT_UNIX_CLOSED)
			continue;
		err = ckpt_unix_queue(sk[end], first->first_fd, &rec.ends[end],
				      lens, data);
		if (err) {
			kvfree(frozen);
			return err;
		}
		lens += rec.ends[end].nmsgs;
		data += ckpt_padded(rec.ends[end].nbytes);
	}
	frozen->rec = rec;
	frozen->payload = payload;
	obj->frozen = frozen;
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
	struct ckpt_obj *pair = ckpt_obj_find(ctx, ckpt_unix_owner(obj->file));
	struct ckpt_file_unix spec = {};
	struct ckpt_obj *first;

	/* Collect gave every end's pair an object first. */
	if (WARN_ON_ONCE(!pair))
		return -EINVAL;
	first = ckpt_obj_at(ctx, pair->objref + 1);
	spec.pair_objref = pair->objref;
	spec.end = first == obj ? 0 : 1;
	/* Two open files on one socket cannot be: a socket has one file. */
	if (WARN_ON_ONCE(pair->ends_claimed & BIT(spec.end)))
		return -EINVAL;
	pair->ends_claimed |= BIT(spec.end);
	return ckpt_write_file(ctx, obj, &spec, sizeof(spec), NULL, 0);
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

		file = ckpt_should_fail(ctx, CKPT_FAULT_ALLOC) ? ERR_PTR(-ENOMEM) :
		       sock_alloc_file(pair->sock[end], 0, NULL);
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

/* Sends one message (or stream bytes) of @len from @from's peer's image. */
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
 * with its send buffer unbounded meanwhile: restored buffers are not
 * accounted as the originals were (see the README on EPOLLOUT).
 */
static int ckpt_unix_fill(struct ckpt_ctx *ctx,
			  struct ckpt_unix_restoring *pair, int to,
			  const u32 *lens)
{
	struct ckpt_unix_end *end = &pair->state[to];
	struct sock *from = pair->sk[!to];
	u32 left = end->nbytes, n, i;
	int sndbuf = from->sk_sndbuf;
	void *buf;
	int err = 0;

	if (!left && !end->nmsgs)
		return 0;
	if (ckpt_should_fail(ctx, CKPT_FAULT_ALLOC))
		return -ENOMEM;
	buf = kvmalloc(max_t(u32, left, 1), GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	err = ckpt_read(ctx, buf, left);
	if (!err)
		err = ckpt_read_zeros(ctx, ckpt_padded(left) - left);
	WRITE_ONCE(from->sk_sndbuf, INT_MAX);
	if (end->nmsgs) {
		for (i = 0, n = 0; !err && i < end->nmsgs; n += lens[i++])
			err = ckpt_unix_send(ctx, pair->sock[!to], buf + n,
					     lens[i]);
	} else if (!err) {
		err = ckpt_unix_send(ctx, pair->sock[!to], buf, left);
	}
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

static bool ckpt_unix_end_valid(const struct ckpt_unix_end *end, bool stream)
{
	const u32 flags = CKPT_UNIX_CLOSED | CKPT_UNIX_SNDBUF_SET |
			  CKPT_UNIX_RCVBUF_SET;

	if (end->flags & CKPT_UNIX_CLOSED)
		return end->flags == CKPT_UNIX_CLOSED && !end->shutdown &&
		       !end->err && !end->sndbuf && !end->rcvbuf &&
		       !end->peek_off && !end->nmsgs && !end->nbytes;
	return !(end->flags & ~flags) && !(end->shutdown & ~SHUTDOWN_MASK) &&
	       end->err < MAX_ERRNO && end->peek_off >= -1 &&
	       end->sndbuf <= INT_MAX && end->rcvbuf <= INT_MAX &&
	       end->nmsgs <= CKPT_UNIX_MAX_MSGS &&
	       end->nbytes <= CKPT_UNIX_MAX_BYTES &&
	       (stream ? !end->nmsgs : end->nmsgs || !end->nbytes);
}

/* The message lengths, checked against each end's byte count. */
static int ckpt_unix_read_lens(struct ckpt_ctx *ctx,
			       const struct ckpt_rec_unix_pair *rec, u32 *lens)
{
	u32 nmsgs = rec->ends[0].nmsgs + rec->ends[1].nmsgs, i, end;
	u64 sum;
	int err;

	err = ckpt_read(ctx, lens, nmsgs * sizeof(u32));
	if (!err)
		err = ckpt_read_zeros(ctx, ckpt_padded(nmsgs * sizeof(u32)) -
					   nmsgs * sizeof(u32));
	for (end = 0, i = 0; !err && end < 2; end++) {
		u32 last = i + rec->ends[end].nmsgs;

		for (sum = 0; i < last; i++)
			sum += lens[i];
		if (rec->ends[end].nmsgs && sum != rec->ends[end].nbytes)
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
	bool stream;
	int end, err;

	err = ckpt_read_fixed(ctx, h, &rec, sizeof(rec));
	if (err)
		return err;
	stream = rec.sock_type == SOCK_STREAM;
	if ((!stream && rec.sock_type != SOCK_DGRAM &&
	     rec.sock_type != SOCK_SEQPACKET) ||
	    !ckpt_unix_end_valid(&rec.ends[0], stream) ||
	    !ckpt_unix_end_valid(&rec.ends[1], stream) ||
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
		err = ckpt_unix_fill(ctx, pair, end,
				     end ? lens + rec.ends[0].nmsgs : lens);
	for (end = 0; !err && end < 2; end++)
		if (!(rec.ends[end].flags & CKPT_UNIX_CLOSED))
			err = ckpt_unix_set_bufs(pair, end);
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
 * closes the end that was closed (whose release shuts the survivor down
 * and wakes nobody restored), then sets each end's shutdown and pending
 * error as recorded, which the close and the filling would have changed.
 */
static int ckpt_unix_obj_restored(struct ckpt_ctx *ctx,
				  struct ckpt_owner_state *owner)
{
	struct ckpt_unix_restoring *pair =
		container_of(owner, struct ckpt_unix_restoring, owner);
	int end;

	for (end = 0; end < 2; end++) {
		bool closed = pair->state[end].flags & CKPT_UNIX_CLOSED;

		/* Every live end is claimed: it was an fd of the table. */
		if (closed == !!(pair->claimed & BIT(end)))
			return -EINVAL;
	}
	for (end = 0; end < 2; end++) {
		if (pair->ends[end]) {
			__fput_sync(pair->ends[end]);
			pair->ends[end] = NULL;
			pair->sock[end] = NULL;
		}
	}
	for (end = 0; end < 2; end++) {
		struct sock *sk = pair->sk[end];

		if (pair->state[end].flags & CKPT_UNIX_CLOSED)
			continue;
		unix_state_lock(sk);
		WRITE_ONCE(sk->sk_shutdown, pair->state[end].shutdown);
		WRITE_ONCE(sk->sk_err, pair->state[end].err);
		unix_state_unlock(sk);
	}
	kfree(pair);
	return 0;
}

const struct ckpt_owner_ops ckpt_unix_owner_ops = {
	.record = CKPT_REC_UNIX_PAIR,
	.freeze = ckpt_unix_obj_freeze,
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
