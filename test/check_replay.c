/* Replay of weighgate databases (docs/design.md §8): --diff against the decisions recorded. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "weighgate/cmd.h"
#include "weighgate/lists.h"
#include "weighgate/record.h"
#include "weighgate/rules.h"
#include "weighgate/sbuf.h"
#include "weighgate/store.h"
#include "weighgate/timefmt.h"

#include "check_util.h"

/*
 * Each test builds databases the way the daemon writes them: weighing
 * events whose body is the decision (decided here under a class 5 scale,
 * with a watch list stored in the database) plus "measurement", between
 * events of other kinds.  Replay runs in-process through cmd_replay with
 * the default rules (class 2), and its files are read back.
 */

#define WATCH_DOC "{\"version\":\"t-1\",\"watch\":[{\"plate\":\"豫W00001\"," \
	"\"reason\":\"test\"}],\"exempt\":[],\"permits\":[]}"
#define EMPTY_DOC "{\"version\":\"t-2\",\"watch\":[],\"exempt\":[],\"permits\":[]}"

static char dir[256];

static void
setup(void)
{
	cu_mkdtemp(dir, sizeof(dir));
}

static void
teardown(void)
{
	ck_assert_int_eq(cu_rmtree(dir), 0);
}

static const char *
path(const char *name)
{
	static char buf[8][512];
	static int i;

	i = (i + 1) % 8;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", dir, name);
	return buf[i];
}

/* One truck weighing decided under class 5 and the stored lists, appended. */
static void
add_weighing(store_t *s, const struct lists *l, const char *lane, int seq,
    int axles, int64_t gross, const char *plate)
{
	struct rules r;
	struct measurement m;
	struct decision d;
	struct store_appended out;
	struct sbuf b;
	char ruleset[65];

	rules_defaults(&r);
	r.scale_class_x100 = 500;
	rules_id(&r, ruleset);
	meas_init(&m);
	snprintf(m.lane, sizeof(m.lane), "%s", lane);
	snprintf(m.plate, sizeof(m.plate), "%s", plate);
	m.ts_ms = 1795334400000 + seq * 60000;	/* 2026-11-22 */
	m.seq = seq;
	m.kind = VK_TRUCK;
	m.config = VC_COMBINATION;
	m.axles = axles;
	m.gross_kg = gross;
	m.speed_dkmh = 50;
	decide(&m, &r, l, m.ts_ms, 0, &d);
	sbuf_init(&b);
	record_decision_json(&b, &m, &d, ruleset, true);
	ck_assert_int_eq(store_append(s, "weighing", false, b.p, m.ts_ms, lane, seq,
	    &out), STORE_OK);
	sbuf_fini(&b);
}

static void
add_event(store_t *s, const char *kind, const char *body)
{
	struct store_appended out;

	ck_assert_int_eq(store_append(s, kind, false, body, 1795334400000, NULL, 0,
	    &out), STORE_OK);
}

/*
 * a.db: seq 1 startup; 2 51 000 kg (class 5 pass, class 2 turnback);
 * 3 45 000 kg (pass); 4 the watch-listed plate (intercept); 5 50 500 kg
 * (pass -> turnback); 6 a device_fault.  b.db: 52 000 kg (turnback both).
 */
static void
make_dbs(void)
{
	struct lists *l;
	store_t *s;
	char err[256];

	ck_assert_int_eq(lists_parse(WATCH_DOC, strlen(WATCH_DOC), &l, err,
	    sizeof(err)), 0);
	s = store_open(path("a.db"), 0, err, sizeof(err));
	ck_assert_msg(s != NULL, "%s", err);
	ck_assert_int_eq(store_lists_save(s, WATCH_DOC, "platform",
	    1795334400000), 0);
	add_event(s, "startup", "{\"version\":\"test\"}");
	add_weighing(s, l, "L01", 101, 6, 51000, "豫A00001");
	add_weighing(s, l, "L01", 102, 6, 45000, "豫A00002");
	add_weighing(s, l, "L02", 201, 6, 40000, "豫W00001");
	add_weighing(s, l, "L01", 103, 6, 50500, "豫A00003");
	add_event(s, "device_fault", "{\"lane\":\"L01\",\"device\":\"led\"}");
	store_close(s);
	s = store_open(path("b.db"), 0, err, sizeof(err));
	ck_assert_msg(s != NULL, "%s", err);
	add_weighing(s, NULL, "L03", 301, 6, 52000, "豫A00004");
	store_close(s);
	lists_free(l);
}

/* The whole of a small file. */
static char *
slurp(const char *p)
{
	static char buf[65536];
	FILE *f = fopen(p, "r");
	size_t n;

	ck_assert_msg(f != NULL, "no %s", p);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static int
replay(const char *a1, const char *a2, const char *a3, const char *a4,
    const char *a5, const char *a6, const char *a7, const char *a8)
{
	const char *v[] = { "replay", a1, a2, a3, a4, a5, a6, a7, a8, NULL };
	int argc = 1;

	while (v[argc] != NULL)
		argc++;
	return cmd_replay(argc, (char **)v);
}

START_TEST(test_db_diff)
{
	const char *want =
	    "{\"lane\":\"L01\",\"seq\":101,\"old\":{\"decision\":\"pass\","
	    "\"reasons\":[\"within_limit\"]},\"new\":{\"decision\":\"turnback\","
	    "\"reasons\":[\"over_gross\"]}}\n"
	    "{\"lane\":\"L01\",\"seq\":103,\"old\":{\"decision\":\"pass\","
	    "\"reasons\":[\"within_limit\"]},\"new\":{\"decision\":\"turnback\","
	    "\"reasons\":[\"over_gross\"]}}\n";
	const char *rep;

	make_dbs();
	ck_assert_int_eq(replay("--diff", path("d.jsonl"), "--out",
	    path("o.jsonl"), "--report", path("r.json"), path("a.db"), NULL),
	    0);
	ck_assert_str_eq(slurp(path("d.jsonl")), want);
	/* the watch list stored in the database still intercepts */
	ck_assert_ptr_nonnull(strstr(slurp(path("o.jsonl")),
	    "{\"lane\":\"L02\",\"seq\":201,\"decision\":\"intercept\","
	    "\"reasons\":[\"watch\"],"));
	rep = slurp(path("r.json"));
	ck_assert_ptr_nonnull(strstr(rep, "\"records\":4,\"skipped\":0,"
	    "\"bad_lines\":0,"));
	ck_assert_ptr_nonnull(strstr(rep, "\"diff\":{\"recorded\":4,"
	    "\"changed\":2,\"transitions\":[{\"old\":\"pass\",\"new\":"
	    "\"turnback\",\"count\":2}]}"));
}
END_TEST

/* --lists replaces the database's own: the watch-listed truck now passes. */
START_TEST(test_db_given_lists)
{
	FILE *f;

	make_dbs();
	ck_assert_ptr_nonnull(f = fopen(path("empty.json"), "w"));
	fputs(EMPTY_DOC, f);
	fclose(f);
	ck_assert_int_eq(replay("--lists", path("empty.json"), "--diff",
	    path("d.jsonl"), path("a.db"), NULL, NULL, NULL), 0);
	ck_assert_ptr_nonnull(strstr(slurp(path("d.jsonl")),
	    "{\"lane\":\"L02\",\"seq\":201,\"old\":{\"decision\":\"intercept\","
	    "\"reasons\":[\"watch\"]},\"new\":{\"decision\":\"pass\","
	    "\"reasons\":[\"within_limit\"]}}\n"));
}
END_TEST

/* Several databases, in the order given. */
START_TEST(test_db_order)
{
	const char *out;

	make_dbs();
	ck_assert_int_eq(replay("--out", path("o.jsonl"), path("b.db"),
	    path("a.db"), NULL, NULL, NULL, NULL), 0);
	out = slurp(path("o.jsonl"));
	ck_assert(strncmp(out, "{\"lane\":\"L03\",\"seq\":301,", 24) == 0);
	ck_assert_ptr_nonnull(strstr(out, "\n{\"lane\":\"L01\",\"seq\":101,"));
	ck_assert_int_eq(replay("--out", path("o2.jsonl"), path("b.db"),
	    path("a.db"), NULL, NULL, NULL, NULL), 0);
	ck_assert_str_eq(slurp(path("o2.jsonl")), out);
}
END_TEST

/* A weighing whose body is broken: DB:SEQ, counted; fatal with --strict. */
START_TEST(test_db_bad_row)
{
	char err[256], where[600];
	store_t *s;
	FILE *f;

	make_dbs();
	s = store_open(path("a.db"), 0, err, sizeof(err));
	ck_assert_ptr_nonnull(s);
	add_event(s, "weighing", "{\"lane\":\"L01\",\"decision\":\"pass\"");
	store_close(s);
	ck_assert_ptr_nonnull(freopen(path("stderr.txt"), "w", stderr));
	ck_assert_int_eq(replay("--report", path("r.json"), path("a.db"),
	    NULL, NULL, NULL, NULL, NULL), 0);
	ck_assert_int_eq(replay("--strict", path("a.db"), NULL, NULL, NULL,
	    NULL, NULL, NULL), 65);
	fflush(stderr);
	snprintf(where, sizeof(where), "%s:7: event body: not valid JSON",
	    path("a.db"));
	ck_assert_ptr_nonnull(strstr(slurp(path("stderr.txt")), where));
	ck_assert_ptr_nonnull(strstr(slurp(path("r.json")),
	    "\"records\":4,\"skipped\":0,\"bad_lines\":1,"));
	/* a database cannot come through standard input */
	ck_assert_ptr_nonnull(f = freopen(path("a.db"), "r", stdin));
	ck_assert_int_eq(replay("-", NULL, NULL, NULL, NULL, NULL, NULL, NULL),
	    66);
}
END_TEST

/* One weighing line of a camera lane: a 2-axle truck, no plate of its own. */
static void
put_cam_weighing(FILE *f, int seq, int64_t gross, const char *extra)
{
	fprintf(f, "{\"lane\":\"L01\",\"ts\":\"2026-11-22T09:%02d:00Z\","
	    "\"seq\":%d,\"kind\":\"truck\",\"config\":\"rigid\",\"axles\":2,"
	    "\"gross_kg\":%lld,\"speed_kmh\":5,\"plate\":\"\","
	    "\"plate_source\":\"camera\"%s}\n", seq, seq, (long long)gross,
	    extra);
}

/*
 * Plate reads in JSON Lines: paired by receive time as the lane pairs them
 * (docs/lane.md), each used once; a weighing with only its recorded
 * "plates" is decided on them.
 */
START_TEST(test_plate_reads_paired)
{
	FILE *f;
	const char *o;

	ck_assert_ptr_nonnull(f = fopen(path("lists.json"), "w"));
	fputs(WATCH_DOC, f);
	fclose(f);
	ck_assert_ptr_nonnull(f = fopen(path("cam.jsonl"), "w"));
	fputs("{\"plate_read\":{\"lane\":\"L01\",\"camera\":\"c1\",\"plate\":"
	    "\"豫W00001\",\"plate_color\":\"blue\",\"received_mono_ms\":1000}}\n", f);
	put_cam_weighing(f, 1, 12000, ",\"received_mono_ms\":1300");
	/* used by seq 1 already: seq 2 has none; 豫B00002 is 20 s too early */
	fputs("{\"plate_read\":{\"lane\":\"L01\",\"plate\":\"豫B00002\","
	    "\"received_mono_ms\":2000}}\n", f);
	put_cam_weighing(f, 2, 12000, ",\"received_mono_ms\":22000");
	fputs("{\"plate_read\":{\"lane\":\"L01\",\"plate\":\"豫B00003\","
	    "\"received_mono_ms\":40500}}\n", f);
	put_cam_weighing(f, 3, 12000, ",\"received_mono_ms\":40000");
	/* two plates recorded, over the limit: held */
	put_cam_weighing(f, 4, 25000, ",\"plates\":[{\"plate\":\"豫B00004\"},"
	    "{\"plate\":\"豫B00005\"}]");
	fputs("{\"plate_read\":{\"lane\":\"L01\",\"plate\":17,"
	    "\"received_mono_ms\":1}}\n", f);
	fclose(f);
	ck_assert_int_eq(replay("--lists", path("lists.json"), "--out",
	    path("o.jsonl"), "--report", path("r.json"), path("cam.jsonl"),
	    NULL), 0);
	o = slurp(path("o.jsonl"));
	ck_assert_ptr_nonnull(strstr(o, "{\"lane\":\"L01\",\"seq\":1,\"decision\":"
	    "\"intercept\",\"reasons\":[\"watch\"]"));
	ck_assert_ptr_nonnull(strstr(o, "{\"lane\":\"L01\",\"seq\":2,\"decision\":"
	    "\"pass\",\"reasons\":[\"within_limit\",\"plate_missing\"]"));
	ck_assert_ptr_nonnull(strstr(o, "{\"lane\":\"L01\",\"seq\":3,\"decision\":"
	    "\"pass\",\"reasons\":[\"within_limit\"]"));
	ck_assert_ptr_nonnull(strstr(o, "{\"lane\":\"L01\",\"seq\":4,\"decision\":"
	    "\"hold\",\"reasons\":[\"over_gross\",\"plates_differ\"]"));
	ck_assert_ptr_nonnull(strstr(slurp(path("r.json")),
	    "\"records\":4,\"skipped\":3,\"bad_lines\":1,"));
}
END_TEST

static Suite *
replay_suite(void)
{
	Suite *s = suite_create("replay");
	TCase *tc = tcase_create("database");

	tcase_set_timeout(tc, 30);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_db_diff);
	tcase_add_test(tc, test_db_given_lists);
	tcase_add_test(tc, test_db_order);
	tcase_add_test(tc, test_db_bad_row);
	suite_add_tcase(s, tc);
	cu_tcase(s, "plate reads", 30, setup, teardown, test_plate_reads_paired);
	return s;
}

CU_MAIN(replay_suite)
