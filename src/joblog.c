/* joblog.c — owns the job log file: its header, one row per finished job
 * (written whole, at once, as the job ends), and reading an earlier log for
 * --resume. The format is GNU parallel's, so tools and logs carry over:
 * TAB-separated Seq Host Starttime JobRuntime Send Receive Exitval Signal
 * Command, Host ":" for this machine. Knows nothing of processes. */
#include "joblog.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char header[] = "Seq\tHost\tStarttime\tJobRuntime\tSend\tReceive\tExitval\tSignal\tCommand\n";

struct joblog {
	int fd;
	bool owns_fd;
	const char *name;
	bool failed;           /* a write failed: reported once */
	char *line;
	size_t cap;
};

static bool write_whole(int fd, const char *data, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, data, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		data += n;
		len -= (size_t)n;
	}
	return true;
}

struct joblog *joblog_open(const char *spec, bool append)
{
	struct joblog *log = calloc(1, sizeof *log);
	if (!log)
		abort();
	if (strcmp(spec, "-") == 0) {
		log->fd = 1;
		log->name = "standard output";
	} else {
		if (spec[0] == '+') {
			append = true;
			spec++;
		}
		log->name = spec;
		log->fd = open(spec, O_WRONLY | O_CREAT | O_CLOEXEC | (append ? O_APPEND : O_TRUNC), 0644);
		if (log->fd < 0) {
			fprintf(stderr, "lanes: --joblog: %s: %s\n", spec, strerror(errno));
			free(log);
			return NULL;
		}
		log->owns_fd = true;
	}
	struct stat st;
	bool empty = !log->owns_fd || (fstat(log->fd, &st) == 0 && (!S_ISREG(st.st_mode) || st.st_size == 0));
	if (empty && !write_whole(log->fd, header, sizeof header - 1)) {
		/* Opened but not writable now (a full disk): the jobs still run. */
		log->failed = true;
		fprintf(stderr, "lanes: --joblog: %s: %s; the run goes on without it\n", log->name,
			strerror(errno ? errno : EIO));
	}
	return log;
}

void joblog_write(struct joblog *log, const struct joblog_row *row)
{
	size_t need = row->command_len + 160;
	if (need > log->cap) {
		char *grown = realloc(log->line, need);
		if (!grown)
			abort();
		log->line = grown;
		log->cap = need;
	}
	int n = snprintf(log->line, log->cap, "%lu\t:\t%.3f\t%10.3f\t0\t%llu\t%d\t%d\t", row->seq, row->start,
			 row->runtime, (unsigned long long)row->received, row->exitval, row->signal);
	size_t len = (size_t)n;
	/* A row is one line: a newline inside the command would end it early. */
	for (size_t i = 0; i < row->command_len; i++)
		log->line[len++] = row->command[i] == '\n' ? ' ' : row->command[i];
	log->line[len++] = '\n';
	/* After a failure, later rows are still tried: space may come back,
	 * and every row written is a job --resume need not run again. */
	if (!write_whole(log->fd, log->line, len) && !log->failed) {
		log->failed = true;
		fprintf(stderr, "lanes: --joblog: %s: %s; the run goes on without it\n", log->name,
			strerror(errno ? errno : EIO));
	}
}

void joblog_close(struct joblog *log)
{
	if (!log)
		return;
	if (log->owns_fd)
		close(log->fd);
	free(log->line);
	free(log);
}

/* Reads a field up to the next TAB; returns its end or NULL. */
static const char *field(const char *p, const char *end)
{
	const char *tab = memchr(p, '\t', (size_t)(end - p));
	return tab;
}

static bool parse_number(const char *p, const char *end, double *out)
{
	char buf[64];
	size_t n = (size_t)(end - p);
	if (n == 0 || n >= sizeof buf)
		return false;
	memcpy(buf, p, n);
	buf[n] = '\0';
	char *stop;
	errno = 0;
	double v = strtod(buf, &stop);
	while (*stop == ' ')
		stop++;
	if (errno || *stop)
		return false;
	*out = v;
	return true;
}

bool joblog_parse_row(const char *line, size_t len, struct joblog_row *row)
{
	const char *p = line, *end = line + len;
	double v[8];
	for (int i = 0; i < 8; i++) {
		const char *tab = field(p, end);
		if (!tab)
			return false;
		if (i == 1) {  /* Host: any text */
			p = tab + 1;
			v[i] = 0;
			continue;
		}
		while (p < tab && *p == ' ')
			p++;
		if (!parse_number(p, tab, &v[i]))
			return false;
		p = tab + 1;
	}
	if (!(v[0] >= 1 && v[0] <= 1e15) || v[0] != (double)(unsigned long)v[0])
		return false;
	if (!(v[5] < 1.8e19))
		return false;
	for (int i = 6; i < 8; i++)  /* Exitval, Signal: small integers */
		if (!(v[i] >= -1e6 && v[i] <= 1e6))
			return false;
	row->seq = (unsigned long)v[0];
	row->start = v[2];
	row->runtime = v[3];
	row->received = v[5] > 0 ? (uint64_t)v[5] : 0;
	row->exitval = (int)v[6];
	row->signal = (int)v[7];
	row->command = p;
	row->command_len = (size_t)(end - p);
	return true;
}

static void remember(struct joblog_history *h, const struct joblog_row *row)
{
	if (row->seq >= h->size) {
		size_t size = h->size ? h->size : 1024;
		while (size <= row->seq)
			size *= 2;
		uint8_t *grown = realloc(h->state, size);
		if (!grown)
			abort();
		memset(grown + h->size, 0, size - h->size);
		h->state = grown;
		h->size = size;
	}
	bool failed = row->exitval != 0 || row->signal != 0;
	h->state[row->seq] = failed ? 2 : 1;
	if (!failed)
		return;
	h->failed = realloc(h->failed, (h->failed_count + 1) * sizeof *h->failed);
	if (!h->failed)
		abort();
	h->failed[h->failed_count++] = (struct retry_row){ row->seq, strndup(row->command, row->command_len) };
}

int joblog_read(const char *path, struct joblog_history *h)
{
	memset(h, 0, sizeof *h);
	if (path[0] == '+')
		path++;
	FILE *f = fopen(path, "r");
	if (!f) {
		if (errno == ENOENT)
			return 0;
		fprintf(stderr, "lanes: --joblog: %s: %s\n", path, strerror(errno));
		return -1;
	}
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	while ((n = getline(&line, &cap, f)) > 0) {
		if (line[n - 1] == '\n')
			n--;
		struct joblog_row row;
		if (joblog_parse_row(line, (size_t)n, &row))
			remember(h, &row);
	}
	free(line);
	fclose(f);
	/* Keep one command per failed seq, its latest, in file order; a seq
	 * that failed and later succeeded is not to be retried. */
	size_t kept = h->failed_count;
	for (size_t i = h->failed_count; i-- > 0;) {
		struct retry_row r = h->failed[i];
		if (h->state[r.seq] == 2) {
			h->state[r.seq] = 3;  /* taken */
			h->failed[--kept] = r;
		} else {
			free(r.command);
		}
	}
	if (kept > 0)
		memmove(h->failed, h->failed + kept, (h->failed_count - kept) * sizeof *h->failed);
	h->failed_count -= kept;
	for (size_t i = 0; i < h->failed_count; i++)
		h->state[h->failed[i].seq] = 2;
	return 0;
}

bool joblog_history_skip(const struct joblog_history *h, unsigned long seq, bool rerun_failed)
{
	if (seq >= h->size || h->state[seq] == 0)
		return false;
	return !(rerun_failed && h->state[seq] == 2);
}

void joblog_history_free(struct joblog_history *h)
{
	for (size_t i = 0; i < h->failed_count; i++)
		free(h->failed[i].command);
	free(h->failed);
	free(h->state);
	memset(h, 0, sizeof *h);
}
