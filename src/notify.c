/* The sd_notify protocol over $NOTIFY_SOCKET, self-contained (sd_notify(3)). */
/*
 * The socket is made once and connected to the manager's address, so each
 * message is one non-blocking send(2).  A datagram the manager cannot take
 * at once (its queue full) is dropped: the loop never waits for it, and
 * the next STATUS= or WATCHDOG=1 carries on.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "weighgate/log.h"
#include "weighgate/notify.h"

#define NOTIFY_MSG_MAX 4096

struct notify {
	int fd;
};

/* Fill sa from "/path" or "@abstract"; returns the address length or -1. */
static int
notify_addr(const char *s, struct sockaddr_un *sa, socklen_t *len)
{
	size_t n = strlen(s);

	if ((s[0] != '/' && s[0] != '@') || n < 2 || n > sizeof(sa->sun_path))
		return -1;
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	memcpy(sa->sun_path, s, n);
	if (s[0] == '@')
		sa->sun_path[0] = '\0';	/* abstract: no trailing NUL either */
	else if (n == sizeof(sa->sun_path))
		return -1;		/* a path needs its NUL */
	*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n +
	    (s[0] == '/' ? 1 : 0));
	return 0;
}

struct notify *
notify_new(void)
{
	const char *s = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa;
	struct notify *n;
	socklen_t len;

	if (s == NULL || *s == '\0')
		return NULL;
	if (notify_addr(s, &sa, &len) != 0) {
		log_warnx("NOTIFY_SOCKET=%s: not an absolute path or @name; "
		    "no notifications", s);
		return NULL;
	}
	if ((n = calloc(1, sizeof(*n))) == NULL) {
		log_warn("notify");
		return NULL;
	}
	n->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (n->fd == -1 || connect(n->fd, (struct sockaddr *)&sa, len) == -1) {
		log_warn("NOTIFY_SOCKET=%s", s);
		if (n->fd != -1)
			close(n->fd);
		free(n);
		return NULL;
	}
	return n;
}

void
notify_free(struct notify *n)
{
	if (n == NULL)
		return;
	close(n->fd);
	free(n);
}

int
notify_send(struct notify *n, const char *msg)
{
	size_t len = strlen(msg);

	if (n == NULL)
		return 0;
	if (send(n->fd, msg, len, MSG_NOSIGNAL | MSG_DONTWAIT) != (ssize_t)len)
		return -1;
	return 1;
}

int
notify_sendf(struct notify *n, const char *fmt, ...)
{
	char msg[NOTIFY_MSG_MAX];
	va_list ap;
	int len;

	if (n == NULL)
		return 0;
	va_start(ap, fmt);
	len = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (len < 0 || (size_t)len >= sizeof(msg)) {
		errno = EMSGSIZE;
		return -1;
	}
	return notify_send(n, msg);
}

/* A decimal number without sign or junk, > 0; 0 otherwise. */
static uint64_t
parse_u64(const char *s)
{
	unsigned long long v;
	char *end;

	if (s == NULL || *s < '0' || *s > '9')
		return 0;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return 0;
	return (uint64_t)v;
}

uint64_t
notify_watchdog_usec(void)
{
	const char *pid = getenv("WATCHDOG_PID");
	uint64_t usec = parse_u64(getenv("WATCHDOG_USEC"));

	if (usec == 0)
		return 0;
	if (pid != NULL && parse_u64(pid) != (uint64_t)getpid())
		return 0;
	return usec;
}
