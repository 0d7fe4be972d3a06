/* jobs.h — the record of each job of a run, from its start until it has
 * been printed: records are made as jobs start and reused once printed,
 * found by pid in O(1), listed while they run, and kept in input order
 * under -k. */
#ifndef LANES_JOBS_H
#define LANES_JOBS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "command.h"
#include "feed.h"
#include "joblog.h"
#include "output.h"
#include "ssh.h"
#include "timer.h"

enum job_phase {
	JOB_READY,        /* its item is taken, its slot held: it waits to start */
	JOB_RUNNING,      /* its process runs, or is being ended */
	JOB_RETRY_WAIT,   /* between attempts: no process, its timer set */
	JOB_ENDED,        /* done; under -k it may wait to be printed */
};

struct job {
	unsigned long seq;
	unsigned long order;   /* position among the jobs that ran: -k prints by it */
	int slot;
	int attempt;           /* 1 for the first run, 2 for the first retry, ... */
	long throttled;        /* reruns so far for --throttle-exit (not attempts) */
	enum job_phase phase;
	pid_t pid;             /* its process, > 0 until reaped or given up on */
	pid_t group;           /* its process group, for signals */
	int status;            /* exit code, or 128 + signal */
	int signal;            /* the signal that ended the process; 0: it exited */
	bool timed_out;
	bool stopped;          /* ended by lanes: output dropped, not counted */
	bool has_terminal;     /* --tty: its group is the terminal's foreground */
	bool stopped_by_terminal;  /* the kernel stopped it for using the terminal */
	int term_step;         /* next --termseq step; -1: not being ended */
	double start_epoch;    /* for the joblog */
	int64_t start_mono;
	int64_t cpu_ns;        /* CPU time of its last attempt (with its waited-for children) */
	struct timer_entry timer;  /* timeout, termseq step, or retry */
	struct output_job out;
	struct command cmd;
	struct command tag;    /* only its text: the --tag / --tagstring prefix */
	struct feed feed;      /* --pipe: its block, and how it is written */
	struct remote_job remote;  /* -S: its host, and what runs here for it */
	char *file;            /* --files: where this attempt's stdout goes; NULL: none */
	char *results;         /* --results: the job's directory; NULL: none */
	int table_fds[2];      /* --results TABLE: where this attempt's stdout, stderr go; -1: none */
	char *args_text;       /* --results TABLE: the job's arguments, each ending with a NUL */
	size_t args_len, args_count;
	struct joblog_row row;  /* as counted: --results TABLE writes it in print order */
	struct job *prev, *next;   /* among the live jobs, or the pool */
};

/* A record for a job about to start (JOB_READY), put on the live list;
 * `timer_fn` is what its timer calls. */
struct job *jobs_new(void (*timer_fn)(struct timer_entry *));

/* The job has ended: off the live list (it may still wait to be printed). */
void jobs_ended(struct job *j);

/* The record is done with: kept for a later job, buffers and all. */
void jobs_recycle(struct job *j);

/* The live jobs: running or waiting to retry. */
struct job *jobs_first_live(void);
long jobs_live_count(void);

/* The pid table. */
void jobs_track_pid(struct job *j, pid_t pid);
void jobs_forget_pid(struct job *j);
struct job *jobs_by_pid(pid_t pid);

/* -k: jobs in the order they started, until printed. */
void jobs_order_push(struct job *j);
struct job *jobs_order_oldest(void);
void jobs_order_pop(void);
size_t jobs_order_count(void);

/* SIGUSR1: lists the live jobs on stderr (seq, slot, pid, seconds since
 * they started, command) under the limit they run within, for a person
 * wondering what lanes is doing. */
void jobs_list(int64_t now, long limit);

/* Frees every record. */
void jobs_free_all(void);

#endif
