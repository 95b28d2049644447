/* The store guard in the loop: a store lost faults every lane. */
/*
 * The store in use is checked against its path once a second and after
 * every commit; deleted, replaced, gone back or behind the platform, it can
 * no longer be trusted: every lane goes FAULT until a restart, the alarm
 * is recorded where it can be, and the open file is copied aside.
 */
#include <stdio.h>
#include <string.h>

#include "daemon_int.h"
#include "weighgate/event.h"
#include "weighgate/guard.h"
#include "weighgate/lane.h"
#include "weighgate/log.h"
#include "weighgate/sbuf.h"
#include "weighgate/sidecar.h"
#include "weighgate/store.h"
#include "weighgate/sync.h"
#include "weighgate/timefmt.h"

/* --- the store's chain guard (docs/operations.md) -------------------- */

const char *
daemon_store_loss_name(enum store_loss k)
{
	static const char *const names[] = { [LOSS_NONE] = "",
	    [LOSS_DELETED] = "deleted", [LOSS_REPLACED] = "replaced",
	    [LOSS_WENT_BACK] = "went_back",
	    [LOSS_PLATFORM] = "behind_platform" };

	return names[k];
}

/* The store_replaced alarm, into the file still open: it reaches the platform. */
static void
record_store_replaced(struct daemon *d)
{
	struct store_appended ap;
	struct sbuf b;

	sbuf_init(&b);
	sbuf_puts(&b, "{\"found\":");
	sbuf_put_json_str(&b, daemon_store_loss_name(d->loss));
	sbuf_puts(&b, ",\"path\":");
	sbuf_put_json_str(&b, store_path(d->store));
	sbuf_puts(&b, ",\"detail\":");
	sbuf_put_json_str(&b, d->loss_why);
	sbuf_printf(&b, ",\"last_seq\":%lld}",
	    (long long)store_high_seq(d->store));
	if (store_append(d->store, event_name(EV_STORE_REPLACED), EVENT_URGENT,
	    b.p, ts_now_ms(), NULL, 0, &ap) == STORE_OK) {
		sync_kick(d->sync, EVENT_URGENT);
		(void)alarms_note(&d->alarms, "store_replaced", b.p, ap.seq,
		    ts_now_ms());
	} else
		log_warnx("store_replaced event not recorded: %s",
		    store_errmsg(d->store));
	sbuf_fini(&b);
}

/*
 * The file still open holds every event committed, but nothing names it
 * any more: a copy is saved beside the store, as <db>.old-TIME-deleted (or
 * -replaced), so that a restart before the sync has sent it all loses
 * nothing (the next start drains it, guard.c).
 */
static void
save_begin(struct daemon *d)
{
	if (sidecar_aside_name(d->cfg->controller.db, ts_now_ms(),
	    daemon_store_loss_name(d->loss), d->save_path,
	    sizeof(d->save_path)) != 0 ||
	    store_save_begin(d->store, d->save_path) != 0) {
		log_warnx("store: the open file not saved: %s",
		    store_errmsg(d->store));
		return;
	}
	d->saving = true;
}

/* A few pages of the copy per tick (SAVE_PAGES x 4 KiB, every TICK_MS). */
#define SAVE_PAGES 64

static void
save_step(struct daemon *d)
{
	int rc;

	if (!d->saving || (rc = store_save_step(d->store, SAVE_PAGES)) == 0)
		return;
	d->saving = false;
	if (rc == 1)
		log_warnx("store: what the %s store held is saved as %s "
		    "(docs/operations.md)", daemon_store_loss_name(d->loss), d->save_path);
	else
		log_warnx("store: the open file not saved as %s: %s",
		    d->save_path, store_errmsg(d->store));
}

/*
 * The store can no longer be trusted: every lane FAULT (barrier down) until
 * a restart, which judges the store again (guard.c).  Nothing recovers
 * into the file: store_retry() and startup_retry() stand down, and every
 * record fails.  The sync still sends what the open file holds.
 */
static void
store_lost(struct daemon *d, enum store_loss k, const char *what)
{
	struct lane_input in;
	int i;

	if (d->loss != LOSS_NONE)
		return;
	d->loss = k;
	snprintf(d->loss_why, sizeof(d->loss_why), "%s", what);
	log_warnx("ALARM: event store %s: %s; every lane FAULT until a "
	    "restart (docs/operations.md)", daemon_store_loss_name(k), what);
	/* went_back: the file refuses every append (store.c), so the alarm
	 * reaches the platform as the next start's store_rollback */
	if (k == LOSS_DELETED || k == LOSS_REPLACED)
		record_store_replaced(d);
	else if (k == LOSS_WENT_BACK)
		log_warnx("store_replaced event not recorded: the store refuses "
		    "appends; the next start records store_rollback");
	if (k == LOSS_DELETED || k == LOSS_REPLACED)
		save_begin(d);
	memset(&in, 0, sizeof(in));
	in.kind = LI_COMMIT_FAILED;
	for (i = 0; i < d->cfg->n_lanes; i++)
		daemon_step(d, i, &in);
}

/* Is the store still the file opened?  When not, store_lost(). */
bool
daemon_store_gone(struct daemon *d, bool deep)
{
	static const enum store_loss of[] = { [STORE_SAME] = LOSS_NONE,
	    [STORE_DELETED] = LOSS_DELETED, [STORE_REPLACED] = LOSS_REPLACED,
	    [STORE_WENT_BACK] = LOSS_WENT_BACK };
	enum store_identity v;
	char what[sizeof(d->loss_why)];

	if (d->loss != LOSS_NONE)
		return true;
	if ((v = store_identity(d->store, deep, what, sizeof(what))) ==
	    STORE_SAME)
		return false;
	store_lost(d, of[v], what);
	return true;
}

/* Every tick: the identity once a second, the sidecar when it changed. */
void
daemon_store_tick(struct daemon *d)
{
	if (ts_mono_ms() >= d->identity_ms) {
		d->identity_ms = ts_mono_ms() + STORE_PROBE_MS;
		(void)daemon_store_gone(d, true);
	}
	save_step(d);
	guard_tick(&d->guard, d->store);
}

/* The platform's last seq of our chain (sync.c): is the store behind? */
static bool
on_chain(void *arg, const char *chain, int64_t platform_seq)
{
	struct daemon *d = arg;
	char what[sizeof(d->loss_why)];

	if (!guard_platform(&d->guard, d->store, chain, platform_seq))
		return false;
	snprintf(what, sizeof(what), "the platform holds chain %s to seq "
	    "%lld, the store %s only to %lld; the next start begins a new "
	    "chain", chain, (long long)platform_seq, store_path(d->store),
	    (long long)store_high_seq(d->store));
	store_lost(d, LOSS_PLATFORM, what);
	guard_tick(&d->guard, d->store);	/* the next start must know */
	return true;
}

/* Old store files with unsynced events: the sync sends them too. */
void
daemon_store_drain_asides(struct daemon *d)
{
	store_t *old[GUARD_MAX_ASIDE];
	int i, n = guard_asides(&d->guard, old, GUARD_MAX_ASIDE);

	for (i = 0; i < n; i++)
		sync_drain(d->sync, old[i]);
	sync_on_chain(d->sync, on_chain, d);
}
