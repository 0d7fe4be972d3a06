/* semaphore.c — owns the files of named semaphores. Each user has a
 * private directory (/run/user/UID/lanes/semaphores, else
 * /tmp/lanes-UID/semaphores; mode 0700, refused unless owned by the
 * user), so that users never share an id. A semaphore is a directory in
 * it, named by the id, holding:
 *
 * - slot.1 .. slot.N: a slot is held by whoever holds flock(LOCK_EX) on
 *   its file. The kernel drops the lock when the holder's descriptor
 *   closes, and a process that dies closes them all: no lock outlives its
 *   holder, whatever killed it.
 * - size: N, under a shared flock held by every process that has the
 *   semaphore open; the size may change only when nobody holds it
 *   (checked under an exclusive lock on the file "guard").
 *
 * A taken slot's file stays open until the slot is given back; given
 * back, it is closed, which is what wakes the waiters: they watch the
 * directory for IN_CLOSE events (inotify), and try again. */
#include "semaphore.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc.h"
#include "msg.h"

#define ID_MAX 200
#define NAME_LIMIT 240           /* the id as a file name, under NAME_MAX */
#define SIZE_LIMIT 1024          /* a waiter keeps a descriptor a slot open */

struct semaphore {
	char *id;
	char *dir;               /* this semaphore's directory */
	long size;
	int meta;                /* the size file, flock(LOCK_SH) while open */
	int *fds;                /* per slot 1..size: its lock file; -1: not open */
	bool *held;
	int watch;               /* inotify; -1: none */
	bool open_warned;
};

static char base[PATH_MAX - 1024];  /* leaves room for the id's name */

/* Makes `path` a directory of ours, mode 0700, or checks that it is one:
 * anything else (a symlink, another user's, open to others) is refused. */
static int private_dir(const char *path, const char *option)
{
	if (mkdir(path, 0700) != 0 && errno != EEXIST) {
		msg_print("%s: %s: %s", option, path, strerror(errno));
		return -1;
	}
	struct stat st;
	if (lstat(path, &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 077)) {
		msg_print("%s: %s is not a directory of yours with mode 0700: refusing to use it", option, path);
		return -1;
	}
	return 0;
}

/* The user's directory: the same for every process of the user, whatever
 * its environment says (a cron job has no XDG_RUNTIME_DIR, a build tool
 * sets its own TMPDIR), or they would not share their semaphores.
 * /run/user/UID when it is the user's, else /tmp/lanes-UID; a name there
 * that someone else took first is passed over, by everyone alike. */
const char *semaphore_dir(void)
{
	if (base[0])
		return base;
	unsigned long uid = (unsigned long)geteuid();
	struct stat st;
	char runtime[64];
	snprintf(runtime, sizeof runtime, "/run/user/%lu", uid);
	if (lstat(runtime, &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == geteuid() && !(st.st_mode & 077)) {
		snprintf(base, sizeof base, "%s/lanes", runtime);
		return base;
	}
	for (int n = 0; n < 10; n++) {
		if (n == 0)
			snprintf(base, sizeof base, "/tmp/lanes-%lu", uid);
		else
			snprintf(base, sizeof base, "/tmp/lanes-%lu.%d", uid, n);
		if (lstat(base, &st) != 0 || (S_ISDIR(st.st_mode) && st.st_uid == geteuid()))
			break;  /* free, or ours: this one */
	}
	return base;
}

/* The id as a file name: letters, digits and ._- kept, the rest %XX. */
static char *encode(const char *id)
{
	char *name = xmalloc(3 * strlen(id) + 1), *p = name;
	for (const unsigned char *c = (const unsigned char *)id; *c; c++) {
		if ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
		    ((*c == '.' || *c == '_' || *c == '-') && c != (const unsigned char *)id))
			*p++ = (char)*c;
		else
			p += sprintf(p, "%%%02X", *c);
	}
	*p = '\0';
	return name;
}

static int open_in(const struct semaphore *s, const char *name)
{
	char path[PATH_MAX];
	snprintf(path, sizeof path, "%s/%s", s->dir, name);
	return open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
}

/* Agrees on the size with everybody else who has the semaphore open. */
static int agree_on_size(struct semaphore *s, const char *option)
{
	int guard = open_in(s, "guard");
	s->meta = open_in(s, "size");
	if (guard < 0 || s->meta < 0) {
		msg_print("%s: %s: %s", option, s->dir, strerror(errno));
		return -1;
	}
	flock(guard, LOCK_EX);  /* held by anyone only for these few calls */
	int rc = 0;
	char text[32];
	bool alone = flock(s->meta, LOCK_EX | LOCK_NB) == 0;
	if (s->size == 0) {
		/* Whatever size it has: none at all when nobody uses it. */
		ssize_t n = alone ? 0 : pread(s->meta, text, sizeof text - 1, 0);
		s->size = n > 0 ? (text[n] = '\0', strtol(text, NULL, 10)) : 0;
		if (s->size < 0)
			s->size = 0;
	} else if (alone) {
		/* Nobody has it open: the size is ours to set. */
		int n = snprintf(text, sizeof text, "%ld\n", s->size);
		if (ftruncate(s->meta, 0) != 0 || pwrite(s->meta, text, (size_t)n, 0) != n) {
			msg_print("%s: %s/size: %s", option, s->dir, strerror(errno));
			rc = -1;
		}
	} else {
		ssize_t n = pread(s->meta, text, sizeof text - 1, 0);
		long size = n > 0 ? (text[n] = '\0', strtol(text, NULL, 10)) : -1;
		if (size != s->size) {
			msg_print("%s: semaphore %s has %ld slots, set by a run that still uses it: ask for %ld, or use another name",
				  option, s->id, size, size);
			rc = -1;
		}
	}
	if (rc == 0 && s->size > 0)
		flock(s->meta, LOCK_SH);
	else if (rc == 0)
		flock(s->meta, LOCK_UN);  /* an idle one stays free to size */
	close(guard);
	return rc;
}

struct semaphore *semaphore_open(const char *id, long size, const char *option)
{
	if (!id[0] || strlen(id) > ID_MAX) {
		msg_print("%s: '%s' is not a semaphore name (1 to %d characters)", option, id, ID_MAX);
		return NULL;
	}
	char path[PATH_MAX];
	char *name = encode(id);
	if (strlen(name) > NAME_LIMIT) {
		msg_print("%s: '%s' is too long a semaphore name (once made a file name: use fewer characters other than letters, digits and ._-)",
			  option, id);
		free(name);
		return NULL;
	}
	if (size > SIZE_LIMIT) {
		msg_print("%s: %ld slots is more than a semaphore has (at most %d)", option, size, SIZE_LIMIT);
		free(name);
		return NULL;
	}
	snprintf(path, sizeof path, "%s/semaphores", semaphore_dir());
	int ok = private_dir(semaphore_dir(), option) == 0 && private_dir(path, option) == 0;
	snprintf(path, sizeof path, "%s/semaphores/%s", semaphore_dir(), name);
	free(name);
	if (!ok || private_dir(path, option) != 0)
		return NULL;
	struct semaphore *s = xcalloc(1, sizeof *s);
	s->id = xstrndup(id, strlen(id));
	s->dir = xstrndup(path, strlen(path));
	s->size = size;
	s->meta = s->watch = -1;
	if (agree_on_size(s, option) != 0) {
		semaphore_close(s);
		return NULL;
	}
	s->fds = xcalloc((size_t)s->size + 1, sizeof *s->fds);
	s->held = xcalloc((size_t)s->size + 1, sizeof *s->held);
	for (long k = 0; k <= s->size; k++)
		s->fds[k] = -1;
	/* Watch before the first try: a slot freed after it wakes us. */
	s->watch = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (s->watch < 0 || inotify_add_watch(s->watch, s->dir, IN_CLOSE_WRITE | IN_CLOSE_NOWRITE) < 0) {
		msg_print("%s: no inotify for %s (%s): a waiter looks for a free slot once a second", option, s->dir,
			  strerror(errno));
		if (s->watch >= 0)
			close(s->watch);
		s->watch = -1;
	}
	return s;
}

bool semaphore_take_slot(struct semaphore *s, int k)
{
	if (k < 1 || k > s->size || s->held[k])
		return false;
	if (s->fds[k] < 0) {
		char name[32];
		snprintf(name, sizeof name, "slot.%d", k);
		s->fds[k] = open_in(s, name);
		if (s->fds[k] < 0) {
			if (!s->open_warned)
				msg_print("semaphore %s: %s/%s: %s", s->id, s->dir, name, strerror(errno));
			s->open_warned = true;
			return false;
		}
	}
	/* A file we could not lock stays open: closing it would wake every
	 * waiter, ourselves included, for nothing. */
	if (flock(s->fds[k], LOCK_EX | LOCK_NB) != 0)
		return false;
	s->held[k] = true;
	return true;
}

int semaphore_take(struct semaphore *s)
{
	for (int k = 1; k <= s->size; k++)
		if (semaphore_take_slot(s, k))
			return k;
	return 0;
}

void semaphore_give(struct semaphore *s, int k)
{
	if (k < 1 || k > s->size || !s->held[k])
		return;
	close(s->fds[k]);  /* the close, not LOCK_UN: it is what wakes waiters */
	s->fds[k] = -1;
	s->held[k] = false;
}

int semaphore_fd(const struct semaphore *s)
{
	return s->watch;
}

void semaphore_events(struct semaphore *s)
{
	char buf[4096];
	while (s->watch >= 0 && read(s->watch, buf, sizeof buf) > 0)
		;
}

long semaphore_size(const struct semaphore *s)
{
	return s->size;
}

void semaphore_close(struct semaphore *s)
{
	if (!s)
		return;
	for (long k = 1; s->fds && k <= s->size; k++)
		if (s->fds[k] >= 0)
			close(s->fds[k]);
	if (s->meta >= 0)
		close(s->meta);
	if (s->watch >= 0)
		close(s->watch);
	free(s->fds);
	free(s->held);
	free(s->dir);
	free(s->id);
	free(s);
}
