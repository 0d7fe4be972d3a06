/* jobs.c — owns the job records and the three ways to find one: the live
 * list (a doubly linked list), the pid table (open addressing, linear
 * probing, deletion by backward shift) and the -k order (a ring that
 * grows). Memory follows the jobs that exist, never -j. What a job does
 * is runner.c's business. */
#include "jobs.h"

#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "msg.h"

static struct job *live, *pool;
static long live_count;

static struct job **pid_table;   /* by hash of pid; NULL: empty */
static size_t pid_cap, pid_count;
static unsigned pid_shift;       /* 64 - log2(pid_cap) */

static struct job **ring;        /* -k: ring[(head + i) & (cap - 1)] */
static size_t ring_head, ring_count, ring_cap;

static void unlink_job(struct job **list, struct job *j)
{
	if (j->prev)
		j->prev->next = j->next;
	else
		*list = j->next;
	if (j->next)
		j->next->prev = j->prev;
	j->prev = j->next = NULL;
}

static void link_job(struct job **list, struct job *j)
{
	j->prev = NULL;
	j->next = *list;
	if (*list)
		(*list)->prev = j;
	*list = j;
}

struct job *jobs_new(void (*timer_fn)(struct timer_entry *))
{
	struct job *j = pool;
	if (j) {
		unlink_job(&pool, j);
	} else {
		j = xcalloc(1, sizeof *j);
		output_job_init(&j->out);
		j->remote.control = -1;
	}
	j->timer = (struct timer_entry)TIMER_ENTRY(timer_fn);
	j->phase = JOB_READY;
	j->pid = j->group = 0;
	j->status = j->signal = 0;
	j->timed_out = j->stopped = j->has_terminal = j->stopped_by_terminal = false;
	j->term_step = -1;
	j->remote.host = j->remote.pinned = NULL;
	j->table_fds[0] = j->table_fds[1] = -1;
	link_job(&live, j);
	live_count++;
	return j;
}

void jobs_ended(struct job *j)
{
	if (j->phase == JOB_ENDED)
		return;
	j->phase = JOB_ENDED;
	unlink_job(&live, j);
	live_count--;
}

void jobs_recycle(struct job *j)
{
	jobs_ended(j);
	link_job(&pool, j);
}

struct job *jobs_first_live(void)
{
	return live;
}

long jobs_live_count(void)
{
	return live_count;
}

/* Fibonacci hashing: the top bits of the product, which every bit of the
 * pid has stirred. */
static size_t slot_of(pid_t pid)
{
	return (size_t)(((uint64_t)(uint32_t)pid * UINT64_C(11400714819323198485)) >> pid_shift);
}

static void pid_insert(struct job *j)
{
	size_t i = slot_of(j->pid);
	while (pid_table[i])
		i = (i + 1) & (pid_cap - 1);
	pid_table[i] = j;
}

void jobs_track_pid(struct job *j, pid_t pid)
{
	if (2 * (pid_count + 1) > pid_cap) {
		struct job **old = pid_table;
		size_t old_cap = pid_cap;
		pid_cap = pid_cap ? 2 * pid_cap : 64;
		pid_shift = 64 - (unsigned)__builtin_ctzll((unsigned long long)pid_cap);
		pid_table = xcalloc(pid_cap, sizeof *pid_table);
		for (size_t i = 0; i < old_cap; i++)
			if (old[i])
				pid_insert(old[i]);
		free(old);
	}
	j->pid = pid;
	pid_insert(j);
	pid_count++;
}

struct job *jobs_by_pid(pid_t pid)
{
	if (pid_cap == 0)
		return NULL;
	for (size_t i = slot_of(pid); pid_table[i]; i = (i + 1) & (pid_cap - 1))
		if (pid_table[i]->pid == pid)
			return pid_table[i];
	return NULL;
}

void jobs_forget_pid(struct job *j)
{
	if (j->pid <= 0 || pid_cap == 0)
		return;
	size_t i = slot_of(j->pid);
	while (pid_table[i] && pid_table[i] != j)
		i = (i + 1) & (pid_cap - 1);
	if (!pid_table[i])
		return;
	pid_table[i] = NULL;
	pid_count--;
	j->pid = 0;
	/* Backward shift: move up any entry that the hole would cut off
	 * from its home slot. */
	for (size_t k = (i + 1) & (pid_cap - 1); pid_table[k]; k = (k + 1) & (pid_cap - 1)) {
		size_t home = slot_of(pid_table[k]->pid);
		if (((k - home) & (pid_cap - 1)) >= ((k - i) & (pid_cap - 1))) {
			pid_table[i] = pid_table[k];
			pid_table[k] = NULL;
			i = k;
		}
	}
}

void jobs_order_push(struct job *j)
{
	if (ring_count == ring_cap) {
		size_t cap = ring_cap ? 2 * ring_cap : 16;
		struct job **grown = xcalloc(cap, sizeof *grown);
		for (size_t i = 0; i < ring_count; i++)
			grown[i] = ring[(ring_head + i) & (ring_cap - 1)];
		free(ring);
		ring = grown;
		ring_cap = cap;
		ring_head = 0;
	}
	ring[(ring_head + ring_count++) & (ring_cap - 1)] = j;
}

struct job *jobs_order_oldest(void)
{
	return ring_count ? ring[ring_head] : NULL;
}

void jobs_order_pop(void)
{
	ring_head = (ring_head + 1) & (ring_cap - 1);
	ring_count--;
}

size_t jobs_order_count(void)
{
	return ring_count;
}

void jobs_list(int64_t now, long limit)
{
	long running = 0;
	for (const struct job *j = live; j; j = j->next)
		running += j->phase != JOB_READY;
	msg_print("%ld running job%s, at most %ld at once (seq, slot, pid, seconds, command):", running,
		  running == 1 ? "" : "s", limit);
	for (const struct job *j = live; j; j = j->next) {
		if (j->phase == JOB_READY)
			continue;
		bool waiting = j->phase == JOB_RETRY_WAIT;
		msg_print("  %lu\t%d\t%d\t%.3f\t%s%s", j->seq, j->slot, waiting ? 0 : (int)j->group,
			  (double)(now - j->start_mono) / 1e9, j->cmd.text, waiting ? " (waiting to retry)" : "");
	}
}

static void free_list(struct job *j)
{
	while (j) {
		struct job *next = j->next;
		output_free(&j->out);
		command_free(&j->cmd);
		command_free(&j->tag);
		remote_job_free(&j->remote);
		free(j);
		j = next;
	}
}

void jobs_free_all(void)
{
	/* Ended records waiting to be printed are on the ring only. */
	for (size_t i = 0; i < ring_count; i++) {
		struct job *j = ring[(ring_head + i) & (ring_cap - 1)];
		if (j->phase == JOB_ENDED)
			link_job(&pool, j);
	}
	free_list(live);
	free_list(pool);
	live = pool = NULL;
	live_count = 0;
	free(pid_table);
	free(ring);
	pid_table = NULL;
	ring = NULL;
	pid_cap = pid_count = ring_cap = ring_count = ring_head = 0;
}
