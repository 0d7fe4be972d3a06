/* sink.c — owns lanes' writes to its own stdout and stderr, and the queues
 * in front of them. Nothing here may block, yet O_NONBLOCK cannot simply
 * be set on fd 1: the open file description is shared with the shell and,
 * under --ungroup, with the jobs, which would then see EAGAIN. So:
 *
 * - a pipe, FIFO or terminal is opened again through /proc/self/fd, which
 *   gives lanes a description of its own to make non-blocking;
 * - a socket is written with send(MSG_DONTWAIT);
 * - a regular file or a block device never blocks for long: plain writes;
 * - where none of that works, a write of at most PIPE_BUF bytes is made
 *   only after poll() said the descriptor is writable: it cannot block.
 *
 * A spill file given to the sink is copied out with sendfile where the
 * destination takes it, through a buffer where not. */
#include "sink.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "alloc.h"
#include "loop.h"
#include "timer.h"

#define SEGMENT_MIN (16 * 1024)
#define COPY_BELOW 4096          /* smaller buffers are copied, not taken */
#define IOV_BATCH 64
#define FILE_CHUNK (64 * 1024)
#define PIPE_SIZE (1 << 20)      /* Linux's default pipe-max-size */

enum how { PLAIN, NONBLOCKING, SOCKET, GATED };

struct segment {
	struct segment *next;
	int dest;                /* 0: stdout, 1: stderr */
	int file;                /* >= 0: the bytes are file[offset, end) */
	off_t offset, end;
	char *data;              /* else: data[start, len) */
	size_t start, len, cap;
};

struct queue {
	struct segment *head, *tail;
	uint64_t bytes;
	int watched;             /* the fd watched for POLLOUT; -1: none */
};

struct destination {
	int wfd;                 /* what lanes writes to */
	enum how how;
	bool no_sendfile;
	bool failed;             /* writes failed: what comes is dropped */
	struct queue *queue;
};

static struct queue queues[2] = { { NULL, NULL, 0, -1 }, { NULL, NULL, 0, -1 } };
static struct destination dest[2];
static int write_errno;
static int64_t last_write;
static void (*drained)(void);
static char scratch[FILE_CHUNK];

static void setup_destination(int fd, struct destination *d)
{
	struct stat st;
	d->wfd = fd;
	d->how = PLAIN;
	int flags = fcntl(fd, F_GETFL);
	if (fstat(fd, &st) != 0 || flags < 0 || (flags & O_ACCMODE) == O_RDONLY)
		return;  /* writes fail as they would have */
	if (S_ISSOCK(st.st_mode)) {
		d->how = SOCKET;
		return;
	}
	if (!S_ISFIFO(st.st_mode) && !S_ISCHR(st.st_mode))
		return;
	char path[32];
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	int again = open(path, O_WRONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC | (flags & O_APPEND));
	if (again >= 0) {
		d->wfd = again;
		d->how = NONBLOCKING;
		/* Non-blocking writes return each time the pipe is full: a
		 * bigger pipe means fewer of those turns (best effort). */
		if (S_ISFIFO(st.st_mode) && fcntl(again, F_GETPIPE_SZ) < PIPE_SIZE)
			fcntl(again, F_SETPIPE_SZ, PIPE_SIZE);
	} else {
		d->how = GATED;
	}
}

void sink_init(void)
{
	for (int i = 0; i < 2; i++) {
		setup_destination(i + 1, &dest[i]);
		dest[i].queue = &queues[i];
	}
	struct stat a, b;
	if (fstat(1, &a) == 0 && fstat(2, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino)
		dest[1].queue = &queues[0];  /* one place: one order */
}

static void push(struct queue *q, struct segment *s)
{
	s->next = NULL;
	if (q->tail)
		q->tail->next = s;
	else
		q->head = s;
	q->tail = s;
}

static struct segment *new_segment(int fd)
{
	struct segment *s = xcalloc(1, sizeof *s);
	s->dest = fd - 1;
	s->file = -1;
	return s;
}

void sink_append(int fd, const char *data, size_t len)
{
	struct destination *d = &dest[fd - 1];
	if (len == 0 || d->failed)
		return;
	struct queue *q = d->queue;
	struct segment *t = q->tail;
	if (!t || t->dest != fd - 1 || t->file >= 0 || t->cap - t->len < len) {
		t = new_segment(fd);
		t->cap = len > SEGMENT_MIN ? len : SEGMENT_MIN;
		t->data = xmalloc(t->cap);
		push(q, t);
	}
	memcpy(t->data + t->len, data, len);
	t->len += len;
	q->bytes += len;
}

void sink_give(int fd, char **buf, size_t *len, size_t *cap)
{
	struct destination *d = &dest[fd - 1];
	if (*len < COPY_BELOW || d->failed) {
		sink_append(fd, *buf, *len);
		*len = 0;
		return;
	}
	struct segment *s = new_segment(fd);
	s->data = *buf;
	s->len = *len;
	s->cap = *cap;
	push(d->queue, s);
	d->queue->bytes += *len;
	*buf = NULL;
	*len = *cap = 0;
}

void sink_give_file(int fd, int file, off_t length)
{
	struct destination *d = &dest[fd - 1];
	if (length <= 0 || d->failed) {
		close(file);
		return;
	}
	struct segment *s = new_segment(fd);
	s->file = file;
	s->end = length;
	push(d->queue, s);
	d->queue->bytes += (uint64_t)length;
}

static void free_segment(struct segment *s)
{
	if (s->file >= 0)
		close(s->file);
	free(s->data);
	free(s);
}

static void pop(struct queue *q)
{
	struct segment *s = q->head;
	q->head = s->next;
	if (!q->head)
		q->tail = NULL;
	if (s->file >= 0)
		q->bytes -= (uint64_t)(s->end - s->offset);
	else
		q->bytes -= s->len - s->start;
	free_segment(s);
}

/* One write of the memory segments at the head that go to the same
 * place, as many as writev takes at once. */
static ssize_t write_memory(struct destination *d, struct segment *s, bool gated)
{
	if (d->how == SOCKET || gated) {
		size_t n = s->len - s->start;
		if (gated && n > PIPE_BUF)
			n = PIPE_BUF;
		if (d->how == SOCKET)
			return send(d->wfd, s->data + s->start, n, MSG_DONTWAIT | MSG_NOSIGNAL);
		return write(d->wfd, s->data + s->start, n);
	}
	struct iovec iov[IOV_BATCH];
	int n = 0;
	for (struct segment *t = s; t && n < IOV_BATCH && t->dest == s->dest && t->file < 0; t = t->next)
		iov[n++] = (struct iovec){ t->data + t->start, t->len - t->start };
	return writev(d->wfd, iov, n);
}

/* Copies some of a file segment out; returns the bytes moved (and moves
 * s->offset), or -1 with errno set. */
static ssize_t write_file(struct destination *d, struct segment *s, bool gated)
{
	size_t want = (size_t)(s->end - s->offset);
	if (!d->no_sendfile && d->how != SOCKET && !gated) {
		off_t before = s->offset;
		ssize_t n = sendfile(d->wfd, s->file, &s->offset, want > (1u << 30) ? 1u << 30 : want);
		if (n == 0)
			s->offset = s->end;  /* the file is shorter than it was: done */
		if (n >= 0)
			return s->offset - before;
		if (errno != EINVAL && errno != ENOSYS)
			return -1;
		d->no_sendfile = true;  /* O_APPEND, or a kind sendfile cannot write */
	}
	if (want > sizeof scratch)
		want = sizeof scratch;
	if (gated && want > PIPE_BUF)
		want = PIPE_BUF;
	ssize_t got = pread(s->file, scratch, want, s->offset);
	if (got <= 0) {
		ssize_t lost = s->end - s->offset;
		s->offset = s->end;
		return lost;
	}
	ssize_t n = d->how == SOCKET ? send(d->wfd, scratch, (size_t)got, MSG_DONTWAIT | MSG_NOSIGNAL)
				     : write(d->wfd, scratch, (size_t)got);
	if (n > 0)
		s->offset += n;
	return n;
}

/* Takes n written bytes off the memory segments at the head. */
static void consume(struct queue *q, size_t n)
{
	while (n > 0) {
		struct segment *s = q->head;
		size_t left = s->len - s->start;
		size_t k = n < left ? n : left;
		s->start += k;
		q->bytes -= k;
		n -= k;
		if (s->start == s->len)
			pop(q);
	}
}

static void on_writable(int fd, short revents, void *arg);

static void watch(struct queue *q, int fd)
{
	if (q->watched == fd)
		return;
	if (q->watched >= 0)
		loop_unwatch(q->watched);
	q->watched = fd;
	if (fd >= 0)
		loop_watch(fd, POLLOUT, on_writable, q);
}

static void fail(struct destination *d, int e)
{
	d->failed = true;
	if (d == &dest[0] && !write_errno)
		write_errno = e;
}

/* Writes the queue's head until a destination would block. `writable`:
 * poll() has just said the head's destination takes bytes. */
static void drain(struct queue *q, bool writable)
{
	uint64_t before = q->bytes;
	while (q->head) {
		struct segment *s = q->head;
		struct destination *d = &dest[s->dest];
		if (d->failed || (s->file >= 0 && s->offset >= s->end) || (s->file < 0 && s->start == s->len)) {
			pop(q);
			continue;
		}
		bool gated = d->how == GATED;
		if (gated && !writable) {
			watch(q, d->wfd);
			break;
		}
		ssize_t n = s->file >= 0 ? write_file(d, s, gated) : write_memory(d, s, gated);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			watch(q, d->wfd);
			break;
		}
		if (n < 0) {
			fail(d, errno);
			continue;
		}
		if (s->file >= 0)
			q->bytes -= (uint64_t)n;
		else
			consume(q, (size_t)n);
		if (n > 0)
			last_write = timer_now();
		if (gated)
			writable = false;  /* one write per poll() */
	}
	if (!q->head)
		watch(q, -1);
	/* Written, or dropped after a failed write: the queue is shorter. */
	if (q->bytes < before && drained)
		drained();
}

static void on_writable(int fd, short revents, void *arg)
{
	(void)fd;
	(void)revents;
	drain(arg, true);
}

void sink_write(void)
{
	for (int i = 0; i < 2; i++)
		if (queues[i].head && queues[i].watched < 0)
			drain(&queues[i], false);
}

uint64_t sink_queued(void)
{
	return queues[0].bytes > queues[1].bytes ? queues[0].bytes : queues[1].bytes;
}

bool sink_empty(void)
{
	return !queues[0].head && !queues[1].head;
}

int sink_error(void)
{
	return write_errno;
}

int64_t sink_last_write(void)
{
	return last_write;
}

void sink_on_drain(void (*fn)(void))
{
	drained = fn;
}

void sink_drop(void)
{
	for (int i = 0; i < 2; i++) {
		while (queues[i].head)
			pop(&queues[i]);
		watch(&queues[i], -1);
	}
	if (drained)
		drained();
}

void sink_free(void)
{
	sink_drop();
	for (int i = 0; i < 2; i++)
		if (dest[i].wfd != i + 1 && dest[i].wfd >= 0)
			close(dest[i].wfd);
}
