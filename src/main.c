/* main.c — parses the options, runs the jobs, and turns the run's result
 * into lanes' exit status (GNU parallel's convention). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "input.h"
#include "machine.h"
#include "options.h"
#include "runner.h"
#include "sem.h"

static int exit_status(const struct options *opts, const struct run_result *r)
{
	if (r->signal)
		return 128 + r->signal;
	if (r->sem_gave_up)
		return 1;  /* as GNU's sem */
	if (r->output_errno == EPIPE)
		return 128 + 13;  /* as if killed by SIGPIPE, quietly */
	if (r->output_errno) {
		fprintf(stderr, "lanes: write error: %s\n", strerror(r->output_errno));
		return EXIT_LANES_ERROR;
	}
	if (r->input_failed || r->could_not_start)
		return EXIT_LANES_ERROR;
	if (r->halt_status >= 0)
		return r->halt_status;
	if (opts->semaphore && opts->sem_fg)
		return r->last_status;  /* the command's own, as GNU's sem --fg */
	return r->failed > 100 ? 101 : (int)r->failed;
}

int main(int argc, char **argv)
{
	struct options opts;
	machine_fill_standard_fds();
	options_parse(argc, argv, &opts);
	if (opts.sem_wait) {
		int status = sem_wait_all(&opts);
		options_free(&opts);
		return status;
	}
	/* --pipe: standard input is the data, cut into blocks, not items. */
	struct input *in = opts.pipe ? NULL : input_open(&opts);
	struct blocks *data = opts.pipe ? blocks_open(&opts.blocks) : NULL;
	if (!in && !data) {
		options_free(&opts);
		return EXIT_LANES_ERROR;
	}
	struct run_result result;
	int status = runner_run(&opts, in, data, &result) == 0 ? exit_status(&opts, &result) : EXIT_LANES_ERROR;
	input_close(in);
	blocks_close(data);
	options_free(&opts);
	return status;
}
