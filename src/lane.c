/*
 * The lane state machine (docs/design.md §4.2): pure.
 *
 * lane_step() folds one input into the lane and appends actions: events to
 * record first, then the outputs (barrier, light, alarm, LED) that differ
 * from what was last commanded.  Outputs are derived at the end of every
 * step from the lane's state by reconcile(), so no path can forget to lower
 * a barrier, and none can lower it onto an occupied pass loop.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "weighgate/lane.h"
#include "weighgate/led.h"
#include "weighgate/record.h"
#include "weighgate/sbuf.h"

#define UNAUTHORIZED_MS 1000	/* barrier up while held down, before it counts */
#define ALARM_FORCED_MS 10000	/* how long the alarm sounds for a forced entry */
#define LOWER_SETTLE_POLLS 2	/* polls of a clear pass loop before lowering */


const char *
lane_state_name(enum lane_state s)
{
	switch (s) {
	case LANE_IDLE:		return "IDLE";
	case LANE_OPEN:		return "OPEN";
	case LANE_REFUSED:	return "REFUSED";
	case LANE_FAULT:	return "FAULT";
	case LANE_NSTATES:	break;
	}
	return "?";
}

void
lane_init(struct lane *l, const struct lane_cfg *cfg, bool have_seq,
    int64_t last_seq)
{
	int i;

	memset(l, 0, sizeof(*l));
	l->cfg = cfg;
	l->state = LANE_IDLE;
	l->have_seq = have_seq;
	l->last_seq = last_seq;
	for (i = 0; i < ROLE_N; i++)
		l->down_since[i] = -1;
	l->unauth_since_ms = -1;
	l->inconsistent_since_ms = -1;
	l->lower_wanted_ms = -1;
	l->barrier_ok_since_ms = -1;
	l->want_led = LED_IDLE;
	l->seen_seq = last_seq;
	l->reset_since_ms = -1;
	l->last_result_ms = -1;
	for (i = 0; i < LANE_PLATES_N; i++)
		l->plates[i].mono_ms = -1;
	l->presence_ms = -1;
}

void
lane_actions_clear(struct lane_actions *a)
{
	int i;

	for (i = 0; i < a->n; i++)
		free(a->a[i].body);
	a->n = 0;
}

static struct lane_action *
push(struct lane_actions *out, enum lane_action_kind kind)
{
	struct lane_action *a;

	if (out->n >= LANE_MAX_ACTIONS)
		abort();	/* a step never makes this many: a bug */
	a = &out->a[out->n++];
	memset(a, 0, sizeof(*a));
	a->kind = kind;
	return a;
}

static void __attribute__((format(printf, 3, 4)))
act_log(struct lane *l, struct lane_actions *out, const char *fmt, ...)
{
	struct lane_action *a = push(out, LA_LOG);
	int n;
	va_list ap;

	n = snprintf(a->text, sizeof(a->text), "lane %s: ", l->cfg->name);
	va_start(ap, fmt);
	vsnprintf(a->text + n, sizeof(a->text) - (size_t)n, fmt, ap);
	va_end(ap);
}

/* An event to commit, urgent or batched (event.h); takes the body's text. */
static void
act_record(struct lane_actions *out, enum event_kind kind, bool urgent,
    struct sbuf *body, bool has_seq, int64_t seq)
{
	struct lane_action *a = push(out, LA_RECORD);

	a->event = kind;
	a->urgent = urgent;
	a->body = sbuf_take(body);
	a->has_result_seq = has_seq;
	a->result_seq = seq;
}

static void
body_begin(struct sbuf *b, const struct lane *l)
{
	sbuf_init(b);
	sbuf_puts(b, "{\"lane\":");
	sbuf_put_json_str(b, l->cfg->name);
}

/* Tonnes with up to three decimals, trailing zeros cut: 51450 -> "51.45". */
static void
fmt_t(char *buf, size_t sz, int64_t kg)
{
	size_t n;

	n = (size_t)snprintf(buf, sz, "%s%lld.%03lld", kg < 0 ? "-" : "",
	    (long long)(llabs(kg) / 1000), (long long)(llabs(kg) % 1000));
	while (n > 0 && buf[n - 1] == '0')
		buf[--n] = '\0';
	if (n > 0 && buf[n - 1] == '.')
		buf[--n] = '\0';
}

static void
set_state(struct lane *l, enum lane_state st, struct lane_actions *out,
    const char *why)
{
	if (l->state == st)
		return;
	act_log(l, out, "%s -> %s (%s)", lane_state_name(l->state),
	    lane_state_name(st), why);
	l->state = st;
}

static bool
any_fault(const struct lane *l)
{
	return l->dev_fault[ROLE_SCALE] || l->dev_fault[ROLE_IO] ||
	    l->dev_fault[ROLE_BARRIER] || l->scale_fault_bit || l->store_fault;
}

static void
enter_fault(struct lane *l, struct lane_actions *out, const char *why)
{
	l->passes_allowed = 0;
	l->want_led = LED_FAULT;
	set_state(l, LANE_FAULT, out, why);
}

/* Leave FAULT when nothing is faulty any more. */
static void
maybe_recover(struct lane *l, struct lane_actions *out)
{
	if (l->state != LANE_FAULT || any_fault(l) || l->stopping)
		return;
	l->want_led = LED_IDLE;
	l->unweighed_waiting = false;
	set_state(l, LANE_IDLE, out, "devices healthy");
}

/* {"lane","device" of a device's event; the caller adds the rest and "}". */
static void
device_body(struct sbuf *b, const struct lane *l, enum dev_role dev)
{
	body_begin(b, l);
	sbuf_puts(b, ",\"device\":");
	sbuf_put_json_str(b, cfg_role_names[dev]);
}

static void
put_cause(struct sbuf *b, enum event_cause cause)
{
	sbuf_puts(b, ",\"cause\":");
	sbuf_put_json_str(b, event_cause_name(cause));
}

/* A device_fault, sent at once. */
static void
record_fault(struct lane *l, struct lane_actions *out, enum dev_role dev,
    enum event_cause cause, const char *err)
{
	struct sbuf b;

	device_body(&b, l, dev);
	put_cause(&b, cause);
	if (err != NULL && *err != '\0') {
		sbuf_puts(&b, ",\"error\":");
		sbuf_put_json_str(&b, err);
	}
	sbuf_putc(&b, '}');
	act_record(out, EV_DEVICE_FAULT, EVENT_URGENT, &b, false, 0);
}

static void
record_recovered(struct lane *l, struct lane_actions *out, enum dev_role dev)
{
	struct sbuf b;

	device_body(&b, l, dev);
	sbuf_putc(&b, '}');
	act_record(out, EV_DEVICE_RECOVERED, EVENT_BATCHED, &b, false, 0);
}

static void
device_fault(struct lane *l, struct lane_actions *out, enum dev_role dev,
    enum event_cause cause, const char *err)
{
	char why[96];

	if (l->dev_fault[dev])
		return;
	l->dev_fault[dev] = true;
	record_fault(l, out, dev, cause, err);
	if (dev == ROLE_LED) {
		act_log(l, out, "LED sign %s; deciding goes on",
		    event_cause_name(cause));
		return;
	}
	if (dev == ROLE_CAMERA) {
		act_log(l, out, "camera %s; deciding goes on by weight alone "
		    "(plate_missing)", event_cause_name(cause));
		return;
	}
	snprintf(why, sizeof(why), "%s %s", cfg_role_names[dev],
	    event_cause_name(cause));
	enter_fault(l, out, why);
}

static void
device_recovered(struct lane *l, struct lane_actions *out, enum dev_role dev)
{
	if (!l->dev_fault[dev])
		return;
	l->dev_fault[dev] = false;
	record_recovered(l, out, dev);
	act_log(l, out, "%s recovered", cfg_role_names[dev]);
	maybe_recover(l, out);
}

/* {"uuid","plate","gross_kg","decision"} of the last weighing, or null. */
static void
put_last_weighing(struct sbuf *b, const struct lane *l)
{
	sbuf_puts(b, ",\"last_weighing\":");
	if (!l->last.valid) {
		sbuf_puts(b, "null");
		return;
	}
	sbuf_puts(b, "{\"uuid\":");
	if (l->last.uuid[0] != '\0')
		sbuf_put_json_str(b, l->last.uuid);
	else
		sbuf_puts(b, "null");
	sbuf_puts(b, ",\"plate\":");
	sbuf_put_json_str(b, l->last.m.plate);
	sbuf_puts(b, ",\"gross_kg\":");
	sbuf_put_i64(b, l->last.m.gross_kg);
	sbuf_puts(b, ",\"decision\":");
	sbuf_put_json_str(b, decision_kind_name(l->last.d.kind));
	sbuf_putc(b, '}');
}

static const enum led_msg msg_of_decision[DEC_NKINDS] = {
	[DEC_PASS] = LED_PASS, [DEC_TURNBACK] = LED_TURNBACK,
	[DEC_INTERCEPT] = LED_INTERCEPT, [DEC_RETRY] = LED_RETRY,
	[DEC_HOLD] = LED_HOLD, [DEC_FAULT] = LED_FAULT,
};

static void
log_decision(struct lane *l, struct lane_actions *out, enum lane_state to)
{
	const struct decision *d = &l->last.d;
	char g[24], lim[24];

	fmt_t(g, sizeof(g), l->last.m.gross_kg);
	fmt_t(lim, sizeof(lim), d->applied_limit_kg);
	act_log(l, out, "%s -> %s (%s %s%s t%s%s%s) seq %lld plate %s",
	    lane_state_name(l->state), lane_state_name(to),
	    reason_name(d->reasons[0]),
	    d->kind == DEC_TURNBACK ? "" : "gross ", g,
	    d->has_limit ? (d->kind == DEC_TURNBACK ? " > " : ", limit ") : "",
	    d->has_limit ? lim : "", d->has_limit ? " t" : "",
	    (long long)l->last.m.seq,
	    l->last.m.plate[0] ? l->last.m.plate : "-");
	l->state = to;
}

/*
 * plate_source = camera: what pair_collect() found for a weighing: the
 * different plates (for the rules) and every read with a plate (for the
 * record), each with its receive time relative to the result's.
 */
struct pairing {
	int n;
	struct rules_plate p[RULES_MAX_PLATES];
	int n_reads;
	const struct lane_plate_seen *reads[LANE_PLATES_N];
	int64_t result_ms;
};

/* "plates":[...] and "received_mono_ms" of a paired weighing's record. */
static void
put_pairing(struct sbuf *b, const struct pairing *pr)
{
	int i;

	if (b->len > 0 && b->p[b->len - 1] == '}')
		b->p[--b->len] = '\0';
	sbuf_puts(b, ",\"plate_source\":\"camera\",\"received_mono_ms\":");
	sbuf_put_i64(b, pr->result_ms);
	sbuf_puts(b, ",\"plates\":[");
	for (i = 0; i < pr->n_reads; i++) {
		const struct lane_plate_seen *s = pr->reads[i];

		sbuf_puts(b, i ? ",{\"plate\":" : "{\"plate\":");
		sbuf_put_json_str(b, s->r.plate);
		sbuf_puts(b, ",\"plate_color\":");
		sbuf_put_json_str(b, meas_color_name(s->r.color));
		sbuf_puts(b, ",\"confidence\":");
		if (s->r.confidence >= 0)
			sbuf_put_i64(b, s->r.confidence);
		else
			sbuf_puts(b, "null");
		sbuf_puts(b, ",\"camera\":");
		sbuf_put_json_str(b, s->r.camera);
		sbuf_puts(b, ",\"offset_ms\":");
		sbuf_put_i64(b, s->mono_ms - pr->result_ms);
		sbuf_putc(b, '}');
	}
	sbuf_puts(b, "]}");
}

/* Decide m (on the paired plates when pr), record, then let reconcile() act. */
static void
decided(struct lane *l, const struct lane_ctx *ctx, struct measurement *m,
    const struct pairing *pr, struct lane_now now, struct lane_actions *out)
{
	struct decision d;
	struct sbuf b;
	enum lane_state to;
	int used;

	if (pr == NULL)
		decide(m, ctx->rules, ctx->lists, now.wall_ms, l->retries, &d);
	else {
		decide_camera(m, pr->p, pr->n, ctx->rules, ctx->lists, now.wall_ms,
		    l->retries, &d, &used);
		snprintf(m->plate, sizeof(m->plate), "%s",
		    used >= 0 ? pr->p[used].plate : "");
		m->plate_color = used >= 0 ? pr->p[used].color : PC_UNKNOWN;
	}
	l->retries = rules_next_retries(l->retries, &d);
	l->decisions[d.kind]++;
	sbuf_init(&b);
	record_decision_json(&b, m, &d, ctx->ruleset, true);
	if (pr != NULL)
		put_pairing(&b, pr);
	/* an intercept is sent at once (docs/design.md §7) */
	act_record(out, EV_WEIGHING, d.kind == DEC_INTERCEPT ? EVENT_URGENT :
	    EVENT_BATCHED, &b, true, m->seq);
	l->want_uuid = true;
	l->last.valid = true;
	l->last.uuid[0] = '\0';
	l->last.m = *m;
	l->last.d = d;
	l->want_led = msg_of_decision[d.kind];
	l->alarm_intercept = d.kind == DEC_INTERCEPT;
	switch (d.kind) {
	case DEC_PASS:
		l->passes_allowed = 1;
		l->passes_seen = 0;
		l->opened_ms = now.mono_ms;
		to = LANE_OPEN;
		break;
	case DEC_RETRY:
		l->passes_allowed = 0;
		to = LANE_IDLE;
		break;
	case DEC_FAULT:
		l->passes_allowed = 0;
		log_decision(l, out, l->state);
		enter_fault(l, out, "scale reports a fault");
		return;
	default:
		l->passes_allowed = 0;
		to = LANE_REFUSED;
		break;
	}
	log_decision(l, out, to);
}

/* Is the read in slot s paired with the weighing whose result came at t? */
static bool
pairs_with(const struct lane *l, const struct lane_plate_seen *s, int64_t t)
{
	if (s->mono_ms < 0 || s->used)
		return false;
	if (s->mono_ms < t - l->cfg->plate_before_ms ||
	    s->mono_ms > t + l->cfg->plate_wait_ms)
		return false;
	/* the next vehicle has arrived: what came since is its own */
	return !(l->presence_ms > t && s->mono_ms >= l->presence_ms);
}

static void
pair_add(struct pairing *pr, const struct lane_plate_seen *s)
{
	int i;

	if (!s->r.has_plate || s->r.plate[0] == '\0')
		return;
	pr->reads[pr->n_reads++] = s;
	for (i = 0; i < pr->n; i++)
		if (strcmp(pr->p[i].plate, s->r.plate) == 0) {
			if (pr->p[i].color == PC_UNKNOWN)
				pr->p[i].color = s->r.color;
			return;
		}
	if (pr->n == RULES_MAX_PLATES)
		return;
	snprintf(pr->p[pr->n].plate, sizeof(pr->p[pr->n].plate), "%s",
	    s->r.plate);
	pr->p[pr->n++].color = s->r.color;
}

/* Take the reads paired with the result of t, in the order received. */
static void
pair_collect(struct lane *l, int64_t t, struct pairing *pr)
{
	int i, k;

	memset(pr, 0, sizeof(*pr));
	pr->result_ms = t;
	for (k = 0; k < LANE_PLATES_N; k++) {
		i = (l->plates_next + k) % LANE_PLATES_N;
		if (!pairs_with(l, &l->plates[i], t))
			continue;
		l->plates[i].used = true;
		pair_add(pr, &l->plates[i]);
	}
}

/* Decide the weighing that waits for its plate, with what has come. */
static void
pair_finish(struct lane *l, const struct lane_ctx *ctx, struct lane_now now,
    struct lane_actions *out, const char *why, bool next_vehicle)
{
	struct pairing pr;
	struct measurement m;
	bool in_fault = l->state == LANE_FAULT;

	if (!l->pair_waiting)
		return;
	l->pair_waiting = false;
	m = l->pair_m;
	pair_collect(l, l->pair_result_ms, &pr);
	act_log(l, out, "seq %lld: %d plate read(s) after %lld ms (%s)",
	    (long long)m.seq, pr.n_reads,
	    (long long)(now.mono_ms - l->pair_result_ms), why);
	decided(l, ctx, &m, &pr, now, out);
	if (next_vehicle && l->state == LANE_OPEN) {
		/* the vehicle on the loop now is not the one weighed */
		l->passes_allowed = 0;
		l->want_led = LED_IDLE;
		set_state(l, LANE_IDLE, out, "the next vehicle arrived before "
		    "the decision: not opened for it");
	}
	if (in_fault) {
		l->passes_allowed = 0;
		l->alarm_intercept = false;
		enter_fault(l, out, "still faulty");
	}
}

/* The wait for a plate ends at plate_wait_ms, or at once when nothing can come. */
static void
pair_check(struct lane *l, const struct lane_ctx *ctx, struct lane_now now,
    struct lane_actions *out)
{
	if (!l->pair_waiting)
		return;
	if (l->dev_fault[ROLE_CAMERA])
		pair_finish(l, ctx, now, out, "camera in fault", false);
	else if (l->state == LANE_FAULT)
		pair_finish(l, ctx, now, out, "lane in fault", false);
	else if (l->presence_ms > l->pair_result_ms)
		pair_finish(l, ctx, now, out, "next vehicle arrived", true);
	else if (now.mono_ms - l->pair_result_ms >= l->cfg->plate_wait_ms)
		pair_finish(l, ctx, now, out, "wait over", false);
}

/*
 * A completed weighing.  From the scale's plate: decided now.  From the
 * camera's: decided now on a rule-1 retry, a scale fault, a camera in
 * fault or a stopping lane, else once plate_wait_ms has passed for a read
 * to come (docs/lane.md); meanwhile the LED says led_weighing.
 */
static void
weighing(struct lane *l, const struct lane_ctx *ctx, struct measurement *m,
    struct lane_now now, struct lane_actions *out)
{
	struct decision d;
	struct pairing pr;

	if (l->cfg->plate_source != PLATE_FROM_CAMERA) {
		decided(l, ctx, m, NULL, now, out);
		return;
	}
	pair_finish(l, ctx, now, out, "a new result came", true);
	m->plate[0] = '\0';	/* the scale's plate registers are not used */
	m->plate_color = PC_UNKNOWN;
	decide(m, ctx->rules, NULL, now.wall_ms, l->retries, &d);
	if (d.kind == DEC_RETRY || d.kind == DEC_FAULT || l->stopping ||
	    l->dev_fault[ROLE_CAMERA] || l->cfg->plate_wait_ms == 0) {
		pair_collect(l, now.mono_ms, &pr);
		decided(l, ctx, m, &pr, now, out);
		return;
	}
	l->pair_waiting = true;
	l->pair_result_ms = now.mono_ms;
	l->pair_m = *m;
	l->passes_allowed = 0;
	l->alarm_intercept = false;
	l->want_led = LED_WEIGHING;
	act_log(l, out, "seq %lld: waiting up to %d ms for the camera's plate",
	    (long long)m->seq, l->cfg->plate_wait_ms);
}

/* A camera's plate read: kept for pairing, recorded (batched) for replay. */
static void
plate_read(struct lane *l, const struct lane_plate_read *r, struct lane_now now,
    struct lane_actions *out)
{
	struct lane_plate_seen *s = &l->plates[l->plates_next];
	struct sbuf b;

	l->plates_next = (l->plates_next + 1) % LANE_PLATES_N;
	s->mono_ms = now.mono_ms;
	s->used = false;
	s->r = *r;
	s->r.plate[sizeof(s->r.plate) - 1] = '\0';
	s->r.camera[sizeof(s->r.camera) - 1] = '\0';
	if (!s->r.has_plate)
		s->r.plate[0] = '\0';
	body_begin(&b, l);
	sbuf_puts(&b, ",\"camera\":");
	sbuf_put_json_str(&b, s->r.camera);
	sbuf_puts(&b, ",\"plate\":");
	if (s->r.has_plate)
		sbuf_put_json_str(&b, s->r.plate);
	else
		sbuf_puts(&b, "null");
	sbuf_puts(&b, ",\"plate_color\":");
	sbuf_put_json_str(&b, meas_color_name(s->r.color));
	sbuf_puts(&b, ",\"confidence\":");
	if (s->r.confidence >= 0)
		sbuf_put_i64(&b, s->r.confidence);
	else
		sbuf_puts(&b, "null");
	sbuf_puts(&b, ",\"received_mono_ms\":");
	sbuf_put_i64(&b, now.mono_ms);
	sbuf_putc(&b, '}');
	act_record(out, EV_PLATE_READ, EVENT_BATCHED, &b, false, 0);
}

static void
missed_results(struct lane *l, struct lane_actions *out, int64_t from,
    int64_t to, int64_t missed)
{
	struct sbuf b;

	body_begin(&b, l);
	sbuf_puts(&b, ",\"from_seq\":");
	sbuf_put_i64(&b, from);
	sbuf_puts(&b, ",\"to_seq\":");
	sbuf_put_i64(&b, to);
	sbuf_puts(&b, ",\"missed\":");
	sbuf_put_i64(&b, missed);
	sbuf_putc(&b, '}');
	act_record(out, EV_MISSED_RESULTS, EVENT_BATCHED, &b, true, to);
	act_log(l, out, "%lld result(s) missed between seq %lld and %lld",
	    (long long)missed, (long long)from, (long long)to);
}

/* The vehicle has gone: scale's present bit and presence loop both clear. */
static bool
vehicle_gone(const struct lane *l)
{
	return !l->scale_present && l->inputs_known && !l->in[IO_PRESENCE];
}

/* The reference moved with no event to carry it: the shell stores it. */
static void
set_reference(struct lane *l, int64_t seq, struct lane_actions *out)
{
	l->last_seq = seq;
	push(out, LA_REFERENCE)->result_seq = seq;
}

/* The sequence counter's modulus, by its width (16 bits unless told). */
static int64_t
seq_mod(const struct lane *l)
{
	return (int64_t)1 << (l->seq_bits > 0 && l->seq_bits <= 32 ?
	    l->seq_bits : 16);
}

/* How far seq is ahead of the reference, modulo the counter. */
static int64_t
seq_ahead(const struct lane *l, int64_t seq)
{
	return (seq - l->last_seq) & (seq_mod(l) - 1);
}

/*
 * The scale shows a sequence behind the reference: a scale that was reset,
 * or one showing an old result again.  Nothing is decided; one scale_reset
 * per episode (until it settles or a new result comes), and an idle lane
 * shows the hold text until the vehicle leaves.
 */
static void
seq_backwards(struct lane *l, int64_t seq, struct lane_actions *out)
{
	struct sbuf b;

	if (seq != l->reset_seq || !l->reset_pending)
		l->reset_since_ms = -1;
	l->reset_seq = seq;
	if (l->reset_pending)
		return;
	l->reset_pending = true;
	body_begin(&b, l);
	sbuf_puts(&b, ",\"reference_seq\":");
	sbuf_put_i64(&b, l->last_seq);
	sbuf_puts(&b, ",\"seen_seq\":");
	sbuf_put_i64(&b, seq);
	sbuf_putc(&b, '}');
	act_record(out, EV_SCALE_RESET, EVENT_URGENT, &b, false, 0);
	act_log(l, out, "result seq %lld is behind the reference %lld: not "
	    "decided; the reference once it has held %d ms with the vehicle gone",
	    (long long)seq, (long long)l->last_seq, l->cfg->reset_settle_ms);
	if (l->state == LANE_IDLE && !l->stopping)
		l->want_led = LED_HOLD;
}

/* A step back becomes the reference once it has held with the vehicle gone. */
static void
check_reset_settle(struct lane *l, struct lane_now now, struct lane_actions *out)
{
	if (!l->reset_pending)
		return;
	if (l->seen_seq != l->reset_seq || !vehicle_gone(l)) {
		l->reset_since_ms = -1;
		return;
	}
	if (l->reset_since_ms < 0)
		l->reset_since_ms = now.mono_ms;
	if (now.mono_ms - l->reset_since_ms < l->cfg->reset_settle_ms)
		return;
	l->reset_pending = false;
	set_reference(l, l->reset_seq, out);
	act_log(l, out, "result sequence %lld is the reference (held %d ms with "
	    "the vehicle gone)", (long long)l->reset_seq, l->cfg->reset_settle_ms);
}

/* A result the lane does not decide: barrier down, hold text till it leaves. */
static void
hold_result(struct lane *l, struct lane_actions *out, const char *why)
{
	l->passes_allowed = 0;
	l->want_led = LED_HOLD;
	if (l->state != LANE_IDLE)
		set_state(l, LANE_IDLE, out, why);
}

static void
implausible_result(struct lane *l, int64_t seq, int64_t gap_ms,
    struct lane_actions *out)
{
	struct sbuf b;

	device_body(&b, l, ROLE_SCALE);
	put_cause(&b, EC_IMPLAUSIBLE);
	sbuf_puts(&b, ",\"seq\":");
	sbuf_put_i64(&b, seq);
	sbuf_puts(&b, ",\"interval_ms\":");
	sbuf_put_i64(&b, gap_ms);
	sbuf_puts(&b, ",\"min_result_interval_ms\":");
	sbuf_put_i64(&b, l->cfg->min_result_interval_ms);
	sbuf_putc(&b, '}');
	act_record(out, EV_DEVICE_FAULT, EVENT_URGENT, &b, true, seq);
	act_log(l, out, "result seq %lld only %lld ms after the previous one: "
	    "implausible, not decided", (long long)seq, (long long)gap_ms);
	hold_result(l, out, "implausible result");
}

static uint64_t
key_hash(const uint16_t *key, int n)
{
	uint64_t h = 14695981039346656037ull;
	int i;

	for (i = 0; i < n; i++) {
		h = (h ^ (key[i] & 0xff)) * 1099511628211ull;
		h = (h ^ (key[i] >> 8)) * 1099511628211ull;
	}
	return h;
}

static int
key_kept(int n)
{
	return n < LANE_RECENT_WORDS ? n : LANE_RECENT_WORDS;
}

/* The same result (seq and result words) decided within LANE_RECENT_MS, or NULL. */
static const struct lane_recent *
recent_find(const struct lane *l, const struct profile_reading *rd,
    struct lane_now now)
{
	uint64_t h = key_hash(rd->key, rd->key_len);
	int i;

	for (i = 0; i < LANE_RECENT_N; i++) {
		const struct lane_recent *r = &l->recent[i];

		if (r->mono_ms != 0 && now.mono_ms - r->mono_ms < LANE_RECENT_MS &&
		    r->len == rd->key_len && r->hash == h &&
		    memcmp(r->key, rd->key, (size_t)key_kept(rd->key_len) *
		    sizeof(r->key[0])) == 0)
			return r;
	}
	return NULL;
}

/* Remember a decided result; when the ring is full the oldest goes. */
static void
recent_add(struct lane *l, const struct profile_reading *rd,
    struct lane_now now)
{
	struct lane_recent *r = &l->recent[l->recent_next];

	r->mono_ms = now.mono_ms != 0 ? now.mono_ms : 1;
	memset(r->key, 0, sizeof(r->key));
	memcpy(r->key, rd->key, (size_t)key_kept(rd->key_len) *
	    sizeof(r->key[0]));
	r->len = (uint16_t)rd->key_len;
	r->hash = key_hash(rd->key, rd->key_len);
	l->recent_next = (l->recent_next + 1) % LANE_RECENT_N;
}

static void
repeated_result(struct lane *l, int64_t seq, const struct lane_recent *r,
    struct lane_now now, struct lane_actions *out)
{
	struct sbuf b;

	device_body(&b, l, ROLE_SCALE);
	put_cause(&b, EC_REPEATED);
	sbuf_puts(&b, ",\"seq\":");
	sbuf_put_i64(&b, seq);
	sbuf_puts(&b, ",\"decided_ms_ago\":");
	sbuf_put_i64(&b, now.mono_ms - r->mono_ms);
	sbuf_putc(&b, '}');
	act_record(out, EV_DEVICE_FAULT, EVENT_URGENT, &b, true, seq);
	act_log(l, out, "result seq %lld was decided %lld s ago: not decided "
	    "again", (long long)seq, (long long)((now.mono_ms - r->mono_ms) / 1000));
	hold_result(l, out, "repeated result");
}

/* Two reads show the same result: its words and what they decode to. */
static bool
same_result(const struct profile_reading *a, const struct profile_reading *b)
{
	return a->key_len == b->key_len && memcmp(a->key, b->key,
	    (size_t)a->key_len * sizeof(a->key[0])) == 0 &&
	    a->m.gross_kg == b->m.gross_kg && a->m.n_axle_kg == b->m.n_axle_kg &&
	    memcmp(a->m.axle_kg, b->m.axle_kg, sizeof(a->m.axle_kg)) == 0 &&
	    a->m.speed_dkmh == b->m.speed_dkmh;
}

/* A result read in several requests did not read the same twice in time. */
static void
unsettled_result(struct lane *l, int64_t seq, struct lane_now now,
    struct lane_actions *out)
{
	struct sbuf b;
	int64_t ahead = seq_ahead(l, seq);

	l->reset_pending = false;
	if (ahead > 1)
		missed_results(l, out, l->last_seq, seq, ahead - 1);
	l->last_seq = seq;
	device_body(&b, l, ROLE_SCALE);
	put_cause(&b, EC_UNSETTLED);
	sbuf_puts(&b, ",\"seq\":");
	sbuf_put_i64(&b, seq);
	sbuf_puts(&b, ",\"unsettled_ms\":");
	sbuf_put_i64(&b, now.mono_ms - l->unconfirmed_since_ms);
	sbuf_puts(&b, ",\"requests\":");
	sbuf_put_i64(&b, l->unconfirmed_rd.requests);
	sbuf_putc(&b, '}');
	act_record(out, EV_DEVICE_FAULT, EVENT_URGENT, &b, true, seq);
	act_log(l, out, "result seq %lld read in %d requests never read the "
	    "same twice in %d ms: not decided", (long long)seq,
	    l->unconfirmed_rd.requests, l->cfg->fault_after_ms);
	hold_result(l, out, "unsettled result");
}

/*
 * A new result read in more than one request is decided only when the
 * next read shows the same result words again: the device may publish
 * the next vehicle between two requests of one poll, and a torn read
 * pairs one vehicle's sequence with another's weights.  Read in one
 * request it is decided at once.  True: decide on rd now.
 */
static bool
result_confirmed(struct lane *l, const struct profile_reading *rd,
    int64_t seq, struct lane_now now, struct lane_actions *out)
{
	if (rd->requests <= 1)
		return true;
	if (l->unconfirmed && same_result(&l->unconfirmed_rd, rd)) {
		l->unconfirmed = false;
		return true;
	}
	if (!l->unconfirmed) {
		l->unconfirmed = true;
		l->unconfirmed_since_ms = now.mono_ms;
	}
	l->unconfirmed_rd = *rd;
	if (now.mono_ms - l->unconfirmed_since_ms >= l->cfg->fault_after_ms) {
		unsettled_result(l, seq, now, out);
		l->unconfirmed = false;
	}
	return false;
}

/* A forward step from the reference: a new result. */
static void
new_result(struct lane *l, const struct lane_ctx *ctx,
    const struct lane_input *in, struct lane_now now, struct lane_actions *out)
{
	struct measurement m;
	const struct lane_recent *r;
	int64_t seq = in->scale.seq & (seq_mod(l) - 1), ahead = seq_ahead(l, seq);
	int64_t prev_ms = l->last_result_ms;

	l->reset_pending = false;
	l->last_result_ms = now.mono_ms;
	if (l->result_time_unknown) {
		/* read as the scale came back, perhaps published long before:
		 * it neither is judged nor starts min_result_interval_ms */
		l->result_time_unknown = false;
		prev_ms = -1;
		l->last_result_ms = -1;
	}
	if (ahead > 1)
		missed_results(l, out, l->last_seq, seq, ahead - 1);
	l->last_seq = seq;
	if (prev_ms >= 0 && now.mono_ms - prev_ms < l->cfg->min_result_interval_ms) {
		implausible_result(l, seq, now.mono_ms - prev_ms, out);
		return;
	}
	if ((r = recent_find(l, &in->scale, now)) != NULL) {
		repeated_result(l, seq, r, now, out);
		return;
	}
	recent_add(l, &in->scale, now);
	m = in->scale.m;
	if (in->err != NULL && in->err[0] != '\0')
		act_log(l, out, "seq %lld: %s", (long long)seq, in->err);
	snprintf(m.lane, sizeof(m.lane), "%s", l->cfg->name);
	m.ts_ms = now.wall_ms;
	m.seq = seq;
	m.clock_doubt = ctx->clock_doubt;
	weighing(l, ctx, &m, now, out);
}

/*
 * A sequence seen while the lane is in FAULT (or stopping) is not decided
 * and is the reference from then on, whichever way it moved: the scale or
 * the lane could not be trusted, so nothing before it is compared with it.
 * Nor does it start min_result_interval_ms: read as a silent scale comes
 * back, it may have been published long before, and the next truck's
 * result, moments later, is no sign of a counter running by itself.
 */
static void
seen_in_fault(struct lane *l, int64_t seq, struct lane_actions *out)
{
	int64_t ahead = seq_ahead(l, seq);

	l->reset_pending = false;
	l->last_result_ms = -1;
	if (ahead > 1 && ahead < seq_mod(l) / 2) {
		missed_results(l, out, l->last_seq, seq, ahead - 1);
		l->last_seq = seq;
	} else
		set_reference(l, seq, out);
	act_log(l, out, "result seq %lld not decided: lane in FAULT",
	    (long long)seq);
}

static void
scale_data(struct lane *l, const struct lane_ctx *ctx,
    const struct lane_input *in, struct lane_now now, struct lane_actions *out)
{
	const struct profile_reading *rd = &in->scale;
	int64_t seq;

	if (rd->seq_bits > 0)
		l->seq_bits = rd->seq_bits;
	seq = rd->seq & (seq_mod(l) - 1);
	l->scale_present = rd->present;
	if (rd->m.fault && !l->scale_fault_bit) {
		l->scale_fault_bit = true;
		record_fault(l, out, ROLE_SCALE, EC_FAULT_BIT, NULL);
		enter_fault(l, out, "scale fault bit");
	} else if (!rd->m.fault && l->scale_fault_bit) {
		l->scale_fault_bit = false;
		record_recovered(l, out, ROLE_SCALE);
		maybe_recover(l, out);
	}
	l->seen_seq = seq;
	if (!l->have_seq) {
		l->have_seq = true;
		set_reference(l, seq, out);
		act_log(l, out, "result sequence baseline %lld (not decided)",
		    (long long)seq);
		return;
	}
	if (seq == l->last_seq || l->state == LANE_FAULT || l->stopping ||
	    seq_ahead(l, seq) >= seq_mod(l) / 2)
		l->unconfirmed = false;
	if (seq == l->last_seq)
		return;
	if (l->state == LANE_FAULT || l->stopping)
		seen_in_fault(l, seq, out);
	else if (seq_ahead(l, seq) >= seq_mod(l) / 2)
		seq_backwards(l, seq, out);
	else if (result_confirmed(l, rd, seq, now, out))
		new_result(l, ctx, in, now, out);
}

static void
forced_entry(struct lane *l, struct lane_actions *out, struct lane_now now)
{
	struct sbuf b;
	const char *how;

	/* tailgate: behind a vehicle that passed, before the barrier is down */
	how = l->passes_seen > 0 && (l->cmd_barrier_up || !l->cmd_confirmed ||
	    l->in[IO_BARRIER_UP]) ? "tailgate" : "no_pass";
	body_begin(&b, l);
	sbuf_puts(&b, ",\"how\":");
	sbuf_put_json_str(&b, how);
	put_last_weighing(&b, l);
	sbuf_putc(&b, '}');
	act_record(out, EV_FORCED_ENTRY, EVENT_URGENT, &b, false, 0);
	act_log(l, out, "forced entry (%s)", how);
	l->alarm_until_ms = now.mono_ms + ALARM_FORCED_MS;
}

/* The pass loop rose or fell. */
static void
pass_loop_edge(struct lane *l, bool rising, struct lane_now now,
    struct lane_actions *out)
{
	if (rising) {
		if (l->passes_allowed > 0) {
			l->passes_allowed--;
			l->passes_seen++;
		} else
			forced_entry(l, out, now);
		return;
	}
	l->unweighed_waiting = false;
	if (l->state == LANE_OPEN && l->passes_allowed == 0 &&
	    l->passes_seen > 0) {
		l->want_led = LED_IDLE;
		set_state(l, LANE_IDLE, out, "vehicle passed");
	}
}

static void
unweighed_pass(struct lane *l, struct lane_actions *out)
{
	struct sbuf b;

	body_begin(&b, l);
	sbuf_puts(&b, ",\"on_scale_fault\":\"open\"}");
	act_record(out, EV_UNWEIGHED_PASS, EVENT_BATCHED, &b, false, 0);
	act_log(l, out, "unweighed pass (scale in fault, on_scale_fault = open)");
	l->unweighed_waiting = true;
	l->passes_allowed = 1;
	l->passes_seen = 0;
}

static void
io_data(struct lane *l, const struct lane_ctx *ctx,
    const struct lane_input *in, struct lane_now now, struct lane_actions *out)
{
	bool was_known = l->inputs_known;
	bool prev_pass = l->in[IO_PASS_LOOP];
	bool prev_presence = l->in[IO_PRESENCE];

	memcpy(l->in, in->bits, sizeof(l->in));
	l->inputs_known = true;
	l->inputs_stale = false;
	if (was_known && l->in[IO_PRESENCE] && !prev_presence)
		l->presence_ms = now.mono_ms;
	if (was_known && l->in[IO_PASS_LOOP] != prev_pass)
		pass_loop_edge(l, l->in[IO_PASS_LOOP], now, out);
	else if (!was_known && l->in[IO_PASS_LOOP] && l->passes_allowed == 0)
		act_log(l, out, "pass loop occupied at start");
	if (l->state == LANE_FAULT && ctx->rules->on_scale_fault == ON_FAULT_OPEN &&
	    !l->dev_fault[ROLE_IO] && !l->dev_fault[ROLE_BARRIER] &&
	    !l->store_fault && !l->stopping && l->in[IO_PRESENCE] &&
	    l->passes_allowed == 0 && !l->unweighed_waiting)
		unweighed_pass(l, out);
}

/* The vehicle has left the scale: present bit and presence loop both clear. */
static void
vehicle_left(struct lane *l, struct lane_actions *out)
{
	if (!vehicle_gone(l))
		return;
	l->alarm_intercept = false;
	if (l->state == LANE_REFUSED) {
		l->want_led = LED_IDLE;
		set_state(l, LANE_IDLE, out, "vehicle left");
	} else if (l->state == LANE_IDLE && !l->pair_waiting)
		l->want_led = LED_IDLE;
}

/* Device silence past fault_after_ms. */
static void
check_silence(struct lane *l, struct lane_now now, struct lane_actions *out)
{
	static const enum dev_role devs[] = { ROLE_SCALE, ROLE_IO, ROLE_LED };
	size_t i;

	for (i = 0; i < sizeof(devs) / sizeof(devs[0]); i++) {
		enum dev_role d = devs[i];

		if (l->down_since[d] >= 0 && !l->dev_fault[d] &&
		    now.mono_ms - l->down_since[d] >= l->cfg->fault_after_ms)
			device_fault(l, out, d, EC_SILENT, l->down_err[d]);
	}
}

/* Is the barrier where it was told to be, by its two position inputs? */
static bool
barrier_at_command(const struct lane *l)
{
	return l->cmd_barrier_up ?
	    (l->in[IO_BARRIER_UP] && !l->in[IO_BARRIER_DOWN]) :
	    (!l->in[IO_BARRIER_UP] && l->in[IO_BARRIER_DOWN]);
}

static void
barrier_unauthorized(struct lane *l, struct lane_actions *out)
{
	struct sbuf b;

	body_begin(&b, l);
	put_last_weighing(&b, l);
	sbuf_putc(&b, '}');
	act_record(out, EV_BARRIER_UNAUTHORIZED, EVENT_URGENT, &b, false, 0);
	act_log(l, out, "barrier raised while held down");
	l->unauth_reported = true;
}

/*
 * A faulted barrier is trusted again once it has stayed where it was told
 * for barrier_timeout_ms and the vehicle it failed for has left: taking a
 * raise back lowers the command onto a barrier stuck down, which proves
 * nothing, and the driver still needs the fault text.
 */
static bool
barrier_recovered(const struct lane *l, struct lane_now now)
{
	if (!l->dev_fault[ROLE_BARRIER])
		return false;
	return now.mono_ms - l->barrier_ok_since_ms >= l->cfg->barrier_timeout_ms &&
	    !l->scale_present && !l->in[IO_PRESENCE];
}

/* Barrier supervision: commanded position, faults, raised by hand. */
static void
check_barrier(struct lane *l, struct lane_now now, struct lane_actions *out)
{
	bool up = l->in[IO_BARRIER_UP], down = l->in[IO_BARRIER_DOWN];

	if (!l->barrier_known || !l->inputs_known || l->dev_fault[ROLE_IO])
		return;
	if (barrier_at_command(l)) {
		l->cmd_confirmed = true;
		l->inconsistent_since_ms = -1;
		l->unauth_since_ms = -1;
		l->unauth_reported = false;
		if (l->barrier_ok_since_ms < 0)
			l->barrier_ok_since_ms = now.mono_ms;
		if (barrier_recovered(l, now))
			device_recovered(l, out, ROLE_BARRIER);
		return;
	}
	l->barrier_ok_since_ms = -1;
	if (!l->cmd_confirmed) {
		if (now.mono_ms - l->cmd_changed_ms > l->cfg->barrier_timeout_ms)
			device_fault(l, out, ROLE_BARRIER, EC_NOT_AT_COMMAND,
			    l->cmd_barrier_up ? "did not rise" : "did not lower");
		return;
	}
	if (!l->cmd_barrier_up && up && !down) {
		if (l->unauth_since_ms < 0)
			l->unauth_since_ms = now.mono_ms;
		if (!l->unauth_reported &&
		    now.mono_ms - l->unauth_since_ms > UNAUTHORIZED_MS)
			barrier_unauthorized(l, out);
		return;
	}
	if (l->inconsistent_since_ms < 0)
		l->inconsistent_since_ms = now.mono_ms;
	if (now.mono_ms - l->inconsistent_since_ms > l->cfg->barrier_timeout_ms)
		device_fault(l, out, ROLE_BARRIER, up == down ?
		    EC_POSITION_INPUTS : EC_NOT_AT_COMMAND,
		    up && down ? "both position inputs on" :
		    !up && !down ? "neither position input on" : "moved by itself");
}

static void
check_pass_timeout(struct lane *l, struct lane_now now, struct lane_actions *out)
{
	struct sbuf b;

	if (l->state != LANE_OPEN || l->passes_seen > 0 ||
	    now.mono_ms - l->opened_ms < (int64_t)l->cfg->pass_timeout_s * 1000)
		return;
	body_begin(&b, l);
	put_last_weighing(&b, l);
	sbuf_putc(&b, '}');
	act_record(out, EV_PASS_TIMEOUT, EVENT_BATCHED, &b, false, 0);
	l->passes_allowed = 0;
	l->want_led = LED_IDLE;
	set_state(l, LANE_IDLE, out, "pass timeout");
}

static void
override(struct lane *l, const struct lane_input *in, struct lane_now now,
    struct lane_actions *out)
{
	struct sbuf b;

	body_begin(&b, l);
	sbuf_puts(&b, ",\"operator\":");
	sbuf_put_json_str(&b, in->operator_id != NULL ? in->operator_id : "");
	sbuf_puts(&b, ",\"reason\":");
	sbuf_put_json_str(&b, in->reason != NULL ? in->reason : "");
	put_last_weighing(&b, l);
	sbuf_putc(&b, '}');
	act_record(out, EV_OVERRIDE, EVENT_URGENT, &b, false, 0);
	l->passes_allowed = 1;
	l->passes_seen = 0;
	l->opened_ms = now.mono_ms;
	l->alarm_intercept = false;
	l->want_led = LED_PASS;
	set_state(l, LANE_OPEN, out, "override");
}

static enum led_colour
led_colour_of(enum led_msg m)
{
	switch (m) {
	case LED_IDLE: case LED_PASS: return LED_GREEN;
	case LED_RETRY: case LED_HOLD: case LED_WEIGHING: return LED_YELLOW;
	default: return LED_RED;
	}
}

static void
reconcile_led(struct lane *l, struct lane_actions *out)
{
	char text[sizeof(l->led_text)];
	struct lane_action *a;

	led_expand(l->cfg->led_text[l->want_led], &l->last.m,
	    l->last.valid ? &l->last.d : NULL, text, sizeof(text));
	if (l->led_known && l->led_msg == l->want_led &&
	    strcmp(text, l->led_text) == 0)
		return;
	a = push(out, LA_LED);
	a->led_msg = l->want_led;
	a->colour = led_colour_of(l->want_led);
	snprintf(a->text, sizeof(a->text), "%s", text);
	l->led_known = true;
	l->led_msg = l->want_led;
	snprintf(l->led_text, sizeof(l->led_text), "%s", text);
	if (l->want_led == LED_PASS || l->want_led == LED_TURNBACK ||
	    l->want_led == LED_INTERCEPT || l->want_led == LED_RETRY ||
	    l->want_led == LED_HOLD)
		snprintf(l->last.led_text, sizeof(l->last.led_text), "%s", text);
}

/* Is an action of kind k already in the list? */
static bool
find_action(const struct lane_actions *out, enum lane_action_kind k)
{
	int i;

	for (i = 0; i < out->n; i++)
		if (out->a[i].kind == k)
			return true;
	return false;
}

/*
 * The outcome of a list with a record came back: a barrier command that
 * followed the record was written only after the commit, so
 * barrier_timeout_ms runs from now, not from the decision.
 */
static void
barrier_sent(struct lane *l, struct lane_now now)
{
	if (l->cmd_after_record && !l->cmd_confirmed)
		l->cmd_changed_ms = now.mono_ms;
	l->cmd_after_record = false;
	l->lower_after_record = false;
}

/*
 * The barrier may come down: the pass loop is clear as last reported, and
 * two poll periods have passed since the lane decided to lower it.  The link
 * reports only changes, so a vehicle that rolled onto the loop just before
 * the decision is seen within two polls: until then the barrier waits.  A
 * barrier whose command is not known yet (at start, or when the module
 * answers again) waits the same way unless its inputs show it down: after a
 * restart it may still be up for a vehicle let through before, driving
 * under it now.
 */
static bool
lowering_safe(const struct lane *l, struct lane_now now)
{
	/* a command that keeps a barrier down where it is moves nothing */
	if (!l->barrier_known && l->in[IO_BARRIER_DOWN] && !l->in[IO_BARRIER_UP])
		return true;
	if (l->in[IO_PASS_LOOP])
		return false;
	if (l->dev_fault[ROLE_IO])
		return true;
	return now.mono_ms - l->lower_wanted_ms >= LOWER_SETTLE_POLLS *
	    (int64_t)l->cfg->poll_ms;
}

/* Write every output that differs from what the lane's state asks for. */
static void
reconcile(struct lane *l, struct lane_now now, struct lane_actions *out)
{
	bool want_up = l->passes_allowed > 0 && !l->stopping &&
	    !l->dev_fault[ROLE_IO] && !l->dev_fault[ROLE_BARRIER] &&
	    !l->store_fault;
	bool alarm = l->alarm_intercept || now.mono_ms < l->alarm_until_ms ||
	    l->unauth_reported || l->dev_fault[ROLE_LED];

	/* stopping: the fault text stays, whatever a vehicle does meanwhile */
	if (l->stopping)
		l->want_led = LED_FAULT;
	if (want_up || (l->barrier_known && !l->cmd_barrier_up) ||
	    !l->inputs_known || l->inputs_stale)
		l->lower_wanted_ms = -1;
	else if (l->lower_wanted_ms < 0)
		l->lower_wanted_ms = now.mono_ms;
	if (l->inputs_known && !l->inputs_stale &&
	    (!l->barrier_known || want_up != l->cmd_barrier_up) &&
	    (want_up || lowering_safe(l, now))) {
		l->cmd_after_record = find_action(out, LA_RECORD);
		l->lower_after_record = l->cmd_after_record && !want_up;
		push(out, LA_BARRIER)->on = want_up;
		l->barrier_known = true;
		l->cmd_barrier_up = want_up;
		l->cmd_changed_ms = now.mono_ms;
		l->cmd_confirmed = false;
	}
	if (!l->light_known || l->light_green != (l->barrier_known && l->cmd_barrier_up)) {
		l->light_green = l->barrier_known && l->cmd_barrier_up;
		l->light_known = true;
		push(out, LA_LIGHT)->on = l->light_green;
	}
	if (!l->alarm_known || l->alarm_on != alarm) {
		l->alarm_on = alarm;
		l->alarm_known = true;
		push(out, LA_ALARM)->on = alarm;
	}
	reconcile_led(l, out);
}

/*
 * A device answers again: writes made while it was away failed, so what it
 * shows is unknown.  Forgetting it makes reconcile() write it all again.
 */
static void
forget_outputs(struct lane *l, enum dev_role dev)
{
	if (dev == ROLE_IO) {
		l->barrier_known = false;
		l->light_known = false;
		l->alarm_known = false;
	} else if (dev == ROLE_LED)
		l->led_known = false;
}

/* dev stopped answering (LI_DOWN). */
static void
device_down(struct lane *l, const struct lane_input *in,
    struct lane_actions *out)
{
	if (in->dev == ROLE_SCALE)
		l->result_time_unknown = true;
	if (l->down_since[in->dev] < 0)
		l->down_since[in->dev] = in->since_mono_ms;
	snprintf(l->down_err[in->dev], sizeof(l->down_err[in->dev]),
	    "%s", in->err != NULL ? in->err : "");
	/* the camera's silence is timed where it is heard */
	if (in->dev == ROLE_CAMERA)
		device_fault(l, out, ROLE_CAMERA, EC_SILENT,
		    l->down_err[ROLE_CAMERA]);
}

/* dev answers again (LI_UP). */
static void
device_up(struct lane *l, enum dev_role dev, struct lane_actions *out)
{
	if (l->down_since[dev] >= 0 || l->dev_fault[dev]) {
		forget_outputs(l, dev);
		/* no barrier command on inputs read before the silence:
		 * the module's next report comes with its answer */
		if (dev == ROLE_IO)
			l->inputs_stale = true;
	}
	l->down_since[dev] = -1;
	device_recovered(l, out, dev);
}

/* The last record committed as uuid (LI_COMMITTED). */
static void
committed(struct lane *l, const char *uuid, struct lane_now now,
    struct lane_actions *out)
{
	barrier_sent(l, now);
	if (l->want_uuid && uuid != NULL)
		snprintf(l->last.uuid, sizeof(l->last.uuid), "%s", uuid);
	l->want_uuid = false;
	if (l->store_fault) {
		l->store_fault = false;
		maybe_recover(l, out);
	}
}

/* The last record could not be committed (LI_COMMIT_FAILED). */
static void
commit_failed(struct lane *l, struct lane_now now, struct lane_actions *out)
{
	/* the outputs after the failed record were dropped: a lowering
	 * among them must be written again */
	if (l->lower_after_record)
		forget_outputs(l, ROLE_IO);
	barrier_sent(l, now);
	l->want_uuid = false;
	l->store_fault = true;
	enter_fault(l, out, "event store cannot commit");
}

void
lane_step(struct lane *l, const struct lane_ctx *ctx,
    const struct lane_input *in, struct lane_now now, struct lane_actions *out)
{
	switch (in->kind) {
	case LI_TICK:
		break;
	case LI_SCALE:
		l->down_since[ROLE_SCALE] = -1;
		device_recovered(l, out, ROLE_SCALE);
		scale_data(l, ctx, in, now, out);
		break;
	case LI_IO:
		l->down_since[ROLE_IO] = -1;
		device_recovered(l, out, ROLE_IO);
		io_data(l, ctx, in, now, out);
		break;
	case LI_DOWN:
		device_down(l, in, out);
		break;
	case LI_UP:
		device_up(l, in->dev, out);
		break;
	case LI_COMMITTED:
		committed(l, in->uuid, now, out);
		break;
	case LI_COMMIT_FAILED:
		commit_failed(l, now, out);
		break;
	case LI_OVERRIDE:
		if (l->state == LANE_REFUSED && !l->stopping)
			override(l, in, now, out);
		break;
	case LI_SHUTDOWN:
		pair_finish(l, ctx, now, out, "stopping", false);
		l->stopping = true;
		l->passes_allowed = 0;
		l->want_led = LED_FAULT;
		act_log(l, out, "stopping: barrier down, fault text shown");
		break;
	case LI_PLATE:
		l->down_since[ROLE_CAMERA] = -1;
		device_recovered(l, out, ROLE_CAMERA);
		plate_read(l, &in->plate, now, out);
		break;
	}
	pair_check(l, ctx, now, out);
	check_silence(l, now, out);
	check_barrier(l, now, out);
	check_pass_timeout(l, now, out);
	check_reset_settle(l, now, out);
	vehicle_left(l, out);
	reconcile(l, now, out);
}

/*
 * No vehicle in hand: not OPEN or REFUSED, nothing on the scale, no
 * unweighed pass let through, no commit awaited.  A lane in FAULT decides
 * nothing, so it counts as between vehicles whatever stands on the scale.
 */
bool
lane_between_vehicles(const struct lane *l)
{
	if (l->stopping || l->passes_allowed > 0 || l->want_uuid ||
	    l->pair_waiting)
		return false;
	return l->state == LANE_FAULT || (l->state == LANE_IDLE && !l->scale_present);
}

bool
lane_quiescent(const struct lane *l)
{
	if (l->dev_fault[ROLE_IO])
		return true;
	/* never read: nothing can be done; read: commanded down */
	return l->barrier_known ? !l->cmd_barrier_up : !l->inputs_known;
}
