/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * Checkpoint/restart of a task's file table, epoll sets included.
 *
 *   long checkpoint(pid_t pid, int fd, unsigned long flags);
 *   long restart(int fd, unsigned long flags);
 *
 * The image is a stream of records.  Each starts with struct ckpt_hdr;
 * hdr.len counts the whole record, header included, and is a multiple of
 * 8.  Integers are fixed-width in the byte order of the machine that wrote
 * the image, which the header names (CKPT_ARCH_*: only x86_64, so
 * little-endian); restart refuses an image of another architecture.
 * Order:
 *
 *   HEADER
 *   objects, in objref order: PIPE (before the first pipe end naming it)
 *                             and FILE records
 *   deferred sections: EPOLL_ITEMS records of every epoll file in objref
 *                             order, then EPOLL_READY records likewise
 *                             (each set's entries in chunks of at most
 *                             CKPT_CHUNK_ENTRIES, every chunk full but the
 *                             last)
 *   FD records (fd table, ascending fd), last: restart installs each fd
 *                             as it reads it, once every object is whole
 *   TRAILER
 *
 * Objrefs are 1, 2, 3... in the order objects are first seen while
 * walking the fd table in ascending fd order, so the same state always
 * gives the same image.
 *
 * Concurrency (CHECKPOINT_SUBTREE): an image is the checkpointed state at
 * one instant of the call.  Every set's items and ready list (membership
 * and order, edge-triggered and one-shot state), every eventfd's counter,
 * every timerfd's timer and ticks, every pipe's bytes and capacity and
 * every file position are recorded as they all were at that instant,
 * nested sets included (an inner set's readiness as its outer sets saw
 * it).  Every concurrent operation of a task outside the image
 * (epoll_ctl(), epoll_wait() on a shared set, read(), write() or drain of
 * a shared target, close() of a pipe end, a timer's expiry) falls wholly
 * before or wholly after that instant.  Restart restores exactly that
 * ready list: it neither drops readiness the instant had nor adds any it
 * lacked, so a consumed edge does not fire again.  The one exception is
 * a signalfd's items, whose readiness is the restoring task's (see
 * &struct ckpt_file_signalfd).
 *
 * The system call numbers come from the architecture's <asm/unistd.h>
 * (__NR_checkpoint, __NR_restart).  Documentation/userspace-api/checkpoint.rst
 * describes the interface.
 */
#ifndef _UAPI_LINUX_CHECKPOINT_H
#define _UAPI_LINUX_CHECKPOINT_H

#include <linux/types.h>

/**
 * DOC: checkpoint() flags
 *
 * %CHECKPOINT_SUBTREE: the files of the checkpointed table may be shared
 * with tasks outside it; the image is then taken at one instant of the
 * call (see the top of this file).  Without it, a file shared outside the
 * table fails the call with -EBUSY.
 *
 * %CHECKPOINT_SKIP_UNSUPPORTED: an fd of a file type the image cannot
 * hold is recorded as skipped (%CKPT_FD_SKIPPED) instead of failing the
 * call with -EOPNOTSUPP; restart leaves that fd number alone.
 *
 * restart() takes no flags yet (%RESTART_FLAGS_ALL); any bit set gives
 * -EINVAL.
 */
#define CHECKPOINT_SUBTREE		0x1UL
#define CHECKPOINT_SKIP_UNSUPPORTED	0x2UL
#define CHECKPOINT_FLAGS_ALL	(CHECKPOINT_SUBTREE | CHECKPOINT_SKIP_UNSUPPORTED)

#define RESTART_FLAGS_ALL	0x0UL

#define CKPT_MAGIC		0x3152432d4c4c4f50ULL	/* "POLL-CR1" */
#define CKPT_FORMAT_VERSION	2
#define CKPT_ARCH_X86_64	1

/* Upper bounds the reader enforces before trusting a length. */
#define CKPT_RELEASE_LEN	64
#define CKPT_PATH_MAX		4096
#define CKPT_CHUNK_ENTRIES	256	/* entries per FD/ITEMS/READY record */

/**
 * enum ckpt_record_type - what a record holds (&ckpt_hdr.type)
 * @CKPT_REC_HEADER: &struct ckpt_rec_header, first and once
 * @CKPT_REC_FILE: &struct ckpt_rec_file, one per file object
 * @CKPT_REC_PIPE: &struct ckpt_rec_pipe, one per pipe object
 * @CKPT_REC_FD: &struct ckpt_rec_fd, a chunk of the fd table
 * @CKPT_REC_EPOLL_ITEMS: &struct ckpt_rec_epoll_items, a chunk of a set's items
 * @CKPT_REC_EPOLL_READY: &struct ckpt_rec_epoll_ready, a chunk of a ready list
 * @CKPT_REC_TRAILER: &struct ckpt_rec_trailer, last and once
 * @CKPT_REC_UNIX_PAIR: &struct ckpt_rec_unix_pair, one per UNIX socket pair
 */
enum ckpt_record_type {
	CKPT_REC_HEADER		= 1,
	CKPT_REC_FILE		= 2,
	CKPT_REC_PIPE		= 3,
	CKPT_REC_FD		= 4,
	CKPT_REC_EPOLL_ITEMS	= 5,
	CKPT_REC_EPOLL_READY	= 6,
	CKPT_REC_TRAILER	= 7,
	CKPT_REC_UNIX_PAIR	= 8,
};

/**
 * struct ckpt_hdr - the start of every record
 * @type: &enum ckpt_record_type
 * @len: bytes in the whole record, this header included; a multiple of 8
 */
struct ckpt_hdr {
	__u32 type;
	__u32 len;
};

/**
 * struct ckpt_rec_header - the image's first record
 * @h: &ckpt_hdr.type is %CKPT_REC_HEADER
 * @magic: %CKPT_MAGIC
 * @version: %CKPT_FORMAT_VERSION
 * @arch: %CKPT_ARCH_X86_64; it also fixes the byte order
 * @flags: the checkpoint() flags the image was taken with
 * @release: utsname release of the checkpointing kernel, NUL padded
 */
struct ckpt_rec_header {
	struct ckpt_hdr h;
	__u64 magic;
	__u32 version;
	__u32 arch;
	__u64 flags;
	char release[CKPT_RELEASE_LEN];
};

/**
 * enum ckpt_file_type - the file types an image holds (&ckpt_rec_file.file_type)
 * @CKPT_FILE_REGULAR: a regular file, reopened by path;
 *	&struct ckpt_file_regular follows
 * @CKPT_FILE_PIPE: one end of a pipe object; &struct ckpt_file_pipe follows
 * @CKPT_FILE_EVENTFD: an eventfd; &struct ckpt_file_eventfd follows
 * @CKPT_FILE_EPOLL: an epoll set; &struct ckpt_file_epoll follows
 * @CKPT_FILE_TIMERFD: a timerfd; &struct ckpt_file_timerfd follows
 * @CKPT_FILE_SIGNALFD: a signalfd; &struct ckpt_file_signalfd follows
 * @CKPT_FILE_UNIX: one end of a UNIX socket pair object;
 *	&struct ckpt_file_unix follows
 */
enum ckpt_file_type {
	CKPT_FILE_REGULAR	= 1,
	CKPT_FILE_PIPE		= 2,
	CKPT_FILE_EVENTFD	= 3,
	CKPT_FILE_EPOLL		= 4,
	CKPT_FILE_TIMERFD	= 5,
	CKPT_FILE_SIGNALFD	= 6,
	CKPT_FILE_UNIX		= 7,
};

/**
 * struct ckpt_rec_file - the common part of every FILE record
 * @h: &ckpt_hdr.type is %CKPT_REC_FILE
 * @objref: this object's reference, 1, 2, 3... in first-seen order
 * @file_type: &enum ckpt_file_type; its type-specific part follows
 * @f_flags: O_* flags as fcntl(F_GETFL) would show them
 * @f_mode: %CKPT_FMODE_READ and %CKPT_FMODE_WRITE
 * @f_pos: the file position
 */
struct ckpt_rec_file {
	struct ckpt_hdr h;
	__u32 objref;
	__u32 file_type;
	__u32 f_flags;
	__u32 f_mode;
	__s64 f_pos;
};

#define CKPT_FMODE_READ		0x1
#define CKPT_FMODE_WRITE	0x2

/**
 * struct ckpt_file_regular - type-specific part of a %CKPT_FILE_REGULAR file
 * @path_len: strlen() of the path that follows, NUL-terminated and
 *	NUL-padded to 8
 * @__pad: zero
 */
struct ckpt_file_regular {
	__u32 path_len;
	__u32 __pad;
};

/**
 * struct ckpt_file_pipe - type-specific part of a %CKPT_FILE_PIPE file
 * @pipe_objref: the pipe object (&struct ckpt_rec_pipe) this end belongs to
 * @end: %CKPT_PIPE_READ_END or %CKPT_PIPE_WRITE_END
 */
struct ckpt_file_pipe {
	__u32 pipe_objref;
	__u32 end;
};

#define CKPT_PIPE_READ_END	0
#define CKPT_PIPE_WRITE_END	1

/**
 * struct ckpt_file_unix - type-specific part of a %CKPT_FILE_UNIX file
 * @pair_objref: the pair object (&struct ckpt_rec_unix_pair) this end is of
 * @end: 0 or 1, the index into &ckpt_rec_unix_pair.ends
 */
struct ckpt_file_unix {
	__u32 pair_objref;
	__u32 end;
};

/**
 * struct ckpt_file_eventfd - type-specific part of a %CKPT_FILE_EVENTFD file
 * @count: the counter
 * @efd_flags: %EFD_SEMAPHORE or 0
 * @__pad: zero
 */
struct ckpt_file_eventfd {
	__u64 count;
	__u32 efd_flags;
	__u32 __pad;
};

/**
 * struct ckpt_file_timerfd - type-specific part of a %CKPT_FILE_TIMERFD file
 * @clockid: the clock timerfd_create() was given
 * @settime_flags: %TFD_TIMER_ABSTIME and %TFD_TIMER_CANCEL_ON_SET as the
 *	last timerfd_settime() gave them
 * @value_ns: %CKPT_TIMERFD_ARMED only, else zero: with %TFD_TIMER_ABSTIME
 *	the deadline on @clockid (as the initial time namespace counts it),
 *	else the time left, negative for a timer already due
 * @interval_ns: the period; 0 for a one-shot timer
 * @ticks: expirations not yet read
 * @state: %CKPT_TIMERFD_* bits
 * @__pad: zero
 *
 * Recorded at the checkpoint's instant.  Restart arms the timer only once
 * every epoll set is whole: a relative timer then runs for the time it had
 * left, an absolute one keeps its deadline (and expires at once if that
 * passed meanwhile).
 */
struct ckpt_file_timerfd {
	__s32 clockid;
	__u32 settime_flags;
	__s64 value_ns;
	__s64 interval_ns;
	__u64 ticks;
	__u32 state;
	__u32 __pad;
};

/* The timer will expire (again): @value_ns says when. */
#define CKPT_TIMERFD_ARMED	0x1
/* A periodic timer expired; the next read() re-arms it, counting periods. */
#define CKPT_TIMERFD_EXPIRED	0x2
/* %TFD_TIMER_CANCEL_ON_SET and the clock was set: read() gives ECANCELED. */
#define CKPT_TIMERFD_CANCELED	0x4

/**
 * struct ckpt_file_signalfd - type-specific part of a %CKPT_FILE_SIGNALFD file
 * @sigmask: the signals it accepts, bit (signo - 1), as signalfd() was
 *	given them; never SIGKILL or SIGSTOP
 *
 * Pending signals belong to the task, not the file: restart restores
 * none, and an epoll item watching the signalfd is ready after restart if
 * the image had it ready or, unless it is edge-triggered, the restoring
 * task has a signal it accepts pending (an edge-triggered item keeps the
 * image's edge: a consumed one does not fire again).
 */
struct ckpt_file_signalfd {
	__u64 sigmask;
};

/**
 * struct ckpt_file_epoll - type-specific part of a %CKPT_FILE_EPOLL file
 * @busy_poll_usecs: as EPIOCGPARAMS gives it
 * @busy_poll_budget: as EPIOCGPARAMS gives it
 * @prefer_busy_poll: as EPIOCGPARAMS gives it
 * @__pad: zero
 * @nitems: entries the set's EPOLL_ITEMS records hold
 * @nready: entries the set's EPOLL_READY records hold
 *
 * The counts and the deferred records are read in one pass under the
 * set's lock, so they agree.
 */
struct ckpt_file_epoll {
	__u32 busy_poll_usecs;
	__u16 busy_poll_budget;
	__u8 prefer_busy_poll;
	__u8 __pad;
	__u32 nitems;
	__u32 nready;
};

/**
 * struct ckpt_rec_pipe - a pipe object, named by both its ends
 * @h: &ckpt_hdr.type is %CKPT_REC_PIPE
 * @objref: this object's reference
 * @capacity: bytes, as F_GETPIPE_SZ gives them
 * @nbytes: buffered bytes that follow, NUL-padded to 8
 * @__pad: zero
 */
struct ckpt_rec_pipe {
	struct ckpt_hdr h;
	__u32 objref;
	__u32 capacity;
	__u32 nbytes;
	__u32 __pad;
};

/* &ckpt_unix_end.flags */
#define CKPT_UNIX_CLOSED	0x1	/* closed before the checkpoint */
#define CKPT_UNIX_SNDBUF_SET	0x2	/* SO_SNDBUF was set */
#define CKPT_UNIX_RCVBUF_SET	0x4	/* SO_RCVBUF was set */

/**
 * struct ckpt_unix_end - one end of a UNIX socket pair
 * @flags: %CKPT_UNIX_CLOSED, %CKPT_UNIX_SNDBUF_SET, %CKPT_UNIX_RCVBUF_SET
 * @shutdown: RCV_SHUTDOWN (1) and SEND_SHUTDOWN (2), as the end has them
 * @err: the pending error SO_ERROR would give (ECONNRESET after a peer
 *	closed with unread data), positive, or 0
 * @sndbuf: SO_SNDBUF as getsockopt(2) gives it
 * @rcvbuf: SO_RCVBUF as getsockopt(2) gives it
 * @peek_off: SO_PEEK_OFF, -1 when off
 * @nmsgs: messages queued to be received by this end (for SOCK_STREAM,
 *	writes with bytes still unread)
 * @nbytes: bytes queued to be received by this end, all of its messages'
 *
 * A closed end has only its flag set.
 */
struct ckpt_unix_end {
	__u32 flags;
	__u32 shutdown;
	__u32 err;
	__u32 sndbuf;
	__u32 rcvbuf;
	__s32 peek_off;
	__u32 nmsgs;
	__u32 nbytes;
};

/**
 * struct ckpt_rec_unix_pair - a socketpair(2), named by both its ends
 * @h: &ckpt_hdr.type is %CKPT_REC_UNIX_PAIR
 * @objref: this object's reference
 * @sock_type: SOCK_STREAM, SOCK_DGRAM or SOCK_SEQPACKET
 * @ends: end 0 is the end first seen in the fd table
 *
 * Then the length of every message queued to end 0, then to end 1 (__u32
 * each, the whole NUL-padded to 8; a stream's writes, by what is unread of
 * each, never 0); then the bytes queued to end 0, NUL-padded to 8; then
 * those queued to end 1, NUL-padded to 8.  Messages are in the order they
 * are received.
 */
struct ckpt_rec_unix_pair {
	struct ckpt_hdr h;
	__u32 objref;
	__u32 sock_type;
	struct ckpt_unix_end ends[2];
};

#define CKPT_FD_CLOEXEC		0x1
#define CKPT_FD_SKIPPED		0x2	/* unsupported type, left alone */

/**
 * struct ckpt_fd_entry - one slot of the fd table
 * @fd: the descriptor
 * @objref: the object it names; 0 when %CKPT_FD_SKIPPED
 * @flags: %CKPT_FD_CLOEXEC and %CKPT_FD_SKIPPED
 * @__pad: zero
 */
struct ckpt_fd_entry {
	__s32 fd;
	__u32 objref;
	__u32 flags;
	__u32 __pad;
};

/**
 * struct ckpt_rec_fd - a chunk of the fd table, in ascending fd order
 * @h: &ckpt_hdr.type is %CKPT_REC_FD
 * @count: 1..%CKPT_CHUNK_ENTRIES entries follow
 * @__pad: zero
 * @entries: the slots
 */
struct ckpt_rec_fd {
	struct ckpt_hdr h;
	__u32 count;
	__u32 __pad;
	struct ckpt_fd_entry entries[];
};

/**
 * struct ckpt_epoll_item - one epoll item
 * @data: the user data of its epoll_event
 * @fd: the fd given at EPOLL_CTL_ADD (with the target, the item's key)
 * @target_objref: the object it watches
 * @events: as stored, EPOLLERR/EPOLLHUP and the disarm of a fired
 *	EPOLLONESHOT item included
 *
 * 20 bytes, packed as struct epoll_event is on x86-64.  A wakeup of a
 * target reaches one set's items watching it newest first, so the order
 * they were added is observable (which of two items ready at once comes
 * first on the ready list).  A set's items of one target are therefore
 * consecutive in the image, in the order they are to be added: the item
 * a wakeup reaches last first.  That order is the only record of it.
 */
struct ckpt_epoll_item {
	__u64 data;
	__s32 fd;
	__u32 target_objref;
	__u32 events;
} __attribute__((packed));

/**
 * struct ckpt_rec_epoll_items - a chunk of one set's items
 * @h: &ckpt_hdr.type is %CKPT_REC_EPOLL_ITEMS
 * @epoll_objref: the set
 * @count: 1..%CKPT_CHUNK_ENTRIES entries follow, then zeros to 8 bytes
 * @items: by target objref; one target's items in the order to add them
 */
struct ckpt_rec_epoll_items {
	struct ckpt_hdr h;
	__u32 epoll_objref;
	__u32 count;
	struct ckpt_epoll_item items[];
};

/**
 * struct ckpt_epoll_ready - one ready-list entry, naming an item by its key
 * @fd: the item's fd
 * @target_objref: the item's target
 */
struct ckpt_epoll_ready {
	__s32 fd;
	__u32 target_objref;
};

/**
 * struct ckpt_rec_epoll_ready - a chunk of one set's ready list
 * @h: &ckpt_hdr.type is %CKPT_REC_EPOLL_READY
 * @epoll_objref: the set
 * @count: 1..%CKPT_CHUNK_ENTRIES entries follow
 * @ready: the ready list in order, head first
 */
struct ckpt_rec_epoll_ready {
	struct ckpt_hdr h;
	__u32 epoll_objref;
	__u32 count;
	struct ckpt_epoll_ready ready[];
};

/**
 * struct ckpt_rec_trailer - the image's last record
 * @h: &ckpt_hdr.type is %CKPT_REC_TRAILER
 * @nobjects: FILE and PIPE records
 * @nfds: fd entries
 * @nitems: epoll item entries
 * @nready: ready-list entries
 * @nrecords: records before this one
 * @checksum: zlib crc32 of every byte before this record
 */
struct ckpt_rec_trailer {
	struct ckpt_hdr h;
	__u32 nobjects;
	__u32 nfds;
	__u64 nitems;
	__u64 nready;
	__u32 nrecords;
	__u32 checksum;
};

#endif /* _UAPI_LINUX_CHECKPOINT_H */
