// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit cases for UNIX socket pairs through an image: queued bytes and
 * message boundaries (a zero-length datagram included) of each type, each
 * end's shutdown, a peer that closed with unread data, buffer sizes and
 * the peek offset, the readiness an epoll item keeps, a peer held outside
 * the table (restored closed); the pairs checkpoint must refuse (an end
 * held elsewhere without CHECKPOINT_SUBTREE, files or credentials in
 * flight), an unconnected socket skipped on request; and the images
 * restart must refuse.
 */
#include <kunit/test.h>
#include <linux/fdtable.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/net.h>
#include <linux/poll.h>
#include <linux/socket.h>
#include <linux/uio.h>
#include <net/af_unix.h>
#include <net/sock.h>

#include "cr_kunit.h"

static struct socket *sock_at(int fd)
{
	return sock_from_file(cr_file(fd));
}

static int unix_recv(int fd, char *buf, size_t len)
{
	struct msghdr msg = {};
	struct kvec vec = { .iov_base = buf, .iov_len = len };

	return kernel_recvmsg(sock_at(fd), &msg, &vec, 1, len, MSG_DONTWAIT);
}

static int unix_setsockopt(int fd, int optname, int val)
{
	return sock_setsockopt(sock_at(fd), SOL_SOCKET, optname,
			       KERNEL_SOCKPTR(&val), sizeof(val));
}

/* close(2) of @fd, the socket released before it returns. */
static void unix_close(int fd)
{
	close_fd(fd);
	flush_delayed_fput();
}

static __poll_t unix_poll_mask(int fd)
{
	return vfs_poll(cr_file(fd), NULL);
}

struct unix_type {
	const char *name;
	int type;
};

static const struct unix_type unix_types[] = {
	{ "stream", SOCK_STREAM },
	{ "dgram", SOCK_DGRAM },
	{ "seqpacket", SOCK_SEQPACKET },
};

static void unix_type_desc(const struct unix_type *t, char *desc)
{
	strscpy(desc, t->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(unix_type, unix_types, unix_type_desc);

/* Messages each way come back with their boundaries (bytes, for a stream). */
static void unix_queues_roundtrip(struct kunit *test)
{
	const struct unix_type *t = test->param_value;
	bool stream = t->type == SOCK_STREAM;
	char buf[32] = {};

	cr_socketpair(test, t->type, 3, 4);
	KUNIT_ASSERT_EQ(test, cr_send(4, "abc", 3, NULL, 0), 3);
	KUNIT_ASSERT_EQ(test, cr_send(4, "", 0, NULL, 0), 0);
	KUNIT_ASSERT_EQ(test, cr_send(4, "defgh", 5, NULL, 0), 5);
	KUNIT_ASSERT_EQ(test, cr_send(3, "xy", 2, NULL, 0), 2);
	cr_roundtrip(test, 0);
	KUNIT_ASSERT_EQ(test, sock_at(3)->sk->sk_type, t->type);
	if (stream) {
		KUNIT_EXPECT_EQ(test, unix_recv(3, buf, sizeof(buf)), 8);
		KUNIT_EXPECT_STREQ(test, buf, "abcdefgh");
	} else {
		KUNIT_EXPECT_EQ(test, unix_recv(3, buf, sizeof(buf)), 3);
		KUNIT_EXPECT_EQ(test, unix_recv(3, buf, sizeof(buf)), 0);
		KUNIT_EXPECT_EQ(test, unix_recv(3, buf, sizeof(buf)), 5);
		KUNIT_EXPECT_STREQ(test, buf, "defgh");
	}
	KUNIT_EXPECT_EQ(test, unix_recv(3, buf, sizeof(buf)), -EAGAIN);
	memset(buf, 0, sizeof(buf));
	KUNIT_EXPECT_EQ(test, unix_recv(4, buf, sizeof(buf)), 2);
	KUNIT_EXPECT_STREQ(test, buf, "xy");
	/* The restored pair is a pair: each end reaches the other. */
	KUNIT_EXPECT_EQ(test, cr_send(3, "q", 1, NULL, 0), 1);
	KUNIT_EXPECT_EQ(test, unix_recv(4, buf, sizeof(buf)), 1);
}

/* A stream read part-way keeps only its unread bytes. */
static void unix_stream_partly_read_keeps_the_rest(struct kunit *test)
{
	char buf[16] = {};

	cr_socketpair(test, SOCK_STREAM, 3, 4);
	KUNIT_ASSERT_EQ(test, cr_send(4, "0123456789", 10, NULL, 0), 10);
	KUNIT_ASSERT_EQ(test, unix_recv(3, buf, 4), 4);
	cr_roundtrip(test, 0);
	memset(buf, 0, sizeof(buf));
	KUNIT_EXPECT_EQ(test, unix_recv(3, buf, sizeof(buf)), 6);
	KUNIT_EXPECT_STREQ(test, buf, "456789");
}

/* shutdown(SHUT_WR) of one end: both ends' halves are kept. */
static void unix_shutdown_kept(struct kunit *test)
{
	const struct unix_type *t = test->param_value;
	char buf[8];

	cr_socketpair(test, t->type, 3, 4);
	KUNIT_ASSERT_EQ(test, kernel_sock_shutdown(sock_at(3), SHUT_WR), 0);
	cr_roundtrip(test, 0);
	KUNIT_EXPECT_EQ(test, READ_ONCE(sock_at(3)->sk->sk_shutdown),
			(u8)SEND_SHUTDOWN);
	KUNIT_EXPECT_EQ(test, READ_ONCE(sock_at(4)->sk->sk_shutdown),
			(u8)(t->type == SOCK_DGRAM ? 0 : RCV_SHUTDOWN));
	KUNIT_EXPECT_EQ(test, cr_send(3, "a", 1, NULL, 0), -EPIPE);
	if (t->type != SOCK_DGRAM) {
		KUNIT_EXPECT_TRUE(test, unix_poll_mask(4) & EPOLLRDHUP);
		KUNIT_EXPECT_EQ(test, unix_recv(4, buf, sizeof(buf)), 0);
	}
}

/*
 * A peer that closed with bytes it had not read: the survivor reads what
 * was queued to it, then ECONNRESET, and polls HUP and RDHUP meanwhile.
 */
static void unix_peer_closed_with_unread_data(struct kunit *test)
{
	char buf[8] = {};

	cr_socketpair(test, SOCK_STREAM, 3, 4);
	KUNIT_ASSERT_EQ(test, cr_send(4, "zz", 2, NULL, 0), 2);
	KUNIT_ASSERT_EQ(test, cr_send(3, "unread", 6, NULL, 0), 6);
	unix_close(4);
	cr_roundtrip(test, 0);
	KUNIT_EXPECT_NULL(test, cr_file(4));
	KUNIT_EXPECT_EQ(test, unix_poll_mask(3) & (EPOLLHUP | EPOLLRDHUP),
			EPOLLHUP | EPOLLRDHUP);
	KUNIT_EXPECT_EQ(test, unix_recv(3, buf, sizeof(buf)), 2);
	KUNIT_EXPECT_STREQ(test, buf, "zz");
	KUNIT_EXPECT_EQ(test, unix_recv(3, buf, sizeof(buf)), -ECONNRESET);
	KUNIT_EXPECT_EQ(test, unix_recv(3, buf, sizeof(buf)), 0);
}

/* A peer that closed having read everything leaves no error behind. */
static void unix_peer_closed_clean_gives_eof(struct kunit *test)
{
	char buf[8];

	cr_socketpair(test, SOCK_SEQPACKET, 3, 4);
	unix_close(4);
	cr_roundtrip(test, 0);
	KUNIT_EXPECT_EQ(test, READ_ONCE(sock_at(3)->sk->sk_err), 0);
	KUNIT_EXPECT_EQ(test, unix_recv(3, buf, sizeof(buf)), 0);
	KUNIT_EXPECT_EQ(test, cr_send(3, "a", 1, NULL, 0), -EPIPE);
}

static void unix_buffers_and_peek_offset_kept(struct kunit *test)
{
	struct sock *sk;

	cr_socketpair(test, SOCK_DGRAM, 3, 4);
	KUNIT_ASSERT_EQ(test, unix_setsockopt(3, SO_SNDBUF, 8192), 0);
	KUNIT_ASSERT_EQ(test, unix_setsockopt(4, SO_RCVBUF, 6000), 0);
	KUNIT_ASSERT_EQ(test, unix_setsockopt(4, SO_PEEK_OFF, 2), 0);
	cr_roundtrip(test, 0);
	sk = sock_at(3)->sk;
	KUNIT_EXPECT_EQ(test, READ_ONCE(sk->sk_sndbuf), 16384);
	KUNIT_EXPECT_TRUE(test, sk->sk_userlocks & SOCK_SNDBUF_LOCK);
	KUNIT_EXPECT_FALSE(test, sk->sk_userlocks & SOCK_RCVBUF_LOCK);
	sk = sock_at(4)->sk;
	KUNIT_EXPECT_EQ(test, READ_ONCE(sk->sk_rcvbuf), 12000);
	KUNIT_EXPECT_EQ(test, READ_ONCE(sk->sk_peek_off), 2);
	KUNIT_EXPECT_FALSE(test, sk->sk_userlocks & SOCK_SNDBUF_LOCK);
}

static int keep_item(void *arg, const struct epoll_cr_item *item)
{
	*(struct epoll_cr_item *)arg = *item;
	return 0;
}

/* A queued message keeps an edge-triggered item ready, and its data. */
static void unix_queued_message_keeps_item_ready(struct kunit *test)
{
	struct epoll_cr_item seen = { .ready_pos = -2 };

	cr_socketpair(test, SOCK_SEQPACKET, 4, 5);
	cr_epoll(test, 3);
	KUNIT_ASSERT_EQ(test, cr_ctl(3, EPOLL_CTL_ADD, 4,
				     EPOLLIN | EPOLLRDHUP | EPOLLET, 9), 0);
	KUNIT_ASSERT_EQ(test, cr_send(5, "m", 1, NULL, 0), 1);
	cr_roundtrip(test, 0);
	KUNIT_ASSERT_EQ(test, eventpoll_cr_walk_items(cr_file(3), keep_item,
						      &seen), 0);
	KUNIT_EXPECT_EQ(test, seen.ready_pos, 0);
	KUNIT_EXPECT_EQ(test, seen.data, 9ULL);
}

/* Checkpoint, restart, checkpoint: the same bytes. */
static void unix_restored_pair_checkpoints_identically(struct kunit *test)
{
	const struct unix_type *t = test->param_value;

	cr_socketpair(test, t->type, 3, 6);
	KUNIT_ASSERT_EQ(test, cr_send(6, "one", 3, NULL, 0), 3);
	KUNIT_ASSERT_EQ(test, cr_send(3, "", 0, NULL, 0), 0);
	KUNIT_ASSERT_EQ(test, kernel_sock_shutdown(sock_at(6), SHUT_RD), 0);
	cr_expect_restored_checkpoints_identically(test);
}

/*
 * A peer held only outside the table is restored closed, as if its
 * holder closed it right after the checkpoint: with unread bytes, the
 * survivor reads its own, then ECONNRESET.
 */
static void unix_peer_held_outside_restores_closed(struct kunit *test)
{
	struct file *peer = cr_socketpair(test, SOCK_STREAM, 3, -1);
	char buf[8] = {};

	KUNIT_ASSERT_EQ(test, cr_send(3, "unread", 6, NULL, 0), 6);
	KUNIT_ASSERT_EQ(test, kernel_sendmsg(sock_from_file(peer),
					     &(struct msghdr){ .msg_flags = MSG_DONTWAIT },
					     &(struct kvec){ .iov_base = "zz", .iov_len = 2 },
					     1, 2), 2);
	KUNIT_ASSERT_EQ(test, cr_checkpoint(test, 0), 0);
	cr_close_all();
	KUNIT_ASSERT_EQ(test, cr_restart(test), 0);
	KUNIT_EXPECT_EQ(test, unix_poll_mask(3) & (EPOLLHUP | EPOLLRDHUP),
			EPOLLHUP | EPOLLRDHUP);
	KUNIT_EXPECT_EQ(test, unix_recv(3, buf, sizeof(buf)), 2);
	KUNIT_EXPECT_STREQ(test, buf, "zz");
	KUNIT_EXPECT_EQ(test, unix_recv(3, buf, sizeof(buf)), -ECONNRESET);
	/* The original is untouched: its peer still reads what was sent. */
	KUNIT_EXPECT_EQ(test, kernel_recvmsg(sock_from_file(peer), &(struct msghdr){},
					     &(struct kvec){ .iov_base = buf, .iov_len = 8 },
					     1, 8, MSG_DONTWAIT), 6);
	fput(peer);
}

/* ---- pairs checkpoint must refuse ---- */

/* An end also held outside the table is a leak, unless SUBTREE. */
static void unix_end_held_outside_needs_subtree(struct kunit *test)
{
	struct file *extra;

	cr_socketpair(test, SOCK_DGRAM, 3, 4);
	extra = get_file(cr_file(4));
	KUNIT_EXPECT_EQ(test, cr_checkpoint(test, 0), -EBUSY);
	KUNIT_EXPECT_EQ(test, cr_checkpoint(test, CHECKPOINT_SUBTREE), 0);
	fput(extra);
	KUNIT_EXPECT_EQ(test, cr_checkpoint(test, 0), 0);
}

/* An fd in flight (SCM_RIGHTS) is -EBUSY, never silently dropped. */
static void unix_files_in_flight_are_ebusy(struct kunit *test)
{
	union {
		struct cmsghdr hdr;
		u8 space[CMSG_SPACE(sizeof(int))];
	} control = {};
	char buf[4];

	cr_socketpair(test, SOCK_STREAM, 3, 4);
	cr_efd(test, 5, 1, 0);
	control.hdr.cmsg_len = CMSG_LEN(sizeof(int));
	control.hdr.cmsg_level = SOL_SOCKET;
	control.hdr.cmsg_type = SCM_RIGHTS;
	*(int *)CMSG_DATA(&control.hdr) = 5;
	KUNIT_ASSERT_EQ(test, cr_send(4, "f", 1, &control, sizeof(control)), 1);
	KUNIT_EXPECT_EQ(test, cr_checkpoint(test, 0), -EBUSY);
	KUNIT_EXPECT_EQ(test, cr_checkpoint(test, CHECKPOINT_SUBTREE), -EBUSY);
	/* Received (the fd is dropped with the kernel's msghdr): allowed. */
	KUNIT_ASSERT_EQ(test, unix_recv(3, buf, sizeof(buf)), 1);
	KUNIT_EXPECT_EQ(test, cr_checkpoint(test, 0), 0);
}

static void unix_passcred_is_eopnotsupp(struct kunit *test)
{
	cr_socketpair(test, SOCK_DGRAM, 3, 4);
	KUNIT_ASSERT_EQ(test, unix_setsockopt(3, SO_PASSCRED, 1), 0);
	KUNIT_EXPECT_EQ(test, cr_checkpoint(test, 0), -EOPNOTSUPP);
	KUNIT_ASSERT_EQ(test, unix_setsockopt(3, SO_PASSCRED, 0), 0);
	KUNIT_EXPECT_EQ(test, cr_checkpoint(test, 0), 0);
}

/* An unconnected socket is no pair: unsupported, so skipped on request. */
static void unix_unconnected_is_unsupported(struct kunit *test)
{
	struct socket *sock;

	KUNIT_ASSERT_EQ(test, sock_create(AF_UNIX, SOCK_DGRAM, 0, &sock), 0);
	cr_install(test, sock_alloc_file(sock, 0, NULL), 3);
	cr_socketpair(test, SOCK_STREAM, 4, 5);
	KUNIT_EXPECT_EQ(test, cr_checkpoint(test, 0), -EOPNOTSUPP);
	KUNIT_ASSERT_EQ(test, cr_checkpoint(test, CHECKPOINT_SKIP_UNSUPPORTED), 0);
	unix_close(4);
	unix_close(5);
	KUNIT_ASSERT_EQ(test, cr_restart(test), 0);
	KUNIT_EXPECT_PTR_EQ(test, sock_at(3), sock);
	KUNIT_EXPECT_NOT_NULL(test, sock_at(4));
}

/* ---- images restart must refuse ---- */

struct unix_edit {
	const char *name;
	void (*edit)(struct ckpt_rec_unix_pair *rec);
};

static void edit_sock_type(struct ckpt_rec_unix_pair *rec)
{
	rec->sock_type = SOCK_RAW;
}

static void edit_first_end_closed(struct ckpt_rec_unix_pair *rec)
{
	rec->ends[0] = (struct ckpt_unix_end) { .flags = CKPT_UNIX_CLOSED };
}

static void edit_second_end_closed(struct ckpt_rec_unix_pair *rec)
{
	/* end 1 still has its FILE record: a closed end claimed */
	rec->ends[1] = (struct ckpt_unix_end) { .flags = CKPT_UNIX_CLOSED };
	rec->ends[0].nmsgs = 0;
	rec->ends[0].nbytes = 0;
}

static void edit_message_length(struct ckpt_rec_unix_pair *rec)
{
	*(u32 *)(rec + 1) += 1;
}

static void edit_shutdown_bits(struct ckpt_rec_unix_pair *rec)
{
	rec->ends[1].shutdown = 4;
}

static void edit_unknown_flag(struct ckpt_rec_unix_pair *rec)
{
	rec->ends[0].flags |= 0x80;
}

static void edit_peek_off(struct ckpt_rec_unix_pair *rec)
{
	rec->ends[0].peek_off = -2;
}

static void edit_bytes_without_message(struct ckpt_rec_unix_pair *rec)
{
	rec->ends[1].nbytes = 8;
}

static const struct unix_edit unix_edits[] = {
	{ "sock_type", edit_sock_type },
	{ "first_end_closed", edit_first_end_closed },
	{ "claimed_end_closed", edit_second_end_closed },
	{ "message_length", edit_message_length },
	{ "shutdown_bits", edit_shutdown_bits },
	{ "unknown_flag", edit_unknown_flag },
	{ "peek_off", edit_peek_off },
	{ "bytes_without_message", edit_bytes_without_message },
};

static void unix_edit_desc(const struct unix_edit *e, char *desc)
{
	strscpy(desc, e->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(unix_edit, unix_edits, unix_edit_desc);

static void unix_restart_rejects_crafted_pair(struct kunit *test)
{
	const struct unix_edit *e = test->param_value;
	struct ckpt_rec_unix_pair *rec;
	size_t len;
	u8 *image;

	cr_socketpair(test, SOCK_DGRAM, 3, 4);
	KUNIT_ASSERT_EQ(test, cr_send(4, "abcd", 4, NULL, 0), 4);
	KUNIT_ASSERT_EQ(test, cr_checkpoint(test, 0), 0);
	image = cr_image_bytes(test, &len);
	cr_close_all();
	rec = (void *)cr_image_find(image, len, CKPT_REC_UNIX_PAIR, 0);
	KUNIT_ASSERT_NOT_NULL(test, rec);
	e->edit(rec);
	cr_image_fix_checksum(image, len);
	cr_image_replace(test, image, len);
	KUNIT_EXPECT_EQ(test, cr_restart(test), -EINVAL);
	KUNIT_EXPECT_EQ(test, cr_fd_table(), 0ULL);
	cr_expect_nothing_alive(test);
}

static struct kunit_case unix_test_cases[] = {
	KUNIT_CASE_PARAM(unix_queues_roundtrip, unix_type_gen_params),
	KUNIT_CASE(unix_stream_partly_read_keeps_the_rest),
	KUNIT_CASE_PARAM(unix_shutdown_kept, unix_type_gen_params),
	KUNIT_CASE(unix_peer_closed_with_unread_data),
	KUNIT_CASE(unix_peer_closed_clean_gives_eof),
	KUNIT_CASE(unix_buffers_and_peek_offset_kept),
	KUNIT_CASE(unix_queued_message_keeps_item_ready),
	KUNIT_CASE_PARAM(unix_restored_pair_checkpoints_identically,
			 unix_type_gen_params),
	KUNIT_CASE(unix_peer_held_outside_restores_closed),
	KUNIT_CASE(unix_end_held_outside_needs_subtree),
	KUNIT_CASE(unix_files_in_flight_are_ebusy),
	KUNIT_CASE(unix_passcred_is_eopnotsupp),
	KUNIT_CASE(unix_unconnected_is_unsupported),
	KUNIT_CASE_PARAM(unix_restart_rejects_crafted_pair, unix_edit_gen_params),
	{}
};

static struct kunit_suite unix_test_suite = {
	.name = "checkpoint_unix",
	.suite_init = cr_kunit_suite_init,
	.init = cr_kunit_init,
	.test_cases = unix_test_cases,
};

kunit_test_suite(unix_test_suite);
