/*
 * The status server (SPEC §9): evhttp on status_listen, on the daemon's
 * loop.  GET / (the board), GET /v1/status (JSON), GET /metrics
 * (Prometheus), POST /v1/lanes/{lane}/override.  Every request takes a
 * fresh snapshot from the source; nothing of the daemon is kept between
 * requests.  Requests are bounded: header and body sizes, a read/write
 * timeout that closes idle connections, and every method not served on a
 * path is a 405.  What is said is rendered by status_render.c.
 */
#include <ctype.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <netinet/in.h>

#include <cjson/cJSON.h>
#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <openssl/crypto.h>
#include <openssl/sha.h>

#include "weighgate/log.h"
#include "weighgate/status.h"
#include "weighgate/timefmt.h"

#define IO_TIMEOUT_S	5	/* a connection idle this long is closed */
#define MAX_HEADERS	8192	/* bytes of request line and headers */
#define MAX_BODY	4096	/* bytes of a request body */
#define BIND_RETRY_S	5
#define TOKEN_MAX	512

struct status {
	struct event_base *base;
	struct evhttp *http;
	struct event *retry;
	struct status_source src;
	char host[128];
	unsigned short port;
	bool bound;
	bool bind_warned;
	struct log_limit refusals;	/* anyone may send refused requests */
};

/* ---- the pure helpers ---- */

bool
status_peer_loopback(const struct sockaddr *sa)
{
	static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	    0xff, 0xff };
	const struct sockaddr_in6 *s6;

	if (sa == NULL)
		return false;
	if (sa->sa_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr) >>
		    24) == 127;
	if (sa->sa_family != AF_INET6)
		return false;
	s6 = (const struct sockaddr_in6 *)sa;
	if (IN6_IS_ADDR_LOOPBACK(&s6->sin6_addr))
		return true;
	return memcmp(s6->sin6_addr.s6_addr, mapped, 12) == 0 &&
	    s6->sin6_addr.s6_addr[12] == 127;
}

/*
 * Both tokens are hashed and the digests compared with CRYPTO_memcmp: the
 * time taken says nothing about the token, its length included.
 */
bool
status_bearer_ok(const char *authorization, const char *token)
{
	unsigned char a[SHA256_DIGEST_LENGTH], t[SHA256_DIGEST_LENGTH];
	const char *given;

	if (authorization == NULL || token == NULL || *token == '\0' ||
	    strncasecmp(authorization, "Bearer ", 7) != 0)
		return false;
	given = authorization + 7;
	while (*given == ' ')
		given++;
	SHA256((const unsigned char *)given, strlen(given), a);
	SHA256((const unsigned char *)token, strlen(token), t);
	return CRYPTO_memcmp(a, t, sizeof(a)) == 0;
}

int
status_read_token(const char *path, char *out, size_t outlen)
{
	struct stat st;
	FILE *f;
	size_t n;
	char *p;
	int fd;

	/* Read on the loop: never block on a FIFO or a device put there. */
	if (path == NULL || *path == '\0' ||
	    (fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)) < 0)
		return -1;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    (st.st_mode & 077) != 0 || (f = fdopen(fd, "r")) == NULL) {
		close(fd);
		return -1;
	}
	p = fgets(out, (int)outlen, f);
	fclose(f);
	n = p != NULL ? strcspn(out, "\r\n") : 0;
	out[n] = '\0';
	while (n > 0 && isspace((unsigned char)out[n - 1]))
		out[--n] = '\0';
	return n > 0 ? 0 : -1;
}

/* A field of the override body: a non-empty string, no control characters. */
static int
body_field(const cJSON *root, const char *name, char *out, size_t max,
    char *err, size_t errlen)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, name);
	const unsigned char *p;
	size_t n;

	if (!cJSON_IsString(v) || (n = strlen(v->valuestring)) == 0) {
		snprintf(err, errlen, "\"%s\" must be a non-empty string", name);
		return -1;
	}
	if (n >= max) {
		snprintf(err, errlen, "\"%s\" is longer than %zu bytes", name,
		    max - 1);
		return -1;
	}
	for (p = (const unsigned char *)v->valuestring; *p != '\0'; p++)
		if (*p < 0x20 || *p == 0x7f) {
			snprintf(err, errlen, "\"%s\" holds a control character",
			    name);
			return -1;
		}
	memcpy(out, v->valuestring, n + 1);
	return 0;
}

int
status_parse_override(const char *body, size_t len, char *operator_id,
    char *reason, char *err, size_t errlen)
{
	cJSON *root = cJSON_ParseWithLength(body, len);
	int rc = -1;

	if (root == NULL || !cJSON_IsObject(root))
		snprintf(err, errlen, "the body is not a JSON object");
	else if (body_field(root, "operator", operator_id, STATUS_OPERATOR_MAX,
	    err, errlen) == 0 && body_field(root, "reason", reason,
	    STATUS_REASON_MAX, err, errlen) == 0)
		rc = 0;
	cJSON_Delete(root);
	return rc;
}

/* ---- answers ---- */

static void
reply(struct evhttp_request *req, int code, const char *type,
    const struct sbuf *body)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);
	struct evbuffer *out = evbuffer_new();

	evhttp_add_header(h, "Content-Type", type);
	evhttp_add_header(h, "Cache-Control", "no-store");
	evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
	if (out != NULL && body != NULL)
		evbuffer_add(out, body->p, body->len);
	evhttp_send_reply(req, code, NULL, out);
	if (out != NULL)
		evbuffer_free(out);
}

/* {"error": msg} with code. */
static void
reply_error(struct evhttp_request *req, int code, const char *msg)
{
	struct sbuf b;

	sbuf_init(&b);
	sbuf_puts(&b, "{\"error\":");
	sbuf_put_json_str(&b, msg);
	sbuf_puts(&b, "}\n");
	reply(req, code, "application/json", &b);
	sbuf_fini(&b);
}

static void
reply_405(struct evhttp_request *req, const char *allow)
{
	evhttp_add_header(evhttp_request_get_output_headers(req), "Allow", allow);
	reply_error(req, 405, "method not allowed");
}

/* ---- the pages ---- */

static struct status_snap *
snapshot(struct status *s)
{
	struct status_snap *snap = calloc(1, sizeof(*snap));

	if (snap != NULL)
		s->src.snapshot(s->src.arg, snap);
	return snap;
}

enum page { PAGE_BOARD, PAGE_JSON, PAGE_METRICS };

static void
serve_page(struct status *s, struct evhttp_request *req, enum page page)
{
	static const char *const types[] = {
		"text/html; charset=utf-8", "application/json",
		"text/plain; version=0.0.4; charset=utf-8"
	};
	struct status_snap *snap = snapshot(s);
	struct sbuf b;

	if (snap == NULL) {
		reply_error(req, 503, "out of memory");
		return;
	}
	sbuf_init(&b);
	if (page == PAGE_BOARD) {
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Content-Security-Policy", "default-src 'none'; "
		    "script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
		    "connect-src 'self'");
		status_render_board(snap, &b);
	} else if (page == PAGE_JSON)
		status_render_json(snap, &b);
	else
		status_render_metrics(snap, &b);
	reply(req, 200, types[page], &b);
	sbuf_fini(&b);
	free(snap);
}

/* The request's body as a NUL-terminated string (at most MAX_BODY bytes). */
static char *
request_body(struct evhttp_request *req, size_t *len)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	size_t n = evbuffer_get_length(in);
	char *p;

	if (n > MAX_BODY || (p = malloc(n + 1)) == NULL)
		return NULL;
	evbuffer_copyout(in, p, n);
	p[n] = '\0';
	*len = n;
	return p;
}

/* Who may override at all: a loopback peer, overrides on, the right token. */
static int
override_allowed(struct status *s, struct evhttp_request *req, char *msg,
    size_t msglen)
{
	struct evhttp_connection *c = evhttp_request_get_connection(req);
	struct status_snap *snap;
	char token[TOKEN_MAX];
	int code = 0;

	if (c == NULL || !status_peer_loopback(evhttp_connection_get_addr(c))) {
		snprintf(msg, msglen, "overrides are accepted from this "
		    "controller only");
		return 403;
	}
	if ((snap = snapshot(s)) == NULL) {
		snprintf(msg, msglen, "out of memory");
		return 503;
	}
	if (!snap->overrides) {
		snprintf(msg, msglen, "overrides are off ([rules] overrides)");
		code = 403;
	} else if (status_read_token(snap->override_token_file, token,
	    sizeof(token)) != 0) {
		log_warnx("override refused: the override token file cannot be "
		    "read");
		snprintf(msg, msglen, "no override token is configured");
		code = 401;
	} else if (!status_bearer_ok(evhttp_find_header(
	    evhttp_request_get_input_headers(req), "Authorization"), token)) {
		snprintf(msg, msglen, "no or wrong override token");
		code = 401;
	}
	OPENSSL_cleanse(token, sizeof(token));
	free(snap);
	return code;
}

static void
answer_override(struct evhttp_request *req, int code, const char *uuid,
    const char *msg)
{
	struct sbuf b;

	if (code != 200) {
		if (code == 401)
			evhttp_add_header(evhttp_request_get_output_headers(req),
			    "WWW-Authenticate", "Bearer realm=\"weighgate\"");
		reply_error(req, code, msg);
		return;
	}
	sbuf_init(&b);
	sbuf_puts(&b, "{\"uuid\":");
	sbuf_put_json_str(&b, uuid);
	sbuf_puts(&b, "}\n");
	reply(req, 200, "application/json", &b);
	sbuf_fini(&b);
}

/* POST /v1/lanes/{lane}/override: each refusal with its status (§9). */
static void
serve_override(struct status *s, struct evhttp_request *req, const char *lane)
{
	char op[STATUS_OPERATOR_MAX], why[STATUS_REASON_MAX], msg[256] = "";
	char uuid[40] = "", *body;
	size_t len = 0;
	int code;

	if ((code = override_allowed(s, req, msg, sizeof(msg))) != 0) {
		log_limited(&s->refusals, ts_mono_ms(), "override of lane "
		    "%.16s refused (%d): %s", lane, code, msg);
		answer_override(req, code, NULL, msg);
		return;
	}
	if ((body = request_body(req, &len)) == NULL) {
		answer_override(req, 413, NULL, "body too large");
		return;
	}
	if (status_parse_override(body, len, op, why, msg, sizeof(msg)) != 0)
		code = 400;
	else
		code = s->src.override(s->src.arg, lane, op, why, uuid, msg,
		    sizeof(msg));
	free(body);
	if (code != 200)
		log_limited(&s->refusals, ts_mono_ms(), "override of lane "
		    "%.16s refused (%d): %s", lane, code, msg);
	answer_override(req, code, uuid, msg);
}

/* The {lane} of /v1/lanes/{lane}/override, or NULL for another path. */
static const char *
override_lane(const char *path, char *lane, size_t lanelen)
{
	static const char pre[] = "/v1/lanes/", post[] = "/override";
	size_t n = strlen(path), np = sizeof(pre) - 1, nq = sizeof(post) - 1;

	if (n <= np + nq || strncmp(path, pre, np) != 0 ||
	    strcmp(path + n - nq, post) != 0 || n - np - nq >= lanelen)
		return NULL;
	memcpy(lane, path + np, n - np - nq);
	lane[n - np - nq] = '\0';
	return strchr(lane, '/') == NULL ? lane : NULL;
}

/* Every request: route by path, then by method. */
static void
on_request(struct evhttp_request *req, void *arg)
{
	struct status *s = arg;
	const struct evhttp_uri *u = evhttp_request_get_evhttp_uri(req);
	enum evhttp_cmd_type m = evhttp_request_get_command(req);
	const char *path = u != NULL ? evhttp_uri_get_path(u) : NULL;
	bool get = m == EVHTTP_REQ_GET || m == EVHTTP_REQ_HEAD;
	char lane[64];

	if (path == NULL || *path == '\0')
		path = "/";
	if (strcmp(path, "/") == 0 || strcmp(path, "/v1/status") == 0 ||
	    strcmp(path, "/metrics") == 0) {
		if (!get)
			reply_405(req, "GET, HEAD");
		else
			serve_page(s, req, path[1] == '\0' ? PAGE_BOARD :
			    path[1] == 'v' ? PAGE_JSON : PAGE_METRICS);
	} else if (override_lane(path, lane, sizeof(lane)) != NULL) {
		if (m != EVHTTP_REQ_POST)
			reply_405(req, "POST");
		else
			serve_override(s, req, lane);
	} else
		reply_error(req, 404, "no such page");
}

/* ---- life cycle ---- */

int
status_split_listen(const char *listen, char *host, size_t hostlen,
    unsigned short *port)
{
	const char *colon = strrchr(listen, ':');
	size_t n;
	long p;

	if (colon == NULL || (p = strtol(colon + 1, NULL, 10)) < 1 || p > 65535)
		return -1;
	n = (size_t)(colon - listen);
	if (listen[0] == '[' && n >= 2 && listen[n - 1] == ']') {
		listen++;
		n -= 2;
	}
	if (n == 0 || n >= hostlen)
		return -1;
	memcpy(host, listen, n);
	host[n] = '\0';
	*port = (unsigned short)p;
	return 0;
}

static void
try_bind(struct status *s)
{
	if (evhttp_bind_socket(s->http, s->host, s->port) == 0) {
		s->bound = true;
		log_info("status board on http://%s%s%s:%u/", strchr(s->host,
		    ':') ? "[" : "", s->host, strchr(s->host, ':') ? "]" : "",
		    s->port);
		return;
	}
	if (!s->bind_warned)
		log_warn("status board: cannot listen on %s port %u (trying "
		    "again every %d s)", s->host, s->port, BIND_RETRY_S);
	s->bind_warned = true;
}

/* Every BIND_RETRY_S while the port could not be bound. */
static void
on_retry(evutil_socket_t fd, short what, void *arg)
{
	struct status *s = arg;
	struct timeval tv = { BIND_RETRY_S, 0 };

	(void)fd;
	(void)what;
	try_bind(s);
	if (!s->bound)
		event_add(s->retry, &tv);
}

static void
http_limits(struct evhttp *h)
{
	struct timeval tv = { IO_TIMEOUT_S, 0 };

	/* every method reaches on_request, which answers 405 where not served */
	evhttp_set_allowed_methods(h, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD |
	    EVHTTP_REQ_POST | EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE |
	    EVHTTP_REQ_OPTIONS | EVHTTP_REQ_TRACE | EVHTTP_REQ_CONNECT |
	    EVHTTP_REQ_PATCH);
	evhttp_set_timeout_tv(h, &tv);
	evhttp_set_max_headers_size(h, MAX_HEADERS);
	evhttp_set_max_body_size(h, MAX_BODY);
}

struct status *
status_new(struct event_base *base, const char *listen,
    const struct status_source *src)
{
	struct status *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	s->base = base;
	s->src = *src;
	if (status_split_listen(listen, s->host, sizeof(s->host), &s->port) != 0) {
		log_warnx("status_listen %s: expected HOST:PORT", listen);
		free(s);
		return NULL;
	}
	if ((s->http = evhttp_new(base)) == NULL ||
	    (s->retry = evtimer_new(base, on_retry, s)) == NULL) {
		status_free(s);
		return NULL;
	}
	http_limits(s->http);
	evhttp_set_gencb(s->http, on_request, s);
	on_retry(-1, 0, s);
	return s;
}

void
status_free(struct status *s)
{
	if (s == NULL)
		return;
	if (s->retry != NULL)
		event_free(s->retry);
	if (s->http != NULL)
		evhttp_free(s->http);
	free(s);
}
