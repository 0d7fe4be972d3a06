/* msg.h — lanes' own messages: "lanes: what: why" lines on standard error.
 * Before and after a run they are written at once; during a run they join
 * the queue of standard error (output.c), so that lanes never blocks on a
 * slow reader of its stderr and its lines keep their place among the
 * jobs' output. */
#ifndef LANES_MSG_H
#define LANES_MSG_H

#include <stddef.h>

/* Prints "lanes: " and the formatted text, and a newline. */
void msg_print(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Prints `len` bytes as they are (a progress line, its \r). */
void msg_write(const char *text, size_t len);

/* Where messages go during a run: `sink` takes each one whole. NULL
 * sends them straight to standard error again. */
void msg_set_sink(void (*sink)(const char *text, size_t len));

#endif
