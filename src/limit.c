/* limit.c — owns the job limit of a run as it moves: the fixed -j, the
 * number in -j FILE (looked at again whenever a job ends, and read when
 * the file changed), or -j auto's (adapt.c); the lowest and highest it
 * has been, and --limit-log. slots.c applies it; the jobs running above
 * a lowered limit run on, and no job starts until fewer run. */
#include "limit.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "adapt.h"
#include "machine.h"
#include "msg.h"
#include "options.h"
#include "slots.h"

static struct limit_spec spec;
static long cap, current, lowest, highest;
static int64_t began;
static int log_fd = -1;
static bool log_warned;
static struct stat seen;          /* -j FILE as last read */
static char complaint[80];        /* the last thing warned about it */

static void write_log(int64_t now, const char *why)
{
	if (log_fd < 0)
		return;
	char line[96];
	int n = snprintf(line, sizeof line, "%.3f\t%ld\t%s\n", (double)(now - began) / 1e9, current, why);
	ssize_t w = write(log_fd, line, (size_t)n);
	if (w != n && !log_warned) {
		/* a short write is a full disk */
		msg_print("--limit-log %s: %s; no more lines are written", spec.log, strerror(w < 0 ? errno : ENOSPC));
		log_warned = true;
		close(log_fd);
		log_fd = -1;
	}
}

static void move_to(long n, int64_t now, const char *why)
{
	if (n == current)
		return;
	current = n;
	if (n < lowest)
		lowest = n;
	if (n > highest)
		highest = n;
	slots_set_target(n);
	write_log(now, why);
}

/* Warns about -j FILE, once for each new complaint. */
static void complain(const char *text)
{
	if (strcmp(text, complaint) == 0)
		return;
	snprintf(complaint, sizeof complaint, "%s", text);
	msg_print("%s %s: %s; keeping %ld", spec.option, spec.file, text, current);
}

/* The number -j FILE holds now: > 0, or 0 after setting *why. */
static long read_file(char *why, size_t size)
{
	int fd = open(spec.file, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		snprintf(why, size, "cannot read it: %s", strerror(errno));
		return 0;
	}
	char text[64];
	ssize_t got = read(fd, text, sizeof text - 1);
	int e = errno;
	close(fd);
	if (got < 0) {
		snprintf(why, size, "cannot read it: %s", strerror(e));
		return 0;
	}
	text[got] = '\0';
	char *s = text;
	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
		s++;
	size_t len = strlen(s);
	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\n' || s[len - 1] == '\r'))
		s[--len] = '\0';
	struct jobs_spec js;
	if (len == 0 || options_parse_jobs(s, &js) != 0 || js.kind == JOBS_AUTO) {
		snprintf(why, size, "'%.20s' is not a job count (examples: 8, 50%%, +2, -1, 0)", s);
		return 0;
	}
	long n = options_resolve_jobs(&js, spec.cpus, cap);
	if (n < 1) {
		snprintf(why, size, "'%s' leaves no job slots on a %ld-CPU machine", s, spec.cpus);
		return 0;
	}
	return n > cap ? cap : n;
}

static bool file_changed(void)
{
	struct stat st;
	if (stat(spec.file, &st) != 0) {
		char why[80];
		snprintf(why, sizeof why, "cannot read it: %s", strerror(errno));
		complain(why);
		return false;
	}
	bool same = st.st_ino == seen.st_ino && st.st_dev == seen.st_dev && st.st_size == seen.st_size &&
		    st.st_mtim.tv_sec == seen.st_mtim.tv_sec && st.st_mtim.tv_nsec == seen.st_mtim.tv_nsec &&
		    st.st_ctim.tv_sec == seen.st_ctim.tv_sec && st.st_ctim.tv_nsec == seen.st_ctim.tv_nsec;
	seen = st;
	return !same;
}

long limit_init(const struct limit_spec *s, long most, int64_t now)
{
	spec = *s;
	cap = most < 1 ? 1 : most;
	began = now;
	complaint[0] = '\0';
	log_warned = false;
	if (spec.log) {
		log_fd = open(spec.log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
		if (log_fd < 0) {
			msg_print("--limit-log %s: %s", spec.log, strerror(errno));
			return -1;
		}
		static const char header[] = "Seconds\tLimit\tWhy\n";
		if (write(log_fd, header, sizeof header - 1) < 0) {
			msg_print("--limit-log %s: %s", spec.log, strerror(errno));
			return -1;
		}
	}
	if (spec.adaptive) {
		long max = spec.max < cap ? spec.max : cap;
		current = adapt_init(spec.min < max ? spec.min : max, max, spec.cpus, now, machine_cpu_use);
	} else if (spec.file) {
		char why[80];
		if (stat(spec.file, &seen) != 0) {
			msg_print("%s %s: cannot read it: %s", spec.option, spec.file, strerror(errno));
			return -1;
		}
		if (!(current = read_file(why, sizeof why))) {
			msg_print("%s %s: %s", spec.option, spec.file, why);
			return -1;
		}
	} else {
		current = spec.fixed < cap ? spec.fixed : cap;
	}
	lowest = highest = current;
	write_log(now, "start");
	return current;
}

/* -j FILE: a job ended, so the file is read again if it changed. */
static void reread_file(int64_t now)
{
	if (!spec.file || !file_changed())
		return;
	char why[80];
	long n = read_file(why, sizeof why);
	if (n == 0) {
		complain(why);
		return;
	}
	complaint[0] = '\0';
	move_to(n, now, "file");
}

void limit_job_ended(int64_t now, int64_t started, int64_t cpu_ns, bool full)
{
	if (spec.adaptive) {
		const char *why;
		long n = adapt_ended(now, started, cpu_ns, full, &why);
		move_to(n, now, why ? why : "");
	}
	reread_file(now);
}

void limit_throttled(int64_t now, int64_t started)
{
	if (spec.adaptive) {
		const char *why;
		long n = adapt_throttled(now, started, &why);
		move_to(n, now, why ? why : "");
	}
	reread_file(now);
}

bool limit_moves(void)
{
	return spec.adaptive || spec.file;
}

void limit_range(long *low, long *high)
{
	*low = lowest;
	*high = highest;
}

void limit_end(int64_t now)
{
	write_log(now, "end");
	if (log_fd >= 0)
		close(log_fd);
	log_fd = -1;
	adapt_end();
}
