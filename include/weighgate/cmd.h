/* The subcommands of the `weighgate` tool; each returns the process exit status. */
#ifndef WEIGHGATE_CMD_H
#define WEIGHGATE_CMD_H

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
/* weighgate ack (src/cmd_ack.c) */
int cmd_ack(int argc, char **argv);
/* weighgate replay (src/replay.c) */
int cmd_replay(int argc, char **argv);

#endif
