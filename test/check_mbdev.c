/* Tests of the Modbus links against an in-test libmodbus TCP server. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <check.h>
#include <event2/event.h>
#include <event2/thread.h>
#include <modbus.h>

#include "weighgate/mbdev.h"
#include "weighgate/timefmt.h"

#include "check_util.h"

#define NUNITS 16
#define MAX_REPORTS 8192

/* ---- the server ---- */

struct server {
	int port;
	int lfd;
	modbus_t *ctx;
	pthread_t thread;
	atomic_bool stop;
	pthread_mutex_t mu;		/* guards everything below */
	modbus_mapping_t *map[NUNITS];	/* NULL: the unit never answers */
	bool exception[NUNITS];
	int answer_as[NUNITS];		/* non-zero: reply with this unit id */
	bool stray[NUNITS];		/* a second frame after each reply */
	uint64_t requests;
	int accepts;
};

static struct server srv;

/*
 * After the reply, a well-formed reply nobody asked for: transaction id 0,
 * the request's unit and function, every register or bit set (0x7777).
 */
static void
server_stray(struct server *s, const uint8_t *q)
{
	uint8_t f[7 + 2 + 2 * 125];
	int count = q[10] << 8 | q[11], n, k;

	n = q[7] == 3 ? 2 * count : (count + 7) / 8;
	if (n > 250)
		return;
	memset(f, 0, sizeof(f));
	f[5] = (uint8_t)(3 + n);
	f[6] = q[6];
	f[7] = q[7];
	f[8] = (uint8_t)n;
	for (k = 0; k < n; k++)
		f[9 + k] = q[7] == 3 ? 0x77 : 0xff;
	(void)!send(modbus_get_socket(s->ctx), f, (size_t)(9 + n), MSG_NOSIGNAL);
}

/* One request: an exception, silence or the normal reply. */
static void
server_answer(struct server *s, uint8_t *q, int len)
{
	int unit = q[6];

	pthread_mutex_lock(&s->mu);
	if (unit < NUNITS && s->answer_as[unit] != 0)
		q[6] = (uint8_t)s->answer_as[unit];	/* the reply copies it */
	s->requests++;
	if (unit < NUNITS && s->exception[unit])
		modbus_reply_exception(s->ctx, q,
		    MODBUS_EXCEPTION_ILLEGAL_DATA_ADDRESS);
	else if (unit < NUNITS && s->map[unit] != NULL)
		modbus_reply(s->ctx, q, len, s->map[unit]);
	if (unit < NUNITS && s->stray[unit])
		server_stray(s, q);
	pthread_mutex_unlock(&s->mu);
}

/* Serve one accepted client until it goes or the server stops. */
static void
server_client(struct server *s)
{
	uint8_t q[MODBUS_TCP_MAX_ADU_LENGTH];
	int rc;

	while (!atomic_load(&s->stop)) {
		rc = modbus_receive(s->ctx, q);
		if (rc > 0)
			server_answer(s, q, rc);
		else if (rc == -1 && errno != ETIMEDOUT)
			break;
	}
	modbus_close(s->ctx);
}

static void *
server_main(void *arg)
{
	struct server *s = arg;
	struct pollfd pfd;

	while (!atomic_load(&s->stop)) {
		pfd.fd = s->lfd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, 20) <= 0)
			continue;
		if (modbus_tcp_accept(s->ctx, &s->lfd) == -1)
			continue;
		pthread_mutex_lock(&s->mu);
		s->accepts++;
		pthread_mutex_unlock(&s->mu);
		server_client(s);
	}
	return NULL;
}

/* Listen on 127.0.0.1:port (0: the kernel chooses) and serve. */
static void
server_listen(struct server *s, int port)
{
	struct sockaddr_in sa;
	socklen_t salen = sizeof(sa);

	s->ctx = modbus_new_tcp("127.0.0.1", port);
	ck_assert_ptr_nonnull(s->ctx);
	modbus_set_indication_timeout(s->ctx, 0, 20000);
	s->lfd = modbus_tcp_listen(s->ctx, 1);
	ck_assert_int_ge(s->lfd, 0);
	ck_assert_int_eq(getsockname(s->lfd, (struct sockaddr *)&sa, &salen), 0);
	s->port = ntohs(sa.sin_port);
	atomic_store(&s->stop, false);
	ck_assert_int_eq(pthread_create(&s->thread, NULL, server_main, s), 0);
}

static void
server_start(struct server *s)
{
	int u;

	memset(s, 0, sizeof(*s));
	pthread_mutex_init(&s->mu, NULL);
	for (u = 1; u <= 3; u++)
		s->map[u] = modbus_mapping_new(16, 16, 64, 16);
	server_listen(s, 0);
}

/* Stop serving: the client's connection and the listening socket close. */
static void
server_halt(struct server *s)
{
	atomic_store(&s->stop, true);
	pthread_join(s->thread, NULL);
	close(s->lfd);
	modbus_free(s->ctx);
	s->ctx = NULL;
}

static void
server_free(struct server *s)
{
	int u;

	if (s->ctx != NULL)
		server_halt(s);
	for (u = 0; u < NUNITS; u++)
		if (s->map[u] != NULL)
			modbus_mapping_free(s->map[u]);
	pthread_mutex_destroy(&s->mu);
}

static void
set_reg(int unit, int addr, uint16_t v)
{
	pthread_mutex_lock(&srv.mu);
	srv.map[unit]->tab_registers[addr] = v;
	pthread_mutex_unlock(&srv.mu);
}

static uint16_t
get_reg(int unit, int addr)
{
	uint16_t v;

	pthread_mutex_lock(&srv.mu);
	v = srv.map[unit]->tab_registers[addr];
	pthread_mutex_unlock(&srv.mu);
	return v;
}

static void
set_input(int unit, int addr, uint8_t v)
{
	pthread_mutex_lock(&srv.mu);
	srv.map[unit]->tab_input_bits[addr] = v;
	pthread_mutex_unlock(&srv.mu);
}

static int
get_coil(int unit, int addr)
{
	int v;

	pthread_mutex_lock(&srv.mu);
	v = srv.map[unit]->tab_bits[addr];
	pthread_mutex_unlock(&srv.mu);
	return v;
}

static void
set_exception(int unit, bool on)
{
	pthread_mutex_lock(&srv.mu);
	srv.exception[unit] = on;
	pthread_mutex_unlock(&srv.mu);
}

static void
set_answer_as(int unit, int as)
{
	pthread_mutex_lock(&srv.mu);
	srv.answer_as[unit] = as;
	pthread_mutex_unlock(&srv.mu);
}

/* ---- the loop side ---- */

static struct event_base *base;
static struct event *wake, *tick;
static struct mblink *lk;
static struct mb_report reports[MAX_REPORTS];
static const char *host = "127.0.0.1";
static int nreports;

/* The lk queued reports: take them all. */
static void
on_wake(evutil_socket_t fd, short what, void *arg)
{
	int n;

	(void)fd;
	(void)what;
	(void)arg;
	while (nreports < MAX_REPORTS &&
	    (n = mblink_take(lk, reports + nreports, MAX_REPORTS - nreports)) > 0)
		nreports += n;
}

static void
on_tick(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
}

static void
loop_setup(void)
{
	struct timeval tv = { 0, 5000 };

	ck_assert_int_eq(evthread_use_pthreads(), 0);
	base = event_base_new();
	ck_assert_ptr_nonnull(base);
	wake = event_new(base, -1, 0, on_wake, NULL);
	tick = event_new(base, -1, EV_PERSIST, on_tick, NULL);
	event_add(tick, &tv);
	nreports = 0;
}

static void
loop_teardown(void)
{
	event_free(tick);
	event_free(wake);
	event_base_free(base);
}

static struct devaddr
tcp_addr(int port)
{
	struct devaddr a;

	memset(&a, 0, sizeof(a));
	a.type = DEV_TCP;
	snprintf(a.host, sizeof(a.host), "%s", host);
	a.port = port;
	return a;
}

static void
add_poll(int lane, enum dev_role dev, int unit, enum mb_read_kind kind,
    int addr, int count)
{
	struct mb_poll p = { .lane = lane, .device = dev, .unit = unit,
	    .kind = kind, .addr = addr, .count = count };

	ck_assert_int_eq(mblink_add_poll(lk, &p), 0);
}

/* Lane 0: scale = unit 1 holding 0..9, I/O = unit 2 discrete 0..3. */
static void
link_open(int port, int poll_ms, int timeout_ms)
{
	struct devaddr a = tcp_addr(port);

	lk = mblink_new(&a, poll_ms, timeout_ms, wake);
	ck_assert_ptr_nonnull(lk);
	add_poll(0, ROLE_SCALE, 1, MB_READ_HOLDING, 0, 10);
	add_poll(0, ROLE_IO, 2, MB_READ_DISCRETE, 0, 4);
}

static int
count_kind(int from, enum mb_report_kind kind, int lane, enum dev_role dev)
{
	int i, n = 0;

	for (i = from; i < nreports; i++)
		if (reports[i].kind == kind && reports[i].lane == lane &&
		    reports[i].device == dev)
			n++;
	return n;
}

/* Failed transactions of lane's dev for cause reported since from (merged). */
static uint64_t
failed_count(int from, int lane, enum dev_role dev, enum mb_fail cause)
{
	uint64_t n = 0;
	int i;

	for (i = from; i < nreports; i++)
		if (reports[i].kind == MB_FAILED && reports[i].lane == lane &&
		    reports[i].device == dev && reports[i].fail == cause)
			n += reports[i].failed;
	return n;
}

/* The index of the first report matching from `from`, or -1. */
static int
find_kind(int from, enum mb_report_kind kind, int lane, enum dev_role dev)
{
	int i;

	for (i = from; i < nreports; i++)
		if (reports[i].kind == kind && reports[i].lane == lane &&
		    reports[i].device == dev)
			return i;
	return -1;
}

/* Run the loop for ms. */
static void
run_for(int ms)
{
	int64_t end = ts_mono_ms() + ms;

	while (ts_mono_ms() < end)
		event_base_loop(base, EVLOOP_ONCE);
}

/* Run the loop until a matching report arrives; its index or -1. */
static int
wait_for(int from, enum mb_report_kind kind, int lane, enum dev_role dev,
    int ms)
{
	int64_t end = ts_mono_ms() + ms;
	int i;

	while ((i = find_kind(from, kind, lane, dev)) < 0 && ts_mono_ms() < end)
		event_base_loop(base, EVLOOP_ONCE);
	return i;
}

static void
sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static void
setup(void)
{
	loop_setup();
	server_start(&srv);
	lk = NULL;
}

static void
teardown(void)
{
	mblink_free(lk);
	server_free(&srv);
	loop_teardown();
}

/* ---- tests ---- */

START_TEST(test_first_data)
{
	int i, from;

	host = "localhost";	/* a name, not only a literal */
	set_reg(1, 0, 0x0003);
	set_reg(1, 9, 4321);
	set_input(2, 2, 1);
	link_open(srv.port, 20, 200);
	ck_assert_int_eq(mblink_start(lk), 0);
	i = wait_for(0, MB_DATA, 0, ROLE_SCALE, 2000);
	ck_assert_int_ge(i, 0);
	ck_assert_int_eq(reports[i].count, 10);
	ck_assert_uint_eq(reports[i].regs[0], 3);
	ck_assert_uint_eq(reports[i].regs[9], 4321);
	i = wait_for(0, MB_DATA, 0, ROLE_IO, 2000);
	ck_assert_int_ge(i, 0);
	ck_assert_int_eq(reports[i].count, 4);
	ck_assert_uint_eq(reports[i].bits[0], 0);
	ck_assert_uint_eq(reports[i].bits[2], 1);
	ck_assert_int_eq(count_kind(0, MB_DOWN, 0, ROLE_SCALE), 0);
	ck_assert_uint_gt(mblink_transactions(lk), 0);
	ck_assert_uint_eq(mblink_errors(lk), 0);
	/* the thread goes on polling: a change is reported within 1 s */
	from = nreports;
	set_reg(1, 9, 4322);
	i = wait_for(from, MB_DATA, 0, ROLE_SCALE, 1000);
	ck_assert_int_ge(i, 0);
	ck_assert_uint_eq(reports[i].regs[9], 4322);
}
END_TEST

START_TEST(test_change_only)
{
	int from, i;

	link_open(srv.port, 20, 200);
	ck_assert_int_eq(mblink_start(lk), 0);
	ck_assert_int_ge(wait_for(0, MB_DATA, 0, ROLE_SCALE, 2000), 0);
	ck_assert_int_ge(wait_for(0, MB_DATA, 0, ROLE_IO, 2000), 0);
	from = nreports;
	run_for(300);		/* ~15 polls of unchanged values */
	ck_assert_int_eq(nreports, from);
	set_reg(1, 1, 77);
	i = wait_for(from, MB_DATA, 0, ROLE_SCALE, 500);
	ck_assert_int_ge(i, 0);
	ck_assert_uint_eq(reports[i].regs[1], 77);
	set_input(2, 3, 1);
	i = wait_for(from, MB_DATA, 0, ROLE_IO, 500);
	ck_assert_int_ge(i, 0);
	ck_assert_uint_eq(reports[i].bits[3], 1);
	from = nreports;
	run_for(200);
	ck_assert_int_eq(nreports, from);
}
END_TEST

/* Time from mblink_write() to the coil visible in the server, ms. */
static int64_t
coil_latency(int coil, bool on)
{
	struct mb_write w;
	int64_t t0, end;

	memset(&w, 0, sizeof(w));
	w.kind = MB_WRITE_COIL;
	w.lane = 0;
	w.device = ROLE_IO;
	w.unit = 2;
	w.addr = coil;
	w.count = 1;
	w.on = on;
	t0 = w.queued_mono_ms = ts_mono_ms();
	mblink_write(lk, &w);
	end = t0 + 1000;
	while (get_coil(2, coil) != (on ? 1 : 0) && ts_mono_ms() < end)
		sleep_ms(1);
	return ts_mono_ms() - t0;
}

/* Writes go out at once, not at the next poll (poll period 300 ms here). */
START_TEST(test_write_prompt)
{
	int64_t lat, worst = 0;
	int k;

	link_open(srv.port, 300, 200);
	ck_assert_int_eq(mblink_start(lk), 0);
	ck_assert_int_ge(wait_for(0, MB_DATA, 0, ROLE_IO, 2000), 0);
	for (k = 0; k < 10; k++) {
		lat = coil_latency(0, k % 2 == 0);
		if (lat > worst)
			worst = lat;
		sleep_ms(37);
	}
	ck_assert_int_eq(get_coil(2, 0), 0);
	ck_assert_msg(worst < 100, "write latency %lld ms", (long long)worst);
	ck_assert_int_eq(count_kind(0, MB_WRITE_FAILED, 0, ROLE_IO), 0);
}
END_TEST

/* At poll 20 ms too, with polls in flight. */
START_TEST(test_write_prompt_fast_poll)
{
	int64_t lat, worst = 0;
	int k;

	link_open(srv.port, 20, 200);
	ck_assert_int_eq(mblink_start(lk), 0);
	ck_assert_int_ge(wait_for(0, MB_DATA, 0, ROLE_IO, 2000), 0);
	for (k = 0; k < 20; k++) {
		lat = coil_latency(1, k % 2 == 0);
		if (lat > worst)
			worst = lat;
		sleep_ms(7);
	}
	ck_assert_msg(worst < 100, "write latency %lld ms", (long long)worst);
}
END_TEST

START_TEST(test_write_regs)
{
	struct mb_write w;
	int64_t end;

	link_open(srv.port, 50, 200);
	ck_assert_int_eq(mblink_start(lk), 0);
	memset(&w, 0, sizeof(w));
	w.kind = MB_WRITE_REGS;
	w.lane = 0;
	w.device = ROLE_LED;
	w.unit = 3;
	w.addr = 20;
	w.count = 3;
	w.regs[0] = 0x4142;
	w.regs[1] = 2;
	w.regs[2] = 0xffff;
	mblink_write(lk, &w);
	w.addr = 19;
	w.count = 1;
	w.regs[0] = 9;		/* the counter, after the text */
	mblink_write(lk, &w);
	end = ts_mono_ms() + 1000;
	while (get_reg(3, 19) != 9 && ts_mono_ms() < end)
		sleep_ms(1);
	ck_assert_uint_eq(get_reg(3, 19), 9);
	ck_assert_uint_eq(get_reg(3, 20), 0x4142);
	ck_assert_uint_eq(get_reg(3, 21), 2);
	ck_assert_uint_eq(get_reg(3, 22), 0xffff);
	/* A write the protocol cannot carry is refused, not sent. */
	w.count = 200;
	mblink_write(lk, &w);
	ck_assert_int_ge(wait_for(0, MB_WRITE_FAILED, 0, ROLE_LED, 1000), 0);
}
END_TEST

/* A pulse: 1, then 0 about pulse_ms later, and polls go on meanwhile. */
START_TEST(test_write_pulse)
{
	struct mb_write w;
	int64_t t0, t1, end;
	int from;

	link_open(srv.port, 20, 200);
	ck_assert_int_eq(mblink_start(lk), 0);
	ck_assert_int_ge(wait_for(0, MB_DATA, 0, ROLE_SCALE, 2000), 0);
	memset(&w, 0, sizeof(w));
	w.kind = MB_WRITE_PULSE;
	w.device = ROLE_IO;
	w.unit = 2;
	w.addr = 3;
	w.count = 1;
	w.on = true;
	w.pulse_ms = 200;
	t0 = ts_mono_ms();
	mblink_write(lk, &w);
	end = t0 + 1000;
	while (get_coil(2, 3) != 1 && ts_mono_ms() < end)
		sleep_ms(1);
	ck_assert_int_eq(get_coil(2, 3), 1);
	from = nreports;
	set_reg(1, 2, 555);	/* seen during the pulse */
	ck_assert_int_ge(wait_for(from, MB_DATA, 0, ROLE_SCALE, 150), 0);
	while (get_coil(2, 3) != 0 && ts_mono_ms() < end)
		sleep_ms(1);
	t1 = ts_mono_ms();
	ck_assert_int_eq(get_coil(2, 3), 0);
	ck_assert_int_ge(t1 - t0, 190);
	ck_assert_int_lt(t1 - t0, 400);
}
END_TEST

/* Server gone: one DOWN per device; back on the same port: UP, then DATA. */
START_TEST(test_down_once_and_reconnect)
{
	int from, up, data;

	set_reg(1, 0, 5);
	link_open(srv.port, 20, 100);
	ck_assert_int_eq(mblink_start(lk), 0);
	ck_assert_int_ge(wait_for(0, MB_DATA, 0, ROLE_SCALE, 2000), 0);
	ck_assert_int_ge(wait_for(0, MB_DATA, 0, ROLE_IO, 2000), 0);
	from = nreports;
	server_halt(&srv);
	ck_assert_int_ge(wait_for(from, MB_DOWN, 0, ROLE_SCALE, 2000), 0);
	ck_assert_int_ge(wait_for(from, MB_DOWN, 0, ROLE_IO, 2000), 0);
	run_for(700);		/* 35 poll periods, several reconnects */
	ck_assert_int_eq(count_kind(from, MB_DOWN, 0, ROLE_SCALE), 1);
	ck_assert_int_eq(count_kind(from, MB_DOWN, 0, ROLE_IO), 1);
	ck_assert_int_eq(count_kind(from, MB_DATA, 0, ROLE_SCALE), 0);
	ck_assert(reports[find_kind(from, MB_DOWN, 0, ROLE_SCALE)].err[0] != '\0');
	ck_assert_uint_gt(mblink_errors(lk), 0);
	/* Not spinning: backoff bounds the connection attempts. */
	ck_assert_uint_lt(mblink_errors(lk), 40);
	server_listen(&srv, srv.port);
	from = nreports;
	up = wait_for(from, MB_UP, 0, ROLE_SCALE, 8000);
	ck_assert_int_ge(up, 0);
	data = wait_for(up, MB_DATA, 0, ROLE_SCALE, 2000);
	ck_assert_int_gt(data, up);
	ck_assert_uint_eq(reports[data].regs[0], 5);	/* unchanged, still sent */
	ck_assert_int_ge(wait_for(from, MB_UP, 0, ROLE_IO, 2000), 0);
}
END_TEST

/* An exception answer: that device DOWN, the other unit keeps going. */
START_TEST(test_exception_one_unit)
{
	int from, i;

	link_open(srv.port, 20, 200);
	ck_assert_int_eq(mblink_start(lk), 0);
	ck_assert_int_ge(wait_for(0, MB_DATA, 0, ROLE_IO, 2000), 0);
	ck_assert_int_ge(wait_for(0, MB_DATA, 0, ROLE_SCALE, 2000), 0);
	from = nreports;
	set_exception(2, true);
	i = wait_for(from, MB_DOWN, 0, ROLE_IO, 1000);
	ck_assert_int_ge(i, 0);
	ck_assert_ptr_nonnull(strstr(reports[i].err, "Illegal data address"));
	set_reg(1, 4, 3);
	i = wait_for(from, MB_DATA, 0, ROLE_SCALE, 1000);
	ck_assert_int_ge(i, 0);
	ck_assert_uint_eq(reports[i].regs[4], 3);
	run_for(200);
	ck_assert_int_eq(count_kind(from, MB_DOWN, 0, ROLE_IO), 1);
	ck_assert_int_eq(count_kind(from, MB_DOWN, 0, ROLE_SCALE), 0);
	/* every failed poll counted, as an exception, for that device only:
	 * one outage, many failed transactions (20 ms polls for 200 ms+) */
	ck_assert_uint_ge(failed_count(from, 0, ROLE_IO, MB_FAIL_EXCEPTION), 5);
	ck_assert_uint_eq(failed_count(from, 0, ROLE_IO, MB_FAIL_TIMEOUT), 0);
	ck_assert_int_eq(count_kind(from, MB_FAILED, 0, ROLE_SCALE), 0);
	ck_assert_str_eq(mb_fail_name(MB_FAIL_BAD_FRAME), "bad_frame");
	from = nreports;
	set_exception(2, false);
	i = wait_for(from, MB_UP, 0, ROLE_IO, 1000);
	ck_assert_int_ge(i, 0);
	ck_assert_int_gt(wait_for(i, MB_DATA, 0, ROLE_IO, 1000), i);
}
END_TEST

/* A reply carrying another unit id is not that device's data (docs/design.md §11). */
START_TEST(test_wrong_unit_reply)
{
	int from, i;

	link_open(srv.port, 20, 200);
	ck_assert_int_eq(mblink_start(lk), 0);
	ck_assert_int_ge(wait_for(0, MB_DATA, 0, ROLE_SCALE, 2000), 0);
	from = nreports;
	set_answer_as(1, 2);
	set_reg(1, 5, 99);
	i = wait_for(from, MB_DOWN, 0, ROLE_SCALE, 1000);
	ck_assert_int_ge(i, 0);
	run_for(100);
	ck_assert_int_eq(count_kind(from, MB_DATA, 0, ROLE_SCALE), 0);
	set_answer_as(1, 0);
	i = wait_for(from, MB_UP, 0, ROLE_SCALE, 1000);
	ck_assert_int_ge(i, 0);
	i = wait_for(i, MB_DATA, 0, ROLE_SCALE, 1000);
	ck_assert_int_ge(i, 0);
	ck_assert_uint_eq(reports[i].regs[5], 99);
}
END_TEST

static void
set_stray(int unit, bool on)
{
	pthread_mutex_lock(&srv.mu);
	srv.stray[unit] = on;
	pthread_mutex_unlock(&srv.mu);
}

static int
accepts(void)
{
	int n;

	pthread_mutex_lock(&srv.mu);
	n = srv.accepts;
	pthread_mutex_unlock(&srv.mu);
	return n;
}

/*
 * A reply nobody asked for after each real one: never taken as data,
 * reported as stray for the device in flight, and the third within 10 s
 * closes the connection, which is made again; the device stays up.
 */
START_TEST(test_stray_replies)
{
	uint64_t strays = 0;
	int from, i, k;

	link_open(srv.port, 20, 200);
	ck_assert_int_eq(mblink_start(lk), 0);
	ck_assert_int_ge(wait_for(0, MB_DATA, 0, ROLE_SCALE, 2000), 0);
	set_reg(1, 2, 42);
	from = nreports;
	set_stray(1, true);
	run_for(600);
	set_stray(1, false);
	run_for(100);
	for (i = from; i < nreports; i++) {
		/* for the request in flight: a stray that comes after the
		 * scale's reply was drained is found during the I/O read */
		if (reports[i].kind == MB_STRAY)
			strays += reports[i].strays;
		if (reports[i].kind == MB_DATA && reports[i].device == ROLE_SCALE)
			for (k = 0; k < 10; k++)
				ck_assert_uint_ne(reports[i].regs[k], 0x7777);
	}
	ck_assert_uint_ge(strays, 3);
	ck_assert_uint_eq(mblink_strays(lk), strays);
	ck_assert_int_ge(count_kind(from, MB_STRAY, 0, ROLE_SCALE), 1);
	ck_assert_int_eq(count_kind(from, MB_DOWN, 0, ROLE_SCALE), 0);
	ck_assert_int_eq(count_kind(from, MB_DOWN, 0, ROLE_IO), 0);
	ck_assert_int_ge(accepts(), 2);		/* closed and made again */
	from = nreports;
	set_reg(1, 3, 43);
	i = wait_for(from, MB_DATA, 0, ROLE_SCALE, 1000);
	ck_assert_int_ge(i, 0);
	ck_assert_uint_eq(reports[i].regs[3], 43);
}
END_TEST

/*
 * A serial port opened as a descriptor at or above FD_SETSIZE (libmodbus
 * 3.1.6 select()s on it) is refused: its units are reported down, with
 * "Too many open files", and no transaction is made on it.
 */
START_TEST(test_rtu_fd_setsize)
{
	struct devaddr a;
	int m, fd, i;

	m = posix_openpt(O_RDWR | O_NOCTTY);
	ck_assert_int_ge(m, 0);
	ck_assert_int_eq(grantpt(m), 0);
	ck_assert_int_eq(unlockpt(m), 0);
	memset(&a, 0, sizeof(a));
	a.type = DEV_RTU;
	snprintf(a.device, sizeof(a.device), "%s", ptsname(m));
	a.baud = 9600;
	a.parity = 'N';
	a.data_bits = 8;
	a.stop_bits = 1;
	/* every descriptor below FD_SETSIZE in use: the port opens above */
	for (fd = 0; fd < FD_SETSIZE; fd++)
		if (fcntl(fd, F_GETFD) == -1)
			ck_assert_int_eq(dup2(m, fd), fd);
	lk = mblink_new(&a, 20, 100, wake);
	ck_assert_ptr_nonnull(lk);
	add_poll(0, ROLE_SCALE, 1, MB_READ_HOLDING, 0, 10);
	ck_assert_int_eq(mblink_start(lk), 0);
	i = wait_for(0, MB_DOWN, 0, ROLE_SCALE, 2000);
	ck_assert_int_ge(i, 0);
	ck_assert_ptr_nonnull(strstr(reports[i].err, "Too many open files"));
	run_for(300);
	ck_assert_uint_eq(mblink_transactions(lk), 0);
	ck_assert_int_eq(count_kind(0, MB_DATA, 0, ROLE_SCALE), 0);
}
END_TEST

/* A unit that never answers costs its timeout, but the others go on. */
START_TEST(test_dead_unit_shared_address)
{
	int from, i;

	link_open(srv.port, 20, 50);
	add_poll(1, ROLE_SCALE, 9, MB_READ_HOLDING, 0, 10);	/* no such unit */
	ck_assert_int_eq(mblink_start(lk), 0);
	ck_assert_int_ge(wait_for(0, MB_DOWN, 1, ROLE_SCALE, 2000), 0);
	from = nreports;
	set_reg(1, 3, 1234);
	i = wait_for(from, MB_DATA, 0, ROLE_SCALE, 500);
	ck_assert_int_ge(i, 0);
	set_input(2, 1, 1);
	ck_assert_int_ge(wait_for(from, MB_DATA, 0, ROLE_IO, 500), 0);
	run_for(300);
	ck_assert_int_eq(count_kind(0, MB_DOWN, 1, ROLE_SCALE), 1);
	ck_assert_int_eq(count_kind(0, MB_DOWN, 0, ROLE_SCALE), 0);
	ck_assert_int_eq(count_kind(0, MB_DOWN, 0, ROLE_IO), 0);
}
END_TEST

/* A port nobody listens on: DOWN, writes fail, stop is prompt. */
START_TEST(test_refused)
{
	struct sockaddr_in sa;
	socklen_t salen = sizeof(sa);
	struct mb_write w;
	int fd, port, i, from;
	int64_t t0;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sa, &salen), 0);
	port = ntohs(sa.sin_port);
	close(fd);		/* bound, never listened: refused */
	link_open(port, 20, 200);
	ck_assert_int_eq(mblink_start(lk), 0);
	i = wait_for(0, MB_DOWN, 0, ROLE_SCALE, 2000);
	ck_assert_int_ge(i, 0);
	ck_assert_ptr_nonnull(strstr(reports[i].err, "refused"));
	ck_assert_int_ge(wait_for(0, MB_DOWN, 0, ROLE_IO, 2000), 0);
	memset(&w, 0, sizeof(w));
	w.kind = MB_WRITE_COIL;
	w.device = ROLE_IO;
	w.unit = 2;
	w.on = true;
	mblink_write(lk, &w);
	ck_assert_int_ge(wait_for(0, MB_WRITE_FAILED, 0, ROLE_IO, 500), 0);
	run_for(500);
	ck_assert_int_eq(count_kind(0, MB_DOWN, 0, ROLE_SCALE), 1);
	/* the thread still runs while down: not stuck, and it takes a write */
	ck_assert_int_lt(mblink_busy_ms(lk, ts_mono_ms()), 100);
	from = nreports;
	mblink_write(lk, &w);
	ck_assert_int_ge(wait_for(from, MB_WRITE_FAILED, 0, ROLE_IO, 500), 0);
	t0 = ts_mono_ms();
	mblink_stop(lk);
	ck_assert_int_lt(ts_mono_ms() - t0, 500);
}
END_TEST

/* Writes still queued at stop are made before the thread ends. */
START_TEST(test_stop_flushes_writes)
{
	struct mb_write w;

	link_open(srv.port, 1000, 200);
	ck_assert_int_eq(mblink_start(lk), 0);
	memset(&w, 0, sizeof(w));
	w.kind = MB_WRITE_COIL;
	w.device = ROLE_IO;
	w.unit = 2;
	w.addr = 5;
	w.on = true;
	mblink_write(lk, &w);
	w.addr = 6;
	mblink_write(lk, &w);
	mblink_stop(lk);
	ck_assert_int_eq(get_coil(2, 5), 1);
	ck_assert_int_eq(get_coil(2, 6), 1);
}
END_TEST

/*
 * A thread stuck in a call is let go without waiting: it counts as
 * abandoned-and-running until its call returns, then ends by itself.
 */
START_TEST(test_abandon_stuck)
{
	int64_t end;

	link_open(srv.port, 20, 200);
	mblink_test_stall(lk, 1500);
	ck_assert_int_eq(mblink_start(lk), 0);
	ck_assert_int_ge(wait_for(0, MB_DATA, 0, ROLE_SCALE, 2000), 0);
	end = ts_mono_ms() + 1000;
	while (mblink_busy_ms(lk, ts_mono_ms()) < 200 && ts_mono_ms() < end)
		sleep_ms(10);
	ck_assert_int_ge(mblink_busy_ms(lk, ts_mono_ms()), 200);
	ck_assert_int_eq(mblink_abandoned_running(), 0);
	mblink_abandon(lk);
	lk = NULL;
	ck_assert_int_eq(mblink_abandoned_running(), 1);
	end = ts_mono_ms() + 5000;
	while (mblink_abandoned_running() > 0 && ts_mono_ms() < end)
		sleep_ms(20);
	ck_assert_int_eq(mblink_abandoned_running(), 0);
}
END_TEST

/*
 * A profile's poll: holding, input registers, coils and discrete inputs
 * read in one cycle and reported together, a bit as a 0/1 word; its
 * command word written once after the connect, before the first report.
 */
START_TEST(test_profile_requests)
{
	static const uint16_t want[10] = { 11, 0, 13, 0xabcd, 0x1234, 0, 1, 0,
	    0, 1 };
	struct devaddr a = tcp_addr(srv.port);
	struct mb_poll p;
	int i, k, from;

	pthread_mutex_lock(&srv.mu);
	srv.map[3]->tab_registers[2] = 11;
	srv.map[3]->tab_registers[4] = 13;
	srv.map[3]->tab_input_registers[5] = 0xabcd;
	srv.map[3]->tab_input_registers[6] = 0x1234;
	srv.map[3]->tab_bits[2] = 1;
	srv.map[3]->tab_input_bits[1] = 1;
	pthread_mutex_unlock(&srv.mu);
	memset(&p, 0, sizeof(p));
	p.lane = 1;
	p.device = ROLE_SCALE;
	p.unit = 3;
	p.nreq = 4;
	p.req[0] = (struct mb_req){ MB_READ_HOLDING, 2, 3 };
	p.req[1] = (struct mb_req){ MB_READ_INPUT, 5, 2 };
	p.req[2] = (struct mb_req){ MB_READ_COILS, 1, 3 };
	p.req[3] = (struct mb_req){ MB_READ_DISCRETE, 0, 2 };
	p.ncmd = 1;
	p.cmd[0].addr = 40;
	p.cmd[0].count = 2;
	p.cmd[0].regs[0] = 0x0102;
	p.cmd[0].regs[1] = 0x0304;
	lk = mblink_new(&a, 20, 200, wake);
	ck_assert_ptr_nonnull(lk);
	ck_assert_int_eq(mblink_add_poll(lk, &p), 0);
	ck_assert_int_eq(mblink_start(lk), 0);
	/* holding 2-4, input registers 5-6, coils 1-3, discrete inputs 0-1 */
	if ((i = wait_for(0, MB_DATA, 1, ROLE_SCALE, 2000)) < 0)
		ck_abort_msg("no data");
	ck_assert_int_eq(reports[i].count, 10);
	for (k = 0; k < 10; k++)
		ck_assert_msg(reports[i].regs[k] == want[k], "word %d: %u, not "
		    "%u", k, reports[i].regs[k], want[k]);
	ck_assert_uint_eq(get_reg(3, 40), 0x0102);
	ck_assert_uint_eq(get_reg(3, 41), 0x0304);
	/* a change in the last request is one report of all the words */
	from = nreports;
	set_input(3, 0, 1);
	i = wait_for(from, MB_DATA, 1, ROLE_SCALE, 1000);
	ck_assert_int_ge(i, 0);
	ck_assert_uint_eq(reports[i].regs[8], 1);
	ck_assert_uint_eq(reports[i].regs[0], 11);
	ck_assert_uint_eq(get_reg(3, 40), 0x0102);
}
END_TEST

/*
 * A poll of several requests is reported once more after each change,
 * unchanged or not (the lane confirms a result read across requests, see
 * docs/devices.md), then not again until the next change.
 */
START_TEST(test_split_poll_reported_again)
{
	struct devaddr a = tcp_addr(srv.port);
	struct mb_poll p;
	int i, j, from;

	memset(&p, 0, sizeof(p));
	p.device = ROLE_SCALE;
	p.unit = 1;
	p.nreq = 2;
	p.req[0] = (struct mb_req){ MB_READ_HOLDING, 0, 2 };
	p.req[1] = (struct mb_req){ MB_READ_HOLDING, 10, 2 };
	lk = mblink_new(&a, 20, 200, wake);
	ck_assert_ptr_nonnull(lk);
	ck_assert_int_eq(mblink_add_poll(lk, &p), 0);
	ck_assert_int_eq(mblink_start(lk), 0);
	ck_assert_int_ge(i = wait_for(0, MB_DATA, 0, ROLE_SCALE, 2000), 0);
	ck_assert_int_ge(wait_for(i + 1, MB_DATA, 0, ROLE_SCALE, 500), 0);
	from = nreports;
	run_for(300);		/* ~15 polls of unchanged values */
	ck_assert_int_eq(nreports, from);
	set_reg(1, 11, 5);
	ck_assert_int_ge(i = wait_for(from, MB_DATA, 0, ROLE_SCALE, 500), 0);
	ck_assert_int_ge(j = wait_for(i + 1, MB_DATA, 0, ROLE_SCALE, 500), 0);
	ck_assert_uint_eq(reports[i].regs[3], 5);
	ck_assert_int_eq(memcmp(reports[i].regs, reports[j].regs,
	    4 * sizeof(reports[i].regs[0])), 0);
	from = nreports;
	run_for(200);
	ck_assert_int_eq(nreports, from);
}
END_TEST

START_TEST(test_profile_requests_refused)
{
	struct devaddr a = tcp_addr(srv.port);
	struct mb_poll p;

	memset(&p, 0, sizeof(p));
	p.unit = 1;
	p.nreq = 1;
	p.req[0] = (struct mb_req){ MB_READ_INPUT, 65530, 10 };
	lk = mblink_new(&a, 20, 200, wake);
	ck_assert_ptr_nonnull(lk);
	ck_assert_int_eq(mblink_add_poll(lk, &p), -1);	/* past 65535 */
	p.req[0] = (struct mb_req){ MB_READ_HOLDING, 0, 126 };
	ck_assert_int_eq(mblink_add_poll(lk, &p), -1);	/* over one request */
	p.req[0] = (struct mb_req){ MB_READ_HOLDING, 0, 10 };
	p.ncmd = 1;
	p.cmd[0].addr = 0;
	p.cmd[0].count = MB_CMD_REGS + 1;
	ck_assert_int_eq(mblink_add_poll(lk, &p), -1);	/* command too long */
	p.cmd[0].count = 1;
	ck_assert_int_eq(mblink_add_poll(lk, &p), 0);
}
END_TEST

CU_SUITE("mbdev")
{
	cu_tcase(s, "lk", 30, setup, teardown, test_first_data,
	    test_change_only, test_write_prompt, test_write_prompt_fast_poll,
	    test_write_regs, test_write_pulse, test_down_once_and_reconnect,
	    test_exception_one_unit, test_wrong_unit_reply, test_stray_replies,
	    test_rtu_fd_setsize, test_dead_unit_shared_address, test_refused,
	    test_stop_flushes_writes, test_abandon_stuck);
	cu_tcase(s, "profile", 30, setup, teardown, test_profile_requests,
	    test_profile_requests_refused, test_split_poll_reported_again);
}
