/* loop.c — owns the wait: the descriptors being watched, the signal
 * handlers and their counts, and the turn that ties them to the deadlines
 * of timer.c. What each event means belongs to whoever registered it.
 *
 * The signal discipline (GNU make's, in posixos.c):
 *
 * - Every signal lanes catches is blocked at all times except inside the
 *   one ppoll() below, which unblocks them atomically while it waits.
 *   A signal that comes while lanes is busy stays pending, and the next
 *   ppoll() is interrupted by it at once: nothing can happen between
 *   "look at the counts" and "wait" that the wait would miss. (When a
 *   descriptor is ready too, ppoll() returns without running the
 *   handlers: then a second ppoll(), with no descriptor and no wait,
 *   lets them run, so that no signal waits behind busy descriptors.)
 * - Handlers only count (they block each other, so counting is safe);
 *   the functions registered for a signal run from the loop, after the
 *   wait, where they may do anything.
 * - Deadlines are one POSIX timer raising SIGALRM for the earliest of them
 *   (timer.c); the wait itself has no timeout.
 */
#include "loop.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "alloc.h"
#include "msg.h"
#include "timer.h"

struct watch {
	loop_fd_fn *fn;
	void *arg;
	size_t index;        /* in pfds */
	unsigned gen;        /* changes when the fd is watched anew */
	bool active;
};

struct ready {
	int fd;
	short revents;
	unsigned gen;
};

static struct watch *watches;    /* by fd */
static size_t watch_cap;
static struct pollfd *pfds;
static size_t pfd_count, pfd_cap;
static int *owners;              /* the fd of each pfds entry */
static size_t owner_cap;
static struct ready *ready;
static size_t ready_cap;

#define MAX_CAUGHT 16
static struct { int sig; loop_signal_fn *fn; } caught[MAX_CAUGHT];
static size_t caught_count;
static volatile sig_atomic_t counts[NSIG];
static sigset_t blocked;         /* every signal we catch */
static sigset_t ignored_at_start; /* of those: ignored when lanes started */
static sigset_t wait_mask;       /* the mask inside ppoll(): none of them */

static volatile sig_atomic_t in_child;

/* A handler that runs while in_child is set runs in a child that spawn.c
 * has made and that shares our memory (the parent waits in the kernel
 * meanwhile, its signals blocked): the signal was meant for that child.
 * It gets the default action there, once the handler returns. */
static void on_signal(int sig)
{
	if (in_child) {
		/* A stop here would leave lanes waiting for the exec, in the
		 * kernel, for good: the job may take its stop once it runs. */
		if (sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU)
			return;
		signal(sig, SIG_DFL);
		kill(getpid(), sig);  /* raise() would use the parent's thread id */
		return;
	}
	counts[sig]++;
}

const sigset_t *loop_ignored_at_start(void)
{
	return &ignored_at_start;
}

void loop_child_window(bool open)
{
	in_child = open;
}

static void install(int sig)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sa.sa_mask = blocked;        /* handlers never interrupt each other */
	sigaction(sig, &sa, NULL);
}

static void on_alarm(int sig)
{
	(void)sig;
	timer_fired();
}

/* Caught, not ignored: a job then gets SIGPIPE at its default from exec
 * itself, and lanes still sees EPIPE where it writes. */
static void on_pipe(int sig)
{
	(void)sig;
}

int loop_init(void)
{
	sigprocmask(SIG_BLOCK, NULL, &wait_mask);
	sigemptyset(&blocked);
	sigemptyset(&ignored_at_start);
	loop_catch(SIGALRM, on_alarm, false);
	loop_catch(SIGPIPE, on_pipe, false);
	return timer_init();
}

bool loop_catch(int sig, loop_signal_fn *fn, bool unless_ignored)
{
	struct sigaction old;
	sigaction(sig, NULL, &old);
	if (unless_ignored && old.sa_handler == SIG_IGN)
		return false;
	if (caught_count == MAX_CAUGHT)
		return false;
	if (old.sa_handler == SIG_IGN)
		sigaddset(&ignored_at_start, sig);
	caught[caught_count].sig = sig;
	caught[caught_count++].fn = fn;
	sigaddset(&blocked, sig);
	sigdelset(&wait_mask, sig);
	sigprocmask(SIG_BLOCK, &blocked, NULL);
	for (size_t i = 0; i < caught_count; i++)
		install(caught[i].sig);  /* again: their sa_mask grows with `blocked` */
	return true;
}

void loop_watch(int fd, short events, loop_fd_fn *fn, void *arg)
{
	size_t had = watch_cap;
	watches = xgrow(watches, &watch_cap, (size_t)fd + 1, sizeof *watches);
	memset(watches + had, 0, (watch_cap - had) * sizeof *watches);
	if (watches[fd].active) {
		/* Watched already: the newest call says what it is watched for. */
		watches[fd].fn = fn;
		watches[fd].arg = arg;
		loop_set_events(fd, events);
		return;
	}
	pfds = xgrow(pfds, &pfd_cap, pfd_count + 1, sizeof *pfds);
	owners = xgrow(owners, &owner_cap, pfd_count + 1, sizeof *owners);
	struct watch *w = &watches[fd];
	*w = (struct watch){ fn, arg, pfd_count, w->gen + 1, true };
	owners[pfd_count] = fd;
	pfds[pfd_count++] = (struct pollfd){ .fd = events ? fd : -1, .events = events };
}

void loop_set_events(int fd, short events)
{
	struct pollfd *p = &pfds[watches[fd].index];
	p->fd = events ? fd : -1;  /* poll() skips a negative fd */
	p->events = events;
}

void loop_unwatch(int fd)
{
	if (fd < 0 || (size_t)fd >= watch_cap || !watches[fd].active)
		return;
	struct watch *w = &watches[fd];
	size_t i = w->index, last = --pfd_count;
	if (i != last) {
		pfds[i] = pfds[last];
		owners[i] = owners[last];
		watches[owners[i]].index = i;
	}
	w->active = false;
	w->gen++;
}

static bool any_caught(const sigset_t *set)
{
	for (size_t i = 0; i < caught_count; i++)
		if (sigismember(set, caught[i].sig))
			return true;
	return false;
}

static void run_signals(void)
{
	for (size_t i = 0; i < caught_count; i++) {
		int sig = caught[i].sig;
		while (counts[sig] > 0) {
			counts[sig]--;
			caught[i].fn(sig);
		}
	}
}

int loop_wait(bool block)
{
	static const struct timespec zero = { 0, 0 };
	timer_rearm();
	int n = ppoll(pfds, pfd_count, block ? NULL : &zero, &wait_mask);
	if (n < 0 && errno != EINTR) {
		msg_print("ppoll: %s", strerror(errno));
		return -1;
	}
	size_t count = 0;
	if (n > 0) {
		/* ppoll() runs the handlers of signals that came only when it is
		 * interrupted: with a descriptor ready, they stay pending. Let
		 * them in, so that busy descriptors never starve a SIGCHLD, a
		 * deadline or a SIGTERM. */
		sigset_t pending;
		if (sigpending(&pending) == 0 && any_caught(&pending))
			ppoll(NULL, 0, &zero, &wait_mask);
		ready = xgrow(ready, &ready_cap, pfd_count, sizeof *ready);
		for (size_t i = 0; i < pfd_count; i++)
			if (pfds[i].fd >= 0 && pfds[i].revents)
				ready[count++] = (struct ready){ owners[i], pfds[i].revents,
								 watches[owners[i]].gen };
	}
	/* Descriptors first: the hang-ups of a job's pipes usually come with
	 * its SIGCHLD, and are then read before it is reaped. */
	for (size_t i = 0; i < count; i++) {
		struct watch *w = &watches[ready[i].fd];
		if (w->active && w->gen == ready[i].gen)
			w->fn(ready[i].fd, ready[i].revents, w->arg);
	}
	run_signals();
	timer_run_expired(timer_now());
	return 0;
}

int64_t loop_suspend(void)
{
	int64_t before = timer_now();
	struct sigaction dfl, old;
	memset(&dfl, 0, sizeof dfl);
	dfl.sa_handler = SIG_DFL;
	sigaction(SIGTSTP, &dfl, &old);
	sigset_t tstp;
	sigemptyset(&tstp);
	sigaddset(&tstp, SIGTSTP);
	raise(SIGTSTP);                           /* pending: it is blocked */
	sigprocmask(SIG_UNBLOCK, &tstp, NULL);    /* stops here until SIGCONT */
	sigprocmask(SIG_BLOCK, &tstp, NULL);
	sigaction(SIGTSTP, &old, NULL);
	return timer_now() - before;
}
