/* Replay records: §8 measurements read from JSON, decisions written as JSON. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "weighgate/decode.h"
#include "weighgate/record.h"
#include "weighgate/timefmt.h"

/*
 * Reading: one pass over the object's members, each known key handled by
 * its entry in the table below; unknown keys (the traffic file's after_ms,
 * behaviour, duration_ms ...) are ignored.  A handler returns NULL or what
 * is wrong with the value; the caller puts the key in front.
 */

#define MAX_EXACT_INT 9007199254740992.0	/* 2^53 */

typedef const char *(*key_fn)(const cJSON *v, struct record *r);

struct key {
	const char *name;
	key_fn fn;
	bool required;
};

/* An integer in [min, max] (JSON 1.0 and 1e3 count, 1.5 does not); -1 if not. */
static int
json_int(const cJSON *v, double min, double max, int64_t *out)
{
	double d;

	if (!cJSON_IsNumber(v))
		return -1;
	d = v->valuedouble;
	if (!isfinite(d) || d < min || d > max || d != floor(d))
		return -1;
	*out = (int64_t)d;
	return 0;
}

/* UTF-8 text of 1..max bytes without control characters. */
static bool
text_ok(const char *s, size_t min, size_t max)
{
	size_t i, n = strlen(s);

	if (n < min || n > max || !text_utf8_valid(s, n))
		return false;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return false;
	return true;
}

static const char *
k_lane(const cJSON *v, struct record *r)
{
	if (!cJSON_IsString(v) || !text_ok(v->valuestring, 1, MEAS_LANE_MAX - 1))
		return "must be a string of 1-15 bytes";
	memcpy(r->m.lane, v->valuestring, strlen(v->valuestring) + 1);
	return NULL;
}

static const char *
k_ts(const cJSON *v, struct record *r)
{
	if (!cJSON_IsString(v) || ts_parse(v->valuestring, &r->m.ts_ms) != 0)
		return "must be an RFC 3339 time";
	return NULL;
}

static const char *
k_seq(const cJSON *v, struct record *r)
{
	if (json_int(v, 0, MAX_EXACT_INT, &r->m.seq) != 0)
		return "must be a non-negative integer";
	return NULL;
}

static const char *
k_kind(const cJSON *v, struct record *r)
{
	if (!cJSON_IsString(v) ||
	    meas_kind_parse(v->valuestring, &r->m.kind) != 0)
		return "must be \"truck\", \"passenger\" or \"unknown\"";
	return NULL;
}

static const char *
k_config(const cJSON *v, struct record *r)
{
	if (!cJSON_IsString(v) ||
	    meas_config_parse(v->valuestring, &r->m.config) != 0)
		return "must be \"rigid\", \"combination\", "
		    "\"combination_single_drive\" or \"unknown\"";
	return NULL;
}

/* Axle counts are kept as a scale could give them (u16); decide() judges. */
static const char *
k_axles(const cJSON *v, struct record *r)
{
	int64_t n;

	if (json_int(v, 0, 65535, &n) != 0)
		return "must be an integer 0-65535";
	r->m.axles = (int)n;
	return NULL;
}

/* Gross as the scale's u32 register holds it. */
static const char *
k_gross(const cJSON *v, struct record *r)
{
	if (json_int(v, 0, 4294967295.0, &r->m.gross_kg) != 0)
		return "must be a non-negative integer (at most 4294967295)";
	return NULL;
}

static const char *
k_axle_kg(const cJSON *v, struct record *r)
{
	const cJSON *e;
	int64_t w;
	int n = 0;

	if (!cJSON_IsArray(v))
		return "must be an array of at most 12 integers 0-65535";
	cJSON_ArrayForEach(e, v) {
		if (n == MEAS_MAX_AXLES || json_int(e, 0, 65535, &w) != 0)
			return "must be an array of at most 12 integers 0-65535";
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
k_speed(const cJSON *v, struct record *r)
{
	double d;

	if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) ||
	    v->valuedouble < 0 || v->valuedouble > 6553.5)
		return "must be a number 0-6553.5";
	d = floor(v->valuedouble * 10.0 + 0.5 + 1e-7);
	r->m.speed_dkmh = (int32_t)d;
	return NULL;
}

static const char *
k_plate(const cJSON *v, struct record *r)
{
	if (!cJSON_IsString(v) || !text_ok(v->valuestring, 0, MEAS_PLATE_MAX - 1))
		return "must be a UTF-8 string of at most 63 bytes";
	memcpy(r->m.plate, v->valuestring, strlen(v->valuestring) + 1);
	return NULL;
}

static const char *
k_color(const cJSON *v, struct record *r)
{
	if (!cJSON_IsString(v) ||
	    meas_color_parse(v->valuestring, &r->m.plate_color) != 0)
		return "must be blue, yellow, black, white, green, yellow-green "
		    "or unknown";
	return NULL;
}

static const char *
get_bool(const cJSON *v, bool *out)
{
	if (!cJSON_IsBool(v))
		return "must be true or false";
	*out = cJSON_IsTrue(v);
	return NULL;
}

static const char *
k_valid(const cJSON *v, struct record *r)
{
	return get_bool(v, &r->m.valid);
}

static const char *
k_unstable(const cJSON *v, struct record *r)
{
	return get_bool(v, &r->m.unstable);
}

static const char *
k_fault(const cJSON *v, struct record *r)
{
	return get_bool(v, &r->m.fault);
}

static const char *
k_abnormal(const cJSON *v, struct record *r)
{
	return get_bool(v, &r->m.abnormal);
}

static const char *
k_clock_doubt(const cJSON *v, struct record *r)
{
	return get_bool(v, &r->m.clock_doubt);
}

static const char *
recorded_reasons(const cJSON *a, struct record *r)
{
	const cJSON *e;

	if (!cJSON_IsArray(a))
		return "reasons must be an array of reason names";
	cJSON_ArrayForEach(e, a) {
		if (r->n_recorded_reasons == DEC_MAX_REASONS)
			return "too many reasons";
		if (!cJSON_IsString(e) || reason_parse(e->valuestring,
		    &r->recorded_reasons[r->n_recorded_reasons]) != 0)
			return "reasons must be an array of reason names";
		r->n_recorded_reasons++;
	}
	return NULL;
}

/* "recorded_decision": "pass", or {"decision": "pass", "reasons": [...]}. */
static const char *
k_recorded(const cJSON *v, struct record *r)
{
	const cJSON *d = v, *reasons = NULL;

	if (cJSON_IsObject(v)) {
		d = cJSON_GetObjectItemCaseSensitive(v, "decision");
		reasons = cJSON_GetObjectItemCaseSensitive(v, "reasons");
	}
	if (d == NULL || !cJSON_IsString(d) ||
	    decision_kind_parse(d->valuestring, &r->recorded) != 0)
		return "must be a decision name or {\"decision\", \"reasons\"}";
	r->has_recorded = true;
	return reasons != NULL ? recorded_reasons(reasons, r) : NULL;
}

static const struct key keys[] = {
	{ "lane", k_lane, true },
	{ "ts", k_ts, true },
	{ "seq", k_seq, true },
	{ "kind", k_kind, true },
	{ "config", k_config, true },
	{ "axles", k_axles, true },
	{ "gross_kg", k_gross, true },
	{ "axle_kg", k_axle_kg, false },
	{ "speed_kmh", k_speed, true },
	{ "plate", k_plate, true },
	{ "plate_color", k_color, false },
	{ "valid", k_valid, false },
	{ "unstable", k_unstable, false },
	{ "fault", k_fault, false },
	{ "abnormal", k_abnormal, false },
	{ "clock_doubt", k_clock_doubt, false },
	{ "recorded_decision", k_recorded, false },
};
#define NKEYS (sizeof(keys) / sizeof(keys[0]))

static int
key_index(const char *name)
{
	size_t i;

	for (i = 0; i < NKEYS; i++)
		if (strcmp(keys[i].name, name) == 0)
			return (int)i;
	return -1;
}

static enum record_status __attribute__((format(printf, 3, 4)))
bad(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return RECORD_BAD;
}

/* Each member once through its handler, then every required key present. */
static enum record_status
read_members(const cJSON *obj, struct record *r, char *err, size_t errlen)
{
	bool seen[NKEYS] = { false };
	const cJSON *v;
	const char *why;
	size_t i;
	int k;

	cJSON_ArrayForEach(v, obj) {
		if ((k = key_index(v->string)) < 0)
			continue;
		if (seen[k])
			return bad(err, errlen, "%s: duplicate key", keys[k].name);
		seen[k] = true;
		if ((why = keys[k].fn(v, r)) != NULL)
			return bad(err, errlen, "%s: %s", keys[k].name, why);
	}
	for (i = 0; i < NKEYS; i++)
		if (keys[i].required && !seen[i])
			return bad(err, errlen, "%s: missing", keys[i].name);
	return RECORD_OK;
}

enum record_status
record_from_json(const char *line, size_t len, struct record *r,
    char *err, size_t errlen)
{
	const char *end = NULL;
	enum record_status st;
	cJSON *obj;

	memset(r, 0, sizeof(*r));
	meas_init(&r->m);
	if ((obj = cJSON_ParseWithLengthOpts(line, len, &end, 0)) == NULL)
		return bad(err, errlen, "not valid JSON (at byte %zu)",
		    end != NULL && end >= line ? (size_t)(end - line) + 1 : 1);
	while (end < line + len && *end != '\0' && strchr(" \t\r\n", *end))
		end++;
	if (end < line + len)
		st = bad(err, errlen, "text after the JSON object (at byte %zu)",
		    (size_t)(end - line) + 1);
	else if (!cJSON_IsObject(obj))
		st = bad(err, errlen, "not a JSON object");
	else if (cJSON_GetObjectItemCaseSensitive(obj, "device_fault") != NULL ||
	    cJSON_GetObjectItemCaseSensitive(obj, "barrier_manual") != NULL)
		st = RECORD_SKIP;
	else
		st = read_members(obj, r, err, errlen);
	cJSON_Delete(obj);
	return st;
}

static void
put_key(struct sbuf *b, const char *key)
{
	sbuf_putc(b, ',');
	sbuf_put_json_str(b, key);
	sbuf_putc(b, ':');
}

static void
put_bool(struct sbuf *b, const char *key, bool v)
{
	put_key(b, key);
	sbuf_puts(b, v ? "true" : "false");
}

void
record_measurement_json(struct sbuf *b, const struct measurement *m)
{
	char ts[TS_TEXT_LEN + 1];
	int i;

	ts_format(m->ts_ms, ts);
	sbuf_puts(b, "{\"lane\":");
	sbuf_put_json_str(b, m->lane);
	put_key(b, "ts");
	sbuf_put_json_str(b, ts);
	put_key(b, "seq");
	sbuf_put_i64(b, m->seq);
	put_key(b, "kind");
	sbuf_put_json_str(b, meas_kind_name(m->kind));
	put_key(b, "config");
	sbuf_put_json_str(b, meas_config_name(m->config));
	put_key(b, "axles");
	sbuf_put_i64(b, m->axles);
	put_key(b, "gross_kg");
	sbuf_put_i64(b, m->gross_kg);
	if (m->n_axle_kg > 0) {
		put_key(b, "axle_kg");
		for (i = 0; i < m->n_axle_kg && i < MEAS_MAX_AXLES; i++) {
			sbuf_putc(b, i == 0 ? '[' : ',');
			sbuf_put_i64(b, m->axle_kg[i]);
		}
		sbuf_putc(b, ']');
	}
	put_key(b, "speed_kmh");
	sbuf_put_fixed(b, m->speed_dkmh, 1);
	put_key(b, "plate");
	sbuf_put_json_str(b, m->plate);
	put_key(b, "plate_color");
	sbuf_put_json_str(b, meas_color_name(m->plate_color));
	put_bool(b, "valid", m->valid);
	put_bool(b, "unstable", m->unstable);
	put_bool(b, "fault", m->fault);
	put_bool(b, "abnormal", m->abnormal);
	if (m->clock_doubt)	/* only when true: older records stay as they were */
		put_bool(b, "clock_doubt", true);
	sbuf_putc(b, '}');
}

/*
 * The decision line is written into a local buffer and appended at once:
 * replay writes a million of them a second (docs/design.md §10).  Names of decisions
 * and reasons and the ruleset id are plain ASCII and go in as they are; a
 * lane of printable ASCII too, anything else through sbuf_put_json_str.
 */
struct fastw {
	char buf[512];
	char *p;
	struct sbuf *b;
};

static void
fw_flush(struct fastw *w)
{
	sbuf_putn(w->b, w->buf, (size_t)(w->p - w->buf));
	w->p = w->buf;
}

/* Room for n more bytes. */
static void
fw_room(struct fastw *w, size_t n)
{
	if ((size_t)(w->buf + sizeof(w->buf) - w->p) < n)
		fw_flush(w);
}

static void
fw_raw(struct fastw *w, const char *s, size_t n)
{
	fw_room(w, n);
	memcpy(w->p, s, n);
	w->p += n;
}

#define FW_LIT(w, s)	fw_raw((w), (s), sizeof(s) - 1)

static void
fw_name(struct fastw *w, const char *s)
{
	size_t n = strlen(s);

	fw_room(w, n + 2);
	*w->p++ = '"';
	memcpy(w->p, s, n);
	w->p += n;
	*w->p++ = '"';
}

static bool
plain_ascii(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x80 ||
		    *s == '"' || *s == '\\')
			return false;
	return true;
}

static void
fw_str(struct fastw *w, const char *s)
{
	if (strlen(s) < 64 && plain_ascii(s)) {
		fw_name(w, s);
		return;
	}
	fw_flush(w);
	sbuf_put_json_str(w->b, s);
}

static void
fw_i64(struct fastw *w, int64_t v)
{
	char tmp[24], *q = tmp + sizeof(tmp);
	uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;

	do {
		*--q = (char)('0' + u % 10);
		u /= 10;
	} while (u != 0);
	if (v < 0)
		*--q = '-';
	fw_raw(w, q, (size_t)(tmp + sizeof(tmp) - q));
}

/* v / 100 with two decimals, as sbuf_put_fixed(b, v, 2). */
static void
fw_x100(struct fastw *w, int64_t v)
{
	uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	char frac[3] = { '.', (char)('0' + u / 10 % 10), (char)('0' + u % 10) };

	if (v < 0)
		fw_raw(w, "-", 1);
	fw_i64(w, (int64_t)(u / 100));
	fw_raw(w, frac, 3);
}

/* ,"key":N or ,"key":null when the decision has no limit. */
static void
fw_limit(struct fastw *w, const char *key, size_t keylen, bool has, int64_t v)
{
	fw_raw(w, key, keylen);
	if (has)
		fw_i64(w, v);
	else
		FW_LIT(w, "null");
}

#define FW_LIMIT(w, key, has, v) fw_limit((w), (key), sizeof(key) - 1, (has), (v))

void
record_decision_json(struct sbuf *b, const struct measurement *m,
    const struct decision *d, const char ruleset[65], bool with_measurement)
{
	struct fastw w = { .b = b };
	int i;

	w.p = w.buf;
	FW_LIT(&w, "{\"lane\":");
	fw_str(&w, m->lane);
	FW_LIT(&w, ",\"seq\":");
	fw_i64(&w, m->seq);
	FW_LIT(&w, ",\"decision\":");
	fw_name(&w, decision_kind_name(d->kind));
	FW_LIT(&w, ",\"reasons\":[");
	for (i = 0; i < d->n_reasons && i < DEC_MAX_REASONS; i++) {
		if (i > 0)
			FW_LIT(&w, ",");
		fw_name(&w, reason_name(d->reasons[i]));
	}
	FW_LIT(&w, "]");
	FW_LIMIT(&w, ",\"legal_limit_kg\":", d->has_limit, d->legal_limit_kg);
	FW_LIMIT(&w, ",\"applied_limit_kg\":", d->has_limit,
	    d->applied_limit_kg);
	FW_LIMIT(&w, ",\"over_kg\":", d->has_limit, d->over_kg);
	FW_LIT(&w, ",\"over_pct\":");
	if (d->has_limit)
		fw_x100(&w, d->over_pct_x100);
	else
		FW_LIT(&w, "null");
	if (d->flag_100t)
		FW_LIT(&w, ",\"flag_100t\":true,\"permit_id\":");
	else
		FW_LIT(&w, ",\"flag_100t\":false,\"permit_id\":");
	if (d->permit_id[0] != '\0')
		fw_str(&w, d->permit_id);
	else
		FW_LIT(&w, "null");
	if (m->clock_doubt)
		FW_LIT(&w, ",\"clock_doubt\":true");
	FW_LIT(&w, ",\"ruleset\":");
	fw_name(&w, ruleset);
	fw_flush(&w);
	if (with_measurement) {
		put_key(b, "measurement");
		record_measurement_json(b, m);
	}
	sbuf_putc(b, '}');
}
