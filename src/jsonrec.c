/* The fast reader of replay records: one pass over a JSON Lines record, no tree. */
#include <stdlib.h>
#include <string.h>

#include "weighgate/record.h"

#include "recshape.h"

/*
 * How it fits: record_from_json (record.c) reads a record through cJSON's
 * tree and is the reference; this file tokenises the same records in one
 * pass, at the speed replay needs (docs/design.md §10), and hands each
 * member to the same rules (recshape.c), so outcome and messages match.
 * It accepts exactly the JSON that cJSON 1.7.15 accepts (white space is any
 * byte up to 0x20, a number is what strtod takes of its characters, a
 * string may hold raw control bytes, nesting stops at 1000) so that the
 * differential test in test/check_record.c can compare the two line by
 * line.  A value is read into a jval: scalars decoded, arrays and
 * objects validated and kept as the span of their text, which the few
 * handlers that want them (axle_kg, recorded_decision) walk again.
 */

#define JSTR_MAX	RECSHAPE_STR_MAX
#define JNUM_MAX	63	/* longer numbers are copied to the heap */
#define JDEPTH_MAX	1000	/* CJSON_NESTING_LIMIT */

/* A value: a struct recshape_val (recshape.h) with its text's start and end. */
typedef struct recshape_val jval;

struct jp {
	const char *p;
	const char *end;
	int depth;
};

static int parse_value(struct jp *j, jval *v);
static const struct recshape_ops text_ops;

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
put_byte(jval *v, size_t *n, bool *cut, unsigned char c)
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
put_utf8(jval *v, size_t *n, bool *cut, unsigned cp)
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
decode_escaped(const char *p, const char *end, jval *v, size_t n)
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
parse_string_slow(struct jp *j, jval *v)
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
parse_string(struct jp *j, jval *v)
{
	const char *body = j->p + 1, *q = body;
	size_t n;

	v->t = RS_STRING;
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
parse_number(struct jp *j, jval *v)
{
	char small[JNUM_MAX + 1], *buf = small, *after;
	size_t n = 0;

	while (j->p + n < j->end && num_char[(unsigned char)j->p[n]])
		n++;
	v->t = RS_NUMBER;
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
parse_literal(struct jp *j, jval *v, const char *word, enum recshape_type t)
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
parse_container(struct jp *j, jval *v, char close)
{
	jval e;

	if (j->depth >= JDEPTH_MAX)
		return -1;
	j->depth++;
	v->t = close == '}' ? RS_OBJECT : RS_ARRAY;
	v->ops = &text_ops;
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
parse_value(struct jp *j, jval *v)
{
	int rc;

	v->start = j->p;
	if (j->p >= j->end)
		return -1;
	switch (*j->p) {
	case 'n': rc = parse_literal(j, v, "null", RS_NULL); break;
	case 'f': rc = parse_literal(j, v, "false", RS_FALSE); break;
	case 't': rc = parse_literal(j, v, "true", RS_TRUE); break;
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

/* ---- walking an array or object again, for the rules of recshape.c ---- */

/* The element after j->p ('[' when first); false after the last. */
static bool
array_next(struct jp *j, jval *e, bool first)
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

static bool
text_next(const jval *a, const void **pos, jval *e)
{
	struct jp j = { *pos != NULL ? *pos : a->start, a->end, 0 };

	if (!array_next(&j, e, *pos == NULL))
		return false;
	*pos = j.p;
	return true;
}

/* The first member called name of an object value (already validated). */
static bool
text_member(const jval *o, const char *name, jval *out)
{
	struct jp j = { o->start + 1, o->end, 0 };
	jval key;

	for (;;) {
		skip_ws(&j);
		if (*j.p != '"')
			return false;
		parse_string(&j, &key);
		skip_ws(&j);
		j.p++;			/* ':' */
		skip_ws(&j);
		parse_value(&j, out);
		if (!key.long_s && strcmp(key.s, name) == 0)
			return true;
		skip_ws(&j);
		if (*j.p != ',')
			return false;
		j.p++;
	}
}

static const struct recshape_ops text_ops = { text_next, text_member };

/* ---- records ---- */

/* A member's key at j->p and its colon; j->p left at the value. */
static int
parse_key(struct jp *j, jval *key)
{
	if (j->p >= j->end || *j->p != '"' || parse_string(j, key) != 0)
		return -1;
	skip_ws(j);
	if (j->p >= j->end || *j->p++ != ':')
		return -1;
	skip_ws(j);
	return 0;
}

/* One member: its key at j->p; the value to the field it names. */
static int
read_member(struct jp *j, struct record *r, struct recshape_members *mb)
{
	jval key, v;

	if (parse_key(j, &key) != 0)
		return -1;
	if (parse_value(j, &v) != 0)
		return -1;
	recshape_member(mb, key.s, key.long_s ? 0 : key.slen, &v, r);
	return 0;
}

/* The top-level object at j->p; -1 on a syntax error. */
static int
read_object(struct jp *j, struct record *r, struct recshape_members *mb)
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

/* Past the " \t\r\n" after a value: what record_from_json calls trailing text. */
static const char *
trailing(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
		p++;
	return p;
}

enum record_status
jsonrec_read_json(const char *line, size_t len, struct record *r,
    char *err, size_t errlen)
{
	struct jp j = { line, line + len, 0 };
	struct recshape_members mb;
	jval v;
	bool object;
	int rc;

	memset(r, 0, sizeof(*r));
	meas_init(&r->m);
	recshape_begin(&mb);
	if (len >= 3 && memcmp(line, "\xef\xbb\xbf", 3) == 0)
		j.p += 3;
	skip_ws(&j);
	if ((object = j.p < j.end && *j.p == '{'))
		rc = read_object(&j, r, &mb);
	else
		rc = len == 0 ? -1 : parse_value(&j, &v);
	if (rc != 0)
		return recshape_bad(err, errlen, "not valid JSON (at byte %zu)",
		    (size_t)(j.p - line) + 1);
	if ((j.p = trailing(j.p, j.end)) < j.end)
		return recshape_bad(err, errlen,
		    "text after the JSON object (at byte %zu)",
		    (size_t)(j.p - line) + 1);
	if (!object)
		return recshape_bad(err, errlen, "not a JSON object");
	return recshape_verdict(&mb, err, errlen);
}

/*
 * The members of a weighing event body that replay wants.  The measurement
 * is read into the record where it lies, in the same pass.
 */
struct event_parts {
	jval decision, reasons;
	bool has_decision, has_reasons, has_meas;
	struct recshape_members mb;
};

static int
event_member(struct jp *j, struct event_parts *ep, struct record *r)
{
	jval key, v;

	if (parse_key(j, &key) != 0)
		return -1;
	if (!ep->has_meas && !key.long_s && j->p < j->end && *j->p == '{' &&
	    strcmp(key.s, "measurement") == 0) {
		ep->has_meas = true;
		if (read_object(j, r, &ep->mb) != 0)
			return -1;
		j->depth--;
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
jsonrec_read_event(const char *body, size_t len, struct record *r,
    char *err, size_t errlen)
{
	struct event_parts ep;

	memset(&ep, 0, sizeof(ep));
	recshape_begin(&ep.mb);
	memset(r, 0, sizeof(*r));
	meas_init(&r->m);
	if (event_parts(body, len, &ep, r) != 0)
		return recshape_bad(err, errlen, "event body: not valid JSON");
	return recshape_event(ep.has_meas ? &ep.mb : NULL,
	    ep.has_decision ? &ep.decision : NULL,
	    ep.has_reasons ? &ep.reasons : NULL, r, err, errlen);
}
