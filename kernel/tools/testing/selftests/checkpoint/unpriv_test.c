// SPDX-License-Identifier: GPL-2.0
/*
 * checkpoint(2)/restart(2) used by an unprivileged user.
 *
 * Run as root (as in UML), each test forks children that become uid 1000
 * or 1001 with every capability gone (bounding set included), so nothing
 * they do can rest on a privilege.  Run as another user, the children
 * stay that user (whose capability sets but the bounding set must be
 * empty) and the tests that need a second user or a root-owned file skip.
 * What must hold: checkpoint needs ptrace-attach rights over its target;
 * restart opens files with the restorer's own credentials and honours its
 * RLIMIT_NOFILE; and a restart never changes the restorer's credentials.
 * Failing calls leave the restorer's fd table as it was.  Checkpoints
 * skip fds 0-2 (the console) as unsupported.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../kselftest_harness.h"
#include "cr_util.h"

#define USER_A 1000	/* as root; else the caller's own uid (user_a()) */
#define USER_B 1001
#define SECRET "/dev/shm/unpriv_test-secret"
#define PUBLIC "/dev/shm/unpriv_test-public"

static uid_t user_a(void)
{
	return geteuid() == 0 ? USER_A : getuid();
}

/*
 * As root: becomes uid:gid user:user with no supplementary groups and no
 * capability in any set.  Not root: user must be the caller's own uid
 * (user_a()), whose permitted, effective, inheritable and ambient sets
 * must already be empty (the bounding set cannot be dropped without
 * CAP_SETPCAP).  Then makes itself dumpable (a uid change clears it)
 * unless asked not to.
 */
static bool become(uid_t user, bool dumpable)
{
	const bool root = geteuid() == 0;
	char status[4096], *cap;
	ssize_t n;
	int fd;

	if (!root && user != getuid())
		return expect(false, "becoming uid %d needs root", (int)user);
	for (int c = 0; root && prctl(PR_CAPBSET_READ, c) >= 0; c++)
		if (prctl(PR_CAPBSET_DROP, c) < 0)
			return expect(false, "dropping capability %d from the bounding set: %s",
				      c, strerror(errno));
	if (root && (setgroups(0, NULL) < 0 || setresgid(user, user, user) < 0 ||
		     setresuid(user, user, user) < 0))
		return expect(false, "becoming uid %d: %s", (int)user,
			      strerror(errno));
	if (prctl(PR_SET_DUMPABLE, dumpable ? 1 : 0) < 0)
		return expect(false, "PR_SET_DUMPABLE: %s", strerror(errno));
	fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
	n = fd < 0 ? -1 : read(fd, status, sizeof(status) - 1);
	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return expect(false, "reading /proc/self/status: %s",
			      strerror(errno));
	status[n] = '\0';
	for (const char *set = "CapInh:\0CapPrm:\0CapEff:\0CapBnd:\0CapAmb:\0";
	     *set; set += strlen(set) + 1) {
		if (!root && !strcmp(set, "CapBnd:"))
			continue;
		cap = strstr(status, set);
		if (!expect(cap && strtoull(cap + strlen(set), NULL, 16) == 0,
			    "uid %d: %s expected empty, status has %.30s",
			    (int)user, set, cap ? cap : "no such line"))
			return false;
	}
	return true;
}

/* An empty image file a user can write. */
static bool image_is_empty(int img, const char *when)
{
	struct stat st;

	if (fstat(img, &st) < 0)
		return expect(false, "fstat image: %s", strerror(errno));
	return expect(st.st_size == 0, "%s: expected nothing written, image has %lld bytes",
		      when, (long long)st.st_size);
}

/* Checkpoints target as user; expects want (0 for success). */
struct ckpt_as {
	pid_t target;
	uid_t user;
	long want;
	const char *what;
};

static bool check_ckpt_as(void *arg)
{
	const struct ckpt_as *c = arg;
	int img;
	long ret;

	if (!become(c->user, true))
		return false;
	img = image_create();
	if (img < 0)
		return false;
	ret = sys_checkpoint(c->target, img, CHECKPOINT_SKIP_UNSUPPORTED);
	if (c->want == 0)
		return expect_success(c->what, ret);
	return expect_ret(c->what, ret, c->want) &&
	       image_is_empty(img, c->what);
}

/* The target: uid user, a pipe at 10/11, dumpable or not. */
struct target {
	uid_t user;
	bool dumpable;
};

static int build_target(void *arg)
{
	const struct target *t = arg;

	return become(t->user, t->dumpable) && pipe_at(10, 11) ? 0 : 1;
}

/*
 * Images made by the test (root, in UML) of a pipe at 10/11 and the file at fd 12, opened
 * read-only.  The pipe comes first, so restart has built it before it
 * meets the file it must refuse.
 */
static int build_with_file(void *arg)
{
	return pipe_at(10, 11) && write_all(11, "x", 1) &&
	       place_fd(open((const char *)arg, O_RDONLY), 12) ? 0 : 1;
}

struct restore_as {
	uid_t user;
	long want;
	const char *what;
	rlim_t nofile;		/* 0: leave RLIMIT_NOFILE alone */
};

static bool check_restore_as(void *arg)
{
	const struct restore_as *r = arg;
	struct fd_table before;
	long ret;

	if (!become(r->user, true))
		return false;
	if (r->nofile) {
		struct rlimit rl = { r->nofile, r->nofile };

		if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
			return expect(false, "setrlimit NOFILE %llu: %s",
				      (unsigned long long)r->nofile,
				      strerror(errno));
		rl.rlim_cur = r->nofile * 4;
		rl.rlim_max = rl.rlim_cur;
		if (!expect_ret("raising the hard RLIMIT_NOFILE without CAP_SYS_RESOURCE",
				sysret(setrlimit(RLIMIT_NOFILE, &rl)), -EPERM))
			return false;
	}
	if (!fd_table_read(&before))
		return false;
	ret = sys_restart(CR_IMAGE_FD, 0);
	if (r->want == 0)
		return expect_success(r->what, ret) &&
		       expect(fcntl(12, F_GETFD) >= 0, "%s: fd 12 not restored",
			      r->what);
	return expect_ret(r->what, ret, r->want) &&
	       fd_table_unchanged(&before, r->what);
}

/*
 * checkpoint of a stopped process with a pipe at 10/11, by user A: the
 * target is A's own or user B's, dumpable or not.
 */
FIXTURE(ckpt_as) {
	pid_t target;
};

FIXTURE_VARIANT(ckpt_as) {
	bool owner_b;		/* the target is user B's, not A's */
	bool dumpable;
	long want;		/* 0: success */
	const char *what;
};

FIXTURE_SETUP(ckpt_as)
{
	struct target t = { .user = variant->owner_b ? USER_B : user_a(),
			    .dumpable = variant->dumpable };

	self->target = -1;
	CR_SETUP();
	if (variant->owner_b && geteuid() != 0)
		SKIP(return, "needs root: a process of another uid (%d)", USER_B);
	self->target = spawn_stopped(build_target, &t);
	ASSERT_GT(self->target, 0);
}

FIXTURE_TEARDOWN(ckpt_as)
{
	if (self->target > 0)
		reap(self->target);
}

/* Another user's stopped process. */
FIXTURE_VARIANT_ADD(ckpt_as, other_user_eperm) {
	.owner_b = true, .dumpable = true, .want = -EPERM,
	.what = "uid 1000 checkpointing a stopped process of uid 1001",
};

/* Its own user's process, but one it may not ptrace (not dumpable). */
FIXTURE_VARIANT_ADD(ckpt_as, undumpable_eperm) {
	.dumpable = false, .want = -EPERM,
	.what = "uid 1000 checkpointing its own non-dumpable process",
};

/* The control: its own dumpable process works. */
FIXTURE_VARIANT_ADD(ckpt_as, own_process_succeeds) {
	.dumpable = true, .want = 0,
	.what = "uid 1000 checkpointing its own stopped process",
};

TEST_F(ckpt_as, checkpoint)
{
	struct ckpt_as c = { .target = self->target, .user = user_a(),
			     .want = variant->want, .what = variant->what };

	ASSERT_TRUE(run_child(check_ckpt_as, &c)) {
		TH_LOG("%s", variant->what);
	}
}

/*
 * restart by user A of an image of a file the test made (root's, in UML)
 * with some mode, under some RLIMIT_NOFILE.
 */
FIXTURE(restore_as) {
	int img;
};

FIXTURE_VARIANT(restore_as) {
	const char *path;
	mode_t mode;
	bool needs_root;	/* the file must be another user's */
	struct restore_as r;
};

FIXTURE_SETUP(restore_as)
{
	self->img = -1;
	CR_SETUP();
	if (variant->needs_root && geteuid() != 0)
		SKIP(return, "needs root: a file of another uid");
	ASSERT_TRUE(make_file(variant->path, 100, 3));
	ASSERT_EQ(0, chmod(variant->path, variant->mode));
	self->img = checkpoint_child(build_with_file, (void *)variant->path,
				     CHECKPOINT_SKIP_UNSUPPORTED);
	ASSERT_GE(self->img, 0);
}

FIXTURE_TEARDOWN(restore_as)
{
	if (self->img >= 0)
		close(self->img);
	unlink(variant->path);
}

/* A root-only file in root's image stays closed to uid 1000. */
FIXTURE_VARIANT_ADD(restore_as, unreadable_file_eacces) {
	.path = SECRET, .mode = 0600, .needs_root = true,
	.r = { .user = USER_A, .want = -EACCES,
	       .what = "uid 1000 restarting root's image of a 0600 root file" },
};

/* The control: the same image of a 0644 file restores. */
FIXTURE_VARIANT_ADD(restore_as, readable_file_succeeds) {
	.path = PUBLIC, .mode = 0644,
	.r = { .user = USER_A, .want = 0,
	       .what = "uid 1000 restarting root's image of a 0644 root file" },
};

/* fd 12 is beyond RLIMIT_NOFILE 12, which the user cannot raise. */
FIXTURE_VARIANT_ADD(restore_as, beyond_rlimit_emfile) {
	.path = PUBLIC, .mode = 0644,
	.r = { .user = USER_A, .want = -EMFILE, .nofile = 12,
	       .what = "uid 1000 restarting fd 12 with RLIMIT_NOFILE 12" },
};

TEST_F(restore_as, restart)
{
	struct restore_as r = variant->r;

	r.user = user_a();
	ASSERT_TRUE(run_restorer(self->img, check_restore_as, &r)) {
		TH_LOG("%s", r.what);
	}
}

/*
 * A successful restart of a rich image (pipe, eventfd, regular file,
 * epoll sets, one nested) leaves every credential as it was.
 */
static int build_rich(void *arg)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLET };
	int ep, ep2;

	(void)arg;
	if (build_with_file(PUBLIC) || !place_fd(eventfd(5, 0), 13))
		return 1;
	ep = epoll_create1(0);
	ep2 = epoll_create1(EPOLL_CLOEXEC);
	if (!place_fd(ep, 14) || !place_fd(ep2, 15))
		return 1;
	ev.data.u64 = 10;
	if (epoll_ctl(14, EPOLL_CTL_ADD, 10, &ev) < 0)
		return 1;
	ev.data.u64 = 13;
	if (epoll_ctl(14, EPOLL_CTL_ADD, 13, &ev) < 0)
		return 1;
	ev.events = EPOLLIN;
	return epoll_ctl(15, EPOLL_CTL_ADD, 14, &ev) < 0 ? 1 : 0;
}

/* The credential lines of /proc/self/status, in order. */
static bool read_creds(char *buf, size_t len)
{
	static const char *const keys[] = {
		"Uid:", "Gid:", "Groups:", "CapInh:", "CapPrm:", "CapEff:",
		"CapBnd:", "CapAmb:", "NoNewPrivs:", "Seccomp:",
	};
	char status[4096];
	size_t used = 0;
	ssize_t n;
	uid_t r, e, s;
	gid_t gr, ge, gs;
	int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);

	n = fd < 0 ? -1 : read(fd, status, sizeof(status) - 1);
	if (fd >= 0)
		close(fd);
	if (n <= 0 || getresuid(&r, &e, &s) < 0 || getresgid(&gr, &ge, &gs) < 0)
		return expect(false, "reading credentials: %s", strerror(errno));
	status[n] = '\0';
	used = (size_t)snprintf(buf, len, "resuid %d %d %d resgid %d %d %d;",
				(int)r, (int)e, (int)s, (int)gr, (int)ge, (int)gs);
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
		const char *line = strstr(status, keys[i]);
		int l = line ? (int)strcspn(line, "\n") : 0;

		if (used < len)
			used += (size_t)snprintf(buf + used, len - used, " %.*s;",
						 l, line ? line : "");
	}
	return true;
}

static bool check_creds_kept(void *arg)
{
	char before[1024], after[1024];

	(void)arg;
	if (!become(user_a(), true) || !read_creds(before, sizeof(before)) ||
	    !expect_success("uid 1000 restarting root's rich image",
			    sys_restart(CR_IMAGE_FD, 0)) ||
	    !read_creds(after, sizeof(after)))
		return false;
	for (int fd = 10; fd <= 15; fd++)
		if (!expect(fcntl(fd, F_GETFD) >= 0, "fd %d not restored", fd))
			return false;
	return expect(!strcmp(before, after),
		      "credentials changed by restart: before [%s], after [%s]",
		      before, after);
}

FIXTURE(creds) {
	int img;
};

FIXTURE_SETUP(creds)
{
	self->img = -1;
	CR_SETUP();
	ASSERT_TRUE(make_file(PUBLIC, 100, 3));
	self->img = checkpoint_child(build_rich, NULL, CHECKPOINT_SKIP_UNSUPPORTED);
	ASSERT_GE(self->img, 0);
}

FIXTURE_TEARDOWN(creds)
{
	if (self->img >= 0)
		close(self->img);
	unlink(PUBLIC);
}

TEST_F(creds, restart_keeps_credentials)
{
	ASSERT_TRUE(run_restorer(self->img, check_creds_kept, NULL));
}

TEST_HARNESS_MAIN
