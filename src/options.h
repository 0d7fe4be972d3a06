/* options.h — the command line, parsed once into a read-only struct. */
#ifndef LANES_OPTIONS_H
#define LANES_OPTIONS_H

#include <stdbool.h>
#include <regex.h>
#include <stdint.h>

#include "blocks.h"
#include "feed.h"
#include "jobserver.h"

#define LANES_VERSION "0.1.0"

/* Exit status for lanes' own errors (bad options, unreadable input). */
#define EXIT_LANES_ERROR 255

/* The most jobs lanes runs at once, whatever -j says (-j 0 means this). */
#define JOBS_LIMIT 32768

enum output_mode { OUTPUT_GROUP, OUTPUT_LINE, OUTPUT_UNGROUP };

enum jobs_kind { JOBS_ABSOLUTE, JOBS_PERCENT, JOBS_PLUS, JOBS_MINUS, JOBS_MAX, JOBS_AUTO, JOBS_FILE };

struct jobs_spec {
	enum jobs_kind kind;
	long value;
	long min, max;            /* JOBS_AUTO: its range (auto:MIN-MAX) */
};

#define TERMSEQ_MAX 32
struct termseq {
	int count;
	int signal[TERMSEQ_MAX];
	int64_t wait_ns[TERMSEQ_MAX];
};

enum halt_when { HALT_NEVER, HALT_SOON, HALT_NOW };
enum halt_on { HALT_ON_FAIL, HALT_ON_SUCCESS, HALT_ON_DONE };

struct halt_spec {
	enum halt_when when;
	enum halt_on on;
	long count;      /* halt after this many (when !percent) */
	double percent;  /* halt after this share of all jobs (when percent) */
	bool percent_of_total;
};

enum source_kind { SOURCE_LIST, SOURCE_FILE };

/* One input source: ::: values, or a file (:::: FILE, -a FILE; "-" is stdin). */
struct source_spec {
	enum source_kind kind;
	char **values;            /* SOURCE_LIST */
	int count;
	const char *path;         /* SOURCE_FILE */
	bool linked;              /* :::+ / ::::+: paired with the source before */
};

#define DELIMITER_MAX 32  /* bytes of a -d delimiter, at most */

/* --trim: which ends of an item lose their white space. TRIM_DEFAULT is
 * none, but both ends of each --colsep column, as GNU parallel. */
enum trim { TRIM_DEFAULT, TRIM_NONE, TRIM_LEFT, TRIM_RIGHT, TRIM_BOTH };

/* -m, -X, --xargs: a job takes as many arguments as its command line
 * holds (spread over the job slots, but for --xargs); -X repeats each
 * word with {} for each of them. */
enum fill { FILL_NONE, FILL_MULTI, FILL_CONTEXT, FILL_XARGS };

/* -m, -X without -s: command lines stay shorter than this, which a
 * shell's -c line (one argument, at most 128 KiB with its NUL) can take. */
#define MAX_CHARS_DEFAULT 131072

/* Remote hosts (-S, --slf) and what travels with their jobs. */
struct remote_spec {
	const char **logins;      /* -S values, each maybe a comma list */
	size_t login_count;
	const char **login_files; /* --slf */
	size_t login_file_count;
	const char *ssh;          /* --ssh: the ssh command (default "ssh") */
	bool no_master;           /* --no-controlmaster: a connection per job */
	const char *workdir;      /* --workdir: NULL: the login directory */
	const char **transfer;    /* --transferfile templates ({} for --transfer) */
	size_t transfer_count;
	const char **returns;     /* --return templates */
	size_t return_count;
	const char **basefiles;   /* --basefile */
	size_t basefile_count;
	const char **env;         /* --env names */
	size_t env_count;
	bool cleanup;             /* --cleanup: remove what was sent and returned */
	bool onall;               /* --onall: every job on every host */
	bool nonall;              /* --nonall: the command once on every host */
	bool filter_hosts;        /* --filter-hosts: drop quietly a host that does not answer */
};

struct options {
	struct jobs_spec jobs;
	long slots;               /* resolved -j, at most JOBS_LIMIT; 0: as many as the system allows */
	int64_t timeout_ns;       /* 0: none */
	const char *timeout_text; /* as the user wrote it, for messages */
	struct termseq termseq;
	enum output_mode output;
	bool keep_order;
	bool tag;
	const char *tagstring;    /* NULL: none */
	struct halt_spec halt;
	const char *halt_text;
	const char *shell;
	char **command;           /* NULL when no command was given */
	int command_count;

	struct source_spec *sources;  /* empty: standard input */
	int source_count;
	char delimiter[DELIMITER_MAX + 1];  /* between input items: "\n", -0, -d */
	size_t delimiter_len;     /* bytes of it, from 1 */
	const char *colsep;       /* --colsep regex; NULL: none */
	bool link;                /* --link: pair all sources, recycling shorter ones */
	long per_job;             /* -n / -N: items per job */
	const char *replace;      /* -I: the string that stands for {} */
	bool quote;               /* -q: quote the command words too */
	bool dry_run;             /* --dry-run: print, do not run */
	bool tty;                 /* --tty: the job gets the terminal */
	bool jobs_given;          /* -j was given, not defaulted */
	char jobs_name[64];       /* -j as the user typed it (-j, -P, --jobs), for messages */
	const char *jobs_file;    /* -j FILE: read again as jobs end; NULL: none */
	const char *limit_log;    /* --limit-log FILE: each move of the limit; NULL: none */
	uint64_t throttle_codes[4];  /* --throttle-exit: a bit per exit status */
	bool throttle;            /* any of them */
	long throttle_retries;    /* --throttle-retries: reruns for throttling; -1: no end */
	bool pipe;                /* --pipe / --pipepart: jobs get blocks of data on stdin */
	struct blocks_spec blocks;  /* how the data is cut (--block, --recend, ...) */
	enum feed_kind feed;      /* stdin, or --cat's file, or --fifo's named pipe */
	bool round_robin;         /* --round-robin: one job per slot, fed block after block */
	bool per_job_given;       /* -N (-n) was given */
	bool no_run_if_empty;     /* -r: skip blank items */
	enum trim trim;           /* --trim: of each item (--colsep: of each column) */
	const char *eof_string;   /* -E: an item equal to it ends its source; NULL: none */
	const char *slot_var;     /* --process-slot-var: set to the slot - 1; NULL: none */
	int nice;                 /* --nice: the jobs' niceness, when above lanes' own */
	bool nice_given;
	bool shell_quote;         /* --shell-quote: print the command lines quoted, run none */
	char *recend_copy, *recstart_copy;  /* their escapes made bytes (allocated) */
	bool recend_given;        /* --recend was given (else "" with --recstart, as GNU) */
	bool no_jobserver;        /* --no-jobserver: neither join nor offer one */
	enum jobserver_style jobserver_style;  /* --jobserver-style: the forms offered */
	char *sem_share;          /* --sem-id NAME:N: NAME (allocated); NULL: none */
	long sem_share_size;      /* its N */

	bool semaphore;           /* --semaphore (or run as sem): one command, holding a slot of sem_name */
	bool sem_fg;              /* --fg: wait for it; else return once it has started */
	bool sem_wait;            /* --wait: wait until no command holds a slot of sem_name */
	const char *sem_name;     /* --id; default: the terminal's name */
	int64_t sem_timeout_ns;   /* --st: > 0 run anyway after it; < 0 give up after it; 0: wait */
	const char *sem_timeout_text;
	char *command_line;       /* --semaphore: the command words joined (allocated) */
	bool verbose;             /* -t: print each command line to stderr */
	bool echo;                /* -v: print each command line on stdout, before its output */
	enum fill fill;           /* -m, -X, --xargs: as many arguments a job as fit */
	const char *fill_option;  /* which one (or -L, -l), for messages */
	bool lines_given;         /* -L, -l: with --pipe, lines a record; else -X -N */
	bool arg_header;          /* --header : without --pipe: each source's first item names it */
	bool shuffle;             /* --shuf: run the jobs in a random order */
	bool shebang;             /* --shebang: the input's first line is the #! line */
	bool plus;                /* --plus: GNU's further replacement strings */
	bool csv;                 /* --csv: items are CSV records, their fields the columns */
	bool color;               /* --color: each job's lines in a colour of its own */
	bool color_failed;        /* --color-failed: a failed job's lines white on red */
	struct remote_spec remote;
	bool slurm;               /* --slurm: each job through srun */
	const char *slurm_args;   /* --slurm-args: more srun words; NULL: none */
	bool files;               /* --files: each job's stdout to a file, its name printed */
	const char *results;      /* --results DIR: each job's output under DIR/1/VALUE/...; NULL: none */
	const char *lines_option;
	long max_chars;           /* -s: the longest command line; 0: not given */

	const char *joblog;       /* --joblog FILE, +FILE or -; NULL: none */
	bool resume;              /* --resume: skip the seqs the joblog has */
	bool resume_failed;       /* --resume-failed: ... but rerun the failed ones */
	bool retry_failed;        /* --retry-failed: rerun the log's failed commands */
	long retries;             /* --retries: attempts in all (1: no retry; 0: no limit) */
	int64_t retry_delay_ns;   /* --retry-delay: before the first retry, then doubling */
	int64_t delay_ns;         /* --delay: between job starts */
	long rate_count;          /* --rate: at most this many starts ... ; 0: none */
	int64_t rate_window_ns;   /* ... in any window this long */
	double load;              /* --load: start only below this many runnable processes */
	long long memfree;        /* --memfree: start only above this many bytes available */
	const char *memfree_text; /* as typed */
	bool progress, bar, eta;  /* what to show on stderr */
	long total;               /* --total: the number of jobs; -1: unknown */
};

/* Parses argv into *opts. On a usage error prints one line and exits 255;
 * --help and --version print and exit 0. */
void options_parse(int argc, char **argv, struct options *opts);

/* Frees what options_parse allocated. */
void options_free(struct options *opts);

/* The parsers below return 0 on success, -1 (with *why set to a static
 * explanation) on a bad value. They are public for tests and fuzzing. */
int options_parse_duration(const char *text, int64_t *ns);  /* -2: over 100 years */
int options_parse_jobs(const char *text, struct jobs_spec *out);
/* --throttle-exit: a comma list of exit statuses 1..255, as bits. */
int options_parse_statuses(const char *text, uint64_t bits[4]);
/* True when `status` is one of --throttle-exit's. */
bool options_throttled(const struct options *opts, int status);
int options_parse_termseq(const char *text, struct termseq *out, const char **why);
int options_parse_halt(const char *text, struct halt_spec *out);
int options_parse_signal(const char *name);
/* "TERM" for SIGTERM; "?" for a number the table does not have. */
const char *options_signal_name(int sig);
int options_parse_delimiter(const char *text, char *out, size_t *len);
/* --rate N/unit: at most *count starts in any *window_ns. -2: too slow. */
int options_parse_rate(const char *text, long *count, int64_t *window_ns);
#define RATE_WINDOW_MAX 100000
int options_parse_size(const char *text, long long *bytes);

/* Compiles a --colsep regex: POSIX ERE, with Perl's \t \n \r \f \v \d \D
 * as GNU parallel users write them. Returns regcomp's result. */
int options_compile_colsep(const char *text, regex_t *re);

/* Compiles a GNU parallel (Perl) expression as a POSIX one with `flags`,
 * its escapes that POSIX lacks (\t, \n, \d, ...) translated. */
int options_compile_regex(const char *text, regex_t *re, int flags);

/* A copy of text with the escapes \n \t \r \f \v \a \b \0 \\ and \xHH
 * made the bytes they stand for; *len is its length (it may hold NULs). */
char *options_unescape(const char *text, size_t *len);

/* The number of job slots a jobs_spec means on a machine with `cpus`
 * usable CPUs; `unlimited` stands for 0 ("as many as possible").
 * Returns -1 when the spec leaves no slot. */
long options_resolve_jobs(const struct jobs_spec *spec, long cpus, long unlimited);

#endif
