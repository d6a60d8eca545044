// SPDX-License-Identifier: GPL-2.0
/*
 * floor: the client of the bench kernel's debugfs files
 * (kernel/fs/checkpoint/bench.c): the floor, one command per open, its
 * answer read back from offset 0; and the phases of the last calls.
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

bool phases_available(void)
{
	return access(BENCH_PHASES_PATH, R_OK) == 0;
}

int phases_read(const char *mode, uint64_t *calls, char *json, size_t len)
{
	char buf[1024], *line = NULL, *tok, *save;
	size_t used, mlen = strlen(mode);
	ssize_t n;
	int adv, fd = open(BENCH_PHASES_PATH, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	for (tok = strtok_r(buf, "\n", &save); tok; tok = strtok_r(NULL, "\n", &save))
		if (!strncmp(tok, mode, mlen) && tok[mlen] == ' ')
			line = tok + mlen;
	if (!line || sscanf(line, " calls %" SCNu64 "%n", calls, &adv) != 1)
		return -EPROTO;
	line += adv;
	if (!len)
		return 0;
	used = (size_t)snprintf(json, len, "{");
	for (;;) {
		char name[32];
		uint64_t ns;

		if (sscanf(line, " %31s %" SCNu64 "%n", name, &ns, &adv) != 2)
			break;
		used += (size_t)snprintf(json + used, used < len ? len - used : 0,
					 "%s\"%s\": %" PRIu64, used > 1 ? ", " : "",
					 name, ns);
		line += adv;
	}
	if (used + 2 > len)
		return -ENOSPC;
	snprintf(json + used, len - used, "}");
	return 0;
}
