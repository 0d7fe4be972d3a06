/* results.c — owns --results' directories: their names, made from a
 * job's arguments, and the files in them. Knows nothing of processes:
 * the runner gives the files to the job as its stdout and stderr. */
#include "results.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc.h"

struct path {
	char *text;
	size_t len, cap;
};

static void put(struct path *p, const char *s, size_t n)
{
	p->text = xgrow(p->text, &p->cap, p->len + n + 1, 1);
	memcpy(p->text + p->len, s, n);
	p->len += n;
	p->text[p->len] = '\0';
}

static void put_component(struct path *p, const char *v, size_t n)
{
	put(p, "/", 1);
	if (n == 0 || (n == 1 && v[0] == '.') || (n == 2 && v[0] == '.' && v[1] == '.')) {
		put(p, "\\", 1);  /* "" -> \, "." -> \., ".." -> \.. */
		put(p, v, n);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		if (v[i] == '/')
			put(p, "\\_", 2);
		else if (v[i] == '\\')
			put(p, "\\\\", 2);
		else
			put(p, v + i, 1);
	}
}

char *results_dir(const char *base, const struct input_item *item, size_t per_tuple, const char *const *names,
		  size_t name_count)
{
	struct path p = { NULL, 0, 0 };
	size_t len = strlen(base);
	while (len > 1 && base[len - 1] == '/')
		len--;
	put(&p, base, len);
	for (size_t k = 0; k < item->count; k++) {
		size_t source = per_tuple ? k % per_tuple : k;
		char number[24];
		if (source < name_count) {
			put_component(&p, names[source], strlen(names[source]));
		} else {
			snprintf(number, sizeof number, "%zu", source + 1);
			put(&p, "/", 1);
			put(&p, number, strlen(number));
		}
		put_component(&p, item->args[k].ptr, item->args[k].len);
	}
	return p.text;
}

/* mkdir -p, from the first directory that is missing. */
static int make_dirs(char *path)
{
	for (char *s = path + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		int rc = mkdir(path, 0777);
		int e = errno;
		*s = '/';
		if (rc != 0 && e != EEXIST)
			return e;
	}
	if (mkdir(path, 0777) != 0 && errno != EEXIST)
		return errno;
	return 0;
}

static int open_in(const char *dir, const char *name)
{
	size_t len = strlen(dir) + strlen(name) + 2;
	char *path = xmalloc(len);
	snprintf(path, len, "%s/%s", dir, name);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	int e = errno;
	free(path);
	errno = e;
	return fd;
}

int results_open(const char *dir, unsigned long seq, int fds[2])
{
	fds[0] = fds[1] = -1;
	char *copy = xstrndup(dir, strlen(dir));
	int e = make_dirs(copy);
	free(copy);
	if (e)
		return e;
	int s = open_in(dir, "seq");
	if (s < 0)
		return errno;
	char number[24];
	int n = snprintf(number, sizeof number, "%lu", seq);  /* no newline, as GNU's */
	bool ok = write(s, number, (size_t)n) == n;
	e = errno;
	close(s);
	if (!ok)
		return e ? e : EIO;
	if ((fds[0] = open_in(dir, "stdout")) < 0 || (fds[1] = open_in(dir, "stderr")) < 0) {
		e = errno;
		if (fds[0] >= 0)
			close(fds[0]);
		fds[0] = fds[1] = -1;
		return e;
	}
	return 0;
}
