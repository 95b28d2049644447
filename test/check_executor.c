/* Unit tests of the lane executor (executor.c) with a fake store and a fake link. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "weighgate/event.h"
#include "weighgate/config.h"
#include "weighgate/executor.h"
#include "weighgate/lane.h"
#include "weighgate/profile.h"
#include "weighgate/rules.h"

#include "check_util.h"

#define COIL_BASE 16
#define LED_BASE 40
#define MAX_CALLS 64

static struct config cfg;
static struct lane lane;
static struct lane_ctx ctx;
static char ruleset[65];
static struct executor ex;

/* The fakes: every call in order, the writes, and what the store does. */
static char calls[MAX_CALLS + 1];	/* 'R' record, 'W' write, 'F' reference */
static int ncalls;
static struct mb_write writes[MAX_CALLS];
static int nwrites;
static bool commit_fails;
static bool led_link;
static int records;

static void
call(char c)
{
	if (ncalls < MAX_CALLS)
		calls[ncalls++] = c;
}

static int
fake_record(void *arg, int i, const struct lane_action *a, char uuid[40])
{
	(void)arg;
	(void)a;
	ck_assert_int_eq(i, 0);
	call('R');
	if (commit_fails)
		return -1;
	snprintf(uuid, 40, "00000000-0000-4000-8000-%012d", ++records);
	return 0;
}

static void
fake_reference(void *arg, int i, int64_t seq)
{
	(void)arg;
	(void)i;
	(void)seq;
	call('F');
}

static void
fake_write(void *arg, const struct mb_write *w)
{
	(void)arg;
	call('W');
	if (nwrites < MAX_CALLS)
		writes[nwrites++] = *w;
}

static bool
fake_has_link(void *arg, int i, enum dev_role dev)
{
	(void)arg;
	(void)i;
	return dev != ROLE_LED || led_link;
}

static void
fake_output(void *arg, int i, int64_t mono_ms)
{
	(void)arg;
	(void)i;
	(void)mono_ms;
}

static const struct executor_ops fake_ops = {
	fake_record, fake_reference, fake_write, fake_has_link, fake_output
};

static void
setup_mode(const char *mode)
{
	char path[] = "/tmp/check_executor.XXXXXX", err[512];
	int fd = mkstemp(path);
	FILE *f = fdopen(fd, "w");

	ck_assert_ptr_nonnull(f);
	fprintf(f, "[controller]\nid = T\ndb = /tmp/x.db\n[rules]\n"
	    "[lane L01]\nscale = tcp://127.0.0.1:1502?unit=1\n"
	    "io = tcp://127.0.0.1:1502?unit=2\nled = tcp://127.0.0.1:1502?unit=3\n"
	    "io_coil_base = %d\nled_base = %d\nled_registers = 8\n"
	    "barrier_mode = %s\n", COIL_BASE, LED_BASE, mode);
	fclose(f);
	if (cfg_load(path, CFG_DAEMON, &cfg, err, sizeof(err)) != 0)
		ck_abort_msg("config: %s", err);
	unlink(path);
	rules_id(&cfg.rules, ruleset);
	memset(&ctx, 0, sizeof(ctx));
	ctx.rules = &cfg.rules;
	ctx.ruleset = ruleset;
	lane_init(&lane, &cfg.lanes[0], false, 0);
	executor_init(&ex, &lane, 0, &fake_ops, NULL);
	memset(calls, 0, sizeof(calls));
	ncalls = nwrites = records = 0;
	commit_fails = false;
	led_link = true;
}

static void
setup(void)
{
	setup_mode("level");
}

static void
add_record(struct lane_actions *acts, enum event_kind kind)
{
	struct lane_action *a = &acts->a[acts->n++];

	memset(a, 0, sizeof(*a));
	a->kind = LA_RECORD;
	a->event = kind;
	a->body = strdup("{}");
}

static void
add_output(struct lane_actions *acts, enum lane_action_kind k, bool on)
{
	struct lane_action *a = &acts->a[acts->n++];

	memset(a, 0, sizeof(*a));
	a->kind = k;
	a->on = on;
	if (k == LA_LED) {
		a->colour = LED_GREEN;
		snprintf(a->text, sizeof(a->text), "PASS");
	}
}

/* A vehicle's decision as the lane lists it: record, barrier, light, sign. */
static void
decision(struct lane_actions *acts, enum event_kind kind)
{
	acts->n = 0;
	add_record(acts, kind);
	add_output(acts, LA_BARRIER, true);
	add_output(acts, LA_LIGHT, true);
	add_output(acts, LA_LED, false);
}

static bool
barrier_raised(void)
{
	int k;

	for (k = 0; k < nwrites; k++)
		if (writes[k].device == ROLE_IO && writes[k].on &&
		    writes[k].addr == COIL_BASE + EXECUTOR_COIL_BARRIER)
			return true;
	return false;
}

/* An LED message write (colour + text) in the list's colour. */
static bool
led_shown(enum led_colour c)
{
	int k;

	for (k = 0; k < nwrites; k++)
		if (writes[k].device == ROLE_LED && writes[k].count > 1 &&
		    writes[k].regs[0] == (uint16_t)c)
			return true;
	return false;
}

/* The counter written last. */
static int
last_counter(void)
{
	int k;

	for (k = nwrites - 1; k >= 0; k--)
		if (writes[k].device == ROLE_LED && writes[k].addr == LED_BASE)
			return writes[k].regs[0];
	return -1;
}

/* One LED message through the executor; the counter written last after it. */
static int
show_led(void)
{
	struct lane_actions acts;

	acts.n = 0;
	add_output(&acts, LA_LED, false);
	executor_run(&ex, &ctx, &acts, NULL);
	return last_counter();
}

START_TEST(failed_commit_drops_every_output)
{
	struct lane_actions acts;
	struct executor_outcome out;

	executor_led_read(&ex, 10);
	commit_fails = true;
	decision(&acts, EV_WEIGHING);
	executor_run(&ex, &ctx, &acts, &out);
	ck_assert_int_eq(out.failed, 1);
	ck_assert_int_eq(out.committed, 0);
	ck_assert_int_eq(calls[0], 'R');
	ck_assert(!barrier_raised());
	ck_assert(!led_shown(LED_GREEN));
	/* the lane was told, and its answer (FAULT) carried out */
	ck_assert(lane.store_fault);
	ck_assert_int_eq(lane.state, LANE_FAULT);
	ck_assert_int_eq(acts.n, 0);
}
END_TEST

START_TEST(commit_first_then_outputs_in_order)
{
	struct lane_actions acts;
	struct executor_outcome out;

	executor_led_read(&ex, 10);
	decision(&acts, EV_WEIGHING);
	executor_run(&ex, &ctx, &acts, &out);
	ck_assert_int_eq(out.committed, 1);
	ck_assert_int_eq(out.failed, 0);
	ck_assert_str_eq(out.override_uuid, "");
	/* record, barrier coil, light coil, LED message, LED counter; then
	 * whatever the lane decides on the commit */
	ck_assert_int_eq(strncmp(calls, "RWWWW", 5), 0);
	ck_assert_int_eq(strchr(calls + 1, 'R') == NULL, 1);
	ck_assert_int_eq(writes[0].addr, COIL_BASE + EXECUTOR_COIL_BARRIER);
	ck_assert(writes[0].on);
	ck_assert_int_eq(writes[1].addr, COIL_BASE + EXECUTOR_COIL_LIGHT);
	ck_assert(led_shown(LED_GREEN));
}
END_TEST

START_TEST(override_uuid_comes_back)
{
	struct lane_actions acts;
	struct executor_outcome out;

	acts.n = 0;
	add_record(&acts, EV_WEIGHING);
	add_record(&acts, EV_OVERRIDE);
	add_output(&acts, LA_BARRIER, true);
	executor_run(&ex, &ctx, &acts, &out);
	ck_assert_int_eq(out.committed, 2);
	ck_assert_str_eq(out.override_uuid, "00000000-0000-4000-8000-000000000002");
	ck_assert_int_eq(strncmp(calls, "RRW", 3), 0);
}
END_TEST

START_TEST(led_first_read_adopted_stale_read_never_sets_back)
{
	/* before the first read a message waits: the counter must go on */
	ck_assert_int_eq(show_led(), -1);
	ck_assert_int_eq(nwrites, 0);
	executor_led_read(&ex, 500);
	ck_assert_int_eq(nwrites, 2);		/* the message held, then its counter */
	ck_assert_int_eq(last_counter(), 501);
	/* a read taken before that write, reported after it */
	executor_led_read(&ex, 500);
	ck_assert_int_eq(show_led(), 502);
	/* never the value the sign shows */
	executor_led_read(&ex, 503);
	ck_assert_int_eq(show_led(), 504);
}
END_TEST

START_TEST(led_counter_wraps)
{
	executor_led_read(&ex, 65535);
	ck_assert_int_eq(show_led(), 0);
}
END_TEST

START_TEST(no_led_link_no_message)
{
	led_link = false;
	executor_led_read(&ex, 1);
	ck_assert_int_eq(show_led(), -1);
	ck_assert_int_eq(nwrites, 0);
}
END_TEST

START_TEST(pulse_coils_cleared_on_regained_module)
{
	setup_mode("pulse");
	executor_io_regained(&ex);
	ck_assert_int_eq(nwrites, 2);
	ck_assert_int_eq(writes[0].kind, MB_WRITE_COIL);
	ck_assert_int_eq(writes[0].addr, COIL_BASE + EXECUTOR_COIL_BARRIER);
	ck_assert(!writes[0].on);
	ck_assert_int_eq(writes[1].kind, MB_WRITE_COIL);
	ck_assert_int_eq(writes[1].addr, COIL_BASE + EXECUTOR_COIL_LOWER);
	ck_assert(!writes[1].on);
	ck_assert_int_eq(writes[1].unit, 2);
}
END_TEST

START_TEST(level_mode_clears_nothing)
{
	executor_io_regained(&ex);
	ck_assert_int_eq(nwrites, 0);
}
END_TEST

START_TEST(pulse_mode_barrier_is_a_pulse)
{
	struct lane_actions acts;

	setup_mode("pulse");
	acts.n = 0;
	add_output(&acts, LA_BARRIER, true);
	add_output(&acts, LA_BARRIER, false);
	executor_run(&ex, &ctx, &acts, NULL);
	ck_assert_int_eq(nwrites, 2);
	ck_assert_int_eq(writes[0].kind, MB_WRITE_PULSE);
	ck_assert_int_eq(writes[0].addr, COIL_BASE + EXECUTOR_COIL_BARRIER);
	ck_assert_int_eq(writes[0].pulse_ms, EXECUTOR_PULSE_MS);
	ck_assert_int_eq(writes[1].kind, MB_WRITE_PULSE);
	ck_assert_int_eq(writes[1].addr, COIL_BASE + EXECUTOR_COIL_LOWER);
}
END_TEST

/*
 * File profiles: outputs written as a relay board's register values (an
 * output the module lacks is not written), the sign without a counter
 * given colour and text in one write.
 */
START_TEST(profile_outputs_and_sign)
{
	static const char io[] = "[device]\nname = relay-io\nkind = io\n"
	    "[field barrier_is_up]\ntable = discrete\naddress = 0\ntype = bit\n"
	    "[field barrier_is_down]\ntable = discrete\naddress = 1\ntype = bit\n"
	    "[field pass_loop]\ntable = discrete\naddress = 2\ntype = bit\n"
	    "[field presence_loop]\ntable = discrete\naddress = 3\ntype = bit\n"
	    "[output barrier_up]\ntable = holding\naddress = 100\nmode = value\n"
	    "on = 2\noff = 1\n"
	    "[output light]\ntable = holding\naddress = 101\nmode = value\n"
	    "on = 2\noff = 1\n";
	static const char led[] = "[device]\nname = sign\nkind = led\n[led]\n"
	    "colour = 10\ntext = 11\ntext_registers = 8\nencoding = ASCII\n";
	struct lane_actions acts;
	profile_t *pio, *pled;
	char err[256];
	int k;

	pio = profile_parse("relay-io", io, sizeof(io) - 1, err, sizeof(err));
	ck_assert_msg(pio != NULL, "%s", err);
	pled = profile_parse("sign", led, sizeof(led) - 1, err, sizeof(err));
	ck_assert_msg(pled != NULL, "%s", err);
	ex.io_prof = pio;
	ex.led_prof = pled;
	executor_led_read(&ex, 0);
	decision(&acts, EV_WEIGHING);
	acts.n++;
	acts.a[acts.n - 1] = acts.a[acts.n - 2];	/* and the alarm: none */
	acts.a[acts.n - 2].kind = LA_ALARM;
	acts.a[acts.n - 2].on = true;
	executor_run(&ex, &ctx, &acts, NULL);
	ck_assert_int_eq(strncmp(calls, "RWWW", 4), 0);
	ck_assert_int_eq(writes[0].kind, MB_WRITE_REGS);
	ck_assert_int_eq(writes[0].addr, 100);
	ck_assert_int_eq(writes[0].count, 1);
	ck_assert_uint_eq(writes[0].regs[0], 2);
	ck_assert_int_eq(writes[1].addr, 101);
	ck_assert_uint_eq(writes[1].regs[0], 2);
	ck_assert_int_eq(writes[2].device, ROLE_LED);
	ck_assert_int_eq(writes[2].addr, 10);
	ck_assert_int_eq(writes[2].count, 9);
	ck_assert_uint_eq(writes[2].regs[1], ('P' << 8) | 'A');
	ck_assert_uint_eq(writes[2].regs[2], ('S' << 8) | 'S');
	/* no alarm output, no counter */
	for (k = 0; k < nwrites; k++)
		ck_assert_msg(writes[k].addr == 100 || writes[k].addr == 101 ||
		    writes[k].addr == 10, "write at %d", writes[k].addr);
	profile_free(pio);
	profile_free(pled);
}
END_TEST

/* A file profile's sign with a counter: message, then the counter after the sign's. */
START_TEST(profile_sign_counter)
{
	static const char led[] = "[device]\nname = sign\nkind = led\n[led]\n"
	    "counter = 5\ncolour = 6\ntext = 7\ntext_registers = 4\n"
	    "encoding = ASCII\nred = 9\n";
	struct lane_actions acts;
	profile_t *pled;
	char err[256];

	pled = profile_parse("sign", led, sizeof(led) - 1, err, sizeof(err));
	ck_assert_msg(pled != NULL, "%s", err);
	ex.led_prof = pled;
	executor_led_read(&ex, 10);
	acts.n = 0;
	add_output(&acts, LA_LED, false);
	acts.a[0].colour = LED_RED;
	executor_run(&ex, &ctx, &acts, NULL);
	ck_assert_int_eq(nwrites, 2);
	ck_assert_int_eq(writes[0].addr, 6);		/* colour and text */
	ck_assert_int_eq(writes[0].count, 5);
	ck_assert_uint_eq(writes[0].regs[0], 9);
	ck_assert_int_eq(writes[1].addr, 5);		/* then the counter */
	ck_assert_uint_eq(writes[1].regs[0], 11);
	executor_led_read(&ex, 11);
	acts.n = 0;
	add_output(&acts, LA_LED, false);
	executor_run(&ex, &ctx, &acts, NULL);
	ck_assert_int_eq(nwrites, 4);
	ck_assert_uint_eq(writes[3].regs[0], 12);
	profile_free(pled);
}
END_TEST

CU_SUITE("executor")
{
	cu_tcase(s, "core", 0, setup, NULL, failed_commit_drops_every_output,
	    commit_first_then_outputs_in_order, override_uuid_comes_back,
	    led_first_read_adopted_stale_read_never_sets_back,
	    led_counter_wraps, no_led_link_no_message,
	    pulse_coils_cleared_on_regained_module, level_mode_clears_nothing,
	    pulse_mode_barrier_is_a_pulse, profile_outputs_and_sign,
	    profile_sign_counter);
}
