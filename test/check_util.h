/*
 * Helpers shared by the Check unit suites test/check_*.c (test/README.md):
 * the suite's main(), a scratch directory, a configuration written and
 * loaded, a time in milliseconds and a weighed truck.
 *
 * Everything here is static inline: a suite includes this header, uses
 * what it needs and ends with CU_SUITE("its name") { its test cases }
 * (or CU_MAIN(its_suite_fn)).
 */
#ifndef WEIGHGATE_CHECK_UTIL_H
#define WEIGHGATE_CHECK_UTIL_H

#include <check.h>
#include <errno.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "weighgate/config.h"
#include "weighgate/measurement.h"
#include "weighgate/timefmt.h"

/*
 * cu_run(suite): run every test of the suite and return main()'s exit
 * status: EXIT_SUCCESS when none failed.  Check forks a process for each
 * test unless CK_FORK=no is set in the environment (for a debugger); it
 * prints "N%: Checks: X, Failures: F, Errors: E" and each failure with its
 * file and line.  CK_RUN_SUITE, CK_RUN_CASE, CK_INCLUDE_TAGS and
 * CK_VERBOSITY work as Check documents them.
 */
static inline int
cu_run(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

/* CU_MAIN(suite_fn): the suite's main(), running the Suite *suite_fn(void). */
#define CU_MAIN(suite_fn)						\
	int								\
	main(void)							\
	{								\
		return cu_run(suite_fn());				\
	}

/*
 * CU_SUITE("name") { cu_tcase(s, ...); ... }: the suite's main() as
 * CU_MAIN's, for a suite of that name whose test cases the block that
 * follows adds to s (the suite).
 */
#define CU_SUITE(name)							\
	static void cu_suite_cases(Suite *s);				\
	int								\
	main(void)							\
	{								\
		Suite *s = suite_create(name);				\
									\
		cu_suite_cases(s);					\
		return cu_run(s);					\
	}								\
	static void							\
	cu_suite_cases(Suite *s)

/*
 * cu_tcase_new(s, "name", timeout_s, setup, teardown): a test case added
 * to suite s.  A timeout of 0 keeps Check's default (4 s, or
 * CK_DEFAULT_TIMEOUT); setup and teardown, when not NULL, are a checked
 * fixture: they run in each test's own process, around it.
 */
static inline TCase *
cu_tcase_new(Suite *s, const char *name, double timeout_s, SFun setup,
    SFun teardown)
{
	TCase *tc = tcase_create(name);

	if (timeout_s > 0)
		tcase_set_timeout(tc, timeout_s);
	if (setup != NULL || teardown != NULL)
		tcase_add_checked_fixture(tc, setup, teardown);
	suite_add_tcase(s, tc);
	return tc;
}

static inline TCase *
cu_tests_add(TCase *tc, const TTest *const *tests)
{
	for (; *tests != NULL; tests++)
		tcase_add_test(tc, *tests);
	return tc;
}

/* cu_tests(tc, test, ...): add those tests (START_TEST names), in that order. */
#define cu_tests(tc, ...)						\
	cu_tests_add((tc), (const TTest *const[]){ __VA_ARGS__, NULL })

/*
 * cu_tcase(s, "name", timeout_s, setup, teardown, test, ...): the test
 * case of cu_tcase_new() with those tests, run in that order.
 */
#define cu_tcase(s, name, timeout_s, setup, teardown, ...)		\
	cu_tests(cu_tcase_new((s), (name), (timeout_s), (setup),	\
	    (teardown)), __VA_ARGS__)

/* --- scratch files ------------------------------------------------------ */

/*
 * cu_mkdtemp(dir, len): make a fresh, empty directory
 * $TMPDIR/PROGRAM.XXXXXX (TMPDIR defaults to /tmp; PROGRAM is the suite's
 * name, check_store say) and leave its path in dir; the test fails when it
 * cannot.  Pair it with cu_rmtree(), as a checked fixture's setup and
 * teardown do.
 */
static inline void
cu_mkdtemp(char *dir, size_t len)
{
	const char *tmp = getenv("TMPDIR");
	int n;

	n = snprintf(dir, len, "%s/%s.XXXXXX",
	    tmp != NULL && *tmp != '\0' ? tmp : "/tmp",
	    program_invocation_short_name);
	ck_assert_msg(n > 0 && (size_t)n < len, "scratch directory name too long");
	ck_assert_msg(mkdtemp(dir) != NULL, "mkdtemp %s: %s", dir,
	    strerror(errno));
}

static inline int
cu_rmtree_one(const char *path, const struct stat *st, int type,
    struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if ((type == FTW_DP ? rmdir(path) : unlink(path)) != 0) {
		fprintf(stderr, "could not remove %s: %s\n", path,
		    strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * cu_rmtree(dir): remove the directory and everything below it (links
 * are removed, never followed).  0, or -1 with what could not be removed
 * written to standard error.
 */
static inline int
cu_rmtree(const char *dir)
{
	return nftw(dir, cu_rmtree_one, 16, FTW_DEPTH | FTW_PHYS);
}

/*
 * cu_fixture("lists", "NAME", &len): the file test/fixtures/lists/NAME
 * (below $ROOT, as tools/run-tests.sh sets it, or the current directory)
 * read whole: malloc'd, NUL-terminated, its length in len; the test fails
 * when it cannot be read.
 */
static inline char *
cu_fixture(const char *sub, const char *name, size_t *len)
{
	const char *root = getenv("ROOT");
	char path[1024], *buf = NULL;
	size_t cap = 0, n = 0, got;
	FILE *f;

	snprintf(path, sizeof(path), "%s/test/fixtures/%s/%s",
	    root != NULL ? root : ".", sub, name);
	ck_assert_msg((f = fopen(path, "rb")) != NULL, "cannot open %s", path);
	do {
		if (cap - n < 4096 + 1) {
			cap = cap * 2 + 8192;
			ck_assert((buf = realloc(buf, cap)) != NULL);
		}
		n += (got = fread(buf + n, 1, cap - n - 1, f));
	} while (got > 0);
	ck_assert_msg(!ferror(f), "cannot read %s", path);
	fclose(f);
	buf[n] = '\0';
	*len = n;
	return buf;
}

/*
 * CU_DB_FIXTURE: the suite's scratch directory dir and the path db of a
 * store in it (DIR/wg.db), with cu_db_setup() and cu_db_teardown() to
 * make and remove the directory: a checked fixture for cu_tcase.
 */
#define CU_DB_FIXTURE							\
	static char dir[256];						\
	static char db[300];						\
	static void							\
	cu_db_setup(void)						\
	{								\
		cu_mkdtemp(dir, sizeof(dir));				\
		snprintf(db, sizeof(db), "%s/wg.db", dir);		\
	}								\
	static void							\
	cu_db_teardown(void)						\
	{								\
		cu_rmtree(dir);						\
	}

/*
 * cu_load_conf(cfg, fmt, ...): write the printf-formatted text to a
 * scratch file, load it as the daemon does (CFG_DAEMON) into cfg and
 * remove the file; the test fails with the loader's FILE:LINE message
 * when the text does not load.
 */
__attribute__((format(printf, 2, 3)))
static inline void
cu_load_conf(struct config *cfg, const char *fmt, ...)
{
	char path[512], err[512];
	const char *tmp = getenv("TMPDIR");
	va_list ap;
	FILE *f;
	int fd;

	snprintf(path, sizeof(path), "%s/%s.conf.XXXXXX",
	    tmp != NULL && *tmp != '\0' ? tmp : "/tmp",
	    program_invocation_short_name);
	fd = mkstemp(path);
	ck_assert_msg(fd >= 0, "mkstemp %s: %s", path, strerror(errno));
	f = fdopen(fd, "w");
	ck_assert_ptr_nonnull(f);
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fclose(f);
	if (cfg_load(path, CFG_DAEMON, cfg, err, sizeof(err)) != 0) {
		unlink(path);
		ck_abort_msg("config: %s", err);
	}
	unlink(path);
}

/* --- times and trucks --------------------------------------------------- */

/*
 * cu_ms("2026-02-01T00:00:00Z"): the RFC 3339 time in milliseconds since
 * the epoch; the test fails on a time ts_parse() refuses.
 */
static inline int64_t
cu_ms(const char *s)
{
	int64_t ms;

	ck_assert_msg(ts_parse(s, &ms) == 0, "bad time %s", s);
	return ms;
}

/*
 * cu_truck(m, axles, config, gross_kg): a valid weighing of a truck of
 * that configuration, axle count and gross weight, plate 豫A12345 (yellow),
 * at 5 km/h; no lane, no sequence, no axle weights (a suite adds what its
 * tests need).
 */
static inline void
cu_truck(struct measurement *m, int axles, enum vconfig config,
    int64_t gross_kg)
{
	meas_init(m);
	m->kind = VK_TRUCK;
	m->config = config;
	m->axles = axles;
	m->gross_kg = gross_kg;
	m->speed_dkmh = 50;
	snprintf(m->plate, sizeof(m->plate), "豫A12345");
	m->plate_color = PC_YELLOW;
}

#endif
