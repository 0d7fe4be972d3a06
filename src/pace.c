/* pace.c — owns the pacing of job starts. --delay spaces starts; --rate
 * keeps the times of the last N starts, so that no window of its unit
 * ever holds more than N, from the first one on; --load and --memfree
 * read /proc and hold
 * starts back while the machine is busy, asking again every 100 ms; a
 * retry waits the --retry-delay backoff. */
#include "pace.h"

#include "alloc.h"
#include "machine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define RECHECK_NS (100 * INT64_C(1000000))
#define THROTTLE_DELAY_NS (100 * INT64_C(1000000))  /* without --retry-delay */
#define BACKOFF_CAP_NS (300 * INT64_C(1000000000))  /* --retry-delay doubles up to 5 minutes */

static const struct options *opts;
static int64_t last_start = INT64_MIN;
static int64_t *recent;            /* --rate: the last N start times, a ring */
static long recent_at;             /* the oldest of them */
static uint64_t random_state;

void pace_init(const struct options *o, long slots)
{
	opts = o;
	(void)slots;
	if (o->rate_count > 0) {
		recent = xmalloc((size_t)o->rate_count * sizeof *recent);
		for (long i = 0; i < o->rate_count; i++)
			recent[i] = INT64_MIN;
		recent_at = 0;
	}
	random_state = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32) ^ (uint64_t)(uintptr_t)&random_state;
}

bool pace_active(void)
{
	return opts->delay_ns > 0 || opts->rate_count > 0 || opts->load > 0 || opts->memfree > 0;
}

long pace_runnable(void)
{
	FILE *f = fopen("/proc/loadavg", "r");
	if (!f)
		return -1;
	long running = -1, total;
	if (fscanf(f, "%*s %*s %*s %ld/%ld", &running, &total) != 2)
		running = -1;
	fclose(f);
	return running > 0 ? running - 1 : running;  /* the reader itself is running */
}

long long pace_memory_available(void)
{
	return machine_memory("MemAvailable");
}

int64_t pace_next_start(int64_t now)
{
	int64_t wait = 0;
	if (opts->delay_ns > 0 && last_start != INT64_MIN && now < last_start + opts->delay_ns)
		wait = last_start + opts->delay_ns;
	if (opts->rate_count > 0 && recent[recent_at] != INT64_MIN && now < recent[recent_at] + opts->rate_window_ns) {
		int64_t at = recent[recent_at] + opts->rate_window_ns;
		if (at > wait)
			wait = at;
	}
	if (wait)
		return wait;
	if (opts->load > 0) {
		long r = pace_runnable();
		if (r >= 0 && (double)r >= opts->load)
			return now + RECHECK_NS;
	}
	if (opts->memfree > 0) {
		long long m = pace_memory_available();
		if (m >= 0 && m <= opts->memfree)
			return now + RECHECK_NS;
	}
	return 0;
}

void pace_started(int64_t now)
{
	last_start = now;
	if (opts->rate_count > 0) {
		recent[recent_at] = now;
		recent_at = (recent_at + 1) % opts->rate_count;
	}
}

static uint64_t next_random(void)
{
	random_state ^= random_state << 13;
	random_state ^= random_state >> 7;
	random_state ^= random_state << 17;
	return random_state;
}

/* base doubled for each one before number k, capped at BACKOFF_CAP_NS
 * (unless base is over it), plus up to a quarter more at random, so that
 * jobs failing together do not retry together. */
static int64_t backoff(int64_t base, long k)
{
	int64_t d = base;
	if (d == 0)
		return 0;
	for (long i = 1; i < k && d < BACKOFF_CAP_NS; i++)
		d *= 2;
	if (d > BACKOFF_CAP_NS && base < BACKOFF_CAP_NS)
		d = BACKOFF_CAP_NS;
	return d + (int64_t)(next_random() % (uint64_t)(d / 4 + 1));
}

int64_t pace_retry_delay(int retry)
{
	return backoff(opts->retry_delay_ns, retry);
}

int64_t pace_throttle_delay(long rerun)
{
	return backoff(opts->retry_delay_ns ? opts->retry_delay_ns : THROTTLE_DELAY_NS, rerun);
}

void pace_end(void)
{
	free(recent);
	recent = NULL;
}
