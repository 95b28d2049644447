/*
 * helper_authcheck DB TIMELINE: the promise that no barrier is raised
 * without a committed weighing (pass), override or unweighed_pass before it
 * (docs/design.md §4.2).  Every "barrier_cmd" with value 1 in the simulator's
 * timeline must be matched, in order, by its own authorising event of the
 * same lane in the store whose time is not later than the command's.  A command of 1 while
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

/* Each lane of the timeline: its last barrier command, its next event. */
struct lane_seen {
	char lane[32];
	int cmd;
	int next;		/* the first authorising event not yet matched */
};
static struct lane_seen lanes[MAX_LANES];
static int n_lanes;

/* The lane's slot, made on first sight; NULL when full. */
static struct lane_seen *
lane_seen(const char *lane)
{
	int i;

	for (i = 0; i < n_lanes; i++)
		if (strcmp(lanes[i].lane, lane) == 0)
			return &lanes[i];
	if (n_lanes == MAX_LANES)
		return NULL;
	snprintf(lanes[n_lanes].lane, sizeof(lanes[n_lanes].lane), "%s", lane);
	return &lanes[n_lanes++];
}

struct auth {
	long long seq;
	int64_t ts_ms;
	char kind[32];
	char lane[32];
};

static int
load_auth(const char *db, struct auth *a, int max)
{
	static const char q[] =
	    "SELECT seq, ts_ms, kind, json_extract(body, '$.lane') FROM events "
	    "WHERE kind IN "
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
		snprintf(a[n].lane, sizeof(a[n].lane), "%s",
		    sqlite3_column_type(st, 3) == SQLITE_TEXT ?
		    (const char *)sqlite3_column_text(st, 3) : "");
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
	int n, raises = 0, again = 0, lineno = 0;

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
		struct lane_seen *ls;

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
		if (!cJSON_IsString(lane) || (ls = lane_seen(lane->valuestring)) == NULL) {
			fprintf(stderr, "%s:%d: no lane, or more than %d lanes\n",
			    argv[2], lineno, MAX_LANES);
			cJSON_Delete(j);
			fclose(f);
			return 2;
		}
		if (val->valueint == 1 && ls->cmd == 1)
			again++;
		else if (val->valueint == 1) {
			raises++;
			if (!cJSON_IsString(t) || ts_parse(t->valuestring, &ms) != 0) {
				fprintf(stderr, "%s:%d: no time\n", argv[2], lineno);
				cJSON_Delete(j);
				fclose(f);
				return 2;
			}
			while (ls->next < n && strcmp(a[ls->next].lane, ls->lane) != 0)
				ls->next++;
			if (ls->next >= n || a[ls->next].ts_ms > ms) {
				fprintf(stderr, "%s:%d: barrier raised at %s without a "
				    "committed pass, override or unweighed_pass before it "
				    "(%d raises, %d authorising events)\n", argv[2],
				    lineno, t->valuestring, raises, n);
				cJSON_Delete(j);
				fclose(f);
				return 1;
			}
			ls->next++;
		}
		ls->cmd = val->valueint == 1;
		cJSON_Delete(j);
	}
	fclose(f);
	printf("%d barrier raises, each after its own committed event "
	    "(%d authorising events); %d commands re-asserted an up barrier\n",
	    raises, n, again);
	return 0;
}
