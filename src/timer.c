/* timer.c — owns every deadline lanes waits for (timeouts, the steps of a
 * termseq, retries, pacing) in one binary min-heap, and the single POSIX
 * timer that turns the earliest of them into a SIGALRM. What a deadline
 * means is the owner's business: this module only orders them and calls
 * the owner's function when one has passed. */
#include "timer.h"

#include <signal.h>
#include <string.h>
#include <time.h>

#include "alloc.h"

static struct timer_entry **heap;
static size_t heap_len, heap_cap;
static timer_t posix_timer;
static int64_t armed_for = -1;  /* deadline the POSIX timer is set to; -1: disarmed */

int timer_init(void)
{
	struct sigevent ev;
	memset(&ev, 0, sizeof ev);
	ev.sigev_notify = SIGEV_SIGNAL;
	ev.sigev_signo = SIGALRM;
	armed_for = -1;
	return timer_create(CLOCK_MONOTONIC, &ev, &posix_timer);
}

int64_t timer_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void place(size_t i, struct timer_entry *e)
{
	heap[i] = e;
	e->index = i;
}

static void sift_up(size_t i)
{
	struct timer_entry *e = heap[i];
	while (i > 0) {
		size_t parent = (i - 1) / 2;
		if (heap[parent]->deadline <= e->deadline)
			break;
		place(i, heap[parent]);
		i = parent;
	}
	place(i, e);
}

static void sift_down(size_t i)
{
	struct timer_entry *e = heap[i];
	for (;;) {
		size_t child = 2 * i + 1;
		if (child >= heap_len)
			break;
		if (child + 1 < heap_len && heap[child + 1]->deadline < heap[child]->deadline)
			child++;
		if (heap[child]->deadline >= e->deadline)
			break;
		place(i, heap[child]);
		i = child;
	}
	place(i, e);
}

void timer_cancel(struct timer_entry *e)
{
	if (e->index == TIMER_IDLE)
		return;
	size_t i = e->index;
	e->index = TIMER_IDLE;
	struct timer_entry *last = heap[--heap_len];
	if (i == heap_len)
		return;
	place(i, last);
	sift_down(i);
	sift_up(last->index);
}

void timer_schedule(struct timer_entry *e, int64_t deadline)
{
	timer_cancel(e);
	if (heap_len == heap_cap) {
		heap = xgrow(heap, &heap_cap, heap_len + 1, sizeof *heap);
	}
	e->deadline = deadline;
	place(heap_len++, e);
	sift_up(e->index);
}

bool timer_pending(const struct timer_entry *e)
{
	return e->index != TIMER_IDLE;
}

void timer_run_expired(int64_t now)
{
	while (heap_len > 0 && heap[0]->deadline <= now) {
		struct timer_entry *e = heap[0];
		timer_cancel(e);
		e->fn(e);
	}
}

void timer_shift(int64_t delta)
{
	/* The same delta for all keeps the heap's order. */
	for (size_t i = 0; i < heap_len; i++)
		heap[i]->deadline += delta;
}

void timer_rearm(void)
{
	int64_t want = heap_len ? heap[0]->deadline : -1;
	if (want == armed_for)
		return;
	struct itimerspec its;
	memset(&its, 0, sizeof its);
	if (want >= 0) {
		/* An absolute deadline of 0 would disarm the timer. */
		int64_t at = want > 0 ? want : 1;
		its.it_value.tv_sec = at / 1000000000;
		its.it_value.tv_nsec = at % 1000000000;
	}
	timer_settime(posix_timer, TIMER_ABSTIME, &its, NULL);
	armed_for = want;
}

void timer_fired(void)
{
	armed_for = -1;
}
