// SPDX-License-Identifier: GPL-2.0
/*
 * scenario-run: runs scenario files (scenarios/FORMAT.md) inside UML.
 *
 *   scenario-run [--every-step] [--print-trace] [--dot-dir DIR]
 *                [--sweep | --at K] PATH...
 *
 * PATH is a .scn file, a directory (its *.scn, sorted) or @LIST (a file
 * naming one scenario per line).  Every file is parsed first; a malformed
 * one is reported as "file:line: message" and nothing runs (exit 2).
 *
 * Per scenario: the original runs the ops, stopping at each checkpoint
 * point, where it is checkpointed and continued (trace A).  The restored
 * chain restarts the first image in a fresh process, runs on to the next
 * point, is checkpointed there (the image must equal the original's),
 * killed and restarted from its own image, and so on (trace B).  A and B
 * must be identical and meet every expectation.  --every-step puts a
 * checkpoint point between every two ops.  One KTAP result per scenario.
 *
 * A checkpoint with queued outside-task ops is linearizable: its image
 * must equal the image of a run whose outside task did some prefix of its
 * ops first, with no concurrency (the oracle), and the restored chain is
 * compared against that run.  --sweep forces the interleavings: for every
 * scheduling point k the checkpoint call reaches, one run in which the
 * kernel (CONFIG_CHECKPOINT_INTERLEAVE_TEST) switches to the outside task
 * at point k and at every later point while it has ops left; --at K runs
 * point K alone.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cr-util.h"
#include "scn.h"

#define HELPER_TIMEOUT_S 60

struct ctx {
	const struct scn *s;
	bool *stop;		/* nops + 1 */
	int *stops;		/* indices where stop[] is set, ascending */
	int nstops;
	struct scn_shared *sh;	/* the run in progress */
	struct scn_shared *shb;	/* the restored chain's */
	int failed_stop;	/* stop index of the failing image, or -1 */
	int failed_at;		/* scheduling point of a failing interleaving, or 0 */
};

struct original {
	int *images;		/* memfd per stop, -1 if none */
	size_t *trace_len;	/* trace length at each stop */
	uint64_t *pending;	/* pending signals (scn.sigs) at each stop */
	int c0, c1;		/* outside-task progress before/after its checkpoint */
	unsigned int points;	/* scheduling points its gated checkpoint reached */
	char *trace;		/* a copy of its trace */
	size_t len;
};

/* How the outside task runs in one original run. */
enum helper_mode {
	HELPER_FREE,		/* its ops after the lead race the checkpoint */
	HELPER_PREFIX,		/* helper_limit ops, all before the checkpoint */
	HELPER_GATED,		/* released at points >= gate_at of the checkpoint */
};

static bool every_step, print_trace, sweep;
static int replay_at = -1;	/* --at K */
static const char *dot_dir = "build/scenarios";
static unsigned long total_points, total_images;

static void shared_reset(struct scn_shared *sh, int limit, enum helper_mode mode)
{
	sh->helper_ready = sh->helper_go = sh->helper_done = 0;
	sh->stopped = sh->resumed = 0;
	sh->progress = 0;
	sh->helper_limit = limit;
	sh->helper_prefix = mode == HELPER_PREFIX;
	sh->gated = mode == HELPER_GATED;
	sh->stop_at = -1;
	sh->len = 0;
}

/*
 * Arms the interleave control for the caller's next checkpoint: release
 * the parked outside task from point at on.  -1 with a diagnostic.
 */
static int interleave_arm(unsigned int at)
{
	int fd = open(SCN_INTERLEAVE, O_RDWR);
	char cmd[48];
	int n;

	if (fd < 0) {
		cr_diag("%s: %s (the sweep needs a kernel with CONFIG_CHECKPOINT_INTERLEAVE_TEST, such as build/kernel-preempt/linux)",
			SCN_INTERLEAVE, strerror(errno));
		return -1;
	}
	n = snprintf(cmd, sizeof(cmd), "arm checkpoint %u", at);
	if (write(fd, cmd, n) != n) {
		cr_diag("%s: %s: %s", SCN_INTERLEAVE, cmd, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * Waits for the outside task to finish.  A gated one that parked only
 * after the call ended (its last release ran an op that slept, and the
 * call went on to its end) is let go with "end" until it does.
 */
static bool helper_finished(struct scn_shared *sh, int gate)
{
	for (int i = 0; i < HELPER_TIMEOUT_S * 10; i++) {
		if (__atomic_load_n(&sh->helper_done, __ATOMIC_SEQ_CST))
			return true;
		if (gate >= 0 && write(gate, "end", 3) != 3)
			return false;
		scn_futex_nap(&sh->helper_done, 100);
	}
	return false;
}

/* The points the armed checkpoint reached, from the control's status. */
static bool interleave_points(int fd, unsigned int *points)
{
	char buf[64];
	unsigned int released;
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

	if (n <= 0)
		return false;
	buf[n] = 0;
	return sscanf(buf, "points %u released %u", points, &released) == 2;
}

static bool wait_stop(pid_t pid, struct scn_shared *sh, int want, const char *who)
{
	int st = 0, stopped = scn_wait_stop(pid, sh, &st);

	if (stopped < 0) {
		cr_diag("%s: waitpid: %s", who, strerror(errno));
		return false;
	}
	if (!stopped) {
		cr_diag("%s ended (wait status %#x) before stopping before op %d", who, st, want);
		return false;
	}
	if (sh->stop_at != want) {
		cr_diag("%s stopped before op %d, expected %d", who, sh->stop_at, want);
		reap(pid);
		return false;
	}
	return true;
}

/* After its last stop was resumed: pid must finish the scenario. */
static bool wait_exit(pid_t pid, const char *who)
{
	int st;

	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st)) {
		cr_diag("%s did not finish cleanly (wait status %#x)", who, st);
		return false;
	}
	return true;
}

/*
 * Checkpoints pid stopped at stop index k; runs the outside task's dance,
 * gated from point gate_at on if gate_at > 0 (points reached: o->points).
 */
static int checkpoint_at(struct ctx *c, pid_t pid, int k, struct original *o,
			 int gate_at, const char *who)
{
	int op = c->stops[k], img = image_create(), gate = -1;
	bool helper = op == c->s->helper_cp;
	unsigned long flags = CHECKPOINT_SKIP_UNSUPPORTED | (helper ? CHECKPOINT_SUBTREE : 0);
	long ret;

	if (img < 0)
		return -1;
	if (helper && !scn_futex_wait_nonzero(&c->sh->helper_ready, HELPER_TIMEOUT_S)) {
		cr_diag("%s: the outside task never got ready", who);
		close(img);
		return -1;
	}
	if (helper) {
		o->c0 = c->sh->progress;
		scn_futex_set(&c->sh->helper_go, 1);
		if (gate_at > 0) {
			gate = interleave_arm(gate_at);
			if (gate < 0) {
				close(img);
				return -1;
			}
		}
	}
	ret = sys_checkpoint(pid, img, flags);
	if (gate >= 0 && !interleave_points(gate, &o->points))
		cr_diag("%s: cannot read %s", who, SCN_INTERLEAVE);
	if (helper) {
		if (!helper_finished(c->sh, gate))
			cr_diag("%s: the outside task never finished", who);
		o->c1 = c->sh->progress;
	}
	if (gate >= 0)
		close(gate);
	if (ret < 0) {
		char b[32];

		cr_diag("%s: checkpoint before line %d: %s", who,
			op < c->s->nops ? c->s->ops[op].line : -1, ret_str(ret, b, sizeof(b)));
		close(img);
		return -1;
	}
	return img;
}

/* The original run; the outside task may do limit ops, as mode says. */
static bool run_original(struct ctx *c, int limit, enum helper_mode mode, int gate_at,
			 struct original *o)
{
	pid_t pid;

	shared_reset(c->sh, limit, mode);
	for (int k = 0; k < c->nstops; k++)
		o->images[k] = -1;
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return expect(false, "fork: %s", strerror(errno));
	if (pid == 0) {
		scn_child_setup();
		scn_exec(c->s, 0, c->stop, c->sh);
		_exit(0);
	}
	for (int k = 0; k < c->nstops; k++) {
		if (!wait_stop(pid, c->sh, c->stops[k], "original"))
			return false;
		o->trace_len[k] = c->sh->len;
		o->pending[k] = c->sh->pending;
		o->images[k] = checkpoint_at(c, pid, k, o, gate_at, "original");
		if (o->images[k] < 0) {
			reap(pid);
			return false;
		}
		scn_resume(pid, c->sh);
	}
	return wait_exit(pid, "original");
}

/*
 * A restored copy: restarts image (taken before op from) in a fresh
 * process that first has the pending signals the checkpointed one had.
 */
static pid_t start_restored(struct ctx *c, int image, int from, uint64_t pending)
{
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		long r;
		char b[32];

		if (dup2(image, SCN_IMAGE_FD) < 0)
			_exit(4);
		close_range(SCN_FD_MIN, SCN_IMAGE_FD - 1, 0);
		close_range(SCN_IMAGE_FD + 1, ~0U, 0);
		lseek(SCN_IMAGE_FD, 0, SEEK_SET);
		scn_carry_signals(c->s, pending);
		r = sys_restart(SCN_IMAGE_FD, 0);
		if (r < 0) {
			cr_diag("restart of the image taken before op %d: %s", from,
				ret_str(r, b, sizeof(b)));
			_exit(5);
		}
		close(SCN_IMAGE_FD);
		signal(SIGPIPE, SIG_IGN);
		scn_stop(c->sh, from);
		scn_exec(c->s, from, c->stop, c->sh);
		_exit(0);
	}
	return pid;
}

/* The restored chain: trace B in c->sh.  false with a diagnostic. */
static bool run_restored(struct ctx *c, struct original *o, const char *atrace)
{
	int img = o->images[0], own = -1;
	uint64_t pending = o->pending[0];
	struct original chain = { 0 };
	bool ok = true;

	shared_reset(c->sh, o->c0, HELPER_PREFIX);
	memcpy(c->sh->trace, atrace, o->trace_len[0]);
	c->sh->len = o->trace_len[0];
	for (int k = 0; ok && k < c->nstops; k++) {
		int from = c->stops[k];
		pid_t pid = start_restored(c, img, from, pending);

		if (pid < 0 || !wait_stop(pid, c->sh, from, "restored copy")) {
			cr_diag("restored copy from before op %d did not start", from);
			c->failed_stop = k;
			ok = false;
			break;
		}
		scn_resume(pid, c->sh);
		if (k + 1 == c->nstops) {
			ok = wait_exit(pid, "restored copy");
			break;
		}
		if (!wait_stop(pid, c->sh, c->stops[k + 1], "restored copy")) {
			c->failed_stop = k;
			ok = false;
			break;
		}
		pending = c->sh->pending;
		if (pending != o->pending[k + 1]) {
			cr_diag("pending signals of the original %#llx vs of the restored copy %#llx before line %d",
				(unsigned long long)o->pending[k + 1], (unsigned long long)pending,
				c->stops[k + 1] < c->s->nops ? c->s->ops[c->stops[k + 1]].line : -1);
			reap(pid);
			c->failed_stop = k + 1;
			ok = false;
			break;
		}
		if (own >= 0)
			close(own);
		own = checkpoint_at(c, pid, k + 1, &chain, 0, "restored copy");
		reap(pid);
		if (own < 0) {
			c->failed_stop = k;
			ok = false;
			break;
		}
		if (!scn_images_equal(o->images[k + 1], own,
				  "image of the original vs of the restored copy")) {
			cr_diag("  at the checkpoint before line %d", c->stops[k + 1] < c->s->nops ?
				c->s->ops[c->stops[k + 1]].line : -1);
			c->failed_stop = k + 1;
			ok = false;
		}
		img = own;
	}
	if (own >= 0)
		close(own);
	return ok;
}

/* First line where a and b differ, as a diagnostic; true if none. */
static bool same_trace(const char *a, size_t na, const char *b, size_t nb)
{
	size_t i = 0, start = 0;

	if (na == nb && !memcmp(a, b, na))
		return true;
	while (i < na && i < nb && a[i] == b[i]) {
		if (a[i] == '\n')
			start = i + 1;
		i++;
	}
	cr_diag("first differing trace line:");
	cr_diag("  A (original): %.*s", (int)strcspn(a + start, "\n"), a + start);
	cr_diag("  B (restored): %.*s", (int)strcspn(b + start, "\n"), b + start);
	return false;
}

/* Reports the first unmet expectation of a trace; true if none. */
static bool expectations_met(const char *t, size_t n, const char *who)
{
	char *e = memmem(t, n, " EXPECTED ", 10);
	const char *prev;

	if (!e)
		return true;
	while (e > t && e[-1] != '\n')
		e--;
	prev = e - 1;
	while (prev > t && prev[-1] != '\n')
		prev--;
	cr_diag("%s: %.*s", who, (int)(e - prev - 1), prev);
	cr_diag("%s:   %.*s", who, (int)strcspn(e, "\n"), e);
	return false;
}

static const char *base_name(const char *path, char *buf, size_t len)
{
	const char *b = strrchr(path, '/');

	snprintf(buf, len, "%s", b ? b + 1 : path);
	if (strlen(buf) > 4 && !strcmp(buf + strlen(buf) - 4, ".scn"))
		buf[strlen(buf) - 4] = 0;
	return buf;
}

static void write_dot(struct ctx *c, int img, const char *name)
{
	unsigned char *buf;
	ssize_t n = image_load(img, &buf);
	char path[512];
	FILE *f;

	if (n < 0)
		return;
	mkdir(dot_dir, 0755);
	snprintf(path, sizeof(path), "%s/%s.dot", dot_dir, name);
	f = fopen(path, "w");
	if (f) {
		scn_dot(buf, n, f, c->s->path);
		fclose(f);
		cr_diag("topology: %s", path);
	}
	free(buf);
}

static void close_images(struct ctx *c, struct original *o)
{
	for (int k = 0; k < c->nstops; k++) {
		if (o->images[k] >= 0)
			close(o->images[k]);
		o->images[k] = -1;
	}
}

static bool same_image(int a, int b)
{
	unsigned char *pa, *pb;
	ssize_t na = image_load(a, &pa), nb = image_load(b, &pb);
	bool same = na >= 0 && na == nb && !memcmp(pa, pb, na);

	free(pa);
	free(pb);
	return same;
}

static bool original_alloc(struct ctx *c, struct original *o)
{
	memset(o, 0, sizeof(*o));
	o->images = calloc(c->nstops + 1, sizeof(int));
	o->trace_len = calloc(c->nstops + 1, sizeof(size_t));
	o->pending = calloc(c->nstops + 1, sizeof(uint64_t));
	for (int k = 0; o->images && k <= c->nstops; k++)
		o->images[k] = -1;
	return expect(o->images && o->trace_len && o->pending, "out of memory");
}

static void original_free(struct ctx *c, struct original *o)
{
	if (o->images)
		close_images(c, o);
	free(o->images);
	free(o->trace_len);
	free(o->pending);
	free(o->trace);
	memset(o, 0, sizeof(*o));
}

/* Keeps a copy of the trace the run left in c->sh. */
static bool original_keep_trace(struct ctx *c, struct original *o)
{
	o->len = c->sh->len;
	o->trace = malloc(o->len + 1);
	if (!o->trace)
		return expect(false, "out of memory");
	memcpy(o->trace, c->sh->trace, o->len);
	return true;
}

/* Expectations of o's trace; then the restored chain must trace the same. */
static bool verify_chain(struct ctx *c, struct original *o)
{
	struct scn_shared *sh = c->sh;
	bool ok;

	if (print_trace)
		for (const char *p = o->trace; p < o->trace + o->len; p += strcspn(p, "\n") + 1)
			cr_diag("A: %.*s", (int)strcspn(p, "\n"), p);
	ok = expectations_met(o->trace, o->len, "original vs expectation");
	if (!ok || !c->nstops)
		return ok;
	c->sh = c->shb;
	ok = run_restored(c, o, o->trace) &&
	     same_trace(o->trace, o->len, c->shb->trace, c->shb->len) &&
	     expectations_met(c->shb->trace, c->shb->len, "restored vs expectation");
	c->sh = sh;
	return ok;
}

/* Bytes a and b share from the start. */
static size_t common_prefix(int a, int b)
{
	unsigned char *pa, *pb;
	ssize_t na = image_load(a, &pa), nb = image_load(b, &pb);
	size_t i = 0;

	while (na >= 0 && nb >= 0 && i < (size_t)na && i < (size_t)nb && pa[i] == pb[i])
		i++;
	free(pa);
	free(pb);
	return i;
}

/*
 * The oracle: the prefix run whose image at stop hk equals img, or -1
 * with the nearest prefix image and where it differs.
 */
static int match_prefix(struct ctx *c, struct original *pre, int hk, int img)
{
	int lead = c->s->ops[c->s->helper_cp].n, best = lead;
	size_t best_len = 0;
	char what[96];

	for (int j = lead; j <= c->s->nhops; j++) {
		size_t n = common_prefix(pre[j].images[hk], img);

		if (same_image(pre[j].images[hk], img))
			return j;
		if (n > best_len) {
			best_len = n;
			best = j;
		}
	}
	cr_diag("the image taken while the outside task ran matches no prefix of its ops (%d..%d)",
		lead, c->s->nhops);
	snprintf(what, sizeof(what), "nearest prefix image (%d outside ops first) vs the concurrent image",
		 best);
	images_equal(pre[best].images[hk], img, what);
	return -1;
}

/*
 * The concurrent case.  Runs every prefix of the outside task's ops with no
 * concurrency, then the concurrent run (free, or gated at each point of a
 * sweep); every concurrent image must equal a prefix image, and every
 * prefix matched has its restored chain checked.  On a mismatch o is the
 * concurrent run, for the topology.
 */
static bool settle_helper(struct ctx *c, struct original *o)
{
	int hk = -1, lead = c->s->ops[c->s->helper_cp].n, nhops = c->s->nhops;
	int at = replay_at > 0 ? replay_at : 1;
	struct original *pre = calloc(nhops + 1, sizeof(*pre));
	bool *matched = calloc(nhops + 1, sizeof(bool));
	bool ok = pre && matched;
	unsigned int points = 0;

	for (int k = 0; k < c->nstops; k++)
		if (c->stops[k] == c->s->helper_cp)
			hk = k;
	for (int j = lead; ok && j <= nhops; j++)
		ok = original_alloc(c, &pre[j]) &&
		     run_original(c, j, HELPER_PREFIX, 0, &pre[j]) &&
		     original_keep_trace(c, &pre[j]);
	for (; ok; at++) {
		/* Nothing to interleave when the lead is every op. */
		bool gated = (sweep || replay_at > 0) && lead < nhops;
		int j;

		original_free(c, o);
		ok = original_alloc(c, o) &&
		     run_original(c, nhops, gated ? HELPER_GATED : HELPER_FREE, gated ? at : 0, o);
		if (!ok)
			break;
		total_images++;
		points = o->points;
		j = match_prefix(c, pre, hk, o->images[hk]);
		if (j < 0) {
			if (gated) {
				cr_diag("at scheduling point %d of %u of the checkpoint", at, o->points);
				c->failed_at = at;
			}
			c->failed_stop = hk;
			ok = false;
			break;
		}
		matched[j] = true;
		if (!gated || replay_at > 0 || at >= (int)o->points)
			break;
	}
	if ((sweep || replay_at > 0) && lead < nhops) {
		char list[256] = "";
		size_t n = 0;

		total_points += points;
		for (int j = lead; j <= nhops && n < sizeof(list); j++)
			if (matched[j])
				n += snprintf(list + n, sizeof(list) - n, " %d", j);
		cr_diag("interleavings: %u scheduling points, %d runs; images equal the prefix images of%s outside ops",
			points, at - (replay_at > 0 ? replay_at : 1) + (ok ? 1 : 0), list);
	}
	for (int j = lead; ok && j <= nhops; j++)
		if (matched[j] && !verify_chain(c, &pre[j])) {
			cr_diag("with %d outside ops before the checkpoint", j);
			original_free(c, o);
			*o = pre[j];
			memset(&pre[j], 0, sizeof(pre[j]));
			ok = false;
		}
	for (int j = 0; pre && j <= nhops; j++)
		original_free(c, &pre[j]);
	free(pre);
	free(matched);
	return ok;
}

static bool run_one(const char *path, struct scn_shared *sha, struct scn_shared *shb)
{
	struct scn s;
	struct ctx c = { .s = &s, .failed_stop = -1, .sh = sha, .shb = shb };
	struct original o = { 0 };
	char err[512], name[256];
	bool ok = false;

	base_name(path, name, sizeof(name));
	if (scn_parse(path, &s, err, sizeof(err))) {
		cr_diag("%s", err);
		return ktap_result(false, name);
	}
	c.stop = calloc(s.nops + 1, sizeof(bool));
	c.stops = calloc(s.nops + 1, sizeof(int));
	for (int i = 0; i < s.nops; i++) {
		if (s.ops[i].kind == OP_CHECKPOINT)
			c.stop[i] = true;
		if (every_step && i > 0 && s.ops[i - 1].kind != OP_SEED &&
		    s.ops[i - 1].kind != OP_CATEGORY)
			c.stop[i] = true;
	}
	if (every_step && s.nops)
		c.stop[s.nops] = true;
	for (int i = 0; i <= s.nops; i++)
		if (c.stop[i])
			c.stops[c.nstops++] = i;

	if (s.helper_cp >= 0)
		ok = settle_helper(&c, &o);
	else
		ok = original_alloc(&c, &o) && run_original(&c, 0, HELPER_PREFIX, 0, &o) &&
		     original_keep_trace(&c, &o) && verify_chain(&c, &o);
	if (!ok) {
		int k = c.failed_stop;

		if (s.seed >= 0)
			cr_diag("seed: %ld", s.seed);
		cr_diag("file: %s", path);
		if (c.failed_at > 0)
			cr_diag("replay: harness/launch/uml-run --kernel build/kernel-preempt/linux build/harness/scenario-run%s --at %d %s",
				every_step ? " --every-step" : "", c.failed_at, path);
		else
			cr_diag("replay: harness/launch/uml-run build/harness/scenario-run%s %s",
				every_step ? " --every-step" : "", path);
		if (k < 0 && o.images)
			for (k = c.nstops - 1; k >= 0 && o.images[k] < 0; k--)
				;
		if (k >= 0 && k < c.nstops && o.images && o.images[k] >= 0)
			write_dot(&c, o.images[k], name);
	}
	original_free(&c, &o);
	free(c.stop);
	free(c.stops);
	scn_free(&s);
	return ktap_result(ok, name);
}

/* Input list. */
struct list {
	char **v;
	int n, cap;
};

/* Appends a copy of s; false, with a message, when out of memory. */
static bool push(struct list *l, const char *s)
{
	char *copy;

	if (l->n == l->cap) {
		int cap = l->cap ? 2 * l->cap : 64;
		char **v = realloc(l->v, cap * sizeof(*v));

		if (!v)
			goto oom;
		l->v = v;
		l->cap = cap;
	}
	copy = strdup(s);
	if (!copy)
		goto oom;
	l->v[l->n++] = copy;
	return true;
oom:
	fprintf(stderr, "scenario-run: out of memory for the list of scenarios\n");
	return false;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool collect(struct list *l, const char *arg)
{
	struct stat st;

	if (arg[0] == '@') {
		FILE *f = fopen(arg + 1, "r");
		char *line = NULL;
		size_t cap = 0;

		if (!f) {
			fprintf(stderr, "scenario-run: %s: %s\n", arg + 1, strerror(errno));
			return false;
		}
		bool ok = true;

		while (ok && getline(&line, &cap, f) >= 0) {
			line[strcspn(line, "\n")] = 0;
			if (*line && *line != '#')
				ok = push(l, line);
		}
		free(line);
		fclose(f);
		return ok;
	}
	if (stat(arg, &st) < 0) {
		fprintf(stderr, "scenario-run: %s: %s\n", arg, strerror(errno));
		return false;
	}
	if (S_ISDIR(st.st_mode)) {
		DIR *d = opendir(arg);
		struct dirent *e;
		int first = l->n;
		char p[4096];
		bool ok = true;

		while (ok && d && (e = readdir(d))) {
			size_t n = strlen(e->d_name);

			if (n > 4 && !strcmp(e->d_name + n - 4, ".scn")) {
				snprintf(p, sizeof(p), "%s/%s", arg, e->d_name);
				ok = push(l, p);
			}
		}
		if (d)
			closedir(d);
		qsort(l->v + first, l->n - first, sizeof(*l->v), cmp_str);
		return ok;
	}
	return push(l, arg);
}

static struct scn_shared *shared_new(void)
{
	void *p = mmap(NULL, sizeof(struct scn_shared), PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		perror("scenario-run: mmap");
		exit(1);
	}
	return p;
}

static void raise_limits(void)
{
	struct rlimit rl = { SCN_FD_LIMIT + 64, SCN_FD_LIMIT + 64 };
	FILE *f;

	setrlimit(RLIMIT_NOFILE, &rl);
	/* sleep and timers: no slack, so time travel gives the same times. */
	prctl(PR_SET_TIMERSLACK, 1);
	f = fopen("/proc/sys/fs/epoll/max_user_watches", "w");
	if (f) {
		fprintf(f, "%d\n", 4 * SCN_FD_LIMIT);
		fclose(f);
	}
}

int main(int argc, char **argv)
{
	struct list l = { 0 };
	struct scn_shared *sha, *shb;
	char err[512];
	int i, fails = 0, bad = 0;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "--every-step")) {
			every_step = true;
		} else if (!strcmp(argv[i], "--print-trace")) {
			print_trace = true;
		} else if (!strcmp(argv[i], "--dot-dir") && i + 1 < argc) {
			dot_dir = argv[++i];
		} else if (!strcmp(argv[i], "--sweep")) {
			sweep = true;
		} else if (!strcmp(argv[i], "--at") && i + 1 < argc && atoi(argv[i + 1]) > 0) {
			replay_at = atoi(argv[++i]);
		} else {
			fprintf(stderr, "usage: scenario-run [--every-step] [--print-trace] [--dot-dir DIR] [--sweep | --at K] PATH|DIR|@LIST...\n");
			return 2;
		}
	}
	if (i == argc) {
		fprintf(stderr, "scenario-run: no scenario given\n");
		return 2;
	}
	for (; i < argc; i++)
		if (!collect(&l, argv[i]))
			return 2;
	for (i = 0; i < l.n; i++) {
		struct scn s;

		if (scn_parse(l.v[i], &s, err, sizeof(err))) {
			fprintf(stderr, "%s\n", err);
			bad++;
			continue;
		}
		scn_free(&s);
	}
	if (bad) {
		fprintf(stderr, "scenario-run: %d malformed scenario file%s; nothing ran\n", bad,
			bad == 1 ? "" : "s");
		return 2;
	}
	raise_limits();
	sha = shared_new();
	shb = shared_new();
	ktap_plan(l.n);
	for (i = 0; i < l.n; i++)
		fails += !run_one(l.v[i], sha, shb);
	cr_diag("%d scenarios, %d failed%s", l.n, fails, every_step ? " (C/R at every step)" : "");
	if (sweep || replay_at > 0)
		cr_diag("interleavings: %lu scheduling points swept, %lu concurrent images checked",
			total_points, total_images);
	return fails ? 1 : 0;
}
