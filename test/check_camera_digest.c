/*
 * Unit tests of the camera listener's digest authentication
 * (docs/camera.md "Credentials"): RFC 7616's worked example, the
 * Authorization parser on good and malformed headers, nonces (stale,
 * forged), replayed nonce-counts, and a loop over mutated headers.
 */
#include <check.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "weighgate/camera_digest.h"

#include "check_util.h"

#define URI	"/ISAPI/Event/notification/alert"
#define T0	1000000		/* ms: when the tests' nonces are made */

static const unsigned char secret_a[CAMERA_DIGEST_SECRET_LEN] = "test secret A";
static const unsigned char secret_b[CAMERA_DIGEST_SECRET_LEN] = "test secret B";

/* RFC 7616 §3.9.1: the same request answered with MD5 and with SHA-256. */
START_TEST(rfc7616_example)
{
	static const char nonce[] =
	    "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v";
	static const char cnonce[] =
	    "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ";
	char r[2 * 64 + 1];

	ck_assert_int_eq(camera_digest_response(CDIG_MD5, "Mufasa",
	    "http-auth@example.org", "Circle of Life", "GET",
	    "/dir/index.html", nonce, "00000001", cnonce, r, sizeof(r)), 0);
	ck_assert_str_eq(r, "8ca523f5e9506fed4657c9700eebdbec");
	ck_assert_int_eq(camera_digest_response(CDIG_SHA256, "Mufasa",
	    "http-auth@example.org", "Circle of Life", "GET",
	    "/dir/index.html", nonce, "00000001", cnonce, r, sizeof(r)), 0);
	ck_assert_str_eq(r, "753927fa0e85d155564e2e272a28d180"
	    "2ca10daf4496794697cf8db5856cb6c1");
	/* too small a buffer is refused, not cut */
	ck_assert_int_eq(camera_digest_response(CDIG_SHA256, "Mufasa",
	    "http-auth@example.org", "Circle of Life", "GET",
	    "/dir/index.html", nonce, "00000001", cnonce, r, 64), -1);
}
END_TEST

/* The RFC's Authorization header, as its clients write it. */
/* The parameters as one line, for a comparison. */
static const char *
shown(const struct camera_digest_params *p)
{
	static char b[4096];

	snprintf(b, sizeof(b), "username=%s realm=%s nonce=%s uri=%s "
	    "response=%s algorithm=%s cnonce=%s opaque=%s qop=%s nc=%s "
	    "userhash=%s", p->username, p->realm, p->nonce, p->uri,
	    p->response, p->algorithm, p->cnonce, p->opaque, p->qop, p->nc,
	    p->userhash);
	return b;
}

START_TEST(parse_good)
{
	static const char rfc[] = "Digest username=\"Mufasa\",\t"
	    "realm=\"http-auth@example.org\",  uri=\"/dir/index.html\", "
	    "algorithm=SHA-256, nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzF"
	    "ZH4GiTo0v\", nc=00000001, cnonce=\"f2/wE4q74E6zIJEtWaHKaf5wv/H"
	    "5QzzpXusqGemxURZJ\", qop=auth, response=\"753927fa0e85d155564e"
	    "2e272a28d1802ca10daf4496794697cf8db5856cb6c1\", opaque=\"FQhe/"
	    "qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\"";
	struct camera_digest_params p;
	char folded[sizeof(rfc)];

	ck_assert_int_eq(camera_digest_parse(rfc, &p), 0);
	ck_assert_str_eq(shown(&p), "username=Mufasa "
	    "realm=http-auth@example.org "
	    "nonce=7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v "
	    "uri=/dir/index.html response=753927fa0e85d155564e2e272a28d1802ca1"
	    "0daf4496794697cf8db5856cb6c1 algorithm=SHA-256 "
	    "cnonce=f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ "
	    "opaque=FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS qop=auth "
	    "nc=00000001 userhash=");
	/* a newline is no blank: evhttp hands the header over unfolded */
	memcpy(folded, rfc, sizeof(rfc));
	*strchr(folded, '\t') = '\n';
	ck_assert_int_eq(camera_digest_parse(folded, &p), -1);
	/* names in any case, blanks around "=", empty elements, unknown names */
	ck_assert_int_eq(camera_digest_parse("digest  USERNAME=\"Mufasa\","
	    "realm = \"http-auth@example.org\" ,, uri=/dir/index.html, "
	    "algorithm=\"SHA-256\", nc=00000001, qop=\"auth\", x-unknown="
	    "token, response=\"75\" ,", &p), 0);
	ck_assert_str_eq(shown(&p), "username=Mufasa "
	    "realm=http-auth@example.org nonce= uri=/dir/index.html "
	    "response=75 algorithm=SHA-256 cnonce= opaque= qop=auth "
	    "nc=00000001 userhash=");
	/* backslash escapes in a quoted string */
	ck_assert_int_eq(camera_digest_parse("Digest username=\"a\\\"b\\\\c\","
	    "realm=\"\"", &p), 0);
	ck_assert_str_eq(p.username, "a\"b\\c");
	ck_assert_str_eq(p.realm, "");
}
END_TEST

START_TEST(parse_malformed)
{
	static const char *const bad[] = {
		"",
		"Digest",
		"Digest ",
		"Digestusername=\"a\"",
		"Basic dXNlcjpwYXNz",
		"Digest username=\"a",			/* no closing quote */
		"Digest username=\"a\\",		/* escape at the end */
		"Digest username=\"a\", realm=\"b",
		"Digest username",
		"Digest username=",
		"Digest =\"a\"",
		"Digest username=\"a\" realm=\"b\"",	/* no comma */
		"Digest username=\"a\"x",
		"Digest username=a\"b\"",
		"Digest username=\"a\", username=\"b\"",	/* twice */
		"Digest nonce=\"a\", NONCE=\"a\"",
		"Digest username=\"a\tb\x01\"",		/* a control */
		"Digest user name=\"a\"",
		"Digest username=\"a\";realm=\"b\"",
	};
	struct camera_digest_params p;
	char huge[4000], many[4000];
	size_t i, n;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(camera_digest_parse(bad[i], &p) == -1,
		    "accepted: %s", bad[i]);
	/* a value one byte over the bound, quoted or not */
	n = (size_t)snprintf(huge, sizeof(huge), "Digest username=\"");
	memset(huge + n, 'a', CAMERA_DIGEST_VALUE_MAX);
	strcpy(huge + n + CAMERA_DIGEST_VALUE_MAX, "\"");
	ck_assert_int_eq(camera_digest_parse(huge, &p), -1);
	huge[n - 1] = 'x';
	ck_assert_int_eq(camera_digest_parse(huge, &p), -1);
	/* one byte under it is taken */
	n = (size_t)snprintf(huge, sizeof(huge), "Digest username=\"");
	memset(huge + n, 'a', CAMERA_DIGEST_VALUE_MAX - 1);
	strcpy(huge + n + CAMERA_DIGEST_VALUE_MAX - 1, "\"");
	ck_assert_int_eq(camera_digest_parse(huge, &p), 0);
	ck_assert_uint_eq(strlen(p.username), CAMERA_DIGEST_VALUE_MAX - 1);
	/* too many parameters */
	n = (size_t)snprintf(many, sizeof(many), "Digest ");
	for (i = 0; i < 40; i++)
		n += (size_t)snprintf(many + n, sizeof(many) - n, "x%zu=1, ", i);
	ck_assert_int_eq(camera_digest_parse(many, &p), -1);
}
END_TEST

/* A request's Authorization, the test's client. */
struct client {
	const char *user, *password, *realm, *method, *uri, *alg, *qop, *nc;
	const char *cnonce, *opaque;
	char nonce[CAMERA_DIGEST_NONCE_LEN + 8];
};

static struct camera_digest dig;

static void
dig_setup(void)
{
	ck_assert_int_eq(camera_digest_init(&dig, secret_a), 0);
}

static void
dig_teardown(void)
{
	camera_digest_fini(&dig);
}

/* The nonce of d's challenge at now into out. */
static void
nonce_at(const struct camera_digest *d, int64_t now, char *out)
{
	char ch[CAMERA_DIGEST_CHALLENGE_MAX];
	const char *p;

	ck_assert_int_eq(camera_digest_challenge(d, now, CDIG_MD5, false, ch,
	    sizeof(ch)), 0);
	p = strstr(ch, "nonce=\"");
	ck_assert_ptr_nonnull(p);
	memcpy(out, p + 7, CAMERA_DIGEST_NONCE_LEN);
	out[CAMERA_DIGEST_NONCE_LEN] = '\0';
}

/* A client that answered the challenge made at T0, as curl would. */
static struct client
client(void)
{
	struct client c = { "cam", "lane-secret", CAMERA_DIGEST_REALM, "POST",
	    URI, "MD5", "auth", "00000001", "0a4f113b", dig.opaque, "" };

	nonce_at(&dig, T0, c.nonce);
	return c;
}

static void
authorization(const struct client *c, char *out, size_t outlen)
{
	char r[2 * 64 + 1];

	ck_assert_int_eq(camera_digest_response(strcmp(c->alg, "SHA-256") == 0 ?
	    CDIG_SHA256 : CDIG_MD5, c->user, c->realm, c->password, c->method,
	    c->uri, c->nonce, c->nc, c->cnonce, r, sizeof(r)), 0);
	snprintf(out, outlen, "Digest username=\"%s\", realm=\"%s\", "
	    "nonce=\"%s\", uri=\"%s\", algorithm=%s, response=\"%s\", "
	    "opaque=\"%s\", qop=%s, nc=%s, cnonce=\"%s\"", c->user, c->realm,
	    c->nonce, c->uri, c->alg, r, c->opaque, c->qop, c->nc, c->cnonce);
}

/* The client's request judged at now by dig, for user cam, lane-secret. */
static enum camera_digest_verdict
judge(const struct client *c, int64_t now)
{
	char h[CAMERA_DIGEST_HEADER_MAX];

	authorization(c, h, sizeof(h));
	return camera_digest_check(&dig, h, "POST", URI, "cam", "lane-secret",
	    now);
}

START_TEST(challenge_text)
{
	char ch[CAMERA_DIGEST_CHALLENGE_MAX], nonce[CAMERA_DIGEST_NONCE_LEN + 1];
	char want[CAMERA_DIGEST_CHALLENGE_MAX];

	nonce_at(&dig, T0, nonce);
	ck_assert_int_eq(camera_digest_challenge(&dig, T0, CDIG_SHA256, true,
	    ch, sizeof(ch)), 0);
	snprintf(want, sizeof(want), "Digest realm=\"weighgate\", qop=\"auth\", "
	    "algorithm=SHA-256, nonce=\"%s\", opaque=\"%s\", stale=true", nonce,
	    dig.opaque);
	ck_assert_str_eq(ch, want);
	ck_assert_uint_eq(strlen(dig.opaque), 32);
	ck_assert_int_eq(camera_digest_challenge(&dig, T0, CDIG_MD5, false, ch,
	    40), -1);
}
END_TEST

START_TEST(accepted_once)
{
	struct client c = client();

	ck_assert_int_eq(judge(&c, T0 + 10), CDIG_OK);
	ck_assert_int_eq(judge(&c, T0 + 20), CDIG_REPLAY);
	c.nc = "00000002";
	ck_assert_int_eq(judge(&c, T0 + 30), CDIG_OK);
	c.nc = "00000001";
	ck_assert_int_eq(judge(&c, T0 + 40), CDIG_REPLAY);
	c.nc = "0000000A";
	c.alg = "SHA-256";
	ck_assert_int_eq(judge(&c, T0 + 50), CDIG_OK);
	/* no algorithm is MD5; no opaque is taken too */
	c = client();
	c.alg = "";
	c.nc = "00000010";
	ck_assert_int_eq(judge(&c, T0 + 60), CDIG_MALFORMED); /* "algorithm=," */
	c.alg = "md5";
	c.opaque = "";
	ck_assert_int_eq(judge(&c, T0 + 70), CDIG_OK);
}
END_TEST

#define CF(m)	offsetof(struct client, m)

/* One field of the client's answer changed at a time, each refused. */
START_TEST(refused)
{
	static const struct {
		size_t off;
		const char *value;
		enum camera_digest_verdict want;
	} t[] = {
		{ CF(password), "lane-secreT", CDIG_WRONG },
		{ CF(uri), "/other", CDIG_MISMATCH },
		{ CF(realm), "weighgate camera", CDIG_MISMATCH },
		{ CF(user), "admin", CDIG_WRONG },	/* no user oracle */
		{ CF(opaque), "0123", CDIG_MISMATCH },
		{ CF(alg), "MD5-sess", CDIG_UNSUPPORTED },
		{ CF(qop), "auth-int", CDIG_UNSUPPORTED },
		{ CF(nc), "1", CDIG_MALFORMED },
		{ CF(nc), "00000000", CDIG_MALFORMED },
		{ CF(nc), "0000000g", CDIG_MALFORMED },
		{ CF(nc), "100000000", CDIG_MALFORMED },
	};
	struct client c;
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		c = client();
		memcpy((char *)&c + t[i].off, &t[i].value, sizeof(t[i].value));
		ck_assert_msg(judge(&c, T0 + 1) == t[i].want, "case %zu", i);
	}
	/* the right answer still passes after all that */
	c = client();
	ck_assert_int_eq(judge(&c, T0 + 1), CDIG_OK);
}
END_TEST

/* Headers short of a parameter the check needs. */
START_TEST(missing)
{
	static const char *const drop[] = {
		"nc=00000001", "cnonce=\"0a4f113b\"", "qop=auth", "uri=\"" URI "\"",
		"username=\"cam\"", "realm=\"weighgate\"",
	};
	struct client c = client();
	char h[CAMERA_DIGEST_HEADER_MAX], *at;
	size_t i;

	for (i = 0; i < sizeof(drop) / sizeof(drop[0]); i++) {
		authorization(&c, h, sizeof(h));
		at = strstr(h, drop[i]);
		ck_assert_ptr_nonnull(at);
		memmove(at, at + strlen(drop[i]), strlen(at + strlen(drop[i])) + 1);
		ck_assert_msg(camera_digest_check(&dig, h, "POST", URI, "cam",
		    "lane-secret", T0 + 1) != CDIG_OK, "accepted: %s", h);
	}
	/* RFC 2069 (no qop, nc, cnonce) is not taken */
	snprintf(h, sizeof(h), "Digest username=\"cam\", realm=\"weighgate\", "
	    "nonce=\"%s\", uri=\"%s\", response=\"00\"", c.nonce, URI);
	ck_assert_int_eq(camera_digest_check(&dig, h, "POST", URI, "cam",
	    "lane-secret", T0 + 1), CDIG_UNSUPPORTED);
	ck_assert_int_eq(camera_digest_check(&dig, "Basic Y2FtOmxhbmUtc2VjcmV0",
	    "POST", URI, "cam", "lane-secret", T0 + 1), CDIG_MALFORMED);
	ck_assert_int_eq(camera_digest_check(&dig, NULL, "POST", URI, "cam",
	    "lane-secret", T0 + 1), CDIG_MALFORMED);
}
END_TEST

START_TEST(nonces)
{
	struct camera_digest other;
	struct client c = client();

	/* right password, old nonce: stale; wrong password, old: wrong */
	ck_assert_int_eq(judge(&c, T0 + CAMERA_DIGEST_NONCE_LIFE_MS + 1),
	    CDIG_STALE);
	c.password = "x";
	ck_assert_int_eq(judge(&c, T0 + CAMERA_DIGEST_NONCE_LIFE_MS + 1),
	    CDIG_WRONG);
	c = client();
	ck_assert_int_eq(judge(&c, T0 + CAMERA_DIGEST_NONCE_LIFE_MS), CDIG_OK);
	/* a nonce from the future, one changed, another listener's */
	c = client();
	ck_assert_int_eq(judge(&c, T0 - 1), CDIG_FORGED);
	c.nonce[20] = c.nonce[20] == 'a' ? 'b' : 'a';
	ck_assert_int_eq(judge(&c, T0 + 1), CDIG_FORGED);
	c = client();
	c.nonce[3] = c.nonce[3] == '0' ? '1' : '0';	/* its time */
	ck_assert_int_eq(judge(&c, T0 + 1), CDIG_FORGED);
	c = client();
	c.nonce[CAMERA_DIGEST_NONCE_LEN - 1] = '\0';
	ck_assert_int_eq(judge(&c, T0 + 1), CDIG_FORGED);
	ck_assert_int_eq(camera_digest_init(&other, secret_b), 0);
	c = client();
	nonce_at(&other, T0, c.nonce);
	ck_assert_int_eq(judge(&c, T0 + 1), CDIG_FORGED);
	camera_digest_fini(&other);
	c = client();
	c.nonce[0] = 'A';	/* hex is lowercase */
	ck_assert_int_eq(judge(&c, T0 + 1), CDIG_FORGED);
}
END_TEST

/*
 * More nonces in use than the table holds: the oldest is pushed out and is
 * stale from then on (never taken again); a nonce expired makes room
 * without that.
 */
START_TEST(replay_table)
{
	struct client c = client();
	int i;

	for (i = 0; i <= CAMERA_DIGEST_SEEN_MAX; i++) {
		nonce_at(&dig, T0 + i, c.nonce);
		ck_assert_int_eq(judge(&c, T0 + 100), CDIG_OK);
	}
	nonce_at(&dig, T0, c.nonce);		/* pushed out */
	c.nc = "00000002";
	ck_assert_int_eq(judge(&c, T0 + 100), CDIG_STALE);
	nonce_at(&dig, T0 + 1, c.nonce);	/* still held */
	ck_assert_int_eq(judge(&c, T0 + 100), CDIG_OK);
	c.nc = "00000001";
	ck_assert_int_eq(judge(&c, T0 + 100), CDIG_REPLAY);
	/* later, every one of those has expired: new ones take their room */
	for (i = 0; i <= CAMERA_DIGEST_SEEN_MAX; i++) {
		nonce_at(&dig, T0 + 400000 + i, c.nonce);
		ck_assert_int_eq(judge(&c, T0 + 400100), CDIG_OK);
	}
	nonce_at(&dig, T0 + 400001, c.nonce);
	c.nc = "00000002";
	ck_assert_int_eq(judge(&c, T0 + 400100), CDIG_OK);
}
END_TEST

/*
 * p says what q says: opaque may be left out, no algorithm is MD5, case
 * counts only where it does.
 */
static bool
same_answer(const struct camera_digest_params *p,
    const struct camera_digest_params *q)
{
	return strcmp(p->username, q->username) == 0 &&
	    strcmp(p->realm, q->realm) == 0 && strcmp(p->nonce, q->nonce) == 0 &&
	    strcmp(p->uri, q->uri) == 0 && strcmp(p->cnonce, q->cnonce) == 0 &&
	    strcasecmp(p->response, q->response) == 0 &&
	    strcasecmp(p->algorithm[0] != '\0' ? p->algorithm : "MD5",
	    q->algorithm[0] != '\0' ? q->algorithm : "MD5") == 0 &&
	    strcasecmp(p->qop, q->qop) == 0 && strcasecmp(p->nc, q->nc) == 0 &&
	    (p->opaque[0] == '\0' || strcmp(p->opaque, q->opaque) == 0);
}

/*
 * Mutated headers (bytes changed, cut, repeated), each judged by a fresh
 * listener: never a crash, never a value past its bound, never accepted
 * unless it says what the original says.
 */
START_TEST(mutations)
{
	static const char alphabet[] = "\",= \t\\abcDIGEST0123456789/:\x01\xff";
	struct camera_digest_params p, pgood;
	struct client c = client();
	char good[CAMERA_DIGEST_HEADER_MAX], h[CAMERA_DIGEST_HEADER_MAX];
	unsigned seed = 12, i, k, len;
	enum camera_digest_verdict v;

	authorization(&c, good, sizeof(good));
	len = (unsigned)strlen(good);
	ck_assert_int_eq(camera_digest_parse(good, &pgood), 0);
	for (i = 0; i < 20000; i++) {
		memcpy(h, good, len + 1);
		for (k = 0; k < 1 + i % 4; k++) {
			seed = seed * 1103515245u + 12345u;
			switch ((seed >> 8) % 3) {
			case 0:	/* a byte changed */
				h[(seed >> 12) % len] =
				    alphabet[(seed >> 20) % (sizeof(alphabet) - 1)];
				break;
			case 1:	/* cut */
				h[(seed >> 12) % len] = '\0';
				break;
			default:	/* a run repeated */
				memmove(h + len / 2, h + (seed >> 12) % (len / 2),
				    len / 2);
				h[len] = '\0';
				break;
			}
		}
		memset(&p, 0, sizeof(p));
		if (camera_digest_parse(h, &p) == 0)
			ck_assert(strnlen(p.username, sizeof(p.username)) <
			    sizeof(p.username) && strnlen(p.nonce,
			    sizeof(p.nonce)) < sizeof(p.nonce));
		camera_digest_fini(&dig);
		ck_assert_int_eq(camera_digest_init(&dig, secret_a), 0);
		v = camera_digest_check(&dig, h, "POST", URI, "cam",
		    "lane-secret", T0 + 1);
		ck_assert_int_lt(v, CDIG_VERDICT_N);
		ck_assert_msg(v != CDIG_OK || same_answer(&p, &pgood),
		    "accepted: %s", h);
	}
}
END_TEST

static Suite *
camera_digest_suite(void)
{
	Suite *s = suite_create("camera_digest");

	cu_tcase(s, "rfc7616", 10, NULL, NULL, rfc7616_example);
	cu_tcase(s, "parse", 10, NULL, NULL, parse_good, parse_malformed);
	cu_tcase(s, "check", 10, dig_setup, dig_teardown, challenge_text,
	    accepted_once, refused, missing, nonces, replay_table);
	cu_tcase(s, "mutations", 60, dig_setup, dig_teardown, mutations);
	return s;
}

CU_MAIN(camera_digest_suite)
