/* jobctl.h — job control for lanes and its jobs, as a shell does it:
 * Ctrl-Z (SIGTSTP) stops every job's process group, then lanes; when
 * lanes is continued, so are they, and no deadline counts the time
 * stopped. Under --tty, the terminal goes to the job that runs. */
#ifndef LANES_JOBCTL_H
#define LANES_JOBCTL_H

#include <stdbool.h>
#include <sys/types.h>

/* Handles SIGTSTP (unless lanes was started with it ignored) and
 * SIGCONT. `terminal`: the --tty terminal, or -1. */
void jobctl_init(int terminal);

/* What Ctrl-Z does; also when the --tty job itself got it. */
void jobctl_suspend(void);

/* The terminal a job about to start is to have, or -1: none, or lanes
 * does not have it itself (it runs in the background). */
int jobctl_terminal_for_job(void);

/* The job that had the terminal has ended: lanes takes it back. */
void jobctl_take_terminal(void);

#endif
