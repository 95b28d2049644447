/* Logging to standard error: "<N>" priority prefixes under journald only. */
#ifndef WEIGHGATE_LOG_H
#define WEIGHGATE_LOG_H

#include <stdint.h>

enum log_level { LOG_LVL_ERR = 3, LOG_LVL_WARN = 4, LOG_LVL_INFO = 6, LOG_LVL_DEBUG = 7 };

void log_init(const char *progname, int verbose);
/* Standard error is the journal: JOURNAL_STREAM names its device and inode. */
int log_stderr_is_journal(void);
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* An error the program goes on after (<3>), e.g. a configuration refused. */
void log_errx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void fatalx(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/*
 * A repeating error: logged the first time, then counted and summarised at
 * most every 10 s ("... (repeated 512 times in 10 s)").  One per source.
 */
struct log_limit {
	int64_t window_start_ms;
	uint64_t suppressed;
	int active;
};
void log_limited(struct log_limit *ll, int64_t now_ms, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The error has stopped: log the summary of what was suppressed, if any. */
void log_limited_end(struct log_limit *ll, const char *what);

/*
 * libevent's own log through this log: its warnings and errors share one
 * rate limit (log_limited), its debug lines need -v.  Call before the
 * event loop is made.
 */
void log_route_libevent(void);

#endif
