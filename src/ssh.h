/* ssh.h — where a job runs, on other hosts: the hosts of -S and --slf,
 * each reached through one OpenSSH ControlMaster connection (a job costs
 * a channel, not a handshake), its slots (N/, or -j of its CPUs, asked
 * once), and a job's command wrapped so that it ends on the host as it
 * would here: a remote wrapper runs it in a process group of its own and
 * reads the signals lanes sends it on the channel's stdin; the end of
 * that stdin (lanes or its ssh gone) kills the group. A host whose
 * connection fails or drops is down: its jobs run elsewhere. */
#ifndef LANES_SSH_H
#define LANES_SSH_H

#include <stdbool.h>

#include "input.h"
#include "options.h"

struct job;
struct host;

/* What a job needs of its host; in struct job. */
struct remote_job {
	struct host *host;      /* where this attempt runs; NULL: not remote */
	struct host *pinned;    /* --onall: the one host it must run on */
	int control;            /* write end of the ssh's stdin: signal names */
	char **files;           /* --transferfile, --return: as filled in */
	size_t file_count, return_from;
	char *workdir;          /* as filled in; NULL: the login directory */
	char **argv;            /* what runs here: ssh, or sh with the steps */
	char *text;             /* the storage of argv's words */
	bool host_lost;         /* its host went away while it ran */
	struct host *failed_on; /* where its last attempt failed: a retry goes elsewhere */
	char *local_dir;        /* --workdir ... of a job run here: removed after */
	char *node;             /* --slurm: the node(s) its step ran on */
	char *step;             /* --slurm: its step, JOB.STEP */
};

/* Reads the hosts of -S and --slf and starts connecting to them;
 * `changed` is called when hosts come up or go down (slots to hand out
 * have changed). `jobs` is -j, meant per host. Returns 0, or -1 after a
 * message (no host at all, a bad login, an unreadable --slf). */
int hosts_init(const struct remote_spec *spec, const struct jobs_spec *jobs, const char *replace,
	       void (*changed)(void));

/* True when jobs run on hosts (-S or --slf was given). */
bool hosts_in_use(void);

/* The slots of the hosts that are up, together. */
long hosts_slots(void);

/* The slots the hosts will have once up, counting `per_host` (-j of
 * this machine's CPUs) for a host without N/: for spreading -X/-m
 * arguments and sizing output memory before any host answers. */
long hosts_expected_slots(long per_host);

/* The longest command line to pack (-X, -m, --xargs) for a host, given
 * `local`, this machine's: what is left once quoted into ssh's one
 * argument, with the wrapper and --env. */
size_t hosts_line_limit(size_t local);

/* True while a host is still being connected to or asked its CPUs. */
bool hosts_pending(void);

/* True when no host is up or pending: nothing can run any more. */
bool hosts_none_left(void);

/* --onall: the hosts up or pending, in order, for the jobs of one item. */
long hosts_count(void);
struct host *hosts_nth(long n);

/* A host with a free slot for the job (its pinned one, under --onall),
 * the least loaded; NULL when none has one now. */
struct host *hosts_pick(const struct job *j);

/* True once the host is down: a job pinned to it cannot run. */
bool hosts_is_down(const struct host *h);

/* The name of the job's host for the joblog: ":" for this machine. */
const char *hosts_name(const struct host *h);

/* True for ":", this machine: the job runs as a local one. */
bool hosts_is_local(const struct host *h);

/* Fills the job's transfer and return files and its workdir from its
 * item, once per job. */
void remote_prepare(struct job *j, const struct input_item *item);

/* --workdir for a job that runs here (no hosts, or ':'): the directory,
 * made as needed (a new one for '...'), or NULL for lanes' own; *e is an
 * errno after a message when it cannot be made. */
const char *remote_local_dir(struct job *j, int *e);

/* Makes what runs here for the job on host h (its argv) and the pipe of
 * its signals: `in` gets the read end, the job's stdin. 0, or an errno. */
int remote_command(struct job *j, struct host *h, int *in);

/* The job's process (here) has been reaped: is its host lost? Closes its
 * signal pipe and frees its slot on the host. */
void remote_reaped(struct job *j);

/* Sends sig to the job on its host; false when that cannot be done (then
 * the caller signals the ssh here). */
bool remote_signal(struct job *j, int sig);

/* A pid lanes reaped that is no job's: a host's master or a question. */
void hosts_reaped(pid_t pid, int status);

void remote_job_free(struct remote_job *r);

/* The run is over: --cleanup's basefiles removed, the connections closed. */
void hosts_end(void);

#endif
