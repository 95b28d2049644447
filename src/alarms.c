/*
 * The alarm feed and the day's counts of the station board (alarms.h,
 * docs/status.md "The alarm feed").  Pure: the time comes in with every
 * call; the local day is that of the process's time zone (localtime_r).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "weighgate/alarms.h"

/* The feed's kinds as the store names them; intercept is a weighing. */
static const char *const kind_names[AK_N] = {
	[AK_FORCED_ENTRY] = "forced_entry", [AK_INTERCEPT] = "intercept",
	[AK_BARRIER_UNAUTHORIZED] = "barrier_unauthorized",
	[AK_OVERRIDE] = "override", [AK_DEVICE_FAULT] = "device_fault",
	[AK_DEVICE_RECOVERED] = "device_recovered",
	[AK_PASS_TIMEOUT] = "pass_timeout", [AK_DISK_LOW] = "disk_low",
	[AK_STORE_REPLACED] = "store_replaced",
	[AK_STORE_ROLLBACK] = "store_rollback", [AK_CLOCK_STEP] = "clock_step",
	[AK_CLOCK_SKEW] = "clock_skew",
};

const char alarms_store_kinds[] = "[\"forced_entry\",\"barrier_unauthorized\","
    "\"override\",\"device_fault\",\"device_recovered\",\"pass_timeout\","
    "\"disk_low\",\"store_replaced\",\"store_rollback\",\"clock_step\","
    "\"clock_skew\",\"alarm_ack\"]";
const char alarms_store_decisions[] = "[\"intercept\"]";
const char alarms_count_kinds[] = "[\"weighing\",\"forced_entry\"]";

const char *
alarms_kind_name(enum alarms_kind k)
{
	return (unsigned)k < AK_N ? kind_names[k] : "?";
}

int
alarms_kind_of(const char *kind, const char *decision)
{
	int k;

	if (strcmp(kind, "weighing") == 0)
		return decision != NULL && strcmp(decision, "intercept") == 0 ?
		    AK_INTERCEPT : -1;
	for (k = 0; k < AK_N; k++)
		if (k != AK_INTERCEPT && strcmp(kind, kind_names[k]) == 0)
			return k;
	return -1;
}

/* ---- the local day ---- */

int
alarms_day_of(int64_t ms)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	if (localtime_r(&t, &tm) == NULL)
		return 0;
	return (tm.tm_year + 1900) * 10000 + (tm.tm_mon + 1) * 100 + tm.tm_mday;
}

int64_t
alarms_day_start_ms(int64_t ms)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	if (localtime_r(&t, &tm) == NULL)
		return ms;
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	tm.tm_isdst = -1;
	return (int64_t)mktime(&tm) * 1000;
}

void
alarms_roll(struct alarms *a, int64_t now_ms)
{
	int day = alarms_day_of(now_ms);

	if (day == a->day)
		return;
	a->day = day;
	memset(a->count, 0, sizeof(a->count));
}

void
alarms_init(struct alarms *a, int64_t now_ms)
{
	memset(a, 0, sizeof(*a));
	alarms_roll(a, now_ms);
}

/* ---- the counts ---- */

void
alarms_count_add(struct alarms *a, const char *kind, const char *decision,
    uint64_t n, int64_t now_ms)
{
	alarms_roll(a, now_ms);
	if (strcmp(kind, "forced_entry") == 0) {
		a->count[AC_FORCED_ENTRIES] += n;
		return;
	}
	if (strcmp(kind, "weighing") != 0 || decision == NULL)
		return;
	if (strcmp(decision, "retry") != 0)
		a->count[AC_VEHICLES] += n;
	if (strcmp(decision, "turnback") == 0)
		a->count[AC_TURNBACKS] += n;
	else if (strcmp(decision, "intercept") == 0)
		a->count[AC_INTERCEPTS] += n;
}

/* ---- reading a body ---- */

static const char *
jstr(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static double
jnum(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

/* Append to al->what: the text, a separator before it when not first. */
static void
what_add(struct alarm *al, const char *sep, const char *text)
{
	size_t n = strlen(al->what);

	if (text == NULL || *text == '\0')
		return;
	snprintf(al->what + n, sizeof(al->what) - n, "%s%s", n > 0 ? sep : "",
	    text);
}

/* The reasons of a weighing, comma-separated. */
static void
what_reasons(struct alarm *al, const cJSON *body)
{
	const cJSON *r;

	cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(body, "reasons"))
		if (cJSON_IsString(r))
			what_add(al, ",", r->valuestring);
}

/* The detail of the feed's line, by kind, from the event's body. */
static void
what_of(struct alarm *al, const cJSON *body)
{
	char t[64];

	switch (al->kind) {
	case AK_FORCED_ENTRY:
		what_add(al, " ", jstr(body, "how"));
		break;
	case AK_INTERCEPT:
		what_reasons(al, body);
		break;
	case AK_OVERRIDE:
		what_add(al, " ", jstr(body, "operator"));
		what_add(al, ": ", jstr(body, "reason"));
		break;
	case AK_DEVICE_FAULT:
	case AK_DEVICE_RECOVERED:
		what_add(al, " ", jstr(body, "device"));
		what_add(al, " ", jstr(body, "cause"));
		what_add(al, ": ", jstr(body, "error"));
		break;
	case AK_DISK_LOW:
		snprintf(t, sizeof(t), "%.0f MB < %.0f MB", jnum(body, "free_mb"),
		    jnum(body, "min_free_mb"));
		what_add(al, " ", t);
		break;
	case AK_STORE_REPLACED:
		what_add(al, " ", jstr(body, "found"));
		what_add(al, ": ", jstr(body, "detail"));
		break;
	case AK_STORE_ROLLBACK:
		what_add(al, " ", jstr(body, "why"));
		what_add(al, " ", jstr(body, "detail"));
		break;
	case AK_CLOCK_STEP:
		snprintf(t, sizeof(t), "%+.0f ms", jnum(body, "step_ms"));
		what_add(al, " ", t);
		break;
	case AK_CLOCK_SKEW:
		snprintf(t, sizeof(t), "%+.0f ms", jnum(body, "skew_ms"));
		what_add(al, " ", t);
		break;
	default:
		break;
	}
}

/* The plate: the weighing's, or that of the last weighing before the event. */
static const char *
plate_of(const cJSON *body)
{
	const char *p = jstr(cJSON_GetObjectItemCaseSensitive(body,
	    "measurement"), "plate");

	return p != NULL ? p : jstr(cJSON_GetObjectItemCaseSensitive(body,
	    "last_weighing"), "plate");
}

/* ---- the ring ---- */

static struct alarm *
ring_push(struct alarms *a)
{
	struct alarm *al = &a->ring[a->next];

	a->next = (a->next + 1) % ALARMS_MAX;
	if (a->n < ALARMS_MAX)
		a->n++;
	memset(al, 0, sizeof(*al));
	return al;
}

const struct alarm *
alarms_get(const struct alarms *a, int i)
{
	if (i < 0 || i >= a->n)
		return NULL;
	return &a->ring[(a->next - 1 - i + 2 * ALARMS_MAX) % ALARMS_MAX];
}

static struct alarm *
find(struct alarms *a, int64_t seq)
{
	int i;

	for (i = 0; i < a->n; i++)
		if (a->ring[i].seq == seq)
			return &a->ring[i];
	return NULL;
}

int
alarms_unacked(const struct alarms *a)
{
	int i, n = 0;

	for (i = 0; i < a->n; i++)
		n += a->ring[i].needs_ack && !a->ring[i].acked;
	return n;
}

static void
alarm_add(struct alarms *a, enum alarms_kind k, const cJSON *body,
    int64_t seq, int64_t ts_ms)
{
	struct alarm *al = ring_push(a);
	const char *v;

	al->seq = seq;
	al->ts_ms = ts_ms;
	al->kind = k;
	al->needs_ack = k != AK_DEVICE_RECOVERED;
	if ((v = jstr(body, "lane")) != NULL)
		snprintf(al->lane, sizeof(al->lane), "%s", v);
	if ((v = plate_of(body)) != NULL)
		snprintf(al->plate, sizeof(al->plate), "%s", v);
	what_of(al, body);
}

/* An alarm_ack: every alarm it names still in the feed is acknowledged. */
static bool
ack_apply(struct alarms *a, const cJSON *body, int64_t ts_ms)
{
	const char *op = jstr(body, "operator");
	const cJSON *s;
	struct alarm *al;
	bool changed = false;

	cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(body, "alarms")) {
		if (!cJSON_IsNumber(s) ||
		    (al = find(a, (int64_t)s->valuedouble)) == NULL || al->acked)
			continue;
		al->acked = true;
		al->ack_ts_ms = ts_ms;
		snprintf(al->ack_operator, sizeof(al->ack_operator), "%s",
		    op != NULL ? op : "");
		changed = true;
	}
	return changed;
}

/* An event into the feed, and into the counts when count. */
static bool
note(struct alarms *a, const char *kind, const char *body, int64_t seq,
    int64_t ts_ms, bool count)
{
	cJSON *j;
	bool changed = false;
	int k;

	if (strcmp(kind, "weighing") != 0 && strcmp(kind, "alarm_ack") != 0 &&
	    alarms_kind_of(kind, NULL) < 0)
		return false;
	if ((j = cJSON_Parse(body != NULL ? body : "")) == NULL)
		j = cJSON_CreateObject();
	if (j == NULL)
		return false;
	if (strcmp(kind, "alarm_ack") == 0)
		changed = ack_apply(a, j, ts_ms);
	else {
		if (count)
			alarms_count_add(a, kind, jstr(j, "decision"), 1, ts_ms);
		if ((k = alarms_kind_of(kind, jstr(j, "decision"))) >= 0) {
			alarm_add(a, (enum alarms_kind)k, j, seq, ts_ms);
			changed = true;
		}
	}
	cJSON_Delete(j);
	return changed;
}

bool
alarms_note(struct alarms *a, const char *kind, const char *body,
    int64_t seq, int64_t ts_ms)
{
	return note(a, kind, body, seq, ts_ms, true);
}

void
alarms_rebuild(struct alarms *a, const struct alarms_event *ev, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		(void)note(a, ev[i].kind, ev[i].body, ev[i].seq, ev[i].ts_ms,
		    false);
}

int
alarms_ack_body(const struct alarms *a, const char *operator_id, int64_t seq,
    struct sbuf *b)
{
	const struct alarm *al;
	int i, n = 0;

	if (seq > 0) {
		for (i = 0; (al = alarms_get(a, i)) != NULL; i++)
			if (al->seq == seq)
				break;
		if (al == NULL || !al->needs_ack)
			return -1;
		if (al->acked)
			return 0;
	} else if (alarms_unacked(a) == 0)
		return 0;
	sbuf_puts(b, "{\"operator\":");
	sbuf_put_json_str(b, operator_id);
	sbuf_puts(b, ",\"alarms\":[");
	for (i = 0; (al = alarms_get(a, i)) != NULL; i++)
		if (al->needs_ack && !al->acked && (seq <= 0 || al->seq == seq))
			sbuf_printf(b, "%s%lld", n++ ? "," : "", (long long)al->seq);
	sbuf_puts(b, "]}");
	return n;
}
