/* adapt.h — -j auto: a job limit that follows how the jobs do. It is
 * told when each job ends (its run time and CPU time) and when one was
 * throttled, and answers with the limit: additive increase while the
 * jobs complete no slower, multiplicative decrease on throttling or when
 * run times climb without gain, never above the CPUs for CPU-bound work.
 * It reads no clock and makes no system call: times are given to it, and
 * the CPUs' use by all comes from a function it is given, so
 * tests and fuzzing can drive it. */
#ifndef LANES_ADAPT_H
#define LANES_ADAPT_H

#include <stdbool.h>
#include <stdint.h>

/* Starts at 2 x cpus, kept within min..max. Returns the limit. `cpu_use`
 * (NULL: none) gives the CPUs' busy and stolen time so far, in ns (as
 * machine_cpu_use); it is asked once a measurement. */
long adapt_init(long min, long max, long cpus, int64_t now, void (*cpu_use)(int64_t *busy, int64_t *stolen));

/* An attempt that was not throttled ended at `now`: it started at
 * `started`, used `cpu_ns` of CPU, and `full` says every slot was in use
 * as it ended. Returns the limit; *why (when it moved) says why in a word. */
long adapt_ended(int64_t now, int64_t started, int64_t cpu_ns, bool full, const char **why);

/* An attempt that started at `started` ended throttled at `now`. Halves
 * the limit once for all the attempts that were running when it was last
 * cut. Returns the limit; *why as above. */
long adapt_throttled(int64_t now, int64_t started, const char **why);

/* True once the jobs look CPU-bound: the limit stays at the CPUs. */
bool adapt_cpu_bound(void);

void adapt_end(void);

#endif
