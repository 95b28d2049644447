/* Unit tests of the pure lane state machine (docs/design.md §4.2, §4.3). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "weighgate/config.h"
#include "weighgate/decode.h"
#include "weighgate/lane.h"
#include "weighgate/lists.h"
#include "weighgate/rules.h"

#include "check_util.h"

static struct config cfg;
static struct lane lane;
static struct lane_ctx ctx;
static char ruleset[65];
static struct lane_actions acts;
static struct lane_now t;
static uint16_t scale_seq;

/*
 * The [lane] keys of the fixture.  Most tests feed results at one instant,
 * so they run with the minimum interval off; the sequence tests below run
 * on the defaults (docs/lane.md).
 */
static const char *lane_extra = "min_result_interval_ms = 0\n";

static void
setup_with(const char *rules_extra)
{
	cu_load_conf(&cfg, "[controller]\nid = T\ndb = /tmp/x.db\n[rules]\n%s\n"
	    "[lane L01]\nscale = tcp://127.0.0.1:1502?unit=1\n"
	    "io = tcp://127.0.0.1:1502?unit=2\nled = tcp://127.0.0.1:1502?unit=3\n"
	    "fault_after_ms = 1000\npass_timeout_s = 60\nbarrier_timeout_ms = 3000\n"
	    "%s", rules_extra, lane_extra);
	rules_id(&cfg.rules, ruleset);
	ctx.rules = &cfg.rules;
	ctx.lists = NULL;
	ctx.ruleset = ruleset;
	lane_init(&lane, &cfg.lanes[0], false, 0);
	acts.n = 0;
	t.wall_ms = 1795000000000LL;
	t.mono_ms = 1000000;
	scale_seq = 100;
}

static void
setup(void)
{
	lane_extra = "min_result_interval_ms = 0\n";
	setup_with("");
}

static void
teardown(void)
{
	lane_actions_clear(&acts);
}

/*
 * Sent at once, by docs/design.md §7 and docs/sync-protocol.md §2.3: the
 * urgency every event the lane records must carry (its body read here, by
 * the test, for a weighing's decision; the sync never reads it).
 */
static bool
documented_urgent(const struct lane_action *a)
{
	static const enum event_kind always[] = { EV_FORCED_ENTRY,
	    EV_BARRIER_UNAUTHORIZED, EV_OVERRIDE, EV_DEVICE_FAULT, EV_STARTUP,
	    EV_CONFIG_RELOADED, EV_SCALE_RESET, EV_CLOCK_STEP, EV_CLOCK_SKEW,
	    EV_STORE_REPLACED, EV_STORE_ROLLBACK };
	size_t i;

	for (i = 0; i < sizeof(always) / sizeof(always[0]); i++)
		if (a->event == always[i])
			return true;
	return a->event == EV_WEIGHING &&
	    strstr(a->body, "\"decision\":\"intercept\"") != NULL;
}

/* One step; every event it records carries the documented urgency. */
static void
feed(const struct lane_input *in)
{
	int i;

	lane_actions_clear(&acts);
	lane_step(&lane, &ctx, in, t, &acts);
	for (i = 0; i < acts.n; i++)
		if (acts.a[i].kind == LA_RECORD)
			ck_assert_msg(acts.a[i].urgent ==
			    documented_urgent(&acts.a[i]), "%s: urgent %d",
			    event_name(acts.a[i].event), acts.a[i].urgent);
}

static void
tick(int64_t ms)
{
	struct lane_input in = { .kind = LI_TICK };

	t.mono_ms += ms;
	t.wall_ms += ms;
	feed(&in);
}

/* I/O inputs: barrier up, barrier down, pass loop, presence loop. */
static void
io(bool up, bool down, bool pass, bool presence)
{
	struct lane_input in = { .kind = LI_IO };

	in.bits[IO_BARRIER_UP] = up;
	in.bits[IO_BARRIER_DOWN] = down;
	in.bits[IO_PASS_LOOP] = pass;
	in.bits[IO_PRESENCE] = presence;
	feed(&in);
}

/* cu_truck() with the gross spread over the axles, the rest on the first. */
static void
truck(struct measurement *m, int axles, enum vconfig c, int64_t gross)
{
	int i;

	cu_truck(m, axles, c, gross);
	m->n_axle_kg = axles;
	for (i = 0; i < axles; i++)
		m->axle_kg[i] = (int32_t)(gross / axles + (i == 0 ? gross % axles : 0));
}

/* The block as the daemon reads it: decoded by the lane's built-in profile. */
static void
scale(const struct measurement *m, uint16_t status, uint16_t seq)
{
	struct lane_input in = { .kind = LI_SCALE };
	uint16_t regs[SCALE_NREGS];
	const uint16_t *img[1] = { regs };
	static char err[160];
	profile_t *p;
	bool in_file;

	ck_assert_int_eq(decode_encode_scale(m, status, seq, cfg.lanes[0].word_order,
	    cfg.lanes[0].plate_encoding, regs), 0);
	p = profile_for_lane("", &cfg.lanes[0], ROLE_SCALE, &in_file, err,
	    sizeof(err));
	ck_assert_ptr_nonnull(p);
	if (profile_decode_scale(p, img, &in.scale, err, sizeof(err)) != 0)
		in.err = err;
	profile_free(p);
	feed(&in);
}

/* A completed weighing: the sequence moves by one. */
static void
weigh(const struct measurement *m)
{
	scale(m, SCALE_ST_PRESENT | SCALE_ST_VALID, ++scale_seq);
}

static int
find(enum lane_action_kind k, int from)
{
	int i;

	for (i = from; i < acts.n; i++)
		if (acts.a[i].kind == k)
			return i;
	return -1;
}

/* The last step's actions raise no barrier. */
static void
assert_no_raise(void)
{
	int b;

	for (b = find(LA_BARRIER, 0); b >= 0; b = find(LA_BARRIER, b + 1))
		ck_assert(!acts.a[b].on);
}

static int
find_record(const char *kind)
{
	int i;

	for (i = 0; i < acts.n; i++)
		if (acts.a[i].kind == LA_RECORD &&
		    strcmp(event_name(acts.a[i].event), kind) == 0)
			return i;
	return -1;
}

/* Two polls of the I/O module: what the lane waits before lowering. */
static void
settle(void)
{
	tick(2 * cfg.lanes[0].poll_ms);
}

static void
committed(void)
{
	struct lane_input in = { .kind = LI_COMMITTED, .uuid = "11111111-2222-4333-8444-555555555555" };

	feed(&in);
}

/* Lane started, inputs known with barrier down, baseline taken. */
static void
started(void)
{
	struct measurement m;

	io(false, true, false, false);
	truck(&m, 2, VC_RIGID, 10000);
	scale(&m, 0, scale_seq);
}

START_TEST(test_known_outputs_at_start)
{
	int b, l;

	io(false, true, false, false);
	b = find(LA_BARRIER, 0);
	ck_assert_int_ge(b, 0);
	ck_assert(!acts.a[b].on);
	l = find(LA_LIGHT, 0);
	ck_assert_int_ge(l, 0);
	ck_assert(!acts.a[l].on);
	ck_assert_int_ge(find(LA_LED, 0), 0);
	ck_assert_str_eq(acts.a[find(LA_LED, 0)].text, "货车请减速 缓慢通过称重区");
	ck_assert_int_eq(acts.a[find(LA_LED, 0)].colour, LED_GREEN);
}
END_TEST

START_TEST(test_no_barrier_lowered_onto_occupied_loop_at_start)
{
	io(true, false, true, false);
	ck_assert_int_eq(find(LA_BARRIER, 0), -1);
	io(true, false, false, false);
	ck_assert_int_eq(find(LA_BARRIER, 0), -1);	/* a follower may come */
	settle();
	ck_assert_int_ge(find(LA_BARRIER, 0), 0);
	ck_assert(!acts.a[find(LA_BARRIER, 0)].on);
}
END_TEST

/*
 * After a restart the barrier may still be up for a vehicle let through
 * before, a moment from the pass loop: the first read shows the loop clear,
 * but the barrier waits two polls, sees the vehicle, and comes down once it
 * has gone.
 */
START_TEST(test_barrier_up_at_start_waits_for_the_loop)
{
	int b;

	io(true, false, false, false);
	ck_assert_int_eq(find(LA_BARRIER, 0), -1);
	tick(cfg.lanes[0].poll_ms);
	ck_assert_int_eq(find(LA_BARRIER, 0), -1);
	io(true, false, true, false);	/* it drives under the barrier */
	settle();
	ck_assert_int_eq(find(LA_BARRIER, 0), -1);
	io(true, false, false, false);	/* read clear, two polls on */
	b = find(LA_BARRIER, 0);
	ck_assert_int_ge(b, 0);
	ck_assert(!acts.a[b].on);
}
END_TEST

/* Stopping just after a start with the barrier up: not done until it is down. */
START_TEST(test_shutdown_waits_for_a_barrier_up_at_start)
{
	struct lane_input in = { .kind = LI_SHUTDOWN };
	int b;

	ck_assert(lane_quiescent(&lane));	/* nothing read: nothing to do */
	io(true, false, false, false);
	feed(&in);
	ck_assert_int_eq(find(LA_BARRIER, 0), -1);
	ck_assert(!lane_quiescent(&lane));
	settle();
	b = find(LA_BARRIER, 0);
	ck_assert_int_ge(b, 0);
	ck_assert(!acts.a[b].on);
	ck_assert(lane_quiescent(&lane));
}
END_TEST

/* Shown down at start with the loop occupied: commanded down at once. */
START_TEST(test_barrier_shown_down_at_start_commanded_at_once)
{
	int b;

	io(false, true, true, false);
	b = find(LA_BARRIER, 0);
	ck_assert_int_ge(b, 0);
	ck_assert(!acts.a[b].on);
	ck_assert(lane_quiescent(&lane));
}
END_TEST

/* Up at start and nobody comes: down after two polls of a clear loop. */
START_TEST(test_barrier_up_at_start_lowered_after_settle)
{
	int b;

	io(true, false, false, false);
	ck_assert_int_eq(find(LA_BARRIER, 0), -1);
	tick(cfg.lanes[0].poll_ms);
	ck_assert_int_eq(find(LA_BARRIER, 0), -1);
	tick(cfg.lanes[0].poll_ms);
	b = find(LA_BARRIER, 0);
	ck_assert_int_ge(b, 0);
	ck_assert(!acts.a[b].on);
}
END_TEST

START_TEST(test_baseline_not_decided)
{
	struct measurement m;

	io(false, true, false, false);
	truck(&m, 6, VC_COMBINATION, 60000);
	scale(&m, SCALE_ST_PRESENT | SCALE_ST_VALID, 7);
	ck_assert_int_eq(find(LA_RECORD, 0), -1);
	ck_assert_int_eq(lane.state, LANE_IDLE);
}
END_TEST

START_TEST(test_stored_seq_not_decided_twice)
{
	struct measurement m;

	lane_init(&lane, &cfg.lanes[0], true, 7);
	io(false, true, false, false);
	truck(&m, 2, VC_RIGID, 10000);
	scale(&m, SCALE_ST_PRESENT | SCALE_ST_VALID, 7);
	ck_assert_int_eq(find(LA_RECORD, 0), -1);
	scale(&m, SCALE_ST_PRESENT | SCALE_ST_VALID, 8);
	ck_assert_int_ge(find_record("weighing"), 0);
}
END_TEST

START_TEST(test_pass_records_before_barrier)
{
	struct measurement m;
	int r, b;

	started();
	truck(&m, 6, VC_COMBINATION, 40000);
	weigh(&m);
	r = find_record("weighing");
	b = find(LA_BARRIER, 0);
	ck_assert_int_ge(r, 0);
	ck_assert_int_gt(b, r);
	ck_assert(acts.a[b].on);
	ck_assert(acts.a[r].has_result_seq);
	ck_assert_int_eq(acts.a[r].result_seq, scale_seq);
	ck_assert(!acts.a[r].urgent);	/* a pass is batched */
	ck_assert_ptr_nonnull(strstr(acts.a[r].body, "\"decision\":\"pass\""));
	ck_assert_ptr_nonnull(strstr(acts.a[r].body, "\"measurement\":{"));
	ck_assert_int_eq(lane.state, LANE_OPEN);
	ck_assert(acts.a[find(LA_LIGHT, 0)].on);
	ck_assert_str_eq(acts.a[find(LA_LED, 0)].text, "豫A12345 总重40.0吨 请通行");
	/* the vehicle drives through: pass loop rises and falls */
	io(true, false, true, false);
	ck_assert_int_eq(find(LA_RECORD, 0), -1);
	ck_assert_int_eq(find(LA_BARRIER, 0), -1);
	io(true, false, false, false);
	ck_assert_int_eq(lane.state, LANE_IDLE);
	ck_assert_int_eq(find(LA_BARRIER, 0), -1);	/* settling: two polls */
	settle();
	b = find(LA_BARRIER, 0);
	ck_assert_int_ge(b, 0);
	ck_assert(!acts.a[b].on);
}
END_TEST

START_TEST(test_turnback_text_and_leave)
{
	struct measurement m;
	int led;

	started();
	/* 55 000 kg on 6 axles: 6.0 t over the legal 49 t, class 2 applies 49 980 */
	truck(&m, 6, VC_COMBINATION, 55000);
	weigh(&m);
	ck_assert_int_ge(find_record("weighing"), 0);
	ck_assert_int_eq(find(LA_BARRIER, 0), -1);
	led = find(LA_LED, 0);
	ck_assert_int_ge(led, 0);
	ck_assert_str_eq(acts.a[led].text, "豫A12345 超限6.0吨 禁止驶入 请驶离");
	ck_assert_int_eq(acts.a[led].colour, LED_RED);
	ck_assert_int_eq(lane.state, LANE_REFUSED);
	/* still on the presence loop: stays REFUSED */
	io(false, true, false, true);
	scale(&m, SCALE_ST_VALID, scale_seq);
	ck_assert_int_eq(lane.state, LANE_REFUSED);
	io(false, true, false, false);
	ck_assert_int_eq(lane.state, LANE_IDLE);
	ck_assert_str_eq(acts.a[find(LA_LED, 0)].text, "货车请减速 缓慢通过称重区");
}
END_TEST

START_TEST(test_commit_failed_means_fault_barrier_down)
{
	struct measurement m;
	struct lane_input in = { .kind = LI_COMMIT_FAILED };

	started();
	truck(&m, 2, VC_RIGID, 12000);
	weigh(&m);
	ck_assert_int_eq(lane.state, LANE_OPEN);
	/* the shell dropped the barrier write after the failed record */
	lane.barrier_known = true;
	lane.cmd_barrier_up = false;
	feed(&in);
	ck_assert_int_eq(lane.state, LANE_FAULT);
	ck_assert_int_eq(find(LA_BARRIER, 0), -1);
	ck_assert_str_eq(acts.a[find(LA_LED, 0)].text, "称重设备故障 请走其他车道");
	/* a further weighing is not decided while the store cannot commit */
	weigh(&m);
	ck_assert_int_eq(find(LA_RECORD, 0), -1);
	ck_assert_int_eq(find(LA_BARRIER, 0), -1);
}
END_TEST

/*
 * A lowering decided in the same step as a record that does not commit is
 * dropped with the rest of the list: the lane writes it again.
 */
START_TEST(test_commit_failed_lowering_written_again)
{
	struct measurement m, heavy;
	struct lane_input failed = { .kind = LI_COMMIT_FAILED };
	int r, b;

	started();
	truck(&m, 2, VC_RIGID, 12000);
	weigh(&m);
	committed();
	io(true, false, false, true);		/* up */
	io(true, false, true, false);		/* the vehicle on the pass loop */
	io(true, false, false, false);		/* past it: lowering wanted */
	tick(2 * cfg.lanes[0].poll_ms - 1);
	ck_assert_int_eq(find(LA_BARRIER, 0), -1);
	t.mono_ms++;
	t.wall_ms++;
	truck(&heavy, 2, VC_RIGID, 25000);
	weigh(&heavy);				/* turned back, and the lowering */
	r = find(LA_RECORD, 0);
	b = find(LA_BARRIER, 0);
	ck_assert_int_ge(r, 0);
	ck_assert_int_gt(b, r);
	ck_assert(!acts.a[b].on);
	feed(&failed);			/* both dropped: the lowering, already */
	ck_assert_int_eq(lane.state, LANE_FAULT);	/* due, written again */
	b = find(LA_BARRIER, 0);
	ck_assert_int_ge(b, 0);
	ck_assert(!acts.a[b].on);
	assert_no_raise();
}
END_TEST

/* One failed poll of the I/O module does not end the wait at shutdown. */
START_TEST(test_shutdown_waits_through_one_failed_poll)
{
	struct measurement m;
	struct lane_input shut = { .kind = LI_SHUTDOWN };
	struct lane_input down = { .kind = LI_DOWN, .dev = ROLE_IO, .err = "timeout" };

	started();
	truck(&m, 2, VC_RIGID, 12000);
	weigh(&m);
	committed();
	io(true, false, false, true);		/* up for the vehicle */
	down.since_mono_ms = t.mono_ms;
	feed(&down);
	feed(&shut);
	ck_assert(!lane_quiescent(&lane));
	tick(cfg.lanes[0].fault_after_ms);	/* silent: in fault, nothing to do */
	ck_assert(lane_quiescent(&lane));
}
END_TEST

START_TEST(test_forced_entry_no_pass)
{
	struct measurement m;
	int r;

	started();
	truck(&m, 6, VC_COMBINATION, 55000);
	weigh(&m);
	committed();
	io(false, true, true, true);
	r = find_record("forced_entry");
	ck_assert_int_ge(r, 0);
	ck_assert_ptr_nonnull(strstr(acts.a[r].body, "\"how\":\"no_pass\""));
	ck_assert_ptr_nonnull(strstr(acts.a[r].body,
	    "\"last_weighing\":{\"uuid\":\"11111111-2222-4333-8444-555555555555\","
	    "\"plate\":\"豫A12345\",\"gross_kg\":55000,\"decision\":\"turnback\"}"));
	ck_assert(acts.a[find(LA_ALARM, 0)].on);
}
END_TEST

START_TEST(test_forced_entry_tailgate)
{
	struct measurement m;
	int r;

	started();
	truck(&m, 2, VC_RIGID, 12000);
	weigh(&m);
	io(true, false, true, false);
	ck_assert_int_eq(find(LA_RECORD, 0), -1);
	io(true, false, false, false);	/* first vehicle through, barrier lowering */
	io(true, false, true, false);	/* a second one under the same opening */
	r = find_record("forced_entry");
	ck_assert_int_ge(r, 0);
	ck_assert_ptr_nonnull(strstr(acts.a[r].body, "\"how\":\"tailgate\""));
}
END_TEST

START_TEST(test_pass_timeout)
{
	struct measurement m;
	int b;

	started();
	truck(&m, 2, VC_RIGID, 12000);
	weigh(&m);
	io(true, false, false, false);
	tick(59000);
	ck_assert_int_eq(find_record("pass_timeout"), -1);
	tick(1001);
	ck_assert_int_ge(find_record("pass_timeout"), 0);
	settle();
	b = find(LA_BARRIER, 0);
	ck_assert_int_ge(b, 0);
	ck_assert(!acts.a[b].on);
	ck_assert_int_eq(lane.state, LANE_IDLE);
}
END_TEST

START_TEST(test_scale_silent_fault_and_recovery)
{
	struct lane_input down = { .kind = LI_DOWN, .dev = ROLE_SCALE, .err = "Connection timed out" };
	struct lane_input up = { .kind = LI_UP, .dev = ROLE_SCALE };
	int r;

	started();
	down.since_mono_ms = t.mono_ms;
	feed(&down);
	tick(999);
	ck_assert_int_eq(lane.state, LANE_IDLE);
	tick(1);
	r = find_record("device_fault");
	ck_assert_int_ge(r, 0);
	ck_assert_ptr_nonnull(strstr(acts.a[r].body, "\"device\":\"scale\""));
	ck_assert_int_eq(lane.state, LANE_FAULT);
	ck_assert_int_eq(acts.a[find(LA_LED, 0)].colour, LED_RED);
	feed(&up);
	ck_assert_int_ge(find_record("device_recovered"), 0);
	ck_assert_int_eq(lane.state, LANE_IDLE);
}
END_TEST

START_TEST(test_missed_results)
{
	struct measurement m;
	int r, w;

	started();
	truck(&m, 2, VC_RIGID, 12000);
	scale_seq += 3;
	weigh(&m);
	r = find_record("missed_results");
	w = find_record("weighing");
	ck_assert_int_ge(r, 0);
	ck_assert_int_gt(w, r);
	ck_assert_ptr_nonnull(strstr(acts.a[r].body, "\"missed\":3"));
}
END_TEST

START_TEST(test_sequence_wraps)
{
	struct measurement m;

	lane_init(&lane, &cfg.lanes[0], true, 65535);
	io(false, true, false, false);
	truck(&m, 2, VC_RIGID, 12000);
	scale(&m, SCALE_ST_PRESENT | SCALE_ST_VALID, 0);
	ck_assert_int_ge(find_record("weighing"), 0);
	ck_assert_int_eq(find_record("missed_results"), -1);
}
END_TEST

START_TEST(test_barrier_unauthorized)
{
	started();
	io(true, false, false, false);
	tick(1000);
	ck_assert_int_eq(find_record("barrier_unauthorized"), -1);
	tick(1);
	ck_assert_int_ge(find_record("barrier_unauthorized"), 0);
	ck_assert(acts.a[find(LA_ALARM, 0)].on);
	tick(100);
	ck_assert_int_eq(find_record("barrier_unauthorized"), -1);
}
END_TEST

START_TEST(test_barrier_does_not_rise)
{
	struct measurement m;
	int r;

	started();
	truck(&m, 2, VC_RIGID, 12000);
	weigh(&m);
	io(false, false, false, false);	/* moving */
	tick(3000);
	ck_assert_int_eq(lane.state, LANE_OPEN);
	tick(1);
	r = find_record("device_fault");
	ck_assert_int_ge(r, 0);
	ck_assert_ptr_nonnull(strstr(acts.a[r].body, "\"device\":\"barrier\""));
	ck_assert_int_eq(lane.state, LANE_FAULT);
}
END_TEST

/*
 * A slow commit: the raise is written only when the commit has come back,
 * so barrier_timeout_ms runs from the commit's outcome, not the decision.
 */
START_TEST(test_barrier_timeout_runs_from_the_commit)
{
	struct measurement m;

	started();
	truck(&m, 2, VC_RIGID, 12000);
	weigh(&m);
	ck_assert_int_ge(find(LA_BARRIER, 0), 0);
	tick(2000);			/* the commit takes 2 s */
	committed();
	io(true, true, false, false);	/* on its way: both inputs on */
	tick(2999);
	ck_assert_int_eq(find_record("device_fault"), -1);
	ck_assert_int_eq(lane.state, LANE_OPEN);
	tick(2);
	ck_assert_int_ge(find_record("device_fault"), 0);
	ck_assert_int_eq(lane.state, LANE_FAULT);
}
END_TEST

/* A barrier stuck down: the raise taken back proves nothing until it moves. */
START_TEST(test_stuck_barrier_stays_fault_while_vehicle_waits)
{
	struct measurement m;

	started();
	truck(&m, 2, VC_RIGID, 12000);
	weigh(&m);
	io(false, true, false, true);		/* commanded up, still down */
	tick(3001);
	ck_assert_int_ge(find_record("device_fault"), 0);
	ck_assert_int_eq(lane.state, LANE_FAULT);
	tick(5000);				/* down as now commanded, vehicle there */
	ck_assert_int_eq(find_record("device_recovered"), -1);
	ck_assert_int_eq(lane.state, LANE_FAULT);
	scale(&m, 0, scale_seq);		/* the vehicle has left the scale */
	io(false, true, false, false);
	ck_assert_int_eq(lane.state, LANE_FAULT);
	tick(3001);				/* at its command long enough */
	ck_assert_int_ge(find_record("device_recovered"), 0);
	ck_assert_int_eq(lane.state, LANE_IDLE);
}
END_TEST

/* The I/O module answers again: every output is written anew. */
START_TEST(test_outputs_rewritten_after_io_returns)
{
	struct lane_input down = { .kind = LI_DOWN, .dev = ROLE_IO, .err = "reset" };
	struct lane_input up = { .kind = LI_UP, .dev = ROLE_IO };

	started();
	down.since_mono_ms = t.mono_ms;
	feed(&down);
	tick(100);
	feed(&up);
	ck_assert_int_ge(find(LA_LIGHT, 0), 0);
	ck_assert_int_ge(find(LA_ALARM, 0), 0);
	/* the barrier on the module's fresh inputs, which come with it */
	ck_assert_int_eq(find(LA_BARRIER, 0), -1);
	io(false, true, false, false);
	ck_assert_int_ge(find(LA_BARRIER, 0), 0);
	ck_assert(!acts.a[find(LA_BARRIER, 0)].on);
	feed(&up);			/* "up" again without a silence: nothing */
	ck_assert_int_eq(acts.n, 0);
}
END_TEST

/*
 * While the module was silent the barrier was raised by hand and a vehicle
 * drove under it: the inputs from before the silence say nothing of that,
 * so no command goes out until the module's fresh inputs, and the barrier
 * comes down once the vehicle has gone.
 */
START_TEST(test_io_returns_barrier_raised_meanwhile)
{
	struct lane_input down = { .kind = LI_DOWN, .dev = ROLE_IO, .err = "reset" };
	struct lane_input up = { .kind = LI_UP, .dev = ROLE_IO };
	int b;

	started();
	down.since_mono_ms = t.mono_ms;
	feed(&down);
	tick(100);
	feed(&up);
	ck_assert_int_eq(find(LA_BARRIER, 0), -1);
	io(true, false, true, false);		/* up, the vehicle on the loop */
	ck_assert_int_eq(find(LA_BARRIER, 0), -1);
	settle();
	ck_assert_int_eq(find(LA_BARRIER, 0), -1);
	io(true, false, false, false);
	b = find(LA_BARRIER, 0);
	ck_assert_int_ge(b, 0);
	ck_assert(!acts.a[b].on);
}
END_TEST

START_TEST(test_retry_then_hold)
{
	struct measurement m;
	int i, r;

	started();
	truck(&m, 2, VC_RIGID, 12000);
	m.speed_dkmh = 300;
	for (i = 0; i < 2; i++) {
		weigh(&m);
		r = find_record("weighing");
		ck_assert_ptr_nonnull(strstr(acts.a[r].body, "\"decision\":\"retry\""));
		ck_assert_int_eq(lane.state, LANE_IDLE);
		ck_assert_int_eq(lane.led_msg, LED_RETRY);
		ck_assert_str_eq(lane.led_text, "称重无效 请倒车重新称重");
		if (i == 0)
			ck_assert_int_eq(acts.a[find(LA_LED, 0)].colour, LED_YELLOW);
	}
	weigh(&m);
	r = find_record("weighing");
	ck_assert_ptr_nonnull(strstr(acts.a[r].body, "\"decision\":\"hold\""));
	ck_assert_int_eq(lane.state, LANE_REFUSED);
	ck_assert_str_eq(acts.a[find(LA_LED, 0)].text, "请联系工作人员");
}
END_TEST

START_TEST(test_intercept_alarm)
{
	static const char doc[] = "{\"version\":\"t\",\"watch\":[{\"plate\":\"豫A12345\","
	    "\"reason\":\"stolen\"}],\"exempt\":[],\"permits\":[]}";
	struct lists *l = NULL;
	struct measurement m;
	char err[256];

	ck_assert_int_eq(lists_parse(doc, strlen(doc), &l, err, sizeof(err)), 0);
	ctx.lists = l;
	started();
	truck(&m, 2, VC_RIGID, 12000);
	weigh(&m);
	ck_assert_int_eq(lane.state, LANE_REFUSED);
	ck_assert(acts.a[find(LA_ALARM, 0)].on);
	ck_assert_int_eq(find(LA_BARRIER, 0), -1);
	/* an intercept is sent at once: the lane says so with the record */
	ck_assert(acts.a[find_record("weighing")].urgent);
	ck_assert_str_eq(acts.a[find(LA_LED, 0)].text, "豫A12345 请靠边停车 接受检查");
	io(false, true, false, false);
	scale(&m, 0, scale_seq);
	ck_assert_int_eq(lane.state, LANE_IDLE);
	ck_assert(!acts.a[find(LA_ALARM, 0)].on);
	lists_free(l);
	ctx.lists = NULL;
}
END_TEST

START_TEST(test_scale_fault_bit_once_per_episode)
{
	struct measurement m;

	started();
	truck(&m, 2, VC_RIGID, 12000);
	scale(&m, SCALE_ST_FAULT, scale_seq);
	ck_assert_int_ge(find_record("device_fault"), 0);
	ck_assert_int_eq(lane.state, LANE_FAULT);
	scale(&m, SCALE_ST_FAULT | SCALE_ST_PRESENT, scale_seq);
	ck_assert_int_eq(find_record("device_fault"), -1);
	scale(&m, 0, scale_seq);
	ck_assert_int_ge(find_record("device_recovered"), 0);
	ck_assert_int_eq(lane.state, LANE_IDLE);
}
END_TEST

START_TEST(test_unweighed_pass_when_open)
{
	struct measurement m;
	int r, b;

	setup_with("on_scale_fault = open");
	started();
	truck(&m, 2, VC_RIGID, 12000);
	scale(&m, SCALE_ST_FAULT, scale_seq);
	ck_assert_int_eq(lane.state, LANE_FAULT);
	io(false, true, false, true);
	r = find_record("unweighed_pass");
	b = find(LA_BARRIER, 0);
	ck_assert_int_ge(r, 0);
	ck_assert_int_gt(b, r);
	ck_assert(acts.a[b].on);
}
END_TEST

START_TEST(test_fault_closed_keeps_barrier_down)
{
	struct measurement m;

	started();
	truck(&m, 2, VC_RIGID, 12000);
	scale(&m, SCALE_ST_FAULT, scale_seq);
	io(false, true, false, true);
	ck_assert_int_eq(find(LA_RECORD, 0), -1);
	ck_assert_int_eq(find(LA_BARRIER, 0), -1);
}
END_TEST

START_TEST(test_shutdown_lowers_when_clear)
{
	struct measurement m;
	struct lane_input in = { .kind = LI_SHUTDOWN };

	started();
	truck(&m, 2, VC_RIGID, 12000);
	weigh(&m);
	io(true, false, true, false);
	feed(&in);
	ck_assert_int_eq(find(LA_BARRIER, 0), -1);	/* pass loop occupied */
	ck_assert(!lane_quiescent(&lane));
	ck_assert_str_eq(acts.a[find(LA_LED, 0)].text, "称重设备故障 请走其他车道");
	io(true, false, false, false);
	settle();
	ck_assert(!acts.a[find(LA_BARRIER, 0)].on);
	ck_assert(lane_quiescent(&lane));
}
END_TEST

/* Stopping: the fault text stays, on an idle lane and after a pass ends. */
START_TEST(test_shutdown_keeps_fault_text)
{
	struct measurement m;
	struct lane_input in = { .kind = LI_SHUTDOWN };
	int k;

	started();
	feed(&in);
	ck_assert_int_ge((k = find(LA_LED, 0)), 0);
	ck_assert_str_eq(acts.a[k].text, "称重设备故障 请走其他车道");
	ck_assert_int_eq(acts.a[k].colour, LED_RED);
	tick(100);
	ck_assert_int_eq(find(LA_LED, 0), -1);

	setup();
	started();
	truck(&m, 2, VC_RIGID, 12000);
	weigh(&m);
	committed();
	io(true, false, true, false);
	feed(&in);
	io(true, false, false, false);	/* the vehicle has passed */
	ck_assert_int_eq(find(LA_LED, 0), -1);
	settle();
	ck_assert_int_eq(find(LA_LED, 0), -1);
	ck_assert(!acts.a[find(LA_BARRIER, 0)].on);
	io(false, true, false, false);
	ck_assert_int_eq(find(LA_LED, 0), -1);
}
END_TEST

/*
 * The lane decides to lower while a vehicle is rolling onto the pass loop,
 * before the next poll shows it: the barrier waits for two polls, sees the
 * loop occupied, and comes down only once it is clear.
 */
START_TEST(test_no_lowering_before_the_loop_is_read)
{
	struct measurement m, bad;
	int b;

	started();
	truck(&m, 2, VC_RIGID, 12000);
	weigh(&m);
	bad = m;
	bad.valid = false;
	weigh(&bad);			/* a retry revokes the open pass */
	ck_assert_int_eq(find(LA_BARRIER, 0), -1);
	tick(cfg.lanes[0].poll_ms);
	ck_assert_int_eq(find(LA_BARRIER, 0), -1);
	io(true, false, true, false);	/* the loop was occupied all along */
	settle();
	ck_assert_int_eq(find(LA_BARRIER, 0), -1);
	io(true, false, false, false);	/* read clear after the decision */
	b = find(LA_BARRIER, 0);
	ck_assert_int_ge(b, 0);
	ck_assert(!acts.a[b].on);
}
END_TEST

START_TEST(test_override_only_when_refused)
{
	struct measurement m;
	struct lane_input in = { .kind = LI_OVERRIDE, .operator_id = "op7", .reason = "police escort" };
	int r, b;

	started();
	feed(&in);
	ck_assert_int_eq(find(LA_RECORD, 0), -1);
	truck(&m, 6, VC_COMBINATION, 55000);
	weigh(&m);
	feed(&in);
	r = find_record("override");
	b = find(LA_BARRIER, 0);
	ck_assert_int_ge(r, 0);
	ck_assert_int_gt(b, r);
	ck_assert(acts.a[b].on);
	ck_assert_ptr_nonnull(strstr(acts.a[r].body, "\"operator\":\"op7\""));
}
END_TEST

/* An override that cannot be recorded raises nothing: the lane goes FAULT. */
START_TEST(test_override_commit_failed_no_raise)
{
	struct measurement m;
	struct lane_input in = { .kind = LI_OVERRIDE, .operator_id = "op7", .reason = "r" };
	struct lane_input failed = { .kind = LI_COMMIT_FAILED };

	started();
	truck(&m, 6, VC_COMBINATION, 55000);
	weigh(&m);
	committed();
	feed(&in);
	ck_assert_int_eq(find_record("override"), 0);	/* record first */
	feed(&failed);		/* the shell dropped the rest of the list */
	ck_assert_int_eq(lane.state, LANE_FAULT);
	ck_assert_int_eq(lane.passes_allowed, 0);
	assert_no_raise();
	tick(1000);
	assert_no_raise();
}
END_TEST

/* An override lets one vehicle through: the next one is a forced entry. */
START_TEST(test_override_one_vehicle)
{
	struct measurement m;
	struct lane_input in = { .kind = LI_OVERRIDE, .operator_id = "op7", .reason = "r" };
	int b;

	started();
	truck(&m, 6, VC_COMBINATION, 55000);
	weigh(&m);
	committed();
	feed(&in);
	committed();
	io(true, false, false, true);		/* barrier up */
	io(true, false, true, false);		/* the vehicle on the pass loop */
	ck_assert_int_eq(find_record("forced_entry"), -1);
	io(true, false, false, false);		/* and past it */
	ck_assert_int_eq(lane.state, LANE_IDLE);
	settle();
	b = find(LA_BARRIER, 0);
	ck_assert_int_ge(b, 0);
	ck_assert(!acts.a[b].on);
	io(false, true, false, false);
	io(false, true, true, false);		/* a second vehicle */
	ck_assert_int_ge(find_record("forced_entry"), 0);
}
END_TEST

START_TEST(test_led_silent_keeps_deciding)
{
	struct lane_input down = { .kind = LI_DOWN, .dev = ROLE_LED, .err = "timeout" };
	struct measurement m;

	started();
	down.since_mono_ms = t.mono_ms;
	feed(&down);
	tick(1000);
	ck_assert_int_ge(find_record("device_fault"), 0);
	ck_assert(acts.a[find(LA_ALARM, 0)].on);
	ck_assert_int_eq(lane.state, LANE_IDLE);
	truck(&m, 2, VC_RIGID, 12000);
	weigh(&m);
	ck_assert_int_ge(find_record("weighing"), 0);
	ck_assert_int_eq(lane.state, LANE_OPEN);
}
END_TEST


/* --- the result sequence (docs/lane.md): defaults 1000 ms and 5000 ms --- */

static void
setup_seq(void)
{
	lane_extra = "";
	setup_with("");
}

/* Time passes with no input (between two polls). */
static void
later(int64_t ms)
{
	t.mono_ms += ms;
	t.wall_ms += ms;
}

static int
count_records(const char *kind)
{
	int i, n = 0;

	for (i = 0; i < acts.n; i++)
		if (acts.a[i].kind == LA_RECORD &&
		    strcmp(event_name(acts.a[i].event), kind) == 0)
			n++;
	return n;
}

static bool
raised(void)
{
	int b;

	for (b = find(LA_BARRIER, 0); b >= 0; b = find(LA_BARRIER, b + 1))
		if (acts.a[b].on)
			return true;
	return false;
}

/* The vehicle has left: result kept, present and valid clear, loops clear. */
static void
leave(const struct measurement *m)
{
	scale(m, 0, scale_seq);
	io(false, true, false, false);
}

static void
assert_body_has(int r, const char *text)
{
	ck_assert_int_ge(r, 0);
	ck_assert_msg(strstr(acts.a[r].body, text) != NULL, "%s not in %s",
	    text, acts.a[r].body);
}

START_TEST(test_seq_forward_step)
{
	struct measurement m;
	int r;

	started();
	truck(&m, 6, VC_COMBINATION, 55000);
	weigh(&m);
	r = find_record("weighing");
	ck_assert_int_ge(r, 0);
	ck_assert_int_eq(acts.a[r].result_seq, 101);
	leave(&m);
	tick(1000);
	scale_seq++;		/* 102 never shown */
	truck(&m, 6, VC_COMBINATION, 56000);
	weigh(&m);
	assert_body_has(find_record("missed_results"), "\"missed\":1");
	ck_assert_int_eq(acts.a[find_record("weighing")].result_seq, 103);
	ck_assert_int_eq(count_records("scale_reset"), 0);
	ck_assert_int_eq(lane.last_seq, 103);
}
END_TEST

START_TEST(test_seq_wrap_and_half_range)
{
	struct measurement m;

	lane_init(&lane, &cfg.lanes[0], true, 0xffff);
	io(false, true, false, false);
	truck(&m, 6, VC_COMBINATION, 55000);
	scale(&m, SCALE_ST_PRESENT | SCALE_ST_VALID, 0);
	ck_assert_int_eq(count_records("weighing"), 1);
	ck_assert_int_eq(count_records("missed_results"), 0);
	ck_assert_int_eq(count_records("scale_reset"), 0);
	/* 0x8000 ahead is behind: half the range or more */
	tick(1000);
	scale(&m, SCALE_ST_PRESENT | SCALE_ST_VALID, 0x8000);
	ck_assert_int_eq(count_records("weighing"), 0);
	ck_assert_int_eq(count_records("scale_reset"), 1);
	/* 0x7fff ahead is a new result */
	lane_init(&lane, &cfg.lanes[0], true, 10);
	io(false, true, false, false);
	scale(&m, SCALE_ST_PRESENT | SCALE_ST_VALID, 10 + 0x7fff);
	ck_assert_int_eq(count_records("weighing"), 1);
	assert_body_has(find_record("missed_results"), "\"missed\":32766");
}
END_TEST

/* S passed, S+1 overweight stays, the scale shows S again: nothing rises. */
START_TEST(test_seq_backwards_not_decided)
{
	struct measurement a, b;
	int i, r;

	started();
	truck(&a, 2, VC_RIGID, 12000);
	weigh(&a);
	ck_assert(raised());
	committed();
	io(true, false, false, false);
	io(true, false, true, false);
	io(true, false, false, false);
	scale(&a, 0, scale_seq);
	settle();
	io(false, true, false, false);
	tick(1000);
	truck(&b, 2, VC_RIGID, 30000);
	weigh(&b);
	assert_body_has(find_record("weighing"), "\"decision\":\"turnback\"");
	ck_assert_int_eq(lane.state, LANE_REFUSED);
	io(false, true, false, true);
	tick(1000);
	scale(&a, SCALE_ST_PRESENT | SCALE_ST_VALID, 101);
	ck_assert_int_eq(count_records("weighing"), 0);
	r = find_record("scale_reset");
	assert_body_has(r, "{\"lane\":\"L01\",\"reference_seq\":102,\"seen_seq\":101}");
	ck_assert(!acts.a[r].has_result_seq);
	ck_assert(!raised());
	ck_assert_int_eq(lane.state, LANE_REFUSED);
	for (i = 0; i < 500; i++) {
		tick(20);
		ck_assert_int_eq(find(LA_RECORD, 0), -1);
		ck_assert(!raised());
	}
	ck_assert_int_eq(lane.last_seq, 102);
}
END_TEST

/* A counter flipping S/S+1 on every poll for 3 s: one decision. */
START_TEST(test_seq_flip_one_decision)
{
	struct measurement a, b;
	int i, weighings = 0, resets = 0;

	started();
	truck(&a, 2, VC_RIGID, 10000);
	truck(&b, 6, VC_COMBINATION, 55000);
	for (i = 0; i < 150; i++) {
		later(20);
		if (i % 2 == 0)
			scale(&b, SCALE_ST_PRESENT | SCALE_ST_VALID, 101);
		else
			scale(&a, SCALE_ST_PRESENT | SCALE_ST_VALID, 100);
		weighings += count_records("weighing");
		resets += count_records("scale_reset");
		ck_assert(!raised());
	}
	ck_assert_int_eq(weighings, 1);
	ck_assert_int_eq(resets, 1);
	/* flipping on with the vehicle gone: the step back never holds */
	io(false, true, false, false);
	for (i = 0; i < 500; i++) {
		later(20);
		scale(i % 2 == 0 ? &b : &a, 0, i % 2 == 0 ? 101 : 100);
		ck_assert_int_eq(find(LA_RECORD, 0), -1);
		ck_assert_int_eq(find(LA_REFERENCE, 0), -1);
	}
	ck_assert_int_eq(lane.last_seq, 101);
}
END_TEST

/* A scale reset 5000 -> 0 becomes the reference; the next result is decided. */
START_TEST(test_seq_reset_settles)
{
	struct measurement z, m;
	int r;

	lane_init(&lane, &cfg.lanes[0], true, 5000);
	io(false, true, false, false);
	meas_init(&z);
	scale(&z, SCALE_ST_PRESENT, 0);		/* a vehicle still on it */
	assert_body_has(find_record("scale_reset"), "\"reference_seq\":5000,\"seen_seq\":0");
	ck_assert_int_eq(count_records("weighing"), 0);
	ck_assert_int_eq(lane.led_msg, LED_HOLD);	/* it gets no decision */
	tick(10000);
	ck_assert_int_eq(lane.last_seq, 5000);
	scale(&z, 0, 0);
	io(false, true, false, true);		/* on the presence loop */
	tick(10000);
	ck_assert_int_eq(lane.last_seq, 5000);
	io(false, true, false, false);		/* gone */
	tick(4999);
	ck_assert_int_eq(lane.last_seq, 5000);
	tick(1);
	r = find(LA_REFERENCE, 0);
	ck_assert_int_ge(r, 0);
	ck_assert_int_eq(acts.a[r].result_seq, 0);
	ck_assert_int_eq(lane.last_seq, 0);
	ck_assert_int_eq(find(LA_RECORD, 0), -1);
	tick(1000);
	truck(&m, 2, VC_RIGID, 12000);
	scale(&m, SCALE_ST_PRESENT | SCALE_ST_VALID, 1);
	assert_body_has(find_record("weighing"), "\"decision\":\"pass\"");
	ck_assert(raised());
}
END_TEST

/* Back to S-1 and forward to S again with S's registers: not decided twice. */
START_TEST(test_same_result_not_decided_twice)
{
	struct measurement m, other;

	started();
	truck(&m, 6, VC_COMBINATION, 55000);
	weigh(&m);
	ck_assert_int_eq(count_records("weighing"), 1);
	leave(&m);
	tick(1000);
	scale(&m, 0, 100);
	ck_assert_int_eq(count_records("scale_reset"), 1);
	tick(5000);
	ck_assert_int_eq(lane.last_seq, 100);
	scale(&m, SCALE_ST_PRESENT | SCALE_ST_VALID, 101);
	ck_assert_int_eq(count_records("weighing"), 0);
	assert_body_has(find_record("device_fault"),
	    "\"device\":\"scale\",\"cause\":\"repeated\",\"seq\":101");
	ck_assert(!raised());
	ck_assert_int_eq(lane.led_msg, LED_HOLD);
	ck_assert_int_eq(lane.last_seq, 101);
	/* the same seq with other registers is another result */
	leave(&m);
	tick(1000);
	scale(&m, 0, 100);
	tick(5000);
	truck(&other, 6, VC_COMBINATION, 56000);
	scale(&other, SCALE_ST_PRESENT | SCALE_ST_VALID, 101);
	ck_assert_int_eq(count_records("weighing"), 1);
	/* after 10 minutes the first is forgotten */
	scale(&other, 0, 101);
	tick(LANE_RECENT_MS);
	scale(&m, 0, 100);
	tick(5000);
	scale(&m, SCALE_ST_PRESENT | SCALE_ST_VALID, 101);
	ck_assert_int_eq(count_records("weighing"), 1);
}
END_TEST

/* The memory holds LANE_RECENT_N results: past that the oldest goes. */
START_TEST(test_recent_memory_full)
{
	struct measurement m;
	int i;

	started();
	for (i = 0; i <= LANE_RECENT_N; i++) {
		truck(&m, 6, VC_COMBINATION, 55000 + i);
		weigh(&m);
		ck_assert_int_eq(count_records("weighing"), 1);
		leave(&m);
		tick(1000);
	}
	/* the second (102, 55001 kg) is still remembered */
	scale(&m, 0, 101);
	tick(5000);
	ck_assert_int_eq(lane.last_seq, 101);
	truck(&m, 6, VC_COMBINATION, 55001);
	scale(&m, SCALE_ST_PRESENT | SCALE_ST_VALID, 102);
	ck_assert_int_eq(count_records("weighing"), 0);
	assert_body_has(find_record("device_fault"), "\"cause\":\"repeated\"");
	/* the first (101, 55000 kg) has gone: shown again, it is decided */
	leave(&m);
	tick(1000);
	scale(&m, 0, 100);
	tick(5000);
	truck(&m, 6, VC_COMBINATION, 55000);
	scale(&m, SCALE_ST_PRESENT | SCALE_ST_VALID, 101);
	ck_assert_int_eq(count_records("weighing"), 1);
}
END_TEST

/* Too soon after the last result: device_fault implausible, hold, no open pass. */
START_TEST(test_min_interval_implausible)
{
	struct measurement a, b;
	int r, i;

	setup_with("on_scale_fault = open\n");
	started();
	truck(&a, 6, VC_COMBINATION, 55000);
	weigh(&a);
	ck_assert_int_eq(lane.state, LANE_REFUSED);
	tick(999);
	truck(&b, 2, VC_RIGID, 12000);
	weigh(&b);
	ck_assert_int_eq(count_records("weighing"), 0);
	r = find_record("device_fault");
	assert_body_has(r, "{\"lane\":\"L01\",\"device\":\"scale\",\"cause\":"
	    "\"implausible\",\"seq\":102,\"interval_ms\":999,"
	    "\"min_result_interval_ms\":1000}");
	ck_assert(acts.a[r].has_result_seq);
	ck_assert_int_eq(acts.a[r].result_seq, 102);
	ck_assert(!raised());
	ck_assert_int_eq(lane.state, LANE_IDLE);
	ck_assert_int_eq(lane.led_msg, LED_HOLD);
	ck_assert_str_eq(lane.led_text, "请联系工作人员");
	/* on_scale_fault = open does not let the vehicle through */
	for (i = 0; i < 100; i++) {
		io(false, true, false, true);
		tick(50);
		ck_assert_int_eq(find_record("unweighed_pass"), -1);
		ck_assert(!raised());
	}
	ck_assert_int_eq(lane.led_msg, LED_HOLD);
	leave(&b);
	ck_assert_int_eq(lane.led_msg, LED_IDLE);
	/* a result the full interval after the last one is decided */
	tick(1000);
	weigh(&b);
	assert_body_has(find_record("weighing"), "\"decision\":\"pass\"");
	ck_assert(raised());
}
END_TEST

/* An implausible result revokes an open pass: who is on the scale is unknown. */
START_TEST(test_implausible_revokes_open_pass)
{
	struct measurement m;
	int b;

	started();
	truck(&m, 2, VC_RIGID, 12000);
	weigh(&m);
	ck_assert(raised());
	committed();
	io(true, false, false, false);
	tick(200);
	weigh(&m);
	assert_body_has(find_record("device_fault"), "\"cause\":\"implausible\"");
	ck_assert_int_eq(lane.state, LANE_IDLE);
	ck_assert_int_eq(lane.passes_allowed, 0);
	settle();
	b = find(LA_BARRIER, 0);
	ck_assert_int_ge(b, 0);
	ck_assert(!acts.a[b].on);
}
END_TEST

/* A truck asked to re-weigh: its next result is decided, at the interval. */
START_TEST(test_reweigh_after_retry)
{
	struct measurement m;

	started();
	truck(&m, 2, VC_RIGID, 12000);
	m.speed_dkmh = 300;		/* too fast: retry */
	weigh(&m);
	assert_body_has(find_record("weighing"), "\"decision\":\"retry\"");
	ck_assert_int_eq(lane.led_msg, LED_RETRY);
	/* a re-weigh 300 ms later is no re-weigh: the truck has not left */
	tick(300);
	weigh(&m);
	ck_assert_int_eq(count_records("weighing"), 0);
	assert_body_has(find_record("device_fault"), "\"cause\":\"implausible\"");
	/* it reverses off the scale and comes back */
	leave(&m);
	tick(2000);
	m.speed_dkmh = 50;
	weigh(&m);
	assert_body_has(find_record("weighing"), "\"decision\":\"pass\"");
	ck_assert(raised());
}
END_TEST

/* The baseline and a result seen in FAULT are stored as the reference. */
START_TEST(test_reference_of_baseline_and_fault)
{
	struct lane_input down = { .kind = LI_DOWN, .dev = ROLE_IO, .err = "timeout" };
	struct measurement m;
	int r;

	io(false, true, false, false);
	truck(&m, 2, VC_RIGID, 12000);
	scale(&m, 0, 100);
	r = find(LA_REFERENCE, 0);
	ck_assert_int_ge(r, 0);
	ck_assert_int_eq(acts.a[r].result_seq, 100);
	down.since_mono_ms = t.mono_ms;
	feed(&down);
	tick(1000);
	ck_assert_int_eq(lane.state, LANE_FAULT);
	scale(&m, SCALE_ST_PRESENT | SCALE_ST_VALID, 101);
	ck_assert_int_eq(count_records("weighing"), 0);
	r = find(LA_REFERENCE, 0);
	ck_assert_int_ge(r, 0);
	ck_assert_int_eq(acts.a[r].result_seq, 101);
	ck_assert_int_eq(lane.last_seq, 101);
	/* in FAULT a step back is the reference too, and no scale_reset */
	scale(&m, SCALE_ST_PRESENT | SCALE_ST_VALID, 50);
	ck_assert_int_eq(find(LA_RECORD, 0), -1);
	r = find(LA_REFERENCE, 0);
	ck_assert_int_ge(r, 0);
	ck_assert_int_eq(acts.a[r].result_seq, 50);
	ck_assert_int_eq(lane.last_seq, 50);
}
END_TEST

/*
 * A result read as a silent scale comes back may have been published long
 * before: the next truck's result, moments later, is decided.
 */
START_TEST(test_interval_after_silent_scale)
{
	struct lane_input down = { .kind = LI_DOWN, .dev = ROLE_SCALE, .err = "Connection timed out" };
	struct lane_input up = { .kind = LI_UP, .dev = ROLE_SCALE };
	struct measurement a, b, c;

	started();
	down.since_mono_ms = t.mono_ms;
	feed(&down);
	tick(2000);
	ck_assert_int_eq(lane.state, LANE_FAULT);
	feed(&up);
	ck_assert_int_eq(lane.state, LANE_IDLE);
	truck(&a, 2, VC_RIGID, 12000);
	weigh(&a);		/* published while the scale was silent */
	ck_assert_int_ge(find_record("weighing"), 0);
	leave(&a);
	tick(20);
	truck(&b, 2, VC_RIGID, 13000);
	weigh(&b);
	ck_assert_int_eq(find_record("device_fault"), -1);
	assert_body_has(find_record("weighing"), "\"decision\":\"pass\"");
	leave(&b);
	/* from then on the interval holds again */
	tick(20);
	truck(&c, 2, VC_RIGID, 14000);
	weigh(&c);
	assert_body_has(find_record("device_fault"), "\"cause\":\"implausible\"");
	ck_assert_int_eq(find_record("weighing"), -1);
}
END_TEST

/* A reading of a profile whose result sequence is bits wide. */
static void
scale_width(const struct measurement *m, int bits, int64_t seq)
{
	struct lane_input in = { .kind = LI_SCALE };

	in.scale.m = *m;
	in.scale.present = true;
	in.scale.seq = seq;
	in.scale.seq_bits = bits;
	in.scale.key[0] = (uint16_t)seq;
	in.scale.key[1] = (uint16_t)(seq >> 16);
	in.scale.key_len = 2;
	feed(&in);
}

/* The profile's width is the modulus of forward steps and resets. */
START_TEST(test_seq_width_from_profile)
{
	struct measurement m;

	truck(&m, 6, VC_COMBINATION, 55000);
	/* 8 bits: 250 -> 3 is 9 ahead (8 missed), not a step back */
	lane_init(&lane, &cfg.lanes[0], true, 250);
	io(false, true, false, false);
	scale_width(&m, 8, 3);
	ck_assert_int_eq(count_records("weighing"), 1);
	assert_body_has(find_record("missed_results"), "\"missed\":8");
	ck_assert_int_eq(count_records("scale_reset"), 0);
	/* 8 bits: 3 -> 200 is 197 ahead: half the range or more, behind */
	tick(1000);
	scale_width(&m, 8, 200);
	ck_assert_int_eq(count_records("weighing"), 0);
	ck_assert_int_eq(count_records("scale_reset"), 1);
	/* 32 bits: 0xfffffff0 -> 0x10005 is a forward step past 16 bits */
	lane_init(&lane, &cfg.lanes[0], true, 0xfffffff0);
	io(false, true, false, false);
	scale_width(&m, 32, 0x10005);
	ck_assert_int_eq(count_records("weighing"), 1);
	assert_body_has(find_record("missed_results"), "\"missed\":65556");
	ck_assert_int_eq(lane.last_seq, 0x10005);
}
END_TEST

/* --- plate_source = camera (docs/lane.md, "Pairing a camera's plate") --- */

static void
setup_camera(void)
{
	lane_extra = "min_result_interval_ms = 0\nplate_source = camera\n";
	setup_with("");
}

/* A camera's plate read, received now (NULL: a read without a plate). */
static void
cam_read(const char *plate)
{
	struct lane_input in = { .kind = LI_PLATE };

	in.plate.has_plate = plate != NULL;
	snprintf(in.plate.plate, sizeof(in.plate.plate), "%s",
	    plate != NULL ? plate : "");
	in.plate.color = PC_YELLOW;
	in.plate.confidence = 90;
	snprintf(in.plate.camera, sizeof(in.plate.camera), "cam1");
	feed(&in);
}

static void
camera_down(void)
{
	struct lane_input in = { .kind = LI_DOWN, .dev = ROLE_CAMERA,
	    .since_mono_ms = t.mono_ms, .err = "no push for 60 s" };

	feed(&in);
}

static struct lists *
cam_lists(const char *watch_plate)
{
	char doc[256];
	struct lists *l = NULL;
	char err[256];

	snprintf(doc, sizeof(doc), "{\"version\":\"t\",\"watch\":[{\"plate\":"
	    "\"%s\",\"reason\":\"stolen\"}],\"exempt\":[],\"permits\":[]}",
	    watch_plate);
	ck_assert_int_eq(lists_parse(doc, strlen(doc), &l, err, sizeof(err)), 0);
	ctx.lists = l;
	return l;
}

/* A 2-axle truck weighed, the wait over: the weighing record's index. */
static int
cam_weighed(int64_t gross)
{
	struct measurement m;

	truck(&m, 2, VC_RIGID, gross);
	weigh(&m);
	tick(cfg.lanes[0].plate_wait_ms);
	return find_record("weighing");
}

/* The weighing waits: nothing recorded, barrier down, the weighing text. */
static void
assert_waiting(void)
{
	int led = find(LA_LED, 0);

	ck_assert_int_eq(find_record("weighing"), -1);
	assert_no_raise();
	ck_assert(lane.pair_waiting);
	ck_assert(!lane_between_vehicles(&lane));
	ck_assert_int_ge(led, 0);
	ck_assert_str_eq(acts.a[led].text, "正在称重 请稍候");
	ck_assert_int_eq(acts.a[led].colour, LED_YELLOW);
}

START_TEST(test_cam_read_before_weighing)
{
	struct measurement m;
	int r;

	started();
	cam_read("豫B11111");
	ck_assert_int_ge(find_record("plate_read"), 0);
	assert_body_has(find_record("plate_read"), "\"plate\":\"豫B11111\"");
	tick(4000);
	truck(&m, 2, VC_RIGID, 12000);	/* the scale's registers say 豫A12345 */
	weigh(&m);
	assert_waiting();
	tick(1499);
	ck_assert_int_eq(find_record("weighing"), -1);
	tick(1);
	r = find_record("weighing");
	assert_body_has(r, "\"decision\":\"pass\"");
	assert_body_has(r, "\"plate\":\"豫B11111\",\"plate_color\":\"yellow\"");
	assert_body_has(r, "\"plates\":[{\"plate\":\"豫B11111\"");
	assert_body_has(r, "\"offset_ms\":-4000");
	ck_assert_ptr_null(strstr(acts.a[r].body, "豫A12345"));
	ck_assert(acts.a[find(LA_BARRIER, 0)].on);
	ck_assert_str_eq(acts.a[find(LA_LED, 0)].text, "豫B11111 总重12.0吨 请通行");
}
END_TEST

START_TEST(test_cam_read_after_weighing)
{
	struct measurement m;
	int r;

	started();
	truck(&m, 2, VC_RIGID, 12000);
	weigh(&m);
	assert_waiting();
	tick(300);
	cam_read("豫B11111");
	ck_assert_int_eq(find_record("weighing"), -1);
	tick(1200);
	r = find_record("weighing");
	assert_body_has(r, "\"plate\":\"豫B11111\"");
	assert_body_has(r, "\"offset_ms\":300");
}
END_TEST

START_TEST(test_cam_read_outside_window)
{
	struct measurement m;
	int r;

	started();
	cam_read("豫B11111");
	tick(5001);		/* plate_before_ms = 5000 */
	truck(&m, 2, VC_RIGID, 12000);
	weigh(&m);
	tick(1500);
	r = find_record("weighing");
	assert_body_has(r, "\"plate\":\"\"");
	assert_body_has(r, "\"plate_missing\"");
	assert_body_has(r, "\"plates\":[]");
	leave(&m);
	/* too late: the wait is over, the read is the next vehicle's at most */
	truck(&m, 2, VC_RIGID, 13000);
	weigh(&m);
	tick(1500);
	tick(1);
	cam_read("豫B22222");
	ck_assert_int_eq(find_record("weighing"), -1);
}
END_TEST

START_TEST(test_cam_read_used_once)
{
	struct measurement m;

	started();
	cam_read("豫B11111");
	truck(&m, 2, VC_RIGID, 12000);
	weigh(&m);
	tick(1500);
	assert_body_has(find_record("weighing"), "\"plate\":\"豫B11111\"");
	leave(&m);
	/* the read is still within plate_before_ms */
	assert_body_has(cam_weighed(13000), "\"plate_missing\"");
}
END_TEST

START_TEST(test_cam_read_after_next_presence_not_attached)
{
	struct measurement a;
	int r, b;

	started();
	io(false, true, false, true);	/* first truck on the presence loop */
	truck(&a, 2, VC_RIGID, 12000);
	weigh(&a);
	assert_waiting();
	tick(100);
	io(false, true, false, false);	/* it rolls off ... */
	tick(100);
	io(false, true, false, true);	/* ... and the next one arrives */
	r = find_record("weighing");
	assert_body_has(r, "\"plate_missing\"");
	/* legal on weight, but the barrier never opens for the vehicle
	   that is on the loop now: it was not weighed */
	assert_body_has(r, "\"decision\":\"pass\"");
	for (b = find(LA_BARRIER, 0); b >= 0; b = find(LA_BARRIER, b + 1))
		ck_assert_msg(!acts.a[b].on, "barrier raised for a vehicle gone");
	ck_assert_int_ne(lane.state, LANE_OPEN);
	ck_assert_int_eq(lane.passes_allowed, 0);
	tick(100);
	for (b = find(LA_BARRIER, 0); b >= 0; b = find(LA_BARRIER, b + 1))
		ck_assert_msg(!acts.a[b].on, "barrier raised for a vehicle gone");
	tick(100);
	cam_read("豫B22222");		/* within the first one's wait */
	ck_assert_int_eq(find_record("weighing"), -1);
	assert_body_has(cam_weighed(13000), "\"plate\":\"豫B22222\"");
}
END_TEST

START_TEST(test_cam_no_read_no_list_match)
{
	struct lists *l = cam_lists("豫A12345");	/* the scale's plate */

	started();
	assert_body_has(cam_weighed(12000), "\"decision\":\"pass\",\"reasons\":[\"within_limit\","
	    "\"plate_missing\"]");
	ck_assert_int_eq(lane.state, LANE_OPEN);
	lists_free(l);
	ctx.lists = NULL;
}
END_TEST

START_TEST(test_cam_no_plate_read_is_no_read)
{
	started();
	cam_read(NULL);			/* 无车牌 */
	assert_body_has(cam_weighed(12000), "\"plate_missing\"");
}
END_TEST

START_TEST(test_cam_two_plates_watch_on_both)
{
	struct lists *l = cam_lists("豫B22222");
	struct measurement m;
	int r;

	started();
	cam_read("豫B11111");
	truck(&m, 2, VC_RIGID, 12000);
	weigh(&m);
	tick(200);
	cam_read("豫B22222");
	tick(1300);
	r = find_record("weighing");
	assert_body_has(r, "\"decision\":\"intercept\",\"reasons\":[\"watch\","
	    "\"plates_differ\"]");
	assert_body_has(r, "\"plate\":\"豫B22222\"");
	assert_body_has(r, "{\"plate\":\"豫B11111\"");
	ck_assert(acts.a[r].urgent);
	ck_assert_int_eq(lane.state, LANE_REFUSED);
	ck_assert(acts.a[find(LA_ALARM, 0)].on);
	lists_free(l);
	ctx.lists = NULL;
}
END_TEST

START_TEST(test_cam_two_plates_over_limit_hold)
{
	struct lists *l = cam_lists("豫C99999");
	struct measurement m;
	int r;

	started();
	cam_read("豫B11111");
	cam_read("豫B11111");		/* a repeated push is one plate */
	tick(100);
	cam_read("豫B22222");
	truck(&m, 2, VC_RIGID, 25000);	/* limit 18 t */
	weigh(&m);
	tick(1500);
	r = find_record("weighing");
	assert_body_has(r, "\"decision\":\"hold\",\"reasons\":[\"over_gross\","
	    "\"plates_differ\"]");
	assert_body_has(r, "\"plate\":\"\"");
	assert_body_has(r, "{\"plate\":\"豫B11111\"");
	assert_body_has(r, "{\"plate\":\"豫B22222\"");
	ck_assert_int_eq(lane.state, LANE_REFUSED);
	assert_no_raise();
	ck_assert_str_eq(acts.a[find(LA_LED, 0)].text, "请联系工作人员");
	lists_free(l);
	ctx.lists = NULL;
}
END_TEST

START_TEST(test_cam_down_no_wait_no_fault)
{
	struct measurement m;
	int r;

	started();
	camera_down();
	r = find_record("device_fault");
	assert_body_has(r, "\"device\":\"camera\"");
	assert_body_has(r, "\"cause\":\"silent\"");
	ck_assert_int_eq(lane.state, LANE_IDLE);
	truck(&m, 2, VC_RIGID, 12000);
	weigh(&m);
	r = find_record("weighing");
	assert_body_has(r, "\"plate_missing\"");
	ck_assert_int_eq(lane.state, LANE_OPEN);
	ck_assert(acts.a[find(LA_BARRIER, 0)].on);
	/* heard again: recovered, and the wait is back */
	leave(&m);
	cam_read("豫B11111");
	ck_assert_int_ge(find_record("device_recovered"), 0);
}
END_TEST

START_TEST(test_cam_down_while_waiting_decides_at_once)
{
	struct measurement m;

	started();
	cam_read("豫B11111");
	truck(&m, 2, VC_RIGID, 12000);
	weigh(&m);
	assert_waiting();
	tick(100);
	camera_down();
	assert_body_has(find_record("weighing"), "\"plate\":\"豫B11111\"");
	ck_assert_int_eq(lane.state, LANE_OPEN);
}
END_TEST

START_TEST(test_cam_retry_no_wait)
{
	struct measurement m;

	started();
	truck(&m, 2, VC_RIGID, 500);	/* below min_gross_kg: rule 1 */
	weigh(&m);
	assert_body_has(find_record("weighing"), "\"decision\":\"retry\"");
	ck_assert(!lane.pair_waiting);
}
END_TEST

START_TEST(test_cam_shutdown_no_wait)
{
	struct lane_input in = { .kind = LI_SHUTDOWN };
	struct measurement m;

	started();
	truck(&m, 2, VC_RIGID, 12000);
	weigh(&m);
	assert_waiting();
	feed(&in);
	assert_body_has(find_record("weighing"), "\"decision\":\"pass\"");
	assert_no_raise();
	ck_assert(!lane.pair_waiting);
}
END_TEST

START_TEST(test_cam_wait_zero_decides_at_once)
{
	struct measurement m;

	lane_extra = "min_result_interval_ms = 0\nplate_source = camera\n"
	    "plate_wait_ms = 0\n";
	setup_with("");
	started();
	cam_read("豫B11111");
	truck(&m, 2, VC_RIGID, 12000);
	weigh(&m);
	assert_body_has(find_record("weighing"), "\"plate\":\"豫B11111\"");
}
END_TEST

/* plate_source = scale (the default): camera reads change nothing. */
START_TEST(test_scale_source_ignores_camera)
{
	struct measurement m;
	int r;

	ck_assert_int_eq(cfg.lanes[0].plate_source, PLATE_FROM_SCALE);
	ck_assert_int_eq(cfg.lanes[0].plate_before_ms, 5000);
	ck_assert_int_eq(cfg.lanes[0].plate_wait_ms, 1500);
	started();
	cam_read("豫B11111");
	truck(&m, 2, VC_RIGID, 12000);
	weigh(&m);
	r = find_record("weighing");
	assert_body_has(r, "\"plate\":\"豫A12345\"");
	ck_assert_ptr_null(strstr(acts.a[r].body, "plates"));
	ck_assert_int_eq(lane.state, LANE_OPEN);
}
END_TEST

/*
 * A result read in several requests (docs/devices.md "A result read in
 * several requests"): the CDAB example layout with group_gap = 0, so
 * that the gross (registers 0-1) comes in a request of its own, before
 * the status and the sequence.
 */
static profile_t *
split_profile(void)
{
	const char *top = getenv("ROOT");
	char path[512], text[8192], *gap;
	static char perr[256];
	size_t n;
	FILE *f;
	profile_t *p;

	snprintf(path, sizeof(path), "%s/test/fixtures/profiles/"
	    "example-cdab-scale.profile", top != NULL && top[0] != '\0' ? top : ".");
	ck_assert_ptr_nonnull(f = fopen(path, "r"));
	n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = '\0';
	ck_assert_ptr_nonnull(gap = strstr(text, "group_gap = 10"));
	gap[strlen("group_gap = ")] = '0';
	gap[strlen("group_gap = ") + 1] = ' ';
	p = profile_parse(path, text, n, perr, sizeof(perr));
	ck_assert_msg(p != NULL, "%s", perr);
	ck_assert_int_gt(profile_nrequests(p), 1);
	ck_assert_int_eq(profile_request(p, 0)->start, 0);	/* the gross */
	return p;
}

/* The device's registers for m as result seq, by request. */
struct split_img {
	uint16_t buf[1024];
	uint16_t *img[PROFILE_MAX_REQUESTS];
};

static void
split_encode(const profile_t *p, const struct measurement *m, int64_t seq,
    bool present, struct split_img *s)
{
	struct profile_reading r;
	static char eerr[160];
	int i, off = 0;

	memset(s, 0, sizeof(*s));
	for (i = 0; i < profile_nrequests(p); i++) {
		s->img[i] = s->buf + off;
		off += profile_request(p, i)->count;
	}
	memset(&r, 0, sizeof(r));
	r.m = *m;
	r.present = present;
	r.seq = seq;
	ck_assert_msg(profile_encode_scale(p, &r, s->img, eerr,
	    sizeof(eerr)) == 0, "%s", eerr);
}

/* One poll: request k from torn[k] when torn is not NULL there, else from s. */
static void
split_read(const profile_t *p, const struct split_img *s,
    const struct split_img *old_gross)
{
	struct lane_input in = { .kind = LI_SCALE };
	const uint16_t *img[PROFILE_MAX_REQUESTS];
	static char derr[160];
	int i;

	for (i = 0; i < profile_nrequests(p); i++)
		img[i] = s->img[i];
	if (old_gross != NULL)
		img[0] = old_gross->img[0];
	if (profile_decode_scale(p, img, &in.scale, derr, sizeof(derr)) != 0)
		in.err = derr;
	ck_assert_int_eq(in.scale.requests, profile_nrequests(p));
	feed(&in);
}

/* The registers of a 6-axle combination of gross kg on the scale as seq. */
static void
split_truck(const profile_t *p, int64_t gross, int64_t seq,
    struct split_img *s)
{
	struct measurement m;

	truck(&m, 6, VC_COMBINATION, gross);
	split_encode(p, &m, seq, true, s);
}

/* A baseline (seq 100, a light truck gone) on the split layout. */
static profile_t *
split_started(struct split_img *light)
{
	profile_t *p = split_profile();
	struct measurement m;

	io(false, true, false, false);
	truck(&m, 6, VC_COMBINATION, 30000);
	split_encode(p, &m, 100, false, light);
	split_read(p, light, NULL);
	ck_assert(lane.have_seq);
	return p;
}

/*
 * The next vehicle published between two requests of one poll: its
 * sequence with the previous one's gross.  Not decided on that read, nor
 * on the first settled read (it differs from the torn one), but on the
 * second: once, on its own gross.
 */
START_TEST(test_torn_read_decided_on_settled_values)
{
	struct split_img light, heavy;
	profile_t *p = split_started(&light);

	split_truck(p, 55000, 101, &heavy);
	split_read(p, &heavy, &light);		/* torn: seq 101, gross 30000 */
	ck_assert_int_eq(count_records("weighing"), 0);
	ck_assert_int_eq(find(LA_BARRIER, 0), -1);
	tick(50);
	split_read(p, &heavy, NULL);
	ck_assert_int_eq(count_records("weighing"), 0);
	tick(50);
	split_read(p, &heavy, NULL);
	ck_assert_int_eq(count_records("weighing"), 1);
	assert_body_has(find_record("weighing"), "\"gross_kg\":55000");
	assert_body_has(find_record("weighing"), "\"decision\":\"turnback\"");
	ck_assert_int_eq(acts.a[find_record("weighing")].result_seq, 101);
	tick(50);
	split_read(p, &heavy, NULL);
	ck_assert_int_eq(count_records("weighing"), 0);
	ck_assert_int_eq(count_records("device_fault"), 0);
	profile_free(p);
}
END_TEST

/* Two equal reads of a result read in several requests: decided. */
START_TEST(test_split_result_two_equal_reads)
{
	struct split_img light, next;
	profile_t *p = split_started(&light);

	split_truck(p, 40000, 101, &next);
	split_read(p, &next, NULL);
	ck_assert_int_eq(count_records("weighing"), 0);
	tick(50);
	split_read(p, &next, NULL);
	ck_assert_int_eq(count_records("weighing"), 1);
	assert_body_has(find_record("weighing"), "\"gross_kg\":40000");
	assert_body_has(find_record("weighing"), "\"decision\":\"pass\"");
	profile_free(p);
}
END_TEST

/* A result read in one request (the built-in layout): decided on its first read. */
START_TEST(test_single_request_decided_at_once)
{
	struct measurement m;

	started();
	truck(&m, 6, VC_COMBINATION, 40000);
	weigh(&m);
	ck_assert_int_eq(count_records("weighing"), 1);
	assert_body_has(find_record("weighing"), "\"gross_kg\":40000");
}
END_TEST

/*
 * A result that reads differently on every poll for fault_after_ms: a
 * device_fault (cause unsettled), never a pass; the sequence is accounted
 * for, so it is not decided later either.
 */
START_TEST(test_unsettled_result_not_decided)
{
	struct split_img light, heavy;
	struct measurement m;
	profile_t *p = split_started(&light);
	int i, faults = 0, weighings = 0, raised = 0, b;

	truck(&m, 6, VC_COMBINATION, 55000);
	split_encode(p, &m, 101, true, &heavy);
	for (i = 0; i < 30; i++) {
		split_read(p, &heavy, i % 2 == 0 ? &light : NULL);
		faults += count_records("device_fault");
		weighings += count_records("weighing");
		for (b = find(LA_BARRIER, 0); b >= 0; b = find(LA_BARRIER, b + 1))
			raised += acts.a[b].on;
		if (count_records("device_fault") > 0)
			assert_body_has(find_record("device_fault"),
			    "\"cause\":\"unsettled\"");
		tick(100);
	}
	ck_assert_int_eq(faults, 1);
	ck_assert_int_eq(weighings, 0);
	ck_assert_int_eq(raised, 0);
	ck_assert_int_eq(lane.last_seq, 101);
	ck_assert_int_eq(lane.want_led, LED_HOLD);
	profile_free(p);
}
END_TEST

static Suite *
lane_suite(void)
{
	Suite *s = suite_create("lane");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_known_outputs_at_start);
	tcase_add_test(tc, test_no_barrier_lowered_onto_occupied_loop_at_start);
	tcase_add_test(tc, test_barrier_up_at_start_waits_for_the_loop);
	tcase_add_test(tc, test_barrier_up_at_start_lowered_after_settle);
	tcase_add_test(tc, test_barrier_shown_down_at_start_commanded_at_once);
	tcase_add_test(tc, test_shutdown_waits_for_a_barrier_up_at_start);
	tcase_add_test(tc, test_baseline_not_decided);
	tcase_add_test(tc, test_stored_seq_not_decided_twice);
	tcase_add_test(tc, test_pass_records_before_barrier);
	tcase_add_test(tc, test_turnback_text_and_leave);
	tcase_add_test(tc, test_commit_failed_means_fault_barrier_down);
	tcase_add_test(tc, test_commit_failed_lowering_written_again);
	tcase_add_test(tc, test_shutdown_waits_through_one_failed_poll);
	tcase_add_test(tc, test_forced_entry_no_pass);
	tcase_add_test(tc, test_forced_entry_tailgate);
	tcase_add_test(tc, test_pass_timeout);
	tcase_add_test(tc, test_scale_silent_fault_and_recovery);
	tcase_add_test(tc, test_missed_results);
	tcase_add_test(tc, test_sequence_wraps);
	tcase_add_test(tc, test_barrier_unauthorized);
	tcase_add_test(tc, test_barrier_does_not_rise);
	tcase_add_test(tc, test_barrier_timeout_runs_from_the_commit);
	tcase_add_test(tc, test_stuck_barrier_stays_fault_while_vehicle_waits);
	tcase_add_test(tc, test_outputs_rewritten_after_io_returns);
	tcase_add_test(tc, test_io_returns_barrier_raised_meanwhile);
	tcase_add_test(tc, test_retry_then_hold);
	tcase_add_test(tc, test_intercept_alarm);
	tcase_add_test(tc, test_scale_fault_bit_once_per_episode);
	tcase_add_test(tc, test_unweighed_pass_when_open);
	tcase_add_test(tc, test_fault_closed_keeps_barrier_down);
	tcase_add_test(tc, test_shutdown_lowers_when_clear);
	tcase_add_test(tc, test_shutdown_keeps_fault_text);
	tcase_add_test(tc, test_no_lowering_before_the_loop_is_read);
	tcase_add_test(tc, test_override_only_when_refused);
	tcase_add_test(tc, test_override_commit_failed_no_raise);
	tcase_add_test(tc, test_override_one_vehicle);
	tcase_add_test(tc, test_led_silent_keeps_deciding);
	suite_add_tcase(s, tc);
	tc = tcase_create("sequence");
	tcase_add_checked_fixture(tc, setup_seq, teardown);
	tcase_add_test(tc, test_seq_forward_step);
	tcase_add_test(tc, test_seq_wrap_and_half_range);
	tcase_add_test(tc, test_seq_backwards_not_decided);
	tcase_add_test(tc, test_seq_flip_one_decision);
	tcase_add_test(tc, test_seq_reset_settles);
	tcase_add_test(tc, test_same_result_not_decided_twice);
	tcase_add_test(tc, test_recent_memory_full);
	tcase_add_test(tc, test_min_interval_implausible);
	tcase_add_test(tc, test_implausible_revokes_open_pass);
	tcase_add_test(tc, test_interval_after_silent_scale);
	tcase_add_test(tc, test_reweigh_after_retry);
	tcase_add_test(tc, test_reference_of_baseline_and_fault);
	tcase_add_test(tc, test_seq_width_from_profile);
	suite_add_tcase(s, tc);
	cu_tcase(s, "camera", 30, setup_camera, teardown,
	    test_cam_read_before_weighing, test_cam_read_after_weighing,
	    test_cam_read_outside_window, test_cam_read_used_once,
	    test_cam_read_after_next_presence_not_attached,
	    test_cam_no_read_no_list_match, test_cam_no_plate_read_is_no_read,
	    test_cam_two_plates_watch_on_both, test_cam_two_plates_over_limit_hold,
	    test_cam_down_no_wait_no_fault,
	    test_cam_down_while_waiting_decides_at_once, test_cam_retry_no_wait,
	    test_cam_shutdown_no_wait, test_cam_wait_zero_decides_at_once);
	cu_tcase(s, "scale plates", 30, setup, teardown,
	    test_scale_source_ignores_camera);
	tc = tcase_create("split_read");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_torn_read_decided_on_settled_values);
	tcase_add_test(tc, test_split_result_two_equal_reads);
	tcase_add_test(tc, test_single_request_decided_at_once);
	tcase_add_test(tc, test_unsettled_result_not_decided);
	suite_add_tcase(s, tc);
	return s;
}

CU_MAIN(lane_suite)
