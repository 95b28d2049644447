/*
 * The alarm feed (alarms.h) and the event store, on the daemon's loop:
 * the read at start, the acknowledgement's event, a catch-up of an alarm
 * committed elsewhere.
 */
#ifndef WEIGHGATE_ALARMS_STORE_H
#define WEIGHGATE_ALARMS_STORE_H

#include <stdint.h>

#include "weighgate/alarms.h"
#include "weighgate/store.h"

/*
 * At start: the feed rebuilt from the store's newest alarms and their
 * acknowledgements, and the counts of now_ms's local day from the store's
 * events of the day.  0, or -1 (logged; the feed then starts empty or
 * partial, the lanes are not affected).
 */
int alarms_load(struct alarms *a, store_t *s, int64_t now_ms);

/*
 * Staff acknowledge alarm seq (0: every unacknowledged one) as
 * operator_id: the alarm_ack event is committed first, then the feed
 * takes it.  Returns how many alarms it acknowledged (ap: the event), 0
 * when none waited (no event), -1 when seq is not in the feed, -2 when
 * the event could not be recorded (logged; nothing acknowledged).
 */
int alarms_ack_commit(struct alarms *a, store_t *s, const char *operator_id,
    int64_t seq, struct store_appended *ap);

/*
 * The newest event of kind, committed by another part of the daemon (the
 * housekeeping's disk_low), into the feed unless it is there or older than
 * a minute.
 */
void alarms_catch_up(struct alarms *a, store_t *s, const char *kind,
    int64_t now_ms);

#endif
