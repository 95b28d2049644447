/* Inside weighgate replay: the input readers and the tally shared by replay*.c. */
#ifndef WEIGHGATE_REPLAY_H
#define WEIGHGATE_REPLAY_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "weighgate/record.h"
#include "weighgate/rules.h"
#include "weighgate/sbuf.h"

struct lists;

/* ---- inputs (replay_input.c) ---- */

enum input_kind { IN_JSONL, IN_CSV, IN_DB };

enum read_status {
	READ_RECORD, READ_SKIP, READ_BAD, READ_EOF, READ_ERROR,
	READ_PLATE		/* a camera's plate read (input_plate_read) */
};

/*
 * plate_source = camera (docs/replay.md, "Plate reads"): a plate read line,
 * and what a weighing says of its pairing.
 */
struct replay_read {
	char lane[MEAS_LANE_MAX];
	int64_t mono_ms;		/* received_mono_ms */
	bool has_plate;
	char plate[MEAS_PLATE_MAX];
	enum pcolor color;
};

struct replay_cam {
	bool camera;			/* a camera lane's weighing */
	bool has_mono;			/* received_mono_ms given */
	int64_t mono_ms;
	int n;				/* the different plates recorded */
	struct rules_plate plates[RULES_MAX_PLATES];
};

struct input;

/*
 * Open an input ("-": standard input) and recognise its format by content.
 * NULL with err on failure (the caller exits 66).
 */
struct input *input_open(const char *path, char *err, size_t errlen);
void input_close(struct input *in);
enum input_kind input_kind(const struct input *in);
const char *input_name(const struct input *in);
/* The line (file) or event seq (database) of what input_next returned. */
long long input_where(const struct input *in);
enum read_status input_next(struct input *in, struct record *r,
    char *err, size_t errlen);
/* After READ_PLATE: the read.  After READ_RECORD: its camera pairing. */
const struct replay_read *input_plate_read(const struct input *in);
const struct replay_cam *input_camera(const struct input *in);
/* Progress: bytes read of how many (0: unknown). */
void input_progress(const struct input *in, uint64_t *done, uint64_t *total);
/*
 * A database's stored list document (table lists), NULL when it has none
 * or the input is not a database; the caller frees it.
 */
char *input_db_lists(struct input *in, char *err, size_t errlen);

/* ---- the tally (replay_stats.c) ---- */

#define TALLY_HEAVIEST	10
#define TALLY_BAD_KEPT	100

struct heavy {
	char lane[MEAS_LANE_MAX];
	int64_t seq, ts_ms, gross_kg;
	char plate[MEAS_PLATE_MAX];
	int axles;
	enum vconfig config;
	enum decision_kind kind;
};

struct bad_line {
	char *where;			/* FILE:LINE */
	char *message;
};

struct tally {
	uint64_t records, bad, skipped, flag_100t;
	uint64_t by_kind[DEC_NKINDS];
	uint64_t by_reason[R_NREASONS];
	/* decisions with a limit, and turnbacks for over_gross, by axles and config */
	uint64_t weighed[MEAS_MAX_AXLES + 1][4];
	uint64_t over[MEAS_MAX_AXLES + 1][4];
	int n_heavy;
	struct heavy heavy[TALLY_HEAVIEST];
	uint64_t recorded, changed;
	uint64_t moves[DEC_NKINDS][DEC_NKINDS];	/* [old][new] */
	int n_bad_kept;
	struct bad_line bad_kept[TALLY_BAD_KEPT];
};

void tally_record(struct tally *t, const struct record *r,
    const struct decision *d);
void tally_bad(struct tally *t, const char *where, const char *message);
void tally_free(struct tally *t);
/* The readable summary (standard error). */
void tally_print(FILE *f, const struct tally *t, const char *ruleset,
    bool diff);
/* The --report document (JSON, ends with a newline). */
void tally_json(struct sbuf *b, const struct tally *t, const char *ruleset,
    char *const *inputs, int ninputs);

#endif
