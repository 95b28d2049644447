/*
 * weighgate-sim: the physics of one lane — barrier, loops, the vehicle on the
 * scale and injected faults.  Every function here runs with sim->mu held;
 * simlane_tick() is called every few ms, simlane_written() right after a
 * client wrote coils or LED registers.
 */
#include <stdlib.h>
#include <string.h>

#include "weighgate/log.h"

#include "sim.h"

#define DI_UP		0
#define DI_DOWN		1
#define DI_PASS		2
#define DI_PRESENCE	3
#define TAILGATE_GAP_MS	100
#define GARBAGE_EVERY_MS 100

static const char *const colour_names[] = { "green", "red", "yellow" };

/* A duration of the traffic file or the options, under --speedup. */
static int64_t
dur(const struct sim *s, int64_t ms)
{
	return (int64_t)((double)ms / s->o.speedup);
}

int
simlane_init(struct sim *s, struct sim_lane *l, int no)
{
	memset(l, 0, sizeof(*l));
	l->no = no;
	snprintf(l->name, sizeof(l->name), "L%02d", no);
	l->map[ROLE_SCALE] = s->prof[ROLE_SCALE].p != NULL ?
	    simprof_mapping(s, ROLE_SCALE) :
	    modbus_mapping_new(0, 0, SCALE_NREGS, 0);
	l->map[ROLE_IO] = s->prof[ROLE_IO].p != NULL ?
	    simprof_mapping(s, ROLE_IO) : modbus_mapping_new(4, 4, 0, 0);
	l->map[ROLE_LED] = s->prof[ROLE_LED].p != NULL ?
	    simprof_mapping(s, ROLE_LED) :
	    modbus_mapping_new(0, 0, 2 + s->o.led_regs, 0);
	if (l->map[0] == NULL || l->map[1] == NULL || l->map[2] == NULL ||
	    simprof_lane_init(s, l) == -1) {
		log_warnx("lane %s: out of memory", l->name);
		return -1;
	}
	l->bpos = BP_DOWN;
	l->in_down = 1;
	l->io_in[DI_DOWN] = 1;
	if (s->prof[ROLE_IO].p == NULL)
		l->map[ROLE_IO]->tab_input_bits[DI_DOWN] = 1;
	l->phase = VP_DONE;
	return 0;
}

void
simlane_fini(struct sim_lane *l)
{
	int i;

	for (i = 0; i < 3; i++)
		if (l->map[i] != NULL)
			modbus_mapping_free(l->map[i]);
	free(l->pimg[0]);
	free(l->pimg[1]);
	free(l->q);
	l->q = NULL;
}

/* The fault mode the unit d answers with now (barrier faults hit the I/O module). */
enum sim_fault_mode
simlane_fault(struct sim_lane *l, enum dev_role d, int64_t now)
{
	const struct sim_fault *f = &l->fault[d];
	const struct sim_fault *b = &l->fault[ROLE_BARRIER];

	if (f->mode != FM_NONE && now < f->until)
		return f->mode;
	if (d == ROLE_IO && now < b->until && (b->mode == FM_TIMEOUT ||
	    b->mode == FM_EXCEPTION || b->mode == FM_DISCONNECT))
		return b->mode;
	return FM_NONE;
}

static void
tl_state(struct sim *s, struct sim_lane *l, const char *what, const char *st)
{
	struct sbuf *b = timeline_begin(s, l, what);

	sbuf_puts(b, ",\"state\":");
	sbuf_put_json_str(b, st);
	timeline_end(s);
}

/* A vehicle event with its plate (and more keys from the caller's fmt). */
static void
tl_vehicle(struct sim *s, struct sim_lane *l, const char *what, bool tailgater)
{
	struct sbuf *b = timeline_begin(s, l, what);

	sbuf_puts(b, ",\"plate\":");
	sbuf_put_json_str(b, l->cur != NULL ? l->cur->m.plate : "");
	if (tailgater)
		sbuf_puts(b, ",\"tailgater\":true");
	timeline_end(s);
}

/* An input of the I/O module (today's discrete input, or the profile's on the next sync). */
static void
io_input(struct sim *s, struct sim_lane *l, int bit, int on)
{
	l->io_in[bit] = (uint8_t)on;
	if (s->prof[ROLE_IO].p == NULL)
		l->map[ROLE_IO]->tab_input_bits[bit] = (uint8_t)on;
}

static void
set_input(struct sim *s, struct sim_lane *l, int bit, int on)
{
	if (l->io_in[bit] == (uint8_t)on)
		return;
	io_input(s, l, bit, on);
	if (bit == DI_PASS)
		tl_state(s, l, "pass_loop", on ? "on" : "off");
}

/* Move the barrier and report its position inputs as they change. */
static void
barrier_tick(struct sim *s, struct sim_lane *l, int64_t now)
{
	uint8_t up, down;
	const char *st;

	if (l->bpos == BP_MOVING && now >= l->bmove_end)
		l->bpos = l->btarget_up ? BP_UP : BP_DOWN;
	up = l->bpos == BP_UP;
	down = l->bpos == BP_DOWN;
	if (now < l->manual_until) {
		up = 1;
		down = 0;
	}
	if (simlane_fault(l, ROLE_BARRIER, now) == FM_STUCK)
		return;
	if (up == l->in_up && down == l->in_down)
		return;
	if (up && !l->in_up)
		l->signals++;
	l->in_up = up;
	l->in_down = down;
	io_input(s, l, DI_UP, up);
	io_input(s, l, DI_DOWN, down);
	st = up ? "up" : down ? "down" : "moving";
	tl_state(s, l, "barrier", st);
}

/* The barrier is told to go up or down. */
static void
barrier_command(struct sim *s, struct sim_lane *l, bool up, int64_t now)
{
	struct sbuf *b = timeline_begin(s, l, "barrier_cmd");

	sbuf_printf(b, ",\"value\":%d", up ? 1 : 0);
	timeline_end(s);
	if (up == l->btarget_up)
		return;
	l->btarget_up = up;
	l->bpos = BP_MOVING;
	l->bmove_end = now + dur(s, s->o.barrier_ms);
	barrier_tick(s, l, now);
}

static void
vehicle_gone(struct sim *s, struct sim_lane *l, int64_t now)
{
	l->cur = NULL;
	if (l->next < l->nq) {
		l->phase = VP_GAP;
		l->phase_end = now + dur(s, l->q[l->next]->after_ms);
	} else
		l->phase = VP_DONE;
}

/* The vehicle leaves the scale forwards or backwards: the result is withdrawn. */
static void
leave_scale(struct sim *s, struct sim_lane *l)
{
	l->scale_truth[0] &= (uint16_t)~(SCALE_ST_PRESENT | SCALE_ST_VALID |
	    SCALE_ST_REVERSING);
	set_input(s, l, DI_PRESENCE, 0);
}

static void
start_pass(struct sim *s, struct sim_lane *l, int64_t now)
{
	set_input(s, l, DI_PASS, 1);
	l->phase = VP_PASSING;
	l->phase_end = now + dur(s, s->o.pass_ms);
}

static void
start_reverse(struct sim *s, struct sim_lane *l, int64_t now)
{
	l->scale_truth[0] |= SCALE_ST_REVERSING;
	l->phase = VP_REVERSING;
	l->phase_end = now + dur(s, s->o.reverse_ms);
}

/* The weighing completes: publish the result under the next sequence. */
static void
publish(struct sim *s, struct sim_lane *l, int64_t now)
{
	const struct measurement *m = &l->cur->m;
	uint16_t st = SCALE_ST_PRESENT;
	struct sbuf *b;

	st |= m->valid ? SCALE_ST_VALID : 0;
	st |= m->unstable ? SCALE_ST_UNSTABLE : 0;
	st |= m->fault ? SCALE_ST_FAULT : 0;
	st |= m->abnormal ? SCALE_ST_ABNORMAL : 0;
	l->seq = (uint16_t)(l->seq + 1 + l->cur->seq_skip);
	if (decode_encode_scale(m, st, l->seq, s->o.wo, s->o.plate_enc,
	    l->scale_truth) == -1) {
		log_warnx("traffic line %d: does not fit the scale's registers "
		    "(plate \"%s\")", l->cur->lineno, m->plate);
		l->scale_truth[0] = st;
		l->scale_truth[1] = l->seq;
	}
	b = timeline_begin(s, l, "weighed");
	sbuf_printf(b, ",\"seq\":%u,\"gross_kg\":", (unsigned)l->seq);
	sbuf_put_i64(b, m->gross_kg);
	sbuf_puts(b, ",\"plate\":");
	sbuf_put_json_str(b, m->plate);
	timeline_end(s);
	l->signals_at_weigh = l->signals;
	if (l->cur->behaviour == BEH_BLOCK) {
		l->phase = VP_BLOCKING;
		l->phase_end = now + dur(s, l->cur->block_ms);
	} else {
		l->phase = VP_DECIDING;
		l->phase_end = now + dur(s, s->o.decide_ms);
	}
}

static void
fault_start(struct sim *s, struct sim_lane *l, const struct sim_item *it,
    int64_t now)
{
	struct sbuf *b;

	l->fault[it->dev].mode = it->mode;
	l->fault[it->dev].until = now + dur(s, it->duration_ms);
	l->garbage_next = now;
	b = timeline_begin(s, l, "fault_start");
	sbuf_puts(b, ",\"device\":");
	sbuf_put_json_str(b, cfg_role_name(it->dev));
	sbuf_puts(b, ",\"mode\":");
	sbuf_put_json_str(b, sim_mode_name(it->mode));
	sbuf_printf(b, ",\"duration_ms\":%lld", (long long)it->duration_ms);
	timeline_end(s);
}

/* End the faults whose time is up. */
static void
faults_tick(struct sim *s, struct sim_lane *l, int64_t now)
{
	struct sbuf *b;
	int d;

	for (d = 0; d < ROLE_N; d++) {
		if (l->fault[d].mode == FM_NONE || now < l->fault[d].until)
			continue;
		b = timeline_begin(s, l, "fault_end");
		sbuf_puts(b, ",\"device\":");
		sbuf_put_json_str(b, cfg_role_name((enum dev_role)d));
		sbuf_puts(b, ",\"mode\":");
		sbuf_put_json_str(b, sim_mode_name(l->fault[d].mode));
		timeline_end(s);
		l->fault[d].mode = FM_NONE;
	}
}

/* Take the next line of the lane: a vehicle arrives, or a special line acts. */
static void
next_item(struct sim *s, struct sim_lane *l, int64_t now)
{
	struct sim_item *it = l->q[l->next++];
	struct sbuf *b;

	l->cur = it;
	if (it->type == IT_MANUAL) {
		l->manual_until = now + dur(s, it->duration_ms);
		b = timeline_begin(s, l, "barrier_manual");
		sbuf_printf(b, ",\"duration_ms\":%lld",
		    (long long)it->duration_ms);
		timeline_end(s);
		vehicle_gone(s, l, now);
	} else if (it->type == IT_FAULT) {
		fault_start(s, l, it, now);
		vehicle_gone(s, l, now);
	} else if (it->behaviour == BEH_TAILGATE) {
		tl_vehicle(s, l, "arrive", true);
		l->passes_left = 1;
		start_pass(s, l, now);
	} else {
		b = timeline_begin(s, l, "arrive");
		sbuf_puts(b, ",\"plate\":");
		sbuf_put_json_str(b, it->m.plate);
		sbuf_printf(b, ",\"seq\":%u",
		    (unsigned)(uint16_t)(l->seq + 1 + it->seq_skip));
		timeline_end(s);
		l->scale_truth[0] = SCALE_ST_PRESENT;
		set_input(s, l, DI_PRESENCE, 1);
		l->passes_left = it->tailgate ? 2 : 1;
		l->phase = VP_WEIGHING;
		l->phase_end = now + dur(s, s->o.weigh_ms);
		sim_camera_vehicle(s, l, it, l->phase_end, now);
	}
}

/* The pass loop has fallen behind a vehicle (or its tailgater). */
static void
pass_done(struct sim *s, struct sim_lane *l, int64_t now)
{
	bool tailgater = l->passes_left == 1 && (l->cur->tailgate ||
	    l->cur->behaviour == BEH_TAILGATE);

	set_input(s, l, DI_PASS, 0);
	tl_vehicle(s, l, "drove_through", tailgater);
	if (--l->passes_left > 0) {
		l->phase = VP_TAILGAP;
		l->phase_end = now + dur(s, TAILGATE_GAP_MS);
	} else
		vehicle_gone(s, l, now);
}

/* One step of the vehicle's life. */
static void
vehicle_tick(struct sim *s, struct sim_lane *l, int64_t now)
{
	switch (l->phase) {
	case VP_GAP:
		while (l->phase == VP_GAP && now >= l->phase_end)
			next_item(s, l, now);
		break;
	case VP_WEIGHING:
		if (now >= l->phase_end)
			publish(s, l, now);
		break;
	case VP_DECIDING:
		/*
		 * A driver who obeys goes on a barrier that is up and a
		 * signal given after the weighing (the barrier rising or a
		 * new message), not on one left open for the vehicle before.
		 */
		if ((l->in_up && l->signals != l->signals_at_weigh) ||
		    (now >= l->phase_end &&
		    l->cur->behaviour == BEH_FORCE)) {
			leave_scale(s, l);
			start_pass(s, l, now);
		} else if (now >= l->phase_end)
			start_reverse(s, l, now);
		break;
	case VP_BLOCKING:
		if (now >= l->phase_end)
			start_reverse(s, l, now);
		break;
	case VP_REVERSING:
		if (now >= l->phase_end) {
			leave_scale(s, l);
			tl_vehicle(s, l, "reversed", false);
			vehicle_gone(s, l, now);
		}
		break;
	case VP_PASSING:
		if (now >= l->phase_end)
			pass_done(s, l, now);
		break;
	case VP_TAILGAP:
		if (now >= l->phase_end)
			start_pass(s, l, now);
		break;
	case VP_DONE:
		break;
	}
}

/* What the scale answers: its state, with the fault bit or garbage on top. */
static void
scale_sync(struct sim *s, struct sim_lane *l, int64_t now)
{
	uint16_t *regs = l->map[ROLE_SCALE]->tab_registers, t[SCALE_NREGS];
	int i;

	if (s->prof[ROLE_SCALE].p != NULL)
		regs = t;
	switch (simlane_fault(l, ROLE_SCALE, now)) {
	case FM_GARBAGE:
		if (now < l->garbage_next)
			return;
		l->garbage_next = now + GARBAGE_EVERY_MS;
		if (regs == t) {
			simprof_scale_sync(s, l, t, true, now);
			return;
		}
		for (i = 0; i < SCALE_NREGS; i++)
			regs[i] = (uint16_t)sim_rand(&s->rng);
		return;
	case FM_FAULT_BIT:
		memcpy(regs, l->scale_truth, sizeof(l->scale_truth));
		regs[0] |= SCALE_ST_FAULT;
		break;
	default:
		memcpy(regs, l->scale_truth, sizeof(l->scale_truth));
	}
	if (regs == t)
		simprof_scale_sync(s, l, t, false, now);
}

/* Start the lane's traffic now. */
void
simlane_start(struct sim *s, struct sim_lane *l, int64_t now)
{
	if (l->nq > 0) {
		l->phase = VP_GAP;
		l->phase_end = now + dur(s, l->q[0]->after_ms);
	}
}

void
simlane_tick(struct sim *s, struct sim_lane *l, int64_t now)
{
	faults_tick(s, l, now);
	barrier_tick(s, l, now);
	vehicle_tick(s, l, now);
	scale_sync(s, l, now);
	if (s->prof[ROLE_IO].p != NULL)
		simprof_io_sync(s, l);
}

/* The lane's outputs changed: the barrier moves, the light and alarm switch. */
static void
io_written(struct sim *s, struct sim_lane *l, int64_t now)
{
	uint8_t c[4];
	int i;

	if (s->prof[ROLE_IO].p != NULL)
		simprof_outputs(s, l, c);
	else
		memcpy(c, l->map[ROLE_IO]->tab_bits, sizeof(c));
	for (i = 0; i < 4; i++) {
		if (c[i] == l->coil_seen[i])
			continue;
		l->coil_seen[i] = c[i];
		if (i == 0 && (!s->o.pulse || c[i]))
			barrier_command(s, l, c[i] != 0, now);
		else if (i == 3 && s->o.pulse && c[i])
			barrier_command(s, l, false, now);
		else if (i == 1)
			tl_state(s, l, "light", c[i] ? "green" : "red");
		else if (i == 2)
			tl_state(s, l, "alarm", c[i] ? "on" : "off");
	}
}

/* A new message on the sign: counter (-1: none), colour (-1: none; 3 + code), text (NULL: bad). */
static void
tl_led(struct sim *s, struct sim_lane *l, int counter, int colour,
    const char *text)
{
	struct sbuf *b = timeline_begin(s, l, "led");

	l->signals++;
	if (counter >= 0)
		sbuf_printf(b, ",\"counter\":%d", counter);
	if (colour >= 0 && colour < 3) {
		sbuf_puts(b, ",\"colour\":");
		sbuf_put_json_str(b, colour_names[colour]);
	} else if (colour >= 3)
		sbuf_printf(b, ",\"colour\":%d", colour - 3);
	sbuf_puts(b, ",\"text\":");
	if (text != NULL)
		sbuf_put_json_str(b, text);
	else
		sbuf_puts(b, "null,\"text_error\":\"not valid in the encoding\"");
	timeline_end(s);
}

/* The sign in a profile's layout: a counter step, or any write without a counter. */
static void
led_profile_written(struct sim *s, struct sim_lane *l)
{
	const modbus_mapping_t *m = l->map[ROLE_LED];
	char text[8 * SIM_LED_MAX + 1];
	int colour, counter, rc;

	rc = profile_led_read(s->prof[ROLE_LED].p, m->tab_registers,
	    m->nb_registers, &colour, &counter, text, sizeof(text));
	if (counter >= 0) {
		if ((uint16_t)counter == l->led_counter_seen)
			return;
		l->led_counter_seen = (uint16_t)counter;
	}
	tl_led(s, l, counter, colour, rc == 0 ? text : NULL);
}

/* A client wrote the I/O module's coils or the LED's registers. */
void
simlane_written(struct sim *s, struct sim_lane *l, enum dev_role d, int64_t now)
{
	uint16_t *r = l->map[ROLE_LED]->tab_registers;
	char raw[2 * SIM_LED_MAX + 1], text[8 * SIM_LED_MAX + 1];
	int i, n;

	if (d == ROLE_IO) {
		io_written(s, l, now);
		return;
	}
	if (d == ROLE_LED && s->prof[ROLE_LED].p != NULL) {
		led_profile_written(s, l);
		return;
	}
	if (d != ROLE_LED || r[0] == l->led_counter_seen)
		return;
	l->led_counter_seen = r[0];
	for (i = 0, n = 0; i < s->o.led_regs; i++) {
		raw[n++] = (char)(r[2 + i] >> 8);
		raw[n++] = (char)(r[2 + i] & 0xff);
	}
	raw[n] = '\0';
	n = (int)strlen(raw);
	if ((n = decode_text_to_utf8(s->o.led_enc, raw, (size_t)n, text,
	    sizeof(text) - 1)) >= 0)
		text[n] = '\0';
	tl_led(s, l, r[0], r[1] < 3 ? r[1] : 3 + r[1], n >= 0 ? text : NULL);
}
