/*
 * Unit tests of the camera push parsers (docs/camera.md): every fixture of
 * test/fixtures/camera parses to the read written out here by hand, every
 * bad_* fixture is refused with a message naming what and where.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "weighgate/camera.h"

#include "check_util.h"

#define MP	"multipart/form-data; boundary=boundary"
#define XML	"application/xml"
#define JSON	"application/json"

/* Parse a fixture with the default limits (or lim); the status returned. */
static enum camera_status
parse(const char *name, const char *ctype, const struct camera_limits *lim,
    struct camera_read *r, char *err, size_t errsz)
{
	struct camera_limits def;
	enum camera_status st;
	size_t len;
	char *buf = cu_fixture("camera", name, &len);

	camera_limits_default(&def);
	err[0] = '\0';
	st = camera_parse(ctype, buf, len, lim != NULL ? lim : &def, r, err,
	    errsz);
	free(buf);
	return st;
}

static void
read_ok(const char *name, const char *ctype, struct camera_read *r)
{
	char err[256];
	enum camera_status st = parse(name, ctype, NULL, r, err, sizeof(err));

	ck_assert_msg(st == CAMERA_PLATE, "%s: status %d: %s", name, st, err);
}

START_TEST(isapi_xml_utf8)
{
	struct camera_read r;

	read_ok("isapi_anpr.xml", XML, &r);
	ck_assert_int_eq(r.format, CAMERA_ISAPI_XML);
	ck_assert_str_eq(r.event_type, "ANPR");
	ck_assert_str_eq(r.camera, "L01-CAM");
	ck_assert_str_eq(r.channel, "1");
	ck_assert_str_eq(r.ip, "192.168.10.64");
	ck_assert_str_eq(r.mac, "44:a6:42:f3:2a:d7");
	ck_assert_str_eq(r.time_text, "2026-11-30T09:41:07.215+08:00");
	ck_assert(r.time_ok);
	ck_assert_int_eq(r.time_ms, 1796002867215LL);	/* 01:41:07.215Z */
	ck_assert(r.has_plate);
	ck_assert_str_eq(r.plate, "京A12345");
	ck_assert_int_eq(r.color, CAMERA_COLOR_BLUE);
	ck_assert_int_eq(r.confidence, 98);
	ck_assert_uint_eq(r.njpeg, 0);
}
END_TEST

/* The declaration says GB18030; the plate is normalised (· dropped). */
START_TEST(isapi_xml_gb18030)
{
	struct camera_read r;

	read_ok("isapi_anpr_gb18030.xml", "text/xml", &r);
	ck_assert_str_eq(r.plate, "豫A12345");
	ck_assert_int_eq(r.color, CAMERA_COLOR_YELLOW);
	ck_assert_int_eq(r.confidence, 91);
	ck_assert_str_eq(r.camera, "L01-CAM");
	/* no Content-Type at all: sniffed as XML, the declaration still rules */
	read_ok("isapi_anpr_gb18030.xml", NULL, &r);
	ck_assert_str_eq(r.plate, "豫A12345");
}
END_TEST

START_TEST(isapi_xml_no_plate)
{
	struct camera_read r;

	read_ok("isapi_anpr_noplate.xml", XML, &r);
	ck_assert(!r.has_plate);
	ck_assert_str_eq(r.plate, "");
	ck_assert_int_eq(r.color, CAMERA_COLOR_UNKNOWN);
	ck_assert_int_eq(r.confidence, 0);
	ck_assert_str_eq(r.camera, "L01-CAM");
}
END_TEST

START_TEST(isapi_xml_new_energy)
{
	struct camera_read r;

	read_ok("isapi_anpr_newenergy.xml", XML, &r);
	ck_assert_str_eq(r.plate, "粤BD12345");
	ck_assert_int_eq(r.color, CAMERA_COLOR_YELLOW_GREEN);
	ck_assert_str_eq(camera_color_name(r.color), "yellowGreen");
}
END_TEST

/* A heartbeat is a valid push, not a plate read; it still names the camera. */
START_TEST(isapi_heartbeat)
{
	struct camera_read r;
	char err[256];

	ck_assert_int_eq(parse("isapi_heartbeat.xml", XML, NULL, &r, err,
	    sizeof(err)), CAMERA_OTHER);
	ck_assert_str_eq(r.event_type, "videoloss");
	ck_assert_str_eq(r.ip, "192.168.10.64");
	ck_assert_str_eq(r.channel, "1");
	ck_assert(!r.has_plate);
	ck_assert(r.time_ok);
	ck_assert_int_eq(r.time_ms, 1796002800000LL);
}
END_TEST

START_TEST(isapi_json)
{
	struct camera_read r;

	read_ok("isapi_anpr.json", JSON, &r);
	ck_assert_int_eq(r.format, CAMERA_ISAPI_JSON);
	ck_assert_str_eq(r.plate, "粤B12345");
	ck_assert_str_eq(r.channel, "1");		/* a number in the push */
	ck_assert_str_eq(r.ip, "192.168.74.79");
	ck_assert_str_eq(r.mac, "aa:bb:cc:00:11:22");
	ck_assert_str_eq(r.camera, "");
	ck_assert_int_eq(r.confidence, 96);		/* a string in the push */
	ck_assert_int_eq(r.color, CAMERA_COLOR_BLUE);
	ck_assert_int_eq(r.time_ms, 1796004000000LL);
}
END_TEST

START_TEST(multipart_xml_and_pictures)
{
	struct camera_read r;
	size_t len;
	char *buf = cu_fixture("camera", "isapi_multipart.http", &len);
	struct camera_limits lim;
	char err[256];
	unsigned i;

	camera_limits_default(&lim);
	ck_assert_int_eq(camera_parse(MP, buf, len, &lim, &r, err,
	    sizeof(err)), CAMERA_PLATE);
	ck_assert_str_eq(r.plate, "京A12345");
	ck_assert_str_eq(r.camera, "L01-CAM");
	ck_assert_uint_eq(r.njpeg, 2);
	ck_assert_str_eq(r.jpeg[0].name, "licensePlatePicture.jpg");
	ck_assert_uint_eq(r.jpeg[0].len, 290);
	ck_assert_str_eq(r.jpeg[1].name, "detectionPicture.jpg");
	ck_assert_uint_eq(r.jpeg[1].len, 201);
	for (i = 0; i < r.njpeg; i++) {
		ck_assert(r.jpeg[i].off + r.jpeg[i].len <= len);
		ck_assert_int_eq((unsigned char)buf[r.jpeg[i].off], 0xff);
		ck_assert_int_eq((unsigned char)buf[r.jpeg[i].off + 1], 0xd8);
		ck_assert_int_eq((unsigned char)buf[r.jpeg[i].off +
		    r.jpeg[i].len - 1], 0xd9);
	}
	free(buf);
}
END_TEST

START_TEST(multipart_json_alarm)
{
	struct camera_read r;

	read_ok("isapi_multipart_json.http",
	    "multipart/form-data; boundary=\"MIME_boundary_0123\"", &r);
	ck_assert_int_eq(r.format, CAMERA_ISAPI_JSON);
	ck_assert_str_eq(r.plate, "粤B12345");
	ck_assert_uint_eq(r.njpeg, 1);
	ck_assert_str_eq(r.jpeg[0].name, "detectionPicture.jpg");
	ck_assert_uint_eq(r.jpeg[0].len, 201);
}
END_TEST

/* The part says charset=GBK, its declaration UTF-8: the charset wins. */
START_TEST(multipart_gbk_charset)
{
	struct camera_read r;

	read_ok("isapi_multipart_gbk.http", MP, &r);
	ck_assert_str_eq(r.plate, "冀F98765");
	ck_assert_int_eq(r.color, CAMERA_COLOR_YELLOW);
	ck_assert_uint_eq(r.njpeg, 1);
	ck_assert_uint_eq(r.jpeg[0].len, 0);		/* an empty picture */
}
END_TEST

START_TEST(generic_push)
{
	struct camera_read r;

	read_ok("generic.json", JSON, &r);
	ck_assert_int_eq(r.format, CAMERA_GENERIC_JSON);
	ck_assert_str_eq(r.camera, "L02-CAM");
	ck_assert_str_eq(r.plate, "苏EA1234");
	ck_assert_int_eq(r.color, CAMERA_COLOR_YELLOW);
	ck_assert_int_eq(r.confidence, 88);
	ck_assert_int_eq(r.time_ms, 1796002867215LL);
	read_ok("generic_minimal.json", "application/json; charset=utf-8", &r);
	ck_assert_str_eq(r.camera, "lane-3");
	ck_assert_str_eq(r.plate, "浙A12345");
	ck_assert_int_eq(r.confidence, -1);
	ck_assert_int_eq(r.color, CAMERA_COLOR_UNKNOWN);
	ck_assert(r.time_ok);
	ck_assert_int_eq(r.time_ms, 1796002867215LL);
	read_ok("generic_noplate.json", JSON, &r);
	ck_assert(!r.has_plate);
}
END_TEST

/* 无车牌 and the other no-plate spellings, in both encodings. */
START_TEST(no_plate_spellings)
{
	static const char *const gen[] = {
		"{\"camera\":\"c\",\"plate\":\"无车牌\"}",
		"{\"camera\":\"c\",\"plate\":\" 无 车 牌 \"}",
		"{\"camera\":\"c\",\"plate\":\"unknown\"}",
		"{\"camera\":\"c\",\"plate\":\"\"}",
	};
	/* 无车牌 in GB18030 */
	static const char gb[] = "{\"camera\":\"c\",\"plate\":\"\xce\xde\xb3\xb5\xc5\xc6\"}";
	struct camera_limits lim;
	struct camera_read r;
	char err[256];
	size_t i;

	camera_limits_default(&lim);
	for (i = 0; i < sizeof(gen) / sizeof(gen[0]); i++) {
		ck_assert_int_eq(camera_parse(JSON, gen[i], strlen(gen[i]), &lim,
		    &r, err, sizeof(err)), CAMERA_PLATE);
		ck_assert_msg(!r.has_plate, "%s gave a plate", gen[i]);
	}
	ck_assert_int_eq(camera_parse("application/json; charset=GB18030", gb,
	    strlen(gb), &lim, &r, err, sizeof(err)), CAMERA_PLATE);
	ck_assert(!r.has_plate);
	/* the same bytes read as UTF-8 are refused, not taken as a plate */
	ck_assert_int_eq(camera_parse(JSON, gb, strlen(gb), &lim, &r, err,
	    sizeof(err)), CAMERA_BAD);
	ck_assert_msg(strstr(err, "not valid UTF-8 at byte 23") != NULL, "%s", err);
}
END_TEST

struct bad {
	const char *file, *ctype, *want;
};

static const struct bad bads[] = {
	{ "bad_mp_no_headers.http", MP, "part 1 at byte 12: no headers" },
	{ "bad_mp_too_many_parts.http", MP, "part 9 at byte" },
	{ "bad_mp_no_alarm.http", MP, "no alarm part (XML or JSON) among 2 parts" },
	{ "bad_mp_unterminated.http", MP, "part 1 (anpr.xml) at byte 12: no closing boundary" },
	{ "bad_mp_two_alarms.http", MP, "part 2 (anpr2.xml) at byte" },
	{ "bad_mp_no_delimiter.http", MP, "no \"--boundary\" boundary line" },
	{ "bad_mp_bad_alarm.http", MP, "part 1 (anpr.xml), content at byte 130: line 20 column 17" },
	{ "isapi_multipart.http", "multipart/form-data", "without a boundary" },
	{ "isapi_multipart.http", "multipart/form-data; boundary=", "without a boundary" },
	{ "bad_xml_utf8_is_gbk.xml", XML, "not valid UTF-8 at byte" },
	{ "bad_xml_gb18030_invalid.xml", XML, "not valid GB18030 at byte" },
	{ "bad_xml_entity.xml", XML, "line 2: DOCTYPE not accepted" },
	{ "bad_xml_external.xml", XML, "line 2: DOCTYPE not accepted" },
	{ "bad_xml_deep.xml", XML, "line 2: elements nested deeper than 16" },
	{ "bad_xml_no_eventtype.xml", XML, "without <eventType>" },
	{ "bad_xml_no_plate.xml", XML, "without <ANPR/licensePlate>" },
	{ "bad_xml_dup_plate.xml", XML, "line 21: <licensePlate> given twice" },
	{ "bad_xml_malformed.xml", XML, "line 25 column 18 (byte 928): mismatched tag" },
	{ "bad_xml_wrong_root.xml", XML, "line 3: root element <ResponseStatus>" },
	{ "bad_xml_namespace.xml", XML, "namespace \"urn:example:other\" is not ISAPI's" },
	{ "bad_xml_confidence.xml", XML, "<ANPR/confidenceLevel> (line 23): \"high\" is not an integer" },
	{ "bad_xml_long_plate.xml", XML, "<ANPR/licensePlate> (line 20): not a plate" },
	{ "bad_xml_nested_plate.xml", XML, "line 20: element inside <licensePlate>" },
	{ "bad_xml_utf16.xml", XML, "charset \"UTF-16\" not accepted" },
	{ "bad_json_plate_number.json", JSON, "ANPR.licensePlate: not a string or an integer" },
	{ "bad_json_trailing.json", JSON, "data after the JSON object at byte" },
	{ "bad_json_deep.json", JSON, "JSON nested deeper than 16" },
	{ "bad_json_dup_key.json", JSON, "ANPR.licensePlate: given twice" },
	{ "bad_json_syntax.json", JSON, "not valid JSON at byte" },
	{ "bad_generic_confidence.json", JSON, "confidence: 150 is not in 0-100" },
	{ "bad_generic_color.json", JSON, "color: \"purple\" is not a plate colour" },
	{ "bad_generic_no_camera.json", JSON, "camera: required" },
	{ "bad_generic_ts.json", JSON, "ts: not RFC 3339" },
	{ "bad_generic_control.json", JSON, "plate: control character at byte" },
	{ "isapi_anpr.xml", "text/plain", "Content-Type \"text/plain\" is not XML" },
	{ "isapi_anpr.xml", "application/xml; charset=ISO-8859-1", "charset \"ISO-8859-1\" not accepted" },
};

START_TEST(bad_fixtures)
{
	const struct bad *b = &bads[_i];
	struct camera_read r;
	char err[256];

	ck_assert_msg(parse(b->file, b->ctype, NULL, &r, err, sizeof(err)) ==
	    CAMERA_BAD, "%s accepted", b->file);
	ck_assert_msg(strstr(err, b->want) != NULL, "%s: \"%s\" lacks \"%s\"",
	    b->file, err, b->want);
}
END_TEST

/* The size limits, on the good multipart fixture with small bounds. */
START_TEST(limits)
{
	struct camera_limits lim;
	struct camera_read r;
	char err[256];

	camera_limits_default(&lim);
	lim.part_max = 4096;
	ck_assert_int_eq(parse("bad_mp_big_part.http", MP, &lim, &r, err,
	    sizeof(err)), CAMERA_BAD);
	ck_assert_msg(strstr(err, "part 2 (detectionPicture.jpg) at byte") != NULL &&
	    strstr(err, "8040 bytes, over the part limit of 4096") != NULL,
	    "%s", err);
	camera_limits_default(&lim);
	lim.body_max = 1000;
	ck_assert_int_eq(parse("isapi_multipart.http", MP, &lim, &r, err,
	    sizeof(err)), CAMERA_BAD);
	ck_assert_msg(strstr(err, "over the limit of 1000") != NULL, "%s", err);
	camera_limits_default(&lim);
	lim.alarm_max = 512;
	ck_assert_int_eq(parse("isapi_anpr.xml", XML, &lim, &r, err,
	    sizeof(err)), CAMERA_BAD);
	ck_assert_msg(strstr(err, "over the limit of 512") != NULL, "%s", err);
	camera_limits_default(&lim);
	lim.parts_max = 2;
	ck_assert_int_eq(parse("isapi_multipart.http", MP, &lim, &r, err,
	    sizeof(err)), CAMERA_BAD);
	ck_assert_msg(strstr(err, "part 3 at byte") != NULL &&
	    strstr(err, "more than 2 parts") != NULL, "%s", err);
}
END_TEST

/* Numbers beyond any integer type are refused, not cast (no UB). */
START_TEST(huge_numbers)
{
	static const struct bad inl[] = {
		{ "{\"camera\":\"c\",\"plate\":\"A1\",\"confidence\":1e300}", JSON,
		  "confidence: 1e+300 is not in 0-100" },
		{ "{\"camera\":\"c\",\"plate\":\"A1\",\"confidence\":-1e300}", JSON,
		  "confidence: -1e+300 is not in 0-100" },
		{ "{\"camera\":\"c\",\"plate\":\"A1\",\"confidence\":50.5}", JSON,
		  "confidence: not an integer" },
		{ "{\"camera\":\"c\",\"plate\":\"A1\",\"ts\":1e300}", JSON,
		  "ts: not RFC 3339" },
		{ "{\"eventType\":\"ANPR\",\"channelID\":1e300}", JSON,
		  "channelID: not a string or an integer" },
	};
	struct camera_limits lim;
	struct camera_read r;
	char err[256];
	size_t i;

	camera_limits_default(&lim);
	for (i = 0; i < sizeof(inl) / sizeof(inl[0]); i++) {
		ck_assert_int_eq(camera_parse(inl[i].ctype, inl[i].file,
		    strlen(inl[i].file), &lim, &r, err, sizeof(err)), CAMERA_BAD);
		ck_assert_msg(strstr(err, inl[i].want) != NULL, "%s: %s",
		    inl[i].file, err);
	}
}
END_TEST

/* LF-only line ends, as some firmware writes them, split the same way. */
START_TEST(multipart_bare_lf)
{
	static const char body[] =
	    "preamble\n--b\nContent-Type: application/json\n\n"
	    "{\"eventType\":\"ANPR\",\"ANPR\":{\"licensePlate\":\"晋K12345\"}}\n"
	    "--b\nContent-Disposition: form-data; name=\"x\"; filename=\"p.jpg\"\n\n"
	    "\xff\xd8\xff\xd9\n--b--\n";
	struct camera_limits lim;
	struct camera_read r;
	char err[256];

	camera_limits_default(&lim);
	ck_assert_int_eq(camera_parse("multipart/form-data; boundary=b", body,
	    sizeof(body) - 1, &lim, &r, err, sizeof(err)), CAMERA_PLATE);
	ck_assert_str_eq(r.plate, "晋K12345");
	ck_assert_uint_eq(r.njpeg, 1);
	ck_assert_str_eq(r.jpeg[0].name, "p.jpg");
	ck_assert_uint_eq(r.jpeg[0].len, 4);
}
END_TEST

CU_SUITE("camera")
{
	TCase *tc = cu_tcase_new(s, "parse", 0, NULL, NULL);

	tcase_add_test(tc, isapi_xml_utf8);
	tcase_add_test(tc, isapi_xml_gb18030);
	tcase_add_test(tc, isapi_xml_no_plate);
	tcase_add_test(tc, isapi_xml_new_energy);
	tcase_add_test(tc, isapi_heartbeat);
	tcase_add_test(tc, isapi_json);
	tcase_add_test(tc, multipart_xml_and_pictures);
	tcase_add_test(tc, multipart_json_alarm);
	tcase_add_test(tc, multipart_gbk_charset);
	tcase_add_test(tc, multipart_bare_lf);
	tcase_add_test(tc, generic_push);
	tcase_add_test(tc, no_plate_spellings);
	tcase_add_loop_test(tc, bad_fixtures, 0,
	    (int)(sizeof(bads) / sizeof(bads[0])));
	tcase_add_test(tc, limits);
	tcase_add_test(tc, huge_numbers);
}
