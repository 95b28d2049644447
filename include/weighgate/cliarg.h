/*
 * The option arguments the command-line programs (weighgate-sim,
 * weighgate-platform) take the same way.
 */
#ifndef WEIGHGATE_CLIARG_H
#define WEIGHGATE_CLIARG_H

/* The exit status of a bad command line, as the programs use it. */
#define CLIARG_EX_USAGE	2

/*
 * The number s given to option opt (as the user wrote it, "--seed"), in
 * [min, max]; otherwise "OPT S: not a number in MIN..MAX" logged and
 * exit(CLIARG_EX_USAGE).
 */
double cliarg_num(const char *opt, const char *s, double min, double max);

#endif
