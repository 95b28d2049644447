/* Watch list, exempt list and permits (docs/design.md §5, §7): validation and look-ups. */
/*
 * A list document is parsed with cJSON, validated whole into flat arrays
 * and then indexed: each list gets an open-addressing hash table (FNV-1a,
 * linear probing) from normalised plate to the first entry of that plate;
 * further entries of the same plate are chained in document order.  A
 * look-up is one normalisation, one probe sequence and a walk of that
 * plate's own entries.
 *
 * Choices where §7 is silent: a missing "watch", "exempt" or "permits" is
 * an empty list; unknown keys are ignored (the platform may add some); an
 * optional field given as null is absent; a colour "unknown" is no colour;
 * "reason" is required on the watch list and optional on the exempt list;
 * a known key given twice in one object is an error (cJSON would silently
 * keep the first).  Integral numbers written as 5.0 or 5e0 are accepted as
 * integers, since cJSON keeps no source text; 5.5 is refused.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "weighgate/lists.h"
#include "weighgate/plate.h"
#include "weighgate/sbuf.h"
#include "weighgate/timefmt.h"

#define PLATE_BUF (LISTS_PLATE_MAX + 1)

/* A watch or exempt entry.  The plate comes first: the index reads it there. */
struct lentry {
	char plate[PLATE_BUF];
	enum pcolor color;		/* PC_UNKNOWN: any colour */
	bool has_until;
	int64_t until_ms;
};

struct pentry {
	char plate[PLATE_BUF];
	struct permit p;
};

/* Plate -> entries.  slot[] and next[] hold entry index + 1, 0 for none. */
struct index {
	const char *base;		/* the entry array */
	size_t stride;			/* its element size */
	uint32_t mask;
	uint32_t *slot;
	uint32_t *next;
};

struct lists {
	char version[LISTS_VERSION_MAX + 1];
	struct lentry *watch, *exempt;
	struct pentry *permits;
	size_t nwatch, nexempt, npermits;
	struct index iwatch, iexempt, ipermits;
};

/* The state of one parse: where errors go. */
struct pctx {
	char *err;
	size_t errlen;
};

static void perr(struct pctx *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
perr(struct pctx *c, const char *fmt, ...)
{
	va_list ap;

	if (c->err == NULL || c->errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(c->err, c->errlen, fmt, ap);
	va_end(ap);
}

static uint32_t
fnv1a(const char *s)
{
	uint32_t h = 2166136261u;

	while (*s != '\0') {
		h ^= (unsigned char)*s++;
		h *= 16777619u;
	}
	return h;
}

static const char *
index_plate(const struct index *ix, uint32_t i)
{
	return ix->base + (size_t)i * ix->stride;
}

/* The slot holding plate, or the empty slot where it would go. */
static uint32_t
index_probe(const struct index *ix, const char *plate)
{
	uint32_t j = fnv1a(plate) & ix->mask;

	while (ix->slot[j] != 0 &&
	    strcmp(index_plate(ix, ix->slot[j] - 1), plate) != 0)
		j = (j + 1) & ix->mask;
	return j;
}

/* Index n entries of stride bytes at base, keeping document order per plate. */
static int
index_build(struct index *ix, const void *base, size_t stride, size_t n)
{
	uint32_t *tail, i, j;
	size_t cap = 16;

	while (cap < 2 * n)
		cap *= 2;
	ix->base = base;
	ix->stride = stride;
	ix->mask = (uint32_t)(cap - 1);
	ix->slot = calloc(cap, sizeof(uint32_t));
	ix->next = calloc(n + 1, sizeof(uint32_t));
	tail = calloc(cap, sizeof(uint32_t));
	if (ix->slot == NULL || ix->next == NULL || tail == NULL) {
		free(tail);
		return -1;
	}
	for (i = 0; i < n; i++) {
		j = index_probe(ix, index_plate(ix, i));
		if (ix->slot[j] == 0)
			ix->slot[j] = i + 1;
		else
			ix->next[tail[j] - 1] = i + 1;
		tail[j] = i + 1;
	}
	free(tail);
	return 0;
}

static void
index_free(struct index *ix)
{
	free(ix->slot);
	free(ix->next);
}

/* First entry (index + 1) for a raw plate, 0 when none or not a plate. */
static uint32_t
index_first(const struct index *ix, const char *plate)
{
	char norm[PLATE_BUF];

	if (ix->slot == NULL || plate == NULL ||
	    plate_normalize(plate, norm, sizeof(norm)) <= 0)
		return 0;
	return ix->slot[index_probe(ix, norm)];
}

/* Each known key at most once in obj (cJSON would keep the first silently). */
static int
check_dups(struct pctx *c, const cJSON *obj, const char *path,
    const char *const *known)
{
	const cJSON *it;
	int n;

	for (; *known != NULL; known++) {
		n = 0;
		cJSON_ArrayForEach(it, obj)
			if (it->string != NULL && strcmp(it->string, *known) == 0)
				n++;
		if (n > 1) {
			perr(c, "%s: duplicate key \"%s\"", path, *known);
			return -1;
		}
	}
	return 0;
}

/* The member name of obj, or NULL when absent or null. */
static const cJSON *
member(const cJSON *obj, const char *name)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, name);

	return cJSON_IsNull(it) ? NULL : it;
}

static int
get_int(struct pctx *c, const cJSON *obj, const char *path, const char *name,
    int64_t lo, int64_t hi, int64_t *out)
{
	const cJSON *it = member(obj, name);
	double d;

	if (!cJSON_IsNumber(it))
		goto fail;
	d = it->valuedouble;
	if (!(d >= (double)lo && d <= (double)hi) || d != (double)(int64_t)d)
		goto fail;
	*out = (int64_t)d;
	return 0;
fail:
	perr(c, "%s.%s: must be an integer %lld-%lld", path, name,
	    (long long)lo, (long long)hi);
	return -1;
}

/* A required (or, with optional, possibly absent) RFC 3339 time. */
static int
get_time(struct pctx *c, const cJSON *obj, const char *path, const char *name,
    bool optional, bool *present, int64_t *out)
{
	const cJSON *it = member(obj, name);

	*present = it != NULL;
	if (it == NULL && optional)
		return 0;
	if (!cJSON_IsString(it) || ts_parse(it->valuestring, out) != 0) {
		perr(c, "%s.%s: must be an RFC 3339 time", path, name);
		return -1;
	}
	return 0;
}

static int
get_plate(struct pctx *c, const cJSON *obj, const char *path,
    char out[PLATE_BUF])
{
	const cJSON *it = member(obj, "plate");
	int n;

	if (!cJSON_IsString(it)) {
		perr(c, "%s.plate: must be a string", path);
		return -1;
	}
	if ((n = plate_normalize(it->valuestring, out, PLATE_BUF)) < 0) {
		perr(c, "%s.plate: must be UTF-8 of at most %d bytes once "
		    "normalised", path, LISTS_PLATE_MAX);
		return -1;
	}
	if (n == 0) {
		perr(c, "%s.plate: empty once normalised", path);
		return -1;
	}
	return 0;
}

static int
get_color(struct pctx *c, const cJSON *obj, const char *path,
    enum pcolor *out)
{
	const cJSON *it = member(obj, "color");

	*out = PC_UNKNOWN;
	if (it == NULL)
		return 0;
	if (!cJSON_IsString(it) || meas_color_parse(it->valuestring, out) != 0) {
		perr(c, "%s.color: must be one of blue, yellow, black, white, "
		    "green, yellow-green", path);
		return -1;
	}
	return 0;
}

/* One watch (need_reason) or exempt entry. */
static int
parse_lentry(struct pctx *c, const cJSON *obj, const char *path,
    bool need_reason, struct lentry *e)
{
	static const char *const known[] = {
		"plate", "color", "reason", "until", NULL
	};
	const cJSON *reason;

	if (!cJSON_IsObject(obj)) {
		perr(c, "%s: must be an object", path);
		return -1;
	}
	if (check_dups(c, obj, path, known) != 0 ||
	    get_plate(c, obj, path, e->plate) != 0 ||
	    get_color(c, obj, path, &e->color) != 0)
		return -1;
	reason = member(obj, "reason");
	if ((reason != NULL || need_reason) && !cJSON_IsString(reason)) {
		perr(c, "%s.reason: must be a string", path);
		return -1;
	}
	return get_time(c, obj, path, "until", true, &e->has_until,
	    &e->until_ms);
}

static int
parse_permit(struct pctx *c, const cJSON *obj, const char *path,
    struct pentry *e)
{
	static const char *const known[] = {
		"id", "plate", "color", "axles", "max_gross_kg", "valid_from",
		"valid_until", NULL
	};
	const cJSON *id;
	int64_t axles;
	bool present;

	if (!cJSON_IsObject(obj)) {
		perr(c, "%s: must be an object", path);
		return -1;
	}
	if (check_dups(c, obj, path, known) != 0)
		return -1;
	id = member(obj, "id");
	if (!cJSON_IsString(id) || id->valuestring[0] == '\0' ||
	    strlen(id->valuestring) >= sizeof(e->p.id)) {
		perr(c, "%s.id: must be a non-empty string of at most %zu bytes",
		    path, sizeof(e->p.id) - 1);
		return -1;
	}
	memcpy(e->p.id, id->valuestring, strlen(id->valuestring) + 1);
	if (get_plate(c, obj, path, e->plate) != 0 ||
	    get_color(c, obj, path, &e->p.color) != 0 ||
	    get_int(c, obj, path, "axles", 2, 12, &axles) != 0 ||
	    get_int(c, obj, path, "max_gross_kg", 1000, 300000,
	    &e->p.max_gross_kg) != 0 ||
	    get_time(c, obj, path, "valid_from", false, &present,
	    &e->p.valid_from_ms) != 0 ||
	    get_time(c, obj, path, "valid_until", false, &present,
	    &e->p.valid_until_ms) != 0)
		return -1;
	e->p.axles = (int)axles;
	if (e->p.valid_from_ms > e->p.valid_until_ms) {
		perr(c, "%s.valid_until: before valid_from", path);
		return -1;
	}
	return 0;
}

/* The array name of root (absent: none), its size into *n. */
static int
get_array(struct pctx *c, const cJSON *root, const char *name,
    const cJSON **out, size_t *n)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(root, name);

	*out = it;
	*n = 0;
	if (it == NULL)
		return 0;
	if (!cJSON_IsArray(it)) {
		perr(c, "%s: must be an array", name);
		return -1;
	}
	*n = (size_t)cJSON_GetArraySize(it);
	return 0;
}

static int
parse_lentries(struct pctx *c, const cJSON *arr, const char *name,
    bool need_reason, struct lentry *out)
{
	const cJSON *it;
	char path[64];
	size_t i = 0;

	cJSON_ArrayForEach(it, arr) {
		snprintf(path, sizeof(path), "%s[%zu]", name, i);
		if (parse_lentry(c, it, path, need_reason, &out[i]) != 0)
			return -1;
		i++;
	}
	return 0;
}

static int
parse_permits(struct pctx *c, const cJSON *arr, struct pentry *out)
{
	const cJSON *it;
	char path[64];
	size_t i = 0;

	cJSON_ArrayForEach(it, arr) {
		snprintf(path, sizeof(path), "permits[%zu]", i);
		if (parse_permit(c, it, path, &out[i]) != 0)
			return -1;
		i++;
	}
	return 0;
}

static int
parse_version(struct pctx *c, const cJSON *root, struct lists *l)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, "version");

	if (!cJSON_IsString(v) || v->valuestring[0] == '\0' ||
	    strlen(v->valuestring) > LISTS_VERSION_MAX) {
		perr(c, "version: must be a non-empty string of at most %d "
		    "bytes", LISTS_VERSION_MAX);
		return -1;
	}
	memcpy(l->version, v->valuestring, strlen(v->valuestring) + 1);
	return 0;
}

/* Validate the parsed document into l's arrays, then index them. */
static int
lists_fill(struct pctx *c, const cJSON *root, struct lists *l)
{
	static const char *const known[] = {
		"version", "watch", "exempt", "permits", NULL
	};
	const cJSON *w, *e, *p;

	if (!cJSON_IsObject(root)) {
		perr(c, "document: must be a JSON object");
		return -1;
	}
	if (check_dups(c, root, "document", known) != 0 ||
	    parse_version(c, root, l) != 0 ||
	    get_array(c, root, "watch", &w, &l->nwatch) != 0 ||
	    get_array(c, root, "exempt", &e, &l->nexempt) != 0 ||
	    get_array(c, root, "permits", &p, &l->npermits) != 0)
		return -1;
	if (l->nwatch + l->nexempt + l->npermits > LISTS_MAX_ENTRIES) {
		perr(c, "document: %zu entries, more than %d",
		    l->nwatch + l->nexempt + l->npermits, LISTS_MAX_ENTRIES);
		return -1;
	}
	l->watch = calloc(l->nwatch + 1, sizeof(*l->watch));
	l->exempt = calloc(l->nexempt + 1, sizeof(*l->exempt));
	l->permits = calloc(l->npermits + 1, sizeof(*l->permits));
	if (l->watch == NULL || l->exempt == NULL || l->permits == NULL) {
		perr(c, "out of memory");
		return -1;
	}
	if (parse_lentries(c, w, "watch", true, l->watch) != 0 ||
	    parse_lentries(c, e, "exempt", false, l->exempt) != 0 ||
	    parse_permits(c, p, l->permits) != 0)
		return -1;
	if (index_build(&l->iwatch, l->watch, sizeof(*l->watch),
	    l->nwatch) != 0 ||
	    index_build(&l->iexempt, l->exempt, sizeof(*l->exempt),
	    l->nexempt) != 0 ||
	    index_build(&l->ipermits, l->permits, sizeof(*l->permits),
	    l->npermits) != 0) {
		perr(c, "out of memory");
		return -1;
	}
	return 0;
}

/* cJSON with a length: parse, and allow only white space after the value. */
static cJSON *
parse_json(struct pctx *c, const char *doc, size_t len)
{
	const char *end = NULL;
	cJSON *root;

	root = cJSON_ParseWithLengthOpts(doc, len, &end, 0);
	if (root == NULL) {
		perr(c, "document: invalid JSON at byte %zu",
		    end != NULL ? (size_t)(end - doc) : (size_t)0);
		return NULL;
	}
	for (; end < doc + len; end++) {
		if (*end != ' ' && *end != '\t' && *end != '\n' &&
		    *end != '\r') {
			perr(c, "document: trailing data at byte %zu",
			    (size_t)(end - doc));
			cJSON_Delete(root);
			return NULL;
		}
	}
	return root;
}

int
lists_parse(const char *doc, size_t len, struct lists **out,
    char *err, size_t errlen)
{
	struct pctx c = { err, errlen };
	struct lists *l = NULL;
	cJSON *root = NULL;

	*out = NULL;
	perr(&c, "%s", "");
	if (doc == NULL || len == 0) {
		perr(&c, "document: empty");
		return -1;
	}
	if (len > LISTS_MAX_DOC_BYTES) {
		perr(&c, "document: %zu bytes, more than %u", len,
		    LISTS_MAX_DOC_BYTES);
		return -1;
	}
	if ((root = parse_json(&c, doc, len)) == NULL)
		goto fail;
	if ((l = calloc(1, sizeof(*l))) == NULL) {
		perr(&c, "out of memory");
		goto fail;
	}
	if (lists_fill(&c, root, l) != 0)
		goto fail;
	cJSON_Delete(root);
	*out = l;
	return 0;
fail:
	lists_free(l);
	cJSON_Delete(root);
	return -1;
}

void
lists_free(struct lists *l)
{
	if (l == NULL)
		return;
	index_free(&l->iwatch);
	index_free(&l->iexempt);
	index_free(&l->ipermits);
	free(l->watch);
	free(l->exempt);
	free(l->permits);
	free(l);
}

const char *
lists_version(const struct lists *l)
{
	return l != NULL ? l->version : "";
}

size_t
lists_count_watch(const struct lists *l)
{
	return l != NULL ? l->nwatch : 0;
}

size_t
lists_count_exempt(const struct lists *l)
{
	return l != NULL ? l->nexempt : 0;
}

size_t
lists_count_permits(const struct lists *l)
{
	return l != NULL ? l->npermits : 0;
}

char *
lists_applied_body(const struct lists *l, const char *source)
{
	struct sbuf b;

	sbuf_init(&b);
	sbuf_puts(&b, "{\"version\":");
	sbuf_put_json_str(&b, lists_version(l));
	sbuf_printf(&b, ",\"watch\":%zu,\"exempt\":%zu,\"permits\":%zu",
	    lists_count_watch(l), lists_count_exempt(l),
	    lists_count_permits(l));
	sbuf_puts(&b, ",\"source\":");
	sbuf_put_json_str(&b, source);
	sbuf_putc(&b, '}');
	return sbuf_take(&b);
}

/*
 * Whether a plate's entries hold one in force at now_ms for this colour.
 * An entry with a colour matches that colour, and with unknown_too a
 * vehicle of unknown colour as well (the watch list, §5 rule 2).
 */
static bool
lentry_hit(const struct index *ix, const struct lentry *ents,
    const char *plate, enum pcolor color, int64_t now_ms, bool unknown_too)
{
	const struct lentry *e;
	uint32_t i;

	for (i = index_first(ix, plate); i != 0; i = ix->next[i - 1]) {
		e = &ents[i - 1];
		if (e->has_until && now_ms != LISTS_ANY_TIME &&
		    now_ms > e->until_ms)
			continue;
		if (e->color == PC_UNKNOWN || e->color == color ||
		    (unknown_too && color == PC_UNKNOWN))
			return true;
	}
	return false;
}

bool
lists_watch_hit(const struct lists *l, const char *plate, enum pcolor color,
    int64_t now_ms)
{
	if (l == NULL)
		return false;
	return lentry_hit(&l->iwatch, l->watch, plate, color, now_ms, true);
}

bool
lists_exempt_hit(const struct lists *l, const char *plate, enum pcolor color,
    int64_t now_ms)
{
	if (l == NULL)
		return false;
	return lentry_hit(&l->iexempt, l->exempt, plate, color, now_ms, false);
}

size_t
lists_permits_from(const struct lists *l, const char *plate,
    enum pcolor color, int64_t now_ms, size_t skip,
    const struct permit **out, size_t max)
{
	const struct permit *p;
	size_t n = 0;
	uint32_t i;

	if (l == NULL)
		return 0;
	for (i = index_first(&l->ipermits, plate); i != 0;
	    i = l->ipermits.next[i - 1]) {
		p = &l->permits[i - 1].p;
		if (p->color != PC_UNKNOWN && p->color != color)
			continue;
		if (now_ms != LISTS_ANY_TIME && (now_ms < p->valid_from_ms ||
		    now_ms > p->valid_until_ms))
			continue;
		if (n >= skip && n - skip < max)
			out[n - skip] = p;
		n++;
	}
	return n;
}

size_t
lists_permits(const struct lists *l, const char *plate, enum pcolor color,
    int64_t now_ms, const struct permit **out, size_t max)
{
	return lists_permits_from(l, plate, color, now_ms, 0, out, max);
}
