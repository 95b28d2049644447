/*
 * The device's side of a profile (src/profile_encode.c), as the simulator
 * uses it: what profile_encode_scale() writes, profile_decode_scale()
 * reads back, for the built-in layout, every shipped scale profile and the
 * CDAB-float layout of the scenarios; the I/O module's inputs and outputs;
 * the sign's registers read back as written.  (The decoder's own golden
 * tests, from the manuals, are in check_profile.c.)
 */
#include <stdlib.h>
#include <string.h>

#include "weighgate/profile.h"

#include "check_util.h"

static char err[512];

/* A profile file of the source tree ($ROOT as tools/run-tests.sh sets it, else "."). */
static profile_t *
load(const char *rel)
{
	const char *top = getenv("ROOT");
	char path[512];
	profile_t *p;

	snprintf(path, sizeof(path), "%s/%s", top != NULL && top[0] != '\0' ?
	    top : ".", rel);
	ck_assert_msg((p = profile_load(path, err, sizeof(err))) != NULL,
	    "%s: %s", rel, err);
	return p;
}

/* Zeroed images for p's requests, in buf. */
static void
images(const profile_t *p, uint16_t *buf, size_t n, uint16_t **img)
{
	int i, off = 0;

	memset(buf, 0, n * sizeof(*buf));
	for (i = 0; i < profile_nrequests(p); i++) {
		img[i] = buf + off;
		off += profile_request(p, i)->count;
		ck_assert_int_le(off, (int)n);
	}
}

static void
truck(struct profile_reading *r)
{
	memset(r, 0, sizeof(*r));
	meas_init(&r->m);
	r->present = true;
	r->m.valid = true;
	r->seq = 7;
	r->heartbeat = 0x12345;
	r->m.gross_kg = 15030;
	r->m.axles = 2;
	r->m.n_axle_kg = 2;
	r->m.axle_kg[0] = 6010;
	r->m.axle_kg[1] = 9020;
	r->m.speed_dkmh = 52;
	r->m.kind = VK_TRUCK;
	r->m.config = VC_RIGID;
	r->m.plate_color = PC_YELLOW;
	snprintf(r->m.plate, sizeof(r->m.plate), "%s", "苏A10001");
}

/* Encode r, decode it, compare what the profile describes. */
static void
round_trip(const profile_t *p, const struct profile_reading *r)
{
	uint16_t buf[4096], *img[PROFILE_MAX_REQUESTS];
	struct profile_reading d;
	uint32_t h;

	images(p, buf, sizeof(buf) / sizeof(buf[0]), img);
	ck_assert_msg(profile_encode_scale(p, r, img, err, sizeof(err)) == 0,
	    "%s: %s", profile_name(p), err);
	memset(&d, 0, sizeof(d));
	ck_assert_msg(profile_decode_scale(p, (const uint16_t *const *)img, &d,
	    err, sizeof(err)) == 0, "%s: %s", profile_name(p), err);
	h = d.have;
	ck_assert_msg(h & 1u << PF_GROSS, "%s: no gross", profile_name(p));
	ck_assert_int_eq(d.m.gross_kg, r->m.gross_kg);
	if (h & 1u << PF_VALID)
		ck_assert(d.m.valid == r->m.valid);
	if (h & 1u << PF_PRESENT)
		ck_assert(d.present == r->present);
	if (h & 1u << PF_FAULT)
		ck_assert(d.m.fault == r->m.fault);
	if (h & 1u << PF_UNSTABLE)
		ck_assert(d.m.unstable == r->m.unstable);
	if (h & 1u << PF_REVERSING)
		ck_assert(d.reversing == r->reversing);
	if (h & 1u << PF_SEQ)
		ck_assert_int_eq(d.seq, r->seq);
	if (h & 1u << PF_HEARTBEAT)
		ck_assert_uint_eq(d.heartbeat & 0xffff, r->heartbeat & 0xffff);
	if (h & 1u << PF_AXLES)
		ck_assert_int_eq(d.m.axles, r->m.axles);
	if (h & 1u << PF_AXLE_KG) {
		ck_assert_int_eq(d.m.axle_kg[0], r->m.axle_kg[0]);
		ck_assert_int_eq(d.m.axle_kg[1], r->m.axle_kg[1]);
	}
	if (h & 1u << PF_SPEED)
		ck_assert_int_eq(d.m.speed_dkmh, r->m.speed_dkmh);
	if (h & 1u << PF_KIND)
		ck_assert_int_eq(d.m.kind, r->m.kind);
	if (h & 1u << PF_PLATE_COLOR)
		ck_assert_int_eq(d.m.plate_color, r->m.plate_color);
	if (h & 1u << PF_PLATE)
		ck_assert_str_eq(d.m.plate, r->m.plate);
}

/* Each condition alone, on and off, reads back as written. */
static void
conditions(const profile_t *p)
{
	struct profile_reading r;
	int i;

	for (i = 0; i < 32; i++) {
		truck(&r);
		r.present = i & 1;
		r.m.valid = i >> 1 & 1;
		r.m.fault = i >> 2 & 1;
		r.m.unstable = i >> 3 & 1;
		r.reversing = i >> 4 & 1;
		round_trip(p, &r);
	}
}

START_TEST(test_builtin_and_shipped)
{
	static const char *const files[] = {
		"profiles/flintec-ft112.profile",
		"profiles/wim-example.profile",
		"profiles/mettler-toledo-ind570.profile",
		"profiles/siwarex-dr30.profile",
		"profiles/rinstrum-c530.profile",
		"test/fixtures/profiles/example-cdab-scale.profile",
	};
	struct profile_adjust a = { 3, 0, WO_CDAB, ENC_UTF8, BARRIER_LEVEL, 32 };
	struct profile_reading r;
	profile_t *p;
	size_t i;

	truck(&r);
	p = profile_builtin("weighgate", &a, err, sizeof(err));
	ck_assert_msg(p != NULL, "%s", err);
	round_trip(p, &r);
	conditions(p);
	profile_free(p);
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		p = load(files[i]);
		round_trip(p, &r);
		conditions(p);
		profile_free(p);
	}
}
END_TEST

/* The registers themselves, written by hand from the fixture's header. */
START_TEST(test_cdab_registers)
{
	profile_t *p = load("test/fixtures/profiles/example-cdab-scale.profile");
	uint16_t buf[512], *img[PROFILE_MAX_REQUESTS];
	struct profile_reading r;

	ck_assert_int_eq(profile_nrequests(p), 1);
	truck(&r);
	r.m.gross_kg = 15000;
	r.seq = 1;
	images(p, buf, 512, img);
	ck_assert_int_eq(profile_encode_scale(p, &r, img, err, sizeof(err)), 0);
	/* 15000.0f = 0x466A6000, low word first */
	ck_assert_uint_eq(img[0][0], 0x6000);
	ck_assert_uint_eq(img[0][1], 0x466a);
	ck_assert_uint_eq(img[0][10], 1u << 12 | 1u << 6);
	ck_assert_uint_eq(img[0][11], 1);
	ck_assert_uint_eq(img[0][12], 2);
	/* 5.2 km/h */
	ck_assert_uint_eq(img[0][15], 0x40a6);
	ck_assert_uint_eq(img[0][58], 1);	/* yellow: device code 1 */
	profile_free(p);
}
END_TEST

START_TEST(test_encode_refused)
{
	uint16_t buf[512], *img[PROFILE_MAX_REQUESTS];
	profile_t *p = load("profiles/wim-example.profile");
	struct profile_reading r;

	truck(&r);
	snprintf(r.m.plate, sizeof(r.m.plate), "%s", "苏A1000123456789012");
	images(p, buf, 512, img);
	ck_assert_int_eq(profile_encode_scale(p, &r, img, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "plate: the field cannot hold"));
	truck(&r);
	r.m.axles = 70000;	/* a u16 cannot hold it */
	ck_assert_int_eq(profile_encode_scale(p, &r, img, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "axle count"));
	profile_free(p);
}
END_TEST

START_TEST(test_io)
{
	struct profile_adjust a = { 0, 0, WO_ABCD, ENC_GB18030, BARRIER_PULSE, 32 };
	profile_t *p = profile_builtin("weighgate-io", &a, err, sizeof(err));
	uint16_t buf[64], *img[PROFILE_MAX_REQUESTS];
	bool in[4] = { true, false, false, true }, out[4];
	uint8_t coils[4] = { 1, 0, 0, 0 };
	uint16_t regs[4] = { 2, 1, 0, 0 };	/* 40001-40003: numbering 1 */
	uint32_t have;

	ck_assert_ptr_nonnull(p);
	images(p, buf, 64, img);
	profile_encode_io(p, in, img);
	profile_decode_io(p, (const uint16_t *const *)img, out, &have);
	ck_assert(out[0] && !out[1] && !out[2] && out[3]);
	ck_assert_int_eq(profile_output_state(p, PO_BARRIER_UP, coils, 4, NULL,
	    0), 1);
	ck_assert_int_eq(profile_output_state(p, PO_BARRIER_DOWN, coils, 4,
	    NULL, 0), 0);
	profile_free(p);
	/* the relay board: 2 on, 1 off, 0 (auto) neither */
	p = load("profiles/rlh-smart8.profile");
	ck_assert_int_eq(profile_output_state(p, PO_BARRIER_UP, NULL, 0, regs,
	    4), 1);
	ck_assert_int_eq(profile_output_state(p, PO_LIGHT, NULL, 0, regs, 4), 0);
	ck_assert_int_eq(profile_output_state(p, PO_ALARM, NULL, 0, regs, 4), -1);
	ck_assert_int_eq(profile_output_state(p, PO_BARRIER_DOWN, NULL, 0, regs,
	    4), -1);
	profile_free(p);
}
END_TEST

/* The sign: what profile_led_writes() sends, profile_led_read() reads. */
static void
led_back(profile_t *p, const char *text, int colour, int want_colour,
    int want_counter)
{
	struct profile_write w[3];
	uint16_t regs[2048];
	char got[256];
	int n, i, j, c, k;

	memset(regs, 0, sizeof(regs));
	ck_assert_int_eq(profile_led_writes(p, colour, text, 9, w, &n), 0);
	for (i = 0; i < n; i++)
		for (j = 0; j < w[i].count; j++)
			regs[w[i].start + j] = w[i].v[j];
	ck_assert_int_eq(profile_led_read(p, regs, 2048, &c, &k, got,
	    sizeof(got)), 0);
	ck_assert_str_eq(got, text);
	ck_assert_int_eq(c, want_colour);
	ck_assert_int_eq(k, want_counter);
}

START_TEST(test_led)
{
	profile_t *p = profile_builtin("weighgate-led", NULL, err, sizeof(err));

	ck_assert_ptr_nonnull(p);
	led_back(p, "苏A10001 总重15.0吨 请通行", 2, 2, 9);
	profile_free(p);
	p = load("profiles/embeddedart-led.profile");
	led_back(p, "PASS 49.1t", 1, -1, -1);
	profile_free(p);
}
END_TEST

static Suite *
profile_encode_suite(void)
{
	Suite *s = suite_create("profile_encode");

	cu_tcase(s, "core", 60, NULL, NULL, test_builtin_and_shipped,
	    test_cdab_registers, test_encode_refused, test_io, test_led);
	return s;
}

CU_MAIN(profile_encode_suite)
