/*
 * The lanes' cameras on the daemon's loop (docs/camera.md): the camera
 * listener's pushes become lane inputs, and a camera heard from for
 * camera_silent_ms is told to its lane as down.
 *
 * A lane with plate_source = camera has a camera.  A push the listener
 * accepted is that lane's camera's when its camera_id, camera_channel and
 * camera_source match (camera_route_find).  Any push of it is a sign of
 * life; a plate read (with or without a plate) is also an LI_PLATE input,
 * received at the controller's monotonic time of the step.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "daemon_int.h"
#include "weighgate/camera_listen.h"
#include "weighgate/log.h"
#include "weighgate/status.h"
#include "weighgate/timefmt.h"

#define PASSWORD_MAX 256

static enum pcolor
color_of(enum camera_color c)
{
	switch (c) {
	case CAMERA_COLOR_BLUE:		return PC_BLUE;
	case CAMERA_COLOR_YELLOW:	return PC_YELLOW;
	case CAMERA_COLOR_WHITE:	return PC_WHITE;
	case CAMERA_COLOR_BLACK:	return PC_BLACK;
	case CAMERA_COLOR_GREEN:	return PC_GREEN;
	case CAMERA_COLOR_YELLOW_GREEN:	return PC_YELLOW_GREEN;
	default:			return PC_UNKNOWN;
	}
}

/* Lane i's camera is heard: back from silence first, then the read. */
static void
heard(struct daemon *d, int i, const struct camera_read *r)
{
	struct daemon_camera *dc = &d->cam[i];
	struct lane_input in;

	dc->heard_ms = ts_mono_ms();
	memset(&in, 0, sizeof(in));
	if (dc->silent) {
		dc->silent = false;
		log_info("lane %s: camera heard again", d->cfg->lanes[i].name);
		in.kind = LI_UP;
		in.dev = ROLE_CAMERA;
		daemon_step(d, i, &in);
		memset(&in, 0, sizeof(in));
	}
	if (strcmp(r->event_type, "ANPR") != 0 &&
	    r->format != CAMERA_GENERIC_JSON)
		return;
	in.kind = LI_PLATE;
	in.plate.has_plate = r->has_plate;
	snprintf(in.plate.plate, sizeof(in.plate.plate), "%s", r->plate);
	in.plate.color = color_of(r->color);
	in.plate.confidence = r->confidence;
	/* the camera's id for the record: its first bytes if longer */
	memcpy(in.plate.camera, r->camera, strnlen(r->camera,
	    sizeof(in.plate.camera) - 1));
	log_debug("lane %s: camera read %s at mono %lld ms",
	    d->cfg->lanes[i].name, r->has_plate ? r->plate : "(no plate)",
	    (long long)dc->heard_ms);
	daemon_step(d, i, &in);
}

/* The listener accepted a push from peer: whose camera, and what it is. */
static enum camera_req
on_push(void *arg, const struct sockaddr *peer, const struct camera_read *r)
{
	struct daemon *d = arg;
	struct camera_route routes[CFG_MAX_LANES];
	int lane_of[CFG_MAX_LANES], n = 0, i, k;
	enum camera_req res;

	for (i = 0; i < d->cfg->n_lanes; i++) {
		if (!d->cam[i].on)
			continue;
		routes[n].id = d->cfg->lanes[i].camera_id;
		routes[n].channel = d->cfg->lanes[i].camera_channel;
		routes[n].source = &d->cam[i].source;
		lane_of[n++] = i;
	}
	if ((k = camera_route_find(routes, n, peer, r)) < 0)
		return CREQ_UNMATCHED;
	i = lane_of[k];
	res = strcmp(r->event_type, "ANPR") != 0 &&
	    r->format != CAMERA_GENERIC_JSON ? CREQ_OTHER :
	    r->has_plate ? CREQ_READ : CREQ_NO_PLATE;
	d->cam[i].pushes[res]++;
	heard(d, i, r);
	return res;
}

/* camera_allow, and every lane's camera_source: who may push at all. */
static int
allowed_sources(struct daemon *d, struct camera_nets *allow)
{
	const struct config *cfg = d->cfg;
	char err[256];
	int i, k;

	memset(allow, 0, sizeof(*allow));
	if (cfg->controller.camera_allow[0] != '\0' &&
	    camera_nets_parse(cfg->controller.camera_allow, allow, err,
	    sizeof(err)) != 0)
		goto bad;
	for (i = 0; i < cfg->n_lanes; i++) {
		struct camera_nets *src = &d->cam[i].source;

		if (cfg->lanes[i].camera_source[0] == '\0')
			continue;
		if (camera_nets_parse(cfg->lanes[i].camera_source, src, err,
		    sizeof(err)) != 0)
			goto bad;
		for (k = 0; k < src->n && allow->n < CAMERA_NETS_MAX; k++)
			allow->net[allow->n++] = src->net[k];
	}
	return 0;
bad:
	log_warnx("camera sources: %s", err);
	return -1;
}

static void
lanes_init(struct daemon *d)
{
	int i;

	for (i = 0; i < d->cfg->n_lanes; i++) {
		d->cam[i].on = d->cfg->lanes[i].plate_source == PLATE_FROM_CAMERA;
		/* a camera has camera_silent_ms from the start to be heard */
		d->cam[i].heard_ms = ts_mono_ms();
	}
}

/* A camera lane without a listener: its camera can never be heard. */
static void
no_listener_warn(const struct daemon *d)
{
	int i;

	for (i = 0; i < d->cfg->n_lanes; i++)
		if (d->cam[i].on)
			log_warnx("lane %s: plate_source = camera but no "
			    "[controller] camera_listen: its camera cannot be "
			    "heard and will be a device fault (camera_silent_ms)",
			    d->cfg->lanes[i].name);
}

int
daemon_camera_start(struct daemon *d)
{
	const struct config *cfg = d->cfg;
	struct camera_listen_source src = { d, on_push };
	struct camera_listen_cfg lc;
	char password[PASSWORD_MAX] = "";

	lanes_init(d);
	if (cfg->controller.camera_listen[0] == '\0') {
		no_listener_warn(d);
		return 0;
	}
	memset(&lc, 0, sizeof(lc));
	lc.listen = cfg->controller.camera_listen;
	lc.max_conns = cfg->controller.camera_max_connections;
	lc.timeout_s = cfg->controller.camera_timeout_s;
	camera_limits_default(&lc.lim);
	lc.lim.body_max = (size_t)cfg->controller.camera_body_max_kb << 10;
	lc.lim.part_max = (size_t)cfg->controller.camera_part_max_kb << 10;
	lc.lim.parts_max = (unsigned)cfg->controller.camera_parts_max;
	if (allowed_sources(d, &lc.allow) != 0)
		return -1;
	if (cfg->controller.camera_user[0] != '\0' &&
	    status_read_token(cfg->controller.camera_password_file, password,
	    sizeof(password)) != 0) {
		log_warnx("camera_password_file %s: cannot be read, or is empty "
		    "or open to others", cfg->controller.camera_password_file);
		return -1;
	}
	lc.user = cfg->controller.camera_user;
	lc.password = password;
	lc.auth = (enum camera_auth)cfg->controller.camera_auth;
	d->camera = camera_listen_new(d->base, &lc, &src);
	OPENSSL_cleanse(password, sizeof(password));
	return d->camera != NULL ? 0 : -1;
}

/* Every tick: a camera silent for camera_silent_ms is down (once). */
void
daemon_camera_tick(struct daemon *d)
{
	int64_t now = ts_mono_ms();
	struct lane_input in;
	char why[96];
	int i;

	for (i = 0; i < d->cfg->n_lanes; i++) {
		struct daemon_camera *dc = &d->cam[i];

		if (!dc->on || dc->silent ||
		    now - dc->heard_ms < d->cfg->lanes[i].camera_silent_ms)
			continue;
		dc->silent = true;
		snprintf(why, sizeof(why), "no push for %lld ms "
		    "(camera_silent_ms)", (long long)(now - dc->heard_ms));
		log_warnx("lane %s: camera silent: %s", d->cfg->lanes[i].name,
		    why);
		memset(&in, 0, sizeof(in));
		in.kind = LI_DOWN;
		in.dev = ROLE_CAMERA;
		in.since_mono_ms = dc->heard_ms;
		in.err = why;
		daemon_step(d, i, &in);
	}
}

void
daemon_camera_fini(struct daemon *d)
{
	camera_listen_free(d->camera);
	d->camera = NULL;
}

/* The listener's and the cameras' figures for the status server. */
void
daemon_camera_snapshot(const struct daemon *d, struct status_snap *out)
{
	int64_t now = ts_mono_ms();
	int i;

	camera_listen_stats(d->camera, &out->camera);
	out->camera.on = d->camera != NULL;
	for (i = 0; i < d->cfg->n_lanes; i++) {
		out->lanes[i].camera.on = d->cam[i].on;
		memcpy(out->lanes[i].camera.pushes, d->cam[i].pushes,
		    sizeof(d->cam[i].pushes));
		out->lanes[i].camera.heard_age_ms = now - d->cam[i].heard_ms;
	}
}
