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
#include "weighgate/daemon.h"
#include "weighgate/lane.h"
#include "weighgate/led.h"
#include "weighgate/lists.h"
#include "weighgate/log.h"
#include "weighgate/mbdev.h"
#include "weighgate/sbuf.h"
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

struct daemon_lane {
	struct lane lane;
	struct mblink *link[MB_NDEVICES];
	uint16_t led_counter;
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
	char ruleset[65];
	struct lane_ctx ctx;
	int n_links;
	struct mblink *links[MAX_LINKS];
	struct devaddr link_addr[MAX_LINKS];
	struct daemon_lane lanes[CFG_MAX_LANES];
	int64_t stop_deadline;		/* mono ms; 0 while running */
	bool startup_pending;		/* the startup event is not recorded yet */
	int64_t startup_retry_ms;	/* mono ms of the next attempt */
	int startup_attempts;
	int64_t store_probe_ms;		/* mono ms of the next store probe */
	int exit_status;
};

static struct lane_now
now(void)
{
	struct lane_now n = { ts_now_ms(), ts_mono_ms() };

	return n;
}

static void step(struct daemon *d, int i, const struct lane_input *in);

static void
write_coil(struct daemon *d, int i, int offset, bool on, bool pulse)
{
	const struct lane_cfg *lc = &d->cfg->lanes[i];
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

static void
write_barrier(struct daemon *d, int i, bool up)
{
	if (d->cfg->lanes[i].barrier_mode == BARRIER_PULSE)
		write_coil(d, i, up ? 0 : 3, true, true);
	else
		write_coil(d, i, 0, up, false);
}

/* Colour and text in one write, then the counter: never half a message. */
static void
write_led(struct daemon *d, int i, const struct lane_action *a)
{
	const struct lane_cfg *lc = &d->cfg->lanes[i];
	struct daemon_lane *dl = &d->lanes[i];
	struct mb_write w;

	if (dl->link[MB_LED] == NULL)
		return;
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
	w.regs[0] = ++dl->led_counter;
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
			if (d->startup_pending) {
				/* the log of a run starts with its startup event */
				log_warnx("lane %s: %s event not recorded: the "
				    "startup event is not recorded yet",
				    dl->lane.cfg->name, a->event_kind);
				failed = true;
				break;
			}
			if (store_append(d->store, a->event_kind, a->body,
			    ts_now_ms(), a->has_result_seq ? dl->lane.cfg->name : NULL,
			    a->result_seq, &ap) != STORE_OK) {
				log_warnx("lane %s: %s event not recorded: %s",
				    dl->lane.cfg->name, a->event_kind,
				    store_errmsg(d->store));
				failed = true;
				break;
			}
			committed = true;
			sync_kick(d->sync, sync_urgent(a->event_kind, a->body));
			if (strcmp(a->event_kind, "weighing") == 0 || uuid[0] == '\0')
				snprintf(uuid, sizeof(uuid), "%s", ap.uuid);
			break;
		case LA_BARRIER:
			write_barrier(d, i, a->on);
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
			break;
		case LA_LOG:
			log_info("%s", a->text);
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

	acts.n = 0;
	lane_step(&d->lanes[i].lane, &d->ctx, in, now(), &acts);
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
			log_debug("lane %s: scale read at mono %lld ms, "
			    "sequence %u", d->cfg->lanes[r->lane].name,
			    (long long)r->mono_ms, r->regs[1]);
		} else if (r->device == MB_IO && r->count >= IO_NINPUTS) {
			in.kind = LI_IO;
			for (k = 0; k < IO_NINPUTS; k++)
				in.bits[k] = r->bits[k] != 0;
		} else if (r->device == MB_LED) {
			d->lanes[r->lane].led_counter = r->regs[0];
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
		break;
	case MB_UP:
		in.kind = LI_UP;
		in.dev = lane_dev_of(r->device);
		break;
	case MB_WRITE_FAILED:
		log_warnx("lane %s: write to %s failed: %s",
		    d->cfg->lanes[r->lane].name, r->device == MB_IO ? "I/O module" :
		    r->device == MB_LED ? "LED sign" : "scale", r->err);
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

	if (!d->startup_pending || ts_mono_ms() < d->startup_retry_ms)
		return;
	d->startup_retry_ms = ts_mono_ms() + STARTUP_RETRY_MS;
	memset(&in, 0, sizeof(in));
	if (record_startup(d) == 0) {
		d->startup_pending = false;
		log_info("startup event recorded after %d attempt(s): lanes may "
		    "leave FAULT", d->startup_attempts);
		in.kind = LI_COMMITTED;
	} else {
		/* once, then a summary every 10 s (SPEC §11) */
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
	if (!waiting || d->startup_pending || ts_mono_ms() < d->store_probe_ms)
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

static bool
all_quiescent(const struct daemon *d)
{
	int i;

	for (i = 0; i < d->cfg->n_lanes; i++)
		if (!lane_quiescent(&d->lanes[i].lane))
			return false;
	return true;
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
	}
	memset(&in, 0, sizeof(in));
	in.kind = LI_TICK;
	for (i = 0; i < d->cfg->n_lanes; i++)
		step(d, i, &in);
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
	if ((l = link_for(d, a, &d->cfg->lanes[i])) == NULL)
		return -1;
	d->lanes[i].link[dev] = l;
	return mblink_add_poll(l, &p);
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
		lane_init(&d->lanes[i].lane, lc, found, seq);
		if (add_poll(d, i, MB_SCALE, &lc->scale, MB_READ_HOLDING,
		    lc->scale_base, SCALE_NREGS) != 0 ||
		    add_poll(d, i, MB_IO, &lc->io, MB_READ_DISCRETE,
		    lc->io_input_base, IO_NINPUTS) != 0 ||
		    add_poll(d, i, MB_LED, &lc->led, MB_READ_HOLDING,
		    lc->led_base, 1) != 0)
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
	st = store_append(d->store, "startup", b.p, ts_now_ms(), NULL, 0, &ap);
	sbuf_fini(&b);
	if (st == STORE_OK)
		sync_kick(d->sync, true);
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

static int
daemon_init(struct daemon *d, const struct config *cfg)
{
	char err[512];

	memset(d, 0, sizeof(*d));
	d->cfg = cfg;
	rules_id(&cfg->rules, d->ruleset);
	d->ctx.rules = &cfg->rules;
	d->ctx.ruleset = d->ruleset;
	if (evthread_use_pthreads() != 0 || (d->base = event_base_new()) == NULL) {
		log_warnx("cannot create the event loop");
		return -1;
	}
	if ((d->store = store_open(cfg->controller.db, cfg->controller.db_max_mb,
	    err, sizeof(err))) == NULL) {
		log_warnx("%s", err);
		return -1;
	}
	if (lists_load(d) != 0)
		return -1;
	if ((d->sync = sync_new(d->base, cfg, d->store, on_lists, d)) == NULL ||
	    (d->hk = housekeep_new(d->base, cfg, d->store, d->sync)) == NULL)
		return -1;
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
	if (lanes_start(d) != 0)
		return -1;
	{
		struct timeval tv = { 0, TICK_MS * 1000 };

		event_add(d->tick, &tv);
	}
	event_add(d->sigterm, NULL);
	event_add(d->sigint, NULL);
	return 0;
}

static void
daemon_fini(struct daemon *d)
{
	int i;

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
