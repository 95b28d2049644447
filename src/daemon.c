/*
 * The daemon's imperative shell (STYLE.md): one libevent loop owns every
 * lane, the store and the lists.  Modbus links run on their own threads
 * (mbdev.c) and wake the loop with what changed; the loop feeds it to the
 * pure lane_step() and carries out the actions it returns, recording first:
 * an action list stops at a record that does not commit.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <event2/thread.h>

#include "weighgate/chain.h"
#include "weighgate/clockwatch.h"
#include "weighgate/daemon.h"
#include "weighgate/event.h"
#include "weighgate/guard.h"
#include "weighgate/lane.h"
#include "weighgate/led.h"
#include "weighgate/lists.h"
#include "weighgate/log.h"
#include "weighgate/mbdev.h"
#include "weighgate/notify.h"
#include "weighgate/reload.h"
#include "weighgate/sbuf.h"
#include "weighgate/status.h"
#include "weighgate/store.h"
#include "weighgate/housekeep.h"
#include "weighgate/sync.h"
#include "weighgate/timefmt.h"
#include "weighgate/version.h"

#define MAX_LINKS (CFG_MAX_LANES * MB_NDEVICES)
#define TICK_MS 20
#define STOP_WAIT_MS 5000
#define STARTUP_RETRY_MS 1000
#define STORE_PROBE_MS 1000

/*
 * A configuration in force (SIGHUP reload, docs/reload.md): the current
 * one, and older ones while a lane still runs a vehicle on them.
 */
struct cfg_gen {
	const struct config *cfg;
	struct config *owned;		/* freed with it; NULL: the caller's */
	char ruleset[65];
	int refs;			/* lanes on it, + 1 while current */
};

/* Why the store in use can no longer be trusted: every lane FAULT. */
enum store_loss {
	LOSS_NONE = 0,
	LOSS_DELETED,		/* the file (or its -wal) was deleted */
	LOSS_REPLACED,		/* another file is at its path */
	LOSS_WENT_BACK,		/* the file holds less than was committed */
	LOSS_PLATFORM		/* the platform holds the chain further */
};

struct daemon_lane {
	struct lane lane;
	struct mblink *link[MB_NDEVICES];
	uint16_t led_counter;		/* the last written, or adopted */
	uint16_t led_seen;		/* the sign's counter as last read */
	bool led_read;			/* the sign's counter read once */
	bool led_pending;		/* a message waits for that read */
	struct lane_action led_pend;
	struct status_counters stats;	/* figures for the status server */
	struct cfg_gen *gen;		/* the configuration the lane runs on */
};

struct daemon {
	const struct config *cfg;
	struct event_base *base;
	struct event *wake;
	struct event *tick;
	struct event *sigterm;
	struct event *sigint;
	store_t *store;
	struct lists *lists;
	struct sync *sync;
	struct housekeep *hk;
	struct status *status;		/* board, metrics, override (status.c) */
	int64_t started_ms;
	char override_uuid[40];		/* of the override event just committed */
	char ruleset[65];
	struct lane_ctx ctx;
	int n_links;
	struct mblink *links[MAX_LINKS];
	struct devaddr link_addr[MAX_LINKS];
	bool link_held[MAX_LINKS];	/* stuck, not replaced: too many stuck */
	struct daemon_lane lanes[CFG_MAX_LANES];
	int64_t stop_deadline;		/* mono ms; 0 while running */
	bool startup_pending;		/* the startup event is not recorded yet */
	int64_t startup_retry_ms;	/* mono ms of the next attempt */
	int startup_attempts;
	int64_t store_probe_ms;		/* mono ms of the next store probe */
	int exit_status;
	/* systemd notification, link supervision, reload (notify.c, reload.c) */
	struct cfg_gen *gen;		/* the current configuration */
	struct event *sighup;
	struct event *watchdog;
	struct notify *notify;
	char status_sent[512];		/* the last STATUS= sent */
	int64_t status_sent_ms;
	/* the clock watch (clockwatch.c, docs/lane.md "A clock in doubt") */
	struct clockwatch clock;
	int64_t clock_check_ms;		/* mono ms of the next check */
	uint64_t clock_dates;		/* the sync's Date headers taken */
	/* the store's chain guard (guard.c, docs/operations.md) */
	struct guard guard;
	enum store_loss loss;		/* LOSS_NONE while the store is sound */
	char loss_why[320];
	int64_t identity_ms;		/* mono ms of the next identity check */
	bool saving;			/* copying the lost file aside */
	char save_path[CFG_PATH_MAX + 64];
};

static struct lane_now
now(void)
{
	struct lane_now n = { ts_now_ms(), ts_mono_ms() };

	return n;
}

static void step(struct daemon *d, int i, const struct lane_input *in);
static bool store_gone(struct daemon *d, bool deep);

static void
write_coil(struct daemon *d, int i, int offset, bool on, bool pulse)
{
	const struct lane_cfg *lc = d->lanes[i].lane.cfg;
	struct mb_write w;

	memset(&w, 0, sizeof(w));
	w.kind = pulse ? MB_WRITE_PULSE : MB_WRITE_COIL;
	w.lane = i;
	w.device = MB_IO;
	w.unit = lc->io.unit;
	w.addr = lc->io_coil_base + offset;
	w.count = 1;
	w.on = on;
	w.pulse_ms = 200;
	w.queued_mono_ms = ts_mono_ms();
	mblink_write(d->lanes[i].link[MB_IO], &w);
}

/*
 * Pulse mode: both pulse coils off before the lane's first barrier command
 * to an I/O module it has just (re)gained.  The end of a pulse is the link
 * thread's to write; a thread killed, or abandoned as stuck, between the
 * start and the end of a pulse leaves that coil on, and a raise coil left
 * on would hold the barrier up whatever is pulsed next.
 */
static void
clear_pulse_coils(struct daemon *d, int i)
{
	if (d->lanes[i].lane.cfg->barrier_mode != BARRIER_PULSE)
		return;
	write_coil(d, i, 0, false, false);
	write_coil(d, i, 3, false, false);
}

static void
write_barrier(struct daemon *d, int i, bool up)
{
	if (d->lanes[i].lane.cfg->barrier_mode == BARRIER_PULSE)
		write_coil(d, i, up ? 0 : 3, true, true);
	else
		write_coil(d, i, 0, up, false);
}

/* Colour and text in one write, then the counter: never half a message. */
static void
write_led(struct daemon *d, int i, const struct lane_action *a)
{
	const struct lane_cfg *lc = d->lanes[i].lane.cfg;
	struct daemon_lane *dl = &d->lanes[i];
	struct mb_write w;

	if (dl->link[MB_LED] == NULL)
		return;
	if (!dl->led_read) {
		/* the counter must go on from the sign's: after its first read */
		dl->led_pend = *a;
		dl->led_pending = true;
		return;
	}
	memset(&w, 0, sizeof(w));
	w.kind = MB_WRITE_REGS;
	w.lane = i;
	w.device = MB_LED;
	w.unit = lc->led.unit;
	w.addr = lc->led_base + 1;
	w.count = 1 + lc->led_registers;
	w.regs[0] = (uint16_t)a->colour;
	if (led_encode(lc->led_encoding, a->text, lc->led_registers, w.regs + 1) < 0)
		log_warnx("lane %s: LED text cannot be encoded: %s", lc->name, a->text);
	w.queued_mono_ms = ts_mono_ms();
	mblink_write(dl->link[MB_LED], &w);
	w.addr = lc->led_base;
	w.count = 1;
	/* a change the sign cannot miss, even against a stale read */
	if (++dl->led_counter == dl->led_seen)
		++dl->led_counter;
	w.regs[0] = dl->led_counter;
	mblink_write(dl->link[MB_LED], &w);
}

/*
 * Carry out a lane's actions in order.  A record that does not commit ends
 * the list: nothing after it is done, and the lane is told.
 */
static void
execute(struct daemon *d, int i, struct lane_actions *acts)
{
	struct daemon_lane *dl = &d->lanes[i];
	struct store_appended ap;
	struct lane_input in;
	char uuid[40] = "";
	bool failed = false, committed = false;
	int k;

	for (k = 0; k < acts->n && !failed; k++) {
		struct lane_action *a = &acts->a[k];

		switch (a->kind) {
		case LA_RECORD:
			if (d->loss != LOSS_NONE) {
				failed = true;	/* said once, by store_lost() */
				break;
			}
			if (d->startup_pending) {
				/* the log of a run starts with its startup event */
				log_warnx("lane %s: %s event not recorded: the "
				    "startup event is not recorded yet",
				    dl->lane.cfg->name, event_name(a->event));
				failed = true;
				break;
			}
			if (store_append(d->store, event_name(a->event),
			    a->urgent, a->body, ts_now_ms(),
			    a->has_result_seq ? dl->lane.cfg->name : NULL,
			    a->result_seq, &ap) != STORE_OK) {
				log_warnx("lane %s: %s event not recorded: %s",
				    dl->lane.cfg->name, event_name(a->event),
				    store_errmsg(d->store));
				(void)store_gone(d, false);
				failed = true;
				break;
			}
			committed = true;
			sync_kick(d->sync, a->urgent);
			/* committed into a file no longer at its path: no output */
			if (store_gone(d, false)) {
				failed = true;
				break;
			}
			status_count_event(&dl->stats, event_name(a->event),
			    a->body);
			if (a->event == EV_WEIGHING)
				status_count_decision(&dl->stats, dl->lane.last.d.kind);
			else if (a->event == EV_OVERRIDE)
				snprintf(d->override_uuid, sizeof(d->override_uuid),
				    "%s", ap.uuid);
			if (a->event == EV_WEIGHING || uuid[0] == '\0')
				snprintf(uuid, sizeof(uuid), "%s", ap.uuid);
			break;
		case LA_BARRIER:
			write_barrier(d, i, a->on);
			status_count_output(&dl->stats, ts_mono_ms());
			/* the barrier's time runs from the write, not the decision */
			lane_barrier_sent(&dl->lane, ts_mono_ms());
			break;
		case LA_LIGHT:
			write_coil(d, i, 1, a->on, false);
			break;
		case LA_ALARM:
			write_coil(d, i, 2, a->on, false);
			break;
		case LA_LED:
			write_led(d, i, a);
			status_count_output(&dl->stats, ts_mono_ms());
			break;
		case LA_LOG:
			log_info("%s", a->text);
			break;
		case LA_REFERENCE:
			/* for a restart only: the lane goes on if it fails; a
			 * lost store's references are never read again */
			if (d->loss != LOSS_NONE)
				break;
			if (store_set_lane_seq(d->store, dl->lane.cfg->name,
			    a->result_seq) != 0)
				log_warnx("lane %s: result sequence reference %lld "
				    "not stored: %s", dl->lane.cfg->name,
				    (long long)a->result_seq, store_errmsg(d->store));
			break;
		}
	}
	lane_actions_clear(acts);
	memset(&in, 0, sizeof(in));
	if (failed) {
		in.kind = LI_COMMIT_FAILED;
		step(d, i, &in);
	} else if (committed) {
		in.kind = LI_COMMITTED;
		in.uuid = uuid;
		step(d, i, &in);
	}
}

static void
step(struct daemon *d, int i, const struct lane_input *in)
{
	struct lane_actions acts;
	struct lane_ctx ctx = d->ctx;

	/* a lane decides on its own configuration until it takes the new one */
	if (d->lanes[i].gen != NULL) {
		ctx.rules = &d->lanes[i].gen->cfg->rules;
		ctx.ruleset = d->lanes[i].gen->ruleset;
	}
	acts.n = 0;
	lane_step(&d->lanes[i].lane, &ctx, in, now(), &acts);
	execute(d, i, &acts);
}

static enum lane_dev
lane_dev_of(enum mb_device dev)
{
	return dev == MB_SCALE ? LDEV_SCALE : dev == MB_IO ? LDEV_IO : LDEV_LED;
}

/* One report of a link thread, as the lane's input. */
static void
report(struct daemon *d, const struct mb_report *r)
{
	struct lane_input in;
	int k;

	memset(&in, 0, sizeof(in));
	switch (r->kind) {
	case MB_DATA:
		if (r->device == MB_SCALE && r->count >= SCALE_NREGS) {
			in.kind = LI_SCALE;
			memcpy(in.regs, r->regs, sizeof(in.regs));
			d->lanes[r->lane].stats.scale_read_mono_ms = r->mono_ms;
			log_debug("lane %s: scale read at mono %lld ms, "
			    "sequence %u", d->cfg->lanes[r->lane].name,
			    (long long)r->mono_ms, r->regs[1]);
		} else if (r->device == MB_IO && r->count >= IO_NINPUTS) {
			/* no barrier write comes before the inputs are known */
			if (!d->lanes[r->lane].lane.inputs_known)
				clear_pulse_coils(d, r->lane);
			in.kind = LI_IO;
			for (k = 0; k < IO_NINPUTS; k++)
				in.bits[k] = r->bits[k] != 0;
		} else if (r->device == MB_LED) {
			struct daemon_lane *dl = &d->lanes[r->lane];

			/*
			 * The sign's counter is taken over at the first read
			 * only, before any write: a later read may have been
			 * taken before a write and reported after it, and
			 * would set the counter back so that the next message
			 * repeated the counter the sign shows.
			 */
			dl->led_seen = r->regs[0];
			if (!dl->led_read) {
				dl->led_read = true;
				dl->led_counter = r->regs[0];
				if (dl->led_pending) {
					dl->led_pending = false;
					write_led(d, r->lane, &dl->led_pend);
				}
			}
			in.kind = LI_UP;
			in.dev = LDEV_LED;
		} else
			return;
		break;
	case MB_DOWN:
		in.kind = LI_DOWN;
		in.dev = lane_dev_of(r->device);
		in.since_mono_ms = r->down_since_ms;
		in.err = r->err;
		d->lanes[r->lane].stats.modbus_errors[in.dev]++;
		break;
	case MB_UP:
		if (r->device == MB_IO)
			clear_pulse_coils(d, r->lane);
		in.kind = LI_UP;
		in.dev = lane_dev_of(r->device);
		break;
	case MB_WRITE_FAILED:
		d->lanes[r->lane].stats.modbus_errors[lane_dev_of(r->device)]++;
		log_warnx("lane %s: write to %s failed: %s",
		    d->cfg->lanes[r->lane].name, r->device == MB_IO ? "I/O module" :
		    r->device == MB_LED ? "LED sign" : "scale", r->err);
		return;
	case MB_STRAY:		/* discarded by the link, never decoded */
		d->lanes[r->lane].stats.modbus_stray[lane_dev_of(r->device)] +=
		    r->strays;
		return;
	}
	step(d, r->lane, &in);
}

/* A link thread has queued reports: feed them to their lanes. */
static void
on_wake(evutil_socket_t fd, short what, void *arg)
{
	struct daemon *d = arg;
	static struct mb_report reports[64];
	int i, n, k;

	(void)fd;
	(void)what;
	for (i = 0; i < d->n_links; i++)
		while ((n = mblink_take(d->links[i], reports, 64)) > 0)
			for (k = 0; k < n; k++)
				report(d, &reports[k]);
}

static int record_startup(struct daemon *d);

/*
 * The startup event could not be recorded (store full or failing): every
 * lane is told its commit failed, so it stays FAULT with the barrier down
 * and the fault text shown; once a second the startup event is tried again,
 * and when it commits the lanes are told and recover.
 */
static void
startup_retry(struct daemon *d)
{
	struct lane_input in;
	int i;

	if (!d->startup_pending || d->loss != LOSS_NONE ||
	    ts_mono_ms() < d->startup_retry_ms)
		return;
	d->startup_retry_ms = ts_mono_ms() + STARTUP_RETRY_MS;
	memset(&in, 0, sizeof(in));
	if (record_startup(d) == 0) {
		d->startup_pending = false;
		log_info("startup event recorded after %d attempt(s): lanes may "
		    "leave FAULT", d->startup_attempts);
		in.kind = LI_COMMITTED;
	} else {
		/* once, then a summary every 10 s (docs/design.md §11) */
		if (d->startup_attempts++ % 10 == 0)
			log_warnx("startup event still not recorded (%d attempts):"
			    " %s", d->startup_attempts, store_errmsg(d->store));
		in.kind = LI_COMMIT_FAILED;
	}
	for (i = 0; i < d->cfg->n_lanes; i++)
		step(d, i, &in);
}

/*
 * A lane faulted by a failed commit leaves FAULT only when the store commits
 * again: once a second, while any lane waits for it, a probe transaction
 * tells whether it does (space freed, disk back), and the waiting lanes are
 * told.  Their next decision is still recorded before anything moves.
 */
static void
store_retry(struct daemon *d)
{
	struct lane_input in;
	bool waiting = false;
	int i;

	for (i = 0; i < d->cfg->n_lanes; i++)
		waiting = waiting || d->lanes[i].lane.store_fault;
	if (!waiting || d->startup_pending || d->loss != LOSS_NONE ||
	    ts_mono_ms() < d->store_probe_ms)
		return;
	d->store_probe_ms = ts_mono_ms() + STORE_PROBE_MS;
	if (store_probe(d->store) != 0)
		return;
	log_info("event store commits again: faulted lanes may recover");
	memset(&in, 0, sizeof(in));
	in.kind = LI_COMMITTED;
	for (i = 0; i < d->cfg->n_lanes; i++)
		if (d->lanes[i].lane.store_fault)
			step(d, i, &in);
}

/* --- the store's chain guard (docs/operations.md) -------------------- */

static const char *
loss_name(enum store_loss k)
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
	struct sbuf b;

	sbuf_init(&b);
	sbuf_puts(&b, "{\"found\":");
	sbuf_put_json_str(&b, loss_name(d->loss));
	sbuf_puts(&b, ",\"path\":");
	sbuf_put_json_str(&b, store_path(d->store));
	sbuf_puts(&b, ",\"detail\":");
	sbuf_put_json_str(&b, d->loss_why);
	sbuf_printf(&b, ",\"last_seq\":%lld}",
	    (long long)store_high_seq(d->store));
	if (store_append(d->store, event_name(EV_STORE_REPLACED), EVENT_URGENT,
	    b.p, ts_now_ms(), NULL, 0, NULL) == STORE_OK)
		sync_kick(d->sync, EVENT_URGENT);
	else
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
	    loss_name(d->loss), d->save_path, sizeof(d->save_path)) != 0 ||
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
		    "(docs/operations.md)", loss_name(d->loss), d->save_path);
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
	    "restart (docs/operations.md)", loss_name(k), what);
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
		step(d, i, &in);
}

/* Is the store still the file opened?  When not, store_lost(). */
static bool
store_gone(struct daemon *d, bool deep)
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
static void
store_guard_tick(struct daemon *d)
{
	if (ts_mono_ms() >= d->identity_ms) {
		d->identity_ms = ts_mono_ms() + STORE_PROBE_MS;
		(void)store_gone(d, true);
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
static void
drain_asides(struct daemon *d)
{
	store_t *old[GUARD_MAX_ASIDE];
	int i, n = guard_asides(&d->guard, old, GUARD_MAX_ASIDE);

	for (i = 0; i < n; i++)
		sync_drain(d->sync, old[i]);
	sync_on_chain(d->sync, on_chain, d);
}

static bool
all_quiescent(const struct daemon *d)
{
	int i;

	for (i = 0; i < d->cfg->n_lanes; i++)
		if (!lane_quiescent(&d->lanes[i].lane))
			return false;
	return true;
}

/* --- the clock watch ------------------------------------------------- */

/* Record a clock event (safety: clock_step and clock_skew are sent at once). */
static void
clock_record(struct daemon *d, const struct cw_event *e)
{
	const char *kind = cw_event_name(e->kind);
	bool urgent = e->kind != CW_EV_OK;	/* clock_ok is batched */
	struct store_appended ap;
	struct sbuf b;

	if (e->kind == CW_EV_STEP)
		log_warnx("clock: ALARM: the wall clock stepped %+lld ms against "
		    "the monotonic clock (now %+lld ms off the trusted time): "
		    "clock in doubt", (long long)e->ms, (long long)e->offset_ms);
	else if (e->kind == CW_EV_SKEW)
		log_warnx("clock: ALARM: the platform's Date is %+lld ms off the "
		    "local clock: clock in doubt", (long long)e->ms);
	else
		log_info("clock: %s: clock no longer in doubt",
		    e->source == CW_SRC_PLATFORM ? "the platform's Date agrees "
		    "again" : "the wall clock is back on the trusted time");
	if (d->startup_pending || d->loss != LOSS_NONE) {
		/* a run's log begins with its startup event, and a lost store
		 * takes nothing more; the doubt holds all the same */
		log_warnx("clock: %s not recorded: the store takes no event now",
		    kind);
		return;
	}
	sbuf_init(&b);
	cw_event_body(&b, e);
	if (store_append(d->store, kind, urgent, b.p, ts_now_ms(), NULL, 0,
	    &ap) == STORE_OK)
		sync_kick(d->sync, urgent);
	else
		log_warnx("clock: %s not recorded: %s", kind,
		    store_errmsg(d->store));
	sbuf_fini(&b);
}

/*
 * Every tick, before the lanes step: the wall clock against the boot clock
 * (two reads of the vDSO clocks); once a second the platform's latest
 * Date and the kernel's NTP state (an alarm only).  The doubt is in force
 * for the lanes from this tick's step on.
 */
static void
clock_check(struct daemon *d)
{
	struct cw_event ev[CW_MAX_EVENTS];
	struct sync_stats st;
	int i, n;

	n = cw_check(&d->clock, ts_now_ms(), ts_boot_ms(), ev);
	for (i = 0; i < n; i++)
		clock_record(d, &ev[i]);
	d->ctx.clock_doubt = cw_doubt(&d->clock);
	if (ts_mono_ms() < d->clock_check_ms)
		return;
	d->clock_check_ms = ts_mono_ms() + CW_CHECK_MS;
	sync_get_stats(d->sync, &st);
	if (st.dates_seen != d->clock_dates) {
		d->clock_dates = st.dates_seen;
		n = cw_peer_date(&d->clock, st.date_ms, st.date_wall_ms,
		    st.date_boot_ms, ev);
		for (i = 0; i < n; i++)
			clock_record(d, &ev[i]);
	}
	if (cw_kernel(&d->clock, cw_kernel_unsync()))
		log_warnx(d->clock.kernel_unsync ? "clock: the kernel's clock "
		    "is not NTP-synchronised (an alarm only: decisions do not "
		    "change)" : "clock: the kernel's clock is NTP-synchronised");
	d->ctx.clock_doubt = cw_doubt(&d->clock);
}

static void daemon_supervise(struct daemon *d);

/* Every TICK_MS: timers of every lane, and the end of a shutdown. */
static void
on_tick(evutil_socket_t fd, short what, void *arg)
{
	struct daemon *d = arg;
	struct lane_input in;
	int i;

	(void)fd;
	(void)what;
	if (d->stop_deadline == 0) {
		startup_retry(d);
		store_retry(d);
	}
	clock_check(d);
	memset(&in, 0, sizeof(in));
	in.kind = LI_TICK;
	for (i = 0; i < d->cfg->n_lanes; i++)
		step(d, i, &in);
	store_guard_tick(d);
	daemon_supervise(d);
	if (d->stop_deadline != 0 &&
	    (all_quiescent(d) || ts_mono_ms() >= d->stop_deadline)) {
		if (!all_quiescent(d))
			log_warnx("stopping with a barrier not confirmed down "
			    "(pass loop occupied)");
		event_base_loopbreak(d->base);
	}
}

/* SIGTERM/SIGINT: fault text, barrier down once the pass loop is clear, exit. */
static void
on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct daemon *d = arg;
	struct lane_input in;
	int i;

	(void)what;
	if (d->stop_deadline != 0)
		return;
	log_info("signal %d: stopping", (int)sig);
	notify_send(d->notify, "STOPPING=1");
	d->stop_deadline = ts_mono_ms() + STOP_WAIT_MS;
	memset(&in, 0, sizeof(in));
	in.kind = LI_SHUTDOWN;
	for (i = 0; i < d->cfg->n_lanes; i++)
		step(d, i, &in);
}

static struct mblink *
link_for(struct daemon *d, const struct devaddr *a, const struct lane_cfg *lc)
{
	int i;

	for (i = 0; i < d->n_links; i++)
		if (devaddr_same_link(&d->link_addr[i], a))
			return d->links[i];
	if ((d->links[i] = mblink_new(a, lc->poll_ms, lc->timeout_ms, d->wake)) == NULL)
		return NULL;
	d->link_addr[i] = *a;
	d->link_held[i] = false;
	d->n_links++;
	return d->links[i];
}

static int
add_poll(struct daemon *d, int i, enum mb_device dev, const struct devaddr *a,
    enum mb_read_kind kind, int addr, int count)
{
	struct mb_poll p = { i, dev, a->unit, kind, addr, count };
	struct mblink *l;

	if (a->type == DEV_NONE)
		return 0;
	if ((l = link_for(d, a, d->lanes[i].lane.cfg)) == NULL)
		return -1;
	d->lanes[i].link[dev] = l;
	return mblink_add_poll(l, &p);
}

/* The read of one device of lane i, by the lane's own configuration. */
static const struct devaddr *
lane_devaddr(const struct lane_cfg *lc, enum mb_device dev)
{
	return dev == MB_SCALE ? &lc->scale : dev == MB_IO ? &lc->io : &lc->led;
}

static int
add_dev_poll(struct daemon *d, int i, enum mb_device dev)
{
	const struct lane_cfg *lc = d->lanes[i].lane.cfg;

	switch (dev) {
	case MB_SCALE:
		return add_poll(d, i, MB_SCALE, &lc->scale, MB_READ_HOLDING,
		    lc->scale_base, SCALE_NREGS);
	case MB_IO:
		return add_poll(d, i, MB_IO, &lc->io, MB_READ_DISCRETE,
		    lc->io_input_base, IO_NINPUTS);
	default:
		return add_poll(d, i, MB_LED, &lc->led, MB_READ_HOLDING,
		    lc->led_base, 1);
	}
}

static int
lanes_start(struct daemon *d)
{
	const struct config *cfg = d->cfg;
	int i;

	for (i = 0; i < cfg->n_lanes; i++) {
		const struct lane_cfg *lc = &cfg->lanes[i];
		int64_t seq = 0;
		bool found = false;

		if (store_lane_seq(d->store, lc->name, &seq, &found) != 0)
			return -1;
		/* a store its sidecar cannot vouch for: a baseline (guard.c) */
		found = found && d->guard.trust_lane_seq;
		lane_init(&d->lanes[i].lane, lc, found, seq);
		if (add_dev_poll(d, i, MB_SCALE) != 0 ||
		    add_dev_poll(d, i, MB_IO) != 0 ||
		    add_dev_poll(d, i, MB_LED) != 0)
			return -1;
	}
	for (i = 0; i < d->n_links; i++)
		if (mblink_start(d->links[i]) != 0)
			return -1;
	return 0;
}

static int
lists_load(struct daemon *d)
{
	char *doc = NULL, source[16], err[256];
	int64_t ts;

	if (store_lists_load(d->store, &doc, source, &ts) != 0)
		return -1;
	if (doc == NULL) {
		log_info("no lists in the store: none in force");
		return 0;
	}
	if (lists_parse(doc, strlen(doc), &d->lists, err, sizeof(err)) != 0)
		log_warnx("stored lists rejected (%s): none in force", err);
	else
		log_info("lists %s in force (%zu watch, %zu exempt, %zu permits)",
		    lists_version(d->lists), lists_count_watch(d->lists),
		    lists_count_exempt(d->lists), lists_count_permits(d->lists));
	free(doc);
	d->ctx.lists = d->lists;
	return 0;
}

/* The startup event; the caller logs a failure (store_errmsg). */
static int
record_startup(struct daemon *d)
{
	struct store_appended ap;
	struct sbuf b;
	char cfghash[65];
	enum store_status st;

	cfg_hash(d->cfg, cfghash);
	sbuf_init(&b);
	sbuf_puts(&b, "{\"version\":");
	sbuf_put_json_str(&b, WEIGHGATE_VERSION);
	sbuf_puts(&b, ",\"controller\":");
	sbuf_put_json_str(&b, d->cfg->controller.id);
	sbuf_puts(&b, ",\"ruleset\":");
	sbuf_put_json_str(&b, d->ruleset);
	sbuf_puts(&b, ",\"config_hash\":");
	sbuf_put_json_str(&b, cfghash);
	sbuf_printf(&b, ",\"lanes\":%d}", d->cfg->n_lanes);
	st = store_append(d->store, event_name(EV_STARTUP), EVENT_URGENT, b.p,
	    ts_now_ms(), NULL, 0, &ap);
	sbuf_fini(&b);
	if (st == STORE_OK)
		sync_kick(d->sync, EVENT_URGENT);
	return st == STORE_OK ? 0 : -1;
}

/* The sync stored new lists from the platform: in force from the next step. */
static void
on_lists(struct lists *l, void *arg)
{
	struct daemon *d = arg;
	struct lists *old = d->lists;

	d->lists = l;
	d->ctx.lists = l;
	lists_free(old);
}

/* The chain guard's alarms for the status server. */
static void
store_snapshot(const struct daemon *d, struct status_snap *out)
{
	snprintf(out->store_replaced, sizeof(out->store_replaced), "%s",
	    loss_name(d->loss));
	snprintf(out->store_replaced_why, sizeof(out->store_replaced_why), "%s",
	    d->loss_why);
	out->store_rollback = d->guard.rolled != SC_OK;
	snprintf(out->store_rollback_why, sizeof(out->store_rollback_why),
	    "%s", d->guard.rolled != SC_OK ? d->guard.rolled_text : "");
}

/* The status server asks for the loop's current figures (plain data). */
static void
status_snapshot(void *arg, struct status_snap *out)
{
	struct daemon *d = arg;
	int64_t free_mb = housekeep_free_mb(d->hk);
	int i;

	snprintf(out->controller, sizeof(out->controller), "%s",
	    d->cfg->controller.id);
	snprintf(out->version, sizeof(out->version), "%s", WEIGHGATE_VERSION);
	out->now_ms = ts_now_ms();
	out->started_ms = d->started_ms;
	out->overrides = d->cfg->rules.overrides;
	snprintf(out->override_token_file, sizeof(out->override_token_file),
	    "%s", d->cfg->controller.override_token_file);
	out->store_ok = !d->startup_pending;
	store_snapshot(d, out);
	out->free_disk_bytes = free_mb >= 0 ? free_mb * 1024 * 1024 : -1;
	out->disk_low = housekeep_disk_low(d->hk);
	sync_get_stats(d->sync, &out->sync);
	out->clock = d->clock;
	out->n_lanes = d->cfg->n_lanes;
	for (i = 0; i < d->cfg->n_lanes; i++)
		status_fill_lane(&out->lanes[i], &d->lanes[i].lane,
		    &d->lanes[i].stats);
}

/*
 * A manual override from the status server (docs/design.md §9): the lane records the
 * override event and raises the barrier for one vehicle; execute() commits
 * the event before it writes the barrier, and nothing rises if it fails.
 */
static int
status_override(void *arg, const char *lane, const char *operator_id,
    const char *reason, char *uuid, char *msg, size_t msglen)
{
	struct daemon *d = arg;
	struct lane_input in;
	const struct lane *l;
	int i;

	for (i = 0; i < d->cfg->n_lanes; i++)
		if (strcmp(d->lanes[i].lane.cfg->name, lane) == 0)
			break;
	if (!d->cfg->rules.overrides) {
		snprintf(msg, msglen, "overrides are off ([rules] overrides)");
		return STATUS_OVR_FORBIDDEN;
	}
	if (i == d->cfg->n_lanes) {
		snprintf(msg, msglen, "no lane %s", lane);
		return STATUS_OVR_NO_LANE;
	}
	l = &d->lanes[i].lane;
	if (l->state != LANE_REFUSED || l->stopping) {
		snprintf(msg, msglen, "lane %s is %s, not REFUSED", lane,
		    l->stopping ? "stopping" : lane_state_name(l->state));
		return STATUS_OVR_NOT_REFUSED;
	}
	log_info("lane %s: override by operator %s: %s", lane, operator_id,
	    reason);
	memset(&in, 0, sizeof(in));
	in.kind = LI_OVERRIDE;
	in.operator_id = operator_id;
	in.reason = reason;
	d->override_uuid[0] = '\0';
	step(d, i, &in);
	if (d->override_uuid[0] == '\0' || l->state != LANE_OPEN) {
		snprintf(msg, msglen, d->override_uuid[0] == '\0' ? "the override "
		    "event could not be recorded: the barrier stays down" :
		    "the lane went to FAULT: the barrier stays down");
		return STATUS_OVR_NOT_RECORDED;
	}
	snprintf(uuid, 40, "%s", d->override_uuid);
	return STATUS_OVR_OK;
}

/* The status server; the listen address is read once (a change needs a restart). */
static int
status_start(struct daemon *d)
{
	struct status_source src = { d, status_snapshot, status_override };

	d->started_ms = ts_now_ms();
	if (d->cfg->controller.status_listen[0] == '\0')
		return 0;
	d->status = status_new(d->base, d->cfg->controller.status_listen,
	    d->cfg->controller.status_max_connections, &src);
	return d->status != NULL ? 0 : -1;
}

/* --- link supervision: stalled I/O threads, rebuilt links ------------- */

/*
 * A link's thread counts as stalled when one step (a connect, a
 * transaction, a pulse) has lasted longer than max(3 x timeout_ms,
 * fault_after_ms) of the lanes it serves, plus STALL_MARGIN_MS: a healthy
 * thread never takes more than about one timeout_ms per step.
 */
#define STALL_MARGIN_MS 1000
/*
 * At most this many abandoned threads may still be stuck: a device driver
 * that hangs every thread that touches it must not eat the process's
 * threads.  Past it a stuck link is held (its lanes FAULT) and replaced
 * once its own call returns.
 */
#define STUCK_THREADS_MAX 4
#define STATUS_MIN_MS 500	/* STATUS= at most this often */

static int64_t
stall_limit_ms(const struct daemon *d, const struct mblink *l)
{
	int64_t lim = 0, v;
	int i, k;

	for (i = 0; i < d->cfg->n_lanes; i++) {
		const struct lane_cfg *lc = d->lanes[i].lane.cfg;

		for (k = 0; k < MB_NDEVICES; k++) {
			if (d->lanes[i].link[k] != l)
				continue;
			v = 3 * (int64_t)lc->timeout_ms;
			if (v < lc->fault_after_ms)
				v = lc->fault_after_ms;
			if (v > lim)
				lim = v;
		}
	}
	return lim + STALL_MARGIN_MS;
}

static bool
link_in(struct mblink *const *set, int n, const struct mblink *l)
{
	int k;

	for (k = 0; k < n; k++)
		if (set[k] == l)
			return true;
	return false;
}

/* Lane i's device dev counts as silent since since_ms. */
static void
dev_down(struct daemon *d, int i, enum mb_device dev, int64_t since_ms,
    const char *why)
{
	struct lane_input in;

	memset(&in, 0, sizeof(in));
	in.kind = LI_DOWN;
	in.dev = lane_dev_of(dev);
	in.since_mono_ms = since_ms;
	in.err = why;
	step(d, i, &in);
}

/*
 * Replace the links in drop (and every device of lane `whole`, when >= 0)
 * by fresh links built from the lanes' current configurations.  The old
 * threads are abandoned, never waited for.  The lanes of the devices moved
 * are told the device is down since since_ms: a stalled one goes FAULT at
 * once, and each writes its outputs again when its device answers.
 */
static void
links_rebuild(struct daemon *d, struct mblink **drop, int ndrop, int whole,
    int64_t since_ms, const char *why)
{
	bool moved[CFG_MAX_LANES][MB_NDEVICES];
	int i, k, n = 0, first;

	memset(moved, 0, sizeof(moved));
	for (i = 0; i < d->cfg->n_lanes; i++)
		for (k = 0; k < MB_NDEVICES; k++) {
			struct mblink *l = d->lanes[i].link[k];

			if (i == whole || (l != NULL && link_in(drop, ndrop, l))) {
				moved[i][k] = true;
				d->lanes[i].link[k] = NULL;
			}
		}
	for (i = 0; i < d->n_links; i++) {
		if (link_in(drop, ndrop, d->links[i])) {
			mblink_abandon(d->links[i]);
			continue;
		}
		d->links[n] = d->links[i];
		d->link_held[n] = d->link_held[i];
		d->link_addr[n++] = d->link_addr[i];
	}
	d->n_links = first = n;
	for (i = 0; i < d->cfg->n_lanes; i++)
		for (k = 0; k < MB_NDEVICES; k++)
			if (moved[i][k] && add_dev_poll(d, i, (enum mb_device)k) != 0)
				log_warnx("lane %s: its %s cannot be polled again",
				    d->lanes[i].lane.cfg->name,
				    lane_dev_name(lane_dev_of((enum mb_device)k)));
	for (i = first; i < d->n_links; i++) {
		mblink_start_down(d->links[i]);
		if (mblink_start(d->links[i]) != 0)
			log_warnx("a link's new I/O thread did not start");
	}
	/* silent until its new link answers, or for good when it could not
	 * be made (logged above) */
	for (i = 0; i < d->cfg->n_lanes; i++)
		for (k = 0; k < MB_NDEVICES; k++)
			if (moved[i][k] && lane_devaddr(d->lanes[i].lane.cfg,
			    (enum mb_device)k)->type != DEV_NONE)
				dev_down(d, i, (enum mb_device)k, since_ms, why);
}

/* The devices a link serves count as silent since since_ms (lanes FAULT). */
static void
link_lanes_down(struct daemon *d, const struct mblink *l, int64_t since_ms,
    const char *why)
{
	int i, k;

	for (i = 0; i < d->cfg->n_lanes; i++)
		for (k = 0; k < MB_NDEVICES; k++)
			if (d->lanes[i].link[k] == l)
				dev_down(d, i, (enum mb_device)k, since_ms, why);
}

/*
 * Every tick: a link stuck in a call faults its lanes and is replaced.
 * With STUCK_THREADS_MAX abandoned threads still stuck, it is held
 * instead (its lanes FAULT) and replaced when its call returns or when
 * an abandoned thread ends; the fresh thread's first answer recovers it.
 */
static void
links_supervise(struct daemon *d)
{
	int64_t now = ts_mono_ms(), busy, lim;
	struct mblink *l;
	char name[600], why[96];
	bool stuck;
	int i;

	for (i = 0; i < d->n_links; i++) {
		l = d->links[i];
		busy = mblink_busy_ms(l, now);
		lim = stall_limit_ms(d, l);
		stuck = busy > lim;
		if (!stuck && !d->link_held[i])
			continue;
		devaddr_format(&d->link_addr[i], name, sizeof(name));
		snprintf(why, sizeof(why), "I/O thread stalled for %lld ms",
		    (long long)busy);
		if (stuck && mblink_abandoned_running() >= STUCK_THREADS_MAX) {
			if (!d->link_held[i]) {
				log_warnx("%s: I/O thread stuck in one call for "
				    "%lld ms, and %d earlier ones still are: its "
				    "lanes' devices count as silent until it "
				    "returns", name, (long long)busy,
				    mblink_abandoned_running());
				d->link_held[i] = true;
				link_lanes_down(d, l, now - busy, why);
			}
			continue;
		}
		if (stuck)
			log_warnx("%s: I/O thread stuck in one call for %lld ms "
			    "(limit %lld ms): its lanes' devices count as silent, "
			    "a new thread takes over", name, (long long)busy,
			    (long long)lim);
		else
			log_info("%s: held I/O thread free again: a new thread "
			    "takes over", name);
		links_rebuild(d, &l, 1, -1, stuck ? now - busy : now,
		    stuck ? why : "I/O thread replaced after a stall");
		return;		/* the table changed: the others next tick */
	}
}

/* --- SIGHUP: the configuration read again (docs/reload.md) ------------ */

static struct cfg_gen *
gen_new(const struct config *cfg, struct config *owned)
{
	struct cfg_gen *g;

	if ((g = calloc(1, sizeof(*g))) == NULL) {
		log_warn("configuration");
		return NULL;
	}
	g->cfg = cfg;
	g->owned = owned;
	g->refs = 1;
	rules_id(&cfg->rules, g->ruleset);
	return g;
}

static void
gen_unref(struct cfg_gen *g)
{
	if (g == NULL || --g->refs > 0)
		return;
	free(g->owned);
	free(g);
}

/*
 * A lane still on an older configuration takes the current one once it is
 * between vehicles; where its devices or their polling changed, the links
 * serving them (and any link at a new address it shares) are rebuilt.
 */
static void
lane_take_config(struct daemon *d, int i)
{
	struct daemon_lane *dl = &d->lanes[i];
	const struct lane_cfg *lc;
	struct mblink *drop[2 * MB_NDEVICES];
	struct lane_input in;
	int k, j, n = 0;
	bool devices;

	if (dl->gen == NULL || dl->gen == d->gen ||
	    !lane_between_vehicles(&dl->lane))
		return;
	lc = &d->gen->cfg->lanes[i];
	devices = reload_devices_changed(dl->lane.cfg, lc);
	dl->lane.cfg = lc;
	gen_unref(dl->gen);
	dl->gen = d->gen;
	d->gen->refs++;
	log_info("lane %s: configuration of rule set %.12s in force%s",
	    lc->name, d->gen->ruleset, devices ? "; its devices restart" : "");
	if (devices) {
		const struct devaddr *a[MB_NDEVICES] = { &lc->scale, &lc->io, &lc->led };

		for (k = 0; k < MB_NDEVICES; k++) {
			if (dl->link[k] != NULL && !link_in(drop, n, dl->link[k]))
				drop[n++] = dl->link[k];
			for (j = 0; j < d->n_links; j++)
				if (a[k]->type != DEV_NONE &&
				    devaddr_same_link(&d->link_addr[j], a[k]) &&
				    !link_in(drop, n, d->links[j]))
					drop[n++] = d->links[j];
		}
		links_rebuild(d, drop, n, i, ts_mono_ms(),
		    "devices restarted by a reload");
	}
	memset(&in, 0, sizeof(in));
	in.kind = LI_TICK;
	step(d, i, &in);	/* the new texts show at once */
}

/* The config_reloaded event, sent at once; the caller logs a failure. */
static int
record_reloaded(struct daemon *d, const struct cfg_gen *g)
{
	struct store_appended ap;
	char oldhash[65], newhash[65];
	struct sbuf b;
	enum store_status st;

	cfg_hash(d->cfg, oldhash);
	cfg_hash(g->cfg, newhash);
	sbuf_init(&b);
	reload_event_body(&b, g->cfg->controller.id, d->gen->ruleset,
	    g->ruleset, oldhash, newhash);
	st = store_append(d->store, event_name(EV_CONFIG_RELOADED),
	    EVENT_URGENT, b.p, ts_now_ms(), NULL, 0, &ap);
	sbuf_fini(&b);
	if (st != STORE_OK)
		return -1;
	sync_kick(d->sync, EVENT_URGENT);
	return 0;
}

/* Read the file again; put it in force, or keep the old one (logged). */
static void
reload(struct daemon *d, struct config *nc)
{
	char err[1024], what[512], oldhash[65], newhash[65];
	struct cfg_gen *g, *old;
	int i;

	if (cfg_load(d->cfg->path, CFG_DAEMON, nc, err, sizeof(err)) != 0) {
		log_errx("%s; reload refused, the configuration in force stays",
		    err);
		goto keep;
	}
	if (reload_restart_needed(d->cfg, nc, what, sizeof(what)) > 0) {
		log_errx("%s: %s changed, which needs a restart; reload refused, "
		    "the configuration in force stays", d->cfg->path, what);
		goto keep;
	}
	{
		const struct lane_cfg *cur[CFG_MAX_LANES];

		for (i = 0; i < d->cfg->n_lanes; i++)
			cur[i] = d->lanes[i].lane.cfg;
		if (reload_device_moved(nc, cur, d->cfg->n_lanes, what,
		    sizeof(what)) > 0) {
			log_errx("%s: %s: moving a device between lanes needs a "
			    "restart; reload refused, the configuration in force "
			    "stays", d->cfg->path, what);
			goto keep;
		}
	}
	cfg_hash(d->cfg, oldhash);
	cfg_hash(nc, newhash);
	if (strcmp(oldhash, newhash) == 0) {
		log_info("%s: reloaded, nothing changed", d->cfg->path);
		goto keep;
	}
	if (d->startup_pending) {
		log_errx("reload refused: the startup event is not recorded yet");
		goto keep;
	}
	if ((g = gen_new(nc, nc)) == NULL)
		goto keep;
	if (record_reloaded(d, g) != 0) {
		log_errx("config_reloaded event not recorded (%s); reload refused, "
		    "the configuration in force stays", store_errmsg(d->store));
		gen_unref(g);
		return;
	}
	log_info("%s: reloaded, rule set %.12s -> %.12s; each lane takes it "
	    "between two vehicles", d->cfg->path, d->gen->ruleset, g->ruleset);
	old = d->gen;
	d->gen = g;
	d->cfg = g->cfg;
	d->ctx.rules = &g->cfg->rules;
	snprintf(d->ruleset, sizeof(d->ruleset), "%s", g->ruleset);
	gen_unref(old);
	for (i = 0; i < d->cfg->n_lanes; i++)
		lane_take_config(d, i);
	return;
keep:
	free(nc);
}

/* SIGHUP: reload, told to the service manager as RELOADING=1 ... READY=1. */
static void
on_sighup(evutil_socket_t sig, short what, void *arg)
{
	struct daemon *d = arg;
	struct config *nc;

	(void)sig;
	(void)what;
	if (d->stop_deadline != 0)
		return;
	log_info("SIGHUP: reading %s again", d->cfg->path);
	notify_sendf(d->notify, "RELOADING=1\nMONOTONIC_USEC=%lld",
	    (long long)ts_mono_ms() * 1000);
	if ((nc = calloc(1, sizeof(*nc))) == NULL)
		log_warn("reload");
	else
		reload(d, nc);
	notify_send(d->notify, "READY=1");
}

/* --- systemd: STATUS=, WATCHDOG=1 (notify.c) --------------------------- */

/* "L01 IDLE, L02 REFUSED; backlog 3" */
static void
status_line(const struct daemon *d, struct sbuf *b)
{
	struct sync_stats st;
	bool pending = false;
	int i;

	for (i = 0; i < d->cfg->n_lanes; i++) {
		sbuf_printf(b, "%s%s %s", i > 0 ? ", " : "",
		    d->cfg->lanes[i].name,
		    lane_state_name(d->lanes[i].lane.state));
		pending = pending || d->lanes[i].gen != d->gen;
	}
	sync_get_stats(d->sync, &st);
	sbuf_printf(b, "; backlog %lld", (long long)st.backlog);
	if (pending)
		sbuf_puts(b, "; reload pending");
	if (d->stop_deadline != 0)
		sbuf_puts(b, "; stopping");
}

/* Every tick: STATUS= when the summary changed, at most every STATUS_MIN_MS. */
static void
notify_status(struct daemon *d)
{
	struct sbuf b;
	int64_t now = ts_mono_ms();

	if (d->notify == NULL || now - d->status_sent_ms < STATUS_MIN_MS)
		return;
	sbuf_init(&b);
	status_line(d, &b);
	if (b.p != NULL && strcmp(b.p, d->status_sent) != 0) {
		snprintf(d->status_sent, sizeof(d->status_sent), "%s", b.p);
		d->status_sent_ms = now;
		notify_sendf(d->notify, "STATUS=%s", d->status_sent);
	}
	sbuf_fini(&b);
}

/*
 * The watchdog timer, at half of WATCHDOG_USEC: the loop runs, so the
 * service manager is told so.  A stuck link thread does not stop it: the
 * loop replaces such a thread itself (links_supervise).
 */
static void
on_watchdog(evutil_socket_t fd, short what, void *arg)
{
	struct daemon *d = arg;

	(void)fd;
	(void)what;
	notify_send(d->notify, "WATCHDOG=1");
}

/* Every tick, after the lanes: supervision, reloads, status. */
static void
daemon_supervise(struct daemon *d)
{
	int i;

	links_supervise(d);
	for (i = 0; i < d->cfg->n_lanes; i++)
		lane_take_config(d, i);
	notify_status(d);
}

/*
 * Test hook, read once at start (docs/lane.md): WEIGHGATE_TEST_STALL=
 * "LANE:MS" makes the I/O thread of LANE's scale stall once for MS ms.
 */
static void
test_stall_hook(struct daemon *d)
{
	const char *s = getenv("WEIGHGATE_TEST_STALL"), *colon;
	char *end;
	long ms;
	int i;

	if (s == NULL || *s == '\0')
		return;
	colon = strchr(s, ':');
	ms = colon != NULL ? strtol(colon + 1, &end, 10) : 0;
	for (i = 0; colon != NULL && *end == '\0' && ms > 0 && ms <= 600000 &&
	    i < d->cfg->n_lanes; i++)
		if (strncmp(d->cfg->lanes[i].name, s, (size_t)(colon - s)) == 0 &&
		    d->cfg->lanes[i].name[colon - s] == '\0' &&
		    d->lanes[i].link[MB_SCALE] != NULL) {
			log_warnx("test hook WEIGHGATE_TEST_STALL: lane %s's "
			    "scale link stalls once for %ld ms",
			    d->cfg->lanes[i].name, ms);
			mblink_test_stall(d->lanes[i].link[MB_SCALE], (int)ms);
			return;
		}
	log_warnx("WEIGHGATE_TEST_STALL=%s: not LANE:MS of a lane with a "
	    "scale; ignored", s);
}

/* After the lanes started: reload, notification, watchdog; READY=1. */
static int
daemon_systemd_init(struct daemon *d, const struct config *cfg)
{
	uint64_t usec;
	int i;

	if ((d->gen = gen_new(cfg, NULL)) == NULL)
		return -1;
	for (i = 0; i < cfg->n_lanes; i++) {
		d->lanes[i].gen = d->gen;
		d->gen->refs++;
	}
	d->sighup = evsignal_new(d->base, SIGHUP, on_sighup, d);
	if (d->sighup == NULL || event_add(d->sighup, NULL) != 0)
		return -1;
	test_stall_hook(d);
	d->notify = notify_new();
	if ((usec = notify_watchdog_usec()) > 0 && d->notify != NULL) {
		struct timeval tv = { (time_t)(usec / 2 / 1000000),
		    (suseconds_t)(usec / 2 % 1000000) };

		d->watchdog = event_new(d->base, -1, EV_PERSIST, on_watchdog, d);
		if (d->watchdog == NULL || event_add(d->watchdog, &tv) != 0)
			return -1;
		log_info("watchdog: a ping every %llu ms",
		    (unsigned long long)(usec / 2000));
	}
	if (notify_send(d->notify, "READY=1") < 0)
		log_warn("READY=1 not sent");
	notify_status(d);
	return 0;
}

static void
daemon_systemd_fini(struct daemon *d)
{
	int i;

	if (d->watchdog != NULL)
		event_free(d->watchdog);
	if (d->sighup != NULL)
		event_free(d->sighup);
	notify_free(d->notify);
	for (i = 0; i < CFG_MAX_LANES; i++) {
		gen_unref(d->lanes[i].gen);
		d->lanes[i].gen = NULL;
	}
	gen_unref(d->gen);
	d->gen = NULL;
}

static int
daemon_init(struct daemon *d, const struct config *cfg)
{
	char err[512];

	memset(d, 0, sizeof(*d));
	d->cfg = cfg;
	rules_id(&cfg->rules, d->ruleset);
	d->ctx.rules = &cfg->rules;
	d->ctx.ruleset = d->ruleset;
	log_route_libevent();
	cw_init(&d->clock, ts_now_ms(), ts_boot_ms());
	if (evthread_use_pthreads() != 0 || (d->base = event_base_new()) == NULL) {
		log_warnx("cannot create the event loop");
		return -1;
	}
	if ((d->store = guard_open(&d->guard, cfg->controller.db,
	    cfg->controller.db_max_mb, err, sizeof(err))) == NULL) {
		log_warnx("%s", err);
		return -1;
	}
	if (lists_load(d) != 0)
		return -1;
	if ((d->sync = sync_new(d->base, cfg, d->store, on_lists, d)) == NULL ||
	    (d->hk = housekeep_new(d->base, cfg, d->store, d->sync)) == NULL)
		return -1;
	drain_asides(d);
	/* Not fatal: the lanes come up FAULT (docs/decisions.md). */
	if (record_startup(d) != 0) {
		log_warnx("startup event not recorded: %s; lanes stay FAULT "
		    "until it is", store_errmsg(d->store));
		d->startup_pending = true;
	}
	d->wake = event_new(d->base, -1, 0, on_wake, d);
	d->tick = event_new(d->base, -1, EV_PERSIST, on_tick, d);
	d->sigterm = evsignal_new(d->base, SIGTERM, on_signal, d);
	d->sigint = evsignal_new(d->base, SIGINT, on_signal, d);
	if (d->wake == NULL || d->tick == NULL || d->sigterm == NULL ||
	    d->sigint == NULL)
		return -1;
	if (lanes_start(d) != 0 || status_start(d) != 0)
		return -1;
	{
		struct timeval tv = { 0, TICK_MS * 1000 };

		event_add(d->tick, &tv);
	}
	event_add(d->sigterm, NULL);
	event_add(d->sigint, NULL);
	if (daemon_systemd_init(d, cfg) != 0)
		return -1;
	return 0;
}

static void
daemon_fini(struct daemon *d)
{
	int i;

	status_free(d->status);
	/* a thread stuck in a call is let go, never waited for */
	for (i = 0; i < d->n_links; i++)
		if (mblink_busy_ms(d->links[i], ts_mono_ms()) >
		    stall_limit_ms(d, d->links[i])) {
			mblink_abandon(d->links[i]);
			d->links[i] = NULL;
		}
	for (i = 0; i < d->n_links; i++)
		mblink_stop(d->links[i]);
	/* Reports queued while stopping are read once more, then dropped. */
	for (i = 0; i < d->n_links; i++)
		mblink_free(d->links[i]);
	if (d->sigint != NULL)
		event_free(d->sigint);
	if (d->sigterm != NULL)
		event_free(d->sigterm);
	if (d->tick != NULL)
		event_free(d->tick);
	if (d->wake != NULL)
		event_free(d->wake);
	daemon_systemd_fini(d);
	housekeep_free(d->hk);
	sync_free(d->sync);
	lists_free(d->lists);
	store_close(d->store);
	if (d->base != NULL)
		event_base_free(d->base);
}

int
daemon_run(const struct config *cfg)
{
	static struct daemon d;
	int status = 1;

	signal(SIGPIPE, SIG_IGN);
	if (daemon_init(&d, cfg) == 0) {
		log_info("controller %s: %d lane(s) started, rule set %.12s",
		    cfg->controller.id, cfg->n_lanes, d.ruleset);
		event_base_loop(d.base, 0);
		status = 0;
	}
	daemon_fini(&d);
	return status;
}
