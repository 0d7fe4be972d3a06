/* input.h — the stream of input items. Sources (standard input, files,
 * ::: lists) combine as a product or pair up; items are cut at the
 * delimiter, split by --colsep, and grouped -n at a time. Items are handed
 * out one at a time, only as fast as the runner asks for them. */
#ifndef LANES_INPUT_H
#define LANES_INPUT_H

#include <stdbool.h>
#include <stddef.h>

#include "options.h"
#include "status.h"

struct arg {
	const char *ptr;   /* not NUL-terminated */
	size_t len;
};

/* One job's arguments, valid until the next call into this module, and
 * its number in input order (its {#}, LANES_SEQ and joblog Seq). */
struct input_item {
	struct arg *args;
	size_t count;
	unsigned long seq;
};

struct input;

/* Opens the sources of `opts` (standard input when there are none) and
 * reads whole every source that cannot be streamed: all but the first,
 * and all of them under --link. With --resume the items the joblog has
 * are skipped (their numbers stay taken); with --retry-failed the items
 * are the joblog's failed command lines, each with its own number.
 * Returns NULL after printing a message when a source or the joblog
 * cannot be read. */
struct input *input_open(const struct options *opts);

/* The next item. INPUT_AGAIN: wait until input_fd() is readable, then
 * call input_fill() and ask again. With no command, an item that is all
 * blanks is no job and is passed over without a number. */
enum input_status input_next(struct input *in, struct input_item *item);

/* The descriptor to wait on, or -1 when there is nothing to wait for. */
int input_fd(const struct input *in);

/* One read(); never blocks after poll said readable. Returns 0, or -1
 * after printing a message (the input then ends). */
int input_fill(struct input *in);

/* Reads everything now (for --halt N%, which needs the total) and returns
 * the number of items, or -1 on a read error. */
long input_count_all(struct input *in);

/* -m, -X: each job takes input tuples while the command line they make
 * stays shorter than `budget` bytes, and at most `most` of them. `length`
 * gives the line's length with a job's first tuple, `growth` what each
 * next one adds; `ctx` is passed to both. A first tuple over the budget
 * is still taken, alone. */
struct input_packing {
	long most;
	size_t budget;
	size_t (*length)(void *ctx, const struct arg *args, size_t count);
	size_t (*growth)(void *ctx, const struct arg *args, size_t count);
	void *ctx;
};
void input_pack(struct input *in, const struct input_packing *packing);

/* --header: the column names its sources began with, in the order of
 * the arguments they name; valid until input_close. */
const char *const *input_column_names(const struct input *in, size_t *count);

/* The number of jobs, when it can be known without consuming the input
 * (lists, files; not a pipe), less those --resume skips; -1 otherwise. */
long input_total(struct input *in);

/* --shuf: reads all of the input now and hands its tuples out in a
 * random order (before -n groups them). 0, or -1 on a read error. */
int input_shuffle(struct input *in);

void input_close(struct input *in);

#endif
