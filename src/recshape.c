/* The shape of a replay record: each field's check and message, the members' rules. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "weighgate/decode.h"
#include "weighgate/timefmt.h"

#include "recshape.h"

/*
 * A handler takes one member's value into the record and returns NULL, or
 * what is wrong with the value; recshape_verdict puts the key in front.
 */

#define MAX_EXACT_INT 9007199254740992.0	/* 2^53 */

typedef const char *(*field_fn)(const struct recshape_val *v, struct record *r);

/* An integer in [min, max] (JSON 1.0 and 1e3 count, 1.5 does not); -1 if not. */
static int
json_int(const struct recshape_val *v, double min, double max, int64_t *out)
{
	double d = v->num;

	if (v->t != RS_NUMBER || !isfinite(d) || d < min || d > max ||
	    d != floor(d))
		return -1;
	*out = (int64_t)d;
	return 0;
}

static bool
is_str(const struct recshape_val *v)
{
	return v->t == RS_STRING && !v->long_s;
}

/* UTF-8 text of min..max bytes without control characters. */
static bool
text_ok(const struct recshape_val *v, size_t min, size_t max)
{
	size_t i, n = v->slen;

	if (!is_str(v) || n < min || n > max || !decode_text_utf8_valid(v->s, n))
		return false;
	for (i = 0; i < n; i++)
		if ((unsigned char)v->s[i] < 0x20 || v->s[i] == 0x7f)
			return false;
	return true;
}

static const char *
f_lane(const struct recshape_val *v, struct record *r)
{
	if (!text_ok(v, 1, MEAS_LANE_MAX - 1))
		return "must be a string of 1-15 bytes";
	memcpy(r->m.lane, v->s, v->slen + 1);
	return NULL;
}

static const char *
f_ts(const struct recshape_val *v, struct record *r)
{
	if (!is_str(v) || ts_parse(v->s, &r->m.ts_ms) != 0)
		return "must be an RFC 3339 time";
	return NULL;
}

static const char *
f_seq(const struct recshape_val *v, struct record *r)
{
	if (json_int(v, 0, MAX_EXACT_INT, &r->m.seq) != 0)
		return "must be a non-negative integer";
	return NULL;
}

static const char *
f_kind(const struct recshape_val *v, struct record *r)
{
	if (!is_str(v) || meas_kind_parse(v->s, &r->m.kind) != 0)
		return "must be \"truck\", \"passenger\" or \"unknown\"";
	return NULL;
}

static const char *
f_config(const struct recshape_val *v, struct record *r)
{
	if (!is_str(v) || meas_config_parse(v->s, &r->m.config) != 0)
		return "must be \"rigid\", \"combination\", "
		    "\"combination_single_drive\" or \"unknown\"";
	return NULL;
}

/* Axle counts are kept as a scale could give them (u16); decide() judges. */
static const char *
f_axles(const struct recshape_val *v, struct record *r)
{
	int64_t n;

	if (json_int(v, 0, 65535, &n) != 0)
		return "must be an integer 0-65535";
	r->m.axles = (int)n;
	return NULL;
}

/* Gross as the scale's u32 register holds it. */
static const char *
f_gross(const struct recshape_val *v, struct record *r)
{
	if (json_int(v, 0, 4294967295.0, &r->m.gross_kg) != 0)
		return "must be a non-negative integer (at most 4294967295)";
	return NULL;
}

static const char *
f_axle_kg(const struct recshape_val *v, struct record *r)
{
	static const char msg[] =
	    "must be an array of at most 12 integers 0-65535";
	struct recshape_val e;
	const void *pos = NULL;
	int64_t w;
	int n = 0;

	if (v->t != RS_ARRAY)
		return msg;
	while (v->ops->next(v, &pos, &e)) {
		if (n == MEAS_MAX_AXLES || json_int(&e, 0, 65535, &w) != 0)
			return msg;
		r->m.axle_kg[n++] = (int32_t)w;
	}
	r->m.n_axle_kg = n;
	return NULL;
}

/*
 * km/h to 0.1 km/h, half up: 1.15 gives 12 tenths although the double
 * nearest 1.15 is a hair below it (the 1e-7 brings it back).
 */
static const char *
f_speed(const struct recshape_val *v, struct record *r)
{
	double d;

	if (v->t != RS_NUMBER || !isfinite(v->num) || v->num < 0 ||
	    v->num > 6553.5)
		return "must be a number 0-6553.5";
	d = floor(v->num * 10.0 + 0.5 + 1e-7);
	r->m.speed_dkmh = (int32_t)d;
	return NULL;
}

static const char *
f_plate(const struct recshape_val *v, struct record *r)
{
	if (!text_ok(v, 0, MEAS_PLATE_MAX - 1))
		return "must be a UTF-8 string of at most 63 bytes";
	memcpy(r->m.plate, v->s, v->slen + 1);
	return NULL;
}

static const char *
f_color(const struct recshape_val *v, struct record *r)
{
	if (!is_str(v) || meas_color_parse(v->s, &r->m.plate_color) != 0)
		return "must be blue, yellow, black, white, green, yellow-green "
		    "or unknown";
	return NULL;
}

static const char *
get_bool(const struct recshape_val *v, bool *out)
{
	if (v->t != RS_TRUE && v->t != RS_FALSE)
		return "must be true or false";
	*out = v->t == RS_TRUE;
	return NULL;
}

static const char *
f_valid(const struct recshape_val *v, struct record *r)
{
	return get_bool(v, &r->m.valid);
}

static const char *
f_unstable(const struct recshape_val *v, struct record *r)
{
	return get_bool(v, &r->m.unstable);
}

static const char *
f_fault(const struct recshape_val *v, struct record *r)
{
	return get_bool(v, &r->m.fault);
}

static const char *
f_abnormal(const struct recshape_val *v, struct record *r)
{
	return get_bool(v, &r->m.abnormal);
}

static const char *
f_clock_doubt(const struct recshape_val *v, struct record *r)
{
	return get_bool(v, &r->m.clock_doubt);
}

static const char *
recorded_reasons(const struct recshape_val *a, struct record *r)
{
	static const char msg[] = "reasons must be an array of reason names";
	struct recshape_val e;
	const void *pos = NULL;

	if (a->t != RS_ARRAY)
		return msg;
	while (a->ops->next(a, &pos, &e)) {
		if (r->n_recorded_reasons == DEC_MAX_REASONS)
			return "too many reasons";
		if (!is_str(&e) || reason_parse(e.s,
		    &r->recorded_reasons[r->n_recorded_reasons]) != 0)
			return msg;
		r->n_recorded_reasons++;
	}
	return NULL;
}

/* "recorded_decision": "pass", or {"decision": "pass", "reasons": [...]}. */
static const char *
f_recorded(const struct recshape_val *v, struct record *r)
{
	struct recshape_val d, reasons;
	bool has_d = true, has_reasons = false;

	if (v->t == RS_OBJECT) {
		has_d = v->ops->member(v, "decision", &d);
		has_reasons = v->ops->member(v, "reasons", &reasons);
	} else
		d = *v;
	if (!has_d || !is_str(&d) || decision_kind_parse(d.s, &r->recorded) != 0)
		return "must be a decision name or {\"decision\", \"reasons\"}";
	r->has_recorded = true;
	return has_reasons ? recorded_reasons(&reasons, r) : NULL;
}

struct field {
	const char *name;
	field_fn fn;
	bool required;
	size_t len;
};

/* In the order the simulator and record_measurement_json write them. */
static const struct field fields[RECSHAPE_NFIELDS] = {
	{ "lane", f_lane, true, 4 },
	{ "ts", f_ts, true, 2 },
	{ "seq", f_seq, true, 3 },
	{ "kind", f_kind, true, 4 },
	{ "config", f_config, true, 6 },
	{ "axles", f_axles, true, 5 },
	{ "gross_kg", f_gross, true, 8 },
	{ "axle_kg", f_axle_kg, false, 7 },
	{ "speed_kmh", f_speed, true, 9 },
	{ "plate", f_plate, true, 5 },
	{ "plate_color", f_color, false, 11 },
	{ "valid", f_valid, false, 5 },
	{ "unstable", f_unstable, false, 8 },
	{ "fault", f_fault, false, 5 },
	{ "abnormal", f_abnormal, false, 8 },
	{ "clock_doubt", f_clock_doubt, false, 11 },
	{ "recorded_decision", f_recorded, false, 17 },
};

enum record_status
recshape_bad(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return RECORD_BAD;
}

void
recshape_begin(struct recshape_members *mb)
{
	memset(mb, 0, sizeof(*mb));
	mb->bad_field = -1;
}

static bool
field_is(const char *key, size_t len, int i)
{
	return len == fields[i].len && key[0] == fields[i].name[0] &&
	    memcmp(key, fields[i].name, len) == 0;
}

/* The field a key names, RECSHAPE_SKIP, or -1 for a key a record ignores. */
static int
field_of(struct recshape_members *mb, const char *key, size_t len)
{
	int i;

	if (mb->hint < RECSHAPE_NFIELDS && field_is(key, len, mb->hint))
		return mb->hint++;
	for (i = 0; i < RECSHAPE_NFIELDS; i++)
		if (field_is(key, len, i)) {
			mb->hint = i + 1;
			return i;
		}
	if ((len == 12 && memcmp(key, "device_fault", 12) == 0) ||
	    (len == 14 && memcmp(key, "barrier_manual", 14) == 0)) {
		mb->skip = true;
		return RECSHAPE_SKIP;
	}
	return -1;
}

void
recshape_member(struct recshape_members *mb, const char *key, size_t len,
    const struct recshape_val *v, struct record *r)
{
	int k = field_of(mb, key, len);

	if (k < 0 || mb->bad_field >= 0)
		return;
	if (mb->seen[k]) {
		mb->bad_field = k;
		mb->why = NULL;
		return;
	}
	mb->seen[k] = true;
	if ((mb->why = fields[k].fn(v, r)) != NULL)
		mb->bad_field = k;
}

/* A skip key anywhere wins; then the first bad member; then what is missing. */
enum record_status
recshape_verdict(const struct recshape_members *mb, char *err, size_t errlen)
{
	int i;

	if (mb->skip)
		return RECORD_SKIP;
	if (mb->bad_field >= 0)
		return mb->why == NULL ?
		    recshape_bad(err, errlen, "%s: duplicate key",
		    fields[mb->bad_field].name) :
		    recshape_bad(err, errlen, "%s: %s",
		    fields[mb->bad_field].name, mb->why);
	for (i = 0; i < RECSHAPE_NFIELDS; i++)
		if (fields[i].required && !mb->seen[i])
			return recshape_bad(err, errlen, "%s: missing",
			    fields[i].name);
	return RECORD_OK;
}

enum record_status
recshape_event(const struct recshape_members *meas,
    const struct recshape_val *decision, const struct recshape_val *reasons,
    struct record *r, char *err, size_t errlen)
{
	char why[200];
	const char *bad;
	enum record_status st;

	if (meas == NULL)
		return recshape_bad(err, errlen,
		    "measurement: missing or not an object");
	if ((st = recshape_verdict(meas, why, sizeof(why))) != RECORD_OK)
		return st == RECORD_SKIP ? recshape_bad(err, errlen,
		    "measurement: not a weighing") : recshape_bad(err, errlen,
		    "measurement: %s", why);
	if (decision == NULL || !is_str(decision) ||
	    decision_kind_parse(decision->s, &r->recorded) != 0)
		return recshape_bad(err, errlen,
		    "decision: missing or not a decision");
	r->has_recorded = true;
	r->n_recorded_reasons = 0;
	if (reasons != NULL && (bad = recorded_reasons(reasons, r)) != NULL)
		return recshape_bad(err, errlen, "%s", bad);
	return RECORD_OK;
}
