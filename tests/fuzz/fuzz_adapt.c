/* Fuzz target: -j auto's controller (adapt.c), driven by made-up job
 * ends and throttles. The first three bytes pick MIN, MAX and the CPUs;
 * then every four bytes are one event: throttled or not (and how much CPU
 * time a hypervisor took meanwhile, at times more than there was), the
 * time since the last event, the job's run time, its share of a CPU and whether every
 * slot was in use. Whatever the events, the limit stays within MIN..MAX,
 * grows by at most one at a time, never grows on a throttle, and stays at
 * the CPUs (or MIN, when that is more) while the jobs look CPU-bound. */
#include <stdint.h>
#include <stdlib.h>

#include "../../src/adapt.h"

static int64_t stolen, used;

static void cpu_use(int64_t *busy, int64_t *steal)
{
	*busy = used;
	*steal = stolen;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 3)
		return 0;
	long min = 1 + data[0] % 8, max = min + data[1] % 64, cpus = 1 + data[2] % 8;
	int64_t now = 1000000000;
	stolen = used = 0;
	long limit = adapt_init(min, max, cpus, now, data[0] & 0x80 ? NULL : cpu_use);
	if (limit < min || limit > max)
		abort();
	for (size_t i = 3; i + 4 <= size; i += 4) {
		const uint8_t *e = data + i;
		now += (int64_t)e[1] * 2000000;              /* up to 0.5 s between events */
		stolen += (int64_t)(e[0] >> 3) * 20000000;   /* up to 0.6 s */
		used += (int64_t)(e[1] & 0x1f) * 40000000;   /* up to 1.2 s, by anyone */
		int64_t run = (int64_t)e[2] * 4000000;        /* up to 1 s */
		int64_t cpu = run * (e[3] & 0x7f) / 127;      /* a share of a CPU */
		bool full = e[3] & 0x80;
		const char *why = NULL;
		long next = e[0] % 8 == 0 ? adapt_throttled(now, now - run, &why) : adapt_ended(now, now - run, cpu, full, &why);
		if (next < min || next > max)
			abort();
		if (next > limit + 1 || (e[0] % 8 == 0 && next > limit))
			abort();
		if ((next != limit) != (why != NULL))
			abort();  /* a move, and only a move, says why */
		if (adapt_cpu_bound() && next > (cpus > min ? cpus : min))
			abort();
		limit = next;
	}
	adapt_end();
	return 0;
}
