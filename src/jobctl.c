/* jobctl.c — owns what lanes does when it is stopped or continued, and who
 * has the terminal. Jobs are stopped with SIGSTOP (they run in background
 * process groups, where the terminal's SIGTSTP never reaches them), then
 * lanes stops itself with SIGTSTP's default action, so that its shell
 * sees it stopped as usual; fg continues lanes, which continues them. */
#include "jobctl.h"

#include <signal.h>
#include <unistd.h>

#include "jobs.h"
#include "loop.h"
#include "machine.h"
#include "timer.h"

static int tty = -1;

static bool has_process(const struct job *j)
{
	return j->phase == JOB_RUNNING && j->pid > 0;
}

void jobctl_suspend(void)
{
	struct job *holder = NULL;
	for (struct job *j = jobs_first_live(); j; j = j->next)
		if (has_process(j)) {
			kill(-j->group, SIGSTOP);
			if (j->has_terminal)
				holder = j;
		}
	if (holder)
		machine_terminal_give(tty, getpgrp());
	int64_t stopped = loop_suspend();
	if (holder)
		machine_terminal_give(tty, holder->group);
	for (struct job *j = jobs_first_live(); j; j = j->next)
		if (has_process(j))
			kill(-j->group, SIGCONT);
	timer_shift(stopped);
}

static void on_tstp(int sig)
{
	(void)sig;
	jobctl_suspend();
}

/* Continued after a stop lanes did not make itself (SIGSTOP): so are its
 * jobs, but for those the kernel stopped for using the terminal. */
static void on_cont(int sig)
{
	(void)sig;
	for (struct job *j = jobs_first_live(); j; j = j->next)
		if (has_process(j) && !j->stopped_by_terminal)
			kill(-j->group, SIGCONT);
}

void jobctl_init(int terminal)
{
	tty = terminal;
	loop_catch(SIGTSTP, on_tstp, true);
	loop_catch(SIGCONT, on_cont, false);
}

int jobctl_terminal_for_job(void)
{
	return tty >= 0 && machine_terminal_is_ours(tty) ? tty : -1;
}

void jobctl_take_terminal(void)
{
	machine_terminal_give(tty, getpgrp());
}
