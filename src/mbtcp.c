/* weighgate's Modbus TCP client: a pure codec, and a connection over it. */
/*
 * The codec knows nothing of sockets: mbtcp_encode() builds a request ADU,
 * mbtcp_parse() tells what the bytes at the head of a buffer are to the
 * request in flight.  The connection part (struct mbtcp) is a small
 * blocking-by-poll() shell around it, used by one link thread of mbdev.c;
 * its state lives in the struct (no static buffer), so it can later be
 * driven by a shared non-blocking loop instead.
 *
 * A reply is the request's only if transaction id, unit id and function
 * (or function | 0x80 for an exception) are the request's; anything else
 * is a stray frame: skipped whole, counted, never decoded.  The reply's
 * byte count or echo (addresses, values, counts of 05/06/15/16) must then
 * be exactly what the request implies, or it is malformed.  Before a
 * request and after its reply the socket is drained of whatever else has
 * arrived, also counted as stray, so surplus frames never pile up and a
 * late reply is never taken for the next one.
 */
#include <sys/socket.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <modbus.h>

#include "weighgate/log.h"
#include "weighgate/mbtcp.h"
#include "weighgate/timefmt.h"

#define MBAP_LEN 7			/* tid 2, protocol 2, length 2, unit 1 */
#define MBAP_LEN_MIN 2			/* unit + function */
#define MBAP_LEN_MAX (MBTCP_MAX_ADU - 6)
#define DRAIN_MAX_READS 64		/* a flood cannot hold the thread */

/* ---- codec ---- */

static void
put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static unsigned
get16(const uint8_t *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

static bool
is_read(int fc)
{
	return fc >= MBTCP_READ_COILS && fc <= MBTCP_READ_INPUT;
}

static bool
is_bit_read(int fc)
{
	return fc == MBTCP_READ_COILS || fc == MBTCP_READ_DISCRETE;
}

/* The largest count fc allows (0: not a function of this client). */
static int
count_max(int fc)
{
	switch (fc) {
	case MBTCP_READ_COILS:
	case MBTCP_READ_DISCRETE:
		return MBTCP_MAX_READ_BITS;
	case MBTCP_READ_HOLDING:
	case MBTCP_READ_INPUT:
		return MBTCP_MAX_READ_REGS;
	case MBTCP_WRITE_COILS:
		return MBTCP_MAX_WRITE_BITS;
	case MBTCP_WRITE_REGS:
		return MBTCP_MAX_WRITE_REGS;
	case MBTCP_WRITE_COIL:
	case MBTCP_WRITE_REG:
		return 1;
	default:
		return 0;
	}
}

/* The data bytes of a read reply, or of a write-multiple request. */
static size_t
data_bytes(int fc, int count)
{
	return is_bit_read(fc) || fc == MBTCP_WRITE_COILS ?
	    (size_t)(count + 7) / 8 : (size_t)count * 2;
}

static bool
req_valid(const struct mbtcp_req *q)
{
	int max = count_max(q->fc), n;

	if (max == 0)
		return false;
	if (q->fc == MBTCP_WRITE_COIL || q->fc == MBTCP_WRITE_REG)
		return true;
	n = q->count;
	if (n < 1 || n > max || (int)q->addr + n > 0x10000)
		return false;
	if (q->fc == MBTCP_WRITE_REGS && q->regs == NULL)
		return false;
	return q->fc != MBTCP_WRITE_COILS || q->bits != NULL;
}

static uint16_t
coil_value(const struct mbtcp_req *q)
{
	return q->value != 0 ? 0xff00 : 0x0000;
}

/* The PDU after the function code; its length. */
static size_t
encode_body(const struct mbtcp_req *q, uint8_t *p)
{
	size_t n, i;

	put16(p, q->addr);
	if (q->fc == MBTCP_WRITE_COIL) {
		put16(p + 2, coil_value(q));
		return 4;
	}
	if (q->fc == MBTCP_WRITE_REG) {
		put16(p + 2, q->value);
		return 4;
	}
	put16(p + 2, q->count);
	if (is_read(q->fc))
		return 4;
	n = data_bytes(q->fc, q->count);
	p[4] = (uint8_t)n;
	memset(p + 5, 0, n);
	for (i = 0; i < q->count; i++) {
		if (q->fc == MBTCP_WRITE_REGS)
			put16(p + 5 + 2 * i, q->regs[i]);
		else if (q->bits[i])
			p[5 + i / 8] |= (uint8_t)(1u << (i % 8));
	}
	return 5 + n;
}

int
mbtcp_encode(const struct mbtcp_req *q, uint8_t *out, size_t size)
{
	size_t n;

	if (!req_valid(q) || size < MBTCP_MAX_ADU) {
		errno = EINVAL;
		return -1;
	}
	out[7] = q->fc;
	n = 1 + encode_body(q, out + 8);	/* the PDU */
	put16(out, q->tid);
	put16(out + 2, 0);
	put16(out + 4, (unsigned)(n + 1));
	out[6] = q->unit;
	return (int)(MBAP_LEN + n);
}

/* A reply of q's function (body: after the function code, nbody bytes). */
static enum mbtcp_outcome
parse_body(const struct mbtcp_req *q, const uint8_t *body, size_t nbody,
    struct mbtcp_rsp *rsp)
{
	size_t n;

	if (is_read(q->fc)) {
		n = data_bytes(q->fc, q->count);
		if (nbody != 1 + n || body[0] != n)
			return MBTCP_MALFORMED;
		rsp->data = body + 1;
		rsp->ndata = n;
		return MBTCP_MATCH;
	}
	if (nbody != 4 || get16(body) != q->addr)
		return MBTCP_MALFORMED;
	switch (q->fc) {
	case MBTCP_WRITE_COIL:
		return get16(body + 2) == coil_value(q) ? MBTCP_MATCH :
		    MBTCP_MALFORMED;
	case MBTCP_WRITE_REG:
		return get16(body + 2) == q->value ? MBTCP_MATCH :
		    MBTCP_MALFORMED;
	default:
		return get16(body + 2) == q->count ? MBTCP_MATCH :
		    MBTCP_MALFORMED;
	}
}

/*
 * Whole-frame length of the frame at buf: 0 when more bytes are needed,
 * -1 when the header cannot be a Modbus TCP header (protocol not 0, length
 * out of bounds): then no frame boundary can be found.
 */
static int
frame_len(const uint8_t *buf, size_t len)
{
	unsigned mlen;

	if (len >= 4 && get16(buf + 2) != 0)
		return -1;
	if (len < 6)
		return 0;
	mlen = get16(buf + 4);
	if (mlen < MBAP_LEN_MIN || mlen > MBAP_LEN_MAX)
		return -1;
	return len < 6 + mlen ? 0 : (int)(6 + mlen);
}

enum mbtcp_outcome
mbtcp_parse(const struct mbtcp_req *q, const uint8_t *buf, size_t len,
    struct mbtcp_rsp *rsp)
{
	int flen = frame_len(buf, len);
	unsigned fc;

	memset(rsp, 0, sizeof(*rsp));
	if (flen < 0)
		return MBTCP_MALFORMED;
	if (flen == 0)
		return MBTCP_NEED_MORE;
	rsp->frame_len = (size_t)flen;
	fc = buf[7];
	if (get16(buf) != q->tid || buf[6] != q->unit ||
	    (fc != q->fc && fc != (q->fc | 0x80u)))
		return MBTCP_STRAY;
	if (fc == (q->fc | 0x80u)) {
		if (flen != MBAP_LEN + 2)
			return MBTCP_MALFORMED;
		rsp->exception = buf[8];
		return MBTCP_EXCEPTION;
	}
	return parse_body(q, buf + 8, (size_t)flen - 8, rsp);
}

void
mbtcp_get_regs(const struct mbtcp_rsp *rsp, uint16_t *regs, int count)
{
	int k;

	for (k = 0; k < count && (size_t)(2 * k + 1) < rsp->ndata; k++)
		regs[k] = (uint16_t)get16(rsp->data + 2 * k);
}

void
mbtcp_get_bits(const struct mbtcp_rsp *rsp, uint8_t *bits, int count)
{
	int k;

	for (k = 0; k < count && (size_t)(k / 8) < rsp->ndata; k++)
		bits[k] = (rsp->data[k / 8] >> (k % 8)) & 1;
}

int
mbtcp_exception_errno(int code)
{
	return code >= 1 && code < MODBUS_EXCEPTION_MAX ? MODBUS_ENOBASE + code :
	    EMBBADEXC;
}

/* ---- connection ---- */

struct mbtcp {
	char host[256];
	char port[16];
	int timeout_ms;
	int fd;
	int gai_err;			/* last resolution error logged */
	uint16_t tid;			/* the last one used */
	uint64_t strays;
	size_t nbuf;
	uint8_t buf[2 * MBTCP_MAX_ADU];
	uint8_t reply[MBTCP_MAX_ADU];	/* the matched frame, kept for rsp */
};

struct mbtcp *
mbtcp_new(const char *host, int port, int timeout_ms)
{
	struct mbtcp *c;

	if (timeout_ms < 1 || port < 1 || port > 65535 ||
	    strlen(host) >= sizeof(c->host)) {
		errno = EINVAL;
		return NULL;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	snprintf(c->host, sizeof(c->host), "%s", host);
	snprintf(c->port, sizeof(c->port), "%d", port);
	c->timeout_ms = timeout_ms;
	c->fd = -1;
	return c;
}

void
mbtcp_free(struct mbtcp *c)
{
	if (c == NULL)
		return;
	mbtcp_close(c);
	free(c);
}

void
mbtcp_close(struct mbtcp *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->nbuf = 0;
}

int
mbtcp_fd(const struct mbtcp *c)
{
	return c->fd;
}

uint64_t
mbtcp_strays(const struct mbtcp *c)
{
	return c->strays;
}

/* Wait for ev on fd until deadline: 1 ready, 0 timed out, -1 error. */
static int
wait_fd(int fd, short ev, int64_t deadline)
{
	struct pollfd p = { .fd = fd, .events = ev };
	int64_t left;
	int rc;

	for (;;) {
		if ((left = deadline - ts_mono_ms()) < 0)
			left = 0;
		rc = poll(&p, 1, (int)left);
		if (rc >= 0 || errno != EINTR)
			return rc < 0 ? -1 : rc;
	}
}

/* One non-blocking connect to ai, bounded by deadline; the fd or -1. */
static int
connect_one(const struct addrinfo *ai, int64_t deadline)
{
	int fd, e = 0, one = 1;
	socklen_t elen = sizeof(e);

	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, ai->ai_protocol);
	if (fd < 0)
		return -1;
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) == -1) {
		if (errno != EINPROGRESS)
			goto fail;
		if ((e = wait_fd(fd, POLLOUT, deadline)) <= 0) {
			if (e == 0)
				errno = ETIMEDOUT;
			goto fail;
		}
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &elen) == -1)
			goto fail;
		if (e != 0) {
			errno = e;
			goto fail;
		}
	}
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
fail:
	e = errno;
	close(fd);
	errno = e;
	return -1;
}

static int
resolve(struct mbtcp *c, struct addrinfo **res)
{
	struct addrinfo hints;
	int rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	if ((rc = getaddrinfo(c->host, c->port, &hints, res)) == 0) {
		c->gai_err = 0;
		return 0;
	}
	if (rc != c->gai_err)
		log_warnx("modbus tcp: cannot resolve %s: %s", c->host,
		    rc == EAI_SYSTEM ? strerror(errno) : gai_strerror(rc));
	c->gai_err = rc;
	errno = EHOSTUNREACH;
	return -1;
}

int
mbtcp_connect(struct mbtcp *c)
{
	struct addrinfo *res, *ai;
	int64_t deadline = ts_mono_ms() + c->timeout_ms;
	int e = ECONNREFUSED;

	mbtcp_close(c);
	if (resolve(c, &res) == -1)
		return -1;
	for (ai = res; ai != NULL && c->fd < 0; ai = ai->ai_next) {
		if ((c->fd = connect_one(ai, deadline)) < 0)
			e = errno;
		if (c->fd < 0 && ts_mono_ms() >= deadline)
			break;
	}
	freeaddrinfo(res);
	if (c->fd < 0) {
		errno = e;
		return -1;
	}
	return 0;
}

static void
consume(struct mbtcp *c, size_t n)
{
	if (n >= c->nbuf) {
		c->nbuf = 0;
		return;
	}
	memmove(c->buf, c->buf + n, c->nbuf - n);
	c->nbuf -= n;
}

/* Count the whole frames buffered as stray, and drop every byte. */
static void
discard_buffered(struct mbtcp *c)
{
	int n;

	while (c->nbuf > 0) {
		n = frame_len(c->buf, c->nbuf);
		c->strays++;
		if (n <= 0) {		/* garbage or a partial frame */
			c->nbuf = 0;
			return;
		}
		consume(c, (size_t)n);
	}
}

void
mbtcp_flush(struct mbtcp *c)
{
	ssize_t n;
	int k;

	discard_buffered(c);
	for (k = 0; c->fd >= 0 && k < DRAIN_MAX_READS; k++) {
		n = recv(c->fd, c->buf, sizeof(c->buf), MSG_DONTWAIT);
		if (n <= 0)
			break;	/* EAGAIN, or closed: the next call finds out */
		c->nbuf = (size_t)n;
		discard_buffered(c);
	}
}

/* More bytes into the buffer, waiting until deadline; 0 or -1 with errno. */
static int
fill(struct mbtcp *c, int64_t deadline)
{
	ssize_t n;
	int rc;

	if (c->nbuf >= sizeof(c->buf)) {	/* cannot happen: frames < half */
		errno = EMBBADDATA;
		return -1;
	}
	for (;;) {
		n = recv(c->fd, c->buf + c->nbuf, sizeof(c->buf) - c->nbuf,
		    MSG_DONTWAIT);
		if (n > 0) {
			c->nbuf += (size_t)n;
			return 0;
		}
		if (n == 0) {
			errno = ECONNRESET;
			return -1;
		}
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			return -1;
		if ((rc = wait_fd(c->fd, POLLIN, deadline)) <= 0) {
			if (rc == 0)
				errno = ETIMEDOUT;
			return -1;
		}
	}
}

static int
send_all(struct mbtcp *c, const uint8_t *p, size_t len, int64_t deadline)
{
	ssize_t n;
	int rc;

	while (len > 0) {
		n = send(c->fd, p, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n > 0) {
			p += n;
			len -= (size_t)n;
			continue;
		}
		if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK &&
		    errno != EINTR)
			return -1;
		if ((rc = wait_fd(c->fd, POLLOUT, deadline)) <= 0) {
			if (rc == 0)
				errno = ETIMEDOUT;
			return -1;
		}
	}
	return 0;
}

static uint16_t
next_tid(struct mbtcp *c)
{
	if (++c->tid == 0)	/* 0 is what naive clients send: never ours */
		c->tid = 1;
	return c->tid;
}

/* The matched frame is copied out of the buffer, so the drain may reuse it. */
static void
keep_reply(struct mbtcp *c, struct mbtcp_rsp *rsp)
{
	size_t off = rsp->data != NULL ? (size_t)(rsp->data - c->buf) : 0;

	memcpy(c->reply, c->buf, rsp->frame_len);
	if (rsp->data != NULL)
		rsp->data = c->reply + off;
	consume(c, rsp->frame_len);
}

/* Wait for q's reply; 0 (MATCH in rsp) or -1 with errno. */
static int
await_reply(struct mbtcp *c, const struct mbtcp_req *q, struct mbtcp_rsp *rsp,
    int64_t deadline)
{
	for (;;) {
		switch (mbtcp_parse(q, c->buf, c->nbuf, rsp)) {
		case MBTCP_NEED_MORE:
			if (fill(c, deadline) == -1)
				return -1;
			break;
		case MBTCP_STRAY:
			c->strays++;
			consume(c, rsp->frame_len);
			break;
		case MBTCP_MATCH:
			keep_reply(c, rsp);
			mbtcp_flush(c);
			return 0;
		case MBTCP_EXCEPTION:
			consume(c, rsp->frame_len);
			mbtcp_flush(c);
			errno = mbtcp_exception_errno(rsp->exception);
			return -1;
		case MBTCP_MALFORMED:
			c->nbuf = 0;
			mbtcp_flush(c);
			errno = EMBBADDATA;
			return -1;
		}
	}
}

int
mbtcp_transact(struct mbtcp *c, struct mbtcp_req *q, struct mbtcp_rsp *rsp)
{
	uint8_t adu[MBTCP_MAX_ADU];
	int64_t deadline;
	int n;

	if (c->fd < 0) {
		errno = ENOTCONN;
		return -1;
	}
	q->tid = next_tid(c);
	if ((n = mbtcp_encode(q, adu, sizeof(adu))) == -1)
		return -1;
	mbtcp_flush(c);		/* nothing that came before is an answer */
	deadline = ts_mono_ms() + c->timeout_ms;
	if (send_all(c, adu, (size_t)n, deadline) == -1)
		return -1;
	return await_reply(c, q, rsp, deadline);
}

static int
req_transact(struct mbtcp *c, struct mbtcp_req *q, struct mbtcp_rsp *rsp,
    int unit, enum mbtcp_fc fc, int addr, int count)
{
	if (unit < 0 || unit > 255 || addr < 0 || addr > 0xffff || count < 0 ||
	    count > 0xffff) {
		errno = EINVAL;
		return -1;
	}
	q->unit = (uint8_t)unit;
	q->fc = (uint8_t)fc;
	q->addr = (uint16_t)addr;
	q->count = (uint16_t)count;
	return mbtcp_transact(c, q, rsp);
}

int
mbtcp_read_regs(struct mbtcp *c, int unit, enum mbtcp_fc fc, int addr,
    int count, uint16_t *regs)
{
	struct mbtcp_req q = { 0 };
	struct mbtcp_rsp rsp;

	if (fc != MBTCP_READ_HOLDING && fc != MBTCP_READ_INPUT) {
		errno = EINVAL;
		return -1;
	}
	if (req_transact(c, &q, &rsp, unit, fc, addr, count) == -1)
		return -1;
	mbtcp_get_regs(&rsp, regs, count);
	return 0;
}

int
mbtcp_read_bits(struct mbtcp *c, int unit, enum mbtcp_fc fc, int addr,
    int count, uint8_t *bits)
{
	struct mbtcp_req q = { 0 };
	struct mbtcp_rsp rsp;

	if (fc != MBTCP_READ_COILS && fc != MBTCP_READ_DISCRETE) {
		errno = EINVAL;
		return -1;
	}
	if (req_transact(c, &q, &rsp, unit, fc, addr, count) == -1)
		return -1;
	mbtcp_get_bits(&rsp, bits, count);
	return 0;
}

int
mbtcp_write_coil(struct mbtcp *c, int unit, int addr, bool on)
{
	struct mbtcp_req q = { .value = on ? 1 : 0 };
	struct mbtcp_rsp rsp;

	return req_transact(c, &q, &rsp, unit, MBTCP_WRITE_COIL, addr, 1);
}

int
mbtcp_write_reg(struct mbtcp *c, int unit, int addr, uint16_t value)
{
	struct mbtcp_req q = { .value = value };
	struct mbtcp_rsp rsp;

	return req_transact(c, &q, &rsp, unit, MBTCP_WRITE_REG, addr, 1);
}

int
mbtcp_write_coils(struct mbtcp *c, int unit, int addr, int count,
    const uint8_t *bits)
{
	struct mbtcp_req q = { .bits = bits };
	struct mbtcp_rsp rsp;

	return req_transact(c, &q, &rsp, unit, MBTCP_WRITE_COILS, addr, count);
}

int
mbtcp_write_regs(struct mbtcp *c, int unit, int addr, int count,
    const uint16_t *regs)
{
	struct mbtcp_req q = { .regs = regs };
	struct mbtcp_rsp rsp;

	return req_transact(c, &q, &rsp, unit, MBTCP_WRITE_REGS, addr, count);
}
