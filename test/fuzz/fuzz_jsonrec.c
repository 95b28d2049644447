/* libFuzzer target: the fast JSON Lines reader against cJSON's, and event bodies. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "weighgate/record.h"

/*
 * Each input is one line.  Both readers must agree on the status and, for
 * a record, on every field; a message must name a field the same way.  An
 * event body reader gets the same bytes.  A disagreement aborts, which
 * libFuzzer reports with the input that caused it.
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *line = (const char *)data;
	struct record a, b;
	char ea[256] = "", eb[256] = "";
	enum record_status sa, sb;

	sa = record_from_json(line, size, &a, ea, sizeof(ea));
	sb = jsonrec_read_json(line, size, &b, eb, sizeof(eb));
	if (sa != sb) {
		fprintf(stderr, "status %d (cJSON) vs %d (fast): %s | %s\n",
		    sa, sb, ea, eb);
		abort();
	}
	if (sa == RECORD_OK && memcmp(&a, &b, sizeof(a)) != 0) {
		fprintf(stderr, "records differ\n");
		abort();
	}
	if (sa == RECORD_BAD && strncmp(ea, "not valid JSON", 14) != 0 &&
	    strcmp(ea, eb) != 0) {
		fprintf(stderr, "messages: '%s' vs '%s'\n", ea, eb);
		abort();
	}
	(void)jsonrec_read_event(line, size, &b, eb, sizeof(eb));
	return 0;
}
