/* A growing string buffer, and the JSON string writer everything shares. */
#ifndef WEIGHGATE_SBUF_H
#define WEIGHGATE_SBUF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

struct sbuf {
	char *p;
	size_t len;
	size_t cap;
};

void sbuf_init(struct sbuf *b);
void sbuf_fini(struct sbuf *b);
void sbuf_reset(struct sbuf *b);	/* len = 0, keeps memory */
void sbuf_putn(struct sbuf *b, const char *s, size_t n);
void sbuf_puts(struct sbuf *b, const char *s);
void sbuf_putc(struct sbuf *b, char c);
void sbuf_printf(struct sbuf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void sbuf_put_i64(struct sbuf *b, int64_t v);
/* A JSON string literal with quotes; invalid UTF-8 bytes become U+FFFD. */
void sbuf_put_json_str(struct sbuf *b, const char *s);
/* A fixed-point number: v / 10^decimals, e.g. (-512, 2) -> "-5.12". */
void sbuf_put_fixed(struct sbuf *b, int64_t v, int decimals);
/* Take the text (NUL-terminated, malloc'd); the buffer is left empty. */
char *sbuf_take(struct sbuf *b);

#endif
