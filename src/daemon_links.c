/* The lanes' Modbus links: polls, stalled I/O threads, links rebuilt. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon_int.h"
#include "weighgate/lane.h"
#include "weighgate/log.h"
#include "weighgate/mbdev.h"
#include "weighgate/profile.h"
#include "weighgate/timefmt.h"

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

static const enum mb_read_kind table_kind[] = {
	[PT_COIL] = MB_READ_COILS, [PT_DISCRETE] = MB_READ_DISCRETE,
	[PT_HOLDING] = MB_READ_HOLDING, [PT_INPUT] = MB_READ_INPUT
};

/* The profile's command words, written after each connect (PW_CONNECT). */
static int
connect_cmds(const struct profile *pr, struct mb_poll *p)
{
	const struct profile_write *w;
	struct mb_cmd *c;
	int k;

	for (k = 0; k < profile_nwrites(pr); k++) {
		w = profile_write(pr, k);
		if (w->when != PW_CONNECT)
			continue;
		if (p->ncmd == MB_MAX_CMDS || w->count > MB_CMD_REGS ||
		    (w->table == PT_COIL && w->count != 1)) {
			log_errx("profile %s: more command words than a link "
			    "writes after connecting (%d of at most %d "
			    "registers, or one coil)", profile_name(pr),
			    MB_MAX_CMDS, MB_CMD_REGS);
			return -1;
		}
		c = &p->cmd[p->ncmd++];
		c->coil = w->table == PT_COIL;
		c->addr = w->start;
		c->count = w->count;
		memcpy(c->regs, w->v, (size_t)w->count * sizeof(c->regs[0]));
	}
	return 0;
}

/* The poll of lane i's device dev: its profile's planned requests. */
static int
poll_of(struct daemon *d, int i, enum dev_role dev, struct mb_poll *p)
{
	const struct profile *pr = d->lanes[i].prof[dev];
	int k, at;

	p->lane = i;
	p->device = dev;
	p->unit = d->lanes[i].lane.cfg->dev[dev].addr.unit;
	if (connect_cmds(pr, p) != 0)
		return -1;
	if (dev == ROLE_LED) {
		/* the counter (the executor goes on from it), else a register
		 * the sign answers, for its health */
		at = profile_led_counter(pr);
		p->kind = MB_READ_HOLDING;
		p->addr = at >= 0 ? at : profile_led_probe(pr);
		p->count = 1;
		return p->addr >= 0 ? 0 : -1;
	}
	p->nreq = profile_nrequests(pr);
	if (p->nreq < 1 || p->nreq > MB_MAX_REQS)
		return -1;
	for (k = 0; k < p->nreq; k++) {
		const struct profile_request *q = profile_request(pr, k);

		p->req[k].kind = table_kind[q->table];
		p->req[k].addr = q->start;
		p->req[k].count = q->count;
	}
	return 0;
}

/* Another lane's device holds p (a shared built-in profile). */
static bool
profile_shared(const struct daemon *d, int i, enum dev_role dev,
    const struct profile *p)
{
	int j, k;

	for (j = 0; j < CFG_MAX_LANES; j++)
		for (k = 0; k < ROLE_NMODBUS; k++)
			if ((j != i || k != (int)dev) && d->lanes[j].prof[k] == p)
				return true;
	return false;
}

/* Let go of lane i's profile of dev (freed unless another lane shares it). */
static void
profile_drop(struct daemon *d, int i, enum dev_role dev)
{
	struct daemon_lane *dl = &d->lanes[i];

	if (dl->prof[dev] != NULL && !profile_shared(d, i, dev, dl->prof[dev]))
		profile_free(dl->prof[dev]);
	dl->prof[dev] = NULL;
	dl->prof_key[dev][0] = '\0';
}

/*
 * A built-in profile is the same for every lane with the same
 * adjustments: one copy serves them (a profile is never changed once
 * loaded).  key names the built-in and its adjustments.
 */
static void
builtin_key(const struct lane_cfg *lc, enum dev_role dev, char *key,
    size_t len)
{
	snprintf(key, len, "%d %s %d %d %d %d %d %d %d %d %d", (int)dev,
	    lc->profile[dev], lc->scale_base, (int)lc->word_order,
	    (int)lc->plate_encoding, lc->io_coil_base, lc->io_input_base,
	    (int)lc->barrier_mode, lc->led_base, lc->led_registers,
	    (int)lc->led_encoding);
}

static struct profile *
builtin_find(const struct daemon *d, enum dev_role dev, const char *key)
{
	int j;

	for (j = 0; j < CFG_MAX_LANES; j++)
		if (d->lanes[j].prof[dev] != NULL &&
		    strcmp(d->lanes[j].prof_key[dev], key) == 0)
			return d->lanes[j].prof[dev];
	return NULL;
}

/* Lane i's profile of dev, loaded again (a rebuilt link: the new file). */
static int
load_profile(struct daemon *d, int i, enum dev_role dev)
{
	struct daemon_lane *dl = &d->lanes[i];
	struct profile *p;
	char err[768], key[sizeof(dl->prof_key[0])];
	bool in_file;

	profile_drop(d, i, dev);
	p = profile_for_lane(d->cfg->controller.profile_dir, dl->lane.cfg, dev,
	    &in_file, err, sizeof(err));
	if (p == NULL) {
		log_errx("lane %s: its %s profile: %s", dl->lane.cfg->name,
		    cfg_role_name(dev), err);
		return -1;
	}
	if (!in_file) {
		builtin_key(dl->lane.cfg, dev, key, sizeof(key));
		if ((dl->prof[dev] = builtin_find(d, dev, key)) != NULL)
			profile_free(p);
		else
			dl->prof[dev] = p;
		snprintf(dl->prof_key[dev], sizeof(dl->prof_key[dev]), "%s", key);
	} else
		dl->prof[dev] = p;
	dl->hb_known = dl->hb_frozen = false;
	/* a file profile's outputs and sign; the built-in: the lane's keys */
	if (dev == ROLE_IO)
		dl->ex.io_prof = in_file ? dl->prof[dev] : NULL;
	else if (dev == ROLE_LED)
		dl->ex.led_prof = in_file ? dl->prof[dev] : NULL;
	return 0;
}

/* The read of one device of lane i, by the lane's own configuration. */
int
daemon_links_add_dev_poll(struct daemon *d, int i, enum dev_role dev)
{
	const struct devaddr *a = &d->lanes[i].lane.cfg->dev[dev].addr;
	struct mb_poll p;
	struct mblink *l;

	if (a->type == DEV_NONE)
		return 0;
	memset(&p, 0, sizeof(p));
	if (load_profile(d, i, dev) != 0 || poll_of(d, i, dev, &p) != 0)
		return -1;
	if ((l = link_for(d, a, d->lanes[i].lane.cfg)) == NULL)
		return -1;
	d->lanes[i].link[dev] = l;
	return mblink_add_poll(l, &p);
}

void
daemon_links_fini(struct daemon *d)
{
	int i, k;

	for (i = 0; i < CFG_MAX_LANES; i++)
		for (k = 0; k < ROLE_NMODBUS; k++)
			profile_drop(d, i, (enum dev_role)k);
}

/* A poll's words as its profile's request images. */
static int
images(const struct profile *pr, const struct mb_report *r,
    const uint16_t *img[PROFILE_MAX_REQUESTS])
{
	int k, at = 0, n = profile_nrequests(pr);

	for (k = 0; k < n; k++) {
		img[k] = r->regs + at;
		at += profile_request(pr, k)->count;
	}
	return at <= r->count ? 0 : -1;
}

/*
 * A scale poll as the lane's input: decoded by its profile, and its
 * heartbeat watched.  False when it is no input (a short report, or the
 * heartbeat frozen: the scale counts as silent until it moves).
 */
bool
daemon_links_scale_input(struct daemon *d, int i, const struct mb_report *r,
    struct lane_input *in)
{
	struct daemon_lane *dl = &d->lanes[i];
	const struct profile *pr = dl->prof[ROLE_SCALE];
	const uint16_t *img[PROFILE_MAX_REQUESTS];
	static char err[160];

	if (pr == NULL || images(pr, r, img) != 0)
		return false;
	in->kind = LI_SCALE;
	if (profile_decode_scale(pr, img, &in->scale, err, sizeof(err)) != 0)
		in->err = err;
	if (in->scale.have & (1u << PF_HEARTBEAT)) {
		if (!dl->hb_known || in->scale.heartbeat != dl->hb_last) {
			dl->hb_known = true;
			dl->hb_frozen = false;
			dl->hb_last = in->scale.heartbeat;
			dl->hb_changed_ms = r->mono_ms;
		}
		if (dl->hb_frozen)
			return false;
	}
	return true;
}

/* An I/O module's poll as the lane's input, by its profile. */
bool
daemon_links_io_input(struct daemon *d, int i, const struct mb_report *r,
    struct lane_input *in)
{
	const struct profile *pr = d->lanes[i].prof[ROLE_IO];
	const uint16_t *img[PROFILE_MAX_REQUESTS];
	uint32_t have;

	if (pr == NULL || images(pr, r, img) != 0)
		return false;
	in->kind = LI_IO;
	profile_decode_io(pr, img, in->bits, &have);
	return true;
}

/*
 * Every tick: a scale whose heartbeat has not changed for fault_after_ms
 * counts as silent since its last change (FAULT as for a silent scale);
 * its next change is its next input.
 */
void
daemon_links_heartbeat_tick(struct daemon *d)
{
	int64_t now = ts_mono_ms();
	struct lane_input in;
	int i;

	for (i = 0; i < d->cfg->n_lanes; i++) {
		struct daemon_lane *dl = &d->lanes[i];

		if (!dl->hb_known || dl->hb_frozen ||
		    now - dl->hb_changed_ms < dl->lane.cfg->fault_after_ms)
			continue;
		dl->hb_frozen = true;
		log_warnx("lane %s: the scale's heartbeat has not changed for "
		    "%lld ms: it counts as silent", dl->lane.cfg->name,
		    (long long)(now - dl->hb_changed_ms));
		memset(&in, 0, sizeof(in));
		in.kind = LI_DOWN;
		in.dev = ROLE_SCALE;
		in.since_mono_ms = dl->hb_changed_ms;
		in.err = "heartbeat frozen";
		daemon_step(d, i, &in);
	}
}

int64_t
daemon_links_stall_limit_ms(const struct daemon *d, const struct mblink *l)
{
	int64_t lim = 0, v;
	int i, k;

	for (i = 0; i < d->cfg->n_lanes; i++) {
		const struct lane_cfg *lc = d->lanes[i].lane.cfg;

		for (k = 0; k < ROLE_NMODBUS; k++) {
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

bool
daemon_links_in(struct mblink *const *set, int n, const struct mblink *l)
{
	int k;

	for (k = 0; k < n; k++)
		if (set[k] == l)
			return true;
	return false;
}

/* Lane i's device dev counts as silent since since_ms. */
static void
dev_down(struct daemon *d, int i, enum dev_role dev, int64_t since_ms,
    const char *why)
{
	struct lane_input in;

	memset(&in, 0, sizeof(in));
	in.kind = LI_DOWN;
	in.dev = dev;
	in.since_mono_ms = since_ms;
	in.err = why;
	daemon_step(d, i, &in);
}

/*
 * Replace the links in drop (and every device of lane `whole`, when >= 0)
 * by fresh links built from the lanes' current configurations.  The old
 * threads are abandoned, never waited for.  The lanes of the devices moved
 * are told the device is down since since_ms: a stalled one goes FAULT at
 * once, and each writes its outputs again when its device answers.
 */
void
daemon_links_rebuild(struct daemon *d, struct mblink **drop, int ndrop,
    int whole, int64_t since_ms, const char *why)
{
	bool moved[CFG_MAX_LANES][ROLE_NMODBUS];
	int i, k, n = 0, first;

	memset(moved, 0, sizeof(moved));
	for (i = 0; i < d->cfg->n_lanes; i++)
		for (k = 0; k < ROLE_NMODBUS; k++) {
			struct mblink *l = d->lanes[i].link[k];

			if (i == whole || (l != NULL && daemon_links_in(drop, ndrop, l))) {
				moved[i][k] = true;
				d->lanes[i].link[k] = NULL;
			}
		}
	for (i = 0; i < d->n_links; i++) {
		if (daemon_links_in(drop, ndrop, d->links[i])) {
			mblink_abandon(d->links[i]);
			continue;
		}
		d->links[n] = d->links[i];
		d->link_held[n] = d->link_held[i];
		d->link_addr[n++] = d->link_addr[i];
	}
	d->n_links = first = n;
	for (i = 0; i < d->cfg->n_lanes; i++)
		for (k = 0; k < ROLE_NMODBUS; k++)
			if (moved[i][k] && daemon_links_add_dev_poll(d, i, (enum dev_role)k) != 0)
				log_warnx("lane %s: its %s cannot be polled again",
				    d->lanes[i].lane.cfg->name,
				    cfg_role_name((enum dev_role)k));
	for (i = first; i < d->n_links; i++) {
		mblink_start_down(d->links[i]);
		if (mblink_start(d->links[i]) != 0)
			log_warnx("a link's new I/O thread did not start");
	}
	/* silent until its new link answers, or for good when it could not
	 * be made (logged above) */
	for (i = 0; i < d->cfg->n_lanes; i++)
		for (k = 0; k < ROLE_NMODBUS; k++)
			if (moved[i][k] &&
			    d->lanes[i].lane.cfg->dev[k].addr.type != DEV_NONE)
				dev_down(d, i, (enum dev_role)k, since_ms, why);
}

/* The devices a link serves count as silent since since_ms (lanes FAULT). */
static void
link_lanes_down(struct daemon *d, const struct mblink *l, int64_t since_ms,
    const char *why)
{
	int i, k;

	for (i = 0; i < d->cfg->n_lanes; i++)
		for (k = 0; k < ROLE_NMODBUS; k++)
			if (d->lanes[i].link[k] == l)
				dev_down(d, i, (enum dev_role)k, since_ms, why);
}

/*
 * Every tick: a link stuck in a call faults its lanes and is replaced.
 * With STUCK_THREADS_MAX abandoned threads still stuck, it is held
 * instead (its lanes FAULT) and replaced when its call returns or when
 * an abandoned thread ends; the fresh thread's first answer recovers it.
 */
void
daemon_links_supervise(struct daemon *d)
{
	int64_t now = ts_mono_ms(), busy, lim;
	struct mblink *l;
	char name[600], why[96];
	bool stuck;
	int i;

	for (i = 0; i < d->n_links; i++) {
		l = d->links[i];
		busy = mblink_busy_ms(l, now);
		lim = daemon_links_stall_limit_ms(d, l);
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
		daemon_links_rebuild(d, &l, 1, -1, stuck ? now - busy : now,
		    stuck ? why : "I/O thread replaced after a stall");
		return;		/* the table changed: the others next tick */
	}
}

/*
 * Test hook, read once at start (docs/lane.md): WEIGHGATE_TEST_STALL=
 * "LANE:MS" makes the I/O thread of LANE's scale stall once for MS ms.
 */
void
daemon_links_test_stall_hook(struct daemon *d)
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
		    d->lanes[i].link[ROLE_SCALE] != NULL) {
			log_warnx("test hook WEIGHGATE_TEST_STALL: lane %s's "
			    "scale link stalls once for %ld ms",
			    d->cfg->lanes[i].name, ms);
			mblink_test_stall(d->lanes[i].link[ROLE_SCALE], (int)ms);
			return;
		}
	log_warnx("WEIGHGATE_TEST_STALL=%s: not LANE:MS of a lane with a "
	    "scale; ignored", s);
}
