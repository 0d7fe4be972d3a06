/* alloc.h — memory for lanes' own bookkeeping. When the system refuses,
 * lanes cannot go on: these print "lanes: out of memory" and exit 255
 * (jobs still running get their parent-death signal). A job's output is
 * not kept through these: output.c spills it or fails that job alone. */
#ifndef LANES_ALLOC_H
#define LANES_ALLOC_H

#include <stddef.h>

void *xmalloc(size_t size);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *p, size_t size);
char *xstrndup(const char *s, size_t len);

/* Makes room for `need` elements of `size` bytes in the array p of
 * capacity *cap (in elements), doubling; overflow is out of memory. */
void *xgrow(void *p, size_t *cap, size_t need, size_t size);

/* The exit for any allocation that cannot fail gracefully. */
void alloc_failed(void) __attribute__((noreturn));

/* What alloc_failed() does before it exits: it must neither allocate nor
 * print (giving back jobserver tokens). */
void alloc_last_words(void (*fn)(void));

#endif
