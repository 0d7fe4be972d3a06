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

/* The forms of the jobserver lanes offers its jobs. No one MAKEFLAGS
 * suits every client: make 4.3 and ninja 1.13 both read the last
 * --jobserver-auth, and each refuses the other's form. */
enum jobserver_style {
	JOBSERVER_BOTH,  /* a FIFO, then its descriptors last, for make 4.3 */
	JOBSERVER_FIFO,  /* the FIFO alone: make 4.4, ninja 1.13, cargo */
	JOBSERVER_PIPE,  /* descriptors of a pipe alone: no file at all */
};

/* Unless off or joined one, makes a pool for `jobs` slots and exports it
 * to the jobs (MAKEFLAGS, and two descriptors they inherit but with
 * JOBSERVER_FIFO). A pool it cannot make is one warning, and then none. */
void jobserver_offer(long jobs, enum jobserver_style style);

/* True when lanes is a client of another's jobserver. */
bool jobserver_client(void);

/* The -jN of that jobserver's MAKEFLAGS; 0 when it gives none. */
long jobserver_jobs(void);

/* Takes a slot of the pool: the implicit one, or a token. False when none
 * is free now: wait for jobserver_fd(). */
bool jobserver_take(void);

/* A job ended: gives its slot back, at once. As the server, with no job
 * of lanes' left (`in_use` 0), fills the pool up to its size again, in
 * case a job died holding tokens. */
void jobserver_give(long in_use);

/* As the server: the pool is to hold jobs - 1 tokens from now on. New
 * ones are added at once; taken ones leave as they come back. */
void jobserver_resize(long jobs);

/* Readable when a token may be free; -1 without a jobserver. */
int jobserver_fd(void);

/* Descriptors every job is to inherit (the server's pool). */
const int *jobserver_keep(size_t *count);

/* Gives back every token lanes holds, and removes the server's pool. */
void jobserver_end(void);

/* The same, from a place that may not allocate or print (out of memory). */
void jobserver_emergency(void);

#endif
