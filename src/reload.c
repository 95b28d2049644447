/* What a SIGHUP reload may change, and the config_reloaded event (docs/reload.md). */
/*
 * The daemon reads the file again and keeps the configuration in force if
 * the new one is invalid or changes anything below that only a restart can
 * change: the store, the status listener, the controller's identity, the
 * platform connection and the housekeeping are set up once at start from
 * [controller] and [platform], and the lanes are the daemon's own slots.
 * Rules, limits and every [lane] setting may change.
 */
#include <stdio.h>
#include <string.h>

#include "weighgate/reload.h"

struct diff {
	char *out;
	size_t len, used;
	int n;
};

static void
note(struct diff *d, bool differs, const char *name)
{
	int k;

	if (!differs)
		return;
	if (d->used < d->len) {
		k = snprintf(d->out + d->used, d->len - d->used, "%s%s",
		    d->n > 0 ? ", " : "", name);
		if (k > 0)
			d->used += (size_t)k;
	}
	d->n++;
}

static bool
str_differs(const char *a, const char *b)
{
	return strcmp(a, b) != 0;
}

static void
controller_diff(struct diff *d, const struct config *a, const struct config *b)
{
	note(d, str_differs(a->controller.id, b->controller.id), "[controller] id");
	note(d, str_differs(a->controller.db, b->controller.db), "[controller] db");
	note(d, str_differs(a->controller.status_listen,
	    b->controller.status_listen), "[controller] status_listen");
	note(d, str_differs(a->controller.override_token_file,
	    b->controller.override_token_file), "[controller] override_token_file");
	note(d, a->controller.status_max_connections !=
	    b->controller.status_max_connections,
	    "[controller] status_max_connections");
	note(d, a->controller.retention_days != b->controller.retention_days,
	    "[controller] retention_days");
	note(d, a->controller.db_max_mb != b->controller.db_max_mb,
	    "[controller] db_max_mb");
	note(d, a->controller.disk_min_free_mb != b->controller.disk_min_free_mb,
	    "[controller] disk_min_free_mb");
	note(d, str_differs(a->controller.profile_dir, b->controller.profile_dir),
	    "[controller] profile_dir");
}

/* The camera listener and the lanes' cameras are set up once (docs/camera.md). */
static void
camera_diff(struct diff *d, const struct config *a, const struct config *b)
{
	const __typeof__(a->controller) *p = &a->controller, *q = &b->controller;
	bool lanes = false;
	int i;

	note(d, str_differs(p->camera_listen, q->camera_listen) ||
	    str_differs(p->camera_allow, q->camera_allow) ||
	    str_differs(p->camera_user, q->camera_user) ||
	    str_differs(p->camera_password_file, q->camera_password_file) ||
	    p->camera_max_connections != q->camera_max_connections ||
	    p->camera_timeout_s != q->camera_timeout_s ||
	    p->camera_body_max_kb != q->camera_body_max_kb ||
	    p->camera_part_max_kb != q->camera_part_max_kb ||
	    p->camera_parts_max != q->camera_parts_max ||
	    p->camera_auth != q->camera_auth, "[controller] camera_*");
	for (i = 0; i < a->n_lanes && i < b->n_lanes; i++)
		lanes = lanes || str_differs(a->lanes[i].camera_id,
		    b->lanes[i].camera_id) || str_differs(a->lanes[i].camera_channel,
		    b->lanes[i].camera_channel) ||
		    str_differs(a->lanes[i].camera_source, b->lanes[i].camera_source) ||
		    a->lanes[i].camera_silent_ms != b->lanes[i].camera_silent_ms;
	note(d, lanes, "[lane] camera_*");
}

static void
platform_diff(struct diff *d, const struct config *a, const struct config *b)
{
	const __typeof__(a->platform) *p = &a->platform, *q = &b->platform;

	note(d, str_differs(p->url, q->url) || str_differs(p->ca_file, q->ca_file) ||
	    str_differs(p->cert_file, q->cert_file) ||
	    str_differs(p->key_file, q->key_file) ||
	    str_differs(p->token_file, q->token_file) ||
	    str_differs(p->pinned_pubkey, q->pinned_pubkey) ||
	    p->batch_max != q->batch_max || p->batch_wait_ms != q->batch_wait_ms ||
	    p->list_poll_s != q->list_poll_s || p->retry_min_ms != q->retry_min_ms ||
	    p->retry_max_ms != q->retry_max_ms ||
	    p->request_timeout_s != q->request_timeout_s, "[platform]");
}

int
reload_restart_needed(const struct config *a, const struct config *b,
    char *out, size_t outlen)
{
	struct diff d = { out, outlen, 0, 0 };
	bool lanes = a->n_lanes != b->n_lanes;
	int i;

	if (outlen > 0)
		out[0] = '\0';
	controller_diff(&d, a, b);
	platform_diff(&d, a, b);
	camera_diff(&d, a, b);
	for (i = 0; !lanes && i < a->n_lanes; i++)
		lanes = str_differs(a->lanes[i].name, b->lanes[i].name);
	note(&d, lanes, "the set of lanes");
	return d.n;
}

static bool
addr_differs(const struct devaddr *a, const struct devaddr *b)
{
	char x[600], y[600];

	devaddr_format(a, x, sizeof(x));
	devaddr_format(b, y, sizeof(y));
	return strcmp(x, y) != 0;
}

bool
reload_devices_changed(const struct lane_cfg *a, const struct lane_cfg *b)
{
	int r;

	for (r = 0; r < ROLE_NMODBUS; r++)
		if (addr_differs(&a->dev[r].addr, &b->dev[r].addr))
			return true;
	/* the profiles are loaded as the links are made (docs/devices.md) */
	for (r = 0; r < ROLE_NMODBUS; r++)
		if (strcmp(a->profile[r], b->profile[r]) != 0)
			return true;
	if (a->word_order != b->word_order ||
	    a->plate_encoding != b->plate_encoding)
		return true;
	return a->poll_ms != b->poll_ms ||
	    a->timeout_ms != b->timeout_ms || a->scale_base != b->scale_base ||
	    a->io_input_base != b->io_input_base || a->led_base != b->led_base;
}

void
reload_event_body(struct sbuf *b, const char *controller,
    const char *old_ruleset, const char *new_ruleset, const char *old_hash,
    const char *new_hash)
{
	sbuf_puts(b, "{\"controller\":");
	sbuf_put_json_str(b, controller);
	sbuf_puts(b, ",\"old_ruleset\":");
	sbuf_put_json_str(b, old_ruleset);
	sbuf_puts(b, ",\"new_ruleset\":");
	sbuf_put_json_str(b, new_ruleset);
	sbuf_puts(b, ",\"old_config_hash\":");
	sbuf_put_json_str(b, old_hash);
	sbuf_puts(b, ",\"new_config_hash\":");
	sbuf_put_json_str(b, new_hash);
	sbuf_putc(b, '}');
}

/*
 * Lanes take a new configuration one by one, between vehicles: while one
 * lane is on the new file another may still be on the old.  A device (its
 * link and unit) that the new file gives to a lane other than the one that
 * drives it now would, for that while, be polled and written by two lanes —
 * one lane's pass could raise the other's barrier.  Such a move needs a
 * restart.  cur[j] is the configuration lane j runs on now.
 */
int
reload_device_moved(const struct config *nc, const struct lane_cfg *const *cur,
    int n, char *out, size_t outlen)
{
	const struct devaddr *a, *b;
	int i, j, k, m;

	if (outlen > 0)
		out[0] = '\0';
	for (i = 0; i < nc->n_lanes; i++)
		for (k = 0; k < ROLE_NMODBUS; k++) {
			a = &nc->lanes[i].dev[k].addr;
			if (a->type == DEV_NONE)
				continue;
			for (j = 0; j < n; j++) {
				if (strcmp(cur[j]->name, nc->lanes[i].name) == 0)
					continue;
				for (m = 0; m < ROLE_NMODBUS; m++) {
					b = &cur[j]->dev[m].addr;
					if (b->type == DEV_NONE || b->unit != a->unit ||
					    !devaddr_same_link(a, b))
						continue;
					snprintf(out, outlen, "lane %s's %s is lane "
					    "%s's %s now", nc->lanes[i].name,
					    cfg_role_names[k], cur[j]->name,
					    cfg_role_names[m]);
					return 1;
				}
			}
		}
	return 0;
}
