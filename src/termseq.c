/* termseq.c — owns the steps of ending a job: which signal comes next,
 * the waits between them, and the jobs whose process has been reaped
 * while something of their group is left. A signal that a job ignores is
 * its business; a SIGKILL is given at least KILL_GRACE_NS to be reaped. */
#include "termseq.h"

#include <signal.h>

#include "local.h"
#include "msg.h"
#include "timer.h"

#define KILL_GRACE_NS (1000 * INT64_C(1000000))

static const struct termseq *seq;
static void (*job_over)(struct job *);
static long lingering;   /* reaped jobs whose group is still being ended */

static void over(struct job *j, bool was_lingering)
{
	lingering -= was_lingering;
	job_over(j);
}

void termseq_init(const struct termseq *s, void (*over)(struct job *))
{
	seq = s;
	job_over = over;
}

bool termseq_ending(const struct job *j)
{
	return j->term_step >= 0;
}

/* The sequence has run out and something of the job is left: lanes
 * stops waiting for it, and says so. */
static void give_up(struct job *j)
{
	bool reaped = j->pid == 0;
	if (!reaped || local_alive(j)) {
		msg_print("job %lu outlived its --termseq; lanes stops waiting for process group %d: %s", j->seq,
			  (int)j->group, j->cmd.text);
		if (!reaped) {
			j->signal = seq->signal[seq->count - 1];
			j->status = 128 + j->signal;
			local_forget(j);
		}
	}
	over(j, reaped);
}

void termseq_next(struct job *j)
{
	if (j->term_step >= seq->count) {
		give_up(j);
		return;
	}
	int sig = seq->signal[j->term_step];
	if (!local_signal(j, sig)) {
		if (j->pid == 0)
			over(j, true);  /* nothing left: its process has been reaped */
		else
			give_up(j);  /* it may not be signalled (EPERM): nothing to wait for */
		return;
	}
	if (j->stopped_by_terminal && sig != SIGSTOP)
		local_signal(j, SIGCONT);  /* a stopped process acts on nothing but KILL */
	int64_t wait = seq->wait_ns[j->term_step++];
	if (sig == SIGKILL && j->term_step == seq->count && wait < KILL_GRACE_NS)
		wait = KILL_GRACE_NS;
	timer_schedule(&j->timer, timer_now() + wait);
}

void termseq_begin(struct job *j)
{
	if (j->term_step >= 0)
		return;
	timer_cancel(&j->timer);
	j->term_step = 0;
	termseq_next(j);
}

void termseq_reaped(struct job *j)
{
	if (local_alive(j))
		lingering++;
	else
		over(j, false);
}

void termseq_after_reaping(void)
{
	/* over() may end other jobs (--halt now): look again from the start. */
	struct job *j = jobs_first_live();
	while (lingering > 0 && j) {
		if (j->phase == JOB_RUNNING && j->pid == 0 && j->term_step >= 0 && !local_alive(j)) {
			over(j, true);
			j = jobs_first_live();
		} else {
			j = j->next;
		}
	}
}
