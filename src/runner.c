/* runner.c — the life of a job: takes items from input.c, makes them
 * commands (command.c), starts them (spawn.c) when a slot (slots.c) and
 * the pacing (pace.c) allow, and decides what a job's end means: another
 * attempt, a joblog row, a halt, its output passed on. It ends jobs
 * (timeouts, --halt now, signals) and stops them with lanes (Ctrl-Z). It
 * is the only module that knows about processes.
 *
 * The invariants:
 *
 * - Only loop.c waits. Everything here runs from its callbacks, or from
 *   start_jobs() between two of its turns, and never blocks.
 * - A job holds one slot from the moment its item is taken until it ends;
 *   slots.c asserts 0 <= slots in use <= target. {%} is that slot.
 * - A job ends when its process has been reaped: what its pipes hold
 *   then is the last of its output. A job that lanes ends (timeout, halt,
 *   signal) ends once its whole process group is gone, or once its
 *   --termseq has run out, whichever comes first.
 * - Input is read only when a job could start, so endless input waits in
 *   the pipe, not in our memory; and no job starts while too much output
 *   waits for lanes' reader.
 * - At most START_BATCH jobs start in one turn: signals and deadlines are
 *   looked at between batches however much input is ready.
 * - Under -k, jobs run at most 2 x slots ahead of the oldest unprinted one.
 */
#include "runner.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "jobenv.h"
#include "jobs.h"
#include "joblog.h"
#include "loop.h"
#include "machine.h"
#include "msg.h"
#include "output.h"
#include "pace.h"
#include "progress.h"
#include "slots.h"
#include "spawn.h"

#define START_BATCH 64
#define FD_SLACK 8                  /* beyond those open at the start */
#define FDS_PER_JOB 4               /* two pipes, both ends, while it starts */
#define RETRY_NS (100 * INT64_C(1000000))            /* after a refused spawn */
#define GIVE_UP_NS (5 * INT64_C(1000000000))         /* refused, with no job running */
#define KILL_GRACE_NS (1000 * INT64_C(1000000))      /* for a SIGKILL to be reaped */
#define STOP_DRAIN_NS (500 * INT64_C(1000000))       /* a stalled reader after a stop */

static const struct options *opts;
static struct input *input;
static struct run_result *result;
static struct template *template, *tag_template;
static struct joblog *joblog;

static struct job *held;          /* taken from the input, not started yet */
static long running;              /* job processes not yet reaped */
static long ending_groups;        /* reaped jobs whose group is still being ended */
static bool input_done, no_more_starts, stopping, hard_stop, fd_warned;
static long total_items = -1;     /* known only for --halt N% */
static unsigned long counted[3];  /* jobs per halt_on: failed, succeeded, ended */
static unsigned long started_count, last_order, next_to_print = 1;
static int terminal = -1;         /* --tty */
static int64_t refused_since = -1;

static void nothing(struct timer_entry *e) { (void)e; }
static void on_progress_timer(struct timer_entry *e);
static struct timer_entry pace_timer = TIMER_ENTRY(nothing);
static struct timer_entry spawn_timer = TIMER_ENTRY(nothing);
static struct timer_entry drain_timer = TIMER_ENTRY(nothing);
static struct timer_entry progress_timer = TIMER_ENTRY(on_progress_timer);

static void job_end(struct job *j);
static bool launch(struct job *j);
static void on_job_timer(struct timer_entry *e);

static bool group_alive(const struct job *j)
{
	return kill(-j->group, 0) == 0 || errno != ESRCH;
}

static void finish(struct job *j)
{
	output_reaped(&j->out);
	job_end(j);
}

/* ---- ending jobs ---- */

/* Its --termseq has run out and something of the job is left: lanes
 * stops waiting for it and says so. */
static void give_up_on(struct job *j)
{
	if (j->pid == 0 && !group_alive(j)) {
		finish(j);
		return;
	}
	msg_print("job %lu outlived its --termseq; leaving process group %d running: %s", j->seq, (int)j->group,
		  j->cmd.text);
	if (j->pid > 0) {
		int sig = opts->termseq.signal[opts->termseq.count - 1];
		j->signal = sig;
		j->status = 128 + sig;
		jobs_forget_pid(j);
		running--;
	} else {
		ending_groups--;
	}
	finish(j);
}

/* Sends the next --termseq signal to the job's process group and sets
 * the deadline for the one after it. */
static void termseq_step(struct job *j)
{
	const struct termseq *t = &opts->termseq;
	if (j->term_step >= t->count) {
		give_up_on(j);
		return;
	}
	int sig = t->signal[j->term_step];
	if (kill(-j->group, sig) != 0 && errno == ESRCH) {
		if (j->pid == 0) {
			ending_groups--;
			finish(j);
		}
		return;  /* else its reap finishes it */
	}
	if (j->stopped_by_terminal && sig != SIGSTOP)
		kill(-j->group, SIGCONT);  /* a stopped process acts on nothing but KILL */
	int64_t wait = t->wait_ns[j->term_step];
	if (sig == SIGKILL && wait < KILL_GRACE_NS)
		wait = KILL_GRACE_NS;
	j->term_step++;
	timer_schedule(&j->timer, timer_now() + wait);
}

static void end_process_group(struct job *j)
{
	if (j->term_step >= 0)
		return;
	timer_cancel(&j->timer);
	j->term_step = 0;
	termseq_step(j);
}

/* Ends every job (halt now, a stop signal, a closed stdout). */
static void stop_running_jobs(void)
{
	no_more_starts = true;
	held = NULL;
	struct job *next;
	for (struct job *j = jobs_first_live(); j; j = next) {
		next = j->next;
		j->stopped = true;
		if (j->phase == JOB_READY) {
			slots_release(j->slot);
			jobs_recycle(j);
		} else if (j->phase == JOB_RETRY_WAIT) {
			job_end(j);
		} else {
			end_process_group(j);
		}
	}
}

/* ---- a job's end ---- */

static const char *halt_verb(enum halt_on on)
{
	return on == HALT_ON_FAIL ? "failed" : on == HALT_ON_SUCCESS ? "succeeded" : "ended";
}

static void check_halt(struct job *j, bool failed)
{
	const struct halt_spec *h = &opts->halt;
	if (h->when == HALT_NEVER || no_more_starts)
		return;
	if (!(h->on == HALT_ON_DONE || (h->on == HALT_ON_FAIL) == failed))
		return;
	unsigned long n = counted[h->on];
	bool trigger = h->percent_of_total ? total_items > 0 && n * 100.0 >= h->percent * (double)total_items
					   : (long)n >= h->count;
	if (!trigger)
		return;
	if (h->on == HALT_ON_FAIL)
		result->halt_status = j->status ? j->status : 1;
	msg_print("--halt %s: job %lu %s (status %d); %s", opts->halt_text, j->seq, halt_verb(h->on), j->status,
		  h->when == HALT_NOW ? "ending the running jobs" : "starting no more jobs");
	no_more_starts = true;
	if (h->when == HALT_NOW)
		stop_running_jobs();
}

static bool failed(const struct job *j)
{
	return j->status != 0 || j->timed_out || j->out.lost;
}

/* A finished job that lanes did not stop: counted, logged, halting. */
static void count_job(struct job *j)
{
	if (j->out.lost)
		msg_print("job %lu: its output could not be kept (no memory, and no room in TMPDIR): the job failed",
			  j->seq);
	if (joblog) {
		struct timespec wall;
		clock_gettime(CLOCK_REALTIME, &wall);
		struct joblog_row row = {
			.seq = j->seq,
			.start = j->start_epoch,
			.runtime = (double)(timer_now() - j->start_mono) / 1e9,
			.received = j->out.received,
			.exitval = j->timed_out ? -1 : j->signal ? 0 : j->status,
			.signal = j->signal,
			.command = j->cmd.text,
			.command_len = j->cmd.text_len,
		};
		joblog_write(joblog, &row);
	}
	bool f = failed(j);
	result->failed += f;
	counted[HALT_ON_FAIL] += f;
	counted[HALT_ON_SUCCESS] += !f;
	counted[HALT_ON_DONE]++;
	check_halt(j, f);
}

/* -k: passes on, in input order, every job that has ended up to the
 * oldest one still running, which may then pass on as it goes. */
static void print_in_order(void)
{
	struct job *j;
	while ((j = jobs_order_oldest())) {
		if (j->phase != JOB_ENDED) {
			/* With retries a live job's output could not be taken back. */
			if (j->phase == JOB_RUNNING && !j->out.live && !j->stopped && opts->retries <= 1)
				output_go_live(&j->out);
			return;
		}
		if (j->stopped)
			output_discard(&j->out);
		else
			output_flush(&j->out);
		jobs_order_pop();
		next_to_print++;
		jobs_recycle(j);
	}
}

/* A failed attempt with attempts left: forget its output and run it again
 * after the backoff. The job keeps its slot meanwhile. */
static bool retry_later(struct job *j)
{
	if (j->stopped || !failed(j) || j->attempt >= opts->retries || no_more_starts)
		return false;
	timer_cancel(&j->timer);
	output_discard(&j->out);
	j->attempt++;
	j->phase = JOB_RETRY_WAIT;
	j->term_step = -1;
	timer_schedule(&j->timer, timer_now() + pace_retry_delay(j->attempt - 1));
	return true;
}

static void job_end(struct job *j)
{
	if (retry_later(j))
		return;
	timer_cancel(&j->timer);
	slots_release(j->slot);
	timer_cancel(&spawn_timer);  /* a slot and a process are free: try now */
	jobs_ended(j);
	if (!j->stopped)
		count_job(j);
	if (opts->keep_order) {
		print_in_order();
		return;
	}
	if (j->stopped)
		output_discard(&j->out);
	else
		output_flush(&j->out);
	jobs_recycle(j);
}

/* ---- reaping ---- */

/* The kernel stopped a job: it read or set up the terminal from the
 * background (SIGTTIN, SIGTTOU), or, holding the terminal under --tty, it
 * was sent Ctrl-Z (SIGTSTP). */
static void on_suspend(int sig);
static void job_stopped(struct job *j, int sig)
{
	if (j->has_terminal && (sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU)) {
		on_suspend(sig);  /* lanes stops with it, as a shell's job would */
		return;
	}
	if ((sig == SIGTTIN || sig == SIGTTOU) && j->term_step < 0) {
		msg_print("job %lu was stopped for %s the terminal (SIG%s); ending it (a job that uses the terminal needs --tty): %s",
			  j->seq, sig == SIGTTIN ? "reading" : "setting up", options_signal_name(sig), j->cmd.text);
		j->stopped_by_terminal = true;
		end_process_group(j);
	}
}

static void on_child(int sig)
{
	(void)sig;
	int status;
	pid_t pid;
	while ((pid = waitpid(-1, &status, WNOHANG | WUNTRACED)) > 0) {
		struct job *j = jobs_by_pid(pid);
		if (!j)
			continue;  /* an orphaned grandchild we adopted as subreaper */
		if (WIFSTOPPED(status)) {
			job_stopped(j, WSTOPSIG(status));
			continue;
		}
		jobs_forget_pid(j);
		running--;
		j->signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
		j->status = j->signal ? 128 + j->signal : WEXITSTATUS(status);
		if (j->has_terminal) {
			machine_terminal_give(terminal, getpgrp());
			j->has_terminal = false;
		}
		if (j->term_step >= 0 && group_alive(j))
			ending_groups++;  /* the termseq goes on for the rest of its group */
		else
			finish(j);
	}
	if (ending_groups == 0)
		return;
	/* A group's last process may have been one of the orphans above. */
	struct job *next;
	for (struct job *j = jobs_first_live(); j; j = next) {
		next = j->next;
		if (j->phase == JOB_RUNNING && j->pid == 0 && j->term_step >= 0 && !group_alive(j)) {
			ending_groups--;
			finish(j);
		}
	}
}

/* ---- starting jobs ---- */

static void watch_input(void);

/* Takes the next item into a slot and a record, as a command ready to
 * run. Returns NULL when no item is ready. */
static struct job *next_job(void)
{
	int slot = slots_acquire();
	if (!slot)
		return NULL;
	struct input_item item;
	for (;;) {
		enum input_status st = input_next(input, &item);
		if (st != INPUT_ITEM) {
			slots_release(slot);
			if (st == INPUT_AGAIN) {
				watch_input();
			} else {
				input_done = true;
				result->input_failed |= st == INPUT_ERROR;
			}
			return NULL;
		}
		struct job *j = jobs_new(on_job_timer);
		if (command_expand(&j->cmd, template, &item, item.seq, slot, opts->shell) != 0) {
			jobs_recycle(j);
			continue;
		}
		j->seq = item.seq;
		j->slot = slot;
		j->out.tag = NULL;
		if (opts->tag || opts->tagstring) {
			command_tag(&j->tag, tag_template, &item, j->seq, slot);
			j->out.tag = j->tag.text;
			j->out.tag_len = j->tag.text_len;
		}
		return j;
	}
}

static void on_input(int fd, short revents, void *arg)
{
	(void)revents;
	(void)arg;
	loop_unwatch(fd);
	if (input_fill(input) != 0)
		result->input_failed = true;
}

static void watch_input(void)
{
	int fd = input_fd(input);
	if (fd >= 0)
		loop_watch(fd, POLLIN, on_input, NULL);
}

/* The system refused a process or descriptors for now: try again when a
 * job ends or in RETRY_NS; give up once none has run for GIVE_UP_NS. */
static void refused(struct job *j, int e)
{
	int64_t now = timer_now();
	if ((e == EMFILE || e == ENFILE) && !fd_warned && running > 0) {
		msg_print("out of file descriptors with %ld jobs running; running fewer at once", running);
		fd_warned = true;
	}
	if (refused_since < 0 || running > 0)
		refused_since = now;
	if (running == 0 && now - refused_since >= GIVE_UP_NS) {
		msg_print("cannot start job %lu: %s, with no job running for %d s; giving up", j->seq, strerror(e),
			  (int)(GIVE_UP_NS / 1000000000));
		result->could_not_start = true;
		stop_running_jobs();
		return;
	}
	if (j->phase == JOB_RETRY_WAIT) {
		timer_schedule(&j->timer, now + RETRY_NS);
	} else {
		held = j;  /* keeps its slot, so {%} stays true */
		timer_schedule(&spawn_timer, now + RETRY_NS);
	}
}

/* The command could not be executed: a failed job, reported as a shell
 * would report it. */
static void exec_failed(struct job *j, int e)
{
	if (e == E2BIG)
		msg_print("job %lu: its command line (%zu bytes) is too long for this system: %s", j->seq,
			  j->cmd.text_len, strerror(e));
	else
		msg_print("%s: %s", j->cmd.argv[0], e == ENOENT ? "command not found" : strerror(e));
	j->status = e == ENOENT || e == ENOTDIR ? 127 : 126;
	finish(j);
}

static int spawn_job(struct job *j, int child[2], pid_t *pid)
{
	bool tty = terminal >= 0 && machine_terminal_is_ours(terminal);
	struct spawn_job s = {
		.argv = j->cmd.argv,
		.envp = jobenv_for(j->seq, j->slot),
		.in = terminal,
		.out = child[0],
		.err = child[1],
		.terminal = tty ? terminal : -1,
	};
	int e = spawn_start(&s, pid);
	if (e == ENOEXEC && !j->cmd.shell) {
		/* A script without #!: run it as a shell would, by the shell. */
		command_use_shell(&j->cmd, opts->shell);
		s.argv = j->cmd.argv;
		e = spawn_start(&s, pid);
	}
	j->has_terminal = tty && e == 0;
	return e;
}

/* Starts job j (its record and command are ready), or runs it again for a
 * retry. Returns false when the system refused for now. */
static bool launch(struct job *j)
{
	bool again = j->phase == JOB_RETRY_WAIT;
	int child[2];
	pid_t pid = 0;
	int e = output_open(&j->out, child);
	if (!e)
		e = spawn_job(j, child, &pid);
	if (e == EMFILE || e == ENFILE || e == EAGAIN || e == ENOMEM) {
		output_discard(&j->out);
		refused(j, e);
		return false;
	}
	refused_since = -1;
	struct timespec wall;
	clock_gettime(CLOCK_REALTIME, &wall);
	j->start_mono = timer_now();
	j->start_epoch = (double)wall.tv_sec + (double)wall.tv_nsec / 1e9;
	j->signal = 0;
	j->timed_out = j->stopped_by_terminal = false;
	j->term_step = -1;
	j->phase = JOB_RUNNING;
	if (!again) {
		held = NULL;
		j->attempt = 1;
		j->order = ++last_order;
		started_count++;
		if (opts->keep_order)
			jobs_order_push(j);
		if (opts->verbose)
			output_note(2, j->cmd.text, j->cmd.text_len);
	}
	if (e) {
		exec_failed(j, e);
		return true;
	}
	jobs_track_pid(j, pid);
	j->group = pid;
	running++;
	if (opts->timeout_ns)
		timer_schedule(&j->timer, j->start_mono + opts->timeout_ns);
	/* With retries a live job's output could not be taken back. */
	if (opts->keep_order && j->order == next_to_print && opts->retries <= 1)
		output_go_live(&j->out);
	return true;
}

static bool may_start(void)
{
	if (no_more_starts || output_busy() || timer_pending(&spawn_timer) || timer_pending(&pace_timer))
		return false;
	if (held)
		return true;
	if (input_done || slots_in_use() >= slots_target())
		return false;
	return !opts->keep_order || last_order + 1 - next_to_print < 2 * (unsigned long)slots_target();
}

/* Pacing (--delay, --rate, --load, --memfree) lets a start happen now, or
 * sets the timer for when to ask again. */
static bool pace_allows(void)
{
	if (!pace_active())
		return true;
	int64_t at = pace_next_start(timer_now());
	if (at == 0)
		return true;
	timer_schedule(&pace_timer, at);
	return false;
}

/* Starts jobs while a slot, an item and the pacing allow, at most a
 * batch. The item is taken before pacing is asked, so lanes never waits
 * for a pace that no job needs. Returns true when the batch ran out
 * first: there may be more to start at once. */
static bool start_jobs(void)
{
	for (int n = 0; n < START_BATCH; n++) {
		if (!may_start())
			return false;
		struct job *j = held ? held : next_job();
		if (!j)
			return false;
		if (opts->dry_run) {
			output_note(1, j->cmd.text, j->cmd.text_len);
			slots_release(j->slot);
			jobs_recycle(j);
			continue;
		}
		held = j;
		if (!pace_allows() || !launch(j))
			return false;
		if (pace_active())
			pace_started(timer_now());
	}
	return true;
}

/* ---- deadlines ---- */

static void on_job_timer(struct timer_entry *e)
{
	struct job *j = TIMER_OWNER(e, struct job, timer);
	if (j->phase == JOB_RETRY_WAIT) {
		/* A retry is a start too: output, --rate and the others pace it. */
		int64_t now = timer_now();
		int64_t at = output_busy() ? now + RETRY_NS : pace_active() ? pace_next_start(now) : 0;
		if (at)
			timer_schedule(&j->timer, at);
		else if (launch(j) && pace_active())
			pace_started(timer_now());
	} else if (j->term_step < 0) {
		const char *t = opts->timeout_text;
		size_t n = strlen(t);
		j->timed_out = true;
		msg_print("job %lu timed out after %s%s: %s", j->seq, t, n && t[n - 1] >= '0' && t[n - 1] <= '9' ? "s" : "",
			  j->cmd.text);
		end_process_group(j);
	} else {
		termseq_step(j);
	}
}

/* ---- signals ---- */

static void on_stop(int sig)
{
	if (!stopping) {
		stopping = true;
		result->signal = sig;
		if (running > 0)
			msg_print("SIG%s: ending %ld running job%s", options_signal_name(sig), running, running == 1 ? "" : "s");
		stop_running_jobs();
		return;
	}
	/* A second one: no more waiting, for the jobs or the reader. */
	hard_stop = true;
	for (struct job *j = jobs_first_live(); j; j = j->next)
		if (j->phase == JOB_RUNNING && j->group > 0)
			kill(-j->group, SIGKILL);
}

/* Ctrl-Z: every job's process group stops, then lanes; when lanes is
 * continued, they are too, and no deadline counts the time stopped. */
static void on_suspend(int sig)
{
	(void)sig;
	struct job *holder = NULL;
	for (struct job *j = jobs_first_live(); j; j = j->next)
		if (j->phase == JOB_RUNNING && j->pid > 0) {
			kill(-j->group, SIGSTOP);
			if (j->has_terminal)
				holder = j;
		}
	if (holder)
		machine_terminal_give(terminal, getpgrp());
	int64_t stopped = loop_suspend();
	if (holder)
		machine_terminal_give(terminal, holder->group);
	for (struct job *j = jobs_first_live(); j; j = j->next)
		if (j->phase == JOB_RUNNING && j->group > 0)
			kill(-j->group, SIGCONT);
	timer_shift(stopped);
}

/* Continued after a stop lanes did not ask for (SIGSTOP): so are its jobs. */
static void on_continue(int sig)
{
	(void)sig;
	for (struct job *j = jobs_first_live(); j; j = j->next)
		if (j->phase == JOB_RUNNING && j->group > 0 && !j->stopped_by_terminal)
			kill(-j->group, SIGCONT);
}

/* SIGUSR1: what is running, for a person wondering what lanes is doing. */
static void on_list(int sig)
{
	(void)sig;
	int64_t now = timer_now();
	msg_print("%ld running job%s (seq, slot, pid, seconds, command):", running, running == 1 ? "" : "s");
	for (const struct job *j = jobs_first_live(); j; j = j->next) {
		if (j->phase == JOB_READY)
			continue;
		bool waiting = j->phase == JOB_RETRY_WAIT;
		msg_print("  %lu\t%d\t%d\t%.3f\t%s%s", j->seq, j->slot, waiting ? 0 : (int)j->group,
			  (double)(now - j->start_mono) / 1e9, j->cmd.text, waiting ? " (waiting to retry)" : "");
	}
}

static void show_progress(bool force)
{
	if (!progress_active())
		return;
	struct progress_counts c = { started_count, counted[HALT_ON_DONE], counted[HALT_ON_FAIL], running };
	int64_t next = progress_draw(timer_now(), &c, force);
	if (!no_more_starts || running > 0)
		timer_schedule(&progress_timer, next);
}

static void on_progress_timer(struct timer_entry *e)
{
	(void)e;
	show_progress(false);
}

static void on_toggle(int sig)
{
	(void)sig;
	progress_toggle();
	show_progress(true);
}

/* ---- the run ---- */

/* How many jobs the descriptors allow: each running job holds its two
 * pipes, both ends, and may hold two spill files; under -k a record that
 * waits to be printed may hold two spill files too. Raises the soft limit
 * as far as that needs. */
static long fit_slots_to_descriptors(long wanted)
{
	if (opts->output == OUTPUT_UNGROUP)
		return wanted;
	long open_now = machine_lowest_free_fd();
	long per_slot = opts->keep_order ? 8 : 6;
	long limit = machine_raise_fd_limit(open_now + FD_SLACK + per_slot * wanted);
	if (limit - open_now < FDS_PER_JOB) {
		msg_print("too few file descriptors for even one job: the limit is %ld (ulimit -n), %ld are in use and a job needs %d",
			  limit, open_now, FDS_PER_JOB);
		return -1;
	}
	long fit = (limit - open_now - FD_SLACK) / per_slot;
	if (fit < 1)
		fit = 1;
	if (fit >= wanted)
		return wanted;
	if (opts->slots != 0)
		msg_print("-j %ld: only enough file descriptors (limit %ld) for %ld jobs at once; running %ld", wanted, limit,
			  fit, fit);
	return fit;
}

static int setup(void)
{
	if (loop_init() != 0) {
		msg_print("cannot set up a timer: %s", strerror(errno));
		return -1;
	}
	loop_catch(SIGCHLD, on_child, false);
	static const int stops[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
	for (size_t i = 0; i < sizeof stops / sizeof stops[0]; i++)
		loop_catch(stops[i], on_stop, true);
	loop_catch(SIGTSTP, on_suspend, true);
	loop_catch(SIGCONT, on_continue, false);
	loop_catch(SIGUSR1, on_list, false);
	loop_catch(SIGUSR2, on_toggle, false);
	if (spawn_init() != 0) {
		msg_print("/dev/null: %s", strerror(errno));
		return -1;
	}
	if (opts->tty && (terminal = machine_terminal_open()) < 0) {
		msg_print("--tty: /dev/tty: %s", strerror(errno));
		return -1;
	}
	machine_become_subreaper();
	jobenv_init();
	template = template_new(opts->command, opts->command_count, opts->replace, opts->quote);
	if (opts->tagstring)
		tag_template = template_new_text(opts->tagstring, opts->replace);
	long wanted = opts->slots ? opts->slots : JOBS_LIMIT;
	output_init(opts->output, opts->keep_order, (size_t)(opts->keep_order ? 2 * wanted : wanted));
	long slots = fit_slots_to_descriptors(wanted);
	if (slots < 0)
		return -1;
	slots_init(slots);
	if (opts->halt.when != HALT_NEVER && opts->halt.percent_of_total) {
		total_items = input_count_all(input);
		result->input_failed |= total_items < 0;
	}
	if (opts->joblog && !opts->dry_run &&
	    !(joblog = joblog_open(opts->joblog, opts->resume || opts->retry_failed, output_text)))
		return -1;
	pace_init(opts, slots);
	long total = -1;
	if (opts->progress || opts->bar || opts->eta)
		total = total_items >= 0 && !opts->resume ? total_items : input_total(input);
	progress_init(opts, total, timer_now());
	msg_set_sink(output_message);  /* from here on, lanes never blocks on stderr */
	return 0;
}

static void check_output(void)
{
	if (output_error() && !result->output_errno) {
		result->output_errno = output_error();
		stop_running_jobs();
	}
}

/* Writes what is still queued: all of it, unless lanes is stopping and its
 * reader has taken nothing for STOP_DRAIN_NS. */
static int drain(void)
{
	int64_t since = timer_now();
	for (;;) {
		output_write();
		check_output();
		if (output_done() || output_error() || hard_stop)
			return 0;
		if (stopping) {
			int64_t last = output_last_write() > since ? output_last_write() : since;
			if (timer_now() - last >= STOP_DRAIN_NS)
				return 0;
			timer_schedule(&drain_timer, last + STOP_DRAIN_NS);
		}
		if (loop_wait(true) != 0)
			return -1;
	}
}

static int run_loop(void)
{
	show_progress(true);
	for (;;) {
		bool more = start_jobs();
		check_output();
		if (running == 0 && jobs_live_count() == 0 && (no_more_starts || input_done))
			break;
		/* A write that takes the queue below its low-water mark lets
		 * jobs start again: then do not wait for anything else. */
		bool busy = output_busy();
		output_write();
		more |= busy && !output_busy();
		if (loop_wait(!more) != 0)
			return -1;
	}
	timer_cancel(&progress_timer);
	if (progress_active()) {
		struct progress_counts c = { started_count, counted[HALT_ON_DONE], counted[HALT_ON_FAIL], running };
		progress_finish(timer_now(), &c);
	}
	return drain();
}

static void teardown(void)
{
	msg_set_sink(NULL);
	output_end();
	joblog_close(joblog);
	jobs_free_all();
	jobenv_free();
	spawn_free();
	template_free(template);
	template_free(tag_template);
	if (terminal >= 0)
		close(terminal);
}

int runner_run(const struct options *options, struct input *in, struct run_result *res)
{
	opts = options;
	input = in;
	result = res;
	memset(result, 0, sizeof *result);
	result->halt_status = -1;
	int rc = setup() == 0 ? run_loop() : -1;
	teardown();
	return rc;
}
