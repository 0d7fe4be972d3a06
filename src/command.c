/* command.c — builds each job's command line from the template and the
 * input item, and decides how it runs. Every substituted value is quoted
 * for the shell, so input is always data, never code. A line that uses
 * nothing of the shell's language (no metacharacter outside single quotes,
 * no assignment, no builtin, keyword or exported function first) is split
 * into words and executed directly, which saves a shell per job; anything
 * else goes to the shell, and so does a line whose program cannot be
 * found (local.c). Either way the line means the same. Knows nothing of
 * processes. */
#include "command.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edit.h"
#include "msg.h"

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

/* True when the environment exports a bash function of this name
 * (BASH_FUNC_name%%=, or BASH_FUNC_name()= of older bash): the shell must
 * run the line, or the program of that name would run instead. */
static bool is_exported_function(const char *word, size_t len)
{
	extern char **environ;
	static int any = -1;  /* does the environment hold any at all? */
	if (any == 0)
		return false;
	bool found = false, seen = false;
	for (char **e = environ; *e; e++) {
		if (strncmp(*e, "BASH_FUNC_", 10) != 0)
			continue;
		seen = true;
		const char *name = *e + 10;
		if (strncmp(name, word, len) == 0 &&
		    (strncmp(name + len, "%%=", 3) == 0 || strncmp(name + len, "()=", 3) == 0))
			found = true;
	}
	any = seen;
	return found;
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

void command_free(struct command *c)
{
	free(c->text);
	free(c->argv);
	free(c->words);
	memset(c, 0, sizeof *c);
}

/* ---- templates ---- */

enum piece_kind { PIECE_TEXT, PIECE_ALL, PIECE_POSITION, PIECE_SEQ, PIECE_SLOT, PIECE_TOTAL, PIECE_SEQ0, PIECE_SLOT0 };
enum modifier {
	MOD_NONE, MOD_NO_EXTENSION, MOD_BASENAME, MOD_DIRNAME, MOD_BASENAME_NO_EXTENSION,
	/* --plus: */
	MOD_PLUS_DIR, MOD_EXT1, MOD_EXT2, MOD_EXT3, MOD_NO_EXT2, MOD_NO_EXT3, MOD_BASENAME_NO_EXT2,
	MOD_BASENAME_NO_EXT3,
};

struct piece {
	enum piece_kind kind;
	enum modifier mod;
	long position;       /* {n}: 1-based; negative counts from the end */
	const char *text;    /* PIECE_TEXT */
	size_t len;
	bool raw;            /* inserted unquoted: the command starts with it */
	struct edit *edit;   /* --plus' {:-str}, {/re/str} ...; then mod is MOD_NONE */
};

struct word {
	struct piece *pieces;
	size_t count;
};

struct template {
	struct word *words;
	size_t count;
	bool quote_words;
	bool item_is_command;  /* no command given: the item is the command line */
	bool repeat_words;     /* -X: a word with {} is repeated for each item */
};

static const char *const *columns;  /* --header: {name} is that column */
static size_t column_count;
static bool plus;                   /* --plus: its replacement strings too */
static long plus_total, plus_slots; /* for {##}, {0#} and {0%} */
static const char *parse_error;     /* why the template being parsed is refused */

void template_set_plus(long total, long slots)
{
	plus = true;
	plus_total = total;
	plus_slots = slots;
}

/* --plus' strings: {##} {0#} {0%} and the modifiers of {}. */
static size_t match_plus(const char *s, struct piece *out)
{
	static const struct { const char *text; enum piece_kind kind; enum modifier mod; } strings[] = {
		{ "{##}", PIECE_TOTAL, MOD_NONE }, { "{0#}", PIECE_SEQ0, MOD_NONE }, { "{0%}", PIECE_SLOT0, MOD_NONE },
		{ "{+/}", PIECE_ALL, MOD_PLUS_DIR }, { "{+...}", PIECE_ALL, MOD_EXT3 }, { "{+..}", PIECE_ALL, MOD_EXT2 },
		{ "{+.}", PIECE_ALL, MOD_EXT1 }, { "{...}", PIECE_ALL, MOD_NO_EXT3 }, { "{..}", PIECE_ALL, MOD_NO_EXT2 },
		{ "{/...}", PIECE_ALL, MOD_BASENAME_NO_EXT3 }, { "{/..}", PIECE_ALL, MOD_BASENAME_NO_EXT2 },
	};
	for (size_t i = 0; i < sizeof strings / sizeof strings[0]; i++) {
		size_t n = strlen(strings[i].text);
		if (strncmp(s, strings[i].text, n) == 0) {
			*out = (struct piece){ .kind = strings[i].kind, .mod = strings[i].mod };
			return n;
		}
	}
	return 0;
}

bool template_uses_total(const struct template *t)
{
	for (size_t i = 0; t && i < t->count; i++)
		for (size_t k = 0; k < t->words[i].count; k++)
			if (t->words[i].pieces[k].kind == PIECE_TOTAL || t->words[i].pieces[k].kind == PIECE_SEQ0)
				return true;
	return false;
}

void template_set_columns(const char *const *names, size_t count)
{
	columns = names;
	column_count = count;
}

static const struct { const char *text; enum modifier mod; } mods[] = {
	{ "/.}", MOD_BASENAME_NO_EXTENSION }, { "//}", MOD_DIRNAME }, { "/}", MOD_BASENAME },
	{ ".}", MOD_NO_EXTENSION }, { "}", MOD_NONE },
};

/* --plus' dynamic strings at s, after the "{" and any position (GNU lets
 * blanks follow a position there: "{2 ^a}"). */
static size_t match_edit(const char *s, bool after_position, struct piece *out)
{
	if (!plus)
		return 0;
	size_t blanks = 0;
	while (after_position && (s[blanks] == ' ' || s[blanks] == '\t'))
		blanks++;
	size_t n = edit_parse(s + blanks, &out->edit, &parse_error);
	return n ? blanks + n : 0;
}

/* {name}, {name.} ... of a --header column, at s (after its '{'). */
static size_t match_column(const char *s, struct piece *out)
{
	for (size_t c = 0; c < column_count; c++) {
		size_t n = strlen(columns[c]);
		if (n == 0 || strncmp(s, columns[c], n) != 0)
			continue;
		for (size_t i = 0; i < sizeof mods / sizeof mods[0]; i++) {
			size_t m = strlen(mods[i].text);
			if (strncmp(s + n, mods[i].text, m) == 0) {
				*out = (struct piece){ .kind = PIECE_POSITION, .mod = mods[i].mod, .position = (long)c + 1 };
				return n + m;
			}
		}
	}
	return 0;
}

/* Recognises a replacement string at s; returns its length, or 0. */
static size_t match_replacement(const char *s, const char *replace, struct piece *out)
{
	*out = (struct piece){ .kind = PIECE_ALL, .mod = MOD_NONE };
	if (replace) {
		size_t n = strlen(replace);
		if (strncmp(s, replace, n) == 0)
			return n;
	}
	if (s[0] != '{')
		return 0;
	size_t extra = plus ? match_plus(s, out) : 0;
	if (extra)
		return extra;
	size_t named = match_column(s + 1, out);
	if (named)
		return named + 1;
	const char *p = s + 1;
	if (!replace && *p == '}')
		return 2;
	if ((*p == '#' || *p == '%') && p[1] == '}') {
		out->kind = *p == '#' ? PIECE_SEQ : PIECE_SLOT;
		return 3;
	}
	bool negative = *p == '-';
	if (negative)
		p++;
	long position = 0;
	int digits = 0;
	while (*p >= '0' && *p <= '9' && digits < 9) {
		position = position * 10 + (*p++ - '0');
		digits++;
	}
	if ((negative && digits == 0) || (digits > 0 && position == 0) || (*p >= '0' && *p <= '9'))
		return 0;
	size_t edit = match_edit(p, digits > 0, out);
	if (edit) {
		if (digits) {
			out->kind = PIECE_POSITION;
			out->position = negative ? -position : position;
		}
		return (size_t)(p - s) + edit;
	}
	for (size_t i = 0; i < sizeof mods / sizeof mods[0]; i++) {
		size_t n = strlen(mods[i].text);
		if (strncmp(p, mods[i].text, n) != 0)
			continue;
		if (digits == 0 && mods[i].mod == MOD_NONE)
			return 0;  /* "{}" itself, when -I has replaced it */
		out->mod = mods[i].mod;
		if (digits) {
			out->kind = PIECE_POSITION;
			out->position = negative ? -position : position;
		}
		return (size_t)(p - s) + n;
	}
	return 0;
}

static void add_piece(struct word *w, struct piece piece)
{
	w->pieces = realloc(w->pieces, (w->count + 1) * sizeof *w->pieces);
	if (!w->pieces)
		abort();
	w->pieces[w->count++] = piece;
}

static bool parse_word(struct word *w, const char *text, const char *replace)
{
	bool any = false;
	const char *literal = text;
	const char *p = text;
	while (*p) {
		struct piece piece;
		size_t n = match_replacement(p, replace, &piece);
		if (n == 0) {
			p++;
			continue;
		}
		if (p > literal)
			add_piece(w, (struct piece){ .kind = PIECE_TEXT, .text = literal, .len = (size_t)(p - literal) });
		add_piece(w, piece);
		any = true;
		p += n;
		literal = p;
	}
	if (p > literal)
		add_piece(w, (struct piece){ .kind = PIECE_TEXT, .text = literal, .len = (size_t)(p - literal) });
	return any;
}

/* t, or NULL (with the message) when one of its strings was refused. */
static struct template *refused(struct template *t)
{
	if (!parse_error)
		return t;
	msg_print("%s", parse_error);
	parse_error = NULL;
	template_free(t);
	return NULL;
}

struct template *template_new(char **words, int count, const char *replace, bool quote_words, bool append)
{
	struct template *t = calloc(1, sizeof *t);
	if (!t)
		abort();
	t->quote_words = quote_words;
	if (!words || count == 0) {
		t->item_is_command = true;
		return t;
	}
	t->words = calloc((size_t)count + 1, sizeof *t->words);
	if (!t->words)
		abort();
	bool any = false;
	for (int i = 0; i < count; i++)
		any |= parse_word(&t->words[t->count++], words[i], replace);
	if (!any && append)  /* no replacement string: the arguments go at the end */
		add_piece(&t->words[t->count++], (struct piece){ .kind = PIECE_ALL });
	/* As in GNU parallel, a command that starts with a replacement string
	 * takes that value as code: `lanes {} ::: 'ls -l'` runs ls -l. */
	struct word *first = &t->words[0];
	if (!quote_words && first->count && first->pieces[0].kind != PIECE_TEXT)
		first->pieces[0].raw = true;
	return refused(t);
}

struct template *template_new_text(const char *text, const char *replace)
{
	struct template *t = calloc(1, sizeof *t);
	if (!t)
		abort();
	t->words = calloc(1, sizeof *t->words);
	if (!t->words)
		abort();
	t->count = 1;
	parse_word(&t->words[0], text, replace);
	return refused(t);
}

void template_free(struct template *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->count; i++) {
		for (size_t k = 0; k < t->words[i].count; k++)
			edit_free(t->words[i].pieces[k].edit);
		free(t->words[i].pieces);
	}
	free(t->words);
	free(t);
}

static void append(struct command *c, const char *data, size_t len)
{
	c->text = grow(c->text, &c->text_cap, c->text_len + len + 1, 1);
	memcpy(c->text + c->text_len, data, len);
	c->text_len += len;
	c->text[c->text_len] = '\0';
}

static bool is_safe(unsigned char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
	       ch == '_' || ch == '+' || ch == '.' || ch == '/' || ch == '-';
}

void command_append_quoted(struct command *c, const char *value, size_t len)
{
	size_t i = 0;
	while (i < len && is_safe((unsigned char)value[i]))
		i++;
	if (len > 0 && i == len) {
		append(c, value, len);
		return;
	}
	size_t from = c->text_len;
	bool first_quote = len > 0 && value[0] == '\'', last_quote = len > 0 && value[len - 1] == '\'';
	append(c, "'", 1);
	for (const char *end = value + len; value < end;) {
		const char *q = memchr(value, '\'', (size_t)(end - value));
		size_t n = q ? (size_t)(q - value) : (size_t)(end - value);
		append(c, value, n);
		if (!q)
			break;
		append(c, "'\"'\"'", 5);
		value = q + 1;
	}
	append(c, "'", 1);
	/* As GNU parallel: no empty '' where the value begins or ends with a '. */
	if (last_quote)
		c->text[c->text_len -= 2] = '\0';
	if (first_quote) {
		memmove(c->text + from, c->text + from + 2, c->text_len - from - 2 + 1);
		c->text_len -= 2;
	}
}

/* The part of a value a modifier keeps, as GNU parallel computes it:
 * {.} drops the last extension, {/} keeps what follows the last slash,
 * {//} is dirname(3)'s answer. */
/* The last `k` extensions ".x.y" of v (the dot of the first one at
 * *dot), each of characters other than '/' and '.'; false when v has
 * fewer. */
static bool last_extensions(struct arg v, int k, size_t *dot)
{
	size_t n = v.len;
	for (int i = 0; i < k; i++) {
		size_t start = n;
		while (start > 0 && v.ptr[start - 1] != '.' && v.ptr[start - 1] != '/')
			start--;
		if (start == 0 || start == n || v.ptr[start - 1] != '.')
			return false;
		n = start - 1;
	}
	*dot = n;
	return true;
}

/* --plus' modifiers, as GNU parallel's --rpl rules define them. */
static struct arg modify_plus(struct arg v, enum modifier mod)
{
	size_t dot;
	switch (mod) {
	case MOD_PLUS_DIR: {  /* s:/[^/]*$:: || s:.*$:: */
		const char *slash = memrchr(v.ptr, '/', v.len);
		v.len = slash ? (size_t)(slash - v.ptr) : 0;
		return v;
	}
	case MOD_EXT1: {      /* s:.*\.:: || s:.*$:: */
		const char *d = memrchr(v.ptr, '.', v.len);
		if (!d)
			return (struct arg){ "", 0 };
		v.len -= (size_t)(d + 1 - v.ptr);
		v.ptr = d + 1;
		return v;
	}
	case MOD_EXT2:
	case MOD_EXT3:
		if (!last_extensions(v, mod == MOD_EXT2 ? 2 : 3, &dot))
			return (struct arg){ "", 0 };
		return (struct arg){ v.ptr + dot + 1, v.len - dot - 1 };
	case MOD_BASENAME_NO_EXT2:
	case MOD_BASENAME_NO_EXT3: {
		const char *slash = memrchr(v.ptr, '/', v.len);
		if (slash) {
			v.len -= (size_t)(slash + 1 - v.ptr);
			v.ptr = slash + 1;
		}
	}
		/* fall through */
	case MOD_NO_EXT2:
	case MOD_NO_EXT3: {
		int k = mod == MOD_NO_EXT2 || mod == MOD_BASENAME_NO_EXT2 ? 2 : 3;
		if (last_extensions(v, k, &dot))
			v.len = dot;
		return v;
	}
	default:
		return v;
	}
}

static struct arg modify(struct arg v, enum modifier mod)
{
	if (mod >= MOD_PLUS_DIR)
		return modify_plus(v, mod);
	if (mod == MOD_BASENAME || mod == MOD_BASENAME_NO_EXTENSION) {
		const char *slash = memrchr(v.ptr, '/', v.len);
		if (slash) {
			v.len -= (size_t)(slash + 1 - v.ptr);
			v.ptr = slash + 1;
		}
	}
	if (mod == MOD_NO_EXTENSION || mod == MOD_BASENAME_NO_EXTENSION) {
		const char *dot = memrchr(v.ptr, '.', v.len);
		const char *slash = memrchr(v.ptr, '/', v.len);
		if (dot && (!slash || dot > slash))
			v.len = (size_t)(dot - v.ptr);
	}
	if (mod == MOD_DIRNAME) {
		size_t n = v.len;
		while (n > 1 && v.ptr[n - 1] == '/')
			n--;
		const char *slash = n ? memrchr(v.ptr, '/', n) : NULL;
		if (!slash)
			return (struct arg){ ".", 1 };
		n = (size_t)(slash - v.ptr);
		while (n > 1 && v.ptr[n - 1] == '/')
			n--;
		if (n == 0 || (n == 1 && v.ptr[0] == '/'))
			return (struct arg){ "/", 1 };
		v.len = n;
	}
	return v;
}

static void put_value(struct command *c, struct arg v, const struct piece *p, bool quoted)
{
	v = p->edit ? edit_apply(p->edit, v) : modify(v, p->mod);
	if (quoted)
		command_append_quoted(c, v.ptr, v.len);
	else
		append(c, v.ptr, v.len);
}

static void expand_word(struct command *c, const struct word *w, const struct input_item *item,
			unsigned long seq, int slot, bool quoted)
{
	char number[32];
	for (size_t i = 0; i < w->count; i++) {
		const struct piece *p = &w->pieces[i];
		bool q = quoted && !p->raw;
		switch (p->kind) {
		case PIECE_TEXT:
			append(c, p->text, p->len);
			break;
		case PIECE_ALL:
			for (size_t k = 0; k < item->count; k++) {
				if (k)
					append(c, " ", 1);
				put_value(c, item->args[k], p, q);
			}
			break;
		case PIECE_POSITION: {
			/* Past the last argument: nothing at all, as in GNU parallel. */
			long k = p->position > 0 ? p->position - 1 : (long)item->count + p->position;
			if (k >= 0 && (size_t)k < item->count)
				put_value(c, item->args[k], p, q);
			break;
		}
		case PIECE_SEQ:
		case PIECE_SLOT:
			snprintf(number, sizeof number, "%lu", p->kind == PIECE_SEQ ? seq : (unsigned long)slot);
			append(c, number, strlen(number));
			break;
		case PIECE_TOTAL:
			snprintf(number, sizeof number, "%ld", plus_total);
			append(c, number, strlen(number));
			break;
		case PIECE_SEQ0:
		case PIECE_SLOT0: {
			/* as wide as the most there are: the jobs, or the slots */
			char most[24];
			int width = snprintf(most, sizeof most, "%ld", p->kind == PIECE_SEQ0 ? plus_total : plus_slots);
			snprintf(number, sizeof number, "%0*lu", width, p->kind == PIECE_SEQ0 ? seq : (unsigned long)slot);
			append(c, number, strlen(number));
			break;
		}
		}
	}
}

static void join_args(struct command *c, const struct input_item *item)
{
	for (size_t k = 0; k < item->count; k++) {
		if (k)
			append(c, " ", 1);
		append(c, item->args[k].ptr, item->args[k].len);
	}
}

static bool has_all(const struct word *w)
{
	for (size_t i = 0; i < w->count; i++)
		if (w->pieces[i].kind == PIECE_ALL)
			return true;
	return false;
}

/* One word of the template, as -q wants it; under -X a word with {} is
 * there once for each of the item's arguments, with that one. */
static void expand_one(struct command *c, const struct template *t, const struct word *w,
		       const struct input_item *item, unsigned long seq, int slot)
{
	static struct command scratch;
	if (t->repeat_words && item->count > 1 && has_all(w)) {
		for (size_t k = 0; k < item->count; k++) {
			if (k)
				append(c, " ", 1);
			struct input_item one = { item->args + k, 1, item->seq };
			expand_one(c, t, w, &one, seq, slot);
		}
		return;
	}
	if (t->quote_words) {
		scratch.text_len = 0;
		expand_word(&scratch, w, item, seq, slot, false);
		command_append_quoted(c, scratch.text ? scratch.text : "", scratch.text_len);
	} else {
		expand_word(c, w, item, seq, slot, true);
	}
}

/* The command line's text for the item; -1: a blank command line. */
static int build_text(struct command *c, const struct template *t, const struct input_item *item,
		      unsigned long seq, int slot)
{
	c->text_len = 0;
	append(c, "", 0);
	if (t->item_is_command) {
		join_args(c, item);
		if (c->text_len == strspn(c->text, " \t\r"))
			return -1;
	}
	for (size_t i = 0; i < t->count; i++) {
		if (i)
			append(c, " ", 1);
		expand_one(c, t, &t->words[i], item, seq, slot);
	}
	return 0;
}

void template_repeat_words(struct template *t)
{
	t->repeat_words = true;
}

size_t command_length(const struct template *t, const struct arg *args, size_t count)
{
	static struct command scratch;
	struct input_item item = { (struct arg *)args, count, 0 };
	build_text(&scratch, t, &item, 0, 0);
	return scratch.text_len;
}

size_t command_growth(const struct template *t, const struct arg *args, size_t count)
{
	static struct arg *twice;
	static size_t cap;
	twice = grow(twice, &cap, 2 * count + 1, sizeof *twice);
	memcpy(twice, args, count * sizeof *args);
	memcpy(twice + count, args, count * sizeof *args);
	size_t one = command_length(t, args, count);
	size_t two = command_length(t, twice, 2 * count);
	return two > one ? two - one : 0;
}

int command_expand(struct command *c, const struct template *t, const struct input_item *item,
		   unsigned long seq, int slot, const char *shell)
{
	if (build_text(c, t, item, seq, slot) != 0)
		return -1;
	const char *first = c->text + strspn(c->text, " \t");
	if (command_needs_shell(c->text) || strlen(c->text) != c->text_len ||
	    is_exported_function(first, strcspn(first, " \t")))
		command_use_shell(c, shell);
	else
		split_words(c);
	return 0;
}

void command_tag(struct command *out, const struct template *tagstring, const struct input_item *item,
		 unsigned long seq, int slot)
{
	out->text_len = 0;
	append(out, "", 0);
	if (!tagstring) {
		join_args(out, item);
		return;
	}
	for (size_t i = 0; i < tagstring->count; i++)
		expand_word(out, &tagstring->words[i], item, seq, slot, false);
}
