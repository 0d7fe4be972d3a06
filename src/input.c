/* input.c — owns the input: opens the sources, reads them in 64 KiB blocks,
 * cuts items at the delimiter, combines sources (product, first source
 * slowest; or paired), splits --colsep columns, groups -n items a job and
 * numbers the items. An earlier joblog is a source too: --resume skips
 * what it has done, --retry-failed takes its failed command lines.
 * Only the first source is streamed, and only its unread part is held, so
 * endless input runs in constant memory; the runner decides when to read.
 * Knows nothing of commands or processes. */
#include "input.h"

#include <errno.h>
#include <fcntl.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc.h"
#include "joblog.h"
#include "msg.h"

#define BLOCK 65536

/* Items of a file or of standard input, found ahead of the read point. */
struct stream {
	int fd;
	bool owns_fd;
	const char *name;
	const char *delimiter;   /* -d: 1 or more bytes */
	size_t dlen;
	bool nul_to_text;        /* a NUL in an item becomes the two characters \0 */
	const char *eof_item;    /* -E: an item equal to it ends the stream; NULL: none */
	bool header_taken;       /* --header: its first item was read (so no count ahead) */
	bool csv;                /* --csv: a newline inside "..." is part of the record */
	bool quoted;             /* --csv: buf[scan] is inside quotes */
	char *buf;
	size_t start, end, cap;  /* unconsumed bytes: buf[start..end) */
	size_t scan;             /* buf[next value..scan) holds no delimiter */
	struct span { size_t off, len; } *ahead;  /* items found, not consumed */
	size_t ahead_count, ahead_cap;
	bool last_found;         /* the final item (without delimiter) is in ahead */
	bool eof;
};

struct source {
	struct stream *stream;   /* set while this source is streamed */
	struct arg *values;      /* the items of a source held whole */
	size_t count;
	bool linked;
};

/* Sources paired with each other (:::+, --link) advance together. */
struct group {
	size_t first, size;      /* its sources: src[first .. first+size) */
	size_t len;              /* its tuples (unknown while streamed) */
};

struct input {
	struct source *src;
	size_t src_count;
	struct group *grp;
	size_t grp_count;
	bool wrap;               /* --link: shorter sources start over */
	bool streamed;           /* group 0 leads with a stream */
	size_t *pos, *trial;     /* per group: the next tuple */
	size_t *undo;            /* -m, -X: trial before the last tuple */
	struct input_packing packing;
	bool packed;
	size_t *order;           /* --shuf: the tuples' numbers, shuffled */
	size_t order_count, order_next;
	char **names;            /* --header: the column names, in argument order */
	bool take_names;         /* a first item taken now is a header, not the #! line */
	size_t name_count, name_cap;
	size_t consumed;         /* stream items consumed before pos[0] */
	long per_job;
	bool has_colsep;
	bool csv;                /* --csv: columns are RFC 4180 fields */
	bool late_nul;           /* NULs are made \0 per item, not as read */
	char field_sep;          /* --csv: between them */
	char *unquoted;          /* --csv: the fields of the tuple being made, unquoted */
	size_t unquoted_len, unquoted_cap;
	regex_t colsep;
	struct arg *args;        /* the item being handed out */
	size_t arg_count, arg_cap;
	bool ended;
	bool skip_blank;         /* no command: a blank item is no job */
	bool skip_empty;         /* -r: a tuple with a blank value is none */
	enum trim trim;          /* --trim */
	bool blank_value;        /* the tuple fetched last had one */
	unsigned long seq;       /* of the last item handed out */
	struct joblog_history history;
	bool resume, rerun_failed, retry_failed;
	size_t retried;          /* --retry-failed: history rows handed out */
	struct arg retry_arg;
};


/* The first delimiter in p[0..n), or NULL. */
static const char *find_delimiter(const struct stream *s, const char *p, size_t n)
{
	return s->dlen == 1 ? memchr(p, s->delimiter[0], n) : memmem(p, n, s->delimiter, s->dlen);
}

/* --csv: the first newline outside quotes in p[0..n), the quote state
 * carried in s->quoted from one call to the next; or NULL. */
static const char *find_record_end(struct stream *s, const char *p, size_t n)
{
	for (const char *end = p + n; p < end; p++) {
		if (*p == '"')
			s->quoted = !s->quoted;
		else if (*p == '\n' && !s->quoted)
			return p;
	}
	return NULL;
}

static struct stream *stream_open(const char *path, const char *delimiter, size_t dlen)
{
	int fd = 0;
	bool owns = false;
	if (strcmp(path, "-") != 0) {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			msg_print("%s: %s", path, strerror(errno));
			return NULL;
		}
		owns = true;
	}
	struct stream *s = xcalloc(1, sizeof *s);
	s->fd = fd;
	s->owns_fd = owns;
	s->name = owns ? path : "standard input";
	s->delimiter = delimiter;
	s->dlen = dlen;
	/* A NUL becomes \0 as it is read, but where those two characters
	 * could make a delimiter: then as each item is handed out. */
	s->nul_to_text = !memchr(delimiter, '\0', dlen) && !memchr(delimiter, '\\', dlen) && !memchr(delimiter, '0', dlen);
	return s;
}

static void stream_close(struct stream *s)
{
	if (!s)
		return;
	if (s->owns_fd)
		close(s->fd);
	free(s->buf);
	free(s->ahead);
	free(s);
}

/* Makes room for a block: moves the unconsumed bytes to the front (unless
 * `keep`, when values already handed out point into the buffer), grows
 * only when that is not enough. */
static void stream_make_room(struct stream *s, bool keep)
{
	if (s->start > 0 && !keep) {
		size_t shift = s->start;
		memmove(s->buf, s->buf + shift, s->end - shift);
		s->end -= shift;
		s->scan -= shift;
		s->start = 0;
		for (size_t i = 0; i < s->ahead_count; i++)
			s->ahead[i].off -= shift;
	}
	if (s->cap - s->end >= BLOCK / 2)
		return;
	s->buf = xgrow(s->buf, &s->cap, s->end + BLOCK / 2, 1);
}

/* A command line cannot hold a NUL byte: as GNU parallel, one in the n
 * bytes just read at buf[end] becomes the two characters \0, with one
 * warning in the run. Returns the bytes now there. */
static size_t nul_to_text(struct stream *s, size_t n)
{
	static bool warned;
	size_t nuls = 0;
	for (const char *p = s->buf + s->end; (p = memchr(p, '\0', (size_t)(s->buf + s->end + n - p))); p++)
		nuls++;
	if (nuls == 0)
		return n;
	if (!warned)
		msg_print("%s: a NUL byte in an item was replaced with \\0 (for NUL-separated items, use -0)", s->name);
	warned = true;
	if (s->cap - s->end < n + nuls)
		s->buf = xgrow(s->buf, &s->cap, s->end + n + nuls, 1);
	char *from = s->buf + s->end + n, *to = from + nuls;
	while (from > s->buf + s->end) {
		char c = *--from;
		if (c == '\0') {
			*--to = '0';
			*--to = '\\';
		} else {
			*--to = c;
		}
	}
	return n + nuls;
}

static int stream_fill(struct stream *s, bool keep)
{
	if (s->eof)
		return 0;
	stream_make_room(s, keep);
	ssize_t n;
	do
		n = read(s->fd, s->buf + s->end, s->cap - s->end);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		if (errno == EAGAIN)
			return 0;
		msg_print("%s: %s", s->name, strerror(errno));
		s->eof = true;
		return -1;
	}
	if (n == 0)
		s->eof = true;
	if (s->nul_to_text && n > 0)
		n = (ssize_t)nul_to_text(s, (size_t)n);
	s->end += (size_t)n;
	return 0;
}

/* The k-th item ahead of the read point: INPUT_ITEM, INPUT_AGAIN or INPUT_END. */
static enum input_status stream_peek(struct stream *s, size_t k, struct arg *out)
{
	while (s->ahead_count <= k) {
		if (s->last_found)
			return INPUT_END;
		size_t value = s->ahead_count
			? s->ahead[s->ahead_count - 1].off + s->ahead[s->ahead_count - 1].len + s->dlen
			: s->start;
		if (s->scan < value) {
			s->scan = value;
			s->quoted = false;
		}
		const char *hit = s->end <= s->scan ? NULL
				  : s->csv  ? find_record_end(s, s->buf + s->scan, s->end - s->scan)
					    : find_delimiter(s, s->buf + s->scan, s->end - s->scan);
		size_t len;
		if (hit) {
			len = (size_t)(hit - s->buf) - value;
			s->scan = (size_t)(hit - s->buf) + s->dlen;
		} else {
			/* the end may hold the start of a delimiter */
			s->scan = s->end - value >= s->dlen ? s->end - (s->dlen - 1) : value;
			if (!s->eof)
				return INPUT_AGAIN;
			if (value >= s->end)
				return INPUT_END;
			len = s->end - value;
			s->last_found = true;
		}
		if (s->eof_item && strlen(s->eof_item) == len && memcmp(s->buf + value, s->eof_item, len) == 0) {
			s->last_found = true;  /* -E: it and what follows are not read */
			return INPUT_END;
		}
		s->ahead = xgrow(s->ahead, &s->ahead_cap, s->ahead_count + 1, sizeof *s->ahead);
		s->ahead[s->ahead_count++] = (struct span){ value, len };
	}
	out->ptr = s->buf + s->ahead[k].off;
	out->len = s->ahead[k].len;
	return INPUT_ITEM;
}

static void stream_consume(struct stream *s, size_t n)
{
	if (n == 0)
		return;
	struct span *last = &s->ahead[n - 1];
	size_t next = last->off + last->len + s->dlen;
	s->start = next < s->end ? next : s->end;
	memmove(s->ahead, s->ahead + n, (s->ahead_count - n) * sizeof *s->ahead);
	s->ahead_count -= n;
}

/* Reads a stream to its end and turns it into a source held whole. */
static int hold_whole(struct source *src)
{
	struct stream *s = src->stream;
	while (!s->eof)
		if (stream_fill(s, true) != 0)
			return -1;
	struct arg a;
	size_t n = 0;
	while (stream_peek(s, n, &a) == INPUT_ITEM)
		n++;
	src->values = xcalloc(n, sizeof *src->values);
	for (size_t i = 0; i < n; i++)
		stream_peek(s, i, &src->values[i]);
	src->count = n;
	return 0;
}

/* -E: a ::: list ends before the first value equal to `eof`. */
static size_t list_before_eof(const struct source *src, const char *eof)
{
	for (size_t k = 0; k < src->count; k++)
		if (strcmp(src->values[k].ptr, eof) == 0)
			return k;
	return src->count;
}

static void take_header(struct input *in, struct source *src);
static void tuple_at(struct input *in, size_t t, size_t *p);

static void add_source(struct input *in, struct source src)
{
	in->src = xrealloc(in->src, (in->src_count + 1) * sizeof *in->src);
	in->src[in->src_count++] = src;
}

static void group_sources(struct input *in)
{
	in->grp = xcalloc(in->src_count, sizeof *in->grp);
	in->pos = xcalloc(in->src_count, sizeof *in->pos);
	in->trial = xcalloc(in->src_count, sizeof *in->trial);
	for (size_t i = 0; i < in->src_count; i++) {
		if (i == 0 || !(in->src[i].linked || in->wrap))
			in->grp[in->grp_count++] = (struct group){ i, 0, 0 };
		in->grp[in->grp_count - 1].size++;
	}
}

/* A group's length: the shortest source's, or under --link the longest's. */
static void measure_groups(struct input *in)
{
	for (size_t g = 0; g < in->grp_count; g++) {
		struct group *gr = &in->grp[g];
		if (g == 0 && in->streamed)
			continue;
		size_t len = in->src[gr->first].count;
		for (size_t i = gr->first; i < gr->first + gr->size; i++) {
			size_t c = in->src[i].count;
			if (in->wrap ? c > len : c < len)
				len = c;
			if (in->wrap && c == 0) {
				len = 0;
				break;
			}
		}
		gr->len = len;
		if (len == 0)
			in->ended = true;
	}
}

struct input *input_open(const struct options *opts)
{
	struct input *in = xcalloc(1, sizeof *in);
	in->wrap = opts->link;
	in->per_job = opts->per_job;
	in->skip_blank = !opts->command && !opts->shell_quote;
	in->skip_empty = opts->no_run_if_empty;
	in->late_nul = !memchr(opts->delimiter, '\0', opts->delimiter_len) &&
		       (memchr(opts->delimiter, '\\', opts->delimiter_len) || memchr(opts->delimiter, '0', opts->delimiter_len));
	in->trim = opts->trim;
	in->resume = opts->resume;
	in->rerun_failed = opts->resume_failed;
	in->retry_failed = opts->retry_failed;
	if ((in->resume || in->retry_failed) && joblog_read(opts->joblog, &in->history) != 0) {
		free(in);
		return NULL;
	}
	if (in->retry_failed) {
		in->streamed = false;
		return in;  /* the items are the joblog's: no source is read */
	}
	if (opts->csv) {
		in->csv = true;
		in->field_sep = opts->colsep ? opts->colsep[0] : ',';
	} else if (opts->colsep) {
		/* options.c has compiled it once already */
		options_compile_colsep(opts->colsep, &in->colsep);
		in->has_colsep = true;
	}
	if (opts->source_count == 0)
		add_source(in, (struct source){ .stream = stream_open("-", opts->delimiter, opts->delimiter_len) });
	for (int i = 0; i < opts->source_count; i++) {
		const struct source_spec *spec = &opts->sources[i];
		struct source src = { .linked = spec->linked };
		if (spec->kind == SOURCE_LIST) {
			src.values = xcalloc((size_t)spec->count, sizeof *src.values);
			for (int k = 0; k < spec->count; k++)
				src.values[k] = (struct arg){ spec->values[k], strlen(spec->values[k]) };
			src.count = (size_t)spec->count;
		} else if (!(src.stream = stream_open(spec->path, opts->delimiter, opts->delimiter_len))) {
			input_close(in);
			return NULL;
		}
		add_source(in, src);
	}
	for (size_t i = 0; i < in->src_count; i++)
		if (in->src[i].stream)
			in->src[i].stream->csv = opts->csv;
	if (opts->shebang && in->src_count > 0)
		take_header(in, &in->src[in->src_count - 1]);  /* the #! line: no job, no name */
	in->take_names = true;
	for (size_t i = 0; i < in->src_count && opts->arg_header; i++)
		take_header(in, &in->src[i]);
	for (size_t i = 0; i < in->src_count && opts->eof_string; i++)
		if (in->src[i].stream)
			in->src[i].stream->eof_item = opts->eof_string;
		else
			in->src[i].count = list_before_eof(&in->src[i], opts->eof_string);
	in->streamed = in->src[0].stream && !in->wrap;
	for (size_t i = in->streamed ? 1 : 0; i < in->src_count; i++)
		if (in->src[i].stream && hold_whole(&in->src[i]) != 0) {
			input_close(in);
			return NULL;
		}
	group_sources(in);
	measure_groups(in);
	return in;
}

/* Moves trial[] to the next tuple: the last group fastest. */
static void advance(struct input *in, size_t *p)
{
	size_t g = in->grp_count - 1;
	for (;;) {
		p[g]++;
		if (g == 0 || p[g] < in->grp[g].len)
			return;
		p[g] = 0;
		g--;
	}
}

/* --trim: the value without white space at the ends `how` says. */
static struct arg trimmed(struct arg v, enum trim how)
{
	static const char space[] = " \t\r\n\v\f";
	if (how == TRIM_LEFT || how == TRIM_BOTH)
		while (v.len && memchr(space, *v.ptr, sizeof space - 1))
			v.ptr++, v.len--;
	if (how == TRIM_RIGHT || how == TRIM_BOTH)
		while (v.len && memchr(space, v.ptr[v.len - 1], sizeof space - 1))
			v.len--;
	return v;
}

/* Splits one value into --colsep columns, each trimmed (both ends unless
 * --trim says otherwise). */
static void add_columns(struct input *in, struct arg v)
{
	size_t at = 0;
	for (;;) {
		regmatch_t m = { .rm_so = (regoff_t)at, .rm_eo = (regoff_t)v.len };
		size_t cut = v.len, next = v.len;
		if (at <= v.len && regexec(&in->colsep, v.ptr, 1, &m, REG_STARTEND) == 0 && m.rm_eo > m.rm_so) {
			cut = (size_t)m.rm_so;
			next = (size_t)m.rm_eo;
		}
		struct arg col = trimmed((struct arg){ v.ptr + at, cut - at }, in->trim == TRIM_DEFAULT ? TRIM_BOTH : in->trim);
		in->args = xgrow(in->args, &in->arg_cap, in->arg_count + 1, sizeof *in->args);
		in->args[in->arg_count++] = col;
		if (cut == v.len)
			return;
		at = next;
	}
}

/* Empty, or only blanks: what -r skips. */
static bool blank(struct arg v)
{
	for (size_t k = 0; k < v.len; k++)
		if (!strchr(" \t\r\n\v\f", v.ptr[k]) || v.ptr[k] == '\0')
			return false;
	return true;
}

/* --csv: one record's fields, quotes taken off ("" inside them is one "),
 * each trimmed as --trim says (not by default). The text is copied into
 * in->unquoted, which lives until the next tuple. A CR before the end of
 * the record is dropped (CRLF lines). */
/* Room for n more bytes in in->unquoted, whose bytes the args made so
 * far may point into: they are moved with it. */
static void reserve(struct input *in, size_t n)
{
	size_t need = in->unquoted_len + n + 1;
	if (need <= in->unquoted_cap)
		return;
	char *old = in->unquoted;
	in->unquoted = xgrow(in->unquoted, &in->unquoted_cap, need * 2, 1);
	for (size_t i = 0; old && i < in->arg_count; i++)
		if (in->args[i].ptr >= old && in->args[i].ptr <= old + in->unquoted_len)
			in->args[i].ptr = in->unquoted + (in->args[i].ptr - old);
}

/* A value with NUL bytes the stream left in (see stream_open): a copy
 * with each made \0, once warned about. */
static struct arg without_nul(struct input *in, struct arg v)
{
	static bool warned;
	size_t nuls = 0;
	for (size_t i = 0; i < v.len; i++)
		nuls += v.ptr[i] == '\0';
	if (!warned)
		msg_print("a NUL byte in an item was replaced with \\0 (for NUL-separated items, use -0)");
	warned = true;
	reserve(in, v.len + nuls);
	char *out = in->unquoted + in->unquoted_len, *start = out;
	for (size_t i = 0; i < v.len; i++) {
		if (v.ptr[i] == '\0') {
			*out++ = '\\';
			*out++ = '0';
		} else {
			*out++ = v.ptr[i];
		}
	}
	in->unquoted_len += (size_t)(out - start);
	return (struct arg){ start, (size_t)(out - start) };
}

static void add_csv_fields(struct input *in, struct arg v)
{
	if (v.len && v.ptr[v.len - 1] == '\r')
		v.len--;
	reserve(in, v.len);
	const char *p = v.ptr, *end = v.ptr + v.len;
	for (;;) {
		char *field = in->unquoted + in->unquoted_len;
		char *out = field;
		bool quoted = false;
		while (p < end && (quoted || *p != in->field_sep)) {
			if (*p == '"') {
				if (quoted && p + 1 < end && p[1] == '"')
					*out++ = '"', p += 2;  /* "" inside quotes */
				else
					quoted = !quoted, p++;
			} else {
				*out++ = *p++;
			}
		}
		in->unquoted_len += (size_t)(out - field);
		struct arg f = trimmed((struct arg){ field, (size_t)(out - field) }, in->trim);
		in->args = xgrow(in->args, &in->arg_cap, in->arg_count + 1, sizeof *in->args);
		in->args[in->arg_count++] = f;
		if (p >= end)
			return;
		p++;  /* the separator */
	}
}

static void add_value(struct input *in, struct arg v)
{
	in->blank_value |= blank(v);
	if (in->late_nul && memchr(v.ptr, '\0', v.len))
		v = without_nul(in, v);
	if (in->csv) {
		add_csv_fields(in, v);
		return;
	}
	if (in->has_colsep) {
		add_columns(in, v);
		return;
	}
	in->args = xgrow(in->args, &in->arg_cap, in->arg_count + 1, sizeof *in->args);
	in->args[in->arg_count++] = trimmed(v, in->trim);
}

/* Appends the values of the tuple at p to the item. */
static enum input_status fetch(struct input *in, const size_t *p)
{
	for (size_t g = 0; g < in->grp_count; g++) {
		const struct group *gr = &in->grp[g];
		if (!(g == 0 && in->streamed) && p[g] >= gr->len)
			return INPUT_END;
		for (size_t i = gr->first; i < gr->first + gr->size; i++) {
			struct source *s = &in->src[i];
			struct arg v;
			if (i == 0 && in->streamed) {
				enum input_status st = stream_peek(s->stream, p[0] - in->consumed, &v);
				if (st != INPUT_ITEM)
					return st;
			} else {
				size_t k = p[g];
				if (in->wrap)
					k %= s->count;
				else if (k >= s->count)
					return INPUT_END;
				v = s->values[k];
			}
			add_value(in, v);
		}
	}
	return INPUT_ITEM;
}

static enum input_status next_tuple(struct input *in, struct input_item *item)
{
	if (in->ended)
		return INPUT_END;
	memcpy(in->trial, in->pos, in->grp_count * sizeof *in->trial);
	in->arg_count = 0;
	in->unquoted_len = 0;
	long tuples = 0, most = in->packed ? in->packing.most : in->per_job ? in->per_job : 1;  /* -N0: one each */
	size_t used = 0;
	while (tuples < most) {
		size_t before = in->arg_count, next_before = in->order_next;
		if (in->packed)
			memcpy(in->undo, in->trial, in->grp_count * sizeof *in->undo);
		if (in->order) {
			if (in->order_next == in->order_count)
				break;
			tuple_at(in, in->order[in->order_next++], in->trial);
		}
		in->blank_value = false;
		enum input_status st = fetch(in, in->trial);
		if (st == INPUT_AGAIN)
			return INPUT_AGAIN;  /* nothing consumed: ask again after input_fill (a job is filled
					      * as far as the input allows, whenever it comes) */
		if (st != INPUT_ITEM)
			break;
		if (!in->order)
			advance(in, in->trial);
		if (in->skip_empty && in->blank_value) {
			in->arg_count = before;  /* -r: as if it were not there */
			continue;
		}
		if (in->packed) {
			const struct arg *added = in->args + before;
			size_t n = in->arg_count - before;
			size_t more = tuples == 0 ? in->packing.length(in->packing.ctx, added, n)
						  : in->packing.growth(in->packing.ctx, added, n);
			if (tuples > 0 && used + more >= in->packing.budget) {
				/* Too long with it: it begins the next job. */
				memcpy(in->trial, in->undo, in->grp_count * sizeof *in->trial);
				in->arg_count = before;
				in->order_next = next_before;
				break;
			}
			used += more;
		}
		tuples++;
	}
	if (in->per_job == 0 && !in->packed)
		in->arg_count = 0;
	if (tuples == 0) {
		in->ended = true;
		return INPUT_END;
	}
	if (in->streamed && in->trial[0] > in->consumed) {
		/* Items before trial[0] are no longer needed; the current one is. */
		stream_consume(in->src[0].stream, in->trial[0] - in->consumed);
		in->consumed = in->trial[0];
	}
	memcpy(in->pos, in->trial, in->grp_count * sizeof *in->pos);
	item->args = in->args;
	item->count = in->arg_count;
	return INPUT_ITEM;
}

/* --header: the first item of a source names its column (or, with
 * --colsep, its columns); it is read now, waiting for it if need be
 * (before the run, as a source read whole is), and is no job. */
static void take_header(struct input *in, struct source *src)
{
	struct arg v = { "", 0 };
	bool have = false;
	if (src->stream) {
		struct stream *s = src->stream;
		enum input_status st;
		/* read as hold_whole reads, before the run: the read waits */
		while ((st = stream_peek(s, 0, &v)) == INPUT_AGAIN)
			if (stream_fill(s, false) != 0)
				break;
		have = st == INPUT_ITEM;
		s->header_taken = true;
	} else if (src->count > 0) {
		v = src->values[0];
		have = true;
	}
	size_t before = in->arg_count;
	if (have)
		add_value(in, v);
	for (size_t i = before; i < in->arg_count && in->take_names; i++) {
		in->names = xgrow(in->names, &in->name_cap, in->name_count + 1, sizeof *in->names);
		in->names[in->name_count++] = xstrndup(in->args[i].ptr, in->args[i].len);
	}
	in->arg_count = before;
	if (have && src->stream) {
		stream_consume(src->stream, 1);
	} else if (have) {
		memmove(src->values, src->values + 1, (src->count - 1) * sizeof *src->values);
		src->count--;
	}
}

const char *const *input_column_names(const struct input *in, size_t *count)
{
	*count = in->name_count;
	return (const char *const *)in->names;
}

void input_pack(struct input *in, const struct input_packing *packing)
{
	in->packing = *packing;
	in->packed = true;
	in->undo = xcalloc(in->grp_count ? in->grp_count : 1, sizeof *in->undo);
}

static bool is_blank(const struct input_item *item)
{
	for (size_t i = 0; i < item->count; i++)
		for (size_t k = 0; k < item->args[i].len; k++)
			if (!strchr(" \t\r", item->args[i].ptr[k]) || item->args[i].ptr[k] == '\0')
				return false;
	return true;
}

enum input_status input_next(struct input *in, struct input_item *item)
{
	if (in->retry_failed) {
		if (in->retried == in->history.failed_count)
			return INPUT_END;
		struct retry_row *r = &in->history.failed[in->retried++];
		in->retry_arg = (struct arg){ r->command, strlen(r->command) };
		*item = (struct input_item){ &in->retry_arg, 1, r->seq };
		return INPUT_ITEM;
	}
	for (;;) {
		enum input_status st = next_tuple(in, item);
		if (st != INPUT_ITEM)
			return st;
		if (in->skip_blank && is_blank(item))
			continue;
		item->seq = ++in->seq;
		/* Done in the earlier run: its number stays taken. */
		if (!(in->resume && joblog_history_skip(&in->history, item->seq, in->rerun_failed)))
			return INPUT_ITEM;
	}
}

int input_fd(const struct input *in)
{
	if (in->retry_failed || !in->streamed || in->ended || in->src[0].stream->eof)
		return -1;
	return in->src[0].stream->fd;
}

int input_fill(struct input *in)
{
	if (!in->streamed)
		return 0;
	return stream_fill(in->src[0].stream, false);
}

/* --shuf: the positions of tuple number t (the last group fastest). */
static void tuple_at(struct input *in, size_t t, size_t *p)
{
	for (size_t g = in->grp_count; g-- > 0;) {
		size_t len = in->grp[g].len ? in->grp[g].len : 1;
		p[g] = t % len;
		t /= len;
	}
}

int input_shuffle(struct input *in)
{
	long n = input_count_all(in);  /* holds it all */
	if (n < 0)
		return -1;
	size_t total = 1;
	for (size_t g = 0; g < in->grp_count; g++)
		total *= in->grp[g].len;
	if (in->ended)
		total = 0;
	in->order = xcalloc(total ? total : 1, sizeof *in->order);
	in->order_count = total;
	for (size_t i = 0; i < total; i++)
		in->order[i] = i;
	uint64_t x = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32) ^ (uint64_t)(uintptr_t)in;
	for (size_t i = total; i > 1; i--) {  /* Fisher-Yates, xorshift64 */
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		size_t k = (size_t)(x % i);
		size_t tmp = in->order[i - 1];
		in->order[i - 1] = in->order[k];
		in->order[k] = tmp;
	}
	return 0;
}

/* -r: how many of the `total` tuples have no blank value (all held). */
static size_t count_nonblank(struct input *in, size_t total)
{
	size_t *p = xcalloc(in->grp_count ? in->grp_count : 1, sizeof *p), n = 0;
	for (size_t t = 0; t < total; t++) {
		tuple_at(in, t, p);
		in->arg_count = 0;
		in->unquoted_len = 0;
		in->blank_value = false;
		if (fetch(in, p) == INPUT_ITEM && !in->blank_value)
			n++;
	}
	in->arg_count = 0;
	free(p);
	return n;
}

long input_count_all(struct input *in)
{
	if (in->retry_failed)
		return (long)in->history.failed_count;
	if (in->streamed) {
		if (hold_whole(&in->src[0]) != 0)
			return -1;
		in->streamed = false;
		measure_groups(in);
	}
	if (in->ended)
		return 0;
	double tuples = 1;
	for (size_t g = 0; g < in->grp_count; g++)
		tuples *= (double)in->grp[g].len;
	if (in->skip_empty)
		tuples = (double)count_nonblank(in, (size_t)tuples);
	return in->per_job == 0 ? (long)tuples : (long)((tuples + (double)in->per_job - 1) / (double)in->per_job);
}

/* Counts the items of a regular file without reading it for good. */
static long count_file_items(const struct stream *s)
{
	struct stat st;
	if (s->eof_item || s->header_taken || s->csv || fstat(s->fd, &st) != 0 || !S_ISREG(st.st_mode))
		return -1;  /* with -E, only reading tells */
	char buf[BLOCK];
	off_t at = lseek(s->fd, 0, SEEK_CUR);
	if (at < 0)
		return -1;
	off_t from = at, after_last = at;  /* where the last delimiter ended */
	long count = 0;
	ssize_t n;
	while ((n = pread(s->fd, buf, sizeof buf, at)) > 0) {
		const char *p = buf, *hit;
		while ((hit = find_delimiter(s, p, (size_t)(buf + n - p)))) {
			count++;
			p = hit + s->dlen;
			after_last = at + (p - buf);
		}
		/* Read again the bytes that may start a delimiter, as the
		 * stream would see them: from the last one's end at most. */
		off_t next = at + n - (off_t)(s->dlen - 1);
		if (next < after_last)
			next = after_last;
		at = next > at ? next : at + 1;
	}
	if (n < 0)
		return -1;
	return count + (st.st_size > from && after_last != st.st_size);
}

static long jobs_of_items(struct input *in)
{
	double tuples = 1;
	for (size_t g = 0; g < in->grp_count; g++) {
		double len = (double)in->grp[g].len;
		if (g == 0 && in->streamed) {
			long n = count_file_items(in->src[0].stream);
			if (n < 0)
				return -1;
			len = (double)n;
			/* paired sources in the first group stop at the shortest */
			for (size_t i = 1; i < in->grp[0].size; i++)
				if ((double)in->src[i].count < len)
					len = (double)in->src[i].count;
		}
		tuples *= len;
	}
	if (in->ended)
		return 0;
	return in->per_job == 0 ? (long)tuples : (long)((tuples + (double)in->per_job - 1) / (double)in->per_job);
}

long input_total(struct input *in)
{
	if (in->retry_failed)
		return (long)in->history.failed_count;
	if (in->skip_empty)
		return -1;  /* -r: only reading tells how many are blank */
	long total = jobs_of_items(in);
	if (total < 0 || !in->resume)
		return total;
	long skipped = 0;
	for (size_t i = 0; i < in->history.seen_count && in->history.seen[i].seq <= (unsigned long)total; i++)
		skipped += joblog_history_skip(&in->history, in->history.seen[i].seq, in->rerun_failed);
	return total - skipped;
}

void input_close(struct input *in)
{
	if (!in)
		return;
	for (size_t i = 0; i < in->src_count; i++) {
		stream_close(in->src[i].stream);
		free(in->src[i].values);
	}
	if (in->has_colsep)
		regfree(&in->colsep);
	free(in->src);
	free(in->grp);
	free(in->pos);
	free(in->trial);
	free(in->undo);
	free(in->unquoted);
	free(in->order);
	for (size_t i = 0; i < in->name_count; i++)
		free(in->names[i]);
	free(in->names);
	free(in->args);
	joblog_history_free(&in->history);
	free(in);
}
