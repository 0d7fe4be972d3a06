/* loop.h — the one place lanes waits. Modules register descriptors with
 * the events they want and a function to call, and the signals they
 * handle; deadlines are timer.h entries. One turn of the loop waits in a
 * single ppoll() and then calls, in this order: the functions of ready
 * descriptors, those of signals that came, those of passed deadlines.
 * No function called from the loop may block. */
#ifndef LANES_LOOP_H
#define LANES_LOOP_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

typedef void loop_fd_fn(int fd, short revents, void *arg);
typedef void loop_signal_fn(int sig);

/* Sets up the deadline timer (SIGALRM) and catches SIGPIPE: a closed
 * reader shows up as EPIPE where lanes writes. Every signal lanes catches
 * is back at its default in a job, by exec itself. Returns 0, or -1 with
 * errno set. */
int loop_init(void);

/* From now on `sig` calls `fn` from the loop (never from the handler),
 * once for each time it came. With `unless_ignored`, a signal that was
 * ignored when lanes started (nohup, a background job of sh) stays
 * ignored, for lanes and its jobs alike, and this returns false. */
bool loop_catch(int sig, loop_signal_fn *fn, bool unless_ignored);

/* The signals lanes catches that were ignored when it started: a job
 * gets them ignored again (exec would reset them to their defaults). */
const sigset_t *loop_ignored_at_start(void);

/* Open from just before spawn.c makes a child that shares lanes' memory
 * until it has exec'd: a signal caught meanwhile is the child's. */
void loop_child_window(bool open);

/* Calls fn(fd, revents, arg) whenever fd has one of `events` (POLLIN,
 * POLLOUT), or a hang-up or error. Watching a watched fd again replaces
 * what it is watched for. */
void loop_watch(int fd, short events, loop_fd_fn *fn, void *arg);

/* Changes what fd is watched for; 0 leaves it out of the wait for now. */
void loop_set_events(int fd, short events);

/* Stops watching fd (before it is closed). */
void loop_unwatch(int fd);

/* One turn: waits until something happens (or, unless `block`, only
 * looks) and calls what is due. Returns 0, or -1 after printing why
 * waiting failed. */
int loop_wait(bool block);

/* Stops lanes itself the way SIGTSTP does (a shell's Ctrl-Z) and returns
 * once it is continued, with the nanoseconds it was stopped. In an
 * orphaned process group the kernel does not stop it: 0 at once. */
int64_t loop_suspend(void);

#endif
