/* runner.c — the scheduler: the slot counter, the event loop, and every
 * decision about processes (start, reap, time out, stop). It takes items
 * from input.c, turns them into commands with command.c, starts them with
 * spawn.c, times them with timer.c and hands their bytes to output.c.
 *
 * The invariants of the event loop:
 *
 * - SIGCHLD, SIGALRM, SIGINT, SIGTERM and SIGHUP are blocked at all times
 *   except inside the one ppoll() call, and their handlers only set flags.
 *   A child that exits while we are busy leaves SIGCHLD pending; ppoll()
 *   unblocks it atomically, so it interrupts the wait at once. Nothing can
 *   happen between "check the flags" and "wait" that the wait would miss.
 *   After every wakeup waitpid(-1, WNOHANG) reaps until nothing is left,
 *   because several exits may share one SIGCHLD.
 * - 0 <= running <= slots. A slot is taken when a job starts and given back
 *   when it ends; {%} / LANES_SLOT is that slot's number.
 * - A job ends when its process has been reaped and both its pipes have
 *   reached end of file; only then is its output complete.
 * - Input is read only when a job could start, so endless input waits in
 *   the pipe, not in our memory.
 * - Under -k, jobs hold records from the oldest unprinted one up to at
 *   most 2 x slots ahead, so a slow first job bounds what waits behind it.
 */
#include "runner.h"

#include <assert.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "command.h"
#include "host.h"
#include "joblog.h"
#include "output.h"
#include "pace.h"
#include "progress.h"
#include "spawn.h"
#include "timer.h"

#define FD_RESERVE 16             /* stdio, /dev/null, input, slack */
#define SLOTS_MAX 32768           /* what -j 0 may mean at most */
#define RETRY_NS (100 * 1000000)  /* wait before retrying a refused spawn */
#define BACKOFF_CAP_NS (300 * INT64_C(1000000000))  /* --retry-delay doubles up to 5 minutes */

enum job_state { JOB_FREE, JOB_RUNNING, JOB_ENDED };

struct job {
	unsigned long seq;
	unsigned long order;   /* position among the jobs that run: -k prints by it */
	int slot;
	int attempt;           /* 1 for the first run, 2 for the first retry, ... */
	bool waiting_retry;    /* between attempts: no process, timer set */
	int signal;            /* the signal that ended the process; 0: it exited */
	double start_epoch;    /* for the joblog */
	int64_t start_mono;
	pid_t pid;             /* > 0 until reaped */
	pid_t group;           /* process group id, for signals */
	enum job_state state;
	int status;            /* exit code, or 128 + signal */
	bool timed_out;
	bool stopped;          /* ended by lanes: output dropped, not counted */
	int term_step;         /* next --termseq step; -1: not being ended */
	struct timer_entry timer;
	struct output_job out;
	struct command cmd;
	struct command tag;    /* only its text: the --tag / --tagstring prefix */
};

static volatile sig_atomic_t got_child, got_alarm, got_usr1, got_usr2, stop_signal, interrupts;

static const struct options *opts;
static struct input *input;
static struct run_result *result;

static struct job *jobs;         /* records */
static size_t records;
static struct job **free_jobs;
static size_t free_job_count;
static int *free_slots;
static size_t free_slot_count;
static long slots, running;
static struct job **in_order;    /* -k: the record of order o at o % records */
static unsigned long last_seq, last_order, next_to_print = 1;
static struct job *held;         /* ready but refused by the system for now */
static struct timer_entry retry_timer = { 0, TIMER_IDLE };
static struct timer_entry pace_timer = { 0, TIMER_IDLE };
static struct timer_entry progress_timer = { 0, TIMER_IDLE };

static bool input_done, no_more_starts, stopping, killed_hard, fd_warned;
static long total_items = -1;    /* known only for --halt N% */
static unsigned long counted[3]; /* jobs per halt_on: failed, succeeded, ended */
static unsigned long started_count;

static struct joblog *joblog;
static struct joblog_history history;
static size_t retry_rows_taken;  /* --retry-failed: rows of history.failed run so far */
static uint64_t random_state;

static struct template *template, *tag_template;
static char **job_env;
static char seq_var[32], slot_var[32];

static sigset_t wait_mask;       /* the mask inside ppoll(): nothing we catch blocked */

static void on_signal(int sig)
{
	switch (sig) {
	case SIGCHLD: got_child = 1; break;
	case SIGALRM: got_alarm = 1; break;
	case SIGUSR1: got_usr1 = 1; break;
	case SIGUSR2: got_usr2 = 1; break;
	case SIGINT: interrupts++; /* fall through */
	default: if (!stop_signal) stop_signal = sig; break;
	}
}

/* Catches the signals of the loop, blocks them outside ppoll(), and lists
 * the ones a job must get back at their defaults. A stop signal that was
 * ignored when lanes started (nohup, a background job of sh) stays ignored,
 * for lanes and its jobs alike. */
static void setup_signals(sigset_t *reset)
{
	static const int caught[] = { SIGCHLD, SIGALRM, SIGUSR1, SIGUSR2, SIGINT, SIGTERM, SIGHUP };
	sigset_t block;
	sigemptyset(&block);
	sigemptyset(reset);
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof caught / sizeof caught[0]; i++) {
		struct sigaction old;
		sigaction(caught[i], NULL, &old);
		if (old.sa_handler == SIG_IGN && caught[i] != SIGCHLD && caught[i] != SIGALRM &&
		    caught[i] != SIGUSR1 && caught[i] != SIGUSR2)
			continue;
		sigaddset(&block, caught[i]);
		sigaddset(reset, caught[i]);
	}
	sigprocmask(SIG_BLOCK, &block, &wait_mask);
	sigdelset(&wait_mask, SIGCHLD);
	sigdelset(&wait_mask, SIGALRM);
	sigdelset(&wait_mask, SIGUSR1);
	sigdelset(&wait_mask, SIGUSR2);
	sigdelset(&wait_mask, SIGINT);
	sigdelset(&wait_mask, SIGTERM);
	sigdelset(&wait_mask, SIGHUP);
	for (size_t i = 0; i < sizeof caught / sizeof caught[0]; i++)
		if (sigismember(&block, caught[i]))
			sigaction(caught[i], &sa, NULL);
	/* A closed stdout shows up as EPIPE from write(), handled in place. */
	signal(SIGPIPE, SIG_IGN);
	sigaddset(reset, SIGPIPE);
}

/* The environment every job gets: ours, with LANES_SEQ and LANES_SLOT
 * replaced by two entries rewritten in place before each spawn. */
static void build_env(void)
{
	extern char **environ;
	size_t n = 0;
	while (environ[n])
		n++;
	job_env = calloc(n + 3, sizeof *job_env);
	if (!job_env)
		abort();
	size_t k = 0;
	job_env[k++] = seq_var;
	job_env[k++] = slot_var;
	for (size_t i = 0; i < n; i++)
		if (strncmp(environ[i], "LANES_SEQ=", 10) != 0 && strncmp(environ[i], "LANES_SLOT=", 11) != 0)
			job_env[k++] = environ[i];
	job_env[k] = NULL;
}

/* How many jobs the descriptors allow: each running job holds two pipe
 * ends and may hold two spill files; under -k each waiting record may hold
 * two spill files too. Raises the soft limit as far as that needs. */
static long fit_slots_to_descriptors(long wanted)
{
	if (opts->output == OUTPUT_UNGROUP)
		return wanted;
	long per_slot = opts->keep_order ? 8 : 4;
	long limit = host_raise_fd_limit(FD_RESERVE + per_slot * wanted);
	long fit = (limit - FD_RESERVE) / per_slot;
	if (fit < 1)
		fit = 1;
	if (fit >= wanted)
		return wanted;
	if (opts->slots != 0)
		fprintf(stderr, "lanes: -j %ld: only enough file descriptors (limit %ld) for %ld jobs at once; running %ld\n",
			wanted, limit, fit, fit);
	return fit;
}

static int setup(void)
{
	sigset_t reset;
	setup_signals(&reset);
	if (timer_init() != 0 || spawn_init(&reset) != 0) {
		fprintf(stderr, "lanes: cannot set up: %s\n", strerror(errno));
		return -1;
	}
	host_become_subreaper();
	build_env();
	template = template_new(opts->command, opts->command_count, opts->replace, opts->quote);
	if (opts->tagstring)
		tag_template = template_new_text(opts->tagstring, opts->replace);

	slots = fit_slots_to_descriptors(opts->slots ? opts->slots : SLOTS_MAX);
	records = (size_t)(opts->keep_order ? 2 * slots : slots);
	jobs = calloc(records, sizeof *jobs);
	free_jobs = calloc(records, sizeof *free_jobs);
	free_slots = calloc((size_t)slots, sizeof *free_slots);
	in_order = calloc(records, sizeof *in_order);
	if (!jobs || !free_jobs || !free_slots || !in_order)
		abort();
	for (size_t i = 0; i < records; i++) {
		jobs[i].timer.index = TIMER_IDLE;
		jobs[i].term_step = -1;
		free_jobs[free_job_count++] = &jobs[records - 1 - i];
	}
	for (long i = 0; i < slots; i++)
		free_slots[free_slot_count++] = (int)(slots - i);
	output_init(opts, records);

	if (opts->halt.when != HALT_NEVER && opts->halt.percent_of_total) {
		total_items = input_count_all(input);
		if (total_items < 0)
			result->input_failed = true;
	}
	if (opts->resume || opts->retry_failed) {
		if (joblog_read(opts->joblog, &history) != 0)
			return -1;
		if (opts->retry_failed) {
			template_free(template);
			template = template_new(NULL, 0, NULL, false);
		}
	}
	if (opts->joblog && !opts->dry_run &&
	    !(joblog = joblog_open(opts->joblog, opts->resume || opts->retry_failed)))
		return -1;
	pace_init(opts, slots);
	long total = -1;
	if (opts->progress || opts->bar || opts->eta) {
		total = opts->retry_failed ? (long)history.failed_count
			: total_items >= 0 ? total_items : input_total(input);
		for (long seq = 1; opts->resume && total > 0 && seq < (long)history.size && seq <= total; seq++)
			if (joblog_history_skip(&history, (unsigned long)seq, opts->resume_failed))
				total--;
	}
	progress_init(opts, total, timer_now());
	random_state = (uint64_t)timer_now() ^ ((uint64_t)getpid() << 32);
	return 0;
}

static struct job *job_of_timer(struct timer_entry *e)
{
	return (struct job *)((char *)e - offsetof(struct job, timer));
}

static struct job *job_of_pid(pid_t pid)
{
	for (size_t i = 0; i < records; i++)
		if (jobs[i].state == JOB_RUNNING && jobs[i].pid == pid)
			return &jobs[i];
	return NULL;
}

static void job_end(struct job *j);

/* A job lanes is ending whose process has been reaped and whose process
 * group is empty, or has had every --termseq step: whatever still holds its
 * pipes has left the group (setsid) and is not the job any more. What the
 * pipes hold now is kept; the job ends without waiting for them to close. */
static void end_without_pipes(struct job *j)
{
	if (j->state != JOB_RUNNING || j->pid != 0 || j->waiting_retry)
		return;
	output_stop_reading(&j->out);
	job_end(j);
}

/* Sends the next --termseq signal to the job's process group and schedules
 * the step after it, unless the group is already gone. */
static void termseq_step(struct job *j)
{
	const struct termseq *t = &opts->termseq;
	if (j->term_step >= t->count || (kill(-j->group, t->signal[j->term_step]) != 0 && errno == ESRCH)) {
		end_without_pipes(j);
		return;
	}
	timer_schedule(&j->timer, timer_now() + t->wait_ns[j->term_step]);
	j->term_step++;
}

static void end_process_group(struct job *j)
{
	if (j->term_step >= 0)
		return;
	timer_cancel(&j->timer);
	j->term_step = 0;
	termseq_step(j);
}

/* Ends every running job (halt now, a stop signal, a closed stdout). */
static void stop_running_jobs(void)
{
	no_more_starts = true;
	for (size_t i = 0; i < records; i++) {
		struct job *j = &jobs[i];
		if (j->state != JOB_RUNNING)
			continue;
		j->stopped = true;
		if (j->waiting_retry)
			job_end(j);
		else
			end_process_group(j);
	}
}

static void release_record(struct job *j)
{
	j->state = JOB_FREE;
	j->stopped = j->timed_out = false;
	j->term_step = -1;
	free_jobs[free_job_count++] = j;
}

/* -k: writes out, in input order, every job that has ended up to the
 * oldest one still running, which may then write as it goes. */
static void print_in_order(void)
{
	for (;;) {
		struct job *j = in_order[next_to_print % records];
		if (!j || j->order != next_to_print)
			return;
		if (j->state == JOB_RUNNING) {
			/* With retries a live job's output could not be taken back. */
			if (!j->out.live && !j->stopped && opts->retries <= 1)
				output_go_live(&j->out);
			return;
		}
		if (j->stopped)
			output_discard(&j->out);
		else
			output_flush(&j->out);
		in_order[next_to_print % records] = NULL;
		next_to_print++;
		release_record(j);
	}
}

static const char *halt_verb(enum halt_on on)
{
	return on == HALT_ON_FAIL ? "failed" : on == HALT_ON_SUCCESS ? "succeeded" : "ended";
}

static void check_halt(struct job *j, bool failed)
{
	const struct halt_spec *h = &opts->halt;
	if (h->when == HALT_NEVER || no_more_starts)
		return;
	bool matches = h->on == HALT_ON_DONE || (h->on == HALT_ON_FAIL) == failed;
	if (!matches)
		return;
	unsigned long n = counted[h->on];
	bool trigger = h->percent_of_total
		? total_items > 0 && n * 100.0 >= h->percent * (double)total_items
		: (long)n >= h->count;
	if (!trigger)
		return;
	if (h->on == HALT_ON_FAIL)
		result->halt_status = j->status ? j->status : 1;
	fprintf(stderr, "lanes: --halt %s: job %lu %s (status %d); %s\n", opts->halt_text, j->seq,
		halt_verb(h->on), j->status,
		h->when == HALT_NOW ? "ending the running jobs" : "starting no more jobs");
	no_more_starts = true;
	if (h->when == HALT_NOW)
		stop_running_jobs();
}

static void write_joblog_row(const struct job *j, int64_t now)
{
	struct joblog_row row = {
		.seq = j->seq,
		.start = j->start_epoch,
		.runtime = (double)(now - j->start_mono) / 1e9,
		.received = j->out.received,
		.exitval = j->timed_out ? -1 : j->signal ? 0 : j->status,
		.signal = j->signal,
		.command = j->cmd.text,
		.command_len = j->cmd.text_len,
	};
	joblog_write(joblog, &row);
}

static uint64_t next_random(void)
{
	random_state ^= random_state << 13;
	random_state ^= random_state >> 7;
	random_state ^= random_state << 17;
	return random_state;
}

/* The wait before retry number `retry` (1 for the first): --retry-delay,
 * doubled for each retry before, capped, plus up to a quarter more at
 * random so that jobs failing together do not retry together. */
static int64_t backoff(int retry)
{
	int64_t d = opts->retry_delay_ns;
	for (int i = 1; i < retry && d < BACKOFF_CAP_NS; i++)
		d *= 2;
	if (d > BACKOFF_CAP_NS && opts->retry_delay_ns < BACKOFF_CAP_NS)
		d = BACKOFF_CAP_NS;
	return d + (int64_t)(next_random() % (uint64_t)(d / 4 + 1));
}

static bool launch(struct job *j);

/* A failed attempt with attempts left: forget its output and run it again,
 * now or after the backoff. The job keeps its slot meanwhile. */
static bool retry_later(struct job *j)
{
	bool failed = j->status != 0 || j->timed_out;
	if (j->stopped || !failed || j->attempt >= opts->retries || no_more_starts)
		return false;
	if (j->term_step >= 0)
		kill(-j->group, SIGKILL);
	timer_cancel(&j->timer);
	output_discard(&j->out);
	j->attempt++;
	j->waiting_retry = true;
	j->term_step = -1;
	timer_schedule(&j->timer, timer_now() + (opts->retry_delay_ns ? backoff(j->attempt - 1) : 0));
	return true;
}

static void job_end(struct job *j)
{
	if (retry_later(j))
		return;
	if (j->term_step >= 0) {
		/* It was being ended: make sure nothing of its group lingers. */
		kill(-j->group, SIGKILL);
	}
	timer_cancel(&j->timer);
	j->waiting_retry = false;
	running--;
	assert(running >= 0 && running <= slots);
	free_slots[free_slot_count++] = j->slot;
	j->state = JOB_ENDED;
	if (!j->stopped) {
		bool failed = j->status != 0 || j->timed_out;
		if (joblog)
			write_joblog_row(j, timer_now());
		if (failed)
			result->failed++;
		counted[HALT_ON_FAIL] += failed;
		counted[HALT_ON_SUCCESS] += !failed;
		counted[HALT_ON_DONE]++;
		check_halt(j, failed);
	}
	if (opts->keep_order) {
		print_in_order();
		return;
	}
	if (j->stopped)
		output_discard(&j->out);
	else
		output_flush(&j->out);
	release_record(j);
}

static void maybe_end(struct job *j)
{
	if (j->state == JOB_RUNNING && j->pid == 0 && !output_open_streams(&j->out))
		job_end(j);
}

static void hold_job(struct job *j)
{
	held = j;
	if (running == 0)
		timer_schedule(&retry_timer, timer_now() + RETRY_NS);
}

/* Starts job j (its record and command are ready), or runs it again for a
 * retry. Returns false when the system refused for now; a new job is then
 * held to try again later, a retry waits on its timer. */
static bool launch(struct job *j)
{
	bool again = j->waiting_retry;
	int child[2];
	int e = output_open(&j->out, child);
	if (again && e) {
		timer_schedule(&j->timer, timer_now() + RETRY_NS);
		return false;
	}
	if (e == EMFILE || e == ENFILE) {
		if (!fd_warned && running > 0)
			fprintf(stderr, "lanes: out of file descriptors with %ld jobs running; running fewer at once\n",
				running);
		fd_warned = true;
		hold_job(j);
		return false;
	}
	snprintf(seq_var, sizeof seq_var, "LANES_SEQ=%lu", j->seq);
	snprintf(slot_var, sizeof slot_var, "LANES_SLOT=%d", j->slot);
	pid_t pid = 0;
	e = spawn_start(j->cmd.argv, job_env, child[0], child[1], &pid);
	if (e == ENOEXEC && !j->cmd.shell) {
		/* A script without #!: run it as a shell would, by the shell. */
		command_use_shell(&j->cmd, opts->shell);
		e = spawn_start(j->cmd.argv, job_env, child[0], child[1], &pid);
	}
	output_close_child(child);
	if (e == EAGAIN || e == ENOMEM) {
		output_discard(&j->out);
		if (again)
			timer_schedule(&j->timer, timer_now() + RETRY_NS);
		else
			hold_job(j);  /* keeps its slot, so {%} stays true */
		return false;
	}
	if (opts->verbose && !again)
		output_note(2, j->cmd.text, j->cmd.text_len);
	int64_t now = timer_now();
	struct timespec wall;
	clock_gettime(CLOCK_REALTIME, &wall);
	j->start_mono = now;
	j->start_epoch = (double)wall.tv_sec + (double)wall.tv_nsec / 1e9;
	j->signal = 0;
	j->timed_out = false;
	j->term_step = -1;
	j->waiting_retry = false;
	if (!again) {
		held = NULL;
		j->state = JOB_RUNNING;
		j->stopped = false;
		j->attempt = 1;
		j->order = ++last_order;
		running++;
		started_count++;
		if (opts->keep_order)
			in_order[j->order % records] = j;
	}
	if (e) {
		/* It never ran: a failed job, reported as a shell would. */
		if (e == E2BIG)
			fprintf(stderr, "lanes: job %lu: its command line (%zu bytes) is too long for this system: %s\n",
				j->seq, j->cmd.text_len, strerror(e));
		else
			fprintf(stderr, "lanes: %s: %s\n", j->cmd.argv[0],
				e == ENOENT ? "command not found" : strerror(e));
		output_discard(&j->out);
		j->pid = 0;
		j->status = e == ENOENT || e == ENOTDIR ? 127 : 126;
		job_end(j);
		return true;
	}
	j->pid = j->group = pid;
	if (opts->timeout_ns)
		timer_schedule(&j->timer, now + opts->timeout_ns);
	/* With retries a live job's output could not be taken back. */
	if (opts->keep_order && j->order == next_to_print && opts->retries <= 1)
		output_go_live(&j->out);
	return true;
}

/* Takes the next item into a free record and slot, as a command ready to
 * run. Returns NULL when no item is ready. */
static struct job *next_job(void)
{
	struct job *j = free_jobs[free_job_count - 1];
	int slot = free_slots[free_slot_count - 1];
	struct input_item item;
	struct arg retry_arg;
	unsigned long seq = last_seq + 1;
	for (;;) {
		if (opts->retry_failed) {
			if (retry_rows_taken == history.failed_count) {
				input_done = true;
				return NULL;
			}
			struct retry_row *r = &history.failed[retry_rows_taken++];
			retry_arg = (struct arg){ r->command, strlen(r->command) };
			item = (struct input_item){ &retry_arg, 1 };
			seq = r->seq;
			if (command_expand(&j->cmd, template, &item, seq, slot, opts->shell) == 0)
				break;
			continue;
		}
		enum input_status st = input_next(input, &item);
		if (st == INPUT_AGAIN)
			return NULL;
		if (st != INPUT_ITEM) {
			input_done = true;
			if (st == INPUT_ERROR)
				result->input_failed = true;
			return NULL;
		}
		if (opts->resume && joblog_history_skip(&history, seq, opts->resume_failed)) {
			seq = ++last_seq + 1;  /* done in the earlier run: its number stays taken */
			continue;
		}
		if (command_expand(&j->cmd, template, &item, seq, slot, opts->shell) == 0)
			break;
	}
	free_job_count--;
	free_slot_count--;
	if (!opts->retry_failed)
		last_seq = seq;
	j->seq = seq;
	j->slot = slot;
	j->out.tag = NULL;
	if (opts->tag || opts->tagstring) {
		command_tag(&j->tag, tag_template, &item, j->seq, slot);
		j->out.tag = j->tag.text;
		j->out.tag_len = j->tag.text_len;
	}
	if (opts->dry_run)
		output_note(1, j->cmd.text, j->cmd.text_len);
	return j;
}

/* --dry-run: the job is printed, not run. */
static void skip_job(struct job *j)
{
	free_slots[free_slot_count++] = j->slot;
	release_record(j);
}

static bool can_start(void)
{
	return !no_more_starts && running < slots &&
	       (held || (!input_done && free_slot_count > 0 && free_job_count > 0));
}

/* Pacing (--delay, --rate, --load, --memfree) lets a start happen now, or
 * sets the timer for when to ask again. */
static bool pace_allows(void)
{
	if (!pace_active())
		return true;
	if (pace_timer.index != TIMER_IDLE)
		return false;
	int64_t now = timer_now();
	int64_t at = pace_next_start(now);
	if (at == 0)
		return true;
	timer_schedule(&pace_timer, at);
	return false;
}

/* Starts jobs while a slot, an item and the pacing allow. The item is
 * taken before pacing is asked, so lanes never waits for a pace that no
 * job needs: when the input has ended, it ends. */
static void start_jobs(void)
{
	while (can_start()) {
		struct job *j = held;
		if (j && retry_timer.index != TIMER_IDLE)
			return;
		if (!j && !(j = next_job()))
			return;
		if (opts->dry_run) {
			skip_job(j);
			continue;
		}
		if (!pace_allows()) {
			held = j;  /* ready, waiting for its pace */
			return;
		}
		if (!launch(j))
			return;
		if (pace_active())
			pace_started(timer_now());
	}
}

static void reap(void)
{
	int status;
	pid_t pid;
	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		struct job *j = job_of_pid(pid);
		if (!j)
			continue;  /* an orphaned grandchild we adopted as subreaper */
		j->pid = 0;
		j->signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
		j->status = j->signal ? 128 + j->signal : WEXITSTATUS(status);
		if (j->term_step >= 0 && kill(-j->group, 0) != 0 && errno == ESRCH)
			end_without_pipes(j);
		else
			maybe_end(j);
	}
}

static void timeout_message(const struct job *j)
{
	const char *t = opts->timeout_text;
	size_t n = strlen(t);
	bool bare = n > 0 && t[n - 1] >= '0' && t[n - 1] <= '9';
	fprintf(stderr, "lanes: job %lu timed out after %s%s: %s\n", j->seq, t, bare ? "s" : "", j->cmd.text);
}

static void handle_timers(void)
{
	struct timer_entry *e;
	int64_t now = timer_now();
	while ((e = timer_take_expired(now))) {
		if (e == &retry_timer || e == &pace_timer || e == &progress_timer)
			continue;  /* start_jobs() and the progress line look again */
		struct job *j = job_of_timer(e);
		if (j->state != JOB_RUNNING)
			continue;
		if (j->waiting_retry) {
			/* A retry is a start too: --rate and the others pace it. */
			int64_t at = pace_active() ? pace_next_start(now) : 0;
			if (at)
				timer_schedule(&j->timer, at);
			else if (launch(j) && pace_active())
				pace_started(timer_now());
		} else if (j->term_step < 0) {
			j->timed_out = true;
			timeout_message(j);
			end_process_group(j);
		} else {
			termseq_step(j);
		}
	}
}

static void handle_stop_signals(void)
{
	if (stop_signal && !stopping) {
		stopping = true;
		result->signal = stop_signal;
		if (running > 0)
			fprintf(stderr, "lanes: SIG%s: ending %ld running job%s\n", sigabbrev_np(stop_signal), running,
				running == 1 ? "" : "s");
		stop_running_jobs();
	}
	if (interrupts >= 2 && !killed_hard) {
		killed_hard = true;
		for (size_t i = 0; i < records; i++)
			if (jobs[i].state == JOB_RUNNING)
				kill(-jobs[i].group, SIGKILL);
	}
}

/* SIGUSR1: what is running, for a person wondering what lanes is doing. */
static void list_running_jobs(void)
{
	int64_t now = timer_now();
	fprintf(stderr, "lanes: %ld running job%s (seq, slot, pid, seconds, command):\n", running,
		running == 1 ? "" : "s");
	for (size_t i = 0; i < records; i++) {
		const struct job *j = &jobs[i];
		if (j->state != JOB_RUNNING)
			continue;
		fprintf(stderr, "lanes:   %lu\t%d\t%d\t%.3f\t%s%s\n", j->seq, j->slot, j->waiting_retry ? 0 : (int)j->group,
			(double)(now - j->start_mono) / 1e9, j->cmd.text, j->waiting_retry ? " (waiting to retry)" : "");
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

static void check_output(void)
{
	if (output_error() && !result->output_errno) {
		result->output_errno = output_error();
		stop_running_jobs();
	}
}

struct watch {
	struct job *job;   /* NULL: the input */
	int which;
};

static int run_loop(void)
{
	size_t cap = 2 * records + 1;
	struct pollfd *fds = calloc(cap, sizeof *fds);
	struct watch *watched = calloc(cap, sizeof *watched);
	if (!fds || !watched)
		abort();
	show_progress(true);
	for (;;) {
		start_jobs();
		if (running == 0 && (no_more_starts || (input_done && !held)))
			break;

		size_t n = 0;
		for (size_t i = 0; i < records; i++) {
			struct job *j = &jobs[i];
			if (j->state != JOB_RUNNING)
				continue;
			for (int w = 0; w < 2; w++)
				if (j->out.stream[w].fd >= 0) {
					fds[n] = (struct pollfd){ .fd = j->out.stream[w].fd, .events = POLLIN };
					watched[n++] = (struct watch){ j, w };
				}
		}
		if (can_start() && !held && input_fd(input) >= 0) {
			fds[n] = (struct pollfd){ .fd = input_fd(input), .events = POLLIN };
			watched[n++] = (struct watch){ NULL, 0 };
		}
		timer_rearm();

		int ready = ppoll(fds, n, NULL, &wait_mask);
		if (ready < 0 && errno != EINTR) {
			fprintf(stderr, "lanes: ppoll: %s\n", strerror(errno));
			return -1;
		}
		if (got_alarm) {
			got_alarm = 0;
			timer_fired();
		}
		if (got_child) {
			got_child = 0;
			reap();
		}
		handle_timers();
		handle_stop_signals();
		if (got_usr1) {
			got_usr1 = 0;
			list_running_jobs();
		}
		if (got_usr2) {
			got_usr2 = 0;
			progress_toggle();
		}
		for (size_t i = 0; ready > 0 && i < n; i++) {
			if (!fds[i].revents)
				continue;
			struct watch *w = &watched[i];
			if (!w->job) {
				if (input_fill(input) != 0)
					result->input_failed = true;
				continue;
			}
			if (w->job->state != JOB_RUNNING || w->job->out.stream[w->which].fd != fds[i].fd)
				continue;
			output_read(&w->job->out, w->which);
			maybe_end(w->job);
		}
		check_output();
		show_progress(false);
	}
	free(fds);
	free(watched);
	return 0;
}

static void teardown(void)
{
	if (progress_active()) {
		struct progress_counts c = { started_count, counted[HALT_ON_DONE], counted[HALT_ON_FAIL], running };
		progress_finish(timer_now(), &c);
	}
	joblog_close(joblog);
	joblog_history_free(&history);
	if (opts->keep_order && in_order)
		print_in_order();
	for (size_t i = 0; i < records; i++) {
		output_free(&jobs[i].out);
		command_free(&jobs[i].cmd);
		command_free(&jobs[i].tag);
	}
	free(jobs);
	free(free_jobs);
	free(free_slots);
	free(in_order);
	free(job_env);
	template_free(template);
	template_free(tag_template);
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
