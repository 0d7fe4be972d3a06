/* progress.c — owns the progress line: what it says (done, running, failed,
 * rate, a bar and an ETA when the total is known) and when it is drawn. It
 * writes to stderr only (through msg.h, so never blocking), so stdout
 * stays the jobs' output. */
#include "progress.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "msg.h"

#define TTY_INTERVAL_NS (100 * INT64_C(1000000))
#define PLAIN_INTERVAL_NS (1000 * INT64_C(1000000))
#define BAR_WIDTH 24

static const struct options *opts;
static long total;
static bool active, tty;
static int64_t started_at = -1, drawn_at = -1;

void progress_init(const struct options *o, long jobs, int64_t now)
{
	opts = o;
	total = o->total >= 0 ? o->total : jobs;
	active = o->progress || o->bar || o->eta;
	tty = isatty(2);
	started_at = now;
}

void progress_toggle(void)
{
	if (active && tty)
		msg_write("\r\033[K", 4);  /* take the line away */
	active = !active;
	drawn_at = -1;
}

bool progress_active(void)
{
	return active;
}

static void format_duration(char *buf, size_t size, double s)
{
	long t = (long)(s + 0.5);
	if (t >= 3600)
		snprintf(buf, size, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
	else
		snprintf(buf, size, "%ld:%02ld", t / 60, t % 60);
}

static void draw(int64_t now, const struct progress_counts *c, bool last)
{
	char line[512], part[160], eta[32];
	size_t len = 0;
	double elapsed = (double)(now - started_at) / 1e9;
	double rate = elapsed > 0 ? (double)c->done / elapsed : 0;
	line[0] = '\0';
#define ADD(...) do { snprintf(part, sizeof part, __VA_ARGS__); \
	len += (size_t)snprintf(line + len, sizeof line - len, "%s%s", len ? ", " : "", part); \
	if (len >= sizeof line) len = sizeof line - 1; } while (0)
	if (opts->bar && total > 0) {
		int fill = (int)((double)c->done * BAR_WIDTH / (double)total);
		if (fill > BAR_WIDTH)
			fill = BAR_WIDTH;
		char bar[BAR_WIDTH + 1];
		memset(bar, '#', (size_t)fill);
		memset(bar + fill, '.', (size_t)(BAR_WIDTH - fill));
		bar[BAR_WIDTH] = '\0';
		ADD("[%s] %3d%%", bar, (int)((double)c->done * 100 / (double)total));
	}
	if (total >= 0)
		ADD("%lu/%ld done", c->done, total);
	else
		ADD("%lu done", c->done);
	ADD("%ld running", c->running);
	if (c->failed)
		ADD("%lu failed", c->failed);
	ADD("%.1f/s", rate);
	if ((opts->eta || opts->bar) && total >= 0 && !last) {
		if (rate > 0 && (long)c->done <= total) {
			format_duration(eta, sizeof eta, (double)(total - (long)c->done) / rate);
			ADD("ETA %s", eta);
		} else {
			ADD("ETA ?");
		}
	}
	format_duration(eta, sizeof eta, elapsed);
	ADD("%s elapsed", eta);
#undef ADD
	char out[600];
	int n = tty ? snprintf(out, sizeof out, "\rlanes: %s\033[K%s", line, last ? "\n" : "")
		    : snprintf(out, sizeof out, "lanes: %s\n", line);
	msg_write(out, n < 0 ? 0 : (size_t)n < sizeof out ? (size_t)n : sizeof out - 1);
	drawn_at = now;
}

int64_t progress_draw(int64_t now, const struct progress_counts *c, bool force)
{
	int64_t interval = tty ? TTY_INTERVAL_NS : PLAIN_INTERVAL_NS;
	if (force || drawn_at < 0 || now - drawn_at >= interval)
		draw(now, c, false);
	return drawn_at + interval;
}

void progress_finish(int64_t now, const struct progress_counts *c)
{
	draw(now, c, true);
}
