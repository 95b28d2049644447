/* Watch list, exempt list and permits (docs/design.md §5, §7), indexed by normalised plate. */
#ifndef WEIGHGATE_LISTS_H
#define WEIGHGATE_LISTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "weighgate/measurement.h"

struct lists;

#define LISTS_MAX_DOC_BYTES (64u * 1024u * 1024u)
#define LISTS_MAX_ENTRIES 1000000
#define LISTS_VERSION_MAX 128	/* bytes */
#define LISTS_PLATE_MAX 32	/* bytes, normalised */

/*
 * Parse and validate a whole list document (the body of GET /v1/lists).
 * On success *out holds new lists and 0 is returned; on failure -1 and err
 * names the first problem (e.g. "permits[3].valid_until: not an RFC 3339
 * time").  Nothing is built unless everything is valid.
 */
int lists_parse(const char *doc, size_t len, struct lists **out,
    char *err, size_t errlen);
void lists_free(struct lists *l);

const char *lists_version(const struct lists *l);
size_t lists_count_watch(const struct lists *l);
size_t lists_count_exempt(const struct lists *l);
size_t lists_count_permits(const struct lists *l);
/*
 * The body of the lists_applied event (docs/sync-protocol.md): version,
 * counts and source ("local": weighgate lists import; "platform"), compact JSON; malloc'd, NULL
 * when out of memory.
 */
char *lists_applied_body(const struct lists *l, const char *source);

/*
 * now_ms for a look-up that ignores every time bound (`until`, the
 * validity window of a permit): a clock in doubt cannot judge them.
 */
#define LISTS_ANY_TIME INT64_MIN
/* now_ms for a look-up where only entries without any time bound count. */
#define LISTS_UNBOUNDED_ONLY INT64_MAX

/* Look-ups by UTF-8 plate (normalised inside); empty plates never match. */
bool lists_watch_hit(const struct lists *l, const char *plate,
    enum pcolor color, int64_t now_ms);
bool lists_exempt_hit(const struct lists *l, const char *plate,
    enum pcolor color, int64_t now_ms);

struct permit {
	char id[64];
	int axles;
	int64_t max_gross_kg;
	int64_t valid_from_ms;
	int64_t valid_until_ms;
	enum pcolor color;		/* PC_UNKNOWN: any colour */
};

/*
 * The permits that count for this plate and colour at now_ms, in document
 * order.  Fills up to max and returns how many counted (may exceed max).
 */
size_t lists_permits(const struct lists *l, const char *plate,
    enum pcolor color, int64_t now_ms, const struct permit **out, size_t max);
/*
 * The same, passing over the first skip counting permits: out[0] is the
 * (skip+1)-th.  Returns how many counted in all, the skipped ones included.
 */
size_t lists_permits_from(const struct lists *l, const char *plate,
    enum pcolor color, int64_t now_ms, size_t skip,
    const struct permit **out, size_t max);

#endif
