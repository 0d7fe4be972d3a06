/* halt.c — owns the counts of finished jobs and the --halt condition, in
 * GNU parallel's terms: after N (or N%) jobs failed, succeeded or are
 * done, stop starting jobs ("soon") or also end the running ones ("now").
 * Knows nothing of processes: the runner acts on what it says. */
#include "halt.h"

#include "msg.h"

static const struct options *opts;
static long total_jobs;
static unsigned long counted[3];  /* by enum halt_on: failed, succeeded, done */
static bool halted;
static int status_of_halt = -1;

void halt_init(const struct options *o, long total)
{
	opts = o;
	total_jobs = total;
}

static const char *verb(enum halt_on on)
{
	return on == HALT_ON_FAIL ? "failed" : on == HALT_ON_SUCCESS ? "succeeded" : "ended";
}

void halt_count(bool failed)
{
	counted[HALT_ON_FAIL] += failed;
	counted[HALT_ON_SUCCESS] += !failed;
	counted[HALT_ON_DONE]++;
}

/* GNU parallel's exit status for a halt: 0 on successes; the job's own
 * status when one job was enough (fail=1, done=1); else the percentage
 * (rounded up) or the number of the jobs that had failed by then. */
static int exit_status(const struct halt_spec *h, int status, bool failed)
{
	unsigned long f = counted[HALT_ON_FAIL];
	if (h->on == HALT_ON_SUCCESS)
		return 0;
	if (!h->percent_of_total && h->count == 1)
		return failed ? (status ? status : 1) : status;
	if (h->percent_of_total)
		return total_jobs > 0 ? (int)((f * 100 + (unsigned long)total_jobs - 1) / (unsigned long)total_jobs) : 1;
	return f > 100 ? 101 : (int)f;
}

enum halt_action halt_check(unsigned long seq, int status, bool failed)
{
	const struct halt_spec *h = &opts->halt;
	if (h->when == HALT_NEVER || halted)
		return HALT_GO_ON;
	if (!(h->on == HALT_ON_DONE || (h->on == HALT_ON_FAIL) == failed))
		return HALT_GO_ON;
	unsigned long n = counted[h->on];
	bool trigger = h->percent_of_total ? total_jobs > 0 && n * 100.0 >= h->percent * (double)total_jobs
					   : (long)n >= h->count;
	if (!trigger)
		return HALT_GO_ON;
	halted = true;
	status_of_halt = exit_status(h, status, failed);
	msg_print("--halt %s: job %lu %s (status %d); %s", opts->halt_text, seq, verb(h->on), status,
		  h->when == HALT_NOW ? "ending the running jobs" : "starting no more jobs");
	return h->when == HALT_NOW ? HALT_END_RUNNING : HALT_STOP_STARTING;
}

int halt_status(void)
{
	return status_of_halt;
}

int halt_final_status(void)
{
	const struct halt_spec *h = &opts->halt;
	if (halted || h->when == HALT_NEVER || !h->percent_of_total)
		return -1;
	/* As GNU parallel: the percentage of the jobs run that failed, up. */
	unsigned long f = counted[HALT_ON_FAIL], done = counted[HALT_ON_DONE];
	return done ? (int)((f * 100 + done - 1) / done) : 0;
}

unsigned long halt_done(void)
{
	return counted[HALT_ON_DONE];
}

unsigned long halt_failed(void)
{
	return counted[HALT_ON_FAIL];
}
