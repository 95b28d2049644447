/* The event store of docs/design.md §6: SQLite, hash-chained, gapless, append-only. */
#ifndef WEIGHGATE_STORE_H
#define WEIGHGATE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct store store_t;

#define STORE_UUID_LEN 36
#define STORE_HASH_LEN 64

enum store_status {
	STORE_OK = 0,
	STORE_FULL,		/* db_max_mb reached or disk full: lanes go FAULT */
	STORE_ERROR		/* any other failure */
};

/* What append returns about the event it committed. */
struct store_appended {
	char uuid[STORE_UUID_LEN + 1];
	int64_t seq;
	char hash[STORE_HASH_LEN + 1];
};

/* One stored event, as the sync sends it. */
struct store_event {
	char uuid[STORE_UUID_LEN + 1];
	int64_t seq;
	char kind[32];
	char ts[32];			/* YYYY-MM-DDTHH:MM:SS.mmmZ */
	char prev_hash[STORE_HASH_LEN + 1];
	char hash[STORE_HASH_LEN + 1];
	char *body;			/* compact JSON text, owned by the batch */
	bool urgent;			/* sent at once, not batched (sql/002) */
};

struct store_batch {
	size_t n;
	struct store_event *ev;
};

/*
 * Open (creating and migrating as needed) the store at path.  A new store
 * gets a fresh chain uuid.  db_max_mb 0 means no cap; the cap is SQLite's
 * max_page_count, so it bounds the database file but not its WAL file.
 * Returns NULL with err set on failure.
 */
store_t *store_open(const char *path, int64_t db_max_mb, char *err, size_t errlen);
void store_close(store_t *s);

const char *store_chain(const store_t *s);
/* What the last failed call hit; the store logs nothing itself. */
const char *store_errmsg(const store_t *s);

/*
 * Append one event atomically: the next seq, prev_hash of the last event,
 * hash = SHA-256(prev_hash_hex || body), stored with its urgency (whether
 * the sync sends it at once: EVENT_URGENT or EVENT_BATCHED of event.h; not
 * part of the hash, never sent).  When lane is not NULL, the lane's
 * last decided result sequence is set to result_seq in the same transaction.
 * Durable when it returns STORE_OK.
 */
enum store_status store_append(store_t *s, const char *kind, bool urgent,
    const char *body, int64_t ts_ms, const char *lane, int64_t result_seq,
    struct store_appended *out);

/* Last decided result sequence of a lane; 0 with *found false when none. */
int store_lane_seq(store_t *s, const char *lane, int64_t *seq, bool *found);

/*
 * Set a lane's result sequence reference with no event: one the lane took
 * as baseline, saw while in FAULT, or took after a reset of the scale.
 */
int store_set_lane_seq(store_t *s, const char *lane, int64_t result_seq);

/* The oldest unsynced, unrejected events: at most max_events, max_bytes of body. */
int store_fetch_unsynced(store_t *s, size_t max_events, size_t max_bytes,
    struct store_batch *out);
void store_batch_free(struct store_batch *b);

int store_mark_synced(store_t *s, const char *const *uuids, size_t n);
int store_mark_rejected(store_t *s, const char *uuid, const char *error);

/* Counts for the status board and metrics. */
int64_t store_count_unsynced(store_t *s);
int64_t store_last_seq(store_t *s);

/*
 * Delete synced events with ts before before_ms, in short transactions;
 * never unsynced or rejected ones, nor the newest event (the chain's tail).
 * Returns rows deleted or -1.
 */
int64_t store_prune(store_t *s, int64_t before_ms);
/*
 * The same, stopping after at least max_rows (0: no bound), a whole batch
 * at a time; *more tells whether prunable events may remain.
 */
/* A transaction needing fresh pages commits (0) or not (-1, store_errmsg). */
int store_probe(store_t *s);

int64_t store_prune_some(store_t *s, int64_t before_ms, int64_t max_rows,
    bool *more);

/* The list document in force: the text as validated, its source and time. */
int store_lists_save(store_t *s, const char *doc, const char *source, int64_t ts_ms);
/*
 * Save the list document and append its lists_applied event (body
 * event_body, at ts_ms, batched) in one transaction: both or neither.
 */
enum store_status store_lists_apply(store_t *s, const char *doc,
    const char *source, int64_t ts_ms, const char *event_body,
    struct store_appended *out);
/* *doc is malloc'd (caller frees) or NULL when none is stored. */
int store_lists_load(store_t *s, char **doc, char source[16], int64_t *ts_ms);

/* ---- a store deleted, replaced or rolled back (docs/operations.md) ---- */

enum store_identity {
	STORE_SAME = 0,
	STORE_DELETED,		/* the path or its -wal is gone */
	STORE_REPLACED,		/* another file is at the path or its -wal */
	STORE_WENT_BACK		/* the log holds less than was committed */
};

/*
 * Is the store still the file it opened?  The path and its -wal have the
 * device and inode they had at open (stat(); a path that cannot be
 * examined for another reason is no verdict), and no append found the log
 * shorter than what was committed through this handle.  deep also reads
 * the last seq (a file overwritten in place).  what says, when not.
 */
enum store_identity store_identity(store_t *s, bool deep, char *what,
    size_t len);
/*
 * Copy the store as it is (the file still open, deleted or not) to a new
 * file dest, a few pages per step so that the loop never waits long:
 * begin 0 or -1; step 0 more to do, 1 done, -1 failed (store_errmsg).
 */
int store_save_begin(store_t *s, const char *dest);
int store_save_step(store_t *s, int pages);

/* The highest seq committed (or found at open) through this handle. */
int64_t store_high_seq(const store_t *s);
const char *store_path(const store_t *s);
/* The one event at seq (out->n 0 when there is none). */
int store_fetch_seq(store_t *s, int64_t seq, struct store_batch *out);
/* The same, only when it is synced (accepted by the platform). */
int store_fetch_synced(store_t *s, int64_t seq, struct store_batch *out);
/* The events after after_seq, oldest first, at most max_events. */
int store_fetch_after(store_t *s, int64_t after_seq, size_t max_events,
    struct store_batch *out);
/*
 * Unsynced events after after_seq are a stale continuation of a chain the
 * platform holds further: mark them rejected with why (kept, never sent).
 * Returns how many, or -1.
 */
int64_t store_mark_forked(store_t *s, int64_t after_seq, const char *why);

/*
 * Walk the whole log: seq from 1 without gap (a pruned prefix allowed, and
 * the gaps prune recorded between kept events), each prev_hash the hash
 * before it, each hash matching.  Returns 0 when sound, -1 with err naming the first
 * broken seq.
 */
int store_verify(store_t *s, char *err, size_t errlen);

/* ---- the station board's rebuild at start (alarms.c) ---- */

/*
 * The newest max_events events whose kind is in kinds (a JSON array of
 * kinds), or weighings whose decision is in decisions (likewise), newest
 * first.  Reads the whole log: for the start only.
 */
int store_fetch_newest(store_t *s, const char *kinds, const char *decisions,
    size_t max_events, struct store_batch *out);
/*
 * The events of kinds (a JSON array) committed at or after since_ms,
 * counted by kind and the body's "decision" ("" for none): fn once per
 * pair.  0 or -1.
 */
int store_count_since(store_t *s, const char *kinds, int64_t since_ms,
    void (*fn)(void *arg, const char *kind, const char *decision, int64_t n),
    void *arg);

/* ---- a store read only (weighgate replay) ---- */

/*
 * A store file opened read-only: no migration, no pragma, no write; only
 * the readers below, each statement prepared when first used.
 */
typedef struct store_reader store_reader_t;

/* NULL with err (SQLite's message) when the file is not a weighgate store. */
store_reader_t *store_reader_open(const char *path, char *err, size_t errlen);
void store_reader_close(store_reader_t *r);
/*
 * The next weighing event in seq order: 1 with its seq and body (NULL when
 * it has none; valid until the next call), 0 after the last, -1 with err.
 */
int store_reader_weighing(store_reader_t *r, int64_t *seq, const char **body,
    size_t *len, char *err, size_t errlen);
/*
 * The stored list document (malloc'd, the caller frees), NULL when none is
 * stored or the file has no lists table; NULL with err set on failure.
 */
char *store_reader_lists(store_reader_t *r, char *err, size_t errlen);

#endif
