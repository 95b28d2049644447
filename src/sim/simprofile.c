/*
 * weighgate-sim: a lane's devices in the layout of a device profile
 * (--scale-profile, --io-profile, --led-profile; docs/devices.md).  The
 * lane's physics keep today's scale block and inputs as the truth; here
 * they are decoded with the built-in profile and encoded into the chosen
 * one's registers, and the outputs and the sign's writes are read back
 * through it.  Without a profile for a device nothing here runs.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "weighgate/log.h"

#include "sim.h"

#define DIR_DEFAULT	"/etc/weighgate/profiles"
#define DIR_SHARE	"/usr/share/weighgate/profiles"

static const char *const builtin_names[3] = {
	"weighgate", "weighgate-io", "weighgate-led"
};
static const char *const opt_names[3] = {
	"--scale-profile", "--io-profile", "--led-profile"
};

/* Today's options as adjustments of the built-in profile of device d. */
static void
adjust(const struct sim_opts *o, int d, struct profile_adjust *a)
{
	memset(a, 0, sizeof(*a));
	a->word_order = o->wo;
	a->encoding = d == ROLE_LED ? o->led_enc : o->plate_enc;
	a->barrier_mode = o->pulse ? BARRIER_PULSE : BARRIER_LEVEL;
	a->led_registers = o->led_regs;
}

/* NAME: built in; with a '/': that file; else NAME.profile in the directory. */
static profile_t *
lookup(const struct sim_opts *o, int d, const char *name, char *err,
    size_t errlen)
{
	struct profile_adjust a;
	char path[1100];
	const char *dir = o->profile_dir != NULL ? o->profile_dir : DIR_DEFAULT;

	if (strcmp(name, builtin_names[d]) == 0) {
		adjust(o, d, &a);
		return profile_builtin(name, &a, err, errlen);
	}
	if (strchr(name, '/') != NULL)
		return profile_load(name, err, errlen);
	snprintf(path, sizeof(path), "%s/%s.profile", dir, name);
	if (access(path, R_OK) != 0 && o->profile_dir == NULL)
		snprintf(path, sizeof(path), "%s/%s.profile", DIR_SHARE, name);
	return profile_load(path, err, errlen);
}

static void
extent(int ext[4], enum profile_table t, int start, int count)
{
	if (start + count > ext[t])
		ext[t] = start + count;
}

/* The tables' sizes the device needs: its reads, writes and outputs. */
static void
extents(struct sim_prof *sp)
{
	const profile_t *p = sp->p;
	const struct profile_request *q;
	const struct profile_write *w;
	struct profile_write pw[3];
	int i, n;

	memset(sp->ext, 0, sizeof(sp->ext));
	sp->nimg = 0;
	for (i = 0; i < profile_nrequests(p); i++) {
		q = profile_request(p, i);
		extent(sp->ext, q->table, q->start, q->count);
		sp->nimg += q->count;
	}
	for (i = 0; i < profile_nwrites(p); i++) {
		w = profile_write(p, i);
		extent(sp->ext, w->table, w->start, w->count);
	}
	for (i = 0; i < PO_N; i++)
		if (profile_output(p, (enum profile_output)i, true, pw) == 0)
			extent(sp->ext, pw->table, pw->start, 1);
	if (profile_kind(p) == PK_LED &&
	    profile_led_writes(p, 0, "", 0, pw, &n) == 0)
		for (i = 0; i < n; i++)
			extent(sp->ext, pw[i].table, pw[i].start, pw[i].count);
}

/* Load the profiles the options name (and the built-in scale, to decode the truth). */
int
simprof_load(struct sim *s)
{
	static const enum profile_kind kinds[3] = { PK_SCALE, PK_IO, PK_LED };
	struct profile_write w;
	struct profile_adjust a;
	char err[512];
	int d;

	for (d = 0; d < 3; d++) {
		if (s->o.profile[d] == NULL)
			continue;
		if ((s->prof[d].p = lookup(&s->o, d, s->o.profile[d], err,
		    sizeof(err))) == NULL) {
			log_warnx("%s %s: %s", opt_names[d], s->o.profile[d], err);
			return -1;
		}
		if (profile_kind(s->prof[d].p) != kinds[d]) {
			log_warnx("%s %s: profile %s is not of that kind",
			    opt_names[d], s->o.profile[d],
			    profile_name(s->prof[d].p));
			return -1;
		}
		extents(&s->prof[d]);
	}
	if (s->prof[ROLE_IO].p != NULL)
		s->o.pulse = profile_output(s->prof[ROLE_IO].p, PO_BARRIER_UP,
		    true, &w) == 0 && w.pulse_ms > 0;
	adjust(&s->o, ROLE_SCALE, &a);
	if (s->prof[ROLE_SCALE].p != NULL &&
	    (s->truth_prof = profile_builtin("weighgate", &a, err,
	    sizeof(err))) == NULL) {
		log_warnx("built-in scale profile: %s", err);
		return -1;
	}
	return 0;
}

void
simprof_free(struct sim *s)
{
	int d;

	for (d = 0; d < 3; d++)
		if (s->prof[d].p != NULL)
			profile_free(s->prof[d].p);
	if (s->truth_prof != NULL)
		profile_free(s->truth_prof);
}

/* A mapping with the profile's tables (at least one entry each). */
modbus_mapping_t *
simprof_mapping(const struct sim *s, enum dev_role d)
{
	const int *e = s->prof[d].ext;

	return modbus_mapping_new(e[PT_COIL] + 1, e[PT_DISCRETE] + 1,
	    e[PT_HOLDING] + 1, e[PT_INPUT] + 1);
}

/* Per-request pointers into one buffer of the device's reads. */
static void
images(const struct sim_prof *sp, uint16_t *buf, uint16_t **img)
{
	int i, off = 0;

	memset(buf, 0, (size_t)sp->nimg * sizeof(*buf));
	for (i = 0; i < profile_nrequests(sp->p); i++) {
		img[i] = buf + off;
		off += profile_request(sp->p, i)->count;
	}
}

/* The images into the device's tables, where its requests read them. */
static void
publish(const struct sim_prof *sp, modbus_mapping_t *m, uint16_t *const *img)
{
	const struct profile_request *q;
	int i, j;

	for (i = 0; i < profile_nrequests(sp->p); i++) {
		q = profile_request(sp->p, i);
		for (j = 0; j < q->count; j++) {
			uint16_t v = img[i][j];

			switch (q->table) {
			case PT_COIL:
				m->tab_bits[q->start + j] = v != 0;
				break;
			case PT_DISCRETE:
				m->tab_input_bits[q->start + j] = v != 0;
				break;
			case PT_HOLDING:
				m->tab_registers[q->start + j] = v;
				break;
			case PT_INPUT:
				m->tab_input_registers[q->start + j] = v;
				break;
			}
		}
	}
}

/* The scale's registers: truth (today's block) in the profile's layout, or garbage. */
void
simprof_scale_sync(struct sim *s, struct sim_lane *l,
    const uint16_t truth[SCALE_NREGS], bool garbage, int64_t now)
{
	const struct sim_prof *sp = &s->prof[ROLE_SCALE];
	uint16_t *img[PROFILE_MAX_REQUESTS];
	const uint16_t *in[1] = { truth };
	struct profile_reading r;
	char err[256];
	int i;

	images(sp, l->pimg[ROLE_SCALE], img);
	if (garbage) {
		for (i = 0; i < sp->nimg; i++)
			l->pimg[ROLE_SCALE][i] = (uint16_t)sim_rand(&s->rng);
		publish(sp, l->map[ROLE_SCALE], img);
		return;
	}
	memset(&r, 0, sizeof(r));
	(void)profile_decode_scale(s->truth_prof, in, &r, err, sizeof(err));
	r.m.valid = (truth[0] & SCALE_ST_VALID) != 0;
	r.heartbeat = (uint32_t)(now / 10);
	if (profile_encode_scale(sp->p, &r, img, err, sizeof(err)) != 0 &&
	    !l->enc_warned) {
		log_warnx("lane %s: profile %s: %s", l->name,
		    profile_name(sp->p), err);
		l->enc_warned = true;
	}
	publish(sp, l->map[ROLE_SCALE], img);
}

/* The I/O module's inputs in the profile's layout. */
void
simprof_io_sync(struct sim *s, struct sim_lane *l)
{
	const struct sim_prof *sp = &s->prof[ROLE_IO];
	uint16_t *img[PROFILE_MAX_REQUESTS];
	bool bits[4];
	int i;

	images(sp, l->pimg[ROLE_IO], img);
	for (i = 0; i < 4; i++)
		bits[i] = l->io_in[i] != 0;
	profile_encode_io(sp->p, bits, img);
	publish(sp, l->map[ROLE_IO], img);
}

/* The outputs as today's coils 0-3 (barrier, light, alarm, barrier down). */
void
simprof_outputs(const struct sim *s, const struct sim_lane *l, uint8_t c[4])
{
	static const enum profile_output coil_of[4] = { PO_BARRIER_UP,
	    PO_LIGHT, PO_ALARM, PO_BARRIER_DOWN };
	const modbus_mapping_t *m = l->map[ROLE_IO];
	int i, v;

	for (i = 0; i < 4; i++) {
		v = profile_output_state(s->prof[ROLE_IO].p, coil_of[i],
		    m->tab_bits, m->nb_bits, m->tab_registers,
		    m->nb_registers);
		c[i] = v < 0 ? l->coil_seen[i] : (uint8_t)v;
	}
}

/* Allocate the lane's images; 0 or -1. */
int
simprof_lane_init(const struct sim *s, struct sim_lane *l)
{
	int d;

	for (d = 0; d < 2; d++)
		if (s->prof[d].p != NULL && (l->pimg[d] = calloc(
		    (size_t)s->prof[d].nimg + 1, sizeof(uint16_t))) == NULL)
			return -1;
	return 0;
}
