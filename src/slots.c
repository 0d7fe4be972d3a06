/* slots.c — owns the job slots of this run: how many there are to be (as
 * many as -j asks and the descriptors allow), and which numbers are free. Numbers are handed out lowest first, so that
 * {%} stays within 1..N and a freed number is reused; memory grows with
 * the slots actually used, not with -j. Knows nothing of jobs. */
#include "slots.h"

#include <assert.h>
#include <stdbool.h>
#include <stddef.h>

#include "alloc.h"
#include "machine.h"
#include "msg.h"

static long target;
static long in_use;
/* A min-heap of released numbers, and the next never-used number. */
static int *free_heap;
static size_t free_count, free_cap;
static int next_fresh = 1;

#define FD_SLACK 8  /* for what lanes opens during a run, beyond its jobs */

long slots_fit_descriptors(long wanted, long per_slot, long to_start, bool say)
{
	long open_now = machine_open_fds();
	long limit = machine_raise_fd_limit(open_now + FD_SLACK + per_slot * wanted);
	if (limit - open_now < to_start) {
		msg_print("too few file descriptors for even one job: the limit is %ld (ulimit -n), %ld are in use and a job needs %ld",
			  limit, open_now, to_start);
		return -1;
	}
	long fit = (limit - open_now - FD_SLACK) / per_slot;
	if (fit < 1)
		fit = 1;
	if (fit >= wanted)
		return wanted;
	if (say)
		msg_print("-j %ld: only enough file descriptors (limit %ld) for %ld jobs at once; running %ld", wanted, limit,
			  fit, fit);
	return fit;
}

void slots_init(long n)
{
	target = n < 1 ? 1 : n;
	in_use = 0;
	free_count = 0;
	next_fresh = 1;
}

static void heap_push(int slot)
{
	free_heap = xgrow(free_heap, &free_cap, free_count + 1, sizeof *free_heap);
	size_t i = free_count++;
	while (i > 0 && free_heap[(i - 1) / 2] > slot) {
		free_heap[i] = free_heap[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	free_heap[i] = slot;
}

static int heap_pop(void)
{
	int top = free_heap[0], last = free_heap[--free_count];
	size_t i = 0;
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= free_count)
			break;
		if (c + 1 < free_count && free_heap[c + 1] < free_heap[c])
			c++;
		if (free_heap[c] >= last)
			break;
		free_heap[i] = free_heap[c];
		i = c;
	}
	if (free_count > 0)
		free_heap[i] = last;
	return top;
}

int slots_acquire(void)
{
	if (in_use >= target)
		return 0;
	/* Numbers 1 .. next_fresh-1 are in use or in the heap. Free numbers
	 * above a lowered target wait there until it is raised again; when
	 * the lowest is above it, a number at or below it is still fresh. */
	int slot = free_count > 0 && free_heap[0] <= target ? heap_pop() : next_fresh++;
	in_use++;
	assert(in_use >= 0 && in_use <= target);
	return slot;
}

void slots_release(int slot)
{
	assert(slot >= 1 && in_use > 0);
	in_use--;
	heap_push(slot);
}

void slots_set_target(long n)
{
	target = n < 1 ? 1 : n;
}

long slots_target(void)
{
	return target;
}

long slots_in_use(void)
{
	return in_use;
}

int slots_fd(void)
{
	return -1;
}
