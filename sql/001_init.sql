-- The event store of docs/design.md §6, first schema.  Applied by store.c in one
-- transaction, after which PRAGMA user_version is 1.

-- The chain: one row, made when the store is created (store.c fills it with
-- a uuid4 from chain_uuid4 in the same transaction as this migration).
CREATE TABLE meta (
	id		INTEGER PRIMARY KEY CHECK (id = 1),
	chain		TEXT NOT NULL CHECK (length(chain) = 36),
	created_ms	INTEGER NOT NULL
) STRICT;

-- The append-only log: seq gapless from 1, hash = SHA-256(prev_hash || body).
-- state: 0 unsynced, 1 synced (accepted by the platform), 2 rejected.
CREATE TABLE events (
	seq		INTEGER PRIMARY KEY CHECK (seq >= 1),
	uuid		TEXT NOT NULL UNIQUE CHECK (length(uuid) = 36),
	kind		TEXT NOT NULL,
	ts		TEXT NOT NULL,
	ts_ms		INTEGER NOT NULL,
	prev_hash	TEXT NOT NULL CHECK (length(prev_hash) = 64),
	hash		TEXT NOT NULL CHECK (length(hash) = 64),
	body		TEXT NOT NULL,
	state		INTEGER NOT NULL DEFAULT 0 CHECK (state IN (0, 1, 2)),
	error		TEXT,
	synced_ms	INTEGER
) STRICT;

-- The sync's fetch (oldest unsynced first) and the backlog count.
CREATE INDEX events_unsynced ON events (seq) WHERE state = 0;
-- The rejected count (rare rows, so a cheap index).
CREATE INDEX events_rejected ON events (seq) WHERE state = 2;
-- (Pruning walks events in seq order: old synced ones are the front.)

-- Runs of events pruned from between kept ones (kept: unsynced and rejected
-- events, which prune never deletes): seq first..last are gone on purpose,
-- and last_hash is what the next kept event's prev_hash must be.  A pruned
-- prefix needs no entry.  store_verify accepts exactly these gaps.
CREATE TABLE gaps (
	first		INTEGER PRIMARY KEY,
	last		INTEGER NOT NULL UNIQUE CHECK (last >= first),
	last_hash	TEXT NOT NULL CHECK (length(last_hash) = 64)
) STRICT;

-- Per lane, the scale's last decided result sequence, written in the same
-- transaction as the event that decided it.
CREATE TABLE lane_seq (
	lane		TEXT PRIMARY KEY,
	result_seq	INTEGER NOT NULL
) STRICT;

-- The list document in force (one row): the text as validated.
CREATE TABLE lists (
	id		INTEGER PRIMARY KEY CHECK (id = 1),
	doc		TEXT NOT NULL,
	source		TEXT NOT NULL CHECK (source IN ('platform', 'local')),
	ts_ms		INTEGER NOT NULL
) STRICT;
