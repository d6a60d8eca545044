// SPDX-License-Identifier: GPL-2.0
/*
 * uml-init: pid 1 inside UML for harness/launch/uml-run, and inside the QEMU
 * guest for harness/launch/qemu-run (UML_RUN_VM=qemu in its environment).
 *
 * Mounts the pseudo filesystems a test program expects, runs the program
 * given on the kernel command line with its stdout and stderr on the
 * consoles the launcher wires to the host (UML's tty1 and tty2, the
 * guest's ttyS1 and ttyS2), reaps every process, and powers off with the
 * program's exit status: in UML through /proc/exitcode; in the guest, which
 * has no ACPI to power off with, as the kernel-log line "uml-init: exit
 * status N" before a reboot that ends QEMU (-no-reboot).  Init must never
 * exit (the kernel panics and no coverage data is written), so every path
 * ends in power_off().
 *
 * With UML_RUN_KMEMLEAK=1 in its environment (uml-run --kmemleak), init
 * forgets the leaks kmemleak suspects before the program runs, scans again
 * after it and everything it left behind are gone, and copies the
 * report of /sys/kernel/debug/kmemleak into the kernel log, where
 * scripts/scan-kernel-log finds it ("unreferenced object ...").
 *
 * With UML_RUN_KMEMLEAK=boot (uml-run --kmemleak-boot) it forgets nothing:
 * the report covers boot too, so it holds the leaks of built-in KUnit
 * suites, which run at boot before init (boot with kunit.enable=1).  A
 * boot of the sanitize kernel alone leaves nothing unreferenced (checked
 * by harness/launch/tests/strict-test), so anything reported is the suites' or
 * the program's doing.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
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

#define KMEMLEAK "/sys/kernel/debug/kmemleak"
/*
 * kmemleak reports only objects older than 5 s (MSECS_MIN_AGE) at the
 * scan.  Under time travel an idle sleep costs no wall time.
 */
#define KMEMLEAK_MIN_AGE_S 6

/* Set from UML_RUN_VM before anything else runs. */
static bool in_qemu;

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
	int out = open_console(in_qemu ? "/dev/ttyS1" : "/dev/tty1");
	int err = open_console(in_qemu ? "/dev/ttyS2" : "/dev/tty2");
	int in = open("/dev/null", O_RDONLY);

	if (in >= 0)
		dup2(in, 0);
	/* Without the extra consoles, fall back to the kernel console. */
	if (out >= 0)
		dup2(out, 1);
	if (err >= 0)
		dup2(err, 2);
	/* The program starts with fds 0-2 only. */
	close_range(3, ~0U, 0);
}

/* The status line, after everything the program wrote has left the ports. */
static void report_status_qemu(int status)
{
	char line[64];
	int kmsg = open("/dev/kmsg", O_WRONLY);

	tcdrain(1);
	tcdrain(2);
	snprintf(line, sizeof(line), "uml-init: exit status %d\n", status);
	if (kmsg < 0 || write(kmsg, line, strlen(line)) < 0)
		fprintf(stderr, "uml-init: /dev/kmsg: %s\n", strerror(errno));
	if (kmsg >= 0)
		close(kmsg);
}

static void power_off(int status)
{
	FILE *f;

	if (in_qemu) {
		report_status_qemu(status);
		sync();
		reboot(RB_AUTOBOOT);
		for (;;)
			pause();
	}
	f = fopen("/proc/exitcode", "w");
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

static bool kmemleak_cmd(const char *cmd)
{
	int fd = open(KMEMLEAK, O_WRONLY);
	bool ok = fd >= 0 && write(fd, cmd, strlen(cmd)) == (ssize_t)strlen(cmd);

	if (!ok)
		fprintf(stderr, "uml-init: kmemleak: writing '%s' to %s: %s\n",
			cmd, KMEMLEAK, strerror(errno));
	if (fd >= 0)
		close(fd);
	return ok;
}

/* Before the program: what boot left unreferenced is not its doing. */
static bool kmemleak_forget_boot(void)
{
	sleep(KMEMLEAK_MIN_AGE_S);
	return kmemleak_cmd("scan") && kmemleak_cmd("clear");
}

/*
 * After the program: two scans, KMEMLEAK_MIN_AGE_S apart, so an object
 * only briefly unreferenced at the first one is not reported, then the
 * report, line by line, into the kernel log (boot with printk.devkmsg=on
 * so no line is rate-limited away).  False if the scan could not be made.
 */
/* One kernel-log line; dprintf() cannot: /dev/kmsg refuses SEEK_CUR. */
static void kmsg_line(int kmsg, const char *text)
{
	char line[1100];
	int n = snprintf(line, sizeof(line), "uml-init: kmemleak: %s%s", text,
			 strchr(text, '\n') ? "" : "\n");

	if (n > 0 && write(kmsg, line, strlen(line)) < 0)
		fprintf(stderr, "uml-init: kmemleak: /dev/kmsg: %s\n",
			strerror(errno));
}

static bool kmemleak_report(void)
{
	char line[1024];
	FILE *rep;
	int kmsg;

	sleep(KMEMLEAK_MIN_AGE_S);
	if (!kmemleak_cmd("scan"))
		return false;
	sleep(KMEMLEAK_MIN_AGE_S);
	if (!kmemleak_cmd("scan"))
		return false;
	rep = fopen(KMEMLEAK, "r");
	kmsg = open("/dev/kmsg", O_WRONLY);
	if (!rep || kmsg < 0) {
		fprintf(stderr, "uml-init: kmemleak: opening %s: %s\n",
			rep ? "/dev/kmsg" : KMEMLEAK, strerror(errno));
		if (rep)
			fclose(rep);
		if (kmsg >= 0)
			close(kmsg);
		return false;
	}
	while (fgets(line, sizeof(line), rep))
		kmsg_line(kmsg, line);
	kmsg_line(kmsg, "scan done");
	fclose(rep);
	close(kmsg);
	return true;
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
	const char *leakcheck = getenv("UML_RUN_KMEMLEAK");
	bool kmemleak = leakcheck && (!strcmp(leakcheck, "1") ||
				      !strcmp(leakcheck, "boot"));
	bool forget_boot = kmemleak && !strcmp(leakcheck, "1");
	const char *vm = getenv("UML_RUN_VM");
	pid_t prog, pid;
	int wstatus, status;

	in_qemu = vm && !strcmp(vm, "qemu");
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
	if (leakcheck && !kmemleak) {
		fprintf(stderr, "uml-init: UML_RUN_KMEMLEAK=%s: expected 1 or boot\n",
			leakcheck);
		power_off(STATUS_SETUP_FAILED);
	}
	unsetenv("UML_RUN_CWD");
	unsetenv("UML_RUN_KMEMLEAK");
	unsetenv("UML_RUN_VM");
	if (forget_boot && !kmemleak_forget_boot())
		power_off(STATUS_SETUP_FAILED);

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
	/* A scan that could not be made must not pass for a clean one. */
	if (kmemleak && !kmemleak_report() && status == 0)
		status = STATUS_SETUP_FAILED;
	fflush(stdout);
	power_off(status);
}
