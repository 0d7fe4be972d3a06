/* results.h — --results DIR: each job's output in files of a directory
 * named by its arguments, GNU parallel's layout: DIR/1/VALUE/2/VALUE/
 * holding stdout, stderr and seq. */
#ifndef LANES_RESULTS_H
#define LANES_RESULTS_H

#include <stdbool.h>
#include <stddef.h>

#include "input.h"
#include "joblog.h"

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

/* --results FILE.csv, .tsv or .json: one table of all the jobs, a row
 * each as it ends (GNU parallel's columns: those of the joblog, then
 * the arguments V1... and the job's Stdout and Stderr). */
struct results_table;

/* True when `path` names a table (by its suffix). */
bool results_is_table(const char *path);

/* Opens (truncating) the table; NULL after a message. */
struct results_table *results_table_open(const char *path);

/* Two unnamed files in TMPDIR for a job's stdout and stderr, which the
 * row takes whole. Returns 0, or the errno. */
int results_table_files(int fds[2]);

/* The job's row: `row` as for the joblog, its arguments, and the files
 * its output went to, which are read and closed. */
void results_table_row(struct results_table *t, const struct joblog_row *row, const struct input_item *args,
		       int fds[2]);

void results_table_close(struct results_table *t);

#endif
