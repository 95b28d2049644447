/* The fast reader of replay records: one pass over a JSON Lines record, no tree. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "weighgate/decode.h"
#include "weighgate/record.h"
#include "weighgate/timefmt.h"

/*
 * How it fits: record_from_json (record.c) reads a record through cJSON's
 * tree and is the reference; this file reads the same records, with the
 * same outcome and the same messages, at the speed replay needs (docs/design.md §10).
 * It accepts exactly the JSON that cJSON 1.7.15 accepts (white space is any
 * byte up to 0x20, a number is what strtod takes of its characters, a
 * string may hold raw control bytes, nesting stops at 1000) so that the
 * differential test in test/check_record.c can compare the two line by
 * line.  A value is read into a struct jval: scalars decoded, arrays and
 * objects validated and kept as the span of their text, which the few
 * handlers that want them (axle_kg, recorded_decision) walk again.
 */

#define JSTR_MAX	256	/* a longer string fits no field of a record */
#define JNUM_MAX	63	/* longer numbers are copied to the heap */
#define JDEPTH_MAX	1000	/* CJSON_NESTING_LIMIT */
#define MAX_EXACT_INT	9007199254740992.0	/* 2^53 */

enum jtype { J_NULL, J_FALSE, J_TRUE, J_NUMBER, J_STRING, J_ARRAY, J_OBJECT };

struct jval {
	enum jtype t;
	double num;
	char s[JSTR_MAX];	/* decoded, cut at the first NUL as cJSON's is */
	size_t slen;		/* strlen(s) */
	bool long_s;		/* longer than JSTR_MAX - 1: matches nothing */
	const char *start;	/* the value's text */
	const char *end;
};

struct jp {
	const char *p;
	const char *end;
	int depth;
};

static int parse_value(struct jp *j, struct jval *v);

static void
skip_ws(struct jp *j)
{
	while (j->p < j->end && (unsigned char)*j->p <= 0x20)
		j->p++;
}

/* Four hex digits; 0 when one is not (cJSON's parse_hex4 does the same). */
static unsigned
hex4(const char *s)
{
	unsigned v = 0;
	int i;

	for (i = 0; i < 4; i++) {
		unsigned c = (unsigned char)s[i];

		if (c >= '0' && c <= '9')
			c -= '0';
		else if (c >= 'a' && c <= 'f')
			c -= 'a' - 10;
		else if (c >= 'A' && c <= 'F')
			c -= 'A' - 10;
		else
			return 0;
		v = v << 4 | c;
	}
	return v;
}

/* A \uXXXX escape (a surrogate pair takes two) at s; its length, 0 if bad. */
static int
unicode_escape(const char *s, const char *end, unsigned *cp)
{
	unsigned hi, lo;

	if (end - s < 6)
		return 0;
	hi = hex4(s + 2);
	if (hi >= 0xdc00 && hi <= 0xdfff)
		return 0;
	if (hi < 0xd800 || hi > 0xdbff) {
		*cp = hi;
		return 6;
	}
	if (end - (s + 6) < 6 || s[6] != '\\' || s[7] != 'u')
		return 0;
	lo = hex4(s + 8);
	if (lo < 0xdc00 || lo > 0xdfff)
		return 0;
	*cp = 0x10000 + (((hi & 0x3ff) << 10) | (lo & 0x3ff));
	return 12;
}

/* Append one byte to the decoded string, up to its first NUL. */
static void
put_byte(struct jval *v, size_t *n, bool *cut, unsigned char c)
{
	if (*cut)
		return;
	if (c == '\0') {
		*cut = true;
		return;
	}
	if (*n >= JSTR_MAX - 1) {
		v->long_s = true;
		*cut = true;
		return;
	}
	v->s[(*n)++] = (char)c;
}

static void
put_utf8(struct jval *v, size_t *n, bool *cut, unsigned cp)
{
	if (cp < 0x80)
		put_byte(v, n, cut, (unsigned char)cp);
	else if (cp < 0x800) {
		put_byte(v, n, cut, (unsigned char)(0xc0 | cp >> 6));
		put_byte(v, n, cut, (unsigned char)(0x80 | (cp & 0x3f)));
	} else if (cp < 0x10000) {
		put_byte(v, n, cut, (unsigned char)(0xe0 | cp >> 12));
		put_byte(v, n, cut, (unsigned char)(0x80 | (cp >> 6 & 0x3f)));
		put_byte(v, n, cut, (unsigned char)(0x80 | (cp & 0x3f)));
	} else {
		put_byte(v, n, cut, (unsigned char)(0xf0 | cp >> 18));
		put_byte(v, n, cut, (unsigned char)(0x80 | (cp >> 12 & 0x3f)));
		put_byte(v, n, cut, (unsigned char)(0x80 | (cp >> 6 & 0x3f)));
		put_byte(v, n, cut, (unsigned char)(0x80 | (cp & 0x3f)));
	}
}

static int
simple_escape(char c, unsigned char *out)
{
	switch (c) {
	case 'b': *out = '\b'; return 0;
	case 'f': *out = '\f'; return 0;
	case 'n': *out = '\n'; return 0;
	case 'r': *out = '\r'; return 0;
	case 't': *out = '\t'; return 0;
	case '"': case '\\': case '/': *out = (unsigned char)c; return 0;
	default: return -1;
	}
}

/* The escapes of a string whose body is [p, end): decoded into v->s. */
static int
decode_escaped(const char *p, const char *end, struct jval *v, size_t n)
{
	bool cut = false;
	unsigned char c;
	unsigned cp;
	int len;

	while (p < end) {
		if (*p != '\\') {
			put_byte(v, &n, &cut, (unsigned char)*p++);
			continue;
		}
		if (p[1] == 'u') {
			if ((len = unicode_escape(p, end, &cp)) == 0)
				return -1;
			put_utf8(v, &n, &cut, cp);
			p += len;
			continue;
		}
		if (simple_escape(p[1], &c) != 0)
			return -1;
		put_byte(v, &n, &cut, c);
		p += 2;
	}
	v->s[n] = '\0';
	return 0;
}

/* Bytes that end the fast scan of a string: '"', '\\' and NUL. */
static const unsigned char str_special[256] = {
	[0] = 1, ['"'] = 1, ['\\'] = 1,
};

/* Bytes cJSON takes into a number. */
static const unsigned char num_char[256] = {
	['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1,
	['6'] = 1, ['7'] = 1, ['8'] = 1, ['9'] = 1, ['+'] = 1, ['-'] = 1,
	['e'] = 1, ['E'] = 1, ['.'] = 1,
};

/* A string with escapes or NULs: find its end the way cJSON does. */
static int
parse_string_slow(struct jp *j, struct jval *v)
{
	const char *body = j->p + 1, *q = body;

	while (q < j->end && *q != '"') {
		if (*q == '\\') {
			if (q + 1 >= j->end)
				return -1;
			q++;
		}
		q++;
	}
	if (q >= j->end)
		return -1;
	j->p = q + 1;
	if (decode_escaped(body, q, v, 0) != 0)
		return -1;
	v->slen = strlen(v->s);
	return 0;
}

/* A string at j->p (its opening quote): decoded into v->s. */
static int
parse_string(struct jp *j, struct jval *v)
{
	const char *body = j->p + 1, *q = body;
	size_t n;

	v->t = J_STRING;
	v->long_s = false;
	while (q < j->end && !str_special[(unsigned char)*q])
		q++;
	if (q >= j->end || *q != '"')
		return parse_string_slow(j, v);
	j->p = q + 1;
	n = (size_t)(q - body);
	if (n >= JSTR_MAX) {
		n = JSTR_MAX - 1;
		v->long_s = true;
	}
	memcpy(v->s, body, n);
	v->s[n] = '\0';
	v->slen = n;
	return 0;
}

static const double pow10_tab[] = {
	1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
};

/*
 * -?D+(.D+)? with at most 15 digits: the integer over a power of ten, both
 * exact, so the one rounding of the division gives strtod's double.
 */
static int
fast_number(const char *s, size_t n, double *out)
{
	const char *e = s + n;
	uint64_t m = 0;
	int digits = 0, frac = -1;
	bool neg = *s == '-';

	if (neg)
		s++;
	if (s == e)
		return -1;
	for (; s < e; s++) {
		if (*s == '.' && frac < 0 && digits > 0 && s + 1 < e) {
			frac = 0;
			continue;
		}
		if (*s < '0' || *s > '9' || ++digits > 15)
			return -1;
		m = m * 10 + (uint64_t)(*s - '0');
		if (frac >= 0)
			frac++;
	}
	*out = (double)m / pow10_tab[frac < 0 ? 0 : frac];
	if (neg)
		*out = -*out;
	return 0;
}

/* A number as cJSON reads one: strtod over its run of number characters. */
static int
parse_number(struct jp *j, struct jval *v)
{
	char small[JNUM_MAX + 1], *buf = small, *after;
	size_t n = 0;

	while (j->p + n < j->end && num_char[(unsigned char)j->p[n]])
		n++;
	v->t = J_NUMBER;
	if (fast_number(j->p, n, &v->num) == 0) {
		j->p += n;
		return 0;
	}
	if (n > JNUM_MAX && (buf = malloc(n + 1)) == NULL)
		return -1;
	memcpy(buf, j->p, n);
	buf[n] = '\0';
	v->num = strtod(buf, &after);
	n = (size_t)(after - buf);
	if (buf != small)
		free(buf);
	if (n == 0)
		return -1;
	j->p += n;
	return 0;
}

static int
parse_literal(struct jp *j, struct jval *v, const char *word, enum jtype t)
{
	size_t n = strlen(word);

	if ((size_t)(j->end - j->p) < n || memcmp(j->p, word, n) != 0)
		return -1;
	j->p += n;
	v->t = t;
	return 0;
}

/* The members of an object or the elements of an array, validated only. */
static int
parse_container(struct jp *j, struct jval *v, char close)
{
	struct jval e;

	if (j->depth >= JDEPTH_MAX)
		return -1;
	j->depth++;
	v->t = close == '}' ? J_OBJECT : J_ARRAY;
	j->p++;
	skip_ws(j);
	if (j->p < j->end && *j->p == close)
		goto done;
	for (;;) {
		skip_ws(j);
		if (close == '}') {
			if (j->p >= j->end || *j->p != '"' ||
			    parse_string(j, &e) != 0)
				return -1;
			skip_ws(j);
			if (j->p >= j->end || *j->p++ != ':')
				return -1;
			skip_ws(j);
		}
		if (parse_value(j, &e) != 0)
			return -1;
		skip_ws(j);
		if (j->p >= j->end || *j->p != ',')
			break;
		j->p++;
	}
	if (j->p >= j->end || *j->p != close)
		return -1;
done:
	j->p++;
	j->depth--;
	return 0;
}

/* Any JSON value at j->p (no leading white space), as cJSON's parse_value. */
static int
parse_value(struct jp *j, struct jval *v)
{
	int rc;

	v->start = j->p;
	if (j->p >= j->end)
		return -1;
	switch (*j->p) {
	case 'n': rc = parse_literal(j, v, "null", J_NULL); break;
	case 'f': rc = parse_literal(j, v, "false", J_FALSE); break;
	case 't': rc = parse_literal(j, v, "true", J_TRUE); break;
	case '"': rc = parse_string(j, v); break;
	case '[': rc = parse_container(j, v, ']'); break;
	case '{': rc = parse_container(j, v, '}'); break;
	default:
		if (*j->p == '-' || (*j->p >= '0' && *j->p <= '9'))
			rc = parse_number(j, v);
		else
			rc = -1;
	}
	v->end = j->p;
	return rc;
}

/* ---- the fields: the same checks and messages as record.c ---- */

typedef const char *(*field_fn)(const struct jval *v, struct record *r);

static int
json_int(const struct jval *v, double min, double max, int64_t *out)
{
	double d = v->num;

	if (v->t != J_NUMBER || !isfinite(d) || d < min || d > max ||
	    d != floor(d))
		return -1;
	*out = (int64_t)d;
	return 0;
}

static bool
is_str(const struct jval *v)
{
	return v->t == J_STRING && !v->long_s;
}

static bool
text_ok(const struct jval *v, size_t min, size_t max)
{
	size_t i, n;

	if (!is_str(v))
		return false;
	n = strlen(v->s);
	if (n < min || n > max || !text_utf8_valid(v->s, n))
		return false;
	for (i = 0; i < n; i++)
		if ((unsigned char)v->s[i] < 0x20 || v->s[i] == 0x7f)
			return false;
	return true;
}

static const char *
f_lane(const struct jval *v, struct record *r)
{
	if (!text_ok(v, 1, MEAS_LANE_MAX - 1))
		return "must be a string of 1-15 bytes";
	memcpy(r->m.lane, v->s, strlen(v->s) + 1);
	return NULL;
}

static const char *
f_ts(const struct jval *v, struct record *r)
{
	if (!is_str(v) || ts_parse(v->s, &r->m.ts_ms) != 0)
		return "must be an RFC 3339 time";
	return NULL;
}

static const char *
f_seq(const struct jval *v, struct record *r)
{
	if (json_int(v, 0, MAX_EXACT_INT, &r->m.seq) != 0)
		return "must be a non-negative integer";
	return NULL;
}

static const char *
f_kind(const struct jval *v, struct record *r)
{
	if (!is_str(v) || meas_kind_parse(v->s, &r->m.kind) != 0)
		return "must be \"truck\", \"passenger\" or \"unknown\"";
	return NULL;
}

static const char *
f_config(const struct jval *v, struct record *r)
{
	if (!is_str(v) || meas_config_parse(v->s, &r->m.config) != 0)
		return "must be \"rigid\", \"combination\", "
		    "\"combination_single_drive\" or \"unknown\"";
	return NULL;
}

static const char *
f_axles(const struct jval *v, struct record *r)
{
	int64_t n;

	if (json_int(v, 0, 65535, &n) != 0)
		return "must be an integer 0-65535";
	r->m.axles = (int)n;
	return NULL;
}

static const char *
f_gross(const struct jval *v, struct record *r)
{
	if (json_int(v, 0, 4294967295.0, &r->m.gross_kg) != 0)
		return "must be a non-negative integer (at most 4294967295)";
	return NULL;
}

/* Walk the elements of an array value again (already validated). */
static bool
array_next(struct jp *j, struct jval *e, bool first)
{
	skip_ws(j);
	if (first) {
		j->p++;			/* '[' */
		skip_ws(j);
		if (*j->p == ']')
			return false;
	} else {
		if (*j->p != ',')
			return false;
		j->p++;
		skip_ws(j);
	}
	parse_value(j, e);
	return true;
}

static const char *
f_axle_kg(const struct jval *v, struct record *r)
{
	static const char msg[] =
	    "must be an array of at most 12 integers 0-65535";
	struct jp j = { v->start, v->end, 0 };
	struct jval e;
	bool first = true;
	int64_t w;
	int n = 0;

	if (v->t != J_ARRAY)
		return msg;
	while (array_next(&j, &e, first)) {
		first = false;
		if (n == MEAS_MAX_AXLES || json_int(&e, 0, 65535, &w) != 0)
			return msg;
		r->m.axle_kg[n++] = (int32_t)w;
	}
	r->m.n_axle_kg = n;
	return NULL;
}

static const char *
f_speed(const struct jval *v, struct record *r)
{
	double d;

	if (v->t != J_NUMBER || !isfinite(v->num) || v->num < 0 ||
	    v->num > 6553.5)
		return "must be a number 0-6553.5";
	d = floor(v->num * 10.0 + 0.5 + 1e-7);
	r->m.speed_dkmh = (int32_t)d;
	return NULL;
}

static const char *
f_plate(const struct jval *v, struct record *r)
{
	if (!text_ok(v, 0, MEAS_PLATE_MAX - 1))
		return "must be a UTF-8 string of at most 63 bytes";
	memcpy(r->m.plate, v->s, strlen(v->s) + 1);
	return NULL;
}

static const char *
f_color(const struct jval *v, struct record *r)
{
	if (!is_str(v) || meas_color_parse(v->s, &r->m.plate_color) != 0)
		return "must be blue, yellow, black, white, green, yellow-green "
		    "or unknown";
	return NULL;
}

static const char *
get_bool(const struct jval *v, bool *out)
{
	if (v->t != J_TRUE && v->t != J_FALSE)
		return "must be true or false";
	*out = v->t == J_TRUE;
	return NULL;
}

static const char *
f_valid(const struct jval *v, struct record *r)
{
	return get_bool(v, &r->m.valid);
}

static const char *
f_unstable(const struct jval *v, struct record *r)
{
	return get_bool(v, &r->m.unstable);
}

static const char *
f_fault(const struct jval *v, struct record *r)
{
	return get_bool(v, &r->m.fault);
}

static const char *
f_abnormal(const struct jval *v, struct record *r)
{
	return get_bool(v, &r->m.abnormal);
}

static const char *
f_clock_doubt(const struct jval *v, struct record *r)
{
	return get_bool(v, &r->m.clock_doubt);
}

static const char *
recorded_reasons(const struct jval *a, struct record *r)
{
	static const char msg[] = "reasons must be an array of reason names";
	struct jp j = { a->start, a->end, 0 };
	struct jval e;
	bool first = true;

	if (a->t != J_ARRAY)
		return msg;
	while (array_next(&j, &e, first)) {
		first = false;
		if (r->n_recorded_reasons == DEC_MAX_REASONS)
			return "too many reasons";
		if (!is_str(&e) || reason_parse(e.s,
		    &r->recorded_reasons[r->n_recorded_reasons]) != 0)
			return msg;
		r->n_recorded_reasons++;
	}
	return NULL;
}

/* The first "decision" and "reasons" members of an object value. */
static void
recorded_members(const struct jval *v, struct jval *d, struct jval *reasons,
    bool *has_d, bool *has_reasons)
{
	struct jp j = { v->start + 1, v->end, 0 };
	struct jval key, val;

	*has_d = *has_reasons = false;
	for (;;) {
		skip_ws(&j);
		if (*j.p != '"')
			return;
		parse_string(&j, &key);
		skip_ws(&j);
		j.p++;			/* ':' */
		skip_ws(&j);
		parse_value(&j, &val);
		if (!*has_d && !key.long_s && strcmp(key.s, "decision") == 0) {
			*d = val;
			*has_d = true;
		} else if (!*has_reasons && !key.long_s &&
		    strcmp(key.s, "reasons") == 0) {
			*reasons = val;
			*has_reasons = true;
		}
		skip_ws(&j);
		if (*j.p != ',')
			return;
		j.p++;
	}
}

static const char *
f_recorded(const struct jval *v, struct record *r)
{
	struct jval d, reasons;
	bool has_d = true, has_reasons = false;

	if (v->t == J_OBJECT)
		recorded_members(v, &d, &reasons, &has_d, &has_reasons);
	else
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

static const struct field fields[] = {
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
#define NFIELDS ((int)(sizeof(fields) / sizeof(fields[0])))
#define F_SKIP	(-2)	/* device_fault, barrier_manual: not a weighing */

static bool
field_is(const struct jval *key, int i)
{
	return key->slen == fields[i].len && key->s[0] == fields[i].name[0] &&
	    memcmp(key->s, fields[i].name, key->slen) == 0;
}

/* The field a key names; *hint (the field after the last) is tried first. */
static int
field_index(const struct jval *key, int *hint)
{
	int i;

	if (key->long_s)
		return -1;
	if (*hint < NFIELDS && field_is(key, *hint))
		return (*hint)++;
	for (i = 0; i < NFIELDS; i++)
		if (field_is(key, i)) {
			*hint = i + 1;
			return i;
		}
	if (strcmp(key->s, "device_fault") == 0 ||
	    strcmp(key->s, "barrier_manual") == 0)
		return F_SKIP;
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

/* What reading the members found: the first bad field, a skip key. */
struct members {
	bool seen[NFIELDS];
	bool skip;
	int hint;			/* the field expected next */
	int bad_field;			/* -1: none */
	const char *why;		/* NULL with bad_field: duplicate */
};

/* One member: its key at j->p; the value through its field's handler. */
static int
read_member(struct jp *j, struct record *r, struct members *mb)
{
	struct jval key, v;
	int k;

	if (j->p >= j->end || *j->p != '"' || parse_string(j, &key) != 0)
		return -1;
	skip_ws(j);
	if (j->p >= j->end || *j->p++ != ':')
		return -1;
	skip_ws(j);
	if (parse_value(j, &v) != 0)
		return -1;
	if ((k = field_index(&key, &mb->hint)) == F_SKIP)
		mb->skip = true;
	if (k < 0 || mb->bad_field >= 0)
		return 0;
	if (mb->seen[k]) {
		mb->bad_field = k;
		mb->why = NULL;
		return 0;
	}
	mb->seen[k] = true;
	if ((mb->why = fields[k].fn(&v, r)) != NULL)
		mb->bad_field = k;
	return 0;
}

/* The top-level object at j->p; -1 on a syntax error. */
static int
read_object(struct jp *j, struct record *r, struct members *mb)
{
	j->depth++;
	j->p++;
	skip_ws(j);
	if (j->p < j->end && *j->p == '}') {
		j->p++;
		return 0;
	}
	for (;;) {
		skip_ws(j);
		if (read_member(j, r, mb) != 0)
			return -1;
		skip_ws(j);
		if (j->p >= j->end || *j->p != ',')
			break;
		j->p++;
	}
	if (j->p >= j->end || *j->p != '}')
		return -1;
	j->p++;
	return 0;
}

/* What the members say, in record_from_json's order of checks. */
static enum record_status
verdict(const struct members *mb, char *err, size_t errlen)
{
	int i;

	if (mb->skip)
		return RECORD_SKIP;
	if (mb->bad_field >= 0)
		return mb->why == NULL ?
		    bad(err, errlen, "%s: duplicate key",
		    fields[mb->bad_field].name) :
		    bad(err, errlen, "%s: %s", fields[mb->bad_field].name,
		    mb->why);
	for (i = 0; i < NFIELDS; i++)
		if (fields[i].required && !mb->seen[i])
			return bad(err, errlen, "%s: missing", fields[i].name);
	return RECORD_OK;
}

/* Past the " \t\r\n" after a value: what record_from_json calls trailing text. */
static const char *
trailing(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
		p++;
	return p;
}

enum record_status
record_read_json(const char *line, size_t len, struct record *r,
    char *err, size_t errlen)
{
	struct jp j = { line, line + len, 0 };
	struct members mb = { .bad_field = -1 };
	struct jval v;
	bool object;
	int rc;

	memset(r, 0, sizeof(*r));
	meas_init(&r->m);
	if (len >= 3 && memcmp(line, "\xef\xbb\xbf", 3) == 0)
		j.p += 3;
	skip_ws(&j);
	if ((object = j.p < j.end && *j.p == '{'))
		rc = read_object(&j, r, &mb);
	else
		rc = len == 0 ? -1 : parse_value(&j, &v);
	if (rc != 0)
		return bad(err, errlen, "not valid JSON (at byte %zu)",
		    (size_t)(j.p - line) + 1);
	if ((j.p = trailing(j.p, j.end)) < j.end)
		return bad(err, errlen, "text after the JSON object (at byte %zu)",
		    (size_t)(j.p - line) + 1);
	if (!object)
		return bad(err, errlen, "not a JSON object");
	return verdict(&mb, err, errlen);
}

/*
 * The members of a weighing event body that replay wants.  The measurement
 * is read into the record where it lies, in the same pass.
 */
struct event_parts {
	struct jval decision, reasons;
	bool has_decision, has_reasons, has_meas;
	struct members mb;
	char meas_err[200];
	enum record_status meas_st;
};

static int
event_member(struct jp *j, struct event_parts *ep, struct record *r)
{
	struct jval key, v;

	if (j->p >= j->end || *j->p != '"' || parse_string(j, &key) != 0)
		return -1;
	skip_ws(j);
	if (j->p >= j->end || *j->p++ != ':')
		return -1;
	skip_ws(j);
	if (!ep->has_meas && !key.long_s && j->p < j->end && *j->p == '{' &&
	    strcmp(key.s, "measurement") == 0) {
		ep->has_meas = true;
		if (read_object(j, r, &ep->mb) != 0)
			return -1;
		j->depth--;
		ep->meas_st = verdict(&ep->mb, ep->meas_err,
		    sizeof(ep->meas_err));
		return 0;
	}
	if (parse_value(j, &v) != 0)
		return -1;
	if (key.long_s)
		return 0;
	if (!ep->has_decision && strcmp(key.s, "decision") == 0) {
		ep->decision = v;
		ep->has_decision = true;
	} else if (!ep->has_reasons && strcmp(key.s, "reasons") == 0) {
		ep->reasons = v;
		ep->has_reasons = true;
	}
	return 0;
}

static int
event_parts(const char *body, size_t len, struct event_parts *ep,
    struct record *r)
{
	struct jp j = { body, body + len, 1 };

	skip_ws(&j);
	if (j.p >= j.end || *j.p++ != '{')
		return -1;
	skip_ws(&j);
	if (j.p < j.end && *j.p == '}')
		return trailing(j.p + 1, j.end) < j.end ? -1 : 0;
	for (;;) {
		skip_ws(&j);
		if (event_member(&j, ep, r) != 0)
			return -1;
		skip_ws(&j);
		if (j.p >= j.end || *j.p != ',')
			break;
		j.p++;
	}
	if (j.p >= j.end || *j.p++ != '}')
		return -1;
	return trailing(j.p, j.end) < j.end ? -1 : 0;
}

enum record_status
record_read_event(const char *body, size_t len, struct record *r,
    char *err, size_t errlen)
{
	struct event_parts ep;
	const char *why;

	memset(&ep, 0, sizeof(ep));
	ep.mb.bad_field = -1;
	memset(r, 0, sizeof(*r));
	meas_init(&r->m);
	if (event_parts(body, len, &ep, r) != 0)
		return bad(err, errlen, "event body: not valid JSON");
	if (!ep.has_meas)
		return bad(err, errlen, "measurement: missing or not an object");
	if (ep.meas_st != RECORD_OK)
		return ep.meas_st == RECORD_SKIP ? bad(err, errlen,
		    "measurement: not a weighing") : bad(err, errlen,
		    "measurement: %s", ep.meas_err);
	if (!ep.has_decision || !is_str(&ep.decision) ||
	    decision_kind_parse(ep.decision.s, &r->recorded) != 0)
		return bad(err, errlen, "decision: missing or not a decision");
	r->has_recorded = true;
	r->n_recorded_reasons = 0;
	if (ep.has_reasons && (why = recorded_reasons(&ep.reasons, r)) != NULL)
		return bad(err, errlen, "%s", why);
	return RECORD_OK;
}
