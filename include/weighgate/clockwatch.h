/*
 * Whether the controller's wall clock can be trusted (docs/lane.md "A
 * clock in doubt").  The pure part watches two things fed to it: the
 * offset of the wall clock against the boot clock (CLOCK_REALTIME minus
 * CLOCK_BOOTTIME, which only a step of the wall clock changes), and the
 * platform's Date header against the local time.  It says when the clock
 * is in doubt and which events to record; the daemon checks the clocks
 * every tick, the platform's Date and the kernel's NTP state once a
 * second, and puts the doubt into every weighing (lane_ctx.clock_doubt).
 */
#ifndef WEIGHGATE_CLOCKWATCH_H
#define WEIGHGATE_CLOCKWATCH_H

#include <stdbool.h>
#include <stdint.h>

#include "weighgate/sbuf.h"

#define CW_STEP_MAX_MS	2000	/* a larger change of the offset is a step */
#define CW_SKEW_MAX_MS	60000	/* a larger skew to the platform's Date */
#define CW_CHECK_MS	1000	/* how often the daemon reads Date and NTP */

enum cw_event_kind { CW_EV_STEP, CW_EV_SKEW, CW_EV_OK };

enum cw_source { CW_SRC_MONOTONIC, CW_SRC_PLATFORM };

/* An event to record: clock_step, clock_skew or clock_ok. */
struct cw_event {
	enum cw_event_kind kind;
	enum cw_source source;
	int64_t ms;		/* step: this step; skew: Date - local; ok: skew or 0 */
	int64_t offset_ms;	/* step: the wall clock against the trusted one */
};

#define CW_MAX_EVENTS 2

/* Plain data: the status server copies it. */
struct clockwatch {
	bool started;
	int64_t trusted_off;	/* wall - boot the daemon trusts */
	int64_t last_off;	/* wall - boot at the last check */
	bool step_doubt;	/* the wall clock moved off the trusted offset */
	int64_t step_ms;	/* how far, while step_doubt; else the last step */
	bool skew_doubt;	/* the platform's Date disagrees */
	bool have_skew;
	int64_t skew_ms;	/* the platform's Date - local time, last seen */
	uint64_t steps_total;
	uint64_t skews_total;	/* times the skew went past CW_SKEW_MAX_MS */
	bool kernel_unsync;	/* the kernel's NTP state: unsynchronised */
};

/* Start trusting the wall clock as it is (at wall_ms, boot_ms). */
void cw_init(struct clockwatch *cw, int64_t wall_ms, int64_t boot_ms);

/*
 * A check of the wall clock against the boot clock: fills ev[] (up to
 * CW_MAX_EVENTS) and returns how many.  A step of more than CW_STEP_MAX_MS
 * since the last check is a clock_step; the clock is in doubt while it is
 * more than CW_STEP_MAX_MS off the trusted offset, and a step back to it
 * clears that (clock_ok, source monotonic) unless the platform disagrees.
 */
int cw_check(struct clockwatch *cw, int64_t wall_ms, int64_t boot_ms,
    struct cw_event ev[CW_MAX_EVENTS]);

/*
 * The platform's Date (date_ms, already centred on its second) seen at
 * local wall_ms / boot_ms.  Off by more than CW_SKEW_MAX_MS: a clock_skew
 * when the skew doubt begins.  Within it: the platform vouches for the
 * clock as it is, which becomes the trusted offset; any doubt clears
 * (clock_ok, source platform).  A Date seen before the last step is not
 * used.  Returns the number of events (0 or 1).
 */
int cw_peer_date(struct clockwatch *cw, int64_t date_ms, int64_t wall_ms,
    int64_t boot_ms, struct cw_event ev[CW_MAX_EVENTS]);

/* The kernel's NTP state (alarm only, never doubt): true when it changed. */
bool cw_kernel(struct clockwatch *cw, bool unsync);

bool cw_doubt(const struct clockwatch *cw);

/* "clock_step", "clock_skew", "clock_ok"; "monotonic", "platform". */
const char *cw_event_name(enum cw_event_kind k);
const char *cw_source_name(enum cw_source s);

/*
 * The event's body (docs/lane.md): clock_step {"step_ms", "offset_ms",
 * "source"}, clock_skew {"skew_ms", "source"}, clock_ok {"source",
 * "skew_ms" (platform) or "offset_ms" (monotonic)}.
 */
void cw_event_body(struct sbuf *b, const struct cw_event *e);

/* ---- the shell ---- */

/* The kernel's NTP state says unsynchronised (STA_UNSYNC or TIME_ERROR). */
bool cw_kernel_unsync(void);

#endif
