/* defaults.h — the options lanes takes before its command line's: the
 * words of $XDG_CONFIG_HOME/lanes/config (or of the -J profiles given
 * instead), then those of $LANES_OPTIONS. A later option overrides an
 * earlier one, so the command line has the last word. */
#ifndef LANES_DEFAULTS_H
#define LANES_DEFAULTS_H

#include <stdbool.h>

/* argv with the default options put after argv[0]; `profiles` are the
 * -J names, in order (none: the config file, when there is one). The
 * result lives until defaults_free. On a profile that cannot be read, or
 * a quote left open, prints one line and exits with 255. */
char **defaults_argv(int argc, char **argv, const char *const *profiles, int profile_count, int *new_argc);

/* #! lines: `lanes --shebang OPTIONS COMMAND` as the first line of a
 * script runs COMMAND for each later line of the script; `lanes
 * --shebang-wrap OPTIONS PROGRAM` runs PROGRAM SCRIPT for each of the
 * script's arguments (or lines of standard input). The kernel gives all
 * of the #! line's words as one argument: they are split here. Returns
 * the argv to parse (argv itself when it is no #! call); *shebang is set
 * for --shebang, whose input's first line is the #! line. */
char **defaults_shebang(int argc, char **argv, int *new_argc, bool *shebang);

void defaults_free(void);

#endif
