/* jobenv.h — the environment every job gets, built in one place: lanes'
 * own, with variables others add for the whole run (jobenv_set), and the
 * job's own LANES_SEQ and LANES_SLOT. */
#ifndef LANES_JOBENV_H
#define LANES_JOBENV_H

/* --process-slot-var: every job also gets NAME=its slot - 1 (GNU
 * parallel's numbering). Before jobenv_init. */
void jobenv_slot_var(const char *name);

/* Takes lanes' environment as the base. */
void jobenv_init(void);

/* Sets NAME=VALUE for every job from now on (replacing lanes' own). */
void jobenv_set(const char *name, const char *value);

/* The environment for job `seq` in `slot`; valid until the next call. */
char *const *jobenv_for(unsigned long seq, int slot);

void jobenv_free(void);

#endif
