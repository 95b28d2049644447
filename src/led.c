/* The LED sign's texts: placeholders, encoding, cutting at a character boundary. */
#include <stdio.h>
#include <string.h>

#include "weighgate/decode.h"
#include "weighgate/led.h"
#include "weighgate/sbuf.h"

/* v / div rounded half away from zero, as tenths, e.g. (981, 100) -> 10. */
static int64_t
div_round(int64_t v, int64_t div)
{
	if (v >= 0)
		return (v + div / 2) / div;
	return -((-v + div / 2) / div);
}

static void
put_value(struct sbuf *b, const char *name, size_t n,
    const struct measurement *m, const struct decision *d)
{
	bool lim = d != NULL && d->has_limit;

#define IS(s) (n == sizeof(s) - 1 && memcmp(name, s, n) == 0)
	if (IS("plate"))
		sbuf_puts(b, m->plate[0] ? m->plate : "-");
	else if (IS("gross_t"))
		sbuf_put_fixed(b, div_round(m->gross_kg, 100), 1);
	else if (IS("axles"))
		sbuf_put_i64(b, m->axles);
	else if (IS("limit_t") && lim)
		sbuf_put_fixed(b, div_round(d->legal_limit_kg, 100), 1);
	else if (IS("over_t") && lim)
		sbuf_put_fixed(b, div_round(d->over_kg, 100), 1);
	else if (IS("over_pct") && lim)
		sbuf_put_fixed(b, d->over_pct_x100, 2);
	else
		sbuf_putc(b, '-');
#undef IS
}

void
led_expand(const char *tmpl, const struct measurement *m,
    const struct decision *d, char *out, size_t outsz)
{
	struct sbuf b;
	const char *p = tmpl, *close;

	sbuf_init(&b);
	while (*p != '\0') {
		if (*p == '{' && (close = strchr(p, '}')) != NULL) {
			put_value(&b, p + 1, (size_t)(close - p - 1), m, d);
			p = close + 1;
		} else
			sbuf_putc(&b, *p++);
	}
	snprintf(out, outsz, "%s", b.p != NULL ? b.p : "");
	sbuf_fini(&b);
}

/* Length of the UTF-8 character starting with byte c. */
static size_t
utf8_len(unsigned char c)
{
	if (c < 0x80)
		return 1;
	if (c >= 0xf0)
		return 4;
	if (c >= 0xe0)
		return 3;
	return 2;
}

int
led_encode(enum text_encoding enc, const char *utf8, int nregs, uint16_t *regs)
{
	char bytes[2 * 128 + 8], one[8], chr[8];
	size_t cap = (size_t)nregs * 2, used = 0, cl;
	const char *p = utf8;
	int k, i;

	if (nregs < 1 || nregs > 128)
		return -1;
	memset(bytes, 0, sizeof(bytes));
	while (*p != '\0') {
		cl = utf8_len((unsigned char)*p);
		if (strnlen(p, cl) < cl)
			return -1;
		memcpy(chr, p, cl);
		chr[cl] = '\0';
		if ((k = decode_text_from_utf8(enc, chr, one, sizeof(one))) < 0)
			return -1;
		if (used + (size_t)k > cap)
			break;		/* cut here: the whole character or none */
		memcpy(bytes + used, one, (size_t)k);
		used += (size_t)k;
		p += cl;
	}
	for (i = 0; i < nregs; i++)
		regs[i] = (uint16_t)(((unsigned char)bytes[2 * i] << 8) |
		    (unsigned char)bytes[2 * i + 1]);
	return (int)used;
}
