/* options.c — turns argv into struct options. Every default and every
 * validation of the command line lives here; a bad value ends the run
 * with one line naming the option, the value and what would be valid,
 * before any job starts. */
#include "options.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <sys/stat.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alloc.h"
#include "defaults.h"
#include "machine.h"

static const char usage_text[] =
	"Usage: lanes [OPTIONS] [COMMAND [ARG...]] [::: ARGS... | :::: FILES...]...\n"
	"\n"
	"Run commands in parallel, at most N at a time. With no COMMAND, every\n"
	"non-empty line of standard input is one shell command line. With one,\n"
	"every input item fills its {} (or is appended), shell-quoted.\n"
	"\n"
	"Options:\n"
	"  -j, -P, --jobs, --max-procs N\n"
	"                         run at most N jobs at once: N, N% of the CPUs, +N or\n"
	"                         -N CPUs, or 0 (as many as the system allows);\n"
	"                         auto or auto:MIN-MAX (adapt while running); FILE\n"
	"                         (read again as jobs end); default: the CPUs this\n"
	"                         process may use\n"
	"      --timeout DURATION end a job that runs longer (30, 1.5s, 500ms, 2m, 1h)\n"
	"      --termseq, --term-seq SEQ\n"
	"                         signals and waits (ms) that end a job's process group\n"
	"                         (default TERM,200,TERM,100,TERM,50,KILL,25)\n"
	"      --group            print each job's stdout, then its stderr, when it\n"
	"                         ends; never mixed with another job's (default)\n"
	"      --line-buffer, --lb, --linebuffer\n"
	"                         print whole lines as they come; jobs interleave\n"
	"  -u, --ungroup          let jobs write straight to the output\n"
	"  -k, --keep-order       print in input order (--no-keep-order: do not)\n"
	"      --tag              prefix each output line with the job and a TAB\n"
	"      --tagstring STR    prefix each output line with STR and a TAB\n"
	"      --color, --colour  each job's lines in a colour of its own (--ctag:\n"
	"                         --color --tag; --ctagstring STR: with --tagstring)\n"
	"      --color-failed, --cf  a failed job's lines white on red\n"
	"      --halt WHEN        stop early: now|soon,fail|success|done=N|N%, or 0, 1, 2\n"
	"      --shell PATH       the shell for command lines that need one (default:\n"
	"                         $PARALLEL_SHELL, the shell lanes was started from,\n"
	"                         $SHELL, /bin/sh: the first that is POSIX-style)\n"
	"      --nice N           run the jobs at niceness N (when nicer than lanes)\n"
	"      --tmpdir, --tempdir DIR   the same as TMPDIR=DIR\n"
	"      --gnu              accepted, as GNU parallel's (changes nothing)\n"
	"      --process-slot-var NAME   set NAME to the job's slot - 1 in each job\n"
	"      --tty              give each job the terminal (implies -j1 and -u)\n"
	"      --sem-id NAME:N    each job also holds one of N slots shared by every run\n"
	"                         naming NAME (a semaphore: see --semaphore)\n"
	"      --no-jobserver     neither join make's jobserver nor offer one to jobs\n"
	"      --jobserver-style STYLE\n"
	"                         the one offered: fifo (make 4.4, ninja), pipe (make\n"
	"                         4.3) or both (the default)\n"
	"\n"
	"Logs, retries, pacing, progress:\n"
	"      --joblog, --jl FILE   one row per finished job (+FILE appends, - stdout)\n"
	"      --resume          skip the jobs the joblog already has\n"
	"      --resume-failed   ... but run its failed ones again\n"
	"      --retry-failed    rerun the failed commands of the joblog\n"
	"      --retries N       run a failing job up to N times in all (0: no limit)\n"
	"      --retry-delay D   wait D before a retry, doubling each time\n"
	"      --throttle-exit CODES\n"
	"                        these exit statuses (75,...) mean throttled: run the\n"
	"                        job again after a backoff; -j auto halves its limit\n"
	"      --throttle-retries N   give up after N reruns for throttling (default: never)\n"
	"      --limit-log FILE  a line each time the job limit moves (-j auto, -j FILE)\n"
	"      --delay D         at least D between job starts\n"
	"      --rate N/s        at most N starts in any second (or /m, /h, /d)\n"
	"      --load N          start jobs only while fewer than N processes run\n"
	"      --memfree SIZE    start jobs only while SIZE of memory is free (1G)\n"
	"      --progress, --bar, --eta   show progress on stderr (--total N)\n"
	"\n"
	"Semaphore (lanes --semaphore COMMAND, or sem COMMAND):\n"
	"      --semaphore        run COMMAND once a slot of the semaphore is free\n"
	"      --id NAME          the semaphore (default: the terminal's name)\n"
	"  -j N                   slots of that semaphore (default 1)\n"
	"      --fg               wait for COMMAND, exit with its status\n"
	"      --bg               return once COMMAND has started (the default)\n"
	"      --wait             wait until no command holds a slot of NAME\n"
	"      --st D             --semaphore-timeout: after D run anyway; after -D give up\n"
	"\n"
	"Input and templates:\n"
	"  ::: ARGS...           a source of arguments (:::+ pairs it with the last)\n"
	"  :::: FILES...         sources read from files (::::+ pairs; - is stdin)\n"
	"  -a, --arg-file FILE   a source read from FILE (repeatable)\n"
	"      --link            pair all sources, recycling the shorter ones\n"
	"  -0, --null            items end with NUL, not newline\n"
	"  -d, --delimiter STR   items end with STR: characters, \\xHH, \\n \\t \\0 \\\\ \\r ...\n"
	"  -C, --colsep REGEX    split each item into columns {1}, {2}, ...\n"
	"      --csv             items are CSV records (RFC 4180), fields {1}, {2}, ...\n"
	"      --trim n|l|r|lr   trim white space off items (default: off columns, lr)\n"
	"  -E, --eof STR         an item equal to STR ends its source\n"
	"      --arg-sep (--argsep) STR, --arg-file-sep (--argfilesep) STR\n"
	"                        STR instead of ::: and ::::\n"
	"  -n, --max-args N      up to N items per job; {} is all of them\n"
	"  -N, --max-replace-args N   the same, {1}..{N} naming each; -N0: one, given\n"
	"                        to none\n"
	"      --skip-first-line the first line of the input is no job\n"
	"      --shuf            run the jobs in a random order (reads all input first)\n"
	"      --files, --output-as-files, --outputasfiles\n"
	"                        each job's stdout to a file in TMPDIR; print its name\n"
	"      --results, --res DIR   each job's stdout, stderr and seq in\n"
	"                        DIR/1/VALUE/2/VALUE/... (or one table: DIR.csv, .tsv,\n"
	"                        .json); nothing printed\n"
	"  -m                    as many items a job as its line holds, spread over slots\n"
	"  -X                    the same, each word with {} repeated for each item\n"
	"      --xargs           as -m, not spread: the input streams\n"
	"  -s, --max-chars N     command lines shorter than N (-m, -X: 131072)\n"
	"  -x, --exit            end the run when -s is exceeded (always so)\n"
	"  -I STR                use STR instead of {} (-iSTR, --replace=STR: the same)\n"
	"  -r, --no-run-if-empty skip blank items\n"
	"  -q, --quote           quote the command words too\n"
	"      --dry-run, --dryrun   print the command lines, run nothing\n"
	"      --shell-quote     print the command lines quoted, run nothing\n"
	"  -t, --verbose         print each command line to stderr as it starts\n"
	"  -v                    print each command line before its output, on stdout\n"
	"      --silent          do not (takes back -v)\n"
	"Replacement strings: {} {.} {/} {//} {/.} {#} {%} {N} {N.} {N/} {N//} {N/.} {-N}\n"
	"      --plus            also {+/} {+.} {+..} {+...} {..} {...} {/..} {/...} {##}\n"
	"                        {0#} {0%}\n"
	"\n"
	"Other hosts (over OpenSSH; -j is then per host):\n"
	"  -S, --sshlogin [N/][user@]host[:port]\n"
	"                        run jobs there (repeatable, comma lists; : is this\n"
	"                        machine; N/: its slots, else -j of its CPUs)\n"
	"      --slf, --sshloginfile FILE   hosts from FILE, one a line (read again\n"
	"                        when it changes)\n"
	"      --ssh CMD         the ssh command (default: ssh)\n"
	"  -M, --controlmaster   one connection per host, a channel per job (default;\n"
	"                        --no-controlmaster: a connection per job)\n"
	"      --workdir, --wd DIR   run jobs in DIR, there or here (... a new one a job)\n"
	"      --transfer        send {} to the host first (--transferfile, --tf F: F)\n"
	"      --return F        bring F back after the job\n"
	"      --cleanup         remove what was sent and returned from the host\n"
	"      --trc F           --transfer --return F --cleanup\n"
	"      --basefile, --bf F    send F to every host before its first job\n"
	"      --env NAME        give jobs there this variable (or exported function)\n"
	"      --onall           every job on every host (--nonall: the command once)\n"
	"      --filter-hosts    drop a host that does not answer without a warning\n"
	"      --slurm           each job a Slurm step of this allocation (srun; -j is\n"
	"                        then SLURM_NTASKS), or outside one a job of its own\n"
	"      --slurm-args ARGS     more srun options, split at blanks\n"
	"\n"
	"Blocks of data on the jobs' stdin (--pipe):\n"
	"      --pipe            cut stdin into blocks, one job's stdin each\n"
	"      --pipepart -a F   the same from file F, read by each job directly\n"
	"      --block SIZE      about SIZE bytes a block (1M; k, M, G; -N: N per slot)\n"
	"      --recend STR      records end with STR (newline); --recstart STR begin so\n"
	"      --regexp          --recend and --recstart are regular expressions\n"
	"  -N N                  (with --pipe) exactly N records a block\n"
	"  -L, --max-lines N     (with --pipe) a record is N lines; without it, N lines\n"
	"                        a job, as -X (-l: -L 1)\n"
	"      --header H        H lines, or what matches regex H, go before every block;\n"
	"                        without --pipe, --header : names each source {name}\n"
	"      --round-robin     one job per slot, each fed block after block\n"
	"      --cat             the block in a temporary file, named by {}\n"
	"      --fifo            the block through a named pipe, named by {}\n"
	"      --shebang, --hashbang, --shebang-wrap\n"
	"                         first on a script's #! line (see lanes(1))\n"
	"  -J, --profile NAME     options from $XDG_CONFIG_HOME/lanes/NAME, instead of\n"
	"                         .../lanes/config (both before $LANES_OPTIONS)\n"
	"      --plain            read no default options (config, -J, LANES_OPTIONS)\n"
	"      --number-of-cpus, --number-of-cores, --number-of-threads\n"
	"                         print the CPUs this process may use and exit\n"
	"      --max-line-length-allowed   print the line -m and -X fill up to and exit\n"
	"  -h, --help             print this help and exit\n"
	"      --version          print the version and exit\n"
	"\n"
	"Exit status: 0 all jobs succeeded; 1-100 that many failed; 101 more failed;\n"
	"--halt: as GNU parallel (see lanes(1)); 128+N stopped by signal N;\n"
	"255 lanes could not do its work. See lanes(1).\n";

#define NS_PER_MS INT64_C(1000000)
#define NS_PER_S INT64_C(1000000000)
/* Durations beyond a century are surely a mistake (and would overflow). */
#define DURATION_MAX_NS (NS_PER_S * 86400 * 36500)

static void usage_error(const char *option, const char *fmt, ...)
	__attribute__((format(printf, 2, 3), noreturn));

static void usage_error(const char *option, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "lanes: %s: ", option);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(EXIT_LANES_ERROR);
}

/* Reads a decimal number with an optional fraction ("12", "1.5", ".5")
 * into a value scaled by `scale`, advancing *p. No signs, no exponents. */
static int parse_decimal(const char **p, int64_t scale, int64_t *out)
{
	const char *s = *p;
	int64_t whole = 0;
	int digits = 0;
	while (isdigit((unsigned char)*s)) {
		if (whole > DURATION_MAX_NS / 10)
			return -2;  /* too large */
		whole = whole * 10 + (*s++ - '0');
		digits++;
	}
	double fraction = 0, place = 0.1;
	if (*s == '.') {
		s++;
		while (isdigit((unsigned char)*s)) {
			fraction += (*s++ - '0') * place;
			place /= 10;
			digits++;
		}
	}
	if (digits == 0)
		return -1;
	if (whole > DURATION_MAX_NS / scale)
		return -2;
	*out = whole * scale + (int64_t)(fraction * (double)scale + 0.5);
	*p = s;
	return 0;
}

int options_parse_duration(const char *text, int64_t *ns)
{
	static const struct { const char *suffix; int64_t scale; } units[] = {
		{ "ms", NS_PER_MS }, { "s", NS_PER_S }, { "m", 60 * NS_PER_S },
		{ "h", 3600 * NS_PER_S }, { "d", 86400 * NS_PER_S },
	};
	const char *p = text;
	int64_t total = 0;
	if (*p == '\0')
		return -1;
	while (*p) {
		/* Parse the number at the finest scale (ns), then apply the unit. */
		const char *start = p;
		int64_t value;
		int e = parse_decimal(&p, 1, &value);
		if (e != 0)
			return e;
		int64_t scale = NS_PER_S;
		size_t i;
		for (i = 0; i < sizeof units / sizeof units[0]; i++) {
			size_t n = strlen(units[i].suffix);
			if (strncmp(p, units[i].suffix, n) == 0) {
				scale = units[i].scale;
				p += n;
				break;
			}
		}
		if (i == sizeof units / sizeof units[0] && *p != '\0')
			return -1;
		/* Re-read with the real scale so fractions keep their precision. */
		if ((e = parse_decimal(&start, scale, &value)) != 0)
			return e;
		if (value > DURATION_MAX_NS - total)
			return -2;
		total += value;
	}
	*ns = total;
	return 0;
}

/* A duration option's value, or a one-line error and exit 255. */
static void take_duration(const char *name, const char *text, int64_t *ns)
{
	int e = options_parse_duration(text, ns);
	if (e == -2)
		usage_error(name, "'%s' is too long: at most 100 years (36500d)", text);
	if (e != 0)
		usage_error(name, "'%s' is not a duration (examples: 30, 1.5s, 500ms, 2m, 1h)", text);
}

/* A shell variable's name. */
static bool valid_name(const char *s)
{
	if (!(isalpha((unsigned char)*s) || *s == '_'))
		return false;
	while (*++s)
		if (!(isalnum((unsigned char)*s) || *s == '_'))
			return false;
	return true;
}

static int parse_long(const char *s, long *out)
{
	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	char *end;
	long v = strtol(s, &end, 10);
	if (errno || *end || v > INT_MAX)
		return -1;
	*out = v;
	return 0;
}

/* parse_long, with a leading minus allowed. */
static int parse_signed(const char *s, long *out)
{
	int rc = parse_long(s + (*s == '-'), out);
	if (rc == 0 && *s == '-')
		*out = -*out;
	return rc;
}

int options_parse_jobs(const char *text, struct jobs_spec *out)
{
	const char *s = text;
	struct jobs_spec spec = { JOBS_ABSOLUTE, 0, 0, 0 };
	if (strncmp(s, "auto", 4) == 0) {
		/* auto, or auto:MIN-MAX */
		spec = (struct jobs_spec){ JOBS_AUTO, 0, 1, JOBS_LIMIT };
		s += 4;
		if (*s == '\0') {
			*out = spec;
			return 0;
		}
		const char *dash = *s == ':' ? strchr(s + 1, '-') : NULL;
		char part[32];
		if (!dash || (size_t)(dash - s - 1) >= sizeof part)
			return -1;
		memcpy(part, s + 1, (size_t)(dash - s - 1));
		part[dash - s - 1] = '\0';
		if (parse_long(part, &spec.min) != 0 || parse_long(dash + 1, &spec.max) != 0 || spec.min < 1 ||
		    spec.max < spec.min || spec.max > JOBS_LIMIT)
			return -1;
		*out = spec;
		return 0;
	}
	if (*s == '+') {
		spec.kind = JOBS_PLUS;
		s++;
	} else if (*s == '-') {
		spec.kind = JOBS_MINUS;
		s++;
	}
	size_t len = strlen(s);
	char digits[32];
	if (len == 0 || len >= sizeof digits)
		return -1;
	memcpy(digits, s, len + 1);
	if (digits[len - 1] == '%') {
		if (spec.kind != JOBS_ABSOLUTE)
			return -1;
		spec.kind = JOBS_PERCENT;
		digits[len - 1] = '\0';
	}
	if (parse_long(digits, &spec.value) != 0)
		return -1;
	if (spec.kind == JOBS_ABSOLUTE && spec.value == 0)
		spec.kind = JOBS_MAX;
	*out = spec;
	return 0;
}

long options_resolve_jobs(const struct jobs_spec *spec, long cpus, long unlimited)
{
	long n;
	switch (spec->kind) {
	case JOBS_MAX: return unlimited;
	case JOBS_AUTO: return spec->max;
	case JOBS_FILE: return unlimited;
	case JOBS_PERCENT: n = cpus * spec->value / 100; if (n < 1) n = 1; break;
	case JOBS_PLUS: n = cpus + spec->value; break;
	case JOBS_MINUS: n = cpus - spec->value; break;
	default: n = spec->value; break;
	}
	return n < 1 ? -1 : n;
}

int options_parse_statuses(const char *text, uint64_t bits[4])
{
	uint64_t b[4] = { 0, 0, 0, 0 };
	const char *s = text;
	for (;;) {
		char *end;
		errno = 0;
		long v = strtol(s, &end, 10);
		if (errno || end == s || !(*s >= '0' && *s <= '9') || v < 1 || v > 255 || (*end && *end != ','))
			return -1;
		b[v / 64] |= UINT64_C(1) << (v % 64);
		if (!*end)
			break;
		s = end + 1;
	}
	memcpy(bits, b, sizeof b);
	return 0;
}

bool options_throttled(const struct options *opts, int status)
{
	return opts->throttle && status >= 1 && status <= 255 &&
	       (opts->throttle_codes[status / 64] >> (status % 64) & 1);
}

static const struct { const char *name; int number; } signal_table[] = {
		{ "HUP", SIGHUP }, { "INT", SIGINT }, { "QUIT", SIGQUIT }, { "ILL", SIGILL },
		{ "TRAP", SIGTRAP }, { "ABRT", SIGABRT }, { "BUS", SIGBUS }, { "FPE", SIGFPE },
		{ "KILL", SIGKILL }, { "USR1", SIGUSR1 }, { "SEGV", SIGSEGV }, { "USR2", SIGUSR2 },
		{ "PIPE", SIGPIPE }, { "ALRM", SIGALRM }, { "TERM", SIGTERM }, { "CHLD", SIGCHLD },
		{ "CONT", SIGCONT }, { "STOP", SIGSTOP }, { "TSTP", SIGTSTP }, { "TTIN", SIGTTIN },
		{ "TTOU", SIGTTOU }, { "URG", SIGURG }, { "XCPU", SIGXCPU }, { "XFSZ", SIGXFSZ },
		{ "VTALRM", SIGVTALRM }, { "PROF", SIGPROF }, { "WINCH", SIGWINCH }, { "SYS", SIGSYS },
};

const char *options_signal_name(int sig)
{
	for (size_t i = 0; i < sizeof signal_table / sizeof signal_table[0]; i++)
		if (signal_table[i].number == sig)
			return signal_table[i].name;
	return "?";
}

int options_parse_signal(const char *name)
{
	long number;
	if (parse_long(name, &number) == 0)
		return number >= 1 && number < NSIG ? (int)number : -1;
	if (strncasecmp(name, "SIG", 3) == 0)
		name += 3;
	for (size_t i = 0; i < sizeof signal_table / sizeof signal_table[0]; i++)
		if (strcasecmp(name, signal_table[i].name) == 0)
			return signal_table[i].number;
	return -1;
}

int options_parse_termseq(const char *text, struct termseq *out, const char **why)
{
	struct termseq seq = { 0 };
	char buf[512];
	if (strlen(text) >= sizeof buf) {
		*why = "is too long";
		return -1;
	}
	strcpy(buf, text);
	char *save = NULL;
	int field = 0;
	for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save), field++) {
		if (field % 2 == 0) {
			if (seq.count == TERMSEQ_MAX) {
				*why = "has too many steps";
				return -1;
			}
			int sig = options_parse_signal(tok);
			if (sig < 0) {
				*why = "names an unknown signal";
				return -1;
			}
			seq.signal[seq.count] = sig;
			seq.wait_ns[seq.count] = 0;
			seq.count++;
		} else {
			long ms;
			if (parse_long(tok, &ms) != 0) {
				*why = "has a wait that is not a whole number of milliseconds";
				return -1;
			}
			seq.wait_ns[seq.count - 1] = ms * NS_PER_MS;
		}
	}
	/* strtok_r skips empty fields; a doubled or trailing comma is a typo. */
	if (seq.count == 0 || strstr(text, ",,") || text[0] == ',' || text[strlen(text) - 1] == ',') {
		*why = "is not a list of signal,milliseconds pairs";
		return -1;
	}
	*out = seq;
	return 0;
}

int options_parse_halt(const char *text, struct halt_spec *out)
{
	struct halt_spec h = { HALT_NEVER, HALT_ON_FAIL, 1, 0, false };
	if (strcmp(text, "0") == 0 || strcmp(text, "never") == 0) {
		*out = h;
		return 0;
	}
	/* GNU's older values: 1 and 2 on a failure, -1 and -2 on a success,
	 * soon and now; 1-99% soon on that many failures. */
	if (strcmp(text, "1") == 0 || strcmp(text, "2") == 0 || strcmp(text, "-1") == 0 || strcmp(text, "-2") == 0) {
		h.when = text[strlen(text) - 1] == '1' ? HALT_SOON : HALT_NOW;
		h.on = text[0] == '-' ? HALT_ON_SUCCESS : HALT_ON_FAIL;
		*out = h;
		return 0;
	}
	const char *p = text;
	h.when = HALT_SOON;
	bool bare = *p >= '0' && *p <= '9';  /* N%: soon,fail=N% */
	if (bare && text[strlen(text) - 1] != '%')
		return -1;
	if (strncmp(p, "now,", 4) == 0) {
		h.when = HALT_NOW;
		p += 4;
	} else if (strncmp(p, "soon,", 5) == 0) {
		p += 5;
	}
	if (bare) {
		h.on = HALT_ON_FAIL;
	} else if (strncmp(p, "fail=", 5) == 0) {
		h.on = HALT_ON_FAIL;
		p += 5;
	} else if (strncmp(p, "success=", 8) == 0) {
		h.on = HALT_ON_SUCCESS;
		p += 8;
	} else if (strncmp(p, "done=", 5) == 0) {
		h.on = HALT_ON_DONE;
		p += 5;
	} else {
		return -1;
	}
	char digits[32];
	size_t len = strlen(p);
	if (len == 0 || len >= sizeof digits)
		return -1;
	memcpy(digits, p, len + 1);
	if (digits[len - 1] == '%') {
		digits[len - 1] = '\0';
		int64_t scaled;
		const char *d = digits;
		if (parse_decimal(&d, 1000, &scaled) != 0 || *d || scaled <= 0 || scaled > 100000)
			return -1;
		h.percent_of_total = true;
		h.percent = scaled / 1000.0;
	} else if (parse_long(digits, &h.count) != 0 || h.count < 1) {
		return -1;
	}
	*out = h;
	return 0;
}

int options_parse_delimiter(const char *text, char *out, size_t *len)
{
	size_t n;
	char *bytes = options_unescape(text, &n);
	int rc = n >= 1 && n <= DELIMITER_MAX ? 0 : -1;
	if (rc == 0) {
		memcpy(out, bytes, n);
		out[n] = '\0';
		*len = n;
	}
	free(bytes);
	return rc;
}

int options_parse_rate(const char *text, long *count, int64_t *window_ns)
{
	const char *slash = strchr(text, '/');
	if (!slash || slash == text)
		return -1;
	char number[64];
	size_t n = (size_t)(slash - text);
	if (n >= sizeof number)
		return -1;
	memcpy(number, text, n);
	number[n] = '\0';
	int64_t nano;  /* the count, in billionths */
	const char *p = number;
	if (parse_decimal(&p, NS_PER_S, &nano) != 0 || *p || nano <= 0)
		return -1;
	static const struct { const char *name; double seconds; } units[] = {
		{ "s", 1 }, { "m", 60 }, { "h", 3600 }, { "d", 86400 },
	};
	double unit = 0;
	for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
		if (strcmp(slash + 1, units[i].name) == 0)
			unit = units[i].seconds * 1e9;
	if (unit == 0)
		return -1;
	/* N a whole number: at most N starts in any one unit. Otherwise one
	 * start in each 1/N of a unit, which keeps any unit to at most N,
	 * rounded up. Above RATE_WINDOW_MAX starts, the window shrinks with
	 * the count, which keeps both the rate and the bound. */
	double k = nano % NS_PER_S == 0 ? (double)(nano / NS_PER_S) : 1;
	if (k > RATE_WINDOW_MAX)
		k = RATE_WINDOW_MAX;
	double window = unit * k * 1e9 / (double)nano;
	if (window > (double)DURATION_MAX_NS)
		return -2;
	*count = (long)k;
	*window_ns = window < 1 ? 1 : (int64_t)window;
	return 0;
}

int options_parse_size(const char *text, long long *bytes)
{
	int64_t milli;
	const char *p = text;
	if (parse_decimal(&p, 1000, &milli) != 0)
		return -1;
	double scale = 1;
	switch (*p) {
	case '\0': break;
	case 'k': case 'K': scale = 1024.0; p++; break;
	case 'm': case 'M': scale = 1024.0 * 1024; p++; break;
	case 'g': case 'G': scale = 1024.0 * 1024 * 1024; p++; break;
	case 't': case 'T': scale = 1024.0 * 1024 * 1024 * 1024; p++; break;
	default: return -1;
	}
	if (*p == 'B' || *p == 'b')
		p++;
	if (*p)
		return -1;
	double v = (double)milli / 1000.0 * scale;
	if (v > 9e18)
		return -1;
	*bytes = (long long)v;
	return 0;
}

int options_compile_colsep(const char *text, regex_t *re)
{
	return options_compile_regex(text, re, REG_EXTENDED);
}

int options_compile_regex(const char *text, regex_t *re, int flags)
{
	/* GNU parallel's expressions are Perl's, where \t is a TAB; POSIX
	 * reads it as the letter t. Translate the escapes that differ. */
	size_t n = strlen(text);
	char *ere = xmalloc(4 * n + 1);
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (text[i] != '\\' || i + 1 == n) {
			ere[k++] = text[i];
			continue;
		}
		char c = text[++i];
		const char *with = NULL;
		switch (c) {
		case 't': with = "\t"; break;
		case 'n': with = "\n"; break;
		case 'r': with = "\r"; break;
		case 'f': with = "\f"; break;
		case 'v': with = "\v"; break;
		case 'd': with = "[0-9]"; break;
		case 'D': with = "[^0-9]"; break;
		}
		if (with) {
			strcpy(ere + k, with);
			k += strlen(with);
		} else {
			ere[k++] = '\\';
			ere[k++] = c;
		}
	}
	ere[k] = '\0';
	int e = regcomp(re, ere, flags);
	free(ere);
	return e;
}

char *options_unescape(const char *text, size_t *len)
{
	char *out = xmalloc(strlen(text) + 1);
	size_t k = 0;
	for (const char *p = text; *p; p++) {
		if (*p != '\\' || !p[1]) {
			out[k++] = *p;
			continue;
		}
		char c = *++p;
		const char *from = strchr("ntrfvab0\\", c);
		if (from) {
			out[k++] = "\n\t\r\f\v\a\b\0\\"[from - "ntrfvab0\\"];
		} else if (c == 'x' && isxdigit((unsigned char)p[1])) {
			char hex[3] = { p[1], isxdigit((unsigned char)p[2]) ? p[2] : '\0', '\0' };
			out[k++] = (char)strtol(hex, NULL, 16);
			p += strlen(hex);
		} else {
			out[k++] = '\\';
			out[k++] = c;
		}
	}
	out[k] = '\0';
	*len = k;
	return out;
}

/* The option as the user typed it: "--timeout" from "--timeout=3x", or "-j". */
static const char *typed_name(const char *arg, int c, char *buf, size_t size)
{
	if (arg && strncmp(arg, "--", 2) == 0) {
		snprintf(buf, size, "%.*s", (int)strcspn(arg, "="), arg);
	} else {
		snprintf(buf, size, "-%c", c);
	}
	return buf;
}

enum {
	OPT_TIMEOUT = 256, OPT_TERMSEQ, OPT_GROUP, OPT_LINE_BUFFER, OPT_TAG, OPT_TAGSTRING,
	OPT_HALT, OPT_SHELL, OPT_VERSION, OPT_LINK, OPT_COLSEP, OPT_DRY_RUN,
	OPT_JOBLOG, OPT_RESUME, OPT_RESUME_FAILED, OPT_RETRY_FAILED, OPT_RETRIES, OPT_RETRY_DELAY,
	OPT_THROTTLE_EXIT, OPT_THROTTLE_RETRIES, OPT_LIMIT_LOG,
	OPT_DELAY, OPT_RATE, OPT_LOAD, OPT_MEMFREE, OPT_PROGRESS, OPT_BAR, OPT_ETA, OPT_TOTAL, OPT_TTY,
	OPT_SEMAPHORE, OPT_FG, OPT_BG, OPT_ID, OPT_WAIT, OPT_SEM_TIMEOUT, OPT_SEM_ID, OPT_NO_JOBSERVER, OPT_JOBSERVER_STYLE,
	OPT_PIPE, OPT_PIPEPART, OPT_BLOCK, OPT_RECSTART, OPT_RECEND, OPT_REGEXP, OPT_HEADER, OPT_ROUND_ROBIN, OPT_CAT,
	OPT_FIFO, OPT_GNU, OPT_REPLACE, OPT_ARG_SEP, OPT_ARG_FILE_SEP, OPT_TRIM, OPT_SLOT_VAR, OPT_NICE,
	OPT_TMPDIR, OPT_EOF, OPT_SHELL_QUOTE, OPT_XARGS, OPT_SHUF, OPT_FILES, OPT_RESULTS, OPT_SHEBANG, OPT_PLUS, OPT_CSV, OPT_SKIP_FIRST, OPT_SILENT, OPT_PLAIN, OPT_CPUS, OPT_LINE_MAX,
	OPT_NO_KEEP_ORDER, OPT_COLOR, OPT_COLOR_FAILED, OPT_SLF, OPT_SSH, OPT_NO_MASTER, OPT_WORKDIR, OPT_TRANSFER, OPT_TRANSFERFILE, OPT_RETURN, OPT_CLEANUP, OPT_TRC, OPT_BASEFILE, OPT_ENV, OPT_ONALL, OPT_NONALL, OPT_FILTER_HOSTS, OPT_SLURM, OPT_SLURM_ARGS, OPT_CTAG, OPT_CTAGSTRING,
};

static const struct option long_options[] = {
	{ "jobs", required_argument, NULL, 'j' },
	{ "max-procs", required_argument, NULL, 'j' },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "termseq", required_argument, NULL, OPT_TERMSEQ },
	{ "term-seq", required_argument, NULL, OPT_TERMSEQ },
	{ "group", no_argument, NULL, OPT_GROUP },
	{ "line-buffer", no_argument, NULL, OPT_LINE_BUFFER },
	{ "linebuffer", no_argument, NULL, OPT_LINE_BUFFER },
	{ "lb", no_argument, NULL, OPT_LINE_BUFFER },
	{ "ungroup", no_argument, NULL, 'u' },
	{ "keep-order", no_argument, NULL, 'k' },
	{ "tag", no_argument, NULL, OPT_TAG },
	{ "tagstring", required_argument, NULL, OPT_TAGSTRING },
	{ "halt", required_argument, NULL, OPT_HALT },
	{ "halt-on-error", required_argument, NULL, OPT_HALT },
	{ "shell", required_argument, NULL, OPT_SHELL },
	{ "tty", no_argument, NULL, OPT_TTY },
	{ "semaphore", no_argument, NULL, OPT_SEMAPHORE },
	{ "fg", no_argument, NULL, OPT_FG },
	{ "bg", no_argument, NULL, OPT_BG },
	{ "id", required_argument, NULL, OPT_ID },
	{ "semaphore-name", required_argument, NULL, OPT_ID },
	{ "semaphorename", required_argument, NULL, OPT_ID },
	{ "wait", no_argument, NULL, OPT_WAIT },
	{ "st", required_argument, NULL, OPT_SEM_TIMEOUT },
	{ "semaphore-timeout", required_argument, NULL, OPT_SEM_TIMEOUT },
	{ "semaphoretimeout", required_argument, NULL, OPT_SEM_TIMEOUT },
	{ "sem-id", required_argument, NULL, OPT_SEM_ID },
	{ "no-jobserver", no_argument, NULL, OPT_NO_JOBSERVER },
	{ "jobserver-style", required_argument, NULL, OPT_JOBSERVER_STYLE },
	{ "pipe", no_argument, NULL, OPT_PIPE },
	{ "spreadstdin", no_argument, NULL, OPT_PIPE },
	{ "pipepart", no_argument, NULL, OPT_PIPEPART },
	{ "pipe-part", no_argument, NULL, OPT_PIPEPART },
	{ "block", required_argument, NULL, OPT_BLOCK },
	{ "block-size", required_argument, NULL, OPT_BLOCK },
	{ "recstart", required_argument, NULL, OPT_RECSTART },
	{ "recend", required_argument, NULL, OPT_RECEND },
	{ "regexp", no_argument, NULL, OPT_REGEXP },
	{ "max-lines", required_argument, NULL, 'L' },
	{ "header", required_argument, NULL, OPT_HEADER },
	{ "round-robin", no_argument, NULL, OPT_ROUND_ROBIN },
	{ "round", no_argument, NULL, OPT_ROUND_ROBIN },
	{ "cat", no_argument, NULL, OPT_CAT },
	{ "fifo", no_argument, NULL, OPT_FIFO },
	{ "arg-file", required_argument, NULL, 'a' },
	{ "link", no_argument, NULL, OPT_LINK },
	{ "xapply", no_argument, NULL, OPT_LINK },
	{ "null", no_argument, NULL, '0' },
	{ "delimiter", required_argument, NULL, 'd' },
	{ "colsep", required_argument, NULL, OPT_COLSEP },
	{ "max-args", required_argument, NULL, 'n' },
	{ "no-run-if-empty", no_argument, NULL, 'r' },
	{ "quote", no_argument, NULL, 'q' },
	{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
	{ "dryrun", no_argument, NULL, OPT_DRY_RUN },
	{ "replace", optional_argument, NULL, OPT_REPLACE },
	{ "arg-sep", required_argument, NULL, OPT_ARG_SEP },
	{ "argsep", required_argument, NULL, OPT_ARG_SEP },
	{ "arg-file-sep", required_argument, NULL, OPT_ARG_FILE_SEP },
	{ "argfilesep", required_argument, NULL, OPT_ARG_FILE_SEP },
	{ "trim", required_argument, NULL, OPT_TRIM },
	{ "process-slot-var", required_argument, NULL, OPT_SLOT_VAR },
	{ "nice", required_argument, NULL, OPT_NICE },
	{ "tmpdir", required_argument, NULL, OPT_TMPDIR },
	{ "tempdir", required_argument, NULL, OPT_TMPDIR },
	{ "eof", optional_argument, NULL, OPT_EOF },
	{ "shell-quote", no_argument, NULL, OPT_SHELL_QUOTE },
	{ "gnu", no_argument, NULL, OPT_GNU },
	{ "profile", required_argument, NULL, 'J' },
	{ "shebang", no_argument, NULL, OPT_SHEBANG },
	{ "hashbang", no_argument, NULL, OPT_SHEBANG },
	{ "shebang-wrap", no_argument, NULL, OPT_SHEBANG },
	{ "xargs", no_argument, NULL, OPT_XARGS },
	{ "shuf", no_argument, NULL, OPT_SHUF },
	{ "plus", no_argument, NULL, OPT_PLUS },
	{ "csv", no_argument, NULL, OPT_CSV },
	{ "files", no_argument, NULL, OPT_FILES },
	{ "output-as-files", no_argument, NULL, OPT_FILES },
	{ "outputasfiles", no_argument, NULL, OPT_FILES },
	{ "skip-first-line", no_argument, NULL, OPT_SKIP_FIRST },
	{ "max-replace-args", required_argument, NULL, 'N' },
	{ "silent", no_argument, NULL, OPT_SILENT },
	{ "plain", no_argument, NULL, OPT_PLAIN },
	{ "number-of-cpus", no_argument, NULL, OPT_CPUS },
	{ "number-of-cores", no_argument, NULL, OPT_CPUS },
	{ "number-of-threads", no_argument, NULL, OPT_CPUS },
	{ "max-line-length-allowed", no_argument, NULL, OPT_LINE_MAX },
	{ "no-keep-order", no_argument, NULL, OPT_NO_KEEP_ORDER },
	{ "color", no_argument, NULL, OPT_COLOR },
	{ "colour", no_argument, NULL, OPT_COLOR },
	{ "color-failed", no_argument, NULL, OPT_COLOR_FAILED },
	{ "colour-failed", no_argument, NULL, OPT_COLOR_FAILED },
	{ "colorfailed", no_argument, NULL, OPT_COLOR_FAILED },
	{ "colourfailed", no_argument, NULL, OPT_COLOR_FAILED },
	{ "color-fail", no_argument, NULL, OPT_COLOR_FAILED },
	{ "colour-fail", no_argument, NULL, OPT_COLOR_FAILED },
	{ "colorfail", no_argument, NULL, OPT_COLOR_FAILED },
	{ "colourfail", no_argument, NULL, OPT_COLOR_FAILED },
	{ "cf", no_argument, NULL, OPT_COLOR_FAILED },
	{ "sshlogin", required_argument, NULL, 'S' },
	{ "sshloginfile", required_argument, NULL, OPT_SLF },
	{ "slf", required_argument, NULL, OPT_SLF },
	{ "ssh", required_argument, NULL, OPT_SSH },
	{ "controlmaster", no_argument, NULL, 'M' },
	{ "no-controlmaster", no_argument, NULL, OPT_NO_MASTER },
	{ "workdir", required_argument, NULL, OPT_WORKDIR },
	{ "wd", required_argument, NULL, OPT_WORKDIR },
	{ "transfer", no_argument, NULL, OPT_TRANSFER },
	{ "transferfile", required_argument, NULL, OPT_TRANSFERFILE },
	{ "tf", required_argument, NULL, OPT_TRANSFERFILE },
	{ "return", required_argument, NULL, OPT_RETURN },
	{ "cleanup", no_argument, NULL, OPT_CLEANUP },
	{ "trc", required_argument, NULL, OPT_TRC },
	{ "basefile", required_argument, NULL, OPT_BASEFILE },
	{ "bf", required_argument, NULL, OPT_BASEFILE },
	{ "env", required_argument, NULL, OPT_ENV },
	{ "onall", no_argument, NULL, OPT_ONALL },
	{ "nonall", no_argument, NULL, OPT_NONALL },
	{ "filter-hosts", no_argument, NULL, OPT_FILTER_HOSTS },
	{ "slurm", no_argument, NULL, OPT_SLURM },
	{ "slurm-args", required_argument, NULL, OPT_SLURM_ARGS },
	{ "ctag", no_argument, NULL, OPT_CTAG },
	{ "ctagstring", required_argument, NULL, OPT_CTAGSTRING },
	{ "results", required_argument, NULL, OPT_RESULTS },
	{ "res", required_argument, NULL, OPT_RESULTS },
	{ "max-chars", required_argument, NULL, 's' },
	{ "exit", no_argument, NULL, 'x' },
	{ "verbose", no_argument, NULL, 't' },
	{ "joblog", required_argument, NULL, OPT_JOBLOG },
	{ "jl", required_argument, NULL, OPT_JOBLOG },
	{ "resume", no_argument, NULL, OPT_RESUME },
	{ "resume-failed", no_argument, NULL, OPT_RESUME_FAILED },
	{ "retry-failed", no_argument, NULL, OPT_RETRY_FAILED },
	{ "retries", required_argument, NULL, OPT_RETRIES },
	{ "retry-delay", required_argument, NULL, OPT_RETRY_DELAY },
	{ "throttle-exit", required_argument, NULL, OPT_THROTTLE_EXIT },
	{ "throttle-retries", required_argument, NULL, OPT_THROTTLE_RETRIES },
	{ "limit-log", required_argument, NULL, OPT_LIMIT_LOG },
	{ "delay", required_argument, NULL, OPT_DELAY },
	{ "rate", required_argument, NULL, OPT_RATE },
	{ "load", required_argument, NULL, OPT_LOAD },
	{ "memfree", required_argument, NULL, OPT_MEMFREE },
	{ "progress", no_argument, NULL, OPT_PROGRESS },
	{ "bar", no_argument, NULL, OPT_BAR },
	{ "eta", no_argument, NULL, OPT_ETA },
	{ "total", required_argument, NULL, OPT_TOTAL },
	{ "total-jobs", required_argument, NULL, OPT_TOTAL },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ NULL, 0, NULL, 0 },
};

static void add_source(struct options *opts, struct source_spec spec)
{
	opts->sources = xrealloc(opts->sources, (size_t)(opts->source_count + 1) * sizeof *opts->sources);
	opts->sources[opts->source_count++] = spec;
}

static void add_file_source(struct options *opts, const char *path, bool linked)
{
	add_source(opts, (struct source_spec){ .kind = SOURCE_FILE, .path = path, .linked = linked });
}

static char **parse_argv;  /* for -i, whose value GNU takes from the next word */
static int parse_argc;
static const char *arg_sep = ":::", *arg_file_sep = "::::";  /* --arg-sep, --arg-file-sep */

/* ":::", "::::" (or what --arg-sep and --arg-file-sep say), and the
 * same with a "+": 1 for a list, 2 for files; 0: not a separator. */
static int separator(const char *arg)
{
	for (int kind = 1; kind <= 2; kind++) {
		const char *sep = kind == 1 ? arg_sep : arg_file_sep;
		size_t n = strlen(sep);
		if (strncmp(arg, sep, n) == 0 && (arg[n] == '\0' || (arg[n] == '+' && arg[n + 1] == '\0')))
			return kind;
	}
	return 0;
}

static bool is_separator(const char *arg)
{
	return separator(arg) != 0;
}

/* After the options: the command words, then sources, each after its
 * separator. ":::" values are taken as they are; "::::" names files. */
static void parse_command_and_sources(struct options *opts, int argc, char **argv)
{
	int i = 0;
	while (i < argc && !is_separator(argv[i]))
		i++;
	if (i > 0) {
		opts->command = argv;
		opts->command_count = i;
	}
	while (i < argc) {
		const char *sep = argv[i++];
		bool files = separator(sep) == 2;
		bool linked = sep[strlen(sep) - 1] == '+' && strcmp(sep, files ? arg_file_sep : arg_sep) != 0;
		int start = i;
		while (i < argc && !is_separator(argv[i]))
			i++;
		if (files) {
			if (start == i)
				usage_error(sep, "needs at least one file name (- is standard input)");
			for (int k = start; k < i; k++)
				add_file_source(opts, argv[k], linked);
		} else {
			add_source(opts, (struct source_spec){ .kind = SOURCE_LIST, .values = argv + start,
							       .count = i - start, .linked = linked });
		}
	}
	/* Nothing before it to pair with: a plain source, as GNU parallel takes it. */
	if (opts->source_count > 0)
		opts->sources[0].linked = false;
}

/* What the options say about each other, kept while parsing. */
struct parse_state {
	char jobs_name[64];       /* -j as typed (-j, -P, --jobs) */
	const char *jobs_text;
	bool jobs_given, output_given, shell_given;
};

/* --jobserver-style: make 4.4's names, and both. */
static enum jobserver_style jobserver_style(const char *name, const char *text)
{
	static const char *const styles[] = { [JOBSERVER_BOTH] = "both", [JOBSERVER_FIFO] = "fifo",
					      [JOBSERVER_PIPE] = "pipe" };
	for (size_t k = 0; k < sizeof styles / sizeof styles[0]; k++)
		if (strcmp(text, styles[k]) == 0)
			return (enum jobserver_style)k;
	usage_error(name, "'%s' is not a jobserver style (fifo, pipe or both)", text);
}

/* The options of how jobs run and print. False: not one of them. */
static bool take_run_option(int c, const char *name, struct options *opts, struct parse_state *st)
{
	const char *why;
	switch (c) {
	case 'j':
	case 'P':
		opts->jobs_file = NULL;
		if (options_parse_jobs(optarg, &opts->jobs) != 0) {
			/* GNU parallel's -j FILE: a name that is no count is a file */
			if (!strchr(optarg, '/') && access(optarg, F_OK) != 0)
				usage_error(name, "'%s' is not a job count nor a file (examples: 8, 50%%, +2, -1, 0, auto, auto:2-16, FILE)",
					    optarg);
			opts->jobs = (struct jobs_spec){ JOBS_FILE, 0, 0, 0 };
			opts->jobs_file = optarg;
		}
		snprintf(st->jobs_name, sizeof st->jobs_name, "%s", name);
		st->jobs_text = optarg;
		st->jobs_given = true;
		break;
	case OPT_TIMEOUT:
		take_duration(name, optarg, &opts->timeout_ns);
		opts->timeout_text = optarg;
		break;
	case OPT_TERMSEQ:
		if (options_parse_termseq(optarg, &opts->termseq, &why) != 0)
			usage_error(name, "'%s' %s (example: TERM,200,TERM,100,KILL,25)", optarg, why);
		break;
	case OPT_GROUP: opts->output = OUTPUT_GROUP; st->output_given = true; break;
	case OPT_LINE_BUFFER: opts->output = OUTPUT_LINE; st->output_given = true; break;
	case 'u': opts->output = OUTPUT_UNGROUP; st->output_given = true; break;
	case OPT_TTY: opts->tty = true; break;
	case OPT_NO_JOBSERVER: opts->no_jobserver = true; break;
	case OPT_JOBSERVER_STYLE: opts->jobserver_style = jobserver_style(name, optarg); break;
	case OPT_SEMAPHORE: case OPT_BG: opts->semaphore = true; break;
	case OPT_FG: opts->semaphore = opts->sem_fg = true; break;
	case OPT_WAIT: opts->semaphore = opts->sem_wait = true; break;
	case OPT_ID:
		if (optarg[0] == '\0')
			usage_error(name, "needs a semaphore name (example: --id db)");
		opts->semaphore = true;
		opts->sem_name = optarg;
		break;
	case OPT_SEM_TIMEOUT: {
		const char *d = optarg[0] == '-' ? optarg + 1 : optarg;
		if (options_parse_duration(d, &opts->sem_timeout_ns) == -2)
			usage_error(name, "'%s' is too long: at most 100 years (36500d)", optarg);
		if (options_parse_duration(d, &opts->sem_timeout_ns) != 0)
			usage_error(name, "'%s' is not a duration, or minus one (examples: 30, 1.5s, -2m)", optarg);
		if (optarg[0] == '-')
			opts->sem_timeout_ns = -opts->sem_timeout_ns;
		opts->semaphore = true;
		opts->sem_timeout_text = optarg;
		break;
	}
	case OPT_SEM_ID: {
		const char *colon = strrchr(optarg, ':');
		long n;
		if (!colon || colon == optarg || parse_long(colon + 1, &n) != 0 || n < 1)
			usage_error(name, "'%s' is not NAME:N, a semaphore name and its number of slots (example: db:4)",
				    optarg);
		free(opts->sem_share);
		opts->sem_share = xstrndup(optarg, (size_t)(colon - optarg));
		opts->sem_share_size = n;
		break;
	}
	case 'k': opts->keep_order = true; break;
	case OPT_TAG: opts->tag = true; break;
	case OPT_TAGSTRING: opts->tagstring = optarg; break;
	case OPT_HALT:
		if (options_parse_halt(optarg, &opts->halt) != 0)
			usage_error(name, "'%s' is not a halt condition (examples: now,fail=1, soon,fail=10%%, now,success=1, 2)", optarg);
		opts->halt_text = optarg;
		break;
	case OPT_SHELL:
		if (optarg[0] == '\0')
			usage_error(name, "needs the path of a shell");
		opts->shell = optarg;
		st->shell_given = true;
		break;
	case OPT_GNU: break;  /* lanes behaves so anyway */
	case 'J': break;      /* read before the options (defaults.c) */
	case OPT_SHEBANG:
		usage_error(name, "must be the first option, as on a #! line (see lanes(1))");
	case OPT_NICE: {
		long n;
		if (parse_signed(optarg, &n) != 0 || n < -20 || n > 19)
			usage_error(name, "'%s' is not a niceness (a whole number from -20 to 19)", optarg);
		opts->nice = (int)n;
		opts->nice_given = true;
		break;
	}
	case OPT_TMPDIR: {
		struct stat sb;
		if (stat(optarg, &sb) != 0 || !S_ISDIR(sb.st_mode))
			usage_error(name, "'%s' is not a directory", optarg);
		setenv("TMPDIR", optarg, 1);  /* as GNU: the same as setting $TMPDIR, for the jobs too */
		break;
	}
	case OPT_SLOT_VAR:
		if (!valid_name(optarg))
			usage_error(name, "'%s' is not a variable name (letters, digits and _, not first a digit)", optarg);
		opts->slot_var = optarg;
		break;
	case OPT_SHELL_QUOTE: opts->shell_quote = opts->dry_run = true; break;  /* runs nothing */
	default:
		return false;
	}
	return true;
}

/* The options of --pipe: how the data is cut and given to the jobs. */
static bool take_pipe_option(int c, const char *name, struct options *opts)
{
	struct blocks_spec *b = &opts->blocks;
	switch (c) {
	case OPT_PIPE: opts->pipe = true; break;
	case OPT_PIPEPART: opts->pipe = true; b->part_file = ""; break;
	case OPT_BLOCK: {
		bool negative = optarg[0] == '-';
		if (options_parse_size(optarg + negative, &b->size) != 0 || b->size < 1)
			usage_error(name, "'%s' is not a block size (examples: 1M, 10M, 500k, -2 for 2 blocks per job slot)",
				    optarg);
		if (negative)
			b->size = -b->size;
		break;
	}
	case OPT_RECSTART: b->recstart = optarg; break;
	case OPT_RECEND: b->recend = optarg; opts->recend_given = true; break;
	case OPT_REGEXP: b->regexp = true; break;
	case 'L':
	case 'l':
		b->lines = 1;  /* -l alone: 1 */
		if (optarg && (parse_long(optarg, &b->lines) != 0 || b->lines < 1))
			usage_error(name, "'%s' is not a number of lines (a whole number from 1)", optarg);
		opts->lines_given = true;
		opts->lines_option = c == 'l' ? "-l" : "-L";
		break;
	case OPT_HEADER:
		if (optarg[0] == '\0')
			usage_error(name, "needs a number of lines or a regular expression (examples: 1, :, '#.*\\n')");
		b->header = optarg;
		break;
	case OPT_ROUND_ROBIN: opts->round_robin = true; break;
	case OPT_CAT: opts->feed = FEED_CAT; break;
	case OPT_FIFO: opts->feed = FEED_FIFO; break;
	default:
		return false;
	}
	return true;
}

/* The options of input sources and templates. */
static bool take_input_option(int c, const char *name, struct options *opts)
{
	switch (c) {
	case 'a':
		add_file_source(opts, optarg, false);
		break;
	case OPT_LINK: opts->link = true; break;
	case '0': opts->delimiter[0] = '\0'; opts->delimiter_len = 1; break;
	case 'd':
		if (options_parse_delimiter(optarg, opts->delimiter, &opts->delimiter_len) != 0)
			usage_error(name, "'%s' is not a delimiter: 1 to %d bytes (examples: , \\t \\0 \\x1e \\r\\n)", optarg,
				    DELIMITER_MAX);
		break;
	case OPT_COLSEP: {
		regex_t re;
		int e = options_compile_colsep(optarg, &re);
		if (e != 0) {
			char why[256];
			regerror(e, &re, why, sizeof why);
			usage_error(name, "'%s' is not a regular expression: %s", optarg, why);
		}
		regfree(&re);
		opts->colsep = optarg;
		break;
	}
	case 'n':
	case 'N':
		if (parse_long(optarg, &opts->per_job) != 0 || opts->per_job < 0)
			usage_error(name, "'%s' is not a number of items (a whole number from 0)", optarg);
		opts->per_job_given = true;
		break;
	case 'I':
		if (optarg[0] == '\0')
			usage_error(name, "needs a non-empty replacement string (example: -I %%)");
		opts->replace = optarg;
		break;
	case 'i':
	case OPT_REPLACE: {
		/* GNU's -i and --replace: the string when attached (-i%%,
		 * --replace=%%), else, as GNU's parser takes it, the next word
		 * when it is no option or separator; else {}. */
		const char *r = optarg;
		if (!r && optind < parse_argc && parse_argv[optind][0] != '-' && !is_separator(parse_argv[optind]))
			r = parse_argv[optind++];
		opts->replace = r && *r ? r : "{}";
		break;
	}
	case 'C':
		c = OPT_COLSEP;  /* GNU's short name for it */
		return take_input_option(c, name, opts);
	case OPT_ARG_SEP:
	case OPT_ARG_FILE_SEP:
		if (optarg[0] == '\0')
			usage_error(name, "needs a non-empty separator (example: %s ,,)", name);
		*(c == OPT_ARG_SEP ? &arg_sep : &arg_file_sep) = optarg;
		break;
	case OPT_TRIM:
		if (strcmp(optarg, "n") == 0)
			opts->trim = TRIM_NONE;
		else if (strcmp(optarg, "l") == 0)
			opts->trim = TRIM_LEFT;
		else if (strcmp(optarg, "r") == 0)
			opts->trim = TRIM_RIGHT;
		else if (strcmp(optarg, "lr") == 0 || strcmp(optarg, "rl") == 0)
			opts->trim = TRIM_BOTH;
		else
			usage_error(name, "'%s' is not a side to trim (n, l, r, lr or rl)", optarg);
		break;
	case 'E':
	case 'e':
	case OPT_EOF: {
		/* -e and --eof alone take the next word, as GNU's parser does
		 * (as for -i); no word: no end-of-file string. */
		const char *eof = optarg;
		if (!eof && optind < parse_argc && parse_argv[optind][0] != '-' && !is_separator(parse_argv[optind]))
			eof = parse_argv[optind++];
		opts->eof_string = eof && *eof ? eof : NULL;
		break;
	}
	case 'r': opts->no_run_if_empty = true; break;
	case 'q': opts->quote = true; break;
	case 'v': opts->echo = true; break;
	case 'm': opts->fill = FILL_MULTI; opts->fill_option = "-m"; break;
	case 'X': opts->fill = FILL_CONTEXT; opts->fill_option = "-X"; break;
	case OPT_XARGS: opts->fill = FILL_XARGS; opts->fill_option = "--xargs"; break;
	case OPT_SHUF: opts->shuffle = true; break;
	case OPT_PLUS: opts->plus = true; break;
	case OPT_CSV: opts->csv = true; break;
	case OPT_SKIP_FIRST: opts->shebang = true; break;  /* its first line is no job, as a #! line */
	case OPT_SILENT: opts->echo = false; break;
	case OPT_PLAIN: break;  /* seen by find_profiles */
	case OPT_NO_KEEP_ORDER: opts->keep_order = false; break;
	case OPT_COLOR: opts->color = true; break;
	case OPT_COLOR_FAILED: opts->color_failed = true; break;
	case OPT_CTAG: opts->color = opts->tag = true; break;
	case OPT_CTAGSTRING: opts->color = true; opts->tagstring = optarg; break;
	case OPT_CPUS:
		printf("%ld\n", machine_cpus());
		exit(0);
	case OPT_LINE_MAX:
		printf("%d\n", MAX_CHARS_DEFAULT - 1);
		exit(0);
	case OPT_FILES: opts->files = true; break;
	case OPT_RESULTS:
		if (optarg[0] == '\0')
			usage_error(name, "needs a directory");
		opts->results = optarg;
		break;
	case 's':
		if (parse_long(optarg, &opts->max_chars) != 0 || opts->max_chars < 1)
			usage_error(name, "'%s' is not a number of characters (a whole number from 1)", optarg);
		break;
	case 'x': break;  /* -s exceeded: lanes always ends then */
	case OPT_DRY_RUN: opts->dry_run = true; break;
	case 't': opts->verbose = true; break;
	default:
		return false;
	}
	return true;
}

/* The options of job logs, retries, pacing and progress. */
static void push(const char ***list, size_t *count, const char *value)
{
	size_t cap = *count;
	*list = xgrow(*list, &cap, *count + 1, sizeof **list);
	(*list)[(*count)++] = value;
}

/* The options of remote hosts. */
static bool take_remote_option(int c, const char *name, struct options *opts)
{
	struct remote_spec *r = &opts->remote;
	switch (c) {
	case 'S':
		if (!*optarg)
			usage_error(name, "needs a host: [N/][user@]host[:port], or : for this machine");
		push(&r->logins, &r->login_count, optarg);
		break;
	case OPT_SLF: push(&r->login_files, &r->login_file_count, optarg); break;
	case OPT_SSH:
		if (!*optarg)
			usage_error(name, "needs a command (default: ssh)");
		r->ssh = optarg;
		break;
	case 'M': r->no_master = false; break;
	case OPT_NO_MASTER: r->no_master = true; break;
	case OPT_WORKDIR:
		if (!*optarg)
			usage_error(name, "needs a directory (or ... for a new one per job, . for this one)");
		r->workdir = optarg;
		break;
	case OPT_TRANSFER: push(&r->transfer, &r->transfer_count, "{}"); break;
	case OPT_TRANSFERFILE: push(&r->transfer, &r->transfer_count, optarg); break;
	case OPT_RETURN: push(&r->returns, &r->return_count, optarg); break;
	case OPT_CLEANUP: r->cleanup = true; break;
	case OPT_TRC:
		push(&r->transfer, &r->transfer_count, "{}");
		push(&r->returns, &r->return_count, optarg);
		r->cleanup = true;
		break;
	case OPT_BASEFILE: push(&r->basefiles, &r->basefile_count, optarg); break;
	case OPT_ENV:
		for (const char *p = optarg; *p; p++)
			if (!(*p == '_' || (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (p > optarg && *p >= '0' && *p <= '9')))
				usage_error(name, "'%s' is not a variable name", optarg);
		if (!*optarg)
			usage_error(name, "needs a variable name");
		push(&r->env, &r->env_count, optarg);
		break;
	case OPT_ONALL: r->onall = true; break;
	case OPT_NONALL: r->nonall = r->onall = true; break;
	case OPT_FILTER_HOSTS: r->filter_hosts = true; break;
	case OPT_SLURM: opts->slurm = true; break;
	case OPT_SLURM_ARGS: opts->slurm_args = optarg; break;
	default: return false;
	}
	return true;
}

static bool take_log_option(int c, const char *name, struct options *opts)
{
	switch (c) {
	case OPT_JOBLOG:
		if (optarg[0] == '\0' || strcmp(optarg, "+") == 0)
			usage_error(name, "needs a file name (FILE, +FILE to append, or - for stdout)");
		opts->joblog = optarg;
		break;
	case OPT_RESUME: opts->resume = true; break;
	case OPT_RESUME_FAILED: opts->resume = opts->resume_failed = true; break;
	case OPT_RETRY_FAILED: opts->retry_failed = true; break;
	case OPT_RETRIES:
		/* 0: until it succeeds, as GNU parallel */
		if (parse_long(optarg, &opts->retries) != 0 || opts->retries < 0)
			usage_error(name, "'%s' is not a number of attempts (examples: 1, 3, 10, 0 for no limit)", optarg);
		break;
	case OPT_RETRY_DELAY:
		take_duration(name, optarg, &opts->retry_delay_ns);
		break;
	case OPT_THROTTLE_EXIT:
		if (options_parse_statuses(optarg, opts->throttle_codes) != 0)
			usage_error(name, "'%s' is not a list of exit statuses from 1 to 255 (examples: 75, 75,111)", optarg);
		opts->throttle = true;
		break;
	case OPT_THROTTLE_RETRIES:
		if (parse_long(optarg, &opts->throttle_retries) != 0 || opts->throttle_retries < 0)
			usage_error(name, "'%s' is not a number of reruns (examples: 0, 5, 100)", optarg);
		break;
	case OPT_LIMIT_LOG:
		if (optarg[0] == '\0')
			usage_error(name, "needs a file name");
		opts->limit_log = optarg;
		break;
	case OPT_DELAY:
		take_duration(name, optarg, &opts->delay_ns);
		break;
	case OPT_RATE:
		switch (options_parse_rate(optarg, &opts->rate_count, &opts->rate_window_ns)) {
		case 0: break;
		case -2: usage_error(name, "'%s' is too slow a rate: less than one start in 100 years", optarg);
		default: usage_error(name, "'%s' is not a rate (examples: 10/s, 100/m, 5000/h, 0.5/s)", optarg);
		}
		break;
	case OPT_LOAD: {
		int64_t milli;
		const char *p = optarg;
		if (parse_decimal(&p, 1000, &milli) != 0 || *p || milli <= 0)
			usage_error(name, "'%s' is not a number of processes (examples: 4, 8, 2.5)", optarg);
		opts->load = (double)milli / 1000.0;
		break;
	}
	case OPT_MEMFREE:
		if (options_parse_size(optarg, &opts->memfree) != 0)
			usage_error(name, "'%s' is not a size (examples: 500M, 2G, 1.5G, 100000K)", optarg);
		opts->memfree_text = optarg;
		break;
	case OPT_PROGRESS: opts->progress = true; break;
	case OPT_BAR: opts->bar = true; break;
	case OPT_ETA: opts->eta = true; break;
	case OPT_TOTAL:
		if (parse_long(optarg, &opts->total) != 0)
			usage_error(name, "'%s' is not a number of jobs (example: 1000)", optarg);
		break;
	default:
		return false;
	}
	return true;
}

static void set_defaults(struct options *opts)
{
	static const char default_termseq[] = "TERM,200,TERM,100,TERM,50,KILL,25";
	const char *why;
	memset(opts, 0, sizeof *opts);
	opts->jobs.kind = JOBS_PERCENT;
	opts->jobs.value = 100;
	opts->output = OUTPUT_GROUP;
	opts->delimiter[0] = '\n';
	opts->delimiter_len = 1;
	opts->per_job = 1;
	opts->retries = 1;
	opts->throttle_retries = -1;
	opts->total = -1;
	opts->shell = "/bin/sh";
	opts->blocks = (struct blocks_spec){ .size = 1024 * 1024, .recstart = "", .recend = "\\n", .lines = 1 };
	options_parse_termseq(default_termseq, &opts->termseq, &why);
}

/* What holds only for options together, once all are read. */
/* The default semaphore: one per terminal, as GNU parallel's sem. */
static const char *terminal_name(void)
{
	for (int fd = 0; fd < 3; fd++) {
		const char *tty = ttyname(fd);
		if (tty)
			return tty;
	}
	return "notty";
}

/* What --semaphore needs of the rest, and makes of it. */
static void check_semaphore(struct options *opts, const struct parse_state *st)
{
	if (!opts->semaphore)
		return;
	if (opts->sem_share)
		usage_error("--sem-id", "is for a run of many jobs; --semaphore names its semaphore with --id");
	if (!opts->sem_name)
		opts->sem_name = terminal_name();
	if (!st->jobs_given)
		opts->jobs = (struct jobs_spec){ JOBS_ABSOLUTE, 1, 0, 0 };  /* a mutex, as GNU's sem */
	if (opts->sem_wait && opts->sem_timeout_ns)
		usage_error("--wait", "cannot be combined with --semaphore-timeout");
	if (opts->jobs.kind == JOBS_AUTO || opts->jobs.kind == JOBS_FILE)
		usage_error(st->jobs_name, "'%s': a semaphore's size is fixed (example: -j 4)", st->jobs_text);
}

/* The shell for command lines, as GNU parallel picks it: $PARALLEL_SHELL,
 * else the shell lanes was started from, else $SHELL, else /bin/sh; but
 * only a POSIX-style shell, for lanes quotes values as those read them. */
static const char *default_shell(void)
{
	const char *s = getenv("PARALLEL_SHELL");
	if (s && *s) {
		if (access(s, X_OK) != 0)
			usage_error("PARALLEL_SHELL", "'%s': %s", s, strerror(errno));
		return s;
	}
	if ((s = machine_parent_shell()))
		return s;
	s = getenv("SHELL");
	if (s && *s == '/' && machine_posix_shell(s) && access(s, X_OK) == 0)
		return s;
	return "/bin/sh";
}

/* What remote hosts cannot be combined with, and --nonall's one job. */
static void check_remote(struct options *opts)
{
	struct remote_spec *r = &opts->remote;
	bool hosts = r->login_count || r->login_file_count;
	if (!hosts) {
		if (r->onall)
			usage_error(r->nonall ? "--nonall" : "--onall", "needs hosts: -S or --slf");
		return;  /* --transfer, --return, --cleanup... mean nothing here, as in GNU parallel */
	}
	if (opts->pipe)
		usage_error("--pipe", "cannot be combined with -S yet: a remote job's stdin carries lanes' signals to it");
	if (opts->tty)
		usage_error("--tty", "cannot be combined with -S: a remote job has no terminal here");
	if (opts->semaphore)
		usage_error("--semaphore", "cannot be combined with -S");
	if (opts->jobs.kind == JOBS_AUTO || opts->jobs.kind == JOBS_FILE)
		usage_error(opts->jobs_name, "with -S, -j is per host: give a number, N%%, +N or -N");
	if (r->nonall) {
		if (opts->source_count > 0 || !opts->command)
			usage_error("--nonall", "takes a command and no arguments: it runs the command once on every host");
		static char empty[] = "";
		static char *values[] = { empty };
		add_source(opts, (struct source_spec){ .kind = SOURCE_LIST, .values = values, .count = 1 });
		opts->per_job = 0;
		opts->per_job_given = true;
	}
}

/* --slurm: what it cannot go with, and -j inside an allocation. */
static void check_slurm(struct options *opts, const struct parse_state *st)
{
	if (opts->slurm_args && !opts->slurm)
		usage_error("--slurm-args", "needs --slurm");
	if (!opts->slurm)
		return;
	if (opts->remote.login_count || opts->remote.login_file_count)
		usage_error("--slurm", "cannot be combined with -S or --slf: Slurm picks the nodes");
	if (opts->tty)
		usage_error("--tty", "cannot be combined with --slurm: a step has no terminal here");
	if (opts->semaphore)
		usage_error("--semaphore", "cannot be combined with --slurm");
	const char *tasks = getenv("SLURM_NTASKS");
	char *end = NULL;
	long n = tasks && getenv("SLURM_JOB_ID") ? strtol(tasks, &end, 10) : 0;
	if (!st->jobs_given && n > 0 && *end == '\0')
		opts->jobs = (struct jobs_spec){ JOBS_ABSOLUTE, n, 0, 0 };  /* the allocation's tasks */
}

static void check_combinations(struct options *opts, const struct parse_state *st)
{
	if (!st->shell_given)
		opts->shell = default_shell();
	check_semaphore(opts, st);
	check_slurm(opts, st);
	opts->jobs_given = st->jobs_given;
	snprintf(opts->jobs_name, sizeof opts->jobs_name, "%s", st->jobs_given ? st->jobs_name : "-j");
	if (opts->throttle_retries >= 0 && !opts->throttle)
		usage_error("--throttle-retries", "needs --throttle-exit CODES: the exit statuses that mean throttled");
	if (opts->limit_log && opts->jobs.kind != JOBS_AUTO && opts->jobs.kind != JOBS_FILE)
		usage_error("--limit-log", "is for a limit that moves: it needs -j auto or -j FILE");
	long long total = opts->memfree > 0 ? machine_memory("MemTotal") : -1;
	if (total > 0 && opts->memfree >= total)
		usage_error("--memfree", "%s is more than this machine's memory (%.1f GiB): no job could ever start",
			    opts->memfree_text, (double)total / (1 << 30));
	if (opts->tty) {
		/* GNU parallel's defaults for --tty: one job, output unbuffered. */
		if (!st->output_given && !opts->keep_order && !opts->tag && !opts->tagstring)
			opts->output = OUTPUT_UNGROUP;
		if (st->jobs_given && !(opts->jobs.kind == JOBS_ABSOLUTE && opts->jobs.value == 1))
			usage_error("--tty", "runs one job at a time (a terminal has one foreground job): cannot be combined with %s %s",
				    st->jobs_name, st->jobs_text);
		opts->jobs = (struct jobs_spec){ JOBS_ABSOLUTE, 1, 0, 0 };
	}
	if (opts->output == OUTPUT_UNGROUP && (opts->keep_order || opts->tag || opts->tagstring))
		usage_error(opts->keep_order ? "-k" : opts->tag ? "--tag" : "--tagstring",
			    "cannot be combined with --ungroup: ungrouped jobs write straight to the output");
	if ((opts->resume || opts->retry_failed) && !opts->joblog)
		usage_error(opts->retry_failed ? "--retry-failed" : opts->resume_failed ? "--resume-failed" : "--resume",
			    "needs --joblog FILE: the log of the earlier run");
	if ((opts->resume || opts->retry_failed) && strcmp(opts->joblog, "-") == 0)
		usage_error("--joblog", "'-' cannot be resumed: give the log's file name");
	long cpus = machine_cpus();
	opts->slots = options_resolve_jobs(&opts->jobs, cpus, 0);
	if (opts->slots < 0)
		usage_error(st->jobs_name, "'%s' leaves no job slots on a %ld-CPU machine", st->jobs_text, cpus);
	if (opts->slots > JOBS_LIMIT) {
		fprintf(stderr, "lanes: %s %s: lanes runs at most %d jobs at once; running %d\n", st->jobs_name,
			st->jobs_text, JOBS_LIMIT, JOBS_LIMIT);
		opts->slots = JOBS_LIMIT;
	}
}

/* Standard input can be one source only: read once, it has nothing left
 * for a second one. */
static void check_sources(struct options *opts)
{
	if (opts->csv && opts->colsep && strlen(opts->colsep) != 1)
		usage_error("--colsep", "'%s': with --csv it is the one character between fields (example: --colsep ';')",
			    opts->colsep);
	if (opts->csv && (opts->delimiter_len != 1 || opts->delimiter[0] != '\n'))
		usage_error("--csv", "records end with newlines: it cannot be combined with -d or -0");
	if (opts->csv && opts->pipe)
		usage_error("--csv", "is for arguments: it cannot be combined with --pipe");
	if (opts->files && opts->results)
		usage_error("--files", "cannot be combined with --results, which names the files itself");
	int stdins = 0;
	for (int i = 0; i < (int)opts->source_count; i++)
		stdins += opts->sources[i].kind == SOURCE_FILE && strcmp(opts->sources[i].path, "-") == 0;
	if (stdins > 1)
		usage_error(":::: -", "standard input is named as %d sources: it can be read only once", stdins);
	if (opts->lines_given && !opts->pipe) {
		/* As GNU parallel: -L N without --pipe is -X with N lines a job. */
		opts->fill = FILL_CONTEXT;
		opts->fill_option = opts->lines_option;
		opts->per_job = opts->blocks.lines;
		opts->per_job_given = true;
		opts->blocks.lines = 1;
		opts->lines_given = false;
	}
	const char *fill = opts->fill_option;
	if (opts->fill && !opts->command && !opts->pipe)
		usage_error(fill, "fills a command's line with arguments: it needs a command (example: lanes %s echo)", fill);
	if (opts->fill && opts->per_job_given && opts->per_job == 0)
		usage_error("-N", "'0' gives %s no arguments to fill the command line with", fill);
}

/* What --pipe needs of the rest, once the sources are known: the data is
 * standard input (or -a FILE with --pipepart), never ::: values. */
static void check_pipe(struct options *opts)
{
	struct blocks_spec *b = &opts->blocks;
	if (opts->pipe && opts->command_count == 0)
		usage_error("--pipe", "needs a command to give the blocks to (example: lanes --pipe wc -l)");
	if (!opts->pipe && b->header) {
		if (strcmp(b->header, ":") != 0 && strcmp(b->header, "1") != 0)
			usage_error("--header", "'%s': without --pipe it takes : or 1 (each source's first item names its column)",
				    b->header);
		opts->arg_header = true;
		b->header = NULL;
	}
	if (!opts->pipe) {
		const char *alone = opts->round_robin ? "--round-robin"
			: opts->feed == FEED_CAT ? "--cat" : opts->feed == FEED_FIFO ? "--fifo" : NULL;
		if (alone)
			usage_error(alone, "is for blocks of data: it needs --pipe or --pipepart (here, for now)");
		return;
	}
	const char *with = opts->semaphore ? "--semaphore" : opts->retry_failed ? "--retry-failed"
		: opts->colsep ? "--colsep" : opts->link ? "--link" : NULL;
	if (with)
		usage_error(with, "cannot be combined with --pipe");
	bool part = b->part_file != NULL;
	if (part && (opts->source_count != 1 || opts->sources[0].kind != SOURCE_FILE ||
		     strcmp(opts->sources[0].path, "-") == 0))
		usage_error("--pipepart", "needs the one file to cut up, as -a FILE (or :::: FILE)");
	if (!part && opts->source_count > 0)
		usage_error("--pipe", "cuts up standard input: it takes no ::: or -a sources (--pipepart -a FILE cuts up a file)");
	if (opts->per_job_given && opts->per_job == 0)
		usage_error("-N", "'0' would give each job no records of the data: give 1 or more");
	if (opts->fill)
		usage_error(opts->fill_option, "fills command lines with arguments: it cannot be combined with --pipe");
	if (opts->shuffle)
		usage_error("--shuf", "shuffles arguments: it cannot be combined with --pipe, whose blocks come in order");
	if (opts->results)
		usage_error("--results", "names its directories by the arguments: it cannot be combined with --pipe");
	if (part && (opts->per_job_given || b->lines > 1))
		usage_error(opts->per_job_given ? "-N" : "-L", "cannot be combined with --pipepart: its blocks are cut by size");
	if (opts->round_robin && (opts->retries != 1 || opts->throttle))
		usage_error("--round-robin", "cannot be combined with %s: a job's blocks are not kept",
			    opts->throttle ? "--throttle-exit" : "--retries");
	if (opts->round_robin && opts->feed != FEED_PIPE)
		usage_error("--round-robin", "feeds each job on its standard input: cannot be combined with --cat or --fifo");
	if (part) {
		b->part_file = opts->sources[0].path;
		opts->source_count = 0;
	}
	if (b->recstart[0] && !opts->recend_given)
		b->recend = "";  /* as GNU parallel: records are what begins with --recstart */
	struct stat st;
	bool file = fstat(0, &st) == 0 && S_ISREG(st.st_mode);
	if (opts->halt.when != HALT_NEVER && opts->halt.percent_of_total &&
	    !(part || (file && !opts->per_job_given && b->lines <= 1)))
		usage_error("--halt", "a percentage needs the number of blocks: with --pipe, only for --pipepart or a file on standard input");
	if (!b->regexp) {
		/* As GNU parallel: \n, \t, \0 ... stand for those bytes. */
		b->recend = opts->recend_copy = options_unescape(b->recend, &b->recend_len);
		b->recstart = opts->recstart_copy = options_unescape(b->recstart, &b->recstart_len);
	}
	if (opts->per_job_given)
		b->records = opts->per_job;
	opts->per_job = 1;
	if (b->size < 0 && (opts->jobs.kind == JOBS_AUTO || opts->jobs.kind == JOBS_FILE))
		usage_error("--block", "'-%lld' cuts the data into blocks per job slot: it needs a fixed -j (example: -j 4)",
			    -(long long)b->size);
	b->slots = opts->slots > 0 ? opts->slots : 1;
}

/* --semaphore runs its words as one command line, ::: and all. */
static void semaphore_command(struct options *opts, int argc, char **argv)
{
	if (opts->sem_wait) {
		if (argc > 0)
			usage_error("--wait", "takes no command: it waits for those that hold the semaphore");
		return;
	}
	if (argc == 0)
		usage_error("--semaphore", "needs a command to run (or --wait)");
	size_t len = 1;
	for (int i = 0; i < argc; i++)
		len += strlen(argv[i]) + 1;
	opts->command_line = xmalloc(len);
	opts->command_line[0] = '\0';
	for (int i = 0; i < argc; i++) {
		if (i)
			strcat(opts->command_line, " ");
		strcat(opts->command_line, argv[i]);
	}
	add_source(opts, (struct source_spec){ .kind = SOURCE_LIST, .values = &opts->command_line, .count = 1 });
}

#define SHORT_OPTIONS "+:hj:P:uk0a:d:n:N:I:L:l::rqti::C:E:e::vmXs:xJ:S:M"

/* -J NAME, --profile NAME: found before the options are taken, since the
 * profiles' options come first. */
static bool plain;  /* --plain: no default options at all */

static const char **find_profiles(int argc, char **argv, int *count)
{
	static const char **names;
	static size_t cap;
	*count = 0;
	plain = false;
	opterr = 0;
	optind = 0;  /* glibc: start over */
	int c;
	while ((c = getopt_long(argc, argv, SHORT_OPTIONS, long_options, NULL)) != -1) {
		if (c == OPT_PLAIN)
			plain = true;
		if (c == 'J') {
			names = xgrow(names, &cap, (size_t)*count + 1, sizeof *names);
			names[(*count)++] = optarg;
		}
	}
	optind = 0;
	return names;
}

void options_parse(int argc, char **argv, struct options *opts)
{
	struct parse_state st = { "-j", "", false, false, false };
	char name[64];
	set_defaults(opts);
	const char *base = strrchr(argv[0], '/');
	if (strcmp(base ? base + 1 : argv[0], "sem") == 0)
		opts->semaphore = true;  /* sem is lanes --semaphore, as GNU's */
	argv = defaults_shebang(argc, argv, &argc, &opts->shebang);
	int profile_count;
	const char **profiles = find_profiles(argc, argv, &profile_count);
	if (!plain)
		argv = defaults_argv(argc, argv, profiles, profile_count, &argc);
	opterr = 0;
	parse_argv = argv;
	parse_argc = argc;
	for (;;) {
		int before = optind > 0 ? optind : 1;  /* 0: getopt starts over (find_profiles) */
		int c = getopt_long(argc, argv, SHORT_OPTIONS, long_options, NULL);
		if (c == -1)
			break;
		const char *arg = before < argc ? argv[before] : NULL;
		typed_name(arg, c == '?' || c == ':' ? optopt : c, name, sizeof name);
		if (take_run_option(c, name, opts, &st) || take_input_option(c, name, opts) ||
		    take_pipe_option(c, name, opts) || take_log_option(c, name, opts) ||
		    take_remote_option(c, name, opts))
			continue;
		switch (c) {
		case 'h':
			fputs(usage_text, stdout);
			exit(0);
		case OPT_VERSION:
			printf("lanes %s\n", LANES_VERSION);
			exit(0);
		case ':':
			usage_error(name, "needs a value (see lanes --help)");
		default:
			usage_error(name, "unknown option (see lanes --help)");
		}
	}
	check_combinations(opts, &st);
	if (opts->semaphore)
		semaphore_command(opts, argc - optind, argv + optind);
	else
		parse_command_and_sources(opts, argc - optind, argv + optind);
	check_sources(opts);
	check_pipe(opts);
	check_remote(opts);
	if (opts->retry_failed) {
		/* The command lines come from the joblog, as they ran. */
		opts->command = NULL;
		opts->command_count = 0;
		opts->source_count = 0;
	}
}

void options_free(struct options *opts)
{
	free(opts->recend_copy);
	free(opts->recstart_copy);
	opts->recend_copy = opts->recstart_copy = NULL;
	free(opts->sem_share);
	free(opts->command_line);
	opts->sem_share = opts->command_line = NULL;
	free(opts->sources);
	opts->sources = NULL;
	opts->source_count = 0;
	struct remote_spec *r = &opts->remote;
	free(r->logins);
	free(r->login_files);
	free(r->transfer);
	free(r->returns);
	free(r->basefiles);
	free(r->env);
	*r = (struct remote_spec){ 0 };
	defaults_free();
}
