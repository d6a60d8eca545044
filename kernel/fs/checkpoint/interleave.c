// SPDX-License-Identifier: GPL-2.0
/*
 * Forced interleavings, for tests only (CONFIG_CHECKPOINT_INTERLEAVE_TEST).
 *
 * On a uniprocessor kernel a task outside a checkpoint can change shared
 * state during the call only where the kernel may switch tasks.  The
 * scheduler reports each such point (see <linux/checkpoint_interleave.h>);
 * this file counts them during one armed checkpoint(2) or restart(2) call
 * and, from the k-th on, hands the CPU to a parked outside task at every
 * point where it is parked, so a test can sweep k over every point the
 * call reaches, deterministically.
 *
 * debugfs checkpoint/interleave takes one command per write:
 *
 *   park
 *	The outside task: it becomes SCHED_FIFO, so that releasing it
 *	preempts the call at once, and sleeps.  The write returns its length
 *	when a point released it (the task then performs one operation and
 *	parks again) and -ESRCH when the armed call ended first.
 *   end
 *	The armed task, after its call: a task that parked after the call
 *	ended (its last release let it run into something that sleeps, and
 *	the call went on to its end) gets -ESRCH now.  With the call still
 *	in progress, or nobody parked, it does nothing.
 *   arm checkpoint|restart AT
 *	The writer's next call of that kind counts its points and releases
 *	the parked task at point AT and at every later point while it is
 *	parked; AT 0 only counts.  With AT > 0 it first waits (up to 10 s)
 *	for a task to park: -ETIMEDOUT if none does.
 *
 * A read returns "points N released R\n" of the last armed call.  One
 * armed call and one parked task at a time, system-wide.
 */
#include <linux/checkpoint_interleave.h>
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/init.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/wait.h>

#include "internal.h"

DEFINE_STATIC_KEY_FALSE(ckpt_interleave_armed);

/*
 * All fields are under wq.lock, except @in_point, which only the armed
 * caller touches.  wq holds the parked task and an arm waiting for it.
 */
static struct ckpt_interleave {
	wait_queue_head_t wq;
	struct task_struct *caller;	/* armed; NULL when none */
	enum ckpt_mode mode;		/* which call of @caller */
	bool in_call;			/* @caller is inside that call */
	bool in_point;			/* a point is being handled */
	bool parked;			/* an outside task waits to be released */
	int park_result;		/* 0 released at a point, -ESRCH call ended */
	unsigned int at;		/* first point that releases, 0: none */
	unsigned int points;		/* points reached by the current call */
	unsigned int released;		/* releases in the current call */
	unsigned int last_points, last_released;
} il = {
	.wq = __WAIT_QUEUE_HEAD_INITIALIZER(il.wq),
};

static bool ckpt_il_is_caller(void)
{
	return READ_ONCE(il.caller) == current;
}

/* Called by the scheduler's hooks; see the comment at the top. */
void notrace __ckpt_interleave_point(void)
{
	unsigned long flags;

	if (!ckpt_il_is_caller() || il.in_point || !preemptible())
		return;
	il.in_point = true;
	spin_lock_irqsave(&il.wq.lock, flags);
	if (il.in_call) {
		il.points++;
		if (il.at && il.points >= il.at && il.parked) {
			il.parked = false;
			il.park_result = 0;
			il.released++;
			wake_up_locked(&il.wq);
		}
	}
	/* The released SCHED_FIFO task preempts us in this unlock. */
	spin_unlock_irqrestore(&il.wq.lock, flags);
	il.in_point = false;
}

void ckpt_interleave_enter(enum ckpt_mode mode)
{
	if (!static_branch_unlikely(&ckpt_interleave_armed) ||
	    !ckpt_il_is_caller())
		return;
	spin_lock_irq(&il.wq.lock);
	if (il.mode == mode && !il.in_call) {
		il.in_call = true;
		il.points = 0;
		il.released = 0;
	}
	spin_unlock_irq(&il.wq.lock);
}

void ckpt_interleave_exit(enum ckpt_mode mode)
{
	if (!static_branch_unlikely(&ckpt_interleave_armed) ||
	    !ckpt_il_is_caller())
		return;
	spin_lock_irq(&il.wq.lock);
	if (il.mode == mode && il.in_call) {
		il.in_call = false;
		WRITE_ONCE(il.caller, NULL);
		il.last_points = il.points;
		il.last_released = il.released;
		if (il.parked) {
			il.parked = false;
			il.park_result = -ESRCH;
			wake_up_locked(&il.wq);
		}
	}
	spin_unlock_irq(&il.wq.lock);
}

static int ckpt_il_park(void)
{
	int err;

	sched_set_fifo_low(current);
	spin_lock_irq(&il.wq.lock);
	if (il.parked) {
		spin_unlock_irq(&il.wq.lock);
		return -EBUSY;
	}
	il.parked = true;
	wake_up_locked(&il.wq);		/* an arm waiting for us */
	err = wait_event_interruptible_locked_irq(il.wq, !il.parked);
	if (err)
		il.parked = false;
	else
		err = il.park_result;
	spin_unlock_irq(&il.wq.lock);
	return err;
}

static int ckpt_il_end(void)
{
	spin_lock_irq(&il.wq.lock);
	if (il.parked && !il.in_call) {
		il.parked = false;
		il.park_result = -ESRCH;
		wake_up_locked(&il.wq);
	}
	spin_unlock_irq(&il.wq.lock);
	return 0;
}

static int ckpt_il_arm(enum ckpt_mode mode, unsigned int at)
{
	long left;

	if (at) {
		left = wait_event_interruptible_timeout(il.wq,
							READ_ONCE(il.parked),
							10 * HZ);
		if (left < 0)
			return left;
		if (!left)
			return -ETIMEDOUT;
	}
	static_branch_enable(&ckpt_interleave_armed);
	spin_lock_irq(&il.wq.lock);
	/* An arm whose call never came (its task died) is simply replaced. */
	if (il.in_call) {
		spin_unlock_irq(&il.wq.lock);
		return -EBUSY;
	}
	il.mode = mode;
	il.at = at;
	il.in_call = false;
	il.last_points = 0;
	il.last_released = 0;
	WRITE_ONCE(il.caller, current);
	spin_unlock_irq(&il.wq.lock);
	return 0;
}

static ssize_t ckpt_il_write(struct file *file, const char __user *ubuf,
			     size_t len, loff_t *ppos)
{
	char buf[48], kind[16];
	unsigned int at;
	int err;

	if (len >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = '\0';

	if (sysfs_streq(buf, "park"))
		err = ckpt_il_park();
	else if (sysfs_streq(buf, "end"))
		err = ckpt_il_end();
	else if (sscanf(buf, "arm %15s %u", kind, &at) == 2 &&
		 !strcmp(kind, "checkpoint"))
		err = ckpt_il_arm(CKPT_MODE_CHECKPOINT, at);
	else if (sscanf(buf, "arm %15s %u", kind, &at) == 2 &&
		 !strcmp(kind, "restart"))
		err = ckpt_il_arm(CKPT_MODE_RESTART, at);
	else
		err = -EINVAL;
	return err ?: len;
}

static ssize_t ckpt_il_read(struct file *file, char __user *ubuf, size_t len,
			    loff_t *ppos)
{
	unsigned int points, released;
	char buf[64];
	int n;

	spin_lock_irq(&il.wq.lock);
	points = il.last_points;
	released = il.last_released;
	spin_unlock_irq(&il.wq.lock);
	n = scnprintf(buf, sizeof(buf), "points %u released %u\n", points,
		      released);
	return simple_read_from_buffer(ubuf, len, ppos, buf, n);
}

static const struct file_operations ckpt_il_fops = {
	.owner = THIS_MODULE,
	.read = ckpt_il_read,
	.write = ckpt_il_write,
	.llseek = default_llseek,
};

static int __init ckpt_interleave_init(void)
{
	struct dentry *dir = debugfs_create_dir("checkpoint", NULL);

	debugfs_create_file("interleave", 0600, dir, NULL, &ckpt_il_fops);
	return 0;
}
late_initcall(ckpt_interleave_init);
