// SPDX-License-Identifier: GPL-2.0
/*
 * The in-kernel floor of epoll checkpoint/restart, for benchmarks only
 * (CONFIG_CHECKPOINT_BENCH).  It does the raw per-item work of our C/R
 * through the same eventpoll C/R API, with no image, no object table and
 * no sorting, so a benchmark can report checkpoint() and restart() against
 * it.
 *
 * /sys/kernel/debug/checkpoint_bench/floor takes one command per write(2):
 *
 *   insert EPFD FIRSTFD COUNT EVENTS
 *	Inserts COUNT items into the caller's epoll file at EPFD with
 *	eventpoll_cr_insert(), as restart does for each item: item i has
 *	the key (file at FIRSTFD + i, FIRSTFD + i), the mask EVENTS (hex)
 *	and the data FIRSTFD + i.  The target files are taken from the
 *	caller's fd table once, before the clock starts, as restart has
 *	them in its object table by the time it inserts items.
 *
 *   walk EPFD MAX
 *	Walks the items of the caller's epoll file at EPFD once with
 *	eventpoll_cr_walk_items(), copying each into an array of MAX
 *	entries allocated before the clock starts: the least checkpoint
 *	must do per item.  -E2BIG if the set has more than MAX items.
 *
 * A read from offset 0 of the same open file then returns
 * "items N ns T\n": the items inserted or copied, and the nanoseconds
 * (ktime_get_ns()) the loop took.  The file is root-only; each open file
 * keeps its own result.
 *
 * /sys/kernel/debug/checkpoint_bench/phases reads as one line per mode,
 * "checkpoint calls C PHASE NS PHASE NS ...\n", then "restart ...": how
 * the last call of that mode (C calls so far) spent its time, phase by
 * phase (enum ckpt_phase, internal.h); the phases add up to the call.
 */
#include <linux/bits.h>
#include <linux/debugfs.h>
#include <linux/eventpoll.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/init.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/timekeeping.h>
#include <linux/uaccess.h>

#include "internal.h"

#define CKPT_BENCH_CMD_MAX	128
#define CKPT_BENCH_WALK_MAX	BIT(24)

struct ckpt_bench_result {
	struct mutex lock;	/* serializes commands on one open file */
	char text[64];
	size_t len;
};

struct ckpt_bench_walk {
	struct epoll_cr_item *items;
	u32 count;
	u32 max;
};

static void ckpt_bench_put_files(struct file **files, u32 count)
{
	while (count--)
		fput(files[count]);
	kvfree(files);
}

static int ckpt_bench_insert(struct ckpt_bench_result *res, int epfd,
			     int first, u32 count, __poll_t events)
{
	struct file *ep, **files;
	u32 got, i;
	u64 start;
	int err = 0;

	if (first < 0 || count > sysctl_nr_open || count > INT_MAX - first)
		return -EINVAL;
	ep = fget(epfd);
	if (!ep)
		return -EBADF;
	if (!eventpoll_cr_is_epoll(ep)) {
		err = -EINVAL;
		goto out_ep;
	}
	files = kvmalloc_array(count, sizeof(*files), GFP_KERNEL);
	if (!files) {
		err = -ENOMEM;
		goto out_ep;
	}
	for (got = 0; got < count; got++) {
		files[got] = fget(first + got);
		if (!files[got]) {
			err = -EBADF;
			goto out_files;
		}
	}

	start = ktime_get_ns();
	for (i = 0; i < count && !err; i++) {
		err = eventpoll_cr_insert(ep, files[i], first + i, events,
					  first + i);
		/* restart reschedules once per chunk of items */
		if (i % 256 == 255)
			cond_resched();
	}
	res->len = scnprintf(res->text, sizeof(res->text), "items %u ns %llu\n",
			     err ? i - 1 : i, ktime_get_ns() - start);

out_files:
	ckpt_bench_put_files(files, got);
out_ep:
	fput(ep);
	return err;
}

static int ckpt_bench_copy_item(void *arg, const struct epoll_cr_item *item)
{
	struct ckpt_bench_walk *walk = arg;

	if (walk->count == walk->max)
		return -E2BIG;
	walk->items[walk->count++] = *item;
	return 0;
}

static int ckpt_bench_walk(struct ckpt_bench_result *res, int epfd, u32 max)
{
	struct ckpt_bench_walk walk = { .max = max };
	struct file *ep;
	u64 start;
	int err;

	if (max > CKPT_BENCH_WALK_MAX)
		return -EINVAL;
	ep = fget(epfd);
	if (!ep)
		return -EBADF;
	walk.items = kvmalloc_array(max, sizeof(*walk.items), GFP_KERNEL);
	if (!walk.items) {
		err = -ENOMEM;
		goto out_ep;
	}

	start = ktime_get_ns();
	err = eventpoll_cr_walk_items(ep, ckpt_bench_copy_item, &walk);
	res->len = scnprintf(res->text, sizeof(res->text), "items %u ns %llu\n",
			     walk.count, ktime_get_ns() - start);

	kvfree(walk.items);
out_ep:
	fput(ep);
	return err;
}

static int ckpt_bench_run(struct ckpt_bench_result *res, const char *cmd)
{
	int epfd, first;
	u32 count, events;

	if (sscanf(cmd, "insert %d %d %u %x", &epfd, &first, &count,
		   &events) == 4)
		return ckpt_bench_insert(res, epfd, first, count,
					 (__force __poll_t)events);
	if (sscanf(cmd, "walk %d %u", &epfd, &count) == 2)
		return ckpt_bench_walk(res, epfd, count);
	return -EINVAL;
}

static ssize_t ckpt_bench_write(struct file *file, const char __user *ubuf,
				size_t len, loff_t *ppos)
{
	struct ckpt_bench_result *res = file->private_data;
	char cmd[CKPT_BENCH_CMD_MAX];
	int err;

	if (len >= sizeof(cmd))
		return -EINVAL;
	if (copy_from_user(cmd, ubuf, len))
		return -EFAULT;
	cmd[len] = '\0';

	mutex_lock(&res->lock);
	res->len = 0;
	err = ckpt_bench_run(res, cmd);
	mutex_unlock(&res->lock);
	return err ? err : len;
}

static ssize_t ckpt_bench_read(struct file *file, char __user *ubuf,
			       size_t len, loff_t *ppos)
{
	struct ckpt_bench_result *res = file->private_data;
	ssize_t ret;

	mutex_lock(&res->lock);
	ret = simple_read_from_buffer(ubuf, len, ppos, res->text, res->len);
	mutex_unlock(&res->lock);
	return ret;
}

static int ckpt_bench_open(struct inode *inode, struct file *file)
{
	struct ckpt_bench_result *res = kzalloc(sizeof(*res), GFP_KERNEL);

	if (!res)
		return -ENOMEM;
	mutex_init(&res->lock);
	file->private_data = res;
	return 0;
}

static int ckpt_bench_release(struct inode *inode, struct file *file)
{
	struct ckpt_bench_result *res = file->private_data;

	mutex_destroy(&res->lock);
	kfree(res);
	return 0;
}

static const struct file_operations ckpt_bench_fops = {
	.owner = THIS_MODULE,
	.open = ckpt_bench_open,
	.release = ckpt_bench_release,
	.read = ckpt_bench_read,
	.write = ckpt_bench_write,
	.llseek = default_llseek,
};

static const char *const ckpt_phase_names[CKPT_NR_PHASES] = {
	[CKPT_PHASE_OTHER] = "other",
	[CKPT_PHASE_COLLECT] = "collect",
	[CKPT_PHASE_FREEZE] = "freeze",
	[CKPT_PHASE_OBJECTS] = "objects",
	[CKPT_PHASE_FDS] = "fds",
	[CKPT_PHASE_ITEMS] = "items",
	[CKPT_PHASE_SORT] = "sort",
	[CKPT_PHASE_READY] = "ready",
	[CKPT_PHASE_CHECKSUM] = "checksum",
	[CKPT_PHASE_IO] = "io",
	[CKPT_PHASE_INSTALL] = "install",
	[CKPT_PHASE_RELEASE] = "release",
};

/* The last call of each mode, as ckpt_bench_phases() left it. */
static struct ckpt_bench_phases {
	u64 calls;
	u64 ns[CKPT_NR_PHASES];
} ckpt_last_phases[2];
static DEFINE_SPINLOCK(ckpt_phases_lock);

void ckpt_bench_phases(const struct ckpt_ctx *ctx)
{
	struct ckpt_bench_phases *last = &ckpt_last_phases[ctx->mode];

	spin_lock(&ckpt_phases_lock);
	last->calls++;
	memcpy(last->ns, ctx->phase_ns, sizeof(last->ns));
	spin_unlock(&ckpt_phases_lock);
}

static int ckpt_phases_show(struct seq_file *m, void *v)
{
	static const char *const modes[] = {
		[CKPT_MODE_CHECKPOINT] = "checkpoint",
		[CKPT_MODE_RESTART] = "restart",
	};
	struct ckpt_bench_phases copy[ARRAY_SIZE(ckpt_last_phases)];
	int mode, phase;

	spin_lock(&ckpt_phases_lock);
	memcpy(copy, ckpt_last_phases, sizeof(copy));
	spin_unlock(&ckpt_phases_lock);
	for (mode = 0; mode < ARRAY_SIZE(copy); mode++) {
		seq_printf(m, "%s calls %llu", modes[mode], copy[mode].calls);
		for (phase = 0; phase < CKPT_NR_PHASES; phase++)
			seq_printf(m, " %s %llu", ckpt_phase_names[phase],
				   copy[mode].ns[phase]);
		seq_putc(m, '\n');
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(ckpt_phases);

static int __init ckpt_bench_init(void)
{
	struct dentry *dir = debugfs_create_dir("checkpoint_bench", NULL);

	debugfs_create_file("floor", 0600, dir, NULL, &ckpt_bench_fops);
	debugfs_create_file("phases", 0400, dir, NULL, &ckpt_phases_fops);
	return 0;
}
late_initcall(ckpt_bench_init);
