/* Fuzz target: cutting data into --pipe blocks. The first two bytes pick
 * the record rules (--recend, --recstart, --regexp, --block, -N, -L,
 * --header); the rest is the data. The header and the blocks, joined,
 * must give the data back, no block may be empty, and where standard
 * input may be a file as well as a pipe (no -N, no -L), both must cut it
 * into the same blocks. */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../../src/blocks.h"

#define MAX_DATA 60000  /* fits a pipe's buffer: written before it is read */

struct cut {
	size_t *ends;
	size_t count;
};

/* Cuts data (on fd 0, a pipe or a file) and checks what the blocks hold. */
static struct cut cut_all(const struct blocks_spec *spec, const uint8_t *data, size_t size, bool as_file)
{
	int fd;
	if (as_file) {
		fd = memfd_create("fuzz", 0);
		if (fd < 0 || write(fd, data, size) != (ssize_t)size || lseek(fd, 0, SEEK_SET) != 0)
			abort();
	} else {
		int p[2];
		if (pipe(p) != 0 || (size && write(p[1], data, size) != (ssize_t)size))
			abort();
		close(p[1]);
		fd = p[0];
	}
	if (dup2(fd, 0) < 0)
		abort();
	close(fd);
	struct blocks *b = blocks_open(spec);
	if (!b)
		abort();
	struct cut c = { malloc((size + 2) * sizeof(size_t)), 0 };
	size_t at = 0;
	bool header_checked = false;
	char *copy = malloc(size + 1);
	for (;;) {
		struct block *k;
		enum input_status st = blocks_next(b, &k);
		if (st == INPUT_AGAIN) {
			if (blocks_fill(b) != 0)
				abort();
			continue;
		}
		if (!header_checked) {
			size_t hlen;
			const char *h = blocks_header(b, &hlen);
			if (hlen > size || (hlen && memcmp(h, data, hlen) != 0))
				abort();
			at = hlen;
			header_checked = true;
		}
		if (st == INPUT_END)
			break;
		if (st != INPUT_ITEM)
			abort();
		size_t len = k->data ? k->len : (size_t)k->range;
		if (len == 0 || at + len > size)
			abort();
		const char *bytes = (const char *)k->data;
		if (!bytes) {
			if (pread(blocks_part_fd(b), copy, len, k->offset) != (ssize_t)len)
				abort();
			bytes = copy;
		}
		if (memcmp(bytes, data + at, len) != 0)
			abort();
		at += len;
		c.ends[c.count++] = at;
		block_free(k);
	}
	if (at != size && !(at == 0 && size == 0))
		abort();
	free(copy);
	blocks_close(b);
	return c;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2 || size - 2 > MAX_DATA)
		return 0;
	static const char *const ends[] = { "\n", "", "ab", "\n\n" };
	static const char *const starts[] = { "", "a", ">", "" };
	static const char *const headers[] = { NULL, "1", ":", "2" };
	uint8_t p = data[0], q = data[1];
	data += 2;
	size -= 2;
	struct blocks_spec spec = {
		.size = 1 + (q & 63),
		.slots = 2,
		.recend = ends[p & 3],
		.recstart = starts[(p >> 2) & 3],
		.regexp = (q >> 7) & 1,
		.records = (p >> 4) & 1 ? 1 + ((q >> 6) & 1) : 0,
		.lines = (p >> 5) & 1 ? 2 : 1,
		.header = headers[(p >> 6) & 3],
	};
	spec.recend_len = strlen(spec.recend);
	spec.recstart_len = strlen(spec.recstart);
	struct cut piped = cut_all(&spec, data, size, false);
	if (!spec.records && spec.lines <= 1) {
		struct cut filed = cut_all(&spec, data, size, true);
		if (filed.count != piped.count || memcmp(filed.ends, piped.ends, piped.count * sizeof(size_t)) != 0)
			abort();
		free(filed.ends);
	}
	free(piped.ends);
	return 0;
}
