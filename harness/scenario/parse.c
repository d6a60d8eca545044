// SPDX-License-Identifier: GPL-2.0
/*
 * parse: reads a scenario file (scenarios/FORMAT.md), validates it and
 * predicts every fd number by the kernel's lowest-free rule.  Mirrors
 * scenarios/scenario.py.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include "scn.h"

#define MAX_TOKS (SCN_MAX_WAIT + 16)

struct name {
	char *name;
	int fd;
};

struct pstate {
	struct name *names;
	int nnames, cap;
	unsigned char *obj;	/* enum scn_obj per fd, OBJ_NONE if closed */
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

static bool parse_u64(const char *t, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (!*t || *t == '-' || *t == '+')
		return false;
	errno = 0;
	if (!strncasecmp(t, "0x", 2))
		v = strtoull(t + 2, &end, 16);
	else
		v = strtoull(t, &end, 10);
	if (errno || *end || end == t || v > max)
		return false;
	*out = v;
	return true;
}

static int num(struct pstate *p, const char *t, const char *what, uint64_t max,
	       uint64_t *out)
{
	if (!parse_u64(t, max, out))
		return fail(p, "%s: '%s' is not a number in 0..%llu", what, t,
			    (unsigned long long)max);
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

static int events(struct pstate *p, const char *t, uint32_t *out)
{
	uint64_t v;
	char buf[256], *save, *part;

	if (isdigit((unsigned char)*t)) {
		if (num(p, t, "events", 0xffffffffu, &v))
			return -1;
		*out = v;
		return 0;
	}
	snprintf(buf, sizeof(buf), "%s", t);
	*out = 0;
	for (part = strtok_r(buf, "|", &save); part; part = strtok_r(NULL, "|", &save)) {
		size_t i;

		for (i = 0; i < sizeof(event_names) / sizeof(event_names[0]); i++)
			if (!strcmp(part, event_names[i].name))
				break;
		if (i == sizeof(event_names) / sizeof(event_names[0]))
			return fail(p, "unknown event '%s'", part);
		*out |= event_names[i].bit;
	}
	return 0;
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
	if (!good_name(name) || strlen(name) >= 64)
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

static int need(struct pstate *p, int n, int lo, int hi, const char *usage)
{
	if (n < lo || n > hi)
		return fail(p, "usage: %s", usage);
	return 0;
}

static const char *const kinds[] = {
	[OP_SEED] = "seed", [OP_CATEGORY] = "category", [OP_EPOLL] = "epoll",
	[OP_EVENTFD] = "eventfd", [OP_PIPE] = "pipe", [OP_FILE] = "file",
	[OP_DUP] = "dup", [OP_DUP2] = "dup2", [OP_CLOSE] = "close",
	[OP_CTL] = "ctl", [OP_FILL] = "fill", [OP_WRITE] = "write",
	[OP_READ] = "read", [OP_WAIT] = "wait", [OP_PARAMS] = "params",
	[OP_CHECKPOINT] = "checkpoint",
};

/* The outside task's ops: the same op, queued for the next checkpoint. */
static const struct {
	const char *name;
	enum scn_kind kind;
} outside_ops[] = {
	{ "hctl", OP_CTL }, { "hwrite", OP_WRITE }, { "hread", OP_READ },
	{ "hwait", OP_WAIT }, { "hclose", OP_CLOSE },
};

static bool traced(enum scn_kind k)
{
	return k != OP_SEED && k != OP_CATEGORY && k != OP_CHECKPOINT;
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

static int parse_ctl(struct pstate *p, struct scn_op *op, char **a, int n)
{
	const char *k = op->outside ? "hctl" : "ctl";
	uint64_t v;

	if (n < 1 || (strcmp(a[0], "add") && strcmp(a[0], "mod") && strcmp(a[0], "del")))
		return fail(p, "usage: %s add|mod|del EP TARGET [EVENTS DATA]", k);
	op->sub = !strcmp(a[0], "add") ? EPOLL_CTL_ADD :
		  !strcmp(a[0], "mod") ? EPOLL_CTL_MOD : EPOLL_CTL_DEL;
	if (op->sub == EPOLL_CTL_DEL) {
		if (need(p, n, 3, 3, op->outside ? "hctl del EP TARGET" : "ctl del EP TARGET"))
			return -1;
	} else {
		if (n != 5)
			return fail(p, "usage: %s %s EP TARGET EVENTS DATA", k, a[0]);
		if (events(p, a[3], &op->events) || num(p, a[4], "data", UINT64_MAX, &v))
			return -1;
		op->data = v;
	}
	if (fd_of(p, a[1], &op->fd) || fd_of(p, a[2], &op->fd2))
		return -1;
	return 0;
}

static int parse_op(struct pstate *p, struct scn *s, struct scn_op *op, char **a, int n)
{
	uint64_t v;
	int fd, i;

	switch (op->kind) {
	case OP_SEED:
		if (need(p, n, 1, 1, "seed N") || num(p, a[0], "seed", INT64_MAX, &v))
			return -1;
		if (s->seed >= 0)
			return fail(p, "seed given twice");
		s->seed = v;
		return 0;
	case OP_CATEGORY:
		return need(p, n, 1, 1, "category NAME");
	case OP_EPOLL:
		if (need(p, n, 1, 2, "epoll NAME [cloexec]"))
			return -1;
		if (n == 2 && strcmp(a[1], "cloexec"))
			return fail(p, "epoll: unknown flag '%s'", a[1]);
		op->flags = n == 2 ? SCN_CLOEXEC : 0;
		op->fd = bind(p, a[0], OBJ_EPOLL, -1);
		return op->fd < 0 ? -1 : 0;
	case OP_EVENTFD:
		if (need(p, n, 1, 4, "eventfd NAME [INIT] [semaphore] [nonblock]"))
			return -1;
		i = 1;
		if (n > 1 && strcmp(a[1], "semaphore") && strcmp(a[1], "nonblock")) {
			if (num(p, a[1], "eventfd initial value", 0xffffffffu, &op->n))
				return -1;
			i = 2;
		}
		for (; i < n; i++) {
			if (!strcmp(a[i], "semaphore"))
				op->flags |= SCN_SEMAPHORE;
			else if (!strcmp(a[i], "nonblock"))
				op->flags |= SCN_NONBLOCK;
			else
				return fail(p, "eventfd: unknown flag '%s'", a[i]);
		}
		op->fd = bind(p, a[0], OBJ_EVENTFD, -1);
		return op->fd < 0 ? -1 : 0;
	case OP_PIPE:
		if (need(p, n, 2, 3, "pipe R W [nonblock]"))
			return -1;
		if (n == 3 && strcmp(a[2], "nonblock"))
			return fail(p, "pipe: unknown flag '%s'", a[2]);
		if (!strcmp(a[0], a[1]))
			return fail(p, "pipe: the two ends need two names");
		op->flags = n == 3 ? SCN_NONBLOCK : 0;
		op->fd = bind(p, a[0], OBJ_PIPER, -1);
		if (op->fd < 0)
			return -1;
		op->fd2 = bind(p, a[1], OBJ_PIPEW, -1);
		return op->fd2 < 0 ? -1 : 0;
	case OP_FILE:
		if (need(p, n, 2, 2, "file NAME PATH"))
			return -1;
		if (strlen(a[1]) >= sizeof(op->path) ||
		    strspn(a[1], "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") != strlen(a[1]))
			return fail(p, "file: path '%s' must match [A-Za-z0-9._-]+", a[1]);
		strcpy(op->path, a[1]);
		op->fd = bind(p, a[0], OBJ_FILE, -1);
		return op->fd < 0 ? -1 : 0;
	case OP_DUP:
		if (need(p, n, 2, 2, "dup NAME NEW") || fd_of(p, a[0], &op->fd2))
			return -1;
		op->fd = bind(p, a[1], p->obj[op->fd2], -1);
		return op->fd < 0 ? -1 : 0;
	case OP_DUP2:
		if (need(p, n, 3, 3, "dup2 NAME NEW FD") || fd_of(p, a[0], &op->fd2) ||
		    num(p, a[2], "dup2 fd", SCN_FD_LIMIT - 1, &v))
			return -1;
		if (v < SCN_FD_MIN)
			return fail(p, "dup2: fd %llu is below %d", (unsigned long long)v, SCN_FD_MIN);
		if ((int)v == op->fd2)
			return fail(p, "dup2: fd %llu is already '%s'", (unsigned long long)v, a[0]);
		i = p->obj[op->fd2];
		close_fd(p, v);
		op->fd = bind(p, a[1], i, v);
		return op->fd < 0 ? -1 : 0;
	case OP_CLOSE:
		if (need(p, n, 1, 1, op->outside ? "hclose NAME" : "close NAME") ||
		    fd_of(p, a[0], &op->fd))
			return -1;
		if (op->outside)
			return queue_outside(p, s, op, a[0], NULL);
		close_fd(p, op->fd);
		return 0;
	case OP_CTL:
		if (parse_ctl(p, op, a, n))
			return -1;
		return op->outside ? queue_outside(p, s, op, a[1], a[2]) : 0;
	case OP_FILL:
		if (need(p, n, 5, 5, "fill EP TARGET COUNT EVENTS DATA") ||
		    fd_of(p, a[0], &op->fd) || fd_of(p, a[1], &op->fd2) ||
		    num(p, a[2], "fill count", SCN_FD_LIMIT, &op->n) ||
		    events(p, a[3], &op->events) || num(p, a[4], "data", UINT64_MAX, &v))
			return -1;
		op->data = v;
		for (uint64_t j = 0; j < op->n; j++) {
			fd = lowest(p);
			if (fd < 0)
				return fail(p, "fd limit %d reached", SCN_FD_LIMIT);
			p->obj[fd] = p->obj[op->fd2];
		}
		return 0;
	case OP_WRITE:
	case OP_READ:
		if (need(p, n, 2, 2, op->kind == OP_WRITE ? "write NAME N" : "read NAME N") ||
		    fd_of(p, a[0], &op->fd))
			return -1;
		op->obj = p->obj[op->fd];
		if (num(p, a[1], "size", op->obj == OBJ_EVENTFD ? UINT64_MAX : 65536, &op->n))
			return -1;
		return op->outside ? queue_outside(p, s, op, a[0], NULL) : 0;
	case OP_WAIT:
		if (need(p, n, 2, 2, "wait EP MAXEVENTS") || fd_of(p, a[0], &op->fd) ||
		    num(p, a[1], "maxevents", SCN_MAX_WAIT, &op->n))
			return -1;
		return op->outside ? queue_outside(p, s, op, a[0], NULL) : 0;
	case OP_PARAMS:
		if (need(p, n, 4, 4, "params EP USECS BUDGET PREFER") || fd_of(p, a[0], &op->fd) ||
		    num(p, a[1], "usecs", 0xffffffffu, &op->n) ||
		    num(p, a[2], "budget", 0xffff, &v))
			return -1;
		op->budget = v;
		if (num(p, a[3], "prefer", 0xff, &v))
			return -1;
		op->prefer = v;
		return 0;
	case OP_CHECKPOINT:
		if (need(p, n, 0, 1, "checkpoint [LEAD]"))
			return -1;
		op->n = 0;
		if (n == 1 && num(p, a[0], "lead", INT32_MAX, &op->n))
			return -1;
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
	return fail(p, "unknown op");
}

static int kind_of(const char *w)
{
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (!strcmp(w, kinds[i]))
			return i;
	return -1;
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
	int n = 0, k, e = -1;
	bool record = false, outside = false;
	struct scn_op *op;

	for (char *t = strtok_r(line, " \t\r", &save); t; t = strtok_r(NULL, " \t\r", &save)) {
		if (*t == '#')
			break;
		if (n == MAX_TOKS)
			return fail(p, "more than %d tokens", MAX_TOKS);
		tok[n++] = t;
	}
	if (!n)
		return 0;
	k = kind_of(tok[0]);
	for (size_t i = 0; k < 0 && i < sizeof(outside_ops) / sizeof(outside_ops[0]); i++)
		if (!strcmp(tok[0], outside_ops[i].name)) {
			k = outside_ops[i].kind;
			outside = true;
		}
	if (k < 0)
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
	if ((e >= 0 || record) && (outside || !traced(k)))
		return fail(p, "'%s' gives no result to expect or record", tok[0]);
	if (k == OP_WAIT && !outside && e < 0 && !record)
		return fail(p, "wait needs 'expect ...' or 'record'");
	op = &s->ops[s->nops];
	memset(op, 0, sizeof(*op));
	op->line = lineno;
	op->kind = k;
	op->outside = outside;
	if (e >= 0) {
		op->expect = join(tok + e + 1, n - e - 1);
		n = e;
	}
	op->text = join(tok, n);
	s->nops++;
	return parse_op(p, s, op, tok + 1, n - 1);
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
	if (!p.obj || !s->path) {
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
