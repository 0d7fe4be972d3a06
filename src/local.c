/* local.c — owns the job processes of this machine: starting one (spawn.c,
 * with the job's environment and, under --tty, the terminal), the pid
 * table entry it has until it is reaped, and reaping: wait4(-1, WNOHANG)
 * on SIGCHLD until nothing is left, since several exits may share one
 * signal. Orphans lanes adopted as subreaper are reaped and ignored. What
 * a reap means is runner.c's business; a --tty job stopped by Ctrl-Z is
 * job control's (jobctl.c). */
#include "local.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "command.h"
#include "jobctl.h"
#include "jobenv.h"
#include "loop.h"
#include "machine.h"
#include "msg.h"
#include "slots.h"
#include "spawn.h"
#include "slurm.h"
#include "ssh.h"

static const char *shell;
static int tty = -1;
static long running;
static void (*on_reaped)(struct job *);
static void (*on_stopped)(struct job *, int);
static void (*on_after)(void);

static void on_child(int sig)
{
	(void)sig;
	int status;
	pid_t pid;
	struct rusage use;
	while ((pid = wait4(-1, &status, WNOHANG | WUNTRACED, &use)) > 0) {
		struct job *j = jobs_by_pid(pid);
		if (!j) {
			hosts_reaped(pid, status);  /* a host's connection, or a question to it */
			continue;
		}
		if (WIFSTOPPED(status)) {
			int sig = WSTOPSIG(status);
			if (j->has_terminal && (sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU))
				jobctl_suspend();  /* Ctrl-Z at the job: lanes stops with it, as a shell would */
			else
				on_stopped(j, sig);
			continue;
		}
		jobs_forget_pid(j);
		running--;
		j->cpu_ns = (int64_t)(use.ru_utime.tv_sec + use.ru_stime.tv_sec) * 1000000000 +
			    (int64_t)(use.ru_utime.tv_usec + use.ru_stime.tv_usec) * 1000;
		j->signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
		j->status = j->signal ? 128 + j->signal : WEXITSTATUS(status);
		if (j->has_terminal) {
			jobctl_take_terminal();
			j->has_terminal = false;
		}
		on_reaped(j);
	}
	on_after();
}

int local_init(const char *sh, bool with_tty, void (*reaped)(struct job *), void (*stopped)(struct job *, int),
	       void (*after)(void))
{
	shell = sh;
	on_reaped = reaped;
	on_stopped = stopped;
	on_after = after;
	loop_catch(SIGCHLD, on_child, false);
	if (spawn_init() != 0) {
		msg_print("/dev/null: %s", strerror(errno));
		return -1;
	}
	if (with_tty && (tty = machine_terminal_open()) < 0) {
		msg_print("--tty: /dev/tty: %s", strerror(errno));
		return -1;
	}
	jobctl_init(tty);
	machine_become_subreaper();
	jobenv_init();
	return 0;
}

void local_end(void)
{
	jobenv_free();
	spawn_free();
	if (tty >= 0)
		close(tty);
	tty = -1;
}

int local_start(struct job *j, int child[2], int in)
{
	int e = 0;
	/* --workdir: a job run here (or its srun) starts in it */
	const char *dir = j->remote.host && !hosts_is_local(j->remote.host) ? NULL : remote_local_dir(j, &e);
	if (e)
		return ECANCELED;  /* said why; the job fails */
	int foreground = jobctl_terminal_for_job();
	struct spawn_job s = {
		.argv = j->remote.argv ? j->remote.argv : j->cmd.argv,
		.envp = jobenv_for(j->seq, j->slot),
		.in = in >= 0 ? in : tty,
		.out = child[0],
		.err = child[1],
		.terminal = foreground,
		.dir = dir,
	};
	s.keep = slots_inherited(&s.keep_count);
	pid_t pid;
	e = spawn_start(&s, &pid);
	if ((e == ENOEXEC || e == ENOENT) && !j->cmd.shell && !j->remote.argv) {
		/* A script without #!: run it as a shell would, by the shell;
		 * and a name exec cannot find may still mean something to the
		 * shell (a function it was given, an alias in its start-up
		 * file): the shell decides, and says "not found" if not. */
		command_use_shell(&j->cmd, shell);
		s.argv = j->cmd.argv;
		e = spawn_start(&s, &pid);
	}
	if (e)
		return e;
	jobs_track_pid(j, pid);
	j->group = pid;
	j->has_terminal = foreground >= 0;
	running++;
	return 0;
}

bool local_signal(struct job *j, int sig)
{
	if (j->remote.control >= 0 && remote_signal(j, sig))
		return true;  /* the job's wrapper on its host signals it */
	if (sig == SIGKILL)
		slurm_kill(j);  /* its step, should one outlive srun */
	return kill(-j->group, sig) == 0 || (j->pid > 0 && kill(j->pid, sig) == 0);
}

bool local_alive(const struct job *j)
{
	return kill(-j->group, 0) == 0 || errno != ESRCH;
}

void local_forget(struct job *j)
{
	if (j->pid <= 0)
		return;
	jobs_forget_pid(j);
	running--;
}

long local_running(void)
{
	return running;
}
