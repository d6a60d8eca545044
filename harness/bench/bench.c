// SPDX-License-Identifier: GPL-2.0
/*
 * bench: epoll checkpoint/restart throughput (make bench, issue 8).
 *
 * For each size N: a stopped child holds NSETS epoll sets of N / NSETS
 * items over eventfd, pipe and dup'd targets (bench.h).  Each repetition
 * then measures, with CLOCK_MONOTONIC:
 *
 *   checkpoint          checkpoint() of that child into a tmpfs file
 *   restart             restart() of that image into a fresh process
 *   checkpoint_targets, restart_targets
 *                       the same for a child with the same targets and no
 *                       sets: what of the above is not epoll items
 *   userspace_dump      /proc/PID/fdinfo + kcmp(KCMP_EPOLL_TFD), as CRIU
 *                       (userspace.c); above --kcmp-full-max items,
 *                       kcmp runs on an evenly spaced sample of each set
 *                       and its time is extrapolated to every item (the
 *                       record says so)
 *   userspace_restore   one epoll_ctl(EPOLL_CTL_ADD) per item in a fresh
 *                       process that has the targets
 *   floor_insert, floor_walk
 *                       the same insertions and one walk of the sets, in
 *                       the kernel without image handling (bench kernel
 *                       only: kernel/fs/checkpoint/bench.c); the kernel's
 *                       own time of the loop
 *
 * then image sizes, and kernel memory around restart and around the
 * userspace restore (mem.c).  --userspace-only runs only the
 * userspace method, e.g. natively on the host's kernel.
 *
 * Output: one "BENCH {json}" line per figure on stdout, raw, one per
 * repetition; scripts/benchreport aggregates them.  Errors: one line on
 * stderr naming what failed, exit status 1; bad usage: 2.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "bench.h"
#include "cr-util.h"

#define MAX_SIZES 16

struct opts {
	unsigned long sizes[MAX_SIZES];
	unsigned int nsizes;
	unsigned int reps;
	unsigned int mem_reps;
	unsigned int nsets;
	unsigned long kcmp_full_max;
	unsigned long kcmp_sample;
	bool userspace_only;
	bool kernel_only;
	bool fit_sets;
	const char *img_dir;
};

static const char *const default_sizes = "1000,10000,100000,1000000";

static void usage(FILE *f)
{
	fprintf(f,
		"usage: bench [--sizes N,N,...] [--reps R] [--sets S] [--mem-reps M]\n"
		"             [--kcmp-full-max N] [--kcmp-sample S] [--img-dir DIR]\n"
		"             [--userspace-only | --kernel-only] [--fit-sets]\n"
		"  --sizes          items per size, each a multiple of --sets (default %s)\n"
		"  --reps           repetitions per figure (default 5)\n"
		"  --sets           epoll sets the items are spread over (default 4, max %d)\n"
		"  --mem-reps       memory measurements of restart per size, 0 for none (default 3)\n"
		"  --kcmp-full-max  above this N, the userspace dump resolves a sample (default 10000)\n"
		"  --kcmp-sample    items resolved by kcmp in a sampled dump (default 2000)\n"
		"  --img-dir        where images are written (default /dev/shm)\n"
		"  --userspace-only only the userspace method (no checkpoint/restart syscalls)\n"
		"  --kernel-only    only the syscalls and the floor (no userspace method):\n"
		"                   a quicker run while working on the kernel side\n"
		"  --fit-sets       use more sets for a size whose fds exceed RLIMIT_NOFILE\n"
		"                   (each size's layout is printed) instead of skipping it\n",
		default_sizes, BENCH_MAX_SETS);
}

static void bad_usage(const char *fmt, const char *what)
{
	fprintf(stderr, "bench: ");
	fprintf(stderr, fmt, what);
	fprintf(stderr, " (bench --help)\n");
	exit(2);
}

static unsigned long parse_num(const char *opt, const char *s, unsigned long min,
			       unsigned long max)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-' || v < min || v > max) {
		fprintf(stderr, "bench: %s: '%s' is not a whole number in [%lu, %lu] (bench --help)\n",
			opt, s, min, max);
		exit(2);
	}
	return v;
}

static void parse_sizes(struct opts *o, const char *list)
{
	char buf[256], *tok, *save;

	if (strlen(list) >= sizeof(buf))
		bad_usage("--sizes: list too long: '%s'", list);
	strcpy(buf, list);
	o->nsizes = 0;
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (o->nsizes == MAX_SIZES)
			bad_usage("--sizes: more than 16 sizes in '%s'", list);
		o->sizes[o->nsizes++] = parse_num("--sizes", tok, 1, 100000000);
	}
	if (!o->nsizes)
		bad_usage("--sizes: no size in '%s'", list);
}

static void parse_opts(struct opts *o, int argc, char **argv)
{
	const char *sizes = default_sizes;

	*o = (struct opts){ .reps = 5, .mem_reps = 3, .nsets = 4,
			    .kcmp_full_max = 10000, .kcmp_sample = 2000,
			    .img_dir = "/dev/shm" };
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage(stdout);
			exit(0);
		} else if (!strcmp(a, "--userspace-only")) {
			o->userspace_only = true;
			continue;
		} else if (!strcmp(a, "--kernel-only")) {
			o->kernel_only = true;
			continue;
		} else if (!strcmp(a, "--fit-sets")) {
			o->fit_sets = true;
			continue;
		}
		if (!v)
			bad_usage("%s needs a value", a);
		i++;
		if (!strcmp(a, "--sizes"))
			sizes = v;
		else if (!strcmp(a, "--reps"))
			o->reps = (unsigned int)parse_num(a, v, 1, 1000);
		else if (!strcmp(a, "--sets"))
			o->nsets = (unsigned int)parse_num(a, v, 1, BENCH_MAX_SETS);
		else if (!strcmp(a, "--mem-reps"))
			o->mem_reps = (unsigned int)parse_num(a, v, 0, 1000);
		else if (!strcmp(a, "--kcmp-full-max"))
			o->kcmp_full_max = parse_num(a, v, 0, ULONG_MAX);
		else if (!strcmp(a, "--kcmp-sample"))
			o->kcmp_sample = parse_num(a, v, 1, ULONG_MAX);
		else if (!strcmp(a, "--img-dir"))
			o->img_dir = v;
		else
			bad_usage("unknown option '%s'", a);
	}
	if (o->userspace_only && o->kernel_only) {
		fprintf(stderr, "bench: --userspace-only and --kernel-only exclude each other (bench --help)\n");
		exit(2);
	}
	parse_sizes(o, sizes);
	for (unsigned int i = 0; i < o->nsizes; i++) {
		if (o->sizes[i] % o->nsets == 0)
			continue;
		fprintf(stderr, "bench: --sizes: %lu is not a multiple of --sets %u (bench --help)\n",
			o->sizes[i], o->nsets);
		exit(2);
	}
}

/* ---- process-wide setup ---- */

static unsigned long read_ulong(const char *path)
{
	char buf[64] = "";
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);

	if (fd >= 0)
		close(fd);
	return n > 0 ? strtoul(buf, NULL, 10) : 0;
}

static bool write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	bool ok = fd >= 0 && write(fd, s, strlen(s)) == (ssize_t)strlen(s);

	if (fd >= 0)
		close(fd);
	return ok;
}

/* The most fds we may use: nr_open as root, else the hard limit. */
static unsigned long raise_nofile(void)
{
	unsigned long nr_open = read_ulong("/proc/sys/fs/nr_open");
	struct rlimit rl;

	if (nr_open) {
		rl.rlim_cur = rl.rlim_max = nr_open;
		if (!setrlimit(RLIMIT_NOFILE, &rl))
			return nr_open;
	}
	if (getrlimit(RLIMIT_NOFILE, &rl))
		return 1024;
	rl.rlim_cur = rl.rlim_max;
	setrlimit(RLIMIT_NOFILE, &rl);
	getrlimit(RLIMIT_NOFILE, &rl);
	return rl.rlim_cur;
}

/* ---- one size ---- */

struct size_run {
	const struct opts *o;
	unsigned long n;
	struct bench_layout l;
	int high;
	pid_t orig, targets;
	int epfds[BENCH_MAX_SETS];
	char img_path[2][128];		/* full, targets only */
	int img[2];
	struct bench_restorer rest;
	bool floor;
	struct us_dump dump;
};

struct build_arg {
	const struct bench_layout *l;
	bool use_floor;
};

static int build_original(void *arg)
{
	const struct build_arg *b = arg;
	int err = bench_make_targets(b->l);

	if (!err)
		err = bench_make_sets(b->l, b->use_floor);
	if (err) {
		bench_err("building the original's targets and sets: %s",
			  strerror(-err));
		return 1;
	}
	close_range(0, 2, 0);	/* the image holds only targets and sets */
	return 0;
}

static int build_targets_only(void *arg)
{
	int err = bench_make_targets(arg);

	if (err) {
		bench_err("building the targets-only child: %s", strerror(-err));
		return 1;
	}
	close_range(0, 2, 0);
	return 0;
}

static void emit_ns(const struct size_run *r, const char *method,
		    unsigned int rep, uint64_t ns, const char *extra)
{
	bench_emit("sample", "\"n\": %lu, \"method\": \"%s\", \"rep\": %u, \"ns\": %" PRIu64 "%s%s",
		   r->n, method, rep, ns, extra ? ", " : "", extra ? extra : "");
}

static int fail(const struct size_run *r, const char *what, long err)
{
	char buf[32];

	bench_err("N=%lu: %s failed: %s", r->n, what, ret_str(err, buf, sizeof(buf)));
	return -1;
}

static int checkpoint_into(int img, pid_t pid, uint64_t *ns)
{
	uint64_t t0;
	long ret;

	if (ftruncate(img, 0) || lseek(img, 0, SEEK_SET))
		return -errno;
	t0 = bench_now_ns();
	ret = sys_checkpoint(pid, img, 0);
	*ns = bench_now_ns() - t0;
	return ret < 0 ? (int)ret : 0;
}

/* Bytes of the image's EPOLL_ITEMS and EPOLL_READY records. */
static int64_t item_record_bytes(int img)
{
	unsigned char *buf;
	ssize_t len = image_load(img, &buf);
	struct ckpt_hdr h;
	int64_t sum = 0;

	if (len < 0)
		return -1;
	for (ssize_t pos = 0; pos + (ssize_t)sizeof(h) <= len; pos += h.len) {
		memcpy(&h, buf + pos, sizeof(h));
		if (h.len < sizeof(h) || h.len > len - pos) {
			sum = -1;
			break;
		}
		if (h.type == CKPT_REC_EPOLL_ITEMS || h.type == CKPT_REC_EPOLL_READY)
			sum += h.len;
	}
	free(buf);
	return sum;
}

/*
 * The bench kernel's breakdown of the call of mode just timed, if it was
 * the only one since *calls (which then moves on); nothing elsewhere.
 */
static int emit_phases(const struct size_run *r, const char *method,
		       const char *mode, unsigned int rep, uint64_t *calls)
{
	uint64_t before = *calls;
	char json[768];
	int err;

	if (!phases_available())
		return 0;
	err = phases_read(mode, calls, json, sizeof(json));
	if (err)
		return fail(r, "reading " BENCH_PHASES_PATH, err);
	if (*calls != before + 1)
		return 0;	/* another call of that mode came between */
	bench_emit("phases", "\"n\": %lu, \"method\": \"%s\", \"rep\": %u, \"ns\": %s",
		   r->n, method, rep, json);
	return 0;
}

static int measure_syscalls(struct size_run *r, unsigned int rep)
{
	static const char *const names[2][2] = {
		{ "checkpoint", "restart" },
		{ "checkpoint_targets", "restart_targets" },
	};
	pid_t pids[2] = { r->orig, r->targets };

	for (int k = 0; k < 2; k++) {
		struct bench_result res;
		uint64_t ns = 0, calls[2] = { 0, 0 };
		int err = 0;

		if (phases_available())
			err = phases_read("checkpoint", &calls[0], NULL, 0) ?:
			      phases_read("restart", &calls[1], NULL, 0);
		if (err)
			return fail(r, "reading " BENCH_PHASES_PATH, err);
		err = checkpoint_into(r->img[k], pids[k], &ns);
		if (err)
			return fail(r, names[k][0], err);
		emit_ns(r, names[k][0], rep, ns, NULL);
		if (emit_phases(r, names[k][0], "checkpoint", rep, &calls[0]))
			return -1;
		if (rep == 0 && k == 0) {
			struct stat st;
			int64_t items = item_record_bytes(r->img[0]);

			if (fstat(r->img[0], &st) || items < 0)
				return fail(r, "reading the image back", -EIO);
			bench_emit("size", "\"n\": %lu, \"image_bytes\": %lld, \"item_record_bytes\": %" PRId64,
				   r->n, (long long)st.st_size, items);
		} else if (rep == 0) {
			struct stat st;

			if (fstat(r->img[1], &st))
				return fail(r, "fstat of the targets image", -errno);
			bench_emit("size", "\"n\": %lu, \"targets_image_bytes\": %lld",
				   r->n, (long long)st.st_size);
		}
		res = restorer_run(&r->rest, r->img_path[k], NULL, NULL, NULL);
		if (res.err)
			return fail(r, names[k][1], res.err);
		emit_ns(r, names[k][1], rep, res.ns, NULL);
		if (emit_phases(r, names[k][1], "restart", rep, &calls[1]))
			return -1;
	}
	return 0;
}

static int measure_dump(struct size_run *r, unsigned int rep)
{
	const struct opts *o = r->o;
	size_t every = 1;
	struct us_dump *d = &r->dump;
	uint64_t t0, measured, total;
	char extra[512];
	int err;

	if (r->n > o->kcmp_full_max)
		every = (r->n + o->kcmp_sample - 1) / o->kcmp_sample;
	t0 = bench_now_ns();
	err = us_dump(d, r->orig, r->epfds, r->l.nsets, every);
	measured = bench_now_ns() - t0;
	if (err)
		return fail(r, "userspace dump (fdinfo + kcmp)", err);
	if (d->items != r->n)
		return fail(r, "userspace dump: item count of fdinfo", -EPROTO);
	total = measured;
	if (d->kcmp_items < d->items)	/* sampled: kcmp time for every item */
		total = measured - d->ns_kcmp +
			(uint64_t)((double)d->ns_kcmp * (double)d->items /
				   (double)d->kcmp_items);
	snprintf(extra, sizeof(extra),
		 "\"extrapolated\": %s, \"measured_ns\": %" PRIu64 ", \"items\": %" PRIu64
		 ", \"kcmp_items\": %" PRIu64 ", \"kcmp_calls\": %" PRIu64
		 ", \"fallback_scans\": %" PRIu64 ", \"list_ns\": %" PRIu64
		 ", \"fdinfo_ns\": %" PRIu64 ", \"toff_ns\": %" PRIu64
		 ", \"kcmp_ns\": %" PRIu64 ", \"fdinfo_bytes\": %" PRIu64,
		 d->kcmp_items < d->items ? "true" : "false", measured, d->items,
		 d->kcmp_items, d->kcmp_calls, d->fallback_scans, d->ns_list,
		 d->ns_fdinfo, d->ns_toff, d->ns_kcmp, d->fdinfo_bytes);
	emit_ns(r, "userspace_dump", rep, total, extra);
	return 0;
}

struct restore_arg {
	const struct us_dump *d;
	bool mark;
	struct mem_sample after;
	int after_err;
	/* restart from a FIFO: the image, and the figures before its trailer */
	const char *image, *fifo;
	struct mem_sample blocked;
	int feed_err;
};

static void us_restore_child(void *arg, struct bench_result *res)
{
	struct restore_arg *a = arg;
	int epfds[BENCH_MAX_SETS];
	uint64_t t0;

	if (a->mark)
		mem_window(true);
	t0 = bench_now_ns();
	res->err = us_restore(a->d, epfds);
	res->ns = bench_now_ns() - t0;
	if (a->mark)
		mem_window(false);
}

static void floor_insert_child(void *arg, struct bench_result *res)
{
	const struct bench_layout *l = arg;
	uint64_t t0 = bench_now_ns(), items, ns;
	char cmd[96];

	for (unsigned int s = 0; s < l->nsets && !res->err; s++) {
		int ep = epoll_create1(0);

		if (ep < 0) {
			res->err = -errno;
			break;
		}
		snprintf(cmd, sizeof(cmd), "insert %d %d %u %x", ep,
			 BENCH_FIRST_FD, l->per_set,
			 bench_set_events(s) | EPOLLERR | EPOLLHUP);
		res->err = floor_cmd(cmd, &items, &ns);
		if (!res->err && items != l->per_set)
			res->err = -EPROTO;
		res->ns += ns;
	}
	res->v[0] = bench_now_ns() - t0;
}

static int floor_walk(struct size_run *r, uint64_t *ns, uint64_t *wall)
{
	int pidfd = (int)syscall(SYS_pidfd_open, r->orig, 0);
	uint64_t t0 = bench_now_ns(), items = 0, t = 0;
	char cmd[64];
	int err = 0;

	*ns = 0;
	if (pidfd < 0)
		return -errno;
	for (unsigned int s = 0; s < r->l.nsets && !err; s++) {
		int fd = (int)syscall(SYS_pidfd_getfd, pidfd, r->epfds[s], 0);

		if (fd < 0) {
			err = -errno;
			break;
		}
		snprintf(cmd, sizeof(cmd), "walk %d %u", fd, r->l.per_set);
		err = floor_cmd(cmd, &items, &t);
		if (!err && items != r->l.per_set)
			err = -EPROTO;
		*ns += t;
		close(fd);	/* before the next checkpoint: no extra reference */
	}
	*wall = bench_now_ns() - t0;
	close(pidfd);
	return err;
}

static int measure_userspace_restore(struct size_run *r, unsigned int rep)
{
	struct restore_arg a = { .d = &r->dump };
	struct bench_result res = bench_in_child(us_restore_child, &a, -1, NULL);

	if (res.err)
		return fail(r, "userspace restore (epoll_ctl)", res.err);
	emit_ns(r, "userspace_restore", rep, res.ns, NULL);
	return 0;
}

static int measure_floor(struct size_run *r, unsigned int rep)
{
	struct bench_result res = bench_in_child(floor_insert_child, &r->l, -1,
						 NULL);
	char extra[64];
	uint64_t ns = 0, wall = 0;
	int err;

	if (res.err)
		return fail(r, "floor insert", res.err);
	snprintf(extra, sizeof(extra), "\"wall_ns\": %" PRIu64, res.v[0]);
	emit_ns(r, "floor_insert", rep, res.ns, extra);
	err = floor_walk(r, &ns, &wall);
	if (err)
		return fail(r, "floor walk", err);
	snprintf(extra, sizeof(extra), "\"wall_ns\": %" PRIu64, wall);
	emit_ns(r, "floor_walk", rep, ns, extra);
	return 0;
}

/* ---- memory ---- */

static void read_after(void *arg)
{
	struct restore_arg *a = arg;

	a->after_err = mem_read(&a->after);
}

static void emit_mem(const struct size_run *r, const char *method,
		     unsigned int rep, const struct mem_sample *before,
		     const struct restore_arg *a, const struct mem_sample *peak,
		     uint64_t samples, uint64_t ns)
{
	bench_emit("memory", "\"n\": %lu, \"method\": \"%s\", \"rep\": %u, \"samples\": %" PRIu64
		   ", \"op_ns\": %" PRIu64
		   ", \"before_used\": %" PRIu64 ", \"after_used\": %" PRIu64
		   ", \"peak_used\": %" PRIu64 ", \"blocked_used\": %" PRIu64
		   ", \"before_slab_vmalloc\": %" PRIu64 ", \"after_slab_vmalloc\": %" PRIu64
		   ", \"peak_slab_vmalloc\": %" PRIu64 ", \"blocked_slab_vmalloc\": %" PRIu64,
		   r->n, method, rep, samples, ns, before->used, a->after.used,
		   peak->used, a->blocked.used, before->slab_vmalloc,
		   a->after.slab_vmalloc, peak->slab_vmalloc, a->blocked.slab_vmalloc);
}

static int copy_bytes(int in, int out, off_t len)
{
	static char buf[1 << 18];

	while (len > 0) {
		ssize_t n = read(in, buf, len < (off_t)sizeof(buf) ? (size_t)len : sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		if (!write_all(out, buf, (size_t)n))
			return -EIO;
		len -= n;
	}
	return 0;
}

/* Whether pid sleeps (in the FIFO's read: it is all it can wait for). */
static bool sleeping(pid_t pid)
{
	char path[64], buf[512], *p;
	int fd;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	p = strrchr(buf, ')');
	return p && p[1] == ' ' && p[2] == 'S';
}

/*
 * Feeds the image to restart() through a FIFO and stops before its
 * trailer: when restart() has read everything else and sleeps, it has
 * created every file, inserted every item and restored every ready list,
 * and still holds all it allocated for itself; that is when the figures
 * are taken.  Then the trailer goes in and restart() finishes.
 */
static void feed_fifo(void *arg)
{
	struct restore_arg *a = arg;
	int in = open(a->image, O_RDONLY | O_CLOEXEC), out = -1, avail = -1;
	uint64_t deadline = bench_now_ns() + 120000000000ull;
	struct stat st;
	off_t prefix;

	while (in >= 0 && out < 0 && bench_now_ns() < deadline) {
		out = open(a->fifo, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
		if (out < 0 && errno != ENXIO)	/* ENXIO: no reader yet */
			break;
		if (out < 0)
			usleep(1000);
	}
	if (in < 0 || out < 0 || fstat(in, &st) ||
	    st.st_size < (off_t)sizeof(struct ckpt_rec_trailer)) {
		a->feed_err = -EIO;
		goto out;
	}
	fcntl(out, F_SETFL, 0);		/* blocking writes from here */
	fcntl(out, F_SETPIPE_SZ, 1 << 20);
	prefix = st.st_size - (off_t)sizeof(struct ckpt_rec_trailer);
	a->feed_err = copy_bytes(in, out, prefix);
	while (!a->feed_err && !(ioctl(out, FIONREAD, &avail) == 0 && avail == 0 &&
				 sleeping(mem_worker()))) {
		if (bench_now_ns() > deadline)
			a->feed_err = -ETIMEDOUT;
		usleep(2000);
	}
	if (!a->feed_err)
		a->feed_err = mem_read(&a->blocked);
	if (!a->feed_err)
		a->feed_err = copy_bytes(in, out, st.st_size - prefix);
out:
	if (out >= 0)
		close(out);
	if (in >= 0)
		close(in);
}

static int measure_memory(struct size_run *r, unsigned int rep, bool restart)
{
	struct restore_arg a = { .d = &r->dump, .mark = true,
				 .image = r->img_path[0] };
	struct mem_sample before, peak;
	struct bench_result res;
	uint64_t samples;
	char fifo[160];
	int err;

	snprintf(fifo, sizeof(fifo), "%s/bench-image.fifo", r->o->img_dir);
	a.fifo = fifo;
	unlink(fifo);
	if (restart && mkfifo(fifo, 0600))
		return fail(r, fifo, -errno);
	err = mem_watch_start();
	if (err)
		return fail(r, "starting the memory sampler", err);
	err = mem_read(&before);
	if (restart)
		res = restorer_run(&r->rest, fifo, feed_fifo, read_after, &a);
	else
		res = bench_in_child(us_restore_child, &a, -1, read_after);
	if (!err)
		err = mem_watch_stop(&peak, &samples);
	else
		mem_watch_stop(&peak, &samples);
	unlink(fifo);
	if (!err)
		err = res.err ? res.err : a.feed_err ? a.feed_err : a.after_err;
	if (err)
		return fail(r, restart ? "memory around restart" :
			    "memory around the userspace restore", err);
	emit_mem(r, restart ? "restart" : "userspace_restore", rep, &before,
		 &a, &peak, samples, res.ns);
	return 0;
}

/* ---- driver ---- */

static int open_image(struct size_run *r, int k, const char *name)
{
	snprintf(r->img_path[k], sizeof(r->img_path[k]), "%s/bench-%s.img",
		 r->o->img_dir, name);
	r->img[k] = bench_fd_above(open(r->img_path[k],
					O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC,
					0600), r->high);
	if (r->img[k] < 0)
		return fail(r, r->img_path[k], -errno);
	return 0;
}

static int run_reps(struct size_run *r)
{
	const struct opts *o = r->o;

	for (unsigned int rep = 0; rep < o->reps; rep++) {
		bench_note("N=%lu: repetition %u of %u", r->n, rep + 1, o->reps);
		if (!o->userspace_only && measure_syscalls(r, rep))
			return -1;
		if (!o->kernel_only &&
		    (measure_dump(r, rep) || measure_userspace_restore(r, rep)))
			return -1;
		if (r->floor && measure_floor(r, rep))
			return -1;
	}
	if (o->userspace_only)
		return 0;
	if (o->mem_reps)
		bench_note("N=%lu: kernel memory around restart", r->n);
	for (unsigned int rep = 0; rep < o->mem_reps; rep++)
		if (measure_memory(r, rep, true))
			return -1;
	if (o->mem_reps && measure_memory(r, 0, false))
		return -1;
	return 0;
}

static int setup_children(struct size_run *r)
{
	struct build_arg b = { .l = &r->l, .use_floor = r->floor };
	uint64_t t0 = bench_now_ns();

	r->orig = spawn_stopped(build_original, &b);
	if (r->orig < 0)
		return fail(r, "building the original (targets and sets)", -ECHILD);
	t0 = bench_now_ns() - t0;
	bench_emit("setup", "\"n\": %lu, \"what\": \"original\", \"ns\": %" PRIu64
		   ", \"items_by\": \"%s\"", r->n, t0,
		   r->floor ? "floor" : "epoll_ctl");
	bench_note("N=%lu: %u sets of %u items built in %.1f s", r->n,
		   r->l.nsets, r->l.per_set, (double)t0 / 1e9);
	if (r->o->userspace_only)
		return 0;
	r->targets = spawn_stopped(build_targets_only, &r->l);
	if (r->targets < 0)
		return fail(r, "building the targets-only child", -ECHILD);
	return 0;
}

/* The helper, the stopped children, our own targets, the image files. */
static int prepare(struct size_run *r)
{
	int err;

	/* The helper first, while this process has only fds 0-2. */
	if (!r->o->userspace_only) {
		err = restorer_start(&r->rest, r->high);
		if (err)
			return fail(r, "starting the restart helper", err);
	}
	if (setup_children(r))
		return -1;
	err = bench_make_targets(&r->l);
	if (err)
		return fail(r, "creating this process's targets", err);
	if (r->o->userspace_only)
		return 0;
	return open_image(r, 0, "full") || open_image(r, 1, "targets") ? -1 : 0;
}

static int run_size(const struct opts *o, unsigned long n, unsigned long nofile,
		    unsigned long watches, bool floor)
{
	struct size_run r = {
		.o = o, .n = n, .floor = floor,
		.l = { .nsets = o->nsets, .per_set = (unsigned int)(n / o->nsets) },
		.orig = -1, .targets = -1, .img = { -1, -1 }, .rest.pid = -1,
	};
	int ret;

	r.high = bench_high_fd(&r.l);
	while (o->fit_sets && (unsigned long)r.high + 16 > nofile &&
	       r.l.nsets < BENCH_MAX_SETS) {
		do
			r.l.nsets++;
		while (n % r.l.nsets && r.l.nsets < BENCH_MAX_SETS);
		r.l.per_set = (unsigned int)(n / r.l.nsets);
		r.high = bench_high_fd(&r.l);
	}
	if (n % r.l.nsets || (unsigned long)r.high + 16 > nofile) {
		bench_emit("skip", "\"n\": %lu, \"reason\": \"needs %d fds, RLIMIT_NOFILE allows %lu\"",
			   n, r.high + 16, nofile);
		return 0;
	}
	if (watches && watches < 2 * n + 1000) {
		bench_emit("skip", "\"n\": %lu, \"reason\": \"needs %lu epoll watches, fs.epoll.max_user_watches is %lu\"",
			   n, 2 * n + 1000, watches);
		return 0;
	}
	for (unsigned int s = 0; s < r.l.nsets; s++)
		r.epfds[s] = bench_epfd(&r.l, s);
	bench_emit("layout", "\"n\": %lu, \"nsets\": %u, \"per_set\": %u",
		   n, r.l.nsets, r.l.per_set);

	ret = prepare(&r) ? -1 : run_reps(&r);
	if (r.orig > 0)
		reap(r.orig);
	if (r.targets > 0)
		reap(r.targets);
	if (r.rest.pid > 0)
		restorer_stop(&r.rest);
	for (int k = 0; k < 2; k++)
		if (r.img[k] >= 0)
			unlink(r.img_path[k]);
	us_dump_free(&r.dump);
	close_range(3, ~0U, 0);
	return ret;
}

int main(int argc, char **argv)
{
	unsigned long nofile, watches;
	struct utsname u;
	struct opts o;
	bool floor;
	char buf[32];

	parse_opts(&o, argc, argv);
	close_range(3, ~0U, 0);		/* the layout starts at fd 3 */
	signal(SIGPIPE, SIG_IGN);	/* a restart that fails closes its FIFO */
	setvbuf(stdout, NULL, _IOLBF, 0);
	nofile = raise_nofile();
	if (!o.userspace_only) {
		/* Only on the bench kernel: never tune the host's. */
		snprintf(buf, sizeof(buf), "%d", INT_MAX);
		write_str("/proc/sys/fs/epoll/max_user_watches", buf);
	}
	watches = read_ulong("/proc/sys/fs/epoll/max_user_watches");
	if (mem_watch_init()) {
		bench_err("mapping the memory watch page: %s", strerror(errno));
		return 1;
	}
	floor = !o.userspace_only && floor_available();
	uname(&u);
	bench_emit("meta", "\"kernel\": \"%s\", \"userspace_only\": %s, \"floor\": %s, \"nsets\": %u, \"reps\": %u, \"mem_reps\": %u, \"kcmp_full_max\": %lu, \"kcmp_sample\": %lu, \"nofile\": %lu, \"max_user_watches\": %lu",
		   u.release, o.userspace_only ? "true" : "false",
		   floor ? "true" : "false", o.nsets, o.reps, o.mem_reps,
		   o.kcmp_full_max, o.kcmp_sample, nofile, watches);
	if (!o.userspace_only && !floor)
		bench_err("no %s: this kernel has no floor (CONFIG_CHECKPOINT_BENCH); its figures are left out",
			  BENCH_FLOOR_PATH);
	for (unsigned int i = 0; i < o.nsizes; i++)
		if (run_size(&o, o.sizes[i], nofile, watches, floor))
			return 1;
	bench_emit("done", "\"sizes\": %u", o.nsizes);
	return 0;
}
