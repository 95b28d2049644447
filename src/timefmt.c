/* UTC timestamps: ms since the epoch <-> RFC 3339 text, and the clocks. */
#include <ctype.h>
#include <string.h>
#include <time.h>

#include "weighgate/timefmt.h"

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar. */
static int64_t
days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void
civil_from_days(int64_t z, int *y, int *m, int *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

static char *
put_digits(char *p, unsigned v, int n)
{
	int i;

	for (i = n - 1; i >= 0; i--) {
		p[i] = (char)('0' + v % 10);
		v /= 10;
	}
	return p + n;
}

void
ts_format(int64_t ms, char out[TS_TEXT_LEN + 1])
{
	int64_t days = ms >= 0 ? ms / 86400000 : -((-ms + 86399999) / 86400000);
	unsigned rem = (unsigned)(ms - days * 86400000);
	int y, m, d;
	char *p = out;

	civil_from_days(days, &y, &m, &d);
	p = put_digits(p, (unsigned)(y < 0 ? 0 : y), 4);
	*p++ = '-';
	p = put_digits(p, (unsigned)m, 2);
	*p++ = '-';
	p = put_digits(p, (unsigned)d, 2);
	*p++ = 'T';
	p = put_digits(p, rem / 3600000, 2);
	*p++ = ':';
	p = put_digits(p, rem / 60000 % 60, 2);
	*p++ = ':';
	p = put_digits(p, rem / 1000 % 60, 2);
	*p++ = '.';
	p = put_digits(p, rem % 1000, 3);
	*p++ = 'Z';
	*p = '\0';
}

static int
digits(const char **s, int n, int *out)
{
	int v = 0;

	while (n-- > 0) {
		if (!isdigit((unsigned char)**s))
			return -1;
		v = v * 10 + (**s - '0');
		(*s)++;
	}
	*out = v;
	return 0;
}

static int
days_in_month(int y, int m)
{
	static const int dm[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return dm[m - 1];
}

int
ts_parse(const char *s, int64_t *ms)
{
	int y, mo, d, h, mi, se, oh = 0, om = 0, frac = 0, nfrac = 0, sign = 0;

	if (digits(&s, 4, &y) || *s++ != '-' || digits(&s, 2, &mo) ||
	    *s++ != '-' || digits(&s, 2, &d))
		return -1;
	if (*s != 'T' && *s != 't' && *s != ' ')
		return -1;
	s++;
	if (digits(&s, 2, &h) || *s++ != ':' || digits(&s, 2, &mi) ||
	    *s++ != ':' || digits(&s, 2, &se))
		return -1;
	if (*s == '.') {
		s++;
		if (!isdigit((unsigned char)*s))
			return -1;
		while (isdigit((unsigned char)*s)) {
			if (nfrac < 3)
				frac = frac * 10 + (*s - '0'), nfrac++;
			s++;
		}
		while (nfrac < 3)
			frac *= 10, nfrac++;
	}
	if (*s == 'Z' || *s == 'z')
		s++;
	else if (*s == '+' || *s == '-') {
		sign = *s++ == '+' ? 1 : -1;
		if (digits(&s, 2, &oh) || *s++ != ':' || digits(&s, 2, &om) ||
		    oh > 23 || om > 59)
			return -1;
	} else
		return -1;
	if (*s != '\0' || mo < 1 || mo > 12 || d < 1 ||
	    d > days_in_month(y, mo) || h > 23 || mi > 59 || se > 60)
		return -1;
	if (se == 60)	/* a leap second is held at :59.999 */
		se = 59, frac = 999;
	*ms = ((days_from_civil(y, mo, d) * 24 + h) * 60 + mi) * 60000LL +
	    se * 1000LL + frac - (int64_t)sign * (oh * 60 + om) * 60000LL;
	return 0;
}

/* A 3-letter name of names[] at *s (case-sensitive, as HTTP writes it). */
static int
name_at(const char **s, const char *const *names, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (strncmp(*s, names[i], 3) == 0) {
			*s += 3;
			return i;
		}
	return -1;
}

/*
 * IMF-fixdate (RFC 9110 5.6.7): "Sun, 06 Nov 1994 08:49:37 GMT", exactly;
 * the day name must be that date's.  Trailing white space is allowed.
 */
int
ts_parse_http_date(const char *s, int64_t *ms)
{
	static const char *const wdays[] = {
		"Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"	/* 1970-01-01 */
	};
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr",
	    "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	int wd, d, mo, y, h, mi, se;
	int64_t days;

	if ((wd = name_at(&s, wdays, 7)) < 0 || *s++ != ',' || *s++ != ' ' ||
	    digits(&s, 2, &d) || *s++ != ' ' ||
	    (mo = name_at(&s, months, 12) + 1) < 1 || *s++ != ' ' ||
	    digits(&s, 4, &y) || *s++ != ' ' || digits(&s, 2, &h) ||
	    *s++ != ':' || digits(&s, 2, &mi) || *s++ != ':' ||
	    digits(&s, 2, &se) || strncmp(s, " GMT", 4) != 0)
		return -1;
	for (s += 4; *s == ' ' || *s == '\t' || *s == '\r' || *s == '\n'; s++)
		;
	if (*s != '\0' || d < 1 || d > days_in_month(y, mo) || h > 23 ||
	    mi > 59 || se > 60)
		return -1;
	days = days_from_civil(y, mo, d);
	if ((days % 7 + 7) % 7 != wd)
		return -1;
	*ms = ((days * 24 + h) * 60 + mi) * 60000LL +
	    (se == 60 ? 59999 : se * 1000LL);
	return 0;
}

int64_t
ts_now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_REALTIME, &t);
	return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

int64_t
ts_mono_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

int64_t
ts_boot_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_BOOTTIME, &t);
	return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}
