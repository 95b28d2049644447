/* systemd notification: STATUS= summaries, WATCHDOG=1, READY=1 (notify.c). */
#include <stdio.h>
#include <string.h>

#include "daemon_int.h"
#include "weighgate/lane.h"
#include "weighgate/log.h"
#include "weighgate/notify.h"
#include "weighgate/sbuf.h"
#include "weighgate/sync.h"
#include "weighgate/timefmt.h"

#define STATUS_MIN_MS 500	/* STATUS= at most this often */

/* --- systemd: STATUS=, WATCHDOG=1 (notify.c) --------------------------- */

/* "L01 IDLE, L02 REFUSED; backlog 3" */
static void
status_line(const struct daemon *d, struct sbuf *b)
{
	struct sync_stats st;
	bool pending = false;
	int i;

	for (i = 0; i < d->cfg->n_lanes; i++) {
		sbuf_printf(b, "%s%s %s", i > 0 ? ", " : "",
		    d->cfg->lanes[i].name,
		    lane_state_name(d->lanes[i].lane.state));
		pending = pending || d->lanes[i].gen != d->gen;
	}
	sync_get_stats(d->sync, &st);
	sbuf_printf(b, "; backlog %lld", (long long)st.backlog);
	if (pending)
		sbuf_puts(b, "; reload pending");
	if (d->stop_deadline != 0)
		sbuf_puts(b, "; stopping");
}

/* Every tick: STATUS= when the summary changed, at most every STATUS_MIN_MS. */
void
daemon_notify_status(struct daemon *d)
{
	struct sbuf b;
	int64_t now = ts_mono_ms();

	if (d->notify == NULL || now - d->status_sent_ms < STATUS_MIN_MS)
		return;
	sbuf_init(&b);
	status_line(d, &b);
	if (b.p != NULL && strcmp(b.p, d->status_sent) != 0) {
		snprintf(d->status_sent, sizeof(d->status_sent), "%s", b.p);
		d->status_sent_ms = now;
		notify_sendf(d->notify, "STATUS=%s", d->status_sent);
	}
	sbuf_fini(&b);
}

/*
 * The watchdog timer, at half of WATCHDOG_USEC: the loop runs, so the
 * service manager is told so.  A stuck link thread does not stop it: the
 * loop replaces such a thread itself (daemon_links_supervise).
 */
static void
on_watchdog(evutil_socket_t fd, short what, void *arg)
{
	struct daemon *d = arg;

	(void)fd;
	(void)what;
	notify_send(d->notify, "WATCHDOG=1");
}

/* After the lanes and the reload are set up: watchdog, READY=1. */
int
daemon_notify_init(struct daemon *d)
{
	uint64_t usec;

	d->notify = notify_new();
	if ((usec = notify_watchdog_usec()) > 0 && d->notify != NULL) {
		struct timeval tv = { (time_t)(usec / 2 / 1000000),
		    (suseconds_t)(usec / 2 % 1000000) };

		d->watchdog = event_new(d->base, -1, EV_PERSIST, on_watchdog, d);
		if (d->watchdog == NULL || event_add(d->watchdog, &tv) != 0)
			return -1;
		log_info("watchdog: a ping every %llu ms",
		    (unsigned long long)(usec / 2000));
	}
	if (notify_send(d->notify, "READY=1") < 0)
		log_warn("READY=1 not sent");
	daemon_notify_status(d);
	return 0;
}

void
daemon_notify_fini(struct daemon *d)
{
	if (d->watchdog != NULL)
		event_free(d->watchdog);
	notify_free(d->notify);
}
