/* progress.c — owns the progress line: what it says (done, running, failed,
 * rate, a bar and an ETA when the total is known) and when it is drawn. It
 * writes to stderr only (through msg.h, so never blocking), so stdout
 * stays the jobs' output. */
#include "progress.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "loop.h"
#include "msg.h"
#include "timer.h"

#define TTY_INTERVAL_NS (100 * INT64_C(1000000))
#define PLAIN_INTERVAL_NS (1000 * INT64_C(1000000))
#define BAR_WIDTH 24

static const struct options *opts;
static long total;
static bool active, tty;
static int64_t started_at = -1, drawn_at = -1;
static void (*get_counts)(struct progress_counts *);
static void on_timer(struct timer_entry *e);
static struct timer_entry timer = TIMER_ENTRY(on_timer);

static void format_duration(char *buf, size_t size, double s)
{
	long t = (long)(s + 0.5);
	if (t >= 3600)
		snprintf(buf, size, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
	else
		snprintf(buf, size, "%ld:%02ld", t / 60, t % 60);
}

/* Appends ", part" (or part, first) to the line, as far as it fits. */
static void add_part(char *line, size_t size, size_t *len, const char *part)
{
	int n = snprintf(line + *len, size - *len, "%s%s", *len ? ", " : "", part);
	*len = n < 0 ? *len : *len + (size_t)n >= size ? size - 1 : *len + (size_t)n;
}

static void draw(int64_t now, const struct progress_counts *c, bool last)
{
	char line[512], part[160], eta[32];
	size_t len = 0;
	double elapsed = (double)(now - started_at) / 1e9;
	double rate = elapsed > 0 ? (double)c->done / elapsed : 0;
	line[0] = '\0';
#define ADD(...) do { snprintf(part, sizeof part, __VA_ARGS__); add_part(line, sizeof line, &len, part); } while (0)
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
	if (c->moves && !last)
		ADD("%ld running (limit %ld)", c->running, c->limit);
	else
		ADD("%ld running", c->running);
	if (c->failed)
		ADD("%lu failed", c->failed);
	if (c->throttled)
		ADD("%lu throttled", c->throttled);
	if (c->moves && last && c->lowest == c->highest)
		ADD("limit stayed %ld", c->limit);
	else if (c->moves && last)
		ADD("limit %ld-%ld, final %ld", c->lowest, c->highest, c->limit);
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

/* Draws the line if it is due (or `force`), and sets when to next. */
static void tick(bool force)
{
	if (!active)
		return;
	int64_t now = timer_now();
	int64_t interval = tty ? TTY_INTERVAL_NS : PLAIN_INTERVAL_NS;
	if (force || drawn_at < 0 || now - drawn_at >= interval) {
		struct progress_counts c;
		get_counts(&c);
		draw(now, &c, false);
	}
	timer_schedule(&timer, drawn_at + interval);
}

static void on_timer(struct timer_entry *e)
{
	(void)e;
	tick(false);
}

static void on_toggle(int sig)
{
	(void)sig;
	if (active && tty)
		msg_write("\r\033[K", 4);  /* take the line away */
	active = !active;
	drawn_at = -1;
	if (active)
		tick(true);
	else
		timer_cancel(&timer);
}

void progress_start(const struct options *o, long jobs, void (*counts)(struct progress_counts *))
{
	opts = o;
	total = o->total >= 0 ? o->total : jobs;
	active = o->progress || o->bar || o->eta;
	tty = isatty(2);
	started_at = timer_now();
	get_counts = counts;
	loop_catch(SIGUSR2, on_toggle, false);
	tick(true);
}

void progress_finish(void)
{
	timer_cancel(&timer);
	if (!active)
		return;
	struct progress_counts c;
	get_counts(&c);
	draw(timer_now(), &c, true);
}
