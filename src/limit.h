/* limit.h — how many jobs may run at once, while the run goes on: the
 * number -j gave, or the one -j FILE holds (read again as jobs end), or
 * the one -j auto learns (adapt.h). It sets slots.c's target. */
#ifndef LANES_LIMIT_H
#define LANES_LIMIT_H

#include <stdbool.h>
#include <stdint.h>

struct limit_spec {
	bool adaptive;          /* -j auto */
	long min, max;          /* its range */
	const char *file;       /* -j FILE; NULL: none */
	const char *option;     /* -j as the user typed it, for messages */
	const char *log;        /* --limit-log FILE; NULL: none */
	long fixed;             /* otherwise: the number */
	long cpus;              /* usable CPUs */
};

/* The limit to start with, at most `cap` (what descriptors and shared
 * slots allow); -1 after a message when -j FILE or --limit-log cannot be
 * used. Before slots_init, which is given the result. */
long limit_init(const struct limit_spec *spec, long cap, int64_t now);

/* An attempt ended, not throttled: it started at `started` and used
 * `cpu_ns` of CPU; `full`: every slot was in use. */
void limit_job_ended(int64_t now, int64_t started, int64_t cpu_ns, bool full);

/* An attempt that started at `started` was throttled (--throttle-exit). */
void limit_throttled(int64_t now, int64_t started);

/* True when the limit may move (-j auto, -j FILE); then the lowest and
 * highest it has been. */
bool limit_moves(void);
void limit_range(long *lowest, long *highest);

/* The run is over: --limit-log's last line, with the final limit. */
void limit_end(int64_t now);

#endif
