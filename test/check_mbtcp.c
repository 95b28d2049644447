/* Check suite of mbtcp.c: the Modbus TCP codec, and the connection over it. */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <modbus.h>

#include "weighgate/mbtcp.h"
#include "weighgate/timefmt.h"

#include "check_util.h"

/* ---- codec ---- */

static int
enc(const struct mbtcp_req *q, uint8_t *out)
{
	return mbtcp_encode(q, out, MBTCP_MAX_ADU);
}

START_TEST(test_encode_reads)
{
	static const uint8_t fcs[] = { 1, 2, 3, 4 };
	struct mbtcp_req q = { .tid = 0x1234, .unit = 7, .addr = 0x0102,
	    .count = 29 };
	uint8_t out[MBTCP_MAX_ADU];
	size_t i;

	for (i = 0; i < sizeof(fcs); i++) {
		q.fc = fcs[i];
		ck_assert_int_eq(enc(&q, out), 12);
		ck_assert_uint_eq(out[0], 0x12);
		ck_assert_uint_eq(out[1], 0x34);
		ck_assert_uint_eq(out[2], 0);
		ck_assert_uint_eq(out[3], 0);
		ck_assert_uint_eq(out[4], 0);
		ck_assert_uint_eq(out[5], 6);		/* unit + 5 PDU bytes */
		ck_assert_uint_eq(out[6], 7);
		ck_assert_uint_eq(out[7], fcs[i]);
		ck_assert_uint_eq(out[8], 0x01);
		ck_assert_uint_eq(out[9], 0x02);
		ck_assert_uint_eq(out[10], 0);
		ck_assert_uint_eq(out[11], 29);
	}
}
END_TEST

START_TEST(test_encode_single_writes)
{
	struct mbtcp_req q = { .tid = 9, .unit = 2, .fc = MBTCP_WRITE_COIL,
	    .addr = 3, .value = 1 };
	static const uint8_t on[] = { 0, 9, 0, 0, 0, 6, 2, 5, 0, 3, 0xff, 0 };
	static const uint8_t off[] = { 0, 9, 0, 0, 0, 6, 2, 5, 0, 3, 0, 0 };
	static const uint8_t reg[] = { 0, 9, 0, 0, 0, 6, 2, 6, 0, 3, 0xbe, 0xef };
	uint8_t out[MBTCP_MAX_ADU];

	ck_assert_int_eq(enc(&q, out), 12);
	ck_assert_mem_eq(out, on, sizeof(on));
	q.value = 0;
	ck_assert_int_eq(enc(&q, out), 12);
	ck_assert_mem_eq(out, off, sizeof(off));
	q.fc = MBTCP_WRITE_REG;
	q.value = 0xbeef;
	ck_assert_int_eq(enc(&q, out), 12);
	ck_assert_mem_eq(out, reg, sizeof(reg));
}
END_TEST

START_TEST(test_encode_multiple_writes)
{
	static const uint16_t regs[] = { 0x0102, 0x0304, 0xa0b0 };
	static const uint8_t bits[] = { 1, 0, 1, 1, 0, 0, 0, 0, 1, 1 };
	static const uint8_t wr[] = { 0, 1, 0, 0, 0, 13, 3, 16, 0, 1, 0, 3, 6,
	    1, 2, 3, 4, 0xa0, 0xb0 };
	static const uint8_t wc[] = { 0, 1, 0, 0, 0, 9, 3, 15, 0, 0x20, 0, 10,
	    2, 0x0d, 0x03 };
	struct mbtcp_req q = { .tid = 1, .unit = 3, .fc = MBTCP_WRITE_REGS,
	    .addr = 1, .count = 3, .regs = regs };
	uint8_t out[MBTCP_MAX_ADU];

	ck_assert_int_eq(enc(&q, out), (int)sizeof(wr));
	ck_assert_mem_eq(out, wr, sizeof(wr));
	q.fc = MBTCP_WRITE_COILS;
	q.addr = 0x20;
	q.count = 10;
	q.regs = NULL;
	q.bits = bits;
	ck_assert_int_eq(enc(&q, out), (int)sizeof(wc));
	ck_assert_mem_eq(out, wc, sizeof(wc));
}
END_TEST

START_TEST(test_encode_invalid)
{
	static const uint16_t regs[MBTCP_MAX_WRITE_REGS + 1];
	struct mbtcp_req q = { .unit = 1, .fc = MBTCP_READ_HOLDING, .count = 0 };
	uint8_t out[MBTCP_MAX_ADU];

	errno = 0;
	ck_assert_int_eq(enc(&q, out), -1);
	ck_assert_int_eq(errno, EINVAL);
	q.count = 126;
	ck_assert_int_eq(enc(&q, out), -1);
	q.count = 125;
	ck_assert_int_eq(enc(&q, out), 12);
	q.addr = 0xffff;
	q.count = 2;
	ck_assert_int_eq(enc(&q, out), -1);		/* past 65535 */
	q.addr = 0;
	q.fc = 0x17;
	ck_assert_int_eq(enc(&q, out), -1);		/* not ours */
	q.fc = MBTCP_READ_COILS;
	q.count = 2001;
	ck_assert_int_eq(enc(&q, out), -1);
	q.fc = MBTCP_WRITE_REGS;
	q.regs = regs;
	q.count = MBTCP_MAX_WRITE_REGS + 1;
	ck_assert_int_eq(enc(&q, out), -1);
	q.count = MBTCP_MAX_WRITE_REGS;
	ck_assert_int_eq(enc(&q, out), 7 + 6 + 2 * MBTCP_MAX_WRITE_REGS);
	q.regs = NULL;
	ck_assert_int_eq(enc(&q, out), -1);
	ck_assert_int_eq(mbtcp_encode(&q, out, 100), -1);	/* small buffer */
}
END_TEST

/* A frame: tid, unit, then the PDU bytes; its length. */
static size_t
frame(uint8_t *out, unsigned tid, unsigned unit, const uint8_t *pdu,
    size_t npdu)
{
	out[0] = (uint8_t)(tid >> 8);
	out[1] = (uint8_t)tid;
	out[2] = out[3] = 0;
	out[4] = (uint8_t)((npdu + 1) >> 8);
	out[5] = (uint8_t)(npdu + 1);
	out[6] = (uint8_t)unit;
	memcpy(out + 7, pdu, npdu);
	return 7 + npdu;
}

static const struct mbtcp_req read3 = { .tid = 0x0a0b, .unit = 1,
    .fc = MBTCP_READ_HOLDING, .addr = 0, .count = 2 };
static const uint8_t read3_pdu[] = { 3, 4, 0x12, 0x34, 0x56, 0x78 };

START_TEST(test_parse_read_regs)
{
	struct mbtcp_req q = read3;
	struct mbtcp_rsp rsp;
	uint8_t buf[64];
	uint16_t regs[2];
	size_t n = frame(buf, 0x0a0b, 1, read3_pdu, sizeof(read3_pdu));

	ck_assert_int_eq(mbtcp_parse(&q, buf, n, &rsp), MBTCP_MATCH);
	ck_assert_uint_eq(rsp.frame_len, n);
	mbtcp_get_regs(&rsp, regs, 2);
	ck_assert_uint_eq(regs[0], 0x1234);
	ck_assert_uint_eq(regs[1], 0x5678);
	q.fc = MBTCP_READ_INPUT;
	buf[7] = 4;
	ck_assert_int_eq(mbtcp_parse(&q, buf, n, &rsp), MBTCP_MATCH);
}
END_TEST

START_TEST(test_parse_read_bits)
{
	struct mbtcp_req q = { .tid = 5, .unit = 2, .fc = MBTCP_READ_DISCRETE,
	    .addr = 0, .count = 10 };
	static const uint8_t pdu[] = { 2, 2, 0x05, 0x02 };
	struct mbtcp_rsp rsp;
	uint8_t buf[64], bits[10];
	size_t n = frame(buf, 5, 2, pdu, sizeof(pdu));
	int k;

	ck_assert_int_eq(mbtcp_parse(&q, buf, n, &rsp), MBTCP_MATCH);
	mbtcp_get_bits(&rsp, bits, 10);
	for (k = 0; k < 10; k++)
		ck_assert_uint_eq(bits[k], k == 0 || k == 2 || k == 9);
	q.fc = MBTCP_READ_COILS;
	buf[7] = 1;
	ck_assert_int_eq(mbtcp_parse(&q, buf, n, &rsp), MBTCP_MATCH);
}
END_TEST

START_TEST(test_parse_write_echoes)
{
	struct mbtcp_req q = { .tid = 7, .unit = 3, .fc = MBTCP_WRITE_COIL,
	    .addr = 2, .value = 1 };
	uint8_t coil[] = { 5, 0, 2, 0xff, 0 };
	uint8_t reg[] = { 6, 0, 2, 0x12, 0x34 };
	uint8_t multi[] = { 16, 0, 2, 0, 3 };
	struct mbtcp_rsp rsp;
	uint8_t buf[64];
	size_t n;

	n = frame(buf, 7, 3, coil, sizeof(coil));
	ck_assert_int_eq(mbtcp_parse(&q, buf, n, &rsp), MBTCP_MATCH);
	q.value = 0;		/* the echo says on, the request off */
	ck_assert_int_eq(mbtcp_parse(&q, buf, n, &rsp), MBTCP_MALFORMED);
	q.value = 1;
	buf[9] = 3;		/* another address */
	ck_assert_int_eq(mbtcp_parse(&q, buf, n, &rsp), MBTCP_MALFORMED);

	q.fc = MBTCP_WRITE_REG;
	q.value = 0x1234;
	n = frame(buf, 7, 3, reg, sizeof(reg));
	ck_assert_int_eq(mbtcp_parse(&q, buf, n, &rsp), MBTCP_MATCH);
	q.value = 0x1235;
	ck_assert_int_eq(mbtcp_parse(&q, buf, n, &rsp), MBTCP_MALFORMED);

	q.fc = MBTCP_WRITE_REGS;
	q.count = 3;
	n = frame(buf, 7, 3, multi, sizeof(multi));
	ck_assert_int_eq(mbtcp_parse(&q, buf, n, &rsp), MBTCP_MATCH);
	q.count = 4;
	ck_assert_int_eq(mbtcp_parse(&q, buf, n, &rsp), MBTCP_MALFORMED);
	q.fc = MBTCP_WRITE_COILS;
	q.count = 3;
	multi[0] = 15;
	n = frame(buf, 7, 3, multi, sizeof(multi));
	ck_assert_int_eq(mbtcp_parse(&q, buf, n, &rsp), MBTCP_MATCH);
	n = frame(buf, 7, 3, multi, sizeof(multi) - 1);	/* short echo */
	ck_assert_int_eq(mbtcp_parse(&q, buf, n, &rsp), MBTCP_MALFORMED);
}
END_TEST

/* Not the request in flight: a whole frame, skipped, never decoded. */
START_TEST(test_parse_stray)
{
	struct mbtcp_rsp rsp;
	uint8_t buf[64];
	size_t n;

	n = frame(buf, 0, 1, read3_pdu, sizeof(read3_pdu));	/* tid 0 */
	ck_assert_int_eq(mbtcp_parse(&read3, buf, n, &rsp), MBTCP_STRAY);
	ck_assert_uint_eq(rsp.frame_len, n);
	ck_assert_ptr_null(rsp.data);
	n = frame(buf, 0x0a0b, 2, read3_pdu, sizeof(read3_pdu));	/* unit */
	ck_assert_int_eq(mbtcp_parse(&read3, buf, n, &rsp), MBTCP_STRAY);
	buf[6] = 1;
	buf[7] = 4;						/* function */
	ck_assert_int_eq(mbtcp_parse(&read3, buf, n, &rsp), MBTCP_STRAY);
	buf[7] = 0x84;			/* another function's exception */
	ck_assert_int_eq(mbtcp_parse(&read3, buf, n, &rsp), MBTCP_STRAY);
	/* a stray with a body that would be malformed as a reply: still stray */
	n = frame(buf, 0x0a0c, 1, read3_pdu, 3);
	ck_assert_int_eq(mbtcp_parse(&read3, buf, n, &rsp), MBTCP_STRAY);
}
END_TEST

START_TEST(test_parse_exception)
{
	static const uint8_t pdu[] = { 0x83, 0x02 };
	static const uint8_t longer[] = { 0x83, 0x02, 0x00 };
	struct mbtcp_rsp rsp;
	uint8_t buf[64];
	size_t n = frame(buf, 0x0a0b, 1, pdu, sizeof(pdu));

	ck_assert_int_eq(mbtcp_parse(&read3, buf, n, &rsp), MBTCP_EXCEPTION);
	ck_assert_int_eq(rsp.exception, 2);
	ck_assert_uint_eq(rsp.frame_len, 9);
	ck_assert_int_eq(mbtcp_exception_errno(2), EMBXILADD);
	ck_assert_int_eq(mbtcp_exception_errno(11), EMBXGTAR);
	ck_assert_int_eq(mbtcp_exception_errno(0x40), EMBBADEXC);
	n = frame(buf, 0x0a0b, 1, longer, sizeof(longer));
	ck_assert_int_eq(mbtcp_parse(&read3, buf, n, &rsp), MBTCP_MALFORMED);
	n = frame(buf, 0x0a0b, 1, pdu, 1);		/* no code */
	ck_assert_int_eq(mbtcp_parse(&read3, buf, n, &rsp), MBTCP_MALFORMED);
}
END_TEST

START_TEST(test_parse_truncated)
{
	struct mbtcp_rsp rsp;
	uint8_t buf[64];
	size_t n = frame(buf, 0x0a0b, 1, read3_pdu, sizeof(read3_pdu)), k;

	for (k = 0; k < n; k++)
		ck_assert_int_eq(mbtcp_parse(&read3, buf, k, &rsp),
		    MBTCP_NEED_MORE);
	ck_assert_int_eq(mbtcp_parse(&read3, buf, n, &rsp), MBTCP_MATCH);
}
END_TEST

START_TEST(test_parse_byte_count)
{
	uint8_t pdu[] = { 3, 4, 0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc };
	struct mbtcp_rsp rsp;
	uint8_t buf[64];
	size_t n;

	n = frame(buf, 0x0a0b, 1, pdu, 6);
	buf[8] = 3;				/* byte count 3, 4 bytes follow */
	ck_assert_int_eq(mbtcp_parse(&read3, buf, n, &rsp), MBTCP_MALFORMED);
	n = frame(buf, 0x0a0b, 1, pdu, 8);	/* 6 data bytes, count says 4 */
	ck_assert_int_eq(mbtcp_parse(&read3, buf, n, &rsp), MBTCP_MALFORMED);
	pdu[1] = 6;				/* consistent, but 3 registers */
	n = frame(buf, 0x0a0b, 1, pdu, 8);
	ck_assert_int_eq(mbtcp_parse(&read3, buf, n, &rsp), MBTCP_MALFORMED);
	n = frame(buf, 0x0a0b, 1, pdu, 1);	/* function only */
	ck_assert_int_eq(mbtcp_parse(&read3, buf, n, &rsp), MBTCP_MALFORMED);
}
END_TEST

START_TEST(test_parse_bad_mbap)
{
	struct mbtcp_rsp rsp;
	uint8_t buf[300];
	size_t n = frame(buf, 0x0a0b, 1, read3_pdu, sizeof(read3_pdu));

	buf[3] = 1;				/* protocol 1 */
	ck_assert_int_eq(mbtcp_parse(&read3, buf, n, &rsp), MBTCP_MALFORMED);
	ck_assert_int_eq(mbtcp_parse(&read3, buf, 4, &rsp), MBTCP_MALFORMED);
	buf[3] = 0;
	buf[4] = 0;
	buf[5] = 1;				/* length 1: no function */
	ck_assert_int_eq(mbtcp_parse(&read3, buf, n, &rsp), MBTCP_MALFORMED);
	buf[5] = 0;
	ck_assert_int_eq(mbtcp_parse(&read3, buf, 6, &rsp), MBTCP_MALFORMED);
	buf[4] = 0;
	buf[5] = 255;				/* over-long: ADU > 260 */
	memset(buf + 7, 0, 260);
	ck_assert_int_eq(mbtcp_parse(&read3, buf, 261, &rsp), MBTCP_MALFORMED);
	buf[4] = 0xff;
	buf[5] = 0xff;
	ck_assert_int_eq(mbtcp_parse(&read3, buf, 6, &rsp), MBTCP_MALFORMED);
	buf[4] = 0;
	buf[5] = 254;				/* the longest: framed, then judged */
	ck_assert_int_eq(mbtcp_parse(&read3, buf, 259, &rsp), MBTCP_NEED_MORE);
	ck_assert_int_eq(mbtcp_parse(&read3, buf, 260, &rsp), MBTCP_STRAY);
}
END_TEST

START_TEST(test_parse_two_frames)
{
	struct mbtcp_rsp rsp;
	uint8_t buf[64];
	size_t a, b;
	uint16_t regs[2];
	static const uint8_t fake[] = { 3, 4, 0, 1, 0, 2 };

	a = frame(buf, 0, 1, fake, sizeof(fake));
	b = frame(buf + a, 0x0a0b, 1, read3_pdu, sizeof(read3_pdu));
	ck_assert_int_eq(mbtcp_parse(&read3, buf, a + b, &rsp), MBTCP_STRAY);
	ck_assert_uint_eq(rsp.frame_len, a);
	ck_assert_int_eq(mbtcp_parse(&read3, buf + a, b, &rsp), MBTCP_MATCH);
	mbtcp_get_regs(&rsp, regs, 2);
	ck_assert_uint_eq(regs[0], 0x1234);
	/* the reply first, a surplus after it: the reply's length only */
	b = frame(buf, 0x0a0b, 1, read3_pdu, sizeof(read3_pdu));
	a = frame(buf + b, 0, 1, fake, sizeof(fake));
	ck_assert_int_eq(mbtcp_parse(&read3, buf, a + b, &rsp), MBTCP_MATCH);
	ck_assert_uint_eq(rsp.frame_len, b);
}
END_TEST

/* ---- connection, against a scripted server on loopback ---- */

enum srv_mode {
	SRV_REPLY,		/* the reply */
	SRV_STRAY_FIRST,	/* a frame with tid 0, then the reply */
	SRV_SURPLUS,		/* the reply and a frame with tid 0 in one write */
	SRV_SPLIT,		/* the reply in two writes 30 ms apart */
	SRV_SILENT,		/* nothing */
	SRV_EXCEPTION,		/* exception 02 */
	SRV_CLOSE,		/* close the connection */
	SRV_WRONG_UNIT,		/* the reply with unit + 1 */
	SRV_GARBAGE		/* bytes that are no Modbus TCP header */
};

static struct {
	int lfd, port;
	enum srv_mode mode;
	pthread_t th;
	unsigned tids[16];
	int ntids;
} srv;

static int
read_full(int fd, uint8_t *p, size_t n)
{
	ssize_t k;

	while (n > 0) {
		if ((k = read(fd, p, n)) <= 0)
			return -1;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

static void
srv_answer(int fd, const uint8_t *q, size_t qlen)
{
	static const uint8_t fake[] = { 3, 4, 0x0f, 0xff, 0x0f, 0xff };
	uint8_t rsp[64], st[64], pdu[8] = { 3, 4, 0x12, 0x34, 0x56, 0x78 };
	size_t n, ns;
	unsigned tid = (unsigned)q[0] << 8 | q[1];

	(void)qlen;
	if (q[7] != 3) {		/* a write: echo the request */
		memcpy(rsp, q, 12);
		rsp[5] = 6;
		n = 12;
	} else
		n = frame(rsp, tid, q[6], pdu, 6);
	ns = frame(st, 0, q[6], fake, sizeof(fake));
	switch (srv.mode) {
	case SRV_REPLY:
		(void)!write(fd, rsp, n);
		break;
	case SRV_STRAY_FIRST:
		memcpy(st + ns, rsp, n);
		(void)!write(fd, st, ns + n);
		break;
	case SRV_SURPLUS:
		memcpy(rsp + n, st, ns);
		(void)!write(fd, rsp, n + ns);
		break;
	case SRV_SPLIT:
		(void)!write(fd, rsp, 5);
		usleep(30000);
		(void)!write(fd, rsp + 5, n - 5);
		break;
	case SRV_EXCEPTION:
		pdu[0] = 0x83;
		pdu[1] = 2;
		n = frame(rsp, tid, q[6], pdu, 2);
		(void)!write(fd, rsp, n);
		break;
	case SRV_WRONG_UNIT:
		rsp[6]++;
		(void)!write(fd, rsp, n);
		break;
	case SRV_GARBAGE:
		(void)!write(fd, "\x01\x02\x03\x04\x05\x06\x07\x08\x09", 9);
		break;
	case SRV_SILENT:
	case SRV_CLOSE:
		break;
	}
}

static void *
srv_main(void *arg)
{
	uint8_t q[MBTCP_MAX_ADU];
	size_t len;
	int fd;

	(void)arg;
	while ((fd = accept(srv.lfd, NULL, NULL)) >= 0) {
		for (;;) {
			if (read_full(fd, q, 7) == -1)
				break;
			len = (size_t)(q[4] << 8 | q[5]) - 1;
			if (len > sizeof(q) - 7 || read_full(fd, q + 7, len) == -1)
				break;
			if (srv.ntids < 16)
				srv.tids[srv.ntids++] = (unsigned)q[0] << 8 | q[1];
			if (srv.mode == SRV_CLOSE)
				break;
			srv_answer(fd, q, 7 + len);
		}
		close(fd);
	}
	return NULL;
}

static void
srv_setup(void)
{
	struct sockaddr_in sa;
	socklen_t salen = sizeof(sa);

	srv.lfd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(srv.lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(listen(srv.lfd, 4), 0);
	ck_assert_int_eq(getsockname(srv.lfd, (struct sockaddr *)&sa, &salen), 0);
	srv.port = ntohs(sa.sin_port);
	srv.mode = SRV_REPLY;
	srv.ntids = 0;
	ck_assert_int_eq(pthread_create(&srv.th, NULL, srv_main, NULL), 0);
}

static void
srv_teardown(void)
{
	if (srv.lfd < 0)
		return;
	shutdown(srv.lfd, SHUT_RDWR);
	close(srv.lfd);
	srv.lfd = -1;
}

static struct mbtcp *
client(void)
{
	struct mbtcp *c = mbtcp_new("127.0.0.1", srv.port, 200);

	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(mbtcp_connect(c), 0);
	ck_assert_int_ge(mbtcp_fd(c), 0);
	return c;
}

START_TEST(test_conn_read_and_fresh_tids)
{
	struct mbtcp *c = client();
	uint16_t regs[2];
	int k;

	for (k = 0; k < 3; k++) {
		memset(regs, 0, sizeof(regs));
		ck_assert_int_eq(mbtcp_read_regs(c, 1, MBTCP_READ_HOLDING, 0, 2,
		    regs), 0);
		ck_assert_uint_eq(regs[0], 0x1234);
		ck_assert_uint_eq(regs[1], 0x5678);
	}
	ck_assert_int_eq(mbtcp_write_coil(c, 2, 1, true), 0);
	ck_assert_int_eq(srv.ntids, 4);
	for (k = 0; k < 4; k++) {
		ck_assert_uint_ne(srv.tids[k], 0);
		if (k > 0)
			ck_assert_uint_ne(srv.tids[k], srv.tids[k - 1]);
	}
	ck_assert_uint_eq(mbtcp_strays(c), 0);
	mbtcp_free(c);
}
END_TEST

START_TEST(test_conn_stray_first)
{
	struct mbtcp *c = client();
	uint16_t regs[2];

	srv.mode = SRV_STRAY_FIRST;
	ck_assert_int_eq(mbtcp_read_regs(c, 1, MBTCP_READ_HOLDING, 0, 2, regs), 0);
	ck_assert_uint_eq(regs[0], 0x1234);		/* never the stray's 0x0fff */
	ck_assert_uint_eq(mbtcp_strays(c), 1);
	mbtcp_free(c);
}
END_TEST

START_TEST(test_conn_surplus_drained)
{
	struct mbtcp *c = client();
	uint16_t regs[2];
	int k;

	srv.mode = SRV_SURPLUS;
	for (k = 0; k < 3; k++) {
		ck_assert_int_eq(mbtcp_read_regs(c, 1, MBTCP_READ_HOLDING, 0, 2,
		    regs), 0);
		ck_assert_uint_eq(regs[0], 0x1234);
	}
	ck_assert_uint_eq(mbtcp_strays(c), 3);
	mbtcp_free(c);
}
END_TEST

START_TEST(test_conn_split)
{
	struct mbtcp *c = client();
	uint16_t regs[2];

	srv.mode = SRV_SPLIT;
	ck_assert_int_eq(mbtcp_read_regs(c, 1, MBTCP_READ_HOLDING, 0, 2, regs), 0);
	ck_assert_uint_eq(regs[1], 0x5678);
	ck_assert_uint_eq(mbtcp_strays(c), 0);
	mbtcp_free(c);
}
END_TEST

START_TEST(test_conn_errors)
{
	struct mbtcp *c = client();
	uint16_t regs[2];
	int64_t t0;

	srv.mode = SRV_SILENT;
	t0 = ts_mono_ms();
	ck_assert_int_eq(mbtcp_read_regs(c, 1, MBTCP_READ_HOLDING, 0, 2, regs), -1);
	ck_assert_int_eq(errno, ETIMEDOUT);
	ck_assert_int_ge(ts_mono_ms() - t0, 190);
	ck_assert_int_lt(ts_mono_ms() - t0, 400);
	srv.mode = SRV_WRONG_UNIT;
	ck_assert_int_eq(mbtcp_read_regs(c, 1, MBTCP_READ_HOLDING, 0, 2, regs), -1);
	ck_assert_int_eq(errno, ETIMEDOUT);
	ck_assert_uint_eq(mbtcp_strays(c), 1);
	srv.mode = SRV_EXCEPTION;
	ck_assert_int_eq(mbtcp_read_regs(c, 1, MBTCP_READ_HOLDING, 0, 2, regs), -1);
	ck_assert_int_eq(errno, EMBXILADD);
	srv.mode = SRV_GARBAGE;
	ck_assert_int_eq(mbtcp_read_regs(c, 1, MBTCP_READ_HOLDING, 0, 2, regs), -1);
	ck_assert_int_eq(errno, EMBBADDATA);
	srv.mode = SRV_REPLY;
	ck_assert_int_eq(mbtcp_read_regs(c, 1, MBTCP_READ_HOLDING, 0, 2, regs), 0);
	srv.mode = SRV_CLOSE;
	ck_assert_int_eq(mbtcp_read_regs(c, 1, MBTCP_READ_HOLDING, 0, 2, regs), -1);
	ck_assert_int_eq(errno, ECONNRESET);
	mbtcp_free(c);
}
END_TEST

START_TEST(test_conn_refused_and_names)
{
	struct mbtcp *c;
	int port = srv.port;

	srv_teardown();
	c = mbtcp_new("127.0.0.1", port, 200);
	ck_assert_int_eq(mbtcp_connect(c), -1);
	ck_assert_int_eq(errno, ECONNREFUSED);
	ck_assert_int_eq(mbtcp_fd(c), -1);
	ck_assert_int_eq(mbtcp_read_regs(c, 1, MBTCP_READ_HOLDING, 0, 1,
	    (uint16_t[1]){ 0 }), -1);
	ck_assert_int_eq(errno, ENOTCONN);
	mbtcp_free(c);
	c = mbtcp_new("no-such-host.invalid", port, 200);
	ck_assert_int_eq(mbtcp_connect(c), -1);
	mbtcp_free(c);
	ck_assert_ptr_null(mbtcp_new("127.0.0.1", 0, 200));
	ck_assert_ptr_null(mbtcp_new("127.0.0.1", 502, 0));
}
END_TEST

START_TEST(test_conn_host_name)
{
	struct mbtcp *c = mbtcp_new("localhost", srv.port, 200);

	ck_assert_int_eq(mbtcp_connect(c), 0);	/* ::1 refused, then 127.0.0.1 */
	ck_assert_int_eq(mbtcp_write_reg(c, 3, 1, 7), 0);
	mbtcp_free(c);
}
END_TEST

CU_SUITE("mbtcp")
{
	cu_tcase(s, "codec", 0, NULL, NULL, test_encode_reads,
	    test_encode_single_writes, test_encode_multiple_writes,
	    test_encode_invalid, test_parse_read_regs, test_parse_read_bits,
	    test_parse_write_echoes, test_parse_stray, test_parse_exception,
	    test_parse_truncated, test_parse_byte_count, test_parse_bad_mbap,
	    test_parse_two_frames);
	cu_tcase(s, "connection", 10, srv_setup, srv_teardown,
	    test_conn_read_and_fresh_tids, test_conn_stray_first,
	    test_conn_surplus_drained, test_conn_split, test_conn_errors,
	    test_conn_refused_and_names, test_conn_host_name);
}
