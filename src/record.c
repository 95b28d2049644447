/* Replay records: §8 measurements read from JSON, decisions written as JSON. */
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "weighgate/record.h"
#include "weighgate/timefmt.h"

#include "recshape.h"

/*
 * Reading: cJSON's tree, each member handed to the rules of recshape.c as
 * a struct recshape_val; unknown keys (the traffic file's after_ms,
 * behaviour, duration_ms ...) are ignored there.
 */

static const struct recshape_ops tree_ops;

/* A cJSON node as the rules see a value (a string copied, up to its NUL). */
static void
tree_val(const cJSON *n, struct recshape_val *v)
{
	size_t len;

	v->node = n;
	v->ops = &tree_ops;
	v->long_s = false;
	v->slen = 0;
	v->s[0] = '\0';
	if (cJSON_IsNumber(n)) {
		v->t = RS_NUMBER;
		v->num = n->valuedouble;
	} else if (cJSON_IsString(n)) {
		v->t = RS_STRING;
		if ((len = strlen(n->valuestring)) >= RECSHAPE_STR_MAX) {
			len = RECSHAPE_STR_MAX - 1;
			v->long_s = true;
		}
		memcpy(v->s, n->valuestring, len);
		v->s[len] = '\0';
		v->slen = len;
	} else if (cJSON_IsTrue(n))
		v->t = RS_TRUE;
	else if (cJSON_IsFalse(n))
		v->t = RS_FALSE;
	else if (cJSON_IsArray(n))
		v->t = RS_ARRAY;
	else if (cJSON_IsObject(n))
		v->t = RS_OBJECT;
	else
		v->t = RS_NULL;
}

static bool
tree_next(const struct recshape_val *a, const void **pos,
    struct recshape_val *e)
{
	const cJSON *n = *pos == NULL ? ((const cJSON *)a->node)->child :
	    ((const cJSON *)*pos)->next;

	if (n == NULL)
		return false;
	*pos = n;
	tree_val(n, e);
	return true;
}

static bool
tree_member(const struct recshape_val *o, const char *name,
    struct recshape_val *out)
{
	const cJSON *n = cJSON_GetObjectItemCaseSensitive(o->node, name);

	if (n == NULL)
		return false;
	tree_val(n, out);
	return true;
}

static const struct recshape_ops tree_ops = { tree_next, tree_member };

/* Each member to the field it names, then the verdict. */
static enum record_status
read_members(const cJSON *obj, struct record *r, char *err, size_t errlen)
{
	struct recshape_members mb;
	struct recshape_val val;
	const cJSON *v;

	recshape_begin(&mb);
	cJSON_ArrayForEach(v, obj) {
		tree_val(v, &val);
		recshape_member(&mb, v->string, strlen(v->string), &val, r);
	}
	return recshape_verdict(&mb, err, errlen);
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
		return recshape_bad(err, errlen, "not valid JSON (at byte %zu)",
		    end != NULL && end >= line ? (size_t)(end - line) + 1 : 1);
	while (end < line + len && *end != '\0' && strchr(" \t\r\n", *end))
		end++;
	if (end < line + len)
		st = recshape_bad(err, errlen,
		    "text after the JSON object (at byte %zu)",
		    (size_t)(end - line) + 1);
	else if (!cJSON_IsObject(obj))
		st = recshape_bad(err, errlen, "not a JSON object");
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
