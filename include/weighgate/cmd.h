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
/* weighgate replay (src/replay.c) */
int cmd_replay(int argc, char **argv);

#endif
