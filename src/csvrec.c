/* CSV replay input: a header row of column names, then one record per row. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "weighgate/record.h"
#include "weighgate/sbuf.h"

/*
 * How it fits: a row is turned into the JSON record of docs/design.md §8 (cells of
 * number and boolean columns written bare when they look like one, quoted
 * otherwise, so that a bad cell draws the same message as a bad JSON
 * value) and read by jsonrec_read_json: CSV and JSON Lines share every check.
 * Cells follow RFC 4180 ("a ""quoted"" cell", commas inside quotes), but a
 * quoted cell may not span lines.
 */

#define CSV_MAX_COLS	256

enum ctype { C_STR, C_NUM, C_BOOL, C_AXLE, C_DECISION, C_REASONS };

struct column {
	const char *name;
	enum ctype type;
	bool required;
};

static const struct column columns[] = {
	{ "lane", C_STR, true }, { "ts", C_STR, true },
	{ "seq", C_NUM, true }, { "kind", C_STR, true },
	{ "config", C_STR, true }, { "axles", C_NUM, true },
	{ "gross_kg", C_NUM, true }, { "speed_kmh", C_NUM, true },
	{ "plate", C_STR, true }, { "plate_color", C_STR, false },
	{ "valid", C_BOOL, false }, { "unstable", C_BOOL, false },
	{ "fault", C_BOOL, false }, { "abnormal", C_BOOL, false },
	{ "clock_doubt", C_BOOL, false },
	{ "recorded_decision", C_DECISION, false },
	{ "recorded_reasons", C_REASONS, false },
};
#define NCOLUMNS ((int)(sizeof(columns) / sizeof(columns[0])))
#define COL_AXLE0 1000		/* axleN_kg: COL_AXLE0 + N - 1 */

struct csvrec {
	int ncols;
	int col[CSV_MAX_COLS];		/* index in columns[], COL_AXLE0+i, -1 */
	struct sbuf json;
	struct sbuf cells;		/* the row's cells, NUL-separated */
	size_t off[CSV_MAX_COLS];	/* each cell's offset in cells */
};

static int __attribute__((format(printf, 3, 4)))
fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* A quoted cell at *p (its opening quote) into c->cells. */
static int
quoted_cell(struct csvrec *c, const char **p, const char *end)
{
	const char *s = *p + 1;

	for (;;) {
		const char *q = memchr(s, '"', (size_t)(end - s));

		if (q == NULL)
			return -1;
		sbuf_putn(&c->cells, s, (size_t)(q - s));
		if (q + 1 < end && q[1] == '"') {
			sbuf_putc(&c->cells, '"');
			s = q + 2;
			continue;
		}
		*p = q + 1;
		return 0;
	}
}

/* Split a row into cells; how many, or -1 (err set). */
static int
split(struct csvrec *c, const char *line, size_t len, char *err,
    size_t errlen)
{
	const char *p = line, *end = line + len, *e;
	int n = 0;

	sbuf_reset(&c->cells);
	for (;;) {
		if (n == CSV_MAX_COLS)
			return fail(err, errlen, "more than %d cells",
			    CSV_MAX_COLS);
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		c->off[n++] = c->cells.len;
		if (p < end && *p == '"') {
			if (quoted_cell(c, &p, end) != 0)
				return fail(err, errlen, "cell %d: unterminated "
				    "quote", n);
			while (p < end && (*p == ' ' || *p == '\t'))
				p++;
			if (p < end && *p != ',')
				return fail(err, errlen, "cell %d: text after "
				    "the closing quote", n);
		} else {
			if ((e = memchr(p, ',', (size_t)(end - p))) == NULL)
				e = end;
			while (e > p && (e[-1] == ' ' || e[-1] == '\t'))
				e--;
			sbuf_putn(&c->cells, p, (size_t)(e - p));
			p = e;
			while (p < end && *p != ',')
				p++;
		}
		sbuf_putc(&c->cells, '\0');
		if (p >= end)
			return n;
		p++;			/* ',' */
	}
}

static const char *
cell(const struct csvrec *c, int i)
{
	return c->cells.p + c->off[i];
}

/* Which column a header name is: an index, COL_AXLE0 + i, or -1. */
static int
column_of(const char *name)
{
	int i, n = 0;
	const char *p;

	for (i = 0; i < NCOLUMNS; i++)
		if (strcmp(name, columns[i].name) == 0)
			return i;
	if (strncmp(name, "axle", 4) != 0)
		return -1;
	for (p = name + 4; *p >= '0' && *p <= '9' && p < name + 6; p++)
		n = n * 10 + (*p - '0');
	if (p == name + 4 || name[4] == '0' || strcmp(p, "_kg") != 0 ||
	    n < 1 || n > MEAS_MAX_AXLES)
		return -1;
	return COL_AXLE0 + n - 1;
}

static int
header_check(struct csvrec *c, char *err, size_t errlen)
{
	bool seen[COL_AXLE0 + MEAS_MAX_AXLES] = { false };
	int i;

	for (i = 0; i < c->ncols; i++) {
		if ((c->col[i] = column_of(cell(c, i))) < 0)
			continue;
		if (seen[c->col[i]])
			return fail(err, errlen, "column %s given twice",
			    cell(c, i));
		seen[c->col[i]] = true;
	}
	for (i = 0; i < NCOLUMNS; i++)
		if (columns[i].required && !seen[i])
			return fail(err, errlen, "no column %s (the header "
			    "names the columns: lane,ts,seq,kind,config,axles,"
			    "gross_kg,speed_kmh,plate,...)", columns[i].name);
	return 0;
}

struct csvrec *
csvrec_new(const char *header, size_t len, char *err, size_t errlen)
{
	struct csvrec *c;

	if ((c = calloc(1, sizeof(*c))) == NULL) {
		fail(err, errlen, "out of memory");
		return NULL;
	}
	sbuf_init(&c->json);
	sbuf_init(&c->cells);
	if (len >= 3 && memcmp(header, "\xef\xbb\xbf", 3) == 0) {
		header += 3;
		len -= 3;
	}
	if ((c->ncols = split(c, header, len, err, errlen)) < 0 ||
	    header_check(c, err, errlen) != 0) {
		csvrec_free(c);
		return NULL;
	}
	return c;
}

void
csvrec_free(struct csvrec *c)
{
	if (c == NULL)
		return;
	sbuf_fini(&c->json);
	sbuf_fini(&c->cells);
	free(c);
}

/* A JSON string of the cell's bytes as they are (jsonrec_read_json judges). */
static void
put_str(struct sbuf *b, const char *s)
{
	const char *hex = "0123456789abcdef";

	sbuf_putc(b, '"');
	for (; *s != '\0'; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\') {
			sbuf_putc(b, '\\');
			sbuf_putc(b, (char)ch);
		} else if (ch < 0x20) {
			sbuf_puts(b, "\\u00");
			sbuf_putc(b, hex[ch >> 4]);
			sbuf_putc(b, hex[ch & 15]);
		} else
			sbuf_putc(b, (char)ch);
	}
	sbuf_putc(b, '"');
}

/* -?D+(.D+)?([eE][+-]?D+)?: a cell that is a JSON number. */
static bool
is_number(const char *s)
{
	size_t n;

	s += *s == '-';
	if ((n = strspn(s, "0123456789")) == 0)
		return false;
	s += n;
	if (*s == '.') {
		if ((n = strspn(++s, "0123456789")) == 0)
			return false;
		s += n;
	}
	if (*s == 'e' || *s == 'E') {
		s++;
		s += *s == '+' || *s == '-';
		if ((n = strspn(s, "0123456789")) == 0)
			return false;
		s += n;
	}
	return *s == '\0';
}

static void
put_num(struct sbuf *b, const char *s)
{
	if (is_number(s))
		sbuf_puts(b, s);
	else
		put_str(b, s);
}

static void
put_bool(struct sbuf *b, const char *s)
{
	if (strcmp(s, "true") == 0 || strcmp(s, "1") == 0)
		sbuf_puts(b, "true");
	else if (strcmp(s, "false") == 0 || strcmp(s, "0") == 0)
		sbuf_puts(b, "false");
	else
		put_str(b, s);
}

static void
put_member(struct sbuf *b, const char *key)
{
	if (b->len > 1)
		sbuf_putc(b, ',');
	put_str(b, key);
	sbuf_putc(b, ':');
}

/* The axle columns as "axle_kg": up to the last one given. */
static void
put_axles(struct sbuf *b, const char *axle[MEAS_MAX_AXLES])
{
	int i, last = -1;

	for (i = 0; i < MEAS_MAX_AXLES; i++)
		if (axle[i] != NULL && axle[i][0] != '\0')
			last = i;
	if (last < 0)
		return;
	put_member(b, "axle_kg");
	for (i = 0; i <= last; i++) {
		sbuf_putc(b, i == 0 ? '[' : ',');
		put_num(b, axle[i] != NULL ? axle[i] : "");
	}
	sbuf_putc(b, ']');
}

/* recorded_decision, with recorded_reasons split at ';' or '|'. */
static void
put_recorded(struct sbuf *b, const char *decision, const char *reasons)
{
	char one[128];
	size_t n;

	if ((decision == NULL || *decision == '\0') &&
	    (reasons == NULL || *reasons == '\0'))
		return;
	put_member(b, "recorded_decision");
	if (reasons == NULL || *reasons == '\0') {
		put_str(b, decision);
		return;
	}
	sbuf_puts(b, "{\"decision\":");
	put_str(b, decision != NULL ? decision : "");
	sbuf_puts(b, ",\"reasons\":[");
	for (n = 0; *reasons != '\0'; n++) {
		size_t k = strcspn(reasons, ";|");

		snprintf(one, sizeof(one), "%.*s", (int)k, reasons);
		if (n > 0)
			sbuf_putc(b, ',');
		put_str(b, one);
		reasons += k + (reasons[k] != '\0');
	}
	sbuf_puts(b, "]}");
}

static void
put_cell(struct sbuf *b, const struct column *col, const char *v)
{
	put_member(b, col->name);
	if (col->type == C_NUM)
		put_num(b, v);
	else if (col->type == C_BOOL)
		put_bool(b, v);
	else
		put_str(b, v);
}

/* The row's cells as a JSON record in c->json. */
static void
row_json(struct csvrec *c)
{
	const char *axle[MEAS_MAX_AXLES] = { NULL };
	const char *decision = NULL, *reasons = NULL, *v;
	int i, k;

	sbuf_reset(&c->json);
	sbuf_putc(&c->json, '{');
	for (i = 0; i < c->ncols; i++) {
		v = cell(c, i);
		if ((k = c->col[i]) < 0 || *v == '\0')
			continue;
		if (k >= COL_AXLE0)
			axle[k - COL_AXLE0] = v;
		else if (columns[k].type == C_DECISION)
			decision = v;
		else if (columns[k].type == C_REASONS)
			reasons = v;
		else
			put_cell(&c->json, &columns[k], v);
	}
	put_axles(&c->json, axle);
	put_recorded(&c->json, decision, reasons);
	sbuf_putc(&c->json, '}');
}

enum record_status
csvrec_read(struct csvrec *c, const char *line, size_t len,
    struct record *r, char *err, size_t errlen)
{
	int n;

	if ((n = split(c, line, len, err, errlen)) < 0)
		return RECORD_BAD;
	if (n != c->ncols) {
		fail(err, errlen, "%d cells, the header names %d", n, c->ncols);
		return RECORD_BAD;
	}
	row_json(c);
	return jsonrec_read_json(c->json.p, c->json.len, r, err, errlen);
}
