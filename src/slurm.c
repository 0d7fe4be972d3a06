/* slurm.c — jobs as Slurm steps (--slurm): each job's command line is
 * srun's, which asks for one task (a step of the allocation lanes runs in,
 * or a job of its own outside one), passes lanes' signals on to it and
 * exits with its status. srun runs a prolog of ours here before the step
 * starts; it writes the step's id and node into a file named by srun's
 * pid, which gives the joblog its Host and scancel its step. Slots, output
 * and the rest are the local job's: to lanes, srun is the job. */
#include "slurm.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc.h"
#include "jobs.h"
#include "msg.h"
#include "spawn.h"

extern char **environ;

static bool in_use;
static bool in_allocation;      /* SLURM_JOB_ID is set: jobs are its steps */
static char *dir;               /* 0700: the prolog and what it writes */
static char *prolog_option;     /* --prolog=DIR/prolog */
static char **words;            /* srun and its options, then --slurm-args */
static size_t word_count, word_cap;
static char *args_copy;         /* the storage of --slurm-args' words */

/* The prolog: srun, its parent, runs it just before the step starts. */
static const char prolog[] =
	"#!/bin/sh\n"
	"# lanes --slurm: the step and node of the srun that runs this\n"
	"printf '%s.%s %s\\n' \"$SLURM_JOB_ID\" \"$SLURM_STEP_ID\" \"$SLURM_NODELIST\" >\"${0%/*}/$PPID\"\n"
	"exit 0\n";

static void push(const char *w)
{
	words = xgrow(words, &word_cap, word_count + 1, sizeof *words);
	words[word_count++] = (char *)w;
}

static int write_prolog(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0700);
	if (fd < 0)
		return -1;
	size_t n = sizeof prolog - 1;
	bool ok = write(fd, prolog, n) == (ssize_t)n;
	return close(fd) == 0 && ok ? 0 : -1;
}

int slurm_init(bool on, const char *args)
{
	if (!on)
		return 0;
	if (!spawn_findable("srun")) {
		msg_print("--slurm: srun: no such program in PATH (Debian package slurm-client)");
		return -1;
	}
	const char *id = getenv("SLURM_JOB_ID");
	in_allocation = id && *id;
	const char *tmp = getenv("TMPDIR");
	if (!tmp || !*tmp)
		tmp = "/tmp";
	size_t len = strlen(tmp) + 32;
	dir = xmalloc(len);
	snprintf(dir, len, "%s/lanes-slurm-XXXXXX", tmp);
	if (!mkdtemp(dir)) {
		msg_print("--slurm: cannot make a directory in %s: %s", tmp, strerror(errno));
		free(dir);
		dir = NULL;
		return -1;
	}
	prolog_option = xmalloc(strlen(dir) + 32);
	sprintf(prolog_option, "--prolog=%s/prolog", dir);
	if (write_prolog(prolog_option + strlen("--prolog=")) != 0) {
		msg_print("--slurm: cannot write %s: %s", prolog_option + strlen("--prolog="), strerror(errno));
		return -1;
	}
	push("srun");
	if (in_allocation)
		push("--exclusive");  /* a step of its own CPUs: at most -j at once */
	push("-N1");
	push("-n1");
	push("-Q");
	push("--quit-on-interrupt");  /* a --termseq INT ends the step, not only prints its state */
	push(prolog_option);
	if (args) {
		args_copy = xstrndup(args, strlen(args));
		for (char *save, *w = strtok_r(args_copy, " \t\n", &save); w; w = strtok_r(NULL, " \t\n", &save))
			push(w);
	}
	push("--");
	in_use = true;
	return 0;
}

bool slurm_in_use(void)
{
	return in_use;
}

void slurm_command(struct job *j, const char *shell)
{
	struct remote_job *r = &j->remote;
	free(r->argv);
	free(r->text);
	r->text = NULL;
	r->argv = xmalloc((word_count + 4) * sizeof *r->argv);
	memcpy(r->argv, words, word_count * sizeof *words);
	static char c[] = "-c";
	size_t n = word_count;
	r->argv[n++] = (char *)shell;  /* the line as lanes would run it here */
	r->argv[n++] = c;
	r->argv[n++] = j->cmd.text;
	r->argv[n] = NULL;
}

/* What the prolog wrote for srun `pid`: "JOB.STEP NODES"; false when it
 * has not run (srun never got its step). */
static bool read_step(pid_t pid, char *buf, size_t size)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/%d", dir, (int)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	ssize_t n = read(fd, buf, size - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return strchr(buf, ' ') != NULL;
}

void slurm_reaped(struct job *j)
{
	if (!in_use || j->group <= 0)
		return;
	struct remote_job *r = &j->remote;
	free(r->node);
	free(r->step);
	r->node = r->step = NULL;
	char buf[1024], path[4096];
	if (read_step(j->group, buf, sizeof buf)) {
		char *space = strchr(buf, ' ');
		r->step = xstrndup(buf, (size_t)(space - buf));
		r->node = xstrndup(space + 1, strlen(space + 1));
	}
	snprintf(path, sizeof path, "%s/%d", dir, (int)j->group);
	unlink(path);
}

void slurm_kill(struct job *j)
{
	char buf[1024];
	if (!in_use || j->group <= 0 || !read_step(j->group, buf, sizeof buf))
		return;  /* no step yet: killing srun withdraws its request */
	buf[strcspn(buf, " ")] = '\0';
	static char scancel[] = "scancel", quiet[] = "-Q", s[] = "-s", kill_name[] = "KILL";
	char *argv[] = { scancel, quiet, s, kill_name, buf, NULL };
	struct spawn_job sj = { .argv = argv, .envp = environ, .in = -1, .out = -1, .err = -1, .terminal = -1 };
	pid_t pid;
	spawn_start(&sj, &pid);  /* reaped as a stranger; srun ends with the step */
}

void slurm_end(void)
{
	if (dir) {
		DIR *d = opendir(dir);
		struct dirent *e;
		while (d && (e = readdir(d)))
			if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
				unlinkat(dirfd(d), e->d_name, 0);
		if (d)
			closedir(d);
		rmdir(dir);
	}
	free(dir);
	free(prolog_option);
	free(words);
	free(args_copy);
	dir = prolog_option = args_copy = NULL;
	words = NULL;
	word_count = word_cap = 0;
	in_use = false;
}
