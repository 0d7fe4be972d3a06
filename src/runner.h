/* runner.h — runs the jobs: at most N at a time, in input order, with
 * timeouts, halting and signals, until the input ends or lanes must stop. */
#ifndef LANES_RUNNER_H
#define LANES_RUNNER_H

#include "input.h"
#include "options.h"

struct run_result {
	unsigned long failed;   /* jobs that failed (timeouts included) */
	int halt_status;        /* status of the job that triggered --halt ...fail...; -1: none */
	int signal;             /* the signal that stopped lanes; 0: none */
	int output_errno;       /* why writing to stdout failed; 0: it did not */
	bool input_failed;      /* the input could not be read to its end */
	bool could_not_start;   /* the system refused every job a process, or descriptors */
	bool sem_gave_up;       /* --semaphore-timeout -D ran out */
	int last_status;        /* of the last job counted (--semaphore --fg exits with it) */
	unsigned long throttled;  /* attempts run again for --throttle-exit */
};

/* Runs every job the input gives. Returns 0, or -1 when lanes could not
 * start (a message has been printed). */
int runner_run(const struct options *opts, struct input *in, struct blocks *data, struct run_result *result);

#endif
