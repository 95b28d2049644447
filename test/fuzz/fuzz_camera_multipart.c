/* libFuzzer target: the multipart/form-data splitter and its alarm part. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "weighgate/camera.h"

/*
 * The input's first line is the Content-Type, the rest the body.  The
 * limits are small so that the fuzzer reaches them.  A read's pictures
 * must lie inside the body and be at most CAMERA_JPEG_MAX; a refusal must
 * say why.  A broken promise aborts.
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nl = memchr(data, '\n', size < 200 ? size : 200);
	struct camera_limits lim;
	struct camera_read r;
	char ctype[201], err[256] = "";
	const char *body;
	size_t n, blen, i;
	enum camera_status st;

	if (nl == NULL)
		return 0;
	n = (size_t)(nl - data);
	memcpy(ctype, data, n);
	ctype[n] = '\0';
	body = (const char *)nl + 1;
	blen = size - n - 1;
	camera_limits_default(&lim);
	lim.part_max = 2048;
	lim.parts_max = 6;
	st = camera_parse(ctype, body, blen, &lim, &r, err, sizeof(err));
	if (st == CAMERA_BAD) {
		if (err[0] == '\0')
			abort();
		return 0;
	}
	if (r.njpeg > CAMERA_JPEG_MAX)
		abort();
	for (i = 0; i < r.njpeg; i++)
		if (r.jpeg[i].off > blen || r.jpeg[i].len > blen - r.jpeg[i].off ||
		    r.jpeg[i].len > lim.part_max ||
		    memchr(r.jpeg[i].name, '\0', sizeof(r.jpeg[i].name)) == NULL)
			abort();
	if (r.confidence < -1 || r.confidence > 100 ||
	    (!r.has_plate && r.plate[0] != '\0'))
		abort();
	return 0;
}
