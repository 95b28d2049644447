/* Device profiles: the built-in weighgate layouts, unit ids, and what the daemon asks of a profile. */
#include <stdio.h>
#include <string.h>

#include "profile_int.h"

static const char *const wo_words[] = { "ABCD", "CDAB", "BADC", "DCBA" };

/* Today's scale block of docs/design.md §4.1, field order = register order. */
static const char builtin_scale[] =
    "[device]\nname = weighgate\nkind = scale\nbase = %d\n"
    "word_order = %s\nencoding = %s\n"
    "[field present]\naddress = 0\ntype = bit\nbit = 0\n"
    "[field valid]\naddress = 0\ntype = bit\nbit = 1\n"
    "[field fault]\naddress = 0\ntype = bit\nbit = 2\n"
    "[field unstable]\naddress = 0\ntype = bit\nbit = 3\n"
    "[field reversing]\naddress = 0\ntype = bit\nbit = 4\n"
    "[field abnormal]\naddress = 0\ntype = bit\nbit = 5\n"
    "[field seq]\naddress = 1\ntype = u16\n"
    "[field gross]\naddress = 2\ntype = u32\n"
    "[field axles]\naddress = 4\n"
    "[field kind]\naddress = 5\n"
    "[field config]\naddress = 6\n"
    "[field speed]\naddress = 7\n"
    "[field axle_kg]\naddress = 8\ncount = 12\n"
    "[field plate]\naddress = 20\ntype = text\nregisters = 8\n"
    "[field plate_color]\naddress = 28\n";

/* The lane I/O module: discrete inputs 0-3, coils 0-2 (and 3 in pulse mode). */
static const char builtin_io[] =
    "[device]\nname = weighgate-io\nkind = io\nbase = %d\ninput_base = %d\n"
    "[field barrier_is_up]\ntable = discrete\naddress = 0\ntype = bit\n"
    "[field barrier_is_down]\ntable = discrete\naddress = 1\ntype = bit\n"
    "[field pass_loop]\ntable = discrete\naddress = 2\ntype = bit\n"
    "[field presence_loop]\ntable = discrete\naddress = 3\ntype = bit\n"
    "[output barrier_up]\naddress = 0\nmode = %s\n"
    "[output light]\naddress = 1\n"
    "[output alarm]\naddress = 2\n"
    "%s";

static const char builtin_io_pulse_down[] =
    "[output barrier_down]\naddress = 3\nmode = pulse\n";

/* The LED sign: counter, colour, then the text registers. */
static const char builtin_led[] =
    "[device]\nname = weighgate-led\nkind = led\nbase = %d\n"
    "[led]\ncounter = 0\ncolour = 1\ntext = 2\ntext_registers = %d\n"
    "encoding = %s\n";

profile_t *
profile_builtin(const char *name, const struct profile_adjust *adj,
    char *err, size_t errlen)
{
	struct profile_adjust d = { 0, 0, WO_ABCD, ENC_GB18030, BARRIER_LEVEL,
	    32 };
	const char *enc;
	char text[2048];
	int n;

	if (adj == NULL)
		adj = &d;
	enc = adj->encoding == ENC_UTF8 ? "UTF-8" : "GB18030";
	if (strcmp(name, "weighgate") == 0)
		n = snprintf(text, sizeof(text), builtin_scale, adj->base,
		    wo_words[adj->word_order & 3], enc);
	else if (strcmp(name, "weighgate-io") == 0)
		n = snprintf(text, sizeof(text), builtin_io, adj->base,
		    adj->input_base, adj->barrier_mode == BARRIER_PULSE ?
		    "pulse" : "level", adj->barrier_mode == BARRIER_PULSE ?
		    builtin_io_pulse_down : "");
	else if (strcmp(name, "weighgate-led") == 0)
		n = snprintf(text, sizeof(text), builtin_led, adj->base,
		    adj->led_registers, enc);
	else {
		snprintf(err, errlen, "%s: no such built-in profile (weighgate, "
		    "weighgate-io, weighgate-led)", name);
		return NULL;
	}
	if (n < 0 || (size_t)n >= sizeof(text)) {
		snprintf(err, errlen, "%s: built-in profile too long", name);
		return NULL;
	}
	return profile_parse(name, text, (size_t)n, err, errlen);
}

const char *
profile_name(const profile_t *p)
{
	return p->name;
}

enum profile_kind
profile_kind(const profile_t *p)
{
	return p->kind;
}

/*
 * TCP: 0-255 (255 is what many gateways and some indicators answer to).
 * RTU: 1-247; 0 is broadcast, which no device answers, so a read on it
 * never gets a reply.  A profile's unit = N: the device answers on N only.
 */
int
profile_unit_check(const profile_t *p, enum dev_type dev, int unit, char *err,
    size_t errlen)
{
	if (dev == DEV_RTU && (unit < 1 || unit > 247)) {
		snprintf(err, errlen, "unit %d: an RTU device has a unit id "
		    "1-247 (0 is broadcast and gets no reply to a read)", unit);
		return -1;
	}
	if (dev == DEV_TCP && (unit < 0 || unit > 255)) {
		snprintf(err, errlen, "unit %d: out of range 0-255", unit);
		return -1;
	}
	if (p->unit >= 0 && unit != p->unit) {
		snprintf(err, errlen, "unit %d: profile %s answers on unit %lld "
		    "only", unit, p->name, (long long)p->unit);
		return -1;
	}
	return 0;
}

int
profile_nrequests(const profile_t *p)
{
	return p->nreq;
}

const struct profile_request *
profile_request(const profile_t *p, int i)
{
	return i >= 0 && i < p->nreq ? &p->req[i] : NULL;
}

int
profile_nwrites(const profile_t *p)
{
	return p->nwrites;
}

const struct profile_write *
profile_write(const profile_t *p, int i)
{
	return i >= 0 && i < p->nwrites ? &p->w[i] : NULL;
}
