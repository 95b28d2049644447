/*
 * The station board's alarm feed and the day's counts (docs/status.md,
 * "The alarm feed"): pure, fed with the events the store has committed.
 *
 * The loop hands every committed event to alarms_note(); the ones that
 * matter to the booth (a forced entry, an intercept, an unauthorised
 * barrier, an override, a device fault or recovery, a pass timeout, the
 * store's, the disk's and the clock's alarms) enter a ring of the last
 * ALARMS_MAX, unacknowledged until an alarm_ack event names them; weighings
 * and forced entries are counted for the controller's local day.  At start
 * the feed is rebuilt from the store's events (alarms_rebuild()) and the
 * counts from the store's counts of the day (alarms_count_add()).
 * Event kinds cross this boundary as strings (see alarms_kind_of()).
 */
#ifndef WEIGHGATE_ALARMS_H
#define WEIGHGATE_ALARMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "weighgate/sbuf.h"

#define ALARMS_MAX 64			/* the feed keeps the newest */
#define ALARMS_WHAT_MAX 200
#define ALARMS_OPERATOR_MAX 64

/* What an alarm is about: the event kinds of the feed. */
enum alarms_kind {
	AK_FORCED_ENTRY,
	AK_INTERCEPT,			/* a weighing decided intercept */
	AK_BARRIER_UNAUTHORIZED,
	AK_OVERRIDE,
	AK_DEVICE_FAULT,
	AK_DEVICE_RECOVERED,		/* news, no acknowledgement needed */
	AK_PASS_TIMEOUT,
	AK_DISK_LOW,
	AK_STORE_REPLACED,
	AK_STORE_ROLLBACK,
	AK_CLOCK_STEP,
	AK_CLOCK_SKEW,
	AK_N
};

/* The day's counts. */
enum alarms_count {
	AC_VEHICLES,		/* weighings but retries: one per final decision */
	AC_TURNBACKS,
	AC_INTERCEPTS,
	AC_FORCED_ENTRIES,
	AC_N
};

struct alarm {
	int64_t seq;			/* the event's seq in the store: its id */
	int64_t ts_ms;
	enum alarms_kind kind;
	char lane[16];			/* "" for the station's own alarms */
	char plate[32];
	char what[ALARMS_WHAT_MAX];	/* the detail from the event's body */
	bool needs_ack;
	bool acked;
	char ack_operator[ALARMS_OPERATOR_MAX];
	int64_t ack_ts_ms;
};

struct alarms {
	struct alarm ring[ALARMS_MAX];
	int n;				/* in the ring */
	int next;			/* where the next one goes */
	int day;			/* of the counts: local YYYYMMDD, 0 none */
	uint64_t count[AC_N];
};

/* An empty feed, the counts of now_ms's local day at 0. */
void alarms_init(struct alarms *a, int64_t now_ms);

/*
 * An event committed at ts_ms as seq: an alarm of the feed enters it, a
 * weighing or forced entry is counted (the counts roll over at the local
 * midnight of ts_ms first), an alarm_ack acknowledges the alarms it names.
 * Returns true when the feed changed.
 */
bool alarms_note(struct alarms *a, const char *kind, const char *body,
    int64_t seq, int64_t ts_ms);

/* One event the store holds, for alarms_rebuild(). */
struct alarms_event {
	int64_t seq;
	int64_t ts_ms;
	const char *kind;
	const char *body;
};

/*
 * The feed rebuilt from the store's events of its kinds (alarms_store_kinds,
 * and the weighings of alarms_store_decisions), oldest first: the feed as
 * it was, acknowledgements applied; the counts are not touched (see
 * alarms_count_add()).
 */
void alarms_rebuild(struct alarms *a, const struct alarms_event *ev, size_t n);

/*
 * Add n events of kind (with the body's decision, "" for none) to the
 * day's counts of now_ms: the start-up rebuild's figures of the day.
 */
void alarms_count_add(struct alarms *a, const char *kind,
    const char *decision, uint64_t n, int64_t now_ms);

/* The counts rolled over to now_ms's local day (0 when it is a new day). */
void alarms_roll(struct alarms *a, int64_t now_ms);

/* The i-th alarm, 0 the newest; NULL past the last. */
const struct alarm *alarms_get(const struct alarms *a, int i);
/* Alarms waiting for an acknowledgement. */
int alarms_unacked(const struct alarms *a);

/*
 * The body of an alarm_ack event by operator_id for alarm seq (0: every
 * unacknowledged one), into b: {"operator":..,"alarms":[seq,..]}.  Returns
 * how many it names; 0 (nothing written) when there is nothing to
 * acknowledge, -1 when seq is not in the feed.
 */
int alarms_ack_body(const struct alarms *a, const char *operator_id,
    int64_t seq, struct sbuf *b);

/* The local day of ms as YYYYMMDD, and the ms of its local midnight. */
int alarms_day_of(int64_t ms);
int64_t alarms_day_start_ms(int64_t ms);

/* The kind's event name ("intercept" for the weighing), and back (-1: none). */
const char *alarms_kind_name(enum alarms_kind k);
int alarms_kind_of(const char *kind, const char *decision);

/*
 * The kinds the feed reads from the store at start, as a JSON array of
 * event kinds (alarm_ack among them), and the weighings' decisions that
 * are alarms; and the kinds the day's counts read.
 */
extern const char alarms_store_kinds[];
extern const char alarms_store_decisions[];
extern const char alarms_count_kinds[];

#endif
