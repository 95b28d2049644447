/* Unit tests of the decision rules (docs/design.md §5): every rule, reason and boundary. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "weighgate/lists.h"
#include "weighgate/rules.h"
#include "weighgate/sbuf.h"
#include "weighgate/timefmt.h"

#include "check_util.h"

static const enum vconfig configs[4] = {
	VC_RIGID, VC_COMBINATION, VC_COMBINATION_SINGLE_DRIVE, VC_UNKNOWN
};

#define NOW cu_ms("2026-02-01T00:00:00Z")

/* cu_truck() on lane L01: a valid weighing at 5 km/h, no axle weights. */
static struct measurement
truck(int axles, enum vconfig cfg, int64_t gross)
{
	struct measurement m;

	cu_truck(&m, axles, cfg, gross);
	snprintf(m.lane, sizeof(m.lane), "L01");
	return m;
}

static struct measurement
plated(const char *plate, enum pcolor color, int axles, int64_t gross)
{
	struct measurement m = truck(axles, VC_COMBINATION, gross);

	snprintf(m.plate, sizeof(m.plate), "%s", plate);
	m.plate_color = color;
	return m;
}

/* The reasons as "a,b,c". */
static const char *
reasons(const struct decision *d)
{
	static char buf[512];
	size_t n = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; i < d->n_reasons; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%s",
		    i ? "," : "", reason_name(d->reasons[i]));
	return buf;
}

#define ck_dec(d, k, why) do {						\
	ck_assert_str_eq(decision_kind_name((d)->kind), decision_kind_name(k)); \
	ck_assert_str_eq(reasons(d), (why));				\
} while (0)

static struct decision
run(const struct measurement *m, const struct rules *r,
    const struct lists *l, int64_t now, int prior)
{
	struct decision d;

	memset(&d, 0x5a, sizeof(d));	/* decide() must set every field */
	decide(m, r, l, now, prior, &d);
	return d;
}

static struct lists *
parse(const char *doc, size_t len)
{
	struct lists *l = NULL;
	char err[256];

	ck_assert_msg(lists_parse(doc, len, &l, err, sizeof(err)) == 0,
	    "%s", err);
	return l;
}

static struct lists *
load(const char *name)
{
	const char *root = getenv("ROOT");
	char path[1024], buf[4096];
	struct lists *l;
	struct sbuf b;
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "%s/test/fixtures/lists/%s",
	    root != NULL ? root : ".", name);
	ck_assert_msg((f = fopen(path, "rb")) != NULL, "cannot open %s", path);
	sbuf_init(&b);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		sbuf_putn(&b, buf, n);
	fclose(f);
	l = parse(b.p, b.len);
	sbuf_fini(&b);
	return l;
}

START_TEST(defaults)
{
	static const int table[LIM_NROWS] = {
		18000, 25000, 27000, 31000, 36000, 43000, 49000, 46000
	};
	struct rules r;
	int i;

	memset(&r, 0xff, sizeof(r));
	rules_defaults(&r);
	ck_assert_int_eq(r.scale_class_x100, 200);
	ck_assert_int_eq(r.tolerance_pct_x100, -1);
	ck_assert_int_eq(r.tolerance_kg, 0);
	ck_assert_int_eq(r.max_speed_kmh, 15);
	ck_assert_int_eq(r.axle_sum_tolerance_pct, 5);
	ck_assert_int_eq(r.min_gross_kg, 1000);
	ck_assert_int_eq(r.max_gross_kg, 200000);
	ck_assert_int_eq(r.max_retries, 2);
	ck_assert_int_eq(r.on_scale_fault, ON_FAULT_CLOSED);
	ck_assert(!r.overrides);
	for (i = 0; i < LIM_NROWS; i++)
		ck_assert_int_eq(r.limits[i], table[i]);
}
END_TEST

START_TEST(names)
{
	static const char *const kinds[] = {
		"pass", "turnback", "intercept", "retry", "hold", "fault"
	};
	static const char *const why[] = {
		"invalid", "unstable", "gross_out_of_range", "speed", "axle_sum",
		"abnormal_driving", "axles_out_of_range", "retries_exhausted",
		"fault", "watch", "passenger", "exempt", "permit",
		"permit_mismatch", "over_gross", "config_unknown", "within_limit",
		"clock_doubt", "plate_missing", "plates_differ"
	};
	enum decision_kind k;
	enum reason r;
	int i;

	ck_assert_int_eq(DEC_NKINDS, 6);
	ck_assert_int_eq(R_NREASONS, 20);
	for (i = 0; i < DEC_NKINDS; i++) {
		ck_assert_str_eq(decision_kind_name((enum decision_kind)i), kinds[i]);
		ck_assert_int_eq(decision_kind_parse(kinds[i], &k), 0);
		ck_assert_int_eq(k, i);
	}
	for (i = 0; i < R_NREASONS; i++) {
		ck_assert_str_eq(reason_name((enum reason)i), why[i]);
		ck_assert_int_eq(reason_parse(why[i], &r), 0);
		ck_assert_int_eq(r, i);
	}
	ck_assert_int_eq(decision_kind_parse("PASS", &k), -1);
	ck_assert_int_eq(decision_kind_parse("", &k), -1);
	ck_assert_int_eq(reason_parse("over-gross", &r), -1);
	ck_assert_int_eq(reason_parse("overgross", &r), -1);
}
END_TEST

/* The default limit of §5's table for axles and configuration. */
static int64_t
table_limit(int axles, enum vconfig cfg)
{
	switch (axles) {
	case 2:
		return 18000;
	case 3:
		return cfg == VC_RIGID ? 25000 : 27000;
	case 4:
		return cfg == VC_RIGID ? 31000 : 36000;
	case 5:
		return 43000;
	}
	return cfg == VC_COMBINATION_SINGLE_DRIVE ? 46000 : 49000;
}

/* Check one weighing of gross against legal and applied limits. */
static void
ck_limit(const struct rules *r, int axles, enum vconfig cfg, int64_t gross,
    int64_t legal, int64_t tol)
{
	struct measurement m = truck(axles, cfg, gross);
	struct decision d = run(&m, r, NULL, NOW, 0);
	char want[64];
	bool over = gross > legal + tol;

	snprintf(want, sizeof(want), "%s%s", over ? "over_gross" : "within_limit",
	    cfg == VC_UNKNOWN ? ",config_unknown" : "");
	ck_assert_msg(d.kind == (over ? DEC_TURNBACK : DEC_PASS),
	    "axles %d config %s gross %lld: %s", axles, meas_config_name(cfg),
	    (long long)gross, decision_kind_name(d.kind));
	ck_assert_str_eq(reasons(&d), want);
	ck_assert(d.has_limit);
	ck_assert_int_eq(d.legal_limit_kg, legal);
	ck_assert_int_eq(d.tolerance_kg, tol);
	ck_assert_int_eq(d.applied_limit_kg, legal + tol);
	ck_assert_int_eq(d.over_kg, gross - legal);
	ck_assert_str_eq(d.permit_id, "");
	ck_assert(!d.flag_100t);
}

/* Each boundary: the legal limit and the applied limit, one kg each side. */
static void
ck_boundaries(const struct rules *r, int axles, enum vconfig cfg,
    int64_t legal, int64_t tol)
{
	int64_t at[] = { legal - 1, legal, legal + 1, legal + tol - 1,
	    legal + tol, legal + tol + 1 };
	size_t i;

	for (i = 0; i < sizeof(at) / sizeof(at[0]); i++)
		ck_limit(r, axles, cfg, at[i], legal, tol);
}

/* Default table, class 2, every axle count 2-12 and every configuration. */
START_TEST(limit_table)
{
	struct rules r;
	int64_t legal;
	int axles, c;

	rules_defaults(&r);
	for (axles = 2; axles <= 12; axles++)
		for (c = 0; c < 4; c++) {
			legal = table_limit(axles, configs[c]);
			ck_boundaries(&r, axles, configs[c], legal,
			    legal * 2 / 100);
		}
}
END_TEST

/* Every [limits] row serves the right vehicles; unknown takes the higher. */
START_TEST(limit_rows)
{
	static const struct {
		int axles;
		int64_t want[4];	/* rigid, combination, single drive, unknown */
	} t[] = {
		{ 2, { 20000, 20000, 20000, 20000 } },
		{ 3, { 31000, 22000, 22000, 31000 } },	/* rigid higher */
		{ 4, { 23000, 34000, 34000, 34000 } },
		{ 5, { 25000, 25000, 25000, 25000 } },
		{ 6, { 26000, 26000, 37000, 37000 } },	/* single drive higher */
		{ 7, { 26000, 26000, 37000, 37000 } },
		{ 12, { 26000, 26000, 37000, 37000 } },
	};
	struct rules r;
	size_t i;
	int c;

	rules_defaults(&r);
	r.tolerance_pct_x100 = 0;
	r.limits[LIM_2] = 20000;
	r.limits[LIM_3_RIGID] = 31000;
	r.limits[LIM_3_COMBINATION] = 22000;
	r.limits[LIM_4_RIGID] = 23000;
	r.limits[LIM_4_COMBINATION] = 34000;
	r.limits[LIM_5] = 25000;
	r.limits[LIM_6] = 26000;
	r.limits[LIM_6_SINGLE_DRIVE] = 37000;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		for (c = 0; c < 4; c++)
			ck_boundaries(&r, t[i].axles, configs[c], t[i].want[c], 0);
}
END_TEST

/* scale_class, tolerance_pct and tolerance_kg, on a 6-axle combination. */
START_TEST(tolerance_sources)
{
	static const struct {
		int cls, pct, kg;
		int64_t tol;
	} t[] = {
		{ 20, -1, 0, 98 }, { 50, -1, 0, 245 }, { 100, -1, 0, 490 },
		{ 200, -1, 0, 980 }, { 500, -1, 0, 2450 }, { 1000, -1, 0, 4900 },
		{ 1000, 0, 0, 0 },		/* tolerance_pct overrides the class */
		{ 20, 150, 0, 735 },
		{ 20, 2000, 0, 9800 },
		{ 1000, 1, 0, 4 },		/* 4.9 kg: floor */
		{ 20, -1, 500, 500 },		/* tolerance_kg wins */
		{ 200, -1, 500, 980 },		/* tolerance_kg loses */
		{ 200, -1, 980, 980 },		/* equal */
		{ 200, -1, 981, 981 },
		{ 1000, 0, 5000, 5000 },
	};
	struct rules r;
	size_t i;
	int c;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		rules_defaults(&r);
		r.scale_class_x100 = t[i].cls;
		r.tolerance_pct_x100 = t[i].pct;
		r.tolerance_kg = t[i].kg;
		for (c = 0; c < 2; c++)
			ck_boundaries(&r, 6 + c, VC_COMBINATION, 49000, t[i].tol);
	}
	/* floor(18333 * 0.5 %) = floor(91.665) = 91. */
	rules_defaults(&r);
	r.scale_class_x100 = 50;
	r.limits[LIM_2] = 18333;
	ck_boundaries(&r, 2, VC_RIGID, 18333, 91);
}
END_TEST

/* §5: with scale_class = 5 a 6-axle combination turns back above 51 450 kg. */
START_TEST(spec_example)
{
	struct measurement m;
	struct decision d;
	struct rules r;

	rules_defaults(&r);
	r.scale_class_x100 = 500;
	m = truck(6, VC_COMBINATION, 51450);
	d = run(&m, &r, NULL, NOW, 0);
	ck_dec(&d, DEC_PASS, "within_limit");
	ck_assert_int_eq(d.applied_limit_kg, 51450);
	m.gross_kg = 51451;
	d = run(&m, &r, NULL, NOW, 0);
	ck_dec(&d, DEC_TURNBACK, "over_gross");
	ck_assert_int_eq(d.over_kg, 2451);
	/* §4.3: 55 000 kg on 6 axles is 6.0 t over. */
	rules_defaults(&r);
	m.gross_kg = 55000;
	d = run(&m, &r, NULL, NOW, 0);
	ck_dec(&d, DEC_TURNBACK, "over_gross");
	ck_assert_int_eq(d.over_kg, 6000);
	ck_assert_int_eq(d.over_pct_x100, 1224);	/* 12.2449 % */
}
END_TEST

/* over_pct in hundredths, rounded half away from zero, both signs. */
START_TEST(over_pct_rounding)
{
	static const struct {
		int64_t legal, gross, pct;
	} t[] = {
		{ 20000, 20000, 0 },
		{ 20000, 20001, 1 }, { 20000, 19999, -1 },	/* +-0.5 */
		{ 20000, 20003, 2 }, { 20000, 19997, -2 },	/* +-1.5 */
		{ 20000, 20005, 3 }, { 20000, 19995, -3 },	/* +-2.5 */
		{ 20000, 20002, 1 }, { 20000, 19998, -1 },
		{ 20000, 30000, 5000 }, { 20000, 10000, -5000 },
		{ 18000, 18001, 1 }, { 18000, 17999, -1 },	/* +-0.56 */
		{ 18000, 18008, 4 }, { 18000, 17992, -4 },	/* +-4.44 */
		{ 18000, 18100, 56 }, { 18000, 17900, -56 },	/* +-55.56 */
		{ 18000, 18081, 45 }, { 18000, 17919, -45 },	/* exact 45 */
		{ 18000, 1000, -9444 },				/* -94.444 */
	};
	struct measurement m;
	struct decision d;
	struct rules r;
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		rules_defaults(&r);
		r.limits[LIM_2] = (int)t[i].legal;
		m = truck(2, VC_RIGID, t[i].gross);
		d = run(&m, &r, NULL, NOW, 0);
		ck_assert_int_eq(d.over_kg, t[i].gross - t[i].legal);
		ck_assert_msg(d.over_pct_x100 == t[i].pct,
		    "legal %lld gross %lld: over_pct_x100 %lld, want %lld",
		    (long long)t[i].legal, (long long)t[i].gross,
		    (long long)d.over_pct_x100, (long long)t[i].pct);
	}
}
END_TEST

/* One failing validity check at a time, and its boundary. */
static void
ck_valid(const struct measurement *m, const struct rules *r, const char *why)
{
	struct decision d = run(m, r, NULL, NOW, 0);

	if (why == NULL) {
		ck_assert_msg(d.kind == DEC_PASS || d.kind == DEC_TURNBACK,
		    "%s: %s", decision_kind_name(d.kind), reasons(&d));
		return;
	}
	ck_dec(&d, DEC_RETRY, why);
	ck_assert(!d.has_limit);
	ck_assert_str_eq(d.permit_id, "");
	ck_assert_int_eq(d.over_kg, 0);
	ck_assert_int_eq(d.legal_limit_kg, 0);
}

static void
set_axles(struct measurement *m, int64_t sum)
{
	int i;

	m->n_axle_kg = m->axles;
	for (i = 0; i < m->axles; i++)
		m->axle_kg[i] = (int32_t)(sum / m->axles);
	m->axle_kg[0] += (int32_t)(sum % m->axles);
}

START_TEST(validity_gross_speed)
{
	struct measurement m;
	struct rules r;

	rules_defaults(&r);
	m = truck(6, VC_COMBINATION, 999);
	ck_valid(&m, &r, "gross_out_of_range");
	m.gross_kg = 1000;
	ck_valid(&m, &r, NULL);
	m.gross_kg = 200000;
	ck_valid(&m, &r, NULL);
	m.gross_kg = 200001;
	ck_valid(&m, &r, "gross_out_of_range");
	r.min_gross_kg = 5000;
	r.max_gross_kg = 50000;
	m.gross_kg = 4999;
	ck_valid(&m, &r, "gross_out_of_range");
	m.gross_kg = 5000;
	ck_valid(&m, &r, NULL);
	m.gross_kg = 50000;
	ck_valid(&m, &r, NULL);
	m.gross_kg = 50001;
	ck_valid(&m, &r, "gross_out_of_range");
	/* Garbage from a scale: no overflow, just out of range. */
	set_axles(&m, 40000);
	m.gross_kg = INT64_MAX;
	ck_valid(&m, &r, "gross_out_of_range");
	m.gross_kg = INT64_MIN;
	ck_valid(&m, &r, "gross_out_of_range");
	m.gross_kg = -1;
	ck_valid(&m, &r, "gross_out_of_range,axle_sum");
	m.n_axle_kg = 0;

	rules_defaults(&r);
	m = truck(6, VC_COMBINATION, 40000);
	m.speed_dkmh = 150;		/* 15.0 km/h: at the maximum */
	ck_valid(&m, &r, NULL);
	m.speed_dkmh = 151;
	ck_valid(&m, &r, "speed");
	r.max_speed_kmh = 1;
	m.speed_dkmh = 10;
	ck_valid(&m, &r, NULL);
	m.speed_dkmh = 11;
	ck_valid(&m, &r, "speed");
	m.speed_dkmh = 0;
	ck_valid(&m, &r, NULL);
}
END_TEST

START_TEST(validity_axle_sum)
{
	struct measurement m;
	struct rules r;

	rules_defaults(&r);
	m = truck(6, VC_COMBINATION, 40000);	/* 5 % of 40 000 = 2 000 */
	set_axles(&m, 42000);
	ck_valid(&m, &r, NULL);
	set_axles(&m, 42001);
	ck_valid(&m, &r, "axle_sum");
	set_axles(&m, 38000);
	ck_valid(&m, &r, NULL);
	set_axles(&m, 37999);
	ck_valid(&m, &r, "axle_sum");
	m.n_axle_kg = 0;		/* no axle weights: no check */
	ck_valid(&m, &r, NULL);
	r.axle_sum_tolerance_pct = 0;
	set_axles(&m, 40000);
	ck_valid(&m, &r, NULL);
	set_axles(&m, 40001);
	ck_valid(&m, &r, "axle_sum");
	/* 3 % of 41 111 = 1 233.33: 1 233 off passes, 1 234 does not. */
	r.axle_sum_tolerance_pct = 3;
	m.gross_kg = 41111;
	set_axles(&m, 41111 + 1233);
	ck_valid(&m, &r, NULL);
	set_axles(&m, 41111 - 1234);
	ck_valid(&m, &r, "axle_sum");
}
END_TEST

START_TEST(validity_flags_and_axles)
{
	static const enum vkind truckish[] = { VK_TRUCK, VK_UNKNOWN };
	struct measurement m;
	struct decision d;
	struct rules r;
	size_t i;

	rules_defaults(&r);
	m = truck(6, VC_COMBINATION, 40000);
	m.valid = false;
	ck_valid(&m, &r, "invalid");
	m = truck(6, VC_COMBINATION, 40000);
	m.unstable = true;
	ck_valid(&m, &r, "unstable");
	m = truck(6, VC_COMBINATION, 40000);
	m.abnormal = true;
	ck_valid(&m, &r, "abnormal_driving");
	for (i = 0; i < 2; i++) {
		m = truck(1, VC_RIGID, 10000);
		m.kind = truckish[i];
		ck_valid(&m, &r, "axles_out_of_range");
		m.axles = 0;
		ck_valid(&m, &r, "axles_out_of_range");
		m.axles = 2;
		ck_valid(&m, &r, NULL);
		m.axles = 12;
		ck_valid(&m, &r, NULL);
		m.axles = 13;
		ck_valid(&m, &r, "axles_out_of_range");
	}
	/* Passenger vehicles are not held to the axle range. */
	m = truck(1, VC_UNKNOWN, 2000);
	m.kind = VK_PASSENGER;
	d = run(&m, &r, NULL, NOW, 0);
	ck_dec(&d, DEC_PASS, "passenger");
	m.axles = 13;
	d = run(&m, &r, NULL, NOW, 0);
	ck_dec(&d, DEC_PASS, "passenger");
	ck_assert(!d.has_limit);
	m.axles = 0;
	d = run(&m, &r, NULL, NOW, 0);
	ck_dec(&d, DEC_PASS, "passenger");
}
END_TEST

/* Every failing check is named, in §5's order, after the deciding one. */
START_TEST(validity_all)
{
	struct measurement m = truck(13, VC_UNKNOWN, 500);
	struct decision d;
	struct rules r;

	rules_defaults(&r);
	m.valid = false;
	m.unstable = true;
	m.speed_dkmh = 200;
	m.n_axle_kg = 2;
	m.axle_kg[0] = m.axle_kg[1] = 5000;
	m.abnormal = true;
	d = run(&m, &r, NULL, NOW, 0);
	ck_dec(&d, DEC_RETRY, "invalid,unstable,gross_out_of_range,speed,"
	    "axle_sum,abnormal_driving,axles_out_of_range");
	d = run(&m, &r, NULL, NOW, 2);
	ck_dec(&d, DEC_HOLD, "retries_exhausted,invalid,unstable,"
	    "gross_out_of_range,speed,axle_sum,abnormal_driving,"
	    "axles_out_of_range");
	ck_assert(!d.has_limit);
	m = truck(6, VC_COMBINATION, 40000);
	m.unstable = true;
	m.speed_dkmh = 151;
	d = run(&m, &r, NULL, NOW, 5);
	ck_dec(&d, DEC_HOLD, "retries_exhausted,unstable,speed");
}
END_TEST

START_TEST(fault_bit)
{
	struct measurement m = truck(6, VC_COMBINATION, 150000);
	struct lists *l = load("rules.json");
	struct decision d;
	struct rules r;

	rules_defaults(&r);
	m.fault = true;
	m.valid = false;
	snprintf(m.plate, sizeof(m.plate), "豫W00001");	/* on the watch list */
	d = run(&m, &r, l, NOW, 2);
	ck_dec(&d, DEC_FAULT, "fault");
	ck_assert(!d.has_limit);
	ck_assert(!d.flag_100t);
	ck_assert_int_eq(d.over_kg, 0);
	ck_assert_int_eq(rules_next_retries(1, &d), 0);
	lists_free(l);
}
END_TEST

/* A lane: decide a sequence, carrying the retry count. */
static void
ck_sequence(int max_retries, const char *inputs, const char *want)
{
	struct measurement good = truck(6, VC_COMBINATION, 40000), bad = good,
	    flt = good;
	struct decision d;
	struct rules r;
	char got[256];
	size_t n = 0;
	int prior = 0;
	const char *p;

	rules_defaults(&r);
	r.max_retries = max_retries;
	bad.unstable = true;
	flt.fault = true;
	got[0] = '\0';
	for (p = inputs; *p != '\0'; p++) {
		d = run(*p == 'b' ? &bad : *p == 'f' ? &flt : &good, &r, NULL,
		    NOW, prior);
		if (d.kind == DEC_HOLD)
			ck_assert_str_eq(reasons(&d), "retries_exhausted,unstable");
		prior = rules_next_retries(prior, &d);
		n += (size_t)snprintf(got + n, sizeof(got) - n, "%s%s",
		    n ? " " : "", decision_kind_name(d.kind));
	}
	ck_assert_str_eq(got, want);
}

START_TEST(retry_hold)
{
	struct decision d;

	ck_sequence(2, "bbbb", "retry retry hold retry");
	ck_sequence(2, "bbbbbb", "retry retry hold retry retry hold");
	ck_sequence(2, "bgbbgbbb", "retry pass retry retry pass retry retry hold");
	ck_sequence(2, "bbfbbb", "retry retry fault retry retry hold");
	ck_sequence(0, "bbgb", "hold hold pass hold");
	ck_sequence(1, "bbbb", "retry hold retry hold");
	ck_sequence(10, "bbbbbbbbbbbb",
	    "retry retry retry retry retry retry retry retry retry retry hold retry");
	memset(&d, 0, sizeof(d));
	d.kind = DEC_RETRY;
	ck_assert_int_eq(rules_next_retries(3, &d), 4);
	d.kind = DEC_HOLD;
	ck_assert_int_eq(rules_next_retries(3, &d), 0);
	d.kind = DEC_TURNBACK;
	ck_assert_int_eq(rules_next_retries(3, &d), 0);
	d.kind = DEC_INTERCEPT;
	ck_assert_int_eq(rules_next_retries(3, &d), 0);
}
END_TEST

START_TEST(watch_list)
{
	struct lists *l = load("rules.json");
	int64_t until = cu_ms("2026-06-01T00:00:00Z");
	struct measurement m;
	struct decision d;
	struct rules r;

	rules_defaults(&r);
	m = plated("豫W00001", PC_YELLOW, 6, 40000);
	d = run(&m, &r, l, NOW, 1);
	ck_dec(&d, DEC_INTERCEPT, "watch");
	ck_assert(d.has_limit);		/* the load is on record too */
	ck_assert_int_eq(d.legal_limit_kg, 49000);
	ck_assert_int_eq(d.applied_limit_kg, 49980);
	ck_assert_int_eq(d.over_kg, -9000);
	ck_assert_int_eq(d.over_pct_x100, -1837);
	ck_assert_int_eq(rules_next_retries(1, &d), 0);
	m = plated("豫w-00001", PC_BLUE, 6, 55000);	/* over: still intercept */
	d = run(&m, &r, l, NOW, 0);
	ck_dec(&d, DEC_INTERCEPT, "watch");
	ck_assert_int_eq(d.over_kg, 6000);
	m.config = VC_UNKNOWN;
	d = run(&m, &r, l, NOW, 0);
	ck_dec(&d, DEC_INTERCEPT, "watch,config_unknown");
	m.kind = VK_UNKNOWN;
	d = run(&m, &r, l, NOW, 0);
	ck_dec(&d, DEC_INTERCEPT, "watch,config_unknown");
	m.kind = VK_PASSENGER;
	d = run(&m, &r, l, NOW, 0);
	ck_dec(&d, DEC_INTERCEPT, "watch");
	ck_assert(!d.has_limit);
	/* Validity comes first. */
	m = plated("豫W00001", PC_YELLOW, 6, 40000);
	m.abnormal = true;
	d = run(&m, &r, l, NOW, 0);
	ck_dec(&d, DEC_RETRY, "abnormal_driving");
	/* Colour: a yellow entry matches yellow and unknown, not blue. */
	m = plated("豫W00002", PC_YELLOW, 6, 40000);
	ck_dec((d = run(&m, &r, l, NOW, 0), &d), DEC_INTERCEPT, "watch");
	m.plate_color = PC_UNKNOWN;
	ck_dec((d = run(&m, &r, l, NOW, 0), &d), DEC_INTERCEPT, "watch");
	m.plate_color = PC_BLUE;
	ck_dec((d = run(&m, &r, l, NOW, 0), &d), DEC_PASS, "within_limit");
	/* until: in force at until, not a millisecond after. */
	m = plated("豫W00003", PC_YELLOW, 6, 40000);
	ck_dec((d = run(&m, &r, l, until, 0), &d), DEC_INTERCEPT, "watch");
	ck_dec((d = run(&m, &r, l, until + 1, 0), &d), DEC_PASS, "within_limit");
	/* Watch before exempt. */
	m = plated("豫X00001", PC_YELLOW, 6, 40000);
	ck_dec((d = run(&m, &r, l, NOW, 0), &d), DEC_INTERCEPT, "watch");
	/* No lists, or an empty plate: nothing matches. */
	m = plated("豫W00001", PC_YELLOW, 6, 40000);
	ck_dec((d = run(&m, &r, NULL, NOW, 0), &d), DEC_PASS, "within_limit");
	m = plated("", PC_UNKNOWN, 6, 40000);
	ck_dec((d = run(&m, &r, l, NOW, 0), &d), DEC_PASS, "within_limit");
	m = plated("·", PC_UNKNOWN, 6, 55000);
	ck_dec((d = run(&m, &r, l, NOW, 0), &d), DEC_TURNBACK, "over_gross");
	lists_free(l);
}
END_TEST

START_TEST(passenger)
{
	struct lists *l = load("rules.json");
	struct measurement m;
	struct decision d;
	struct rules r;

	rules_defaults(&r);
	m = plated("豫A12345", PC_BLUE, 2, 60000);
	m.kind = VK_PASSENGER;
	d = run(&m, &r, l, NOW, 1);
	ck_dec(&d, DEC_PASS, "passenger");
	ck_assert(!d.has_limit);
	ck_assert_int_eq(d.over_kg, 0);
	ck_assert_int_eq(d.legal_limit_kg, 0);
	ck_assert_int_eq(d.over_pct_x100, 0);
	/* Passenger before exempt and permits; no config_unknown. */
	m.config = VC_UNKNOWN;
	snprintf(m.plate, sizeof(m.plate), "豫E00001");
	ck_dec((d = run(&m, &r, l, NOW, 0), &d), DEC_PASS, "passenger");
	snprintf(m.plate, sizeof(m.plate), "豫P00011");
	m.axles = 6;
	ck_dec((d = run(&m, &r, l, NOW, 0), &d), DEC_PASS, "passenger");
	ck_assert_str_eq(d.permit_id, "");
	/* An unknown kind is a truck. */
	m.kind = VK_UNKNOWN;
	snprintf(m.plate, sizeof(m.plate), "豫A12345");
	m.gross_kg = 60000;
	ck_dec((d = run(&m, &r, l, NOW, 0), &d), DEC_TURNBACK,
	    "over_gross,config_unknown");
	lists_free(l);
}
END_TEST

START_TEST(exempt_list)
{
	struct lists *l = load("rules.json");
	int64_t until = cu_ms("2026-06-01T00:00:00Z");
	struct measurement m;
	struct decision d;
	struct rules r;

	rules_defaults(&r);
	m = plated("豫E00001", PC_YELLOW, 6, 60000);
	d = run(&m, &r, l, NOW, 0);
	ck_dec(&d, DEC_PASS, "exempt");
	ck_assert(d.has_limit);
	ck_assert_int_eq(d.legal_limit_kg, 49000);
	ck_assert_int_eq(d.tolerance_kg, 980);
	ck_assert_int_eq(d.over_kg, 11000);
	ck_assert_int_eq(d.over_pct_x100, 2245);	/* 22.449 % */
	ck_assert_str_eq(d.permit_id, "");
	m.config = VC_UNKNOWN;
	ck_dec((d = run(&m, &r, l, NOW, 0), &d), DEC_PASS, "exempt,config_unknown");
	/* A blue entry matches blue only, not unknown. */
	m = plated("豫E00002", PC_BLUE, 6, 60000);
	ck_dec((d = run(&m, &r, l, NOW, 0), &d), DEC_PASS, "exempt");
	m.plate_color = PC_UNKNOWN;
	ck_dec((d = run(&m, &r, l, NOW, 0), &d), DEC_TURNBACK, "over_gross");
	m.plate_color = PC_YELLOW;
	ck_dec((d = run(&m, &r, l, NOW, 0), &d), DEC_TURNBACK, "over_gross");
	/* until. */
	m = plated("豫E00003", PC_UNKNOWN, 6, 60000);
	ck_dec((d = run(&m, &r, l, until, 0), &d), DEC_PASS, "exempt");
	ck_dec((d = run(&m, &r, l, until + 1, 0), &d), DEC_TURNBACK, "over_gross");
	lists_free(l);
}
END_TEST

static void
ck_permit(const struct rules *r, const struct lists *l, const char *plate,
    enum pcolor color, int axles, enum vconfig cfg, int64_t gross,
    int64_t now, enum decision_kind k, const char *why, const char *id)
{
	struct measurement m = plated(plate, color, axles, gross);
	struct decision d;

	m.config = cfg;
	d = run(&m, r, l, now, 0);
	ck_assert_msg(d.kind == k && strcmp(reasons(&d), why) == 0 &&
	    strcmp(d.permit_id, id) == 0,
	    "%s %d axles %lld kg: got %s [%s] permit \"%s\", want %s [%s] \"%s\"",
	    plate, axles, (long long)gross, decision_kind_name(d.kind),
	    reasons(&d), d.permit_id, decision_kind_name(k), why, id);
	ck_assert(d.has_limit);
	ck_assert_int_eq(d.over_kg, gross - d.legal_limit_kg);
}

START_TEST(permits)
{
	struct lists *l = load("rules.json");
	const char *P = "豫P00011", *C = "豫P00013";
	const enum vconfig CO = VC_COMBINATION, UN = VC_UNKNOWN;
	int64_t now = NOW;
	struct rules r;

	rules_defaults(&r);
	/* P-A 6 axles 60 000 (+1 200), P-B 6 axles 70 000 (+1 400), P-C 7/80 000. */
	ck_permit(&r, l, P, PC_BLUE, 6, CO, 40000, now, DEC_PASS, "permit", "P-A");
	ck_permit(&r, l, P, PC_BLUE, 6, CO, 61200, now, DEC_PASS, "permit", "P-A");
	ck_permit(&r, l, P, PC_BLUE, 6, CO, 61201, now, DEC_PASS, "permit", "P-B");
	ck_permit(&r, l, P, PC_BLUE, 6, CO, 71400, now, DEC_PASS, "permit", "P-B");
	ck_permit(&r, l, P, PC_BLUE, 6, CO, 71401, now, DEC_TURNBACK,
	    "over_gross,permit_mismatch", "");
	ck_permit(&r, l, P, PC_UNKNOWN, 7, CO, 81600, now, DEC_PASS, "permit", "P-C");
	ck_permit(&r, l, P, PC_UNKNOWN, 7, CO, 81601, now, DEC_TURNBACK,
	    "over_gross,permit_mismatch", "");
	/* 车证不符 by axles: rule 6 decides, both outcomes. */
	ck_permit(&r, l, P, PC_BLUE, 5, CO, 40000, now, DEC_PASS,
	    "within_limit,permit_mismatch", "");
	ck_permit(&r, l, P, PC_BLUE, 5, CO, 43860, now, DEC_PASS,
	    "within_limit,permit_mismatch", "");
	ck_permit(&r, l, P, PC_BLUE, 5, CO, 43861, now, DEC_TURNBACK,
	    "over_gross,permit_mismatch", "");
	/* config_unknown through permits. */
	ck_permit(&r, l, P, PC_BLUE, 6, UN, 61000, now, DEC_PASS,
	    "permit,config_unknown", "P-A");
	ck_permit(&r, l, P, PC_BLUE, 5, UN, 50000, now, DEC_TURNBACK,
	    "over_gross,permit_mismatch,config_unknown", "");
	ck_permit(&r, l, P, PC_BLUE, 3, UN, 20000, now, DEC_PASS,
	    "within_limit,permit_mismatch,config_unknown", "");
	/* A permit that does not count is as if absent: no mismatch. */
	ck_permit(&r, l, C, PC_BLUE, 6, CO, 55000, now, DEC_TURNBACK,
	    "over_gross,permit_mismatch", "");		/* P-5 counts */
	ck_permit(&r, l, C, PC_BLUE, 5, CO, 51000, now, DEC_PASS, "permit", "P-5");
	ck_permit(&r, l, C, PC_BLUE, 5, CO, 51001, now, DEC_TURNBACK,
	    "over_gross,permit_mismatch", "");
	ck_permit(&r, l, C, PC_BLUE, 6, CO, 55000,
	    cu_ms("2026-12-31T23:59:59Z") + 1, DEC_TURNBACK, "over_gross", "");		/* none counts */
	/* Tolerance of rule 6 on max_gross_kg: class 5 gives 60 000 + 3 000. */
	r.scale_class_x100 = 500;
	ck_permit(&r, l, P, PC_BLUE, 6, CO, 63000, now, DEC_PASS, "permit", "P-A");
	ck_permit(&r, l, P, PC_BLUE, 6, CO, 63001, now, DEC_PASS, "permit", "P-B");
	r.tolerance_pct_x100 = 0;
	r.tolerance_kg = 5000;
	ck_permit(&r, l, P, PC_BLUE, 6, CO, 65000, now, DEC_PASS, "permit", "P-A");
	ck_permit(&r, l, P, PC_BLUE, 6, CO, 65001, now, DEC_PASS, "permit", "P-B");
	r.tolerance_kg = 0;
	ck_permit(&r, l, P, PC_BLUE, 6, CO, 60000, now, DEC_PASS, "permit", "P-A");
	ck_permit(&r, l, P, PC_BLUE, 6, CO, 60001, now, DEC_PASS, "permit", "P-B");
	ck_permit(&r, l, P, PC_BLUE, 6, CO, 70001, now, DEC_TURNBACK,
	    "over_gross,permit_mismatch", "");
	lists_free(l);
}
END_TEST

/* P-Y: yellow only, 2026-03-01T00:00+08:00 to 2026-03-31T23:59:59.999+08:00. */
START_TEST(permit_window_and_colour)
{
	struct lists *l = load("rules.json");
	const char *Y = "豫P00012";
	int64_t from = cu_ms("2026-02-28T16:00:00Z");
	int64_t until = cu_ms("2026-03-31T15:59:59.999Z");
	const enum vconfig CO = VC_COMBINATION;
	struct rules r;

	rules_defaults(&r);
	ck_permit(&r, l, Y, PC_YELLOW, 6, CO, 55000, from, DEC_PASS, "permit", "P-Y");
	ck_permit(&r, l, Y, PC_YELLOW, 6, CO, 55000, until, DEC_PASS, "permit", "P-Y");
	ck_permit(&r, l, Y, PC_YELLOW, 6, CO, 55000, from - 1, DEC_TURNBACK,
	    "over_gross", "");
	ck_permit(&r, l, Y, PC_YELLOW, 6, CO, 55000, until + 1, DEC_TURNBACK,
	    "over_gross", "");
	ck_permit(&r, l, Y, PC_YELLOW, 6, CO, 61201, from, DEC_TURNBACK,
	    "over_gross,permit_mismatch", "");
	ck_permit(&r, l, Y, PC_BLUE, 6, CO, 55000, from, DEC_TURNBACK,
	    "over_gross", "");
	ck_permit(&r, l, Y, PC_UNKNOWN, 6, CO, 55000, from, DEC_TURNBACK,
	    "over_gross", "");
	ck_permit(&r, l, "豫p-00012", PC_YELLOW, 6, CO, 55000, from, DEC_PASS,
	    "permit", "P-Y");
	ck_permit(&r, l, "", PC_YELLOW, 6, CO, 55000, from, DEC_TURNBACK,
	    "over_gross", "");
	lists_free(l);
}
END_TEST

/* Forty permits on one plate: the first fitting in document order wins. */
START_TEST(permit_document_order)
{
	struct lists *l;
	struct sbuf b;
	struct rules r;
	int i;

	sbuf_init(&b);
	sbuf_puts(&b, "{\"version\":\"many\",\"permits\":[");
	for (i = 0; i < 40; i++)
		sbuf_printf(&b, "%s{\"id\":\"M%02d\",\"plate\":\"豫M00001\","
		    "\"axles\":%d,\"max_gross_kg\":%d,\"valid_from\":"
		    "\"2026-01-01T00:00:00Z\",\"valid_until\":"
		    "\"2026-12-31T00:00:00Z\"}", i ? "," : "",
		    i, i == 36 || i == 38 ? 6 : 7, i == 37 ? 90000 : 60000);
	sbuf_puts(&b, "]}");
	l = parse(b.p, b.len);
	sbuf_fini(&b);
	rules_defaults(&r);
	ck_permit(&r, l, "豫M00001", PC_BLUE, 6, VC_COMBINATION, 61200, NOW,
	    DEC_PASS, "permit", "M36");
	ck_permit(&r, l, "豫M00001", PC_BLUE, 7, VC_COMBINATION, 61200, NOW,
	    DEC_PASS, "permit", "M00");
	ck_permit(&r, l, "豫M00001", PC_BLUE, 7, VC_COMBINATION, 61201, NOW,
	    DEC_PASS, "permit", "M37");
	ck_permit(&r, l, "豫M00001", PC_BLUE, 6, VC_COMBINATION, 61201, NOW,
	    DEC_TURNBACK, "over_gross,permit_mismatch", "");
	lists_free(l);
}
END_TEST

START_TEST(flag_100t)
{
	struct measurement m;
	struct decision d;
	struct rules r;

	rules_defaults(&r);
	m = truck(6, VC_COMBINATION, 99999);
	d = run(&m, &r, NULL, NOW, 0);
	ck_dec(&d, DEC_TURNBACK, "over_gross");
	ck_assert(!d.flag_100t);
	m.gross_kg = 100000;
	d = run(&m, &r, NULL, NOW, 0);
	ck_dec(&d, DEC_TURNBACK, "over_gross");
	ck_assert(d.flag_100t);
	m.speed_dkmh = 151;		/* a retry still records the flag */
	d = run(&m, &r, NULL, NOW, 0);
	ck_dec(&d, DEC_RETRY, "speed");
	ck_assert(d.flag_100t);
	d = run(&m, &r, NULL, NOW, 2);
	ck_dec(&d, DEC_HOLD, "retries_exhausted,speed");
	ck_assert(d.flag_100t);
	m.speed_dkmh = 50;
	m.gross_kg = 250000;
	d = run(&m, &r, NULL, NOW, 0);
	ck_dec(&d, DEC_RETRY, "gross_out_of_range");
	ck_assert(d.flag_100t);
	m.gross_kg = 100000;
	m.kind = VK_PASSENGER;
	d = run(&m, &r, NULL, NOW, 0);
	ck_dec(&d, DEC_PASS, "passenger");
	ck_assert(d.flag_100t);
	m.kind = VK_TRUCK;
	m.fault = true;
	d = run(&m, &r, NULL, NOW, 0);
	ck_dec(&d, DEC_FAULT, "fault");
	ck_assert(!d.flag_100t);
}
END_TEST

/* A change to any setting changes the id; the same settings keep it. */
START_TEST(ruleset_id)
{
	struct rules base, r;
	char ids[32][65], a[65], b[65];
	int n = 0, i, j;
	const char *p;

	rules_defaults(&base);
	rules_id(&base, a);
	rules_defaults(&r);
	rules_id(&r, b);
	ck_assert_str_eq(a, b);
	ck_assert_uint_eq(strlen(a), 64);
	for (p = a; *p != '\0'; p++)
		ck_assert(strchr("0123456789abcdef", *p) != NULL);
	memcpy(ids[n++], a, 65);
#define VARY(stmt) do { r = base; stmt; rules_id(&r, ids[n++]); } while (0)
	VARY(r.scale_class_x100 = 500);
	VARY(r.scale_class_x100 = 20);
	VARY(r.tolerance_pct_x100 = 200);
	VARY(r.tolerance_pct_x100 = 0);
	VARY(r.tolerance_kg = 1);
	VARY(r.max_speed_kmh = 16);
	VARY(r.axle_sum_tolerance_pct = 6);
	VARY(r.min_gross_kg = 1001);
	VARY(r.max_gross_kg = 200001);
	VARY(r.max_retries = 3);
	VARY(r.on_scale_fault = ON_FAULT_OPEN);
	VARY(r.overrides = true);
	for (i = 0; i < LIM_NROWS; i++)
		VARY(r.limits[i] += 1);
	VARY(r.limits[LIM_6] = 46000; r.limits[LIM_6_SINGLE_DRIVE] = 49000);
#undef VARY
	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++)
			ck_assert_msg(strcmp(ids[i], ids[j]) != 0,
			    "variants %d and %d share an id", i, j);
	/* Changed and changed back: the same id again. */
	r = base;
	r.max_retries = 7;
	r.max_retries = 2;
	rules_id(&r, b);
	ck_assert_str_eq(a, b);
}
END_TEST

/* The same weighing with the clock in doubt (docs/decisions.md). */
static void
ck_doubt(const struct rules *r, const struct lists *l, const char *plate,
    enum pcolor color, int axles, int64_t gross, int64_t now,
    enum decision_kind k, const char *why, const char *id)
{
	struct measurement m = plated(plate, color, axles, gross);
	struct decision d;

	m.clock_doubt = true;
	d = run(&m, r, l, now, 0);
	ck_assert_msg(d.kind == k && strcmp(reasons(&d), why) == 0 &&
	    strcmp(d.permit_id, id) == 0,
	    "in doubt, %s %d axles %lld kg at %lld: got %s [%s] permit \"%s\", "
	    "want %s [%s] \"%s\"", plate, axles, (long long)gross,
	    (long long)now, decision_kind_name(d.kind), reasons(&d),
	    d.permit_id, decision_kind_name(k), why, id);
	ck_assert(d.has_limit);
}

/* In doubt a watch entry intercepts whatever its until says. */
START_TEST(doubt_watch_until_ignored)
{
	struct lists *l = load("rules.json");
	int64_t until = cu_ms("2026-06-01T00:00:00Z");
	struct rules r;

	rules_defaults(&r);
	ck_doubt(&r, l, "豫W00003", PC_YELLOW, 6, 40000, until + 1,
	    DEC_INTERCEPT, "watch", "");
	ck_doubt(&r, l, "豫W00003", PC_YELLOW, 6, 40000,
	    cu_ms("2099-01-01T00:00:00Z"), DEC_INTERCEPT, "watch", "");
	ck_doubt(&r, l, "豫W00001", PC_YELLOW, 6, 40000, NOW, DEC_INTERCEPT,
	    "watch", "");
	/* the colour still counts: a yellow-only entry, a blue plate */
	ck_doubt(&r, l, "豫W00002", PC_BLUE, 6, 40000, NOW, DEC_PASS,
	    "within_limit", "");
	/* a plate on no list: as without doubt */
	ck_doubt(&r, l, "豫A00000", PC_YELLOW, 6, 40000, NOW, DEC_PASS,
	    "within_limit", "");
	ck_doubt(&r, l, "豫A00000", PC_YELLOW, 6, 60000, NOW, DEC_TURNBACK,
	    "over_gross", "");
	lists_free(l);
}
END_TEST

/*
 * In doubt an over-limit truck whose permit fits on axles and gross is
 * held, whether the (doubtful) clock puts it inside its window or not;
 * a permit that fails on axles or gross turns back as today.
 */
START_TEST(doubt_permit_window)
{
	struct lists *l = load("rules.json");
	const char *P = "豫P00011", *Y = "豫P00012", *C = "豫P00013";
	int64_t after = cu_ms("2027-01-01T00:00:00Z");
	struct rules r;

	rules_defaults(&r);
	/* fails only on its window (expired, not yet valid): hold */
	ck_doubt(&r, l, P, PC_BLUE, 6, 55000, after, DEC_HOLD,
	    "clock_doubt,permit,over_gross", "P-A");
	ck_doubt(&r, l, Y, PC_YELLOW, 6, 55000, cu_ms("2026-02-28T15:59:59Z"),
	    DEC_HOLD, "clock_doubt,permit,over_gross", "P-Y");
	/* in its window by the doubtful clock: held too */
	ck_doubt(&r, l, P, PC_BLUE, 6, 55000, NOW, DEC_HOLD,
	    "clock_doubt,permit,over_gross", "P-A");
	ck_doubt(&r, l, P, PC_BLUE, 6, 71400, NOW, DEC_HOLD,
	    "clock_doubt,permit,over_gross", "P-B");
	/* an expired permit that fits, beside a valid one that does not */
	ck_doubt(&r, l, C, PC_BLUE, 6, 55000, NOW, DEC_HOLD,
	    "clock_doubt,permit,over_gross", "P-OLD");
	/* fails on gross or axles: turned back as without doubt */
	ck_doubt(&r, l, P, PC_BLUE, 6, 71401, NOW, DEC_TURNBACK,
	    "over_gross,permit_mismatch", "");
	ck_doubt(&r, l, P, PC_BLUE, 6, 71401, after, DEC_TURNBACK,
	    "over_gross,permit_mismatch", "");
	ck_doubt(&r, l, P, PC_BLUE, 5, 43861, NOW, DEC_TURNBACK,
	    "over_gross,permit_mismatch", "");
	/* the colour still counts */
	ck_doubt(&r, l, Y, PC_BLUE, 6, 55000, NOW, DEC_TURNBACK,
	    "over_gross", "");
	/* within the limit: a pass, no permit needed */
	ck_doubt(&r, l, P, PC_BLUE, 6, 40000, after, DEC_PASS,
	    "within_limit", "");
	ck_doubt(&r, l, P, PC_BLUE, 5, 40000, NOW, DEC_PASS,
	    "within_limit,permit_mismatch", "");
	lists_free(l);
}
END_TEST

/* In doubt an exemption counts only without until; with one: hold. */
START_TEST(doubt_exempt)
{
	struct lists *l = load("rules.json");
	int64_t until = cu_ms("2026-06-01T00:00:00Z");
	struct rules r;

	rules_defaults(&r);
	ck_doubt(&r, l, "豫E00001", PC_YELLOW, 6, 60000, NOW, DEC_PASS,
	    "exempt", "");
	ck_doubt(&r, l, "豫E00003", PC_YELLOW, 6, 60000, NOW, DEC_HOLD,
	    "clock_doubt,exempt,over_gross", "");
	ck_doubt(&r, l, "豫E00003", PC_YELLOW, 6, 60000, until + 1, DEC_HOLD,
	    "clock_doubt,exempt,over_gross", "");
	ck_doubt(&r, l, "豫E00003", PC_YELLOW, 6, 40000, until + 1, DEC_PASS,
	    "within_limit", "");
	lists_free(l);
}
END_TEST

/* Without doubt nothing moves: the flag off is the rules of today. */
START_TEST(doubt_off_unchanged)
{
	struct lists *l = load("rules.json");
	int64_t until = cu_ms("2026-06-01T00:00:00Z");
	int64_t after = cu_ms("2027-01-01T00:00:00Z");
	struct measurement m;
	struct decision d;
	struct rules r;

	rules_defaults(&r);
	m = plated("豫W00003", PC_YELLOW, 6, 40000);
	ck_assert(!m.clock_doubt);
	ck_dec((d = run(&m, &r, l, until + 1, 0), &d), DEC_PASS, "within_limit");
	m = plated("豫P00011", PC_BLUE, 6, 55000);
	ck_dec((d = run(&m, &r, l, after, 0), &d), DEC_TURNBACK, "over_gross");
	ck_dec((d = run(&m, &r, l, NOW, 0), &d), DEC_PASS, "permit");
	ck_assert_str_eq(d.permit_id, "P-A");
	m = plated("豫E00003", PC_YELLOW, 6, 60000);
	ck_dec((d = run(&m, &r, l, NOW, 0), &d), DEC_PASS, "exempt");
	/* doubt changes nothing before the lists: validity, passengers */
	m = plated("豫P00011", PC_BLUE, 6, 55000);
	m.clock_doubt = true;
	m.unstable = true;
	ck_dec((d = run(&m, &r, l, after, 0), &d), DEC_RETRY, "unstable");
	m = plated("豫P00011", PC_BLUE, 2, 3000);
	m.kind = VK_PASSENGER;
	m.clock_doubt = true;
	ck_dec((d = run(&m, &r, l, after, 0), &d), DEC_PASS, "passenger");
	lists_free(l);
}
END_TEST

/* decide_camera(): the plates the lane camera paired with a weighing. */
START_TEST(camera_plates)
{
	struct lists *l = load("rules.json");
	struct rules_plate two[2] = { { "豫P00011", PC_BLUE }, { "豫B99999", PC_BLUE } };
	struct measurement m;
	struct decision d;
	struct rules r;
	int used;

	rules_defaults(&r);
	cu_truck(&m, 6, VC_COMBINATION, 61000);	/* permit P-A covers 豫P00011 */
	snprintf(m.plate, sizeof(m.plate), "豫P00011");	/* never read here */
	decide_camera(&m, two, 1, &r, l, NOW, 0, &d, &used);
	ck_assert_int_eq(d.kind, DEC_PASS);
	ck_assert_int_eq(d.reasons[0], R_PERMIT);
	ck_assert_int_eq(used, 0);
	/* two plates: permits on neither; over the limit: held */
	decide_camera(&m, two, 2, &r, l, NOW, 0, &d, &used);
	ck_assert_int_eq(d.kind, DEC_HOLD);
	ck_assert_int_eq(d.n_reasons, 2);
	ck_assert_int_eq(d.reasons[0], R_OVER_GROSS);
	ck_assert_int_eq(d.reasons[1], R_PLATES_DIFFER);
	ck_assert_str_eq(d.permit_id, "");
	ck_assert_int_eq(used, -1);
	/* within the limit: a pass on weight */
	m.gross_kg = 40000;
	decide_camera(&m, two, 2, &r, l, NOW, 0, &d, &used);
	ck_assert_int_eq(d.kind, DEC_PASS);
	ck_assert_int_eq(d.reasons[0], R_WITHIN_LIMIT);
	/* none: on weight alone, the scale's plate unused */
	m.gross_kg = 61000;
	decide_camera(&m, two, 0, &r, l, NOW, 0, &d, &used);
	ck_assert_int_eq(d.kind, DEC_TURNBACK);
	ck_assert_int_eq(d.n_reasons, 2);
	ck_assert_int_eq(d.reasons[1], R_PLATE_MISSING);
	ck_assert_int_eq(used, -1);
	lists_free(l);
}
END_TEST

static Suite *
rules_suite(void)
{
	Suite *s = suite_create("rules");

	cu_tcase(s, "limits", 30, NULL, NULL, defaults, names, limit_table,
	    limit_rows, tolerance_sources, spec_example, over_pct_rounding,
	    flag_100t, ruleset_id);
	cu_tcase(s, "validity", 30, NULL, NULL, validity_gross_speed,
	    validity_axle_sum, validity_flags_and_axles, validity_all,
	    fault_bit, retry_hold);
	cu_tcase(s, "lists", 30, NULL, NULL, watch_list, passenger, exempt_list,
	    permits, permit_window_and_colour, permit_document_order);
	cu_tcase(s, "clock_doubt", 30, NULL, NULL, doubt_watch_until_ignored,
	    doubt_permit_window, doubt_exempt, doubt_off_unchanged);
	cu_tcase(s, "camera", 30, NULL, NULL, camera_plates);
	return s;
}

CU_MAIN(rules_suite)
