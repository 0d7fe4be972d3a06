/* output.h — collects each job's stdout and stderr and writes them to
 * lanes' own, whole per job (--group), by whole lines (--line-buffer), or
 * not at all (--ungroup: the job writes straight through). */
#ifndef LANES_OUTPUT_H
#define LANES_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>

#include "options.h"

struct output_stream {
	int fd;               /* read end of the job's pipe; -1 when closed */
	char *mem;            /* bytes kept in memory */
	size_t len, cap;
	int spill;            /* unlinked temporary file holding the rest; -1: none */
	bool mid_line;        /* tagged: the last byte written out was not a newline */
};

struct output_job {
	struct output_stream stream[2];  /* [0] stdout, [1] stderr */
	const char *tag;                 /* line prefix (without the TAB); NULL: none */
	size_t tag_len;
	bool live;                       /* oldest job under -k: writes as it reads */
	unsigned long long received;     /* bytes of stdout, for the joblog */
};

/* `records`: how many jobs may hold output at once (sets the memory each
 * may keep before spilling to a temporary file). */
void output_init(const struct options *opts, size_t records);

/* Makes the pipes for a job about to start. child[0], child[1] get the
 * write ends for the job's stdout and stderr (-1: the job writes to lanes'
 * own). Returns 0, or the errno (EMFILE, ENFILE: out of descriptors). */
int output_open(struct output_job *job, int child[2]);

/* Closes the write ends once the job holds them (or failed to start). */
void output_close_child(int child[2]);

/* Reads what stream `which` of the job has ready (one read). Returns
 * true when it got bytes; false at end of file (the stream is then closed)
 * or when nothing was ready. */
bool output_read(struct output_job *job, int which);

/* Keeps what the job's pipes hold now and closes them, without waiting
 * for their writers (which have left the job) to close them. */
void output_stop_reading(struct output_job *job);

/* True while the job's pipes are open (the job may still write). */
bool output_open_streams(const struct output_job *job);

/* Under -k, the job has become the oldest: it writes what it holds and
 * from now on writes as it reads. */
void output_go_live(struct output_job *job);

/* The job has ended: writes all it holds, stdout first, then stderr. */
void output_flush(struct output_job *job);

/* The job was stopped by lanes: forgets what it holds, closes its pipes. */
void output_discard(struct output_job *job);

/* Frees the job's buffers for good (the record is not reused). */
void output_free(struct output_job *job);

/* Writes one line of lanes' own (--dry-run, --verbose) to fd 1 or 2. */
void output_note(int fd, const char *text, size_t len);

/* 0 while lanes' stdout takes writes; else the errno of the failed write
 * (EPIPE: the reader went away). */
int output_error(void);

#endif
