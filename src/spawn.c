/* spawn.c — the only place lanes creates a process. posix_spawn (glibc uses
 * CLONE_VFORK: no page-table copy, so its cost does not grow with lanes'
 * memory) puts each job in a process group of its own, so a timeout or an
 * interrupt can signal the job and everything it started. */
#include "spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <unistd.h>

static posix_spawnattr_t attr;
static int devnull = -1;

int spawn_init(const sigset_t *reset)
{
	devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (devnull < 0)
		return -1;
	sigset_t empty;
	sigemptyset(&empty);
	int e = posix_spawnattr_init(&attr);
	if (!e)
		e = posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
							   POSIX_SPAWN_SETSIGDEF);
	if (!e)
		e = posix_spawnattr_setpgroup(&attr, 0);
	if (!e)
		e = posix_spawnattr_setsigmask(&attr, &empty);
	if (!e)
		e = posix_spawnattr_setsigdefault(&attr, reset);
	if (e) {
		errno = e;
		return -1;
	}
	return 0;
}

int spawn_start(char *const argv[], char *const envp[], int out_fd, int err_fd, pid_t *pid)
{
	posix_spawn_file_actions_t actions;
	int e = posix_spawn_file_actions_init(&actions);
	if (e)
		return e;
	e = posix_spawn_file_actions_adddup2(&actions, devnull, 0);
	if (!e && out_fd >= 0)
		e = posix_spawn_file_actions_adddup2(&actions, out_fd, 1);
	if (!e && err_fd >= 0)
		e = posix_spawn_file_actions_adddup2(&actions, err_fd, 2);
	if (!e)
		e = posix_spawnp(pid, argv[0], &actions, &attr, argv, envp);
	posix_spawn_file_actions_destroy(&actions);
	return e;
}
