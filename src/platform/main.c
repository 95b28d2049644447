/*
 * weighgate-platform: the reference receiver of the sync protocol
 * (docs/design.md §7): `weighgate-platform --listen ... --db FILE` serves HTTPS,
 * `weighgate-platform report DB` prints what a database holds.  The
 * protocol and every switch are described in docs/sync-protocol.md.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "weighgate/cliarg.h"
#include "weighgate/log.h"
#include "weighgate/version.h"

#include "platform.h"

#define EX_USAGE	2

/* The synopsis: on standard output for --help (exit 0), else on stderr. */
static void __attribute__((noreturn))
usage_to(FILE *f, int status)
{
	fprintf(f,
	    "usage: weighgate-platform --listen HOST:PORT --cert FILE --key FILE\n"
	    "           --db FILE [--client-ca FILE] [--token-file FILE]\n"
	    "           [--lists FILE] [--batch-max N] [--max-body BYTES]\n"
	    "           [--fail-rate P] [--fail-status CODE] [--retry-after S]\n"
	    "           [--delay-ms MS] [--down-after N --down-for-ms MS]\n"
	    "           [--down-at-start-ms MS] [--garbage-rate P]\n"
	    "           [--reject-kind KIND] [--seed S] [--date-offset SECONDS]\n"
	    "           [-v]\n"
	    "       weighgate-platform report DB\n"
	    "       weighgate-platform --help | --version\n");
	if (f == stdout)
		fprintf(f, "\nThe reference receiver of the sync protocol: an HTTPS "
		    "server that stores\nevents, verifies their hash chain and "
		    "serves lists.  See weighgate-platform(1)\nand "
		    "docs/sync-protocol.md.\n");
	exit(status);
}

static void __attribute__((noreturn))
usage(void)
{
	usage_to(stderr, EX_USAGE);
}

/* HOST:PORT (IPv4 literal or name, port 0 = kernel chooses). */
static void
listen_arg(struct popts *o, const char *s)
{
	const char *colon = strrchr(s, ':');
	size_t n;

	if (colon == NULL || (n = (size_t)(colon - s)) == 0 ||
	    n >= sizeof(o->host)) {
		log_warnx("--listen %s: HOST:PORT expected", s);
		exit(EX_USAGE);
	}
	memcpy(o->host, s, n);
	o->host[n] = '\0';
	o->port = (int)cliarg_num("--listen", colon + 1, 0, 65535);
}

enum {
	O_LISTEN = 256, O_CERT, O_KEY, O_DB, O_CLIENT_CA, O_TOKEN, O_LISTS,
	O_BATCH_MAX, O_MAX_BODY, O_FAIL_RATE, O_FAIL_STATUS, O_RETRY_AFTER,
	O_DELAY, O_DOWN_AFTER, O_DOWN_FOR, O_DOWN_START, O_GARBAGE,
	O_REJECT_KIND, O_SEED, O_VERSION, O_HELP, O_DATE_OFFSET
};

static const struct option longopts[] = {
	{ "listen", required_argument, NULL, O_LISTEN },
	{ "cert", required_argument, NULL, O_CERT },
	{ "key", required_argument, NULL, O_KEY },
	{ "db", required_argument, NULL, O_DB },
	{ "client-ca", required_argument, NULL, O_CLIENT_CA },
	{ "token-file", required_argument, NULL, O_TOKEN },
	{ "lists", required_argument, NULL, O_LISTS },
	{ "batch-max", required_argument, NULL, O_BATCH_MAX },
	{ "max-body", required_argument, NULL, O_MAX_BODY },
	{ "fail-rate", required_argument, NULL, O_FAIL_RATE },
	{ "fail-status", required_argument, NULL, O_FAIL_STATUS },
	{ "retry-after", required_argument, NULL, O_RETRY_AFTER },
	{ "delay-ms", required_argument, NULL, O_DELAY },
	{ "down-after", required_argument, NULL, O_DOWN_AFTER },
	{ "down-for-ms", required_argument, NULL, O_DOWN_FOR },
	{ "down-at-start-ms", required_argument, NULL, O_DOWN_START },
	{ "garbage-rate", required_argument, NULL, O_GARBAGE },
	{ "reject-kind", required_argument, NULL, O_REJECT_KIND },
	{ "seed", required_argument, NULL, O_SEED },
	{ "date-offset", required_argument, NULL, O_DATE_OFFSET },
	{ "version", no_argument, NULL, O_VERSION },
	{ "help", no_argument, NULL, O_HELP },
	{ "verbose", no_argument, NULL, 'v' },
	{ NULL, 0, NULL, 0 }
};

/* One option into o. */
static void
set_opt(struct popts *o, int c, const char *a)
{
	switch (c) {
	case O_LISTEN: listen_arg(o, a); break;
	case O_CERT: o->cert = a; break;
	case O_KEY: o->key = a; break;
	case O_DB: o->db = a; break;
	case O_CLIENT_CA: o->client_ca = a; break;
	case O_TOKEN: o->token_file = a; break;
	case O_LISTS: o->lists = a; break;
	case O_BATCH_MAX:
		o->batch_max = (size_t)cliarg_num("--batch-max", a, 1, 1e6);
		break;
	case O_MAX_BODY:
		o->max_body = (size_t)cliarg_num("--max-body", a, 1024, 1 << 30);
		break;
	case O_FAIL_RATE: o->fail_rate = cliarg_num("--fail-rate", a, 0, 1); break;
	case O_FAIL_STATUS:
		o->fail_status = (int)cliarg_num("--fail-status", a, 400, 599);
		break;
	case O_RETRY_AFTER:
		o->retry_after_s = (int)cliarg_num("--retry-after", a, 0, 86400);
		break;
	case O_DELAY: o->delay_ms = (int)cliarg_num("--delay-ms", a, 0, 600000); break;
	case O_DOWN_AFTER:
		o->down_after = (long)cliarg_num("--down-after", a, 0, 1e9);
		break;
	case O_DOWN_FOR:
		o->down_for_ms = (int)cliarg_num("--down-for-ms", a, 1, 86400000);
		break;
	case O_DOWN_START:
		o->down_at_start_ms = (int)cliarg_num("--down-at-start-ms", a, 0,
		    86400000);
		break;
	case O_GARBAGE:
		o->garbage_rate = cliarg_num("--garbage-rate", a, 0, 1);
		break;
	case O_REJECT_KIND: o->reject_kind = a; break;
	case O_SEED: o->seed = (uint64_t)cliarg_num("--seed", a, 0, 1e15); break;
	case O_DATE_OFFSET:	/* a wrong clock on the platform's side */
		o->date_offset_s = (int64_t)cliarg_num("--date-offset", a, -3.2e9,
		    3.2e9);
		break;
	case O_VERSION: printf("weighgate-platform %s\n", WEIGHGATE_VERSION);
		exit(0);
	case O_HELP: usage_to(stdout, 0);
	case 'v': o->verbose = 1; break;
	default: usage();
	}
}

/* Parse the server's command line; usage on anything missing or odd. */
static void
parse_args(struct popts *o, int argc, char **argv)
{
	int c;

	memset(o, 0, sizeof(*o));
	o->fail_status = 503;
	o->retry_after_s = -1;
	o->down_after = -1;
	o->seed = 1;
	o->max_body = PLAT_MAX_BODY_DEFAULT;
	o->batch_max = PLAT_BATCH_MAX_DEFAULT;
	while ((c = getopt_long(argc, argv, "v", longopts, NULL)) != -1)
		set_opt(o, c, optarg);
	if (optind != argc || o->host[0] == '\0' || o->cert == NULL ||
	    o->key == NULL || o->db == NULL) {
		log_warnx("--listen, --cert, --key and --db are required");
		usage();
	}
	if ((o->down_after >= 0) != (o->down_for_ms > 0)) {
		log_warnx("--down-after and --down-for-ms go together");
		usage();
	}
}

int
main(int argc, char **argv)
{
	struct popts o;

	log_init("weighgate-platform", 0);
	if (argc == 3 && strcmp(argv[1], "report") == 0)
		return pdb_report(argv[2], stdout);
	if (argc >= 2 && strcmp(argv[1], "report") == 0)
		usage();
	parse_args(&o, argc, argv);
	log_init("weighgate-platform", o.verbose);
	return plat_serve(&o);
}
