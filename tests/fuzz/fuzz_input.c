/* Fuzz target: cutting input into items. The first byte picks the
 * delimiter, --colsep and -n; the rest is the input, read through a file.
 * Without --colsep and with -n 1, the items joined by the delimiter must
 * give the input back. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../../src/input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	static const char delimiters[] = { '\n', '\0', ',', '\t' };
	uint8_t pick = data[0];
	data++;
	size--;
	int fd = memfd_create("fuzz", 0);
	if (fd < 0 || write(fd, data, size) != (ssize_t)size)
		abort();
	char path[64];
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);

	struct options opts;
	memset(&opts, 0, sizeof opts);
	struct source_spec src = { .kind = SOURCE_FILE, .path = path };
	char *command[] = { "echo", NULL };  /* with none, blank items would be skipped */
	opts.command = command;
	opts.command_count = 1;
	opts.sources = &src;
	opts.source_count = 1;
	opts.delimiter = delimiters[pick & 3];
	opts.colsep = (pick & 4) ? "[,;]+" : NULL;
	opts.per_job = 1 + ((pick >> 3) & 3);
	struct input *in = input_open(&opts);
	if (!in)
		abort();
	char *joined = malloc(size + 1);
	size_t len = 0;
	bool check = !opts.colsep && opts.per_job == 1;
	struct input_item item;
	enum input_status st;
	while ((st = input_next(in, &item)) != INPUT_END) {
		if (st == INPUT_AGAIN) {
			if (input_fill(in) != 0)
				abort();
			continue;
		}
		if (st != INPUT_ITEM || item.count == 0)
			abort();
		if (check) {
			if (item.count != 1 || len + item.args[0].len + 1 > size + 1)
				abort();
			memcpy(joined + len, item.args[0].ptr, item.args[0].len);
			len += item.args[0].len;
			joined[len++] = opts.delimiter;
		}
	}
	if (check) {
		/* The input may or may not end with a delimiter. */
		bool ends = size > 0 && data[size - 1] == (uint8_t)opts.delimiter;
		size_t expect = size + (size > 0 && !ends);
		if (len != expect || (size && memcmp(joined, data, size) != 0))
			abort();
	}
	free(joined);
	input_close(in);
	close(fd);
	return 0;
}
