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

#include "alloc.h"
#include "msg.h"

static const char header[] = "Seq\tHost\tStarttime\tJobRuntime\tSend\tReceive\tExitval\tSignal\tCommand\n";

struct joblog {
	int fd;                /* -1: rows go to to_stdout */
	void (*to_stdout)(int fd, const char *, size_t);
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

struct joblog *joblog_open(const char *spec, bool append, void (*to_stdout)(int fd, const char *, size_t))
{
	struct joblog *log = xcalloc(1, sizeof *log);
	if (strcmp(spec, "-") == 0) {
		log->fd = -1;
		log->to_stdout = to_stdout;
		log->name = "standard output";
		to_stdout(1, header, sizeof header - 1);
		return log;
	} else {
		if (spec[0] == '+') {
			append = true;
			spec++;
		}
		log->name = spec;
		log->fd = open(spec, O_WRONLY | O_CREAT | O_CLOEXEC | (append ? O_APPEND : O_TRUNC), 0644);
		if (log->fd < 0) {
			msg_print("--joblog: %s: %s", spec, strerror(errno));
			free(log);
			return NULL;
		}
	}
	struct stat st;
	bool empty = fstat(log->fd, &st) == 0 && (!S_ISREG(st.st_mode) || st.st_size == 0);
	if (empty && !write_whole(log->fd, header, sizeof header - 1)) {
		/* Opened but not writable now (a full disk): the jobs still run. */
		log->failed = true;
		msg_print("--joblog: %s: %s; the run goes on without it", log->name, strerror(errno ? errno : EIO));
	}
	return log;
}

void joblog_write(struct joblog *log, const struct joblog_row *row)
{
	const char *host = row->host ? row->host : ":";
	log->line = xgrow(log->line, &log->cap, row->command_len + strlen(host) + 160, 1);
	int n = snprintf(log->line, log->cap, "%lu\t%s\t%.3f\t%10.3f\t%llu\t%llu\t%d\t%d\t", row->seq, host, row->start,
			 row->runtime, (unsigned long long)row->sent, (unsigned long long)row->received, row->exitval,
			 row->signal);
	size_t len = (size_t)n;
	/* A row is one line: a newline inside the command is written as a
	 * NUL, which no command holds, as GNU parallel writes it; reading
	 * gives the newline back. */
	for (size_t i = 0; i < row->command_len; i++)
		log->line[len++] = row->command[i] == '\n' ? '\0' : row->command[i];
	log->line[len++] = '\n';
	if (log->fd < 0) {
		log->to_stdout(1, log->line, len);
		return;
	}
	/* After a failure, later rows are still tried: space may come back,
	 * and every row written is a job --resume need not run again. */
	if (!write_whole(log->fd, log->line, len) && !log->failed) {
		log->failed = true;
		msg_print("--joblog: %s: %s; the run goes on without it", log->name, strerror(errno ? errno : EIO));
	}
}

void joblog_close(struct joblog *log)
{
	if (!log)
		return;
	if (log->fd >= 0)
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
	if (!(v[0] >= 1 && v[0] < 1.8e19) || v[0] != (double)(unsigned long)v[0])
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

/* A row as read: its place in the file, and the command only if it failed. */
struct read_row {
	unsigned long seq;
	size_t index;
	bool failed;
	char *command;
};

static int by_seq_then_index(const void *a, const void *b)
{
	const struct read_row *x = a, *y = b;
	if (x->seq != y->seq)
		return x->seq < y->seq ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

static int by_index(const void *a, const void *b)
{
	const struct read_row *x = a, *y = b;
	return x->index < y->index ? -1 : x->index > y->index;
}

/* Keeps the latest row of each seq: what it says is the job's state. */
static void build_history(struct joblog_history *h, struct read_row *rows, size_t n)
{
	qsort(rows, n, sizeof *rows, by_seq_then_index);
	h->seen = xcalloc(n, sizeof *h->seen);
	size_t kept = 0;
	for (size_t i = 0; i < n; i++) {
		if (i + 1 < n && rows[i + 1].seq == rows[i].seq) {
			free(rows[i].command);
			continue;
		}
		h->seen[h->seen_count++] = (struct joblog_seen){ rows[i].seq, rows[i].failed };
		if (rows[i].failed)
			rows[kept++] = rows[i];
	}
	/* The failed ones, to run again, in the order the log has them. */
	qsort(rows, kept, sizeof *rows, by_index);
	h->failed = xcalloc(kept, sizeof *h->failed);
	for (size_t i = 0; i < kept; i++)
		h->failed[h->failed_count++] = (struct retry_row){ rows[i].seq, rows[i].command };
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
		msg_print("--joblog: %s: %s", path, strerror(errno));
		return -1;
	}
	char *line = NULL;
	size_t cap = 0, line_no = 0;
	struct read_row *rows = NULL;
	size_t count = 0, rows_cap = 0;
	ssize_t n;
	int rc = 0;
	while ((n = getline(&line, &cap, f)) > 0) {
		line_no++;
		if (line[n - 1] == '\n')
			n--;
		struct joblog_row row;
		if (!joblog_parse_row(line, (size_t)n, &row))
			continue;
		if (row.seq > JOBLOG_SEQ_MAX) {
			msg_print("--joblog: %s:%zu: Seq %lu is out of range (1 to %lu)", path, line_no, row.seq,
				  JOBLOG_SEQ_MAX);
			rc = -1;
			break;
		}
		bool failed = row.exitval != 0 || row.signal != 0;
		rows = xgrow(rows, &rows_cap, count + 1, sizeof *rows);
		char *command = NULL;
		if (failed) {
			command = xmalloc(row.command_len + 1);
			for (size_t i = 0; i < row.command_len; i++)
				command[i] = row.command[i] == '\0' ? '\n' : row.command[i];
			command[row.command_len] = '\0';
		}
		rows[count] = (struct read_row){ row.seq, count, failed, command };
		count++;
	}
	if (rc == 0 && ferror(f)) {
		msg_print("--joblog: %s: %s", path, strerror(errno));
		rc = -1;
	}
	free(line);
	fclose(f);
	if (rc == 0)
		build_history(h, rows, count);
	else
		for (size_t i = 0; i < count; i++)
			free(rows[i].command);
	free(rows);
	return rc;
}

bool joblog_history_skip(const struct joblog_history *h, unsigned long seq, bool rerun_failed)
{
	size_t lo = 0, hi = h->seen_count;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (h->seen[mid].seq < seq)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == h->seen_count || h->seen[lo].seq != seq)
		return false;
	return !(rerun_failed && h->seen[lo].failed);
}

void joblog_history_free(struct joblog_history *h)
{
	for (size_t i = 0; i < h->failed_count; i++)
		free(h->failed[i].command);
	free(h->failed);
	free(h->seen);
	memset(h, 0, sizeof *h);
}
