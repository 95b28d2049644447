/* Unit tests of the clock watch (src/clockwatch.c) and HTTP dates. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "weighgate/clockwatch.h"
#include "weighgate/timefmt.h"

#include "check_util.h"

#define WALL0	INT64_C(1796000000000)	/* some wall time, ms */
#define BOOT0	INT64_C(5000000)
#define DAY	INT64_C(86400000)

static struct clockwatch cw;
static struct cw_event ev[CW_MAX_EVENTS];

/* A check at boot time t (ms after BOOT0) with the wall clock off by off. */
static int
check_at(int64_t t, int64_t off)
{
	return cw_check(&cw, WALL0 + t + off, BOOT0 + t, ev);
}

/* The platform's Date skew ms ahead of the local clock at t, local off. */
static int
date_at(int64_t t, int64_t off, int64_t skew)
{
	return cw_peer_date(&cw, WALL0 + t + off + skew, WALL0 + t + off,
	    BOOT0 + t, ev);
}

static void
setup(void)
{
	cw_init(&cw, WALL0, BOOT0);
}

START_TEST(steady_clock)
{
	int64_t t;

	for (t = 1000; t < 600000; t += 1000)
		ck_assert_int_eq(check_at(t, 0), 0);
	/* jitter and small slews are no step */
	ck_assert_int_eq(check_at(601000, 1999), 0);
	ck_assert_int_eq(check_at(602000, 0), 0);
	ck_assert_int_eq(check_at(603000, -1999), 0);
	ck_assert(!cw_doubt(&cw));
	ck_assert_uint_eq(cw.steps_total, 0);
}
END_TEST

START_TEST(step_ahead_and_back)
{
	ck_assert_int_eq(check_at(1000, 0), 0);
	ck_assert_int_eq(check_at(2000, 30 * DAY), 1);
	ck_assert_int_eq(ev[0].kind, CW_EV_STEP);
	ck_assert_int_eq(ev[0].source, CW_SRC_MONOTONIC);
	ck_assert_int_eq(ev[0].ms, 30 * DAY);
	ck_assert_int_eq(ev[0].offset_ms, 30 * DAY);
	ck_assert_str_eq(cw_event_name(ev[0].kind), "clock_step");
	ck_assert(cw_doubt(&cw) && cw.step_doubt);
	/* no platform: the doubt holds, one event only */
	ck_assert_int_eq(check_at(3000, 30 * DAY), 0);
	ck_assert_int_eq(check_at(3600000, 30 * DAY), 0);
	ck_assert(cw_doubt(&cw));
	/* a second step is recorded too */
	ck_assert_int_eq(check_at(3601000, 31 * DAY), 1);
	ck_assert_int_eq(ev[0].ms, DAY);
	ck_assert_int_eq(ev[0].offset_ms, 31 * DAY);
	/* back to the trusted clock: a step, and the doubt clears */
	ck_assert_int_eq(check_at(3602000, 500), 2);
	ck_assert_int_eq(ev[0].kind, CW_EV_STEP);
	ck_assert_int_eq(ev[0].ms, 500 - 31 * DAY);
	ck_assert_int_eq(ev[1].kind, CW_EV_OK);
	ck_assert_int_eq(ev[1].source, CW_SRC_MONOTONIC);
	ck_assert_str_eq(cw_event_name(ev[1].kind), "clock_ok");
	ck_assert(!cw_doubt(&cw));
	ck_assert_uint_eq(cw.steps_total, 3);
}
END_TEST

START_TEST(small_steps_add_up)
{
	ck_assert_int_eq(check_at(1000, 1500), 0);
	ck_assert_int_eq(check_at(2000, 3000), 1);	/* 1.5 s, now 3 s off */
	ck_assert_int_eq(ev[0].kind, CW_EV_STEP);
	ck_assert_int_eq(ev[0].ms, 1500);
	ck_assert_int_eq(ev[0].offset_ms, 3000);
	ck_assert(cw_doubt(&cw));
	ck_assert_int_eq(check_at(3000, 4500), 0);	/* in doubt already */
	ck_assert_int_eq(cw.step_ms, 4500);
}
END_TEST

START_TEST(step_back_in_time)
{
	ck_assert_int_eq(check_at(1000, -400 * DAY), 1);
	ck_assert_int_eq(ev[0].ms, -400 * DAY);
	ck_assert(cw_doubt(&cw));
}
END_TEST

START_TEST(platform_clears_a_step)
{
	ck_assert_int_eq(check_at(1000, 30 * DAY), 1);
	/* the platform agrees with the stepped clock: it was the right one */
	ck_assert_int_eq(date_at(1500, 30 * DAY, -400), 1);
	ck_assert_int_eq(ev[0].kind, CW_EV_OK);
	ck_assert_int_eq(ev[0].source, CW_SRC_PLATFORM);
	ck_assert_int_eq(ev[0].ms, -400);
	ck_assert(!cw_doubt(&cw));
	ck_assert_int_eq(cw.trusted_off, WALL0 + 30 * DAY - BOOT0);
	/* and the clock as it now is stays trusted */
	ck_assert_int_eq(check_at(2000, 30 * DAY), 0);
	ck_assert(!cw_doubt(&cw));
	/* a step back to the old offset is now a step away from it */
	ck_assert_int_eq(check_at(3000, 0), 1);
	ck_assert(cw_doubt(&cw));
}
END_TEST

START_TEST(platform_disagrees)
{
	ck_assert_int_eq(date_at(1000, 0, -400 * DAY), 1);
	ck_assert_int_eq(ev[0].kind, CW_EV_SKEW);
	ck_assert_int_eq(ev[0].source, CW_SRC_PLATFORM);
	ck_assert_int_eq(ev[0].ms, -400 * DAY);
	ck_assert(cw_doubt(&cw) && cw.skew_doubt && !cw.step_doubt);
	/* every answer says so again: one event, the figure follows */
	ck_assert_int_eq(date_at(2000, 0, -400 * DAY + 1000), 0);
	ck_assert_int_eq(cw.skew_ms, -400 * DAY + 1000);
	ck_assert_uint_eq(cw.skews_total, 1);
	/* the limit is 60 s, both ways */
	ck_assert_int_eq(date_at(3000, 0, CW_SKEW_MAX_MS + 1), 0);
	ck_assert(cw_doubt(&cw));
	ck_assert_int_eq(date_at(4000, 0, CW_SKEW_MAX_MS), 1);
	ck_assert_int_eq(ev[0].kind, CW_EV_OK);
	ck_assert(!cw_doubt(&cw));
	ck_assert_int_eq(date_at(5000, 0, -CW_SKEW_MAX_MS), 0);
	ck_assert_int_eq(date_at(6000, 0, -CW_SKEW_MAX_MS - 1), 1);
	ck_assert_int_eq(ev[0].kind, CW_EV_SKEW);
	ck_assert_uint_eq(cw.skews_total, 2);
}
END_TEST

START_TEST(step_and_skew_together)
{
	ck_assert_int_eq(check_at(1000, 30 * DAY), 1);
	ck_assert_int_eq(date_at(1500, 30 * DAY, -30 * DAY), 1);
	ck_assert_int_eq(ev[0].kind, CW_EV_SKEW);
	/* the engineer sets the clock right: still skewed until a Date agrees */
	ck_assert_int_eq(check_at(2000, 0), 1);
	ck_assert_int_eq(ev[0].kind, CW_EV_STEP);
	ck_assert(cw_doubt(&cw) && !cw.step_doubt && cw.skew_doubt);
	ck_assert_int_eq(date_at(2500, 0, -300), 1);
	ck_assert_int_eq(ev[0].kind, CW_EV_OK);
	ck_assert(!cw_doubt(&cw));
}
END_TEST

/* A Date seen across a step is not used: it belongs to the other clock. */
START_TEST(date_across_a_step)
{
	ck_assert_int_eq(check_at(1000, 0), 0);
	/* stepped after the last check, Date seen on the stepped clock */
	ck_assert_int_eq(date_at(1500, 30 * DAY, -30 * DAY), 0);
	ck_assert(!cw.have_skew && !cw_doubt(&cw));
	ck_assert_int_eq(check_at(2000, 30 * DAY), 1);
	/* a Date from before that step, read after the check */
	ck_assert_int_eq(date_at(1900, 0, 0), 0);
	ck_assert(cw_doubt(&cw));
}
END_TEST

START_TEST(kernel_alarm_only)
{
	ck_assert(cw_kernel(&cw, true));
	ck_assert(!cw_kernel(&cw, true));
	ck_assert(cw.kernel_unsync);
	ck_assert(!cw_doubt(&cw));
	ck_assert(cw_kernel(&cw, false));
	ck_assert_str_eq(cw_source_name(CW_SRC_PLATFORM), "platform");
	ck_assert_str_eq(cw_source_name(CW_SRC_MONOTONIC), "monotonic");
}
END_TEST

START_TEST(http_dates)
{
	static const char *const bad[] = {
		"", "Sun, 06 Nov 1994 08:49:37", "Sun, 06 Nov 1994 08:49:37 UTC",
		"Mon, 06 Nov 1994 08:49:37 GMT",	/* wrong day name */
		"Sunday, 06-Nov-94 08:49:37 GMT",	/* RFC 850 */
		"Sun Nov  6 08:49:37 1994",		/* asctime */
		"Sun, 6 Nov 1994 08:49:37 GMT", "sun, 06 Nov 1994 08:49:37 GMT",
		"Sun, 06 nov 1994 08:49:37 GMT", "Sun, 06 Nov 1994 8:49:37 GMT",
		"Tue, 31 Nov 1994 08:49:37 GMT", "Sun, 06 Nov 1994 24:00:00 GMT",
		"Sun, 06 Nov 1994 08:60:00 GMT", "Sun, 06 Nov 1994 08:49:61 GMT",
		"Sun, 06 Nov 1994 08:49:37 GMT x", "Sun,  06 Nov 1994 08:49:37 GMT",
		"Sun, 06 Nov 1994 08:49:37 GMTX", "Thu, 29 Feb 2027 00:00:00 GMT",
		"Sun, 06 Xyz 1994 08:49:37 GMT", "Sun, 0a Nov 1994 08:49:37 GMT",
	};
	int64_t ms;
	size_t i;

	ck_assert_int_eq(ts_parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT",
	    &ms), 0);
	ck_assert_int_eq(ms, INT64_C(784111777000));
	ck_assert_int_eq(ts_parse_http_date("Thu, 01 Jan 1970 00:00:00 GMT",
	    &ms), 0);
	ck_assert_int_eq(ms, 0);
	ck_assert_int_eq(ts_parse_http_date("Wed, 02 Dec 2026 05:00:00 GMT \r\n",
	    &ms), 0);
	ck_assert_int_eq(ms, INT64_C(1796187600000));
	ck_assert_int_eq(ts_parse_http_date("Mon, 29 Feb 2027 00:00:00 GMT",
	    &ms), -1);
	ck_assert_int_eq(ts_parse_http_date("Tue, 29 Feb 2028 00:00:00 GMT",
	    &ms), 0);
	ck_assert_int_eq(ts_parse_http_date("Fri, 31 Dec 2027 23:59:60 GMT",
	    &ms), 0);
	ck_assert_int_eq(ms % 60000, 59999);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(ts_parse_http_date(bad[i], &ms) == -1,
		    "accepted \"%s\"", bad[i]);
}
END_TEST

START_TEST(event_bodies)
{
	struct cw_event e = { CW_EV_STEP, CW_SRC_MONOTONIC, 2592000000, 2592000500 };
	struct sbuf b;

	sbuf_init(&b);
	cw_event_body(&b, &e);
	ck_assert_str_eq(b.p, "{\"step_ms\":2592000000,\"offset_ms\":2592000500,"
	    "\"source\":\"monotonic\"}");
	sbuf_reset(&b);
	e = (struct cw_event){ CW_EV_SKEW, CW_SRC_PLATFORM, -34560000000, 0 };
	cw_event_body(&b, &e);
	ck_assert_str_eq(b.p, "{\"skew_ms\":-34560000000,\"source\":\"platform\"}");
	sbuf_reset(&b);
	e = (struct cw_event){ CW_EV_OK, CW_SRC_PLATFORM, -420, 0 };
	cw_event_body(&b, &e);
	ck_assert_str_eq(b.p, "{\"skew_ms\":-420,\"source\":\"platform\"}");
	sbuf_reset(&b);
	e = (struct cw_event){ CW_EV_OK, CW_SRC_MONOTONIC, 0, 300 };
	cw_event_body(&b, &e);
	ck_assert_str_eq(b.p, "{\"offset_ms\":300,\"source\":\"monotonic\"}");
	sbuf_fini(&b);
}
END_TEST

CU_SUITE("clockwatch")
{
	cu_tcase(s, "watch", 30, setup, NULL, steady_clock, step_ahead_and_back,
	    small_steps_add_up, step_back_in_time, platform_clears_a_step,
	    platform_disagrees, step_and_skew_together, date_across_a_step,
	    kernel_alarm_only, event_bodies);
	cu_tcase(s, "http_date", 0, NULL, NULL, http_dates);
}
