/* libFuzzer target: the profile parser (profile_parse), then a decode of what it accepted. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "weighgate/profile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * The input is a profile file.  Whatever the bytes: a profile, or NULL
 * with a "NAME:..." message; never a crash, a leak or a read out of
 * bounds.  An accepted profile's requests lie within 0-65535 and its
 * decode, its outputs and its sign's writes read only the images of
 * exactly the planned sizes (the address sanitizer checks that).
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint16_t *img[PROFILE_MAX_REQUESTS];
	struct profile_reading r;
	struct profile_write w[3];
	char err[512];
	bool bits[4];
	uint32_t have;
	profile_t *p;
	int i, j, n;

	p = profile_parse("fuzz", (const char *)data, size, err, sizeof(err));
	if (p == NULL) {
		if (strncmp(err, "fuzz:", 5) != 0)
			abort();
		return 0;
	}
	n = profile_nrequests(p);
	for (i = 0; i < n; i++) {
		const struct profile_request *q = profile_request(p, i);

		if (q->start < 0 || q->count < 1 || q->start + q->count > 65536)
			abort();
		img[i] = malloc((size_t)q->count * sizeof(uint16_t));
		for (j = 0; j < q->count; j++)
			img[i][j] = (uint16_t)(size * 7919u + (size_t)j * 104729u +
			    (size > 0 ? data[(size_t)j % size] : 0));
	}
	memset(&r, 0, sizeof(r));
	if (profile_decode_scale(p, (const uint16_t *const *)img, &r, err,
	    sizeof(err)) != 0 && (r.m.valid || err[0] == '\0'))
		abort();
	profile_decode_io(p, (const uint16_t *const *)img, bits, &have);
	for (i = 0; i < PO_N; i++)
		(void)profile_output(p, (enum profile_output)i, true, &w[0]);
	(void)profile_led_writes(p, 1, "豫A12345 超限", 1, w, &j);
	for (i = 0; i < n; i++)
		free(img[i]);
	profile_free(p);
	return 0;
}
