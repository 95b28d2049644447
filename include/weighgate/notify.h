/*
 * The service manager's notification protocol (sd_notify(3)), without
 * libsystemd: one datagram of "KEY=VALUE\n..." to the AF_UNIX socket named
 * by $NOTIFY_SOCKET (a path, or "@name" for the abstract namespace).  The
 * protocol is documented as stable; systemd 252 speaks it with Type=notify.
 * Nothing is sent when the variable is unset.
 */
#ifndef WEIGHGATE_NOTIFY_H
#define WEIGHGATE_NOTIFY_H

#include <stdbool.h>
#include <stdint.h>

struct notify;

/*
 * A sender for $NOTIFY_SOCKET, or NULL when it is unset or empty (nothing
 * to do: every other function takes NULL and does nothing).  A value that
 * is not an absolute path or an "@" name is logged and ignored (NULL).
 */
struct notify *notify_new(void);
void notify_free(struct notify *n);

/*
 * Send one message ("READY=1", "STATUS=...", several lines joined by '\n').
 * Never blocks: a manager that does not take it loses it.  Returns 1 when
 * sent, 0 with no sender, -1 (errno) when it could not be sent.
 */
int notify_send(struct notify *n, const char *msg);
int notify_sendf(struct notify *n, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * sd_watchdog_enabled(3): the watchdog interval in microseconds from
 * $WATCHDOG_USEC when it is a positive number and $WATCHDOG_PID is unset
 * or this process; 0 otherwise (no watchdog for this process).
 */
uint64_t notify_watchdog_usec(void);

#endif
