/* libFuzzer target: the Modbus TCP reply parser (mbtcp_parse). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "weighgate/mbtcp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t fcs[] = { 1, 2, 3, 4, 5, 6, 15, 16 };

/*
 * The first 8 bytes choose the request in flight (function, unit, tid,
 * address, count or value); the rest is what arrived, parsed frame after
 * frame as the client does.  Whatever the bytes: an outcome, never a
 * crash or a read out of bounds; a frame length within the buffer; a
 * MATCH or an EXCEPTION only for the request's own tid, unit and function,
 * and a MATCH's data exactly the size the request implies.
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint16_t regs[MBTCP_MAX_WRITE_REGS];
	static const uint8_t bits[MBTCP_MAX_WRITE_BITS];
	uint16_t out_regs[MBTCP_MAX_READ_REGS];
	uint8_t out_bits[MBTCP_MAX_READ_BITS];
	struct mbtcp_req q = { .regs = regs, .bits = bits };
	struct mbtcp_rsp rsp;
	enum mbtcp_outcome o;
	const uint8_t *p;
	size_t left;

	if (size < 8)
		return 0;
	q.fc = fcs[data[0] % sizeof(fcs)];
	q.unit = data[1];
	q.tid = (uint16_t)(data[2] << 8 | data[3]);
	q.addr = (uint16_t)(data[4] << 8 | data[5]);
	q.count = (uint16_t)(data[6] << 8 | data[7]);
	q.value = q.count;
	if (q.fc <= 4)
		q.count = (uint16_t)(q.count % (q.fc <= 2 ?
		    MBTCP_MAX_READ_BITS : MBTCP_MAX_READ_REGS) + 1);
	p = data + 8;
	left = size - 8;
	for (;;) {
		o = mbtcp_parse(&q, p, left, &rsp);
		if (o == MBTCP_NEED_MORE || o == MBTCP_MALFORMED)
			break;
		if (rsp.frame_len < 8 || rsp.frame_len > left ||
		    rsp.frame_len > MBTCP_MAX_ADU)
			abort();
		if (o != MBTCP_STRAY && (p[6] != q.unit ||
		    (p[0] << 8 | p[1]) != q.tid || (p[7] & 0x7f) != q.fc))
			abort();
		if (o == MBTCP_MATCH && q.fc <= 4) {
			if (rsp.ndata != (q.fc <= 2 ? (size_t)(q.count + 7) / 8 :
			    (size_t)q.count * 2) || rsp.data != p + 9)
				abort();
			if (q.fc <= 2)
				mbtcp_get_bits(&rsp, out_bits, q.count);
			else
				mbtcp_get_regs(&rsp, out_regs, q.count);
		}
		if (o != MBTCP_STRAY)
			break;
		p += rsp.frame_len;
		left -= rsp.frame_len;
	}
	return 0;
}
