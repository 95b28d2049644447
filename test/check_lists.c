/* Unit tests of list documents (docs/design.md §7) and their look-ups (docs/design.md §5). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "weighgate/lists.h"
#include "weighgate/sbuf.h"
#include "weighgate/timefmt.h"

#include "check_util.h"

static struct lists *
load(const char *name)
{
	struct lists *l = NULL;
	char err[256];
	size_t len;
	char *doc = cu_fixture("lists", name, &len);

	ck_assert_msg(lists_parse(doc, len, &l, err, sizeof(err)) == 0,
	    "%s: %s", name, err);
	free(doc);
	return l;
}

/* Parse doc, expecting exactly the error want. */
static void
ck_bad(const char *doc, size_t len, const char *want)
{
	struct lists *l = (struct lists *)1;
	char err[256];

	ck_assert_msg(lists_parse(doc, len, &l, err, sizeof(err)) == -1,
	    "accepted: %.200s", doc);
	ck_assert_ptr_null(l);
	ck_assert_str_eq(err, want);
}

static void
ck_bad_str(const char *doc, const char *want)
{
	ck_bad(doc, strlen(doc), want);
}

START_TEST(valid_fixture)
{
	struct lists *l = load("valid.json");

	ck_assert_str_eq(lists_version(l), "2026-11-22T03:00:00Z#17");
	ck_assert_uint_eq(lists_count_watch(l), 4);
	ck_assert_uint_eq(lists_count_exempt(l), 2);
	ck_assert_uint_eq(lists_count_permits(l), 3);
	lists_free(l);
}
END_TEST

START_TEST(minimal_and_missing_arrays)
{
	struct lists *l = load("minimal.json");

	ck_assert_str_eq(lists_version(l), "v-minimal");
	ck_assert_uint_eq(lists_count_watch(l), 0);
	ck_assert_uint_eq(lists_count_exempt(l), 0);
	ck_assert_uint_eq(lists_count_permits(l), 0);
	ck_assert(!lists_watch_hit(l, "豫A12345", PC_UNKNOWN, 0));
	ck_assert(!lists_exempt_hit(l, "豫A12345", PC_UNKNOWN, 0));
	ck_assert_uint_eq(lists_permits(l, "豫A12345", PC_UNKNOWN, 0, NULL, 0), 0);
	lists_free(l);
	/* No lists at all: nothing matches. */
	ck_assert(!lists_watch_hit(NULL, "豫A12345", PC_UNKNOWN, 0));
	ck_assert(!lists_exempt_hit(NULL, "豫A12345", PC_UNKNOWN, 0));
	ck_assert_uint_eq(lists_permits(NULL, "豫A12345", PC_UNKNOWN, 0, NULL, 0), 0);
	ck_assert_str_eq(lists_version(NULL), "");
}
END_TEST

/* Watch: until inclusive; a colour entry matches that colour and unknown. */
START_TEST(watch_lookup)
{
	struct lists *l = load("valid.json");
	int64_t now = cu_ms("2026-11-15T00:00:00Z");
	int64_t until = cu_ms("2026-12-01T00:00:00+08:00");

	/* 豫A12345: entry 1 any colour until, entry 2 yellow, no until. */
	ck_assert(lists_watch_hit(l, "豫Ａ１２３４５", PC_BLUE, now));
	ck_assert(lists_watch_hit(l, "豫A12345", PC_BLUE, until));
	ck_assert(!lists_watch_hit(l, "豫A12345", PC_BLUE, until + 1));
	ck_assert(lists_watch_hit(l, "豫A12345", PC_YELLOW, until + 1));
	ck_assert(lists_watch_hit(l, "豫A12345", PC_UNKNOWN, until + 1));
	/* 京B67890: blue only; unknown colour is a hit on the watch list. */
	ck_assert(lists_watch_hit(l, "京B67890", PC_BLUE, now));
	ck_assert(lists_watch_hit(l, "京b 6789-0", PC_UNKNOWN, now));
	ck_assert(!lists_watch_hit(l, "京B67890", PC_YELLOW, now));
	/* "color": "unknown" is no colour. */
	ck_assert(lists_watch_hit(l, "沪C00001", PC_GREEN, now));
	ck_assert(!lists_watch_hit(l, "沪C00002", PC_GREEN, now));
	/* Empty plates never match, nor garbage. */
	ck_assert(!lists_watch_hit(l, "", PC_UNKNOWN, now));
	ck_assert(!lists_watch_hit(l, " ·-", PC_UNKNOWN, now));
	ck_assert(!lists_watch_hit(l, "\xff", PC_UNKNOWN, now));
	ck_assert(!lists_watch_hit(l, NULL, PC_UNKNOWN, now));
	lists_free(l);
}
END_TEST

/* Exempt: a colour entry matches only that colour; until inclusive. */
START_TEST(exempt_lookup)
{
	struct lists *l = load("valid.json");
	int64_t until = cu_ms("2026-12-01T00:00:00.500Z");

	ck_assert(lists_exempt_hit(l, "豫A 12345", PC_GREEN, 0));
	ck_assert(!lists_exempt_hit(l, "豫A12345", PC_UNKNOWN, 0));
	ck_assert(!lists_exempt_hit(l, "豫A12345", PC_YELLOW, 0));
	ck_assert(lists_exempt_hit(l, "豫E00001", PC_UNKNOWN, until));
	ck_assert(lists_exempt_hit(l, "豫e-00001", PC_BLUE, until - 1));
	ck_assert(!lists_exempt_hit(l, "豫E00001", PC_UNKNOWN, until + 1));
	ck_assert(!lists_exempt_hit(l, "", PC_UNKNOWN, 0));
	lists_free(l);
}
END_TEST

/* Permits: colour as exempt, valid_from <= now <= valid_until, doc order. */
START_TEST(permit_lookup)
{
	struct lists *l = load("valid.json");
	const struct permit *p[4];
	int64_t mid = cu_ms("2026-11-15T00:00:00Z");
	size_t n;

	n = lists_permits(l, "豫A12345", PC_YELLOW, mid, p, 4);
	ck_assert_uint_eq(n, 3);
	ck_assert_str_eq(p[0]->id, "first");
	ck_assert_str_eq(p[1]->id, "second");
	ck_assert_str_eq(p[2]->id, "third");
	ck_assert_int_eq(p[0]->axles, 6);
	ck_assert_int_eq(p[0]->max_gross_kg, 60000);
	ck_assert_int_eq(p[1]->max_gross_kg, 100000);
	ck_assert_int_eq(p[2]->max_gross_kg, 1000);
	ck_assert_int_eq(p[1]->color, PC_YELLOW);
	ck_assert_int_eq(p[0]->color, PC_UNKNOWN);
	/* "second" is yellow only: not for blue, not for unknown. */
	n = lists_permits(l, "豫A12345", PC_UNKNOWN, mid, p, 4);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(p[1]->id, "third");
	/* Exact window bounds. */
	n = lists_permits(l, "豫A12345", PC_YELLOW, mid - 1, p, 4);
	ck_assert_uint_eq(n, 2);
	n = lists_permits(l, "豫A12345", PC_YELLOW, mid + 1, p, 4);
	ck_assert_uint_eq(n, 2);
	n = lists_permits(l, "豫A12345", PC_UNKNOWN,
	    cu_ms("2026-11-01T00:00:00Z"), p, 4);
	ck_assert_uint_eq(n, 2);
	n = lists_permits(l, "豫A12345", PC_UNKNOWN,
	    cu_ms("2026-11-01T00:00:00Z") - 1, p, 4);
	ck_assert_uint_eq(n, 1);
	n = lists_permits(l, "豫A12345", PC_UNKNOWN,
	    cu_ms("2026-11-30T23:59:59Z"), p, 4);
	ck_assert_uint_eq(n, 2);
	n = lists_permits(l, "豫A12345", PC_UNKNOWN,
	    cu_ms("2026-11-30T23:59:59Z") + 1, p, 4);
	ck_assert_uint_eq(n, 1);
	/* max truncates what is filled, not the count; skip passes over. */
	p[1] = NULL;
	n = lists_permits(l, "豫A12345", PC_YELLOW, mid, p, 1);
	ck_assert_uint_eq(n, 3);
	ck_assert_ptr_null(p[1]);
	n = lists_permits_from(l, "豫A12345", PC_YELLOW, mid, 2, p, 4);
	ck_assert_uint_eq(n, 3);
	ck_assert_str_eq(p[0]->id, "third");
	ck_assert_uint_eq(lists_permits(l, "", PC_YELLOW, mid, p, 4), 0);
	lists_free(l);
}
END_TEST

START_TEST(fixture_errors)
{
	static const struct {
		const char *file, *err;
	} t[] = {
		{ "bad-dup-key.json", "document: duplicate key \"watch\"" },
		{ "bad-permit-axles.json",
		    "permits[3].axles: must be an integer 2-12" },
		{ "bad-trailing.json", "document: trailing data at byte 24" },
	};
	size_t i, len;
	char *doc;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		doc = cu_fixture("lists", t[i].file, &len);
		ck_bad(doc, len, t[i].err);
		free(doc);
	}
}
END_TEST

#define V "\"version\":\"v\""
#define TM "\"2026-01-01T00:00:00Z\""
#define PERMIT(fields) "{" V ",\"permits\":[{" fields "}]}"
#define OKP "\"id\":\"p\",\"plate\":\"豫A1\",\"axles\":6,\"max_gross_kg\":60000," \
	"\"valid_from\":" TM ",\"valid_until\":" TM

/* Every validation error names its path. */
START_TEST(error_messages)
{
	static const struct {
		const char *doc, *err;
	} t[] = {
		{ "", "document: empty" },
		{ "{\"version\":", "document: invalid JSON at byte 10" },
		{ "{\"version\":\"v\",}", "document: invalid JSON at byte 15" },
		{ "[]", "document: must be a JSON object" },
		{ "\"x\"", "document: must be a JSON object" },
		{ "{}", "version: must be a non-empty string of at most 128 bytes" },
		{ "{\"version\":\"\"}",
		    "version: must be a non-empty string of at most 128 bytes" },
		{ "{\"version\":17}",
		    "version: must be a non-empty string of at most 128 bytes" },
		{ "{\"version\":\"a\",\"version\":\"b\"}",
		    "document: duplicate key \"version\"" },
		{ "{" V ",\"watch\":{}}", "watch: must be an array" },
		{ "{" V ",\"exempt\":null}", "exempt: must be an array" },
		{ "{" V ",\"permits\":\"none\"}", "permits: must be an array" },
		{ "{" V ",\"watch\":[1]}", "watch[0]: must be an object" },
		{ "{" V ",\"watch\":[{\"plate\":\"A1\",\"reason\":\"r\"},"
		    "{\"reason\":\"r\"}]}", "watch[1].plate: must be a string" },
		{ "{" V ",\"watch\":[{\"plate\":7,\"reason\":\"r\"}]}",
		    "watch[0].plate: must be a string" },
		{ "{" V ",\"watch\":[{\"plate\":\" · \",\"reason\":\"r\"}]}",
		    "watch[0].plate: empty once normalised" },
		{ "{" V ",\"watch\":[{\"plate\":\"123456789012345678901234567890123\","
		    "\"reason\":\"r\"}]}",
		    "watch[0].plate: must be UTF-8 of at most 32 bytes once normalised" },
		{ "{" V ",\"watch\":[{\"plate\":\"A\xff\",\"reason\":\"r\"}]}",
		    "watch[0].plate: must be UTF-8 of at most 32 bytes once normalised" },
		{ "{" V ",\"watch\":[{\"plate\":\"A1\"}]}",
		    "watch[0].reason: must be a string" },
		{ "{" V ",\"watch\":[{\"plate\":\"A1\",\"reason\":null}]}",
		    "watch[0].reason: must be a string" },
		{ "{" V ",\"exempt\":[{\"plate\":\"A1\",\"reason\":5}]}",
		    "exempt[0].reason: must be a string" },
		{ "{" V ",\"exempt\":[{\"plate\":\"A1\",\"color\":\"red\"}]}",
		    "exempt[0].color: must be one of blue, yellow, black, white, "
		    "green, yellow-green" },
		{ "{" V ",\"exempt\":[{\"plate\":\"A1\",\"color\":2}]}",
		    "exempt[0].color: must be one of blue, yellow, black, white, "
		    "green, yellow-green" },
		{ "{" V ",\"exempt\":[{\"plate\":\"A1\",\"until\":\"tomorrow\"}]}",
		    "exempt[0].until: must be an RFC 3339 time" },
		{ "{" V ",\"exempt\":[{\"plate\":\"A1\",\"until\":\"2026-02-30T00:00:00Z\"}]}",
		    "exempt[0].until: must be an RFC 3339 time" },
		{ "{" V ",\"exempt\":[{\"plate\":\"A1\",\"until\":1700000000}]}",
		    "exempt[0].until: must be an RFC 3339 time" },
		{ "{" V ",\"exempt\":[{\"plate\":\"A1\",\"plate\":\"A2\"}]}",
		    "exempt[0]: duplicate key \"plate\"" },
		{ PERMIT(OKP), NULL },
		{ PERMIT(OKP ",\"axles\":7"), "permits[0]: duplicate key \"axles\"" },
		{ PERMIT("\"plate\":\"A1\""),
		    "permits[0].id: must be a non-empty string of at most 63 bytes" },
		{ PERMIT("\"id\":\"\""),
		    "permits[0].id: must be a non-empty string of at most 63 bytes" },
		{ PERMIT("\"id\":12"),
		    "permits[0].id: must be a non-empty string of at most 63 bytes" },
		{ PERMIT("\"id\":\"1234567890123456789012345678901234567890123456789012345678901234\""),
		    "permits[0].id: must be a non-empty string of at most 63 bytes" },
		{ PERMIT("\"id\":\"p\""), "permits[0].plate: must be a string" },
		{ PERMIT("\"id\":\"p\",\"plate\":\"A\",\"color\":\"pink\""),
		    "permits[0].color: must be one of blue, yellow, black, white, "
		    "green, yellow-green" },
		{ PERMIT("\"id\":\"p\",\"plate\":\"A\""),
		    "permits[0].axles: must be an integer 2-12" },
		{ PERMIT("\"id\":\"p\",\"plate\":\"A\",\"axles\":1"),
		    "permits[0].axles: must be an integer 2-12" },
		{ PERMIT("\"id\":\"p\",\"plate\":\"A\",\"axles\":13"),
		    "permits[0].axles: must be an integer 2-12" },
		{ PERMIT("\"id\":\"p\",\"plate\":\"A\",\"axles\":\"6\""),
		    "permits[0].axles: must be an integer 2-12" },
		{ PERMIT("\"id\":\"p\",\"plate\":\"A\",\"axles\":true"),
		    "permits[0].axles: must be an integer 2-12" },
		{ PERMIT("\"id\":\"p\",\"plate\":\"A\",\"axles\":6}"),
		    "document: invalid JSON at byte 58" },
		{ PERMIT("\"id\":\"p\",\"plate\":\"A\",\"axles\":6"),
		    "permits[0].max_gross_kg: must be an integer 1000-300000" },
		{ PERMIT("\"id\":\"p\",\"plate\":\"A\",\"axles\":6,\"max_gross_kg\":999"),
		    "permits[0].max_gross_kg: must be an integer 1000-300000" },
		{ PERMIT("\"id\":\"p\",\"plate\":\"A\",\"axles\":6,\"max_gross_kg\":300001"),
		    "permits[0].max_gross_kg: must be an integer 1000-300000" },
		{ PERMIT("\"id\":\"p\",\"plate\":\"A\",\"axles\":6,\"max_gross_kg\":50000.5"),
		    "permits[0].max_gross_kg: must be an integer 1000-300000" },
		{ PERMIT("\"id\":\"p\",\"plate\":\"A\",\"axles\":6,\"max_gross_kg\":1e300"),
		    "permits[0].max_gross_kg: must be an integer 1000-300000" },
		{ PERMIT("\"id\":\"p\",\"plate\":\"A\",\"axles\":6,\"max_gross_kg\":-5e4"),
		    "permits[0].max_gross_kg: must be an integer 1000-300000" },
		{ PERMIT("\"id\":\"p\",\"plate\":\"A\",\"axles\":6,\"max_gross_kg\":50000"),
		    "permits[0].valid_from: must be an RFC 3339 time" },
		{ PERMIT("\"id\":\"p\",\"plate\":\"A\",\"axles\":6,\"max_gross_kg\":50000,"
		    "\"valid_from\":\"2026-01-01\",\"valid_until\":" TM),
		    "permits[0].valid_from: must be an RFC 3339 time" },
		{ PERMIT("\"id\":\"p\",\"plate\":\"A\",\"axles\":6,\"max_gross_kg\":50000,"
		    "\"valid_from\":" TM),
		    "permits[0].valid_until: must be an RFC 3339 time" },
		{ PERMIT("\"id\":\"p\",\"plate\":\"A\",\"axles\":6,\"max_gross_kg\":50000,"
		    "\"valid_from\":" TM ",\"valid_until\":\"2025-12-31T23:59:59.999Z\""),
		    "permits[0].valid_until: before valid_from" },
		/* An offset moves the instant: 08:00+08:00 is 00:00Z, equal. */
		{ PERMIT("\"id\":\"p\",\"plate\":\"A\",\"axles\":6,\"max_gross_kg\":50000,"
		    "\"valid_from\":" TM ",\"valid_until\":\"2026-01-01T08:00:00+08:00\""),
		    NULL },
		{ PERMIT("\"id\":\"p\",\"plate\":\"A\",\"axles\":6,\"max_gross_kg\":50000,"
		    "\"valid_from\":" TM ",\"valid_until\":\"2026-01-01T07:59:59+08:00\""),
		    "permits[0].valid_until: before valid_from" },
	};
	struct lists *l;
	char err[256];
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		if (t[i].err != NULL) {
			ck_bad_str(t[i].doc, t[i].err);
			continue;
		}
		ck_assert_msg(lists_parse(t[i].doc, strlen(t[i].doc), &l, err,
		    sizeof(err)) == 0, "t[%zu]: %s", i, err);
		lists_free(l);
	}
}
END_TEST

START_TEST(version_length)
{
	char doc[300], v[130];
	struct lists *l;
	char err[256];

	memset(v, 'v', 128);
	v[128] = '\0';
	snprintf(doc, sizeof(doc), "{\"version\":\"%s\"}", v);
	ck_assert_int_eq(lists_parse(doc, strlen(doc), &l, err, sizeof(err)), 0);
	ck_assert_str_eq(lists_version(l), v);
	lists_free(l);
	v[128] = 'v';
	v[129] = '\0';
	snprintf(doc, sizeof(doc), "{\"version\":\"%s\"}", v);
	ck_bad_str(doc, "version: must be a non-empty string of at most 128 bytes");
}
END_TEST

/* A document is only what len says: a NUL or text after it is not read. */
START_TEST(length_bounds)
{
	static const char doc[] = "{\"version\":\"v\"}garbage";
	static const char ws[] = "  {\"version\":\"v\"} \r\n\t";
	struct lists *l;
	char err[256];

	ck_assert_int_eq(lists_parse(doc, 15, &l, err, sizeof(err)), 0);
	lists_free(l);
	ck_bad(doc, 16, "document: trailing data at byte 15");
	ck_bad("{\"version\":\"v\"}\0", 16, "document: trailing data at byte 15");
	/* White space around the value is fine. */
	ck_assert_int_eq(lists_parse(ws, strlen(ws), &l, err, sizeof(err)), 0);
	lists_free(l);
}
END_TEST

START_TEST(too_large)
{
	size_t n = LISTS_MAX_DOC_BYTES + 1;
	char *big = malloc(n), want[128];

	ck_assert_ptr_nonnull(big);
	memset(big, ' ', n);
	memcpy(big, "{\"version\":\"v\"}", 15);
	snprintf(want, sizeof(want), "document: %zu bytes, more than %u", n,
	    LISTS_MAX_DOC_BYTES);
	ck_bad(big, n, want);
	free(big);
}
END_TEST

START_TEST(too_many_entries)
{
	struct sbuf b;
	char want[128];
	int i;

	sbuf_init(&b);
	sbuf_puts(&b, "{\"version\":\"v\",\"watch\":[0");
	for (i = 1; i < 400000; i++)
		sbuf_puts(&b, ",0");
	sbuf_puts(&b, "],\"exempt\":[0");
	for (i = 1; i < 300000; i++)
		sbuf_puts(&b, ",0");
	sbuf_puts(&b, "],\"permits\":[0");
	for (i = 1; i < 300001; i++)
		sbuf_puts(&b, ",0");
	sbuf_puts(&b, "]}");
	snprintf(want, sizeof(want), "document: %d entries, more than %d",
	    LISTS_MAX_ENTRIES + 1, LISTS_MAX_ENTRIES);
	ck_bad(b.p, b.len, want);
	sbuf_fini(&b);
}
END_TEST

/*
 * 100 000 entries: 40 000 watch, 30 000 exempt, 30 000 permits.  Parsing
 * must succeed and 100 000 look-ups (hits and misses) stay well under a
 * second, which a linear scan (4e9 comparisons) could not.
 */
START_TEST(large_document)
{
	struct sbuf b;
	struct lists *l;
	const struct permit *p[2];
	char err[256], plate[32];
	int64_t t0, t1, june = cu_ms("2026-06-01T00:00:00Z");
	int i, hits = 0;

	sbuf_init(&b);
	sbuf_puts(&b, "{\"version\":\"big\",\"watch\":[");
	for (i = 0; i < 40000; i++)
		sbuf_printf(&b, "%s{\"plate\":\"豫W%06d\",\"reason\":\"r\"}",
		    i ? "," : "", i);
	sbuf_puts(&b, "],\"exempt\":[");
	for (i = 0; i < 30000; i++)
		sbuf_printf(&b, "%s{\"plate\":\"豫E%06d\",\"color\":\"blue\"}",
		    i ? "," : "", i);
	sbuf_puts(&b, "],\"permits\":[");
	for (i = 0; i < 30000; i++)
		sbuf_printf(&b, "%s{\"id\":\"P%d\",\"plate\":\"豫P%06d\","
		    "\"axles\":6,\"max_gross_kg\":60000,\"valid_from\":" TM
		    ",\"valid_until\":\"2027-01-01T00:00:00Z\"}", i ? "," : "",
		    i, i);
	sbuf_puts(&b, "]}");
	ck_assert_msg(lists_parse(b.p, b.len, &l, err, sizeof(err)) == 0,
	    "%s", err);
	sbuf_fini(&b);
	ck_assert_uint_eq(lists_count_watch(l), 40000);
	ck_assert_uint_eq(lists_count_exempt(l), 30000);
	ck_assert_uint_eq(lists_count_permits(l), 30000);
	t0 = ts_mono_ms();
	for (i = 0; i < 100000; i++) {
		snprintf(plate, sizeof(plate), "豫W%06d", i % 80000);
		hits += lists_watch_hit(l, plate, PC_UNKNOWN, 0);
		snprintf(plate, sizeof(plate), "豫e-%06d", i % 60000);
		hits += lists_exempt_hit(l, plate, PC_BLUE, 0);
		snprintf(plate, sizeof(plate), "豫P%06d", i % 60000);
		hits += lists_permits(l, plate, PC_UNKNOWN, june, p, 2) == 1;
	}
	t1 = ts_mono_ms();
	/* watch: 40 000 + 20 000 hits; exempt and permits 30 000 + 30 000. */
	ck_assert_int_eq(hits, 180000);
	ck_assert_msg(t1 - t0 < 1000, "300 000 look-ups took %lld ms",
	    (long long)(t1 - t0));
	lists_free(l);
}
END_TEST

/* Many entries of one plate: all found, permits in document order. */
START_TEST(same_plate_many)
{
	struct sbuf b;
	struct lists *l;
	const struct permit *p[600];
	char err[256], id[16];
	size_t n;
	int i;

	sbuf_init(&b);
	sbuf_puts(&b, "{\"version\":\"same\",\"permits\":[");
	for (i = 0; i < 500; i++)
		sbuf_printf(&b, "%s{\"id\":\"P%d\",\"plate\":\"%s\","
		    "\"axles\":6,\"max_gross_kg\":60000,\"valid_from\":" TM
		    ",\"valid_until\":" TM "}", i ? "," : "", i,
		    i % 2 ? "豫A12345" : "豫a-12345");
	sbuf_puts(&b, "]}");
	ck_assert_msg(lists_parse(b.p, b.len, &l, err, sizeof(err)) == 0,
	    "%s", err);
	sbuf_fini(&b);
	n = lists_permits(l, "豫A·12345", PC_BLUE, cu_ms("2026-01-01T00:00:00Z"),
	    p, 600);
	ck_assert_uint_eq(n, 500);
	for (i = 0; i < 500; i++) {
		snprintf(id, sizeof(id), "P%d", i);
		ck_assert_str_eq(p[i]->id, id);
	}
	lists_free(l);
}
END_TEST

CU_SUITE("lists")
{
	cu_tcase(s, "parse", 30, NULL, NULL, valid_fixture,
	    minimal_and_missing_arrays, fixture_errors, error_messages,
	    version_length, length_bounds);
	cu_tcase(s, "lookup", 30, NULL, NULL, watch_lookup, exempt_lookup,
	    permit_lookup, same_plate_many);
	cu_tcase(s, "large", 120, NULL, NULL, too_large, too_many_entries,
	    large_document);
}
