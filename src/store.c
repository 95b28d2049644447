/* The event store of docs/design.md §6: SQLite, hash-chained, gapless, append-only. */
/*
 * One SQLite connection in WAL mode with synchronous=FULL, so a commit is
 * durable when it returns.  The schema comes from sql/ as migrations under
 * PRAGMA user_version; every statement is prepared once at open.  Appends
 * read the last (seq, hash) inside their BEGIN IMMEDIATE transaction rather
 * than from a cache, so another process appending to the same file (the
 * `weighgate lists import` tool next to the daemon) cannot fork the chain.
 * The store logs nothing: failures return -1 (or a status) and leave their
 * text for store_errmsg(), and the caller logs it with its context.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/stat.h>

#include <sqlite3.h>

#include "weighgate/chain.h"
#include "weighgate/event.h"
#include "weighgate/store.h"
#include "weighgate/timefmt.h"

#include "store_sql.h"

#define STORE_BUSY_MS		5000	/* wait for another writer's lock */
#define STORE_PRUNE_BATCH	1000	/* rows deleted per transaction */
#define STORE_KIND_MAX		31	/* fits struct store_event.kind */

struct store {
	sqlite3 *db;
	sqlite3_stmt *st[ST_N];
	int rc;				/* first SQLite failure of this call */
	char chain[STORE_UUID_LEN + 1];
	char err[256];
	/* the files opened (store_identity): the path and its -wal */
	char *path;
	struct file_id { dev_t dev; ino_t ino; bool known; } id_db, id_wal;
	int64_t high;			/* highest seq committed or read here */
	int64_t pending;		/* seq appended in the open transaction */
	/* a copy being saved (store_save_begin) */
	sqlite3 *save_db;
	sqlite3_backup *save;
	bool went_back;			/* an append found the log shorter */
};

/* Record the first failure of the current call (later ones follow from it). */
static void __attribute__((format(printf, 3, 4)))
seterr(struct store *s, int rc, const char *fmt, ...)
{
	va_list ap;

	if (s->rc != SQLITE_OK)
		return;
	s->rc = rc == SQLITE_OK ? SQLITE_ERROR : rc;
	va_start(ap, fmt);
	vsnprintf(s->err, sizeof(s->err), fmt, ap);
	va_end(ap);
}

/* Record a failed SQLite call, with the connection's error text. */
static int
sqlfail(struct store *s, int rc, const char *what)
{
	seterr(s, rc, "%s: %s", what, sqlite3_errmsg(s->db));
	return -1;
}

/* Begin a public call: no failure yet. */
static void
enter(struct store *s)
{
	s->rc = SQLITE_OK;
	s->pending = 0;
}

static enum store_status
status_of(const struct store *s)
{
	return (s->rc & 0xff) == SQLITE_FULL ? STORE_FULL : STORE_ERROR;
}

/* Fill a caller's error buffer (which may be NULL). */
static void __attribute__((format(printf, 3, 4)))
putfmt(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* Bind an int64, text (NULL binds NULL) to a prepared statement. */
static int
bind_i64(struct store *s, sqlite3_stmt *st, int i, int64_t v)
{
	int rc = sqlite3_bind_int64(st, i, v);

	return rc == SQLITE_OK ? 0 : sqlfail(s, rc, "bind");
}

static int
bind_text(struct store *s, sqlite3_stmt *st, int i, const char *v)
{
	int rc;

	if (v == NULL)
		rc = sqlite3_bind_null(st, i);
	else
		rc = sqlite3_bind_text64(st, i, v, strlen(v), SQLITE_STATIC,
		    SQLITE_UTF8);
	return rc == SQLITE_OK ? 0 : sqlfail(s, rc, "bind");
}

/* Ready a kept statement for its next use. */
static void
done(sqlite3_stmt *st)
{
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
}

/* Step once: SQLITE_ROW or SQLITE_DONE, or -1 with the failure recorded. */
static int
step(struct store *s, sqlite3_stmt *st, const char *what)
{
	int rc = sqlite3_step(st);

	if (rc == SQLITE_ROW || rc == SQLITE_DONE)
		return rc;
	sqlfail(s, rc, what);
	return -1;
}

/* Run a kept statement that returns no rows; its bindings already made. */
static int
run(struct store *s, enum store_stmt id, const char *what)
{
	int rc = step(s, s->st[id], what);

	done(s->st[id]);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* Run a kept statement returning one integer (a count). */
static int64_t
query_i64(struct store *s, enum store_stmt id, const char *what)
{
	int64_t v = -1;

	if (step(s, s->st[id], what) == SQLITE_ROW)
		v = sqlite3_column_int64(s->st[id], 0);
	else
		seterr(s, SQLITE_ERROR, "%s: no result", what);
	done(s->st[id]);
	return v;
}

static int
tx_begin(struct store *s)
{
	return run(s, ST_BEGIN, "begin");
}

static int
tx_commit(struct store *s)
{
	if (run(s, ST_COMMIT, "commit") != 0)
		return -1;
	if (s->pending > s->high)
		s->high = s->pending;
	s->pending = 0;
	return 0;
}

/* Roll back whatever is open; SQLite may already have done so itself. */
static void
tx_rollback(struct store *s)
{
	if (!sqlite3_get_autocommit(s->db))
		run(s, ST_ROLLBACK, "rollback");
}

/* Copy a text column (NULL as "") into a fixed buffer, cutting to fit. */
static void
col_copy(sqlite3_stmt *st, int i, char *out, size_t outlen)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	snprintf(out, outlen, "%s", t != NULL ? (const char *)t : "");
}

/* A malloc'd copy of a text column, its bytes as stored. */
static char *
col_dup(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	size_t n = (size_t)sqlite3_column_bytes(st, i);
	char *p;

	if ((p = malloc(n + 1)) == NULL)
		return NULL;
	if (n > 0)
		memcpy(p, t, n);
	p[n] = '\0';
	return p;
}

/* ---- opening: pragmas, migrations, statements ---- */

/* Run SQL text (no results wanted) outside the kept statements. */
static int
exec(struct store *s, const char *sql, const char *what)
{
	char *msg = NULL;
	int rc;

	rc = sqlite3_exec(s->db, sql, NULL, NULL, &msg);
	if (rc == SQLITE_OK)
		return 0;
	seterr(s, rc, "%s: %s", what, msg != NULL ? msg : sqlite3_errstr(rc));
	sqlite3_free(msg);
	return -1;
}

/* Run a one-row PRAGMA or query and take its first column as an integer. */
static int
exec_i64(struct store *s, const char *sql, int64_t *v)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if ((rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL)) != SQLITE_OK)
		return sqlfail(s, rc, sql);
	rc = step(s, st, sql);
	if (rc == SQLITE_ROW)
		*v = sqlite3_column_int64(st, 0);
	else if (rc == SQLITE_DONE)
		seterr(s, SQLITE_ERROR, "%s: no result", sql);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : -1;
}

/* WAL, durable commits, no zero-filling of deleted pages. */
static int
set_pragmas(struct store *s)
{
	sqlite3_stmt *st = NULL;
	const unsigned char *mode;
	int rc, ok;

	sqlite3_busy_timeout(s->db, STORE_BUSY_MS);
	rc = sqlite3_prepare_v2(s->db, STORE_SQL_JOURNAL_WAL, -1, &st, NULL);
	if (rc != SQLITE_OK)
		return sqlfail(s, rc, "journal_mode");
	if (step(s, st, "journal_mode") != SQLITE_ROW) {
		sqlite3_finalize(st);
		return -1;
	}
	mode = sqlite3_column_text(st, 0);
	ok = mode != NULL && strcmp((const char *)mode, "wal") == 0;
	if (!ok)
		seterr(s, SQLITE_ERROR, "journal_mode: got %s, not wal",
		    mode != NULL ? (const char *)mode : "nothing");
	sqlite3_finalize(st);
	if (!ok)
		return -1;
	if (exec(s, STORE_SQL_SYNCHRONOUS, "synchronous") != 0 ||
	    exec(s, STORE_SQL_NO_SECURE_DELETE, "secure_delete") != 0)
		return -1;
	return 0;
}

/* The chain of a new store: a uuid4 and the time it was made. */
static int
meta_create(struct store *s)
{
	sqlite3_stmt *st = NULL;
	char uuid[STORE_UUID_LEN + 1];
	int rc;

	if (chain_uuid4(uuid) != 0) {
		seterr(s, SQLITE_ERROR, "chain uuid: no randomness");
		return -1;
	}
	rc = sqlite3_prepare_v2(s->db, STORE_SQL_CHAIN_SET, -1, &st, NULL);
	if (rc != SQLITE_OK)
		return sqlfail(s, rc, "chain");
	if (bind_text(s, st, 1, uuid) == 0 && bind_i64(s, st, 2, ts_now_ms()) == 0)
		rc = step(s, st, "chain");
	else
		rc = -1;
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* Migration i (0-based) takes user_version i to i+1, in one transaction. */
static int
migrate_step(struct store *s, size_t i)
{
	char sql[64];
	int64_t v;

	if (exec(s, store_sql[ST_BEGIN], "migration") != 0)
		return -1;
	/* Another process may have migrated while we waited for the lock. */
	if (exec_i64(s, STORE_SQL_USER_VERSION, &v) != 0)
		goto fail;
	if (v > (int64_t)i)
		return exec(s, store_sql[ST_COMMIT], "migration");
	if (exec(s, store_migrations[i], "migration") != 0)
		goto fail;
	if (i == 0 && meta_create(s) != 0)
		goto fail;
	snprintf(sql, sizeof(sql), STORE_SQL_USER_VERSION_FMT, i + 1);
	if (exec(s, sql, "migration") != 0 ||
	    exec(s, store_sql[ST_COMMIT], "migration") != 0)
		goto fail;
	return 0;
fail:
	if (!sqlite3_get_autocommit(s->db))
		sqlite3_exec(s->db, store_sql[ST_ROLLBACK], NULL, NULL, NULL);
	return -1;
}

static int
migrate(struct store *s)
{
	int64_t v;
	size_t i;

	if (exec_i64(s, STORE_SQL_USER_VERSION, &v) != 0)
		return -1;
	if (v < 0 || v > (int64_t)store_n_migrations) {
		seterr(s, SQLITE_ERROR, "schema version %" PRId64 " is not one "
		    "this program knows (1-%zu)", v, store_n_migrations);
		return -1;
	}
	for (i = (size_t)v; i < store_n_migrations; i++)
		if (migrate_step(s, i) != 0)
			return -1;
	return 0;
}

static int
load_chain(struct store *s)
{
	sqlite3_stmt *st = NULL;
	int rc;

	rc = sqlite3_prepare_v2(s->db, STORE_SQL_CHAIN_GET, -1, &st, NULL);
	if (rc != SQLITE_OK)
		return sqlfail(s, rc, "chain");
	rc = step(s, st, "chain");
	if (rc == SQLITE_ROW &&
	    sqlite3_column_bytes(st, 0) == STORE_UUID_LEN)
		col_copy(st, 0, s->chain, sizeof(s->chain));
	else if (rc != -1) {
		seterr(s, SQLITE_ERROR, "chain: missing from meta");
		rc = -1;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : -1;
}

/*
 * db_max_mb as PRAGMA max_page_count, so that SQLite itself refuses to grow
 * the database beyond it (SQLITE_FULL).  The WAL file is not counted: the
 * cap bounds the database proper, and the WAL adds up to what is written
 * between checkpoints.  A database already larger keeps its size.
 */
static int
set_max_size(struct store *s, int64_t db_max_mb)
{
	char sql[64];
	int64_t page, pages, got;

	if (db_max_mb == 0)
		return 0;
	if (db_max_mb < 0 || db_max_mb > INT64_MAX / (1024 * 1024)) {
		seterr(s, SQLITE_ERROR, "db_max_mb %" PRId64 " out of range",
		    db_max_mb);
		return -1;
	}
	if (exec_i64(s, STORE_SQL_PAGE_SIZE, &page) != 0)
		return -1;
	pages = db_max_mb * 1024 * 1024 / (page > 0 ? page : 4096);
	snprintf(sql, sizeof(sql), STORE_SQL_MAX_PAGES_FMT, pages);
	return exec_i64(s, sql, &got);
}

static int
prepare_all(struct store *s)
{
	int i, rc;

	for (i = 0; i < ST_N; i++) {
		rc = sqlite3_prepare_v3(s->db, store_sql[i], -1,
		    SQLITE_PREPARE_PERSISTENT, &s->st[i], NULL);
		if (rc != SQLITE_OK)
			return sqlfail(s, rc, store_sql[i]);
	}
	return 0;
}

/* ---- the files under the store (store_identity) ---- */

/* stat() path into id; ENOENT leaves it unknown (0), other failures -1. */
static int
id_of(const char *path, struct file_id *id)
{
	struct stat st;

	id->known = false;
	if (stat(path, &st) != 0)
		return errno == ENOENT || errno == ENOTDIR ? 0 : -1;
	id->dev = st.st_dev;
	id->ino = st.st_ino;
	id->known = true;
	return 0;
}

/*
 * The device and inode of the database and its -wal, taken right after
 * SQLite opened them (the WAL exists by then: the open read and wrote
 * through it).  SQLite offers no sound way to reach its descriptors
 * (SQLITE_FCNTL_FILE_POINTER yields a sqlite3_file whose layout is the
 * VFS's own), so the files are named by what they were at open.
 */
static int
ids_record(struct store *s, const char *path)
{
	char wal[4096];

	if ((s->path = strdup(path)) == NULL) {
		seterr(s, SQLITE_NOMEM, "open: out of memory");
		return -1;
	}
	snprintf(wal, sizeof(wal), "%s-wal", path);
	if (id_of(path, &s->id_db) != 0 || !s->id_db.known) {
		seterr(s, SQLITE_CANTOPEN, "open: stat: %s", strerror(errno));
		return -1;
	}
	if (id_of(wal, &s->id_wal) != 0) {
		seterr(s, SQLITE_CANTOPEN, "open: stat -wal: %s",
		    strerror(errno));
		return -1;
	}
	return 0;
}

/* Is the file at path still the one of id?  Sets what when not. */
static enum store_identity
id_check(const char *path, const struct file_id *id)
{
	struct file_id now;

	if (!id->known)
		return STORE_SAME;
	if (id_of(path, &now) != 0)
		return STORE_SAME;	/* cannot tell (EACCES, EIO): not a verdict */
	if (!now.known)
		return STORE_DELETED;
	return now.dev == id->dev && now.ino == id->ino ? STORE_SAME :
	    STORE_REPLACED;
}

enum store_identity
store_identity(store_t *s, bool deep, char *what, size_t len)
{
	char wal[4096];
	enum store_identity v;
	int64_t last;

	snprintf(wal, sizeof(wal), "%s-wal", s->path);
	if ((v = id_check(s->path, &s->id_db)) != STORE_SAME) {
		putfmt(what, len, "%s %s", s->path, v == STORE_DELETED ?
		    "deleted" : "replaced by another file");
		return v;
	}
	if ((v = id_check(wal, &s->id_wal)) != STORE_SAME) {
		putfmt(what, len, "%s %s", wal, v == STORE_DELETED ?
		    "deleted" : "replaced by another file");
		return v;
	}
	if (!s->went_back && deep) {
		enter(s);
		last = query_i64(s, ST_LAST_SEQ, "last seq");
		s->went_back = last >= 0 && last < s->high;
	}
	if (s->went_back) {
		putfmt(what, len, "%s went back: it holds fewer events than "
		    "the %" PRId64 " committed", s->path, s->high);
		return STORE_WENT_BACK;
	}
	return STORE_SAME;
}

/* ---- a copy of the store (SQLite's online backup, a step at a time) ---- */

static void
save_end(struct store *s)
{
	if (s->save != NULL)
		sqlite3_backup_finish(s->save);
	if (s->save_db != NULL)
		sqlite3_close(s->save_db);
	s->save = NULL;
	s->save_db = NULL;
}

int
store_save_begin(store_t *s, const char *dest)
{
	int rc;

	enter(s);
	if (s->save != NULL) {
		seterr(s, SQLITE_MISUSE, "save: a copy is already being made");
		return -1;
	}
	/* sqlite3_open_v2 ignores SQLITE_OPEN_EXCLUSIVE: never overwrite */
	if (access(dest, F_OK) == 0) {
		seterr(s, SQLITE_CANTOPEN, "save: %s already exists", dest);
		return -1;
	}
	rc = sqlite3_open_v2(dest, &s->save_db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
	    NULL);
	if (rc != SQLITE_OK) {
		seterr(s, rc, "save: open %s: %s", dest, s->save_db != NULL ?
		    sqlite3_errmsg(s->save_db) : sqlite3_errstr(rc));
		save_end(s);
		return -1;
	}
	if ((s->save = sqlite3_backup_init(s->save_db, "main", s->db,
	    "main")) == NULL) {
		seterr(s, SQLITE_ERROR, "save: %s", sqlite3_errmsg(s->save_db));
		save_end(s);
		return -1;
	}
	return 0;
}

int
store_save_step(store_t *s, int pages)
{
	int rc;

	enter(s);
	if (s->save == NULL)
		return 1;
	rc = sqlite3_backup_step(s->save, pages);
	if (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
		return 0;
	if (rc != SQLITE_DONE)
		seterr(s, rc, "save: %s", sqlite3_errstr(rc));
	save_end(s);
	return rc == SQLITE_DONE ? 1 : -1;
}

int64_t
store_high_seq(const store_t *s)
{
	return s->high;
}

const char *
store_path(const store_t *s)
{
	return s->path;
}

store_t *
store_open(const char *path, int64_t db_max_mb, char *err, size_t errlen)
{
	struct store *s;
	int rc;

	if ((s = calloc(1, sizeof(*s))) == NULL) {
		putfmt(err, errlen, "%s: out of memory", path);
		return NULL;
	}
	rc = sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		if (s->db != NULL)
			sqlfail(s, rc, "open");
		else
			seterr(s, rc, "open: %s", sqlite3_errstr(rc));
		goto fail;
	}
	if (set_pragmas(s) != 0 || migrate(s) != 0 || load_chain(s) != 0 ||
	    set_max_size(s, db_max_mb) != 0 || prepare_all(s) != 0 ||
	    ids_record(s, path) != 0)
		goto fail;
	if ((s->high = query_i64(s, ST_LAST_SEQ, "last seq")) < 0)
		goto fail;
	return s;
fail:
	putfmt(err, errlen, "%s: %s", path, s->err);
	store_close(s);
	return NULL;
}

void
store_close(store_t *s)
{
	int i;

	if (s == NULL)
		return;
	save_end(s);
	for (i = 0; i < ST_N; i++)
		sqlite3_finalize(s->st[i]);
	sqlite3_close(s->db);
	free(s->path);
	free(s);
}

const char *
store_chain(const store_t *s)
{
	return s->chain;
}

const char *
store_errmsg(const store_t *s)
{
	return s->err;
}

/* ---- appending ---- */

/* The newest event's seq and hash: 0 and 64 zeros in an empty store. */
static int
last_event(struct store *s, int64_t *seq, char hash[STORE_HASH_LEN + 1])
{
	sqlite3_stmt *st = s->st[ST_LAST];
	int rc;

	*seq = 0;
	memcpy(hash, CHAIN_ZERO_HASH, STORE_HASH_LEN + 1);
	rc = step(s, st, "last event");
	if (rc == SQLITE_ROW) {
		*seq = sqlite3_column_int64(st, 0);
		if (sqlite3_column_bytes(st, 1) != STORE_HASH_LEN) {
			seterr(s, SQLITE_CORRUPT, "seq %" PRId64 ": bad hash",
			    *seq);
			rc = -1;
		} else
			col_copy(st, 1, hash, STORE_HASH_LEN + 1);
	}
	done(st);
	return rc == -1 ? -1 : 0;
}

static int
insert_event(struct store *s, const struct store_appended *ap,
    const char *kind, bool urgent, const char *ts, int64_t ts_ms,
    const char *prev, const char *body)
{
	sqlite3_stmt *st = s->st[ST_INSERT];

	if (bind_i64(s, st, 1, ap->seq) != 0 ||
	    bind_text(s, st, 2, ap->uuid) != 0 ||
	    bind_text(s, st, 3, kind) != 0 ||
	    bind_text(s, st, 4, ts) != 0 ||
	    bind_i64(s, st, 5, ts_ms) != 0 ||
	    bind_text(s, st, 6, prev) != 0 ||
	    bind_text(s, st, 7, ap->hash) != 0 ||
	    bind_text(s, st, 8, body) != 0 ||
	    bind_i64(s, st, 9, urgent ? 1 : 0) != 0) {
		done(st);
		return -1;
	}
	return run(s, ST_INSERT, "insert event");
}

static int
lane_set(struct store *s, const char *lane, int64_t result_seq)
{
	sqlite3_stmt *st = s->st[ST_LANE_SET];

	if (bind_text(s, st, 1, lane) != 0 ||
	    bind_i64(s, st, 2, result_seq) != 0) {
		done(st);
		return -1;
	}
	return run(s, ST_LANE_SET, "lane seq");
}

/* The append proper, inside a transaction the caller holds. */
static int
append_locked(struct store *s, const char *kind, bool urgent,
    const char *body, int64_t ts_ms, const char *lane, int64_t result_seq,
    struct store_appended *out)
{
	struct store_appended ap;
	char prev[STORE_HASH_LEN + 1], ts[TS_TEXT_LEN + 1];
	int64_t last;

	if (last_event(s, &last, prev) != 0)
		return -1;
	if (last < s->high) {
		/* the file under us holds less than was committed into it */
		s->went_back = true;
		seterr(s, SQLITE_CORRUPT, "append: the store went back to seq %"
		    PRId64 " after seq %" PRId64 " was committed", last,
		    s->high);
		return -1;
	}
	ap.seq = last + 1;
	if (chain_uuid4(ap.uuid) != 0) {
		seterr(s, SQLITE_ERROR, "event uuid: no randomness");
		return -1;
	}
	ts_format(ts_ms, ts);
	chain_hash(prev, body, strlen(body), ap.hash);
	if (insert_event(s, &ap, kind, urgent, ts, ts_ms, prev, body) != 0)
		return -1;
	if (lane != NULL && lane_set(s, lane, result_seq) != 0)
		return -1;
	if (out != NULL)
		*out = ap;
	s->pending = ap.seq;
	return 0;
}

static int
check_event(struct store *s, const char *kind, const char *body)
{
	if (kind == NULL || kind[0] == '\0' || strlen(kind) > STORE_KIND_MAX) {
		seterr(s, SQLITE_MISUSE, "append: kind empty or over %d bytes",
		    STORE_KIND_MAX);
		return -1;
	}
	if (body == NULL) {
		seterr(s, SQLITE_MISUSE, "append: no body");
		return -1;
	}
	return 0;
}

enum store_status
store_append(store_t *s, const char *kind, bool urgent, const char *body,
    int64_t ts_ms, const char *lane, int64_t result_seq,
    struct store_appended *out)
{
	enter(s);
	if (check_event(s, kind, body) != 0)
		return STORE_ERROR;
	if (tx_begin(s) != 0)
		return status_of(s);
	if (append_locked(s, kind, urgent, body, ts_ms, lane, result_seq,
	    out) != 0 ||
	    tx_commit(s) != 0) {
		tx_rollback(s);
		return status_of(s);
	}
	return STORE_OK;
}

/* The lane's reference moved with no event (a baseline, a settled reset). */
int
store_set_lane_seq(store_t *s, const char *lane, int64_t result_seq)
{
	enter(s);
	if (tx_begin(s) != 0)
		return -1;
	if (lane_set(s, lane, result_seq) != 0 || tx_commit(s) != 0) {
		tx_rollback(s);
		return -1;
	}
	return 0;
}

int
store_lane_seq(store_t *s, const char *lane, int64_t *seq, bool *found)
{
	sqlite3_stmt *st = s->st[ST_LANE_GET];
	int rc;

	enter(s);
	*seq = 0;
	*found = false;
	if (bind_text(s, st, 1, lane) != 0) {
		done(st);
		return -1;
	}
	rc = step(s, st, "lane seq");
	if (rc == SQLITE_ROW) {
		*seq = sqlite3_column_int64(st, 0);
		*found = true;
	}
	done(st);
	return rc == -1 ? -1 : 0;
}

/* ---- the sync's side ---- */

/* Fill one batch slot from the fetch row. */
static int
fetch_row(struct store *s, sqlite3_stmt *st, struct store_event *ev)
{
	col_copy(st, 0, ev->uuid, sizeof(ev->uuid));
	ev->seq = sqlite3_column_int64(st, 1);
	col_copy(st, 2, ev->kind, sizeof(ev->kind));
	col_copy(st, 3, ev->ts, sizeof(ev->ts));
	col_copy(st, 4, ev->prev_hash, sizeof(ev->prev_hash));
	col_copy(st, 5, ev->hash, sizeof(ev->hash));
	if ((ev->body = col_dup(st, 6)) == NULL) {
		seterr(s, SQLITE_NOMEM, "fetch: out of memory");
		return -1;
	}
	ev->urgent = sqlite3_column_int64(st, 7) != 0;
	return 0;
}

/* Make room for one more event in the batch. */
static int
batch_grow(struct store *s, struct store_batch *b, size_t *cap)
{
	struct store_event *ev;
	size_t ncap;

	if (b->n < *cap)
		return 0;
	ncap = *cap == 0 ? 16 : *cap * 2;
	if ((ev = reallocarray(b->ev, ncap, sizeof(*ev))) == NULL) {
		seterr(s, SQLITE_NOMEM, "fetch: out of memory");
		return -1;
	}
	b->ev = ev;
	*cap = ncap;
	return 0;
}

/*
 * The rows of bound statement st into out, in order, until their bodies
 * would pass max_bytes (the first row always); resets st.  0 or -1.
 */
static int
fetch_rows(store_t *s, sqlite3_stmt *st, size_t max_bytes,
    struct store_batch *out)
{
	size_t cap = 0, bytes = 0, len;
	int rc;

	while ((rc = step(s, st, "fetch")) == SQLITE_ROW) {
		len = (size_t)sqlite3_column_bytes(st, 6);
		if (out->n > 0 && bytes + len > max_bytes)
			break;
		if (batch_grow(s, out, &cap) != 0 ||
		    fetch_row(s, st, &out->ev[out->n]) != 0) {
			rc = -1;
			break;
		}
		out->n++;
		bytes += len;
	}
	done(st);
	if (rc == -1) {
		store_batch_free(out);
		return -1;
	}
	return 0;
}

static int64_t
limit_of(size_t n)
{
	return n > INT64_MAX ? INT64_MAX : (int64_t)n;
}

int
store_fetch_unsynced(store_t *s, size_t max_events, size_t max_bytes,
    struct store_batch *out)
{
	sqlite3_stmt *st = s->st[ST_FETCH];

	enter(s);
	out->n = 0;
	out->ev = NULL;
	if (max_events == 0)
		return 0;
	if (bind_i64(s, st, 1, limit_of(max_events)) != 0) {
		done(st);
		return -1;
	}
	return fetch_rows(s, st, max_bytes, out);
}

/* The one event at seq through statement id (ST_FETCH_SEQ, ST_FETCH_SYNCED). */
static int
fetch_one(store_t *s, enum store_stmt id, int64_t seq, struct store_batch *out)
{
	sqlite3_stmt *st = s->st[id];
	int rc;

	enter(s);
	out->n = 0;
	out->ev = NULL;
	if (bind_i64(s, st, 1, seq) != 0) {
		done(st);
		return -1;
	}
	rc = step(s, st, "fetch");
	if (rc == SQLITE_ROW) {
		if ((out->ev = calloc(1, sizeof(*out->ev))) == NULL) {
			seterr(s, SQLITE_NOMEM, "fetch: out of memory");
			rc = -1;
		} else if (fetch_row(s, st, &out->ev[0]) != 0) {
			free(out->ev);
			out->ev = NULL;
			rc = -1;
		} else
			out->n = 1;
	}
	done(st);
	return rc == -1 ? -1 : 0;
}

int
store_fetch_after(store_t *s, int64_t after_seq, size_t max_events,
    struct store_batch *out)
{
	sqlite3_stmt *st = s->st[ST_FETCH_AFTER];

	enter(s);
	out->n = 0;
	out->ev = NULL;
	if (bind_i64(s, st, 1, after_seq) != 0 ||
	    bind_i64(s, st, 2, limit_of(max_events)) != 0) {
		done(st);
		return -1;
	}
	return fetch_rows(s, st, SIZE_MAX, out);
}

int
store_fetch_seq(store_t *s, int64_t seq, struct store_batch *out)
{
	return fetch_one(s, ST_FETCH_SEQ, seq, out);
}

int
store_fetch_synced(store_t *s, int64_t seq, struct store_batch *out)
{
	return fetch_one(s, ST_FETCH_SYNCED, seq, out);
}

int64_t
store_mark_forked(store_t *s, int64_t after_seq, const char *why)
{
	sqlite3_stmt *st = s->st[ST_MARK_FORKED];

	enter(s);
	if (bind_i64(s, st, 1, after_seq) != 0 || bind_text(s, st, 2, why) != 0) {
		done(st);
		return -1;
	}
	if (run(s, ST_MARK_FORKED, "mark forked") != 0)
		return -1;
	return sqlite3_changes64(s->db);
}

void
store_batch_free(struct store_batch *b)
{
	size_t i;

	if (b == NULL)
		return;
	for (i = 0; i < b->n; i++)
		free(b->ev[i].body);
	free(b->ev);
	b->ev = NULL;
	b->n = 0;
}

/* Set one event's state (synced or rejected) when it is still unsynced. */
static int
mark(struct store *s, enum store_stmt id, const char *uuid, const char *error,
    int64_t now_ms)
{
	sqlite3_stmt *st = s->st[id];
	int rc;

	rc = bind_text(s, st, 1, uuid);
	if (rc == 0 && id == ST_MARK_SYNCED)
		rc = bind_i64(s, st, 2, now_ms);
	else if (rc == 0)
		rc = bind_text(s, st, 2, error != NULL ? error : "");
	if (rc != 0) {
		done(st);
		return -1;
	}
	return run(s, id, "mark");
}

int
store_mark_synced(store_t *s, const char *const *uuids, size_t n)
{
	int64_t now = ts_now_ms();
	size_t i;

	enter(s);
	if (n == 0)
		return 0;
	if (tx_begin(s) != 0)
		return -1;
	for (i = 0; i < n; i++)
		if (mark(s, ST_MARK_SYNCED, uuids[i], NULL, now) != 0)
			goto fail;
	if (tx_commit(s) != 0)
		goto fail;
	return 0;
fail:
	tx_rollback(s);
	return -1;
}

int
store_mark_rejected(store_t *s, const char *uuid, const char *error)
{
	enter(s);
	return mark(s, ST_MARK_REJECTED, uuid, error, 0);
}

int64_t
store_count_unsynced(store_t *s)
{
	enter(s);
	return query_i64(s, ST_COUNT_UNSYNCED, "count unsynced");
}

int64_t
store_last_seq(store_t *s)
{
	enter(s);
	return query_i64(s, ST_LAST_SEQ, "last seq");
}

/* ---- pruning ---- */

/* A run of consecutive events picked for deletion. */
struct run {
	int64_t first, last;
	char last_hash[STORE_HASH_LEN + 1];
};

/* Take the recorded gap ending just before run r, or starting just after it. */
static int
gap_take(struct store *s, enum store_stmt id, int64_t seq, struct run *r)
{
	sqlite3_stmt *st = s->st[id];
	int rc;

	if (bind_i64(s, st, 1, seq) != 0) {
		done(st);
		return -1;
	}
	while ((rc = step(s, st, "prune gaps")) == SQLITE_ROW) {
		if (id == ST_GAP_TAKE_BEFORE)
			r->first = sqlite3_column_int64(st, 0);
		else {
			r->last = sqlite3_column_int64(st, 0);
			col_copy(st, 1, r->last_hash, sizeof(r->last_hash));
		}
	}
	done(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* Record run r as a gap, merged with the gaps it touches. */
static int
gap_add(struct store *s, struct run r)
{
	sqlite3_stmt *st = s->st[ST_GAP_ADD];

	if (gap_take(s, ST_GAP_TAKE_BEFORE, r.first - 1, &r) != 0 ||
	    gap_take(s, ST_GAP_TAKE_AFTER, r.last + 1, &r) != 0)
		return -1;
	if (bind_i64(s, st, 1, r.first) != 0 || bind_i64(s, st, 2, r.last) != 0 ||
	    bind_text(s, st, 3, r.last_hash) != 0) {
		done(st);
		return -1;
	}
	return run(s, ST_GAP_ADD, "prune gaps");
}

/* Delete one run; outside the log's prefix it is recorded as a gap. */
static int
prune_run(struct store *s, const struct run *r, int64_t first_seq)
{
	sqlite3_stmt *st = s->st[ST_DELETE_RANGE];

	if (r->first != first_seq && gap_add(s, *r) != 0)
		return -1;
	if (bind_i64(s, st, 1, r->first) != 0 ||
	    bind_i64(s, st, 2, r->last) != 0) {
		done(st);
		return -1;
	}
	return run(s, ST_DELETE_RANGE, "prune");
}

/*
 * Pick up to a batch of prunable events, as runs of consecutive seqs
 * (runs must hold STORE_PRUNE_BATCH).  *n is the events, *nruns the runs.
 */
static int
prune_pick(struct store *s, int64_t before_ms, struct run *runs,
    size_t *nruns, int64_t *n)
{
	sqlite3_stmt *st = s->st[ST_PRUNE_PICK];
	struct run *r = NULL;
	int64_t seq;
	int rc;

	*n = 0;
	*nruns = 0;
	if (bind_i64(s, st, 1, before_ms) != 0 ||
	    bind_i64(s, st, 2, STORE_PRUNE_BATCH) != 0) {
		done(st);
		return -1;
	}
	while ((rc = step(s, st, "prune")) == SQLITE_ROW) {
		seq = sqlite3_column_int64(st, 0);
		if (r == NULL || seq != r->last + 1) {
			r = &runs[(*nruns)++];
			r->first = seq;
		}
		r->last = seq;
		col_copy(st, 1, r->last_hash, sizeof(r->last_hash));
		(*n)++;
	}
	done(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* One batch in one transaction; *n the rows deleted. */
static int
prune_batch(struct store *s, int64_t before_ms, struct run *runs, int64_t *n)
{
	int64_t first;
	size_t i, nruns;

	if (tx_begin(s) != 0)
		return -1;
	if ((first = query_i64(s, ST_FIRST_SEQ, "prune")) < 0 ||
	    prune_pick(s, before_ms, runs, &nruns, n) != 0)
		goto fail;
	for (i = 0; i < nruns; i++)
		if (prune_run(s, &runs[i], first) != 0)
			goto fail;
	if (run(s, ST_GAP_TRIM, "prune gaps") != 0 || tx_commit(s) != 0)
		goto fail;
	return 0;
fail:
	tx_rollback(s);
	return -1;
}

/*
 * Synced events older than before_ms go, a batch per transaction so the
 * write lock is never held long, until max_rows are gone (0: no bound).
 * Unsynced and rejected events stay, and so does the newest event, whose
 * hash the next append chains to.  Runs deleted from between kept events
 * are recorded in gaps for store_verify.
 */
int64_t
store_prune_some(store_t *s, int64_t before_ms, int64_t max_rows,
    bool *more)
{
	struct run *runs;
	int64_t total = 0, n;

	enter(s);
	*more = false;
	if ((runs = calloc(STORE_PRUNE_BATCH, sizeof(*runs))) == NULL) {
		seterr(s, SQLITE_NOMEM, "prune: out of memory");
		return -1;
	}
	do {
		if (prune_batch(s, before_ms, runs, &n) != 0) {
			total = -1;
			break;
		}
		total += n;
		*more = n == STORE_PRUNE_BATCH;
	} while (*more && (max_rows == 0 || total < max_rows));
	free(runs);
	return total;
}

int64_t
store_prune(store_t *s, int64_t before_ms)
{
	bool more;

	return store_prune_some(s, before_ms, 0, &more);
}

/*
 * Can the store commit again?  One small transaction that needs fresh
 * pages (a 4 KiB row, deleted again before the commit), through the WAL and
 * its fsync like an append.  Used while lanes are faulted by a failed commit.
 */
int
store_probe(store_t *s)
{
	enter(s);
	if (exec(s, STORE_SQL_PROBE, "probe") != 0) {
		tx_rollback(s);
		return -1;
	}
	return 0;
}

/* ---- lists ---- */

static int
lists_save_locked(struct store *s, const char *doc, const char *source,
    int64_t ts_ms)
{
	sqlite3_stmt *st = s->st[ST_LISTS_SAVE];

	if (doc == NULL || source == NULL || (strcmp(source, "platform") != 0 &&
	    strcmp(source, "local") != 0)) {
		seterr(s, SQLITE_MISUSE, "lists: no document or bad source");
		return -1;
	}
	if (bind_text(s, st, 1, doc) != 0 || bind_text(s, st, 2, source) != 0 ||
	    bind_i64(s, st, 3, ts_ms) != 0) {
		done(st);
		return -1;
	}
	return run(s, ST_LISTS_SAVE, "lists save");
}

int
store_lists_save(store_t *s, const char *doc, const char *source,
    int64_t ts_ms)
{
	enter(s);
	return lists_save_locked(s, doc, source, ts_ms);
}

enum store_status
store_lists_apply(store_t *s, const char *doc, const char *source,
    int64_t ts_ms, const char *event_body, struct store_appended *out)
{
	enter(s);
	if (check_event(s, event_name(EV_LISTS_APPLIED), event_body) != 0)
		return STORE_ERROR;
	if (tx_begin(s) != 0)
		return status_of(s);
	if (lists_save_locked(s, doc, source, ts_ms) != 0 ||
	    append_locked(s, event_name(EV_LISTS_APPLIED), EVENT_BATCHED,
	    event_body, ts_ms, NULL, 0, out) != 0 || tx_commit(s) != 0) {
		tx_rollback(s);
		return status_of(s);
	}
	return STORE_OK;
}

int
store_lists_load(store_t *s, char **doc, char source[16], int64_t *ts_ms)
{
	sqlite3_stmt *st = s->st[ST_LISTS_LOAD];
	int rc;

	enter(s);
	*doc = NULL;
	source[0] = '\0';
	*ts_ms = 0;
	rc = step(s, st, "lists load");
	if (rc == SQLITE_ROW) {
		if ((*doc = col_dup(st, 0)) == NULL) {
			seterr(s, SQLITE_NOMEM, "lists load: out of memory");
			rc = -1;
		}
		col_copy(st, 1, source, 16);
		*ts_ms = sqlite3_column_int64(st, 2);
	}
	done(st);
	return rc == -1 ? -1 : 0;
}

/* ---- verification ---- */

/*
 * Events prev_seq+1 .. seq-1 are missing: sound only when prune recorded
 * exactly that gap, and the event after it chains to the last one pruned.
 */
static int
verify_gap(struct store *s, int64_t prev_seq, int64_t seq, const char *ph,
    char *err, size_t errlen)
{
	sqlite3_stmt *st = s->st[ST_GAP_GET];
	int ok = 0, rc;

	if (bind_i64(s, st, 1, prev_seq + 1) == 0 &&
	    (rc = step(s, st, "verify gaps")) == SQLITE_ROW) {
		ok = sqlite3_column_int64(st, 0) == seq - 1 &&
		    sqlite3_column_bytes(st, 1) == STORE_HASH_LEN &&
		    strcmp((const char *)sqlite3_column_text(st, 1), ph) == 0;
	}
	done(st);
	if (!ok)
		putfmt(err, errlen, "seq %" PRId64 ": follows seq %" PRId64
		    " (events missing)", seq, prev_seq);
	return ok ? 0 : -1;
}

/* Check one row against the one before it (prev_seq 0: the first row). */
static int
verify_row(struct store *s, sqlite3_stmt *st, int64_t prev_seq,
    const char *prev_hash, char *err, size_t errlen)
{
	int64_t seq = sqlite3_column_int64(st, 0);
	const char *ph = (const char *)sqlite3_column_text(st, 1);
	const char *h = (const char *)sqlite3_column_text(st, 2);
	const char *body = (const char *)sqlite3_column_text(st, 3);
	size_t blen = (size_t)sqlite3_column_bytes(st, 3);
	char want[STORE_HASH_LEN + 1];

	if (ph == NULL || h == NULL || body == NULL ||
	    strlen(ph) != STORE_HASH_LEN) {
		putfmt(err, errlen, "seq %" PRId64 ": bad columns", seq);
		return -1;
	}
	if (prev_seq == 0 && seq == 1 && strcmp(ph, CHAIN_ZERO_HASH) != 0) {
		putfmt(err, errlen, "seq 1: prev_hash is not 64 zeros");
		return -1;
	}
	if (prev_seq != 0 && seq != prev_seq + 1) {
		if (verify_gap(s, prev_seq, seq, ph, err, errlen) != 0)
			return -1;
	} else if (prev_seq != 0 && strcmp(ph, prev_hash) != 0) {
		putfmt(err, errlen, "seq %" PRId64 ": prev_hash is not the "
		    "hash of seq %" PRId64, seq, prev_seq);
		return -1;
	}
	chain_hash(ph, body, blen, want);
	if (strcmp(h, want) != 0) {
		putfmt(err, errlen, "seq %" PRId64 ": hash does not match "
		    "prev_hash and body", seq);
		return -1;
	}
	return 0;
}

int
store_verify(store_t *s, char *err, size_t errlen)
{
	sqlite3_stmt *st = s->st[ST_VERIFY];
	char prev[STORE_HASH_LEN + 1] = "";
	int64_t prev_seq = 0;
	int rc;

	enter(s);
	putfmt(err, errlen, "%s", "");
	while ((rc = step(s, st, "verify")) == SQLITE_ROW) {
		if (verify_row(s, st, prev_seq, prev, err, errlen) != 0) {
			done(st);
			return -1;
		}
		prev_seq = sqlite3_column_int64(st, 0);
		col_copy(st, 2, prev, sizeof(prev));
	}
	done(st);
	if (rc == -1) {
		putfmt(err, errlen, "%s", s->err);
		return -1;
	}
	return 0;
}

/* ---- the station board's rebuild at start (alarms.c) ---- */

int
store_fetch_newest(store_t *s, const char *kinds, const char *decisions,
    size_t max_events, struct store_batch *out)
{
	sqlite3_stmt *st = s->st[ST_FETCH_NEWEST];

	enter(s);
	out->n = 0;
	out->ev = NULL;
	if (bind_text(s, st, 1, kinds) != 0 ||
	    bind_text(s, st, 2, decisions) != 0 ||
	    bind_i64(s, st, 3, limit_of(max_events)) != 0) {
		done(st);
		return -1;
	}
	return fetch_rows(s, st, SIZE_MAX, out);
}

int
store_count_since(store_t *s, const char *kinds, int64_t since_ms,
    void (*fn)(void *arg, const char *kind, const char *decision, int64_t n),
    void *arg)
{
	sqlite3_stmt *st = s->st[ST_COUNT_SINCE];
	int rc;

	enter(s);
	if (bind_i64(s, st, 1, since_ms) != 0 ||
	    bind_text(s, st, 2, kinds) != 0) {
		done(st);
		return -1;
	}
	while ((rc = step(s, st, "count")) == SQLITE_ROW)
		fn(arg, (const char *)sqlite3_column_text(st, 0),
		    (const char *)sqlite3_column_text(st, 1),
		    sqlite3_column_int64(st, 2));
	done(st);
	return rc == -1 ? -1 : 0;
}

/* ---- a store read only: weighgate replay's reader ---- */

struct store_reader {
	sqlite3 *db;
	sqlite3_stmt *weighings;
};

/* sqlite3's message, or the lack of a handle at all. */
static const char *
reader_errmsg(const struct store_reader *r)
{
	return r->db != NULL ? sqlite3_errmsg(r->db) : "out of memory";
}

store_reader_t *
store_reader_open(const char *path, char *err, size_t errlen)
{
	struct store_reader *r;

	if ((r = calloc(1, sizeof(*r))) == NULL) {
		putfmt(err, errlen, "out of memory");
		return NULL;
	}
	if (sqlite3_open_v2(path, &r->db, SQLITE_OPEN_READONLY, NULL) !=
	    SQLITE_OK)
		goto fail;
	sqlite3_busy_timeout(r->db, STORE_BUSY_MS);
	if (sqlite3_prepare_v2(r->db, STORE_SQL_WEIGHINGS, -1, &r->weighings,
	    NULL) != SQLITE_OK)
		goto fail;
	return r;
fail:
	putfmt(err, errlen, "%s", reader_errmsg(r));
	store_reader_close(r);
	return NULL;
}

void
store_reader_close(store_reader_t *r)
{
	if (r == NULL)
		return;
	sqlite3_finalize(r->weighings);
	sqlite3_close(r->db);
	free(r);
}

int
store_reader_weighing(store_reader_t *r, int64_t *seq, const char **body,
    size_t *len, char *err, size_t errlen)
{
	int rc;

	if ((rc = sqlite3_step(r->weighings)) == SQLITE_DONE)
		return 0;
	if (rc != SQLITE_ROW) {
		putfmt(err, errlen, "%s", sqlite3_errmsg(r->db));
		return -1;
	}
	*seq = sqlite3_column_int64(r->weighings, 0);
	*body = (const char *)sqlite3_column_text(r->weighings, 1);
	*len = (size_t)sqlite3_column_bytes(r->weighings, 1);
	return 1;
}

char *
store_reader_lists(store_reader_t *r, char *err, size_t errlen)
{
	sqlite3_stmt *st = NULL;
	char *doc = NULL;
	int rc;

	if (sqlite3_prepare_v2(r->db, STORE_SQL_LISTS_DOC, -1, &st, NULL) !=
	    SQLITE_OK)
		return NULL;		/* no lists table: no lists */
	if ((rc = sqlite3_step(st)) == SQLITE_ROW &&
	    sqlite3_column_text(st, 0) != NULL &&
	    (doc = strdup((const char *)sqlite3_column_text(st, 0))) == NULL)
		putfmt(err, errlen, "out of memory");
	else if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		putfmt(err, errlen, "lists: %s", sqlite3_errmsg(r->db));
	sqlite3_finalize(st);
	return doc;
}
