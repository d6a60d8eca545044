// SPDX-License-Identifier: GPL-2.0
/*
 * tally: what one sweep found.  See tally.h.
 */
#include <stdarg.h>
#include <stdio.h>

#include "tally.h"

void unclean(struct tally *t, long n, long ret, const char *fmt, ...)
{
	va_list ap;

	if (!t->unclean++) {
		t->bad_n = n;
		t->bad_ret = ret;
		va_start(ap, fmt);
		vsnprintf(t->why, sizeof(t->why), fmt, ap);
		va_end(ap);
	}
}
