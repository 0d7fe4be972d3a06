/* msg.c — formats lanes' own messages and hands each, whole, to the sink
 * of the moment: standard error directly, or the run's output queue. */
#include "msg.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

static void (*current_sink)(const char *, size_t);

void msg_set_sink(void (*sink)(const char *, size_t))
{
	current_sink = sink;
}

void msg_write(const char *text, size_t len)
{
	if (current_sink) {
		current_sink(text, len);
		return;
	}
	while (len > 0) {
		ssize_t n = write(2, text, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;  /* nowhere left to say it */
		text += n;
		len -= (size_t)n;
	}
}

void msg_print(const char *fmt, ...)
{
	char line[4096];
	int n = snprintf(line, sizeof line, "lanes: ");
	va_list ap;
	va_start(ap, fmt);
	int m = vsnprintf(line + n, sizeof line - (size_t)n - 1, fmt, ap);
	va_end(ap);
	size_t len = (size_t)n + (m < 0 ? 0 : (size_t)m);
	if (len > sizeof line - 2)
		len = sizeof line - 2;  /* a very long command line is cut */
	line[len++] = '\n';
	msg_write(line, len);
}
