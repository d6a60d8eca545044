// SPDX-License-Identifier: GPL-2.0
/*
 * provoke: makes the kernel report on purpose, through LKDTM
 * (CONFIG_LKDTM, the sanitize flavour): each argument is a crash type
 * written to /sys/kernel/debug/provoke-crash/DIRECT, e.g. WARNING,
 * SLAB_LINEAR_OVERFLOW, CORRUPT_LIST_ADD, ARRAY_BOUNDS.  Used by
 * harness/launch/tests/strict-test to prove that uml-run --strict catches them.
 * Exits 0 iff every write went through.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define DIRECT "/sys/kernel/debug/provoke-crash/DIRECT"

int main(int argc, char **argv)
{
	int status = 0;

	for (int i = 1; i < argc; i++) {
		int fd = open(DIRECT, O_WRONLY);
		ssize_t n = fd < 0 ? -1 : write(fd, argv[i], strlen(argv[i]));

		if (n < 0) {
			fprintf(stderr, "provoke: %s: %s: %s\n", argv[i], DIRECT,
				strerror(errno));
			status = 1;
		}
		if (fd >= 0)
			close(fd);
	}
	return status;
}
