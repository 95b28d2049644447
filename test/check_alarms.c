/* Unit tests of the station board's alarm feed and day's counts (alarms.c). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "weighgate/alarms.h"

#include "check_util.h"

/* 2026-12-02 in Asia/Shanghai (UTC+8, no DST): local midnight is 16:00Z. */
#define MIDNIGHT_MS	1796227200000LL	/* 2026-12-02T16:00:00Z */
#define HOUR_MS		3600000LL

static void
set_tz(void)
{
	setenv("TZ", "Asia/Shanghai", 1);
	tzset();
}

static const char forced[] = "{\"lane\":\"L02\",\"how\":\"no_pass\","
    "\"last_weighing\":{\"uuid\":null,\"plate\":\"豫B22222\",\"gross_kg\":55000,"
    "\"decision\":\"turnback\"}}";

static void
weighing(struct alarms *a, const char *decision, int64_t seq, int64_t ts)
{
	char body[256];

	snprintf(body, sizeof(body), "{\"lane\":\"L01\",\"measurement\":"
	    "{\"plate\":\"豫A1%04lld\"},\"decision\":\"%s\",\"reasons\":"
	    "[\"watch\"]}", (long long)seq, decision);
	alarms_note(a, "weighing", body, seq, ts);
}

START_TEST(test_ring_newest_first)
{
	struct alarms a;
	char body[96];
	int i;

	set_tz();
	alarms_init(&a, MIDNIGHT_MS);
	ck_assert_ptr_null(alarms_get(&a, 0));
	ck_assert(alarms_note(&a, "forced_entry", forced, 5, MIDNIGHT_MS + 1));
	ck_assert(!alarms_note(&a, "startup", "{}", 6, MIDNIGHT_MS + 2));
	weighing(&a, "pass", 7, MIDNIGHT_MS + 3);
	weighing(&a, "intercept", 8, MIDNIGHT_MS + 4);
	ck_assert_int_eq(a.n, 2);
	ck_assert_int_eq(alarms_get(&a, 0)->seq, 8);
	ck_assert_int_eq(alarms_get(&a, 0)->kind, AK_INTERCEPT);
	ck_assert_str_eq(alarms_get(&a, 0)->plate, "豫A10008");
	ck_assert_str_eq(alarms_get(&a, 0)->what, "watch");
	ck_assert_int_eq(alarms_get(&a, 1)->seq, 5);
	ck_assert_str_eq(alarms_get(&a, 1)->lane, "L02");
	ck_assert_str_eq(alarms_get(&a, 1)->plate, "豫B22222");
	ck_assert_str_eq(alarms_get(&a, 1)->what, "no_pass");
	ck_assert_ptr_null(alarms_get(&a, 2));
	/* the ring keeps the newest ALARMS_MAX */
	for (i = 0; i < ALARMS_MAX + 3; i++) {
		snprintf(body, sizeof(body), "{\"lane\":\"L01\",\"device\":"
		    "\"scale\",\"cause\":\"silent\",\"error\":\"e%d\"}", i);
		alarms_note(&a, "device_fault", body, 100 + i, MIDNIGHT_MS + 10 + i);
	}
	ck_assert_int_eq(a.n, ALARMS_MAX);
	ck_assert_int_eq(alarms_get(&a, 0)->seq, 100 + ALARMS_MAX + 2);
	ck_assert_int_eq(alarms_get(&a, ALARMS_MAX - 1)->seq, 103);
	ck_assert_str_eq(alarms_get(&a, 0)->what, "scale silent: e66");
	ck_assert_ptr_null(alarms_get(&a, ALARMS_MAX));
	ck_assert_int_eq(alarms_unacked(&a), ALARMS_MAX);
}
END_TEST

START_TEST(test_ack_one_and_all)
{
	struct alarms a;
	struct sbuf b;

	set_tz();
	alarms_init(&a, MIDNIGHT_MS);
	alarms_note(&a, "forced_entry", forced, 5, MIDNIGHT_MS + 1);
	alarms_note(&a, "device_recovered", "{\"lane\":\"L01\",\"device\":"
	    "\"io\"}", 6, MIDNIGHT_MS + 2);
	alarms_note(&a, "barrier_unauthorized", "{\"lane\":\"L01\"}", 7,
	    MIDNIGHT_MS + 3);
	ck_assert_int_eq(alarms_unacked(&a), 2);	/* a recovery is news */
	ck_assert(!alarms_get(&a, 1)->needs_ack);

	sbuf_init(&b);
	ck_assert_int_eq(alarms_ack_body(&a, "0042", 99, &b), -1);
	ck_assert_int_eq(alarms_ack_body(&a, "0042", 6, &b), -1);
	ck_assert_int_eq(alarms_ack_body(&a, "0042", 5, &b), 1);
	ck_assert_str_eq(b.p, "{\"operator\":\"0042\",\"alarms\":[5]}");
	/* only the alarm_ack event acknowledges */
	ck_assert_int_eq(alarms_unacked(&a), 2);
	ck_assert(alarms_note(&a, "alarm_ack", b.p, 8, MIDNIGHT_MS + 4));
	ck_assert_int_eq(alarms_unacked(&a), 1);
	ck_assert(alarms_get(&a, 2)->acked);
	ck_assert_str_eq(alarms_get(&a, 2)->ack_operator, "0042");
	ck_assert_int_eq(alarms_get(&a, 2)->ack_ts_ms, MIDNIGHT_MS + 4);
	ck_assert(!alarms_get(&a, 0)->acked);
	sbuf_reset(&b);
	ck_assert_int_eq(alarms_ack_body(&a, "0042", 5, &b), 0);
	ck_assert_int_eq(b.len, 0);
	/* all: every unacknowledged one, newest first */
	alarms_note(&a, "pass_timeout", "{\"lane\":\"L02\"}", 9, MIDNIGHT_MS + 5);
	ck_assert_int_eq(alarms_ack_body(&a, "0007", 0, &b), 2);
	ck_assert_str_eq(b.p, "{\"operator\":\"0007\",\"alarms\":[9,7]}");
	alarms_note(&a, "alarm_ack", b.p, 10, MIDNIGHT_MS + 6);
	ck_assert_int_eq(alarms_unacked(&a), 0);
	ck_assert_str_eq(alarms_get(&a, 0)->ack_operator, "0007");
	ck_assert_str_eq(alarms_get(&a, 3)->ack_operator, "0042");
	sbuf_reset(&b);
	ck_assert_int_eq(alarms_ack_body(&a, "0007", 0, &b), 0);
	/* a second ack of the same alarm changes nothing */
	ck_assert(!alarms_note(&a, "alarm_ack", "{\"operator\":\"9\","
	    "\"alarms\":[5]}", 11, MIDNIGHT_MS + 7));
	ck_assert_str_eq(alarms_get(&a, 3)->ack_operator, "0042");
	sbuf_fini(&b);
}
END_TEST

START_TEST(test_day_rollover)
{
	struct alarms a;

	set_tz();
	ck_assert_int_eq(alarms_day_of(MIDNIGHT_MS - 1), 20261202);
	ck_assert_int_eq(alarms_day_of(MIDNIGHT_MS), 20261203);
	ck_assert_int_eq(alarms_day_start_ms(MIDNIGHT_MS + 5 * HOUR_MS),
	    MIDNIGHT_MS);
	ck_assert_int_eq(alarms_day_start_ms(MIDNIGHT_MS - 1),
	    MIDNIGHT_MS - 24 * HOUR_MS);

	alarms_init(&a, MIDNIGHT_MS - 2 * HOUR_MS);
	weighing(&a, "pass", 1, MIDNIGHT_MS - HOUR_MS);
	weighing(&a, "retry", 2, MIDNIGHT_MS - HOUR_MS);
	weighing(&a, "turnback", 3, MIDNIGHT_MS - HOUR_MS);
	weighing(&a, "intercept", 4, MIDNIGHT_MS - HOUR_MS);
	alarms_note(&a, "forced_entry", forced, 5, MIDNIGHT_MS - 1);
	ck_assert_int_eq(a.count[AC_VEHICLES], 3);	/* a retry is no vehicle */
	ck_assert_int_eq(a.count[AC_TURNBACKS], 1);
	ck_assert_int_eq(a.count[AC_INTERCEPTS], 1);
	ck_assert_int_eq(a.count[AC_FORCED_ENTRIES], 1);
	ck_assert_int_eq(a.day, 20261202);
	/* the board's copy rolls over at midnight with no event */
	alarms_roll(&a, MIDNIGHT_MS);
	ck_assert_int_eq(a.day, 20261203);
	ck_assert_int_eq(a.count[AC_VEHICLES], 0);
	ck_assert_int_eq(a.count[AC_FORCED_ENTRIES], 0);
	ck_assert_int_eq(a.n, 2);	/* the feed stays */
	weighing(&a, "pass", 6, MIDNIGHT_MS + 1);
	ck_assert_int_eq(a.count[AC_VEHICLES], 1);
	/* an event of the new day rolls the counts too */
	alarms_init(&a, MIDNIGHT_MS - 1);
	weighing(&a, "pass", 1, MIDNIGHT_MS - 1);
	weighing(&a, "pass", 2, MIDNIGHT_MS);
	ck_assert_int_eq(a.count[AC_VEHICLES], 1);
	ck_assert_int_eq(a.day, 20261203);
	/* the start-up figures of the day */
	alarms_count_add(&a, "weighing", "turnback", 4, MIDNIGHT_MS + 2);
	alarms_count_add(&a, "weighing", "retry", 9, MIDNIGHT_MS + 2);
	alarms_count_add(&a, "forced_entry", "", 2, MIDNIGHT_MS + 2);
	alarms_count_add(&a, "override", "", 2, MIDNIGHT_MS + 2);
	ck_assert_int_eq(a.count[AC_VEHICLES], 5);
	ck_assert_int_eq(a.count[AC_TURNBACKS], 4);
	ck_assert_int_eq(a.count[AC_FORCED_ENTRIES], 2);
}
END_TEST

START_TEST(test_rebuild)
{
	static const struct alarms_event ev[] = {
		{ 3, MIDNIGHT_MS + 1, "forced_entry", forced },
		{ 4, MIDNIGHT_MS + 2, "weighing", "{\"lane\":\"L01\",\"decision\":"
		    "\"intercept\",\"reasons\":[\"watch\"],\"measurement\":"
		    "{\"plate\":\"豫C33333\"}}" },
		{ 5, MIDNIGHT_MS + 3, "override", "{\"lane\":\"L02\",\"operator\":"
		    "\"0042\",\"reason\":\"permit on paper\"}" },
		{ 6, MIDNIGHT_MS + 4, "alarm_ack", "{\"operator\":\"0042\","
		    "\"alarms\":[4,1]}" },
		{ 7, MIDNIGHT_MS + 5, "clock_step", "{\"step_ms\":-3600000,"
		    "\"offset_ms\":-3600000,\"source\":\"monotonic\"}" },
		{ 8, MIDNIGHT_MS + 6, "alarm_ack", "not json" },
	};
	struct alarms a;

	set_tz();
	alarms_init(&a, MIDNIGHT_MS + 10);
	alarms_rebuild(&a, ev, sizeof(ev) / sizeof(ev[0]));
	ck_assert_int_eq(a.n, 4);
	ck_assert_int_eq(alarms_get(&a, 0)->kind, AK_CLOCK_STEP);
	ck_assert_str_eq(alarms_get(&a, 0)->what, "-3600000 ms");
	ck_assert_str_eq(alarms_get(&a, 1)->what, "0042: permit on paper");
	ck_assert(alarms_get(&a, 2)->acked);
	ck_assert_str_eq(alarms_get(&a, 2)->plate, "豫C33333");
	ck_assert(!alarms_get(&a, 3)->acked);
	ck_assert_int_eq(alarms_unacked(&a), 3);
	/* the feed's rebuild leaves the counts to the store's figures */
	ck_assert_int_eq(a.count[AC_FORCED_ENTRIES], 0);
	ck_assert_int_eq(a.count[AC_INTERCEPTS], 0);
	ck_assert_int_eq(alarms_kind_of("weighing", "pass"), -1);
	ck_assert_int_eq(alarms_kind_of("weighing", "intercept"), AK_INTERCEPT);
	ck_assert_int_eq(alarms_kind_of("intercept", NULL), -1);
	ck_assert_str_eq(alarms_kind_name(AK_STORE_ROLLBACK), "store_rollback");
}
END_TEST

CU_SUITE("alarms")
{
	cu_tcase(s, "core", 0, NULL, NULL, test_ring_newest_first,
	    test_ack_one_and_all, test_day_rollover, test_rebuild);
}
