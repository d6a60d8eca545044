// SPDX-License-Identifier: GPL-2.0
/*
 * cr-util: the harness's additions to the kselftests' cr_util.c.
 * See cr-util.h.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <unistd.h>

#include "cr-util.h"

/* The number of the last KTAP result printed. */
static int ktap_last;

/* The helpers' diagnostics go to stdout, with the program's KTAP lines. */
static void __attribute__((constructor)) diag_to_stdout(void)
{
	cr_diag_to(stdout);
}

void ktap_plan(int ncases)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("KTAP version 1\n1..%d\n", ncases);
	fflush(stdout);
}

bool ktap_result(bool ok, const char *name)
{
	printf("%sok %d %s\n", ok ? "" : "not ", ++ktap_last, name);
	fflush(stdout);
	return ok;
}

bool read_full(int fd, void *buf, size_t len)
{
	char *p = buf;

	while (len) {
		ssize_t n = read(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		p += n;
		len -= (size_t)n;
	}
	return true;
}
