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

#include "daemon_int.h"
#include "weighgate/event.h"
#include "weighgate/clockwatch.h"
#include "weighgate/daemon.h"
#include "weighgate/executor.h"
#include "weighgate/guard.h"
#include "weighgate/lane.h"
#include "weighgate/lists.h"
#include "weighgate/log.h"
#include "weighgate/mbdev.h"
#include "weighgate/notify.h"
#include "weighgate/sbuf.h"
#include "weighgate/status.h"
#include "weighgate/store.h"
#include "weighgate/housekeep.h"
#include "weighgate/sync.h"
#include "weighgate/timefmt.h"
#include "weighgate/version.h"

#define TICK_MS 20
#define STOP_WAIT_MS 5000
#define STARTUP_RETRY_MS 1000

/*
 * The executor commits a lane's record (executor.h): the store must be
 * sound and the run's startup event recorded; a record committed into a
 * file no longer at its path counts as not committed (no output).
 */
static int
ex_record(void *arg, int i, const struct lane_action *a, char uuid[40])
{
	struct daemon *d = arg;
	struct daemon_lane *dl = &d->lanes[i];
	struct store_appended ap;

	if (d->loss != LOSS_NONE)
		return -1;	/* said once, by store_lost() */
	if (d->startup_pending) {
		/* the log of a run starts with its startup event */
		log_warnx("lane %s: %s event not recorded: the "
		    "startup event is not recorded yet",
		    dl->lane.cfg->name, event_name(a->event));
		return -1;
	}
	if (store_append(d->store, event_name(a->event), a->urgent, a->body,
	    ts_now_ms(), a->has_result_seq ? dl->lane.cfg->name : NULL,
	    a->result_seq, &ap) != STORE_OK) {
		log_warnx("lane %s: %s event not recorded: %s",
		    dl->lane.cfg->name, event_name(a->event),
		    store_errmsg(d->store));
		(void)daemon_store_gone(d, false);
		return -1;
	}
	sync_kick(d->sync, a->urgent);
	/* committed into a file no longer at its path: no output */
	if (daemon_store_gone(d, false))
		return -1;
	status_count_event(&dl->stats, event_name(a->event), a->body);
	(void)alarms_note(&d->alarms, event_name(a->event), a->body, ap.seq,
	    ts_now_ms());
	if (a->event == EV_WEIGHING)
		status_count_decision(&dl->stats, dl->lane.last.d.kind);
	snprintf(uuid, 40, "%s", ap.uuid);
	return 0;
}

/* For a restart only: the lane goes on if it fails; a lost store's
 * references are never read again. */
static void
ex_reference(void *arg, int i, int64_t seq)
{
	struct daemon *d = arg;
	const char *name = d->lanes[i].lane.cfg->name;

	if (d->loss != LOSS_NONE)
		return;
	if (store_set_lane_seq(d->store, name, seq) != 0)
		log_warnx("lane %s: result sequence reference %lld "
		    "not stored: %s", name, (long long)seq,
		    store_errmsg(d->store));
}

static void
ex_write(void *arg, const struct mb_write *w)
{
	struct daemon *d = arg;

	mblink_write(d->lanes[w->lane].link[w->device], w);
}

static bool
ex_has_link(void *arg, int i, enum dev_role dev)
{
	struct daemon *d = arg;

	return d->lanes[i].link[dev] != NULL;
}

static void
ex_output(void *arg, int i, int64_t mono_ms)
{
	struct daemon *d = arg;

	status_count_output(&d->lanes[i].stats, mono_ms);
}

static const struct executor_ops ex_ops = {
	ex_record, ex_reference, ex_write, ex_has_link, ex_output
};

void
daemon_step_outcome(struct daemon *d, int i, const struct lane_input *in,
    struct executor_outcome *out)
{
	struct lane_ctx ctx = d->ctx;

	/* a lane decides on its own configuration until it takes the new one */
	if (d->lanes[i].gen != NULL) {
		ctx.rules = &d->lanes[i].gen->cfg->rules;
		ctx.ruleset = d->lanes[i].gen->ruleset;
	}
	executor_step(&d->lanes[i].ex, &ctx, in, out);
}

void
daemon_step(struct daemon *d, int i, const struct lane_input *in)
{
	daemon_step_outcome(d, i, in, NULL);
	if (d->lanes[i].lane.state != LANE_FAULT)
		d->lanes[i].fault_since_ms = 0;
	else if (d->lanes[i].fault_since_ms == 0)
		d->lanes[i].fault_since_ms = ts_mono_ms();
}

/* New data of a lane's device, as the lane's input; false: none. */
static bool
report_data(struct daemon *d, const struct mb_report *r, struct lane_input *in)
{
	struct daemon_lane *dl = &d->lanes[r->lane];

	if (r->device == ROLE_SCALE) {
		if (!daemon_links_scale_input(d, r->lane, r, in))
			return false;
		dl->stats.scale_read_mono_ms = r->mono_ms;
		log_debug("lane %s: scale read at mono %lld ms, "
		    "sequence %lld", d->cfg->lanes[r->lane].name,
		    (long long)r->mono_ms, (long long)in->scale.seq);
	} else if (r->device == ROLE_IO) {
		if (!daemon_links_io_input(d, r->lane, r, in))
			return false;
		/* no barrier write comes before the inputs are known */
		if (!dl->lane.inputs_known)
			executor_io_regained(&dl->ex);
	} else if (r->device == ROLE_LED) {
		executor_led_read(&dl->ex, r->regs[0]);
		in->kind = LI_UP;
		in->dev = ROLE_LED;
	} else
		return false;
	return true;
}

/* One report of a link thread, as the lane's input. */
static void
report(struct daemon *d, const struct mb_report *r)
{
	struct daemon_lane *dl = &d->lanes[r->lane];
	struct lane_input in;

	memset(&in, 0, sizeof(in));
	status_count_modbus(&dl->stats, r->device, r);
	switch (r->kind) {
	case MB_DATA:
		if (!report_data(d, r, &in))
			return;
		break;
	case MB_DOWN:
		in.kind = LI_DOWN;
		in.dev = r->device;
		in.since_mono_ms = r->down_since_ms;
		in.err = r->err;
		dl->stats.modbus_errors[in.dev]++;
		break;
	case MB_UP:
		if (r->device == ROLE_SCALE)	/* its heartbeat watched afresh */
			dl->hb_known = dl->hb_frozen = false;
		if (r->device == ROLE_IO)
			executor_io_regained(&dl->ex);
		in.kind = LI_UP;
		in.dev = r->device;
		break;
	case MB_WRITE_FAILED:
		dl->stats.modbus_errors[r->device]++;
		log_warnx("lane %s: write to %s failed: %s",
		    d->cfg->lanes[r->lane].name, r->device == ROLE_IO ? "I/O module" :
		    r->device == ROLE_LED ? "LED sign" : "scale", r->err);
		return;
	case MB_STRAY:		/* discarded by the link, never decoded */
		dl->stats.modbus_stray[r->device] += r->strays;
		return;
	case MB_FAILED:		/* counted above */
		return;
	}
	daemon_step(d, r->lane, &in);
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
		daemon_step(d, i, &in);
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
			daemon_step(d, i, &in);
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

/* Every tick, after the lanes: supervision, reloads, status. */
static void
daemon_supervise(struct daemon *d)
{
	int i;

	daemon_links_supervise(d);
	daemon_links_heartbeat_tick(d);
	for (i = 0; i < d->cfg->n_lanes; i++)
		daemon_reload_take_config(d, i);
	daemon_notify_status(d);
}

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
		daemon_camera_tick(d);
	}
	daemon_clock_check(d);
	memset(&in, 0, sizeof(in));
	in.kind = LI_TICK;
	for (i = 0; i < d->cfg->n_lanes; i++)
		daemon_step(d, i, &in);
	daemon_store_tick(d);
	/* the housekeeping's disk_low: into the board's feed */
	if (housekeep_disk_low(d->hk) && !d->disk_low_seen)
		alarms_catch_up(&d->alarms, d->store, "disk_low", ts_now_ms());
	d->disk_low_seen = housekeep_disk_low(d->hk);
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
		daemon_step(d, i, &in);
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
		executor_init(&d->lanes[i].ex, &d->lanes[i].lane, i, &ex_ops, d);
		if (daemon_links_add_dev_poll(d, i, ROLE_SCALE) != 0 ||
		    daemon_links_add_dev_poll(d, i, ROLE_IO) != 0 ||
		    daemon_links_add_dev_poll(d, i, ROLE_LED) != 0)
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
	d->lists_applied_ms = d->lists != NULL ? ts : 0;
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
	d->lists_applied_ms = ts_now_ms();
	d->ctx.lists = l;
	lists_free(old);
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
	daemon_store_drain_asides(d);
	/* Not fatal: the lanes come up FAULT (docs/decisions.md). */
	if (record_startup(d) != 0) {
		log_warnx("startup event not recorded: %s; lanes stay FAULT "
		    "until it is", store_errmsg(d->store));
		d->startup_pending = true;
	}
	(void)alarms_load(&d->alarms, d->store, ts_now_ms());
	d->wake = event_new(d->base, -1, 0, on_wake, d);
	d->tick = event_new(d->base, -1, EV_PERSIST, on_tick, d);
	d->sigterm = evsignal_new(d->base, SIGTERM, on_signal, d);
	d->sigint = evsignal_new(d->base, SIGINT, on_signal, d);
	if (d->wake == NULL || d->tick == NULL || d->sigterm == NULL ||
	    d->sigint == NULL)
		return -1;
	if (lanes_start(d) != 0 || daemon_status_start(d) != 0 ||
	    daemon_camera_start(d) != 0)
		return -1;
	{
		struct timeval tv = { 0, TICK_MS * 1000 };

		event_add(d->tick, &tv);
	}
	event_add(d->sigterm, NULL);
	event_add(d->sigint, NULL);
	if (daemon_reload_init(d, cfg) != 0)
		return -1;
	daemon_links_test_stall_hook(d);
	return daemon_notify_init(d);
}

static void
daemon_fini(struct daemon *d)
{
	int i;

	daemon_camera_fini(d);
	status_free(d->status);
	/* a thread stuck in a call is let go, never waited for */
	for (i = 0; i < d->n_links; i++)
		if (mblink_busy_ms(d->links[i], ts_mono_ms()) >
		    daemon_links_stall_limit_ms(d, d->links[i])) {
			mblink_abandon(d->links[i]);
			d->links[i] = NULL;
		}
	for (i = 0; i < d->n_links; i++)
		mblink_stop(d->links[i]);
	/* Reports queued while stopping are read once more, then dropped. */
	for (i = 0; i < d->n_links; i++)
		mblink_free(d->links[i]);
	daemon_links_fini(d);
	if (d->sigint != NULL)
		event_free(d->sigint);
	if (d->sigterm != NULL)
		event_free(d->sigterm);
	if (d->tick != NULL)
		event_free(d->tick);
	if (d->wake != NULL)
		event_free(d->wake);
	daemon_notify_fini(d);
	daemon_reload_fini(d);
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
