/* Whether the wall clock can be trusted: steps, the platform's Date, NTP. */
/*
 * The pure part keeps one trusted offset between the wall clock and the
 * boot clock: the one at start, or the one the platform's Date last
 * agreed with.  Nothing but a step of the wall clock (settimeofday, an
 * engineer's `date -s`, a bad RTC read) changes that offset, so a check
 * every tick sees every step.  Which clock was right before a step is
 * unknown; so the clock stays in doubt until the platform's Date agrees
 * with it, or it steps back to the offset trusted before.
 */
#include <sys/timex.h>

#include "weighgate/clockwatch.h"
#include "weighgate/event.h"

static int64_t
abs64(int64_t v)
{
	return v < 0 ? -v : v;
}

void
cw_init(struct clockwatch *cw, int64_t wall_ms, int64_t boot_ms)
{
	*cw = (struct clockwatch){ 0 };
	cw->started = true;
	cw->trusted_off = cw->last_off = wall_ms - boot_ms;
}

static void
put(struct cw_event *ev, int *n, enum cw_event_kind k, enum cw_source src,
    int64_t ms, int64_t offset_ms)
{
	if (*n < CW_MAX_EVENTS)
		ev[(*n)++] = (struct cw_event){ k, src, ms, offset_ms };
}

int
cw_check(struct clockwatch *cw, int64_t wall_ms, int64_t boot_ms,
    struct cw_event ev[CW_MAX_EVENTS])
{
	int64_t off = wall_ms - boot_ms, step = off - cw->last_off,
	    dev = off - cw->trusted_off;
	bool off_trusted = abs64(dev) <= CW_STEP_MAX_MS;
	int n = 0;

	cw->last_off = off;
	if (abs64(step) > CW_STEP_MAX_MS || (!cw->step_doubt && !off_trusted)) {
		cw->steps_total++;
		cw->step_ms = dev;
		put(ev, &n, CW_EV_STEP, CW_SRC_MONOTONIC, step, dev);
	}
	if (!off_trusted) {
		cw->step_doubt = true;
		cw->step_ms = dev;
	} else if (cw->step_doubt) {
		cw->step_doubt = false;
		if (!cw->skew_doubt)
			put(ev, &n, CW_EV_OK, CW_SRC_MONOTONIC, 0, dev);
	}
	return n;
}

int
cw_peer_date(struct clockwatch *cw, int64_t date_ms, int64_t wall_ms,
    int64_t boot_ms, struct cw_event ev[CW_MAX_EVENTS])
{
	int64_t skew = date_ms - wall_ms, off = wall_ms - boot_ms;
	bool was = cw_doubt(cw);
	int n = 0;

	if (abs64(off - cw->last_off) > CW_STEP_MAX_MS)
		return 0;	/* seen before a step the last check found */
	cw->have_skew = true;
	cw->skew_ms = skew;
	if (abs64(skew) > CW_SKEW_MAX_MS) {
		if (!cw->skew_doubt) {
			cw->skew_doubt = true;
			cw->skews_total++;
			put(ev, &n, CW_EV_SKEW, CW_SRC_PLATFORM, skew, 0);
		}
		return n;
	}
	cw->trusted_off = off;
	cw->skew_doubt = false;
	cw->step_doubt = false;
	if (was)
		put(ev, &n, CW_EV_OK, CW_SRC_PLATFORM, skew, 0);
	return n;
}

bool
cw_kernel(struct clockwatch *cw, bool unsync)
{
	bool changed = cw->kernel_unsync != unsync;

	cw->kernel_unsync = unsync;
	return changed;
}

bool
cw_doubt(const struct clockwatch *cw)
{
	return cw->step_doubt || cw->skew_doubt;
}

const char *
cw_event_name(enum cw_event_kind k)
{
	return event_name(k == CW_EV_STEP ? EV_CLOCK_STEP : k == CW_EV_SKEW ?
	    EV_CLOCK_SKEW : EV_CLOCK_OK);
}

const char *
cw_source_name(enum cw_source s)
{
	return s == CW_SRC_PLATFORM ? "platform" : "monotonic";
}

void
cw_event_body(struct sbuf *b, const struct cw_event *e)
{
	switch (e->kind) {
	case CW_EV_STEP:
		sbuf_printf(b, "{\"step_ms\":%lld,\"offset_ms\":%lld",
		    (long long)e->ms, (long long)e->offset_ms);
		break;
	case CW_EV_SKEW:
		sbuf_printf(b, "{\"skew_ms\":%lld", (long long)e->ms);
		break;
	case CW_EV_OK:
		if (e->source == CW_SRC_PLATFORM)
			sbuf_printf(b, "{\"skew_ms\":%lld", (long long)e->ms);
		else
			sbuf_printf(b, "{\"offset_ms\":%lld",
			    (long long)e->offset_ms);
		break;
	}
	sbuf_printf(b, ",\"source\":\"%s\"}", cw_source_name(e->source));
}

/* ---- the shell ---- */

bool
cw_kernel_unsync(void)
{
	struct timex tx = { 0 };
	int st = ntp_adjtime(&tx);	/* modes 0: read only */

	return st == -1 || st == TIME_ERROR || (tx.status & STA_UNSYNC) != 0;
}
