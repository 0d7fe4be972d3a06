/* Fuzz target: shell quoting. For any value, the quoted form must be one
 * shell word that decodes back to the value exactly: decoded here the way
 * sh(1) reads the only forms the quoter writes (bare safe characters,
 * '...' runs, and "'" for a quote), and checked for the characters that
 * would let sh see anything but data. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/command.h"

static size_t decode(const char *q, size_t len, char *out)
{
	size_t n = 0;
	size_t i = 0;
	while (i < len) {
		char c = q[i];
		if (c == '\'') {
			const char *end = memchr(q + i + 1, '\'', len - i - 1);
			if (!end)
				abort();  /* unterminated: sh would read on */
			size_t k = (size_t)(end - (q + i + 1));
			memcpy(out + n, q + i + 1, k);
			n += k;
			i += k + 2;
		} else if (c == '"') {
			/* only ever "'" */
			if (i + 2 >= len || q[i + 1] != '\'' || q[i + 2] != '"')
				abort();
			out[n++] = '\'';
			i += 3;
		} else {
			/* a bare character must be one sh treats as plain */
			if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_+./-", c) || c == '\0')
				abort();
			out[n++] = c;
			i++;
		}
	}
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct command c = { 0 };
	c.text_len = 0;
	command_append_quoted(&c, (const char *)data, size);
	if (size == 0 && c.text_len != 2)
		abort();  /* an empty value must still be a word: '' */
	char *out = malloc(c.text_len + 1);
	size_t n = decode(c.text, c.text_len, out);
	if (n != size || memcmp(out, data, size) != 0)
		abort();
	free(out);
	command_free(&c);
	return 0;
}
