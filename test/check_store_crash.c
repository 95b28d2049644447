/* Crash test of the event store: appends killed with SIGKILL at random moments. */
/*
 * As SQLite tests itself (testing.html §3.3): a child appends events as fast
 * as it can and reports, through a pipe, the seq of every append that has
 * returned STORE_OK; the parent kills it after a random delay.  Afterwards
 * every reported event must be there with the body the child wrote, the log
 * must run 1..N without a gap, the lane's result seq must match the last
 * event (they are written together), and the chain must verify.  Set
 * CRASH_SEED to repeat a run.
 */
#include <check.h>
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "weighgate/store.h"

#include "check_util.h"

#define ROUNDS		100
#define MAX_DELAY_US	30000
#define BODY_MAX	1024

static char dir[256];
static char db[300];

static uint64_t rng;

static uint64_t
next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* The body of event seq, so the parent can tell what the child wrote. */
static void
body_of(int64_t seq, char *buf, size_t len)
{
	int n, pad = (int)((seq * 37) % 600);

	n = snprintf(buf, len, "{\"lane\":\"L01\",\"seq\":%lld,\"pad\":\"",
	    (long long)seq);
	memset(buf + n, 'a' + (int)(seq % 26), (size_t)pad);
	snprintf(buf + n + pad, len - (size_t)(n + pad), "\"}");
}

/* The child: append until killed, reporting each seq once it is durable. */
static void __attribute__((noreturn))
child(int fd)
{
	struct store_appended ap;
	char err[512], body[BODY_MAX];
	int64_t next;
	store_t *s;

	alarm(20);	/* never outlive a parent that failed to kill us */
	if ((s = store_open(db, 0, err, sizeof(err))) == NULL) {
		fprintf(stderr, "child: %s\n", err);
		_exit(3);
	}
	next = 0;	/* "open": the parent may start its delay from here */
	if (write(fd, &next, sizeof(next)) != sizeof(next))
		_exit(6);
	for (;;) {
		next = store_last_seq(s) + 1;
		body_of(next, body, sizeof(body));
		if (store_append(s, "weighing", false, body, 1764000000000 + next,
		    "L01", next, &ap) != STORE_OK) {
			fprintf(stderr, "child: append: %s\n", store_errmsg(s));
			_exit(4);
		}
		if (ap.seq != next)
			_exit(5);
		if (write(fd, &ap.seq, sizeof(ap.seq)) != sizeof(ap.seq))
			_exit(6);
	}
}

/*
 * One round: fork, let it run for up to MAX_DELAY_US, kill; collect seqs.
 * Odd rounds count the delay from the fork, so that some kills fall in
 * the store's open; even rounds count it from the child's "open" report
 * (bounded at 10 s), so that the kills fall among the appends however
 * slow the open is on a loaded machine.
 */
static size_t
round_run(int64_t **seqs, size_t *n, size_t *cap, bool after_open)
{
	int p[2], status;
	int64_t v;
	size_t got = 0;
	pid_t pid;
	ssize_t r;

	ck_assert_int_eq(pipe(p), 0);
	pid = fork();
	ck_assert_int_ne(pid, -1);
	if (pid == 0) {
		close(p[0]);
		child(p[1]);
	}
	close(p[1]);
	if (after_open) {
		struct pollfd pfd = { .fd = p[0], .events = POLLIN };

		ck_assert_msg(poll(&pfd, 1, 10000) == 1, "the child did not open "
		    "the store within 10 s");
		ck_assert_int_eq(read(p[0], &v, sizeof(v)), sizeof(v));
		ck_assert_int_eq(v, 0);
	}
	usleep((useconds_t)(next_rand() % (MAX_DELAY_US + 1)));
	kill(pid, SIGKILL);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	while ((r = read(p[0], &v, sizeof(v))) == sizeof(v)) {
		if (v == 0)
			continue;	/* the "open" report */
		if (*n == *cap) {
			*cap = *cap ? *cap * 2 : 1024;
			*seqs = realloc(*seqs, *cap * sizeof(**seqs));
			ck_assert_ptr_nonnull(*seqs);
		}
		(*seqs)[(*n)++] = v;
		got++;
	}
	close(p[0]);
	ck_assert_msg(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
	    "child ended by itself (status %d) before the kill", status);
	return got;
}

/* Every row 1..last present, each body the one derived from its seq. */
static void
check_rows(int64_t last)
{
	char want[BODY_MAX];
	sqlite3 *h;
	sqlite3_stmt *st;
	int64_t expect = 1;

	ck_assert_int_eq(sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL),
	    SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(h, "SELECT seq, body FROM events"
	    " ORDER BY seq", -1, &st, NULL), SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW) {
		ck_assert_int_eq(sqlite3_column_int64(st, 0), expect);
		body_of(expect, want, sizeof(want));
		ck_assert_str_eq((const char *)sqlite3_column_text(st, 1), want);
		expect++;
	}
	ck_assert_int_eq(expect - 1, last);
	sqlite3_finalize(st);
	ck_assert_int_eq(sqlite3_prepare_v2(h, "PRAGMA integrity_check", -1,
	    &st, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	ck_assert_str_eq((const char *)sqlite3_column_text(st, 0), "ok");
	sqlite3_finalize(st);
	sqlite3_close(h);
}

/* After a crash: what the child reported is there, and the log is sound. */
static void
check_after(const int64_t *seqs, size_t n, int round)
{
	char err[512];
	int64_t last, lane;
	bool found;
	store_t *s;
	size_t i;

	s = store_open(db, 0, err, sizeof(err));
	ck_assert_msg(s != NULL, "round %d: reopen: %s", round, err);
	ck_assert_msg(store_verify(s, err, sizeof(err)) == 0,
	    "round %d: verify: %s", round, err);
	last = store_last_seq(s);
	for (i = 0; i < n; i++) {
		ck_assert_msg(seqs[i] <= last, "round %d: seq %lld reported "
		    "durable but lost (last %lld)", round, (long long)seqs[i],
		    (long long)last);
		/* A commit can land without its report: gaps here are fine. */
		if (i > 0)
			ck_assert_int_gt(seqs[i], seqs[i - 1]);
	}
	if (last > 0) {
		ck_assert_int_eq(store_lane_seq(s, "L01", &lane, &found), 0);
		ck_assert_msg(found && lane == last, "round %d: lane seq %lld, "
		    "last event %lld", round, (long long)lane, (long long)last);
	}
	store_close(s);
	check_rows(last);
}

START_TEST(t_crash)
{
	int64_t *seqs = NULL, last;
	size_t n = 0, cap = 0, got, total = 0;
	struct store_appended ap;
	struct timespec t0, t1;
	char err[512];
	store_t *s;
	int round;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (round = 0; round < ROUNDS; round++) {
		got = round_run(&seqs, &n, &cap, round % 2 == 0);
		total += got;
		check_after(seqs, n, round);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		if (t1.tv_sec - t0.tv_sec > 50) {
			fprintf(stderr, "stopping after %d rounds (time)\n",
			    round + 1);
			break;
		}
	}
	fprintf(stderr, "%zu appends reported durable over the rounds\n", total);
	ck_assert_msg(total > 0, "no child ever appended: nothing was tested");
	/* The chain goes on after the crashes. */
	s = store_open(db, 0, err, sizeof(err));
	ck_assert_msg(s != NULL, "%s", err);
	last = store_last_seq(s);
	ck_assert_int_eq(store_append(s, "startup", true, "{}", 1, NULL, 0, &ap),
	    STORE_OK);
	ck_assert_int_eq(ap.seq, last + 1);
	ck_assert_msg(store_verify(s, err, sizeof(err)) == 0, "%s", err);
	store_close(s);
	free(seqs);
}
END_TEST

static void
setup(void)
{
	const char *env = getenv("CRASH_SEED");

	cu_mkdtemp(dir, sizeof(dir));
	snprintf(db, sizeof(db), "%s/wg.db", dir);
	rng = env != NULL ? strtoull(env, NULL, 0) :
	    (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	if (rng == 0)
		rng = 1;
	fprintf(stderr, "CRASH_SEED=%llu\n", (unsigned long long)rng);
}

static void
teardown(void)
{
	cu_rmtree(dir);
}

CU_SUITE("store_crash")
{
	cu_tcase(s, "kill9", 120, setup, teardown, t_crash);
}
