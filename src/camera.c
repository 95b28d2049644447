/*
 * Plate reads pushed by lane cameras (docs/camera.md): the dispatcher, the
 * checks every form shares (charset, plate, colour, confidence, time), and
 * the two JSON forms (ISAPI JSON and the generic push) on cJSON.
 * camera_xml.c parses the ISAPI XML on expat, camera_multipart.c splits
 * multipart/form-data bodies.  Pure functions: no socket, file or clock.
 */
#include <ctype.h>
#include <errno.h>
#include <iconv.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "weighgate/plate.h"
#include "weighgate/timefmt.h"
#include "camera_int.h"

const struct isapi_name camera_isapi_names[ISAPI_NFIELDS] = {
	[ISAPI_EVENT_TYPE] = { "eventType", false },
	[ISAPI_DATE_TIME] = { "dateTime", false },
	[ISAPI_CHANNEL] = { "channelID", false },
	[ISAPI_DYN_CHANNEL] = { "dynChannelID", false },
	[ISAPI_IP] = { "ipAddress", false },
	[ISAPI_IPV6] = { "ipv6Address", false },
	[ISAPI_MAC] = { "macAddress", false },
	[ISAPI_DEVICE] = { "deviceID", false },
	[ISAPI_ANPR] = { "ANPR", false },
	[ISAPI_ANPR_PLATE] = { "licensePlate", true },
	[ISAPI_ANPR_COLOR] = { "plateColor", true },
	[ISAPI_ANPR_CONFIDENCE] = { "confidenceLevel", true },
};

static const char *const color_names[] = {
	[CAMERA_COLOR_UNKNOWN] = "unknown",
	[CAMERA_COLOR_BLUE] = "blue",
	[CAMERA_COLOR_YELLOW] = "yellow",
	[CAMERA_COLOR_WHITE] = "white",
	[CAMERA_COLOR_BLACK] = "black",
	[CAMERA_COLOR_GREEN] = "green",
	[CAMERA_COLOR_YELLOW_GREEN] = "yellowGreen",
	[CAMERA_COLOR_OTHER] = "other",
};

/* Plates that mean "the camera saw no plate", once normalised. */
static const char *const no_plate[] = { "", "无车牌", "UNKNOWN" };

void
camera_limits_default(struct camera_limits *lim)
{
	lim->body_max = 2u << 20;
	lim->alarm_max = 64u << 10;
	lim->part_max = 1u << 20;
	lim->parts_max = 8;
	lim->depth_max = 16;
}

const char *
camera_color_name(enum camera_color c)
{
	return (unsigned)c <= CAMERA_COLOR_OTHER ? color_names[c] : "?";
}

void
camera_errf(char *err, size_t errsz, const char *fmt, ...)
{
	va_list ap;

	if (errsz == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errsz, fmt, ap);
	va_end(ap);
}

void
camera_read_clear(struct camera_read *r, enum camera_format f)
{
	memset(r, 0, sizeof(*r));
	r->format = f;
	r->confidence = -1;
}

/* --- charsets ------------------------------------------------------------ */

/* iconv's name for an accepted charset, or NULL. */
static const char *
charset_iconv_name(const char *cs)
{
	static const char *const gb[] = {
		"GB18030", "GBK", "GB2312", "CP936", "X-GBK", "EUC-CN",
	};
	size_t i;

	if (cs == NULL || *cs == '\0' || strcasecmp(cs, "UTF-8") == 0 ||
	    strcasecmp(cs, "UTF8") == 0)
		return "UTF-8";
	if (strcasecmp(cs, "US-ASCII") == 0 || strcasecmp(cs, "ASCII") == 0)
		return "ASCII";
	for (i = 0; i < sizeof(gb) / sizeof(gb[0]); i++)
		if (strcasecmp(cs, gb[i]) == 0)
			return "GB18030";
	return NULL;
}

int
camera_to_utf8(const char *buf, size_t len, const char *charset,
    char **out, size_t *outlen, char *err, size_t errsz)
{
	const char *from = charset_iconv_name(charset);
	size_t cap = len * 2 + 4, inleft = len, outleft = cap - 1;
	char *in = (char *)buf, *o, *res;
	iconv_t cd;

	if (from == NULL) {
		camera_errf(err, errsz, "charset \"%s\" not accepted "
		    "(UTF-8, GB18030, GBK, GB2312)", charset);
		return -1;
	}
	if ((res = malloc(cap)) == NULL ||
	    (cd = iconv_open("UTF-8", from)) == (iconv_t)-1) {
		free(res);
		camera_errf(err, errsz, "no %s converter", from);
		return -1;
	}
	o = res;
	if (iconv(cd, &in, &inleft, &o, &outleft) == (size_t)-1) {
		camera_errf(err, errsz, "not valid %s at byte %zu", from,
		    (size_t)(in - buf));
		iconv_close(cd);
		free(res);
		return -1;
	}
	iconv_close(cd);
	*o = '\0';
	*out = res;
	*outlen = (size_t)(o - res);
	return 0;
}

/* --- header values -------------------------------------------------------- */

/* Copy one parameter value (token or quoted string) from s into out. */
static int
param_value(const char *s, char *out, size_t outsz)
{
	size_t n = 0;
	bool quoted = *s == '"';

	if (quoted)
		s++;
	while (*s != '\0' && (quoted ? *s != '"' : (*s != ';' && *s != ' ' &&
	    *s != '\t'))) {
		if (quoted && *s == '\\' && s[1] != '\0')
			s++;
		if (n + 1 >= outsz)
			return -1;
		out[n++] = *s++;
	}
	if (quoted && *s != '"')
		return -1;
	out[n] = '\0';
	return 0;
}

int
camera_header_param(const char *value, const char *name, char *out,
    size_t outsz)
{
	size_t nl = strlen(name);
	const char *s = value;
	bool quoted = false;

	for (; *s != '\0'; s++) {
		if (*s == '"' && (s == value || s[-1] != '\\'))
			quoted = !quoted;
		if (quoted || *s != ';')
			continue;
		s++;
		while (*s == ' ' || *s == '\t')
			s++;
		if (strncasecmp(s, name, nl) == 0 && s[nl] == '=')
			return param_value(s + nl + 1, out, outsz);
		s--;
	}
	return -1;
}

bool
camera_type_is(const char *value, const char *kind)
{
	size_t n = strcspn(value, "; \t");
	size_t k = strlen(kind);
	const char *slash = memchr(value, '/', n);

	if (strcmp(kind, "multipart") == 0)
		return (n == 19 && strncasecmp(value, "multipart/form-data", n) == 0) ||
		    (n == 15 && strncasecmp(value, "multipart/mixed", n) == 0);
	if (slash == NULL)
		return false;
	/* text/xml, application/xml, application/json, and the +xml, +json kinds */
	if ((size_t)(value + n - slash - 1) == k &&
	    strncasecmp(slash + 1, kind, k) == 0)
		return true;
	return n > k + 1 && value[n - k - 1] == '+' &&
	    strncasecmp(value + n - k, kind, k) == 0;
}

/* --- the read's fields ------------------------------------------------------ */

/* Text that may go into a read: no control characters, and it fits. */
static int
copy_text(char *dst, size_t dstsz, const char *src, const char *what,
    char *err, size_t errsz)
{
	size_t n = strlen(src), i;

	for (i = 0; i < n; i++)
		if ((unsigned char)src[i] < 0x20 || src[i] == 0x7f) {
			camera_errf(err, errsz, "%s: control character at "
			    "byte %zu", what, i);
			return -1;
		}
	if (n >= dstsz) {
		camera_errf(err, errsz, "%s: longer than %zu bytes", what,
		    dstsz - 1);
		return -1;
	}
	memcpy(dst, src, n + 1);
	return 0;
}

static int
set_plate(struct camera_read *r, const char *text, const char *what,
    char *err, size_t errsz)
{
	char raw[CAMERA_TEXT_MAX];
	size_t i;

	if (copy_text(raw, sizeof(raw), text, what, err, errsz) < 0)
		return -1;
	if (plate_normalize(raw, r->plate, sizeof(r->plate)) < 0) {
		camera_errf(err, errsz, "%s: not a plate (invalid UTF-8, or "
		    "longer than %d bytes normalised)", what,
		    CAMERA_PLATE_MAX - 1);
		return -1;
	}
	r->has_plate = true;
	for (i = 0; i < sizeof(no_plate) / sizeof(no_plate[0]); i++)
		if (strcmp(r->plate, no_plate[i]) == 0) {
			r->has_plate = false;
			r->plate[0] = '\0';
		}
	return 0;
}

/* A colour name; strict refuses names this version does not know. */
static int
set_color(struct camera_read *r, const char *text, bool strict,
    const char *what, char *err, size_t errsz)
{
	unsigned c;

	for (c = CAMERA_COLOR_UNKNOWN; c < CAMERA_COLOR_OTHER; c++)
		if (strcasecmp(text, color_names[c]) == 0) {
			r->color = (enum camera_color)c;
			return 0;
		}
	if (strict) {
		camera_errf(err, errsz, "%s: \"%.32s\" is not a plate colour "
		    "(docs/camera.md)", what, text);
		return -1;
	}
	r->color = *text == '\0' ? CAMERA_COLOR_UNKNOWN : CAMERA_COLOR_OTHER;
	return 0;
}

static int
set_confidence(struct camera_read *r, long long v, const char *what,
    char *err, size_t errsz)
{
	if (v < 0 || v > 100) {
		camera_errf(err, errsz, "%s: %lld is not in 0-100", what, v);
		return -1;
	}
	r->confidence = (int)v;
	return 0;
}

/* A decimal integer with nothing around it but blanks; 0 or -1. */
static int
parse_int(const char *s, long long *v)
{
	char *end;

	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
		s++;
	if (!isdigit((unsigned char)*s) && *s != '-')
		return -1;
	errno = 0;
	*v = strtoll(s, &end, 10);
	if (errno != 0 || end == s)
		return -1;
	while (*end == ' ' || *end == '\t' || *end == '\n' || *end == '\r')
		end++;
	return *end == '\0' ? 0 : -1;
}

/* The camera's time as text, and in UTC where it carries an offset. */
static int
set_time(struct camera_read *r, const char *text, const char *what,
    char *err, size_t errsz)
{
	if (copy_text(r->time_text, sizeof(r->time_text), text, what, err,
	    errsz) < 0)
		return -1;
	r->time_ok = ts_parse(r->time_text, &r->time_ms) == 0;
	return 0;
}

/* --- ISAPI, both forms -------------------------------------------------------- */

/* "<ANPR/licensePlate> (line 12)" for messages. */
static const char *
isapi_where(const struct isapi_fields *f, enum isapi_field i, char *buf,
    size_t bufsz)
{
	const struct isapi_name *n = &camera_isapi_names[i];
	int k = snprintf(buf, bufsz, "<%s%s>", n->in_anpr ? "ANPR/" : "",
	    n->name);

	if (f->line[i] != 0 && k > 0 && (size_t)k < bufsz)
		snprintf(buf + k, bufsz - (size_t)k, " (line %lu)", f->line[i]);
	return buf;
}

/* Copy one identifying field (first of a and b that is present). */
static int
isapi_id(const struct isapi_fields *f, enum isapi_field a,
    enum isapi_field b, char *dst, char *err, size_t errsz)
{
	enum isapi_field i = f->text[a] != NULL ? a : b;
	char where[64];

	if (f->text[i] == NULL)
		return 0;
	return copy_text(dst, CAMERA_ID_MAX, f->text[i],
	    isapi_where(f, i, where, sizeof(where)), err, errsz);
}

static int
isapi_ids(const struct isapi_fields *f, struct camera_read *r, char *err,
    size_t errsz)
{
	char where[64];

	if (isapi_id(f, ISAPI_DEVICE, ISAPI_DEVICE, r->camera, err, errsz) < 0 ||
	    isapi_id(f, ISAPI_CHANNEL, ISAPI_DYN_CHANNEL, r->channel, err,
	    errsz) < 0 ||
	    isapi_id(f, ISAPI_IP, ISAPI_IPV6, r->ip, err, errsz) < 0 ||
	    isapi_id(f, ISAPI_MAC, ISAPI_MAC, r->mac, err, errsz) < 0)
		return -1;
	if (f->text[ISAPI_DATE_TIME] != NULL &&
	    set_time(r, f->text[ISAPI_DATE_TIME], isapi_where(f,
	    ISAPI_DATE_TIME, where, sizeof(where)), err, errsz) < 0)
		return -1;
	return 0;
}

static int
isapi_anpr(const struct isapi_fields *f, struct camera_read *r, char *err,
    size_t errsz)
{
	char where[64];
	long long v;

	if (f->text[ISAPI_ANPR] == NULL) {
		camera_errf(err, errsz, "ANPR alarm without an <ANPR> element");
		return -1;
	}
	if (f->text[ISAPI_ANPR_PLATE] == NULL) {
		camera_errf(err, errsz, "ANPR alarm without <ANPR/licensePlate>");
		return -1;
	}
	if (set_plate(r, f->text[ISAPI_ANPR_PLATE], isapi_where(f,
	    ISAPI_ANPR_PLATE, where, sizeof(where)), err, errsz) < 0)
		return -1;
	if (f->text[ISAPI_ANPR_COLOR] != NULL)
		(void)set_color(r, f->text[ISAPI_ANPR_COLOR], false, "", err,
		    errsz);
	if (f->text[ISAPI_ANPR_CONFIDENCE] == NULL)
		return 0;
	isapi_where(f, ISAPI_ANPR_CONFIDENCE, where, sizeof(where));
	if (parse_int(f->text[ISAPI_ANPR_CONFIDENCE], &v) < 0) {
		camera_errf(err, errsz, "%s: \"%.32s\" is not an integer",
		    where, f->text[ISAPI_ANPR_CONFIDENCE]);
		return -1;
	}
	return set_confidence(r, v, where, err, errsz);
}

enum camera_status
camera_isapi_finish(const struct isapi_fields *f, struct camera_read *r,
    char *err, size_t errsz)
{
	char where[64];

	if (f->text[ISAPI_EVENT_TYPE] == NULL) {
		camera_errf(err, errsz, "EventNotificationAlert without "
		    "<eventType>");
		return CAMERA_BAD;
	}
	if (copy_text(r->event_type, sizeof(r->event_type),
	    f->text[ISAPI_EVENT_TYPE], isapi_where(f, ISAPI_EVENT_TYPE, where,
	    sizeof(where)), err, errsz) < 0 || isapi_ids(f, r, err, errsz) < 0)
		return CAMERA_BAD;
	if (strcasecmp(r->event_type, "ANPR") != 0)
		return CAMERA_OTHER;
	return isapi_anpr(f, r, err, errsz) < 0 ? CAMERA_BAD : CAMERA_PLATE;
}

/* --- JSON ------------------------------------------------------------------- */

/* Deepest {/[ nesting outside strings; stops counting past max. */
static unsigned
json_depth(const char *s, size_t len, unsigned max)
{
	unsigned d = 0, deepest = 0;
	bool str = false;
	size_t i;

	for (i = 0; i < len && deepest <= max; i++) {
		if (str) {
			if (s[i] == '\\')
				i++;
			else if (s[i] == '"')
				str = false;
		} else if (s[i] == '"')
			str = true;
		else if (s[i] == '{' || s[i] == '[') {
			if (++d > deepest)
				deepest = d;
		} else if ((s[i] == '}' || s[i] == ']') && d > 0)
			d--;
	}
	return deepest;
}

/* Parse a JSON document into an object: converted, bounded, whole. */
static cJSON *
json_doc(const char *buf, size_t len, const char *charset,
    const struct camera_limits *lim, char *err, size_t errsz)
{
	const char *end = NULL;
	char *u8 = NULL, *nul;
	size_t n;
	cJSON *doc = NULL;

	if (len > lim->alarm_max) {
		camera_errf(err, errsz, "JSON of %zu bytes is over the limit "
		    "of %zu", len, lim->alarm_max);
		return NULL;
	}
	if ((nul = memchr(buf, '\0', len)) != NULL) {
		camera_errf(err, errsz, "NUL byte at byte %zu", (size_t)(nul - buf));
		return NULL;
	}
	if (camera_to_utf8(buf, len, charset, &u8, &n, err, errsz) < 0)
		return NULL;
	if (json_depth(u8, n, lim->depth_max) > lim->depth_max)
		camera_errf(err, errsz, "JSON nested deeper than %u",
		    lim->depth_max);
	else if ((doc = cJSON_ParseWithLengthOpts(u8, n, &end, 0)) == NULL)
		camera_errf(err, errsz, "not valid JSON at byte %zu",
		    end != NULL ? (size_t)(end - u8) : (size_t)0);
	else if (!cJSON_IsObject(doc)) {
		camera_errf(err, errsz, "the JSON document is not an object");
		cJSON_Delete(doc);
		doc = NULL;
	} else {
		while (end < u8 + n && strchr(" \t\r\n", *end) != NULL)
			end++;
		if (end < u8 + n) {
			camera_errf(err, errsz, "data after the JSON object at "
			    "byte %zu", (size_t)(end - u8));
			cJSON_Delete(doc);
			doc = NULL;
		}
	}
	free(u8);
	return doc;
}

/* The member name of obj, or NULL; a name given twice is refused. */
static int
json_member(const cJSON *obj, const char *name, const cJSON **out,
    const char *where, char *err, size_t errsz)
{
	const cJSON *c;

	*out = NULL;
	for (c = obj->child; c != NULL; c = c->next) {
		if (c->string == NULL || strcmp(c->string, name) != 0)
			continue;
		if (*out != NULL) {
			camera_errf(err, errsz, "%s%s: given twice", where, name);
			return -1;
		}
		*out = c;
	}
	return 0;
}

/* A string, or an integral number, as text (ISAPI writes either). */
static int
json_text(const cJSON *v, char *buf, size_t bufsz, const char *where,
    const char *name, char *err, size_t errsz)
{
	double d;

	if (cJSON_IsString(v)) {
		if (strlen(v->valuestring) >= bufsz) {
			camera_errf(err, errsz, "%s%s: longer than %zu bytes",
			    where, name, bufsz - 1);
			return -1;
		}
		strcpy(buf, v->valuestring);
		return 0;
	}
	d = cJSON_IsNumber(v) ? v->valuedouble : 0.5;
	if (d < -1e15 || d > 1e15 || d != (double)(long long)d) {
		camera_errf(err, errsz, "%s%s: not a string or an integer",
		    where, name);
		return -1;
	}
	snprintf(buf, bufsz, "%lld", (long long)d);
	return 0;
}

/* Take the ISAPI fields of one JSON object (top level or ANPR). */
static int
json_isapi_fields(const cJSON *obj, bool anpr, struct isapi_fields *f,
    char (*texts)[CAMERA_TEXT_MAX], char *err, size_t errsz)
{
	const char *where = anpr ? "ANPR." : "";
	const cJSON *v;
	unsigned i;

	for (i = 0; i < ISAPI_NFIELDS; i++) {
		if (camera_isapi_names[i].in_anpr != anpr)
			continue;
		if (json_member(obj, camera_isapi_names[i].name, &v, where, err,
		    errsz) < 0)
			return -1;
		if (v == NULL || cJSON_IsNull(v))
			continue;
		if (i == ISAPI_ANPR) {
			if (!cJSON_IsObject(v)) {
				camera_errf(err, errsz, "ANPR: not an object");
				return -1;
			}
			f->text[i] = "";
			if (json_isapi_fields(v, true, f, texts, err, errsz) < 0)
				return -1;
			continue;
		}
		if (json_text(v, texts[i], CAMERA_TEXT_MAX, where,
		    camera_isapi_names[i].name, err, errsz) < 0)
			return -1;
		f->text[i] = texts[i];
	}
	return 0;
}

static enum camera_status
json_isapi(const cJSON *doc, struct camera_read *r, char *err, size_t errsz)
{
	char texts[ISAPI_NFIELDS][CAMERA_TEXT_MAX];
	struct isapi_fields f;

	memset(&f, 0, sizeof(f));
	camera_read_clear(r, CAMERA_ISAPI_JSON);
	if (json_isapi_fields(doc, false, &f, texts, err, errsz) < 0)
		return CAMERA_BAD;
	return camera_isapi_finish(&f, r, err, errsz);
}

enum camera_status
camera_parse_isapi_json(const char *buf, size_t len, const char *charset,
    const struct camera_limits *lim, struct camera_read *r, char *err,
    size_t errsz)
{
	cJSON *doc = json_doc(buf, len, charset, lim, err, errsz);
	enum camera_status st;

	camera_read_clear(r, CAMERA_ISAPI_JSON);
	if (doc == NULL)
		return CAMERA_BAD;
	st = json_isapi(doc, r, err, errsz);
	cJSON_Delete(doc);
	return st;
}

/* --- the generic push ------------------------------------------------------- */

/* "ts": RFC 3339 text with an offset, or integer Unix milliseconds. */
static int
generic_ts(const cJSON *v, struct camera_read *r, char *err, size_t errsz)
{
	if (cJSON_IsString(v)) {
		if (set_time(r, v->valuestring, "ts", err, errsz) < 0)
			return -1;
		if (r->time_ok)
			return 0;
	} else if (cJSON_IsNumber(v) && v->valuedouble >= 0 &&
	    v->valuedouble <= 253402300799999.0 &&
	    v->valuedouble == (double)(int64_t)v->valuedouble) {
		r->time_ms = (int64_t)v->valuedouble;
		r->time_ok = true;
		snprintf(r->time_text, sizeof(r->time_text), "%" PRId64,
		    r->time_ms);
		return 0;
	}
	camera_errf(err, errsz, "ts: not RFC 3339 with an offset, nor Unix "
	    "milliseconds");
	return -1;
}

/* A generic key: absent (optional), or of the wanted cJSON type. */
static int
generic_member(const cJSON *doc, const char *name, int type, bool required,
    const cJSON **v, char *err, size_t errsz)
{
	if (json_member(doc, name, v, "", err, errsz) < 0)
		return -1;
	if (*v == NULL && !required)
		return 0;
	if (*v == NULL) {
		camera_errf(err, errsz, "%s: required", name);
		return -1;
	}
	if (type != 0 && ((*v)->type & 0xff) != type) {
		camera_errf(err, errsz, "%s: not a %s", name,
		    type == cJSON_String ? "string" : "number");
		return -1;
	}
	return 0;
}

static int
generic_fields(const cJSON *doc, struct camera_read *r, char *err,
    size_t errsz)
{
	const cJSON *cam, *ts, *plate, *color, *conf;

	if (generic_member(doc, "camera", cJSON_String, true, &cam, err, errsz) < 0 ||
	    generic_member(doc, "plate", cJSON_String, true, &plate, err, errsz) < 0 ||
	    generic_member(doc, "ts", 0, false, &ts, err, errsz) < 0 ||
	    generic_member(doc, "color", cJSON_String, false, &color, err, errsz) < 0 ||
	    generic_member(doc, "confidence", cJSON_Number, false, &conf, err,
	    errsz) < 0)
		return -1;
	if (*cam->valuestring == '\0') {
		camera_errf(err, errsz, "camera: empty");
		return -1;
	}
	if (copy_text(r->camera, sizeof(r->camera), cam->valuestring, "camera",
	    err, errsz) < 0 ||
	    set_plate(r, plate->valuestring, "plate", err, errsz) < 0 ||
	    (ts != NULL && generic_ts(ts, r, err, errsz) < 0) ||
	    (color != NULL && set_color(r, color->valuestring, true, "color",
	    err, errsz) < 0))
		return -1;
	if (conf == NULL)
		return 0;
	if (conf->valuedouble >= 0 && conf->valuedouble <= 100 &&
	    conf->valuedouble != (double)(int)conf->valuedouble) {
		camera_errf(err, errsz, "confidence: not an integer");
		return -1;
	}
	if (conf->valuedouble < 0 || conf->valuedouble > 100) {
		camera_errf(err, errsz, "confidence: %g is not in 0-100",
		    conf->valuedouble);
		return -1;
	}
	return set_confidence(r, (long long)conf->valuedouble, "confidence",
	    err, errsz);
}

enum camera_status
camera_parse_generic(const char *buf, size_t len, const char *charset,
    const struct camera_limits *lim, struct camera_read *r, char *err,
    size_t errsz)
{
	cJSON *doc = json_doc(buf, len, charset, lim, err, errsz);
	int rc;

	camera_read_clear(r, CAMERA_GENERIC_JSON);
	if (doc == NULL)
		return CAMERA_BAD;
	rc = generic_fields(doc, r, err, errsz);
	cJSON_Delete(doc);
	if (rc < 0)
		return CAMERA_BAD;
	snprintf(r->event_type, sizeof(r->event_type), "plate");
	return CAMERA_PLATE;
}

/* --- any push ------------------------------------------------------------------ */

/* JSON of either form: an "eventType" key makes it an ISAPI alert. */
static enum camera_status
parse_json(const char *buf, size_t len, const char *charset,
    const struct camera_limits *lim, struct camera_read *r, char *err,
    size_t errsz)
{
	cJSON *doc = json_doc(buf, len, charset, lim, err, errsz);
	enum camera_status st = CAMERA_BAD;

	camera_read_clear(r, CAMERA_GENERIC_JSON);
	if (doc == NULL)
		return CAMERA_BAD;
	if (cJSON_GetObjectItemCaseSensitive(doc, "eventType") != NULL)
		st = json_isapi(doc, r, err, errsz);
	else if (generic_fields(doc, r, err, errsz) == 0) {
		snprintf(r->event_type, sizeof(r->event_type), "plate");
		st = CAMERA_PLATE;
	}
	cJSON_Delete(doc);
	return st;
}

enum camera_status
camera_parse(const char *content_type, const char *buf, size_t len,
    const struct camera_limits *lim, struct camera_read *r, char *err,
    size_t errsz)
{
	char cs[32] = "";
	const char *charset = NULL;
	size_t i = 0;

	camera_read_clear(r, CAMERA_GENERIC_JSON);
	if (len > lim->body_max) {
		camera_errf(err, errsz, "body of %zu bytes is over the limit "
		    "of %zu", len, lim->body_max);
		return CAMERA_BAD;
	}
	if (content_type != NULL && *content_type != '\0') {
		if (camera_type_is(content_type, "multipart"))
			return camera_parse_multipart(content_type, buf, len,
			    lim, r, err, errsz);
		if (camera_header_param(content_type, "charset", cs,
		    sizeof(cs)) == 0)
			charset = cs;
		if (camera_type_is(content_type, "xml"))
			return camera_parse_isapi_xml(buf, len, charset, lim, r,
			    err, errsz);
		if (camera_type_is(content_type, "json"))
			return parse_json(buf, len, charset, lim, r, err, errsz);
		camera_errf(err, errsz, "Content-Type \"%.64s\" is not XML, "
		    "JSON or multipart/form-data", content_type);
		return CAMERA_BAD;
	}
	while (i < len && strchr(" \t\r\n", buf[i]) != NULL && buf[i] != '\0')
		i++;
	if (i < len && buf[i] == '<')
		return camera_parse_isapi_xml(buf, len, NULL, lim, r, err, errsz);
	if (i < len && buf[i] == '{')
		return parse_json(buf, len, NULL, lim, r, err, errsz);
	camera_errf(err, errsz, "no Content-Type, and the body is neither XML "
	    "nor JSON");
	return CAMERA_BAD;
}
