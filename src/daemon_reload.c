/* SIGHUP: the configuration read again, lane by lane (docs/reload.md). */
/*
 * The pure comparisons (what a reload may change) are reload.c's; this is
 * the shell's part: configurations in force, a lane taking the new one
 * between vehicles, its links rebuilt where its devices changed, the
 * config_reloaded event.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon_int.h"
#include "weighgate/event.h"
#include "weighgate/log.h"
#include "weighgate/notify.h"
#include "weighgate/reload.h"
#include "weighgate/rules.h"
#include "weighgate/sbuf.h"
#include "weighgate/store.h"
#include "weighgate/sync.h"
#include "weighgate/timefmt.h"

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
void
daemon_reload_take_config(struct daemon *d, int i)
{
	struct daemon_lane *dl = &d->lanes[i];
	const struct lane_cfg *lc;
	struct mblink *drop[2 * ROLE_NMODBUS];
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
		for (k = 0; k < ROLE_NMODBUS; k++) {
			const struct devaddr *a = &lc->dev[k].addr;

			if (dl->link[k] != NULL && !daemon_links_in(drop, n, dl->link[k]))
				drop[n++] = dl->link[k];
			for (j = 0; j < d->n_links; j++)
				if (a->type != DEV_NONE &&
				    devaddr_same_link(&d->link_addr[j], a) &&
				    !daemon_links_in(drop, n, d->links[j]))
					drop[n++] = d->links[j];
		}
		daemon_links_rebuild(d, drop, n, i, ts_mono_ms(),
		    "devices restarted by a reload");
	}
	memset(&in, 0, sizeof(in));
	in.kind = LI_TICK;
	daemon_step(d, i, &in);	/* the new texts show at once */
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
		daemon_reload_take_config(d, i);
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

/* After the lanes started: every lane on the configuration read at start. */
int
daemon_reload_init(struct daemon *d, const struct config *cfg)
{
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
	return 0;
}

void
daemon_reload_fini(struct daemon *d)
{
	int i;

	if (d->sighup != NULL)
		event_free(d->sighup);
	for (i = 0; i < CFG_MAX_LANES; i++) {
		gen_unref(d->lanes[i].gen);
		d->lanes[i].gen = NULL;
	}
	gen_unref(d->gen);
	d->gen = NULL;
}
