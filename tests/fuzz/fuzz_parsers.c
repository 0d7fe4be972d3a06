/* Fuzz target: every option-value parser, on the same text. None may
 * crash, and what they accept must be in range. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/options.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	memcpy(text, data, size);
	text[size] = '\0';

	int64_t ns;
	if (options_parse_duration(text, &ns) == 0 && ns < 0)
		abort();
	struct jobs_spec jobs;
	if (options_parse_jobs(text, &jobs) == 0) {
		long n = options_resolve_jobs(&jobs, 2, 0);
		if (n < -1)
			abort();
	}
	struct termseq seq;
	const char *why;
	if (options_parse_termseq(text, &seq, &why) == 0) {
		if (seq.count < 1 || seq.count > TERMSEQ_MAX)
			abort();
		for (int i = 0; i < seq.count; i++)
			if (seq.signal[i] < 1 || seq.wait_ns[i] < 0)
				abort();
	}
	struct halt_spec halt;
	if (options_parse_halt(text, &halt) == 0 && halt.when != HALT_NEVER &&
	    (halt.percent_of_total ? !(halt.percent > 0 && halt.percent <= 100) : halt.count < 1))
		abort();
	long count;
	int64_t window;
	if (options_parse_rate(text, &count, &window) == 0 && (count < 1 || count > RATE_WINDOW_MAX || window < 1))
		abort();
	long long bytes;
	if (options_parse_size(text, &bytes) == 0 && bytes < 0)
		abort();
	char delimiter[DELIMITER_MAX + 1];
	size_t delimiter_len;
	if (options_parse_delimiter(text, delimiter, &delimiter_len) == 0 &&
	    (delimiter_len < 1 || delimiter_len > DELIMITER_MAX))
		abort();
	options_parse_signal(text);
	free(text);
	return 0;
}
