/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The two sweeps of fail-nth-sweep: the program (fail-nth-sweep.c:
 * arguments, each scenario's original, reports) hands a scenario to the
 * checkpoint sweep (checkpoint.c) and to the restart sweep (restart.c),
 * which fill in its tally (tally.c).  Calls go one way only: the program
 * calls the sweeps, the sweeps call tally.c and inject.c, nothing calls
 * back into the program.  What a sweep checks is in fail-nth-sweep.c's
 * header.
 */
#ifndef FAIL_NTH_SWEEP_H
#define FAIL_NTH_SWEEP_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "cr-util.h"
#include "inject.h"
#include "tally.h"
#include "../scenario/scn.h"

#define MAX_NTH 100000L		/* a longer sweep is a runaway */
#define CK_FLAGS CHECKPOINT_SKIP_UNSUPPORTED
/* The restorer's own fds: above every scenario fd. */
#define RST_IMAGE_FD SCN_IMAGE_FD
#define RST_NTH_FD (SCN_IMAGE_FD + 1)
#define RST_KNOB_FD (SCN_IMAGE_FD + 2)

struct sc {
	const char *path;
	char name[256];
	struct scn s;
	bool *stop;		/* nops + 1: only at the checkpoint point */
	int at;			/* op index the checkpoint is taken before */
	pid_t orig;		/* stopped there */
	int ref;		/* its image, made without faults */
	struct scn_shared *sha, *shb;
	size_t alen;		/* trace A up to the checkpoint point */
	uint64_t pending;	/* the original's pending signals there */
};

/* What a restorer tells its parent (shared memory). */
struct rst {
	long n, ret, left;	/* its last attempt */
	struct tally t;
};

/*
 * Each sweeps its call over fault points 1, 2, ... (up to trace_n if set)
 * until one is not reached, and retraces the first unclean one in this
 * boot.  The checkpoint sweep needs the original stopped at its checkpoint
 * point; the restart sweep, the original's finished trace in c->sha.
 */
void sweep_checkpoint(struct sc *c, struct tally *t);
void sweep_restart(struct sc *c, struct rst *r);

#endif /* FAIL_NTH_SWEEP_H */
