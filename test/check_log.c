/* Unit tests of the log lines: "<N>" under journald only, names elsewhere. */
#include <sys/stat.h>
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "weighgate/log.h"

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

static Suite *
log_suite(void)
{
	Suite *s = suite_create("log");
	TCase *tc = tcase_create("prefix");

	tcase_add_test(tc, test_journal_prefix);
	tcase_add_test(tc, test_no_journal);
	tcase_add_test(tc, test_journal_stream_forms);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(log_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
