/*
 * The status server (docs/design.md §9): evhttp on status_listen, on the daemon's
 * loop.  GET / (the board), GET /v1/status (JSON), GET /metrics
 * (Prometheus), POST /v1/lanes/{lane}/override, POST /v1/alarms/ack.
 * Every request takes a
 * fresh snapshot from the source; nothing of the daemon is kept between
 * requests.  Requests are bounded: header and body sizes, a read/write
 * timeout that closes idle connections, and every method not served on a
 * path is a 405.  What is said is rendered by status_render.c.
 *
 * Connections are counted (libevent 2.1's evhttp has no limit of its own):
 * evhttp accepts on its listener and asks on_new_conn() for each
 * connection's bufferevent, which keeps a reference to it; sweep() sees
 * the ones evhttp has let go (their callbacks cleared) and drops them.  At
 * the limit evhttp's listener is disabled and a second listener on the same
 * socket answers every further connection 503 and closes it at once.  An
 * accept() that fails (no descriptor left) pauses both listeners for a
 * while instead of retrying at once.  See docs/status.md.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <netinet/in.h>

#include <cjson/cJSON.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>
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
#define FD_RESERVE	256	/* descriptors never taken by the status server */
#define SWEEP_MS	100	/* how often closed connections are counted off */
#define REFUSE_BATCH	32	/* refusals in a row before the loop gets a turn */
#define REFUSE_PAUSE_MS	10
#define ACCEPT_PAUSE_MS	1000	/* after an accept() failure */

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

	/* connections: see the top of the file */
	struct evconnlistener *lev;	/* evhttp's; accepts below the limit */
	struct evconnlistener *refuse;	/* the same socket; at the limit */
	bool lev_on, refuse_on;
	struct event *sweep;		/* every SWEEP_MS */
	struct event *resume;		/* the end of a pause */
	bool paused;			/* after an accept() failure */
	int refuse_run;			/* refusals since the loop had a turn */
	struct bufferevent **conns;	/* the connections open, max_conns */
	int n_conns, max_conns;
	uint64_t refused_total, accept_errors;
	struct log_limit full_log, accept_log, token_file_log;

	struct status_lockout lockout;
};

/* ---- the override lockout (pure) ---- */

void
status_lockout_init(struct status_lockout *lk, int64_t lock_ms)
{
	memset(lk, 0, sizeof(*lk));
	lk->lock_ms = lock_ms;
}

int64_t
status_lockout_left(const struct status_lockout *lk, int64_t now_ms)
{
	return lk->until_ms > now_ms ? lk->until_ms - now_ms : 0;
}

bool
status_lockout_fail(struct status_lockout *lk, int64_t now_ms)
{
	int64_t oldest;

	lk->failures++;
	lk->fail_ms[lk->next] = now_ms;
	lk->next = (lk->next + 1) % STATUS_LOCK_FAILS;
	if (lk->nfail < STATUS_LOCK_FAILS)
		lk->nfail++;
	oldest = lk->fail_ms[lk->next];	/* with nfail full, the oldest */
	if (lk->nfail < STATUS_LOCK_FAILS ||
	    now_ms - oldest > STATUS_LOCK_WINDOW_MS)
		return false;
	lk->until_ms = now_ms + lk->lock_ms;
	lk->lockouts++;
	lk->nfail = 0;
	return true;
}

void
status_lockout_ok(struct status_lockout *lk)
{
	lk->nfail = 0;
}

int64_t
status_retry_after_s(int64_t left_ms)
{
	int64_t s = (left_ms + 999) / 1000;

	return s < 1 ? 1 : s;
}

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

int
status_parse_ack(const char *body, size_t len, char *operator_id,
    int64_t *alarm, char *err, size_t errlen)
{
	cJSON *root = cJSON_ParseWithLength(body, len);
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, "alarm");
	int rc = -1;

	*alarm = 0;
	if (root == NULL || !cJSON_IsObject(root))
		snprintf(err, errlen, "the body is not a JSON object");
	else if (body_field(root, "operator", operator_id, STATUS_OPERATOR_MAX,
	    err, errlen) != 0)
		;
	else if (v != NULL && !cJSON_IsNull(v) && (!cJSON_IsNumber(v) ||
	    v->valuedouble < 1 || v->valuedouble > 9007199254740991.0 ||
	    v->valuedouble != (double)(int64_t)v->valuedouble))
		snprintf(err, errlen, "\"alarm\" must be a positive integer");
	else {
		if (cJSON_IsNumber(v))
			*alarm = (int64_t)v->valuedouble;
		rc = 0;
	}
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

/* Open descriptors: the entries of /proc/self/fd, less the one reading it. */
static int64_t
count_fds(void)
{
	DIR *dir = opendir("/proc/self/fd");
	struct dirent *e;
	int64_t n = 0;

	if (dir == NULL)
		return -1;
	while ((e = readdir(dir)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	closedir(dir);
	return n > 0 ? n - 1 : n;
}

/* Resident pages of /proc/self/statm, in bytes. */
static int64_t
resident_bytes(void)
{
	FILE *f = fopen("/proc/self/statm", "re");
	long long size, pages;
	long page = sysconf(_SC_PAGESIZE);
	int got;

	if (f == NULL)
		return -1;
	got = fscanf(f, "%lld %lld", &size, &pages);
	fclose(f);
	return got == 2 && page > 0 ? (int64_t)pages * page : -1;
}

void
status_proc_read(struct status_proc *out)
{
	struct rusage ru;

	out->cpu_seconds = -1;
	if (getrusage(RUSAGE_SELF, &ru) == 0)
		out->cpu_seconds = (double)ru.ru_utime.tv_sec +
		    (double)ru.ru_stime.tv_sec +
		    (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
	out->resident_bytes = resident_bytes();
	out->open_fds = count_fds();
}

static struct status_snap *
snapshot(struct status *s)
{
	struct status_snap *snap = calloc(1, sizeof(*snap));
	struct status_server_stats *v;

	if (snap == NULL)
		return NULL;
	s->src.snapshot(s->src.arg, snap);
	v = &snap->server;
	v->connections = s->n_conns;
	v->max_connections = s->max_conns;
	v->refused_total = s->refused_total;
	v->accept_errors_total = s->accept_errors;
	v->override_auth_failures_total = s->lockout.failures;
	v->override_lockouts_total = s->lockout.lockouts;
	v->override_locked_ms = status_lockout_left(&s->lockout, ts_mono_ms());
	status_proc_read(&snap->proc);
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

/*
 * A wrong token: counted when one was offered ("Bearer ..."; a request
 * without one guesses nothing), and the fifth within the window locks.
 */
static void
token_failed(struct status *s, const char *authorization)
{
	int64_t now = ts_mono_ms();

	if (authorization == NULL || strncasecmp(authorization, "Bearer ", 7) != 0)
		return;
	if (status_lockout_fail(&s->lockout, now))
		log_warnx("override: %d wrong tokens within %d s: every override "
		    "is refused (429) for %lld s", STATUS_LOCK_FAILS,
		    STATUS_LOCK_WINDOW_MS / 1000,
		    (long long)status_retry_after_s(s->lockout.lock_ms));
}

/* 429 while the lockout lasts, with Retry-After; 0 when overrides are open. */
static int
override_locked(struct status *s, struct evhttp_request *req, char *msg,
    size_t msglen)
{
	int64_t left = status_lockout_left(&s->lockout, ts_mono_ms());
	char ra[24];

	if (left == 0)
		return 0;
	snprintf(ra, sizeof(ra), "%lld", (long long)status_retry_after_s(left));
	evhttp_add_header(evhttp_request_get_output_headers(req), "Retry-After",
	    ra);
	snprintf(msg, msglen, "too many wrong override tokens: overrides are "
	    "refused for %s s", ra);
	return 429;
}

/* The request comes from this controller (a loopback peer). */
static bool
from_loopback(struct evhttp_request *req)
{
	struct evhttp_connection *c = evhttp_request_get_connection(req);

	return c != NULL && status_peer_loopback(evhttp_connection_get_addr(c));
}

/*
 * Who may override at all: a loopback peer, no lockout, overrides on, the
 * right token.
 */
static int
override_allowed(struct status *s, struct evhttp_request *req, char *msg,
    size_t msglen)
{
	const char *authz = evhttp_find_header(evhttp_request_get_input_headers(
	    req), "Authorization");
	struct status_snap *snap;
	char token[TOKEN_MAX];
	int code = 0;

	if (!from_loopback(req)) {
		snprintf(msg, msglen, "overrides are accepted from this "
		    "controller only");
		return 403;
	}
	if ((code = override_locked(s, req, msg, msglen)) != 0)
		return code;
	if ((snap = snapshot(s)) == NULL) {
		snprintf(msg, msglen, "out of memory");
		return 503;
	}
	if (!snap->overrides) {
		snprintf(msg, msglen, "overrides are off ([rules] overrides)");
		code = 403;
	} else if (status_read_token(snap->override_token_file, token,
	    sizeof(token)) != 0) {
		log_limited(&s->token_file_log, ts_mono_ms(), "override "
		    "refused: the override token file cannot be read");
		snprintf(msg, msglen, "no override token is configured");
		code = 401;
	} else if (!status_bearer_ok(authz, token)) {
		snprintf(msg, msglen, "no or wrong override token");
		code = 401;
		token_failed(s, authz);
	} else
		status_lockout_ok(&s->lockout);
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

/*
 * POST /v1/alarms/ack: staff on this controller acknowledge one alarm of
 * the board, or all (docs/status.md).  No token: it lets nothing through.
 */
static void
serve_ack(struct status *s, struct evhttp_request *req)
{
	char op[STATUS_OPERATOR_MAX], msg[256] = "", uuid[40] = "", *body;
	int64_t alarm = 0;
	size_t len = 0;
	int code, n = 0;
	struct sbuf b;

	if (!from_loopback(req)) {
		reply_error(req, 403, "alarms are acknowledged on this "
		    "controller only");
		return;
	}
	if ((body = request_body(req, &len)) == NULL) {
		reply_error(req, 413, "body too large");
		return;
	}
	if (status_parse_ack(body, len, op, &alarm, msg, sizeof(msg)) != 0)
		code = 400;
	else
		code = s->src.ack(s->src.arg, op, alarm, &n, uuid, msg,
		    sizeof(msg));
	free(body);
	if (code != STATUS_ACK_OK) {
		log_limited(&s->refusals, ts_mono_ms(), "alarm acknowledgement "
		    "refused (%d): %s", code, msg);
		reply_error(req, code, msg);
		return;
	}
	sbuf_init(&b);
	sbuf_printf(&b, "{\"acknowledged\":%d,\"uuid\":", n);
	if (uuid[0] != '\0')
		sbuf_put_json_str(&b, uuid);
	else
		sbuf_puts(&b, "null");
	sbuf_puts(&b, "}\n");
	reply(req, 200, "application/json", &b);
	sbuf_fini(&b);
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
	} else if (strcmp(path, "/v1/alarms/ack") == 0) {
		if (m != EVHTTP_REQ_POST)
			reply_405(req, "POST");
		else
			serve_ack(s, req);
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

/* ---- connections: the limit and the descriptors ---- */

/* The listener that should accept now: evhttp's, the refuser's or none. */
static void
admit_update(struct status *s)
{
	bool lev = !s->paused && s->n_conns < s->max_conns;
	bool refuse = !s->paused && !lev && s->refuse_run < REFUSE_BATCH &&
	    s->refuse != NULL;

	if (s->lev != NULL && lev != s->lev_on) {
		if (lev)
			evconnlistener_enable(s->lev);
		else
			evconnlistener_disable(s->lev);
		s->lev_on = lev;
	}
	if (s->refuse != NULL && refuse != s->refuse_on) {
		if (refuse)
			evconnlistener_enable(s->refuse);
		else
			evconnlistener_disable(s->refuse);
		s->refuse_on = refuse;
	}
}

/* Stop accepting for ms, then admit_update() again (on_resume). */
static void
pause_accepting(struct status *s, int ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	admit_update(s);
	if (!evtimer_pending(s->resume, NULL))
		evtimer_add(s->resume, &tv);
}

/* A pause has ended: accept again, as the count allows. */
static void
on_resume(evutil_socket_t fd, short what, void *arg)
{
	struct status *s = arg;

	(void)fd;
	(void)what;
	s->paused = false;
	s->refuse_run = 0;
	admit_update(s);
}

/* A connection evhttp has freed: bufferevent_free() cleared its callbacks. */
static bool
conn_released(struct bufferevent *bev)
{
	bufferevent_data_cb r, w;
	bufferevent_event_cb e;
	void *a;

	bufferevent_getcb(bev, &r, &w, &e, &a);
	return r == NULL && w == NULL && e == NULL;
}

/*
 * Count off the connections evhttp has let go, and close them.  Never
 * between on_new_conn() and evhttp setting the new one's callbacks (they
 * follow in the same call).
 */
static void
sweep(struct status *s)
{
	int i;

	for (i = 0; i < s->n_conns; i++)
		if (conn_released(s->conns[i])) {
			bufferevent_disable(s->conns[i], EV_READ | EV_WRITE);
			bufferevent_decref(s->conns[i]);	/* closes it */
			s->conns[i--] = s->conns[--s->n_conns];
		}
}

/*
 * evhttp has accepted a connection and asks for its bufferevent (called
 * from inside evhttp's accept loop): it is counted, and a reference kept
 * so that sweep() can tell when evhttp has let it go.  Reaching the limit
 * disables evhttp's listener before it accepts again; the table is swept
 * before it fills, so that clients that connect and close one after
 * another never meet the limit.
 */
static struct bufferevent *
on_new_conn(struct event_base *base, void *arg)
{
	struct status *s = arg;
	struct bufferevent *bev = bufferevent_socket_new(base, -1,
	    BEV_OPT_CLOSE_ON_FREE);

	if (bev == NULL || s->n_conns >= s->max_conns)
		return bev;	/* NULL: evhttp gives up on the connection */
	bufferevent_incref(bev);
	if (s->n_conns + 1 == s->max_conns)
		sweep(s);	/* before bev joins: its callbacks are not set yet */
	s->conns[s->n_conns++] = bev;
	if (s->n_conns == s->max_conns)
		admit_update(s);
	return bev;
}

/* Every SWEEP_MS: count off the connections evhttp has closed. */
static void
on_sweep(evutil_socket_t fd, short what, void *arg)
{
	struct status *s = arg;

	(void)fd;
	(void)what;
	sweep(s);
	admit_update(s);
}

/*
 * A connection past the limit: whatever it sent is read once and dropped
 * (so that closing does not reset the answer away), 503 is written without
 * waiting, and it is closed.  Every REFUSE_BATCH refusals the refuser
 * pauses REFUSE_PAUSE_MS, so a client connecting in a loop cannot hold the
 * daemon's loop.  Disabling a listener from its own callback ends its
 * accept loop there.
 */
static void
on_refuse(struct evconnlistener *lev, evutil_socket_t fd, struct sockaddr *sa,
    int salen, void *arg)
{
#define REFUSE_BODY "{\"error\":\"too many status connections\"}\n"
	static const char answer[] = "HTTP/1.1 503 Service Unavailable\r\n"
	    "Content-Type: application/json\r\nRetry-After: 1\r\n"
	    "Connection: close\r\nContent-Length: 40\r\n\r\n" REFUSE_BODY;
	char sink[2048];
	struct status *s = arg;

	_Static_assert(sizeof(REFUSE_BODY) - 1 == 40, "the 503's length");
	(void)lev;
	(void)sa;
	(void)salen;
	(void)recv(fd, sink, sizeof(sink), MSG_DONTWAIT);
	(void)send(fd, answer, sizeof(answer) - 1, MSG_DONTWAIT | MSG_NOSIGNAL);
	close(fd);
	s->refused_total++;
	log_limited(&s->full_log, ts_mono_ms(), "status server: %d connections "
	    "open (status_max_connections): a further one refused (503)",
	    s->n_conns);
	sweep(s);	/* a slot free again: the next one is served */
	if (++s->refuse_run >= REFUSE_BATCH)
		pause_accepting(s, REFUSE_PAUSE_MS);
	else
		admit_update(s);
#undef REFUSE_BODY
}

/*
 * accept() failed with something other than "try again": mostly no
 * descriptor left (EMFILE, ENFILE), or no memory.  libevent would retry at
 * once, as often as the loop turns; both listeners pause ACCEPT_PAUSE_MS
 * instead, and it is logged rate-limited.
 */
static void
on_accept_error(struct evconnlistener *lev, void *arg)
{
	struct status *s = arg;
	int err = EVUTIL_SOCKET_ERROR();

	(void)lev;
	s->accept_errors++;
	log_limited(&s->accept_log, ts_mono_ms(), "status server: accept() "
	    "failed: %s; not accepting for %d ms", strerror(err),
	    ACCEPT_PAUSE_MS);
	s->paused = true;
	pause_accepting(s, ACCEPT_PAUSE_MS);
}

/* evhttp's listener of the bound socket, and the refuser beside it. */
static void
listeners_setup(struct status *s, struct evhttp_bound_socket *bound)
{
	s->lev = evhttp_bound_socket_get_listener(bound);
	s->lev_on = true;
	evconnlistener_set_error_cb(s->lev, on_accept_error);
	s->refuse = evconnlistener_new(s->base, on_refuse, s, LEV_OPT_DISABLED |
	    LEV_OPT_CLOSE_ON_EXEC, 0, evconnlistener_get_fd(s->lev));
	if (s->refuse == NULL)
		log_warnx("status server: no refuser: connections past the "
		    "limit wait in the backlog");
	else
		evconnlistener_set_error_cb(s->refuse, on_accept_error);
	admit_update(s);
}

int
status_conn_room(uint64_t nofile)
{
	uint64_t cur = nofile < FD_SETSIZE ? nofile : FD_SETSIZE;
	uint64_t reserve = cur / 2 < FD_RESERVE ? cur / 2 : FD_RESERVE;

	return cur - reserve >= 1 ? (int)(cur - reserve) : 1;
}

/*
 * The limit in force: max_conns, or status_conn_room() of the descriptor
 * limit where that is less (said once at start).
 */
static int
conn_limit(int max_conns)
{
	struct rlimit rl;
	uint64_t cur = FD_SETSIZE;
	int room;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
		cur = (uint64_t)rl.rlim_cur;
	room = status_conn_room(cur);
	if (max_conns <= room)
		return max_conns;
	log_warnx("status server: at most %d connections, not %d "
	    "(status_max_connections): the descriptor limit is %llu and the "
	    "devices, the store and the platform keep the rest", room,
	    max_conns, (unsigned long long)cur);
	return room;
}

static void
try_bind(struct status *s)
{
	struct evhttp_bound_socket *bound;

	if ((bound = evhttp_bind_socket_with_handle(s->http, s->host,
	    s->port)) != NULL) {
		listeners_setup(s, bound);
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

/*
 * Test hook, read once at start (docs/status.md):
 * WEIGHGATE_TEST_OVERRIDE_LOCKOUT_MS=MS (100-60000) shortens the override
 * lockout so that a test need not wait a minute.
 */
static int64_t
test_lock_hook(void)
{
	const char *v = getenv("WEIGHGATE_TEST_OVERRIDE_LOCKOUT_MS");
	char *end;
	long ms;

	if (v == NULL || *v == '\0')
		return STATUS_LOCK_MS;
	ms = strtol(v, &end, 10);
	if (*end != '\0' || ms < 100 || ms > STATUS_LOCK_MS) {
		log_warnx("WEIGHGATE_TEST_OVERRIDE_LOCKOUT_MS=%s: not 100-%d; "
		    "ignored", v, STATUS_LOCK_MS);
		return STATUS_LOCK_MS;
	}
	log_warnx("test hook WEIGHGATE_TEST_OVERRIDE_LOCKOUT_MS: the override "
	    "lockout lasts %ld ms", ms);
	return ms;
}

static int
conns_init(struct status *s, int max_conns)
{
	struct timeval tv = { 0, SWEEP_MS * 1000 };

	s->max_conns = conn_limit(max_conns < 1 ? 1 : max_conns);
	s->conns = calloc((size_t)s->max_conns, sizeof(*s->conns));
	s->sweep = event_new(s->base, -1, EV_PERSIST, on_sweep, s);
	s->resume = evtimer_new(s->base, on_resume, s);
	if (s->conns == NULL || s->sweep == NULL || s->resume == NULL ||
	    event_add(s->sweep, &tv) != 0)
		return -1;
	evhttp_set_bevcb(s->http, on_new_conn, s);
	return 0;
}

struct status *
status_new(struct event_base *base, const char *listen, int max_conns,
    const struct status_source *src)
{
	struct status *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	s->base = base;
	s->src = *src;
	status_lockout_init(&s->lockout, test_lock_hook());
	if (status_split_listen(listen, s->host, sizeof(s->host), &s->port) != 0) {
		log_warnx("status_listen %s: expected HOST:PORT", listen);
		free(s);
		return NULL;
	}
	if ((s->http = evhttp_new(base)) == NULL ||
	    (s->retry = evtimer_new(base, on_retry, s)) == NULL ||
	    conns_init(s, max_conns) != 0) {
		status_free(s);
		return NULL;
	}
	http_limits(s->http);
	evhttp_set_gencb(s->http, on_request, s);
	on_retry(-1, 0, s);
	return s;
}

/*
 * The refuser goes first (it shares evhttp's socket, which evhttp closes);
 * evhttp_free() lets go of every connection, and the references kept on
 * them are dropped last, which closes their sockets.
 */
void
status_free(struct status *s)
{
	int i;

	if (s == NULL)
		return;
	if (s->retry != NULL)
		event_free(s->retry);
	if (s->sweep != NULL)
		event_free(s->sweep);
	if (s->resume != NULL)
		event_free(s->resume);
	if (s->refuse != NULL)
		evconnlistener_free(s->refuse);
	if (s->http != NULL)
		evhttp_free(s->http);
	for (i = 0; i < s->n_conns; i++)
		bufferevent_decref(s->conns[i]);
	free(s->conns);
	free(s);
}
