/* pace.h — when the next job may start: --delay, --rate, --load and
 * --memfree, and when a failed one is tried again. The runner asks before each start and, when told to wait,
 * sets a timer for the time given: nothing here ever busy-waits. */
#ifndef LANES_PACE_H
#define LANES_PACE_H

#include <stdbool.h>
#include <stdint.h>

#include "options.h"

void pace_init(const struct options *opts, long slots);

void pace_end(void);

/* True when any pacing option is in force. */
bool pace_active(void);

/* 0 when a job may start at `now` (monotonic ns); otherwise the time to
 * ask again. */
int64_t pace_next_start(int64_t now);

/* A job has just started. */
void pace_started(int64_t now);

/* The wait before retry number `retry` (1 for the first): --retry-delay,
 * doubled for each retry before, capped at 5 minutes, plus up to a
 * quarter more at random. */
int64_t pace_retry_delay(int retry);

/* The wait before rerun number `rerun` of a throttled job: the same
 * schedule, from --retry-delay or else 100 ms. */
int64_t pace_throttle_delay(long rerun);

/* Runnable processes on the machine (lanes not counted) and available
 * memory in bytes, from /proc; -1 when unreadable. Public for tests. */
long pace_runnable(void);
long long pace_memory_available(void);

#endif
