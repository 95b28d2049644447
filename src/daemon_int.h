/*
 * The daemon's context (STYLE.md: one context, no other mutable globals),
 * shared by the files of the daemon's shell: daemon.c (the loop, the
 * lanes' inputs), daemon_store.c (the store lost, the chain guard),
 * daemon_clock.c (the clock watch), daemon_links.c (link supervision),
 * daemon_reload.c (SIGHUP), daemon_status.c (the status server's source)
 * and daemon_notify.c (systemd).  Private to them: not in include/.
 */
#ifndef WEIGHGATE_DAEMON_INT_H
#define WEIGHGATE_DAEMON_INT_H

#include <stdbool.h>
#include <stdint.h>

#include <event2/event.h>

#include "weighgate/alarms_store.h"
#include "weighgate/camera_listen.h"
#include "weighgate/clockwatch.h"
#include "weighgate/config.h"
#include "weighgate/executor.h"
#include "weighgate/guard.h"
#include "weighgate/lane.h"
#include "weighgate/mbdev.h"
#include "weighgate/status.h"
#include "weighgate/store.h"

#define MAX_LINKS (CFG_MAX_LANES * ROLE_NMODBUS)
#define STORE_PROBE_MS 1000

/*
 * A configuration in force (SIGHUP reload, docs/reload.md): the current
 * one, and older ones while a lane still runs a vehicle on them.
 */
struct cfg_gen {
	const struct config *cfg;
	struct config *owned;		/* freed with it; NULL: the caller's */
	char ruleset[65];
	int refs;			/* lanes on it, + 1 while current */
};

/* Why the store in use can no longer be trusted: every lane FAULT. */
enum store_loss {
	LOSS_NONE = 0,
	LOSS_DELETED,		/* the file (or its -wal) was deleted */
	LOSS_REPLACED,		/* another file is at its path */
	LOSS_WENT_BACK,		/* the file holds less than was committed */
	LOSS_PLATFORM		/* the platform holds the chain further */
};

struct daemon_lane {
	struct lane lane;
	struct mblink *link[ROLE_NMODBUS];
	struct executor ex;		/* carries out the lane's actions */
	struct status_counters stats;	/* figures for the status server */
	struct cfg_gen *gen;		/* the configuration the lane runs on */
	int64_t fault_since_ms;		/* mono ms it went FAULT; 0: not */
	/* device profiles the links poll and decode with (daemon_links.c) */
	struct profile *prof[ROLE_NMODBUS];
	char prof_key[ROLE_NMODBUS][96];	/* a shared built-in's; "" */
	bool hb_known;			/* the scale's heartbeat seen */
	bool hb_frozen;			/* reported silent: it stopped changing */
	uint32_t hb_last;
	int64_t hb_changed_ms;		/* mono ms it last changed */
};

/* A lane's camera as the listener hears it (daemon_camera.c). */
struct daemon_camera {
	bool on;			/* plate_source = camera */
	struct camera_nets source;	/* camera_source; n 0: any allowed */
	int64_t heard_ms;		/* mono ms of its last push */
	bool silent;			/* LI_DOWN given, no LI_UP yet */
	uint64_t pushes[CREQ_OTHER + 1];	/* read, no_plate, other */
};

struct daemon {
	const struct config *cfg;
	struct event_base *base;
	struct event *wake;
	struct event *tick;
	struct event *sigterm;
	struct event *sigint;
	store_t *store;
	struct lists *lists;
	int64_t lists_applied_ms;	/* wall clock; 0: none in force */
	struct sync *sync;
	struct housekeep *hk;
	struct status *status;		/* board, metrics, override (status.c) */
	int64_t started_ms;
	char ruleset[65];
	struct lane_ctx ctx;
	int n_links;
	struct mblink *links[MAX_LINKS];
	struct devaddr link_addr[MAX_LINKS];
	bool link_held[MAX_LINKS];	/* stuck, not replaced: too many stuck */
	struct daemon_lane lanes[CFG_MAX_LANES];
	int64_t stop_deadline;		/* mono ms; 0 while running */
	bool startup_pending;		/* the startup event is not recorded yet */
	int64_t startup_retry_ms;	/* mono ms of the next attempt */
	int startup_attempts;
	int64_t store_probe_ms;		/* mono ms of the next store probe */
	int exit_status;
	/* the board's alarm feed and day's counts (alarms.c) */
	struct alarms alarms;
	bool disk_low_seen;
	/* systemd notification, link supervision, reload (notify.c, reload.c) */
	struct cfg_gen *gen;		/* the current configuration */
	struct event *sighup;
	struct event *watchdog;
	struct notify *notify;
	char status_sent[512];		/* the last STATUS= sent */
	int64_t status_sent_ms;
	/* the clock watch (clockwatch.c, docs/lane.md "A clock in doubt") */
	struct clockwatch clock;
	int64_t clock_check_ms;		/* mono ms of the next check */
	uint64_t clock_dates;		/* the sync's Date headers taken */
	/* the store's chain guard (guard.c, docs/operations.md) */
	struct guard guard;
	enum store_loss loss;		/* LOSS_NONE while the store is sound */
	char loss_why[320];
	int64_t identity_ms;		/* mono ms of the next identity check */
	bool saving;			/* copying the lost file aside */
	char save_path[CFG_PATH_MAX + 64];
	/* the camera listener and the lanes' cameras (daemon_camera.c) */
	struct camera_listen *camera;
	struct daemon_camera cam[CFG_MAX_LANES];
};

/* daemon.c: feed one input to lane i and carry out what it decides. */
void daemon_step(struct daemon *d, int i, const struct lane_input *in);
/* the same, and what it came to (the override's uuid) */
void daemon_step_outcome(struct daemon *d, int i, const struct lane_input *in,
    struct executor_outcome *out);

/* daemon_store.c: the store lost, the chain guard (docs/operations.md). */
const char *daemon_store_loss_name(enum store_loss k);
bool daemon_store_gone(struct daemon *d, bool deep);
void daemon_store_tick(struct daemon *d);
void daemon_store_drain_asides(struct daemon *d);

/* daemon_clock.c: the clock watch, every tick before the lanes step. */
void daemon_clock_check(struct daemon *d);

/* daemon_links.c: the lanes' links, stalled I/O threads, rebuilt links. */
int daemon_links_add_dev_poll(struct daemon *d, int i, enum dev_role dev);
int64_t daemon_links_stall_limit_ms(const struct daemon *d,
    const struct mblink *l);
bool daemon_links_in(struct mblink *const *set, int n, const struct mblink *l);
void daemon_links_rebuild(struct daemon *d, struct mblink **drop, int ndrop,
    int whole, int64_t since_ms, const char *why);
void daemon_links_supervise(struct daemon *d);
void daemon_links_test_stall_hook(struct daemon *d);
bool daemon_links_scale_input(struct daemon *d, int i,
    const struct mb_report *r, struct lane_input *in);
bool daemon_links_io_input(struct daemon *d, int i,
    const struct mb_report *r, struct lane_input *in);
void daemon_links_heartbeat_tick(struct daemon *d);
void daemon_links_fini(struct daemon *d);

/* daemon_reload.c: SIGHUP, configurations in force (docs/reload.md). */
int daemon_reload_init(struct daemon *d, const struct config *cfg);
void daemon_reload_fini(struct daemon *d);
void daemon_reload_take_config(struct daemon *d, int i);

/* daemon_status.c: the status server's source of figures and overrides. */
int daemon_status_start(struct daemon *d);

/* daemon_camera.c: the camera listener, the cameras' health. */
int daemon_camera_start(struct daemon *d);
void daemon_camera_tick(struct daemon *d);
void daemon_camera_fini(struct daemon *d);
void daemon_camera_snapshot(const struct daemon *d, struct status_snap *out);

/* daemon_notify.c: systemd STATUS=, WATCHDOG=1, READY=1. */
int daemon_notify_init(struct daemon *d);
void daemon_notify_fini(struct daemon *d);
void daemon_notify_status(struct daemon *d);

#endif
