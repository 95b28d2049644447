/*
 * The lane executor: carries out what the pure lane decides (docs/lane.md).
 *
 * executor_step() feeds one input to lane_step() and carries out the
 * actions it returns, in order: a record is committed before any output
 * after it, and a record that does not commit drops the rest of the list.
 * The outcome (LI_COMMITTED with the uuid, or LI_COMMIT_FAILED) goes back
 * to the lane in a loop, never by recursion, until the lane asks for no
 * more commits.
 *
 * The executor owns the per-lane shell state that is not the lane's
 * decision: the LED sign's counter protocol (the first read adopted, a
 * stale read never sets it back) and the pulse coils cleared on an I/O
 * module (re)gained.  It talks to the store and to the Modbus links only
 * through struct executor_ops, so that a test can give it fakes.
 */
#ifndef WEIGHGATE_EXECUTOR_H
#define WEIGHGATE_EXECUTOR_H

#include <stdbool.h>
#include <stdint.h>

#include "weighgate/lane.h"
#include "weighgate/mbdev.h"

/*
 * The coils of the lane I/O module, offsets from io_coil_base
 * (docs/design.md §4.1).  Level mode: EXECUTOR_COIL_BARRIER holds the
 * barrier up while on.  Pulse mode: a pulse on it raises the barrier, a
 * pulse on EXECUTOR_COIL_LOWER lowers it.
 */
enum executor_coil {
	EXECUTOR_COIL_BARRIER = 0,	/* level: up; pulse: raise */
	EXECUTOR_COIL_LIGHT = 1,	/* on: green */
	EXECUTOR_COIL_ALARM = 2,
	EXECUTOR_COIL_LOWER = 3		/* pulse mode only */
};

#define EXECUTOR_PULSE_MS 200	/* one barrier pulse */

/*
 * What the executor needs of the daemon; arg is handed back to each.
 * lane is the lane's index.
 */
struct executor_ops {
	/*
	 * Commit a LA_RECORD action: 0 with its uuid, or -1 (logged by the
	 * callee) when it is not committed, or committed where it no longer
	 * counts (the store lost): nothing after it is done.
	 */
	int (*record)(void *arg, int lane, const struct lane_action *a,
	    char uuid[40]);
	/* LA_REFERENCE: keep seq as the lane's result reference (no event). */
	void (*reference)(void *arg, int lane, int64_t seq);
	/* Queue a write on the lane's link for w->device (none: dropped). */
	void (*write)(void *arg, const struct mb_write *w);
	/* The lane has a link for its device dev. */
	bool (*has_link)(void *arg, int lane, enum dev_role dev);
	/* A barrier or LED command was written at mono_ms (status figures). */
	void (*output)(void *arg, int lane, int64_t mono_ms);
};

struct executor {
	struct lane *lane;
	int index;			/* the lane's, in writes and ops */
	const struct executor_ops *ops;
	void *arg;
	/* the LED sign's message counter (docs/lane.md) */
	uint16_t led_counter;		/* the last written, or adopted */
	uint16_t led_seen;		/* the sign's counter as last read */
	bool led_read;			/* the sign's counter read once */
	bool led_pending;		/* a message waits for that read */
	struct lane_action led_pend;
	/* a file profile of the I/O module and the sign (docs/devices.md);
	 * NULL: the built-in map, written as the lane's keys say */
	const struct profile *io_prof;
	const struct profile *led_prof;
};

/* What one executor_step() or executor_run() came to. */
struct executor_outcome {
	int committed;			/* records committed */
	int failed;			/* records not committed */
	char override_uuid[40];		/* of an override event committed, or "" */
};

void executor_init(struct executor *x, struct lane *l, int index,
    const struct executor_ops *ops, void *arg);

/* Feed in to the lane and carry out everything it decides (out may be NULL). */
void executor_step(struct executor *x, const struct lane_ctx *ctx,
    const struct lane_input *in, struct executor_outcome *out);

/*
 * Carry out acts (which it clears), then feed the outcome of its records
 * to the lane as executor_step() does.  executor_step() is lane_step()
 * then this.
 */
void executor_run(struct executor *x, const struct lane_ctx *ctx,
    struct lane_actions *acts, struct executor_outcome *out);

/*
 * The sign's counter register was read.  The first read is adopted (and
 * a message held for it is written); later reads only tell the next write
 * which value to avoid.
 */
void executor_led_read(struct executor *x, uint16_t counter);

/*
 * The I/O module is (re)gained, or its inputs come before any barrier
 * write: in pulse mode both pulse coils are written off.
 */
void executor_io_regained(struct executor *x);

#endif
