/* weighgate-sim: reading a traffic file (docs/design.md §8 records plus the simulator's keys). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "weighgate/log.h"
#include "weighgate/record.h"

#include "sim.h"

static const char *const mode_names[] = {
	"none", "timeout", "exception", "disconnect", "garbage", "stuck",
	"fault_bit"
};
static const char *const beh_names[] = { "obey", "force", "block", "tailgate" };

const char *
sim_mode_name(enum sim_fault_mode m)
{
	return (unsigned)m <= FM_FAULT_BIT ? mode_names[m] : "?";
}

/* Index of s in names, or -1. */
static int
name_index(const char *s, const char *const *names, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (strcmp(s, names[i]) == 0)
			return i;
	return -1;
}

/* "L01".."L16" -> 1..16, else -1. */
static int
lane_number(const char *s)
{
	int n;

	if (s[0] != 'L' || s[1] < '0' || s[1] > '9' || s[2] < '0' ||
	    s[2] > '9' || s[3] != '\0')
		return -1;
	n = (s[1] - '0') * 10 + (s[2] - '0');
	return n >= 1 && n <= SIM_MAX_LANES ? n : -1;
}

/* An optional non-negative integer key; -1 and err when it is not one. */
static int
get_ms(const cJSON *o, const char *key, int64_t def, int64_t *out,
    char *err, size_t errlen)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	*out = def;
	if (v == NULL)
		return 0;
	if (!cJSON_IsNumber(v) || v->valuedouble < 0 ||
	    v->valuedouble > 86400000.0 * 365) {
		snprintf(err, errlen, "%s: not a number of ms >= 0", key);
		return -1;
	}
	*out = (int64_t)v->valuedouble;
	return 0;
}

/* A string key out of names; -1 and err when missing (unless def >= 0) or unknown. */
static int
get_enum(const cJSON *o, const char *key, const char *const *names, int n,
    int def, int *out, char *err, size_t errlen)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	*out = def;
	if (v == NULL && def >= 0)
		return 0;
	if (!cJSON_IsString(v) ||
	    (*out = name_index(v->valuestring, names, n)) < 0) {
		snprintf(err, errlen, "%s: missing or unknown value", key);
		return -1;
	}
	return 0;
}

/* The keys of a fault line. */
static int
parse_fault(const cJSON *o, struct sim_item *it, char *err, size_t errlen)
{
	int d, m;

	it->type = IT_FAULT;
	if (get_enum(o, "device_fault", cfg_role_names, ROLE_N, -1, &d, err,
	    errlen) == -1 ||
	    get_enum(o, "mode", mode_names + 1, FM_FAULT_BIT, -1, &m, err,
	    errlen) == -1 ||
	    get_ms(o, "duration_ms", 5000, &it->duration_ms, err, errlen) == -1)
		return -1;
	it->dev = (enum dev_role)d;
	it->mode = (enum sim_fault_mode)(m + 1);
	if ((it->mode == FM_STUCK && it->dev != ROLE_BARRIER) ||
	    (it->mode == FM_FAULT_BIT && it->dev != ROLE_SCALE)) {
		snprintf(err, errlen, "mode %s does not apply to device %s",
		    sim_mode_name(it->mode), cfg_role_name(it->dev));
		return -1;
	}
	return 0;
}

/* An optional plate key into out (size MEAS_PLATE_MAX); -1 and err when bad. */
static int
get_plate(const cJSON *o, const char *key, char *out, char *err,
    size_t errlen)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	if (v == NULL)
		return 0;
	if (!cJSON_IsString(v) || v->valuestring[0] == '\0' ||
	    strlen(v->valuestring) >= MEAS_PLATE_MAX) {
		snprintf(err, errlen, "%s: not a plate (1..%d bytes)", key,
		    MEAS_PLATE_MAX - 1);
		return -1;
	}
	snprintf(out, MEAS_PLATE_MAX, "%s", v->valuestring);
	return 0;
}

/* The camera_* keys of a vehicle line (docs/simulator.md "Traffic file"). */
static int
parse_camera(const cJSON *o, struct sim_item *it, char *err, size_t errlen)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, "camera_offset_ms");

	it->cam_mode = -1;
	if (v != NULL) {
		if (!cJSON_IsNumber(v) || v->valuedouble < -30000 ||
		    v->valuedouble > 30000) {
			snprintf(err, errlen, "camera_offset_ms: not a number "
			    "of ms in -30000..30000");
			return -1;
		}
		it->cam_has_offset = true;
		it->cam_offset_ms = (int64_t)v->valuedouble;
	}
	v = cJSON_GetObjectItemCaseSensitive(o, "camera_mode");
	if (v != NULL && (!cJSON_IsString(v) ||
	    (it->cam_mode = sim_camera_mode_of(v->valuestring)) < 0)) {
		snprintf(err, errlen, "camera_mode: not plate, noplate, skip, "
		    "two, silent or repeat");
		return -1;
	}
	return get_plate(o, "camera_plate", it->cam_plate, err, errlen) == -1 ||
	    get_plate(o, "camera_second", it->cam_second, err, errlen) == -1 ?
	    -1 : 0;
}

/* The keys of a vehicle line; the measurement through record_from_json. */
static int
parse_vehicle(const cJSON *o, const char *line, size_t len,
    struct sim_item *it, char *err, size_t errlen)
{
	struct record r;
	const cJSON *tg;
	int b;

	it->type = IT_VEHICLE;
	if (get_enum(o, "behaviour", beh_names, 4, BEH_OBEY, &b, err,
	    errlen) == -1 ||
	    get_ms(o, "block_ms", 10000, &it->block_ms, err, errlen) == -1 ||
	    get_ms(o, "seq_skip", 0, &it->seq_skip, err, errlen) == -1 ||
	    parse_camera(o, it, err, errlen) == -1)
		return -1;
	if (it->seq_skip > 65534) {
		snprintf(err, errlen, "seq_skip: more than 65534");
		return -1;
	}
	it->behaviour = (enum sim_behaviour)b;
	tg = cJSON_GetObjectItemCaseSensitive(o, "tailgate");
	if (tg != NULL && !cJSON_IsBool(tg)) {
		snprintf(err, errlen, "tailgate: not a boolean");
		return -1;
	}
	it->tailgate = cJSON_IsTrue(tg);
	switch (record_from_json(line, len, &r, err, errlen)) {
	case RECORD_OK:
		it->m = r.m;
		return 0;
	case RECORD_SKIP:
		snprintf(err, errlen, "not a vehicle record");
		return -1;
	default:
		return -1;
	}
}

/* One line into it; *lane set.  -1 with err on a bad line. */
static int
parse_line(const char *line, size_t len, struct sim_item *it, int *lane,
    char *err, size_t errlen)
{
	cJSON *o;
	const cJSON *v;
	int rc = -1;

	memset(it, 0, sizeof(*it));
	meas_init(&it->m);
	if ((o = cJSON_ParseWithLength(line, len)) == NULL ||
	    !cJSON_IsObject(o)) {
		snprintf(err, errlen, "not a JSON object");
		goto done;
	}
	v = cJSON_GetObjectItemCaseSensitive(o, "lane");
	if (!cJSON_IsString(v) || (*lane = lane_number(v->valuestring)) < 0) {
		snprintf(err, errlen, "lane: missing or not L01..L16");
		goto done;
	}
	if (get_ms(o, "after_ms", 0, &it->after_ms, err, errlen) == -1)
		goto done;
	if (cJSON_GetObjectItemCaseSensitive(o, "device_fault") != NULL)
		rc = parse_fault(o, it, err, errlen);
	else if (cJSON_GetObjectItemCaseSensitive(o, "barrier_manual")) {
		it->type = IT_MANUAL;
		rc = get_ms(o, "duration_ms", 3000, &it->duration_ms, err,
		    errlen);
	} else
		rc = parse_vehicle(o, line, len, it, err, errlen);
done:
	cJSON_Delete(o);
	return rc;
}

/* Append one item. */
static int
traffic_add(struct sim_traffic *t, const struct sim_item *it)
{
	struct sim_item *p;
	size_t ncap;

	if (t->n == t->cap) {
		ncap = t->cap ? t->cap * 2 : 64;
		if ((p = reallocarray(t->items, ncap, sizeof(*p))) == NULL)
			return -1;
		t->items = p;
		t->cap = ncap;
	}
	t->items[t->n++] = *it;
	return 0;
}

/*
 * Read the whole traffic file; each item's m.lane is its lane ("L01"),
 * *maxlane the highest lane seen.  Errors name FILE:LINE.
 */
int
traffic_load(const char *path, struct sim_traffic *t, int *maxlane)
{
	FILE *f;
	char *line = NULL, err[256];
	size_t cap = 0;
	ssize_t n;
	struct sim_item it;
	int lineno = 0, lane, rc = 65;

	*maxlane = 0;
	if ((f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r")) == NULL) {
		log_warn("%s", path);
		return 66;
	}
	while ((n = getline(&line, &cap, f)) != -1) {
		lineno++;
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		if (n == 0)
			continue;
		if (parse_line(line, (size_t)n, &it, &lane, err,
		    sizeof(err)) == -1) {
			log_warnx("%s:%d: %s", path, lineno, err);
			goto done;
		}
		it.lineno = lineno;
		snprintf(it.m.lane, sizeof(it.m.lane), "L%02d", lane);
		if (lane > *maxlane)
			*maxlane = lane;
		if (traffic_add(t, &it) == -1) {
			log_warnx("%s:%d: out of memory", path, lineno);
			goto done;
		}
	}
	if (ferror(f)) {
		log_warn("%s", path);
		rc = 66;
		goto done;
	}
	rc = 0;
done:
	free(line);
	if (f != stdin)
		fclose(f);
	return rc;
}

void
traffic_free(struct sim_traffic *t)
{
	free(t->items);
	memset(t, 0, sizeof(*t));
}
