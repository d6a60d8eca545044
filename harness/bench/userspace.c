// SPDX-License-Identifier: GPL-2.0
/*
 * userspace: epoll dump and restore the way production tools do it
 * today, without any of our syscalls.
 *
 * Dump (as CRIU's dump_one_eventpoll() and find_tfd_bsearch() do): list the
 * process's fds, parse each set's /proc/PID/fdinfo/EPFD "tfd:" lines,
 * number the items that share an fd number (toff) after sorting them, and
 * resolve each item's target: binary-search its fd number among the
 * process's fds and confirm with kcmp(KCMP_EPOLL_TFD); when that is not
 * the item's file (closed or reused fd), compare every fd of the process
 * in turn.  kcmp(KCMP_EPOLL_TFD) itself finds the item by walking the
 * set's rb-tree in order from its first node (ep_find_tfd()), so each
 * call is linear in the set's size, and the dump of a set is quadratic.
 *
 * Restore: one epoll_create1() per set, one epoll_ctl(EPOLL_CTL_ADD) per
 * item, in a process that already has the targets at their fd numbers.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/kcmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "bench.h"

static int grow(void **buf, size_t *cap, size_t want, size_t size)
{
	size_t n = *cap ? *cap : 64;
	void *p;

	if (want <= *cap)
		return 0;
	while (n < want)
		n *= 2;
	p = realloc(*buf, n * size);
	if (!p)
		return -ENOMEM;
	*buf = p;
	*cap = n;
	return 0;
}

static int int_cmp(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

static int list_fds(struct us_dump *d, pid_t pid)
{
	char path[64];
	struct dirent *de;
	DIR *dir;
	int err = 0;

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	dir = opendir(path);
	if (!dir)
		return -errno;
	d->nfds = 0;
	while (!err && (de = readdir(dir))) {
		if (de->d_name[0] == '.')
			continue;
		err = grow((void **)&d->fds, &d->fds_cap, d->nfds + 1,
			   sizeof(*d->fds));
		if (!err)
			d->fds[d->nfds++] = atoi(de->d_name);
	}
	closedir(dir);
	qsort(d->fds, d->nfds, sizeof(*d->fds), int_cmp);
	return err;
}

/* "tfd: %8d events: %8x data: %16llx  pos:%lli ino:%lx sdev:%x" */
bool us_parse_tfd_line(const char *line, const char *end, struct us_item *it)
{
	static const char *const labels[] = { "tfd:", "events:", "data:" };
	unsigned long long v[3];
	const char *p = line;
	char *q;

	for (int i = 0; i < 3; i++) {
		size_t len = strlen(labels[i]);

		while (p < end && *p == ' ')
			p++;
		if ((size_t)(end - p) < len || memcmp(p, labels[i], len))
			return false;
		p += len;
		while (p < end && *p == ' ')
			p++;
		if (p == end || !((*p >= '0' && *p <= '9') ||
				  (*p >= 'a' && *p <= 'f') || *p == '-'))
			return false;
		errno = 0;
		v[i] = i == 0 ? (unsigned long long)strtol(p, &q, 10) :
				strtoull(p, &q, 16);
		if (errno || q > end || q == p)
			return false;
		p = q;
	}
	if ((long long)v[0] < 0 || v[0] > 0x7fffffff || v[1] > 0xffffffffu)
		return false;
	*it = (struct us_item){ .tfd = (int)v[0], .events = (uint32_t)v[1],
				.data = v[2] };
	return true;
}

static ssize_t read_fdinfo(struct us_dump *d, pid_t pid, int epfd)
{
	char path[64];
	size_t len = 0;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/fdinfo/%d", (int)pid, epfd);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	for (;;) {
		ssize_t n;

		if (grow((void **)&d->text, &d->text_cap, len + (1 << 20) + 1, 1)) {
			close(fd);
			return -ENOMEM;
		}
		n = read(fd, d->text + len, d->text_cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int err = -errno;

			close(fd);
			return err;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	d->text[len] = '\0';
	return (ssize_t)len;
}

static int parse_set(struct us_dump *d, struct us_set *set, size_t len)
{
	const char *p = d->text, *end = d->text + len;

	set->n = 0;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end;

		if (eol - p > 4 && !memcmp(p, "tfd:", 4)) {
			if (grow((void **)&set->items, &set->cap, set->n + 1,
				 sizeof(*set->items)))
				return -ENOMEM;
			if (!us_parse_tfd_line(p, eol, &set->items[set->n]))
				return -EPROTO;
			set->n++;
		}
		p = eol + 1;
	}
	return 0;
}

struct tfd_idx {
	int tfd;
	uint32_t idx;
};

static int tfd_idx_cmp(const void *a, const void *b)
{
	const struct tfd_idx *x = a, *y = b;

	if (x->tfd != y->tfd)
		return (x->tfd > y->tfd) - (x->tfd < y->tfd);
	return (x->idx > y->idx) - (x->idx < y->idx);
}

/* An item's toff: how many earlier items of its set have its fd number. */
static int number_toff(struct us_set *set)
{
	struct tfd_idx *v = malloc((set->n ? set->n : 1) * sizeof(*v));

	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < set->n; i++)
		v[i] = (struct tfd_idx){ set->items[i].tfd, (uint32_t)i };
	qsort(v, set->n, sizeof(*v), tfd_idx_cmp);
	for (size_t i = 0, base = 0; i < set->n; i++) {
		if (i && v[i].tfd != v[i - 1].tfd)
			base = i;
		set->items[v[i].idx].toff = (uint32_t)(i - base);
	}
	free(v);
	return 0;
}

static long kcmp_epoll_tfd(pid_t pid, int fd, int epfd, const struct us_item *it)
{
	struct kcmp_epoll_slot slot = {
		.efd = (uint32_t)epfd,
		.tfd = (uint32_t)it->tfd,
		.toff = it->toff,
	};

	return syscall(SYS_kcmp, pid, pid, KCMP_EPOLL_TFD, fd, &slot);
}

/* Resolves one item's target to an fd of pid; -ENOENT if none is it. */
static int resolve(struct us_dump *d, pid_t pid, int epfd, struct us_item *it)
{
	const int *hit = bsearch(&it->tfd, d->fds, d->nfds, sizeof(*d->fds),
				 int_cmp);

	if (hit) {
		d->kcmp_calls++;
		if (kcmp_epoll_tfd(pid, *hit, epfd, it) == 0)
			return 0;
	}
	d->fallback_scans++;
	for (size_t i = 0; i < d->nfds; i++) {
		d->kcmp_calls++;
		if (kcmp_epoll_tfd(pid, d->fds[i], epfd, it) == 0) {
			it->tfd = d->fds[i];
			return 0;
		}
	}
	return -ENOENT;
}

int us_dump(struct us_dump *d, pid_t pid, const int *epfds,
	    unsigned int nsets, size_t sample_every)
{
	uint64_t t0 = bench_now_ns(), t1, t2, t3;
	int err;

	if (nsets > BENCH_MAX_SETS)
		return -EINVAL;
	d->nsets = nsets;
	d->fdinfo_bytes = d->items = 0;
	d->kcmp_calls = d->kcmp_items = d->fallback_scans = 0;
	if (sample_every < 1)
		sample_every = 1;

	err = list_fds(d, pid);
	t1 = bench_now_ns();
	for (unsigned int s = 0; s < nsets && !err; s++) {
		ssize_t len = read_fdinfo(d, pid, epfds[s]);

		d->sets[s].epfd = epfds[s];
		err = len < 0 ? (int)len : parse_set(d, &d->sets[s], (size_t)len);
		if (len > 0)
			d->fdinfo_bytes += (uint64_t)len;
		d->items += d->sets[s].n;
	}
	t2 = bench_now_ns();
	for (unsigned int s = 0; s < nsets && !err; s++)
		err = number_toff(&d->sets[s]);
	t3 = bench_now_ns();
	for (unsigned int s = 0; s < nsets && !err; s++) {
		struct us_set *set = &d->sets[s];

		for (size_t i = sample_every / 2; i < set->n && !err;
		     i += sample_every) {
			err = resolve(d, pid, set->epfd, &set->items[i]);
			d->kcmp_items++;
		}
	}
	d->ns_list = t1 - t0;
	d->ns_fdinfo = t2 - t1;
	d->ns_toff = t3 - t2;
	d->ns_kcmp = bench_now_ns() - t3;
	return err;
}

void us_dump_free(struct us_dump *d)
{
	for (unsigned int s = 0; s < BENCH_MAX_SETS; s++)
		free(d->sets[s].items);
	free(d->fds);
	free(d->text);
	*d = (struct us_dump){ 0 };
}

int us_restore(const struct us_dump *d, int *epfds_out)
{
	for (unsigned int s = 0; s < d->nsets; s++) {
		const struct us_set *set = &d->sets[s];
		int ep = epoll_create1(0);

		if (ep < 0)
			return -errno;
		epfds_out[s] = ep;
		for (size_t i = 0; i < set->n; i++) {
			struct epoll_event ev = {
				.events = set->items[i].events,
				.data.u64 = set->items[i].data,
			};

			if (epoll_ctl(ep, EPOLL_CTL_ADD, set->items[i].tfd, &ev) < 0)
				return -errno;
		}
	}
	return 0;
}
