/* Replay inputs: JSON Lines, CSV and weighgate databases, told apart by content. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "weighgate/store.h"

#include "replay.h"

/*
 * How it fits: a file is read through one big buffer (read(2), lines found
 * with memchr, parsed where they lie), so the JSON Lines path costs little
 * more than the parse itself.  The first bytes say what the input is: the
 * SQLite header, a '{' (JSON Lines) or else a CSV header row.  A database
 * is opened through the store's reader (read-only) and its weighing
 * events read in seq order.
 */

#define BUF_INITIAL	(1u << 20)

struct input {
	const char *name;
	enum input_kind kind;
	long long where;
	/* files */
	int fd;
	char *buf;
	size_t cap, start, len;
	bool eof;
	uint64_t done, total;
	struct csvrec *csv;
	/* databases */
	store_reader_t *db;
	/* plate_source = camera */
	struct replay_read read;
	struct replay_cam cam;
};

/* More bytes after buf[start..len): 1 read, 0 at end of file, -1 error. */
static int
fill(struct input *in)
{
	ssize_t n;

	if (in->start > 0) {
		memmove(in->buf, in->buf + in->start, in->len - in->start);
		in->len -= in->start;
		in->start = 0;
	}
	if (in->len == in->cap) {
		char *p = realloc(in->buf, in->cap * 2);

		if (p == NULL)
			return -1;
		in->buf = p;
		in->cap *= 2;
	}
	do
		n = read(in->fd, in->buf + in->len, in->cap - in->len);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -1;
	if (n == 0) {
		in->eof = true;
		return 0;
	}
	in->len += (size_t)n;
	in->done += (uint64_t)n;
	return 1;
}

/* The next line, without its line end; 0, or 1 at EOF, -1 on error. */
static int
next_line(struct input *in, const char **line, size_t *len)
{
	char *nl;
	size_t n;

	for (;;) {
		nl = memchr(in->buf + in->start, '\n', in->len - in->start);
		if (nl != NULL || in->eof)
			break;
		if (fill(in) < 0)
			return -1;
	}
	if (nl == NULL && in->start == in->len)
		return 1;
	*line = in->buf + in->start;
	n = nl != NULL ? (size_t)(nl - *line) : in->len - in->start;
	in->start += n + (nl != NULL);
	while (n > 0 && (*line)[n - 1] == '\r')
		n--;
	*len = n;
	in->where++;
	return 0;
}

static bool
blank(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\f' && s[i] != '\v')
			return false;
	return true;
}

static enum read_status
status_of(enum record_status st)
{
	return st == RECORD_OK ? READ_RECORD :
	    st == RECORD_SKIP ? READ_SKIP : READ_BAD;
}

static bool
has_key(const char *s, size_t len, const char *key)
{
	return memmem(s, len, key, strlen(key)) != NULL;
}

/* The plates a camera lane's weighing recorded ("plates":[...]). */
static void
cam_plates(struct replay_cam *c, const cJSON *plates)
{
	const cJSON *e, *p, *col;
	enum pcolor color;
	int i;

	cJSON_ArrayForEach(e, plates) {
		p = cJSON_GetObjectItemCaseSensitive(e, "plate");
		col = cJSON_GetObjectItemCaseSensitive(e, "plate_color");
		if (!cJSON_IsString(p) || p->valuestring[0] == '\0')
			continue;
		color = PC_UNKNOWN;
		if (cJSON_IsString(col))
			(void)meas_color_parse(col->valuestring, &color);
		for (i = 0; i < c->n; i++)
			if (strcmp(c->plates[i].plate, p->valuestring) == 0)
				break;
		if (i < c->n || c->n == RULES_MAX_PLATES)
			continue;
		snprintf(c->plates[c->n].plate, sizeof(c->plates[c->n].plate),
		    "%s", p->valuestring);
		c->plates[c->n++].color = color;
	}
}

/*
 * What a weighing line or body says of its camera pairing: "plate_source":
 * "camera", "received_mono_ms" and "plates" (docs/lane.md).  Only lines
 * that name one of them are parsed again, so other inputs cost nothing.
 */
static void
cam_scan(struct input *in, const char *s, size_t len)
{
	const cJSON *v;
	cJSON *j;

	memset(&in->cam, 0, sizeof(in->cam));
	if (!has_key(s, len, "\"received_mono_ms\"") &&
	    !has_key(s, len, "\"plates\""))
		return;
	if ((j = cJSON_ParseWithLength(s, len)) == NULL)
		return;
	v = cJSON_GetObjectItemCaseSensitive(j, "received_mono_ms");
	if (cJSON_IsNumber(v) && v->valuedouble >= 0 && v->valuedouble < 9e15) {
		in->cam.camera = in->cam.has_mono = true;
		in->cam.mono_ms = (int64_t)v->valuedouble;
	}
	v = cJSON_GetObjectItemCaseSensitive(j, "plates");
	if (cJSON_IsArray(v)) {
		in->cam.camera = true;
		cam_plates(&in->cam, v);
	}
	cJSON_Delete(j);
}

/*
 * {"plate_read":{"lane","plate","plate_color","received_mono_ms",...}}:
 * READ_PLATE, READ_BAD with err, or READ_RECORD when the line is not one.
 */
static enum read_status
plate_line(struct input *in, const char *s, size_t len, char *err,
    size_t errlen)
{
	const cJSON *o, *lane, *plate, *col, *ms;
	enum read_status st = READ_BAD;
	struct replay_read *r = &in->read;
	cJSON *j;

	if ((j = cJSON_ParseWithLength(s, len)) == NULL)
		return READ_RECORD;	/* the record reader says where */
	memset(r, 0, sizeof(*r));
	o = cJSON_GetObjectItemCaseSensitive(j, "plate_read");
	if (o == NULL) {	/* the text is in some other value: a record */
		cJSON_Delete(j);
		return READ_RECORD;
	}
	lane = cJSON_GetObjectItemCaseSensitive(o, "lane");
	plate = cJSON_GetObjectItemCaseSensitive(o, "plate");
	col = cJSON_GetObjectItemCaseSensitive(o, "plate_color");
	ms = cJSON_GetObjectItemCaseSensitive(o, "received_mono_ms");
	if (!cJSON_IsObject(o))
		snprintf(err, errlen, "plate_read: must be an object");
	else if (!cJSON_IsString(lane) || lane->valuestring[0] == '\0' ||
	    strlen(lane->valuestring) >= sizeof(r->lane))
		snprintf(err, errlen, "plate_read.lane: must be 1-15 bytes");
	else if (!cJSON_IsNull(plate) && (!cJSON_IsString(plate) ||
	    strlen(plate->valuestring) >= sizeof(r->plate)))
		snprintf(err, errlen, "plate_read.plate: must be a plate or null");
	else if (!cJSON_IsNumber(ms) || ms->valuedouble < 0 ||
	    ms->valuedouble >= 9e15 || ms->valuedouble !=
	    (double)(int64_t)ms->valuedouble)
		snprintf(err, errlen, "plate_read.received_mono_ms: must be a "
		    "non-negative integer");
	else if (col != NULL && (!cJSON_IsString(col) ||
	    meas_color_parse(col->valuestring, &r->color) != 0))
		snprintf(err, errlen, "plate_read.plate_color: unknown colour");
	else {
		snprintf(r->lane, sizeof(r->lane), "%s", lane->valuestring);
		r->has_plate = cJSON_IsString(plate) && plate->valuestring[0];
		if (r->has_plate)
			snprintf(r->plate, sizeof(r->plate), "%s",
			    plate->valuestring);
		r->mono_ms = (int64_t)ms->valuedouble;
		st = READ_PLATE;
	}
	cJSON_Delete(j);
	return st;
}

static enum read_status
file_next(struct input *in, struct record *r, char *err, size_t errlen)
{
	enum read_status st;
	const char *line;
	size_t len;
	int rc;

	do {
		if ((rc = next_line(in, &line, &len)) != 0) {
			if (rc > 0)
				return READ_EOF;
			snprintf(err, errlen, "%s", strerror(errno ? errno : EIO));
			return READ_ERROR;
		}
	} while (blank(line, len));
	memset(&in->cam, 0, sizeof(in->cam));
	if (in->kind == IN_CSV)
		return status_of(csvrec_read(in->csv, line, len, r, err,
		    errlen));
	if (has_key(line, len, "\"plate_read\"") &&
	    (st = plate_line(in, line, len, err, errlen)) != READ_RECORD)
		return st;
	cam_scan(in, line, len);
	return status_of(jsonrec_read_json(line, len, r, err, errlen));
}

static enum read_status
db_next(struct input *in, struct record *r, char *err, size_t errlen)
{
	const char *body;
	int64_t seq;
	size_t len;
	int rc;

	if ((rc = store_reader_weighing(in->db, &seq, &body, &len, err,
	    errlen)) <= 0)
		return rc == 0 ? READ_EOF : READ_ERROR;
	in->where = seq;
	if (body == NULL) {
		snprintf(err, errlen, "event without a body");
		return READ_BAD;
	}
	cam_scan(in, body, len);
	return status_of(jsonrec_read_event(body, len, r, err, errlen));
}

const struct replay_read *
input_plate_read(const struct input *in)
{
	return &in->read;
}

const struct replay_cam *
input_camera(const struct input *in)
{
	return &in->cam;
}

enum read_status
input_next(struct input *in, struct record *r, char *err, size_t errlen)
{
	return in->kind == IN_DB ? db_next(in, r, err, errlen) :
	    file_next(in, r, err, errlen);
}

static int
db_open(struct input *in, char *err, size_t errlen)
{
	char why[256];

	if (in->fd == STDIN_FILENO) {
		snprintf(err, errlen, "a database cannot be read from "
		    "standard input");
		return -1;
	}
	close(in->fd);
	in->fd = -1;
	in->kind = IN_DB;
	if ((in->db = store_reader_open(in->name, why, sizeof(why))) == NULL) {
		snprintf(err, errlen, "not a weighgate database: %s", why);
		return -1;
	}
	return 0;
}

/* The first line that is not blank, as a CSV header. */
static int
csv_open(struct input *in, char *err, size_t errlen)
{
	char why[256];
	const char *line;
	size_t len;

	in->kind = IN_CSV;
	do {
		if (next_line(in, &line, &len) != 0) {
			snprintf(err, errlen, "%s", strerror(errno ? errno : EIO));
			return -1;
		}
	} while (blank(line, len));
	if ((in->csv = csvrec_new(line, len, why, sizeof(why))) == NULL) {
		snprintf(err, errlen, "line %lld: not JSON Lines, CSV or a "
		    "weighgate database (as a CSV header: %s)", in->where, why);
		return -1;
	}
	return 0;
}

/* What the first bytes say the input is. */
static int
sniff(struct input *in, char *err, size_t errlen)
{
	const unsigned char *p, *end;

	while (in->len < 16 && !in->eof)
		if (fill(in) < 0) {
			snprintf(err, errlen, "%s", strerror(errno));
			return -1;
		}
	if (in->len >= 16 && memcmp(in->buf, "SQLite format 3", 16) == 0)
		return db_open(in, err, errlen);
	for (;;) {
		p = (const unsigned char *)in->buf;
		end = p + in->len;
		if (in->len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
			p += 3;
		while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' ||
		    *p == '\n'))
			p++;
		if (p < end || in->eof)
			break;
		if (fill(in) < 0) {
			snprintf(err, errlen, "%s", strerror(errno));
			return -1;
		}
	}
	in->kind = IN_JSONL;
	if (p == end || *p == '{')
		return 0;
	return csv_open(in, err, errlen);
}

struct input *
input_open(const char *path, char *err, size_t errlen)
{
	struct input *in;
	struct stat sb;

	if ((in = calloc(1, sizeof(*in))) == NULL ||
	    (in->buf = malloc(BUF_INITIAL)) == NULL) {
		free(in);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	in->cap = BUF_INITIAL;
	in->name = strcmp(path, "-") == 0 ? "stdin" : path;
	if (strcmp(path, "-") == 0)
		in->fd = STDIN_FILENO;
	else if ((in->fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		snprintf(err, errlen, "%s", strerror(errno));
		goto fail;
	}
	if (fstat(in->fd, &sb) == 0 && S_ISREG(sb.st_mode))
		in->total = (uint64_t)sb.st_size;
	if (fstat(in->fd, &sb) == 0 && S_ISDIR(sb.st_mode)) {
		snprintf(err, errlen, "is a directory");
		goto fail;
	}
	if (sniff(in, err, errlen) != 0)
		goto fail;
	return in;
fail:
	input_close(in);
	return NULL;
}

void
input_close(struct input *in)
{
	if (in == NULL)
		return;
	store_reader_close(in->db);
	if (in->fd > STDIN_FILENO)
		close(in->fd);
	csvrec_free(in->csv);
	free(in->buf);
	free(in);
}

enum input_kind
input_kind(const struct input *in)
{
	return in->kind;
}

const char *
input_name(const struct input *in)
{
	return in->name;
}

long long
input_where(const struct input *in)
{
	return in->where;
}

void
input_progress(const struct input *in, uint64_t *done, uint64_t *total)
{
	*done = in->kind == IN_DB ? 0 : in->done;
	*total = in->kind == IN_DB ? 0 : in->total;
}

char *
input_db_lists(struct input *in, char *err, size_t errlen)
{
	if (in->kind != IN_DB)
		return NULL;
	return store_reader_lists(in->db, err, errlen);
}
