/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tally: what one sweep of fail-nth-sweep found, filled in by the sweeps
 * (checkpoint.c, restart.c) and reported by the program (fail-nth-sweep.c).
 */
#ifndef FAIL_NTH_TALLY_H
#define FAIL_NTH_TALLY_H

#include "cr-util.h"

#define ERRNO_MAX 256

/* One sweep's outcome, for its KTAP case. */
struct tally {
	long points;		/* fault points of the call without faults */
	long failed, absorbed;
	long err[ERRNO_MAX];
	long unclean;
	long bad_n, bad_ret;	/* the first unclean fault point */
	char why[1024];
	long last_n, last_ret, last_left;	/* the last attempt */
};

/*
 * Counts an unclean attempt at fault point @n; the first one is the one
 * reported (and retraced), so only its @ret and reason are kept.
 */
void unclean(struct tally *t, long n, long ret, const char *fmt, ...)
	CR_PRINTF(4, 5);

#endif /* FAIL_NTH_TALLY_H */
