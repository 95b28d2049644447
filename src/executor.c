/* The lane executor: a lane's actions carried out in order, record first. */
/*
 * lane_step() returns a list of actions; a LA_RECORD comes before the
 * outputs it vouches for.  executor_run() walks the list; a record that
 * does not commit ends it, and what follows is never written.  The
 * outcome goes back to the lane as the next input, and what the lane
 * decides on it is carried out the same way: a loop, not a recursion, so
 * that the lane's uuid hand-back and the override's uuid come through one
 * path (struct executor_outcome).
 */
#include <stdio.h>
#include <string.h>

#include "weighgate/event.h"
#include "weighgate/executor.h"
#include "weighgate/led.h"
#include "weighgate/log.h"
#include "weighgate/profile.h"
#include "weighgate/timefmt.h"

/* What a list of actions came to: the input the lane is fed next. */
enum run_result { RUN_NONE, RUN_COMMITTED, RUN_FAILED };

void
executor_init(struct executor *x, struct lane *l, int index,
    const struct executor_ops *ops, void *arg)
{
	memset(x, 0, sizeof(*x));
	x->lane = l;
	x->index = index;
	x->ops = ops;
	x->arg = arg;
}

static struct lane_now
now(void)
{
	struct lane_now n = { ts_now_ms(), ts_mono_ms() };

	return n;
}

/* One of a profile's writes as the link's write to device dev. */
static void
profile_send(struct executor *x, enum dev_role dev,
    const struct profile_write *pw)
{
	struct mb_write w;

	memset(&w, 0, sizeof(w));
	w.lane = x->index;
	w.device = dev;
	w.unit = x->lane->cfg->dev[dev].addr.unit;
	w.addr = pw->start;
	w.count = pw->count;
	w.on = pw->v[0] != 0;
	w.pulse_ms = pw->pulse_ms;
	if (pw->table == PT_COIL)
		w.kind = pw->pulse_ms > 0 ? MB_WRITE_PULSE : MB_WRITE_COIL;
	else {
		w.kind = MB_WRITE_REGS;
		memcpy(w.regs, pw->v, (size_t)pw->count * sizeof(w.regs[0]));
	}
	w.queued_mono_ms = ts_mono_ms();
	x->ops->write(x->arg, &w);
}

/*
 * An output of a file profile: a coil, a pulse or a register value; an
 * output the module does not have is not written, nor the end of a pulse
 * (the link writes it).
 */
static void
profile_coil(struct executor *x, enum executor_coil coil, bool on)
{
	static const enum profile_output outs[] = {
		[EXECUTOR_COIL_BARRIER] = PO_BARRIER_UP,
		[EXECUTOR_COIL_LIGHT] = PO_LIGHT,
		[EXECUTOR_COIL_ALARM] = PO_ALARM,
		[EXECUTOR_COIL_LOWER] = PO_BARRIER_DOWN
	};
	struct profile_write pw;

	if (profile_output(x->io_prof, outs[coil], on, &pw) != 0 ||
	    pw.count == 0)
		return;
	profile_send(x, ROLE_IO, &pw);
}

static void
write_coil(struct executor *x, enum executor_coil coil, bool on, bool pulse)
{
	const struct lane_cfg *lc = x->lane->cfg;
	struct mb_write w;

	if (x->io_prof != NULL) {
		profile_coil(x, coil, on);
		return;
	}
	memset(&w, 0, sizeof(w));
	w.kind = pulse ? MB_WRITE_PULSE : MB_WRITE_COIL;
	w.lane = x->index;
	w.device = ROLE_IO;
	w.unit = lc->dev[ROLE_IO].addr.unit;
	w.addr = lc->io_coil_base + (int)coil;
	w.count = 1;
	w.on = on;
	w.pulse_ms = EXECUTOR_PULSE_MS;
	w.queued_mono_ms = ts_mono_ms();
	x->ops->write(x->arg, &w);
}

/*
 * Pulse mode: both pulse coils off before the lane's first barrier command
 * to an I/O module it has just (re)gained.  The end of a pulse is the link
 * thread's to write; a thread killed, or abandoned as stuck, between the
 * start and the end of a pulse leaves that coil on, and a raise coil left
 * on would hold the barrier up whatever is pulsed next.
 */
void
executor_io_regained(struct executor *x)
{
	if (x->lane->cfg->barrier_mode != BARRIER_PULSE || x->io_prof != NULL)
		return;
	write_coil(x, EXECUTOR_COIL_BARRIER, false, false);
	write_coil(x, EXECUTOR_COIL_LOWER, false, false);
}

static void
write_barrier(struct executor *x, bool up)
{
	struct profile_write pw;

	if (x->io_prof != NULL) {
		/* a raise pulse, or a lower pulse where the module has one */
		if (!up && profile_output(x->io_prof, PO_BARRIER_DOWN, true,
		    &pw) == 0 && pw.pulse_ms > 0)
			profile_coil(x, EXECUTOR_COIL_LOWER, true);
		else
			profile_coil(x, EXECUTOR_COIL_BARRIER, up);
		return;
	}
	if (x->lane->cfg->barrier_mode == BARRIER_PULSE)
		write_coil(x, up ? EXECUTOR_COIL_BARRIER : EXECUTOR_COIL_LOWER,
		    true, true);
	else
		write_coil(x, EXECUTOR_COIL_BARRIER, up, false);
}

/* The next counter value: a change the sign cannot miss, even against a stale read. */
static uint16_t
led_next(struct executor *x)
{
	if (++x->led_counter == x->led_seen)
		++x->led_counter;
	return x->led_counter;
}

/* A file profile's sign: its writes in order, the counter last if it has one. */
static void
write_led_profile(struct executor *x, const struct lane_action *a)
{
	struct profile_write pw[3];
	int n, k;

	if (profile_led_writes(x->led_prof, (int)a->colour, a->text,
	    (uint16_t)(x->led_counter + 1), pw, &n) != 0) {
		log_warnx("lane %s: LED text cannot be encoded: %s",
		    x->lane->cfg->name, a->text);
		return;
	}
	if (profile_led_counter(x->led_prof) >= 0)
		pw[n - 1].v[0] = led_next(x);
	for (k = 0; k < n; k++)
		profile_send(x, ROLE_LED, &pw[k]);
}

/* Colour and text in one write, then the counter: never half a message. */
static void
write_led(struct executor *x, const struct lane_action *a)
{
	const struct lane_cfg *lc = x->lane->cfg;
	struct mb_write w;

	if (!x->ops->has_link(x->arg, x->index, ROLE_LED))
		return;
	if (!x->led_read) {
		/* the counter must go on from the sign's: after its first read */
		x->led_pend = *a;
		x->led_pending = true;
		return;
	}
	if (x->led_prof != NULL) {
		write_led_profile(x, a);
		return;
	}
	memset(&w, 0, sizeof(w));
	w.kind = MB_WRITE_REGS;
	w.lane = x->index;
	w.device = ROLE_LED;
	w.unit = lc->dev[ROLE_LED].addr.unit;
	w.addr = lc->led_base + 1;
	w.count = 1 + lc->led_registers;
	w.regs[0] = (uint16_t)a->colour;
	if (led_encode(lc->led_encoding, a->text, lc->led_registers, w.regs + 1) < 0)
		log_warnx("lane %s: LED text cannot be encoded: %s", lc->name, a->text);
	w.queued_mono_ms = ts_mono_ms();
	x->ops->write(x->arg, &w);
	w.addr = lc->led_base;
	w.count = 1;
	/* a change the sign cannot miss, even against a stale read */
	if (++x->led_counter == x->led_seen)
		++x->led_counter;
	w.regs[0] = x->led_counter;
	x->ops->write(x->arg, &w);
}

/*
 * The sign's counter is taken over at the first read only, before any
 * write: a later read may have been taken before a write and reported
 * after it, and would set the counter back so that the next message
 * repeated the counter the sign shows.
 */
void
executor_led_read(struct executor *x, uint16_t counter)
{
	x->led_seen = counter;
	if (x->led_read)
		return;
	x->led_read = true;
	x->led_counter = counter;
	if (x->led_pending) {
		x->led_pending = false;
		write_led(x, &x->led_pend);
	}
}

/* A LA_RECORD: false when it did not commit (the list ends there). */
static bool
run_record(struct executor *x, const struct lane_action *a, char uuid[40],
    struct executor_outcome *out)
{
	char got[40] = "";

	if (x->ops->record(x->arg, x->index, a, got) != 0) {
		out->failed++;
		return false;
	}
	out->committed++;
	if (a->event == EV_OVERRIDE)
		snprintf(out->override_uuid, sizeof(out->override_uuid), "%s",
		    got);
	/* the lane wants the weighing's uuid, or the list's first */
	if (a->event == EV_WEIGHING || uuid[0] == '\0')
		snprintf(uuid, 40, "%s", got);
	return true;
}

/* One output action (anything but a record). */
static void
run_output(struct executor *x, const struct lane_action *a)
{
	switch (a->kind) {
	case LA_RECORD:
		break;
	case LA_BARRIER:
		write_barrier(x, a->on);
		x->ops->output(x->arg, x->index, ts_mono_ms());
		break;
	case LA_LIGHT:
		write_coil(x, EXECUTOR_COIL_LIGHT, a->on, false);
		break;
	case LA_ALARM:
		write_coil(x, EXECUTOR_COIL_ALARM, a->on, false);
		break;
	case LA_LED:
		write_led(x, a);
		x->ops->output(x->arg, x->index, ts_mono_ms());
		break;
	case LA_LOG:
		log_info("%s", a->text);
		break;
	case LA_REFERENCE:
		/* for a restart only: the lane goes on if it fails */
		x->ops->reference(x->arg, x->index, a->result_seq);
		break;
	}
}

/* Carry out acts in order; a record that does not commit ends the list. */
static enum run_result
run_list(struct executor *x, struct lane_actions *acts, char uuid[40],
    struct executor_outcome *out)
{
	bool committed = false;
	int k;

	uuid[0] = '\0';
	for (k = 0; k < acts->n; k++) {
		if (acts->a[k].kind != LA_RECORD)
			run_output(x, &acts->a[k]);
		else if (run_record(x, &acts->a[k], uuid, out))
			committed = true;
		else
			return RUN_FAILED;
	}
	return committed ? RUN_COMMITTED : RUN_NONE;
}

void
executor_run(struct executor *x, const struct lane_ctx *ctx,
    struct lane_actions *acts, struct executor_outcome *out)
{
	struct executor_outcome scratch;
	struct lane_input in;
	enum run_result r;
	char uuid[40];

	if (out == NULL)
		out = &scratch;
	memset(out, 0, sizeof(*out));
	for (;;) {
		r = run_list(x, acts, uuid, out);
		lane_actions_clear(acts);
		if (r == RUN_NONE)
			return;
		memset(&in, 0, sizeof(in));
		in.kind = r == RUN_COMMITTED ? LI_COMMITTED : LI_COMMIT_FAILED;
		in.uuid = r == RUN_COMMITTED ? uuid : NULL;
		acts->n = 0;
		lane_step(x->lane, ctx, &in, now(), acts);
	}
}

void
executor_step(struct executor *x, const struct lane_ctx *ctx,
    const struct lane_input *in, struct executor_outcome *out)
{
	struct lane_actions acts;

	acts.n = 0;
	lane_step(x->lane, ctx, in, now(), &acts);
	executor_run(x, ctx, &acts, out);
}
