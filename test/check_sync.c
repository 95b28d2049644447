/* Unit tests of the sync's pure parts (docs/design.md §7) and of the housekeeping (§6). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <event2/event.h>

#include "weighgate/housekeep.h"
#include "weighgate/sbuf.h"
#include "weighgate/store.h"
#include "weighgate/sync.h"
#include "weighgate/timefmt.h"

#include "check_util.h"

static struct store_event *
mk_events(size_t n, size_t body_len)
{
	struct store_event *ev = calloc(n, sizeof(*ev));
	size_t i;

	for (i = 0; i < n; i++) {
		snprintf(ev[i].uuid, sizeof(ev[i].uuid),
		    "00000000-0000-4000-8000-%012zu", i + 1);
		ev[i].seq = (int64_t)i + 1;
		snprintf(ev[i].kind, sizeof(ev[i].kind), "weighing");
		snprintf(ev[i].ts, sizeof(ev[i].ts), "2026-01-01T00:00:00.000Z");
		memset(ev[i].prev_hash, 'a', 64);
		memset(ev[i].hash, 'b', 64);
		if (body_len == 0)
			ev[i].body = strdup("{\"lane\":\"L01\",\"plate\":\"豫A\\\"1\"}");
		else {
			ev[i].body = malloc(body_len + 1);
			memset(ev[i].body, 'x', body_len);
			ev[i].body[0] = '"';
			ev[i].body[body_len - 1] = '"';
			ev[i].body[body_len] = '\0';
		}
	}
	return ev;
}

static void
free_events(struct store_event *ev, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(ev[i].body);
	free(ev);
}

/* The platform's last seq per chain in its answer (docs/sync-protocol.md). */
START_TEST(chains_in_answer)
{
	static const char *const c = "5d1f0c59-8a47-4c57-9d0e-7a4b0f6f2a10";
	const char *a;
	int64_t seq;

	a = "{\"accepted\":[],\"rejected\":[],\"chains\":{\"x\":3,"
	    "\"5d1f0c59-8a47-4c57-9d0e-7a4b0f6f2a10\":1042}}";
	ck_assert_int_eq(sync_parse_chains(a, strlen(a), c, &seq), 1);
	ck_assert_int_eq(seq, 1042);
	/* older platforms say nothing: fine */
	a = "{\"accepted\":[],\"rejected\":[]}";
	ck_assert_int_eq(sync_parse_chains(a, strlen(a), c, &seq), 0);
	a = "{\"accepted\":[],\"chains\":{\"x\":3}}";
	ck_assert_int_eq(sync_parse_chains(a, strlen(a), c, &seq), 0);
	/* not what the protocol says: no verdict */
	a = "{\"chains\":[1]}";
	ck_assert_int_eq(sync_parse_chains(a, strlen(a), c, &seq), -1);
	a = "{\"chains\":{\"5d1f0c59-8a47-4c57-9d0e-7a4b0f6f2a10\":\"9\"}}";
	ck_assert_int_eq(sync_parse_chains(a, strlen(a), c, &seq), -1);
	a = "{\"chains\":{\"5d1f0c59-8a47-4c57-9d0e-7a4b0f6f2a10\":-1}}";
	ck_assert_int_eq(sync_parse_chains(a, strlen(a), c, &seq), -1);
	a = "{\"chains\":{\"5d1f0c59-8a47-4c57-9d0e-7a4b0f6f2a10\":1.5}}";
	ck_assert_int_eq(sync_parse_chains(a, strlen(a), c, &seq), -1);
	a = "{\"chains\":{\"5d1f0c59-8a47-4c57-9d0e-7a4b0f6f2a10\":1e300}}";
	ck_assert_int_eq(sync_parse_chains(a, strlen(a), c, &seq), -1);
	ck_assert_int_eq(sync_parse_chains("not json", 8, c, &seq), -1);
	ck_assert_int_eq(sync_parse_chains(NULL, 0, c, &seq), -1);
	/* and the answer's other members are read as before */
	a = "{\"accepted\":[],\"rejected\":[],\"chains\":{}}";
	ck_assert_int_eq(sync_parse_chains(a, strlen(a), c, &seq), 0);
}
END_TEST

/*
 * An urgent event goes at once, by its stored urgency alone: the bodies are
 * never read (here not JSON at all, or a decision the flag contradicts).
 */
START_TEST(urgent_by_stored_flag)
{
	struct store_event *ev = mk_events(3, 0);
	size_t i;

	for (i = 0; i < 3; i++) {
		free(ev[i].body);
		ev[i].body = strdup(i == 0 ? "not json" :
		    "{\"lane\":\"L01\",\"decision\":\"intercept\"}");
	}
	/* none of the batch is urgent, more wait behind it: one still waits */
	ck_assert(sync_urgent_left(true, ev, 3, true));
	/* nothing waits behind the batch, or nothing urgent was committed */
	ck_assert(!sync_urgent_left(true, ev, 3, false));
	ck_assert(!sync_urgent_left(false, ev, 3, true));
	/* the urgent one goes with this batch, whatever its body says */
	ev[0].urgent = true;
	ck_assert(!sync_urgent_left(true, ev, 3, true));
	ck_assert(sync_urgent_left(true, ev + 1, 2, true));
	free(ev[0].body);
	ev[0].body = NULL;
	ck_assert(!sync_urgent_left(true, ev, 1, true));
	free_events(ev, 3);
}
END_TEST

/* The urgency stays at home: the same bytes go out, urgent or not. */
START_TEST(urgency_not_on_the_wire)
{
	struct store_event *ev = mk_events(4, 0);
	struct sbuf a, b;
	size_t i;

	sbuf_init(&a);
	sbuf_init(&b);
	ck_assert_uint_eq(sync_build_batch(&a, "CTRL-1", "chain", ev, 4, 100,
	    SYNC_MAX_BODY), 4);
	for (i = 0; i < 4; i += 2)
		ev[i].urgent = true;
	ck_assert_uint_eq(sync_build_batch(&b, "CTRL-1", "chain", ev, 4, 100,
	    SYNC_MAX_BODY), 4);
	ck_assert_uint_eq(a.len, b.len);
	ck_assert_mem_eq(a.p, b.p, a.len);
	ck_assert_ptr_null(strstr(b.p, "urgent"));
	sbuf_fini(&a);
	sbuf_fini(&b);
	free_events(ev, 4);
}
END_TEST

START_TEST(batch_wire_format)
{
	struct store_event *ev = mk_events(5, 0);
	const cJSON *evs, *e, *f;
	struct sbuf b;
	cJSON *j;
	size_t n;
	int i = 0;

	sbuf_init(&b);
	n = sync_build_batch(&b, "HA-ZZ-0101-E", "11111111-2222-4333-8444-555555555555",
	    ev, 5, 3, SYNC_MAX_BODY);
	ck_assert_uint_eq(n, 3);
	ck_assert_ptr_nonnull(j = cJSON_ParseWithLength(b.p, b.len));
	ck_assert_str_eq(cJSON_GetObjectItem(j, "controller")->valuestring,
	    "HA-ZZ-0101-E");
	evs = cJSON_GetObjectItem(j, "events");
	ck_assert_int_eq(cJSON_GetArraySize(evs), 3);
	cJSON_ArrayForEach(e, evs) {
		ck_assert_str_eq(cJSON_GetObjectItem(e, "uuid")->valuestring,
		    ev[i].uuid);
		ck_assert_str_eq(cJSON_GetObjectItem(e, "chain")->valuestring,
		    "11111111-2222-4333-8444-555555555555");
		ck_assert_int_eq(cJSON_GetObjectItem(e, "seq")->valueint, i + 1);
		ck_assert_str_eq(cJSON_GetObjectItem(e, "kind")->valuestring,
		    "weighing");
		ck_assert_str_eq(cJSON_GetObjectItem(e, "ts")->valuestring,
		    ev[i].ts);
		ck_assert_str_eq(cJSON_GetObjectItem(e, "prev_hash")->valuestring,
		    ev[i].prev_hash);
		ck_assert_str_eq(cJSON_GetObjectItem(e, "hash")->valuestring,
		    ev[i].hash);
		/* body: a JSON string whose value is the stored text, byte for byte */
		f = cJSON_GetObjectItem(e, "body");
		ck_assert(cJSON_IsString(f));
		ck_assert_str_eq(f->valuestring, ev[i].body);
		i++;
	}
	cJSON_Delete(j);
	sbuf_fini(&b);
	free_events(ev, 5);
}
END_TEST

START_TEST(batch_byte_bound)
{
	struct store_event *ev = mk_events(30, 100 * 1024);
	struct sbuf b, one;
	cJSON *j;
	size_t n;

	sbuf_init(&b);
	sbuf_init(&one);
	n = sync_build_batch(&b, "C", "chain", ev, 30, 200, SYNC_MAX_BODY);
	ck_assert_uint_gt(n, 1);
	ck_assert_uint_lt(n, 30);
	ck_assert_uint_le(b.len, SYNC_MAX_BODY);
	/* one more would not have fitted */
	sync_build_batch(&one, "C", "chain", ev, n + 1, n + 1, SIZE_MAX);
	ck_assert_uint_gt(one.len, SYNC_MAX_BODY);
	ck_assert_ptr_nonnull(j = cJSON_ParseWithLength(b.p, b.len));
	ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(j, "events")),
	    (int)n);
	cJSON_Delete(j);
	sbuf_fini(&one);
	sbuf_fini(&b);
	free_events(ev, 30);

	/* an event bigger than the bound still goes, alone */
	ev = mk_events(2, 2 * 1024 * 1024);
	sbuf_init(&b);
	ck_assert_uint_eq(sync_build_batch(&b, "C", "chain", ev, 2, 200,
	    SYNC_MAX_BODY), 1);
	sbuf_fini(&b);
	free_events(ev, 2);
}
END_TEST

START_TEST(response_fates)
{
	struct store_event *ev = mk_events(4, 0);
	enum sync_fate fate[4];
	char *err[4];
	struct sbuf r;
	size_t i;

	sbuf_init(&r);
	sbuf_printf(&r, "{\"accepted\":[\"%s\",\"%s\",\"ffffffff-0000-4000-8000-000000000000\"],"
	    "\"rejected\":[{\"uuid\":\"%s\",\"error\":\"bad hash\"}]}",
	    ev[2].uuid, ev[0].uuid, ev[1].uuid);
	ck_assert_int_eq(sync_parse_response(r.p, r.len, ev, 4, fate, err), 0);
	ck_assert_int_eq(fate[0], SYNC_ACCEPTED);
	ck_assert_int_eq(fate[1], SYNC_REJECTED);
	ck_assert_str_eq(err[1], "bad hash");
	ck_assert_int_eq(fate[2], SYNC_ACCEPTED);
	ck_assert_int_eq(fate[3], SYNC_UNMENTIONED);
	for (i = 0; i < 4; i++)
		free(err[i]);

	/* an empty answer settles nothing: all unmentioned, sent again */
	ck_assert_int_eq(sync_parse_response("{}", 2, ev, 4, fate, err), 0);
	for (i = 0; i < 4; i++)
		ck_assert_int_eq(fate[i], SYNC_UNMENTIONED);
	/* a rejection without error text still counts */
	sbuf_reset(&r);
	sbuf_printf(&r, "{\"accepted\":[],\"rejected\":[{\"uuid\":\"%s\"}]}",
	    ev[3].uuid);
	ck_assert_int_eq(sync_parse_response(r.p, r.len, ev, 4, fate, err), 0);
	ck_assert_int_eq(fate[3], SYNC_REJECTED);
	ck_assert_ptr_nonnull(err[3]);
	free(err[3]);
	sbuf_fini(&r);
	free_events(ev, 4);
}
END_TEST

START_TEST(response_garbage)
{
	static const char *const bad[] = { "", "<html>502</html>", "[]",
	    "{\"accepted\":\"x\"}", "{\"accepted\":[1]}",
	    "{\"rejected\":[{\"error\":\"no uuid\"}]}", "{\"rejected\":{}}",
	    "{\"accepted\":[\"00000000-0000-4000-8000-000000000001\"" };
	struct store_event *ev = mk_events(2, 0);
	enum sync_fate fate[2];
	char *err[2];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(sync_parse_response(bad[i], strlen(bad[i]), ev, 2,
		    fate, err) == -1, "%s", bad[i]);
		ck_assert_int_eq(fate[0], SYNC_UNMENTIONED);
		ck_assert_ptr_null(err[0]);
	}
	ck_assert_int_eq(sync_parse_response(NULL, 0, ev, 2, fate, err), -1);
	free_events(ev, 2);
}
END_TEST

START_TEST(classify)
{
	static const long retry[] = { 408, 429, 500, 502, 503, 504, 599, 302, 204 };
	static const long refused[] = { 400, 404, 405, 413, 415, 422 };
	size_t i;

	ck_assert_int_eq(sync_classify(CURLE_OK, 200), SYNC_OK);
	ck_assert_int_eq(sync_classify(CURLE_OK, 401), SYNC_AUTH);
	ck_assert_int_eq(sync_classify(CURLE_OK, 403), SYNC_AUTH);
	for (i = 0; i < sizeof(retry) / sizeof(retry[0]); i++)
		ck_assert_int_eq(sync_classify(CURLE_OK, retry[i]), SYNC_RETRY);
	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
		ck_assert_int_eq(sync_classify(CURLE_OK, refused[i]), SYNC_REFUSED);
	ck_assert_int_eq(sync_classify(CURLE_COULDNT_CONNECT, 0), SYNC_RETRY);
	ck_assert_int_eq(sync_classify(CURLE_OPERATION_TIMEDOUT, 0), SYNC_RETRY);
	ck_assert_int_eq(sync_classify(CURLE_PEER_FAILED_VERIFICATION, 0),
	    SYNC_RETRY);
	/* a transfer error wins over whatever status was seen */
	ck_assert_int_eq(sync_classify(CURLE_RECV_ERROR, 200), SYNC_RETRY);
}
END_TEST

/* One cause per failed request, from libcurl's result and the HTTP status. */
START_TEST(failure_causes)
{
	static const struct {
		int rc;
		long status;
		const char *errbuf;
		enum sync_fail want;
	} t[] = {
		{ CURLE_OK, 200, "", SYNC_FAIL_NONE },
		{ CURLE_OK, 401, "", SYNC_FAIL_AUTH },
		{ CURLE_OK, 403, "", SYNC_FAIL_AUTH },
		{ CURLE_OK, 500, "", SYNC_FAIL_HTTP_5XX },
		{ CURLE_OK, 502, "", SYNC_FAIL_HTTP_5XX },
		{ CURLE_OK, 503, "", SYNC_FAIL_HTTP_5XX },
		{ CURLE_OK, 599, "", SYNC_FAIL_HTTP_5XX },
		{ CURLE_OK, 400, "", SYNC_FAIL_HTTP_4XX },
		{ CURLE_OK, 404, "", SYNC_FAIL_HTTP_4XX },
		{ CURLE_OK, 408, "", SYNC_FAIL_HTTP_4XX },
		{ CURLE_OK, 413, "", SYNC_FAIL_HTTP_4XX },
		{ CURLE_OK, 429, "", SYNC_FAIL_HTTP_4XX },
		{ CURLE_OK, 204, "", SYNC_FAIL_BAD_ANSWER },
		{ CURLE_OK, 302, "", SYNC_FAIL_BAD_ANSWER },
		{ CURLE_OK, 0, "", SYNC_FAIL_BAD_ANSWER },
		{ CURLE_COULDNT_CONNECT, 0, "Connection refused", SYNC_FAIL_NETWORK },
		{ CURLE_COULDNT_RESOLVE_HOST, 0, "", SYNC_FAIL_NETWORK },
		{ CURLE_GOT_NOTHING, 0, "", SYNC_FAIL_NETWORK },
		{ CURLE_SEND_ERROR, 0, "Broken pipe", SYNC_FAIL_NETWORK },
		{ CURLE_RECV_ERROR, 200, "Connection reset by peer",
		    SYNC_FAIL_NETWORK },
		{ CURLE_OPERATION_TIMEDOUT, 0, "", SYNC_FAIL_TIMEOUT },
		{ CURLE_OPERATION_TIMEDOUT, 200, "", SYNC_FAIL_TIMEOUT },
		{ CURLE_PEER_FAILED_VERIFICATION, 0, "", SYNC_FAIL_TLS },
		{ CURLE_SSL_CACERT_BADFILE, 0, "", SYNC_FAIL_TLS },
		{ CURLE_SSL_CONNECT_ERROR, 0, "", SYNC_FAIL_TLS },
		{ CURLE_SSL_CERTPROBLEM, 0, NULL, SYNC_FAIL_TLS },
		/* a refused client certificate shows as an alert at the read */
		{ CURLE_RECV_ERROR, 0, "OpenSSL SSL_read: error:0A00045C:SSL "
		    "routines::tlsv13 alert certificate required", SYNC_FAIL_TLS },
		{ CURLE_RECV_ERROR, 0, NULL, SYNC_FAIL_NETWORK },
		{ CURLE_WRITE_ERROR, 200, "", SYNC_FAIL_BAD_ANSWER },
		{ CURLE_WEIRD_SERVER_REPLY, 0, "", SYNC_FAIL_BAD_ANSWER },
	};
	static const char *const names[SYNC_FAIL_N] = {
		"network", "tls", "auth", "http_5xx", "http_4xx", "timeout",
		"bad_answer"
	};
	size_t i;
	int f;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		ck_assert_msg(sync_fail_of(t[i].rc, t[i].status, t[i].errbuf) ==
		    t[i].want, "curl %d HTTP %ld: %d, expected %d", t[i].rc,
		    t[i].status, sync_fail_of(t[i].rc, t[i].status, t[i].errbuf),
		    t[i].want);
	/* every failure the outcome retries or refuses has a cause */
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		ck_assert((sync_classify(t[i].rc, t[i].status) == SYNC_OK) ==
		    (t[i].want == SYNC_FAIL_NONE));
	/* the metric's labels, in the enum's order */
	for (f = 0; f < SYNC_FAIL_N; f++)
		ck_assert_str_eq(sync_fail_name((enum sync_fail)f), names[f]);
	ck_assert_str_eq(sync_fail_name(SYNC_FAIL_NONE), "?");
}
END_TEST

START_TEST(backoff_bounds)
{
	int64_t lo, hi, d, cap;
	uint64_t r;
	int a;

	/* the first retry waits the minimum */
	for (r = 0; r < 100; r++)
		ck_assert_int_eq(sync_backoff_ms(1, 1000, 300000, 0, r), 1000);
	for (a = 2; a < 40; a++) {
		cap = 1000;
		for (int k = 1; k < a && cap < 300000; k++)
			cap = cap * 2 > 300000 ? 300000 : cap * 2;
		lo = INT64_MAX;
		hi = 0;
		for (r = 0; r < 20000; r++) {
			d = sync_backoff_ms(a, 1000, 300000, 0,
			    r * 0x9e3779b97f4a7c15ULL);
			ck_assert_int_ge(d, 1000);
			ck_assert_int_le(d, cap);
			lo = d < lo ? d : lo;
			hi = d > hi ? d : hi;
		}
		/* full jitter: the whole range is used */
		ck_assert_int_lt(lo, 1000 + (cap - 1000) / 10 + 1);
		ck_assert_int_gt(hi, cap - (cap - 1000) / 10 - 1);
	}
	/* the ends of the range are reachable */
	ck_assert_int_eq(sync_backoff_ms(3, 1000, 300000, 0, 0), 1000);
	ck_assert_int_eq(sync_backoff_ms(3, 1000, 300000, 0, 3000), 4000);
	/* huge attempts stay at the cap without overflow */
	ck_assert_int_le(sync_backoff_ms(1000000, 1000, 300000, 0, UINT64_MAX),
	    300000);
	/* Retry-After is honoured, capped at the maximum */
	ck_assert_int_eq(sync_backoff_ms(1, 1000, 300000, 30000, 5), 30000);
	ck_assert_int_eq(sync_backoff_ms(1, 1000, 300000, 86400000, 5), 300000);
	ck_assert_int_ge(sync_backoff_ms(9, 1000, 300000, 2000, 77), 2000);
}
END_TEST

START_TEST(halving)
{
	ck_assert_uint_eq(sync_halve(200), 100);
	ck_assert_uint_eq(sync_halve(3), 1);
	ck_assert_uint_eq(sync_halve(2), 1);
	ck_assert_uint_eq(sync_halve(1), 0);
	ck_assert_uint_eq(sync_halve(0), 0);
}
END_TEST

/* ---- housekeeping against a real store ---- */

CU_DB_FIXTURE

static int64_t
count_kind(store_t *s, const char *kind)
{
	struct store_batch b;
	int64_t n = 0;
	size_t i;

	ck_assert_int_eq(store_fetch_unsynced(s, 100000, SIZE_MAX, &b), 0);
	for (i = 0; i < b.n; i++)
		if (strcmp(b.ev[i].kind, kind) == 0)
			n++;
	store_batch_free(&b);
	return n;
}

/* Run the housekeeping for 1.5 s with disk_min_free_mb = min_mb. */
static void
run_housekeep(store_t *s, int64_t min_mb, int days, struct sync_stats *st)
{
	struct config cfg;
	struct event_base *base;
	struct housekeep *h;
	struct sync *sy;
	struct timeval tv = { 1, 500000 };

	cfg_defaults(&cfg);
	snprintf(cfg.controller.db, sizeof(cfg.controller.db), "%s", db);
	cfg.controller.disk_min_free_mb = min_mb;
	cfg.controller.retention_days = days;
	ck_assert_ptr_nonnull(base = event_base_new());
	ck_assert_ptr_nonnull(sy = sync_new(base, &cfg, s, NULL, NULL));
	ck_assert_ptr_nonnull(h = housekeep_new(base, &cfg, s, sy));
	event_base_loopexit(base, &tv);
	event_base_dispatch(base);
	sync_get_stats(sy, st);
	ck_assert(!st->enabled);	/* no url: nothing sent */
	housekeep_free(h);
	sync_free(sy);
	event_base_free(base);
}

START_TEST(disk_low_once)
{
	struct store_appended ap;
	struct sync_stats st;
	struct statvfs sv;
	int64_t free_mb;
	store_t *s;
	char err[256];

	ck_assert_ptr_nonnull(s = store_open(db, 0, err, sizeof(err)));
	ck_assert_int_eq(store_append(s, "startup", true, "{}", ts_now_ms(), NULL, 0,
	    &ap), STORE_OK);
	run_housekeep(s, 0, 90, &st);
	ck_assert_int_eq(count_kind(s, "disk_low"), 0);
	ck_assert_int_eq(statvfs(dir, &sv), 0);
	free_mb = (int64_t)(sv.f_bavail * sv.f_frsize / (1024 * 1024));
	run_housekeep(s, 100000, 90, &st);
	ck_assert_int_eq(count_kind(s, "disk_low"), free_mb < 100000 ? 1 : 0);
	ck_assert_int_eq(st.backlog, store_count_unsynced(s));
	store_close(s);
}
END_TEST

START_TEST(prune_synced_only)
{
	struct store_appended ap[4];
	const char *uu[2];
	struct sync_stats st;
	int64_t old = ts_now_ms() - 40LL * 86400000, before;
	store_t *s;
	char err[256];
	int i;

	ck_assert_ptr_nonnull(s = store_open(db, 0, err, sizeof(err)));
	for (i = 0; i < 3; i++)
		ck_assert_int_eq(store_append(s, "weighing", false, "{}", old, NULL, 0,
		    &ap[i]), STORE_OK);
	ck_assert_int_eq(store_append(s, "weighing", false, "{}", ts_now_ms(), NULL,
	    0, &ap[3]), STORE_OK);
	uu[0] = ap[0].uuid;
	uu[1] = ap[1].uuid;
	ck_assert_int_eq(store_mark_synced(s, uu, 2), 0);
	before = store_last_seq(s);
	run_housekeep(s, 0, 30, &st);
	/* the two old synced ones went; the old unsynced one stays */
	ck_assert_int_eq(store_count_unsynced(s), 2);
	ck_assert_int_eq(store_last_seq(s), before);
	ck_assert_int_eq(store_verify(s, err, sizeof(err)), 0);
	store_close(s);
}
END_TEST

START_TEST(dirname_of_db)
{
	char out[64];

	housekeep_dirname("/var/lib/weighgate/wg.db", out, sizeof(out));
	ck_assert_str_eq(out, "/var/lib/weighgate");
	housekeep_dirname("wg.db", out, sizeof(out));
	ck_assert_str_eq(out, ".");
	housekeep_dirname("/wg.db", out, sizeof(out));
	ck_assert_str_eq(out, "/");
}
END_TEST

CU_SUITE("sync")
{
	cu_tcase(s, "pure", 30, NULL, NULL, urgent_by_stored_flag,
	    urgency_not_on_the_wire, chains_in_answer, batch_wire_format,
	    batch_byte_bound, response_fates, response_garbage, classify,
	    failure_causes, backoff_bounds, halving, dirname_of_db);
	cu_tcase(s, "housekeeping", 30, cu_db_setup, cu_db_teardown,
	    disk_low_once, prune_synced_only);
}
