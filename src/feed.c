/* feed.c — owns what lanes writes to the jobs of --pipe: each job's
 * block, through a pipe whose write side only lanes has, non-blocking and
 * driven by the loop. Blocks of standard input are written from the
 * buffer they were read into; --pipepart ranges are spliced from the
 * file, so their bytes never pass through lanes' memory. Which block a
 * job gets, and when it is freed, is runner.c's. */
#include "feed.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc.h"
#include "loop.h"
#include "msg.h"

#define PIPE_SIZE (1024 * 1024)
#define FIFO_LOOK_NS (10 * INT64_C(1000000))  /* --fifo: until the job opens it */

static struct blocks *data;
static enum feed_kind kind;
static unsigned long files_made;

void feed_init(struct blocks *d, enum feed_kind k)
{
	data = d;
	kind = k;
}

static void look_for_reader(struct timer_entry *e);

static size_t block_len(const struct block *k)
{
	return k->data ? k->len : (size_t)k->range;
}

static void temp_name(struct feed *f, const char *what)
{
	const char *dir = getenv("TMPDIR");
	if (!dir || dir[0] != '/')
		dir = "/tmp";
	size_t n = strlen(dir) + 64;
	f->path = xmalloc(n);
	snprintf(f->path, n, "%s/lanes-%s-%ld-%lu", dir, what, (long)getpid(), ++files_made);
}

/* --cat: header and block in a new file of mode 0600. */
static int write_file(struct feed *f)
{
	int fd;
	for (;;) {
		temp_name(f, "cat");
		fd = open(f->path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd >= 0 || errno != EEXIST)
			break;
		free(f->path);
	}
	if (fd < 0)
		return errno;
	int part = blocks_part_fd(data);
	size_t header_len;
	const char *header = blocks_header(data, &header_len);
	int e = 0;
	if (header_len && write(fd, header, header_len) != (ssize_t)header_len)
		e = errno ? errno : EIO;
	bool copy_range = true;
	for (size_t done = 0, len = block_len(f->block); !e && done < len;) {
		ssize_t n;
		off_t off = f->block->offset + (off_t)done;
		if (f->block->data) {
			n = write(fd, f->block->data + done, len - done);
		} else if (copy_range) {
			n = copy_file_range(part, &off, fd, NULL, len - done, 0);
			if (n < 0 && (errno == EXDEV || errno == EINVAL || errno == ENOSYS || errno == EOPNOTSUPP)) {
				copy_range = false;  /* another file system, say: copy it ourselves */
				continue;
			}
		} else {
			char buf[65536];
			n = pread(part, buf, len - done < sizeof buf ? len - done : sizeof buf, off);
			if (n > 0 && write(fd, buf, (size_t)n) != n)
				n = -1;
		}
		if (n <= 0)
			e = n < 0 ? errno : EIO;
		else
			done += (size_t)n;
	}
	if (close(fd) != 0 && !e)
		e = errno;
	return e;
}

int feed_prepare(struct feed *f, struct block *k)
{
	f->block = k;
	f->fd = -1;
	f->timer = (struct timer_entry)TIMER_ENTRY(look_for_reader);
	int e = 0;
	if (kind == FEED_CAT) {
		e = write_file(f);
	} else if (kind == FEED_FIFO) {
		for (;;) {
			temp_name(f, "fifo");
			if (mkfifo(f->path, 0600) == 0 || errno != EEXIST)
				break;
			free(f->path);
		}
		e = access(f->path, F_OK) == 0 ? 0 : errno;
	}
	if (e) {
		msg_print("block %lu: %s: %s", k->seq, f->path, strerror(e));
		if (f->path)
			unlink(f->path);
		free(f->path);
		f->path = NULL;
	}
	return e;
}

int feed_open(struct feed *f)
{
	f->done = 0;  /* a retry gets the block from its first byte */
	f->sent = 0;
	if (kind != FEED_PIPE)
		return -1;
	int p[2];
	if (pipe2(p, O_CLOEXEC) != 0)
		return -1;
	fcntl(p[1], F_SETPIPE_SZ, PIPE_SIZE);
	fcntl(p[1], F_SETFL, O_NONBLOCK);  /* lanes' end: the job has the other */
	f->fd = p[1];
	return p[0];
}

static void pump(struct feed *f);

static void on_writable(int fd, short revents, void *arg)
{
	(void)fd;
	(void)revents;
	pump(arg);
}

/* Writes as much as the pipe takes now; watches for room when it is full. */
static void pump(struct feed *f)
{
	int part = blocks_part_fd(data);
	size_t header_len;
	const char *header = blocks_header(data, &header_len);  /* read with the first block */
	for (;;) {
		struct block *k = f->block;
		size_t total = header_len + block_len(k);
		if (f->done >= total) {
			loop_unwatch(f->fd);
			if (f->written)
				f->written(f);
			return;
		}
		ssize_t n;
		size_t at = f->done - header_len;
		if (f->done < header_len) {
			n = write(f->fd, header + f->done, header_len - f->done);
		} else if (k->data) {
			n = write(f->fd, k->data + at, k->len - at);
		} else {
			loff_t off = k->offset + (off_t)at;
			n = splice(part, &off, f->fd, NULL, (size_t)k->range - at, SPLICE_F_NONBLOCK | SPLICE_F_MOVE);
			if (n == 0) {
				msg_print("block %lu: the file is shorter than when it was cut: %zu of its bytes are missing",
					  k->seq, (size_t)k->range - at);
				n = -1, errno = EIO;
			}
		}
		if (n > 0) {
			f->done += (size_t)n;
			f->sent += (unsigned long long)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			loop_watch(f->fd, POLLOUT, on_writable, f);
			return;
		}
		/* EPIPE: the job has closed its input, which is its right. */
		feed_stop(f);
		return;
	}
}

/* --fifo: a write-only open succeeds once the job has the FIFO open for
 * reading (nothing else of lanes holds it open). */
static void look_for_reader(struct timer_entry *e)
{
	struct feed *f = TIMER_OWNER(e, struct feed, timer);
	f->fd = open(f->path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	if (f->fd < 0) {
		timer_schedule(&f->timer, timer_now() + FIFO_LOOK_NS);
		return;
	}
	pump(f);
}

void feed_start(struct feed *f)
{
	if (kind == FEED_CAT) {
		size_t header_len;
		blocks_header(data, &header_len);
		f->done = header_len + block_len(f->block);  /* in its file already */
		f->sent = f->done;
		return;
	}
	if (kind == FEED_FIFO) {
		look_for_reader(&f->timer);
		return;
	}
	pump(f);
}

void feed_next(struct feed *f, struct block *k)
{
	block_free(f->block);
	f->block = k;
	size_t header_len;
	blocks_header(data, &header_len);
	f->done = header_len;  /* the header goes once, before a job's first block */
	if (!k) {
		feed_stop(f);
		return;
	}
	pump(f);
}

void feed_stop(struct feed *f)
{
	if (kind == FEED_FIFO)
		timer_cancel(&f->timer);
	if (f->fd >= 0) {
		loop_unwatch(f->fd);
		close(f->fd);
	}
	f->fd = -1;
}

void feed_release(struct feed *f)
{
	feed_stop(f);
	if (f->path) {
		unlink(f->path);
		free(f->path);
		f->path = NULL;
	}
	block_free(f->block);
	f->block = NULL;
}
