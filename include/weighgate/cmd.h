/* The subcommands of the `weighgate` tool; each returns the process exit status. */
#ifndef WEIGHGATE_CMD_H
#define WEIGHGATE_CMD_H

#include <stdbool.h>
#include <stdio.h>

/* weighgate lists import|show (src/cmd_lists.c) */
/* An error of a tool command, "PROG: message" on standard error. */
void cmd_warn(const char *prog, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

int cmd_lists(int argc, char **argv);
/* weighgate status, weighgate override (src/cmd_status.c) */
int cmd_status(int argc, char **argv);
int cmd_override(int argc, char **argv);
struct sbuf;
/*
 * POST body to path of the status server that config names (as progname,
 * for the errors): the answer in answer, its HTTP status in *code.
 * Returns 0, or an exit status (the error said).
 */
int cmd_status_post(const char *progname, const char *config, const char *path,
    const char *body, struct sbuf *answer, long *code);
/* Who asks: weighgate override and weighgate ack take the same options. */
struct cmd_who {
	const char *config;		/* -c; the default configuration */
	const char *operator_id;	/* --operator, required */
	const char *reason;		/* --reason, required when asked for */
};
/*
 * Parse -c CONFIG, --operator ID and, when reason, --reason TEXT into w;
 * the operands stay from optind.  1 after usage(stdout) for --help, -1 on
 * an unknown option or a missing or empty value, 0 otherwise.
 */
int cmd_who_args(int argc, char **argv, bool reason, void (*usage)(FILE *),
    struct cmd_who *w);
/* weighgate ack (src/cmd_ack.c) */
int cmd_ack(int argc, char **argv);
/* weighgate replay (src/replay.c) */
int cmd_replay(int argc, char **argv);

#endif
