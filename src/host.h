/* host.h — what this machine lets lanes use: CPUs, descriptors, reaping.
 * Every Linux-only call sits here, one small function each. */
#ifndef LANES_HOST_H
#define LANES_HOST_H

/* CPUs this process may use: the affinity mask capped by the cgroup v2
 * cpu.max quotas of its cgroup and every ancestor; at least 1. */
long host_cpus(void);

/* Raises the soft RLIMIT_NOFILE towards `wanted` (never past the hard
 * limit, never lowering it: jobs inherit it, so it is raised only as far
 * as needed). Returns the soft limit now in force. */
long host_raise_fd_limit(long wanted);

/* Makes lanes the reaper of its jobs' orphaned grandchildren, so none is
 * left a zombie. Best effort. */
void host_become_subreaper(void);

#endif
