/*
 * Housekeeping of the event store (docs/design.md §6), on the daemon's loop: the
 * free-disk guard (a disk_low event once per episode) and the pruning of
 * synced events after retention_days.  Unsynced events are never touched:
 * store_prune() deletes only synced ones, in short transactions.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>

#include "weighgate/event.h"
#include "weighgate/housekeep.h"
#include "weighgate/log.h"
#include "weighgate/sbuf.h"
#include "weighgate/sync.h"
#include "weighgate/timefmt.h"

#define DISK_CHECK_S	60
#define PRUNE_EVERY	60	/* disk checks between prunes: an hour */
#define FIRST_CHECK_MS	1000
#define DAY_MS		(24LL * 3600 * 1000)
#define PRUNE_STEP_ROWS	1000	/* rows per turn of the loop: a few ms */

struct housekeep {
	const struct config *cfg;
	store_t *store;
	struct sync *sync;
	struct event *ev;
	struct event *prune_ev;		/* one step of a prune in progress */
	int64_t prune_before_ms;
	int64_t pruned;
	char dir[CFG_PATH_MAX];
	int ticks;
	bool low;
	int64_t free_mb;
};

void
housekeep_dirname(const char *path, char *out, size_t outlen)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL)
		snprintf(out, outlen, ".");
	else if (slash == path)
		snprintf(out, outlen, "/");
	else
		snprintf(out, outlen, "%.*s", (int)(slash - path), path);
}

static void
record_disk_low(struct housekeep *h)
{
	struct store_appended ap;
	struct sbuf b;

	sbuf_init(&b);
	sbuf_printf(&b, "{\"free_mb\":%lld,\"min_free_mb\":%lld,\"path\":",
	    (long long)h->free_mb, (long long)h->cfg->controller.disk_min_free_mb);
	sbuf_put_json_str(&b, h->dir);
	sbuf_putc(&b, '}');
	if (store_append(h->store, event_name(EV_DISK_LOW), EVENT_BATCHED, b.p,
	    ts_now_ms(), NULL, 0, &ap) != STORE_OK)
		log_warnx("disk_low event not recorded: %s",
		    store_errmsg(h->store));
	else
		sync_kick(h->sync, EVENT_BATCHED);
	sbuf_fini(&b);
}

/* Free space of the database's file system against disk_min_free_mb. */
static void
check_disk(struct housekeep *h)
{
	struct statvfs sv;
	int64_t min = h->cfg->controller.disk_min_free_mb;

	if (statvfs(h->dir, &sv) != 0) {
		h->free_mb = -1;
		return;
	}
	h->free_mb = (int64_t)((unsigned long long)sv.f_bavail *
	    sv.f_frsize / (1024 * 1024));
	if (h->free_mb < min && !h->low) {
		h->low = true;
		log_warnx("ALARM: disk low: %lld MiB free under %s (minimum "
		    "%lld MiB)", (long long)h->free_mb, h->dir, (long long)min);
		record_disk_low(h);
	} else if (h->free_mb >= min && h->low) {
		h->low = false;
		log_info("disk space back: %lld MiB free under %s",
		    (long long)h->free_mb, h->dir);
	}
}

/*
 * One step of pruning: a bounded number of rows, then the loop gets its turn
 * (lanes, sync) before the next step, so a year's backlog of synced events
 * never stalls a decision.
 */
static void
on_prune(evutil_socket_t fd, short what, void *arg)
{
	struct housekeep *h = arg;
	struct timeval now = { 0, 0 };
	bool more;
	int64_t n;

	(void)fd;
	(void)what;
	n = store_prune_some(h->store, h->prune_before_ms, PRUNE_STEP_ROWS, &more);
	if (n < 0) {
		log_warnx("prune failed: %s", store_errmsg(h->store));
		more = false;
	} else
		h->pruned += n;
	if (more) {
		evtimer_add(h->prune_ev, &now);
		return;
	}
	if (h->pruned > 0)
		log_info("pruned %lld synced events older than %d days",
		    (long long)h->pruned, h->cfg->controller.retention_days);
	h->pruned = 0;
}

static void
prune(struct housekeep *h)
{
	struct timeval now = { 0, 0 };

	if (evtimer_pending(h->prune_ev, NULL))
		return;		/* the last one is still going */
	h->prune_before_ms = ts_now_ms() -
	    (int64_t)h->cfg->controller.retention_days * DAY_MS;
	h->pruned = 0;
	evtimer_add(h->prune_ev, &now);
}

/* Every minute (the first a second after start): disk, and hourly prune. */
static void
on_tick(evutil_socket_t fd, short what, void *arg)
{
	struct housekeep *h = arg;
	struct timeval tv = { DISK_CHECK_S, 0 };

	(void)fd;
	(void)what;
	check_disk(h);
	if (h->ticks++ % PRUNE_EVERY == 0)
		prune(h);
	evtimer_add(h->ev, &tv);
}

struct housekeep *
housekeep_new(struct event_base *base, const struct config *cfg,
    store_t *store, struct sync *sync)
{
	struct timeval tv = { 0, FIRST_CHECK_MS * 1000 };
	struct housekeep *h;

	if ((h = calloc(1, sizeof(*h))) == NULL)
		return NULL;
	h->cfg = cfg;
	h->store = store;
	h->sync = sync;
	h->free_mb = -1;
	housekeep_dirname(cfg->controller.db, h->dir, sizeof(h->dir));
	if ((h->ev = evtimer_new(base, on_tick, h)) == NULL ||
	    (h->prune_ev = evtimer_new(base, on_prune, h)) == NULL) {
		if (h->ev != NULL)
			event_free(h->ev);
		free(h);
		return NULL;
	}
	evtimer_add(h->ev, &tv);
	return h;
}

void
housekeep_free(struct housekeep *h)
{
	if (h == NULL)
		return;
	event_free(h->prune_ev);
	event_free(h->ev);
	free(h);
}

int64_t
housekeep_free_mb(const struct housekeep *h)
{
	return h->free_mb;
}

bool
housekeep_disk_low(const struct housekeep *h)
{
	return h->low;
}
