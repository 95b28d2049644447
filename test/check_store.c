/* Unit tests of the event store (docs/design.md §6) and of `weighgate lists`. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <sqlite3.h>

#include "weighgate/chain.h"
#include "weighgate/cmd.h"
#include "weighgate/guard.h"
#include "weighgate/log.h"
#include "weighgate/sidecar.h"
#include "weighgate/store.h"
#include "weighgate/timefmt.h"

#include "check_util.h"

CU_DB_FIXTURE

static store_t *
open_db(int64_t max_mb)
{
	char err[512];
	store_t *s = store_open(db, max_mb, err, sizeof(err));

	ck_assert_msg(s != NULL, "store_open: %s", err);
	return s;
}

/* Edit the database behind the store's back, as an attacker or a bug would. */
static void
sql_exec(const char *sql)
{
	sqlite3 *h;
	char *msg = NULL;

	ck_assert_int_eq(sqlite3_open(db, &h), SQLITE_OK);
	sqlite3_busy_timeout(h, 5000);
	ck_assert_msg(sqlite3_exec(h, sql, NULL, NULL, &msg) == SQLITE_OK,
	    "%s: %s", sql, msg);
	sqlite3_close(h);
}

static int64_t
sql_i64_at(const char *path, const char *sql)
{
	sqlite3 *h;
	sqlite3_stmt *st;
	int64_t v;

	ck_assert_int_eq(sqlite3_open(path, &h), SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(h, sql, -1, &st, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(h);
	return v;
}

static int64_t
sql_i64(const char *sql)
{
	return sql_i64_at(db, sql);
}

/* The events of s kept but never sent (state 2: rejected by the platform). */
static int64_t
count_rejected(store_t *s)
{
	return sql_i64_at(store_path(s),
	    "SELECT count(*) FROM events WHERE state = 2");
}

/* A text column of one row (malloc'd). */
static char *
sql_text(const char *sql)
{
	sqlite3 *h;
	sqlite3_stmt *st;
	char *v;

	ck_assert_int_eq(sqlite3_open(db, &h), SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(h, sql, -1, &st, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	v = strdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	sqlite3_close(h);
	return v;
}

/* The text of one row's column is want. */
static void
assert_sql_text(const char *sql, const char *want)
{
	char *got = sql_text(sql);

	ck_assert_msg(strcmp(got, want) == 0, "%s: '%s', want '%s'", sql, got,
	    want);
	free(got);
}

/* SHA-256(prev || body) computed here, not by chain.c. */
static void
expect_hash(const char *prev, const char *body, char out[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0, i;
	EVP_MD_CTX *c = EVP_MD_CTX_new();

	ck_assert_ptr_nonnull(c);
	EVP_DigestInit_ex(c, EVP_sha256(), NULL);
	EVP_DigestUpdate(c, prev, strlen(prev));
	EVP_DigestUpdate(c, body, strlen(body));
	EVP_DigestFinal_ex(c, md, &n);
	EVP_MD_CTX_free(c);
	ck_assert_uint_eq(n, 32);
	for (i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", md[i]);
}

static int64_t
append(store_t *s, const char *body, int64_t ts_ms)
{
	struct store_appended ap;

	ck_assert_int_eq(store_append(s, "weighing", false, body, ts_ms, NULL, 0, &ap),
	    STORE_OK);
	return ap.seq;
}

static void
assert_verifies(store_t *s)
{
	char err[256];

	ck_assert_msg(store_verify(s, err, sizeof(err)) == 0, "verify: %s", err);
}

/* verify fails, and its message names the seq given. */
static void
assert_broken(store_t *s, const char *what)
{
	char err[256];

	ck_assert_int_eq(store_verify(s, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, what) != NULL, "verify said '%s', want '%s'",
	    err, what);
}

START_TEST(t_create_reopen)
{
	store_t *s = open_db(0);
	char chain[40];

	snprintf(chain, sizeof(chain), "%s", store_chain(s));
	ck_assert_uint_eq(strlen(chain), 36);
	ck_assert_int_eq(chain[14], '4');
	ck_assert_int_eq(store_last_seq(s), 0);
	ck_assert_int_eq(store_count_unsynced(s), 0);
	ck_assert_int_eq(count_rejected(s), 0);
	assert_verifies(s);
	store_close(s);
	assert_sql_text("PRAGMA journal_mode", "wal");
	ck_assert_int_eq(sql_i64("PRAGMA user_version"), 2);
	s = open_db(0);
	ck_assert_str_eq(store_chain(s), chain);
	store_close(s);
	/* Another database is another chain. */
	snprintf(db, sizeof(db), "%s/other.db", dir);
	s = open_db(0);
	ck_assert_str_ne(store_chain(s), chain);
	store_close(s);
}
END_TEST

START_TEST(t_append_chain)
{
	static const char *bodies[] = {
		"{\"lane\":\"L01\",\"gross_kg\":49120}",
		"{\"plate\":\"豫A12345\"}",
		"{}",
		"{\"a\":\"x\\\"y\"}",
	};
	char prev[65] = CHAIN_ZERO_HASH, want[65], sql[128], ts[25], *t;
	struct store_appended ap[4];
	store_t *s = open_db(0);
	int i;

	for (i = 0; i < 4; i++) {
		ck_assert_int_eq(store_append(s, "weighing", false, bodies[i],
		    1764000000123 + i, NULL, 0, &ap[i]), STORE_OK);
		ck_assert_int_eq(ap[i].seq, i + 1);
		expect_hash(prev, bodies[i], want);
		ck_assert_str_eq(ap[i].hash, want);
		ck_assert_uint_eq(strlen(ap[i].uuid), 36);
		if (i > 0)
			ck_assert_str_ne(ap[i].uuid, ap[i - 1].uuid);
		snprintf(prev, sizeof(prev), "%s", want);
	}
	ck_assert_int_eq(store_last_seq(s), 4);
	store_close(s);
	/* What is in the file, byte for byte. */
	snprintf(prev, sizeof(prev), "%s", CHAIN_ZERO_HASH);
	for (i = 0; i < 4; i++) {
		snprintf(sql, sizeof(sql), "SELECT body FROM events WHERE seq=%d", i + 1);
		ck_assert_str_eq((t = sql_text(sql)), bodies[i]);
		free(t);
		snprintf(sql, sizeof(sql), "SELECT prev_hash FROM events WHERE seq=%d", i + 1);
		ck_assert_str_eq((t = sql_text(sql)), prev);
		free(t);
		snprintf(sql, sizeof(sql), "SELECT uuid FROM events WHERE seq=%d", i + 1);
		ck_assert_str_eq((t = sql_text(sql)), ap[i].uuid);
		free(t);
		snprintf(sql, sizeof(sql), "SELECT ts FROM events WHERE seq=%d", i + 1);
		ts_format(1764000000123 + i, ts);
		ck_assert_str_eq((t = sql_text(sql)), ts);
		free(t);
		snprintf(prev, sizeof(prev), "%s", ap[i].hash);
	}
	assert_sql_text("SELECT ts FROM events WHERE seq=1",
	    "2025-11-24T16:00:00.123Z");
	ck_assert_int_eq(sql_i64("SELECT count(*) FROM events WHERE state=0"), 4);
	s = open_db(0);
	assert_verifies(s);
	/* The chain continues across a reopen. */
	ck_assert_int_eq(append(s, "{\"n\":5}", 1), 5);
	expect_hash(ap[3].hash, "{\"n\":5}", want);
	assert_sql_text("SELECT hash FROM events WHERE seq=5", want);
	store_close(s);
}
END_TEST

START_TEST(t_append_bad_args)
{
	store_t *s = open_db(0);

	ck_assert_int_eq(store_append(s, "", false, "{}", 1, NULL, 0, NULL), STORE_ERROR);
	ck_assert_int_eq(store_append(s, "a_kind_name_longer_than_31_bytes", false, "{}",
	    1, NULL, 0, NULL), STORE_ERROR);
	ck_assert_str_ne(store_errmsg(s), "");
	ck_assert_int_eq(store_append(s, "weighing", false, NULL, 1, NULL, 0, NULL),
	    STORE_ERROR);
	ck_assert_int_eq(store_last_seq(s), 0);
	ck_assert_int_eq(append(s, "{}", 1), 1);
	store_close(s);
}
END_TEST

START_TEST(t_lane_seq)
{
	store_t *s = open_db(0);
	struct store_appended ap;
	int64_t seq;
	bool found;

	ck_assert_int_eq(store_lane_seq(s, "L01", &seq, &found), 0);
	ck_assert(!found);
	ck_assert_int_eq(store_append(s, "weighing", false, "{}", 1, "L01", 7, &ap),
	    STORE_OK);
	ck_assert_int_eq(store_append(s, "weighing", false, "{}", 2, "L02", 65535, &ap),
	    STORE_OK);
	ck_assert_int_eq(store_append(s, "weighing", false, "{}", 3, "L01", 9, &ap),
	    STORE_OK);
	ck_assert_int_eq(store_lane_seq(s, "L01", &seq, &found), 0);
	ck_assert(found);
	ck_assert_int_eq(seq, 9);
	ck_assert_int_eq(store_lane_seq(s, "L02", &seq, &found), 0);
	ck_assert(found);
	ck_assert_int_eq(seq, 65535);
	ck_assert_int_eq(store_lane_seq(s, "L03", &seq, &found), 0);
	ck_assert(!found);
	ck_assert_int_eq(seq, 0);
	store_close(s);
	s = open_db(0);
	ck_assert_int_eq(store_lane_seq(s, "L01", &seq, &found), 0);
	ck_assert_int_eq(seq, 9);
	store_close(s);
}
END_TEST

/* A reference with no event (baseline, seen in FAULT, a settled reset). */
START_TEST(t_lane_seq_set)
{
	store_t *s = open_db(0);
	struct store_appended ap;
	int64_t seq;
	bool found;

	ck_assert_int_eq(store_set_lane_seq(s, "L01", 5000), 0);
	ck_assert_int_eq(store_lane_seq(s, "L01", &seq, &found), 0);
	ck_assert(found);
	ck_assert_int_eq(seq, 5000);
	ck_assert_int_eq(store_set_lane_seq(s, "L01", 0), 0);
	ck_assert_int_eq(store_last_seq(s), 0);		/* no event */
	ck_assert_int_eq(store_append(s, "weighing", false, "{}", 1, "L01", 1, &ap),
	    STORE_OK);
	store_close(s);
	s = open_db(0);
	ck_assert_int_eq(store_lane_seq(s, "L01", &seq, &found), 0);
	ck_assert_int_eq(seq, 1);
	ck_assert_int_eq(store_set_lane_seq(s, "L01", 0), 0);
	store_close(s);
	s = open_db(0);
	ck_assert_int_eq(store_lane_seq(s, "L01", &seq, &found), 0);
	ck_assert_int_eq(seq, 0);
	store_close(s);
}
END_TEST

/* When the lane update fails, the event is not recorded either. */
START_TEST(t_lane_seq_atomic)
{
	store_t *s = open_db(0);
	int64_t seq;
	bool found;

	ck_assert_int_eq(append(s, "{}", 1), 1);
	store_close(s);
	sql_exec("CREATE TRIGGER no_bad BEFORE INSERT ON lane_seq"
	    " WHEN NEW.lane = 'BAD' BEGIN SELECT RAISE(ABORT, 'refused'); END");
	s = open_db(0);
	ck_assert_int_eq(store_append(s, "weighing", false, "{\"x\":1}", 2, "BAD", 5,
	    NULL), STORE_ERROR);
	ck_assert_ptr_nonnull(strstr(store_errmsg(s), "refused"));
	ck_assert_int_eq(store_last_seq(s), 1);
	ck_assert_int_eq(store_count_unsynced(s), 1);
	ck_assert_int_eq(store_lane_seq(s, "BAD", &seq, &found), 0);
	ck_assert(!found);
	ck_assert_int_eq(store_append(s, "weighing", false, "{}", 3, "L01", 4, NULL),
	    STORE_OK);
	ck_assert_int_eq(store_last_seq(s), 2);
	assert_verifies(s);
	store_close(s);
}
END_TEST

/* n events of body 100 bytes each ({"n":seq,"pad":"xxx..."}). */
static void
append_n(store_t *s, int n, int64_t ts0)
{
	char body[128];
	int i, len;

	for (i = 0; i < n; i++) {
		len = snprintf(body, sizeof(body), "{\"n\":%05d,\"pad\":\"", i + 1);
		memset(body + len, 'x', 98 - (size_t)len);
		memcpy(body + 98, "\"}", 3);
		ck_assert_uint_eq(strlen(body), 100);
		append(s, body, ts0 + i);
	}
}

START_TEST(t_fetch)
{
	store_t *s = open_db(0);
	struct store_batch b;
	char *t;
	size_t i;

	ck_assert_int_eq(store_fetch_unsynced(s, 10, 1 << 20, &b), 0);
	ck_assert_uint_eq(b.n, 0);
	store_batch_free(&b);
	append_n(s, 10, 1000);
	ck_assert_int_eq(store_fetch_unsynced(s, 4, 1 << 20, &b), 0);
	ck_assert_uint_eq(b.n, 4);
	for (i = 0; i < 4; i++) {
		ck_assert_int_eq(b.ev[i].seq, (int64_t)i + 1);
		ck_assert_str_eq(b.ev[i].kind, "weighing");
		ck_assert_uint_eq(strlen(b.ev[i].body), 100);
		ck_assert_uint_eq(strlen(b.ev[i].uuid), 36);
		ck_assert_uint_eq(strlen(b.ev[i].hash), 64);
	}
	ck_assert_str_eq(b.ev[0].prev_hash, CHAIN_ZERO_HASH);
	ck_assert_str_eq(b.ev[1].prev_hash, b.ev[0].hash);
	ck_assert_str_eq(b.ev[0].ts, "1970-01-01T00:00:01.000Z");
	store_batch_free(&b);
	ck_assert_ptr_null(b.ev);
	/* By bytes: 250 holds two bodies of 100; a budget below one body
	 * still gets one event, or the sync would stall. */
	ck_assert_int_eq(store_fetch_unsynced(s, 100, 250, &b), 0);
	ck_assert_uint_eq(b.n, 2);
	store_batch_free(&b);
	ck_assert_int_eq(store_fetch_unsynced(s, 100, 10, &b), 0);
	ck_assert_uint_eq(b.n, 1);
	ck_assert_int_eq(b.ev[0].seq, 1);
	t = strdup(b.ev[0].body);
	store_batch_free(&b);
	ck_assert_ptr_nonnull(strstr(t, "\"n\":00001"));
	free(t);
	ck_assert_int_eq(store_fetch_unsynced(s, 0, 1000, &b), 0);
	ck_assert_uint_eq(b.n, 0);
	store_close(s);
}
END_TEST

START_TEST(t_mark)
{
	store_t *s = open_db(0);
	struct store_batch b;
	const char *u[3];
	char rej[37], *t;

	append_n(s, 10, 1000);
	ck_assert_int_eq(store_fetch_unsynced(s, 5, 1 << 20, &b), 0);
	u[0] = b.ev[0].uuid;
	u[1] = b.ev[1].uuid;
	u[2] = b.ev[2].uuid;
	ck_assert_int_eq(store_mark_synced(s, u, 3), 0);
	ck_assert_int_eq(store_mark_rejected(s, b.ev[3].uuid, "HTTP 422: bad"), 0);
	snprintf(rej, sizeof(rej), "%s", b.ev[3].uuid);
	store_batch_free(&b);
	ck_assert_int_eq(store_count_unsynced(s), 6);
	ck_assert_int_eq(count_rejected(s), 1);
	ck_assert_int_eq(store_fetch_unsynced(s, 100, 1 << 20, &b), 0);
	ck_assert_uint_eq(b.n, 6);
	ck_assert_int_eq(b.ev[0].seq, 5);
	store_batch_free(&b);
	/* A rejected event stays rejected: never fetched, never synced. */
	u[0] = rej;
	ck_assert_int_eq(store_mark_synced(s, u, 1), 0);
	ck_assert_int_eq(count_rejected(s), 1);
	ck_assert_int_eq(store_mark_synced(s, u, 0), 0);
	store_close(s);
	ck_assert_str_eq((t = sql_text("SELECT error FROM events WHERE seq=4")),
	    "HTTP 422: bad");
	free(t);
	ck_assert_int_eq(sql_i64("SELECT state FROM events WHERE seq=4"), 2);
	ck_assert_int_eq(sql_i64("SELECT count(*) FROM events WHERE state=1"
	    " AND synced_ms > 0"), 3);
	s = open_db(0);
	ck_assert_int_eq(store_fetch_unsynced(s, 100, 1 << 20, &b), 0);
	ck_assert_int_eq(b.ev[0].seq, 5);
	store_batch_free(&b);
	store_close(s);
}
END_TEST

/* Mark the events of these seqs synced (or rejected). */
static void
mark_seqs(store_t *s, const int *seqs, size_t n, bool reject)
{
	struct store_batch b;
	size_t i, j;

	ck_assert_int_eq(store_fetch_unsynced(s, 100000, SIZE_MAX, &b), 0);
	for (i = 0; i < n; i++) {
		for (j = 0; j < b.n && b.ev[j].seq != seqs[i]; j++)
			;
		ck_assert_msg(j < b.n, "seq %d not unsynced", seqs[i]);
		if (reject)
			ck_assert_int_eq(store_mark_rejected(s, b.ev[j].uuid,
			    "HTTP 400"), 0);
		else {
			const char *u = b.ev[j].uuid;
			ck_assert_int_eq(store_mark_synced(s, &u, 1), 0);
		}
	}
	store_batch_free(&b);
}

static bool
has_seq(int seq)
{
	char sql[64];

	snprintf(sql, sizeof(sql), "SELECT count(*) FROM events WHERE seq=%d", seq);
	return sql_i64(sql) == 1;
}

START_TEST(t_prune)
{
	/* ts of seq k is 1000 + k - 1; prune before 1008 takes seq <= 8. */
	static const int synced[] = { 1, 2, 3, 5, 6, 8, 9, 10, 12 };
	static const int rejected[] = { 4, 11 };
	store_t *s = open_db(0);
	int k;

	append_n(s, 12, 1000);
	mark_seqs(s, synced, 9, false);
	mark_seqs(s, rejected, 2, true);
	/* Unsynced: 7.  Nothing is old enough yet. */
	ck_assert_int_eq(store_prune(s, 1000), 0);
	ck_assert_int_eq(store_prune(s, 1008), 6);	/* 1 2 3 5 6 8 */
	store_close(s);
	for (k = 1; k <= 12; k++)
		ck_assert_msg(has_seq(k) == (k == 4 || k == 7 || k >= 9),
		    "seq %d", k);
	s = open_db(0);
	assert_verifies(s);
	/* Everything synced is old now, but the newest event (12) stays. */
	ck_assert_int_eq(store_prune(s, 1000000), 2);	/* 9 10 */
	ck_assert_int_eq(store_count_unsynced(s), 1);
	ck_assert_int_eq(count_rejected(s), 2);
	ck_assert_int_eq(store_last_seq(s), 12);
	assert_verifies(s);
	/* After the seq 7 is synced and pruned, the gaps join up. */
	mark_seqs(s, (const int []){ 7 }, 1, false);
	ck_assert_int_eq(store_prune(s, 1000000), 1);
	assert_verifies(s);
	ck_assert_int_eq(append(s, "{}", 5000), 13);
	assert_verifies(s);
	store_close(s);
	for (k = 1; k <= 13; k++)
		ck_assert_msg(has_seq(k) == (k == 4 || k == 11 || k >= 12),
		    "seq %d", k);
	ck_assert_int_eq(sql_i64("SELECT count(*) FROM gaps"), 1);
	ck_assert_int_eq(sql_i64("SELECT first FROM gaps"), 5);
	ck_assert_int_eq(sql_i64("SELECT last FROM gaps"), 10);
	/* A deletion that prune did not record is still caught. */
	sql_exec("DELETE FROM events WHERE seq = 12");
	s = open_db(0);
	assert_broken(s, "seq 13: follows seq 11");
	store_close(s);
}
END_TEST

/* More than one batch of 1000 rows, all in one call. */
START_TEST(t_prune_batches)
{
	store_t *s = open_db(0);
	struct store_batch b;
	const char **u;
	size_t i;

	append_n(s, 2100, 1000);
	ck_assert_int_eq(store_fetch_unsynced(s, 3000, SIZE_MAX, &b), 0);
	ck_assert_uint_eq(b.n, 2100);
	u = calloc(b.n, sizeof(*u));
	for (i = 0; i < b.n; i++)
		u[i] = b.ev[i].uuid;
	ck_assert_int_eq(store_mark_synced(s, u, b.n), 0);
	free(u);
	store_batch_free(&b);
	ck_assert_int_eq(store_count_unsynced(s), 0);
	{
		/* bounded steps: a batch each, the tail kept, more told */
		bool more;

		ck_assert_int_eq(store_prune_some(s, 1000000, 1, &more), 1000);
		ck_assert(more);
		assert_verifies(s);
		ck_assert_int_eq(store_prune_some(s, 1000000, 1000, &more), 1000);
		ck_assert(more);
		ck_assert_int_eq(store_prune_some(s, 1000000, 1000, &more), 99);
		ck_assert(!more);
		ck_assert_int_eq(store_prune(s, 1000000), 0);
	}
	ck_assert_int_eq(store_last_seq(s), 2100);
	assert_verifies(s);
	ck_assert_int_eq(append(s, "{}", 1), 2101);
	assert_verifies(s);
	store_close(s);
}
END_TEST

START_TEST(t_verify_body_edited)
{
	store_t *s = open_db(0);

	append_n(s, 5, 1000);
	assert_verifies(s);
	store_close(s);
	sql_exec("UPDATE events SET body = replace(body, '00003', '00009')"
	    " WHERE seq = 3");
	s = open_db(0);
	assert_broken(s, "seq 3: hash");
	store_close(s);
}
END_TEST

START_TEST(t_verify_row_deleted)
{
	store_t *s = open_db(0);

	append_n(s, 5, 1000);
	store_close(s);
	sql_exec("DELETE FROM events WHERE seq = 3");
	s = open_db(0);
	assert_broken(s, "seq 4: follows seq 2");
	store_close(s);
}
END_TEST

/* Two events' hashes swapped, as a reordering would leave them. */
START_TEST(t_verify_hash_reordered)
{
	store_t *s = open_db(0);

	append_n(s, 5, 1000);
	store_close(s);
	sql_exec("UPDATE events SET hash = CASE seq"
	    " WHEN 2 THEN (SELECT hash FROM events WHERE seq = 3)"
	    " ELSE (SELECT hash FROM events WHERE seq = 2) END"
	    " WHERE seq IN (2, 3)");
	s = open_db(0);
	assert_broken(s, "seq 2: hash");
	store_close(s);
}
END_TEST

/* The body and hash both rewritten consistently: the next link breaks. */
START_TEST(t_verify_rehashed)
{
	store_t *s = open_db(0);
	char sql[300], h[65], *prev;

	append_n(s, 5, 1000);
	store_close(s);
	prev = sql_text("SELECT prev_hash FROM events WHERE seq = 3");
	expect_hash(prev, "{}", h);
	snprintf(sql, sizeof(sql), "UPDATE events SET body = '{}', hash = '%s'"
	    " WHERE seq = 3", h);
	free(prev);
	sql_exec(sql);
	s = open_db(0);
	assert_broken(s, "seq 4: prev_hash");
	store_close(s);
}
END_TEST

START_TEST(t_verify_first_prev)
{
	store_t *s = open_db(0);

	append_n(s, 2, 1000);
	store_close(s);
	sql_exec("UPDATE events SET prev_hash = replace(prev_hash, '0', '1')"
	    " WHERE seq = 1");
	s = open_db(0);
	assert_broken(s, "seq 1: prev_hash");
	store_close(s);
}
END_TEST

START_TEST(t_full)
{
	char body[8193], *doc;
	store_t *s = open_db(1);
	enum store_status st = STORE_OK;
	int64_t ok = 0, seq;
	bool found;
	char src[16];
	int i;

	memset(body, 'a', sizeof(body) - 1);
	body[0] = '"';
	body[sizeof(body) - 2] = '"';
	body[sizeof(body) - 1] = '\0';
	for (i = 0; i < 1000; i++) {
		body[1 + i % 8000] = 'b';	/* no two alike */
		st = store_append(s, "weighing", false, body, 1000 + i, "L01", i, NULL);
		if (st != STORE_OK)
			break;
		ok++;
	}
	ck_assert_int_eq(st, STORE_FULL);
	ck_assert_int_gt(ok, 50);
	ck_assert_int_lt(ok, 130);
	ck_assert_str_ne(store_errmsg(s), "");
	/* Nothing half-written: the last good event is the last one. */
	ck_assert_int_eq(store_last_seq(s), ok);
	ck_assert_int_eq(store_lane_seq(s, "L01", &seq, &found), 0);
	ck_assert_int_eq(seq, ok - 1);
	/* Still full; small writes that need no new page may pass, big not. */
	ck_assert_int_eq(store_append(s, "weighing", false, body, 1, NULL, 0, NULL),
	    STORE_FULL);
	ck_assert_int_eq(store_lists_apply(s, body, "local", 1, "{}", NULL),
	    STORE_FULL);
	ck_assert_int_eq(store_lists_load(s, &doc, src, &seq), 0);
	ck_assert_ptr_null(doc);
	assert_verifies(s);
	store_close(s);
	ck_assert_int_eq(sql_i64("SELECT count(*) FROM events"), ok);
	assert_sql_text("PRAGMA integrity_check", "ok");
	/* Without the cap, the chain goes on where it stopped. */
	s = open_db(0);
	assert_verifies(s);
	ck_assert_int_eq(append(s, body, 1), ok + 1);
	assert_verifies(s);
	store_close(s);
	/* A cap below the present size: no growth at all, still readable. */
	s = open_db(1);
	ck_assert_int_eq(store_append(s, "weighing", false, body, 1, NULL, 0, NULL),
	    STORE_FULL);
	ck_assert_int_eq(store_last_seq(s), ok + 1);
	store_close(s);
}
END_TEST

START_TEST(t_lists)
{
	static const char doc1[] = "{\"version\":\"v1\",\"watch\":[],"
	    "\"exempt\":[],\"permits\":[]}";
	static const char doc2[] = "{\"version\":\"版本2\",\"watch\":[],"
	    "\"exempt\":[],\"permits\":[]}";
	store_t *s = open_db(0);
	struct store_appended ap;
	char src[16], *doc;
	int64_t ts;

	ck_assert_int_eq(store_lists_load(s, &doc, src, &ts), 0);
	ck_assert_ptr_null(doc);
	ck_assert_int_eq(store_lists_save(s, doc1, "platform", 1234), 0);
	ck_assert_int_eq(store_lists_load(s, &doc, src, &ts), 0);
	ck_assert_str_eq(doc, doc1);
	ck_assert_str_eq(src, "platform");
	ck_assert_int_eq(ts, 1234);
	free(doc);
	ck_assert_int_eq(store_lists_save(s, doc1, "elsewhere", 1), -1);
	ck_assert_int_eq(store_lists_apply(s, doc2, "local", 5678,
	    "{\"version\":\"版本2\",\"watch\":0,\"exempt\":0,\"permits\":0,"
	    "\"source\":\"local\"}", &ap), STORE_OK);
	ck_assert_int_eq(ap.seq, 1);
	/* A bad source changes neither the lists nor the log. */
	ck_assert_int_eq(store_lists_apply(s, doc1, "nowhere", 9, "{}", &ap),
	    STORE_ERROR);
	ck_assert_int_eq(store_last_seq(s), 1);
	store_close(s);
	s = open_db(0);
	ck_assert_int_eq(store_lists_load(s, &doc, src, &ts), 0);
	ck_assert_str_eq(doc, doc2);
	ck_assert_str_eq(src, "local");
	ck_assert_int_eq(ts, 5678);
	free(doc);
	store_close(s);
	assert_sql_text("SELECT kind FROM events WHERE seq=1",
	    "lists_applied");
}
END_TEST

START_TEST(t_migration)
{
	store_t *s = open_db(0);
	char chain[40];

	append_n(s, 3, 1000);
	snprintf(chain, sizeof(chain), "%s", store_chain(s));
	store_close(s);
	/* Reopening an up-to-date store changes nothing. */
	s = open_db(0);
	store_close(s);
	s = open_db(0);
	ck_assert_str_eq(store_chain(s), chain);
	ck_assert_int_eq(store_last_seq(s), 3);
	assert_verifies(s);
	store_close(s);
	ck_assert_int_eq(sql_i64("PRAGMA user_version"), 2);
	ck_assert_int_eq(sql_i64("SELECT count(*) FROM meta"), 1);
	ck_assert_int_eq(sql_i64("SELECT count(*) FROM sqlite_schema"
	    " WHERE type='table'"), 5);
}
END_TEST

/* Urgency is stored with the event and read back, after a restart too. */
START_TEST(t_urgent_reopen)
{
	static const char doc[] = "{\"version\":\"u\",\"watch\":[],"
	    "\"exempt\":[],\"permits\":[]}";
	static const bool want[] = { true, false, true, false, false };
	store_t *s = open_db(0);
	struct store_batch b;
	size_t i;

	ck_assert_int_eq(store_append(s, "startup", true, "{}", 1, NULL, 0,
	    NULL), STORE_OK);
	ck_assert_int_eq(store_append(s, "weighing", false,
	    "{\"decision\":\"intercept\"}", 2, "L01", 7, NULL), STORE_OK);
	ck_assert_int_eq(store_append(s, "weighing", true,
	    "{\"decision\":\"pass\"}", 3, "L01", 8, NULL), STORE_OK);
	ck_assert_int_eq(store_lists_apply(s, doc, "local", 4, "{}", NULL),
	    STORE_OK);
	ck_assert_int_eq(store_append(s, "clock_ok", false, "{}", 5, NULL, 0,
	    NULL), STORE_OK);
	store_close(s);
	s = open_db(0);
	/* the flag as given, whatever the body says: it is not read again */
	ck_assert_int_eq(store_fetch_unsynced(s, 100, SIZE_MAX, &b), 0);
	ck_assert_uint_eq(b.n, 5);
	for (i = 0; i < b.n; i++)
		ck_assert_msg(b.ev[i].urgent == want[i], "seq %lld",
		    (long long)b.ev[i].seq);
	store_batch_free(&b);
	ck_assert_int_eq(store_fetch_after(s, 2, 10, &b), 0);
	ck_assert_uint_eq(b.n, 3);
	ck_assert(b.ev[0].urgent);
	ck_assert(!b.ev[1].urgent);
	store_batch_free(&b);
	ck_assert_int_eq(store_fetch_seq(s, 1, &b), 0);
	ck_assert_uint_eq(b.n, 1);
	ck_assert(b.ev[0].urgent);
	store_batch_free(&b);
	/* not part of the chain: the hashes are those of the bodies alone */
	assert_verifies(s);
	store_close(s);
	ck_assert_int_eq(sql_i64("SELECT count(*) FROM events WHERE urgent = 1"),
	    2);
}
END_TEST

/* The schema's first migration, to make a store as an older program did. */
extern const char *const store_migrations[];

/* A store at user_version 1 (before urgency was stored) with these events. */
static void
make_v1_store(const char *const *kinds, const char *const *bodies, int n)
{
	char prev[65], hash[65], *sql;
	int i;

	sql_exec(store_migrations[0]);
	sql_exec("INSERT INTO meta (id, chain, created_ms) VALUES (1, "
	    "'5d1f0c59-8a47-4c57-9d0e-7a4b0f6f2a10', 0); PRAGMA user_version = 1");
	memset(prev, '0', 64);
	prev[64] = '\0';
	for (i = 0; i < n; i++) {
		expect_hash(prev, bodies[i], hash);
		sql = sqlite3_mprintf("INSERT INTO events (seq, uuid, kind, ts,"
		    " ts_ms, prev_hash, hash, body) VALUES (%d, "
		    "'00000000-0000-4000-8000-%012d', %Q, "
		    "'2026-01-01T00:00:00.000Z', %d, %Q, %Q, %Q)", i + 1, i + 1,
		    kinds[i], 1000 + i, prev, hash, bodies[i]);
		sql_exec(sql);
		sqlite3_free(sql);
		memcpy(prev, hash, sizeof(prev));
	}
}

/*
 * A store made before urgency was stored: the migration gives its events
 * the urgency of docs/design.md §7 — by kind, and for a weighing by the
 * decision in its body — and leaves the chain as it was.
 */
START_TEST(t_migration_urgency)
{
	static const char *const kinds[] = {
		"weighing", "weighing", "weighing", "weighing", "weighing",
		"forced_entry", "barrier_unauthorized", "override",
		"device_fault", "startup", "config_reloaded", "scale_reset",
		"clock_step", "clock_skew", "store_replaced", "store_rollback",
		"pass_timeout", "unweighed_pass", "missed_results",
		"device_recovered", "lists_applied", "disk_low", "clock_ok",
		"a_kind_of_tomorrow",
	};
	static const char *const bodies[] = {
		"{\"lane\":\"L01\",\"seq\":3,\"decision\":\"intercept\"}",
		"{\"lane\":\"L01\",\"seq\":4,\"decision\":\"turnback\"}",
		"{\"lane\":\"L01\",\"seq\":5,\"decision\":\"pass\","
		    "\"reasons\":[\"intercept\"]}",
		"not json",
		"{\"lane\":\"L01\",\"plate\":\"\\\"decision\\\":\\\"intercept\\\"\","
		    "\"decision\":\"pass\"}",
		"{}", "{}", "{}", "{}", "{}", "{}", "{}", "{}", "{}", "{}", "{}",
		"{}", "{}", "{}", "{}", "{}", "{}", "{}", "{}",
	};
	static const bool want[] = {
		true, false, false, false, false,
		true, true, true, true, true, true, true, true, true, true, true,
		false, false, false, false, false, false, false, false,
	};
	int n = (int)(sizeof(kinds) / sizeof(kinds[0]));
	struct store_batch b;
	store_t *s;
	int i;

	ck_assert_int_eq(n, (int)(sizeof(bodies) / sizeof(bodies[0])));
	ck_assert_int_eq(n, (int)(sizeof(want) / sizeof(want[0])));
	make_v1_store(kinds, bodies, n);
	s = open_db(0);
	ck_assert_str_eq(store_chain(s), "5d1f0c59-8a47-4c57-9d0e-7a4b0f6f2a10");
	ck_assert_int_eq(store_fetch_unsynced(s, 100, SIZE_MAX, &b), 0);
	ck_assert_uint_eq(b.n, (size_t)n);
	for (i = 0; i < n; i++) {
		ck_assert_str_eq(b.ev[i].kind, kinds[i]);
		ck_assert_str_eq(b.ev[i].body, bodies[i]);
		ck_assert_msg(b.ev[i].urgent == want[i], "%s %s: urgent %d",
		    kinds[i], bodies[i], b.ev[i].urgent);
	}
	store_batch_free(&b);
	assert_verifies(s);
	/* and a new event after them is stored with the urgency it is given */
	ck_assert_int_eq(store_append(s, "weighing", true, "{}", 5000, NULL, 0,
	    NULL), STORE_OK);
	store_close(s);
	ck_assert_int_eq(sql_i64("PRAGMA user_version"), 2);
	ck_assert_int_eq(sql_i64("SELECT urgent FROM events ORDER BY seq DESC"
	    " LIMIT 1"), 1);
}
END_TEST

START_TEST(t_migration_newer)
{
	char err[512];
	store_t *s = open_db(0);

	store_close(s);
	sql_exec("PRAGMA user_version = 99");
	ck_assert_ptr_null(store_open(db, 0, err, sizeof(err)));
	ck_assert_msg(strstr(err, "schema version 99") != NULL, "%s", err);
	ck_assert_ptr_nonnull(strstr(err, db));
}
END_TEST

START_TEST(t_open_fails)
{
	char err[512], path[400];

	snprintf(path, sizeof(path), "%s/no/such/dir/wg.db", dir);
	ck_assert_ptr_null(store_open(path, 0, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, path));
	/* Not a database. */
	snprintf(path, sizeof(path), "%s/junk.db", dir);
	{
		FILE *f = fopen(path, "w");
		ck_assert_ptr_nonnull(f);
		for (int i = 0; i < 200; i++)
			fputs("this is not an SQLite database at all\n", f);
		fclose(f);
	}
	ck_assert_ptr_null(store_open(path, 0, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "not a database"));
}
END_TEST

/* ---- weighgate lists ---- */

/* A list fixture, found from the tree's root ($ROOT, set by run-tests.sh). */
static const char *
fixture(const char *name)
{
	static char path[4][512];
	static int i;
	const char *root = getenv("ROOT");

	i = (i + 1) % 4;
	snprintf(path[i], sizeof(path[i]), "%s/test/fixtures/lists/%s",
	    root != NULL ? root : ".", name);
	return path[i];
}

/* Run cmd_lists with these arguments, stdout into dir/out. */
static int
lists_cmd(const char *a1, const char *a2, const char *a3, const char *a4)
{
	char out[300];
	char *argv[8] = { "lists", (char *)a1, (char *)a2, (char *)a3,
	    (char *)a4, NULL };
	int argc = 1, rc, saved;

	while (argc < 5 && argv[argc] != NULL)
		argc++;
	snprintf(out, sizeof(out), "%s/out", dir);
	fflush(stdout);
	saved = dup(1);
	ck_assert(freopen(out, "w", stdout) != NULL);
	rc = cmd_lists(argc, argv);
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	return rc;
}

static char *
lists_out(void)
{
	char out[300], *buf;
	FILE *f;
	long n;

	snprintf(out, sizeof(out), "%s/out", dir);
	ck_assert_ptr_nonnull(f = fopen(out, "r"));
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = calloc(1, (size_t)n + 1);
	ck_assert_uint_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	return buf;
}

START_TEST(t_cmd_lists)
{
	char *o, *body;
	store_t *s;

	ck_assert_int_eq(lists_cmd("import", "--db", db,
	    fixture("valid.json")), 0);
	ck_assert_int_eq(lists_cmd("show", "--db", db, NULL), 0);
	o = lists_out();
	ck_assert_ptr_nonnull(strstr(o, "2026-11-22T03:00:00Z#17"));
	ck_assert_ptr_nonnull(strstr(o, "local"));
	ck_assert_ptr_nonnull(strstr(o, "豫A·12345"));
	ck_assert_ptr_nonnull(strstr(o, "布控"));
	ck_assert_ptr_nonnull(strstr(o, "first"));
	ck_assert_ptr_nonnull(strstr(o, "60000"));
	free(o);
	body = sql_text("SELECT body FROM events WHERE kind='lists_applied'");
	ck_assert_str_eq(body, "{\"version\":\"2026-11-22T03:00:00Z#17\","
	    "\"watch\":4,\"exempt\":2,\"permits\":3,\"source\":\"local\"}");
	free(body);
	/* A bad document changes nothing. */
	ck_assert_int_eq(lists_cmd("import", "--db", db,
	    fixture("bad-trailing.json")), 65);
	ck_assert_int_eq(lists_cmd("import", "--db", db,
	    fixture("no-such-file.json")), 66);
	ck_assert_int_eq(lists_cmd("import", "--db", db, NULL), 2);
	ck_assert_int_eq(lists_cmd("frobnicate", "--db", db, NULL), 2);
	ck_assert_int_eq(lists_cmd("show", "--bogus", NULL, NULL), 2);
	s = open_db(0);
	ck_assert_int_eq(store_last_seq(s), 1);
	assert_verifies(s);
	store_close(s);
	ck_assert_int_eq(lists_cmd("import", "--db", db,
	    fixture("minimal.json")), 0);
	ck_assert_int_eq(sql_i64("SELECT count(*) FROM events"), 2);
}
END_TEST

START_TEST(t_cmd_lists_empty)
{
	char *o, path[400];

	/* show never creates a database. */
	snprintf(path, sizeof(path), "%s/none.db", dir);
	ck_assert_int_eq(lists_cmd("show", "--db", path, NULL), 66);
	ck_assert_int_eq(access(path, F_OK), -1);
	store_close(open_db(0));
	ck_assert_int_eq(lists_cmd("show", "--db", db, NULL), 0);
	o = lists_out();
	ck_assert_ptr_nonnull(strstr(o, "no lists"));
	free(o);
}
END_TEST


/* ---- a store deleted, replaced, rolled back (guard.c, sidecar.c) ---- */

static bool
exists(const char *path)
{
	return access(path, F_OK) == 0;
}

START_TEST(t_identity_deleted)
{
	store_t *s = open_db(0);
	char what[512], wal[320];

	append(s, "{}", 1000);
	ck_assert_int_eq(store_identity(s, true, what, sizeof(what)), STORE_SAME);
	snprintf(wal, sizeof(wal), "%s-wal", db);
	ck_assert(exists(wal));
	ck_assert_int_eq(unlink(wal), 0);
	ck_assert_int_eq(store_identity(s, false, what, sizeof(what)),
	    STORE_DELETED);
	ck_assert_ptr_nonnull(strstr(what, "-wal deleted"));
	ck_assert_int_eq(unlink(db), 0);
	ck_assert_int_eq(store_identity(s, false, what, sizeof(what)),
	    STORE_DELETED);
	ck_assert_ptr_nonnull(strstr(what, "wg.db deleted"));
	/* the open file still takes commits and gives them to the sync */
	append(s, "{\"after\":1}", 2000);
	ck_assert_int_eq(store_count_unsynced(s), 2);
	ck_assert_int_eq(store_high_seq(s), 2);
	store_close(s);
}
END_TEST

START_TEST(t_identity_replaced)
{
	store_t *s = open_db(0);
	char what[512], copy[320], cmd[800];

	append(s, "{}", 1000);
	snprintf(copy, sizeof(copy), "%s/copy.db", dir);
	snprintf(cmd, sizeof(cmd), "sqlite3 '%s' \".backup '%s'\"", db, copy);
	ck_assert_int_eq(system(cmd), 0);
	append(s, "{}", 2000);
	ck_assert_int_eq(rename(copy, db), 0);
	ck_assert_int_eq(store_identity(s, false, what, sizeof(what)),
	    STORE_REPLACED);
	ck_assert_ptr_nonnull(strstr(what, "replaced by another file"));
	store_close(s);
}
END_TEST

/* An older copy written over the file in place: the append refuses. */
START_TEST(t_identity_went_back)
{
	store_t *s = open_db(0);
	struct store_appended ap;
	char what[512];

	append(s, "{}", 1000);
	append(s, "{}", 2000);
	append(s, "{}", 3000);
	/* another writer takes the log back (as an overwrite in place would) */
	sql_exec("DELETE FROM events WHERE seq > 1");
	ck_assert_int_eq(store_identity(s, true, what, sizeof(what)),
	    STORE_WENT_BACK);
	ck_assert_int_eq(store_append(s, "weighing", false, "{}", 4000, NULL, 0, &ap),
	    STORE_ERROR);
	ck_assert_ptr_nonnull(strstr(store_errmsg(s), "went back"));
	ck_assert_int_eq(store_last_seq(s), 1);
	store_close(s);
}
END_TEST

START_TEST(t_fetch_seq_and_forked)
{
	store_t *s = open_db(0);
	struct store_batch b;
	int i;

	for (i = 0; i < 5; i++)
		append(s, "{}", 1000 + i);
	ck_assert_int_eq(store_fetch_seq(s, 3, &b), 0);
	ck_assert_uint_eq(b.n, 1);
	ck_assert_int_eq(b.ev[0].seq, 3);
	store_batch_free(&b);
	ck_assert_int_eq(store_fetch_seq(s, 9, &b), 0);
	ck_assert_uint_eq(b.n, 0);
	ck_assert_int_eq(store_mark_forked(s, 3, "stale"), 2);
	ck_assert_int_eq(store_count_unsynced(s), 3);
	ck_assert_int_eq(count_rejected(s), 2);
	store_close(s);
}
END_TEST

START_TEST(t_sidecar_roundtrip)
{
	struct sidecar a = { .seq = 42, .platform_seq = 40, .fork_after = -1 },
	    b;
	char path[320], err[256];
	FILE *f;

	snprintf(a.chain, sizeof(a.chain),
	    "0b6f3d2e-1c4a-4e2b-9f00-123456789abc");
	ck_assert_int_eq(sidecar_path(db, path, sizeof(path)), 0);
	ck_assert_int_eq(sidecar_read(path, &b, err, sizeof(err)), 0);
	ck_assert_int_eq(sidecar_write(path, &a), 0);
	ck_assert_int_eq(sidecar_read(path, &b, err, sizeof(err)), 1);
	ck_assert_str_eq(b.chain, a.chain);
	ck_assert_int_eq(b.seq, 42);
	ck_assert_int_eq(b.platform_seq, 40);
	ck_assert_int_eq(b.fork_after, -1);
	/* garbage is no sidecar, said with the line */
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	fputs("chain 0b6f3d2e-1c4a-4e2b-9f00-123456789abc\nseq x\n", f);
	fclose(f);
	ck_assert_int_eq(sidecar_read(path, &b, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, ":2:"));
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	fclose(f);
	ck_assert_int_eq(sidecar_read(path, &b, err, sizeof(err)), -1);
}
END_TEST

START_TEST(t_sidecar_judge)
{
	struct sidecar sc = { .seq = 10, .platform_seq = 0, .fork_after = -1 };
	const char *c = "0b6f3d2e-1c4a-4e2b-9f00-123456789abc";
	const char *other = "1b6f3d2e-1c4a-4e2b-9f00-123456789abc";

	snprintf(sc.chain, sizeof(sc.chain), "%s", c);
	ck_assert_int_eq(sidecar_judge(NULL, true, c, 3), SC_OK);
	ck_assert_int_eq(sidecar_judge(NULL, false, NULL, 0), SC_OK);
	ck_assert_int_eq(sidecar_judge(&sc, false, NULL, 0), SC_STORE_MISSING);
	ck_assert_int_eq(sidecar_judge(&sc, true, c, 10), SC_OK);
	ck_assert_int_eq(sidecar_judge(&sc, true, c, 11), SC_OK);
	ck_assert_int_eq(sidecar_judge(&sc, true, c, 9), SC_BEHIND_SIDECAR);
	ck_assert_int_eq(sidecar_judge(&sc, true, other, 1), SC_OK);
	sc.platform_seq = 12;
	ck_assert_int_eq(sidecar_judge(&sc, true, c, 11), SC_BEHIND_PLATFORM);
	sc.fork_after = 10;
	ck_assert_int_eq(sidecar_judge(&sc, true, c, 20), SC_FORKED);
	ck_assert(sidecar_is_aside("wg.db", "wg.db.old-20260101T000000Z-behind"));
	ck_assert(!sidecar_is_aside("wg.db", "wg.db.old-20260101T000000Z-behind-wal"));
	ck_assert(!sidecar_is_aside("wg.db", "wg.db.chain"));
	ck_assert(!sidecar_is_aside("wg.db", "wg.db"));
}
END_TEST

/* Reopened on an older copy: a new chain, the copy aside and drained. */
START_TEST(t_guard_rollback)
{
	struct guard g;
	store_t *s, *old[GUARD_MAX_ASIDE];
	struct store_batch b;
	char err[512], chain[STORE_UUID_LEN + 1], copy[320], cmd[800];
	int i;

	ck_assert_ptr_nonnull(s = guard_open(&g, db, 0, err, sizeof(err)));
	ck_assert(g.trust_lane_seq);
	snprintf(chain, sizeof(chain), "%s", store_chain(s));
	for (i = 0; i < 3; i++)
		append(s, "{}", 1000 + i);
	snprintf(copy, sizeof(copy), "%s/copy.db", dir);
	snprintf(cmd, sizeof(cmd), "sqlite3 '%s' \".backup '%s'\"", db, copy);
	ck_assert_int_eq(system(cmd), 0);
	append(s, "{}", 2000);
	append(s, "{}", 2001);
	guard_tick(&g, s);
	store_close(s);
	ck_assert_int_eq(rename(copy, db), 0);

	ck_assert_ptr_nonnull(s = guard_open(&g, db, 0, err, sizeof(err)));
	ck_assert_int_eq(g.rolled, SC_BEHIND_SIDECAR);
	ck_assert(!g.trust_lane_seq);
	ck_assert_str_ne(store_chain(s), chain);
	ck_assert_int_eq(store_fetch_seq(s, 1, &b), 0);
	ck_assert_uint_eq(b.n, 1);
	ck_assert_str_eq(b.ev[0].kind, "store_rollback");
	ck_assert_ptr_nonnull(strstr(b.ev[0].body, chain));
	ck_assert_ptr_nonnull(strstr(b.ev[0].body, "\"store_seq\":3,"));
	ck_assert_ptr_nonnull(strstr(b.ev[0].body, "\"committed_seq\":5,"));
	store_batch_free(&b);
	/* the copy is aside with its three unsynced events */
	ck_assert_int_eq(guard_asides(&g, old, GUARD_MAX_ASIDE), 1);
	ck_assert_str_eq(store_chain(old[0]), chain);
	ck_assert_int_eq(store_count_unsynced(old[0]), 3);
	store_close(old[0]);
	store_close(s);
	/* a normal restart: the same chain, lane seqs trusted */
	ck_assert_ptr_nonnull(s = guard_open(&g, db, 0, err, sizeof(err)));
	ck_assert_int_eq(g.rolled, SC_OK);
	ck_assert(g.trust_lane_seq);
	store_close(s);
}
END_TEST

/* Deleted, then the platform shows a store behind: both roll forward. */
START_TEST(t_guard_missing_and_platform)
{
	struct guard g;
	store_t *s, *old[GUARD_MAX_ASIDE];
	struct store_batch b;
	char err[512], chain[STORE_UUID_LEN + 1];

	ck_assert_ptr_nonnull(s = guard_open(&g, db, 0, err, sizeof(err)));
	append(s, "{}", 1000);
	guard_tick(&g, s);
	store_close(s);
	ck_assert_int_eq(unlink(db), 0);
	ck_assert_ptr_nonnull(s = guard_open(&g, db, 0, err, sizeof(err)));
	ck_assert_int_eq(g.rolled, SC_STORE_MISSING);
	snprintf(chain, sizeof(chain), "%s", store_chain(s));
	append(s, "{}", 2000);	/* seq 2 after store_rollback */
	ck_assert(!guard_platform(&g, s, chain, 2));
	ck_assert(!guard_platform(&g, s, "other", 9));
	ck_assert(guard_platform(&g, s, chain, 7));
	guard_tick(&g, s);
	store_close(s);
	ck_assert_ptr_nonnull(s = guard_open(&g, db, 0, err, sizeof(err)));
	ck_assert_int_eq(g.rolled, SC_FORKED);
	ck_assert_str_ne(store_chain(s), chain);
	/* the stale continuation (seq 2) is recorded again after the rollback */
	ck_assert_int_eq(store_fetch_after(s, 0, 10, &b), 0);
	ck_assert_uint_eq(b.n, 2);
	ck_assert_str_eq(b.ev[0].kind, "store_rollback");
	ck_assert_ptr_nonnull(strstr(b.ev[0].body, "\"carried\":1}"));
	ck_assert_ptr_nonnull(strstr(b.ev[0].body, "\"revealed_by\":\"platform\""));
	ck_assert_str_eq(b.ev[1].kind, "weighing");
	ck_assert_str_eq(b.ev[1].ts, "1970-01-01T00:00:02.000Z");
	store_batch_free(&b);
	ck_assert_int_eq(guard_asides(&g, old, GUARD_MAX_ASIDE), 1);
	ck_assert_int_eq(store_count_unsynced(old[0]), 1);	/* its rollback */
	ck_assert_int_eq(count_rejected(old[0]), 1);	/* kept, not sent */
	store_close(old[0]);
	store_close(s);
}
END_TEST

CU_SUITE("store")
{
	cu_tcase(s, "store", 60, cu_db_setup, cu_db_teardown, t_create_reopen,
	    t_append_chain, t_append_bad_args, t_lane_seq, t_lane_seq_set,
	    t_lane_seq_atomic, t_fetch, t_mark, t_prune, t_prune_batches,
	    t_verify_body_edited, t_verify_row_deleted, t_verify_hash_reordered,
	    t_verify_rehashed, t_verify_first_prev, t_full, t_lists,
	    t_migration, t_migration_newer, t_urgent_reopen,
	    t_migration_urgency, t_open_fails, t_identity_deleted,
	    t_identity_replaced, t_identity_went_back, t_fetch_seq_and_forked,
	    t_sidecar_roundtrip, t_sidecar_judge, t_guard_rollback,
	    t_guard_missing_and_platform);
	cu_tcase(s, "cmd_lists", 30, cu_db_setup, cu_db_teardown, t_cmd_lists,
	    t_cmd_lists_empty);
}
