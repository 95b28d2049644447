/* Replay's tally: what was decided, the over-limit rates, the summary and the report. */
#include <stdlib.h>
#include <string.h>

#include "weighgate/timefmt.h"

#include "replay.h"

/*
 * How it fits: replay.c hands every decided record to tally_record and
 * every bad line to tally_bad; at the end the same figures are printed as
 * a table (standard error) and, with --report, written as JSON.  Nothing
 * here depends on time or on the order of a hash table, so the same input
 * gives the same bytes.
 *
 * The over-limit rate of an axle count is the share of weighings with a
 * legal limit (valid truck weighings) turned back for over_gross.
 */

static const char *const config_names[4] = {
	"unknown", "rigid", "combination", "combination_single_drive",
};

static bool
has_reason(const struct decision *d, enum reason why)
{
	int i;

	for (i = 0; i < d->n_reasons; i++)
		if (d->reasons[i] == why)
			return true;
	return false;
}

/* Keep the TALLY_HEAVIEST heaviest, the earlier first among equals. */
static void
keep_heavy(struct tally *t, const struct measurement *m,
    const struct decision *d)
{
	struct heavy *h;
	int i;

	if (t->n_heavy == TALLY_HEAVIEST &&
	    m->gross_kg <= t->heavy[TALLY_HEAVIEST - 1].gross_kg)
		return;
	i = t->n_heavy < TALLY_HEAVIEST ? t->n_heavy++ : TALLY_HEAVIEST - 1;
	for (; i > 0 && t->heavy[i - 1].gross_kg < m->gross_kg; i--)
		t->heavy[i] = t->heavy[i - 1];
	h = &t->heavy[i];
	memcpy(h->lane, m->lane, sizeof(h->lane));
	memcpy(h->plate, m->plate, sizeof(h->plate));
	h->seq = m->seq;
	h->ts_ms = m->ts_ms;
	h->gross_kg = m->gross_kg;
	h->axles = m->axles;
	h->config = m->config;
	h->kind = d->kind;
}

void
tally_record(struct tally *t, const struct record *r, const struct decision *d)
{
	const struct measurement *m = &r->m;
	int i;

	t->records++;
	t->by_kind[d->kind]++;
	for (i = 0; i < d->n_reasons; i++)
		t->by_reason[d->reasons[i]]++;
	if (d->flag_100t)
		t->flag_100t++;
	if (d->has_limit && m->axles >= 0 && m->axles <= MEAS_MAX_AXLES) {
		t->weighed[m->axles][m->config & 3]++;
		if (d->kind == DEC_TURNBACK && has_reason(d, R_OVER_GROSS))
			t->over[m->axles][m->config & 3]++;
		keep_heavy(t, m, d);
	}
	if (r->has_recorded) {
		t->recorded++;
		t->moves[r->recorded][d->kind]++;
		if (r->recorded != d->kind)
			t->changed++;
	}
}

void
tally_bad(struct tally *t, const char *where, const char *message)
{
	struct bad_line *b;

	t->bad++;
	if (t->n_bad_kept == TALLY_BAD_KEPT)
		return;
	b = &t->bad_kept[t->n_bad_kept];
	if ((b->where = strdup(where)) == NULL ||
	    (b->message = strdup(message)) == NULL) {
		free(b->where);
		return;
	}
	t->n_bad_kept++;
}

void
tally_free(struct tally *t)
{
	int i;

	for (i = 0; i < t->n_bad_kept; i++) {
		free(t->bad_kept[i].where);
		free(t->bad_kept[i].message);
	}
	t->n_bad_kept = 0;
}

/* 100 * part / whole in hundredths, half up. */
static uint64_t
pct_x100(uint64_t part, uint64_t whole)
{
	return whole ? (part * 20000 + whole) / (2 * whole) : 0;
}

static void
print_pct(FILE *f, uint64_t x100)
{
	fprintf(f, "%4llu.%02llu", (unsigned long long)(x100 / 100),
	    (unsigned long long)(x100 % 100));
}

static uint64_t
row_sum(const uint64_t row[4])
{
	return row[0] + row[1] + row[2] + row[3];
}

static void
print_rate(FILE *f, const char *axles, const char *config, uint64_t over,
    uint64_t weighed)
{
	fprintf(f, "  %-6s%-26s%10llu%8llu  ", axles, config,
	    (unsigned long long)weighed, (unsigned long long)over);
	print_pct(f, pct_x100(over, weighed));
	fputc('\n', f);
}

static void
print_rates(FILE *f, const struct tally *t)
{
	char ax[8];
	int a, c;

	fprintf(f, "over-limit rate by axle count and configuration\n"
	    "  %-6s%-26s%10s%8s  %s\n", "axles", "configuration", "weighed",
	    "over", "rate %");
	for (a = 0; a <= MEAS_MAX_AXLES; a++) {
		if (row_sum(t->weighed[a]) == 0)
			continue;
		snprintf(ax, sizeof(ax), "%d", a);
		print_rate(f, ax, "all", row_sum(t->over[a]),
		    row_sum(t->weighed[a]));
		for (c = 0; c < 4; c++)
			if (t->weighed[a][c] > 0)
				print_rate(f, "", config_names[c], t->over[a][c],
				    t->weighed[a][c]);
	}
}

static void
print_heavy(FILE *f, const struct tally *t)
{
	char ts[TS_TEXT_LEN + 1];
	int i;

	if (t->n_heavy == 0)
		return;
	fprintf(f, "heaviest vehicles\n  %-10s%-26s%10s%7s  %-10s%s\n", "lane",
	    "time", "gross_kg", "axles", "decision", "plate");
	for (i = 0; i < t->n_heavy; i++) {
		const struct heavy *h = &t->heavy[i];

		ts_format(h->ts_ms, ts);
		fprintf(f, "  %-10s%-26s%10lld%7d  %-10s%s\n", h->lane, ts,
		    (long long)h->gross_kg, h->axles,
		    decision_kind_name(h->kind), h->plate);
	}
}

static void
print_moves(FILE *f, const struct tally *t)
{
	int o, n;

	fprintf(f, "changed decisions: %llu of %llu with a recorded decision\n",
	    (unsigned long long)t->changed, (unsigned long long)t->recorded);
	for (o = 0; o < DEC_NKINDS; o++)
		for (n = 0; n < DEC_NKINDS; n++)
			if (o != n && t->moves[o][n] > 0)
				fprintf(f, "  %-9s -> %-9s %10llu\n",
				    decision_kind_name((enum decision_kind)o),
				    decision_kind_name((enum decision_kind)n),
				    (unsigned long long)t->moves[o][n]);
}

void
tally_print(FILE *f, const struct tally *t, const char *ruleset, bool diff)
{
	int i;

	fprintf(f, "records: %llu   bad lines: %llu   skipped lines: %llu\n"
	    "ruleset: %s\n", (unsigned long long)t->records,
	    (unsigned long long)t->bad, (unsigned long long)t->skipped, ruleset);
	fprintf(f, "  %-20s%10s  %s\n", "decision", "records", "share %");
	for (i = 0; i < DEC_NKINDS; i++) {
		fprintf(f, "  %-20s%10llu  ",
		    decision_kind_name((enum decision_kind)i),
		    (unsigned long long)t->by_kind[i]);
		print_pct(f, pct_x100(t->by_kind[i], t->records));
		fputc('\n', f);
	}
	fprintf(f, "  %-20s%10s\n", "reason", "records");
	for (i = 0; i < R_NREASONS; i++)
		if (t->by_reason[i] > 0)
			fprintf(f, "  %-20s%10llu\n", reason_name((enum reason)i),
			    (unsigned long long)t->by_reason[i]);
	print_rates(f, t);
	fprintf(f, "flag_100t (gross >= 100 t): %llu\n",
	    (unsigned long long)t->flag_100t);
	print_heavy(f, t);
	if (diff)
		print_moves(f, t);
}

/* ---- the report ---- */

static void
put_u64(struct sbuf *b, const char *key, uint64_t v, bool comma)
{
	if (comma)
		sbuf_putc(b, ',');
	sbuf_put_json_str(b, key);
	sbuf_putc(b, ':');
	sbuf_put_i64(b, (int64_t)v);
}

/* {"weighed":N,"over":N,"rate_pct":R} */
static void
put_rate(struct sbuf *b, uint64_t over, uint64_t weighed)
{
	put_u64(b, "weighed", weighed, false);
	put_u64(b, "over", over, true);
	sbuf_puts(b, ",\"rate_pct\":");
	sbuf_put_fixed(b, (int64_t)pct_x100(over, weighed), 2);
}

static void
json_rates(struct sbuf *b, const struct tally *t)
{
	bool first = true, cfirst;
	int a, c;

	sbuf_puts(b, ",\"over_limit\":[");
	for (a = 0; a <= MEAS_MAX_AXLES; a++) {
		if (row_sum(t->weighed[a]) == 0)
			continue;
		sbuf_puts(b, first ? "{" : ",{");
		first = false;
		put_u64(b, "axles", (uint64_t)a, false);
		sbuf_putc(b, ',');
		put_rate(b, row_sum(t->over[a]), row_sum(t->weighed[a]));
		sbuf_puts(b, ",\"by_config\":{");
		cfirst = true;
		for (c = 0; c < 4; c++) {
			if (t->weighed[a][c] == 0)
				continue;
			if (!cfirst)
				sbuf_putc(b, ',');
			cfirst = false;
			sbuf_put_json_str(b, config_names[c]);
			sbuf_puts(b, ":{");
			put_rate(b, t->over[a][c], t->weighed[a][c]);
			sbuf_putc(b, '}');
		}
		sbuf_puts(b, "}}");
	}
	sbuf_putc(b, ']');
}

static void
json_heavy(struct sbuf *b, const struct tally *t)
{
	char ts[TS_TEXT_LEN + 1];
	int i;

	sbuf_puts(b, ",\"heaviest\":[");
	for (i = 0; i < t->n_heavy; i++) {
		const struct heavy *h = &t->heavy[i];

		ts_format(h->ts_ms, ts);
		sbuf_puts(b, i ? ",{\"lane\":" : "{\"lane\":");
		sbuf_put_json_str(b, h->lane);
		put_u64(b, "seq", (uint64_t)h->seq, true);
		sbuf_puts(b, ",\"ts\":");
		sbuf_put_json_str(b, ts);
		sbuf_puts(b, ",\"plate\":");
		sbuf_put_json_str(b, h->plate);
		put_u64(b, "axles", (uint64_t)h->axles, true);
		sbuf_puts(b, ",\"config\":");
		sbuf_put_json_str(b, config_names[h->config & 3]);
		put_u64(b, "gross_kg", (uint64_t)h->gross_kg, true);
		sbuf_puts(b, ",\"decision\":");
		sbuf_put_json_str(b, decision_kind_name(h->kind));
		sbuf_putc(b, '}');
	}
	sbuf_putc(b, ']');
}

static void
json_moves(struct sbuf *b, const struct tally *t)
{
	bool first = true;
	int o, n;

	sbuf_puts(b, ",\"diff\":{");
	put_u64(b, "recorded", t->recorded, false);
	put_u64(b, "changed", t->changed, true);
	sbuf_puts(b, ",\"transitions\":[");
	for (o = 0; o < DEC_NKINDS; o++)
		for (n = 0; n < DEC_NKINDS; n++) {
			if (o == n || t->moves[o][n] == 0)
				continue;
			sbuf_puts(b, first ? "{\"old\":" : ",{\"old\":");
			first = false;
			sbuf_put_json_str(b, decision_kind_name((enum decision_kind)o));
			sbuf_puts(b, ",\"new\":");
			sbuf_put_json_str(b, decision_kind_name((enum decision_kind)n));
			put_u64(b, "count", t->moves[o][n], true);
			sbuf_putc(b, '}');
		}
	sbuf_puts(b, "]}");
}

static void
json_bad(struct sbuf *b, const struct tally *t)
{
	int i;

	sbuf_puts(b, ",\"bad\":[");
	for (i = 0; i < t->n_bad_kept; i++) {
		sbuf_puts(b, i ? ",{\"where\":" : "{\"where\":");
		sbuf_put_json_str(b, t->bad_kept[i].where);
		sbuf_puts(b, ",\"message\":");
		sbuf_put_json_str(b, t->bad_kept[i].message);
		sbuf_putc(b, '}');
	}
	sbuf_putc(b, ']');
}

static void
json_counts(struct sbuf *b, const struct tally *t)
{
	bool first = true;
	int i;

	sbuf_puts(b, ",\"decisions\":{");
	for (i = 0; i < DEC_NKINDS; i++)
		put_u64(b, decision_kind_name((enum decision_kind)i),
		    t->by_kind[i], i > 0);
	sbuf_puts(b, "},\"reasons\":{");
	for (i = 0; i < R_NREASONS; i++)
		if (t->by_reason[i] > 0) {
			put_u64(b, reason_name((enum reason)i), t->by_reason[i],
			    !first);
			first = false;
		}
	sbuf_putc(b, '}');
}

void
tally_json(struct sbuf *b, const struct tally *t, const char *ruleset,
    char *const *inputs, int ninputs)
{
	int i;

	sbuf_puts(b, "{\"inputs\":[");
	for (i = 0; i < ninputs; i++) {
		if (i > 0)
			sbuf_putc(b, ',');
		sbuf_put_json_str(b, inputs[i]);
	}
	sbuf_puts(b, "],\"ruleset\":");
	sbuf_put_json_str(b, ruleset);
	put_u64(b, "records", t->records, true);
	put_u64(b, "skipped", t->skipped, true);
	put_u64(b, "bad_lines", t->bad, true);
	json_counts(b, t);
	json_rates(b, t);
	put_u64(b, "flag_100t", t->flag_100t, true);
	json_heavy(b, t);
	json_moves(b, t);
	json_bad(b, t);
	sbuf_puts(b, "}\n");
}
