/* joblog.h — the job log (--joblog) in GNU parallel's format, and what an
 * earlier log says for --resume, --resume-failed and --retry-failed. */
#ifndef LANES_JOBLOG_H
#define LANES_JOBLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct joblog;

/* Opens the log: "FILE" truncates, "+FILE" appends, "-" is stdout, whose
 * rows go to `to_stdout` (lanes' output queue). With `append` (resuming)
 * FILE is appended to as well. Writes the header when the file is empty.
 * Returns NULL after printing a message. */
struct joblog *joblog_open(const char *spec, bool append, void (*to_stdout)(int fd, const char *, size_t));

struct joblog_row {
	unsigned long seq;
	double start;          /* epoch seconds */
	double runtime;        /* seconds */
	uint64_t sent;         /* bytes given on stdin (--pipe) */
	uint64_t received;     /* bytes of stdout */
	int exitval;           /* -1: ended by lanes (timeout) */
	int signal;
	const char *host;      /* NULL: this machine, ":" */
	const char *command;
	size_t command_len;
};

/* Writes one row with a single write(), so a crash of lanes never leaves a
 * finished job's row half written. A failed write is reported once. */
void joblog_write(struct joblog *log, const struct joblog_row *row);

void joblog_close(struct joblog *log);

/* The highest Seq an earlier log may have: anything above is not a log
 * lanes or GNU parallel wrote. */
#define JOBLOG_SEQ_MAX 1000000000000UL

/* What an earlier log says: which jobs are done and which failed (the
 * latest row of each seq wins), and the failed jobs' commands. Its size
 * follows the rows, not the highest seq. */
struct joblog_history {
	struct joblog_seen { unsigned long seq; bool failed; } *seen;  /* by seq */
	size_t seen_count;
	struct retry_row { unsigned long seq; char *command; } *failed;  /* in file order */
	size_t failed_count;
};

/* Reads the log at `path` (a missing file is an empty history). Returns 0,
 * or -1 after printing a message (an unreadable file, a Seq out of range). */
int joblog_read(const char *path, struct joblog_history *history);

/* Parses one line of a log; returns false for the header or a line that
 * is not a row. Public for fuzzing. */
bool joblog_parse_row(const char *line, size_t len, struct joblog_row *row);

/* Whether job `seq` is to be skipped: it is in the log (and, with
 * `rerun_failed`, did not fail). */
bool joblog_history_skip(const struct joblog_history *history, unsigned long seq, bool rerun_failed);

void joblog_history_free(struct joblog_history *history);

#endif
