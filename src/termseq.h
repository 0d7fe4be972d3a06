/* termseq.h — ends a job the way --termseq says: each signal to its
 * process group, then a wait (a deadline, never a sleep), and the next
 * only if something of the group is left. The job is over once its
 * process has been reaped and its group is empty, or once the sequence
 * has run out, when lanes stops waiting for what is left and says so. */
#ifndef LANES_TERMSEQ_H
#define LANES_TERMSEQ_H

#include <stdbool.h>

#include "jobs.h"
#include "options.h"

/* `over` is called for a job being ended once it is over. */
void termseq_init(const struct termseq *seq, void (*over)(struct job *j));

/* Starts ending job j (a timeout, --halt now, a signal to lanes). Its
 * timer is the sequence's from now on. */
void termseq_begin(struct job *j);

/* True once termseq_begin has been called for j. */
bool termseq_ending(const struct job *j);

/* j's timer has come: the next step. */
void termseq_next(struct job *j);

/* j's process has been reaped: over now, or once its group is empty. */
void termseq_reaped(struct job *j);

/* After reaping: a group being ended may have lost its last process
 * among the orphans just reaped. */
void termseq_after_reaping(void);

#endif
