/* sink.h — lanes' standard output and standard error as destinations
 * that never block: what is given to them waits in a queue (in memory,
 * or as a reference to a spill file) and is written as fast as each
 * descriptor takes it, from the loop. Order is kept per destination, and
 * across both when stdout and stderr are the same file, pipe or terminal. */
#ifndef LANES_SINK_H
#define LANES_SINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Finds how to write fds 1 and 2 without blocking (see sink.c). */
void sink_init(void);

/* Queues a copy of data for fd 1 or 2. */
void sink_append(int fd, const char *data, size_t len);

/* Queues the bytes of a malloc'd buffer, taking the buffer itself when
 * that saves a copy (*buf is then NULL and *cap 0); *len becomes 0. */
void sink_give(int fd, char **buf, size_t *len, size_t *cap);

/* Queues the first `length` bytes of `file`, which the sink now owns. */
void sink_give_file(int fd, int file, off_t length);

/* Writes what the destinations take now; arranges to go on when they
 * can take more. */
void sink_write(void);

/* Bytes waiting in the fuller queue, in memory and in files. */
uint64_t sink_queued(void);

bool sink_empty(void);

/* 0 while stdout takes writes; else the errno of the failed write
 * (EPIPE: the reader went away). What was queued for it is dropped. */
int sink_error(void);

/* When a write last took bytes (monotonic ns); 0: never. */
int64_t sink_last_write(void);

/* Called whenever a queue has become shorter: bytes written, or dropped
 * after a write failed. */
void sink_on_drain(void (*fn)(void));

/* Forgets everything queued. */
void sink_drop(void);

void sink_free(void);

#endif
