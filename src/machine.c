/* machine.c — this machine and this process: usable CPUs (affinity and
 * cgroup v2 quota), descriptors, reaping orphans, the controlling
 * terminal. Each Linux-only call sits in one small function here, so a
 * port is one contained change. Knows nothing of jobs. */
#include "machine.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <termios.h>
#include <unistd.h>

static long affinity_cpus(void)
{
	cpu_set_t set;
	if (sched_getaffinity(0, sizeof set, &set) == 0) {
		long n = CPU_COUNT(&set);
		if (n > 0)
			return n;
	}
	return -1;
}

/* cpu.max is "QUOTA PERIOD" or "max PERIOD"; returns ceil(QUOTA/PERIOD),
 * or -1 when unlimited or unreadable. */
static long cgroup_quota_cpus(const char *dir)
{
	char path[8192];
	snprintf(path, sizeof path, "%s/cpu.max", dir);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	char quota[32];
	long period = 0;
	long cpus = -1;
	if (fscanf(f, "%31s %ld", quota, &period) == 2 && strcmp(quota, "max") != 0 && period > 0) {
		long q = atol(quota);
		if (q > 0)
			cpus = (q + period - 1) / period;
	}
	fclose(f);
	return cpus;
}

/* The tightest cpu.max on the path from our cgroup up to the root. */
static long cgroup_cpus(void)
{
	FILE *f = fopen("/proc/self/cgroup", "r");
	if (!f)
		return -1;
	char line[4096];
	char rel[4096] = "";
	while (fgets(line, sizeof line, f)) {
		if (strncmp(line, "0::", 3) == 0) {
			snprintf(rel, sizeof rel, "%s", line + 3);
			rel[strcspn(rel, "\n")] = '\0';
			break;
		}
	}
	fclose(f);
	if (rel[0] != '/')
		return -1;
	char dir[4200];
	long best = -1;
	for (;;) {
		snprintf(dir, sizeof dir, "/sys/fs/cgroup%s", strcmp(rel, "/") == 0 ? "" : rel);
		long n = cgroup_quota_cpus(dir);
		if (n > 0 && (best < 0 || n < best))
			best = n;
		char *slash = strrchr(rel, '/');
		if (!slash || slash == rel) {
			if (strcmp(rel, "/") == 0)
				break;
			strcpy(rel, "/");
		} else {
			*slash = '\0';
		}
	}
	return best;
}

static const char *const posix_shells[] = { "sh", "ash", "dash", "bash", "ksh", "ksh93", "mksh", "lksh",
					    "pdksh", "posh", "yash", "zsh" };
static const char *const other_shells[] = { "csh", "tcsh", "bsd-csh", "fish", "rc", "es", "xonsh", "nu", "elvish" };

static bool named(const char *path, const char *const *names, size_t count)
{
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	if (*base == '-')
		base++;  /* a login shell's argv[0] */
	for (size_t i = 0; i < count; i++)
		if (strcmp(base, names[i]) == 0)
			return true;
	return false;
}

bool machine_posix_shell(const char *path)
{
	return named(path, posix_shells, sizeof posix_shells / sizeof posix_shells[0]);
}

/* The parent of process pid, from /proc/PID/stat; 0 when unknown. */
static pid_t parent_of(pid_t pid)
{
	char path[64], line[512];
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	FILE *f = fopen(path, "re");
	if (!f)
		return 0;
	size_t n = fread(line, 1, sizeof line - 1, f);
	fclose(f);
	line[n] = '\0';
	const char *close = strrchr(line, ')');  /* the name may hold anything */
	int ppid = 0;
	if (!close || sscanf(close + 1, " %*c %d", &ppid) != 1)
		return 0;
	return (pid_t)ppid;
}

const char *machine_parent_shell(void)
{
	static char found[PATH_MAX];
	pid_t pid = getppid();
	for (int depth = 0; pid > 1 && depth < 32; depth++, pid = parent_of(pid)) {
		char path[64];
		snprintf(path, sizeof path, "/proc/%d/exe", (int)pid);
		ssize_t n = readlink(path, found, sizeof found - 1);
		if (n > 0) {
			found[n] = '\0';
			if (machine_posix_shell(found))
				return found;
			if (named(found, other_shells, sizeof other_shells / sizeof other_shells[0]))
				return NULL;
			continue;
		}
		/* Another user's process: its argv[0] says what it was started as. */
		snprintf(path, sizeof path, "/proc/%d/cmdline", (int)pid);
		FILE *f = fopen(path, "re");
		if (!f)
			continue;
		n = (ssize_t)fread(found, 1, sizeof found - 1, f);
		fclose(f);
		found[n > 0 ? n : 0] = '\0';
		if (named(found, other_shells, sizeof other_shells / sizeof other_shells[0]))
			return NULL;
		if (found[0] == '/' && machine_posix_shell(found) && access(found, X_OK) == 0)
			return found;
	}
	return NULL;
}

long long machine_memory(const char *field)
{
	FILE *f = fopen("/proc/meminfo", "re");
	if (!f)
		return -1;
	char line[256];
	size_t n = strlen(field);
	long long kb = -1;
	while (fgets(line, sizeof line, f))
		if (strncmp(line, field, n) == 0 && line[n] == ':' && sscanf(line + n + 1, "%lld kB", &kb) == 1)
			break;
	fclose(f);
	return kb < 0 ? -1 : kb * 1024;
}

void machine_cpu_use(int64_t *busy, int64_t *stolen)
{
	*busy = *stolen = 0;
	cpu_set_t set;
	bool mask = sched_getaffinity(0, sizeof set, &set) == 0;
	FILE *f = fopen("/proc/stat", "re");
	if (!f)
		return;
	char line[512];
	unsigned long long work = 0, steal = 0;
	while (fgets(line, sizeof line, f) && strncmp(line, "cpu", 3) == 0) {
		int cpu;
		unsigned long long v[8];
		/* cpuN user nice system idle iowait irq softirq steal */
		if (sscanf(line, "cpu%d %llu %llu %llu %llu %llu %llu %llu %llu", &cpu, &v[0], &v[1], &v[2], &v[3], &v[4],
			   &v[5], &v[6], &v[7]) != 9)
			continue;  /* the "cpu " line of all of them */
		if (mask && !(cpu >= 0 && cpu < CPU_SETSIZE && CPU_ISSET(cpu, &set)))
			continue;
		work += v[0] + v[1] + v[2] + v[5] + v[6];
		steal += v[7];
	}
	fclose(f);
	long hz = sysconf(_SC_CLK_TCK);
	if (hz > 0) {
		*busy = (int64_t)(work * (1000000000ULL / (unsigned long long)hz));
		*stolen = (int64_t)(steal * (1000000000ULL / (unsigned long long)hz));
	}
}

long machine_cpus(void)
{
	long cpus = affinity_cpus();
	if (cpus < 1)
		cpus = 1;
	long quota = cgroup_cpus();
	if (quota > 0 && quota < cpus)
		cpus = quota;
	return cpus;
}

long machine_raise_fd_limit(long wanted)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return 1024;
	if (rl.rlim_cur != RLIM_INFINITY && (rlim_t)wanted > rl.rlim_cur && rl.rlim_cur < rl.rlim_max) {
		struct rlimit want = rl;
		want.rlim_cur = (rlim_t)wanted < rl.rlim_max ? (rlim_t)wanted : rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &want) == 0)
			rl = want;
	}
	if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > (rlim_t)1 << 30)
		return 1L << 30;
	return (long)rl.rlim_cur;
}

void machine_become_subreaper(void)
{
#ifdef PR_SET_CHILD_SUBREAPER
	prctl(PR_SET_CHILD_SUBREAPER, 1);
#endif
}

long machine_open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	long n = 0;
	if (d) {
		while (readdir(d))
			n++;
		closedir(d);
		return n - 3;  /* ".", ".." and the directory's own */
	}
	/* No /proc: ask each number up to the limit, or a good way past it. */
	struct rlimit rl;
	long top = getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < 65536 ? (long)rl.rlim_cur : 65536;
	for (long fd = 0; fd < top; fd++)
		n += fcntl((int)fd, F_GETFD) >= 0;
	return n;
}

/* A closed descriptor 0, 1 or 2 gets /dev/null, opened the wrong way round
 * (stdin write-only, stdout and stderr read-only), so that reading or
 * writing it still fails with EBADF as before, and a pipe made for a job
 * can never be given one of these numbers. */
void machine_fill_standard_fds(void)
{
	for (int fd = 0; fd < 3; fd++) {
		if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
			continue;
		int got = open("/dev/null", fd == 0 ? O_WRONLY : O_RDONLY);
		if (got >= 0 && got != fd) {
			dup2(got, fd);
			close(got);
		}
	}
}

int machine_terminal_open(void)
{
	return open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
}

bool machine_terminal_is_ours(int tty)
{
	return tcgetpgrp(tty) == getpgrp();
}

/* tcsetpgrp from a background process group raises SIGTTOU unless the
 * caller blocks it, and lanes is in the background while a job holds the
 * terminal. */
void machine_terminal_give(int tty, pid_t group)
{
	sigset_t ttou, old;
	sigemptyset(&ttou);
	sigaddset(&ttou, SIGTTOU);
	sigprocmask(SIG_BLOCK, &ttou, &old);
	tcsetpgrp(tty, group);
	sigprocmask(SIG_SETMASK, &old, NULL);
}

void machine_close_fds(const int *fds, int count)
{
	int low = count ? fds[0] : 0, high = low;
	for (int i = 1; i < count; i++) {
		low = fds[i] < low ? fds[i] : low;
		high = fds[i] > high ? fds[i] : high;
	}
#ifdef SYS_close_range
	/* Consecutive (a job's two pipes usually are): one call for all. */
	if (count > 1 && high - low == count - 1 && syscall(SYS_close_range, low, high, 0) == 0)
		return;
#endif
	for (int i = 0; i < count; i++)
		close(fds[i]);
}

int machine_make_dirs(const char *dir)
{
	char *path = strdup(dir);
	if (!path)
		return ENOMEM;
	int e = 0;
	for (char *s = path + 1; *s && !e; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(path, 0777) != 0 && errno != EEXIST)
			e = errno;
		*s = '/';
	}
	if (!e && mkdir(path, 0777) != 0 && errno != EEXIST)
		e = errno;
	free(path);
	return e;
}
