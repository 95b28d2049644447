/* Unit tests of log.c: the rate limit, and libevent's own log through it. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "weighgate/log.h"

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

	log_init("t", 0);
	log_route_libevent();
	for (i = 0; i < 2000; i++)
		libevent_warns();
	/* once, the rest suppressed within the 10 s window */
	ck_assert_int_eq(lines_with(f, "libevent: "), 1);
	ck_assert_int_eq(lines_with(f, "<4>t: libevent: "), 1);
	ck_assert_int_eq(lines_with(f, "no event mechanism"), 1);
	fclose(f);
}
END_TEST

START_TEST(test_limited_summary)
{
	FILE *f = capture_stderr();
	struct log_limit ll = { 0, 0, 0 };
	int i;

	log_init("t", 0);
	for (i = 0; i < 500; i++)
		log_limited(&ll, 1000 + i, "device silent");
	ck_assert_int_eq(lines_with(f, "device silent"), 1);
	log_limited(&ll, 12000, "device silent");
	ck_assert_int_eq(lines_with(f, "repeated 499 times"), 1);
	fclose(f);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("log");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_libevent_rate_limited);
	tcase_add_test(tc, test_limited_summary);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *r = srunner_create(suite());
	int failed;

	srunner_run_all(r, CK_NORMAL);
	failed = srunner_ntests_failed(r);
	srunner_free(r);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
