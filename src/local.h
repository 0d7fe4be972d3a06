/* local.h — where a job runs: as a process group on this machine. These
 * are the verbs every place a job may run is to have (ssh hosts and Slurm
 * steps later): start the job, signal it, and hear that its process was
 * reaped or stopped. */
#ifndef LANES_LOCAL_H
#define LANES_LOCAL_H

#include <stdbool.h>

#include "jobs.h"

/* Sets up the jobs' environment, job control and the reaping of
 * orphans. `shell` runs a script the kernel cannot execute; with `tty`,
 * jobs get the terminal. After each reap, `reaped` is called for the job
 * (its status set), `stopped` for a job the kernel stopped (but a --tty
 * job's Ctrl-Z, which stops lanes with it), and `after`
 * once they are all done. Returns 0, or -1 after a message. */
int local_init(const char *shell, bool tty, void (*reaped)(struct job *j), void (*stopped)(struct job *j, int sig),
	       void (*after)(void));

void local_end(void);

/* Starts job j with stdout and stderr on child[0], child[1] (-1: lanes'
 * own), and stdin on `in` (-1: /dev/null, or the terminal with --tty). Returns 0 (j->pid and j->group set), or the errno: EAGAIN,
 * ENOMEM (no process for now), or an exec's (the job did not run). */
int local_start(struct job *j, int child[2], int in);

/* Sends sig to the job's process group, or to its process if that has
 * left the group. False when nothing of the job is left to signal. */
bool local_signal(struct job *j, int sig);

/* True while the job's process group has a process, zombies included. */
bool local_alive(const struct job *j);

/* Stops waiting for the job's process: lanes has given up on it. */
void local_forget(struct job *j);

/* Job processes started and not yet reaped or given up on. */
long local_running(void);

#endif
