/*
 * The Hikvision ISAPI EventNotificationAlert in XML, on expat.
 *
 * expat rather than libxml2: the alert is a flat document of a few dozen
 * elements, expat is a 200 kB library with no further dependencies, and
 * its streaming callbacks let the parser take the dozen elements it needs
 * and bound depth and text as it goes.  Hardened: the document is first
 * converted to UTF-8 (camera_to_utf8) and parsed as UTF-8; any DOCTYPE is
 * refused, so there are no entities to expand, internal or external;
 * depth and size are bounded (struct camera_limits).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <expat.h>

#include "camera_int.h"

#define NS_SEP	'|'

/* The namespaces an alert may be in; "" is none. */
static const char *const isapi_ns[] = {
	"",
	"http://www.isapi.org/ver20/XMLSchema",
	"http://www.isapi.org/ver10/XMLSchema",
	"http://www.hikvision.com/ver20/XMLSchema",
	"http://www.hikvision.com/ver10/XMLSchema",
};

struct xml_ctx {
	XML_Parser p;
	const struct camera_limits *lim;
	unsigned depth;
	bool in_anpr;			/* inside the root's ANPR element */
	int field;			/* the field element open, or -1 */
	char root_ns[64];
	char text[ISAPI_NFIELDS][CAMERA_TEXT_MAX];
	size_t textlen;
	struct isapi_fields f;
	char *err;
	size_t errsz;
	bool failed;
};

/* Stop the parse with a message naming the line. */
static void xml_fail(struct xml_ctx *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
xml_fail(struct xml_ctx *c, const char *fmt, ...)
{
	char msg[160];
	va_list ap;

	if (c->failed)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	camera_errf(c->err, c->errsz, "line %lu: %s",
	    (unsigned long)XML_GetCurrentLineNumber(c->p), msg);
	c->failed = true;
	XML_StopParser(c->p, XML_FALSE);
}

/* Split "uri|local" into the namespace (copied) and the local name. */
static const char *
xml_local(const char *name, char *ns, size_t nssz)
{
	const char *sep = strrchr(name, NS_SEP);
	size_t n = sep != NULL ? (size_t)(sep - name) : 0;

	if (n >= nssz)
		n = nssz - 1;
	memcpy(ns, name, n);
	ns[n] = '\0';
	return sep != NULL ? sep + 1 : name;
}

static int
xml_root(struct xml_ctx *c, const char *ns, const char *local)
{
	size_t i;

	if (strcmp(local, "EventNotificationAlert") != 0) {
		xml_fail(c, "root element <%.40s>, not <EventNotificationAlert>",
		    local);
		return -1;
	}
	for (i = 0; i < sizeof(isapi_ns) / sizeof(isapi_ns[0]); i++)
		if (strcmp(ns, isapi_ns[i]) == 0) {
			snprintf(c->root_ns, sizeof(c->root_ns), "%s", ns);
			return 0;
		}
	xml_fail(c, "namespace \"%.60s\" is not ISAPI's", ns);
	return -1;
}

/* The field a child element of the root or of ANPR is, or -1. */
static int
xml_field(const struct xml_ctx *c, const char *local)
{
	unsigned i;

	if ((c->depth != 2 || c->in_anpr) && (c->depth != 3 || !c->in_anpr))
		return -1;
	for (i = 0; i < ISAPI_NFIELDS; i++)
		if (camera_isapi_names[i].in_anpr == c->in_anpr &&
		    strcmp(camera_isapi_names[i].name, local) == 0)
			return (int)i;
	return -1;
}

static void
xml_open_field(struct xml_ctx *c, int i)
{
	if (c->f.text[i] != NULL) {
		xml_fail(c, "<%s> given twice", camera_isapi_names[i].name);
		return;
	}
	c->f.line[i] = (unsigned long)XML_GetCurrentLineNumber(c->p);
	c->f.text[i] = c->text[i];
	if (i == ISAPI_ANPR) {
		c->in_anpr = true;
		return;
	}
	c->field = i;
	c->textlen = 0;
}

/* An element opens: check root, depth, and whether it is a field. */
static void XMLCALL
xml_start(void *arg, const XML_Char *name, const XML_Char **attrs)
{
	struct xml_ctx *c = arg;
	char ns[64];
	const char *local = xml_local(name, ns, sizeof(ns));
	int i;

	(void)attrs;
	if (++c->depth > c->lim->depth_max) {
		xml_fail(c, "elements nested deeper than %u", c->lim->depth_max);
		return;
	}
	if (c->field >= 0) {
		xml_fail(c, "element inside <%s>",
		    camera_isapi_names[c->field].name);
		return;
	}
	if (c->depth == 1) {
		(void)xml_root(c, ns, local);
		return;
	}
	if (strcmp(ns, c->root_ns) == 0 && (i = xml_field(c, local)) >= 0)
		xml_open_field(c, i);
}

/* An element closes: a field's text is complete. */
static void XMLCALL
xml_end(void *arg, const XML_Char *name)
{
	struct xml_ctx *c = arg;

	(void)name;
	if (c->field >= 0) {
		c->text[c->field][c->textlen] = '\0';
		c->field = -1;
	} else if (c->in_anpr && c->depth == 2)
		c->in_anpr = false;
	c->depth--;
}

/* Text inside an element: kept, bounded, for a field only. */
static void XMLCALL
xml_chars(void *arg, const XML_Char *s, int len)
{
	struct xml_ctx *c = arg;

	if (c->field < 0)
		return;
	if (c->textlen + (size_t)len >= CAMERA_TEXT_MAX) {
		xml_fail(c, "<%s> longer than the limit of the text of an "
		    "element", camera_isapi_names[c->field].name);
		return;
	}
	memcpy(c->text[c->field] + c->textlen, s, (size_t)len);
	c->textlen += (size_t)len;
}

/* A DOCTYPE: refused, and with it every entity. */
static void XMLCALL
xml_doctype(void *arg, const XML_Char *name, const XML_Char *sysid,
    const XML_Char *pubid, int has_internal_subset)
{
	(void)name, (void)sysid, (void)pubid, (void)has_internal_subset;
	xml_fail(arg, "%s", "DOCTYPE not accepted (no DTD, no entities)");
}

/* An external entity reference: never fetched. */
static int XMLCALL
xml_external(XML_Parser p, const XML_Char *context, const XML_Char *base,
    const XML_Char *sysid, const XML_Char *pubid)
{
	(void)p, (void)context, (void)base, (void)sysid, (void)pubid;
	return XML_STATUS_ERROR;
}

/*
 * The encoding the declaration names, into out ("" when none).  Only the
 * first line is looked at: the declaration must open the document.
 */
static void
xml_declared(const char *buf, size_t len, char *out, size_t outsz)
{
	const char *end, *e;
	size_t n;
	char q;

	out[0] = '\0';
	if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0)
		buf += 3, len -= 3;
	if (len < 6 || memcmp(buf, "<?xml", 5) != 0)
		return;
	n = len < 256 ? len : 256;
	if ((end = memmem(buf, n, "?>", 2)) == NULL ||
	    (e = memmem(buf, (size_t)(end - buf), "encoding", 8)) == NULL)
		return;
	e += 8;
	while (e < end && (*e == ' ' || *e == '=' || *e == '\t'))
		e++;
	if (e >= end || (*e != '"' && *e != '\''))
		return;
	q = *e++;
	for (n = 0; e < end && *e != q && n + 1 < outsz; n++)
		out[n] = *e++;
	out[n] = '\0';
}

static void
xml_setup(struct xml_ctx *c, XML_Parser p, const struct camera_limits *lim,
    char *err, size_t errsz)
{
	memset(c, 0, sizeof(*c));
	c->p = p;
	c->lim = lim;
	c->field = -1;
	c->err = err;
	c->errsz = errsz;
	XML_SetUserData(c->p, c);
	XML_SetElementHandler(c->p, xml_start, xml_end);
	XML_SetCharacterDataHandler(c->p, xml_chars);
	XML_SetStartDoctypeDeclHandler(c->p, xml_doctype);
	XML_SetExternalEntityRefHandler(c->p, xml_external);
	XML_SetParamEntityParsing(c->p, XML_PARAM_ENTITY_PARSING_NEVER);
}

/* Parse the UTF-8 text; 0, or -1 with err set. */
static int
xml_run(struct xml_ctx *c, const char *u8, size_t n)
{
	XML_Parser p = c->p;

	if (XML_Parse(p, u8, (int)n, XML_TRUE) == XML_STATUS_OK && !c->failed)
		return 0;
	if (!c->failed)
		camera_errf(c->err, c->errsz, "line %lu column %lu (byte %ld): %s",
		    (unsigned long)XML_GetCurrentLineNumber(p),
		    (unsigned long)XML_GetCurrentColumnNumber(p),
		    (long)XML_GetCurrentByteIndex(p),
		    XML_ErrorString(XML_GetErrorCode(p)));
	return -1;
}

enum camera_status
camera_parse_isapi_xml(const char *buf, size_t len, const char *charset,
    const struct camera_limits *lim, struct camera_read *r, char *err,
    size_t errsz)
{
	char declared[32];
	struct xml_ctx *c;
	char *u8 = NULL;
	size_t n;
	enum camera_status st = CAMERA_BAD;
	XML_Parser p;

	camera_read_clear(r, CAMERA_ISAPI_XML);
	if (len > lim->alarm_max) {
		camera_errf(err, errsz, "XML of %zu bytes is over the limit "
		    "of %zu", len, lim->alarm_max);
		return CAMERA_BAD;
	}
	xml_declared(buf, len, declared, sizeof(declared));
	if (charset == NULL && declared[0] != '\0')
		charset = declared;
	if (camera_to_utf8(buf, len, charset, &u8, &n, err, errsz) < 0)
		return CAMERA_BAD;
	if ((c = malloc(sizeof(*c))) == NULL ||
	    (p = XML_ParserCreateNS("UTF-8", NS_SEP)) == NULL) {
		camera_errf(err, errsz, "out of memory");
		free(c);
		free(u8);
		return CAMERA_BAD;
	}
	xml_setup(c, p, lim, err, errsz);
	if (xml_run(c, u8, n) == 0)
		st = camera_isapi_finish(&c->f, r, err, errsz);
	XML_ParserFree(p);
	free(c);
	free(u8);
	return st;
}
