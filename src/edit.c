/* edit.c — --plus' dynamic replacement strings (edit.h). Each is
 * recognised as GNU parallel's --rpl rules recognise it, and does what
 * its Perl code does, with the pattern read as a POSIX extended regular
 * expression that takes Perl's common escapes, as --colsep's does. */
#include "edit.h"

#include <ctype.h>
#include <regex.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "options.h"

enum edit_kind {
	EDIT_DEFAULT,       /* {:-str}: str when the value is empty or "0" */
	EDIT_FROM,          /* {:n}: without its first n characters */
	EDIT_SLICE,         /* {:n:m}: m characters from the n-th (from 0) */
	EDIT_SHORT_PREFIX,  /* {#re}: without the shortest prefix re matches */
	EDIT_LONG_PREFIX,   /* {##re}: without the longest */
	EDIT_SHORT_SUFFIX,  /* {%re} */
	EDIT_LONG_SUFFIX,   /* {%%re} */
	EDIT_SUB_FIRST,     /* {/re/str}: the first match becomes str */
	EDIT_SUB_ALL,       /* {//re/str}: every match */
	EDIT_SUB_START,     /* {/#re/str}: a match at the start */
	EDIT_SUB_END,       /* {/%re/str}: a match that ends the value */
	EDIT_UPPER_START,   /* {^re}: a match at the start in upper case */
	EDIT_UPPER_ALL,     /* {^^re}: every match */
	EDIT_LOWER_START,   /* {,re} */
	EDIT_LOWER_ALL,     /* {,,re} */
};

/* How the text after a prefix is read, as GNU's --rpl patterns read it. */
enum shape {
	SHAPE_TEXT,      /* ([^}]+?)} */
	SHAPE_HASH,      /* ([^#}][^}]*?)} */
	SHAPE_SUB,       /* ([^}]+?)/([^}]*?)} */
	SHAPE_SUB_PLAIN, /* ([^#%}/]+?)/([^}]*?)} */
	SHAPE_NUMBER,    /* (\d+?)} */
	SHAPE_NUMBERS,   /* (\d+?):(\d+?)} */
};

/* In GNU's order: the longer rule first, where one's text could be another's. */
static const struct {
	const char *prefix;
	enum shape shape;
	enum edit_kind kind;
} rules[] = {
	{ "/", SHAPE_SUB_PLAIN, EDIT_SUB_FIRST }, { "//", SHAPE_SUB, EDIT_SUB_ALL },
	{ "/#", SHAPE_SUB, EDIT_SUB_START },      { "/%", SHAPE_SUB, EDIT_SUB_END },
	{ "##", SHAPE_HASH, EDIT_LONG_PREFIX },   { "#", SHAPE_HASH, EDIT_SHORT_PREFIX },
	{ ":", SHAPE_NUMBERS, EDIT_SLICE },       { "^^", SHAPE_TEXT, EDIT_UPPER_ALL },
	{ ",,", SHAPE_TEXT, EDIT_LOWER_ALL },     { "%%", SHAPE_TEXT, EDIT_LONG_SUFFIX },
	{ ":-", SHAPE_TEXT, EDIT_DEFAULT },       { "^", SHAPE_TEXT, EDIT_UPPER_START },
	{ ",", SHAPE_TEXT, EDIT_LOWER_START },    { "%", SHAPE_TEXT, EDIT_SHORT_SUFFIX },
	{ ":", SHAPE_NUMBER, EDIT_FROM },
};

struct edit {
	enum edit_kind kind;
	char *text;          /* {:-str}'s str, or what a match becomes */
	size_t len;
	size_t from, count;  /* {:n}, {:n:m} */
	bool has_re;
	regex_t re;
};

/* Digits at s, then `end`: their value (capped) and where they stop. */
static const char *number(const char *s, char end, size_t *value)
{
	const char *p = s;
	size_t v = 0;
	while (*p >= '0' && *p <= '9') {
		v = v > 100000000 ? v : v * 10 + (size_t)(*p - '0');
		p++;
	}
	*value = v;
	return p > s && *p == end ? p + 1 : NULL;
}

/* Reads what follows a rule's prefix at s; fills the pattern and the
 * text (as spans of s) and returns the end, past the "}", or NULL. */
static const char *read_shape(const char *s, enum shape shape, struct edit *e, const char **re, size_t *re_len)
{
	const char *close = strchr(s, '}');
	if (!close)
		return NULL;
	switch (shape) {
	case SHAPE_NUMBER:
		return number(s, '}', &e->from);
	case SHAPE_NUMBERS: {
		const char *p = number(s, ':', &e->from);
		return p ? number(p, '}', &e->count) : NULL;
	}
	case SHAPE_HASH:
		if (*s == '#')
			return NULL;
		/* fall through */
	case SHAPE_TEXT:
		if (close == s)
			return NULL;
		*re = s;
		*re_len = (size_t)(close - s);
		return close + 1;
	case SHAPE_SUB:
	case SHAPE_SUB_PLAIN: {
		/* the pattern ends at the first "/" after its first character */
		const char *slash = s + (shape == SHAPE_SUB);
		if (shape == SHAPE_SUB && slash > close)
			return NULL;
		slash += shape == SHAPE_SUB ? strcspn(slash, "/}") : strcspn(slash, "#%}/");
		if (*slash != '/' || slash == s)
			return NULL;
		*re = s;
		*re_len = (size_t)(slash - s);
		close = strchr(slash, '}');
		e->text = xstrndup(slash + 1, (size_t)(close - slash - 1));
		e->len = (size_t)(close - slash - 1);
		return close + 1;
	}
	}
	return NULL;
}

size_t edit_parse(const char *s, struct edit **out, const char **error)
{
	static char message[256];
	for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++) {
		size_t n = strlen(rules[i].prefix);
		if (strncmp(s, rules[i].prefix, n) != 0)
			continue;
		struct edit e = { .kind = rules[i].kind };
		const char *re = NULL;
		size_t re_len = 0;
		const char *end = read_shape(s + n, rules[i].shape, &e, &re, &re_len);
		if (!end) {
			free(e.text);
			continue;
		}
		if (e.kind == EDIT_DEFAULT) {
			e.text = xstrndup(re, re_len);
			e.len = re_len;
		} else if (re) {
			char *pattern = xstrndup(re, re_len);
			int rc = options_compile_regex(pattern, &e.re, REG_EXTENDED);
			if (rc != 0) {
				char why[128];
				regerror(rc, &e.re, why, sizeof why);
				snprintf(message, sizeof message, "--plus {%.*s: %s is not a POSIX extended regular expression: %s",
					 (int)(end - s), s, pattern, why);
				free(pattern);
				free(e.text);
				*error = message;
				return 0;
			}
			free(pattern);
			e.has_re = true;
		}
		*out = xmalloc(sizeof e);
		**out = e;
		return (size_t)(end - s);
	}
	return 0;
}

void edit_free(struct edit *e)
{
	if (!e)
		return;
	if (e->has_re)
		regfree(&e->re);
	free(e->text);
	free(e);
}

/* ---- applying ---- */

static char *work;  /* the value, NUL-terminated, for regexec */
static size_t work_cap;
static char *result;
static size_t result_len, result_cap;

static void add(const char *data, size_t len)
{
	result = xgrow(result, &result_cap, result_len + len + 1, 1);
	memcpy(result + result_len, data, len);
	result_len += len;
}

/* Where re matches first in work[from..], the value's start and end
 * counting for ^ and $ only where they are the value's. */
static bool search(const regex_t *re, size_t from, size_t *start, size_t *end)
{
	regmatch_t m;
	if (regexec(re, work + from, 1, &m, from > 0 ? REG_NOTBOL : 0) != 0)
		return false;
	*start = from + (size_t)m.rm_so;
	*end = from + (size_t)m.rm_eo;
	return true;
}

/* True when re matches all of work[from..to). */
static bool whole(const regex_t *re, size_t from, size_t to, size_t len)
{
	char kept = work[to];
	work[to] = '\0';
	regmatch_t m;
	int flags = (from > 0 ? REG_NOTBOL : 0) | (to < len ? REG_NOTEOL : 0);
	bool ok = regexec(re, work + from, 1, &m, flags) == 0 && m.rm_so == 0 && (size_t)m.rm_eo == to - from;
	work[to] = kept;
	return ok;
}

/* The first k (from `k`, stepping by `step`) at which re matches the
 * prefix work[0..k) (prefix) or the suffix work[k..len). */
static bool find_cut(const regex_t *re, size_t len, bool prefix, bool shortest, size_t *cut)
{
	bool up = prefix == shortest;
	for (size_t i = 0; i <= len; i++) {
		size_t k = up ? i : len - i;
		if (prefix ? whole(re, 0, k, len) : whole(re, k, len, len)) {
			*cut = k;
			return true;
		}
	}
	return false;
}

static void add_changed(const struct edit *e, size_t start, size_t end)
{
	switch (e->kind) {
	case EDIT_UPPER_START:
	case EDIT_UPPER_ALL:
	case EDIT_LOWER_START:
	case EDIT_LOWER_ALL: {
		bool upper = e->kind == EDIT_UPPER_START || e->kind == EDIT_UPPER_ALL;
		for (size_t i = start; i < end; i++) {
			char c = (char)(upper ? toupper((unsigned char)work[i]) : tolower((unsigned char)work[i]));
			add(&c, 1);
		}
		return;
	}
	default:
		add(e->text, e->len);
	}
}

/* Every match, left to right, as Perl's s///g finds them: an empty match
 * may follow a longer one at the same place, never another empty one. */
static void change_all(const struct edit *e, size_t len)
{
	size_t at = 0, start, end;
	while (at <= len && search(&e->re, at, &start, &end)) {
		add(work + at, start - at);
		add_changed(e, start, end);
		if (end > start) {
			at = end;
			continue;
		}
		if (start < len)
			add(work + start, 1);
		at = start + 1;
	}
	if (at < len)
		add(work + at, len - at);
}

struct arg edit_apply(const struct edit *e, struct arg v)
{
	size_t len = v.len, cut, start, end;
	switch (e->kind) {
	case EDIT_DEFAULT:  /* Perl's ||=: "" and "0" are false */
		if (len == 0 || (len == 1 && v.ptr[0] == '0'))
			return (struct arg){ e->text, e->len };
		return v;
	case EDIT_FROM:
		return e->from >= len ? (struct arg){ "", 0 } : (struct arg){ v.ptr + e->from, len - e->from };
	case EDIT_SLICE:
		if (e->from >= len)
			return (struct arg){ "", 0 };
		return (struct arg){ v.ptr + e->from, e->count < len - e->from ? e->count : len - e->from };
	default:
		break;
	}
	work = xgrow(work, &work_cap, len + 1, 1);
	memcpy(work, v.ptr, len);
	work[len] = '\0';
	result_len = 0;
	switch (e->kind) {
	case EDIT_SHORT_PREFIX:
	case EDIT_LONG_PREFIX:
		if (find_cut(&e->re, len, true, e->kind == EDIT_SHORT_PREFIX, &cut))
			return (struct arg){ v.ptr + cut, len - cut };
		return v;
	case EDIT_SHORT_SUFFIX:
	case EDIT_LONG_SUFFIX:
		if (find_cut(&e->re, len, false, e->kind == EDIT_SHORT_SUFFIX, &cut))
			return (struct arg){ v.ptr, cut };
		return v;
	case EDIT_SUB_ALL:
	case EDIT_UPPER_ALL:
	case EDIT_LOWER_ALL:
		change_all(e, len);
		break;
	case EDIT_SUB_END:
		if (!find_cut(&e->re, len, false, false, &cut))
			return v;
		add(work, cut);
		add_changed(e, cut, len);
		if (cut < len && whole(&e->re, len, len, len))
			add_changed(e, len, len);  /* s/re$/str/g: an empty match at the end too */
		break;
	default:  /* the first match; for _START, only one at the start */
		if (!search(&e->re, 0, &start, &end) || (e->kind != EDIT_SUB_FIRST && start > 0))
			return v;
		add(work, start);
		add_changed(e, start, end);
		add(work + end, len - end);
		break;
	}
	add("", 0);
	return (struct arg){ result, result_len };
}
