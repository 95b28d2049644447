/*
 * The lane state machine of docs/design.md §4.2: pure.  lane_step() takes one input
 * (new scale data, new I/O inputs, a device's health, a timer tick, the
 * outcome of a commit, an override, shutdown) and the time, changes the
 * lane's state and returns the actions the shell must take, in order:
 * record this event, then write these outputs.  It never touches a socket,
 * a file or a clock.  The shell runs a LA_RECORD action first and, if the
 * commit fails, drops the rest and feeds LI_COMMIT_FAILED back.
 */
#ifndef WEIGHGATE_LANE_H
#define WEIGHGATE_LANE_H

#include <stdbool.h>
#include <stdint.h>

#include "weighgate/config.h"
#include "weighgate/decode.h"
#include "weighgate/event.h"
#include "weighgate/measurement.h"
#include "weighgate/profile.h"
#include "weighgate/rules.h"

struct lists;

enum lane_state {
	LANE_IDLE, LANE_OPEN, LANE_REFUSED, LANE_FAULT, LANE_NSTATES
};


/* Discrete inputs of the lane I/O module, in map order. */
enum { IO_BARRIER_UP, IO_BARRIER_DOWN, IO_PASS_LOOP, IO_PRESENCE, IO_NINPUTS };

enum lane_input_kind {
	LI_TICK,		/* time passes */
	LI_SCALE,		/* a new scale reading, decoded by its profile */
	LI_IO,			/* new I/O module inputs (bits) */
	LI_DOWN,		/* dev stopped answering at since_mono_ms */
	LI_UP,			/* dev answers again */
	LI_COMMITTED,		/* the last LA_RECORD committed as uuid */
	LI_COMMIT_FAILED,	/* the last LA_RECORD could not be committed */
	LI_OVERRIDE,		/* staff let a refused vehicle through */
	LI_SHUTDOWN,		/* the daemon is stopping */
	LI_PLATE		/* a camera's plate read, received at now.mono_ms */
};

/*
 * One plate read of the lane camera (LI_PLATE), as the camera listener
 * parsed it.  The lane pairs it with a weighing by the time it was
 * received (now.mono_ms of the step), never by the camera's clock.
 * LI_DOWN / LI_UP with dev = ROLE_CAMERA: the camera has been silent / is
 * heard again.
 */
#define LANE_CAMERA_MAX 32

struct lane_plate_read {
	bool has_plate;			/* false: "no plate" (无车牌, empty) */
	char plate[MEAS_PLATE_MAX];	/* normalised (plate.h), UTF-8 */
	enum pcolor color;
	int confidence;			/* 0-100, -1 unknown */
	char camera[LANE_CAMERA_MAX];	/* the camera's configured id */
};

struct lane_input {
	enum lane_input_kind kind;
	enum dev_role dev;			/* LI_DOWN, LI_UP */
	int64_t since_mono_ms;			/* LI_DOWN */
	struct profile_reading scale;		/* LI_SCALE (err: why unreadable) */
	bool bits[IO_NINPUTS];			/* LI_IO */
	const char *uuid;			/* LI_COMMITTED */
	const char *err;			/* LI_DOWN, LI_COMMIT_FAILED, LI_SCALE */
	const char *operator_id;		/* LI_OVERRIDE */
	const char *reason;			/* LI_OVERRIDE */
	struct lane_plate_read plate;		/* LI_PLATE */
};

/* Both clocks: wall for event times and permits, monotonic for timers. */
struct lane_now {
	int64_t wall_ms;
	int64_t mono_ms;
};

/* What the lane decides with; owned by the daemon, swapped between steps. */
struct lane_ctx {
	const struct rules *rules;
	const struct lists *lists;	/* may be NULL */
	const char *ruleset;		/* rules_id() of rules */
	bool clock_doubt;		/* the wall clock is in doubt (clockwatch.h) */
};

enum lane_action_kind {
	LA_RECORD,	/* commit an event (event, body) before anything else */
	LA_BARRIER,	/* on: raise, !on: lower */
	LA_LIGHT,	/* on: green */
	LA_ALARM,
	LA_LED,		/* show text in colour */
	LA_LOG,		/* a line for the log */
	LA_REFERENCE	/* store result_seq as the lane's reference (no event) */
};

enum led_colour { LED_GREEN = 0, LED_RED = 1, LED_YELLOW = 2 };

#define LANE_MAX_ACTIONS 16
#define LANE_LOG_MAX 256

struct lane_action {
	enum lane_action_kind kind;
	bool on;			/* LA_BARRIER, LA_LIGHT, LA_ALARM */
	enum event_kind event;		/* LA_RECORD */
	bool urgent;			/* LA_RECORD: sent at once (event.h) */
	char *body;			/* LA_RECORD, malloc'd: lane_actions_clear frees */
	bool has_result_seq;		/* LA_RECORD: store as the lane's decided seq */
	int64_t result_seq;		/* LA_RECORD, LA_REFERENCE */
	enum led_msg led_msg;		/* LA_LED */
	enum led_colour colour;
	char text[CFG_TEXT_MAX * 2];	/* LA_LED (expanded, UTF-8), LA_LOG */
};

struct lane_actions {
	int n;
	struct lane_action a[LANE_MAX_ACTIONS];
};

/* The last weighing, for forced_entry's last_weighing and the status board. */
struct lane_last {
	bool valid;
	char uuid[40];
	struct measurement m;
	struct decision d;
	char led_text[CFG_TEXT_MAX * 2];
};

/*
 * A result the lane decided, for LANE_RECENT_MS: the raw words of its
 * result fields as its profile reads them (struct profile_reading's key:
 * the sequence and the result, not the conditions, whose present and
 * valid bits change as the vehicle leaves).  The first LANE_RECENT_WORDS
 * words are kept (all of the built-in map's 28), the rest by a hash.
 */
#define LANE_RECENT_N 128
#define LANE_RECENT_MS (10 * 60 * 1000)
#define LANE_RECENT_WORDS (SCALE_NREGS - 1)

struct lane_recent {
	int64_t mono_ms;		/* when decided; 0: slot unused */
	uint16_t key[LANE_RECENT_WORDS];
	uint16_t len;			/* words of the whole key */
	uint64_t hash;			/* FNV-1a of the whole key */
};

/*
 * plate_source = camera: a camera read as the lane received it, kept until
 * a weighing takes it (each read is used once) or it is pushed out.
 */
#define LANE_PLATES_N 16

struct lane_plate_seen {
	int64_t mono_ms;		/* received (mono); -1: slot unused */
	bool used;			/* paired with a weighing already */
	struct lane_plate_read r;
};

struct lane {
	const struct lane_cfg *cfg;
	enum lane_state state;
	bool stopping;

	/* scale */
	bool have_seq;			/* a baseline or decided sequence */
	int64_t last_seq;		/* the reference: last seq accounted for */
	int64_t seen_seq;		/* the seq the scale shows now */
	int seq_bits;			/* its width (8, 16, 32), by the profile */
	bool reset_pending;		/* a step back, not yet the reference */
	int64_t reset_seq;		/* the seq it went back to */
	int64_t reset_since_ms;		/* held, vehicle gone, since; or -1 */
	int64_t last_result_ms;		/* the last new result (mono), or -1 */
	bool result_time_unknown;	/* the scale was silent: the next result's
					   publication time is unknown */
	int recent_next;		/* ring slot the next decided result takes */
	struct lane_recent recent[LANE_RECENT_N];
	/* a new result read in several requests, waiting for a second read of
	 * the same words (docs/devices.md "A result read in several requests") */
	bool unconfirmed;
	int64_t unconfirmed_since_ms;	/* first read of the step (mono) */
	struct profile_reading unconfirmed_rd;	/* the last read of it */
	bool scale_present;		/* status b0 */
	bool scale_fault_bit;
	int retries;

	/* I/O module inputs */
	bool inputs_known;
	bool inputs_stale;		/* the module answers again: in[] is from before */
	bool in[IO_NINPUTS];

	/* devices: silent since (mono ms) or -1; faulted past fault_after_ms */
	int64_t down_since[ROLE_N];
	char down_err[ROLE_N][96];
	bool dev_fault[ROLE_N];
	bool store_fault;		/* a commit failed: FAULT until one succeeds */

	/* outputs as last commanded; *_known false until first written */
	bool barrier_known;
	bool cmd_barrier_up;
	int64_t cmd_changed_ms;
	bool cmd_after_record;		/* written after a commit: timed from its outcome */
	bool lower_after_record;	/* that command lowers: dropped if the commit fails */
	int64_t lower_wanted_ms;	/* since when the barrier should come down, or -1 */
	bool cmd_confirmed;		/* the inputs showed the commanded position */
	int64_t inconsistent_since_ms;
	int64_t barrier_ok_since_ms;	/* at its command since, or -1 */
	bool light_known;
	bool light_green;
	bool alarm_known;
	bool alarm_on;
	bool alarm_intercept;		/* an intercepted vehicle is still here */
	int64_t alarm_until_ms;
	bool led_known;
	enum led_msg led_msg;		/* shown */
	enum led_msg want_led;		/* to show */
	char led_text[CFG_TEXT_MAX * 2];

	/* the pass in progress */
	int passes_allowed;		/* vehicles the barrier is open for */
	int passes_seen;		/* pass loop rises in this opening */
	int64_t opened_ms;
	int64_t unauth_since_ms;	/* barrier up while held down, or -1 */
	bool unauth_reported;
	bool unweighed_waiting;		/* on_scale_fault=open: one let through */

	/* plate_source = camera (docs/lane.md, "Pairing a camera's plate") */
	int plates_next;		/* ring slot the next read takes */
	struct lane_plate_seen plates[LANE_PLATES_N];
	int64_t presence_ms;		/* last presence loop rising edge, or -1 */
	bool pair_waiting;		/* a weighing waits for its plate */
	int64_t pair_result_ms;		/* when its result came (mono) */
	struct measurement pair_m;	/* the weighing waiting */

	/* the last weighing; its uuid comes back with LI_COMMITTED */
	bool want_uuid;
	struct lane_last last;
	uint64_t decisions[DEC_NKINDS];
};

void lane_init(struct lane *l, const struct lane_cfg *cfg, bool have_seq,
    int64_t last_seq);
void lane_step(struct lane *l, const struct lane_ctx *ctx,
    const struct lane_input *in, struct lane_now now, struct lane_actions *out);
void lane_actions_clear(struct lane_actions *a);

/*
 * Between two vehicles: a new configuration (SIGHUP reload) may take the
 * place of l->cfg now, so that no vehicle is decided partly on each.
 */
bool lane_between_vehicles(const struct lane *l);

/*
 * Nothing left to do before exit: barrier commanded down, or the I/O module
 * in fault (or never read).
 */
bool lane_quiescent(const struct lane *l);

/* "IDLE", "OPEN", "REFUSED", "FAULT" (the log, /v1/status, the board). */
const char *lane_state_name(enum lane_state s);

#endif
