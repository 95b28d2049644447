/* A parsed profile checked across its keys and sections, and its read requests planned. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "profile_int.h"

struct check {
	struct profile *p;
	const char *path;
	char *err;
	size_t errlen;
};

static int bad(struct check *c, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
bad(struct check *c, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	profile_errv(c->err, c->errlen, c->path, line, fmt, ap);
	va_end(ap);
	return -1;
}

static const char *const type_names[FT_N] = {
	"u16", "s16", "u32", "s32", "f32", "bcd", "text", "bit", "bits"
};

#define T(x)	(1u << (x))
#define T_COND	(T(FT_BIT) | T(FT_U16) | T(FT_U32) | T(FT_BITS))
#define T_NUM	(T(FT_U16) | T(FT_S16) | T(FT_U32) | T(FT_S32) | T(FT_F32) | \
		 T(FT_BCD) | T(FT_BITS))
#define T_CODE	(T(FT_U16) | T(FT_BITS) | T(FT_BCD))

/* The types that can hold each field. */
static const unsigned allowed[PF_NFIELDS] = {
	[PF_PRESENT] = T_COND, [PF_VALID] = T_COND, [PF_FAULT] = T_COND,
	[PF_UNSTABLE] = T_COND, [PF_REVERSING] = T_COND,
	[PF_ABNORMAL] = T_COND,
	[PF_SEQ] = T(FT_U16) | T(FT_U32) | T(FT_BITS),
	[PF_GROSS] = T_NUM, [PF_AXLES] = T_CODE, [PF_KIND] = T_CODE,
	[PF_CONFIG] = T_CODE, [PF_SPEED] = T_NUM, [PF_AXLE_KG] = T_NUM,
	[PF_PLATE] = T(FT_TEXT), [PF_PLATE_COLOR] = T_CODE,
	[PF_HEARTBEAT] = T(FT_U16) | T(FT_U32),
	[PF_DECIMALS] = T_CODE,
	[PF_BARRIER_IS_UP] = T_COND, [PF_BARRIER_IS_DOWN] = T_COND,
	[PF_PASS_LOOP] = T_COND, [PF_PRESENCE_LOOP] = T_COND,
};

static bool
is_cond(enum profile_field id)
{
	return id <= PF_ABNORMAL || id >= PF_BARRIER_IS_UP;
}

static bool
bit_table(int64_t t)
{
	return t == PT_COIL || t == PT_DISCRETE;
}

int
profile_field_regs(const struct pfield *f)
{
	switch (f->type) {
	case FT_U32: case FT_S32: case FT_F32:
		return 2;
	case FT_BIT:
		return 1;
	default:
		return (int)f->registers;
	}
}

/* The protocol address of what the file calls address in table t. */
static int
resolve(struct check *c, int line, const char *what, int64_t address,
    int64_t table, int span)
{
	const struct profile *p = c->p;
	int64_t start = address - p->numbering +
	    (table == PT_DISCRETE ? p->input_base : p->base);

	if (address < p->numbering)
		return bad(c, line, "%s: address %lld with numbering = %lld",
		    what, (long long)address, (long long)p->numbering);
	if (start + span - 1 > 65535)
		return bad(c, line, "%s: address %lld and its %d %s run past "
		    "65535", what, (long long)address, span, bit_table(table) ?
		    "bits" : "registers");
	return (int)start;
}

/* Registers per element as the type implies, or as given for text/bcd/bits. */
static int
field_width(struct check *c, struct pfield *f, const char *lbl)
{
	bool reg_given = profile_field_given(f, "registers");
	int implied = f->type == FT_U32 || f->type == FT_S32 ||
	    f->type == FT_F32 ? 2 : 1;

	if (f->type == FT_TEXT) {
		if (!reg_given)
			return bad(c, f->line, "%s: type text needs registers",
			    lbl);
		return 0;
	}
	if (f->type == FT_BCD || f->type == FT_BITS) {
		if (f->type == FT_BITS && !reg_given)
			f->registers = f->bit_hi > 15 ? 2 : 1;
		if (f->registers > 2)
			return bad(c, f->line, "%s: type %s takes 1 or 2 "
			    "registers", lbl, type_names[f->type]);
		return 0;
	}
	if (reg_given && f->registers != implied)
		return bad(c, f->line, "%s: type %s takes %d register%s", lbl,
		    type_names[f->type], implied, implied > 1 ? "s" : "");
	f->registers = implied;
	return 0;
}

/* Bits and conditions: what selects the value, and that it fits the type. */
static int
field_bits(struct check *c, struct pfield *f, const char *lbl)
{
	int width = 16 * (int)f->registers;

	if (f->type == FT_BITS) {
		if (!profile_field_given(f, "bits"))
			return bad(c, f->line, "%s: type bits needs bits = LO-HI",
			    lbl);
		if (f->bit_hi >= width)
			return bad(c, f->line, "%s: bits %lld-%lld do not fit "
			    "in %d register%s", lbl, (long long)f->bit_lo,
			    (long long)f->bit_hi, (int)f->registers,
			    f->registers > 1 ? "s" : "");
	}
	if (f->type == FT_BIT && !bit_table(f->table)) {
		if (!profile_field_given(f, "bit"))
			return bad(c, f->line, "%s: type bit in a register "
			    "needs bit = N", lbl);
		if (f->bit > 15)
			return bad(c, f->line, "%s: bit %lld does not fit in "
			    "one register", lbl, (long long)f->bit);
	}
	if (is_cond(f->id) && f->type != FT_BIT &&
	    !profile_field_given(f, "mask") && !profile_field_given(f, "equals"))
		return bad(c, f->line, "%s: a condition needs type bit, or "
		    "mask and/or equals", lbl);
	return 0;
}

/* Keys that only some fields take. */
static int
field_keys(struct check *c, struct pfield *f, const char *lbl)
{
	bool num = f->id == PF_GROSS || f->id == PF_SPEED ||
	    f->id == PF_AXLE_KG;
	bool coded = f->id == PF_KIND || f->id == PF_CONFIG ||
	    f->id == PF_PLATE_COLOR || f->id == PF_DECIMALS ||
	    f->id == PF_AXLES;

	if (!num && (profile_field_given(f, "scale") ||
	    profile_field_given(f, "decimals")))
		return bad(c, f->line, "%s: only gross, speed and axle_kg take "
		    "scale and decimals", lbl);
	if (!coded && f->nmap > 0)
		return bad(c, f->line, "%s: only kind, config, plate_color, "
		    "axles and decimals take a value table (map)", lbl);
	if (f->id != PF_AXLE_KG && f->count != 1)
		return bad(c, f->line, "%s: only axle_kg takes count", lbl);
	if (!is_cond(f->id) && (profile_field_given(f, "mask") ||
	    profile_field_given(f, "equals") || profile_field_given(f, "invert")))
		return bad(c, f->line, "%s: mask, equals and invert are for "
		    "conditions", lbl);
	if (!profile_field_given(f, "mask"))
		f->mask = 0xffffffffLL;
	f->has_equals = profile_field_given(f, "equals");
	if (f->min > f->max)
		return bad(c, f->line, "%s: min above max", lbl);
	return 0;
}

/* The result sequence is 8, 16 or 32 bits wide; a plate must fit the measurement. */
static int
field_limits(struct check *c, struct pfield *f, const char *lbl)
{
	int w = f->type == FT_BITS ? (int)(f->bit_hi - f->bit_lo + 1) :
	    16 * profile_field_regs(f);

	if (f->id == PF_SEQ && w != 8 && w != 16 && w != 32)
		return bad(c, f->line, "%s: a result sequence is 8, 16 or 32 "
		    "bits wide, not %d", lbl, w);
	if (f->id == PF_PLATE && f->registers > (f->encoding == FE_GB18030 ?
	    21 : 31))
		return bad(c, f->line, "%s: %lld registers of %s cannot be "
		    "held as a plate (at most %d)", lbl, (long long)f->registers,
		    f->encoding == FE_GB18030 ? "GB18030" : "UTF-8 or ASCII",
		    f->encoding == FE_GB18030 ? 21 : 31);
	return 0;
}

static int
field_check(struct check *c, struct pfield *f)
{
	const struct profile *p = c->p;
	char lbl[48];
	bool io = f->id >= PF_BARRIER_IS_UP;
	int span, limit, start;

	snprintf(lbl, sizeof(lbl), "[field %s]", profile_field_name(f->id));
	if (p->kind == PK_LED || io != (p->kind == PK_IO))
		return bad(c, f->line, "%s: not a field of a%s %s profile", lbl,
		    p->kind == PK_IO ? "n" : "", p->kind == PK_SCALE ? "scale" :
		    p->kind == PK_IO ? "io" : "led");
	if (!profile_field_given(f, "address"))
		return bad(c, f->line, "%s: address required", lbl);
	if (!(allowed[f->id] & T(f->type)))
		return bad(c, f->line, "%s: type %s cannot hold %s", lbl,
		    type_names[f->type], profile_field_name(f->id));
	if (bit_table(f->table) && f->type != FT_BIT)
		return bad(c, f->line, "%s: a %s table holds bits: type bit "
		    "only", lbl, f->table == PT_COIL ? "coil" : "discrete");
	if (field_width(c, f, lbl) != 0 || field_bits(c, f, lbl) != 0 ||
	    field_keys(c, f, lbl) != 0 || field_limits(c, f, lbl) != 0)
		return -1;
	span = bit_table(f->table) ? 1 : (int)(f->registers * f->count);
	limit = (int)(bit_table(f->table) ? p->max_bits : p->max_registers);
	if (span > limit)
		return bad(c, f->line, "%s: needs %d %s in one request, over "
		    "the device's limit of %d", lbl, span, bit_table(f->table) ?
		    "bits" : "registers", limit);
	if ((start = resolve(c, f->line, lbl, f->address, f->table, span)) < 0)
		return -1;
	f->start = start;
	return 0;
}

/* Every [field decimals] a decimals = device names must exist. */
static int
decimals_check(struct check *c)
{
	const struct profile *p = c->p;
	bool have = false;
	int i;

	for (i = 0; i < p->nfields; i++)
		have |= p->f[i].id == PF_DECIMALS;
	for (i = 0; i < p->nfields; i++)
		if (p->f[i].decimals < 0 && !have)
			return bad(c, p->f[i].line, "[field %s]: decimals = "
			    "device needs a [field decimals]",
			    profile_field_name(p->f[i].id));
	return 0;
}

/* --- writes ----------------------------------------------------------- */

/* A write target, for the overlap check. */
struct span {
	int table, start, count, line;
	char what[40];
};

static void
span_add(struct span *s, int *n, int table, int start, int count, int line,
    const char *what)
{
	s[*n].table = table;
	s[*n].start = start;
	s[*n].count = count;
	s[*n].line = line;
	snprintf(s[*n].what, sizeof(s[*n].what), "%s", what);
	(*n)++;
}

static int
write_check(struct check *c, int i, struct span *sp, int *nsp)
{
	const struct pwrite_def *d = &c->p->wdef[i];
	struct profile_write *w = &c->p->w[i];
	char lbl[48];
	int regs = d->type == FT_U16 || d->type == FT_S16 ? 1 : 2, start;
	int64_t lo = d->type == FT_S16 ? -32768 : d->type == FT_S32 ?
	    -2147483648LL : 0;
	int64_t hi = d->type == FT_U16 ? 65535 : d->type == FT_S16 ? 32767 :
	    d->type == FT_S32 ? 2147483647LL : 0xffffffffLL;
	uint32_t v;

	snprintf(lbl, sizeof(lbl), "[write %s]", d->name);
	if (!profile_write_given(d, "address") || !profile_write_given(d, "value"))
		return bad(c, d->line, "%s: address and value required", lbl);
	if (d->table != PT_HOLDING && d->table != PT_COIL)
		return bad(c, d->line, "%s: only holding registers and coils "
		    "can be written", lbl);
	if (d->type > FT_S32)
		return bad(c, d->line, "%s: type u16, s16, u32 or s32", lbl);
	if (d->table == PT_COIL)
		regs = 1, lo = 0, hi = 1;
	if (d->value < lo || d->value > hi)
		return bad(c, d->line, "%s: value %lld does not fit %s", lbl,
		    (long long)d->value, d->table == PT_COIL ? "a coil" :
		    type_names[d->type]);
	if ((start = resolve(c, d->line, lbl, d->address, d->table, regs)) < 0)
		return -1;
	memset(w, 0, sizeof(*w));
	w->when = (enum profile_write_when)d->when;
	w->table = (enum profile_table)d->table;
	w->start = start;
	w->count = regs;
	v = (uint32_t)d->value;
	if (regs == 1)
		w->v[0] = (uint16_t)v;
	else {
		uint16_t hw = (uint16_t)(v >> 16), lw = (uint16_t)v;

		w->v[d->word_order == WO_CDAB || d->word_order == WO_DCBA] = hw;
		w->v[d->word_order != WO_CDAB && d->word_order != WO_DCBA] = lw;
		if (d->word_order == WO_BADC || d->word_order == WO_DCBA) {
			w->v[0] = (uint16_t)(w->v[0] >> 8 | w->v[0] << 8);
			w->v[1] = (uint16_t)(w->v[1] >> 8 | w->v[1] << 8);
		}
	}
	span_add(sp, nsp, (int)d->table, start, regs, d->line, lbl);
	return 0;
}

static int
output_check(struct check *c, int o, struct span *sp, int *nsp)
{
	struct poutput *out = &c->p->out[o];
	char lbl[40];
	int start;

	if (!out->defined)
		return 0;
	snprintf(lbl, sizeof(lbl), "[output %s]",
	    profile_output_name((enum profile_output)o));
	if (c->p->kind != PK_IO)
		return bad(c, out->line, "%s: outputs are for io profiles", lbl);
	if (!profile_output_given(out, "address"))
		return bad(c, out->line, "%s: address required", lbl);
	if (out->table != PT_COIL && out->table != PT_HOLDING)
		return bad(c, out->line, "%s: a coil or a holding register",
		    lbl);
	if (out->mode == 2 && out->table != PT_HOLDING)
		return bad(c, out->line, "%s: mode value writes a holding "
		    "register", lbl);
	if (out->mode == 0 && out->table != PT_COIL)
		return bad(c, out->line, "%s: mode level drives a coil; a "
		    "register takes mode value", lbl);
	if (out->table == PT_COIL && (out->on > 1 || out->off > 1))
		return bad(c, out->line, "%s: a coil is 0 or 1", lbl);
	if ((start = resolve(c, out->line, lbl, out->address, out->table,
	    1)) < 0)
		return -1;
	out->start = start;
	span_add(sp, nsp, (int)out->table, start, 1, out->line, lbl);
	return 0;
}

static int
led_addr(struct check *c, const char *key, int64_t a, int n, int *at,
    struct span *sp, int *nsp)
{
	const struct pled *l = &c->p->led;
	char lbl[40];

	*at = -1;
	if (a < 0)
		return 0;
	snprintf(lbl, sizeof(lbl), "[led] %s", key);
	if ((*at = resolve(c, l->line, lbl, a, l->table, n)) < 0)
		return -1;
	span_add(sp, nsp, PT_HOLDING, *at, n, l->line, lbl);
	return 0;
}

static int
led_check(struct check *c, struct span *sp, int *nsp)
{
	struct pled *l = &c->p->led;

	if (c->p->kind != PK_LED) {
		if (l->defined)
			return bad(c, l->line, "[led]: only in a led profile");
		return 0;
	}
	if (!l->defined)
		return bad(c, 1, "a led profile needs a [led] section");
	if (l->table != PT_HOLDING)
		return bad(c, l->line, "[led]: the sign's registers are "
		    "holding registers");
	if (l->text < 0)
		return bad(c, l->line, "[led]: text required");
	if (led_addr(c, "counter", l->counter, 1, &l->counter_at, sp, nsp) ||
	    led_addr(c, "colour", l->colour, 1, &l->colour_at, sp, nsp) ||
	    led_addr(c, "text", l->text, (int)l->text_registers, &l->text_at,
	    sp, nsp))
		return -1;
	if (l->counter < 0 && l->colour >= 0 && l->colour_at + 1 != l->text_at)
		return bad(c, l->line, "[led]: without a counter, colour must "
		    "come just before text, so one write carries both");
	return 0;
}

static int
overlap_check(struct check *c, const struct span *s, int n)
{
	int i, j;

	for (i = 0; i < n; i++)
		for (j = 0; j < i; j++)
			if (s[i].table == s[j].table && s[i].start <
			    s[j].start + s[j].count && s[j].start <
			    s[i].start + s[i].count)
				return bad(c, s[i].line > s[j].line ? s[i].line :
				    s[j].line, "%s overlaps %s (line %d): "
				    "two writes to one address",
				    s[i].line >= s[j].line ? s[i].what : s[j].what,
				    s[i].line >= s[j].line ? s[j].what : s[i].what,
				    s[i].line >= s[j].line ? s[j].line : s[i].line);
	return 0;
}

/* --- requests --------------------------------------------------------- */

static int
by_address(const void *a, const void *b, void *arg)
{
	const struct profile *p = arg;
	const struct pfield *fa = &p->f[*(const int *)a];
	const struct pfield *fb = &p->f[*(const int *)b];

	if (fa->table != fb->table)
		return fa->table < fb->table ? -1 : 1;
	return fa->start < fb->start ? -1 : fa->start > fb->start;
}

/*
 * Adjacent fields (or fields at most group_gap apart) of one table share
 * a request while it stays within the device's limit; separate = yes
 * gives a field a request of its own.
 */
static int
plan(struct check *c)
{
	struct profile *p = c->p;
	int idx[PROFILE_MAX_FIELDS], i, cur = -1;
	struct profile_request *r = NULL;

	for (i = 0; i < p->nfields; i++)
		idx[i] = i;
	qsort_r(idx, (size_t)p->nfields, sizeof(idx[0]), by_address, p);
	p->nreq = 0;
	for (i = 0; i < p->nfields; i++) {
		struct pfield *f = &p->f[idx[i]];
		int span = bit_table(f->table) ? 1 : (int)(f->registers * f->count);
		int limit = (int)(bit_table(f->table) ? p->max_bits :
		    p->max_registers);
		int end = f->start + span;

		if (r != NULL && !f->separate && !p->f[cur].separate &&
		    r->table == (enum profile_table)f->table &&
		    f->start <= r->start + r->count + p->gap &&
		    (end > r->start + r->count ? end : r->start + r->count) -
		    r->start <= limit) {
			if (end > r->start + r->count)
				r->count = end - r->start;
		} else {
			if (p->nreq == PROFILE_MAX_REQUESTS)
				return bad(c, f->line, "more than %d read "
				    "requests", PROFILE_MAX_REQUESTS);
			r = &p->req[p->nreq++];
			r->table = (enum profile_table)f->table;
			r->start = f->start;
			r->count = span;
		}
		cur = idx[i];
		f->req = p->nreq - 1;
		f->off = f->start - r->start;
	}
	return 0;
}

int
profile_check(struct profile *p, const char *path, char *err, size_t errlen)
{
	struct check c = { p, path, err, errlen };
	struct span sp[PROFILE_MAX_WRITES + PO_N + 3];
	int i, nsp = 0;

	for (i = 0; i < p->nfields; i++)
		if (field_check(&c, &p->f[i]) != 0)
			return -1;
	if (decimals_check(&c) != 0)
		return -1;
	for (i = 0; i < p->nwrites; i++)
		if (write_check(&c, i, sp, &nsp) != 0)
			return -1;
	for (i = 0; i < PO_N; i++)
		if (output_check(&c, i, sp, &nsp) != 0)
			return -1;
	if (led_check(&c, sp, &nsp) != 0 || overlap_check(&c, sp, nsp) != 0)
		return -1;
	return plan(&c);
}
