/* SPDX-License-Identifier: GPL-2.0 */
/*
 * bench: what the pieces of the throughput benchmark (harness/bench/)
 * share.  See bench.c for the whole run and README.md, "Benchmarks".
 *
 * Layout of one size N: NSETS epoll sets of K = N / NSETS items each.
 * The targets are K fds, BENCH_FIRST_FD .. BENCH_FIRST_FD + K - 1, in
 * groups of eight: three eventfds, the two ends of a pipe, and three dup'd
 * fds (of the first eventfd and of both pipe ends).  Every set holds one
 * item per target fd, so item keys (file, fd) are distinct within a set
 * and shared between sets.  The epoll fds follow the targets.
 */
#ifndef BENCH_H
#define BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define BENCH_FIRST_FD 3
#define BENCH_MAX_SETS 64

struct bench_layout {
	unsigned int nsets;
	unsigned int per_set;		/* K: targets, and items per set */
};

static inline int bench_epfd(const struct bench_layout *l, unsigned int set)
{
	return BENCH_FIRST_FD + (int)l->per_set + (int)set;
}

/* First fd above everything the layout uses, with room to spare. */
static inline int bench_high_fd(const struct bench_layout *l)
{
	return bench_epfd(l, l->nsets) + 8;
}

/* Item events of set s (none is ready: the targets stay idle). */
uint32_t bench_set_events(unsigned int set);

/* layout.c */
/* Creates the targets at their fd numbers; the lowest fds >= 3 must be free. */
int bench_make_targets(const struct bench_layout *l);
/*
 * Creates the sets at their fd numbers and adds every item: with
 * epoll_ctl(), or through the floor if use_floor (the same items, EPOLLERR
 * and EPOLLHUP included as epoll_ctl() adds them, without a syscall each:
 * only to save setup time).
 */
int bench_make_sets(const struct bench_layout *l, bool use_floor);

/* out.c: timing, children, output. */
uint64_t bench_now_ns(void);
/* Prints one "BENCH {json}" line: fmt gives the members after "kind". */
void bench_emit(const char *kind, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* A one-line "bench: ..." error message on stderr. */
void bench_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A "[bench] ..." progress line on stderr. */
void bench_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

struct bench_result {
	int err;			/* 0, or a negative errno */
	uint64_t ns;			/* what the child timed */
	uint64_t v[6];			/* method-specific extra figures */
};

typedef void (*bench_child_fn)(void *arg, struct bench_result *res);
/*
 * Runs fn(arg, res) in a forked child and returns its result.  The
 * child's copy of the result pipe is at fd result_fd if that is >= 0.
 * If held is not NULL, the child stays alive after reporting (with what
 * fn built) until held(arg) has run in the caller; then it is killed.
 */
struct bench_result bench_in_child(bench_child_fn fn, void *arg,
				   int result_fd, void (*held)(void *arg));
/* Moves fd to the lowest free number >= min (close-on-exec); -1 on error. */
int bench_fd_above(int fd, int min);

/* userspace.c: the method production tools use today. */
struct us_item {
	int tfd;			/* "tfd:" of fdinfo, the item's fd key */
	uint32_t events;
	uint64_t data;
	uint32_t toff;			/* rank among this set's items of tfd */
};

struct us_set {
	int epfd;
	size_t n, cap;
	struct us_item *items;
};

struct us_dump {
	unsigned int nsets;
	struct us_set sets[BENCH_MAX_SETS];
	int *fds;			/* the process's fds, ascending */
	size_t nfds, fds_cap;
	char *text;			/* fdinfo read buffer */
	size_t text_cap;
	/* what the last dump did and cost */
	uint64_t fdinfo_bytes;
	uint64_t items;
	uint64_t kcmp_calls;		/* made */
	uint64_t kcmp_items;		/* items resolved by kcmp */
	uint64_t fallback_scans;	/* items whose fd number was not theirs */
	uint64_t ns_list, ns_fdinfo, ns_toff, ns_kcmp;
};

/*
 * Dumps the epoll sets at epfds[] of stopped process pid into d: lists its
 * fds, parses each set's /proc/PID/fdinfo "tfd:" lines and resolves every
 * item's target with kcmp(KCMP_EPOLL_TFD).  If sample_every > 1, only every
 * sample_every-th item of each set (in fdinfo order) is resolved and
 * d->kcmp_items says how many were.  Returns 0 or -errno.
 */
int us_dump(struct us_dump *d, pid_t pid, const int *epfds,
	    unsigned int nsets, size_t sample_every);
void us_dump_free(struct us_dump *d);
/* Restores d's sets in the caller, one epoll_ctl(EPOLL_CTL_ADD) per item. */
int us_restore(const struct us_dump *d, int *epfds_out);
/* The fdinfo line parser, exposed for its own tests. */
bool us_parse_tfd_line(const char *line, const char *end,
		       struct us_item *it);

/* floor.c: the debugfs floor of the bench kernel. */
#define BENCH_FLOOR_PATH "/sys/kernel/debug/checkpoint_bench/floor"
bool floor_available(void);
/* Runs one floor command; *items and *ns from its answer.  -errno. */
int floor_cmd(const char *cmd, uint64_t *items, uint64_t *ns);
#define BENCH_PHASES_PATH "/sys/kernel/debug/checkpoint_bench/phases"
bool phases_available(void);
/*
 * The phases of the last call of mode ("checkpoint" or "restart"): *calls
 * of that mode so far, and json, a JSON object of nanoseconds by phase
 * (not written if len is 0).
 */
int phases_read(const char *mode, uint64_t *calls, char *json, size_t len);

/* mem.c: kernel memory around an operation. */
struct mem_sample {
	uint64_t used;			/* MemTotal - MemFree, bytes */
	uint64_t slab_vmalloc;		/* Slab + VmallocUsed, bytes */
};

int mem_read(struct mem_sample *s);

/* Maps the shared page of the watch; call before forking anything. */
int mem_watch_init(void);
/* Starts the sampler process. */
int mem_watch_start(void);
/* Opens or closes the window of interest, from any descendant. */
void mem_window(bool open);
/* The pid of the process whose operation the window is about (or 0). */
void mem_set_worker(pid_t pid);
pid_t mem_worker(void);
/*
 * Stops the sampler.  *peak gets the largest figures sampled inside the
 * window, *nsamples how many samples fell inside it.
 */
int mem_watch_stop(struct mem_sample *peak, uint64_t *nsamples);

/* restorer.c: restart() into fresh processes. */
struct bench_restorer {
	pid_t pid;
	int req;			/* requests to the helper */
	int res;			/* results from the children and helper */
};

/*
 * Forks the helper whose children call restart().  Call it while the
 * caller has only fds 0-2, so the children start with a small fd table,
 * as a new process has; the helper keeps its own fds at high and above.
 */
int restorer_start(struct bench_restorer *r, int high);
/*
 * A child of the helper opens image path, restarts from it, and reports
 * the time restart() took (res.v[0]: its pid).  If feed is not NULL, it
 * runs in the caller once the request is sent (path is then a FIFO that
 * feed writes the image into).  If held is not NULL, the child grows its
 * fd table past the image's fds first, marks the memory window around
 * restart() (mem_set_worker() names it), and stays alive with what it
 * restored until held(arg) has run; then it is killed.  Returns once the
 * child has exited.
 */
struct bench_result restorer_run(struct bench_restorer *r, const char *path,
				 void (*feed)(void *arg),
				 void (*held)(void *arg), void *arg);
void restorer_stop(struct bench_restorer *r);

#endif /* BENCH_H */
