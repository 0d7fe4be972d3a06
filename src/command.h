/* command.h — turns an input item into what a job executes: a command
 * line, run by the shell or, when it needs none, split into argv. */
#ifndef LANES_COMMAND_H
#define LANES_COMMAND_H

#include <stdbool.h>
#include <stddef.h>

struct command {
	char *text;          /* the command line, NUL-terminated */
	size_t text_cap;
	char **argv;         /* what to execute: the words, or {shell, "-c", text} */
	size_t argv_cap;
	char *words;         /* storage the words of argv point into */
	size_t words_cap;
	bool shell;          /* argv runs the shell */
};

/* Makes `c` run the command line line[0..len). Returns 0, or -1 when
 * the line is blank (nothing to run). Buffers are reused across calls. */
int command_set_line(struct command *c, const char *line, size_t len, const char *shell);

/* Makes `c` run its text through `shell` (for a program the kernel cannot
 * execute directly: a script without a #! line). */
void command_use_shell(struct command *c, const char *shell);

/* True when `text` must go through a shell to keep its meaning. */
bool command_needs_shell(const char *text);

void command_free(struct command *c);

#endif
