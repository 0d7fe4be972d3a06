/* alloc.c — owns what happens when memory runs out: one message, exit 255.
 * Every size computation that could overflow is checked here. */
#include "alloc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "options.h"

static void (*last_words)(void);

void alloc_last_words(void (*fn)(void))
{
	last_words = fn;
}

void alloc_failed(void)
{
	static const char text[] = "lanes: out of memory\n";
	if (last_words)
		last_words();
	/* No stdio: it may need memory itself. */
	ssize_t ignored = write(2, text, sizeof text - 1);
	(void)ignored;
	_exit(EXIT_LANES_ERROR);
}

void *xmalloc(size_t size)
{
	void *p = malloc(size ? size : 1);
	if (!p)
		alloc_failed();
	return p;
}

void *xcalloc(size_t count, size_t size)
{
	void *p = calloc(count ? count : 1, size ? size : 1);
	if (!p)
		alloc_failed();
	return p;
}

void *xrealloc(void *p, size_t size)
{
	void *q = realloc(p, size ? size : 1);
	if (!q)
		alloc_failed();
	return q;
}

char *xstrndup(const char *s, size_t len)
{
	if (len == SIZE_MAX)
		alloc_failed();
	char *p = xmalloc(len + 1);
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

void *xgrow(void *p, size_t *cap, size_t need, size_t size)
{
	if (need <= *cap)
		return p;
	size_t n = *cap ? *cap : 16;
	while (n < need) {
		if (n > SIZE_MAX / 2)
			alloc_failed();
		n *= 2;
	}
	if (size && n > SIZE_MAX / size)
		alloc_failed();
	p = xrealloc(p, n * size);
	*cap = n;
	return p;
}
