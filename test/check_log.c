/*
 * Unit tests of log.c: "<N>" under journald only, names elsewhere; the rate
 * limit, and libevent's own log through it.
 */
#include <sys/stat.h>
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "weighgate/log.h"

#include "check_util.h"

static char out[4096];

/*
 * Log one warning and one two-line info message with standard error sent
 * to a fresh file; journal: JOURNAL_STREAM names that file (1), another
 * file (2), or is unset (0).  out gets what was written.
 */
static void
log_to_file(int journal)
{
	char path[] = "/tmp/check_log.XXXXXX", js[64];
	int fd = mkstemp(path), saved = dup(STDERR_FILENO);
	struct stat st;
	ssize_t n;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(fstat(fd, &st), 0);
	snprintf(js, sizeof(js), "%llu:%llu", (unsigned long long)st.st_dev,
	    (unsigned long long)st.st_ino + (journal == 2));
	if (journal)
		setenv("JOURNAL_STREAM", js, 1);
	else
		unsetenv("JOURNAL_STREAM");
	fflush(stderr);
	dup2(fd, STDERR_FILENO);
	log_init("weighgated", 0);
	log_warnx("lane %s: scale silent", "L01");
	log_info("first\nsecond");
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	n = pread(fd, out, sizeof(out) - 1, 0);
	ck_assert_int_ge(n, 0);
	out[n] = '\0';
	close(fd);
	unlink(path);
}

START_TEST(test_journal_prefix)
{
	log_to_file(1);
	ck_assert_str_eq(out, "<4>lane L01: scale silent\n<6>first\n<6>second\n");
}
END_TEST

START_TEST(test_no_journal)
{
	log_to_file(0);
	ck_assert_str_eq(out, "weighgated: lane L01: scale silent\n"
	    "weighgated: first\nweighgated: second\n");
	/* a JOURNAL_STREAM inherited by a process whose stderr moved on */
	log_to_file(2);
	ck_assert_str_eq(out, "weighgated: lane L01: scale silent\n"
	    "weighgated: first\nweighgated: second\n");
}
END_TEST

START_TEST(test_journal_stream_forms)
{
	setenv("JOURNAL_STREAM", "garbage", 1);
	ck_assert_int_eq(log_stderr_is_journal(), 0);
	setenv("JOURNAL_STREAM", "1:2x", 1);
	ck_assert_int_eq(log_stderr_is_journal(), 0);
	setenv("JOURNAL_STREAM", "", 1);
	ck_assert_int_eq(log_stderr_is_journal(), 0);
	unsetenv("JOURNAL_STREAM");
	ck_assert_int_eq(log_stderr_is_journal(), 0);
}
END_TEST

/* Standard error into a temporary file for the test's lifetime (fork mode). */
static FILE *
capture_stderr(void)
{
	FILE *f = tmpfile();

	ck_assert_ptr_nonnull(f);
	fflush(stderr);
	ck_assert_int_ne(dup2(fileno(f), STDERR_FILENO), -1);
	return f;
}

/* The lines written so far that contain needle. */
static int
lines_with(FILE *f, const char *needle)
{
	char line[4096];
	int n = 0;

	fflush(stderr);
	rewind(f);
	while (fgets(line, sizeof(line), f) != NULL)
		n += strstr(line, needle) != NULL;
	return n;
}

/* An event loop without any backend: libevent warns once per attempt. */
static void
libevent_warns(void)
{
	struct event_config *c = event_config_new();
	struct event_base *b;

	ck_assert_ptr_nonnull(c);
	event_config_avoid_method(c, "epoll");
	event_config_avoid_method(c, "poll");
	event_config_avoid_method(c, "select");
	b = event_base_new_with_config(c);
	ck_assert_ptr_null(b);
	event_config_free(c);
}

START_TEST(test_libevent_rate_limited)
{
	FILE *f = capture_stderr();
	int i;

	unsetenv("JOURNAL_STREAM");
	log_init("t", 0);
	log_route_libevent();
	for (i = 0; i < 2000; i++)
		libevent_warns();
	/* once, the rest suppressed within the 10 s window */
	ck_assert_int_eq(lines_with(f, "libevent: "), 1);
	ck_assert_int_eq(lines_with(f, "t: libevent: "), 1);
	ck_assert_int_eq(lines_with(f, "no event mechanism"), 1);
	fclose(f);
}
END_TEST

START_TEST(test_limited_summary)
{
	FILE *f = capture_stderr();
	struct log_limit ll = { 0, 0, 0 };
	int i;

	unsetenv("JOURNAL_STREAM");
	log_init("t", 0);
	for (i = 0; i < 500; i++)
		log_limited(&ll, 1000 + i, "device silent");
	ck_assert_int_eq(lines_with(f, "device silent"), 1);
	log_limited(&ll, 12000, "device silent");
	ck_assert_int_eq(lines_with(f, "repeated 499 times"), 1);
	fclose(f);
}
END_TEST

CU_SUITE("log")
{
	cu_tcase(s, "prefix", 0, NULL, NULL, test_journal_prefix,
	    test_no_journal, test_journal_stream_forms);
	cu_tcase(s, "limits", 0, NULL, NULL, test_libevent_rate_limited,
	    test_limited_summary);
}
