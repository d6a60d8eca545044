// SPDX-License-Identifier: GPL-2.0
/*
 * Helpers shared by the checkpoint(2)/restart(2) selftests.  See cr_util.h.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/kcmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cr_util.h"

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(arr) (sizeof(arr) / sizeof((arr)[0]))
#endif

/* Where diagnostics go; NULL: stderr. */
static FILE *diag_file;

long sysret(long r)
{
	return r < 0 ? -errno : r;
}

#if defined(__NR_checkpoint) && defined(__NR_restart)
long sys_checkpoint(pid_t pid, int fd, unsigned long flags)
{
	return sysret(syscall(__NR_checkpoint, pid, fd, flags));
}

long sys_restart(int fd, unsigned long flags)
{
	return sysret(syscall(__NR_restart, fd, flags));
}

const char *cr_unsupported(void)
{
	if (sys_restart(-1, 0) == -ENOSYS)
		return "restart(2) gives ENOSYS: kernel without CONFIG_CHECKPOINT_FILES";
	return NULL;
}
#else
long sys_checkpoint(pid_t pid, int fd, unsigned long flags)
{
	return -ENOSYS;
}

long sys_restart(int fd, unsigned long flags)
{
	return -ENOSYS;
}

const char *cr_unsupported(void)
{
	return "built without __NR_checkpoint: make headers, or set KHDR_INCLUDES";
}
#endif

long sys_kcmp_file(int fd1, int fd2)
{
	pid_t me = getpid();

	return sysret(syscall(SYS_kcmp, me, me, KCMP_FILE, fd1, fd2));
}

const char *ret_str(long ret, char *buf, size_t len)
{
	const char *name = NULL;

	if (ret < 0 && ret >= -4095)
		name = strerrorname_np((int)-ret);
	if (name)
		snprintf(buf, len, "-%s", name);
	else
		snprintf(buf, len, "%ld", ret);
	return buf;
}

/* Diagnostics */

void cr_diag_to(FILE *f)
{
	diag_file = f;
}

static void vdiag(const char *fmt, va_list ap)
{
	FILE *f = diag_file ? diag_file : stderr;

	fflush(stdout);
	fputs("# ", f);
	vfprintf(f, fmt, ap);
	fputc('\n', f);
	fflush(f);
}

void cr_diag(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vdiag(fmt, ap);
	va_end(ap);
}

bool expect(bool cond, const char *fmt, ...)
{
	va_list ap;

	if (!cond) {
		va_start(ap, fmt);
		vdiag(fmt, ap);
		va_end(ap);
	}
	return cond;
}

bool expect_ret(const char *what, long got, long want)
{
	char g[32], w[32];

	return expect(got == want, "%s: expected %s, got %s", what,
		      ret_str(want, w, sizeof(w)), ret_str(got, g, sizeof(g)));
}

bool expect_success(const char *what, long got)
{
	char g[32];

	return expect(got >= 0, "%s: expected success, got %s", what,
		      ret_str(got, g, sizeof(g)));
}

/* Processes */

static void describe_status(const char *who, int status)
{
	if (WIFEXITED(status))
		cr_diag("%s exited with status %d", who, WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		cr_diag("%s was killed by signal %d (%s)", who,
			WTERMSIG(status), strsignal(WTERMSIG(status)));
	else
		cr_diag("%s: unexpected wait status 0x%x", who, status);
}

static pid_t fork_flushed(void)
{
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		cr_diag("fork: %s", strerror(errno));
	return pid;
}

pid_t spawn_stopped(cr_build_fn fn, void *arg)
{
	int status, rc;
	pid_t pid = fork_flushed();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		close_range(3, ~0U, 0);
		rc = fn(arg);
		if (rc)
			_exit(rc);
		raise(SIGSTOP);
		for (;;)
			pause();
	}
	if (waitpid(pid, &status, WUNTRACED) != pid) {
		cr_diag("waitpid %d: %s", (int)pid, strerror(errno));
		reap(pid);
		return -1;
	}
	if (WIFSTOPPED(status))
		return pid;
	describe_status("state builder (expected it to stop itself)", status);
	return -1;
}

void reap(pid_t pid)
{
	kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}

bool run_child(cr_check_fn fn, void *arg)
{
	int status;
	pid_t pid = fork_flushed();

	if (pid < 0)
		return false;
	if (pid == 0)
		_exit(fn(arg) ? 0 : 1);
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			cr_diag("waitpid %d: %s", (int)pid, strerror(errno));
			return false;
		}
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) <= 1)
		return WEXITSTATUS(status) == 0;
	describe_status("checking process", status);
	return false;
}

struct restorer {
	int image_fd;
	cr_check_fn check;
	void *arg;
};

static bool restorer_main(void *p)
{
	const struct restorer *r = p;

	if (r->image_fd != CR_IMAGE_FD && dup2(r->image_fd, CR_IMAGE_FD) < 0)
		return expect(false, "dup2 image to %d: %s", CR_IMAGE_FD,
			      strerror(errno));
	close_range(3, CR_IMAGE_FD - 1, 0);
	close_range(CR_IMAGE_FD + 1, ~0U, 0);
	if (lseek(CR_IMAGE_FD, 0, SEEK_SET) != 0)
		return expect(false, "rewinding the image: %s", strerror(errno));
	return r->check(r->arg);
}

bool run_restorer(int image_fd, cr_check_fn check, void *arg)
{
	struct restorer r = { .image_fd = image_fd, .check = check, .arg = arg };

	return run_child(restorer_main, &r);
}

int checkpoint_child(cr_build_fn build, void *arg, unsigned long flags)
{
	pid_t pid = spawn_stopped(build, arg);
	int img;
	long ret;

	if (pid < 0)
		return -1;
	img = image_create();
	ret = img < 0 ? -EBADF : sys_checkpoint(pid, img, flags);
	reap(pid);
	if (img >= 0 && !expect_success("checkpoint of the stopped child", ret)) {
		close(img);
		return -1;
	}
	return img;
}

/* fds */

bool place_fd(int fd, int target)
{
	if (fd < 0)
		return expect(false, "creating the file for fd %d: %s", target,
			      strerror(errno));
	if (fd == target)
		return true;
	if (dup2(fd, target) < 0)
		return expect(false, "dup2(%d, %d): %s", fd, target,
			      strerror(errno));
	close(fd);
	return true;
}

bool pipe_at(int rfd, int wfd)
{
	int p[2];

	if (pipe(p) < 0)
		return expect(false, "pipe: %s", strerror(errno));
	/* Fresh pipes get low numbers; the targets are high ones. */
	return place_fd(p[0], rfd) && place_fd(p[1], wfd);
}

bool timerfd_at(int fd, int clockid, int flags, long long value_ns,
		long long interval_ns)
{
	const long long ns_per_s = 1000000000;
	struct itimerspec its = {
		.it_value = { value_ns / ns_per_s, value_ns % ns_per_s },
		.it_interval = { interval_ns / ns_per_s, interval_ns % ns_per_s },
	};

	if (!place_fd(timerfd_create(clockid, TFD_NONBLOCK), fd))
		return false;
	return expect(timerfd_settime(fd, flags, &its, NULL) == 0,
		      "timerfd_settime %d: %s", fd, strerror(errno));
}

bool epoll_add(int ep, int fd, uint32_t events, uint64_t data)
{
	struct epoll_event ev = { .events = events, .data.u64 = data };

	return expect(epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) == 0,
		      "epoll_ctl ADD %d to %d: %s", fd, ep, strerror(errno));
}

bool write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return expect(false, "write of %zu bytes to fd %d: %s",
				      len, fd, n < 0 ? strerror(errno) : "wrote 0");
		p += n;
		len -= (size_t)n;
	}
	return true;
}

ssize_t drain(int fd, void *buf, size_t cap)
{
	size_t got = 0;
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return -errno;
	while (got < cap) {
		ssize_t n = read(fd, (char *)buf + got, cap - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

/* Images */

int image_create(void)
{
	int fd = memfd_create("cr-image", MFD_CLOEXEC);

	if (fd < 0)
		cr_diag("memfd_create: %s", strerror(errno));
	return fd;
}

ssize_t image_load(int fd, unsigned char **buf)
{
	struct stat st;
	size_t got = 0;

	*buf = NULL;
	if (fstat(fd, &st) < 0) {
		cr_diag("fstat image: %s", strerror(errno));
		return -1;
	}
	*buf = malloc((size_t)st.st_size + 1);
	if (!*buf) {
		cr_diag("out of memory for a %lld-byte image",
			(long long)st.st_size);
		return -1;
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = pread(fd, *buf + got, (size_t)st.st_size - got,
				  (off_t)got);

		if (n <= 0) {
			cr_diag("reading the image: %s",
				n < 0 ? strerror(errno) : "short file");
			free(*buf);
			*buf = NULL;
			return -1;
		}
		got += (size_t)n;
	}
	return (ssize_t)got;
}

bool image_fill(int fd, const void *buf, size_t len)
{
	if (ftruncate(fd, 0) < 0 ||
	    (len && pwrite(fd, buf, len, 0) != (ssize_t)len) ||
	    lseek(fd, 0, SEEK_SET) != 0)
		return expect(false, "filling a %zu-byte image: %s", len,
			      strerror(errno));
	return true;
}

static const char *record_name(uint32_t type)
{
	static const char *const names[] = {
		[CKPT_REC_HEADER] = "HEADER", [CKPT_REC_FILE] = "FILE",
		[CKPT_REC_PIPE] = "PIPE", [CKPT_REC_FD] = "FD",
		[CKPT_REC_EPOLL_ITEMS] = "EPOLL_ITEMS",
		[CKPT_REC_EPOLL_READY] = "EPOLL_READY",
		[CKPT_REC_TRAILER] = "TRAILER", [CKPT_REC_UNIX_PAIR] = "UNIX_PAIR",
	};

	return type < ARRAY_SIZE(names) && names[type] ? names[type] : "unknown";
}

/* "record N (TYPE, M bytes at offset P), byte B of it" for offset off. */
static void record_at(const unsigned char *buf, size_t len, size_t off, char *out, size_t n)
{
	struct ckpt_hdr h;
	unsigned int i = 0;

	for (size_t pos = 0; pos + sizeof(h) <= len; pos += h.len, i++) {
		memcpy(&h, buf + pos, sizeof(h));
		if (h.len < sizeof(h) || h.len > len - pos)
			break;
		if (off < pos + h.len) {
			snprintf(out, n, "record %u (%s, %u bytes at offset %zu), byte %zu of it",
				 i, record_name(h.type), h.len, pos, off - pos);
			return;
		}
	}
	snprintf(out, n, "no record (past the last whole one)");
}

bool images_equal(int a, int b, const char *what)
{
	unsigned char *pa, *pb;
	ssize_t na = image_load(a, &pa), nb = image_load(b, &pb);
	bool ok = false;
	char where[128];
	ssize_t i;

	if (na >= 0 && nb >= 0) {
		for (i = 0; i < na && i < nb && pa[i] == pb[i]; i++)
			;
		ok = na == nb && i == na;
		record_at(pa, na, i, where, sizeof(where));
		if (!ok && i < na && i < nb)
			cr_diag("%s: expected identical images, sizes %zd and %zd differ first at offset %zd (0x%02x vs 0x%02x): %s",
				what, na, nb, i, pa[i], pb[i], where);
		else if (!ok)
			cr_diag("%s: expected identical images, sizes %zd and %zd (one is a prefix of the other)",
				what, na, nb);
	}
	free(pa);
	free(pb);
	return ok;
}

uint32_t crc32_zlib(const void *buf, size_t len)
{
	const unsigned char *p = buf;
	uint32_t crc = 0xffffffffu;

	while (len--) {
		crc ^= *p++;
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1)));
	}
	return ~crc;
}

bool image_walk(const unsigned char *buf, size_t len, uint32_t *nrecords)
{
	struct ckpt_hdr h;
	uint32_t n = 0;

	for (size_t pos = 0; pos < len; pos += h.len) {
		if (len - pos < sizeof(h))
			return expect(false, "image: %zu stray bytes at offset %zu",
				      len - pos, pos);
		memcpy(&h, buf + pos, sizeof(h));
		if (h.len < sizeof(h) || h.len % 8 || h.len > len - pos)
			return expect(false, "image: record at offset %zu has bad length %u",
				      pos, h.len);
		if (h.type != CKPT_REC_TRAILER)
			n++;
	}
	if (nrecords)
		*nrecords = n;
	return true;
}

bool image_find_fd(const unsigned char *buf, size_t len, int fd,
		   struct ckpt_fd_entry *out)
{
	const size_t first = offsetof(struct ckpt_rec_fd, entries);
	const size_t esize = sizeof(((struct ckpt_rec_fd *)0)->entries[0]);
	struct ckpt_rec_fd r;

	for (size_t pos = 0; pos + sizeof(r.h) <= len; pos += r.h.len) {
		memcpy(&r.h, buf + pos, sizeof(r.h));
		if (r.h.len < sizeof(r.h) || r.h.len > len - pos)
			return false;
		if (r.h.type != CKPT_REC_FD || r.h.len < first)
			continue;
		memcpy(&r, buf + pos, first);
		for (size_t i = 0; i < r.count && first + (i + 1) * esize <= r.h.len; i++) {
			memcpy(out, buf + pos + first + i * esize, esize);
			if (out->fd == fd)
				return true;
		}
	}
	return false;
}

/* fd tables */

static int fd_entry_cmp(const void *a, const void *b)
{
	const struct fd_entry *x = a, *y = b;

	return (x->fd > y->fd) - (x->fd < y->fd);
}

bool fd_table_read(struct fd_table *t)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	struct stat st;

	t->n = 0;
	if (!d)
		return expect(false, "opendir /proc/self/fd: %s", strerror(errno));
	while ((de = readdir(d))) {
		int fd = atoi(de->d_name);

		if (de->d_name[0] == '.' || fd == dirfd(d))
			continue;
		if (t->n == CR_MAX_FDS || fstat(fd, &st) < 0) {
			closedir(d);
			return expect(false, "fd table: too many fds or fstat %d failed",
				      fd);
		}
		t->e[t->n++] = (struct fd_entry){
			.fd = fd, .dev = st.st_dev, .ino = st.st_ino,
			.fd_flags = fcntl(fd, F_GETFD),
			.fl_flags = fcntl(fd, F_GETFL),
		};
	}
	closedir(d);
	qsort(t->e, (size_t)t->n, sizeof(t->e[0]), fd_entry_cmp);
	return true;
}

bool fd_table_equal(const struct fd_table *a, const struct fd_table *b)
{
	if (a->n != b->n)
		return false;
	for (int i = 0; i < a->n; i++) {
		const struct fd_entry *x = &a->e[i], *y = &b->e[i];

		if (x->fd != y->fd || x->dev != y->dev || x->ino != y->ino ||
		    x->fd_flags != y->fd_flags || x->fl_flags != y->fl_flags)
			return false;
	}
	return true;
}

const char *fd_table_str(const struct fd_table *t, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (int i = 0; i < t->n && used < len; i++) {
		int n = snprintf(buf + used, len - used, "%s%d", i ? " " : "",
				 t->e[i].fd);

		if (n < 0)
			break;
		used += (size_t)n;
	}
	return buf;
}

bool fd_table_unchanged(const struct fd_table *before, const char *when)
{
	struct fd_table after;
	char a[256], b[256];

	if (!fd_table_read(&after))
		return false;
	return expect(fd_table_equal(before, &after),
		      "%s: expected the fd table unchanged [%s], got [%s]%s", when,
		      fd_table_str(before, b, sizeof(b)),
		      fd_table_str(&after, a, sizeof(a)),
		      before->n == after.n ? " (same numbers, other files or flags)" : "");
}

/* fdinfo */

bool fdinfo_read(int fd, struct fdinfo *fi)
{
	char path[64], buf[4096], *line, *save;
	ssize_t n;
	int f;

	*fi = (struct fdinfo){ .pos = -1 };
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = open(path, O_RDONLY | O_CLOEXEC);
	if (f < 0)
		return expect(false, "open %s: %s", path, strerror(errno));
	n = read(f, buf, sizeof(buf) - 1);
	close(f);
	if (n < 0)
		return expect(false, "read %s: %s", path, strerror(errno));
	buf[n] = '\0';
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (!strncmp(line, "pos:", 4)) {
			fi->pos = strtoll(line + 4, NULL, 10);
		} else if (!strncmp(line, "flags:", 6)) {
			fi->flags = (unsigned int)strtoul(line + 6, NULL, 8);
		} else if (!strncmp(line, "eventfd-count:", 14)) {
			fi->has_eventfd = true;
			fi->eventfd_count = strtoull(line + 14, NULL, 16);
		} else if (!strncmp(line, "eventfd-semaphore:", 18)) {
			fi->eventfd_semaphore = atoi(line + 18);
		}
	}
	return true;
}

/* Regular files */

unsigned char pattern_byte(size_t i, unsigned int seed)
{
	return (unsigned char)(i * 31 + (i >> 8) + seed * 101 + 7);
}

bool make_file(const char *path, size_t size, unsigned int seed)
{
	unsigned char buf[512];
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	bool ok = true;

	if (fd < 0)
		return expect(false, "create %s: %s", path, strerror(errno));
	for (size_t off = 0; ok && off < size; off += sizeof(buf)) {
		size_t len = size - off < sizeof(buf) ? size - off : sizeof(buf);

		for (size_t i = 0; i < len; i++)
			buf[i] = pattern_byte(off + i, seed);
		ok = write_all(fd, buf, len);
	}
	close(fd);
	return ok;
}
