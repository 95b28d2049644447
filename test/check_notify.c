/* Unit tests of the sd_notify sender (notify.c, sd_notify(3), sd_watchdog_enabled(3)). */
#include <check.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "weighgate/notify.h"

#include "check_util.h"

/* A datagram socket bound to name ("@x": abstract), 2 s receive timeout. */
static int
listener(const char *name)
{
	struct sockaddr_un sa;
	struct timeval tv = { 2, 0 };
	socklen_t len;
	size_t n = strlen(name);
	int fd;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, name, n);
	if (name[0] == '@') {
		sa.sun_path[0] = '\0';
		len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
	} else {
		unlink(name);
		len = (socklen_t)sizeof(sa);
	}
	fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, len), 0);
	ck_assert_int_eq(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
	return fd;
}

static void
expect(int fd, const char *want)
{
	char buf[4096];
	ssize_t n = recv(fd, buf, sizeof(buf) - 1, 0);

	ck_assert_int_gt(n, 0);
	buf[n] = '\0';
	ck_assert_str_eq(buf, want);
}

START_TEST(unset_is_a_noop)
{
	unsetenv("NOTIFY_SOCKET");
	ck_assert_ptr_null(notify_new());
	setenv("NOTIFY_SOCKET", "", 1);
	ck_assert_ptr_null(notify_new());
	ck_assert_int_eq(notify_send(NULL, "READY=1"), 0);
	ck_assert_int_eq(notify_sendf(NULL, "STATUS=%d", 1), 0);
	notify_free(NULL);
}
END_TEST

START_TEST(bad_values_are_ignored)
{
	char longname[200];

	setenv("NOTIFY_SOCKET", "relative/path", 1);
	ck_assert_ptr_null(notify_new());
	setenv("NOTIFY_SOCKET", "@", 1);
	ck_assert_ptr_null(notify_new());
	memset(longname, 'a', sizeof(longname) - 1);
	longname[0] = '/';
	longname[sizeof(longname) - 1] = '\0';
	setenv("NOTIFY_SOCKET", longname, 1);
	ck_assert_ptr_null(notify_new());
	/* nobody listening there: refused at once, not a crash */
	setenv("NOTIFY_SOCKET", "/nonexistent/weighgate-notify", 1);
	ck_assert_ptr_null(notify_new());
}
END_TEST

START_TEST(path_socket)
{
	char path[64];
	struct notify *n;
	int fd;

	snprintf(path, sizeof(path), "/tmp/check_notify.%d", (int)getpid());
	fd = listener(path);
	setenv("NOTIFY_SOCKET", path, 1);
	ck_assert_ptr_nonnull(n = notify_new());
	ck_assert_int_eq(notify_send(n, "READY=1"), 1);
	expect(fd, "READY=1");
	ck_assert_int_eq(notify_sendf(n, "STATUS=%s; backlog %d", "L01 IDLE", 3), 1);
	expect(fd, "STATUS=L01 IDLE; backlog 3");
	ck_assert_int_eq(notify_send(n, "RELOADING=1\nMONOTONIC_USEC=5"), 1);
	expect(fd, "RELOADING=1\nMONOTONIC_USEC=5");
	/* the manager goes away: an error, never a signal or a crash */
	close(fd);
	unlink(path);
	ck_assert_int_eq(notify_send(n, "WATCHDOG=1"), -1);
	notify_free(n);
}
END_TEST

START_TEST(abstract_socket)
{
	char name[64];
	struct notify *n;
	int fd;

	snprintf(name, sizeof(name), "@weighgate-check-notify-%d", (int)getpid());
	fd = listener(name);
	setenv("NOTIFY_SOCKET", name, 1);
	ck_assert_ptr_nonnull(n = notify_new());
	ck_assert_int_eq(notify_send(n, "WATCHDOG=1"), 1);
	expect(fd, "WATCHDOG=1");
	ck_assert_int_eq(notify_send(n, "STOPPING=1"), 1);
	expect(fd, "STOPPING=1");
	notify_free(n);
	close(fd);
}
END_TEST

START_TEST(too_long_is_refused)
{
	char path[64], big[5000];
	struct notify *n;
	int fd;

	snprintf(path, sizeof(path), "/tmp/check_notify_long.%d", (int)getpid());
	fd = listener(path);
	setenv("NOTIFY_SOCKET", path, 1);
	ck_assert_ptr_nonnull(n = notify_new());
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ck_assert_int_eq(notify_sendf(n, "STATUS=%s", big), -1);
	ck_assert_int_eq(errno, EMSGSIZE);
	notify_free(n);
	close(fd);
	unlink(path);
}
END_TEST

START_TEST(watchdog_semantics)
{
	char pid[32];

	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
	ck_assert_uint_eq(notify_watchdog_usec(), 0);
	setenv("WATCHDOG_USEC", "1000000", 1);
	ck_assert_uint_eq(notify_watchdog_usec(), 1000000);
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	setenv("WATCHDOG_PID", pid, 1);
	ck_assert_uint_eq(notify_watchdog_usec(), 1000000);
	snprintf(pid, sizeof(pid), "%d", (int)getpid() + 1);
	setenv("WATCHDOG_PID", pid, 1);
	ck_assert_uint_eq(notify_watchdog_usec(), 0);	/* another process's */
	unsetenv("WATCHDOG_PID");
	setenv("WATCHDOG_USEC", "0", 1);
	ck_assert_uint_eq(notify_watchdog_usec(), 0);
	setenv("WATCHDOG_USEC", "12x", 1);
	ck_assert_uint_eq(notify_watchdog_usec(), 0);
	setenv("WATCHDOG_USEC", "-5", 1);
	ck_assert_uint_eq(notify_watchdog_usec(), 0);
	setenv("WATCHDOG_USEC", "", 1);
	ck_assert_uint_eq(notify_watchdog_usec(), 0);
}
END_TEST

CU_SUITE("notify")
{
	cu_tcase(s, "core", 0, NULL, NULL, unset_is_a_noop,
	    bad_values_are_ignored, path_socket, abstract_socket,
	    too_long_is_refused, watchdog_semantics);
}
