/* slots.c — owns the job slots of this run: how many there are to be (as
 * many as -j asks and the descriptors allow), which numbers are free, and
 * the slots shared with other processes that a job must hold as well: a
 * token of a make jobserver (jobserver.c) and a slot of a named semaphore
 * (semaphore.c). Numbers are handed out lowest first, so that {%} stays
 * within 1..N and a freed number is reused; memory grows with the slots
 * actually used, not with -j. A shared slot goes back the moment its job
 * ends: kept for this run's next job, it would starve the other runs that
 * share it. Knows nothing of jobs. */
#include "slots.h"

#include <assert.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>

#include "alloc.h"
#include "jobserver.h"
#include "machine.h"
#include "msg.h"
#include "semaphore.h"

static long target;
static long in_use;
/* A min-heap of released numbers, and the next never-used number. */
static int *free_heap;
static size_t free_count, free_cap;
static int next_fresh = 1;

static struct semaphore *sem;
static bool sem_numbers;         /* the semaphore's slot is the job's number */
static bool sem_bypassed;        /* --semaphore-timeout ran out: run without */
static int *sem_of;              /* by job number: its semaphore slot */
static size_t sem_of_cap;
static bool waiting_shared;      /* the last refusal was for a shared slot */
static int waiting_fd = -1;      /* and this says when one may be free */

#define FD_SLACK 8  /* for what lanes opens during a run, beyond its jobs */
#define FD_OWN 4    /* of those, what it opens before its first job: a jobserver's FIFO */

long slots_fit_descriptors(long wanted, long per_slot, long to_start, bool say)
{
	long open_now = machine_open_fds();
	long limit = machine_raise_fd_limit(open_now + FD_SLACK + per_slot * wanted);
	/* What lanes opens itself before the first job (a jobserver's FIFO
	 * takes 4) comes first: else that job cannot start, and lanes gives
	 * up only later. */
	if (limit - open_now < FD_OWN + to_start) {
		msg_print("too few file descriptors for even one job: the limit is %ld (ulimit -n), %ld are in use, "
			  "and lanes needs %d of its own and %ld for a job",
			  limit, open_now, FD_OWN, to_start);
		return -1;
	}
	long fit = (limit - open_now - FD_SLACK) / per_slot;
	if (fit < 1)
		fit = 1;  /* the job needs fewer while it runs than while it starts */
	if (fit >= wanted)
		return wanted;
	if (say)
		msg_print("-j %ld: only enough file descriptors (limit %ld) for %ld job%s at once; running %ld", wanted, limit,
			  fit, fit == 1 ? "" : "s", fit);
	return fit;
}

int slots_init(long n, const struct slots_sharing *share)
{
	target = n < 1 ? 1 : n;
	in_use = 0;
	free_count = 0;
	next_fresh = 1;
	if (share && !share->no_jobserver)
		jobserver_offer(target, (enum jobserver_style)share->jobserver_style);
	if (share && share->sem_id) {
		sem = semaphore_open(share->sem_id, share->sem_size, share->sem_option);
		if (!sem)
			return -1;
		sem_numbers = share->sem_numbers;
	}
	alloc_last_words(jobserver_emergency);
	return 0;
}

const int *slots_inherited(size_t *count)
{
	return jobserver_keep(count);
}

long slots_join_shared(bool no_jobserver)
{
	jobserver_join(no_jobserver);
	if (!jobserver_client())
		return 0;
	return jobserver_jobs() > 0 ? jobserver_jobs() : -1;
}

void slots_end(void)
{
	jobserver_end();
	semaphore_close(sem);
	sem = NULL;
	free(free_heap);
	free(sem_of);
	free_heap = NULL;
	sem_of = NULL;
	free_cap = sem_of_cap = 0;
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
	waiting_shared = false;
	waiting_fd = -1;
	if (in_use >= target)
		return 0;
	if (!jobserver_take()) {
		waiting_shared = true;
		waiting_fd = jobserver_fd();
		return 0;
	}
	int shared = sem && !sem_bypassed ? semaphore_take(sem) : -1;  /* -1: none needed */
	if (shared == 0) {
		jobserver_give(in_use);
		waiting_shared = true;
		waiting_fd = semaphore_fd(sem);
		return 0;
	}
	int slot;
	if (sem_numbers && shared > 0) {
		slot = shared;
	} else {
		/* Numbers 1 .. next_fresh-1 are in use or in the heap. Free
		 * numbers above a lowered target wait there until it is raised
		 * again; when the lowest is above it, a number at or below it
		 * is still fresh. */
		slot = free_count > 0 && free_heap[0] <= target ? heap_pop() : next_fresh++;
	}
	sem_of = xgrow(sem_of, &sem_of_cap, (size_t)slot + 1, sizeof *sem_of);
	sem_of[slot] = shared;
	in_use++;
	assert(in_use >= 0 && in_use <= target);
	return slot;
}

void slots_release(int slot)
{
	assert(slot >= 1 && in_use > 0);
	in_use--;
	jobserver_give(in_use);
	int shared = sem_of[slot];
	if (shared > 0)
		semaphore_give(sem, shared);
	if (!(sem_numbers && shared > 0))
		heap_push(slot);
}

void slots_woken(void)
{
	if (sem)
		semaphore_events(sem);
}

void slots_bypass_shared(void)
{
	sem_bypassed = true;
}

void slots_set_target(long n)
{
	target = n < 1 ? 1 : n;
	jobserver_resize(target);  /* the jobs' sub-makes share the same limit */
}

long slots_target(void)
{
	return target;
}

long slots_in_use(void)
{
	return in_use;
}

bool slots_waiting_shared(void)
{
	return waiting_shared;
}

int slots_fd(void)
{
	return waiting_fd;
}
