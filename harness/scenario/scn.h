/* SPDX-License-Identifier: GPL-2.0 */
/*
 * scn: scenario files (scenarios/FORMAT.md) for scenario-run.
 *
 * parse.c parses and validates a file and predicts every fd number;
 * exec.c runs its ops in the scenario process, writing the trace to
 * memory shared with the runner; dot.c draws an image's epoll topology.
 */
#ifndef SCN_H
#define SCN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define SCN_FD_MIN 3
#define SCN_FD_LIMIT 131072
#define SCN_MAX_WAIT 1024
/* Where a restorer keeps the image: above every scenario fd. */
#define SCN_IMAGE_FD SCN_FD_LIMIT
#define SCN_TRACE_MAX (8 << 20)

enum scn_kind {
	OP_SEED, OP_CATEGORY, OP_EPOLL, OP_EVENTFD, OP_PIPE, OP_FILE, OP_DUP,
	OP_DUP2, OP_CLOSE, OP_CTL, OP_FILL, OP_WRITE, OP_READ, OP_WAIT,
	OP_PARAMS, OP_CHECKPOINT,
};

/* Object kinds of fds (what a read or write does). */
enum scn_obj { OBJ_NONE, OBJ_EPOLL, OBJ_EVENTFD, OBJ_PIPER, OBJ_PIPEW, OBJ_FILE };

#define SCN_CLOEXEC	0x1
#define SCN_NONBLOCK	0x2
#define SCN_SEMAPHORE	0x4

struct scn_op {
	int line;
	enum scn_kind kind;
	bool outside;		/* hctl, hwrite, ...: the outside task's op */
	char *text;		/* op tokens, suffix excluded */
	char *expect;		/* expected result, or NULL */
	int fd;			/* new fd / epoll fd / operand fd */
	int fd2;		/* target fd / pipe write end / dup source */
	int obj;		/* enum scn_obj of the operand */
	int sub;		/* EPOLL_CTL_* */
	int flags;		/* SCN_* */
	uint32_t events;
	uint64_t data;
	uint64_t n;		/* init / count / value / size / maxevents / usecs / lead */
	uint32_t budget, prefer;
	char path[64];
};

struct scn {
	char *path;
	int nops;
	struct scn_op *ops;
	long seed;		/* -1 if none */
	int helper_cp;		/* index of the checkpoint op with outside ops, or -1 */
	int nhops;
	int *hops;		/* indices of its outside ops */
};

/* 0, or -1 with "path:line: message" in err. */
int scn_parse(const char *path, struct scn *s, char *err, size_t errlen);
void scn_free(struct scn *s);

/* The kernel's interleave control (CONFIG_CHECKPOINT_INTERLEAVE_TEST). */
#define SCN_INTERLEAVE "/sys/kernel/debug/checkpoint/interleave"

/* Memory shared by the runner and a scenario process (MAP_SHARED). */
struct scn_shared {
	int helper_ready, helper_go, helper_done;	/* futex words */
	int progress;		/* outside-task ops done */
	int helper_limit;	/* ops the outside task may do */
	bool helper_prefix;	/* all of them before the checkpoint */
	bool gated;		/* the rest where the interleave control releases it */
	int stop_at;		/* op index the process stopped before */
	size_t len;
	char trace[SCN_TRACE_MAX];
};

/*
 * Runs ops[from..nops) in the calling (scenario) process.  Before op i with
 * stop[i] set, it records i in sh->stop_at and stops itself (SIGSTOP); a
 * checkpoint op with queued hctl ops forks the outside task first.
 * stop has nops + 1 entries (stop[nops]: stop at the end).
 */
void scn_exec(const struct scn *s, int from, const bool *stop,
	      struct scn_shared *sh);
/* Prepares the calling process to run a scenario (signals, fds). */
void scn_child_setup(void);

/* futex helpers on shared words. */
void scn_futex_set(int *word, int val);
/* Waits until *word != 0; false after timeout_s seconds. */
bool scn_futex_wait_nonzero(int *word, int timeout_s);

/* Writes the epoll topology of an image as Graphviz DOT. */
bool scn_dot(const unsigned char *img, size_t len, FILE *out, const char *title);

#endif /* SCN_H */
