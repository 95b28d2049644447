/*
 * The receiver's SQLite store: events keyed by uuid, counters per
 * (controller, chain), and the chain verdict kept up to date at insert.
 *
 * A request is one transaction (pdb_begin .. pdb_commit).  Per event it
 * costs three statements: the uuid lookup, one range read of the stored
 * neighbours seq - 1 .. seq + 1 (a second event for the seq, and both
 * links), the insert.  The per-chain counters are tallied in memory and
 * written once, just before the commit.
 */
#include <sqlite3.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "weighgate/chain.h"
#include "weighgate/log.h"

#include "platform.h"

static const char pdb_schema[] =
    "PRAGMA journal_mode=WAL;"
    "PRAGMA synchronous=FULL;"
    /* Checkpoint every 32 MiB, not 4: index pages are copied less often. */
    "PRAGMA wal_autocheckpoint=8192;"
    "CREATE TABLE IF NOT EXISTS events ("
    " uuid TEXT PRIMARY KEY, controller TEXT NOT NULL, chain TEXT NOT NULL,"
    " seq INTEGER NOT NULL, kind TEXT NOT NULL, ts TEXT NOT NULL,"
    " prev_hash TEXT NOT NULL, hash TEXT NOT NULL, body TEXT NOT NULL,"
    " received_ms INTEGER NOT NULL, UNIQUE (controller, chain, seq));"
    "CREATE TABLE IF NOT EXISTS chains ("
    " controller TEXT NOT NULL, chain TEXT NOT NULL,"
    " received INTEGER NOT NULL DEFAULT 0,"
    " duplicates INTEGER NOT NULL DEFAULT 0,"
    " rejected INTEGER NOT NULL DEFAULT 0,"
    " broken_seq INTEGER, broken_why TEXT,"
    " PRIMARY KEY (controller, chain));";

#define PDB_TALLIES	8	/* chains counted in memory per transaction */

enum pdb_stmt {
	S_BY_UUID, S_NEAR, S_INSERT, S_CHAIN_ENSURE, S_COUNT, S_BREAK,
	S_BEGIN, S_COMMIT, S_ROLLBACK, S_LAST_SEQ, S__N
};

static const char *const pdb_sql[S__N] = {
	[S_BY_UUID] = "SELECT controller, chain, seq, kind, ts, prev_hash, hash,"
	    " body FROM events WHERE uuid = ?1",
	[S_NEAR] = "SELECT seq, uuid, prev_hash, hash FROM events"
	    " WHERE controller = ?1 AND chain = ?2"
	    " AND seq BETWEEN ?3 - 1 AND ?3 + 1",
	[S_INSERT] = "INSERT INTO events (uuid, controller, chain, seq, kind,"
	    " ts, prev_hash, hash, body, received_ms)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
	[S_CHAIN_ENSURE] = "INSERT OR IGNORE INTO chains (controller, chain)"
	    " VALUES (?1, ?2)",
	[S_COUNT] = "UPDATE chains SET received = received + ?3,"
	    " duplicates = duplicates + ?4, rejected = rejected + ?5"
	    " WHERE controller = ?1 AND chain = ?2",
	[S_BREAK] = "UPDATE chains SET broken_seq = ?3, broken_why = ?4"
	    " WHERE controller = ?1 AND chain = ?2"
	    " AND (broken_seq IS NULL OR broken_seq > ?3)",
	[S_BEGIN] = "BEGIN IMMEDIATE",
	[S_COMMIT] = "COMMIT",
	[S_ROLLBACK] = "ROLLBACK",
	[S_LAST_SEQ] = "SELECT coalesce(max(seq), 0) FROM events"
	    " WHERE controller = ?1 AND chain = ?2",
};

/* Counter changes of one chain not yet written to its row. */
struct tally {
	char controller[PLAT_ID_MAX + 1];
	char chain[PLAT_ID_MAX + 1];
	int64_t received, dups, rejected;
};

/* The stored events at seq - 1, seq, seq + 1 of the new event's chain. */
struct near {
	bool have[3];
	char uuid[3][64];
	char prev[3][65];
	char hash[3][65];
};

struct pdb {
	sqlite3 *db;
	sqlite3_stmt *st[S__N];
	struct tally tally[PDB_TALLIES];
	int ntally;
};

/* Bind text parameters 1..n from a list of strings. */
static void
bind_texts(sqlite3_stmt *s, int n, const char *const *v)
{
	int i;

	for (i = 0; i < n; i++)
		sqlite3_bind_text(s, i + 1, v[i], -1, SQLITE_STATIC);
}

/* Step a statement that returns no row; 0 or -1. */
static int
run(struct pdb *db, enum pdb_stmt k)
{
	sqlite3_stmt *s = db->st[k];
	int rc = sqlite3_step(s);

	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	if (rc != SQLITE_DONE) {
		log_warnx("platform db: %s: %s", pdb_sql[k],
		    sqlite3_errmsg(db->db));
		return -1;
	}
	return 0;
}

struct pdb *
pdb_open(const char *path, int readonly)
{
	struct pdb *db;
	int flags, i;

	if ((db = calloc(1, sizeof(*db))) == NULL)
		return NULL;
	flags = readonly ? SQLITE_OPEN_READONLY :
	    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
	if (sqlite3_open_v2(path, &db->db, flags, NULL) != SQLITE_OK) {
		log_warnx("%s: %s", path, sqlite3_errmsg(db->db));
		goto fail;
	}
	sqlite3_busy_timeout(db->db, 5000);
	if (readonly)
		return db;
	if (sqlite3_exec(db->db, pdb_schema, NULL, NULL, NULL) != SQLITE_OK) {
		log_warnx("%s: %s", path, sqlite3_errmsg(db->db));
		goto fail;
	}
	for (i = 0; i < S__N; i++) {
		if (sqlite3_prepare_v3(db->db, pdb_sql[i], -1,
		    SQLITE_PREPARE_PERSISTENT, &db->st[i], NULL) != SQLITE_OK) {
			log_warnx("%s: %s", path, sqlite3_errmsg(db->db));
			goto fail;
		}
	}
	return db;
fail:
	pdb_close(db);
	return NULL;
}

void
pdb_close(struct pdb *db)
{
	int i;

	if (db == NULL)
		return;
	for (i = 0; i < S__N; i++)
		sqlite3_finalize(db->st[i]);
	sqlite3_close(db->db);
	free(db);
}

int64_t
pdb_last_seq(struct pdb *db, const char *controller, const char *chain)
{
	const char *v[2] = { controller, chain };
	sqlite3_stmt *s = db->st[S_LAST_SEQ];
	int64_t seq = -1;

	bind_texts(s, 2, v);
	if (sqlite3_step(s) == SQLITE_ROW)
		seq = sqlite3_column_int64(s, 0);
	else
		log_warnx("platform db: %s: %s", pdb_sql[S_LAST_SEQ],
		    sqlite3_errmsg(db->db));
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return seq;
}

/* Make sure the chain has its row in chains. */
static int
chain_ensure(struct pdb *db, const char *controller, const char *chain)
{
	const char *v[2] = { controller, chain };

	bind_texts(db->st[S_CHAIN_ENSURE], 2, v);
	return run(db, S_CHAIN_ENSURE);
}

/* Write the tallied counters to their rows and forget them. */
static int
flush_tallies(struct pdb *db)
{
	struct tally *t;
	sqlite3_stmt *s = db->st[S_COUNT];
	int i, rc = 0;

	for (i = 0; i < db->ntally && rc == 0; i++) {
		t = &db->tally[i];
		if (chain_ensure(db, t->controller, t->chain) != 0)
			rc = -1;
		else {
			bind_texts(s, 2, (const char *const[2]){ t->controller,
			    t->chain });
			sqlite3_bind_int64(s, 3, t->received);
			sqlite3_bind_int64(s, 4, t->dups);
			sqlite3_bind_int64(s, 5, t->rejected);
			rc = run(db, S_COUNT);
		}
	}
	db->ntally = 0;
	return rc;
}

int
pdb_begin(struct pdb *db)
{
	db->ntally = 0;
	return run(db, S_BEGIN);
}

int
pdb_commit(struct pdb *db)
{
	if (flush_tallies(db) != 0)
		return -1;
	return run(db, S_COMMIT);
}

void
pdb_rollback(struct pdb *db)
{
	db->ntally = 0;
	(void)run(db, S_ROLLBACK);
}

/* Add to a chain's counters (written at commit). */
static int
count(struct pdb *db, const char *controller, const char *chain,
    int received, int dups, int rejected)
{
	struct tally *t = NULL;
	int i;

	for (i = 0; i < db->ntally && t == NULL; i++)
		if (strcmp(db->tally[i].chain, chain) == 0 &&
		    strcmp(db->tally[i].controller, controller) == 0)
			t = &db->tally[i];
	if (t == NULL) {
		if (db->ntally == PDB_TALLIES && flush_tallies(db) != 0)
			return -1;
		t = &db->tally[db->ntally++];
		memset(t, 0, sizeof(*t));
		snprintf(t->controller, sizeof(t->controller), "%s",
		    controller);
		snprintf(t->chain, sizeof(t->chain), "%s", chain);
	}
	t->received += received;
	t->dups += dups;
	t->rejected += rejected;
	return 0;
}

int
pdb_count_rejected(struct pdb *db, const char *controller, const char *chain)
{
	return count(db, controller, chain, 0, 0, 1);
}

/* Record that the chain breaks at seq (the lowest break is kept). */
static int
mark_broken(struct pdb *db, const char *controller, const char *chain,
    int64_t seq, const char *why)
{
	const char *v[2] = { controller, chain };
	sqlite3_stmt *s = db->st[S_BREAK];

	log_warnx("controller %s chain %s: broken at seq %lld: %s",
	    controller, chain, (long long)seq, why);
	if (chain_ensure(db, controller, chain) != 0)
		return -1;
	bind_texts(s, 2, v);
	sqlite3_bind_int64(s, 3, seq);
	sqlite3_bind_text(s, 4, why, -1, SQLITE_TRANSIENT);
	return run(db, S_BREAK);
}

/* Column i of the current row equals the text t. */
static int
col_is(sqlite3_stmt *s, int i, const char *t, size_t len)
{
	const unsigned char *c = sqlite3_column_text(s, i);
	size_t n = (size_t)sqlite3_column_bytes(s, i);

	return c != NULL && n == len && memcmp(c, t, len) == 0;
}

/*
 * The event already stored under this uuid: 1 the same, 0 different,
 * -1 none, -2 error.
 */
static int
same_as_stored(struct pdb *db, const char *controller, const struct pevent *e)
{
	sqlite3_stmt *s = db->st[S_BY_UUID];
	int rc, same;

	sqlite3_bind_text(s, 1, e->uuid, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		same = col_is(s, 0, controller, strlen(controller)) &&
		    col_is(s, 1, e->chain, strlen(e->chain)) &&
		    sqlite3_column_int64(s, 2) == e->seq &&
		    col_is(s, 3, e->kind, strlen(e->kind)) &&
		    col_is(s, 4, e->ts, strlen(e->ts)) &&
		    col_is(s, 5, e->prev_hash, 64) &&
		    col_is(s, 6, e->hash, 64) &&
		    col_is(s, 7, e->body, e->body_len);
	} else
		same = rc == SQLITE_DONE ? -1 : -2;
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return same;
}

/* Read the stored events at seq - 1 .. seq + 1 of e's chain; 0 or -1. */
static int
near_read(struct pdb *db, const char *controller, const struct pevent *e,
    struct near *nb)
{
	const char *v[2] = { controller, e->chain };
	sqlite3_stmt *s = db->st[S_NEAR];
	int rc, k;

	memset(nb->have, 0, sizeof(nb->have));
	bind_texts(s, 2, v);
	sqlite3_bind_int64(s, 3, e->seq);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		k = (int)(sqlite3_column_int64(s, 0) - (e->seq - 1));
		if (k < 0 || k > 2)
			continue;
		nb->have[k] = true;
		snprintf(nb->uuid[k], sizeof(nb->uuid[k]), "%s",
		    sqlite3_column_text(s, 1));
		snprintf(nb->prev[k], sizeof(nb->prev[k]), "%s",
		    sqlite3_column_text(s, 2));
		snprintf(nb->hash[k], sizeof(nb->hash[k]), "%s",
		    sqlite3_column_text(s, 3));
	}
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	if (rc != SQLITE_DONE) {
		log_warnx("platform db: %s: %s", pdb_sql[S_NEAR],
		    sqlite3_errmsg(db->db));
		return -1;
	}
	return 0;
}

/* Check the new event's links to its stored neighbours (docs/design.md §6). */
static int
check_links(struct pdb *db, const char *controller, const struct pevent *e,
    const struct near *nb)
{
	char why[128];

	if (e->seq == 1 && strcmp(e->prev_hash, CHAIN_ZERO_HASH) != 0 &&
	    mark_broken(db, controller, e->chain, 1,
	    "prev_hash of seq 1 is not 64 zeros") != 0)
		return -1;
	if (nb->have[0] && strcmp(nb->hash[0], e->prev_hash) != 0) {
		snprintf(why, sizeof(why), "prev_hash does not match the hash "
		    "of seq %lld", (long long)(e->seq - 1));
		if (mark_broken(db, controller, e->chain, e->seq, why) != 0)
			return -1;
	}
	if (nb->have[2] && strcmp(nb->prev[2], e->hash) != 0) {
		snprintf(why, sizeof(why), "prev_hash does not match the hash "
		    "of seq %lld", (long long)e->seq);
		if (mark_broken(db, controller, e->chain, e->seq + 1, why) != 0)
			return -1;
	}
	return 0;
}

/* Insert a new event. */
static int
insert(struct pdb *db, const char *controller, const struct pevent *e,
    int64_t now_ms)
{
	const char *v[3] = { e->uuid, controller, e->chain };
	sqlite3_stmt *s = db->st[S_INSERT];

	bind_texts(s, 3, v);
	sqlite3_bind_int64(s, 4, e->seq);
	sqlite3_bind_text(s, 5, e->kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 6, e->ts, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 7, e->prev_hash, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 8, e->hash, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 9, e->body, (int)e->body_len, SQLITE_STATIC);
	sqlite3_bind_int64(s, 10, now_ms);
	return run(db, S_INSERT);
}

/*
 * Store one event whose own hash has been checked: dedup by uuid, refuse
 * a second event for a seq, update counters and the chain verdict.
 */
enum pdb_put
pdb_put(struct pdb *db, const char *controller, const struct pevent *e,
    int64_t now_ms)
{
	struct near nb;
	char why[160];
	int rc;

	rc = same_as_stored(db, controller, e);
	if (rc == -2)
		return PUT_ERROR;
	if (rc == 1)
		return count(db, controller, e->chain, 0, 1, 0) == 0 ?
		    PUT_DUP : PUT_ERROR;
	if (rc == 0)
		return count(db, controller, e->chain, 0, 0, 1) == 0 ?
		    PUT_UUID_CONFLICT : PUT_ERROR;
	if (near_read(db, controller, e, &nb) != 0)
		return PUT_ERROR;
	if (nb.have[1]) {
		snprintf(why, sizeof(why), "two events with seq %lld (%s, %s)",
		    (long long)e->seq, nb.uuid[1], e->uuid);
		if (mark_broken(db, controller, e->chain, e->seq, why) != 0 ||
		    count(db, controller, e->chain, 0, 0, 1) != 0)
			return PUT_ERROR;
		return PUT_SEQ_CONFLICT;
	}
	if (insert(db, controller, e, now_ms) != 0 ||
	    count(db, controller, e->chain, 1, 0, 0) != 0 ||
	    check_links(db, controller, e, &nb) != 0)
		return PUT_ERROR;
	return PUT_NEW;
}
