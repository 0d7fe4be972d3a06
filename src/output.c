/* output.c — owns the bytes jobs write until they are handed to the sink.
 * Each job's stdout and stderr come through pipes (except under
 * --ungroup) into a buffer that stays in memory up to a budget and then
 * spills to an unlinked 0600 temporary file, so a job's output of any size
 * is held whole until it may be passed on. Tags are put in front of each
 * line as the bytes come in. When memory is refused the bytes go to the
 * spill file; when that fails too, that one job's output is lost and the
 * job is marked so (the runner fails it). Knows nothing of processes. */
#include "output.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "loop.h"
#include "machine.h"
#include "msg.h"
#include "sink.h"

#define CHUNK 65536
#define MEMORY_TOTAL (64u << 20)   /* shared by all jobs holding output */
#define MEMORY_MIN (64u << 10)     /* per stream, whatever the job count */
#define MEMORY_MAX (1u << 20)
#define DRAIN_ROUNDS 64            /* at a reap: up to what a pipe holds */
#define PIPE_SIZE (1 << 20)        /* Linux's default pipe-max-size */

static enum output_mode mode;
static bool keep_order;
static size_t budget;              /* bytes a stream keeps in memory */
static bool spill_warned;
static bool paused;                /* too much waits for the reader */
static struct output_stream *open_streams;
static char scratch[CHUNK];

/* Stops reading the jobs while the sink holds too much; goes on once it
 * has drained to the low-water mark. */
static void check_pressure(void)
{
	uint64_t queued = sink_queued();
	bool pause = paused ? queued > OUTPUT_LOW_WATER : queued > OUTPUT_HIGH_WATER;
	if (pause == paused)
		return;
	paused = pause;
	for (struct output_stream *s = open_streams; s; s = s->next)
		loop_set_events(s->fd, paused ? 0 : POLLIN);
}

void output_init(enum output_mode m, bool order, size_t holders)
{
	mode = m;
	keep_order = order;
	size_t share = MEMORY_TOTAL / (2 * (holders ? holders : 1));
	budget = share < MEMORY_MIN ? MEMORY_MIN : share > MEMORY_MAX ? MEMORY_MAX : share;
	sink_init();
	sink_on_drain(check_pressure);
}

void output_end(void)
{
	sink_free();
}

static int which_of(const struct output_stream *s)
{
	return s == &s->job->stream[0] ? 0 : 1;
}

static const char *spill_dir(void)
{
	const char *dir = getenv("TMPDIR");
	return dir && *dir ? dir : "/tmp";
}

static int open_spill(void)
{
	const char *dir = spill_dir();
	int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd < 0) {
		char path[4096];
		snprintf(path, sizeof path, "%s/lanes.XXXXXX", dir);
		fd = mkostemp(path, O_CLOEXEC);
		if (fd >= 0)
			unlink(path);
	}
	if (fd < 0 && !spill_warned) {
		msg_print("cannot make a temporary file in %s (%s): keeping output in memory", dir, strerror(errno));
		spill_warned = true;
	}
	return fd;
}

/* Appends to the spill file; returns how much it took. */
static size_t spill_write(struct output_stream *s, const char *data, size_t len)
{
	size_t done = 0;
	while (done < len) {
		ssize_t n = write(s->spill, data + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (!spill_warned) {
				msg_print("cannot write a temporary file in %s (%s): keeping output in memory", spill_dir(),
					  n < 0 ? strerror(errno) : "short write");
				spill_warned = true;
			}
			break;
		}
		done += (size_t)n;
	}
	s->spilled += (off_t)done;
	return done;
}

/* Moves what memory holds to a new spill file, as far as it takes it; the
 * rest stays in memory, moved to its front: the file has the older bytes. */
static void start_spill(struct output_stream *s)
{
	if ((s->spill = open_spill()) < 0)
		return;
	size_t moved = spill_write(s, s->mem, s->len);
	memmove(s->mem, s->mem + moved, s->len - moved);
	s->len -= moved;
}

static void lose(struct output_job *job)
{
	job->lost = true;
	for (int i = 0; i < 2; i++) {
		struct output_stream *s = &job->stream[i];
		if (s->spill >= 0)
			close(s->spill);
		s->spill = -1;
		s->spilled = 0;
		s->len = 0;
	}
}

/* Room for `len` more bytes in memory; false when memory is refused. */
static bool make_room(struct output_stream *s, size_t len)
{
	if (len <= s->cap - s->len)
		return true;
	size_t cap = s->cap ? s->cap : 4096;
	while (cap - s->len < len) {
		if (cap > SIZE_MAX / 2)
			return false;
		cap *= 2;
	}
	char *grown = realloc(s->mem, cap);
	if (!grown)
		return false;
	s->mem = grown;
	s->cap = cap;
	return true;
}

/* Holds bytes: in memory up to the budget, then in the spill file. Once a
 * stream has spilled, memory holds only what the file would not take. */
static void hold(struct output_stream *s, const char *data, size_t len)
{
	if (s->job->lost)
		return;
	if (s->spill < 0 && s->len + len > budget && !spill_warned)
		start_spill(s);
	for (int attempt = 0; attempt < 2; attempt++) {
		if (s->spill >= 0 && s->len == 0) {
			size_t took = spill_write(s, data, len);
			data += took;
			len -= took;
			if (len == 0)
				return;
		}
		if (make_room(s, len)) {
			memcpy(s->mem + s->len, data, len);
			s->len += len;
			return;
		}
		if (s->spill >= 0 || attempt)
			break;
		start_spill(s);  /* memory refused: the disk must take it */
	}
	lose(s->job);
}

/* Passes bytes on: to the sink (`now`) or into the stream's hold. */
static void deliver(struct output_stream *s, const char *data, size_t len, bool now)
{
	if (now)
		sink_append(which_of(s) + 1, data, len);
	else
		hold(s, data, len);
}

#define COLOR_RESET "\033[0m"

const char output_failed_color[] = "\033[37;41m";

const char *output_color(unsigned long seq)
{
	/* readable pairs: black or white on a colour, not white on yellow */
	static const char *const colors[] = {
		"\033[30;41m", "\033[30;42m", "\033[30;43m", "\033[30;44m", "\033[30;45m", "\033[30;46m",
		"\033[37;41m", "\033[37;42m", "\033[37;44m", "\033[37;45m", "\033[37;46m",
	};
	return colors[seq % (sizeof colors / sizeof colors[0])];
}

/* Passes bytes on, starting each line with the colour and the tag when
 * there are, and ending a coloured one with the reset. */
static void put(struct output_stream *s, const char *data, size_t len, bool now)
{
	const struct output_job *job = s->job;
	if (job->defer || (!job->tag && !job->color)) {
		deliver(s, data, len, now);
		return;
	}
	while (len > 0) {
		if (!s->mid_line) {
			if (job->color)
				deliver(s, job->color, strlen(job->color), now);
			if (job->tag) {
				deliver(s, job->tag, job->tag_len, now);
				deliver(s, "\t", 1, now);
			}
		}
		const char *nl = memchr(data, '\n', len);
		size_t n = nl ? (size_t)(nl - data) + 1 : len;
		if (nl && job->color) {
			deliver(s, data, n - 1, now);
			deliver(s, COLOR_RESET "\n", sizeof COLOR_RESET, now);
		} else {
			deliver(s, data, n, now);
		}
		s->mid_line = !nl;
		data += n;
		len -= n;
	}
}

/* Hands everything the stream holds to the sink: the file, then memory. */
static void release(struct output_stream *s)
{
	int fd = which_of(s) + 1;
	if (s->spill >= 0) {
		sink_give_file(fd, s->spill, s->spilled);
		s->spill = -1;
		s->spilled = 0;
	}
	if (s->len)
		sink_give(fd, &s->mem, &s->len, &s->cap);
}

/* Bytes just read from the job's stream, by the mode's rules. */
/* Bytes of the job's stream, as the mode passes them on. */
static void pass(struct output_stream *s, const char *data, size_t len)
{
	struct output_job *job = s->job;
	int which = which_of(s);
	if (job->live && (mode == OUTPUT_LINE || which == 0)) {
		put(s, data, len, true);
	} else if (mode == OUTPUT_LINE && !keep_order) {
		/* Whole lines only: what ends with the last newline goes now. */
		const char *nl = memrchr(data, '\n', len);
		size_t whole = nl ? (size_t)(nl - data) + 1 : 0;
		if (whole) {
			release(s);
			put(s, data, whole, true);
		}
		if (whole < len)
			put(s, data + whole, len - whole, false);
	} else {
		put(s, data, len, false);
	}
	check_pressure();
}

static void take(struct output_stream *s, const char *data, size_t len)
{
	if (which_of(s) == 0)
		s->job->received += len;
	pass(s, data, len);
}

/* Stops watching the stream and takes it off the open list; its read end
 * is the caller's to close. */
static void forget_stream(struct output_stream *s)
{
	if (s->fd < 0)
		return;
	loop_unwatch(s->fd);
	s->fd = -1;
	if (s->prev)
		s->prev->next = s->next;
	else
		open_streams = s->next;
	if (s->next)
		s->next->prev = s->prev;
	s->prev = s->next = NULL;
}

static void close_stream(struct output_stream *s)
{
	if (s->write_fd >= 0)
		close(s->write_fd);
	s->write_fd = -1;
	int fd = s->fd;
	forget_stream(s);
	if (fd >= 0)
		close(fd);
}

static void on_readable(int fd, short revents, void *arg)
{
	struct output_stream *s = arg;
	if (revents & POLLIN) {
		ssize_t n = read(fd, scratch, sizeof scratch);
		if (n > 0) {
			/* A job that fills its pipe writes a lot: a bigger pipe
			 * wakes lanes less often (one call, for such jobs only). */
			if ((size_t)n == sizeof scratch && !s->enlarged) {
				fcntl(fd, F_SETPIPE_SZ, PIPE_SIZE);
				s->enlarged = true;
			}
			take(s, scratch, (size_t)n);
			return;
		}
	}
	/* An error: lanes holds a write end, so never a hang-up before the
	 * reap. Nothing more will come from it. */
	close_stream(s);
}

void output_job_init(struct output_job *job)
{
	memset(job, 0, sizeof *job);
	for (int i = 0; i < 2; i++) {
		struct output_stream *s = &job->stream[i];
		s->fd = s->write_fd = s->spill = -1;
		s->job = job;
	}
}

int output_open(struct output_job *job, int child[2])
{
	child[0] = child[1] = -1;
	for (int i = 0; i < 2; i++) {
		struct output_stream *s = &job->stream[i];
		s->fd = s->write_fd = s->spill = -1;
		s->spilled = 0;
		s->len = 0;
		s->mid_line = s->enlarged = false;
		s->job = job;
	}
	job->live = job->lost = false;
	job->received = 0;
	if (mode == OUTPUT_UNGROUP)
		return 0;
	for (int i = 0; i < 2; i++) {
		int p[2];
		if (pipe2(p, O_CLOEXEC) != 0) {
			int e = errno;
			output_discard(job);
			child[0] = child[1] = -1;
			return e;
		}
		struct output_stream *s = &job->stream[i];
		s->fd = p[0];
		s->write_fd = child[i] = p[1];
		s->next = open_streams;
		if (open_streams)
			open_streams->prev = s;
		open_streams = s;
		loop_watch(s->fd, paused ? 0 : POLLIN, on_readable, s);
	}
	return 0;
}

/* The job is dead, so what its pipes hold now can only shrink (a process
 * it left behind may add to it: that is not the job's). lanes still holds
 * the write ends, so a read never sees end of file: a pipe is read only
 * while poll() says it has bytes, and is done after a short read. Then
 * the four descriptors go, in one call when they are consecutive. */
void output_reaped(struct output_job *job)
{
	struct pollfd p[2];
	struct output_stream *open[2];
	int n = 0;
	for (int i = 0; i < 2; i++) {
		struct output_stream *s = &job->stream[i];
		if (s->fd >= 0) {
			open[n] = s;
			p[n++] = (struct pollfd){ .fd = s->fd, .events = POLLIN };
		}
	}
	for (int round = 0; n > 0 && round < DRAIN_ROUNDS && poll(p, (nfds_t)n, 0) > 0; round++) {
		int left = 0;
		for (int i = 0; i < n; i++) {
			ssize_t got = p[i].revents & POLLIN ? read(p[i].fd, scratch, sizeof scratch) : 0;
			if (got > 0)
				take(open[i], scratch, (size_t)got);
			if ((size_t)got == sizeof scratch) {
				open[left] = open[i];
				p[left++] = (struct pollfd){ .fd = p[i].fd, .events = POLLIN };
			}
		}
		n = left;
	}
	int fds[4], count = 0;
	for (int i = 0; i < 2; i++) {
		struct output_stream *s = &job->stream[i];
		if (s->fd >= 0)
			fds[count++] = s->fd;
		if (s->write_fd >= 0)
			fds[count++] = s->write_fd;
		s->write_fd = -1;
		forget_stream(s);
	}
	machine_close_fds(fds, count);
}

void output_go_live(struct output_job *job)
{
	if (job->defer)
		return;
	job->live = true;
	release(&job->stream[0]);
	if (mode == OUTPUT_LINE)
		release(&job->stream[1]);
	check_pressure();
}

/* A `defer` stream's held bytes again, through put() now that the job's
 * colour is known; it then knows whether its last line is unended. */
static void decorate_held(struct output_stream *s)
{
	int spill = s->spill;
	off_t spilled = s->spilled;
	char *mem = s->mem;
	size_t len = s->len;
	s->spill = -1;
	s->spilled = 0;
	s->mem = NULL;
	s->len = s->cap = 0;
	s->mid_line = false;
	char last = '\n';
	if (spill >= 0) {
		static char buf[1 << 16];
		off_t at = 0;
		while (at < spilled) {
			size_t want = spilled - at < (off_t)sizeof buf ? (size_t)(spilled - at) : sizeof buf;
			ssize_t n = pread(spill, buf, want, at);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				break;
			put(s, buf, (size_t)n, false);
			last = buf[n - 1];
			at += n;
		}
		close(spill);
	}
	if (len) {
		put(s, mem, len, false);
		last = mem[len - 1];
	}
	free(mem);
	s->mid_line = last != '\n';
}

void output_flush(struct output_job *job)
{
	bool defer = job->defer;
	job->defer = false;
	for (int i = 0; i < 2; i++) {
		struct output_stream *s = &job->stream[i];
		if (defer)
			decorate_held(s);
		release(s);
		if ((job->tag || job->color || defer) && s->mid_line) {
			/* A tagged last line without newline gets one, so the next
			 * job's tag starts a line of its own. */
			if (job->color)
				sink_append(i + 1, COLOR_RESET, sizeof COLOR_RESET - 1);
			sink_append(i + 1, "\n", 1);
			s->mid_line = false;
		}
	}
	check_pressure();
}

void output_discard(struct output_job *job)
{
	for (int i = 0; i < 2; i++) {
		struct output_stream *s = &job->stream[i];
		close_stream(s);
		if (s->spill >= 0)
			close(s->spill);
		s->spill = -1;
		s->spilled = 0;
		s->len = 0;
		s->mid_line = false;
	}
	job->lost = false;
}

void output_free(struct output_job *job)
{
	output_discard(job);
	for (int i = 0; i < 2; i++) {
		free(job->stream[i].mem);
		job->stream[i].mem = NULL;
		job->stream[i].cap = 0;
	}
}

void output_text(int fd, const char *text, size_t len)
{
	sink_append(fd, text, len);
	check_pressure();
}

void output_job_line(struct output_job *job, const char *text, size_t len)
{
	if (mode == OUTPUT_UNGROUP) {
		output_note(1, text, len);
		return;
	}
	pass(&job->stream[0], text, len);
	pass(&job->stream[0], "\n", 1);
}

void output_note(int fd, const char *text, size_t len)
{
	sink_append(fd, text, len);
	output_text(fd, "\n", 1);
}

void output_message(const char *text, size_t len)
{
	output_text(2, text, len);
}

bool output_busy(void)
{
	return paused;
}

bool output_done(void)
{
	return sink_empty();
}

void output_write(void)
{
	sink_write();
}

int output_error(void)
{
	return sink_error();
}

bool output_reader_gone(void)
{
	struct pollfd p = { .fd = 1, .events = POLLOUT };
	return poll(&p, 1, 0) == 1 && (p.revents & POLLERR);
}

int64_t output_last_write(void)
{
	return sink_last_write();
}
