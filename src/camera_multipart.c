/*
 * multipart/form-data bodies (RFC 7578, RFC 2046 §5.1) as cameras push
 * them: one alarm part (XML or JSON) and JPEG parts.  Written by hand:
 * libevent has no multipart reader, and the splitter is a page of code.
 * The body stays where it is: the alarm part is parsed in place and the
 * JPEG parts become spans (offset, length) into it.
 *
 * Line ends may be CRLF, as the RFC says, or a bare LF, as some camera
 * firmware writes; a delimiter is "--boundary" at the start of the body or
 * after a line end, followed by "--" (the last) or blanks and a line end.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "camera_int.h"

#define MP_HEADERS_MAX	4096	/* one part's header block */
#define MP_BOUNDARY_MAX	70	/* RFC 2046 */

enum part_kind { PART_OTHER, PART_ALARM_XML, PART_ALARM_JSON, PART_JPEG };

struct part {
	unsigned no;			/* 1, 2, ... */
	size_t hdr_off;			/* where its headers begin */
	size_t off, len;		/* its content */
	enum part_kind kind;
	char name[CAMERA_NAME_MAX];
	char charset[32];
};

struct splitter {
	const char *buf;
	size_t len;
	char delim[MP_BOUNDARY_MAX + 3];	/* "--" boundary */
	size_t dlen;
	char *err;
	size_t errsz;
};

/* Whether a delimiter starts at i (already known to match "--boundary"). */
static size_t
delim_end(const struct splitter *s, size_t i, bool *last)
{
	size_t j = i + s->dlen;

	*last = false;
	if (j + 2 <= s->len && s->buf[j] == '-' && s->buf[j + 1] == '-') {
		*last = true;
		return j + 2;
	}
	while (j < s->len && (s->buf[j] == ' ' || s->buf[j] == '\t'))
		j++;
	if (j < s->len && s->buf[j] == '\n')
		return j + 1;
	if (j + 1 < s->len && s->buf[j] == '\r' && s->buf[j + 1] == '\n')
		return j + 2;
	return 0;
}

/*
 * The next delimiter at or after from: *at is where its line end (or the
 * body) begins, the return value where the next part's headers begin;
 * 0 when there is none.
 */
static size_t
next_delim(const struct splitter *s, size_t from, size_t *at, bool *last)
{
	const char *p;
	size_t i = from, end;

	if (from == 0 && s->len >= s->dlen &&
	    memcmp(s->buf, s->delim, s->dlen) == 0 &&
	    (end = delim_end(s, 0, last)) != 0) {
		*at = 0;
		return end;
	}
	while (i < s->len && (p = memmem(s->buf + i, s->len - i, s->delim,
	    s->dlen)) != NULL) {
		i = (size_t)(p - s->buf);
		if (i > 0 && s->buf[i - 1] == '\n' &&
		    (end = delim_end(s, i, last)) != 0) {
			*at = i - 1;
			if (*at > from && s->buf[*at - 1] == '\r')
				(*at)--;
			if (*at < from)		/* empty content */
				*at = from;
			return end;
		}
		i++;
	}
	return 0;
}

/* One header line "Name: value" of a part; name is matched case-free. */
static void
part_header(struct part *pt, const char *line, size_t n)
{
	char v[256];
	const char *colon = memchr(line, ':', n);
	size_t k;

	if (colon == NULL)
		return;
	k = n - (size_t)(colon + 1 - line);
	if (k >= sizeof(v))
		k = sizeof(v) - 1;
	memcpy(v, colon + 1, k);
	v[k] = '\0';
	k = (size_t)(colon - line);
	if (k == 12 && strncasecmp(line, "Content-Type", 12) == 0) {
		if (camera_type_is(v + strspn(v, " \t"), "xml"))
			pt->kind = PART_ALARM_XML;
		else if (camera_type_is(v + strspn(v, " \t"), "json"))
			pt->kind = PART_ALARM_JSON;
		else if (strcasestr(v, "image/jpeg") != NULL ||
		    strcasestr(v, "image/pjpeg") != NULL)
			pt->kind = PART_JPEG;
		(void)camera_header_param(v, "charset", pt->charset,
		    sizeof(pt->charset));
	} else if (k == 19 && strncasecmp(line, "Content-Disposition", 19) == 0) {
		if (camera_header_param(v, "filename", pt->name,
		    sizeof(pt->name)) < 0)
			(void)camera_header_param(v, "name", pt->name,
			    sizeof(pt->name));
	}
}

/* Without a Content-Type, the file name tells what a part is. */
static enum part_kind
kind_by_name(const char *name)
{
	size_t n = strlen(name);

	if (n > 4 && strcasecmp(name + n - 4, ".xml") == 0)
		return PART_ALARM_XML;
	if (n > 5 && strcasecmp(name + n - 5, ".json") == 0)
		return PART_ALARM_JSON;
	if ((n > 4 && strcasecmp(name + n - 4, ".jpg") == 0) ||
	    (n > 5 && strcasecmp(name + n - 5, ".jpeg") == 0))
		return PART_JPEG;
	return PART_OTHER;
}

/* The header block of pt at i: its lines, up to the empty line. */
static int
part_headers(const struct splitter *s, struct part *pt, size_t i)
{
	bool typed = false;
	const char *nl;
	size_t n;

	for (;;) {
		nl = memchr(s->buf + i, '\n', s->len - i);
		if (nl == NULL || (size_t)(nl - s->buf) - pt->hdr_off > MP_HEADERS_MAX) {
			camera_errf(s->err, s->errsz, "part %u at byte %zu: "
			    "headers not ended within %d bytes", pt->no,
			    pt->hdr_off, MP_HEADERS_MAX);
			return -1;
		}
		n = (size_t)(nl - (s->buf + i));
		if (n > 0 && s->buf[i + n - 1] == '\r')
			n--;
		if (n == 0)
			break;
		if (memchr(s->buf + i, ':', n) == NULL) {
			camera_errf(s->err, s->errsz, "part %u at byte %zu: "
			    "header line without ':'", pt->no, i);
			return -1;
		}
		typed |= n > 13 && strncasecmp(s->buf + i, "Content-Type:", 13) == 0;
		part_header(pt, s->buf + i, n);
		i = (size_t)(nl - s->buf) + 1;
	}
	if (i == pt->hdr_off) {
		camera_errf(s->err, s->errsz, "part %u at byte %zu: no headers",
		    pt->no, pt->hdr_off);
		return -1;
	}
	if (!typed)
		pt->kind = kind_by_name(pt->name);
	pt->off = (size_t)(nl - s->buf) + 1;
	return 0;
}

/* The boundary of a multipart Content-Type, into s->delim as "--b". */
static int
boundary(struct splitter *s, const char *content_type)
{
	char b[MP_BOUNDARY_MAX + 2];

	if (content_type == NULL || !camera_type_is(content_type, "multipart")) {
		camera_errf(s->err, s->errsz, "Content-Type is not "
		    "multipart/form-data");
		return -1;
	}
	if (camera_header_param(content_type, "boundary", b, sizeof(b)) < 0 ||
	    b[0] == '\0' || strlen(b) > MP_BOUNDARY_MAX) {
		camera_errf(s->err, s->errsz, "Content-Type without a boundary "
		    "of 1-%d characters", MP_BOUNDARY_MAX);
		return -1;
	}
	s->dlen = (size_t)snprintf(s->delim, sizeof(s->delim), "--%s", b);
	return 0;
}

/* Keep what a part is: the alarm (one only) or a picture (bounded). */
static int
keep_part(const struct splitter *s, const struct part *pt,
    struct part *alarm, struct camera_span *jpeg, unsigned *njpeg)
{
	if (pt->kind == PART_ALARM_XML || pt->kind == PART_ALARM_JSON) {
		if (alarm->no != 0) {
			camera_errf(s->err, s->errsz, "part %u (%s) at byte %zu: "
			    "a second alarm part (the first is part %u)",
			    pt->no, pt->name, pt->hdr_off, alarm->no);
			return -1;
		}
		*alarm = *pt;
	} else if (pt->kind == PART_JPEG) {
		if (*njpeg == CAMERA_JPEG_MAX) {
			camera_errf(s->err, s->errsz, "part %u (%s) at byte %zu: "
			    "more than %d pictures", pt->no, pt->name,
			    pt->hdr_off, CAMERA_JPEG_MAX);
			return -1;
		}
		jpeg[*njpeg].off = pt->off;
		jpeg[*njpeg].len = pt->len;
		memcpy(jpeg[*njpeg].name, pt->name, sizeof(pt->name));
		(*njpeg)++;
	}
	return 0;
}

/* One part at i (its headers): content up to the next delimiter. */
static size_t
split_part(const struct splitter *s, const struct camera_limits *lim,
    struct part *pt, size_t i, bool *last)
{
	size_t at, next;

	pt->hdr_off = i;
	if (part_headers(s, pt, i) < 0)
		return 0;
	if ((next = next_delim(s, pt->off, &at, last)) == 0) {
		camera_errf(s->err, s->errsz, "part %u (%s) at byte %zu: no "
		    "closing boundary", pt->no, pt->name, pt->hdr_off);
		return 0;
	}
	pt->len = at - pt->off;
	if (pt->len > lim->part_max) {
		camera_errf(s->err, s->errsz, "part %u (%s) at byte %zu: %zu "
		    "bytes, over the part limit of %zu", pt->no, pt->name,
		    pt->hdr_off, pt->len, lim->part_max);
		return 0;
	}
	return next;
}

/* Split the body; the alarm part and the pictures are returned. */
static int
split(const struct splitter *s, const struct camera_limits *lim,
    struct part *alarm, struct camera_span *jpeg, unsigned *njpeg)
{
	struct part pt;
	size_t i, at;
	bool last = false;
	unsigned no = 0;

	if ((i = next_delim(s, 0, &at, &last)) == 0) {
		camera_errf(s->err, s->errsz, "no \"%s\" boundary line in the "
		    "body", s->delim);
		return -1;
	}
	while (!last) {
		if (++no > lim->parts_max) {
			camera_errf(s->err, s->errsz, "part %u at byte %zu: more "
			    "than %u parts", no, i, lim->parts_max);
			return -1;
		}
		memset(&pt, 0, sizeof(pt));
		pt.no = no;
		if ((i = split_part(s, lim, &pt, i, &last)) == 0 ||
		    keep_part(s, &pt, alarm, jpeg, njpeg) < 0)
			return -1;
	}
	if (alarm->no == 0) {
		camera_errf(s->err, s->errsz, "no alarm part (XML or JSON) "
		    "among %u parts", no);
		return -1;
	}
	return 0;
}

/* Parse the alarm part; a refusal is prefixed with where the part is. */
static enum camera_status
parse_alarm(const struct splitter *s, const struct part *a,
    const struct camera_limits *lim, struct camera_read *r)
{
	const char *cs = a->charset[0] != '\0' ? a->charset : NULL;
	const char *body = s->buf + a->off;
	char msg[200] = "";
	enum camera_status st;

	if (a->kind == PART_ALARM_XML)
		st = camera_parse_isapi_xml(body, a->len, cs, lim, r, msg,
		    sizeof(msg));
	else
		st = camera_parse_isapi_json(body, a->len, cs, lim, r, msg,
		    sizeof(msg));
	if (st == CAMERA_BAD)
		camera_errf(s->err, s->errsz, "part %u (%s), content at byte "
		    "%zu: %s", a->no, a->name, a->off, msg);
	return st;
}

enum camera_status
camera_parse_multipart(const char *content_type, const char *buf,
    size_t len, const struct camera_limits *lim, struct camera_read *r,
    char *err, size_t errsz)
{
	struct splitter s = { .buf = buf, .len = len, .err = err, .errsz = errsz };
	struct camera_span jpeg[CAMERA_JPEG_MAX];
	struct part alarm;
	unsigned njpeg = 0;
	enum camera_status st;

	camera_read_clear(r, CAMERA_ISAPI_XML);
	memset(&alarm, 0, sizeof(alarm));
	if (len > lim->body_max) {
		camera_errf(err, errsz, "body of %zu bytes is over the limit "
		    "of %zu", len, lim->body_max);
		return CAMERA_BAD;
	}
	if (boundary(&s, content_type) < 0 ||
	    split(&s, lim, &alarm, jpeg, &njpeg) < 0)
		return CAMERA_BAD;
	if ((st = parse_alarm(&s, &alarm, lim, r)) != CAMERA_BAD) {
		memcpy(r->jpeg, jpeg, njpeg * sizeof(jpeg[0]));
		r->njpeg = njpeg;
	}
	return st;
}
