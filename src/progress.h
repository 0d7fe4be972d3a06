/* progress.h — --progress, --bar and --eta: one line on stderr, redrawn at
 * most ten times a second on a terminal, a plain line a second otherwise. */
#ifndef LANES_PROGRESS_H
#define LANES_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>

#include "options.h"

struct progress_counts {
	unsigned long started, done, failed;
	long running;
	unsigned long throttled;  /* attempts run again for --throttle-exit */
	long limit;               /* the jobs that may run at once */
	bool moves;               /* -j auto, -j FILE: then the range it has moved in */
	long lowest, highest;
};

/* `total`: the number of jobs, or -1 when unknown (streamed input);
 * `counts` fills in the figures each time the line is drawn. From now on
 * the line is drawn when due (a deadline of its own), and SIGUSR2 shows it
 * if hidden and hides it if shown. */
void progress_start(const struct options *opts, long total, void (*counts)(struct progress_counts *));

/* The last line, ended, so what follows on stderr starts a line. */
void progress_finish(void);

#endif
