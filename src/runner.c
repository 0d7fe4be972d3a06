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
 * - A job holds one slot from the moment its item is taken until it ends,
 *   throttled reruns and retries included; {%} is that slot. No job takes
 *   a slot while as many are in use as the limit (limit.c) says; a
 *   lowered limit lets the jobs above it run on.
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
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "alloc.h"
#include "blocks.h"
#include "feed.h"
#include "halt.h"
#include "jobenv.h"
#include "jobs.h"
#include "joblog.h"
#include "limit.h"
#include "local.h"
#include "loop.h"
#include "machine.h"
#include "msg.h"
#include "output.h"
#include "pace.h"
#include "progress.h"
#include "results.h"
#include "sem.h"
#include "slots.h"
#include "spawn.h"
#include "slurm.h"
#include "ssh.h"
#include "termseq.h"

#define START_BATCH 64
#define FDS_PER_JOB 4               /* two pipes, both ends, while it starts */
#define RETRY_NS (100 * INT64_C(1000000))            /* after a refused spawn */
#define GIVE_UP_NS (5 * INT64_C(1000000000))         /* refused, with no job running */
#define STOP_DRAIN_NS (500 * INT64_C(1000000))       /* a stalled reader after a stop */
#define SHARED_RETRY_NS (1000 * INT64_C(1000000))    /* a shared slot, without an event */

static const struct options *opts;
static struct input *input;
static struct blocks *data;       /* --pipe: the data cut into blocks; else NULL */
static struct block *next_block;  /* taken from the data, not yet given to a job */
static unsigned long rr_turn;     /* --round-robin: blocks given so far */
static struct run_result *result;
static struct template *template, *tag_template;
static struct joblog *joblog;

static struct job *held;          /* taken from the input, not started yet */
static struct command quoted;     /* --shell-quote: a command line, quoted */
static bool files_warned;         /* --files, --results: a file could not be made */
static struct results_table *table;  /* --results FILE.csv ... */
static const char *const *columns;  /* --header's names */
static size_t column_count;
static bool input_done, no_more_starts, stopping, hard_stop, fd_warned;
static long total_items = -1;     /* known only for --halt N% */
static unsigned long started_count, last_order, next_to_print = 1;
static int64_t refused_since = -1;

static void nothing(struct timer_entry *e) { (void)e; }
static struct timer_entry pace_timer = TIMER_ENTRY(nothing);
static struct timer_entry spawn_timer = TIMER_ENTRY(nothing);
static struct timer_entry drain_timer = TIMER_ENTRY(nothing);
static struct timer_entry shared_timer = TIMER_ENTRY(nothing);
static void on_sem_timeout(struct timer_entry *e);
static struct timer_entry sem_timer = TIMER_ENTRY(on_sem_timeout);
static bool detached;

static void job_end(struct job *j);
static bool launch(struct job *j);
static void drop_job_file(struct job *j);
static void keep_args(struct job *j, const struct input_item *item);
static void drop_table_files(struct job *j);
static void write_table_row(struct job *j, const struct joblog_row *row);
static void on_job_timer(struct timer_entry *e);

/* --throttle-exit: the attempt was throttled, not failed. */
static bool throttled(const struct job *j)
{
	return !j->stopped && !j->timed_out && !j->signal && options_throttled(opts, j->status);
}

/* A job may run more than once: its output cannot go out as it comes. */
static bool reruns(void)
{
	return opts->retries != 1 || opts->throttle || hosts_in_use();  /* 0: no limit; a lost host's jobs run again */
}

/* An attempt is over: the limit learns from it, then the job ends. */
static void finish(struct job *j)
{
	output_reaped(&j->out);
	int64_t now = timer_now();
	if (throttled(j))
		limit_throttled(now, j->start_mono);
	else if (!j->stopped)
		limit_job_ended(now, j->start_mono, j->cpu_ns, slots_in_use() >= slots_target());
	job_end(j);
}

/* ---- ending jobs ---- */

/* No job starts from now on: one taken from the input but not started
 * gives its slot back. */
static void stop_starting(void)
{
	no_more_starts = true;
	if (held) {
		slots_release(held->slot);
		jobs_recycle(held);
		held = NULL;
	}
	/* A job that waits to run again ends now, with its last attempt's
	 * status (on_job_timer), not after its backoff. */
	for (struct job *j = jobs_first_live(); j; j = j->next)
		if (j->phase == JOB_RETRY_WAIT)
			timer_schedule(&j->timer, timer_now());
}

/* Ends every job (halt now, a stop signal, a closed stdout). */
static void stop_running_jobs(void)
{
	stop_starting();
	struct job *next;
	for (struct job *j = jobs_first_live(); j; j = next) {
		next = j->next;
		j->stopped = true;
		if (j->phase == JOB_RETRY_WAIT) {
			job_end(j);
		} else {
			termseq_begin(j);
		}
	}
}

/* ---- a job's end ---- */

static bool failed(const struct job *j)
{
	return j->status != 0 || j->timed_out || j->out.lost;
}

/* Passes on what the ended job holds; --color-failed colours a failed
 * one's lines now that its status is known. */
static void flush_output(struct job *j)
{
	if (j->out.defer && failed(j))
		j->out.color = output_failed_color;
	output_flush(&j->out);
}

/* A finished job that lanes did not stop: counted, logged, halting. */
static void count_job(struct job *j)
{
	if (opts->output == OUTPUT_UNGROUP && (j->signal == SIGPIPE || j->status == 128 + SIGPIPE) &&
	    !result->output_errno && output_reader_gone()) {
		/* Its output went where lanes' goes, and no one reads it: lanes'
		 * own output is closed, as when it writes itself (141). */
		result->output_errno = EPIPE;
		stop_running_jobs();
	}
	if (j->out.lost)
		msg_print("job %lu: its output could not be kept (no memory, and no room in TMPDIR): the job failed",
			  j->seq);
	struct joblog_row row = {
		.seq = j->seq,
		.start = j->start_epoch,
		.runtime = (double)(timer_now() - j->start_mono) / 1e9,
		.sent = data ? j->feed.sent : 0,
		.received = j->out.received,
		.exitval = j->timed_out ? -1 : j->signal ? 0 : j->status,
		.signal = j->signal,
		.host = j->remote.host ? hosts_name(j->remote.host) : j->remote.node,
		.command = j->cmd.text,
		.command_len = j->cmd.text_len,
	};
	if (joblog)
		joblog_write(joblog, &row);
	j->row = row;  /* --results TABLE: written when the job's turn to print comes */
	bool f = failed(j);
	result->failed += f;
	result->last_status = j->timed_out && !j->status ? 1 : j->status;
	halt_count(f);
	enum halt_action a = no_more_starts ? HALT_GO_ON : halt_check(j->seq, j->status, f);
	if (a != HALT_GO_ON) {
		result->halt_status = halt_status();
		stop_starting();
	}
	if (a == HALT_END_RUNNING)
		stop_running_jobs();
}

/* --results TABLE: the job's row, as its output would be printed (so in
 * input order under -k); a job lanes ended has none. */
static void table_row(struct job *j)
{
	if (table && !j->stopped && j->table_fds[0] >= 0)
		write_table_row(j, &j->row);
	drop_table_files(j);
	free(j->args_text);
	j->args_text = NULL;
}

/* -k: passes on, in input order, every job that has ended up to the
 * oldest one still running, which may then pass on as it goes. */
static void print_in_order(void)
{
	struct job *j;
	while ((j = jobs_order_oldest())) {
		if (j->phase != JOB_ENDED) {
			/* With retries a live job's output could not be taken back. */
			if (j->phase == JOB_RUNNING && !j->out.live && !j->stopped && !reruns())
				output_go_live(&j->out);
			return;
		}
		table_row(j);
		if (j->stopped)
			output_discard(&j->out);
		else
			flush_output(j);
		jobs_order_pop();
		next_to_print++;
		jobs_recycle(j);
	}
}

/* Forgets the attempt's output and runs the job again after `delay`.
 * The job keeps its slot meanwhile. */
static void run_again(struct job *j, int64_t delay)
{
	timer_cancel(&j->timer);
	output_discard(&j->out);
	if (data)
		feed_stop(&j->feed);  /* the next attempt gets the block from its start */
	j->phase = JOB_RETRY_WAIT;
	j->term_step = -1;
	drop_job_file(j);
	drop_table_files(j);
	timer_schedule(&j->timer, timer_now() + delay);
}

/* A throttled attempt runs again after the backoff, not using up
 * --retries (until --throttle-retries says it is a failure); a failed one
 * with attempts left runs again after --retry-delay's. */
static bool retry_later(struct job *j)
{
	if (j->stopped || no_more_starts)
		return false;
	if (throttled(j) && (opts->throttle_retries < 0 || j->throttled < opts->throttle_retries)) {
		j->throttled++;
		result->throttled++;
		run_again(j, pace_throttle_delay(j->throttled));
		return true;
	}
	/* (-u and --line-buffer have passed its output on: it cannot run again) */
	if (j->remote.host_lost && !j->remote.pinned && opts->retries == 1 && j->attempt == 1 && !hosts_none_left() &&
	    opts->output == OUTPUT_GROUP) {
		j->attempt++;  /* its host went away: it runs once more elsewhere, even without --retries */
		run_again(j, 0);
		return true;
	}
	if (!failed(j) || (opts->retries > 0 && j->attempt >= opts->retries) || (j->remote.host_lost && j->remote.pinned))
		return false;
	j->attempt++;
	run_again(j, pace_retry_delay(j->attempt - 1));
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
	if (data)
		feed_release(&j->feed);
	if (j->stopped)
		drop_job_file(j);
	free(j->file);  /* the file stays, named in the output */
	j->file = NULL;
	free(j->results);
	j->results = NULL;
	if (opts->keep_order) {
		print_in_order();
		return;
	}
	table_row(j);
	if (j->stopped)
		output_discard(&j->out);
	else
		flush_output(j);
	jobs_recycle(j);
}

/* ---- reaping ---- */

/* The kernel stopped a job for reading or setting up the terminal from
 * the background (SIGTTIN, SIGTTOU): nothing would ever continue it. */
static void job_stopped(struct job *j, int sig)
{
	if ((sig == SIGTTIN || sig == SIGTTOU) && !termseq_ending(j)) {
		msg_print("job %lu was stopped for %s the terminal (SIG%s); ending it (a job that uses the terminal needs --tty): %s",
			  j->seq, sig == SIGTTIN ? "reading" : "setting up", options_signal_name(sig), j->cmd.text);
		j->stopped_by_terminal = true;
		termseq_begin(j);
	}
}

static void job_reaped(struct job *j)
{
	remote_reaped(j);
	slurm_reaped(j);
	if (termseq_ending(j))
		termseq_reaped(j);  /* over when the rest of its group is */
	else
		finish(j);
}

/* ---- starting jobs ---- */

static void watch_input(void);

static void on_slots_fd(int fd, short revents, void *arg)
{
	(void)revents;
	(void)arg;
	loop_unwatch(fd);
	slots_woken();
}

/* No slot: when a shared one is what is missing, wait for it (and look
 * again at least once a second, in case no event comes). */
static void wait_for_slot(void)
{
	if (!slots_waiting_shared())
		return;
	int fd = slots_fd();
	if (fd >= 0)
		loop_watch(fd, POLLIN, on_slots_fd, NULL);
	if (!timer_pending(&shared_timer))
		timer_schedule(&shared_timer, timer_now() + SHARED_RETRY_NS);
}

/* A job's block is all written. Its input ends there, but under
 * --round-robin, where it waits for the next block (rr_dispatch). The
 * block itself is kept until the job ends, for a retry. */
static void on_block_written(struct feed *f)
{
	if (!opts->round_robin) {
		feed_stop(f);
		return;
	}
	block_free(f->block);
	f->block = NULL;
}

/* The input (or the data) has ended, or failed. */
static void input_ended(enum input_status st)
{
	input_done = true;
	result->input_failed |= st == INPUT_ERROR;
}

/* --round-robin: of the jobs that wait for their next block, the one
 * given a block longest ago, so that blocks go round the jobs. */
static struct job *idle_job(void)
{
	struct job *pick = NULL;
	for (struct job *j = jobs_first_live(); j; j = j->next)
		if (j->phase == JOB_RUNNING && j->feed.fd >= 0 && !j->feed.block && (!pick || j->feed.fed < pick->feed.fed))
			pick = j;
	return pick;
}

/* --round-robin: deals blocks to the jobs that wait for one, at most a
 * batch; at the end of the data their inputs end. Returns true when the
 * batch ran out first. */
static bool rr_dispatch(void)
{
	struct job *j;
	for (int n = 0; n < START_BATCH; n++) {
		if (!(j = idle_job()))
			return false;
		if (!next_block && !input_done) {
			enum input_status st = blocks_next(data, &next_block);
			if (st == INPUT_AGAIN) {
				watch_input();
				return false;
			}
			if (st != INPUT_ITEM)
				input_ended(st);
		}
		struct block *k = next_block;
		next_block = NULL;
		j->feed.fed = ++rr_turn;
		feed_next(&j->feed, k);  /* NULL: the job's input ends */
	}
	return true;
}

/* --pipe: the next block, as an item: no arguments, or (--cat, --fifo)
 * the name of its file, filled in once the job has its record. */
static enum input_status take_block(struct input_item *item)
{
	enum input_status st = next_block ? INPUT_ITEM : blocks_next(data, &next_block);
	if (st == INPUT_ITEM)
		*item = (struct input_item){ NULL, 0, next_block->seq };
	return st;
}

/* --pipe: the job's block, and its file for {}. False when the file could
 * not be made: the job fails, as one whose command cannot run. */
static bool give_block(struct job *j, struct input_item *item)
{
	static struct arg path;
	j->feed = (struct feed){ .fd = -1, .written = on_block_written, .fed = ++rr_turn };
	int e = feed_prepare(&j->feed, next_block);
	next_block = NULL;
	if (j->feed.path) {
		path = (struct arg){ j->feed.path, strlen(j->feed.path) };
		*item = (struct input_item){ &path, 1, item->seq };
	}
	return e == 0;
}

/* --onall --tag: the host's name is the tag, as GNU's. */
static void onall_tag(struct job *j)
{
	const char *host = hosts_name(j->remote.pinned);
	size_t n = strlen(host);
	j->tag.text = xgrow(j->tag.text, &j->tag.text_cap, n + 1, 1);
	memcpy(j->tag.text, host, n + 1);
	j->tag.text_len = n;
}

/* Takes the next item into a slot and a record, as a command ready to
 * run. Returns NULL when no item is ready, or no slot is free: then the
 * item waits here for one (no call into input.c while it does, so it stays
 * valid). The item comes first, so that a run whose input has ended never
 * waits for a slot it has no use for (a semaphore's, held by another). */
static struct job *next_job(void)
{
	static struct input_item item;
	static bool have_item;
	for (;;) {
		if (!have_item || data) {  /* a block waits in next_block, which rr_dispatch may take */
			enum input_status st = data ? take_block(&item) : input_next(input, &item);
			if (st == INPUT_AGAIN) {
				watch_input();
				return NULL;
			}
			if (st != INPUT_ITEM) {
				input_ended(st);
				return NULL;
			}
			have_item = true;
		}
		int slot = slots_acquire();
		if (!slot) {
			wait_for_slot();
			return NULL;
		}
		have_item = false;
		struct job *j = jobs_new(on_job_timer);
		if (data && !give_block(j, &item)) {
			feed_release(&j->feed);
			jobs_recycle(j);
			slots_release(slot);
			result->failed++;
			continue;
		}
		if (command_expand(&j->cmd, template, &item, item.seq, slot, opts->shell) != 0) {
			if (data)
				feed_release(&j->feed);
			jobs_recycle(j);
			slots_release(slot);
			continue;
		}
		if (opts->max_chars && j->cmd.text_len >= (size_t)opts->max_chars) {
			/* As GNU parallel: the run ends, with status 255. */
			msg_print("-s %ld: job %lu's command line would be %zu characters; it must be shorter: %.60s%s", opts->max_chars,
				  item.seq, j->cmd.text_len, j->cmd.text, j->cmd.text_len > 60 ? "..." : "");
			jobs_recycle(j);
			slots_release(slot);
			result->input_failed = true;
			stop_starting();
			return NULL;
		}
		j->seq = item.seq;
		j->slot = slot;
		if (hosts_in_use() || opts->remote.workdir)
			remote_prepare(j, &item);
		if (hosts_in_use()) {
			if (opts->remote.onall) {
				/* every item on every host: the item is kept for the next one */
				static long host_index;
				j->remote.pinned = hosts_nth(host_index++);
				if (host_index < hosts_count())
					have_item = true;
				else
					host_index = 0;
			}
		}
		if (table)
			keep_args(j, &item);
		else if (opts->results)
			j->results = results_dir(opts->results, &item,
						 opts->colsep ? 0 : (size_t)(opts->source_count > 0 ? opts->source_count : 1),
						 columns, column_count);
		j->out.tag = NULL;
		j->out.color = opts->color ? output_color(j->seq) : NULL;
		j->out.defer = opts->color_failed && opts->output == OUTPUT_GROUP;
		if (opts->tag || opts->tagstring) {
			command_tag(&j->tag, tag_template, &item, j->seq, slot);
			if (j->remote.pinned && opts->tag && !opts->tagstring)
				onall_tag(j);
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
	if ((data ? blocks_fill(data) : input_fill(input)) != 0)
		result->input_failed = true;
}

static void watch_input(void)
{
	int fd = data ? blocks_fd(data) : input_fd(input);
	if (fd >= 0)
		loop_watch(fd, POLLIN, on_input, NULL);
}

/* The system refused a process or descriptors for now: try again when a
 * job ends or in RETRY_NS; give up once none has run for GIVE_UP_NS. */
static void refused(struct job *j, int e)
{
	int64_t now = timer_now();
	if ((e == EMFILE || e == ENFILE) && !fd_warned && local_running() > 0) {
		msg_print("out of file descriptors with %ld job%s running; running fewer at once", local_running(),
			  local_running() == 1 ? "" : "s");
		fd_warned = true;
	}
	if (refused_since < 0 || local_running() > 0)
		refused_since = now;
	if (local_running() == 0 && now - refused_since >= GIVE_UP_NS) {
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
 * would report it (ECANCELED: what it needed could not be made, and that
 * was said already). */
static void exec_failed(struct job *j, int e)
{
	if (e == ECANCELED)
		;
	else if (e == E2BIG)
		msg_print("job %lu: its command line (%zu bytes) is too long for this system: %s", j->seq,
			  j->cmd.text_len, strerror(e));
	else
		msg_print("%s: %s", j->cmd.argv[0], e == ENOENT ? "command not found" : strerror(e));
	j->status = e == ENOENT || e == ENOTDIR ? 127 : 126;
	finish(j);
}

/* --results TABLE: the job's arguments, for its row. */
static void keep_args(struct job *j, const struct input_item *item)
{
	size_t len = 0;
	for (size_t k = 0; k < item->count; k++)
		len += item->args[k].len + 1;
	j->args_text = xmalloc(len + 1);
	j->args_len = 0;
	for (size_t k = 0; k < item->count; k++) {
		memcpy(j->args_text + j->args_len, item->args[k].ptr, item->args[k].len);
		j->args_len += item->args[k].len;
		j->args_text[j->args_len++] = '\0';
	}
	j->args_count = item->count;
}

/* --results TABLE: the attempt's output files are not wanted, or done. */
static void drop_table_files(struct job *j)
{
	for (int i = 0; i < 2; i++) {
		if (j->table_fds[i] >= 0)
			close(j->table_fds[i]);
		j->table_fds[i] = -1;
	}
}

/* --results TABLE: the job's row, its output taken from its files. */
static void write_table_row(struct job *j, const struct joblog_row *row)
{
	struct arg *args = xcalloc(j->args_count + 1, sizeof *args);
	const char *p = j->args_text;
	for (size_t k = 0; k < j->args_count; k++) {
		args[k] = (struct arg){ p, strlen(p) };
		p += args[k].len + 1;
	}
	struct input_item item = { args, j->args_count, j->seq };
	results_table_row(table, row, &item, j->table_fds);
	j->table_fds[0] = j->table_fds[1] = -1;
	free(args);
}

/* A file lanes could not make for a job's output: out of descriptors
 * waits as a refused process does; anything else is one warning in the
 * run (`what`, then the reason) and a failed job (ECANCELED). */
static int file_refused(int e, const char *what)
{
	if (e == EMFILE || e == ENFILE)
		return e;
	if (!files_warned)
		msg_print("%s: %s", what, strerror(e));
	files_warned = true;
	return ECANCELED;
}

/* --files: a file of its own in TMPDIR for the attempt's stdout; -1
 * with errno as file_refused says. */
static int open_job_file(struct job *j)
{
	const char *dir = getenv("TMPDIR");
	if (!dir || !*dir)
		dir = "/tmp";
	size_t len = strlen(dir) + 32;
	j->file = xmalloc(len);
	snprintf(j->file, len, "%s/lanes-%lu-XXXXXX", dir, j->seq);
	int fd = mkostemp(j->file, O_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		char what[PATH_MAX + 40];
		snprintf(what, sizeof what, "--files: cannot make a file in %s", dir);
		free(j->file);
		j->file = NULL;
		errno = file_refused(e, what);
	}
	return fd;
}

/* --files, --results: the files the job's stdout (and stderr) go to in
 * place of its pipes (which output.c keeps, and nothing writes); `own`
 * gets those to close once the job has them. 0, or an errno. */
static int redirect_outputs(struct job *j, int child[2], int own[2])
{
	own[0] = own[1] = -1;
	int r = 0;
	if (opts->files) {
		if ((own[0] = open_job_file(j)) < 0)
			return errno;
		child[0] = own[0];
	} else if (table) {
		/* the row reads them at the job's end: the job keeps them */
		if ((r = results_table_files(j->table_fds)) != 0)
			return file_refused(r, "--results: cannot make a file in TMPDIR");
		child[0] = j->table_fds[0];
		child[1] = j->table_fds[1];
	} else if (j->results) {
		if ((r = results_open(j->results, j->seq, own)) != 0) {
			char what[PATH_MAX + 16];
			snprintf(what, sizeof what, "--results: %s", j->results);
			return file_refused(r, what);
		}
		child[0] = own[0];
		child[1] = own[1];
	}
	return 0;
}

/* --files: the attempt's file is not wanted (a retry, or lanes ended it). */
static void drop_job_file(struct job *j)
{
	if (j->file)
		unlink(j->file);
	free(j->file);
	j->file = NULL;
}

/* Starts job j (its record and command are ready), or runs it again for a
 * retry. Returns false when the system refused for now. */
static bool launch(struct job *j)
{
	bool again = j->phase == JOB_RETRY_WAIT;
	if (opts->semaphore && !opts->sem_fg && !detached) {
		/* It has its slot: the shell gets its prompt back now. */
		detached = true;
		if (sem_detach() != 0) {
			result->could_not_start = true;
			stop_running_jobs();
			return false;
		}
	}
	struct host *h = hosts_in_use() ? hosts_pick(j) : NULL;
	if (hosts_in_use() && !h && !(j->remote.pinned && hosts_is_down(j->remote.pinned))) {
		/* its host (--onall) has no free slot yet */
		if (again)
			timer_schedule(&j->timer, timer_now() + RETRY_NS);
		return false;
	}
	int child[2], own[2] = { -1, -1 };
	int in = -1;
	int e = output_open(&j->out, child);
	if (!e && data && (in = feed_open(&j->feed)) < 0 && opts->feed == FEED_PIPE)
		e = errno;
	if (!e)
		e = redirect_outputs(j, child, own);
	if (!e && hosts_in_use()) {
		if (!h) {
			/* pinned (--onall) to a host that is down */
			output_discard(&j->out);
			drop_job_file(j);
			drop_table_files(j);
			j->remote.host = j->remote.pinned;
			j->status = 255;
			held = NULL;
			if (!again) {
				j->order = ++last_order;
				started_count++;
				if (opts->keep_order)
					jobs_order_push(j);
			}
			j->phase = JOB_RUNNING;
			j->start_mono = timer_now();
			j->start_epoch = (double)time(NULL);
			finish(j);
			return true;
		}
		j->status = 0;
		e = remote_command(j, h, &in);
	}
	if (!e && slurm_in_use())
		slurm_command(j, opts->shell);
	if (!e)
		e = local_start(j, child, in);
	if (e)
		remote_reaped(j);  /* gives back its place on the host, removes its --workdir ... */
	if (in >= 0)
		close(in);  /* the job has it */
	for (int i = 0; i < 2; i++)
		if (own[i] >= 0)
			close(own[i]);
	if (e == EMFILE || e == ENFILE || e == EAGAIN || e == ENOMEM) {
		output_discard(&j->out);
		drop_job_file(j);
		drop_table_files(j);
		if (data)
			feed_stop(&j->feed);
		refused(j, e);
		return false;
	}
	refused_since = -1;
	struct timespec wall;
	clock_gettime(CLOCK_REALTIME, &wall);
	j->start_mono = timer_now();
	j->start_epoch = (double)wall.tv_sec + (double)wall.tv_nsec / 1e9;
	j->signal = 0;
	j->cpu_ns = 0;
	j->timed_out = j->stopped_by_terminal = false;
	j->term_step = -1;
	j->phase = JOB_RUNNING;
	if (!again) {
		held = NULL;
		j->attempt = 1;
		j->throttled = 0;
		j->order = ++last_order;
		started_count++;
		if (opts->keep_order)
			jobs_order_push(j);
		if (opts->verbose)
			output_note(2, j->cmd.text, j->cmd.text_len);
	}
	if (opts->echo)
		output_job_line(&j->out, j->cmd.text, j->cmd.text_len);
	if (j->file)
		output_job_line(&j->out, j->file, strlen(j->file));
	if (e) {
		exec_failed(j, e);
		return true;
	}
	if (opts->timeout_ns)
		timer_schedule(&j->timer, j->start_mono + opts->timeout_ns);
	if (data)
		feed_start(&j->feed);
	/* With retries a live job's output could not be taken back. */
	if (opts->keep_order && j->order == next_to_print && !reruns())
		output_go_live(&j->out);
	return true;
}

static bool may_start(void)
{
	if (no_more_starts || output_busy() || timer_pending(&spawn_timer) || timer_pending(&pace_timer))
		return false;
	if (hosts_in_use() && !hosts_pick(held) && !(held && held->remote.pinned && hosts_is_down(held->remote.pinned)))
		return false;  /* no host has a free slot (a job pinned to a host that is down fails at once) */
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
			if (opts->shell_quote) {
				quoted.text_len = 0;
				command_append_quoted(&quoted, j->cmd.text, j->cmd.text_len);
				output_note(1, quoted.text, quoted.text_len);
			} else {
				output_note(1, j->cmd.text, j->cmd.text_len);
			}
			if (data)
				feed_release(&j->feed);
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
	if (j->phase == JOB_RETRY_WAIT && no_more_starts) {
		job_end(j);  /* no more starts, retries included: it failed */
	} else if (j->phase == JOB_RETRY_WAIT) {
		/* A retry is a start too: output, --rate and the others pace it,
		 * and a limit lowered meanwhile holds it back (it keeps its slot,
		 * so only the running jobs are counted). */
		int64_t now = timer_now();
		int64_t at = output_busy() || local_running() >= slots_target() ? now + RETRY_NS
			     : pace_active()					 ? pace_next_start(now)
										 : 0;
		if (at)
			timer_schedule(&j->timer, at);
		else if (launch(j) && pace_active())
			pace_started(timer_now());
	} else if (!termseq_ending(j)) {
		const char *t = opts->timeout_text;
		size_t n = strlen(t);
		j->timed_out = true;
		msg_print("job %lu timed out after %s%s: %s", j->seq, t, n && t[n - 1] >= '0' && t[n - 1] <= '9' ? "s" : "",
			  j->cmd.text);
		termseq_begin(j);
	} else {
		termseq_next(j);
	}
}

/* --semaphore-timeout: the semaphore stayed full that long. */
static void on_sem_timeout(struct timer_entry *e)
{
	(void)e;
	if (started_count > 0)
		return;
	if (opts->sem_timeout_ns > 0) {
		slots_bypass_shared();  /* run anyway, as GNU's sem */
		return;
	}
	msg_print("--semaphore-timeout %s: semaphore %s stayed full; giving up", opts->sem_timeout_text, opts->sem_name);
	result->sem_gave_up = true;
	stop_starting();
}

/* ---- signals ---- */

static void on_stop(int sig)
{
	if (!stopping) {
		stopping = true;
		result->signal = sig;
		long n = local_running();
		if (n > 0)
			msg_print("SIG%s: ending %ld running job%s", options_signal_name(sig), n, n == 1 ? "" : "s");
		stop_running_jobs();
		return;
	}
	/* A second one: no more waiting, for the jobs or the reader. */
	hard_stop = true;
	for (struct job *j = jobs_first_live(); j; j = j->next)
		if (j->phase == JOB_RUNNING && j->group > 0)
			kill(-j->group, SIGKILL);
}

static void on_list(int sig)
{
	(void)sig;
	jobs_list(timer_now(), slots_target());
}

static void progress_counts(struct progress_counts *c)
{
	*c = (struct progress_counts){ .started = started_count, .done = halt_done(), .failed = halt_failed(),
				       .running = local_running(), .throttled = result->throttled,
				       .limit = slots_target(), .moves = limit_moves() };
	if (c->moves)
		limit_range(&c->lowest, &c->highest);
}

/* ---- the run ---- */

static size_t pack_length(void *ctx, const struct arg *args, size_t count)
{
	return command_length(ctx, args, count);
}

static size_t pack_growth(void *ctx, const struct arg *args, size_t count)
{
	return command_growth(ctx, args, count);
}

/* -m, -X, --xargs: jobs take arguments while their command lines hold
 * them; but for --xargs, spread evenly over the slots, as GNU parallel
 * does, which needs the whole input first. */
static int pack(long slots)
{
	long most = opts->per_job_given ? opts->per_job : LONG_MAX;
	if (opts->fill != FILL_XARGS && !opts->per_job_given) {
		long tuples = input_count_all(input);
		if (tuples < 0)
			return -1;
		long per = slots > 0 ? (tuples + slots - 1) / slots : tuples;
		most = per > 0 ? per : 1;
	}
	if (opts->fill == FILL_CONTEXT)
		template_repeat_words(template);
	size_t limit = opts->max_chars ? (size_t)opts->max_chars : MAX_CHARS_DEFAULT;
	if (hosts_in_use() && !opts->max_chars)
		limit = hosts_line_limit(limit);  /* quoted into one ssh argument */
	struct input_packing p = { most, limit, pack_length, pack_growth, template };
	input_pack(input, &p);
	return 0;
}

/* Hosts came up or went down: as many slots as the hosts that are up
 * have; none left at all ends the starting. */
static void hosts_changed(void)
{
	long n = hosts_slots();
	slots_set_target(n > 0 ? n : 1);
	if (hosts_none_left() && !no_more_starts) {
		msg_print("no host is left to run jobs on; starting no more jobs");
		result->could_not_start = true;
		stop_starting();
	}
}

static int setup(void)
{
	if (loop_init() != 0) {
		msg_print("cannot set up a timer: %s", strerror(errno));
		return -1;
	}
	static const int stops[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
	for (size_t i = 0; i < sizeof stops / sizeof stops[0]; i++)
		loop_catch(stops[i], on_stop, true);
	loop_catch(SIGUSR1, on_list, false);
	termseq_init(&opts->termseq, finish);
	if (opts->slot_var)
		jobenv_slot_var(opts->slot_var);
	if (opts->nice_given)
		spawn_nice(opts->nice);
	if (local_init(opts->shell, opts->tty, job_reaped, job_stopped, termseq_after_reaping) != 0)
		return -1;
	if (opts->plus)
		template_set_plus(-1, 1);  /* the figures come once known, below */
	columns = input ? input_column_names(input, &column_count) : NULL;
	if (columns)
		template_set_columns(columns, column_count);
	template = template_new(opts->command, opts->command_count, opts->replace, opts->quote,
				!(opts->pipe && opts->feed == FEED_PIPE));
	if (opts->tagstring)
		tag_template = template_new_text(opts->tagstring, opts->replace);
	if (!template || (opts->tagstring && !tag_template))
		return -1;
	/* --dry-run prints the command lines as they would run here: it
	 * connects to no host and starts no srun */
	if (!opts->dry_run && (hosts_init(&opts->remote, &opts->jobs, opts->replace, hosts_changed) != 0 ||
			       slurm_init(opts->slurm, opts->slurm_args) != 0))
		return -1;
	bool moves = opts->jobs.kind == JOBS_AUTO || opts->jobs.kind == JOBS_FILE;
	long wanted = opts->slots && !hosts_in_use() ? opts->slots : JOBS_LIMIT;  /* -S: -j is per host */
	long make_jobs = slots_join_shared(opts->no_jobserver || opts->dry_run);
	if (make_jobs != 0 && !opts->jobs_given)
		wanted = make_jobs > 0 ? make_jobs : JOBS_LIMIT;  /* make's jobserver is the limit */
	if (moves && make_jobs > 0 && wanted > make_jobs)
		wanted = make_jobs;  /* a limit that moves stays within make's */
	if (moves && opts->sem_share && wanted > opts->sem_share_size)
		wanted = opts->sem_share_size;  /* and within the semaphore's */
	if (opts->semaphore)
		wanted = 1;  /* its one command; -j is the semaphore's size */
	long cpus = machine_cpus();
	/* -S: the slots the hosts will have, before any has answered */
	long remote_slots = hosts_in_use() ? hosts_expected_slots(opts->slots ? opts->slots : cpus) : 0;
	long holders = moves && wanted > 8 * cpus ? 8 * cpus : wanted;  /* what output memory is shared by */
	if (remote_slots)
		holders = remote_slots;
	output_init(opts->output, opts->keep_order, (size_t)(opts->keep_order ? 2 * holders : holders));
	long slots = wanted;
	bool asked = opts->jobs_given && opts->slots && opts->jobs.kind != JOBS_FILE && !hosts_in_use() &&
		     !(opts->jobs.kind == JOBS_AUTO && opts->jobs.max == JOBS_LIMIT);
	if (opts->output != OUTPUT_UNGROUP)
		slots = slots_fit_descriptors(wanted, opts->keep_order ? 8 : 6, FDS_PER_JOB, asked);
	struct limit_spec limits = { opts->jobs.kind == JOBS_AUTO, opts->jobs.min, opts->jobs.max, opts->jobs_file,
				     opts->jobs_name, opts->limit_log, slots, cpus };
	if (slots >= 0 && (slots = limit_init(&limits, slots, timer_now())) < 0)
		return -1;
	/* --dry-run runs no job: it offers no jobserver, takes no semaphore. */
	struct slots_sharing share = { opts->no_jobserver || opts->dry_run, opts->jobserver_style,
				       opts->dry_run ? NULL : opts->sem_share, opts->sem_share_size, "--sem-id", false };
	if (opts->semaphore)
		share = (struct slots_sharing){ true, 0, opts->dry_run ? NULL : opts->sem_name, opts->slots,
						"--semaphore", true };
	if (slots < 0 || slots_init(slots, &share) != 0)
		return -1;
	if (hosts_in_use())
		slots_set_target(hosts_slots() > 0 ? hosts_slots() : 1);  /* and more as hosts come up */
	if (opts->semaphore && opts->sem_timeout_ns)
		timer_schedule(&sem_timer, timer_now() + (opts->sem_timeout_ns < 0 ? -opts->sem_timeout_ns : opts->sem_timeout_ns));
	if (opts->halt.when != HALT_NEVER && opts->halt.percent_of_total) {
		total_items = data ? blocks_total(data) : input_count_all(input);
		result->input_failed |= total_items < 0;
	}
	halt_init(opts, total_items);
	if (opts->joblog && !opts->dry_run &&
	    !(joblog = joblog_open(opts->joblog, opts->resume || opts->retry_failed, output_text)))
		return -1;
	if (opts->shuffle && input && input_shuffle(input) != 0)
		return -1;
	if (opts->results && results_is_table(opts->results) && !(table = results_table_open(opts->results)))
		return -1;
	if (opts->plus) {
		long jobs = template_uses_total(template) || template_uses_total(tag_template)
				    ? (input ? input_count_all(input) : data ? blocks_total(data) : -1)
				    : -1;
		template_set_plus(jobs, slots);
	}
	if (opts->fill && pack(remote_slots ? remote_slots : slots) != 0)
		return -1;
	pace_init(opts, slots);
	long total = -1;
	if (opts->progress || opts->bar || opts->eta)
		total = total_items >= 0 && !opts->resume ? total_items : data ? blocks_total(data) : input_total(input);
	msg_set_sink(output_message);  /* from here on, lanes never blocks on stderr */
	progress_start(opts, total, progress_counts);
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
	for (;;) {
		bool more = start_jobs();
		more |= opts->round_robin && rr_dispatch();
		check_output();
		if (local_running() == 0 && jobs_live_count() == 0 && (no_more_starts || input_done))
			break;
		/* A write that takes the queue below its low-water mark lets
		 * jobs start again: then do not wait for anything else. */
		bool busy = output_busy();
		output_write();
		more |= busy && !output_busy();
		if (loop_wait(!more) != 0)
			return -1;
	}
	progress_finish();
	return drain();
}

static void teardown(void)
{
	msg_set_sink(NULL);
	limit_end(timer_now());
	pace_end();
	output_end();
	joblog_close(joblog);
	jobs_free_all();
	slots_end();
	hosts_end();
	slurm_end();
	local_end();
	template_free(template);
	template_free(tag_template);
	command_free(&quoted);
	results_table_close(table);
	table = NULL;
	block_free(next_block);
	next_block = NULL;
}

int runner_run(const struct options *options, struct input *in, struct blocks *blocks, struct run_result *res)
{
	opts = options;
	input = in;
	data = blocks;
	if (data)
		feed_init(data, opts->feed);
	result = res;
	memset(result, 0, sizeof *result);
	result->halt_status = -1;
	int rc = setup() == 0 ? run_loop() : -1;
	if (rc == 0 && result->halt_status < 0)
		result->halt_status = halt_final_status();
	teardown();
	return rc;
}
