/* Fuzz target: cutting input into items. The first byte picks the
 * delimiter (one byte or several), --colsep and -n; the rest is the input,
 * read through a file (or as --csv records). Without --colsep and with -n 1, the items joined
 * by the delimiter must give the input back, with each NUL byte made the
 * two characters \0 when NUL is not the delimiter. */
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
	static const struct { const char *text; size_t len; } delimiters[] = {
		{ "\n", 1 }, { "\0", 1 }, { "\r\n", 2 }, { "aba", 3 },
	};
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
	memcpy(opts.delimiter, delimiters[pick & 3].text, delimiters[pick & 3].len);
	opts.delimiter_len = delimiters[pick & 3].len;
	bool nul_delimiter = (pick & 3) == 1;
	/* What the items are cut from: NUL bytes made \0 unless NUL cuts them. */
	uint8_t *input = malloc(2 * size + 1);
	size_t input_len = 0;
	for (size_t i = 0; i < size; i++) {
		if (data[i] == 0 && !nul_delimiter) {
			input[input_len++] = '\\';
			input[input_len++] = '0';
		} else {
			input[input_len++] = data[i];
		}
	}
	opts.colsep = (pick & 4) ? "[,;]+" : NULL;
	opts.per_job = 1 + ((pick >> 3) & 3);
	opts.csv = (pick & 0x60) == 0x60 && (pick & 3) == 0;  /* --csv: records end with newlines */
	struct input *in = input_open(&opts);
	if (!in)
		abort();
	size_t dlen = opts.delimiter_len;
	char *joined = malloc(input_len + dlen);
	size_t len = 0;
	bool check = !opts.colsep && !opts.csv && opts.per_job == 1;
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
			if (item.count != 1 || len + item.args[0].len + dlen > input_len + dlen)
				abort();
			memcpy(joined + len, item.args[0].ptr, item.args[0].len);
			len += item.args[0].len;
			memcpy(joined + len, opts.delimiter, dlen);
			len += dlen;
		}
	}
	if (check) {
		/* The input may or may not end with a delimiter. */
		if (!(len == input_len || (input_len > 0 && len == input_len + dlen)) ||
		    (input_len && memcmp(joined, input, input_len) != 0))
			abort();
	}
	free(joined);
	free(input);
	input_close(in);
	close(fd);
	return 0;
}
