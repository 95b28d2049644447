/* Device profile files (weighgate-profiles(5)) read with libinih into a struct profile. */
/*
 * As in config.c, the reader hands libinih one line at a time, counts
 * lines and reads section headers itself, so every error names FILE:LINE.
 * Each section kind has a declarative table of keys (name, type, range,
 * where the value goes); profile_finish() then applies the numbering and
 * base, checks what can only be checked across keys and sections (spans,
 * limits, types, overlapping writes) and plans the read requests.
 */
#include <errno.h>
#include <ini.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "weighgate/iniline.h"
#include "profile_int.h"

#define LINE_MAX_BYTES	1000

enum ktype { KT_INT, KT_ENUM, KT_BOOL, KT_SCALE, KT_BITS, KT_MAP,
	KT_DECIMALS, KT_NAME };

struct pkey {
	enum psect sect;
	const char *name;
	enum ktype type;
	int64_t min, max;
	const char *const *words;
	size_t off;		/* in the section's struct */
};

static const char *const w_kind[] = { "scale", "io", "led", NULL };
static const char *const w_table[] = { "coil", "discrete", "holding",
	"input", NULL };
static const char *const w_type[] = { "u16", "s16", "u32", "s32", "f32",
	"bcd", "text", "bit", "bits", NULL };
static const char *const w_order[] = { "ABCD", "CDAB", "BADC", "DCBA", NULL };
static const char *const w_enc[] = { "GB18030", "UTF-8", "ASCII", NULL };
static const char *const w_bytes[] = { "high_first", "low_first", NULL };
static const char *const w_when[] = { "connect", "result", NULL };
static const char *const w_mode[] = { "level", "pulse", "value", NULL };
static const char *const w_yesno[] = { "no", "yes", NULL };

/* Section names of [field NAME], in enum profile_field order. */
static const char *const field_names[PF_NFIELDS] = {
	"present", "valid", "fault", "unstable", "reversing", "abnormal",
	"seq", "gross", "axles", "kind", "config", "speed", "axle_kg",
	"plate", "plate_color", "heartbeat", "decimals",
	"barrier_is_up", "barrier_is_down", "pass_loop", "presence_loop"
};

static const char *const output_names[PO_N] = {
	"barrier_up", "barrier_down", "light", "alarm"
};

#define DF(m)	offsetof(struct profile, m)
#define FF(m)	offsetof(struct pfield, m)
#define WF(m)	offsetof(struct pwrite_def, m)
#define OF(m)	offsetof(struct poutput, m)
#define LF(m)	offsetof(struct pled, m)
#define KI(s, n, lo, hi, o)	{ s, n, KT_INT, lo, hi, NULL, o }
#define KE(s, n, w, o)		{ s, n, KT_ENUM, 0, 0, w, o }
#define KB(s, n, o)		{ s, n, KT_BOOL, 0, 1, w_yesno, o }
#define KX(s, n, t, o)		{ s, n, t, 0, 0, NULL, o }

static const struct pkey keys[] = {
	KX(S_DEVICE, "name", KT_NAME, 0),
	KE(S_DEVICE, "kind", w_kind, DF(kind)),
	KI(S_DEVICE, "numbering", 0, 1, DF(numbering)),
	KI(S_DEVICE, "base", 0, 65535, DF(base)),
	KI(S_DEVICE, "input_base", 0, 65535, DF(input_base)),
	KI(S_DEVICE, "max_registers", 1, 125, DF(max_registers)),
	KI(S_DEVICE, "max_bits", 1, 2000, DF(max_bits)),
	KI(S_DEVICE, "group_gap", 0, 64, DF(gap)),
	KE(S_DEVICE, "word_order", w_order, DF(word_order)),
	KE(S_DEVICE, "encoding", w_enc, DF(encoding)),
	KI(S_DEVICE, "unit", 0, 255, DF(unit)),

	KE(S_FIELD, "table", w_table, FF(table)),
	KI(S_FIELD, "address", 0, 65536, FF(address)),
	KE(S_FIELD, "type", w_type, FF(type)),
	KI(S_FIELD, "registers", 1, 64, FF(registers)),
	KI(S_FIELD, "count", 1, PROFILE_AXLES, FF(count)),
	KE(S_FIELD, "word_order", w_order, FF(word_order)),
	KE(S_FIELD, "byte_order", w_bytes, FF(byte_order)),
	KE(S_FIELD, "encoding", w_enc, FF(encoding)),
	KI(S_FIELD, "bit", 0, 31, FF(bit)),
	KX(S_FIELD, "bits", KT_BITS, FF(bit_lo)),
	KI(S_FIELD, "mask", 1, 0xffffffffLL, FF(mask)),
	KI(S_FIELD, "equals", 0, 0xffffffffLL, FF(equals)),
	KB(S_FIELD, "invert", FF(invert)),
	KB(S_FIELD, "separate", FF(separate)),
	KX(S_FIELD, "scale", KT_SCALE, FF(scale_num)),
	KX(S_FIELD, "decimals", KT_DECIMALS, FF(decimals)),
	KI(S_FIELD, "min", -1000000000LL, 1000000000000LL, FF(min)),
	KI(S_FIELD, "max", -1000000000LL, 1000000000000LL, FF(max)),
	KX(S_FIELD, "map", KT_MAP, 0),

	KE(S_WRITE, "when", w_when, WF(when)),
	KE(S_WRITE, "table", w_table, WF(table)),
	KI(S_WRITE, "address", 0, 65536, WF(address)),
	KE(S_WRITE, "type", w_type, WF(type)),
	KE(S_WRITE, "word_order", w_order, WF(word_order)),
	KI(S_WRITE, "value", -2147483648LL, 0xffffffffLL, WF(value)),

	KE(S_OUTPUT, "table", w_table, OF(table)),
	KI(S_OUTPUT, "address", 0, 65536, OF(address)),
	KE(S_OUTPUT, "mode", w_mode, OF(mode)),
	KI(S_OUTPUT, "on", 0, 65535, OF(on)),
	KI(S_OUTPUT, "off", 0, 65535, OF(off)),
	KI(S_OUTPUT, "pulse_ms", 20, 5000, OF(pulse_ms)),

	KE(S_LED, "table", w_table, LF(table)),
	KI(S_LED, "counter", 0, 65536, LF(counter)),
	KI(S_LED, "colour", 0, 65536, LF(colour)),
	KI(S_LED, "text", 0, 65536, LF(text)),
	KI(S_LED, "text_registers", 1, 120, LF(text_registers)),
	KE(S_LED, "encoding", w_enc, LF(encoding)),
	KE(S_LED, "byte_order", w_bytes, LF(byte_order)),
	KI(S_LED, "green", 0, 65535, LF(green)),
	KI(S_LED, "red", 0, 65535, LF(red)),
	KI(S_LED, "yellow", 0, 65535, LF(yellow)),
};

#define NKEYS	(sizeof(keys) / sizeof(keys[0]))

/*
 * A section's keys are contiguous in keys[] and fewer than 32, so bit
 * (index % 32) of its set mask tells each of them apart.
 */

/* The state of one parse. */
struct parse {
	const char *path;
	struct profile *p;
	FILE *fp;
	char *buf;
	size_t bufsz;
	int line;
	enum psect sect;
	char label[48];
	void *obj;			/* the section's struct */
	uint32_t *set;			/* keys given in this section */
	uint32_t dev_set;
	int dev_line, led_line;
	char *err;
	size_t errlen;
	int failed;
};

static int fail(struct parse *ps, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

void
profile_errv(char *err, size_t errlen, const char *path, int line,
    const char *fmt, va_list ap)
{
	int n;

	if (err == NULL || errlen == 0)
		return;
	n = line > 0 ? snprintf(err, errlen, "%s:%d: ", path, line) :
	    snprintf(err, errlen, "%s: ", path);
	if (n >= 0 && (size_t)n < errlen)
		vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
}

/* Record the first error as "FILE:LINE: message" (line 0: "FILE: message"). */
static int
fail(struct parse *ps, int line, const char *fmt, ...)
{
	va_list ap;

	if (ps->failed)
		return -1;
	ps->failed = 1;
	va_start(ap, fmt);
	profile_errv(ps->err, ps->errlen, ps->path, line, fmt, ap);
	va_end(ap);
	return -1;
}

/* --- values ----------------------------------------------------------- */

/* A decimal or 0x-hexadecimal integer, optionally negative, nothing else. */
static int
parse_int(const char *s, int64_t *out)
{
	int neg = *s == '-', hex;
	const char *digits;
	int64_t v = 0;
	size_t n, i;

	s += neg;
	hex = s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
	digits = hex ? "0123456789abcdefABCDEF" : "0123456789";
	s += hex ? 2 : 0;
	n = strspn(s, digits);
	if (n == 0 || n > (hex ? 8u : 13u) || s[n] != '\0')
		return -1;
	for (i = 0; i < n; i++) {
		int c = s[i], d = c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;

		v = v * (hex ? 16 : 10) + d;
	}
	*out = neg ? -v : v;
	return 0;
}

static int
parse_word(const char *const *words, const char *s, int64_t *out)
{
	int i;

	for (i = 0; words[i] != NULL; i++)
		if (strcasecmp(words[i], s) == 0) {
			*out = i;
			return 0;
		}
	return -1;
}

/* "0.1", "10", "1000": a positive decimal with at most 6 decimals -> num/den. */
static int
parse_scale(const char *s, int64_t nd[2])
{
	size_t n = strspn(s, "0123456789"), m = 0, i;
	int64_t num = 0, den = 1;

	if (n == 0 || n > 9)
		return -1;
	for (i = 0; i < n; i++)
		num = num * 10 + (s[i] - '0');
	if (s[n] == '.') {
		m = strspn(s + n + 1, "0123456789");
		if (m == 0 || m > 6 || s[n + 1 + m] != '\0')
			return -1;
		for (i = 0; i < m; i++) {
			num = num * 10 + (s[n + 1 + i] - '0');
			den *= 10;
		}
	} else if (s[n] != '\0')
		return -1;
	if (num == 0)
		return -1;
	nd[0] = num;
	nd[1] = den;
	return 0;
}

/* A value of a value table: a number, or a name of the field's codes. */
static int
map_value(enum profile_field id, const char *s, int64_t *out)
{
	enum vkind k;
	enum vconfig c;
	enum pcolor col;

	if (id == PF_KIND && meas_kind_parse(s, &k) == 0)
		return *out = k, 0;
	if (id == PF_CONFIG && meas_config_parse(s, &c) == 0)
		return *out = c, 0;
	if (id == PF_PLATE_COLOR && meas_color_parse(s, &col) == 0)
		return *out = col, 0;
	return parse_int(s, out);
}

/* "RAW:VALUE, RAW:VALUE ...", at most PROFILE_MAP_MAX entries. */
static int
parse_map(struct pfield *f, const char *s, char *w, size_t wlen)
{
	char item[64], *colon;
	size_t n;
	int i;

	f->nmap = 0;
	while (*s != '\0') {
		s += strspn(s, " \t");
		n = strcspn(s, ",");
		if (n == 0 || n >= sizeof(item))
			return snprintf(w, wlen, "expected RAW:VALUE, ..."), -1;
		memcpy(item, s, n);
		item[n] = '\0';
		while (n > 0 && (item[n - 1] == ' ' || item[n - 1] == '\t'))
			item[--n] = '\0';
		if ((colon = strchr(item, ':')) == NULL)
			return snprintf(w, wlen, "%s: expected RAW:VALUE", item), -1;
		*colon = '\0';
		if (f->nmap == PROFILE_MAP_MAX)
			return snprintf(w, wlen, "more than %d entries",
			    PROFILE_MAP_MAX), -1;
		if (parse_int(item, &f->map[f->nmap].raw) != 0 ||
		    map_value(f->id, colon + 1, &f->map[f->nmap].val) != 0)
			return snprintf(w, wlen, "%s:%s: not a code and a value",
			    item, colon + 1), -1;
		for (i = 0; i < f->nmap; i++)
			if (f->map[i].raw == f->map[f->nmap].raw)
				return snprintf(w, wlen, "code %s twice", item), -1;
		f->nmap++;
		s += strcspn(s, ",");
		s += *s == ',';
	}
	return 0;
}

static int
parse_value(struct parse *ps, const struct pkey *k, const char *v, char *w,
    size_t wlen)
{
	int64_t *dst = (int64_t *)(void *)((char *)ps->obj + k->off), x, nd[2];
	int i;

	switch (k->type) {
	case KT_INT:
		if (parse_int(v, &x) != 0)
			return snprintf(w, wlen, "not an integer"), -1;
		if (x < k->min || x > k->max)
			return snprintf(w, wlen, "out of range %lld-%lld",
			    (long long)k->min, (long long)k->max), -1;
		*dst = x;
		return 0;
	case KT_ENUM:
	case KT_BOOL:
		if (parse_word(k->words, v, dst) == 0)
			return 0;
		i = snprintf(w, wlen, "must be one of");
		for (x = 0; k->words[x] != NULL && i > 0 && (size_t)i < wlen; x++)
			i += snprintf(w + i, wlen - (size_t)i, " %s", k->words[x]);
		return -1;
	case KT_SCALE:
		if (parse_scale(v, nd) != 0)
			return snprintf(w, wlen, "not a positive decimal (at "
			    "most 6 decimals)"), -1;
		dst[0] = nd[0];
		dst[1] = nd[1];
		return 0;
	case KT_BITS: {
		long long lo, hi;

		if (strspn(v, "0123456789-") != strlen(v) ||
		    sscanf(v, "%lld-%lld", &lo, &hi) != 2 || lo < 0 ||
		    hi > 31 || lo > hi)
			return snprintf(w, wlen, "expected LO-HI, 0 <= LO <= "
			    "HI <= 31"), -1;
		dst[0] = lo;
		dst[1] = hi;
		return 0;
	}
	case KT_DECIMALS:
		if (strcmp(v, "device") == 0) {
			*dst = -1;
			return 0;
		}
		if (parse_int(v, &x) != 0 || x < 0 || x > 6)
			return snprintf(w, wlen, "must be 0-6 or device"), -1;
		*dst = x;
		return 0;
	case KT_MAP:
		return parse_map(ps->obj, v, w, wlen);
	case KT_NAME:
		if (strlen(v) >= PROFILE_NAME_MAX || strspn(v,
		    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "0123456789._-") != strlen(v))
			return snprintf(w, wlen, "1-%d letters, digits, '.', "
			    "'_' or '-'", PROFILE_NAME_MAX - 1), -1;
		snprintf(ps->p->name, sizeof(ps->p->name), "%s", v);
		return 0;
	}
	return -1;
}

/* --- sections --------------------------------------------------------- */

static int
name_index(const char *const *names, int n, const char *s)
{
	int i;

	for (i = 0; i < n; i++)
		if (strcmp(names[i], s) == 0)
			return i;
	return -1;
}

/* Defaults of a field: what a key left out means. */
static void
field_defaults(const struct profile *p, struct pfield *f)
{
	memset(f, 0, sizeof(*f));
	f->table = PT_HOLDING;
	f->type = FT_U16;
	f->registers = 1;
	f->count = 1;
	f->word_order = p->word_order;
	f->encoding = p->encoding;
	f->scale_num = f->scale_den = 1;
	f->min = INT64_MIN;
	f->max = INT64_MAX;
}

static int
begin_field(struct parse *ps, const char *name)
{
	struct profile *p = ps->p;
	int id = name_index(field_names, PF_NFIELDS, name), i;
	struct pfield *f;

	if (id < 0)
		return fail(ps, ps->line, "[field %s]: unknown field", name);
	for (i = 0; i < p->nfields; i++)
		if (p->f[i].id == (enum profile_field)id)
			return fail(ps, ps->line, "[field %s]: duplicate "
			    "(first at line %d)", name, p->f[i].line);
	if (p->nfields == PROFILE_MAX_FIELDS)
		return fail(ps, ps->line, "more than %d fields",
		    PROFILE_MAX_FIELDS);
	f = &p->f[p->nfields++];
	field_defaults(p, f);
	f->id = (enum profile_field)id;
	f->line = ps->line;
	ps->obj = f;
	ps->set = &f->set;
	return 0;
}

static int
begin_write(struct parse *ps, const char *name)
{
	struct profile *p = ps->p;
	struct pwrite_def *w;

	if (p->nwrites == PROFILE_MAX_WRITES)
		return fail(ps, ps->line, "more than %d writes",
		    PROFILE_MAX_WRITES);
	w = &p->wdef[p->nwrites++];
	memset(w, 0, sizeof(*w));
	w->table = PT_HOLDING;
	w->type = FT_U16;
	w->word_order = p->word_order;
	w->line = ps->line;
	snprintf(w->name, sizeof(w->name), "%s", name);
	ps->obj = w;
	ps->set = &w->set;
	return 0;
}

static int
begin_output(struct parse *ps, const char *name)
{
	int o = name_index(output_names, PO_N, name);
	struct poutput *out;

	if (o < 0)
		return fail(ps, ps->line, "[output %s]: unknown output "
		    "(barrier_up, barrier_down, light or alarm)", name);
	out = &ps->p->out[o];
	if (out->defined)
		return fail(ps, ps->line, "[output %s]: duplicate (first at "
		    "line %d)", name, out->line);
	memset(out, 0, sizeof(*out));
	out->defined = true;
	out->line = ps->line;
	out->table = PT_COIL;
	out->on = 1;
	out->pulse_ms = 200;
	ps->obj = out;
	ps->set = &out->set;
	return 0;
}

static int
begin_led(struct parse *ps)
{
	struct pled *l = &ps->p->led;

	if (l->defined)
		return fail(ps, ps->line, "[led]: duplicate (first at line %d)",
		    l->line);
	l->defined = true;
	l->line = ps->line;
	l->table = PT_HOLDING;
	l->counter = l->colour = l->text = -1;
	l->text_registers = 32;
	l->encoding = ps->p->encoding;
	l->green = 0;
	l->red = 1;
	l->yellow = 2;
	ps->obj = l;
	ps->set = &l->set;
	return 0;
}

/* "[kind NAME]" or "[kind]": the section's kind and its name. */
static int
section_begin(struct parse *ps, const char *hdr)
{
	const char *sp = strchr(hdr, ' ');
	size_t kn = sp != NULL ? (size_t)(sp - hdr) : strlen(hdr);
	const char *name = sp != NULL ? sp + 1 : "";

	snprintf(ps->label, sizeof(ps->label), "[%s]", hdr);
#define IS(s) (kn == sizeof(s) - 1 && strncmp(hdr, s, kn) == 0)
	if (IS("device") && *name == '\0') {
		if (ps->dev_line != 0)
			return fail(ps, ps->line, "[device]: duplicate (first "
			    "at line %d)", ps->dev_line);
		ps->dev_line = ps->line;
		ps->sect = S_DEVICE;
		ps->obj = ps->p;
		ps->set = &ps->dev_set;
		return 0;
	}
	if (ps->dev_line == 0)
		return fail(ps, ps->line, "%s: [device] must come first",
		    ps->label);
	if (IS("field") && *name != '\0')
		return ps->sect = S_FIELD, begin_field(ps, name);
	if (IS("write") && *name != '\0')
		return ps->sect = S_WRITE, begin_write(ps, name);
	if (IS("output") && *name != '\0')
		return ps->sect = S_OUTPUT, begin_output(ps, name);
	if (IS("led") && *name == '\0')
		return ps->sect = S_LED, begin_led(ps);
#undef IS
	return fail(ps, ps->line, "%s: unknown section (expected [device], "
	    "[field NAME], [write NAME], [output NAME] or [led])", ps->label);
}

static int
scan_line(struct parse *ps, const char *s)
{
	const char *end;
	char hdr[LINE_MAX_BYTES + 1];
	size_t i;

	s += strspn(s, " \t");
	if (*s == '\0' || *s == ';' || *s == '#')
		return 0;
	for (i = 0; s[i] != '\0'; i++)
		if ((unsigned char)s[i] < 0x20 && s[i] != '\t')
			return fail(ps, ps->line, "control character in line");
	if (*s == '[') {
		if ((end = strchr(s, ']')) == NULL)
			return fail(ps, ps->line, "section header without ']'");
		if (end[1 + strspn(end + 1, " \t")] != '\0' &&
		    end[1 + strspn(end + 1, " \t")] != ';')
			return fail(ps, ps->line, "text after the section header");
		memcpy(hdr, s + 1, (size_t)(end - s - 1));
		hdr[end - s - 1] = '\0';
		return section_begin(ps, hdr);
	}
	i = strcspn(s, "=:");
	if (s[i] != '=')
		return fail(ps, ps->line, "expected [section] or key = value");
	if (ps->sect == S_NONE)
		return fail(ps, ps->line, "key outside any section");
	return 0;
}

/* libinih's reader: one counted line per call, too long lines refused. */
static char *
reader(char *str, int num, void *stream)
{
	struct parse *ps = stream;
	struct iniline r = { ps->fp, ps->buf, ps->bufsz, ps->line };
	const char *s;
	char msg[128];
	int rc;

	if (ps->failed)
		return NULL;
	rc = iniline_read(&r, str, num, LINE_MAX_BYTES, &s, msg, sizeof(msg));
	ps->buf = r.buf;
	ps->bufsz = r.bufsz;
	ps->line = r.line;
	if (rc < 0)
		fail(ps, ferror(ps->fp) ? 0 : ps->line, "%s", msg);
	if (rc <= 0 || scan_line(ps, s) != 0)
		return NULL;
	return str;
}

static int
handler(void *user, const char *section, const char *name, const char *value)
{
	struct parse *ps = user;
	char w[160];
	size_t i;

	(void)section;
	if (ps->failed)
		return 0;
	for (i = 0; i < NKEYS; i++)
		if (keys[i].sect == ps->sect && strcmp(keys[i].name, name) == 0)
			break;
	if (i == NKEYS)
		return fail(ps, ps->line, "%s %s: unknown key", ps->label,
		    name), 0;
	if (*value == '\0' || *value == ';')
		return fail(ps, ps->line, "%s %s: empty value", ps->label,
		    name), 0;
	if (*ps->set & (1u << (i % 32)))
		return fail(ps, ps->line, "%s %s: duplicate key", ps->label,
		    name), 0;
	*ps->set |= 1u << (i % 32);
	if (parse_value(ps, &keys[i], value, w, sizeof(w)) != 0)
		return fail(ps, ps->line, "%s %s = %s: %s", ps->label, name,
		    value, w), 0;
	return 1;
}

bool
profile_given(enum psect s, uint32_t set, const char *name)
{
	size_t i;

	for (i = 0; i < NKEYS; i++)
		if (keys[i].sect == s && strcmp(keys[i].name, name) == 0)
			return (set & (1u << (i % 32))) != 0;
	return false;
}

/* --- the whole profile ------------------------------------------------ */

static void
device_defaults(struct profile *p)
{
	memset(p, 0, sizeof(*p));
	p->kind = PK_SCALE;
	p->max_registers = 125;
	p->max_bits = 2000;
	p->unit = -1;
	snprintf(p->name, sizeof(p->name), "unnamed");
}

static int
parse_stream(struct parse *ps)
{
	int rc;

	ini_allow_multiline = false;
	ini_stop_on_first_error = true;
	ini_allow_no_value = false;
	ini_allow_inline_comments = true;
	ini_allow_bom = true;
	ini_use_stack = false;
	ini_allow_realloc = false;
	ini_initial_alloc = LINE_MAX_BYTES + 3;
	ini_max_line = LINE_MAX_BYTES + 3;
	rc = ini_parse_stream(reader, ps, handler, ps);
	if (ps->failed)
		return -1;
	if (rc > 0)
		return fail(ps, rc, "syntax error: expected [section] or key = "
		    "value");
	if (rc < 0)
		return fail(ps, 0, "out of memory");
	if (ps->dev_line == 0)
		return fail(ps, 0, "no [device] section");
	return 0;
}

static profile_t *
parse_fp(const char *path, FILE *fp, char *err, size_t errlen)
{
	struct parse ps;
	struct profile *p;

	memset(&ps, 0, sizeof(ps));
	ps.path = path;
	ps.err = err;
	ps.errlen = errlen;
	ps.fp = fp;
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if ((p = malloc(sizeof(*p))) == NULL) {
		fail(&ps, 0, "out of memory");
		return NULL;
	}
	device_defaults(p);
	ps.p = p;
	if (parse_stream(&ps) == 0 && profile_check(p, path, err, errlen) != 0)
		ps.failed = 1;
	free(ps.buf);
	if (ps.failed) {
		free(p);
		return NULL;
	}
	return p;
}

profile_t *
profile_load(const char *path, char *err, size_t errlen)
{
	profile_t *p;
	FILE *fp;

	if ((fp = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "%s: cannot open: %s", path,
		    strerror(errno));
		return NULL;
	}
	p = parse_fp(path, fp, err, errlen);
	fclose(fp);
	return p;
}

profile_t *
profile_parse(const char *name, const char *text, size_t len, char *err,
    size_t errlen)
{
	profile_t *p;
	FILE *fp;

	if (len == 0)
		text = "\n", len = 1;
	if ((fp = fmemopen((void *)(uintptr_t)text, len, "r")) == NULL) {
		snprintf(err, errlen, "%s: cannot read: %s", name,
		    strerror(errno));
		return NULL;
	}
	p = parse_fp(name, fp, err, errlen);
	fclose(fp);
	return p;
}

void
profile_free(profile_t *p)
{
	free(p);
}

const char *
profile_field_name(enum profile_field id)
{
	return (unsigned)id < PF_NFIELDS ? field_names[id] : "?";
}

const char *
profile_output_name(enum profile_output o)
{
	return (unsigned)o < PO_N ? output_names[o] : "?";
}
