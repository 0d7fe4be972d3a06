/* feed.h — a job's standard input under --pipe: its block (after the
 * header), written by the loop without ever blocking, through a pipe, or
 * a named pipe (--fifo), or put in a file first (--cat). A job that
 * exits, or closes its input, before it has read the block is normal. */
#ifndef LANES_FEED_H
#define LANES_FEED_H

#include <stdbool.h>
#include <stddef.h>

#include "blocks.h"
#include "timer.h"

enum feed_kind { FEED_PIPE, FEED_CAT, FEED_FIFO };

struct feed {
	struct block *block;
	int fd;              /* lanes' end: the pipe's write side, or the FIFO; -1 */
	size_t done;         /* bytes of the header and block written */
	unsigned long long sent;  /* bytes given to this attempt of the job, all blocks */
	unsigned long fed;   /* --round-robin: when it was last given a block */
	char *path;          /* --cat, --fifo: the file the job names as {} */
	struct timer_entry timer;  /* --fifo: look again for the job's reader */
	void (*written)(struct feed *f);  /* the block is all written */
};

/* What every feed shares: the data's header and --pipepart file. */
void feed_init(struct blocks *data, enum feed_kind kind);

/* Gives f its block; for --cat writes it to a new file, for --fifo makes
 * the FIFO (f->path). Returns 0, or an errno after a message. */
int feed_prepare(struct feed *f, struct block *k);

/* The job's standard input, just before it starts: the read side of a new
 * pipe (the caller closes it once the job has it), or -1 (/dev/null). */
int feed_open(struct feed *f);

/* The job has started: the block is written from its first byte on;
 * `written` is called once it all is (not for --cat). */
void feed_start(struct feed *f);

/* A further block for the same job (--round-robin), once the last one
 * was written. NULL: no more, the job's input ends. */
void feed_next(struct feed *f, struct block *k);

/* The job has ended, or is to run again: no more writing. */
void feed_stop(struct feed *f);

/* Done with the block: its file removed, its memory freed. */
void feed_release(struct feed *f);

#endif
