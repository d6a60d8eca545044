// SPDX-License-Identifier: GPL-2.0
/*
 * parse: reads a scenario file (scenarios/FORMAT.md), validates it and
 * predicts every fd number by the kernel's lowest-free rule.  Mirrors
 * python/epollcr/scenarios/scenario.py: the syntax of every op (arity,
 * token kinds, bounds, flags, expect/record) is checked against
 * scenarios/ops.table (scn_forms[], generated), by check_args(); parse_op()
 * has each op's semantics.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>

#define SCN_OPS_TABLE
#include "scn.h"

#define SCN_NAME_MAX 63
#define MAX_TOKS (SCN_MAX_WAIT + 16)
#define NFORMS (sizeof(scn_forms) / sizeof(scn_forms[0]))
#define NARGS (sizeof(scn_forms[0].args) / sizeof(scn_forms[0].args[0]))

/* An op line's arguments, checked against its form (check_args). */
struct args {
	const struct scn_form *form;
	const char *tok[NARGS];	/* by the form's argument; NULL: not given */
	uint64_t val[NARGS];	/* numbers, EVENTS and DATA */
	int flags;		/* SCN_* */
};

struct name {
	char *name;
	int fd;
};

struct pstate {
	struct name *names;
	int nnames, cap;
	unsigned char *obj;	/* enum scn_obj per fd, OBJ_NONE if closed */
	unsigned char *clk;	/* a timerfd's clock per fd */
	int hint;		/* no free fd below it */
	int *pending;		/* outside-task op indices awaiting their checkpoint */
	int npending;
	char (*pnames)[2][64];	/* their names, resolved at that checkpoint */
	int helper_cps;
	char err[256];
};

static int fail(struct pstate *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p->err, sizeof(p->err), fmt, ap);
	va_end(ap);
	return -1;
}

/* As scenario.py's parse_number: decimal or 0x hex, in lo..max. */
static int num(struct pstate *p, const char *t, const char *what, uint64_t lo,
	       uint64_t max, uint64_t *out)
{
	const char *d = strncasecmp(t, "0x", 2) ? t : t + 2;
	unsigned long long v;

	if (!*d || strspn(d, d == t ? "0123456789" : "0123456789abcdefABCDEF") != strlen(d))
		return fail(p, "%s: '%s' is not a number", what, t);
	errno = 0;
	v = strtoull(d, NULL, d == t ? 10 : 16);
	if (errno || v < lo || v > max)
		return fail(p, "%s: %s out of range %llu..%llu", what, t,
			    (unsigned long long)lo, (unsigned long long)max);
	*out = v;
	return 0;
}

static const struct {
	const char *name;
	uint32_t bit;
} event_names[] = {
	{ "in", EPOLLIN }, { "pri", EPOLLPRI }, { "out", EPOLLOUT },
	{ "err", EPOLLERR }, { "hup", EPOLLHUP }, { "rdnorm", EPOLLRDNORM },
	{ "rdband", EPOLLRDBAND }, { "wrnorm", EPOLLWRNORM },
	{ "wrband", EPOLLWRBAND }, { "msg", EPOLLMSG }, { "rdhup", EPOLLRDHUP },
	{ "exclusive", EPOLLEXCLUSIVE }, { "wakeup", EPOLLWAKEUP },
	{ "oneshot", EPOLLONESHOT }, { "et", EPOLLET },
};

static int events(struct pstate *p, const char *t, const char *what, uint64_t *out)
{
	if (isdigit((unsigned char)*t))
		return num(p, t, what, 0, 0xffffffffu, out);
	*out = 0;
	for (const char *part = t;; part++) {
		size_t len = strcspn(part, "|"), i;

		for (i = 0; i < sizeof(event_names) / sizeof(event_names[0]); i++)
			if (strlen(event_names[i].name) == len &&
			    !strncmp(part, event_names[i].name, len))
				break;
		if (i == sizeof(event_names) / sizeof(event_names[0]))
			return fail(p, "unknown event '%.*s'", (int)len, part);
		*out |= event_names[i].bit;
		part += len;
		if (!*part)
			return 0;
	}
}

/*
 * The signals a scenario may name: not KILL, STOP or CONT (the runner's),
 * nor PIPE and CHLD (the runner's own ops raise them).  As scenario.py's
 * SIGNALS.
 */
static const struct {
	const char *name;
	int signo;
} signal_names[] = {
	{ "hup", 1 }, { "int", 2 }, { "quit", 3 }, { "ill", 4 }, { "trap", 5 },
	{ "abrt", 6 }, { "bus", 7 }, { "fpe", 8 }, { "usr1", 10 }, { "segv", 11 },
	{ "usr2", 12 }, { "alrm", 14 }, { "term", 15 }, { "stkflt", 16 },
	{ "tstp", 20 }, { "ttin", 21 }, { "ttou", 22 }, { "urg", 23 },
	{ "xcpu", 24 }, { "xfsz", 25 }, { "vtalrm", 26 }, { "prof", 27 },
	{ "winch", 28 }, { "io", 29 }, { "pwr", 30 }, { "sys", 31 },
};
#define NSIGNAMES (sizeof(signal_names) / sizeof(signal_names[0]))

static int signo_of(const char *t, size_t len)
{
	char digits[8];
	int n = -1;

	if (len && len < sizeof(digits) && strspn(t, "0123456789") >= len) {
		memcpy(digits, t, len);
		digits[len] = 0;
		n = atoi(digits);
	}
	for (size_t i = 0; i < NSIGNAMES; i++)
		if (signal_names[i].signo == n ||
		    (strlen(signal_names[i].name) == len && !strncasecmp(t, signal_names[i].name, len)))
			return signal_names[i].signo;
	return -1;
}

/* SIGS: names or numbers joined with '|', as a mask of bit (signo - 1). */
static int signals(struct pstate *p, const char *t, uint64_t *out)
{
	*out = 0;
	for (const char *part = t;; part++) {
		size_t len = strcspn(part, "|");
		int sig = signo_of(part, len);

		if (sig < 0)
			return fail(p, "unknown or reserved signal '%.*s'", (int)len, part);
		*out |= 1ULL << (sig - 1);
		part += len;
		if (!*part)
			return 0;
	}
}

static struct name *lookup(struct pstate *p, const char *name)
{
	for (int i = 0; i < p->nnames; i++)
		if (!strcmp(p->names[i].name, name))
			return &p->names[i];
	return NULL;
}

static int fd_of(struct pstate *p, const char *name, int *fd)
{
	struct name *n = lookup(p, name);

	if (!n)
		return fail(p, "name '%s' is not open", name);
	*fd = n->fd;
	return 0;
}

static int lowest(struct pstate *p)
{
	int fd = p->hint;

	while (fd < SCN_FD_LIMIT && p->obj[fd] != OBJ_NONE)
		fd++;
	p->hint = fd;
	return fd < SCN_FD_LIMIT ? fd : -1;
}

static void close_fd(struct pstate *p, int fd)
{
	p->obj[fd] = OBJ_NONE;
	if (fd < p->hint)
		p->hint = fd;
	for (int i = 0; i < p->nnames; i++) {
		if (p->names[i].fd == fd) {
			free(p->names[i].name);
			p->names[i] = p->names[--p->nnames];
			i--;
		}
	}
}

static bool good_name(const char *n)
{
	if (!isalpha((unsigned char)*n) && *n != '_')
		return false;
	for (; *n; n++)
		if (!isalnum((unsigned char)*n) && *n != '_')
			return false;
	return true;
}

/* Binds name to fd (lowest free if fd < 0); returns the fd or -1. */
static int bind(struct pstate *p, const char *name, int obj, int fd)
{
	if (!good_name(name) || strlen(name) > SCN_NAME_MAX)
		return fail(p, "bad name '%s'", name);
	if (lookup(p, name))
		return fail(p, "name '%s' is already bound", name);
	if (fd < 0)
		fd = lowest(p);
	if (fd < 0)
		return fail(p, "fd limit %d reached", SCN_FD_LIMIT);
	if (p->nnames == p->cap) {
		int cap = p->cap ? 2 * p->cap : 16;
		struct name *names = realloc(p->names, cap * sizeof(*names));

		if (!names)
			return fail(p, "out of memory");
		p->names = names;
		p->cap = cap;
	}
	p->names[p->nnames].name = strdup(name);
	if (!p->names[p->nnames].name)
		return fail(p, "out of memory");
	p->names[p->nnames++].fd = fd;
	p->obj[fd] = obj;
	return fd;
}

static bool in_words(const struct scn_argspec *a, const char *w)
{
	for (int i = 0; a->words[i]; i++)
		if (!strcmp(a->words[i], w))
			return true;
	return false;
}

/* The first line of op in the table, or NULL. */
static const struct scn_form *form_of(const char *op)
{
	for (size_t i = 0; i < NFORMS; i++)
		if (!strcmp(scn_forms[i].op, op))
			return &scn_forms[i];
	return NULL;
}

/* "usage: " and every line of f's op, or f's line with its choice as word. */
static int usage(struct pstate *p, const struct scn_form *f, const char *word)
{
	size_t len = snprintf(p->err, sizeof(p->err), "usage: ");

	if (word) {
		const char *rest = strchr(f->usage + strlen(f->op) + 1, ' ');

		snprintf(p->err + len, sizeof(p->err) - len, "%s %s%s", f->op, word, rest ? rest : "");
		return -1;
	}
	for (const struct scn_form *g = f; g < scn_forms + NFORMS && !strcmp(g->op, f->op) &&
	     len < sizeof(p->err); g++)
		len += snprintf(p->err + len, sizeof(p->err) - len, "%s%s", g == f ? "" : "; ",
				g->usage);
	return -1;
}

/*
 * The table's checks of an op line's arguments a[0..n): its line (by the
 * first word, if the op has several), arity, each token's kind and bounds,
 * trailing flags.  What the op does with them is parse_op's.
 */
static int check_args(struct pstate *p, const struct scn_form *f, char **a, int n,
		      struct args *v)
{
	const char *op = f->op, *word = NULL;
	char what[96];
	int i = 0;

	memset(v, 0, sizeof(*v));
	if (f->nargs && f->args[0].kind == SCN_ARG_CHOICE) {
		const struct scn_form *g = f;

		while (g < scn_forms + NFORMS && !strcmp(g->op, op) &&
		       !(n && in_words(&g->args[0], a[0])))
			g++;
		if (g == scn_forms + NFORMS || strcmp(g->op, op))
			return usage(p, f, NULL);
		f = g;
		word = a[0];
	}
	v->form = f;
	if (n < f->lo || n > f->hi)
		return usage(p, f, word);
	for (int j = 0; j < f->nargs && i < n; j++) {
		const struct scn_argspec *s = &f->args[j];
		const char *t = a[i];
		bool flag = false;

		for (int k = 0; s->optional && f->flag_names[k]; k++)
			flag |= !strcmp(t, f->flag_names[k]);
		if (flag)
			break;
		v->tok[j] = t;
		i++;
		snprintf(what, sizeof(what), "%s %s", op, s->ph);
		switch (s->kind) {
		case SCN_ARG_NUM:
			if (num(p, t, what, s->lo, s->hi, &v->val[j]))
				return -1;
			break;
		case SCN_ARG_EVENTS:
			if (events(p, t, what, &v->val[j]))
				return -1;
			break;
		case SCN_ARG_SIGNALS:
			if (signals(p, t, &v->val[j]))
				return -1;
			break;
		case SCN_ARG_DATA:
			if (num(p, t, what, 0, UINT64_MAX, &v->val[j]))
				return -1;
			break;
		case SCN_ARG_PATH:
			if (strlen(t) > sizeof(((struct scn_op *)0)->path) - 1 ||
			    strspn(t, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") != strlen(t))
				return fail(p, "%s: path '%s' must match [A-Za-z0-9._-]+, at most %zu characters",
					    op, t, sizeof(((struct scn_op *)0)->path) - 1);
			break;
		case SCN_ARG_NEW:
		case SCN_ARG_NAME:
		case SCN_ARG_WORD:
		case SCN_ARG_CHOICE:
			break;
		}
	}
	for (; i < n; i++) {
		int k;

		for (k = 0; f->flag_names[k] && strcmp(a[i], f->flag_names[k]); k++)
			;
		if (!f->flag_names[k])
			return fail(p, "%s: unknown flag '%s'", op, a[i]);
		v->flags |= f->flag_bits[k];
	}
	return 0;
}

/* The index of placeholder ph in v's form; ph must be in the table. */
static int ph_index(const struct args *v, const char *ph)
{
	for (int j = 0; j < v->form->nargs; j++)
		if (!strcmp(v->form->args[j].ph, ph))
			return j;
	fprintf(stderr, "parse.c: '%s' has no argument %s in scenarios/ops.table\n", v->form->op, ph);
	abort();
}

/* The token of ph, or NULL if it was not given (an optional argument). */
static const char *tok(const struct args *v, const char *ph)
{
	return v->tok[ph_index(v, ph)];
}

/* The value of number, EVENTS or DATA argument ph (0 if not given). */
static uint64_t val(const struct args *v, const char *ph)
{
	return v->val[ph_index(v, ph)];
}

/* Queues an outside op; its names are resolved again at the checkpoint. */
static int queue_outside(struct pstate *p, struct scn *s, struct scn_op *op,
			 const char *name0, const char *name1)
{
	int *pending = realloc(p->pending, (p->npending + 1) * sizeof(*p->pending));
	char (*pnames)[2][64];

	if (!pending)
		return fail(p, "out of memory");
	p->pending = pending;
	pnames = realloc(p->pnames, (p->npending + 1) * sizeof(*p->pnames));
	if (!pnames)
		return fail(p, "out of memory");
	p->pnames = pnames;
	p->pending[p->npending] = op - s->ops;
	snprintf(p->pnames[p->npending][0], 64, "%s", name0);
	snprintf(p->pnames[p->npending][1], 64, "%s", name1 ? name1 : "");
	p->npending++;
	return 0;
}

/* Reads of these move one fixed-size record: N is not a size. */
static bool fixed_size(int obj)
{
	return obj == OBJ_EVENTFD || obj == OBJ_TIMERFD || obj == OBJ_SIGNALFD;
}

static int parse_timerfd(struct pstate *p, struct scn_op *op, const struct args *v)
{
	if ((op->flags & SCN_REALTIME) && (op->flags & SCN_BOOTTIME))
		return fail(p, "timerfd: realtime and boottime are two clocks");
	op->clock = op->flags & SCN_REALTIME ? CLOCK_REALTIME :
		    op->flags & SCN_BOOTTIME ? CLOCK_BOOTTIME : CLOCK_MONOTONIC;
	op->fd = bind(p, tok(v, "NAME"), OBJ_TIMERFD, -1);
	if (op->fd < 0)
		return -1;
	p->clk[op->fd] = op->clock;
	return 0;
}

/* Each op's semantics: names, fds, the fields exec.c runs it by. */
static int parse_op(struct pstate *p, struct scn *s, struct scn_op *op, const struct args *v)
{
	int fd, i;

	op->flags = v->flags;
	switch (op->kind) {
	case OP_SEED:
		if (s->seed >= 0)
			return fail(p, "seed given twice");
		s->seed = val(v, "N");
		return 0;
	case OP_CATEGORY:
		return 0;
	case OP_EPOLL:
		op->fd = bind(p, tok(v, "NAME"), OBJ_EPOLL, -1);
		return op->fd < 0 ? -1 : 0;
	case OP_EVENTFD:
		op->n = val(v, "INIT");
		op->fd = bind(p, tok(v, "NAME"), OBJ_EVENTFD, -1);
		return op->fd < 0 ? -1 : 0;
	case OP_PIPE:
		if (!strcmp(tok(v, "R"), tok(v, "W")))
			return fail(p, "pipe: the two ends need two names");
		op->fd = bind(p, tok(v, "R"), OBJ_PIPER, -1);
		if (op->fd < 0)
			return -1;
		op->fd2 = bind(p, tok(v, "W"), OBJ_PIPEW, -1);
		return op->fd2 < 0 ? -1 : 0;
	case OP_SOCKETPAIR:
		if ((op->flags & SCN_DGRAM) && (op->flags & SCN_SEQPACKET))
			return fail(p, "socketpair: dgram and seqpacket are two types");
		if (!strcmp(tok(v, "A"), tok(v, "B")))
			return fail(p, "socketpair: the two ends need two names");
		op->fd = bind(p, tok(v, "A"), OBJ_SOCK, -1);
		if (op->fd < 0)
			return -1;
		op->fd2 = bind(p, tok(v, "B"), OBJ_SOCK, -1);
		return op->fd2 < 0 ? -1 : 0;
	case OP_FILE:
		strcpy(op->path, tok(v, "PATH"));	/* its length is checked */
		op->fd = bind(p, tok(v, "NAME"), OBJ_FILE, -1);
		return op->fd < 0 ? -1 : 0;
	case OP_DUP:
		if (fd_of(p, tok(v, "NAME"), &op->fd2))
			return -1;
		op->fd = bind(p, tok(v, "NEW"), p->obj[op->fd2], -1);
		if (op->fd < 0)
			return -1;
		p->clk[op->fd] = p->clk[op->fd2];
		return 0;
	case OP_DUP2:
		if (fd_of(p, tok(v, "NAME"), &op->fd2))
			return -1;
		fd = val(v, "FD");
		if (fd == op->fd2)
			return fail(p, "dup2: fd %d is already '%s'", fd, tok(v, "NAME"));
		i = p->obj[op->fd2];
		close_fd(p, fd);
		op->fd = bind(p, tok(v, "NEW"), i, fd);
		if (op->fd < 0)
			return -1;
		p->clk[op->fd] = p->clk[op->fd2];
		return 0;
	case OP_CLOSE:
		if (fd_of(p, tok(v, "NAME"), &op->fd))
			return -1;
		if (op->outside)
			return queue_outside(p, s, op, tok(v, "NAME"), NULL);
		close_fd(p, op->fd);
		return 0;
	case OP_SHUTDOWN: {
		const char *how = v->tok[0];

		/* exec.c's shut_how[]: <sys/socket.h> would take bind(). */
		op->sub = !strcmp(how, "rd") ? 0 : !strcmp(how, "wr") ? 1 : 2;
		return fd_of(p, tok(v, "NAME"), &op->fd);
	}
	case OP_CTL: {
		const char *sub = v->tok[0];

		op->sub = !strcmp(sub, "add") ? EPOLL_CTL_ADD :
			  !strcmp(sub, "mod") ? EPOLL_CTL_MOD : EPOLL_CTL_DEL;
		if (op->sub != EPOLL_CTL_DEL) {
			op->events = val(v, "EVENTS");
			op->data = val(v, "DATA");
		}
		if (fd_of(p, tok(v, "EP"), &op->fd) || fd_of(p, tok(v, "TARGET"), &op->fd2))
			return -1;
		return op->outside ? queue_outside(p, s, op, tok(v, "EP"), tok(v, "TARGET")) : 0;
	}
	case OP_FILL:
		if (fd_of(p, tok(v, "EP"), &op->fd) || fd_of(p, tok(v, "TARGET"), &op->fd2))
			return -1;
		op->n = val(v, "COUNT");
		op->events = val(v, "EVENTS");
		op->data = val(v, "DATA");
		for (uint64_t j = 0; j < op->n; j++) {
			fd = lowest(p);
			if (fd < 0)
				return fail(p, "fd limit %d reached", SCN_FD_LIMIT);
			p->obj[fd] = p->obj[op->fd2];
			p->clk[fd] = p->clk[op->fd2];
		}
		return 0;
	case OP_WRITE:
	case OP_READ: {
		char what[32];

		if (fd_of(p, tok(v, "NAME"), &op->fd))
			return -1;
		op->obj = p->obj[op->fd];
		op->n = val(v, "N");
		/* A pipe, file or socket moves at most 64 KiB. */
		snprintf(what, sizeof(what), "%s N", v->form->op);
		if (!fixed_size(op->obj) && num(p, tok(v, "N"), what, 0, 65536, &op->n))
			return -1;
		return op->outside ? queue_outside(p, s, op, tok(v, "NAME"), NULL) : 0;
	}
	case OP_WAIT:
		if (fd_of(p, tok(v, "EP"), &op->fd))
			return -1;
		op->n = val(v, "MAXEVENTS");
		return op->outside ? queue_outside(p, s, op, tok(v, "EP"), NULL) : 0;
	case OP_TIMERFD:
		return parse_timerfd(p, op, v);
	case OP_SETTIME:
		if (fd_of(p, tok(v, "NAME"), &op->fd))
			return -1;
		op->obj = p->obj[op->fd];
		op->clock = p->clk[op->fd];
		op->n = val(v, "VALUE");
		op->interval = val(v, "INTERVAL");
		return 0;
	case OP_SIGNALFD:
		op->sigs = val(v, "SIGS");
		s->sigs |= op->sigs;
		op->fd = bind(p, tok(v, "NAME"), OBJ_SIGNALFD, -1);
		return op->fd < 0 ? -1 : 0;
	case OP_RAISE:
		op->sigs = val(v, "SIG");
		s->sigs |= op->sigs;
		return 0;
	case OP_SLEEP:
		op->n = val(v, "NS");
		return 0;
	case OP_PARAMS:
		if (fd_of(p, tok(v, "EP"), &op->fd))
			return -1;
		op->n = val(v, "USECS");
		op->budget = val(v, "BUDGET");
		op->prefer = val(v, "PREFER");
		return 0;
	case OP_CHECKPOINT:
		op->n = val(v, "LEAD");
		if (op->n > (uint64_t)p->npending)
			return fail(p, "checkpoint: lead %llu > %d queued outside-task ops",
				    (unsigned long long)op->n, p->npending);
		if (!p->npending)
			return 0;
		if (++p->helper_cps > 1)
			return fail(p, "only one checkpoint may have queued outside-task ops");
		for (i = 0; i < p->npending; i++) {
			struct scn_op *h = &s->ops[p->pending[i]];

			if (fd_of(p, p->pnames[i][0], &h->fd) ||
			    (*p->pnames[i][1] && fd_of(p, p->pnames[i][1], &h->fd2)))
				return -1;
			h->obj = p->obj[h->fd];
		}
		s->helper_cp = op - s->ops;
		s->hops = p->pending;
		s->nhops = p->npending;
		p->pending = NULL;
		p->npending = 0;
		return 0;
	}
	return fail(p, "op '%s' has no semantics in parse.c", v->form->op);
}

static char *join(char **a, int n)
{
	size_t len = 1;
	char *s;

	for (int i = 0; i < n; i++)
		len += strlen(a[i]) + 1;
	s = calloc(1, len);
	for (int i = 0; i < n; i++) {
		if (i)
			strcat(s, " ");
		strcat(s, a[i]);
	}
	return s;
}

static int parse_line(struct pstate *p, struct scn *s, char *line, int lineno)
{
	char *tok[MAX_TOKS], *save;
	int n = 0, e = -1;
	bool record = false;
	const struct scn_form *f;
	struct scn_op *op;
	struct args v;

	for (char *t = strtok_r(line, " \t\r", &save); t; t = strtok_r(NULL, " \t\r", &save)) {
		if (*t == '#')
			break;
		if (n == MAX_TOKS)
			return fail(p, "more than %d tokens", MAX_TOKS);
		tok[n++] = t;
	}
	if (!n)
		return 0;
	f = form_of(tok[0]);
	if (!f)
		return fail(p, "unknown op '%s'", tok[0]);
	for (int i = 1; i < n; i++)
		if (!strcmp(tok[i], "expect")) {
			e = i;
			break;
		}
	if (e < 0 && n > 1 && !strcmp(tok[n - 1], "record")) {
		record = true;
		n--;
	}
	if ((e >= 0 || record) && f->trace == SCN_TRACE_NONE)
		return fail(p, "'%s' gives no result to expect or record", tok[0]);
	if (f->trace == SCN_TRACE_MUST && e < 0 && !record)
		return fail(p, "%s needs 'expect ...' or 'record'", tok[0]);
	op = &s->ops[s->nops];
	memset(op, 0, sizeof(*op));
	op->line = lineno;
	op->kind = f->kind;
	op->outside = f->outside;
	if (e >= 0) {
		op->expect = join(tok + e + 1, n - e - 1);
		n = e;
	}
	op->text = join(tok, n);
	s->nops++;
	if (check_args(p, f, tok + 1, n - 1, &v))
		return -1;
	return parse_op(p, s, op, &v);
}

int scn_parse(const char *path, struct scn *s, char *err, size_t errlen)
{
	struct pstate p = { .hint = SCN_FD_MIN };
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0, opcap = 0;
	int lineno = 0, rc = 0;

	memset(s, 0, sizeof(*s));
	s->seed = -1;
	s->helper_cp = -1;
	s->path = strdup(path);
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		scn_free(s);
		return -1;
	}
	p.obj = calloc(SCN_FD_LIMIT, 1);
	p.clk = calloc(SCN_FD_LIMIT, 1);
	if (!p.obj || !p.clk || !s->path) {
		snprintf(err, errlen, "%s: out of memory", path);
		rc = -1;
	}
	while (!rc && getline(&line, &cap, f) >= 0) {
		lineno++;
		line[strcspn(line, "\n")] = 0;
		if ((size_t)s->nops == opcap) {
			size_t ncap = opcap ? 2 * opcap : 64;
			struct scn_op *ops = realloc(s->ops, ncap * sizeof(*ops));

			if (!ops) {
				snprintf(err, errlen, "%s:%d: out of memory", path, lineno);
				rc = -1;
				break;
			}
			s->ops = ops;
			opcap = ncap;
		}
		if (parse_line(&p, s, line, lineno)) {
			snprintf(err, errlen, "%s:%d: %s", path, lineno, p.err);
			rc = -1;
			break;
		}
	}
	if (!rc && p.npending) {
		snprintf(err, errlen, "%s:%d: outside-task op with no checkpoint after it", path,
			 s->ops[p.pending[p.npending - 1]].line);
		rc = -1;
	}
	fclose(f);
	free(line);
	free(p.obj);
	free(p.clk);
	free(p.pending);
	free(p.pnames);
	for (int i = 0; i < p.nnames; i++)
		free(p.names[i].name);
	free(p.names);
	if (rc)
		scn_free(s);
	return rc;
}

void scn_free(struct scn *s)
{
	for (int i = 0; i < s->nops; i++) {
		free(s->ops[i].text);
		free(s->ops[i].expect);
	}
	free(s->ops);
	free(s->hops);
	free(s->path);
	memset(s, 0, sizeof(*s));
}
