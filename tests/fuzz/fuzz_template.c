/* Fuzz target: templates and their expansion. A template parsed from the
 * input's first line, with the rest as arguments (--plus on), must expand
 * without a crash; and `echo {}` must expand to words that decode, as sh would read
 * them, to exactly the arguments: input stays data. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/command.h"

/* Splits a command line made of bare words, '...' runs and "'" into words,
 * as sh reads those forms; aborts on anything else outside quotes. */
static size_t split(const char *q, size_t len, char **words, size_t max)
{
	size_t count = 0;
	size_t i = 0;
	while (i < len) {
		while (i < len && q[i] == ' ')
			i++;
		if (i == len)
			break;
		char *w = malloc(len + 1);
		size_t n = 0;
		while (i < len && q[i] != ' ') {
			if (q[i] == '\'') {
				const char *end = memchr(q + i + 1, '\'', len - i - 1);
				if (!end)
					abort();
				size_t k = (size_t)(end - (q + i + 1));
				memcpy(w + n, q + i + 1, k);
				n += k;
				i += k + 2;
			} else if (q[i] == '"') {
				if (i + 2 >= len || q[i + 1] != '\'' || q[i + 2] != '"')
					abort();
				w[n++] = '\'';
				i += 3;
			} else {
				if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_+./-", q[i]))
					abort();
				w[n++] = q[i++];
			}
		}
		w[n] = '\0';
		if (count == max)
			abort();
		words[count++] = w;
	}
	return count;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size;
	const char *nl = memchr(p, '\n', size);
	char *first = strndup(p, nl ? (size_t)(nl - p) : size);
	struct arg args[16];
	size_t count = 0;
	if (nl) {
		const char *a = nl + 1;
		while (count < 16) {
			const char *z = memchr(a, '\0', (size_t)(end - a));
			args[count++] = (struct arg){ a, z ? (size_t)(z - a) : (size_t)(end - a) };
			if (!z)
				break;
			a = z + 1;
		}
	}
	struct input_item item = { args, count };
	struct command c = { 0 };

	/* --plus' strings too, so its patterns are compiled and applied
	 * (a template with one that does not compile is NULL). */
	template_set_plus(12, 4);
	char *words[] = { first };
	struct template *t = template_new(words, 1, NULL, false, true);
	if (t)
		command_expand(&c, t, &item, 7, 3, "/bin/sh");
	template_free(t);
	t = template_new(words, 1, "{}", true, true);
	if (t)
		command_expand(&c, t, &item, 7, 3, "/bin/sh");
	template_free(t);
	t = template_new_text(first, NULL);
	if (t)
		command_tag(&c, t, &item, 7, 3);
	template_free(t);

	/* The invariant, for values without NUL (exec cannot carry one). */
	bool has_nul = false;
	for (size_t i = 0; i < count; i++)
		has_nul |= memchr(args[i].ptr, '\0', args[i].len) != NULL;
	if (!has_nul) {
		char *echo[] = { "echo", "{}" };
		t = template_new(echo, 2, NULL, false, true);
		command_expand(&c, t, &item, 1, 1, "/bin/sh");
		char *got[40];
		size_t n = split(c.text, c.text_len, got, 40);
		if (n != count + 1 || strcmp(got[0], "echo") != 0)
			abort();
		for (size_t i = 0; i < count; i++)
			if (strlen(got[i + 1]) != args[i].len || memcmp(got[i + 1], args[i].ptr, args[i].len) != 0)
				abort();
		for (size_t i = 0; i < n; i++)
			free(got[i]);
		template_free(t);
	}
	command_free(&c);
	free(first);
	return 0;
}
