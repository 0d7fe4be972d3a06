/* defaults.c — owns the default options: it reads the config file or the
 * -J profiles and $LANES_OPTIONS, splits them into words as a shell
 * would (blanks between words; '...', "..." and \ quote; in files, a
 * word that begins with # comments out the rest of its line), and puts
 * them before
 * the command line's own. GNU parallel's $PARALLEL and ~/.parallel are
 * not read: they may name options lanes lacks. */
#include "defaults.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alloc.h"
#include "options.h"

#define FILE_MAX (64 * 1024)  /* a config file larger than this is an error */

static char **words;              /* the new argv */
static size_t count, cap;
static char **texts;              /* what the words point into */
static size_t text_count, text_cap;

static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void fail(const char *fmt, ...)
{
	va_list ap;
	fputs("lanes: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(EXIT_LANES_ERROR);
}

static void add_word(char *w)
{
	words = xgrow(words, &cap, count + 2, sizeof *words);
	words[count++] = w;
	words[count] = NULL;
}

/* Splits `text` (kept: the words are made in place) into words; `where`
 * names it in a message. Comments only in files (`comments`). */
static void split(char *text, const char *where, bool comments)
{
	texts = xgrow(texts, &text_cap, text_count + 1, sizeof *texts);
	texts[text_count++] = text;
	char *p = text;
	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
			p++;
		if (!*p)
			return;
		if (comments && *p == '#') {
			p += strcspn(p, "\n");
			continue;
		}
		char *out = p, *start = p;
		char quote = 0;
		while (*p && (quote || !strchr(" \t\n\r", *p))) {
			if (quote && *p == quote) {
				quote = 0;
				p++;
			} else if (!quote && (*p == '\'' || *p == '"')) {
				quote = *p++;
			} else if (*p == '\\' && quote != '\'' && p[1]) {
				*out++ = p[1];
				p += 2;
			} else {
				*out++ = *p++;
			}
		}
		if (quote)
			fail("%s: a %c quote is not closed", where, quote);
		bool end = !*p;
		*out = '\0';
		add_word(start);
		if (end)
			return;
		p++;
	}
}

/* The whole of a file, NUL-terminated; NULL with errno set. */
static char *read_file(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	char *buf = xmalloc(FILE_MAX + 1);
	size_t len = 0;
	ssize_t n;
	while (len < FILE_MAX && (n = read(fd, buf + len, FILE_MAX - len)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;
			free(buf);
			close(fd);
			errno = e;
			return NULL;
		}
		len += (size_t)n;
	}
	char extra;
	bool more = len == FILE_MAX && read(fd, &extra, 1) == 1;
	close(fd);
	if (more) {
		free(buf);
		errno = EFBIG;
		return NULL;
	}
	buf[len] = '\0';
	return buf;
}

/* $XDG_CONFIG_HOME/lanes/NAME, or ~/.config/lanes/NAME; NULL when
 * neither is set. */
static char *config_path(const char *name)
{
	const char *base = getenv("XDG_CONFIG_HOME");
	const char *sub = "lanes";
	if (!base || base[0] != '/') {
		base = getenv("HOME");
		sub = ".config/lanes";
	}
	if (!base || !*base)
		return NULL;
	size_t len = strlen(base) + strlen(sub) + strlen(name) + 3;
	char *path = xmalloc(len);
	snprintf(path, len, "%s/%s/%s", base, sub, name);
	return path;
}

static void read_config(const char *name, bool must)
{
	char *path = config_path(name);
	if (!path) {
		if (must)
			fail("-J %s: neither XDG_CONFIG_HOME nor HOME is set, so there is no profile directory", name);
		return;
	}
	char *text = read_file(path);
	if (!text) {
		/* The config file is optional: none, or one this user cannot
		 * reach (a HOME of another user's, under su), is none. */
		if (must || (errno != ENOENT && errno != ENOTDIR && errno != EACCES))
			fail("%s %s: %s: %s", must ? "-J" : "config", name, path, strerror(errno));
		free(path);
		return;
	}
	split(text, path, true);
	free(path);
}

static char **shebang_words;  /* defaults_shebang's argv */
static size_t shebang_count, shebang_cap;

static void add_shebang_word(char *w)
{
	shebang_words = xgrow(shebang_words, &shebang_cap, shebang_count + 2, sizeof *shebang_words);
	shebang_words[shebang_count++] = w;
	shebang_words[shebang_count] = NULL;
}

char **defaults_shebang(int argc, char **argv, int *new_argc, bool *shebang)
{
	*shebang = false;
	*new_argc = argc;
	if (argc < 2)
		return argv;
	const char *first = argv[1];
	size_t n = strcspn(first, " \t");
	bool plain = (n == 9 && strncmp(first, "--shebang", 9) == 0) || (n == 10 && strncmp(first, "--hashbang", 10) == 0);
	bool wrap = n == 14 && strncmp(first, "--shebang-wrap", 14) == 0;
	if (!plain && !wrap)
		return argv;
	/* The kernel's form: "--shebang WORDS..." SCRIPT [ARGS...]; or
	 * typed: --shebang WORDS... SCRIPT. */
	int script = first[n] ? 2 : argc - 1;
	if (script >= argc || script < 2)
		fail("%.*s: needs the script it is the #! line of", (int)n, first);
	shebang_count = 0;
	add_shebang_word(argv[0]);
	size_t from = count;
	if (first[n]) {
		split(xstrndup(first + n, strlen(first + n)), "#!", false);
		for (size_t i = from; i < count; i++)
			add_shebang_word(words[i]);
		count = from;
	} else {
		for (int i = 2; i < script; i++)
			add_shebang_word(argv[i]);
	}
	if (plain) {
		if (script + 1 < argc)
			fail("--shebang: the script takes no arguments: its lines are the input");
		add_shebang_word("::::");
		add_shebang_word(argv[script]);
		*shebang = true;
	} else {
		add_shebang_word(argv[script]);  /* the program runs the script */
		if (script + 1 < argc) {
			add_shebang_word(":::");
			for (int i = script + 1; i < argc; i++)
				add_shebang_word(argv[i]);
		}
	}
	*new_argc = (int)shebang_count;
	return shebang_words;
}

char **defaults_argv(int argc, char **argv, const char *const *profiles, int profile_count, int *new_argc)
{
	count = 0;
	add_word(argv[0]);
	for (int i = 0; i < profile_count; i++) {
		if (!profiles[i][0] || strchr(profiles[i], '/') || strcmp(profiles[i], ".") == 0 ||
		    strcmp(profiles[i], "..") == 0)
			fail("-J: '%s' is not a profile name (a file name in the profile directory)", profiles[i]);
		read_config(profiles[i], true);
	}
	if (profile_count == 0)
		read_config("config", false);
	const char *env = getenv("LANES_OPTIONS");
	if (env && *env)
		split(xstrndup(env, strlen(env)), "LANES_OPTIONS", false);
	if (count == 1) {
		*new_argc = argc;
		return argv;
	}
	for (int i = 1; i < argc; i++)
		add_word(argv[i]);
	*new_argc = (int)count;
	return words;
}

void defaults_free(void)
{
	for (size_t i = 0; i < text_count; i++)
		free(texts[i]);
	free(texts);
	free(words);
	free(shebang_words);
	texts = NULL;
	words = NULL;
	shebang_words = NULL;
	shebang_count = shebang_cap = 0;
	text_count = text_cap = count = cap = 0;
}
