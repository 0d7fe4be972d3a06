/* slots.h — may another job start? The verbs of GNU make's jobserver:
 * acquire a slot without waiting (or learn what to wait for), release it
 * when the job ends, and a target number of slots that may change during
 * a run. A slot's number (1, 2, ...) is the job's {%} and LANES_SLOT,
 * wherever the slot came from; no two running jobs share one. A slot is
 * lanes' own, plus, when the run shares them, a token of a make
 * jobserver and a slot of a named semaphore. */
#ifndef LANES_SLOTS_H
#define LANES_SLOTS_H

#include <stdbool.h>
#include <stddef.h>

/* How many of `wanted` slots the descriptor limit allows, when a job
 * holds `per_slot` descriptors while it runs and `to_start` as it starts;
 * raises the soft limit as far as that needs. Warns once (if `say`) when
 * it is fewer; returns -1 after a message when not even one job fits. */
long slots_fit_descriptors(long wanted, long per_slot, long to_start, bool say);

/* What a run shares its slots with. */
struct slots_sharing {
	bool no_jobserver;       /* offer the jobs no jobserver of lanes' own */
	int jobserver_style;     /* else the forms it has (enum jobserver_style) */
	const char *sem_id;      /* a named semaphore each job also holds; NULL: none */
	long sem_size;
	const char *sem_option;  /* the option that named it, for messages */
	bool sem_numbers;        /* --semaphore: its slot is the job's number */
};

/* Joins a make jobserver that MAKEFLAGS names (unless no_jobserver):
 * returns the jobs it allows (its -jN), -1 when it does not say, 0 when
 * there is none. Before slots_init. */
long slots_join_shared(bool no_jobserver);

/* Starts with `target` slots (at least 1), shared as `share` says (NULL:
 * not at all). Returns 0, or -1 after a message. */
int slots_init(long target, const struct slots_sharing *share);

/* Descriptors every job is to inherit (a jobserver's, for the jobs). */
const int *slots_inherited(size_t *count);

/* Gives back everything shared and frees the rest. */
void slots_end(void);

/* slots_fd() was readable: take note before trying again. */
void slots_woken(void);

/* From now on, jobs run without the semaphore (--semaphore-timeout). */
void slots_bypass_shared(void);

/* A free slot's number, taken; or 0 when every slot is in use: try again
 * after a release, or when slots_fd() is readable. */
int slots_acquire(void);

/* Gives back a slot taken by slots_acquire. */
void slots_release(int slot);

/* How many slots there are to be; a slot above a lowered target is not
 * handed out again once it is released. */
void slots_set_target(long target);
long slots_target(void);

/* Slots taken and not yet released. */
long slots_in_use(void);

/* After slots_acquire() said 0: true when what is missing is a shared
 * slot (look again at least once a second), and a descriptor that may
 * say when it is free (-1: none, or only a release here frees one). */
bool slots_waiting_shared(void);
int slots_fd(void);

#endif
