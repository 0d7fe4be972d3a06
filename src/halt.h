/* halt.h — --halt: counts the jobs that finished (failed, succeeded,
 * done) and says when the run is to stop, and with what status. */
#ifndef LANES_HALT_H
#define LANES_HALT_H

#include <stdbool.h>

#include "options.h"

enum halt_action { HALT_GO_ON, HALT_STOP_STARTING, HALT_END_RUNNING };

/* `total`: the number of jobs, for a N% condition (-1: unknown). */
void halt_init(const struct options *opts, long total);

/* A job finished, failed or not. */
void halt_count(bool failed);

/* Job `seq`, just counted, finished with `status`: says what the run
 * does now, and prints why when it stops. */
enum halt_action halt_check(unsigned long seq, int status, bool failed);

/* The status lanes exits with when a fail condition halted it; -1: none. */
int halt_status(void);

/* The run is over and --halt N% never halted it: GNU parallel's status
 * then, the percentage of jobs that failed; -1 for other conditions. */
int halt_final_status(void);

unsigned long halt_done(void);
unsigned long halt_failed(void);

#endif
