/* Unit tests of what a SIGHUP reload may change (reload.c, docs/reload.md). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "weighgate/camera_listen.h"
#include "weighgate/config.h"
#include "weighgate/reload.h"
#include "weighgate/sbuf.h"

#include "check_util.h"

#define BASE_CONF \
    "[controller]\nid = T-1\ndb = /tmp/x.db\n%s\n" \
    "[rules]\nscale_class = 2\n%s\n" \
    "[lane L01]\nscale = tcp://127.0.0.1:502?unit=1\n" \
    "io = tcp://127.0.0.1:502?unit=2\nled = tcp://127.0.0.1:502?unit=3\n%s\n" \
    "[lane L02]\nscale = tcp://127.0.0.1:503?unit=1\n" \
    "io = tcp://127.0.0.1:503?unit=2\nled = tcp://127.0.0.1:503?unit=3\n%s\n"

static void
load(struct config *cfg, const char *ctl, const char *rules, const char *l1,
    const char *l2)
{
	cu_load_conf(cfg, BASE_CONF, ctl, rules, l1, l2);
}

static struct config a, b;

START_TEST(rules_and_lanes_need_no_restart)
{
	char what[256];

	load(&a, "", "", "", "");
	load(&b, "", "tolerance_kg = 100\n[limits]\n2 = 15000", "led_idle = X\npoll_ms = 30",
	    "timeout_ms = 200");
	ck_assert_int_eq(reload_restart_needed(&a, &b, what, sizeof(what)), 0);
	ck_assert_str_eq(what, "");
}
END_TEST

START_TEST(controller_platform_lanes_need_a_restart)
{
	char what[256];

	load(&a, "", "", "", "");
	load(&b, "retention_days = 30\n[platform]\nbatch_max = 5", "", "", "");
	ck_assert_int_eq(reload_restart_needed(&a, &b, what, sizeof(what)), 2);
	ck_assert_str_eq(what, "[controller] retention_days, [platform]");
	load(&b, "status_listen = 127.0.0.1:9999", "", "", "");
	ck_assert_int_eq(reload_restart_needed(&a, &b, what, sizeof(what)), 1);
	ck_assert_str_eq(what, "[controller] status_listen");
	load(&b, "status_max_connections = 16", "", "", "");
	ck_assert_int_eq(reload_restart_needed(&a, &b, what, sizeof(what)), 1);
	ck_assert_str_eq(what, "[controller] status_max_connections");
	/* the camera listener's credentials are set up once */
	b = a;
	b.controller.camera_auth = CAMERA_AUTH_DIGEST;
	ck_assert_int_eq(reload_restart_needed(&a, &b, what, sizeof(what)), 1);
	ck_assert_str_eq(what, "[controller] camera_*");
	/* the same two lanes in another order are another set of lanes */
	b = a;
	memcpy(&b.lanes[0], &a.lanes[1], sizeof(b.lanes[0]));
	memcpy(&b.lanes[1], &a.lanes[0], sizeof(b.lanes[0]));
	ck_assert_int_eq(reload_restart_needed(&a, &b, what, sizeof(what)), 1);
	ck_assert_str_eq(what, "the set of lanes");
	b = a;
	b.n_lanes = 1;
	ck_assert_int_eq(reload_restart_needed(&a, &b, what, 8), 1);
	ck_assert_str_eq(what, "the set");	/* cut to the buffer */
}
END_TEST

START_TEST(device_changes)
{
	load(&a, "", "", "", "");
	load(&b, "", "", "led_idle = X\nio_coil_base = 4\nbarrier_mode = pulse",
	    "io_input_base = 8");
	ck_assert(!reload_devices_changed(&a.lanes[0], &b.lanes[0]));
	ck_assert(reload_devices_changed(&a.lanes[1], &b.lanes[1]));
	load(&b, "", "", "poll_ms = 30", "led_base = 5");
	ck_assert(reload_devices_changed(&a.lanes[0], &b.lanes[0]));
	ck_assert(reload_devices_changed(&a.lanes[1], &b.lanes[1]));
	b = a;
	b.lanes[0].dev[ROLE_SCALE].addr.unit = 7;	/* another unit behind the same address */
	ck_assert(reload_devices_changed(&a.lanes[0], &b.lanes[0]));
	b = a;
	snprintf(b.lanes[1].dev[ROLE_IO].addr.host, sizeof(b.lanes[1].dev[ROLE_IO].addr.host), "127.0.0.2");
	ck_assert(reload_devices_changed(&a.lanes[1], &b.lanes[1]));
	load(&b, "", "", "scale_base = 100", "timeout_ms = 200");
	ck_assert(reload_devices_changed(&a.lanes[0], &b.lanes[0]));
	ck_assert(reload_devices_changed(&a.lanes[1], &b.lanes[1]));
}
END_TEST

START_TEST(device_moved_between_lanes)
{
	const struct lane_cfg *cur[2];
	struct devaddr t;
	char what[128];

	load(&a, "", "", "", "");
	cur[0] = &a.lanes[0];
	cur[1] = &a.lanes[1];
	b = a;
	ck_assert_int_eq(reload_device_moved(&b, cur, 2, what, sizeof(what)), 0);
	ck_assert_str_eq(what, "");
	/* the I/O modules of the two lanes swapped (a wiring fix) */
	t = b.lanes[0].dev[ROLE_IO].addr;
	b.lanes[0].dev[ROLE_IO].addr = b.lanes[1].dev[ROLE_IO].addr;
	b.lanes[1].dev[ROLE_IO].addr = t;
	ck_assert_int_eq(reload_device_moved(&b, cur, 2, what, sizeof(what)), 1);
	ck_assert_str_eq(what, "lane L01's io is lane L02's io now");
	/* a lane taking a device of another lane while that one keeps it */
	b = a;
	b.lanes[1].dev[ROLE_LED].addr = a.lanes[0].dev[ROLE_SCALE].addr;
	ck_assert_int_eq(reload_device_moved(&b, cur, 2, what, sizeof(what)), 1);
	ck_assert_str_eq(what, "lane L02's led is lane L01's scale now");
	/* another unit behind the other lane's address is no move */
	b = a;
	b.lanes[1].dev[ROLE_LED].addr = a.lanes[0].dev[ROLE_LED].addr;
	b.lanes[1].dev[ROLE_LED].addr.unit = 9;
	ck_assert_int_eq(reload_device_moved(&b, cur, 2, what, sizeof(what)), 0);
	/* a lane's own devices swapped among themselves is no move */
	b = a;
	b.lanes[0].dev[ROLE_SCALE].addr = a.lanes[0].dev[ROLE_IO].addr;
	b.lanes[0].dev[ROLE_IO].addr = a.lanes[0].dev[ROLE_SCALE].addr;
	ck_assert_int_eq(reload_device_moved(&b, cur, 2, what, sizeof(what)), 0);
}
END_TEST

START_TEST(event_body)
{
	struct sbuf s;

	sbuf_init(&s);
	reload_event_body(&s, "T-1", "aa", "bb", "cc", "dd");
	ck_assert_str_eq(s.p, "{\"controller\":\"T-1\",\"old_ruleset\":\"aa\","
	    "\"new_ruleset\":\"bb\",\"old_config_hash\":\"cc\",\"new_config_hash\":\"dd\"}");
	sbuf_fini(&s);
}
END_TEST

CU_SUITE("reload")
{
	cu_tcase(s, "core", 0, NULL, NULL, rules_and_lanes_need_no_restart,
	    controller_platform_lanes_need_a_restart, device_changes,
	    device_moved_between_lanes, event_body);
}
