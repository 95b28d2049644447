/*
 * The kinds of event the daemon records (docs/design.md §6), and the causes
 * a device_fault names: one enum each, one name for each value.  The names
 * are what the store, the platform and the board see, byte for byte.  The
 * store and the reference platform keep kinds as text (an old store may
 * hold a kind this program does not know); the daemon and the tools use
 * these enums and name them only where the text goes out.
 */
#ifndef WEIGHGATE_EVENT_H
#define WEIGHGATE_EVENT_H

#include <stdbool.h>

enum event_kind {
	EV_WEIGHING,
	EV_FORCED_ENTRY,
	EV_OVERRIDE,
	EV_BARRIER_UNAUTHORIZED,
	EV_PASS_TIMEOUT,
	EV_UNWEIGHED_PASS,
	EV_MISSED_RESULTS,
	EV_DEVICE_FAULT,
	EV_DEVICE_RECOVERED,
	EV_SCALE_RESET,
	EV_STARTUP,
	EV_CONFIG_RELOADED,
	EV_LISTS_APPLIED,
	EV_DISK_LOW,
	EV_CLOCK_STEP,
	EV_CLOCK_SKEW,
	EV_CLOCK_OK,
	EV_STORE_REPLACED,
	EV_STORE_ROLLBACK,
	EV_ALARM_ACK,
	EV_PLATE_READ,		/* a lane camera's plate read, for replay */
	EV_NKINDS
};

/*
 * Whether an event is sent to the platform at once (docs/design.md §7) or
 * batched: decided where the event is made, stored with it.
 */
#define EVENT_URGENT	true
#define EVENT_BATCHED	false

/* Why a device_fault: the "cause" of its body. */
enum event_cause {
	EC_SILENT,		/* no answer for fault_after_ms */
	EC_FAULT_BIT,		/* the scale's status word says fault */
	EC_NOT_AT_COMMAND,	/* the barrier is not where it was told */
	EC_POSITION_INPUTS,	/* both or neither barrier position input */
	EC_REPEATED,		/* a result decided minutes ago, shown again */
	EC_IMPLAUSIBLE,		/* results faster than min_result_interval_ms */
	EC_UNSETTLED,		/* a result read in several requests never read
				   the same twice within fault_after_ms */
	EC_NCAUSES
};

/* The kind's name as stored and sent ("weighing"); "?" for no kind. */
const char *event_name(enum event_kind k);
/* The kind named name: 0, or -1 when no kind has that name. */
int event_from_name(const char *name, enum event_kind *k);

const char *event_cause_name(enum event_cause c);

#endif
