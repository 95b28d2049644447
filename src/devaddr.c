/* Device addresses of docs/design.md §3: tcp://HOST:PORT?unit=N and rtu:DEVICE?baud=... */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "weighgate/devaddr.h"

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
		if (x < 0 || x > 255)
			return addr_err(err, errlen, "unit out of range 0-255");
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
	const char *last;

	if (n == 0)
		return 0;
	if (strspn(h, "0123456789.") == n)
		return valid_ipv4(h);
	if (h[0] == '-' || h[0] == '.' || h[n - 1] == '-')
		return 0;
	/* a last label of digits is a number form (0x7f.1), not a name */
	last = strrchr(h, '.');
	last = last != NULL ? last + 1 : h;
	if (*last != '\0' && strspn(last, "0123456789") == strlen(last))
		return 0;
	return strspn(h, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.") == n;
}

/*
 * The host as written between "//" and the port: libcurl rewrites short and
 * hexadecimal IPv4 forms (10.0.0 becomes 10.0.0.0, 0x7f.1 127.0.0.1), and
 * a device address must name the host exactly, so names and IPv4 literals
 * are checked on the text itself.  A bracketed IPv6 literal is taken whole.
 */
static size_t
raw_host(const char *auth, size_t alen, const char **host)
{
	const char *at = memchr(auth, '@', alen), *p, *colon;

	if (at != NULL) {
		alen -= (size_t)(at + 1 - auth);
		auth = at + 1;
	}
	*host = auth;
	if (alen > 0 && auth[0] == '[') {
		p = memchr(auth, ']', alen);
		return p != NULL ? (size_t)(p + 1 - auth) : alen;
	}
	colon = memrchr(auth, ':', alen);
	return colon != NULL ? (size_t)(colon - auth) : alen;
}

/* An IPv6 literal as libcurl hands it ("[::1]", zone apart) into a->host. */
static int
set_ipv6(struct devaddr *a, const char *h, const char *zone, char *err,
    size_t errlen)
{
	struct in6_addr in6;
	size_t n = strlen(h);

	if (n < 3 || h[n - 1] != ']' || n - 2 >= sizeof(a->host))
		return addr_err(err, errlen, "bad host '%s'", h);
	memcpy(a->host, h + 1, n - 2);
	a->host[n - 2] = '\0';
	if (inet_pton(AF_INET6, a->host, &in6) != 1)
		return addr_err(err, errlen, "bad host '%s' (not an IPv6 "
		    "address)", h);
	if (zone != NULL && strlen(zone) + n - 1 < sizeof(a->host) &&
	    strspn(zone, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") == strlen(zone)) {
		strcat(a->host, "%");
		strcat(a->host, zone);
	} else if (zone != NULL)
		return addr_err(err, errlen, "bad IPv6 zone '%s'", zone);
	return 0;
}

/* The host part: an IPv4 literal, a name, or [IPv6] (a->type still unset). */
static int
set_host(struct devaddr *a, CURLU *u, const char *s, char *err,
    size_t errlen)
{
	const char *auth = strstr(s, "://") + 3, *host;
	size_t alen = strcspn(auth, "/?#"), hlen = raw_host(auth, alen, &host);
	char *ch = NULL, *zone = NULL;
	int rc;

	if (curl_url_get(u, CURLUPART_HOST, &ch, 0) != CURLUE_OK)
		return addr_err(err, errlen, "bad host (none)");
	if (ch[0] == '[') {
		(void)curl_url_get(u, CURLUPART_ZONEID, &zone, 0);
		rc = set_ipv6(a, ch, zone, err, errlen);
	} else if (hlen >= sizeof(a->host))
		rc = addr_err(err, errlen, "host name too long");
	else {
		memcpy(a->host, host, hlen);
		a->host[hlen] = '\0';
		rc = valid_host(a->host) ? 0 : addr_err(err, errlen, "bad host "
		    "'%s' (an IPv4 address, [IPv6 address] or a host name)",
		    a->host);
	}
	curl_free(zone);
	curl_free(ch);
	return rc;
}

/* What a Modbus address has no use for: user, path beyond "/", fragment. */
static int
no_extras(CURLU *u, char *err, size_t errlen)
{
	char *v = NULL;
	int rc = 0;

	if (curl_url_get(u, CURLUPART_USER, &v, 0) == CURLUE_OK)
		rc = addr_err(err, errlen, "a device address has no user name");
	else if (curl_url_get(u, CURLUPART_FRAGMENT, &v, 0) == CURLUE_OK)
		rc = addr_err(err, errlen, "a device address has no #fragment");
	else if (curl_url_get(u, CURLUPART_PATH, &v, 0) == CURLUE_OK &&
	    strcmp(v, "/") != 0)
		rc = addr_err(err, errlen, "unexpected path '%s' (only a "
		    "trailing / may follow :PORT)", v);
	curl_free(v);
	return rc;
}

/* The port, 1-65535; libcurl has already checked it is a number. */
static int
set_port(struct devaddr *a, CURLU *u, char *err, size_t errlen)
{
	char *v = NULL;
	long port;

	if (curl_url_get(u, CURLUPART_PORT, &v, 0) != CURLUE_OK)
		return addr_err(err, errlen, "missing :PORT");
	port = small_uint(v, strlen(v));
	curl_free(v);
	if (port < 1 || port > 65535)
		return addr_err(err, errlen, "port out of range 1-65535");
	a->port = (int)port;
	return 0;
}

/*
 * tcp://HOST:PORT[/]?unit=N, the scheme in any case, HOST an IPv4 address,
 * a name or a bracketed IPv6 address; libcurl's URL API takes it apart.
 */
static int
parse_tcp(const char *s, struct devaddr *a, char *err, size_t errlen)
{
	CURLU *u = curl_url();
	CURLUcode uc;
	char *q = NULL;
	int seen[QP_N] = { 0 }, rc = -1;

	if (u == NULL)
		return addr_err(err, errlen, "out of memory");
	uc = curl_url_set(u, CURLUPART_URL, s, CURLU_NON_SUPPORT_SCHEME);
	if (uc == CURLUE_BAD_PORT_NUMBER)
		addr_err(err, errlen, "port out of range 1-65535");
	else if (uc == CURLUE_NO_HOST)
		addr_err(err, errlen, "bad host (none)");
	else if (uc == CURLUE_BAD_IPV6)
		addr_err(err, errlen, "bad host (not an IPv6 address)");
	else if (uc != CURLUE_OK)
		addr_err(err, errlen, "%s", curl_url_strerror(uc));
	else if (set_host(a, u, s, err, errlen) == 0 &&
	    set_port(a, u, err, errlen) == 0 && no_extras(u, err, errlen) == 0) {
		(void)curl_url_get(u, CURLUPART_QUERY, &q, 0);
		a->type = DEV_TCP;
		rc = parse_query(a, QP_TCP, q, seen, err, errlen);
	}
	curl_free(q);
	curl_url_cleanup(u);
	return rc;
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
	if (a->unit < 1 || a->unit > 247)
		return addr_err(err, errlen, "unit %d: out of range 1-247 on "
		    "RTU (0 is broadcast: a read gets no reply)", a->unit);
	return 0;
}

int
devaddr_parse(const char *s, struct devaddr *out, char *err, size_t errlen)
{
	int rc;

	memset(out, 0, sizeof(*out));
	if (strncasecmp(s, "tcp://", 6) == 0)
		rc = parse_tcp(s, out, err, errlen);
	else if (strncasecmp(s, "rtu:", 4) == 0)
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
		if (strchr(a->host, ':') != NULL)	/* IPv6 */
			snprintf(out, outlen, "tcp://[%s]:%d?unit=%d", a->host,
			    a->port, a->unit);
		else
			snprintf(out, outlen, "tcp://%s:%d?unit=%d", a->host,
			    a->port, a->unit);
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
