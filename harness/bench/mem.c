// SPDX-License-Identifier: GPL-2.0
/*
 * mem: kernel memory around an operation, from /proc/meminfo.
 *
 * A sampler process reads /proc/meminfo every SAMPLE_US.  The process
 * doing the operation marks a window around it in a shared page; samples
 * taken while the window was open on both sides of the read count.  UML
 * is uniprocessor and not preemptible, so the sampler runs inside a long
 * syscall only when that syscall reschedules (restart does once per chunk
 * of items, at the scheduler tick): the peak is sampled, not exact, and an
 * operation shorter than a tick may get no sample at all.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"

/* Between samples: the sampler must not steal much of the one CPU. */
#define SAMPLE_US 2000

struct mem_shared {
	int window;
	pid_t worker;
	int stop;
	int err;
	uint64_t nsamples;
	struct mem_sample peak;
};

/* The one watch: its page is mapped before any process that marks it. */
static struct {
	struct mem_shared *sh;
	pid_t pid;
} watch;

static uint64_t field_kb(const char *text, const char *name)
{
	const char *p = strstr(text, name);

	return p ? strtoull(p + strlen(name), NULL, 10) : 0;
}

static int mem_read_fd(int fd, struct mem_sample *s)
{
	char buf[4096];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

	if (n <= 0)
		return n < 0 ? -errno : -EIO;
	buf[n] = '\0';
	s->used = (field_kb(buf, "MemTotal:") - field_kb(buf, "MemFree:")) * 1024;
	s->slab_vmalloc = (field_kb(buf, "\nSlab:") +
			   field_kb(buf, "VmallocUsed:")) * 1024;
	return 0;
}

int mem_read(struct mem_sample *s)
{
	int fd = open("/proc/meminfo", O_RDONLY | O_CLOEXEC);
	int err;

	if (fd < 0)
		return -errno;
	err = mem_read_fd(fd, s);
	close(fd);
	return err;
}

int mem_watch_init(void)
{
	watch.sh = mmap(NULL, sizeof(*watch.sh), PROT_READ | PROT_WRITE,
			MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (watch.sh == MAP_FAILED) {
		watch.sh = NULL;
		return -errno;
	}
	return 0;
}

static void sampler(struct mem_shared *sh)
{
	struct mem_sample s;
	int fd = open("/proc/meminfo", O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		sh->err = -errno;
		_exit(1);
	}
	while (!__atomic_load_n(&sh->stop, __ATOMIC_SEQ_CST)) {
		int before = __atomic_load_n(&sh->window, __ATOMIC_SEQ_CST);
		int err = mem_read_fd(fd, &s);

		if (err) {
			sh->err = err;
			_exit(1);
		}
		if (!before || !__atomic_load_n(&sh->window, __ATOMIC_SEQ_CST)) {
			usleep(SAMPLE_US);
			continue;
		}
		sh->nsamples++;
		if (s.used > sh->peak.used)
			sh->peak.used = s.used;
		if (s.slab_vmalloc > sh->peak.slab_vmalloc)
			sh->peak.slab_vmalloc = s.slab_vmalloc;
		usleep(SAMPLE_US);
	}
	_exit(0);
}

int mem_watch_start(void)
{
	if (!watch.sh)
		return -EINVAL;
	*watch.sh = (struct mem_shared){ 0 };
	fflush(NULL);
	watch.pid = fork();
	if (watch.pid < 0)
		return -errno;
	if (watch.pid == 0)
		sampler(watch.sh);
	return 0;
}

void mem_window(bool open)
{
	if (watch.sh)
		__atomic_store_n(&watch.sh->window, open, __ATOMIC_SEQ_CST);
}

void mem_set_worker(pid_t pid)
{
	if (watch.sh)
		__atomic_store_n(&watch.sh->worker, pid, __ATOMIC_SEQ_CST);
}

pid_t mem_worker(void)
{
	return watch.sh ? __atomic_load_n(&watch.sh->worker, __ATOMIC_SEQ_CST) : 0;
}

int mem_watch_stop(struct mem_sample *peak, uint64_t *nsamples)
{
	int status;

	__atomic_store_n(&watch.sh->stop, 1, __ATOMIC_SEQ_CST);
	while (waitpid(watch.pid, &status, 0) < 0 && errno == EINTR)
		;
	*peak = watch.sh->peak;
	*nsamples = watch.sh->nsamples;
	return watch.sh->err;
}
