// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit cases for file-table checkpoint/restart end to end in the kernel:
 * each file type, objects and fds, leak detection, canonical images, and
 * restart's refusal of images and tables it must not accept.
 */
#include <kunit/test.h>
#include <linux/eventfd.h>
#include <linux/fcntl.h>
#include <linux/fdtable.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/pipe_fs_i.h>
#include <linux/resource.h>
#include <linux/sched/signal.h>
#include <linux/shmem_fs.h>
#include <linux/syscalls.h>

#include "cr_kunit.h"

static void write_file(struct kunit *test, int fd, const void *buf, size_t n)
{
	loff_t pos = 0;

	KUNIT_ASSERT_EQ(test, kernel_write(cr_file(fd), buf, n, &pos), (ssize_t)n);
}

static ssize_t read_file(int fd, void *buf, size_t n)
{
	struct file *file = cr_file(fd);

	return kernel_read(file, buf, n, &file->f_pos);
}

static void files_pipe_data_roundtrip(struct kunit *test)
{
	char buf[16] = {};

	cr_pipe(test, 3, 4);
	write_file(test, 4, "hello ", 6);
	write_file(test, 4, "world", 5);
	cr_roundtrip(test, 0);
	KUNIT_EXPECT_EQ(test, read_file(3, buf, sizeof(buf)), 11L);
	KUNIT_EXPECT_STREQ(test, buf, "hello world");
}

static void files_pipe_one_end_closed_gives_eof(struct kunit *test)
{
	char buf[8] = {};

	cr_pipe(test, 3, 4);
	write_file(test, 4, "abc", 3);
	close_fd(4);
	cr_roundtrip(test, 0);
	KUNIT_EXPECT_NULL(test, cr_file(4));
	KUNIT_EXPECT_EQ(test, read_file(3, buf, sizeof(buf)), 3L);
	KUNIT_EXPECT_EQ(test, read_file(3, buf, sizeof(buf)), 0L);
}

static void files_pipe_capacity_kept(struct kunit *test)
{
	cr_pipe(test, 3, 4);
	KUNIT_ASSERT_EQ(test, pipe_fcntl(cr_file(3), F_SETPIPE_SZ, 4 * PAGE_SIZE),
			4L * PAGE_SIZE);
	cr_roundtrip(test, 0);
	KUNIT_EXPECT_EQ(test, pipe_fcntl(cr_file(3), F_GETPIPE_SZ, 0),
			4L * PAGE_SIZE);
}

static const u64 eventfd_counts[] = { 0, 1, 1ULL << 32, ULLONG_MAX - 1 };

static void eventfd_count_desc(const u64 *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "count %llu", *c);
}

KUNIT_ARRAY_PARAM(eventfd_count, eventfd_counts, eventfd_count_desc);

static void files_eventfd_count_roundtrip(struct kunit *test)
{
	const u64 *count = test->param_value;
	unsigned int flags;
	u64 got;

	cr_efd(test, 3, *count, EFD_NONBLOCK);
	cr_roundtrip(test, 0);
	KUNIT_ASSERT_EQ(test, eventfd_cr_get(cr_file(3), &got, &flags), 0);
	KUNIT_EXPECT_EQ(test, got, *count);
	KUNIT_EXPECT_TRUE(test, cr_file(3)->f_flags & O_NONBLOCK);
}

static void files_eventfd_semaphore_kept(struct kunit *test)
{
	unsigned int flags;
	u64 got;

	cr_efd(test, 3, 3, EFD_SEMAPHORE);
	cr_roundtrip(test, 0);
	KUNIT_ASSERT_EQ(test, eventfd_cr_get(cr_file(3), &got, &flags), 0);
	KUNIT_EXPECT_EQ(test, flags, (unsigned int)EFD_SEMAPHORE);
	KUNIT_EXPECT_FALSE(test, cr_file(3)->f_flags & O_NONBLOCK);
}

static void files_regular_path_flags_pos(struct kunit *test)
{
	struct file *file = filp_open("/cr-kunit-regular", O_CREAT | O_RDWR |
				      O_APPEND, 0600);
	char buf[8] = {};

	if (IS_ERR(file))
		kunit_skip(test, "no writable root filesystem (%ld)", PTR_ERR(file));
	cr_install(test, file, 5);
	write_file(test, 5, "0123456789", 10);
	cr_file(5)->f_pos = 4;
	cr_roundtrip(test, 0);
	file = cr_file(5);
	KUNIT_ASSERT_NOT_NULL(test, file);
	KUNIT_EXPECT_EQ(test, file->f_pos, 4LL);
	KUNIT_EXPECT_TRUE(test, file->f_flags & O_APPEND);
	KUNIT_EXPECT_EQ(test, file->f_mode & (FMODE_READ | FMODE_WRITE),
			FMODE_READ | FMODE_WRITE);
	KUNIT_EXPECT_EQ(test, read_file(5, buf, 3), 3L);
	KUNIT_EXPECT_STREQ(test, buf, "456");
}

static void files_regular_unlinked_is_eopnotsupp(struct kunit *test)
{
	cr_install(test, shmem_file_setup("cr-kunit-unlinked", 0, 0), 5);
	KUNIT_EXPECT_EQ(test, cr_checkpoint(test, 0), -EOPNOTSUPP);
}

static void files_dup_is_one_object(struct kunit *test)
{
	cr_efd(test, 3, 7, 0);
	KUNIT_ASSERT_EQ(test, install_fd_unused(9, cr_file(3), 0), 0);
	cr_roundtrip(test, 0);
	KUNIT_EXPECT_NOT_NULL(test, cr_file(3));
	KUNIT_EXPECT_PTR_EQ(test, cr_file(3), cr_file(9));
}

static void files_cloexec_per_fd(struct kunit *test)
{
	cr_efd(test, 3, 0, 0);
	KUNIT_ASSERT_EQ(test, install_fd_unused(4, cr_file(3), O_CLOEXEC), 0);
	cr_roundtrip(test, 0);
	KUNIT_EXPECT_FALSE(test, cr_cloexec(3));
	KUNIT_EXPECT_TRUE(test, cr_cloexec(4));
}

static void files_unsupported_is_eopnotsupp(struct kunit *test)
{
	struct cr_poll_file *pf = cr_poll_file_create(test);

	cr_install(test, get_file(pf->file), 5);
	KUNIT_EXPECT_EQ(test, cr_checkpoint(test, 0), -EOPNOTSUPP);
}

static void files_unsupported_skipped_with_flag(struct kunit *test)
{
	struct cr_poll_file *pf = cr_poll_file_create(test);

	cr_efd(test, 3, 1, 0);
	cr_install(test, get_file(pf->file), 5);
	KUNIT_ASSERT_EQ(test, cr_checkpoint(test, CHECKPOINT_SKIP_UNSUPPORTED), 0);
	close_fd(3);
	/* fd 5 is still open: skipped fds are left alone. */
	KUNIT_ASSERT_EQ(test, cr_restart(test), 0);
	KUNIT_EXPECT_NOT_NULL(test, cr_file(3));
	KUNIT_EXPECT_PTR_EQ(test, cr_file(5), pf->file);
}

static void files_extra_reference_is_ebusy(struct kunit *test)
{
	struct file *extra;

	cr_efd(test, 3, 0, 0);
	extra = get_file(cr_file(3));
	KUNIT_EXPECT_EQ(test, cr_checkpoint(test, 0), -EBUSY);
	KUNIT_EXPECT_EQ(test, cr_checkpoint(test, CHECKPOINT_SUBTREE), 0);
	fput(extra);
	KUNIT_EXPECT_EQ(test, cr_checkpoint(test, 0), 0);
}

static void build_mixed(struct kunit *test, bool reversed)
{
	if (reversed) {
		cr_pipe(test, 4, 5);
		cr_efd(test, 3, 2, 0);
	} else {
		cr_efd(test, 3, 2, 0);
		cr_pipe(test, 4, 5);
	}
	write_file(test, 5, "xyz", 3);
}

static void files_image_canonical_across_build_order(struct kunit *test)
{
	size_t la, lb;
	u8 *a, *b;

	build_mixed(test, false);
	KUNIT_ASSERT_EQ(test, cr_checkpoint(test, 0), 0);
	a = cr_image_bytes(test, &la);
	cr_close_all();
	build_mixed(test, true);
	KUNIT_ASSERT_EQ(test, cr_checkpoint(test, 0), 0);
	b = cr_image_bytes(test, &lb);
	KUNIT_ASSERT_EQ(test, la, lb);
	KUNIT_EXPECT_MEMEQ(test, a, b, la);
}

static void files_restored_state_checkpoints_identically(struct kunit *test)
{
	build_mixed(test, false);
	cr_expect_restored_checkpoints_identically(test);
}

static void files_restart_fd_in_use_is_ebusy(struct kunit *test)
{
	build_mixed(test, false);
	KUNIT_ASSERT_EQ(test, cr_checkpoint(test, 0), 0);
	cr_close_all();
	cr_efd(test, 5, 0, 0);
	KUNIT_EXPECT_EQ(test, cr_restart(test), -EBUSY);
	KUNIT_EXPECT_EQ(test, cr_fd_table(), BIT_ULL(5));
	cr_expect_nothing_alive(test);
}

static void files_restart_fd_beyond_rlimit_is_emfile(struct kunit *test)
{
	struct rlimit *rlim = &current->signal->rlim[RLIMIT_NOFILE];
	unsigned long saved = rlim->rlim_cur;
	int err;

	cr_efd(test, 20, 0, 0);
	KUNIT_ASSERT_EQ(test, cr_checkpoint(test, 0), 0);
	cr_close_all();
	rlim->rlim_cur = 20;
	err = cr_restart(test);
	rlim->rlim_cur = saved;
	KUNIT_EXPECT_EQ(test, err, -EMFILE);
	KUNIT_EXPECT_EQ(test, cr_fd_table(), 0ULL);
	cr_expect_nothing_alive(test);
}

static void files_restart_truncated_anywhere_fails(struct kunit *test)
{
	size_t len, cut;
	u8 *image;

	build_mixed(test, false);
	cr_epoll(test, 6);
	KUNIT_ASSERT_EQ(test, cr_ctl(6, EPOLL_CTL_ADD, 3, EPOLLIN, 1), 0);
	KUNIT_ASSERT_EQ(test, cr_checkpoint(test, 0), 0);
	image = cr_image_bytes(test, &len);
	cr_close_all();
	for (cut = 0; cut < len; cut++) {
		cr_image_replace(test, image, cut);
		KUNIT_EXPECT_EQ_MSG(test, cr_restart(test), -EINVAL,
				    "image cut at %zu of %zu bytes", cut, len);
		KUNIT_EXPECT_EQ(test, cr_fd_table(), 0ULL);
		cr_expect_nothing_alive(test);
	}
	kunit_info(test, "tried %zu truncations", len);
}

static void files_restart_bad_checksum_fails(struct kunit *test)
{
	struct ckpt_rec_file *rec;
	size_t len;
	u8 *image;

	cr_efd(test, 3, 5, 0);
	KUNIT_ASSERT_EQ(test, cr_checkpoint(test, 0), 0);
	image = cr_image_bytes(test, &len);
	cr_close_all();
	rec = (void *)cr_image_find(image, len, CKPT_REC_FILE, 0);
	KUNIT_ASSERT_NOT_NULL(test, rec);
	((struct ckpt_file_eventfd *)(rec + 1))->count = 6;
	cr_image_replace(test, image, len);
	KUNIT_EXPECT_EQ(test, cr_restart(test), -EINVAL);
	KUNIT_EXPECT_EQ(test, cr_fd_table(), 0ULL);
	cr_expect_nothing_alive(test);
}

/* A crafted edit of the fd entries, with a valid checksum, and its errno. */
struct fd_edit {
	const char *name;
	void (*edit)(struct ckpt_fd_entry *e);
	int err;
};

static void edit_duplicate_fd(struct ckpt_fd_entry *e)
{
	e[1].fd = e[0].fd;
}

static void edit_forward_objref(struct ckpt_fd_entry *e)
{
	e[0].objref = 99;
}

static void edit_objref_names_pipe(struct ckpt_fd_entry *e)
{
	/* objref 2 is the pipe object, written before its read end (3). */
	e[1].objref = 2;
}

static void edit_unknown_fd_flag(struct ckpt_fd_entry *e)
{
	e[0].flags |= 0x80;
}

static void edit_negative_fd(struct ckpt_fd_entry *e)
{
	e[0].fd = -1;
}

/* After the first two were installed: they are closed again. */
static void edit_last_fd_beyond_limit(struct ckpt_fd_entry *e)
{
	e[2].fd = INT_MAX;
}

static const struct fd_edit fd_edits[] = {
	{ "duplicate_fd", edit_duplicate_fd, -EINVAL },
	{ "forward_objref", edit_forward_objref, -EINVAL },
	{ "objref_of_wrong_kind", edit_objref_names_pipe, -EINVAL },
	{ "unknown_fd_flag", edit_unknown_fd_flag, -EINVAL },
	{ "negative_fd", edit_negative_fd, -EINVAL },
	{ "last_fd_beyond_limit", edit_last_fd_beyond_limit, -EMFILE },
};

static void fd_edit_desc(const struct fd_edit *e, char *desc)
{
	strscpy(desc, e->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(fd_edit, fd_edits, fd_edit_desc);

static void files_restart_rejects_crafted_fd_table(struct kunit *test)
{
	const struct fd_edit *edit = test->param_value;
	struct ckpt_rec_fd *rec;
	size_t len;
	u8 *image;

	build_mixed(test, false);
	KUNIT_ASSERT_EQ(test, cr_checkpoint(test, 0), 0);
	image = cr_image_bytes(test, &len);
	cr_close_all();
	rec = (void *)cr_image_find(image, len, CKPT_REC_FD, 0);
	KUNIT_ASSERT_NOT_NULL(test, rec);
	KUNIT_ASSERT_EQ(test, rec->count, 3U);
	edit->edit((struct ckpt_fd_entry *)(rec + 1));
	cr_image_fix_checksum(image, len);
	cr_image_replace(test, image, len);
	KUNIT_EXPECT_EQ(test, cr_restart(test), edit->err);
	KUNIT_EXPECT_EQ(test, cr_fd_table(), 0ULL);
	cr_expect_nothing_alive(test);
}

struct header_edit {
	const char *name;
	size_t offset;		/* of a u32 in struct ckpt_rec_header */
};

static const struct header_edit header_edits[] = {
	{ "magic", offsetof(struct ckpt_rec_header, magic) },
	{ "version", offsetof(struct ckpt_rec_header, version) },
	{ "arch", offsetof(struct ckpt_rec_header, arch) },
	{ "flags", offsetof(struct ckpt_rec_header, flags) },
};

static void header_edit_desc(const struct header_edit *e, char *desc)
{
	strscpy(desc, e->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(header_edit, header_edits, header_edit_desc);

static void files_restart_rejects_foreign_header(struct kunit *test)
{
	const struct header_edit *edit = test->param_value;
	size_t len;
	u8 *image;

	cr_efd(test, 3, 0, 0);
	KUNIT_ASSERT_EQ(test, cr_checkpoint(test, 0), 0);
	image = cr_image_bytes(test, &len);
	cr_close_all();
	*(u32 *)(image + edit->offset) ^= 0x100;
	cr_image_fix_checksum(image, len);
	cr_image_replace(test, image, len);
	KUNIT_EXPECT_EQ(test, cr_restart(test), -EINVAL);
	KUNIT_EXPECT_EQ(test, cr_fd_table(), 0ULL);
}

static struct kunit_case files_test_cases[] = {
	KUNIT_CASE(files_pipe_data_roundtrip),
	KUNIT_CASE(files_pipe_one_end_closed_gives_eof),
	KUNIT_CASE(files_pipe_capacity_kept),
	KUNIT_CASE_PARAM(files_eventfd_count_roundtrip, eventfd_count_gen_params),
	KUNIT_CASE(files_eventfd_semaphore_kept),
	KUNIT_CASE(files_regular_path_flags_pos),
	KUNIT_CASE(files_regular_unlinked_is_eopnotsupp),
	KUNIT_CASE(files_dup_is_one_object),
	KUNIT_CASE(files_cloexec_per_fd),
	KUNIT_CASE(files_unsupported_is_eopnotsupp),
	KUNIT_CASE(files_unsupported_skipped_with_flag),
	KUNIT_CASE(files_extra_reference_is_ebusy),
	KUNIT_CASE(files_image_canonical_across_build_order),
	KUNIT_CASE(files_restored_state_checkpoints_identically),
	KUNIT_CASE(files_restart_fd_in_use_is_ebusy),
	KUNIT_CASE(files_restart_fd_beyond_rlimit_is_emfile),
	KUNIT_CASE(files_restart_truncated_anywhere_fails),
	KUNIT_CASE(files_restart_bad_checksum_fails),
	KUNIT_CASE_PARAM(files_restart_rejects_crafted_fd_table, fd_edit_gen_params),
	KUNIT_CASE_PARAM(files_restart_rejects_foreign_header, header_edit_gen_params),
	{}
};

static struct kunit_suite files_test_suite = {
	.name = "checkpoint_files",
	.suite_init = cr_kunit_suite_init,
	.init = cr_kunit_init,
	.test_cases = files_test_cases,
};

kunit_test_suite(files_test_suite);
