/* semaphore.h — named counting semaphores shared by every process of one
 * user: N slot files in a private directory, each taken with a kernel
 * lock (flock) that the kernel frees the moment its holder dies. Waiting
 * is a descriptor for the loop (inotify on the slot files: a holder's
 * close or death wakes it), never a sleep. */
#ifndef LANES_SEMAPHORE_H
#define LANES_SEMAPHORE_H

#include <stdbool.h>

struct semaphore;

/* Opens semaphore `id` with `size` slots, making its files as needed.
 * Every process that has it open agrees on the size: a different one is
 * an error while another holds the id. Size 0 takes the size it has (0
 * when nobody uses it). `option` names the option for messages. Returns
 * NULL after printing a message. */
struct semaphore *semaphore_open(const char *id, long size, const char *option);

/* Takes a free slot: its number (1..size), or 0 when all are held. */
int semaphore_take(struct semaphore *s);

/* Takes slot `slot` if it is free; true when taken. */
bool semaphore_take_slot(struct semaphore *s, int slot);

/* Gives slot `slot` back (its lock file closed: waiters wake). */
void semaphore_give(struct semaphore *s, int slot);

/* Readable when a slot may have been freed: read it with
 * semaphore_events(), then try again. */
int semaphore_fd(const struct semaphore *s);
void semaphore_events(struct semaphore *s);

long semaphore_size(const struct semaphore *s);

/* Gives every slot back and closes the semaphore. */
void semaphore_close(struct semaphore *s);

/* The directory semaphores of this user live in (for messages, tests). */
const char *semaphore_dir(void);

#endif
