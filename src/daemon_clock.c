/* The clock watch in the loop: clock events recorded, the doubt passed on. */
#include <stdio.h>

#include "daemon_int.h"
#include "weighgate/event.h"
#include "weighgate/clockwatch.h"
#include "weighgate/log.h"
#include "weighgate/sbuf.h"
#include "weighgate/store.h"
#include "weighgate/sync.h"
#include "weighgate/timefmt.h"

/* --- the clock watch ------------------------------------------------- */

/* Record a clock event (safety: clock_step and clock_skew are sent at once). */
static void
clock_record(struct daemon *d, const struct cw_event *e)
{
	const char *kind = cw_event_name(e->kind);
	bool urgent = e->kind != CW_EV_OK;	/* clock_ok is batched */
	struct store_appended ap;
	struct sbuf b;

	if (e->kind == CW_EV_STEP)
		log_warnx("clock: ALARM: the wall clock stepped %+lld ms against "
		    "the monotonic clock (now %+lld ms off the trusted time): "
		    "clock in doubt", (long long)e->ms, (long long)e->offset_ms);
	else if (e->kind == CW_EV_SKEW)
		log_warnx("clock: ALARM: the platform's Date is %+lld ms off the "
		    "local clock: clock in doubt", (long long)e->ms);
	else
		log_info("clock: %s: clock no longer in doubt",
		    e->source == CW_SRC_PLATFORM ? "the platform's Date agrees "
		    "again" : "the wall clock is back on the trusted time");
	if (d->startup_pending || d->loss != LOSS_NONE) {
		/* a run's log begins with its startup event, and a lost store
		 * takes nothing more; the doubt holds all the same */
		log_warnx("clock: %s not recorded: the store takes no event now",
		    kind);
		return;
	}
	sbuf_init(&b);
	cw_event_body(&b, e);
	if (store_append(d->store, kind, urgent, b.p, ts_now_ms(), NULL, 0,
	    &ap) == STORE_OK) {
		sync_kick(d->sync, urgent);
		(void)alarms_note(&d->alarms, kind, b.p, ap.seq, ts_now_ms());
	} else
		log_warnx("clock: %s not recorded: %s", kind,
		    store_errmsg(d->store));
	sbuf_fini(&b);
}

/*
 * Every tick, before the lanes step: the wall clock against the boot clock
 * (two reads of the vDSO clocks); once a second the platform's latest
 * Date and the kernel's NTP state (an alarm only).  The doubt is in force
 * for the lanes from this tick's step on.
 */
void
daemon_clock_check(struct daemon *d)
{
	struct cw_event ev[CW_MAX_EVENTS];
	struct sync_stats st;
	int i, n;

	n = cw_check(&d->clock, ts_now_ms(), ts_boot_ms(), ev);
	for (i = 0; i < n; i++)
		clock_record(d, &ev[i]);
	d->ctx.clock_doubt = cw_doubt(&d->clock);
	if (ts_mono_ms() < d->clock_check_ms)
		return;
	d->clock_check_ms = ts_mono_ms() + CW_CHECK_MS;
	sync_get_stats(d->sync, &st);
	if (st.dates_seen != d->clock_dates) {
		d->clock_dates = st.dates_seen;
		n = cw_peer_date(&d->clock, st.date_ms, st.date_wall_ms,
		    st.date_boot_ms, ev);
		for (i = 0; i < n; i++)
			clock_record(d, &ev[i]);
	}
	if (cw_kernel(&d->clock, cw_kernel_unsync()))
		log_warnx(d->clock.kernel_unsync ? "clock: the kernel's clock "
		    "is not NTP-synchronised (an alarm only: decisions do not "
		    "change)" : "clock: the kernel's clock is NTP-synchronised");
	d->ctx.clock_doubt = cw_doubt(&d->clock);
}
