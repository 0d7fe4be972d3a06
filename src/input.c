/* input.c — reads items from a descriptor in 64 KiB blocks and cuts them at
 * the delimiter. It holds only the unread part of the input, so endless
 * input runs in constant memory; the runner decides when to read. A last
 * item without a delimiter still counts. Knows nothing of commands. */
#include "input.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define INPUT_BLOCK 65536

struct input {
	int fd;
	const char *name;
	char delimiter;
	char *buf;
	size_t start, end, cap;  /* unread bytes are buf[start..end) */
	size_t scanned;          /* buf[start..scanned) holds no delimiter */
	bool eof;
	bool keep_all;           /* input_read_all: never compact */
};

struct input *input_open(int fd, const char *name, char delimiter)
{
	struct input *in = calloc(1, sizeof *in);
	if (!in)
		abort();
	in->fd = fd;
	in->name = name;
	in->delimiter = delimiter;
	return in;
}

int input_fd(const struct input *in)
{
	return in->eof ? -1 : in->fd;
}

/* Makes room for one more block, compacting before growing. */
static void make_room(struct input *in)
{
	if (in->start > 0 && !in->keep_all) {
		memmove(in->buf, in->buf + in->start, in->end - in->start);
		in->end -= in->start;
		in->scanned -= in->start;
		in->start = 0;
	}
	if (in->cap - in->end >= INPUT_BLOCK / 2)
		return;
	size_t cap = in->cap ? in->cap * 2 : INPUT_BLOCK;
	while (cap - in->end < INPUT_BLOCK / 2)
		cap *= 2;
	char *grown = realloc(in->buf, cap);
	if (!grown)
		abort();
	in->buf = grown;
	in->cap = cap;
}

int input_fill(struct input *in)
{
	if (in->eof)
		return 0;
	make_room(in);
	ssize_t n;
	do
		n = read(in->fd, in->buf + in->end, in->cap - in->end);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		if (errno == EAGAIN)
			return 0;
		fprintf(stderr, "lanes: %s: %s\n", in->name, strerror(errno));
		in->eof = true;
		return -1;
	}
	if (n == 0)
		in->eof = true;
	in->end += (size_t)n;
	return 0;
}

enum input_status input_next(struct input *in, const char **item, size_t *len)
{
	if (in->scanned < in->start)
		in->scanned = in->start;
	char *hit = memchr(in->buf + in->scanned, in->delimiter, in->end - in->scanned);
	if (hit) {
		*item = in->buf + in->start;
		*len = (size_t)(hit - *item);
		in->start = in->scanned = (size_t)(hit - in->buf) + 1;
		return INPUT_ITEM;
	}
	in->scanned = in->end;
	if (!in->eof)
		return INPUT_AGAIN;
	if (in->start < in->end) {
		*item = in->buf + in->start;
		*len = in->end - in->start;
		in->start = in->scanned = in->end;
		return INPUT_ITEM;
	}
	return INPUT_END;
}

long input_read_all(struct input *in)
{
	in->keep_all = true;
	while (!in->eof)
		if (input_fill(in) != 0)
			return -1;
	long count = 0;
	for (size_t i = in->start; i < in->end; i++)
		if (in->buf[i] == in->delimiter)
			count++;
	if (in->end > in->start && in->buf[in->end - 1] != in->delimiter)
		count++;
	return count;
}

void input_close(struct input *in)
{
	if (in) {
		free(in->buf);
		free(in);
	}
}
