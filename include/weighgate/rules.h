/* The decision rules of docs/design.md §5: one pure function used by the lane and replay. */
#ifndef WEIGHGATE_RULES_H
#define WEIGHGATE_RULES_H

#include <stdbool.h>
#include <stdint.h>

#include "weighgate/measurement.h"

struct lists;

/* Limit table rows (the [limits] keys of §5). */
enum limit_row {
	LIM_2, LIM_3_RIGID, LIM_3_COMBINATION, LIM_4_RIGID, LIM_4_COMBINATION,
	LIM_5, LIM_6, LIM_6_SINGLE_DRIVE, LIM_NROWS
};

enum on_scale_fault { ON_FAULT_CLOSED, ON_FAULT_OPEN };

/* The effective [rules] and [limits]; percentages in hundredths. */
struct rules {
	int scale_class_x100;		/* 20 50 100 200 500 1000 */
	int tolerance_pct_x100;		/* -1: not set, the class applies */
	int tolerance_kg;
	int max_speed_kmh;
	int axle_sum_tolerance_pct;
	int min_gross_kg;
	int max_gross_kg;
	int max_retries;
	enum on_scale_fault on_scale_fault;
	bool overrides;
	int limits[LIM_NROWS];
};

enum decision_kind {
	DEC_PASS, DEC_TURNBACK, DEC_INTERCEPT, DEC_RETRY, DEC_HOLD, DEC_FAULT,
	DEC_NKINDS
};

enum reason {
	R_INVALID, R_UNSTABLE, R_GROSS_OUT_OF_RANGE, R_SPEED, R_AXLE_SUM,
	R_ABNORMAL_DRIVING, R_AXLES_OUT_OF_RANGE, R_RETRIES_EXHAUSTED, R_FAULT,
	R_WATCH, R_PASSENGER, R_EXEMPT, R_PERMIT, R_PERMIT_MISMATCH,
	R_OVER_GROSS, R_CONFIG_UNKNOWN, R_WITHIN_LIMIT, R_CLOCK_DOUBT,
	R_PLATE_MISSING,	/* plate_source = camera: no read paired */
	R_PLATES_DIFFER,	/* plate_source = camera: two plates paired */
	R_NREASONS
};

#define DEC_MAX_REASONS 16
#define DEC_PERMIT_ID_MAX 64

struct decision {
	enum decision_kind kind;
	int n_reasons;
	enum reason reasons[DEC_MAX_REASONS];
	bool has_limit;			/* false: passenger or invalid weighing */
	int64_t legal_limit_kg;
	int64_t tolerance_kg;		/* the tolerance added to the legal limit */
	int64_t applied_limit_kg;
	int64_t over_kg;		/* gross - legal limit */
	int64_t over_pct_x100;		/* hundredths of a percent, half away from 0 */
	bool flag_100t;
	char permit_id[DEC_PERMIT_ID_MAX];	/* "" when no permit applied */
};

/* The defaults of conf/weighgate.conf and the §5 limit table. */
void rules_defaults(struct rules *r);

/*
 * Decide one weighing.  prior_retries is the number of consecutive retry
 * decisions on this lane just before this one (see rules_next_retries()).
 * lists may be NULL (no lists in force).  now_ms is the time the lists and
 * permits are judged at.  Pure: no I/O, no clock, no globals.
 * With m->clock_doubt now_ms is not trusted (docs/decisions.md): watch
 * entries intercept whatever their `until`, and an over-limit truck whose
 * pass or turn-back would rest on a permit's or an exemption's time window
 * is held (clock_doubt).
 */
void decide(const struct measurement *m, const struct rules *r,
    const struct lists *l, int64_t now_ms, int prior_retries,
    struct decision *out);

/* A plate the lane camera read, paired with a weighing (docs/lane.md). */
struct rules_plate {
	char plate[MEAS_PLATE_MAX];
	enum pcolor color;
};

#define RULES_MAX_PLATES 4

/*
 * Decide a weighing whose plate comes from the lane camera: plates[0..n)
 * are the different plates paired with it (docs/lane.md, "Pairing a
 * camera's plate with a weighing"); m's own plate is not used.  None: decided
 * on weight alone, no list or permit matches, plate_missing.  One: decide()
 * with it.  Two or more: the watch list is checked on each (a hit on any
 * intercepts), permits and exemptions on none, and a truck over its limit
 * is held (plates_differ) instead of turned back on the wrong paper.
 * *used: the index of the plate the decision rests on, or -1.
 */
void decide_camera(const struct measurement *m, const struct rules_plate *plates,
    int n, const struct rules *r, const struct lists *l, int64_t now_ms,
    int prior_retries, struct decision *out, int *used);

/* The lane's retry count after decision d. */
int rules_next_retries(int prior_retries, const struct decision *d);

const char *decision_kind_name(enum decision_kind k);
const char *reason_name(enum reason r);
int decision_kind_parse(const char *s, enum decision_kind *out);
int reason_parse(const char *s, enum reason *out);

/* The rule-set id: SHA-256 (lowercase hex) of the effective rules and limits. */
void rules_id(const struct rules *r, char out[65]);

#endif
