/*
 * The store side of bench/sync (docs/benchmarks.md): makes the backlog and
 * the baseline's request bodies through the store's own API.
 *
 *   syncstore fill DB N TRAFFIC
 *	append N weighing events to the store DB (created if missing): each
 *	body is what the lane records, a measurement of the traffic file
 *	(cycled, its seq and time moved on) decided by decide() with the
 *	default rules, written by record_decision_json(); store_append()
 *	chains, hashes and commits each one (synchronous=FULL, one fsync each).
 *	No lane's result sequence is stored, so a daemon started on the store
 *	takes its lane's first reading as the baseline and adds no event.
 *
 *   syncstore batches DB CONTROLLER BATCH_MAX OUTDIR
 *	write the POST bodies sync.c would send for the backlog of DB, in
 *	order, as OUTDIR/NNNNNN.json (the same fetch, the same limits, the
 *	same sync_build_batch()), marking each batch synced in DB as if every
 *	event had been accepted: run it on a copy of the store.  Prints the
 *	number of batches and events.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "weighgate/record.h"
#include "weighgate/rules.h"
#include "weighgate/sbuf.h"
#include "weighgate/store.h"
#include "weighgate/sync.h"

#define LINE_MAX_BYTES	4096
#define MAX_RECORDS	100000
/* sync.c's fetch leaves this much of SYNC_MAX_BODY for the envelope. */
#define ENVELOPE_BYTES	1024
#define EVENT_GAP_MS	7000	/* between two weighings of the backlog */

static int
usage(void)
{
	fprintf(stderr, "usage: syncstore fill DB N TRAFFIC\n"
	    "       syncstore batches DB CONTROLLER BATCH_MAX OUTDIR\n");
	return 2;
}

/* The weighings of the traffic file; returns how many were read. */
static size_t
read_traffic(const char *path, struct measurement *m, size_t max)
{
	char line[LINE_MAX_BYTES], err[256];
	struct record r;
	size_t n = 0, lineno = 0;
	FILE *f;

	if ((f = fopen(path, "r")) == NULL) {
		fprintf(stderr, "syncstore: %s: %s\n", path, strerror(errno));
		return 0;
	}
	while (n < max && fgets(line, sizeof(line), f) != NULL) {
		lineno++;
		switch (record_from_json(line, strcspn(line, "\n"), &r, err,
		    sizeof(err))) {
		case RECORD_OK:
			m[n++] = r.m;
			break;
		case RECORD_SKIP:
			break;
		case RECORD_BAD:
			fprintf(stderr, "syncstore: %s:%zu: %s\n", path,
			    lineno, err);
			break;
		}
	}
	fclose(f);
	return n;
}

static int
fill(const char *db, long n, const char *traffic)
{
	static struct measurement ms[MAX_RECORDS];
	struct store_appended ap;
	struct decision d;
	struct rules rules;
	struct sbuf b;
	char ruleset[65], err[512];
	size_t nm;
	int64_t t0 = 1795000000000LL;	/* 2026-11-18 */
	int retries = 0;
	store_t *s;
	long i;

	if ((nm = read_traffic(traffic, ms, MAX_RECORDS)) == 0) {
		fprintf(stderr, "syncstore: %s: no weighing\n", traffic);
		return 1;
	}
	if ((s = store_open(db, 0, err, sizeof(err))) == NULL) {
		fprintf(stderr, "syncstore: %s\n", err);
		return 1;
	}
	rules_defaults(&rules);
	rules_id(&rules, ruleset);
	sbuf_init(&b);
	for (i = 0; i < n; i++) {
		struct measurement m = ms[(size_t)i % nm];

		m.seq = i + 1;
		m.ts_ms = t0 + i * EVENT_GAP_MS;
		decide(&m, &rules, NULL, m.ts_ms, retries, &d);
		retries = rules_next_retries(retries, &d);
		sbuf_reset(&b);
		record_decision_json(&b, &m, &d, ruleset, true);
		if (store_append(s, "weighing", b.p, m.ts_ms, NULL, 0,
		    &ap) != STORE_OK) {
			fprintf(stderr, "syncstore: append %ld: %s\n", i + 1,
			    store_errmsg(s));
			break;
		}
	}
	sbuf_fini(&b);
	store_close(s);
	return i == n ? 0 : 1;
}

/* Write one request body to OUTDIR/NNNNNN.json. */
static int
write_body(const char *dir, long k, const struct sbuf *body)
{
	char path[4096];
	FILE *f;
	int ok;

	snprintf(path, sizeof(path), "%s/%06ld.json", dir, k);
	if ((f = fopen(path, "w")) == NULL) {
		fprintf(stderr, "syncstore: %s: %s\n", path, strerror(errno));
		return -1;
	}
	ok = fwrite(body->p, 1, body->len, f) == body->len;
	if (fclose(f) != 0 || !ok) {
		fprintf(stderr, "syncstore: %s: write failed\n", path);
		return -1;
	}
	return 0;
}

/* Mark the first n events of the batch synced. */
static int
settle(store_t *s, const struct store_batch *bt, size_t n)
{
	const char **uuids;
	size_t i;
	int rc;

	if ((uuids = calloc(n, sizeof(*uuids))) == NULL)
		return -1;
	for (i = 0; i < n; i++)
		uuids[i] = bt->ev[i].uuid;
	rc = store_mark_synced(s, uuids, n);
	free(uuids);
	return rc;
}

static int
batches(const char *db, const char *controller, long batch_max,
    const char *dir)
{
	struct store_batch bt = { 0, NULL };
	struct sbuf body;
	char err[512];
	long k = 0, events = 0;
	size_t n;
	store_t *s;
	int rc = 1;

	if ((s = store_open(db, 0, err, sizeof(err))) == NULL) {
		fprintf(stderr, "syncstore: %s\n", err);
		return 1;
	}
	sbuf_init(&body);
	for (;;) {
		if (store_fetch_unsynced(s, (size_t)batch_max,
		    SYNC_MAX_BODY - ENVELOPE_BYTES, &bt) != 0)
			goto done;
		if (bt.n == 0)
			break;
		n = sync_build_batch(&body, controller, store_chain(s), bt.ev,
		    bt.n, (size_t)batch_max, SYNC_MAX_BODY);
		if (write_body(dir, ++k, &body) != 0 || settle(s, &bt, n) != 0)
			goto done;
		events += (long)n;
		store_batch_free(&bt);
	}
	printf("%ld batches, %ld events\n", k, events);
	rc = 0;
done:
	if (rc != 0)
		fprintf(stderr, "syncstore: %s\n", store_errmsg(s));
	store_batch_free(&bt);
	sbuf_fini(&body);
	store_close(s);
	return rc;
}

int
main(int argc, char **argv)
{
	char *end;
	long n;

	if (argc == 5 && strcmp(argv[1], "fill") == 0) {
		n = strtol(argv[3], &end, 10);
		if (*end != '\0' || n < 1 || n > 100000000)
			return usage();
		return fill(argv[2], n, argv[4]);
	}
	if (argc == 6 && strcmp(argv[1], "batches") == 0) {
		n = strtol(argv[4], &end, 10);
		if (*end != '\0' || n < 1 || n > 10000)
			return usage();
		return batches(argv[2], argv[3], n, argv[5]);
	}
	return usage();
}
