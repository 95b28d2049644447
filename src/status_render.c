/*
 * What the status server says (docs/design.md §9), from a snapshot: the station board
 * (HTML, Chinese labels with English beside them), the same as JSON, and
 * the Prometheus text.  Pure: no I/O, no clock; the snapshot carries the
 * time.  docs/status.md documents the JSON shape and the metric names.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "weighgate/alarms.h"
#include "weighgate/event.h"
#include "weighgate/status.h"
#include "weighgate/timefmt.h"

const double status_lat_bounds[STATUS_LAT_NBOUNDS] = {
	0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5
};
static const char *const lat_bound_text[STATUS_LAT_NBOUNDS] = {
	"0.001", "0.0025", "0.005", "0.01", "0.025", "0.05", "0.1", "0.25",
	"0.5", "1", "2.5"
};

static const char *const state_zh[LANE_NSTATES] = {
	"空闲", "放行", "拒绝", "故障"
};
static const char *const dev_label[ROLE_N] = {
	"称重 Scale", "控制器 I/O", "显示屏 LED", "道闸 Barrier",
	"摄像机 Camera"
};

/* The camera is shown for a lane that takes its plates from one. */
static bool
dev_shown(const struct status_lane *l, int k)
{
	return k != ROLE_CAMERA || l->camera.on;
}

/* A name's Chinese by its English (code) name. */
struct zh_name {
	const char *en, *zh;
};

static const char *
zh_lookup(const struct zh_name *t, size_t n, const char *en)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(t[i].en, en) == 0)
			return t[i].zh;
	return "";
}

static const char *
decision_zh(const char *d)
{
	static const struct zh_name t[] = {
		{ "pass", "放行" }, { "turnback", "劝返" },
		{ "intercept", "拦截" }, { "retry", "重新称重" },
		{ "hold", "等待人工" }, { "fault", "故障" },
	};

	return zh_lookup(t, sizeof(t) / sizeof(t[0]), d);
}

static const char *
state_zh_of(const char *st)
{
	size_t i;

	for (i = 0; i < LANE_NSTATES; i++)
		if (strcmp(lane_state_name((enum lane_state)i), st) == 0)
			return state_zh[i];
	return "";
}

/* ---- counters ---- */

void
status_hist_observe(struct status_hist *h, double seconds)
{
	int i;

	for (i = 0; i < STATUS_LAT_NBOUNDS && seconds > status_lat_bounds[i]; i++)
		;
	h->count[i]++;
	h->n++;
	h->sum += seconds;
}

void
status_count_decision(struct status_counters *c, enum decision_kind k)
{
	c->decisions[k]++;
	c->latency_pending = true;
}

static const enum event_kind ev_kinds[SEV_N] = {
	EV_FORCED_ENTRY, EV_OVERRIDE, EV_BARRIER_UNAUTHORIZED, EV_PASS_TIMEOUT,
	EV_UNWEIGHED_PASS, EV_MISSED_RESULTS, EV_SCALE_RESET, EV_DEVICE_FAULT,
	EV_DEVICE_RECOVERED
};

const char *
status_ev_name(enum status_ev e)
{
	return (unsigned)e < SEV_N ? event_name(ev_kinds[e]) : "?";
}

/* The last "missed": of a missed_results body (the lane writes it last). */
static uint64_t
missed_of(const char *body)
{
	const char *key = "\"missed\":", *p, *at = NULL;
	uint64_t n = 0;

	for (p = body; (p = strstr(p, key)) != NULL; p++)
		at = p;
	if (at == NULL)
		return 0;
	for (at += strlen(key); *at >= '0' && *at <= '9'; at++)
		n = n * 10 + (uint64_t)(*at - '0');
	return n;
}

void
status_count_event(struct status_counters *c, const char *kind,
    const char *body)
{
	enum event_kind ek;
	int k;

	if (event_from_name(kind, &ek) != 0)
		return;
	for (k = 0; k < SEV_N && ev_kinds[k] != ek; k++)
		;
	if (k == SEV_N)
		return;
	c->events[k]++;
	if (k == SEV_MISSED_RESULTS && body != NULL)
		c->results_missed += missed_of(body);
}

void
status_count_modbus(struct status_counters *c, enum dev_role dev,
    const struct mb_report *r)
{
	if ((unsigned)dev >= ROLE_N)
		return;
	if (r->kind == MB_DOWN)
		c->modbus_outages[dev]++;
	else if (r->kind == MB_WRITE_FAILED)
		c->modbus_writes_failed[dev]++;
	else if (r->kind == MB_FAILED && (unsigned)r->fail < MB_FAIL_N)
		c->modbus_failed[dev][r->fail] += r->failed;
}

bool
status_decision_final(enum decision_kind k)
{
	return k == DEC_PASS || k == DEC_TURNBACK || k == DEC_INTERCEPT ||
	    k == DEC_HOLD;
}

void
status_count_output(struct status_counters *c, int64_t mono_ms)
{
	if (!c->latency_pending)
		return;
	c->latency_pending = false;
	if (c->scale_read_mono_ms > 0 && mono_ms >= c->scale_read_mono_ms)
		status_hist_observe(&c->latency,
		    (double)(mono_ms - c->scale_read_mono_ms) / 1000.0);
}

/* ---- the snapshot of one lane ---- */

static void
fill_last(struct status_last *o, const struct lane_last *l)
{
	const struct decision *d = &l->d;

	memset(o, 0, sizeof(*o));
	if (!(o->valid = l->valid))
		return;
	snprintf(o->uuid, sizeof(o->uuid), "%s", l->uuid);
	o->ts_ms = l->m.ts_ms;
	snprintf(o->plate, sizeof(o->plate), "%s", l->m.plate);
	snprintf(o->plate_color, sizeof(o->plate_color), "%s",
	    meas_color_name(l->m.plate_color));
	snprintf(o->kind, sizeof(o->kind), "%s", meas_kind_name(l->m.kind));
	snprintf(o->config, sizeof(o->config), "%s",
	    meas_config_name(l->m.config));
	o->axles = l->m.axles;
	o->gross_kg = l->m.gross_kg;
	o->has_limit = d->has_limit;
	o->legal_limit_kg = d->legal_limit_kg;
	o->applied_limit_kg = d->applied_limit_kg;
	o->over_kg = d->over_kg;
	o->flag_100t = d->flag_100t;
	snprintf(o->decision, sizeof(o->decision), "%s",
	    decision_kind_name(d->kind));
	if (d->n_reasons > 0)
		snprintf(o->reason, sizeof(o->reason), "%s",
		    reason_name(d->reasons[0]));
	snprintf(o->led_text, sizeof(o->led_text), "%s", l->led_text);
}

void
status_fill_lane(struct status_lane *o, const struct lane *l,
    const struct status_counters *c)
{
	static const char *const colour[] = { "green", "red", "yellow" };
	int k;

	memset(o, 0, sizeof(*o));
	snprintf(o->name, sizeof(o->name), "%s", l->cfg->name);
	snprintf(o->state, sizeof(o->state), "%s", lane_state_name(l->state));
	o->stopping = l->stopping;
	o->led_known = l->led_known;
	snprintf(o->led_colour, sizeof(o->led_colour), "%s",
	    l->led_msg == LED_IDLE || l->led_msg == LED_PASS ? colour[0] :
	    l->led_msg == LED_RETRY || l->led_msg == LED_HOLD ||
	    l->led_msg == LED_WEIGHING ? colour[2] : colour[1]);
	snprintf(o->led_text, sizeof(o->led_text), "%s", l->led_text);
	o->barrier_known = l->barrier_known;
	o->barrier_cmd_up = l->cmd_barrier_up;
	o->inputs_known = l->inputs_known;
	o->barrier_up_in = l->in[IO_BARRIER_UP];
	o->barrier_down_in = l->in[IO_BARRIER_DOWN];
	o->pass_loop = l->in[IO_PASS_LOOP];
	o->presence = l->in[IO_PRESENCE];
	o->alarm_on = l->alarm_known && l->alarm_on;
	o->store_fault = l->store_fault;
	for (k = 0; k < ROLE_N; k++) {
		o->dev_up[k] = !l->dev_fault[k] && (k == ROLE_BARRIER ||
		    l->down_since[k] < 0);
		snprintf(o->dev_err[k], sizeof(o->dev_err[k]), "%s",
		    l->dev_fault[k] || l->down_since[k] >= 0 ?
		    l->down_err[k] : "");
	}
	/* the scale's own fault bit is a scale fault */
	if (l->scale_fault_bit)
		o->dev_up[ROLE_SCALE] = false;
	fill_last(&o->last, &l->last);
	if (c != NULL)
		o->c = *c;
}

/* ---- small formatting helpers ---- */

/* kg as tonnes with one decimal, rounded half away from zero. */
static void
put_tonnes(struct sbuf *b, int64_t kg)
{
	int64_t t10 = kg >= 0 ? (kg + 50) / 100 : -((-kg + 50) / 100);

	sbuf_put_fixed(b, t10, 1);
}

static void
put_ts_or_null(struct sbuf *b, int64_t ms)
{
	char ts[TS_TEXT_LEN + 1];

	if (ms <= 0) {
		sbuf_puts(b, "null");
		return;
	}
	ts_format(ms, ts);
	sbuf_put_json_str(b, ts);
}

static void
put_str_or_null(struct sbuf *b, const char *s)
{
	if (s == NULL || *s == '\0')
		sbuf_puts(b, "null");
	else
		sbuf_put_json_str(b, s);
}

static void
put_bool(struct sbuf *b, bool v)
{
	sbuf_puts(b, v ? "true" : "false");
}

/* The barrier's position by its two inputs. */
static const char *
barrier_position(const struct status_lane *l)
{
	if (!l->inputs_known)
		return NULL;
	if (l->barrier_up_in && !l->barrier_down_in)
		return "up";
	if (!l->barrier_up_in && l->barrier_down_in)
		return "down";
	return l->barrier_up_in ? "inconsistent" : "moving";
}

/* ---- JSON ---- */

static void
json_last(struct sbuf *b, const struct status_last *l)
{
	if (!l->valid) {
		sbuf_puts(b, "null");
		return;
	}
	sbuf_puts(b, "{\"uuid\":");
	put_str_or_null(b, l->uuid);
	sbuf_puts(b, ",\"ts\":");
	put_ts_or_null(b, l->ts_ms);
	sbuf_puts(b, ",\"plate\":");
	sbuf_put_json_str(b, l->plate);
	sbuf_puts(b, ",\"plate_color\":");
	sbuf_put_json_str(b, l->plate_color);
	sbuf_puts(b, ",\"kind\":");
	sbuf_put_json_str(b, l->kind);
	sbuf_puts(b, ",\"config\":");
	sbuf_put_json_str(b, l->config);
	sbuf_printf(b, ",\"axles\":%d,\"gross_kg\":%lld", l->axles,
	    (long long)l->gross_kg);
	if (l->has_limit)
		sbuf_printf(b, ",\"legal_limit_kg\":%lld,\"applied_limit_kg\":%lld"
		    ",\"over_kg\":%lld", (long long)l->legal_limit_kg,
		    (long long)l->applied_limit_kg, (long long)l->over_kg);
	else
		sbuf_puts(b, ",\"legal_limit_kg\":null,\"applied_limit_kg\":null"
		    ",\"over_kg\":null");
	sbuf_puts(b, ",\"flag_100t\":");
	put_bool(b, l->flag_100t);
	sbuf_puts(b, ",\"decision\":");
	sbuf_put_json_str(b, l->decision);
	sbuf_puts(b, ",\"reason\":");
	put_str_or_null(b, l->reason);
	sbuf_puts(b, ",\"led_text\":");
	put_str_or_null(b, l->led_text);
	sbuf_putc(b, '}');
}

/* A lane's camera (docs/camera.md): its pushes and when it was heard. */
static void
json_lane_camera(struct sbuf *b, const struct status_lane *l)
{
	int k;

	if (!l->camera.on) {
		sbuf_puts(b, "null");
		return;
	}
	sbuf_puts(b, "{\"pushes\":{");
	for (k = 0; k <= CREQ_OTHER; k++)
		sbuf_printf(b, "%s\"%s\":%llu", k ? "," : "",
		    camera_req_name((enum camera_req)k),
		    (unsigned long long)l->camera.pushes[k]);
	sbuf_printf(b, "},\"heard_age_ms\":%lld}",
	    (long long)l->camera.heard_age_ms);
}

/* The camera listener: null when camera_listen is not set. */
static void
json_camera(struct sbuf *b, const struct camera_listen_stats *c)
{
	int k;

	if (!c->on) {
		sbuf_puts(b, "null");
		return;
	}
	sbuf_printf(b, "{\"bound\":%s,\"connections\":%d,\"requests\":{",
	    c->bound ? "true" : "false", c->connections);
	for (k = 0; k < CREQ_N; k++)
		sbuf_printf(b, "%s\"%s\":%llu", k ? "," : "",
		    camera_req_name((enum camera_req)k),
		    (unsigned long long)c->requests[k]);
	sbuf_puts(b, "}}");
}

static void
json_lane(struct sbuf *b, const struct status_lane *l)
{
	const char *pos = barrier_position(l);
	int k;

	sbuf_puts(b, "{\"name\":");
	sbuf_put_json_str(b, l->name);
	sbuf_puts(b, ",\"state\":");
	sbuf_put_json_str(b, l->state);
	sbuf_puts(b, ",\"stopping\":");
	put_bool(b, l->stopping);
	sbuf_puts(b, ",\"led\":");
	if (l->led_known) {
		sbuf_puts(b, "{\"colour\":");
		sbuf_put_json_str(b, l->led_colour);
		sbuf_puts(b, ",\"text\":");
		sbuf_put_json_str(b, l->led_text);
		sbuf_putc(b, '}');
	} else
		sbuf_puts(b, "null");
	sbuf_puts(b, ",\"barrier\":{\"commanded\":");
	put_str_or_null(b, l->barrier_known ? (l->barrier_cmd_up ? "up" : "down") :
	    NULL);
	sbuf_puts(b, ",\"position\":");
	put_str_or_null(b, pos);
	sbuf_puts(b, "},\"pass_loop\":");
	sbuf_puts(b, !l->inputs_known ? "null" : l->pass_loop ? "true" : "false");
	sbuf_puts(b, ",\"presence\":");
	sbuf_puts(b, !l->inputs_known ? "null" : l->presence ? "true" : "false");
	sbuf_puts(b, ",\"alarm\":");
	put_bool(b, l->alarm_on);
	sbuf_puts(b, ",\"store_fault\":");
	put_bool(b, l->store_fault);
	sbuf_puts(b, ",\"devices\":{");
	for (k = 0; k < ROLE_N; k++) {
		if (!dev_shown(l, k))
			continue;	/* the last: no comma to mend */
		sbuf_printf(b, "%s\"%s\":{\"up\":%s,\"error\":", k ? "," : "",
		    cfg_role_name((enum dev_role)k), l->dev_up[k] ? "true" : "false");
		put_str_or_null(b, l->dev_err[k]);
		sbuf_putc(b, '}');
	}
	sbuf_puts(b, "},\"camera\":");
	json_lane_camera(b, l);
	sbuf_puts(b, ",\"last\":");
	json_last(b, &l->last);
	sbuf_puts(b, ",\"decisions\":{");
	for (k = 0; k < DEC_NKINDS; k++)
		sbuf_printf(b, "%s\"%s\":%llu", k ? "," : "",
		    decision_kind_name((enum decision_kind)k),
		    (unsigned long long)l->c.decisions[k]);
	sbuf_puts(b, "},\"fault_ms\":");
	if (l->fault_ms >= 0)
		sbuf_put_i64(b, l->fault_ms);
	else
		sbuf_puts(b, "null");
	sbuf_putc(b, '}');
}

/* The day's counts of the board (docs/status.md, "The alarm feed"). */
static void
json_today(struct sbuf *b, const struct alarms *a)
{
	sbuf_printf(b, "{\"date\":\"%04d-%02d-%02d\",\"vehicles\":%llu,"
	    "\"turnbacks\":%llu,\"intercepts\":%llu,\"forced_entries\":%llu}",
	    a->day / 10000, a->day / 100 % 100, a->day % 100,
	    (unsigned long long)a->count[AC_VEHICLES],
	    (unsigned long long)a->count[AC_TURNBACKS],
	    (unsigned long long)a->count[AC_INTERCEPTS],
	    (unsigned long long)a->count[AC_FORCED_ENTRIES]);
}

static void
json_alarm(struct sbuf *b, const struct alarm *al)
{
	sbuf_printf(b, "{\"id\":%lld,\"ts\":", (long long)al->seq);
	put_ts_or_null(b, al->ts_ms);
	sbuf_puts(b, ",\"kind\":");
	sbuf_put_json_str(b, alarms_kind_name(al->kind));
	sbuf_puts(b, ",\"lane\":");
	put_str_or_null(b, al->lane);
	sbuf_puts(b, ",\"plate\":");
	put_str_or_null(b, al->plate);
	sbuf_puts(b, ",\"what\":");
	put_str_or_null(b, al->what);
	sbuf_puts(b, ",\"needs_ack\":");
	put_bool(b, al->needs_ack);
	sbuf_puts(b, ",\"acknowledged\":");
	put_bool(b, al->acked);
	sbuf_puts(b, ",\"ack_operator\":");
	put_str_or_null(b, al->acked ? al->ack_operator : NULL);
	sbuf_puts(b, ",\"ack_ts\":");
	put_ts_or_null(b, al->acked ? al->ack_ts_ms : 0);
	sbuf_putc(b, '}');
}

/* The feed, newest first. */
static void
json_alarms(struct sbuf *b, const struct alarms *a)
{
	const struct alarm *al;
	int i;

	sbuf_printf(b, "{\"unacknowledged\":%d,\"feed\":[", alarms_unacked(a));
	for (i = 0; (al = alarms_get(a, i)) != NULL; i++) {
		if (i > 0)
			sbuf_putc(b, ',');
		json_alarm(b, al);
	}
	sbuf_puts(b, "]}");
}

static void
json_sync(struct sbuf *b, const struct sync_stats *s)
{
	sbuf_puts(b, "{\"enabled\":");
	put_bool(b, s->enabled);
	sbuf_printf(b, ",\"backlog\":%lld,\"last_success\":", (long long)s->backlog);
	put_ts_or_null(b, s->last_success_ms);
	sbuf_printf(b, ",\"sent_total\":%lld,\"rejected_total\":%lld,"
	    "\"failures_total\":%lld,\"auth_alarm\":%s,\"tls_alarm\":%s,"
	    "\"lists_version\":", (long long)s->sent_total,
	    (long long)s->rejected_total, (long long)s->failures_total,
	    s->auth_alarm ? "true" : "false", s->tls_alarm ? "true" : "false");
	put_str_or_null(b, s->lists_version);
	sbuf_putc(b, '}');
}

/* The clock watch: doubt and why (docs/status.md). */
static void
json_clock(struct sbuf *b, const struct clockwatch *c)
{
	sbuf_puts(b, "{\"doubt\":");
	put_bool(b, cw_doubt(c));
	sbuf_printf(b, ",\"causes\":[%s%s%s]", c->step_doubt ? "\"step\"" : "",
	    c->step_doubt && c->skew_doubt ? "," : "",
	    c->skew_doubt ? "\"skew\"" : "");
	sbuf_puts(b, ",\"step_ms\":");
	if (c->steps_total > 0)
		sbuf_put_i64(b, c->step_ms);
	else
		sbuf_puts(b, "null");
	sbuf_puts(b, ",\"skew_ms\":");
	if (c->have_skew)
		sbuf_put_i64(b, c->skew_ms);
	else
		sbuf_puts(b, "null");
	sbuf_printf(b, ",\"steps_total\":%llu,\"kernel_unsync\":",
	    (unsigned long long)c->steps_total);
	put_bool(b, c->kernel_unsync);
	sbuf_putc(b, '}');
}

/* "replaced" and "rollback" of the store (docs/operations.md), or null. */
static void
json_store_guard(struct sbuf *b, const struct status_snap *s)
{
	sbuf_puts(b, ",\"replaced\":");
	if (s->store_replaced[0] != '\0')
		sbuf_put_json_str(b, s->store_replaced);
	else
		sbuf_puts(b, "null");
	sbuf_puts(b, ",\"replaced_why\":");
	if (s->store_replaced[0] != '\0')
		sbuf_put_json_str(b, s->store_replaced_why);
	else
		sbuf_puts(b, "null");
	sbuf_puts(b, ",\"rollback\":");
	if (s->store_rollback)
		sbuf_put_json_str(b, s->store_rollback_why);
	else
		sbuf_puts(b, "null");
}

void
status_render_json(const struct status_snap *s, struct sbuf *b)
{
	int i;

	sbuf_puts(b, "{\"controller\":");
	sbuf_put_json_str(b, s->controller);
	sbuf_puts(b, ",\"version\":");
	sbuf_put_json_str(b, s->version);
	sbuf_puts(b, ",\"time\":");
	put_ts_or_null(b, s->now_ms);
	sbuf_puts(b, ",\"started\":");
	put_ts_or_null(b, s->started_ms);
	sbuf_puts(b, ",\"overrides\":");
	put_bool(b, s->overrides);
	sbuf_puts(b, ",\"overrides_locked\":");
	put_bool(b, s->server.override_locked_ms > 0);
	sbuf_puts(b, ",\"store\":{\"ok\":");
	put_bool(b, s->store_ok);
	json_store_guard(b, s);
	sbuf_puts(b, "},\"disk\":{\"free_bytes\":");
	if (s->free_disk_bytes >= 0)
		sbuf_put_i64(b, s->free_disk_bytes);
	else
		sbuf_puts(b, "null");
	sbuf_puts(b, ",\"low\":");
	put_bool(b, s->disk_low);
	sbuf_puts(b, "},\"sync\":");
	json_sync(b, &s->sync);
	sbuf_puts(b, ",\"clock\":");
	json_clock(b, &s->clock);
	sbuf_puts(b, ",\"today\":");
	json_today(b, &s->alarms);
	sbuf_puts(b, ",\"alarms\":");
	json_alarms(b, &s->alarms);
	sbuf_puts(b, ",\"camera_listener\":");
	json_camera(b, &s->camera);
	sbuf_puts(b, ",\"lanes\":[");
	for (i = 0; i < s->n_lanes; i++) {
		if (i > 0)
			sbuf_putc(b, ',');
		json_lane(b, &s->lanes[i]);
	}
	sbuf_puts(b, "]}\n");
}

/* ---- Prometheus text format 0.0.4 ---- */

static void
prom_head(struct sbuf *b, const char *name, const char *type, const char *help)
{
	sbuf_printf(b, "# HELP weighgate_%s %s\n# TYPE weighgate_%s %s\n",
	    name, help, name, type);
}

/* A label value: backslash, double quote and line feed escaped. */
static void
prom_label(struct sbuf *b, const char *name, const char *v, bool first)
{
	sbuf_printf(b, "%s%s=\"", first ? "" : ",", name);
	for (; *v != '\0'; v++) {
		if (*v == '\\' || *v == '"')
			sbuf_putc(b, '\\');
		if (*v == '\n') {
			sbuf_puts(b, "\\n");
			continue;
		}
		sbuf_putc(b, *v);
	}
	sbuf_putc(b, '"');
}

static void
prom_lane_sample(struct sbuf *b, const char *name, const char *lane,
    const char *label, const char *value, uint64_t v)
{
	sbuf_printf(b, "weighgate_%s{", name);
	prom_label(b, "lane", lane, true);
	if (label != NULL)
		prom_label(b, label, value, false);
	sbuf_printf(b, "} %llu\n", (unsigned long long)v);
}

/* A lane counter by device (scale, io, led): one sample per lane and device. */
static void
prom_lane_devices(struct sbuf *b, const struct status_snap *s,
    const char *name, size_t offset)
{
	const uint64_t *v;
	int i, k;

	for (i = 0; i < s->n_lanes; i++) {
		v = (const uint64_t *)(const void *)
		    ((const char *)&s->lanes[i].c + offset);
		for (k = 0; k <= ROLE_LED; k++)
			prom_lane_sample(b, name, s->lanes[i].name, "device",
			    cfg_role_name((enum dev_role)k), v[k]);
	}
}

/* Weighings by lane and decision: every decision, or the final ones only. */
static void
prom_by_decision(struct sbuf *b, const struct status_snap *s,
    const char *name, bool final_only)
{
	enum decision_kind k;
	int i;

	for (i = 0; i < s->n_lanes; i++)
		for (k = 0; k < DEC_NKINDS; k++)
			if (!final_only || status_decision_final(k))
				prom_lane_sample(b, name, s->lanes[i].name,
				    "decision", decision_kind_name(k),
				    s->lanes[i].c.decisions[k]);
}

/*
 * Vehicles: one per final decision (docs/status.md, "Vehicles and
 * weighings"); the old name, by every decision, for one more release.
 */
static void
prom_vehicles(struct sbuf *b, const struct status_snap *s)
{
	prom_head(b, "vehicles_decided_total", "counter", "Vehicles decided "
	    "since start, one per final decision (pass, turnback, intercept, "
	    "hold; a retried truck counts once, at its final decision), by "
	    "lane and decision.");
	prom_by_decision(b, s, "vehicles_decided_total", true);
	prom_head(b, "vehicles_total", "counter", "DEPRECATED, removed in the "
	    "next release: use weighgate_vehicles_decided_total or "
	    "weighgate_weighings_total. Weighings recorded since start (a "
	    "re-weigh counts again), by lane and decision.");
	prom_by_decision(b, s, "vehicles_total", false);
}

/* Every decided result, and the lane events by kind (docs/status.md). */
static void
prom_lane_events(struct sbuf *b, const struct status_snap *s)
{
	uint64_t n;
	int i, k;

	prom_head(b, "weighings_total", "counter", "Weighing events committed "
	    "since start (every decided result, a re-weigh counts again), "
	    "by lane.");
	for (i = 0; i < s->n_lanes; i++) {
		for (n = 0, k = 0; k < DEC_NKINDS; k++)
			n += s->lanes[i].c.decisions[k];
		prom_lane_sample(b, "weighings_total", s->lanes[i].name, NULL,
		    NULL, n);
	}
	prom_head(b, "lane_events_total", "counter", "Lane events committed "
	    "since start, by lane and kind: forced_entry, override, "
	    "barrier_unauthorized, pass_timeout, unweighed_pass, "
	    "missed_results, scale_reset, device_fault, device_recovered.");
	for (i = 0; i < s->n_lanes; i++)
		for (k = 0; k < SEV_N; k++)
			prom_lane_sample(b, "lane_events_total", s->lanes[i].name,
			    "kind", status_ev_name((enum status_ev)k),
			    s->lanes[i].c.events[k]);
	prom_head(b, "results_missed_total", "counter", "Scale results "
	    "missed since start (the sum of the missed_results events' "
	    "counts), by lane.");
	for (i = 0; i < s->n_lanes; i++)
		prom_lane_sample(b, "results_missed_total", s->lanes[i].name,
		    NULL, NULL, s->lanes[i].c.results_missed);
}

/* The process's figures, under Prometheus's standard names (no prefix). */
static void
prom_process(struct sbuf *b, const struct status_snap *s)
{
	const struct status_proc *p = &s->proc;

	if (p->cpu_seconds >= 0)
		sbuf_printf(b, "# HELP process_cpu_seconds_total User and system "
		    "CPU time spent in seconds.\n# TYPE process_cpu_seconds_total "
		    "counter\nprocess_cpu_seconds_total %.6f\n", p->cpu_seconds);
	if (p->resident_bytes >= 0)
		sbuf_printf(b, "# HELP process_resident_memory_bytes Resident "
		    "memory size in bytes.\n# TYPE process_resident_memory_bytes "
		    "gauge\nprocess_resident_memory_bytes %lld\n",
		    (long long)p->resident_bytes);
	if (p->open_fds >= 0)
		sbuf_printf(b, "# HELP process_open_fds Number of open file "
		    "descriptors.\n# TYPE process_open_fds gauge\n"
		    "process_open_fds %lld\n", (long long)p->open_fds);
	sbuf_printf(b, "# HELP process_start_time_seconds Start time of the "
	    "process since unix epoch in seconds.\n# TYPE "
	    "process_start_time_seconds gauge\nprocess_start_time_seconds "
	    "%.3f\n", (double)s->started_ms / 1000.0);
}

static void
prom_latency(struct sbuf *b, const struct status_snap *s)
{
	const char *n = "decision_latency_seconds";
	int i, k;

	prom_head(b, n, "histogram", "From the scale read that showed a new "
	    "result to the first barrier or LED write after its weighing "
	    "was committed.");
	for (i = 0; i < s->n_lanes; i++) {
		const struct status_hist *h = &s->lanes[i].c.latency;
		uint64_t cum = 0;

		for (k = 0; k <= STATUS_LAT_NBOUNDS; k++) {
			cum += h->count[k];
			sbuf_printf(b, "weighgate_%s_bucket{", n);
			prom_label(b, "lane", s->lanes[i].name, true);
			prom_label(b, "le", k < STATUS_LAT_NBOUNDS ?
			    lat_bound_text[k] : "+Inf", false);
			sbuf_printf(b, "} %llu\n", (unsigned long long)cum);
		}
		sbuf_printf(b, "weighgate_%s_sum{", n);
		prom_label(b, "lane", s->lanes[i].name, true);
		sbuf_printf(b, "} %.6f\n", h->sum);
		sbuf_printf(b, "weighgate_%s_count{", n);
		prom_label(b, "lane", s->lanes[i].name, true);
		sbuf_printf(b, "} %llu\n", (unsigned long long)h->n);
	}
}

/* Failed Modbus transactions by lane, device and cause. */
static void
prom_modbus_failed(struct sbuf *b, const struct status_snap *s)
{
	const char *n = "modbus_transaction_failures_total";
	int i, k, f;

	prom_head(b, n, "counter", "Modbus transactions (reads and writes) "
	    "that failed since start, by lane, device and reason: timeout, "
	    "exception, bad_frame, link.");
	for (i = 0; i < s->n_lanes; i++)
		for (k = 0; k <= ROLE_LED; k++)
			for (f = 0; f < MB_FAIL_N; f++) {
				sbuf_printf(b, "weighgate_%s{", n);
				prom_label(b, "lane", s->lanes[i].name, true);
				prom_label(b, "device",
				    cfg_role_name((enum dev_role)k), false);
				prom_label(b, "reason",
				    mb_fail_name((enum mb_fail)f), false);
				sbuf_printf(b, "} %llu\n", (unsigned long long)
				    s->lanes[i].c.modbus_failed[k][f]);
			}
}

/* The per-device Modbus counters of a lane, in the order shown. */
static const struct {
	const char *name, *help;
	size_t offset;			/* of a uint64_t[ROLE_N] in the counters */
} modbus_counters[] = {
	{ "modbus_outages_total", "Outages of a lane's device since start: "
	    "each time it stopped answering (once per outage, not per failed "
	    "poll).", offsetof(struct status_counters, modbus_outages) },
	{ "modbus_write_failures_total", "Writes to a lane's device that "
	    "could not be made since start (device down, failed transaction, "
	    "invalid).", offsetof(struct status_counters, modbus_writes_failed) },
	{ "modbus_errors_total", "DEPRECATED, removed in the next release: "
	    "use weighgate_modbus_outages_total and "
	    "weighgate_modbus_write_failures_total (its sum). Modbus failures "
	    "of a lane's device: each outage begun and each write not made.",
	    offsetof(struct status_counters, modbus_errors) },
	{ "modbus_stray_frames_total", "Modbus TCP frames received that were "
	    "not the reply to the request in flight (transaction id, unit or "
	    "function), discarded unread; by the device the request was for.",
	    offsetof(struct status_counters, modbus_stray) },
};

/* Outages, writes not made and failed transactions of the lanes' devices. */
static void
prom_modbus(struct sbuf *b, const struct status_snap *s)
{
	size_t k;

	for (k = 0; k < sizeof(modbus_counters) / sizeof(modbus_counters[0]);
	    k++) {
		prom_head(b, modbus_counters[k].name, "counter",
		    modbus_counters[k].help);
		prom_lane_devices(b, s, modbus_counters[k].name,
		    modbus_counters[k].offset);
	}
	prom_modbus_failed(b, s);
}

static void
prom_devices(struct sbuf *b, const struct status_snap *s)
{
	int i, k;

	prom_modbus(b, s);
	prom_head(b, "device_up", "gauge",
	    "1 while a lane's device answers and is not faulted.");
	for (i = 0; i < s->n_lanes; i++)
		for (k = 0; k < ROLE_N; k++)
			if (dev_shown(&s->lanes[i], k))
				prom_lane_sample(b, "device_up", s->lanes[i].name, "device",
			    cfg_role_name((enum dev_role)k), s->lanes[i].dev_up[k]);
	prom_head(b, "lane_state", "gauge",
	    "1 for the state each lane is in, 0 for the others.");
	for (i = 0; i < s->n_lanes; i++)
		for (k = 0; k < LANE_NSTATES; k++)
			prom_lane_sample(b, "lane_state", s->lanes[i].name, "state",
			    lane_state_name((enum lane_state)k),
			    strcmp(s->lanes[i].state,
			    lane_state_name((enum lane_state)k)) == 0);
}

static void
prom_gauge(struct sbuf *b, const char *name, const char *type,
    const char *help, long long v)
{
	prom_head(b, name, type, help);
	sbuf_printf(b, "weighgate_%s %lld\n", name, v);
}

/* A counter by sync failure reason, every reason listed. */
static void
prom_by_reason(struct sbuf *b, const char *name, const char *help,
    const int64_t *v)
{
	int f;

	prom_head(b, name, "counter", help);
	for (f = 0; f < SYNC_FAIL_N; f++) {
		sbuf_printf(b, "weighgate_%s{", name);
		prom_label(b, "reason", sync_fail_name((enum sync_fail)f), true);
		sbuf_printf(b, "} %lld\n", (long long)v[f]);
	}
}

/* The lists in force: their version as a label, and their age. */
static void
prom_lists(struct sbuf *b, const struct status_snap *s)
{
	if (!s->lists_in_force)
		return;
	prom_head(b, "lists_info", "gauge", "The version of the watch, "
	    "exempt and permit lists in force (always 1; absent: none).");
	sbuf_puts(b, "weighgate_lists_info{");
	prom_label(b, "version", s->lists_version, true);
	sbuf_puts(b, "} 1\n");
	if (s->lists_applied_ms <= 0)
		return;
	prom_head(b, "lists_age_seconds", "gauge", "Seconds since the lists "
	    "in force were applied (stored from the platform or imported).");
	sbuf_printf(b, "weighgate_lists_age_seconds %.3f\n",
	    (double)(s->now_ms - s->lists_applied_ms) / 1000.0);
}

static void
prom_sync(struct sbuf *b, const struct sync_stats *y)
{
	prom_gauge(b, "sync_backlog_events", "gauge",
	    "Events recorded and not yet accepted or rejected by the platform.",
	    (long long)y->backlog);
	prom_gauge(b, "sync_last_success_timestamp_seconds", "gauge",
	    "Unix time of the platform's last successful answer (0: never).",
	    (long long)(y->last_success_ms / 1000));
	prom_gauge(b, "sync_events_accepted_total", "counter",
	    "Events accepted by the platform since start.",
	    (long long)y->sent_total);
	prom_gauge(b, "sync_events_sent_total", "counter", "DEPRECATED, "
	    "removed in the next release: use "
	    "weighgate_sync_events_accepted_total (the same figure). Events "
	    "accepted by the platform since start.", (long long)y->sent_total);
	prom_gauge(b, "sync_events_rejected_total", "counter",
	    "Events rejected by the platform since start.",
	    (long long)y->rejected_total);
	prom_by_reason(b, "sync_failures_total", "Batches of events POSTed to "
	    "the platform that failed since start, by reason.", y->failures);
	prom_by_reason(b, "sync_lists_failures_total", "Fetches of the lists "
	    "from the platform that failed since start, by reason.",
	    y->lists_failures);
	prom_gauge(b, "sync_auth_alarm", "gauge",
	    "1 while the platform's last answer was 401 or 403.", y->auth_alarm);
	prom_gauge(b, "sync_tls_alarm", "gauge",
	    "1 while the last failure was a TLS verification failure.",
	    y->tls_alarm);
}

/* The status server's connections and the override lockout. */
static void
prom_server(struct sbuf *b, const struct status_server_stats *v)
{
	prom_gauge(b, "status_connections", "gauge",
	    "Connections to the status server open now.", v->connections);
	prom_gauge(b, "status_connections_max", "gauge", "The most connections "
	    "served at once (status_max_connections, or fewer for the "
	    "descriptor limit).", v->max_connections);
	prom_gauge(b, "status_connections_refused_total", "counter",
	    "Connections answered 503 and closed at the limit.",
	    (long long)v->refused_total);
	prom_gauge(b, "status_accept_errors_total", "counter",
	    "accept() failures of the status server (no descriptor left).",
	    (long long)v->accept_errors_total);
	prom_gauge(b, "override_auth_failures_total", "counter",
	    "Override requests with a wrong Bearer token.",
	    (long long)v->override_auth_failures_total);
	prom_gauge(b, "override_lockouts_total", "counter",
	    "Times overrides were locked after too many wrong tokens.",
	    (long long)v->override_lockouts_total);
	prom_gauge(b, "override_locked", "gauge",
	    "1 while every override is refused (429) after wrong tokens.",
	    v->override_locked_ms > 0);
}

static void
prom_clock(struct sbuf *b, const struct clockwatch *c)
{
	prom_gauge(b, "clock_doubt", "gauge", "1 while the wall clock is in "
	    "doubt (a step, or the platform's Date off by more than 60 s).",
	    cw_doubt(c));
	prom_gauge(b, "clock_steps_total", "counter", "Steps of the wall "
	    "clock against the monotonic clock since start.",
	    (long long)c->steps_total);
	if (c->have_skew) {
		prom_head(b, "clock_skew_seconds", "gauge", "The platform's "
		    "Date minus the local clock, at the last answer.");
		sbuf_printf(b, "weighgate_clock_skew_seconds %.3f\n",
		    (double)c->skew_ms / 1000.0);
	}
	prom_gauge(b, "clock_kernel_unsynced", "gauge", "1 while the "
	    "kernel's NTP state says unsynchronised (an alarm, not a doubt).",
	    c->kernel_unsync);
}

/* The camera listener's answers and the lanes' cameras (docs/camera.md). */
static void
prom_camera(struct sbuf *b, const struct status_snap *s)
{
	int i, k;

	if (!s->camera.on)
		return;
	prom_head(b, "camera_requests_total", "counter", "Requests to the "
	    "camera listener by how they were answered (read, no_plate, "
	    "other: 200; unmatched 404, bad 400, too_large 413, forbidden 403, "
	    "unauthorized 401, method 405).");
	for (k = 0; k < CREQ_N; k++) {
		sbuf_puts(b, "weighgate_camera_requests_total{");
		prom_label(b, "result", camera_req_name((enum camera_req)k), true);
		sbuf_printf(b, "} %llu\n",
		    (unsigned long long)s->camera.requests[k]);
	}
	prom_gauge(b, "camera_connections", "gauge", "Connections to the "
	    "camera listener open now.", s->camera.connections);
	prom_gauge(b, "camera_connections_timed_out_total", "counter",
	    "Camera connections closed without a whole request within "
	    "camera_timeout_s.", (long long)s->camera.timed_out_total);
	prom_head(b, "camera_pushes_total", "counter", "Pushes of a lane's "
	    "camera: plate reads, reads without a plate, other pushes "
	    "(heartbeats).");
	for (i = 0; i < s->n_lanes; i++)
		for (k = 0; k <= CREQ_OTHER && s->lanes[i].camera.on; k++)
			prom_lane_sample(b, "camera_pushes_total",
			    s->lanes[i].name, "result",
			    camera_req_name((enum camera_req)k),
			    s->lanes[i].camera.pushes[k]);
	prom_head(b, "camera_heard_age_seconds", "gauge", "Seconds since a "
	    "lane's camera last pushed anything (or since the start).");
	for (i = 0; i < s->n_lanes; i++)
		if (s->lanes[i].camera.on)
			sbuf_printf(b, "weighgate_camera_heard_age_seconds"
			    "{lane=\"%s\"} %.3f\n", s->lanes[i].name,
			    (double)s->lanes[i].camera.heard_age_ms / 1000.0);
}

void
status_render_metrics(const struct status_snap *s, struct sbuf *b)
{
	bool store_failing = !s->store_ok;
	int i;

	for (i = 0; i < s->n_lanes; i++)
		store_failing |= s->lanes[i].store_fault;
	prom_head(b, "build_info", "gauge", "The running version (always 1).");
	sbuf_puts(b, "weighgate_build_info{");
	prom_label(b, "version", s->version, true);
	prom_label(b, "controller", s->controller, false);
	sbuf_puts(b, "} 1\n");
	prom_gauge(b, "start_time_seconds", "gauge",
	    "Unix time the daemon started.", (long long)(s->started_ms / 1000));
	prom_vehicles(b, s);
	prom_lane_events(b, s);
	prom_latency(b, s);
	prom_devices(b, s);
	prom_sync(b, &s->sync);
	prom_lists(b, s);
	prom_clock(b, &s->clock);
	if (s->free_disk_bytes >= 0)
		prom_gauge(b, "disk_free_bytes", "gauge", "Free space on the "
		    "database's file system (checked every minute).",
		    (long long)s->free_disk_bytes);
	prom_gauge(b, "disk_low", "gauge",
	    "1 while free space is below disk_min_free_mb.", s->disk_low);
	prom_gauge(b, "store_failing", "gauge", "1 while the event store "
	    "cannot commit (every lane is then FAULT).", store_failing);
	prom_server(b, &s->server);
	prom_camera(b, s);
	prom_gauge(b, "store_replaced", "gauge", "1 once the event store was "
	    "found deleted, replaced or behind while running (every lane FAULT "
	    "until a restart).", s->store_replaced[0] != '\0');
	prom_gauge(b, "store_rollback", "gauge", "1 when this start found the "
	    "store behind what was committed and began a new chain.",
	    s->store_rollback);
	prom_process(b, s);
}

/* ---- the board ---- */

/*
 * The station screen: every lane at once on 1920x1080 or 1280x720, for
 * 1 to 16 lanes.  The page fills the viewport exactly: a header with the
 * date and time and the day's counts, the alarm bars, then the lanes'
 * grid (columns and rows chosen by the lane count, the text sized by the
 * tile with container query units) beside the alarm feed, and the footer.
 * Nothing hides behind a hover: a kiosk has no mouse.
 */

/* Text for HTML: & < > " ' escaped. */
static void
html(struct sbuf *b, const char *s)
{
	for (; *s != '\0'; s++)
		switch (*s) {
		case '&': sbuf_puts(b, "&amp;"); break;
		case '<': sbuf_puts(b, "&lt;"); break;
		case '>': sbuf_puts(b, "&gt;"); break;
		case '"': sbuf_puts(b, "&quot;"); break;
		case '\'': sbuf_puts(b, "&#39;"); break;
		default: sbuf_putc(b, *s);
		}
}

/* How much of a local time the board shows. */
enum local_fmt { LT_TIME, LT_MONTH, LT_FULL };

/* ms in the controller's local time, from the year, month or hour on. */
static void
put_local(struct sbuf *b, int64_t ms, enum local_fmt f)
{
	time_t sec = (time_t)(ms / 1000);
	struct tm tm;

	if (ms <= 0 || localtime_r(&sec, &tm) == NULL) {
		sbuf_puts(b, "从未 never");
		return;
	}
	if (f == LT_FULL)
		sbuf_printf(b, "%04d-", tm.tm_year + 1900);
	if (f != LT_TIME)
		sbuf_printf(b, "%02d-%02d ", tm.tm_mon + 1, tm.tm_mday);
	sbuf_printf(b, "%02d:%02d:%02d", tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* HH:MM:SS in the controller's local time; "从未 never" for 0. */
static void
put_clock(struct sbuf *b, int64_t ms)
{
	put_local(b, ms, LT_TIME);
}

/* A duration: "42 s", "3 min 12 s", "2 h 05 min". */
static void
put_duration(struct sbuf *b, int64_t ms)
{
	int64_t s = ms / 1000;

	if (s < 60)
		sbuf_printf(b, "%lld s", (long long)s);
	else if (s < 3600)
		sbuf_printf(b, "%lld min %02lld s", (long long)(s / 60),
		    (long long)(s % 60));
	else
		sbuf_printf(b, "%lld h %02lld min", (long long)(s / 3600),
		    (long long)(s / 60 % 60));
}

/* A rule's reason in Chinese, with the English name beside it. */
static const char *
reason_zh(const char *r)
{
	static const struct zh_name t[] = {
		{ "invalid", "无效称重" }, { "unstable", "称重不稳" },
		{ "gross_out_of_range", "总重超量程" }, { "speed", "车速过快" },
		{ "axle_sum", "轴重和不符" }, { "abnormal_driving", "异常驾驶" },
		{ "axles_out_of_range", "轴数异常" },
		{ "retries_exhausted", "重称次数用尽" }, { "fault", "设备故障" },
		{ "watch", "布控名单" }, { "passenger", "客车" },
		{ "exempt", "免检" }, { "permit", "大件运输许可" },
		{ "permit_mismatch", "许可不符" }, { "over_gross", "超限" },
		{ "config_unknown", "车型不明" }, { "within_limit", "未超限" },
		{ "clock_doubt", "时钟存疑" },
		/* a forced entry's how */
		{ "no_pass", "未放行" }, { "tailgate", "跟车" },
	};

	return zh_lookup(t, sizeof(t) / sizeof(t[0]), r);
}

/* "超限 over_gross": the Chinese and the English of a reason. */
static void
put_reason(struct sbuf *b, const char *r)
{
	const char *zh = reason_zh(r);

	if (*zh != '\0') {
		sbuf_puts(b, zh);
		sbuf_putc(b, ' ');
	}
	html(b, r);
}

static const char *const alarm_label[AK_N] = {
	[AK_FORCED_ENTRY] = "强行上站 Forced entry",
	[AK_INTERCEPT] = "拦截 Intercept",
	[AK_BARRIER_UNAUTHORIZED] = "道闸私自抬起 Barrier raised without decision",
	[AK_OVERRIDE] = "人工放行 Override",
	[AK_DEVICE_FAULT] = "设备故障 Device fault",
	[AK_DEVICE_RECOVERED] = "设备恢复 Device recovered",
	[AK_PASS_TIMEOUT] = "放行超时 Pass timeout",
	[AK_DISK_LOW] = "磁盘空间不足 Disk space low",
	[AK_STORE_REPLACED] = "存储被替换 Event store replaced",
	[AK_STORE_ROLLBACK] = "存储回退 Event store rolled back",
	[AK_CLOCK_STEP] = "时钟跳变 Clock stepped",
	[AK_CLOCK_SKEW] = "时钟偏差 Clock skew",
};

static const char board_head[] =
"<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">\n"
"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
"<title>入口称重检测 Entrance weighing</title>\n<style>\n"
"*{box-sizing:border-box}\n"
"html,body{height:100%;margin:0;overflow:hidden}\n"
"body{background:#111;color:#eee;font-family:\"Noto Sans CJK SC\","
"\"Noto Sans SC\",\"WenQuanYi Micro Hei\",sans-serif;font-size:clamp(12px,1.1vw,22px);"
"display:flex;flex-direction:column}\n"
"header,footer{display:flex;flex-wrap:wrap;justify-content:space-between;"
"align-items:center;gap:0 1em;padding:.3em .8em;background:#222;flex:none}\n"
"header h1{font-size:1.3em;margin:0;white-space:nowrap}\n"
"#clock{font-size:1.3em;font-weight:bold;white-space:nowrap}\n"
"#today{white-space:nowrap}#today b{font-size:1.2em;margin-right:.3em}\n"
"#today .hot{color:#ff5252}\n"
"#alarms{flex:none}\n"
".alarm{background:#b71c1c;color:#fff;padding:.2em .8em;font-weight:bold}\n"
"#main{flex:1;min-height:0;display:flex;gap:.5em;padding:.5em}\n"
"#board{flex:1;min-width:0;display:grid;gap:.5em;"
"grid-template-columns:repeat(var(--cols),minmax(0,1fr));"
"grid-template-rows:repeat(var(--rows),minmax(0,1fr))}\n"
".lane{container-type:size;min-width:0;min-height:0;overflow:hidden;"
"background:#1c1c1c;border:.25em solid #555;border-radius:.4em}\n"
".lane .in{height:100%;overflow:hidden;display:flex;flex-direction:column;"
"gap:.15em;padding:.25em .4em;"
"font-size:clamp(9px,min(7cqh,4.6cqw),30px);line-height:1.2}\n"
".lane .head{display:flex;justify-content:space-between;gap:.4em;"
"font-size:1.35em;font-weight:bold;padding:0 .3em;border-radius:.2em;"
"background:#555;white-space:nowrap}\n"
".st-IDLE{border-color:#3a6ea5}.st-IDLE .head{background:#3a6ea5}\n"
".st-OPEN{border-color:#2e7d32}.st-OPEN .head{background:#2e7d32}\n"
".st-REFUSED{border-color:#e53935}.st-REFUSED .head{background:#c62828}\n"
".st-FAULT{border-color:#ff9800;background:#3a2200}"
".st-FAULT .head{background:#ef6c00}\n"
".lane.alarmed{border-color:#ff1744;box-shadow:0 0 0 .25em #ff1744;"
"animation:flash 1s steps(2) infinite}\n"
"@keyframes flash{50%{box-shadow:0 0 0 .25em #111}}\n"
".led{padding:.1em .3em;background:#000;font-weight:bold;min-height:1.3em;"
"border:1px solid #333;overflow:hidden;display:-webkit-box;"
"-webkit-line-clamp:2;-webkit-box-orient:vertical}\n"
".led-green{color:#4cff4c}.led-red{color:#ff4040}.led-yellow{color:#ffd740}\n"
".row{overflow-wrap:anywhere}.row b,.row span{white-space:nowrap}\n"
".k{color:#aaa}\n"
".plate{font-weight:bold;font-size:1.15em}\n"
".dec-pass{color:#4cff4c}.dec-turnback,.dec-intercept,.dec-fault{color:#ff5252}"
".dec-retry,.dec-hold{color:#ffd740}\n"
".excess{color:#ff5252;font-weight:bold}\n"
".ok{color:#4cff4c}.bad{color:#ff5252;font-weight:bold}\n"
".devs span{margin-right:.5em;white-space:nowrap}\n"
".deverr{color:#ff8a80;font-weight:bold;overflow:hidden;display:-webkit-box;"
"-webkit-line-clamp:2;-webkit-box-orient:vertical}\n"
".faultfor{color:#ffb74d;font-weight:bold}\n"
"#feed{flex:none;width:22%;min-width:15em;display:flex;flex-direction:column;"
"background:#1a1a1a;border:1px solid #333;border-radius:.4em;overflow:hidden}\n"
"#feed h2{font-size:1.1em;margin:0;padding:.2em .5em;background:#333}\n"
"#feed h2 .n{color:#ff5252}\n"
"#feed ol{list-style:none;margin:0;padding:0;overflow:hidden;flex:1}\n"
"#feed li{padding:.25em .5em;border-bottom:1px solid #333;font-size:.9em}\n"
"#feed li.unacked{background:#4a0d0d;border-left:.4em solid #ff1744}\n"
"#feed li.acked{color:#999;border-left:.4em solid #444}\n"
"#feed li.info{border-left:.4em solid #2e7d32}\n"
"#feed .mark{float:right;font-weight:bold}\n"
"#feed li.unacked .mark{color:#ff5252}\n"
"#feed .hint{font-size:.8em;color:#aaa;padding:.2em .5em}\n"
"body.stale #main{opacity:.35}\n"
"#conn{color:#ff5252;font-weight:bold}\n"
"</style></head><body>\n";

/*
 * The page refreshes itself: every second it fetches itself again and swaps
 * the parts in place (no reload, no flicker); when the daemon does not
 * answer, the board is dimmed and says so.
 */
static const char board_script[] =
"<script>\n"
"(function(){\n"
"  var busy=false;\n"
"  function swap(doc,id){var n=doc.getElementById(id),o=document.getElementById(id);"
"if(n&&o)o.replaceWith(n);}\n"
"  function refresh(){\n"
"    if(busy)return;busy=true;\n"
"    fetch('/',{cache:'no-store'}).then(function(r){\n"
"      if(!r.ok)throw new Error(r.status);return r.text();\n"
"    }).then(function(t){\n"
"      var doc=new DOMParser().parseFromString(t,'text/html');\n"
"      ['board','feed','today','status-line','alarms','clock']"
".forEach(function(id){swap(doc,id);});\n"
"      document.body.classList.remove('stale');\n"
"      document.getElementById('conn').textContent='';\n"
"    }).catch(function(){\n"
"      document.body.classList.add('stale');\n"
"      document.getElementById('conn').textContent='连接中断 Connection lost';\n"
"    }).then(function(){busy=false;});\n"
"  }\n"
"  setInterval(refresh,1000);\n"
"})();\n"
"</script>\n"
"<noscript><meta http-equiv=\"refresh\" content=\"2\"></noscript>\n"
"</body></html>\n";

/* The last vehicle's weight line: gross, limit and a turn-back's excess. */
static void
board_weight(struct sbuf *b, const struct status_last *l)
{
	sbuf_printf(b, "<div class=\"row\"><span class=\"axles\">%d 轴 axles"
	    "</span> · <span class=\"k\">总重 Gross</span> <b class=\"gross\">",
	    l->axles);
	put_tonnes(b, l->gross_kg);
	sbuf_puts(b, " t</b> · <span class=\"k\">限值 Limit</span> "
	    "<b class=\"limit\">");
	if (l->has_limit) {
		put_tonnes(b, l->legal_limit_kg);
		sbuf_puts(b, " t");
	} else
		sbuf_puts(b, "—");
	sbuf_puts(b, "</b></div>\n");
	if (!l->has_limit || l->over_kg <= 0 || l->legal_limit_kg <= 0 ||
	    strcmp(l->decision, "turnback") != 0)
		return;
	sbuf_puts(b, "<div class=\"row excess\">超限 Over +");
	put_tonnes(b, l->over_kg);
	sbuf_puts(b, " t (+");
	sbuf_put_fixed(b, (l->over_kg * 1000 + l->legal_limit_kg / 2) /
	    l->legal_limit_kg, 1);
	sbuf_puts(b, "%)</div>\n");
}

static void
board_last(struct sbuf *b, const struct status_last *l)
{
	sbuf_puts(b, "<div class=\"row last\"><span class=\"k\">上一辆 Last "
	    "vehicle</span> ");
	if (!l->valid) {
		sbuf_puts(b, "— 无 none</div>\n");
		return;
	}
	put_clock(b, l->ts_ms);
	sbuf_puts(b, " <span class=\"plate\">");
	html(b, l->plate[0] ? l->plate : "—");
	sbuf_puts(b, "</span></div>\n");
	board_weight(b, l);
	sbuf_printf(b, "<div class=\"row decision dec-%s\">%s ", l->decision,
	    decision_zh(l->decision));
	html(b, l->decision);
	if (l->reason[0] != '\0') {
		sbuf_puts(b, " · <span class=\"reason\">");
		put_reason(b, l->reason);
		sbuf_puts(b, "</span>");
	}
	sbuf_puts(b, "</div>\n");
}

static void
board_barrier(struct sbuf *b, const struct status_lane *l)
{
	const char *pos = barrier_position(l);
	const char *zh = pos == NULL ? "未知" : strcmp(pos, "up") == 0 ? "抬起" :
	    strcmp(pos, "down") == 0 ? "落下" : strcmp(pos, "moving") == 0 ?
	    "移动中" : "位置异常";

	sbuf_printf(b, "<div class=\"row\"><span class=\"k\">道闸 Barrier</span> "
	    "<b class=\"barrier\">%s %s</b>", zh, pos == NULL ? "unknown" : pos);
	if (l->fault_ms >= 0) {
		sbuf_puts(b, " · <span class=\"faultfor\">故障已 In FAULT ");
		put_duration(b, l->fault_ms);
		sbuf_puts(b, "</span>");
	}
	sbuf_puts(b, "</div>\n");
}

/* Each device ✓ or ✗ (one line when all are well); a failed one's error as text. */
static void
board_devices(struct sbuf *b, const struct status_lane *l)
{
	bool all_up = !l->store_fault;
	int k;

	for (k = 0; k < ROLE_N; k++)
		all_up &= l->dev_up[k];
	if (all_up) {
		sbuf_puts(b, "<div class=\"row devs ok\">设备 Devices ✓ 正常 all "
		    "answering</div>\n");
		return;
	}
	sbuf_puts(b, "<div class=\"row devs\">");
	for (k = 0; k < ROLE_N; k++)
		if (dev_shown(l, k))
			sbuf_printf(b, "<span class=\"%s\">%s %s</span>", l->dev_up[k] ?
		    "ok" : "bad", dev_label[k], l->dev_up[k] ? "✓" : "✗ 故障 FAULT");
	if (l->store_fault)
		sbuf_puts(b, "<span class=\"bad\">存储 Store ✗</span>");
	sbuf_puts(b, "</div>\n");
	for (k = 0; k < ROLE_N; k++) {
		if (l->dev_up[k] || l->dev_err[k][0] == '\0')
			continue;
		sbuf_printf(b, "<div class=\"deverr\">✗ %s: ", dev_label[k]);
		html(b, l->dev_err[k]);
		sbuf_puts(b, "</div>\n");
	}
}

/* An unacknowledged alarm of this lane is on the feed. */
static bool
lane_alarmed(const struct alarms *a, const char *lane)
{
	const struct alarm *al;
	int i;

	for (i = 0; (al = alarms_get(a, i)) != NULL; i++)
		if (al->needs_ack && !al->acked && strcmp(al->lane, lane) == 0)
			return true;
	return false;
}

static void
board_lane(struct sbuf *b, const struct status_lane *l, bool alarmed)
{
	sbuf_puts(b, "<section class=\"lane st-");
	html(b, l->state);
	sbuf_puts(b, alarmed ? " alarmed" : "");
	sbuf_puts(b, "\" id=\"lane-");
	html(b, l->name);
	sbuf_puts(b, "\" data-state=\"");
	html(b, l->state);
	sbuf_puts(b, "\"><div class=\"in\">\n<div class=\"head\"><span "
	    "class=\"name\">车道 Lane ");
	html(b, l->name);
	sbuf_printf(b, "</span><span class=\"state\">%s ", state_zh_of(l->state));
	html(b, l->state);
	sbuf_puts(b, "</span></div>\n<div class=\"led led-");
	html(b, l->led_colour);
	sbuf_puts(b, "\">");
	html(b, l->led_known ? l->led_text : "");
	sbuf_puts(b, "</div>\n");
	board_last(b, &l->last);
	board_barrier(b, l);
	board_devices(b, l);
	sbuf_puts(b, "</div></section>\n");
}

/* The chain guard's alarms (docs/operations.md). */
static void
board_store_guard(struct sbuf *b, const struct status_snap *s)
{
	if (s->store_replaced[0] != '\0') {
		sbuf_puts(b, "<div class=\"alarm\">存储被替换 Event store ");
		html(b, s->store_replaced);
		sbuf_puts(b, ": ");
		html(b, s->store_replaced_why);
		sbuf_puts(b, " &mdash; lanes closed until a restart</div>");
	}
	if (s->store_rollback) {
		sbuf_puts(b, "<div class=\"alarm\">存储回退 New chain begun: ");
		html(b, s->store_rollback_why);
		sbuf_puts(b, "</div>");
	}
}

/* The bars of what is wrong now, under the header. */
static void
board_alarms(struct sbuf *b, const struct status_snap *s)
{
	bool store_failing = !s->store_ok;
	int i;

	for (i = 0; i < s->n_lanes; i++)
		store_failing |= s->lanes[i].store_fault;
	sbuf_puts(b, "<div id=\"alarms\">");
	if (store_failing)
		sbuf_puts(b, "<div class=\"alarm\">存储故障 Event store cannot "
		    "record: lanes closed</div>");
	board_store_guard(b, s);
	if (s->disk_low)
		sbuf_puts(b, "<div class=\"alarm\">磁盘空间不足 Disk space low</div>");
	if (s->sync.auth_alarm)
		sbuf_puts(b, "<div class=\"alarm\">平台拒绝认证 Platform refuses "
		    "our credentials</div>");
	if (s->sync.tls_alarm)
		sbuf_puts(b, "<div class=\"alarm\">平台证书错误 Platform "
		    "certificate not trusted</div>");
	if (cw_doubt(&s->clock))
		sbuf_puts(b, "<div class=\"alarm clock-doubt\">时钟存疑 Clock "
		    "in doubt: permit trucks over the limit are held, check "
		    "the paper permit</div>");
	sbuf_puts(b, "</div>\n");
}

/* The detail of an alarm: the reason names in Chinese and English. */
static void
feed_what(struct sbuf *b, const struct alarm *al)
{
	const char *zh = al->kind == AK_FORCED_ENTRY ||
	    al->kind == AK_INTERCEPT ? reason_zh(al->what) : "";

	if (al->what[0] == '\0')
		return;
	sbuf_puts(b, " · <span class=\"what\">");
	if (*zh != '\0') {
		sbuf_puts(b, zh);
		sbuf_putc(b, ' ');
	}
	html(b, al->what);
	sbuf_puts(b, "</span>");
}

static void
feed_item(struct sbuf *b, const struct alarm *al)
{
	sbuf_printf(b, "<li id=\"alarm-%lld\" class=\"k-%s %s\">"
	    "<span class=\"mark\">", (long long)al->seq,
	    alarms_kind_name(al->kind), !al->needs_ack ? "info" :
	    al->acked ? "acked" : "unacked");
	if (al->needs_ack && !al->acked)
		sbuf_puts(b, "未确认 UNACKNOWLEDGED");
	else if (al->acked) {
		sbuf_puts(b, "已确认 acknowledged ");
		html(b, al->ack_operator);
	}
	sbuf_printf(b, "</span><b>#%lld</b> ", (long long)al->seq);
	put_local(b, al->ts_ms, LT_MONTH);
	if (al->lane[0] != '\0') {
		sbuf_puts(b, " <b>");
		html(b, al->lane);
		sbuf_puts(b, "</b>");
	}
	sbuf_printf(b, "<br>%s", alarm_label[al->kind]);
	if (al->plate[0] != '\0') {
		sbuf_puts(b, " · <span class=\"plate\">");
		html(b, al->plate);
		sbuf_puts(b, "</span>");
	}
	feed_what(b, al);
	sbuf_puts(b, "</li>\n");
}

static void
board_feed(struct sbuf *b, const struct alarms *a)
{
	const struct alarm *al;
	int i, n = alarms_unacked(a);

	sbuf_puts(b, "<aside id=\"feed\"><h2>报警 Alarms");
	if (n > 0)
		sbuf_printf(b, " <span class=\"n\">%d 未确认 unacknowledged</span>", n);
	sbuf_puts(b, "</h2>\n<div class=\"hint\">确认 Acknowledge: weighgate ack "
	    "--operator ID [#]</div>\n<ol>\n");
	for (i = 0; (al = alarms_get(a, i)) != NULL; i++)
		feed_item(b, al);
	if (i == 0)
		sbuf_puts(b, "<li class=\"none\">— 无 none</li>\n");
	sbuf_puts(b, "</ol></aside>\n");
}

/* The day's counts (the controller's local day). */
static void
board_today(struct sbuf *b, const struct alarms *a)
{
	sbuf_printf(b, "<span id=\"today\">今日 Today %04d-%02d-%02d: "
	    "车辆 Vehicles <b class=\"vehicles\">%llu</b> 劝返 Turn-backs "
	    "<b class=\"turnbacks\">%llu</b> 拦截 Intercepts <b class=\"intercepts"
	    "\">%llu</b> 强行上站 Forced entries <b class=\"forced%s\">%llu</b>"
	    "</span>", a->day / 10000, a->day / 100 % 100, a->day % 100,
	    (unsigned long long)a->count[AC_VEHICLES],
	    (unsigned long long)a->count[AC_TURNBACKS],
	    (unsigned long long)a->count[AC_INTERCEPTS],
	    a->count[AC_FORCED_ENTRIES] > 0 ? " hot" : "",
	    (unsigned long long)a->count[AC_FORCED_ENTRIES]);
}

static void
board_footer(struct sbuf *b, const struct status_snap *s)
{
	sbuf_puts(b, "<footer id=\"status-line\"><span class=\"sync\">同步 Sync: ");
	sbuf_printf(b, "待发 Backlog <b class=\"backlog\">%lld</b> · ",
	    (long long)s->sync.backlog);
	if (!s->sync.enabled)
		sbuf_puts(b, "平台未配置 no platform configured");
	else {
		sbuf_puts(b, "最近成功 Last success <b>");
		put_clock(b, s->sync.last_success_ms);
		sbuf_puts(b, "</b>");
	}
	sbuf_puts(b, "</span><span>磁盘 Disk free ");
	if (s->free_disk_bytes >= 0)
		sbuf_printf(b, "%.1f GB", (double)s->free_disk_bytes / 1e9);
	else
		sbuf_puts(b, "—");
	if (s->clock.kernel_unsync)
		sbuf_puts(b, " · 系统时钟未同步 clock not NTP-synchronised");
	sbuf_puts(b, "</span></footer>\n");
}

/* Columns and rows of the lanes' grid for n lanes: as square as fits. */
static void
grid_shape(int n, int *cols, int *rows)
{
	static const int c[17] = { 1, 1, 2, 3, 2, 3, 3, 4, 4, 3, 4, 4, 4, 4, 4,
	    4, 4 };

	*cols = c[n < 0 ? 0 : n > 16 ? 16 : n];
	if (n > 16)
		*cols = (n + 3) / 4;
	*rows = n > 0 ? (n + *cols - 1) / *cols : 1;
}

void
status_render_board(const struct status_snap *s, struct sbuf *b)
{
	int i, cols, rows;

	grid_shape(s->n_lanes, &cols, &rows);
	sbuf_puts(b, board_head);
	sbuf_puts(b, "<header><h1>入口称重检测 Entrance weighing · ");
	html(b, s->controller);
	sbuf_puts(b, "</h1><span id=\"conn\"></span>");
	board_today(b, &s->alarms);
	sbuf_puts(b, "<span id=\"clock\">");
	put_local(b, s->now_ms, LT_FULL);
	sbuf_puts(b, "</span></header>\n");
	board_alarms(b, s);
	sbuf_printf(b, "<div id=\"main\"><main id=\"board\" data-lanes=\"%d\" "
	    "style=\"--cols:%d;--rows:%d\">\n", s->n_lanes, cols, rows);
	for (i = 0; i < s->n_lanes; i++)
		board_lane(b, &s->lanes[i], lane_alarmed(&s->alarms,
		    s->lanes[i].name));
	sbuf_puts(b, "</main>\n");
	board_feed(b, &s->alarms);
	sbuf_puts(b, "</div>\n");
	board_footer(b, s);
	sbuf_puts(b, board_script);
}
