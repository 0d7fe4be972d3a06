/* edit.h — --plus' dynamic replacement strings, the ones modelled on the
 * shell's ${var...} expansions: {:-str} {:n} {:n:m} {#re} {##re} {%re}
 * {%%re} {/re/str} {//re/str} {/#re/str} {/%re/str} {^re} {^^re} {,re}
 * {,,re}. GNU parallel's patterns are Perl's; lanes' are POSIX extended
 * regular expressions (with \t, \d ... as --colsep takes them), so a
 * match is the leftmost-longest one, and # and % take the shortest prefix
 * or suffix that matches, as the shell's do. */
#ifndef LANES_EDIT_H
#define LANES_EDIT_H

#include <stddef.h>

#include "input.h"

struct edit;

/* Recognises an edit at s, the text after "{" (and after a position:
 * "{2:-x}"), through its "}". Returns the length taken and sets *out, or
 * returns 0: none there, or (with *error set to a message of its own) a
 * pattern that does not compile. */
size_t edit_parse(const char *s, struct edit **out, const char **error);

/* The value with the edit done. The result may live in storage of the
 * edit module's, good until the next call. */
struct arg edit_apply(const struct edit *e, struct arg value);

void edit_free(struct edit *e);

#endif
