/* sem.h — what lanes --semaphore (sem) does besides running its one
 * command: going to the background once the command has its slot, and
 * --wait. */
#ifndef LANES_SEM_H
#define LANES_SEM_H

#include "options.h"

/* --bg (the default): the command has its slot and is about to start.
 * The caller's process returns to the shell with status 0; the one that
 * this returns in goes on, holding the slot, and runs the command.
 * Returns 0 in the latter, or -1 after a message. */
int sem_detach(void);

/* --wait: waits until no command holds a slot of the semaphore, then
 * returns lanes' exit status (0; 128+n after a signal; 255 on error). */
int sem_wait_all(const struct options *opts);

#endif
