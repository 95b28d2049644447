/* Unit tests of replay records (docs/design.md §8): the JSON reader and the JSON writers. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "weighgate/record.h"
#include "weighgate/timefmt.h"

#include "check_util.h"

#define DESIGN_EXAMPLE \
	"{\"lane\":\"L01\",\"ts\":\"2026-11-22T03:24:23.123Z\",\"seq\":812," \
	"\"kind\":\"truck\",\"config\":\"combination\",\"axles\":6," \
	"\"gross_kg\":49120,\"axle_kg\":[6900,9000,8800,8100,8200,8120]," \
	"\"speed_kmh\":6.5,\"plate\":\"豫A12345\",\"plate_color\":\"yellow\"," \
	"\"valid\":true,\"unstable\":false,\"fault\":false}"

/* The reader under test: cJSON's record_from_json, or the fast one. */
typedef enum record_status (*reader_fn)(const char *, size_t, struct record *,
    char *, size_t);
static reader_fn READ = record_from_json;

static void
use_fast_reader(void)
{
	READ = jsonrec_read_json;
}

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
	return READ(line, strlen(line), r, err, errlen);
}

START_TEST(test_read_spec_example)
{
	struct record r;
	char err[128];
	int64_t ts;

	ck_assert_int_eq(READ(DESIGN_EXAMPLE, strlen(DESIGN_EXAMPLE),
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

	ck_assert_int_eq(READ(line, strlen(line), &r, err,
	    sizeof(err)), RECORD_SKIP);
	ck_assert_int_eq(READ(manual, strlen(manual), &r, err,
	    sizeof(err)), RECORD_SKIP);
	/* a fault line must still be JSON */
	ck_assert_int_eq(READ("{\"device_fault\":", 16, &r, err,
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
		ck_assert_int_eq(READ(line, strlen(line), &r, err,
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
		{ "\"clock_doubt\":1", "clock_doubt: must be true or false" },
		{ "\"clock_doubt\":\"true\"", "clock_doubt: " },
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
		ck_assert_msg(READ(line, strlen(line), &r, err,
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

		snprintf(line, sizeof(line), "%s", DESIGN_EXAMPLE);
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
		ck_assert_int_eq(READ(line, strlen(line), &r, err,
		    sizeof(err)), RECORD_BAD);
		ck_assert_msg(strncmp(err, required[i], strlen(required[i])) == 0 &&
		    strstr(err, "missing") != NULL, "%s", err);
	}
	for (i = 0; i < sizeof(malformed) / sizeof(malformed[0]); i++) {
		ck_assert_msg(READ(malformed[i], strlen(malformed[i]),
		    &r, err, sizeof(err)) == RECORD_BAD, "accepted '%s'",
		    malformed[i]);
		ck_assert(err[0] != '\0');
	}
	/* only len bytes are read: a valid prefix of a longer buffer */
	ck_assert_int_eq(READ(DESIGN_EXAMPLE "garbage",
	    strlen(DESIGN_EXAMPLE), &r, err, sizeof(err)), RECORD_OK);
	/* trailing white space and CR (a CRLF file) are fine */
	ck_assert_int_eq(READ(DESIGN_EXAMPLE " \r\n",
	    strlen(DESIGN_EXAMPLE) + 3, &r, err, sizeof(err)), RECORD_OK);
}
END_TEST

START_TEST(test_measurement_json)
{
	struct record r, r2;
	struct sbuf b;
	char err[128];

	ck_assert_int_eq(READ(DESIGN_EXAMPLE, strlen(DESIGN_EXAMPLE),
	    &r, err, sizeof(err)), RECORD_OK);
	sbuf_init(&b);
	record_measurement_json(&b, &r.m);
	ck_assert_str_eq(b.p, "{\"lane\":\"L01\",\"ts\":\"2026-11-22T03:24:23.123Z\","
	    "\"seq\":812,\"kind\":\"truck\",\"config\":\"combination\",\"axles\":6,"
	    "\"gross_kg\":49120,\"axle_kg\":[6900,9000,8800,8100,8200,8120],"
	    "\"speed_kmh\":6.5,\"plate\":\"豫A12345\",\"plate_color\":\"yellow\","
	    "\"valid\":true,\"unstable\":false,\"fault\":false,\"abnormal\":false}");
	/* and it reads back to the same measurement */
	ck_assert_int_eq(READ(b.p, b.len, &r2, err, sizeof(err)),
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
	ck_assert_int_eq(READ(b.p, b.len, &r2, err, sizeof(err)),
	    RECORD_OK);
	ck_assert_str_eq(r2.m.plate, "京\"B\\");
	sbuf_fini(&b);
}
END_TEST

/* Mutated and truncated records: a status and a message, never a crash. */
START_TEST(test_read_mutations)
{
	static const char alphabet[] = "{}[],:\"\\0123456789.-+eE tfnul\xe8\xff";
	char line[sizeof(DESIGN_EXAMPLE) + 8], err[128];
	struct record r;
	size_t len = strlen(DESIGN_EXAMPLE), n, j;
	enum record_status st;
	int i, k;

	srand(1122);
	for (i = 0; i < 20000; i++) {
		memcpy(line, DESIGN_EXAMPLE, len + 1);
		for (k = rand() % 4; k >= 0; k--) {
			j = (size_t)rand() % len;
			line[j] = alphabet[rand() % (int)(sizeof(alphabet) - 1)];
		}
		n = i % 5 == 0 ? (size_t)rand() % len : len;
		err[0] = '\0';
		st = READ(line, n, &r, err, sizeof(err));
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


/* ---- the fast reader against cJSON's, line by line ---- */

static unsigned long diff_lines;

/* Both readers: the same status, record and message ("not valid JSON"
 * names a byte, which may differ). */
static void
same_reading(const char *line, size_t len)
{
	struct record a, b;
	char ea[256] = "", eb[256] = "";
	enum record_status sa, sb;

	sa = record_from_json(line, len, &a, ea, sizeof(ea));
	sb = jsonrec_read_json(line, len, &b, eb, sizeof(eb));
	diff_lines++;
	ck_assert_msg(sa == sb, "status %d (cJSON) vs %d (fast): %s | %s | "
	    "[%.*s]", sa, sb, ea, eb, (int)len, line);
	if (sa == RECORD_OK)
		ck_assert_msg(memcmp(&a, &b, sizeof(a)) == 0,
		    "records differ: [%.*s]", (int)len, line);
	if (sa == RECORD_BAD && strncmp(ea, "not valid JSON", 14) != 0)
		ck_assert_msg(strcmp(ea, eb) == 0, "messages: '%s' vs '%s': "
		    "[%.*s]", ea, eb, (int)len, line);
}

/* Every line of a stream through same_reading; how many. */
static unsigned long
same_stream(FILE *f)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	unsigned long count = 0;

	while ((n = getline(&line, &cap, f)) > 0) {
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			n--;
		same_reading(line, (size_t)n);
		count++;
	}
	free(line);
	return count;
}

static const char *
root_path(const char *rel, char *buf, size_t len)
{
	const char *root = getenv("ROOT");

	snprintf(buf, len, "%s/%s", root != NULL ? root : ".", rel);
	return buf;
}

START_TEST(test_fast_demo_traffic)
{
	char path[4096];
	FILE *f = fopen(root_path("conf/demo/traffic.jsonl", path,
	    sizeof(path)), "r");

	ck_assert_msg(f != NULL, "no %s", path);
	ck_assert_uint_ge(same_stream(f), 300);
	fclose(f);
}
END_TEST

/* weighgate-sim --generate: a year's mix of vehicles in miniature. */
START_TEST(test_fast_generated_traffic)
{
	const char *bin = getenv("WG_BIN");
	char cmd[4096];
	FILE *f;

	snprintf(cmd, sizeof(cmd), "%s/weighgate-sim --generate 30000 "
	    "--seed 7", bin != NULL ? bin : "build");
	ck_assert_msg((f = popen(cmd, "r")) != NULL, "%s", cmd);
	ck_assert_uint_eq(same_stream(f), 30000);
	ck_assert_int_eq(pclose(f), 0);
}
END_TEST

/* Lines written to probe the corners of JSON as cJSON reads it. */
START_TEST(test_fast_corner_cases)
{
	static const char *const extra[] = {
		"", "\"x\":null", "\"x\":[1,[2,[3,{\"a\":[]}]],{}]",
		"\"x\":\"\\u00e8\\ud83d\\ude00\\n\\t\\\"\\\\\\/\\b\\f\\r\"",
		"\"x\":\"\\ud83d\"", "\"x\":\"\\ude00\"", "\"x\":\"\\u12\"",
		"\"x\":\"\\ud83d\\u0041\"", "\"x\":\"\\q\"",
		"\"plate\":\"A\\u00g1B\"", "\"x\":\"\\ud83d\\uzzzz\"",
		"\"x\":1e999", "\"x\":-0", "\"x\":01", "\"x\":1.", "\"x\":-.5",
		"\"x\":1.5.3", "\"x\":+1", "\"x\":.5", "\"x\":0x10",
		"\"x\":tru", "\"x\":nul", "\"x\":[1,]", "\"x\":{\"a\":1,}",
		"\"x\":{1:2}", "\"x\":[1 2]",
		"\"lan\\u0065\":\"L09\"", "\"lane\\u0000x\":\"L09\"",
		"\"device_fault\\u0000\":1",
		"\"plate_color\":\"yel\\u006cow\"", "\"plate_color\":\"blue\\u0000\"",
		"\"axle_kg\":[]", "\"axle_kg\":[1,2,3,4,5,6,7,8,9,10,11,12,13]",
		"\"axle_kg\":[1.0,2e3]", "\"axle_kg\":[1,\"2\"]",
		"\"recorded_decision\":\"pass\"",
		"\"recorded_decision\":{\"decision\":\"turnback\","
		"\"reasons\":[\"over_gross\"]}",
		"\"recorded_decision\":{\"reasons\":[\"x\"],\"decision\":\"pass\"}",
		"\"recorded_decision\":{\"decision\":\"pass\",\"decision\":\"x\"}",
		"\"recorded_decision\":{\"decision\":\"pass\",\"reasons\":"
		"[\"a\",\"a\",\"a\",\"a\",\"a\",\"a\",\"a\",\"a\",\"a\",\"a\","
		"\"a\",\"a\",\"a\",\"a\",\"a\",\"a\",\"a\"]}",
		"\"recorded_decision\":{\"decision\":\"pass\",\"reasons\":\"x\"}",
		"\"recorded_decision\":7", "\"lane\":\"L02\"", "\"valid\":1",
		"\"clock_doubt\":true", "\"clock_doubt\":false",
		"\"clock_doubt\":null", "\"clock_doubt\":0",
		"\"clock_doubt\":true,\"clock_doubt\":true",
		"\"clock_doubt\":true,\"recorded_decision\":\"hold\"",
		"\"speed_kmh\":1.15", "\"speed_kmh\":6553.5", "\"speed_kmh\":6553.51",
		"\"seq\":9007199254740992", "\"seq\":9007199254740993",
		"\"gross_kg\":4294967295", "\"gross_kg\":4294967296",
		"\"plate\":\"\\u8c6bA\\u00b712345\"", "\"plate\":\"\xff\"",
		"\"plate\":\"a\x01\"",
		"\"x\":\"0123456789012345678901234567890123456789012345678901234567"
		"89012345678901234567890123456789012345678901234567890123456789012"
		"34567890123456789012345678901234567890123456789012345678901234567"
		"890123456789012345678901234567890123456789\"",
		"\"x\":123456789012345678901234567890123456789012345678901234567890"
		"1234567890",
	};
	char line[2048], deep[2600];
	size_t i;
	int d;

	for (i = 0; i < sizeof(extra) / sizeof(extra[0]); i++) {
		snprintf(line, sizeof(line), "{\"lane\":\"L01\",\"ts\":"
		    "\"2026-11-22T08:00:00Z\",\"seq\":1,\"kind\":\"truck\","
		    "\"config\":\"rigid\",\"axles\":2,\"gross_kg\":15000,"
		    "\"speed_kmh\":5,\"plate\":\"P\"%s%s}", extra[i][0] ? "," : "",
		    extra[i]);
		same_reading(line, strlen(line));
		same_reading(line, strlen(line) - 1);
	}
	/* byte order mark, white space of any byte up to 0x20, a NUL */
	same_reading("\xef\xbb\xbf" DESIGN_EXAMPLE, strlen(DESIGN_EXAMPLE) + 3);
	same_reading("\x01\x1f " DESIGN_EXAMPLE "\x1f", strlen(DESIGN_EXAMPLE) + 4);
	same_reading(DESIGN_EXAMPLE "\0", strlen(DESIGN_EXAMPLE) + 1);
	same_reading("[1,2]", 5);
	same_reading("\"x\"", 3);
	same_reading("", 0);
	same_reading("   ", 3);
	/* nesting: cJSON stops at 1000 levels */
	for (d = 998; d <= 1001; d++) {
		size_t n = (size_t)snprintf(deep, sizeof(deep), "{\"x\":");

		memset(deep + n, '[', (size_t)d - 1);
		memset(deep + n + (size_t)d - 1, ']', (size_t)d - 1);
		n += 2 * ((size_t)d - 1);
		deep[n++] = '}';
		same_reading(deep, n);
	}
}
END_TEST

/* Demo lines cut, spliced and sprinkled with JSON's own characters. */
START_TEST(test_fast_mutations)
{
	static const char *const tokens[] = {
		"{", "}", "[", "]", ",", ":", "\"", "\\", "\\u00e8", "\\ud83d",
		"\\ude00", "\\u0000", "0", "-", ".", "e", "1e999", " ", "\t",
		"\x01", "true", "null", "\xe8", "\xff", "\"x\":[{}]", "\"seq\":2",
	};
	char path[4096], *lines[400], buf[1024], line[2048];
	size_t nlines = 0, len, j, tl;
	FILE *f = fopen(root_path("conf/demo/traffic.jsonl", path,
	    sizeof(path)), "r");
	int i, k;

	ck_assert_ptr_nonnull(f);
	while (nlines < 400 && fgets(buf, sizeof(buf), f) != NULL) {
		buf[strcspn(buf, "\n")] = '\0';
		lines[nlines++] = strdup(buf);
	}
	fclose(f);
	srand(2026);
	for (i = 0; i < 200000; i++) {
		len = strlen(lines[i % nlines]);
		memcpy(line, lines[i % nlines], len + 1);
		for (k = rand() % 3; k >= 0; k--) {
			const char *t = tokens[rand() % (int)(sizeof(tokens) /
			    sizeof(tokens[0]))];

			j = (size_t)rand() % len;
			tl = strlen(t);
			if (rand() % 2 && len + tl < sizeof(line)) {
				memmove(line + j + tl, line + j, len - j + 1);
				memcpy(line + j, t, tl);
				len += tl;
			} else
				line[j] = t[0];
		}
		if (i % 7 == 0)
			len = (size_t)rand() % (len + 1);
		same_reading(line, len);
	}
	for (j = 0; j < nlines; j++)
		free(lines[j]);
}
END_TEST

/* A weighing event body: the measurement and the decision recorded. */
START_TEST(test_read_event)
{
	static const char body[] = "{\"lane\":\"L01\",\"seq\":812,"
	    "\"decision\":\"turnback\",\"reasons\":[\"over_gross\","
	    "\"config_unknown\"],\"legal_limit_kg\":49000,\"uuid\":\"x\","
	    "\"measurement\":" DESIGN_EXAMPLE "}";
	static const char maybe[] = "{\"decision\":\"maybe\","
	    "\"measurement\":" DESIGN_EXAMPLE "}";
	struct record r, want;
	char err[256];

	ck_assert_int_eq(jsonrec_read_event(body, strlen(body), &r, err,
	    sizeof(err)), RECORD_OK);
	ck_assert_int_eq(record_from_json(DESIGN_EXAMPLE, strlen(DESIGN_EXAMPLE),
	    &want, err, sizeof(err)), RECORD_OK);
	ck_assert(memcmp(&r.m, &want.m, sizeof(r.m)) == 0);
	ck_assert(r.has_recorded);
	ck_assert_int_eq(r.recorded, DEC_TURNBACK);
	ck_assert_int_eq(r.n_recorded_reasons, 2);
	ck_assert_int_eq(r.recorded_reasons[1], R_CONFIG_UNKNOWN);
	ck_assert_int_eq(jsonrec_read_event("{\"decision\":\"pass\"}", 19, &r,
	    err, sizeof(err)), RECORD_BAD);
	ck_assert_str_eq(err, "measurement: missing or not an object");
	ck_assert_int_eq(jsonrec_read_event("{\"decision\":\"pass\"", 18, &r,
	    err, sizeof(err)), RECORD_BAD);
	ck_assert_int_eq(jsonrec_read_event(maybe, strlen(maybe), &r, err,
	    sizeof(err)), RECORD_BAD);
	ck_assert_str_eq(err, "decision: missing or not a decision");
}
END_TEST

/* CSV: the documented columns, quoting, optional axles, bad cells. */
START_TEST(test_read_csv)
{
	static const char header[] = "lane,ts,seq,kind,config,axles,gross_kg,"
	    "speed_kmh,plate,plate_color,axle1_kg,axle2_kg,recorded_decision,"
	    "recorded_reasons,note";
	struct csvrec *c;
	struct record r;
	char err[256];
	const char *row;

	c = csvrec_new(header, strlen(header), err, sizeof(err));
	ck_assert_msg(c != NULL, "%s", err);
	row = "L01,2026-11-22T08:00:00Z,5,truck,rigid,2,19000,6.5,"
	    "\"豫A,1\"\"2\",yellow,9000,10000,turnback,over_gross;config_unknown,"
	    "any text";
	ck_assert_int_eq(csvrec_read(c, row, strlen(row), &r, err,
	    sizeof(err)), RECORD_OK);
	ck_assert_str_eq(r.m.plate, "豫A,1\"2");
	ck_assert_int_eq(r.m.seq, 5);
	ck_assert_int_eq(r.m.gross_kg, 19000);
	ck_assert_int_eq(r.m.speed_dkmh, 65);
	ck_assert_int_eq(r.m.n_axle_kg, 2);
	ck_assert_int_eq(r.m.axle_kg[1], 10000);
	ck_assert_int_eq(r.m.plate_color, PC_YELLOW);
	ck_assert(r.has_recorded && r.recorded == DEC_TURNBACK);
	ck_assert_int_eq(r.n_recorded_reasons, 2);
	row = "L01,2026-11-22T08:00:00Z,6,truck,rigid,2,,6.5,P,,,,,,";
	ck_assert_int_eq(csvrec_read(c, row, strlen(row), &r, err,
	    sizeof(err)), RECORD_BAD);
	ck_assert_str_eq(err, "gross_kg: missing");
	row = "L01,2026-11-22T08:00:00Z,6,truck,rigid,2,heavy,6.5,P,,,,,,";
	ck_assert_int_eq(csvrec_read(c, row, strlen(row), &r, err,
	    sizeof(err)), RECORD_BAD);
	ck_assert_str_eq(err, "gross_kg: must be a non-negative integer "
	    "(at most 4294967295)");
	row = "L01,2026-11-22T08:00:00Z,6,truck,rigid,2,100,6.5,P";
	ck_assert_int_eq(csvrec_read(c, row, strlen(row), &r, err,
	    sizeof(err)), RECORD_BAD);
	ck_assert_str_eq(err, "9 cells, the header names 15");
	row = "L01,2026-11-22T08:00:00Z,6,truck,rigid,2,100,6.5,\"P,,,,,,";
	ck_assert_int_eq(csvrec_read(c, row, strlen(row), &r, err,
	    sizeof(err)), RECORD_BAD);
	csvrec_free(c);
	/* a header without gross_kg, a column twice */
	ck_assert_ptr_null(csvrec_new("lane,ts,seq", 11, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "no column kind"));
	ck_assert_ptr_null(csvrec_new("lane,lane", 9, err, sizeof(err)));
	ck_assert_str_eq(err, "column lane given twice");
}
END_TEST

/* clock_doubt: read by every reader, written only when true. */
START_TEST(test_clock_doubt)
{
	static const char line[] = "{\"lane\":\"L01\",\"ts\":"
	    "\"2026-11-22T08:00:00Z\",\"seq\":1,\"kind\":\"truck\","
	    "\"config\":\"rigid\",\"axles\":2,\"gross_kg\":15000,"
	    "\"speed_kmh\":5,\"plate\":\"P\",\"clock_doubt\":true}";
	static const char header[] = "lane,ts,seq,kind,config,axles,gross_kg,"
	    "speed_kmh,plate,clock_doubt";
	struct record r, r2;
	struct csvrec *c;
	struct decision d;
	struct sbuf b;
	char err[256];
	const char *row;

	ck_assert_int_eq(record_from_json(line, strlen(line), &r, err,
	    sizeof(err)), RECORD_OK);
	ck_assert(r.m.clock_doubt);
	ck_assert_int_eq(jsonrec_read_json(line, strlen(line), &r2, err,
	    sizeof(err)), RECORD_OK);
	ck_assert(memcmp(&r, &r2, sizeof(r)) == 0);
	/* the measurement and the decision say so; they read back */
	memset(&d, 0, sizeof(d));
	d.kind = DEC_HOLD;
	d.n_reasons = 1;
	d.reasons[0] = R_CLOCK_DOUBT;
	sbuf_init(&b);
	record_decision_json(&b, &r.m, &d, ruleset, true);
	ck_assert_ptr_nonnull(strstr(b.p, "\"permit_id\":null,"
	    "\"clock_doubt\":true,\"ruleset\":"));
	ck_assert_ptr_nonnull(strstr(b.p, "\"abnormal\":false,"
	    "\"clock_doubt\":true}}"));
	ck_assert_int_eq(jsonrec_read_event(b.p, b.len, &r2, err, sizeof(err)),
	    RECORD_OK);
	ck_assert(r2.m.clock_doubt);
	ck_assert(r2.has_recorded && r2.recorded == DEC_HOLD);
	ck_assert_int_eq(r2.recorded_reasons[0], R_CLOCK_DOUBT);
	/* without doubt neither output names it */
	r.m.clock_doubt = false;
	sbuf_reset(&b);
	record_decision_json(&b, &r.m, &d, ruleset, true);
	ck_assert_ptr_null(strstr(b.p, "clock_doubt\":"));
	sbuf_fini(&b);
	/* CSV */
	c = csvrec_new(header, strlen(header), err, sizeof(err));
	ck_assert_msg(c != NULL, "%s", err);
	row = "L01,2026-11-22T08:00:00Z,5,truck,rigid,2,19000,6.5,P,true";
	ck_assert_int_eq(csvrec_read(c, row, strlen(row), &r, err,
	    sizeof(err)), RECORD_OK);
	ck_assert(r.m.clock_doubt);
	row = "L01,2026-11-22T08:00:00Z,5,truck,rigid,2,19000,6.5,P,";
	ck_assert_int_eq(csvrec_read(c, row, strlen(row), &r, err,
	    sizeof(err)), RECORD_OK);
	ck_assert(!r.m.clock_doubt);
	row = "L01,2026-11-22T08:00:00Z,5,truck,rigid,2,19000,6.5,P,maybe";
	ck_assert_int_eq(csvrec_read(c, row, strlen(row), &r, err,
	    sizeof(err)), RECORD_BAD);
	ck_assert_str_eq(err, "clock_doubt: must be true or false");
	csvrec_free(c);
}
END_TEST

CU_SUITE("record")
{
	cu_tcase(s, "core", 30, NULL, NULL, test_read_spec_example,
	    test_read_defaults_and_traffic_keys, test_read_fault_line_skipped,
	    test_read_speed_rounding, test_read_recorded_decision,
	    test_read_bad_values, test_read_missing_and_malformed,
	    test_read_mutations, test_measurement_json, test_decision_json);

	/* the same promises kept by the fast reader replay uses */
	cu_tcase(s, "fast", 30, use_fast_reader, NULL, test_read_spec_example,
	    test_read_defaults_and_traffic_keys, test_read_fault_line_skipped,
	    test_read_speed_rounding, test_read_recorded_decision,
	    test_read_bad_values, test_read_missing_and_malformed,
	    test_read_mutations, test_measurement_json, test_read_event,
	    test_read_csv, test_clock_doubt);

	/* the fast reader against cJSON's on the same lines */
	cu_tcase(s, "differential", 120, NULL, NULL, test_fast_demo_traffic,
	    test_fast_generated_traffic, test_fast_corner_cases,
	    test_fast_mutations);
}
