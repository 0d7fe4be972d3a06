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
};

/* `total`: the number of jobs, or -1 when unknown (streamed input);
 * `now`: when the run began. */
void progress_init(const struct options *opts, long total, int64_t now);

/* SIGUSR2: shows the line if hidden, hides it if shown. */
void progress_toggle(void);

bool progress_active(void);

/* Draws the line if it is due (or `force`); returns when to draw next. */
int64_t progress_draw(int64_t now, const struct progress_counts *c, bool force);

/* The last line, ended, so what follows on stderr starts a line. */
void progress_finish(int64_t now, const struct progress_counts *c);

#endif
