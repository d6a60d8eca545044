// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit fault sweeps: fail the k-th allocation, and separately the k-th
 * image, pipe or socket I/O, of checkpoint and of restart, for k = 1, 2, ... until
 * the operation succeeds.  At every k the operation must fail with the
 * injected errno and leave nothing behind: no extra reference on the
 * checkpointed files, no restored file alive, the user's epoll watch
 * count as it was, the fd table as it was.
 */
#include <kunit/test.h>
#include <linux/eventfd.h>
#include <linux/fdtable.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/net.h>

#include "cr_kunit.h"

#define SWEEP_LIMIT 1000

/* fds of the state every sweep checkpoints and restores */
static const int state_fds[] = { 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13 };

static void build_state(struct kunit *test)
{
	struct timerfd_cr_state timer = {
		.clockid = CLOCK_MONOTONIC, .armed = true,
		.value = 1000 * NSEC_PER_SEC, .ticks = 1,
	};
	loff_t pos = 0;

	cr_pipe(test, 3, 4);
	KUNIT_ASSERT_EQ(test, kernel_write(cr_file(4), "data", 4, &pos), 4L);
	cr_efd(test, 5, 3, EFD_SEMAPHORE);
	cr_epoll(test, 6);
	cr_epoll(test, 7);
	KUNIT_ASSERT_EQ(test, install_fd_unused(8, cr_file(5), O_CLOEXEC), 0);
	KUNIT_ASSERT_EQ(test, cr_ctl(6, EPOLL_CTL_ADD, 3, EPOLLIN, 1), 0);
	KUNIT_ASSERT_EQ(test, cr_ctl(6, EPOLL_CTL_ADD, 5, EPOLLIN | EPOLLET, 2), 0);
	KUNIT_ASSERT_EQ(test, cr_ctl(7, EPOLL_CTL_ADD, 6, EPOLLIN, 3), 0);
	cr_timerfd(test, 9, &timer, 0);
	cr_signalfd(test, 10, 1ULL << (SIGUSR1 - 1), 0);
	KUNIT_ASSERT_EQ(test, cr_ctl(6, EPOLL_CTL_ADD, 9, EPOLLIN, 4), 0);
	KUNIT_ASSERT_EQ(test, cr_ctl(6, EPOLL_CTL_ADD, 10, EPOLLIN, 5), 0);
	/* A stream pair with bytes each way; a seqpacket end whose peer closed. */
	cr_socketpair(test, SOCK_STREAM, 11, 12);
	KUNIT_ASSERT_EQ(test, cr_send(11, "to 12", 5, NULL, 0), 5);
	KUNIT_ASSERT_EQ(test, cr_send(12, "to 11", 5, NULL, 0), 5);
	fput(cr_socketpair(test, SOCK_SEQPACKET, 13, -1));
	flush_delayed_fput();
	KUNIT_ASSERT_EQ(test, cr_ctl(6, EPOLL_CTL_ADD, 11, EPOLLIN | EPOLLRDHUP, 6), 0);
	KUNIT_ASSERT_EQ(test, cr_ctl(6, EPOLL_CTL_ADD, 13, EPOLLIN | EPOLLRDHUP, 7), 0);
}

static u64 state_fd_bits(void)
{
	u64 bits = 0;
	int i;

	for (i = 0; i < ARRAY_SIZE(state_fds); i++)
		bits |= BIT_ULL(state_fds[i]);
	return bits;
}

static int fault_errno(enum ckpt_fault_site site)
{
	return site == CKPT_FAULT_IO ? -EIO : -ENOMEM;
}

static void sweep_checkpoint(struct kunit *test, enum ckpt_fault_site site)
{
	long refs[ARRAY_SIZE(state_fds)];
	unsigned int k;
	int i, err;

	build_state(test);
	for (i = 0; i < ARRAY_SIZE(state_fds); i++)
		refs[i] = file_count(cr_file(state_fds[i]));
	for (k = 1; k < SWEEP_LIMIT; k++) {
		err = cr_checkpoint_faulty(test, 0, site, k);
		if (!err)
			break;
		KUNIT_EXPECT_EQ_MSG(test, err, fault_errno(site), "fault %u", k);
		for (i = 0; i < ARRAY_SIZE(state_fds); i++)
			KUNIT_EXPECT_EQ_MSG(test, file_count(cr_file(state_fds[i])),
					    refs[i], "fd %d after fault %u",
					    state_fds[i], k);
		if (test->status == KUNIT_FAILURE)
			return;
	}
	KUNIT_EXPECT_LT(test, k, SWEEP_LIMIT);
	kunit_info(test, "checkpoint: %u fault points swept", k - 1);
}

static void sweep_restart(struct kunit *test, enum ckpt_fault_site site)
{
	unsigned int k;
	s64 watches;
	int err;

	build_state(test);
	KUNIT_ASSERT_EQ(test, cr_checkpoint(test, 0), 0);
	cr_close_all();
	watches = cr_user_watches();
	for (k = 1; k < SWEEP_LIMIT; k++) {
		err = cr_restart_faulty(test, site, k);
		if (!err)
			break;
		KUNIT_EXPECT_EQ_MSG(test, err, fault_errno(site), "fault %u", k);
		KUNIT_EXPECT_EQ_MSG(test, cr_fd_table(), 0ULL, "fault %u", k);
		/* Drops the references the fixture kept, then items can go. */
		cr_expect_nothing_alive(test);
		KUNIT_EXPECT_TRUE_MSG(test, cr_user_watches_are(watches),
				      "fault %u: epoll watches %lld, expected %lld",
				      k, cr_user_watches(), watches);
		if (test->status == KUNIT_FAILURE)
			return;
	}
	KUNIT_EXPECT_LT(test, k, SWEEP_LIMIT);
	KUNIT_EXPECT_EQ(test, cr_fd_table(), state_fd_bits());
	kunit_info(test, "restart: %u fault points swept", k - 1);
}

static void faults_checkpoint_allocations(struct kunit *test)
{
	sweep_checkpoint(test, CKPT_FAULT_ALLOC);
}

static void faults_checkpoint_image_writes(struct kunit *test)
{
	sweep_checkpoint(test, CKPT_FAULT_IO);
}

static void faults_restart_allocations(struct kunit *test)
{
	sweep_restart(test, CKPT_FAULT_ALLOC);
}

static void faults_restart_reads_and_pipe_writes(struct kunit *test)
{
	sweep_restart(test, CKPT_FAULT_IO);
}

static struct kunit_case faults_test_cases[] = {
	KUNIT_CASE(faults_checkpoint_allocations),
	KUNIT_CASE(faults_checkpoint_image_writes),
	KUNIT_CASE(faults_restart_allocations),
	KUNIT_CASE(faults_restart_reads_and_pipe_writes),
	{}
};

static struct kunit_suite faults_test_suite = {
	.name = "checkpoint_faults",
	.suite_init = cr_kunit_suite_init,
	.init = cr_kunit_init,
	.test_cases = faults_test_cases,
};

kunit_test_suite(faults_test_suite);
