/* Device profiles: one device's registers, read from a file or built in (weighgate-profiles(5)). */
#ifndef WEIGHGATE_PROFILE_H
#define WEIGHGATE_PROFILE_H

/*
 * How the daemon uses a profile (docs/devices.md; the daemon, the
 * simulator and the main configuration take it up next, this module is
 * the pure part and touches no socket, clock or global):
 *
 *   at start and at --check
 *     p = profile_load(path, err) or profile_builtin(name, &adjust, err);
 *     profile_unit_check(p, transport, unit, err) for the lane's address;
 *     an error is "FILE:LINE: message" and exit 78 at --check.
 *   after each connect
 *     profile_nwrites()/profile_write(p, i) with when PW_CONNECT: the
 *     command words (IND570's PLC mode) written once, in file order.
 *   every poll
 *     for i < profile_nrequests(p): read profile_request(p, i) (table,
 *     start, count) into img[i] (registers, or one 0/1 word per bit);
 *     then profile_decode_scale(p, img, &reading, err) gives the
 *     measurement the lane decides on today (docs/design.md §4.1), with
 *     the conditions (present, fault, ...), the result sequence, the
 *     heartbeat and which fields the device has at all;
 *     profile_decode_io(p, img, bits, have) the I/O module's inputs.
 *   when the lane commands an output
 *     profile_output(p, PO_BARRIER_UP, on, &w): a coil, a pulse or a
 *     register value; profile_led_writes(p, colour, text, w, &n) the
 *     sign's writes in order (counter last, if the sign has one).
 *   reserved for result handshakes
 *     writes with when PW_RESULT (a WIM queue's "delete first") are
 *     parsed and kept; the lane will ask for them once a result is
 *     accounted for.  Live-weight capture will read the same fields.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "weighgate/config.h"
#include "weighgate/measurement.h"

#define PROFILE_MAX_REQUESTS	32
#define PROFILE_MAX_WRITES	8
#define PROFILE_WRITE_REGS	123	/* registers one write may carry (Modbus) */

typedef struct profile profile_t;

enum profile_kind { PK_SCALE, PK_IO, PK_LED };

/* Modbus tables: coils (01), discrete inputs (02), holding (03), input (04). */
enum profile_table { PT_COIL, PT_DISCRETE, PT_HOLDING, PT_INPUT };

/* What a scale reading has: one bit per field the profile describes. */
enum profile_field {
	PF_PRESENT, PF_VALID, PF_FAULT, PF_UNSTABLE, PF_REVERSING,
	PF_ABNORMAL, PF_SEQ, PF_GROSS, PF_AXLES, PF_KIND, PF_CONFIG,
	PF_SPEED, PF_AXLE_KG, PF_PLATE, PF_PLATE_COLOR, PF_HEARTBEAT,
	PF_DECIMALS,
	/* I/O module inputs */
	PF_BARRIER_IS_UP, PF_BARRIER_IS_DOWN, PF_PASS_LOOP, PF_PRESENCE_LOOP,
	PF_NFIELDS
};

#define PROFILE_MAX_FIELDS	PF_NFIELDS	/* each field at most once */

struct profile_request {
	enum profile_table table;
	int start;			/* protocol address, 0-based */
	int count;			/* registers or bits */
};

/* Adjustments of a built-in profile: today's per-lane keys. */
struct profile_adjust {
	int base;			/* scale_base, io_coil_base, led_base */
	int input_base;			/* io_input_base */
	enum word_order word_order;
	enum text_encoding encoding;	/* plate_encoding, led_encoding */
	enum barrier_mode barrier_mode;
	int led_registers;
};

/* One decoded scale poll. */
struct profile_reading {
	struct measurement m;		/* valid, unstable, fault, abnormal set */
	uint32_t have;			/* 1u << PF_x for each field described */
	bool present;			/* vehicle-present condition */
	bool reversing;
	int64_t seq;			/* result sequence, seq_bits wide */
	int seq_bits;			/* 8, 16 or 32; 0 when there is none */
	uint32_t heartbeat;		/* raw; must keep changing */
	/* The raw words of the result fields (not conditions, heartbeat or
	 * decimals), in field order: what "the same result" compares. */
	uint16_t key[96];
	int key_len;
	/* Modbus requests the reading took (profile_nrequests): more than
	 * one, and the device may change between them (a torn read). */
	int requests;
};

enum profile_write_when { PW_CONNECT, PW_RESULT };

/* One Modbus write: registers (holding) or coils, in order. */
struct profile_write {
	enum profile_write_when when;
	enum profile_table table;	/* PT_HOLDING or PT_COIL */
	int start;
	int count;
	uint16_t v[PROFILE_WRITE_REGS];	/* registers, or 0/1 per coil */
	int pulse_ms;			/* > 0: write v, wait, write the inverse */
};

enum profile_output { PO_BARRIER_UP, PO_BARRIER_DOWN, PO_LIGHT, PO_ALARM, PO_N };

/*
 * Load a profile file.  Returns NULL with err "FILE:LINE: message" (or
 * "FILE: message") on the first problem: the whole file is refused.
 */
profile_t *profile_load(const char *path, char *err, size_t errlen);

/* The same from text in memory; name stands for the file in messages. */
profile_t *profile_parse(const char *name, const char *text, size_t len,
    char *err, size_t errlen);

/*
 * A built-in profile: "weighgate" (scale), "weighgate-io", "weighgate-led"
 * (docs/design.md §4.1), adjusted by adj (NULL: defaults).  NULL with err
 * when the name is unknown or an adjustment does not fit.
 */
profile_t *profile_builtin(const char *name, const struct profile_adjust *adj,
    char *err, size_t errlen);

void profile_free(profile_t *p);

const char *profile_name(const profile_t *p);
enum profile_kind profile_kind(const profile_t *p);

/* 0, or -1 with err when unit is not one this device answers on over dev. */
int profile_unit_check(const profile_t *p, enum dev_type dev, int unit,
    char *err, size_t errlen);

int profile_nrequests(const profile_t *p);
const struct profile_request *profile_request(const profile_t *p, int i);

int profile_nwrites(const profile_t *p);
const struct profile_write *profile_write(const profile_t *p, int i);

/*
 * Decode one poll: img[i] holds profile_request(p, i)'s registers (or
 * one 0/1 word per bit).  Returns 0, or -1 with err naming the first
 * field that could not be read; r->m.valid is then false (retry) and the
 * field keeps its default.  A float that is NaN, infinite or out of the
 * field's range, a code outside its table, a BCD nibble above 9 and text
 * not valid in its encoding all count as unreadable.
 */
int profile_decode_scale(const profile_t *p, const uint16_t *const *img,
    struct profile_reading *r, char *err, size_t errlen);

/* The I/O module's inputs, in lane.h order (barrier up, down, pass, presence). */
void profile_decode_io(const profile_t *p, const uint16_t *const *img,
    bool bits[4], uint32_t *have);

/* How to set an output; -1 when the profile has no such output. */
int profile_output(const profile_t *p, enum profile_output o, bool on,
    struct profile_write *w);

/*
 * The sign's writes for colour (0 green, 1 red, 2 yellow) and UTF-8 text,
 * in the order to send them: colour and text, then the counter value
 * (when the sign has a counter).  *n is set to the number of writes.
 * Returns -1 when the text cannot be encoded.
 */
int profile_led_writes(const profile_t *p, int colour, const char *text,
    uint16_t counter, struct profile_write w[3], int *n);

/* Where a lane's profile names are looked up (weighgate.conf(5)). */
#define PROFILE_DIR_DEFAULT	"/etc/weighgate/profiles"
#define PROFILE_SHARE_DIR	"/usr/share/weighgate/profiles"

/*
 * The profile of lane lc's device r (docs/devices.md): its key
 * (scale_profile, io_profile, led_profile) empty or a built-in name: the
 * built-in one adjusted by the lane's scale_base, word_order, ...; a name
 * with a '/': that file; any other name: NAME.profile in dir, else in
 * PROFILE_SHARE_DIR.  Checked for its kind, the lane's unit id and (a
 * scale) a result sequence.  NULL with err; *in_file is then true when
 * err is the profile file's own "FILE:LINE: message".
 */
profile_t *profile_for_lane(const char *dir, const struct lane_cfg *lc,
    enum dev_role r, bool *in_file, char *err, size_t errlen);

/* The profile describes field f. */
bool profile_has(const profile_t *p, enum profile_field f);

/* The LED sign's counter register (protocol address), or -1: none. */
int profile_led_counter(const profile_t *p);

/* A holding register the sign answers a read of (counter, colour or text). */
int profile_led_probe(const profile_t *p);

/* Mass rounding of weighgate-profiles(5): half away from zero to whole kg. */
int64_t profile_round_kg(double kg);

/*
 * The device's side, for the simulator (src/profile_encode.c): the
 * inverse of the decoders above.
 *
 * profile_encode_scale: write r into img[i] (profile_request(p, i)'s
 * registers, or one 0/1 word per bit; the caller zeroes them first) so
 * that profile_decode_scale() reads r back: the conditions from
 * r->present, r->m.valid, fault, unstable, abnormal and r->reversing
 * (only the bits of a condition's mask are touched), seq and heartbeat
 * cut to their width, masses in the field's unit with 0 decimals, codes
 * through their value tables backwards.  Returns 0, or -1 with err
 * naming the first field that cannot hold its value (the others are
 * still written).
 */
int profile_encode_scale(const profile_t *p, const struct profile_reading *r,
    uint16_t *const *img, char *err, size_t errlen);

/* The I/O module's inputs (lane.h order) into img, as above. */
void profile_encode_io(const profile_t *p, const bool bits[4],
    uint16_t *const *img);

/*
 * What a device's tables (coils, holding registers from address 0) say of
 * output o: 1 on, 0 off, -1 neither (or no such output).  A pulse output
 * is on while its on value is held.
 */
int profile_output_state(const profile_t *p, enum profile_output o,
    const uint8_t *coils, int ncoils, const uint16_t *regs, int nregs);

/*
 * The sign's message as its holding registers (from address 0) hold it:
 * colour 0 green, 1 red, 2 yellow, 3 + code for another code, -1 without
 * a colour register; counter -1 without one; text as UTF-8.  -1 when the
 * text is not valid in the sign's encoding.
 */
int profile_led_read(const profile_t *p, const uint16_t *regs, int nregs,
    int *colour, int *counter, char *text, size_t textsz);

#endif
