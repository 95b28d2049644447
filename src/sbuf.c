/* A growing string buffer and the JSON string writer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "weighgate/log.h"
#include "weighgate/sbuf.h"

void
sbuf_init(struct sbuf *b)
{
	b->p = NULL;
	b->len = 0;
	b->cap = 0;
}

void
sbuf_fini(struct sbuf *b)
{
	free(b->p);
	sbuf_init(b);
}

void
sbuf_reset(struct sbuf *b)
{
	b->len = 0;
	if (b->p != NULL)
		b->p[0] = '\0';
}

static void
sbuf_grow(struct sbuf *b, size_t more)
{
	size_t need = b->len + more + 1;
	size_t cap;
	char *p;

	if (need <= b->cap)
		return;
	cap = b->cap ? b->cap : 256;
	while (cap < need)
		cap *= 2;
	if ((p = realloc(b->p, cap)) == NULL)
		fatal("out of memory");
	b->p = p;
	b->cap = cap;
}

void
sbuf_putn(struct sbuf *b, const char *s, size_t n)
{
	sbuf_grow(b, n);
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void
sbuf_puts(struct sbuf *b, const char *s)
{
	sbuf_putn(b, s, strlen(s));
}

void
sbuf_putc(struct sbuf *b, char c)
{
	sbuf_grow(b, 1);
	b->p[b->len++] = c;
	b->p[b->len] = '\0';
}

void
sbuf_printf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	sbuf_grow(b, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void
sbuf_put_i64(struct sbuf *b, int64_t v)
{
	char tmp[24];
	char *q = tmp + sizeof(tmp);
	uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;

	do {
		*--q = (char)('0' + u % 10);
		u /= 10;
	} while (u != 0);
	if (v < 0)
		*--q = '-';
	sbuf_putn(b, q, (size_t)(tmp + sizeof(tmp) - q));
}

void
sbuf_put_fixed(struct sbuf *b, int64_t v, int decimals)
{
	int64_t scale = 1;
	uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	char frac[24];
	int i;

	for (i = 0; i < decimals; i++)
		scale *= 10;
	if (v < 0)
		sbuf_putc(b, '-');
	sbuf_put_i64(b, (int64_t)(u / (uint64_t)scale));
	if (decimals <= 0)
		return;
	u %= (uint64_t)scale;
	for (i = decimals - 1; i >= 0; i--) {
		frac[i] = (char)('0' + u % 10);
		u /= 10;
	}
	sbuf_putc(b, '.');
	sbuf_putn(b, frac, (size_t)decimals);
}

/* Length of the valid UTF-8 sequence at s, or 0 when it is not one. */
static size_t
utf8_seq_len(const unsigned char *s)
{
	unsigned char c = s[0];
	size_t n, i;
	uint32_t cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2, cp = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3, cp = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4, cp = c & 0x07;
	else
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

void
sbuf_put_json_str(struct sbuf *b, const char *str)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)str;
	const unsigned char *run = s;
	size_t n;

	sbuf_putc(b, '"');
	while (*s != '\0') {
		if (*s >= 0x20 && *s != '"' && *s != '\\' && *s < 0x80) {
			s++;
			continue;
		}
		sbuf_putn(b, (const char *)run, (size_t)(s - run));
		if (*s >= 0x80) {
			n = utf8_seq_len(s);
			if (n == 0) {
				sbuf_puts(b, "\xef\xbf\xbd");
				n = 1;
			} else
				sbuf_putn(b, (const char *)s, n);
			s += n;
		} else {
			sbuf_putc(b, '\\');
			switch (*s) {
			case '"': sbuf_putc(b, '"'); break;
			case '\\': sbuf_putc(b, '\\'); break;
			case '\n': sbuf_putc(b, 'n'); break;
			case '\r': sbuf_putc(b, 'r'); break;
			case '\t': sbuf_putc(b, 't'); break;
			default:
				sbuf_puts(b, "u00");
				sbuf_putc(b, hex[*s >> 4]);
				sbuf_putc(b, hex[*s & 15]);
			}
			s++;
		}
		run = s;
	}
	sbuf_putn(b, (const char *)run, (size_t)(s - run));
	sbuf_putc(b, '"');
}

char *
sbuf_take(struct sbuf *b)
{
	char *p;

	if (b->p == NULL)
		sbuf_grow(b, 0), b->p[0] = '\0';
	p = b->p;
	sbuf_init(b);
	return p;
}
