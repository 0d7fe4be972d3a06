/* spawn.h — starts one job process: posix_spawn, its own process group,
 * clean signal state, stdin from /dev/null, stdout/stderr where asked. */
#ifndef LANES_SPAWN_H
#define LANES_SPAWN_H

#include <signal.h>
#include <sys/types.h>

/* Prepares what every spawn shares. `reset` lists the signals lanes
 * catches or ignores, which the job gets back at their defaults.
 * Returns 0, or -1 with errno set. */
int spawn_init(const sigset_t *reset);

/* Starts argv[0] (searched in PATH when it has no slash) with `envp`,
 * stdout on out_fd and stderr on err_fd (-1: lanes' own). On success
 * stores the pid (which is also the process group id) and returns 0;
 * otherwise returns the errno: ENOENT/EACCES/ENOEXEC from exec,
 * EAGAIN/ENOMEM when the system is out of processes for now. */
int spawn_start(char *const argv[], char *const envp[], int out_fd, int err_fd, pid_t *pid);

#endif
