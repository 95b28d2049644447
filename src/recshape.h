/* The shape of a replay record: its fields, ranges, types and messages, for every reader. */
#ifndef WEIGHGATE_RECSHAPE_H
#define WEIGHGATE_RECSHAPE_H

#include <stdbool.h>
#include <stddef.h>

#include "weighgate/record.h"

/*
 * How it fits: a reader tokenises a JSON record its own way (record.c
 * through cJSON's tree, jsonrec.c in one pass without one) and hands each
 * member to recshape_take as a struct recshape_val; the rules of
 * include/weighgate/record.h (which keys, what each may hold, what the
 * error says) are here and nowhere else.  CSV rows become JSON records
 * first (csvrec.c), so they meet the same rules.
 */

#define RECSHAPE_STR_MAX	256	/* a longer string fits no field */

enum recshape_type {
	RS_NULL, RS_FALSE, RS_TRUE, RS_NUMBER, RS_STRING, RS_ARRAY, RS_OBJECT
};

struct recshape_val;

/* Where the elements of an array, the members of an object are: the reader's. */
struct recshape_ops {
	/* The element after *pos (NULL: the first) into e; false after the last. */
	bool (*next)(const struct recshape_val *array, const void **pos,
	    struct recshape_val *e);
	/* The first member called name into out; false when there is none. */
	bool (*member)(const struct recshape_val *object, const char *name,
	    struct recshape_val *out);
};

/* One JSON value as a reader found it. */
struct recshape_val {
	enum recshape_type t;
	double num;
	char s[RECSHAPE_STR_MAX];	/* a string, cut at its first NUL */
	size_t slen;			/* strlen(s) */
	bool long_s;			/* longer than s holds: matches nothing */
	const struct recshape_ops *ops;	/* arrays and objects */
	const char *start, *end;	/* the value's text (one-pass reader) */
	const void *node;		/* the reader's node (tree reader) */
};

#define RECSHAPE_NFIELDS	17
#define RECSHAPE_SKIP		(-2)	/* device_fault, barrier_manual */

/* What the members of one record said so far. */
struct recshape_members {
	bool seen[RECSHAPE_NFIELDS];
	bool skip;			/* not a weighing: the simulator's lines */
	int hint;			/* the field expected next */
	int bad_field;			/* the first wrong one, -1: none */
	const char *why;		/* what is wrong; NULL: given twice */
};

void recshape_begin(struct recshape_members *mb);
/*
 * One member: its key (len bytes, cut at the first NUL as cJSON cuts it)
 * and its value.  A key a record ignores is passed over; the first fault
 * is noted in mb and the members after it only looked at for a skip key.
 */
void recshape_member(struct recshape_members *mb, const char *key,
    size_t len, const struct recshape_val *v, struct record *r);
/* The record's outcome once every member is taken, with its message. */
enum record_status recshape_verdict(const struct recshape_members *mb,
    char *err, size_t errlen);
/*
 * A weighing event body (docs/design.md §6): meas what its "measurement"
 * object said (NULL: none), decision and reasons its members of those
 * names (NULL when absent), into r's recorded decision.
 */
enum record_status recshape_event(const struct recshape_members *meas,
    const struct recshape_val *decision, const struct recshape_val *reasons,
    struct record *r, char *err, size_t errlen);
/* The message of a bad record, into err (which may be empty). */
enum record_status recshape_bad(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
