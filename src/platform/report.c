/*
 * `weighgate-platform report DB`: per controller and chain, what arrived,
 * the sequence gaps and the chain verdict, re-checked from the stored rows.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "weighgate/chain.h"

#include "platform.h"

#define EX_NOINPUT	66
#define SHOW_RANGES	5

/* What one chain looks like after walking its events in seq order. */
struct walk {
	int64_t events, first, last, missing, ranges;
	int64_t broken_seq;		/* 0: none */
	char why[160];
	char prev_hash[65];
	int64_t prev_seq;
	char shown[256];		/* the first missing ranges */
};

static void
walk_break(struct walk *w, int64_t seq, const char *why)
{
	if (w->broken_seq != 0 && w->broken_seq <= seq)
		return;
	w->broken_seq = seq;
	snprintf(w->why, sizeof(w->why), "%s", why);
}

/* Note the missing seqs [from, to]. */
static void
walk_gap(struct walk *w, int64_t from, int64_t to)
{
	size_t n = strlen(w->shown);

	w->missing += to - from + 1;
	if (w->ranges++ >= SHOW_RANGES) {
		if (w->ranges == SHOW_RANGES + 1)
			snprintf(w->shown + n, sizeof(w->shown) - n, ", ...");
		return;
	}
	if (from == to)
		snprintf(w->shown + n, sizeof(w->shown) - n, "%s%lld",
		    n ? ", " : "", (long long)from);
	else
		snprintf(w->shown + n, sizeof(w->shown) - n, "%s%lld-%lld",
		    n ? ", " : "", (long long)from, (long long)to);
}

/* One event of the walk: gaps before it, its hash, its link. */
static void
walk_step(struct walk *w, int64_t seq, const char *prev, const char *hash,
    const char *body, size_t len)
{
	char h[65], why[96];

	if (w->events++ == 0)
		w->first = seq;
	if (seq > w->prev_seq + 1)
		walk_gap(w, w->prev_seq + 1, seq - 1);
	chain_hash(prev, body, len, h);
	if (strcmp(h, hash) != 0)
		walk_break(w, seq, "hash does not match prev_hash and body");
	if (seq == 1 && strcmp(prev, CHAIN_ZERO_HASH) != 0)
		walk_break(w, seq, "prev_hash of seq 1 is not 64 zeros");
	if (seq == w->prev_seq + 1 && seq > 1 &&
	    strcmp(prev, w->prev_hash) != 0) {
		snprintf(why, sizeof(why), "prev_hash does not match the hash "
		    "of seq %lld", (long long)w->prev_seq);
		walk_break(w, seq, why);
	}
	snprintf(w->prev_hash, sizeof(w->prev_hash), "%s", hash);
	w->prev_seq = w->last = seq;
}

/* Walk the stored events of one chain; 0 or -1. */
static int
walk_chain(sqlite3 *db, const char *controller, const char *chain,
    struct walk *w)
{
	sqlite3_stmt *s;
	const char *prev, *hash;
	int rc;

	if (sqlite3_prepare_v2(db, "SELECT seq, prev_hash, hash, body FROM"
	    " events WHERE controller = ?1 AND chain = ?2 ORDER BY seq", -1,
	    &s, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(s, 1, controller, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, chain, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		prev = (const char *)sqlite3_column_text(s, 1);
		hash = (const char *)sqlite3_column_text(s, 2);
		if (prev == NULL || hash == NULL || strlen(prev) != 64) {
			walk_break(w, sqlite3_column_int64(s, 0),
			    "malformed stored row");
			continue;
		}
		walk_step(w, sqlite3_column_int64(s, 0), prev, hash,
		    (const char *)sqlite3_column_text(s, 3),
		    (size_t)sqlite3_column_bytes(s, 3));
	}
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* Print one chain's line; returns 1 when it is valid and gapless. */
static int
print_chain(FILE *out, sqlite3_stmt *s, const struct walk *w)
{
	fprintf(out, "controller %s chain %s: events %lld, duplicates %lld, "
	    "rejected %lld, seq ", sqlite3_column_text(s, 0),
	    sqlite3_column_text(s, 1), (long long)w->events,
	    (long long)sqlite3_column_int64(s, 3),
	    (long long)sqlite3_column_int64(s, 4));
	if (w->events > 0)
		fprintf(out, "%lld..%lld", (long long)w->first,
		    (long long)w->last);
	else
		fprintf(out, "none");
	fprintf(out, ", gaps %lld", (long long)w->missing);
	if (w->missing > 0)
		fprintf(out, " missing (%s)", w->shown);
	if (w->broken_seq == 0)
		fprintf(out, ", chain valid\n");
	else
		fprintf(out, ", chain broken at seq %lld: %s\n",
		    (long long)w->broken_seq, w->why);
	return w->broken_seq == 0 && w->missing == 0;
}

/* Report every chain; returns 0 all good, 1 not, -1 unreadable. */
static int
report_chains(sqlite3 *db, FILE *out)
{
	sqlite3_stmt *s;
	struct walk w;
	int64_t chains = 0, events = 0, dups = 0, missing = 0, broken = 0;
	int rc, good = 1;

	if (sqlite3_prepare_v2(db, "SELECT controller, chain, received,"
	    " duplicates, rejected, broken_seq, broken_why FROM chains"
	    " ORDER BY controller, chain", -1, &s, NULL) != SQLITE_OK)
		return -1;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		memset(&w, 0, sizeof(w));
		if (sqlite3_column_type(s, 5) != SQLITE_NULL)
			walk_break(&w, sqlite3_column_int64(s, 5),
			    (const char *)sqlite3_column_text(s, 6));
		if (walk_chain(db, (const char *)sqlite3_column_text(s, 0),
		    (const char *)sqlite3_column_text(s, 1), &w) != 0)
			break;
		good &= print_chain(out, s, &w);
		chains++;
		events += w.events;
		dups += sqlite3_column_int64(s, 3);
		missing += w.missing;
		broken += w.broken_seq != 0;
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return -1;
	fprintf(out, "total: chains %lld, events %lld, duplicates %lld, "
	    "missing %lld, broken chains %lld\n", (long long)chains,
	    (long long)events, (long long)dups, (long long)missing,
	    (long long)broken);
	return good ? 0 : 1;
}

int
pdb_report(const char *path, FILE *out)
{
	sqlite3 *db = NULL;
	int rc;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) !=
	    SQLITE_OK) {
		fprintf(stderr, "weighgate-platform: %s: %s\n", path,
		    sqlite3_errmsg(db));
		sqlite3_close(db);
		return EX_NOINPUT;
	}
	sqlite3_busy_timeout(db, 5000);
	rc = report_chains(db, out);
	if (rc < 0)
		fprintf(stderr, "weighgate-platform: %s: not a platform "
		    "database: %s\n", path, sqlite3_errmsg(db));
	sqlite3_close(db);
	return rc < 0 ? EX_NOINPUT : rc;
}
