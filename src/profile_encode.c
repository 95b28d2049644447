/*
 * The device's side of a profile, for the simulator: a reading and the I/O
 * module's inputs -> register images, the sign's registers -> its message.
 * The inverse of profile_decode.c: what profile_decode_scale() reads from
 * the images written here is the reading given (masses to the field's unit).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "weighgate/decode.h"
#include "profile_int.h"

/* The state of one encode: the first field that could not be written is named. */
struct enc {
	const struct profile *p;
	uint16_t *const *img;
	char *err;
	size_t errlen;
	int rc;
};

/* Field what (element el when > 0) cannot hold v. */
static void
cannot(struct enc *e, const char *what, int el, int64_t v)
{
	if (e->rc++ == 0 && e->errlen > 0)
		snprintf(e->err, e->errlen, el > 0 ? "%s %d: the field cannot "
		    "hold %lld" : "%s%.0d: the field cannot hold %lld", what, el,
		    (long long)v);
}

static uint16_t
swap16(uint16_t v)
{
	return (uint16_t)(v >> 8 | v << 8);
}

static uint16_t *
words(const struct enc *e, const struct pfield *f, int el)
{
	return e->img[f->req] + f->off + el * profile_field_regs(f);
}

static bool
bit_table(const struct pfield *f)
{
	return f->table == PT_COIL || f->table == PT_DISCRETE;
}

static uint32_t
get_raw(const struct enc *e, const struct pfield *f, int el)
{
	const uint16_t *w = words(e, f, el);

	if (profile_field_regs(f) == 2)
		return decode_wo_get_u32(w, (enum word_order)f->word_order);
	return f->byte_order ? swap16(w[0]) : w[0];
}

static void
put_raw(const struct enc *e, const struct pfield *f, int el, uint32_t raw)
{
	uint16_t *w = words(e, f, el);

	if (profile_field_regs(f) == 2)
		decode_wo_set_u32(w, raw, (enum word_order)f->word_order);
	else
		w[0] = f->byte_order ? swap16((uint16_t)raw) : (uint16_t)raw;
}

/* BCD of v in nibbles digits; -1 when it does not fit. */
static int64_t
to_bcd(int64_t v, int nibbles)
{
	int64_t r = 0;
	int i;

	if (v < 0)
		return -1;
	for (i = 0; i < nibbles; i++, v /= 10)
		r |= (v % 10) << (4 * i);
	return v == 0 ? r : -1;
}

/* Put an integer value in the field's type; -1 when the type cannot hold it. */
static int
put_int(const struct enc *e, const struct pfield *f, int el, int64_t v)
{
	int regs = profile_field_regs(f);
	uint32_t raw, m;

	if (f->type == FT_BIT && bit_table(f))
		return words(e, f, el)[0] = v != 0, 0;
	raw = get_raw(e, f, el);
	switch (f->type) {
	case FT_BIT:
		raw = (raw & ~(1u << f->bit)) | (uint32_t)(v != 0) << f->bit;
		break;
	case FT_BITS:
		m = 0xffffffffu >> (31 - (f->bit_hi - f->bit_lo));
		if (v < 0 || (uint64_t)v > m)
			return -1;
		raw = (raw & ~(m << f->bit_lo)) | (uint32_t)v << f->bit_lo;
		break;
	case FT_BCD:
		if ((v = to_bcd(v, 4 * regs)) < 0)
			return -1;
		raw = (uint32_t)v;
		break;
	case FT_S16: case FT_S32:
		if (v < (regs == 2 ? INT32_MIN : INT16_MIN) ||
		    v > (regs == 2 ? INT32_MAX : INT16_MAX))
			return -1;
		raw = (uint32_t)(regs == 2 ? v : (v & 0xffff));
		break;
	default:
		if (v < 0 || v > (regs == 2 ? (int64_t)UINT32_MAX : 0xffff))
			return -1;
		raw = (uint32_t)v;
	}
	put_raw(e, f, el, raw);
	return 0;
}

/* The current value of an integer field (as profile_decode.c reads it). */
static int64_t
get_int(const struct enc *e, const struct pfield *f)
{
	uint32_t raw;

	if (f->type == FT_BIT && bit_table(f))
		return words(e, f, 0)[0] != 0;
	raw = get_raw(e, f, 0);
	if (f->type == FT_BIT)
		return raw >> f->bit & 1;
	if (f->type == FT_BITS)
		return raw >> f->bit_lo &
		    (0xffffffffu >> (31 - (f->bit_hi - f->bit_lo)));
	return raw;
}

/* A condition made true or false: the bit, or the masked bits only. */
static void
put_cond(const struct enc *e, const struct pfield *f, bool on)
{
	int64_t v, low;

	if (f->invert)
		on = !on;
	if (f->type == FT_BIT) {
		(void)put_int(e, f, 0, on);
		return;
	}
	v = get_int(e, f) & ~f->mask;
	low = f->mask & -f->mask;	/* the lowest bit of the mask */
	if (f->has_equals)
		v |= on ? f->equals & f->mask : (f->equals ^ low) & f->mask;
	else
		v |= on ? low : 0;
	(void)put_int(e, f, 0, v);
}

static const struct pfield *
field(const struct profile *p, enum profile_field id)
{
	const struct pfield *f;

	for (f = p->f; f < p->f + p->nfields; f++)
		if (f->id == id)
			break;
	return f < p->f + p->nfields ? f : NULL;
}

/* The decimals the encoder writes: none (the code that reads as 0). */
static int64_t
decimals_code(const struct pfield *f)
{
	int i;

	for (i = 0; i < f->nmap; i++)
		if (f->map[i].val == 0)
			return f->map[i].raw;
	return 0;
}

/* A quantity in the measurement's unit -> the field's raw value (decimals 0 for "device"). */
static int
put_quantity(const struct enc *e, const struct pfield *f, int el, int64_t v)
{
	int dec = f->decimals < 0 ? 0 : (int)f->decimals, i;
	double pow10 = 1, x;
	uint32_t raw;
	float fl;

	for (i = 0; i < dec; i++)
		pow10 *= 10;
	x = (double)v * (double)f->scale_den * pow10 / (double)f->scale_num;
	if (f->type == FT_F32) {
		fl = (float)x;
		memcpy(&raw, &fl, sizeof(raw));
		put_raw(e, f, el, raw);
		return 0;
	}
	return put_int(e, f, el, (int64_t)round(x));
}

/* A code through the field's table backwards, or as is without one. */
static int
put_code(const struct enc *e, const struct pfield *f, int64_t v)
{
	int i;

	for (i = 0; i < f->nmap; i++)
		if (f->map[i].val == v)
			return put_int(e, f, 0, f->map[i].raw);
	return f->nmap > 0 ? -1 : put_int(e, f, 0, v);
}

static void
enc_conditions(struct enc *e, const struct profile_reading *r)
{
	static const enum profile_field ids[] = { PF_PRESENT, PF_VALID,
	    PF_FAULT, PF_UNSTABLE, PF_REVERSING, PF_ABNORMAL };
	const bool v[6] = { r->present, r->m.valid, r->m.fault,
	    r->m.unstable, r->reversing, r->m.abnormal };
	const struct pfield *f;
	size_t i;

	for (i = 0; i < 6; i++)
		if ((f = field(e->p, ids[i])) != NULL)
			put_cond(e, f, v[i]);
}

static void
enc_counters(struct enc *e, const struct profile_reading *r)
{
	const struct pfield *f;
	int w;

	if ((f = field(e->p, PF_SEQ)) != NULL) {
		w = f->type == FT_BITS ? (int)(f->bit_hi - f->bit_lo + 1) :
		    16 * profile_field_regs(f);
		(void)put_int(e, f, 0, w >= 32 ? (int64_t)(uint32_t)r->seq :
		    r->seq & ((1ll << w) - 1));
	}
	if ((f = field(e->p, PF_HEARTBEAT)) != NULL)
		put_raw(e, f, 0, profile_field_regs(f) == 2 ? r->heartbeat :
		    (r->heartbeat & 0xffff));
	if ((f = field(e->p, PF_DECIMALS)) != NULL &&
	    put_int(e, f, 0, decimals_code(f)) != 0)
		cannot(e, "decimals", 0, decimals_code(f));
}

static void
enc_numbers(struct enc *e, const struct measurement *m)
{
	static const struct {
		enum profile_field id;
		const char *what;
		bool quantity;
	} n[] = {
		{ PF_GROSS, "gross", true },
		{ PF_SPEED, "speed", true },
		{ PF_AXLES, "axle count", false },
		{ PF_KIND, "vehicle kind", false },
		{ PF_CONFIG, "configuration", false },
		{ PF_PLATE_COLOR, "plate colour", false },
	};
	const int64_t v[] = { m->gross_kg, m->speed_dkmh, m->axles, m->kind,
	    m->config, m->plate_color };
	const struct pfield *f;
	size_t i;
	int el;

	for (i = 0; i < sizeof(n) / sizeof(n[0]); i++) {
		if ((f = field(e->p, n[i].id)) == NULL)
			continue;
		if ((n[i].quantity ? put_quantity(e, f, 0, v[i]) :
		    put_code(e, f, v[i])) != 0)
			cannot(e, n[i].what, 0, v[i]);
	}
	if ((f = field(e->p, PF_AXLE_KG)) == NULL)
		return;
	for (el = 0; el < f->count && el < MEAS_MAX_AXLES; el++)
		if (put_quantity(e, f, el, el < m->n_axle_kg ? m->axle_kg[el] :
		    0) != 0)
			cannot(e, "axle weight", el + 1, m->axle_kg[el]);
}

/* n bytes of ASCII (fenc FE_ASCII) or of UTF-8 / GB18030 converted: out gets them, NUL ended. */
static int
text_conv(int fenc, bool to_utf8, const char *in, size_t n, char *out,
    size_t outsz)
{
	enum text_encoding enc = fenc == FE_UTF8 ? ENC_UTF8 : ENC_GB18030;
	size_t i;
	int r;

	if (fenc == FE_ASCII) {
		for (i = 0; i < n && (unsigned char)in[i] < 0x80; i++)
			;
		if (i < n || n >= outsz)
			return -1;
		memcpy(out, in, n);
		r = (int)n;
	} else if ((r = to_utf8 ? decode_text_to_utf8(enc, in, n, out, outsz - 1) :
	    decode_text_from_utf8(enc, in, out, outsz - 1)) < 0)
		return -1;
	out[r] = '\0';
	return r;
}

static void
enc_plate(struct enc *e, const char *plate)
{
	const struct pfield *f = field(e->p, PF_PLATE);
	char raw[256];
	uint16_t *w;
	int n, i;

	if (f == NULL)
		return;
	memset(raw, 0, sizeof(raw));
	n = text_conv((int)f->encoding, false, plate, strlen(plate), raw,
	    sizeof(raw));
	if (n < 0 || n > 2 * f->registers) {
		cannot(e, "plate", 0, (int64_t)strlen(plate));
		n = 0;
		memset(raw, 0, sizeof(raw));
	}
	w = words(e, f, 0);
	for (i = 0; i < f->registers; i++) {
		uint16_t x = (uint16_t)((unsigned char)raw[2 * i] << 8 |
		    (unsigned char)raw[2 * i + 1]);

		w[i] = f->byte_order ? swap16(x) : x;
	}
}

int
profile_encode_scale(const profile_t *p, const struct profile_reading *r,
    uint16_t *const *img, char *err, size_t errlen)
{
	struct enc e = { p, img, err, errlen, 0 };

	if (errlen > 0)
		err[0] = '\0';
	enc_conditions(&e, r);
	enc_counters(&e, r);
	enc_numbers(&e, &r->m);
	enc_plate(&e, r->m.plate);
	return e.rc == 0 ? 0 : -1;
}

void
profile_encode_io(const profile_t *p, const bool bits[4], uint16_t *const *img)
{
	struct enc e = { p, img, NULL, 0, 0 };
	const struct pfield *f;
	int i;

	for (i = 0; i < 4; i++)
		if ((f = field(p, (enum profile_field)(PF_BARRIER_IS_UP + i))) !=
		    NULL)
			put_cond(&e, f, bits[i]);
}

int
profile_output_state(const profile_t *p, enum profile_output o,
    const uint8_t *coils, int ncoils, const uint16_t *regs, int nregs)
{
	const struct poutput *out;
	int v;

	if ((unsigned)o >= PO_N || !(out = &p->out[o])->defined)
		return -1;
	if (out->table == PT_COIL) {
		if (out->start >= ncoils)
			return -1;
		v = coils[out->start];
	} else {
		if (out->start >= nregs)
			return -1;
		v = regs[out->start];
	}
	if (out->mode == 1 || v == out->on)	/* pulse: on while held */
		return v == out->on;
	return v == out->off ? 0 : -1;
}

int
profile_led_read(const profile_t *p, const uint16_t *regs, int nregs,
    int *colour, int *counter, char *text, size_t textsz)
{
	const struct pled *l = &p->led;
	char raw[2 * 256];
	int i, n;

	*colour = -1;
	*counter = -1;
	if (!l->defined || l->text_at + l->text_registers > nregs ||
	    l->text_registers > 256 || textsz == 0)
		return -1;
	if (l->counter_at >= 0 && l->counter_at < nregs)
		*counter = regs[l->counter_at];
	if (l->colour_at >= 0 && l->colour_at < nregs) {
		uint16_t c = regs[l->colour_at];

		*colour = c == l->green ? 0 : c == l->red ? 1 :
		    c == l->yellow ? 2 : 3 + c;
	}
	for (i = 0; i < l->text_registers; i++) {
		uint16_t x = l->byte_order ? swap16(regs[l->text_at + i]) :
		    regs[l->text_at + i];

		raw[2 * i] = (char)(x >> 8);
		raw[2 * i + 1] = (char)(x & 0xff);
	}
	for (n = 0; n < 2 * l->text_registers && raw[n] != '\0'; n++)
		;
	return text_conv((int)l->encoding, true, raw, (size_t)n, text,
	    textsz) < 0 ? -1 : 0;
}
