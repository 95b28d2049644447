/* weighgate: the operator's and analyst's tool (replay, lists, status, override, ack). */
#include <stdio.h>
#include <string.h>

#include "weighgate/cmd.h"
#include "weighgate/log.h"
#include "weighgate/version.h"

struct subcommand {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
};

static const struct subcommand subcommands[] = {
	{ "replay", cmd_replay, "run recorded weighings through the decision rules" },
	{ "lists", cmd_lists, "import or show the watch, exempt and permit lists" },
	{ "status", cmd_status, "show the running daemon's lanes and sync" },
	{ "override", cmd_override, "let a refused vehicle through (staff)" },
	{ "ack", cmd_ack, "acknowledge the station board's alarms (staff)" },
};

static void
usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: weighgate COMMAND [ARGS]\n"
	    "       weighgate --help | --version\n\ncommands:\n");
	for (i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++)
		fprintf(f, "  %-8s %s\n", subcommands[i].name, subcommands[i].summary);
	fprintf(f, "\n'weighgate COMMAND --help' for a command's options.\n");
}

int
main(int argc, char **argv)
{
	size_t i;

	log_init("weighgate", 0);
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("weighgate %s\n", WEIGHGATE_VERSION);
		return 0;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(stdout);
		return 0;
	}
	for (i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++)
		if (strcmp(argv[1], subcommands[i].name) == 0)
			return subcommands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "weighgate: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
