/* spawnloop.c — the physical limit the benchmarks compare against: keep N
 * copies of one command running, M runs in all, with posix_spawnp() and
 * wait() and nothing else (no input, no pipes, no output handling, no
 * process groups). Whatever a job runner does beyond this costs time.
 *
 *   spawnloop [-c] [-v] [-j N] [-n M] [--] COMMAND [ARG...]
 *
 * -j N  runs at most N at once (default 1); -n M runs the command M times
 * (default 1); -c runs the words, joined by spaces, as one line through
 * /bin/sh -c; -v uses vfork() and execve() of the command's path, found in
 * PATH once at the start, instead of posix_spawnp(): the bare minimum a
 * runner could do (the child does nothing but exec). Exit status: 0 if
 * every run succeeded, 1 if any failed, 2 for a usage error, 127 if a
 * command could not be started. */
#include <errno.h>
#include <limits.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static void usage(void)
{
	fputs("usage: spawnloop [-c] [-j N] [-n M] [--] COMMAND [ARG...]\n", stderr);
	exit(2);
}

static long number(const char *option, const char *text)
{
	char *end;
	errno = 0;
	long n = strtol(text, &end, 10);
	if (errno || end == text || *end || n < 1) {
		fprintf(stderr, "spawnloop: %s: '%s' is not a positive whole number\n", option, text);
		exit(2);
	}
	return n;
}

/* Joins words with single spaces into one command line for sh -c. */
static char *join(char **words)
{
	size_t size = 1;
	for (char **w = words; *w; w++)
		size += strlen(*w) + 1;
	char *line = malloc(size);
	if (!line) {
		perror("spawnloop: malloc");
		exit(2);
	}
	line[0] = '\0';
	for (char **w = words; *w; w++) {
		if (w != words)
			strcat(line, " ");
		strcat(line, *w);
	}
	return line;
}

/* COMMAND's path, as execvp would find it: the first executable in PATH. */
static char *find_in_path(const char *name)
{
	if (strchr(name, '/'))
		return strdup(name);
	const char *path = getenv("PATH");
	if (!path)
		path = "/bin:/usr/bin";
	for (const char *p = path;; p++) {
		const char *colon = strchr(p, ':');
		size_t n = colon ? (size_t)(colon - p) : strlen(p);
		char *full = malloc(n + strlen(name) + 3);
		if (!full)
			exit(2);
		snprintf(full, n + strlen(name) + 3, "%.*s/%s", (int)(n ? n : 1), n ? p : ".", name);
		if (access(full, X_OK) == 0)
			return full;
		free(full);
		if (!colon)
			return NULL;
		p = colon;
	}
}

/* vfork: the child shares our memory until it execs; it only execs. */
static int vfork_exec(pid_t *pid, const char *path, char **argv)
{
	volatile int error = 0;
	pid_t p = vfork();
	if (p < 0)
		return errno;
	if (p == 0) {
		execve(path, argv, environ);
		error = errno;
		_exit(127);
	}
	*pid = p;
	return error;
}

/* Reaps one child; returns 1 if it failed, 0 if it succeeded. */
static int reap(void)
{
	int status;
	while (wait(&status) < 0) {
		if (errno != EINTR) {
			perror("spawnloop: wait");
			exit(2);
		}
	}
	return !(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

int main(int argc, char **argv)
{
	long slots = 1, total = 1;
	int shell = 0, use_vfork = 0, i = 1;

	/* Options end at the first word that is not one, so the command's own
	 * options (head -c ...) are never taken for ours. */
	for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		if (!strcmp(argv[i], "--")) {
			i++;
			break;
		} else if (!strcmp(argv[i], "-c")) {
			shell = 1;
		} else if (!strcmp(argv[i], "-v")) {
			use_vfork = 1;
		} else if (argv[i][1] == 'j' || argv[i][1] == 'n') {
			char option = argv[i][1];
			const char *value = argv[i][2] ? argv[i] + 2 : argv[++i];
			if (!value)
				usage();
			if (option == 'j')
				slots = number("-j", value);
			else
				total = number("-n", value);
		} else {
			usage();
		}
	}
	if (i >= argc)
		usage();

	char **cmd = argv + i;
	char *sh_argv[] = { "sh", "-c", NULL, NULL };
	if (shell) {
		sh_argv[2] = join(cmd);
		cmd = sh_argv;
	}
	const char *path = shell ? "/bin/sh" : cmd[0];
	if (use_vfork && !(path = find_in_path(path))) {
		fprintf(stderr, "spawnloop: %s: not found in PATH\n", cmd[0]);
		return 127;
	}

	long started = 0, running = 0;
	int failed = 0;
	while (started < total || running > 0) {
		while (started < total && running < slots) {
			pid_t pid;
			int e = use_vfork ? vfork_exec(&pid, path, cmd)
				: shell	  ? posix_spawn(&pid, path, NULL, NULL, cmd, environ)
					  : posix_spawnp(&pid, path, NULL, NULL, cmd, environ);
			if (e == EAGAIN && running > 0)
				break; /* the system is full: wait for a child, then retry */
			if (e) {
				fprintf(stderr, "spawnloop: %s: %s\n", path, strerror(e));
				while (running-- > 0)
					reap();
				return 127;
			}
			started++;
			running++;
		}
		if (running > 0) {
			failed |= reap();
			running--;
		}
	}
	return failed;
}
