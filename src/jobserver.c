/* jobserver.c — owns lanes' part in a GNU make jobserver: the tokens it
 * holds, and, as the server, the pool itself.
 *
 * The protocol (make's POSIX jobserver): a pipe or a FIFO holds one byte
 * per free slot but one. Every participant runs its first job on the
 * slot it was given (the implicit token) and reads a byte for each more
 * job it runs at once; it writes the same byte back when that job ends.
 *
 * - Client: MAKEFLAGS has --jobserver-auth=R,W (make 4.3: descriptors
 *   lanes inherited), --jobserver-auth=fifo:PATH (make 4.4), or the old
 *   --jobserver-fds=R,W; the last one wins. The read side is opened again
 *   (through /proc/self/fd for descriptors) non-blocking and private to
 *   lanes, since make shares the inherited one; the loop waits on it.
 * - Server: a FIFO of mode 0600 holds jobs - 1 tokens.
 *   Jobs find both forms in MAKEFLAGS (the descriptor form last, which is
 *   the one make 4.3 understands) and inherit the two descriptors; or,
 *   by --jobserver-style, the FIFO alone, or a pipe's descriptors alone.
 *
 * A token goes back the moment its job ends, so that whoever waits for
 * one, lanes' next job or another's, gets a fair chance at it. */
#include "jobserver.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc.h"
#include "jobenv.h"
#include "msg.h"

#define TOKENS_MAX 65536

static bool active, server;
static bool disabled;            /* --no-jobserver */
static bool own_wfd;             /* wfd is lanes' to close (not make's) */
static bool joined;              /* MAKEFLAGS named one (usable or not) */
static int rfd = -1, wfd = -1;  /* lanes' own: non-blocking read, and write */
static long make_jobs;          /* -jN of the client's MAKEFLAGS */
static bool implicit_free;
static char tokens[TOKENS_MAX]; /* bytes read from the pool, to give back */
static long held;               /* tokens read and not given back */
static long pool_size;          /* server: tokens the pool holds when idle */
static long owed;               /* server: tokens to take out as they come back */
static int keep[2] = { -1, -1 };  /* server: what jobs inherit */
static char fifo[PATH_MAX];

/* A descriptor of MAKEFLAGS, opened again for lanes alone. */
static int reopen(int fd, int flags)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	return open(path, flags | O_NONBLOCK | O_CLOEXEC);
}

static bool is_fifo(int fd, int need)
{
	struct stat st;
	int fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fstat(fd, &st) != 0 || !S_ISFIFO(st.st_mode))
		return false;
	int mode = fl & O_ACCMODE;
	return mode == O_RDWR || mode == need;
}

/* Joins the jobserver that `auth` (what follows --jobserver-auth=)
 * describes; false, after the warning, when lanes cannot use it. */
static bool join(const char *auth)
{
	int r, w;
	if (strncmp(auth, "fifo:", 5) == 0) {
		rfd = open(auth + 5, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
		if (rfd >= 0 && !is_fifo(rfd, O_RDONLY)) {
			msg_print("MAKEFLAGS: --jobserver-auth=%s: not a FIFO: running without the jobserver", auth);
			close(rfd);
			rfd = -1;
			return false;
		}
		wfd = rfd < 0 ? -1 : open(auth + 5, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
		own_wfd = wfd >= 0;
		if (wfd >= 0)
			return true;
		msg_print("MAKEFLAGS: --jobserver-auth=%s: %s: running without the jobserver", auth, strerror(errno));
	} else if (sscanf(auth, "%d,%d", &r, &w) == 2) {
		if (r < 0 || w < 0)
			return false;  /* make's way of saying there is none */
		if (!is_fifo(r, O_RDONLY) || !is_fifo(w, O_WRONLY)) {
			msg_print("MAKEFLAGS: --jobserver-auth=%s: lanes did not inherit those descriptors (a make rule runs "
				  "lanes as a sub-make only with '+' or $(MAKE)): running without the jobserver",
				  auth);
			return false;
		}
		rfd = reopen(r, O_RDONLY);
		wfd = w;
		if (rfd >= 0)
			return true;
		msg_print("MAKEFLAGS: --jobserver-auth=%s: %s: running without the jobserver", auth, strerror(errno));
	} else {
		msg_print("MAKEFLAGS: --jobserver-auth=%s is not a jobserver lanes knows: running without it", auth);
	}
	if (rfd >= 0)
		close(rfd);
	rfd = wfd = -1;
	return false;
}

/* The jobserver MAKEFLAGS names, if any; also its -jN. */
static const char *find_auth(const char *flags, char *buf, size_t size)
{
	const char *auth = NULL;
	char *copy = xstrndup(flags, strlen(flags));
	for (char *save, *word = strtok_r(copy, " \t", &save); word; word = strtok_r(NULL, " \t", &save)) {
		if (strncmp(word, "--jobserver-auth=", 17) == 0 || strncmp(word, "--jobserver-fds=", 16) == 0) {
			snprintf(buf, size, "%s", strchr(word, '=') + 1);
			auth = buf;
		} else if (strncmp(word, "-j", 2) == 0 && word[2] >= '0' && word[2] <= '9') {
			make_jobs = strtol(word + 2, NULL, 10);
		}
	}
	free(copy);
	return auth;
}

/* A new FIFO of ours, mode 0600, straight in the user's runtime directory
 * or TMPDIR (a directory of its own would cost a journaled mkdir and
 * rmdir on a disk /tmp: milliseconds a run). 0600 keeps others out; a
 * name someone else took first is skipped. */
static int make_fifo(void)
{
	const char *places[] = { getenv("XDG_RUNTIME_DIR"), getenv("TMPDIR"), "/tmp" };
	int e = ENOENT;
	for (size_t i = 0; i < sizeof places / sizeof places[0]; i++) {
		struct stat st;
		if (!places[i] || places[i][0] != '/' ||
		    (i == 0 && (stat(places[i], &st) != 0 || st.st_uid != geteuid() || (st.st_mode & 077))))
			continue;
		for (int attempt = 0; attempt < 100; attempt++) {
			snprintf(fifo, sizeof fifo, "%s/lanes-jobserver-%ld-%d", places[i], (long)getpid(), attempt);
			if (mkfifo(fifo, 0600) == 0)
				return 0;
			if ((e = errno) != EEXIST)
				break;
		}
	}
	msg_print("jobserver: %s: %s; running without one (--no-jobserver says so)", fifo, strerror(e));
	fifo[0] = '\0';
	return -1;
}

static int open_fifo(int flags)
{
	return open(fifo, flags | O_NOFOLLOW | O_CLOEXEC);
}

/* MAKEFLAGS for the jobs: what lanes got, with the jobserver added before
 * " -- " (after it come variable assignments, which make reads as such). */
static void export_flags(long jobs, enum jobserver_style style)
{
	const char *flags = getenv("MAKEFLAGS");
	if (!flags)
		flags = "";
	const char *vars = strstr(flags, " -- ");
	size_t head = vars ? (size_t)(vars - flags) : strlen(flags);
	char pipe_form[64] = "";
	if (style != JOBSERVER_FIFO)
		snprintf(pipe_form, sizeof pipe_form, " --jobserver-auth=%d,%d", keep[0], keep[1]);
	size_t size = strlen(flags) + strlen(fifo) + 128;
	char *value = xmalloc(size);
	snprintf(value, size, "%.*s -j%ld%s%s%s%s", (int)head, flags, jobs, fifo[0] ? " --jobserver-auth=fifo:" : "",
		 fifo, pipe_form, vars ? vars : "");
	jobenv_set("MAKEFLAGS", value);
	free(value);
}

/* The pool's descriptors: lanes' own non-blocking pair, and (but for the
 * FIFO alone) the blocking pair the jobs inherit. */
static int open_pool(enum jobserver_style style)
{
	if (style == JOBSERVER_PIPE) {
		if (pipe2(keep, O_CLOEXEC) != 0)
			return -1;
		rfd = reopen(keep[0], O_RDONLY);
		wfd = reopen(keep[1], O_WRONLY);
		return rfd >= 0 && wfd >= 0 ? 0 : -1;
	}
	if (make_fifo() != 0)
		return -1;
	if ((rfd = open_fifo(O_RDONLY | O_NONBLOCK)) < 0 || (wfd = open_fifo(O_WRONLY | O_NONBLOCK)) < 0)
		return -1;
	if (style == JOBSERVER_FIFO)
		return 0;
	keep[0] = open_fifo(O_RDONLY);
	keep[1] = open_fifo(O_WRONLY);
	return keep[0] >= 0 && keep[1] >= 0 ? 0 : -1;
}

/* The server's pool: jobs - 1 tokens, exported to the jobs. */
static int make_pool(long jobs, enum jobserver_style style)
{
	own_wfd = true;
	if (open_pool(style) != 0) {
		if (style == JOBSERVER_PIPE || fifo[0])
			msg_print("jobserver: %s: %s; running without one (--no-jobserver says so)",
				  fifo[0] ? fifo : "pipe", strerror(errno));
		return -1;
	}
	pool_size = jobs - 1 < TOKENS_MAX ? jobs - 1 : TOKENS_MAX - 1;
	memset(tokens, '+', (size_t)pool_size);
	if (pool_size > 0 && write(wfd, tokens, (size_t)pool_size) != pool_size) {
		msg_print("jobserver: %s: cannot fill it: %s; running without one", fifo[0] ? fifo : "pipe",
			  strerror(errno));
		return -1;
	}
	export_flags(jobs, style);
	server = true;
	return 0;
}

void jobserver_join(bool off)
{
	implicit_free = true;
	disabled = off;
	char buf[PATH_MAX];
	const char *flags = getenv("MAKEFLAGS");
	const char *auth = !off && flags ? find_auth(flags, buf, sizeof buf) : NULL;
	joined = auth != NULL;  /* even when unusable: then no pool of ours either */
	if (auth)
		active = join(auth);
}

void jobserver_offer(long jobs, enum jobserver_style style)
{
	if (disabled || joined)
		return;
	if (make_pool(jobs, style) != 0) {
		jobserver_end();  /* the jobs run without one: a warning, not an error */
		return;
	}
	active = true;
}

bool jobserver_client(void)
{
	return active && !server;
}

long jobserver_jobs(void)
{
	return make_jobs;
}

bool jobserver_take(void)
{
	if (!active)
		return true;
	if (implicit_free) {
		implicit_free = false;
		return true;
	}
	if (held == TOKENS_MAX)
		return false;
	/* Another participant may have taken the byte since poll() said
	 * there was one: EAGAIN is the usual "wait". */
	if (read(rfd, &tokens[held], 1) != 1)
		return false;
	held++;
	return true;
}

/* Writes the last n tokens held back into the pool. */
static void put_back(long n)
{
	while (n > 0) {
		ssize_t w = write(wfd, &tokens[held - n], (size_t)n);
		if (w <= 0 && errno != EINTR)
			break;  /* a full or gone pool: nothing more to do */
		if (w > 0)
			n -= w;
	}
}

/* Takes out of the pool what a lowered size owes it, as far as it holds. */
static void take_owed(void)
{
	char sink[256];
	while (owed > 0) {
		ssize_t got = read(rfd, sink, owed < (long)sizeof sink ? (size_t)owed : sizeof sink);
		if (got <= 0)
			break;
		owed -= got;
	}
}

/* Adds n new tokens to the pool. */
static void add_tokens(long n)
{
	memset(&tokens[held], '+', (size_t)n);
	held += n;
	put_back(n);
	held -= n;
}

void jobserver_give(long in_use)
{
	if (!active)
		return;
	if (held > 0 && owed > 0) {
		held--;  /* the pool is smaller now: this one stays out */
		owed--;
	} else if (held > 0) {
		put_back(1);
		held--;
	} else {
		implicit_free = true;
	}
	int now;
	if (server && in_use == 0 && ioctl(rfd, FIONREAD, &now) == 0) {
		/* Nothing of lanes' runs, so the pool should be full: a job
		 * killed while it held tokens never gave them back; or it
		 * holds what a lowered size took away. */
		owed = now > pool_size ? now - pool_size : 0;
		if (now < pool_size)
			add_tokens(pool_size - now);
	}
	if (owed > 0)
		take_owed();  /* what sub-makes gave back since a lowered size */
}

void jobserver_resize(long jobs)
{
	if (!active || !server)
		return;
	long size = jobs - 1 < TOKENS_MAX - held ? jobs - 1 : TOKENS_MAX - held - 1;
	if (size < 0)
		size = 0;
	if (size > pool_size) {
		long more = size - pool_size, forgiven = more < owed ? more : owed;
		owed -= forgiven;
		if (more > forgiven)
			add_tokens(more - forgiven);
	} else if (size < pool_size) {
		owed += pool_size - size;
		take_owed();
	}
	pool_size = size;
}

int jobserver_fd(void)
{
	return active ? rfd : -1;
}

const int *jobserver_keep(size_t *count)
{
	*count = server && keep[0] >= 0 ? 2 : 0;
	return keep;
}

void jobserver_emergency(void)
{
	if (active && wfd >= 0 && held > 0) {
		ssize_t ignored = write(wfd, tokens, (size_t)held);
		(void)ignored;
	}
	held = 0;
	if (fifo[0])
		unlink(fifo);  /* async-signal-safe, like the write */
}

void jobserver_end(void)
{
	jobserver_emergency();
	if (rfd >= 0)
		close(rfd);
	if (own_wfd && wfd >= 0)
		close(wfd);
	for (int i = 0; i < 2; i++)
		if (keep[i] >= 0)
			close(keep[i]);
	if (fifo[0])
		unlink(fifo);
	rfd = wfd = keep[0] = keep[1] = -1;
	fifo[0] = '\0';
	active = server = own_wfd = false;
}
