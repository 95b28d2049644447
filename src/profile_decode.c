/* A profile's register images -> the measurement and inputs; outputs and LED text -> writes. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "weighgate/decode.h"
#include "weighgate/led.h"
#include "profile_int.h"

/* The state of one decode: the first error is kept, every error invalidates. */
struct dec {
	const struct profile *p;
	const uint16_t *const *img;
	struct profile_reading *r;
	char *err;
	size_t errlen;
	int rc;
	int decimals;
};

static void bad(struct dec *d, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
bad(struct dec *d, const char *fmt, ...)
{
	va_list ap;

	if (d->rc == 0 && d->errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(d->err, d->errlen, fmt, ap);
		va_end(ap);
	}
	d->rc = -1;
	d->r->m.valid = false;
}

static uint16_t
swap16(uint16_t v)
{
	return (uint16_t)(v >> 8 | v << 8);
}

static const uint16_t *
words(const struct dec *d, const struct pfield *f, int e)
{
	return d->img[f->req] + f->off + e * profile_field_regs(f);
}

/* The raw value of element e: two registers in word order, one in byte order. */
static uint32_t
raw_u(const struct dec *d, const struct pfield *f, int e)
{
	const uint16_t *w = words(d, f, e);

	if (profile_field_regs(f) == 2)
		return decode_wo_get_u32(w, (enum word_order)f->word_order);
	return f->byte_order ? swap16(w[0]) : w[0];
}

/* BCD digits of raw (4 or 8), or -1 when a nibble is above 9. */
static int64_t
bcd(uint32_t raw, int nibbles)
{
	int64_t v = 0;
	int i;

	for (i = nibbles - 1; i >= 0; i--) {
		uint32_t n = raw >> (4 * i) & 0xf;

		if (n > 9)
			return -1;
		v = v * 10 + n;
	}
	return v;
}

/* An integer field's value (u16 s16 u32 s32 bcd bits); -1 from a bad BCD is flagged. */
static int
int_value(const struct dec *d, const struct pfield *f, int e, int64_t *out)
{
	uint32_t raw;

	if (f->type == FT_BIT && (f->table == PT_COIL || f->table == PT_DISCRETE))
		return *out = words(d, f, e)[0] != 0, 0;
	raw = raw_u(d, f, e);
	switch (f->type) {
	case FT_S16:
		*out = (int16_t)raw;
		return 0;
	case FT_S32:
		*out = (int32_t)raw;
		return 0;
	case FT_BCD:
		*out = bcd(raw, 4 * profile_field_regs(f));
		return *out < 0 ? -1 : 0;
	case FT_BITS:
		*out = (int64_t)(raw >> f->bit_lo &
		    (0xffffffffu >> (31 - (f->bit_hi - f->bit_lo))));
		return 0;
	case FT_BIT:
		*out = raw >> f->bit & 1;
		return 0;
	default:
		*out = raw;
		return 0;
	}
}

static const struct pfield *
field(const struct profile *p, enum profile_field id)
{
	int i;

	for (i = 0; i < p->nfields; i++)
		if (p->f[i].id == id)
			return &p->f[i];
	return NULL;
}

/* A condition: a bit, a masked register, a register equal to a value. */
static bool
cond(const struct dec *d, const struct pfield *f)
{
	int64_t v;
	bool on;

	(void)int_value(d, f, 0, &v);
	if (f->type == FT_BIT)
		on = v != 0;
	else
		on = f->has_equals ? (v & f->mask) == f->equals :
		    (v & f->mask) != 0;
	return f->invert ? !on : on;
}

int64_t
profile_round_kg(double kg)
{
	return (int64_t)round(kg);
}

/* n / den rounded half away from zero. */
static int64_t
div_away(__int128 n, __int128 den)
{
	__int128 q = n / den, r = n % den;

	if (2 * (r < 0 ? -r : r) >= den)
		q += n < 0 ? -1 : 1;
	return (int64_t)q;
}

/*
 * A quantity after scale and decimals, rounded half away from zero to
 * the measurement's unit (kg, 0.1 km/h).  -1 when it is not a number or
 * out of the field's range.
 */
static int
quantity(struct dec *d, const struct pfield *f, int e, int64_t *out)
{
	int dec = f->decimals < 0 ? d->decimals : (int)f->decimals;
	int64_t pow10 = 1, v;
	int i;

	for (i = 0; i < dec; i++)
		pow10 *= 10;
	if (f->type == FT_F32) {
		uint32_t raw = raw_u(d, f, e);
		float x;
		double y;

		memcpy(&x, &raw, sizeof(x));
		if (!isfinite(x))
			return -1;
		y = (double)x * (double)f->scale_num / (double)f->scale_den /
		    (double)pow10;
		if (fabs(y) > 1e15)
			return -1;
		v = profile_round_kg(y);
	} else {
		if (int_value(d, f, e, &v) != 0)
			return -1;
		v = div_away((__int128)v * f->scale_num,
		    (__int128)f->scale_den * pow10);
	}
	if (v < f->min || v > f->max)
		return -1;
	*out = v;
	return 0;
}

/* A code through the field's value table, or as is when it has none. */
static int
code(const struct dec *d, const struct pfield *f, int64_t *out)
{
	int64_t raw;
	int i;

	if (int_value(d, f, 0, &raw) != 0)
		return -1;
	if (f->nmap == 0)
		return *out = raw, 0;
	for (i = 0; i < f->nmap; i++)
		if (f->map[i].raw == raw)
			return *out = f->map[i].val, 0;
	*out = raw;
	return -1;
}

static void
do_conditions(struct dec *d)
{
	static const enum profile_field ids[] = { PF_PRESENT, PF_VALID,
	    PF_FAULT, PF_UNSTABLE, PF_REVERSING, PF_ABNORMAL };
	struct profile_reading *r = d->r;
	bool v[6] = { false, true, false, false, false, false };
	const struct pfield *f;
	size_t i;

	for (i = 0; i < 6; i++)
		if ((f = field(d->p, ids[i])) != NULL) {
			v[i] = cond(d, f);
			r->have |= 1u << ids[i];
		}
	r->present = v[0];
	r->m.valid = v[1];
	r->m.fault = v[2];
	r->m.unstable = v[3];
	r->reversing = v[4];
	r->m.abnormal = v[5];
}

/* The sequence, the heartbeat and the decimals field. */
static void
do_counters(struct dec *d)
{
	struct profile_reading *r = d->r;
	const struct pfield *f;
	int64_t v;

	if ((f = field(d->p, PF_SEQ)) != NULL) {
		(void)int_value(d, f, 0, &v);
		r->seq = r->m.seq = v;
		r->seq_bits = f->type == FT_BITS ? (int)(f->bit_hi - f->bit_lo
		    + 1) : 16 * profile_field_regs(f);
		r->have |= 1u << PF_SEQ;
	}
	if ((f = field(d->p, PF_HEARTBEAT)) != NULL) {
		r->heartbeat = raw_u(d, f, 0);
		r->have |= 1u << PF_HEARTBEAT;
	}
	if ((f = field(d->p, PF_DECIMALS)) != NULL) {
		r->have |= 1u << PF_DECIMALS;
		if (code(d, f, &v) != 0 || v < 0 || v > 6)
			bad(d, "decimals: unknown code %lld", (long long)v);
		else
			d->decimals = (int)v;
	}
}

static void
do_quantities(struct dec *d)
{
	struct measurement *m = &d->r->m;
	const struct pfield *f;
	int64_t v;

	if ((f = field(d->p, PF_GROSS)) != NULL) {
		d->r->have |= 1u << PF_GROSS;
		if (quantity(d, f, 0, &v) != 0)
			bad(d, "gross: not a number in range");
		else
			m->gross_kg = v;
	}
	if ((f = field(d->p, PF_AXLES)) != NULL) {
		d->r->have |= 1u << PF_AXLES;
		if (code(d, f, &v) != 0 || v > 0xffff)
			bad(d, "axle count: unknown code %lld", (long long)v);
		else
			m->axles = (int)v;
	}
	if ((f = field(d->p, PF_SPEED)) != NULL) {
		d->r->have |= 1u << PF_SPEED;
		if (quantity(d, f, 0, &v) != 0 || v < INT32_MIN || v > INT32_MAX)
			bad(d, "speed: not a number in range");
		else
			m->speed_dkmh = (int32_t)v;
	}
}

/* kind, configuration, plate colour: a code of its table (decode.c's words). */
static void
do_codes(struct dec *d)
{
	static const struct {
		enum profile_field id;
		const char *what;
		int64_t max;
	} c[] = {
		{ PF_KIND, "vehicle kind", VK_TRUCK },
		{ PF_CONFIG, "configuration", VC_COMBINATION_SINGLE_DRIVE },
		{ PF_PLATE_COLOR, "plate colour", PC_NCOLORS - 1 },
	};
	struct measurement *m = &d->r->m;
	const struct pfield *f;
	int64_t v;
	size_t i;

	for (i = 0; i < 3; i++) {
		if ((f = field(d->p, c[i].id)) == NULL)
			continue;
		d->r->have |= 1u << c[i].id;
		if (code(d, f, &v) != 0 || v < 0 || v > c[i].max) {
			bad(d, "%s: unknown code %lld", c[i].what, (long long)v);
			continue;
		}
		if (c[i].id == PF_KIND)
			m->kind = (enum vkind)v;
		else if (c[i].id == PF_CONFIG)
			m->config = (enum vconfig)v;
		else
			m->plate_color = (enum pcolor)v;
	}
}

/*
 * Axle weights as decode.c reads them: n_axle_kg is the axle count when
 * it is 1-12 and some weight is set; a weight past the count makes the
 * block untrusted.  Without an axle count field, the count is the last
 * weight set.
 */
static void
do_axle_kg(struct dec *d)
{
	struct measurement *m = &d->r->m;
	const struct pfield *f = field(d->p, PF_AXLE_KG);
	bool counted = field(d->p, PF_AXLES) != NULL;
	int i, any = 0;
	int64_t v;

	if (f == NULL)
		return;
	d->r->have |= 1u << PF_AXLE_KG;
	for (i = 0; i < f->count; i++) {
		if (quantity(d, f, i, &v) != 0 || v > INT32_MAX) {
			bad(d, "axle weight %d: not a number in range", i + 1);
			return;
		}
		m->axle_kg[i] = (int32_t)v;
		if (!counted && v != 0)
			m->axles = i + 1;
		if (counted && m->axles <= MEAS_MAX_AXLES && i >= m->axles &&
		    v != 0) {
			bad(d, "axle weight %d: set past the axle count", i + 1);
			return;
		}
	}
	for (i = 0; i < m->axles && i < f->count; i++)
		any |= m->axle_kg[i] != 0;
	if (m->axles >= 1 && m->axles <= f->count && any)
		m->n_axle_kg = m->axles;
}

static const char *const enc_names[] = { "GB18030", "UTF-8", "ASCII" };

/* Text bytes -> UTF-8 in out; -1 when not valid in the encoding. */
static int
text_decode(int enc, const char *raw, size_t n, char *out, size_t outsz)
{
	size_t i;

	if (enc != FE_ASCII)
		return decode_text_to_utf8(enc == FE_UTF8 ? ENC_UTF8 : ENC_GB18030,
		    raw, n, out, outsz);
	if (n >= outsz)
		return -1;
	for (i = 0; i < n; i++)
		if ((unsigned char)raw[i] >= 0x80)
			return -1;
	memcpy(out, raw, n);
	out[n] = '\0';
	return (int)n;
}

/* The plate: bytes high (or low) byte first up to the first NUL, checked. */
static void
do_plate(struct dec *d)
{
	struct measurement *m = &d->r->m;
	const struct pfield *f = field(d->p, PF_PLATE);
	char raw[128];
	const uint16_t *w;
	size_t n, i;
	int len, c;

	if (f == NULL)
		return;
	d->r->have |= 1u << PF_PLATE;
	w = words(d, f, 0);
	for (i = 0; i < (size_t)f->registers; i++) {
		uint16_t x = f->byte_order ? swap16(w[i]) : w[i];

		raw[2 * i] = (char)(x >> 8);
		raw[2 * i + 1] = (char)(x & 0xff);
	}
	for (n = 0; n < 2 * (size_t)f->registers && raw[n] != '\0'; n++)
		;
	if ((len = text_decode((int)f->encoding, raw, n, m->plate,
	    sizeof(m->plate))) < 0) {
		m->plate[0] = '\0';
		bad(d, "plate: bytes not valid %s", enc_names[f->encoding]);
		return;
	}
	m->plate[len] = '\0';
	if ((c = decode_text_control_char(m->plate, (size_t)len)) >= 0) {
		m->plate[0] = '\0';
		bad(d, "plate: control character 0x%02x", c);
	}
}

/* The raw words of the result fields, for "the same result". */
static void
do_key(struct dec *d)
{
	const struct profile *p = d->p;
	struct profile_reading *r = d->r;
	int i, j, n;

	r->key_len = 0;
	for (i = 0; i < p->nfields; i++) {
		const struct pfield *f = &p->f[i];

		if (f->id <= PF_ABNORMAL || f->id == PF_HEARTBEAT ||
		    f->id == PF_DECIMALS)
			continue;
		n = (int)(f->registers * f->count);
		if (f->table == PT_COIL || f->table == PT_DISCRETE)
			n = 1;
		for (j = 0; j < n && r->key_len < (int)(sizeof(r->key) /
		    sizeof(r->key[0])); j++)
			r->key[r->key_len++] = d->img[f->req][f->off + j];
	}
}

int
profile_decode_scale(const profile_t *p, const uint16_t *const *img,
    struct profile_reading *r, char *err, size_t errlen)
{
	struct dec d = { p, img, r, err, errlen, 0, 0 };
	char lane[MEAS_LANE_MAX];
	int64_t ts_ms = r->m.ts_ms;

	memcpy(lane, r->m.lane, sizeof(lane));
	memset(r, 0, sizeof(*r));
	meas_init(&r->m);
	memcpy(r->m.lane, lane, sizeof(lane));
	r->m.ts_ms = ts_ms;
	if (errlen > 0)
		err[0] = '\0';
	do_conditions(&d);
	do_counters(&d);
	do_quantities(&d);
	do_codes(&d);
	do_axle_kg(&d);
	do_plate(&d);
	do_key(&d);
	r->requests = profile_nrequests(p);
	return d.rc;
}

void
profile_decode_io(const profile_t *p, const uint16_t *const *img,
    bool bits[4], uint32_t *have)
{
	struct profile_reading unused;
	struct dec d = { p, img, &unused, NULL, 0, 0, 0 };
	const struct pfield *f;
	int i;

	*have = 0;
	for (i = 0; i < 4; i++) {
		bits[i] = false;
		if ((f = field(p, (enum profile_field)(PF_BARRIER_IS_UP + i))) !=
		    NULL) {
			bits[i] = cond(&d, f);
			*have |= 1u << (PF_BARRIER_IS_UP + i);
		}
	}
}

int
profile_output(const profile_t *p, enum profile_output o, bool on,
    struct profile_write *w)
{
	const struct poutput *out;

	if ((unsigned)o >= PO_N || !(out = &p->out[o])->defined)
		return -1;
	memset(w, 0, sizeof(*w));
	w->table = (enum profile_table)out->table;
	w->start = out->start;
	w->count = 1;
	if (out->mode == 1) {		/* pulse: an event, only on */
		w->count = on ? 1 : 0;
		w->v[0] = (uint16_t)out->on;
		w->pulse_ms = (int)out->pulse_ms;
		return 0;
	}
	w->v[0] = (uint16_t)(on ? out->on : out->off);
	return 0;
}

/* ASCII text cut to fit nregs registers, high byte first, NUL padded. */
static int
ascii_encode(const char *s, int nregs, uint16_t *regs)
{
	size_t n = strlen(s), i;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] >= 0x80)
			return -1;
	if (n > (size_t)nregs * 2)
		n = (size_t)nregs * 2;
	memset(regs, 0, (size_t)nregs * sizeof(regs[0]));
	for (i = 0; i < n; i++)
		regs[i / 2] |= (uint16_t)((unsigned char)s[i] << (i % 2 ? 0 : 8));
	return (int)n;
}

int
profile_led_writes(const profile_t *p, int colour, const char *text,
    uint16_t counter, struct profile_write w[3], int *n)
{
	const struct pled *l = &p->led;
	int nregs = (int)l->text_registers, i, rc;
	uint16_t code = (uint16_t)(colour == 1 ? l->red : colour == 2 ?
	    l->yellow : l->green);
	bool joined = l->colour_at >= 0 && l->colour_at + 1 == l->text_at;
	uint16_t *t;

	*n = 0;
	if (!l->defined)
		return -1;
	memset(w, 0, 3 * sizeof(w[0]));
	if (l->colour_at >= 0 && !joined) {
		w[*n].table = PT_HOLDING;
		w[*n].start = l->colour_at;
		w[*n].count = 1;
		w[(*n)++].v[0] = code;
	}
	w[*n].table = PT_HOLDING;
	w[*n].start = joined ? l->colour_at : l->text_at;
	w[*n].count = nregs + joined;
	w[*n].v[0] = code;
	t = w[*n].v + joined;
	rc = l->encoding == FE_ASCII ? ascii_encode(text, nregs, t) :
	    led_encode(l->encoding == FE_UTF8 ? ENC_UTF8 : ENC_GB18030, text,
	    nregs, t);
	if (rc < 0)
		return -1;
	if (l->byte_order)
		for (i = 0; i < nregs; i++)
			t[i] = swap16(t[i]);
	(*n)++;
	if (l->counter_at >= 0) {
		w[*n].table = PT_HOLDING;
		w[*n].start = l->counter_at;
		w[*n].count = 1;
		w[(*n)++].v[0] = counter;
	}
	return 0;
}
