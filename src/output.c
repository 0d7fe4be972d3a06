/* output.c — owns the bytes jobs write. Each job's stdout and stderr come
 * through pipes (except under --ungroup) into a buffer that stays in memory
 * up to a budget and then spills to an unlinked 0600 temporary file, so a
 * job's output of any size is held whole until it may be written. Writing
 * to lanes' stdout is the only thing that can block here; a failed write
 * is remembered once for the runner to act on. Knows nothing of processes. */
#include "output.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <unistd.h>

#define CHUNK 65536
#define MEMORY_TOTAL (64u << 20)   /* shared by all jobs holding output */
#define MEMORY_MIN (64u << 10)     /* per stream, whatever the job count */
#define MEMORY_MAX (1u << 20)

static enum output_mode mode;
static bool keep_order;
static size_t budget;              /* bytes a stream keeps in memory */
static int write_errno;            /* first failed write to stdout */
static bool spill_warned;
static char scratch[CHUNK];

/* Staged bytes for one destination, so tagged lines leave in few writes. */
static char staged[CHUNK];
static size_t staged_len;
static int staged_fd = -1;

void output_init(const struct options *opts, size_t records)
{
	mode = opts->output;
	keep_order = opts->keep_order;
	size_t share = MEMORY_TOTAL / (2 * (records ? records : 1));
	budget = share < MEMORY_MIN ? MEMORY_MIN : share > MEMORY_MAX ? MEMORY_MAX : share;
}

int output_error(void)
{
	return write_errno;
}

/* For an output someone else made non-blocking. */
static void wait_writable(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLOUT };
	poll(&p, 1, -1);
}

/* Writes all of data to fd. Failures on stdout are remembered (and end all
 * further output); stderr's are ignored: there is nowhere to report them. */
static void write_all(int fd, const char *data, size_t len)
{
	if (fd == 1 && write_errno)
		return;
	while (len > 0) {
		ssize_t n = write(fd, data, len);
		if (n >= 0) {
			data += n;
			len -= (size_t)n;
			continue;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN) {
			wait_writable(fd);
			continue;
		}
		if (fd == 1)
			write_errno = errno;
		return;
	}
}

static void stage_flush(void)
{
	if (staged_len)
		write_all(staged_fd, staged, staged_len);
	staged_len = 0;
}

static void stage(int fd, const char *data, size_t len)
{
	if (fd != staged_fd) {
		stage_flush();
		staged_fd = fd;
	}
	if (len >= sizeof staged) {
		stage_flush();
		write_all(fd, data, len);
		return;
	}
	if (staged_len + len > sizeof staged)
		stage_flush();
	memcpy(staged + staged_len, data, len);
	staged_len += len;
}

/* Writes data from stream `which` of the job to lanes' own stdout or
 * stderr, starting each line with the tag when there is one. */
static void emit(struct output_job *job, int which, const char *data, size_t len)
{
	int fd = which + 1;
	struct output_stream *s = &job->stream[which];
	if (len == 0)
		return;
	if (!job->tag) {
		stage(fd, data, len);
		return;
	}
	while (len > 0) {
		if (!s->mid_line) {
			stage(fd, job->tag, job->tag_len);
			stage(fd, "\t", 1);
		}
		const char *nl = memchr(data, '\n', len);
		size_t n = nl ? (size_t)(nl - data) + 1 : len;
		stage(fd, data, n);
		s->mid_line = !nl;
		data += n;
		len -= n;
	}
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
		fprintf(stderr, "lanes: cannot make a temporary file in %s (%s): keeping output in memory\n",
			dir, strerror(errno));
		spill_warned = true;
	}
	return fd;
}

/* Writes to the spill file; on failure keeps the bytes in memory instead. */
static void spill_write(struct output_stream *s, const char *data, size_t len);

static void keep_in_memory(struct output_stream *s, const char *data, size_t len)
{
	if (s->len + len > s->cap) {
		size_t cap = s->cap ? s->cap : 4096;
		while (cap < s->len + len)
			cap *= 2;
		char *grown = realloc(s->mem, cap);
		if (!grown)
			abort();
		s->mem = grown;
		s->cap = cap;
	}
	memcpy(s->mem + s->len, data, len);
	s->len += len;
}

static void spill_write(struct output_stream *s, const char *data, size_t len)
{
	while (len > 0) {
		ssize_t n = write(s->spill, data, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (!spill_warned) {
				fprintf(stderr, "lanes: cannot write a temporary file in %s (%s): keeping output in memory\n",
					spill_dir(), n < 0 ? strerror(errno) : "short write");
				spill_warned = true;
			}
			keep_in_memory(s, data, len);
			return;
		}
		data += n;
		len -= (size_t)n;
	}
}

/* Holds bytes: in memory up to the budget, then in the spill file. Once a
 * stream has spilled, its memory part is written out first, so the file
 * always holds the older bytes and memory the newer. */
static void hold(struct output_stream *s, const char *data, size_t len)
{
	if (s->spill < 0 && s->len + len > budget && !spill_warned) {
		s->spill = open_spill();
		if (s->spill >= 0 && s->len) {
			size_t old = s->len;
			s->len = 0;
			spill_write(s, s->mem, old);
		}
	}
	if (s->spill >= 0 && s->len == 0)
		spill_write(s, data, len);
	else
		keep_in_memory(s, data, len);
}

/* Copies the spill file of stream `which` out: with sendfile when the
 * bytes go out unchanged, through memory when lines need their tag. */
static void release_spill(struct output_job *job, int which)
{
	struct output_stream *s = &job->stream[which];
	int fd = which + 1;
	bool plain = !job->tag;
	off_t offset = 0;
	stage_flush();
	while (!(fd == 1 && write_errno)) {
		ssize_t n;
		if (plain) {
			n = sendfile(fd, s->spill, &offset, 1 << 30);
			if (n > 0 || (n < 0 && errno == EINTR))
				continue;
			if (n == 0)
				break;
			if (errno == EAGAIN) {
				wait_writable(fd);
				continue;
			}
			if (errno != EINVAL && errno != ENOSYS) {
				if (fd == 1)
					write_errno = errno;
				break;
			}
			plain = false;  /* sendfile cannot write there: copy through memory */
		}
		n = pread(s->spill, scratch, sizeof scratch, offset);
		if (n <= 0)
			break;
		offset += n;
		emit(job, which, scratch, (size_t)n);
	}
	close(s->spill);
	s->spill = -1;
}

/* Writes out everything stream `which` holds and empties it. */
static void release(struct output_job *job, int which)
{
	struct output_stream *s = &job->stream[which];
	if (s->spill >= 0)
		release_spill(job, which);
	emit(job, which, s->mem, s->len);
	s->len = 0;
}

int output_open(struct output_job *job, int child[2])
{
	child[0] = child[1] = -1;
	for (int i = 0; i < 2; i++) {
		struct output_stream *s = &job->stream[i];
		s->fd = -1;
		s->spill = -1;
		s->len = 0;
		s->mid_line = false;
	}
	job->live = false;
	job->received = 0;
	if (mode == OUTPUT_UNGROUP)
		return 0;
	for (int i = 0; i < 2; i++) {
		int p[2];
		if (pipe2(p, O_CLOEXEC) != 0) {
			int e = errno;
			output_discard(job);
			output_close_child(child);
			return e;
		}
		job->stream[i].fd = p[0];
		child[i] = p[1];
	}
	return 0;
}

void output_close_child(int child[2])
{
	for (int i = 0; i < 2; i++)
		if (child[i] >= 0) {
			close(child[i]);
			child[i] = -1;
		}
}

bool output_open_streams(const struct output_job *job)
{
	return job->stream[0].fd >= 0 || job->stream[1].fd >= 0;
}

bool output_read(struct output_job *job, int which)
{
	struct output_stream *s = &job->stream[which];
	ssize_t n;
	do
		n = read(s->fd, scratch, sizeof scratch);
	while (n < 0 && errno == EINTR);
	if (n < 0 && errno == EAGAIN)
		return false;
	if (n <= 0) {
		close(s->fd);
		s->fd = -1;
		return false;
	}
	size_t len = (size_t)n;
	if (which == 0)
		job->received += len;
	bool raw = job->live && (mode == OUTPUT_LINE || which == 0);
	if (raw) {
		emit(job, which, scratch, len);
		stage_flush();
	} else if (mode == OUTPUT_LINE && !keep_order) {
		/* Whole lines only: what ends with the last newline goes out now. */
		const char *nl = memrchr(scratch, '\n', len);
		if (!nl) {
			hold(s, scratch, len);
			return true;
		}
		size_t whole = (size_t)(nl - scratch) + 1;
		release(job, which);
		emit(job, which, scratch, whole);
		stage_flush();
		if (whole < len)
			hold(s, scratch + whole, len - whole);
	} else {
		hold(s, scratch, len);
	}
	return true;
}

void output_stop_reading(struct output_job *job)
{
	for (int i = 0; i < 2; i++) {
		struct output_stream *s = &job->stream[i];
		if (s->fd < 0)
			continue;
		fcntl(s->fd, F_SETFL, O_NONBLOCK);
		while (s->fd >= 0 && output_read(job, i))
			;
		if (s->fd >= 0) {
			close(s->fd);
			s->fd = -1;
		}
	}
}

void output_go_live(struct output_job *job)
{
	job->live = true;
	release(job, 0);
	if (mode == OUTPUT_LINE)
		release(job, 1);
	stage_flush();
}

void output_flush(struct output_job *job)
{
	for (int i = 0; i < 2; i++) {
		release(job, i);
		if (job->tag && job->stream[i].mid_line) {
			/* A tagged last line without newline gets one, so the next
			 * job's tag starts a line of its own. */
			stage(i + 1, "\n", 1);
			job->stream[i].mid_line = false;
		}
	}
	stage_flush();
}

void output_discard(struct output_job *job)
{
	for (int i = 0; i < 2; i++) {
		struct output_stream *s = &job->stream[i];
		if (s->fd >= 0)
			close(s->fd);
		if (s->spill >= 0)
			close(s->spill);
		s->fd = s->spill = -1;
		s->len = 0;
	}
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

void output_note(int fd, const char *text, size_t len)
{
	stage(fd, text, len);
	stage(fd, "\n", 1);
	stage_flush();
}
