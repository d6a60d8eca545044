// SPDX-License-Identifier: GPL-2.0
/*
 * uml-init: pid 1 inside UML for harness/uml-run.
 *
 * Mounts the pseudo filesystems a test program expects, runs the program
 * given on the kernel command line with its stdout and stderr on the
 * consoles uml-run wires to the host, reaps every process, and powers off
 * with the program's exit status in /proc/exitcode.  Init must never exit
 * (the kernel panics and no coverage data is written), so every path ends
 * in power_off().
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#define STATUS_EXEC_FAILED 127
#define STATUS_SETUP_FAILED 126

static void mount_or_warn(const char *type, const char *target)
{
	mkdir(target, 0755);
	if (mount(type, target, type, 0, NULL) && errno != EBUSY)
		fprintf(stderr, "uml-init: mount %s on %s: %s\n", type, target,
			strerror(errno));
}

/* A console fd for the program: raw output, so "\n" is not sent as "\r\n". */
static int open_console(const char *path)
{
	struct termios tio;
	int fd = open(path, O_WRONLY | O_NOCTTY);

	if (fd < 0) {
		fprintf(stderr, "uml-init: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (tcgetattr(fd, &tio) == 0) {
		tio.c_oflag &= ~OPOST;
		tcsetattr(fd, TCSANOW, &tio);
	}
	return fd;
}

static void wire_stdio(void)
{
	int out = open_console("/dev/tty1");
	int err = open_console("/dev/tty2");
	int in = open("/dev/null", O_RDONLY);

	if (in >= 0)
		dup2(in, 0);
	/* Without the extra consoles, fall back to the kernel console. */
	if (out >= 0)
		dup2(out, 1);
	if (err >= 0)
		dup2(err, 2);
}

static void power_off(int status)
{
	FILE *f = fopen("/proc/exitcode", "w");

	if (f) {
		fprintf(f, "%d\n", status);
		fclose(f);
	} else {
		fprintf(stderr, "uml-init: /proc/exitcode: %s\n", strerror(errno));
	}
	sync();
	reboot(RB_POWER_OFF);
	for (;;)
		pause();
}

static int status_of(int wstatus, const char *prog)
{
	if (WIFEXITED(wstatus))
		return WEXITSTATUS(wstatus);
	fprintf(stderr, "uml-init: %s killed by signal %d (%s)\n", prog,
		WTERMSIG(wstatus), strsignal(WTERMSIG(wstatus)));
	return 128 + WTERMSIG(wstatus);
}

int main(int argc, char **argv)
{
	const char *cwd = getenv("UML_RUN_CWD");
	pid_t prog, pid;
	int wstatus, status;

	mount_or_warn("proc", "/proc");
	mount_or_warn("sysfs", "/sys");
	mount_or_warn("devtmpfs", "/dev");
	mount_or_warn("debugfs", "/sys/kernel/debug");
	/* Private scratch space: /dev is UML's own, not the host's. */
	mount_or_warn("tmpfs", "/dev/shm");
	wire_stdio();

	if (argc < 2) {
		fprintf(stderr, "uml-init: no program on the kernel command line (expected: init=%s -- PROG [ARGS...])\n",
			argv[0]);
		power_off(STATUS_SETUP_FAILED);
	}
	unsetenv("UML_RUN_CWD");

	prog = fork();
	if (prog < 0) {
		fprintf(stderr, "uml-init: fork: %s\n", strerror(errno));
		power_off(STATUS_SETUP_FAILED);
	}
	if (prog == 0) {
		if (cwd && chdir(cwd))
			fprintf(stderr, "uml-init: chdir %s: %s\n", cwd,
				strerror(errno));
		execv(argv[1], argv + 1);
		fprintf(stderr, "uml-init: exec %s: %s\n", argv[1],
			strerror(errno));
		_exit(STATUS_EXEC_FAILED);
	}

	/* Reap orphans too; stop when the program itself has exited. */
	do {
		pid = wait(&wstatus);
	} while (pid != prog && !(pid < 0 && errno == ECHILD));
	status = pid == prog ? status_of(wstatus, argv[1]) : STATUS_SETUP_FAILED;

	kill(-1, SIGKILL);
	while (wait(NULL) > 0)
		;
	fflush(stdout);
	power_off(status);
}
