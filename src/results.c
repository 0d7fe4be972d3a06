/* results.c — owns --results' directories: their names, made from a
 * job's arguments, and the files in them. Knows nothing of processes:
 * the runner gives the files to the job as its stdout and stderr. */
#include "results.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc.h"
#include "machine.h"
#include "msg.h"

struct path {
	char *text;
	size_t len, cap;
};

static void put(struct path *p, const char *s, size_t n)
{
	p->text = xgrow(p->text, &p->cap, p->len + n + 1, 1);
	memcpy(p->text + p->len, s, n);
	p->len += n;
	p->text[p->len] = '\0';
}

static void put_component(struct path *p, const char *v, size_t n)
{
	put(p, "/", 1);
	if (n == 0 || (n == 1 && v[0] == '.') || (n == 2 && v[0] == '.' && v[1] == '.')) {
		put(p, "\\", 1);  /* "" -> \, "." -> \., ".." -> \.. */
		put(p, v, n);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		if (v[i] == '/')
			put(p, "\\_", 2);
		else if (v[i] == '\\')
			put(p, "\\\\", 2);
		else
			put(p, v + i, 1);
	}
}

char *results_dir(const char *base, const struct input_item *item, size_t per_tuple, const char *const *names,
		  size_t name_count)
{
	struct path p = { NULL, 0, 0 };
	size_t len = strlen(base);
	while (len > 1 && base[len - 1] == '/')
		len--;
	put(&p, base, len);
	for (size_t k = 0; k < item->count; k++) {
		size_t source = per_tuple ? k % per_tuple : k;
		char number[24];
		if (source < name_count) {
			put_component(&p, names[source], strlen(names[source]));
		} else {
			snprintf(number, sizeof number, "%zu", source + 1);
			put(&p, "/", 1);
			put(&p, number, strlen(number));
		}
		put_component(&p, item->args[k].ptr, item->args[k].len);
	}
	return p.text;
}

static int open_in(const char *dir, const char *name)
{
	size_t len = strlen(dir) + strlen(name) + 2;
	char *path = xmalloc(len);
	snprintf(path, len, "%s/%s", dir, name);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	int e = errno;
	free(path);
	errno = e;
	return fd;
}

int results_open(const char *dir, unsigned long seq, int fds[2])
{
	fds[0] = fds[1] = -1;
	int e = machine_make_dirs(dir);
	if (e)
		return e;
	int s = open_in(dir, "seq");
	if (s < 0)
		return errno;
	char number[24];
	int n = snprintf(number, sizeof number, "%lu", seq);  /* no newline, as GNU's */
	bool ok = write(s, number, (size_t)n) == n;
	e = errno;
	close(s);
	if (!ok)
		return e ? e : EIO;
	if ((fds[0] = open_in(dir, "stdout")) < 0 || (fds[1] = open_in(dir, "stderr")) < 0) {
		e = errno;
		if (fds[0] >= 0)
			close(fds[0]);
		fds[0] = fds[1] = -1;
		return e;
	}
	return 0;
}

/* ---- one table: .csv, .tsv, .json ---- */

enum table_kind { TABLE_CSV, TABLE_TSV, TABLE_JSON };

struct results_table {
	int fd;
	const char *path;
	enum table_kind kind;
	bool header_written, failed;
	struct path line;
};

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);
	return n > k && strcmp(s + n - k, suffix) == 0;
}

bool results_is_table(const char *path)
{
	return ends_with(path, ".csv") || ends_with(path, ".tsv") || ends_with(path, ".json");
}

struct results_table *results_table_open(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	if (fd < 0) {
		msg_print("--results: %s: %s", path, strerror(errno));
		return NULL;
	}
	struct results_table *t = xcalloc(1, sizeof *t);
	t->fd = fd;
	t->path = path;
	t->kind = ends_with(path, ".json") ? TABLE_JSON : ends_with(path, ".tsv") ? TABLE_TSV : TABLE_CSV;
	return t;
}

static int unnamed_file(void)
{
	const char *dir = getenv("TMPDIR");
	if (!dir || !*dir)
		dir = "/tmp";
	int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd < 0 && (errno == EOPNOTSUPP || errno == EISDIR)) {
		size_t len = strlen(dir) + 24;
		char *name = xmalloc(len);
		snprintf(name, len, "%s/lanes-XXXXXX", dir);
		fd = mkostemp(name, O_CLOEXEC);
		if (fd >= 0)
			unlink(name);
		free(name);
	}
	return fd;
}

int results_table_files(int fds[2])
{
	fds[0] = unnamed_file();
	fds[1] = fds[0] < 0 ? -1 : unnamed_file();
	if (fds[1] < 0) {
		int e = errno;
		if (fds[0] >= 0)
			close(fds[0]);
		fds[0] = -1;
		return e;
	}
	return 0;
}

/* A field, quoted as GNU parallel quotes them: CSV and TSV put in double
 * quotes (a quote doubled) a field with a blank, the separator, a quote
 * or a line end; JSON always, with its escapes. */
static void put_field(struct results_table *t, const char *v, size_t n)
{
	struct path *l = &t->line;
	if (t->kind == TABLE_JSON) {
		put(l, "\"", 1);
		for (size_t i = 0; i < n; i++) {
			unsigned char c = (unsigned char)v[i];
			char esc[8];
			if (c == '"' || c == '\\') {
				esc[0] = '\\', esc[1] = (char)c;
				put(l, esc, 2);
			} else if (c < 0x20) {
				snprintf(esc, sizeof esc, "\\u%04x", c);
				put(l, esc, 6);
			} else {
				put(l, v + i, 1);
			}
		}
		put(l, "\"", 1);
		return;
	}
	char sep = t->kind == TABLE_TSV ? '\t' : ',';
	bool quote = false;
	for (size_t i = 0; i < n && !quote; i++)
		quote = v[i] == sep || v[i] == '"' || v[i] == ' ' || v[i] == '\n' || v[i] == '\r' || v[i] == '\t';
	if (!quote) {
		put(l, v, n);
		return;
	}
	put(l, "\"", 1);
	for (size_t i = 0; i < n; i++) {
		put(l, v + i, 1);
		if (v[i] == '"')
			put(l, "\"", 1);  /* doubled */
	}
	put(l, "\"", 1);
}

/* The whole of an unnamed output file; its length in *len. */
static char *slurp(int fd, size_t *len)
{
	struct stat st;
	size_t size = fstat(fd, &st) == 0 && st.st_size > 0 ? (size_t)st.st_size : 0;
	char *buf = xmalloc(size + 1);
	size_t got = 0;
	while (got < size) {
		ssize_t n = pread(fd, buf + got, size - got, (off_t)got);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	*len = got;
	return buf;
}

static const char *const columns[] = { "Seq", "Host", "Starttime", "JobRuntime", "Send", "Receive",
				       "Exitval", "Signal", "Command" };

void results_table_row(struct results_table *t, const struct joblog_row *row, const struct input_item *args,
		       int fds[2])
{
	size_t out_len = 0, err_len = 0;
	char *out = slurp(fds[0], &out_len), *err = slurp(fds[1], &err_len);
	close(fds[0]);
	close(fds[1]);
	struct path *l = &t->line;
	const char *host = row->host ? row->host : ":";
	l->len = 0;
	put(l, "", 0);
	char sep[2] = { t->kind == TABLE_TSV ? '\t' : ',', '\0' };
	if (t->kind != TABLE_JSON && !t->header_written) {
		for (size_t i = 0; i < sizeof columns / sizeof columns[0]; i++) {
			put(l, columns[i], strlen(columns[i]));
			put(l, sep, 1);
		}
		for (size_t k = 0; k < args->count; k++) {
			char v[24];
			int n = snprintf(v, sizeof v, "V%zu", k + 1);
			put(l, v, (size_t)n);
			put(l, sep, 1);
		}
		put(l, "Stdout", 6);
		put(l, sep, 1);
		put(l, "Stderr\n", 7);
	}
	t->header_written = true;
	if (t->kind == TABLE_JSON) {
		char buf[300];
		int n = snprintf(buf, sizeof buf, "{ \"Seq\": %lu, \"Host\": ", row->seq);
		put(l, buf, (size_t)n);
		put_field(t, host, strlen(host));
		n = snprintf(buf, sizeof buf,
				 ", \"Starttime\": %.3f, \"JobRuntime\": %.3f, \"Send\": %llu, "
				 "\"Receive\": %zu, \"Exitval\": %d, \"Signal\": %d, \"Command\": ",
				 row->start, row->runtime, (unsigned long long)row->sent, out_len, row->exitval,
				 row->signal);
		put(l, buf, (size_t)n);
		put_field(t, row->command, row->command_len);
		put(l, ", \"V\": [ ", 9);
		for (size_t k = 0; k < args->count; k++) {
			if (k)
				put(l, ",", 1);  /* no blank, as GNU's */
			put_field(t, args->args[k].ptr, args->args[k].len);
		}
		put(l, " ], \"Stdout\": ", 14);
		put_field(t, out, out_len);
		put(l, ", \"Stderr\": ", 12);
		put_field(t, err, err_len);
		put(l, " }\n", 3);
	} else {
		char buf[200];
		int n = snprintf(buf, sizeof buf, "%lu%s", row->seq, sep);
		put(l, buf, (size_t)n);
		put_field(t, host, strlen(host));
		n = snprintf(buf, sizeof buf, "%s%.3f%s%.3f%s%llu%s%zu%s%d%s%d%s", sep, row->start, sep,
				 row->runtime, sep, (unsigned long long)row->sent, sep, out_len, sep, row->exitval, sep,
				 row->signal, sep);
		put(l, buf, (size_t)n);
		put_field(t, row->command, row->command_len);
		for (size_t k = 0; k < args->count; k++) {
			put(l, sep, 1);
			put_field(t, args->args[k].ptr, args->args[k].len);
		}
		put(l, sep, 1);
		put_field(t, out, out_len);
		put(l, sep, 1);
		put_field(t, err, err_len);
		put(l, "\n", 1);
	}
	free(out);
	free(err);
	size_t done = 0;
	while (done < l->len && !t->failed) {
		ssize_t w = write(t->fd, l->text + done, l->len - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			msg_print("--results: %s: %s; no more rows are written", t->path, strerror(w < 0 ? errno : ENOSPC));
			t->failed = true;
			break;
		}
		done += (size_t)w;
	}
}

void results_table_close(struct results_table *t)
{
	if (!t)
		return;
	close(t->fd);
	free(t->line.text);
	free(t);
}
