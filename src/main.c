/* weighgated: the lane controller daemon (wiring only). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "weighgate/config.h"
#include "weighgate/daemon.h"
#include "weighgate/log.h"
#include "weighgate/version.h"

static void
usage(FILE *f)
{
	fprintf(f, "usage: weighgated -c FILE [--check] [-v]\n"
	    "       weighgated --help | --version\n");
	if (f == stdout)
		fprintf(f, "\nThe lane controller daemon: reads the entrance "
		    "scale, decides pass or\nturn back, drives the barrier "
		    "and the LED sign, records every decision\nand syncs the "
		    "records to the platform.  Runs in the foreground.\n\n"
		    "  -c, --config FILE  the configuration "
		    "(weighgate.conf(5))\n"
		    "  -n, --check        check the configuration and the "
		    "files it names, exit\n"
		    "                     0 or 78\n"
		    "  -v, --verbose      log debugging messages too\n"
		    "      --help         this text\n"
		    "      --version      the version\n\n"
		    "See weighgated(8) and docs/design.md.\n");
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check", no_argument, NULL, 'n' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	static struct config cfg;
	const char *path = NULL;
	char err[1024];
	int ch, check = 0, verbose = 0;

	while ((ch = getopt_long(argc, argv, "c:nvh", opts, NULL)) != -1) {
		switch (ch) {
		case 'c': path = optarg; break;
		case 'n': check = 1; break;
		case 'v': verbose = 1; break;
		case 'V': printf("weighgated %s\n", WEIGHGATE_VERSION); return 0;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (path == NULL || optind != argc) {
		usage(stderr);
		return 2;
	}
	log_init("weighgated", verbose);
	if (cfg_load(path, check ? CFG_CHECK : CFG_DAEMON, &cfg, err,
	    sizeof(err)) != 0) {
		if (check)
			fprintf(stderr, "%s\n", err);
		else
			log_errx("%s", err);	/* journald keeps it as an error */
		return CFG_EX_CONFIG;
	}
	if (check) {
		printf("%s: configuration OK (%d lane%s)\n", path, cfg.n_lanes,
		    cfg.n_lanes == 1 ? "" : "s");
		return 0;
	}
	return daemon_run(&cfg);
}
