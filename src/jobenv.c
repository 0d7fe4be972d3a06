/* jobenv.c — owns the jobs' environment: one array, built once, whose
 * first entries (LANES_SEQ, LANES_SLOT, and --process-slot-var's) are
 * rewritten in place for each job, so that starting a job copies
 * nothing. */
#include "jobenv.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"

extern char **environ;

static char **env;
static size_t count, cap;
static char **owned;             /* entries added by jobenv_set */
static size_t owned_count, owned_cap;
static char seq_var[40], slot_var[40];
static const char *extra_name;   /* --process-slot-var: NAME=slot-1 */
static char *extra_var;
static size_t fixed;             /* the entries rewritten for each job */

static bool same_name(const char *entry, const char *name, size_t len)
{
	return strncmp(entry, name, len) == 0 && entry[len] == '=';
}

static void drop(const char *name)
{
	size_t len = strlen(name);
	for (size_t i = fixed; i < count; i++)
		if (same_name(env[i], name, len)) {
			memmove(env + i, env + i + 1, (count - i) * sizeof *env);
			count--;
			return;
		}
}

void jobenv_slot_var(const char *name)
{
	extra_name = name;
}

void jobenv_init(void)
{
	size_t n = 0;
	while (environ[n])
		n++;
	env = xgrow(env, &cap, n + 4, sizeof *env);
	env[0] = seq_var;
	env[1] = slot_var;
	fixed = count = 2;
	if (extra_name) {
		extra_var = xmalloc(strlen(extra_name) + 24);
		env[fixed] = extra_var;
		fixed = count = 3;
	}
	for (size_t i = 0; i < n; i++)
		env[count++] = environ[i];
	env[count] = NULL;
	drop("LANES_SEQ");
	drop("LANES_SLOT");
	if (extra_name)
		drop(extra_name);
}

void jobenv_set(const char *name, const char *value)
{
	drop(name);
	size_t len = strlen(name) + strlen(value) + 2;
	char *entry = xmalloc(len);
	snprintf(entry, len, "%s=%s", name, value);
	owned = xgrow(owned, &owned_cap, owned_count + 1, sizeof *owned);
	owned[owned_count++] = entry;
	env = xgrow(env, &cap, count + 2, sizeof *env);
	env[count++] = entry;
	env[count] = NULL;
}

char *const *jobenv_for(unsigned long seq, int slot)
{
	snprintf(seq_var, sizeof seq_var, "LANES_SEQ=%lu", seq);
	snprintf(slot_var, sizeof slot_var, "LANES_SLOT=%d", slot);
	if (extra_name)
		snprintf(extra_var, strlen(extra_name) + 24, "%s=%d", extra_name, slot - 1);
	return env;
}

void jobenv_free(void)
{
	for (size_t i = 0; i < owned_count; i++)
		free(owned[i]);
	free(owned);
	free(env);
	free(extra_var);
	env = NULL;
	extra_var = NULL;
	owned = NULL;
	count = cap = owned_count = owned_cap = 0;
}
