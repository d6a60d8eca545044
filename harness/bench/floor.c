// SPDX-License-Identifier: GPL-2.0
/*
 * floor: the client of the bench kernel's debugfs floor
 * (kernel/fs/checkpoint/bench.c): one command per open, its answer read
 * back from offset 0.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"

bool floor_available(void)
{
	return access(BENCH_FLOOR_PATH, W_OK) == 0;
}

int floor_cmd(const char *cmd, uint64_t *items, uint64_t *ns)
{
	char buf[64];
	ssize_t n;
	int fd = open(BENCH_FLOOR_PATH, O_RDWR | O_CLOEXEC);
	int err = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, cmd, strlen(cmd)) < 0)
		err = -errno;
	n = err ? 0 : pread(fd, buf, sizeof(buf) - 1, 0);
	if (!err && n < 0)
		err = -errno;
	close(fd);
	if (err)
		return err;
	buf[n] = '\0';
	if (sscanf(buf, "items %" SCNu64 " ns %" SCNu64, items, ns) != 2)
		return -EPROTO;
	return 0;
}
