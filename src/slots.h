/* slots.h — may another job start? The verbs of GNU make's jobserver:
 * acquire a slot without waiting (or learn what to wait for), release it
 * when the job ends, and a target number of slots that may change during
 * a run. A slot's number (1, 2, ...) is the job's {%} and LANES_SLOT,
 * wherever the slot came from; no two running jobs share one. Today the
 * only provider is a counter of this process's own slots. */
#ifndef LANES_SLOTS_H
#define LANES_SLOTS_H

#include <stdbool.h>

/* How many of `wanted` slots the descriptor limit allows, when a job
 * holds `per_slot` descriptors while it runs and `to_start` as it starts;
 * raises the soft limit as far as that needs. Warns once (if `say`) when
 * it is fewer; returns -1 after a message when not even one job fits. */
long slots_fit_descriptors(long wanted, long per_slot, long to_start, bool say);

/* Starts with `target` slots (at least 1). */
void slots_init(long target);

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

/* A descriptor that becomes readable when a slot may be free (a shared
 * provider's), or -1: only a release here frees one. */
int slots_fd(void);

#endif
