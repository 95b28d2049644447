/*
 * The HTTPS server of weighgate-platform: evhttp over bufferevent_openssl,
 * optional client certificates and bearer token, POST /v1/events and
 * GET /v1/lists, and the fault switches the tests and the demo use.
 */
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "weighgate/log.h"
#include "weighgate/sbuf.h"
#include "weighgate/timefmt.h"

#include "platform.h"

#define EX_SOFTWARE	70
#define EX_CONFIG	78
#define HTTP_TIMEOUT_S	30
#define MAX_HEADERS	(16 * 1024)
#define TOKEN_MAX	4096

/* An answer held back (--delay-ms) or a connection to drop (down). */
struct pending {
	TAILQ_ENTRY(pending) next;
	struct plat *p;
	struct evhttp_request *req;
	struct event *ev;
	int code;			/* 0: drop the connection */
};
TAILQ_HEAD(pendq, pending);

struct plat {
	const struct popts *o;
	struct event_base *base;
	struct evhttp *http;
	struct evhttp_bound_socket *bound;
	SSL_CTX *ssl;
	struct pdb *db;
	struct listfile *lists;
	char *token;
	size_t token_len;
	uint64_t rng;
	int port;			/* the bound one */
	long posts;			/* POST /v1/events answered */
	int down;
	int went_down;			/* --down-after happened */
	struct event *up_timer;
	struct event *sig_term, *sig_int;
	struct pendq pending;
};

/* splitmix64: reproducible fault decisions under --seed. */
static double
chance(struct plat *p)
{
	uint64_t z = (p->rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	z ^= z >> 31;
	return (double)(z >> 11) / 9007199254740992.0;
}

/* A key or token file must not be readable by group or others (docs/design.md §3). */
static int
private_file(const char *path)
{
	struct stat sb;

	if (stat(path, &sb) == -1) {
		log_warn("%s", path);
		return -1;
	}
	if (sb.st_mode & 077) {
		log_warnx("%s: readable by group or others (chmod 600 it)",
		    path);
		return -1;
	}
	return 0;
}

/* Log OpenSSL's error queue under a heading. */
static void
ssl_warn(const char *what)
{
	unsigned long e;
	char buf[256];

	while ((e = ERR_get_error()) != 0) {
		ERR_error_string_n(e, buf, sizeof(buf));
		log_warnx("%s: %s", what, buf);
	}
}

/* The server's TLS context: TLS 1.2+, its certificate, client CAs. */
static SSL_CTX *
tls_ctx_new(const struct popts *o)
{
	static const unsigned char sid[] = "weighgate-platform";
	SSL_CTX *ctx;

	if (private_file(o->key) != 0)
		return NULL;
	if ((ctx = SSL_CTX_new(TLS_server_method())) == NULL)
		goto fail;
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
	SSL_CTX_set_session_id_context(ctx, sid, sizeof(sid) - 1);
	if (SSL_CTX_use_certificate_chain_file(ctx, o->cert) != 1 ||
	    SSL_CTX_use_PrivateKey_file(ctx, o->key, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(ctx) != 1)
		goto fail;
	if (o->client_ca != NULL) {
		if (SSL_CTX_load_verify_locations(ctx, o->client_ca,
		    NULL) != 1)
			goto fail;
		SSL_CTX_set_client_CA_list(ctx,
		    SSL_load_client_CA_file(o->client_ca));
		SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER |
		    SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
	}
	return ctx;
fail:
	ssl_warn(o->cert);
	SSL_CTX_free(ctx);
	return NULL;
}

/* Read the bearer token: the file's first line, trailing blanks cut. */
static int
token_load(struct plat *p, const char *path)
{
	FILE *f;
	char buf[TOKEN_MAX];
	size_t n;

	if (private_file(path) != 0)
		return -1;
	if ((f = fopen(path, "r")) == NULL) {
		log_warn("%s", path);
		return -1;
	}
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	n = strlen(buf);
	while (n > 0 && (buf[n - 1] == ' ' || buf[n - 1] == '\t'))
		buf[--n] = '\0';
	if (n == 0) {
		log_warnx("%s: empty token", path);
		return -1;
	}
	p->token = strdup(buf);
	p->token_len = n;
	OPENSSL_cleanse(buf, sizeof(buf));
	return p->token != NULL ? 0 : -1;
}

/* Fires for every accepted connection: wrap it in a server-side TLS bev. */
static struct bufferevent *
on_bev(struct event_base *base, void *arg)
{
	struct plat *p = arg;
	struct bufferevent *bev;
	SSL *ssl;

	if ((ssl = SSL_new(p->ssl)) == NULL)
		return NULL;
	bev = bufferevent_openssl_socket_new(base, -1, ssl,
	    BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
	if (bev == NULL) {
		SSL_free(ssl);
		return NULL;
	}
	bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
	return bev;
}

/* Listen on the configured address; 0 or -1. */
static int
listen_up(struct plat *p)
{
	struct sockaddr_in sin;
	socklen_t sl = sizeof(sin);

	p->bound = evhttp_bind_socket_with_handle(p->http, p->o->host,
	    (uint16_t)p->port);
	if (p->bound == NULL) {
		log_warn("listen %s:%d", p->o->host, p->port);
		return -1;
	}
	if (getsockname(evhttp_bound_socket_get_fd(p->bound),
	    (struct sockaddr *)&sin, &sl) == 0)
		p->port = ntohs(sin.sin_port);
	/*
	 * Accepted sockets inherit it: an answer goes out as several TLS
	 * records, and with Nagle the last waits for the client's delayed
	 * ACK (40 ms per request, docs/benchmarks.md).
	 */
	if (setsockopt(evhttp_bound_socket_get_fd(p->bound), IPPROTO_TCP,
	    TCP_NODELAY, &(int){ 1 }, sizeof(int)) == -1)
		log_warn("TCP_NODELAY");
	return 0;
}

/* Fires when a down period ends: listen again (retried until it works). */
static void
on_up(evutil_socket_t fd, short what, void *arg)
{
	struct plat *p = arg;
	struct timeval tv = { 0, 100000 };

	(void)fd;
	(void)what;
	if (listen_up(p) != 0) {
		evtimer_add(p->up_timer, &tv);
		return;
	}
	p->down = 0;
	log_info("up again on %s:%d", p->o->host, p->port);
}

/* Stop listening for ms: new connections are refused, requests dropped. */
static void
go_down(struct plat *p, int ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	if (p->bound != NULL)
		evhttp_del_accept_socket(p->http, p->bound);
	p->bound = NULL;
	p->down = 1;
	evtimer_add(p->up_timer, &tv);
	log_info("down for %d ms (fault switch)", ms);
}

/*
 * The Date header, written when the answer goes out, shifted by
 * --date-offset (a platform whose clock is wrong); evhttp would add an
 * unshifted one otherwise.
 */
static void
put_date(struct plat *p, struct evhttp_request *req)
{
	static const char *const wd[] = { "Sun", "Mon", "Tue", "Wed", "Thu",
	    "Fri", "Sat" };
	static const char *const mon[] = { "Jan", "Feb", "Mar", "Apr", "May",
	    "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);
	time_t t = time(NULL) + (time_t)p->o->date_offset_s;
	char buf[40];
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL)
		return;
	snprintf(buf, sizeof(buf), "%s, %02d %s %04d %02d:%02d:%02d GMT",
	    wd[tm.tm_wday], tm.tm_mday, mon[tm.tm_mon], tm.tm_year + 1900,
	    tm.tm_hour, tm.tm_min, tm.tm_sec);
	evhttp_remove_header(h, "Date");
	evhttp_add_header(h, "Date", buf);
}

/* Fires when a held answer is due: send it, or drop its connection. */
static void
on_pending(evutil_socket_t fd, short what, void *arg)
{
	struct pending *pe = arg;
	struct evhttp_connection *evcon;

	(void)fd;
	(void)what;
	TAILQ_REMOVE(&pe->p->pending, pe, next);
	if (pe->code != 0) {
		put_date(pe->p, pe->req);
		evhttp_send_reply(pe->req, pe->code, NULL, NULL);
	}
	else if ((evcon = evhttp_request_get_connection(pe->req)) != NULL)
		evhttp_connection_free(evcon);
	else
		evhttp_request_free(pe->req);
	event_free(pe->ev);
	free(pe);
}

/* Send now, or after ms (code 0: drop the connection instead). */
static void
send_after(struct plat *p, struct evhttp_request *req, int code, int ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };
	struct pending *pe;

	if (ms == 0 && code != 0) {
		put_date(p, req);
		evhttp_send_reply(req, code, NULL, NULL);
		return;
	}
	if ((pe = calloc(1, sizeof(*pe))) == NULL ||
	    (pe->ev = evtimer_new(p->base, on_pending, pe)) == NULL)
		fatalx("out of memory");
	pe->p = p;
	pe->req = req;
	pe->code = code;
	TAILQ_INSERT_TAIL(&p->pending, pe, next);
	evtimer_add(pe->ev, &tv);
}

/* Answer with a status and a body (JSON unless the type says otherwise). */
static void
answer(struct plat *p, struct evhttp_request *req, int code,
    const char *type, const char *body, size_t len)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);

	evhttp_add_header(h, "Content-Type", type != NULL ? type :
	    "application/json");
	evhttp_add_header(h, "Cache-Control", "no-store");
	if (len > 0)
		evbuffer_add(evhttp_request_get_output_buffer(req), body, len);
	send_after(p, req, code, p->o->delay_ms);
}

/* Answer {"error": msg} with a status. */
static void
answer_error(struct plat *p, struct evhttp_request *req, int code,
    const char *msg)
{
	struct sbuf b;

	sbuf_init(&b);
	sbuf_puts(&b, "{\"error\":");
	sbuf_put_json_str(&b, msg);
	sbuf_puts(&b, "}\n");
	answer(p, req, code, NULL, b.p, b.len);
	sbuf_fini(&b);
}

/* The request carries "Authorization: Bearer TOKEN" with our token. */
static int
authorized(struct plat *p, struct evhttp_request *req)
{
	const char *a;
	size_t n;

	if (p->token == NULL)
		return 1;
	a = evhttp_find_header(evhttp_request_get_input_headers(req),
	    "Authorization");
	if (a == NULL || strncasecmp(a, "Bearer ", 7) != 0)
		return 0;
	a += 7;
	while (*a == ' ')
		a++;
	n = strlen(a);
	return n == p->token_len && CRYPTO_memcmp(a, p->token, n) == 0;
}

/* The injected failure: fail_status, with Retry-After if asked. */
static void
answer_fault(struct plat *p, struct evhttp_request *req)
{
	char ra[16];

	if (p->o->retry_after_s >= 0) {
		snprintf(ra, sizeof(ra), "%d", p->o->retry_after_s);
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Retry-After", ra);
	}
	answer_error(p, req, p->o->fail_status, "fault injected");
}

/* POST /v1/events after the gates: store, answer per §7. */
static void
events_ingest(struct plat *p, struct evhttp_request *req)
{
	static const char garbage[] = "<html><body>upstream says hello\n";
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	size_t len = evbuffer_get_length(in);
	const char *body = (const char *)evbuffer_pullup(in, -1);
	struct ingest_stats st;
	struct sbuf out;
	char err[192];

	sbuf_init(&out);
	switch (ingest_batch(p->db, body != NULL ? body : "", len,
	    p->o->batch_max, p->o->reject_kind, &out, &st, err,
	    sizeof(err))) {
	case INGEST_BAD:
		log_info("POST /v1/events: 400 %s", err);
		answer_error(p, req, 400, err);
		break;
	case INGEST_FAIL:
		answer_error(p, req, 500, "store failed");
		break;
	case INGEST_OK:
		log_info("POST /v1/events controller %s: accepted %zu "
		    "(duplicates %zu), rejected %zu", st.controller,
		    st.accepted, st.duplicates, st.rejected);
		if (p->o->garbage_rate > 0 && chance(p) < p->o->garbage_rate)
			answer(p, req, 200, "text/html", garbage,
			    sizeof(garbage) - 1);
		else
			answer(p, req, 200, NULL, out.p, out.len);
		break;
	}
	sbuf_fini(&out);
}

/* POST /v1/events: faults, then auth, then the batch. */
static void
on_events(struct plat *p, struct evhttp_request *req)
{
	if (evhttp_request_get_command(req) != EVHTTP_REQ_POST) {
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Allow", "POST");
		answer_error(p, req, 405, "method not allowed");
		return;
	}
	if (p->o->fail_rate > 0 && chance(p) < p->o->fail_rate) {
		log_info("POST /v1/events: %d (fault switch)",
		    p->o->fail_status);
		answer_fault(p, req);
	} else if (!authorized(p, req)) {
		log_warnx("POST /v1/events: 401 (no or wrong bearer token)");
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "WWW-Authenticate", "Bearer");
		answer_error(p, req, 401, "no or wrong bearer token");
	} else
		events_ingest(p, req);
	p->posts++;
	if (p->o->down_after >= 0 && !p->went_down &&
	    p->posts >= p->o->down_after) {
		p->went_down = 1;
		go_down(p, p->o->down_for_ms);
	}
}

/* If-None-Match names the ETag (a list, or "*"). */
static int
etag_matches(const char *inm, const char *etag)
{
	size_t n = strlen(etag);
	const char *s;

	for (s = inm; *s != '\0'; ) {
		s += strspn(s, " \t,");
		if (strncmp(s, "W/", 2) == 0)
			s += 2;
		if (*s == '*' || (strncmp(s, etag, n) == 0 &&
		    (s[n] == '\0' || s[n] == ',' || s[n] == ' ')))
			return 1;
		s += strcspn(s, ",");
	}
	return 0;
}

/* GET /v1/lists?controller=ID: the file's bytes with an ETag, or 304. */
static void
on_lists(struct plat *p, struct evhttp_request *req)
{
	enum evhttp_cmd_type cmd = evhttp_request_get_command(req);
	struct evkeyvalq q, *oh = evhttp_request_get_output_headers(req);
	const char *query, *inm, *doc;
	size_t len;
	int has_controller;

	if (cmd != EVHTTP_REQ_GET && cmd != EVHTTP_REQ_HEAD) {
		evhttp_add_header(oh, "Allow", "GET, HEAD");
		answer_error(p, req, 405, "method not allowed");
		return;
	}
	if (!authorized(p, req)) {
		evhttp_add_header(oh, "WWW-Authenticate", "Bearer");
		answer_error(p, req, 401, "no or wrong bearer token");
		return;
	}
	query = evhttp_uri_get_query(evhttp_request_get_evhttp_uri(req));
	TAILQ_INIT(&q);
	has_controller = query != NULL && evhttp_parse_query_str(query,
	    &q) == 0 && evhttp_find_header(&q, "controller") != NULL &&
	    *evhttp_find_header(&q, "controller") != '\0';
	evhttp_clear_headers(&q);
	if (!has_controller) {
		answer_error(p, req, 400, "controller: missing");
		return;
	}
	if (p->lists == NULL || listfile_refresh(p->lists) != 0) {
		answer_error(p, req, 404, "no list document");
		return;
	}
	evhttp_add_header(oh, "ETag", listfile_etag(p->lists));
	inm = evhttp_find_header(evhttp_request_get_input_headers(req),
	    "If-None-Match");
	if (inm != NULL && etag_matches(inm, listfile_etag(p->lists))) {
		send_after(p, req, 304, p->o->delay_ms);
		return;
	}
	doc = listfile_doc(p->lists, &len);
	answer(p, req, 200, NULL, doc, len);
}

/* Fires for every request: down, then route by path. */
static void
on_request(struct evhttp_request *req, void *arg)
{
	struct plat *p = arg;
	const char *path;

	if (p->down) {
		send_after(p, req, 0, 0);
		return;
	}
	path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));
	if (path != NULL && strcmp(path, "/v1/events") == 0)
		on_events(p, req);
	else if (path != NULL && strcmp(path, "/v1/lists") == 0)
		on_lists(p, req);
	else
		answer_error(p, req, 404, "no such endpoint");
}

/* Fires on SIGTERM or SIGINT: leave the loop. */
static void
on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct plat *p = arg;

	(void)what;
	log_info("signal %d: stopping", (int)sig);
	event_base_loopexit(p->base, NULL);
}

/* The HTTP side: evhttp with TLS, limits, methods, the handler. */
static int
http_setup(struct plat *p)
{
	if ((p->http = evhttp_new(p->base)) == NULL)
		return -1;
	evhttp_set_bevcb(p->http, on_bev, p);
	evhttp_set_gencb(p->http, on_request, p);
	evhttp_set_timeout(p->http, HTTP_TIMEOUT_S);
	evhttp_set_max_headers_size(p->http, MAX_HEADERS);
	evhttp_set_max_body_size(p->http, (ev_ssize_t)p->o->max_body);
	evhttp_set_allowed_methods(p->http, EVHTTP_REQ_GET |
	    EVHTTP_REQ_POST | EVHTTP_REQ_HEAD);
	evhttp_set_flags(p->http, EVHTTP_SERVER_LINGERING_CLOSE);
	return listen_up(p);
}

/* Everything but the HTTP server, in dependency order. */
static int
plat_setup(struct plat *p, const struct popts *o)
{
	TAILQ_INIT(&p->pending);
	p->o = o;
	p->rng = o->seed;
	p->port = o->port;
	if ((p->ssl = tls_ctx_new(o)) == NULL)
		return -1;
	if (o->token_file != NULL && token_load(p, o->token_file) != 0)
		return -1;
	if (o->lists != NULL) {
		if ((p->lists = listfile_new(o->lists)) == NULL ||
		    listfile_refresh(p->lists) != 0) {
			log_warnx("%s: no valid list document", o->lists);
			return -1;
		}
	}
	if ((p->db = pdb_open(o->db, 0)) == NULL)
		return -1;
	if ((p->base = event_base_new()) == NULL ||
	    (p->up_timer = evtimer_new(p->base, on_up, p)) == NULL ||
	    (p->sig_term = evsignal_new(p->base, SIGTERM, on_signal,
	    p)) == NULL ||
	    (p->sig_int = evsignal_new(p->base, SIGINT, on_signal, p)) ==
	    NULL)
		return -1;
	evsignal_add(p->sig_term, NULL);
	evsignal_add(p->sig_int, NULL);
	return 0;
}

/* Tear down in reverse; held answers are dropped. */
static void
plat_teardown(struct plat *p)
{
	struct pending *pe;

	while ((pe = TAILQ_FIRST(&p->pending)) != NULL) {
		TAILQ_REMOVE(&p->pending, pe, next);
		if (evhttp_request_get_connection(pe->req) == NULL)
			evhttp_request_free(pe->req);
		event_free(pe->ev);
		free(pe);
	}
	if (p->http != NULL)
		evhttp_free(p->http);
	if (p->sig_int != NULL)
		event_free(p->sig_int);
	if (p->sig_term != NULL)
		event_free(p->sig_term);
	if (p->up_timer != NULL)
		event_free(p->up_timer);
	if (p->base != NULL)
		event_base_free(p->base);
	pdb_close(p->db);
	listfile_free(p->lists);
	if (p->token != NULL)
		OPENSSL_cleanse(p->token, p->token_len);
	free(p->token);
	SSL_CTX_free(p->ssl);
}

int
plat_serve(const struct popts *o)
{
	struct plat p;
	int rc = EX_CONFIG;

	memset(&p, 0, sizeof(p));
	signal(SIGPIPE, SIG_IGN);
	if (plat_setup(&p, o) != 0)
		goto done;
	rc = EX_SOFTWARE;
	if (http_setup(&p) != 0)
		goto done;
	printf("listening %s:%d\n", o->host, p.port);
	fflush(stdout);
	log_info("listening on %s:%d%s%s", o->host, p.port,
	    o->client_ca != NULL ? ", client certificates required" : "",
	    p.token != NULL ? ", bearer token required" : "");
	if (o->down_at_start_ms > 0)
		go_down(&p, o->down_at_start_ms);
	event_base_dispatch(p.base);
	rc = 0;
done:
	plat_teardown(&p);
	return rc;
}
