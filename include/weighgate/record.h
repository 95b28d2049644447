/* Replay records: a measurement read from JSON (docs/design.md §8) and the decision written back. */
#ifndef WEIGHGATE_RECORD_H
#define WEIGHGATE_RECORD_H

#include <stdbool.h>
#include <stddef.h>

#include "weighgate/measurement.h"
#include "weighgate/rules.h"
#include "weighgate/sbuf.h"

struct record {
	struct measurement m;
	bool has_recorded;		/* recorded_decision present */
	enum decision_kind recorded;
	int n_recorded_reasons;
	enum reason recorded_reasons[DEC_MAX_REASONS];
};

enum record_status { RECORD_OK, RECORD_SKIP, RECORD_BAD };

/*
 * Read one JSON Lines record (the measurement object of §8, traffic-file
 * keys ignored).  RECORD_SKIP for the simulator's other lines (a
 * "device_fault" or "barrier_manual" key), RECORD_BAD with err naming the field for anything that is not a
 * valid record ("gross_kg: must be a non-negative integer ...").
 *
 * Required: lane (1-15 bytes), ts (RFC 3339: permits are judged at it),
 * seq, kind, config, axles, gross_kg, speed_kmh, plate (may be "").
 * Optional: axle_kg (absent: no axle-sum check), plate_color ("unknown"),
 * valid, unstable, fault, abnormal, clock_doubt (true, false, false,
 * false, false), and recorded_decision, either a decision name ("pass") or an object
 * {"decision": "turnback", "reasons": ["over_gross"]} (reasons optional).
 * Integers must be integral (1.5 is bad); axles and axle weights are what
 * a u16 register holds, gross_kg a u32; speed_kmh 0-6553.5 is rounded to
 * 0.1 km/h half up.  A key given twice is bad; unknown keys are ignored.
 */
enum record_status record_from_json(const char *line, size_t len,
    struct record *r, char *err, size_t errlen);

/*
 * The same as record_from_json, with the same outcome, record and messages
 * (but for the byte named in "not valid JSON"), read in one pass without a
 * tree: the reader replay uses (src/jsonrec.c).
 */
enum record_status jsonrec_read_json(const char *line, size_t len,
    struct record *r, char *err, size_t errlen);

/*
 * A weighing event body (docs/design.md §6: the output object of §8 plus
 * "measurement"): the measurement, and its "decision" and "reasons" as the
 * recorded decision.  RECORD_BAD with err for anything else.
 */
enum record_status jsonrec_read_event(const char *body, size_t len,
    struct record *r, char *err, size_t errlen);

/*
 * CSV input (src/csvrec.c): a header row naming the columns, then one
 * record per row.  Columns are the keys of the JSON record (lane, ts, seq,
 * kind, config, axles, gross_kg, speed_kmh, plate, plate_color, valid,
 * unstable, fault, abnormal, clock_doubt), axle1_kg ... axle12_kg for the
 * axle weights (optional), recorded_decision and recorded_reasons (names separated by
 * ';' or '|').  Unknown columns are ignored; an empty cell is an absent key.
 */
struct csvrec;

/* The header row; NULL with err when it is not a usable header. */
struct csvrec *csvrec_new(const char *header, size_t len,
    char *err, size_t errlen);
void csvrec_free(struct csvrec *c);
/* One data row (without its line end; quoted cells may not span lines). */
enum record_status csvrec_read(struct csvrec *c, const char *line,
    size_t len, struct record *r, char *err, size_t errlen);

/* The measurement as the JSON input object of §8 (compact, fixed key order). */
void record_measurement_json(struct sbuf *b, const struct measurement *m);

/*
 * The flat output object of §8: lane, seq, decision, reasons,
 * legal_limit_kg, applied_limit_kg, over_kg, over_pct, flag_100t, permit_id,
 * clock_doubt (only when true), ruleset.  With with_measurement,
 * "measurement" follows (the weighing event body of §6).  Compact, fixed key order, no newline.
 */
void record_decision_json(struct sbuf *b, const struct measurement *m,
    const struct decision *d, const char ruleset[65], bool with_measurement);

#endif
