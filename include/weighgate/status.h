/*
 * The status server of docs/design.md §9 on the daemon's loop (evhttp): the station
 * board (GET /), the same as JSON (GET /v1/status), Prometheus metrics
 * (GET /metrics), the manual override (POST /v1/lanes/{lane}/override)
 * and the acknowledgement of the board's alarms (POST /v1/alarms/ack).
 *
 * The server holds no pointer into the daemon between requests: for every
 * request it asks its source for a snapshot, plain data copied from the
 * figures the loop keeps current (no SQLite query), and hands an override
 * to the source, which records it and raises the barrier (record first).
 */
#ifndef WEIGHGATE_STATUS_H
#define WEIGHGATE_STATUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <event2/event.h>

#include "weighgate/alarms.h"
#include "weighgate/camera_listen.h"
#include "weighgate/clockwatch.h"
#include "weighgate/config.h"
#include "weighgate/lane.h"
#include "weighgate/mbdev.h"
#include "weighgate/rules.h"
#include "weighgate/sbuf.h"
#include "weighgate/sync.h"

struct sockaddr;
struct status;

/* Decision latency histogram: upper bounds in seconds, the last is +Inf. */
#define STATUS_LAT_NBOUNDS 11
extern const double status_lat_bounds[STATUS_LAT_NBOUNDS];

struct status_hist {
	uint64_t count[STATUS_LAT_NBOUNDS + 1];	/* per bucket, not cumulative */
	uint64_t n;
	double sum;				/* seconds */
};

void status_hist_observe(struct status_hist *h, double seconds);

/*
 * What the daemon counts per lane for the metrics, where it happens: a
 * committed weighing by decision, Modbus failures by device, and the
 * decision latency (the scale read that showed the new sequence to the
 * first output written after the weighing committed).
 */
/*
 * The lane events counted by kind for weighgate_lane_events_total
 * (docs/status.md): the ones the province alerts on.
 */
enum status_ev {
	SEV_FORCED_ENTRY,
	SEV_OVERRIDE,
	SEV_BARRIER_UNAUTHORIZED,
	SEV_PASS_TIMEOUT,
	SEV_UNWEIGHED_PASS,
	SEV_MISSED_RESULTS,
	SEV_SCALE_RESET,
	SEV_DEVICE_FAULT,
	SEV_DEVICE_RECOVERED,
	SEV_N
};

/* The event kind's name, as recorded in the store. */
const char *status_ev_name(enum status_ev e);

struct status_counters {
	uint64_t decisions[DEC_NKINDS];		/* committed weighings */
	uint64_t events[SEV_N];			/* committed lane events */
	uint64_t results_missed;		/* the missed_results' "missed" */
	uint64_t modbus_errors[ROLE_N];		/* outages begun + failed writes */
	uint64_t modbus_stray[ROLE_N];		/* TCP frames nobody asked for */
	uint64_t modbus_outages[ROLE_N];	/* MB_DOWN: outages begun */
	uint64_t modbus_writes_failed[ROLE_N];	/* MB_WRITE_FAILED */
	uint64_t modbus_failed[ROLE_N][MB_FAIL_N];	/* failed transactions */
	struct status_hist latency;
	int64_t scale_read_mono_ms;		/* the last scale block read */
	bool latency_pending;			/* a weighing committed, no output yet */
};

/* A weighing committed with decision k. */
void status_count_decision(struct status_counters *c, enum decision_kind k);
/*
 * A lane event of kind with body committed: counted when kind is one of
 * enum status_ev (a missed_results also adds its "missed" count).
 */
void status_count_event(struct status_counters *c, const char *kind,
    const char *body);
/*
 * A report of a link thread about device dev of the lane (MB_DOWN,
 * MB_WRITE_FAILED, MB_FAILED; others are not counted here).
 */
void status_count_modbus(struct status_counters *c, enum dev_role dev,
    const struct mb_report *r);
/*
 * Whether a decision of kind k is a vehicle's final one (docs/status.md,
 * "Vehicles and weighings"): pass, turnback, intercept, hold.
 */
bool status_decision_final(enum decision_kind k);
/* An output (barrier or LED) is written now: ends a pending latency. */
void status_count_output(struct status_counters *c, int64_t mono_ms);

#define STATUS_TEXT_MAX (CFG_TEXT_MAX * 2)

struct status_last {
	bool valid;
	char uuid[40];
	int64_t ts_ms;
	char plate[MEAS_PLATE_MAX];
	char plate_color[16];
	char kind[16];
	char config[32];
	int axles;
	int64_t gross_kg;
	bool has_limit;
	int64_t legal_limit_kg;
	int64_t applied_limit_kg;
	int64_t over_kg;
	bool flag_100t;
	char decision[16];
	char reason[32];			/* the deciding rule's reason */
	char led_text[STATUS_TEXT_MAX];		/* what the sign said for it */
};

struct status_lane {
	char name[16];
	char state[16];				/* IDLE OPEN REFUSED FAULT */
	bool stopping;
	bool led_known;
	char led_colour[8];			/* green red yellow */
	char led_text[STATUS_TEXT_MAX];		/* as the driver sees it */
	bool barrier_known;
	bool barrier_cmd_up;			/* as commanded */
	bool inputs_known;
	bool barrier_up_in, barrier_down_in, pass_loop, presence;
	bool alarm_on;
	bool store_fault;
	bool dev_up[ROLE_N];			/* answering and not faulted */
	char dev_err[ROLE_N][96];
	struct status_last last;
	struct status_counters c;
	int64_t fault_ms;			/* in FAULT this long, -1: not */
	/* the lane's camera (docs/camera.md), when plate_source = camera */
	struct {
		bool on;
		uint64_t pushes[CREQ_OTHER + 1];	/* read, no_plate, other */
		int64_t heard_age_ms;		/* since its last push */
	} camera;
};

/*
 * The status server's own figures, filled by the server into every
 * snapshot (not by the source): its connections and the override lockout.
 */
struct status_server_stats {
	int connections;		/* open now */
	int max_connections;		/* the limit in force */
	uint64_t refused_total;		/* connections refused at the limit */
	uint64_t accept_errors_total;	/* accept() failures (no descriptor) */
	uint64_t override_auth_failures_total;	/* wrong Bearer tokens */
	uint64_t override_lockouts_total;
	int64_t override_locked_ms;	/* left of a lockout, 0: none */
};

/*
 * The process's own figures, read by the status server for every snapshot
 * (getrusage and /proc/self; no query of the store).  -1: unknown.
 */
struct status_proc {
	double cpu_seconds;		/* user + system */
	int64_t resident_bytes;
	int64_t open_fds;
};

/* Read the process's figures now; a figure that cannot be read is -1. */
void status_proc_read(struct status_proc *out);

struct status_snap {
	char controller[64];
	char version[32];
	int64_t now_ms;
	int64_t started_ms;
	bool overrides;
	char override_token_file[CFG_PATH_MAX];
	bool store_ok;			/* the startup event is recorded */
	/* the store's chain guard (docs/operations.md) */
	char store_replaced[16];	/* "": sound; deleted replaced ... */
	char store_replaced_why[320];
	bool store_rollback;		/* this start began a new chain */
	char store_rollback_why[384];
	int64_t free_disk_bytes;	/* -1: unknown */
	bool disk_low;
	struct sync_stats sync;
	/* the lists in force (docs/status.md, weighgate_lists_info) */
	bool lists_in_force;
	char lists_version[128];
	int64_t lists_applied_ms;	/* wall clock; 0: unknown */
	struct clockwatch clock;	/* whether the wall clock is in doubt */
	int n_lanes;
	struct status_lane lanes[CFG_MAX_LANES];
	struct status_server_stats server;
	struct status_proc proc;	/* filled by the server */
	struct alarms alarms;		/* the feed and the day's counts */
	struct camera_listen_stats camera;	/* the camera listener */
};

/* Fill one lane's entry from the lane and the daemon's counters for it. */
void status_fill_lane(struct status_lane *out, const struct lane *l,
    const struct status_counters *c);

/* Outcome of an override handed to the source: an HTTP status. */
enum {
	STATUS_OVR_OK = 200,
	STATUS_OVR_FORBIDDEN = 403,	/* overrides off */
	STATUS_OVR_NO_LANE = 404,
	STATUS_OVR_NOT_REFUSED = 409,
	STATUS_OVR_NOT_RECORDED = 500
};

struct status_source {
	void *arg;
	void (*snapshot)(void *arg, struct status_snap *out);
	/*
	 * Record the override event of lane for operator_id and reason, then
	 * raise the barrier for one vehicle; uuid (40 bytes) gets the event's
	 * uuid, msg a sentence for a refusal.  Returns a STATUS_OVR_* code.
	 */
	int (*override)(void *arg, const char *lane, const char *operator_id,
	    const char *reason, char *uuid, char *msg, size_t msglen);
	/*
	 * Staff acknowledge alarm (0: every unacknowledged one) as
	 * operator_id: the alarm_ack event is recorded, then the feed marks
	 * them; *n gets how many (0: none waited, no event), uuid (40 bytes)
	 * the event's uuid, msg a sentence for a refusal.  Returns a
	 * STATUS_ACK_* code.
	 */
	int (*ack)(void *arg, const char *operator_id, int64_t alarm, int *n,
	    char *uuid, char *msg, size_t msglen);
};

/* Outcome of an acknowledgement handed to the source: an HTTP status. */
enum {
	STATUS_ACK_OK = 200,
	STATUS_ACK_NO_ALARM = 404,	/* not in the feed */
	STATUS_ACK_NOT_RECORDED = 500
};

/*
 * Serve on listen ("HOST:PORT", "[V6]:PORT").  A port that cannot be bound
 * is logged and tried again every few seconds: the lanes never wait for
 * the board.  At most max_conns connections are served at once, fewer if
 * the descriptor limit leaves too few for the devices, the store and the
 * platform (docs/status.md); one more is answered 503 and closed at once.
 * Returns NULL only when out of memory.
 */
struct status *status_new(struct event_base *base, const char *listen,
    int max_conns, const struct status_source *src);
void status_free(struct status *s);

/* ---- the pure parts, exposed for the tests ---- */

void status_render_json(const struct status_snap *s, struct sbuf *out);
void status_render_metrics(const struct status_snap *s, struct sbuf *out);
void status_render_board(const struct status_snap *s, struct sbuf *out);

/*
 * The most status connections a descriptor limit of nofile allows: 256 of
 * them (half, below 512) are kept for the devices, the store and the
 * platform, and a limit above FD_SETSIZE counts as FD_SETSIZE (libmodbus
 * waits with select()).  At least 1.
 */
int status_conn_room(uint64_t nofile);

/* A peer on the loopback network (127.0.0.0/8, ::1, ::ffff:127.0.0.0/104). */
bool status_peer_loopback(const struct sockaddr *sa);
/*
 * status_listen "HOST:PORT" or "[V6]:PORT" as host (brackets removed) and
 * port; -1 when it is neither.
 */
int status_split_listen(const char *listen, char *host, size_t hostlen,
    unsigned short *port);
/* "Bearer TOKEN" of an Authorization header against the token: constant time. */
bool status_bearer_ok(const char *authorization, const char *token);
/* The token file's first line, trimmed; -1 when missing or empty. */
int status_read_token(const char *path, char *out, size_t outlen);

/*
 * The override lockout (docs/status.md): after STATUS_LOCK_FAILS wrong
 * tokens within STATUS_LOCK_WINDOW_MS, every override is refused (429) for
 * lock_ms from the failure that made it, whoever asks and with whatever
 * token.  Times are of the monotonic clock.
 */
#define STATUS_LOCK_FAILS 5
#define STATUS_LOCK_WINDOW_MS 60000
#define STATUS_LOCK_MS 60000

struct status_lockout {
	int64_t fail_ms[STATUS_LOCK_FAILS];	/* the last failures, a ring */
	int nfail, next;
	int64_t until_ms;		/* locked while now < until_ms */
	int64_t lock_ms;
	uint64_t failures, lockouts;	/* since start */
};

void status_lockout_init(struct status_lockout *lk, int64_t lock_ms);
/* Milliseconds left of a lockout at now_ms; 0 when overrides are open. */
int64_t status_lockout_left(const struct status_lockout *lk, int64_t now_ms);
/* A wrong token at now_ms; true when it begins a lockout. */
bool status_lockout_fail(struct status_lockout *lk, int64_t now_ms);
/* The right token: earlier failures are forgotten. */
void status_lockout_ok(struct status_lockout *lk);
/* Retry-After for left_ms: whole seconds, rounded up, at least 1. */
int64_t status_retry_after_s(int64_t left_ms);

#define STATUS_OPERATOR_MAX 64
#define STATUS_REASON_MAX 256
/*
 * The override's JSON body: "operator" and "reason", non-empty strings
 * without control characters, within the sizes above.  Returns 0, or -1
 * with err saying what is wrong.
 */
int status_parse_override(const char *body, size_t len, char *operator_id,
    char *reason, char *err, size_t errlen);
/*
 * The acknowledgement's JSON body: "operator" as for the override, and
 * "alarm" the alarm's number (its event's seq, a positive integer) or
 * absent for every unacknowledged alarm (*alarm 0).  0, or -1 with err.
 */
int status_parse_ack(const char *body, size_t len, char *operator_id,
    int64_t *alarm, char *err, size_t errlen);

#endif
