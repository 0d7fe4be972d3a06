/* timer.h — deadlines: a min-heap of entries and one POSIX timer that
 * raises SIGALRM at the earliest. Owners embed a struct timer_entry and
 * give it the function the loop calls when its deadline has passed. */
#ifndef LANES_TIMER_H
#define LANES_TIMER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct timer_entry {
	int64_t deadline;  /* CLOCK_MONOTONIC, ns */
	size_t index;      /* position in the heap; TIMER_IDLE when not queued */
	void (*fn)(struct timer_entry *e);  /* called once the deadline has passed */
};

#define TIMER_IDLE ((size_t)-1)
#define TIMER_ENTRY(callback) { 0, TIMER_IDLE, (callback) }

/* The struct that embeds entry `e` as its member `field`. */
#define TIMER_OWNER(e, type, field) ((type *)((char *)(e) - offsetof(type, field)))

/* Creates the POSIX timer (again, in a forked child: fork does not keep
 * it). Returns 0, or -1 with errno set. */
int timer_init(void);

/* Now, on the monotonic clock, in ns. */
int64_t timer_now(void);

/* Queues `e` for `deadline`, or moves it there if it is already queued. */
void timer_schedule(struct timer_entry *e, int64_t deadline);

/* Takes `e` out of the queue if it is in it. */
void timer_cancel(struct timer_entry *e);

/* True while `e` is queued. */
bool timer_pending(const struct timer_entry *e);

/* Takes every entry whose deadline is <= now out of the queue, earliest
 * first, and calls its function. */
void timer_run_expired(int64_t now);

/* Moves every deadline `delta` ns later (time lanes spent stopped). */
void timer_shift(int64_t delta);

/* Arms the POSIX timer for the earliest deadline (or disarms it). Cheap
 * when the earliest deadline has not changed since the last call. */
void timer_rearm(void);

/* Tells the module its one-shot timer has gone off (SIGALRM came), so the
 * next timer_rearm sets it again even for the same deadline. */
void timer_fired(void);

#endif
