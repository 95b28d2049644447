/* Device addresses of SPEC §3: tcp://HOST:PORT?unit=N and rtu:DEVICE?baud=... */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "weighgate/config.h"

#define QP_TCP	1
#define QP_RTU	2

/* The query parameters an address may carry, and for which transport. */
enum qparam { QP_UNIT, QP_BAUD, QP_PARITY, QP_DATA, QP_STOP, QP_N };

static const struct {
	const char *name;
	int types;
} qparams[QP_N] = {
	[QP_UNIT] = { "unit", QP_TCP | QP_RTU },
	[QP_BAUD] = { "baud", QP_RTU },
	[QP_PARITY] = { "parity", QP_RTU },
	[QP_DATA] = { "data", QP_RTU },
	[QP_STOP] = { "stop", QP_RTU },
};

static const int std_bauds[] = {
	1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200
};

static int
addr_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
addr_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL && errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* A decimal number of at most 9 digits with nothing after it; -1 if not. */
static long
small_uint(const char *s, size_t n)
{
	long v = 0;
	size_t i;

	if (n == 0 || n > 9)
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

static int
is_std_baud(long b)
{
	size_t i;

	for (i = 0; i < sizeof(std_bauds) / sizeof(std_bauds[0]); i++)
		if (std_bauds[i] == b)
			return 1;
	return 0;
}

/* Store the value of one query parameter; its name is already known valid. */
static int
set_param(struct devaddr *a, enum qparam q, const char *v, size_t n,
    char *err, size_t errlen)
{
	long x = small_uint(v, n);

	switch (q) {
	case QP_PARITY:
		if (n != 1 || strchr("NEO", v[0]) == NULL)
			return addr_err(err, errlen, "parity must be N, E or O");
		a->parity = v[0];
		return 0;
	case QP_UNIT:
		if (x < 0 || x > 247)
			return addr_err(err, errlen, "unit out of range 0-247");
		a->unit = (int)x;
		return 0;
	case QP_BAUD:
		if (!is_std_baud(x))
			return addr_err(err, errlen, "baud must be one of 1200 "
			    "2400 4800 9600 19200 38400 57600 115200");
		a->baud = (int)x;
		return 0;
	case QP_DATA:
		if (x < 5 || x > 8)
			return addr_err(err, errlen, "data out of range 5-8");
		a->data_bits = (int)x;
		return 0;
	case QP_STOP:
		if (x < 1 || x > 2)
			return addr_err(err, errlen, "stop must be 1 or 2");
		a->stop_bits = (int)x;
		return 0;
	default:
		return addr_err(err, errlen, "internal error");
	}
}

/* One "name=value" of the query, between p and end. */
static int
parse_param(struct devaddr *a, int type, const char *p, const char *end,
    int seen[QP_N], char *err, size_t errlen)
{
	const char *eq = memchr(p, '=', (size_t)(end - p));
	size_t nlen = eq != NULL ? (size_t)(eq - p) : (size_t)(end - p);
	int q;

	for (q = 0; q < QP_N; q++)
		if ((qparams[q].types & type) && strlen(qparams[q].name) == nlen
		    && strncmp(qparams[q].name, p, nlen) == 0)
			break;
	if (q == QP_N)
		return addr_err(err, errlen, "unknown parameter '%.*s'",
		    (int)nlen, p);
	if (seen[q]++)
		return addr_err(err, errlen, "duplicate parameter '%s'",
		    qparams[q].name);
	if (eq == NULL || eq + 1 == end)
		return addr_err(err, errlen, "parameter '%s' has no value",
		    qparams[q].name);
	return set_param(a, (enum qparam)q, eq + 1, (size_t)(end - eq - 1),
	    err, errlen);
}

/* The query after '?': name=value pairs joined by '&'; unit is required. */
static int
parse_query(struct devaddr *a, int type, const char *q, int seen[QP_N],
    char *err, size_t errlen)
{
	const char *p = q, *end;

	if (q == NULL || *q == '\0')
		return addr_err(err, errlen, "missing ?unit=N");
	for (;;) {
		end = strchr(p, '&');
		if (end == NULL)
			end = p + strlen(p);
		if (end == p)
			return addr_err(err, errlen, "empty parameter in query");
		if (parse_param(a, type, p, end, seen, err, errlen) != 0)
			return -1;
		if (*end == '\0')
			break;
		p = end + 1;
	}
	if (!seen[QP_UNIT])
		return addr_err(err, errlen, "missing unit=N");
	return 0;
}

/* An IPv4 literal a.b.c.d, each part 0-255. */
static int
valid_ipv4(const char *h)
{
	int parts = 0;
	long v;
	size_t n;

	for (;;) {
		n = strspn(h, "0123456789");
		if (n > 3 || (v = small_uint(h, n)) < 0 || v > 255)
			return 0;
		parts++;
		h += n;
		if (*h == '\0')
			return parts == 4;
		if (*h != '.' || parts == 4)
			return 0;
		h++;
	}
}

/* A host: an IPv4 literal, or a name of letters, digits, '-' and '.'. */
static int
valid_host(const char *h)
{
	size_t n = strlen(h);

	if (n == 0)
		return 0;
	if (strspn(h, "0123456789.") == n)
		return valid_ipv4(h);
	if (h[0] == '-' || h[0] == '.' || h[n - 1] == '-')
		return 0;
	return strspn(h, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.") == n;
}

/* tcp://HOST:PORT?unit=N, s pointing after "tcp://". */
static int
parse_tcp(const char *s, struct devaddr *a, char *err, size_t errlen)
{
	const char *q = strchr(s, '?');
	size_t alen = q != NULL ? (size_t)(q - s) : strlen(s);
	const char *colon = memrchr(s, ':', alen);
	int seen[QP_N] = { 0 };
	long port;

	if (colon == NULL)
		return addr_err(err, errlen, "missing :PORT");
	if ((size_t)(colon - s) >= sizeof(a->host))
		return addr_err(err, errlen, "host name too long");
	memcpy(a->host, s, (size_t)(colon - s));
	a->host[colon - s] = '\0';
	if (!valid_host(a->host))
		return addr_err(err, errlen, "bad host '%s' (an IPv4 address "
		    "or a host name)", a->host);
	port = small_uint(colon + 1, alen - (size_t)(colon - s) - 1);
	if (port < 1 || port > 65535)
		return addr_err(err, errlen, "port out of range 1-65535");
	a->port = (int)port;
	a->type = DEV_TCP;
	return parse_query(a, QP_TCP, q != NULL ? q + 1 : NULL, seen,
	    err, errlen);
}

/* rtu:DEVICE?baud=B&parity=P&data=D&stop=S&unit=N, s after "rtu:". */
static int
parse_rtu(const char *s, struct devaddr *a, char *err, size_t errlen)
{
	const char *q = strchr(s, '?');
	size_t dlen = q != NULL ? (size_t)(q - s) : strlen(s);
	int seen[QP_N] = { 0 };

	if (dlen == 0 || s[0] != '/')
		return addr_err(err, errlen, "the device must be an absolute "
		    "path such as /dev/ttyS1");
	if (dlen >= sizeof(a->device))
		return addr_err(err, errlen, "device path too long");
	memcpy(a->device, s, dlen);
	a->device[dlen] = '\0';
	if (strpbrk(a->device, " \t&=") != NULL)
		return addr_err(err, errlen, "bad character in device path");
	a->type = DEV_RTU;
	a->parity = 'N';
	a->data_bits = 8;
	a->stop_bits = 1;
	if (parse_query(a, QP_RTU, q != NULL ? q + 1 : NULL, seen,
	    err, errlen) != 0)
		return -1;
	if (!seen[QP_BAUD])
		return addr_err(err, errlen, "missing baud=B");
	return 0;
}

int
devaddr_parse(const char *s, struct devaddr *out, char *err, size_t errlen)
{
	int rc;

	memset(out, 0, sizeof(*out));
	if (strncmp(s, "tcp://", 6) == 0)
		rc = parse_tcp(s + 6, out, err, errlen);
	else if (strncmp(s, "rtu:", 4) == 0)
		rc = parse_rtu(s + 4, out, err, errlen);
	else
		rc = addr_err(err, errlen, "not a device address: expected "
		    "tcp://HOST:PORT?unit=N or rtu:DEVICE?baud=B&...&unit=N");
	if (rc != 0)
		memset(out, 0, sizeof(*out));
	return rc;
}

bool
devaddr_same_link(const struct devaddr *a, const struct devaddr *b)
{
	if (a->type != b->type)
		return false;
	switch (a->type) {
	case DEV_TCP:
		return a->port == b->port && strcasecmp(a->host, b->host) == 0;
	case DEV_RTU:
		return strcmp(a->device, b->device) == 0;
	default:
		return false;
	}
}

void
devaddr_format(const struct devaddr *a, char *out, size_t outlen)
{
	switch (a->type) {
	case DEV_TCP:
		snprintf(out, outlen, "tcp://%s:%d?unit=%d", a->host, a->port,
		    a->unit);
		break;
	case DEV_RTU:
		snprintf(out, outlen, "rtu:%s?baud=%d&parity=%c&data=%d&stop=%d"
		    "&unit=%d", a->device, a->baud, a->parity, a->data_bits,
		    a->stop_bits, a->unit);
		break;
	default:
		snprintf(out, outlen, "none");
		break;
	}
}
