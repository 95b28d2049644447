/*
 * Store-and-forward to the provincial platform (docs/design.md §7).
 *
 * The store is the queue: a batch is the oldest unsynced events, POSTed in
 * seq order; the answer marks them synced or rejected, and whatever it does
 * not mention stays unsynced and is sent again.  Failures back off with full
 * jitter and never give up; a restart resumes from the store.  The list
 * document is polled with If-None-Match and replaces the lists atomically.
 * Everything runs on the daemon's loop through curl_ev.c: no call here
 * waits for the network.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>

#include "weighgate/curl_ev.h"
#include "weighgate/lists.h"
#include "weighgate/log.h"
#include "weighgate/sync.h"
#include "weighgate/timefmt.h"
#include "weighgate/version.h"

#define CONNECT_TIMEOUT_S	10
#define LOW_SPEED_TIME_S	30	/* under 1 byte/s this long: timeout */
#define GET_TIMEOUT_S		300
#define MAX_ANSWER_BYTES	(16u * 1024u * 1024u)
#define ENVELOPE_BYTES		1024	/* room for the batch's wrapping */
#define TOKEN_MAX		4096

/* A bounded answer: the sbuf and its limit. */
struct sink {
	struct sbuf b;
	size_t max;
};

struct sync {
	struct event_base *base;
	const struct config *cfg;
	store_t *store;
	sync_lists_fn lists_cb;
	void *arg;
	struct curl_ev *ce;
	CURL *post, *get;
	struct curl_slist *post_hdrs, *get_hdrs;
	char *auth;			/* "Authorization: Bearer ..." or NULL */
	char errbuf[CURL_ERROR_SIZE];
	char lerrbuf[CURL_ERROR_SIZE];

	/* sending */
	struct event *send_ev;
	bool armed;			/* send_ev pending */
	int64_t fire_mono;		/* when it fires */
	int64_t backoff_until;		/* mono ms; 0: none */
	bool posting;
	bool urgent;			/* an urgent event awaits sending */
	int attempt;			/* consecutive failures */
	size_t cur_max;			/* batch limit, halved by a 4xx */
	struct store_batch batch;	/* fetched for the POST in flight */
	size_t sent_n;			/* of batch, in the body */
	struct sbuf body;
	struct sink answer;
	struct log_limit ll;

	/* lists */
	struct event *poll_ev;
	bool getting;
	struct sink ldoc;
	struct log_limit ll_lists;
	char etag[256], new_etag[256];
	char *stored_doc;

	struct sync_stats st;
	bool global;			/* curl_global_init done */

	/* the chain guard (docs/operations.md, docs/sync-protocol.md) */
	store_t *src;			/* the store the batch came from */
	store_t *old[SYNC_MAX_OLD];	/* old store files still to drain */
	int n_old;
	int64_t probe_seq;		/* > 0: the first POST is this event alone */
	bool held;			/* the platform holds the chain further */
	sync_chain_fn chain_cb;
	void *chain_arg;
};

/* ---- the pure parts ---- */

bool
sync_urgent_left(bool urgent, const struct store_event *ev, size_t n,
    bool more)
{
	size_t i;

	if (!urgent || !more)
		return false;
	for (i = 0; i < n; i++)
		if (ev[i].urgent)
			return false;
	return true;
}

static void
put_event(struct sbuf *b, const char *chain, const struct store_event *e)
{
	sbuf_puts(b, "{\"uuid\":");
	sbuf_put_json_str(b, e->uuid);
	sbuf_puts(b, ",\"chain\":");
	sbuf_put_json_str(b, chain);
	sbuf_puts(b, ",\"seq\":");
	sbuf_put_i64(b, e->seq);
	sbuf_puts(b, ",\"kind\":");
	sbuf_put_json_str(b, e->kind);
	sbuf_puts(b, ",\"ts\":");
	sbuf_put_json_str(b, e->ts);
	sbuf_puts(b, ",\"prev_hash\":");
	sbuf_put_json_str(b, e->prev_hash);
	sbuf_puts(b, ",\"hash\":");
	sbuf_put_json_str(b, e->hash);
	sbuf_puts(b, ",\"body\":");
	sbuf_put_json_str(b, e->body != NULL ? e->body : "");
	sbuf_putc(b, '}');
}

size_t
sync_build_batch(struct sbuf *out, const char *controller, const char *chain,
    const struct store_event *ev, size_t n, size_t max_events,
    size_t max_bytes)
{
	size_t i, keep;

	sbuf_reset(out);
	sbuf_puts(out, "{\"controller\":");
	sbuf_put_json_str(out, controller);
	sbuf_puts(out, ",\"events\":[");
	for (i = 0; i < n && i < max_events; i++) {
		keep = out->len;
		if (i > 0)
			sbuf_putc(out, ',');
		put_event(out, chain, &ev[i]);
		if (i > 0 && out->len + 2 > max_bytes) {
			out->len = keep;
			break;
		}
	}
	sbuf_puts(out, "]}");
	return i;
}

/* Index of uuid in ev, looking at *hint first (answers come in order). */
static ssize_t
find_uuid(const struct store_event *ev, size_t n, const char *uuid,
    size_t *hint)
{
	size_t i;

	if (*hint < n && strcmp(ev[*hint].uuid, uuid) == 0)
		return (ssize_t)(*hint)++;
	for (i = 0; i < n; i++)
		if (strcmp(ev[i].uuid, uuid) == 0) {
			*hint = i + 1;
			return (ssize_t)i;
		}
	return -1;
}

static int
read_accepted(const cJSON *a, const struct store_event *ev, size_t n,
    enum sync_fate *fate)
{
	const cJSON *u;
	size_t hint = 0;
	ssize_t i;

	if (a == NULL)
		return 0;
	if (!cJSON_IsArray(a))
		return -1;
	cJSON_ArrayForEach(u, a) {
		if (!cJSON_IsString(u))
			return -1;
		if ((i = find_uuid(ev, n, u->valuestring, &hint)) >= 0)
			fate[i] = SYNC_ACCEPTED;
	}
	return 0;
}

static int
read_rejected(const cJSON *r, const struct store_event *ev, size_t n,
    enum sync_fate *fate, char **errors)
{
	const cJSON *o, *u, *e;
	size_t hint = 0;
	ssize_t i;

	if (r == NULL)
		return 0;
	if (!cJSON_IsArray(r))
		return -1;
	cJSON_ArrayForEach(o, r) {
		u = cJSON_GetObjectItemCaseSensitive(o, "uuid");
		e = cJSON_GetObjectItemCaseSensitive(o, "error");
		if (!cJSON_IsObject(o) || !cJSON_IsString(u))
			return -1;
		if ((i = find_uuid(ev, n, u->valuestring, &hint)) < 0 ||
		    fate[i] != SYNC_UNMENTIONED)
			continue;
		fate[i] = SYNC_REJECTED;
		free(errors[i]);
		errors[i] = strdup(cJSON_IsString(e) ? e->valuestring :
		    "rejected");
		if (errors[i] == NULL)
			return -1;
	}
	return 0;
}

int
sync_parse_response(const char *text, size_t len,
    const struct store_event *ev, size_t n, enum sync_fate *fate,
    char **errors)
{
	cJSON *j;
	size_t i;
	int rc = -1;

	for (i = 0; i < n; i++) {
		fate[i] = SYNC_UNMENTIONED;
		errors[i] = NULL;
	}
	if (text == NULL || (j = cJSON_ParseWithLength(text, len)) == NULL)
		return -1;
	if (cJSON_IsObject(j) &&
	    read_accepted(cJSON_GetObjectItemCaseSensitive(j, "accepted"),
	    ev, n, fate) == 0 &&
	    read_rejected(cJSON_GetObjectItemCaseSensitive(j, "rejected"),
	    ev, n, fate, errors) == 0)
		rc = 0;
	cJSON_Delete(j);
	if (rc != 0)
		for (i = 0; i < n; i++) {
			free(errors[i]);
			errors[i] = NULL;
			fate[i] = SYNC_UNMENTIONED;
		}
	return rc;
}

enum sync_outcome
sync_classify(int curl_code, long http_status)
{
	if (curl_code != CURLE_OK)
		return SYNC_RETRY;
	if (http_status == 200)
		return SYNC_OK;
	if (http_status == 401 || http_status == 403)
		return SYNC_AUTH;
	if (http_status == 408 || http_status == 429)
		return SYNC_RETRY;
	if (http_status >= 400 && http_status <= 499)
		return SYNC_REFUSED;
	return SYNC_RETRY;
}

int64_t
sync_backoff_ms(int attempt, int64_t min_ms, int64_t max_ms,
    int64_t retry_after_ms, uint64_t rnd)
{
	int64_t hi = min_ms, d;
	int k;

	if (max_ms < min_ms)
		max_ms = min_ms;
	for (k = 1; k < attempt && hi < max_ms; k++)
		hi = hi > max_ms / 2 ? max_ms : hi * 2;
	if (hi > max_ms)
		hi = max_ms;
	d = min_ms + (int64_t)(rnd % (uint64_t)(hi - min_ms + 1));
	if (retry_after_ms > max_ms)
		retry_after_ms = max_ms;
	return d > retry_after_ms ? d : retry_after_ms;
}

size_t
sync_halve(size_t n)
{
	return n > 1 ? n / 2 : 0;
}

int
sync_parse_chains(const char *text, size_t len, const char *chain,
    int64_t *seq)
{
	const cJSON *c, *v;
	cJSON *j;
	int rc = 0;

	*seq = 0;
	if (text == NULL || (j = cJSON_ParseWithLength(text, len)) == NULL)
		return -1;
	c = cJSON_IsObject(j) ? cJSON_GetObjectItemCaseSensitive(j, "chains") :
	    NULL;
	if (c != NULL && !cJSON_IsObject(c))
		rc = -1;
	else if (c != NULL &&
	    (v = cJSON_GetObjectItemCaseSensitive(c, chain)) != NULL) {
		if (cJSON_IsNumber(v) && v->valuedouble >= 0 &&
		    v->valuedouble <= 9007199254740992.0 &&
		    (double)(int64_t)v->valuedouble == v->valuedouble) {
			*seq = (int64_t)v->valuedouble;
			rc = 1;
		} else
			rc = -1;
	}
	cJSON_Delete(j);
	return rc;
}

/* ---- scheduling ---- */

/* Send in delay_ms (no earlier than the backoff allows), unless sooner. */
static void
schedule(struct sync *s, int64_t delay_ms)
{
	int64_t now = ts_mono_ms(), at = now + delay_ms;
	struct timeval tv;

	if (s->backoff_until > at)
		at = s->backoff_until;
	if (s->armed && s->fire_mono <= at)
		return;
	tv.tv_sec = (time_t)((at - now) / 1000);
	tv.tv_usec = (suseconds_t)((at - now) % 1000 * 1000);
	s->armed = true;
	s->fire_mono = at;
	evtimer_add(s->send_ev, &tv);
}

static uint64_t
rnd64(void)
{
	return (uint64_t)arc4random() << 32 | arc4random();
}

/*
 * A request failed: log (rate-limited), back off, try again.  The batch
 * stays unsynced in the store, so nothing is lost however long this lasts.
 */
static void
failed(struct sync *s, enum sync_fail cause, const char *why,
    int64_t retry_after_ms)
{
	int64_t delay;

	s->attempt++;
	s->st.failures_total++;
	if (cause != SYNC_FAIL_NONE)
		s->st.failures[cause]++;
	delay = sync_backoff_ms(s->attempt, s->cfg->platform.retry_min_ms,
	    s->cfg->platform.retry_max_ms, retry_after_ms, rnd64());
	log_limited(&s->ll, ts_mono_ms(), "sync: %s; %lld events waiting, "
	    "retry %d in %lld ms", why, (long long)s->st.backlog, s->attempt,
	    (long long)delay);
	s->backoff_until = ts_mono_ms() + delay;
	schedule(s, delay);
}

static void
succeeded(struct sync *s)
{
	if (s->attempt > 0) {
		log_limited_end(&s->ll, "sync failures");
		log_info("sync: platform answering again after %d failed "
		    "attempts", s->attempt);
	}
	s->attempt = 0;
	s->backoff_until = 0;
	s->st.auth_alarm = false;
	s->st.tls_alarm = false;
	s->st.last_success_ms = ts_now_ms();
}

/* ---- libcurl handles ---- */

/* libcurl hands us answer bytes: keep them, up to the sink's bound. */
static size_t
write_cb(char *p, size_t size, size_t n, void *arg)
{
	struct sink *k = arg;

	if (k->b.len + size * n > k->max)
		return 0;	/* too big: the transfer fails */
	sbuf_putn(&k->b, p, size * n);
	return size * n;
}

/* Common options: TLS always verified, timeouts, keep-alive, HTTP/2. */
static void
set_common(struct sync *s, CURL *e, char *errbuf)
{
	const struct config *c = s->cfg;

	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
	if (c->platform.ca_file[0] != '\0')
		curl_easy_setopt(e, CURLOPT_CAINFO, c->platform.ca_file);
	if (c->platform.pinned_pubkey[0] != '\0')
		curl_easy_setopt(e, CURLOPT_PINNEDPUBLICKEY,
		    c->platform.pinned_pubkey);
	if (c->platform.cert_file[0] != '\0')
		curl_easy_setopt(e, CURLOPT_SSLCERT, c->platform.cert_file);
	if (c->platform.key_file[0] != '\0')
		curl_easy_setopt(e, CURLOPT_SSLKEY, c->platform.key_file);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, (long)CONNECT_TIMEOUT_S);
	curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, (long)LOW_SPEED_TIME_S);
	curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
	curl_easy_setopt(e, CURLOPT_PIPEWAIT, 1L);
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(e, CURLOPT_USERAGENT, "weighgated/" WEIGHGATE_VERSION);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, write_cb);
}

static bool
tls_failure(CURLcode rc)
{
	return rc == CURLE_PEER_FAILED_VERIFICATION ||
	    rc == CURLE_SSL_CACERT_BADFILE ||
	    rc == CURLE_SSL_PINNEDPUBKEYNOTMATCH ||
	    rc == CURLE_SSL_ISSUER_ERROR || rc == CURLE_SSL_CERTPROBLEM ||
	    rc == CURLE_SSL_CONNECT_ERROR;
}

/*
 * The platform ended the TLS session with an alert: it refused our client
 * certificate (or our TLS).  Under TLS 1.3 the client finishes its side of
 * the handshake first, so a refused certificate shows only at the first
 * read or write, as OpenSSL's text of the alert.
 */
static bool
tls_refused(CURLcode rc, const char *errbuf)
{
	return (rc == CURLE_RECV_ERROR || rc == CURLE_SEND_ERROR ||
	    rc == CURLE_SSL_CONNECT_ERROR) && strstr(errbuf, " alert ") != NULL;
}

static const char *const fail_names[SYNC_FAIL_N] = {
	"network", "tls", "auth", "http_5xx", "http_4xx", "timeout", "bad_answer"
};

const char *
sync_fail_name(enum sync_fail f)
{
	return f >= 0 && f < SYNC_FAIL_N ? fail_names[f] : "?";
}

/* An answer of the platform's: by its HTTP status. */
static enum sync_fail
http_fail_of(long status)
{
	if (status == 200)
		return SYNC_FAIL_NONE;
	if (status == 401 || status == 403)
		return SYNC_FAIL_AUTH;
	if (status >= 500 && status <= 599)
		return SYNC_FAIL_HTTP_5XX;
	if (status >= 400 && status <= 499)
		return SYNC_FAIL_HTTP_4XX;
	return SYNC_FAIL_BAD_ANSWER;	/* 1xx, 2xx other than 200, 3xx */
}

enum sync_fail
sync_fail_of(int curl_code, long http_status, const char *errbuf)
{
	CURLcode rc = (CURLcode)curl_code;

	if (rc == CURLE_OK)
		return http_fail_of(http_status);
	if (rc == CURLE_OPERATION_TIMEDOUT)
		return SYNC_FAIL_TIMEOUT;
	if (tls_failure(rc) || tls_refused(rc, errbuf != NULL ? errbuf : ""))
		return SYNC_FAIL_TLS;
	if (rc == CURLE_WRITE_ERROR || rc == CURLE_WEIRD_SERVER_REPLY ||
	    rc == CURLE_FILESIZE_EXCEEDED)
		return SYNC_FAIL_BAD_ANSWER;	/* too long, or not HTTP */
	return SYNC_FAIL_NETWORK;
}

/* Why a transfer failed, for the log: never a header or a secret. */
static void
describe(char *out, size_t len, CURLcode rc, long status, const char *errbuf)
{
	if (rc != CURLE_OK && tls_refused(rc, errbuf))
		snprintf(out, len, "TLS refused by the platform: %s", errbuf);
	else if (rc != CURLE_OK && tls_failure(rc))
		snprintf(out, len, "TLS verification failed: %s",
		    errbuf[0] != '\0' ? errbuf : curl_easy_strerror(rc));
	else if (rc != CURLE_OK)
		snprintf(out, len, "%s", errbuf[0] != '\0' ? errbuf :
		    curl_easy_strerror(rc));
	else
		snprintf(out, len, "HTTP %ld", status);
}

/* TLS failed (the platform did not verify, or it refused us): alarm once. */
static void
tls_alarm(struct sync *s, const char *why)
{
	if (!s->st.tls_alarm)
		log_warnx("sync: ALARM: %s", why);
	s->st.tls_alarm = true;
}

/*
 * Every answer: keep the platform's Date (IMF-fixdate, whole seconds: +500
 * ms centres it) with the local clocks as they were when the answer began
 * to arrive, for the clock watch (docs/sync-protocol.md "The Date header").
 */
static void
note_date(struct sync *s, CURL *e)
{
	struct curl_header *h;
	curl_off_t total = 0, start = 0;
	int64_t date_ms, ago;

	if (curl_easy_header(e, "Date", 0, CURLH_HEADER, -1, &h) != CURLHE_OK ||
	    ts_parse_http_date(h->value, &date_ms) != 0)
		return;
	curl_easy_getinfo(e, CURLINFO_TOTAL_TIME_T, &total);
	curl_easy_getinfo(e, CURLINFO_STARTTRANSFER_TIME_T, &start);
	ago = total > start ? (int64_t)(total - start) / 1000 : 0;
	s->st.date_ms = date_ms + 500;
	s->st.date_wall_ms = ts_now_ms() - ago;
	s->st.date_boot_ms = ts_boot_ms() - ago;
	s->st.dates_seen++;
}

/* ---- events ---- */

static void send_batch(struct sync *s);
static void schedule(struct sync *s, int64_t delay_ms);
static void failed(struct sync *s, enum sync_fail cause, const char *why,
    int64_t retry_after_ms);
static void succeeded(struct sync *s);

/* ---- the chain guard: the platform's last seq, old stores ---- */

/*
 * The answer's "chains" (docs/sync-protocol.md): the platform's last seq
 * of each chain of the batch.  Told to the daemon for the chain of the
 * store; when it shows the store behind, that store's events are no
 * longer sent (they would continue the chain from a stale copy).
 */
static void
chain_check(struct sync *s)
{
	const char *chain = store_chain(s->src);
	int64_t seq;

	if (s->src == s->store)
		s->probe_seq = 0;	/* answered: the probe is done */
	if (s->src != s->store || sync_parse_chains(s->answer.b.p,
	    s->answer.b.len, chain, &seq) != 1 || s->chain_cb == NULL)
		return;
	if (s->chain_cb(s->chain_arg, chain, seq) && !s->held) {
		s->held = true;
		log_warnx("sync: the platform holds chain %s to seq %lld, the "
		    "store only to %lld: its events are no longer sent", chain,
		    (long long)seq, (long long)store_high_seq(s->store));
	}
}

/* Drop the first old store: nothing of it is left to send. */
static void
old_drained(struct sync *s)
{
	log_info("sync: old store %s (chain %s) drained",
	    store_path(s->old[0]), store_chain(s->old[0]));
	store_close(s->old[0]);
	s->n_old--;
	memmove(&s->old[0], &s->old[1], (size_t)s->n_old * sizeof(s->old[0]));
}

/*
 * The first batch after start holds only events the store held at start:
 * its oldest unsynced ones up to that seq, in seq order, or else its last
 * event again (synced: a duplicate for the platform).  Rejected events
 * are never sent again: then there is no probe.
 */
static int
probe_batch(struct sync *s)
{
	size_t k;

	if (store_fetch_unsynced(s->store, s->cur_max,
	    SYNC_MAX_BODY - ENVELOPE_BYTES, &s->batch) != 0)
		return -1;
	for (k = 0; k < s->batch.n && s->batch.ev[k].seq <= s->probe_seq; k++)
		;
	if (k > 0) {
		while (s->batch.n > k)
			free(s->batch.ev[--s->batch.n].body);
		return 0;
	}
	store_batch_free(&s->batch);
	return store_fetch_synced(s->store, s->probe_seq, &s->batch);
}

/*
 * The next batch and the store it comes from: the probe first (events the
 * store held at start only, so that the platform's answer tells whether
 * the store is behind before anything new is sent), then old stores
 * (unless an urgent event waits), then the store.
 */
static int
fetch_batch(struct sync *s)
{
	s->src = s->store;
	if (s->probe_seq > 0) {
		/* sent again until the platform answers it */
		if (probe_batch(s) != 0)
			return -1;
		if (s->batch.n > 0)
			return 0;
		s->probe_seq = 0;
	}
	while (s->n_old > 0 && (!s->urgent || s->held)) {
		s->src = s->old[0];
		if (store_fetch_unsynced(s->src, s->cur_max,
		    SYNC_MAX_BODY - ENVELOPE_BYTES, &s->batch) != 0)
			return -1;
		if (s->batch.n > 0)
			return 0;
		old_drained(s);
		s->src = s->store;
	}
	if (s->held) {
		s->batch.n = 0;
		return 0;
	}
	return store_fetch_unsynced(s->store, s->cur_max,
	    SYNC_MAX_BODY - ENVELOPE_BYTES, &s->batch);
}

/* A batch of an old store was settled: the next one at once. */
static void
old_batch_done(struct sync *s, size_t settled)
{
	s->cur_max = (size_t)s->cfg->platform.batch_max;
	if (settled == 0) {
		failed(s, SYNC_FAIL_BAD_ANSWER,
		    "the platform answered without settling any event", 0);
		return;
	}
	succeeded(s);
	schedule(s, 0);
}

void
sync_drain(struct sync *s, store_t *old)
{
	if (s->n_old == SYNC_MAX_OLD) {
		store_close(old);
		return;
	}
	s->old[s->n_old++] = old;
	if (s->ce != NULL && !s->posting)
		schedule(s, 0);
}

void
sync_on_chain(struct sync *s, sync_chain_fn fn, void *arg)
{
	s->chain_cb = fn;
	s->chain_arg = arg;
}

static void
mark_rejected(struct sync *s, const struct store_event *e, const char *error)
{
	log_warnx("sync: event seq %lld (%s, %s) rejected by the platform: %s",
	    (long long)e->seq, e->kind, e->uuid, error);
	if (store_mark_rejected(s->src, e->uuid, error) != 0)
		log_warnx("sync: cannot mark %s rejected: %s", e->uuid,
		    store_errmsg(s->src));
	else
		s->st.rejected_total++;
}

/*
 * Apply a 200 answer: accepted events synced, rejected ones marked.
 * Returns how many were settled, or -1 when the answer is not usable.
 */
static int
apply_answer(struct sync *s)
{
	enum sync_fate *fate;
	const char **ok;
	char **errors;
	size_t i, nok = 0, n = s->sent_n;
	int settled = -1;

	fate = calloc(n, sizeof(*fate));
	errors = calloc(n, sizeof(*errors));
	ok = calloc(n, sizeof(*ok));
	if (fate == NULL || errors == NULL || ok == NULL ||
	    sync_parse_response(s->answer.b.p, s->answer.b.len, s->batch.ev, n,
	    fate, errors) != 0)
		goto done;
	settled = 0;
	for (i = 0; i < n; i++)
		if (fate[i] == SYNC_ACCEPTED)
			ok[nok++] = s->batch.ev[i].uuid;
	if (store_mark_synced(s->src, ok, nok) != 0) {
		log_warnx("sync: cannot mark events synced: %s",
		    store_errmsg(s->src));
		settled = -1;
		goto done;
	}
	s->st.sent_total += (int64_t)nok;
	settled = (int)nok;
	chain_check(s);
	for (i = 0; i < n; i++)
		if (fate[i] == SYNC_REJECTED) {
			mark_rejected(s, &s->batch.ev[i], errors[i]);
			settled++;
		}
done:
	for (i = 0; errors != NULL && i < n; i++)
		free(errors[i]);
	free(errors);
	free(fate);
	free(ok);
	return settled;
}

/* A 4xx other than 401/403: halve the batch, or reject its single event. */
static void
refused(struct sync *s, long status)
{
	char err[32];
	size_t half = sync_halve(s->sent_n);

	if (half > 0) {
		log_warnx("sync: batch of %zu refused with HTTP %ld: halving",
		    s->sent_n, status);
		s->cur_max = half;
		failed(s, SYNC_FAIL_HTTP_4XX, "batch refused", 0);
		return;
	}
	snprintf(err, sizeof(err), "HTTP %ld", status);
	s->st.failures[SYNC_FAIL_HTTP_4XX]++;
	mark_rejected(s, &s->batch.ev[0], err);
	s->cur_max = (size_t)s->cfg->platform.batch_max;
	schedule(s, 0);
}

/* What to do after a batch was settled: more now, later, or nothing. */
static void
next_batch(struct sync *s, size_t settled)
{
	bool full;

	if (s->src != s->store) {
		old_batch_done(s, settled);
		return;
	}
	/*
	 * After a full batch more may wait: send again at once and skip the
	 * count, which walks the whole backlog (per batch, that made a drain
	 * quadratic); the next fetch finds out, the tail is counted.
	 */
	full = s->sent_n >= s->cur_max || s->sent_n < s->batch.n;
	if (full)
		s->st.backlog -= s->st.backlog > (int64_t)settled ?
		    (int64_t)settled : s->st.backlog;
	else
		s->st.backlog = store_count_unsynced(s->store);
	full = full || s->st.backlog >= (int64_t)s->cur_max;
	s->cur_max = (size_t)s->cfg->platform.batch_max;
	if (settled == 0) {
		failed(s, SYNC_FAIL_BAD_ANSWER,
		    "the platform answered without settling any event", 0);
		return;
	}
	succeeded(s);
	if (s->st.backlog <= 0 && !full)
		return;
	schedule(s, full || s->urgent ? 0 : s->cfg->platform.batch_wait_ms);
}

/* The POST of a batch ended. */
static void
on_post_done(CURL *e, CURLcode rc, void *arg)
{
	struct sync *s = arg;
	char why[CURL_ERROR_SIZE + 64];
	curl_off_t ra = 0;
	long status = 0;
	int settled;

	s->posting = false;
	if (rc == CURLE_OK)
		note_date(s, e);
	curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_getinfo(e, CURLINFO_RETRY_AFTER, &ra);
	describe(why, sizeof(why), rc, status, s->errbuf);
	switch (sync_classify((int)rc, status)) {
	case SYNC_OK:
		if ((settled = apply_answer(s)) < 0)
			failed(s, SYNC_FAIL_BAD_ANSWER,
			    "unusable answer to a batch", 0);
		else
			next_batch(s, (size_t)settled);
		break;
	case SYNC_AUTH:
		if (!s->st.auth_alarm)
			log_warnx("sync: ALARM: the platform refuses our "
			    "credentials (HTTP %ld)", status);
		s->st.auth_alarm = true;
		failed(s, sync_fail_of((int)rc, status, s->errbuf), why,
		    (int64_t)ra * 1000);
		break;
	case SYNC_REFUSED:
		refused(s, status);
		break;
	case SYNC_RETRY:
		if (rc != CURLE_OK && (tls_failure(rc) ||
		    tls_refused(rc, s->errbuf)))
			tls_alarm(s, why);
		failed(s, sync_fail_of((int)rc, status, s->errbuf), why,
		    (int64_t)ra * 1000);
		break;
	}
	store_batch_free(&s->batch);
}

static int
post_setup(struct sync *s)
{
	char url[CFG_PATH_MAX + 16];

	curl_easy_reset(s->post);
	set_common(s, s->post, s->errbuf);
	snprintf(url, sizeof(url), "%s/v1/events", s->cfg->platform.url);
	curl_easy_setopt(s->post, CURLOPT_URL, url);
	curl_easy_setopt(s->post, CURLOPT_TIMEOUT,
	    (long)s->cfg->platform.request_timeout_s);
	curl_easy_setopt(s->post, CURLOPT_HTTPHEADER, s->post_hdrs);
	curl_easy_setopt(s->post, CURLOPT_POSTFIELDS, s->body.p);
	curl_easy_setopt(s->post, CURLOPT_POSTFIELDSIZE_LARGE,
	    (curl_off_t)s->body.len);
	curl_easy_setopt(s->post, CURLOPT_WRITEDATA, &s->answer);
	s->errbuf[0] = '\0';
	sbuf_reset(&s->answer.b);
	return curl_ev_add(s->ce, s->post, on_post_done, s);
}

/*
 * Events of the store wait behind the batch about to be sent: it is full
 * (events or bytes), and neither the probe nor an old store's.
 */
static bool
more_behind(const struct sync *s)
{
	return s->src == s->store && s->probe_seq == 0 &&
	    (s->sent_n >= s->cur_max || s->sent_n < s->batch.n);
}

/* Fetch the oldest unsynced events and POST them. */
static void
send_batch(struct sync *s)
{
	if (s->posting)
		return;
	if (fetch_batch(s) != 0) {
		log_warnx("sync: cannot read the backlog: %s",
		    store_errmsg(s->src));
		failed(s, SYNC_FAIL_NONE, "store read failed", 0);
		return;
	}
	if (s->batch.n == 0) {
		/* held (the platform holds this chain further: nothing more
		 * is sent this run): what the store holds is still waiting */
		if (s->src == s->store && !s->held) {
			s->st.backlog = 0;
			s->urgent = false;
		}
		store_batch_free(&s->batch);
		return;
	}
	s->sent_n = sync_build_batch(&s->body, s->cfg->controller.id,
	    store_chain(s->src), s->batch.ev, s->batch.n, s->cur_max,
	    SYNC_MAX_BODY);
	s->urgent = sync_urgent_left(s->urgent, s->batch.ev, s->sent_n,
	    more_behind(s));
	if (post_setup(s) != 0) {
		store_batch_free(&s->batch);
		failed(s, SYNC_FAIL_NONE, "cannot start a request", 0);
		return;
	}
	s->posting = true;
	log_debug("sync: sending seq %lld-%lld (%zu events, %zu bytes)",
	    (long long)s->batch.ev[0].seq,
	    (long long)s->batch.ev[s->sent_n - 1].seq, s->sent_n, s->body.len);
}

/* The batch timer, the backoff or a kick says: time to send. */
static void
on_send(evutil_socket_t fd, short what, void *arg)
{
	struct sync *s = arg;

	(void)fd;
	(void)what;
	s->armed = false;
	if (ts_mono_ms() < s->backoff_until) {
		schedule(s, 0);
		return;
	}
	send_batch(s);
}

void
sync_kick(struct sync *s, bool urgent)
{
	if (s == NULL)
		return;
	s->st.backlog++;
	if (s->ce == NULL)
		return;
	if (urgent)
		s->urgent = true;
	if (s->posting)
		return;		/* on_post_done schedules what follows */
	schedule(s, urgent ? 0 : s->cfg->platform.batch_wait_ms);
}

/* ---- lists ---- */

/* A header line of the lists answer: keep its ETag. */
static size_t
header_cb(char *p, size_t size, size_t n, void *arg)
{
	struct sync *s = arg;
	size_t len = size * n, k = 5;

	if (len > 5 && strncasecmp(p, "ETag:", 5) == 0) {
		while (k < len && isspace((unsigned char)p[k]))
			k++;
		while (len > k && isspace((unsigned char)p[len - 1]))
			len--;
		if (len - k < sizeof(s->new_etag))
			snprintf(s->new_etag, sizeof(s->new_etag), "%.*s",
			    (int)(len - k), p + k);
	}
	return size * n;
}

/* Store the validated document with its event; then put it in force. */
static void
apply_lists(struct sync *s, struct lists *l, char *doc)
{
	struct store_appended ap;
	char *body;

	if ((body = lists_applied_body(l, "platform")) == NULL ||
	    store_lists_apply(s->store, doc, "platform", ts_now_ms(), body,
	    &ap) != STORE_OK) {
		log_warnx("sync: lists %s not stored: %s: old lists stay",
		    lists_version(l), store_errmsg(s->store));
		free(body);
		lists_free(l);
		free(doc);
		return;
	}
	free(body);
	log_info("sync: lists %s from the platform in force (%zu watch, "
	    "%zu exempt, %zu permits)", lists_version(l),
	    lists_count_watch(l), lists_count_exempt(l),
	    lists_count_permits(l));
	snprintf(s->st.lists_version, sizeof(s->st.lists_version), "%s",
	    lists_version(l));
	free(s->stored_doc);
	s->stored_doc = doc;
	snprintf(s->etag, sizeof(s->etag), "%s", s->new_etag);
	if (s->lists_cb != NULL)
		s->lists_cb(l, s->arg);
	else
		lists_free(l);
	sync_kick(s, false);
}

/* A 200 list document: validate it whole; the old lists stay if bad. */
static void
take_lists(struct sync *s)
{
	struct lists *l = NULL;
	char err[256], *doc;

	if (s->stored_doc != NULL && strlen(s->stored_doc) == s->ldoc.b.len &&
	    memcmp(s->stored_doc, s->ldoc.b.p, s->ldoc.b.len) == 0) {
		snprintf(s->etag, sizeof(s->etag), "%s", s->new_etag);
		return;		/* the lists in force already */
	}
	if (memchr(s->ldoc.b.p, '\0', s->ldoc.b.len) != NULL ||
	    lists_parse(s->ldoc.b.p, s->ldoc.b.len, &l, err,
	    sizeof(err)) != 0) {
		if (memchr(s->ldoc.b.p, '\0', s->ldoc.b.len) != NULL)
			snprintf(err, sizeof(err), "NUL byte in the document");
		log_warnx("sync: list document from the platform rejected "
		    "(%s): old lists stay", err);
		return;
	}
	if ((doc = sbuf_take(&s->ldoc.b)) == NULL) {
		lists_free(l);
		return;
	}
	apply_lists(s, l, doc);
}

/* The GET of the lists ended. */
static void
on_get_done(CURL *e, CURLcode rc, void *arg)
{
	struct sync *s = arg;
	char why[CURL_ERROR_SIZE + 64];
	enum sync_fail cause;
	long status = 0;

	s->getting = false;
	if (rc == CURLE_OK)
		note_date(s, e);
	curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
	if (rc == CURLE_OK && (status == 304 || status == 200))
		log_limited_end(&s->ll_lists, "lists failures");
	if (rc == CURLE_OK && status == 304)
		return;
	if (rc == CURLE_OK && status == 200) {
		take_lists(s);
		sbuf_reset(&s->ldoc.b);
		return;
	}
	describe(why, sizeof(why), rc, status, s->lerrbuf);
	if ((cause = sync_fail_of((int)rc, status, s->lerrbuf)) !=
	    SYNC_FAIL_NONE)
		s->st.lists_failures[cause]++;
	if (rc == CURLE_OK && (status == 401 || status == 403)) {
		if (!s->st.auth_alarm)
			log_warnx("sync: ALARM: the platform refuses our "
			    "credentials (HTTP %ld)", status);
		s->st.auth_alarm = true;
	} else if (rc != CURLE_OK && (tls_failure(rc) ||
	    tls_refused(rc, s->lerrbuf)))
		tls_alarm(s, why);
	log_limited(&s->ll_lists, ts_mono_ms(), "sync: lists not fetched: %s",
	    why);
	sbuf_reset(&s->ldoc.b);
}

static int
get_setup(struct sync *s)
{
	struct curl_slist *h = NULL, *t;
	char url[CFG_PATH_MAX + 256], line[300];
	char *id;

	if ((id = curl_easy_escape(s->get, s->cfg->controller.id, 0)) == NULL)
		return -1;
	snprintf(url, sizeof(url), "%s/v1/lists?controller=%s",
	    s->cfg->platform.url, id);
	curl_free(id);
	curl_easy_reset(s->get);
	set_common(s, s->get, s->lerrbuf);
	curl_easy_setopt(s->get, CURLOPT_URL, url);
	curl_easy_setopt(s->get, CURLOPT_TIMEOUT, (long)GET_TIMEOUT_S);
	curl_easy_setopt(s->get, CURLOPT_MAXFILESIZE_LARGE,
	    (curl_off_t)LISTS_MAX_DOC_BYTES);
	curl_easy_setopt(s->get, CURLOPT_WRITEDATA, &s->ldoc);
	curl_easy_setopt(s->get, CURLOPT_HEADERFUNCTION, header_cb);
	curl_easy_setopt(s->get, CURLOPT_HEADERDATA, s);
	if (s->auth != NULL && (h = curl_slist_append(h, s->auth)) == NULL)
		return -1;
	if (s->etag[0] != '\0') {
		snprintf(line, sizeof(line), "If-None-Match: %s", s->etag);
		if ((t = curl_slist_append(h, line)) == NULL)
			goto fail;
		h = t;
	}
	curl_slist_free_all(s->get_hdrs);
	s->get_hdrs = h;
	curl_easy_setopt(s->get, CURLOPT_HTTPHEADER, h);
	s->lerrbuf[0] = '\0';
	s->new_etag[0] = '\0';
	sbuf_reset(&s->ldoc.b);
	return curl_ev_add(s->ce, s->get, on_get_done, s);
fail:
	curl_slist_free_all(h);
	return -1;
}

/* Every list_poll_s (and at start): ask for the lists. */
static void
on_poll(evutil_socket_t fd, short what, void *arg)
{
	struct sync *s = arg;

	(void)fd;
	(void)what;
	if (s->getting)
		return;
	if (get_setup(s) != 0) {
		log_warnx("sync: cannot start the lists request");
		return;
	}
	s->getting = true;
}

/* ---- life cycle ---- */

/* The bearer token: the file's first line, never logged. */
static int
read_token(struct sync *s, const char *path)
{
	char tok[TOKEN_MAX], *p;
	size_t n;
	FILE *f;

	if ((f = fopen(path, "r")) == NULL) {
		log_warn("sync: %s", path);
		return -1;
	}
	p = fgets(tok, sizeof(tok), f);
	fclose(f);
	n = p != NULL ? strcspn(tok, "\r\n") : 0;
	tok[n] = '\0';
	while (n > 0 && isspace((unsigned char)tok[n - 1]))
		tok[--n] = '\0';
	if (n == 0) {
		log_warnx("sync: %s: no token in the file", path);
		return -1;
	}
	if (asprintf(&s->auth, "Authorization: Bearer %s", tok) < 0)
		s->auth = NULL;
	explicit_bzero(tok, sizeof(tok));
	return s->auth != NULL ? 0 : -1;
}

static int
headers_init(struct sync *s)
{
	struct curl_slist *t;

	if (s->cfg->platform.token_file[0] != '\0' &&
	    read_token(s, s->cfg->platform.token_file) != 0)
		return -1;
	if ((s->post_hdrs = curl_slist_append(NULL,
	    "Content-Type: application/json")) == NULL)
		return -1;
	if (s->auth != NULL) {
		if ((t = curl_slist_append(s->post_hdrs, s->auth)) == NULL)
			return -1;
		s->post_hdrs = t;
	}
	return 0;
}

static int
net_init(struct sync *s)
{
	const char *url = s->cfg->platform.url;
	struct timeval tv = { s->cfg->platform.list_poll_s, 0 };

	if (strncasecmp(url, "https://", 8) != 0) {
		log_warnx("sync: platform url %s: only https is allowed", url);
		return -1;
	}
	if (headers_init(s) != 0 ||
	    (s->ce = curl_ev_new(s->base)) == NULL ||
	    (s->post = curl_easy_init()) == NULL ||
	    (s->get = curl_easy_init()) == NULL ||
	    (s->send_ev = evtimer_new(s->base, on_send, s)) == NULL ||
	    (s->poll_ev = event_new(s->base, -1, EV_PERSIST, on_poll,
	    s)) == NULL)
		return -1;
	store_lists_load(s->store, &s->stored_doc, (char[16]){ 0 },
	    &(int64_t){ 0 });
	event_add(s->poll_ev, &tv);
	event_active(s->poll_ev, EV_TIMEOUT, 0);
	schedule(s, 0);		/* a backlog from before a restart */
	return 0;
}

struct sync *
sync_new(struct event_base *base, const struct config *cfg, store_t *store,
    sync_lists_fn lists_cb, void *arg)
{
	struct sync *s;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	s->base = base;
	s->cfg = cfg;
	s->store = store;
	s->src = store;
	s->probe_seq = store_high_seq(store);
	s->lists_cb = lists_cb;
	s->arg = arg;
	s->cur_max = (size_t)cfg->platform.batch_max;
	sbuf_init(&s->body);
	sbuf_init(&s->answer.b);
	s->answer.max = MAX_ANSWER_BYTES;
	sbuf_init(&s->ldoc.b);
	s->ldoc.max = LISTS_MAX_DOC_BYTES;
	s->st.backlog = store_count_unsynced(store);
	if (cfg->platform.url[0] == '\0') {
		log_info("sync: no platform url: events are kept, not sent");
		return s;
	}
	s->st.enabled = true;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		log_warnx("sync: cannot initialise libcurl");
		free(s);
		return NULL;
	}
	s->global = true;
	if (net_init(s) != 0) {
		log_warnx("sync: cannot start the platform link");
		sync_free(s);
		return NULL;
	}
	log_info("sync: to %s, %lld events waiting", cfg->platform.url,
	    (long long)s->st.backlog);
	return s;
}

void
sync_free(struct sync *s)
{
	if (s == NULL)
		return;
	curl_ev_free(s->ce);	/* aborts what runs: the store keeps it */
	if (s->post != NULL)
		curl_easy_cleanup(s->post);
	if (s->get != NULL)
		curl_easy_cleanup(s->get);
	curl_slist_free_all(s->post_hdrs);
	curl_slist_free_all(s->get_hdrs);
	if (s->auth != NULL) {
		explicit_bzero(s->auth, strlen(s->auth));
		free(s->auth);
	}
	if (s->send_ev != NULL)
		event_free(s->send_ev);
	if (s->poll_ev != NULL)
		event_free(s->poll_ev);
	store_batch_free(&s->batch);
	while (s->n_old > 0)
		store_close(s->old[--s->n_old]);
	sbuf_fini(&s->body);
	sbuf_fini(&s->answer.b);
	sbuf_fini(&s->ldoc.b);
	free(s->stored_doc);
	if (s->global)
		curl_global_cleanup();
	free(s);
}

void
sync_get_stats(const struct sync *s, struct sync_stats *out)
{
	*out = s->st;
}
