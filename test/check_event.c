/* Unit tests for event.c: the event kinds and device_fault causes by name. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "weighgate/event.h"
#include "weighgate/lane.h"

#include "check_util.h"

/* Every kind has its own name, and the name leads back to the kind. */
START_TEST(kinds_round_trip)
{
	enum event_kind k, back;
	int i, j;

	for (i = 0; i < EV_NKINDS; i++) {
		k = (enum event_kind)i;
		ck_assert_str_ne(event_name(k), "?");
		ck_assert_int_eq(event_from_name(event_name(k), &back), 0);
		ck_assert_int_eq(back, k);
		for (j = 0; j < i; j++)
			ck_assert_str_ne(event_name(k),
			    event_name((enum event_kind)j));
	}
	ck_assert_str_eq(event_name(EV_NKINDS), "?");
	back = EV_STARTUP;
	ck_assert_int_eq(event_from_name("", &back), -1);
	ck_assert_int_eq(event_from_name("Weighing", &back), -1);
	ck_assert_int_eq(event_from_name("weighing ", &back), -1);
	ck_assert_int_eq(event_from_name("?", &back), -1);
	ck_assert_int_eq(back, EV_STARTUP);	/* untouched */
}
END_TEST

/* The names the store, the platform and the board have always seen. */
START_TEST(names_on_the_wire)
{
	static const char *const kinds[EV_NKINDS] = {
		[EV_WEIGHING] = "weighing",
		[EV_FORCED_ENTRY] = "forced_entry",
		[EV_OVERRIDE] = "override",
		[EV_BARRIER_UNAUTHORIZED] = "barrier_unauthorized",
		[EV_PASS_TIMEOUT] = "pass_timeout",
		[EV_UNWEIGHED_PASS] = "unweighed_pass",
		[EV_MISSED_RESULTS] = "missed_results",
		[EV_DEVICE_FAULT] = "device_fault",
		[EV_DEVICE_RECOVERED] = "device_recovered",
		[EV_SCALE_RESET] = "scale_reset",
		[EV_STARTUP] = "startup",
		[EV_CONFIG_RELOADED] = "config_reloaded",
		[EV_LISTS_APPLIED] = "lists_applied",
		[EV_DISK_LOW] = "disk_low",
		[EV_CLOCK_STEP] = "clock_step",
		[EV_CLOCK_SKEW] = "clock_skew",
		[EV_CLOCK_OK] = "clock_ok",
		[EV_STORE_REPLACED] = "store_replaced",
		[EV_STORE_ROLLBACK] = "store_rollback",
		[EV_ALARM_ACK] = "alarm_ack",
		[EV_PLATE_READ] = "plate_read",
	};
	static const char *const causes[EC_NCAUSES] = {
		[EC_SILENT] = "silent",
		[EC_FAULT_BIT] = "fault_bit",
		[EC_NOT_AT_COMMAND] = "not_at_command",
		[EC_POSITION_INPUTS] = "position_inputs",
		[EC_REPEATED] = "repeated",
		[EC_IMPLAUSIBLE] = "implausible",
		[EC_UNSETTLED] = "unsettled",
	};
	static const char *const states[LANE_NSTATES] = {
		[LANE_IDLE] = "IDLE", [LANE_OPEN] = "OPEN",
		[LANE_REFUSED] = "REFUSED", [LANE_FAULT] = "FAULT",
	};
	int i;

	for (i = 0; i < EV_NKINDS; i++) {
		ck_assert_ptr_nonnull(kinds[i]);
		ck_assert_str_eq(event_name((enum event_kind)i), kinds[i]);
	}
	for (i = 0; i < EC_NCAUSES; i++) {
		ck_assert_ptr_nonnull(causes[i]);
		ck_assert_str_eq(event_cause_name((enum event_cause)i), causes[i]);
	}
	ck_assert_str_eq(event_cause_name(EC_NCAUSES), "?");
	for (i = 0; i < LANE_NSTATES; i++)
		ck_assert_str_eq(lane_state_name((enum lane_state)i), states[i]);
	ck_assert_str_eq(lane_state_name(LANE_NSTATES), "?");
}
END_TEST

CU_SUITE("event")
{
	cu_tcase(s, "names", 10, NULL, NULL, kinds_round_trip,
	    names_on_the_wire);
}
