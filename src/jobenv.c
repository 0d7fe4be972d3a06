/* jobenv.c — owns the jobs' environment: one array, built once, whose
 * first two entries are rewritten in place for each job, so that starting
 * a job copies nothing. */
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

static bool same_name(const char *entry, const char *name, size_t len)
{
	return strncmp(entry, name, len) == 0 && entry[len] == '=';
}

static void drop(const char *name)
{
	size_t len = strlen(name);
	for (size_t i = 2; i < count; i++)
		if (same_name(env[i], name, len)) {
			memmove(env + i, env + i + 1, (count - i) * sizeof *env);
			count--;
			return;
		}
}

void jobenv_init(void)
{
	size_t n = 0;
	while (environ[n])
		n++;
	env = xgrow(env, &cap, n + 3, sizeof *env);
	env[0] = seq_var;
	env[1] = slot_var;
	count = 2;
	for (size_t i = 0; i < n; i++)
		env[count++] = environ[i];
	env[count] = NULL;
	drop("LANES_SEQ");
	drop("LANES_SLOT");
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
	return env;
}

void jobenv_free(void)
{
	for (size_t i = 0; i < owned_count; i++)
		free(owned[i]);
	free(owned);
	free(env);
	env = NULL;
	owned = NULL;
	count = cap = owned_count = owned_cap = 0;
}
