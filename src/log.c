/*
 * Logging to standard error.  Under journald (standard error is the stream
 * JOURNAL_STREAM names) each line carries its syslog priority as "<N>" and
 * no program name, which the journal records itself; anywhere else, a
 * terminal, a file or a pipe, each line begins "PROGRAM: " and carries no
 * priority prefix.
 */
#include <sys/stat.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "weighgate/log.h"
#include "weighgate/timefmt.h"

static const char *log_prog = "weighgate";
static int log_verbose;
static int log_journal;		/* standard error is the journal */

/*
 * JOURNAL_STREAM is "DEVICE:INODE" of the stream systemd connected to
 * standard error; it is inherited, so it counts only when it still names
 * the standard error this process has.
 */
int
log_stderr_is_journal(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;
	char tail;

	if (js == NULL || sscanf(js, "%llu:%llu%c", &dev, &ino, &tail) != 2)
		return 0;
	if (fstat(STDERR_FILENO, &st) != 0)
		return 0;
	return (unsigned long long)st.st_dev == dev &&
	    (unsigned long long)st.st_ino == ino;
}

void
log_init(const char *progname, int verbose)
{
	log_prog = progname;
	log_verbose = verbose;
	log_journal = log_stderr_is_journal();
}

/* "<N>" under journald, "PROGRAM: " anywhere else. */
static size_t
line_prefix(char *buf, size_t len, enum log_level lvl)
{
	int n = log_journal ? snprintf(buf, len, "<%d>", (int)lvl) :
	    snprintf(buf, len, "%s: ", log_prog);

	if (n < 0)
		return 0;
	return (size_t)n >= len ? len - 1 : (size_t)n;
}

/*
 * Every line of a message gets the priority prefix (a message with a
 * newline in it would otherwise leave journald a line without a level),
 * and the whole message goes out in one write, so lines of the I/O threads
 * and of the loop never interleave.
 */
static void __attribute__((format(printf, 3, 0)))
vlog(enum log_level lvl, const char *err, const char *fmt, va_list ap)
{
	char msg[2048], out[4096], prefix[64];
	size_t o = 0, plen;
	const char *p, *nl;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	plen = line_prefix(prefix, sizeof(prefix), lvl);
	for (p = msg;; p = nl + 1) {
		size_t n;

		nl = strchr(p, '\n');
		n = nl != NULL ? (size_t)(nl - p) : strlen(p);
		if (o + plen + n + 2 > sizeof(out))
			break;
		memcpy(out + o, prefix, plen);
		memcpy(out + o + plen, p, n);
		o += plen + n;
		if (nl == NULL || nl[1] == '\0')
			break;
		out[o++] = '\n';
	}
	if (err != NULL)
		o += (size_t)snprintf(out + o, sizeof(out) - o, ": %s", err);
	if (o >= sizeof(out) - 1)
		o = sizeof(out) - 2;
	out[o++] = '\n';
	fwrite(out, 1, o, stderr);
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
log_errx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_LVL_ERR, NULL, fmt, ap);
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

/*
 * libevent's own messages ("Error from accept() call: ..." and the like)
 * come here instead of going to standard error unlimited: warnings and
 * errors through one rate limit, debug messages only with -v.  libevent
 * gives the callback no argument, so its state is this file's; any thread
 * may log through libevent, hence the lock.
 */
static pthread_mutex_t libevent_lock = PTHREAD_MUTEX_INITIALIZER;
static struct log_limit libevent_limit;

static void
on_libevent_log(int severity, const char *msg)
{
	if (severity == EVENT_LOG_DEBUG) {
		log_debug("libevent: %s", msg);
		return;
	}
	pthread_mutex_lock(&libevent_lock);
	log_limited(&libevent_limit, ts_mono_ms(), "libevent: %s", msg);
	pthread_mutex_unlock(&libevent_lock);
}

void
log_route_libevent(void)
{
	event_set_log_callback(on_libevent_log);
}
