/* The scale's registers (docs/design.md §4.1) <-> measurement; word orders; plate text. */
#include <errno.h>
#include <iconv.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "weighgate/decode.h"

/* Register offsets of the scale block (docs/design.md §4.1). */
#define R_STATUS	0
#define R_SEQ		1
#define R_GROSS		2
#define R_AXLES		4
#define R_KIND		5
#define R_CONFIG	6
#define R_SPEED		7
#define R_AXLE_KG	8
#define R_PLATE		20
#define R_COLOR		28
#define PLATE_BYTES	16

static uint16_t
swap16(uint16_t v)
{
	return (uint16_t)((v >> 8) | (v << 8));
}

/*
 * ABCD: regs[0] holds the high word, high byte first.  CDAB: low word
 * first.  BADC: high word first, bytes swapped in each word.  DCBA: low
 * word first, bytes swapped.
 */
uint32_t
decode_wo_get_u32(const uint16_t regs[2], enum word_order wo)
{
	switch (wo) {
	case WO_CDAB:
		return (uint32_t)regs[1] << 16 | regs[0];
	case WO_BADC:
		return (uint32_t)swap16(regs[0]) << 16 | swap16(regs[1]);
	case WO_DCBA:
		return (uint32_t)swap16(regs[1]) << 16 | swap16(regs[0]);
	case WO_ABCD:
	default:
		return (uint32_t)regs[0] << 16 | regs[1];
	}
}

void
decode_wo_set_u32(uint16_t regs[2], uint32_t v, enum word_order wo)
{
	uint16_t hi = (uint16_t)(v >> 16), lo = (uint16_t)(v & 0xffff);

	switch (wo) {
	case WO_CDAB:
		regs[0] = lo;
		regs[1] = hi;
		break;
	case WO_BADC:
		regs[0] = swap16(hi);
		regs[1] = swap16(lo);
		break;
	case WO_DCBA:
		regs[0] = swap16(lo);
		regs[1] = swap16(hi);
		break;
	case WO_ABCD:
	default:
		regs[0] = hi;
		regs[1] = lo;
		break;
	}
}

/* Length of the well-formed UTF-8 sequence at s (at most n bytes), 0 if none. */
static size_t
utf8_seq(const unsigned char *s, size_t n)
{
	size_t len, i;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] < 0xc2 || s[0] > 0xf4)
		return 0;
	len = s[0] < 0xe0 ? 2 : s[0] < 0xf0 ? 3 : 4;
	if (len > n)
		return 0;
	cp = s[0] & (0x7f >> len);
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return len;
}

int
decode_text_control_char(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return (unsigned char)s[i];
	return -1;
}

bool
decode_text_utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, n;

	while (i < len) {
		if ((n = utf8_seq(p + i, len - i)) == 0)
			return false;
		i += n;
	}
	return true;
}

/* Copy n bytes and a NUL when it fits; -1 when the bytes don't fit. */
static int
copy_out(const char *in, size_t n, char *out, size_t outsz)
{
	if (n > outsz || n > INT32_MAX)
		return -1;
	memcpy(out, in, n);
	if (n < outsz)
		out[n] = '\0';
	return (int)n;
}

/*
 * iconv between two charsets.  iconv_open per call costs a few
 * microseconds (a table look-up in glibc); fine for one plate per weighing
 * and one LED text per decision, keep a descriptor if that ever matters.
 */
static int
convert(const char *to, const char *from, const char *in, size_t inlen,
    char *out, size_t outsz)
{
	iconv_t cd;
	char *ip = (char *)(uintptr_t)in, *op = out;
	size_t il = inlen, ol = outsz, rc;
	int n = -1;

	if ((cd = iconv_open(to, from)) == (iconv_t)-1)
		return -1;
	rc = iconv(cd, &ip, &il, &op, &ol);
	if (rc == (size_t)-1 || il != 0)
		goto done;
	if (iconv(cd, NULL, NULL, &op, &ol) == (size_t)-1)
		goto done;
	n = (int)(outsz - ol);
	if ((size_t)n < outsz)
		out[n] = '\0';
done:
	iconv_close(cd);
	return n;
}

int
decode_text_from_utf8(enum text_encoding enc, const char *in, char *out, size_t outsz)
{
	size_t len = strlen(in);

	if (!decode_text_utf8_valid(in, len))
		return -1;
	if (enc == ENC_UTF8)
		return copy_out(in, len, out, outsz);
	return convert("GB18030", "UTF-8", in, len, out, outsz);
}

int
decode_text_to_utf8(enum text_encoding enc, const char *in, size_t inlen,
    char *out, size_t outsz)
{
	if (enc == ENC_UTF8) {
		if (!decode_text_utf8_valid(in, inlen))
			return -1;
		return copy_out(in, inlen, out, outsz);
	}
	return convert("UTF-8", "GB18030", in, inlen, out, outsz);
}

/* Note the first problem in err; every problem makes the weighing invalid. */
static void __attribute__((format(printf, 5, 6)))
bad(struct measurement *m, int *rc, char *err, size_t errlen,
    const char *fmt, ...)
{
	va_list ap;

	if (*rc == 0 && errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	*rc = -1;
	m->valid = false;
}

/*
 * Axle weights: n_axle_kg is the axle count when it is 1-12 and some
 * weight is set; all zero means the scale gave none (no axle-sum check).
 * A weight past the axle count contradicts it: the block is not trusted.
 */
static void
decode_axles(const uint16_t *regs, struct measurement *m, int *rc,
    char *err, size_t errlen)
{
	int i, any = 0;

	for (i = 0; i < MEAS_MAX_AXLES; i++) {
		m->axle_kg[i] = regs[R_AXLE_KG + i];
		if (m->axles <= MEAS_MAX_AXLES && i >= m->axles &&
		    m->axle_kg[i] != 0) {
			bad(m, rc, err, errlen,
			    "axle weight %d: set past the axle count", i + 1);
			return;
		}
		if (i < m->axles && m->axle_kg[i] != 0)
			any = 1;
	}
	if (m->axles >= 1 && m->axles <= MEAS_MAX_AXLES && any)
		m->n_axle_kg = m->axles;
}

/* Plate: 16 bytes high byte first, up to the first NUL, enc -> UTF-8. */
static void
decode_plate(const uint16_t *regs, enum text_encoding enc,
    struct measurement *m, int *rc, char *err, size_t errlen)
{
	char raw[PLATE_BYTES];
	size_t n, i;
	int len, c;

	for (i = 0; i < PLATE_BYTES / 2; i++) {
		raw[2 * i] = (char)(regs[R_PLATE + i] >> 8);
		raw[2 * i + 1] = (char)(regs[R_PLATE + i] & 0xff);
	}
	for (n = 0; n < PLATE_BYTES && raw[n] != '\0'; n++)
		;
	len = decode_text_to_utf8(enc, raw, n, m->plate, sizeof(m->plate));
	if (len < 0) {
		m->plate[0] = '\0';
		bad(m, rc, err, errlen, "plate: bytes not valid %s",
		    enc == ENC_UTF8 ? "UTF-8" : "GB18030");
		return;
	}
	m->plate[len] = '\0';
	if ((c = decode_text_control_char(m->plate, (size_t)len)) >= 0) {
		m->plate[0] = '\0';
		bad(m, rc, err, errlen, "plate: control character 0x%02x", c);
	}
}

/*
 * Any code outside its table (kind, configuration, colour) or a plate that
 * is not text in enc makes the weighing invalid (-> retry): the lane never
 * passes a vehicle on a block it cannot read.  lane and ts_ms are kept.
 */
int
decode_scale(const uint16_t regs[SCALE_NREGS], enum word_order wo,
    enum text_encoding enc, struct measurement *m, char *err, size_t errlen)
{
	char lane[MEAS_LANE_MAX];
	int64_t ts_ms = m->ts_ms;
	uint16_t st = regs[R_STATUS];
	int rc = 0;

	memcpy(lane, m->lane, sizeof(lane));
	meas_init(m);
	memcpy(m->lane, lane, sizeof(lane));
	m->ts_ms = ts_ms;
	if (errlen > 0)
		err[0] = '\0';
	m->valid = (st & SCALE_ST_VALID) != 0;
	m->fault = (st & SCALE_ST_FAULT) != 0;
	m->unstable = (st & SCALE_ST_UNSTABLE) != 0;
	m->abnormal = (st & SCALE_ST_ABNORMAL) != 0;
	m->seq = regs[R_SEQ];
	m->gross_kg = decode_wo_get_u32(regs + R_GROSS, wo);
	m->axles = regs[R_AXLES];
	m->speed_dkmh = regs[R_SPEED];
	if (regs[R_KIND] <= VK_TRUCK)
		m->kind = (enum vkind)regs[R_KIND];
	else
		bad(m, &rc, err, errlen, "vehicle kind: unknown code %u",
		    regs[R_KIND]);
	if (regs[R_CONFIG] <= VC_COMBINATION_SINGLE_DRIVE)
		m->config = (enum vconfig)regs[R_CONFIG];
	else
		bad(m, &rc, err, errlen, "configuration: unknown code %u",
		    regs[R_CONFIG]);
	if (regs[R_COLOR] < PC_NCOLORS)
		m->plate_color = (enum pcolor)regs[R_COLOR];
	else
		bad(m, &rc, err, errlen, "plate colour: unknown code %u",
		    regs[R_COLOR]);
	decode_axles(regs, m, &rc, err, errlen);
	decode_plate(regs, enc, m, &rc, err, errlen);
	return rc;
}

/* Plate UTF-8 -> enc into the 8 plate registers, NUL padded; -1 if too long. */
static int
encode_plate(const char *plate, enum text_encoding enc, uint16_t *regs)
{
	char raw[PLATE_BYTES + 1];
	int n, i;

	memset(raw, 0, sizeof(raw));
	if ((n = decode_text_from_utf8(enc, plate, raw, PLATE_BYTES)) < 0)
		return -1;
	for (i = 0; i < PLATE_BYTES / 2; i++)
		regs[i] = (uint16_t)((unsigned char)raw[2 * i] << 8 |
		    (unsigned char)raw[2 * i + 1]);
	return 0;
}

/*
 * The inverse of decode_scale for the simulator.  status is written as
 * given (m->valid etc. are not consulted).  Returns -1 when a value does
 * not fit its register (regs then partly written).
 */
int
decode_encode_scale(const struct measurement *m, uint16_t status, uint16_t seq,
    enum word_order wo, enum text_encoding enc, uint16_t regs[SCALE_NREGS])
{
	int i;

	memset(regs, 0, SCALE_NREGS * sizeof(regs[0]));
	if (m->gross_kg < 0 || m->gross_kg > (int64_t)UINT32_MAX ||
	    m->axles < 0 || m->axles > 0xffff || m->speed_dkmh < 0 ||
	    m->speed_dkmh > 0xffff || m->n_axle_kg < 0 ||
	    m->n_axle_kg > MEAS_MAX_AXLES)
		return -1;
	regs[R_STATUS] = status;
	regs[R_SEQ] = seq;
	decode_wo_set_u32(regs + R_GROSS, (uint32_t)m->gross_kg, wo);
	regs[R_AXLES] = (uint16_t)m->axles;
	regs[R_KIND] = (uint16_t)m->kind;
	regs[R_CONFIG] = (uint16_t)m->config;
	regs[R_SPEED] = (uint16_t)m->speed_dkmh;
	for (i = 0; i < m->n_axle_kg; i++) {
		if (m->axle_kg[i] < 0 || m->axle_kg[i] > 0xffff)
			return -1;
		regs[R_AXLE_KG + i] = (uint16_t)m->axle_kg[i];
	}
	regs[R_COLOR] = (uint16_t)m->plate_color;
	return encode_plate(m->plate, enc, regs + R_PLATE);
}
