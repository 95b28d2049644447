/*
 * A Modbus TCP client of weighgate's own (docs/lane.md, "Replies nobody
 * asked for"), used by the TCP links of mbdev.c; RTU stays on libmodbus.
 *
 * Two parts.  The codec (mbtcp_encode, mbtcp_parse) is pure: it builds a
 * request ADU (MBAP header + PDU) and judges a byte buffer against the
 * request in flight, with no socket, clock or global, so it can be fuzzed
 * and driven by any I/O loop.  The connection (struct mbtcp) sends a
 * request with a fresh transaction id, waits with poll() for at most the
 * response timeout, reads whole frames, discards and counts every frame
 * that is not the reply to the request in flight (never decoding it), and
 * after the reply drains the socket of anything else.
 *
 * libmodbus 3.1.6 cannot do this: its raw requests all carry transaction
 * id 0 and its ordinary reads do not compare a TCP reply's unit id, so a
 * reply nobody asked for could pass as the answer.
 *
 * Errors are errno values as libmodbus gives them, so that mbdev.c
 * classifies both alike: ETIMEDOUT (no reply in time), ECONNRESET (peer
 * closed), EPIPE and other socket errors, MODBUS_ENOBASE + code for an
 * exception reply (EMBBADEXC for a code above 11), EMBBADDATA for a reply
 * that names the request but is malformed.
 */
#ifndef WEIGHGATE_MBTCP_H
#define WEIGHGATE_MBTCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MBTCP_MAX_ADU 260		/* MBAP 7 + PDU 253 */
#define MBTCP_MAX_READ_REGS 125
#define MBTCP_MAX_READ_BITS 2000
#define MBTCP_MAX_WRITE_REGS 123
#define MBTCP_MAX_WRITE_BITS 1968

enum mbtcp_fc {
	MBTCP_READ_COILS = 0x01,
	MBTCP_READ_DISCRETE = 0x02,
	MBTCP_READ_HOLDING = 0x03,
	MBTCP_READ_INPUT = 0x04,
	MBTCP_WRITE_COIL = 0x05,
	MBTCP_WRITE_REG = 0x06,
	MBTCP_WRITE_COILS = 0x0f,
	MBTCP_WRITE_REGS = 0x10
};

/* One request.  regs (fc 16) and bits (fc 15, one per byte, 0 or not) are
 * the caller's; value is the coil (0/1) of fc 5 or the register of fc 6. */
struct mbtcp_req {
	uint16_t tid;
	uint8_t unit;
	uint8_t fc;
	uint16_t addr;
	uint16_t count;		/* reads and fc 15/16 */
	uint16_t value;		/* fc 5, 6 */
	const uint16_t *regs;
	const uint8_t *bits;
};

/* What a buffer holds, judged against the request in flight. */
enum mbtcp_outcome {
	MBTCP_MATCH,		/* the reply, valid: data in the mbtcp_rsp */
	MBTCP_STRAY,		/* a whole frame for another request: skip it */
	MBTCP_EXCEPTION,	/* the request's exception reply: code in rsp */
	MBTCP_MALFORMED,	/* not a Modbus TCP frame, or a bad reply */
	MBTCP_NEED_MORE		/* no whole frame yet */
};

struct mbtcp_rsp {
	size_t frame_len;	/* bytes of the frame (STRAY, MATCH, EXCEPTION;
				 * MALFORMED with a readable header; else 0) */
	int exception;		/* MBTCP_EXCEPTION: the exception code */
	const uint8_t *data;	/* MATCH of a read: the data bytes in buf */
	size_t ndata;
};

/*
 * The ADU of q in out (size at least MBTCP_MAX_ADU); its length, or -1 with
 * errno EINVAL for an unknown function or a count or address out of range.
 */
int mbtcp_encode(const struct mbtcp_req *q, uint8_t *out, size_t size);
/* Judge the len bytes at buf (a frame begins at buf[0]) against q. */
enum mbtcp_outcome mbtcp_parse(const struct mbtcp_req *q, const uint8_t *buf,
    size_t len, struct mbtcp_rsp *rsp);
/* The registers / bits (one per byte, 0 or 1) of a MATCH of q. */
void mbtcp_get_regs(const struct mbtcp_rsp *rsp, uint16_t *regs, int count);
void mbtcp_get_bits(const struct mbtcp_rsp *rsp, uint8_t *bits, int count);
/* The errno of an exception code, as libmodbus maps it. */
int mbtcp_exception_errno(int code);

/* A connection to one host:port; not thread-safe (one owner thread). */
struct mbtcp;

struct mbtcp *mbtcp_new(const char *host, int port, int timeout_ms);
void mbtcp_free(struct mbtcp *c);
/*
 * Connect (closing any connection first): host names, IPv4 and IPv6
 * through getaddrinfo, each address tried until timeout_ms has passed.
 * 0, or -1 with errno.  TCP_NODELAY; the socket is non-blocking.
 */
int mbtcp_connect(struct mbtcp *c);
void mbtcp_close(struct mbtcp *c);
/* The socket, or -1 when closed. */
int mbtcp_fd(const struct mbtcp *c);
/* Discard whatever has arrived and not been read (counted as stray). */
void mbtcp_flush(struct mbtcp *c);
/*
 * One transaction: q gets the next transaction id of the connection (its
 * tid is overwritten); returns 0 with rsp a MATCH (rsp->data points into
 * the connection's buffer, valid until its next call), or -1 with errno.
 */
int mbtcp_transact(struct mbtcp *c, struct mbtcp_req *q, struct mbtcp_rsp *rsp);
/* Helpers over mbtcp_transact; 0 or -1 with errno. */
int mbtcp_read_regs(struct mbtcp *c, int unit, enum mbtcp_fc fc, int addr,
    int count, uint16_t *regs);
int mbtcp_read_bits(struct mbtcp *c, int unit, enum mbtcp_fc fc, int addr,
    int count, uint8_t *bits);
int mbtcp_write_coil(struct mbtcp *c, int unit, int addr, bool on);
int mbtcp_write_reg(struct mbtcp *c, int unit, int addr, uint16_t value);
int mbtcp_write_coils(struct mbtcp *c, int unit, int addr, int count,
    const uint8_t *bits);
int mbtcp_write_regs(struct mbtcp *c, int unit, int addr, int count,
    const uint16_t *regs);
/* Frames discarded so far that were not the reply in flight. */
uint64_t mbtcp_strays(const struct mbtcp *c);

#endif
