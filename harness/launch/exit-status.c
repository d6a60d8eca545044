// SPDX-License-Identifier: GPL-2.0
/*
 * exit-status: exits with the status given as its first argument after
 * echoing its arguments, or never returns if that argument is "hang".
 * Used by make check to test harness/launch/uml-run's argument passing, status
 * reporting and timeout.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		printf("%s%s", argv[i], i + 1 < argc ? " " : "\n");
	fflush(stdout);
	if (argc > 1 && !strcmp(argv[1], "hang"))
		for (;;)
			pause();
	return argc > 1 ? atoi(argv[1]) : 0;
}
