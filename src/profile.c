/* Device profiles: the built-in weighgate layouts, unit ids, and what the daemon asks of a profile. */
#include <stdio.h>
#include <string.h>

#include "profile_int.h"
#include "weighgate/mbdev.h"

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

bool
profile_has(const profile_t *p, enum profile_field f)
{
	int i;

	for (i = 0; i < p->nfields; i++)
		if (p->f[i].id == f)
			return true;
	return false;
}

int
profile_led_counter(const profile_t *p)
{
	return p->kind == PK_LED && p->led.defined ? p->led.counter_at : -1;
}

int
profile_led_probe(const profile_t *p)
{
	if (p->kind != PK_LED || !p->led.defined)
		return -1;
	return p->led.counter_at >= 0 ? p->led.counter_at :
	    p->led.colour_at >= 0 ? p->led.colour_at : p->led.text_at;
}

/* --- a lane's profiles ------------------------------------------------ */

static const char *const builtin_names[ROLE_NMODBUS] = {
	"weighgate", "weighgate-io", "weighgate-led"
};
static const enum profile_kind role_kinds[ROLE_NMODBUS] = {
	PK_SCALE, PK_IO, PK_LED
};
static const char *const kind_names[] = { "scale", "io", "led" };

/* Today's per-lane keys, as adjustments of the built-in profile of r. */
static void
lane_adjust(const struct lane_cfg *lc, enum dev_role r,
    struct profile_adjust *a)
{
	memset(a, 0, sizeof(*a));
	a->word_order = lc->word_order;
	a->barrier_mode = lc->barrier_mode;
	a->led_registers = lc->led_registers;
	if (r == ROLE_SCALE) {
		a->base = lc->scale_base;
		a->encoding = lc->plate_encoding;
	} else if (r == ROLE_IO) {
		a->base = lc->io_coil_base;
		a->input_base = lc->io_input_base;
	} else {
		a->base = lc->led_base;
		a->encoding = lc->led_encoding;
	}
}

static bool
readable(const char *path)
{
	FILE *fp = fopen(path, "r");

	if (fp == NULL)
		return false;
	fclose(fp);
	return true;
}

/* A file profile by name: dir/NAME.profile, else the shipped one. */
static profile_t *
load_named(const char *dir, const char *name, bool *in_file, char *err,
    size_t errlen)
{
	char path[1100], alt[1100];

	if (strchr(name, '/') != NULL) {
		*in_file = true;
		return profile_load(name, err, errlen);
	}
	snprintf(path, sizeof(path), "%s/%s.profile", dir, name);
	snprintf(alt, sizeof(alt), "%s/%s.profile", PROFILE_SHARE_DIR, name);
	if (readable(path) || !readable(alt)) {
		if (!readable(path)) {
			snprintf(err, errlen, "profile %s: no readable %s (nor %s)",
			    name, path, alt);
			return NULL;
		}
	} else
		snprintf(path, sizeof(path), "%s", alt);
	*in_file = true;
	return profile_load(path, err, errlen);
}

/* What the lane needs of the profile beyond its own checks. */
static int
lane_fit(const profile_t *p, const struct lane_cfg *lc, enum dev_role r,
    char *err, size_t errlen)
{
	static const char *const io_inputs[] = { "barrier_is_up",
	    "barrier_is_down", "pass_loop", "presence_loop" };
	const struct devaddr *a = &lc->dev[r].addr;
	int k, ncmd = 0, words = 0;

	if (p->kind != role_kinds[r]) {
		snprintf(err, errlen, "profile %s is a %s profile, not a %s one",
		    p->name, kind_names[p->kind], kind_names[role_kinds[r]]);
		return -1;
	}
	if (r == ROLE_SCALE && !profile_has(p, PF_SEQ)) {
		snprintf(err, errlen, "profile %s has no seq field: the lane "
		    "cannot tell one result from the next", p->name);
		return -1;
	}
	for (k = 0; r == ROLE_IO && k < 4; k++)
		if (!profile_has(p, (enum profile_field)(PF_BARRIER_IS_UP + k))) {
			snprintf(err, errlen, "profile %s has no %s input: the "
			    "lane needs the barrier's positions and both loops",
			    p->name, io_inputs[k]);
			return -1;
		}
	for (k = 0; k < p->nreq; k++)
		words += p->req[k].count;
	if (words > MB_POLL_WORDS) {
		snprintf(err, errlen, "profile %s reads %d registers and bits a "
		    "poll, more than the %d a link carries", p->name, words,
		    MB_POLL_WORDS);
		return -1;
	}
	for (k = 0; k < p->nwrites; k++) {
		const struct profile_write *w = &p->w[k];

		if (w->when != PW_CONNECT)
			continue;
		if (++ncmd > MB_MAX_CMDS || w->count > MB_CMD_REGS ||
		    (w->table == PT_COIL && w->count != 1)) {
			snprintf(err, errlen, "profile %s: a link writes at most "
			    "%d command words after connecting, each of at most "
			    "%d registers or one coil", p->name, MB_MAX_CMDS,
			    MB_CMD_REGS);
			return -1;
		}
	}
	if (a->type != DEV_NONE &&
	    profile_unit_check(p, a->type, a->unit, err, errlen) != 0)
		return -1;
	return 0;
}

profile_t *
profile_for_lane(const char *dir, const struct lane_cfg *lc, enum dev_role r,
    bool *in_file, char *err, size_t errlen)
{
	const char *name = lc->profile[r];
	struct profile_adjust adj;
	profile_t *p;
	int k;

	*in_file = false;
	if ((unsigned)r >= ROLE_NMODBUS) {
		snprintf(err, errlen, "no profile for this role");
		return NULL;
	}
	if (name[0] == '\0')
		name = builtin_names[r];
	for (k = 0; k < ROLE_NMODBUS; k++)
		if (strcmp(name, builtin_names[k]) == 0)
			break;
	if (k < ROLE_NMODBUS) {
		lane_adjust(lc, r, &adj);
		p = profile_builtin(name, &adj, err, errlen);
	} else
		p = load_named(dir, name, in_file, err, errlen);
	if (p == NULL)
		return NULL;
	if (lane_fit(p, lc, r, err, errlen) != 0) {
		*in_file = false;
		profile_free(p);
		return NULL;
	}
	return p;
}
