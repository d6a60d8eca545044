// SPDX-License-Identifier: GPL-2.0
/*
 * fail-nth-sweep: fails every fault point of checkpoint(2) and restart(2),
 * one at a time, from userspace (/proc/thread-self/fail-nth), for scenario
 * files (scenarios/FORMAT.md).  Boot it on the sanitize kernel:
 *
 *   harness/launch/uml-run --kernel build/kernel-sanitize/linux --strict --kmemleak \
 *       build/harness/fail-nth-sweep [--op checkpoint|restart] [--pages]
 *       [--at PATH:OP:N] SCN...
 *
 * Per scenario the original runs its ops (exec.c) up to its first
 * checkpoint point (its end if it has none) and stops there; a checkpoint
 * without faults gives the reference image.  Then:
 *
 *   checkpoint: for n = 1, 2, ...: arm fail-nth with n and checkpoint the
 *   stopped original, as scenario-run does (the caller's own
 *   fail-nth file is then no part of the checkpointed table);
 *   restart: for n = 1, 2, ...: a fresh restorer, alone with the image and
 *   its own fail-nth file, arms n and restarts the image.
 *
 * A fail-nth count left nonzero after the call means it passed fewer than
 * n fault points: the sweep ends, and that call must have succeeded.  Every
 * call that took the injected fault must either
 *
 *   - fail with an errno an allocation failure explains (allowed_errno()
 *     in inject.c), with the fd tables of the caller and of the
 *     checkpointed task unchanged (fd-table.h: fds, links and whole fdinfo
 *     text, epoll "tfd:" lines included; only the image's offset may
 *     move), and, for a checkpoint, one without faults right after it
 *     must still give the reference image (a reference leaked on a file
 *     would make its leak check fail with EBUSY), or
 *   - succeed anyway (the kernel absorbed the failure: kmemleak's object
 *     pool, xarray's retry, KASAN's stack depot...), with the result of
 *     the call without faults.
 *
 * A successful restart, absorbed or final, must pass the checks of a valid
 * restore (as in scenario-run): the restored copy, checkpointed, gives the
 * reference image byte for byte, and runs the rest of the scenario with the
 * original's trace.  Leaks and sanitizer reports fail the boot (uml-run
 * --strict --kmemleak).
 *
 * KTAP out: one case per scenario and call, named with its sweep's length;
 * the last line counts every fault point swept.
 *
 * Fault points are the slab allocations (failslab, sleeping ones too) and
 * user copies of the call, so the n-th is the same allocation in every
 * attempt and every boot.  Page allocations are not counted unless --pages:
 * under KASAN freed objects wait in its quarantine, so caches take new slab
 * pages at moments that drift from attempt to attempt, and with them the
 * numbering (by one or two, and the output between boots).  --pages counts
 * them too (the image's shmem pages, pipe buffers, slab pages, vmalloc
 * backing): more failure paths, approximate fault-point numbers.
 *
 * A fault point is replayed by the same command with --at PATH:OP:N:
 * everything runs as before up to that fault point, whose backtrace the
 * kernel then logs ("FAULT_INJECTION: forcing a failure", unless the
 * allocation passed __GFP_NOWARN), and the run ends there.  An unclean
 * attempt is also repeated at once with its backtrace logged.  A kernel
 * crash ends the boot before this program can say anything: the sweeping
 * task is named fnth-c-N or fnth-r-N (checkpoint or restart, fault point N)
 * for the crash report's "Comm:", and the kernel log names the scenario
 * each sweep is at.
 *
 * This file reads the arguments, runs each scenario's original and reports;
 * checkpoint.c and restart.c sweep the two calls
 * (sweep.h), and inject.c drives the kernel's fault injection
 * (inject.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sweep.h"

static const char *const sweep_name[] = {
	[SW_CHECKPOINT] = "checkpoint",
	[SW_RESTART] = "restart",
};

static int sweeps = SW_CHECKPOINT | SW_RESTART;
/* --at: the one fault point to trace, after which the run ends. */
static const char *at_path;
static enum sweep at_op;
static long at_n;
static char args[4096];		/* the command's scenario arguments, for replays */
static long total_points, total_unclean;
static bool pages;		/* --pages: page allocations are fault points too */

static void print_replay(const struct sc *c, enum sweep op, long n)
{
	cr_diag("  replay: harness/launch/uml-run --kernel build/kernel-sanitize/linux --strict --kmemleak build/harness/fail-nth-sweep --at %s:%s:%ld%s",
		c->path, sweep_name[op], n, args);
}

static void report(const struct sc *c, enum sweep op, const struct tally *t)
{
	char line[1024], e[32], name[512];
	size_t used;

	if (t->unclean) {
		cr_diag("%s: %s with the fault at fault point %ld: %s", c->path, sweep_name[op],
			t->bad_n, t->why);
		if (t->bad_ret < 0)
			cr_diag("  errno: %s", ret_str(t->bad_ret, e, sizeof(e)));
		cr_diag("  backtrace: the kernel log's \"FAULT_INJECTION: forcing a failure\" of Comm: fnth-%c-%ld (the attempt was repeated with it logged; none if the allocation passed __GFP_NOWARN)",
			op == SW_RESTART ? 'r' : 'c', t->bad_n);
		print_replay(c, op, t->bad_n);
		snprintf(name, sizeof(name), "%s %s: unclean at fault point %ld", c->name,
			 sweep_name[op], t->bad_n);
		total_unclean++;
		ktap_result(false, name);
		return;
	}
	used = (size_t)snprintf(line, sizeof(line), "%s %s: %ld failed (", c->name, sweep_name[op],
				t->failed);
	for (int i = 1; i < ERRNO_MAX && used < sizeof(line) - 40; i++)
		if (t->err[i])
			used += (size_t)snprintf(line + used, sizeof(line) - used, "%s%s %ld",
						 line[used - 1] == '(' ? "" : ", ",
						 ret_str(-i, e, sizeof(e)), t->err[i]);
	snprintf(line + used, sizeof(line) - used, "), %ld absorbed", t->absorbed);
	cr_diag("%s", line);
	snprintf(name, sizeof(name), "%s %s: %ld fault points", c->name, sweep_name[op], t->points);
	total_points += t->points;
	ktap_result(true, name);
}

/* --at: what the traced fault point did; the run ends here. */
static void report_traced(const struct sc *c, enum sweep op, const struct tally *t)
{
	char e[32], name[512];

	if (t->last_n != at_n || t->last_left) {
		cr_diag("%s %s: no fault injected at fault point %ld: the call passes %ld",
			c->path, sweep_name[op], at_n, t->last_left > 0 ? t->last_n - 1 : -1L);
	} else {
		cr_diag("%s %s: fault point %ld: %s %s%s%s", c->path, sweep_name[op], at_n,
			t->last_ret < 0 ? "failed with" : "returned",
			ret_str(t->last_ret, e, sizeof(e)), t->unclean ? ", unclean: " : ", clean",
			t->unclean ? t->why : "");
		cr_diag("its backtrace is in the kernel log after \"FAULT_INJECTION: forcing a failure\" (none if the allocation passed __GFP_NOWARN, as kmemleak's own do)");
	}
	snprintf(name, sizeof(name), "%s %s: fault point %ld traced", c->name, sweep_name[op], at_n);
	ktap_result(!t->unclean, name);
	exit(t->unclean ? 1 : 0);
}

/* The first unmet expectation of the original's trace, as a diagnostic. */
static bool expectations_met(const struct scn_shared *sh)
{
	const char *e = memmem(sh->trace, sh->len, " EXPECTED ", 10);

	if (!e)
		return true;
	while (e > sh->trace && e[-1] != '\n')
		e--;
	cr_diag("the original missed an expectation: %.*s", (int)strcspn(e, "\n"), e);
	return false;
}

static bool start_original(struct sc *c)
{
	int st = 0;

	c->sha->len = 0;
	c->sha->stop_at = -1;
	c->sha->stopped = c->sha->resumed = 0;
	fflush(stdout);
	c->orig = fork();
	if (c->orig < 0)
		return expect(false, "fork: %s", strerror(errno));
	if (c->orig == 0) {
		scn_child_setup();
		scn_exec(&c->s, 0, c->stop, c->sha);
		_exit(0);
	}
	if (scn_wait_stop(c->orig, c->sha, &st) != 1 || c->sha->stop_at != c->at) {
		reap(c->orig);
		return expect(false, "the original did not stop before op %d (wait status %#x)",
			      c->at, st);
	}
	c->alen = c->sha->len;
	c->pending = c->sha->pending;
	c->ref = image_create();
	if (c->ref >= 0 &&
	    expect_success("checkpoint without faults", sys_checkpoint(c->orig, c->ref, CK_FLAGS)))
		return true;
	reap(c->orig);
	return false;
}

/* One line in the kernel log: where a crash of the next sweep would be. */
static void kmsg_sweep(const struct sc *c, enum sweep op)
{
	char line[512];
	int fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);
	int n = snprintf(line, sizeof(line), "fail-nth-sweep: %s %s: sweeping (fault point N runs as fnth-%c-N; trace it with --at %s:%s:N)\n",
			 c->path, sweep_name[op], op == SW_RESTART ? 'r' : 'c', c->path,
			 sweep_name[op]);

	if (fd >= 0 && write(fd, line, (size_t)n) < 0)
		fprintf(stderr, "fail-nth-sweep: /dev/kmsg: %s\n", strerror(errno));
	if (fd >= 0)
		close(fd);
}

static bool traced_here(const struct sc *c, enum sweep op)
{
	return at_n && op == at_op && !strcmp(c->path, at_path);
}

static void run_one(struct sc *c, struct rst *r)
{
	static struct tally tc;
	int st;

	c->stop = calloc((size_t)c->s.nops + 1, sizeof(bool));
	c->at = c->s.nops;
	for (int i = 0; i < c->s.nops; i++)
		if (c->s.ops[i].kind == OP_CHECKPOINT) {
			c->at = i;
			break;
		}
	c->stop[c->at] = true;
	c->ref = -1;
	if (c->s.helper_cp >= 0 || !start_original(c)) {
		for (int op = SW_CHECKPOINT; op <= SW_RESTART; op++) {
			char name[512];

			if (!(sweeps & op))
				continue;
			snprintf(name, sizeof(name), "%s %s%s", c->name, sweep_name[op],
				 c->s.helper_cp >= 0 ? " # SKIP an outside task runs during its checkpoint" :
				 ": the original did not reach its checkpoint");
			total_unclean += c->s.helper_cp < 0;
			ktap_result(c->s.helper_cp >= 0, name);
		}
		goto out;
	}
	if (sweeps & SW_CHECKPOINT) {
		memset(&tc, 0, sizeof(tc));
		trace_n = traced_here(c, SW_CHECKPOINT) ? at_n : 0;
		kmsg_sweep(c, SW_CHECKPOINT);
		sweep_checkpoint(c, &tc);
		if (trace_n)
			report_traced(c, SW_CHECKPOINT, &tc);
		report(c, SW_CHECKPOINT, &tc);
	}
	scn_resume(c->orig, c->sha);
	if (waitpid(c->orig, &st, 0) != c->orig || !WIFEXITED(st) || WEXITSTATUS(st))
		cr_diag("the original did not finish (wait status %#x)", st);
	if (sweeps & SW_RESTART) {
		memset(r, 0, sizeof(*r));
		trace_n = traced_here(c, SW_RESTART) ? at_n : 0;
		kmsg_sweep(c, SW_RESTART);
		if (!expectations_met(c->sha))
			unclean(&r->t, 0, 0, "the original's trace is wrong, so no restored copy can match it");
		else
			sweep_restart(c, r);
		if (trace_n)
			report_traced(c, SW_RESTART, &r->t);
		report(c, SW_RESTART, &r->t);
	}
out:
	if (c->ref >= 0)
		close(c->ref);
	free(c->stop);
}

static void *shared_new(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		perror("fail-nth-sweep: mmap");
		exit(1);
	}
	return p;
}

static void usage(void)
{
	fprintf(stderr, "usage: fail-nth-sweep [--op checkpoint|restart] [--pages] [--at PATH:OP:N] SCN...\n");
	exit(2);
}

static enum sweep sweep_of(const char *s)
{
	return !strcmp(s, "checkpoint") ? SW_CHECKPOINT : !strcmp(s, "restart") ? SW_RESTART : 0;
}

/* PATH:OP:N, split from the right: a path may hold colons. */
static void parse_at(char *s)
{
	char *c2 = strrchr(s, ':'), *c1, *end;

	if (!c2 || c2 == s)
		goto bad;
	*c2 = '\0';
	c1 = strrchr(s, ':');
	if (!c1 || c1 == s)
		goto bad;
	*c1 = '\0';
	errno = 0;
	at_n = strtol(c2 + 1, &end, 10);
	at_op = sweep_of(c1 + 1);
	at_path = s;
	if (!errno && !*end && at_n >= 1 && at_n <= MAX_NTH && at_op)
		return;
bad:
	fprintf(stderr, "fail-nth-sweep: --at: expected PATH:checkpoint|restart:N (N in 1..%ld)\n",
		MAX_NTH);
	exit(2);
}

int main(int argc, char **argv)
{
	struct rlimit rl = { RST_KNOB_FD + NKNOBS + 64, RST_KNOB_FD + NKNOBS + 64 };
	struct scn_shared *sha, *shb;
	size_t used = 0;
	struct sc *cs;
	struct rst *r;
	char err[512];
	int i, n, bad = 0;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "--op") && i + 1 < argc) {
			sweeps = sweep_of(argv[++i]);
			if (!sweeps) {
				fprintf(stderr, "fail-nth-sweep: --op: '%s' is neither checkpoint nor restart\n",
					argv[i]);
				return 2;
			}
			used += (size_t)snprintf(args + used, sizeof(args) - used, " --op %s", argv[i]);
		} else if (!strcmp(argv[i], "--at") && i + 1 < argc) {
			parse_at(argv[++i]);
		} else if (!strcmp(argv[i], "--pages")) {
			pages = true;
			used += (size_t)snprintf(args + used, sizeof(args) - used, " --pages");
		} else {
			usage();
		}
	}
	n = argc - i;
	if (!n)
		usage();
	cs = calloc((size_t)n, sizeof(*cs));
	for (int k = 0; k < n; k++) {
		const char *base = strrchr(argv[i + k], '/');

		cs[k].path = argv[i + k];
		snprintf(cs[k].name, sizeof(cs[k].name), "%s", base ? base + 1 : cs[k].path);
		if (used < sizeof(args))
			used += (size_t)snprintf(args + used, sizeof(args) - used, " %s", cs[k].path);
		if (scn_parse(cs[k].path, &cs[k].s, err, sizeof(err))) {
			fprintf(stderr, "%s\n", err);
			bad++;
		}
	}
	if (bad) {
		fprintf(stderr, "fail-nth-sweep: %d malformed scenario file%s; nothing ran\n", bad,
			bad == 1 ? "" : "s");
		return 2;
	}
	if (at_n && !(sweeps & at_op)) {
		fprintf(stderr, "fail-nth-sweep: --at %s: that call is not swept (--op)\n",
			sweep_name[at_op]);
		return 2;
	}
	if (setrlimit(RLIMIT_NOFILE, &rl) || !faults_setup(pages) || !knobs_open() || !nth_open(-1))
		return 1;
	sha = shared_new(sizeof(*sha));
	shb = shared_new(sizeof(*shb));
	r = shared_new(sizeof(*r));
	ktap_plan(n * ((sweeps & SW_CHECKPOINT ? 1 : 0) + (sweeps & SW_RESTART ? 1 : 0)));
	for (int k = 0; k < n; k++) {
		cs[k].sha = sha;
		cs[k].shb = shb;
		run_one(&cs[k], r);
		scn_free(&cs[k].s);
	}
	if (at_n) {
		cr_diag("--at %s:%s:%ld: no such scenario among the arguments", at_path,
			sweep_name[at_op], at_n);
		return 2;
	}
	cr_diag("fail-nth: %ld fault points swept, %ld unclean", total_points, total_unclean);
	fprintf(stderr, "fail-nth: %ld fault points swept, %ld unclean\n", total_points,
		total_unclean);
	free(cs);
	return total_unclean ? 1 : 0;
}
