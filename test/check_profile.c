/* Unit tests of device profiles (weighgate-profiles(5)): the built-in map, the shipped profiles, bad files. */
#include <check.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "weighgate/decode.h"
#include "weighgate/profile.h"

#include "check_util.h"

static char err[512];

/* The source tree: $ROOT as tools/run-tests.sh exports it, else ".". */
static const char *
root(void)
{
	const char *r = getenv("ROOT");

	return r != NULL && *r != '\0' ? r : ".";
}

static profile_t *
shipped(const char *name)
{
	char path[512];
	profile_t *p;

	snprintf(path, sizeof(path), "%s/profiles/%s.profile", root(), name);
	p = profile_load(path, err, sizeof(err));
	ck_assert_msg(p != NULL, "%s: %s", name, err);
	return p;
}

static profile_t *
text_profile(const char *text)
{
	profile_t *p = profile_parse("test.profile", text, strlen(text), err,
	    sizeof(err));

	ck_assert_msg(p != NULL, "%s", err);
	return p;
}

/* Request i of p is (table, start, count). */
static void
want_request(const profile_t *p, int i, enum profile_table table, int start,
    int count)
{
	const struct profile_request *q = profile_request(p, i);

	ck_assert_ptr_nonnull(q);
	ck_assert_int_eq(q->table, table);
	ck_assert_int_eq(q->start, start);
	ck_assert_int_eq(q->count, count);
}

static int
decode1(const profile_t *p, const uint16_t *regs, struct profile_reading *r)
{
	const uint16_t *img[1] = { regs };

	memset(r, 0, sizeof(*r));
	return profile_decode_scale(p, img, r, err, sizeof(err));
}

/* --- the built-in weighgate profile is today's map ------------------- */

static const enum word_order orders[] = { WO_ABCD, WO_CDAB, WO_BADC, WO_DCBA };

/* check_decode.c's truck block, written by hand in ABCD order. */
static void
hand_block(uint16_t regs[SCALE_NREGS])
{
	memset(regs, 0, SCALE_NREGS * sizeof(regs[0]));
	regs[0] = 0x0003;			/* present, valid */
	regs[1] = 812;
	regs[2] = 0x0000;
	regs[3] = 0xbfe0;			/* 49 120 kg */
	regs[4] = 6;
	regs[5] = 2;
	regs[6] = 2;
	regs[7] = 65;
	regs[8] = 6900; regs[9] = 9000; regs[10] = 8800;
	regs[11] = 8100; regs[12] = 8200; regs[13] = 8120;
	regs[20] = 0x4131;
	regs[21] = 0x3233;
	regs[28] = 2;
}

/* decode.c and the built-in profile read regs alike: result, text, flags. */
static void
same_as_decode(const uint16_t regs[SCALE_NREGS], enum word_order wo,
    enum text_encoding enc)
{
	struct profile_adjust adj = { 0, 0, wo, enc, BARRIER_LEVEL, 32 };
	struct measurement m;
	struct profile_reading r;
	char err_d[128], err_p[128];
	const uint16_t *img[1] = { regs };
	profile_t *p = profile_builtin("weighgate", &adj, err, sizeof(err));
	int rc_d, rc_p;

	ck_assert_msg(p != NULL, "%s", err);
	memset(&m, 0, sizeof(m));
	memset(&r, 0, sizeof(r));
	rc_d = decode_scale(regs, wo, enc, &m, err_d, sizeof(err_d));
	rc_p = profile_decode_scale(p, img, &r, err_p, sizeof(err_p));
	ck_assert_msg(rc_p == rc_d, "rc %d, decode.c %d: %s / %s", rc_p, rc_d,
	    err_p, err_d);
	ck_assert_str_eq(err_p, err_d);
	{
		size_t k;

		for (k = 0; k < sizeof(m); k++)
			if (((unsigned char *)&m)[k] != ((unsigned char *)&r.m)[k])
				break;
		if (k < sizeof(m))
			fprintf(stderr, "differs at byte %zu of %zu (axle_kg at %zu, "
			    "speed at %zu, plate at %zu)\n", k, sizeof(m),
			    offsetof(struct measurement, axle_kg),
			    offsetof(struct measurement, speed_dkmh),
			    offsetof(struct measurement, plate));
	}
	ck_assert_msg(memcmp(&m, &r.m, sizeof(m)) == 0, "measurement differs: "
	    "seq %lld/%lld gross %lld/%lld axles %d/%d n %d/%d plate %s/%s "
	    "v %d/%d", (long long)r.m.seq, (long long)m.seq,
	    (long long)r.m.gross_kg, (long long)m.gross_kg, r.m.axles, m.axles,
	    r.m.n_axle_kg, m.n_axle_kg, r.m.plate, m.plate, r.m.valid, m.valid);
	ck_assert(r.present == ((regs[0] & SCALE_ST_PRESENT) != 0));
	ck_assert(r.reversing == ((regs[0] & SCALE_ST_REVERSING) != 0));
	ck_assert(r.m.fault == ((regs[0] & SCALE_ST_FAULT) != 0));
	ck_assert_int_eq(r.seq, regs[1]);
	ck_assert_int_eq(r.seq_bits, 16);
	ck_assert_int_eq(r.key_len, SCALE_NREGS - 1);
	ck_assert_mem_eq(r.key, regs + 1, (SCALE_NREGS - 1) * sizeof(regs[0]));
	profile_free(p);
}

START_TEST(test_builtin_plan)
{
	struct profile_adjust adj = { 100, 0, WO_ABCD, ENC_GB18030,
	    BARRIER_LEVEL, 32 };
	profile_t *p = profile_builtin("weighgate", &adj, err, sizeof(err));

	ck_assert_msg(p != NULL, "%s", err);
	ck_assert_int_eq(profile_kind(p), PK_SCALE);
	ck_assert_int_eq(profile_nrequests(p), 1);
	want_request(p, 0, PT_HOLDING, 100, SCALE_NREGS);
	ck_assert_int_eq(profile_nwrites(p), 0);
	profile_free(p);
	/* scale_base 65520 leaves no room for 29 registers */
	adj.base = 65520;
	ck_assert_ptr_null(profile_builtin("weighgate", &adj, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "run past 65535"));
	ck_assert_ptr_null(profile_builtin("nosuch", NULL, err, sizeof(err)));
}
END_TEST

START_TEST(test_builtin_decode_cases)
{
	uint16_t regs[SCALE_NREGS];
	size_t o;
	int i, e;

	for (o = 0; o < 4; o++)
		for (e = 0; e < 2; e++) {
			enum text_encoding enc = e ? ENC_UTF8 : ENC_GB18030;

			hand_block(regs);
			same_as_decode(regs, orders[o], enc);
			regs[0] = 0x0001;		/* valid clear */
			same_as_decode(regs, orders[o], enc);
			regs[0] = 0x003f;		/* every status bit */
			same_as_decode(regs, orders[o], enc);
			hand_block(regs);
			for (i = 8; i < 20; i++)
				regs[i] = 0;		/* no axle weights */
			same_as_decode(regs, orders[o], enc);
			hand_block(regs);
			regs[14] = 500;			/* a 7th weight */
			same_as_decode(regs, orders[o], enc);
			hand_block(regs);
			regs[4] = 60000;		/* axle count garbage */
			same_as_decode(regs, orders[o], enc);
			hand_block(regs);
			regs[5] = 7;			/* kind */
			same_as_decode(regs, orders[o], enc);
			regs[6] = 4;			/* and configuration */
			regs[28] = 7;			/* and colour */
			same_as_decode(regs, orders[o], enc);
			hand_block(regs);
			regs[20] = 0xd420;		/* bad GB18030 trail */
			same_as_decode(regs, orders[o], enc);
			regs[20] = 0x41d4;		/* truncated */
			regs[21] = 0;
			same_as_decode(regs, orders[o], enc);
			regs[20] = 0xc0af;		/* overlong in UTF-8 */
			same_as_decode(regs, orders[o], enc);
			regs[20] = 0x4101;		/* control character */
			same_as_decode(regs, orders[o], enc);
			regs[20] = 0xd4a5;		/* 豫A12345 in GB18030 */
			regs[21] = 0x4131;
			regs[22] = 0x3233;
			regs[23] = 0x3435;
			same_as_decode(regs, orders[o], enc);
			regs[20] = 0xe8b1;		/* 豫 in UTF-8 */
			regs[21] = 0xab41;
			same_as_decode(regs, orders[o], enc);
			for (i = 0; i < SCALE_NREGS; i++)
				regs[i] = 0xffff;
			same_as_decode(regs, orders[o], enc);
		}
}
END_TEST

START_TEST(test_builtin_decode_random)
{
	uint16_t regs[SCALE_NREGS];
	int n, i;

	srand(11);
	for (n = 0; n < 3000; n++) {
		for (i = 0; i < SCALE_NREGS; i++)
			regs[i] = (uint16_t)rand();
		if (n % 3 == 0)		/* plausible codes, so that more decodes pass */
			regs[5] %= 3, regs[6] %= 4, regs[28] %= 7,
			    regs[4] = 6, regs[20] = 0x4131, regs[21] = 0;
		same_as_decode(regs, orders[n % 4], n & 1 ? ENC_UTF8 :
		    ENC_GB18030);
	}
}
END_TEST

/* Measurements through the simulator's encoder: both decoders agree. */
START_TEST(test_builtin_round_trip)
{
	static const char *const plates[] = { "豫A12345", "京B·99999", "ABC",
	    "", "冀E D7788" };
	uint16_t regs[SCALE_NREGS];
	struct measurement m;
	int i, o, e, j;

	for (i = 0; i < 300; i++) {
		meas_init(&m);
		m.kind = (enum vkind)(i % 3);
		m.config = (enum vconfig)(i % 4);
		m.axles = 2 + i % 11;
		m.gross_kg = (int64_t)(i * 7919u % 120000u);
		m.speed_dkmh = i % 200;
		m.n_axle_kg = i % 3 == 0 ? 0 : m.axles;
		for (j = 0; j < m.n_axle_kg; j++)
			m.axle_kg[j] = 1000 + (i * 31 + j * 977) % 12000;
		snprintf(m.plate, sizeof(m.plate), "%s", plates[i % 5]);
		m.plate_color = (enum pcolor)(i % PC_NCOLORS);
		for (o = 0; o < 4; o++)
			for (e = 0; e < 2; e++) {
				enum text_encoding enc = e ? ENC_UTF8 : ENC_GB18030;

				ck_assert_int_eq(decode_encode_scale(&m, (uint16_t)(i & 0x3f),
				    (uint16_t)i, orders[o], enc, regs), 0);
				same_as_decode(regs, orders[o], enc);
			}
	}
}
END_TEST

START_TEST(test_builtin_io_led)
{
	struct profile_adjust adj = { 16, 32, WO_ABCD, ENC_GB18030,
	    BARRIER_LEVEL, 4 };
	uint16_t in[4] = { 1, 0, 0, 1 };
	const uint16_t *img[1] = { in };
	struct profile_write w[3];
	bool bits[4];
	uint32_t have;
	profile_t *p;
	int n;

	ck_assert_ptr_nonnull(p = profile_builtin("weighgate-io", &adj, err,
	    sizeof(err)));
	ck_assert_int_eq(profile_nrequests(p), 1);
	want_request(p, 0, PT_DISCRETE, 32, 4);
	profile_decode_io(p, img, bits, &have);
	ck_assert(bits[0] && !bits[1] && !bits[2] && bits[3]);
	ck_assert_int_eq(profile_output(p, PO_BARRIER_UP, true, &w[0]), 0);
	ck_assert_int_eq(w[0].table, PT_COIL);
	ck_assert_int_eq(w[0].start, 16);
	ck_assert_int_eq(w[0].v[0], 1);
	ck_assert_int_eq(w[0].pulse_ms, 0);
	ck_assert_int_eq(profile_output(p, PO_ALARM, false, &w[0]), 0);
	ck_assert_int_eq(w[0].start, 18);
	ck_assert_int_eq(w[0].v[0], 0);
	ck_assert_int_eq(profile_output(p, PO_BARRIER_DOWN, true, &w[0]), -1);
	profile_free(p);

	adj.barrier_mode = BARRIER_PULSE;
	ck_assert_ptr_nonnull(p = profile_builtin("weighgate-io", &adj, err,
	    sizeof(err)));
	ck_assert_int_eq(profile_output(p, PO_BARRIER_DOWN, true, &w[0]), 0);
	ck_assert_int_eq(w[0].start, 19);
	ck_assert_int_eq(w[0].pulse_ms, 200);
	profile_free(p);

	/* the sign: colour and text in one write, the counter after it */
	ck_assert_ptr_nonnull(p = profile_builtin("weighgate-led", &adj, err,
	    sizeof(err)));
	ck_assert_int_eq(profile_led_writes(p, 1, "豫A", 7, w, &n), 0);
	ck_assert_int_eq(n, 2);
	ck_assert_int_eq(w[0].start, 17);
	ck_assert_int_eq(w[0].count, 5);
	ck_assert_uint_eq(w[0].v[0], 1);		/* red */
	ck_assert_uint_eq(w[0].v[1], 0xd4a5);		/* 豫 */
	ck_assert_uint_eq(w[0].v[2], 0x4100);
	ck_assert_int_eq(w[1].start, 16);
	ck_assert_uint_eq(w[1].v[0], 7);
	profile_free(p);
}
END_TEST

/* --- shipped profiles: images typed from the manuals' tables ---------- */

START_TEST(test_ind570)
{
	/* IEEE 754 single, high word first (F32BE) */
	uint16_t g[2] = { 0x473f, 0xe000 };		/* 49 120.0 kg */
	struct profile_reading r;
	profile_t *p = shipped("mettler-toledo-ind570");

	ck_assert_int_eq(profile_nrequests(p), 1);
	want_request(p, 0, PT_HOLDING, 2, 2);
	ck_assert_int_eq(decode1(p, g, &r), 0);
	ck_assert(r.m.valid);
	ck_assert_int_eq(r.m.gross_kg, 49120);
	ck_assert_uint_eq(r.have, 1u << PF_GROSS);	/* no status, no seq */
	ck_assert_int_eq(r.seq_bits, 0);
	g[0] = 0x449a;					/* 1 234.5 kg */
	g[1] = 0x5000;
	ck_assert_int_eq(decode1(p, g, &r), 0);
	ck_assert_int_eq(r.m.gross_kg, 1235);		/* half away from zero */
	g[0] = 0x7fc0, g[1] = 0;			/* NaN */
	ck_assert_int_eq(decode1(p, g, &r), -1);
	ck_assert(!r.m.valid);
	ck_assert_int_eq(r.m.gross_kg, 0);
	ck_assert_ptr_nonnull(strstr(err, "gross"));
	g[0] = 0x7f80;					/* +infinity */
	ck_assert_int_eq(decode1(p, g, &r), -1);
	g[0] = 0xbf80;					/* -1.0: below min */
	ck_assert_int_eq(decode1(p, g, &r), -1);
	g[0] = 0x48c3, g[1] = 0x5000;			/* 400 000: above max */
	ck_assert_int_eq(decode1(p, g, &r), -1);
	profile_free(p);
}
END_TEST

/* The same float with the words swapped (a terminal set to CDAB). */
START_TEST(test_float_cdab)
{
	uint16_t g[2] = { 0xe000, 0x473f };
	struct profile_reading r;
	profile_t *p = text_profile("[device]\nname = f\n[field gross]\n"
	    "address = 2\ntype = f32\nword_order = CDAB\n");

	ck_assert_int_eq(decode1(p, g, &r), 0);
	ck_assert_int_eq(r.m.gross_kg, 49120);
	profile_free(p);
}
END_TEST

START_TEST(test_siwarex_dr30)
{
	/* 3004 status, 3005-3007, 3008-3009 gross FLOAT */
	uint16_t dr[6] = { 0x0040, 0, 0, 0, 0x46c9, 0xe000 };	/* 25 840.0 */
	struct profile_reading r;
	profile_t *p = shipped("siwarex-dr30");

	ck_assert_int_eq(profile_nrequests(p), 1);
	want_request(p, 0, PT_HOLDING, 3004, 6);
	ck_assert_int_eq(decode1(p, dr, &r), 0);
	ck_assert(r.m.valid && !r.m.unstable);
	ck_assert_int_eq(r.m.gross_kg, 25840);
	dr[0] = 0x0000;				/* no standstill 1 */
	ck_assert_int_eq(decode1(p, dr, &r), 0);
	ck_assert(r.m.valid && r.m.unstable);
	dr[0] = 0x0042;				/* out of weighing range */
	ck_assert_int_eq(decode1(p, dr, &r), 0);
	ck_assert(!r.m.valid);
	profile_free(p);
}
END_TEST

START_TEST(test_rinstrum_c530)
{
	/* input registers 1-10: gross, net, displayed, status, error */
	uint16_t ir[10] = { 0x0000, 0xbfe0, 0, 0, 0, 0,
	    0x0000, 0x0008,			/* gross, stable */
	    0x0000, 0x0000 };
	struct profile_reading r;
	profile_t *p = shipped("rinstrum-c530");

	ck_assert_int_eq(profile_nrequests(p), 1);
	want_request(p, 0, PT_INPUT, 0, 10);
	ck_assert_int_eq(decode1(p, ir, &r), 0);
	ck_assert(r.m.valid && !r.m.unstable && !r.m.fault);
	ck_assert_int_eq(r.m.gross_kg, 49120);
	ir[7] = 0x000c;				/* motion */
	ck_assert_int_eq(decode1(p, ir, &r), 0);
	ck_assert(r.m.unstable);
	ir[7] = 0x000a;				/* overload */
	ck_assert_int_eq(decode1(p, ir, &r), 0);
	ck_assert(!r.m.valid);
	ir[7] = 0x0008;
	ir[9] = 0x0001;				/* an error */
	ck_assert_int_eq(decode1(p, ir, &r), 0);
	ck_assert(r.m.fault);
	ir[9] = 0;
	ir[0] = 0xffff, ir[1] = 0xffec;		/* -20 kg: below min */
	ck_assert_int_eq(decode1(p, ir, &r), -1);
	ck_assert(!r.m.valid);
	profile_free(p);
}
END_TEST

START_TEST(test_flintec_ft112)
{
	/* 40005-40016: gross, status, error, heartbeat, last print, CN */
	uint16_t hr[12] = {
		0x0000, 0xa1a4,		/* 40005 gross 41 380 */
		0x8000, 0x0002,		/* 40007 B31 no decimal point, B1 result */
		0x0000, 0x0000,		/* 40009 no error */
		0x0000, 0x0123,		/* 40011 heartbeat */
		0x0000, 0x0000,		/* 40013 last print */
		0x0000, 0x0457,		/* 40015 CN 1111 */
	};
	struct profile_reading r;
	profile_t *p = shipped("flintec-ft112");

	ck_assert_int_eq(profile_nrequests(p), 1);
	want_request(p, 0, PT_HOLDING, 4, 12);
	ck_assert_int_eq(decode1(p, hr, &r), 0);
	ck_assert(r.m.valid && !r.m.unstable && !r.m.fault);
	ck_assert_int_eq(r.m.gross_kg, 41380);
	ck_assert_int_eq(r.seq, 1111);
	ck_assert_int_eq(r.seq_bits, 32);
	ck_assert_uint_eq(r.heartbeat, 0x123);
	ck_assert(r.have & (1u << PF_HEARTBEAT));
	hr[0] = 0x0006, hr[1] = 0x506d;		/* 413 805 */
	hr[2] = 0x4000;				/* B30: X.X */
	ck_assert_int_eq(decode1(p, hr, &r), 0);
	ck_assert_int_eq(r.m.gross_kg, 41381);	/* 41 380.5, away from zero */
	hr[3] = 0x0006;				/* B2 unstable */
	ck_assert_int_eq(decode1(p, hr, &r), 0);
	ck_assert(r.m.unstable);
	hr[3] = 0x0000;				/* not a dynamic result */
	ck_assert_int_eq(decode1(p, hr, &r), 0);
	ck_assert(!r.m.valid);
	hr[3] = 0x0002;
	hr[5] = 0x0004;				/* system error */
	ck_assert_int_eq(decode1(p, hr, &r), 0);
	ck_assert(r.m.fault);
	hr[5] = 0;
	hr[2] = 0x0000;				/* no decimal point bit at all */
	ck_assert_int_eq(decode1(p, hr, &r), -1);
	ck_assert_ptr_nonnull(strstr(err, "decimals"));
	profile_free(p);
}
END_TEST

START_TEST(test_wim_example)
{
	uint16_t q[27] = {
		0x0001, 0x0042,		/* record available, vehicle 66 */
		0x0000, 0x1330,		/* 4 912 x 10 kg */
		0x0006, 0x0041,		/* 6 axles, 6.5 km/h */
		0x02b2, 0x0384, 0x0370, 0x032a, 0x0334, 0x032c,	/* x 10 kg */
		0, 0, 0, 0, 0, 0,
		0xd4a5, 0x4131, 0x3233, 0x3435, 0, 0, 0, 0,	/* 豫A12345 */
		0x0002,			/* yellow */
	};
	const struct profile_write *w;
	struct profile_reading r;
	profile_t *p = shipped("wim-example");

	ck_assert_int_eq(profile_nrequests(p), 1);
	want_request(p, 0, PT_HOLDING, 0, 27);
	ck_assert_int_eq(decode1(p, q, &r), 0);
	ck_assert(r.m.valid && !r.m.fault && !r.m.abnormal);
	ck_assert_int_eq(r.seq, 66);
	ck_assert_int_eq(r.m.gross_kg, 49120);
	ck_assert_int_eq(r.m.axles, 6);
	ck_assert_int_eq(r.m.speed_dkmh, 65);
	ck_assert_int_eq(r.m.n_axle_kg, 6);
	ck_assert_int_eq(r.m.axle_kg[0], 6900);
	ck_assert_int_eq(r.m.axle_kg[5], 8120);
	ck_assert_str_eq(r.m.plate, "豫A12345");
	ck_assert_int_eq(r.m.plate_color, PC_YELLOW);
	ck_assert(!(r.have & (1u << PF_KIND)));	/* the record has no kind */
	ck_assert_int_eq(r.m.kind, VK_UNKNOWN);
	ck_assert_int_eq(profile_nwrites(p), 1);
	w = profile_write(p, 0);
	ck_assert_int_eq(w->when, PW_RESULT);
	ck_assert_int_eq(w->start, 100);
	ck_assert_uint_eq(w->v[0], 1);
	profile_free(p);
}
END_TEST

START_TEST(test_rlh_smart8)
{
	struct profile_write w;
	uint32_t have;
	bool bits[4];
	profile_t *p = shipped("rlh-smart8");

	ck_assert_int_eq(profile_kind(p), PK_IO);
	ck_assert_int_eq(profile_nrequests(p), 0);	/* no inputs */
	profile_decode_io(p, NULL, bits, &have);
	ck_assert_uint_eq(have, 0);
	ck_assert_int_eq(profile_output(p, PO_BARRIER_UP, true, &w), 0);
	ck_assert_int_eq(w.table, PT_HOLDING);
	ck_assert_int_eq(w.start, 0);			/* 40001 */
	ck_assert_uint_eq(w.v[0], 2);			/* ON */
	ck_assert_int_eq(profile_output(p, PO_BARRIER_UP, false, &w), 0);
	ck_assert_uint_eq(w.v[0], 1);			/* OFF, never AUTO */
	ck_assert_int_eq(profile_output(p, PO_ALARM, true, &w), 0);
	ck_assert_int_eq(w.start, 2);			/* 40003 */
	ck_assert_int_eq(profile_output(p, PO_BARRIER_DOWN, true, &w), -1);
	profile_free(p);
}
END_TEST

START_TEST(test_embeddedart_led)
{
	struct profile_write w[3];
	profile_t *p = shipped("embeddedart-led");
	int n;

	ck_assert_int_eq(profile_led_writes(p, 1, "PASS 49.1t", 5, w, &n), 0);
	ck_assert_int_eq(n, 1);			/* no counter, no colour */
	ck_assert_int_eq(w[0].table, PT_HOLDING);
	ck_assert_int_eq(w[0].start, 1000);
	ck_assert_int_eq(w[0].count, 16);
	ck_assert_uint_eq(w[0].v[0], 0x5041);	/* "PA" */
	ck_assert_uint_eq(w[0].v[1], 0x5353);	/* "SS" */
	ck_assert_uint_eq(w[0].v[2], 0x2034);	/* " 4" */
	ck_assert_uint_eq(w[0].v[3], 0x392e);	/* "9." */
	ck_assert_uint_eq(w[0].v[4], 0x3174);	/* "1t" */
	ck_assert_uint_eq(w[0].v[5], 0x0000);
	ck_assert_int_eq(profile_led_writes(p, 0, "豫A", 5, w, &n), -1);
	profile_free(p);
}
END_TEST

/* --- field types, one worked example each ---------------------------- */

START_TEST(test_types)
{
	struct profile_reading r;
	uint16_t v[12];
	profile_t *p;

	/* s16 speed with a 0.1 scale; bcd gross; bits for kind */
	p = text_profile("[device]\nname = t\n"
	    "[field speed]\naddress = 0\ntype = s16\nscale = 0.1\n"
	    "[field gross]\naddress = 1\ntype = bcd\nregisters = 2\nscale = 10\n"
	    "[field kind]\naddress = 3\ntype = bits\nbits = 8-11\n"
	    "map = 1:passenger, 9:truck\n");
	v[0] = 655;			/* 65.5 dkm/h... x 0.1 = 65.5 -> 66 */
	v[1] = 0x0000;
	v[2] = 0x4912;			/* BCD 4912 x 10 kg */
	v[3] = 0x0900;			/* kind code 9 in bits 8-11 */
	ck_assert_int_eq(decode1(p, v, &r), 0);
	ck_assert_int_eq(r.m.speed_dkmh, 66);
	ck_assert_int_eq(r.m.gross_kg, 49120);
	ck_assert_int_eq(r.m.kind, VK_TRUCK);
	v[2] = 0x49a2;			/* a nibble above 9 */
	ck_assert_int_eq(decode1(p, v, &r), -1);
	v[2] = 0x4912;
	v[3] = 0x0500;			/* code not in the table */
	ck_assert_int_eq(decode1(p, v, &r), -1);
	ck_assert_ptr_nonnull(strstr(err, "vehicle kind: unknown code 5"));
	v[0] = (uint16_t)-655;		/* -65.5 -> -66 (half away from zero) */
	v[3] = 0x0100;
	ck_assert_int_eq(decode1(p, v, &r), 0);
	ck_assert_int_eq(r.m.speed_dkmh, -66);
	profile_free(p);

	/* text: ASCII, low byte first; a condition from a register value */
	p = text_profile("[device]\nname = t\n"
	    "[field plate]\naddress = 0\ntype = text\nregisters = 2\n"
	    "encoding = ASCII\nbyte_order = low_first\n"
	    "[field present]\naddress = 2\nequals = 3\n"
	    "[field fault]\naddress = 2\nmask = 0x0100\ninvert = yes\n");
	v[0] = 0x3141;			/* "A1" low byte first */
	v[1] = 0x0032;			/* "2" */
	v[2] = 0x0003;
	ck_assert_int_eq(decode1(p, v, &r), 0);
	ck_assert_str_eq(r.m.plate, "A12");
	ck_assert(r.present && r.m.fault);
	v[2] = 0x0103;
	ck_assert_int_eq(decode1(p, v, &r), 0);
	ck_assert(!r.present && !r.m.fault);
	v[0] = 0x3181;			/* not ASCII */
	ck_assert_int_eq(decode1(p, v, &r), -1);
	ck_assert_str_eq(r.m.plate, "");
	profile_free(p);

	/* an 8-bit result sequence; u32 in DCBA */
	p = text_profile("[device]\nname = t\n"
	    "[field seq]\naddress = 0\ntype = bits\nbits = 0-7\n"
	    "[field gross]\naddress = 1\ntype = u32\nword_order = DCBA\n");
	v[0] = 0xab12;
	v[1] = 0xe0bf;			/* 49 120 = 0x0000bfe0, DCBA */
	v[2] = 0x0000;
	ck_assert_int_eq(decode1(p, v, &r), 0);
	ck_assert_int_eq(r.seq, 0x12);
	ck_assert_int_eq(r.seq_bits, 8);
	ck_assert_int_eq(r.m.gross_kg, 49120);
	profile_free(p);
}
END_TEST

START_TEST(test_rounding)
{
	ck_assert_int_eq(profile_round_kg(0.5), 1);
	ck_assert_int_eq(profile_round_kg(1.49), 1);
	ck_assert_int_eq(profile_round_kg(2.5), 3);
	ck_assert_int_eq(profile_round_kg(-0.5), -1);
	ck_assert_int_eq(profile_round_kg(-2.5), -3);
	ck_assert_int_eq(profile_round_kg(49000.5), 49001);
}
END_TEST

/* Grouping: adjacent fields share a request, separate and limits split. */
START_TEST(test_plan)
{
	profile_t *p;

	p = text_profile("[device]\nname = t\nmax_registers = 4\n"
	    "[field seq]\naddress = 10\n"
	    "[field gross]\naddress = 11\ntype = u32\n"
	    "[field axles]\naddress = 13\n"
	    "[field speed]\naddress = 14\n"
	    "[field kind]\naddress = 20\nseparate = yes\n"
	    "[field config]\naddress = 21\n"
	    "[field unstable]\ntable = coil\naddress = 5\ntype = bit\n"
	    "[field fault]\ntable = coil\naddress = 6\ntype = bit\n");
	ck_assert_int_eq(profile_nrequests(p), 5);
	want_request(p, 0, PT_COIL, 5, 2);	/* coils first */
	want_request(p, 1, PT_HOLDING, 10, 4);	/* the limit */
	want_request(p, 2, PT_HOLDING, 14, 1);
	want_request(p, 3, PT_HOLDING, 20, 1);	/* kind alone */
	want_request(p, 4, PT_HOLDING, 21, 1);
	profile_free(p);
}
END_TEST

START_TEST(test_unit_check)
{
	profile_t *p = text_profile("[device]\nname = t\n");
	profile_t *only = text_profile("[device]\nname = t\nunit = 255\n");

	ck_assert_int_eq(profile_unit_check(p, DEV_RTU, 0, err, sizeof(err)),
	    -1);
	ck_assert_ptr_nonnull(strstr(err, "broadcast"));
	ck_assert_int_eq(profile_unit_check(p, DEV_RTU, 248, err, sizeof(err)),
	    -1);
	ck_assert_int_eq(profile_unit_check(p, DEV_RTU, 1, err, sizeof(err)), 0);
	ck_assert_int_eq(profile_unit_check(p, DEV_RTU, 247, err, sizeof(err)),
	    0);
	ck_assert_int_eq(profile_unit_check(p, DEV_TCP, 0, err, sizeof(err)), 0);
	ck_assert_int_eq(profile_unit_check(p, DEV_TCP, 255, err, sizeof(err)),
	    0);
	ck_assert_int_eq(profile_unit_check(p, DEV_TCP, 256, err, sizeof(err)),
	    -1);
	ck_assert_int_eq(profile_unit_check(only, DEV_TCP, 1, err, sizeof(err)),
	    -1);
	ck_assert_ptr_nonnull(strstr(err, "unit 255 only"));
	ck_assert_int_eq(profile_unit_check(only, DEV_TCP, 255, err,
	    sizeof(err)), 0);
	profile_free(p);
	profile_free(only);
}
END_TEST

/* --- bad profiles: one fixture per refusal ---------------------------- */

static const struct bad {
	const char *file;
	int line;
	const char *msg;
} bad[] = {
	{ "bad_unknown_field.profile", 4, "[field weight]: unknown field" },
	{ "bad_unknown_key.profile", 4, "[field gross] adress: unknown key" },
	{ "bad_overlap.profile", 8, "[output alarm] overlaps [output "
	    "barrier_up] (line 4): two writes to one address" },
	{ "bad_overlap_led.profile", 4, "[led] text overlaps [led] counter" },
	{ "bad_beyond_65535.profile", 3, "[field gross]: address 65535 and its "
	    "2 registers run past 65535" },
	{ "bad_beyond_65535_numbered.profile", 4, "address 65536 and its 2 "
	    "registers run past 65535" },
	{ "bad_over_limit.profile", 4, "[field plate]: needs 16 registers in "
	    "one request, over the device's limit of 8" },
	{ "bad_type.profile", 3, "[field plate]: type u16 cannot hold plate" },
	{ "bad_type_seq_width.profile", 3, "a result sequence is 8, 16 or 32 "
	    "bits wide, not 4" },
	{ "bad_type_bits.profile", 3, "[field unstable]: bits 12-17 do not fit "
	    "in 1 register" },
	{ "bad_type_plate.profile", 3, "22 registers of GB18030 cannot be held "
	    "as a plate" },
	{ "bad_table_type.profile", 3, "a coil table holds bits: type bit only" },
	{ "bad_numbering.profile", 4, "address 0 with numbering = 1" },
	{ "bad_duplicate_field.profile", 5, "[field gross]: duplicate (first "
	    "at line 3)" },
	{ "bad_device_first.profile", 1, "[device] must come first" },
	{ "bad_condition.profile", 3, "a condition needs type bit, or mask" },
	{ "bad_kind.profile", 3, "not a field of a scale profile" },
	{ "bad_scale.profile", 6, "[field gross] scale = 0: not a positive "
	    "decimal" },
	{ "bad_decimals.profile", 3, "decimals = device needs a [field "
	    "decimals]" },
	{ "bad_map.profile", 5, "code 1 twice" },
	{ "bad_led_split.profile", 4, "without a counter, colour must come "
	    "just before text" },
	{ "bad_output_table.profile", 4, "a coil or a holding register" },
	{ "bad_write_value.profile", 3, "value 70000 does not fit u16" },
	{ "bad_unit.profile", 3, "[device] unit = 256: out of range 0-255" },
	{ "bad_long_line.profile", 3, "line too long" },
	{ "bad_duplicate_key.profile", 6, "[output light] address: duplicate "
	    "key" },
};

START_TEST(test_bad_profile)
{
	const struct bad *b = &bad[_i];
	char path[512], want[700];

	snprintf(path, sizeof(path), "%s/test/fixtures/profiles/%s", root(),
	    b->file);
	ck_assert_ptr_null(profile_load(path, err, sizeof(err)));
	snprintf(want, sizeof(want), "%s:%d: ", path, b->line);
	ck_assert_msg(strncmp(err, want, strlen(want)) == 0,
	    "%s: want %s..., got %s", b->file, want, err);
	ck_assert_msg(strstr(err, b->msg) != NULL, "%s: want \"%s\" in \"%s\"",
	    b->file, b->msg, err);
}
END_TEST

START_TEST(test_bad_memory)
{
	/* no file at all, a text without [device], garbage bytes */
	ck_assert_ptr_null(profile_load("/nonexistent/x.profile", err,
	    sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "cannot open"));
	ck_assert_ptr_null(profile_parse("m", "", 0, err, sizeof(err)));
	ck_assert_str_eq(err, "m: no [device] section");
	ck_assert_ptr_null(profile_parse("m", "[device]\nname = a b\n", 20, err,
	    sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "m:2: [device] name = a b"));
}
END_TEST

/* A lane of the daemon's defaults, its devices on TCP units 1, 2, 3. */
static void
lane_of(struct lane_cfg *lc)
{
	static struct config cfg;

	cu_load_conf(&cfg, "[controller]\nid = T\ndb = /tmp/x.db\n"
	    "[lane L01]\nscale = tcp://127.0.0.1:1502?unit=1\n"
	    "io = tcp://127.0.0.1:1502?unit=2\n"
	    "led = tcp://127.0.0.1:1502?unit=3\n");
	*lc = cfg.lanes[0];
}

START_TEST(test_lane_builtin_adjusted)
{
	struct lane_cfg lc;
	profile_t *p;
	bool in_file = true;

	lane_of(&lc);
	lc.scale_base = 100;
	lc.io_input_base = 40;
	/* no key: the built-in map, moved by the lane's keys */
	p = profile_for_lane("/nonexistent", &lc, ROLE_SCALE, &in_file, err,
	    sizeof(err));
	ck_assert_msg(p != NULL, "%s", err);
	ck_assert(!in_file);
	ck_assert_str_eq(profile_name(p), "weighgate");
	ck_assert_int_eq(profile_nrequests(p), 1);
	ck_assert_int_eq(profile_request(p, 0)->start, 100);
	ck_assert_int_eq(profile_request(p, 0)->count, SCALE_NREGS);
	profile_free(p);
	p = profile_for_lane("/nonexistent", &lc, ROLE_IO, &in_file, err,
	    sizeof(err));
	ck_assert_msg(p != NULL, "%s", err);
	ck_assert_int_eq(profile_request(p, 0)->table, PT_DISCRETE);
	ck_assert_int_eq(profile_request(p, 0)->start, 40);
	profile_free(p);
	p = profile_for_lane("/nonexistent", &lc, ROLE_LED, &in_file, err,
	    sizeof(err));
	ck_assert_msg(p != NULL, "%s", err);
	ck_assert_int_eq(profile_led_counter(p), 0);
	profile_free(p);
	/* the built-in name written out is the same */
	snprintf(lc.profile[ROLE_SCALE], sizeof(lc.profile[0]), "weighgate");
	p = profile_for_lane("/nonexistent", &lc, ROLE_SCALE, &in_file, err,
	    sizeof(err));
	ck_assert_msg(p != NULL, "%s", err);
	ck_assert_int_eq(profile_request(p, 0)->start, 100);
	profile_free(p);
}
END_TEST

START_TEST(test_lane_named_and_path)
{
	struct lane_cfg lc;
	char dir[512];
	profile_t *p;
	bool in_file;

	lane_of(&lc);
	snprintf(dir, sizeof(dir), "%s/profiles", root());
	snprintf(lc.profile[ROLE_SCALE], sizeof(lc.profile[0]), "flintec-ft112");
	p = profile_for_lane(dir, &lc, ROLE_SCALE, &in_file, err, sizeof(err));
	ck_assert_msg(p != NULL, "%s", err);
	ck_assert(in_file);
	ck_assert_str_eq(profile_name(p), "flintec-ft112");
	ck_assert(profile_has(p, PF_HEARTBEAT));
	ck_assert(!profile_has(p, PF_PLATE));
	profile_free(p);
	snprintf(lc.profile[ROLE_SCALE], sizeof(lc.profile[0]),
	    "%s/profiles/wim-example.profile", root());
	p = profile_for_lane("/nonexistent", &lc, ROLE_SCALE, &in_file, err,
	    sizeof(err));
	ck_assert_msg(p != NULL, "%s", err);
	ck_assert_str_eq(profile_name(p), "wim-example");
	profile_free(p);
	snprintf(lc.profile[ROLE_LED], sizeof(lc.profile[0]), "embeddedart-led");
	p = profile_for_lane(dir, &lc, ROLE_LED, &in_file, err, sizeof(err));
	ck_assert_msg(p != NULL, "%s", err);
	ck_assert_int_eq(profile_led_counter(p), -1);
	ck_assert_int_eq(profile_led_probe(p), 1000);
	profile_free(p);
}
END_TEST

START_TEST(test_lane_refused)
{
	struct lane_cfg lc;
	char dir[512], path[400];
	bool in_file;

	lane_of(&lc);
	snprintf(dir, sizeof(dir), "%s/profiles", root());
	snprintf(lc.profile[ROLE_SCALE], sizeof(lc.profile[0]), "no-such");
	ck_assert_ptr_null(profile_for_lane(dir, &lc, ROLE_SCALE, &in_file,
	    err, sizeof(err)));
	ck_assert(!in_file);
	ck_assert_ptr_nonnull(strstr(err, "profile no-such: no readable "));
	/* the wrong kind; a live-weight indicator has no result sequence */
	snprintf(lc.profile[ROLE_SCALE], sizeof(lc.profile[0]), "rlh-smart8");
	ck_assert_ptr_null(profile_for_lane(dir, &lc, ROLE_SCALE, &in_file,
	    err, sizeof(err)));
	ck_assert_str_eq(err, "profile rlh-smart8 is a io profile, not a "
	    "scale one");
	snprintf(lc.profile[ROLE_SCALE], sizeof(lc.profile[0]),
	    "rinstrum-c530");
	ck_assert_ptr_null(profile_for_lane(dir, &lc, ROLE_SCALE, &in_file,
	    err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "has no seq field"));
	/* a relay board alone: no inputs for the lane */
	snprintf(lc.profile[ROLE_IO], sizeof(lc.profile[0]), "rlh-smart8");
	ck_assert_ptr_null(profile_for_lane(dir, &lc, ROLE_IO, &in_file, err,
	    sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "has no barrier_is_up input"));
	/* a bad file: its own FILE:LINE */
	snprintf(path, sizeof(path), "%s/test/fixtures/profiles/"
	    "bad_unknown_field.profile", root());
	snprintf(lc.profile[ROLE_SCALE], sizeof(lc.profile[0]), "%s", path);
	ck_assert_ptr_null(profile_for_lane(dir, &lc, ROLE_SCALE, &in_file,
	    err, sizeof(err)));
	ck_assert(in_file);
	ck_assert_msg(strncmp(err, path, strlen(path)) == 0 &&
	    strncmp(err + strlen(path), ":4: ", 4) == 0, "%s", err);
}
END_TEST

START_TEST(test_lane_unit)
{
	struct lane_cfg lc;
	profile_t *p;
	bool in_file;

	lane_of(&lc);
	lc.dev[ROLE_SCALE].addr.unit = 255;	/* TCP: 255 is a unit */
	p = profile_for_lane("", &lc, ROLE_SCALE, &in_file, err, sizeof(err));
	ck_assert_msg(p != NULL, "%s", err);
	profile_free(p);
	lc.dev[ROLE_SCALE].addr.type = DEV_RTU;	/* RTU: 255 is not */
	ck_assert_ptr_null(profile_for_lane("", &lc, ROLE_SCALE, &in_file, err,
	    sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "1-247"));
	lc.dev[ROLE_SCALE].addr.unit = 0;
	ck_assert_ptr_null(profile_for_lane("", &lc, ROLE_SCALE, &in_file, err,
	    sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "broadcast"));
}
END_TEST

START_TEST(test_lane_connect_words)
{
	static const char text[] =
	    "[device]\nname = cmd\nkind = scale\n"
	    "[field valid]\naddress = 0\ntype = bit\nbit = 0\n"
	    "[field seq]\naddress = 1\n"
	    "[write plc_mode]\nwhen = connect\naddress = 50\nvalue = 7\n";
	profile_t *p = profile_parse("cmd", text, sizeof(text) - 1, err,
	    sizeof(err));
	const struct profile_write *w;

	ck_assert_msg(p != NULL, "%s", err);
	ck_assert_int_eq(profile_nwrites(p), 1);
	w = profile_write(p, 0);
	ck_assert_int_eq(w->when, PW_CONNECT);
	ck_assert_int_eq(w->table, PT_HOLDING);
	ck_assert_int_eq(w->start, 50);
	ck_assert_int_eq(w->count, 1);
	ck_assert_uint_eq(w->v[0], 7);
	profile_free(p);
}
END_TEST

static Suite *
profile_suite(void)
{
	Suite *s = suite_create("profile");

	cu_tcase(s, "core", 60, NULL, NULL, test_builtin_plan,
	    test_builtin_decode_cases, test_builtin_decode_random,
	    test_builtin_round_trip, test_builtin_io_led, test_ind570,
	    test_float_cdab, test_siwarex_dr30, test_rinstrum_c530,
	    test_flintec_ft112, test_wim_example, test_rlh_smart8,
	    test_embeddedart_led, test_types, test_rounding, test_plan,
	    test_unit_check, test_bad_memory);
	tcase_add_loop_test(cu_tcase_new(s, "bad", 60, NULL, NULL),
	    test_bad_profile, 0, (int)(sizeof(bad) / sizeof(bad[0])));
	cu_tcase(s, "lane", 60, NULL, NULL, test_lane_builtin_adjusted,
	    test_lane_named_and_path, test_lane_refused, test_lane_unit,
	    test_lane_connect_words);
	return s;
}

CU_MAIN(profile_suite)
