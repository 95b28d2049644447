/* The status server's source: the loop's figures, the manual override. */
#include <stdio.h>
#include <string.h>

#include "daemon_int.h"
#include "weighgate/housekeep.h"
#include "weighgate/lists.h"
#include "weighgate/log.h"
#include "weighgate/status.h"
#include "weighgate/sync.h"
#include "weighgate/timefmt.h"
#include "weighgate/version.h"

/* The chain guard's alarms for the status server. */
static void
store_snapshot(const struct daemon *d, struct status_snap *out)
{
	snprintf(out->store_replaced, sizeof(out->store_replaced), "%s",
	    daemon_store_loss_name(d->loss));
	snprintf(out->store_replaced_why, sizeof(out->store_replaced_why), "%s",
	    d->loss_why);
	out->store_rollback = d->guard.rolled != SC_OK;
	snprintf(out->store_rollback_why, sizeof(out->store_rollback_why),
	    "%s", d->guard.rolled != SC_OK ? d->guard.rolled_text : "");
}

/* The status server asks for the loop's current figures (plain data). */
static void
status_snapshot(void *arg, struct status_snap *out)
{
	struct daemon *d = arg;
	int64_t free_mb = housekeep_free_mb(d->hk);
	int i;

	snprintf(out->controller, sizeof(out->controller), "%s",
	    d->cfg->controller.id);
	snprintf(out->version, sizeof(out->version), "%s", WEIGHGATE_VERSION);
	out->now_ms = ts_now_ms();
	out->started_ms = d->started_ms;
	out->overrides = d->cfg->rules.overrides;
	snprintf(out->override_token_file, sizeof(out->override_token_file),
	    "%s", d->cfg->controller.override_token_file);
	out->store_ok = !d->startup_pending;
	store_snapshot(d, out);
	out->free_disk_bytes = free_mb >= 0 ? free_mb * 1024 * 1024 : -1;
	out->disk_low = housekeep_disk_low(d->hk);
	sync_get_stats(d->sync, &out->sync);
	if ((out->lists_in_force = d->lists != NULL))
		snprintf(out->lists_version, sizeof(out->lists_version), "%s",
		    lists_version(d->lists));
	out->lists_applied_ms = d->lists_applied_ms;
	out->clock = d->clock;
	out->n_lanes = d->cfg->n_lanes;
	for (i = 0; i < d->cfg->n_lanes; i++) {
		status_fill_lane(&out->lanes[i], &d->lanes[i].lane,
		    &d->lanes[i].stats);
		out->lanes[i].fault_ms = d->lanes[i].fault_since_ms == 0 ? -1 :
		    ts_mono_ms() - d->lanes[i].fault_since_ms;
	}
	out->alarms = d->alarms;
	alarms_roll(&out->alarms, out->now_ms);
	daemon_camera_snapshot(d, out);
}

/*
 * A manual override from the status server (docs/design.md §9): the lane records the
 * override event and raises the barrier for one vehicle; the executor commits
 * the event before it writes the barrier, and nothing rises if it fails.
 */
static int
status_override(void *arg, const char *lane, const char *operator_id,
    const char *reason, char *uuid, char *msg, size_t msglen)
{
	struct daemon *d = arg;
	struct executor_outcome done;
	struct lane_input in;
	const struct lane *l;
	int i;

	for (i = 0; i < d->cfg->n_lanes; i++)
		if (strcmp(d->lanes[i].lane.cfg->name, lane) == 0)
			break;
	if (!d->cfg->rules.overrides) {
		snprintf(msg, msglen, "overrides are off ([rules] overrides)");
		return STATUS_OVR_FORBIDDEN;
	}
	if (i == d->cfg->n_lanes) {
		snprintf(msg, msglen, "no lane %s", lane);
		return STATUS_OVR_NO_LANE;
	}
	l = &d->lanes[i].lane;
	if (l->state != LANE_REFUSED || l->stopping) {
		snprintf(msg, msglen, "lane %s is %s, not REFUSED", lane,
		    l->stopping ? "stopping" : lane_state_name(l->state));
		return STATUS_OVR_NOT_REFUSED;
	}
	log_info("lane %s: override by operator %s: %s", lane, operator_id,
	    reason);
	memset(&in, 0, sizeof(in));
	in.kind = LI_OVERRIDE;
	in.operator_id = operator_id;
	in.reason = reason;
	daemon_step_outcome(d, i, &in, &done);
	if (done.override_uuid[0] == '\0' || l->state != LANE_OPEN) {
		snprintf(msg, msglen, done.override_uuid[0] == '\0' ? "the override "
		    "event could not be recorded: the barrier stays down" :
		    "the lane went to FAULT: the barrier stays down");
		return STATUS_OVR_NOT_RECORDED;
	}
	snprintf(uuid, 40, "%s", done.override_uuid);
	return STATUS_OVR_OK;
}

/* The status server; the listen address is read once (a change needs a restart). */
/*
 * Staff acknowledge the board's alarms (docs/status.md): the alarm_ack
 * event is committed before the feed marks them.  Not a safety event: it
 * goes to the platform with the next batch.
 */
static int
status_ack(void *arg, const char *operator_id, int64_t alarm, int *n,
    char *uuid, char *msg, size_t msglen)
{
	struct daemon *d = arg;
	struct store_appended ap;

	if (d->startup_pending || d->loss != LOSS_NONE) {
		snprintf(msg, msglen, "the event store takes no event now");
		return STATUS_ACK_NOT_RECORDED;
	}
	*n = alarms_ack_commit(&d->alarms, d->store, operator_id, alarm, &ap);
	if (*n == -1) {
		snprintf(msg, msglen, "no alarm %lld on the board", (long long)alarm);
		return STATUS_ACK_NO_ALARM;
	}
	if (*n < 0) {
		snprintf(msg, msglen, "the alarm_ack event could not be recorded");
		(void)daemon_store_gone(d, false);
		return STATUS_ACK_NOT_RECORDED;
	}
	if (*n > 0) {
		sync_kick(d->sync, false);
		snprintf(uuid, 40, "%s", ap.uuid);
		log_info("operator %s acknowledged %d alarm(s)", operator_id, *n);
	}
	return STATUS_ACK_OK;
}

int
daemon_status_start(struct daemon *d)
{
	struct status_source src = { d, status_snapshot, status_override,
	    status_ack };

	d->started_ms = ts_now_ms();
	if (d->cfg->controller.status_listen[0] == '\0')
		return 0;
	d->status = status_new(d->base, d->cfg->controller.status_listen,
	    d->cfg->controller.status_max_connections, &src);
	return d->status != NULL ? 0 : -1;
}
