/* jobserver.h — GNU make's jobserver. lanes takes part in one that
 * MAKEFLAGS names (it is a job of make: the client), or offers one to its
 * own jobs (the server), so that a make, cargo or ninja inside a job
 * shares lanes' slots instead of adding its own. Either way each job of
 * lanes but the first holds a token of the pool while it runs. */
#ifndef LANES_JOBSERVER_H
#define LANES_JOBSERVER_H

#include <stdbool.h>
#include <stddef.h>

/* Unless `off` (--no-jobserver), joins the jobserver MAKEFLAGS names. One
 * lanes cannot use is one warning, and then none. */
void jobserver_join(bool off);

/* Unless off or joined one, makes a pool for `jobs` slots and exports it
 * to the jobs (MAKEFLAGS, and two descriptors they inherit). A pool it
 * cannot make is one warning, and then none. Returns 0. */
int jobserver_offer(long jobs);

/* True when lanes is a client of another's jobserver. */
bool jobserver_client(void);

/* The -jN of that jobserver's MAKEFLAGS; 0 when it gives none. */
long jobserver_jobs(void);

/* Takes a slot of the pool: the implicit one, one given back this turn,
 * or a token. False when none is free now: wait for jobserver_fd(). */
bool jobserver_take(void);

/* Gives a slot back; it stays spare until jobserver_settle(), so that a
 * job starting in the same turn takes it without a round trip. */
void jobserver_give(void);

/* Puts the spare tokens back in the pool. As the server, with no job of
 * lanes' running (`in_use` 0), fills the pool up to its size again, in
 * case a job died holding tokens. */
void jobserver_settle(long in_use);

/* Readable when a token may be free; -1 without a jobserver. */
int jobserver_fd(void);

/* Descriptors every job is to inherit (the server's pool). */
const int *jobserver_keep(size_t *count);

/* Gives back every token lanes holds, and removes the server's pool. */
void jobserver_end(void);

/* The same, from a place that may not allocate or print (out of memory). */
void jobserver_emergency(void);

#endif
