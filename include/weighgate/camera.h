/* Plate reads pushed by lane cameras: the pure parsers of docs/camera.md. */
#ifndef WEIGHGATE_CAMERA_H
#define WEIGHGATE_CAMERA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Every parser here works on a byte buffer the caller owns and keeps it
 * as it is: no socket, file, clock or global.  A push is one of
 *   - a Hikvision ISAPI EventNotificationAlert, XML or JSON;
 *   - a multipart/form-data body holding such an alarm and JPEG parts;
 *   - the generic JSON push {"camera","ts","plate","color","confidence"}.
 * The result is a struct camera_read; a refused push leaves a message in
 * err naming the part, the element and the byte offset.
 */

#define CAMERA_ID_MAX		64	/* camera id, channel, address: bytes + NUL */
#define CAMERA_TIME_MAX		40	/* the camera's time as it wrote it */
#define CAMERA_PLATE_MAX	64	/* a normalised plate, bytes + NUL */
#define CAMERA_EVENT_MAX	32	/* eventType */
#define CAMERA_NAME_MAX		64	/* a part's file name */
#define CAMERA_JPEG_MAX		4	/* JPEG parts kept at hand */

enum camera_status {
	CAMERA_BAD = -1,	/* refused: err says why and where */
	CAMERA_PLATE = 0,	/* a plate read (the plate may be absent) */
	CAMERA_OTHER = 1,	/* a valid push that is not a plate read */
};

enum camera_format {
	CAMERA_ISAPI_XML,
	CAMERA_ISAPI_JSON,
	CAMERA_GENERIC_JSON,
};

enum camera_color {
	CAMERA_COLOR_UNKNOWN,	/* not given, or "unknown" */
	CAMERA_COLOR_BLUE,
	CAMERA_COLOR_YELLOW,
	CAMERA_COLOR_WHITE,
	CAMERA_COLOR_BLACK,
	CAMERA_COLOR_GREEN,
	CAMERA_COLOR_YELLOW_GREEN,	/* new-energy lorry plates */
	CAMERA_COLOR_OTHER,	/* a value this version does not know */
};

/* Where a JPEG part's bytes lie in the body handed to the parser. */
struct camera_span {
	size_t off, len;
	char name[CAMERA_NAME_MAX];	/* filename=, else name= */
};

struct camera_limits {
	size_t body_max;	/* the whole body */
	size_t alarm_max;	/* the alarm document (XML or JSON) */
	size_t part_max;	/* one multipart part's content */
	unsigned parts_max;	/* multipart parts, pictures included */
	unsigned depth_max;	/* element / object nesting */
};

struct camera_read {
	enum camera_format format;
	char event_type[CAMERA_EVENT_MAX];	/* "ANPR", "videoloss", ... */
	/* as the push gives them; "" when absent */
	char camera[CAMERA_ID_MAX];	/* deviceID, or the generic "camera" */
	char channel[CAMERA_ID_MAX];	/* channelID (dynChannelID) */
	char ip[CAMERA_ID_MAX];		/* ipAddress (ipv6Address) */
	char mac[CAMERA_ID_MAX];	/* macAddress */
	/* the camera's clock: never used for pairing (docs/camera.md) */
	char time_text[CAMERA_TIME_MAX];
	bool time_ok;			/* time_text parsed, with its offset */
	int64_t time_ms;		/* UTC ms since the epoch, if time_ok */
	bool has_plate;			/* false for 无车牌, "", "unknown" */
	char plate[CAMERA_PLATE_MAX];	/* normalised (plate_normalize) */
	enum camera_color color;
	int confidence;			/* 0-100, -1 when not given */
	unsigned njpeg;
	struct camera_span jpeg[CAMERA_JPEG_MAX];
};

/* The limits of docs/camera.md, for a caller to start from. */
void camera_limits_default(struct camera_limits *lim);

/*
 * Any push: content_type is the request's Content-Type header (NULL when
 * absent: the body's first byte then tells XML from JSON).  multipart/
 * form-data goes to camera_parse_multipart, XML to the ISAPI XML parser,
 * JSON with "eventType" to the ISAPI JSON parser, other JSON to the
 * generic one.
 */
enum camera_status camera_parse(const char *content_type, const char *buf,
    size_t len, const struct camera_limits *lim, struct camera_read *r,
    char *err, size_t errsz);

/*
 * A multipart/form-data body; the boundary comes from content_type.  One
 * alarm part (XML or JSON) is required; JPEG parts are kept as spans.
 */
enum camera_status camera_parse_multipart(const char *content_type,
    const char *buf, size_t len, const struct camera_limits *lim,
    struct camera_read *r, char *err, size_t errsz);

/*
 * An ISAPI EventNotificationAlert in XML.  charset is the Content-Type's
 * charset parameter or NULL; it wins over the XML declaration's encoding;
 * neither given means UTF-8.  UTF-8 and GB18030 (GBK, GB2312) are accepted.
 */
enum camera_status camera_parse_isapi_xml(const char *buf, size_t len,
    const char *charset, const struct camera_limits *lim,
    struct camera_read *r, char *err, size_t errsz);

/* The same alarm in JSON; charset as above (JSON has no declaration). */
enum camera_status camera_parse_isapi_json(const char *buf, size_t len,
    const char *charset, const struct camera_limits *lim,
    struct camera_read *r, char *err, size_t errsz);

/* The generic push of docs/camera.md; charset as above. */
enum camera_status camera_parse_generic(const char *buf, size_t len,
    const char *charset, const struct camera_limits *lim,
    struct camera_read *r, char *err, size_t errsz);

const char *camera_color_name(enum camera_color c);

#endif
