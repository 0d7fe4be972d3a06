/* jobenv.h — the environment every job gets, built in one place: lanes'
 * own, with variables others add for the whole run (jobenv_set), and the
 * job's own LANES_SEQ and LANES_SLOT. */
#ifndef LANES_JOBENV_H
#define LANES_JOBENV_H

/* Takes lanes' environment as the base. */
void jobenv_init(void);

/* Sets NAME=VALUE for every job from now on (replacing lanes' own). */
void jobenv_set(const char *name, const char *value);

/* The environment for job `seq` in `slot`; valid until the next call. */
char *const *jobenv_for(unsigned long seq, int slot);

void jobenv_free(void);

#endif
