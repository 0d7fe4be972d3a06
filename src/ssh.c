/* ssh.c — the hosts of -S and --slf, their connections, and the commands
 * that run jobs on them (see ssh.h). Every process it starts is started
 * through spawn.c and reaped by local.c; nothing here waits, but
 * hosts_end at the very end of a run. */
#include "ssh.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "alloc.h"
#include "command.h"
#include "jobs.h"
#include "machine.h"
#include "msg.h"
#include "spawn.h"
#include "timer.h"

#define POLL_NS (10 * INT64_C(1000000))        /* a master's socket is looked for this often */
#define FILES_NS (1000 * INT64_C(1000000))     /* --slf files are looked at this often */
#define END_WAIT_NS (10000 * INT64_C(1000000)) /* hosts_end's cleanup waits at most this */
#define MASTER_WAIT_NS (1000 * INT64_C(1000000)) /* and a master this long for SIGTERM */

extern char **environ;

enum host_state {
	HOST_CONNECTING,  /* its master is starting: no socket yet */
	HOST_ASKING,      /* asked its CPUs (and sent --basefile) */
	HOST_UP,
	HOST_DOWN,        /* its connection failed or dropped */
	HOST_GONE,        /* no longer in its --slf: no new jobs */
};

struct host {
	char *name;             /* as given, without N/: the joblog's Host */
	char **ssh;             /* the ssh words, then -p/-l, then the host: NULL-ended */
	size_t ssh_count;
	char *ctl;              /* its ControlMaster socket; NULL: none */
	long want;              /* N/: its slots; 0: -j of its CPUs */
	long slots, running;
	enum host_state state;
	bool local;             /* ":": this machine */
	bool listed;            /* named by -S or by the latest reading of its --slf */
	bool from_file;
	bool ever_up;
	pid_t master, asker;
	int ask_fd;             /* the asker's stdout: a file, read when it has exited */
	bool asked_terminal;    /* its ssh stopped to read the terminal */
	char *err_path;         /* the master's or asker's stderr: why it failed */
};

static const struct remote_spec *spec;
static const struct jobs_spec *jobs;
static void (*on_changed)(void);
static struct host **hosts;
static size_t host_count, hosts_cap;
static char *dir;             /* 0700: the masters' sockets */
static char **ssh_words;      /* --ssh, split at blanks */
static size_t ssh_word_count;
static struct timer_entry poll_timer, files_timer;
static struct stat *file_stats;
static struct template **transfer_t, **return_t, *workdir_t;
static char *local_name;

/* ---- small strings ---- */

static char *dup_str(const char *s)
{
	return xstrndup(s, strlen(s));
}

struct text {
	char *s;
	size_t len, cap;
};

static void add(struct text *t, const char *s, size_t n)
{
	t->s = xgrow(t->s, &t->cap, t->len + n + 1, 1);
	memcpy(t->s + t->len, s, n);
	t->len += n;
	t->s[t->len] = '\0';
}

static void adds(struct text *t, const char *s)
{
	add(t, s, strlen(s));
}

/* Appends s in single quotes, for any POSIX shell. */
static void addq(struct text *t, const char *s)
{
	adds(t, "'");
	for (const char *p; (p = strchr(s, '\'')); s = p + 1) {
		add(t, s, (size_t)(p - s));
		adds(t, "'\\''");
	}
	adds(t, s);
	adds(t, "'");
}

static char **split_words(const char *text, size_t *count)
{
	char **words = NULL;
	size_t cap = 0;
	*count = 0;
	const char *p = text;
	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			break;
		size_t n = strcspn(p, " \t");
		words = xgrow(words, &cap, *count + 2, sizeof *words);
		words[(*count)++] = xstrndup(p, n);
		p += n;
	}
	words = xgrow(words, &cap, *count + 1, sizeof *words);
	words[*count] = NULL;
	return words;
}

/* ---- the hosts ---- */

/* sshd's MaxSessions: the channels one connection may have by default */
#define SESSIONS_DEFAULT 10

/* A host's slots from its CPUs (and -j). Over one master, at most as many
 * as sshd's default MaxSessions: more would be refused and fall back to a
 * handshake each; N/ says more when the host allows them. */
static long slots_for(long cpus)
{
	long n = options_resolve_jobs(jobs, cpus > 0 ? cpus : 1, JOBS_LIMIT);
	if (!spec->no_master && n > SESSIONS_DEFAULT)
		n = SESSIONS_DEFAULT;
	return n > 0 ? n : 1;
}

static struct host *find_host(const char *name)
{
	for (size_t i = 0; i < host_count; i++)
		if (strcmp(hosts[i]->name, name) == 0)
			return hosts[i];
	return NULL;
}

static void push_word(struct host *h, size_t *cap, const char *w)
{
	h->ssh = xgrow(h->ssh, cap, h->ssh_count + 2, sizeof *h->ssh);
	h->ssh[h->ssh_count++] = dup_str(w);
	h->ssh[h->ssh_count] = NULL;
}

/* One login: [N/]:, [N/][user@]host[:port], or [N/]an ssh command whose
 * last word is the host. NULL after a message when it is none. */
static void host_free(struct host *h)
{
	for (size_t k = 0; k < h->ssh_count; k++)
		free(h->ssh[k]);
	free(h->ssh);
	free(h->ctl);
	free(h->err_path);
	free(h->name);
	free(h);
}

/* The ssh words of host h, given as `rest` (the login without N/):
 * --ssh's or its own, -p and -l from :port and user@, then the host.
 * False after a message when it is not a host. */
static bool add_host_words(struct host *h, const char *rest, const char *login, const char *where)
{
	size_t cap = 0, n = 0;
	char **given = strpbrk(rest, " \t") ? split_words(rest, &n) : NULL;
	if (given) {  /* its own ssh command: the last word is the host */
		for (size_t i = 0; i + 1 < n; i++)
			push_word(h, &cap, given[i]);
	} else {
		for (size_t i = 0; i < ssh_word_count; i++)
			push_word(h, &cap, ssh_words[i]);
	}
	/* a question on the terminal would stop the ssh for good: fail instead */
	push_word(h, &cap, "-o");
	push_word(h, &cap, "BatchMode=yes");
	push_word(h, &cap, "-T");
	char *copy = dup_str(given ? given[n - 1] : rest);
	char *at = strrchr(copy, '@');
	char *name = at ? at + 1 : copy;
	char *colon = strrchr(name, ':');
	bool ok = true;
	if (!given && colon && colon == strchr(name, ':')) {  /* more than one: IPv6, no port */
		long port = strspn(colon + 1, "0123456789") == strlen(colon + 1) ? strtol(colon + 1, NULL, 10) : 0;
		if (port < 1 || port > 65535) {
			msg_print("%s: %s: the port must be a number from 1 to 65535", where, login);
			ok = false;
		}
		*colon = '\0';
		push_word(h, &cap, "-p");
		push_word(h, &cap, colon + 1);
	}
	if (at) {
		*at = '\0';
		push_word(h, &cap, "-l");
		push_word(h, &cap, copy);
	}
	if (ok && (!*name || *name == '-' || strchr(name, '/'))) {
		msg_print(strchr(name, '/') ? "%s: %s: not a host (N/ before it is a number of slots)"
					    : "%s: %s: not a host", where, login);
		ok = false;
	}
	push_word(h, &cap, "--");
	push_word(h, &cap, name);
	free(copy);
	for (size_t i = 0; i < n; i++)
		free(given[i]);
	free(given);
	return ok;
}

static struct host *new_host(const char *login, const char *where)
{
	long want = 0;
	const char *rest = login;
	if (*rest >= '0' && *rest <= '9') {
		char *end;
		long n = strtol(rest, &end, 10);
		if (*end == '/') {
			if (n < 1 || n > JOBS_LIMIT) {
				msg_print("%s: %s: N/ must be 1 to %d", where, login, JOBS_LIMIT);
				return NULL;
			}
			want = n;
			rest = end + 1;
		}
	}
	if (!*rest) {
		msg_print("%s: %s: no host", where, login);
		return NULL;
	}
	struct host *h = find_host(rest);
	if (h) {
		h->listed = true;
		if (want)
			h->want = want;
		return h;
	}
	h = xcalloc(1, sizeof *h);
	h->name = dup_str(rest);
	h->want = want;
	h->listed = true;
	h->ask_fd = -1;
	h->state = HOST_CONNECTING;
	if (strcmp(rest, ":") == 0) {
		h->local = true;
	} else if (!add_host_words(h, rest, login, where)) {
		host_free(h);
		return NULL;
	}
	hosts = xgrow(hosts, &hosts_cap, host_count + 1, sizeof *hosts);
	hosts[host_count++] = h;
	return h;
}

/* A comma list of logins. */
static int add_logins(const char *list, const char *where, bool from_file)
{
	char *copy = dup_str(list);
	int rc = 0;
	for (char *save, *p = strtok_r(copy, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
		while (*p == ' ')
			p++;
		if (!*p)
			continue;
		struct host *h = new_host(p, where);
		if (!h) {
			rc = -1;
			break;
		}
		h->from_file |= from_file;
	}
	free(copy);
	return rc;
}

static const char *login_file_path(const char *name, char *buf, size_t size)
{
	const char *home = getenv("HOME");
	if (strcmp(name, "..") == 0 && home) {
		snprintf(buf, size, "%s/.parallel/sshloginfile", home);
		return buf;
	}
	if (strcmp(name, ".") == 0)
		return "/etc/parallel/sshloginfile";
	return name;
}

/* Reads a --slf file: one login a line; blank lines and # comments are
 * skipped. -1 after a message when it cannot be read. */
static int read_login_file(size_t k)
{
	char buf[4096];
	const char *path = login_file_path(spec->login_files[k], buf, sizeof buf);
	FILE *f = fopen(path, "re");
	if (!f) {
		msg_print("--slf %s: %s", path, strerror(errno));
		return -1;
	}
	fstat(fileno(f), &file_stats[k]);
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int rc = 0;
	while (rc == 0 && (n = getline(&line, &cap, f)) >= 0) {
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r' || line[n - 1] == ' '))
			line[--n] = '\0';
		char *p = line;
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p || *p == '#')
			continue;
		rc = add_logins(p, path, true);
	}
	free(line);
	fclose(f);
	return rc;
}

static void host_down(struct host *h, const char *why)
{
	if (h->state == HOST_DOWN)
		return;
	bool quiet = spec->filter_hosts && !h->ever_up;
	h->state = HOST_DOWN;
	if (h->master > 0)
		kill(h->master, SIGTERM);
	if (!quiet)
		msg_print("host %s: %s; no more jobs go to it", h->name, why);
	on_changed();
}

static void host_up(struct host *h, long cpus)
{
	h->slots = h->want ? h->want : slots_for(cpus);
	h->state = h->listed ? HOST_UP : HOST_GONE;
	h->ever_up = true;
	on_changed();
}

/* The argv of an ssh to host h, over its master when it has one, with
 * `command` as what the host runs; words point into h and command. */
static char **ssh_argv(const struct host *h, char *command)
{
	char **argv = xmalloc((h->ssh_count + 6) * sizeof *argv);
	size_t n = 0;
	for (size_t i = 0; i + 2 < h->ssh_count; i++)
		argv[n++] = h->ssh[i];
	if (h->ctl) {
		static char master_no[] = "ControlMaster=no", o[] = "-o", s[] = "-S";
		argv[n++] = o;
		argv[n++] = master_no;
		argv[n++] = s;
		argv[n++] = h->ctl;
	}
	argv[n++] = h->ssh[h->ssh_count - 2];  /* -- */
	argv[n++] = h->ssh[h->ssh_count - 1];
	argv[n++] = command;
	argv[n] = NULL;
	return argv;
}

/* The same as one shell word list, for the steps' scripts. */
static void add_ssh_words(struct text *t, const struct host *h)
{
	for (size_t i = 0; i + 2 < h->ssh_count; i++) {
		addq(t, h->ssh[i]);
		adds(t, " ");
	}
	if (h->ctl) {
		adds(t, "-o ControlMaster=no -S ");
		addq(t, h->ctl);
		adds(t, " ");
	}
	adds(t, "-- ");
	addq(t, h->ssh[h->ssh_count - 1]);
	adds(t, " ");
}

static pid_t start_process(char **argv, int out, int err)
{
	struct spawn_job s = { .argv = argv, .envp = environ, .in = -1, .out = out, .err = err, .terminal = -1 };
	pid_t pid;
	int e = spawn_start(&s, &pid);
	if (e) {
		errno = e;
		return -1;
	}
	return pid;
}

/* A command of the remote login shell that sends a local file to the
 * host: relative paths under `wd` (NULL: the login directory), made as
 * needed, the file's mode kept. */
static void add_send(struct text *t, const struct host *h, const char *local, const char *remote, const char *wd)
{
	struct text r = { 0 };
	if (wd) {
		adds(&r, "mkdir -p -- ");
		addq(&r, wd);
		adds(&r, " && cd -- ");
		addq(&r, wd);
		adds(&r, " && ");
	}
	const char *slash = strrchr(remote, '/');
	if (slash && slash != remote) {
		char *d = xstrndup(remote, (size_t)(slash - remote));
		adds(&r, "mkdir -p -- ");
		addq(&r, d);
		adds(&r, " && ");
		free(d);
	}
	struct stat st;
	adds(&r, "cat > ");
	addq(&r, remote);
	if (stat(local, &st) == 0) {
		char mode[32];
		snprintf(mode, sizeof mode, " && chmod %o -- ", (unsigned)(st.st_mode & 07777));
		adds(&r, mode);
		addq(&r, remote);
	}
	add_ssh_words(t, h);
	addq(t, r.s);
	adds(t, " <");
	addq(t, local);
	adds(t, " || echo ");
	struct text m = { 0 };
	adds(&m, "lanes: host ");
	adds(&m, h->name);
	adds(&m, ": could not send ");
	adds(&m, local);
	addq(t, m.s);
	adds(t, " >&2\n");
	free(r.s);
	free(m.s);
}

/* The directory basefiles go to: a --workdir that is the same for
 * every job, else the login directory. */
static const char *fixed_workdir(void)
{
	const char *w = spec->workdir;
	if (!w || strcmp(w, "...") == 0 || strchr(w, '{'))
		return NULL;
	return w;
}

static char *dot_workdir(void);

/* The host's master and asker write their stderr to a file, so that why
 * a host failed is part of its one warning. -1: lanes' own stderr. */
static int open_err(struct host *h)
{
	static unsigned long made;
	if (h->err_path)
		unlink(h->err_path);
	free(h->err_path);
	size_t len = strlen(dir) + 32;
	h->err_path = xmalloc(len);
	snprintf(h->err_path, len, "%s/e%lu", dir, ++made);
	return open(h->err_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
}

/* The last line of what the host's master or asker wrote to its stderr,
 * without its end's blanks and full stop; "" when it wrote none. */
static const char *last_err(const struct host *h, char *buf, size_t size)
{
	buf[0] = '\0';
	int fd = h->err_path ? open(h->err_path, O_RDONLY | O_CLOEXEC) : -1;
	if (fd < 0)
		return buf;
	off_t end = lseek(fd, 0, SEEK_END);
	off_t from = end > (off_t)size - 1 ? end - (off_t)size + 1 : 0;
	ssize_t n = pread(fd, buf, size - 1, from);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	char *p = buf + strlen(buf);
	while (p > buf && strchr("\r\n .", p[-1]))
		*--p = '\0';
	char *line = strrchr(buf, '\n');
	return line ? line + 1 : buf;
}

/* A helper of the host exited with `status`: down, saying why. */
static void helper_failed(struct host *h, const char *what, int status)
{
	char buf[512], why[600];
	const char *said = last_err(h, buf, sizeof buf);
	int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	if (h->asked_terminal)
		snprintf(why, sizeof why, "ssh wanted to ask on the terminal (a password or a host key?)");
	else if (*said)
		snprintf(why, sizeof why, "%s", said);
	else
		snprintf(why, sizeof why, "%s (ssh exited with %d)", what, code);
	host_down(h, why);
}

/* Asks host h its CPUs, after sending it the basefiles. */
static void ask(struct host *h)
{
	h->state = HOST_ASKING;
	if (h->want && spec->basefile_count == 0) {
		host_up(h, h->want);
		return;
	}
	struct text t = { 0 };
	char *wd = fixed_workdir() && strcmp(fixed_workdir(), ".") == 0 ? dot_workdir() : NULL;
	const char *w = wd ? wd : fixed_workdir();
	for (size_t i = 0; i < spec->basefile_count; i++) {
		const char *b = spec->basefiles[i];
		const char *cut = strstr(b, "/./");
		char *local = cut ? dup_str(b) : NULL;
		if (local)
			memmove(local + (cut - b), local + (cut - b) + 2, strlen(local + (cut - b) + 2) + 1);
		add_send(&t, h, local ? local : b, cut ? cut + 3 : b, w);
		free(local);
	}
	free(wd);
	add_ssh_words(&t, h);
	addq(&t, "echo LANES_CPUS=$(nproc 2>/dev/null || getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1)");
	adds(&t, " </dev/null");
	/* its stdout is a file, not a pipe: a talkative login shell cannot
	 * fill it and stop the asker; read once the asker has exited */
	char path[4096];
	snprintf(path, sizeof path, "%s/answer", dir);
	if (h->ask_fd >= 0)
		close(h->ask_fd);
	h->ask_fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	unlink(path);
	if (h->ask_fd < 0) {
		free(t.s);
		host_down(h, strerror(errno));
		return;
	}
	static char sh[] = "/bin/sh", c[] = "-c";
	char *argv[] = { sh, c, t.s, NULL };
	int err = open_err(h);
	h->asker = start_process(argv, h->ask_fd, err);
	if (err >= 0)
		close(err);
	free(t.s);
	if (h->asker < 0)
		host_down(h, strerror(errno));
}

static void connect_host(struct host *h)
{
	if (h->local) {
		host_up(h, machine_cpus());
		return;
	}
	if (spec->no_master) {
		ask(h);
		return;
	}
	static unsigned long made;
	size_t len = strlen(dir) + 32;
	if (h->ctl)
		unlink(h->ctl);
	free(h->ctl);  /* named again in its --slf: a new master */
	h->asked_terminal = false;
	h->ctl = xmalloc(len);
	snprintf(h->ctl, len, "%s/m%lu", dir, ++made);
	char **argv = xmalloc((h->ssh_count + 10) * sizeof *argv);
	size_t n = 0;
	for (size_t i = 0; i + 2 < h->ssh_count; i++)
		argv[n++] = h->ssh[i];
	/* LogLevel ERROR: why it cannot connect, not that it was closed */
	static char o[] = "-o", yes[] = "ControlMaster=yes", persist[] = "ControlPersist=no", s[] = "-S", nn[] = "-N",
		    quiet[] = "LogLevel=ERROR";
	argv[n++] = o;
	argv[n++] = quiet;
	argv[n++] = o;
	argv[n++] = yes;
	argv[n++] = o;
	argv[n++] = persist;
	argv[n++] = s;
	argv[n++] = h->ctl;
	argv[n++] = nn;
	argv[n++] = h->ssh[h->ssh_count - 2];
	argv[n++] = h->ssh[h->ssh_count - 1];
	argv[n] = NULL;
	int err = open_err(h);
	h->master = start_process(argv, -1, err);
	free(argv);
	if (err >= 0)
		close(err);
	h->state = HOST_CONNECTING;
	if (h->master < 0) {
		host_down(h, strerror(errno));
		return;
	}
	if (!timer_pending(&poll_timer))
		timer_schedule(&poll_timer, timer_now() + POLL_NS);
}

static void on_poll(struct timer_entry *e)
{
	(void)e;
	bool waiting = false;
	for (size_t i = 0; i < host_count; i++) {
		struct host *h = hosts[i];
		if (h->state != HOST_CONNECTING || h->local)
			continue;
		struct stat st;
		if (stat(h->ctl, &st) == 0 && S_ISSOCK(st.st_mode))
			ask(h);
		else
			waiting = true;
	}
	if (waiting)
		timer_schedule(&poll_timer, timer_now() + POLL_NS);
}

/* --slf: a file that changed is read again; its hosts no longer in it
 * take no new jobs, new ones are connected to. */
static void on_files(struct timer_entry *e)
{
	(void)e;
	for (size_t k = 0; k < spec->login_file_count; k++) {
		char buf[4096];
		struct stat st;
		if (stat(login_file_path(spec->login_files[k], buf, sizeof buf), &st) != 0)
			continue;
		if (st.st_mtim.tv_sec == file_stats[k].st_mtim.tv_sec &&
		    st.st_mtim.tv_nsec == file_stats[k].st_mtim.tv_nsec && st.st_size == file_stats[k].st_size &&
		    st.st_ino == file_stats[k].st_ino)
			continue;
		size_t before = host_count;
		for (size_t i = 0; i < host_count; i++)
			if (hosts[i]->from_file)
				hosts[i]->listed = false;
		read_login_file(k);
		for (size_t i = 0; i < host_count; i++) {
			struct host *h = hosts[i];
			if (!h->from_file)
				continue;
			if (!h->listed && h->state == HOST_UP)
				h->state = HOST_GONE;
			else if (h->listed && h->state == HOST_GONE)
				h->state = HOST_UP;
			else if (h->listed && h->state == HOST_DOWN && i < before)
				connect_host(h);  /* named again: try it again */
		}
		for (size_t i = before; i < host_count; i++)
			connect_host(hosts[i]);
		on_changed();
	}
	timer_schedule(&files_timer, timer_now() + FILES_NS);
}

int hosts_init(const struct remote_spec *s, const struct jobs_spec *j, const char *replace, void (*changed)(void))
{
	spec = s;
	jobs = j;
	on_changed = changed;
	if (s->workdir && strcmp(s->workdir, "...") && strcmp(s->workdir, ".") &&
	    !(workdir_t = template_new_text(s->workdir, replace)))
		return -1;
	char name[256];
	if (gethostname(name, sizeof name) != 0)
		strcpy(name, "lanes");
	name[sizeof name - 1] = '\0';
	local_name = dup_str(name);
	if (!s->login_count && !s->login_file_count)
		return 0;
	ssh_words = split_words(s->ssh ? s->ssh : "ssh", &ssh_word_count);
	if (!ssh_word_count) {
		msg_print("--ssh: no command");
		return -1;
	}
	if (!spawn_findable(ssh_words[0])) {
		msg_print("--ssh: %s: no such program%s", ssh_words[0], strchr(ssh_words[0], '/') ? "" : " in PATH");
		return -1;
	}
	for (size_t i = 0; i < s->login_count; i++)
		if (add_logins(s->logins[i], "-S", false) != 0)
			return -1;
	file_stats = xcalloc(s->login_file_count + 1, sizeof *file_stats);
	for (size_t k = 0; k < s->login_file_count; k++)
		if (read_login_file(k) != 0)
			return -1;
	if (!host_count) {
		msg_print("-S, --slf: no host named");
		return -1;
	}
	const char *tmp = getenv("TMPDIR");
	size_t len = strlen(tmp && *tmp ? tmp : "/tmp") + 24;
	dir = xmalloc(len);
	snprintf(dir, len, "%s/lanes-ssh-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir)) {
		msg_print("cannot make a directory for the ssh connections in %s: %s", tmp && *tmp ? tmp : "/tmp",
			  strerror(errno));
		free(dir);
		dir = NULL;
		return -1;
	}
	transfer_t = xcalloc(s->transfer_count + 1, sizeof *transfer_t);
	for (size_t i = 0; i < s->transfer_count; i++)
		if (!(transfer_t[i] = template_new_text(s->transfer[i], replace)))
			return -1;
	return_t = xcalloc(s->return_count + 1, sizeof *return_t);
	for (size_t i = 0; i < s->return_count; i++)
		if (!(return_t[i] = template_new_text(s->returns[i], replace)))
			return -1;
	poll_timer = (struct timer_entry)TIMER_ENTRY(on_poll);
	files_timer = (struct timer_entry)TIMER_ENTRY(on_files);
	for (size_t i = 0; i < host_count; i++)
		connect_host(hosts[i]);
	if (s->login_file_count)
		timer_schedule(&files_timer, timer_now() + FILES_NS);
	return 0;
}

bool hosts_in_use(void)
{
	return host_count > 0;
}

long hosts_expected_slots(long per_host)
{
	long n = 0;
	for (size_t i = 0; i < host_count; i++)
		n += hosts[i]->want ? hosts[i]->want : per_host;
	return n > 0 ? n : 1;
}

long hosts_slots(void)
{
	long n = 0;
	for (size_t i = 0; i < host_count; i++)
		if (hosts[i]->state == HOST_UP)
			n += hosts[i]->slots;
	return n;
}

bool hosts_pending(void)
{
	for (size_t i = 0; i < host_count; i++)
		if (hosts[i]->state == HOST_CONNECTING || hosts[i]->state == HOST_ASKING)
			return true;
	return false;
}

bool hosts_none_left(void)
{
	for (size_t i = 0; i < host_count; i++)
		if (hosts[i]->state != HOST_DOWN && hosts[i]->state != HOST_GONE)
			return false;
	return true;
}

long hosts_count(void)
{
	long n = 0;
	for (size_t i = 0; i < host_count; i++)
		n += hosts[i]->state != HOST_GONE;
	return n;
}

struct host *hosts_nth(long k)
{
	for (size_t i = 0; i < host_count; i++)
		if (hosts[i]->state != HOST_GONE && k-- == 0)
			return hosts[i];
	return NULL;
}

struct host *hosts_pick(const struct job *j)
{
	const struct host *pinned = j ? j->remote.pinned : NULL;
	/* a retry waits for another host, as GNU's, while another is up */
	const struct host *failed = j && !pinned ? j->remote.failed_on : NULL;
	bool elsewhere = false;
	for (size_t i = 0; failed && i < host_count; i++)
		elsewhere |= hosts[i] != failed && hosts[i]->state == HOST_UP;
	struct host *pick = NULL;
	for (size_t i = 0; i < host_count; i++) {
		struct host *h = hosts[i];
		/* --onall runs one job at a time on a host, in order, as GNU's */
		long slots = pinned ? 1 : h->slots;
		if (h->state != HOST_UP || h->running >= slots || (pinned && h != pinned) || (elsewhere && h == failed))
			continue;
		if (!pick || h->running * pick->slots < pick->running * h->slots)
			pick = h;
	}
	return pick;
}

bool hosts_is_down(const struct host *h)
{
	return h->state == HOST_DOWN;
}

const char *hosts_name(const struct host *h)
{
	return h ? h->name : ":";
}

bool hosts_is_local(const struct host *h)
{
	return h->local;
}

/* ---- a job's command ---- */

/* The remote wrapper, run by sh with $1 the workdir ("" none), $2 "rm"
 * to remove it at the end, $3 the command. The job runs in a process
 * group of its own (setsid where there is one, else job control) with
 * stdin from /dev/null; the channel's stdin is read for signal names,
 * and its end kills the group. SHLVL goes up as in any nested shell,
 * which also keeps bash, run under sshd, from reading ~/.bashrc again. */
static const char wrapper[] =
	"w=$1 r=$2 c=$3\n"
	"if [ -n \"$w\" ]; then mkdir -p -- \"$w\" && cd -- \"$w\" || exit 1; fi\n"
	"exec 3<&0\n"
	"SHLVL=$((${SHLVL:-0} + 1)); export SHLVL\n"
	"if command -v setsid >/dev/null 2>&1; then setsid \"${SHELL:-sh}\" -c \"$c\" </dev/null 3<&- &\n"
	"else set -m 2>/dev/null; \"${SHELL:-sh}\" -c \"$c\" </dev/null 3<&- & fi\n"
	"j=$!\n"
	"{ while read -r s; do kill -s \"$s\" -- \"-$j\" 2>/dev/null || kill -s \"$s\" \"$j\" 2>/dev/null; done\n"
	"  kill -s KILL -- \"-$j\" 2>/dev/null || kill -s KILL \"$j\" 2>/dev/null; } <&3 >/dev/null 2>&1 &\n"
	"k=$!\n"
	"exec 3<&-\n"
	"wait \"$j\" 2>/dev/null; s=$?\n"
	"kill \"$k\" 2>/dev/null\n"
	"if [ -n \"$r\" ]; then cd && rm -rf -- \"$w\"; rmdir .lanes/tmp .lanes 2>/dev/null; fi\n"
	"exit \"$s\"\n";

size_t hosts_line_limit(size_t local)
{
	size_t env = 0;
	for (size_t i = 0; spec && i < spec->env_count; i++) {
		const char *v = getenv(spec->env[i]);
		env += v ? strlen(spec->env[i]) + strlen(v) + 16 : 0;
	}
	/* one ssh argument holds the wrapper, the variables and the line,
	 * quoted once (a ' is 4 bytes then), or twice with files to send */
	size_t room = local > 4096 + sizeof wrapper + env ? local - 4096 - sizeof wrapper - env : 1024;
	return room / (spec && spec->transfer_count + spec->return_count ? 16 : 4);
}

/* --workdir .: this directory, relative to $HOME when it is under it. */
static char *dot_workdir(void)
{
	char cwd[4096];
	if (!getcwd(cwd, sizeof cwd))
		return dup_str(".");
	const char *home = getenv("HOME");
	size_t n = home ? strlen(home) : 0;
	if (n && strncmp(cwd, home, n) == 0 && (cwd[n] == '/' || cwd[n] == '\0'))
		return dup_str(cwd[n] ? cwd + n + 1 : ".");
	return dup_str(cwd);
}

static char *fill(const struct template *t, const struct job *j, const struct input_item *item)
{
	struct command c = { 0 };
	command_tag(&c, t, item, j->seq, j->slot);
	char *s = dup_str(c.text ? c.text : "");
	command_free(&c);
	return s;
}

void remote_prepare(struct job *j, const struct input_item *item)
{
	struct remote_job *r = &j->remote;
	if (!spec)
		return;  /* --dry-run: no host and no directory is set up */
	for (size_t i = 0; i < r->file_count; i++)
		free(r->files[i]);
	free(r->files);
	free(r->workdir);
	r->files = NULL;
	r->workdir = NULL;
	r->file_count = r->return_from = 0;
	r->host_lost = false;
	if (workdir_t)
		r->workdir = fill(workdir_t, j, item);
	else if (spec->workdir && strcmp(spec->workdir, ".") == 0 && host_count)
		r->workdir = dot_workdir();
	if (!host_count)
		return;
	size_t n = spec->transfer_count + spec->return_count;
	r->files = xcalloc(n + 1, sizeof *r->files);
	for (size_t i = 0; i < spec->transfer_count; i++)
		r->files[r->file_count++] = fill(transfer_t[i], j, item);
	r->return_from = r->file_count;
	for (size_t i = 0; i < spec->return_count; i++)
		r->files[r->file_count++] = fill(return_t[i], j, item);
}

const char *remote_local_dir(struct job *j, int *e)
{
	struct remote_job *r = &j->remote;
	*e = 0;
	if (!spec || !spec->workdir || strcmp(spec->workdir, ".") == 0)
		return NULL;
	const char *dir = r->workdir;
	if (strcmp(spec->workdir, "...") == 0) {
		const char *home = getenv("HOME");
		size_t len = strlen(home ? home : "/tmp") + strlen(local_name) + 96;
		free(r->local_dir);
		r->local_dir = xmalloc(len);
		snprintf(r->local_dir, len, "%s/.lanes/tmp/%s-%d-%lu-%d", home ? home : "/tmp", local_name, (int)getpid(),
			 j->seq, j->attempt);
		dir = r->local_dir;
	}
	if (dir && (*e = machine_make_dirs(dir)) != 0)
		msg_print("--workdir %s: %s", dir, strerror(*e));
	return dir;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return (flag == FTW_DP ? rmdir(path) : unlink(path)) != 0 && errno != ENOENT ? -1 : 0;
}

/* The unique --workdir ... of a job that ran here: removed with all in
 * it, then .lanes/tmp and .lanes when they are empty. */
static void remove_local_dir(struct remote_job *r)
{
	if (!r->local_dir)
		return;
	nftw(r->local_dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	char *slash = strrchr(r->local_dir, '/');
	for (int up = 0; slash && up < 2; up++) {
		*slash = '\0';
		if (rmdir(r->local_dir) != 0)
			break;
		slash = strrchr(r->local_dir, '/');
	}
	free(r->local_dir);
	r->local_dir = NULL;
}

/* A path of --transferfile or --return: what it is on the host and
 * here. "a/./b" is b under the workdir there and a/b here. */
static void split_path(const char *path, const char **remote, char **local)
{
	const char *cut = strstr(path, "/./");
	if (!cut) {
		*remote = path;
		*local = dup_str(path);
		return;
	}
	*remote = cut + 3;
	size_t head = (size_t)(cut - path);
	*local = xmalloc(strlen(path));
	memcpy(*local, path, head + 1);
	strcpy(*local + head + 1, cut + 3);
}

/* The remote command of the job: its variables, then its command line,
 * in the wrapper. */
static void add_job_command(struct text *t, const struct job *j, const char *wd, bool remove_wd)
{
	struct text c = { 0 };
	char num[64];
	snprintf(num, sizeof num, "LANES_SEQ=%lu LANES_SLOT=%d; export LANES_SEQ LANES_SLOT; ", j->seq, j->slot);
	adds(&c, num);
	for (size_t i = 0; i < spec->env_count; i++) {
		const char *name = spec->env[i];
		if (strcmp(name, "_") == 0)
			continue;  /* GNU's "every variable": here none */
		const char *value = getenv(name);
		if (value) {
			adds(&c, name);
			adds(&c, "=");
			addq(&c, value);
			adds(&c, "; export ");
			adds(&c, name);
			adds(&c, "; ");
			continue;
		}
		char fn[256];
		snprintf(fn, sizeof fn, "BASH_FUNC_%s%%%%", name);
		if ((value = getenv(fn))) {  /* an exported bash function */
			adds(&c, name);
			adds(&c, " ");
			adds(&c, value);
			adds(&c, "\n");
		}
	}
	add(&c, j->cmd.text, j->cmd.text_len);
	adds(t, "exec sh -c ");
	addq(t, wrapper);
	adds(t, " lanes ");
	addq(t, wd ? wd : "");
	adds(t, remove_wd ? " rm " : " '' ");
	addq(t, c.s);
	free(c.s);
}

/* The steps of script t that bring the job's --return files back. */
static void add_returns(struct text *t, const struct job *j, const struct host *h, const char *wd)
{
	const struct remote_job *r = &j->remote;
	for (size_t i = r->return_from; i < r->file_count; i++) {
		const char *there;
		char *here;
		split_path(r->files[i], &there, &here);
		const char *slash = strrchr(here, '/');
		if (slash && slash != here) {
			char *d = xstrndup(here, (size_t)(slash - here));
			adds(t, "mkdir -p -- ");
			addq(t, d);
			adds(t, "; ");
			free(d);
		}
		struct text cmd = { 0 };
		if (wd) {
			adds(&cmd, "cd -- ");
			addq(&cmd, wd);
			adds(&cmd, " && ");
		}
		adds(&cmd, "cat -- ");
		addq(&cmd, there);
		add_ssh_words(t, h);
		addq(t, cmd.s);
		adds(t, " </dev/null >");
		addq(t, here);
		adds(t, " || { echo ");
		struct text m = { 0 };
		adds(&m, "lanes: host ");
		adds(&m, h->name);
		adds(&m, ": could not return ");
		adds(&m, there);
		addq(t, m.s);
		adds(t, " >&2; rm -f -- ");
		addq(t, here);
		adds(t, "; }\n");
		free(cmd.s);
		free(m.s);
		free(here);
	}
}

/* The step of script t that removes from the host what travelled
 * (--cleanup) and the job's unique workdir. */
static void add_cleanup(struct text *t, const struct job *j, const struct host *h, const char *wd, bool unique)
{
	const struct remote_job *r = &j->remote;
	struct text cmd = { 0 };
	if (wd) {
		adds(&cmd, "cd -- ");
		addq(&cmd, wd);
		adds(&cmd, " && ");
	}
	adds(&cmd, "rm -f --");
	for (size_t i = 0; spec->cleanup && i < r->file_count; i++) {
		const char *there;
		char *here;
		split_path(r->files[i], &there, &here);
		adds(&cmd, " ");
		addq(&cmd, there);
		free(here);
	}
	if (unique) {
		adds(&cmd, "; cd && rm -rf -- ");
		addq(&cmd, wd);
		adds(&cmd, "; rmdir .lanes/tmp .lanes 2>/dev/null");
	}
	add_ssh_words(t, h);
	addq(t, cmd.s);
	adds(t, " </dev/null\n");
	free(cmd.s);
}

int remote_command(struct job *j, struct host *h, int *in)
{
	struct remote_job *r = &j->remote;
	free(r->argv);
	free(r->text);
	r->argv = NULL;
	r->text = NULL;
	r->control = -1;
	r->host = h;
	h->running++;
	if (h->local)
		return 0;
	int fds[2];
	if (pipe2(fds, O_CLOEXEC) != 0) {
		h->running--;
		r->host = NULL;
		return errno;
	}
	fcntl(fds[1], F_SETFL, O_NONBLOCK);
	r->control = fds[1];
	*in = fds[0];
	char wd_buf[512];
	const char *wd = r->workdir;
	bool unique = spec->workdir && strcmp(spec->workdir, "...") == 0;
	if (unique) {
		snprintf(wd_buf, sizeof wd_buf, ".lanes/tmp/%s-%d-%lu-%d", local_name, (int)getpid(), j->seq, j->attempt);
		wd = wd_buf;
	}
	bool steps = r->file_count > 0;
	struct text remote = { 0 };
	add_job_command(&remote, j, wd, unique && !steps);
	if (!steps) {
		r->text = remote.s;
		r->argv = ssh_argv(h, r->text);
		return 0;
	}
	/* Files travel first and last: a script of ssh commands here. */
	struct text t = { 0 };
	for (size_t i = 0; i < r->return_from; i++) {
		const char *there;
		char *here;
		split_path(r->files[i], &there, &here);
		add_send(&t, h, here, there, wd);
		free(here);
	}
	add_ssh_words(&t, h);
	addq(&t, remote.s);
	adds(&t, "\ns=$?\n");
	add_returns(&t, j, h, wd);
	if (spec->cleanup || unique)
		add_cleanup(&t, j, h, wd, unique);
	adds(&t, "exit $s\n");
	free(remote.s);
	r->text = t.s;
	r->argv = xmalloc(4 * sizeof *r->argv);
	static char sh[] = "/bin/sh", c[] = "-c";
	r->argv[0] = sh;
	r->argv[1] = c;
	r->argv[2] = r->text;
	r->argv[3] = NULL;
	return 0;
}

/* True when the host's master still takes connections. */
static bool master_answers(const struct host *h)
{
	if (!h->ctl)
		return true;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return true;
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	snprintf(a.sun_path, sizeof a.sun_path, "%s", h->ctl);
	bool ok = connect(fd, (struct sockaddr *)&a, sizeof a) == 0;
	close(fd);
	return ok;
}

void remote_reaped(struct job *j)
{
	struct remote_job *r = &j->remote;
	struct host *h = r->host;
	remove_local_dir(r);
	if (!h)
		return;
	if (r->control >= 0)
		close(r->control);
	r->control = -1;
	h->running--;
	if (j->status != 0 || j->signal)
		r->failed_on = h;
	if (!h->local && j->status == 255 && !j->timed_out && j->term_step < 0) {
		if (h->state == HOST_DOWN || !master_answers(h)) {
			r->host_lost = true;
			host_down(h, "its connection was lost");
		}
	}
}

bool remote_signal(struct job *j, int sig)
{
	struct remote_job *r = &j->remote;
	if (r->control < 0 || sig == SIGKILL)
		return false;
	char line[32];
	int n = snprintf(line, sizeof line, "%s\n", options_signal_name(sig));
	return write(r->control, line, (size_t)n) == n;
}

/* The CPUs the asker printed: its last LANES_CPUS= line (a login shell
 * may print a banner first); 0 when there is none. */
static long asked_cpus(int fd)
{
	char buf[4096];
	off_t end = lseek(fd, 0, SEEK_END);
	off_t from = end > (off_t)sizeof buf - 1 ? end - (off_t)sizeof buf + 1 : 0;
	ssize_t n = pread(fd, buf, sizeof buf - 1, from);
	buf[n > 0 ? n : 0] = '\0';
	const char *p = NULL;
	for (const char *q = buf; (q = strstr(q, "LANES_CPUS=")); q++)
		p = q;
	return p ? strtol(p + strlen("LANES_CPUS="), NULL, 10) : 0;
}

void hosts_reaped(pid_t pid, int status)
{
	for (size_t i = 0; i < host_count; i++) {
		struct host *h = hosts[i];
		if (WIFSTOPPED(status)) {
			/* stopped to read the terminal (a password?): it never goes on */
			if (pid == h->master || pid == h->asker) {
				h->asked_terminal = true;
				kill(pid, SIGKILL);
			}
			continue;
		}
		if (pid == h->master) {
			h->master = 0;
			if (h->state != HOST_DOWN)
				helper_failed(h, h->state == HOST_CONNECTING ? "cannot connect" : "its connection ended",
					      status);
		} else if (pid == h->asker) {
			h->asker = 0;
			long cpus = h->ask_fd >= 0 ? asked_cpus(h->ask_fd) : 0;
			if (h->ask_fd >= 0)
				close(h->ask_fd);
			h->ask_fd = -1;
			if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || cpus < 1)
				helper_failed(h, "cannot run a command there", status);
			else if (h->state == HOST_ASKING) {
				host_up(h, cpus);
			}
		}
	}
}

void remote_job_free(struct remote_job *r)
{
	if (r->control >= 0)
		close(r->control);
	r->control = -1;
	for (size_t i = 0; i < r->file_count; i++)
		free(r->files[i]);
	free(r->files);
	free(r->workdir);
	free(r->argv);
	free(r->text);
	free(r->node);
	free(r->step);
	remove_local_dir(r);
	memset(r, 0, sizeof *r);
	r->control = -1;
}

/* Waits for pid, at most until `until`; kills it then. */
static void wait_bounded(pid_t pid, int64_t until)
{
	while (waitpid(pid, NULL, WNOHANG) == 0) {
		if (timer_now() >= until) {
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
			return;
		}
		nanosleep(&(struct timespec){ 0, 10000000 }, NULL);
	}
}

void hosts_end(void)
{
	template_free(workdir_t);
	workdir_t = NULL;
	free(local_name);
	local_name = NULL;
	if (!host_count)
		return;
	timer_cancel(&poll_timer);
	timer_cancel(&files_timer);
	int64_t until = timer_now() + END_WAIT_NS;
	pid_t *cleaners = xcalloc(host_count, sizeof *cleaners);
	for (size_t i = 0; spec->cleanup && spec->basefile_count && i < host_count; i++) {
		struct host *h = hosts[i];
		if (h->local || !h->ever_up || h->state == HOST_DOWN)
			continue;
		struct text cmd = { 0 };
		const char *w = fixed_workdir();
		char *dot = w && strcmp(w, ".") == 0 ? dot_workdir() : NULL;
		if (w) {
			adds(&cmd, "cd -- ");
			addq(&cmd, dot ? dot : w);
			adds(&cmd, " && ");
		}
		adds(&cmd, "rm -f --");
		for (size_t k = 0; k < spec->basefile_count; k++) {
			const char *there;
			char *here;
			split_path(spec->basefiles[k], &there, &here);
			adds(&cmd, " ");
			addq(&cmd, there);
			free(here);
		}
		free(dot);
		char **argv = ssh_argv(h, cmd.s);
		cleaners[i] = start_process(argv, -1, -1);
		free(argv);
		free(cmd.s);
	}
	for (size_t i = 0; i < host_count; i++)
		if (cleaners[i] > 0)
			wait_bounded(cleaners[i], until);
	free(cleaners);
	/* A master blocked reading a mux client that died mid-request (a job
	 * ended as it started) only notes SIGTERM: after a second, SIGKILL. */
	for (size_t i = 0; i < host_count; i++)
		if (hosts[i]->master > 0)
			kill(hosts[i]->master, SIGTERM);
	int64_t masters_until = timer_now() + MASTER_WAIT_NS;
	for (size_t i = 0; i < host_count; i++) {
		struct host *h = hosts[i];
		if (h->master > 0)
			wait_bounded(h->master, masters_until);
		if (h->asker > 0) {
			kill(h->asker, SIGKILL);
			waitpid(h->asker, NULL, 0);
		}
		if (h->ask_fd >= 0)
			close(h->ask_fd);
		if (h->ctl)
			unlink(h->ctl);
		if (h->err_path)
			unlink(h->err_path);
		host_free(h);
	}
	free(hosts);
	hosts = NULL;
	host_count = hosts_cap = 0;
	if (dir)
		rmdir(dir);
	free(dir);
	dir = NULL;
	for (size_t i = 0; i < ssh_word_count; i++)
		free(ssh_words[i]);
	free(ssh_words);
	ssh_words = NULL;
	for (size_t i = 0; transfer_t && transfer_t[i]; i++)
		template_free(transfer_t[i]);
	for (size_t i = 0; return_t && return_t[i]; i++)
		template_free(return_t[i]);
	free(transfer_t);
	free(return_t);
	transfer_t = return_t = NULL;
	free(file_stats);
	file_stats = NULL;
}
