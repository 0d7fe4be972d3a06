/* Fuzz target: reading a joblog row (for --resume). Any line must parse
 * or be refused without a crash; what parses must be a usable row. */
#include <stdint.h>
#include <stdlib.h>

#include "../../src/joblog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct joblog_row row;
	if (joblog_parse_row((const char *)data, size, &row)) {
		if (row.seq < 1 || row.command < (const char *)data || row.command + row.command_len > (const char *)data + size)
			abort();
	}
	return 0;
}
