/*
 * The alarm feed and the store (docs/status.md, "The alarm feed"): the
 * read at start that rebuilds the feed and the day's counts, the
 * acknowledgement recorded as an alarm_ack event, and a disk_low committed
 * by the housekeeping caught up.  Runs on the daemon's loop; the feed
 * itself is the pure alarms.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "weighgate/event.h"
#include "weighgate/alarms_store.h"
#include "weighgate/log.h"
#include "weighgate/timefmt.h"

/* The store's events as the feed reads them, oldest first. */
static int
rebuild_from(struct alarms *a, const struct store_batch *b)
{
	struct alarms_event *ev = calloc(b->n + 1, sizeof(*ev));
	size_t i, n = 0;

	if (ev == NULL)
		return -1;
	for (i = b->n; i-- > 0;) {
		const struct store_event *e = &b->ev[i];

		if (ts_parse(e->ts, &ev[n].ts_ms) != 0)
			continue;
		ev[n].seq = e->seq;
		ev[n].kind = e->kind;
		ev[n].body = e->body;
		n++;
	}
	alarms_rebuild(a, ev, n);
	free(ev);
	return 0;
}

struct count_arg {
	struct alarms *a;
	int64_t now_ms;
};

static void
on_count(void *arg, const char *kind, const char *decision, int64_t n)
{
	struct count_arg *c = arg;

	if (kind != NULL && n > 0)
		alarms_count_add(c->a, kind, decision != NULL ? decision : "",
		    (uint64_t)n, c->now_ms);
}

int
alarms_load(struct alarms *a, store_t *s, int64_t now_ms)
{
	struct store_batch b;
	struct count_arg c = { a, now_ms };
	int rc;

	alarms_init(a, now_ms);
	/* acknowledgements are in the same read: room for one per alarm */
	if (store_fetch_newest(s, alarms_store_kinds, alarms_store_decisions,
	    4 * ALARMS_MAX, &b) != 0) {
		log_warnx("alarm feed not rebuilt from the store: %s",
		    store_errmsg(s));
		return -1;
	}
	rc = rebuild_from(a, &b);
	store_batch_free(&b);
	if (rc != 0 || store_count_since(s, alarms_count_kinds,
	    alarms_day_start_ms(now_ms), on_count, &c) != 0) {
		log_warnx("the day's counts not rebuilt from the store: %s",
		    store_errmsg(s));
		return -1;
	}
	log_info("alarm feed: %d alarm(s), %d unacknowledged; today %llu "
	    "vehicle(s), %llu forced entr%s", a->n, alarms_unacked(a),
	    (unsigned long long)a->count[AC_VEHICLES],
	    (unsigned long long)a->count[AC_FORCED_ENTRIES],
	    a->count[AC_FORCED_ENTRIES] == 1 ? "y" : "ies");
	return 0;
}

int
alarms_ack_commit(struct alarms *a, store_t *s, const char *operator_id,
    int64_t seq, struct store_appended *ap)
{
	struct sbuf b;
	int64_t now = ts_now_ms();
	int n;

	sbuf_init(&b);
	if ((n = alarms_ack_body(a, operator_id, seq, &b)) > 0) {
		if (store_append(s, event_name(EV_ALARM_ACK), EVENT_BATCHED, b.p, now, NULL, 0, ap) !=
		    STORE_OK) {
			log_warnx("alarm_ack event not recorded: %s",
			    store_errmsg(s));
			n = -2;
		} else
			(void)alarms_note(a, "alarm_ack", b.p, ap->seq, now);
	}
	sbuf_fini(&b);
	return n;
}

void
alarms_catch_up(struct alarms *a, store_t *s, const char *kind,
    int64_t now_ms)
{
	char kinds[64];
	struct store_batch b;
	struct alarms_event ev;
	int i;

	snprintf(kinds, sizeof(kinds), "[\"%s\"]", kind);
	if (store_fetch_newest(s, kinds, "[]", 1, &b) != 0 || b.n == 0) {
		store_batch_free(&b);
		return;
	}
	ev.seq = b.ev[0].seq;
	ev.kind = b.ev[0].kind;
	ev.body = b.ev[0].body;
	for (i = 0; alarms_get(a, i) != NULL; i++)
		if (alarms_get(a, i)->seq == ev.seq)
			break;
	/* one of this episode only: not in the feed yet, of the last minute */
	if (alarms_get(a, i) == NULL && ts_parse(b.ev[0].ts, &ev.ts_ms) == 0 &&
	    ev.ts_ms > now_ms - 60000)
		alarms_rebuild(a, &ev, 1);
	store_batch_free(&b);
}
