/* spawn.c — the only place lanes creates a process. It does what
 * posix_spawn does, with less: clone(CLONE_VM | CLONE_VFORK) on a stack of
 * its own (no page-table copy, no stack to map per job); a child that
 * resets no signal handler, since exec resets the ones lanes catches and
 * lanes ignores none (loop.c sees to a signal that comes before the
 * exec; the child ignores again what lanes found ignored); and a
 * PATH cache like a shell's command hash, so that a program is found once
 * per run and each job costs a single execve. A cached path that stops working
 * (the exec fails with ENOENT, ENOTDIR or EACCES) is looked up again and
 * the job tried once more.
 *
 * The child shares lanes' memory until it execs: it calls only
 * async-signal-safe functions and reports a failed exec by writing the
 * errno where the parent, which the kernel holds until then, reads it.
 * (valgrind runs such a child as a fork, so under valgrind a failed exec
 * is only seen as the job's exit status 127.) */
#include "spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc.h"
#include "loop.h"

#define PATH_CACHE 64

struct request {
	const struct spawn_job *job;
	const char *path;       /* what to execve */
	pid_t parent;
	volatile int error;     /* written by the child when exec fails */
};

static int devnull = -1;
static int niceness = INT_MIN;  /* --nice: set in each job; INT_MIN: none */
static pid_t self;
static char child_stack[64 * 1024] __attribute__((aligned(16)));

static struct cached { char *name; char *path; } cache[PATH_CACHE];
static size_t cache_count;

void spawn_forked(void)
{
	self = getpid();
}

void spawn_nice(int level)
{
	/* Set in each job; lowering it needs privileges, and without them
	 * the job keeps lanes' niceness (setpriority fails), as with GNU. */
	niceness = level;
}

int spawn_init(void)
{
	self = getpid();
	devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	return devnull < 0 ? -1 : 0;
}

static void move_fd(int from, int to)
{
	if (from == to)
		fcntl(to, F_SETFD, 0);  /* keep it across exec */
	else
		dup2(from, to);
}

/* Runs in the child, on child_stack, sharing lanes' memory. */
__attribute__((no_sanitize("address")))
static int child(void *arg)
{
	struct request *r = arg;
	const struct spawn_job *job = r->job;
	sigset_t mask;
	setpgid(0, 0);
	if (job->terminal >= 0) {
		/* From a background group this raises SIGTTOU unless blocked. */
		sigemptyset(&mask);
		sigaddset(&mask, SIGTTOU);
		sigprocmask(SIG_BLOCK, &mask, NULL);
		tcsetpgrp(job->terminal, getpid());
	}
	move_fd(job->in >= 0 ? job->in : devnull, 0);
	if (job->out >= 0)
		move_fd(job->out, 1);
	if (job->err >= 0)
		move_fd(job->err, 2);
	for (size_t i = 0; i < job->keep_count; i++)
		fcntl(job->keep[i], F_SETFD, 0);
	if (niceness != INT_MIN)
		setpriority(PRIO_PROCESS, 0, niceness);
	if (job->dir && chdir(job->dir) != 0) {
		r->error = errno;  /* local.c has made it: a race, reported as the job's */
		_exit(127);
	}
	/* Exec resets a caught signal to its default; one that was ignored
	 * when lanes started is to stay ignored (nohup). Usually none. */
	const sigset_t *ignored = loop_ignored_at_start();
	if (!sigisemptyset(ignored))
		for (int sig = 1; sig < NSIG; sig++)
			if (sigismember(ignored, sig))
				signal(sig, SIG_IGN);
	/* If lanes dies without ending its jobs (kill -9), the kernel ends
	 * this one, so that a later --resume cannot run it a second time. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != r->parent)
		_exit(127);  /* lanes died before the line above */
	sigemptyset(&mask);
	sigprocmask(SIG_SETMASK, &mask, NULL);
	execve(r->path, job->argv, job->envp);
	r->error = errno;
	_exit(127);
}

/* 0 when path is a file we may execute; ENOENT when there is none;
 * EACCES when there is one we may not. */
static int executable(const char *path)
{
	struct stat st;
	if (stat(path, &st) != 0)
		return ENOENT;
	return S_ISREG(st.st_mode) && faccessat(AT_FDCWD, path, X_OK, AT_EACCESS) == 0 ? 0 : EACCES;
}

/* PATH lookup as execvp does it: the first regular executable file;
 * EACCES when a file of that name exists nowhere executable, ENOENT
 * when none exists. */
static int search_path(const char *name, char **found)
{
	const char *path = getenv("PATH");
	if (!path)
		path = "/bin:/usr/bin";
	size_t name_len = strlen(name);
	int e = ENOENT;
	for (const char *p = path;; p++) {
		const char *colon = strchr(p, ':');
		size_t dir_len = colon ? (size_t)(colon - p) : strlen(p);
		char *full = xmalloc(dir_len + name_len + 3);
		if (dir_len == 0)
			full[0] = '.', dir_len = 1;  /* an empty entry is the current directory */
		else
			memcpy(full, p, dir_len);
		full[dir_len] = '/';
		memcpy(full + dir_len + 1, name, name_len + 1);
		int why = executable(full);
		if (why == 0) {
			*found = full;
			return 0;
		}
		if (why == EACCES)
			e = EACCES;
		free(full);
		if (!colon)
			return e;
		p = colon;
	}
}

static struct cached *cache_find(const char *name)
{
	for (size_t i = 0; i < cache_count; i++)
		if (strcmp(cache[i].name, name) == 0)
			return &cache[i];
	return NULL;
}

static void cache_forget(struct cached *c)
{
	free(c->name);
	free(c->path);
	*c = cache[--cache_count];
}

/* The path to execve for argv[0]: itself when it has a slash, else the
 * cached or newly found file. Returns 0, or the errno for the job. */
static int resolve(const char *name, const char **path)
{
	if (strchr(name, '/')) {
		*path = name;
		return 0;
	}
	if (name[0] == '\0')
		return ENOENT;
	struct cached *c = cache_find(name);
	if (!c) {
		char *found;
		int e = search_path(name, &found);
		if (e)
			return e;
		if (cache_count == PATH_CACHE)
			cache_forget(&cache[0]);
		c = &cache[cache_count++];
		c->name = xstrndup(name, strlen(name));
		c->path = found;
	}
	*path = c->path;
	return 0;
}

static int start(const struct spawn_job *job, const char *path, pid_t *pid)
{
	struct request r = { job, path, self, 0 };
	loop_child_window(true);
	pid_t child_pid = clone(child, child_stack + sizeof child_stack, CLONE_VM | CLONE_VFORK | SIGCHLD, &r);
	loop_child_window(false);
	if (child_pid < 0)
		return errno;
	if (r.error)
		return r.error;  /* the child has exited; the loop reaps it */
	*pid = child_pid;
	return 0;
}

int spawn_start(const struct spawn_job *job, pid_t *pid)
{
	const char *path;
	int e = resolve(job->argv[0], &path);
	if (e)
		return e;
	e = start(job, path, pid);
	struct cached *c = path != job->argv[0] ? cache_find(job->argv[0]) : NULL;
	if (c && (e == ENOENT || e == ENOTDIR || e == EACCES)) {
		/* The program moved since it was found: look again, once. */
		cache_forget(c);
		if ((e = resolve(job->argv[0], &path)) == 0)
			e = start(job, path, pid);
	}
	return e;
}

bool spawn_findable(const char *name)
{
	if (strchr(name, '/'))
		return executable(name) == 0;
	char *found;
	if (!*name || search_path(name, &found) != 0)
		return false;
	free(found);
	return true;
}

void spawn_free(void)
{
	while (cache_count > 0)
		cache_forget(&cache[0]);
	if (devnull >= 0)
		close(devnull);
	devnull = -1;
}
