/* machine.h — what this machine lets lanes use: CPUs, descriptors,
 * reaping, the terminal. Every Linux-only call sits here, one small
 * function each. */
#ifndef LANES_MACHINE_H
#define LANES_MACHINE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* mkdir -p: DIR and the directories above it that are missing. 0, or
 * the errno of the one that could not be made. */
int machine_make_dirs(const char *dir);

/* CPUs this process may use: the affinity mask capped by the cgroup v2
 * cpu.max quotas of its cgroup and every ancestor; at least 1. */
long machine_cpus(void);

/* A line of /proc/meminfo ("MemTotal", "MemAvailable") in bytes; -1 when
 * it cannot be read. */
long long machine_memory(const char *field);

/* The time, in ns since boot, the CPUs this process may use spent
 * working (for any process: user, nice, system, interrupts) and what
 * the hypervisor took from them ("steal": on a busy host a virtual CPU
 * gives less than all of its time), from /proc/stat; 0 when unknown. */
void machine_cpu_use(int64_t *busy, int64_t *stolen);

/* The nearest shell among this process's ancestors, when it is one of the
 * POSIX-style shells (sh, dash, bash, ksh, zsh, ...): its path, in a
 * static buffer. NULL when there is none, or the nearest is another kind
 * (csh, fish, rc). */
const char *machine_parent_shell(void);

/* True when `path` names a POSIX-style shell (by its last component). */
bool machine_posix_shell(const char *path);

/* Raises the soft RLIMIT_NOFILE towards `wanted` (never past the hard
 * limit, never lowering it: jobs inherit it, so it is raised only as far
 * as needed). Returns the soft limit now in force. */
long machine_raise_fd_limit(long wanted);

/* How many descriptors this process has open. */
long machine_open_fds(void);

/* Gives a closed stdin, stdout or stderr a descriptor that still fails
 * the same way, so that no file lanes opens takes their numbers. */
void machine_fill_standard_fds(void);

/* Closes `count` descriptors; in one system call when they are
 * consecutive numbers and the kernel has close_range. */
void machine_close_fds(const int *fds, int count);

/* Makes lanes the reaper of its jobs' orphaned grandchildren, so none is
 * left a zombie. Best effort. */
void machine_become_subreaper(void);

/* The controlling terminal (/dev/tty), or -1 with errno set. */
int machine_terminal_open(void);

/* True when lanes' process group is the terminal's foreground group. */
bool machine_terminal_is_ours(int tty);

/* Makes `group` the terminal's foreground process group. */
void machine_terminal_give(int tty, pid_t group);

#endif
