/* Unit tests of replay records (SPEC §8): the JSON reader and the JSON writers. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "weighgate/record.h"
#include "weighgate/timefmt.h"

#define SPEC_EXAMPLE \
	"{\"lane\":\"L01\",\"ts\":\"2026-11-22T03:24:23.123Z\",\"seq\":812," \
	"\"kind\":\"truck\",\"config\":\"combination\",\"axles\":6," \
	"\"gross_kg\":49120,\"axle_kg\":[6900,9000,8800,8100,8200,8120]," \
	"\"speed_kmh\":6.5,\"plate\":\"豫A12345\",\"plate_color\":\"yellow\"," \
	"\"valid\":true,\"unstable\":false,\"fault\":false}"

/* A minimal valid record with one more member spliced in at the end. */
static enum record_status
parse_with(const char *extra, struct record *r, char *err, size_t errlen)
{
	char line[1024];

	snprintf(line, sizeof(line), "{\"lane\":\"L01\",\"ts\":"
	    "\"2026-11-22T08:00:00Z\",\"seq\":1,\"kind\":\"truck\","
	    "\"config\":\"rigid\",\"axles\":2,\"gross_kg\":15000,"
	    "\"speed_kmh\":5,\"plate\":\"豫A12345\"%s%s}",
	    extra[0] ? "," : "", extra);
	return record_from_json(line, strlen(line), r, err, errlen);
}

START_TEST(test_read_spec_example)
{
	struct record r;
	char err[128];
	int64_t ts;

	ck_assert_int_eq(record_from_json(SPEC_EXAMPLE, strlen(SPEC_EXAMPLE),
	    &r, err, sizeof(err)), RECORD_OK);
	ck_assert_int_eq(ts_parse("2026-11-22T03:24:23.123Z", &ts), 0);
	ck_assert_str_eq(r.m.lane, "L01");
	ck_assert_int_eq(r.m.ts_ms, ts);
	ck_assert_int_eq(r.m.seq, 812);
	ck_assert_int_eq(r.m.kind, VK_TRUCK);
	ck_assert_int_eq(r.m.config, VC_COMBINATION);
	ck_assert_int_eq(r.m.axles, 6);
	ck_assert_int_eq(r.m.gross_kg, 49120);
	ck_assert_int_eq(r.m.n_axle_kg, 6);
	ck_assert_int_eq(r.m.axle_kg[0], 6900);
	ck_assert_int_eq(r.m.axle_kg[5], 8120);
	ck_assert_int_eq(r.m.speed_dkmh, 65);
	ck_assert_str_eq(r.m.plate, "豫A12345");
	ck_assert_int_eq(r.m.plate_color, PC_YELLOW);
	ck_assert(r.m.valid && !r.m.unstable && !r.m.fault && !r.m.abnormal);
	ck_assert(!r.has_recorded);
}
END_TEST

START_TEST(test_read_defaults_and_traffic_keys)
{
	struct record r;
	char err[128];

	ck_assert_int_eq(parse_with("\"after_ms\":800,\"behaviour\":\"force\","
	    "\"duration_ms\":5,\"whatever\":{\"x\":[1,2]}", &r, err,
	    sizeof(err)), RECORD_OK);
	ck_assert(r.m.valid && !r.m.unstable && !r.m.fault && !r.m.abnormal);
	ck_assert_int_eq(r.m.plate_color, PC_UNKNOWN);
	ck_assert_int_eq(r.m.n_axle_kg, 0);
	ck_assert_int_eq(r.m.speed_dkmh, 50);

	ck_assert_int_eq(parse_with("\"valid\":false,\"unstable\":true,"
	    "\"fault\":true,\"abnormal\":true,\"plate_color\":\"yellow-green\"",
	    &r, err, sizeof(err)), RECORD_OK);
	ck_assert(!r.m.valid && r.m.unstable && r.m.fault && r.m.abnormal);
	ck_assert_int_eq(r.m.plate_color, PC_YELLOW_GREEN);
}
END_TEST

START_TEST(test_read_fault_line_skipped)
{
	static const char line[] = "{\"after_ms\":500,\"device_fault\":\"scale\","
	    "\"mode\":\"timeout\",\"duration_ms\":3000}";
	struct record r;
	char err[128];

	static const char manual[] = "{\"lane\":\"L01\",\"after_ms\":500,"
	    "\"barrier_manual\":true,\"duration_ms\":3000}";

	ck_assert_int_eq(record_from_json(line, strlen(line), &r, err,
	    sizeof(err)), RECORD_SKIP);
	ck_assert_int_eq(record_from_json(manual, strlen(manual), &r, err,
	    sizeof(err)), RECORD_SKIP);
	/* a fault line must still be JSON */
	ck_assert_int_eq(record_from_json("{\"device_fault\":", 16, &r, err,
	    sizeof(err)), RECORD_BAD);
}
END_TEST

START_TEST(test_read_speed_rounding)
{
	static const struct { const char *text; int dkmh; } cases[] = {
		{ "6.45", 65 }, { "6.44", 64 }, { "1.15", 12 }, { "0.05", 1 },
		{ "0.04", 0 }, { "0", 0 }, { "12", 120 }, { "6553.5", 65535 },
	};
	struct record r;
	char err[128];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char line[512];

		snprintf(line, sizeof(line), "{\"lane\":\"L01\",\"ts\":"
		    "\"2026-11-22T08:00:00Z\",\"seq\":1,\"kind\":\"truck\","
		    "\"config\":\"rigid\",\"axles\":2,\"gross_kg\":15000,"
		    "\"speed_kmh\":%s,\"plate\":\"\"}", cases[i].text);
		ck_assert_int_eq(record_from_json(line, strlen(line), &r, err,
		    sizeof(err)), RECORD_OK);
		ck_assert_msg(r.m.speed_dkmh == cases[i].dkmh, "%s -> %d",
		    cases[i].text, r.m.speed_dkmh);
	}
}
END_TEST

START_TEST(test_read_recorded_decision)
{
	struct record r;
	char err[128];

	ck_assert_int_eq(parse_with("\"recorded_decision\":\"pass\"", &r, err,
	    sizeof(err)), RECORD_OK);
	ck_assert(r.has_recorded);
	ck_assert_int_eq(r.recorded, DEC_PASS);
	ck_assert_int_eq(r.n_recorded_reasons, 0);
	ck_assert_int_eq(parse_with("\"recorded_decision\":{\"decision\":"
	    "\"turnback\",\"reasons\":[\"over_gross\",\"permit_mismatch\"]}", &r,
	    err, sizeof(err)), RECORD_OK);
	ck_assert_int_eq(r.recorded, DEC_TURNBACK);
	ck_assert_int_eq(r.n_recorded_reasons, 2);
	ck_assert_int_eq(r.recorded_reasons[0], R_OVER_GROSS);
	ck_assert_int_eq(r.recorded_reasons[1], R_PERMIT_MISMATCH);
	ck_assert_int_eq(parse_with("\"recorded_decision\":\"maybe\"", &r, err,
	    sizeof(err)), RECORD_BAD);
	ck_assert_ptr_nonnull(strstr(err, "recorded_decision"));
	ck_assert_int_eq(parse_with("\"recorded_decision\":{\"decision\":"
	    "\"pass\",\"reasons\":[\"luck\"]}", &r, err, sizeof(err)), RECORD_BAD);
}
END_TEST

/* Each bad member and the key the error must start with. */
START_TEST(test_read_bad_values)
{
	static const struct { const char *extra; const char *key; } cases[] = {
		{ "\"gross_kg\":-1", "gross_kg: must be a non-negative integer" },
		{ "\"gross_kg\":1.5", "gross_kg: must be a non-negative integer" },
		{ "\"gross_kg\":\"15000\"", "gross_kg: " },
		{ "\"gross_kg\":1e300", "gross_kg: " },
		{ "\"seq\":1.5", "seq: " },
		{ "\"seq\":-3", "seq: " },
		{ "\"axles\":-1", "axles: " },
		{ "\"axles\":2.5", "axles: " },
		{ "\"axles\":65536", "axles: " },
		{ "\"axle_kg\":[1,2,3,4,5,6,7,8,9,10,11,12,13]", "axle_kg: " },
		{ "\"axle_kg\":[1000,\"x\"]", "axle_kg: " },
		{ "\"axle_kg\":[1000,-5]", "axle_kg: " },
		{ "\"axle_kg\":7000", "axle_kg: " },
		{ "\"speed_kmh\":-0.1", "speed_kmh: " },
		{ "\"speed_kmh\":\"fast\"", "speed_kmh: " },
		{ "\"lane\":\"L0123456789ABCDE\"", "lane: " },	/* 16 bytes */
		{ "\"lane\":\"\"", "lane: " },
		{ "\"lane\":7", "lane: " },
		{ "\"ts\":\"yesterday\"", "ts: " },
		{ "\"ts\":1700000000", "ts: " },
		{ "\"kind\":\"bus\"", "kind: " },
		{ "\"config\":\"semi\"", "config: " },
		{ "\"plate_color\":\"red\"", "plate_color: " },
		{ "\"valid\":\"yes\"", "valid: " },
		{ "\"unstable\":1", "unstable: " },
		{ "\"fault\":null", "fault: " },
		{ "\"abnormal\":[]", "abnormal: " },
		{ "\"plate\":\"\xff\xfe\"", "plate: " },
		{ "\"plate\":\"A\\u0007B\"", "plate: " },
		{ "\"plate\":\"0123456789012345678901234567890123456789"
		    "012345678901234567890123\"", "plate: " },	/* 64 bytes */
		{ "\"plate\":null", "plate: " },
		{ "\"gross_kg\":15000", "gross_kg: duplicate key" },
	};
	struct record r;
	char err[128];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		/* the bad member comes first, before its valid twin */
		char line[1024];

		snprintf(line, sizeof(line), "{%s,\"lane\":\"L01\",\"ts\":"
		    "\"2026-11-22T08:00:00Z\",\"seq\":1,\"kind\":\"truck\","
		    "\"config\":\"rigid\",\"axles\":2,\"gross_kg\":15000,"
		    "\"speed_kmh\":5,\"plate\":\"豫A12345\"}", cases[i].extra);
		memset(err, 0, sizeof(err));
		ck_assert_msg(record_from_json(line, strlen(line), &r, err,
		    sizeof(err)) == RECORD_BAD, "accepted %s", cases[i].extra);
		ck_assert_msg(strncmp(err, cases[i].key, strlen(cases[i].key)) == 0,
		    "%s: err \"%s\", want \"%s...\"", cases[i].extra, err,
		    cases[i].key);
	}
}
END_TEST

START_TEST(test_read_missing_and_malformed)
{
	static const char *const required[] = { "lane", "ts", "seq", "kind",
	    "config", "axles", "gross_kg", "speed_kmh", "plate" };
	static const char *const malformed[] = { "", "[]", "42", "\"x\"",
	    "null", "{", "{\"lane\":\"L01\"", "{} {}", "{}x", "{\"a\":1,}" };
	struct record r;
	char line[1024], err[128], *p, *q;
	size_t i;

	/* drop one required member at a time from the spec example */
	for (i = 0; i < sizeof(required) / sizeof(required[0]); i++) {
		char key[32];

		snprintf(line, sizeof(line), "%s", SPEC_EXAMPLE);
		snprintf(key, sizeof(key), "\"%s\":", required[i]);
		ck_assert_ptr_nonnull(p = strstr(line, key));
		q = p + strlen(key);
		if (*q == '"')
			q = strchr(q + 1, '"') + 1;
		else if (*q == '[')
			q = strchr(q, ']') + 1;
		else
			while (*q != ',' && *q != '}')
				q++;
		if (*q == ',')
			q++;
		memmove(p, q, strlen(q) + 1);
		ck_assert_int_eq(record_from_json(line, strlen(line), &r, err,
		    sizeof(err)), RECORD_BAD);
		ck_assert_msg(strncmp(err, required[i], strlen(required[i])) == 0 &&
		    strstr(err, "missing") != NULL, "%s", err);
	}
	for (i = 0; i < sizeof(malformed) / sizeof(malformed[0]); i++) {
		ck_assert_msg(record_from_json(malformed[i], strlen(malformed[i]),
		    &r, err, sizeof(err)) == RECORD_BAD, "accepted '%s'",
		    malformed[i]);
		ck_assert(err[0] != '\0');
	}
	/* only len bytes are read: a valid prefix of a longer buffer */
	ck_assert_int_eq(record_from_json(SPEC_EXAMPLE "garbage",
	    strlen(SPEC_EXAMPLE), &r, err, sizeof(err)), RECORD_OK);
	/* trailing white space and CR (a CRLF file) are fine */
	ck_assert_int_eq(record_from_json(SPEC_EXAMPLE " \r\n",
	    strlen(SPEC_EXAMPLE) + 3, &r, err, sizeof(err)), RECORD_OK);
}
END_TEST

START_TEST(test_measurement_json)
{
	struct record r, r2;
	struct sbuf b;
	char err[128];

	ck_assert_int_eq(record_from_json(SPEC_EXAMPLE, strlen(SPEC_EXAMPLE),
	    &r, err, sizeof(err)), RECORD_OK);
	sbuf_init(&b);
	record_measurement_json(&b, &r.m);
	ck_assert_str_eq(b.p, "{\"lane\":\"L01\",\"ts\":\"2026-11-22T03:24:23.123Z\","
	    "\"seq\":812,\"kind\":\"truck\",\"config\":\"combination\",\"axles\":6,"
	    "\"gross_kg\":49120,\"axle_kg\":[6900,9000,8800,8100,8200,8120],"
	    "\"speed_kmh\":6.5,\"plate\":\"豫A12345\",\"plate_color\":\"yellow\","
	    "\"valid\":true,\"unstable\":false,\"fault\":false,\"abnormal\":false}");
	/* and it reads back to the same measurement */
	ck_assert_int_eq(record_from_json(b.p, b.len, &r2, err, sizeof(err)),
	    RECORD_OK);
	ck_assert(memcmp(&r.m, &r2.m, sizeof(r.m)) == 0);

	/* no axle weights: the key is left out; speed keeps one decimal */
	r.m.n_axle_kg = 0;
	r.m.speed_dkmh = 120;
	strcpy(r.m.plate, "京\"B\\");
	sbuf_reset(&b);
	record_measurement_json(&b, &r.m);
	ck_assert_ptr_null(strstr(b.p, "axle_kg"));
	ck_assert_ptr_nonnull(strstr(b.p, "\"speed_kmh\":12.0,"));
	ck_assert_ptr_nonnull(strstr(b.p, "\"plate\":\"京\\\"B\\\\\""));
	ck_assert_int_eq(record_from_json(b.p, b.len, &r2, err, sizeof(err)),
	    RECORD_OK);
	ck_assert_str_eq(r2.m.plate, "京\"B\\");
	sbuf_fini(&b);
}
END_TEST

/* Mutated and truncated records: a status and a message, never a crash. */
START_TEST(test_read_mutations)
{
	static const char alphabet[] = "{}[],:\"\\0123456789.-+eE tfnul\xe8\xff";
	char line[sizeof(SPEC_EXAMPLE) + 8], err[128];
	struct record r;
	size_t len = strlen(SPEC_EXAMPLE), n, j;
	enum record_status st;
	int i, k;

	srand(1122);
	for (i = 0; i < 20000; i++) {
		memcpy(line, SPEC_EXAMPLE, len + 1);
		for (k = rand() % 4; k >= 0; k--) {
			j = (size_t)rand() % len;
			line[j] = alphabet[rand() % (int)(sizeof(alphabet) - 1)];
		}
		n = i % 5 == 0 ? (size_t)rand() % len : len;
		err[0] = '\0';
		st = record_from_json(line, n, &r, err, sizeof(err));
		ck_assert(st == RECORD_OK || st == RECORD_SKIP || st == RECORD_BAD);
		if (st == RECORD_BAD)
			ck_assert(err[0] != '\0');
		if (st == RECORD_OK)
			ck_assert(r.m.n_axle_kg <= MEAS_MAX_AXLES &&
			    strlen(r.m.plate) < MEAS_PLATE_MAX &&
			    strlen(r.m.lane) < MEAS_LANE_MAX);
	}
}
END_TEST

static const char ruleset[65] =
    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

START_TEST(test_decision_json)
{
	struct measurement m;
	struct decision d;
	struct sbuf b;

	meas_init(&m);
	strcpy(m.lane, "L01");
	m.seq = 17;
	memset(&d, 0, sizeof(d));
	d.kind = DEC_TURNBACK;
	d.n_reasons = 2;
	d.reasons[0] = R_OVER_GROSS;
	d.reasons[1] = R_PERMIT_MISMATCH;
	d.has_limit = true;
	d.legal_limit_kg = 49000;
	d.tolerance_kg = 980;
	d.applied_limit_kg = 49980;
	d.over_kg = 52300;
	d.over_pct_x100 = 10673;
	d.flag_100t = true;
	sbuf_init(&b);
	record_decision_json(&b, &m, &d, ruleset, false);
	ck_assert_str_eq(b.p, "{\"lane\":\"L01\",\"seq\":17,\"decision\":"
	    "\"turnback\",\"reasons\":[\"over_gross\",\"permit_mismatch\"],"
	    "\"legal_limit_kg\":49000,\"applied_limit_kg\":49980,"
	    "\"over_kg\":52300,\"over_pct\":106.73,\"flag_100t\":true,"
	    "\"permit_id\":null,\"ruleset\":\"0123456789abcdef0123456789abcdef"
	    "0123456789abcdef0123456789abcdef\"}");

	/* under the limit: negative over, permit named */
	d.kind = DEC_PASS;
	d.n_reasons = 1;
	d.reasons[0] = R_PERMIT;
	d.over_kg = -5;
	d.over_pct_x100 = -1;
	d.flag_100t = false;
	strcpy(d.permit_id, "P-7");
	sbuf_reset(&b);
	record_decision_json(&b, &m, &d, ruleset, false);
	ck_assert_ptr_nonnull(strstr(b.p, "\"over_kg\":-5,\"over_pct\":-0.01,"
	    "\"flag_100t\":false,\"permit_id\":\"P-7\",\"ruleset\":"));

	/* no limit (passenger, invalid): nulls; measurement appended */
	d.kind = DEC_RETRY;
	d.reasons[0] = R_SPEED;
	d.has_limit = false;
	d.permit_id[0] = '\0';
	sbuf_reset(&b);
	record_decision_json(&b, &m, &d, ruleset, true);
	ck_assert_ptr_nonnull(strstr(b.p, "\"decision\":\"retry\",\"reasons\":"
	    "[\"speed\"],\"legal_limit_kg\":null,\"applied_limit_kg\":null,"
	    "\"over_kg\":null,\"over_pct\":null,\"flag_100t\":false,"
	    "\"permit_id\":null,"));
	ck_assert_ptr_nonnull(strstr(b.p, "\",\"measurement\":{\"lane\":\"L01\","
	    "\"ts\":\"1970-01-01T00:00:00.000Z\",\"seq\":17,"));
	ck_assert_int_eq(b.p[b.len - 1], '}');
	ck_assert_int_eq(b.p[b.len - 2], '}');
	sbuf_fini(&b);
}
END_TEST

static Suite *
record_suite(void)
{
	Suite *s = suite_create("record");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_read_spec_example);
	tcase_add_test(tc, test_read_defaults_and_traffic_keys);
	tcase_add_test(tc, test_read_fault_line_skipped);
	tcase_add_test(tc, test_read_speed_rounding);
	tcase_add_test(tc, test_read_recorded_decision);
	tcase_add_test(tc, test_read_bad_values);
	tcase_add_test(tc, test_read_missing_and_malformed);
	tcase_add_test(tc, test_read_mutations);
	tcase_add_test(tc, test_measurement_json);
	tcase_add_test(tc, test_decision_json);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(record_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
