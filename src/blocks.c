/* blocks.c — owns the data of --pipe and --pipepart and where its blocks
 * end. Standard input is read into a buffer that becomes the block: the
 * bytes after the cut (a record begun) move to the next one, so that no
 * byte is copied twice. A --pipepart file is only probed, with pread(),
 * around each block's end. Feeding the blocks to jobs is runner.c's. */
#include "blocks.h"

#include <errno.h>
#include <fcntl.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc.h"
#include "msg.h"
#include "options.h"

#define READ_MIN (128 * 1024)     /* what a read asks for, at least */
#define PROBE (64 * 1024)         /* --pipepart: bytes read to find a block's end */
#define PIPE_SIZE (1024 * 1024)

struct blocks {
	struct blocks_spec spec;
	size_t end_len, start_len;
	regex_t re;                /* --regexp: (recend)(recstart) */
	bool has_re;
	int fd;                    /* standard input, or the --pipepart file */
	bool eof, failed;
	char *buf;                 /* the block being read */
	size_t have, cap;
	size_t limit;              /* --block in bytes */
	unsigned long seq;
	char *header;
	size_t header_len;
	bool header_done;
	bool ranged;               /* blocks are byte ranges of a file, spliced from it */
	bool cut_within;           /* --pipe's rule: the last record end within --block */
	const char *name;          /* the file, for messages */
	off_t part_size, part_pos;  /* the ranged file's size, and where the next block begins */
};

/* A block's memory is a mapping of its own. A freed block's mapping is
 * kept for the next block of the same size: reading into pages already
 * there costs no page faults and no zeroing, which on this kind of machine
 * cost more than the copy that write() makes (vmsplice, which lends the
 * pages to the pipe instead, needs fresh pages every time and was slower
 * overall). At most as many are kept as blocks can be in flight, so memory
 * stays what the run needed at its peak. */
static char **pool;
static size_t *pool_size;
static size_t pool_count, pool_cap, pool_cap_sizes, pool_max;

static char *map(size_t size)
{
	for (size_t i = 0; i < pool_count; i++) {
		if (pool_size[i] == size) {
			char *p = pool[i];
			pool[i] = pool[--pool_count];
			pool_size[i] = pool_size[pool_count];
			return p;
		}
	}
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		alloc_failed();
	return p;
}

static char *remap(char *old, size_t old_size, size_t size)
{
	if (!old)
		return map(size);
	void *p = mremap(old, old_size, size, MREMAP_MAYMOVE);
	if (p == MAP_FAILED)
		alloc_failed();
	return p;
}

/* The first place after `from` where a record ends and the next begins,
 * with no more than `have` bytes known; 0 when there is none, or when
 * the bytes after it must be seen first. */
static size_t next_boundary(const struct blocks *b, const char *buf, size_t have, size_t from, bool eof)
{
	if (b->has_re) {
		for (size_t at = from; at < have;) {
			regmatch_t m[3] = { { (regoff_t)at, (regoff_t)have } };
			if (regexec(&b->re, buf, 3, m, REG_STARTEND | (at ? REG_NOTBOL : 0)) != 0)
				return 0;
			if ((size_t)m[0].rm_eo == have && !eof)
				return 0;  /* more bytes might make it another match */
			size_t p = (size_t)m[1].rm_eo;  /* group 1 is the whole --recend, whatever groups it has */
			if (p > from && p < have + (eof ? 1 : 0))
				return p;
			at = (size_t)m[0].rm_so + 1;
		}
		return 0;
	}
	size_t end = b->end_len, start = b->start_len;
	if (!end && !start)
		return from < have ? from + 1 : 0;
	for (size_t q = from;;) {
		size_t p;
		if (end) {
			size_t at = q + 1 > end ? q + 1 - end : 0;
			if (at + end > have)
				return 0;
			const char *m = end == 1 ? memchr(buf + at, b->spec.recend[0], have - at)
						 : memmem(buf + at, have - at, b->spec.recend, end);
			if (!m)
				return 0;
			p = (size_t)(m - buf) + end;
		} else {
			if (q + 1 + start > have)
				return 0;
			const char *m = memmem(buf + q + 1, have - q - 1, b->spec.recstart, start);
			if (!m)
				return 0;
			p = (size_t)(m - buf);
		}
		if (end && start) {
			if (p + start > have)
				return eof && p == have ? p : 0;
			if (memcmp(buf + p, b->spec.recstart, start) != 0) {
				q = p;
				continue;
			}
		}
		return p;
	}
}

/* How far past a block's nominal end the data must be seen before every
 * record end up to it is known: a --recstart after it, or the rest of an
 * expression's match (a match longer than this is taken to end here). A
 * pipe and a file then cut alike, whenever the end of the data is seen. */
static size_t margin(const struct blocks *b)
{
	return b->has_re ? 4096 : b->end_len + b->start_len + 1;
}

/* After `count` boundaries from the start; 0 when not all are known. */
static size_t nth_cut(const struct blocks *b, const char *buf, size_t have, long count, bool eof)
{
	size_t p = 0;
	for (long i = 0; i < count; i++)
		if (!(p = next_boundary(b, buf, have, p, eof)))
			return 0;
	return p;
}

/* The last cut at or before `limit` (every -L-th boundary), else the
 * first one after it; 0 when none is known. */
static size_t size_cut(const struct blocks *b, const char *buf, size_t have, size_t limit, bool eof)
{
	if (!b->has_re && b->end_len == 1 && !b->start_len && b->spec.lines <= 1) {
		/* The usual case, newline-ended records: from the end backwards. */
		const char *m = memrchr(buf, b->spec.recend[0], limit < have ? limit : have);
		if (m)
			return (size_t)(m - buf) + 1;
		m = have > limit ? memchr(buf + limit, b->spec.recend[0], have - limit) : NULL;
		return m ? (size_t)(m - buf) + 1 : 0;
	}
	size_t last = 0, p = 0;
	long every = b->spec.lines > 1 ? b->spec.lines : 1;
	for (long n = 1;; n++) {
		size_t q = next_boundary(b, buf, have, p, eof);
		if (!q)
			return last;
		p = q;
		if (n % every)
			continue;
		if (q > limit)
			return last ? last : q;
		last = q;
	}
}

static int compile(struct blocks *b)
{
	if (!b->spec.regexp)
		return 0;
	size_t n = strlen(b->spec.recend) + strlen(b->spec.recstart) + 8;
	char *text = xmalloc(n);
	snprintf(text, n, "(%s)(%s)", b->spec.recend, b->spec.recstart);
	/* REG_NEWLINE: "." stops at a newline, as in Perl's expressions. */
	int e = options_compile_regex(text, &b->re, REG_EXTENDED | REG_NEWLINE);
	free(text);
	if (e) {
		char why[128];
		regerror(e, &b->re, why, sizeof why);
		msg_print("--regexp: --recend '%s' with --recstart '%s': %s", b->spec.recend, b->spec.recstart, why);
		return -1;
	}
	b->has_re = true;
	return 0;
}

/* The header's length at the start of buf: a number of lines, or where
 * an expression that matches at the very start ends. 0: none yet. */
static size_t header_length(const struct blocks *b, const char *buf, size_t have, bool eof)
{
	const char *h = b->spec.header;
	char *endp;
	long lines = strtol(h, &endp, 10);
	if (*h && !*endp) {
		size_t p = 0;
		for (long i = 0; i < lines; i++) {
			const char *nl = memchr(buf + p, '\n', have - p);
			if (!nl)
				return eof ? have : 0;
			p = (size_t)(nl - buf) + 1;
		}
		return p;
	}
	regex_t re;
	if (options_compile_regex(strcmp(h, ":") == 0 ? ".*\n" : h, &re, REG_EXTENDED | REG_NEWLINE) != 0)
		return 0;
	regmatch_t m[1] = { { 0, (regoff_t)have } };
	size_t len = 0;
	if (regexec(&re, buf, 1, m, REG_STARTEND) == 0 && m[0].rm_so == 0)
		len = (size_t)m[0].rm_eo;
	regfree(&re);
	return len;
}

static int check_header(const struct blocks_spec *spec)
{
	if (!spec->header)
		return 0;
	char *endp;
	strtol(spec->header, &endp, 10);
	if (spec->header[0] && !*endp)
		return spec->header[0] == '-' ? -1 : 0;
	regex_t re;
	int e = options_compile_regex(strcmp(spec->header, ":") == 0 ? ".*\n" : spec->header, &re,
				      REG_EXTENDED | REG_NEWLINE);
	if (e)
		return -1;
	regfree(&re);
	return 0;
}

/* A negative --block: the data's size shared out, -N blocks per slot. */
static long long block_bytes(const struct blocks *b, off_t total)
{
	long long size = b->spec.size;
	if (size >= 0)
		return size > 0 ? size : 1;
	long long parts = -size * (b->spec.slots > 0 ? b->spec.slots : 1);
	long long each = (total + parts - 1) / parts;
	return each > 0 ? each : 1;
}

/* The data as byte ranges of a regular file, from `start` on: its header
 * read with pread(), nothing else read at all. */
static void open_ranges(struct blocks *b, off_t size, off_t start)
{
	b->ranged = true;
	b->part_size = size;
	b->part_pos = start;
	b->limit = (size_t)block_bytes(b, size - start);
	if (b->spec.header) {
		size_t n = PROBE;
		for (;;) {
			char *probe = xmalloc(n + 1);
			ssize_t got = pread(b->fd, probe, n, start);
			if (got >= 0)
				probe[got] = '\0';
			size_t len = got > 0 ? header_length(b, probe, (size_t)got, got < (ssize_t)n) : 0;
			/* As from a pipe: a header is looked for in the first block's worth. */
			if (len || got < (ssize_t)n || n > b->limit + READ_MIN) {
				b->header = probe;
				b->header_len = len;
				break;
			}
			free(probe);
			n *= 2;
		}
		b->part_pos = start + (off_t)b->header_len;
	}
	b->header_done = true;
}

static int open_part(struct blocks *b)
{
	b->name = b->spec.part_file;
	b->fd = open(b->spec.part_file, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (b->fd < 0 || fstat(b->fd, &st) != 0) {
		msg_print("--pipepart: %s: %s", b->spec.part_file, strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		msg_print("--pipepart: %s: not a regular file (use --pipe for a pipe or a device)", b->spec.part_file);
		return -1;
	}
	open_ranges(b, st.st_size, 0);
	return 0;
}

struct blocks *blocks_open(const struct blocks_spec *spec)
{
	struct blocks *b = xcalloc(1, sizeof *b);
	b->spec = *spec;
	pool_max = (size_t)(spec->slots > 0 ? spec->slots : 1) + 2;  /* the blocks in flight at most */
	b->end_len = spec->recend_len;
	b->start_len = spec->recstart_len;
	b->fd = -1;
	if (check_header(spec) != 0) {
		msg_print("--header: '%s' is neither a number of lines nor a regular expression", spec->header);
		blocks_close(b);
		return NULL;
	}
	if (compile(b) != 0 || (spec->part_file && open_part(b) != 0)) {
		blocks_close(b);
		return NULL;
	}
	if (!spec->part_file) {
		b->fd = 0;
		b->name = "standard input";
		struct stat st;
		off_t at;
		bool file = fstat(0, &st) == 0 && S_ISREG(st.st_mode);
		if (file && !spec->records && spec->lines <= 1 && (at = lseek(0, 0, SEEK_CUR)) >= 0) {
			/* A file on standard input: cut as --pipe cuts, but
			 * spliced as --pipepart is, with no byte read. */
			b->cut_within = true;
			open_ranges(b, st.st_size, at);
			return b;
		}
		if (spec->size < 0 && !file) {
			msg_print("--block %lld: a share of the input needs its size: use --pipepart, or a file as standard input",
				  spec->size);
			blocks_close(b);
			return NULL;
		}
		b->limit = (size_t)block_bytes(b, spec->size < 0 ? st.st_size : 0);
		fcntl(0, F_SETPIPE_SZ, PIPE_SIZE);  /* fewer, larger reads; fails harmlessly on a file */
		b->header_done = !spec->header;
	}
	return b;
}

int blocks_fd(const struct blocks *b)
{
	return b->ranged || b->eof ? -1 : b->fd;
}

int blocks_fill(struct blocks *b)
{
	if (b->ranged || b->eof)
		return 0;
	size_t want = b->limit + READ_MIN;
	if (b->cap - b->have < READ_MIN) {
		size_t cap = b->cap * 2 > want ? b->cap * 2 : want;  /* a record longer than the block */
		b->buf = remap(b->buf, b->cap, cap);
		b->cap = cap;
	}
	ssize_t n;
	do
		n = read(b->fd, b->buf + b->have, b->cap - b->have - 1);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		if (errno == EAGAIN)
			return 0;
		msg_print("standard input: %s", strerror(errno));
		b->eof = b->failed = true;
		return -1;
	}
	if (n == 0)
		b->eof = true;
	b->have += (size_t)n;
	b->buf[b->have] = '\0';  /* regexec() stops at a NUL whatever REG_STARTEND says, in some builds */
	return 0;
}

const char *blocks_header(const struct blocks *b, size_t *len)
{
	*len = b->header_len;
	return b->header;
}

int blocks_part_fd(const struct blocks *b)
{
	return b->ranged ? b->fd : -1;
}

long blocks_total(struct blocks *b)
{
	if (!b->ranged)
		return -1;
	off_t data = b->part_size - (off_t)b->header_len;
	return data <= 0 ? 0 : (long)((data + (off_t)b->limit - 1) / (off_t)b->limit);
}

/* The block is buf[0, cut); what follows goes to a buffer of its own. */
static struct block *cut_block(struct blocks *b, size_t cut)
{
	struct block *k = xcalloc(1, sizeof *k);
	k->seq = ++b->seq;
	k->data = b->buf;
	k->len = cut;
	k->cap = b->cap;
	size_t rest = b->have - cut;
	size_t cap = b->limit + READ_MIN > rest + READ_MIN ? b->limit + READ_MIN : rest + READ_MIN;
	b->buf = map(cap);
	b->cap = cap;
	memcpy(b->buf, k->data + cut, rest);
	b->have = rest;
	b->buf[rest] = '\0';
	return k;
}

/* --pipe on a file: the last record end in (from, *end], found by
 * reading backwards from *end a little at a time. False when the block
 * has none (a record longer than the block). */
static bool last_within(struct blocks *b, off_t from, off_t *end)
{
	size_t extra = margin(b);
	for (size_t n = PROBE;; n *= 2) {
		off_t at = *end - (off_t)n > from ? *end - (off_t)n : from;
		size_t want = (size_t)(*end - at) + extra;
		char *probe = xmalloc(want + 1);
		ssize_t got = pread(b->fd, probe, want, at);
		if (got < 0) {
			free(probe);
			return false;  /* the forward search reports it */
		}
		probe[got] = '\0';
		bool eof = at + got >= b->part_size;
		size_t limit = (size_t)(*end - at), last = 0;
		for (size_t p = 0; (p = next_boundary(b, probe, (size_t)got, p, eof)) && p <= limit;)
			last = p;
		free(probe);
		if (last && at + (off_t)last > from) {
			*end = at + (off_t)last;
			return true;
		}
		if (at == from)
			return false;
	}
}

/* --pipepart: the block from part_pos to the first boundary at or after
 * part_pos + limit, found by reading a little there. */
static enum input_status next_part(struct blocks *b, struct block **out)
{
	if (b->part_pos >= b->part_size)
		return INPUT_END;
	off_t from = b->part_pos, end = from + (off_t)b->limit;
	if (end >= b->part_size) {
		end = b->part_size;
	} else if (!b->has_re && !b->end_len && !b->start_len) {
		/* No records: every byte is a place to cut. */
	} else if (b->cut_within && last_within(b, from, &end)) {
		/* --pipe's cut, found near the end. */
	} else {
		/* Look from a little before the nominal end, so that a --recend
		 * that straddles it is seen whole. */
		off_t back = (off_t)(b->end_len + b->start_len);
		off_t at = end - back > from ? end - back : from;
		size_t n = PROBE;
		for (;;) {
			char *probe = xmalloc(n + 1);
			ssize_t got = pread(b->fd, probe, n, at);
			if (got < 0) {
				msg_print("%s: %s", b->name, strerror(errno));
				free(probe);
				return INPUT_ERROR;
			}
			probe[got] = '\0';
			bool eof = at + got >= b->part_size;
			/* The first record end that begins at or after the nominal
			 * end, as GNU parallel cuts. */
			size_t skip = (size_t)(end - at), p = 0;
			size_t least = skip + (b->cut_within ? 1 : b->has_re ? 1 : b->end_len);
			for (size_t q = skip ? skip - 1 : 0;;) {
				p = next_boundary(b, probe, (size_t)got, q, eof);
				if (!p || p >= least)
					break;
				q = p;
			}
			free(probe);
			if (p || eof) {
				end = p ? at + (off_t)p : b->part_size;
				break;
			}
			n *= 2;  /* a record longer than the probe */
		}
	}
	struct block *k = xcalloc(1, sizeof *k);
	k->seq = ++b->seq;
	k->offset = from;
	k->range = (long long)(end - from);
	b->part_pos = end;
	*out = k;
	return INPUT_ITEM;
}

enum input_status blocks_next(struct blocks *b, struct block **out)
{
	if (b->ranged)
		return next_part(b, out);
	if (!b->header_done) {
		size_t len = b->have ? header_length(b, b->buf, b->have, b->eof) : 0;
		if (!len && !b->eof && b->have < b->limit + READ_MIN)
			return INPUT_AGAIN;
		b->header = xmalloc(len + 1);
		memcpy(b->header, b->buf, len);  /* then the records move up, in place */
		b->header_len = len;
		memmove(b->buf, b->buf + len, b->have - len);
		b->have -= len;
		if (b->buf)
			b->buf[b->have] = '\0';
		b->header_done = true;
	}
	if (b->failed)
		return INPUT_ERROR;
	if (b->have == 0)
		return b->eof ? INPUT_END : INPUT_AGAIN;
	size_t cut = 0;
	long every = b->spec.lines > 1 ? b->spec.lines : 1;
	if (b->spec.records)
		cut = nth_cut(b, b->buf, b->have, b->spec.records * every, b->eof);
	else if (b->eof && b->have <= b->limit)
		cut = b->have;
	else if (b->have >= b->limit + margin(b) || b->eof)  /* where the block ends is known */
		cut = size_cut(b, b->buf, b->have, b->limit, b->eof);
	if (!cut && b->eof)
		cut = b->have;
	if (!cut)
		return INPUT_AGAIN;
	*out = cut_block(b, cut);
	return INPUT_ITEM;
}

void block_free(struct block *k)
{
	if (!k)
		return;
	if (k->data && pool_count < pool_max) {
		pool = xgrow(pool, &pool_cap, pool_count + 1, sizeof *pool);
		pool_size = xgrow(pool_size, &pool_cap_sizes, pool_count + 1, sizeof *pool_size);
		pool[pool_count] = k->data;
		pool_size[pool_count++] = k->cap;
	} else if (k->data) {
		munmap(k->data, k->cap);
	}
	free(k);
}

void blocks_close(struct blocks *b)
{
	if (!b)
		return;
	if (b->spec.part_file && b->fd >= 0)
		close(b->fd);
	else if (b->ranged)
		lseek(0, b->part_pos, SEEK_SET);  /* as a reader of standard input leaves it */
	if (b->has_re)
		regfree(&b->re);
	if (b->buf)
		munmap(b->buf, b->cap);
	while (pool_count > 0) {
		pool_count--;
		munmap(pool[pool_count], pool_size[pool_count]);
	}
	free(pool);
	free(pool_size);
	pool = NULL;
	pool_size = NULL;
	pool_cap = pool_cap_sizes = 0;
	free(b->header);
	free(b);
}
