/* libFuzzer target: the CSV reader (a header line, then rows). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "weighgate/record.h"

/*
 * The first line of the input is the header; every other line a row.
 * Whatever the bytes, a reader gives a status (and a message when bad),
 * never a crash, a leak or an out-of-bounds read.
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size, *nl;
	struct csvrec *c;
	struct record r;
	char err[256];

	nl = memchr(p, '\n', size);
	if ((c = csvrec_new(p, nl != NULL ? (size_t)(nl - p) : size, err,
	    sizeof(err))) == NULL) {
		if (err[0] == '\0')
			abort();
		return 0;
	}
	while (nl != NULL) {
		p = nl + 1;
		nl = memchr(p, '\n', (size_t)(end - p));
		err[0] = '\0';
		if (csvrec_read(c, p, nl != NULL ? (size_t)(nl - p) :
		    (size_t)(end - p), &r, err, sizeof(err)) == RECORD_BAD &&
		    err[0] == '\0')
			abort();
	}
	csvrec_free(c);
	return 0;
}
