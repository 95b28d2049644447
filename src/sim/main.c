/*
 * weighgate-sim: a Modbus server that behaves like the scale, I/O module and
 * LED sign of N lanes, driven by a traffic file (docs/design.md §2, §4.1, §8).  Also a
 * traffic generator (--generate) and a small client for commissioning
 * (--read, --write-coil, ...).  See docs/simulator.md.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "weighgate/cliarg.h"
#include "weighgate/log.h"
#include "weighgate/timefmt.h"
#include "weighgate/version.h"

#include "sim.h"

#define TICK_MS 5
#define EX_USAGE 2
#define EX_DATAERR 65
#define EX_CONFIG 78

enum sim_mode { MODE_SERVE, MODE_GENERATE, MODE_CLIENT };

/* The synopsis: on standard output for --help (exit 0), else on stderr. */
static void __attribute__((noreturn))
usage_to(FILE *f, int status)
{
	fprintf(f,
	    "usage: weighgate-sim --listen HOST:PORT [--lanes N] [--port-per-lane]\n"
	    "           [--timeline FILE] [--word-order ABCD|CDAB|BADC|DCBA]\n"
	    "           [--plate-encoding GB18030|UTF-8] [--led-encoding ENC]\n"
	    "           [--led-registers N] [--speedup F] [--barrier-mode level|pulse]\n"
	    "           [--barrier-ms MS] [--weigh-ms MS] [--decide-ms MS]\n"
	    "           [--pass-ms MS] [--reverse-ms MS] [--hold]\n"
	    "           [--scale-profile P] [--io-profile P] [--led-profile P]\n"
	    "           [--profile-dir DIR]\n"
	    "           [--camera URL [--camera-format xml|multipart|json|generic]\n"
	    "            [--camera-offset-ms MS] [--camera-mode MODE]\n"
	    "            [--camera-plate PLATE] [--camera-second PLATE]\n"
	    "            [--camera-user USER:PASSWORD]\n"
	    "            [--camera-heartbeat-ms MS]] TRAFFIC\n"
	    "       weighgate-sim --rtu DEVICE [--baud B] [options] TRAFFIC\n"
	    "       weighgate-sim --generate N [--seed S] [--lanes N]\n"
	    "       weighgate-sim --read|--read-coils|--read-inputs HOST:PORT UNIT ADDR COUNT\n"
	    "       weighgate-sim --write-coil HOST:PORT UNIT ADDR 0|1\n"
	    "       weighgate-sim --write-regs HOST:PORT UNIT ADDR VALUE...\n"
	    "       weighgate-sim --read-scale HOST:PORT UNIT [--word-order WO]\n"
	    "           [--plate-encoding ENC]\n"
	    "       weighgate-sim --help | --version\n");
	if (f == stdout)
		fprintf(f, "\nA lane simulator: the scale, I/O module and LED sign "
		    "of 1-16 lanes over\nModbus, driven by a traffic file.  "
		    "See weighgate-sim(1) and docs/simulator.md.\n");
	exit(status);
}

static void __attribute__((noreturn))
usage(void)
{
	usage_to(stderr, EX_USAGE);
}

static enum text_encoding
enc_arg(const char *opt, const char *s)
{
	if (strcasecmp(s, "GB18030") == 0)
		return ENC_GB18030;
	if (strcasecmp(s, "UTF-8") == 0 || strcasecmp(s, "UTF8") == 0)
		return ENC_UTF8;
	log_warnx("%s %s: GB18030 or UTF-8", opt, s);
	exit(EX_USAGE);
}

static enum word_order
wo_arg(const char *s)
{
	static const char *const names[] = { "ABCD", "CDAB", "BADC", "DCBA" };
	int i;

	for (i = 0; i < 4; i++)
		if (strcasecmp(s, names[i]) == 0)
			return (enum word_order)i;
	log_warnx("--word-order %s: ABCD, CDAB, BADC or DCBA", s);
	exit(EX_USAGE);
}

static void
opts_default(struct sim_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->baud = 9600;
	o->wo = WO_ABCD;
	o->plate_enc = o->led_enc = ENC_GB18030;
	o->led_regs = 32;
	o->speedup = 1.0;
	o->barrier_ms = 300;
	o->weigh_ms = 400;
	o->decide_ms = 2000;
	o->pass_ms = 500;
	o->reverse_ms = 500;
}

static const struct option longopts[] = {
	{ "listen", required_argument, NULL, 'l' },
	{ "rtu", required_argument, NULL, 'r' },
	{ "baud", required_argument, NULL, 'B' },
	{ "lanes", required_argument, NULL, 'n' },
	{ "port-per-lane", no_argument, NULL, 'P' },
	{ "timeline", required_argument, NULL, 't' },
	{ "word-order", required_argument, NULL, 'w' },
	{ "plate-encoding", required_argument, NULL, 'e' },
	{ "led-encoding", required_argument, NULL, 'E' },
	{ "led-registers", required_argument, NULL, 'L' },
	{ "speedup", required_argument, NULL, 's' },
	{ "barrier-mode", required_argument, NULL, 'M' },
	{ "barrier-ms", required_argument, NULL, 1 },
	{ "weigh-ms", required_argument, NULL, 2 },
	{ "decide-ms", required_argument, NULL, 3 },
	{ "pass-ms", required_argument, NULL, 4 },
	{ "reverse-ms", required_argument, NULL, 5 },
	{ "hold", no_argument, NULL, 6 },
	{ "scale-profile", required_argument, NULL, 20 },
	{ "io-profile", required_argument, NULL, 21 },
	{ "led-profile", required_argument, NULL, 22 },
	{ "profile-dir", required_argument, NULL, 23 },
	{ "camera", required_argument, NULL, SIM_CAM_OPT_URL },
	{ "camera-format", required_argument, NULL, SIM_CAM_OPT_FORMAT },
	{ "camera-offset-ms", required_argument, NULL, SIM_CAM_OPT_OFFSET },
	{ "camera-mode", required_argument, NULL, SIM_CAM_OPT_MODE },
	{ "camera-second", required_argument, NULL, SIM_CAM_OPT_SECOND },
	{ "camera-user", required_argument, NULL, SIM_CAM_OPT_USER },
	{ "camera-heartbeat-ms", required_argument, NULL, SIM_CAM_OPT_BEAT },
	{ "camera-plate", required_argument, NULL, SIM_CAM_OPT_PLATE },
	{ "generate", required_argument, NULL, 'g' },
	{ "seed", required_argument, NULL, 'S' },
	{ "read", no_argument, NULL, 10 },
	{ "read-coils", no_argument, NULL, 11 },
	{ "read-inputs", no_argument, NULL, 12 },
	{ "write-coil", no_argument, NULL, 13 },
	{ "write-regs", no_argument, NULL, 14 },
	{ "read-scale", no_argument, NULL, 15 },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 }
};

struct cli {
	struct sim_opts o;
	enum sim_mode mode;
	int client_op;
	long gen_n;
	uint64_t seed;
	int verbose;
};

/* One option into c (the durations and sizes are range-checked here). */
static void
parse_opt(struct cli *c, int ch, const char *name)
{
	struct sim_opts *o = &c->o;

	switch (ch) {
	case 'l': o->listen = optarg; break;
	case 'r': o->rtu = optarg; break;
	case 'B': o->baud = (int)cliarg_num(name, optarg, 300, 1000000); break;
	case 'n': o->nlanes = (int)cliarg_num(name, optarg, 1, SIM_MAX_LANES);
		break;
	case 'P': o->port_per_lane = true; break;
	case 't': o->timeline = optarg; break;
	case 'w': o->wo = wo_arg(optarg); break;
	case 'e': o->plate_enc = enc_arg(name, optarg); break;
	case 'E': o->led_enc = enc_arg(name, optarg); break;
	case 'L': o->led_regs = (int)cliarg_num(name, optarg, 1, SIM_LED_MAX);
		break;
	case 's': o->speedup = cliarg_num(name, optarg, 0.01, 1000); break;
	case 'M':
		if (strcmp(optarg, "level") != 0 && strcmp(optarg, "pulse") != 0)
			usage();
		o->pulse = strcmp(optarg, "pulse") == 0;
		break;
	case 1: o->barrier_ms = (int64_t)cliarg_num(name, optarg, 0, 60000); break;
	case 2: o->weigh_ms = (int64_t)cliarg_num(name, optarg, 0, 60000); break;
	case 3: o->decide_ms = (int64_t)cliarg_num(name, optarg, 0, 600000); break;
	case 4: o->pass_ms = (int64_t)cliarg_num(name, optarg, 0, 60000); break;
	case 5: o->reverse_ms = (int64_t)cliarg_num(name, optarg, 0, 60000); break;
	case 6: o->hold = true; break;
	case 20: case 21: case 22: o->profile[ch - 20] = optarg; break;
	case 23: o->profile_dir = optarg; break;
	case SIM_CAM_OPT_URL: case SIM_CAM_OPT_FORMAT: case SIM_CAM_OPT_OFFSET:
	case SIM_CAM_OPT_MODE: case SIM_CAM_OPT_SECOND: case SIM_CAM_OPT_USER:
	case SIM_CAM_OPT_BEAT: case SIM_CAM_OPT_PLATE:
		if (sim_camera_option(o, ch, name, optarg) != 0)
			exit(EX_USAGE);
		break;
	case 'g':
		c->mode = MODE_GENERATE;
		c->gen_n = (long)cliarg_num(name, optarg, 0, 1e9);
		break;
	case 'S': c->seed = (uint64_t)cliarg_num(name, optarg, 0, 1e18); break;
	case 10: case 11: case 12: case 13: case 14: case 15:
		c->mode = MODE_CLIENT;
		c->client_op = ch;
		break;
	case 'v': c->verbose++; break;
	case 'h': usage_to(stdout, 0);
	case 'V': printf("weighgate-sim %s\n", WEIGHGATE_VERSION); exit(0);
	default: usage();
	}
}

static void
parse_args(struct cli *c, int argc, char **argv)
{
	int ch, idx;

	memset(c, 0, sizeof(*c));
	opts_default(&c->o);
	c->seed = 1;
	while ((ch = getopt_long(argc, argv, "v", longopts, &idx)) != -1)
		parse_opt(c, ch, ch == '?' ? "" : longopts[idx].name);
	if (c->mode == MODE_SERVE) {
		if (argc - optind != 1 || (c->o.listen == NULL) ==
		    (c->o.rtu == NULL) || (c->o.rtu && c->o.port_per_lane))
			usage();
		c->o.traffic = argv[optind];
	}
}

/* The physics: every lane ticks every TICK_MS until stop. */
static void *
physics_thread(void *arg)
{
	struct sim *s = arg;
	struct timespec ts = { 0, TICK_MS * 1000000L };
	int64_t now;
	int i;

	while (!s->stop) {
		pthread_mutex_lock(&s->mu);
		now = ts_mono_ms();
		for (i = 0; i < s->nlanes; i++)
			simlane_tick(s, &s->lanes[i], now);
		pthread_mutex_unlock(&s->mu);
		nanosleep(&ts, NULL);
	}
	return NULL;
}

/* Hand each lane its items, in file order. */
static int
lanes_setup(struct sim *s)
{
	struct sim_lane *l;
	size_t i;
	int k;

	for (k = 0; k < s->nlanes; k++)
		if (simlane_init(s, &s->lanes[k], k + 1) == -1)
			return -1;
	for (i = 0; i < s->traffic.n; i++) {
		l = &s->lanes[atoi(s->traffic.items[i].m.lane + 1) - 1];
		if ((l->q = reallocarray(l->q, l->nq + 1, sizeof(*l->q))) ==
		    NULL)
			return -1;
		l->q[l->nq++] = &s->traffic.items[i];
	}
	return 0;
}

/* Load the traffic; lanes default to the highest lane in it. */
static int
load(struct sim *s)
{
	int maxlane;
	int rc;

	if ((rc = traffic_load(s->o.traffic, &s->traffic, &maxlane)) != 0)
		return rc;
	s->nlanes = s->o.nlanes > 0 ? s->o.nlanes : (maxlane > 0 ? maxlane : 1);
	if (maxlane > s->nlanes) {
		log_warnx("%s: traffic for lane L%02d but --lanes %d",
		    s->o.traffic, maxlane, s->nlanes);
		return EX_DATAERR;
	}
	return 0;
}

/* Start every lane's traffic now. */
static void
traffic_go(struct sim *s)
{
	int64_t now;
	int i;

	pthread_mutex_lock(&s->mu);
	now = ts_mono_ms();
	for (i = 0; i < s->nlanes; i++)
		simlane_start(s, &s->lanes[i], now);
	pthread_mutex_unlock(&s->mu);
}

/* Serve until SIGTERM or SIGINT; with --hold the traffic starts at SIGUSR1. */
static int
serve(struct sim *s)
{
	pthread_t phys;
	sigset_t set;
	bool held = s->o.hold;
	int rc, sig;

	if ((rc = load(s)) != 0)
		return rc;
	if (simprof_load(s) == -1)
		return EX_CONFIG;
	if (lanes_setup(s) == -1 || timeline_open(s, s->o.timeline) == -1 ||
	    server_open(s) == -1)
		return 1;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	if (!held)
		traffic_go(s);
	if (server_start(s) == -1 || sim_camera_start(s) == -1 ||
	    pthread_create(&phys, NULL, physics_thread, s) != 0) {
		s->stop = 1;
		return 1;
	}
	while (sigwait(&set, &sig) == 0 && sig == SIGUSR1) {
		if (!held)
			continue;
		held = false;
		log_info("SIGUSR1: traffic starts");
		traffic_go(s);
	}
	log_info("signal %d: stopping", sig);
	s->stop = 1;
	pthread_join(phys, NULL);
	sim_camera_stop(s);
	return 0;
}

int
main(int argc, char **argv)
{
	struct cli c;
	struct sim *s;
	int rc, i;

	log_init("weighgate-sim", 0);
	signal(SIGPIPE, SIG_IGN);
	parse_args(&c, argc, argv);
	log_init("weighgate-sim", c.verbose);
	if (c.mode == MODE_GENERATE)
		return generate_traffic(stdout, c.gen_n, c.seed,
		    c.o.nlanes > 0 ? c.o.nlanes : 1) == 0 ? 0 : 1;
	if (c.mode == MODE_CLIENT)
		return client_main(c.client_op, argc - optind, argv + optind,
		    &c.o);
	if ((s = calloc(1, sizeof(*s))) == NULL)
		fatal("calloc");
	s->o = c.o;
	s->rng = (uint64_t)ts_now_ms() | 1;
	pthread_mutex_init(&s->mu, NULL);
	rc = serve(s);
	sim_camera_stop(s);	/* when serve() failed: after s->stop */
	server_stop(s);
	timeline_close(s);
	for (i = 0; i < s->nlanes; i++)
		simlane_fini(&s->lanes[i]);
	traffic_free(&s->traffic);
	simprof_free(s);
	pthread_mutex_destroy(&s->mu);
	free(s);
	return rc;
}
