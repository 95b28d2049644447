/* Unit tests of the scale register decoder (docs/design.md §4.1): word orders, fields, plate text. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "weighgate/decode.h"

#include "check_util.h"

static const enum word_order orders[] = { WO_ABCD, WO_CDAB, WO_BADC, WO_DCBA };

/* 0x12345678 as each word order puts it in two registers, written by hand. */
static const uint16_t regs_12345678[4][2] = {
	{ 0x1234, 0x5678 },	/* ABCD */
	{ 0x5678, 0x1234 },	/* CDAB */
	{ 0x3412, 0x7856 },	/* BADC */
	{ 0x7856, 0x3412 },	/* DCBA */
};

START_TEST(test_word_order_get)
{
	int i;

	for (i = 0; i < 4; i++)
		ck_assert_uint_eq(decode_wo_get_u32(regs_12345678[i], orders[i]),
		    0x12345678u);
	/* the same registers read in the wrong order give another value */
	ck_assert_uint_eq(decode_wo_get_u32(regs_12345678[0], WO_CDAB), 0x56781234u);
	ck_assert_uint_eq(decode_wo_get_u32(regs_12345678[0], WO_BADC), 0x34127856u);
	ck_assert_uint_eq(decode_wo_get_u32(regs_12345678[0], WO_DCBA), 0x78563412u);
}
END_TEST

START_TEST(test_word_order_set)
{
	static const uint32_t vals[] = { 0, 1, 0xffff, 0x10000, 0x80000001u,
	    0xffffffffu, 49120, 101300 };
	uint16_t r[2];
	size_t i, j;

	for (i = 0; i < 4; i++) {
		decode_wo_set_u32(r, 0x12345678u, orders[i]);
		ck_assert_uint_eq(r[0], regs_12345678[i][0]);
		ck_assert_uint_eq(r[1], regs_12345678[i][1]);
		for (j = 0; j < sizeof(vals) / sizeof(vals[0]); j++) {
			decode_wo_set_u32(r, vals[j], orders[i]);
			ck_assert_uint_eq(decode_wo_get_u32(r, orders[i]), vals[j]);
		}
	}
	/* 101 300 kg = 0x00018BB4: ABCD high word first */
	decode_wo_set_u32(r, 101300, WO_ABCD);
	ck_assert_uint_eq(r[0], 0x0001);
	ck_assert_uint_eq(r[1], 0x8bb4);
}
END_TEST

/* A truck block written by hand in ABCD order with an ASCII plate. */
static void
hand_block(uint16_t regs[SCALE_NREGS])
{
	memset(regs, 0, SCALE_NREGS * sizeof(regs[0]));
	regs[0] = SCALE_ST_PRESENT | SCALE_ST_VALID;
	regs[1] = 812;
	regs[2] = 0x0000;
	regs[3] = 0xbfe0;			/* 49 120 kg */
	regs[4] = 6;
	regs[5] = 2;
	regs[6] = 2;
	regs[7] = 65;				/* 6.5 km/h */
	regs[8] = 6900; regs[9] = 9000; regs[10] = 8800;
	regs[11] = 8100; regs[12] = 8200; regs[13] = 8120;
	regs[20] = 0x4131;			/* "A1" */
	regs[21] = 0x3233;			/* "23" */
	regs[28] = 2;
}

START_TEST(test_decode_fields)
{
	uint16_t regs[SCALE_NREGS];
	struct measurement m;
	char err[128];

	hand_block(regs);
	memset(&m, 0, sizeof(m));
	strcpy(m.lane, "L07");
	m.ts_ms = 1234;
	ck_assert_int_eq(decode_scale(regs, WO_ABCD, ENC_GB18030, &m, err,
	    sizeof(err)), 0);
	ck_assert_str_eq(m.lane, "L07");
	ck_assert_int_eq(m.ts_ms, 1234);
	ck_assert(m.valid && !m.fault && !m.unstable && !m.abnormal);
	ck_assert_int_eq(m.seq, 812);
	ck_assert_int_eq(m.gross_kg, 49120);
	ck_assert_int_eq(m.axles, 6);
	ck_assert_int_eq(m.kind, VK_TRUCK);
	ck_assert_int_eq(m.config, VC_COMBINATION);
	ck_assert_int_eq(m.speed_dkmh, 65);
	ck_assert_int_eq(m.n_axle_kg, 6);
	ck_assert_int_eq(m.axle_kg[0], 6900);
	ck_assert_int_eq(m.axle_kg[5], 8120);
	ck_assert_str_eq(m.plate, "A123");
	ck_assert_int_eq(m.plate_color, PC_YELLOW);
}
END_TEST

START_TEST(test_decode_status_bits)
{
	uint16_t regs[SCALE_NREGS];
	struct measurement m;
	char err[128];

	hand_block(regs);
	regs[0] = SCALE_ST_PRESENT;		/* valid bit clear */
	ck_assert_int_eq(decode_scale(regs, WO_ABCD, ENC_UTF8, &m, err,
	    sizeof(err)), 0);
	ck_assert(!m.valid);
	regs[0] = SCALE_ST_VALID | SCALE_ST_FAULT;
	decode_scale(regs, WO_ABCD, ENC_UTF8, &m, err, sizeof(err));
	ck_assert(m.valid && m.fault && !m.unstable && !m.abnormal);
	regs[0] = SCALE_ST_VALID | SCALE_ST_UNSTABLE;
	decode_scale(regs, WO_ABCD, ENC_UTF8, &m, err, sizeof(err));
	ck_assert(m.valid && !m.fault && m.unstable && !m.abnormal);
	regs[0] = SCALE_ST_VALID | SCALE_ST_ABNORMAL | SCALE_ST_REVERSING;
	decode_scale(regs, WO_ABCD, ENC_UTF8, &m, err, sizeof(err));
	ck_assert(m.valid && !m.fault && !m.unstable && m.abnormal);
}
END_TEST

START_TEST(test_decode_axle_weights)
{
	uint16_t regs[SCALE_NREGS];
	struct measurement m;
	char err[128];
	int i;

	hand_block(regs);
	for (i = 8; i < 20; i++)
		regs[i] = 0;			/* no axle weights: missing */
	ck_assert_int_eq(decode_scale(regs, WO_ABCD, ENC_UTF8, &m, err,
	    sizeof(err)), 0);
	ck_assert(m.valid);
	ck_assert_int_eq(m.n_axle_kg, 0);

	hand_block(regs);
	regs[14] = 500;				/* a 7th weight on a 6-axle truck */
	ck_assert_int_eq(decode_scale(regs, WO_ABCD, ENC_UTF8, &m, err,
	    sizeof(err)), -1);
	ck_assert(!m.valid);
	ck_assert_ptr_nonnull(strstr(err, "axle weight 7"));
}
END_TEST

START_TEST(test_decode_garbage)
{
	uint16_t regs[SCALE_NREGS];
	struct measurement m;
	char err[128];
	int i, rc;

	hand_block(regs);
	regs[4] = 60000;			/* axle count garbage */
	ck_assert_int_eq(decode_scale(regs, WO_ABCD, ENC_UTF8, &m, err,
	    sizeof(err)), 0);
	ck_assert_int_eq(m.axles, 60000);	/* decide() retries it */
	ck_assert_int_eq(m.n_axle_kg, 0);

	hand_block(regs);
	regs[5] = 7;
	ck_assert_int_eq(decode_scale(regs, WO_ABCD, ENC_UTF8, &m, err,
	    sizeof(err)), -1);
	ck_assert(!m.valid);
	ck_assert_int_eq(m.kind, VK_UNKNOWN);
	ck_assert_ptr_nonnull(strstr(err, "kind"));

	hand_block(regs);
	regs[6] = 4;
	ck_assert_int_eq(decode_scale(regs, WO_ABCD, ENC_UTF8, &m, err,
	    sizeof(err)), -1);
	ck_assert(!m.valid);
	ck_assert_ptr_nonnull(strstr(err, "configuration"));

	hand_block(regs);
	regs[28] = 7;
	ck_assert_int_eq(decode_scale(regs, WO_ABCD, ENC_UTF8, &m, err,
	    sizeof(err)), -1);
	ck_assert(!m.valid);
	ck_assert_ptr_nonnull(strstr(err, "colour"));

	/* every register 0xffff, and a pseudo-random fill: no crash */
	for (i = 0; i < SCALE_NREGS; i++)
		regs[i] = 0xffff;
	ck_assert_int_eq(decode_scale(regs, WO_DCBA, ENC_GB18030, &m, err,
	    sizeof(err)), -1);
	ck_assert(!m.valid);
	srand(7);
	for (rc = 0; rc < 2000; rc++) {
		for (i = 0; i < SCALE_NREGS; i++)
			regs[i] = (uint16_t)rand();
		if (decode_scale(regs, orders[rc % 4], rc & 1 ? ENC_UTF8 :
		    ENC_GB18030, &m, err, sizeof(err)) != 0)
			ck_assert(!m.valid && err[0] != '\0');
		ck_assert(decode_text_utf8_valid(m.plate, strlen(m.plate)));
	}
}
END_TEST

/* Plate bytes of a block, high byte first. */
static void
plate_bytes(const uint16_t regs[SCALE_NREGS], unsigned char out[16])
{
	int i;

	for (i = 0; i < 8; i++) {
		out[2 * i] = (unsigned char)(regs[20 + i] >> 8);
		out[2 * i + 1] = (unsigned char)(regs[20 + i] & 0xff);
	}
}

START_TEST(test_plate_gb18030_bytes)
{
	static const unsigned char want[16] = { 0xd4, 0xa5, 'A', '1', '2',
	    '3', '4', '5', 0, 0, 0, 0, 0, 0, 0, 0 };
	uint16_t regs[SCALE_NREGS];
	unsigned char got[16];
	struct measurement m, d;
	char err[128];

	meas_init(&m);
	strcpy(m.plate, "豫A12345");
	ck_assert_int_eq(decode_encode_scale(&m, SCALE_ST_VALID, 1, WO_ABCD,
	    ENC_GB18030, regs), 0);
	plate_bytes(regs, got);
	ck_assert_mem_eq(got, want, 16);
	ck_assert_uint_eq(regs[20], 0xd4a5);
	ck_assert_int_eq(decode_scale(regs, WO_ABCD, ENC_GB18030, &d, err,
	    sizeof(err)), 0);
	ck_assert_str_eq(d.plate, "豫A12345");

	/* the same plate as UTF-8 bytes: 豫 is E8 B1 AB */
	ck_assert_int_eq(decode_encode_scale(&m, SCALE_ST_VALID, 1, WO_ABCD,
	    ENC_UTF8, regs), 0);
	ck_assert_uint_eq(regs[20], 0xe8b1);
	ck_assert_uint_eq(regs[21], 0xab41);
	ck_assert_int_eq(decode_scale(regs, WO_ABCD, ENC_UTF8, &d, err,
	    sizeof(err)), 0);
	ck_assert_str_eq(d.plate, "豫A12345");
}
END_TEST

START_TEST(test_plate_invalid)
{
	uint16_t regs[SCALE_NREGS];
	struct measurement m;
	char err[128];

	hand_block(regs);
	regs[20] = 0xd420;			/* lead byte, bad trail byte */
	ck_assert_int_eq(decode_scale(regs, WO_ABCD, ENC_GB18030, &m, err,
	    sizeof(err)), -1);
	ck_assert(!m.valid);
	ck_assert_str_eq(m.plate, "");
	ck_assert_ptr_nonnull(strstr(err, "plate"));

	hand_block(regs);
	regs[20] = 0x41d4;			/* truncated: lead byte then NUL */
	regs[21] = 0;
	ck_assert_int_eq(decode_scale(regs, WO_ABCD, ENC_GB18030, &m, err,
	    sizeof(err)), -1);
	ck_assert(!m.valid);

	hand_block(regs);
	regs[20] = 0xc0af;			/* overlong '/' in UTF-8 */
	ck_assert_int_eq(decode_scale(regs, WO_ABCD, ENC_UTF8, &m, err,
	    sizeof(err)), -1);
	ck_assert(!m.valid);

	hand_block(regs);
	regs[20] = 0x4101;			/* control character */
	ck_assert_int_eq(decode_scale(regs, WO_ABCD, ENC_UTF8, &m, err,
	    sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "control"));
}
END_TEST

START_TEST(test_plate_padding)
{
	uint16_t regs[SCALE_NREGS];
	struct measurement m, d;
	char err[128];
	int i;

	/* an odd-length plate: the NUL pad shares the last register */
	meas_init(&m);
	strcpy(m.plate, "ABC");
	ck_assert_int_eq(decode_encode_scale(&m, SCALE_ST_VALID, 1, WO_ABCD,
	    ENC_GB18030, regs), 0);
	ck_assert_uint_eq(regs[20], 0x4142);
	ck_assert_uint_eq(regs[21], 0x4300);
	for (i = 22; i < 28; i++)
		ck_assert_uint_eq(regs[i], 0);
	/* bytes after the first NUL are not part of the plate */
	regs[23] = 0x5858;
	ck_assert_int_eq(decode_scale(regs, WO_ABCD, ENC_GB18030, &d, err,
	    sizeof(err)), 0);
	ck_assert_str_eq(d.plate, "ABC");

	/* a full 16-byte plate has no NUL at all */
	strcpy(m.plate, "豫A12345678901");	/* 2 + 12 = 14 bytes */
	ck_assert_int_eq(decode_encode_scale(&m, SCALE_ST_VALID, 1, WO_ABCD,
	    ENC_GB18030, regs), 0);
	strcpy(m.plate, "豫A123456789012X");	/* 16 bytes in GB18030 */
	ck_assert_int_eq(decode_encode_scale(&m, SCALE_ST_VALID, 1, WO_ABCD,
	    ENC_GB18030, regs), 0);
	ck_assert_uint_eq(regs[27], 0x3258);	/* "2X" */
	ck_assert_int_eq(decode_scale(regs, WO_ABCD, ENC_GB18030, &d, err,
	    sizeof(err)), 0);
	ck_assert_str_eq(d.plate, "豫A123456789012X");
	/* 17 bytes do not fit */
	strcpy(m.plate, "豫A123456789012XY");
	ck_assert_int_eq(decode_encode_scale(&m, SCALE_ST_VALID, 1, WO_ABCD,
	    ENC_GB18030, regs), -1);
	/* in UTF-8 豫 takes 3 bytes: 16 fit, 17 do not */
	strcpy(m.plate, "豫A123456789012");
	ck_assert_int_eq(decode_encode_scale(&m, SCALE_ST_VALID, 1, WO_ABCD,
	    ENC_UTF8, regs), 0);
	ck_assert_int_eq(decode_scale(regs, WO_ABCD, ENC_UTF8, &d, err,
	    sizeof(err)), 0);
	ck_assert_str_eq(d.plate, "豫A123456789012");
	strcpy(m.plate, "豫A123456789012X");
	ck_assert_int_eq(decode_encode_scale(&m, SCALE_ST_VALID, 1, WO_ABCD,
	    ENC_UTF8, regs), -1);
}
END_TEST

START_TEST(test_text_conversion)
{
	char out[64];
	int n;

	n = decode_text_from_utf8(ENC_GB18030, "豫A·D2345", out, sizeof(out));
	ck_assert_int_eq(n, 10);		/* 2 + 1 + 2 + 5 */
	ck_assert_uint_eq((unsigned char)out[0], 0xd4);
	ck_assert_uint_eq((unsigned char)out[1], 0xa5);
	ck_assert_uint_eq((unsigned char)out[3], 0xa1);	/* · is A1A4 */
	ck_assert_uint_eq((unsigned char)out[4], 0xa4);
	ck_assert_int_eq(decode_text_to_utf8(ENC_GB18030, out, 10, out + 16, 48), 11);
	ck_assert_str_eq(out + 16, "豫A·D2345");
	/* UTF-8 passes through, validated */
	ck_assert_int_eq(decode_text_from_utf8(ENC_UTF8, "京B", out, sizeof(out)), 4);
	ck_assert_str_eq(out, "京B");
	ck_assert_int_eq(decode_text_to_utf8(ENC_UTF8, "\xed\xa0\x80", 3, out,
	    sizeof(out)), -1);		/* a surrogate */
	ck_assert_int_eq(decode_text_from_utf8(ENC_GB18030, "\xff", out,
	    sizeof(out)), -1);
	/* overflow is an error, not a cut */
	ck_assert_int_eq(decode_text_from_utf8(ENC_GB18030, "豫A12345", out, 4), -1);
	ck_assert_int_eq(decode_text_to_utf8(ENC_UTF8, "ABCDE", 5, out, 4), -1);
	/* exactly full: no NUL written past the end */
	memset(out, 'z', sizeof(out));
	ck_assert_int_eq(decode_text_to_utf8(ENC_UTF8, "ABCD", 4, out, 4), 4);
	ck_assert_int_eq(out[4], 'z');
}
END_TEST

/* A deterministic measurement number i. */
static void
sample(int i, struct measurement *m)
{
	static const char *const plates[] = { "豫A12345", "京B·99999",
	    "粤Z1234港", "ABC", "", "冀E D7788", "新A12345学" };
	int j;

	meas_init(m);
	m->seq = i % 65536;
	m->kind = (enum vkind)(i % 3);
	m->config = (enum vconfig)(i % 4);
	m->axles = 2 + i % 11;
	m->gross_kg = (int64_t)(i * 7919u % 120000u) + (i % 5 == 0 ? 70000 : 0);
	m->speed_dkmh = i % 200;
	m->n_axle_kg = i % 3 == 0 ? 0 : m->axles;
	for (j = 0; j < m->n_axle_kg; j++)
		m->axle_kg[j] = 1000 + (i * 31 + j * 977) % 12000;
	snprintf(m->plate, sizeof(m->plate), "%s", plates[i % 7]);
	m->plate_color = (enum pcolor)(i % PC_NCOLORS);
	m->valid = i % 4 != 1;
	m->unstable = i % 6 == 2;
	m->fault = i % 9 == 3;
	m->abnormal = i % 10 == 4;
}

static uint16_t
status_of(const struct measurement *m)
{
	return (uint16_t)(SCALE_ST_PRESENT | (m->valid ? SCALE_ST_VALID : 0) |
	    (m->fault ? SCALE_ST_FAULT : 0) |
	    (m->unstable ? SCALE_ST_UNSTABLE : 0) |
	    (m->abnormal ? SCALE_ST_ABNORMAL : 0));
}

START_TEST(test_round_trip)
{
	uint16_t regs[SCALE_NREGS];
	struct measurement m, d;
	char err[128];
	int i, o, e;

	for (i = 0; i < 500; i++) {
		sample(i, &m);
		for (o = 0; o < 4; o++)
			for (e = 0; e < 2; e++) {
				enum text_encoding enc = e ? ENC_UTF8 : ENC_GB18030;

				ck_assert_int_eq(decode_encode_scale(&m, status_of(&m),
				    (uint16_t)m.seq, orders[o], enc, regs), 0);
				memset(&d, 0x5a, sizeof(d));
				memset(d.lane, 0, sizeof(d.lane));
				d.ts_ms = 0;
				ck_assert_msg(decode_scale(regs, orders[o], enc, &d,
				    err, sizeof(err)) == 0, "%d: %s", i, err);
				ck_assert_msg(memcmp(&m, &d, sizeof(m)) == 0,
				    "sample %d order %d enc %d differs", i, o, e);
			}
	}
}
END_TEST

START_TEST(test_encode_out_of_range)
{
	uint16_t regs[SCALE_NREGS];
	struct measurement m;

	sample(1, &m);
	m.gross_kg = (int64_t)UINT32_MAX + 1;
	ck_assert_int_eq(decode_encode_scale(&m, 0, 0, WO_ABCD, ENC_UTF8, regs), -1);
	sample(1, &m);
	m.axle_kg[0] = 70000;
	ck_assert_int_eq(decode_encode_scale(&m, 0, 0, WO_ABCD, ENC_UTF8, regs), -1);
	sample(1, &m);
	strcpy(m.plate, "\xc3");		/* invalid UTF-8 */
	ck_assert_int_eq(decode_encode_scale(&m, 0, 0, WO_ABCD, ENC_GB18030, regs), -1);
}
END_TEST

CU_SUITE("decode")
{
	cu_tcase(s, "core", 30, NULL, NULL, test_word_order_get,
	    test_word_order_set, test_decode_fields, test_decode_status_bits,
	    test_decode_axle_weights, test_decode_garbage,
	    test_plate_gb18030_bytes, test_plate_invalid, test_plate_padding,
	    test_text_conversion, test_round_trip, test_encode_out_of_range);
}
