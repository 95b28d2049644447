/*
 * POST /v1/events (docs/design.md §7): validate the request and each event, check
 * each event's own hash, store through pdb, build the 200 answer.
 */
#include <ctype.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "weighgate/chain.h"
#include "weighgate/log.h"
#include "weighgate/timefmt.h"

#include "platform.h"

enum fshape { F_UUID, F_HEX64, F_TS, F_NAME, F_TEXT };

/* Does s have the shape? */
static int
shape_ok(const char *s, enum fshape sh)
{
	size_t i, n = strlen(s);
	int64_t ms;

	switch (sh) {
	case F_UUID:
		if (n != 36)
			return 0;
		for (i = 0; i < n; i++) {
			if (i == 8 || i == 13 || i == 18 || i == 23) {
				if (s[i] != '-')
					return 0;
			} else if (!isxdigit((unsigned char)s[i]))
				return 0;
		}
		return 1;
	case F_HEX64:
		for (i = 0; i < n; i++)
			if (!isdigit((unsigned char)s[i]) &&
			    (s[i] < 'a' || s[i] > 'f'))
				return 0;
		return n == 64;
	case F_TS:
		return ts_parse(s, &ms) == 0;
	case F_NAME:
		return n > 0 && n <= PLAT_ID_MAX;
	case F_TEXT:
		return 1;
	}
	return 0;
}

/* A string member of the event, or NULL with err naming the field. */
static const char *
str_field(const cJSON *ev, const char *name, enum fshape sh, char *err,
    size_t errlen)
{
	static const char *const want[] = {
		[F_UUID] = "a uuid", [F_HEX64] = "64 lowercase hex digits",
		[F_TS] = "an RFC 3339 time", [F_NAME] = "1 to 128 bytes",
		[F_TEXT] = "a string",
	};
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(ev, name);

	if (v == NULL) {
		snprintf(err, errlen, "%s: missing", name);
		return NULL;
	}
	if (!cJSON_IsString(v) || v->valuestring == NULL) {
		snprintf(err, errlen, "%s: not a string", name);
		return NULL;
	}
	if (!shape_ok(v->valuestring, sh)) {
		snprintf(err, errlen, "%s: not %s", name, want[sh]);
		return NULL;
	}
	return v->valuestring;
}

/* Fill e from the JSON event; 0, or -1 with err naming the field. */
static int
parse_event(const cJSON *ev, struct pevent *e, char *err, size_t errlen)
{
	const cJSON *seq;
	cJSON *body;

	memset(e, 0, sizeof(*e));
	if (!cJSON_IsObject(ev)) {
		snprintf(err, errlen, "event: not an object");
		return -1;
	}
	if ((e->uuid = str_field(ev, "uuid", F_UUID, err, errlen)) == NULL ||
	    (e->chain = str_field(ev, "chain", F_NAME, err, errlen)) == NULL)
		return -1;
	seq = cJSON_GetObjectItemCaseSensitive(ev, "seq");
	if (seq == NULL || !cJSON_IsNumber(seq) || seq->valuedouble < 1 ||
	    seq->valuedouble > 9007199254740992.0 ||
	    floor(seq->valuedouble) != seq->valuedouble) {
		snprintf(err, errlen, "seq: %s", seq == NULL ? "missing" :
		    "not an integer >= 1");
		return -1;
	}
	e->seq = (int64_t)seq->valuedouble;
	if ((e->kind = str_field(ev, "kind", F_NAME, err, errlen)) == NULL ||
	    (e->ts = str_field(ev, "ts", F_TS, err, errlen)) == NULL ||
	    (e->prev_hash = str_field(ev, "prev_hash", F_HEX64, err,
	    errlen)) == NULL ||
	    (e->hash = str_field(ev, "hash", F_HEX64, err, errlen)) == NULL ||
	    (e->body = str_field(ev, "body", F_TEXT, err, errlen)) == NULL)
		return -1;
	e->body_len = strlen(e->body);
	body = cJSON_ParseWithLength(e->body, e->body_len);
	if (body == NULL || !cJSON_IsObject(body)) {
		cJSON_Delete(body);
		snprintf(err, errlen, "body: not the text of a JSON object");
		return -1;
	}
	cJSON_Delete(body);
	return 0;
}

/* Append {"uuid":…,"error":…} to the rejected list. */
static void
put_rejected(struct sbuf *rej, const cJSON *ev, const char *error)
{
	const cJSON *u = cJSON_IsObject(ev) ?
	    cJSON_GetObjectItemCaseSensitive(ev, "uuid") : NULL;

	if (rej->len > 0)
		sbuf_putc(rej, ',');
	sbuf_puts(rej, "{\"uuid\":");
	if (cJSON_IsString(u) && u->valuestring != NULL)
		sbuf_put_json_str(rej, u->valuestring);
	else
		sbuf_puts(rej, "null");
	sbuf_puts(rej, ",\"error\":");
	sbuf_put_json_str(rej, error);
	sbuf_putc(rej, '}');
}

/*
 * Judge one event: NULL accepted (new or duplicate), else the error to
 * reject it with; "" when SQLite failed.
 */
static const char *
judge(struct pdb *db, const char *controller, const cJSON *ev,
    const char *reject_kind, struct ingest_stats *st, char *err,
    size_t errlen)
{
	struct pevent e;
	char h[65];

	if (parse_event(ev, &e, err, errlen) != 0)
		return err;
	chain_hash(e.prev_hash, e.body, e.body_len, h);
	if (strcmp(h, e.hash) != 0 || (reject_kind != NULL &&
	    strcmp(e.kind, reject_kind) == 0)) {
		if (pdb_count_rejected(db, controller, e.chain) != 0)
			return "";
		return strcmp(h, e.hash) != 0 ? "hash_mismatch" :
		    "kind_refused";
	}
	switch (pdb_put(db, controller, &e, ts_now_ms())) {
	case PUT_NEW:
		return NULL;
	case PUT_DUP:
		st->duplicates++;
		return NULL;
	case PUT_UUID_CONFLICT:
		return "uuid_conflict";
	case PUT_SEQ_CONFLICT:
		return "seq_conflict";
	case PUT_ERROR:
		break;
	}
	return "";
}

/*
 * ,"chains":{CHAIN:LAST_SEQ,...}: for each chain of the batch, the last
 * seq now held (docs/sync-protocol.md), so that a controller can tell its
 * store is behind what it sent before.  At most PUT_CHAINS_MAX chains;
 * left out when no chain of the batch is held (an empty batch).
 */
#define PUT_CHAINS_MAX 16
static void
put_chains(struct pdb *db, const char *controller, const cJSON *evs,
    struct sbuf *out)
{
	const char *seen[PUT_CHAINS_MAX];
	const cJSON *ev, *c;
	int i, k = 0, put = 0;
	int64_t seq;

	cJSON_ArrayForEach(ev, evs) {
		c = cJSON_IsObject(ev) ?
		    cJSON_GetObjectItemCaseSensitive(ev, "chain") : NULL;
		if (!cJSON_IsString(c) || !shape_ok(c->valuestring, F_NAME))
			continue;
		for (i = 0; i < k && strcmp(seen[i], c->valuestring) != 0; i++)
			;
		if (i < k)
			continue;
		if (k == PUT_CHAINS_MAX)
			break;
		seen[k++] = c->valuestring;
		if ((seq = pdb_last_seq(db, controller, c->valuestring)) <= 0)
			continue;
		sbuf_puts(out, put++ > 0 ? "," : ",\"chains\":{");
		sbuf_put_json_str(out, c->valuestring);
		sbuf_putc(out, ':');
		sbuf_put_i64(out, seq);
	}
	if (put > 0)
		sbuf_putc(out, '}');
}

/* The request's envelope: controller and events; NULL with err if bad. */
static const cJSON *
envelope(const cJSON *root, size_t batch_max, const char **controller,
    char *err, size_t errlen)
{
	const cJSON *c, *evs;

	if (!cJSON_IsObject(root)) {
		snprintf(err, errlen, "request: not a JSON object");
		return NULL;
	}
	c = cJSON_GetObjectItemCaseSensitive(root, "controller");
	if (!cJSON_IsString(c) || c->valuestring == NULL ||
	    !shape_ok(c->valuestring, F_NAME)) {
		snprintf(err, errlen, "controller: %s", c == NULL ? "missing" :
		    "not a string of 1 to 128 bytes");
		return NULL;
	}
	evs = cJSON_GetObjectItemCaseSensitive(root, "events");
	if (!cJSON_IsArray(evs)) {
		snprintf(err, errlen, "events: %s", evs == NULL ? "missing" :
		    "not an array");
		return NULL;
	}
	if ((size_t)cJSON_GetArraySize(evs) > batch_max) {
		snprintf(err, errlen, "events: more than %zu", batch_max);
		return NULL;
	}
	*controller = c->valuestring;
	return evs;
}

/* Judge every event inside one transaction; -1 if SQLite failed. */
static int
judge_all(struct pdb *db, const char *controller, const cJSON *evs,
    const char *reject_kind, struct sbuf *acc, struct sbuf *rej,
    struct ingest_stats *st)
{
	const cJSON *ev;
	const char *error;
	char err[160];

	if (pdb_begin(db) != 0)
		return -1;
	cJSON_ArrayForEach(ev, evs) {
		error = judge(db, controller, ev, reject_kind, st, err,
		    sizeof(err));
		if (error != NULL && *error == '\0')
			goto fail;
		if (error != NULL) {
			put_rejected(rej, ev, error);
			st->rejected++;
			continue;
		}
		if (acc->len > 0)
			sbuf_putc(acc, ',');
		sbuf_put_json_str(acc, cJSON_GetObjectItemCaseSensitive(ev,
		    "uuid")->valuestring);
		st->accepted++;
	}
	if (pdb_commit(db) != 0)
		goto fail;
	return 0;
fail:
	pdb_rollback(db);
	return -1;
}

enum ingest_res
ingest_batch(struct pdb *db, const char *body, size_t len, size_t batch_max,
    const char *reject_kind, struct sbuf *out, struct ingest_stats *st,
    char *err, size_t errlen)
{
	cJSON *root;
	const cJSON *evs;
	const char *controller = NULL;
	struct sbuf acc, rej;
	enum ingest_res res = INGEST_BAD;

	memset(st, 0, sizeof(*st));
	sbuf_init(&acc);
	sbuf_init(&rej);
	if ((root = cJSON_ParseWithLength(body, len)) == NULL) {
		snprintf(err, errlen, "request: not JSON");
		goto done;
	}
	if ((evs = envelope(root, batch_max, &controller, err, errlen)) ==
	    NULL)
		goto done;
	snprintf(st->controller, sizeof(st->controller), "%s", controller);
	res = INGEST_FAIL;
	if (judge_all(db, controller, evs, reject_kind, &acc, &rej, st) != 0)
		goto done;
	sbuf_reset(out);
	sbuf_puts(out, "{\"accepted\":[");
	if (acc.len > 0)
		sbuf_putn(out, acc.p, acc.len);
	sbuf_puts(out, "],\"rejected\":[");
	if (rej.len > 0)
		sbuf_putn(out, rej.p, rej.len);
	sbuf_puts(out, "]");
	put_chains(db, controller, evs, out);
	sbuf_puts(out, "}\n");
	res = INGEST_OK;
done:
	sbuf_fini(&acc);
	sbuf_fini(&rej);
	cJSON_Delete(root);
	return res;
}
