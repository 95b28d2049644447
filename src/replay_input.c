/* Replay inputs: JSON Lines, CSV and weighgate databases, told apart by content. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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
	struct record_csv *csv;
	/* databases */
	store_reader_t *db;
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

static enum read_status
file_next(struct input *in, struct record *r, char *err, size_t errlen)
{
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
	if (in->kind == IN_CSV)
		return status_of(record_read_csv(in->csv, line, len, r, err,
		    errlen));
	return status_of(record_read_json(line, len, r, err, errlen));
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
	return status_of(record_read_event(body, len, r, err, errlen));
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
	if ((in->csv = record_csv_new(line, len, why, sizeof(why))) == NULL) {
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
	record_csv_free(in->csv);
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
