/* results.h — --results DIR: each job's output in files of a directory
 * named by its arguments, GNU parallel's layout: DIR/1/VALUE/2/VALUE/
 * holding stdout, stderr and seq. */
#ifndef LANES_RESULTS_H
#define LANES_RESULTS_H

#include <stddef.h>

#include "input.h"

/* The job's directory: for each argument, its source's number (or
 * --header name, when `names` are given) and its value, escaped so that
 * it is one path component that no other value gives: '/' is \_, '\'
 * is \\, and "", "." and ".." are \, \. and \... `per_tuple` is how many
 * arguments one tuple gives (the sources, or --colsep's columns). */
char *results_dir(const char *base, const struct input_item *item, size_t per_tuple, const char *const *names,
		  size_t name_count);

/* Makes the directory (and those above it), writes its seq file, and
 * opens (truncating) its stdout and stderr: fds[0], fds[1]. Returns 0,
 * or the errno of what failed. */
int results_open(const char *dir, unsigned long seq, int fds[2]);

#endif
