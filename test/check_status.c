/* Unit tests of the status server's pure parts (status.c, status_render.c). */
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <cjson/cJSON.h>

#include "weighgate/status.h"

#include "check_util.h"

static bool
peer4(const char *ip)
{
	struct sockaddr_in a;

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	inet_pton(AF_INET, ip, &a.sin_addr);
	return status_peer_loopback((struct sockaddr *)&a);
}

static bool
peer6(const char *ip)
{
	struct sockaddr_in6 a;

	memset(&a, 0, sizeof(a));
	a.sin6_family = AF_INET6;
	inet_pton(AF_INET6, ip, &a.sin6_addr);
	return status_peer_loopback((struct sockaddr *)&a);
}

START_TEST(test_loopback_peers)
{
	ck_assert(peer4("127.0.0.1"));
	ck_assert(peer4("127.1.2.3"));
	ck_assert(!peer4("10.0.0.1"));
	ck_assert(!peer4("192.168.1.127"));
	ck_assert(!peer4("128.0.0.1"));
	ck_assert(peer6("::1"));
	ck_assert(peer6("::ffff:127.0.0.1"));
	ck_assert(!peer6("::ffff:10.0.0.1"));
	ck_assert(!peer6("fe80::1"));
	ck_assert(!peer6("::2"));
	ck_assert(!status_peer_loopback(NULL));
}
END_TEST

START_TEST(test_bearer)
{
	ck_assert(status_bearer_ok("Bearer s3cret", "s3cret"));
	ck_assert(status_bearer_ok("bearer s3cret", "s3cret"));
	ck_assert(!status_bearer_ok("Bearer s3cre", "s3cret"));
	ck_assert(!status_bearer_ok("Bearer s3cretx", "s3cret"));
	ck_assert(!status_bearer_ok("Basic s3cret", "s3cret"));
	ck_assert(!status_bearer_ok("s3cret", "s3cret"));
	ck_assert(!status_bearer_ok(NULL, "s3cret"));
	ck_assert(!status_bearer_ok("Bearer ", ""));
}
END_TEST

START_TEST(test_parse_override)
{
	char op[STATUS_OPERATOR_MAX], why[STATUS_REASON_MAX], err[128];
	char big[400];
	const char *ok = "{\"operator\":\"工号0042\",\"reason\":\"permit\"}";

	ck_assert_int_eq(status_parse_override(ok, strlen(ok), op, why, err,
	    sizeof(err)), 0);
	ck_assert_str_eq(op, "工号0042");
	ck_assert_str_eq(why, "permit");
#define BAD(s) ck_assert_int_eq(status_parse_override(s, strlen(s), op, why, \
	err, sizeof(err)), -1)
	BAD("");
	BAD("{");
	BAD("[]");
	BAD("\"x\"");
	BAD("{\"operator\":\"a\"}");
	BAD("{\"reason\":\"a\"}");
	BAD("{\"operator\":\"\",\"reason\":\"a\"}");
	BAD("{\"operator\":1,\"reason\":\"a\"}");
	BAD("{\"operator\":\"a\",\"reason\":\"x\\ty\"}");
	memset(big, 'x', sizeof(big));
	snprintf(big, sizeof(big), "{\"operator\":\"%0100d\",\"reason\":\"a\"}", 1);
	BAD(big);
#undef BAD
	/* the body's length is what counts, not a NUL inside it */
	ck_assert_int_eq(status_parse_override(ok, 10, op, why, err,
	    sizeof(err)), -1);
}
END_TEST

START_TEST(test_histogram)
{
	struct status_hist h;
	struct status_counters c;

	memset(&h, 0, sizeof(h));
	status_hist_observe(&h, 0.0005);
	status_hist_observe(&h, 0.001);		/* le is inclusive */
	status_hist_observe(&h, 0.003);
	status_hist_observe(&h, 100);
	ck_assert_uint_eq(h.count[0], 2);
	ck_assert_uint_eq(h.count[2], 1);
	ck_assert_uint_eq(h.count[STATUS_LAT_NBOUNDS], 1);
	ck_assert_uint_eq(h.n, 4);

	memset(&c, 0, sizeof(c));
	c.scale_read_mono_ms = 1000;
	status_count_output(&c, 1500);		/* no decision pending */
	ck_assert_uint_eq(c.latency.n, 0);
	status_count_decision(&c, DEC_TURNBACK);
	status_count_output(&c, 1012);
	status_count_output(&c, 1900);		/* only the first output counts */
	ck_assert_uint_eq(c.decisions[DEC_TURNBACK], 1);
	ck_assert_uint_eq(c.latency.n, 1);
	ck_assert(c.latency.sum > 0.0119 && c.latency.sum < 0.0121);
}
END_TEST

static struct status_snap *
hostile_snap(void)
{
	struct status_snap *s = calloc(1, sizeof(*s));
	struct status_lane *l = &s->lanes[0];

	snprintf(s->controller, sizeof(s->controller), "C\"1<b>");
	snprintf(s->version, sizeof(s->version), "0.1");
	s->now_ms = 1795961152000;
	s->n_lanes = 1;
	s->free_disk_bytes = -1;
	snprintf(l->name, sizeof(l->name), "L\"01");
	snprintf(l->state, sizeof(l->state), "REFUSED");
	snprintf(l->led_colour, sizeof(l->led_colour), "red");
	snprintf(l->led_text, sizeof(l->led_text), "<script>alert(1)</script>");
	l->led_known = true;
	l->last.valid = true;
	snprintf(l->last.plate, sizeof(l->last.plate), "豫A<img src=x>\"\n");
	snprintf(l->last.decision, sizeof(l->last.decision), "turnback");
	l->last.gross_kg = 55000;
	l->c.decisions[DEC_TURNBACK] = 3;
	status_hist_observe(&l->c.latency, 0.004);
	return s;
}

START_TEST(test_renders_escape)
{
	struct status_snap *s = hostile_snap();
	struct sbuf b;
	cJSON *j;

	sbuf_init(&b);
	status_render_json(s, &b);
	j = cJSON_Parse(b.p);
	ck_assert_ptr_nonnull(j);
	ck_assert_str_eq(cJSON_GetObjectItem(cJSON_GetArrayItem(
	    cJSON_GetObjectItem(j, "lanes"), 0), "name")->valuestring, "L\"01");
	cJSON_Delete(j);

	sbuf_reset(&b);
	status_render_board(s, &b);
	sbuf_putc(&b, '\0');
	ck_assert_ptr_null(strstr(b.p, "<script>alert"));
	ck_assert_ptr_null(strstr(b.p, "<img"));
	ck_assert_ptr_nonnull(strstr(b.p, "&lt;script&gt;"));
	ck_assert_ptr_nonnull(strstr(b.p, "劝返 turnback"));

	sbuf_reset(&b);
	status_render_metrics(s, &b);
	sbuf_putc(&b, '\0');
	ck_assert_ptr_nonnull(strstr(b.p,
	    "weighgate_vehicles_total{lane=\"L\\\"01\",decision=\"turnback\"} 3\n"));
	ck_assert_ptr_nonnull(strstr(b.p,
	    "weighgate_decision_latency_seconds_bucket{lane=\"L\\\"01\",le=\"0.0025\"} 0\n"));
	ck_assert_ptr_nonnull(strstr(b.p,
	    "weighgate_decision_latency_seconds_bucket{lane=\"L\\\"01\",le=\"0.005\"} 1\n"));
	ck_assert_ptr_nonnull(strstr(b.p,
	    "weighgate_decision_latency_seconds_bucket{lane=\"L\\\"01\",le=\"+Inf\"} 1\n"));
	ck_assert_ptr_null(strstr(b.p, "weighgate_disk_free_bytes "));	/* unknown */
	sbuf_fini(&b);
	free(s);
}
END_TEST

/* Five wrong tokens within the window lock for lock_ms from the fifth. */
START_TEST(test_lockout)
{
	struct status_lockout lk;
	int i;

	status_lockout_init(&lk, STATUS_LOCK_MS);
	ck_assert_int_eq(status_lockout_left(&lk, 1000), 0);
	for (i = 0; i < 4; i++)
		ck_assert(!status_lockout_fail(&lk, 1000 + i * 1000));
	ck_assert_int_eq(status_lockout_left(&lk, 4000), 0);
	ck_assert(status_lockout_fail(&lk, 5000));	/* the fifth */
	ck_assert_int_eq(status_lockout_left(&lk, 5000), STATUS_LOCK_MS);
	ck_assert_int_eq(status_lockout_left(&lk, 64999), 1);
	ck_assert_int_eq(status_lockout_left(&lk, 65000), 0);
	ck_assert_uint_eq(lk.failures, 5);
	ck_assert_uint_eq(lk.lockouts, 1);
	/* after it: the count starts again, one failure does not lock */
	ck_assert(!status_lockout_fail(&lk, 65000));
	ck_assert_int_eq(status_lockout_left(&lk, 65001), 0);
}
END_TEST

/* Failures spread wider than the window never lock; the right token resets. */
START_TEST(test_lockout_window)
{
	struct status_lockout lk;
	int64_t t = 1000000;
	int i;

	status_lockout_init(&lk, 3000);
	for (i = 0; i < 20; i++)	/* one every 15.001 s: 5 span > 60 s */
		ck_assert(!status_lockout_fail(&lk, t + i * 15001));
	ck_assert_uint_eq(lk.lockouts, 0);
	/* exactly 60 s from the first to the fifth still locks */
	status_lockout_init(&lk, 3000);
	for (i = 0; i < 4; i++)
		ck_assert(!status_lockout_fail(&lk, t + i * 15000));
	ck_assert(status_lockout_fail(&lk, t + STATUS_LOCK_WINDOW_MS));
	ck_assert_int_eq(status_lockout_left(&lk, t + STATUS_LOCK_WINDOW_MS), 3000);
	/* four failures, the right token, four more: no lockout */
	status_lockout_init(&lk, 3000);
	for (i = 0; i < 4; i++)
		ck_assert(!status_lockout_fail(&lk, t + i));
	status_lockout_ok(&lk);
	for (i = 0; i < 4; i++)
		ck_assert(!status_lockout_fail(&lk, t + 10 + i));
	ck_assert(status_lockout_fail(&lk, t + 20));
	/* Retry-After in whole seconds, rounded up, at least 1 */
	ck_assert_int_eq(status_retry_after_s(60000), 60);
	ck_assert_int_eq(status_retry_after_s(59001), 60);
	ck_assert_int_eq(status_retry_after_s(1), 1);
	ck_assert_int_eq(status_retry_after_s(0), 1);
}
END_TEST

/* Descriptors kept for the rest of the daemon, whatever the limit. */
START_TEST(test_conn_room)
{
	ck_assert_int_eq(status_conn_room(1024), 768);
	ck_assert_int_eq(status_conn_room(65536), 768);	/* select()'s 1024 */
	ck_assert_int_eq(status_conn_room(600), 344);
	ck_assert_int_eq(status_conn_room(100), 50);
	ck_assert_int_eq(status_conn_room(24), 12);
	ck_assert_int_eq(status_conn_room(1), 1);
	ck_assert_int_eq(status_conn_room(0), 1);
}
END_TEST

/* The server's figures in the metrics and the JSON. */
START_TEST(test_server_metrics)
{
	struct status_snap *s = calloc(1, sizeof(*s));
	struct sbuf b;

	s->server.connections = 7;
	s->server.max_connections = 128;
	s->server.refused_total = 33;
	s->server.override_auth_failures_total = 5;
	s->server.override_locked_ms = 1200;
	sbuf_init(&b);
	status_render_metrics(s, &b);
	sbuf_putc(&b, '\0');
	ck_assert_ptr_nonnull(strstr(b.p, "\nweighgate_status_connections 7\n"));
	ck_assert_ptr_nonnull(strstr(b.p, "\nweighgate_status_connections_max 128\n"));
	ck_assert_ptr_nonnull(strstr(b.p,
	    "\nweighgate_status_connections_refused_total 33\n"));
	ck_assert_ptr_nonnull(strstr(b.p,
	    "# TYPE weighgate_override_auth_failures_total counter\n"
	    "weighgate_override_auth_failures_total 5\n"));
	ck_assert_ptr_nonnull(strstr(b.p, "\nweighgate_override_locked 1\n"));
	sbuf_reset(&b);
	status_render_json(s, &b);
	sbuf_putc(&b, '\0');
	ck_assert_ptr_nonnull(strstr(b.p, "\"overrides_locked\":true"));
	sbuf_fini(&b);
	free(s);
}
END_TEST

/* Lane events by kind, the missed results they carry, the process figures. */
START_TEST(test_lane_event_metrics)
{
	struct status_snap *s = calloc(1, sizeof(*s));
	struct status_counters *c = &s->lanes[0].c;
	struct sbuf b;

	s->n_lanes = 1;
	snprintf(s->lanes[0].name, sizeof(s->lanes[0].name), "L01");
	status_count_event(c, "forced_entry", "{\"lane\":\"L01\"}");
	status_count_event(c, "forced_entry", "{\"lane\":\"L01\"}");
	status_count_event(c, "weighing", "{\"lane\":\"L01\"}");	/* not one */
	status_count_event(c, "alarm_ack", NULL);
	/* the lane writes "missed" last: a plate cannot fake it */
	status_count_event(c, "missed_results", "{\"lane\":\"L01\",\"note\":"
	    "\"\\\"missed\\\":900\",\"from_seq\":4,\"to_seq\":8,\"missed\":3}");
	status_count_event(c, "missed_results", "{\"lane\":\"L01\",\"missed\":2}");
	ck_assert_uint_eq(c->events[SEV_FORCED_ENTRY], 2);
	ck_assert_uint_eq(c->events[SEV_MISSED_RESULTS], 2);
	ck_assert_uint_eq(c->results_missed, 5);
	ck_assert_str_eq(status_ev_name(SEV_BARRIER_UNAUTHORIZED),
	    "barrier_unauthorized");
	status_count_decision(c, DEC_PASS);
	status_count_decision(c, DEC_RETRY);
	s->started_ms = 1795961152250;
	s->proc.cpu_seconds = 1.5;
	s->proc.resident_bytes = 4096;
	s->proc.open_fds = -1;			/* unknown: left out */
	sbuf_init(&b);
	status_render_metrics(s, &b);
	sbuf_putc(&b, '\0');
	ck_assert_ptr_nonnull(strstr(b.p,
	    "\nweighgate_lane_events_total{lane=\"L01\",kind=\"forced_entry\"} 2\n"));
	ck_assert_ptr_nonnull(strstr(b.p,
	    "\nweighgate_lane_events_total{lane=\"L01\",kind=\"override\"} 0\n"));
	ck_assert_ptr_nonnull(strstr(b.p,
	    "\nweighgate_results_missed_total{lane=\"L01\"} 5\n"));
	ck_assert_ptr_nonnull(strstr(b.p, "\nweighgate_weighings_total{lane=\"L01\"} 2\n"));
	ck_assert_ptr_nonnull(strstr(b.p,
	    "# TYPE process_cpu_seconds_total counter\nprocess_cpu_seconds_total 1.500000\n"));
	ck_assert_ptr_nonnull(strstr(b.p, "\nprocess_resident_memory_bytes 4096\n"));
	ck_assert_ptr_null(strstr(b.p, "process_open_fds"));
	ck_assert_ptr_nonnull(strstr(b.p, "\nprocess_start_time_seconds 1795961152.250\n"));
	sbuf_fini(&b);
	free(s);
}
END_TEST

/* The metrics of s into b (initialised here), NUL-terminated. */
static void
metrics_of(const struct status_snap *s, struct sbuf *b)
{
	sbuf_init(b);
	status_render_metrics(s, b);
	sbuf_putc(b, '\0');
}

/* Does the text hold line (a whole line)? */
static bool
has_line(const char *text, const char *line)
{
	size_t n = strlen(line);
	const char *p;

	for (p = text; (p = strstr(p, line)) != NULL; p++)
		if ((p == text || p[-1] == '\n') && p[n] == '\n')
			return true;
	return false;
}

/*
 * The metrics that say what they count: vehicles one per final decision,
 * the Modbus counters apart, sync failures by reason, the lists; the old
 * names still there, their HELP saying DEPRECATED.
 */
START_TEST(test_renamed_metrics)
{
	static const char *const lines[] = {
		"weighgate_vehicles_decided_total{lane=\"L01\",decision=\"pass\"} 1",
		"weighgate_vehicles_decided_total{lane=\"L01\",decision=\"hold\"} 1",
		"weighgate_vehicles_total{lane=\"L01\",decision=\"retry\"} 1",
		"weighgate_weighings_total{lane=\"L01\"} 4",
		"weighgate_modbus_transaction_failures_total{lane=\"L01\","
		    "device=\"scale\",reason=\"timeout\"} 7",
		"weighgate_modbus_transaction_failures_total{lane=\"L01\","
		    "device=\"led\",reason=\"bad_frame\"} 0",
		"weighgate_modbus_outages_total{lane=\"L01\",device=\"scale\"} 1",
		"weighgate_modbus_write_failures_total{lane=\"L01\",device=\"led\"} 1",
		"weighgate_modbus_errors_total{lane=\"L01\",device=\"scale\"} 1",
		"weighgate_sync_events_accepted_total 12",
		"weighgate_sync_events_sent_total 12",
		"weighgate_sync_failures_total{reason=\"http_5xx\"} 3",
		"weighgate_sync_failures_total{reason=\"network\"} 0",
		"weighgate_sync_lists_failures_total{reason=\"tls\"} 1",
		"weighgate_lists_info{version=\"v\\\"2\\\"\"} 1",
		"weighgate_lists_age_seconds 60.000",
	};
	static const char *const deprecated[] = {
		"# HELP weighgate_vehicles_total DEPRECATED",
		"# HELP weighgate_sync_events_sent_total DEPRECATED",
		"# HELP weighgate_modbus_errors_total DEPRECATED",
	};
	struct status_snap *s = calloc(1, sizeof(*s));
	struct status_counters *c = &s->lanes[0].c;
	struct mb_report r;
	struct sbuf b;
	size_t i;

	s->n_lanes = 1;
	snprintf(s->lanes[0].name, sizeof(s->lanes[0].name), "L01");
	/* a retried truck that then passes, a hold overridden, a fault */
	status_count_decision(c, DEC_RETRY);
	status_count_decision(c, DEC_PASS);
	status_count_decision(c, DEC_HOLD);
	status_count_event(c, "override", "{}");
	status_count_decision(c, DEC_FAULT);
	ck_assert(status_decision_final(DEC_TURNBACK));
	ck_assert(status_decision_final(DEC_INTERCEPT));
	ck_assert(!status_decision_final(DEC_RETRY));
	ck_assert(!status_decision_final(DEC_FAULT));
	memset(&r, 0, sizeof(r));
	r.kind = MB_FAILED;
	r.fail = MB_FAIL_TIMEOUT;
	r.failed = 7;
	status_count_modbus(c, ROLE_SCALE, &r);
	r.kind = MB_DOWN;
	status_count_modbus(c, ROLE_SCALE, &r);
	c->modbus_errors[ROLE_SCALE]++;		/* the daemon's old count */
	r.kind = MB_WRITE_FAILED;
	status_count_modbus(c, ROLE_LED, &r);
	c->modbus_errors[ROLE_LED]++;
	r.kind = MB_DATA;			/* not counted */
	status_count_modbus(c, ROLE_SCALE, &r);
	s->sync.sent_total = 12;
	s->sync.failures[SYNC_FAIL_HTTP_5XX] = 3;
	s->sync.lists_failures[SYNC_FAIL_TLS] = 1;
	s->lists_in_force = true;
	snprintf(s->lists_version, sizeof(s->lists_version), "v\"2\"");
	s->now_ms = 100000;
	s->lists_applied_ms = 40000;
	metrics_of(s, &b);
	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		ck_assert_msg(has_line(b.p, lines[i]), "no line %s", lines[i]);
	for (i = 0; i < sizeof(deprecated) / sizeof(deprecated[0]); i++)
		ck_assert_msg(strstr(b.p, deprecated[i]) != NULL, "%s",
		    deprecated[i]);
	ck_assert_ptr_null(strstr(b.p, "vehicles_decided_total{lane=\"L01\","
	    "decision=\"retry\"}"));
	ck_assert_ptr_null(strstr(b.p, "vehicles_decided_total{lane=\"L01\","
	    "decision=\"fault\"}"));
	ck_assert_ptr_null(strstr(b.p, "\nweighgate_sync_failures_total "));
	sbuf_fini(&b);
	/* no lists in force: no lists_info, no age */
	s->lists_in_force = false;
	metrics_of(s, &b);
	ck_assert_ptr_null(strstr(b.p, "weighgate_lists_"));
	sbuf_fini(&b);
	free(s);
}
END_TEST

/* The process's own figures, read here: plausible. */
START_TEST(test_proc_read)
{
	struct status_proc p;

	status_proc_read(&p);
	ck_assert(p.cpu_seconds >= 0);
	ck_assert_int_gt(p.resident_bytes, 100 * 1024);
	ck_assert_int_ge(p.open_fds, 3);
	ck_assert_int_lt(p.open_fds, 1000);
}
END_TEST

CU_SUITE("status")
{
	cu_tcase(s, "core", 0, NULL, NULL, test_loopback_peers, test_bearer,
	    test_parse_override, test_histogram, test_renders_escape,
	    test_lockout, test_lockout_window, test_server_metrics,
	    test_lane_event_metrics, test_renamed_metrics,
	    test_proc_read, test_conn_room);
}
