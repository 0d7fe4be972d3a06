/* input.h — the stream of input items: read in large blocks, handed out
 * one at a time, and only as fast as the runner asks for them. */
#ifndef LANES_INPUT_H
#define LANES_INPUT_H

#include <stddef.h>

struct input;

enum input_status { INPUT_ITEM, INPUT_AGAIN, INPUT_END, INPUT_ERROR };

/* Items separated by `delimiter` read from `fd` (not closed). */
struct input *input_open(int fd, const char *name, char delimiter);

/* The next item, valid until the next call. INPUT_AGAIN: nothing is
 * buffered; wait until input_fd() is readable, then call input_fill(). */
enum input_status input_next(struct input *in, const char **item, size_t *len);

/* The descriptor to wait on, or -1 when there is nothing to wait for. */
int input_fd(const struct input *in);

/* One read() into the buffer; never blocks after poll said readable.
 * Returns 0, or -1 after printing a message (the input is then ended). */
int input_fill(struct input *in);

/* Reads everything now (for figures that need the total, like
 * --halt fail=N%) and returns the number of items, or -1 on error. */
long input_read_all(struct input *in);

void input_close(struct input *in);

#endif
