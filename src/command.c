/* command.c — decides how a command line runs. A line that uses nothing of
 * the shell's language (no metacharacter outside single quotes, no
 * assignment, no builtin or keyword first) is split into words and executed
 * directly, which saves a shell per job; anything else goes to the shell.
 * Either way the line means the same. Knows nothing of processes. */
#include "command.h"

#include <stdlib.h>
#include <string.h>

/* GNU make's list of characters that make a line need a shell, plus
 * backslash and newline. */
static const char shell_chars[] = "#;\"*?[]&|<>(){}$`^~!\\\n";

/* First words whose meaning would change without a shell: builtins and
 * keywords of sh and bash. true and false mean the same either way. */
static const char *const shell_words[] = {
	"!", ".", ":", "[", "[[", "]]", "{", "}", "alias", "bg", "bind", "break", "builtin",
	"caller", "case", "cd", "command", "compgen", "complete", "continue", "declare",
	"dirs", "disown", "do", "done", "echo", "elif", "else", "enable", "esac", "eval",
	"exec", "exit", "export", "fc", "fg", "fi", "for", "function", "getopts", "hash",
	"help", "history", "if", "in", "jobs", "kill", "let", "local", "logout", "mapfile",
	"popd", "printf", "pushd", "pwd", "read", "readarray", "readonly", "return",
	"select", "set", "shift", "shopt", "source", "suspend", "test", "then", "time",
	"times", "trap", "type", "typeset", "ulimit", "umask", "unalias", "unset", "until",
	"wait", "while",
};

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static bool is_shell_word(const char *word, size_t len)
{
	for (size_t i = 0; i < sizeof shell_words / sizeof shell_words[0]; i++)
		if (strlen(shell_words[i]) == len && memcmp(shell_words[i], word, len) == 0)
			return true;
	return false;
}

bool command_needs_shell(const char *text)
{
	bool quoted = false;
	for (const char *p = text; *p; p++) {
		if (*p == '\'')
			quoted = !quoted;
		else if (!quoted && strchr(shell_chars, *p))
			return true;
	}
	if (quoted)
		return true;  /* unbalanced quote: let the shell report it */
	const char *first = text + strspn(text, " \t");
	size_t len = strcspn(first, " \t");
	if (memchr(first, '=', len) || memchr(first, '\'', len) || is_shell_word(first, len))
		return true;
	return false;
}

static void *grow(void *buf, size_t *cap, size_t need, size_t size)
{
	if (need <= *cap)
		return buf;
	size_t cap2 = *cap ? *cap : 64;
	while (cap2 < need)
		cap2 *= 2;
	void *grown = realloc(buf, cap2 * size);
	if (!grown)
		abort();
	*cap = cap2;
	return grown;
}

void command_use_shell(struct command *c, const char *shell)
{
	c->argv = grow(c->argv, &c->argv_cap, 4, sizeof *c->argv);
	c->argv[0] = (char *)shell;
	c->argv[1] = "-c";
	c->argv[2] = c->text;
	c->argv[3] = NULL;
	c->shell = true;
}

/* Splits text into words at blanks; single quotes group and are removed. */
static void split_words(struct command *c)
{
	size_t len = strlen(c->text);
	c->words = grow(c->words, &c->words_cap, len + 1, 1);
	c->argv = grow(c->argv, &c->argv_cap, len / 2 + 2, sizeof *c->argv);
	char *out = c->words;
	size_t n = 0;
	const char *p = c->text;
	for (;;) {
		while (is_blank(*p))
			p++;
		if (!*p)
			break;
		c->argv[n++] = out;
		bool quoted = false;
		for (; *p && (quoted || !is_blank(*p)); p++) {
			if (*p == '\'')
				quoted = !quoted;
			else
				*out++ = *p;
		}
		*out++ = '\0';
	}
	c->argv[n] = NULL;
	c->shell = false;
}

int command_set_line(struct command *c, const char *line, size_t len, const char *shell)
{
	size_t start = 0;
	while (start < len && (is_blank(line[start]) || line[start] == '\r'))
		start++;
	if (start == len)
		return -1;
	c->text = grow(c->text, &c->text_cap, len + 1, 1);
	memcpy(c->text, line, len);
	c->text[len] = '\0';
	if (command_needs_shell(c->text) || memchr(line, '\0', len))
		command_use_shell(c, shell);
	else
		split_words(c);
	return 0;
}

void command_free(struct command *c)
{
	free(c->text);
	free(c->argv);
	free(c->words);
	memset(c, 0, sizeof *c);
}
