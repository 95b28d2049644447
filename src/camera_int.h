/* What the camera parsers (camera.c, camera_xml.c, camera_multipart.c) share. */
#ifndef WEIGHGATE_CAMERA_INT_H
#define WEIGHGATE_CAMERA_INT_H

#include <stdarg.h>

#include "weighgate/camera.h"

#define CAMERA_TEXT_MAX	128	/* one element's or key's text, raw */

/*
 * The elements of an ISAPI EventNotificationAlert that a read takes, as
 * both the XML and the JSON form name them (the ANPR_* ones inside ANPR).
 */
enum isapi_field {
	ISAPI_EVENT_TYPE, ISAPI_DATE_TIME, ISAPI_CHANNEL, ISAPI_DYN_CHANNEL,
	ISAPI_IP, ISAPI_IPV6, ISAPI_MAC, ISAPI_DEVICE,
	ISAPI_ANPR,			/* the ANPR element itself */
	ISAPI_ANPR_PLATE, ISAPI_ANPR_COLOR, ISAPI_ANPR_CONFIDENCE,
	ISAPI_NFIELDS
};

/* One field's name in the document and whether it sits inside ANPR. */
struct isapi_name {
	const char *name;
	bool in_anpr;
};

extern const struct isapi_name camera_isapi_names[ISAPI_NFIELDS];

/* The texts found (NULL: absent) and, for XML, the line of each. */
struct isapi_fields {
	const char *text[ISAPI_NFIELDS];
	unsigned long line[ISAPI_NFIELDS];
};

void camera_errf(char *err, size_t errsz, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void camera_read_clear(struct camera_read *r, enum camera_format f);

/*
 * The document in UTF-8: converted from charset (UTF-8, ASCII, GB18030
 * and its subsets GBK, GB2312), validated either way.  *out is malloc'd
 * and NUL-terminated.  0, or -1 with err naming the byte offset.
 */
int camera_to_utf8(const char *buf, size_t len, const char *charset,
    char **out, size_t *outlen, char *err, size_t errsz);

/*
 * The value of parameter name in a header value "type/sub; a=b; c="d"",
 * unquoted, into out.  0, or -1 when absent or longer than outsz - 1.
 */
int camera_header_param(const char *value, const char *name, char *out,
    size_t outsz);
/* Whether a Content-Type value names an XML, a JSON or a multipart body. */
bool camera_type_is(const char *value, const char *kind);

/* Build the read from an alert's fields (both ISAPI forms end here). */
enum camera_status camera_isapi_finish(const struct isapi_fields *f,
    struct camera_read *r, char *err, size_t errsz);

#endif
