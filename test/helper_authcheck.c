/*
 * helper_authcheck DB TIMELINE: the promise that no barrier is raised
 * without a committed weighing (pass), override or unweighed_pass before it
 * (docs/design.md §4.2).  Every "barrier_cmd" with value 1 in the simulator's
 * timeline must be matched, in order, by its own authorising event in the
 * store whose time is not later than the command's.  A command of 1 while
 * the lane's last command was already 1 raises nothing: the daemon writes
 * its outputs again when a module answers after a failed transaction, and
 * that is counted as a re-assertion, not a raise.  Exit 0 when it holds, 1
 * with the first raise that has no event, 2 on bad input.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <sqlite3.h>

#include "weighgate/timefmt.h"

#define MAX_AUTH 100000
#define MAX_LANES 64

/* The last barrier command of each lane of the timeline. */
static struct {
	char lane[32];
	int value;
} last_cmd[MAX_LANES];
static int n_lanes;

/* The lane's last command slot, made on first sight; NULL when full. */
static int *
lane_cmd(const char *lane)
{
	int i;

	for (i = 0; i < n_lanes; i++)
		if (strcmp(last_cmd[i].lane, lane) == 0)
			return &last_cmd[i].value;
	if (n_lanes == MAX_LANES)
		return NULL;
	snprintf(last_cmd[n_lanes].lane, sizeof(last_cmd[n_lanes].lane), "%s", lane);
	last_cmd[n_lanes].value = 0;
	return &last_cmd[n_lanes++].value;
}

struct auth {
	long long seq;
	int64_t ts_ms;
	char kind[32];
};

static int
load_auth(const char *db, struct auth *a, int max)
{
	static const char q[] =
	    "SELECT seq, ts_ms, kind FROM events WHERE kind IN "
	    "('override','unweighed_pass') OR (kind = 'weighing' AND "
	    "json_extract(body, '$.decision') = 'pass') ORDER BY seq";
	sqlite3 *h;
	sqlite3_stmt *st;
	int n = 0;

	if (sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(h, q, -1, &st, NULL) != SQLITE_OK) {
		fprintf(stderr, "%s: %s\n", db, sqlite3_errmsg(h));
		return -1;
	}
	while (sqlite3_step(st) == SQLITE_ROW && n < max) {
		a[n].seq = sqlite3_column_int64(st, 0);
		a[n].ts_ms = sqlite3_column_int64(st, 1);
		snprintf(a[n].kind, sizeof(a[n].kind), "%s",
		    (const char *)sqlite3_column_text(st, 2));
		n++;
	}
	sqlite3_finalize(st);
	sqlite3_close(h);
	return n;
}

int
main(int argc, char **argv)
{
	static struct auth a[MAX_AUTH];
	char line[8192];
	FILE *f;
	int n, used = 0, raises = 0, again = 0, lineno = 0;

	if (argc != 3) {
		fprintf(stderr, "usage: helper_authcheck DB TIMELINE\n");
		return 2;
	}
	if ((n = load_auth(argv[1], a, MAX_AUTH)) < 0)
		return 2;
	if ((f = fopen(argv[2], "r")) == NULL) {
		perror(argv[2]);
		return 2;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		cJSON *j = cJSON_Parse(line), *what, *val, *t, *lane;
		int64_t ms;
		int *cmd;

		lineno++;
		if (j == NULL) {
			fprintf(stderr, "%s:%d: not JSON\n", argv[2], lineno);
			fclose(f);
			return 2;
		}
		what = cJSON_GetObjectItemCaseSensitive(j, "what");
		val = cJSON_GetObjectItemCaseSensitive(j, "value");
		t = cJSON_GetObjectItemCaseSensitive(j, "t");
		lane = cJSON_GetObjectItemCaseSensitive(j, "lane");
		if (!cJSON_IsString(what) || strcmp(what->valuestring, "barrier_cmd") != 0 ||
		    !cJSON_IsNumber(val)) {
			cJSON_Delete(j);
			continue;
		}
		if (!cJSON_IsString(lane) || (cmd = lane_cmd(lane->valuestring)) == NULL) {
			fprintf(stderr, "%s:%d: no lane, or more than %d lanes\n",
			    argv[2], lineno, MAX_LANES);
			cJSON_Delete(j);
			fclose(f);
			return 2;
		}
		if (val->valueint == 1 && *cmd == 1)
			again++;
		else if (val->valueint == 1) {
			raises++;
			if (!cJSON_IsString(t) || ts_parse(t->valuestring, &ms) != 0) {
				fprintf(stderr, "%s:%d: no time\n", argv[2], lineno);
				cJSON_Delete(j);
				fclose(f);
				return 2;
			}
			if (used >= n || a[used].ts_ms > ms) {
				fprintf(stderr, "%s:%d: barrier raised at %s without a "
				    "committed pass, override or unweighed_pass before it "
				    "(%d raises, %d authorising events)\n", argv[2],
				    lineno, t->valuestring, raises, n);
				cJSON_Delete(j);
				fclose(f);
				return 1;
			}
			used++;
		}
		*cmd = val->valueint == 1;
		cJSON_Delete(j);
	}
	fclose(f);
	printf("%d barrier raises, each after its own committed event "
	    "(%d authorising events); %d commands re-asserted an up barrier\n",
	    raises, n, again);
	return 0;
}
