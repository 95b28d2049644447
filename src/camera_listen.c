/*
 * The camera listener (docs/camera.md "The listener"): evhttp on
 * camera_listen, on the daemon's loop.  A push is taken by POST (or PUT)
 * on any path, as Hikvision's "HTTP listening" lets the installer choose
 * one; it is checked (source, credentials, size, body) and handed to the
 * source, which tells it to a lane.  Every answer is counted by outcome.
 *
 * Connections are capped as the status server's are (status.c): evhttp
 * asks on_new_conn() for each connection's bufferevent, which is counted
 * and referenced; sweep() counts off the ones evhttp has let go.  At the
 * cap evhttp's listener is disabled, and further connections wait in the
 * kernel's backlog until one of those served ends, within camera_timeout_s.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "weighgate/camera_digest.h"
#include "weighgate/camera_listen.h"
#include "weighgate/log.h"
#include "weighgate/sbuf.h"
#include "weighgate/status.h"
#include "weighgate/timefmt.h"

#define MAX_HEADERS	8192	/* bytes of request line and headers */
#define BIND_RETRY_S	5
#define SWEEP_MS	100
#define AUTH_MAX	512	/* bytes of an Authorization header kept */
#define ERR_MAX		256

/* A connection evhttp serves, and since when its request is awaited. */
struct conn {
	struct bufferevent *bev;
	int64_t since_ms;		/* mono: opened, or its last answer */
	unsigned ours, sent;		/* answers given here / status lines sent */
};

struct camera_listen {
	struct event_base *base;
	struct evhttp *http;
	struct evconnlistener *lev;	/* evhttp's, once bound */
	bool lev_on;
	struct event *retry, *sweep;
	struct camera_listen_cfg cfg;
	char listen[128], host[128];
	unsigned short port;
	char user[64], password[256];
	struct camera_digest dig;	/* its secret, the nonce-counts */
	bool bound, bind_warned;
	struct camera_listen_source src;
	struct conn *conns;
	int n_conns;
	struct camera_listen_stats st;
	struct log_limit refusals;
};

static const char *const req_names[CREQ_N] = {
	"read", "no_plate", "other", "unmatched", "bad", "too_large",
	"forbidden", "unauthorized", "method", "challenged"
};

static const int req_codes[CREQ_N] = {
	200, 200, 200, 404, 400, 413, 403, 401, 405, 401
};

const char *
camera_req_name(enum camera_req k)
{
	return (unsigned)k < CREQ_N ? req_names[k] : "?";
}

/* ---- addresses (pure) ---- */

/* One "ADDR[/PREFIX]" of len bytes into n; -1 with err. */
static int
net_parse(const char *s, size_t len, struct camera_net *n, char *err,
    size_t errlen)
{
	char a[INET6_ADDRSTRLEN + 8], *slash, *end;
	unsigned long pl;
	unsigned max;

	if (len >= sizeof(a)) {
		snprintf(err, errlen, "\"%.*s...\" is too long", 16, s);
		return -1;
	}
	memcpy(a, s, len);
	a[len] = '\0';
	if ((slash = strchr(a, '/')) != NULL)
		*slash++ = '\0';
	memset(n, 0, sizeof(*n));
	n->family = strchr(a, ':') != NULL ? AF_INET6 : AF_INET;
	max = n->family == AF_INET ? 32 : 128;
	if (inet_pton(n->family, a, n->addr) != 1) {
		snprintf(err, errlen, "\"%s\" is not an IPv4 or IPv6 address", a);
		return -1;
	}
	n->prefix = max;
	if (slash != NULL) {
		pl = strtoul(slash, &end, 10);
		if (*slash == '\0' || *end != '\0' || pl > max) {
			snprintf(err, errlen, "\"%s/%s\": prefix not 0-%u", a,
			    slash, max);
			return -1;
		}
		n->prefix = (unsigned)pl;
	}
	return 0;
}

int
camera_nets_parse(const char *list, struct camera_nets *out, char *err,
    size_t errlen)
{
	static const char sep[] = ", \t";
	struct camera_nets tmp;
	size_t len;

	memset(&tmp, 0, sizeof(tmp));
	for (list += strspn(list, sep); *list != '\0';
	    list += strspn(list, sep)) {
		len = strcspn(list, sep);
		if (tmp.n == CAMERA_NETS_MAX) {
			snprintf(err, errlen, "more than %d addresses",
			    CAMERA_NETS_MAX);
			return -1;
		}
		if (net_parse(list, len, &tmp.net[tmp.n++], err, errlen) != 0)
			return -1;
		list += len;
	}
	if (tmp.n == 0) {
		snprintf(err, errlen, "no address");
		return -1;
	}
	if (out != NULL)
		*out = tmp;
	return 0;
}

/* The first prefix bits of a and b agree. */
static bool
prefix_eq(const unsigned char *a, const unsigned char *b, unsigned bits)
{
	unsigned whole = bits / 8, rest = bits % 8;
	unsigned char mask;

	if (memcmp(a, b, whole) != 0)
		return false;
	if (rest == 0)
		return true;
	mask = (unsigned char)(0xff << (8 - rest));
	return (a[whole] & mask) == (b[whole] & mask);
}

/* The peer's family and address bytes; an IPv4-mapped IPv6 as IPv4. */
static int
peer_bytes(const struct sockaddr *sa, const unsigned char **addr)
{
	static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	    0xff, 0xff };
	const struct sockaddr_in6 *s6;

	if (sa == NULL)
		return -1;
	if (sa->sa_family == AF_INET) {
		*addr = (const unsigned char *)
		    &((const struct sockaddr_in *)sa)->sin_addr;
		return AF_INET;
	}
	if (sa->sa_family != AF_INET6)
		return -1;
	s6 = (const struct sockaddr_in6 *)sa;
	if (memcmp(s6->sin6_addr.s6_addr, mapped, 12) == 0) {
		*addr = s6->sin6_addr.s6_addr + 12;
		return AF_INET;
	}
	*addr = s6->sin6_addr.s6_addr;
	return AF_INET6;
}

bool
camera_nets_match(const struct camera_nets *nets, const struct sockaddr *peer)
{
	const unsigned char *a = NULL;
	int fam = peer_bytes(peer, &a), i;

	for (i = 0; nets != NULL && fam >= 0 && i < nets->n; i++)
		if (nets->net[i].family == fam &&
		    prefix_eq(nets->net[i].addr, a, nets->net[i].prefix))
			return true;
	return false;
}

/* Base64 of s (n bytes) into out (NUL-terminated); -1 when it is not. */
static int
b64_decode(const char *s, size_t n, char *out, size_t outlen)
{
	int len;

	if (n == 0 || n % 4 != 0 || n / 4 * 3 >= outlen)
		return -1;
	len = EVP_DecodeBlock((unsigned char *)out, (const unsigned char *)s,
	    (int)n);
	if (len < 0)
		return -1;
	len -= (s[n - 1] == '=') + (s[n - 2] == '=');
	out[len] = '\0';
	return (size_t)len == strlen(out) ? 0 : -1;	/* no NUL inside */
}

bool
camera_basic_ok(const char *authorization, const char *user,
    const char *password)
{
	unsigned char a[SHA256_DIGEST_LENGTH], t[SHA256_DIGEST_LENGTH];
	char given[AUTH_MAX], want[AUTH_MAX];
	const char *p;
	bool ok;

	if (authorization == NULL || user == NULL || password == NULL ||
	    strncasecmp(authorization, "Basic ", 6) != 0)
		return false;
	for (p = authorization + 6; *p == ' '; p++)
		;
	if (b64_decode(p, strlen(p), given, sizeof(given)) != 0)
		return false;
	snprintf(want, sizeof(want), "%s:%s", user, password);
	SHA256((const unsigned char *)given, strlen(given), a);
	SHA256((const unsigned char *)want, strlen(want), t);
	ok = CRYPTO_memcmp(a, t, sizeof(a)) == 0;
	OPENSSL_cleanse(given, sizeof(given));
	OPENSSL_cleanse(want, sizeof(want));
	return ok;
}

/* ---- which lane's camera (pure) ---- */

static bool
route_names_any(const struct camera_route *r)
{
	return (r->id != NULL && r->id[0] != '\0') ||
	    (r->channel != NULL && r->channel[0] != '\0') ||
	    (r->source != NULL && r->source->n > 0);
}

static bool
route_matches(const struct camera_route *r, const struct sockaddr *peer,
    const struct camera_read *rd)
{
	if (r->id != NULL && r->id[0] != '\0' && strcmp(r->id, rd->camera) != 0)
		return false;
	if (r->channel != NULL && r->channel[0] != '\0' &&
	    strcmp(r->channel, rd->channel) != 0)
		return false;
	return r->source == NULL || r->source->n == 0 ||
	    camera_nets_match(r->source, peer);
}

int
camera_route_find(const struct camera_route *routes, int n,
    const struct sockaddr *peer, const struct camera_read *r)
{
	int i;

	for (i = 0; i < n; i++)
		if ((route_names_any(&routes[i]) || n == 1) &&
		    route_matches(&routes[i], peer, r))
			return i;
	return -1;
}

/* ---- answers ---- */

static void conn_answered(struct camera_listen *c, struct evhttp_request *req);
static void conn_ours(struct camera_listen *c, struct evhttp_request *req);

/* Answer k, counted; msg for the log and the body (NULL: none). */
static void
answer(struct camera_listen *c, struct evhttp_request *req, enum camera_req k,
    const char *msg)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);
	struct evbuffer *out = evbuffer_new();
	struct sbuf b;

	c->st.requests[k]++;
	conn_ours(c, req);
	sbuf_init(&b);
	sbuf_puts(&b, "{\"result\":");
	sbuf_put_json_str(&b, req_names[k]);
	if (msg != NULL) {
		sbuf_puts(&b, ",\"error\":");
		sbuf_put_json_str(&b, msg);
	}
	sbuf_puts(&b, "}\n");
	evhttp_add_header(h, "Content-Type", "application/json");
	evhttp_add_header(h, "Cache-Control", "no-store");
	if (k == CREQ_METHOD)
		evhttp_add_header(h, "Allow", "POST, PUT");
	if (out != NULL)
		evbuffer_add(out, b.p, b.len);
	evhttp_send_reply(req, req_codes[k], NULL, out);
	if (out != NULL)
		evbuffer_free(out);
	sbuf_fini(&b);
}

static const struct sockaddr *
request_peer(struct evhttp_request *req)
{
	struct evhttp_connection *con = evhttp_request_get_connection(req);

	return con != NULL ? evhttp_connection_get_addr(con) : NULL;
}

/* A refusal worth a line: rate-limited, anyone on the lane network may send. */
static void
refused(struct camera_listen *c, struct evhttp_request *req, enum camera_req k,
    const char *msg)
{
	struct evhttp_connection *con = evhttp_request_get_connection(req);
	char *addr = NULL;
	ev_uint16_t port = 0;

	if (con != NULL)
		evhttp_connection_get_peer(con, &addr, &port);
	log_limited(&c->refusals, ts_mono_ms(), "camera listener: push from "
	    "%s refused (%d %s): %s", addr != NULL ? addr : "?", req_codes[k],
	    req_names[k], msg);
	answer(c, req, k, msg);
}

/* The body, parsed, to the source; or its refusal. */
static void
take_push(struct camera_listen *c, struct evhttp_request *req)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	size_t len = evbuffer_get_length(in);
	const char *ct = evhttp_find_header(evhttp_request_get_input_headers(req),
	    "Content-Type");
	struct camera_read r;
	char err[ERR_MAX];
	enum camera_req k;
	const char *body;

	if (len > c->cfg.lim.body_max) {
		refused(c, req, CREQ_TOO_LARGE, "body too large");
		return;
	}
	body = len > 0 ? (const char *)evbuffer_pullup(in, -1) : "";
	if (body == NULL) {
		refused(c, req, CREQ_BAD, "out of memory");
		return;
	}
	if (camera_parse(ct, body, len, &c->cfg.lim, &r, err, sizeof(err)) ==
	    CAMERA_BAD) {
		refused(c, req, CREQ_BAD, err);
		return;
	}
	k = c->src.push(c->src.arg, request_peer(req), &r);
	answer(c, req, k, k == CREQ_UNMATCHED ? "no lane's camera: see "
	    "camera_id, camera_channel, camera_source" : NULL);
}

/*
 * A 401's challenges: digest with MD5 first (clients that read only the
 * first challenge, Python's urllib, speak it), then SHA-256, then basic;
 * each as camera_auth accepts.  stale: the password was right, the nonce
 * old or used, so the client may ask again with the fresh one.
 */
static void
challenge(struct camera_listen *c, struct evhttp_request *req, bool stale)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);
	char v[CAMERA_DIGEST_CHALLENGE_MAX];
	int64_t now = ts_mono_ms();
	int a;

	for (a = 0; c->cfg.auth != CAMERA_AUTH_BASIC && a < CDIG_ALG_N; a++)
		if (camera_digest_challenge(&c->dig, now,
		    (enum camera_digest_alg)a, stale, v, sizeof(v)) == 0)
			evhttp_add_header(h, "WWW-Authenticate", v);
	if (c->cfg.auth != CAMERA_AUTH_DIGEST)
		evhttp_add_header(h, "WWW-Authenticate",
		    "Basic realm=\"" CAMERA_DIGEST_REALM "\"");
}

static const char *
method_name(enum evhttp_cmd_type m)
{
	switch (m) {
	case EVHTTP_REQ_POST:	return "POST";
	case EVHTTP_REQ_PUT:	return "PUT";
	case EVHTTP_REQ_GET:	return "GET";
	case EVHTTP_REQ_HEAD:	return "HEAD";
	case EVHTTP_REQ_DELETE:	return "DELETE";
	case EVHTTP_REQ_OPTIONS:	return "OPTIONS";
	case EVHTTP_REQ_PATCH:	return "PATCH";
	default:		return "?";
	}
}

/*
 * The request's credentials as camera_auth takes them (none asked: true);
 * false with why (for the log and the answer), whether stale, and whether
 * it was only the protocol's first step (no credentials yet, or the right
 * password on an expired nonce: what a digest client does every time).
 */
static bool
credentials_ok(struct camera_listen *c, struct evhttp_request *req,
    char *why, size_t whylen, bool *stale, bool *first_step)
{
	const char *authz = evhttp_find_header(evhttp_request_get_input_headers(
	    req), "Authorization");
	enum camera_digest_verdict v;

	*stale = false;
	*first_step = false;
	snprintf(why, whylen, "no or wrong credentials");
	if (c->user[0] == '\0')
		return true;
	if (authz == NULL) {
		snprintf(why, whylen, "credentials required");
		*first_step = true;
		return false;
	}
	if (strncasecmp(authz, "Digest", 6) != 0) {
		if (c->cfg.auth == CAMERA_AUTH_DIGEST)
			snprintf(why, whylen, "digest credentials only "
			    "(camera_auth)");
		return c->cfg.auth != CAMERA_AUTH_DIGEST &&
		    strlen(authz) < AUTH_MAX &&
		    camera_basic_ok(authz, c->user, c->password);
	}
	if (c->cfg.auth == CAMERA_AUTH_BASIC) {
		snprintf(why, whylen, "basic credentials only (camera_auth)");
		return false;
	}
	v = camera_digest_check(&c->dig, authz, method_name(
	    evhttp_request_get_command(req)), evhttp_request_get_uri(req),
	    c->user, c->password, ts_mono_ms());
	*stale = v == CDIG_STALE || v == CDIG_REPLAY;
	*first_step = v == CDIG_STALE;
	snprintf(why, whylen, "digest credentials refused: %s",
	    camera_digest_verdict_name(v));
	return v == CDIG_OK;
}

/*
 * Every request, and every one evhttp failed itself (no URI: the body was
 * larger than the limit, or the request could not be parsed).
 */
static void
on_request(struct evhttp_request *req, void *arg)
{
	struct camera_listen *c = arg;
	enum evhttp_cmd_type m = evhttp_request_get_command(req);
	char why[ERR_MAX];
	bool stale, first_step;

	conn_answered(c, req);
	if (evhttp_request_get_uri(req) == NULL) {
		refused(c, req, evhttp_request_get_response_code(req) == 413 ?
		    CREQ_TOO_LARGE : CREQ_BAD, "malformed or oversized request");
		return;
	}
	if (!camera_nets_match(&c->cfg.allow, request_peer(req)))
		refused(c, req, CREQ_FORBIDDEN, "source not allowed "
		    "(camera_allow, camera_source)");
	else if (!credentials_ok(c, req, why, sizeof(why), &stale,
	    &first_step)) {
		challenge(c, req, stale);
		if (first_step)		/* not worth a line */
			answer(c, req, CREQ_CHALLENGED, why);
		else
			refused(c, req, CREQ_UNAUTHORIZED, why);
	}
	else if (m != EVHTTP_REQ_POST && m != EVHTTP_REQ_PUT)
		refused(c, req, CREQ_METHOD, "pushes are POST or PUT");
	else
		take_push(c, req);
}

/* ---- connections ---- */

static void
admit_update(struct camera_listen *c)
{
	bool on = c->n_conns < c->st.max_connections;

	if (c->lev == NULL || on == c->lev_on)
		return;
	if (on)
		evconnlistener_enable(c->lev);
	else
		evconnlistener_disable(c->lev);
	c->lev_on = on;
}

/*
 * Count off the connections evhttp has freed (their callbacks cleared).
 * One whose request has not come whole within camera_timeout_s (evhttp's
 * own timeout is reset by every byte: a request a byte at a time would
 * hold it for ever) is told of a read timeout, on which evhttp frees it.
 */
static void
conns_sweep(struct camera_listen *c, int64_t now)
{
	bufferevent_data_cb rd, wr;
	bufferevent_event_cb ev;
	struct conn *k;
	void *a;
	int i;

	for (i = 0; i < c->n_conns; i++) {
		k = &c->conns[i];
		bufferevent_getcb(k->bev, &rd, &wr, &ev, &a);
		if (rd != NULL || wr != NULL || ev != NULL) {
			if (k->since_ms >= 0 &&
			    now - k->since_ms >= c->cfg.timeout_s * 1000LL) {
				k->since_ms = -1;	/* told once */
				c->st.timed_out_total++;
				bufferevent_trigger_event(k->bev,
				    BEV_EVENT_READING | BEV_EVENT_TIMEOUT,
				    BEV_TRIG_DEFER_CALLBACKS);
			}
			continue;
		}
		bufferevent_disable(k->bev, EV_READ | EV_WRITE);
		bufferevent_decref(k->bev);
		c->conns[i--] = c->conns[--c->n_conns];
	}
}

/* The connection of req in the table, or NULL. */
static struct conn *
conn_of(struct camera_listen *c, struct evhttp_request *req)
{
	struct evhttp_connection *con = evhttp_request_get_connection(req);
	struct bufferevent *bev = con != NULL ?
	    evhttp_connection_get_bufferevent(con) : NULL;
	int i;

	for (i = 0; bev != NULL && i < c->n_conns; i++)
		if (c->conns[i].bev == bev)
			return &c->conns[i];
	return NULL;
}

/* A request came whole: its connection's next one has the time again. */
static void
conn_answered(struct camera_listen *c, struct evhttp_request *req)
{
	struct conn *k = conn_of(c, req);

	if (k != NULL && k->since_ms >= 0)
		k->since_ms = ts_mono_ms();
}

/* An answer of this file goes out on req's connection. */
static void
conn_ours(struct camera_listen *c, struct evhttp_request *req)
{
	struct conn *k = conn_of(c, req);

	if (k != NULL)
		k->ours++;
}

/*
 * Bytes added to a connection's output.  evhttp answers a body past the
 * limit (413) and a request it cannot parse (400) itself, without a
 * callback: a status line that is not one of ours is one of those, and is
 * counted here (evhttp writes the status line as one addition).
 */
static void
on_output(struct evbuffer *buf, const struct evbuffer_cb_info *info, void *arg)
{
	struct camera_listen *c = arg;
	struct evbuffer_ptr at;
	char line[13];
	int i;

	if (info->n_added < sizeof(line) - 1 ||
	    evbuffer_ptr_set(buf, &at, evbuffer_get_length(buf) -
	    info->n_added, EVBUFFER_PTR_SET) != 0 ||
	    evbuffer_copyout_from(buf, &at, line, sizeof(line) - 1) !=
	    (ev_ssize_t)sizeof(line) - 1)
		return;
	line[sizeof(line) - 1] = '\0';
	/* "100 Continue" (Expect: 100-continue) is no answer */
	if (strncmp(line, "HTTP/1.", 7) != 0 || line[9] == '1')
		return;
	for (i = 0; i < c->n_conns; i++) {
		if (bufferevent_get_output(c->conns[i].bev) != buf)
			continue;
		if (++c->conns[i].sent > c->conns[i].ours) {
			c->conns[i].ours = c->conns[i].sent;
			c->st.requests[strcmp(line + 9, "413") == 0 ?
			    CREQ_TOO_LARGE : CREQ_BAD]++;
		}
		return;
	}
}

/* evhttp accepted a connection (inside its accept loop): count it. */
static struct bufferevent *
on_new_conn(struct event_base *base, void *arg)
{
	struct camera_listen *c = arg;
	struct bufferevent *bev = bufferevent_socket_new(base, -1,
	    BEV_OPT_CLOSE_ON_FREE);

	if (bev == NULL || c->n_conns >= c->st.max_connections) {
		c->st.refused_total += bev != NULL;
		return bev;
	}
	bufferevent_incref(bev);
	if (c->n_conns + 1 == c->st.max_connections)
		conns_sweep(c, ts_mono_ms());	/* before bev joins: unset */
	memset(&c->conns[c->n_conns], 0, sizeof(c->conns[0]));
	c->conns[c->n_conns].bev = bev;
	c->conns[c->n_conns++].since_ms = ts_mono_ms();
	(void)evbuffer_add_cb(bufferevent_get_output(bev), on_output, c);
	admit_update(c);
	return bev;
}

/* Every SWEEP_MS: connections evhttp has closed make room again. */
static void
on_sweep(evutil_socket_t fd, short what, void *arg)
{
	struct camera_listen *c = arg;

	(void)fd;
	(void)what;
	conns_sweep(c, ts_mono_ms());
	admit_update(c);
}

/* ---- life cycle ---- */

/* Every BIND_RETRY_S until the port is bound. */
static void
on_retry(evutil_socket_t fd, short what, void *arg)
{
	struct camera_listen *c = arg;
	struct timeval tv = { BIND_RETRY_S, 0 };
	struct evhttp_bound_socket *bound;

	(void)fd;
	(void)what;
	if ((bound = evhttp_bind_socket_with_handle(c->http, c->host,
	    c->port)) != NULL) {
		c->lev = evhttp_bound_socket_get_listener(bound);
		c->lev_on = true;
		c->bound = c->st.bound = true;
		log_info("camera listener on %s", c->cfg.listen);
		admit_update(c);
		return;
	}
	if (!c->bind_warned)
		log_warn("camera listener: cannot listen on %s (trying again "
		    "every %d s)", c->cfg.listen, BIND_RETRY_S);
	c->bind_warned = true;
	event_add(c->retry, &tv);
}

static void
http_limits(struct camera_listen *c)
{
	struct timeval tv = { c->cfg.timeout_s, 0 };

	evhttp_set_allowed_methods(c->http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD |
	    EVHTTP_REQ_POST | EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE |
	    EVHTTP_REQ_OPTIONS | EVHTTP_REQ_PATCH);
	evhttp_set_timeout_tv(c->http, &tv);
	evhttp_set_max_headers_size(c->http, MAX_HEADERS);
	evhttp_set_max_body_size(c->http, (ev_ssize_t)c->cfg.lim.body_max);
	evhttp_set_bevcb(c->http, on_new_conn, c);
	evhttp_set_gencb(c->http, on_request, c);
}

/* The configuration's strings, copied: the listener outlives a reload. */
static int
copy_cfg(struct camera_listen *c, const struct camera_listen_cfg *cfg)
{
	c->cfg = *cfg;
	snprintf(c->listen, sizeof(c->listen), "%s", cfg->listen);
	c->cfg.listen = c->listen;
	snprintf(c->user, sizeof(c->user), "%s", cfg->user ? cfg->user : "");
	snprintf(c->password, sizeof(c->password), "%s",
	    cfg->password ? cfg->password : "");
	c->cfg.user = c->user;
	c->cfg.password = c->password;
	c->st.on = true;
	c->st.max_connections = cfg->max_conns < 1 ? 1 : cfg->max_conns;
	if (status_split_listen(cfg->listen, c->host, sizeof(c->host),
	    &c->port) != 0) {
		log_warnx("camera_listen %s: expected HOST:PORT", cfg->listen);
		return -1;
	}
	return 0;
}

/* The digest secret: fresh random bytes for every listener. */
static int
digest_setup(struct camera_listen *c)
{
	unsigned char secret[CAMERA_DIGEST_SECRET_LEN];
	int rc = -1;

	if (RAND_bytes(secret, sizeof(secret)) == 1)
		rc = camera_digest_init(&c->dig, secret);
	OPENSSL_cleanse(secret, sizeof(secret));
	if (rc != 0)
		log_warnx("camera listener: no random bytes for the digest "
		    "nonces");
	return rc;
}

struct camera_listen *
camera_listen_new(struct event_base *base, const struct camera_listen_cfg *cfg,
    const struct camera_listen_source *src)
{
	struct camera_listen *c = calloc(1, sizeof(*c));
	struct timeval tv = { 0, SWEEP_MS * 1000 };

	if (c == NULL)
		return NULL;
	c->base = base;
	c->src = *src;
	if (copy_cfg(c, cfg) != 0 || digest_setup(c) != 0 ||
	    (c->conns = calloc((size_t)c->st.max_connections,
	    sizeof(*c->conns))) == NULL ||
	    (c->http = evhttp_new(base)) == NULL ||
	    (c->retry = evtimer_new(base, on_retry, c)) == NULL ||
	    (c->sweep = event_new(base, -1, EV_PERSIST, on_sweep, c)) == NULL ||
	    event_add(c->sweep, &tv) != 0) {
		camera_listen_free(c);
		return NULL;
	}
	http_limits(c);
	on_retry(-1, 0, c);
	return c;
}

void
camera_listen_free(struct camera_listen *c)
{
	int i;

	if (c == NULL)
		return;
	if (c->retry != NULL)
		event_free(c->retry);
	if (c->sweep != NULL)
		event_free(c->sweep);
	if (c->http != NULL)
		evhttp_free(c->http);
	for (i = 0; i < c->n_conns; i++)
		bufferevent_decref(c->conns[i].bev);
	free(c->conns);
	OPENSSL_cleanse(c->password, sizeof(c->password));
	camera_digest_fini(&c->dig);
	free(c);
}

void
camera_listen_stats(const struct camera_listen *c,
    struct camera_listen_stats *out)
{
	memset(out, 0, sizeof(*out));
	if (c == NULL)
		return;
	*out = c->st;
	out->connections = c->n_conns;
}
