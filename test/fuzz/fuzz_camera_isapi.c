/* libFuzzer target: the ISAPI XML and JSON parsers and the generic push. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "weighgate/camera.h"

/*
 * The first byte picks the parser and the charset, the rest is the body.
 * Whatever the bytes, a parser returns one of its three results; a read
 * holds NUL-terminated fields, a confidence in -1..100 and an empty plate
 * when there is none; a refusal says why.  A broken promise aborts, which
 * libFuzzer reports with the input that caused it.
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_read(const struct camera_read *r, enum camera_status st,
    const char *err)
{
	if (st == CAMERA_BAD) {
		if (err[0] == '\0')
			abort();
		return;
	}
	if (st != CAMERA_PLATE && st != CAMERA_OTHER)
		abort();
	if (memchr(r->plate, '\0', sizeof(r->plate)) == NULL ||
	    memchr(r->camera, '\0', sizeof(r->camera)) == NULL ||
	    memchr(r->channel, '\0', sizeof(r->channel)) == NULL ||
	    memchr(r->time_text, '\0', sizeof(r->time_text)) == NULL ||
	    memchr(r->event_type, '\0', sizeof(r->event_type)) == NULL)
		abort();
	if (r->confidence < -1 || r->confidence > 100 ||
	    (!r->has_plate && r->plate[0] != '\0') ||
	    (r->has_plate && r->plate[0] == '\0') ||
	    r->color > CAMERA_COLOR_OTHER || r->njpeg != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const cs[] = { NULL, "GB18030", "UTF-8", "GBK" };
	struct camera_limits lim;
	struct camera_read r;
	char err[256] = "";
	const char *body = (const char *)data + 1;
	enum camera_status st;

	if (size < 1)
		return 0;
	camera_limits_default(&lim);
	switch (data[0] & 7) {
	case 0: case 1:
		st = camera_parse_isapi_xml(body, size - 1, cs[data[0] >> 6],
		    &lim, &r, err, sizeof(err));
		break;
	case 2: case 3:
		st = camera_parse_isapi_json(body, size - 1, cs[data[0] >> 6],
		    &lim, &r, err, sizeof(err));
		break;
	case 4: case 5:
		st = camera_parse_generic(body, size - 1, cs[data[0] >> 6],
		    &lim, &r, err, sizeof(err));
		break;
	default:
		st = camera_parse(NULL, body, size - 1, &lim, &r, err,
		    sizeof(err));
		break;
	}
	check_read(&r, st, err);
	return 0;
}
