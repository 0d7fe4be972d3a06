/* blocks.h — the data of --pipe and --pipepart, cut into blocks of whole
 * records: each block is one job's standard input. A block is about
 * --block bytes, or exactly -N records; it ends where a record ends
 * (--recend) and the next begins (--recstart). The header (--header)
 * goes before every block. Standard input is read without blocking and
 * only as fast as blocks are asked for; a --pipepart file is never read
 * but for finding where its blocks end. */
#ifndef LANES_BLOCKS_H
#define LANES_BLOCKS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "status.h"

struct blocks_spec {
	long long size;          /* --block: bytes per block; < 0: -N blocks per slot */
	long slots;              /* for a negative size */
	const char *recstart;    /* "" : none */
	const char *recend;      /* "" : none */
	size_t recstart_len, recend_len;  /* they may hold NULs (but not with regexp) */
	bool regexp;             /* --regexp: both are extended regular expressions */
	long records;            /* -N: exactly this many records a block; 0: by size */
	long lines;              /* -L: a record is this many --recend-ended records; 1 normally */
	const char *header;      /* --header: a number of lines, or a regular expression; NULL */
	const char *part_file;   /* --pipepart: the file; NULL: standard input */
};

struct block {
	unsigned long seq;
	char *data;              /* the records (not the header); NULL for --pipepart */
	size_t len, cap;          /* cap: the size of its mapping */
	off_t offset;            /* --pipepart: the block's bytes in the file */
	long long range;
};

struct blocks;

/* Opens the data, reading standard input's header if any. Returns NULL
 * after a message (an unreadable file, a bad expression). */
struct blocks *blocks_open(const struct blocks_spec *spec);

/* The next block. INPUT_AGAIN: wait until blocks_fd() is readable, then
 * call blocks_fill() and ask again. */
enum input_status blocks_next(struct blocks *b, struct block **out);

/* The descriptor to wait on, or -1 when there is nothing to wait for. */
int blocks_fd(const struct blocks *b);

/* One read(); never blocks after poll said readable. Returns 0, or -1
 * after a message (the data then ends). */
int blocks_fill(struct blocks *b);

/* What goes before every block. */
const char *blocks_header(const struct blocks *b, size_t *len);

/* --pipepart: the file, open for reading (splice, pread). */
int blocks_part_fd(const struct blocks *b);

/* The number of blocks, when it is known without reading (--pipepart);
 * -1 otherwise. */
long blocks_total(struct blocks *b);

void block_free(struct block *k);
void blocks_close(struct blocks *b);

#endif
