/* adapt.c — owns -j auto's limit and what it learns to set it: the jobs'
 * throughput, median run time and CPU use, one measurement at a time.
 * Applying the limit (slots.c) and logging it (limit.c) are left to
 * others.
 *
 * A measurement spans at least as many completions as the limit (about
 * one generation of jobs) and at least MEASURE_MIN_NS, of jobs that
 * started after the limit was last cut (the others ran partly under the
 * higher limit, and are left out). At its end:
 *
 * - CPU use. What the CPUs could give the jobs is their time less what
 *   the hypervisor took from them (steal: a loaded host's virtual CPUs
 *   give less) and less what other processes used; jobs that get all of
 *   what is left are CPU-bound all the same. While the limit is at most the CPUs, the jobs do not compete
 *   for them, so CPU time over run time (of it, what the CPUs gave) says
 *   what they are: at least
 *   CPU_BOUND and they are CPU-bound, and the limit stays at the CPUs;
 *   below CPU_FREE they are not (any more); in between, nothing is known.
 *   Above the CPUs, while that is not known, jobs that keep the CPUs
 *   CPUS_FULL busy send the limit down to the CPUs to find out; and no
 *   limit grows while they keep them that busy.
 * - Slower: the median run time is over (1 + SLOWER) x its best and the
 *   throughput did not rise by GAIN: halve.
 * - Faster: every slot was used, the throughput did not fall by more than
 *   NOISE, the median is within (1 + SLOWER) x its best, the CPUs have room
 *   and the limit is below its maximum: one more.
 *
 * A throttled job halves the limit at once, but only once for all the
 * jobs that were running then. The limit at which it happened is
 * remembered: lanes climbs back to one below it and stays there for
 * PROBE_HOLD measurements before trying it again; once a measurement
 * passes at it, it is forgotten. */
#include "adapt.h"

#include <stdlib.h>

#include "alloc.h"

#define MEASURE_MIN_NS (50 * INT64_C(1000000))
#define SAMPLES_MAX 4096
#define SLOWER 0.5
#define GAIN 0.05
#define NOISE 0.10
#define CPU_BOUND 0.6
#define CPU_FREE 0.3
#define CPUS_FULL 0.75
#define PROBE_HOLD 12
#define BEST_DRIFT 1.02  /* the best median forgets, 2 % a measurement */
#define GIVEN_MIN 0.25   /* of the CPUs' time: what the jobs are believed to get at least */

static long limit, lowest, highest, cpus;
static bool cpu_bound, cpu_known;
static int64_t since;            /* this measurement's start */
static void (*cpu_use_of)(int64_t *busy, int64_t *stolen);
static int64_t busy_since, stolen_since;  /* the CPUs' use at its start */
static int64_t last_cut = -1;    /* when the limit was last halved */
static long done;
static double cpu_sum, run_sum;  /* ns, this measurement */
static bool full;
static int64_t *runs;
static size_t runs_cap;
static double last_rate;         /* completions per second; 0: none to compare */
static double best_median;       /* ns; 0: none yet */
static long ceiling;             /* throttled at this limit; 0: never */
static int held;                 /* measurements spent just below it */

static long clamp(long n)
{
	return n < lowest ? lowest : n > highest ? highest : n;
}

static void measure_from(int64_t now)
{
	since = now;
	busy_since = stolen_since = 0;
	if (cpu_use_of)
		cpu_use_of(&busy_since, &stolen_since);
	done = 0;
	cpu_sum = run_sum = 0;
	full = false;
}

long adapt_init(long min, long max, long machine_cpus, int64_t now, void (*cpu_use)(int64_t *busy, int64_t *stolen))
{
	cpu_use_of = cpu_use;
	lowest = min < 1 ? 1 : min;
	highest = max < lowest ? lowest : max;
	cpus = machine_cpus < 1 ? 1 : machine_cpus;
	limit = clamp(2 * cpus);
	cpu_bound = cpu_known = false;
	last_cut = -1;
	last_rate = best_median = 0;
	ceiling = held = 0;
	measure_from(now);
	return limit;
}

static int by_value(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

static double median_run(void)
{
	size_t n = (size_t)done < SAMPLES_MAX ? (size_t)done : SAMPLES_MAX;
	qsort(runs, n, sizeof *runs, by_value);
	return n % 2 ? (double)runs[n / 2] : ((double)runs[n / 2 - 1] + (double)runs[n / 2]) / 2;
}

static long cut(long to, int64_t now)
{
	if (clamp(to) == limit)
		return limit;  /* at its lowest already */
	last_cut = now;
	last_rate = 0;  /* fewer jobs run now: no slower rate is a loss */
	held = 0;
	return clamp(to);
}

/* The end of a measurement: the new limit, and why it moved. */
static long judge(int64_t now, const char **why)
{
	double wall = (double)(now - since);
	double rate = (double)done * 1e9 / wall;
	double median = median_run();
	int64_t busy = busy_since, stolen = stolen_since;
	if (cpu_use_of)
		cpu_use_of(&busy, &stolen);
	double others = (double)(busy - busy_since) - cpu_sum;  /* other processes' use, about */
	if (others < 0)
		others = 0;
	/* of the CPUs' time, what they could give the jobs */
	double given = 1 - ((double)(stolen - stolen_since) + others) / (wall * (double)cpus);
	if (!(given >= GIVEN_MIN))
		given = GIVEN_MIN;
	if (given > 1)
		given = 1;
	double share = run_sum > 0 ? cpu_sum / (run_sum * given) : 0;  /* of a CPU, per running job */
	bool cpus_full = cpu_sum / wall >= CPUS_FULL * (double)cpus * given;
	bool slower = best_median > 0 && median > (1 + SLOWER) * best_median;
	long next = limit;

	if (limit <= cpus && share >= CPU_BOUND)
		cpu_bound = cpu_known = true;
	else if (limit <= cpus && share < CPU_FREE)
		cpu_bound = false, cpu_known = true;
	if (cpu_bound && limit > cpus) {
		next = cut(cpus, now);
		*why = "cpu-bound";
	} else if (cpus_full && limit > cpus && !cpu_known) {
		next = cut(cpus, now);
		*why = "cpus-full";
	} else if (slower && last_rate > 0 && rate < (1 + GAIN) * last_rate) {
		ceiling = limit;
		next = cut(limit / 2, now);
		*why = "slower";
	} else if (full && !slower && !cpus_full && !(cpu_bound && limit >= cpus) && limit < highest &&
		   (last_rate == 0 || rate >= (1 - NOISE) * last_rate)) {
		if (ceiling && limit >= ceiling)
			ceiling = 0;  /* a measurement passed where it was throttled: no longer a ceiling */
		if (ceiling && limit + 1 >= ceiling && held < PROBE_HOLD) {
			held++;
		} else {
			next = limit + 1;
			held = 0;
			*why = "faster";
		}
		last_rate = rate;
	} else {
		last_rate = rate;
	}
	if (best_median == 0 || median < best_median * BEST_DRIFT)
		best_median = median;
	else
		best_median *= BEST_DRIFT;
	if (next == limit)
		*why = NULL;
	measure_from(now);
	return next;
}

long adapt_ended(int64_t now, int64_t started, int64_t cpu_ns, bool was_full, const char **why)
{
	*why = NULL;
	if (last_cut >= 0 && started < last_cut)
		return limit;  /* it ran partly under the limit before the cut: no measure of this one */
	int64_t run_ns = now - started;
	runs = xgrow(runs, &runs_cap, (size_t)done + 1 < SAMPLES_MAX ? (size_t)done + 1 : SAMPLES_MAX, sizeof *runs);
	if ((size_t)done < SAMPLES_MAX)
		runs[done] = run_ns;
	done++;
	run_sum += (double)run_ns;
	cpu_sum += (double)(cpu_ns < 0 ? 0 : cpu_ns);
	full |= was_full;
	if (done >= (limit > 2 ? limit : 2) && now - since >= MEASURE_MIN_NS) {
		limit = judge(now, why);
	}
	return limit;
}

long adapt_throttled(int64_t now, int64_t started, const char **why)
{
	*why = NULL;
	if (last_cut >= 0 && started < last_cut)
		return limit;  /* it was running when the limit was cut for it */
	ceiling = limit;
	long next = cut(limit / 2, now);
	if (next != limit)
		*why = "throttled";
	limit = next;
	measure_from(now);
	return limit;
}

bool adapt_cpu_bound(void)
{
	return cpu_bound;
}

void adapt_end(void)
{
	free(runs);
	runs = NULL;
	runs_cap = 0;
}
