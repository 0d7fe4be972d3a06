/* sem.c — owns the two things of semaphore mode that are not a run of
 * jobs. Going to the background is a fork once the slot is held: the
 * lock belongs to the open file, which both processes share, so it stays
 * held when the foreground one exits. --wait takes every slot of the id
 * in turn, which it can only do once each command before it is done,
 * then gives them all back. */
#include "sem.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "loop.h"
#include "machine.h"
#include "msg.h"
#include "semaphore.h"
#include "spawn.h"
#include "timer.h"

static int stop_signal;

static void on_stop(int sig)
{
	stop_signal = sig;
}

static void on_woken(int fd, short revents, void *arg)
{
	(void)fd;
	(void)revents;
	semaphore_events(arg);
}

int sem_detach(void)
{
	pid_t pid = fork();
	if (pid < 0) {
		msg_print("--semaphore: cannot go to the background: %s", strerror(errno));
		return -1;
	}
	if (pid > 0)
		_exit(0);
	/* Neither a POSIX timer nor the subreaper role passes through fork. */
	if (timer_init() != 0) {
		msg_print("--semaphore: cannot set up a timer: %s", strerror(errno));
		return -1;
	}
	machine_become_subreaper();
	spawn_forked();
	return 0;
}

static void nothing(struct timer_entry *e)
{
	(void)e;
}

int sem_wait_all(const struct options *opts)
{
	if (loop_init() != 0)
		return EXIT_LANES_ERROR;
	static const int stops[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
	for (size_t i = 0; i < sizeof stops / sizeof stops[0]; i++)
		loop_catch(stops[i], on_stop, true);
	struct semaphore *s = semaphore_open(opts->sem_name, 0, "--wait");
	if (!s)
		return EXIT_LANES_ERROR;
	int fd = semaphore_fd(s);
	if (fd >= 0)
		loop_watch(fd, POLLIN, on_woken, s);
	/* Without inotify (or should an event be missed), look once a second. */
	struct timer_entry again = TIMER_ENTRY(nothing);
	for (int slot = 1; slot <= semaphore_size(s) && !stop_signal;) {
		if (semaphore_take_slot(s, slot)) {
			slot++;
			continue;
		}
		timer_schedule(&again, timer_now() + 1000000000);
		if (loop_wait(true) != 0)
			break;
	}
	timer_cancel(&again);
	if (fd >= 0)
		loop_unwatch(fd);
	semaphore_close(s);
	return stop_signal ? 128 + stop_signal : 0;
}
