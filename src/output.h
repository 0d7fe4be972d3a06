/* output.h — collects each job's stdout and stderr and hands them to
 * lanes' own (sink.h), whole per job (--group), by whole lines
 * (--line-buffer), or not at all (--ungroup: the job writes straight
 * through). It reads the jobs' pipes from the loop, and stops reading
 * them while too much output waits for a slow reader. */
#ifndef LANES_OUTPUT_H
#define LANES_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "options.h"

/* Past this much output waiting for lanes' reader (in memory or in spill
 * files), lanes reads no job pipe and starts no job until it is down to
 * OUTPUT_LOW_WATER. */
#define OUTPUT_HIGH_WATER (4u << 20)
#define OUTPUT_LOW_WATER (2u << 20)

struct output_job;

struct output_stream {
	int fd;                 /* read end of the job's pipe; -1 when closed */
	int write_fd;           /* lanes' copy of its write end, until the job is reaped */
	char *mem;              /* the newer bytes held, in memory */
	size_t len, cap;
	int spill;              /* unlinked file holding the older bytes; -1: none */
	off_t spilled;
	bool mid_line;          /* tagged: the last byte passed on was not a newline */
	bool enlarged;          /* its pipe has been made bigger */
	struct output_job *job;
	struct output_stream *prev, *next;  /* among the open streams */
};

struct output_job {
	struct output_stream stream[2];  /* [0] stdout, [1] stderr */
	const char *tag;                 /* line prefix (without the TAB); NULL: none */
	const char *color;               /* --color: each line's colour (SGR); NULL: none */
	size_t tag_len;
	bool live;                       /* oldest job under -k: passes on as it reads */
	bool defer;                      /* --color-failed: held undecorated, every line
					  * ended, until its end sets `color` */
	bool lost;                       /* its output could not be kept anywhere */
	unsigned long long received;     /* bytes of stdout, for the joblog */
};

/* `holders`: how many jobs may hold output at once (sets the memory each
 * may keep before spilling to a temporary file). */
void output_init(enum output_mode mode, bool keep_order, size_t holders);

/* A new job record's output: nothing open, nothing held. */
void output_job_init(struct output_job *job);

/* Drops whatever is still queued and closes what the sink opened. */
void output_end(void);

/* Makes the pipes for a job about to start and watches them. child[0],
 * child[1] get the write ends for the job's stdout and stderr (-1: the
 * job writes to lanes' own); output.c keeps them open until the job is
 * reaped, so that a job's exit wakes lanes once (SIGCHLD), not also for
 * its pipes. Returns 0, or the errno (EMFILE, ENFILE: out of
 * descriptors). */
int output_open(struct output_job *job, int child[2]);

/* The job's process has been reaped: what its pipes hold now is the last
 * of its output. Reads that, without waiting for writers it left behind,
 * and closes the pipes. */
void output_reaped(struct output_job *job);

/* Under -k, the job has become the oldest: it passes on what it holds
 * and from now on passes on as it reads (not a `defer` job: it waits
 * for its end). */
void output_go_live(struct output_job *job);

/* The job has ended: passes on all it holds, stdout first, then stderr;
 * a `defer` job's lines decorated now, with the colour set by then. */
void output_flush(struct output_job *job);

/* The job was stopped by lanes, or will be tried again: forgets what it
 * holds and closes its pipes. */
void output_discard(struct output_job *job);

/* Frees the job's buffers for good. */
void output_free(struct output_job *job);

/* A line of lanes' own in the job's stdout, as if the job had written it
 * (not counted as received): -v's command line, --files' file name;
 * with --ungroup, printed at once. */
void output_job_line(struct output_job *job, const char *text, size_t len);

/* --color: the colour of job `seq`'s lines, an SGR sequence: black or
 * white text on one of the six colours, seq after seq. */
const char *output_color(unsigned long seq);

/* --color-failed: the colour of a failed job's lines, white on red. */
extern const char output_failed_color[];

/* Passes on one line of lanes' own (--dry-run, --verbose) to fd 1 or 2. */
void output_note(int fd, const char *text, size_t len);

/* Takes a message of lanes' own for stderr (msg.h's sink during a run). */
void output_message(const char *text, size_t len);

/* Passes bytes to fd 1 or 2 as they are (--joblog -). */
void output_text(int fd, const char *text, size_t len);

/* True while too much output waits: start no job. */
bool output_busy(void);

/* True when nothing waits to be written. */
bool output_done(void);

/* Writes what lanes' stdout and stderr take now. */
void output_write(void);

/* When a write to lanes' stdout or stderr last took bytes (monotonic ns). */
int64_t output_last_write(void);

/* 0 while lanes' stdout takes writes; else the errno of the failed write
 * (EPIPE: the reader went away). */
int output_error(void);

/* --ungroup, where the jobs write to lanes' stdout themselves: true when
 * it is a pipe whose reader has gone (a job was killed by SIGPIPE). */
bool output_reader_gone(void);

#endif
