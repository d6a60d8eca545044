/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cr-util: what the checkpoint/restart test programs that run inside UML
 * (harness/launch/uml-run) need beyond the kselftests' helpers.  Those
 * (syscall wrappers, expectations, processes, fds, images and their
 * records, fd-table snapshots of /proc/self, fdinfo) are defined once,
 * in kernel/tools/testing/selftests/checkpoint/cr_util.h, which this
 * includes; here are KTAP reporting and read_full().  The sibling module
 * fd-table.h adds full snapshots of any process's fd table.
 *
 * Conventions: as in cr_util.h (functions returning bool print a "# "
 * diagnostic line saying what was expected and what came instead when
 * they return false; syscall wrappers return -errno), except that in the
 * harness programs those diagnostics go to stdout, with the KTAP lines:
 * every harness program has them there from before main() on.  Each line
 * is flushed once written, so forked children never inherit unwritten
 * output and their diagnostics come out before the parent's result line.
 */
#ifndef HARNESS_CR_UTIL_H
#define HARNESS_CR_UTIL_H

#include <stdbool.h>
#include <stddef.h>

#include "cr_util.h"

/* KTAP reporting: the plan, with stdout line buffered from then on. */
void ktap_plan(int ncases);
/* Prints "ok N name" or "not ok N name"; returns ok. */
bool ktap_result(bool ok, const char *name);

/* Reads exactly len bytes; false, silently, at EOF (a peer's end) or error. */
bool read_full(int fd, void *buf, size_t len);

#endif /* HARNESS_CR_UTIL_H */
