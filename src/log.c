/* Logging to standard error with syslog priority prefixes for journald. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "weighgate/log.h"

static const char *log_prog = "weighgate";
static int log_verbose;

void
log_init(const char *progname, int verbose)
{
	log_prog = progname;
	log_verbose = verbose;
}

static void __attribute__((format(printf, 3, 0)))
vlog(enum log_level lvl, const char *err, const char *fmt, va_list ap)
{
	char msg[2048];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (err != NULL)
		fprintf(stderr, "<%d>%s: %s: %s\n", (int)lvl, log_prog, msg, err);
	else
		fprintf(stderr, "<%d>%s: %s\n", (int)lvl, log_prog, msg);
}

void
log_warn(const char *fmt, ...)
{
	const char *e = strerror(errno);
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_LVL_WARN, e, fmt, ap);
	va_end(ap);
}

void
log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_LVL_WARN, NULL, fmt, ap);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_LVL_INFO, NULL, fmt, ap);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list ap;

	if (!log_verbose)
		return;
	va_start(ap, fmt);
	vlog(LOG_LVL_DEBUG, NULL, fmt, ap);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	const char *e = strerror(errno);
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_LVL_ERR, e, fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_LVL_ERR, NULL, fmt, ap);
	va_end(ap);
	exit(1);
}

#define LOG_LIMIT_WINDOW_MS 10000

void
log_limited(struct log_limit *ll, int64_t now_ms, const char *fmt, ...)
{
	va_list ap;

	if (ll->active && now_ms - ll->window_start_ms < LOG_LIMIT_WINDOW_MS) {
		ll->suppressed++;
		return;
	}
	va_start(ap, fmt);
	if (ll->active && ll->suppressed > 0) {
		char msg[2048];

		vsnprintf(msg, sizeof(msg), fmt, ap);
		log_warnx("%s (repeated %llu times in the last %lld s)", msg,
		    (unsigned long long)ll->suppressed,
		    (long long)((now_ms - ll->window_start_ms) / 1000));
	} else
		vlog(LOG_LVL_WARN, NULL, fmt, ap);
	va_end(ap);
	ll->active = 1;
	ll->suppressed = 0;
	ll->window_start_ms = now_ms;
}

void
log_limited_end(struct log_limit *ll, const char *what)
{
	if (ll->active && ll->suppressed > 0)
		log_warnx("%s: %llu more like it before it cleared", what,
		    (unsigned long long)ll->suppressed);
	ll->active = 0;
	ll->suppressed = 0;
}
