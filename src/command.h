/* command.h — turns an input item into what a job executes: the command
 * template with its replacement strings filled in (every value
 * shell-quoted), run by the shell or, when it needs none, split into argv. */
#ifndef LANES_COMMAND_H
#define LANES_COMMAND_H

#include <stdbool.h>
#include <stddef.h>

#include "input.h"

struct command {
	char *text;          /* the command line, NUL-terminated */
	size_t text_len, text_cap;
	char **argv;         /* what to execute: the words, or {shell, "-c", text} */
	size_t argv_cap;
	char *words;         /* storage the words of argv point into */
	size_t words_cap;
	bool shell;          /* argv runs the shell */
};

struct template;

/* Parses the command words (NULL: no command, each item is a command
 * line). `replace` is -I's string or NULL; `quote_words` is -q. With
 * `append`, a command without a replacement string gets {} at its end
 * (not so for --pipe, whose jobs have no arguments). NULL, with the
 * message printed, when a --plus pattern does not compile. */
struct template *template_new(char **words, int count, const char *replace, bool quote_words, bool append);
/* Parses text that is not a command (--tagstring): no {} is appended. */
struct template *template_new_text(const char *text, const char *replace);

/* --header: {name} (and {name.}, {name/} ...) stands for the column of
 * that name, from 1 in the order given. Before template_new; the names
 * stay the caller's. */
void template_set_columns(const char *const *names, size_t count);

/* --plus: its replacement strings are taken too, {##} being `total`
 * jobs and {0%} as wide as `slots`. Before template_new. */
void template_set_plus(long total, long slots);

/* True when the template has {##} or {0#}, which need the number of jobs. */
bool template_uses_total(const struct template *t);

/* -X: each word that holds {} is repeated for each of the job's
 * arguments, with that one (context replace); without it, {} holds them
 * all, each quoted, joined by spaces (-m, -n). */
void template_repeat_words(struct template *t);

/* -m, -X: how long the command line is with these arguments (one input
 * tuple), and how much longer each further tuple like it makes it. */
size_t command_length(const struct template *t, const struct arg *args, size_t count);
size_t command_growth(const struct template *t, const struct arg *args, size_t count);
void template_free(struct template *t);

/* Fills `c` for one job. Returns 0, or -1 when there is nothing to run
 * (a blank line where the item is the command). */
int command_expand(struct command *c, const struct template *t, const struct input_item *item,
		   unsigned long seq, int slot, const char *shell);

/* Fills `out` with the item's arguments joined by spaces, unquoted (for
 * --tag), or with `tagstring`'s replacement strings filled in unquoted. */
void command_tag(struct command *out, const struct template *tagstring, const struct input_item *item,
		 unsigned long seq, int slot);

/* Makes `c` run its text through `shell` (for a program the kernel cannot
 * execute directly: a script without a #! line). */
void command_use_shell(struct command *c, const char *shell);

/* True when `text` must go through a shell to keep its meaning. */
bool command_needs_shell(const char *text);

/* Appends `value` to `c->text` quoted for the shell: as it is when it is
 * made only of characters no shell treats specially, else in single
 * quotes (a ' inside written '"'"'). Public for tests and fuzzing. */
void command_append_quoted(struct command *c, const char *value, size_t len);

void command_free(struct command *c);

#endif
