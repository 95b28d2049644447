/* The decision rules of docs/design.md §5: one pure function for the lane and replay. */
/*
 * decide() applies the rules in the order of §5 and stops at the first one
 * that decides; it reads nothing but its arguments.  All arithmetic is on
 * integers (kg, hundredths of a percent), so the daemon, replay and the
 * platform's own checks agree to the kilogram.
 */
#include <stdio.h>
#include <string.h>

#include "weighgate/chain.h"
#include "weighgate/lists.h"
#include "weighgate/rules.h"
#include "weighgate/sbuf.h"

#define FLAG_100T_KG	100000
#define PERMIT_CHUNK	16

static const char *const kind_names[DEC_NKINDS] = {
	"pass", "turnback", "intercept", "retry", "hold", "fault"
};

static const char *const reason_names[R_NREASONS] = {
	"invalid", "unstable", "gross_out_of_range", "speed", "axle_sum",
	"abnormal_driving", "axles_out_of_range", "retries_exhausted", "fault",
	"watch", "passenger", "exempt", "permit", "permit_mismatch",
	"over_gross", "config_unknown", "within_limit", "clock_doubt",
	"plate_missing", "plates_differ"
};

/* The [limits] keys, in the order of enum limit_row. */
static const char *const limit_keys[LIM_NROWS] = {
	"2", "3.rigid", "3.combination", "4.rigid", "4.combination", "5", "6",
	"6.single_drive"
};

void
rules_defaults(struct rules *r)
{
	static const int table[LIM_NROWS] = {
		18000, 25000, 27000, 31000, 36000, 43000, 49000, 46000
	};

	memset(r, 0, sizeof(*r));
	r->scale_class_x100 = 200;
	r->tolerance_pct_x100 = -1;
	r->tolerance_kg = 0;
	r->max_speed_kmh = 15;
	r->axle_sum_tolerance_pct = 5;
	r->min_gross_kg = 1000;
	r->max_gross_kg = 200000;
	r->max_retries = 2;
	r->on_scale_fault = ON_FAULT_CLOSED;
	r->overrides = false;
	memcpy(r->limits, table, sizeof(table));
}

static void
add_reason(struct decision *d, enum reason why)
{
	if (d->n_reasons < DEC_MAX_REASONS)
		d->reasons[d->n_reasons++] = why;
}

/*
 * The validity checks of rule 1 that fail, in the order §5 lists them.
 * Returns how many were written to why[].
 */
static int
validity_failures(const struct measurement *m, const struct rules *r,
    enum reason why[8])
{
	int64_t sum = 0, diff;
	int n = 0, i;

	if (!m->valid)
		why[n++] = R_INVALID;
	if (m->unstable)
		why[n++] = R_UNSTABLE;
	if (m->gross_kg < r->min_gross_kg || m->gross_kg > r->max_gross_kg)
		why[n++] = R_GROSS_OUT_OF_RANGE;
	if ((int64_t)m->speed_dkmh > (int64_t)r->max_speed_kmh * 10)
		why[n++] = R_SPEED;
	/* |gross| < 2^40 keeps the products below in range; beyond, the
	 * gross check has already failed and the axle sum is not judged. */
	if (m->n_axle_kg > 0 && m->gross_kg > -(INT64_C(1) << 40) &&
	    m->gross_kg < (INT64_C(1) << 40)) {
		for (i = 0; i < m->n_axle_kg && i < MEAS_MAX_AXLES; i++)
			sum += m->axle_kg[i];
		diff = sum > m->gross_kg ? sum - m->gross_kg : m->gross_kg - sum;
		/*
		 * Off by more than pct % of gross, exactly:
		 *   |sum - gross| * 100 > axle_sum_tolerance_pct * gross
		 */
		if (diff * 100 > (int64_t)r->axle_sum_tolerance_pct * m->gross_kg)
			why[n++] = R_AXLE_SUM;
	}
	if (m->abnormal)
		why[n++] = R_ABNORMAL_DRIVING;
	if (m->kind != VK_PASSENGER && (m->axles < 2 || m->axles > 12))
		why[n++] = R_AXLES_OUT_OF_RANGE;
	return n;
}

/* Rule 1 when a check failed: retry, or hold once the retries are spent. */
static void
decide_invalid(const enum reason *why, int n, const struct rules *r,
    int prior_retries, struct decision *d)
{
	int i;

	if (prior_retries >= r->max_retries) {
		d->kind = DEC_HOLD;
		add_reason(d, R_RETRIES_EXHAUSTED);
	} else
		d->kind = DEC_RETRY;
	for (i = 0; i < n; i++)
		add_reason(d, why[i]);
}

static int
max_int(int a, int b)
{
	return a > b ? a : b;
}

/*
 * The legal limit for axles (2-12, checked by rule 1) and configuration.
 * An unknown configuration gets the higher row of its axle count and sets
 * *unknown.  A single-drive combination under 6 axles is a combination.
 */
static int64_t
legal_limit(const struct rules *r, int axles, enum vconfig cfg, bool *unknown)
{
	const int *L = r->limits;
	bool comb = cfg == VC_COMBINATION || cfg == VC_COMBINATION_SINGLE_DRIVE;

	*unknown = !comb && cfg != VC_RIGID;
	if (axles <= 2)
		return L[LIM_2];
	if (axles == 3)
		return *unknown ? max_int(L[LIM_3_RIGID], L[LIM_3_COMBINATION]) :
		    L[comb ? LIM_3_COMBINATION : LIM_3_RIGID];
	if (axles == 4)
		return *unknown ? max_int(L[LIM_4_RIGID], L[LIM_4_COMBINATION]) :
		    L[comb ? LIM_4_COMBINATION : LIM_4_RIGID];
	if (axles == 5)
		return L[LIM_5];
	if (*unknown)
		return max_int(L[LIM_6], L[LIM_6_SINGLE_DRIVE]);
	return L[cfg == VC_COMBINATION_SINGLE_DRIVE ? LIM_6_SINGLE_DRIVE : LIM_6];
}

/*
 * The tolerance added to a limit (rule 6, and rule 5 on max_gross_kg):
 * max(tolerance_kg, floor(limit * tol / 10000)), tol in hundredths of a
 * percent: tolerance_pct when set, else the scale's accuracy class.
 */
static int64_t
tolerance_of(const struct rules *r, int64_t limit)
{
	int64_t tol = r->tolerance_pct_x100 >= 0 ? r->tolerance_pct_x100 :
	    r->scale_class_x100;
	int64_t kg = limit * tol / 10000;	/* both >= 0: truncation is floor */

	return kg > r->tolerance_kg ? kg : r->tolerance_kg;
}

/* num / den rounded half away from zero; den > 0. */
static int64_t
div_round(int64_t num, int64_t den)
{
	if (num >= 0)
		return (2 * num + den) / (2 * den);
	return -((-2 * num + den) / (2 * den));
}

/* Record the legal limit, tolerance and excess of a truck. */
static void
set_limit(const struct measurement *m, const struct rules *r,
    int64_t legal, struct decision *d)
{
	d->has_limit = true;
	d->legal_limit_kg = legal;
	d->tolerance_kg = tolerance_of(r, legal);
	d->applied_limit_kg = legal + d->tolerance_kg;
	d->over_kg = m->gross_kg - legal;
	d->over_pct_x100 = legal > 0 ? div_round(10000 * d->over_kg, legal) : 0;
}

/*
 * Rule 5: the first counting permit, in document order, with the vehicle's
 * axle count and gross within max_gross_kg plus tolerance.  Returns it, or
 * NULL; *counted says whether any permit counted at all.
 */
static const struct permit *
permit_fit(const struct measurement *m, const struct rules *r,
    const struct lists *l, int64_t now_ms, bool *counted)
{
	const struct permit *chunk[PERMIT_CHUNK];
	size_t skip = 0, total, i;

	*counted = false;
	do {
		total = lists_permits_from(l, m->plate, m->plate_color, now_ms,
		    skip, chunk, PERMIT_CHUNK);
		*counted = total > 0;
		for (i = 0; i < PERMIT_CHUNK && skip + i < total; i++)
			if (chunk[i]->axles == m->axles && m->gross_kg <=
			    chunk[i]->max_gross_kg +
			    tolerance_of(r, chunk[i]->max_gross_kg))
				return chunk[i];
		skip += PERMIT_CHUNK;
	} while (skip < total);
	return NULL;
}

/* Rules 4-7 for a truck (or a vehicle of unknown kind) whose limit is set. */
static void
decide_truck(const struct measurement *m, const struct rules *r,
    const struct lists *l, int64_t now_ms, struct decision *d)
{
	const struct permit *p;
	bool counted;

	d->kind = DEC_PASS;
	if (lists_exempt_hit(l, m->plate, m->plate_color, now_ms)) {
		add_reason(d, R_EXEMPT);
		return;
	}
	if ((p = permit_fit(m, r, l, now_ms, &counted)) != NULL) {
		add_reason(d, R_PERMIT);
		snprintf(d->permit_id, sizeof(d->permit_id), "%s", p->id);
		return;
	}
	if (m->gross_kg > d->applied_limit_kg) {
		d->kind = DEC_TURNBACK;
		add_reason(d, R_OVER_GROSS);
	} else
		add_reason(d, R_WITHIN_LIMIT);
	if (counted)
		add_reason(d, R_PERMIT_MISMATCH);
}

/*
 * Rules 4-7 while the clock is in doubt (docs/decisions.md): no time
 * window is judged.  An exemption without `until` counts as ever; a truck
 * within its limit passes; an over-limit truck that an exemption or a
 * permit might cover (the permit on axles and gross, its window unjudged)
 * is held for staff to check the paper: neither a pass nor a turn-back
 * rests on a clock that may be wrong.
 */
static void
decide_truck_doubt(const struct measurement *m, const struct rules *r,
    const struct lists *l, struct decision *d)
{
	const struct permit *p;
	bool counted, exempt;

	d->kind = DEC_PASS;
	if (lists_exempt_hit(l, m->plate, m->plate_color,
	    LISTS_UNBOUNDED_ONLY)) {
		add_reason(d, R_EXEMPT);
		return;
	}
	p = permit_fit(m, r, l, LISTS_ANY_TIME, &counted);
	exempt = lists_exempt_hit(l, m->plate, m->plate_color, LISTS_ANY_TIME);
	if (m->gross_kg <= d->applied_limit_kg || (p == NULL && !exempt)) {
		d->kind = m->gross_kg <= d->applied_limit_kg ? DEC_PASS :
		    DEC_TURNBACK;
		add_reason(d, d->kind == DEC_PASS ? R_WITHIN_LIMIT :
		    R_OVER_GROSS);
		if (counted && p == NULL)
			add_reason(d, R_PERMIT_MISMATCH);
		return;
	}
	d->kind = DEC_HOLD;
	add_reason(d, R_CLOCK_DOUBT);
	if (exempt)
		add_reason(d, R_EXEMPT);
	if (p != NULL) {
		add_reason(d, R_PERMIT);
		snprintf(d->permit_id, sizeof(d->permit_id), "%s", p->id);
	}
	add_reason(d, R_OVER_GROSS);
}

void
decide(const struct measurement *m, const struct rules *r,
    const struct lists *l, int64_t now_ms, int prior_retries,
    struct decision *d)
{
	enum reason why[8];
	bool truck = m->kind != VK_PASSENGER, unknown = false;
	int n;

	memset(d, 0, sizeof(*d));
	if (m->fault) {
		/* The scale disowns the reading: no limit, no 100 t flag. */
		d->kind = DEC_FAULT;
		add_reason(d, R_FAULT);
		return;
	}
	/*
	 * A gross of 100 t or more is flagged whatever is decided, a retry
	 * included: the scale did report it, and a 百吨王 trying lane after
	 * lane with bad weighings is what an analyst wants to find.
	 */
	d->flag_100t = m->gross_kg >= FLAG_100T_KG;
	if ((n = validity_failures(m, r, why)) > 0) {
		decide_invalid(why, n, r, prior_retries, d);
		return;
	}
	/*
	 * Every valid truck gets its limit looked up before rule 2, so an
	 * intercepted or exempt truck's load is on record too; the lookup
	 * names config_unknown after the deciding reasons whichever rule won.
	 */
	if (truck)
		set_limit(m, r, legal_limit(r, m->axles, m->config, &unknown), d);
	/* in doubt a watch entry intercepts whatever its `until` says */
	if (lists_watch_hit(l, m->plate, m->plate_color,
	    m->clock_doubt ? LISTS_ANY_TIME : now_ms)) {
		d->kind = DEC_INTERCEPT;
		add_reason(d, R_WATCH);
	} else if (!truck) {
		d->kind = DEC_PASS;
		add_reason(d, R_PASSENGER);
	} else if (m->clock_doubt)
		decide_truck_doubt(m, r, l, d);
	else
		decide_truck(m, r, l, now_ms, d);
	if (unknown)
		add_reason(d, R_CONFIG_UNKNOWN);
}

/* m with the camera's plate in place of the scale's ("" for none). */
static void
with_plate(struct measurement *dst, const struct measurement *m,
    const struct rules_plate *p)
{
	*dst = *m;
	snprintf(dst->plate, sizeof(dst->plate), "%s", p != NULL ? p->plate : "");
	dst->plate_color = p != NULL ? p->color : PC_UNKNOWN;
}

void
decide_camera(const struct measurement *m, const struct rules_plate *plates,
    int n, const struct rules *r, const struct lists *l, int64_t now_ms,
    int prior_retries, struct decision *d, int *used)
{
	struct measurement mp;
	int i;

	*used = -1;
	if (n == 1) {
		with_plate(&mp, m, &plates[0]);
		decide(&mp, r, l, now_ms, prior_retries, d);
		*used = 0;
		return;
	}
	for (i = 0; i < n; i++) {
		with_plate(&mp, m, &plates[i]);
		decide(&mp, r, l, now_ms, prior_retries, d);
		if (d->kind == DEC_INTERCEPT) {
			*used = i;
			add_reason(d, R_PLATES_DIFFER);
			return;
		}
	}
	/* on weight alone: an empty plate matches no list entry */
	with_plate(&mp, m, NULL);
	decide(&mp, r, l, now_ms, prior_retries, d);
	if (n == 0) {
		add_reason(d, R_PLATE_MISSING);
		return;
	}
	if (d->kind == DEC_TURNBACK)
		d->kind = DEC_HOLD;
	add_reason(d, R_PLATES_DIFFER);
}

int
rules_next_retries(int prior_retries, const struct decision *d)
{
	return d->kind == DEC_RETRY ? prior_retries + 1 : 0;
}

const char *
decision_kind_name(enum decision_kind k)
{
	return (unsigned)k < DEC_NKINDS ? kind_names[k] : "unknown";
}

const char *
reason_name(enum reason r)
{
	return (unsigned)r < R_NREASONS ? reason_names[r] : "unknown";
}

int
decision_kind_parse(const char *s, enum decision_kind *out)
{
	int i;

	for (i = 0; i < DEC_NKINDS; i++)
		if (strcmp(kind_names[i], s) == 0) {
			*out = (enum decision_kind)i;
			return 0;
		}
	return -1;
}

int
reason_parse(const char *s, enum reason *out)
{
	int i;

	for (i = 0; i < R_NREASONS; i++)
		if (strcmp(reason_names[i], s) == 0) {
			*out = (enum reason)i;
			return 0;
		}
	return -1;
}

/*
 * The rule-set id: SHA-256 of a canonical text holding every effective
 * [rules] and [limits] setting, one "key=value\n" line each, in a fixed
 * order; percentages and the class in hundredths, as held.
 */
void
rules_id(const struct rules *r, char out[65])
{
	struct sbuf b;
	int i;

	sbuf_init(&b);
	sbuf_printf(&b, "weighgate-rules-v1\nscale_class_x100=%d\n"
	    "tolerance_pct_x100=%d\ntolerance_kg=%d\nmax_speed_kmh=%d\n"
	    "axle_sum_tolerance_pct=%d\nmin_gross_kg=%d\nmax_gross_kg=%d\n"
	    "max_retries=%d\non_scale_fault=%s\noverrides=%s\n",
	    r->scale_class_x100, r->tolerance_pct_x100, r->tolerance_kg,
	    r->max_speed_kmh, r->axle_sum_tolerance_pct, r->min_gross_kg,
	    r->max_gross_kg, r->max_retries,
	    r->on_scale_fault == ON_FAULT_OPEN ? "open" : "closed",
	    r->overrides ? "on" : "off");
	for (i = 0; i < LIM_NROWS; i++)
		sbuf_printf(&b, "limits.%s=%d\n", limit_keys[i], r->limits[i]);
	chain_sha256_hex(b.p != NULL ? b.p : "", b.len, out);
	sbuf_fini(&b);
}
