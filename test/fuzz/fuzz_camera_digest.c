/* libFuzzer target: the camera listener's digest Authorization parser and check. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "weighgate/camera_digest.h"

/*
 * The bytes are the header's value (cut at a NUL, as evhttp hands it
 * over).  Whatever they are, the parser leaves NUL-terminated fields within
 * their bounds, and the check returns one of its verdicts and never takes
 * a header whose response it did not compute (no such input can hold one
 * for this secret, so CDIG_OK is a broken promise).  A broken promise
 * aborts, which libFuzzer reports with the input that caused it.
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
field_ok(const char *f)
{
	return memchr(f, '\0', CAMERA_DIGEST_VALUE_MAX) != NULL;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned char secret[CAMERA_DIGEST_SECRET_LEN] = "fuzz";
	static struct camera_digest d;
	static int ready;
	struct camera_digest_params p;
	enum camera_digest_verdict v;
	char *h = malloc(size + 1);

	if (h == NULL)
		return 0;
	memcpy(h, data, size);
	h[size] = '\0';
	if (!ready && camera_digest_init(&d, secret) != 0)
		abort();
	ready = 1;
	if (camera_digest_parse(h, &p) == 0 &&
	    (!field_ok(p.username) || !field_ok(p.realm) || !field_ok(p.nonce) ||
	    !field_ok(p.uri) || !field_ok(p.response) || !field_ok(p.cnonce) ||
	    !field_ok(p.nc) || !field_ok(p.qop) || !field_ok(p.opaque)))
		abort();
	v = camera_digest_check(&d, h, "POST", "/", "cam", "pw", 1000);
	if ((unsigned)v >= CDIG_VERDICT_N || v == CDIG_OK)
		abort();
	free(h);
	return 0;
}
