/*
 * HTTP digest authentication of camera pushes (docs/camera.md
 * "Credentials"): the challenge, a careful parser of the Authorization
 * header, and the check of a response.  Pure: secret and time come in.
 */
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "weighgate/camera_digest.h"
#include "weighgate/chain.h"

#define MAC_BYTES	16	/* of HMAC-SHA256 kept in a nonce */
#define PARAMS_MAX	32	/* parameters of one header, known or not */
#define NC_LEN		8

static const char *const verdict_names[CDIG_VERDICT_N] = {
	"ok", "malformed", "unsupported", "mismatch", "forged", "wrong",
	"stale", "replay"
};

static const char *const alg_names[CDIG_ALG_N] = { "MD5", "SHA-256" };

const char *
camera_digest_verdict_name(enum camera_digest_verdict v)
{
	return (unsigned)v < CDIG_VERDICT_N ? verdict_names[v] : "?";
}

/* HMAC-SHA256(secret, msg), its first MAC_BYTES in hex (2 * MAC_BYTES + 1). */
static int
mac_hex(const struct camera_digest *d, const unsigned char *msg, size_t n,
    char *out)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned len = 0;

	if (HMAC(EVP_sha256(), d->secret, sizeof(d->secret), msg, n, md,
	    &len) == NULL || len < MAC_BYTES)
		return -1;
	chain_hex(md, MAC_BYTES, out);
	OPENSSL_cleanse(md, sizeof(md));
	return 0;
}

int
camera_digest_init(struct camera_digest *d, const unsigned char *secret)
{
	memset(d, 0, sizeof(*d));
	memcpy(d->secret, secret, sizeof(d->secret));
	d->forgot_ms = -1;
	return mac_hex(d, (const unsigned char *)"opaque", 6, d->opaque);
}

void
camera_digest_fini(struct camera_digest *d)
{
	OPENSSL_cleanse(d, sizeof(*d));
}

/* ---- nonces ---- */

/* The nonce made at ms: hex(ms), hex(MAC(ms)). */
static int
nonce_make(const struct camera_digest *d, int64_t ms, char *out)
{
	unsigned char be[8];
	uint64_t u = (uint64_t)ms;
	int i;

	for (i = 7; i >= 0; i--, u >>= 8)
		be[i] = (unsigned char)(u & 0xff);
	chain_hex(be, sizeof(be), out);
	return mac_hex(d, be, sizeof(be), out + 16);
}

/* A nonce of this listener's, made at *made not after now: CDIG_OK. */
static enum camera_digest_verdict
nonce_judge(const struct camera_digest *d, const char *nonce, int64_t now,
    int64_t *made)
{
	char want[CAMERA_DIGEST_NONCE_LEN + 1], *end;
	unsigned long long u;

	if (strlen(nonce) != CAMERA_DIGEST_NONCE_LEN ||
	    strspn(nonce, "0123456789abcdef") != CAMERA_DIGEST_NONCE_LEN)
		return CDIG_FORGED;
	memcpy(want, nonce, 16);
	want[16] = '\0';
	u = strtoull(want, &end, 16);
	if (*end != '\0' || u > INT64_MAX || (int64_t)u > now ||
	    nonce_make(d, (int64_t)u, want) != 0 ||
	    CRYPTO_memcmp(want, nonce, CAMERA_DIGEST_NONCE_LEN) != 0)
		return CDIG_FORGED;
	*made = (int64_t)u;
	return CDIG_OK;
}

int
camera_digest_challenge(const struct camera_digest *d, int64_t now_ms,
    enum camera_digest_alg alg, bool stale, char *out, size_t outlen)
{
	char nonce[CAMERA_DIGEST_NONCE_LEN + 1];
	int n;

	if ((unsigned)alg >= CDIG_ALG_N || nonce_make(d, now_ms, nonce) != 0)
		return -1;
	n = snprintf(out, outlen, "Digest realm=\"%s\", qop=\"auth\", "
	    "algorithm=%s, nonce=\"%s\", opaque=\"%s\"%s", CAMERA_DIGEST_REALM,
	    alg_names[alg], nonce, d->opaque, stale ? ", stale=true" : "");
	return n >= 0 && (size_t)n < outlen ? 0 : -1;
}

/* ---- the header ---- */

#define PF(m)	offsetof(struct camera_digest_params, m)

static const struct {
	const char *name;
	size_t off;
} fields[] = {
	{ "username", PF(username) }, { "realm", PF(realm) },
	{ "nonce", PF(nonce) }, { "uri", PF(uri) },
	{ "response", PF(response) }, { "algorithm", PF(algorithm) },
	{ "cnonce", PF(cnonce) }, { "opaque", PF(opaque) },
	{ "qop", PF(qop) }, { "nc", PF(nc) }, { "userhash", PF(userhash) },
};

#define NFIELDS	(sizeof(fields) / sizeof(fields[0]))

static const char *
skip_ws(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

/* RFC 9110 tchar. */
static bool
is_tchar(int c)
{
	return isalnum(c) || (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

/*
 * An unquoted value: a token, and for lenient clients any visible
 * character but quote, comma and backslash (an unquoted uri).
 */
static bool
is_bare(int c)
{
	return c > 0x20 && c < 0x7f && c != '"' && c != ',' && c != '\\';
}

/* A run of chars ok() at *s into out; -1 when empty or too long. */
static int
take_run(const char **s, bool (*ok)(int), char *out, size_t outlen)
{
	size_t n = 0;

	while (ok((unsigned char)(*s)[n]))
		if (++n >= outlen)
			return -1;
	if (n == 0)
		return -1;
	memcpy(out, *s, n);
	out[n] = '\0';
	*s += n;
	return 0;
}

/* A quoted-string at *s (its opening quote), unescaped into out. */
static int
take_quoted(const char **s, char *out, size_t outlen)
{
	const char *p = *s + 1;
	size_t n = 0;
	unsigned char c;

	for (;; p++) {
		c = (unsigned char)*p;
		if (c == '"')
			break;
		if (c == '\\')
			c = (unsigned char)*++p;
		if (c == '\0' || (c < 0x20 && c != '\t') || c == 0x7f ||
		    n + 1 >= outlen)
			return -1;
		out[n++] = (char)c;
	}
	out[n] = '\0';
	*s = p + 1;
	return 0;
}

/* One name=value at *s into p (seen: the known ones given so far). */
static int
take_param(const char **s, struct camera_digest_params *p, unsigned *seen)
{
	char name[32], value[CAMERA_DIGEST_VALUE_MAX];
	size_t i;
	int rc;

	if (take_run(s, is_tchar, name, sizeof(name)) != 0)
		return -1;
	*s = skip_ws(*s);
	if (**s != '=')
		return -1;
	*s = skip_ws(*s + 1);
	rc = **s == '"' ? take_quoted(s, value, sizeof(value)) :
	    take_run(s, is_bare, value, sizeof(value));
	for (i = 0; rc == 0 && i < NFIELDS; i++) {
		if (strcasecmp(name, fields[i].name) != 0)
			continue;
		if (*seen & (1u << i))
			rc = -1;	/* given twice */
		else
			memcpy((char *)p + fields[i].off, value, strlen(value) + 1);
		*seen |= 1u << i;
		break;
	}
	OPENSSL_cleanse(value, sizeof(value));
	return rc;
}

int
camera_digest_parse(const char *header, struct camera_digest_params *p)
{
	const char *s = skip_ws(header);
	unsigned seen = 0;
	int n = 0;

	memset(p, 0, sizeof(*p));
	if (strncasecmp(s, "Digest", 6) != 0 || (s[6] != ' ' && s[6] != '\t'))
		return -1;
	for (s = skip_ws(s + 6);; s = skip_ws(s + 1)) {
		while (*s == ',')		/* empty list elements */
			s = skip_ws(s + 1);
		if (*s == '\0')
			break;
		if (++n > PARAMS_MAX || take_param(&s, p, &seen) != 0)
			return -1;
		s = skip_ws(s);
		if (*s == '\0')
			break;
		if (*s != ',')
			return -1;
	}
	return n > 0 ? 0 : -1;
}

/* ---- the response ---- */

/* Hex of H(parts[0] ":" parts[1] ":" ...) into out. */
static int
digest_hex(enum camera_digest_alg alg, const char *const *parts, int n,
    char *out, size_t outlen)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned len = 0;
	int i, ok;

	ok = ctx != NULL && EVP_DigestInit_ex(ctx, alg == CDIG_MD5 ? EVP_md5() :
	    EVP_sha256(), NULL) == 1;
	for (i = 0; ok && i < n; i++)
		ok = (i == 0 || EVP_DigestUpdate(ctx, ":", 1) == 1) &&
		    EVP_DigestUpdate(ctx, parts[i], strlen(parts[i])) == 1;
	ok = ok && EVP_DigestFinal_ex(ctx, md, &len) == 1 && 2 * len < outlen;
	EVP_MD_CTX_free(ctx);
	if (ok)
		chain_hex(md, len, out);
	OPENSSL_cleanse(md, sizeof(md));
	return ok ? 0 : -1;
}

int
camera_digest_response(enum camera_digest_alg alg, const char *user,
    const char *realm, const char *password, const char *method,
    const char *uri, const char *nonce, const char *nc, const char *cnonce,
    char *out, size_t outlen)
{
	char ha1[2 * EVP_MAX_MD_SIZE + 1], ha2[2 * EVP_MAX_MD_SIZE + 1];
	const char *a1[] = { user, realm, password };
	const char *a2[] = { method, uri };
	const char *r[] = { ha1, nonce, nc, cnonce, "auth", ha2 };
	int rc;

	rc = (unsigned)alg < CDIG_ALG_N &&
	    digest_hex(alg, a1, 3, ha1, sizeof(ha1)) == 0 &&
	    digest_hex(alg, a2, 2, ha2, sizeof(ha2)) == 0 &&
	    digest_hex(alg, r, 6, out, outlen) == 0 ? 0 : -1;
	OPENSSL_cleanse(ha1, sizeof(ha1));
	return rc;
}

/* ---- the check ---- */

/* The algorithm named (absent: MD5), or -1. */
static int
alg_of(const char *name)
{
	if (name[0] == '\0' || strcasecmp(name, "MD5") == 0)
		return CDIG_MD5;
	if (strcasecmp(name, "SHA-256") == 0)
		return CDIG_SHA256;
	return -1;
}

/*
 * The parameters are a qop=auth answer to this listener for uri.  (The
 * user is judged with the response: a wrong one is told as a wrong
 * password, at the same step, so that no answer says which users exist.)
 */
static enum camera_digest_verdict
params_judge(const struct camera_digest *d,
    const struct camera_digest_params *p, const char *uri, uint32_t *nc)
{
	char *end;
	unsigned long u;

	if (p->username[0] == '\0' || p->realm[0] == '\0' ||
	    p->nonce[0] == '\0' || p->uri[0] == '\0' || p->response[0] == '\0')
		return CDIG_MALFORMED;
	if (strcasecmp(p->qop, "auth") != 0 || alg_of(p->algorithm) < 0 ||
	    (p->userhash[0] != '\0' && strcasecmp(p->userhash, "false") != 0))
		return CDIG_UNSUPPORTED;
	if (p->cnonce[0] == '\0' || strlen(p->nc) != NC_LEN ||
	    strspn(p->nc, "0123456789abcdefABCDEF") != NC_LEN)
		return CDIG_MALFORMED;
	u = strtoul(p->nc, &end, 16);
	if (*end != '\0' || u == 0 || u > UINT32_MAX)
		return CDIG_MALFORMED;
	*nc = (uint32_t)u;
	if (strcmp(p->realm, CAMERA_DIGEST_REALM) != 0 ||
	    strcmp(p->uri, uri) != 0 ||
	    (p->opaque[0] != '\0' && strcmp(p->opaque, d->opaque) != 0))
		return CDIG_MISMATCH;
	return CDIG_OK;
}

/* The response given (any case) is want (lowercase hex), in constant time. */
static bool
response_eq(const char *given, const char *want)
{
	char low[2 * EVP_MAX_MD_SIZE + 1];
	size_t i, n = strlen(want);

	if (strlen(given) != n || n >= sizeof(low))
		return false;
	for (i = 0; i <= n; i++)
		low[i] = (char)tolower((unsigned char)given[i]);
	return CRYPTO_memcmp(low, want, n) == 0;
}

/*
 * The nonce-count nc of nonce (made at made) is taken: above the last one
 * taken for it.  A nonce pushed out of the table to make room (the oldest
 * first; expired ones before) is stale from then on, with every nonce made
 * before it that the table does not hold.
 */
static enum camera_digest_verdict
seen_take(struct camera_digest *d, const char *nonce, int64_t made,
    uint32_t nc, int64_t now)
{
	struct camera_digest_seen *s, *slot = NULL;
	int i;

	for (i = 0; i < CAMERA_DIGEST_SEEN_MAX; i++) {
		s = &d->seen[i];
		if (s->nonce[0] != '\0' && strcmp(s->nonce, nonce) == 0) {
			if (nc <= s->nc)
				return CDIG_REPLAY;
			s->nc = nc;
			return CDIG_OK;
		}
		if (s->nonce[0] == '\0' ||
		    now - s->made_ms > CAMERA_DIGEST_NONCE_LIFE_MS)
			s->nonce[0] = '\0';	/* free, or as good as */
		if (slot == NULL || (slot->nonce[0] != '\0' &&
		    (s->nonce[0] == '\0' || s->made_ms < slot->made_ms)))
			slot = s;
	}
	if (made <= d->forgot_ms)
		return CDIG_STALE;
	if (slot->nonce[0] != '\0' && slot->made_ms > d->forgot_ms)
		d->forgot_ms = slot->made_ms;
	memcpy(slot->nonce, nonce, sizeof(slot->nonce));
	slot->made_ms = made;
	slot->nc = nc;
	return CDIG_OK;
}

/* The nonce of p, then its user and response, then the nonce's age and count. */
static enum camera_digest_verdict
response_judge(struct camera_digest *d, const struct camera_digest_params *p,
    const char *method, const char *user, const char *password, uint32_t nc,
    int64_t now)
{
	char want[2 * EVP_MAX_MD_SIZE + 1];
	enum camera_digest_verdict v;
	int64_t made = 0;
	bool ok;

	if ((v = nonce_judge(d, p->nonce, now, &made)) != CDIG_OK)
		return v;
	if (camera_digest_response((enum camera_digest_alg)alg_of(p->algorithm),
	    p->username, p->realm, password, method, p->uri, p->nonce, p->nc,
	    p->cnonce, want, sizeof(want)) != 0)
		return CDIG_WRONG;
	ok = response_eq(p->response, want) && strcmp(p->username, user) == 0;
	OPENSSL_cleanse(want, sizeof(want));
	if (!ok)
		return CDIG_WRONG;
	if (now - made > CAMERA_DIGEST_NONCE_LIFE_MS)
		return CDIG_STALE;
	return seen_take(d, p->nonce, made, nc, now);
}

enum camera_digest_verdict
camera_digest_check(struct camera_digest *d, const char *authorization,
    const char *method, const char *uri, const char *user,
    const char *password, int64_t now_ms)
{
	struct camera_digest_params p;
	enum camera_digest_verdict v;
	uint32_t nc = 0;

	if (authorization == NULL || method == NULL || uri == NULL ||
	    user == NULL || password == NULL ||
	    strnlen(authorization, CAMERA_DIGEST_HEADER_MAX) >=
	    CAMERA_DIGEST_HEADER_MAX ||
	    camera_digest_parse(authorization, &p) != 0)
		v = CDIG_MALFORMED;
	else if ((v = params_judge(d, &p, uri, &nc)) == CDIG_OK)
		v = response_judge(d, &p, method, user, password, nc, now_ms);
	OPENSSL_cleanse(&p, sizeof(p));
	return v;
}
