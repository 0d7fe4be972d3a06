/* slurm.h — where a job runs under --slurm: as a step of the Slurm
 * allocation lanes runs in (srun --exclusive -N1 -n1 inside salloc or
 * sbatch), or, outside one, as a one-task Slurm job of its own. srun passes
 * lanes' signals on to the step; a prolog of lanes' own tells which node
 * and step each job got, for the joblog's Host and for scancel. */
#ifndef LANES_SLURM_H
#define LANES_SLURM_H

#include <stdbool.h>

struct job;

/* Makes the prolog and reads --slurm-args. Returns 0 (also when --slurm
 * is not given), or -1 after a message (no srun in PATH, say). */
int slurm_init(bool on, const char *args);

/* True when jobs run through srun. */
bool slurm_in_use(void);

/* Makes the srun command line of the job (its remote.argv), its command
 * run there by `shell`. */
void slurm_command(struct job *j, const char *shell);

/* The job's srun has been reaped: its node and step, for the joblog. */
void slurm_reaped(struct job *j);

/* The job is being killed (SIGKILL): its step is cancelled too, so that
 * nothing of it outlives its srun. */
void slurm_kill(struct job *j);

/* Removes the prolog and what it wrote. */
void slurm_end(void);

#endif
