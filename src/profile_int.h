/* Inside a device profile: what profile_parse.c builds and profile_decode.c reads. */
#ifndef WEIGHGATE_PROFILE_INT_H
#define WEIGHGATE_PROFILE_INT_H

#include <stdarg.h>

#include "weighgate/profile.h"

#define PROFILE_NAME_MAX	32
#define PROFILE_MAP_MAX		16
#define PROFILE_AXLES		12

enum ftype {
	FT_U16, FT_S16, FT_U32, FT_S32, FT_F32, FT_BCD, FT_TEXT, FT_BIT,
	FT_BITS, FT_N
};

enum fenc { FE_GB18030, FE_UTF8, FE_ASCII };

/* A value table entry: raw code -> value (a number or an enum index). */
struct fmap {
	int64_t raw;
	int64_t val;
};

/* One [field NAME] section, resolved to a request and an offset. */
struct pfield {
	enum profile_field id;
	int line;
	int64_t table;
	int64_t address;	/* as written (numbering applied at the end) */
	int64_t type;
	int64_t registers;	/* per element */
	int64_t count;		/* elements (axle weights) */
	int64_t word_order;
	int64_t byte_order;	/* text: 0 high byte first, 1 low first */
	int64_t encoding;
	int64_t bit;		/* FT_BIT in a register */
	int64_t bit_lo, bit_hi;	/* FT_BITS */
	int64_t mask, equals;
	int64_t invert, separate;
	int64_t scale_num, scale_den;	/* value x num / den */
	int64_t decimals;	/* 0-6, or -1: from the decimals field */
	int64_t min, max;	/* after scaling */
	int nmap;
	struct fmap map[PROFILE_MAP_MAX];
	uint32_t set;		/* keys given, 1 << key index */
	bool has_equals;	/* conditions: equals given */
	int start;		/* protocol address */
	int req, off;		/* request index, offset in it */
};

/* [output NAME]: a coil, a pulse or a holding-register value. */
struct poutput {
	bool defined;
	int line;
	uint32_t set;
	int64_t table, address, mode, on, off, pulse_ms;
	int start;
};

/* [led]: the sign's registers. */
struct pled {
	bool defined;
	int line;
	int64_t table, counter, colour, text, text_registers, encoding,
	    byte_order, green, red, yellow;
	uint32_t set;
	int counter_at, colour_at, text_at;
};

struct pwrite_def {
	char name[PROFILE_NAME_MAX];
	int line;
	int64_t when, table, address, type, word_order, value;
	uint32_t set;
};

struct profile {
	char name[PROFILE_NAME_MAX];
	enum profile_kind kind;
	int64_t numbering, base, input_base, max_registers, max_bits, gap;
	int64_t word_order, encoding, unit;	/* unit -1: any */
	int nfields;
	struct pfield f[PROFILE_MAX_FIELDS];
	int nreq;
	struct profile_request req[PROFILE_MAX_REQUESTS];
	int nwrites;
	struct pwrite_def wdef[PROFILE_MAX_WRITES];
	struct profile_write w[PROFILE_MAX_WRITES];
	struct poutput out[PO_N];
	struct pled led;
};

/* The sections of a profile file. */
enum psect { S_NONE, S_DEVICE, S_FIELD, S_WRITE, S_OUTPUT, S_LED };

/* profile_parse.c: whether key was given in a section's set mask; names. */
bool profile_given(enum psect s, uint32_t set, const char *key);
#define profile_field_given(f, k)	profile_given(S_FIELD, (f)->set, k)
#define profile_write_given(w, k)	profile_given(S_WRITE, (w)->set, k)
#define profile_output_given(o, k)	profile_given(S_OUTPUT, (o)->set, k)
const char *profile_field_name(enum profile_field id);
const char *profile_output_name(enum profile_output o);

/* "PATH:LINE: message" into err (both parse and check report so). */
void profile_errv(char *err, size_t errlen, const char *path, int line,
    const char *fmt, va_list ap) __attribute__((format(printf, 5, 0)));

/*
 * profile_plan.c: numbering, base, spans, types and overlapping writes
 * checked, the read requests planned.  0, or -1 with err "FILE:LINE: ...".
 */
int profile_check(struct profile *p, const char *path, char *err,
    size_t errlen);

/* Registers of one element of a field (bits: 1). */
int profile_field_regs(const struct pfield *f);

#endif
