/* spawn.h — starts one job process on this machine: in a process group of
 * its own, with clean signal state, the descriptors it is given and no
 * others, and the kernel's promise to kill it should lanes die first. */
#ifndef LANES_SPAWN_H
#define LANES_SPAWN_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct spawn_job {
	char *const *argv;      /* argv[0] is searched in PATH when it has no slash */
	char *const *envp;
	int in;                 /* the job's stdin; -1: /dev/null */
	int out, err;           /* its stdout and stderr; -1: lanes' own */
	const int *keep;        /* further descriptors the job inherits */
	size_t keep_count;
	int terminal;           /* >= 0: the terminal to make the job's foreground */
	const char *dir;        /* the job's working directory; NULL: lanes' own */
};

/* --nice: every job runs at this niceness (when lower than lanes' own,
 * only with the privilege to lower it). */
void spawn_nice(int level);

/* Prepares what every spawn shares. Returns 0, or -1 with errno set. */
int spawn_init(void);

/* Starts the job. On success stores the pid (which is also the process
 * group id) and returns 0; otherwise returns the errno: ENOENT, EACCES,
 * ENOEXEC, E2BIG ... from exec (the child is then gone), EAGAIN or ENOMEM
 * when the system is out of processes for now. */
int spawn_start(const struct spawn_job *job, pid_t *pid);

/* True when `name` could be started: a file we may execute, found in PATH
 * when it has no slash. */
bool spawn_findable(const char *name);

/* lanes has forked itself: the child is the jobs' parent now. */
void spawn_forked(void);

void spawn_free(void);

#endif
