/* The guard of the event store's chain: sidecar, rollback, old files. */
/*
 * A chain is never forked.  At open the store is judged by its sidecar
 * (sidecar.c): a store missing, behind the seq the daemon committed, or
 * behind what the platform said it holds, is not continued.  It is moved
 * aside as <db>.old-TIME-behind (its unsynced events still go to the
 * platform, which dedups by uuid), a new store with a new chain is opened,
 * the list document in force is carried over, and the new chain's first
 * event, store_rollback, says what happened.  The lanes are then started
 * with no result sequence (baseline), so nothing still on a scale is
 * decided a second time.  The lanes never wait for the platform: what it
 * says arrives later (guard_platform) and counts for the next start.
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "weighgate/event.h"
#include "weighgate/guard.h"
#include "weighgate/log.h"
#include "weighgate/sbuf.h"
#include "weighgate/timefmt.h"

/* The sidecar for the store s opened as it is (no rollback). */
static void
sc_take(struct guard *g, store_t *s, const struct sidecar *old)
{
	bool same = old != NULL && strcmp(old->chain, store_chain(s)) == 0;

	snprintf(g->sc.chain, sizeof(g->sc.chain), "%s", store_chain(s));
	g->sc.seq = store_high_seq(s);
	g->sc.platform_seq = same ? old->platform_seq : 0;
	g->sc.fork_after = -1;
	g->sc_dirty = true;
}

/* The body of store_rollback. */
static void
rollback_body(struct sbuf *b, const struct sidecar *old, bool existed,
    int64_t store_seq, enum sidecar_verdict v, const char *aside,
    int64_t forked)
{
	sbuf_puts(b, "{\"old_chain\":");
	sbuf_put_json_str(b, old->chain);
	sbuf_puts(b, ",\"store_seq\":");
	if (existed)
		sbuf_put_i64(b, store_seq);
	else
		sbuf_puts(b, "null");
	sbuf_puts(b, ",\"committed_seq\":");
	sbuf_put_i64(b, old->seq);
	sbuf_puts(b, ",\"platform_seq\":");
	sbuf_put_i64(b, old->platform_seq);
	sbuf_puts(b, ",\"revealed_by\":");
	sbuf_put_json_str(b, sidecar_verdict_name(v));
	sbuf_puts(b, ",\"aside\":");
	if (aside != NULL)
		sbuf_put_json_str(b, aside);
	else
		sbuf_puts(b, "null");
	/* events of a stale continuation, recorded again after this one */
	sbuf_puts(b, ",\"carried\":");
	sbuf_put_i64(b, forked);
	sbuf_putc(b, '}');
}

/*
 * The old store s (NULL: there is none) is behind: keep what must stay of
 * it (its stale continuation marked, its lists), close it and move it
 * aside.  *doc gets its list document (malloc'd) or NULL.
 */
static int
put_aside(struct guard *g, store_t *s, const struct sidecar *old,
    char *aside, size_t asidelen, struct store_batch *stale, char **doc,
    char source[16], char *err, size_t errlen)
{
	char why[160];
	int64_t ts;

	stale->n = 0;
	stale->ev = NULL;
	*doc = NULL;
	aside[0] = '\0';
	if (s == NULL)
		return 0;
	if (old->fork_after >= 0) {
		snprintf(why, sizeof(why), "stale continuation of chain %s: the "
		    "platform holds seq %" PRId64 "; carried into the next chain",
		    old->chain, old->platform_seq);
		if (store_mark_forked(s, old->fork_after, why) < 0 ||
		    store_fetch_after(s, old->fork_after, GUARD_MAX_CARRIED,
		    stale) != 0)
			log_warnx("store: the stale continuation of chain %s not "
			    "carried over: %s", old->chain, store_errmsg(s));
	}
	if (store_lists_load(s, doc, source, &ts) != 0)
		*doc = NULL;
	store_close(s);
	if (sidecar_aside_name(g->db, ts_now_ms(), "behind", aside,
	    asidelen) != 0 ||
	    sidecar_move_aside(g->db, aside, err, errlen) != 0) {
		free(*doc);
		*doc = NULL;
		store_batch_free(stale);
		return -1;
	}
	return 0;
}

/*
 * Record the stale continuation again in the new chain, kind, body and
 * time as they were: what the lanes did in it must reach the platform,
 * and its old seqs are held there by other events.
 */
static void
carry(store_t *n, const struct store_batch *stale)
{
	int64_t ts;
	size_t i;

	for (i = 0; i < stale->n; i++) {
		if (ts_parse(stale->ev[i].ts, &ts) != 0)
			ts = ts_now_ms();
		if (store_append(n, stale->ev[i].kind, stale->ev[i].urgent,
		    stale->ev[i].body, ts, NULL, 0, NULL) != STORE_OK) {
			log_warnx("store: %s (seq %" PRId64 " of the old chain) "
			    "not carried over: %s", stale->ev[i].kind,
			    stale->ev[i].seq, store_errmsg(n));
			return;
		}
	}
}

/* The new store of a rollback, with store_rollback as its first event. */
static store_t *
begin_chain(struct guard *g, int64_t db_max_mb, const char *body,
    const char *doc, const char *source, const struct store_batch *stale,
    char *err, size_t errlen)
{
	store_t *s;

	if ((s = store_open(g->db, db_max_mb, err, errlen)) == NULL)
		return NULL;
	if (doc != NULL && store_lists_save(s, doc, source, ts_now_ms()) != 0)
		log_warnx("store: the lists of the old store not carried over: "
		    "%s", store_errmsg(s));
	if (store_append(s, event_name(EV_STORE_ROLLBACK), EVENT_URGENT, body,
	    ts_now_ms(), NULL, 0, NULL) != STORE_OK) {
		snprintf(err, errlen, "%s: store_rollback not recorded: %s",
		    g->db, store_errmsg(s));
		store_close(s);
		return NULL;
	}
	carry(s, stale);
	return s;
}

/* The store s (NULL: missing) is behind (v): begin a new chain. */
static store_t *
rollback(struct guard *g, store_t *s, const struct sidecar *old,
    enum sidecar_verdict v, int64_t db_max_mb, char *err, size_t errlen)
{
	char aside[CFG_PATH_MAX + 64], source[16] = "local", *doc = NULL;
	int64_t store_seq = s != NULL ? store_high_seq(s) : 0, forked;
	bool existed = s != NULL;
	struct store_batch stale;
	struct sbuf b;
	store_t *n;

	if (put_aside(g, s, old, aside, sizeof(aside), &stale, &doc, source,
	    err, errlen) != 0)
		return NULL;
	forked = (int64_t)stale.n;
	sbuf_init(&b);
	rollback_body(&b, old, existed, store_seq, v, existed ? aside : NULL,
	    forked);
	n = begin_chain(g, db_max_mb, b.p, doc, source, &stale, err, errlen);
	sbuf_fini(&b);
	store_batch_free(&stale);
	free(doc);
	if (n == NULL)
		return NULL;
	g->rolled = v;
	snprintf(g->rolled_text, sizeof(g->rolled_text), "store %schain %s "
	    "(last seq %" PRId64 ") is behind: %" PRId64 " committed, the "
	    "platform holds %" PRId64 " (revealed by the %s); new chain %s%s%s",
	    existed ? "" : "missing, ", old->chain, store_seq, old->seq,
	    old->platform_seq, sidecar_verdict_name(v), store_chain(n),
	    existed ? ", old file kept as " : "", existed ? aside : "");
	log_warnx("ALARM: event %s", g->rolled_text);
	if (forked > 0)
		log_warnx("store: %" PRId64 " event(s) of the stale continuation "
		    "of chain %s recorded again in the new chain (the originals "
		    "kept in %s, not sent)", forked, old->chain, aside);
	return n;
}

/* A store file is there: an empty file (made by a reader) is none. */
static bool
store_file_exists(const char *db)
{
	struct stat st;

	return stat(db, &st) == 0 && st.st_size > 0;
}

store_t *
guard_open(struct guard *g, const char *db, int64_t db_max_mb, char *err,
    size_t errlen)
{
	struct sidecar old;
	char why[256];
	enum sidecar_verdict v;
	store_t *s = NULL;
	bool exists;
	int r;

	memset(g, 0, sizeof(*g));
	snprintf(g->db, sizeof(g->db), "%s", db);
	if (sidecar_path(db, g->path, sizeof(g->path)) != 0) {
		snprintf(err, errlen, "%s: path too long for its sidecar", db);
		return NULL;
	}
	if ((r = sidecar_read(g->path, &old, why, sizeof(why))) < 0)
		log_warnx("store: sidecar not used: %s", why);
	exists = store_file_exists(db);
	if (exists && (s = store_open(db, db_max_mb, err, errlen)) == NULL)
		return NULL;
	v = sidecar_judge(r == 1 ? &old : NULL, exists,
	    s != NULL ? store_chain(s) : NULL, s != NULL ? store_high_seq(s) : 0);
	if (v != SC_OK && (s = rollback(g, s, &old, v, db_max_mb, err,
	    errlen)) == NULL)
		return NULL;
	if (s == NULL && (s = store_open(db, db_max_mb, err, errlen)) == NULL)
		return NULL;
	if (r == 1 && v == SC_OK && strcmp(old.chain, store_chain(s)) != 0)
		log_warnx("store: %s holds chain %s, its sidecar named chain %s: "
		    "taken as a store put there on purpose", db, store_chain(s),
		    old.chain);
	g->trust_lane_seq = v == SC_OK && (store_high_seq(s) == 0 ||
	    (r == 1 && strcmp(old.chain, store_chain(s)) == 0));
	if (!g->trust_lane_seq && v == SC_OK)
		log_info("store: no sidecar of chain %s vouches for it: every "
		    "lane starts from a baseline", store_chain(s));
	sc_take(g, s, r == 1 && v == SC_OK ? &old : NULL);
	g->open_seq = store_high_seq(s);
	guard_tick(g, s);
	return s;
}

void
guard_tick(struct guard *g, store_t *s)
{
	if (strcmp(g->sc.chain, store_chain(s)) == 0 &&
	    store_high_seq(s) > g->sc.seq) {
		g->sc.seq = store_high_seq(s);
		g->sc_dirty = true;
	}
	if (!g->sc_dirty)
		return;
	if (sidecar_write(g->path, &g->sc) != 0) {
		if (!g->sc_broken)
			log_warn("store: sidecar %s not written", g->path);
		g->sc_broken = true;
		return;
	}
	if (g->sc_broken)
		log_info("store: sidecar %s written again", g->path);
	g->sc_broken = false;
	g->sc_dirty = false;
}

bool
guard_platform(struct guard *g, store_t *s, const char *chain,
    int64_t platform_seq)
{
	if (strcmp(chain, g->sc.chain) != 0 || strcmp(chain, store_chain(s)) != 0)
		return false;
	if (platform_seq > g->sc.platform_seq) {
		g->sc.platform_seq = platform_seq;
		g->sc_dirty = true;
	}
	if (platform_seq <= store_high_seq(s))
		return false;
	if (g->sc.fork_after < 0) {
		g->sc.fork_after = g->open_seq;
		g->sc_dirty = true;
	}
	return true;
}

/* scandir filter state: the base name of the store (no threads here). */
static const char *aside_base;

static int
aside_filter(const struct dirent *e)
{
	return sidecar_is_aside(aside_base, e->d_name);
}

/* Open one old file; kept in out only while it has unsynced events. */
static int
aside_open(const char *path, store_t **out)
{
	char err[512];
	store_t *s;
	int64_t n;

	if ((s = store_open(path, 0, err, sizeof(err))) == NULL) {
		log_warnx("store: old store not drained: %s", err);
		return 0;
	}
	if ((n = store_count_unsynced(s)) <= 0) {
		store_close(s);
		return 0;
	}
	log_info("store: %s (chain %s) holds %" PRId64 " unsynced event(s): "
	    "sending them", path, store_chain(s), n);
	*out = s;
	return 1;
}

int
guard_asides(const struct guard *g, store_t **out, int max)
{
	char dir[CFG_PATH_MAX], base[CFG_PATH_MAX], path[2 * CFG_PATH_MAX + 2];
	struct dirent **names = NULL;
	const char *d;
	int i, k, n = 0, skipped = 0;

	snprintf(dir, sizeof(dir), "%s", g->db);
	snprintf(base, sizeof(base), "%s", g->db);
	aside_base = basename(base);
	d = dirname(dir);
	if ((k = scandir(d, &names, aside_filter, alphasort)) < 0)
		return 0;
	for (i = 0; i < k; i++) {
		snprintf(path, sizeof(path), "%s/%s", d, names[i]->d_name);
		if (n < max)
			n += aside_open(path, &out[n]);
		else
			skipped++;
		free(names[i]);
	}
	free(names);
	if (skipped > 0)
		log_warnx("store: %d more old store file(s) beside %s wait for "
		    "a later start to be drained (at most %d a start)", skipped,
		    g->db, max);
	return n;
}
