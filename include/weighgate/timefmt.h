/* UTC timestamps: ms since the epoch <-> RFC 3339 text. */
#ifndef WEIGHGATE_TIMEFMT_H
#define WEIGHGATE_TIMEFMT_H

#include <stdint.h>

#define TS_TEXT_LEN 24	/* YYYY-MM-DDTHH:MM:SS.mmmZ */

/* Format as YYYY-MM-DDTHH:MM:SS.mmmZ; out must hold TS_TEXT_LEN + 1. */
void ts_format(int64_t ms, char out[TS_TEXT_LEN + 1]);
/*
 * Parse RFC 3339: date, 'T' (or 't' or ' '), time, optional fraction (ms
 * kept, finer digits truncated), 'Z' or +HH:MM / -HH:MM.  Returns 0 or -1.
 */
int ts_parse(const char *s, int64_t *ms);
/*
 * An HTTP Date in IMF-fixdate form ("Sun, 06 Nov 1994 08:49:37 GMT"),
 * strictly: the obsolete forms and a wrong day name are refused.  0 or -1.
 */
int ts_parse_http_date(const char *s, int64_t *ms);
/* Wall clock and monotonic clock in ms (the shell only, never the core). */
int64_t ts_now_ms(void);
int64_t ts_mono_ms(void);
/* The monotonic clock that counts a suspend too (CLOCK_BOOTTIME), in ms. */
int64_t ts_boot_ms(void);

#endif
