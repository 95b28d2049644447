/*
 * HTTP digest authentication of the camera listener's pushes (RFC 7616,
 * qop=auth, MD5 or SHA-256; docs/camera.md "Credentials").  Pure: the
 * per-listener secret and the time come in as arguments; the only state
 * is the secret and a small table of the highest nonce-count seen per
 * nonce, so that a response is taken once.
 *
 * Nonces are stateless: hex(ms) followed by hex of the first bytes of
 * HMAC-SHA256(secret, ms).  One the secret did not make is forged; one
 * older than CAMERA_DIGEST_NONCE_LIFE_MS is stale (the client is asked
 * again with stale=true and a fresh nonce, without asking its user).
 */
#ifndef WEIGHGATE_CAMERA_DIGEST_H
#define WEIGHGATE_CAMERA_DIGEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CAMERA_DIGEST_REALM	"weighgate"
#define CAMERA_DIGEST_SECRET_LEN	32
#define CAMERA_DIGEST_NONCE_LEN	48	/* hex: 16 of time, 32 of MAC */
#define CAMERA_DIGEST_NONCE_LIFE_MS	300000
#define CAMERA_DIGEST_SEEN_MAX	64	/* nonces whose nonce-count is kept */
#define CAMERA_DIGEST_HEADER_MAX	2048	/* bytes of an Authorization */
#define CAMERA_DIGEST_VALUE_MAX	256	/* bytes of one parameter's value */
#define CAMERA_DIGEST_CHALLENGE_MAX	256

enum camera_digest_alg { CDIG_MD5, CDIG_SHA256, CDIG_ALG_N };

/* How a digest Authorization header was judged. */
enum camera_digest_verdict {
	CDIG_OK,
	CDIG_MALFORMED,		/* not a digest header this listener parses */
	CDIG_UNSUPPORTED,	/* qop, algorithm or userhash not offered */
	CDIG_MISMATCH,		/* realm, uri or opaque not ours */
	CDIG_FORGED,		/* a nonce this listener did not make */
	CDIG_WRONG,		/* the response: wrong user or password */
	CDIG_STALE,		/* right password, nonce too old or forgotten */
	CDIG_REPLAY,		/* right password, nonce-count not above the last */
	CDIG_VERDICT_N
};

/* The parameters of an Authorization: Digest header, unquoted. */
struct camera_digest_params {
	char username[CAMERA_DIGEST_VALUE_MAX];
	char realm[CAMERA_DIGEST_VALUE_MAX];
	char nonce[CAMERA_DIGEST_VALUE_MAX];
	char uri[CAMERA_DIGEST_VALUE_MAX];
	char response[CAMERA_DIGEST_VALUE_MAX];
	char algorithm[CAMERA_DIGEST_VALUE_MAX];
	char cnonce[CAMERA_DIGEST_VALUE_MAX];
	char opaque[CAMERA_DIGEST_VALUE_MAX];
	char qop[CAMERA_DIGEST_VALUE_MAX];
	char nc[CAMERA_DIGEST_VALUE_MAX];
	char userhash[CAMERA_DIGEST_VALUE_MAX];
};

struct camera_digest_seen {
	char nonce[CAMERA_DIGEST_NONCE_LEN + 1];	/* "": free */
	int64_t made_ms;
	uint32_t nc;				/* the highest taken */
};

struct camera_digest {
	unsigned char secret[CAMERA_DIGEST_SECRET_LEN];
	char opaque[33];
	struct camera_digest_seen seen[CAMERA_DIGEST_SEEN_MAX];
	int64_t forgot_ms;	/* nonces made up to here and not seen: stale */
};

/* "malformed", "unsupported", ... for the refusal's message. */
const char *camera_digest_verdict_name(enum camera_digest_verdict v);

/* A fresh state for secret (CAMERA_DIGEST_SECRET_LEN bytes); 0 or -1. */
int camera_digest_init(struct camera_digest *d, const unsigned char *secret);
/* The secret and the table wiped. */
void camera_digest_fini(struct camera_digest *d);

/*
 * The WWW-Authenticate value of a 401 for alg, with a nonce made at now_ms
 * (any clock that only moves forward, the same for camera_digest_check):
 * Digest realm="weighgate", qop="auth", algorithm=MD5, nonce="...",
 * opaque="..."[, stale=true].  0, or -1 when outlen is short.
 */
int camera_digest_challenge(const struct camera_digest *d, int64_t now_ms,
    enum camera_digest_alg alg, bool stale, char *out, size_t outlen);

/*
 * The parameters of "Digest k=v, k="v", ..." into p: quoted strings with
 * backslash escapes, tokens, commas and blanks; a parameter given twice,
 * a value over CAMERA_DIGEST_VALUE_MAX, more than a few dozen parameters,
 * or anything else out of the grammar is -1.  Unknown parameters are
 * skipped.
 */
int camera_digest_parse(const char *header, struct camera_digest_params *p);

/*
 * The hex response (into out, 2 * digest length + 1) of RFC 7616 §3.4.1
 * with qop=auth.  0 or -1.
 */
int camera_digest_response(enum camera_digest_alg alg, const char *user,
    const char *realm, const char *password, const char *method,
    const char *uri, const char *nonce, const char *nc, const char *cnonce,
    char *out, size_t outlen);

/*
 * The Authorization header of a request (method, request-target uri) at
 * now_ms against user and password.  CDIG_OK takes the nonce-count: the
 * same response again is CDIG_REPLAY.  The comparison of the response
 * takes the same time whatever is offered.
 */
enum camera_digest_verdict camera_digest_check(struct camera_digest *d,
    const char *authorization, const char *method, const char *uri,
    const char *user, const char *password, int64_t now_ms);

#endif
