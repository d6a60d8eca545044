/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * Checkpoint/restart of a task's file table, epoll sets included.
 *
 *   long checkpoint(pid_t pid, int fd, unsigned long flags);
 *   long restart(int fd, unsigned long flags);
 *
 * The image is a stream of records.  Each starts with struct ckpt_hdr;
 * hdr.len counts the whole record, header included, and is a multiple of
 * 8.  All integers are little-endian fixed-width.  Order:
 *
 *   HEADER
 *   objects, in objref order: PIPE (before the first pipe end naming it)
 *                             and FILE records
 *   FD records (fd table, ascending fd)
 *   deferred sections: EPOLL_ITEMS records of every epoll file in objref
 *                             order, then EPOLL_READY records likewise
 *                             (each set's entries in chunks of at most
 *                             CKPT_CHUNK_ENTRIES, every chunk full but the
 *                             last)
 *   TRAILER
 *
 * Objrefs are 1, 2, 3... in the order objects are first seen while
 * walking the fd table in ascending fd order, so the same state always
 * gives the same image.
 *
 * Concurrency (CHECKPOINT_SUBTREE): an image is the checkpointed state at
 * one instant of the call.  Every set's items and ready list (membership
 * and order, edge-triggered and one-shot state), every eventfd's counter,
 * every pipe's bytes and capacity and every file position are recorded
 * as they all were at that instant, nested sets included (an inner set's
 * readiness as its outer sets saw it).  Every concurrent operation of a
 * task outside the image (epoll_ctl(), epoll_wait() on a shared set,
 * read(), write() or drain of a shared target, close() of a pipe end)
 * falls wholly before or wholly after that instant.  Restart restores
 * exactly that ready list: it neither drops readiness the instant had
 * nor adds any it lacked, so a consumed edge does not fire again.
 */
#ifndef _UAPI_LINUX_CHECKPOINT_H
#define _UAPI_LINUX_CHECKPOINT_H

#include <linux/types.h>

#if defined(__x86_64__) || defined(CONFIG_X86_64)
#ifndef __NR_checkpoint
#define __NR_checkpoint 463
#endif
#ifndef __NR_restart
#define __NR_restart 464
#endif
#endif

/* checkpoint() flags */
#define CHECKPOINT_SUBTREE		0x1UL	/* files may be shared outside */
#define CHECKPOINT_SKIP_UNSUPPORTED	0x2UL	/* record such fds as skipped */
#define CHECKPOINT_FLAGS_ALL	(CHECKPOINT_SUBTREE | CHECKPOINT_SKIP_UNSUPPORTED)

/* restart() takes no flags yet; any bit set gives -EINVAL. */
#define RESTART_FLAGS_ALL	0x0UL

#define CKPT_MAGIC		0x3152432d4c4c4f50ULL	/* "POLL-CR1" */
#define CKPT_FORMAT_VERSION	1
#define CKPT_ARCH_X86_64	1

/* Upper bounds the reader enforces before trusting a length. */
#define CKPT_RELEASE_LEN	64
#define CKPT_PATH_MAX		4096
#define CKPT_CHUNK_ENTRIES	256	/* entries per FD/ITEMS/READY record */

enum ckpt_record_type {
	CKPT_REC_HEADER		= 1,
	CKPT_REC_FILE		= 2,
	CKPT_REC_PIPE		= 3,
	CKPT_REC_FD		= 4,
	CKPT_REC_EPOLL_ITEMS	= 5,
	CKPT_REC_EPOLL_READY	= 6,
	CKPT_REC_TRAILER	= 7,
};

struct ckpt_hdr {
	__u32 type;		/* enum ckpt_record_type */
	__u32 len;		/* whole record, this header included */
};

struct ckpt_rec_header {
	struct ckpt_hdr h;
	__u64 magic;		/* CKPT_MAGIC */
	__u32 version;		/* CKPT_FORMAT_VERSION */
	__u32 arch;		/* CKPT_ARCH_* */
	__u64 flags;		/* the checkpoint() flags */
	char release[CKPT_RELEASE_LEN];	/* utsname release, NUL padded */
};

enum ckpt_file_type {
	CKPT_FILE_REGULAR	= 1,
	CKPT_FILE_PIPE		= 2,
	CKPT_FILE_EVENTFD	= 3,
	CKPT_FILE_EPOLL		= 4,
};

/* Common part of every FILE record; a type-specific part follows. */
struct ckpt_rec_file {
	struct ckpt_hdr h;
	__u32 objref;
	__u32 file_type;	/* enum ckpt_file_type */
	__u32 f_flags;		/* O_* flags as fcntl(F_GETFL) would show */
	__u32 f_mode;		/* CKPT_FMODE_* */
	__s64 f_pos;
};

#define CKPT_FMODE_READ		0x1
#define CKPT_FMODE_WRITE	0x2

/* CKPT_FILE_REGULAR: the path follows, NUL-terminated, NUL-padded to 8. */
struct ckpt_file_regular {
	__u32 path_len;		/* strlen(path) */
	__u32 __pad;
};

/* CKPT_FILE_PIPE: one end of the pipe object named here. */
struct ckpt_file_pipe {
	__u32 pipe_objref;
	__u32 end;		/* CKPT_PIPE_READ_END or CKPT_PIPE_WRITE_END */
};

#define CKPT_PIPE_READ_END	0
#define CKPT_PIPE_WRITE_END	1

/* CKPT_FILE_EVENTFD */
struct ckpt_file_eventfd {
	__u64 count;
	__u32 efd_flags;	/* EFD_SEMAPHORE */
	__u32 __pad;
};

/*
 * CKPT_FILE_EPOLL: busy-poll parameters, and how many items and ready-list
 * entries the set's deferred records hold (all read in one pass under the
 * set's lock, so the counts and the records agree).
 */
struct ckpt_file_epoll {
	__u32 busy_poll_usecs;
	__u16 busy_poll_budget;
	__u8 prefer_busy_poll;
	__u8 __pad;
	__u32 nitems;
	__u32 nready;
};

/*
 * A pipe object: both ends refer to it.  Buffered bytes follow,
 * NUL-padded to 8.
 */
struct ckpt_rec_pipe {
	struct ckpt_hdr h;
	__u32 objref;
	__u32 capacity;		/* bytes, as F_GETPIPE_SZ */
	__u32 nbytes;		/* buffered bytes that follow */
	__u32 __pad;
};

#define CKPT_FD_CLOEXEC		0x1
#define CKPT_FD_SKIPPED		0x2	/* unsupported type, left alone */

struct ckpt_fd_entry {
	__s32 fd;
	__u32 objref;		/* 0 when CKPT_FD_SKIPPED */
	__u32 flags;		/* CKPT_FD_* */
	__u32 __pad;
};

struct ckpt_rec_fd {
	struct ckpt_hdr h;
	__u32 count;		/* 1..CKPT_CHUNK_ENTRIES entries follow */
	__u32 __pad;
	/* struct ckpt_fd_entry entries[count]; */
};

/*
 * One epoll item: its key is (target objref, fd), fd as given at ADD.
 * wake_order ranks one set's items watching one target in the order a
 * wakeup of the target reaches them: 0 first.  Restart adds them in
 * reverse wake order, as they were added originally, so that items ready
 * at once join the ready list in the original order.
 */
struct ckpt_epoll_item {
	__u64 data;
	__s32 fd;
	__u32 target_objref;
	__u32 events;		/* as stored, EPOLLERR/HUP and disarm included */
	__u32 wake_order;
};

/* Items are sorted by target objref, wake_order descending, then fd. */
struct ckpt_rec_epoll_items {
	struct ckpt_hdr h;
	__u32 epoll_objref;
	__u32 count;		/* 1..CKPT_CHUNK_ENTRIES entries follow */
	/* struct ckpt_epoll_item items[count]; */
};

/* One ready-list entry, naming an item by its key. */
struct ckpt_epoll_ready {
	__s32 fd;
	__u32 target_objref;
};

/* The ready list in order, head first. */
struct ckpt_rec_epoll_ready {
	struct ckpt_hdr h;
	__u32 epoll_objref;
	__u32 count;		/* 1..CKPT_CHUNK_ENTRIES entries follow */
	/* struct ckpt_epoll_ready ready[count]; */
};

struct ckpt_rec_trailer {
	struct ckpt_hdr h;
	__u32 nobjects;		/* FILE + PIPE records */
	__u32 nfds;		/* fd entries */
	__u64 nitems;		/* epoll item entries */
	__u64 nready;		/* ready-list entries */
	__u32 nrecords;		/* records before this one */
	__u32 checksum;		/* zlib crc32 of every byte before this record */
};

#endif /* _UAPI_LINUX_CHECKPOINT_H */
