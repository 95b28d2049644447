/* The baseline of the lane benchmarks: a minimal libmodbus poller (docs/design.md §10). */
/*
 * Two modes, both against weighgate-sim:
 *
 *   minpoll poll POLL_MS HOST:PORT...
 *	one thread per address, each making the daemon's reads of one lane
 *	(scale block: 29 holding registers of unit 1; I/O module: 4 discrete
 *	inputs of unit 2; LED sign: the counter register of unit 3) every
 *	POLL_MS, nothing else, until SIGTERM/SIGINT; then prints
 *	"transactions N errors E" on standard output.  CPU and RSS are read
 *	from /proc by the bench script, as for the daemon.
 *
 *   minpoll rtt POLL_MS HOST:PORT
 *	reads the scale block every POLL_MS until SIGTERM/SIGINT and prints
 *	each round trip in microseconds, one a line: the cost of one Modbus
 *	transaction on this machine, the baseline of bench/latency.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <modbus.h>

#define MAX_LANES 16
#define SCALE_NREGS 29
#define IO_NINPUTS 4

struct poller {
	char host[64];
	char port[16];
	int poll_ms;
	bool rtt;
	pthread_t thread;
	uint64_t transactions;
	uint64_t errors;
};

static atomic_int stopping;

static void
on_signal(int sig)
{
	(void)sig;
	atomic_store(&stopping, 1);
}

static int64_t
mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Sleep until *next (absolute, CLOCK_MONOTONIC), then advance it a period. */
static void
sleep_period(struct timespec *next, int poll_ms)
{
	next->tv_nsec += (long)poll_ms * 1000000L;
	while (next->tv_nsec >= 1000000000L) {
		next->tv_nsec -= 1000000000L;
		next->tv_sec++;
	}
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, next, NULL) == EINTR)
		if (atomic_load(&stopping))
			return;
}

/* The three reads the daemon makes for one lane per poll. */
static void
lane_cycle(struct poller *p, modbus_t *ctx)
{
	uint16_t regs[SCALE_NREGS];
	uint8_t bits[IO_NINPUTS];

	modbus_set_slave(ctx, 1);
	p->errors += modbus_read_registers(ctx, 0, SCALE_NREGS, regs) != SCALE_NREGS;
	modbus_set_slave(ctx, 2);
	p->errors += modbus_read_input_bits(ctx, 0, IO_NINPUTS, bits) != IO_NINPUTS;
	modbus_set_slave(ctx, 3);
	p->errors += modbus_read_registers(ctx, 0, 1, regs) != 1;
	p->transactions += 3;
}

/* One scale read, its round trip printed in microseconds. */
static void
rtt_cycle(struct poller *p, modbus_t *ctx)
{
	uint16_t regs[SCALE_NREGS];
	int64_t t0 = mono_us();

	modbus_set_slave(ctx, 1);
	if (modbus_read_registers(ctx, 0, SCALE_NREGS, regs) != SCALE_NREGS) {
		p->errors++;
		return;
	}
	p->transactions++;
	printf("%lld\n", (long long)(mono_us() - t0));
}

static void *
poller_main(void *arg)
{
	struct poller *p = arg;
	struct timespec next;
	modbus_t *ctx;

	if ((ctx = modbus_new_tcp_pi(p->host, p->port)) == NULL ||
	    modbus_connect(ctx) == -1) {
		fprintf(stderr, "minpoll: %s:%s: %s\n", p->host, p->port,
		    modbus_strerror(errno));
		p->errors++;
		if (ctx != NULL)
			modbus_free(ctx);
		return NULL;
	}
	modbus_set_response_timeout(ctx, 0, 100000);
	clock_gettime(CLOCK_MONOTONIC, &next);
	while (!atomic_load(&stopping)) {
		if (p->rtt)
			rtt_cycle(p, ctx);
		else
			lane_cycle(p, ctx);
		sleep_period(&next, p->poll_ms);
	}
	modbus_close(ctx);
	modbus_free(ctx);
	return NULL;
}

static int
parse_addr(struct poller *p, const char *s)
{
	const char *colon = strrchr(s, ':');

	if (colon == NULL || colon == s || (size_t)(colon - s) >= sizeof(p->host) ||
	    strlen(colon + 1) == 0 || strlen(colon + 1) >= sizeof(p->port)) {
		fprintf(stderr, "minpoll: %s: HOST:PORT expected\n", s);
		return -1;
	}
	memcpy(p->host, s, (size_t)(colon - s));
	p->host[colon - s] = '\0';
	snprintf(p->port, sizeof(p->port), "%s", colon + 1);
	return 0;
}

static void
usage(void)
{
	fprintf(stderr, "usage: minpoll poll POLL_MS HOST:PORT...\n"
	    "       minpoll rtt POLL_MS HOST:PORT\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	static struct poller p[MAX_LANES];
	struct sigaction sa;
	uint64_t tx = 0, err = 0;
	int i, n, poll_ms;
	bool rtt;

	if (argc < 4)
		usage();
	rtt = strcmp(argv[1], "rtt") == 0;
	if (!rtt && strcmp(argv[1], "poll") != 0)
		usage();
	poll_ms = atoi(argv[2]);
	n = argc - 3;
	if (poll_ms < 1 || poll_ms > 10000 || n > MAX_LANES || (rtt && n != 1))
		usage();
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	for (i = 0; i < n; i++) {
		if (parse_addr(&p[i], argv[3 + i]) != 0)
			return 2;
		p[i].poll_ms = poll_ms;
		p[i].rtt = rtt;
	}
	for (i = 0; i < n; i++)
		if (pthread_create(&p[i].thread, NULL, poller_main, &p[i]) != 0) {
			fprintf(stderr, "minpoll: cannot start a thread\n");
			return 1;
		}
	for (i = 0; i < n; i++) {
		pthread_join(p[i].thread, NULL);
		tx += p[i].transactions;
		err += p[i].errors;
	}
	if (rtt)
		fprintf(stderr, "minpoll: %llu reads, %llu errors\n",
		    (unsigned long long)tx, (unsigned long long)err);
	else
		printf("transactions %llu errors %llu\n", (unsigned long long)tx,
		    (unsigned long long)err);
	return err > 0 && tx == 0;
}
