/* timer.h — deadlines: a min-heap of entries and one POSIX timer that
 * raises SIGALRM at the earliest. Owners embed a struct timer_entry. */
#ifndef LANES_TIMER_H
#define LANES_TIMER_H

#include <stddef.h>
#include <stdint.h>

struct timer_entry {
	int64_t deadline;  /* CLOCK_MONOTONIC, ns */
	size_t index;      /* position in the heap; TIMER_IDLE when not queued */
};

#define TIMER_IDLE ((size_t)-1)

/* Creates the POSIX timer. Returns 0, or -1 with errno set. */
int timer_init(void);

/* Now, on the monotonic clock, in ns. */
int64_t timer_now(void);

/* Queues `e` for `deadline`, or moves it there if it is already queued. */
void timer_schedule(struct timer_entry *e, int64_t deadline);

/* Takes `e` out of the queue if it is in it. */
void timer_cancel(struct timer_entry *e);

/* Removes and returns the earliest entry if its deadline is <= now. */
struct timer_entry *timer_take_expired(int64_t now);

/* Arms the POSIX timer for the earliest deadline (or disarms it). Cheap
 * when the earliest deadline has not changed since the last call. */
void timer_rearm(void);

/* Tells the module its one-shot timer has gone off (SIGALRM came), so the
 * next timer_rearm sets it again even for the same deadline. */
void timer_fired(void);

#endif
